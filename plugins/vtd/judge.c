// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The VT-d judge (see judge.h): from the rebuilt invalidation queues, the
 * log evidence in the model and the CPU stack views, what is wrong and who
 * is involved.  Pure: no target, no report, no state between calls.
 * Nothing here keys on a particular dump: slots, CPUs, devices and batch
 * sizes all come from the views.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "judge.h"

void vtd_reserved_text(const uint64_t reserved[2], char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int w = 0; w < 2 && n < size; w++) {
		uint64_t r = reserved[w];
		bool first = true;

		if (!r)
			continue;
		n += (size_t)snprintf(buf + n, size - n, "%sqw%d bit%s ", n ? ", " : "", w,
				      __builtin_popcountll(r) > 1 ? "s" : "");
		/* runs of set bits as "12-15" */
		for (int b = 0; b < 64 && n < size; b++) {
			int e = b;

			if (!(r >> b & 1))
				continue;
			while (e + 1 < 64 && r >> (e + 1) & 1)
				e++;
			n += (size_t)(e > b ? snprintf(buf + n, size - n, "%s%d-%d", first ? "" : ",", b, e)
					    : snprintf(buf + n, size - n, "%s%d", first ? "" : ",", b));
			first = false;
			b = e;
		}
	}
}

/* ---- lockup: what each CPU is doing ---- */

/*
 * Who calls qi_submit_sync, by a function on the stack above it.  Most
 * specific first: the first entry found anywhere above qi_submit_sync wins.
 */
static const struct {
	const char *func;
	const char *role;
} submitter_roles[] = {
	{ "fq_flush_timeout", "flush-queue timer" },
	{ "intel_iommu_iotlb_sync_map", "DMA map path" },
	{ "intel_iommu_tlb_sync", "strict DMA unmap" },
	{ "__iommu_dma_unmap", "DMA unmap, flush queue full" },
	{ "qi_flush_iec", "interrupt remapping" },
	{ "modify_irte", "interrupt remapping" },
	{ "prq_event_thread", "page-request handler" },
	{ "intel_svm_page_response", "page response" },
	{ "intel_iommu_page_response", "page response" },
	{ "intel_svm_drain_prq", "PRQ drain" },
	{ "intel_drain_pasid_prq", "PRQ drain" },
	{ "domain_context_clear_one", "device detach" },
	{ "intel_iommu_attach_device", "device attach" },
	{ "cache_tag_flush_range_np", "DMA map path" },
	{ "iommu_flush_iotlb_psi", "IOTLB flush" },
};

/* Wrappers that say nothing about who asked. */
static const char *const qi_wrappers[] = {
	"qi_flush_iotlb", "qi_flush_dev_iotlb", "qi_flush_context", "qi_flush_piotlb",
	"qi_flush_dev_iotlb_pasid", "qi_flush_pasid_cache", "qi_batch_flush_descs",
	"qi_global_iec", "__iommu_flush_dev_iotlb", "iommu_flush_dev_iotlb",
	"intel_flush_iotlb_all", "cache_tag_flush_all", "fq_flush_iotlb", "iommu_flush_iotlb_all",
	"qi_batch_add_iotlb", "qi_batch_add_dev_iotlb", "qi_batch_add_piotlb",
};

/* "qi_submit_sync.cold" is qi_submit_sync: GCC clones keep the name before the first dot. */
static bool func_is(const char *f, const char *name)
{
	size_t n = strlen(name);

	return f && !strncmp(f, name, n) && (f[n] == '\0' || f[n] == '.');
}

static bool is_slowpath(const char *f)
{
	return f && (strstr(f, "queued_spin_lock_slowpath") != NULL);
}

static bool is_wrapper(const char *f)
{
	for (size_t i = 0; i < sizeof(qi_wrappers) / sizeof(qi_wrappers[0]); i++)
		if (func_is(f, qi_wrappers[i]))
			return true;
	return false;
}

/* What a CPU outside queued invalidation waits for, by a function on its stack. */
static const struct {
	const char *func;
	enum vtd_wait wait;
} wait_funcs[] = {
	/* kernel/smp.c: the sender spins in csd_lock_wait() until every target ran the call */
	{ "smp_call_function_many_cond", VTD_WAIT_IPI },
	{ "smp_call_function_many", VTD_WAIT_IPI },
	{ "smp_call_function_single", VTD_WAIT_IPI },
	{ "smp_call_function", VTD_WAIT_IPI },
	{ "csd_lock_wait", VTD_WAIT_IPI },
	{ "on_each_cpu_cond_mask", VTD_WAIT_IPI },
	{ "native_flush_tlb_multi", VTD_WAIT_IPI },
	{ "flush_tlb_multi", VTD_WAIT_IPI },
	{ "multi_cpu_stop", VTD_WAIT_IPI },     /* stop_machine(): every CPU must take part */
	/* kernel/locking/rtmutex.c, spinlock_rt.c: sleeping locks on PREEMPT_RT */
	{ "rtmutex_spin_on_owner", VTD_WAIT_RT_LOCK },
	{ "rtlock_slowlock_locked", VTD_WAIT_RT_LOCK },
	{ "rtlock_slowlock", VTD_WAIT_RT_LOCK },
	{ "rt_spin_lock", VTD_WAIT_RT_LOCK },
	{ "rt_mutex_slowlock_block", VTD_WAIT_RT_LOCK },
	{ "__rt_mutex_slowlock_locked", VTD_WAIT_RT_LOCK },
	{ "rt_mutex_slowlock", VTD_WAIT_RT_LOCK },
	{ "rwbase_write_lock", VTD_WAIT_RT_LOCK },
	{ "rwbase_read_lock", VTD_WAIT_RT_LOCK },
};

