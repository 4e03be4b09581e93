// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The VT-d state read out of a fuzzed dump, through the analysis layer:
 * vsc_analyze() runs the vtd analyzer (plugins/vtd/vtd_read.c
 * vtd_model_read(): the dmar_drhd_units list, each intel_iommu and its
 * q_inval, the descriptor ring and desc_status[], the PCI bus tree, the
 * log's DMAR lines; then its report and diagnosis) and the faults analyzer
 * (plugins/vtd/faults.c: each device's pending page requests), or every
 * built-in analyzer; the report is rendered as JSON.
 *
 * Input: u8 flags (bit 0: every analyzer, bit 1: all slots, bit 2:
 * verbose, bits 3-4: only the unit "dmar<n>"), then a fuzz image
 * (fake_target.h): the BTF of the VT-d, PCI and IOMMU fault structures,
 * VMCOREINFO with SYMBOL(dmar_drhd_units), SYMBOL(pci_root_buses), the log
 * ring's symbols and offsets, the register notes and the pages.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vtdscope/analyzer.h>
#include <vtdscope/report.h>

#include "fake_target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const vtd_faults[] = { "vtd", "faults" };
	struct vsc_analysis_options opts = { .cpu = -1, .pid = -1 };
	struct vsc_render_options ro = { .format = VSC_FORMAT_JSON };
	struct fuzz_image img;
	struct vsc_report *rep;
	struct vsc_target *t;
	char unit[8];
	uint8_t flags;

	if (size < 1)
		return 0;
	flags = data[0];
	fuzz_image_parse(data + 1, size - 1, &img);
	t = fuzz_dump_target(&img);
	if (!t)
		return 0;
	if (vsc_error_consume(vsc_report_create(&rep))) {
		vsc_target_destroy(t);
		return 0;
	}
	opts.all_slots = flags & 2;
	opts.verbose = flags & 4;
	if (flags & 0x18) {
		snprintf(unit, sizeof(unit), "dmar%d", ((flags >> 3) & 3) - 1);
		opts.unit = unit;
	}
	if (flags & 1)
		vsc_analyze(t, rep, "vtdscope report", "0.1.0-fuzz", "fuzz", NULL, 0, &opts);
	else
		vsc_analyze(t, rep, "vtdscope qi", "0.1.0-fuzz", "fuzz", vtd_faults, 2, &opts);
	(void)vsc_report_outcome(rep);
	{
		FILE *out = fopen(getenv("FUZZ_DEBUG") ? "/dev/stderr" : "/dev/null", "w");

		if (out) {
			vsc_error_destroy(vsc_report_render(rep, out, &ro));
			fclose(out);
		}
	}
	vsc_report_destroy(rep);
	vsc_target_destroy(t);
	return 0;
}
