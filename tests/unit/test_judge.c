// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The VT-d judge on hand-built views, no dump: queues filled the way
 * qi_submit_sync() fills them, descriptors encoded with the kernel's QI_*
 * macros (restated here, independent of the decoder), CPU stacks shaped like
 * the kernel's call chains.  Each expectation follows from how the kernel
 * behaves (drivers/iommu/intel/dmar.c qi_submit_sync()/qi_check_fault(),
 * docs/reference/vtd-kernel-facts.md sections 2-4), not from earlier output.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../plugins/vtd/judge.h"

/* ---- the kernel's encoders (QI_* in drivers/iommu/intel/iommu.h) ---- */

#define QI_IOTLB_TYPE 0x2ULL
#define QI_IOTLB_DID(did) (((uint64_t)(did)) << 16)
#define QI_IOTLB_GRAN(g) ((uint64_t)(g) << 4)   /* DMA_TLB_*_FLUSH >> 56: 1 global, 2 DSI */
#define QI_DIOTLB_TYPE 0x3ULL
#define QI_DEV_IOTLB_SID(sid) ((uint64_t)((sid) & 0xffff) << 32)
#define QI_DEV_IOTLB_SIZE 1ULL
#define QI_IWD_TYPE 0x5ULL
#define QI_IWD_STATUS_DATA(d) (((uint64_t)(d)) << 32)
#define QI_IWD_STATUS_WRITE (1ULL << 5)
#define QI_DONE 2

/* qi_flush_iotlb(iommu, 0, 0, 0, DMA_TLB_GLOBAL_FLUSH) and a domain-selective one. */
#define IOTLB_GLOBAL { QI_IOTLB_TYPE | QI_IOTLB_GRAN(1), 0 }
#define IOTLB_DSI(did) { QI_IOTLB_TYPE | QI_IOTLB_GRAN(2) | QI_IOTLB_DID(did), 0 }
/* qi_flush_dev_iotlb() for the whole address space: address bits all ones, S set. */
#define DEVTLB_ALL(sid) { QI_DIOTLB_TYPE | QI_DEV_IOTLB_SID(sid), 0x7ffffffffffff000ULL | QI_DEV_IOTLB_SIZE }
/* The same with qw1 bit 1 set: a bit the spec reserves (the hardware answers with an IQE). */
#define DEVTLB_BAD(sid) { QI_DIOTLB_TYPE | QI_DEV_IOTLB_SID(sid), 0x7ffffffffffff000ULL | 0x2 | QI_DEV_IOTLB_SIZE }

#define SID_01_00_0 0x0100
#define SID_02_00_0 0x0200

/* ---- queues, filled as qi_submit_sync() fills them ---- */

static struct vtd_model *model(int units)
{
	struct vtd_model *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	m->intel_iommu_present = true;
	m->nr_units = units;
	for (int ui = 0; ui < units; ui++) {
		struct vtd_unit *u = &m->units[ui];

		snprintf(u->name, sizeof(u->name), "dmar%d", ui);
		u->has_qi = u->slots_read = true;
		/* kcalloc'ed desc_status, in the direct map */
		u->desc_status_phys = 0x1052000 + 0x10000ull * (unsigned)ui;
		u->desc_status = 0xffff888000000000ull + u->desc_status_phys;
		u->q_lock_addr = 0xffff888001133ec0ull + 0x100ull * (unsigned)ui;
		/* dmar_enable_qi(): free_cnt = QI_LENGTH, every slot QI_FREE */
		u->free_cnt = VTD_QI_LENGTH;
		u->counted[VTD_QI_FREE] = VTD_QI_LENGTH;
		for (int i = 0; i < VTD_QI_LENGTH; i++) {
			u->slots[i].batch = -1;
			vtd_qi_decode(u->slots[i].qw, false, &u->slots[i].dec);
		}
	}
	return m;
}

/* An idle ring whose next submission lands at @slot (free_head = free_tail). */
static void ring_at(struct vtd_unit *u, int slot)
{
	u->free_head = u->free_tail = slot;
}

static void set_slot(struct vtd_unit *u, int i, uint64_t qw0, uint64_t qw1, int status)
{
	struct vtd_slot *s = &u->slots[i];

	if (s->status >= 0 && s->status <= 3)
		u->counted[s->status]--;
	s->qw[0] = qw0;
	s->qw[1] = qw1;
	s->status = status;
	u->counted[status]++;
	vtd_qi_decode(s->qw, false, &s->dec);
}

/*
 * qi_submit_sync() step 2: the @count descriptors at free_head, then the
 * wait descriptor writing QI_DONE to its own desc_status entry; all
 * QI_IN_USE; free_head and free_cnt move by count + 1.  The batch as the
 * reader groups it (free_tail .. wait).  Returns the batch index.
 */
static int submit(struct vtd_unit *u, const uint64_t (*descs)[2], int count)
{
	int index = u->free_head, wait = (index + count) % VTD_QI_LENGTH, nb = u->nr_batches;
	struct vtd_batch *b = &u->batches[nb];

	memset(b, 0, sizeof(*b));
	for (int i = 0; i < count; i++) {
		int slot = (index + i) % VTD_QI_LENGTH;

		set_slot(u, slot, descs[i][0], descs[i][1], VTD_QI_IN_USE);
		u->slots[slot].batch = nb;
		b->has_device_inv |= u->slots[slot].dec.targets_device;
	}
	set_slot(u, wait, QI_IWD_STATUS_DATA(QI_DONE) | QI_IWD_STATUS_WRITE | QI_IWD_TYPE,
		 u->desc_status_phys + 4ull * (unsigned)wait, VTD_QI_IN_USE);
	u->slots[wait].batch = nb;
	b->first = index;
	b->wait = wait;
	b->count = count;
	b->wait_status = VTD_QI_IN_USE;
	b->pending = true;
	b->wait_points_home = true;
	u->free_head = (wait + 1) % VTD_QI_LENGTH;
	u->free_cnt -= count + 1;
	u->nr_batches++;
	return nb;
}

/* The hardware wrote QI_DONE to the batch's wait slot (the submitter is not back yet). */
static void hw_done(struct vtd_unit *u, int b)
{
	struct vtd_batch *bt = &u->batches[b];

	set_slot(u, bt->wait, u->slots[bt->wait].qw[0], u->slots[bt->wait].qw[1], VTD_QI_DONE);
	bt->wait_status = VTD_QI_DONE;
	bt->pending = false;
}

/* ---- CPU stack views ---- */

#define END NULL

/* Frames innermost first; each frame's sp 1 KiB above the last (its own window). */
static void view(struct cpu_view *v, unsigned int cpu, ...)
{
	va_list ap;
	const char *f;

	memset(v, 0, sizeof(*v));
	v->cpu = cpu;
	v->valid = true;
	v->pid = -1;
	va_start(ap, cpu);
	while ((f = va_arg(ap, const char *)) && v->nframes < CPU_VIEW_FRAMES) {
		v->func[v->nframes] = f;
		v->sp[v->nframes] = 0xffffc90000400000ull + 0x10000ull * cpu + 0x400ull * (unsigned)v->nframes;
		v->stack[v->nframes] = VSC_STACK_TASK;
		v->nframes++;
	}
	va_end(ap);
}

static int frame_of(const struct cpu_view *v, const char *func)
{
	for (int i = 0; i < v->nframes; i++)
		if (v->func[i] && !strcmp(v->func[i], func))
			return i;
	fail_msg("no frame %s", func);
	return -1;
}

/* Frame @func is an exception frame (a pt_regs): the interrupted context's RFLAGS. */
#define RFLAGS_IF (1u << 9)
static void regs_at(struct cpu_view *v, const char *func, uint64_t flags)
{
	int i = frame_of(v, func);

	v->has_flags[i] = true;
	v->flags[i] = flags;
}