/* How deep a stack is searched for what its CPU waits for. */
#define WAIT_DEPTH 16

static bool is_panic_code(const char *f)
{
	return func_is(f, "panic") || func_is(f, "vpanic") || func_is(f, "nmi_panic");
}

/* RFLAGS.IF (bit 9) of the context at frame @i. */
static enum vtd_irqs irqs_at(const struct cpu_view *v, int i)
{
	if (i < 0 || i >= v->nframes || !v->has_flags[i])
		return VTD_IRQS_UNKNOWN;
	return v->flags[i] & (1u << 9) ? VTD_IRQS_ON : VTD_IRQS_OFF;
}

/* Outside qi_submit_sync: the first frame from the interrupted context on that waits. */
static void judge_wait(const struct cpu_view *v, struct vtd_cpu_verdict *r)
{
	r->spins_other_lock = r->chain_first < v->nframes && is_slowpath(v->func[r->chain_first]);
	for (int i = r->chain_first; i < v->nframes && i < r->chain_first + WAIT_DEPTH; i++) {
		if (is_slowpath(v->func[i])) {
			r->wait = VTD_WAIT_SPIN;
			r->wait_frame = i;
			return;
		}
		for (size_t k = 0; k < sizeof(wait_funcs) / sizeof(wait_funcs[0]); k++) {
			if (func_is(v->func[i], wait_funcs[k].func)) {
				r->wait = wait_funcs[k].wait;
				r->wait_frame = i;
				return;
			}
		}
	}
}

void vtd_judge_cpu(const struct cpu_view *v, struct vtd_cpu_verdict *r)
{
	int first = 0;

	memset(r, 0, sizeof(*r));
	r->unit = r->batch = -1;
	r->qi_frame = r->caller_frame = -1;
	r->interrupted_frame = r->wait_frame = r->panic_frame = r->panic_caller = -1;
	if (!v->valid)
		return;
	/* Show the interrupted context, not the NMI that stopped the CPU for the dump. */
	while (first < v->nframes && v->stack[first] == VSC_STACK_NMI)
		first++;
	r->chain_first = first == v->nframes ? 0 : first;
	r->irqs = irqs_at(v, r->chain_first);
	for (int i = 0; i < v->nframes; i++) {
		if (r->panic_frame < 0 && is_panic_code(v->func[i]))
			r->panic_frame = i;
		else if (r->panic_frame >= 0 && v->func[i] && !is_panic_code(v->func[i])) {
			r->panic_caller = i;
			break;
		}
	}
	for (int i = 0; i < v->nframes; i++) {
		if (func_is(v->func[i], "qi_submit_sync")) {
			r->qi_frame = i;
			break;
		}
	}
	if (r->qi_frame < 0) {
		judge_wait(v, r);
		return;
	}
	/* In an interrupt (the flush-queue timer's softirq): which task context it interrupted. */
	r->in_irq = v->stack[r->qi_frame] == VSC_STACK_IRQ;
	for (int i = r->qi_frame + 1; r->in_irq && i < v->nframes; i++) {
		if (v->stack[i] == VSC_STACK_TASK && v->has_flags[i]) {
			r->interrupted_frame = i;
			break;
		}
	}
	/*
	 * The submitter polling its own wait descriptor drops and retakes q_lock
	 * with plain raw_spin_lock; a CPU entering (or waiting for free slots)
	 * takes it with _irqsave.  Either way, the slowpath below qi_submit_sync
	 * means it is spinning on q_lock right now.
	 */
	r->state = VTD_CPU_POLLING;
	for (int i = 0; i < r->qi_frame; i++) {
		if (is_slowpath(v->func[i]))
			r->state = VTD_CPU_SPINNING;
		if (func_is(v->func[i], "_raw_spin_lock_irqsave"))
			r->entering = true;
	}
	r->entering &= r->state == VTD_CPU_SPINNING;
	/* Who asked: the most specific known role above qi_submit_sync, else the first caller. */
	for (size_t k = 0; k < sizeof(submitter_roles) / sizeof(submitter_roles[0]); k++) {
		for (int i = r->qi_frame + 1; i < v->nframes; i++) {
			if (func_is(v->func[i], submitter_roles[k].func)) {
				r->role = submitter_roles[k].role;
				r->caller_frame = i;
				return;
			}
		}
	}
	for (int i = r->qi_frame + 1; i < v->nframes; i++) {
		if (!v->func[i] || is_wrapper(v->func[i]) || func_is(v->func[i], "qi_submit_sync"))
			continue;
		r->caller_frame = i;
		return;
	}
}

/* ---- attribute: which batch each waiting CPU submitted ---- */

static const struct cpu_word *window_names(const struct cpu_view *v, int frame,
					   enum cpu_word_kind kind, bool in_regs, int unit, int slot)
{
	for (unsigned int i = 0; i < v->nr_words; i++) {
		const struct cpu_word *w = &v->words[i];

		if (w->frame == frame && w->kind == kind && w->in_regs == in_regs && w->unit == unit &&
		    w->slot == slot)
			return w;
	}
	return NULL;
}

static const enum vtd_attr_by attr_by[] = {
	[CPU_WORD_STATUS] = VTD_ATTR_STATUS,
	[CPU_WORD_DESC_PTR] = VTD_ATTR_DESC_PTR,
	[CPU_WORD_DESC] = VTD_ATTR_DESC,
};

