// SPDX-License-Identifier: GPL-2.0-or-later
/* `bt`: backtraces of CPUs (from their registers) and tasks, into the report model. */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vtdscope/kernel.h>
#include <vtdscope/report.h>
#include <vtdscope/target.h>
#include <vtdscope/unwind.h>

#include "cli.h"

#define MAX_DETAIL_WORDS 512

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
};

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

static void add_stack(struct vsc_target *t, struct vsc_section *s, const struct vsc_stack *st,
		      bool detail)
{
	struct vsc_table *tb = vsc_section_table(s, "frames", NULL, frame_cols,
						 VSC_ARRAY_SIZE(frame_cols));
	struct vsc_code *regs = NULL;
	unsigned int n = 0;

	for (size_t i = 0; i < st->nr_frames; i++) {
		const struct vsc_frame *f = &st->frames[i];

		if (f->kind == VSC_FRAME_MARKER) {
			vsc_table_row(tb, vsc_val_absent("stack switch"), vsc_val_str(f->marker),
				      vsc_val_absent("stack switch"), vsc_val_absent("stack switch"),
				      vsc_val_str(vsc_frame_kind_name(f->kind)),
				      vsc_val_str(vsc_stack_kind_name(f->stack)),
				      vsc_val_absent("stack switch"), vsc_val_absent("stack switch"),
				      vsc_val_bool(true));
			continue;
		}
		vsc_table_row(tb, vsc_val_uint(n),
			      f->symbol ? vsc_val_str(f->symbol) : vsc_val_absent("no symbol"),
			      f->symbol ? vsc_val_hex(f->offset) : vsc_val_absent("no symbol"),
			      f->module ? vsc_val_str(f->module) : vsc_val_absent("vmlinux"),
			      vsc_val_str(vsc_frame_kind_name(f->kind)),
			      vsc_val_str(vsc_stack_kind_name(f->stack)), vsc_val_addr(f->pc),
			      vsc_val_addr(f->sp), vsc_val_bool(f->reliable));
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
	if (st->user_regs_valid) {
		if (!regs)
			regs = vsc_section_code(s, "registers", "Exception frames");
		vsc_code_line(regs, "user-mode registers (pt_regs at 0x%" PRIx64 "):",
			      st->user_regs_addr);
		regs_lines(regs, &st->user_regs, VSC_REGS_FULL);
	}
	vsc_section_kv(s, "frames", vsc_val_uint(n));
	vsc_section_kv(s, "end", vsc_val_str(vsc_unwind_end_text(st->end)));
	vsc_section_kv(s, "end_reason", vsc_val_str(vsc_unwind_end_name(st->end)));
	vsc_section_kv(s, "end_detail", st->end_detail[0] ? vsc_val_str(st->end_detail)
							  : vsc_val_absent("nothing to add"));
	if (st->stack_base) {
		vsc_section_kv(s, "stack_base", vsc_val_addr(st->stack_base));
		vsc_section_kv(s, "stack_size", vsc_val_uint(st->stack_size));
	}
	if (detail)
		detail_lines(t, vsc_section_code(s, "frame_words", "Stack words per frame"), st);
}

/* "ksoftirqd/0 (pid 14)" for a title, or "" */
static void task_title(struct vsc_target *t, uint64_t task, char *buf, size_t size)
{
	struct vsc_task tk;
	struct vsc_error *err = task ? vsc_task_read(t, task, &tk) : NULL;

	buf[0] = '\0';
	if (task && !err)
		snprintf(buf, size, "%s (pid %d)", tk.comm, tk.pid);
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
	vsc_section_kv(s, "pid", vsc_val_int(tk.pid));
	vsc_section_kv(s, "comm", vsc_val_str(tk.comm));
}

static void bt_cpu(struct vsc_target *t, struct vsc_section *parent, unsigned int cpu, bool detail)
{
	struct vsc_stack st;
	struct vsc_section *s;
	struct vsc_error *err = vsc_unwind_cpu(t, cpu, &st);
	char id[32], title[96], task[64];

	snprintf(id, sizeof(id), "cpu%u", cpu);
	if (err) {
		snprintf(title, sizeof(title), "CPU %u", cpu);
		s = vsc_section_section(parent, id, title);
		vsc_section_kv(s, "cpu", vsc_val_uint(cpu));
		vsc_section_take_error(s, err, "CPU %u", cpu);
		return;
	}
	task_title(t, st.task, task, sizeof(task));
	snprintf(title, sizeof(title), "CPU %u%s%s%s", cpu, task[0] ? ": " : "", task,
		 vsc_panic_cpu(t) == (int)cpu ? " (panicked)" : "");
	s = vsc_section_section(parent, id, title);
	vsc_section_kv(s, "cpu", vsc_val_uint(cpu));
	vsc_section_kv(s, "panic_cpu", vsc_val_bool(vsc_panic_cpu(t) == (int)cpu));
	task_fields(t, s, st.task);
	add_stack(t, s, &st, detail);
	vsc_stack_deinit(&st);
}

struct pid_match {
	int pid;
	uint64_t *tasks;
	size_t n;
};

static int pid_cb(void *arg, const struct vsc_task *task)
{
	struct pid_match *m = arg;

	if (task->pid == m->pid) {
		uint64_t *nt = realloc(m->tasks, (m->n + 1) * sizeof(*nt));

		if (!nt)
			return 1;
		m->tasks = nt;
		m->tasks[m->n++] = task->address;
	}
	return 0;
}

static void bt_pid(struct vsc_target *t, struct vsc_section *parent, int pid, bool detail)
{
	struct pid_match m = { .pid = pid };
	struct vsc_error *err = vsc_task_foreach(t, pid_cb, &m);
	char id[48];

	if (err) {
		vsc_section_take_error(parent, err, "listing tasks");
		free(m.tasks);
		return;
	}
	if (!m.n)
		vsc_section_error(parent, VSC_ERR_NOTFOUND, "no task with pid %d", pid);
	for (size_t i = 0; i < m.n; i++) {
		struct vsc_stack st;
		struct vsc_section *s;
		char title[96], task[64];

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
		add_stack(t, s, &st, detail);
		vsc_stack_deinit(&st);
	}
	free(m.tasks);
}

/* The dump is the first argument that is neither an option nor an option's value. */
static const char *dump_arg(struct cli_options *opts)
{
	for (int i = 0; i < opts->argc; i++) {
		const char *a = opts->argv[i];

		if (!strcmp(a, "--cpu") || !strcmp(a, "--pid")) {
			i++;
			continue;
		}
		if (a[0] != '-' || !strcmp(a, "--live"))
			return a;
	}
	return NULL;
}

static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!s || !*s)
		return false;
	v = strtoul(s, &end, 0);
	if (*end || v > max)
		return false;
	*out = v;
	return true;
}

