// SPDX-License-Identifier: GPL-2.0-or-later
/* The common path of every command on one dump: open, analyze, render, exit status. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vtdscope/analyzer.h>
#include <vtdscope/report.h>
#include <vtdscope/target.h>

#include "cli.h"

int cli_exit_for(const struct vsc_report *rep)
{
	switch (vsc_report_outcome(rep)) {
	case VSC_OUTCOME_FINDINGS:
		return VSC_EXIT_FINDINGS;
	case VSC_OUTCOME_INCOMPLETE:
		return VSC_EXIT_INCOMPLETE;
	case VSC_OUTCOME_CLEAN:
		break;
	}
	return VSC_EXIT_OK;
}

/* VTDSCOPE_STATS=1: what the run cost the target, on stderr (tests count unwinds with it). */
void cli_print_stats(const struct vsc_target *t)
{
	const char *e = getenv("VTDSCOPE_STATS");
	const struct vsc_target_stats *st = vsc_target_stats(t);

	if (e && *e && strcmp(e, "0"))
		fprintf(stderr, "vtdscope: stats: unwinds=%lu log_scans=%lu\n", st->unwinds,
			st->log_scans);
}

int cli_render(struct cli_options *opts, const struct vsc_report *rep, struct cli_output *o)
{
	struct vsc_render_options ro = { .format = opts->format, .redact = opts->redact,
					 .color = opts->color, .verbose = opts->verbose };
	struct vsc_error *err;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);

	/* Rendered whole (redacted by the renderer), then written to the output. */
	if (!mem) {
		fprintf(stderr, "vtdscope: out of memory\n");
		return VSC_EXIT_INTERNAL;
	}
	err = vsc_report_render(rep, mem, &ro);
	if (fclose(mem) && !err)
		err = vsc_error_create(VSC_ERR_NOMEM, "rendering the report: out of memory");
	if (err) {
		cli_error(err);
		free(buf);
		return VSC_EXIT_INTERNAL;
	}
	cli_output_write(o, buf, len);
	free(buf);
	return VSC_EXIT_OK;
}

int cli_run_open(struct cli_options *opts, struct cli_run *r)
{
	int rc = cli_output_check_inputs(opts);

	r->t = NULL;
	if (rc)
		return rc;
	return cli_open_target(opts, opts->dump, &r->t);
}

void cli_run_abort(struct cli_run *r)
{
	vsc_target_destroy(r->t);
	r->t = NULL;
}

int cli_run_report(struct cli_options *opts, struct cli_run *r, const char *title,
		   const char *const *names, size_t n, const struct vsc_analysis_options *aopts,
		   cli_plain_fn *plain)
{
	struct vsc_analysis_options ao = { 0 };
	struct cli_output out;
	struct vsc_report *rep;
	struct vsc_error *err;
	int rc = cli_output_open(&out, opts, r->t);

	if (rc) {
		cli_run_abort(r);
		return rc;
	}
	err = vsc_report_create(&rep);
	if (err) {
		cli_error(err);
		cli_output_close(&out, false);
		cli_run_abort(r);
		return VSC_EXIT_INTERNAL;
	}
	if (aopts)
		ao = *aopts;
	ao.verbose = ao.verbose || opts->verbose;
	vsc_analyze(r->t, rep, title, VTDSCOPE_VERSION, opts->dump, names, n, &ao);
	cli_print_stats(r->t);
	if (plain && opts->format == VSC_FORMAT_TEXT)
		cli_render_plain(opts, rep, &out, plain);
	else
		rc = cli_render(opts, rep, &out);
	rc = cli_output_close(&out, !rc) ? VSC_EXIT_INTERNAL : rc;
	if (!rc)
		rc = cli_exit_for(rep);
	vsc_report_destroy(rep);
	cli_run_abort(r);
	return rc;
}

int cli_run_analyzers(struct cli_options *opts, const char *title, const char *const *names,
		      size_t n, const struct vsc_analysis_options *aopts, cli_plain_fn *plain)
{
	struct cli_run r;
	int rc = cli_run_open(opts, &r);

	if (rc)
		return rc;
	return cli_run_report(opts, &r, title, names, n, aopts, plain);
}

int cmd_report(struct cli_options *opts)
{
	int rc = cli_take_dump(opts, 0, NULL);

	if (rc)
		return rc;
	/* No names: every built-in analyzer, in report order. */
	return cli_run_analyzers(opts, "vtdscope report", NULL, 0, NULL, NULL);
}

int cmd_qi(struct cli_options *opts)
{
	static const char *const names[] = { "vtd" };
	struct vsc_analysis_options ao = {
		.unit = cli_opt(opts, CLI_OPT_UNIT),
		.all_slots = cli_flag(opts, CLI_OPT_ALL_SLOTS),
	};
	int rc = cli_take_dump(opts, 0, NULL);

	if (rc)
		return rc;
	return cli_run_analyzers(opts, "vtdscope qi", names, 1, &ao, NULL);
}

int cmd_faults(struct cli_options *opts)
{
	static const char *const names[] = { "faults" };
	int rc = cli_take_dump(opts, 0, NULL);

	if (rc)
		return rc;
	return cli_run_analyzers(opts, "vtdscope faults", names, 1, NULL, NULL);
}

int cmd_info(struct cli_options *opts)
{
	static const char *const names[] = { "system" };
	int rc = cli_take_dump(opts, 0, NULL);

	if (rc)
		return rc;
	return cli_run_analyzers(opts, "vtdscope info", names, 1, NULL, NULL);
}
