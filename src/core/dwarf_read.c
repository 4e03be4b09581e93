// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * DWARF 2-5 .debug_info read on demand (see dwarf_read.h for why not
 * libdw): unit headers, abbreviation tables, DIEs and attribute forms.
 *
 * The sections are located once from the ELF section headers.  A unit is
 * known once its header was read (from an offset .debug_aranges gives, or
 * walking the headers one pread each); its bytes and abbreviations are read
 * when a DIE of it is asked for.  .debug_str, .debug_line_str,
 * .debug_str_offsets and .debug_aranges are read whole when first needed
 * (3.6 MB of strings on Debian 6.1, a tenth of that for the rest); sections
 * stored compressed are decompressed whole.
 *
 * Little-endian ELF64 files only (an x86-64 vmlinux).  Not supported, with
 * an error rather than a guess: type units (DW_FORM_ref_sig8), supplementary
 * files (dwz: DW_FORM_GNU_ref_alt, DW_FORM_GNU_strp_alt, DW_FORM_*_sup) and
 * split DWARF.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dwarf.h>

#include "dwarf_read.h"
#include "elf_util.h"

#ifndef DW_FORM_strx1
#define DW_FORM_strx1 0x25
#define DW_FORM_strx2 0x26
#define DW_FORM_strx3 0x27
#define DW_FORM_strx4 0x28
#define DW_FORM_addrx1 0x29
#define DW_FORM_addrx2 0x2a
#define DW_FORM_addrx3 0x2b
#define DW_FORM_addrx4 0x2c
#endif

#define MAX_UNIT_SIZE (1ull << 30)      /* one unit's bytes (Debian's largest: 0.5 MB) */
#define MAX_UNITS (1u << 20)            /* units known (Debian's vmlinux: 2,400) */
#define MAX_ABBREVS (1u << 20)          /* abbreviations in one table */
#define MAX_SPECS (1u << 12)            /* attributes of one abbreviation */
#define MAX_INTEGRATE 8                 /* abstract_origin / specification links */
#define ABBREV_CHUNK 4096               /* first read of a table (Debian's average: 2.3 KB) */
#define NAME_CHUNK 512                  /* first read of a top DIE, for its name */

enum { SEC_INFO, SEC_ABBREV, SEC_STR, SEC_LINE_STR, SEC_STR_OFFSETS, SEC_ARANGES, NSECS };

static const char *const section_names[NSECS] = {
	[SEC_INFO] = ".debug_info",
	[SEC_ABBREV] = ".debug_abbrev",
	[SEC_STR] = ".debug_str",
	[SEC_LINE_STR] = ".debug_line_str",
	[SEC_STR_OFFSETS] = ".debug_str_offsets",
	[SEC_ARANGES] = ".debug_aranges",
};

struct section {
	bool present;
	bool compressed;
	uint64_t offset, size;          /* in the file; size of the contents once loaded */
	unsigned char *mem;             /* the whole contents, once loaded */
	bool tried;                     /* loading failed once: not again */
};

struct spec {
	uint32_t name;
	uint32_t form;
	int64_t implicit;               /* DW_FORM_implicit_const */
	int32_t at;                     /* its value's offset from the first, if every
					   value before it has a fixed size; else -1 */
};

struct vsc_dwr_abbrev {
	uint64_t code;
	uint32_t tag;
	bool children;
	uint32_t nspecs;
	const struct spec *specs;
	int32_t size;                   /* of all the values when fixed, else -1 */
};

struct abbrev_table {
	struct vsc_dwr_abbrev *v;       /* sorted by code */
	size_t n;
	struct spec *specs;
};

struct vsc_dwr_unit {
	uint64_t off, end, die_off;     /* header, one past the unit, first DIE */
	uint64_t abbrev_off;
	uint16_t version;
	uint8_t unit_type, addr_size, offset_size;
	unsigned char *buf;             /* bytes [off, end), while read */
	struct abbrev_table *abbrevs;   /* while read */
	bool pinned;                    /* a DIE was handed out: stays read */
	int sob;                        /* DW_AT_str_offsets_base: 0 not looked, 1 known, -1 none */
	uint64_t str_offsets_base;
	char *name;                     /* DW_AT_name of its top DIE, once asked for */
};

struct vsc_dwr {
	char *path;
	int fd;
	struct section sec[NSECS];
	bool supplement;                /* .gnu_debugaltlink or .debug_sup */
	struct vsc_dwr_unit **units;    /* known units, sorted by offset */
	size_t nunits, cap;
	char err[256];
};

static int fail(struct vsc_dwr *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct vsc_dwr *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	return -1;
}

const char *vsc_dwr_errmsg(const struct vsc_dwr *r)
{
	return r->err[0] ? r->err : "no error";
}

/* ---- little-endian numbers and LEB128, bounded by @end ---------------------- */

