// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Builders of the views the diagnosis reads: every CPU's stack, flattened;
 * the stack words (and registers) that name the VT-d model's batches, and
 * the memory they point at; the system around them (the log's lockup
 * reports, the panic, the taints of the modules on the stacks).  All reads
 * of target memory on the diagnosis' behalf happen here.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vtdscope/analyzer.h>
#include <vtdscope/kernel.h>
#include <vtdscope/printk.h>
#include <vtdscope/symbols.h>
#include <vtdscope/target.h>
#include <vtdscope/types.h>
#include <vtdscope/unwind.h>

#include "cpu_view.h"
#include "vtd.h"

/* The views borrow symbol and module names from the target. */
struct vsc_error *cpu_views_collect(struct vsc_analysis *a, struct cpu_view **views,
				    unsigned int *n)
{
	struct vsc_target *t = a->target;
	const struct vsc_cpu_stacks *all;
	const void *p;
	unsigned int used = 0;
	struct cpu_view *v;

	VSC_TRY(vsc_analysis_get(a, VSC_PRODUCT_STACKS, &p));
	all = p;
	v = calloc(all->nr_cpus ? all->nr_cpus : 1, sizeof(*v));
	if (!v)
		return &vsc_error_nomem;
	for (unsigned int cpu = 0; cpu < all->nr_cpus; cpu++) {
		const struct vsc_stack *st = &all->stacks[cpu];
		struct cpu_view *cv = &v[used];
		struct vsc_error *err;
		uint64_t task;

		/* No registers for this CPU (offline, or live kernel): nothing to judge. */
		if (all->errors[cpu])
			continue;
		cv->cpu = cpu;
		cv->valid = true;
		cv->source = st;
		for (size_t i = 0; i < st->nr_frames && cv->nframes < CPU_VIEW_FRAMES; i++) {
			const struct vsc_frame *f = &st->frames[i];

			if (f->kind == VSC_FRAME_MARKER)
				continue;
			cv->func[cv->nframes] = f->symbol;
			cv->module[cv->nframes] = f->module;
			cv->sp[cv->nframes] = f->sp;
			cv->stack[cv->nframes] = f->stack;
			cv->has_flags[cv->nframes] = f->kind == VSC_FRAME_EXCEPTION &&
						     f->regs_kind != VSC_REGS_NONE;
			cv->flags[cv->nframes] = cv->has_flags[cv->nframes] ? f->regs.flags : 0;
			cv->source_frame[cv->nframes] = (int)i;
			cv->nframes++;
		}
		cv->pid = -1;
		/* Anything but a stack's bottom or user mode leaves its callers unseen. */
		cv->cut = st->end != VSC_UNWIND_END_OF_STACK && st->end != VSC_UNWIND_USER_MODE;
		cv->cut_why = cv->cut ? vsc_unwind_end_text(st->end) : NULL;
		err = vsc_cpu_curr(t, cpu, &task);
		if (!err) {
			struct vsc_task tk;

			err = vsc_task_read(t, task, &tk);
			if (!err)
				cv->pid = tk.pid;
		}
		vsc_error_destroy(err);
		used++;
	}
	*views = v;
	*n = used;
	return NULL;
}

/* Reads the window at @sp into @buf, zero past the first unreadable page (the stack's top). */
static bool read_window(struct vsc_target *t, uint64_t sp, uint64_t *buf)
{
	size_t done = 0, want = CPU_WINDOW_WORDS * 8;

	memset(buf, 0, want);
	while (done < want) {
		size_t chunk = 4096 - ((sp + done) & 4095);
		struct vsc_error *err;

		if (chunk > want - done)
			chunk = want - done;
		err = vsc_read(t, sp + done, (char *)buf + done, chunk, "stack words");
		if (err) {
			vsc_error_destroy(err);
			break;
		}
		done += chunk;
	}
	return done > 0;
}

