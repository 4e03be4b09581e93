// SPDX-License-Identifier: GPL-2.0-or-later
/* `log`: the kernel log, streamed. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vtdscope/kernel.h>
#include <vtdscope/printk.h>
#include <vtdscope/symbols.h>

#include "cli.h"

struct log_filter {
	regex_t re;
	bool use_re;
	int max_level;
	FILE *out;
};

static int log_cb(void *arg, const struct vsc_log_record *rec)
{
	struct log_filter *f = arg;
	char *line;

	if (rec->level > f->max_level)
		return 0;
	line = strndup(rec->text, rec->text_len);
	if (!line)
		return 1;
	for (char *p = line; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t')
			*p = '?';
	if (!f->use_re || !regexec(&f->re, line, 0, NULL, 0))
		fprintf(f->out, "[%5" PRIu64 ".%06" PRIu64 "] %s\n", rec->ts_nsec / 1000000000,
			(rec->ts_nsec / 1000) % 1000000, line);
	free(line);
	return 0;
}

int cmd_log(struct cli_options *opts)
{
	static const char *const levels[] = { "emerg", "alert", "crit", "err",
					      "warning", "notice", "info", "debug" };
	struct log_filter f = { .max_level = 7, .out = stdout };
	struct vsc_target *t;
	const char *re = cli_opt_value(opts, "--grep"), *lv = cli_opt_value(opts, "--level");
	struct vsc_error *err;
	int rc;

	if (lv) {
		char *end;
		long n = strtol(lv, &end, 10);

		f.max_level = -1;
		if (!*end && n >= 0 && n <= 7)
			f.max_level = (int)n;
		for (int i = 0; i < 8; i++)
			if (!strcmp(lv, levels[i]))
				f.max_level = i;
		if (f.max_level < 0) {
			fprintf(stderr, "vtdscope: --level must be 0-7 or a name like 'warning'\n");
			return VSC_EXIT_USAGE;
		}
	}
	if (re) {
		if (regcomp(&f.re, re, REG_EXTENDED | REG_NOSUB)) {
			fprintf(stderr, "vtdscope: --grep: invalid regular expression '%s'\n", re);
			return VSC_EXIT_USAGE;
		}
		f.use_re = true;
	}
	if (opts->output) {
		f.out = fopen(opts->output, "w");
		if (!f.out) {
			fprintf(stderr, "vtdscope: %s: %s\n", opts->output, strerror(errno));
			if (f.use_re)
				regfree(&f.re);
			return VSC_EXIT_INPUT;
		}
	}
	rc = cli_open_target(opts, opts->argc ? opts->argv[0] : NULL, &t);
	if (!rc) {
		err = vsc_log_foreach(t, log_cb, &f);
		if (err) {
			cli_error(vsc_error_wrap(err, "%s", opts->argv[0]));
			rc = VSC_EXIT_INPUT;
		}
		if (cli_print_diagnostics(t) && rc == VSC_EXIT_OK)
			rc = VSC_EXIT_INCOMPLETE;
		vsc_target_destroy(t);
	}
	if (f.out != stdout)
		fclose(f.out);
	if (f.use_re)
		regfree(&f.re);
	return rc;
}