/* The first pending, unclaimed batch the window (or registers) of @frame names by @kind. */
static bool claim_in_window(const struct vtd_model *m, const struct cpu_view *v, int frame,
			    enum cpu_word_kind kind, bool in_regs,
			    uint64_t claimed[][VTD_MAX_BATCHES / 64], struct vtd_cpu_verdict *r)
{
	for (int ui = 0; ui < m->nr_units && ui < VTD_MAX_UNITS; ui++) {
		const struct vtd_unit *u = &m->units[ui];

		for (int b = 0; b < u->nr_batches && b < VTD_MAX_BATCHES; b++) {
			const struct vtd_batch *bt = &u->batches[b];
			const struct cpu_word *w;

			if (!bt->pending || claimed[ui][b / 64] & (1ull << (b % 64)))
				continue;
			w = window_names(v, frame, kind, in_regs, ui,
					 kind == CPU_WORD_STATUS ? bt->wait : bt->first);
			if (!w)
				continue;
			r->unit = ui;
			r->batch = b;
			r->by = attr_by[kind];
			r->batch_addr = w->addr;
			r->qi_batch = w->qi_batch;
			r->batch_in_regs = w->in_regs;
			claimed[ui][b / 64] |= 1ull << (b % 64);
			return true;
		}
	}
	return false;
}

void vtd_judge_attribute(const struct vtd_model *m, const struct cpu_view *views,
			 struct vtd_cpu_verdict *cpus, unsigned int n)
{
	static const enum cpu_word_kind order[] = { CPU_WORD_STATUS, CPU_WORD_DESC_PTR, CPU_WORD_DESC };
	const uint64_t window = CPU_WINDOW_WORDS * sizeof(uint64_t);
	uint64_t claimed[VTD_MAX_UNITS][VTD_MAX_BATCHES / 64];

	memset(claimed, 0, sizeof(claimed));
	/* The strongest evidence first, for every CPU, so a weaker match cannot take a batch. */
	for (size_t pass = 0; pass < sizeof(order) / sizeof(order[0]); pass++) {
		enum cpu_word_kind kind = order[pass];

		for (unsigned int c = 0; c < n; c++) {
			struct vtd_cpu_verdict *r = &cpus[c];
			const struct cpu_view *v = &views[c];
			uint64_t scanned_end = 0;
			bool found = false;

			if (r->state == VTD_CPU_NOT_QI || r->batch >= 0)
				continue;
			/* The registers of the interrupted context, up to qi_submit_sync's frame. */
			for (int i = r->chain_first; i <= r->qi_frame && !found; i++)
				if (v->has_flags[i])
					found = claim_in_window(m, v, i, kind, true, claimed, r);
			for (int i = r->qi_frame > 0 ? r->qi_frame - 1 : 0; i < v->nframes && !found; i++) {
				/* A frame whose sp lies in the window just scanned adds nothing. */
				if (!v->sp[i] || (v->sp[i] >= scanned_end - window && v->sp[i] < scanned_end))
					continue;
				if (i > r->qi_frame + 4)
					break;
				scanned_end = v->sp[i] + window;
				found = claim_in_window(m, v, i, kind, false, claimed, r);
			}
		}
	}
}

void vtd_judge_owners(const struct vtd_model *m, int ui, const struct vtd_judgement *j,
		      struct vtd_unit_verdict *out)
{
	const struct vtd_unit *u = &m->units[ui];
	bool unnamed = false;

	for (unsigned int c = 0; c < j->nr_cpus; c++)
		unnamed |= j->cpus[c].state != VTD_CPU_NOT_QI && j->cpus[c].batch < 0;
	for (int b = 0; b < u->nr_batches && b < VTD_MAX_BATCHES; b++) {
		struct vtd_batch_owner *o = &out->owners[b];

		o->cpu = -1;
		for (unsigned int c = 0; c < j->nr_cpus && o->cpu < 0; c++)
			if (j->cpus[c].unit == ui && j->cpus[c].batch == b)
				o->cpu = (int)c;
		/*
		 * qi_submit_sync() returns only once its wait completed, and polls
		 * with IRQs off until then: a pending batch's submitter is on a CPU.
		 */
		o->why = o->cpu >= 0 ? VTD_OWNER_FOUND :
			 !u->batches[b].pending ? VTD_OWNER_COMPLETED :
			 !j->have_stacks ? VTD_OWNER_NO_STACKS :
			 !j->waiting ? (j->nr_cut || j->nr_missing ? VTD_OWNER_CUT : VTD_OWNER_NO_CPU) :
			 unnamed ? VTD_OWNER_UNNAMED : VTD_OWNER_NONE_LEFT;
	}
}

/* ---- hardware: what the log and the ring say ---- */

static int oldest_pending(const struct vtd_unit *u)
{
	for (int b = 0; b < u->nr_batches; b++)
		if (u->batches[b].pending)
			return b;
	return -1;
}

/* Rank of a slot holding the logged head: lower is likelier the hardware's head. */
static int head_rank(const struct vtd_unit *u, int i)
{
	const struct vtd_slot *s = &u->slots[i];

	if (s->batch >= 0 && s->batch < u->nr_batches && u->batches[s->batch].pending)
		return s->batch;                       /* oldest pending batch first */
	if (s->batch >= 0 || s->status == VTD_QI_IN_USE)
		return VTD_MAX_BATCHES;                /* in flight, completed or unbatched */
	return VTD_MAX_BATCHES + 1;                    /* free / done: a stale copy */
}

