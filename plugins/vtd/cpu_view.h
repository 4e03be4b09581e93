/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the diagnosis knows about each CPU's stack: a view built from the
 * run's all-CPU stacks (cpu_views_collect()) and from bounded reads of the
 * stack words near each frame and of the memory they point at
 * (cpu_views_find_queue_words()); and what it knows about the system
 * around them (sys_view_build()): the log's lockup reports and queue-fault
 * counts, the panic, the taint of the modules on the stacks.  The judge
 * reads views, never memory, so any source that can fill one (a dump, a
 * trace) gets the same judgement.
 */
#ifndef VTDSCOPE_VTD_CPU_VIEW_H
#define VTDSCOPE_VTD_CPU_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include <vtdscope/error.h>
#include <vtdscope/unwind.h>

#define CPU_VIEW_FRAMES 64

/*
 * The stack words above a frame's stack pointer that the builder scans: a
 * window of CPU_WINDOW_WORDS words from sp, cut at the first page not in
 * the dump.  A match starts in one of the first CPU_WINDOW_WORDS - 1 words
 * (a descriptor copy needs the word after it too).
 */
#define CPU_WINDOW_WORDS 128

/* How a stack word names a queue object of the VT-d model. */
enum cpu_word_kind {
	CPU_WORD_STATUS,  /* &desc_status[slot] of a batch's wait slot: qi_submit_sync polls it */
	CPU_WORD_DESC,    /* two words equal to (qw0, qw1) of a batch's first slot: the
			     caller's copy of the descriptors it submitted */
	CPU_WORD_DESC_PTR, /* a pointer to a copy of every payload descriptor of a batch, in
			     order, at the stride of struct qi_desc: qi_submit_sync()'s desc
			     argument; from 6.12 the domain's struct qi_batch on the heap
			     (qi_batch_flush_descs()), whose index then equals the count */
};

/*
 * One such word in the window of frame @frame, or (@in_regs) among the
 * registers of its exception frame; each (frame, kind, unit, slot) once.
 */
struct cpu_word {
	int frame;
	enum cpu_word_kind kind;
	int unit, slot;
	uint64_t addr;          /* CPU_WORD_DESC_PTR: the pointer */
	bool qi_batch;          /* CPU_WORD_DESC_PTR: a struct qi_batch whose index is the count */
	bool in_regs;
};

struct cpu_view {
	unsigned int cpu;
	bool valid;                       /* a stack was recovered */
	int nframes;
	const char *func[CPU_VIEW_FRAMES];   /* innermost first; borrowed, NULL if unknown */
	const char *module[CPU_VIEW_FRAMES]; /* NULL for vmlinux */
	uint64_t sp[CPU_VIEW_FRAMES];
	enum vsc_stack_kind stack[CPU_VIEW_FRAMES]; /* NMI: e.g. the stop NMI of the dump */
	/*
	 * Exception frames (the dump's registers, or a pt_regs the unwinder
	 * crossed): the interrupted context's RFLAGS (bit 9: IRQs enabled).
	 */
	bool has_flags[CPU_VIEW_FRAMES];
	uint64_t flags[CPU_VIEW_FRAMES];
	/* The stack the view was built from (its registers), NULL for a hand-built view. */
	const struct vsc_stack *source;   /* borrowed from the run's stacks */
	int source_frame[CPU_VIEW_FRAMES]; /* index of each frame in source->frames */
	int pid;                          /* current task's pid, -1 if unknown */
	/* The unwinding stopped before the stack's end: frames above the last are unseen. */
	bool cut;
	const char *cut_why;              /* vsc_unwind_end_text() (static), NULL */
	/* Queue objects named by stack words, by frame (cpu_views_find_queue_words()). */
	struct cpu_word *words;           /* owned by the view; NULL when none */
	unsigned int nr_words;
};

struct vsc_analysis;
struct vsc_target;
struct vtd_model;

