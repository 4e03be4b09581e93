// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The ORC unwinder (x86-64), after arch/x86/kernel/unwind_orc.c: the same
 * state machine, run against the dump's memory.
 *
 * Start states: a CPU's registers (exact IP, full regs) or a blocked task's
 * struct inactive_task_frame (v4.9+, 0100301bfdf5).  Each step looks up the
 * ORC entry for the IP (IP - 1 for return addresses), computes the caller's
 * SP, then IP and registers by the entry type: CALL (return address below
 * the CFA), REGS (a full pt_regs at the CFA: entry code) or REGS_PARTIAL
 * (a hardware iret frame).  Stack switches need no special case: the IRQ
 * stack switch (call_on_irqstack) is an SP_INDIRECT entry since v5.12
 * (87ccc826bf1c) and exception/NMI entries are REGS frames.  We classify each
 * SP against the CPU's stacks (task, IRQ, exception stacks in the
 * cpu_entry_area, entry trampoline stack) only to print markers and to
 * catch loops.
 *
 * Everything read is bounded: at most VSC_UNWIND_MAX_FRAMES frames, every
 * read labelled, a bad value ends the trace with a reason.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vtdscope/kernel.h>
#include <vtdscope/symbols.h>
#include <vtdscope/types.h>
#include <vtdscope/unwind.h>

#include "cfi.h"
#include "target_internal.h"

#define DEFAULT_THREAD_SIZE (16u << 10)
#define DEFAULT_EXC_STACK_SIZE (8u << 10)   /* EXCEPTION_STKSZ: 2 pages since v4.x */
#define PT_REGS_WORDS 21
#define IRET_FRAME_OFFSET (16 * 8)          /* offsetof(struct pt_regs, ip) */
#define MAX_STACK_RANGES 12

/* ---- names ---- */

#define JSON2_(e, json) json,
#define JSON3_(e, json, third) json,
#define THIRD_(e, json, third) third,

static const char *const frame_kind_names[] = { VSC_FRAME_KINDS(JSON2_) };
static const char *const frame_via_names[] = { VSC_FRAME_VIAS(JSON2_) };
static const char *const stack_kind_names[] = { VSC_STACK_KINDS(JSON3_) };
static const char *const end_names[] = { VSC_UNWIND_ENDS(JSON3_) };
static const char *const end_texts[] = { VSC_UNWIND_ENDS(THIRD_) };

#define OPEN_(e, json, kname) "<" kname ">",
#define CLOSE_(e, json, kname) "</" kname ">",
static const char *const open_markers[] = { VSC_STACK_KINDS(OPEN_) };
static const char *const close_markers[] = { VSC_STACK_KINDS(CLOSE_) };

const char *vsc_frame_kind_name(enum vsc_frame_kind k)
{
	return VSC_NAME_OF(frame_kind_names, k);
}

const char *vsc_frame_via_name(enum vsc_frame_via v)
{
	return VSC_NAME_OF(frame_via_names, v);
}

const char *vsc_stack_kind_name(enum vsc_stack_kind k)
{
	return VSC_NAME_OF(stack_kind_names, k);
}

const char *vsc_unwind_end_name(enum vsc_unwind_end e)
{
	return VSC_NAME_OF(end_names, e);
}

const char *vsc_unwind_end_text(enum vsc_unwind_end e)
{
	return VSC_NAME_OF(end_texts, e);
}

/* ---- the CPU's stacks ---- */

struct stack_range {
	uint64_t lo, hi;
	enum vsc_stack_kind kind;
};

struct stack_map {
	struct stack_range r[MAX_STACK_RANGES];
	unsigned int n;
};

static void map_add(struct stack_map *m, uint64_t lo, uint64_t size, enum vsc_stack_kind kind)
{
	if (!lo || !size || lo + size < lo || m->n >= MAX_STACK_RANGES)
		return;
	m->r[m->n++] = (struct stack_range){ lo, lo + size, kind };
}

static enum vsc_stack_kind map_kind(const struct stack_map *m, uint64_t sp)
{
	for (unsigned int i = 0; i < m->n; i++)
		if (sp >= m->r[i].lo && sp < m->r[i].hi)
			return m->r[i].kind;
	return VSC_STACK_UNKNOWN;
}

static bool sym_addr(struct vsc_target *t, const char *name, uint64_t *out)
{
	struct vsc_error *err = vsc_symbol_address(t, name, out);

	vsc_error_destroy(err);
	return !err;
}

static bool member_off(struct vsc_target *t, const char *type, const char *member, uint64_t *off)
{
	struct vsc_member_info mi;
	struct vsc_error *err = vsc_member(t, type, member, &mi);

	vsc_error_destroy(err);
	if (!err)
		*off = mi.offset;
	return !err;
}

static bool read_u64_quiet(struct vsc_target *t, uint64_t addr, uint64_t *out, const char *label)
{
	struct vsc_error *err = vsc_read_u64(t, addr, out, label);

	vsc_error_destroy(err);
	return !err;
}

/*
 * A per-CPU pointer-sized value that lived as a standalone variable, then in
 * struct pcpu_hot (v6.2 through v6.14), then standalone again (v6.15).  We
 * ask for the variable first, then the pcpu_hot member.
 */
static bool percpu_word(struct vsc_target *t, unsigned int cpu, const char *var,
			const char *hot_member, uint64_t *out)
{
	uint64_t sym, off = 0, addr;
	struct vsc_error *err;

	if (!sym_addr(t, var, &sym)) {
		if (!hot_member || !sym_addr(t, "pcpu_hot", &sym) ||
		    !member_off(t, "struct pcpu_hot", hot_member, &off))
			return false;
	}
	err = vsc_per_cpu_addr(t, sym + off, cpu, &addr);
	if (err) {
		vsc_error_destroy(err);
		return false;
	}
	return read_u64_quiet(t, addr, out, var);
}

