// SPDX-License-Identifier: GPL-2.0-or-later
/* The VT-d sections of the report: units, queues, slots, batches, devices. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <vtdscope/report.h>

#include "vtd_report.h"

/* Capability bits worth naming.  X(register, bit, name) */
#define VTD_FEATURES(X)                  \
	X(ecap, 1, "QI")                 \
	X(ecap, 2, "device-IOTLB")       \
	X(ecap, 3, "IR")                 \
	X(ecap, 6, "PT")                 \
	X(cap, 7, "caching-mode")        \
	X(ecap, 7, "snoop-control")      \
	X(ecap, 26, "nested")            \
	X(ecap, 29, "PRS")               \
	X(ecap, 31, "SRS")               \
	X(ecap, 40, "PASID")             \
	X(ecap, 43, "scalable-mode")     \
	X(ecap, 46, "second-level")      \
	X(ecap, 47, "first-level")

#define X(reg, bit, name) + 1
enum { VTD_NR_FEATURES = 0 VTD_FEATURES(X) };
#undef X

/* The capabilities @cap and @ecap name, as a list of strings in @items. */
static struct vsc_value features_value(uint64_t cap, uint64_t ecap,
				       struct vsc_value items[VTD_NR_FEATURES])
{
	size_t n = 0;

#define X(reg, bit, name)                               \
	if (((reg) >> (bit)) & 1)                       \
		items[n++] = vsc_val_str(name);
	VTD_FEATURES(X)
#undef X
	return vsc_val_list(items, n);
}

struct vsc_value vtd_desc_value(const struct vtd_decoded *d, struct vtd_desc_value *st)
{
	size_t n = 0;

	for (size_t i = 0; i < d->nr_fields && i < VTD_MAX_FIELDS; i++) {
		const struct vtd_field *f = &d->fields[i];
		struct vsc_value v;

		switch (f->fmt) {
		case VTD_FMT_DEC:
			v = vsc_val_uint(f->value);
			break;
		case VTD_FMT_HEX:
			v = vsc_val_hex(f->value);
			break;
		case VTD_FMT_BDF:
			snprintf(st->bdf[i], sizeof(st->bdf[i]), "%02x:%02x.%u",
				 (unsigned int)(f->value >> 8) & 0xff,
				 (unsigned int)(f->value >> 3) & 0x1f, (unsigned int)f->value & 7);
			v = vsc_val_str(st->bdf[i]);
			break;
		case VTD_FMT_FLAG:
			if (!f->value)
				continue;       /* as the decoder's text: set flags only */
			v = vsc_val_bool(true);
			break;
		case VTD_FMT_ENUM:
		default:
			v = vsc_val_str(f->text ? f->text : "?");
			break;
		}
		st->members[n++] = (struct vsc_member){ f->name, v };
	}
	if (d->reserved_bits[0] || d->reserved_bits[1]) {
		st->reserved[0] = (struct vsc_member){ "qw0", vsc_val_hex(d->reserved_bits[0]) };
		st->reserved[1] = (struct vsc_member){ "qw1", vsc_val_hex(d->reserved_bits[1]) };
		st->members[n++] = (struct vsc_member){ "reserved_bits",
							vsc_val_object(st->reserved, 2) };
	}
	return vsc_val_object(st->members, n);
}

static void lock_text(uint32_t v, char *buf, size_t size)
{
	unsigned int locked = v & 0xff, pending = (v >> 8) & 1, idx = (v >> 16) & 3;
	unsigned int tail_cpu = v >> 18;

	if (!v) {
		snprintf(buf, size, "unlocked");
		return;
	}
	snprintf(buf, size, "%s%s%s", locked == 3 ? "locked (PV slow)" : locked ? "locked" : "not locked",
		 pending ? ", pending waiter" : "", tail_cpu ? "" : ", no queued waiters");
	if (tail_cpu) {
		size_t n = strlen(buf);

		snprintf(buf + n, size - n, ", queue tail CPU %u (node %u)", tail_cpu - 1, idx);
	}
}

