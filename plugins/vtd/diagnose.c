// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The lockup diagnosis: from the rebuilt invalidation queues, the kernel log
 * and the CPUs' stacks, say what is wrong in one line and show the evidence.
 * Nothing here keys on a particular dump: slots, CPUs, devices and batch
 * sizes all come from the target.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vtdscope/symbols.h>
#include <vtdscope/target.h>

#include "diagnose.h"

/* Finding kinds: declared once; ids are the JSON "kind" values. */
#define VTD_FINDINGS(X)                                                                       \
	X(LOCKUP_DEVTLB, "qi-devtlb-hang", CRITICAL,                                           \
	  "a device-TLB (ATS) invalidation never completed; submitters are stuck in qi_submit_sync") \
	X(LOCKUP_BATCH, "qi-batch-hang", CRITICAL,                                             \
	  "an invalidation batch never completed; submitters are stuck in qi_submit_sync")      \
	X(IQE, "qi-iqe", ERROR, "the hardware rejected a descriptor (Invalidation Queue Error)")  \
	X(ITE, "qi-ite", ERROR, "a device-TLB invalidation timed out (Invalidation Time-out Error)") \
	X(QUEUE_FULL, "qi-queue-full", ERROR, "the invalidation queue is full; submitters wait for slots") \
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

enum cpu_qi_state { CPU_NOT_QI, CPU_QI_SPINNING, CPU_QI_POLLING };

struct cpu_role {
	const struct cpu_view *v;
	enum cpu_qi_state state;
	int qi_frame;            /* index of qi_submit_sync */
	char role[96];           /* "flush-queue timer: fq_flush_timeout" */
	char label[64];          /* "fq_flush_timeout" for the verdict */
	int unit, batch;         /* attributed batch, -1 if unknown */
	bool spins_other_lock;   /* in the slowpath but not under qi_submit_sync */
	bool attr_by_status;     /* batch found by its desc_status address (else by content) */
};

static void classify(const struct cpu_view *v, struct cpu_role *r)
{
	memset(r, 0, sizeof(*r));
	r->v = v;
	r->unit = r->batch = -1;
	r->qi_frame = -1;
	if (!v->valid)
		return;
	for (int i = 0; i < v->nframes; i++) {
		if (func_is(v->func[i], "qi_submit_sync")) {
			r->qi_frame = i;
			break;
		}
	}
	if (r->qi_frame < 0) {
		if (v->nframes && is_slowpath(v->func[0]))
			r->spins_other_lock = true;
		return;
	}
	r->state = CPU_QI_POLLING;
	for (int i = 0; i < r->qi_frame; i++)
		if (is_slowpath(v->func[i]))
			r->state = CPU_QI_SPINNING;
	/* Who asked: the most specific known role above qi_submit_sync, else the first caller. */
	for (size_t k = 0; k < sizeof(submitter_roles) / sizeof(submitter_roles[0]) && !r->role[0]; k++) {
		for (int i = r->qi_frame + 1; i < v->nframes; i++) {
			if (func_is(v->func[i], submitter_roles[k].func)) {
				snprintf(r->role, sizeof(r->role), "%s: %s", submitter_roles[k].role,
					 v->func[i]);
				snprintf(r->label, sizeof(r->label), "%s", v->func[i]);
				break;
			}
		}
	}
	for (int i = r->qi_frame + 1; i < v->nframes && !r->role[0]; i++) {
		if (!v->func[i] || is_wrapper(v->func[i]) || func_is(v->func[i], "qi_submit_sync"))
			continue;
		if (v->module[i]) {
			snprintf(r->role, sizeof(r->role), "%s [%s]", v->func[i], v->module[i]);
			snprintf(r->label, sizeof(r->label), "%s [%s]", v->func[i], v->module[i]);
		} else {
			snprintf(r->role, sizeof(r->role), "%s", v->func[i]);
			snprintf(r->label, sizeof(r->label), "%s", v->func[i]);
		}
	}
	if (!r->role[0]) {
		snprintf(r->role, sizeof(r->role), "qi_submit_sync");
		snprintf(r->label, sizeof(r->label), "qi_submit_sync");
	}
}