void vtd_match_log_head(const struct vtd_unit *u, uint64_t qw0, uint64_t qw1,
			struct vtd_head_match *out)
{
	int best_rank = VTD_MAX_BATCHES + 2;

	memset(out, 0, sizeof(*out));
	out->slot = -1;
	/* Ring order from free_tail (the oldest slot in flight), so ties go to the older. */
	for (int k = 0; k < VTD_QI_LENGTH; k++) {
		int i = ((u->free_tail >= 0 && u->free_tail < VTD_QI_LENGTH ? u->free_tail : 0) + k) %
			VTD_QI_LENGTH;
		int rank;

		if (u->slots[i].qw[0] != qw0 || u->slots[i].qw[1] != qw1)
			continue;
		rank = head_rank(u, i);
		if (rank <= VTD_MAX_BATCHES)
			out->nr_in_flight++;
		else
			out->nr_stale++;
		if (rank < best_rank) {
			if (out->slot >= 0 && out->nr_others < 4) {
				memmove(&out->others[1], &out->others[0],
					(size_t)(out->nr_others < 3 ? out->nr_others : 3) * sizeof(int));
				out->others[0] = out->slot;
				if (out->nr_others < 4)
					out->nr_others++;
			}
			out->slot = i;
			best_rank = rank;
		} else if (out->nr_others < 4) {
			out->others[out->nr_others++] = i;
		}
	}
	out->in_flight = out->slot >= 0 && best_rank <= VTD_MAX_BATCHES;
}

static bool unit_devtlb_to(const struct vtd_unit *u, bool any, uint64_t sid)
{
	for (int b = 0; b < u->nr_batches; b++) {
		const struct vtd_batch *bt = &u->batches[b];

		if (!bt->pending)
			continue;
		for (int j = bt->first; j != bt->wait; j = (j + 1) % VTD_QI_LENGTH)
			if (u->slots[j].dec.targets_device && (any || u->slots[j].dec.sid == sid))
				return true;
	}
	return false;
}

/* The one unit of @m that @pred holds for, -1 if none, -2 if several. */
static int only_unit(const struct vtd_model *m, bool (*pred)(const struct vtd_model *, int))
{
	int found = -1;

	for (int ui = 0; ui < m->nr_units; ui++) {
		const struct vtd_unit *u = &m->units[ui];

		if (!u->has_qi || !u->slots_read || !pred(m, ui))
			continue;
		if (found != -1)
			return -2;
		found = ui;
	}
	return found;
}

static bool p_any(const struct vtd_model *m, int ui)
{
	(void)m;
	(void)ui;
	return true;
}
static bool p_head_in_flight(const struct vtd_model *m, int ui)
{
	struct vtd_head_match hm;

	vtd_match_log_head(&m->units[ui], m->log_head_qw0, m->log_head_qw1, &hm);
	return hm.in_flight;
}
static bool p_pending(const struct vtd_model *m, int ui)
{
	return oldest_pending(&m->units[ui]) >= 0;
}
static bool p_abort(const struct vtd_model *m, int ui)
{
	return m->units[ui].counted[VTD_QI_ABORT] > 0;
}
static bool p_devtlb_sid(const struct vtd_model *m, int ui)
{
	return unit_devtlb_to(&m->units[ui], false, m->log_ite_sid);
}
static bool p_devtlb(const struct vtd_model *m, int ui)
{
	return unit_devtlb_to(&m->units[ui], true, 0);
}

struct unit_rule {
	bool (*pred)(const struct vtd_model *m, int ui);
	bool usable;            /* the log gave what the rule needs */
	const char *why;        /* "... is the only unit <why>" */
};

/* Try the rules in order; the first that names exactly one unit decides. */
static int pick_unit(const struct vtd_model *m, const struct unit_rule *rules, int nrules,
		     char *why, size_t size)
{
	int all = only_unit(m, p_any);

	why[0] = '\0';
	if (all == -1)
		return -1;
	if (all >= 0) {
		snprintf(why, size, "%s is the only unit with a queue", m->units[all].name);
		return all;
	}
	for (int k = 0; k < nrules; k++) {
		int u;

		if (!rules[k].usable)
			continue;
		u = only_unit(m, rules[k].pred);
		if (u >= 0) {
			snprintf(why, size, "the kernel's message does not name the unit; %s is the only unit %s",
				 m->units[u].name, rules[k].why);
			return u;
		}
		if (u == -2)
			break;  /* several fit the strongest usable rule: do not guess with a weaker one */
	}
	snprintf(why, size, "the kernel's message does not name the unit and the queues do not tell "
		 "which of the %d units it was", m->nr_units);
	return -1;
}

void vtd_log_attribute(const struct vtd_model *m, struct vtd_log_owner *out)
{
	const struct unit_rule iqe[] = {
		{ p_head_in_flight, m->log_qi_head, "whose in-flight slots hold the logged QI HEAD descriptor" },
		{ p_pending, !m->log_qi_head, "with a batch in flight" },
	}, ite[] = {
		{ p_abort, true, "with QI_ABORT slots" },
		{ p_devtlb_sid, m->log_ite_sid_valid, "with a pending device-TLB invalidation to the logged SID" },
		{ p_devtlb, !m->log_ite_sid_valid, "with a pending device-TLB invalidation" },
	};

	out->iqe_unit = m->log_iqe ? pick_unit(m, iqe, 2, out->iqe_why, sizeof(out->iqe_why)) : -1;
	out->ite_unit = m->log_ite ? pick_unit(m, ite, 3, out->ite_why, sizeof(out->ite_why)) : -1;
}

