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
#include <vtdscope/types.h>

struct vsc_target;
struct vsc_report;

#define VSC_ANALYZER_ABI 3     /* 3: on_request */

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
	/*
	 * The analyzers run on request (vsc_analyzer.on_request): "log" keeps
	 * the records of the levels in @log_levels (bit L for level L; 0: every
	 * level) whose text matches the extended regular expression @log_grep
	 * (NULL: every record); "sym" looks @query up (a symbol name, or an
	 * address with 0x), "type" lays out the type @query.
	 */
	const char *log_grep;
	unsigned int log_levels;
	const char *query;
};

struct vsc_analysis;

/*
 * Products: what is computed once per run and read by whoever needs it.
 * The engine's own (VSC_PRODUCT_STACKS, VSC_PRODUCT_LOG) are built by the
 * analysis layer; an analyzer publishes its own in its descriptor (the vtd
 * analyzer: "vtd.model", VSC_PRODUCT_LOCK_NAMES).  A consumer asks by key and
 * never includes the producer's headers.
 */
struct vsc_product_kind {
	const char *key;
	struct vsc_error *(*build)(struct vsc_analysis *a, void **out);
	void (*destroy)(void *product);   /* may be NULL */
};

/*
 * Product @key, built on first use and kept until vsc_analysis_deinit() or
 * until the target moves to a new epoch (vsc_target_refresh()): a product
 * of an earlier epoch is dropped and built again.  A build that failed is
 * not retried in the same epoch: every later call gets an error of the same
 * kind whose message ends "(reported once)" so callers can stay quiet.
 * VSC_ERR_NOTFOUND when nothing declares @key.  *@out stays owned by the
 * analysis, valid until the next vsc_analysis_get() after a refresh.
 */
struct vsc_error *vsc_analysis_get(struct vsc_analysis *a, const char *key,
				   const void **out) VSC_MUST_CHECK;
/*
 * Refresh the target (vsc_target_refresh(); an error goes into the report)
 * and drop every product of an earlier epoch.  A no-op on a dump.
 */
void vsc_analysis_refresh(struct vsc_analysis *a);
/* How many times @key was built in this run: once per epoch it was asked for (tests, --stats). */
unsigned int vsc_analysis_builds(const struct vsc_analysis *a, const char *key);

/*
 * VSC_PRODUCT_STACKS: every CPU's stack, unwound once (struct vsc_cpu_stacks
 * of <vtdscope/analyzer.h>; frames as vsc_unwind_cpu() gives them).
 */
#define VSC_PRODUCT_STACKS "stacks"
struct vsc_stack;
struct vsc_cpu_stacks {
	unsigned int nr_cpus;
	struct vsc_stack *stacks;     /* [nr_cpus] */
	struct vsc_error **errors;    /* [nr_cpus]: why CPU i has no stack, or NULL */
	unsigned int nr_unwound;      /* CPUs whose stack was read */
};

/* VSC_PRODUCT_LOG: the kernel log, decoded once (struct vsc_log_records). */
#define VSC_PRODUCT_LOG "log"
struct vsc_log_record;
struct vsc_log_records {
	struct vsc_log_record *records;   /* oldest first; text owned by the product */
	size_t nr;
	struct vsc_error *error;          /* the log could not be read (whole or in part) */
};

/* VSC_PRODUCT_LOCK_NAMES: names for lock addresses (struct vsc_lock_names). */
#define VSC_PRODUCT_LOCK_NAMES "lock-names"
struct vsc_lock_name;
struct vsc_lock_names {
	struct vsc_lock_name *names;
	size_t nr;
};

/* Shared per-run state. */
struct vsc_analysis {
	struct vsc_target *target;
	struct vsc_report *report;
	struct vsc_analysis_options opts;
	struct vsc_product_cache *products;   /* private to the analysis layer */
	size_t diagnostics_reported;          /* target diagnostics already in the report */
};

struct vsc_analyzer {
	unsigned int abi;      /* VSC_ANALYZER_ABI */
	const char *name;      /* "vtd", "faults", "locks" */
	const char *summary;
	/* Fill the report.  Errors are fatal for this analyzer only. */
	struct vsc_error *(*run)(struct vsc_analysis *a);
	/* What it publishes for others (NULL-terminated, may be NULL). */
	const struct vsc_product_kind *const *products;
	/* Its finding kinds, for documentation and `explain` (NULL-terminated, may be NULL). */
	const struct vsc_finding_kind *const *finding_kinds;
	/* Where its kernel types live, for the DWARF backend (vsc_types_add_hints()). */
	const struct vsc_type_hint *type_hints;
	size_t nr_type_hints;
	/*
	 * Run only when named (`log`, `sym`, `type`): it answers a question
	 * asked with options and is no part of the report of every analyzer.
	 */
	bool on_request;
};

void vsc_analysis_init(struct vsc_analysis *a, struct vsc_target *t, struct vsc_report *rep);
void vsc_analysis_deinit(struct vsc_analysis *a);

/* Built-in analyzers, in the order the report runs them (on-request ones last). */
const struct vsc_analyzer *const *vsc_builtin_analyzers(size_t *count);
const struct vsc_analyzer *vsc_analyzer_find(const char *name);
/*
 * Runs @an after checking its ABI; errors become report errors.  Then the
 * target's new diagnostics (vsc_target_diagnostic()) go into the report:
 * errors when the analysis left something out because of them, else warnings.
 */
void vsc_analyzer_run(const struct vsc_analyzer *an, struct vsc_analysis *a);

/*
 * The whole analysis of one target into @rep: title, tool version and target
 * path set, then the analyzers @names (NULL: every built-in, in report order)
 * run in one analysis sharing its products.  Unknown names are report errors.
 */
void vsc_analyze(struct vsc_target *t, struct vsc_report *rep, const char *title,
		 const char *tool_version, const char *path, const char *const *names, size_t n,
		 const struct vsc_analysis_options *opts);

/* What a report amounts to, for exit statuses (most important first). */
enum vsc_outcome {
	VSC_OUTCOME_FINDINGS,    /* a finding of severity warning or worse */
	VSC_OUTCOME_INCOMPLETE,  /* no such finding, but errors: no verdict of health */
	VSC_OUTCOME_CLEAN,       /* complete, nothing found */
};
enum vsc_outcome vsc_report_outcome(const struct vsc_report *rep);

#endif