/*
 * Which batch does this CPU wait for?  Two kinds of evidence, strongest
 * first: a stack word that is the address of a pending batch's own
 * desc_status entry (qi_submit_sync polls desc_status[wait_index]); else the
 * caller's local descriptor array, i.e. a pending batch's first (qw0, qw1),
 * each batch given to at most one CPU.
 */
#define ATTR_WINDOW 128

/* Reads up to ATTR_WINDOW words at @sp, stopping at the first unreadable page (stack top). */
static bool read_window(struct vsc_target *t, uint64_t sp, uint64_t *buf)
{
	size_t done = 0, want = ATTR_WINDOW * 8;

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

static void attribute_all(struct vsc_target *t, const struct vtd_model *m, struct cpu_role *roles,
			  unsigned int n)
{
	static bool claimed[VTD_MAX_UNITS][VTD_MAX_BATCHES];
	uint64_t buf[ATTR_WINDOW];

	memset(claimed, 0, sizeof(claimed));
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned int c = 0; c < n; c++) {
			struct cpu_role *r = &roles[c];
			const struct cpu_view *v = r->v;
			uint64_t scanned_end = 0;

			if (r->state == CPU_NOT_QI || r->batch >= 0)
				continue;
			for (int i = r->qi_frame > 0 ? r->qi_frame - 1 : 0; i < v->nframes && r->batch < 0; i++) {
				if (!v->sp[i] || (v->sp[i] >= scanned_end - sizeof(buf) && v->sp[i] < scanned_end))
					continue;
				if (i > r->qi_frame + 4)
					break;
				scanned_end = v->sp[i] + sizeof(buf);
				if (!read_window(t, v->sp[i], buf))
					continue;
				for (int ui = 0; ui < m->nr_units && r->batch < 0; ui++) {
					const struct vtd_unit *u = &m->units[ui];

					for (int b = 0; b < u->nr_batches && r->batch < 0; b++) {
						const struct vtd_batch *bt = &u->batches[b];
						uint64_t status_va = u->desc_status + 4ull * (unsigned)bt->wait;
						const struct vtd_slot *s = &u->slots[bt->first];

						if (!bt->pending || claimed[ui][b])
							continue;
						for (size_t k = 0; k + 1 < ATTR_WINDOW; k++) {
							bool hit = pass == 0 ? buf[k] == status_va :
								   (buf[k] == s->qw[0] && buf[k + 1] == s->qw[1] && s->qw[0]);

							if (hit) {
								r->unit = ui;
								r->batch = b;
								r->attr_by_status = pass == 0;
								claimed[ui][b] = true;
								break;
							}
						}
					}
				}
			}
		}
	}
}

