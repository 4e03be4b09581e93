// SPDX-License-Identifier: GPL-2.0-or-later
/* The "vtd" analyzer: units, queues, devices, and the lockup diagnosis. */
#include <stdlib.h>

#include <vtdscope/analyzer.h>
#include <vtdscope/report.h>

#include "cpu_view.h"
#include "diagnose.h"
#include "vtd.h"
#include "vtd_report.h"

static void model_destroy(void *p)
{
	vtd_model_destroy(p);
}

struct vsc_error *vtd_model_get(struct vsc_analysis *a, struct vtd_model **out)
{
	if (a->vtd_failed)
		return vsc_error_create(VSC_ERR_OTHER, "VT-d state unreadable (see the vtd section)");
	if (!a->vtd) {
		struct vtd_model *m;
		struct vsc_error *err = vtd_model_read(a->target, &m);

		if (err) {
			a->vtd_failed = true;
			return err;
		}
		a->vtd = m;
		a->vtd_destroy = model_destroy;
	}
	*out = a->vtd;
	return NULL;
}

static struct vsc_error *vtd_run(struct vsc_analysis *a)
{
	struct vtd_model *m = NULL;
	struct vtd_report_refs *refs;
	struct cpu_view *views = NULL;
	unsigned int nviews = 0;
	struct vsc_error *err;

	err = vtd_model_get(a, &m);
	if (err) {
		struct vsc_finding *f;

		if (err->kind == VSC_ERR_NOMEM)
			return err;
		f = vsc_report_finding(a->report, VSC_SEV_WARNING, "vtd-unreadable",
				       "VT-d state could not be read: %s", err->message);
		vsc_finding_next(f, "the dump's VT-d structures are damaged or missing; "
				    "check the dump with `vtdscope qi DUMP --format json`");
		return err;
	}
	refs = calloc(1, sizeof(*refs));
	if (!refs)
		return &vsc_error_nomem;
	vtd_fill_report(a->report, m, &a->opts, refs);
	err = cpu_views_collect(a, &views, &nviews);
	if (err)
		vsc_report_take_error(a->report, err, "CPU stacks for the diagnosis");
	vtd_diagnose(a->target, a->report, m, views, nviews, refs);
	cpu_views_free(views, nviews);
	free(refs);
	return NULL;
}

const struct vsc_analyzer vsc_analyzer_vtd = {
	.abi = VSC_ANALYZER_ABI,
	.name = "vtd",
	.summary = "VT-d units, invalidation queues decoded slot by slot, and the lockup diagnosis",
	.run = vtd_run,
};
