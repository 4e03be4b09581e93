// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Tasks: the init_task.tasks list (thread groups) with each group's
 * signal->thread_head / thread_group list, and rq->curr per CPU.
 * Layouts are resolved by member presence, not by version:
 *   task_struct.__state (5.14+, was .state), thread_info.cpu (5.16+, was .cpu).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vtdscope/kernel.h>
#include <vtdscope/symbols.h>
#include <vtdscope/types.h>

#include "target_internal.h"

#define MAX_TASKS 1000000   /* a bound for lists without a cycle (cycles are detected) */

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
		/* not required: a task list without pids still has states and stacks */
		[F_PID] = { "struct task_struct", "pid", false },
		[F_TGID] = { "struct task_struct", "tgid", false },
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

/* The fields of the task_struct copied into @buf (@size bytes). */
static void task_from_buf(const struct vsc_layout_field *f, uint64_t addr,
			  const unsigned char *buf, size_t size, struct vsc_task *out)
{
	memset(out, 0, sizeof(*out));
	out->address = addr;
	out->pid = f[F_PID].present ? (int32_t)vsc_field_value(buf, size, &f[F_PID]) : -1;
	out->tgid = f[F_TGID].present ? (int32_t)vsc_field_value(buf, size, &f[F_TGID]) : -1;
	vsc_member_string(buf, size, 0, &f[F_COMM].info, out->comm, sizeof(out->comm));
	if (f[F_STATE_NEW].present)
		out->state_raw = vsc_field_value(buf, size, &f[F_STATE_NEW]);
	else
		out->state_raw = vsc_field_value(buf, size, &f[F_STATE_OLD]);
	out->state = state_letter(out->state_raw, vsc_field_value(buf, size, &f[F_EXIT_STATE]));
	out->cpu = -1;
	if (f[F_TI_CPU].present)
		out->cpu = (int)vsc_field_value(buf, size, &f[F_TI_CPU]);
	else if (f[F_CPU].present)
		out->cpu = (int)vsc_field_value(buf, size, &f[F_CPU]);
	out->on_cpu = vsc_field_value(buf, size, &f[F_ON_CPU]) != 0;
	out->stack = vsc_field_value(buf, size, &f[F_STACK]);
	out->thread_sp = vsc_field_value(buf, size, &f[F_THREAD_SP]);
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
		task_from_buf(f, address, buf, f[F_TASK].info.size, out);
	free(buf);
	return err;
}

/* A task pointer of @cpu's runqueue: rq->curr, rq->idle. */
static struct vsc_error *rq_task(struct vsc_target *t, unsigned int cpu, const char *member,
				 const char *label, uint64_t *task)
{
	struct vsc_member_info m;
	uint64_t rq, addr;

	VSC_TRY(vsc_symbol_address(t, "runqueues", &rq));
	VSC_TRY(vsc_member(t, "struct rq", member, &m));
	VSC_TRY(vsc_per_cpu_addr(t, rq, cpu, &addr));
	return vsc_read_member(t, addr, &m, task, label);
}

struct vsc_error *vsc_cpu_curr(struct vsc_target *t, unsigned int cpu, uint64_t *task)
{
	return rq_task(t, cpu, "curr", "rq->curr", task);
}

struct vsc_error *vsc_cpu_idle(struct vsc_target *t, unsigned int cpu, uint64_t *task)
{
	return rq_task(t, cpu, "idle", "rq->idle", task);
}

/*
 * Task addresses a walk has visited: open addressing, 0 marks a free slot.
 * A task reached a second time means a list with a cycle.
 */
struct seen {
	uint64_t *slot;
	size_t cap, n;
};

static size_t seen_hash(uint64_t addr, size_t cap)
{
	return (size_t)((addr >> 4) * 0x9e3779b97f4a7c15ULL) & (cap - 1);
}

/* Adds @addr; *@again tells whether it was there already. */
static struct vsc_error *seen_add(struct seen *s, uint64_t addr, bool *again)
{
	size_t i;

	*again = false;
	if (!addr)
		return NULL;
	if ((s->n + 1) * 2 > s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 1024;
		uint64_t *nslot = calloc(ncap, sizeof(*nslot));

		if (!nslot)
			return &vsc_error_nomem;
		for (size_t k = 0; k < s->cap; k++) {
			if (!s->slot[k])
				continue;
			for (i = seen_hash(s->slot[k], ncap); nslot[i]; i = (i + 1) & (ncap - 1))
				;
			nslot[i] = s->slot[k];
		}
		free(s->slot);
		s->slot = nslot;
		s->cap = ncap;
	}
	for (i = seen_hash(addr, s->cap); s->slot[i]; i = (i + 1) & (s->cap - 1)) {
		if (s->slot[i] == addr) {
			*again = true;
			return NULL;
		}
	}
	s->slot[i] = addr;
	s->n++;
	return NULL;
}

/* Walk the task lists, every task visited once. */
struct walk {
	struct vsc_target *t;
	const struct vsc_layout_field *f;
	unsigned char *buf;
	vsc_task_fn fn;
	void *arg;
	unsigned long count;
	bool stop;
	struct seen seen;
	struct vsc_task last;   /* the task visited last (what links to the next) */
};

