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
	if (!a->vtd) {
		struct vtd_model *m;

		VSC_TRY(vtd_model_read(a->target, &m));
		a->vtd = m;
		a->vtd_destroy = model_destroy;
	}
	*out = a->vtd;
	return NULL;
}

static struct vsc_error *vtd_run(struct vsc_analysis *a)
{
	struct vtd_model *m;
	struct vtd_report_refs *refs;
	struct cpu_view *views = NULL;
	unsigned int nviews = 0;
	struct vsc_error *err;

	VSC_TRY(vtd_model_get(a, &m));
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
