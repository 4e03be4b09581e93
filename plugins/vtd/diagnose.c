// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The lockup diagnosis as report findings: the judge (judge.c) decides, this
 * file only words its result, with the evidence and next steps, and points
 * the evidence at the rows of the queue tables.  The verdict line says what
 * the sources allow (a lockup, a suspicion and why, a hang elsewhere, or
 * health), the root cause first; the lockup finding carries the causal
 * chain and every in-flight batch's submitter.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "diagnose.h"

/* Finding kinds: declared once; ids are the JSON "kind" values. */
#define VTD_FINDINGS(X)                                                                       \
	X(LOCKUP_DEVTLB, "qi-devtlb-hang", CRITICAL,                                           \
	  "a device-TLB (ATS) invalidation never completed; submitters are stuck in qi_submit_sync") \
	X(LOCKUP_BATCH, "qi-batch-hang", CRITICAL,                                             \
	  "an invalidation batch never completed; submitters are stuck in qi_submit_sync")      \
	X(SUSPECTED, "qi-lockup-suspected", ERROR,                                             \
	  "a source shows a VT-d lockup, but another disagrees or could not be read")          \
	X(IQE, "qi-iqe", ERROR, "the hardware rejected a descriptor (Invalidation Queue Error)")  \
	X(ATS_OFF, "qi-devtlb-ats-off", ERROR,                                                 \
	  "a device-TLB invalidation was sent to a device whose ATS is disabled")              \
	X(ITE, "qi-ite", ERROR, "a device-TLB invalidation timed out (Invalidation Time-out Error)") \
	X(QUEUE_FULL, "qi-queue-full", ERROR, "the invalidation queue is full; submitters wait for slots") \
	X(ELSEWHERE, "hang-elsewhere", WARNING,                                                \
	  "the system hung (a lockup report or a stall panic) and no VT-d source shows why")   \
	X(SILENT_WAIT, "qi-wait-silent", WARNING,                                              \
	  "a wait descriptor never completed and no queue fault was logged")                    \
	X(LOCK_OUTSIDER, "qi-lock-outsider", WARNING,                                          \
	  "q_lock is contended by a CPU that is not in queued-invalidation code")              \
	X(EVEN_SLOT, "qi-even-slot-ite", WARNING,                                              \
	  "matches the 6.12-6.19 ITE recovery bug (wait descriptor at an even slot)")          \
	X(INCONSISTENT, "qi-inconsistent", WARNING, "the queue's bookkeeping is inconsistent")  \
	X(IN_FLIGHT, "qi-in-flight", INFO, "invalidations were in flight at dump time")

enum vtd_finding_id {
#define X(e, id, sev, summary) F_##e,
	VTD_FINDINGS(X)
#undef X
};

static const struct vsc_finding_kind finding_kinds[] = {
#define X(e, id, sev, summary) [F_##e] = { id, VSC_SEV_##sev, summary, NULL },
	VTD_FINDINGS(X)
#undef X
};

/* The same kinds for the analyzer's descriptor (documentation, `explain`). */
const struct vsc_finding_kind *const vtd_finding_kinds[] = {
#define X(e, id, sev, summary) &finding_kinds[F_##e],
	VTD_FINDINGS(X)
#undef X
	NULL,
};

/* ---- small text helpers ---- */

/* Append to @buf (@size bytes, @len used): never past the end, always terminated. */
static void VSC_PRINTF(4, 5) tadd(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len >= size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len = *len + (size_t)n < size ? *len + (size_t)n : size - 1;
}

/* Evidence pointing at a slot's row when the slot table shows it; plain text otherwise. */
static void slot_evidence(struct vsc_finding *f, const struct vtd_report_refs *refs, int ui, int slot,
			  const char *text)
{
	if (refs && ui < VTD_MAX_UNITS && refs->slots[ui] && slot >= 0 && slot < VTD_QI_LENGTH &&
	    refs->slot_row[ui][slot] != VSC_NO_ROW)
		vsc_finding_evidence_at(f, vsc_ref_row(refs->slots[ui], refs->slot_row[ui][slot]), "%s", text);
	else
		vsc_finding_evidence(f, "%s", text);
}

/* Evidence pointing at a batch's row when the batch table shows it. */
static void batch_evidence(struct vsc_finding *f, const struct vtd_report_refs *refs, int ui, int b,
			   const char *text)
{
	if (refs && ui < VTD_MAX_UNITS && refs->batches[ui] && b >= 0 && b < VTD_MAX_BATCHES &&
	    refs->batch_row[ui][b] != VSC_NO_ROW)
		vsc_finding_evidence_at(f, vsc_ref_row(refs->batches[ui], refs->batch_row[ui][b]), "%s", text);
	else
		vsc_finding_evidence(f, "%s", text);
}

static void device_text(const struct vtd_model *m, uint16_t seg, uint16_t sid, char *buf,
			size_t size)
{
	const struct vtd_pci *p = vtd_pci_find(m, seg, sid);

	if (p)
		snprintf(buf, size, "%s (%s%s%04x:%04x)", p->name, p->driver[0] ? p->driver : "",
			 p->driver[0] ? ", " : "", p->vendor, p->device);
	else
		vtd_bdf_text(seg, sid, buf, size);
}

/* "ATS enabled, state normal" of the device behind @sid, or why it is not known. */
static void device_state(const struct vtd_model *m, uint16_t seg, uint16_t sid, char *buf, size_t size)
{
	const struct vtd_pci *p = vtd_pci_find(m, seg, sid);

	if (p)
		snprintf(buf, size, "ATS %s, link/error state %s",
			 !p->ats_known ? "unknown" : p->ats_enabled ? "enabled" : "disabled",
			 vtd_pci_state(p->error_state));
	else
		snprintf(buf, size, "no PCI device with that source-id in the dump");
}

/* "CPU1,CPU2" of the views @idx[@n]. */
static void cpus_text(const struct cpu_view *cpus, const unsigned int *idx, int n, char *buf,
		      size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int k = 0; k < n; k++)
		tadd(buf, size, &len, "%sCPU%u", k ? "," : "", cpus[idx[k]].cpu);
}

/* "CPU1, CPU2" of the CPU numbers @c[@n]. */
static void cpu_numbers_text(const unsigned int *c, int n, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int k = 0; k < n; k++)
		tadd(buf, size, &len, "%sCPU%u", k ? ", " : "", c[k]);
}

/* ---- what a CPU is doing, in words ---- */

/*
 * "flush-queue timer: fq_flush_timeout" (its role) and "fq_flush_timeout"
 * (the verdict's label); a module's function with its module and, when
 * @sys knows it, the module's taint: "qihang_fn [vtdscen, taint OE]".
 */
static void cpu_role_text(const struct cpu_view *v, const struct vtd_cpu_verdict *r,
			  const struct sys_view *sys, char *role, size_t role_size, char *label,
			  size_t label_size)
{
	int c = r->caller_frame;

	if (r->role && c >= 0) {
		snprintf(role, role_size, "%s: %s", r->role, v->func[c]);
		snprintf(label, label_size, "%s", v->func[c]);
	} else if (c >= 0 && v->module[c]) {
		const char *taint = sys_module_taint(sys, v->module[c]);

		snprintf(role, role_size, "%s [%s%s%s]", v->func[c], v->module[c],
			 taint && taint[0] ? ", taint " : "", taint && taint[0] ? taint : "");
		snprintf(label, label_size, "%s [%s]", v->func[c], v->module[c]);
	} else if (c >= 0) {
		snprintf(role, role_size, "%s", v->func[c]);
		snprintf(label, label_size, "%s", v->func[c]);
	} else {
		snprintf(role, role_size, "qi_submit_sync");
		snprintf(label, label_size, "qi_submit_sync");
	}
}

/* "IRQs off (RFLAGS 0x2)": the interrupted context's flags, "" when not known. */
static void irqs_text(const struct cpu_view *v, const struct vtd_cpu_verdict *r, char *buf, size_t size)
{
	if (r->irqs == VTD_IRQS_UNKNOWN)
		snprintf(buf, size, "IRQs unknown (no saved RFLAGS)");
	else
		snprintf(buf, size, "IRQs %s (RFLAGS 0x%" PRIx64 ")", r->irqs == VTD_IRQS_OFF ? "off" : "on",
			 v->flags[r->chain_first]);
}

/* ", in an interrupt over default_idle" when qi_submit_sync runs on the IRQ stack. */
static void irq_context_text(const struct cpu_view *v, const struct vtd_cpu_verdict *r, char *buf,
			     size_t size)
{
	buf[0] = '\0';
	if (!r->in_irq)
		return;
	if (r->interrupted_frame >= 0 && v->func[r->interrupted_frame])
		snprintf(buf, size, ", in interrupt context over %s", v->func[r->interrupted_frame]);
	else
		snprintf(buf, size, ", in interrupt context");
}

static const char *found_by_text(const struct vtd_cpu_verdict *r, char *buf, size_t size)
{
	switch (r->by) {
	case VTD_ATTR_STATUS:
		return "its desc_status address on the stack";
	case VTD_ATTR_DESC_PTR:
		if (r->qi_batch)
			snprintf(buf, size, "its struct qi_batch at 0x%" PRIx64 " (pointer %s), whose "
				 "descriptors and index equal the batch's", r->batch_addr,
				 r->batch_in_regs ? "in its registers" : "on its stack");
		else
			snprintf(buf, size, "a pointer %s to a copy of all its descriptors at 0x%" PRIx64,
				 r->batch_in_regs ? "in its registers" : "on its stack", r->batch_addr);
		return buf;
	case VTD_ATTR_DESC:
		return "its descriptors on the stack";
	default:
		return "?";
	}
}

/* The shown stack: from the interrupted context, 12 frames. */
static void chain_text(const struct cpu_view *v, const struct vtd_cpu_verdict *r, char *buf, size_t size)
{
	size_t n = 0;
	int first = r->chain_first;

	buf[0] = '\0';
	for (int i = first; i < v->nframes && i < first + 12; i++)
		tadd(buf, size, &n, "%s%s", i > first ? " <- " : "", v->func[i] ? v->func[i] : "?");
}

/* One CPU in qi_submit_sync: what it does, its IRQs, its stack (its batch is in the owners). */
static void describe_cpu(struct vsc_finding *f, const struct cpu_view *v, const struct sys_view *sys,
			 const struct vtd_cpu_verdict *r)
{
	char chain[320], role[128], label[96], irqs[64], ctx[96];

	cpu_role_text(v, r, sys, role, sizeof(role), label, sizeof(label));
	chain_text(v, r, chain, sizeof(chain));
	irqs_text(v, r, irqs, sizeof(irqs));
	irq_context_text(v, r, ctx, sizeof(ctx));
	vsc_finding_evidence(f, "CPU%u (%s) %s, %s%s; stack: %s", v->cpu, role,
			     r->entering ? "waits for q_lock to enter qi_submit_sync" :
			     r->state == VTD_CPU_SPINNING ? "spins on q_lock in qi_submit_sync" :
			     r->batch >= 0 ? "polls its wait descriptor in qi_submit_sync" :
			     "polls in qi_submit_sync", irqs, ctx, chain);
}

