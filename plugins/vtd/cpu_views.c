// SPDX-License-Identifier: GPL-2.0-or-later
/* CPU stacks for the diagnosis (placeholder until the unwinder is wired). */
#include <stdlib.h>

#include <vtdscope/analyzer.h>

#include "cpu_view.h"

struct vsc_error *cpu_views_collect(struct vsc_analysis *a, struct cpu_view **views,
				    unsigned int *n)
{
	(void)a;
	*views = NULL;
	*n = 0;
	return NULL;
}

void cpu_views_free(struct cpu_view *views, unsigned int n)
{
	(void)n;
	free(views);
}
