// SPDX-License-Identifier: GPL-2.0-or-later
/* The common path of report-shaped commands: open, analyze, render, exit status. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <vtdscope/analyzer.h>
#include <vtdscope/report.h>

#include "cli.h"

int cli_exit_for(const struct vsc_report *rep)
{
	enum vsc_severity worst;

	if (vsc_report_worst_severity(rep, &worst) && worst >= VSC_SEV_WARNING)
		return VSC_EXIT_FINDINGS;
	/* No finding in an incomplete analysis is no verdict of health. */
	if (vsc_report_error_count(rep))
		return VSC_EXIT_INCOMPLETE;
	return VSC_EXIT_OK;
}

int cli_render(struct cli_options *opts, const struct vsc_report *rep)
{
	struct vsc_render_options ro = { .redact = opts->redact, .color = opts->color,
					 .verbose = opts->verbose };
	struct vsc_error *err = vsc_render_format_from_name(opts->format, &ro.format);
	FILE *out = stdout;

	if (err) {
		cli_error(err);
		return VSC_EXIT_USAGE;
	}
	if (opts->output) {
		out = fopen(opts->output, "w");
		if (!out) {
			fprintf(stderr, "vtdscope: %s: %s\n", opts->output, strerror(errno));
			return VSC_EXIT_INPUT;
		}
	}
	err = vsc_report_render(rep, out, &ro);
	if (out != stdout && fclose(out) && !err)
		err = vsc_error_create(VSC_ERR_IO, "%s: %s", opts->output, strerror(errno));
	if (err) {
		cli_error(err);
		return VSC_EXIT_INTERNAL;
	}
	return VSC_EXIT_OK;
}

void cli_analyze(struct vsc_target *t, struct vsc_report *rep, const char *title,
		 const char *path, const char *const *names, size_t n,
		 const struct vsc_analysis_options *aopts)
{
	size_t nall;
	const struct vsc_analyzer *const *all = vsc_builtin_analyzers(&nall);
	struct vsc_analysis a;

	vsc_report_set_title(rep, "%s", title);
	vsc_report_set_tool_version(rep, VTDSCOPE_VERSION);
	vsc_report_set_target(rep, path);
	vsc_analysis_init(&a, t, rep);
	if (aopts)
		a.opts = *aopts;
	if (!names) {
		for (size_t i = 0; i < nall; i++)
			vsc_analyzer_run(all[i], &a);
	}
	for (size_t i = 0; names && i < n; i++) {
		const struct vsc_analyzer *an = vsc_analyzer_find(names[i]);

		if (an)
			vsc_analyzer_run(an, &a);
	}
	vsc_analysis_deinit(&a);
}

int cli_run_analyzers(struct cli_options *opts, const char *title, const char *const *names,
		      size_t n, const struct vsc_analysis_options *aopts)
{
	struct vsc_analysis_options ao = { 0 };
	struct vsc_target *t;
	struct vsc_report *rep;
	struct vsc_error *err;
	int rc = cli_open_target(opts, opts->argc ? opts->argv[0] : NULL, &t);

	if (rc)
		return rc;
	err = vsc_report_create(&rep);
	if (err) {
		cli_error(err);
		vsc_target_destroy(t);
		return VSC_EXIT_INTERNAL;
	}
	if (aopts)
		ao = *aopts;
	ao.verbose = ao.verbose || opts->verbose;
	cli_analyze(t, rep, title, opts->argv[0], names, n, &ao);
	rc = cli_render(opts, rep);
	if (!rc)
		rc = cli_exit_for(rep);
	vsc_report_destroy(rep);
	vsc_target_destroy(t);
	return rc;
}

int cmd_report(struct cli_options *opts)
{
	/* No names: every built-in analyzer, in report order. */
	return cli_run_analyzers(opts, "vtdscope report", NULL, 0, NULL);
}

int cmd_qi(struct cli_options *opts)
{
	static const char *const names[] = { "vtd" };
	struct vsc_analysis_options ao = {
		.unit = cli_opt_value(opts, "--unit"),
		.all_slots = cli_opt_flag(opts, "--all-slots"),
	};

	return cli_run_analyzers(opts, "vtdscope qi", names, 1, &ao);
}

int cmd_faults(struct cli_options *opts)
{
	static const char *const names[] = { "faults" };

	return cli_run_analyzers(opts, "vtdscope faults", names, 1, NULL);
}

int cmd_info(struct cli_options *opts)
{
	static const char *const names[] = { "system" };

	return cli_run_analyzers(opts, "vtdscope info", names, 1, NULL);
}