static uint64_t thread_size(struct vsc_target *t)
{
	uint64_t a, b;

	/* INIT_TASK_DATA: __end_init_task = __start_init_task + THREAD_SIZE */
	if (sym_addr(t, "__start_init_task", &a) && sym_addr(t, "__end_init_task", &b) &&
	    b > a && b - a <= (64u << 10) && !((b - a) & 0xfff))
		return b - a;
	return DEFAULT_THREAD_SIZE;
}

static void map_cpu_stacks(struct vsc_target *t, unsigned int cpu, uint64_t tsize,
			   struct stack_map *m)
{
	static const struct {
		const char *member;
		enum vsc_stack_kind kind;
		unsigned int page; /* index of the stack in the fallback layout */
	} exc[] = {
		{ "DF_stack", VSC_STACK_DF, 0 },   { "NMI_stack", VSC_STACK_NMI, 1 },
		{ "DB_stack", VSC_STACK_DB, 2 },   { "MCE_stack", VSC_STACK_MCE, 3 },
		{ "VC_stack", VSC_STACK_VC, 4 },   { "VC2_stack", VSC_STACK_VC2, 5 },
	};
	uint64_t v;

	/* IRQ stack: hardirq_stack_ptr points 8 bytes below its top. */
	if (percpu_word(t, cpu, "hardirq_stack_ptr", "hardirq_stack_ptr", &v) && v)
		map_add(m, v + 8 - tsize, tsize, VSC_STACK_IRQ);
	/* Exception (IST) stacks in the cpu_entry_area, each after a guard page. */
	if (percpu_word(t, cpu, "cea_exception_stacks", NULL, &v) && v) {
		for (size_t i = 0; i < sizeof(exc) / sizeof(exc[0]); i++) {
			struct vsc_member_info mi;
			struct vsc_error *err = vsc_member(t, "struct cea_exception_stacks",
							   exc[i].member, &mi);

			if (!err && mi.size)
				map_add(m, v + mi.offset, mi.size, exc[i].kind);
			else if (!t->types)
				map_add(m, v + 4096 + exc[i].page * (4096 + DEFAULT_EXC_STACK_SIZE),
					DEFAULT_EXC_STACK_SIZE, exc[i].kind);
			vsc_error_destroy(err);
		}
	}
	/* Entry trampoline stack: TSS sp0 points at its top ("regardless of what task"). */
	{
		uint64_t tss, off, addr, size = 4096;
		struct vsc_error *err;

		if (sym_addr(t, "cpu_tss_rw", &tss) &&
		    member_off(t, "struct tss_struct", "x86_tss.sp0", &off)) {
			err = vsc_per_cpu_addr(t, tss + off, cpu, &addr);
			if (!err && read_u64_quiet(t, addr, &v, "cpu_tss_rw.x86_tss.sp0") && v) {
				vsc_error_destroy(vsc_type_size(t, "struct entry_stack", &size));
				if (size > 4096 || !size)
					size = 4096;
				map_add(m, v - size, size, VSC_STACK_ENTRY);
			}
			vsc_error_destroy(err);
		}
	}
}

/* ---- the unwinder ---- */

struct ustate {
	uint64_t ip, sp, bp;
	/* the other general registers where known (for CFI rules); ip/sp/bp above rule */
	struct vsc_cfi_regs gpr;
	enum vsc_frame_via via;
	bool signal;
	enum vsc_frame_regs regs_kind;
	uint64_t regs_addr;
	struct vsc_regs regs;
	bool have_prev_regs;        /* full regs before an iret frame (kernel prev_regs) */
	struct vsc_regs prev_regs;
	bool reliable;
};

struct unwinder {
	struct vsc_target *t;
	struct vsc_cfi *cfi;        /* NULL: ORC only */
	bool cfi_first;
	uint64_t entry_lo, entry_hi; /* .entry.text: pt_regs at SP when called from there */
	struct stack_map map;
	struct vsc_stack *st;
	size_t cap;
	enum vsc_stack_kind cur_stack;
	bool started;
};

static bool push(struct unwinder *u, const struct vsc_frame *f)
{
	if (u->st->nr_frames == u->cap) {
		size_t ncap = u->cap ? u->cap * 2 : 32;
		struct vsc_frame *nf = realloc(u->st->frames, ncap * sizeof(*nf));

		if (!nf)
			return false;
		u->st->frames = nf;
		u->cap = ncap;
	}
	u->st->frames[u->st->nr_frames++] = *f;
	return true;
}

