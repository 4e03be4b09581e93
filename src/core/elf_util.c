// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Small questions to ELF files (a vmlinux): its build-id, its symbol table,
 * where its sections lie (for dwarf_read.c, which reads them with pread()),
 * and opening one for the file that reads it through libdw (cfi.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* Read @len bytes at @off of @fd; an error naming @what if the file is short. */
static struct vsc_error *pread_all(int fd, void *buf, size_t len, uint64_t off, const char *path,
				   const char *what)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done, (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return vsc_error_create(n < 0 ? VSC_ERR_IO : VSC_ERR_FORMAT,
						"%s: reading %s: %s", path, what,
						n < 0 ? strerror(errno) : "file cut short");
		done += (size_t)n;
	}
	return NULL;
}

#define SYMS_CHUNK 2730 /* symbols read at a time: 64 KB of Elf64_Sym */

/*
 * The section headers come through libelf; the symbols and their names are
 * then read with pread(), .symtab a chunk at a time: a vmlinux's .symtab and
 * .strtab are 6 to 9 MB, and mapping them would add as much to the process.
 */
struct vsc_error *vsc_elf_symtab_foreach(const char *path, vsc_elf_sym_fn fn, void *arg)
{
	struct vsc_elf_file ef;
	struct vsc_error *err = NULL;
	Elf_Scn *scn = NULL;
	GElf_Shdr *shdrs = NULL, symshdr = { 0 }, strshdr = { 0 }, xshdr = { 0 };
	Elf64_Sym *syms = NULL;
	Elf32_Word *xndx = NULL;
	char *strs = NULL;
	size_t nshdrs, nsyms, symndx = 0;
	bool have_xndx = false;
	GElf_Ehdr ehdr;

	VSC_TRY(vsc_elf_open(&ef, path));
	if (elf_getshdrnum(ef.elf, &nshdrs) != 0 || !gelf_getehdr(ef.elf, &ehdr)) {
		err = vsc_error_create(VSC_ERR_FORMAT, "%s: %s", path, elf_errmsg(-1));
		goto out;
	}
	if (ehdr.e_ident[EI_CLASS] != ELFCLASS64 || ehdr.e_ident[EI_DATA] != ELFDATA2LSB) {
		err = vsc_error_create(VSC_ERR_UNSUPPORTED, "%s: not a little-endian 64-bit ELF "
				       "file", path);
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
		if (shdrs[i].sh_type == SHT_SYMTAB && !symndx) {
			symndx = i;
			symshdr = shdrs[i];
		}
	}
	if (!symndx || symshdr.sh_entsize != sizeof(Elf64_Sym) || symshdr.sh_link >= nshdrs ||
	    shdrs[symshdr.sh_link].sh_type != SHT_STRTAB) {
		err = vsc_error_create(VSC_ERR_NOTFOUND, "%s has no symbol table", path);
		goto out;
	}
	strshdr = shdrs[symshdr.sh_link];
	/* SHT_SYMTAB_SHNDX holds section indexes >= SHN_LORESERVE */
	for (size_t i = 0; i < nshdrs; i++) {
		if (shdrs[i].sh_type == SHT_SYMTAB_SHNDX && shdrs[i].sh_link == symndx) {
			xshdr = shdrs[i];
			have_xndx = true;
		}
	}
	nsyms = symshdr.sh_size / sizeof(Elf64_Sym);
	if (have_xndx && xshdr.sh_size / sizeof(*xndx) < nsyms) {
		err = vsc_error_create(VSC_ERR_FORMAT, "%s: .symtab_shndx is shorter than "
				       ".symtab", path);
		goto out;
	}
	if ((symshdr.sh_flags | strshdr.sh_flags | xshdr.sh_flags) & SHF_COMPRESSED) {
		err = vsc_error_create(VSC_ERR_UNSUPPORTED, "%s: compressed symbol table", path);
		goto out;
	}
	strs = malloc(strshdr.sh_size + 1);
	syms = malloc(SYMS_CHUNK * sizeof(*syms));
	xndx = have_xndx ? malloc(SYMS_CHUNK * sizeof(*xndx)) : NULL;
	if (!strs || !syms || (have_xndx && !xndx)) {
		err = &vsc_error_nomem;
		goto out;
	}
	err = pread_all(ef.fd, strs, strshdr.sh_size, strshdr.sh_offset, path, ".strtab");
	if (err)
		goto out;
	strs[strshdr.sh_size] = '\0';     /* a last name always ends */
	for (size_t first = 1, n; first < nsyms; first += n) {
		n = nsyms - first < SYMS_CHUNK ? nsyms - first : SYMS_CHUNK;
		err = pread_all(ef.fd, syms, n * sizeof(*syms),
				symshdr.sh_offset + first * sizeof(*syms), path, ".symtab");
		if (!err && have_xndx)
			err = pread_all(ef.fd, xndx, n * sizeof(*xndx),
					xshdr.sh_offset + first * sizeof(*xndx), path,
					".symtab_shndx");
		if (err)
			goto out;
		for (size_t k = 0; k < n; k++) {
			const Elf64_Sym *sym = &syms[k];
			int type = ELF64_ST_TYPE(sym->st_info);
			Elf32_Word shndx = sym->st_shndx;
			GElf_Sym gsym;

			if (type == STT_SECTION || type == STT_FILE ||
			    sym->st_name >= strshdr.sh_size || !strs[sym->st_name])
				continue;
			if (shndx == SHN_XINDEX)
				shndx = have_xndx ? xndx[k] : 0;
			gsym = (GElf_Sym){ .st_info = sym->st_info };
			if (fn(arg, strs + sym->st_name, sym->st_value, sym->st_size,
			       sym_letter(&gsym, shndx, shdrs, nshdrs)))
				goto out;
		}
	}
out:
	free(xndx);
	free(syms);
	free(strs);
	free(shdrs);
	vsc_elf_close(&ef);
	return err;
}