/* Stacks of every CPU with registers, innermost frame first. */
struct vsc_error *cpu_views_collect(struct vsc_analysis *a, struct cpu_view **views,
				    unsigned int *n) VSC_MUST_CHECK;
/*
 * For every frame of every view, the stack words in its window that name a
 * batch of @m (enum cpu_word_kind).  Reads CPU_WINDOW_WORDS words per frame;
 * nothing when no unit has a batch.  Only running out of memory fails.
 */
struct vsc_error *cpu_views_find_queue_words(struct vsc_target *t, const struct vtd_model *m,
					     struct cpu_view *views, unsigned int n) VSC_MUST_CHECK;
void cpu_views_free(struct cpu_view *views, unsigned int n);

/* ---- the system around the stacks: the log's lockup reports, the panic, module taints ---- */

/* X(ENUM, name): the lockup detectors whose reports the log keeps. */
#define SYS_EVENT_KINDS(X)                                                     \
	X(HARD_LOCKUP, "hard LOCKUP") /* "Watchdog detected hard LOCKUP on cpu N" */ \
	X(SOFT_LOCKUP, "soft lockup") /* "BUG: soft lockup - CPU#N stuck for Ns!" */ \
	X(RCU_STALL, "RCU stall")     /* "rcu: INFO: ... detected stalls on CPUs/tasks:" \
					 then "rcu: <tab>N-...." per CPU, or "self-detected \
					 stall on CPU" */

enum sys_event_kind {
#define X(e, name) SYS_EVENT_##e,
	SYS_EVENT_KINDS(X)
#undef X
	SYS_EVENT_KIND_COUNT
};
const char *sys_event_name(enum sys_event_kind k);

#define SYS_EVENT_CPUS 16

/* The first report of one detector, and how often it reported. */
struct sys_event {
	bool present;
	uint64_t ts;            /* ns since boot */
	char text[160];         /* the report's first line, as logged */
	unsigned int cpus[SYS_EVENT_CPUS]; /* the CPUs it names as stuck */
	int nr_cpus;
	int detector;           /* the CPU that reported (RCU "detected by N"), -1 */
	unsigned int count;
};

#define SYS_MAX_MODULES 8

struct sys_module {
	const char *name;       /* borrowed from a view */
	char taint[24];         /* letters of struct module.taints ("OE"), "" when clean */
	bool known;             /* false: the module list or its taints could not be read */
};

struct sys_view {
	/* the log */
	bool log_read;          /* records were read (all of them, or up to log_error) */
	char log_error[160];    /* why the log (or part of it) could not be read, "" */
	/* queue-fault reports and their clearing, as 5.13+ print them (qi_dump_fault()) */
	int iqe_reports, iqe_cleared, ite_reports, ite_cleared, ice_reports, ice_cleared;
	/* the last report of each is not followed by its "... cleared" line */
	bool iqe_open, ite_open, ice_open;
	/* DMAR units the boot log announces ("DMAR: dmar0: reg_base_addr ...", every version) */
	int dmar_units_logged;
	struct sys_event events[SYS_EVENT_KIND_COUNT];
	/* the panic (or oops) */
	bool panicked;
	char panic[160];        /* its message, "" */
	uint64_t panic_ts;
	int panic_cpu;          /* -1: none or unknown */
	/* the stacks */
	bool live;              /* the live kernel: queues and stacks were read at different times */
	unsigned int nr_no_stack; /* CPUs with registers whose stack could not be read */
	/* modules on the stacks */
	struct sys_module modules[SYS_MAX_MODULES];
	int nr_modules;
};

/*
 * The system view for @views[@n]: the run's log (VSC_PRODUCT_LOG), panic_cpu,
 * the taints of the modules the views name.  What cannot be read stays
 * unknown and says why; only running out of memory fails.
 */
struct vsc_error *sys_view_build(struct vsc_analysis *a, const struct cpu_view *views,
				 unsigned int n, struct sys_view *out) VSC_MUST_CHECK;
/* The taint letters of module @name, NULL when not known. */
const char *sys_module_taint(const struct sys_view *s, const char *name);

#endif
