// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Task and module lists over a fuzzed dump: vsc_task_foreach() (the
 * init_task.tasks list, each thread group's signal->thread_head list, the
 * other CPUs' rq->idle), rq->curr and rq->idle per CPU, vsc_task_read(); and
 * the module list reader (orc.c: `modules`, each module's text ranges and
 * its kallsyms) through vsc_code_symbol().
 *
 * Input: 4 u64 addresses (tasks to read, code addresses to symbolize),
 * then a fuzz image (fake_target.h): BTF with struct task_struct,
 * signal_struct, rq, module, ...; VMCOREINFO with SYMBOL(init_task),
 * SYMBOL(runqueues), SYMBOL(__per_cpu_offset), SYMBOL(modules), ...; the
 * pages.  Checked: no task is reported twice, names are terminated.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vtdscope/kernel.h>
#include <vtdscope/target.h>
#include <vtdscope/unwind.h>

#include "fake_target.h"

#define NR_ADDRS 4
#define MAX_SEEN 4096

struct seen {
	uint64_t addr[MAX_SEEN];
	size_t n;
	unsigned long total;
};

static int on_task(void *arg, const struct vsc_task *task)
{
	struct seen *s = arg;

	if (strnlen(task->comm, sizeof(task->comm)) == sizeof(task->comm))
		abort();
	/* each task once: the walk's own promise (a cycle is an error) */
	for (size_t i = 0; i < s->n; i++)
		if (s->addr[i] == task->address)
			abort();
	if (s->n < MAX_SEEN)
		s->addr[s->n++] = task->address;
	s->total++;
	return 0;
}

static void code_symbol(struct vsc_target *t, uint64_t addr)
{
	const char *name = NULL, *module = NULL;
	uint64_t off = 0;

	bool found = vsc_code_symbol(t, addr, &name, &off, &module);

	if (getenv("FUZZ_DEBUG"))
		fprintf(stderr, "0x%llx: %s+0x%llx [%s]\n", (unsigned long long)addr,
			found ? name : "?", (unsigned long long)off, module ? module : "vmlinux");
	if (found && (!name || strlen(name) > 4096))
		abort();
	if (module && strlen(module) > 4096)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct seen seen;
	struct fuzz_image img;
	struct vsc_target *t;
	struct vsc_error *err;
	struct vsc_task task;

	if (size < NR_ADDRS * 8)
		return 0;
	fuzz_image_parse(data + NR_ADDRS * 8, size - NR_ADDRS * 8, &img);
	t = fuzz_dump_target(&img);
	if (!t)
		return 0;
	seen.n = 0;
	seen.total = 0;
	err = vsc_task_foreach(t, on_task, &seen);
	if (getenv("FUZZ_DEBUG"))
		fprintf(stderr, "tasks: %lu, %s\n", seen.total, err ? err->message : "ok");
	vsc_error_destroy(err);
	for (unsigned int cpu = 0; cpu < vsc_nr_cpus(t) && cpu < 64; cpu++) {
		uint64_t curr, idle;

		if (!vsc_error_consume(vsc_cpu_curr(t, cpu, &curr)))
			vsc_error_destroy(vsc_task_read(t, curr, &task));
		if (!vsc_error_consume(vsc_cpu_idle(t, cpu, &idle)))
			vsc_error_destroy(vsc_task_read(t, idle, &task));
	}
	for (int i = 0; i < NR_ADDRS; i++) {
		uint64_t a = fuzz_le(data + 8 * i, 8);

		if (!vsc_error_consume(vsc_task_read(t, a, &task)) &&
		    strnlen(task.comm, sizeof(task.comm)) == sizeof(task.comm))
			abort();
		code_symbol(t, a);
	}
	vsc_target_destroy(t);
	return 0;
}
