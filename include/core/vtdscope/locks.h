/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Spinlocks (x86-64 qspinlock): decode a lock word, list its waiters in
 * queue order through the per-CPU MCS nodes (`qnodes`), and find the
 * contended locks of a dump from the CPUs' stacks, with holder candidates.
 *
 * qspinlock records no owner and its nodes do not record the lock, so most
 * of this is inference: every conclusion carries a confidence and the
 * evidence for it as plain sentences, for the report to show.
 *
 *   struct vsc_locks_report r;
 *   const struct vsc_lock_name names[] = { { qi_lock_addr, "dmar0 qi->q_lock" } };
 *   struct vsc_locks_options o = { .names = names, .nr_names = 1 };
 *   err = vsc_locks_analyze(t, &o, &r);
 *   ... r.locks[i].name, r.locks[i].spinners[j].cpu, r.locks[i].holders[k] ...
 *   vsc_locks_report_deinit(&r);
 */
#ifndef VTDSCOPE_LOCKS_H
#define VTDSCOPE_LOCKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vtdscope/error.h>

struct vsc_target;

/* X(ENUM, name) from least to most sure. */
#define VSC_CONFIDENCES(X) \
	X(LOW,    "low")   \
	X(MEDIUM, "medium") \
	X(HIGH,   "high")

enum vsc_confidence {
#define VSC_X_(e, name) VSC_CONF_##e,
	VSC_CONFIDENCES(VSC_X_)
#undef VSC_X_
	VSC_CONF_COUNT
};
const char *vsc_confidence_name(enum vsc_confidence c);

/* ---- the lock word ---- */

/* Locked-byte values. */
#define VSC_Q_LOCKED_VAL 1
#define VSC_Q_SLOW_VAL 3        /* PV: the queue head halted and hashed the lock */

/*
 * struct qspinlock, NR_CPUS < 16K (every x86-64 config): locked byte 0,
 * pending byte 1 (bit 8), tail idx bits 16-17, tail CPU + 1 bits 18-31.
 */
struct vsc_qspinlock_word {
	uint32_t val;
	uint8_t locked;         /* 0, VSC_Q_LOCKED_VAL, VSC_Q_SLOW_VAL (or garbage) */
	bool pending;
	uint16_t tail;          /* 0: nobody queued */
	int tail_cpu;           /* -1 when tail == 0 */
	unsigned int tail_idx;  /* nesting level of the tail node (0 task .. 3 NMI) */
	bool plausible;         /* locked byte is 0/1/3 and the pending byte is 0/1 */
};
void vsc_qspinlock_decode(uint32_t val, struct vsc_qspinlock_word *out);
/* The tail value for (cpu, idx), as the kernel's encode_tail(). */
uint16_t vsc_qspinlock_encode_tail(unsigned int cpu, unsigned int idx);
/* "locked, pending, tail: CPU 2 node 0" */
void vsc_qspinlock_format(const struct vsc_qspinlock_word *w, char *buf, size_t size);

/* ---- waiters ---- */

/* X(ENUM, name) */
#define VSC_WAITER_ROLES(X)                                                        \
	X(PENDING, "pending")     /* spins on the word; has no queue node */       \
	X(HEAD,    "queue-head")  /* oldest queued: waits for locked+pending to clear */ \
	X(QUEUED,  "queued")      /* spins on its own node's mcs.locked */         \
	X(TAS,     "test-and-set") /* virt_spin_lock(): a guest without PV spinlocks \
				      spins with cmpxchg, unordered, no queue */

enum vsc_waiter_role {
#define VSC_X_(e, name) VSC_WAITER_##e,
	VSC_WAITER_ROLES(VSC_X_)
#undef VSC_X_
	VSC_WAITER_ROLE_COUNT
};
const char *vsc_waiter_role_name(enum vsc_waiter_role r);

struct vsc_lock_waiter {
	unsigned int cpu;
	enum vsc_waiter_role role;
	int node_idx;           /* -1 for the pending waiter */
	uint64_t node;          /* address of its struct mcs_spinlock, 0 if none */
};