/* ---- the causal chain ---- */

static const char *const victim_how[] = {
	[VTD_VICTIM_BEHIND] = "polls in qi_submit_sync",
	[VTD_VICTIM_QLOCK] = "spins on q_lock in qi_submit_sync",
	[VTD_VICTIM_IPI] = "waits for an IPI or TLB-flush answer in",
	[VTD_VICTIM_RT_LOCK] = "waits for an rt_mutex/spinlock_t (PREEMPT_RT) in",
	[VTD_VICTIM_SPIN] = "spins on a spinlock (see the locks section) in",
	[VTD_VICTIM_STALLED] = "is named stalled by the lockup report; its stack shows",
};

/* Whose q_lock a CPU spins on: its batch's unit, the stuck unit, the only unit with a queue. */
static const char *qlock_unit(const struct vtd_model *m, const struct vtd_judgement *j,
			      const struct vtd_cpu_verdict *r)
{
	int only = -1;

	if (r->unit >= 0)
		return m->units[r->unit].name;
	if (j->chain.unit >= 0)
		return m->units[j->chain.unit].name;
	for (int ui = 0; ui < j->nr_units; ui++) {
		if (j->units[ui].cls == VTD_QUEUE_ABSENT)
			continue;
		if (only >= 0)
			return "a unit's";
		only = ui;
	}
	return only >= 0 ? m->units[only].name : "a unit's";
}

/* "CPU2 (fq_flush_timeout) polls in qi_submit_sync for batch 109-111" */
static void victim_text(const struct vtd_model *m, const struct cpu_view *cpus,
			const struct sys_view *sys, const struct vtd_judgement *j,
			const struct vtd_victim *vi, bool irqs, char *buf, size_t size)
{
	const struct cpu_view *v = &cpus[vi->cpu];
	const struct vtd_cpu_verdict *r = &j->cpus[vi->cpu];
	char role[128], label[96];
	size_t n = 0;

	buf[0] = '\0';
	if (r->state != VTD_CPU_NOT_QI) {
		cpu_role_text(v, r, sys, role, sizeof(role), label, sizeof(label));
		tadd(buf, size, &n, "CPU%u (%s) ", v->cpu, label);
		if (r->state == VTD_CPU_SPINNING)
			tadd(buf, size, &n, "spins on %s q_lock", qlock_unit(m, j, r));
		else
			tadd(buf, size, &n, "polls in qi_submit_sync");
		if (r->batch >= 0)
			tadd(buf, size, &n, " for batch %d-%d", m->units[r->unit].batches[r->batch].first,
			     m->units[r->unit].batches[r->batch].wait);
		else if (r->entering)
			tadd(buf, size, &n, " to enter");
	} else {
		int fr = r->wait_frame >= 0 ? r->wait_frame : r->chain_first;

		tadd(buf, size, &n, "CPU%u %s %s", v->cpu, victim_how[vi->how],
		     fr < v->nframes && v->func[fr] ? v->func[fr] : "?");
	}
	if (irqs && r->irqs != VTD_IRQS_UNKNOWN)
		tadd(buf, size, &n, ", IRQs %s", r->irqs == VTD_IRQS_OFF ? "off" : "on");
}

/* ", then: RCU stall (CPU1, CPU2); panic on CPU0" for the verdict line. */
static void chain_tail_text(const struct sys_view *sys, const struct vtd_judgement *j, char *buf,
			    size_t size)
{
	const struct vtd_chain *c = &j->chain;
	size_t n = 0;

	buf[0] = '\0';
	if (!sys)
		return;
	if (c->event >= 0) {
		const struct sys_event *e = &sys->events[c->event];
		char list[128];

		cpu_numbers_text(e->cpus, e->nr_cpus, list, sizeof(list));
		tadd(buf, size, &n, "; then %s%s%s%s", sys_event_name(c->event), list[0] ? " (" : "",
		     list, list[0] ? ")" : "");
	}
	if (sys->panicked) {
		const char *why = strstr(sys->panic, "not syncing: ");

		why = why ? why + strlen("not syncing: ") : sys->panic;
		tadd(buf, size, &n, "%s panic", n ? "," : "; then");
		if (sys->panic_cpu >= 0)
			tadd(buf, size, &n, " on CPU%d", sys->panic_cpu);
		tadd(buf, size, &n, " (%.60s)", why);
	}
}

static void add_chain(struct vsc_finding *f, const struct vtd_model *m, const struct cpu_view *cpus,
		      const struct sys_view *sys, const struct vtd_judgement *j)
{
	const struct vtd_chain *c = &j->chain;
	unsigned int victims[VTD_MAX_VICTIMS], off[VTD_MAX_VICTIMS];
	int step = 1, noff = 0;
	char text[640], v[256], list[128];

	if (c->root >= 0) {
		const struct cpu_view *rv = &cpus[c->root];
		const struct vtd_cpu_verdict *r = &j->cpus[c->root];
		char role[128], label[96], it[64], ctx[96];

		cpu_role_text(rv, r, sys, role, sizeof(role), label, sizeof(label));
		irqs_text(rv, r, it, sizeof(it));
		irq_context_text(rv, r, ctx, sizeof(ctx));
		if (c->batch >= 0)
			snprintf(text, sizeof(text), "chain %d: CPU%u (%s) submitted %s batch %d-%d and %s, %s%s",
				 step++, rv->cpu, role, m->units[c->unit].name,
				 m->units[c->unit].batches[c->batch].first,
				 m->units[c->unit].batches[c->batch].wait,
				 r->state == VTD_CPU_SPINNING ? "spins on q_lock between polls of its wait descriptor"
							      : "polls its wait descriptor", it, ctx);
		else
			snprintf(text, sizeof(text), "chain %d: CPU%u (%s) %s, %s%s", step++, rv->cpu, role,
				 r->state == VTD_CPU_SPINNING ? "spins on q_lock in qi_submit_sync"
							      : "polls in qi_submit_sync", it, ctx);
		vsc_finding_evidence(f, "%s", text);
		if (r->irqs == VTD_IRQS_OFF)
			off[noff++] = (unsigned int)c->root;
	} else if (c->batch >= 0) {
		vsc_finding_evidence(f, "chain %d: the submitter of %s batch %d-%d is not known (see its owner below)",
				     step++, m->units[c->unit].name, m->units[c->unit].batches[c->batch].first,
				     m->units[c->unit].batches[c->batch].wait);
	}
	for (int k = 0; k < c->nr_victims; k++) {
		const struct vtd_cpu_verdict *r = &j->cpus[c->victims[k].cpu];
		char ctx[96];

		victims[k] = c->victims[k].cpu;
		victim_text(m, cpus, sys, j, &c->victims[k], true, v, sizeof(v));
		irq_context_text(&cpus[c->victims[k].cpu], r, ctx, sizeof(ctx));
		vsc_finding_evidence(f, "chain %d: waiting on it: %s%s%s", step, v, ctx,
				     c->batch >= 0 && r->unit == c->unit && r->batch > c->batch ?
				     " (queued behind the stuck batch: the hardware runs the queue in order)" : "");
		if (r->irqs == VTD_IRQS_OFF && noff < VTD_MAX_VICTIMS)
			off[noff++] = c->victims[k].cpu;
	}
	if (c->nr_victims)
		step++;
	if (c->nr_victims) {
		cpus_text(cpus, victims, c->nr_victims, list, sizeof(list));
		vsc_finding_fact(f, "victim_cpus", vsc_val_str(list));
	}
	cpus_text(cpus, off, noff, list, sizeof(list));
	vsc_finding_fact(f, "irqs_off_cpus", vsc_val_str(list));
	if (c->root >= 0)
		vsc_finding_fact(f, "root_cpu", vsc_val_uint(cpus[c->root].cpu));
	if (!sys)
		return;
	if (c->event >= 0) {
		const struct sys_event *e = &sys->events[c->event];

		cpu_numbers_text(e->cpus, e->nr_cpus, list, sizeof(list));
		snprintf(text, sizeof(text), "chain %d: the %s detector fired at %" PRIu64 ".%06" PRIu64
			 ": \"%s\"%s%s%s", step++, sys_event_name(c->event), e->ts / 1000000000,
			 (e->ts / 1000) % 1000000, e->text, list[0] ? "; stalled: " : "", list,
			 e->count > 1 ? " (reported again later)" : "");
		if (e->detector >= 0) {
			size_t n = strlen(text);

			tadd(text, sizeof(text), &n, "; detected by CPU%d", e->detector);
		}
		vsc_finding_evidence(f, "%s", text);
		vsc_finding_fact(f, "lockup_report", vsc_val_str(sys_event_name(c->event)));
		{
			size_t n = 0;

			list[0] = '\0';
			for (int k = 0; k < e->nr_cpus; k++)
				tadd(list, sizeof(list), &n, "%sCPU%u", k ? "," : "", e->cpus[k]);
		}
		vsc_finding_fact(f, "stalled_cpus", vsc_val_str(list));
	}
	if (sys->panicked) {
		const struct cpu_view *pv = c->panic_view >= 0 ? &cpus[c->panic_view] : NULL;
		const struct vtd_cpu_verdict *pr = c->panic_view >= 0 ? &j->cpus[c->panic_view] : NULL;

		snprintf(text, sizeof(text), "chain %d: \"%s\" at %" PRIu64 ".%06" PRIu64, step++, sys->panic,
			 sys->panic_ts / 1000000000, (sys->panic_ts / 1000) % 1000000);
		if (sys->panic_cpu >= 0) {
			size_t n = strlen(text);

			tadd(text, sizeof(text), &n, " on CPU%d", sys->panic_cpu);
			if (pr && pr->panic_caller >= 0 && pv->func[pr->panic_caller])
				tadd(text, sizeof(text), &n, ", called from %s", pv->func[pr->panic_caller]);
		}
		if (c->event < 0 && j->fusion.panic_stall) {
			size_t n = strlen(text);

			tadd(text, sizeof(text), &n, " (the detector's own report is not in the dump's log)");
		}
		vsc_finding_evidence(f, "%s", text);
		vsc_finding_fact(f, "panic", vsc_val_str(sys->panic));
		if (sys->panic_cpu >= 0)
			vsc_finding_fact(f, "panic_cpu", vsc_val_int(sys->panic_cpu));
	}
}