/* The dump's stop NMI on top of @v: its frames first, on the NMI stack. */
static void stopped_by_nmi(struct cpu_view *v)
{
	static const char *const nmi[] = { "stop_this_cpu", "smp_stop_nmi_callback", "nmi_handle",
					   "default_do_nmi", "exc_nmi", "end_repeat_nmi" };
	const int k = 6;

	memmove(&v->func[k], &v->func[0], (size_t)v->nframes * sizeof(v->func[0]));
	memmove(&v->module[k], &v->module[0], (size_t)v->nframes * sizeof(v->module[0]));
	memmove(&v->sp[k], &v->sp[0], (size_t)v->nframes * sizeof(v->sp[0]));
	memmove(&v->stack[k], &v->stack[0], (size_t)v->nframes * sizeof(v->stack[0]));
	memmove(&v->has_flags[k], &v->has_flags[0], (size_t)v->nframes * sizeof(v->has_flags[0]));
	memmove(&v->flags[k], &v->flags[0], (size_t)v->nframes * sizeof(v->flags[0]));
	for (int i = 0; i < k; i++) {
		v->func[i] = nmi[i];
		v->module[i] = NULL;
		v->sp[i] = 0xfffffe0000048e38ull + 8ull * (unsigned)i;
		v->stack[i] = VSC_STACK_NMI;
		v->has_flags[i] = i == 0;       /* the dump's registers, in the NMI handler */
		v->flags[i] = 0x93;
	}
	v->nframes += k;
	for (unsigned int w = 0; w < v->nr_words; w++)
		v->words[w].frame += k;
}

/* What the builder would have found in the window of frame @func. */
static void word(struct cpu_view *v, const char *func, enum cpu_word_kind kind, int unit, int slot)
{
	struct cpu_word *p = realloc(v->words, (v->nr_words + 1) * sizeof(*p));

	assert_non_null(p);
	v->words = p;
	v->words[v->nr_words++] = (struct cpu_word){ .frame = frame_of(v, func), .kind = kind,
						     .unit = unit, .slot = slot };
}

/* A pointer to a copy of all of a batch's descriptors, found in frame @func's window or registers. */
static void ptr_word(struct cpu_view *v, const char *func, int unit, int slot, uint64_t addr,
		     bool qi_batch, bool in_regs)
{
	struct cpu_word *p = realloc(v->words, (v->nr_words + 1) * sizeof(*p));

	assert_non_null(p);
	v->words = p;
	v->words[v->nr_words++] = (struct cpu_word){ .frame = frame_of(v, func),
		.kind = CPU_WORD_DESC_PTR, .unit = unit, .slot = slot, .addr = addr,
		.qi_batch = qi_batch, .in_regs = in_regs };
}

/* The kernel's own call chains (section 4.2), innermost first. */
#define FQ_TIMER_6_1 "qi_submit_sync", "qi_flush_iotlb", "intel_flush_iotlb_all", "fq_flush_iotlb", \
	"fq_flush_timeout", "call_timer_fn", "__run_timers", "run_timer_softirq", "__do_softirq"
#define FQ_TIMER_6_12 "qi_submit_sync", "qi_batch_flush_descs", "cache_tag_flush_all", \
	"intel_flush_iotlb_all", "fq_flush_iotlb", "fq_flush_timeout", "call_timer_fn", \
	"__run_timers", "run_timer_softirq", "handle_softirqs"

static const struct vtd_kernel_view k_6_1 = { .qi_batch = false };
static const struct vtd_kernel_view k_6_12 = { .qi_batch = true };

/*
 * The system view of a dump whose log was read in full and says nothing:
 * no queue fault, no lockup report, no panic.
 */
static struct sys_view quiet_sys = { .log_read = true, .panic_cpu = -1 };

static struct vtd_judgement *judge_sys(const struct vtd_model *m, const struct cpu_view *v,
				       unsigned int n, const struct sys_view *sys,
				       const struct vtd_kernel_view *k)
{
	struct vtd_judgement *j = calloc(1, sizeof(*j));

	assert_non_null(j);
	assert_null(vtd_judge(m, v, n, sys, k, j));
	return j;
}

static struct vtd_judgement *judge(const struct vtd_model *m, const struct cpu_view *v,
				   unsigned int n, const struct vtd_kernel_view *k)
{
	return judge_sys(m, v, n, &quiet_sys, k);
}

/* Judge again into @j. */
static void rejudge(const struct vtd_model *m, const struct cpu_view *v, unsigned int n,
		    const struct sys_view *sys, const struct vtd_kernel_view *k, struct vtd_judgement *j)
{
	vtd_judgement_deinit(j);
	assert_null(vtd_judge(m, v, n, sys, k, j));
}

static void done(struct vtd_model *m, struct cpu_view *v, unsigned int n, struct vtd_judgement *j)
{
	vtd_judgement_deinit(j);
	free(j);
	for (unsigned int i = 0; i < n; i++)
		free(v[i].words);
	free(m);
}

/* ---- classify + attribute + lockup: a device-TLB invalidation that never completes ---- */

static void test_devtlb_hang(void **state)
{
	const uint64_t scen[][2] = { IOTLB_GLOBAL, DEVTLB_ALL(SID_01_00_0) };
	const uint64_t fq[][2] = { IOTLB_DSI(6) };
	struct vtd_model *m = model(1);
	struct vtd_unit *u = &m->units[0];
	struct cpu_view v[3];
	struct vtd_judgement *j;
	const struct vtd_unit_verdict *uv;

	(void)state;
	ring_at(u, 28);
	submit(u, scen, 2);             /* slots 28, 29, wait 30 */
	submit(u, fq, 1);               /* slot 31, wait 32 */
	assert_int_equal(u->slots[29].dec.reserved_bits[1], 0);  /* a well-formed descriptor */

	/* CPU1 submitted 28-30 and polls desc_status[30]; its local descs[] hold slot 28's copy. */
	view(&v[0], 1, "qi_submit_sync", "qihang_fn", "kthread", "ret_from_fork", END);
	v[0].module[1] = "vtdscen";
	word(&v[0], "qihang_fn", CPU_WORD_DESC, 0, 28);
	/* CPU2: the flush-queue timer, polling; qi_submit_sync's frame holds &desc_status[32]. */
	view(&v[1], 2, FQ_TIMER_6_1, END);
	word(&v[1], "qi_submit_sync", CPU_WORD_STATUS, 0, 32);
	/* CPU0 idle. */
	view(&v[2], 0, "default_idle", "default_idle_call", "do_idle", "cpu_startup_entry", END);

	j = judge(m, v, 3, &k_6_1);
	uv = &j->units[0];
	/* qi_submit_sync() has no time-out: a CPU in it behind a pending wait is a hang. */
	assert_int_equal(uv->cls, VTD_QUEUE_DEVTLB_HANG);
	assert_int_equal(uv->oldest, 0);
	assert_int_equal(u->batches[uv->oldest].first, 28);
	assert_int_equal(u->batches[uv->oldest].wait, 30);
	assert_int_equal(uv->dev_slot, 29);
	assert_false(uv->full);
	assert_int_equal(j->verdict_unit, 0);
	assert_int_equal(j->waiting, 2);
	/* Nothing logged: pre-5.13 an ITE is silent, so the device is the suspect. */
	assert_int_equal(uv->cause, VTD_CAUSE_SILENT);
	assert_true(uv->check_device);
	assert_false(uv->iqe);
	assert_false(uv->ite);
	/* ... but only when the log was read: unread, its silence proves nothing. */
	{
		struct sys_view unread = { .log_read = false, .panic_cpu = -1 };

		rejudge(m, v, 3, &unread, &k_6_1, j);
		assert_int_equal(j->units[0].cause, VTD_CAUSE_UNKNOWN);
		assert_int_equal(j->fusion.verdict, VTD_VERDICT_LOCKUP);
		assert_int_equal(j->fusion.log, VTD_SOURCE_UNREADABLE);
		rejudge(m, v, 3, &quiet_sys, &k_6_1, j);
		uv = &j->units[0];
	}

	assert_int_equal(j->cpus[0].state, VTD_CPU_POLLING);
	assert_int_equal(j->cpus[0].unit, 0);
	assert_int_equal(j->cpus[0].batch, 0);
	assert_int_equal(j->cpus[0].by, VTD_ATTR_DESC);
	assert_null(j->cpus[0].role);             /* a module's kthread: named by its caller frame */
	assert_int_equal(j->cpus[0].caller_frame, 1);

	assert_int_equal(j->cpus[1].state, VTD_CPU_POLLING);
	assert_int_equal(j->cpus[1].batch, 1);
	assert_int_equal(j->cpus[1].by, VTD_ATTR_STATUS);
	assert_string_equal(j->cpus[1].role, "flush-queue timer");
	assert_int_equal(j->cpus[1].caller_frame, frame_of(&v[1], "fq_flush_timeout"));

	assert_int_equal(j->cpus[2].state, VTD_CPU_NOT_QI);
	assert_int_equal(j->cpus[2].batch, -1);
	assert_int_equal(j->nr_outsiders, 0);
	done(m, v, 3, j);
}

