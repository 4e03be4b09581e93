// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Tasks: the init_task.tasks list (thread groups) with each group's
 * signal->thread_head / thread_group list, and rq->curr per CPU.
 * Layouts are resolved by member presence, not by version:
 *   task_struct.__state (5.14+, was .state), thread_info.cpu (5.16+, was .cpu).
 */
#include <stdlib.h>
#include <string.h>

#include <vtdscope/kernel.h>
#include <vtdscope/symbols.h>
#include <vtdscope/types.h>

#include "target_internal.h"

#define MAX_TASKS 1000000

enum {
	F_TASK, F_TASKS, F_PID, F_TGID, F_COMM, F_STATE_NEW, F_STATE_OLD, F_STACK, F_THREAD_SP,
	F_ON_CPU, F_TI_CPU, F_CPU, F_THREAD_NODE, F_SIGNAL, F_SIG_THREAD_HEAD, F_RQ_CURR,
	F_EXIT_STATE, NR_F
};

static void layout_init(struct vsc_layout_field *f)
{
	static const struct vsc_layout_field init[NR_F] = {
		[F_TASK] = { "struct task_struct", NULL, true },
		[F_TASKS] = { "struct task_struct", "tasks", true },
		[F_PID] = { "struct task_struct", "pid", true },
		[F_TGID] = { "struct task_struct", "tgid", true },
		[F_COMM] = { "struct task_struct", "comm", true },
		[F_STATE_NEW] = { "struct task_struct", "__state", false },
		[F_STATE_OLD] = { "struct task_struct", "state", false },
		[F_STACK] = { "struct task_struct", "stack", false },
		[F_THREAD_SP] = { "struct task_struct", "thread.sp", false },
		[F_ON_CPU] = { "struct task_struct", "on_cpu", false },
		[F_TI_CPU] = { "struct task_struct", "thread_info.cpu", false },
		[F_CPU] = { "struct task_struct", "cpu", false },
		[F_THREAD_NODE] = { "struct task_struct", "thread_node", false },
		[F_SIGNAL] = { "struct task_struct", "signal", false },
		[F_SIG_THREAD_HEAD] = { "struct signal_struct", "thread_head", false },
		[F_RQ_CURR] = { "struct rq", "curr", false },
		[F_EXIT_STATE] = { "struct task_struct", "exit_state", false },
	};
	memcpy(f, init, sizeof(init));
}

static char state_letter(unsigned long state, unsigned long exit_state)
{
	/* TASK_* bits: RUNNING 0, INTERRUPTIBLE 1, UNINTERRUPTIBLE 2, __TASK_STOPPED 4,
	 * __TASK_TRACED 8, EXIT_DEAD 16, EXIT_ZOMBIE 32, TASK_PARKED 0x40, TASK_DEAD 0x80,
	 * TASK_NOLOAD 0x400 (TASK_IDLE = UNINTERRUPTIBLE | NOLOAD). */
	if (exit_state & 0x20)
		return 'Z';
	if (exit_state & 0x10)
		return 'X';
	if (state == 0)
		return 'R';
	if ((state & 0x402) == 0x402)
		return 'I';
	if (state & 0x1)
		return 'S';
	if (state & 0x2)
		return 'D';
	if (state & 0x4)
		return 'T';
	if (state & 0x8)
		return 't';
	if (state & 0x40)
		return 'P';
	return '?';
}

static uint64_t rd_uint(const unsigned char *buf, const struct vsc_member_info *m)
{
	uint64_t v = 0;

	memcpy(&v, buf + m->offset, m->size < 8 ? m->size : 8);
	return v;
}

static struct vsc_error *task_from_buf(const struct vsc_layout_field *f, uint64_t addr,
				       const unsigned char *buf, struct vsc_task *out)
{
	memset(out, 0, sizeof(*out));
	out->address = addr;
	out->pid = (int32_t)rd_uint(buf, &f[F_PID].info);
	out->tgid = (int32_t)rd_uint(buf, &f[F_TGID].info);
	memcpy(out->comm, buf + f[F_COMM].info.offset, sizeof(out->comm) - 1);
	out->comm[sizeof(out->comm) - 1] = '\0';
	if (f[F_STATE_NEW].present)
		out->state_raw = rd_uint(buf, &f[F_STATE_NEW].info);
	else if (f[F_STATE_OLD].present)
		out->state_raw = rd_uint(buf, &f[F_STATE_OLD].info);
	out->state = state_letter(out->state_raw,
				  f[F_EXIT_STATE].present ? rd_uint(buf, &f[F_EXIT_STATE].info) : 0);
	out->cpu = -1;
	if (f[F_TI_CPU].present)
		out->cpu = (int)rd_uint(buf, &f[F_TI_CPU].info);
	else if (f[F_CPU].present)
		out->cpu = (int)rd_uint(buf, &f[F_CPU].info);
	if (f[F_ON_CPU].present)
		out->on_cpu = rd_uint(buf, &f[F_ON_CPU].info) != 0;
	if (f[F_STACK].present)
		out->stack = rd_uint(buf, &f[F_STACK].info);
	if (f[F_THREAD_SP].present)
		out->thread_sp = rd_uint(buf, &f[F_THREAD_SP].info);
	return NULL;
}

struct vsc_error *vsc_task_read(struct vsc_target *t, uint64_t address, struct vsc_task *out)
{
	struct vsc_layout_field f[NR_F];
	unsigned char *buf;
	struct vsc_error *err;

