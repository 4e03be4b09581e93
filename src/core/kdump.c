// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The only file that includes libkdumpfile.  We use it for what it does best:
 * physical page access with decompression for kdump-compressed files.  ELF
 * dumps are plain: their pages are read here through the PT_LOAD table (see
 * elf_loads_init()).  Virtual address translation is ours (paging.c):
 * libkdumpfile 0.5.1 mis-translates QEMU-written kdump files and KASLR text
 * above 0xffffffffa0000000.
 */
#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <libkdumpfile/kdumpfile.h>

#include "dumpfile.h"

struct vsc_dumpfile {
	kdump_ctx_t *ctx;
	char format[32];
	/* VTDSCOPE_TRACE_PAGES=FILE: record every physical page read (fixture tooling). */
	FILE *trace;
	uint64_t *traced;       /* open-addressing set of page numbers + 1 */
	size_t traced_cap;
	/* ELF: the file data of each PT_LOAD, sorted by physical address */
	int fd;
	struct elf_load *loads;
	size_t nr_loads;
	/* kdump-compressed: the dumpable bitmap, to find and check page descriptors */
	struct diskdump_index *dd;
};

/*
 * A kdump-compressed page is found through its descriptor: the n-th set bit
 * of the dumpable bitmap is the n-th descriptor.  libkdumpfile 0.5.1 trusts
 * the descriptor: a damaged one (a flipped bitmap bit shifts them all, or a
 * size larger than a page) makes it copy past its page buffer (SIGSEGV,
 * found by the damage campaign).  So each descriptor is checked here, once,
 * before the library reads the page.
 */
struct diskdump_index {
	uint64_t *bits;          /* the dumpable bitmap, max_mapnr bits */
	uint64_t *rank;          /* set bits before word i */
	uint64_t *checked;       /* descriptor already found sound */
	uint64_t nr_words, max_mapnr;
	uint64_t desc_off, file_size;
	uint32_t block_size;
};

/* The part of a PT_LOAD backed by file data: [paddr, paddr + size) at @offset. */
struct elf_load {
	uint64_t paddr, size;
	uint64_t offset;
};

static int cmp_load(const void *a, const void *b)
{
	const struct elf_load *x = a, *y = b;

	return x->paddr < y->paddr ? -1 : x->paddr > y->paddr;
}

/*
 * ELF dumps are read here, not through libkdumpfile.  libkdumpfile 0.5.1
 * dereferences NULL reading a page that a PT_LOAD's file data covers only in
 * part (p_filesz 0xfdd, found by fuzzing), and reading the page right below
 * any PT_LOAD that follows a gap (every dump with holes: makedumpfile -E
 * output with excluded pages, the synthetic dumps).  Memory past p_filesz
 * (up to p_memsz) was excluded when the dump was written: not in the dump,
 * never zeroes.  Segments are trusted no further than the file: one whose
 * data lies past the end of the file reads as not in the dump (a dump cut
 * short), and the loop over them is bounded by e_phnum.
 */
static struct vsc_error *elf_loads_init(struct vsc_dumpfile *df, int fd)
{
	Elf64_Ehdr eh;
	struct stat st;

	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) || fstat(fd, &st) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_phentsize != sizeof(Elf64_Phdr))
		return vsc_error_create(VSC_ERR_FORMAT, "ELF program headers unreadable");
	df->loads = calloc(eh.e_phnum ? eh.e_phnum : 1, sizeof(*df->loads));
	if (!df->loads)
		return &vsc_error_nomem;
	for (unsigned int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		uint64_t size;

		if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * sizeof(ph))) !=
		    (ssize_t)sizeof(ph))
			break;
		if (ph.p_type != PT_LOAD || !ph.p_filesz || ph.p_offset >= (uint64_t)st.st_size)
			continue;
		size = ph.p_filesz;
		if (ph.p_paddr + size < ph.p_paddr)     /* wraps */
			continue;
		df->loads[df->nr_loads++] = (struct elf_load){ ph.p_paddr, size, ph.p_offset };
	}
	if (df->nr_loads > 1)
		qsort(df->loads, df->nr_loads, sizeof(*df->loads), cmp_load);
	df->fd = fd;
	return NULL;
}

