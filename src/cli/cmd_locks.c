// SPDX-License-Identifier: GPL-2.0-or-later
/* `locks`: the "locks" analyzer alone (plugins/locks). */
#include <vtdscope/analyzer.h>

#include "cli.h"

int cmd_locks(struct cli_options *opts)
{
	static const char *const names[] = { "locks" };
	int rc = cli_take_dump(opts, 0, NULL);

	if (rc)
		return rc;
	return cli_run_analyzers(opts, "vtdscope locks", names, 1, NULL, NULL);
}