static struct vsc_error *add_word(struct cpu_view *v, unsigned int *cap, struct cpu_word w)
{
	for (unsigned int i = 0; i < v->nr_words; i++) {
		const struct cpu_word *o = &v->words[i];

		if (o->frame == w.frame && o->kind == w.kind && o->unit == w.unit && o->slot == w.slot)
			return NULL;
	}
	if (v->nr_words == *cap) {
		unsigned int ncap = *cap ? *cap * 2 : 8;
		struct cpu_word *p = realloc(v->words, ncap * sizeof(*p));

		if (!p)
			return &vsc_error_nomem;
		v->words = p;
		*cap = ncap;
	}
	v->words[v->nr_words++] = w;
	return NULL;
}

/* ---- pointers to a copy of a batch's descriptors ---- */

/* Distinct pointer values checked per view, at most (each costs a read or two). */
#define PTR_CHECKED_MAX 1024
#define PTR_MATCHES 4

struct ptr_seen {
	uint64_t value;
	int nr;                         /* batches whose descriptors it points at */
	int unit[PTR_MATCHES], batch[PTR_MATCHES];
	bool qi_batch[PTR_MATCHES];
};

struct ptr_search {
	struct vsc_target *t;
	const struct vtd_model *m;
	uint64_t desc_size;             /* sizeof(struct qi_desc); 0: no search */
	bool index_known;               /* struct qi_batch.index (6.12+) */
	struct vsc_member_info index;
	struct ptr_seen *seen;          /* [PTR_CHECKED_MAX], reset per view */
	unsigned int nr_seen;
};

/* Could @p point at a heap or stack copy of descriptors (not the ring itself)? */
static bool ptr_candidate(const struct vtd_model *m, uint64_t p)
{
	if (p & 7 || p >> 56 != 0xff || p == ~0ull)
		return false;
	for (int ui = 0; ui < m->nr_units; ui++) {
		const struct vtd_unit *u = &m->units[ui];

		if (p >= u->desc && p < u->desc + ((uint64_t)VTD_QI_LENGTH << u->shift))
			return false;
		if (p >= u->desc_status && p < u->desc_status + 4 * VTD_QI_LENGTH)
			return false;
	}
	return true;
}

/* Does the memory at @p hold every payload descriptor of batch @b of @u, in order? */
static bool ptr_holds_batch(struct ptr_search *ps, uint64_t p, const uint64_t first[2],
			    const struct vtd_unit *u, const struct vtd_batch *b)
{
	uint64_t qw[4];

	if (first[0] != u->slots[b->first].qw[0] || first[1] != u->slots[b->first].qw[1])
		return false;
	for (int k = 1; k < b->count; k++) {
		const struct vtd_slot *s = &u->slots[(b->first + k) % VTD_QI_LENGTH];
		size_t words = u->shift == 5 && ps->desc_size >= 32 ? 4 : 2;

		if (vsc_error_consume(vsc_read(ps->t, p + (uint64_t)k * ps->desc_size, qw,
					       words * 8, "descriptor copy")))
			return false;
		if (memcmp(qw, s->qw, words * 8))
			return false;
	}
	return true;
}

/* What @p points at, checked once per view. */
static const struct ptr_seen *ptr_check(struct ptr_search *ps, uint64_t p)
{
	struct ptr_seen *e;
	uint64_t first[2];

	for (unsigned int i = 0; i < ps->nr_seen; i++)
		if (ps->seen[i].value == p)
			return &ps->seen[i];
	if (ps->nr_seen == PTR_CHECKED_MAX)
		return NULL;
	e = &ps->seen[ps->nr_seen++];
	memset(e, 0, sizeof(*e));
	e->value = p;
	if (vsc_error_consume(vsc_read(ps->t, p, first, sizeof(first), "descriptor copy")) || !first[0])
		return e;
	for (int ui = 0; ui < ps->m->nr_units; ui++) {
		const struct vtd_unit *u = &ps->m->units[ui];

		if (!u->has_qi || !u->slots_read)
			continue;
		for (int b = 0; b < u->nr_batches && e->nr < PTR_MATCHES; b++) {
			const struct vtd_batch *bt = &u->batches[b];
			uint32_t index;

			if (bt->count < 1 || !ptr_holds_batch(ps, p, first, u, bt))
				continue;
			e->unit[e->nr] = ui;
			e->batch[e->nr] = b;
			/* qi_batch_flush_descs() submits batch->descs with batch->index descriptors. */
			e->qi_batch[e->nr] = ps->index_known && bt->count <= 16 &&
					     !vsc_error_consume(vsc_read_u32(ps->t, p + ps->index.offset,
									     &index, "qi_batch.index")) &&
					     index == (uint32_t)bt->count;
			e->nr++;
		}
	}
	return e;
}