/* ---- every in-flight batch's submitter ---- */

static const char *owner_why_text(const struct vtd_judgement *j, const struct cpu_view *cpus,
				  enum vtd_owner_why why, bool live, char *buf, size_t size)
{
	size_t n = 0;

	switch (why) {
	case VTD_OWNER_COMPLETED:
		return "its wait descriptor completed: the submitter has left or is leaving "
		       "qi_submit_sync, the slots wait to be reclaimed";
	case VTD_OWNER_NO_STACKS:
		return "no CPU stacks could be read";
	case VTD_OWNER_CUT:
		tadd(buf, size, &n, "no CPU is seen in qi_submit_sync, but not every stack was read to "
		     "its end (");
		for (unsigned int c = 0, k = 0; c < j->nr_cpus; c++)
			if (cpus[c].cut)
				tadd(buf, size, &n, "%sCPU%u: %s", k++ ? ", " : "", cpus[c].cpu,
				     cpus[c].cut_why ? cpus[c].cut_why : "cut");
		if (j->nr_missing)
			tadd(buf, size, &n, "%s%u CPU(s) without a stack", j->nr_cut ? ", " : "", j->nr_missing);
		tadd(buf, size, &n, "): its submitter may be there");
		return buf;
	case VTD_OWNER_NO_CPU:
		return live ? "no CPU is in qi_submit_sync (the live queue and stacks were read at "
			      "different times)" :
			      "no CPU is in qi_submit_sync, although its submitter polls with IRQs off "
			      "until the wait completes: the stacks and the queue disagree";
	case VTD_OWNER_UNNAMED:
		tadd(buf, size, &n, "no stack names it; in qi_submit_sync without a batch:");
		for (unsigned int c = 0; c < j->nr_cpus; c++)
			if (j->cpus[c].state != VTD_CPU_NOT_QI && j->cpus[c].batch < 0)
				tadd(buf, size, &n, " CPU%u", cpus[c].cpu);
		return buf;
	case VTD_OWNER_NONE_LEFT:
		return "every CPU in qi_submit_sync owns another batch: the stacks and the queue disagree";
	default:
		return "?";
	}
}

#define OWNERS_SHOWN 8

static void add_owners(struct vsc_finding *f, const struct vtd_model *m, const struct cpu_view *cpus,
		       const struct sys_view *sys, const struct vtd_judgement *j, int ui,
		       const struct vtd_report_refs *refs)
{
	const struct vtd_unit *u = &m->units[ui];
	const struct vtd_unit_verdict *uv = &j->units[ui];
	struct vsc_value items[OWNERS_SHOWN];
	struct vsc_member mem[OWNERS_SHOWN][4];
	char slots[OWNERS_SHOWN][16], whys[OWNERS_SHOWN][200];
	int shown = 0, rest[VTD_OWNER_NONE_LEFT + 1] = { 0 };
	bool live = sys && sys->live;

	for (int b = 0; b < u->nr_batches && b < VTD_MAX_BATCHES; b++) {
		const struct vtd_batch *bt = &u->batches[b];
		const struct vtd_batch_owner *o = &uv->owners[b];
		char text[512], buf[200], by[160];

		if (shown == OWNERS_SHOWN) {
			rest[o->why]++;
			continue;
		}
		snprintf(slots[shown], sizeof(slots[0]), "%d-%d", bt->first, bt->wait);
		if (o->why == VTD_OWNER_FOUND) {
			const struct vtd_cpu_verdict *r = &j->cpus[o->cpu];
			char role[128], label[96];

			cpu_role_text(&cpus[o->cpu], r, sys, role, sizeof(role), label, sizeof(label));
			snprintf(text, sizeof(text), "batch %d (slots %s, %s): submitted by CPU%u (%s), found by %s",
				 b, slots[shown], vtd_qi_status_name(bt->wait_status), cpus[o->cpu].cpu, label,
				 found_by_text(r, by, sizeof(by)));
			snprintf(whys[shown], sizeof(whys[0]), "%s", found_by_text(r, by, sizeof(by)));
		} else {
			snprintf(whys[shown], sizeof(whys[0]), "%s",
				 owner_why_text(j, cpus, o->why, live, buf, sizeof(buf)));
			snprintf(text, sizeof(text), "batch %d (slots %s, %s): owner unknown, because %s",
				 b, slots[shown], vtd_qi_status_name(bt->wait_status), whys[shown]);
		}
		batch_evidence(f, refs, ui, b, text);
		mem[shown][0] = (struct vsc_member){ "batch", vsc_val_int(b) };
		mem[shown][1] = (struct vsc_member){ "slots", vsc_val_str(slots[shown]) };
		mem[shown][2] = o->why == VTD_OWNER_FOUND ?
				(struct vsc_member){ "cpu", vsc_val_uint(cpus[o->cpu].cpu) } :
				(struct vsc_member){ "cpu", vsc_val_absent("owner unknown") };
		mem[shown][3] = (struct vsc_member){ o->why == VTD_OWNER_FOUND ? "found_by" : "why",
						     vsc_val_str(whys[shown]) };
		items[shown] = vsc_val_object(mem[shown], 4);
		shown++;
	}
	for (int w = 0; w <= VTD_OWNER_NONE_LEFT; w++) {
		char buf[200];

		if (rest[w])
			vsc_finding_evidence(f, "%d more batch(es): owner unknown, because %s", rest[w],
					     owner_why_text(j, cpus, (enum vtd_owner_why)w, live, buf, sizeof(buf)));
	}
	vsc_finding_fact(f, "batch_owners", vsc_val_list(items, (size_t)shown));
}

/* ---- the sources ---- */

static const char *const source_state[] = {
	[VTD_SOURCE_UNREADABLE] = "unreadable",
	[VTD_SOURCE_PARTIAL] = "partial",
	[VTD_SOURCE_QUIET] = "quiet",
	[VTD_SOURCE_ACTIVE] = "active",
	[VTD_SOURCE_HANG] = "hang",
};

/* One line on what each source shows, and the same as a "sources" fact. */
static void add_sources(struct vsc_finding *f, const struct vtd_model *m, const struct cpu_view *cpus,
			const struct sys_view *sys, const struct vtd_judgement *j)
{
	const struct vtd_fusion *fu = &j->fusion;
	char text[1024];
	size_t n = 0;
	unsigned int qi[16];
	int nqi = 0;

	for (unsigned int c = 0; c < j->nr_cpus && nqi < 16; c++)
		if (j->cpus[c].state != VTD_CPU_NOT_QI)
			qi[nqi++] = c;
	tadd(text, sizeof(text), &n, "sources: queue state %s (%d pending batch(es)", source_state[fu->queue],
	     fu->queue_pending);
	if (fu->queue_unreadable)
		tadd(text, sizeof(text), &n, ", %d unit(s) unreadable", fu->queue_unreadable);
	if (fu->queue_inconsistent)
		tadd(text, sizeof(text), &n, ", %d unit(s) inconsistent", fu->queue_inconsistent);
	tadd(text, sizeof(text), &n, "); CPU stacks %s (", source_state[fu->stacks]);
	if (!j->have_stacks) {
		tadd(text, sizeof(text), &n, "none could be read");
	} else {
		char list[128];

		cpus_text(cpus, qi, nqi, list, sizeof(list));
		tadd(text, sizeof(text), &n, "%u read, %s in qi_submit_sync", j->nr_cpus, nqi ? list : "none");
		if (fu->stacks_missing)
			tadd(text, sizeof(text), &n, ", %u without a stack", fu->stacks_missing);
	}
	tadd(text, sizeof(text), &n, "); log %s (", source_state[fu->log]);
	if (!sys || !sys->log_read) {
		tadd(text, sizeof(text), &n, "not read%s%s", sys && sys->log_error[0] ? ": " : "",
		     sys ? sys->log_error : "");
	} else {
		size_t n0 = n;

		if (m->log_iqe)
			tadd(text, sizeof(text), &n, "%d IQE report(s)%s", m->log_iqe,
			     sys->iqe_open ? ", the last not cleared" : "");
		if (m->log_ite)
			tadd(text, sizeof(text), &n, "%s%d ITE report(s)%s", n > n0 ? ", " : "", m->log_ite,
			     sys->ite_open ? ", the last not cleared" : "");
		if (m->log_ice)
			tadd(text, sizeof(text), &n, "%s%d ICE report(s)", n > n0 ? ", " : "", m->log_ice);
		for (int k = 0; k < SYS_EVENT_KIND_COUNT; k++)
			if (sys->events[k].present)
				tadd(text, sizeof(text), &n, "%s%s", n > n0 ? ", " : "",
				     sys_event_name((enum sys_event_kind)k));
		if (sys->panicked)
			tadd(text, sizeof(text), &n, "%spanic \"%s\"", n > n0 ? ", " : "", sys->panic);
		if (sys->log_error[0])
			tadd(text, sizeof(text), &n, "%spart unread: %s", n > n0 ? ", " : "", sys->log_error);
		if (n == n0)
			tadd(text, sizeof(text), &n, "no queue fault, lockup report or panic");
	}
	tadd(text, sizeof(text), &n, "); q_lock words %s", source_state[fu->locks]);
	if (fu->lock_orphan_unit >= 0)
		tadd(text, sizeof(text), &n, " (%s q_lock 0x%08x held with no CPU in queued-invalidation code)",
		     m->units[fu->lock_orphan_unit].name, m->units[fu->lock_orphan_unit].q_lock);
	vsc_finding_evidence(f, "%s", text);
	vsc_finding_fact(f, "sources", vsc_val_object_of(
		{ "queue", vsc_val_str(source_state[fu->queue]) },
		{ "stacks", vsc_val_str(source_state[fu->stacks]) },
		{ "log", vsc_val_str(source_state[fu->log]) },
		{ "lock_words", vsc_val_str(source_state[fu->locks]) }));
}

/* ---- per unit ---- */

