// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Pending I/O page faults per device.
 *
 * <= 6.8: dev->iommu->fault_param->faults holds struct iommu_fault_event
 *         (last-page requests awaiting iommu_page_response()); the iopf
 *         handler keeps non-last ones on dev->iommu->iopf_param->partial.
 * 6.9+ ("iommu: Make iopf_group_response() return void" series): the
 *         public struct iommu_fault_param has both lists itself: faults
 *         holds struct iopf_group (pending_node) and partial holds
 *         struct iopf_fault.
 * The layout is chosen by member presence.  The kernel keeps no timestamp
 * for page requests, so the age of a fault is not knowable from memory.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vtdscope/analyzer.h>
#include <vtdscope/report.h>
#include <vtdscope/target.h>
#include <vtdscope/types.h>

#include "vtd.h"

#define MAX_FAULTS_PER_LIST 4096

enum {
	PD_IOMMU, DI_FAULT_PARAM, DI_IOPF_PARAM,
	FP_FAULTS, FP_PARTIAL,
	FE_FAULT, FE_LIST,
	IDP_PARTIAL,
	IF_FAULT, IF_LIST,
	IG_PENDING, IG_FAULTS, IG_LAST,
	F_PRM, PR_FLAGS, PR_PASID, PR_GRPID, PR_PERM, PR_ADDR,
	NR_FF
};

static const struct vsc_layout_field fault_fields[NR_FF] = {
	[PD_IOMMU] = { "struct pci_dev", "dev.iommu", false },
	[DI_FAULT_PARAM] = { "struct dev_iommu", "fault_param", false },
	[DI_IOPF_PARAM] = { "struct dev_iommu", "iopf_param", false },
	[FP_FAULTS] = { "struct iommu_fault_param", "faults", false },
	[FP_PARTIAL] = { "struct iommu_fault_param", "partial", false },
	[FE_FAULT] = { "struct iommu_fault_event", "fault", false },
	[FE_LIST] = { "struct iommu_fault_event", "list", false },
	[IDP_PARTIAL] = { "struct iopf_device_param", "partial", false },
	[IF_FAULT] = { "struct iopf_fault", "fault", false },
	[IF_LIST] = { "struct iopf_fault", "list", false },
	[IG_PENDING] = { "struct iopf_group", "pending_node", false },
	[IG_FAULTS] = { "struct iopf_group", "faults", false },
	[IG_LAST] = { "struct iopf_group", "last_fault", false },
	[F_PRM] = { "struct iommu_fault", "prm", false },
	[PR_FLAGS] = { "struct iommu_fault_page_request", "flags", false },
	[PR_PASID] = { "struct iommu_fault_page_request", "pasid", false },
	[PR_GRPID] = { "struct iommu_fault_page_request", "grpid", false },
	[PR_PERM] = { "struct iommu_fault_page_request", "perm", false },
	[PR_ADDR] = { "struct iommu_fault_page_request", "addr", false },
};

#define PRQ_PASID_VALID (1u << 0)
#define PRQ_LAST_PAGE (1u << 1)

static const struct vsc_column fault_cols[] = {
	{ .name = "device", .kind = VSC_VAL_STR },
	{ .name = "list", .kind = VSC_VAL_STR },
	{ .name = "group", .kind = VSC_VAL_UINT },
	{ .name = "pasid", .kind = VSC_VAL_STR },
	{ .name = "address", .kind = VSC_VAL_HEX },
	{ .name = "perm", .kind = VSC_VAL_STR },
	{ .name = "last_page", .kind = VSC_VAL_BOOL },
	{ .name = "flags", .kind = VSC_VAL_HEX },
	{ .name = "record", .kind = VSC_VAL_ADDR },
};