static struct vsc_error *add_ptr_words(struct ptr_search *ps, struct cpu_view *v, unsigned int *cap,
				       int frame, uint64_t p, bool in_regs)
{
	const struct ptr_seen *e;

	if (!ptr_candidate(ps->m, p) || !(e = ptr_check(ps, p)))
		return NULL;
	for (int k = 0; k < e->nr; k++) {
		const struct vtd_unit *u = &ps->m->units[e->unit[k]];

		VSC_TRY(add_word(v, cap, (struct cpu_word){
			.frame = frame, .kind = CPU_WORD_DESC_PTR, .unit = e->unit[k],
			.slot = u->batches[e->batch[k]].first, .addr = p,
			.qi_batch = e->qi_batch[k], .in_regs = in_regs }));
	}
	return NULL;
}

/* The registers of frame @i's pt_regs (or the dump's note) that may point at descriptors. */
static struct vsc_error *scan_regs(struct ptr_search *ps, struct cpu_view *v, unsigned int *cap,
				   int i)
{
	const struct vsc_frame *f;

	if (!v->source || v->source_frame[i] < 0 || (size_t)v->source_frame[i] >= v->source->nr_frames)
		return NULL;
	f = &v->source->frames[v->source_frame[i]];
	if (f->kind != VSC_FRAME_EXCEPTION || f->regs_kind != VSC_REGS_FULL)
		return NULL;
	{
		const uint64_t r[] = { f->regs.r15, f->regs.r14, f->regs.r13, f->regs.r12, f->regs.bp,
				       f->regs.bx, f->regs.r11, f->regs.r10, f->regs.r9, f->regs.r8,
				       f->regs.ax, f->regs.cx, f->regs.dx, f->regs.si, f->regs.di };

		for (size_t k = 0; k < sizeof(r) / sizeof(r[0]); k++)
			VSC_TRY(add_ptr_words(ps, v, cap, i, r[k], true));
	}
	return NULL;
}

/* The words of one window that name a batch of @m, each (kind, unit, slot) once. */
static struct vsc_error *scan_window(struct ptr_search *ps, const uint64_t *buf,
				     struct cpu_view *v, unsigned int *cap, int frame)
{
	const struct vtd_model *m = ps->m;

	for (int ui = 0; ui < m->nr_units; ui++) {
		const struct vtd_unit *u = &m->units[ui];

		if (!u->has_qi || !u->slots_read)
			continue;
		for (int b = 0; b < u->nr_batches; b++) {
			const struct vtd_batch *bt = &u->batches[b];
			uint64_t status_va = u->desc_status + 4ull * (unsigned)bt->wait;
			const struct vtd_slot *s = &u->slots[bt->first];
			bool status = false, desc = false;

			for (size_t k = 0; k + 1 < CPU_WINDOW_WORDS; k++) {
				status |= buf[k] == status_va;
				desc |= s->qw[0] && buf[k] == s->qw[0] && buf[k + 1] == s->qw[1];
			}
			if (status)
				VSC_TRY(add_word(v, cap, (struct cpu_word){
					.frame = frame, .kind = CPU_WORD_STATUS, .unit = ui, .slot = bt->wait }));
			if (desc)
				VSC_TRY(add_word(v, cap, (struct cpu_word){
					.frame = frame, .kind = CPU_WORD_DESC, .unit = ui, .slot = bt->first }));
		}
	}
	if (ps->desc_size)
		for (size_t k = 0; k < CPU_WINDOW_WORDS; k++)
			VSC_TRY(add_ptr_words(ps, v, cap, frame, buf[k], false));
	return NULL;
}

struct vsc_error *cpu_views_find_queue_words(struct vsc_target *t, const struct vtd_model *m,
					     struct cpu_view *views, unsigned int n)
{
	uint64_t buf[CPU_WINDOW_WORDS];
	struct ptr_search ps = { .t = t, .m = m };
	struct vsc_error *err = NULL;
	bool any = false;