/* ---- hardware + classify: an IQE whose logged QI HEAD is an in-flight slot ---- */

static void test_iqe_head(void **state)
{
	const uint64_t scen[][2] = { IOTLB_GLOBAL, DEVTLB_BAD(SID_01_00_0) };
	const uint64_t head[2] = DEVTLB_BAD(SID_01_00_0);
	struct vtd_model *m = model(1);
	struct vtd_unit *u = &m->units[0];
	struct cpu_view v[1];
	struct vtd_judgement *j;
	const struct vtd_unit_verdict *uv;

	(void)state;
	/* An old copy of the same descriptor in a free slot, left as the ring wrapped. */
	set_slot(u, 5, head[0], head[1], VTD_QI_FREE);
	ring_at(u, 140);
	submit(u, scen, 2);             /* 140, 141 (the bad one), wait 142 */
	assert_int_not_equal(u->slots[141].dec.reserved_bits[1], 0);
	/* qi_dump_fault() (5.13+): "QI HEAD: Device-TLB Invalidation qw0 = 0x..., qw1 = 0x..." */
	m->log_iqe = 12;
	m->log_qi_head = true;
	m->log_head_qw0 = head[0];
	m->log_head_qw1 = head[1];
	m->log_fault_reg = 1;
	view(&v[0], 1, "native_queued_spin_lock_slowpath", "_raw_spin_lock", "qi_submit_sync",
	     "qihang_fn", "kthread", "ret_from_fork", END);
	word(&v[0], "qihang_fn", CPU_WORD_DESC, 0, 140);

	j = judge(m, v, 1, &k_6_1);
	uv = &j->units[0];
	assert_int_equal(j->owner.iqe_unit, 0);
	assert_true(uv->iqe);
	assert_true(uv->fault_logged);
	/* The hardware runs the ring in order: the in-flight slot is the head, not the stale one. */
	assert_int_equal(uv->head_slot, 141);
	assert_true(uv->head.in_flight);
	assert_int_equal(uv->head.nr_stale, 1);
	assert_true(uv->head_reserved);
	/* qi_check_fault() clears IQE only when IQH is the submitter's first slot (140). */
	assert_true(uv->head_not_first);
	/* A rejected descriptor is the submitter's, not the device's: no "check ATS". */
	assert_int_equal(uv->cause, VTD_CAUSE_IQE);
	assert_false(uv->check_device);
	assert_int_equal(uv->cls, VTD_QUEUE_DEVTLB_HANG);
	assert_int_equal(j->cpus[0].state, VTD_CPU_SPINNING);
	assert_int_equal(j->cpus[0].batch, 0);
	/* Who built the rejected descriptor: the owner of the head's batch. */
	assert_int_equal(u->slots[141].batch, 0);
	assert_int_equal(uv->owners[0].why, VTD_OWNER_FOUND);
	assert_int_equal(uv->owners[0].cpu, 0);
	assert_int_equal(j->chain.root, 0);
	vtd_judgement_deinit(j);

	/* The bad descriptor first in its batch: the owner's qi_check_fault() can clear it. */
	free(m);
	m = model(1);
	u = &m->units[0];
	{
		const uint64_t alone[][2] = { DEVTLB_BAD(SID_01_00_0) };

		ring_at(u, 140);
		submit(u, alone, 1);    /* 140, wait 141 */
	}
	m->log_iqe = 1;
	m->log_qi_head = true;
	m->log_head_qw0 = head[0];
	m->log_head_qw1 = head[1];
	rejudge(m, v, 1, &quiet_sys, &k_6_1, j);
	assert_int_equal(j->units[0].head_slot, 140);
	assert_false(j->units[0].head_not_first);
	assert_int_equal(j->units[0].cause, VTD_CAUSE_IQE);

	/* Only a stale copy holds the logged head: the head slot is unknown. */
	set_slot(u, 140, 0x3, 0, VTD_QI_IN_USE);
	set_slot(u, 9, head[0], head[1], VTD_QI_FREE);
	rejudge(m, v, 1, &quiet_sys, &k_6_1, j);
	assert_int_equal(j->units[0].head_slot, -1);
	assert_int_equal(j->units[0].head.slot, 9);
	assert_false(j->units[0].head_reserved);
	done(m, v, 1, j);
}

/* ---- lockup + outsider: who is on q_lock ---- */

static void test_qlock_spinner_and_outsider(void **state)
{
	const uint64_t fq[][2] = { IOTLB_DSI(3) };
	struct vtd_model *m = model(1);
	struct vtd_unit *u = &m->units[0];
	struct cpu_view v[3];
	struct vtd_judgement *j;

	(void)state;
	ring_at(u, 10);
	submit(u, fq, 1);
	/*
	 * CPU3: the timer softirq, entering qi_submit_sync() (raw_spin_lock_irqsave)
	 * and queued on q_lock, stopped by the dump's NMI.
	 */
	view(&v[0], 3, "crash_nmi_callback", "nmi_handle", "native_queued_spin_lock_slowpath",
	     "_raw_spin_lock_irqsave", FQ_TIMER_6_1, END);
	v[0].stack[0] = v[0].stack[1] = VSC_STACK_NMI;
	for (int i = frame_of(&v[0], "fq_flush_timeout"); i < v[0].nframes; i++)
		v[0].stack[i] = VSC_STACK_IRQ;
	/* CPU1: a debugfs reader of invalidation_queue takes q_lock (section 7). */
	view(&v[1], 1, "native_queued_spin_lock_slowpath", "_raw_spin_lock_irqsave",
	     "dmar_invalidation_queue_show", "seq_read_iter", "vfs_read", END);
	/* CPU2: on some other lock; q_lock's tail does not name it. */
	view(&v[2], 2, "native_queued_spin_lock_slowpath", "_raw_spin_lock", "do_something", END);
	/* qspinlock word: locked, tail = CPU1 + 1 (bits 31:18), idx 0. */
	u->q_lock = (2u << 18) | 1u;

	j = judge(m, v, 3, &k_6_1);
	assert_int_equal(j->cpus[0].state, VTD_CPU_SPINNING);
	/* Through raw_spin_lock_irqsave(): entering qi_submit_sync, nothing submitted yet. */
	assert_true(j->cpus[0].entering);
	assert_int_equal(j->cpus[0].qi_frame, frame_of(&v[0], "qi_submit_sync"));
	assert_string_equal(j->cpus[0].role, "flush-queue timer");
	/* The chain shown starts at the interrupted context, below the stop NMI. */
	assert_int_equal(j->cpus[0].chain_first, 2);
	assert_int_equal(j->cpus[0].batch, -1);   /* nothing on its stack names a batch */
	assert_int_equal(j->waiting, 1);
	assert_int_equal(j->units[0].cls, VTD_QUEUE_BATCH_HANG);
	assert_int_equal(j->units[0].dev_slot, -1);

	assert_int_equal(j->cpus[1].state, VTD_CPU_NOT_QI);
	assert_true(j->cpus[1].spins_other_lock);
	assert_true(j->cpus[2].spins_other_lock);
	assert_int_equal(j->nr_outsiders, 1);
	assert_int_equal(v[j->outsiders[0].cpu].cpu, 1);
	assert_int_equal(j->outsiders[0].unit, 0);

	/* The outsider stopped by the dump's NMI: what it was doing is under the NMI frames. */
	stopped_by_nmi(&v[1]);
	rejudge(m, v, 3, &quiet_sys, &k_6_1, j);
	assert_true(j->cpus[1].spins_other_lock);
	assert_int_equal(j->cpus[1].wait, VTD_WAIT_SPIN);
	assert_int_equal(j->nr_outsiders, 1);

	/* Tail 0: nobody queued behind the holder, so no outsider can be named. */
	u->q_lock = 1;
	rejudge(m, v, 3, &quiet_sys, &k_6_1, j);
	assert_int_equal(j->nr_outsiders, 0);
	done(m, v, 3, j);
}