static void report_bookkeeping(struct vsc_report *rep, const struct vtd_unit *u,
			       const struct vtd_unit_verdict *uv, const struct vtd_report_refs *refs,
			       int ui)
{
	struct vsc_finding *f;

	if (uv->free_cnt_bad) {
		f = vsc_report_finding_of(rep, &finding_kinds[F_INCONSISTENT],
					  "%s: free_cnt %d does not match free_head %d / free_tail %d (expected %d)",
					  u->name, u->free_cnt, u->free_head, u->free_tail,
					  uv->free_cnt_expected);
		vsc_finding_next(f, "the queue bookkeeping was corrupted or read mid-update; "
				    "treat slot states with care");
	}
	if (u->garbage_status) {
		f = vsc_report_finding_of(rep, &finding_kinds[F_INCONSISTENT],
					  "%s: %d desc_status entries hold impossible values",
					  u->name, u->garbage_status);
		for (int i = 0; i < uv->nr_garbage_slots; i++)
			vsc_finding_evidence(f, "slot %d status %d", uv->garbage_slots[i],
					     u->slots[uv->garbage_slots[i]].status);
		vsc_finding_next(f, "desc_status may be overwritten (memory corruption?)");
	}
	for (int k = 0; k < uv->nr_stray_wait_batches; k++) {
		const struct vtd_batch *bt = &u->batches[uv->stray_wait_batches[k]];
		char text[160];

		f = vsc_report_finding_of(rep, &finding_kinds[F_INCONSISTENT],
					  "%s: wait descriptor in slot %d does not write its own desc_status entry",
					  u->name, bt->wait);
		snprintf(text, sizeof(text), "status address 0x%" PRIx64 ", desc_status[%d] is at 0x%" PRIx64,
			 u->slots[bt->wait].dec.wait_status_addr, bt->wait,
			 (uint64_t)(u->desc_status_phys + 4ull * (unsigned)bt->wait));
		slot_evidence(f, refs, ui, bt->wait, text);
	}
	if (uv->stray_in_use_slot >= 0)
		vsc_report_finding_of(rep, &finding_kinds[F_INCONSISTENT],
				      "%s: slot %d is in use but outside free_tail..free_head",
				      u->name, uv->stray_in_use_slot);
}

/* The rejected descriptor in words: "Device-TLB Invalidation to 0000:01:00.0 (...)". */
static void desc_text(const struct vtd_model *m, const struct vtd_unit *u, int slot, char *buf,
		      size_t size)
{
	const struct vtd_decoded *d = &u->slots[slot].dec;
	char dev[96];

	if (d->targets_device && d->has_sid) {
		device_text(m, u->segment, d->sid, dev, sizeof(dev));
		snprintf(buf, size, "%s to %s", d->type_name, dev);
	} else {
		snprintf(buf, size, "%s", d->type_name);
	}
}

/* What is wrong with the descriptor in @slot: "reserved bit set: qw1 bit 1", or "". */
static void desc_fault_text(const struct vtd_unit *u, int slot, char *buf, size_t size)
{
	const struct vtd_decoded *d = &u->slots[slot].dec;
	char bits[96];
	int nbits = __builtin_popcountll(d->reserved_bits[0]) + __builtin_popcountll(d->reserved_bits[1]);

	buf[0] = '\0';
	if (nbits) {
		vtd_reserved_text(d->reserved_bits, bits, sizeof(bits));
		snprintf(buf, size, "reserved bit%s set: %s", nbits > 1 ? "s" : "", bits);
	} else if (!vtd_qi_type_short(d->type)) {
		snprintf(buf, size, "descriptor type 0x%x is not defined", d->type);
	}
}

/* The CPU that submitted the batch holding @slot, -1. */
static int slot_owner(const struct vtd_unit *u, const struct vtd_unit_verdict *uv, int slot)
{
	int b = slot >= 0 ? u->slots[slot].batch : -1;

	return b >= 0 && b < u->nr_batches ? uv->owners[b].cpu : -1;
}

/* "qihang_fn [vtdscen, taint OE] on CPU1" of view @c, or "" */
static void builder_text(const struct cpu_view *cpus, const struct sys_view *sys,
			 const struct vtd_judgement *j, int c, char *buf, size_t size)
{
	char role[128], label[96];
	const struct vtd_cpu_verdict *r;

	buf[0] = '\0';
	if (c < 0)
		return;
	r = &j->cpus[c];
	cpu_role_text(&cpus[c], r, sys, role, sizeof(role), label, sizeof(label));
	snprintf(buf, size, "%s on CPU%u", r->caller_frame >= 0 && cpus[c].module[r->caller_frame] ?
		 role : label, cpus[c].cpu);
}

/* The root cause of unit @ui's oldest pending batch in a few words ("" when none). */
static void cause_text(const struct vtd_model *m, const struct vtd_judgement *j, int ui,
		       char *buf, size_t size)
{
	const struct vtd_unit *u = &m->units[ui];
	const struct vtd_unit_verdict *uv = &j->units[ui];
	char what[160], fault[128];
	size_t n = 0;

	buf[0] = '\0';
	switch (uv->cause) {
	case VTD_CAUSE_IQE:
		if (uv->head_slot >= 0) {
			desc_text(m, u, uv->head_slot, what, sizeof(what));
			desc_fault_text(u, uv->head_slot, fault, sizeof(fault));
			tadd(buf, size, &n, "the hardware rejected slot %d (Invalidation Queue Error): %s%s%s",
			     uv->head_slot, what, fault[0] ? ", " : "", fault);
		} else {
			tadd(buf, size, &n, "the hardware rejected a descriptor (Invalidation Queue Error)");
		}
		break;
	case VTD_CAUSE_ATS_OFF:
		device_text(m, u->segment, u->slots[uv->ats_off_slot].dec.sid, what, sizeof(what));
		tadd(buf, size, &n, "slot %d sends a device-TLB invalidation to %s, whose ATS is disabled",
		     uv->ats_off_slot, what);
		break;
	case VTD_CAUSE_ITE:
		if (uv->dev_slot >= 0) {
			device_text(m, u->segment, u->slots[uv->dev_slot].dec.sid, what, sizeof(what));
			tadd(buf, size, &n, "a device-TLB invalidation to %s timed out (Invalidation "
			     "Time-out Error)", what);
		} else {
			tadd(buf, size, &n, "an Invalidation Time-out Error");
		}
		break;
	case VTD_CAUSE_FAULT_ELSEWHERE:
		tadd(buf, size, &n, "a queue fault is logged for a unit the dump cannot name");
		break;
	case VTD_CAUSE_SILENT:
		tadd(buf, size, &n, "no fault reported");
		break;
	case VTD_CAUSE_UNKNOWN:
		tadd(buf, size, &n, "the log could not be read: any fault report is unseen");
		break;
	default:
		break;
	}
	if (uv->full)
		tadd(buf, size, &n, "%squeue full (free_cnt %d)", n ? "; " : "", u->free_cnt);
}

/* The lockup's headline: what the root cause is, on which unit, which slots. */
static void headline(const struct vtd_model *m, const struct cpu_view *cpus,
		     const struct sys_view *sys, const struct vtd_judgement *j, int ui,
		     const char *dev, char *buf, size_t size, size_t *n)
{
	const struct vtd_unit *u = &m->units[ui];
	const struct vtd_unit_verdict *uv = &j->units[ui];
	const struct vtd_batch *b0 = &u->batches[uv->oldest];
	char what[160], fault[128], builder[192];

	switch (uv->cause) {
	case VTD_CAUSE_IQE:
		if (uv->head_slot >= 0) {
			desc_text(m, u, uv->head_slot, what, sizeof(what));
			desc_fault_text(u, uv->head_slot, fault, sizeof(fault));
			builder_text(cpus, sys, j, slot_owner(u, uv, uv->head_slot), builder, sizeof(builder));
			tadd(buf, size, n, "LOCKUP: %s rejected the descriptor in slot %d (Invalidation Queue "
			     "Error): %s%s%s%s%s", u->name, uv->head_slot, what, fault[0] ? ", " : "", fault,
			     builder[0] ? ", built by " : "", builder);
		} else {
			tadd(buf, size, n, "LOCKUP: %s rejected a descriptor (Invalidation Queue Error) and "
			     "batch %d-%d never completed", u->name, b0->first, b0->wait);
			if (uv->dev_slot >= 0)
				tadd(buf, size, n, " (it holds a device-TLB invalidation to %s)", dev);
		}
		break;
	case VTD_CAUSE_ATS_OFF:
		device_text(m, u->segment, u->slots[uv->ats_off_slot].dec.sid, what, sizeof(what));
		tadd(buf, size, n, "LOCKUP: device-TLB invalidation to %s, whose ATS is disabled, never "
		     "completed on %s (slot %d, batch %d-%d)", what, u->name, uv->ats_off_slot, b0->first,
		     b0->wait);
		break;
	case VTD_CAUSE_ITE:
		if (uv->dev_slot >= 0) {
			device_state(m, u->segment, u->slots[uv->dev_slot].dec.sid, what, sizeof(what));
			tadd(buf, size, n, "LOCKUP: device-TLB invalidation to %s timed out on %s "
			     "(Invalidation Time-out Error, slots %d-%d): the device did not answer (%s)",
			     dev, u->name, b0->first, b0->wait, what);
		}
		else
			tadd(buf, size, n, "LOCKUP: invalidation batch at slots %d-%d never completed on %s "
			     "after an Invalidation Time-out Error", b0->first, b0->wait, u->name);
		break;
	case VTD_CAUSE_FAULT_ELSEWHERE:
		if (uv->dev_slot >= 0)
			tadd(buf, size, n, "LOCKUP: device-TLB invalidation to %s never completed on %s "
			     "(slots %d-%d); a queue fault is logged for a unit the dump cannot name",
			     dev, u->name, b0->first, b0->wait);
		else
			tadd(buf, size, n, "LOCKUP: invalidation batch at slots %d-%d never completed on %s; "
			     "a queue fault is logged for a unit the dump cannot name", b0->first, b0->wait,
			     u->name);
		break;
	default:
		if (uv->dev_slot >= 0)
			tadd(buf, size, n, "LOCKUP: device-TLB invalidation to %s never completed on %s "
			     "(slots %d-%d), %s", dev, u->name, b0->first, b0->wait,
			     uv->cause == VTD_CAUSE_UNKNOWN ? "the log unread (a fault report would be "
			     "unseen)" : "no fault reported");
		else
			tadd(buf, size, n, "LOCKUP: invalidation batch at slots %d-%d never completed on %s, "
			     "%s", b0->first, b0->wait, u->name, uv->cause == VTD_CAUSE_UNKNOWN ?
			     "the log unread (a fault report would be unseen)" : "no fault reported");
		break;
	}
	if (uv->full)
		tadd(buf, size, n, "; queue full (free_cnt %d)", u->free_cnt);
}

