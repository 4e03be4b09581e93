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

#endif