struct fault_ctx {
	struct vsc_target *t;
	struct vsc_layout_field *f;
	struct vsc_table *tb;
	const struct vtd_pci *dev;
	unsigned int pending, partial, incomplete_groups;
	unsigned int dev_pending, dev_partial, dev_groups;
	uint32_t partial_grp[64];     /* distinct group ids among partial requests */
	unsigned int nr_partial_grp;
	uint32_t pending_grp[64];     /* group ids with a reported last-page request */
	unsigned int nr_pending_grp;
};

static void perm_text(uint32_t perm, char *buf)
{
	buf[0] = perm & 1 ? 'r' : '-';
	buf[1] = perm & 2 ? 'w' : '-';
	buf[2] = perm & 4 ? 'x' : '-';
	buf[3] = perm & 8 ? 'p' : '-';
	buf[4] = '\0';
}

static void note_grp(uint32_t *set, unsigned int *n, uint32_t grpid)
{
	for (unsigned int i = 0; i < *n; i++)
		if (set[i] == grpid)
			return;
	if (*n < 64)
		set[(*n)++] = grpid;
}

/* Member @field of the object at @obj; 0 when this kernel has no such member. */
static struct vsc_error *member(struct vsc_target *t, const struct vsc_layout_field *f, int field,
				uint64_t obj, uint64_t *out, const char *label)
{
	*out = 0;
	if (!f[field].present)
		return NULL;
	return vsc_read_member(t, obj, &f[field].info, out, label);
}

/* One struct iommu_fault at @fault. */
static struct vsc_error *add_fault(struct fault_ctx *c, uint64_t fault, const char *list,
				   uint64_t record, bool *last)
{
	const struct vsc_layout_field *f = c->f;
	uint64_t prm = fault + f[F_PRM].info.offset, addr, v;
	uint32_t flags, pasid, grpid, perm;
	char ptext[8], pasid_text[16];

	VSC_TRY(member(c->t, f, PR_FLAGS, prm, &v, "page request flags"));
	flags = (uint32_t)v;
	VSC_TRY(member(c->t, f, PR_PASID, prm, &v, "page request pasid"));
	pasid = (uint32_t)v;
	VSC_TRY(member(c->t, f, PR_GRPID, prm, &v, "page request grpid"));
	grpid = (uint32_t)v;
	VSC_TRY(member(c->t, f, PR_PERM, prm, &v, "page request perm"));
	perm = (uint32_t)v;
	VSC_TRY(member(c->t, f, PR_ADDR, prm, &addr, "page request addr"));
	perm_text(perm, ptext);
	if (flags & PRQ_PASID_VALID)
		snprintf(pasid_text, sizeof(pasid_text), "0x%x", pasid);
	else
		snprintf(pasid_text, sizeof(pasid_text), "none");
	if (!strcmp(list, "pending"))
		note_grp(c->pending_grp, &c->nr_pending_grp, grpid);
	vsc_table_row(c->tb, vsc_val_str(c->dev->name), vsc_val_str(list), vsc_val_uint(grpid),
		      vsc_val_str(pasid_text), vsc_val_hex(addr), vsc_val_str(ptext),
		      vsc_val_bool(flags & PRQ_LAST_PAGE), vsc_val_hex(flags), vsc_val_addr(record));
	if (last)
		*last = flags & PRQ_LAST_PAGE;
	return NULL;
}

/* Walk list_head @head whose entries embed their node at @node_off; call @fn per entry. */
static struct vsc_error *walk_list(struct fault_ctx *c, uint64_t head, uint64_t node_off,
				   struct vsc_error *(*fn)(struct fault_ctx *, uint64_t),
				   const char *what)
{
	uint64_t node;
	unsigned int n = 0;

	VSC_TRY(vsc_read_u64(c->t, head, &node, what));
	while (node != head) {
		if (!node || ++n > MAX_FAULTS_PER_LIST)
			return vsc_error_create(VSC_ERR_CORRUPT, "%s: list is broken or cyclic", what);
		VSC_TRY(fn(c, node - node_off));
		VSC_TRY(vsc_read_u64(c->t, node, &node, what));
	}
	return NULL;
}