/* The lockup's next step, root cause first. */
static void next_step(struct vsc_finding *f, const struct vtd_model *m, const struct cpu_view *cpus,
		      const struct sys_view *sys, const struct vtd_judgement *j, int ui, const char *dev)
{
	const struct vtd_unit *u = &m->units[ui];
	const struct vtd_unit_verdict *uv = &j->units[ui];
	const struct vtd_batch *b0 = &u->batches[uv->oldest];
	char full[160] = "", builder[192], what[160], fault[128];

	if (uv->full)
		snprintf(full, sizeof(full), "the queue is full (free_cnt %d) only because its oldest "
			 "batch never completes: ", u->free_cnt);
	switch (uv->cause) {
	case VTD_CAUSE_IQE:
		if (uv->head_slot < 0) {
			vsc_finding_next(f, "%sthe hardware rejected a descriptor but the dump does not tell "
					 "which (see the fault finding); check the fields of batch %d-%d "
					 "against VT-d spec 6.5.2; qi_submit_sync() has no time-out: every later "
					 "submitter on %s hangs too", full, b0->first, b0->wait, u->name);
			return;
		}
		desc_text(m, u, uv->head_slot, what, sizeof(what));
		desc_fault_text(u, uv->head_slot, fault, sizeof(fault));
		builder_text(cpus, sys, j, slot_owner(u, uv, uv->head_slot), builder, sizeof(builder));
		vsc_finding_next(f, "%sfix the code that built the descriptor: %s submitted a %s%s%s "
				 "(VT-d spec 6.5.2)%s; qi_submit_sync() has no time-out, so every later "
				 "submitter on %s hangs too",
				 full, builder[0] ? builder : "its submitter (not identified)", what,
				 fault[0] ? " with " : "", fault,
				 uv->head_not_first ? "; nothing clears this IQE: the rejected slot is not "
						      "its batch's first" : "", u->name);
		return;
	case VTD_CAUSE_ATS_OFF:
		device_text(m, u->segment, u->slots[uv->ats_off_slot].dec.sid, what, sizeof(what));
		builder_text(cpus, sys, j, slot_owner(u, uv, uv->ats_off_slot), builder, sizeof(builder));
		vsc_finding_next(f, "%sfind why a device-TLB invalidation went to %s while its ATS is "
				 "disabled (submitted by %s): a device without ATS never answers it; check "
				 "the driver's ATS disable and reset path and whether the flush path checks "
				 "ats_enabled", full, what, builder[0] ? builder : "a submitter not identified");
		return;
	case VTD_CAUSE_ITE:
		if (uv->dev_slot >= 0) {
			device_state(m, u->segment, u->slots[uv->dev_slot].dec.sid, what, sizeof(what));
			vsc_finding_next(f, "%sthe device %s, %s, did not answer the ATS invalidation in time: "
					 "check its link and AER state (lspci -vv), whether its driver was "
					 "resetting it, and its firmware; qi_submit_sync() restarts the "
					 "aborted batch without end", full, dev, what);
		} else {
			vsc_finding_next(f, "%sa device did not answer an ATS invalidation in time (see the "
					 "ITE finding): check the device behind the logged SID", full);
		}
		return;
	case VTD_CAUSE_FAULT_ELSEWHERE:
		vsc_finding_next(f, "%sa queue fault is logged but the dump cannot tie it to %s: see the "
				 "fault finding; qi_submit_sync() has no time-out", full, u->name);
		return;
	default:
		if (uv->cause == VTD_CAUSE_UNKNOWN) {
			vsc_finding_next(f, "%sthe kernel log could not be read, so an IQE or ITE report "
					 "would be unseen: read the log from the console or the journal; "
					 "if it holds none, check %s: its ATS and link state "
					 "(lspci -vv, AER), or suspect a lost completion write", full,
					 uv->dev_slot >= 0 ? dev : "the hardware");
			return;
		}
		if (uv->dev_slot >= 0) {
			device_state(m, u->segment, u->slots[uv->dev_slot].dec.sid, what, sizeof(what));
			vsc_finding_next(f, "%sno fault was reported: before 5.13 an ITE is silent, so check "
					 "%s first (%s): its ATS and link state (lspci -vv, AER); otherwise "
					 "suspect a lost completion write (status address 0x%" PRIx64 ")",
					 full, dev, what, u->slots[b0->wait].dec.wait_status_addr);
		} else {
			vsc_finding_next(f, "%sno fault was reported and the batch holds no device-TLB "
					 "invalidation: suspect the hardware or a lost completion write "
					 "(status address 0x%" PRIx64 ", desc_status[%d] is at 0x%" PRIx64 ")",
					 full, u->slots[b0->wait].dec.wait_status_addr, b0->wait,
					 (uint64_t)(u->desc_status_phys + 4ull * (unsigned)b0->wait));
		}
		return;
	}
}

/* "; CPU1 (...) spins on dmar0 q_lock for batch 140-142, IRQs off; waiting on it: ..." */
static void verdict_cpus(const struct vtd_model *m, const struct cpu_view *cpus,
			 const struct sys_view *sys, const struct vtd_judgement *j, char *buf,
			 size_t size, size_t *n)
{
	const struct vtd_chain *c = &j->chain;
	char v[256];

	if (c->root >= 0) {
		struct vtd_victim root = { (unsigned int)c->root, VTD_VICTIM_BEHIND };

		victim_text(m, cpus, sys, j, &root, true, v, sizeof(v));
		tadd(buf, size, n, "; %s", v);
	} else if (c->batch >= 0) {
		tadd(buf, size, n, "; its submitter is not known");
	}
	for (int k = 0; k < c->nr_victims; k++) {
		victim_text(m, cpus, sys, j, &c->victims[k], false, v, sizeof(v));
		tadd(buf, size, n, "%s%s", k ? "; " : "; waiting on it: ", v);
	}
}

static void cpu_list(const struct vtd_judgement *j, const struct cpu_view *cpus,
		     enum vtd_cpu_state st, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < j->nr_cpus; i++)
		if (j->cpus[i].state == st)
			tadd(buf, size, &len, "%sCPU%u", len ? "," : "", cpus[i].cpu);
}

static void report_lockup(struct vsc_report *rep, const struct vtd_model *m,
			  const struct cpu_view *cpus, const struct sys_view *sys,
			  const struct vtd_judgement *j, int ui, const char *dev,
			  const struct vtd_report_refs *refs)
{
	const struct vtd_unit *u = &m->units[ui];
	const struct vtd_unit_verdict *uv = &j->units[ui];
	const struct vtd_batch *b0 = &u->batches[uv->oldest];
	int devslot = uv->dev_slot;
	const struct vsc_finding_kind *k = &finding_kinds[devslot >= 0 ? F_LOCKUP_DEVTLB : F_LOCKUP_BATCH];
	char verdict[2048], spinners[64], pollers[64], tail[160], text[256];
	size_t vn = 0;
	struct vsc_finding *f;
	bool first_hang = ui == j->verdict_unit;     /* the unit of the verdict line */

	cpu_list(j, cpus, VTD_CPU_SPINNING, spinners, sizeof(spinners));
	cpu_list(j, cpus, VTD_CPU_POLLING, pollers, sizeof(pollers));
	verdict[0] = '\0';
	headline(m, cpus, sys, j, ui, dev, verdict, sizeof(verdict), &vn);
	if (first_hang) {
		verdict_cpus(m, cpus, sys, j, verdict, sizeof(verdict), &vn);
		chain_tail_text(sys, j, tail, sizeof(tail));
		tadd(verdict, sizeof(verdict), &vn, "%s", tail);
	}
	/* Without stacks the queue and the log make it a suspicion: report_suspected() words that. */
	f = vsc_report_finding_of(rep, k, "%s", verdict);
	if (first_hang && j->fusion.verdict == VTD_VERDICT_LOCKUP)
		vsc_report_set_verdict(rep, "%s", verdict);
	snprintf(text, sizeof(text), "oldest unfinished batch: slots %d-%d, %d descriptor(s), wait slot %d is %s",
		 b0->first, b0->wait, b0->count, b0->wait, vtd_qi_status_name(b0->wait_status));
	batch_evidence(f, refs, ui, uv->oldest, text);
	if (devslot >= 0) {
		const struct vtd_pci *p = vtd_pci_find(m, u->segment, u->slots[devslot].dec.sid);
		char fields[256], stext[400];

		vtd_qi_fields_text(&u->slots[devslot].dec, fields, sizeof(fields));
		snprintf(stext, sizeof(stext), "slot %d: %s %s", devslot, u->slots[devslot].dec.type_name,
			 fields);
		slot_evidence(f, refs, ui, devslot, stext);
		if (p)
			vsc_finding_evidence(f, "source-id %02x:%02x.%u is %s, driver %s, ATS %s, state %s",
					     p->bus, p->devfn >> 3, p->devfn & 7, p->name,
					     p->driver[0] ? p->driver : "none",
					     !p->ats_known ? "unknown" : p->ats_enabled ? "enabled" : "off",
					     vtd_pci_state(p->error_state));
		else
			vsc_finding_evidence(f, "source-id %s matches no PCI device in the dump", dev);
	}
	vsc_finding_evidence(f, "%d batch(es) queued behind it; free_head %d, free_tail %d, free_cnt %d",
			     u->nr_batches - uv->oldest - 1, u->free_head, u->free_tail, u->free_cnt);
	vsc_finding_evidence(f, "%s q_lock word 0x%08x", u->name, u->q_lock);
	if (first_hang)
		add_chain(f, m, cpus, sys, j);
	add_owners(f, m, cpus, sys, j, ui, refs);
	for (unsigned int i = 0; i < j->nr_cpus; i++)
		if (j->cpus[i].state != VTD_CPU_NOT_QI)
			describe_cpu(f, &cpus[i], sys, &j->cpus[i]);
	if (!j->have_stacks)
		vsc_finding_evidence(f, "no CPU stacks available: submitters not identified");
	add_sources(f, m, cpus, sys, j);
	if (spinners[0] || pollers[0])
		vsc_finding_fact(f, "spinning_cpus", vsc_val_str(spinners));
	vsc_finding_fact(f, "polling_cpus", vsc_val_str(pollers));
	vsc_finding_fact(f, "unit", vsc_val_str(u->name));
	vsc_finding_fact(f, "first_slot", vsc_val_int(b0->first));
	vsc_finding_fact(f, "wait_slot", vsc_val_int(b0->wait));
	vsc_finding_fact(f, "cause", vsc_val_str(
		uv->cause == VTD_CAUSE_IQE ? "iqe" : uv->cause == VTD_CAUSE_ATS_OFF ? "ats-off" :
		uv->cause == VTD_CAUSE_ITE ? "ite" : uv->cause == VTD_CAUSE_FAULT_ELSEWHERE ?
		"fault-elsewhere" : uv->cause == VTD_CAUSE_UNKNOWN ? "unknown" : "silent"));
	if (uv->cause == VTD_CAUSE_IQE && uv->head_slot >= 0) {
		char fault[128];

		vsc_finding_fact(f, "rejected_slot", vsc_val_int(uv->head_slot));
		desc_fault_text(u, uv->head_slot, fault, sizeof(fault));
		if (fault[0])
			vsc_finding_fact(f, "rejected_because", vsc_val_str(fault));
	}
	if (uv->full)
		vsc_finding_fact(f, "queue_full", vsc_val_bool(true));
	if (devslot >= 0) {
		char bdf[16];

		vtd_bdf_text(u->segment, u->slots[devslot].dec.sid, bdf, sizeof(bdf));
		vsc_finding_fact(f, "device", vsc_val_str(bdf));
	}
	next_step(f, m, cpus, sys, j, ui, dev);
}