static const struct vsc_column unit_cols[] = {
	{ .name = "unit", .kind = VSC_VAL_STR },
	{ .name = "seq", .kind = VSC_VAL_INT },
	{ .name = "segment", .kind = VSC_VAL_UINT },
	{ .name = "reg_phys", .kind = VSC_VAL_HEX },
	{ .name = "cap", .kind = VSC_VAL_HEX },
	{ .name = "ecap", .kind = VSC_VAL_HEX },
	{ .name = "translation", .kind = VSC_VAL_STR },
	{ .name = "qi", .kind = VSC_VAL_STR },
	{ .name = "features", .kind = VSC_VAL_LIST },
};

static const struct vsc_column slot_cols[] = {
	{ .name = "slot", .kind = VSC_VAL_UINT },
	{ .name = "status", .kind = VSC_VAL_STR },
	{ .name = "type", .kind = VSC_VAL_STR },
	{ .name = "qw0", .kind = VSC_VAL_HEX },
	{ .name = "qw1", .kind = VSC_VAL_HEX },
	{ .name = "qw2", .kind = VSC_VAL_HEX },
	{ .name = "qw3", .kind = VSC_VAL_HEX },
	{ .name = "batch", .kind = VSC_VAL_INT },
	{ .name = "fields", .kind = VSC_VAL_OBJECT },
};

static const struct vsc_column batch_cols[] = {
	{ .name = "batch", .kind = VSC_VAL_UINT },
	{ .name = "slots", .kind = VSC_VAL_LIST },
	{ .name = "descriptors", .kind = VSC_VAL_UINT },
	{ .name = "wait_slot", .kind = VSC_VAL_UINT },
	{ .name = "wait_status", .kind = VSC_VAL_STR },
	{ .name = "state", .kind = VSC_VAL_STR },
	{ .name = "contents", .kind = VSC_VAL_LIST },
};

static const struct vsc_column pci_cols[] = {
	{ .name = "device", .kind = VSC_VAL_STR },
	{ .name = "vendor", .kind = VSC_VAL_HEX },
	{ .name = "device_id", .kind = VSC_VAL_HEX },
	{ .name = "driver", .kind = VSC_VAL_STR },
	{ .name = "ats", .kind = VSC_VAL_STR },
	{ .name = "state", .kind = VSC_VAL_STR },
};

const char *vtd_pci_state(int error_state)
{
	switch (error_state) {
	case -1: return "unknown";
	case 1: return "normal";
	case 2: return "frozen";
	case 3: return "disconnected";
	default: return "?";
	}
}

/*
 * The slots of batch @b, first to wait descriptor (wrapping at the ring's
 * end), into @slots, and the types of its descriptors (the wait excluded)
 * into @types.
 */
static void batch_lists(const struct vtd_unit *u, const struct vtd_batch *b,
			struct vsc_value slots[VTD_QI_LENGTH], struct vsc_value types[VTD_QI_LENGTH],
			struct vsc_value *slots_val, struct vsc_value *types_val)
{
	size_t ns = 0, nt = 0;
	int j = b->first;

	if (b->first < 0 || b->first >= VTD_QI_LENGTH || b->wait < 0 || b->wait >= VTD_QI_LENGTH) {
		*slots_val = vsc_val_absent("batch bounds out of the ring");
		*types_val = vsc_val_absent("batch bounds out of the ring");
		return;
	}
	for (; ns < VTD_QI_LENGTH; j = (j + 1) % VTD_QI_LENGTH) {
		slots[ns++] = vsc_val_uint((uint64_t)j);
		if (j == b->wait)
			break;
		types[nt++] = vsc_val_str(u->slots[j].dec.type_short);
	}
	*slots_val = vsc_val_list(slots, ns);
	*types_val = vsc_val_list(types, nt);
}

static void fill_unit(struct vsc_section *parent, const struct vtd_model *m,
		      const struct vtd_unit *u, const struct vsc_analysis_options *opts,
		      struct vtd_report_refs *refs, int ui)
{
	struct vsc_section *s = vsc_section_section(parent, u->name, u->name);
	struct vsc_table *slots, *batches;
	char text[160];
	int inflight;