static uint64_t get_le(const unsigned char *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static bool get_uleb(const unsigned char **pp, const unsigned char *end, uint64_t *out)
{
	const unsigned char *p = *pp;
	uint64_t v = 0;
	unsigned int shift = 0;

	for (;;) {
		if (p >= end)
			return false;
		if (shift < 64)
			v |= (uint64_t)(*p & 0x7f) << shift;
		shift += 7;
		if (!(*p++ & 0x80))
			break;
		if (shift > 70)         /* more than ten bytes: not a 64-bit number */
			return false;
	}
	*pp = p;
	*out = v;
	return true;
}

static bool get_sleb(const unsigned char **pp, const unsigned char *end, int64_t *out)
{
	const unsigned char *p = *pp;
	uint64_t v = 0;
	unsigned int shift = 0;
	unsigned char b;

	do {
		if (p >= end || shift > 70)
			return false;
		b = *p++;
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	if (shift < 64 && (b & 0x40))
		v |= ~0ull << shift;
	*pp = p;
	*out = (int64_t)v;
	return true;
}

/* ---- sections ----------------------------------------------------------------- */

static int pread_full(struct vsc_dwr *r, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(r->fd, (char *)buf + done, len - done, (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return fail(r, "%s: reading %zu bytes at 0x%" PRIx64 ": %s", r->path, len,
				    off, n < 0 ? strerror(errno) : "the file is shorter than its "
				    "section headers say");
		done += (size_t)n;
	}
	return 0;
}

/* Read section @s whole (once). */
static int section_load(struct vsc_dwr *r, int s)
{
	struct section *sec = &r->sec[s];
	struct vsc_error *err;
	void *data;
	size_t size;

	if (sec->mem)
		return 0;
	if (!sec->present || sec->tried)
		return fail(r, "%s: no usable %s section", r->path, section_names[s]);
	sec->tried = true;
	if (sec->compressed) {
		err = vsc_elf_section_copy(r->path, section_names[s], &data, &size);
		if (err) {
			fail(r, "%s", err->message);
			vsc_error_destroy(err);
			return -1;
		}
		sec->mem = data;
		sec->size = size;
		return 0;
	}
	if (sec->size > SIZE_MAX - 1)
		return fail(r, "%s: %s too large", r->path, section_names[s]);
	sec->mem = malloc(sec->size + 1);
	if (!sec->mem)
		return fail(r, "out of memory reading %s", section_names[s]);
	if (pread_full(r, sec->mem, sec->size, sec->offset) < 0) {
		free(sec->mem);
		sec->mem = NULL;
		return -1;
	}
	sec->mem[sec->size] = '\0';     /* string sections: a last string always ends */
	return 0;
}

/* Copy [off, off + len) of section @s into @buf. */
static int section_read(struct vsc_dwr *r, int s, uint64_t off, void *buf, size_t len)
{
	struct section *sec = &r->sec[s];

	if (sec->compressed && section_load(r, s) < 0)
		return -1;
	if (off > sec->size || len > sec->size - off)
		return fail(r, "%s: %zu bytes at 0x%" PRIx64 " lie outside %s (0x%" PRIx64
			    " bytes)", r->path, len, off, section_names[s], sec->size);
	if (sec->mem) {
		memcpy(buf, sec->mem + off, len);
		return 0;
	}
	return pread_full(r, buf, len, sec->offset + off);
}

/* The NUL-terminated string at @off of string section @s. */
static const char *section_string(struct vsc_dwr *r, int s, uint64_t off)
{
	struct section *sec = &r->sec[s];

	if (section_load(r, s) < 0)
		return NULL;
	if (off >= sec->size) {
		fail(r, "string offset 0x%" PRIx64 " lies outside %s", off, section_names[s]);
		return NULL;
	}
	return (const char *)sec->mem + off;    /* terminated: see section_load() */
}

const char *vsc_dwr_strings(struct vsc_dwr *r, size_t *size)
{
	if (!r->sec[SEC_STR].present || section_load(r, SEC_STR) < 0)
		return NULL;
	*size = r->sec[SEC_STR].size;
	return (const char *)r->sec[SEC_STR].mem;
}

const unsigned char *vsc_dwr_aranges(struct vsc_dwr *r, size_t *size)
{
	if (!r->sec[SEC_ARANGES].present || section_load(r, SEC_ARANGES) < 0)
		return NULL;
	*size = r->sec[SEC_ARANGES].size;
	return r->sec[SEC_ARANGES].mem;
}

bool vsc_dwr_has_supplement(const struct vsc_dwr *r)
{
	return r->supplement;
}

/* ---- open / close --------------------------------------------------------------- */

struct vsc_error *vsc_dwr_open(const char *vmlinux, struct vsc_dwr **out)
{
	struct vsc_elf_section secs[NSECS + 2];
	struct vsc_error *err;
	struct vsc_dwr *r;
	bool lsb64 = false;

	for (int i = 0; i < NSECS; i++)
		secs[i] = (struct vsc_elf_section){ .name = section_names[i] };
	secs[NSECS] = (struct vsc_elf_section){ .name = ".gnu_debugaltlink" };
	secs[NSECS + 1] = (struct vsc_elf_section){ .name = ".debug_sup" };
	err = vsc_elf_sections(vmlinux, secs, NSECS + 2, &lsb64);
	if (err)
		return err;
	if (!lsb64)
		return vsc_error_create(VSC_ERR_UNSUPPORTED, "%s: not a little-endian 64-bit ELF "
					"file (an x86-64 vmlinux)", vmlinux);
	if (!secs[SEC_INFO].present || !secs[SEC_ABBREV].present)
		return vsc_error_create(VSC_ERR_FORMAT, "%s: no usable DWARF debug info (no %s)",
					vmlinux, secs[SEC_INFO].present ? ".debug_abbrev" :
					".debug_info");
	r = calloc(1, sizeof(*r));
	if (!r)
		return &vsc_error_nomem;
	r->fd = -1;
	r->path = strdup(vmlinux);
	if (!r->path) {
		vsc_dwr_close(r);
		return &vsc_error_nomem;
	}
	for (int i = 0; i < NSECS; i++)
		r->sec[i] = (struct section){ .present = secs[i].present,
					      .compressed = secs[i].compressed,
					      .offset = secs[i].offset, .size = secs[i].size };
	r->supplement = secs[NSECS].present || secs[NSECS + 1].present;
	r->fd = open(vmlinux, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		err = vsc_error_create(VSC_ERR_IO, "opening %s: %s", vmlinux, strerror(errno));
		vsc_dwr_close(r);
		return err;
	}
	*out = r;
	return NULL;
}

static void unit_forget(struct vsc_dwr_unit *u)
{
	if (u->abbrevs) {
		free(u->abbrevs->v);
		free(u->abbrevs->specs);
		free(u->abbrevs);
		u->abbrevs = NULL;
	}
	free(u->buf);
	u->buf = NULL;
}

void vsc_dwr_close(struct vsc_dwr *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nunits; i++) {
		unit_forget(r->units[i]);
		free(r->units[i]->name);
		free(r->units[i]);
	}
	free(r->units);
	for (int i = 0; i < NSECS; i++)
		free(r->sec[i].mem);
	if (r->fd >= 0)
		close(r->fd);
	free(r->path);
	free(r);
}

/* ---- abbreviations -------------------------------------------------------------- */

static int cmp_abbrev(const void *a, const void *b)
{
	uint64_t x = ((const struct vsc_dwr_abbrev *)a)->code;
	uint64_t y = ((const struct vsc_dwr_abbrev *)b)->code;

	return x < y ? -1 : x > y;
}

/*
 * Parse the table in [p, end).  1: the bytes end before the table does (read
 * more); -1: malformed.
 */
static int abbrev_parse(struct vsc_dwr *r, uint64_t off, const unsigned char *p,
			const unsigned char *end, bool whole, struct abbrev_table *t)
{
	size_t cap = 0, scap = 0, nspecs = 0;
	bool sorted = true;

	for (;;) {
		uint64_t code, tag, name, form;
		struct vsc_dwr_abbrev *a;

		if (!get_uleb(&p, end, &code))
			return whole ? fail(r, "abbreviations at 0x%" PRIx64 " run past "
					    ".debug_abbrev", off) : 1;
		if (!code)
			break;
		if (t->n == MAX_ABBREVS)
			return fail(r, "abbreviations at 0x%" PRIx64 ": more than %u", off,
				    MAX_ABBREVS);
		if (t->n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			void *n = realloc(t->v, ncap * sizeof(*t->v));

			if (!n)
				return fail(r, "out of memory reading abbreviations");
			t->v = n;
			cap = ncap;
		}
		a = &t->v[t->n];
		if (!get_uleb(&p, end, &tag) || p >= end)
			return whole ? fail(r, "abbreviation %" PRIu64 " at 0x%" PRIx64 " is cut "
					    "short", code, off) : 1;
		*a = (struct vsc_dwr_abbrev){ .code = code, .tag = (uint32_t)tag,
					      .children = *p++ != 0, .size = -1 };
		/* specs are linked to their abbreviation when the table is complete */
		a->specs = (const struct spec *)(uintptr_t)nspecs;
		for (;;) {
			int64_t implicit = 0;

			if (!get_uleb(&p, end, &name) || !get_uleb(&p, end, &form))
				return whole ? fail(r, "abbreviation %" PRIu64 " at 0x%" PRIx64
						    " is cut short", code, off) : 1;
			if (!name && !form)
				break;
			if (form == DW_FORM_implicit_const && !get_sleb(&p, end, &implicit))
				return whole ? fail(r, "abbreviation %" PRIu64 " at 0x%" PRIx64
						    " is cut short", code, off) : 1;
			if (a->nspecs == MAX_SPECS || name > UINT32_MAX || form > UINT32_MAX)
				return fail(r, "abbreviation %" PRIu64 " at 0x%" PRIx64 " is "
					    "corrupt", code, off);
			if (nspecs == scap) {
				size_t ncap = scap ? scap * 2 : 256;
				void *n = realloc(t->specs, ncap * sizeof(*t->specs));

				if (!n)
					return fail(r, "out of memory reading abbreviations");
				t->specs = n;
				scap = ncap;
			}
			t->specs[nspecs++] = (struct spec){ .name = (uint32_t)name,
							    .form = (uint32_t)form,
							    .implicit = implicit, .at = -1 };
			a->nspecs++;
		}
		if (t->n && t->v[t->n - 1].code >= code)
			sorted = false;
		t->n++;
	}
	for (size_t i = 0; i < t->n; i++)     /* no specs at all: t->specs is NULL */
		t->v[i].specs = t->specs ? t->specs + (uintptr_t)t->v[i].specs : NULL;
	if (!sorted && t->n > 1)
		qsort(t->v, t->n, sizeof(*t->v), cmp_abbrev);
	for (size_t i = 1; i < t->n; i++)
		if (t->v[i].code == t->v[i - 1].code)
			return fail(r, "abbreviations at 0x%" PRIx64 ": code %" PRIu64 " twice",
				    off, t->v[i].code);
	return 0;
}

static void table_free(struct abbrev_table *t)
{
	if (!t)
		return;
	free(t->v);
	free(t->specs);
	free(t);
}

/* The abbreviation table at @off of .debug_abbrev (read in growing chunks). */
static int abbrev_read(struct vsc_dwr *r, uint64_t off, struct abbrev_table **out)
{
	const struct section *sec = &r->sec[SEC_ABBREV];
	size_t chunk = ABBREV_CHUNK;
	unsigned char *buf = NULL;

	if (sec->compressed && section_load(r, SEC_ABBREV) < 0)
		return -1;
	if (off >= sec->size)
		return fail(r, "abbreviation offset 0x%" PRIx64 " lies outside .debug_abbrev", off);
	for (;;) {
		struct abbrev_table *t = calloc(1, sizeof(*t));
		bool whole = chunk >= sec->size - off;
		void *n;
		int res;

		if (whole)
			chunk = (size_t)(sec->size - off);
		n = realloc(buf, chunk);
		if (!t || !n) {
			free(t);
			free(n ? n : buf);
			return fail(r, "out of memory reading abbreviations");
		}
		buf = n;
		res = section_read(r, SEC_ABBREV, off, buf, chunk);
		if (res == 0)
			res = abbrev_parse(r, off, buf, buf + chunk, whole, t);
		if (res == 0) {
			free(buf);
			*out = t;
			return 0;
		}
		table_free(t);
		if (res < 0) {
			free(buf);
			return -1;
		}
		chunk *= 4;
	}
}

static const struct vsc_dwr_abbrev *abbrev_find(const struct abbrev_table *t, uint64_t code)
{
	size_t lo = 0, hi = t->n;

	/* GCC numbers them 1, 2, 3, ... */
	if (code && code <= t->n && t->v[code - 1].code == code)
		return &t->v[code - 1];
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->v[mid].code < code)
			lo = mid + 1;
		else if (t->v[mid].code > code)
			hi = mid;
		else
			return &t->v[mid];
	}
	return NULL;
}