static void set_end(struct unwinder *u, enum vsc_unwind_end end, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_end(struct unwinder *u, enum vsc_unwind_end end, const char *fmt, ...)
{
	va_list ap;

	u->st->end = end;
	va_start(ap, fmt);
	vsnprintf(u->st->end_detail, sizeof(u->st->end_detail), fmt, ap);
	va_end(ap);
}

static void regs_from_words(struct vsc_regs *r, const uint64_t *w)
{
	/* struct pt_regs order: r15 r14 r13 r12 bp bx r11 r10 r9 r8 ax cx dx si di
	 * orig_ax ip cs flags sp ss */
	*r = (struct vsc_regs){
		.r15 = w[0], .r14 = w[1], .r13 = w[2], .r12 = w[3], .bp = w[4], .bx = w[5],
		.r11 = w[6], .r10 = w[7], .r9 = w[8], .r8 = w[9], .ax = w[10], .cx = w[11],
		.dx = w[12], .si = w[13], .di = w[14], .orig_ax = w[15], .ip = w[16],
		.cs = w[17], .flags = w[18], .sp = w[19], .ss = w[20],
	};
}

/* The general registers of a pt_regs (or a register note) by DWARF number. */
static void gpr_from_regs(struct vsc_cfi_regs *g, const struct vsc_regs *r)
{
	const uint64_t v[VSC_DW_NREGS] = {
		r->ax, r->dx, r->cx, r->bx, r->si, r->di, r->bp, r->sp,
		r->r8, r->r9, r->r10, r->r11, r->r12, r->r13, r->r14, r->r15, r->ip,
	};

	memcpy(g->r, v, sizeof(v));
	g->known = (1u << VSC_DW_NREGS) - 1;
}

/* A register from the current pt_regs (kernel get_reg()). */
static bool get_reg(const struct ustate *s, enum vsc_orc_reg reg, uint64_t *out)
{
	const struct vsc_regs *r;

	if (s->regs_kind == VSC_REGS_FULL)
		r = &s->regs;
	else if (s->regs_kind == VSC_REGS_IRET && s->have_prev_regs)
		r = &s->prev_regs;
	else
		return false;
	switch (reg) {
	case VSC_ORC_REG_DX: *out = r->dx; return true;
	case VSC_ORC_REG_DI: *out = r->di; return true;
	case VSC_ORC_REG_R10: *out = r->r10; return true;
	case VSC_ORC_REG_R13: *out = r->r13; return true;
	case VSC_ORC_REG_AX: *out = r->ax; return true;
	case VSC_ORC_REG_BP: *out = r->bp; return true;
	default: return false;
	}
}

static bool kernel_addr(uint64_t a)
{
	return a >= 0xff00000000000000ULL;
}

/* Read @n stack words; on failure end the trace. */
static bool stack_read_words(struct unwinder *u, uint64_t addr, uint64_t *out, size_t n,
			     const char *what)
{
	struct vsc_error *err;

	if (!kernel_addr(addr) || (addr & 7)) {
		set_end(u, VSC_UNWIND_BAD_SP, "%s at 0x%" PRIx64 " is not a kernel stack address",
			what, addr);
		return false;
	}
	err = vsc_read(u->t, addr, out, n * 8, what);
	if (err) {
		set_end(u, err->kind == VSC_ERR_NODATA ? VSC_UNWIND_NOT_IN_DUMP : VSC_UNWIND_BAD_SP,
			"%s", err->message);
		vsc_error_destroy(err);
		return false;
	}
	return true;
}

/* Read a stack word; on failure end the trace. */
static bool stack_read(struct unwinder *u, uint64_t addr, uint64_t *out, const char *what)
{
	return stack_read_words(u, addr, out, 1, what);
}

static enum vsc_stack_kind classify(const struct unwinder *u, uint64_t sp)
{
	return map_kind(&u->map, sp);
}

static bool push_marker(struct unwinder *u, const char *text, enum vsc_stack_kind kind)
{
	struct vsc_frame f = { .kind = VSC_FRAME_MARKER, .marker = text, .stack = kind,
			       .reliable = true };

	return push(u, &f);
}

/* Emit the frame for the current state, with stack-switch markers. */
static bool emit(struct unwinder *u, const struct ustate *s)
{
	struct vsc_frame f = { 0 };
	enum vsc_stack_kind kind = classify(u, s->sp);
	uint64_t look = s->signal ? s->ip : s->ip - 1;

	if (!u->started || kind != u->cur_stack) {
		if (u->started && u->cur_stack > VSC_STACK_TASK &&
		    !push_marker(u, close_markers[u->cur_stack], u->cur_stack))
			return false;
		if (kind > VSC_STACK_TASK && !push_marker(u, open_markers[kind], kind))
			return false;
		u->cur_stack = kind;
		u->started = true;
	}
	f.kind = s->regs_kind != VSC_REGS_NONE ? VSC_FRAME_EXCEPTION : VSC_FRAME_NORMAL;
	f.pc = s->ip;
	f.sp = s->sp;
	f.stack = kind;
	/* off every stack we know of this CPU has: the kernel's unwinder would refuse */
	f.reliable = s->reliable && !(kind == VSC_STACK_UNKNOWN && u->map.n);
	f.via = s->via;
	if (vsc_code_symbol(u->t, look, &f.symbol, &f.offset, &f.module))
		f.offset += s->ip - look;
	else
		f.symbol = NULL;
	if (f.kind == VSC_FRAME_EXCEPTION) {
		f.regs_kind = s->regs_kind;
		f.regs_addr = s->regs_addr;
		f.regs = s->regs;
		if (s->regs_kind == VSC_REGS_IRET && s->have_prev_regs) {
			/* GPRs as the kernel sees them (prev_regs); ip/cs/flags/sp/ss from the frame */
			struct vsc_regs r = s->prev_regs;

			r.ip = s->regs.ip;
			r.cs = s->regs.cs;
			r.flags = s->regs.flags;
			r.sp = s->regs.sp;
			r.ss = s->regs.ss;
			f.regs = r;
		}
	}
	return push(u, &f);
}

static void symbolize(struct vsc_target *t, uint64_t ip, char *buf, size_t size)
{
	const char *name, *mod;
	uint64_t off;

	if (vsc_code_symbol(t, ip, &name, &off, &mod))
		snprintf(buf, size, "%s+0x%" PRIx64 "%s%s%s", name, off, mod ? " [" : "",
			 mod ? mod : "", mod ? "]" : "");
	else
		snprintf(buf, size, "0x%" PRIx64, ip);
}

static bool has_symbol(struct vsc_target *t, uint64_t ip)
{
	const char *name, *mod;
	uint64_t off;

	return vsc_code_symbol(t, ip, &name, &off, &mod);
}

static bool user_mode(const struct ustate *s)
{
	return s->regs_kind != VSC_REGS_NONE && (s->regs.cs & 3);
}

/*
 * Entry code without ORC (nor CFI: assembly has none) calls C functions
 * with the pt_regs it built at SP ("movq %rsp, %rdi; call ..."): idtentry,
 * NMI, syscall entry.  The pt_regs' RIP was interrupted, not a return
 * address: it is looked up as it is (signal), as the kernel's unwinder does
 * after UNWIND_HINT_REGS.  Looked up at RIP - 1 instead, an interrupted
 * function's first instruction (or one after a push) gets the previous
 * instruction's CFA, and the step skips or invents frames.
 */
static const struct vsc_orc_entry entry_regs = {
	.sp_reg = VSC_ORC_REG_SP, .sp_offset = 0,
	.bp_reg = VSC_ORC_REG_UNDEFINED,
	.type = VSC_ORC_TYPE_REGS,
	.signal = true,
};

/* SP is where the task's own pt_regs begin, at the top of its stack: nothing above. */
static bool at_task_regs(const struct unwinder *u, const struct ustate *s)
{
	for (unsigned int i = 0; i < u->map.n; i++)
		if (u->map.r[i].kind == VSC_STACK_TASK)
			return s->sp == u->map.r[i].hi - PT_REGS_WORDS * 8;
	return false;
}

/*
 * Assembly has no CFI, and without ORC nothing describes it; but the
 * library routines that run interrupted (clear_user_erms, the memcpy and
 * copy_user variants of arch/x86/lib) are leaves that keep no frame: the
 * return address is at SP.  Taken only when proven: the word at SP returns
 * right after a direct call (e8 rel32) whose target is the start of the
 * interrupted function.  A leaf that pushed registers fails the proof.
 */
static bool leaf_return(struct unwinder *u, const struct ustate *s, uint64_t *ra)
{
	const char *name, *mod;
	uint64_t off, ret;
	uint8_t call[5];
	int32_t rel;
	struct vsc_error *err;

	if (!s->signal || !vsc_code_symbol(u->t, s->ip, &name, &off, &mod) || mod)
		return false;
	if (!read_u64_quiet(u->t, s->sp, &ret, "return address of a leaf") ||
	    !kernel_addr(ret) || !has_symbol(u->t, ret - 1))
		return false;
	err = vsc_read(u->t, ret - sizeof(call), call, sizeof(call), "call before a return address");
	if (err) {
		vsc_error_destroy(err);
		return false;
	}
	memcpy(&rel, call + 1, sizeof(rel));
	if (call[0] != 0xe8 || ret + (int64_t)rel != s->ip - off)
		return false;
	*ra = ret;
	return true;
}

/* Frame-pointer step used where ORC has nothing (BPF JIT code, kernel fallback). */
static const struct vsc_orc_entry fp_entry = {
	.sp_reg = VSC_ORC_REG_BP, .sp_offset = 16,
	.bp_reg = VSC_ORC_REG_PREV_SP, .bp_offset = -16,
	.type = VSC_ORC_TYPE_CALL,
};

enum step_result {
	STEP_DONE,      /* the state is the caller's */
	STEP_NONE,      /* this source has nothing usable here: try another */
	STEP_END,       /* the trace ends (u->st->end set) */
};

/* Step from a proven leaf to its caller, whose return address is @ra. */
static enum step_result leaf_step(struct ustate *s, uint64_t ra)
{
	s->ip = ra;
	s->sp += 8;
	s->signal = false;
	s->regs_kind = VSC_REGS_NONE;
	s->regs_addr = 0;
	s->have_prev_regs = false;
	s->via = VSC_VIA_LEAF;  /* every register but SP and IP is the caller's */
	return STEP_DONE;
}

struct cfi_reader {
	struct vsc_target *t;
	char *why;
	size_t size;
};

/* A read for a CFI rule: a failure is not the end, ORC may still step here. */
static bool cfi_read(void *arg, uint64_t addr, uint64_t *out)
{
	struct cfi_reader *r = arg;
	struct vsc_error *err;

	if (!kernel_addr(addr) || (addr & 7)) {
		snprintf(r->why, r->size, "CFI rule reads 0x%" PRIx64 ", not a kernel stack address",
			 addr);
		return false;
	}
	err = vsc_read_u64(r->t, addr, out, "register saved by a CFI rule");
	if (err) {
		snprintf(r->why, r->size, "CFI rule: %s", err->message);
		vsc_error_destroy(err);
		return false;
	}
	return true;
}

/*
 * Code where ORC knows what the compiler's CFI cannot: objtool's unwind
 * hints for inline-asm stack switches (call_on_irqstack: SP_INDIRECT) and
 * entry code (pt_regs frames).  There ORC steps, whatever the preference.
 */
static bool orc_hinted(struct unwinder *u, const struct ustate *s)
{
	struct vsc_orc_entry orc;
	struct vsc_error *err = vsc_orc_find(u->t, s->signal ? s->ip : s->ip - 1, &orc);

	if (err) {
		vsc_error_destroy(err);
		return false;
	}
	return orc.type != VSC_ORC_TYPE_CALL ||
	       (orc.sp_reg != VSC_ORC_REG_SP && orc.sp_reg != VSC_ORC_REG_BP);
}

/*
 * A step with the vmlinux's DWARF CFI.  STEP_NONE (@why says why) leaves @s
 * untouched: no FDE here, a rule that cannot be evaluated, a saved value
 * that cannot be read or a return address outside kernel code.
 */
static enum step_result cfi_step(struct unwinder *u, struct ustate *s, char *why, size_t size)
{
	struct vsc_cfi_regs cur = s->gpr, caller;
	uint64_t look = s->signal ? s->ip : s->ip - 1, ra;
	struct cfi_reader rd = { .t = u->t, .why = why, .size = size };

	vsc_cfi_regs_set(&cur, VSC_DW_RIP, s->ip);
	vsc_cfi_regs_set(&cur, VSC_DW_RSP, s->sp);
	vsc_cfi_regs_set(&cur, VSC_DW_RBP, s->bp);
	/*
	 * Back from a call on the IRQ stack (call_on_irqstack, v5.12+): SP is
	 * the stack's top slot, which holds the SP the compiler's rules are
	 * about (ORC says SP_INDIRECT here; inline asm is invisible to CFI).
	 */
	for (unsigned int i = 0; i < u->map.n; i++) {
		uint64_t old;

		if (u->map.r[i].kind == VSC_STACK_IRQ && s->sp == u->map.r[i].hi - 8 &&
		    cfi_read(&rd, s->sp, &old))
			vsc_cfi_regs_set(&cur, VSC_DW_RSP, old);
	}
	if (vsc_cfi_step(u->cfi, look, &cur, cfi_read, &rd, &caller, why, size) != VSC_CFI_OK)
		return STEP_NONE;
	ra = caller.r[VSC_DW_RIP];
	if (!kernel_addr(ra) || !has_symbol(u->t, ra - 1)) {
		snprintf(why, size, "CFI gives return address 0x%" PRIx64 ", not kernel code", ra);
		return STEP_NONE;
	}
	s->ip = caller.r[VSC_DW_RIP];
	s->sp = caller.r[VSC_DW_RSP];
	if (vsc_cfi_regs_known(&caller, VSC_DW_RBP))
		s->bp = caller.r[VSC_DW_RBP];
	s->gpr = caller;
	s->signal = false;
	s->regs_kind = VSC_REGS_NONE;
	s->regs_addr = 0;
	s->have_prev_regs = false;
	s->via = VSC_VIA_CFI;
	return STEP_DONE;
}

/*
 * A step with ORC; where ORC has no entry, with the CFI when it is the
 * second source, else a frame-pointer guess.  @cfi_why: why a CFI step
 * tried before did not work ("" if none was tried).
 */
static enum step_result orc_step(struct unwinder *u, struct ustate *s,
				 enum vsc_stack_kind prev_kind, const char *cfi_why)
{
	struct vsc_orc_entry orc;
	struct vsc_error *err;
	uint64_t look = s->signal ? s->ip : s->ip - 1, cfa = 0, tmp;
	char where[160], why[160] = "";

	s->via = VSC_VIA_ORC;
	err = vsc_orc_find(u->t, look, &orc);
	if (err) {
		bool text = err->kind == VSC_ERR_NOTFOUND &&
			    strstr(err->message, "not in kernel or module text");

		if (err == &vsc_error_nomem)
			return STEP_END;
		if (u->cfi && !u->cfi_first && !text) {
			enum step_result r = cfi_step(u, s, why, sizeof(why));

			if (r != STEP_NONE) {
				vsc_error_destroy(err);
				return r;
			}
			cfi_why = why;
		}
		/*
		 * No ORC: a return into entry code finds pt_regs at SP.  Else,
		 * as the kernel does, guess a frame pointer, but only when BP
		 * plausibly points into the current stack above SP.
		 */
		if (!s->signal && look >= u->entry_lo && look < u->entry_hi) {
			orc = entry_regs;
			s->via = VSC_VIA_ENTRY;
		} else if (leaf_return(u, s, &tmp)) {
			vsc_error_destroy(err);
			return leaf_step(s, tmp);
		} else if (at_task_regs(u, s)) {
			/* what ORC's END_OF_STACK hints mark: ret_from_fork, startup_64 */
			set_end(u, VSC_UNWIND_END_OF_STACK, "%s", "task pt_regs reached");
			vsc_error_destroy(err);
			return STEP_END;
		} else if (s->bp > s->sp && s->bp - s->sp < (64u << 10) && !(s->bp & 7) &&
		    (prev_kind == VSC_STACK_UNKNOWN || classify(u, s->bp) == prev_kind) &&
		    has_symbol(u->t, look)) {
			orc = fp_entry;
			s->reliable = false;
			s->via = VSC_VIA_FP;
		} else {
			symbolize(u->t, s->ip, where, sizeof(where));
			if (!text && cfi_why && cfi_why[0] && !strstr(cfi_why, "no CFI"))
				set_end(u, VSC_UNWIND_BAD_CFI, "%s: %s; %s", where, cfi_why,
					err->message);
			else
				set_end(u, text ? VSC_UNWIND_BAD_IP : VSC_UNWIND_NO_ORC, "%s: %s%s%s",
					where, err->message, cfi_why && cfi_why[0] ? "; " : "",
					cfi_why ? cfi_why : "");
			vsc_error_destroy(err);
			return STEP_END;
		}
		vsc_error_destroy(err);
	}

	switch (orc.type) {
	case VSC_ORC_TYPE_END_OF_STACK:
		/*
		 * The retpoline thunks carry an "undefined" hint
		 * (UNWIND_HINT_EMPTY, later UNWIND_HINT_UNDEFINED) because the
		 * kernel never unwinds from inside them; an interrupt on their
		 * first instruction is still a proven call (leaf_return()).
		 */
		if (leaf_return(u, s, &tmp))
			return leaf_step(s, tmp);
		set_end(u, VSC_UNWIND_END_OF_STACK, "%s", "");
		return STEP_END;
	case VSC_ORC_TYPE_CALL:
	case VSC_ORC_TYPE_REGS:
	case VSC_ORC_TYPE_REGS_PARTIAL:
		break;
	default:
		symbolize(u->t, s->ip, where, sizeof(where));
		set_end(u, VSC_UNWIND_BAD_ORC, "%s ORC entry at %s",
			orc.type == VSC_ORC_TYPE_UNDEFINED ? "undefined" : "unknown", where);
		return STEP_END;
	}

	/* The caller's stack pointer (the CFA). */
	switch (orc.sp_reg) {
	case VSC_ORC_REG_SP:
		cfa = s->sp + (int64_t)orc.sp_offset;
		break;
	case VSC_ORC_REG_BP:
		cfa = s->bp + (int64_t)orc.sp_offset;
		break;
	case VSC_ORC_REG_SP_INDIRECT:
		/* *(sp) + offset since v5.12 (87ccc826bf1c): call_on_irqstack */
		if (!stack_read(u, s->sp, &cfa, "indirect stack pointer"))
			return STEP_END;
		cfa += (int64_t)orc.sp_offset;
		break;
	case VSC_ORC_REG_BP_INDIRECT:
		if (!stack_read(u, s->bp + (int64_t)orc.sp_offset, &cfa, "indirect frame pointer"))
			return STEP_END;
		break;
	case VSC_ORC_REG_DX:
	case VSC_ORC_REG_DI:
	case VSC_ORC_REG_R10:
	case VSC_ORC_REG_R13:
	case VSC_ORC_REG_AX:
		if (!get_reg(s, orc.sp_reg, &cfa)) {
			symbolize(u->t, s->ip, where, sizeof(where));
			set_end(u, VSC_UNWIND_BAD_ORC,
				"ORC needs a register value that is not known at %s", where);
			return STEP_END;
		}
		break;
	default:
		symbolize(u->t, s->ip, where, sizeof(where));
		set_end(u, VSC_UNWIND_BAD_ORC, "unknown ORC stack register at %s", where);
		return STEP_END;
	}

	switch (orc.type) {
	case VSC_ORC_TYPE_CALL:
		if (!stack_read(u, cfa - 8, &s->ip, "return address"))
			return STEP_END;
		s->sp = cfa;
		s->regs_kind = VSC_REGS_NONE;
		s->regs_addr = 0;
		s->have_prev_regs = false;
		s->gpr.known = 0;       /* ORC does not say where callee-saved registers went */
		break;
	case VSC_ORC_TYPE_REGS: {
		uint64_t w[PT_REGS_WORDS];

		if (!stack_read_words(u, cfa, w, PT_REGS_WORDS, "pt_regs"))
			return STEP_END;
		regs_from_words(&s->regs, w);
		s->ip = s->regs.ip;
		s->sp = s->regs.sp;
		s->regs_kind = VSC_REGS_FULL;
		s->regs_addr = cfa;
		s->have_prev_regs = false;
		gpr_from_regs(&s->gpr, &s->regs);
		break;
	}
	case VSC_ORC_TYPE_REGS_PARTIAL: {
		uint64_t w[5]; /* ip cs flags sp ss */

		if (!stack_read_words(u, cfa, w, 5, "iret frame"))
			return STEP_END;
		if (s->regs_kind == VSC_REGS_FULL) {
			s->prev_regs = s->regs;
			s->have_prev_regs = true;
		}
		memset(&s->regs, 0, sizeof(s->regs));
		s->regs.ip = w[0];
		s->regs.cs = w[1];
		s->regs.flags = w[2];
		s->regs.sp = w[3];
		s->regs.ss = w[4];
		s->ip = w[0];
		s->sp = w[3];
		s->regs_kind = VSC_REGS_IRET;
		s->regs_addr = cfa - IRET_FRAME_OFFSET;
		if (s->have_prev_regs)
			gpr_from_regs(&s->gpr, &s->prev_regs);
		else
			s->gpr.known = 0;
		break;
	}
	default:
		break;
	}
	s->signal = orc.signal;

	/* The caller's frame pointer. */
	switch (orc.bp_reg) {
	case VSC_ORC_REG_UNDEFINED:
		if (get_reg(s, VSC_ORC_REG_BP, &tmp))
			s->bp = tmp;
		break;
	case VSC_ORC_REG_PREV_SP:
		if (!stack_read(u, cfa + (int64_t)orc.bp_offset, &s->bp, "saved frame pointer"))
			return STEP_END;
		break;
	case VSC_ORC_REG_BP:
		if (!stack_read(u, s->bp + (int64_t)orc.bp_offset, &s->bp, "saved frame pointer"))
			return STEP_END;
		break;
	default:
		symbolize(u->t, s->ip, where, sizeof(where));
		set_end(u, VSC_UNWIND_BAD_ORC, "unknown ORC frame-pointer register at %s", where);
		return STEP_END;
	}
	return STEP_DONE;
}

/* Checks after any step: user mode reached, a bad SP, a loop.  False ends the trace. */
static bool after_step(struct unwinder *u, struct ustate *s, uint64_t prev_sp,
		       enum vsc_stack_kind prev_kind)
{
	char where[160];

	if (user_mode(s)) {
		if (s->regs_kind == VSC_REGS_FULL) {
			u->st->user_regs_valid = true;
			u->st->user_regs_addr = s->regs_addr;
			u->st->user_regs = s->regs;
		}
		set_end(u, VSC_UNWIND_USER_MODE, "user RIP 0x%" PRIx64 " RSP 0x%" PRIx64, s->regs.ip,
			s->regs.sp);
		return false;
	}
	if (!kernel_addr(s->sp) || (s->sp & 7)) {
		set_end(u, VSC_UNWIND_BAD_SP, "RSP 0x%" PRIx64 " after %s", s->sp,
			(symbolize(u->t, s->ip, where, sizeof(where)), where));
		return false;
	}
	/* Prevent a loop on bad ORC data (kernel: "stack going in the wrong direction"). */
	{
		enum vsc_stack_kind kind = classify(u, s->sp);

		if (kind == prev_kind && s->sp <= prev_sp &&
		    (kind != VSC_STACK_UNKNOWN || prev_sp - s->sp < (64u << 10))) {
			symbolize(u->t, s->ip, where, sizeof(where));
			set_end(u, VSC_UNWIND_LOOP, "RSP 0x%" PRIx64 " <= 0x%" PRIx64 " at %s", s->sp,
				prev_sp, where);
			return false;
		}
	}
	return true;
}

/*
 * One step.  Returns false when the trace ends (u->st->end set).
 */
static bool step(struct unwinder *u, struct ustate *s)
{
	uint64_t prev_sp = s->sp;
	enum vsc_stack_kind prev_kind = classify(u, s->sp);
	enum step_result r = STEP_NONE;
	char why[160] = "";

	if (u->cfi && u->cfi_first && !orc_hinted(u, s))
		r = cfi_step(u, s, why, sizeof(why));
	if (r == STEP_NONE)
		r = orc_step(u, s, prev_kind, why);
	return r == STEP_DONE && after_step(u, s, prev_sp, prev_kind);
}

static struct vsc_error *run(struct unwinder *u, struct ustate *s)
{
	for (;;) {
		if (u->st->nr_frames >= VSC_UNWIND_MAX_FRAMES) {
			set_end(u, VSC_UNWIND_FRAME_LIMIT, "%u frames", VSC_UNWIND_MAX_FRAMES);
			break;
		}
		if (!emit(u, s))
			return &vsc_error_nomem;
		if (!step(u, s))
			break;
	}
	/* Close an open marker so that the text reads like the kernel's. */
	if (u->started && u->cur_stack > VSC_STACK_TASK &&
	    !push_marker(u, close_markers[u->cur_stack], u->cur_stack))
		return &vsc_error_nomem;
	return NULL;
}

static void state_from_regs(struct ustate *s, const struct vsc_regs *r)
{
	memset(s, 0, sizeof(*s));
	s->ip = r->ip;
	s->sp = r->sp;
	s->bp = r->bp;
	s->signal = true;
	s->regs_kind = VSC_REGS_FULL;
	s->regs = *r;
	s->reliable = true;
	s->via = VSC_VIA_REGS;
	gpr_from_regs(&s->gpr, r);
}

static struct vsc_error *unwind_from_regs(struct unwinder *u, const struct vsc_regs *r)
{
	struct ustate s;

	state_from_regs(&s, r);
	if (r->cs & 3) {
		/* Interrupted in user mode: nothing of the kernel on this CPU. */
		u->st->user_regs_valid = true;
		u->st->user_regs = *r;
		set_end(u, VSC_UNWIND_USER_MODE, "user RIP 0x%" PRIx64 " RSP 0x%" PRIx64, r->ip, r->sp);
		return NULL;
	}
	return run(u, &s);
}

static void stack_init(struct vsc_stack *st)
{
	memset(st, 0, sizeof(*st));
	st->cpu = -1;
}

/* The unwind sources the target was opened for (enum vsc_unwinder). */
static void unwinder_init(struct unwinder *u, struct vsc_target *t, struct vsc_stack *st)
{
	memset(u, 0, sizeof(*u));
	u->t = t;
	u->st = st;
	stack_init(st);
	if (!sym_addr(t, "__entry_text_start", &u->entry_lo) ||
	    !sym_addr(t, "__entry_text_end", &u->entry_hi))
		u->entry_lo = u->entry_hi = 0;
	if (t->info.unwinder != VSC_UNWINDER_ORC && t->info.vmlinux) {
		struct vsc_error *err = vsc_target_cfi(t);

		vsc_error_destroy(err);
		u->cfi = t->cfi;
		u->cfi_first = t->info.unwinder == VSC_UNWINDER_CFI;
	}
}

void vsc_stack_deinit(struct vsc_stack *s)
{
	if (!s)
		return;
	free(s->frames);
	s->frames = NULL;
	s->nr_frames = 0;
}

static struct vsc_error *finish(struct vsc_error *err, struct vsc_stack *st, struct vsc_stack *out)
{
	if (err) {
		vsc_stack_deinit(st);
		return err;
	}
	*out = *st;
	return NULL;
}

struct vsc_error *vsc_unwind_regs(struct vsc_target *t, const struct vsc_regs *regs,
				  struct vsc_stack *out)
{
	struct vsc_stack st;
	struct unwinder u;

	unwinder_init(&u, t, &st);
	return finish(unwind_from_regs(&u, regs), &st, out);
}

struct vsc_error *vsc_unwind_cpu(struct vsc_target *t, unsigned int cpu, struct vsc_stack *out)
{
	struct vsc_stack st;
	struct unwinder u;
	struct vsc_regs regs;
	uint64_t tsize = thread_size(t), top, task;
	struct vsc_error *err;

	t->stats.unwinds++;
	if (cpu >= vsc_nr_cpus(t))
		return vsc_error_create(VSC_ERR_USAGE, "CPU %u out of range (%u CPUs)", cpu,
					vsc_nr_cpus(t));
	VSC_TRY(vsc_cpu_regs(t, cpu, &regs));
	unwinder_init(&u, t, &st);
	st.cpu = (int)cpu;
	err = vsc_cpu_curr(t, cpu, &task);
	if (!err)
		st.task = task;
	vsc_error_destroy(err);
	/* The current task's stack: top_of_stack (per-CPU, or pcpu_hot in v6.2-v6.14). */
	if (percpu_word(t, cpu, "cpu_current_top_of_stack", "top_of_stack", &top) && top) {
		st.stack_base = top - tsize;
		st.stack_size = tsize;
	} else if (st.task) {
		struct vsc_task tk;

		err = vsc_task_read(t, st.task, &tk);
		if (!err && tk.stack) {
			st.stack_base = tk.stack;
			st.stack_size = tsize;
		}
		vsc_error_destroy(err);
	}
	map_add(&u.map, st.stack_base, st.stack_size, VSC_STACK_TASK);
	map_cpu_stacks(t, cpu, tsize, &u.map);
	return finish(unwind_from_regs(&u, &regs), &st, out);
}

/* Layout of struct inactive_task_frame; x86-64 fallback {r15 r14 r13 r12 bx bp ret_addr}. */
static void frame_layout(struct vsc_target *t, uint64_t *size, uint64_t *bp_off, uint64_t *ret_off)
{
	struct vsc_layout_field f[] = {
		{ .type = "struct inactive_task_frame" },
		{ .type = "struct inactive_task_frame", .member = "bp" },
		{ .type = "struct inactive_task_frame", .member = "ret_addr" },
	};
	struct vsc_error *err = vsc_layout_resolve(t, f, 3);

	vsc_error_destroy(err);
	if (!err && f[0].present && f[1].present && f[2].present && f[0].info.size <= 256) {
		*size = f[0].info.size;
		*bp_off = f[1].info.offset;
		*ret_off = f[2].info.offset;
	} else {
		*size = 56;
		*bp_off = 40;
		*ret_off = 48;
	}
}

struct vsc_error *vsc_unwind_task(struct vsc_target *t, uint64_t task, struct vsc_stack *out)
{
	struct vsc_stack st;
	struct unwinder u;
	struct vsc_task tk;
	struct ustate s;
	uint64_t size, bp_off, ret_off, tsize = thread_size(t), words[32];
	const char *name, *mod;
	uint64_t off;
	struct vsc_error *err;

	t->stats.unwinds++;
	VSC_TRY(vsc_error_wrap(vsc_task_read(t, task, &tk), "task 0x%" PRIx64, task));
	/* A task running on a CPU: its saved frame is stale, use the CPU's registers. */
	for (unsigned int cpu = 0; cpu < vsc_nr_cpus(t); cpu++) {
		uint64_t curr;
		struct vsc_regs r;

		err = vsc_cpu_curr(t, cpu, &curr);
		if (!err && curr == task) {
			err = vsc_cpu_regs(t, cpu, &r);
			if (!err)
				return vsc_unwind_cpu(t, cpu, out);
		}
		vsc_error_destroy(err);
	}
	if (!tk.thread_sp)
		return vsc_error_create(VSC_ERR_NOTFOUND,
					"task %d (%s) has no saved stack pointer (thread.sp)", tk.pid,
					tk.comm);
	unwinder_init(&u, t, &st);
	st.task = task;
	st.stack_base = tk.stack;
	st.stack_size = tk.stack ? tsize : 0;
	map_add(&u.map, st.stack_base, st.stack_size, VSC_STACK_TASK);
	frame_layout(t, &size, &bp_off, &ret_off);
	memset(&s, 0, sizeof(s));
	/* Running, but no registers for its CPU (live kernel): thread.sp is stale. */
	s.reliable = !tk.on_cpu;
	if (size > sizeof(words) || (size & 7) || bp_off + 8 > size || ret_off + 8 > size) {
		size = 56;
		bp_off = 40;
		ret_off = 48;
	}
	if (!stack_read_words(&u, tk.thread_sp, words, size / 8, "inactive_task_frame"))
		return finish(NULL, &st, out);
	s.ip = words[ret_off / 8];
	s.bp = words[bp_off / 8];
	s.sp = tk.thread_sp + size;
	s.via = VSC_VIA_SAVED;
	if (size == 56 && bp_off == 40 && ret_off == 48) {
		/* x86-64: r15 r14 r13 r12 bx bp ret_addr, as __switch_to_asm pushed them */
		vsc_cfi_regs_set(&s.gpr, VSC_DW_R15, words[0]);
		vsc_cfi_regs_set(&s.gpr, VSC_DW_R14, words[1]);
		vsc_cfi_regs_set(&s.gpr, VSC_DW_R13, words[2]);
		vsc_cfi_regs_set(&s.gpr, VSC_DW_R12, words[3]);
		vsc_cfi_regs_set(&s.gpr, VSC_DW_RBX, words[4]);
	}
	/* A new task that has not run yet resumes in ret_from_fork: an exact IP. */
	s.signal = vsc_code_symbol(t, s.ip, &name, &off, &mod) && off == 0 &&
		   (!strcmp(name, "ret_from_fork") || !strcmp(name, "ret_from_fork_asm"));
	err = run(&u, &s);
	if (!err && tk.on_cpu && !st.end_detail[0])
		snprintf(st.end_detail, sizeof(st.end_detail),
			 "task is running and its CPU has no registers: saved stack may be stale");
	return finish(err, &st, out);
}

/* ---- helpers ---- */

long vsc_stack_find(const struct vsc_stack *s, size_t from, const char *const *names)
{
	for (size_t i = from; i < s->nr_frames; i++) {
		const struct vsc_frame *f = &s->frames[i];

		if (f->kind == VSC_FRAME_MARKER || !f->symbol)
			continue;
		for (const char *const *n = names; *n; n++)
			if (!strcmp(f->symbol, *n))
				return (long)i;
	}
	return -1;
}

void vsc_frame_format(const struct vsc_frame *f, char *buf, size_t size)
{
	if (f->kind == VSC_FRAME_MARKER)
		snprintf(buf, size, "%s", f->marker ? f->marker : "<?>");
	else if (f->symbol)
		snprintf(buf, size, "%s+0x%" PRIx64 "%s%s%s", f->symbol, f->offset,
			 f->module ? " [" : "", f->module ? f->module : "", f->module ? "]" : "");
	else if (f->module)
		snprintf(buf, size, "0x%" PRIx64 " [%s]", f->pc, f->module);
	else
		snprintf(buf, size, "0x%" PRIx64, f->pc);
}