	if (!u->has_qi) {
		vsc_section_note(s, "queued invalidation is not enabled on %s", u->name);
		return;
	}
	vsc_section_kv_addr(s, "q_inval", u->qi);
	if (u->qi_error) {
		vsc_section_error(s, u->qi_error->kind, "%s", u->qi_error->message);
		return;
	}
	vsc_section_kvf(s, "descriptor_width", "%u-bit (%u bytes)", (1u << u->shift) * 8,
			1u << u->shift);
	vsc_section_kv_addr(s, "ring", u->desc);
	vsc_section_kv(s, "ring_phys", vsc_val_hex(u->desc_phys));
	vsc_section_kv_addr(s, "desc_status", u->desc_status);
	vsc_section_kv(s, "free_head", vsc_val_int(u->free_head));
	vsc_section_kv(s, "free_tail", vsc_val_int(u->free_tail));
	vsc_section_kv(s, "free_cnt", vsc_val_int(u->free_cnt));
	inflight = (u->free_head - u->free_tail + VTD_QI_LENGTH) % VTD_QI_LENGTH;
	vsc_section_kv(s, "in_flight", vsc_val_int(inflight));
	if (u->garbage_status)
		vsc_section_kvf(s, "status_counts", "free %d, in-use %d, done %d, abort %d, invalid %d",
				u->counted[0], u->counted[1], u->counted[2], u->counted[3],
				u->garbage_status);
	else
		vsc_section_kvf(s, "status_counts", "free %d, in-use %d, done %d, abort %d",
				u->counted[0], u->counted[1], u->counted[2], u->counted[3]);
	vsc_section_kv(s, "q_lock", vsc_val_hexw(u->q_lock, 8));
	lock_text(u->q_lock, text, sizeof(text));
	vsc_section_kv(s, "q_lock_state", vsc_val_str(text));
	vsc_section_kv_addr(s, "q_lock_addr", u->q_lock_addr);

	/* Rows of slots and batches not shown stay VSC_NO_ROW: a finding must not point at row 0. */
	if (refs && ui < VTD_MAX_UNITS) {
		for (int i = 0; i < VTD_QI_LENGTH; i++)
			refs->slot_row[ui][i] = VSC_NO_ROW;
		for (int i = 0; i < VTD_MAX_BATCHES; i++)
			refs->batch_row[ui][i] = VSC_NO_ROW;
	}
	batches = vsc_section_table(s, "batches", "Batches in flight (oldest first)", batch_cols,
				    VSC_ARRAY_SIZE(batch_cols));
	for (int i = 0; i < u->nr_batches; i++) {
		const struct vtd_batch *b = &u->batches[i];
		struct vsc_value slot_items[VTD_QI_LENGTH], type_items[VTD_QI_LENGTH];
		struct vsc_value slot_list, contents;
		size_t row;

		batch_lists(u, b, slot_items, type_items, &slot_list, &contents);
		row = vsc_table_row(batches, vsc_val_uint((uint64_t)i), slot_list,
				    vsc_val_uint((uint64_t)b->count), vsc_val_uint((uint64_t)b->wait),
				    vsc_val_str(vtd_qi_status_name(b->wait_status)),
				    vsc_val_str(b->wait_status == VTD_QI_ABORT ? "aborted (owner restarts it)" :
						b->pending ? "waiting for hardware" : "completed"),
				    contents);
		if (refs && ui < VTD_MAX_UNITS && i < VTD_MAX_BATCHES)
			refs->batch_row[ui][i] = row;
	}
	if (refs && ui < VTD_MAX_UNITS)
		refs->batches[ui] = batches;

	slots = vsc_section_table(s, "slots", opts->all_slots ? "All slots" : "Slots not free",
				  slot_cols, VSC_ARRAY_SIZE(slot_cols));
	for (int i = 0; i < VTD_QI_LENGTH; i++) {
		const struct vtd_slot *sl = &u->slots[i];
		struct vtd_desc_value fields;
		char status[32];
		size_t row;

		if (!opts->all_slots && sl->status == VTD_QI_FREE && sl->batch < 0)
			continue;
		if (sl->status >= VTD_QI_FREE && sl->status <= VTD_QI_ABORT)
			snprintf(status, sizeof(status), "%s", vtd_qi_status_name(sl->status));
		else
			snprintf(status, sizeof(status), "invalid (0x%x)", (unsigned int)sl->status);
		row = vsc_table_row(slots, vsc_val_uint((uint64_t)i), vsc_val_str(status),
				    vsc_val_str(sl->dec.type_short), vsc_val_hexw(sl->qw[0], 16),
				    vsc_val_hexw(sl->qw[1], 16),
				    u->shift == 5 ? vsc_val_hexw(sl->qw[2], 16) : vsc_val_absent("128-bit queue"),
				    u->shift == 5 ? vsc_val_hexw(sl->qw[3], 16) : vsc_val_absent("128-bit queue"),
				    sl->batch >= 0 ? vsc_val_int(sl->batch) : vsc_val_absent("not in flight"),
				    vtd_desc_value(&sl->dec, &fields));
		if (refs && ui < VTD_MAX_UNITS)
			refs->slot_row[ui][i] = row;
	}
	if (refs && ui < VTD_MAX_UNITS)
		refs->slots[ui] = slots;
	(void)m;
}