/* ---- units ---------------------------------------------------------------------- */

/* Index of the last known unit starting at or before @off, or -1. */
static ptrdiff_t unit_floor(const struct vsc_dwr *r, uint64_t off)
{
	size_t lo = 0, hi = r->nunits;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->units[mid]->off <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (ptrdiff_t)lo - 1;
}

int vsc_dwr_unit_at(struct vsc_dwr *r, uint64_t off, struct vsc_dwr_unit **out)
{
	const uint64_t size = r->sec[SEC_INFO].size;
	unsigned char h[40];
	const unsigned char *p = h, *end;
	struct vsc_dwr_unit hdr = { .off = off, .offset_size = 4 }, *u;
	ptrdiff_t at = unit_floor(r, off);
	uint64_t len;
	size_t n;

	if (at >= 0 && r->units[at]->off == off) {
		*out = r->units[at];
		return 0;
	}
	if (r->sec[SEC_INFO].compressed && section_load(r, SEC_INFO) < 0)
		return -1;
	if (off >= size) {
		if (off == size)
			return 1;
		return fail(r, "unit offset 0x%" PRIx64 " lies outside .debug_info", off);
	}
	n = size - off < sizeof(h) ? (size_t)(size - off) : sizeof(h);
	if (section_read(r, SEC_INFO, off, h, n) < 0)
		return -1;
	end = h + n;
	if (n < 4)
		goto short_header;
	len = get_le(p, 4);
	p += 4;
	if (len == 0xffffffff) {
		if (end - p < 8)
			goto short_header;
		len = get_le(p, 8);
		p += 8;
		hdr.offset_size = 8;
	} else if (len >= 0xfffffff0) {
		return fail(r, "unit at 0x%" PRIx64 ": reserved length 0x%" PRIx64, off, len);
	}
	if (len > size - off - (uint64_t)(p - h) || len > MAX_UNIT_SIZE)
		return fail(r, "unit at 0x%" PRIx64 ": length 0x%" PRIx64 " runs past .debug_info",
			    off, len);
	hdr.end = off + (uint64_t)(p - h) + len;
	if (end - p < 2)
		goto short_header;
	hdr.version = (uint16_t)get_le(p, 2);
	p += 2;
	if (hdr.version < 2 || hdr.version > 5)
		return fail(r, "unit at 0x%" PRIx64 ": DWARF version %u", off, hdr.version);
	if (hdr.version >= 5) {
		if (end - p < 2 + hdr.offset_size)
			goto short_header;
		hdr.unit_type = p[0];
		hdr.addr_size = p[1];
		hdr.abbrev_off = get_le(p + 2, hdr.offset_size);
		p += 2 + hdr.offset_size;
		if (hdr.unit_type != DW_UT_compile && hdr.unit_type != DW_UT_partial)
			return fail(r, "unit at 0x%" PRIx64 ": unit type 0x%x (type units and "
				    "split DWARF are not supported)", off, hdr.unit_type);
	} else {
		if (end - p < hdr.offset_size + 1)
			goto short_header;
		hdr.abbrev_off = get_le(p, hdr.offset_size);
		hdr.addr_size = p[hdr.offset_size];
		hdr.unit_type = DW_UT_compile;
		p += hdr.offset_size + 1;
	}
	if (hdr.addr_size != 4 && hdr.addr_size != 8)
		return fail(r, "unit at 0x%" PRIx64 ": address size %u", off, hdr.addr_size);
	hdr.die_off = off + (uint64_t)(p - h);
	if (hdr.die_off >= hdr.end)
		return fail(r, "unit at 0x%" PRIx64 " has no entries", off);
	/* the new unit must not overlap its neighbours (a hostile length) */
	if ((at >= 0 && r->units[at]->end > off) ||
	    ((size_t)(at + 1) < r->nunits && r->units[at + 1]->off < hdr.end))
		return fail(r, "unit at 0x%" PRIx64 " overlaps another unit", off);
	if (r->nunits == MAX_UNITS)
		return fail(r, "more than %u units in .debug_info", MAX_UNITS);
	if (r->nunits == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 256;
		void *nu = realloc(r->units, ncap * sizeof(*r->units));

		if (!nu)
			return fail(r, "out of memory");
		r->units = nu;
		r->cap = ncap;
	}
	u = malloc(sizeof(*u));
	if (!u)
		return fail(r, "out of memory");
	*u = hdr;
	memmove(&r->units[at + 2], &r->units[at + 1],
		(r->nunits - (size_t)(at + 1)) * sizeof(*r->units));
	r->units[at + 1] = u;
	r->nunits++;
	*out = u;
	return 0;
short_header:
	return fail(r, "unit at 0x%" PRIx64 ": header cut short", off);
}

