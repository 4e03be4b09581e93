// SPDX-License-Identifier: GPL-2.0-or-later
/* `log`: the kernel log, streamed. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <vtdscope/kernel.h>
#include <vtdscope/printk.h>
#include <vtdscope/symbols.h>

#include "cli.h"

/* dmesg's level names (and their long forms), as --level takes them. */
static const struct {
	const char *name;
	int level;
} level_names[] = {
	{ "emerg", 0 }, { "emergency", 0 }, { "alert", 1 }, { "crit", 2 }, { "critical", 2 },
	{ "err", 3 }, { "error", 3 }, { "warn", 4 }, { "warning", 4 }, { "notice", 5 },
	{ "info", 6 }, { "informational", 6 }, { "debug", 7 },
};

static const struct vsc_column log_columns[] = {
	{ .name = "time", .kind = VSC_VAL_STR, .align = VSC_ALIGN_RIGHT },
	{ .name = "level", .kind = VSC_VAL_UINT },
	{ .name = "text", .kind = VSC_VAL_STR },
};

struct log_filter {
	regex_t re;
	bool use_re;
	int max_level;
	struct cli_output *out;
	struct vsc_table *table;        /* json, markdown: the records go here */
};

static int log_cb(void *arg, const struct vsc_log_record *rec)
{
	struct log_filter *f = arg;
	char *line, ts[48];

	if (rec->level > f->max_level)
		return 0;
	line = strndup(rec->text, rec->text_len);
	if (!line)
		return 1;
	for (char *p = line; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t')
			*p = '?';
	snprintf(ts, sizeof(ts), "%" PRIu64 ".%06" PRIu64, rec->ts_nsec / 1000000000,
		 (rec->ts_nsec / 1000) % 1000000);
	if (f->use_re && regexec(&f->re, line, 0, NULL, 0))
		;
	else if (f->table)
		vsc_table_row(f->table, vsc_val_str(ts), vsc_val_uint((uint64_t)rec->level),
			      vsc_val_str(line));
	else
		cli_output_printf(f->out, "[%12s] %s\n", ts, line);
	free(line);
	return 0;
}

static int parse_level(struct cli_options *opts, const char *lv, int *out)
{
	char *end;
	long n = strtol(lv, &end, 10);

	if (*lv && !*end && n >= 0 && n <= 7) {
		*out = (int)n;
		return VSC_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (!strcasecmp(lv, level_names[i].name)) {
			*out = level_names[i].level;
			return VSC_EXIT_OK;
		}
	}
	return cli_usage_error(opts, "--level must be 0-7 or emerg, alert, crit, err, warn, "
			       "notice, info or debug, not '%s'", lv);
}

int cmd_log(struct cli_options *opts)
{
	struct log_filter f = { .max_level = 7 };
	const char *re = cli_opt(opts, CLI_OPT_GREP), *lv = cli_opt(opts, CLI_OPT_LEVEL);
	struct cli_output out;
	struct vsc_report *rep = NULL;
	struct vsc_target *t;
	struct vsc_error *err;
	int rc;

	if (lv && (rc = parse_level(opts, lv, &f.max_level)))
		return rc;
	rc = cli_take_dump(opts, 0, NULL);
	if (rc)
		return rc;
	rc = cli_output_check_inputs(opts);
	if (rc)
		return rc;
	if (re) {
		if (regcomp(&f.re, re, REG_EXTENDED | REG_NOSUB))
			return cli_usage_error(opts, "--grep: invalid regular expression '%s'", re);
		f.use_re = true;
	}
	rc = cli_open_target(opts, opts->dump, &t);
	if (rc)
		goto out_re;
	rc = cli_output_open(&out, opts, t);
	if (rc)
		goto out_target;
	f.out = &out;
	if (opts->format != VSC_FORMAT_TEXT) {
		rc = cli_report_for(opts, t, "vtdscope log", &rep);
		if (rc) {
			cli_output_close(&out, false);
			goto out_target;
		}
		f.table = vsc_section_table(vsc_report_section(rep, "log", "Kernel log"), "records",
					    NULL, log_columns,
					    sizeof(log_columns) / sizeof(log_columns[0]));
	}
	err = vsc_log_foreach(t, log_cb, &f);
	if (err) {
		cli_error(vsc_error_wrap(err, "%s", opts->dump));
		rc = VSC_EXIT_INPUT;
	}
	if (cli_print_diagnostics(t) && rc == VSC_EXIT_OK)
		rc = VSC_EXIT_INCOMPLETE;
	if (rep && rc != VSC_EXIT_INPUT) {
		int r = cli_render(opts, rep, &out);

		rc = r ? r : rc;
	}
	if (cli_output_close(&out, rc != VSC_EXIT_INPUT && rc != VSC_EXIT_INTERNAL))
		rc = VSC_EXIT_INTERNAL;
	vsc_report_destroy(rep);
out_target:
	vsc_target_destroy(t);
out_re:
	if (f.use_re)
		regfree(&f.re);
	return rc;
}