/* ---- attribute: the 6.12 qi_batch owner ---- */

static void test_qi_batch_owner(void **state)
{
	/* cache_tag_flush_all() batches an IOTLB and two devices' dev-TLB flushes: 3 + wait. */
	const uint64_t first[][2] = { IOTLB_GLOBAL, DEVTLB_ALL(SID_01_00_0) };
	const uint64_t batch[][2] = { IOTLB_DSI(6), DEVTLB_ALL(SID_01_00_0), DEVTLB_ALL(SID_02_00_0) };
	struct vtd_model *m = model(1);
	struct vtd_unit *u = &m->units[0];
	struct cpu_view v[2];
	struct vtd_judgement *j;
	const struct vtd_unit_verdict *uv;
	int b;

	(void)state;
	ring_at(u, 102);
	submit(u, first, 2);            /* 102, 103, wait 104 */
	b = submit(u, batch, 3);        /* 105-107, wait 108: an even slot */
	assert_int_equal(u->batches[b].wait % 2, 0);
	/* The first batch completed; the batch is the oldest still pending. */
	hw_done(u, 0);
	/*
	 * The descriptors live in dmar_domain->qi_batch, not on the stack: only
	 * the polled &desc_status[108] names the batch.
	 */
	view(&v[0], 2, FQ_TIMER_6_12, END);
	word(&v[0], "qi_submit_sync", CPU_WORD_STATUS, 0, 108);
	view(&v[1], 0, "default_idle", "do_idle", END);
	/* ITE reported for the device, no slot aborted: the walk (odd slots) missed 108. */
	m->log_ite = 3;
	m->log_ite_sid = SID_02_00_0;
	m->log_ite_sid_valid = true;

	j = judge(m, v, 2, &k_6_12);
	uv = &j->units[0];
	assert_int_equal(uv->oldest, b);
	assert_int_equal(uv->dev_slot, 106);
	assert_int_equal(j->cpus[0].unit, 0);
	assert_int_equal(j->cpus[0].batch, b);
	assert_int_equal(j->cpus[0].by, VTD_ATTR_STATUS);
	assert_string_equal(j->cpus[0].role, "flush-queue timer");
	assert_int_equal(j->owner.ite_unit, 0);
	assert_true(uv->ite);
	assert_true(uv->ite_logged_here);
	assert_false(uv->ite_restarting);       /* nothing was aborted to restart */
	assert_int_equal(uv->cause, VTD_CAUSE_ITE);
	assert_true(uv->check_device);
	assert_true(uv->even_slot);
	assert_int_equal(uv->cls, VTD_QUEUE_DEVTLB_HANG);

	/* Before qi_batch (6.11 and older) every submission is even-sized: no even-slot pitfall. */
	rejudge(m, v, 2, &quiet_sys, &k_6_1, j);
	assert_false(j->units[0].even_slot);
	assert_true(j->units[0].ite);
	done(m, v, 2, j);
}

/* Each batch goes to one CPU, the polled status address before a descriptor copy. */
static void test_attribution_order(void **state)
{
	/* Two identical global flushes: a descriptor copy cannot tell them apart. */
	const uint64_t g[][2] = { IOTLB_GLOBAL };
	struct vtd_model *m = model(1);
	struct vtd_unit *u = &m->units[0];
	struct cpu_view v[3];
	struct vtd_judgement *j;

	(void)state;
	ring_at(u, 0);
	submit(u, g, 1);                /* 0, wait 1 */
	submit(u, g, 1);                /* 2, wait 3 */
	/* CPU0 holds a copy of the global flush (both batches' first descriptor). */
	view(&v[0], 0, "qi_submit_sync", "qi_flush_iotlb", "intel_iommu_tlb_sync", END);
	word(&v[0], "qi_flush_iotlb", CPU_WORD_DESC, 0, 0);
	word(&v[0], "qi_flush_iotlb", CPU_WORD_DESC, 0, 2);
	/* CPU1 polls desc_status[1]: batch 0 is its own, whatever CPU0's copy says. */
	view(&v[1], 1, "qi_submit_sync", "qi_flush_iotlb", "intel_iommu_tlb_sync", END);
	word(&v[1], "qi_submit_sync", CPU_WORD_STATUS, 0, 1);
	/* CPU2's only word is in a frame five callers above qi_submit_sync: too far to count. */
	view(&v[2], 2, "qi_submit_sync", "a1", "a2", "a3", "a4", "a5", END);
	word(&v[2], "a5", CPU_WORD_STATUS, 0, 3);

	j = judge(m, v, 3, &k_6_1);
	assert_int_equal(j->cpus[1].batch, 0);
	assert_int_equal(j->cpus[1].by, VTD_ATTR_STATUS);
	assert_int_equal(j->cpus[0].batch, 1);  /* the copy left for it: the second batch */
	assert_int_equal(j->cpus[0].by, VTD_ATTR_DESC);
	assert_string_equal(j->cpus[0].role, "strict DMA unmap");
	assert_int_equal(j->cpus[2].batch, -1);
	assert_int_equal(j->cpus[2].caller_frame, 1);
	done(m, v, 3, j);
}

/* ---- classify: bookkeeping that contradicts itself is never "healthy" ---- */

static void test_inconsistent_not_healthy(void **state)
{
	struct vtd_model *m = model(1);
	struct vtd_unit *u = &m->units[0];
	struct vtd_judgement *j;

	(void)state;
	ring_at(u, 10);
	j = judge(m, NULL, 0, &k_6_1);
	assert_int_equal(j->units[0].cls, VTD_QUEUE_HEALTHY);
	assert_int_equal(j->verdict_unit, -1);

	/* free_cnt = QI_LENGTH - in flight; with head == tail it must be 256, not 200. */
	u->free_cnt = 200;
	rejudge(m, NULL, 0, &quiet_sys, &k_6_1, j);
	assert_int_equal(j->units[0].cls, VTD_QUEUE_INCONSISTENT);
	assert_true(j->units[0].free_cnt_bad);
	assert_int_equal(j->units[0].free_cnt_expected, VTD_QI_LENGTH);
	assert_int_equal(j->verdict_unit, -1);
	u->free_cnt = VTD_QI_LENGTH;

	/* desc_status holds only QI_FREE..QI_ABORT (0-3). */
	u->slots[77].status = 9;
	u->garbage_status = 1;
	rejudge(m, NULL, 0, &quiet_sys, &k_6_1, j);
	assert_int_equal(j->units[0].cls, VTD_QUEUE_INCONSISTENT);
	assert_int_equal(j->units[0].nr_garbage_slots, 1);
	assert_int_equal(j->units[0].garbage_slots[0], 77);
	u->slots[77].status = VTD_QI_FREE;
	u->garbage_status = 0;

	/* An in-use slot outside free_tail..free_head: no submitter owns it. */
	set_slot(u, 200, 0x12, 0, VTD_QI_IN_USE);
	rejudge(m, NULL, 0, &quiet_sys, &k_6_1, j);
	assert_int_equal(j->units[0].cls, VTD_QUEUE_INCONSISTENT);
	assert_int_equal(j->units[0].stray_in_use_slot, 200);
	set_slot(u, 200, 0x12, 0, VTD_QI_FREE);

	/* A wait descriptor that writes somewhere else than its own desc_status entry. */
	{
		const uint64_t g[][2] = { IOTLB_GLOBAL };
		int b = submit(u, g, 1);

		hw_done(u, b);
		u->batches[b].wait_points_home = false;
		u->free_tail = u->free_head;    /* reclaimed, but the batch is still listed */
		u->free_cnt = VTD_QI_LENGTH;
	}
	rejudge(m, NULL, 0, &quiet_sys, &k_6_1, j);
	assert_int_equal(j->units[0].cls, VTD_QUEUE_INCONSISTENT);
	assert_int_equal(j->units[0].nr_stray_wait_batches, 1);
	done(m, NULL, 0, j);
}

/* ---- classify: unreadable queues and absent stacks ---- */