void vtd_fill_report(struct vsc_report *rep, const struct vtd_model *m,
		     const struct vsc_analysis_options *opts, struct vtd_report_refs *refs)
{
	struct vsc_section *s = vsc_report_section(rep, "vtd", "VT-d units and invalidation queues");
	struct vsc_table *units;

	if (!m->intel_iommu_present) {
		vsc_section_note(s, "VT-d is not active: this kernel has no Intel VT-d driver (no dmar_drhd_units)");
		return;
	}
	if (!m->nr_units) {
		vsc_section_note(s, "VT-d is not active: no DMAR units registered (no ACPI DMAR table, "
				    "or an AMD/virtual IOMMU)");
		return;
	}
	{
		bool translating = false, known = false;

		for (int i = 0; i < m->nr_units; i++) {
			known |= m->units[i].gcmd_present;
			translating |= (m->units[i].gcmd >> 31) & 1;
		}
		if (known && !translating)
			vsc_section_note(s, "VT-d DMA remapping is not active: no unit has translation enabled%s",
					 m->units[0].has_qi ? " (queued invalidation serves interrupt remapping only)" : "");
	}
	units = vsc_section_table(s, "units", "DMAR units", unit_cols, VSC_ARRAY_SIZE(unit_cols));
	for (int i = 0; i < m->nr_units; i++) {
		const struct vtd_unit *u = &m->units[i];
		struct vsc_value feat[VTD_NR_FEATURES];

		vsc_table_row(units, vsc_val_str(u->name), vsc_val_int(u->seq_id),
			      vsc_val_uint(u->segment), vsc_val_hex(u->reg_phys), vsc_val_hexw(u->cap, 16),
			      vsc_val_hexw(u->ecap, 16),
			      u->gcmd_present ? vsc_val_str((u->gcmd >> 31) & 1 ? "enabled" : "disabled")
					      : vsc_val_absent(NULL),
			      vsc_val_str(!u->has_qi ? "off" : u->shift == 5 ? "on, 256-bit" : "on, 128-bit"),
			      features_value(u->cap, u->ecap, feat));
	}
	for (int i = 0; i < m->nr_units; i++) {
		if (opts->unit && strcmp(opts->unit, m->units[i].name))
			continue;
		fill_unit(s, m, &m->units[i], opts, refs, i);
	}
	if (m->nr_pci) {
		struct vsc_table *pci = vsc_section_table(s, "pci", "PCI devices", pci_cols,
							  VSC_ARRAY_SIZE(pci_cols));

		for (int i = 0; i < m->nr_pci; i++) {
			const struct vtd_pci *p = &m->pci[i];

			vsc_table_row(pci, vsc_val_str(p->name), vsc_val_hexw(p->vendor, 4),
				      vsc_val_hexw(p->device, 4),
				      vsc_val_str(p->driver[0] ? p->driver : "-"),
				      p->ats_known ? vsc_val_str(p->ats_enabled ? "enabled" : "off")
						   : vsc_val_absent(NULL),
				      vsc_val_str(vtd_pci_state(p->error_state)));
		}
	} else if (m->pci_error) {
		vsc_section_warning(s, m->pci_error->kind, "PCI devices: %s", m->pci_error->message);
	}
	if (m->nr_log_lines) {
		struct vsc_code *c = vsc_section_code(s, "log", "VT-d kernel log lines");

		for (int i = 0; i < m->nr_log_lines; i++)
			vsc_code_line(c, "[%5" PRIu64 ".%06" PRIu64 "] %s", m->log_ts[i] / 1000000000,
				      (m->log_ts[i] / 1000) % 1000000, m->log_lines[i]);
	}
}
