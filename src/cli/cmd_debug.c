// SPDX-License-Identifier: GPL-2.0-or-later
/* Debugging aids: `sym` and `type`, the "sym" and "type" analyzers (plugins/debug). */
#include <vtdscope/analyzer.h>

#include "cli.h"

int cmd_sym(struct cli_options *opts)
{
	static const char *const names[] = { "sym" };
	int rc = cli_take_dump(opts, 1, "NAME|ADDRESS");

	if (rc)
		return rc;
	return cli_run_analyzers(opts, "vtdscope sym", names, 1,
				 &(struct vsc_analysis_options){ .query = opts->argv[opts->argc - 1] },
				 cli_plain_sym);
}

int cmd_type(struct cli_options *opts)
{
	static const char *const names[] = { "type" };
	int rc = cli_take_dump(opts, 1, "NAME");

	if (rc)
		return rc;
	return cli_run_analyzers(opts, "vtdscope type", names, 1,
				 &(struct vsc_analysis_options){ .query = opts->argv[opts->argc - 1] },
				 cli_plain_type);
}