int cmd_bt(struct cli_options *opts)
{
	const char *cpu_s = cli_opt_value(opts, "--cpu"), *pid_s = cli_opt_value(opts, "--pid");
	const char *path = dump_arg(opts);
	bool detail = cli_opt_flag(opts, "--frames-detail");
	unsigned long cpu = 0, pid = 0;
	struct vsc_target *t;
	struct vsc_report *rep;
	struct vsc_section *s;
	struct vsc_error *err;
	int rc;

	if ((cpu_s && !parse_uint(cpu_s, 1u << 20, &cpu)) ||
	    (pid_s && !parse_uint(pid_s, 1u << 30, &pid))) {
		fprintf(stderr, "vtdscope: bt: --cpu and --pid take a number\n");
		return VSC_EXIT_USAGE;
	}
	if (cpu_s && pid_s) {
		fprintf(stderr, "vtdscope: bt: give --cpu or --pid, not both\n");
		return VSC_EXIT_USAGE;
	}
	rc = cli_open_target(opts, path, &t);
	if (rc)
		return rc;
	if (cpu_s && cpu >= vsc_nr_cpus(t)) {
		fprintf(stderr, "vtdscope: bt: CPU %lu out of range (%u CPUs)\n", cpu, vsc_nr_cpus(t));
		vsc_target_destroy(t);
		return VSC_EXIT_USAGE;
	}
	err = vsc_report_create(&rep);
	if (err) {
		cli_error(err);
		vsc_target_destroy(t);
		return VSC_EXIT_INTERNAL;
	}
	vsc_report_set_title(rep, "vtdscope bt");
	vsc_report_set_tool_version(rep, VTDSCOPE_VERSION);
	vsc_report_set_target(rep, path);
	s = vsc_report_section(rep, "bt", "Backtraces");
	if (pid_s) {
		bt_pid(t, s, (int)pid, detail);
	} else if (cpu_s) {
		bt_cpu(t, s, (unsigned int)cpu, detail);
	} else {
		/* --all (the default): every CPU the dump has registers for */
		unsigned int done = 0;

		for (unsigned int c = 0; c < vsc_nr_cpus(t); c++) {
			struct vsc_regs r;

			err = vsc_cpu_regs(t, c, &r);
			if (err) {
				vsc_error_destroy(err);
				continue;
			}
			bt_cpu(t, s, c, detail);
			done++;
		}
		if (!done)
			vsc_section_error(s, VSC_ERR_NODATA,
					  "the dump has no CPU registers (live kernel?): use --pid");
	}
	rc = cli_render(opts, rep);
	vsc_report_destroy(rep);
	vsc_target_destroy(t);
	return rc;
}
