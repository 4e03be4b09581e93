/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef VTDSCOPE_VTD_DIAGNOSE_H
#define VTDSCOPE_VTD_DIAGNOSE_H

#include <vtdscope/report.h>

#include "cpu_view.h"
#include "vtd.h"
#include "vtd_report.h"

struct vsc_target;

/*
 * Judge the model: findings with severity, verdict, evidence and next step.
 * @cpus may be NULL (no stacks: the verdict then rests on the queue alone).
 */
void vtd_diagnose(struct vsc_target *t, struct vsc_report *rep, const struct vtd_model *m,
		  const struct cpu_view *cpus, unsigned int ncpus,
		  const struct vtd_report_refs *refs);

#endif
