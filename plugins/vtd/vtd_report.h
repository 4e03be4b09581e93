/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef VTDSCOPE_VTD_REPORT_H
#define VTDSCOPE_VTD_REPORT_H

#include <stddef.h>

#include <vtdscope/analyzer.h>
#include <vtdscope/report.h>

#include "vtd.h"

/* Where rows landed, so findings can point at them. */
struct vtd_report_refs {
	struct vsc_table *slots[VTD_MAX_UNITS];
	struct vsc_table *batches[VTD_MAX_UNITS];
	size_t slot_row[VTD_MAX_UNITS][VTD_QI_LENGTH];
	size_t batch_row[VTD_MAX_UNITS][VTD_MAX_BATCHES];
};

void vtd_fill_report(struct vsc_report *rep, const struct vtd_model *m,
		     const struct vsc_analysis_options *opts, struct vtd_report_refs *refs);

/*
 * A decoded descriptor as a report OBJECT value: its fields by name in
 * decoder order (numbers as uint, words and addresses as hex, source-ids as
 * "bb:dd.f", enumerations as their meaning; a flag only when set, as true,
 * like vtd_qi_fields_text()), then reserved_bits {qw0, qw1} when the
 * descriptor sets any.  The value borrows @st and @d until it is added to
 * the report.
 */
struct vtd_desc_value {
	struct vsc_member members[VTD_MAX_FIELDS + 1];
	struct vsc_member reserved[2];
	char bdf[VTD_MAX_FIELDS][8];
};

struct vsc_value vtd_desc_value(const struct vtd_decoded *d, struct vtd_desc_value *st);
const char *vtd_pci_state(int error_state);

#endif
