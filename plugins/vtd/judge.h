/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The VT-d judge: a pure function of built views (the VT-d model, the CPU
 * stack views, the system view, a few kernel facts) to a plain result.  It
 * reads no memory, keeps no state and knows nothing of the report:
 * diagnose.c turns its result into findings.  Any source that can build the
 * views (a dump, the live kernel, a trace) gets the same judgement.
 *
 * It reasons in the order a kernel engineer does:
 *   lockup     which CPU spins on q_lock, which polls its wait descriptor in
 *              qi_submit_sync(), who asked (the stack above it), with IRQs
 *              on or off, and what the CPUs outside it wait for;
 *   attribute  which batch each of them submitted; every in-flight batch
 *              gets its CPU or the reason none can be named;
 *   hardware   what the hardware said: the log's IQE/ITE and which unit they
 *              belong to, the descriptor at the queue head, QI_ABORT slots;
 *   classify   per unit: healthy, in flight, a device-TLB or batch hang, and
 *              its root cause (IQE, a device-TLB invalidation to a device
 *              with ATS off, ITE, nothing logged), or unreadable / inconsistent;
 *   outsider   CPUs on q_lock that are not in queued-invalidation code;
 *   chain      from the stuck submitter to the panic: the CPUs waiting on
 *              it, the lockup report that fired, the panic;
 *   fuse       what each independent source (queue state, CPU stacks, the
 *              log, lock words) shows, and the verdict they allow together:
 *              a lockup only when the queue and the stacks agree, "lockup
 *              suspected" when a source shows one and another disagrees or
 *              could not be read, "healthy" only when every source was read
 *              and none shows anything.
 */
#ifndef VTDSCOPE_VTD_JUDGE_H
#define VTDSCOPE_VTD_JUDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vtdscope/error.h>

#include "cpu_view.h"
#include "vtd.h"

/* What the judge needs to know about the kernel beyond the model. */
struct vtd_kernel_view {
	bool qi_batch;    /* qi_batch_flush_descs() exists: submissions of 1-16 descriptors (6.12+) */
};

/* The names of reserved bits set in a descriptor: "qw1 bit 1", "qw0 bits 12-15". */
void vtd_reserved_text(const uint64_t reserved[2], char *buf, size_t size);

/* ---- log evidence (hardware) ---- */

/*
 * Which slot of @u holds the descriptor the log names as "QI HEAD" (qw0, qw1)?
 * Identical descriptors recur as the ring wraps (free slots keep old
 * contents), so the lowest matching slot can be a stale copy.  The hardware
 * runs the queue in order, so the head is in the oldest batch in flight that
 * holds the descriptor: slots of pending batches first (oldest first), then
 * other in-flight or in-use slots, then (only as a last resort) stale ones.
 */
struct vtd_head_match {
	int slot;           /* the best match, -1 if none */
	bool in_flight;     /* @slot belongs to a batch in flight (or is in use) */
	int nr_in_flight;   /* in-flight/in-use slots holding the descriptor */
	int nr_stale;       /* free/done slots holding it (old copies) */
	int others[4];      /* other matching slots, in-flight ones first */
	int nr_others;      /* entries in others (more may exist) */
};
void vtd_match_log_head(const struct vtd_unit *u, uint64_t qw0, uint64_t qw1,
			struct vtd_head_match *out);

/*
 * The kernel's queue-fault messages (qi_dump_fault(), qi_check_fault() in
 * drivers/iommu/intel/dmar.c) do not name the DMAR unit, so the log's
 * counters are model-wide.  The unit they belong to, or -1 when the dump
 * cannot tell (several candidates) or there is none; @why says how.
 */
struct vtd_log_owner {
	int iqe_unit, ite_unit;
	char iqe_why[160], ite_why[160];
};
void vtd_log_attribute(const struct vtd_model *m, struct vtd_log_owner *out);

/* ---- lockup and attribute: one per CPU view ---- */

enum vtd_cpu_state {
	VTD_CPU_NOT_QI,      /* not in qi_submit_sync() */
	VTD_CPU_SPINNING,    /* in the qspinlock slowpath under qi_submit_sync(): on q_lock */
	VTD_CPU_POLLING,     /* in qi_submit_sync(): polling its wait descriptor */
};

