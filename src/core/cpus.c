// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * CPUs: count, online mask, per-CPU offsets, which register note belongs to
 * which CPU, and the panic CPU.  Note order is not CPU order: kdump skips
 * CPUs that did not answer the crash NMI, so we map notes explicitly.
 * The count and the offsets are fixed at boot; the online mask and the
 * panic CPU are read again for each epoch of a live target.
 */
#include <stdlib.h>
#include <string.h>

#include <vtdscope/symbols.h>
#include <vtdscope/target.h>

#include "target_internal.h"

#define PRSTATUS_REG_OFF 112
#define NOTE_HDR 24 /* Elf64_Nhdr + "CORE\0" padded to 8 */

unsigned int vsc_nr_cpus(const struct vsc_target *t)
{
	return t->nr_cpus;
}

bool vsc_cpu_online(const struct vsc_target *t, unsigned int cpu)
{
	return cpu < t->nr_cpus && t->cpu_online && t->cpu_online[cpu];
}

int vsc_panic_cpu(struct vsc_target *t)
{
	return t->panic_cpu;
}

struct vsc_error *vsc_per_cpu_offset(struct vsc_target *t, unsigned int cpu, uint64_t *out)
{
	if (!t->per_cpu_offset)
		return vsc_error_create(VSC_ERR_NOTFOUND,
					"per-CPU offsets unknown (no __per_cpu_offset symbol)");
	if (cpu >= t->nr_cpus)
		return vsc_error_create(VSC_ERR_USAGE, "CPU %u out of range (%u CPUs)", cpu,
					t->nr_cpus);
	*out = t->per_cpu_offset[cpu];
	return NULL;
}

struct vsc_error *vsc_per_cpu_addr(struct vsc_target *t, uint64_t sym_addr, unsigned int cpu,
				   uint64_t *out)
{
	uint64_t off = 0;

	VSC_TRY(vsc_per_cpu_offset(t, cpu, &off));
	*out = sym_addr + off;
	return NULL;
}

struct vsc_error *vsc_cpu_regs(struct vsc_target *t, unsigned int cpu, struct vsc_regs *out)
{
	if (cpu >= t->nr_cpus)
		return vsc_error_create(VSC_ERR_NODATA, "no registers for CPU %u in the dump", cpu);
	return t->ops->cpu_regs(t, cpu, out);
}

struct vsc_error *vsc_cpus_note_regs(struct vsc_target *t, unsigned int cpu, struct vsc_regs *out)
{
	if (cpu >= t->nr_cpus || !t->cpu_note || t->cpu_note[cpu] < 0)
		return vsc_error_create(VSC_ERR_NODATA, "no registers for CPU %u in the dump", cpu);
	*out = t->notes[t->cpu_note[cpu]].regs;
	return NULL;
}

/* t->cpu_online from __cpu_online_mask; all online when it cannot be read (a diagnostic). */
static struct vsc_error *read_online(struct vsc_target *t)
{
	unsigned int nr = t->nr_cpus;
	size_t words = (nr + 63) / 64;
	uint64_t sym, *mask = calloc(words, 8);
	struct vsc_error *err;

	if (!mask)
		return &vsc_error_nomem;
	err = vsc_symbol_address(t, "__cpu_online_mask", &sym);
	if (!err)
		err = vsc_read(t, sym, mask, words * 8, "__cpu_online_mask");
	for (unsigned int c = 0; c < nr; c++)
		t->cpu_online[c] = err ? 1 : (mask[c / 64] >> (c % 64)) & 1;
	free(mask);
	if (err) {
		vsc_target_diagnose(t, err->kind, false,
				    "could not read __cpu_online_mask: %s; every CPU is taken as online",
				    err->message);
		vsc_error_destroy(err);
	}
	return NULL;
}

/*
 * panic_cpu is PANIC_CPU_INVALID (-1) until a CPU panics.  A value that
 * cannot be read is not "no CPU panicked": say so and leave it unknown.
 */
static void read_panic_cpu(struct vsc_target *t)
{
	uint64_t sym;
	uint32_t v;
	struct vsc_error *err = vsc_symbol_address(t, "panic_cpu", &sym);

	if (!err)
		err = vsc_read_u32(t, sym, &v, "panic_cpu");
	if (err) {
		t->panic_cpu = VSC_PANIC_CPU_UNKNOWN;
		vsc_target_diagnose(t, err->kind, true,
				    "could not read panic_cpu: %s; which CPU panicked is unknown",
				    err->message);
		vsc_error_destroy(err);
	} else if ((int32_t)v >= 0 && v < t->nr_cpus) {
		t->panic_cpu = (int)v;
	} else if ((int32_t)v == -1) {
		t->panic_cpu = -1;
	} else {
		t->panic_cpu = VSC_PANIC_CPU_UNKNOWN;
		vsc_target_diagnose(t, VSC_ERR_CORRUPT, true,
				    "panic_cpu holds %d, not a CPU of %u nor -1; which CPU panicked is unknown",
				    (int32_t)v, t->nr_cpus);
	}
}