/* "0xffff888003a40000 (systemd, pid 1)", or just the address when it cannot be read. */
static void task_name(struct walk *w, uint64_t addr, char *buf, size_t size)
{
	size_t tsize = w->f[F_TASK].info.size;
	struct vsc_error *err = vsc_read(w->t, addr, w->buf, tsize, "task_struct");
	struct vsc_task tk;

	if (err) {
		vsc_error_destroy(err);
		snprintf(buf, size, "0x%" PRIx64, addr);
		return;
	}
	task_from_buf(w->f, addr, w->buf, tsize, &tk);
	if (tk.pid >= 0)
		snprintf(buf, size, "0x%" PRIx64 " (%s, pid %d)", addr, tk.comm, (int)tk.pid);
	else
		snprintf(buf, size, "0x%" PRIx64 " (%s)", addr, tk.comm);
}

static struct vsc_error *cycle_error(struct walk *w, uint64_t addr, const char *list)
{
	char again[96], from[96];
	uint64_t prev = w->last.address;

	task_name(w, addr, again, sizeof(again));
	task_name(w, prev, from, sizeof(from));
	return vsc_error_create(VSC_ERR_CORRUPT,
				"cycle in the task list (%s): task %s is reached again, from task "
				"%s, after %lu tasks", list, again, from, w->count);
}

/* @list names the list @addr was found on, for the cycle message. */
static struct vsc_error *visit(struct walk *w, uint64_t addr, const char *list)
{
	size_t tsize = w->f[F_TASK].info.size;
	bool again;

	VSC_TRY(seen_add(&w->seen, addr, &again));
	if (again)
		return cycle_error(w, addr, list);
	if (++w->count > MAX_TASKS)
		return vsc_error_create(VSC_ERR_CORRUPT, "task list longer than %u entries",
					MAX_TASKS);
	VSC_TRY(vsc_read(w->t, addr, w->buf, tsize, "task_struct"));
	task_from_buf(w->f, addr, w->buf, tsize, &w->last);
	if (w->fn(w->arg, &w->last))
		w->stop = true;
	return NULL;
}

/* Threads of the group led by @leader (just visited), other than the leader itself. */
static struct vsc_error *walk_threads(struct walk *w, uint64_t leader)
{
	const struct vsc_layout_field *f = w->f;
	uint64_t signal, head, node;
	bool leader_seen = false;
	char list[64];

	if (!f[F_SIGNAL].present || !f[F_SIG_THREAD_HEAD].present || !f[F_THREAD_NODE].present)
		return NULL;
	signal = vsc_field_value(w->buf, f[F_TASK].info.size, &f[F_SIGNAL]);
	if (!signal)
		return NULL;
	snprintf(list, sizeof(list), "signal->thread_head of task 0x%" PRIx64, leader);
	head = signal + f[F_SIG_THREAD_HEAD].info.offset;
	VSC_TRY(vsc_read_u64(w->t, head, &node, "signal->thread_head"));
	while (node != head && !w->stop) {
		uint64_t task = node - f[F_THREAD_NODE].info.offset;

		if (task != leader)
			VSC_TRY(visit(w, task, list));
		else if (leader_seen)
			return cycle_error(w, leader, list);
		else
			leader_seen = true;
		VSC_TRY(vsc_read_u64(w->t, node, &node, "task->thread_node.next"));
	}
	return NULL;
}

static struct vsc_error *walk_all(struct walk *w, uint64_t init_task)
{
	const struct vsc_layout_field *f = w->f;
	struct vsc_target *t = w->t;
	uint64_t head = init_task + f[F_TASKS].info.offset, node;
	struct vsc_member_info idle_mi;
	uint64_t rq;
	struct vsc_error *err;

	/* init_task (the idle task of CPU 0) heads the list. */
	VSC_TRY(visit(w, init_task, "init_task.tasks"));
	VSC_TRY(vsc_read_u64(t, head, &node, "init_task.tasks.next"));
	while (!w->stop && node != head) {
		uint64_t addr = node - f[F_TASKS].info.offset;

		VSC_TRY(visit(w, addr, "init_task.tasks"));
		if (!w->stop)
			VSC_TRY(walk_threads(w, addr));
		VSC_TRY(vsc_read_u64(t, node, &node, "task->tasks.next"));
	}
	/* The other CPUs' idle tasks are not on the list. */
	err = vsc_symbol_address(t, "runqueues", &rq);
	if (!err)
		err = vsc_member(t, "struct rq", "idle", &idle_mi);
	if (err) {
		vsc_error_destroy(err);
		return NULL;
	}
	for (unsigned int cpu = 1; !w->stop && cpu < vsc_nr_cpus(t); cpu++) {
		uint64_t rq_cpu, idle;

		if (!vsc_cpu_online(t, cpu))
			continue;
		VSC_TRY(vsc_per_cpu_addr(t, rq, cpu, &rq_cpu));
		VSC_TRY(vsc_read_member(t, rq_cpu, &idle_mi, &idle, "rq->idle"));
		if (idle)
			VSC_TRY(visit(w, idle, "rq->idle"));
	}
	return NULL;
}

struct vsc_error *vsc_task_foreach(struct vsc_target *t, vsc_task_fn fn, void *arg)
{
	struct vsc_layout_field f[NR_F];
	struct walk w = { .t = t, .f = f, .fn = fn, .arg = arg };
	uint64_t init_task;
	struct vsc_error *err;

	layout_init(f);
	VSC_TRY(vsc_layout_resolve(t, f, NR_F));
	VSC_TRY(vsc_symbol_address(t, "init_task", &init_task));
	if (f[F_TASK].info.size == 0 || f[F_TASK].info.size > (64u << 10))
		return vsc_error_create(VSC_ERR_CORRUPT, "implausible sizeof(struct task_struct)");
	w.buf = malloc(f[F_TASK].info.size);
	if (!w.buf)
		return &vsc_error_nomem;
	err = walk_all(&w, init_task);
	free(w.seen.slot);
	free(w.buf);
	return err;
}
