/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef VTDSCOPE_VTD_DIAGNOSE_H
#define VTDSCOPE_VTD_DIAGNOSE_H

#include <vtdscope/report.h>

#include "cpu_view.h"
#include "vtd.h"
#include "vtd_report.h"

struct vsc_target;

/*
 * Which slot of @u holds the descriptor the log names as "QI HEAD" (qw0, qw1)?
 * Identical descriptors recur as the ring wraps (free slots keep old
 * contents), so the lowest matching slot can be a stale copy.  The hardware
 * runs the queue in order, so the head is in the oldest batch in flight that
 * holds the descriptor: slots of pending batches first (oldest first), then
 * other in-flight or in-use slots, then (only as a last resort) stale ones.
 */
struct vtd_head_match {
	int slot;           /* the best match, -1 if none */
	bool in_flight;     /* @slot belongs to a batch in flight (or is in use) */
	int nr_in_flight;   /* in-flight/in-use slots holding the descriptor */
	int nr_stale;       /* free/done slots holding it (old copies) */
	int others[4];      /* other matching slots, in-flight ones first */
	int nr_others;      /* entries in others (more may exist) */
};
void vtd_match_log_head(const struct vtd_unit *u, uint64_t qw0, uint64_t qw1,
			struct vtd_head_match *out);

/*
 * The kernel's queue-fault messages (qi_dump_fault(), qi_check_fault() in
 * drivers/iommu/intel/dmar.c) do not name the DMAR unit, so the log's
 * counters are model-wide.  The unit they belong to, or -1 when the dump
 * cannot tell (several candidates) or there is none; @why says how.
 */
struct vtd_log_owner {
	int iqe_unit, ite_unit;
	char iqe_why[160], ite_why[160];
};
void vtd_log_attribute(const struct vtd_model *m, struct vtd_log_owner *out);

/*
 * Judge the model: findings with severity, verdict, evidence and next step.
 * @cpus may be NULL (no stacks: the verdict then rests on the queue alone).
 */
void vtd_diagnose(struct vsc_target *t, struct vsc_report *rep, const struct vtd_model *m,
		  const struct cpu_view *cpus, unsigned int ncpus,
		  const struct vtd_report_refs *refs);

#endif