static struct vsc_error *on_event(struct fault_ctx *c, uint64_t evt)
{
	c->pending++, c->dev_pending++, c->dev_groups++;
	return add_fault(c, evt + c->f[FE_FAULT].info.offset, "pending", evt, NULL);
}

static struct vsc_error *on_partial(struct fault_ctx *c, uint64_t iopf)
{
	uint64_t fault = iopf + c->f[IF_FAULT].info.offset, grpid;

	c->partial++, c->dev_partial++;
	VSC_TRY(member(c->t, c->f, PR_GRPID, fault + c->f[F_PRM].info.offset, &grpid,
		       "page request grpid"));
	note_grp(c->partial_grp, &c->nr_partial_grp, (uint32_t)grpid);
	return add_fault(c, fault, "partial", iopf, NULL);
}

static struct vsc_error *on_group_fault(struct fault_ctx *c, uint64_t iopf)
{
	c->pending++, c->dev_pending++;
	return add_fault(c, iopf + c->f[IF_FAULT].info.offset, "pending", iopf, NULL);
}

static struct vsc_error *on_group(struct fault_ctx *c, uint64_t group)
{
	c->dev_groups++;
	/* The group's faults list includes its last fault (moved there at creation). */
	return walk_list(c, group + c->f[IG_FAULTS].info.offset, c->f[IF_LIST].info.offset,
			 on_group_fault, "iopf_group.faults");
}

static struct vsc_error *faults_run(struct vsc_analysis *a)
{
	struct vsc_layout_field f[NR_FF];
	struct vsc_section *s = vsc_report_section(a->report, "faults", "Pending I/O page faults");
	struct fault_ctx c = { .t = a->target, .f = f };
	struct vtd_model *m;
	bool new_layout, tried = vsc_analysis_builds(a, VTD_PRODUCT_MODEL) > 0;
	struct vsc_error *err = vtd_model_get(a, &m);

