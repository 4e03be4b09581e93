// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Small questions to ELF files (a vmlinux): its build-id and its symbol
 * table, and opening one for the files that read it through libdw (dwarf.c,
 * cfi.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gelf.h>
#include <libelf.h>

#include "elf_util.h"

#ifndef NT_GNU_BUILD_ID
#define NT_GNU_BUILD_ID 3
#endif

#define MAX_BUILD_ID 64 /* bytes; GNU ld writes 20 */

struct vsc_error *vsc_elf_open(struct vsc_elf_file *ef, const char *path)
{
	ef->fd = -1;
	ef->elf = NULL;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return vsc_error_create(VSC_ERR_OTHER, "libelf: %s", elf_errmsg(-1));
	ef->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (ef->fd < 0)
		return vsc_error_create(VSC_ERR_IO, "opening %s: %s", path, strerror(errno));
	ef->elf = elf_begin(ef->fd, ELF_C_READ_MMAP, NULL);
	if (!ef->elf || elf_kind(ef->elf) != ELF_K_ELF) {
		struct vsc_error *err;

		err = vsc_error_create(VSC_ERR_FORMAT, "%s is not an ELF file%s%s", path,
				       ef->elf ? "" : ": ", ef->elf ? "" : elf_errmsg(-1));

		elf_end(ef->elf);
		close(ef->fd);
		ef->elf = NULL;
		ef->fd = -1;
		return err;
	}
	return NULL;
}

void vsc_elf_close(struct vsc_elf_file *ef)
{
	elf_end(ef->elf);
	if (ef->fd >= 0)
		close(ef->fd);
}

/* Search one block of notes for NT_GNU_BUILD_ID; malloc'ed hex or NULL. */
static bool find_build_id(Elf_Data *data, char **hex, struct vsc_error **err)
{
	GElf_Nhdr nhdr;
	size_t off = 0, next, name_off, desc_off;

	while (data && (next = gelf_getnote(data, off, &nhdr, &name_off, &desc_off)) > 0) {
		const unsigned char *desc = (const unsigned char *)data->d_buf + desc_off;

		off = next;
		if (nhdr.n_type != NT_GNU_BUILD_ID || nhdr.n_namesz != 4 ||
		    memcmp((const char *)data->d_buf + name_off, "GNU", 4) != 0)
			continue;
		if (nhdr.n_descsz == 0 || nhdr.n_descsz > MAX_BUILD_ID) {
			*err = vsc_error_create(VSC_ERR_FORMAT, "build-id note of %u bytes",
						(unsigned int)nhdr.n_descsz);
			return true;
		}
		*hex = malloc(nhdr.n_descsz * 2 + 1);
		if (!*hex) {
			*err = &vsc_error_nomem;
			return true;
		}
		for (size_t i = 0; i < nhdr.n_descsz; i++)
			sprintf(*hex + 2 * i, "%02x", desc[i]);
		*err = NULL;
		return true;
	}
	return false;
}

struct vsc_error *vsc_elf_build_id(const char *path, char **hex)
{
	struct vsc_elf_file ef;
	struct vsc_error *err = NULL;
	Elf_Scn *scn = NULL;
	char *res = NULL;
	bool found = false;
	size_t nphdr;

	VSC_TRY(vsc_elf_open(&ef, path));
	/* Section headers first (a vmlinux has .notes), program headers otherwise. */
	while (!found && (scn = elf_nextscn(ef.elf, scn)) != NULL) {
		GElf_Shdr shdr;

		if (gelf_getshdr(scn, &shdr) && shdr.sh_type == SHT_NOTE)
			found = find_build_id(elf_getdata(scn, NULL), &res, &err);
	}
	if (!found && elf_getphdrnum(ef.elf, &nphdr) == 0) {
		for (size_t i = 0; !found && i < nphdr; i++) {
			GElf_Phdr phdr;
			Elf_Data *data;

			if (!gelf_getphdr(ef.elf, (int)i, &phdr) || phdr.p_type != PT_NOTE)
				continue;
			data = elf_getdata_rawchunk(ef.elf, phdr.p_offset, phdr.p_filesz,
						    ELF_T_NHDR);
			found = find_build_id(data, &res, &err);
		}
	}
	vsc_elf_close(&ef);
	if (!found)
		return vsc_error_create(VSC_ERR_NOTFOUND, "%s has no build-id note", path);
	if (err)
		return vsc_error_wrap(err, "%s", path);
	*hex = res;
	return NULL;
}

/* nm's letter for a defined symbol in a section with header @shdr. */
static char section_letter(const GElf_Shdr *shdr)
{
	if (shdr->sh_flags & SHF_EXECINSTR)
		return 'T';
	if (shdr->sh_type == SHT_NOBITS)
		return 'B';
	if (shdr->sh_flags & SHF_WRITE)
		return 'D';
	if (shdr->sh_flags & SHF_ALLOC)
		return 'R';
	return 'N';
}

static char sym_letter(const GElf_Sym *sym, Elf32_Word shndx, const GElf_Shdr *shdrs,
		       size_t nshdrs)
{
	int bind = GELF_ST_BIND(sym->st_info);
	char c;

	if (shndx == SHN_UNDEF)
		return bind == STB_WEAK ? 'w' : 'U';
	if (bind == STB_WEAK)
		return 'W';
	if (shndx == SHN_ABS)
		c = 'A';
	else if (shndx == SHN_COMMON)
		c = 'C';
	else if (shndx < nshdrs)
		c = section_letter(&shdrs[shndx]);
	else
		c = '?';
	if (bind == STB_LOCAL && c != '?')
		c = (char)(c - 'A' + 'a');
	return c;
}

struct vsc_error *vsc_elf_symtab_foreach(const char *path, vsc_elf_sym_fn fn, void *arg)
{
	struct vsc_elf_file ef;
	struct vsc_error *err = NULL;
	Elf_Scn *scn = NULL, *symscn = NULL, *xscn = NULL;
	Elf_Data *syms, *xndx = NULL;
	GElf_Shdr symshdr = { 0 }, *shdrs = NULL;
	size_t nshdrs, nsyms;

	VSC_TRY(vsc_elf_open(&ef, path));
	if (elf_getshdrnum(ef.elf, &nshdrs) != 0) {
		err = vsc_error_create(VSC_ERR_FORMAT, "%s: %s", path, elf_errmsg(-1));
		goto out;
	}
	shdrs = calloc(nshdrs ? nshdrs : 1, sizeof(*shdrs));
	if (!shdrs) {
		err = &vsc_error_nomem;
		goto out;
	}
	while ((scn = elf_nextscn(ef.elf, scn)) != NULL) {
		size_t i = elf_ndxscn(scn);

		if (i >= nshdrs || !gelf_getshdr(scn, &shdrs[i]))
			continue;
		if (shdrs[i].sh_type == SHT_SYMTAB && !symscn) {
			symscn = scn;
			symshdr = shdrs[i];
		}
	}
	if (!symscn || !symshdr.sh_entsize) {
		err = vsc_error_create(VSC_ERR_NOTFOUND, "%s has no symbol table", path);
		goto out;
	}
	/* SHT_SYMTAB_SHNDX holds section indexes >= SHN_LORESERVE */
	for (size_t i = 0; i < nshdrs; i++) {
		if (shdrs[i].sh_type == SHT_SYMTAB_SHNDX &&
		    shdrs[i].sh_link == elf_ndxscn(symscn))
			xscn = elf_getscn(ef.elf, i);
	}
	syms = elf_getdata(symscn, NULL);
	if (xscn)
		xndx = elf_getdata(xscn, NULL);
	if (!syms) {
		err = vsc_error_create(VSC_ERR_FORMAT, "%s: reading .symtab: %s", path,
				       elf_errmsg(-1));
		goto out;
	}
	nsyms = syms->d_size / symshdr.sh_entsize;
	for (size_t i = 1; i < nsyms; i++) {
		Elf32_Word shndx = 0;
		const char *name;
		GElf_Sym sym;
		char letter;
		int type;

		if (!gelf_getsymshndx(syms, xndx, (int)i, &sym, &shndx))
			continue;
		type = GELF_ST_TYPE(sym.st_info);
		if (type == STT_SECTION || type == STT_FILE)
			continue;
		name = elf_strptr(ef.elf, symshdr.sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		if (sym.st_shndx != SHN_XINDEX)
			shndx = sym.st_shndx;
		letter = sym_letter(&sym, shndx, shdrs, nshdrs);
		if (fn(arg, name, sym.st_value, sym.st_size, letter))
			break;
	}
out:
	free(shdrs);
	vsc_elf_close(&ef);
	return err;
}