static const struct vtd_batch *oldest_pending(const struct vtd_unit *u, int *index)
{
	for (int b = 0; b < u->nr_batches; b++) {
		if (u->batches[b].pending) {
			*index = b;
			return &u->batches[b];
		}
	}
	return NULL;
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

static bool unit_has_pending(const struct vtd_unit *u)
{
	for (int b = 0; b < u->nr_batches; b++)
		if (u->batches[b].pending)
			return true;
	return false;
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
static int only_unit(const struct vtd_model *m, bool (*pred)(const struct vtd_model *, int, const void *),
		     const void *arg)
{
	int found = -1;

	for (int ui = 0; ui < m->nr_units; ui++) {
		const struct vtd_unit *u = &m->units[ui];

		if (!u->has_qi || !u->slots_read || !pred(m, ui, arg))
			continue;
		if (found != -1)
			return -2;
		found = ui;
	}
	return found;
}

static bool p_any(const struct vtd_model *m, int ui, const void *arg)
{
	return true;
}
static bool p_head_in_flight(const struct vtd_model *m, int ui, const void *arg)
{
	struct vtd_head_match hm;

	vtd_match_log_head(&m->units[ui], m->log_head_qw0, m->log_head_qw1, &hm);
	return hm.in_flight;
}
static bool p_pending(const struct vtd_model *m, int ui, const void *arg)
{
	return unit_has_pending(&m->units[ui]);
}
static bool p_abort(const struct vtd_model *m, int ui, const void *arg)
{
	return m->units[ui].counted[VTD_QI_ABORT] > 0;
}
static bool p_devtlb_sid(const struct vtd_model *m, int ui, const void *arg)
{
	return unit_devtlb_to(&m->units[ui], false, m->log_ite_sid);
}
static bool p_devtlb(const struct vtd_model *m, int ui, const void *arg)
{
	return unit_devtlb_to(&m->units[ui], true, 0);
}

struct unit_rule {
	bool (*pred)(const struct vtd_model *m, int ui, const void *arg);
	bool usable;            /* the log gave what the rule needs */
	const char *why;        /* "... is the only unit <why>" */
};

/* Try the rules in order; the first that names exactly one unit decides. */
static int pick_unit(const struct vtd_model *m, const struct unit_rule *rules, int nrules,
		     char *why, size_t size)
{
	int all = only_unit(m, p_any, NULL);

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
		u = only_unit(m, rules[k].pred, NULL);
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

static void check_consistency(struct vsc_report *rep, const struct vtd_unit *u,
			      const struct vtd_report_refs *refs, int ui)
{
	int inflight = (u->free_head - u->free_tail + VTD_QI_LENGTH) % VTD_QI_LENGTH;
	/* dmar_enable_qi() starts free_cnt at QI_LENGTH; submit subtracts, reclaim adds. */
	int expect = VTD_QI_LENGTH - inflight;
	struct vsc_finding *f = NULL;

	if (u->free_cnt != expect || u->free_cnt < 0 || u->free_cnt > VTD_QI_LENGTH) {
		f = vsc_report_finding_of(rep, &finding_kinds[F_INCONSISTENT],
					  "%s: free_cnt %d does not match free_head %d / free_tail %d (expected %d)",
					  u->name, u->free_cnt, u->free_head, u->free_tail, expect);
		vsc_finding_next(f, "the queue bookkeeping was corrupted or read mid-update; "
				    "treat slot states with care");
	}
	if (u->garbage_status) {
		f = vsc_report_finding_of(rep, &finding_kinds[F_INCONSISTENT],
					  "%s: %d desc_status entries hold impossible values",
					  u->name, u->garbage_status);
		for (int i = 0, n = 0; i < VTD_QI_LENGTH && n < 8; i++) {
			if (u->slots[i].status < 0 || u->slots[i].status > 3) {
				vsc_finding_evidence(f, "slot %d status %d", i, u->slots[i].status);
				n++;
			}
		}
		vsc_finding_next(f, "desc_status may be overwritten (memory corruption?)");
	}
	for (int b = 0; b < u->nr_batches; b++) {
		const struct vtd_batch *bt = &u->batches[b];

		if (bt->wait_points_home)
			continue;
		f = vsc_report_finding_of(rep, &finding_kinds[F_INCONSISTENT],
					  "%s: wait descriptor in slot %d does not write its own desc_status entry",
					  u->name, bt->wait);
		{
			char text[160];

			snprintf(text, sizeof(text), "status address 0x%" PRIx64 ", desc_status[%d] is at 0x%" PRIx64,
				 u->slots[bt->wait].dec.wait_status_addr, bt->wait,
				 (uint64_t)(u->desc_status_phys + 4ull * (unsigned)bt->wait));
			slot_evidence(f, refs, ui, bt->wait, text);
		}
	}
	/* Slots outside [free_tail, free_head) must be free (or done on <=6.9). */
	for (int i = 0; i < VTD_QI_LENGTH; i++) {
		if (u->slots[i].batch < 0 && u->slots[i].status == VTD_QI_IN_USE) {
			f = vsc_report_finding_of(rep, &finding_kinds[F_INCONSISTENT],
						  "%s: slot %d is in use but outside free_tail..free_head",
						  u->name, i);
			break;
		}
	}
}

static void cpu_list(const struct cpu_role *roles, unsigned int n, enum cpu_qi_state st,
		     char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < n && len < size; i++)
		if (roles[i].state == st)
			len += (size_t)snprintf(buf + len, size - len, "%sCPU%u", len ? "," : "",
						roles[i].v->cpu);
}

static void describe_cpu(struct vsc_finding *f, const struct vtd_model *m,
			 const struct cpu_role *r)
{
	char chain[256];
	size_t n = 0;
	const struct cpu_view *v = r->v;

	int first = 0;

	/* Show the interrupted context, not the NMI that stopped the CPU for the dump. */
	while (first < v->nframes && v->on_nmi[first])
		first++;
	if (first == v->nframes)
		first = 0;
	chain[0] = '\0';
	for (int i = first; i < v->nframes && i < first + 12 && n < sizeof(chain); i++)
		n += (size_t)snprintf(chain + n, sizeof(chain) - n, "%s%s", i > first ? " <- " : "",
				      v->func[i] ? v->func[i] : "?");
	if (r->batch >= 0)
		vsc_finding_evidence(f, "CPU%u (%s) %s; waits for %s batch %d (slots %d-%d, found by %s); stack: %s",
				     v->cpu, r->role,
				     r->state == CPU_QI_SPINNING ? "spins on q_lock in qi_submit_sync"
								 : "polls its wait descriptor in qi_submit_sync",
				     m->units[r->unit].name, r->batch,
				     m->units[r->unit].batches[r->batch].first,
				     m->units[r->unit].batches[r->batch].wait,
				     r->attr_by_status ? "its desc_status address on the stack" :
				     "its descriptors on the stack", chain);
	else
		vsc_finding_evidence(f, "CPU%u (%s) %s; stack: %s", v->cpu, r->role,
				     r->state == CPU_QI_SPINNING ? "spins on q_lock in qi_submit_sync"
								 : "polls in qi_submit_sync",
				     chain);
}

void vtd_diagnose(struct vsc_target *t, struct vsc_report *rep, const struct vtd_model *m,
		  const struct cpu_view *cpus, unsigned int ncpus,
		  const struct vtd_report_refs *refs)
{
	struct cpu_role *roles = NULL;
	unsigned int nsub = 0;
	bool verdict_set = false;
	struct vtd_log_owner owner;

	if (!m->intel_iommu_present || !m->nr_units) {
		vsc_report_set_verdict(rep, "VT-d is not active on this system: no DMAR units");
		return;
	}
	vtd_log_attribute(m, &owner);
	if (cpus && ncpus) {
		roles = calloc(ncpus, sizeof(*roles));
		if (!roles)
			return;
		for (unsigned int i = 0; i < ncpus; i++) {
			classify(&cpus[i], &roles[i]);
			if (roles[i].state != CPU_NOT_QI)
				nsub++;
		}
		attribute_all(t, m, roles, ncpus);
	}

	for (int ui = 0; ui < m->nr_units; ui++) {
		const struct vtd_unit *u = &m->units[ui];
		const struct vtd_batch *b0;
		int b0i = -1, devslot = -1;
		bool iqe_here = m->log_iqe && owner.iqe_unit == ui;
		bool ite_here = (m->log_ite && owner.ite_unit == ui) || u->counted[VTD_QI_ABORT];
		/* A fault the log does not tie to a unit may be this unit's: not "no fault". */
		bool fault_logged = iqe_here || ite_here || m->log_ice ||
				    (m->log_iqe && owner.iqe_unit < 0) || (m->log_ite && owner.ite_unit < 0);
		struct vsc_finding *f;
		char dev[96] = "", spinners[64], pollers[64];

		if (!u->has_qi || !u->slots_read) {
			if (u->qi_error) {
				f = vsc_report_finding_of(rep, &finding_kinds[F_INCONSISTENT],
							  "%s: invalidation queue unreadable: %s", u->name,
							  u->qi_error->message);
			}
			continue;
		}
		check_consistency(rep, u, refs, ui);
		b0 = oldest_pending(u, &b0i);
		if (!b0)
			continue;
		for (int j = b0->first; j != b0->wait; j = (j + 1) % VTD_QI_LENGTH) {
			if (u->slots[j].dec.targets_device) {
				devslot = j;
				device_text(m, u->segment, u->slots[j].dec.sid, dev, sizeof(dev));
				break;
			}
		}
		/* A queue with (almost) no free slots: every new submitter waits in qi_submit_sync. */
		if (u->free_cnt <= 2) {
			f = vsc_report_finding_of(rep, &finding_kinds[F_QUEUE_FULL],
						  "%s: invalidation queue full (free_cnt %d); new submitters wait for slots",
						  u->name, u->free_cnt);
			vsc_finding_evidence(f, "%d of %d slots in flight in %d batch(es); the oldest, slots %d-%d, is %s",
					     VTD_QI_LENGTH - u->free_cnt, VTD_QI_LENGTH, u->nr_batches,
					     b0->first, b0->wait, vtd_qi_status_name(b0->wait_status));
			vsc_finding_next(f, "qi_submit_sync() spins until free_cnt >= count + 2; the queue drains "
					    "only when the hardware completes the oldest batch");
		}
		cpu_list(roles, roles ? ncpus : 0, CPU_QI_SPINNING, spinners, sizeof(spinners));
		cpu_list(roles, roles ? ncpus : 0, CPU_QI_POLLING, pollers, sizeof(pollers));

		if (!nsub && (!fault_logged || roles)) {
			f = vsc_report_finding_of(rep, &finding_kinds[F_IN_FLIGHT],
						  "%s: %d batch(es) in flight at dump time, oldest at slots %d-%d (%s); no CPU is waiting in qi_submit_sync",
						  u->name, u->nr_batches, b0->first, b0->wait,
						  vtd_qi_status_name(b0->wait_status));
			goto hardware;
		}

		/* The lockup. */
		{
			const struct vsc_finding_kind *k =
				&finding_kinds[devslot >= 0 ? F_LOCKUP_DEVTLB : F_LOCKUP_BATCH];
			char who[512];
			size_t wn = 0;

			who[0] = '\0';
			for (unsigned int i = 0; roles && i < ncpus && wn < sizeof(who); i++) {
				const struct cpu_role *r = &roles[i];

				if (r->state == CPU_NOT_QI)
					continue;
				wn += (size_t)snprintf(who + wn, sizeof(who) - wn, "; CPU%u (%s) %s",
						       r->v->cpu, r->label,
						       r->state == CPU_QI_SPINNING ? "spins on" : "polls in qi_submit_sync");
				if (r->state == CPU_QI_SPINNING && wn < sizeof(who))
					wn += (size_t)snprintf(who + wn, sizeof(who) - wn, " %s q_lock",
							       r->unit >= 0 ? m->units[r->unit].name : u->name);
				if (wn < sizeof(who) && r->batch >= 0 && r->unit == ui)
					wn += (size_t)snprintf(who + wn, sizeof(who) - wn, " for batch %d-%d",
							       u->batches[r->batch].first,
							       u->batches[r->batch].wait);
			}
			{
				char verdict[1024];

				if (devslot >= 0)
					snprintf(verdict, sizeof(verdict),
						 "LOCKUP: device-TLB invalidation to %s never completed on %s (slots %d-%d)%s",
						 dev, u->name, b0->first, b0->wait, who);
				else
					snprintf(verdict, sizeof(verdict),
						 "LOCKUP: invalidation batch at slots %d-%d never completed on %s%s",
						 b0->first, b0->wait, u->name, who);
				f = vsc_report_finding_of(rep, k, "%s", verdict);
				/* The first lockup found is the report's one-line verdict. */
				if (!verdict_set) {
					vsc_report_set_verdict(rep, "%s", verdict);
					verdict_set = true;
				}
			}
			if (refs->batches[ui] && refs->batch_row[ui][b0i] != VSC_NO_ROW)
				vsc_finding_evidence_at(f, vsc_ref_row(refs->batches[ui], refs->batch_row[ui][b0i]),
							"oldest unfinished batch: slots %d-%d, %d descriptor(s), wait slot %d is %s",
							b0->first, b0->wait, b0->count, b0->wait,
							vtd_qi_status_name(b0->wait_status));
			if (devslot >= 0) {
				char fields[256];

				vtd_qi_fields_text(&u->slots[devslot].dec, fields, sizeof(fields));
				{
					char text[400];

					snprintf(text, sizeof(text), "slot %d: %s %s", devslot,
						 u->slots[devslot].dec.type_name, fields);
					slot_evidence(f, refs, ui, devslot, text);
				}
				{
					const struct vtd_pci *p = vtd_pci_find(m, u->segment, u->slots[devslot].dec.sid);

					if (p)
						vsc_finding_evidence(f, "source-id %02x:%02x.%u is %s, driver %s, ATS %s, state %s",
								     p->bus, p->devfn >> 3, p->devfn & 7, p->name,
								     p->driver[0] ? p->driver : "none",
								     !p->ats_known ? "unknown" : p->ats_enabled ? "enabled" : "off",
								     vtd_pci_state(p->error_state));
					else
						vsc_finding_evidence(f, "source-id %s matches no PCI device in the dump", dev);
				}
			}
			vsc_finding_evidence(f, "%d batch(es) queued behind it; free_head %d, free_tail %d, free_cnt %d",
					     u->nr_batches - b0i - 1, u->free_head, u->free_tail, u->free_cnt);
			vsc_finding_evidence(f, "%s q_lock word 0x%08x", u->name, u->q_lock);
			for (unsigned int i = 0; roles && i < ncpus; i++)
				if (roles[i].state != CPU_NOT_QI)
					describe_cpu(f, m, &roles[i]);
			if (!roles)
				vsc_finding_evidence(f, "no CPU stacks available: submitters not identified");
			if (spinners[0] || pollers[0])
				vsc_finding_fact(f, "spinning_cpus", vsc_val_str(spinners));
			vsc_finding_fact(f, "polling_cpus", vsc_val_str(pollers));
			vsc_finding_fact(f, "unit", vsc_val_str(u->name));
			vsc_finding_fact(f, "first_slot", vsc_val_int(b0->first));
			vsc_finding_fact(f, "wait_slot", vsc_val_int(b0->wait));
			if (devslot >= 0) {
				char bdf[16];

				vtd_bdf_text(u->segment, u->slots[devslot].dec.sid, bdf, sizeof(bdf));
				vsc_finding_fact(f, "device", vsc_val_str(bdf));
			}
			vsc_finding_next(f, devslot >= 0 ?
					 "qi_submit_sync() has no time-out: every later submitter on this unit will hang too. "
					 "Check the device's ATS and link state (lspci -vv, AER), and whether its driver "
					 "was resetting it; see the fault finding below for the hardware's view" :
					 "qi_submit_sync() has no time-out; see the fault finding below for why the "
					 "hardware did not complete the wait descriptor");
		}

hardware:
		/* What the hardware said. */
		if (iqe_here) {
			struct vtd_head_match hm = { .slot = -1 };
			int head_slot;

			if (m->log_qi_head)
				vtd_match_log_head(u, m->log_head_qw0, m->log_head_qw1, &hm);
			head_slot = hm.in_flight ? hm.slot : -1;
			f = vsc_report_finding_of(rep, &finding_kinds[F_IQE],
						  "%s: Invalidation Queue Error: the hardware rejected %s (logged %d times)",
						  u->name, head_slot >= 0 ? "the descriptor at the queue head" :
						  "a descriptor", m->log_iqe);
			if (m->nr_units > 1)
				vsc_finding_evidence(f, "unit: %s", owner.iqe_why);
			if (head_slot >= 0) {
				const struct vtd_slot *s = &u->slots[head_slot];
				char fields[256], text[640];

				vtd_qi_fields_text(&s->dec, fields, sizeof(fields));
				snprintf(text, sizeof(text),
					 "the log's QI HEAD (%s qw0 = 0x%" PRIx64 ", qw1 = 0x%" PRIx64 ") is slot %d, "
					 "in flight in batch %d-%d: %s", m->log_head_type, m->log_head_qw0,
					 m->log_head_qw1, head_slot,
					 s->batch >= 0 ? u->batches[s->batch].first : head_slot,
					 s->batch >= 0 ? u->batches[s->batch].wait : head_slot, fields);
				slot_evidence(f, refs, ui, head_slot, text);
				if (hm.nr_in_flight > 1 || hm.nr_stale) {
					char list[64] = "";
					size_t n = 0;

					for (int k = 0; k < hm.nr_others && n < sizeof(list); k++)
						n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%d",
								      k ? ", " : "", hm.others[k]);
					vsc_finding_evidence(f, "%s: slot%s %s%s also hold%s that descriptor (%d in flight, "
								"%d free or done: old copies left as the ring wrapped); "
								"slot %d is taken as the head because the hardware runs "
								"the queue in order and it is in the oldest batch in flight",
							     hm.nr_in_flight > 1 ? "ambiguous" : "not ambiguous",
							     hm.nr_in_flight + hm.nr_stale - 1 > 1 ? "s" : "", list,
							     hm.nr_in_flight + hm.nr_stale - 1 > hm.nr_others ? ", ..." : "",
							     hm.nr_in_flight + hm.nr_stale - 1 > 1 ? "" : "s",
							     hm.nr_in_flight, hm.nr_stale, head_slot);
				}
				if (s->dec.reserved_bits[0] || s->dec.reserved_bits[1])
					vsc_finding_evidence(f, "slot %d sets reserved bits (qw0 0x%" PRIx64 ", qw1 0x%" PRIx64 "): an invalid descriptor",
							     head_slot, s->dec.reserved_bits[0], s->dec.reserved_bits[1]);
				if (s->batch >= 0 && u->batches[s->batch].first != head_slot)
					vsc_finding_evidence(f, "slot %d is not the first of its batch (%d-%d): qi_check_fault() "
								"only clears IQE when the head is a batch's first slot, so nobody clears it "
								"and every submitter polls forever",
							     head_slot, u->batches[s->batch].first, u->batches[s->batch].wait);
			} else if (hm.slot >= 0) {
				vsc_finding_evidence(f, "the log's QI HEAD (%s qw0 = 0x%" PRIx64 ", qw1 = 0x%" PRIx64 ") "
							"matches only free or done slot(s), first %d: an old copy left as the "
							"ring wrapped, not the descriptor in flight; the head slot is unknown",
						     m->log_head_type, m->log_head_qw0, m->log_head_qw1, hm.slot);
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
		if (ite_here) {
			f = vsc_report_finding_of(rep, &finding_kinds[F_ITE],
						  "%s: Invalidation Time-out: a device did not answer a device-TLB invalidation%s",
						  u->name, m->log_ite_cleared && u->counted[VTD_QI_ABORT] ?
						  "; aborted batches are being restarted" : "");
			if (m->nr_units > 1 && owner.ite_unit == ui)
				vsc_finding_evidence(f, "unit: %s", owner.ite_why);
			else if (m->nr_units > 1 && m->log_ite)
				vsc_finding_evidence(f, "the log's ITE reports are not tied to %s: %s",
						     u->name, owner.ite_why);
			if (m->log_ite_sid_valid && owner.ite_unit == ui) {
				char d2[96];

				device_text(m, u->segment, (uint16_t)m->log_ite_sid, d2, sizeof(d2));
				vsc_finding_evidence(f, "log: ITE SID 0x%" PRIx64 " = %s", m->log_ite_sid, d2);
			}
			if (owner.ite_unit == ui)
				vsc_finding_evidence(f, "%d slot(s) in QI_ABORT; log: %d ITE report(s), %d 'ITE cleared'",
						     u->counted[VTD_QI_ABORT], m->log_ite, m->log_ite_cleared);
			else
				vsc_finding_evidence(f, "%d slot(s) in QI_ABORT", u->counted[VTD_QI_ABORT]);
			vsc_finding_next(f, "the device behind the SID stopped answering ATS invalidations; "
					    "check its link/AER state and firmware");
			/* The 6.12-6.19 even-slot pitfall: batches of any size (qi_batch) and a wait at an even slot. */
			if (vsc_symbol_exists(t, "qi_batch_flush_descs") && b0->wait % 2 == 0) {
				struct vsc_finding *g = vsc_report_finding_of(rep, &finding_kinds[F_EVEN_SLOT],
					"%s: the pending wait descriptor sits at even slot %d on a kernel that batches "
					"invalidations (qi_batch_flush_descs)", u->name, b0->wait);

				vsc_finding_evidence(g, "before commit fe89277c9ceb the ITE handler walks odd slots only, so an even-slot "
							"wait is never aborted and its owner polls forever (or the walk never ends)");
				vsc_finding_next(g, "check whether this kernel carries fe89277c9ceb (\"iommu/vt-d: ... ITE ... any slot\")");
			}
		}
		if (!fault_logged && (nsub || !roles)) {
			f = vsc_report_finding_of(rep, &finding_kinds[F_SILENT_WAIT],
						  "%s: wait descriptor at slot %d never completed and no queue fault was logged",
						  u->name, b0->wait);
			vsc_finding_evidence(f, "no IQE/ITE/ICE lines in the log and no QI_ABORT slots");
			vsc_finding_next(f, "before 5.13 an ITE is silent in the log; otherwise suspect the "
					    "hardware or a lost completion write (check the status address)");
		}
		(void)0;
	}
	/* Faults the log reports but the dump cannot tie to one unit: say so once, on no unit. */
	if (m->log_iqe && owner.iqe_unit < 0) {
		struct vsc_finding *f = vsc_report_finding_of(rep, &finding_kinds[F_IQE],
			"Invalidation Queue Error on an unidentified DMAR unit (logged %d times)", m->log_iqe);

		vsc_finding_evidence(f, "%s", owner.iqe_why);
		if (m->log_qi_head)
			vsc_finding_evidence(f, "the log's QI HEAD: %s qw0 = 0x%" PRIx64 ", qw1 = 0x%" PRIx64,
					     m->log_head_type, m->log_head_qw0, m->log_head_qw1);
		vsc_finding_evidence(f, "log: %d IQE report(s), %d 'IQE cleared', %d fault-status interrupt(s)",
				     m->log_iqe, m->log_iqe_cleared, m->log_fault_reg);
	}
	if (m->log_ite && owner.ite_unit < 0) {
		struct vsc_finding *f = vsc_report_finding_of(rep, &finding_kinds[F_ITE],
			"Invalidation Time-out on an unidentified DMAR unit (logged %d times)", m->log_ite);

		vsc_finding_evidence(f, "%s", owner.ite_why);
		if (m->log_ite_sid_valid)
			vsc_finding_evidence(f, "log: ITE SID 0x%" PRIx64, m->log_ite_sid);
		vsc_finding_evidence(f, "log: %d ITE report(s), %d 'ITE cleared'", m->log_ite,
				     m->log_ite_cleared);
	}
	if (!verdict_set) {
		int busy = 0;

		for (int ui = 0; ui < m->nr_units; ui++)
			busy += m->units[ui].nr_batches;
		vsc_report_set_verdict(rep, "No VT-d invalidation-queue lockup: %d unit(s), %d batch(es) in flight%s",
				       m->nr_units, busy, nsub ? "" : ", no CPU waiting in qi_submit_sync");
	}
	/* q_lock waiters that are not in QI code. */
	for (unsigned int i = 0; roles && i < ncpus; i++) {
		if (!roles[i].spins_other_lock)
			continue;
		for (int ui = 0; ui < m->nr_units; ui++) {
			const struct vtd_unit *u = &m->units[ui];

			/* Only when the lock word shows this CPU queued on q_lock. */
			if (u->q_lock >> 18 && (u->q_lock >> 18) - 1 == roles[i].v->cpu) {
				struct vsc_finding *f = vsc_report_finding_of(rep, &finding_kinds[F_LOCK_OUTSIDER],
					"CPU%u spins on %s q_lock outside qi_submit_sync (in %s)", roles[i].v->cpu,
					u->name, roles[i].v->nframes > 2 ? roles[i].v->func[2] : "?");
				vsc_finding_next(f, "a reader such as debugfs invalidation_queue takes q_lock; "
						    "it hangs on a wedged queue");
			}
		}
	}
	free(roles);
}