static void report_iqe(struct vsc_report *rep, const struct vtd_model *m,
		       const struct cpu_view *cpus, const struct sys_view *sys,
		       const struct vtd_judgement *j, int ui, const struct vtd_report_refs *refs)
{
	const struct vtd_unit *u = &m->units[ui];
	const struct vtd_unit_verdict *uv = &j->units[ui];
	const struct vtd_head_match *hm = &uv->head;
	int head_slot = uv->head_slot;
	struct vsc_finding *f;

	f = vsc_report_finding_of(rep, &finding_kinds[F_IQE],
				  "%s: Invalidation Queue Error: the hardware rejected %s (logged %d times)",
				  u->name, head_slot >= 0 ? "the descriptor at the queue head" :
				  "a descriptor", m->log_iqe);
	if (m->nr_units > 1)
		vsc_finding_evidence(f, "unit: %s", j->owner.iqe_why);
	if (head_slot >= 0) {
		const struct vtd_slot *s = &u->slots[head_slot];
		char fields[256], text[640], fault[128], builder[192];

		vtd_qi_fields_text(&s->dec, fields, sizeof(fields));
		snprintf(text, sizeof(text),
			 "the log's QI HEAD (%s qw0 = 0x%" PRIx64 ", qw1 = 0x%" PRIx64 ") is slot %d, "
			 "in flight in batch %d-%d: %s", m->log_head_type, m->log_head_qw0,
			 m->log_head_qw1, head_slot,
			 s->batch >= 0 ? u->batches[s->batch].first : head_slot,
			 s->batch >= 0 ? u->batches[s->batch].wait : head_slot, fields);
		slot_evidence(f, refs, ui, head_slot, text);
		if (hm->nr_in_flight > 1 || hm->nr_stale) {
			char list[64] = "";
			size_t n = 0;

			for (int k = 0; k < hm->nr_others; k++)
				tadd(list, sizeof(list), &n, "%s%d", k ? ", " : "", hm->others[k]);
			vsc_finding_evidence(f, "%s: slot%s %s%s also hold%s that descriptor (%d in flight, "
						"%d free or done: old copies left as the ring wrapped); "
						"slot %d is taken as the head because the hardware runs "
						"the queue in order and it is in the oldest batch in flight",
					     hm->nr_in_flight > 1 ? "ambiguous" : "not ambiguous",
					     hm->nr_in_flight + hm->nr_stale - 1 > 1 ? "s" : "", list,
					     hm->nr_in_flight + hm->nr_stale - 1 > hm->nr_others ? ", ..." : "",
					     hm->nr_in_flight + hm->nr_stale - 1 > 1 ? "" : "s",
					     hm->nr_in_flight, hm->nr_stale, head_slot);
		}
		desc_fault_text(u, head_slot, fault, sizeof(fault));
		if (uv->head_reserved)
			vsc_finding_evidence(f, "slot %d: %s (reserved masks qw0 0x%" PRIx64 ", qw1 0x%" PRIx64
						"): an invalid descriptor",
					     head_slot, fault, s->dec.reserved_bits[0], s->dec.reserved_bits[1]);
		if (uv->head_not_first)
			vsc_finding_evidence(f, "slot %d is not the first of its batch (%d-%d): qi_check_fault() "
						"only clears IQE when the head is a batch's first slot, so nobody clears it "
						"and every submitter polls forever",
					     head_slot, u->batches[s->batch].first, u->batches[s->batch].wait);
		builder_text(cpus, sys, j, slot_owner(u, uv, head_slot), builder, sizeof(builder));
		if (builder[0])
			vsc_finding_evidence(f, "built by %s: its batch holds slot %d", builder, head_slot);
		else if (s->batch >= 0 && s->batch < u->nr_batches)
			vsc_finding_evidence(f, "its submitter is not known (see the batch owners above)");
		if (builder[0]) {
			vsc_finding_evidence(f, "log: %d IQE report(s), %d 'IQE cleared', %d fault-status interrupt(s)",
					     m->log_iqe, m->log_iqe_cleared, m->log_fault_reg);
			vsc_finding_next(f, "fix the code that built the descriptor (%s)%s%s; check its fields "
					 "against VT-d spec 6.5.2", builder, fault[0] ? ": " : "", fault);
			return;
		}
	} else if (hm->slot >= 0) {
		vsc_finding_evidence(f, "the log's QI HEAD (%s qw0 = 0x%" PRIx64 ", qw1 = 0x%" PRIx64 ") "
					"matches only free or done slot(s), first %d: an old copy left as the "
					"ring wrapped, not the descriptor in flight; the head slot is unknown",
				     m->log_head_type, m->log_head_qw0, m->log_head_qw1, hm->slot);
	} else if (m->log_qi_head) {
		vsc_finding_evidence(f, "the log's QI HEAD (%s qw0 = 0x%" PRIx64 ", qw1 = 0x%" PRIx64 ") "
					"is in no slot of %s", m->log_head_type, m->log_head_qw0,
				     m->log_head_qw1, u->name);
	}
	vsc_finding_evidence(f, "log: %d IQE report(s), %d 'IQE cleared', %d fault-status interrupt(s)",
			     m->log_iqe, m->log_iqe_cleared, m->log_fault_reg);
	vsc_finding_next(f, "find who built the rejected descriptor (the submitter above) and "
			    "check its fields against VT-d spec 6.5.2");
}

static void report_ite(struct vsc_report *rep, const struct vtd_model *m,
		       const struct vtd_judgement *j, int ui)
{
	const struct vtd_unit *u = &m->units[ui];
	const struct vtd_unit_verdict *uv = &j->units[ui];
	struct vsc_finding *f;

	f = vsc_report_finding_of(rep, &finding_kinds[F_ITE],
				  "%s: Invalidation Time-out: a device did not answer a device-TLB invalidation%s",
				  u->name, uv->ite_restarting ? "; aborted batches are being restarted" : "");
	if (m->nr_units > 1 && uv->ite_logged_here)
		vsc_finding_evidence(f, "unit: %s", j->owner.ite_why);
	else if (m->nr_units > 1 && m->log_ite)
		vsc_finding_evidence(f, "the log's ITE reports are not tied to %s: %s",
				     u->name, j->owner.ite_why);
	if (m->log_ite_sid_valid && uv->ite_logged_here) {
		char d2[96], st[96];

		device_text(m, u->segment, (uint16_t)m->log_ite_sid, d2, sizeof(d2));
		device_state(m, u->segment, (uint16_t)m->log_ite_sid, st, sizeof(st));
		vsc_finding_evidence(f, "log: ITE SID 0x%" PRIx64 " = %s: %s", m->log_ite_sid, d2, st);
	}
	if (uv->ite_logged_here)
		vsc_finding_evidence(f, "%d slot(s) in QI_ABORT; log: %d ITE report(s), %d 'ITE cleared'",
				     u->counted[VTD_QI_ABORT], m->log_ite, m->log_ite_cleared);
	else
		vsc_finding_evidence(f, "%d slot(s) in QI_ABORT", u->counted[VTD_QI_ABORT]);
	vsc_finding_next(f, "the device behind the SID stopped answering ATS invalidations; "
			    "check its link/AER state and firmware");
	if (uv->even_slot) {
		struct vsc_finding *g = vsc_report_finding_of(rep, &finding_kinds[F_EVEN_SLOT],
			"%s: the pending wait descriptor sits at even slot %d on a kernel that batches "
			"invalidations (qi_batch_flush_descs)", u->name, u->batches[uv->oldest].wait);

		vsc_finding_evidence(g, "before commit fe89277c9ceb the ITE handler walks odd slots only, so an even-slot "
					"wait is never aborted and its owner polls forever (or the walk never ends)");
		vsc_finding_next(g, "check whether this kernel carries fe89277c9ceb (\"iommu/vt-d: ... ITE ... any slot\")");
	}
}

/* A queue fault the log ties to @ui, with nothing pending there. */
static void report_idle_fault(struct vsc_report *rep, const struct vtd_model *m,
			      const struct sys_view *sys, const struct vtd_judgement *j, int ui)
{
	const struct vtd_unit *u = &m->units[ui];
	const struct vtd_unit_verdict *uv = &j->units[ui];
	struct vsc_finding *f;

	if (uv->idle_iqe) {
		bool open = sys && sys->iqe_open;

		f = vsc_report_finding_of(rep, &finding_kinds[F_IQE],
					  "%s: the log reports %d Invalidation Queue Error(s)%s, but nothing is "
					  "pending on %s's queue", u->name, m->log_iqe,
					  open ? ", the last never cleared" : "", u->name);
		if (m->nr_units > 1)
			vsc_finding_evidence(f, "unit: %s", j->owner.iqe_why);
		if (m->log_qi_head)
			vsc_finding_evidence(f, "the log's QI HEAD: %s qw0 = 0x%" PRIx64 ", qw1 = 0x%" PRIx64,
					     m->log_head_type, m->log_head_qw0, m->log_head_qw1);
		vsc_finding_evidence(f, "log: %d IQE report(s), %d 'IQE cleared', %d fault-status interrupt(s)",
				     m->log_iqe, m->log_iqe_cleared, m->log_fault_reg);
		vsc_finding_next(f, open ? "the hardware stops fetching descriptors while IQE is set: a "
					   "queue that looks idle here contradicts the log (see the verdict)" :
					   "the fault was cleared (its submitter got -EINVAL); find who "
					   "built the rejected descriptor");
	}
	if (uv->idle_ite) {
		f = vsc_report_finding_of(rep, &finding_kinds[F_ITE],
					  "%s: the log reports %d Invalidation Time-out Error(s), but nothing is "
					  "pending on %s's queue", u->name, m->log_ite, u->name);
		if (m->log_ite_sid_valid) {
			char d2[96], st[96];

			device_text(m, u->segment, (uint16_t)m->log_ite_sid, d2, sizeof(d2));
			device_state(m, u->segment, (uint16_t)m->log_ite_sid, st, sizeof(st));
			vsc_finding_evidence(f, "log: ITE SID 0x%" PRIx64 " = %s: %s", m->log_ite_sid, d2, st);
		}
		vsc_finding_evidence(f, "log: %d ITE report(s), %d 'ITE cleared'", m->log_ite,
				     m->log_ite_cleared);
		vsc_finding_next(f, "the device behind the SID did not answer an ATS invalidation in "
				    "time; check its link/AER state and firmware");
	}
}