static void test_unreadable_and_no_stacks(void **state)
{
	const uint64_t g[][2] = { IOTLB_GLOBAL, DEVTLB_ALL(SID_01_00_0) };
	struct vtd_model *m = model(2);
	struct vsc_error err = { VSC_ERR_NODATA, (char *)"dmar0 qi->desc ring: page not in dump" };
	struct vtd_judgement *j;

	(void)state;
	/* No driver: nothing to judge. */
	m->intel_iommu_present = false;
	j = judge(m, NULL, 0, &k_6_1);
	assert_false(j->active);
	assert_int_equal(j->fusion.verdict, VTD_VERDICT_INACTIVE);
	/*
	 * ... unless another source says there is VT-d: the log announces a unit
	 * (the symbol was lost, not the driver), or a CPU polls in qi_submit_sync.
	 */
	{
		struct sys_view sys = quiet_sys;
		struct cpu_view v[1];

		sys.dmar_units_logged = 1;
		rejudge(m, NULL, 0, &sys, &k_6_1, j);
		assert_int_equal(j->fusion.verdict, VTD_VERDICT_INCOMPLETE);
		assert_true(j->fusion.units_missing);
		view(&v[0], 1, "qi_submit_sync", "qi_flush_iotlb", "intel_iommu_tlb_sync", END);
		rejudge(m, v, 1, &quiet_sys, &k_6_1, j);
		assert_int_equal(j->fusion.verdict, VTD_VERDICT_SUSPECTED);
		assert_int_equal(j->chain.root, 0);
		sys.dmar_units_logged = 0;
		sys.iqe_reports = 40;
		sys.iqe_open = true;
		rejudge(m, NULL, 0, &sys, &k_6_1, j);
		assert_int_equal(j->fusion.verdict, VTD_VERDICT_SUSPECTED);
	}
	m->intel_iommu_present = true;

	/* dmar0's ring could not be read: neither healthy nor hung, and no hardware facts. */
	m->units[0].slots_read = false;
	m->units[0].qi_error = &err;
	m->units[0].counted[VTD_QI_ABORT] = 4;   /* whatever was read before the failure */
	m->log_iqe = 2;
	ring_at(&m->units[1], 50);
	submit(&m->units[1], g, 2);
	rejudge(m, NULL, 0, &quiet_sys, &k_6_1, j);
	assert_true(j->active);
	assert_int_equal(j->units[0].cls, VTD_QUEUE_UNREADABLE);
	assert_false(j->units[0].ite);
	assert_false(j->units[0].iqe);
	assert_int_equal(j->units[0].oldest, -1);
	/* Only dmar1 has a readable queue: the log's IQE is its. */
	assert_int_equal(j->owner.iqe_unit, 1);
	/* No stacks, a fault logged: qi_submit_sync() cannot return, so it is a hang. */
	assert_false(j->have_stacks);
	assert_int_equal(j->units[1].cls, VTD_QUEUE_DEVTLB_HANG);
	assert_int_equal(j->units[1].cause, VTD_CAUSE_IQE);
	assert_int_equal(j->verdict_unit, 1);

	/* No stacks, nothing logged: in flight, and the silence itself is a finding. */
	m->log_iqe = 0;
	rejudge(m, NULL, 0, &quiet_sys, &k_6_1, j);
	assert_int_equal(j->units[1].cls, VTD_QUEUE_IN_FLIGHT);
	assert_int_equal(j->units[1].cause, VTD_CAUSE_SILENT);
	assert_int_equal(j->verdict_unit, -1);
	assert_int_equal(j->in_flight, 1);

	/* Stacks with nobody in qi_submit_sync: in flight at dump time, not a hang, not silent. */
	{
		struct cpu_view v[1];

		view(&v[0], 0, "default_idle", "do_idle", END);
		rejudge(m, v, 1, &quiet_sys, &k_6_1, j);
		assert_int_equal(j->units[1].cls, VTD_QUEUE_IN_FLIGHT);
		assert_int_equal(j->units[1].cause, VTD_CAUSE_NONE);
		assert_int_equal(j->waiting, 0);
	}
	m->units[0].qi_error = NULL;
	done(m, NULL, 0, j);
}


/* ---- root cause: which bits of a descriptor the spec reserves, in words ---- */

static void test_reserved_text(void **state)
{
	const uint64_t one[2] = { 0, 0x2 }, runs[2] = { 0xf000, 0x2 }, none[2] = { 0, 0 };
	const uint64_t bad[2][2] = { DEVTLB_BAD(SID_01_00_0) };
	struct vtd_decoded d;
	char buf[96];

	(void)state;
	vtd_reserved_text(one, buf, sizeof(buf));
	assert_string_equal(buf, "qw1 bit 1");
	vtd_reserved_text(runs, buf, sizeof(buf));
	assert_string_equal(buf, "qw0 bits 12-15, qw1 bit 1");
	vtd_reserved_text(none, buf, sizeof(buf));
	assert_string_equal(buf, "");
	/* The fixtures' rejected descriptor (qw1 bit 1 set, spec 6.5.2.5) reads the same. */
	{
		uint64_t qw[4] = { bad[0][0], bad[0][1], 0, 0 };

		vtd_qi_decode(qw, false, &d);
		vtd_reserved_text(d.reserved_bits, buf, sizeof(buf));
		assert_string_equal(buf, "qw1 bit 1");
	}
}

/* ---- root cause: a device-TLB invalidation to a device whose ATS is off ---- */

static void test_ats_off(void **state)
{
	const uint64_t b[][2] = { IOTLB_DSI(3), DEVTLB_ALL(SID_02_00_0) };
	struct vtd_model *m = model(1);
	struct vtd_unit *u = &m->units[0];
	struct vtd_pci pci[2] = {
		{ .bus = 0x01, .devfn = 0, .ats_known = true, .ats_enabled = true, .error_state = 1 },
		{ .bus = 0x02, .devfn = 0, .ats_known = true, .ats_enabled = false, .error_state = 1 },
	};
	struct cpu_view v[1];
	struct vtd_judgement *j;

	(void)state;
	m->pci = pci;
	m->nr_pci = 2;
	ring_at(u, 60);
	submit(u, b, 2);                /* 60, 61 (dev-TLB to 02:00.0), wait 62 */
	view(&v[0], 0, FQ_TIMER_6_1, END);
	word(&v[0], "qi_submit_sync", CPU_WORD_STATUS, 0, 62);

	j = judge(m, v, 1, &k_6_1);
	/* Nothing logged, but the device cannot answer: that is the cause, not "silent". */
	assert_int_equal(j->units[0].ats_off_slot, 61);
	assert_int_equal(j->units[0].cause, VTD_CAUSE_ATS_OFF);
	assert_false(j->units[0].check_device);
	assert_int_equal(j->units[0].cls, VTD_QUEUE_DEVTLB_HANG);

	/* ATS on: the same silent wait points at the device (pre-5.13 ITEs are silent). */
	pci[1].ats_enabled = true;
	rejudge(m, v, 1, &quiet_sys, &k_6_1, j);
	assert_int_equal(j->units[0].ats_off_slot, -1);
	assert_int_equal(j->units[0].cause, VTD_CAUSE_SILENT);
	assert_true(j->units[0].check_device);

	/* ATS unknown (pci_dev.ats_enabled not readable): no claim either way. */
	pci[1].ats_known = false;
	pci[1].ats_enabled = false;
	rejudge(m, v, 1, &quiet_sys, &k_6_1, j);
	assert_int_equal(j->units[0].ats_off_slot, -1);

	/* An IQE outranks it: the hardware refused the descriptor before asking the device. */
	pci[1].ats_known = true;
	m->log_iqe = 3;
	rejudge(m, v, 1, &quiet_sys, &k_6_1, j);
	assert_int_equal(j->units[0].ats_off_slot, 61);
	assert_int_equal(j->units[0].cause, VTD_CAUSE_IQE);
	m->pci = NULL;
	m->nr_pci = 0;
	done(m, v, 1, j);
}

/* ---- attribute: the 6.12 qi_batch found by its pointer, and the evidence order ---- */