	if (err && tried && err->kind != VSC_ERR_NOMEM) {
		/* The vtd analyzer reported why already. */
		vsc_error_destroy(err);
		vsc_section_note(s, "skipped: the VT-d state could not be read");
		return NULL;
	}
	VSC_TRY(err);
	memcpy(f, fault_fields, sizeof(f));
	VSC_TRY(vsc_layout_resolve(a->target, f, NR_FF));
	if (!f[PD_IOMMU].present || !f[DI_FAULT_PARAM].present || !f[F_PRM].present ||
	    !f[PR_ADDR].present) {
		vsc_section_note(s, "this kernel has no I/O page-fault reporting (no dev_iommu.fault_param)");
		return NULL;
	}
	new_layout = f[FP_PARTIAL].present && f[IG_PENDING].present;
	vsc_section_kv(s, "layout", vsc_val_str(new_layout ?
		"iommu_fault_param.faults of iopf_group + partial (6.9+)" :
		"iommu_fault_param.faults of iommu_fault_event + iopf_device_param.partial (<= 6.8)"));
	vsc_section_kv(s, "age", vsc_val_absent("the kernel keeps no timestamp for page requests"));
	c.tb = vsc_section_table(s, "faults", "Page requests awaiting a response", fault_cols,
				 VSC_ARRAY_SIZE(fault_cols));
	for (int i = 0; i < m->nr_pci; i++) {
		uint64_t dev_iommu = 0, fp = 0, iopf_param = 0;

		c.dev = &m->pci[i];
		c.dev_pending = c.dev_partial = c.dev_groups = c.nr_partial_grp = c.nr_pending_grp = 0;
		err = member(a->target, f, PD_IOMMU, m->pci[i].address, &dev_iommu,
			     "pci_dev.dev.iommu");
		if (!err && dev_iommu)
			err = member(a->target, f, DI_FAULT_PARAM, dev_iommu, &fp,
				     "dev_iommu.fault_param");
		if (!err && dev_iommu)
			err = member(a->target, f, DI_IOPF_PARAM, dev_iommu, &iopf_param,
				     "dev_iommu.iopf_param");
		if (!err && fp && f[FP_FAULTS].present) {
			if (new_layout)
				err = walk_list(&c, fp + f[FP_FAULTS].info.offset, f[IG_PENDING].info.offset,
						on_group, "iommu_fault_param.faults");
			else if (f[FE_LIST].present)
				err = walk_list(&c, fp + f[FP_FAULTS].info.offset, f[FE_LIST].info.offset,
						on_event, "iommu_fault_param.faults");
		}
		if (!err && fp && new_layout)
			err = walk_list(&c, fp + f[FP_PARTIAL].info.offset, f[IF_LIST].info.offset,
					on_partial, "iommu_fault_param.partial");
		if (!err && iopf_param && f[IDP_PARTIAL].present && f[IF_LIST].present)
			err = walk_list(&c, iopf_param + f[IDP_PARTIAL].info.offset,
					f[IF_LIST].info.offset, on_partial, "iopf_device_param.partial");
		if (err) {
			if (err->kind == VSC_ERR_NOMEM)
				return err;
			vsc_section_take_error(s, err, "%s", m->pci[i].name);
			continue;
		}
		if (c.dev_pending || c.dev_partial) {
			unsigned int incomplete = 0, orphans = 0;
			struct vsc_finding *fd;

			/* A partial request whose group's last page is pending was never collected. */
			for (unsigned int g = 0; g < c.nr_partial_grp; g++) {
				bool done = false;

				for (unsigned int k = 0; k < c.nr_pending_grp; k++)
					done |= c.pending_grp[k] == c.partial_grp[g];
				if (done)
					orphans++;
				else
					incomplete++;
			}
			fd = vsc_report_finding(a->report, VSC_SEV_WARNING, "iopf-pending",
				"%s: %u page group(s) awaiting a response (%u requests), %u incomplete group(s) "
				"without a last-page request (%u partial requests)", m->pci[i].name, c.dev_groups,
				c.dev_pending, incomplete, c.dev_partial);
			if (orphans)
				vsc_finding_evidence(fd, "%u group(s) have their last page reported while earlier "
						     "requests are still on the partial list: the fault handler "
						     "never collected them", orphans);

			vsc_finding_evidence_at(fd, vsc_ref_table(c.tb), "see the pending page-fault table");
			vsc_finding_next(fd, "a page request is answered by iommu_page_response() / "
					     "iopf_group_response(); none is pending forever unless its "
					     "handler lost it (there is no timeout in the kernel)");
			vsc_finding_fact(fd, "device", vsc_val_str(m->pci[i].name));
			vsc_finding_fact(fd, "pending", vsc_val_uint(c.dev_pending));
			vsc_finding_fact(fd, "partial", vsc_val_uint(c.dev_partial));
			vsc_finding_fact(fd, "groups", vsc_val_uint(c.dev_groups));
			vsc_finding_fact(fd, "incomplete_groups", vsc_val_uint(incomplete));
		}
	}
	vsc_section_kv(s, "pending_total", vsc_val_uint(c.pending));
	vsc_section_kv(s, "partial_total", vsc_val_uint(c.partial));
	for (int i = 0; i < m->nr_units; i++) {
		struct vsc_section *u = vsc_section_section(s, m->units[i].name, m->units[i].name);

		vsc_section_kv(u, "prq", m->units[i].prq ? vsc_val_addr(m->units[i].prq)
							 : vsc_val_absent("no page request queue"));
		vsc_section_kv(u, "iopf_queue", m->units[i].iopf_queue ? vsc_val_addr(m->units[i].iopf_queue)
								       : vsc_val_absent("none"));
	}
	return NULL;
}

const struct vsc_analyzer vsc_analyzer_faults = {
	.abi = VSC_ANALYZER_ABI,
	.name = "faults",
	.summary = "pending I/O page faults (page requests) per device",
	.run = faults_run,
};
