// SPDX-License-Identifier: GPL-2.0-or-later
/* `bt`: the "stacks" analyzer (plugins/stacks) with every frame of the CPUs or tasks asked for. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vtdscope/analyzer.h>
#include <vtdscope/target.h>

#include "cli.h"

/* Index in argv of the dump: the first argument that is neither an option nor its value. */
static int dump_index(const struct cli_options *opts)
{
	for (int i = 0; i < opts->argc; i++) {
		const char *a = opts->argv[i];

		if (!strcmp(a, "--cpu") || !strcmp(a, "--pid") || !strcmp(a, "--state")) {
			i++;
			continue;
		}
		if (a[0] != '-' || !strcmp(a, "--live"))
			return i;
	}
	return -1;
}

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

/* A CPU the dump does not have is a usage error, told before any analysis. */
static int check_cpu(struct cli_options *opts, const char *path, unsigned long cpu)
{
	struct vsc_target *t;
	int rc = cli_open_target(opts, path, &t);

	if (rc)
		return rc;
	if (cpu >= vsc_nr_cpus(t)) {
		fprintf(stderr, "vtdscope: bt: CPU %lu out of range (%u CPUs)\n", cpu, vsc_nr_cpus(t));
		rc = VSC_EXIT_USAGE;
	}
	vsc_target_destroy(t);
	return rc;
}

int cmd_bt(struct cli_options *opts)
{
	static const char *const names[] = { "stacks" };
	const char *cpu_s = cli_opt_value(opts, "--cpu"), *pid_s = cli_opt_value(opts, "--pid");
	const char *state_s = cli_opt_value(opts, "--state");
	struct vsc_analysis_options ao = {
		.cpu = -1,
		.pid = -1,
		.frames_detail = cli_opt_flag(opts, "--frames-detail"),
		.full_stacks = true,
	};
	struct cli_options o = *opts;
	unsigned long cpu = 0, pid = 0;
	int dump = dump_index(opts), rc;
	char *argv[2];

	if ((cpu_s && !parse_uint(cpu_s, 1u << 20, &cpu)) ||
	    (pid_s && !parse_uint(pid_s, 1u << 30, &pid))) {
		fprintf(stderr, "vtdscope: bt: --cpu and --pid take a number\n");
		return VSC_EXIT_USAGE;
	}
	if ((cpu_s != NULL) + (pid_s != NULL) + (state_s != NULL) > 1) {
		fprintf(stderr, "vtdscope: bt: give one of --cpu, --pid or --state\n");
		return VSC_EXIT_USAGE;
	}
	if (state_s && (strlen(state_s) != 1 || !strchr("RSDTtZXIP", state_s[0]))) {
		fprintf(stderr, "vtdscope: bt: --state takes a task state letter as ps prints it (D, R, S, ...)\n");
		return VSC_EXIT_USAGE;
	}
	if (state_s)
		ao.task_state = state_s[0];
	if (dump < 0)
		return cli_open_target(opts, NULL, NULL);       /* "no dump given" */
	if (cpu_s) {
		rc = check_cpu(opts, opts->argv[dump], cpu);
		if (rc)
			return rc;
		ao.cpu = (int)cpu;
	}
	if (pid_s)
		ao.pid = (int)pid;
	/* cli_run_analyzers() opens argv[0]: the options may have come first. */
	argv[0] = opts->argv[dump];
	argv[1] = NULL;
	o.argv = argv;
	o.argc = 1;
	return cli_run_analyzers(&o, "vtdscope bt", names, 1, &ao);
}
