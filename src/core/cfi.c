// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * DWARF CFI for the unwinder, through libdw's frame API.
 *
 * A Debian kernel is built with -fno-asynchronous-unwind-tables, so its
 * vmlinux has no .eh_frame, but -g gives it a .debug_frame (2.6 MB, 49k FDEs
 * on 6.1) with prologue and epilogue rows for every C function.  Assembly
 * (entry code, __switch_to_asm, ret_from_fork) has none since v4.14 (objtool
 * and ORC replaced the CFI annotations); the unwinder uses ORC there.
 *
 * libdw finds the FDE (a lazy linear scan of .debug_frame, cached) and runs
 * the CIE and FDE instructions.  It hands us each rule as a small DWARF
 * expression, which we evaluate here against the frame's registers and the
 * dump's memory.  Registers no rule mentions follow the psABI: rbx, rbp and
 * r12-r15 keep their value across a call, the others are lost; RSP is the
 * CFA.  Nothing is trusted: expressions are bounded, every read
 * goes through the caller's checked reader.
 */
#define _GNU_SOURCE
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfi.h"
#include "elf_util.h"

/* x86-64 psABI: what a call preserves (rsp: the CFA rule gives it). */
#define CALLEE_SAVED ((1u << VSC_DW_RBX) | (1u << VSC_DW_RBP) | (1u << VSC_DW_R12) | \
		      (1u << VSC_DW_R13) | (1u << VSC_DW_R14) | (1u << VSC_DW_R15))

#define EXPR_STACK 8
#define EXPR_MAX_OPS 16

struct vsc_cfi {
	struct vsc_elf_file file;
	Dwarf *dw;              /* NULL when the file has no DWARF sections */
	Dwarf_CFI *cfi;         /* .debug_frame, else .eh_frame */
	bool cfi_owned;         /* from dwarf_getcfi_elf: ours to end */
	uint64_t bias;
	char description[64];
};

/* @name, non-empty, with instructions libdw may run (cfi_check.c; else @why says why not) */
static bool has_section(Elf *elf, const char *name, char *why, size_t why_size)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return false;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *n;

		if (!gelf_getshdr(scn, &sh))
			continue;
		n = elf_strptr(elf, shstrndx, sh.sh_name);
		if (n && !strcmp(n, name) && sh.sh_type == SHT_PROGBITS && sh.sh_size) {
			Elf_Data *d = (sh.sh_flags & SHF_COMPRESSED) ? NULL : elf_getdata(scn, NULL);

			return !d || !d->d_buf || vsc_cfi_section_ok(d->d_buf, d->d_size,
					!strcmp(name, ".eh_frame"), why, why_size);
		}
	}
	return false;
}

struct vsc_error *vsc_cfi_open(const char *vmlinux, uint64_t bias, struct vsc_cfi **out)
{
	struct vsc_cfi *c;
	struct vsc_error *err = NULL;
	char why[96] = "";

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return &vsc_error_nomem;
	c->bias = bias;
	err = vsc_elf_open(&c->file, vmlinux);
	if (err) {
		free(c);
		return err;
	}
	if (has_section(c->file.elf, ".debug_frame", why, sizeof(why))) {
		c->dw = dwarf_begin_elf(c->file.elf, DWARF_C_READ, NULL);
		if (c->dw)
			c->cfi = dwarf_getcfi(c->dw);
		snprintf(c->description, sizeof(c->description), ".debug_frame");
	}
	if (!c->cfi && has_section(c->file.elf, ".eh_frame", why, sizeof(why))) {
		c->cfi = dwarf_getcfi_elf(c->file.elf);
		c->cfi_owned = c->cfi != NULL;
		snprintf(c->description, sizeof(c->description), ".eh_frame");
	}
	if (!c->cfi) {
		err = vsc_error_create(why[0] ? VSC_ERR_CORRUPT : VSC_ERR_NOTFOUND,
				       "%s has no usable call frame information (.debug_frame or "
				       ".eh_frame)%s%s", vmlinux, why[0] ? ": " : "", why);
		goto fail;
	}
	*out = c;
	return NULL;
fail:
	vsc_cfi_destroy(c);
	return err;
}

void vsc_cfi_destroy(struct vsc_cfi *c)
{
	if (!c)
		return;
	/* A .debug_frame CFI belongs to its Dwarf; an .eh_frame one is ours. */
	if (c->cfi_owned)
		dwarf_cfi_end(c->cfi);
	if (c->dw)
		dwarf_end(c->dw);
	vsc_elf_close(&c->file);
	free(c);
}

const char *vsc_cfi_description(const struct vsc_cfi *c)
{
	return c->description;
}