	layout_init(f);
	VSC_TRY(vsc_layout_resolve(t, f, NR_F));
	if (f[F_TASK].info.size == 0 || f[F_TASK].info.size > (64u << 10))
		return vsc_error_create(VSC_ERR_CORRUPT, "implausible sizeof(struct task_struct)");
	buf = malloc(f[F_TASK].info.size);
	if (!buf)
		return &vsc_error_nomem;
	err = vsc_read(t, address, buf, f[F_TASK].info.size, "task_struct");
	if (!err)
		err = task_from_buf(f, address, buf, out);
	free(buf);
	return err;
}

struct vsc_error *vsc_cpu_curr(struct vsc_target *t, unsigned int cpu, uint64_t *task)
{
	struct vsc_member_info curr;
	uint64_t rq, addr;

	VSC_TRY(vsc_symbol_address(t, "runqueues", &rq));
	VSC_TRY(vsc_member(t, "struct rq", "curr", &curr));
	VSC_TRY(vsc_per_cpu_addr(t, rq, cpu, &addr));
	return vsc_read_u64(t, addr + curr.offset, task, "rq->curr");
}

/* Walk a circular list of task_structs linked through member @link_off. */
struct walk {
	struct vsc_target *t;
	const struct vsc_layout_field *f;
	unsigned char *buf;
	vsc_task_fn fn;
	void *arg;
	unsigned long count;
	bool stop;
};

static struct vsc_error *visit(struct walk *w, uint64_t addr, struct vsc_task *task)
{
	VSC_TRY(vsc_read(w->t, addr, w->buf, w->f[F_TASK].info.size, "task_struct"));
	VSC_TRY(task_from_buf(w->f, addr, w->buf, task));
	if (++w->count > MAX_TASKS)
		return vsc_error_create(VSC_ERR_CORRUPT, "task list longer than %u entries (cycle?)",
					MAX_TASKS);
	if (w->fn(w->arg, task))
		w->stop = true;
	return NULL;
}

/* Threads of the group led by @leader, other than the leader itself. */
static struct vsc_error *walk_threads(struct walk *w, uint64_t leader)
{
	const struct vsc_layout_field *f = w->f;
	uint64_t signal, head, node;
	unsigned long n = 0;

	if (!f[F_SIGNAL].present || !f[F_SIG_THREAD_HEAD].present || !f[F_THREAD_NODE].present)
		return NULL;
	memcpy(&signal, w->buf + f[F_SIGNAL].info.offset, 8);
	if (!signal)
		return NULL;
	head = signal + f[F_SIG_THREAD_HEAD].info.offset;
	VSC_TRY(vsc_read_u64(w->t, head, &node, "signal->thread_head"));
	while (node != head && !w->stop) {
		uint64_t task = node - f[F_THREAD_NODE].info.offset;
		struct vsc_task tk;

		if (++n > MAX_TASKS)
			return vsc_error_create(VSC_ERR_CORRUPT, "thread list does not terminate");
		if (task != leader)
			VSC_TRY(visit(w, task, &tk));
		VSC_TRY(vsc_read_u64(w->t, node, &node, "task->thread_node.next"));
	}
	/* restore the leader's buffer for the caller */
	return vsc_read(w->t, leader, w->buf, f[F_TASK].info.size, "task_struct");
}

struct vsc_error *vsc_task_foreach(struct vsc_target *t, vsc_task_fn fn, void *arg)
{
	struct vsc_layout_field f[NR_F];
	struct walk w = { .t = t, .f = f, .fn = fn, .arg = arg };
	uint64_t init_task, head, node;
	struct vsc_error *err = NULL;
	struct vsc_task task;

	layout_init(f);
	VSC_TRY(vsc_layout_resolve(t, f, NR_F));
	VSC_TRY(vsc_symbol_address(t, "init_task", &init_task));
	if (f[F_TASK].info.size == 0 || f[F_TASK].info.size > (64u << 10))
		return vsc_error_create(VSC_ERR_CORRUPT, "implausible sizeof(struct task_struct)");
	w.buf = malloc(f[F_TASK].info.size);
	if (!w.buf)
		return &vsc_error_nomem;
	/* init_task (the idle task of CPU 0) heads the list. */
	err = visit(&w, init_task, &task);
	head = init_task + f[F_TASKS].info.offset;
	if (!err)
		err = vsc_read_u64(t, head, &node, "init_task.tasks.next");
	while (!err && !w.stop && node != head) {
		uint64_t addr = node - f[F_TASKS].info.offset;

		err = visit(&w, addr, &task);
		if (!err && !w.stop)
			err = walk_threads(&w, addr);
		if (!err)
			err = vsc_read_u64(t, node, &node, "task->tasks.next");
	}
	/* The other CPUs' idle tasks are not on the list. */
	if (!err && !w.stop) {
		struct vsc_member_info mi;
		uint64_t rq;
		struct vsc_error *e2 = vsc_symbol_address(t, "runqueues", &rq);

		if (!e2)
			e2 = vsc_member(t, "struct rq", "idle", &mi);
		for (unsigned int cpu = 1; !e2 && !err && !w.stop && cpu < vsc_nr_cpus(t); cpu++) {
			uint64_t idle;

			if (!vsc_cpu_online(t, cpu))
				continue;
			err = vsc_per_cpu_addr(t, rq + mi.offset, cpu, &idle);
			if (!err)
				err = vsc_read_u64(t, idle, &idle, "rq->idle");
			if (!err && idle)
				err = visit(&w, idle, &task);
		}
		vsc_error_destroy(e2);
	}
	free(w.buf);
	return err;
}
