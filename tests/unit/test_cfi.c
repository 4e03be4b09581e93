// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The DWARF CFI step (src/core/cfi.c) against rules written by hand in
 * cfi_frames.S, linked into this executable: a frame-pointer prologue,
 * GCC's DRAP expressions, a register rule, an undefined return address.
 * Registers and memory are made up; what the caller's registers must be
 * follows from the assembly and the DWARF standard.
 */
#define _GNU_SOURCE
#include <link.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/cfi.h"

extern char cfi_push_body[], cfi_drap_body[], cfi_register_body[], cfi_undefined_body[];

#define RA 0xffffffff81234567ULL

/* Memory: a few words at made-up addresses. */
struct mem {
	uint64_t addr[8], val[8];
	unsigned int n;
	unsigned int reads;
};

static void mem_put(struct mem *m, uint64_t addr, uint64_t val)
{
	m->addr[m->n] = addr;
	m->val[m->n++] = val;
}

static bool mem_read(void *arg, uint64_t addr, uint64_t *out)
{
	struct mem *m = arg;

	m->reads++;
	for (unsigned int i = 0; i < m->n; i++)
		if (m->addr[i] == addr) {
			*out = m->val[i];
			return true;
		}
	return false;
}

/* Why the last step() failed. */
static char last_why[160];

static enum vsc_cfi_result step(struct vsc_cfi *c, uint64_t pc, const struct vsc_cfi_regs *cur,
				struct mem *m, struct vsc_cfi_regs *caller)
{
	return vsc_cfi_step(c, pc, cur, mem_read, m, caller, last_why, sizeof(last_why));
}

static int main_base(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	*(uint64_t *)data = info->dlpi_addr; /* the executable comes first */
	return 1;
}

static struct vsc_cfi *open_self(void)
{
	struct vsc_cfi *c = NULL;
	uint64_t bias = 0;
	struct vsc_error *err;

	dl_iterate_phdr(main_base, &bias);
	err = vsc_cfi_open("/proc/self/exe", bias, &c);
	if (err)
		fail_msg("vsc_cfi_open: %s", err->message);
	assert_string_equal(vsc_cfi_description(c), ".debug_frame");
	return c;
}

/* Every register known, each with a recognisable value. */
static void all_known(struct vsc_cfi_regs *r)
{
	memset(r, 0, sizeof(*r));
	for (unsigned int n = 0; n < VSC_DW_NREGS; n++)
		vsc_cfi_regs_set(r, n, 0x1000u * (n + 1));
}

static void test_frame_pointer(void **state)
{
	struct vsc_cfi *c = open_self();
	struct vsc_cfi_regs cur, caller;
	struct mem m = { 0 };
	uint64_t rbp = 0xffffc90000013f00ULL;
	unsigned int reg;
	int64_t off;

	(void)state;
	all_known(&cur);
	vsc_cfi_regs_set(&cur, VSC_DW_RBP, rbp);
	vsc_cfi_regs_set(&cur, VSC_DW_RSP, rbp - 8);
	mem_put(&m, rbp + 8, RA);                   /* CFA - 8 */
	mem_put(&m, rbp, 0xffffc90000013f80ULL);    /* CFA - 16: the caller's rbp */
	mem_put(&m, rbp - 8, 0x5a5a5a5a);           /* CFA - 24: the caller's rbx */
	assert_int_equal(step(c, (uint64_t)cfi_push_body, &cur, &m, &caller), VSC_CFI_OK);
	assert_int_equal(caller.r[VSC_DW_RIP], RA);
	assert_int_equal(caller.r[VSC_DW_RSP], rbp + 16);
	assert_int_equal(caller.r[VSC_DW_RBP], 0xffffc90000013f80ULL);
	assert_int_equal(caller.r[VSC_DW_RBX], 0x5a5a5a5a);
	/* callee-saved and untouched: the same value; call-clobbered: unknown */
	assert_true(vsc_cfi_regs_known(&caller, VSC_DW_R12));
	assert_int_equal(caller.r[VSC_DW_R12], cur.r[VSC_DW_R12]);
	assert_false(vsc_cfi_regs_known(&caller, VSC_DW_RAX));
	assert_false(vsc_cfi_regs_known(&caller, VSC_DW_R10));
	/* the row as a register + offset rule */
	assert_true(vsc_cfi_cfa_rule(c, (uint64_t)cfi_push_body, &reg, &off));
	assert_int_equal(reg, VSC_DW_RBP);
	assert_int_equal(off, 16);
	vsc_cfi_destroy(c);
}

