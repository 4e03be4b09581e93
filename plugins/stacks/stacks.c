// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The "stacks" analyzer: backtraces of CPUs (from their registers) and of
 * tasks, into the "bt" section.
 *
 * Two views of the same section.  `vtdscope bt` (options.full_stacks) shows
 * every frame of the CPUs or tasks asked for.  The report shows every CPU
 * trimmed to what matters: the frames down to 3 past the last interesting
 * one (the QI submit path, a spinlock slowpath, panic, module code), or, when
 * that one runs in an interrupt or an NMI, down to 3 into the context it
 * interrupted, or the first 8, and it leaves plainly idle CPUs out;
 * --verbose shows everything.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vtdscope/analyzer.h>
#include <vtdscope/kernel.h>
#include <vtdscope/report.h>
#include <vtdscope/target.h>
#include <vtdscope/unwind.h>

#define MAX_DETAIL_WORDS 512
/* Report view: frames shown past the last interesting one, or in all. */
#define FRAMES_PAST_INTERESTING 3
#define FRAMES_UNINTERESTING 8

static const struct vsc_column frame_cols[] = {
	{ .name = "#", .key = "index", .kind = VSC_VAL_UINT },
	{ .name = "function", .kind = VSC_VAL_STR },
	{ .name = "offset", .kind = VSC_VAL_HEX },
	{ .name = "module", .kind = VSC_VAL_STR },
	{ .name = "kind", .kind = VSC_VAL_STR },
	{ .name = "stack", .kind = VSC_VAL_STR },
	{ .name = "pc", .kind = VSC_VAL_ADDR },
	{ .name = "sp", .kind = VSC_VAL_ADDR },
	{ .name = "reliable", .kind = VSC_VAL_BOOL },
	{ .name = "via", .kind = VSC_VAL_STR },
};

/* ---- what matters in a stack ---- */

/* @name without a GCC clone or cold-part suffix (".cold", ".part.0", ...) equals @base. */
static bool name_is(const char *name, const char *base)
{
	size_t n = strlen(base);

	return !strncmp(name, base, n) && (name[n] == '\0' || name[n] == '.');
}

/* @name, clone suffix aside, ends in @tail ("__pv_queued_spin_lock_slowpath"). */
static bool name_ends(const char *name, const char *tail)
{
	size_t n = strcspn(name, "."), t = strlen(tail);

	return n >= t && !strncmp(name + n - t, tail, t);
}

/* Frames the report keeps a stack for. */
static bool frame_interesting(const struct vsc_frame *f)
{
	static const char *const funcs[] = { "qi_submit_sync", "panic", "vpanic" };

	if (f->kind == VSC_FRAME_MARKER)
		return false;
	if (f->module)
		return true;
	if (!f->symbol)
		return false;
	/* native_, __pv_ or plain: the spinlock slowpaths (vsc_is_spin_slowpath()) */
	if (name_ends(f->symbol, "queued_spin_lock_slowpath"))
		return true;
	for (size_t i = 0; i < VSC_ARRAY_SIZE(funcs); i++)
		if (name_is(f->symbol, funcs[i]))
			return true;
	return false;
}

