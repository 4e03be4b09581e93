// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reading the VT-d state out of the target.  Every layout is declared once
 * and resolved by member presence; every list walk is bounded and detects
 * cycles; every index read from the dump is range-checked.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vtdscope/analyzer.h>
#include <vtdscope/printk.h>
#include <vtdscope/symbols.h>
#include <vtdscope/target.h>

#include "vtd.h"

enum {
	D_LIST, D_IOMMU, D_SEGMENT, D_INCLUDE_ALL, D_IGNORED,
	I_NAME, I_SEQ, I_REG_PHYS, I_CAP, I_ECAP, I_GCMD, I_FLAGS, I_SEGMENT, I_QI, I_PRQ, I_IOPFQ,
	Q_SIZE, Q_LOCK, Q_DESC, Q_STATUS, Q_HEAD, Q_TAIL, Q_CNT,
	QD_QW2, QD_LOW,
	NR_VTD_FIELDS
};

static const struct vsc_layout_field vtd_fields[NR_VTD_FIELDS] = {
	[D_LIST] = { "struct dmar_drhd_unit", "list", true },
	[D_IOMMU] = { "struct dmar_drhd_unit", "iommu", true },
	[D_SEGMENT] = { "struct dmar_drhd_unit", "segment", false },
	[D_INCLUDE_ALL] = { "struct dmar_drhd_unit", "include_all", false },
	[D_IGNORED] = { "struct dmar_drhd_unit", "ignored", false },
	[I_NAME] = { "struct intel_iommu", "name", true },
	[I_SEQ] = { "struct intel_iommu", "seq_id", false },
	[I_REG_PHYS] = { "struct intel_iommu", "reg_phys", false },
	[I_CAP] = { "struct intel_iommu", "cap", true },
	[I_ECAP] = { "struct intel_iommu", "ecap", true },
	[I_GCMD] = { "struct intel_iommu", "gcmd", false },
	[I_FLAGS] = { "struct intel_iommu", "flags", false },
	[I_SEGMENT] = { "struct intel_iommu", "segment", false },
	[I_QI] = { "struct intel_iommu", "qi", true },
	[I_PRQ] = { "struct intel_iommu", "prq", false },
	[I_IOPFQ] = { "struct intel_iommu", "iopf_queue", false },
	[Q_SIZE] = { "struct q_inval", NULL, true },
	[Q_LOCK] = { "struct q_inval", "q_lock", true },
	[Q_DESC] = { "struct q_inval", "desc", true },
	[Q_STATUS] = { "struct q_inval", "desc_status", true },
	[Q_HEAD] = { "struct q_inval", "free_head", true },
	[Q_TAIL] = { "struct q_inval", "free_tail", true },
	[Q_CNT] = { "struct q_inval", "free_cnt", true },
	[QD_QW2] = { "struct qi_desc", "qw2", false },
	[QD_LOW] = { "struct qi_desc", "low", false },
};

enum {
	B_NODE, B_CHILDREN, B_DEVICES, B_NUMBER, B_SYSDATA,
	P_BUS_LIST, P_BUS, P_DEVFN, P_VENDOR, P_DEVICE, P_ATS, P_ERROR, P_DRIVER, P_NAME,
	DRV_NAME,
	NR_PCI_FIELDS
};

static const struct vsc_layout_field pci_fields[NR_PCI_FIELDS] = {
	[B_NODE] = { "struct pci_bus", "node", true },
	[B_CHILDREN] = { "struct pci_bus", "children", true },
	[B_DEVICES] = { "struct pci_bus", "devices", true },
	[B_NUMBER] = { "struct pci_bus", "number", true },
	[B_SYSDATA] = { "struct pci_bus", "sysdata", false },
	[P_BUS_LIST] = { "struct pci_dev", "bus_list", true },
	[P_BUS] = { "struct pci_dev", "bus", true },
	[P_DEVFN] = { "struct pci_dev", "devfn", true },
	[P_VENDOR] = { "struct pci_dev", "vendor", true },
	[P_DEVICE] = { "struct pci_dev", "device", true },
	[P_ATS] = { "struct pci_dev", "ats_enabled", false },
	[P_ERROR] = { "struct pci_dev", "error_state", false },
	[P_DRIVER] = { "struct pci_dev", "driver", false },
	[P_NAME] = { "struct pci_dev", "dev.kobj.name", false },
	[DRV_NAME] = { "struct pci_driver", "name", false },
};