static void say(char *why, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (!why || !size)
		return;
	va_start(ap, fmt);
	vsnprintf(why, size, fmt, ap);
	va_end(ap);
}

/* What evaluating a rule gives. */
enum loc_kind {
	LOC_ADDRESS,    /* the value is saved in memory at .v */
	LOC_VALUE,      /* .v is the value itself */
};

struct eval_ctx {
	const struct vsc_cfi_regs *regs;
	uint64_t cfa;
	bool have_cfa;
	vsc_cfi_read_fn read;
	void *arg;
	char *why;
	size_t why_size;
};

static bool reg_value(struct eval_ctx *e, uint64_t regno, uint64_t *out)
{
	if (regno >= VSC_DW_NREGS || !vsc_cfi_regs_known(e->regs, (unsigned int)regno)) {
		say(e->why, e->why_size, "the rule needs DWARF register %" PRIu64 ", not known here",
		    regno);
		return false;
	}
	*out = e->regs->r[regno];
	return true;
}

/*
 * Evaluate the small expressions libdw produces for CFA and register rules
 * (and the DRAP expressions GCC writes: breg + deref).  Returns -1 on
 * failure (why set), -2 when a read failed (the reader said why), else 0.
 */
static int eval(struct eval_ctx *e, const Dwarf_Op *ops, size_t nops, uint64_t *out,
		enum loc_kind *kind)
{
	uint64_t st[EXPR_STACK];
	size_t sp = 0;

	*kind = LOC_ADDRESS;
	if (nops > EXPR_MAX_OPS) {
		say(e->why, e->why_size, "a %zu-operation CFI expression", nops);
		return -1;
	}
	/* A lone register operation: the value lives in that register. */
	if (nops == 1 && (ops[0].atom == DW_OP_regx ||
			  (ops[0].atom >= DW_OP_reg0 && ops[0].atom <= DW_OP_reg31))) {
		uint64_t n = ops[0].atom == DW_OP_regx ? ops[0].number
							   : (uint64_t)(ops[0].atom - DW_OP_reg0);

		*kind = LOC_VALUE;
		return reg_value(e, n, out) ? 0 : -1;
	}
#define PUSH(x) do { if (sp >= EXPR_STACK) goto overflow; st[sp++] = (x); } while (0)
#define NEED(n) do { if (sp < (n)) goto underflow; } while (0)
	for (size_t i = 0; i < nops; i++) {
		const Dwarf_Op *op = &ops[i];
		uint64_t v;

		if (op->atom >= DW_OP_breg0 && op->atom <= DW_OP_breg31) {
			if (!reg_value(e, op->atom - DW_OP_breg0, &v))
				return -1;
			PUSH(v + op->number);
			continue;
		}
		if (op->atom >= DW_OP_lit0 && op->atom <= DW_OP_lit31) {
			PUSH((uint64_t)(op->atom - DW_OP_lit0));
			continue;
		}
		switch (op->atom) {
		case DW_OP_bregx:
			if (!reg_value(e, op->number, &v))
				return -1;
			PUSH(v + op->number2);
			break;
		case DW_OP_call_frame_cfa:
			if (!e->have_cfa) {
				say(e->why, e->why_size, "DW_OP_call_frame_cfa in the CFA rule");
				return -1;
			}
			PUSH(e->cfa);
			break;
		case DW_OP_const1u: case DW_OP_const1s: case DW_OP_const2u: case DW_OP_const2s:
		case DW_OP_const4u: case DW_OP_const4s: case DW_OP_const8u: case DW_OP_const8s:
		case DW_OP_constu: case DW_OP_consts:
			PUSH(op->number);
			break;
		case DW_OP_plus_uconst:
			NEED(1);
			st[sp - 1] += op->number;
			break;
		case DW_OP_plus:
			NEED(2);
			st[sp - 2] += st[sp - 1];
			sp--;
			break;
		case DW_OP_minus:
			NEED(2);
			st[sp - 2] -= st[sp - 1];
			sp--;
			break;
		case DW_OP_and:
			NEED(2);
			st[sp - 2] &= st[sp - 1];
			sp--;
			break;
		case DW_OP_deref:
			NEED(1);
			if (!e->read(e->arg, st[sp - 1], &st[sp - 1]))
				return -2;
			break;
		case DW_OP_stack_value:
			if (i + 1 != nops) {
				say(e->why, e->why_size, "DW_OP_stack_value before the end");
				return -1;
			}
			*kind = LOC_VALUE;
			break;
		default:
			say(e->why, e->why_size, "unsupported CFI expression operation 0x%x", op->atom);
			return -1;
		}
	}
#undef PUSH
#undef NEED
	if (!sp)
		goto underflow;
	*out = st[sp - 1];
	return 0;
overflow:
	say(e->why, e->why_size, "CFI expression stack overflow");
	return -1;
underflow:
	say(e->why, e->why_size, "CFI expression stack underflow");
	return -1;
}

