// SPDX-License-Identifier: GPL-2.0-or-later
/* `bt`: the "stacks" analyzer (plugins/stacks) with every frame of the CPUs or tasks asked for. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vtdscope/analyzer.h>
#include <vtdscope/target.h>

#include "cli.h"

static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!s || !*s)
		return false;
	v = strtoul(s, &end, 0);
	if (*end || v > max)
		return false;
	*out = v;
	return true;
}

int cmd_bt(struct cli_options *opts)
{
	static const char *const names[] = { "stacks" };
	const char *cpu_s = cli_opt(opts, CLI_OPT_CPU), *pid_s = cli_opt(opts, CLI_OPT_PID);
	const char *state_s = cli_opt(opts, CLI_OPT_STATE);
	struct vsc_analysis_options ao = {
		.cpu = -1,
		.pid = -1,
		.frames_detail = cli_flag(opts, CLI_OPT_FRAMES_DETAIL),
		.full_stacks = true,
	};
	unsigned long cpu = 0, pid = 0;
	struct cli_run r;
	int rc;

	if (cpu_s && !parse_uint(cpu_s, 1u << 20, &cpu))
		return cli_usage_error(opts, "--cpu takes a CPU number, not '%s'", cpu_s);
	if (pid_s && !parse_uint(pid_s, 1u << 30, &pid))
		return cli_usage_error(opts, "--pid takes a process id, not '%s'", pid_s);
	if ((cpu_s != NULL) + (pid_s != NULL) + (state_s != NULL) +
	    cli_flag(opts, CLI_OPT_ALL) > 1)
		return cli_usage_error(opts, "give one of --cpu, --all, --pid or --state");
	rc = cli_take_dump(opts, 0, NULL);
	if (rc)
		return rc;
	if (state_s)
		ao.task_state = state_s[0];
	if (pid_s)
		ao.pid = (int)pid;
	rc = cli_run_open(opts, &r);
	if (rc)
		return rc;
	/* A CPU the dump does not have is a usage error, told before any analysis. */
	if (cpu_s && cpu >= vsc_nr_cpus(r.t)) {
		rc = cli_usage_error(opts, "--cpu %lu is out of range (%u CPUs)", cpu,
				     vsc_nr_cpus(r.t));
		cli_run_abort(&r);
		return rc;
	}
	if (cpu_s)
		ao.cpu = (int)cpu;
	return cli_run_report(opts, &r, "vtdscope bt", names, 1, &ao, NULL);
}