static void test_desc_ptr_attribution(void **state)
{
	const uint64_t scen[][2] = { IOTLB_GLOBAL, DEVTLB_BAD(SID_01_00_0) };
	const uint64_t batch[][2] = { IOTLB_DSI(6), DEVTLB_ALL(SID_01_00_0) };
	const uint64_t qib = 0xffff8b3701fe7400ull;     /* kzalloc'ed dmar_domain->qi_batch */
	struct vtd_model *m = model(1);
	struct vtd_unit *u = &m->units[0];
	struct cpu_view v[3];
	struct vtd_judgement *j;

	(void)state;
	ring_at(u, 106);
	submit(u, scen, 2);             /* 106, 107, wait 108 */
	submit(u, batch, 2);            /* 109, 110, wait 111 */
	/* CPU1: the module's local copy of its descriptors. */
	view(&v[0], 1, "native_queued_spin_lock_slowpath", "_raw_spin_lock", "qi_submit_sync",
	     "qihang_fn", "kthread", END);
	word(&v[0], "qihang_fn", CPU_WORD_DESC, 0, 106);
	/*
	 * CPU2: the flush-queue timer in qi_batch_flush_descs(): its descriptors
	 * are in the domain's struct qi_batch; qi_submit_sync's frame keeps the
	 * pointer (its desc argument).  It also holds a stale stack copy of the
	 * module's first descriptor, which must not win over CPU1's pointer-less
	 * evidence... it cannot: CPU1 claims 106 by DESC only after the pointer pass.
	 */
	view(&v[1], 2, FQ_TIMER_6_12, END);
	ptr_word(&v[1], "qi_submit_sync", 0, 109, qib, true, false);
	word(&v[1], "qi_batch_flush_descs", CPU_WORD_DESC, 0, 106);
	view(&v[2], 3, "default_idle", "do_idle", END);

	j = judge(m, v, 3, &k_6_12);
	assert_int_equal(j->cpus[1].batch, 1);
	assert_int_equal(j->cpus[1].by, VTD_ATTR_DESC_PTR);
	assert_true(j->cpus[1].qi_batch);
	assert_int_equal(j->cpus[1].batch_addr, qib);
	assert_false(j->cpus[1].batch_in_regs);
	assert_int_equal(j->cpus[0].batch, 0);
	assert_int_equal(j->cpus[0].by, VTD_ATTR_DESC);
	/* Every in-flight batch has its CPU. */
	assert_int_equal(j->units[0].owners[0].cpu, 0);
	assert_int_equal(j->units[0].owners[1].cpu, 1);
	assert_int_equal(j->units[0].owners[1].why, VTD_OWNER_FOUND);

	/* A pointer outranks a descriptor copy: CPU2's pointer to batch 0 beats CPU1's copy. */
	free(v[1].words);
	v[1].words = NULL;
	v[1].nr_words = 0;
	ptr_word(&v[1], "qi_submit_sync", 0, 106, 0xffffc90000410000ull, false, false);
	rejudge(m, v, 3, &quiet_sys, &k_6_12, j);
	assert_int_equal(j->cpus[1].batch, 0);
	assert_int_equal(j->cpus[1].by, VTD_ATTR_DESC_PTR);
	assert_false(j->cpus[1].qi_batch);
	assert_int_equal(j->cpus[0].batch, -1);
	/* CPU1 is in qi_submit_sync and names nothing left: batch 1's owner may be it. */
	assert_int_equal(j->units[0].owners[1].cpu, -1);
	assert_int_equal(j->units[0].owners[1].why, VTD_OWNER_UNNAMED);

	/*
	 * In a register of the interrupted context (the pt_regs under the stop
	 * NMI): it counts; in the NMI handler's own registers it does not.
	 */
	free(v[1].words);
	v[1].words = NULL;
	v[1].nr_words = 0;
	regs_at(&v[1], "qi_submit_sync", 0x2);
	ptr_word(&v[1], "qi_submit_sync", 0, 109, qib, true, true);
	stopped_by_nmi(&v[1]);
	rejudge(m, v, 3, &quiet_sys, &k_6_12, j);
	assert_int_equal(j->cpus[1].chain_first, 6);
	assert_int_equal(j->cpus[1].batch, 1);
	assert_true(j->cpus[1].batch_in_regs);
	free(v[1].words);
	v[1].words = NULL;
	v[1].nr_words = 0;
	ptr_word(&v[1], "stop_this_cpu", 0, 109, qib, true, true);
	rejudge(m, v, 3, &quiet_sys, &k_6_12, j);
	assert_int_equal(j->cpus[1].batch, -1);
	done(m, v, 3, j);
}

/* ---- attribute: every in-flight batch gets a CPU or the reason it has none ---- */

static void test_batch_owners(void **state)
{
	const uint64_t g[][2] = { IOTLB_GLOBAL };
	struct vtd_model *m = model(1);
	struct vtd_unit *u = &m->units[0];
	struct cpu_view v[2];
	struct vtd_judgement *j;

	(void)state;
	ring_at(u, 20);
	submit(u, g, 1);                /* 20, wait 21 */
	submit(u, g, 1);                /* 22, wait 23 */
	submit(u, g, 1);                /* 24, wait 25 */
	hw_done(u, 0);                  /* completed: its submitter is on its way out */
	view(&v[0], 0, "qi_submit_sync", "qi_flush_iotlb", "intel_iommu_tlb_sync", END);
	word(&v[0], "qi_submit_sync", CPU_WORD_STATUS, 0, 23);
	view(&v[1], 1, "default_idle", "do_idle", END);

	j = judge(m, v, 2, &k_6_1);
	assert_int_equal(j->units[0].owners[0].why, VTD_OWNER_COMPLETED);
	assert_int_equal(j->units[0].owners[1].why, VTD_OWNER_FOUND);
	assert_int_equal(j->units[0].owners[1].cpu, 0);
	/* One CPU in qi_submit_sync, already the owner of batch 1: none left for batch 2. */
	assert_int_equal(j->units[0].owners[2].why, VTD_OWNER_NONE_LEFT);
	assert_int_equal(j->units[0].owners[2].cpu, -1);

	/* Nobody in qi_submit_sync. */
	free(v[0].words);
	view(&v[0], 0, "default_idle", "do_idle", END);
	rejudge(m, v, 2, &quiet_sys, &k_6_1, j);
	assert_int_equal(j->units[0].owners[1].why, VTD_OWNER_NO_CPU);
	assert_int_equal(j->units[0].owners[2].why, VTD_OWNER_NO_CPU);
	assert_int_equal(j->units[0].owners[0].why, VTD_OWNER_COMPLETED);

	/* No stacks at all. */
	rejudge(m, NULL, 0, &quiet_sys, &k_6_1, j);
	assert_int_equal(j->units[0].owners[1].why, VTD_OWNER_NO_STACKS);

	/*
	 * A stack the unwinder could not follow to its end (no ORC): its
	 * submitter may be above the cut, so "nobody" is not a contradiction.
	 */
	v[1].cut = true;
	v[1].cut_why = "no ORC entry for this address";
	rejudge(m, v, 2, &quiet_sys, &k_6_1, j);
	assert_int_equal(j->nr_cut, 1);
	assert_int_equal(j->units[0].owners[1].why, VTD_OWNER_CUT);
	assert_int_equal(j->fusion.orphans, 0);
	assert_int_equal(j->fusion.stacks, VTD_SOURCE_PARTIAL);
	assert_int_equal(j->fusion.verdict, VTD_VERDICT_INCOMPLETE);
	/* The same with every stack read to its end: the stacks contradict the queue. */
	v[1].cut = false;
	rejudge(m, v, 2, &quiet_sys, &k_6_1, j);
	assert_int_equal(j->fusion.orphans, 2);
	assert_int_equal(j->fusion.verdict, VTD_VERDICT_SUSPECTED);
	/* A CPU with registers but no stack leaves the same doubt. */
	{
		struct sys_view sys = quiet_sys;

		sys.nr_no_stack = 1;
		rejudge(m, v, 2, &sys, &k_6_1, j);
		assert_int_equal(j->units[0].owners[1].why, VTD_OWNER_CUT);
		assert_int_equal(j->fusion.orphans, 0);
	}
	done(m, v, 2, j);
}

/* ---- lockup + chain: IRQs off, interrupt context, the CPUs waiting, the report, the panic ---- */

