// SPDX-License-Identifier: GPL-2.0-or-later
/* The "vtd" analyzer: units, queues, devices, and the lockup diagnosis. */
#include <stdio.h>
#include <stdlib.h>

#include <vtdscope/analyzer.h>
#include <vtdscope/locks.h>
#include <vtdscope/report.h>
#include <vtdscope/symbols.h>

#include "cpu_view.h"
#include "diagnose.h"
#include "judge.h"
#include "vtd.h"
#include "vtd_report.h"

static void model_destroy(void *p)
{
	vtd_model_destroy(p);
}

static struct vsc_error *model_build(struct vsc_analysis *a, void **out)
{
	struct vtd_model *m;
	const void *log = NULL;
	struct vsc_error *err = vsc_analysis_get(a, VSC_PRODUCT_LOG, &log);

	if (err && err->kind == VSC_ERR_NOMEM)
		return err;
	vsc_error_destroy(err);         /* a log that cannot be read has no VT-d lines either */
	VSC_TRY(vtd_model_read(a->target, log, &m));
	*out = m;
	return NULL;
}

static const struct vsc_product_kind model_product = {
	.key = VTD_PRODUCT_MODEL,
	.build = model_build,
	.destroy = model_destroy,
};

struct vsc_error *vtd_model_get(struct vsc_analysis *a, struct vtd_model **out)
{
	const void *p;

	VSC_TRY(vsc_analysis_get(a, VTD_PRODUCT_MODEL, &p));
	*out = (struct vtd_model *)p;
	return NULL;
}

/* Each unit's qi->q_lock by name ("dmar0 qi->q_lock"), for the locks analyzer. */
struct lock_names {
	struct vsc_lock_names pub;
	struct vsc_lock_name names[VTD_MAX_UNITS];
	char text[VTD_MAX_UNITS][sizeof(((struct vtd_unit *)0)->name) + 16];
};

static struct vsc_error *lock_names_build(struct vsc_analysis *a, void **out)
{
	struct vtd_model *m;
	struct lock_names *ln;

	VSC_TRY(vtd_model_get(a, &m));
	ln = calloc(1, sizeof(*ln));
	if (!ln)
		return &vsc_error_nomem;
	ln->pub.names = ln->names;
	for (int i = 0; i < m->nr_units && ln->pub.nr < VTD_MAX_UNITS; i++) {
		const struct vtd_unit *u = &m->units[i];
		size_t k = ln->pub.nr;

		if (!u->has_qi || !u->q_lock_addr)
			continue;
		snprintf(ln->text[k], sizeof(ln->text[0]), "%s qi->q_lock", u->name);
		ln->names[k] = (struct vsc_lock_name){ u->q_lock_addr, ln->text[k] };
		ln->pub.nr++;
	}
	*out = &ln->pub;        /* first member: the same pointer free() takes */
	return NULL;
}

static const struct vsc_product_kind lock_names_product = {
	.key = VSC_PRODUCT_LOCK_NAMES,
	.build = lock_names_build,
	.destroy = free,
};

static struct vsc_error *vtd_run(struct vsc_analysis *a)
{
	struct vtd_model *m = NULL;
	struct vtd_report_refs *refs;
	struct vtd_judgement *j;
	struct vtd_kernel_view kernel;
	struct sys_view sys;
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
		/* No queue was judged: the verdict must not read as health. */
		vsc_report_set_verdict(a->report, "No verdict on VT-d: its state could not be read (%s)",
				       err->message);
		vsc_finding_next(f, "the dump's VT-d structures are damaged or missing; "
				    "check the dump with `vtdscope qi DUMP --format json`");
		return err;
	}
	refs = calloc(1, sizeof(*refs));
	j = calloc(1, sizeof(*j));
	if (!refs || !j) {
		free(refs);
		free(j);
		return &vsc_error_nomem;
	}
	vtd_fill_report(a->report, m, &a->opts, refs);
	/* The builders: everything the judge needs from the target, read here (cpu_views.c). */
	err = cpu_views_collect(a, &views, &nviews);
	if (err) {
		vsc_report_take_error(a->report, err, "CPU stacks for the diagnosis");
		err = NULL;     /* judged on the queues alone */
	} else {
		err = cpu_views_find_queue_words(a->target, m, views, nviews);
	}
	if (!err)
		err = sys_view_build(a, views, nviews, &sys);
	kernel.qi_batch = vsc_symbol_exists(a->target, "qi_batch_flush_descs");
	if (!err)
		err = vtd_judge(m, views, nviews, &sys, &kernel, j);
	if (!err)
		vtd_diagnose(a->report, m, views, &sys, j, refs);
	vtd_judgement_deinit(j);
	cpu_views_free(views, nviews);
	free(j);
	free(refs);
	return err;
}

static const struct vsc_product_kind *const vtd_products[] = {
	&model_product, &lock_names_product, NULL,
};

/* Where the DWARF backend finds the types this analyzer reads. */
#define DMAR "qi_submit_sync", "drivers/iommu/intel/dmar.c"
#define INTEL_IOMMU "intel_iommu_init", "drivers/iommu/intel/iommu.c"
#define IOMMU "iommu_device_register", "drivers/iommu/iommu.c"
/* iommu_report_device_fault moved to io-pgfault.c in v6.8 */
#define IOMMU_FAULT "iommu_report_device_fault", "iommu_queue_iopf", "drivers/iommu/io-pgfault.c"

static const struct vsc_type_hint vtd_type_hints[] = {
	{ "q_inval", { DMAR } },
	{ "intel_iommu", { DMAR } },
	{ "qi_desc", { DMAR } },
	{ "dmar_drhd_unit", { DMAR } },
	{ "dmar_dev_scope", { DMAR } },
	{ "QI_FREE", { DMAR } },
	{ "QI_IN_USE", { DMAR } },
	{ "QI_DONE", { DMAR } },
	{ "QI_ABORT", { DMAR } },
	{ "qi_batch", { "qi_batch_add_iotlb", "drivers/iommu/intel/cache.c", DMAR } },
	{ "device_domain_info", { INTEL_IOMMU } },
	{ "dmar_domain", { INTEL_IOMMU } },
	{ "iommu_device", { IOMMU } },
	{ "iommu_domain", { IOMMU } },
	{ "iommu_group", { IOMMU } },
	{ "dev_iommu", { IOMMU } },
	{ "iommu_fault_param", { IOMMU_FAULT } },
	{ "iommu_fault_event", { IOMMU_FAULT } },
	{ "iommu_fault", { IOMMU_FAULT } },
	{ "iopf_group", { "iommu_queue_iopf", "iommu_report_device_fault",
			  "drivers/iommu/io-pgfault.c" } },
	{ "iopf_fault", { "iommu_queue_iopf", "iommu_report_device_fault",
			  "drivers/iommu/io-pgfault.c" } },
	{ "page_req_dsc", { "intel_svm_enable_prq", "intel_iommu_enable_prq", /* v6.12: prq.c */
			    "drivers/iommu/intel/svm.c", "drivers/iommu/intel/prq.c" } },
};

const struct vsc_analyzer vsc_analyzer_vtd = {
	.abi = VSC_ANALYZER_ABI,
	.name = "vtd",
	.summary = "VT-d units, invalidation queues decoded slot by slot, and the lockup diagnosis",
	.run = vtd_run,
	.products = vtd_products,
	.finding_kinds = vtd_finding_kinds,
	.type_hints = vtd_type_hints,
	.nr_type_hints = sizeof(vtd_type_hints) / sizeof(vtd_type_hints[0]),
};
