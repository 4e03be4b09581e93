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
void vtd_features_text(uint64_t cap, uint64_t ecap, char *buf, size_t size);
const char *vtd_pci_state(int error_state);

#endif