static void *xmalloc_read(struct vsc_target *t, uint64_t addr, size_t len, const char *label,
			  struct vsc_error **err)
{
	void *buf = malloc(len ? len : 1);

	if (!buf) {
		*err = &vsc_error_nomem;
		return NULL;
	}
	*err = vsc_read(t, addr, buf, len, label);
	if (*err) {
		free(buf);
		return NULL;
	}
	return buf;
}

int vtd_status_slot(const struct vtd_unit *u, uint64_t paddr)
{
	if (!u->desc_status_phys || paddr < u->desc_status_phys ||
	    paddr >= u->desc_status_phys + 4 * VTD_QI_LENGTH || (paddr - u->desc_status_phys) % 4)
		return -1;
	return (int)((paddr - u->desc_status_phys) / 4);
}

static void build_batches(struct vtd_unit *u)
{
	int head = u->free_head, tail = u->free_tail;
	int n = (head - tail + VTD_QI_LENGTH) % VTD_QI_LENGTH;
	int start = -1;

	for (int i = 0; i < VTD_QI_LENGTH; i++)
		u->slots[i].batch = -1;
	u->nr_batches = 0;
	/* In-flight descriptors are the slots from free_tail up to free_head. */
	for (int k = 0; k < n; k++) {
		int i = (tail + k) % VTD_QI_LENGTH;
		struct vtd_slot *s = &u->slots[i];

		if (s->status == VTD_QI_FREE && start < 0)
			continue; /* already reclaimed (6.10+ frees as it goes) */
		if (start < 0)
			start = i;
		if (s->dec.is_wait) {
			struct vtd_batch *b = &u->batches[u->nr_batches];
			int home = vtd_status_slot(u, s->dec.wait_status_addr);

			b->first = start;
			b->wait = i;
			b->count = (i - start + VTD_QI_LENGTH) % VTD_QI_LENGTH;
			b->wait_status = s->status;
			b->pending = s->status != VTD_QI_DONE && s->status != VTD_QI_FREE;
			b->wait_points_home = home == i;
			b->has_device_inv = false;
			for (int j = start; ; j = (j + 1) % VTD_QI_LENGTH) {
				u->slots[j].batch = u->nr_batches;
				if (u->slots[j].dec.targets_device)
					b->has_device_inv = true;
				if (j == i)
					break;
			}
			u->nr_batches++;
			start = -1;
			if (u->nr_batches >= VTD_MAX_BATCHES)
				break;
		}
	}
}

static struct vsc_error *read_queue(struct vsc_target *t, struct vtd_unit *u,
				    const struct vsc_layout_field *f)
{
	struct vsc_error *err = NULL;
	unsigned char *q, *ring = NULL;
	int32_t *status = NULL;
	char label[64];
	size_t qsize = f[Q_SIZE].info.size, stride;

	if (qsize == 0 || qsize > 4096)
		return vsc_error_create(VSC_ERR_CORRUPT, "implausible sizeof(struct q_inval) %zu", qsize);
	snprintf(label, sizeof(label), "%s qi (struct q_inval)", u->name);
	q = xmalloc_read(t, u->qi, qsize, label, &err);
	if (!q)
		return err;
	u->q_lock_addr = u->qi + f[Q_LOCK].info.offset;
	u->q_lock = (uint32_t)vsc_field_value(q, qsize, &f[Q_LOCK]);
	u->desc = vsc_field_value(q, qsize, &f[Q_DESC]);
	u->desc_status = vsc_field_value(q, qsize, &f[Q_STATUS]);
	u->free_head = (int)(int32_t)vsc_field_value(q, qsize, &f[Q_HEAD]);
	u->free_tail = (int)(int32_t)vsc_field_value(q, qsize, &f[Q_TAIL]);
	u->free_cnt = (int)(int32_t)vsc_field_value(q, qsize, &f[Q_CNT]);
	free(q);

	/* 256-bit descriptors when the hardware has scalable-mode translation (ECAP.SMTS). */
	u->shift = 4;
	if (f[QD_QW2].present && (u->ecap >> 43) & 1)
		u->shift = 5;
	stride = (size_t)1 << u->shift;

	if (u->free_head < 0 || u->free_head >= VTD_QI_LENGTH || u->free_tail < 0 ||
	    u->free_tail >= VTD_QI_LENGTH)
		return vsc_error_create(VSC_ERR_CORRUPT,
					"%s qi: free_head %d / free_tail %d outside the %d-slot ring",
					u->name, u->free_head, u->free_tail, VTD_QI_LENGTH);
	vsc_error_destroy(vsc_virt_to_phys(t, u->desc, &u->desc_phys));
	vsc_error_destroy(vsc_virt_to_phys(t, u->desc_status, &u->desc_status_phys));

	snprintf(label, sizeof(label), "%s qi->desc ring", u->name);
	ring = xmalloc_read(t, u->desc, VTD_QI_LENGTH * stride, label, &err);
	if (!ring)
		return err;
	snprintf(label, sizeof(label), "%s qi->desc_status[]", u->name);
	status = xmalloc_read(t, u->desc_status, VTD_QI_LENGTH * sizeof(int32_t), label, &err);
	if (!status) {
		free(ring);
		return err;
	}
	for (int i = 0; i < VTD_QI_LENGTH; i++) {
		struct vtd_slot *s = &u->slots[i];

		memset(s->qw, 0, sizeof(s->qw));
		memcpy(s->qw, ring + (size_t)i * stride, stride);
		s->status = status[i];
		vtd_qi_decode(s->qw, u->shift == 5, &s->dec);
		if (s->status >= 0 && s->status <= 3)
			u->counted[s->status]++;
		else
			u->garbage_status++;
	}
	u->slots_read = true;
	free(ring);
	free(status);
	build_batches(u);
	return NULL;
}

