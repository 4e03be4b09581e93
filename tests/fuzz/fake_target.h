/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Targets over fuzzed memory for the harnesses.  Every read the code under
 * test makes is a real labelled vsc_read(); only vsc_target_open()'s
 * kallsyms and BTF steps are replaced.
 *
 * fuzz_fake_target(): VMCOREINFO text parsed by vsc_target_parse_vmcoreinfo()
 * (symbols come from its SYMBOL() lines) and kernel virtual memory served by
 * the engine's own /proc/kcore reader (kcore.c) from an in-memory ELF file
 * with one PT_LOAD segment at @base.
 *
 * fuzz_dump_target(): a whole dump from a fuzz image (below): an ELF vmcore
 * in memory, with the image's VMCOREINFO and notes in its PT_NOTE and its
 * physical memory segments as PT_LOADs, opened by the ELF dump backend
 * (target.c's notes, kdump.c's pages) and translated by our page walk
 * (paging.c); types from the image's BTF (btf.c), an address-ordered symbol
 * table from the SYMBOL() lines, the CPUs by vsc_cpus_init().
 */
#ifndef VTDSCOPE_FUZZ_FAKE_TARGET_H
#define VTDSCOPE_FUZZ_FAKE_TARGET_H

#include <elf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "core/target_internal.h"
#include "core/types_backend.h"

/*
 * A dump target frees megabytes per input (its ELF image, libkdumpfile's
 * context and caches), and ASan's default 256 MiB quarantine of freed memory
 * then counts against libFuzzer's -rss_limit_mb=512 after a while: a smaller
 * quarantine keeps that limit about what one input costs.
 */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "quarantine_size_mb=16";
}

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
	err = vsc_kcore_attach(t, fd, "fuzz");
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

/* ---- dump targets from a fuzz image ---- */

/*
 * A fuzz image, all little-endian, each length clamped to what is left:
 *   u32 L, L bytes of BTF (0: no types)
 *   u16 V, V bytes of VMCOREINFO text (also in the PT_NOTE, first)
 *   u16 N, N bytes of ELF notes (PRSTATUS, QEMU: as in a vmcore's PT_NOTE)
 *   then segments to the end: u64 physical address, u32 length, the bytes
 * make-seeds writes them from the pages vtdscope reads in a real dump.
 */
struct fuzz_image {
	const uint8_t *btf, *vi, *notes, *segs;
	size_t btf_len, vi_len, notes_len, segs_len;
};

#define FUZZ_MAX_SEGMENTS 2048