enum vtd_attr_by {
	VTD_ATTR_NONE,
	VTD_ATTR_STATUS,     /* its wait slot's desc_status address is on the stack */
	VTD_ATTR_DESC_PTR,   /* a pointer on the stack (or in a register) to a copy of all its
				descriptors: the desc argument, or the domain's struct qi_batch */
	VTD_ATTR_DESC,       /* a copy of the batch's first descriptor is on the stack */
};

/* IRQs of the context a CPU was interrupted in (its RFLAGS.IF). */
enum vtd_irqs {
	VTD_IRQS_UNKNOWN,
	VTD_IRQS_ON,
	VTD_IRQS_OFF,
};

/* What a CPU outside qi_submit_sync() waits for, by the functions on its stack. */
enum vtd_wait {
	VTD_WAIT_NONE,
	VTD_WAIT_IPI,        /* an IPI or TLB-flush answer (smp_call_function*, flush_tlb_multi) */
	VTD_WAIT_RT_LOCK,    /* an rt_mutex or a spinlock_t on PREEMPT_RT */
	VTD_WAIT_SPIN,       /* a spinning lock (the qspinlock slowpath) */
};

struct vtd_cpu_verdict {
	enum vtd_cpu_state state;
	int qi_frame;        /* frame of qi_submit_sync, -1 */
	const char *role;    /* "flush-queue timer", ...: what the caller does (static), NULL */
	int caller_frame;    /* the frame that names the caller, -1: only qi_submit_sync */
	bool spins_other_lock; /* innermost frame in the slowpath, qi_submit_sync not on the stack */
	int chain_first;     /* the stack to show starts here: the interrupted context, not the
				stop NMI */
	int unit, batch;     /* the batch it submitted (attribute), -1 if unknown */
	enum vtd_attr_by by;
	uint64_t batch_addr; /* VTD_ATTR_DESC_PTR: where its descriptors are */
	bool qi_batch;       /* VTD_ATTR_DESC_PTR: that is a struct qi_batch (6.12+) */
	bool batch_in_regs;  /* VTD_ATTR_DESC_PTR: the pointer is in a register, not on the stack */
	bool entering;       /* on q_lock through raw_spin_lock_irqsave(): not submitted yet */
	enum vtd_irqs irqs;  /* at chain_first, from its exception frame's RFLAGS */
	bool in_irq;         /* qi_submit_sync runs on the IRQ stack (a timer, an interrupt) */
	int interrupted_frame; /* the task context that IRQ interrupted (its exception frame), -1 */
	enum vtd_wait wait;  /* outside qi_submit_sync: what it waits for */
	int wait_frame;      /* the frame that says so, -1 */
	int panic_frame;     /* panic()/vpanic() on the stack, -1 */
	int panic_caller;    /* the first frame above it that is not panic code, -1 */
};

/* Lockup unit: the state, caller and shown chain of one CPU. */
void vtd_judge_cpu(const struct cpu_view *v, struct vtd_cpu_verdict *out);
/*
 * Attribute unit: give each CPU in qi_submit_sync() the pending batch its
 * stack names, each batch to at most one CPU: first by a desc_status
 * address (the word qi_submit_sync polls), for every CPU, then by a pointer
 * to a copy of all its descriptors (on 6.12 the domain's struct qi_batch,
 * found on the stack or in the interrupted context's registers), then by a
 * copy of the batch's first descriptor.  Only the windows of the frames from
 * just below qi_submit_sync to four callers above it count, and the
 * registers of the exception frames from the interrupted context up to it.
 */
void vtd_judge_attribute(const struct vtd_model *m, const struct cpu_view *views,
			 struct vtd_cpu_verdict *cpus, unsigned int n);

/* ---- hardware and classify: one per unit ---- */