static void report_unit(struct vsc_report *rep, const struct vtd_model *m,
			const struct cpu_view *cpus, const struct sys_view *sys,
			const struct vtd_judgement *j, int ui, const struct vtd_report_refs *refs)
{
	const struct vtd_unit *u = &m->units[ui];
	const struct vtd_unit_verdict *uv = &j->units[ui];
	const struct vtd_batch *b0;
	char dev[96] = "";
	struct vsc_finding *f;

	if (uv->cls == VTD_QUEUE_ABSENT)
		return;
	if (uv->cls == VTD_QUEUE_UNREADABLE) {
		if (u->qi_error)
			vsc_report_finding_of(rep, &finding_kinds[F_INCONSISTENT],
					      "%s: invalidation queue unreadable: %s", u->name,
					      u->qi_error->message);
		return;
	}
	report_bookkeeping(rep, u, uv, refs, ui);
	report_idle_fault(rep, m, sys, j, ui);
	if (uv->oldest < 0)
		return;
	b0 = &u->batches[uv->oldest];
	if (uv->dev_slot >= 0)
		device_text(m, u->segment, u->slots[uv->dev_slot].dec.sid, dev, sizeof(dev));
	if (uv->full) {
		f = vsc_report_finding_of(rep, &finding_kinds[F_QUEUE_FULL],
					  "%s: invalidation queue full (free_cnt %d); new submitters wait for slots",
					  u->name, u->free_cnt);
		vsc_finding_evidence(f, "%d of %d slots in flight in %d batch(es); the oldest, slots %d-%d, is %s",
				     VTD_QI_LENGTH - u->free_cnt, VTD_QI_LENGTH, u->nr_batches,
				     b0->first, b0->wait, vtd_qi_status_name(b0->wait_status));
		vsc_finding_next(f, "qi_submit_sync() spins until free_cnt >= count + 2; the queue drains "
				    "only when the hardware completes the oldest batch");
	}
	/* Without stacks a stuck-looking queue is a suspicion (report_suspected()), not a lockup. */
	if (uv->cls == VTD_QUEUE_IN_FLIGHT || !j->have_stacks) {
		f = vsc_report_finding_of(rep, &finding_kinds[F_IN_FLIGHT],
					  "%s: %d batch(es) in flight at dump time, oldest at slots %d-%d (%s); %s",
					  u->name, u->nr_batches, b0->first, b0->wait,
					  vtd_qi_status_name(b0->wait_status),
					  j->have_stacks ? "no CPU is waiting in qi_submit_sync" :
					  "no CPU stack was read to tell who waits");
		add_owners(f, m, cpus, sys, j, ui, refs);
	} else {
		report_lockup(rep, m, cpus, sys, j, ui, dev, refs);
	}
	/* What the hardware said, and what the device could not do. */
	if (uv->iqe)
		report_iqe(rep, m, cpus, sys, j, ui, refs);
	if (uv->ats_off_slot >= 0) {
		char what[96], builder[192];

		device_text(m, u->segment, u->slots[uv->ats_off_slot].dec.sid, what, sizeof(what));
		f = vsc_report_finding_of(rep, &finding_kinds[F_ATS_OFF],
					  "%s: slot %d sends a device-TLB invalidation to %s, whose ATS is disabled",
					  u->name, uv->ats_off_slot, what);
		builder_text(cpus, sys, j, slot_owner(u, uv, uv->ats_off_slot), builder, sizeof(builder));
		if (builder[0])
			vsc_finding_evidence(f, "submitted by %s", builder);
		vsc_finding_evidence(f, "pci_dev.ats_enabled is 0: the device does not translate with "
				     "ATS and never completes a device-TLB invalidation (VT-d spec 4.3)");
		vsc_finding_next(f, "find why the flush path sent a device-TLB invalidation to a device "
				    "with ATS off (a reset or a detach racing the flush?)");
	}
	if (uv->ite)
		report_ite(rep, m, j, ui);
	if (uv->cause == VTD_CAUSE_SILENT) {
		f = vsc_report_finding_of(rep, &finding_kinds[F_SILENT_WAIT],
					  "%s: wait descriptor at slot %d never completed and no queue fault was logged",
					  u->name, b0->wait);
		vsc_finding_evidence(f, "no IQE/ITE/ICE lines in the log and no QI_ABORT slots");
		vsc_finding_next(f, "before 5.13 an ITE is silent in the log; otherwise suspect the "
				    "hardware or a lost completion write (check the status address)");
	}
}

/* ---- the verdict the sources allow ---- */

/* "CPU1 (qihang_fn [vtdscen]) polls in qi_submit_sync" for up to three CPUs. */
static void pollers_text(const struct vtd_model *m, const struct cpu_view *cpus,
			 const struct sys_view *sys, const struct vtd_judgement *j, char *buf,
			 size_t size, size_t *n)
{
	int shown = 0;

	for (unsigned int i = 0; i < j->nr_cpus && shown < 3; i++) {
		struct vtd_victim vi = { i, VTD_VICTIM_BEHIND };
		char v[256];

		if (j->cpus[i].state == VTD_CPU_NOT_QI)
			continue;
		victim_text(m, cpus, sys, j, &vi, false, v, sizeof(v));
		tadd(buf, size, n, "%s%s", shown++ ? ", " : "", v);
	}
	if ((unsigned int)shown < j->waiting)
		tadd(buf, size, n, " and %u more", j->waiting - (unsigned int)shown);
}

static void report_suspected(struct vsc_report *rep, const struct vtd_model *m,
			     const struct cpu_view *cpus, const struct sys_view *sys,
			     const struct vtd_judgement *j)
{
	const struct vtd_fusion *fu = &j->fusion;
	char verdict[2048], tail[160];
	size_t n = 0, n0;
	struct vsc_finding *f;

	tadd(verdict, sizeof(verdict), &n, "LOCKUP SUSPECTED: ");
	n0 = n;
	/* what shows it */
	if (j->verdict_unit >= 0) {
		const struct vtd_unit *u = &m->units[j->verdict_unit];
		const struct vtd_unit_verdict *uv = &j->units[j->verdict_unit];
		char cause[384];

		cause_text(m, j, j->verdict_unit, cause, sizeof(cause));
		tadd(verdict, sizeof(verdict), &n, "%s batch %d-%d is pending and the log reports a queue "
		     "fault%s%s", u->name, u->batches[uv->oldest].first, u->batches[uv->oldest].wait,
		     cause[0] ? ": " : "", cause);
	}
	if (j->waiting) {
		tadd(verdict, sizeof(verdict), &n, "%s", n > n0 ? ", " : "");
		pollers_text(m, cpus, sys, j, verdict, sizeof(verdict), &n);
	}
	if (fu->fault_open)
		tadd(verdict, sizeof(verdict), &n, "%sthe log's last %s report was never cleared (%d in all)",
		     n > n0 ? ", " : "", sys->iqe_open ? "IQE" : sys->ite_open ? "ITE" : "ICE",
		     sys->iqe_open ? sys->iqe_reports : sys->ite_open ? sys->ite_reports : sys->ice_reports);
	if (fu->orphans) {
		const struct vtd_unit *u = &m->units[fu->orphan_unit];
		const struct vtd_batch *b0 = &u->batches[j->units[fu->orphan_unit].oldest];
		char cause[384];

		cause_text(m, j, fu->orphan_unit, cause, sizeof(cause));
		tadd(verdict, sizeof(verdict), &n, "%s%s has %d pending batch(es) no CPU waits for (the "
		     "oldest, slots %d-%d%s%s)", n > n0 ? ", " : "", u->name, fu->orphans, b0->first,
		     b0->wait, cause[0] ? ": " : "", cause);
	}
	if (fu->lock_orphan_unit >= 0)
		tadd(verdict, sizeof(verdict), &n, "%s%s q_lock is held (word 0x%08x) with no CPU in "
		     "queued-invalidation code", n > n0 ? ", " : "", m->units[fu->lock_orphan_unit].name,
		     m->units[fu->lock_orphan_unit].q_lock);
	chain_tail_text(sys, j, tail, sizeof(tail));
	tadd(verdict, sizeof(verdict), &n, "%s", tail);
	/* what disagrees, what could not be read */
	n0 = n;
	if (j->waiting && !fu->queue_pending && fu->queue != VTD_SOURCE_UNREADABLE) {
		tadd(verdict, sizeof(verdict), &n, "; but ");
		for (int ui = 0, k = 0; ui < j->nr_units; ui++)
			if (j->units[ui].cls != VTD_QUEUE_ABSENT && j->units[ui].cls != VTD_QUEUE_UNREADABLE)
				tadd(verdict, sizeof(verdict), &n, "%s%s", k++ ? ", " : "", m->units[ui].name);
		tadd(verdict, sizeof(verdict), &n, " show%s nothing pending",
		     fu->queue_unreadable + 1 < j->nr_units ? "" : "s");
	}
	if ((fu->fault_open || fu->lock_orphan_unit >= 0 || fu->orphans) && !j->waiting && j->have_stacks)
		tadd(verdict, sizeof(verdict), &n, "%sno CPU is%s in qi_submit_sync", n > n0 ? ", " : "; but ",
		     j->nr_cut || j->nr_missing ? " seen" : "");
	if (j->nr_cut || j->nr_missing)
		tadd(verdict, sizeof(verdict), &n, "%s%u CPU stack(s) could not be read to the end",
		     n > n0 ? ", " : "; but ", j->nr_cut + j->nr_missing);
	if (!j->active)
		tadd(verdict, sizeof(verdict), &n, "%sno DMAR unit was found in the dump%s",
		     n > n0 ? ", " : "; but ", sys && sys->dmar_units_logged ? " (the log announces some)" : "");
	if (fu->queue_unreadable)
		for (int ui = 0; ui < j->nr_units; ui++)
			if (j->units[ui].cls == VTD_QUEUE_UNREADABLE)
				tadd(verdict, sizeof(verdict), &n, "%s%s's queue could not be read",
				     n > n0 ? ", " : "; but ", m->units[ui].name);
	if (!j->have_stacks)
		tadd(verdict, sizeof(verdict), &n, "%sno CPU stack could be read", n > n0 ? ", " : "; but ");
	if (fu->log == VTD_SOURCE_UNREADABLE)
		tadd(verdict, sizeof(verdict), &n, "%sthe log could not be read", n > n0 ? ", " : "; but ");
	vsc_report_set_verdict(rep, "%s", verdict);
	f = vsc_report_finding_of(rep, &finding_kinds[F_SUSPECTED], "%s", verdict);
	add_sources(f, m, cpus, sys, j);
	add_chain(f, m, cpus, sys, j);
	for (unsigned int i = 0; i < j->nr_cpus; i++)
		if (j->cpus[i].state != VTD_CPU_NOT_QI)
			describe_cpu(f, &cpus[i], sys, &j->cpus[i]);
	if (m->log_qi_head)
		vsc_finding_evidence(f, "the log's QI HEAD: %s qw0 = 0x%" PRIx64 ", qw1 = 0x%" PRIx64,
				     m->log_head_type, m->log_head_qw0, m->log_head_qw1);
	if (!j->have_stacks) {
		vsc_finding_next(f, "no CPU stack could be read%s, so who waits in qi_submit_sync() is not "
				 "known: take a dump with every CPU's registers (kdump, or the "
				 "hypervisor's dump) to tell a lockup from work in flight",
				 sys && sys->live ? " (the live kernel has no saved registers)" : "");
		return;
	}
	vsc_finding_next(f, "the sources disagree, so one of them is wrong: a page of the queue "
			    "(struct q_inval, the ring, desc_status) or of a stack missing or damaged "
			    "in the dump hides the stuck batch; read them with `vtdscope qi DUMP "
			    "--all-slots` and `vtdscope bt DUMP`, and trust the side that two sources share");
}

