// SPDX-License-Identifier: GPL-2.0-or-later
/* Running analyzers: ABI check, shared state, errors into the report. */
#include <string.h>

#include <vtdscope/analyzer.h>
#include <vtdscope/report.h>
#include <vtdscope/target.h>

void vsc_analysis_init(struct vsc_analysis *a, struct vsc_target *t, struct vsc_report *rep)
{
	memset(a, 0, sizeof(*a));
	a->target = t;
	a->report = rep;
}

void vsc_analysis_deinit(struct vsc_analysis *a)
{
	if (a->vtd && a->vtd_destroy)
		a->vtd_destroy(a->vtd);
	if (a->stacks && a->stacks_destroy)
		a->stacks_destroy(a->stacks);
	a->vtd = NULL;
	a->stacks = NULL;
}

const struct vsc_analyzer *vsc_analyzer_find(const char *name)
{
	size_t n;
	const struct vsc_analyzer *const *all = vsc_builtin_analyzers(&n);

	for (size_t i = 0; i < n; i++)
		if (!strcmp(all[i]->name, name))
			return all[i];
	return NULL;
}

/* The target's diagnostics not yet in the report: found opening it, or by the last analyzer. */
static void report_diagnostics(struct vsc_analysis *a)
{
	const struct vsc_diagnostic *d;

	while ((d = vsc_target_diagnostic(a->target, a->diagnostics_reported))) {
		if (d->incomplete)
			vsc_report_error(a->report, d->kind, "%s", d->message);
		else
			vsc_report_warning(a->report, d->kind, "%s", d->message);
		a->diagnostics_reported++;
	}
}

void vsc_analyzer_run(const struct vsc_analyzer *an, struct vsc_analysis *a)
{
	struct vsc_error *err;

	if (an->abi != VSC_ANALYZER_ABI) {
		vsc_report_error(a->report, VSC_ERR_UNSUPPORTED,
				 "analyzer %s has ABI %u, this vtdscope speaks %u", an->name, an->abi,
				 VSC_ANALYZER_ABI);
		return;
	}
	err = an->run(a);
	if (err)
		vsc_report_take_error(a->report, err, "analyzer %s", an->name);
	report_diagnostics(a);
}
