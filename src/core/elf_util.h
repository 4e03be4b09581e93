/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ELF files (a vmlinux) for the engine files that read them: elf_util.c. */
#ifndef VTDSCOPE_ELF_UTIL_H
#define VTDSCOPE_ELF_UTIL_H

#include <stdint.h>

#include <libelf.h>

#include <vtdscope/error.h>

/* An ELF file open for reading (mmap'ed by libelf). */
struct vsc_elf_file {
	int fd;
	Elf *elf;
};

/* Open @path; an error if it cannot be read or is not ELF. */
struct vsc_error *vsc_elf_open(struct vsc_elf_file *ef, const char *path) VSC_MUST_CHECK;
void vsc_elf_close(struct vsc_elf_file *ef);

/* Build-id (hex, malloc'ed) of an ELF file's NT_GNU_BUILD_ID note. */
struct vsc_error *vsc_elf_build_id(const char *path, char **hex) VSC_MUST_CHECK;

/* Calls @fn for every symbol of an ELF file's .symtab (name, value, size, nm letter). */
typedef int (*vsc_elf_sym_fn)(void *arg, const char *name, uint64_t value, uint64_t size,
			      char type);
struct vsc_error *vsc_elf_symtab_foreach(const char *path, vsc_elf_sym_fn fn, void *arg) VSC_MUST_CHECK;

#endif /* VTDSCOPE_ELF_UTIL_H */