static inline uint64_t fuzz_le(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* Splits @data into a fuzz image; never fails (short inputs give empty parts). */
static inline void fuzz_image_parse(const uint8_t *data, size_t size, struct fuzz_image *img)
{
	const uint8_t **part[3] = { &img->btf, &img->vi, &img->notes };
	size_t *len[3] = { &img->btf_len, &img->vi_len, &img->notes_len };
	static const unsigned int width[3] = { 4, 2, 2 };

	memset(img, 0, sizeof(*img));
	for (int i = 0; i < 3; i++) {
		size_t n = 0;

		if (size >= width[i]) {
			n = (size_t)fuzz_le(data, width[i]);
			data += width[i];
			size -= width[i];
		}
		if (n > size)
			n = size;
		*part[i] = data;
		*len[i] = n;
		data += n;
		size -= n;
	}
	img->segs = data;
	img->segs_len = size;
}

static inline size_t fuzz_note(unsigned char *out, const char *name, uint32_t type,
			       const void *desc, size_t descsz)
{
	Elf64_Nhdr nh = { .n_namesz = (Elf64_Word)strlen(name) + 1,
			  .n_descsz = (Elf64_Word)descsz, .n_type = type };
	size_t off = sizeof(nh);

	memcpy(out, &nh, sizeof(nh));
	memset(out + off, 0, (nh.n_namesz + 3) & ~3u);
	memcpy(out + off, name, nh.n_namesz);
	off += (nh.n_namesz + 3) & ~3u;
	memset(out + off, 0, (descsz + 3) & ~(size_t)3);
	if (descsz)
		memcpy(out + off, desc, descsz);
	return off + ((descsz + 3) & ~(size_t)3);
}

/* The length of the key of the VMCOREINFO line at @p (up to '=' or the line's end). */
static inline size_t fuzz_vi_key(const char *p, const char *end)
{
	const char *q = p;

	while (q < end && *q != '=' && *q != '\n')
		q++;
	return (size_t)(q - p);
}

/*
 * @vi up to its first NUL, less the lines whose key is also a '.'-separated
 * prefix of another line's key ("A=1" with "A.B=2").  libkdumpfile 0.5.1
 * reads all of the note into a tree of attributes split at '.', and leaks
 * memory on both: the value of a key that another key turns into a
 * directory, and a line after a NUL whose key has a '.' ("\0x.y=1" followed
 * by an empty line).  No kernel writes either; the engine's checks belong in
 * target.c (vmcoreinfo_check(), next to the '.' and PAGESIZE checks), and
 * until they are there the harnesses leave such text out.  Returns the
 * length written to @out (@len bytes at most).
 */
static inline size_t fuzz_vmcoreinfo_filter(const uint8_t *vi, size_t len, char *out)
{
	const char *text = (const char *)vi, *end = text + strnlen(text, len);
	size_t n = 0;

	for (const char *p = text; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *next = nl ? nl + 1 : end;
		size_t klen = fuzz_vi_key(p, end);
		bool dir = false;

		for (const char *q = text; klen && !dir && q < end;) {
			const char *qnl = memchr(q, '\n', (size_t)(end - q));

			if (fuzz_vi_key(q, end) > klen && !memcmp(q, p, klen) && q[klen] == '.')
				dir = true;
			q = qnl ? qnl + 1 : end;
		}
		if (!dir) {
			memcpy(out + n, p, (size_t)(next - p));
			n += (size_t)(next - p);
		}
		p = next;
	}
	return n;
}

/*
 * The ELF vmcore of @img as a memory file, -1 when there is no memory for it:
 * the notes, then one PT_LOAD per segment (its address rounded down to a page,
 * its bytes cut at the input's end), in input order; they may overlap.
 */
static inline int fuzz_image_core(const struct fuzz_image *img)
{
	struct {
		uint64_t paddr;
		const uint8_t *data;
		size_t len;
	} *segs = calloc(FUZZ_MAX_SEGMENTS, sizeof(*segs));
	size_t nr = 0, notes_len, off, data_off, total, vi_len;
	const uint8_t *p = img->segs, *end = img->segs + img->segs_len;
	char *vi = malloc(img->vi_len + 1);
	unsigned char *file = NULL;
	Elf64_Ehdr *eh;
	int fd = -1;

	if (!segs || !vi)
		goto out;
	vi_len = fuzz_vmcoreinfo_filter(img->vi, img->vi_len, vi);
	while (end - p >= 12 && nr < FUZZ_MAX_SEGMENTS) {
		uint64_t paddr = fuzz_le(p, 8) & ~0xfffULL;
		size_t len = (size_t)fuzz_le(p + 8, 4);

		p += 12;
		if (len > (size_t)(end - p))
			len = (size_t)(end - p);
		if (len)
			segs[nr++] = (typeof(*segs)){ paddr, p, len };
		p += len;
	}
	notes_len = sizeof(Elf64_Nhdr) + 12 + ((vi_len + 3) & ~(size_t)3) + img->notes_len;
	data_off = sizeof(Elf64_Ehdr) + (nr + 1) * sizeof(Elf64_Phdr) + notes_len;
	total = data_off;
	for (size_t i = 0; i < nr; i++)
		total += segs[i].len;
	file = calloc(1, total);
	if (!file)
		goto out;
	eh = (Elf64_Ehdr *)file;
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_CORE;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = (Elf64_Half)(nr + 1);
	off = sizeof(*eh) + (nr + 1) * sizeof(Elf64_Phdr);
	{
		Elf64_Phdr *ph = (Elf64_Phdr *)(file + sizeof(*eh));
		size_t n = fuzz_note(file + off, "VMCOREINFO", 0, vi, vi_len);

		memcpy(file + off + n, img->notes, img->notes_len);
		ph[0] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = off,
				      .p_filesz = n + img->notes_len };
		off = data_off;
		for (size_t i = 0; i < nr; i++) {
			ph[i + 1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_W | PF_X,
						  .p_offset = off, .p_paddr = segs[i].paddr,
						  .p_filesz = segs[i].len, .p_memsz = segs[i].len,
						  .p_align = 4096 };
			memcpy(file + off, segs[i].data, segs[i].len);
			off += segs[i].len;
		}
	}
	fd = fuzz_memfd("fuzz-core", file, total);
out:
	free(file);
	free(segs);
	free(vi);
	return fd;
}

