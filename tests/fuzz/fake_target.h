/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A target over fuzzed memory for the harnesses: VMCOREINFO text parsed by
 * vsc_target_parse_vmcoreinfo() (symbols come from its SYMBOL() lines) and
 * memory served by the engine's own /proc/kcore reader (kcore.c) from an
 * in-memory ELF file with one PT_LOAD segment at @base.  Every read the code
 * under test makes is a real labelled vsc_read(); only the open is skipped.
 */
#ifndef VTDSCOPE_FUZZ_FAKE_TARGET_H
#define VTDSCOPE_FUZZ_FAKE_TARGET_H

#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "core/target_internal.h"

/* The target, or NULL; *fdp is the memory file to close after vsc_target_destroy(). */
static inline struct vsc_target *fuzz_fake_target(const uint8_t *vi, size_t vlen,
						  const uint8_t *mem, size_t mlen, uint64_t base,
						  int *fdp)
{
	struct {
		Elf64_Ehdr eh;
		Elf64_Phdr ph;
	} hdr = { 0 };
	struct vsc_target *t;
	struct vsc_error *err;
	unsigned char *file;
	int fd;

	memcpy(hdr.eh.e_ident, ELFMAG, SELFMAG);
	hdr.eh.e_ident[EI_CLASS] = ELFCLASS64;
	hdr.eh.e_ident[EI_DATA] = ELFDATA2LSB;
	hdr.eh.e_ident[EI_VERSION] = EV_CURRENT;
	hdr.eh.e_type = ET_CORE;
	hdr.eh.e_machine = EM_X86_64;
	hdr.eh.e_phoff = sizeof(hdr.eh);
	hdr.eh.e_ehsize = sizeof(hdr.eh);
	hdr.eh.e_phentsize = sizeof(hdr.ph);
	hdr.eh.e_phnum = 1;
	hdr.ph.p_type = PT_LOAD;
	hdr.ph.p_offset = sizeof(hdr);
	hdr.ph.p_vaddr = base;
	hdr.ph.p_filesz = hdr.ph.p_memsz = mlen;
	file = malloc(sizeof(hdr) + mlen);
	if (!file)
		return NULL;
	memcpy(file, &hdr, sizeof(hdr));
	if (mlen)
		memcpy(file + sizeof(hdr), mem, mlen);
	fd = fuzz_memfd("fuzz-mem", file, sizeof(hdr) + mlen);
	free(file);
	if (fd < 0)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t) {
		close(fd);
		return NULL;
	}
	t->fd = -1;
	t->panic_cpu = -1;
	t->info.arch = "x86_64";
	t->info.page_size = 4096;
	err = vsc_kcore_open(fd, "fuzz", &t->kcore);
	if (!err)
		err = vsc_target_parse_vmcoreinfo(t, (const char *)vi, vlen);
	if (err) {
		vsc_error_destroy(err);
		vsc_target_destroy(t);
		close(fd);
		return NULL;
	}
	t->info.format = "kcore";
	t->info.release = vsc_vmcoreinfo(t, "OSRELEASE");
	t->levels = 4;
	*fdp = fd;
	return t;
}

#endif
