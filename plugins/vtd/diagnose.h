/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef VTDSCOPE_VTD_DIAGNOSE_H
#define VTDSCOPE_VTD_DIAGNOSE_H

#include <vtdscope/report.h>

#include "cpu_view.h"
#include "judge.h"
#include "vtd.h"
#include "vtd_report.h"

/*
 * The judgement @j (vtd_judge() of @m, the views @cpus, one verdict per
 * view, and the system view @sys) as report findings: the verdict line the
 * sources allow, root cause first, the causal chain, every in-flight batch's
 * submitter, the evidence and next steps.  Reads nothing but its arguments;
 * @refs point evidence at the rows vtd_fill_report() wrote.
 */
void vtd_diagnose(struct vsc_report *rep, const struct vtd_model *m, const struct cpu_view *cpus,
		  const struct sys_view *sys, const struct vtd_judgement *j,
		  const struct vtd_report_refs *refs);

/* Every finding kind the diagnosis reports, NULL-terminated. */
extern const struct vsc_finding_kind *const vtd_finding_kinds[];

#endif
