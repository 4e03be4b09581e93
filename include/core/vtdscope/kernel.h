/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernel-wide state: panic message, uptime, tasks. */
#ifndef VTDSCOPE_KERNEL_H
#define VTDSCOPE_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vtdscope/error.h>

struct vsc_target;

/*
 * The panic or oops headline from the kernel log ("Kernel panic - not
 * syncing: ...", "BUG: ...", "Oops: ..."), malloc'ed, or NULL if none.
 * @ts_nsec receives its timestamp.
 */
struct vsc_error *vsc_panic_message(struct vsc_target *t, char **msg, uint64_t *ts_nsec) VSC_MUST_CHECK;
/* The same from records already decoded (vsc_log_foreach()); NULL if none. */
struct vsc_log_record;
char *vsc_log_panic_message(const struct vsc_log_record *recs, size_t n, uint64_t *ts_nsec);
/* Time of the last log record, a lower bound for uptime at dump time. */
struct vsc_error *vsc_log_last_ts(struct vsc_target *t, uint64_t *ts_nsec) VSC_MUST_CHECK;

struct vsc_task {
	uint64_t address;
	int32_t pid, tgid;      /* -1 when not available (task_struct.pid unusable) */
	char comm[16];
	char state;             /* R S D T t X Z P I (as ps) */
	unsigned long state_raw;
	int cpu;                /* CPU the task last ran on */
	bool on_cpu;
	uint64_t stack;         /* task->stack */
	uint64_t thread_sp;     /* saved kernel SP for blocked tasks */
};

typedef int (*vsc_task_fn)(void *arg, const struct vsc_task *task);
/*
 * Every task (threads included), each once: bounded, and a list with a cycle
 * is an error (VSC_ERR_CORRUPT) that names the task reached a second time,
 * returned after @fn has seen every task before it.
 */
struct vsc_error *vsc_task_foreach(struct vsc_target *t, vsc_task_fn fn, void *arg) VSC_MUST_CHECK;
struct vsc_error *vsc_task_read(struct vsc_target *t, uint64_t address, struct vsc_task *out) VSC_MUST_CHECK;
/* The task running on @cpu at dump time (rq->curr). */
struct vsc_error *vsc_cpu_curr(struct vsc_target *t, unsigned int cpu, uint64_t *task) VSC_MUST_CHECK;
/*
 * @cpu's idle task (rq->idle, pid 0).  Only the boot CPU's (init_task) is on
 * the task list that vsc_task_foreach() walks; the others are found here.
 */
struct vsc_error *vsc_cpu_idle(struct vsc_target *t, unsigned int cpu, uint64_t *task) VSC_MUST_CHECK;

/* ---- what crash's `sys` shows first: names, taint, time, CPU masks ---- */

/* init_uts_ns.name, as uname(2) gives it; every field NUL-terminated. */
#define VSC_UTS_LEN 65          /* __NEW_UTS_LEN + 1 */
struct vsc_utsname {
	char sysname[VSC_UTS_LEN];
	char nodename[VSC_UTS_LEN];     /* the host name; "(none)" until set (UTS_NODENAME) */
	char release[VSC_UTS_LEN];
	char version[VSC_UTS_LEN];      /* "#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-3 (2026-11-26)" */
	char machine[VSC_UTS_LEN];
	char domainname[VSC_UTS_LEN];
};
struct vsc_error *vsc_read_utsname(struct vsc_target *t, struct vsc_utsname *out) VSC_MUST_CHECK;
/* linux_banner ("Linux version ... #1 SMP ..."), newline dropped, at most @size - 1 bytes. */
struct vsc_error *vsc_read_banner(struct vsc_target *t, char *buf, size_t size) VSC_MUST_CHECK;

/* One taint flag: bit i of tainted_mask as the kernel's taint_flags[i] spells it. */
struct vsc_taint_flag {
	char letter;            /* c_true: 'O' */
	bool module;            /* a module can carry it (struct module.taints) */
	char name[32];          /* "OOT_MODULE": the kernel's own desc (6.12+), else its TAINT_ name */
	const char *meaning;    /* Documentation/admin-guide/tainted-kernels.rst, or NULL */
};

#define VSC_TAINT_MAX_FLAGS 64
struct vsc_taint {
	uint64_t mask;          /* tainted_mask */
	unsigned int nr_flags;  /* flags this kernel knows (TAINT_FLAGS_COUNT) */
	struct vsc_taint_flag flags[VSC_TAINT_MAX_FLAGS];
	/*
	 * The letters came from the dump's own taint_flags table; false when it
	 * could not be read and vtdscope's copy of kernel/panic.c's table was
	 * used (@table_error says why).
	 */
	bool from_kernel;
	char table_error[160];
};
/*
 * tainted_mask, and the kernel's taint_flags table to decode it with.  A set
 * bit at or past @nr_flags is one this kernel cannot have set: corrupt data
 * the caller reports.
 */
struct vsc_error *vsc_read_taint(struct vsc_target *t, struct vsc_taint *out) VSC_MUST_CHECK;

/*
 * The kernel's wall clock at its last timekeeping update (the tick before
 * the dump; "now" on a live kernel): tk_core.timekeeper.xtime_sec, seconds
 * since the epoch.  What crash's `sys` shows as DATE when the dump has no
 * CRASHTIME.  A value past what nanoseconds since the epoch hold in 64 bits
 * (the year 2262) is refused (VSC_ERR_CORRUPT).
 */
struct vsc_error *vsc_read_wall_clock(struct vsc_target *t, int64_t *sec) VSC_MUST_CHECK;

/* The cpumask at symbol @name ("__cpu_active_mask"): @out[cpu] for the first @n CPUs. */
struct vsc_error *vsc_read_cpumask(struct vsc_target *t, const char *name, bool *out,
				   unsigned int n) VSC_MUST_CHECK;

#endif