/* kdump at panic: match each note against the per-CPU crash_notes buffers. */
static void map_by_crash_notes(struct vsc_target *t)
{
	uint64_t sym, ptr;

	struct vsc_error *err = vsc_symbol_address(t, "crash_notes", &sym);

	if (!err)
		err = vsc_read_u64(t, sym, &ptr, "crash_notes");
	if (err) {
		vsc_target_diagnose(t, err->kind, false,
				    "could not map CPUs to register notes by crash_notes: %s",
				    err->message);
		vsc_error_destroy(err);
		return;
	}
	for (unsigned int cpu = 0; cpu < t->nr_cpus; cpu++) {
		uint64_t addr, regs[27];

		if (!t->per_cpu_offset)
			return;
		addr = ptr + t->per_cpu_offset[cpu] + NOTE_HDR + PRSTATUS_REG_OFF;
		err = vsc_read(t, addr, regs, sizeof(regs), "crash_notes");
		if (err) {
			vsc_error_destroy(err);
			continue;
		}
		for (unsigned int i = 0; i < t->nr_notes; i++) {
			if (t->notes[i].regs.ip == regs[16] && t->notes[i].regs.sp == regs[19] &&
			    regs[16]) {
				t->cpu_note[cpu] = (int)i;
				break;
			}
		}
	}
}

struct vsc_error *vsc_cpus_init(struct vsc_target *t)
{
	uint64_t sym;
	uint32_t nr = 0;
	bool mapped = false;
	struct vsc_error *err;

	err = vsc_symbol_address(t, "nr_cpu_ids", &sym);
	if (!err)
		err = vsc_read_u32(t, sym, &nr, "nr_cpu_ids");
	if (err) {
		nr = 0;
		vsc_target_diagnose(t, err->kind, false,
				    "could not read nr_cpu_ids: %s; CPUs counted from the register notes",
				    err->message);
		vsc_error_destroy(err);
	}
	if (nr == 0 || nr > VSC_MAX_CPUS)
		nr = t->nr_notes ? t->nr_notes : 1;
	if (nr < t->nr_notes)
		nr = t->nr_notes;
	t->nr_cpus = nr;
	t->cpu_online = calloc(nr, 1);
	t->cpu_note = malloc(nr * sizeof(int));
	if (!t->cpu_online || !t->cpu_note)
		return &vsc_error_nomem;
	for (unsigned int i = 0; i < nr; i++)
		t->cpu_note[i] = -1;

	/* No __per_cpu_offset (a UP kernel): per-CPU data is not available (reported on use). */
	err = vsc_symbol_address(t, "__per_cpu_offset", &sym);
	if (vsc_error_is(err, VSC_ERR_NOTFOUND)) {
		vsc_error_destroy(err);
		err = NULL;
	} else if (!err) {
		t->per_cpu_offset = calloc(nr, sizeof(uint64_t));
		if (!t->per_cpu_offset)
			return &vsc_error_nomem;
		err = vsc_read(t, sym, t->per_cpu_offset, nr * sizeof(uint64_t), "__per_cpu_offset");
		if (err) {
			free(t->per_cpu_offset);
			t->per_cpu_offset = NULL;
		}
	}
	if (err) {
		vsc_target_diagnose(t, err->kind, true,
				    "could not read __per_cpu_offset: %s; per-CPU data is not available",
				    err->message);
		vsc_error_destroy(err);
	}
	VSC_TRY(read_online(t));

	/* QEMU dump-guest-memory: pr_pid is the vCPU index + 1. */
	if (t->qemu_notes || !t->info.crashtime) {
		mapped = true;
		for (unsigned int i = 0; i < t->nr_notes; i++) {
			uint32_t pid = t->notes[i].pid;

			if (pid < 1 || pid > nr || t->cpu_note[pid - 1] >= 0) {
				mapped = false;
				break;
			}
			t->cpu_note[pid - 1] = (int)i;
		}
		if (!mapped)
			for (unsigned int i = 0; i < nr; i++)
				t->cpu_note[i] = -1;
	}
	if (!mapped && t->info.crashtime) {
		map_by_crash_notes(t);
		for (unsigned int i = 0; i < nr; i++)
			if (t->cpu_note[i] >= 0)
				mapped = true;
	}
	if (!mapped) {
		/* Last resort: notes in order of online CPUs. */
		unsigned int n = 0;

		for (unsigned int c = 0; c < nr && n < t->nr_notes; c++)
			if (t->cpu_online[c])
				t->cpu_note[c] = (int)n++;
	}

	read_panic_cpu(t);
	return NULL;
}

void vsc_cpus_refresh(struct vsc_target *t)
{
	struct vsc_error *err = read_online(t);

	vsc_error_destroy(err);         /* out of memory: the last epoch's mask stays */
	read_panic_cpu(t);
}