uint64_t vsc_dwr_unit_offset(const struct vsc_dwr_unit *u)
{
	return u->off;
}

uint64_t vsc_dwr_unit_end(const struct vsc_dwr_unit *u)
{
	return u->end;
}

uint8_t vsc_dwr_unit_addr_size(const struct vsc_dwr_unit *u)
{
	return u->addr_size;
}

/* The known or newly read unit that holds @off (walking headers from the nearest known one). */
static int unit_containing(struct vsc_dwr *r, uint64_t off, struct vsc_dwr_unit **out)
{
	ptrdiff_t at = unit_floor(r, off);
	uint64_t next = 0;

	if (at >= 0) {
		if (off < r->units[at]->end) {
			*out = r->units[at];
			return 0;
		}
		next = r->units[at]->end;
	}
	while (next <= off) {
		struct vsc_dwr_unit *u;
		int res = vsc_dwr_unit_at(r, next, &u);

		if (res)
			return res < 0 ? -1 : fail(r, "offset 0x%" PRIx64 " lies outside "
						   ".debug_info", off);
		if (off < u->end) {
			*out = u;
			return 0;
		}
		next = u->end;
	}
	return fail(r, "offset 0x%" PRIx64 " lies in no unit", off);
}

/* Bytes of a value of @form in unit @u, or 0 when its size varies (or it has none). */
static unsigned int fixed_size(const struct vsc_dwr_unit *u, uint32_t form)
{
	switch (form) {
	case DW_FORM_addr:
		return u->addr_size;
	case DW_FORM_data1:
	case DW_FORM_ref1:
	case DW_FORM_flag:
	case DW_FORM_strx1:
	case DW_FORM_addrx1:
		return 1;
	case DW_FORM_data2:
	case DW_FORM_ref2:
	case DW_FORM_strx2:
	case DW_FORM_addrx2:
		return 2;
	case DW_FORM_strx3:
	case DW_FORM_addrx3:
		return 3;
	case DW_FORM_data4:
	case DW_FORM_ref4:
	case DW_FORM_ref_sup4:
	case DW_FORM_strx4:
	case DW_FORM_addrx4:
		return 4;
	case DW_FORM_data8:
	case DW_FORM_ref8:
	case DW_FORM_ref_sig8:
	case DW_FORM_ref_sup8:
		return 8;
	case DW_FORM_data16:
		return 16;
	case DW_FORM_strp:
	case DW_FORM_line_strp:
	case DW_FORM_sec_offset:
	case DW_FORM_strp_sup:
	case DW_FORM_GNU_ref_alt:
	case DW_FORM_GNU_strp_alt:
		return u->offset_size;
	case DW_FORM_ref_addr:
		return u->version == 2 ? u->addr_size : u->offset_size;
	default:
		return 0;
	}
}