static void test_chain(void **state)
{
	const uint64_t scen[][2] = { IOTLB_GLOBAL, DEVTLB_BAD(SID_01_00_0) };
	const uint64_t fq[][2] = { IOTLB_DSI(6) };
	struct vtd_model *m = model(1);
	struct vtd_unit *u = &m->units[0];
	struct cpu_view v[6];
	struct sys_view sys = quiet_sys;
	struct vtd_judgement *j;

	(void)state;
	ring_at(u, 140);
	submit(u, scen, 2);             /* 140, 141, wait 142 */
	submit(u, fq, 1);               /* 143, wait 144 */
	/* CPU1: the module's submitter, retaking q_lock between polls, IRQs off. */
	view(&v[0], 1, "native_queued_spin_lock_slowpath", "_raw_spin_lock", "qi_submit_sync",
	     "qihang_fn", "kthread", END);
	v[0].module[3] = "vtdscen";
	regs_at(&v[0], "native_queued_spin_lock_slowpath", 0x2);
	word(&v[0], "qihang_fn", CPU_WORD_DESC, 0, 140);
	stopped_by_nmi(&v[0]);
	/* CPU2: the flush-queue timer in the timer softirq on the IRQ stack, over the idle task. */
	view(&v[1], 2, FQ_TIMER_6_1, "__irq_exit_rcu", "sysvec_apic_timer_interrupt",
	     "asm_sysvec_apic_timer_interrupt", "native_safe_halt", "default_idle", "do_idle", END);
	for (int i = 0; i < frame_of(&v[1], "asm_sysvec_apic_timer_interrupt"); i++)
		v[1].stack[i] = VSC_STACK_IRQ;
	regs_at(&v[1], "qi_submit_sync", 0x2);
	regs_at(&v[1], "native_safe_halt", 0x246);
	word(&v[1], "qi_submit_sync", CPU_WORD_STATUS, 0, 144);
	stopped_by_nmi(&v[1]);
	/* CPU0: the RCU stall detector's panic, in the timer interrupt, IRQs on. */
	view(&v[2], 0, "delay_tsc", "vpanic", "panic", "rcu_sched_clock_irq", "update_process_times",
	     END);
	regs_at(&v[2], "delay_tsc", 0x283);
	/* CPU3: an IPI sender waiting for CPU1 to answer. */
	view(&v[3], 3, "smp_call_function_many_cond", "on_each_cpu_cond_mask", "flush_tlb_mm_range",
	     "do_exit", END);
	regs_at(&v[3], "smp_call_function_many_cond", 0x246);
	stopped_by_nmi(&v[3]);
	/* CPU4 (PREEMPT_RT): spinning on the owner of a sleeping spinlock_t. */
	view(&v[4], 4, "rtmutex_spin_on_owner", "rtlock_slowlock_locked", "rt_spin_lock",
	     "cache_tag_flush_range", END);
	/* CPU5: idle. */
	view(&v[5], 5, "default_idle", "default_idle_call", "do_idle", END);
	/* The log: an RCU stall naming CPUs 1 and 2 (and 5, which did nothing), the panic on CPU0. */
	sys.events[SYS_EVENT_RCU_STALL] = (struct sys_event){ .present = true, .ts = 14441033000ull,
		.cpus = { 1, 2, 5 }, .nr_cpus = 3, .detector = 0, .count = 1 };
	/* A later hard-lockup report: the chain starts from the one that fired first. */
	sys.events[SYS_EVENT_HARD_LOCKUP] = (struct sys_event){ .present = true, .ts = 20000000000ull,
		.cpus = { 3 }, .nr_cpus = 1, .detector = -1, .count = 1 };
	sys.panicked = true;
	snprintf(sys.panic, sizeof(sys.panic), "Kernel panic - not syncing: RCU Stall");
	sys.panic_cpu = 0;
	m->log_iqe = 500;
	m->log_qi_head = true;
	m->log_head_qw0 = scen[1][0];
	m->log_head_qw1 = scen[1][1];
	sys.iqe_reports = 500;
	sys.iqe_open = true;

	j = judge_sys(m, v, 6, &sys, &k_6_1);
	/* IRQs as the interrupted contexts' RFLAGS say, not the NMI handler's. */
	assert_int_equal(j->cpus[0].irqs, VTD_IRQS_OFF);
	assert_int_equal(j->cpus[1].irqs, VTD_IRQS_OFF);
	assert_int_equal(j->cpus[2].irqs, VTD_IRQS_ON);
	assert_int_equal(j->cpus[3].irqs, VTD_IRQS_ON);  /* its NMI handler's were off */
	assert_true(j->cpus[1].in_irq);
	assert_int_equal(j->cpus[1].interrupted_frame, frame_of(&v[1], "native_safe_halt"));
	assert_false(j->cpus[0].in_irq);
	assert_false(j->cpus[0].entering);       /* plain raw_spin_lock: between polls */
	/* The panic CPU: panic() called from the RCU stall detector. */
	assert_int_equal(j->cpus[2].panic_frame, frame_of(&v[2], "vpanic"));
	assert_int_equal(j->cpus[2].panic_caller, frame_of(&v[2], "rcu_sched_clock_irq"));
	/* What the CPUs outside qi_submit_sync wait for. */
	assert_int_equal(j->cpus[3].wait, VTD_WAIT_IPI);
	assert_int_equal(j->cpus[4].wait, VTD_WAIT_RT_LOCK);
	assert_int_equal(j->cpus[5].wait, VTD_WAIT_NONE);

	/* The chain: the stuck batch's submitter, the CPUs waiting on it, the report, the panic. */
	assert_int_equal(j->verdict_unit, 0);
	assert_int_equal(j->chain.unit, 0);
	assert_int_equal(j->chain.batch, 0);
	assert_int_equal(j->chain.root, 0);
	assert_int_equal(j->chain.event, SYS_EVENT_RCU_STALL);
	assert_int_equal(j->chain.panic_view, 2);
	{
		int how[6];

		for (int i = 0; i < 6; i++)
			how[i] = -1;
		for (int k = 0; k < j->chain.nr_victims; k++)
			how[j->chain.victims[k].cpu] = (int)j->chain.victims[k].how;
		assert_int_equal(how[0], -1);                   /* the root is not its own victim */
		assert_int_equal(how[1], VTD_VICTIM_BEHIND);
		assert_int_equal(how[2], -1);                   /* the panic CPU reports; it waits for nobody */
		assert_int_equal(how[3], VTD_VICTIM_IPI);
		assert_int_equal(how[4], VTD_VICTIM_RT_LOCK);
		assert_int_equal(how[5], VTD_VICTIM_STALLED);   /* named by the stall report only */
		assert_int_equal(j->chain.nr_victims, 4);
	}
	/* Queue and stacks agree: a lockup, caused by the rejected descriptor. */
	assert_int_equal(j->fusion.verdict, VTD_VERDICT_LOCKUP);
	assert_int_equal(j->units[0].cause, VTD_CAUSE_IQE);
	assert_true(j->fusion.fault_open);
	assert_true(j->fusion.panic_stall);
	assert_int_equal(j->fusion.log, VTD_SOURCE_HANG);
	assert_int_equal(j->fusion.queue, VTD_SOURCE_HANG);
	assert_int_equal(j->fusion.stacks, VTD_SOURCE_HANG);
	done(m, v, 6, j);
}

/* ---- fuse: a verdict is never "healthy" while any source shows a hang ---- */