static void test_drap(void **state)
{
	struct vsc_cfi *c = open_self();
	struct vsc_cfi_regs cur, caller;
	struct mem m = { 0 };
	uint64_t rbp = 0xffffc90000013e40ULL, cfa = 0xffffc90000013ef8ULL;
	unsigned int reg;
	int64_t off;

	(void)state;
	all_known(&cur);
	vsc_cfi_regs_set(&cur, VSC_DW_RBP, rbp);
	vsc_cfi_regs_set(&cur, VSC_DW_RSP, rbp - 16);
	mem_put(&m, rbp - 8, cfa);                  /* the saved r10: the CFA */
	mem_put(&m, cfa - 8, RA);
	mem_put(&m, rbp, 0xffffc90000013f60ULL);    /* rbp saved at rbp + 0 */
	mem_put(&m, rbp - 16, 0x1515);              /* r15 saved at rbp - 16 */
	assert_int_equal(step(c, (uint64_t)cfi_drap_body, &cur, &m, &caller), VSC_CFI_OK);
	assert_int_equal(caller.r[VSC_DW_RIP], RA);
	assert_int_equal(caller.r[VSC_DW_RSP], cfa);
	assert_int_equal(caller.r[VSC_DW_RBP], 0xffffc90000013f60ULL);
	assert_int_equal(caller.r[VSC_DW_R15], 0x1515);
	/* untouched callee-saved registers, rbx included, keep their value */
	for (unsigned int n = VSC_DW_R12; n <= VSC_DW_R14; n++)
		assert_int_equal(caller.r[n], cur.r[n]);
	assert_true(vsc_cfi_regs_known(&caller, VSC_DW_RBX));
	assert_int_equal(caller.r[VSC_DW_RBX], cur.r[VSC_DW_RBX]);
	/* an expression is not register + offset */
	assert_false(vsc_cfi_cfa_rule(c, (uint64_t)cfi_drap_body, &reg, &off));

	/* the CFA's word cannot be read: a read failure, not a guess */
	m.n = 0;
	assert_int_equal(step(c, (uint64_t)cfi_drap_body, &cur, &m, &caller), VSC_CFI_READ);

	/* the rule needs rbp: without it the step cannot be made */
	cur.known &= ~(1u << VSC_DW_RBP);
	assert_int_equal(step(c, (uint64_t)cfi_drap_body, &cur, &m, &caller), VSC_CFI_UNUSABLE);
	assert_non_null(strstr(last_why, "register 6"));
	vsc_cfi_destroy(c);
}

static void test_register_rule(void **state)
{
	struct vsc_cfi *c = open_self();
	struct vsc_cfi_regs cur, caller;
	struct mem m = { 0 };
	uint64_t rsp = 0xffffc90000013f00ULL;

	(void)state;
	all_known(&cur);
	vsc_cfi_regs_set(&cur, VSC_DW_RSP, rsp);
	vsc_cfi_regs_set(&cur, VSC_DW_R12, 0xb0b0);
	mem_put(&m, rsp, RA);                       /* CFA = rsp + 8, RA at CFA - 8 */
	assert_int_equal(step(c, (uint64_t)cfi_register_body, &cur, &m, &caller), VSC_CFI_OK);
	assert_int_equal(caller.r[VSC_DW_RIP], RA);
	assert_int_equal(caller.r[VSC_DW_RSP], rsp + 8);
	assert_int_equal(caller.r[VSC_DW_RBX], 0xb0b0);  /* rbx was in r12 */
	assert_int_equal(m.reads, 1);
	vsc_cfi_destroy(c);
}

/* A saved register that cannot be read is unknown; the step still works. */
static void test_unreadable_saved_register(void **state)
{
	struct vsc_cfi *c = open_self();
	struct vsc_cfi_regs cur, caller;
	struct mem m = { 0 };
	uint64_t rbp = 0xffffc90000013f00ULL;

	(void)state;
	all_known(&cur);
	vsc_cfi_regs_set(&cur, VSC_DW_RBP, rbp);
	mem_put(&m, rbp + 8, RA);
	mem_put(&m, rbp, 0xffffc90000013f80ULL);    /* rbx's slot (rbp - 8) is missing */
	assert_int_equal(step(c, (uint64_t)cfi_push_body, &cur, &m, &caller), VSC_CFI_OK);
	assert_int_equal(caller.r[VSC_DW_RIP], RA);
	assert_false(vsc_cfi_regs_known(&caller, VSC_DW_RBX));
	/* the return address missing: no step */
	m.n = 0;
	mem_put(&m, rbp, 0xffffc90000013f80ULL);
	assert_int_equal(step(c, (uint64_t)cfi_push_body, &cur, &m, &caller), VSC_CFI_READ);
	vsc_cfi_destroy(c);
}

static void test_no_return_address(void **state)
{
	struct vsc_cfi *c = open_self();
	struct vsc_cfi_regs cur, caller;
	struct mem m = { 0 };

	(void)state;
	all_known(&cur);
	assert_int_equal(step(c, (uint64_t)cfi_undefined_body, &cur, &m, &caller),
			 VSC_CFI_UNUSABLE);
	assert_non_null(strstr(last_why, "return address undefined"));
	/* C code of this program has its CFI in .eh_frame, not .debug_frame */
	assert_int_equal(step(c, (uint64_t)test_no_return_address, &cur, &m, &caller),
			 VSC_CFI_NO_ENTRY);
	assert_int_equal(step(c, 0x10, &cur, &m, &caller), VSC_CFI_NO_ENTRY);
	vsc_cfi_destroy(c);
}

static void test_open_errors(void **state)
{
	struct vsc_cfi *c = NULL;
	struct vsc_error *err;

	(void)state;
	err = vsc_cfi_open("/nonexistent/vmlinux", 0, &c);
	assert_non_null(err);
	assert_null(c);
	vsc_error_destroy(err);
	err = vsc_cfi_open("/proc/self/status", 0, &c);   /* not ELF */
	assert_non_null(err);
	assert_null(c);
	vsc_error_destroy(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_pointer),
		cmocka_unit_test(test_drap),
		cmocka_unit_test(test_register_rule),
		cmocka_unit_test(test_unreadable_saved_register),
		cmocka_unit_test(test_no_return_address),
		cmocka_unit_test(test_open_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