/*
 * Where each attribute value lies, as long as the values before it have
 * fixed sizes in @u (GCC's abbreviations mostly do): attribute lookups and
 * skipping a DIE then need no decoding of the values before.
 */
static void abbrev_layout(const struct vsc_dwr_unit *u, struct abbrev_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		struct vsc_dwr_abbrev *a = &t->v[i];
		struct spec *sp = (struct spec *)a->specs;
		int32_t at = 0;

		for (uint32_t k = 0; k < a->nspecs && at >= 0; k++) {
			unsigned int n = fixed_size(u, sp[k].form);

			sp[k].at = at;
			if (n)
				at += (int32_t)n;
			else if (sp[k].form != DW_FORM_flag_present &&
				 sp[k].form != DW_FORM_implicit_const)
				at = -1;
		}
		a->size = at;
	}
}

/* Read @u's bytes and abbreviations. */
static int unit_read(struct vsc_dwr *r, struct vsc_dwr_unit *u)
{
	if (u->buf)
		return 0;
	if (!u->abbrevs) {
		if (abbrev_read(r, u->abbrev_off, &u->abbrevs) < 0)
			return -1;
		abbrev_layout(u, u->abbrevs);
	}
	u->buf = malloc(u->end - u->off);
	if (!u->buf)
		return fail(r, "out of memory reading the unit at 0x%" PRIx64, u->off);
	if (section_read(r, SEC_INFO, u->off, u->buf, u->end - u->off) < 0) {
		unit_forget(u);
		return -1;
	}
	return 0;
}

void vsc_dwr_unit_release(struct vsc_dwr *r, struct vsc_dwr_unit *u)
{
	(void)r;
	if (!u->pinned)
		unit_forget(u);
}

/* ---- attribute values ----------------------------------------------------------- */

/*
 * Decode the value of @form at *@pp, below @end, into @a (value, block);
 * *@pp moves past it.  -1 when malformed or a form we cannot read.
 */
static int form_value(struct vsc_dwr *r, const struct vsc_dwr_unit *u, uint32_t form,
		      int64_t implicit, const unsigned char **pp, const unsigned char *end,
		      struct vsc_dwr_attr *a)
{
	const unsigned char *p = *pp;
	size_t fixed = 0;
	uint64_t v;
	int64_t s;

