/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the diagnosis needs to know about each CPU's stack. */
#ifndef VTDSCOPE_VTD_CPU_VIEW_H
#define VTDSCOPE_VTD_CPU_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#define CPU_VIEW_FRAMES 64

struct cpu_view {
	unsigned int cpu;
	bool valid;                       /* a stack was recovered */
	int nframes;
	const char *func[CPU_VIEW_FRAMES];   /* innermost first; borrowed */
	const char *module[CPU_VIEW_FRAMES]; /* NULL for vmlinux */
	uint64_t sp[CPU_VIEW_FRAMES];
	bool in_irq[CPU_VIEW_FRAMES];
	bool on_nmi[CPU_VIEW_FRAMES];     /* on the NMI stack (e.g. the panic's stop NMI) */
	const char *comm;                 /* current task's comm, may be NULL */
	int pid;
};

struct vsc_analysis;
#include <vtdscope/error.h>

/* Stacks of every CPU with registers, innermost frame first. */
struct vsc_error *cpu_views_collect(struct vsc_analysis *a, struct cpu_view **views,
				    unsigned int *n) VSC_MUST_CHECK;
void cpu_views_free(struct cpu_view *views, unsigned int n);

#endif
