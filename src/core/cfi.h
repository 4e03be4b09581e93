/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * DWARF call frame information of a vmlinux (.debug_frame, else .eh_frame),
 * the unwinder's second source next to ORC.  One step turns the registers
 * of a frame into its caller's.  Engine-internal.
 *
 *   struct vsc_cfi *c;
 *   err = vsc_cfi_open("/usr/lib/debug/boot/vmlinux-...", kaslr_offset, &c);
 *   r = vsc_cfi_step(c, pc - 1, &regs, read_word, arg, &caller, why, sizeof(why));
 *   vsc_cfi_destroy(c);
 */
#ifndef VTDSCOPE_CFI_H
#define VTDSCOPE_CFI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vtdscope/error.h>

/* DWARF register numbers, x86-64 psABI. */
enum {
	VSC_DW_RAX, VSC_DW_RDX, VSC_DW_RCX, VSC_DW_RBX, VSC_DW_RSI, VSC_DW_RDI,
	VSC_DW_RBP, VSC_DW_RSP, VSC_DW_R8, VSC_DW_R9, VSC_DW_R10, VSC_DW_R11,
	VSC_DW_R12, VSC_DW_R13, VSC_DW_R14, VSC_DW_R15, VSC_DW_RIP,
	VSC_DW_NREGS
};

/* A register set by DWARF number, with which of them are known. */
struct vsc_cfi_regs {
	uint64_t r[VSC_DW_NREGS];
	uint32_t known;             /* bit n: r[n] holds the value */
};

static inline void vsc_cfi_regs_set(struct vsc_cfi_regs *r, unsigned int n, uint64_t v)
{
	r->r[n] = v;
	r->known |= 1u << n;
}

static inline bool vsc_cfi_regs_known(const struct vsc_cfi_regs *r, unsigned int n)
{
	return r->known & (1u << n);
}

struct vsc_cfi;

/*
 * Open @vmlinux's call frame information.  @bias is added to its link-time
 * addresses to get the running kernel's (the KASLR offset).  VSC_ERR_NOTFOUND
 * when the file has neither .debug_frame nor .eh_frame.
 */
struct vsc_error *vsc_cfi_open(const char *vmlinux, uint64_t bias, struct vsc_cfi **out);
void vsc_cfi_destroy(struct vsc_cfi *c);
/* "debug_frame (49208 FDEs)"-style description, static to @c. */
const char *vsc_cfi_description(const struct vsc_cfi *c);

enum vsc_cfi_result {
	VSC_CFI_OK,
	VSC_CFI_NO_ENTRY,   /* no FDE covers the address (assembly code, module text) */
	VSC_CFI_UNUSABLE,   /* an FDE, but this step cannot be made (@why says why) */
	VSC_CFI_READ,       /* a memory read failed: @read has said why */
};

/* Read one 64-bit word; false (having recorded why) if it cannot be read. */
typedef bool (*vsc_cfi_read_fn)(void *arg, uint64_t addr, uint64_t *out);

/*
 * One step from the frame whose registers are @cur, looking up the rule
 * row of @pc (the return address minus one for a caller frame, the exact IP
 * for an interrupted one).  On VSC_CFI_OK @caller has the caller's RIP
 * (VSC_DW_RIP: the return address) and RSP (the CFA), the callee-saved
 * registers the rules restore and those left untouched; call-clobbered
 * registers become unknown.
 */
enum vsc_cfi_result vsc_cfi_step(struct vsc_cfi *c, uint64_t pc, const struct vsc_cfi_regs *cur,
				 vsc_cfi_read_fn read, void *arg, struct vsc_cfi_regs *caller,
				 char *why, size_t why_size);

/*
 * The CFA rule at @pc when it is register + offset (for comparing with
 * ORC): the DWARF register number and the offset.  False otherwise.
 */
bool vsc_cfi_cfa_rule(struct vsc_cfi *c, uint64_t pc, unsigned int *reg, int64_t *offset);

/*
 * cfi_check.c: may libdw run the instructions of @sec (.debug_frame, or
 * .eh_frame when @eh_frame)?  False, with @why, when an instruction names a
 * register past VSC_CFI_MAX_REGNO or nests more than VSC_CFI_MAX_REMEMBER
 * remembered states: libdw would allocate for them without a bound.
 */
#define VSC_CFI_MAX_REGNO 1023u
#define VSC_CFI_MAX_REMEMBER 64u
bool vsc_cfi_section_ok(const unsigned char *sec, size_t size, bool eh_frame, char *why,
			size_t why_size);

#endif /* VTDSCOPE_CFI_H */
