// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The "locks" analyzer: contended spinlocks, their waiters in queue order and
 * holder candidates (the engine's vsc_locks_analyze()), into the report.
 *
 * Lock names come from whoever publishes VSC_PRODUCT_LOCK_NAMES (the vtd
 * analyzer names each unit's qi->q_lock); without them the locks are still
 * found, unnamed.  Stacks come from VSC_PRODUCT_STACKS, unwound once per run.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vtdscope/analyzer.h>
#include <vtdscope/locks.h>
#include <vtdscope/report.h>


static const struct vsc_finding_kind lock_contended = {
	.id = "spinlock-contended",
	.severity = VSC_SEV_WARNING,
	.summary = "CPUs spin in the qspinlock slowpath waiting for a lock",
	.next_step = "look at the holder candidates' stacks (vtdscope bt DUMP --cpu N)",
};

static const struct vsc_column waiter_cols[] = {
	{ .name = "cpu", .kind = VSC_VAL_UINT },
	{ .name = "role", .kind = VSC_VAL_STR },
	{ .name = "node", .kind = VSC_VAL_INT },
	{ .name = "taken in", .key = "function", .kind = VSC_VAL_STR },
	{ .name = "module", .kind = VSC_VAL_STR },
	{ .name = "frame", .kind = VSC_VAL_INT },
	{ .name = "interrupted", .kind = VSC_VAL_BOOL },
};

static const struct vsc_column holder_cols[] = {
	{ .name = "cpu", .kind = VSC_VAL_INT },
	{ .name = "in", .key = "function", .kind = VSC_VAL_STR },
	{ .name = "confidence", .kind = VSC_VAL_STR },
	{ .name = "evidence", .kind = VSC_VAL_LIST },
};

static const struct vsc_column evidence_cols[] = {
	{ .name = "evidence", .kind = VSC_VAL_STR },
};

/* Names for the locks we know; none when no analyzer can name them. */
static struct vsc_error *lock_names_get(struct vsc_analysis *a, struct vsc_section *s,
					const struct vsc_lock_names **out)
{
	static const struct vsc_lock_names none;
	const void *p;
	struct vsc_error *err = vsc_analysis_get(a, VSC_PRODUCT_LOCK_NAMES, &p);

	*out = &none;
	if (err) {
		if (err->kind == VSC_ERR_NOMEM)
			return err;
		vsc_section_note(s, "locks are not named: %s", err->message);
		vsc_error_destroy(err);
		return NULL;
	}
	*out = p;
	return NULL;
}

/* @e's lines as a list of strings, borrowing @items (room for e->nr). */
static struct vsc_value lines_value(const struct vsc_evidence *e, struct vsc_value *items)
{
	for (size_t i = 0; i < e->nr; i++)
		items[i] = vsc_val_str(e->lines[i]);
	return vsc_val_list(items, e->nr);
}

static void lock_title(const struct vsc_contended_lock *l, char *buf, size_t size)
{
	if (l->addr && l->name[0])
		snprintf(buf, size, "%s (0x%" PRIx64 ")", l->name, l->addr);
	else if (l->addr)
		snprintf(buf, size, "lock at 0x%" PRIx64, l->addr);
	else
		snprintf(buf, size, "unidentified lock");
}

static void add_lock(struct vsc_report *rep, struct vsc_section *parent, size_t k,
		     const struct vsc_contended_lock *l)
{
	struct vsc_section *s;
	struct vsc_table *wt, *ht, *et;
	struct vsc_finding *f;
	struct vsc_value *cpu_items = calloc(l->nr_spinners ? l->nr_spinners : 1,
					     sizeof(*cpu_items));
	char id[32], title[192], word[160], cpus[256] = "";
	size_t len = 0;

	snprintf(id, sizeof(id), "lock%zu", k);
	lock_title(l, title, sizeof(title));
	s = vsc_section_section(parent, id, title);
	vsc_section_kv(s, "address", l->addr ? vsc_val_addr(l->addr)
					      : vsc_val_absent("lock word not found"));
	vsc_section_kv(s, "name", l->name[0] ? vsc_val_str(l->name)
					      : vsc_val_absent("no symbol or known name"));
	vsc_section_kv(s, "name_source", l->name_source ? vsc_val_str(l->name_source)
							: vsc_val_absent("no name"));
	vsc_section_kv(s, "confidence", vsc_val_str(vsc_confidence_name(l->confidence)));
	if (l->addr) {
		vsc_qspinlock_format(&l->lock.word, word, sizeof(word));
		vsc_section_kv(s, "word", vsc_val_hexw(l->lock.word.val, 8));
		vsc_section_kv(s, "state", vsc_val_str(word));
		vsc_section_kv(s, "queued_waiters", vsc_val_uint(l->lock.nr_waiters));
	}
	wt = vsc_section_table(s, "waiters", "Waiters (pending first, then queue order)",
			       waiter_cols, VSC_ARRAY_SIZE(waiter_cols));
	for (size_t i = 0; i < l->nr_spinners; i++) {
		const struct vsc_lock_spinner *sp = &l->spinners[i];

		vsc_table_row(wt, vsc_val_uint(sp->cpu), vsc_val_str(vsc_waiter_role_name(sp->role)),
			      sp->node_idx >= 0 ? vsc_val_int(sp->node_idx)
						: vsc_val_absent("no queue node"),
			      vsc_val_str(sp->caller),
			      sp->caller_module ? vsc_val_str(sp->caller_module)
						: vsc_val_absent("vmlinux"),
			      sp->frame >= 0 ? vsc_val_int(sp->frame)
					     : vsc_val_absent("no slowpath frame"),
			      vsc_val_bool(sp->interrupted));
		if (len < sizeof(cpus))
			len += (size_t)snprintf(cpus + len, sizeof(cpus) - len, "%s%u",
						i ? ", " : "", sp->cpu);
		if (cpu_items)
			cpu_items[i] = vsc_val_uint(sp->cpu);
	}
	ht = vsc_section_table(s, "holders", "Holder candidates (qspinlock records no owner)",
			       holder_cols, VSC_ARRAY_SIZE(holder_cols));
	for (size_t i = 0; i < l->nr_holders; i++) {
		const struct vsc_lock_holder *h = &l->holders[i];
		struct vsc_value *ev = calloc(h->evidence.nr ? h->evidence.nr : 1, sizeof(*ev));

		vsc_table_row(ht, vsc_val_int(h->cpu), vsc_val_str(h->function),
			      vsc_val_str(vsc_confidence_name(h->confidence)),
			      ev ? lines_value(&h->evidence, ev) : vsc_val_absent("out of memory"));
		free(ev);
	}
	et = vsc_section_table(s, "evidence", "Evidence", evidence_cols,
			       VSC_ARRAY_SIZE(evidence_cols));
	for (size_t i = 0; i < l->evidence.nr; i++)
		vsc_table_row(et, vsc_val_str(l->evidence.lines[i]));

	f = vsc_report_finding_of(rep, &lock_contended, "CPU%s %s spin%s on %s",
				  l->nr_spinners == 1 ? "" : "s", cpus,
				  l->nr_spinners == 1 ? "s" : "", title);
	vsc_finding_fact(f, "lock", l->addr ? vsc_val_addr(l->addr) : vsc_val_absent(NULL));
	vsc_finding_fact(f, "waiting_cpus", cpu_items ? vsc_val_list(cpu_items, l->nr_spinners)
						      : vsc_val_absent("out of memory"));
	free(cpu_items);
	vsc_finding_evidence_at(f, vsc_ref_table(wt), "lock identified with %s confidence",
				vsc_confidence_name(l->confidence));
	for (size_t i = 0; i < l->nr_holders; i++)
		vsc_finding_evidence_at(f, vsc_ref_row(ht, i), "holder candidate: CPU %d%s%s (%s "
					"confidence)", l->holders[i].cpu,
					l->holders[i].function ? " in " : "",
					l->holders[i].function ? l->holders[i].function : "",
					vsc_confidence_name(l->holders[i].confidence));
	if (!l->nr_holders)
		vsc_finding_evidence(f, "no holder candidate on any CPU");
}

static struct vsc_error *locks_run(struct vsc_analysis *a)
{
	struct vsc_section *s = vsc_report_section(a->report, "locks", "Contended spinlocks");
	const struct vsc_lock_names *ln;
	const struct vsc_cpu_stacks *cs;
	const void *p;
	struct vsc_locks_options lo;
	struct vsc_locks_report r;
	struct vsc_error *err;

	VSC_TRY(lock_names_get(a, s, &ln));
	lo = (struct vsc_locks_options){ .names = ln->names, .nr_names = ln->nr };
	err = vsc_analysis_get(a, VSC_PRODUCT_STACKS, &p);
	if (err && err->kind == VSC_ERR_NOMEM)
		return err;
	vsc_error_destroy(err);         /* without it, the engine unwinds each CPU itself */
	cs = p;
	if (cs) {
		lo.stacks = cs->stacks;
		lo.stack_errors = cs->errors;
		lo.nr_stacks = cs->nr_cpus;
	}
	err = vsc_locks_analyze(a->target, &lo, &r);
	if (err) {
		vsc_section_take_error(s, err, "analysing spinlocks");
		return NULL;
	}
	vsc_section_kv(s, "cpus_unwound", vsc_val_uint(r.cpus_unwound));
	vsc_section_kv(s, "contended_locks", vsc_val_uint(r.nr_locks));
	vsc_section_kv(s, "spinlock_kind", vsc_val_str(r.test_and_set
							       ? "test-and-set (virt_spin_lock)"
							       : "queued (qspinlock)"));
	for (size_t i = 0; i < r.notes.nr; i++)
		vsc_section_note(s, "%s", r.notes.lines[i]);
	if (!r.nr_locks)
		vsc_section_para(s, "No CPU spins in a spinlock slowpath.");
	for (size_t k = 0; k < r.nr_locks; k++)
		add_lock(a->report, s, k, &r.locks[k]);
	vsc_locks_report_deinit(&r);
	return NULL;
}

static const struct vsc_finding_kind *const lock_kinds[] = { &lock_contended, NULL };

const struct vsc_analyzer vsc_analyzer_locks = {
	.abi = VSC_ANALYZER_ABI,
	.name = "locks",
	.summary = "contended spinlocks: waiters in queue order, holder candidates",
	.run = locks_run,
	.finding_kinds = lock_kinds,
};
