// SPDX-License-Identifier: GPL-2.0-or-later
/* Every CPU's stack, flattened into what the diagnosis reads. */
#include <stdlib.h>
#include <string.h>

#include <vtdscope/analyzer.h>
#include <vtdscope/kernel.h>
#include <vtdscope/target.h>
#include <vtdscope/unwind.h>

#include "cpu_view.h"

/* The views borrow symbol and module names from the target. */
struct vsc_error *cpu_views_collect(struct vsc_analysis *a, struct cpu_view **views,
				    unsigned int *n)
{
	struct vsc_target *t = a->target;
	const struct vsc_cpu_stacks *all;
	const void *p;
	unsigned int used = 0;
	struct cpu_view *v;

	VSC_TRY(vsc_analysis_get(a, VSC_PRODUCT_STACKS, &p));
	all = p;
	v = calloc(all->nr_cpus ? all->nr_cpus : 1, sizeof(*v));
	if (!v)
		return &vsc_error_nomem;
	for (unsigned int cpu = 0; cpu < all->nr_cpus; cpu++) {
		const struct vsc_stack *st = &all->stacks[cpu];
		struct cpu_view *cv = &v[used];
		struct vsc_error *err;
		uint64_t task;

		/* No registers for this CPU (offline, or live kernel): nothing to judge. */
		if (all->errors[cpu])
			continue;
		cv->cpu = cpu;
		cv->valid = true;
		for (size_t i = 0; i < st->nr_frames && cv->nframes < CPU_VIEW_FRAMES; i++) {
			const struct vsc_frame *f = &st->frames[i];

			if (f->kind == VSC_FRAME_MARKER)
				continue;
			cv->func[cv->nframes] = f->symbol;
			cv->module[cv->nframes] = f->module;
			cv->sp[cv->nframes] = f->sp;
			cv->in_irq[cv->nframes] = f->stack != VSC_STACK_TASK;
			cv->on_nmi[cv->nframes] = f->stack == VSC_STACK_NMI;
			cv->nframes++;
		}
		cv->pid = -1;
		err = vsc_cpu_curr(t, cpu, &task);
		if (!err) {
			struct vsc_task tk;

			err = vsc_task_read(t, task, &tk);
			if (!err)
				cv->pid = tk.pid;
		}
		vsc_error_destroy(err);
		used++;
	}
	*views = v;
	*n = used;
	return NULL;
}

void cpu_views_free(struct cpu_view *views, unsigned int n)
{
	(void)n;
	free(views);
}