static void test_fusion(void **state)
{
	const uint64_t scen[][2] = { IOTLB_GLOBAL, DEVTLB_BAD(SID_01_00_0) };
	struct vtd_model *m = model(1);
	struct vtd_unit *u = &m->units[0];
	struct vsc_error err = { VSC_ERR_NODATA, (char *)"dmar0 qi->desc ring: page not in dump" };
	struct cpu_view v[2];
	struct sys_view sys = quiet_sys;
	struct vtd_judgement *j;

	(void)state;
	ring_at(u, 106);
	view(&v[0], 1, "native_queued_spin_lock_slowpath", "_raw_spin_lock", "qi_submit_sync",
	     "qihang_fn", "kthread", END);
	view(&v[1], 0, "default_idle", "do_idle", END);

	/* Everything read, nothing anywhere: healthy. */
	j = judge_sys(m, &v[1], 1, &sys, &k_6_12);
	assert_int_equal(j->fusion.verdict, VTD_VERDICT_HEALTHY);
	assert_int_equal(j->fusion.queue, VTD_SOURCE_QUIET);
	assert_int_equal(j->fusion.stacks, VTD_SOURCE_QUIET);
	assert_int_equal(j->fusion.log, VTD_SOURCE_QUIET);
	assert_int_equal(j->fusion.locks, VTD_SOURCE_QUIET);

	/*
	 * The damaged copy: desc_status zeroed, so the queue shows nothing
	 * pending, while a CPU polls in qi_submit_sync and the log's IQE was
	 * never cleared.  Not healthy: suspected, the queue disagreeing.
	 */
	m->log_iqe = 6703;
	sys.iqe_reports = 6703;
	sys.iqe_open = true;
	rejudge(m, v, 2, &sys, &k_6_12, j);
	assert_int_equal(j->verdict_unit, -1);
	assert_int_equal(j->fusion.verdict, VTD_VERDICT_SUSPECTED);
	assert_int_equal(j->fusion.queue, VTD_SOURCE_QUIET);
	assert_int_equal(j->fusion.stacks, VTD_SOURCE_HANG);
	assert_true(j->fusion.fault_open);
	assert_int_equal(j->chain.root, 0);     /* the CPU stuck in qi_submit_sync */
	/* The IQE is dmar0's (its only queue) and nothing on dmar0 explains it. */
	assert_true(j->units[0].idle_iqe);

	/* Only the stacks show it: still suspected. */
	m->log_iqe = 0;
	sys.iqe_open = false;
	sys.iqe_reports = 0;
	rejudge(m, v, 2, &sys, &k_6_12, j);
	assert_int_equal(j->fusion.verdict, VTD_VERDICT_SUSPECTED);
	assert_false(j->units[0].idle_iqe);

	/* Only the log shows it (the fault never cleared, nobody polls): suspected. */
	m->log_iqe = 12;
	sys.iqe_open = true;
	rejudge(m, &v[1], 1, &sys, &k_6_12, j);
	assert_int_equal(j->fusion.verdict, VTD_VERDICT_SUSPECTED);
	/* ... but once the log shows it cleared, the idle queue agrees with it. */
	sys.iqe_open = false;
	rejudge(m, &v[1], 1, &sys, &k_6_12, j);
	assert_int_equal(j->fusion.verdict, VTD_VERDICT_HEALTHY);
	assert_int_equal(j->fusion.log, VTD_SOURCE_ACTIVE);
	m->log_iqe = 0;

	/* A CPU polls and the queue could not be read: suspected, not healthy. */
	u->slots_read = false;
	u->qi_error = &err;
	rejudge(m, v, 2, &sys, &k_6_12, j);
	assert_int_equal(j->fusion.verdict, VTD_VERDICT_SUSPECTED);
	assert_int_equal(j->fusion.queue, VTD_SOURCE_UNREADABLE);
	assert_int_equal(j->fusion.queue_unreadable, 1);
	/* Nobody polls and the queue could not be read: incomplete, not healthy. */
	rejudge(m, &v[1], 1, &sys, &k_6_12, j);
	assert_int_equal(j->fusion.verdict, VTD_VERDICT_INCOMPLETE);
	u->slots_read = true;
	u->qi_error = NULL;

	/* A lockup report with nothing in VT-d: the system hung elsewhere. */
	sys.events[SYS_EVENT_HARD_LOCKUP] = (struct sys_event){ .present = true, .cpus = { 3 },
								.nr_cpus = 1, .detector = -1, .count = 1 };
	rejudge(m, &v[1], 1, &sys, &k_6_12, j);
	assert_int_equal(j->fusion.verdict, VTD_VERDICT_ELSEWHERE);
	assert_int_equal(j->chain.event, SYS_EVENT_HARD_LOCKUP);
	sys.events[SYS_EVENT_HARD_LOCKUP].present = false;
	/* A panic that names a stall says the same. */
	sys.panicked = true;
	snprintf(sys.panic, sizeof(sys.panic), "Kernel panic - not syncing: softlockup: hung tasks");
	rejudge(m, &v[1], 1, &sys, &k_6_12, j);
	assert_int_equal(j->fusion.verdict, VTD_VERDICT_ELSEWHERE);
	snprintf(sys.panic, sizeof(sys.panic), "Kernel panic - not syncing: sysrq triggered crash");
	rejudge(m, &v[1], 1, &sys, &k_6_12, j);
	assert_int_equal(j->fusion.verdict, VTD_VERDICT_HEALTHY);
	sys.panicked = false;

	/* The log could not be read: incomplete. */
	sys.log_read = false;
	rejudge(m, &v[1], 1, &sys, &k_6_12, j);
	assert_int_equal(j->fusion.verdict, VTD_VERDICT_INCOMPLETE);
	assert_int_equal(j->fusion.log, VTD_SOURCE_UNREADABLE);
	rejudge(m, &v[1], 1, NULL, &k_6_12, j);
	assert_int_equal(j->fusion.verdict, VTD_VERDICT_INCOMPLETE);
	sys.log_read = true;
	/* No stack could be read: incomplete. */
	rejudge(m, NULL, 0, &sys, &k_6_12, j);
	assert_int_equal(j->fusion.verdict, VTD_VERDICT_INCOMPLETE);
	assert_int_equal(j->fusion.stacks, VTD_SOURCE_UNREADABLE);
	/* A CPU has registers but no stack: incomplete. */
	sys.nr_no_stack = 1;
	rejudge(m, &v[1], 1, &sys, &k_6_12, j);
	assert_int_equal(j->fusion.verdict, VTD_VERDICT_INCOMPLETE);
	assert_int_equal(j->fusion.stacks, VTD_SOURCE_PARTIAL);
	sys.nr_no_stack = 0;

	/* q_lock held on a snapshot with no CPU in queued-invalidation code: suspected. */
	u->q_lock = 1;
	rejudge(m, &v[1], 1, &sys, &k_6_12, j);
	assert_int_equal(j->fusion.verdict, VTD_VERDICT_SUSPECTED);
	assert_int_equal(j->fusion.lock_orphan_unit, 0);
	assert_int_equal(j->fusion.locks, VTD_SOURCE_HANG);
	/* ... read from the live kernel it may be taken right now: no claim. */
	sys.live = true;
	rejudge(m, &v[1], 1, &sys, &k_6_12, j);
	assert_int_equal(j->fusion.lock_orphan_unit, -1);
	sys.live = false;
	u->q_lock = 0;

	/*
	 * A pending batch nobody polls for, on a snapshot: qi_submit_sync()
	 * returns only after its wait completed, so the stacks and the queue
	 * disagree.
	 */
	submit(u, scen, 2);
	rejudge(m, &v[1], 1, &sys, &k_6_12, j);
	assert_int_equal(j->units[0].cls, VTD_QUEUE_IN_FLIGHT);
	assert_int_equal(j->fusion.orphans, 1);
	assert_int_equal(j->fusion.verdict, VTD_VERDICT_SUSPECTED);
	sys.live = true;
	rejudge(m, &v[1], 1, &sys, &k_6_12, j);
	assert_int_equal(j->fusion.orphans, 0);
	assert_int_equal(j->fusion.verdict, VTD_VERDICT_HEALTHY);
	sys.live = false;

	/* With the poller: a lockup.  Without stacks, the log's fault alone: suspected. */
	word(&v[0], "qihang_fn", CPU_WORD_DESC, 0, 106);
	rejudge(m, v, 2, &sys, &k_6_12, j);
	assert_int_equal(j->fusion.verdict, VTD_VERDICT_LOCKUP);
	m->log_iqe = 3;
	rejudge(m, NULL, 0, &sys, &k_6_12, j);
	assert_int_equal(j->units[0].cls, VTD_QUEUE_DEVTLB_HANG);
	assert_int_equal(j->fusion.verdict, VTD_VERDICT_SUSPECTED);
	done(m, v, 2, j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_devtlb_hang),
		cmocka_unit_test(test_iqe_head),
		cmocka_unit_test(test_qlock_spinner_and_outsider),
		cmocka_unit_test(test_qi_batch_owner),
		cmocka_unit_test(test_attribution_order),
		cmocka_unit_test(test_inconsistent_not_healthy),
		cmocka_unit_test(test_unreadable_and_no_stacks),
		cmocka_unit_test(test_reserved_text),
		cmocka_unit_test(test_ats_off),
		cmocka_unit_test(test_desc_ptr_attribution),
		cmocka_unit_test(test_batch_owners),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_fusion),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
