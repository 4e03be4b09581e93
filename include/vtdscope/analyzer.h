/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Analyzers: each exports one descriptor.  Built-ins use the same
 * descriptor as external plugins; the loader checks the ABI version.
 * An analyzer reads the target through the engine API and fills the report
 * model; it never prints.
 */
#ifndef VTDSCOPE_ANALYZER_H
#define VTDSCOPE_ANALYZER_H

#include <stdbool.h>
#include <stddef.h>

#include <vtdscope/error.h>

struct vsc_target;
struct vsc_report;

#define VSC_ANALYZER_ABI 1

struct vsc_analysis_options {
	const char *unit;      /* only this DMAR unit ("dmar0"), or NULL */
	bool all_slots;        /* list free queue slots too */
	bool verbose;
	/*
	 * "stacks": with full_stacks (the `bt` command), every frame of the CPU
	 * @cpu (-1 = every CPU) or of the tasks with PID @pid (-1 = none), with
	 * the stack words of each frame if @frames_detail.  Without it (the
	 * report), every CPU with its stack trimmed to what matters and idle
	 * CPUs left out unless @verbose; @cpu, @pid and @frames_detail are
	 * ignored then, so the zeroed options of vsc_analysis_init() are fine.
	 */
	int cpu;
	int pid;
	bool frames_detail;
	char task_state;       /* stacks: every task in this state ('D'), with full_stacks */
	bool full_stacks;
};

/* Shared per-run state: analyzers cache what others may reuse. */
struct vsc_analysis {
	struct vsc_target *target;
	struct vsc_report *report;
	struct vsc_analysis_options opts;
	void *vtd;             /* struct vtd_model *, owned by the vtd analyzer */
	bool vtd_failed;       /* reading it failed once: don't retry, don't report twice */
	void (*vtd_destroy)(void *);
	void *stacks;          /* all-CPU stacks, owned by the engine's stack cache */
	void (*stacks_destroy)(void *);
	size_t diagnostics_reported; /* target diagnostics already in the report */
};

struct vsc_analyzer {
	unsigned int abi;      /* VSC_ANALYZER_ABI */
	const char *name;      /* "vtd", "faults", "lockup" */
	const char *summary;
	/* Fill the report.  Errors are fatal for this analyzer only. */
	struct vsc_error *(*run)(struct vsc_analysis *a);
};

void vsc_analysis_init(struct vsc_analysis *a, struct vsc_target *t, struct vsc_report *rep);
void vsc_analysis_deinit(struct vsc_analysis *a);

/* Built-in analyzers, in the order the report runs them. */
const struct vsc_analyzer *const *vsc_builtin_analyzers(size_t *count);
const struct vsc_analyzer *vsc_analyzer_find(const char *name);
/*
 * Runs @an after checking its ABI; errors become report errors.  Then the
 * target's new diagnostics (vsc_target_diagnostic()) go into the report:
 * errors when the analysis left something out because of them, else warnings.
 */
void vsc_analyzer_run(const struct vsc_analyzer *an, struct vsc_analysis *a);

#endif