/*
 * What the hardware says about the unit's stuck batch.  A unit with nothing
 * pending has nothing to explain: its fields stay clear.
 */
void vtd_judge_hardware(const struct vtd_model *m, const struct vtd_kernel_view *k,
			const struct vtd_log_owner *owner, int ui, struct vtd_unit_verdict *out)
{
	const struct vtd_unit *u = &m->units[ui];
	int oldest;

	out->fault_logged = out->iqe = out->ite = out->ite_logged_here = false;
	out->ite_restarting = out->even_slot = false;
	out->head_reserved = out->head_not_first = false;
	out->idle_iqe = out->idle_ite = false;
	memset(&out->head, 0, sizeof(out->head));
	out->head.slot = out->head_slot = -1;
	if (!u->has_qi || !u->slots_read)
		return;
	if ((oldest = oldest_pending(u)) < 0) {
		/* A fault the log ties to this unit, with nothing left to explain it. */
		out->idle_iqe = m->log_iqe && owner->iqe_unit == ui;
		out->idle_ite = m->log_ite && owner->ite_unit == ui;
		return;
	}
	out->iqe = m->log_iqe && owner->iqe_unit == ui;
	out->ite_logged_here = m->log_ite && owner->ite_unit == ui;
	out->ite = out->ite_logged_here || u->counted[VTD_QI_ABORT];
	/* A fault the log does not tie to a unit may be this unit's: not "no fault". */
	out->fault_logged = out->iqe || out->ite || m->log_ice ||
			    (m->log_iqe && owner->iqe_unit < 0) || (m->log_ite && owner->ite_unit < 0);
	if (out->iqe && m->log_qi_head) {
		vtd_match_log_head(u, m->log_head_qw0, m->log_head_qw1, &out->head);
		if (out->head.in_flight)
			out->head_slot = out->head.slot;
	}
	if (out->head_slot >= 0) {
		const struct vtd_slot *s = &u->slots[out->head_slot];

		out->head_reserved = s->dec.reserved_bits[0] || s->dec.reserved_bits[1];
		/* qi_check_fault() clears IQE only when IQH is the submitter's own first slot. */
		out->head_not_first = s->batch >= 0 && s->batch < u->nr_batches &&
				      u->batches[s->batch].first != out->head_slot;
	}
	/* qi_check_fault() marks aborted waits QI_ABORT; their owners restart (-EAGAIN). */
	out->ite_restarting = out->ite && m->log_ite_cleared && u->counted[VTD_QI_ABORT];
	/*
	 * 6.12 (qi_batch) submits 1-16 descriptors, so a wait can sit at an even
	 * slot; until fe89277c9ceb the ITE walk visits odd slots only and never
	 * aborts it: its owner polls forever.
	 */
	out->even_slot = out->ite && k && k->qi_batch && u->batches[oldest].wait % 2 == 0;
}

/* ---- classify: what kind of state each queue is in ---- */

static void check_bookkeeping(const struct vtd_unit *u, struct vtd_unit_verdict *out)
{
	int inflight = (u->free_head - u->free_tail + VTD_QI_LENGTH) % VTD_QI_LENGTH;

	/* dmar_enable_qi() starts free_cnt at QI_LENGTH; submit subtracts, reclaim adds. */
	out->free_cnt_expected = VTD_QI_LENGTH - inflight;
	out->free_cnt_bad = u->free_cnt != out->free_cnt_expected || u->free_cnt < 0 ||
			    u->free_cnt > VTD_QI_LENGTH;
	out->nr_garbage_slots = 0;
	for (int i = 0; i < VTD_QI_LENGTH && out->nr_garbage_slots < VTD_JUDGE_GARBAGE_SHOWN; i++)
		if (u->slots[i].status < 0 || u->slots[i].status > 3)
			out->garbage_slots[out->nr_garbage_slots++] = i;
	out->nr_stray_wait_batches = 0;
	for (int b = 0; b < u->nr_batches && b < VTD_MAX_BATCHES; b++)
		if (!u->batches[b].wait_points_home)
			out->stray_wait_batches[out->nr_stray_wait_batches++] = b;
	/* Slots outside [free_tail, free_head) must be free (or done on <=6.9). */
	out->stray_in_use_slot = -1;
	for (int i = 0; i < VTD_QI_LENGTH; i++) {
		if (u->slots[i].batch < 0 && u->slots[i].status == VTD_QI_IN_USE) {
			out->stray_in_use_slot = i;
			break;
		}
	}
}

