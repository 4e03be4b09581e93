/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ELF files (a vmlinux) for the engine files that read them: elf_util.c. */
#ifndef VTDSCOPE_ELF_UTIL_H
#define VTDSCOPE_ELF_UTIL_H

#include <stdbool.h>
#include <stddef.h>
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

/* Where a section of an ELF file lies (vsc_elf_sections()). */
struct vsc_elf_section {
	const char *name;       /* in: the section wanted */
	bool present;           /* out: the rest only when present */
	bool compressed;        /* SHF_COMPRESSED: read it with vsc_elf_section_copy() */
	uint64_t offset, size;  /* its bytes in the file (size: of the stored bytes) */
};

/*
 * Find @n sections by name (the first of each name; SHT_NOBITS ones count
 * as absent).  Only the ELF and section headers are read.  *@lsb64: the file
 * is a little-endian ELF64 one.
 */
struct vsc_error *vsc_elf_sections(const char *path, struct vsc_elf_section *secs, size_t n,
				   bool *lsb64) VSC_MUST_CHECK;
/* The contents of section @name, decompressed if need be, malloc'ed. */
struct vsc_error *vsc_elf_section_copy(const char *path, const char *name, void **data,
				       size_t *size) VSC_MUST_CHECK;
/* The same for the @len bytes at @off of it (fewer where the section ends). */
struct vsc_error *vsc_elf_section_part(const char *path, const char *name, uint64_t off,
				       uint64_t len, void **data, size_t *size) VSC_MUST_CHECK;

#endif /* VTDSCOPE_ELF_UTIL_H */