	a->form = form;
	a->block = NULL;
	a->value = 0;
	switch (form) {
	case DW_FORM_flag_present:
		a->value = 1;
		break;
	case DW_FORM_implicit_const:
		a->value = (uint64_t)implicit;
		break;
	case DW_FORM_addr:
		fixed = u->addr_size;
		break;
	case DW_FORM_data1:
	case DW_FORM_ref1:
	case DW_FORM_flag:
	case DW_FORM_strx1:
	case DW_FORM_addrx1:
		fixed = 1;
		break;
	case DW_FORM_data2:
	case DW_FORM_ref2:
	case DW_FORM_strx2:
	case DW_FORM_addrx2:
		fixed = 2;
		break;
	case DW_FORM_strx3:
	case DW_FORM_addrx3:
		fixed = 3;
		break;
	case DW_FORM_data4:
	case DW_FORM_ref4:
	case DW_FORM_ref_sup4:
	case DW_FORM_strx4:
	case DW_FORM_addrx4:
		fixed = 4;
		break;
	case DW_FORM_data8:
	case DW_FORM_ref8:
	case DW_FORM_ref_sig8:
	case DW_FORM_ref_sup8:
		fixed = 8;
		break;
	case DW_FORM_strp:
	case DW_FORM_line_strp:
	case DW_FORM_sec_offset:
	case DW_FORM_strp_sup:
	case DW_FORM_GNU_ref_alt:
	case DW_FORM_GNU_strp_alt:
		fixed = u->offset_size;
		break;
	case DW_FORM_ref_addr:
		fixed = u->version == 2 ? u->addr_size : u->offset_size;
		break;
	case DW_FORM_data16:
		if (end - p < 16)
			goto short_value;
		a->block = p;
		a->value = 16;
		p += 16;
		break;
	case DW_FORM_sdata:
		if (!get_sleb(&p, end, &s))
			goto short_value;
		a->value = (uint64_t)s;
		break;
	case DW_FORM_udata:
	case DW_FORM_ref_udata:
	case DW_FORM_strx:
	case DW_FORM_addrx:
	case DW_FORM_loclistx:
	case DW_FORM_rnglistx:
	case DW_FORM_GNU_addr_index:
	case DW_FORM_GNU_str_index:
		if (!get_uleb(&p, end, &a->value))
			goto short_value;
		break;
	case DW_FORM_string: {
		const unsigned char *nul = memchr(p, '\0', (size_t)(end - p));

		if (!nul)
			goto short_value;
		a->block = p;
		a->value = (uint64_t)(nul - p);
		p = nul + 1;
		break;
	}
	case DW_FORM_block1:
	case DW_FORM_block2:
	case DW_FORM_block4:
	case DW_FORM_block:
	case DW_FORM_exprloc:
		if (form == DW_FORM_block1 || form == DW_FORM_block2 || form == DW_FORM_block4) {
			size_t n = form == DW_FORM_block1 ? 1 : form == DW_FORM_block2 ? 2 : 4;

			if ((size_t)(end - p) < n)
				goto short_value;
			v = get_le(p, n);
			p += n;
		} else if (!get_uleb(&p, end, &v)) {
			goto short_value;
		}
		if (v > (uint64_t)(end - p))
			goto short_value;
		a->block = p;
		a->value = v;
		p += v;
		break;
	case DW_FORM_indirect:
		if (!get_uleb(&p, end, &v) || v == DW_FORM_indirect || v > UINT32_MAX)
			goto short_value;
		*pp = p;
		return form_value(r, u, (uint32_t)v, 0, pp, end, a);
	default:
		return fail(r, "unit at 0x%" PRIx64 ": unknown attribute form 0x%x", u->off,
			    form);
	}
	if (fixed) {
		if ((size_t)(end - p) < fixed)
			goto short_value;
		a->value = get_le(p, fixed);
		p += fixed;
	}
	*pp = p;
	return 0;
short_value:
	return fail(r, "unit at 0x%" PRIx64 ": attribute value (form 0x%x) runs past the unit",
		    u->off, form);
}

/* Decode the DIE at @p of read unit @u (a null entry has abbrev NULL). */
static int die_decode(struct vsc_dwr *r, struct vsc_dwr_unit *u, const unsigned char *p,
		      struct vsc_dwr_die *die)
{
	const unsigned char *end = u->buf + (u->end - u->off);
	uint64_t code;

	die->unit = u;
	die->off = u->off + (uint64_t)(p - u->buf);
	if (!get_uleb(&p, end, &code))
		return fail(r, "entry at 0x%" PRIx64 " runs past its unit", die->off);
	die->attrs = p;
	if (!code) {
		die->abbrev = NULL;
		return 0;
	}
	die->abbrev = abbrev_find(u->abbrevs, code);
	if (!die->abbrev)
		return fail(r, "entry at 0x%" PRIx64 ": abbreviation %" PRIu64 " is not defined",
			    die->off, code);
	return 0;
}

/* Where @die's attributes end (its first child, or its next sibling). */
static int attrs_end(struct vsc_dwr *r, const struct vsc_dwr_die *die, const unsigned char **out)
{
	const struct vsc_dwr_unit *u = die->unit;
	const unsigned char *p = die->attrs, *end = u->buf + (u->end - u->off);
	struct vsc_dwr_attr a;

	if (die->abbrev && die->abbrev->size >= 0) {
		if (die->abbrev->size > end - p)
			return fail(r, "entry at 0x%" PRIx64 " runs past its unit", die->off);
		*out = p + die->abbrev->size;
		return 0;
	}
	for (uint32_t i = 0; die->abbrev && i < die->abbrev->nspecs; i++) {
		const struct spec *s = &die->abbrev->specs[i];

		if (form_value(r, u, s->form, s->implicit, &p, end, &a) < 0)
			return -1;
	}
	*out = p;
	return 0;
}

/* ---- DIEs ------------------------------------------------------------------------- */

int vsc_dwr_unit_die(struct vsc_dwr *r, struct vsc_dwr_unit *u, struct vsc_dwr_die *die)
{
	if (unit_read(r, u) < 0 || die_decode(r, u, u->buf + (u->die_off - u->off), die) < 0)
		return -1;
	if (!die->abbrev)
		return fail(r, "unit at 0x%" PRIx64 " starts with a null entry", u->off);
	return 0;
}

int vsc_dwr_offdie(struct vsc_dwr *r, uint64_t off, struct vsc_dwr_die *die)
{
	struct vsc_dwr_unit *u = NULL;

	if (unit_containing(r, off, &u) < 0 || !u)
		return -1;
	if (off < u->die_off)
		return fail(r, "offset 0x%" PRIx64 " is inside the header of the unit at 0x%"
			    PRIx64, off, u->off);
	if (unit_read(r, u) < 0)
		return -1;
	u->pinned = true;
	if (die_decode(r, u, u->buf + (off - u->off), die) < 0)
		return -1;
	if (!die->abbrev)
		return fail(r, "offset 0x%" PRIx64 " is a null entry, not a DIE", off);
	return 0;
}

int vsc_dwr_tag(const struct vsc_dwr_die *die)
{
	return die->abbrev ? (int)die->abbrev->tag : 0;
}

bool vsc_dwr_has_children(const struct vsc_dwr_die *die)
{
	return die->abbrev && die->abbrev->children;
}

int vsc_dwr_child(struct vsc_dwr *r, const struct vsc_dwr_die *die, struct vsc_dwr_die *child)
{
	const unsigned char *p;
	struct vsc_dwr_die c;

	if (!vsc_dwr_has_children(die))
		return 1;
	if (attrs_end(r, die, &p) < 0 || die_decode(r, die->unit, p, &c) < 0)
		return -1;
	if (!c.abbrev)
		return 1;
	*child = c;
	return 0;
}