void vtd_judge_classify(const struct vtd_model *m, int ui, unsigned int waiting,
			bool have_stacks, struct vtd_unit_verdict *out)
{
	const struct vtd_unit *u = &m->units[ui];
	const struct vtd_batch *b0;
	bool consistent, hang;

	out->oldest = out->dev_slot = out->ats_off_slot = out->stray_in_use_slot = -1;
	out->free_cnt_bad = false;
	out->nr_garbage_slots = out->nr_stray_wait_batches = 0;
	out->full = out->check_device = false;
	out->cause = VTD_CAUSE_NONE;
	if (!u->has_qi) {
		out->cls = VTD_QUEUE_ABSENT;
		return;
	}
	if (!u->slots_read) {
		out->cls = VTD_QUEUE_UNREADABLE;
		return;
	}
	check_bookkeeping(u, out);
	consistent = !out->free_cnt_bad && !u->garbage_status && !out->nr_stray_wait_batches &&
		     out->stray_in_use_slot < 0;
	out->oldest = oldest_pending(u);
	if (out->oldest < 0) {
		out->cls = consistent ? VTD_QUEUE_HEALTHY : VTD_QUEUE_INCONSISTENT;
		return;
	}
	b0 = &u->batches[out->oldest];
	for (int j = b0->first; j != b0->wait; j = (j + 1) % VTD_QI_LENGTH) {
		const struct vtd_decoded *d = &u->slots[j].dec;
		const struct vtd_pci *p;

		if (!d->targets_device)
			continue;
		if (out->dev_slot < 0)
			out->dev_slot = j;
		/* The device must have ATS on to answer a device-TLB invalidation (spec 4.3). */
		p = d->has_sid ? vtd_pci_find(m, u->segment, d->sid) : NULL;
		if (out->ats_off_slot < 0 && p && p->ats_known && !p->ats_enabled)
			out->ats_off_slot = j;
	}
	/* qi_submit_sync() waits in a loop until free_cnt >= count + 2. */
	out->full = u->free_cnt <= 2;
	/*
	 * qi_submit_sync() has no time-out: a CPU in it behind a pending wait is
	 * stuck.  Without stacks, a logged fault says the same.
	 */
	hang = waiting > 0 || (!have_stacks && out->fault_logged);
	out->cls = !hang ? VTD_QUEUE_IN_FLIGHT :
		   out->dev_slot >= 0 ? VTD_QUEUE_DEVTLB_HANG : VTD_QUEUE_BATCH_HANG;
	/* Root cause first: a rejected descriptor, a device that cannot answer, then how it failed. */
	if (out->iqe)
		out->cause = VTD_CAUSE_IQE;
	else if (out->ats_off_slot >= 0)
		out->cause = VTD_CAUSE_ATS_OFF;
	else if (out->ite)
		out->cause = VTD_CAUSE_ITE;
	else if (out->fault_logged)
		out->cause = VTD_CAUSE_FAULT_ELSEWHERE;
	else if (waiting > 0 || !have_stacks)
		out->cause = VTD_CAUSE_SILENT;
	/* Before 5.13 an ITE is silent in the log: a silent device-TLB wait points there too. */
	out->check_device = out->cause == VTD_CAUSE_ITE ||
			    (out->cause == VTD_CAUSE_SILENT && out->dev_slot >= 0);
}

/* ---- outsider: q_lock contenders outside queued invalidation ---- */

void vtd_judge_outsiders(const struct vtd_model *m, const struct cpu_view *views,
			 const struct vtd_cpu_verdict *cpus, unsigned int n, struct vtd_judgement *j)
{
	j->nr_outsiders = 0;
	for (unsigned int i = 0; i < n; i++) {
		if (!cpus[i].spins_other_lock)
			continue;
		for (int ui = 0; ui < m->nr_units && ui < VTD_MAX_UNITS; ui++) {
			uint32_t tail = m->units[ui].q_lock >> 18;  /* tail CPU + 1 (qspinlock_types.h) */

			/* Only when the lock word shows this CPU queued on q_lock. */
			if (tail && tail - 1 == views[i].cpu && j->nr_outsiders < VTD_MAX_UNITS)
				j->outsiders[j->nr_outsiders++] = (struct vtd_outsider){ i, ui };
		}
	}
}

/* ---- chain: from the stuck submitter to the panic ---- */

static bool is_victim(const struct vtd_chain *c, unsigned int cpu)
{
	for (int k = 0; k < c->nr_victims; k++)
		if (c->victims[k].cpu == cpu)
			return true;
	return false;
}

static void add_victim(struct vtd_chain *c, unsigned int cpu, enum vtd_victim_how how)
{
	if (c->root != (int)cpu && !is_victim(c, cpu) && c->nr_victims < VTD_MAX_VICTIMS)
		c->victims[c->nr_victims++] = (struct vtd_victim){ cpu, how };
}

void vtd_judge_chain(const struct cpu_view *views, const struct sys_view *sys,
		     struct vtd_judgement *j)
{
	struct vtd_chain *c = &j->chain;
	const struct sys_event *ev = NULL;