enum vtd_queue_class {
	VTD_QUEUE_ABSENT,       /* no invalidation queue on this unit */
	VTD_QUEUE_UNREADABLE,   /* the queue could not be read: nothing can be said of it */
	VTD_QUEUE_HEALTHY,      /* nothing in flight and the bookkeeping agrees */
	VTD_QUEUE_INCONSISTENT, /* nothing pending, but the bookkeeping contradicts itself */
	VTD_QUEUE_IN_FLIGHT,    /* batches in flight, no CPU waits for them */
	VTD_QUEUE_DEVTLB_HANG,  /* the oldest pending batch holds a device-TLB invalidation and
				   submitters wait for it (or cannot be seen, with a fault logged) */
	VTD_QUEUE_BATCH_HANG,   /* the same without a device-TLB invalidation */
};

/* Why the oldest pending wait descriptor did not complete, root cause first. */
enum vtd_cause {
	VTD_CAUSE_NONE,         /* nothing pending, or pending with nobody waiting and no fault */
	VTD_CAUSE_IQE,          /* the hardware rejected a descriptor (IQE logged for this unit) */
	VTD_CAUSE_ATS_OFF,      /* a device-TLB invalidation went to a device whose ATS is off:
				   no device answers it (however the hardware reports that) */
	VTD_CAUSE_ITE,          /* a device-TLB invalidation timed out (ITE here, or QI_ABORT) */
	VTD_CAUSE_FAULT_ELSEWHERE, /* a queue fault is logged (ICE, or IQE/ITE on a unit the dump
				   cannot name) that may be this unit's */
	VTD_CAUSE_SILENT,       /* nothing logged and no QI_ABORT slots */
	VTD_CAUSE_UNKNOWN,      /* the same, but the log could not be read: silence unproven */
};

#define VTD_JUDGE_GARBAGE_SHOWN 8

/* Why an in-flight batch has no CPU. */
enum vtd_owner_why {
	VTD_OWNER_FOUND,        /* .cpu submitted it */
	VTD_OWNER_COMPLETED,    /* its wait completed: the submitter left or is leaving
				   qi_submit_sync(), the slots wait to be reclaimed */
	VTD_OWNER_NO_STACKS,    /* no CPU stacks to look in */
	VTD_OWNER_NO_CPU,       /* no CPU is in qi_submit_sync() */
	VTD_OWNER_CUT,          /* no CPU is seen in qi_submit_sync(), but some stacks end
				   early or could not be read: it may be there */
	VTD_OWNER_UNNAMED,      /* CPUs in qi_submit_sync() name no batch: one of them may */
	VTD_OWNER_NONE_LEFT,    /* every CPU in qi_submit_sync() owns another batch */
};

struct vtd_batch_owner {
	int cpu;                /* index into the views, -1 */
	enum vtd_owner_why why;
};

struct vtd_unit_verdict {
	enum vtd_queue_class cls;
	enum vtd_cause cause;
	/*
	 * The evidence points at the device behind the device-TLB invalidation
	 * (its ATS and link): an ITE, or a device-TLB wait that never completed
	 * with nothing logged (an ITE is silent before 5.13).  Not for an IQE:
	 * the hardware refused the descriptor itself, before asking any device.
	 */
	bool check_device;
	/* bookkeeping (classify) */
	bool free_cnt_bad;      /* free_cnt disagrees with free_head/free_tail */
	int free_cnt_expected;
	int garbage_slots[VTD_JUDGE_GARBAGE_SHOWN]; /* slots with impossible status (first ones) */
	int nr_garbage_slots;
	int stray_wait_batches[VTD_MAX_BATCHES]; /* batches whose wait writes another address */
	int nr_stray_wait_batches;
	int stray_in_use_slot;  /* first in-use slot outside free_tail..free_head, -1 */
	/* the stuck batch (classify) */
	int oldest;             /* oldest pending batch, -1 */
	int dev_slot;           /* its first device-TLB style descriptor, -1 */
	int ats_off_slot;       /* its first device-TLB invalidation to a device with ATS off, -1 */
	bool full;              /* free_cnt <= 2: new submitters wait for slots */
	/* every in-flight batch's submitter (attribute) */
	struct vtd_batch_owner owners[VTD_MAX_BATCHES];
	/* hardware */
	bool fault_logged;      /* any queue fault in the log that may be this unit's */
	bool iqe;               /* the log's IQE is this unit's */
	struct vtd_head_match head; /* the log's QI HEAD in this ring (iqe and logged) */
	int head_slot;          /* the hardware's head: an in-flight match, -1 */
	bool head_reserved;     /* the head descriptor sets reserved bits: malformed */
	bool head_not_first;    /* the head is not its batch's first slot: qi_check_fault()
				   never clears that IQE */
	bool ite;               /* an ITE on this unit: the log's, or QI_ABORT slots */
	bool ite_logged_here;   /* the log's ITE reports are this unit's */
	bool ite_restarting;    /* "ITE cleared" logged and QI_ABORT slots: owners resubmit */
	bool even_slot;         /* qi_batch kernel, pending wait at an even slot (6.12-6.19 ITE
				   walk misses it; fixed by fe89277c9ceb) */
	/* The log's IQE/ITE reports are this unit's, but nothing is pending on it. */
	bool idle_iqe, idle_ite;
};