/* The idle loop and the halt/mwait/poll it waits in. */
static bool idle_function(const char *name)
{
	static const char *const funcs[] = {
		"default_idle", "default_idle_call", "native_safe_halt", "pv_native_safe_halt",
		"arch_safe_halt", "safe_halt", "xen_safe_halt", "acpi_safe_halt", "amd_e400_idle",
		"cpu_idle_poll", "do_idle", "arch_cpu_idle", "poll_idle", "cpuidle_enter_state",
	};
	/* whole families: mwait_idle_with_hints, intel_idle_irq, acpi_idle_do_entry ... */
	static const char *const prefixes[] = { "mwait_idle", "intel_idle", "acpi_idle_" };

	if (!name)
		return false;
	for (size_t i = 0; i < VSC_ARRAY_SIZE(funcs); i++)
		if (name_is(name, funcs[i]))
			return true;
	for (size_t i = 0; i < VSC_ARRAY_SIZE(prefixes); i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

/*
 * The handlers that park a CPU when another one panics or dumps, through an
 * NMI or the reboot vector (arch/x86/kernel/smp.c, crash.c).
 */
static bool stop_function(const char *name)
{
	static const char *const funcs[] = {
		"stop_this_cpu", "smp_stop_nmi_callback", "__sysvec_reboot", "sysvec_reboot",
		"crash_nmi_callback",
	};

	for (size_t i = 0; name && i < VSC_ARRAY_SIZE(funcs); i++)
		if (name_is(name, funcs[i]))
			return true;
	return false;
}

/*
 * A CPU is plainly idle when what it was doing is the idle loop and nothing
 * interesting is on its stack.  What it was doing: its innermost frame, or,
 * when that is the panic's (or kdump's) stop handler, the frame the stop
 * NMI or IPI interrupted.  Returns the idle function or NULL.
 */
static const char *stack_idle_in(const struct vsc_stack *st)
{
	const struct vsc_frame *inner = NULL, *interrupted = NULL, *doing;
	bool stopped = false;

	for (size_t i = 0; i < st->nr_frames; i++) {
		const struct vsc_frame *f = &st->frames[i];

		if (frame_interesting(f))
			return NULL;
		if (f->kind == VSC_FRAME_MARKER)
			continue;
		if (!inner) {
			inner = f;
			stopped = stop_function(f->symbol);
		} else if (!interrupted) {
			if (f->kind == VSC_FRAME_EXCEPTION)
				interrupted = f;
			else
				stopped |= stop_function(f->symbol);
		}
	}
	doing = stopped ? interrupted : inner;
	return doing && idle_function(doing->symbol) ? doing->symbol : NULL;
}

/*
 * How many frames (markers not counted) the report shows of @st, at most.
 * When the last interesting frame runs in an interrupt or an NMI (the
 * flush-queue timer's softirq on the IRQ stack, a panic from the NMI
 * watchdog), the context it interrupted is part of the story: the stack goes
 * on to that context's exception frame and a few frames past it.
 */
static size_t frames_to_show(const struct vsc_stack *st)
{
	size_t n = 0, last = 0, interrupted = 0;
	bool any = false;
	enum vsc_stack_kind in = VSC_STACK_UNKNOWN;     /* the interrupt stack it runs on */

	for (size_t i = 0; i < st->nr_frames; i++) {
		const struct vsc_frame *f = &st->frames[i];

		if (f->kind == VSC_FRAME_MARKER)
			continue;
		if (frame_interesting(f)) {
			last = n;
			any = true;
			in = f->stack == VSC_STACK_IRQ || f->stack == VSC_STACK_NMI ? f->stack :
			     VSC_STACK_UNKNOWN;
			interrupted = 0;
		} else if (in != VSC_STACK_UNKNOWN && !interrupted && f->stack != in &&
			   f->kind == VSC_FRAME_EXCEPTION) {
			interrupted = n;
		}
		n++;
	}
	if (!any)
		return FRAMES_UNINTERESTING;
	if (interrupted)
		return interrupted + FRAMES_PAST_INTERESTING;
	return last + 1 + FRAMES_PAST_INTERESTING;
}

/* ---- rendering one stack ---- */

static void regs_lines(struct vsc_code *c, const struct vsc_regs *r, enum vsc_frame_regs kind)
{
	vsc_code_line(c, "    RIP: %016" PRIx64 "  RSP: %016" PRIx64 "  RFLAGS: %08" PRIx64, r->ip,
		      r->sp, r->flags);
	if (kind == VSC_REGS_FULL) {
		vsc_code_line(c, "    RAX: %016" PRIx64 "  RBX: %016" PRIx64 "  RCX: %016" PRIx64,
			      r->ax, r->bx, r->cx);
		vsc_code_line(c, "    RDX: %016" PRIx64 "  RSI: %016" PRIx64 "  RDI: %016" PRIx64,
			      r->dx, r->si, r->di);
		vsc_code_line(c, "    RBP: %016" PRIx64 "   R8: %016" PRIx64 "   R9: %016" PRIx64,
			      r->bp, r->r8, r->r9);
		vsc_code_line(c, "    R10: %016" PRIx64 "  R11: %016" PRIx64 "  R12: %016" PRIx64,
			      r->r10, r->r11, r->r12);
		vsc_code_line(c, "    R13: %016" PRIx64 "  R14: %016" PRIx64 "  R15: %016" PRIx64,
			      r->r13, r->r14, r->r15);
		vsc_code_line(c, "    ORIG_RAX: %016" PRIx64 "  CS: %04" PRIx64 "  SS: %04" PRIx64,
			      r->orig_ax, r->cs, r->ss);
	} else {
		vsc_code_line(c, "    CS: %04" PRIx64 "  SS: %04" PRIx64 "  (hardware iret frame only)",
			      r->cs, r->ss);
	}
}

/* The stack words of each frame, like crash's bt -f. */
static void detail_lines(struct vsc_target *t, struct vsc_code *c, const struct vsc_stack *st)
{
	unsigned int n = 0;

	for (size_t i = 0; i < st->nr_frames; i++) {
		const struct vsc_frame *f = &st->frames[i];
		uint64_t lo = f->sp, hi = 0, w[4];
		char name[256];

		if (f->kind == VSC_FRAME_MARKER)
			continue;
		for (size_t j = i + 1; j < st->nr_frames; j++)
			if (st->frames[j].kind != VSC_FRAME_MARKER) {
				if (st->frames[j].stack == f->stack && st->frames[j].sp > lo)
					hi = st->frames[j].sp;
				break;
			}
		vsc_frame_format(f, name, sizeof(name));
		vsc_code_line(c, "#%u %s", n++, name);
		if (!hi || (hi - lo) / 8 > MAX_DETAIL_WORDS)
			continue;
		for (uint64_t a = lo; a < hi; a += 32) {
			size_t nw = (size_t)((hi - a) / 8 < 4 ? (hi - a) / 8 : 4);
			struct vsc_error *err = vsc_read(t, a, w, nw * 8, "stack words");
			char line[128];
			int len;

			if (err) {
				vsc_code_line(c, "    %016" PRIx64 ": (%s)", a, err->message);
				vsc_error_destroy(err);
				break;
			}
			len = snprintf(line, sizeof(line), "    %016" PRIx64 ":", a);
			for (size_t k = 0; k < nw && len > 0 && (size_t)len < sizeof(line); k++)
				len += snprintf(line + len, sizeof(line) - (size_t)len, " %016" PRIx64,
						w[k]);
			vsc_code_line(c, "%s", line);
		}
	}
}

/*
 * The frames table, the registers of its exception frames, why the trace
 * ended.  Only the first @limit frames (markers not counted) are shown;
 * (size_t)-1 shows them all.
 */
static void add_stack(struct vsc_target *t, struct vsc_section *s, const struct vsc_stack *st,
		      size_t limit, bool detail)
{
	struct vsc_table *tb = vsc_section_table(s, "frames", NULL, frame_cols,
						 VSC_ARRAY_SIZE(frame_cols));
	struct vsc_code *regs = NULL;
	unsigned int n = 0, total = 0;

	for (size_t i = 0; i < st->nr_frames; i++)
		total += st->frames[i].kind != VSC_FRAME_MARKER;
	for (size_t i = 0; i < st->nr_frames && n < limit; i++) {
		const struct vsc_frame *f = &st->frames[i];

		if (f->kind == VSC_FRAME_MARKER) {
			vsc_table_row(tb, vsc_val_absent("stack switch"), vsc_val_str(f->marker),
				      vsc_val_absent("stack switch"), vsc_val_absent("stack switch"),
				      vsc_val_str(vsc_frame_kind_name(f->kind)),
				      vsc_val_str(vsc_stack_kind_name(f->stack)),
				      vsc_val_absent("stack switch"), vsc_val_absent("stack switch"),
				      vsc_val_bool(true), vsc_val_absent("stack switch"));
			continue;
		}
		vsc_table_row(tb, vsc_val_uint(n),
			      f->symbol ? vsc_val_str(f->symbol) : vsc_val_absent("no symbol"),
			      f->symbol ? vsc_val_hex(f->offset) : vsc_val_absent("no symbol"),
			      f->module ? vsc_val_str(f->module) : vsc_val_absent("vmlinux"),
			      vsc_val_str(vsc_frame_kind_name(f->kind)),
			      vsc_val_str(vsc_stack_kind_name(f->stack)), vsc_val_addr(f->pc),
			      vsc_val_addr(f->sp), vsc_val_bool(f->reliable),
			      vsc_val_str(vsc_frame_via_name(f->via)));
		if (f->kind == VSC_FRAME_EXCEPTION) {
			char name[256];

			if (!regs)
				regs = vsc_section_code(s, "registers", "Exception frames");
			vsc_frame_format(f, name, sizeof(name));
			if (f->regs_addr)
				vsc_code_line(regs, "#%u [exception RIP: %s] pt_regs at 0x%" PRIx64, n,
					      name, f->regs_addr);
			else
				vsc_code_line(regs, "#%u [exception RIP: %s] (registers from the dump)",
					      n, name);
			regs_lines(regs, &f->regs, f->regs_kind);
		}
		n++;
	}
	if (st->user_regs_valid && n == total) {
		if (!regs)
			regs = vsc_section_code(s, "registers", "Exception frames");
		vsc_code_line(regs, "user-mode registers (pt_regs at 0x%" PRIx64 "):",
			      st->user_regs_addr);
		regs_lines(regs, &st->user_regs, VSC_REGS_FULL);
	}
	vsc_section_kv(s, "frames", vsc_val_uint(total));
	if (limit != (size_t)-1)
		vsc_section_kv(s, "frames_shown", vsc_val_uint(n));
	vsc_section_kv(s, "end", vsc_val_str(vsc_unwind_end_text(st->end)));
	vsc_section_kv(s, "end_reason", vsc_val_str(vsc_unwind_end_name(st->end)));
	vsc_section_kv(s, "end_detail", st->end_detail[0] ? vsc_val_str(st->end_detail)
							  : vsc_val_absent("nothing to add"));
	if (st->stack_base) {
		vsc_section_kv(s, "stack_base", vsc_val_addr(st->stack_base));
		vsc_section_kv(s, "stack_size", vsc_val_uint(st->stack_size));
	}
	if (n < total)
		vsc_section_note(s, "%u more frames (--verbose)", total - n);
	if (detail)
		detail_lines(t, vsc_section_code(s, "frame_words", "Stack words per frame"), st);
}

/* "ksoftirqd/0 (pid 14)" for a title, or "" */
static void task_title(struct vsc_target *t, uint64_t task, char *buf, size_t size)
{
	struct vsc_task tk;
	struct vsc_error *err = task ? vsc_task_read(t, task, &tk) : NULL;

	buf[0] = '\0';
	if (task && !err && tk.pid >= 0)
		snprintf(buf, size, "%s (pid %d)", tk.comm, tk.pid);
	else if (task && !err)
		snprintf(buf, size, "%s", tk.comm);
	vsc_error_destroy(err);
}

static void task_fields(struct vsc_target *t, struct vsc_section *s, uint64_t task)
{
	struct vsc_task tk;
	struct vsc_error *err;

	if (!task) {
		vsc_section_kv(s, "task", vsc_val_absent("current task unknown"));
		return;
	}
	vsc_section_kv(s, "task", vsc_val_addr(task));
	err = vsc_task_read(t, task, &tk);
	if (err) {
		vsc_section_take_error(s, err, "reading the task");
		return;
	}
	vsc_section_kv(s, "pid", tk.pid >= 0 ? vsc_val_int(tk.pid) :
			       vsc_val_absent("task_struct.pid not available"));
	vsc_section_kv(s, "comm", vsc_val_str(tk.comm));
}

/* ---- CPUs and tasks ---- */

/* "2-5, 7" into @buf: CPU numbers in increasing order. */
static void cpu_list(const unsigned int *cpus, size_t n, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && len < size; i++) {
		size_t j = i;

		while (j + 1 < n && cpus[j + 1] == cpus[j] + 1)
			j++;
		if (j > i)
			len += (size_t)snprintf(buf + len, size - len, "%s%u-%u", i ? ", " : "",
						cpus[i], cpus[j]);
		else
			len += (size_t)snprintf(buf + len, size - len, "%s%u", i ? ", " : "",
						cpus[i]);
		i = j;
	}
}

/* One CPU's section, from its stack or the error unwinding it. */
static void cpu_section(struct vsc_analysis *a, struct vsc_section *parent, unsigned int cpu,
			const struct vsc_stack *st, struct vsc_error *err)
{
	const struct vsc_analysis_options *o = &a->opts;
	struct vsc_target *t = a->target;
	struct vsc_section *s;
	char id[32], title[96], task[64];

	snprintf(id, sizeof(id), "cpu%u", cpu);
	if (err) {
		snprintf(title, sizeof(title), "CPU %u", cpu);
		s = vsc_section_section(parent, id, title);
		vsc_section_kv(s, "cpu", vsc_val_uint(cpu));
		vsc_section_take_error(s, err, "CPU %u", cpu);
		return;
	}
	task_title(t, st->task, task, sizeof(task));
	snprintf(title, sizeof(title), "CPU %u%s%s%s", cpu, task[0] ? ": " : "", task,
		 vsc_panic_cpu(t) == (int)cpu ? " (panicked)" : "");
	s = vsc_section_section(parent, id, title);
	vsc_section_kv(s, "cpu", vsc_val_uint(cpu));
	vsc_section_kv(s, "panic_cpu", vsc_val_bool(vsc_panic_cpu(t) == (int)cpu));
	task_fields(t, s, st->task);
	add_stack(t, s, st, o->full_stacks || o->verbose ? (size_t)-1 : frames_to_show(st),
		  o->full_stacks && o->frames_detail);
}

struct cpu_stack {
	unsigned int cpu;
	const struct vsc_stack *st;     /* borrowed from the run's VSC_PRODUCT_STACKS */
	const struct vsc_error *err;    /* unwinding failed (borrowed likewise) */
	const char *idle;       /* report view: plainly idle in this function, not shown */
};

/* The report's one-line note for the idle CPUs it leaves out. */
static void idle_note(struct vsc_section *s, const struct cpu_stack *cs, size_t n)
{
	unsigned int cpus[64];
	const char *fn = NULL;
	size_t nidle = 0, more = 0;
	char list[512];

	for (size_t i = 0; i < n; i++) {
		if (!cs[i].idle)
			continue;
		/* name the idle function only when every idle CPU is in the same one */
		if (!nidle)
			fn = cs[i].idle;
		else if (fn && strcmp(fn, cs[i].idle))
			fn = NULL;
		if (nidle < VSC_ARRAY_SIZE(cpus))
			cpus[nidle++] = cs[i].cpu;
		else
			more++;
	}
	if (!nidle)
		return;
	cpu_list(cpus, nidle, list, sizeof(list));
	vsc_section_note(s, "idle CPU%s not shown (--verbose): %s%s%s%s%s",
			 nidle + more == 1 ? "" : "s", list, more ? " and more" : "",
			 fn ? " (in " : "", fn ? fn : "", fn ? ")" : "");
}

/*
 * Every CPU the dump has registers for.  All are unwound first, so that the
 * report's note on idle CPUs comes before the CPUs it shows.
 */
static struct vsc_error *bt_all_cpus(struct vsc_analysis *a, struct vsc_section *s)
{
	struct vsc_target *t = a->target;
	bool trim = !a->opts.full_stacks && !a->opts.verbose;
	const struct vsc_cpu_stacks *all;
	const void *p;
	struct cpu_stack *cs;
	size_t n = 0;

	VSC_TRY(vsc_analysis_get(a, VSC_PRODUCT_STACKS, &p));
	all = p;
	cs = calloc(all->nr_cpus ? all->nr_cpus : 1, sizeof(*cs));
	if (!cs)
		return &vsc_error_nomem;
	for (unsigned int c = 0; c < all->nr_cpus; c++) {
		struct vsc_regs r;
		struct vsc_error *err = vsc_cpu_regs(t, c, &r);

		if (err) {
			vsc_error_destroy(err);
			continue;
		}
		cs[n].cpu = c;
		cs[n].st = &all->stacks[c];
		cs[n].err = all->errors[c];
		/* symbol names are borrowed from the target: they outlive the stack */
		cs[n].idle = trim && !cs[n].err ? stack_idle_in(cs[n].st) : NULL;
		n++;
	}
	if (!n) {
		if (a->opts.full_stacks)
			vsc_section_error(s, VSC_ERR_NODATA,
					  "the dump has no CPU registers (live kernel?): use --pid");
		else
			vsc_section_note(s, "the dump has no CPU registers (live kernel?): "
					    "no CPU stacks");
	}
	idle_note(s, cs, n);
	for (size_t i = 0; i < n; i++) {
		struct vsc_error *err = NULL;

		if (cs[i].err)
			err = vsc_error_create(cs[i].err->kind, "%s", cs[i].err->message);
		if (!cs[i].idle)
			cpu_section(a, s, cs[i].cpu, cs[i].st, err);
		else
			vsc_error_destroy(err);
	}
	free(cs);
	return NULL;
}

struct pid_match {
	int pid;          /* match this pid, or */
	char state;       /* every task in this state ('D': hung-task triage) */
	uint64_t *tasks;
	int *pids;
	size_t n;
};

#define MAX_STATE_TASKS 512

static int pid_cb(void *arg, const struct vsc_task *task)
{
	struct pid_match *m = arg;

	if (m->state && m->n >= MAX_STATE_TASKS)
		return 1;
	if (m->state ? task->state == m->state : task->pid == m->pid) {
		int *np = realloc(m->pids, (m->n + 1) * sizeof(*np));

		if (!np)
			return 1;
		m->pids = np;
		m->pids[m->n] = task->pid;
		uint64_t *nt = realloc(m->tasks, (m->n + 1) * sizeof(*nt));

		if (!nt)
			return 1;
		m->tasks = nt;
		m->tasks[m->n++] = task->address;
	}
	return 0;
}

/*
 * Pid 0 is every CPU's idle task, but only the boot CPU's (init_task) is on
 * the task list: the others come from each runqueue (rq->idle).
 */
static void add_idle_tasks(struct vsc_target *t, struct vsc_section *parent, struct pid_match *m)
{
	for (unsigned int cpu = 0; cpu < vsc_nr_cpus(t); cpu++) {
		struct vsc_error *err;
		uint64_t idle, *nt;
		int *np;
		bool known = false;

		err = vsc_cpu_idle(t, cpu, &idle);
		if (err) {
			vsc_section_take_error(parent, err, "idle task of CPU %u", cpu);
			continue;
		}
		for (size_t i = 0; i < m->n; i++)
			known |= m->tasks[i] == idle;
		if (known || !idle)
			continue;
		np = realloc(m->pids, (m->n + 1) * sizeof(*np));
		if (!np)
			return;
		m->pids = np;
		nt = realloc(m->tasks, (m->n + 1) * sizeof(*nt));
		if (!nt)
			return;
		m->tasks = nt;
		m->pids[m->n] = 0;
		m->tasks[m->n++] = idle;
	}
}

static void bt_pid(struct vsc_target *t, struct vsc_section *parent, int pid, char state,
		   bool detail)
{
	struct pid_match m = { .pid = pid, .state = state };
	struct vsc_error *err = vsc_task_foreach(t, pid_cb, &m);
	char id[48];

	if (!err && pid == 0 && !state)
		add_idle_tasks(t, parent, &m);

	/* A walk that failed (a list with a cycle) still shows the tasks found before. */
	if (err)
		vsc_section_take_error(parent, err, "listing tasks");
	else if (!m.n && state)
		vsc_section_note(parent, "no task in state %c", state);
	else if (!m.n)
		vsc_section_error(parent, VSC_ERR_NOTFOUND, "no task with pid %d", pid);
	if (state)
		vsc_section_kv(parent, "tasks_in_state", vsc_val_uint(m.n));
	for (size_t i = 0; i < m.n; i++) {
		struct vsc_stack st;
		struct vsc_section *s;
		char title[96], task[64];

		if (state && m.pids[i] < 0)
			snprintf(id, sizeof(id), "task_%zu", i);   /* pid not available */
		else if (state)
			snprintf(id, sizeof(id), "pid%d_%zu", m.pids[i], i);
		else
			snprintf(id, sizeof(id), m.n > 1 ? "pid%d_%zu" : "pid%d", pid, i);
		task_title(t, m.tasks[i], task, sizeof(task));
		snprintf(title, sizeof(title), "%s", task[0] ? task : "task");
		s = vsc_section_section(parent, id, title);
		task_fields(t, s, m.tasks[i]);
		err = vsc_unwind_task(t, m.tasks[i], &st);
		if (err) {
			vsc_section_take_error(s, err, "unwinding");
			continue;
		}
		if (st.cpu >= 0)
			vsc_section_kv(s, "cpu", vsc_val_uint((unsigned int)st.cpu));
		add_stack(t, s, &st, (size_t)-1, detail);
		vsc_stack_deinit(&st);
	}
	free(m.tasks);
	free(m.pids);
}

static struct vsc_error *stacks_run(struct vsc_analysis *a)
{
	const struct vsc_analysis_options *o = &a->opts;
	struct vsc_section *s = vsc_report_section(a->report, "bt", "Backtraces");

	if (o->full_stacks && (o->pid >= 0 || o->task_state)) {
		bt_pid(a->target, s, o->pid, o->task_state, o->frames_detail);
		return NULL;
	}
	if (o->full_stacks && o->cpu >= 0) {
		struct vsc_stack st;
		struct vsc_error *err;

		if ((unsigned int)o->cpu >= vsc_nr_cpus(a->target))
			return vsc_error_create(VSC_ERR_USAGE, "CPU %d out of range (%u CPUs)",
						o->cpu, vsc_nr_cpus(a->target));
		err = vsc_unwind_cpu(a->target, (unsigned int)o->cpu, &st);
		cpu_section(a, s, (unsigned int)o->cpu, &st, err);
		if (!err)
			vsc_stack_deinit(&st);
		return NULL;
	}
	return bt_all_cpus(a, s);
}

const struct vsc_analyzer vsc_analyzer_stacks = {
	.abi = VSC_ANALYZER_ABI,
	.name = "stacks",
	.summary = "backtraces of every CPU (trimmed to what matters in the report) and of tasks",
	.run = stacks_run,
};
