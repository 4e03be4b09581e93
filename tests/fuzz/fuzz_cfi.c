// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * DWARF call frame information (cfi.c): a vmlinux-like ELF file whose
 * .debug_frame (or .eh_frame) section is the fuzzer's, opened with
 * vsc_cfi_open() (libdw parses the CIEs and FDEs and runs their
 * instructions), then the rule evaluation on fuzzed stack memory:
 * vsc_cfi_step() from frame to frame and vsc_cfi_cfa_rule(); and the same
 * CFI in the engine's unwinder (unwind.c, --unwinder cfi) over the stack
 * through the fake kcore target (fake_target.h).
 *
 * Input (little-endian): u8 flags (bit 0: .eh_frame, else .debug_frame;
 * bit 1: also unwind with vsc_unwind_regs()), u64 the section's address,
 * u64 bias (the KASLR offset), u32 length F, F bytes of the section, 17 u64
 * registers in DWARF order (rax, rdx, rcx, rbx, rsi, rdi, rbp, rsp,
 * r8-r15, rip) and a u32 mask of the known ones, u64 the stack's address,
 * then the stack.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vtdscope/unwind.h>

#include "core/cfi.h"
#include "fake_target.h"

#define HDR_SIZE (1 + 8 + 8 + 4)
#define REGS_SIZE (VSC_DW_NREGS * 8 + 4 + 8)
#define MAX_STEPS 64

struct stack {
	uint64_t base;
	const uint8_t *mem;
	size_t len;
	unsigned int reads;
};

static bool read_word(void *arg, uint64_t addr, uint64_t *out)
{
	struct stack *s = arg;

	s->reads++;
	if (addr < s->base || addr - s->base > s->len || s->len - (addr - s->base) < 8)
		return false;
	*out = fuzz_le(s->mem + (addr - s->base), 8);
	return true;
}

/* An ELF file with the one CFI section, as a memory file; -1 on failure. */
static int cfi_file(bool eh, uint64_t addr, const uint8_t *sec, size_t len)
{
	static const char shstr[] = "\0.debug_frame\0.eh_frame\0.shstrtab\0.text";
	struct {
		Elf64_Ehdr eh;
		Elf64_Shdr sh[4];
	} h = { 0 };
	size_t off = sizeof(h);
	unsigned char *file = malloc(sizeof(h) + sizeof(shstr) + len);
	int fd;

	if (!file)
		return -1;
	memcpy(h.eh.e_ident, ELFMAG, SELFMAG);
	h.eh.e_ident[EI_CLASS] = ELFCLASS64;
	h.eh.e_ident[EI_DATA] = ELFDATA2LSB;
	h.eh.e_ident[EI_VERSION] = EV_CURRENT;
	h.eh.e_type = ET_EXEC;
	h.eh.e_machine = EM_X86_64;
	h.eh.e_version = EV_CURRENT;
	h.eh.e_ehsize = sizeof(h.eh);
	h.eh.e_shoff = offsetof(__typeof__(h), sh);
	h.eh.e_shentsize = sizeof(Elf64_Shdr);
	h.eh.e_shnum = 4;
	h.eh.e_shstrndx = 2;
	h.sh[1] = (Elf64_Shdr){ .sh_name = eh ? 14 : 1, .sh_type = SHT_PROGBITS,
				.sh_flags = eh ? SHF_ALLOC : 0, .sh_addr = eh ? addr : 0,
				.sh_offset = off + sizeof(shstr), .sh_size = len, .sh_addralign = 8 };
	h.sh[2] = (Elf64_Shdr){ .sh_name = 24, .sh_type = SHT_STRTAB, .sh_offset = off,
				.sh_size = sizeof(shstr), .sh_addralign = 1 };
	/* kernel text, where the FDEs point (no bytes in the file) */
	h.sh[3] = (Elf64_Shdr){ .sh_name = 34, .sh_type = SHT_NOBITS,
				.sh_flags = SHF_ALLOC | SHF_EXECINSTR, .sh_addr = 0xffffffff81000000ULL,
				.sh_offset = off + sizeof(shstr) + len, .sh_size = 0x1000000,
				.sh_addralign = 4096 };
	memcpy(file, &h, sizeof(h));
	memcpy(file + off, shstr, sizeof(shstr));
	memcpy(file + off + sizeof(shstr), sec, len);
	fd = fuzz_memfd("fuzz-vmlinux", file, off + sizeof(shstr) + len);
	free(file);
	return fd;
}