/* The SYMBOL() lines of the target's VMCOREINFO as its symbol table (kallsyms' stand-in). */
static inline int fuzz_symtab_from_vmcoreinfo(struct vsc_target *t)
{
	t->symtab = vsc_symtab_create();
	if (!t->symtab)
		return -1;
	for (size_t i = 0; i < t->nr_vmcoreinfo; i++) {
		const char *k = t->vmcoreinfo[i].key;
		size_t n = strlen(k);
		uint64_t v;
		char name[128];

		if (n < 9 || n - 8 >= sizeof(name) || strncmp(k, "SYMBOL(", 7) || k[n - 1] != ')' ||
		    !vsc_vmcoreinfo_number(t, k, &v))
			continue;
		memcpy(name, k + 7, n - 8);
		name[n - 8] = '\0';
		if (vsc_symtab_add(t->symtab, name, v, 0, 't', NULL))
			return -1;
	}
	vsc_symtab_finish(t->symtab);
	return 0;
}

/*
 * The target of @img, or NULL when it cannot be opened (no VMCOREINFO, no
 * page tables that map _stext, ...): then nothing is there to read.  Errors
 * name it "fuzz".  Destroy with vsc_target_destroy() (it closes the file).
 */
static inline struct vsc_target *fuzz_dump_target(const struct fuzz_image *img)
{
	struct vsc_target *t = calloc(1, sizeof(*t));
	struct vsc_error *err;
	uint64_t sym;
	int fd;

	if (!t)
		return NULL;
	t->panic_cpu = -1;
	t->info.arch = "x86_64";
	t->info.path = "fuzz";
	t->fd = fd = fuzz_image_core(img);
	if (fd < 0) {
		free(t);
		return NULL;
	}
	t->file_size = (uint64_t)lseek(fd, 0, SEEK_END);
	t->ops = &vsc_elf_ops;
	/* as vsc_target_open(): the backend's open, VMCOREINFO's facts, translation */
	err = t->ops->open(t, "fuzz");
	if (!err)
		err = vsc_target_info_from_vmcoreinfo(t);
	if (err)
		goto fail;
	err = t->ops->translation_init(t);
	if (err)
		goto fail;
	t->info.paging_levels = t->levels;
	if (fuzz_symtab_from_vmcoreinfo(t))
		goto fail;
	if (vsc_symbol_exists(t, "page_offset_base")) {
		err = vsc_symbol_address(t, "page_offset_base", &sym);
		if (!err)
			err = vsc_read_u64(t, sym, &t->page_offset_base, "page_offset_base");
		vsc_error_destroy(err);
		err = NULL;
	}
	t->info.page_offset_base = t->page_offset_base;
	/* BTF that does not parse leaves the target without types: code must cope */
	if (img->btf_len) {
		err = vsc_btf_types_create(img->btf, img->btf_len, &t->types);
		if (!err)
			t->info.types_source = t->types->description;
		vsc_error_destroy(err);
		err = NULL;
	}
	err = vsc_cpus_init(t);
	if (err)
		goto fail;
	return t;
fail:
	if (getenv("FUZZ_DEBUG") && err)
		fprintf(stderr, "fuzz_dump_target: %s\n", err->message);
	vsc_error_destroy(err);
	vsc_target_destroy(t);
	return NULL;
}

#endif
