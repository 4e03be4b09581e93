// SPDX-License-Identifier: GPL-2.0-or-later
/* `log`: the "log" analyzer (plugins/log), printed as dmesg does in text. */
#define _GNU_SOURCE
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <vtdscope/analyzer.h>

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
	static const char *const names[] = { "log" };
	const char *re = cli_opt(opts, CLI_OPT_GREP), *lv = cli_opt(opts, CLI_OPT_LEVEL);
	struct vsc_analysis_options ao = { .log_grep = re };
	int rc, level = 7;
	regex_t check;

	if (lv) {
		rc = parse_level(opts, lv, &level);
		if (rc)
			return rc;
		/* level L or more urgent: levels 0 to L */
		ao.log_levels = (2u << level) - 1;
	}
	rc = cli_take_dump(opts, 0, NULL);
	if (rc)
		return rc;
	/* A bad expression is a usage error, told before the dump is read. */
	if (re) {
		if (regcomp(&check, re, REG_EXTENDED | REG_NOSUB))
			return cli_usage_error(opts, "--grep: invalid regular expression '%s'", re);
		regfree(&check);
	}
	return cli_run_analyzers(opts, "vtdscope log", names, 1, &ao, cli_plain_log);
}