	for (int ui = 0; ui < m->nr_units; ui++)
		any |= m->units[ui].has_qi && m->units[ui].slots_read && m->units[ui].nr_batches > 0;
	if (!any)
		return NULL;
	/* The stride of a descriptor array in memory (32 bytes from 5.0, 16 before). */
	if (vsc_error_consume(vsc_type_size(t, "struct qi_desc", &ps.desc_size)) ||
	    ps.desc_size < 16 || ps.desc_size > 64)
		ps.desc_size = 0;
	ps.index_known = !vsc_error_consume(vsc_member(t, "struct qi_batch", "index", &ps.index));
	ps.seen = ps.desc_size ? malloc(PTR_CHECKED_MAX * sizeof(*ps.seen)) : NULL;
	if (ps.desc_size && !ps.seen)
		return &vsc_error_nomem;
	for (unsigned int c = 0; c < n && !err; c++) {
		struct cpu_view *v = &views[c];
		unsigned int cap = v->nr_words;

		if (!v->valid)
			continue;
		ps.nr_seen = 0;
		for (int i = 0; i < v->nframes && !err; i++) {
			if (ps.desc_size)
				err = scan_regs(&ps, v, &cap, i);
			if (!err && v->sp[i] && read_window(t, v->sp[i], buf))
				err = scan_window(&ps, buf, v, &cap, i);
		}
	}
	free(ps.seen);
	return err;
}

void cpu_views_free(struct cpu_view *views, unsigned int n)
{
	for (unsigned int i = 0; views && i < n; i++)
		free(views[i].words);
	free(views);
}

/* ---- the system around the stacks ---- */

const char *sys_event_name(enum sys_event_kind k)
{
	static const char *const names[] = {
#define X(e, name) [SYS_EVENT_##e] = name,
		SYS_EVENT_KINDS(X)
#undef X
	};

	return (unsigned int)k < SYS_EVENT_KIND_COUNT ? names[k] : "?";
}