	memset(c, 0, sizeof(*c));
	c->unit = c->batch = c->root = c->event = c->panic_view = -1;
	if (j->verdict_unit >= 0) {
		const struct vtd_unit_verdict *uv = &j->units[j->verdict_unit];

		c->unit = j->verdict_unit;
		c->batch = uv->oldest;
		c->root = uv->owners[uv->oldest].cpu;
	} else {
		/* No stuck batch to start from: the CPU that polls, else one that spins. */
		for (unsigned int i = 0; i < j->nr_cpus && c->root < 0; i++)
			if (j->cpus[i].state == VTD_CPU_POLLING)
				c->root = (int)i;
		for (unsigned int i = 0; i < j->nr_cpus && c->root < 0; i++)
			if (j->cpus[i].state == VTD_CPU_SPINNING)
				c->root = (int)i;
	}
	/* Waiting on it: the other submitters first, then what else waits. */
	for (unsigned int i = 0; i < j->nr_cpus; i++) {
		const struct vtd_cpu_verdict *r = &j->cpus[i];

		if (r->state == VTD_CPU_POLLING)
			add_victim(c, i, VTD_VICTIM_BEHIND);
		else if (r->state == VTD_CPU_SPINNING)
			add_victim(c, i, VTD_VICTIM_QLOCK);
	}
	for (unsigned int i = 0; i < j->nr_cpus; i++) {
		const struct vtd_cpu_verdict *r = &j->cpus[i];

		if (r->state != VTD_CPU_NOT_QI)
			continue;
		if (r->wait == VTD_WAIT_IPI)
			add_victim(c, i, VTD_VICTIM_IPI);
		else if (r->wait == VTD_WAIT_RT_LOCK)
			add_victim(c, i, VTD_VICTIM_RT_LOCK);
		else if (r->wait == VTD_WAIT_SPIN)
			add_victim(c, i, VTD_VICTIM_SPIN);
	}
	if (!sys)
		return;
	/* The lockup detector that reported first. */
	for (int k = 0; k < SYS_EVENT_KIND_COUNT; k++)
		if (sys->events[k].present && (!ev || sys->events[k].ts < ev->ts)) {
			ev = &sys->events[k];
			c->event = k;
		}
	for (int k = 0; ev && k < ev->nr_cpus; k++)
		for (unsigned int i = 0; i < j->nr_cpus; i++)
			if (views[i].cpu == ev->cpus[k])
				add_victim(c, i, VTD_VICTIM_STALLED);
	for (unsigned int i = 0; i < j->nr_cpus && sys->panic_cpu >= 0; i++)
		if (views[i].cpu == (unsigned int)sys->panic_cpu)
			c->panic_view = (int)i;
}

/* ---- fuse: what the sources show together ---- */

static bool names_stall(const char *msg)
{
	return strcasestr(msg, "stall") || strcasestr(msg, "lockup");
}

void vtd_judge_fuse(const struct vtd_model *m, const struct sys_view *sys, struct vtd_judgement *j)
{
	struct vtd_fusion *f = &j->fusion;
	/* A snapshot whose every stack was read to its end: what no stack shows is not there. */
	bool snapshot = j->have_stacks && !j->nr_cut && !j->nr_missing && !(sys && sys->live);
	int with_qi = 0, locks_read = 0, locks_held = 0;
	bool hang_unit = false, vtd_signal, system_signal;

	memset(f, 0, sizeof(*f));
	f->orphan_unit = f->lock_orphan_unit = -1;
	if (sys && sys->log_read)
		f->fault_open = sys->iqe_open || sys->ite_open || sys->ice_open;
	if (!j->active) {
		/* No unit read: health only if no source says there is one. */
		f->units_missing = sys && (sys->dmar_units_logged || sys->iqe_reports ||
					   sys->ite_reports || sys->ice_reports);
		f->verdict = j->waiting || f->fault_open ? VTD_VERDICT_SUSPECTED :
			     f->units_missing ? VTD_VERDICT_INCOMPLETE : VTD_VERDICT_INACTIVE;
		f->stacks = !j->have_stacks ? VTD_SOURCE_UNREADABLE :
			    j->waiting ? VTD_SOURCE_HANG : VTD_SOURCE_QUIET;
		f->queue = f->locks = VTD_SOURCE_UNREADABLE;
		f->log = !sys || !sys->log_read ? VTD_SOURCE_UNREADABLE :
			 f->fault_open ? VTD_SOURCE_HANG : f->units_missing ? VTD_SOURCE_ACTIVE :
			 VTD_SOURCE_QUIET;
		return;
	}
	/* queue */
	for (int ui = 0; ui < j->nr_units; ui++) {
		const struct vtd_unit *u = &m->units[ui];
		const struct vtd_unit_verdict *uv = &j->units[ui];
		bool outsider = false;

		if (uv->cls == VTD_QUEUE_ABSENT)
			continue;
		with_qi++;
		if (uv->cls == VTD_QUEUE_UNREADABLE)
			f->queue_unreadable++;
		if (uv->cls == VTD_QUEUE_INCONSISTENT)
			f->queue_inconsistent++;
		hang_unit |= uv->cls == VTD_QUEUE_DEVTLB_HANG || uv->cls == VTD_QUEUE_BATCH_HANG;
		for (int b = 0; uv->cls != VTD_QUEUE_UNREADABLE && b < u->nr_batches && b < VTD_MAX_BATCHES; b++) {
			if (!u->batches[b].pending)
				continue;
			f->queue_pending++;
			/* Pending with nobody to poll it: on a snapshot the stacks contradict the queue. */
			if (snapshot && (uv->owners[b].why == VTD_OWNER_NO_CPU ||
					 uv->owners[b].why == VTD_OWNER_NONE_LEFT)) {
				if (!f->orphans++)
					f->orphan_unit = ui;
			}
		}
		/* lock words: q_lock is read with struct q_inval, before the ring */
		if (!u->q_lock_addr)
			continue;
		locks_read++;
		if (!(u->q_lock & 0xffff) && !(u->q_lock >> 16))
			continue;
		locks_held++;
		for (int k = 0; k < j->nr_outsiders; k++)
			outsider |= j->outsiders[k].unit == ui;
		if (snapshot && !j->waiting && !outsider && f->lock_orphan_unit < 0)
			f->lock_orphan_unit = ui;
	}
	f->queue = hang_unit ? VTD_SOURCE_HANG :
		   with_qi && f->queue_unreadable == with_qi ? VTD_SOURCE_UNREADABLE :
		   f->queue_pending || f->queue_inconsistent ? VTD_SOURCE_ACTIVE :
		   f->queue_unreadable ? VTD_SOURCE_PARTIAL : VTD_SOURCE_QUIET;
	/* stacks */
	f->stacks_missing = j->nr_missing;
	f->stacks_cut = j->nr_cut;
	f->stacks = !j->have_stacks ? VTD_SOURCE_UNREADABLE :
		    j->waiting ? VTD_SOURCE_HANG :
		    f->stacks_missing || f->stacks_cut ? VTD_SOURCE_PARTIAL : VTD_SOURCE_QUIET;
	/* log */
	if (sys && sys->log_read) {
		bool event = false;

		for (int k = 0; k < SYS_EVENT_KIND_COUNT; k++)
			event |= sys->events[k].present;
		f->panic_stall = sys->panicked && names_stall(sys->panic);
		f->log = event || f->panic_stall || f->fault_open ? VTD_SOURCE_HANG :
			 m->log_iqe || m->log_ite || m->log_ice ? VTD_SOURCE_ACTIVE :
			 sys->log_error[0] ? VTD_SOURCE_PARTIAL : VTD_SOURCE_QUIET;
	} else {
		f->log = VTD_SOURCE_UNREADABLE;
	}
	/* lock words */
	f->locks = !locks_read ? VTD_SOURCE_UNREADABLE :
		   f->lock_orphan_unit >= 0 ? VTD_SOURCE_HANG :
		   locks_held ? VTD_SOURCE_ACTIVE :
		   locks_read < with_qi ? VTD_SOURCE_PARTIAL : VTD_SOURCE_QUIET;

	/*
	 * A lockup needs the queue and the stacks to agree (a pending batch, a
	 * CPU in qi_submit_sync(), which has no time-out).  Anything else that
	 * points at the queue is a suspicion; a lockup report with nothing in
	 * VT-d is a hang elsewhere; health needs every source read and quiet.
	 */
	vtd_signal = j->waiting || f->fault_open || f->orphans || f->lock_orphan_unit >= 0;
	system_signal = f->log == VTD_SOURCE_HANG;
	if (hang_unit)
		f->verdict = j->have_stacks ? VTD_VERDICT_LOCKUP : VTD_VERDICT_SUSPECTED;
	else if (vtd_signal)
		f->verdict = VTD_VERDICT_SUSPECTED;
	else if (system_signal)
		f->verdict = VTD_VERDICT_ELSEWHERE;
	else if (f->queue == VTD_SOURCE_UNREADABLE || f->queue == VTD_SOURCE_PARTIAL ||
		 f->queue_inconsistent || f->stacks != VTD_SOURCE_QUIET ||
		 (f->log != VTD_SOURCE_QUIET && f->log != VTD_SOURCE_ACTIVE) ||
		 f->locks == VTD_SOURCE_UNREADABLE || f->locks == VTD_SOURCE_PARTIAL)
		f->verdict = VTD_VERDICT_INCOMPLETE;
	else
		f->verdict = VTD_VERDICT_HEALTHY;
}

