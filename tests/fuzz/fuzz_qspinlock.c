// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * qspinlocks over a fuzzed dump (qspinlock.c): vsc_qspinlock_read() (the
 * word, the per-CPU qnodes, the MCS queue walked from the tail back to the
 * head) and vsc_locks_analyze() (spinners found in given stacks, the lock
 * each waits for from its registers and stack words, holder candidates).
 *
 * Input: 4 u64 lock addresses; u8 N, then N CPU stacks, each: u8 frame
 * count (at most 16), per frame 18 bytes (u8 function from the table
 * below, u8 bits: 0-1 frame kind, 2-3 registers kind, 4-7 stack kind; u64
 * pc, u64 sp) and, for a frame with registers, 16 u64 (r15 .. di of struct
 * vsc_regs, then sp); then a fuzz image (fake_target.h) with SYMBOL(qnodes),
 * SYMBOL(__per_cpu_offset), SYMBOL(nr_cpu_ids), the BTF of struct qnode and
 * struct mcs_spinlock, and the pages.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vtdscope/locks.h>
#include <vtdscope/unwind.h>

#include "fake_target.h"

#define NR_LOCKS 4
#define MAX_STACKS 16
#define MAX_FRAMES 16

static const char *const functions[] = {
	NULL, "native_queued_spin_lock_slowpath", "__pv_queued_spin_lock_slowpath",
	"queued_spin_lock_slowpath", "_raw_spin_lock", "_raw_spin_lock_irqsave",
	"do_raw_spin_lock", "qi_submit_sync", "qi_flush_iotlb", "fq_flush_timeout",
	"call_timer_fn", "asm_sysvec_apic_timer_interrupt", "_raw_read_lock", "intel_iommu_iotlb_sync_map",
	"kthread", "ret_from_fork",
};

#define R(x) offsetof(struct vsc_regs, x)
static const size_t reg_off[16] = {
	R(r15), R(r14), R(r13), R(r12), R(bp), R(bx), R(r11), R(r10), R(r9), R(r8),
	R(ax), R(cx), R(dx), R(si), R(di), R(sp),
};
#undef R

struct in {
	const uint8_t *p;
	size_t n;
};

static uint64_t take(struct in *in, unsigned int bytes)
{
	uint64_t v;

	if (in->n < bytes) {
		in->n = 0;
		return 0;
	}
	v = fuzz_le(in->p, bytes);
	in->p += bytes;
	in->n -= bytes;
	return v;
}

static void read_stacks(struct in *in, struct vsc_stack *st, unsigned int nr)
{
	for (unsigned int c = 0; c < nr; c++) {
		unsigned int nf = (unsigned int)take(in, 1) % (MAX_FRAMES + 1);

		memset(&st[c], 0, sizeof(st[c]));
		st[c].cpu = (int)c;
		st[c].frames = calloc(nf ? nf : 1, sizeof(*st[c].frames));
		if (!st[c].frames)
			continue;
		for (unsigned int i = 0; i < nf && in->n; i++) {
			struct vsc_frame *f = &st[c].frames[st[c].nr_frames++];
			unsigned int fn = (unsigned int)take(in, 1), bits = (unsigned int)take(in, 1);

			f->symbol = functions[fn % (sizeof(functions) / sizeof(functions[0]))];
			f->kind = (enum vsc_frame_kind)((bits & 3) % VSC_FRAME_KIND_COUNT);
			f->regs_kind = (enum vsc_frame_regs)((bits >> 2) & 3) % (VSC_REGS_FULL + 1);
			f->stack = (enum vsc_stack_kind)((bits >> 4) % VSC_STACK_KIND_COUNT);
			f->pc = take(in, 8);
			f->sp = take(in, 8);
			f->offset = f->pc & 0xff;
			f->reliable = bits & 0x80;
			f->marker = f->kind == VSC_FRAME_MARKER ? "<IRQ>" : NULL;
			if (f->regs_kind != VSC_REGS_NONE) {
				for (int k = 0; k < 16; k++) {
					uint64_t v = take(in, 8);

					memcpy((char *)&f->regs + reg_off[k], &v, 8);
				}
				f->regs_addr = f->sp;
			}
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vsc_stack stacks[MAX_STACKS];
	struct in in = { data, size };
	uint64_t locks[NR_LOCKS];
	struct fuzz_image img;
	struct vsc_target *t;
	unsigned int nr;

	for (int i = 0; i < NR_LOCKS; i++)
		locks[i] = take(&in, 8);
	nr = (unsigned int)take(&in, 1) % (MAX_STACKS + 1);
	read_stacks(&in, stacks, nr);
	fuzz_image_parse(in.p, in.n, &img);
	t = fuzz_dump_target(&img);
	if (t) {
		struct vsc_lock_name names[NR_LOCKS];
		struct vsc_locks_options o = { .names = names, .nr_names = NR_LOCKS,
					       .stacks = stacks, .nr_stacks = nr };
		struct vsc_locks_report r;
		struct vsc_error *err;
		char buf[160];

		for (int i = 0; i < NR_LOCKS; i++) {
			struct vsc_qspinlock l;

			names[i] = (struct vsc_lock_name){ locks[i], "fuzz lock" };
			err = vsc_qspinlock_read(t, locks[i], &l);
			if (!err) {
				vsc_qspinlock_format(&l.word, buf, sizeof(buf));
				for (size_t w = 0; w < l.nr_waiters; w++)
					if (l.waiters[w].cpu >= vsc_nr_cpus(t))
						abort();
				if (getenv("FUZZ_DEBUG"))
					fprintf(stderr, "lock 0x%llx: %s, %zu waiters %s\n",
						(unsigned long long)locks[i], buf, l.nr_waiters, l.note);
				vsc_qspinlock_deinit(&l);
			}
			vsc_error_destroy(err);
		}
		err = vsc_locks_analyze(t, &o, &r);
		if (!err) {
			for (size_t k = 0; k < r.nr_locks; k++) {
				const struct vsc_contended_lock *cl = &r.locks[k];

				if (getenv("FUZZ_DEBUG"))
					fprintf(stderr, "contended 0x%llx %s: %zu spinners, %zu holders\n",
						(unsigned long long)cl->addr, cl->name,
						cl->nr_spinners, cl->nr_holders);
				for (size_t e = 0; e < cl->evidence.nr; e++)
					if (!cl->evidence.lines[e])
						abort();
			}
			vsc_locks_report_deinit(&r);
		}
		vsc_error_destroy(err);
		vsc_target_destroy(t);
	}
	for (unsigned int c = 0; c < nr; c++)
		vsc_stack_deinit(&stacks[c]);
	return 0;
}