/*
 * Hardware unit: what the fault status said (through the log: IQE/ITE reports,
 * the QI HEAD descriptor, ITE SID; the registers themselves are not in a
 * dump) and what the ring shows (QI_ABORT slots), for the unit's oldest
 * pending batch.  A unit with nothing pending has nothing to explain: its
 * hardware fields stay clear.
 */
void vtd_judge_hardware(const struct vtd_model *m, const struct vtd_kernel_view *k,
			const struct vtd_log_owner *owner, int ui, struct vtd_unit_verdict *out);
/*
 * Classify unit (after vtd_judge_hardware() on @out): @waiting is the number
 * of CPUs in qi_submit_sync(), @have_stacks whether CPU stacks were seen.
 */
void vtd_judge_classify(const struct vtd_model *m, int ui, unsigned int waiting,
			bool have_stacks, struct vtd_unit_verdict *out);

/* ---- outsider ---- */

/* A CPU that q_lock's tail names, spinning outside qi_submit_sync(). */
struct vtd_outsider {
	unsigned int cpu;       /* index into the views */
	int unit;
};

/* ---- chain: from the stuck submitter to the panic ---- */

enum vtd_victim_how {
	VTD_VICTIM_BEHIND,      /* polls in qi_submit_sync() for a later batch */
	VTD_VICTIM_QLOCK,       /* spins on q_lock in qi_submit_sync() */
	VTD_VICTIM_IPI,         /* waits for an IPI or TLB-flush answer */
	VTD_VICTIM_RT_LOCK,     /* waits for an rt_mutex / spinlock_t (PREEMPT_RT) */
	VTD_VICTIM_SPIN,        /* spins on another spinlock */
	VTD_VICTIM_STALLED,     /* named by the lockup report, nothing more on its stack */
};

#define VTD_MAX_VICTIMS 16

struct vtd_victim {
	unsigned int cpu;       /* index into the views */
	enum vtd_victim_how how;
};

struct vtd_chain {
	int unit, batch;        /* the stuck batch: the oldest pending on the verdict's unit, -1 */
	int root;               /* the view of its submitter (or of the CPU stuck in
				   qi_submit_sync when no batch is seen), -1: unknown */
	struct vtd_victim victims[VTD_MAX_VICTIMS];
	int nr_victims;
	int event;              /* the lockup report that fired first (enum sys_event_kind), -1 */
	int panic_view;         /* the view of the panic CPU, -1 */
};

/* ---- fuse: the sources and what they allow ---- */

enum vtd_verdict_kind {
	VTD_VERDICT_INACTIVE,   /* no DMAR unit, and neither the log nor a stack shows one */
	VTD_VERDICT_HEALTHY,    /* every source read, none shows anything */
	VTD_VERDICT_INCOMPLETE, /* none shows a hang, but a source could not be read (or the
				   queue's bookkeeping contradicts itself) */
	VTD_VERDICT_ELSEWHERE,  /* the system hung (a lockup report), no VT-d source shows why */
	VTD_VERDICT_SUSPECTED,  /* a source shows a VT-d hang; another disagrees or was not read */
	VTD_VERDICT_LOCKUP,     /* the queue and the CPU stacks agree: a unit hangs */
};