/* The segment holding @paddr, or NULL (the last one starting at or below it, if it reaches). */
static const struct elf_load *elf_load_at(const struct vsc_dumpfile *df, uint64_t paddr)
{
	size_t lo = 0, hi = df->nr_loads;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (df->loads[mid].paddr <= paddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* overlapping segments: the nearest start below wins, earlier ones are tried too */
	for (size_t i = lo; i-- > 0;) {
		const struct elf_load *l = &df->loads[i];

		if (paddr - l->paddr < l->size)
			return l;
		if (lo - i > 8)
			break;
	}
	return NULL;
}

static struct vsc_error *elf_read_phys(struct vsc_dumpfile *df, uint64_t paddr, void *buf,
				       size_t len)
{
	uint8_t *p = buf;

	while (len) {
		const struct elf_load *l = elf_load_at(df, paddr);
		uint64_t in, run;
		ssize_t got;

		if (!l)
			return vsc_error_create(VSC_ERR_NODATA, "physical page 0x%llx not in dump",
						(unsigned long long)(paddr & ~0xfffULL));
		in = paddr - l->paddr;
		run = l->size - in < len ? l->size - in : len;
		do
			got = pread(df->fd, p, run, (off_t)(l->offset + in));
		while (got < 0 && errno == EINTR);
		if (got < 0)
			return vsc_error_create(VSC_ERR_IO, "reading physical page 0x%llx: %s",
						(unsigned long long)(paddr & ~0xfffULL),
						strerror(errno));
		if ((uint64_t)got < run)
			return vsc_error_create(VSC_ERR_NODATA, "physical page 0x%llx not in dump "
						"(past the end of the file: the dump is cut short)",
						(unsigned long long)((paddr + (uint64_t)got) & ~0xfffULL));
		p += run;
		paddr += run;
		len -= run;
	}
	return NULL;
}

static void diskdump_index_free(struct diskdump_index *dd)
{
	if (!dd)
		return;
	free(dd->bits);
	free(dd->rank);
	free(dd->checked);
	free(dd);
}

/* NULL when the bitmap is too large to keep (then the library alone reads). */
static struct vsc_error *diskdump_index_init(struct vsc_dumpfile *df, int fd)
{
	unsigned char hdr[512], sub[128];
	int32_t version, block_size;
	uint32_t sub_blocks, bitmap_blocks, mapnr32;
	uint64_t half, bytes;
	struct diskdump_index *dd;
	struct stat st;

	if (pread(fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr) || fstat(fd, &st))
		return vsc_error_create(VSC_ERR_FORMAT, "kdump header unreadable");
	memcpy(&version, hdr + DISKDUMP_HEADER_VERSION_OFF, 4);
	memcpy(&block_size, hdr + DISKDUMP_BLOCK_SIZE_OFF, 4);
	memcpy(&sub_blocks, hdr + DISKDUMP_SUB_HDR_SIZE_OFF, 4);
	memcpy(&bitmap_blocks, hdr + DISKDUMP_BITMAP_BLOCKS_OFF, 4);
	memcpy(&mapnr32, hdr + DISKDUMP_MAX_MAPNR_OFF, 4);
	if (block_size <= 0 || pread(fd, sub, sizeof(sub), block_size) != (ssize_t)sizeof(sub))
		return vsc_error_create(VSC_ERR_FORMAT, "kdump sub-header unreadable");
	half = (uint64_t)bitmap_blocks * (uint64_t)block_size / 2;
	if (!half || half > MAX_BITMAP_CHECK)
		return NULL;
	dd = calloc(1, sizeof(*dd));
	if (!dd)
		return &vsc_error_nomem;
	memcpy(&dd->max_mapnr, sub + SUBHDR_MAX_MAPNR_64, 8);
	if (version < 6)
		dd->max_mapnr = mapnr32;
	if (dd->max_mapnr > half * 8)
		dd->max_mapnr = half * 8;       /* bits the bitmap really has */
	dd->block_size = (uint32_t)block_size;
	dd->desc_off = (1 + (uint64_t)sub_blocks + bitmap_blocks) * (uint64_t)block_size;
	dd->file_size = (uint64_t)st.st_size;
	dd->nr_words = (dd->max_mapnr + 63) / 64;
	bytes = dd->nr_words * 8;
	dd->bits = calloc(dd->nr_words + 1, 8);
	dd->rank = calloc(dd->nr_words + 1, 8);
	dd->checked = calloc(dd->nr_words + 1, 8);
	if (!dd->bits || !dd->rank || !dd->checked) {
		diskdump_index_free(dd);
		return &vsc_error_nomem;
	}
	if (pread(fd, dd->bits, bytes < half ? bytes : half,
		  (off_t)((1 + (uint64_t)sub_blocks) * (uint64_t)block_size + half)) < 0) {
		diskdump_index_free(dd);
		return vsc_error_create(VSC_ERR_FORMAT, "kdump page bitmap unreadable");
	}
	if (dd->max_mapnr % 64)
		dd->bits[dd->nr_words - 1] &= (1ULL << (dd->max_mapnr % 64)) - 1;
	for (uint64_t i = 0; i < dd->nr_words; i++)
		dd->rank[i + 1] = dd->rank[i] + (uint64_t)__builtin_popcountll(dd->bits[i]);
	df->dd = dd;
	return NULL;
}

/* Compression flags of struct page_desc (makedumpfile diskdump_mod.h). */
#define DUMP_DH_COMPRESSED_ZLIB   0x1
#define DUMP_DH_COMPRESSED_LZO    0x2
#define DUMP_DH_COMPRESSED_SNAPPY 0x4
#define DUMP_DH_COMPRESSED_ZSTD   0x20

/* Is the descriptor of page @pfn one libkdumpfile can read safely?  NULL if so. */
static struct vsc_error *diskdump_check(struct vsc_dumpfile *df, uint64_t pfn)
{
	struct diskdump_index *dd = df->dd;
	uint64_t w = pfn / 64, bit = 1ULL << (pfn % 64), idx, off;
	unsigned char desc[PAGE_DESC_SIZE];
	uint32_t size, flags;

	if (pfn >= dd->max_mapnr || !(dd->bits[w] & bit))
		return vsc_error_create(VSC_ERR_NODATA, "physical page 0x%llx not in dump",
					(unsigned long long)(pfn << 12));
	if (dd->checked[w] & bit)
		return NULL;
	idx = dd->rank[w] + (uint64_t)__builtin_popcountll(dd->bits[w] & (bit - 1));
	off = dd->desc_off + idx * PAGE_DESC_SIZE;
	if (off + PAGE_DESC_SIZE > dd->file_size ||
	    pread(df->fd, desc, sizeof(desc), (off_t)off) != (ssize_t)sizeof(desc))
		return vsc_error_create(VSC_ERR_NODATA, "physical page 0x%llx not in dump "
					"(its descriptor lies past the end of the file: the dump is "
					"cut short)", (unsigned long long)(pfn << 12));
	memcpy(&off, desc, 8);
	memcpy(&size, desc + 8, 4);
	memcpy(&flags, desc + 12, 4);
	if (!size || size > dd->block_size ||
	    (!(flags & (DUMP_DH_COMPRESSED_ZLIB | DUMP_DH_COMPRESSED_LZO |
			DUMP_DH_COMPRESSED_SNAPPY | DUMP_DH_COMPRESSED_ZSTD)) &&
	     size != dd->block_size))
		return vsc_error_create(VSC_ERR_CORRUPT, "physical page 0x%llx: damaged page "
					"descriptor (%u bytes, flags 0x%x)",
					(unsigned long long)(pfn << 12), size, flags);
	if (off < dd->desc_off || off > dd->file_size || size > dd->file_size - off)
		return vsc_error_create(VSC_ERR_NODATA, "physical page 0x%llx not in dump "
					"(its data lies past the end of the file: the dump is cut "
					"short)", (unsigned long long)(pfn << 12));
	dd->checked[w] |= bit;
	return NULL;
}

static void trace_page(struct vsc_dumpfile *df, uint64_t pfn)
{
	size_t h;

	if (!df->traced)
		return;
	h = (size_t)(pfn * 0x9E3779B97F4A7C15ULL) & (df->traced_cap - 1);
	for (size_t n = 0; n < df->traced_cap; n++, h = (h + 1) & (df->traced_cap - 1)) {
		if (df->traced[h] == pfn + 1)
			return;
		if (!df->traced[h]) {
			df->traced[h] = pfn + 1;
			fprintf(df->trace, "0x%llx\n", (unsigned long long)(pfn << 12));
			return;
		}
	}
}

static struct vsc_error *kdump_error(kdump_ctx_t *ctx, kdump_status st, const char *what)
{
	enum vsc_error_kind kind = VSC_ERR_FORMAT;
	const char *msg = ctx ? kdump_get_err(ctx) : NULL;

	if (st == KDUMP_ERR_NODATA)
		kind = VSC_ERR_NODATA;
	else if (st == KDUMP_ERR_SYSTEM)
		kind = VSC_ERR_IO;
	return vsc_error_create(kind, "%s: %s", what, msg ? msg : kdump_strerror(st));
}

struct vsc_error *vsc_dumpfile_open(const char *path, int fd, struct vsc_dumpfile **out)
{
	struct vsc_dumpfile *df = calloc(1, sizeof(*df));
	const char *fmt = NULL;
	kdump_status st;

	if (!df)
		return &vsc_error_nomem;
	df->ctx = kdump_new();
	if (!df->ctx) {
		free(df);
		return &vsc_error_nomem;
	}
	/* read(2), not mmap: a file cut short must give an error, never SIGBUS. */
	kdump_set_number_attr(df->ctx, KDUMP_ATTR_FILE_MMAP_POLICY, KDUMP_MMAP_NEVER);
	/* Notes are parsed by us; tell the library the architecture up front. */
	kdump_set_string_attr(df->ctx, KDUMP_ATTR_ARCH_NAME, "x86_64");
	st = kdump_open_fd(df->ctx, fd);
	if (st != KDUMP_OK) {
		struct vsc_error *err = kdump_error(df->ctx, st, "not a dump libkdumpfile can read");

		vsc_dumpfile_destroy(df);
		return err;
	}
	/* Filtered pages must be errors, never silent zeroes. */
	kdump_set_number_attr(df->ctx, KDUMP_ATTR_ZERO_EXCLUDED, 0);
	if (getenv("VTDSCOPE_TRACE_PAGES")) {
		df->trace = fopen(getenv("VTDSCOPE_TRACE_PAGES"), "a");
		/* whole lines: another open of a dump in this process appends to the same file */
		if (df->trace)
			setvbuf(df->trace, NULL, _IOLBF, 0);
		df->traced_cap = 1u << 20;
		df->traced = df->trace ? calloc(df->traced_cap, sizeof(uint64_t)) : NULL;
	}
	if (kdump_get_string_attr(df->ctx, KDUMP_ATTR_FILE_FORMAT, &fmt) == KDUMP_OK && fmt)
		snprintf(df->format, sizeof(df->format), "%s", fmt);
	else
		snprintf(df->format, sizeof(df->format), "unknown");
	if (!strcmp(df->format, "diskdump"))
		snprintf(df->format, sizeof(df->format), "kdump-compressed");
	if (!strcmp(df->format, "elf") || !strcmp(df->format, "kdump-compressed")) {
		struct vsc_error *err = !strcmp(df->format, "elf") ? elf_loads_init(df, fd)
								  : diskdump_index_init(df, fd);

		if (err) {
			vsc_dumpfile_destroy(df);
			return err;
		}
		df->fd = fd;
	}
	*out = df;
	return NULL;
}

void vsc_dumpfile_destroy(struct vsc_dumpfile *df)
{
	if (!df)
		return;
	/*
	 * libkdumpfile 0.5.1 (Debian 12) touches freed memory in here for every
	 * kdump-compressed file, however it is opened.  attr_dict_free() frees
	 * the attribute tree first, then runs the format's attr_cleanup hook.
	 * diskdump_attr_cleanup() then removes its overrides from arch.page_size
	 * and memory.pagemap, which are already freed: one 8-byte read and one
	 * write of attr_data.template in each 56-byte block.  ELF dumps have no
	 * such hook.  Upstream commit 97c716a ("Run attribute cleanup hooks
	 * before deallocating attributes", 0.5.2) fixes it.
	 *
	 * No use of the API avoids it.  The attributes we set make no difference,
	 * attribute references do not pin attributes in 0.5.1, and with a clone
	 * the last free still reads the freed blocks.  Skipping kdump_free()
	 * would leak the whole context, about 8 MB per dump.  So we keep the
	 * call.  The access is harmless in practice: we are single-threaded,
	 * nothing is allocated between the free and the access, and
	 * vsc_target_destroy() releases the dump before everything allocated
	 * after it, so the heap cannot shrink under the freed blocks.
	 * tests/cli/libkdumpfile.supp suppresses exactly this for valgrind.
	 * tests/dumps/test_valgrind.py fails once the suppression is no longer
	 * used: then drop it and this note.
	 */
	if (df->ctx)
		kdump_free(df->ctx);
	if (df->trace)
		fclose(df->trace);
	free(df->traced);
	free(df->loads);
	diskdump_index_free(df->dd);
	free(df);
}

const char *vsc_dumpfile_format(const struct vsc_dumpfile *df)
{
	return df->format;
}

struct vsc_error *vsc_dumpfile_read_phys(struct vsc_dumpfile *df, uint64_t paddr, void *buf,
					 size_t len)
{
	size_t got = len;
	/*
	 * MACHPHYSADDR is a raw physical read.  KPHYSADDR would route through
	 * libaddrxlat's own setup, which fails on QEMU dumps ("Cannot determine
	 * 5-level paging") before it reads anything.
	 */
	kdump_status st;

	if (df->traced && len)
		for (uint64_t p = paddr >> 12; p <= (paddr + len - 1) >> 12; p++)
			trace_page(df, p);
	if (df->loads)
		return elf_read_phys(df, paddr, buf, len);
	for (uint64_t p = paddr >> 12; df->dd && len && p <= (paddr + len - 1) >> 12; p++)
		VSC_TRY(diskdump_check(df, p));
	st = kdump_read(df->ctx, KDUMP_MACHPHYSADDR, paddr, buf, &got);

	if (st == KDUMP_OK && got == len)
		return NULL;
	if (st == KDUMP_ERR_NODATA || (st == KDUMP_OK && got < len)) {
		kdump_clear_err(df->ctx);
		return vsc_error_create(VSC_ERR_NODATA, "physical page 0x%llx not in dump",
					(unsigned long long)((paddr + got) & ~0xfffULL));
	}
	{
		struct vsc_error *err = kdump_error(df->ctx, st, "reading physical memory");

		kdump_clear_err(df->ctx);
		return err;
	}
}