static int frame_at(struct vsc_cfi *c, uint64_t pc, Dwarf_Frame **frame)
{
	if (pc < c->bias)
		return -1;
	return dwarf_cfi_addrframe(c->cfi, pc - c->bias, frame);
}

bool vsc_cfi_cfa_rule(struct vsc_cfi *c, uint64_t pc, unsigned int *reg, int64_t *offset)
{
	Dwarf_Frame *frame;
	Dwarf_Op *ops;
	size_t nops;
	bool ok = false;

	if (frame_at(c, pc, &frame))
		return false;
	if (!dwarf_frame_cfa(frame, &ops, &nops) && nops == 1 && ops[0].atom == DW_OP_bregx &&
	    ops[0].number < VSC_DW_NREGS) {
		*reg = (unsigned int)ops[0].number;
		*offset = (int64_t)ops[0].number2;
		ok = true;
	}
	free(frame);
	return ok;
}

enum vsc_cfi_result vsc_cfi_step(struct vsc_cfi *c, uint64_t pc, const struct vsc_cfi_regs *cur,
				 vsc_cfi_read_fn read, void *arg, struct vsc_cfi_regs *caller,
				 char *why, size_t why_size)
{
	struct eval_ctx e = { .regs = cur, .read = read, .arg = arg, .why = why,
			      .why_size = why_size };
	enum vsc_cfi_result res = VSC_CFI_UNUSABLE;
	Dwarf_Frame *frame;
	Dwarf_Op *ops, ops_mem[3];
	size_t nops;
	enum loc_kind kind;
	int rc;

	if (why && why_size)
		why[0] = '\0';
	if (pc < c->bias) {
		say(why, why_size, "no CFI for 0x%" PRIx64 ": below the kernel image", pc);
		return VSC_CFI_NO_ENTRY;
	}
	if (frame_at(c, pc, &frame)) {
		int en = dwarf_errno();

		/* DWARF_E_NO_MATCH and friends: no FDE here. */
		say(why, why_size, "no CFI for 0x%" PRIx64 "%s%s", pc, en ? ": " : "",
		    en ? dwarf_errmsg(en) : "");
		return VSC_CFI_NO_ENTRY;
	}
	memset(caller, 0, sizeof(*caller));

	/* The CFA. */
	if (dwarf_frame_cfa(frame, &ops, &nops) || !nops) {
		say(why, why_size, "no CFA rule at 0x%" PRIx64, pc);
		goto out;
	}
	rc = eval(&e, ops, nops, &e.cfa, &kind);
	if (rc) {
		res = rc == -2 ? VSC_CFI_READ : VSC_CFI_UNUSABLE;
		goto out;
	}
	e.have_cfa = true;

	/* Every register the caller gets back, the return address (RIP) included. */
	for (unsigned int n = 0; n < VSC_DW_NREGS; n++) {
		uint64_t v;

		if (dwarf_frame_register(frame, (int)n, ops_mem, &ops, &nops)) {
			say(why, why_size, "no rule for DWARF register %u at 0x%" PRIx64, n, pc);
			goto out;
		}
		if (!nops) {
			/*
			 * "undefined" (ops == ops_mem) or "same value" (ops ==
			 * NULL).  For a register no rule mentions libdw's x86-64
			 * defaults say either (rbx comes back undefined, rax the
			 * same): follow the psABI instead, a call keeps only the
			 * callee-saved ones.
			 */
			if (vsc_cfi_regs_known(cur, n) && (CALLEE_SAVED & (1u << n)))
				vsc_cfi_regs_set(caller, n, cur->r[n]);
			continue;
		}
		/* A register we cannot restore is unknown, unless we need it. */
		rc = eval(&e, ops, nops, &v, &kind);
		if (!rc && kind == LOC_ADDRESS && !read(arg, v, &v))
			rc = -2;
		if (rc && (n == VSC_DW_RIP || n == VSC_DW_RSP)) {
			res = rc == -2 ? VSC_CFI_READ : VSC_CFI_UNUSABLE;
			goto out;
		}
		if (rc)
			continue;
		vsc_cfi_regs_set(caller, n, v);
	}
	if (!vsc_cfi_regs_known(caller, VSC_DW_RIP)) {
		say(why, why_size, "CFI leaves the return address undefined at 0x%" PRIx64, pc);
		goto out;
	}
	if (!vsc_cfi_regs_known(caller, VSC_DW_RSP))
		vsc_cfi_regs_set(caller, VSC_DW_RSP, e.cfa);
	res = VSC_CFI_OK;
out:
	free(frame);
	return res;
}
