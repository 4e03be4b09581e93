// SPDX-License-Identifier: GPL-2.0-or-later
/* Commands whose analyzers are not wired in yet. */
#include <stdio.h>

#include "cli.h"

#define STUB(fn, name)                                                              \
	int fn(struct cli_options *opts)                                            \
	{                                                                           \
		(void)opts;                                                         \
		fprintf(stderr, "vtdscope: '%s' is not available in this build\n", name); \
		return VSC_EXIT_INTERNAL;                                           \
	}
STUB(cmd_bt, "bt")
STUB(cmd_locks, "locks")
STUB(cmd_batch, "batch")