/* What one source shows. */
enum vtd_source_state {
	VTD_SOURCE_UNREADABLE,  /* could not be read at all */
	VTD_SOURCE_PARTIAL,     /* read in part (and shows nothing in what was read) */
	VTD_SOURCE_QUIET,       /* read: nothing wrong */
	VTD_SOURCE_ACTIVE,      /* read: work or faults, no hang by itself */
	VTD_SOURCE_HANG,        /* read: shows a hang */
};

struct vtd_fusion {
	enum vtd_verdict_kind verdict;
	enum vtd_source_state queue, stacks, log, locks;
	/* queue */
	int queue_unreadable;   /* units whose queue could not be read */
	int queue_inconsistent; /* units whose bookkeeping contradicts itself */
	int queue_pending;      /* pending batches on all readable units */
	int orphans;            /* pending batches no CPU can own (a snapshot, stacks read) */
	int orphan_unit;        /* the first of them */
	/* stacks */
	unsigned int stacks_missing; /* CPUs with registers but no stack */
	unsigned int stacks_cut;     /* stacks that end early */
	/* log */
	bool fault_open;        /* the log's last IQE/ITE/ICE report is not followed by its
				   "... cleared" line (5.13+): the fault is still set */
	bool panic_stall;       /* the panic message names a stall or lockup */
	/* lock words */
	int lock_orphan_unit;   /* q_lock held or queued with no CPU in QI code, -1 */
	/* no DMAR unit was read, yet the log announces some or reports queue faults */
	bool units_missing;
};

/* ---- the whole judgement ---- */

struct vtd_judgement {
	bool active;            /* the driver is present and has DMAR units */
	bool have_stacks;       /* CPU views were given */
	unsigned int waiting;   /* CPUs in qi_submit_sync() */
	unsigned int nr_cut;    /* views whose unwinding stopped before the stack's end */
	unsigned int nr_missing; /* CPUs with registers but no stack (the system view's) */
	int verdict_unit;       /* the first unit in a hang: the one-line verdict, -1 */
	int in_flight;          /* batches in flight on all units */
	struct vtd_log_owner owner;
	int nr_units;
	struct vtd_unit_verdict units[VTD_MAX_UNITS];
	struct vtd_cpu_verdict *cpus;  /* [nr_cpus], parallel to the views; owned */
	unsigned int nr_cpus;
	struct vtd_outsider outsiders[VTD_MAX_UNITS];
	int nr_outsiders;
	struct vtd_chain chain;
	struct vtd_fusion fusion;
};

void vtd_judge_outsiders(const struct vtd_model *m, const struct cpu_view *views,
			 const struct vtd_cpu_verdict *cpus, unsigned int n, struct vtd_judgement *j);
/*
 * Batch owners (after vtd_judge_attribute()): every in-flight batch of unit
 * @ui its CPU, or why none can be named.
 */
void vtd_judge_owners(const struct vtd_model *m, int ui, const struct vtd_judgement *j,
		      struct vtd_unit_verdict *out);
/* Chain unit (after the units are classified): j->chain. */
void vtd_judge_chain(const struct cpu_view *views, const struct sys_view *sys,
		     struct vtd_judgement *j);
/* Fuse unit (last): j->fusion. */
void vtd_judge_fuse(const struct vtd_model *m, const struct sys_view *sys, struct vtd_judgement *j);

/*
 * Judge @m with the CPU views @views[@n] (@n 0: no stacks, the verdict rests
 * on the queues alone) and the system view @sys (NULL: no log was read) into
 * @out; vtd_judgement_deinit() frees it.  Only running out of memory fails.
 */
struct vsc_error *vtd_judge(const struct vtd_model *m, const struct cpu_view *views,
			    unsigned int n, const struct sys_view *sys,
			    const struct vtd_kernel_view *k, struct vtd_judgement *out) VSC_MUST_CHECK;
void vtd_judgement_deinit(struct vtd_judgement *j);

#endif