/* Past @die and everything below it. */
static int skip_subtree(struct vsc_dwr *r, const struct vsc_dwr_die *die, const unsigned char **out)
{
	const unsigned char *p;
	uint64_t depth;

	if (attrs_end(r, die, &p) < 0)
		return -1;
	depth = vsc_dwr_has_children(die);
	/* every step reads at least one byte: the walk ends at the end of the unit */
	while (depth) {
		struct vsc_dwr_die c;

		if (die_decode(r, die->unit, p, &c) < 0)
			return -1;
		if (!c.abbrev) {
			p = c.attrs;
			depth--;
			continue;
		}
		if (attrs_end(r, &c, &p) < 0)
			return -1;
		depth += c.abbrev->children;
	}
	*out = p;
	return 0;
}

int vsc_dwr_sibling(struct vsc_dwr *r, const struct vsc_dwr_die *die, struct vsc_dwr_die *next)
{
	const struct vsc_dwr_unit *u = die->unit;
	const unsigned char *p = NULL;
	struct vsc_dwr_attr a;
	struct vsc_dwr_die n;

	if (!die->abbrev)
		return 1;
	/* DW_AT_sibling skips the children; it must point forward inside the unit */
	if (vsc_dwr_has_children(die) && vsc_dwr_attr(r, die, DW_AT_sibling, &a) &&
	    (a.form == DW_FORM_ref1 || a.form == DW_FORM_ref2 || a.form == DW_FORM_ref4 ||
	     a.form == DW_FORM_ref8 || a.form == DW_FORM_ref_udata) &&
	    a.value < u->end - u->off && u->off + a.value > die->off)
		p = u->buf + a.value;
	if (!p && skip_subtree(r, die, &p) < 0)
		return -1;
	if (p >= u->buf + (u->end - u->off))
		return 1;
	if (die_decode(r, die->unit, p, &n) < 0)
		return -1;
	if (!n.abbrev)
		return 1;
	*next = n;
	return 0;
}

bool vsc_dwr_attr(struct vsc_dwr *r, const struct vsc_dwr_die *die, unsigned int name,
		  struct vsc_dwr_attr *attr)
{
	const struct vsc_dwr_unit *u = die->unit;
	const unsigned char *p = die->attrs, *end;

	if (!die->abbrev)
		return false;
	end = u->buf + (u->end - u->off);
	for (uint32_t i = 0; i < die->abbrev->nspecs; i++) {
		const struct spec *s = &die->abbrev->specs[i];

		if (s->at >= 0) {
			if (s->at > end - die->attrs) {
				fail(r, "entry at 0x%" PRIx64 " runs past its unit", die->off);
				return false;
			}
			p = die->attrs + s->at;
			/* not this one, and the next value's place is known too: no decoding */
			if (s->name != name && (i + 1 == die->abbrev->nspecs || s[1].at >= 0))
				continue;
		}
		if (form_value(r, u, s->form, s->implicit, &p, end, attr) < 0)
			return false;
		if (s->name == name) {
			attr->name = name;
			attr->unit = die->unit;
			attr->die_off = die->off;
			return true;
		}
	}
	return false;
}

bool vsc_dwr_has_attr(struct vsc_dwr *r, const struct vsc_dwr_die *die, unsigned int name)
{
	(void)r;
	for (uint32_t i = 0; die->abbrev && i < die->abbrev->nspecs; i++)
		if (die->abbrev->specs[i].name == name)
			return true;
	return false;
}

bool vsc_dwr_attr_integrate(struct vsc_dwr *r, const struct vsc_dwr_die *die,
			    unsigned int name, struct vsc_dwr_attr *attr)
{
	struct vsc_dwr_die cur = *die, next;

	for (int i = 0; i < MAX_INTEGRATE; i++) {
		struct vsc_dwr_attr link;

		if (vsc_dwr_attr(r, &cur, name, attr))
			return true;
		if (!(vsc_dwr_attr(r, &cur, DW_AT_abstract_origin, &link) ||
		      vsc_dwr_attr(r, &cur, DW_AT_specification, &link)) ||
		    !vsc_dwr_ref_die(r, &link, &next))
			return false;
		cur = next;
	}
	return false;
}

bool vsc_dwr_udata(const struct vsc_dwr_attr *a, uint64_t *v)
{
	switch (a->form) {
	case DW_FORM_data1:
	case DW_FORM_data2:
	case DW_FORM_data4:
	case DW_FORM_data8:
	case DW_FORM_udata:
	case DW_FORM_sdata:
	case DW_FORM_implicit_const:
	case DW_FORM_flag:
	case DW_FORM_flag_present:
		*v = a->value;
		return true;
	default:
		return false;
	}
}

bool vsc_dwr_sdata(const struct vsc_dwr_attr *a, int64_t *v)
{
	switch (a->form) {
	case DW_FORM_data1:
	case DW_FORM_data2:
	case DW_FORM_data4:
	case DW_FORM_data8:
	case DW_FORM_udata:
	case DW_FORM_sdata:
	case DW_FORM_implicit_const:
		*v = (int64_t)a->value;
		return true;
	default:
		return false;
	}
}

bool vsc_dwr_expr_uconst(const struct vsc_dwr_attr *a, uint64_t *v)
{
	const unsigned char *p = a->block, *end;

	if (!p || !a->value || a->form == DW_FORM_string || a->form == DW_FORM_data16)
		return false;
	end = p + a->value;
	if (*p != DW_OP_plus_uconst && *p != DW_OP_constu)
		return false;
	p++;
	return get_uleb(&p, end, v) && p == end;
}

/* The unit's DW_AT_str_offsets_base, for the strx forms. */
static bool str_offsets_base(struct vsc_dwr *r, struct vsc_dwr_unit *u, uint64_t *base)
{
	struct vsc_dwr_die top;
	struct vsc_dwr_attr a;

	if (!u->sob) {
		u->sob = -1;
		if (die_decode(r, u, u->buf + (u->die_off - u->off), &top) == 0 &&
		    vsc_dwr_attr(r, &top, DW_AT_str_offsets_base, &a) &&
		    a.form == DW_FORM_sec_offset) {
			u->str_offsets_base = a.value;
			u->sob = 1;
		}
	}
	*base = u->str_offsets_base;
	return u->sob > 0;
}