/* The section named @name (first of the name), or NULL. */
static Elf_Scn *section_named(Elf *elf, size_t shstrndx, const char *name, GElf_Shdr *shdr)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		const char *n;

		if (!gelf_getshdr(scn, shdr))
			continue;
		n = elf_strptr(elf, shstrndx, shdr->sh_name);
		if (n && !strcmp(n, name))
			return scn;
	}
	return NULL;
}

struct vsc_error *vsc_elf_sections(const char *path, struct vsc_elf_section *secs, size_t n,
				   bool *lsb64)
{
	struct vsc_elf_file ef;
	struct vsc_error *err = NULL;
	size_t shstrndx;
	GElf_Ehdr ehdr;
	struct stat st;

	VSC_TRY(vsc_elf_open(&ef, path));
	if (!gelf_getehdr(ef.elf, &ehdr) || elf_getshdrstrndx(ef.elf, &shstrndx) != 0 ||
	    fstat(ef.fd, &st) != 0) {
		err = vsc_error_create(VSC_ERR_FORMAT, "%s: unreadable ELF headers: %s", path,
				       elf_errmsg(-1));
		goto out;
	}
	*lsb64 = ehdr.e_ident[EI_CLASS] == ELFCLASS64 && ehdr.e_ident[EI_DATA] == ELFDATA2LSB;
	for (size_t i = 0; i < n; i++) {
		GElf_Shdr shdr;
		Elf_Scn *scn = section_named(ef.elf, shstrndx, secs[i].name, &shdr);

		secs[i].present = false;
		if (!scn || shdr.sh_type == SHT_NOBITS)
			continue;
		/* the headers are read from the file too: its bytes must be in it */
		if (shdr.sh_offset > (uint64_t)st.st_size ||
		    shdr.sh_size > (uint64_t)st.st_size - shdr.sh_offset) {
			err = vsc_error_create(VSC_ERR_FORMAT, "%s: section %s runs past the "
					       "end of the file", path, secs[i].name);
			goto out;
		}
		secs[i].present = true;
		secs[i].compressed = shdr.sh_flags & SHF_COMPRESSED;
		secs[i].offset = shdr.sh_offset;
		secs[i].size = shdr.sh_size;
	}
out:
	vsc_elf_close(&ef);
	return err;
}

struct vsc_error *vsc_elf_section_part(const char *path, const char *name, uint64_t off,
				       uint64_t len, void **data, size_t *size)
{
	struct vsc_elf_section sec = { .name = name };
	struct vsc_elf_file ef;
	struct vsc_error *err = NULL;
	size_t shstrndx;
	GElf_Shdr shdr;
	Elf_Scn *scn;
	Elf_Data *d;
	bool lsb64;
	void *copy;
	int fd;

	VSC_TRY(vsc_elf_sections(path, &sec, 1, &lsb64));
	if (!sec.present)
		return vsc_error_create(VSC_ERR_NOTFOUND, "%s has no section %s", path, name);
	if (!sec.compressed) {
		/* read(2): the bytes are copied, not mapped into the process as well */
		if (off > sec.size)
			off = sec.size;
		if (len > sec.size - off)
			len = sec.size - off;
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return vsc_error_create(VSC_ERR_IO, "opening %s: %s", path,
						strerror(errno));
		copy = malloc(len ? len : 1);
		err = copy ? pread_all(fd, copy, len, sec.offset + off, path, name)
			   : &vsc_error_nomem;
		close(fd);
		if (err) {
			free(copy);
			return err;
		}
		*data = copy;
		*size = len;
		return NULL;
	}
	VSC_TRY(vsc_elf_open(&ef, path));
	if (elf_getshdrstrndx(ef.elf, &shstrndx) != 0) {
		err = vsc_error_create(VSC_ERR_FORMAT, "%s: %s", path, elf_errmsg(-1));
		goto out;
	}
	scn = section_named(ef.elf, shstrndx, name, &shdr);
	if (!scn) {
		err = vsc_error_create(VSC_ERR_NOTFOUND, "%s has no section %s", path, name);
		goto out;
	}
	if (elf_compress(scn, 0, 0) < 0 || !(d = elf_getdata(scn, NULL))) {
		err = vsc_error_create(VSC_ERR_FORMAT, "%s: decompressing %s: %s", path, name,
				       elf_errmsg(-1));
		goto out;
	}
	if (off > d->d_size)
		off = d->d_size;
	if (len > d->d_size - off)
		len = d->d_size - off;
	copy = malloc(len ? len : 1);
	if (!copy) {
		err = &vsc_error_nomem;
		goto out;
	}
	if (len)
		memcpy(copy, (const char *)d->d_buf + off, len);
	*data = copy;
	*size = len;
out:
	vsc_elf_close(&ef);
	return err;
}

struct vsc_error *vsc_elf_section_copy(const char *path, const char *name, void **data,
				       size_t *size)
{
	return vsc_elf_section_part(path, name, 0, UINT64_MAX, data, size);
}
