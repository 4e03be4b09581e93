// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A check of call frame information before libdw runs it (cfi.c).
 *
 * libdw 0.188 runs CIE and FDE instructions in execute_cfi(), which grows
 * the frame's register array to the largest register number an
 * instruction names (enough_registers(): realloc and memset, no bound), so
 * one corrupt ULEB128 operand costs gigabytes, and it copies the whole
 * frame for each DW_CFA_remember_state (both found by fuzzing).  Here every
 * CIE's and FDE's instructions are decoded once: a register number past
 * VSC_CFI_MAX_REGNO, or more than VSC_CFI_MAX_REMEMBER states remembered
 * at once, refuses the section.  Decoding an entry stops at an instruction
 * libdw does not know (it refuses those itself).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cfi.h"

struct cur {
	const unsigned char *p, *end;
	bool bad;
};

static uint64_t take(struct cur *c, size_t n)
{
	uint64_t v = 0;

	if ((size_t)(c->end - c->p) < n) {
		c->bad = true;
		c->p = c->end;
		return 0;
	}
	for (size_t i = 0; i < n && i < 8; i++)
		v |= (uint64_t)c->p[i] << (8 * i);
	c->p += n;
	return v;
}

static uint64_t uleb(struct cur *c)
{
	uint64_t v = 0;

	for (unsigned int shift = 0; c->p < c->end; shift += 7) {
		unsigned char b = *c->p++;

		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
	c->bad = true;
	return 0;
}

/* Bytes of a pointer in DW_EH_PE encoding @enc (0: not fixed-size, uleb/sleb). */
static size_t enc_size(unsigned int enc, size_t addr_size)
{
	switch (enc & 0x0f) {
	case 0x00: return addr_size;            /* absptr */
	case 0x02: case 0x0a: return 2;
	case 0x03: case 0x0b: return 4;
	case 0x04: case 0x0c: return 8;
	default: return 0;
	}
}

static void skip_pointer(struct cur *c, unsigned int enc, size_t addr_size)
{
	size_t n = enc_size(enc, addr_size);

	if (n)
		take(c, n);
	else
		uleb(c);
}

/* What an FDE needs from its CIE. */
struct cie {
	bool z;                 /* augmentation data follows */
	unsigned int fde_enc;   /* 'R' */
	size_t addr_size;
};

static bool fail(char *why, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool fail(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, size, fmt, ap);
	va_end(ap);
	return false;
}

/* The instructions in [p, end): a register past the bound is refused. */
static bool check_insns(struct cur c, const struct cie *cie, size_t at, char *why, size_t size)
{
	unsigned int depth = 0;

	while (c.p < c.end && !c.bad) {
		unsigned char op = *c.p++;
		uint64_t reg = 0;
		bool has_reg = true;

		switch (op >> 6) {
		case 1:                 /* advance_loc */
			continue;
		case 2:                 /* offset: register in the opcode */
			uleb(&c);
			continue;
		case 3:                 /* restore */
			continue;
		}
		switch (op) {
		case 0x0a:              /* remember_state: libdw copies the frame */
			if (++depth > VSC_CFI_MAX_REMEMBER)
				return fail(why, size, "more than %u remembered states at 0x%zx",
					    VSC_CFI_MAX_REMEMBER, at);
			has_reg = false;
			break;
		case 0x0b:              /* restore_state */
			depth -= depth > 0;
			has_reg = false;
			break;
		case 0x00: case 0x2d:   /* nop, GNU_window_save */
			has_reg = false;
			break;
		case 0x01:              /* set_loc */
			skip_pointer(&c, cie->fde_enc, cie->addr_size);
			has_reg = false;
			break;
		case 0x02: take(&c, 1); has_reg = false; break;
		case 0x03: take(&c, 2); has_reg = false; break;
		case 0x04: take(&c, 4); has_reg = false; break;
		case 0x1d: take(&c, 8); has_reg = false; break;
		case 0x0e: case 0x13: case 0x2e:        /* def_cfa_offset(_sf), args_size */
			uleb(&c);
			has_reg = false;
			break;
		case 0x0f: {            /* def_cfa_expression */
			uint64_t n = uleb(&c);

			if (n > (uint64_t)(c.end - c.p))
				c.bad = true;
			else
				c.p += n;
			has_reg = false;
			break;
		}
		case 0x06: case 0x07: case 0x08: case 0x0d:     /* one register */
			reg = uleb(&c);
			break;
		case 0x05: case 0x09: case 0x0c: case 0x11: case 0x12: case 0x14: case 0x15:
		case 0x2f:              /* register and operand */
			reg = uleb(&c);
			if (op == 0x09 && uleb(&c) > VSC_CFI_MAX_REGNO)
				return fail(why, size, "register number past %u at 0x%zx",
					    VSC_CFI_MAX_REGNO, at);
			if (op != 0x09)
				uleb(&c);
			break;
		case 0x10: case 0x16: { /* register and an expression */
			uint64_t n;

			reg = uleb(&c);
			n = uleb(&c);
			if (n > (uint64_t)(c.end - c.p))
				c.bad = true;
			else
				c.p += n;
			break;
		}
		default:                /* libdw refuses it; nothing to decode past it */
			return true;
		}
		if (has_reg && reg > VSC_CFI_MAX_REGNO)
			return fail(why, size, "register number %" PRIu64 " at 0x%zx", reg, at);
	}
	return true;
}

/* The CIE at @off: its instructions checked, what its FDEs need in @out. */
static bool check_cie(const unsigned char *sec, size_t size, size_t off, bool eh,
		      struct cie *out, char *why, size_t why_size)
{
	struct cur c = { sec + off, sec + size, false };
	uint64_t len = take(&c, 4);
	unsigned int version;
	const char *aug;

	memset(out, 0, sizeof(*out));
	out->addr_size = 8;
	if (len == 0xffffffff) {
		len = take(&c, 8);
		if (len > (uint64_t)(c.end - c.p))
			return true;
		c.end = c.p + len;
		take(&c, 8);
	} else {
		if (len > (uint64_t)(c.end - c.p))
			return true;
		c.end = c.p + len;
		take(&c, 4);
	}
	version = (unsigned int)take(&c, 1);
	aug = (const char *)c.p;
	while (c.p < c.end && *c.p)
		c.p++;
	take(&c, 1);
	if (!eh && version >= 4) {
		out->addr_size = (size_t)take(&c, 1);
		take(&c, 1);    /* segment selector size */
	}
	uleb(&c);               /* code alignment */
	uleb(&c);               /* data alignment (sleb: only skipped) */
	if (version == 1)
		take(&c, 1);
	else if (uleb(&c) > VSC_CFI_MAX_REGNO)
		return fail(why, why_size, "return address register past %u in the CIE at 0x%zx",
			    VSC_CFI_MAX_REGNO, off);
	if (eh && aug[0] == 'z') {
		uint64_t n = uleb(&c);
		const unsigned char *data = c.p, *data_end;

		if (n > (uint64_t)(c.end - c.p))
			return true;
		data_end = c.p + n;
		out->z = true;
		for (const char *a = aug + 1; *a && (const unsigned char *)a < c.end; a++) {
			if (*a == 'R' && data < data_end)
				out->fde_enc = *data++;
			else if (*a == 'L' && data < data_end)
				data++;
			else if (*a == 'P' && data < data_end) {
				struct cur pc = { data + 1, data_end, false };

				skip_pointer(&pc, *data, 8);
				data = pc.p;
			} else if (*a != 'S')
				break;
		}
		c.p = data_end;
	} else if (aug[0]) {
		return true;    /* an augmentation we cannot skip: libdw decides */
	}
	if (c.bad || out->addr_size > 8)
		return true;
	return check_insns(c, out, off, why, why_size);
}

bool vsc_cfi_section_ok(const unsigned char *sec, size_t size, bool eh_frame, char *why,
			size_t why_size)
{
	size_t off = 0;

	while (size - off >= 4) {
		struct cur c = { sec + off, sec + size, false };
		uint64_t len = take(&c, 4), id;
		size_t idsz = 4, next;
		struct cie cie;

		if (len == 0)
			return true;    /* the .eh_frame terminator */
		if (len == 0xffffffff) {
			len = take(&c, 8);
			idsz = 8;
		}
		if (c.bad || len > (uint64_t)(c.end - c.p) || len < idsz)
			return true;    /* libdw refuses a truncated entry itself */
		next = (size_t)(c.p - sec) + (size_t)len;
		c.end = c.p + len;
		id = take(&c, idsz);
		if (eh_frame ? id == 0 : id == (idsz == 4 ? 0xffffffffULL : ~0ULL)) {
			if (!check_cie(sec, size, off, eh_frame, &cie, why, why_size))
				return false;
		} else {
			/* the CIE: an offset into .debug_frame, back from here in .eh_frame */
			size_t cie_off = eh_frame ? (size_t)(c.p - idsz - sec) - (size_t)id : (size_t)id;

			if (cie_off >= size || !check_cie(sec, size, cie_off, eh_frame, &cie,
							  why, why_size))
				return cie_off >= size;
			if (eh_frame) {
				skip_pointer(&c, cie.fde_enc, 8);
				skip_pointer(&c, cie.fde_enc & 0x0f, 8);
				if (cie.z) {
					uint64_t n = uleb(&c);

					c.p += n > (uint64_t)(c.end - c.p) ? (uint64_t)(c.end - c.p) : n;
				}
			} else if (cie.addr_size - 1 < 8) {
				take(&c, cie.addr_size);
				take(&c, cie.addr_size);
			} else {
				c.bad = true;   /* an address size libdw refuses */
			}
			if (!c.bad && !check_insns(c, &cie, off, why, why_size))
				return false;
		}
		off = next;
	}
	return true;
}
