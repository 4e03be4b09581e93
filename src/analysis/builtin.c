// SPDX-License-Identifier: GPL-2.0-or-later
/* The built-in analyzers, in report order. */
#include <vtdscope/analyzer.h>

extern const struct vsc_analyzer vsc_analyzer_system;
extern const struct vsc_analyzer vsc_analyzer_vtd;
extern const struct vsc_analyzer vsc_analyzer_faults;
extern const struct vsc_analyzer vsc_analyzer_locks;
extern const struct vsc_analyzer vsc_analyzer_stacks;
extern const struct vsc_analyzer vsc_analyzer_log;
extern const struct vsc_analyzer vsc_analyzer_sym;
extern const struct vsc_analyzer vsc_analyzer_type;

static const struct vsc_analyzer *const builtins[] = {
	&vsc_analyzer_system,
	&vsc_analyzer_vtd,
	&vsc_analyzer_faults,
	&vsc_analyzer_locks,
	&vsc_analyzer_stacks,
	/* on request only: `log`, `sym`, `type` */
	&vsc_analyzer_log,
	&vsc_analyzer_sym,
	&vsc_analyzer_type,
};

const struct vsc_analyzer *const *vsc_builtin_analyzers(size_t *count)
{
	*count = sizeof(builtins) / sizeof(builtins[0]);
	return builtins;
}