static struct vsc_error *read_unit(struct vsc_target *t, struct vtd_unit *u,
				   const struct vsc_layout_field *f, const unsigned char *drhd,
				   size_t drhd_size)
{
	struct vsc_error *err = NULL;
	uint64_t isize;
	unsigned char *ib;

	u->iommu = vsc_field_value(drhd, drhd_size, &f[D_IOMMU]);
	u->segment = (uint16_t)vsc_field_value(drhd, drhd_size, &f[D_SEGMENT]);
	u->include_all = vsc_field_value(drhd, drhd_size, &f[D_INCLUDE_ALL]);
	u->ignored = vsc_field_value(drhd, drhd_size, &f[D_IGNORED]);
	snprintf(u->name, sizeof(u->name), "drhd@%" PRIx64, u->drhd);
	if (!u->iommu)
		return NULL;
	VSC_TRY(vsc_type_size(t, "struct intel_iommu", &isize));
	if (isize == 0 || isize > (1u << 20))
		return vsc_error_create(VSC_ERR_CORRUPT, "implausible sizeof(struct intel_iommu)");
	ib = xmalloc_read(t, u->iommu, isize, "struct intel_iommu", &err);
	if (!ib)
		return err;
	vsc_member_string(ib, isize, 0, &f[I_NAME].info, u->name, sizeof(u->name));
	for (char *p = u->name; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
	if (!u->name[0])
		snprintf(u->name, sizeof(u->name), "iommu@%" PRIx64, u->iommu);
	u->seq_id = f[I_SEQ].present ? (int)(int32_t)vsc_field_value(ib, isize, &f[I_SEQ]) : -1;
	u->reg_phys = vsc_field_value(ib, isize, &f[I_REG_PHYS]);
	u->cap = vsc_field_value(ib, isize, &f[I_CAP]);
	u->ecap = vsc_field_value(ib, isize, &f[I_ECAP]);
	u->gcmd = (uint32_t)vsc_field_value(ib, isize, &f[I_GCMD]);
	u->gcmd_present = f[I_GCMD].present;
	u->flags = (uint32_t)vsc_field_value(ib, isize, &f[I_FLAGS]);
	u->flags_present = f[I_FLAGS].present;
	if (f[I_SEGMENT].present)
		u->segment = (uint16_t)vsc_field_value(ib, isize, &f[I_SEGMENT]);
	u->qi = vsc_field_value(ib, isize, &f[I_QI]);
	u->prq = vsc_field_value(ib, isize, &f[I_PRQ]);
	u->iopf_queue = vsc_field_value(ib, isize, &f[I_IOPFQ]);
	free(ib);
	u->has_qi = u->qi != 0;
	if (u->has_qi) {
		u->qi_error = read_queue(t, u, f);
		if (u->qi_error && u->qi_error->kind == VSC_ERR_NOMEM) {
			struct vsc_error *e = u->qi_error;

			u->qi_error = NULL;
			return e;
		}
	}
	return NULL;
}

/* ---- PCI ---- */

struct pci_walk {
	struct vsc_target *t;
	struct vtd_model *m;
	const struct vsc_layout_field *f;
	unsigned int visited;
};

static struct vsc_error *walk_bus(struct pci_walk *w, uint64_t bus, int depth)
{
	const struct vsc_layout_field *f = w->f;
	uint64_t head, node, sysdata = 0, number;
	int32_t domain = 0;
	unsigned int n = 0;

	if (depth > 32)
		return vsc_error_create(VSC_ERR_CORRUPT, "PCI bus tree deeper than 32 levels");
	VSC_TRY(vsc_read_member(w->t, bus, &f[B_NUMBER].info, &number, "pci_bus.number"));
	if (f[B_SYSDATA].present &&
	    !vsc_error_consume(vsc_read_member(w->t, bus, &f[B_SYSDATA].info, &sysdata,
					       "pci_bus.sysdata")) &&
	    sysdata)
		vsc_error_destroy(vsc_read_u32(w->t, sysdata, (uint32_t *)&domain, "pci_sysdata.domain"));

	head = bus + f[B_DEVICES].info.offset;
	VSC_TRY(vsc_read_u64(w->t, head, &node, "pci_bus.devices.next"));
	while (node != head) {
		uint64_t pdev = node - f[P_BUS_LIST].info.offset, name_ptr = 0, drv = 0, v;
		struct vtd_pci *p;

		if (++n > VTD_MAX_PCI || ++w->visited > VTD_MAX_PCI || w->m->nr_pci >= VTD_MAX_PCI)
			return vsc_error_create(VSC_ERR_CORRUPT, "PCI device list does not terminate");
		p = &w->m->pci[w->m->nr_pci];
		memset(p, 0, sizeof(*p));
		p->address = pdev;
		p->segment = (uint16_t)domain;
		p->bus = (uint8_t)number;
		p->error_state = -1;
		VSC_TRY(vsc_read_member(w->t, pdev, &f[P_DEVFN].info, &v, "pci_dev.devfn"));
		p->devfn = (uint8_t)v;
		VSC_TRY(vsc_read_member(w->t, pdev, &f[P_VENDOR].info, &v, "pci_dev.vendor"));
		p->vendor = (uint16_t)v;
		VSC_TRY(vsc_read_member(w->t, pdev, &f[P_DEVICE].info, &v, "pci_dev.device"));
		p->device = (uint16_t)v;
		if (f[P_ATS].present &&
		    !vsc_error_consume(vsc_read_member(w->t, pdev, &f[P_ATS].info, &v,
						       "pci_dev.ats_enabled"))) {
			p->ats_enabled = v != 0;
			p->ats_known = true;
		}
		if (f[P_ERROR].present &&
		    !vsc_error_consume(vsc_read_member(w->t, pdev, &f[P_ERROR].info, &v,
						       "pci_dev.error_state")))
			p->error_state = (int)(uint32_t)v;
		snprintf(p->name, sizeof(p->name), "%04x:%02x:%02x.%u", p->segment, p->bus,
			 p->devfn >> 3, p->devfn & 7);
		if (f[P_NAME].present &&
		    !vsc_error_consume(vsc_read_member(w->t, pdev, &f[P_NAME].info, &name_ptr,
						       "pci_dev.dev.kobj.name")) &&
		    name_ptr) {
			char nm[32];

			if (!vsc_error_consume(vsc_read_cstr(w->t, name_ptr, nm, sizeof(nm),
							     "pci device name")) &&
			    strlen(nm) >= 7)
				snprintf(p->name, sizeof(p->name), "%s", nm);
		}
		/* ATS and error state stay "unknown" when unreadable; a driver becomes "?", not "none". */
		if (f[P_DRIVER].present && f[DRV_NAME].present) {
			uint64_t dn = 0;
			bool failed = vsc_error_consume(vsc_read_member(w->t, pdev, &f[P_DRIVER].info,
									&drv, "pci_dev.driver"));

			if (!failed && drv)
				failed = vsc_error_consume(vsc_read_member(w->t, drv, &f[DRV_NAME].info,
									   &dn, "pci_driver.name")) ||
					 (dn && vsc_error_consume(vsc_read_cstr(w->t, dn, p->driver,
										  sizeof(p->driver),
										  "pci driver name")));
			if (failed)
				snprintf(p->driver, sizeof(p->driver), "?");
		}
		w->m->nr_pci++;
		VSC_TRY(vsc_read_u64(w->t, node, &node, "pci_dev.bus_list.next"));
	}
	/* child buses */
	head = bus + f[B_CHILDREN].info.offset;
	VSC_TRY(vsc_read_u64(w->t, head, &node, "pci_bus.children.next"));
	n = 0;
	while (node != head) {
		if (++n > 256)
			return vsc_error_create(VSC_ERR_CORRUPT, "PCI child bus list does not terminate");
		VSC_TRY(walk_bus(w, node - f[B_NODE].info.offset, depth + 1));
		VSC_TRY(vsc_read_u64(w->t, node, &node, "pci_bus.node.next"));
	}
	return NULL;
}

static struct vsc_error *read_pci(struct vsc_target *t, struct vtd_model *m)
{
	struct vsc_layout_field f[NR_PCI_FIELDS];
	struct pci_walk w = { .t = t, .m = m, .f = f };
	uint64_t head, node;
	unsigned int n = 0;

	memcpy(f, pci_fields, sizeof(f));
	VSC_TRY(vsc_layout_resolve(t, f, NR_PCI_FIELDS));
	VSC_TRY(vsc_symbol_address(t, "pci_root_buses", &head));
	m->pci = calloc(VTD_MAX_PCI, sizeof(*m->pci));
	if (!m->pci)
		return &vsc_error_nomem;
	VSC_TRY(vsc_read_u64(t, head, &node, "pci_root_buses.next"));
	while (node != head) {
		if (++n > 256)
			return vsc_error_create(VSC_ERR_CORRUPT, "pci_root_buses does not terminate");
		VSC_TRY(walk_bus(&w, node - f[B_NODE].info.offset, 0));
		VSC_TRY(vsc_read_u64(t, node, &node, "pci_bus.node.next"));
	}
	return NULL;
}

const struct vtd_pci *vtd_pci_find(const struct vtd_model *m, uint16_t segment, uint16_t sid)
{
	for (int i = 0; i < m->nr_pci; i++)
		if (m->pci[i].segment == segment && m->pci[i].bus == (sid >> 8) &&
		    m->pci[i].devfn == (sid & 0xff))
			return &m->pci[i];
	return NULL;
}

/* ---- log ---- */

static void keep_line(struct vtd_model *m, const struct vsc_log_record *rec)
{
	int slot = m->nr_log_lines;
	size_t n = rec->text_len < 255 ? rec->text_len : 255;

	if (slot >= 16) {
		/* keep the first 8 and the last 8 */
		memmove(&m->log_lines[8], &m->log_lines[9], 7 * sizeof(m->log_lines[0]));
		memmove(&m->log_ts[8], &m->log_ts[9], 7 * sizeof(m->log_ts[0]));
		slot = 15;
	} else {
		m->nr_log_lines++;
	}
	memcpy(m->log_lines[slot], rec->text, n);
	m->log_lines[slot][n] = '\0';
	for (char *p = m->log_lines[slot]; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	m->log_ts[slot] = rec->ts_nsec;
}

static int log_cb(void *arg, const struct vsc_log_record *rec)
{
	struct vtd_model *m = arg;
	char line[512];
	size_t n = rec->text_len < sizeof(line) - 1 ? rec->text_len : sizeof(line) - 1;
	const char *p;
	bool keep = false;

	memcpy(line, rec->text, n);
	line[n] = '\0';
	if (strstr(line, "Invalidation Queue Error: Reason") || strstr(line, "detected invalid descriptor"))
		m->log_iqe++, keep = true;
	if ((p = strstr(line, "Invalidation Time-out Error: SID "))) {
		m->log_ite++, keep = true;
		m->log_ite_sid = strtoull(p + strlen("Invalidation Time-out Error: SID "), NULL, 16);
		m->log_ite_sid_valid = true;
	}
	if (strstr(line, "Invalidation Completion Error"))
		m->log_ice++, keep = true;
	if (strstr(line, "Invalidation Queue Error (IQE) cleared"))
		m->log_iqe_cleared++, keep = true;
	if (strstr(line, "Invalidation Time-out Error (ITE) cleared"))
		m->log_ite_cleared++, keep = true;
	if (strstr(line, "DRHD: handling fault status reg"))
		m->log_fault_reg++, keep = true;
	if ((p = strstr(line, "QI HEAD: "))) {
		const char *q0 = strstr(p, "qw0 = 0x"), *q1 = strstr(p, "qw1 = 0x");

		keep = true;
		if (q0 && q1) {
			size_t tn = (size_t)(q0 - (p + 9));

			m->log_qi_head = true;
			m->log_head_qw0 = strtoull(q0 + 8, NULL, 16);
			m->log_head_qw1 = strtoull(q1 + 8, NULL, 16);
			if (tn >= sizeof(m->log_head_type))
				tn = sizeof(m->log_head_type) - 1;
			memcpy(m->log_head_type, p + 9, tn);
			m->log_head_type[tn] = '\0';
			while (tn && m->log_head_type[tn - 1] == ' ')
				m->log_head_type[--tn] = '\0';
		}
	}
	if (strstr(line, "QI PRIOR: "))
		keep = true;
	if (keep)
		keep_line(m, rec);
	return 0;
}

/* ---- model ---- */

void vtd_model_destroy(struct vtd_model *m)
{
	if (!m)
		return;
	for (int i = 0; i < m->nr_units; i++)
		vsc_error_destroy(m->units[i].qi_error);
	vsc_error_destroy(m->pci_error);
	free(m->pci);
	free(m);
}

struct vsc_error *vtd_model_read(struct vsc_target *t, const struct vsc_log_records *log,
				 struct vtd_model **out)
{
	struct vsc_layout_field f[NR_VTD_FIELDS];
	struct vtd_model *m;
	struct vsc_error *err;
	uint64_t head, node;
	unsigned char *drhd = NULL;
	uint64_t drhd_size;

	m = calloc(1, sizeof(*m));
	if (!m)
		return &vsc_error_nomem;
	err = vsc_symbol_address(t, "dmar_drhd_units", &head);
	if (vsc_error_is(err, VSC_ERR_NOTFOUND)) {
		/* No DMAR driver in this kernel at all. */
		vsc_error_destroy(err);
		*out = m;
		return NULL;
	}
	if (err) {
		free(m);
		return vsc_error_wrap(err, "reading VT-d units");
	}
	m->intel_iommu_present = true;
	memcpy(f, vtd_fields, sizeof(f));
	err = vsc_layout_resolve(t, f, NR_VTD_FIELDS);
	if (!err)
		err = vsc_type_size(t, "struct dmar_drhd_unit", &drhd_size);
	if (!err && (drhd_size == 0 || drhd_size > 4096))
		err = vsc_error_create(VSC_ERR_CORRUPT, "implausible sizeof(struct dmar_drhd_unit)");
	if (!err)
		drhd = malloc(drhd_size);
	if (!err && !drhd)
		err = &vsc_error_nomem;
	if (!err)
		err = vsc_read_u64(t, head, &node, "dmar_drhd_units.next");
	while (!err && node != head) {
		uint64_t addr = node - f[D_LIST].info.offset;
		struct vtd_unit *u;

		if (m->nr_units >= VTD_MAX_UNITS) {
			m->list_truncated = true;
			break;
		}
		for (int i = 0; i < m->nr_units; i++)
			if (m->units[i].drhd == addr)
				err = vsc_error_create(VSC_ERR_CORRUPT, "dmar_drhd_units list has a cycle");
		if (err)
			break;
		u = &m->units[m->nr_units++];
		u->drhd = addr;
		err = vsc_read(t, addr, drhd, drhd_size, "struct dmar_drhd_unit");
		if (!err)
			err = read_unit(t, u, f, drhd, drhd_size);
		if (!err)
			err = vsc_read_u64(t, node, &node, "dmar_drhd_unit.list.next");
	}
	free(drhd);
	if (err) {
		vtd_model_destroy(m);
		return vsc_error_wrap(err, "reading VT-d units");
	}
	if (m->nr_units) {
		m->pci_error = read_pci(t, m);
		if (m->pci_error && m->pci_error->kind == VSC_ERR_NOMEM) {
			vtd_model_destroy(m);
			return &vsc_error_nomem;
		}
		for (int i = 0; i < m->nr_pci; i++)
			for (int k = 0; k < m->nr_units; k++)
				if (m->units[k].include_all && m->units[k].segment == m->pci[i].segment) {
					m->pci[i].behind_unit = true;
					m->units[k].nr_devices++;
				}
	}
	if (log) {
		for (size_t i = 0; i < log->nr; i++)
			log_cb(m, &log->records[i]);
	} else {
		vsc_error_destroy(vsc_log_foreach(t, log_cb, m));
	}
	*out = m;
	return NULL;
}
