/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The target's identity in the meta of every report (vsc_analyze()). */
#ifndef VTDSCOPE_ANALYSIS_IDENTITY_H
#define VTDSCOPE_ANALYSIS_IDENTITY_H

struct vsc_target;
struct vsc_report;

/*
 * Release, build id, KASLR offset (sensitive) and host name (a HOST value,
 * unless it is the kernel's default "(none)") as the report's target
 * fields: whatever command made the report, --redact knows what to hide.
 */
void vsc_identity_record(struct vsc_target *t, struct vsc_report *rep);

#endif