static void report_elsewhere(struct vsc_report *rep, const struct vtd_model *m,
			     const struct cpu_view *cpus, const struct sys_view *sys,
			     const struct vtd_judgement *j)
{
	const struct vtd_chain *c = &j->chain;
	char verdict[1024], list[128];
	size_t n = 0;
	struct vsc_finding *f;

	tadd(verdict, sizeof(verdict), &n, "No VT-d invalidation-queue lockup, but the system hung: ");
	if (c->event >= 0) {
		const struct sys_event *e = &sys->events[c->event];

		cpu_numbers_text(e->cpus, e->nr_cpus, list, sizeof(list));
		tadd(verdict, sizeof(verdict), &n, "%s%s%s%s", sys_event_name(c->event),
		     list[0] ? " on " : "", list, sys->panicked ? ", " : "");
	}
	if (sys->panicked)
		tadd(verdict, sizeof(verdict), &n, "\"%s\"", sys->panic);
	tadd(verdict, sizeof(verdict), &n, "; the queues show nothing pending and no CPU is in qi_submit_sync");
	vsc_report_set_verdict(rep, "%s", verdict);
	f = vsc_report_finding_of(rep, &finding_kinds[F_ELSEWHERE], "%s", verdict);
	add_sources(f, m, cpus, sys, j);
	add_chain(f, m, cpus, sys, j);
	vsc_finding_next(f, "the hang is not in VT-d queued invalidation: look at the stalled CPUs' "
			    "stacks (vtdscope bt DUMP --cpu N) and the contended locks (vtdscope locks DUMP)");
}

/* Why a quiet result is not a verdict of health. */
static void report_incomplete(struct vsc_report *rep, const struct vtd_model *m,
			      const struct sys_view *sys, const struct vtd_judgement *j)
{
	const struct vtd_fusion *fu = &j->fusion;
	char why[768];
	size_t n = 0;

	why[0] = '\0';
	for (int ui = 0; ui < j->nr_units; ui++)
		if (j->units[ui].cls == VTD_QUEUE_UNREADABLE)
			tadd(why, sizeof(why), &n, "%s%s's queue could not be read", n ? "; " : "", m->units[ui].name);
	if (fu->queue_inconsistent)
		tadd(why, sizeof(why), &n, "%s%d queue(s) with inconsistent bookkeeping", n ? "; " : "",
		     fu->queue_inconsistent);
	if (fu->queue_pending)
		tadd(why, sizeof(why), &n, "%s%d batch(es) in flight with no CPU stacks to tell who waits",
		     n ? "; " : "", fu->queue_pending);
	if (!j->have_stacks)
		tadd(why, sizeof(why), &n, "%sno CPU stack could be read%s", n ? "; " : "",
		     sys && sys->live ? " (the live kernel has no saved registers)" : "");
	else if (fu->stacks_missing)
		tadd(why, sizeof(why), &n, "%s%u CPU(s) without a stack", n ? "; " : "", fu->stacks_missing);
	if (fu->log == VTD_SOURCE_UNREADABLE)
		tadd(why, sizeof(why), &n, "%sthe log could not be read%s%s", n ? "; " : "",
		     sys && sys->log_error[0] ? ": " : "", sys ? sys->log_error : "");
	else if (fu->log == VTD_SOURCE_PARTIAL)
		tadd(why, sizeof(why), &n, "%spart of the log could not be read: %s", n ? "; " : "",
		     sys->log_error);
	if (fu->locks == VTD_SOURCE_UNREADABLE || fu->locks == VTD_SOURCE_PARTIAL)
		tadd(why, sizeof(why), &n, "%snot every q_lock word could be read", n ? "; " : "");
	vsc_report_set_verdict(rep, "No VT-d invalidation-queue lockup seen, but not a verdict of health: %s",
			       why);
	/* A report with no finding must still not pass for complete (exit 5, never 0). */
	if (!j->have_stacks)
		vsc_report_error(rep, VSC_ERR_NODATA, "VT-d diagnosis: no CPU stack could be read, so a "
				 "CPU waiting in qi_submit_sync would not be seen");
	else
		vsc_report_error(rep, VSC_ERR_NODATA, "VT-d diagnosis incomplete: %s", why);
}

/* No DMAR unit was read: "not active" only when no other source shows one. */
static void report_inactive(struct vsc_report *rep, const struct vtd_model *m,
			    const struct cpu_view *cpus, const struct sys_view *sys,
			    const struct vtd_judgement *j)
{
	switch (j->fusion.verdict) {
	case VTD_VERDICT_SUSPECTED:
		report_suspected(rep, m, cpus, sys, j);
		break;
	case VTD_VERDICT_INCOMPLETE:
		vsc_report_set_verdict(rep, "No verdict on VT-d: the log announces %d DMAR unit(s)%s, but "
				       "none was found in the dump (%s)", sys->dmar_units_logged,
				       sys->iqe_reports || sys->ite_reports || sys->ice_reports ?
				       " and reports queue faults" : "",
				       m->intel_iommu_present ? "dmar_drhd_units is empty" :
				       "no symbol dmar_drhd_units");
		vsc_report_error(rep, VSC_ERR_NOTFOUND, "VT-d diagnosis: the log shows DMAR units the "
				 "dump's VT-d state does not have: nothing could be judged");
		break;
	default:
		vsc_report_set_verdict(rep, "VT-d is not active on this system: no DMAR units");
		break;
	}
}

void vtd_diagnose(struct vsc_report *rep, const struct vtd_model *m, const struct cpu_view *cpus,
		  const struct sys_view *sys, const struct vtd_judgement *j,
		  const struct vtd_report_refs *refs)
{
	if (!j->active) {
		report_inactive(rep, m, cpus, sys, j);
		return;
	}
	for (int ui = 0; ui < j->nr_units; ui++)
		report_unit(rep, m, cpus, sys, j, ui, refs);
	/* Faults the log reports but the dump cannot tie to one unit: say so once, on no unit. */
	if (m->log_iqe && j->owner.iqe_unit < 0) {
		struct vsc_finding *f = vsc_report_finding_of(rep, &finding_kinds[F_IQE],
			"Invalidation Queue Error on an unidentified DMAR unit (logged %d times)", m->log_iqe);

		vsc_finding_evidence(f, "%s", j->owner.iqe_why);
		if (m->log_qi_head)
			vsc_finding_evidence(f, "the log's QI HEAD: %s qw0 = 0x%" PRIx64 ", qw1 = 0x%" PRIx64,
					     m->log_head_type, m->log_head_qw0, m->log_head_qw1);
		vsc_finding_evidence(f, "log: %d IQE report(s), %d 'IQE cleared', %d fault-status interrupt(s)",
				     m->log_iqe, m->log_iqe_cleared, m->log_fault_reg);
	}
	if (m->log_ite && j->owner.ite_unit < 0) {
		struct vsc_finding *f = vsc_report_finding_of(rep, &finding_kinds[F_ITE],
			"Invalidation Time-out on an unidentified DMAR unit (logged %d times)", m->log_ite);

		vsc_finding_evidence(f, "%s", j->owner.ite_why);
		if (m->log_ite_sid_valid)
			vsc_finding_evidence(f, "log: ITE SID 0x%" PRIx64, m->log_ite_sid);
		vsc_finding_evidence(f, "log: %d ITE report(s), %d 'ITE cleared'", m->log_ite,
				     m->log_ite_cleared);
	}
	/* q_lock waiters that are not in QI code. */
	for (int k = 0; k < j->nr_outsiders; k++) {
		const struct cpu_view *v = &cpus[j->outsiders[k].cpu];
		const struct vtd_cpu_verdict *r = &j->cpus[j->outsiders[k].cpu];
		const char *in = "?";
		struct vsc_finding *f;

		/* the first function above the lock code */
		for (int i = r->chain_first; i < v->nframes; i++)
			if (v->func[i] && !strstr(v->func[i], "spin_lock")) {
				in = v->func[i];
				break;
			}
		f = vsc_report_finding_of(rep, &finding_kinds[F_LOCK_OUTSIDER],
			"CPU%u spins on %s q_lock outside qi_submit_sync (in %s)", v->cpu,
			m->units[j->outsiders[k].unit].name, in);
		vsc_finding_next(f, "a reader such as debugfs invalidation_queue takes q_lock; "
				    "it hangs on a wedged queue");
	}
	switch (j->fusion.verdict) {
	case VTD_VERDICT_LOCKUP:
		break;          /* report_lockup() set it */
	case VTD_VERDICT_SUSPECTED:
		report_suspected(rep, m, cpus, sys, j);
		break;
	case VTD_VERDICT_ELSEWHERE:
		report_elsewhere(rep, m, cpus, sys, j);
		break;
	case VTD_VERDICT_INCOMPLETE:
		report_incomplete(rep, m, sys, j);
		break;
	default:
		vsc_report_set_verdict(rep, "No VT-d invalidation-queue lockup: %d unit(s), %d batch(es) in "
				       "flight, no CPU waiting in qi_submit_sync; the queues, %u CPU stacks, "
				       "the log and the q_lock words agree", m->nr_units, j->in_flight,
				       j->nr_cpus);
		break;
	}
}