/* @text (not NUL-terminated, @len bytes) as a printable line into @buf. */
static void copy_line(char *buf, size_t size, const char *text, size_t len)
{
	size_t n = len < size - 1 ? len : size - 1;

	memcpy(buf, text, n);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	for (char *p = buf; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = ' ';
}

/* The number right after @key in @line, -1 if none. */
static long number_after(const char *line, const char *key)
{
	const char *p = strstr(line, key);
	char *end;
	long v;

	if (!p)
		return -1;
	p += strlen(key);
	v = strtol(p, &end, 10);
	return end == p || v < 0 || v > 65535 ? -1 : v;
}

static void event_add_cpu(struct sys_event *e, long cpu)
{
	if (cpu < 0 || e->nr_cpus >= SYS_EVENT_CPUS)
		return;
	for (int i = 0; i < e->nr_cpus; i++)
		if (e->cpus[i] == (unsigned int)cpu)
			return;
	e->cpus[e->nr_cpus++] = (unsigned int)cpu;
}

/* The first report of @k: kept with its CPU; a later one only counts. */
static struct sys_event *event_start(struct sys_view *s, enum sys_event_kind k,
				     const struct vsc_log_record *rec, const char *line)
{
	struct sys_event *e = &s->events[k];

	e->count++;
	if (e->present)
		return NULL;
	e->present = true;
	e->ts = rec->ts_nsec;
	e->detector = -1;
	copy_line(e->text, sizeof(e->text), line, strlen(line));
	return e;
}

/*
 * An RCU stall report names each stalled CPU on a line of its own
 * ("rcu: <tab>1-...0: (7 ticks this GP) ...", print_cpu_stall_info()) and
 * ends with "(detected by 0, t=1253 jiffies, ...)"; other CPUs' lines may
 * come in between (a CPU flooding the log with IQE reports puts thousands
 * there), so the report is followed for RCU_REPORT_RECORDS records at most.
 */
#define RCU_REPORT_RECORDS 65536

static bool rcu_cpu_line(const char *line, long *cpu)
{
	const char *p = strstr(line, "rcu: ");
	char *end;

	if (!p)
		return false;
	p += 5;
	if (*p != '\t' && *p != ' ')
		return false;
	while (*p == '\t' || *p == ' ')
		p++;
	*cpu = strtol(p, &end, 10);
	return end != p && *end == '-' && *cpu >= 0 && *cpu < 65536;
}

static void scan_log(struct sys_view *s, const struct vsc_log_records *lr)
{
	struct sys_event *rcu = NULL;   /* the first stall report, still naming CPUs */
	size_t rcu_left = 0;

	for (size_t i = 0; i < lr->nr; i++) {
		const struct vsc_log_record *rec = &lr->records[i];
		char line[256];
		struct sys_event *e;
		long cpu;

		copy_line(line, sizeof(line), rec->text, rec->text_len);
		/* qi_dump_fault() and qi_check_fault() (5.13+); the records are in log order. */
		if (strstr(line, "Invalidation Queue Error: Reason"))
			s->iqe_reports++, s->iqe_open = true;
		else if (strstr(line, "Invalidation Queue Error (IQE) cleared"))
			s->iqe_cleared++, s->iqe_open = false;
		else if (strstr(line, "Invalidation Time-out Error: SID"))
			s->ite_reports++, s->ite_open = true;
		else if (strstr(line, "Invalidation Time-out Error (ITE) cleared"))
			s->ite_cleared++, s->ite_open = false;
		else if (strstr(line, "Invalidation Completion Error: SID"))
			s->ice_reports++, s->ice_open = true;
		else if (strstr(line, "Invalidation Completion Error (ICE) cleared"))
			s->ice_cleared++, s->ice_open = false;
		/* dmar_parse_one_drhd(): "DMAR: dmar0: reg_base_addr fed90000 ver 1:0 cap ..." */
		if (strstr(line, "DMAR: ") && strstr(line, ": reg_base_addr "))
			s->dmar_units_logged++;
		if (strstr(line, "hard LOCKUP on cpu ")) {
			if ((e = event_start(s, SYS_EVENT_HARD_LOCKUP, rec, line)))
				event_add_cpu(e, number_after(line, "hard LOCKUP on cpu "));
		} else if (strstr(line, "soft lockup - CPU#")) {
			if ((e = event_start(s, SYS_EVENT_SOFT_LOCKUP, rec, line)))
				event_add_cpu(e, number_after(line, "soft lockup - CPU#"));
		} else if (strstr(line, "detected stalls on CPUs/tasks") ||
			   strstr(line, "self-detected stall on CPU")) {
			e = event_start(s, SYS_EVENT_RCU_STALL, rec, line);
			if (e) {
				rcu = e;
				rcu_left = RCU_REPORT_RECORDS;
			}
		} else if (rcu && rcu_left) {
			rcu_left--;
			if (rcu_cpu_line(line, &cpu))
				event_add_cpu(rcu, cpu);
			if ((cpu = number_after(line, "(detected by ")) >= 0) {
				rcu->detector = (int)cpu;
				rcu_left = 0;
			}
		}
	}
	/* A self-detected stall is reported by the stalled CPU itself. */
	if (rcu && rcu->detector < 0 && strstr(rcu->text, "self-detected") && rcu->nr_cpus == 1)
		rcu->detector = (int)rcu->cpus[0];
}

/* ---- module taints ---- */

enum { MOD_LIST, MOD_NAME, MOD_TAINTS, NR_MOD_FIELDS };

static const struct vsc_layout_field module_fields[NR_MOD_FIELDS] = {
	[MOD_LIST] = { "struct module", "list", true },
	[MOD_NAME] = { "struct module", "name", true },
	[MOD_TAINTS] = { "struct module", "taints", false },
};

#define MAX_MODULES 4096

/* struct module.taints of each module in @s, as taint letters. */
static void read_module_taints(struct vsc_target *t, struct sys_view *s)
{
	struct vsc_layout_field f[NR_MOD_FIELDS];
	struct vsc_taint taint;
	uint64_t head, node;
	unsigned int n = 0;

	memcpy(f, module_fields, sizeof(f));
	if (vsc_error_consume(vsc_layout_resolve(t, f, NR_MOD_FIELDS)) || !f[MOD_TAINTS].present ||
	    f[MOD_NAME].info.size < 2 || vsc_error_consume(vsc_read_taint(t, &taint)) ||
	    vsc_error_consume(vsc_symbol_address(t, "modules", &head)) ||
	    vsc_error_consume(vsc_read_u64(t, head, &node, "modules.next")))
		return;
	while (node != head && ++n <= MAX_MODULES) {
		uint64_t mod = node - f[MOD_LIST].info.offset, taints;
		char name[64];
		size_t len = f[MOD_NAME].info.size < sizeof(name) ? f[MOD_NAME].info.size : sizeof(name);

		if (vsc_error_consume(vsc_read(t, mod + f[MOD_NAME].info.offset, name, len,
					       "module.name")))
			return;
		name[len - 1] = '\0';
		for (int k = 0; k < s->nr_modules; k++) {
			struct sys_module *sm = &s->modules[k];
			size_t at = 0;

			if (sm->known || strcmp(sm->name, name) ||
			    vsc_error_consume(vsc_read_member(t, mod, &f[MOD_TAINTS].info, &taints,
							      "module.taints")))
				continue;
			for (unsigned int bit = 0; bit < taint.nr_flags && bit < 64; bit++)
				if (taints >> bit & 1 && at + 1 < sizeof(sm->taint) && taint.flags[bit].letter)
					sm->taint[at++] = taint.flags[bit].letter;
			sm->taint[at] = '\0';
			sm->known = true;
		}
		if (vsc_error_consume(vsc_read_u64(t, node, &node, "module.list.next")))
			return;
	}
}

const char *sys_module_taint(const struct sys_view *s, const char *name)
{
	for (int k = 0; s && name && k < s->nr_modules; k++)
		if (s->modules[k].known && !strcmp(s->modules[k].name, name))
			return s->modules[k].taint;
	return NULL;
}

struct vsc_error *sys_view_build(struct vsc_analysis *a, const struct cpu_view *views,
				 unsigned int n, struct sys_view *out)
{
	struct vsc_target *t = a->target;
	const struct vsc_log_records *lr;
	const void *p;
	struct vsc_error *err;
	int pc = vsc_panic_cpu(t);

	memset(out, 0, sizeof(*out));
	out->live = vsc_target_info(t)->live;
	out->panic_cpu = pc >= 0 ? pc : -1;
	err = vsc_analysis_get(a, VSC_PRODUCT_STACKS, &p);
	if (vsc_error_is(err, VSC_ERR_NOMEM))
		return err;
	if (!err) {
		const struct vsc_cpu_stacks *all = p;

		/* A CPU the dump has registers for but whose stack could not be read. */
		for (unsigned int cpu = 0; cpu < all->nr_cpus; cpu++) {
			struct vsc_regs r;

			if (all->errors[cpu] && !vsc_error_consume(vsc_cpu_regs(t, cpu, &r)))
				out->nr_no_stack++;
		}
	}
	vsc_error_destroy(err);
	err = vsc_analysis_get(a, VSC_PRODUCT_LOG, &p);
	if (vsc_error_is(err, VSC_ERR_NOMEM))
		return err;
	if (err) {
		snprintf(out->log_error, sizeof(out->log_error), "%s", err->message);
		vsc_error_destroy(err);
	} else {
		char *panic;

		lr = p;
		out->log_read = true;
		if (lr->error)
			snprintf(out->log_error, sizeof(out->log_error), "%s", lr->error->message);
		scan_log(out, lr);
		panic = vsc_log_panic_message(lr->records, lr->nr, &out->panic_ts);
		if (panic) {
			out->panicked = true;
			copy_line(out->panic, sizeof(out->panic), panic, strlen(panic));
			free(panic);
		}
	}
	/* The modules the stacks run in, each once. */
	for (unsigned int c = 0; c < n; c++)
		for (int i = 0; i < views[c].nframes; i++) {
			const char *mod = views[c].module[i];
			bool seen = false;

			for (int k = 0; mod && k < out->nr_modules; k++)
				seen |= !strcmp(out->modules[k].name, mod);
			if (mod && !seen && out->nr_modules < SYS_MAX_MODULES)
				out->modules[out->nr_modules++].name = mod;
		}
	if (out->nr_modules)
		read_module_taints(t, out);
	return NULL;
}