const char *vsc_dwr_string(struct vsc_dwr *r, const struct vsc_dwr_attr *a)
{
	struct vsc_dwr_unit *u = a->unit;
	const struct section *so = &r->sec[SEC_STR_OFFSETS];
	unsigned char e[8];
	uint64_t base, where;

	switch (a->form) {
	case DW_FORM_string:
		return (const char *)a->block;
	case DW_FORM_strp:
		return section_string(r, SEC_STR, a->value);
	case DW_FORM_line_strp:
		return section_string(r, SEC_LINE_STR, a->value);
	case DW_FORM_strx:
	case DW_FORM_strx1:
	case DW_FORM_strx2:
	case DW_FORM_strx3:
	case DW_FORM_strx4:
		if (!str_offsets_base(r, u, &base) || a->value > (UINT64_MAX - base) / 8) {
			fail(r, "unit at 0x%" PRIx64 ": a string index without "
			     "DW_AT_str_offsets_base", u->off);
			return NULL;
		}
		where = base + a->value * u->offset_size;
		if (!so->present || section_read(r, SEC_STR_OFFSETS, where, e, u->offset_size) < 0)
			return NULL;
		return section_string(r, SEC_STR, get_le(e, u->offset_size));
	default:
		fail(r, "unit at 0x%" PRIx64 ": string form 0x%x is not supported (a "
		     "supplementary file or split DWARF)", u->off, a->form);
		return NULL;
	}
}

const char *vsc_dwr_name(struct vsc_dwr *r, const struct vsc_dwr_die *die)
{
	struct vsc_dwr_attr a;

	return vsc_dwr_attr(r, die, DW_AT_name, &a) ? vsc_dwr_string(r, &a) : NULL;
}

bool vsc_dwr_ref_die(struct vsc_dwr *r, const struct vsc_dwr_attr *a, struct vsc_dwr_die *die)
{
	const struct vsc_dwr_unit *u = a->unit;
	uint64_t off;

	switch (a->form) {
	case DW_FORM_ref1:
	case DW_FORM_ref2:
	case DW_FORM_ref4:
	case DW_FORM_ref8:
	case DW_FORM_ref_udata:
		if (a->value >= u->end - u->off) {
			fail(r, "entry at 0x%" PRIx64 ": reference 0x%" PRIx64 " lies outside its "
			     "unit", a->die_off, a->value);
			return false;
		}
		off = u->off + a->value;
		break;
	case DW_FORM_ref_addr:
		off = a->value;
		break;
	default:
		fail(r, "entry at 0x%" PRIx64 ": reference form 0x%x is not supported (type units "
		     "or a supplementary file)", a->die_off, a->form);
		return false;
	}
	return vsc_dwr_offdie(r, off, die) == 0;
}

/* ---- unit names without reading the unit ------------------------------------------- */

/*
 * DW_AT_name of the top DIE whose bytes start @buf (@n of them; @whole: all
 * of the unit's).  1: the entry runs past @n bytes, read more.
 */
static int top_name(struct vsc_dwr *r, struct vsc_dwr_unit *u, const struct abbrev_table *t,
		    const unsigned char *buf, size_t n, bool whole, char **out)
{
	const unsigned char *p = buf, *end = buf + n;
	const struct vsc_dwr_abbrev *ab;
	uint64_t code;

	if (!get_uleb(&p, end, &code))
		return whole ? fail(r, "unit at 0x%" PRIx64 ": no top entry", u->off) : 1;
	ab = abbrev_find(t, code);
	if (!ab)
		return fail(r, "unit at 0x%" PRIx64 ": abbreviation %" PRIu64 " is not defined",
			    u->off, code);
	for (uint32_t i = 0; i < ab->nspecs; i++) {
		struct vsc_dwr_attr a = { .unit = u, .die_off = u->die_off };
		const char *name;

		if (form_value(r, u, ab->specs[i].form, ab->specs[i].implicit, &p, end, &a) < 0)
			return whole ? -1 : 1;
		if (ab->specs[i].name != DW_AT_name)
			continue;
		/* a string index needs the unit's str_offsets_base, so the whole unit */
		if (a.form == DW_FORM_strx || a.form == DW_FORM_strx1 || a.form == DW_FORM_strx2 ||
		    a.form == DW_FORM_strx3 || a.form == DW_FORM_strx4)
			name = "";
		else
			name = vsc_dwr_string(r, &a);
		if (!name)
			return -1;
		*out = strdup(name);
		return *out ? 0 : fail(r, "out of memory");
	}
	*out = strdup("");
	return *out ? 0 : fail(r, "out of memory");
}

int vsc_dwr_unit_name(struct vsc_dwr *r, struct vsc_dwr_unit *u, const char **name)
{
	struct abbrev_table *t = u->abbrevs;
	size_t chunk = NAME_CHUNK;
	unsigned char *buf = NULL;
	int res;

	if (u->name) {
		*name = u->name;
		return 0;
	}
	if (!t && abbrev_read(r, u->abbrev_off, &t) < 0)
		return -1;
	for (;;) {
		uint64_t left = u->end - u->die_off;
		bool whole = chunk >= left;
		void *n;

		if (whole)
			chunk = (size_t)left;
		n = realloc(buf, chunk);
		if (!n) {
			res = fail(r, "out of memory");
			break;
		}
		buf = n;
		res = section_read(r, SEC_INFO, u->die_off, buf, chunk);
		if (res == 0)
			res = top_name(r, u, t, buf, chunk, whole, &u->name);
		if (res <= 0)
			break;
		chunk *= 4;
	}
	free(buf);
	if (t != u->abbrevs)
		table_free(t);
	if (res == 0)
		*name = u->name;
	return res;
}