/* The engine's unwinder with this CFI preferred, over the stack through a fake target. */
static void unwind(struct vsc_cfi *c, const struct vsc_cfi_regs *r, const struct stack *s)
{
	static const char vi[] = "OSRELEASE=6.1.0-fuzz\nSYMBOL(_stext)=ffffffff80000000\n"
				 "SYMBOL(_etext)=ffffffffc0000000\n";
	struct vsc_target *t;
	struct vsc_regs regs = { 0 };
	struct vsc_stack st;
	struct vsc_error *err;
	char buf[256];
	int fd = -1;

	t = fuzz_fake_target((const uint8_t *)vi, sizeof(vi) - 1, s->mem, s->len, s->base, &fd);
	if (!t) {
		vsc_cfi_destroy(c);
		return;
	}
	t->cfi = c;                 /* the target's now */
	t->info.vmlinux = "fuzz";
	t->info.unwinder = VSC_UNWINDER_CFI;
	t->symtab = vsc_symtab_create();
	/* one symbol over all of kernel text: every return address there is code */
	if (!t->symtab || vsc_symtab_add(t->symtab, "fuzz_text", 0xffffffff80000000ULL,
					 0x7fffffffULL, 't', NULL))
		goto out;
	vsc_symtab_finish(t->symtab);
	regs.ax = r->r[VSC_DW_RAX];
	regs.dx = r->r[VSC_DW_RDX];
	regs.cx = r->r[VSC_DW_RCX];
	regs.bx = r->r[VSC_DW_RBX];
	regs.si = r->r[VSC_DW_RSI];
	regs.di = r->r[VSC_DW_RDI];
	regs.bp = r->r[VSC_DW_RBP];
	regs.sp = r->r[VSC_DW_RSP];
	regs.r8 = r->r[VSC_DW_R8];
	regs.r12 = r->r[VSC_DW_R12];
	regs.r13 = r->r[VSC_DW_R13];
	regs.r14 = r->r[VSC_DW_R14];
	regs.r15 = r->r[VSC_DW_R15];
	regs.ip = r->r[VSC_DW_RIP];
	regs.cs = 0x10;
	err = vsc_unwind_regs(t, &regs, &st);
	if (!err) {
		for (size_t i = 0; i < st.nr_frames; i++) {
			vsc_frame_format(&st.frames[i], buf, sizeof(buf));
			if (getenv("FUZZ_DEBUG"))
				fprintf(stderr, "#%zu %s via %s\n", i, buf,
					vsc_frame_via_name(st.frames[i].via));
		}
		if (getenv("FUZZ_DEBUG"))
			fprintf(stderr, "end: %s %s\n", vsc_unwind_end_text(st.end), st.end_detail);
		vsc_stack_deinit(&st);
	}
	vsc_error_destroy(err);
out:
	vsc_target_destroy(t);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vsc_cfi_regs cur = { 0 }, caller;
	struct stack s = { 0 };
	struct vsc_cfi *c = NULL;
	struct vsc_error *err;
	uint64_t addr, bias;
	const uint8_t *p;
	char path[64], why[128];
	size_t flen;
	uint8_t flags;
	int fd;

	if (size < HDR_SIZE + REGS_SIZE)
		return 0;
	flags = data[0];
	addr = fuzz_le(data + 1, 8);
	bias = fuzz_le(data + 9, 8);
	flen = (size_t)fuzz_le(data + 17, 4);
	if (flen > size - HDR_SIZE - REGS_SIZE)
		flen = size - HDR_SIZE - REGS_SIZE;
	p = data + HDR_SIZE + flen;
	for (unsigned int n = 0; n < VSC_DW_NREGS; n++)
		cur.r[n] = fuzz_le(p + 8 * n, 8);
	cur.known = (uint32_t)fuzz_le(p + 8 * VSC_DW_NREGS, 4) & ((1u << VSC_DW_NREGS) - 1);
	s.base = fuzz_le(p + 8 * VSC_DW_NREGS + 4, 8);
	s.mem = p + REGS_SIZE;
	s.len = size - HDR_SIZE - flen - REGS_SIZE;

	fd = cfi_file(flags & 1, addr, data + HDR_SIZE, flen);
	if (fd < 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	err = vsc_cfi_open(path, bias, &c);
	if (getenv("FUZZ_DEBUG"))
		fprintf(stderr, "cfi: %s\n", err ? err->message : vsc_cfi_description(c));
	if (err) {
		vsc_error_destroy(err);
		close(fd);
		return 0;
	}
	(void)vsc_cfi_description(c);
	/* frame to frame: the exact IP first, then return addresses less one */
	for (int i = 0; i < MAX_STEPS; i++) {
		uint64_t pc = cur.r[VSC_DW_RIP] - (i ? 1 : 0);
		unsigned int reg;
		int64_t off;
		enum vsc_cfi_result r;

		if (!vsc_cfi_regs_known(&cur, VSC_DW_RIP))
			break;
		(void)vsc_cfi_cfa_rule(c, pc, &reg, &off);
		r = vsc_cfi_step(c, pc, &cur, read_word, &s, &caller, why, sizeof(why));
		if (strnlen(why, sizeof(why)) == sizeof(why))
			abort();
		if (getenv("FUZZ_DEBUG"))
			fprintf(stderr, "step %d at 0x%llx: %d %s\n", i, (unsigned long long)pc, r, why);
		if (r != VSC_CFI_OK)
			break;
		/* the caller's RIP and RSP are always known after a step */
		if (!vsc_cfi_regs_known(&caller, VSC_DW_RIP) ||
		    !vsc_cfi_regs_known(&caller, VSC_DW_RSP))
			abort();
		cur = caller;
	}
	if (flags & 2) {
		/* restart from the input's registers */
		for (unsigned int n = 0; n < VSC_DW_NREGS; n++)
			cur.r[n] = fuzz_le(p + 8 * n, 8);
		unwind(c, &cur, &s);    /* takes c */
	} else {
		vsc_cfi_destroy(c);
	}
	close(fd);
	return 0;
}