/* ---- the whole judgement ---- */

struct vsc_error *vtd_judge(const struct vtd_model *m, const struct cpu_view *views,
			    unsigned int n, const struct sys_view *sys,
			    const struct vtd_kernel_view *k, struct vtd_judgement *out)
{
	memset(out, 0, sizeof(*out));
	out->verdict_unit = -1;
	out->active = m->intel_iommu_present && m->nr_units;
	out->nr_units = !out->active ? 0 : m->nr_units < VTD_MAX_UNITS ? m->nr_units : VTD_MAX_UNITS;
	out->nr_missing = sys ? sys->nr_no_stack : 0;
	vtd_log_attribute(m, &out->owner);
	/* The stacks are judged even with no unit read: a CPU in qi_submit_sync says there is one. */
	if (views && n) {
		out->cpus = calloc(n, sizeof(*out->cpus));
		if (!out->cpus)
			return &vsc_error_nomem;
		out->nr_cpus = n;
		out->have_stacks = true;
		for (unsigned int i = 0; i < n; i++) {
			vtd_judge_cpu(&views[i], &out->cpus[i]);
			if (out->cpus[i].state != VTD_CPU_NOT_QI)
				out->waiting++;
			out->nr_cut += views[i].valid && views[i].cut;
		}
		vtd_judge_attribute(m, views, out->cpus, n);
	}
	for (int ui = 0; ui < out->nr_units; ui++) {
		struct vtd_unit_verdict *uv = &out->units[ui];

		vtd_judge_hardware(m, k, &out->owner, ui, uv);
		vtd_judge_classify(m, ui, out->waiting, out->have_stacks, uv);
		/* No fault in a log that was not read is no evidence of silence. */
		if (uv->cause == VTD_CAUSE_SILENT && !(sys && sys->log_read))
			uv->cause = VTD_CAUSE_UNKNOWN;
		vtd_judge_owners(m, ui, out, uv);
		if (out->verdict_unit < 0 &&
		    (uv->cls == VTD_QUEUE_DEVTLB_HANG || uv->cls == VTD_QUEUE_BATCH_HANG))
			out->verdict_unit = ui;
		out->in_flight += m->units[ui].nr_batches;
	}
	vtd_judge_outsiders(m, views, out->cpus, out->nr_cpus, out);
	vtd_judge_chain(views, sys, out);
	vtd_judge_fuse(m, sys, out);
	return NULL;
}

void vtd_judgement_deinit(struct vtd_judgement *j)
{
	free(j->cpus);
	j->cpus = NULL;
	j->nr_cpus = 0;
}