struct vsc_qspinlock {
	uint64_t addr;
	struct vsc_qspinlock_word word;
	/* Queued waiters, head first, from the MCS chain that ends at the tail. */
	struct vsc_lock_waiter *waiters;
	size_t nr_waiters;
	bool chain_complete;    /* walked from the tail back to a node nobody points to */
	char note[160];         /* why the chain is incomplete, or "" */
};

/* Read the lock word at @addr and its queue.  Caller-owned; free with _deinit. */
struct vsc_error *vsc_qspinlock_read(struct vsc_target *t, uint64_t addr,
				     struct vsc_qspinlock *out) VSC_MUST_CHECK;
void vsc_qspinlock_deinit(struct vsc_qspinlock *l);

/* ---- contended locks from the stacks ---- */

/* A name the caller knows for a lock address ("dmar0 qi->q_lock"). */
struct vsc_lock_name {
	uint64_t addr;
	const char *name;
};

struct vsc_locks_options {
	const struct vsc_lock_name *names;  /* borrowed for the call */
	size_t nr_names;
	/*
	 * Stacks already unwound (vsc_unwind_cpu() of CPU i in stacks[i], or
	 * why not in stack_errors[i]); CPUs past nr_stacks, or all when NULL,
	 * are unwound here.  Borrowed for the call.
	 */
	const struct vsc_stack *stacks;
	struct vsc_error *const *stack_errors;
	unsigned int nr_stacks;
};

/* Sentences saying why; malloc'ed strings. */
struct vsc_evidence {
	char **lines;
	size_t nr;
};

struct vsc_lock_spinner {
	unsigned int cpu;
	long frame;             /* number of the slowpath frame as `bt` prints it (markers
				   not counted), -1 if none */
	const char *slowpath;   /* "native_queued_spin_lock_slowpath" (static or borrowed) */
	const char *caller;     /* first frame past the lock functions ("qi_submit_sync"), borrowed */
	const char *caller_module;
	bool interrupted;       /* the slowpath frame is below an interrupt/exception frame */
	enum vsc_waiter_role role;
	int node_idx;           /* -1: no queue node (pending waiter, or unknown) */
};

struct vsc_lock_holder {
	int cpu;                /* -1 if not a CPU (not used yet) */
	const char *function;   /* the lock-taking function it is in, borrowed; may be NULL */
	enum vsc_confidence confidence;
	struct vsc_evidence evidence;
};

struct vsc_contended_lock {
	uint64_t addr;                  /* 0 when the lock could not be identified */
	char name[128];                 /* caller's name, kallsyms "sym+0x10", or "" */
	const char *name_source;        /* "caller", "kallsyms" or NULL (static) */
	enum vsc_confidence confidence; /* that these CPUs wait for the lock at addr */
	struct vsc_evidence evidence;
	struct vsc_qspinlock lock;      /* word and queue (when addr != 0) */
	struct vsc_lock_spinner *spinners;  /* pending waiter first, then queue order */
	size_t nr_spinners;
	struct vsc_lock_holder *holders;    /* most likely first */
	size_t nr_holders;
};

struct vsc_locks_report {
	struct vsc_contended_lock *locks;
	size_t nr_locks;
	unsigned int cpus_unwound;      /* CPUs with registers whose stacks were read */
	/*
	 * virt_spin_lock_key is on: a guest under a hypervisor without PV
	 * spinlocks, where the slowpath is a plain test-and-set loop
	 * (arch/x86/include/asm/qspinlock.h virt_spin_lock()).  Waiters then
	 * have no queue and no order.
	 */
	bool test_and_set;
	struct vsc_evidence notes;      /* e.g. "CPU 3: no registers in the dump" */
};

/*
 * Find every CPU spinning in a qspinlock slowpath, identify the lock each
 * one waits for, list waiters in queue order and holder candidates.  An
 * idle machine gives nr_locks == 0.  @opts may be NULL.
 */
struct vsc_error *vsc_locks_analyze(struct vsc_target *t, const struct vsc_locks_options *opts,
				    struct vsc_locks_report *out) VSC_MUST_CHECK;
void vsc_locks_report_deinit(struct vsc_locks_report *r);

/* Is @name one of the qspinlock slowpath functions? */
bool vsc_is_spin_slowpath(const char *name);

#endif /* VTDSCOPE_LOCKS_H */
