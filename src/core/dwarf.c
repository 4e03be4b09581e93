// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Type information from a debuginfo vmlinux, read with libdw.  The only file
 * that includes libdw (and libelf through it).
 *
 * Debian's vmlinux-*-dbg carries 170-220 MB of .debug_info in ~2,500 compile
 * units and no name index (.debug_names / .debug_pubtypes), so nothing is
 * indexed up front.  A name is looked for
 *  1. in the index of CUs already scanned;
 *  2. in the CUs a built-in table names for it: the CU of a function that
 *     uses the type (found through .symtab and .debug_aranges, which are
 *     contiguous and cheap to read: qi_submit_sync for struct q_inval), or a
 *     CU by source file name (drivers/iommu/intel/dmar.c);
 *  3. nowhere, if the name does not occur in .debug_str (GCC and clang put
 *     every name of 4+ characters there);
 *  4. in the remaining CUs, in order.
 * Scanning a CU reads its top-level DIEs only and records every named struct,
 * union, enum, typedef, base type and enumerator it defines, so each CU is
 * scanned at most once.  Listing the CUs by name touches every CU header
 * (2,400 scattered pages, 50+ ms), so it happens only when step 2 needs a file
 * name or step 4 runs.
 * Declarations (DW_AT_declaration) never count as definitions; a member whose
 * type is only declared in the CU at hand is completed by name.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <search.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <gelf.h>

#include "elf_util.h"
#include "types_backend.h"

#define MAX_CHAIN 32     /* typedef / modifier links followed before giving up */
#define MAX_NESTING 16   /* anonymous struct/union members searched through */
#define MAX_PATH 16      /* components of a dotted member path */
#define MAX_DIMS 8       /* array dimensions */
#define MAX_VISITS (1u << 20) /* members looked at per path step / describe */

#ifndef DW_TAG_immutable_type
#define DW_TAG_immutable_type 0x4b
#endif

/* Name spaces of the index ("struct X" and a typedef X are different keys). */
enum dw_ns {
	NS_TYPEDEF = 1,
	NS_STRUCT,
	NS_UNION,
	NS_ENUM,
	NS_BASE,
	NS_ENUMERATOR,
	NS_ABSENT, /* in dwarf_types.absent: names .debug_str does not have */
};

struct name_slot {
	const char *name; /* NULL: empty; points into the mapped DWARF */
	uint32_t hash;
	uint32_t ns;
	union {
		Dwarf_Off die;  /* types: global DIE offset */
		int64_t value;  /* NS_ENUMERATOR */
	};
};

struct name_index {
	struct name_slot *slots;
	size_t mask;
	size_t count;
};

struct dw_cu {
	Dwarf_Off die_off;
	const char *name; /* DW_AT_name of the CU DIE, or "" */
	bool scanned;
};

/* A function named by the hint table, and where .symtab puts it. */
struct anchor {
	const char *name;
	uint64_t addr; /* 0: not in .symtab */
	bool global;
};

/* Tables of hints: the engine's first, then each analyzer's, in order added. */
#define MAX_HINT_TABLES 16

struct dwarf_types {
	char *path;
	int fd;
	Dwarf *dw;
	bool big_endian;
	/* the CU list, read on demand */
	struct dw_cu *cus;
	size_t ncus;
	bool have_cus;
	size_t cursor; /* CUs before it have all been scanned by the in-order search */
	Dwarf_Off *early; /* CUs scanned before the list existed (by DIE offset) */
	size_t nearly;
	struct name_index names;
	struct name_index absent; /* names owned (strdup'ed) */
	/* raw sections, NULL when absent or unusable */
	const char *strs; /* .debug_str, for the absence test */
	size_t strs_size;
	const unsigned char *aranges; /* .debug_aranges, when in host byte order */
	size_t aranges_size;
	struct anchor *anchors; /* sorted by name, resolved on first use */
	size_t nanchors;
	bool have_anchors;
	struct { const struct vsc_type_hint *h; size_t n; } hints[MAX_HINT_TABLES];
	size_t nhints;
};

/* A member found by path: absolute bit position, width, and its type. */
struct found_member {
	uint64_t bitpos;
	uint32_t bitsize;
	bool has_type; /* false: void */
	Dwarf_Die type;
};

/*
 * Where to look for a name first.  Keys are bare names (struct, union,
 * typedef and enumerator names alike).  Each place is a function whose CU
 * defines the type (because the function uses it), or, if it contains '/',
 * a source file matched as a suffix of CU names.  A stale hint only costs
 * time: the search goes on in CU order.
 */
#define SCHED "wake_up_process", "kernel/sched/core.c"
#define PRB "prb_reserve", "kernel/printk/printk_ringbuffer.c"
#define QSPIN "native_queued_spin_lock_slowpath", "queued_spin_lock_slowpath", \
	"kernel/locking/qspinlock.c"
#define PCI "pci_scan_slot", "drivers/pci/probe.c"

/* The engine's own types; analyzers add theirs (vsc_types_add_hints()). */
static const struct vsc_type_hint engine_hints[] = {
	{ "task_struct", { SCHED } },
	{ "thread_struct", { SCHED } },
	{ "rq", { SCHED } },
	{ "TASK_COMM_LEN", { SCHED } },
	{ "pt_regs", { "__show_regs", "arch/x86/kernel/process_64.c" } },
	{ "inactive_task_frame", { "copy_thread", "arch/x86/kernel/process.c" } },
	{ "qnode", { QSPIN } },
	{ "mcs_spinlock", { QSPIN } },
	{ "qspinlock", { QSPIN } },
	{ "printk_ringbuffer", { PRB } },
	{ "prb_desc_ring", { PRB } },
	{ "prb_data_ring", { PRB } },
	{ "prb_desc", { PRB } },
	{ "prb_data_blk_lpos", { PRB } },
	{ "printk_info", { PRB } },
	{ "desc_state", { PRB } },
	{ "desc_miss", { PRB } },
	{ "desc_reserved", { PRB } },
	{ "desc_committed", { PRB } },
	{ "desc_finalized", { PRB } },
	{ "desc_reusable", { PRB } },
	{ "pci_dev", { PCI } },
	{ "pci_bus", { PCI } },
	{ "device", { "device_add", "drivers/base/core.c" } },
	{ "module", { "__module_address", "kernel/module/main.c", "kernel/module.c" } },
};

static struct vsc_error *dw_error(const char *what)
{
	return vsc_error_create(VSC_ERR_FORMAT, "%s: %s", what, dwarf_errmsg(-1));
}

/* ---- name index ---------------------------------------------------------- */

static struct name_slot *index_probe(const struct name_index *idx, uint32_t hash, uint32_t ns,
				     const char *name, size_t len)
{
	size_t i = hash & idx->mask;

	for (;;) {
		struct name_slot *s = &idx->slots[i];

		if (!s->name || (s->hash == hash && s->ns == ns &&
				 strncmp(s->name, name, len) == 0 && s->name[len] == '\0'))
			return s;
		i = (i + 1) & idx->mask;
	}
}

static const struct name_slot *index_find(const struct name_index *idx, uint32_t ns,
					  const char *name, size_t len)
{
	const struct name_slot *s;

	if (!idx->slots)
		return NULL;
	s = index_probe(idx, vsc_types_name_hash(name, len, ns), ns, name, len);
	return s->name ? s : NULL;
}

static struct vsc_error *index_grow(struct name_index *idx)
{
	size_t cap = idx->slots ? (idx->mask + 1) * 2 : 4096;
	struct name_slot *old = idx->slots;
	size_t old_cap = old ? idx->mask + 1 : 0;

	idx->slots = calloc(cap, sizeof(*idx->slots));
	if (!idx->slots) {
		idx->slots = old;
		return &vsc_error_nomem;
	}
	idx->mask = cap - 1;
	for (size_t i = 0; i < old_cap; i++) {
		if (old[i].name) {
			size_t j = old[i].hash & idx->mask;

			while (idx->slots[j].name)
				j = (j + 1) & idx->mask;
			idx->slots[j] = old[i];
		}
	}
	free(old);
	return NULL;
}

/* Add (ns, name); the first definition seen wins.  @name must stay mapped. */
static struct vsc_error *index_add(struct name_index *idx, uint32_t ns, const char *name,
				   Dwarf_Off die, int64_t value)
{
	size_t len = strlen(name);
	uint32_t hash = vsc_types_name_hash(name, len, ns);
	struct name_slot *s;

	if (!idx->slots || (idx->count + 1) * 2 > idx->mask + 1)
		VSC_TRY(index_grow(idx));
	s = index_probe(idx, hash, ns, name, len);
	if (s->name)
		return NULL;
	*s = (struct name_slot){ .name = name, .hash = hash, .ns = ns };
	if (ns == NS_ENUMERATOR)
		s->value = value;
	else
		s->die = die;
	idx->count++;
	return NULL;
}

/* ---- compile units ------------------------------------------------------- */

static int cmp_cu(const void *key, const void *elem)
{
	Dwarf_Off off = *(const Dwarf_Off *)key;
	const struct dw_cu *cu = elem;

	return off < cu->die_off ? -1 : off > cu->die_off;
}

static struct dw_cu *cu_by_die(const struct dwarf_types *dt, Dwarf_Off die_off)
{
	if (!dt->ncus)
		return NULL;    /* bsearch(NULL, 0, ...) is undefined */
	return bsearch(&die_off, dt->cus, dt->ncus, sizeof(*dt->cus), cmp_cu);
}

static bool cu_scanned(const struct dwarf_types *dt, Dwarf_Off die_off)
{
	if (dt->have_cus) {
		const struct dw_cu *cu = cu_by_die(dt, die_off);

		return cu && cu->scanned;
	}
	for (size_t i = 0; i < dt->nearly; i++)
		if (dt->early[i] == die_off)
			return true;
	return false;
}

static struct vsc_error *mark_scanned(struct dwarf_types *dt, Dwarf_Off die_off)
{
	Dwarf_Off *n;

	if (dt->have_cus) {
		struct dw_cu *cu = cu_by_die(dt, die_off);

		if (cu)
			cu->scanned = true;
		return NULL;
	}
	n = realloc(dt->early, (dt->nearly + 1) * sizeof(*n));
	if (!n)
		return &vsc_error_nomem;
	dt->early = n;
	dt->early[dt->nearly++] = die_off;
	return NULL;
}

/* List every CU with its name (reads every CU header and top DIE). */
static struct vsc_error *read_cus(struct dwarf_types *dt)
{
	Dwarf_Off off = 0, next;
	size_t hsize, cap = 0;
	int r;

	if (dt->have_cus)
		return NULL;
	while ((r = dwarf_nextcu(dt->dw, off, &next, &hsize, NULL, NULL, NULL)) == 0) {
		Dwarf_Die cudie;
		const char *name = NULL;

		if (dt->ncus == cap) {
			size_t ncap = cap ? cap * 2 : 1024;
			struct dw_cu *n = realloc(dt->cus, ncap * sizeof(*n));

			if (!n)
				return &vsc_error_nomem;
			dt->cus = n;
			cap = ncap;
		}
		if (dwarf_offdie(dt->dw, off + hsize, &cudie))
			name = dwarf_diename(&cudie);
		dt->cus[dt->ncus++] = (struct dw_cu){
			.die_off = off + hsize, .name = name ? name : "",
		};
		off = next;
	}
	if (r < 0)
		return dw_error("reading compile unit headers");
	dt->have_cus = true;
	for (size_t i = 0; i < dt->nearly; i++)
		mark_scanned(dt, dt->early[i]);
	free(dt->early);
	dt->early = NULL;
	dt->nearly = 0;
	return NULL;
}

/* Does CU name @cu (relative or absolute) name source file @file? */
static bool cu_is_file(const char *cu, const char *file)
{
	size_t lc = strlen(cu), lf = strlen(file);

	if (lc < lf || strcmp(cu + lc - lf, file) != 0)
		return false;
	return lc == lf || cu[lc - lf - 1] == '/';
}

static uint64_t sign_extend(uint64_t v, int bits)
{
	if (bits < 64 && (v >> (bits - 1) & 1))
		v |= ~0ull << bits;
	return v;
}

/* Is the enumeration type @e signed?  Unknown counts as signed (C's int). */
static bool enum_is_signed(Dwarf_Die *e)
{
	Dwarf_Attribute a;
	Dwarf_Die base;
	Dwarf_Word enc;

	for (int i = 0; i < MAX_CHAIN; i++) {
		if (!dwarf_attr_integrate(e, DW_AT_type, &a) || !dwarf_formref_die(&a, &base))
			return true;
		if (dwarf_tag(&base) == DW_TAG_base_type)
			break;
		e = &base;
	}
	if (dwarf_tag(&base) != DW_TAG_base_type ||
	    !dwarf_attr(&base, DW_AT_encoding, &a) || dwarf_formudata(&a, &enc) != 0)
		return true;
	return !(enc == DW_ATE_unsigned || enc == DW_ATE_unsigned_char || enc == DW_ATE_boolean);
}

static bool enumerator_value(Dwarf_Die *enumerator, Dwarf_Die *enumeration, int64_t *value)
{
	Dwarf_Attribute a;
	Dwarf_Sword s;
	Dwarf_Word u;
	int bits = 64;

	if (!dwarf_attr(enumerator, DW_AT_const_value, &a))
		return false;
	switch (dwarf_whatform(&a)) {
	case DW_FORM_sdata:
	case DW_FORM_implicit_const:
		if (dwarf_formsdata(&a, &s) != 0)
			return false;
		*value = s;
		return true;
	case DW_FORM_data1:
		bits = 8;
		break;
	case DW_FORM_data2:
		bits = 16;
		break;
	case DW_FORM_data4:
		bits = 32;
		break;
	default:
		break;
	}
	if (dwarf_formudata(&a, &u) != 0)
		return false;
	if (bits < 64 && (u >> (bits - 1) & 1) && enum_is_signed(enumeration))
		u = sign_extend(u, bits);
	*value = (int64_t)u;
	return true;
}

static struct vsc_error *scan_enumerators(struct dwarf_types *dt, Dwarf_Die *e)
{
	Dwarf_Die child;
	int r;

	for (r = dwarf_child(e, &child); r == 0; r = dwarf_siblingof(&child, &child)) {
		const char *name;
		int64_t v;

		if (dwarf_tag(&child) != DW_TAG_enumerator)
			continue;
		name = dwarf_diename(&child);
		if (name && enumerator_value(&child, e, &v))
			VSC_TRY(index_add(&dt->names, NS_ENUMERATOR, name, 0, v));
	}
	return r < 0 ? dw_error("reading enumerators") : NULL;
}

/* The name space a type DIE's name lives in, or -1 for tags that name no type. */
static int ns_of_tag(int tag)
{
	switch (tag) {
	case DW_TAG_structure_type:
		return NS_STRUCT;
	case DW_TAG_union_type:
		return NS_UNION;
	case DW_TAG_enumeration_type:
		return NS_ENUM;
	case DW_TAG_typedef:
		return NS_TYPEDEF;
	case DW_TAG_base_type:
		return NS_BASE;
	default:
		return -1;
	}
}

/* Record every type name the top level of the CU with top DIE @die_off defines. */
static struct vsc_error *scan_cu(struct dwarf_types *dt, Dwarf_Off die_off)
{
	Dwarf_Die cudie, die;
	int r;

	VSC_TRY(mark_scanned(dt, die_off));
	if (!dwarf_offdie(dt->dw, die_off, &cudie))
		return vsc_error_wrap(dw_error("reading compile unit"), "cu at 0x%" PRIx64,
				      (uint64_t)die_off);
	for (r = dwarf_child(&cudie, &die); r == 0; r = dwarf_siblingof(&die, &die)) {
		const char *name;
		int ns = ns_of_tag(dwarf_tag(&die));

		if (ns < 0)
			continue;
		if (dwarf_hasattr(&die, DW_AT_declaration))
			continue;
		if (ns == NS_ENUM)
			VSC_TRY(scan_enumerators(dt, &die));
		name = dwarf_diename(&die);
		if (name)
			VSC_TRY(index_add(&dt->names, ns, name, dwarf_dieoffset(&die), 0));
	}
	if (r < 0)
		return vsc_error_wrap(dw_error("reading top-level entries"), "%s",
				      dwarf_diename(&cudie) ?: "compile unit");
	return NULL;
}

/* The .debug_str absence test: false means "certainly not defined anywhere". */
static bool may_be_defined(const struct dwarf_types *dt, const char *name, size_t len)
{
	const char *p, *end;

	if (!dt->strs || len < 4)
		return true;
	p = dt->strs;
	end = dt->strs + dt->strs_size;
	while ((p = memmem(p, (size_t)(end - p), name, len)) != NULL) {
		if (p + len < end && p[len] == '\0')
			return true;
		p++;
	}
	return false;
}

/* Note the raw sections the fast paths read (nothing is read yet). */
static void find_sections(struct dwarf_types *dt)
{
	static const union {
		uint16_t u16;
		unsigned char c[2];
	} host = { .u16 = 1 };
	Elf *elf = dwarf_getelf(dt->dw);
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	bool alt = false;
	GElf_Ehdr ehdr;

	if (!elf || elf_getshdrstrndx(elf, &shstrndx) != 0 || !gelf_getehdr(elf, &ehdr))
		return;
	dt->big_endian = ehdr.e_ident[EI_DATA] == ELFDATA2MSB;
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr shdr;
		const char *name;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &shdr))
			return;
		name = elf_strptr(elf, shstrndx, shdr.sh_name);
		if (!name || shdr.sh_type == SHT_NOBITS || (shdr.sh_flags & SHF_COMPRESSED))
			continue;
		/* names may live in a supplementary file: no absence test then */
		if (strcmp(name, ".gnu_debugaltlink") == 0 || strcmp(name, ".debug_sup") == 0)
			alt = true;
		if (strcmp(name, ".debug_str") != 0 && strcmp(name, ".debug_aranges") != 0)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data || !data->d_buf || !data->d_size)
			continue;
		if (strcmp(name, ".debug_str") == 0) {
			dt->strs = data->d_buf;
			dt->strs_size = data->d_size;
		} else if (dt->big_endian == !host.c[0]) {
			dt->aranges = data->d_buf;
			dt->aranges_size = data->d_size;
		}
	}
	if (alt)
		dt->strs = NULL;
}

/* ---- lookup: hinted CUs first ------------------------------------------- */

static bool is_file_place(const char *place)
{
	return strchr(place, '/') != NULL;
}

static int cmp_anchor(const void *a, const void *b)
{
	return strcmp(((const struct anchor *)a)->name, ((const struct anchor *)b)->name);
}

static int note_anchor(void *arg, const char *name, uint64_t value, uint64_t size, char type)
{
	struct dwarf_types *dt = arg;
	struct anchor key = { .name = name }, *a;
	bool global = type == 'T' || type == 'W';

	(void)size;
	if ((type != 'T' && type != 't' && type != 'W') || !value)
		return 0;
	a = dt->nanchors ? bsearch(&key, dt->anchors, dt->nanchors, sizeof(key), cmp_anchor) : NULL;
	if (a && (!a->addr || (global && !a->global))) {
		a->addr = value;
		a->global = global;
	}
	return 0;
}

/* Find the address of every function the hint table names, in one .symtab pass. */
static struct vsc_error *resolve_anchors(struct dwarf_types *dt)
{
	struct vsc_error *err;
	size_t n = 0;

	if (dt->have_anchors)
		return NULL;
	dt->have_anchors = true;
	for (size_t t = 0; t < dt->nhints; t++)
		for (size_t h = 0; h < dt->hints[t].n; h++)
			for (size_t i = 0; i < 4 && dt->hints[t].h[h].places[i]; i++)
				n += !is_file_place(dt->hints[t].h[h].places[i]);
	dt->anchors = calloc(n, sizeof(*dt->anchors));
	if (!dt->anchors)
		return &vsc_error_nomem;
	for (size_t t = 0; t < dt->nhints; t++) {
		for (size_t h = 0; h < dt->hints[t].n; h++) {
			const struct vsc_type_hint *hint = &dt->hints[t].h[h];

			for (size_t i = 0; i < 4 && hint->places[i]; i++) {
				struct anchor key = { .name = hint->places[i] };

				if (!is_file_place(key.name) &&
				    !lfind(&key, dt->anchors, &dt->nanchors, sizeof(key), cmp_anchor))
					dt->anchors[dt->nanchors++] = key;
			}
		}
	}
	if (dt->nanchors > 1)	/* qsort(NULL, 0, ...) is undefined */
		qsort(dt->anchors, dt->nanchors, sizeof(*dt->anchors), cmp_anchor);
	if (!dt->aranges)
		return NULL; /* addresses would not lead anywhere */
	err = vsc_elf_symtab_foreach(dt->path, note_anchor, dt);
	if (err && err->kind != VSC_ERR_NOTFOUND) /* no .symtab: hints by file name only */
		return err;
	vsc_error_destroy(err);
	return NULL;
}

/* A 4- or 8-byte value in host byte order (checked in find_sections()). */
static uint64_t read_uint(const unsigned char *p, size_t size)
{
	uint32_t v32;
	uint64_t v64;

	if (size == 4) {
		memcpy(&v32, p, 4);
		return v32;
	}
	memcpy(&v64, p, 8);
	return v64;
}

/* The top DIE of the CU whose code covers @addr, from .debug_aranges. */
static bool cu_of_address(const struct dwarf_types *dt, uint64_t addr, Dwarf_Off *die_off)
{
	const unsigned char *p = dt->aranges, *end = p + dt->aranges_size;

	while (p && end - p >= 16) {
		const unsigned char *set = p, *set_end, *q;
		uint64_t len = read_uint(p, 4), cu;
		size_t offsz = 4, asz;
		Dwarf_Off next;
		size_t hsize;

		p += 4;
		if (len == 0xffffffff) {
			if (end - p < 8)
				return false;
			len = read_uint(p, 8);
			p += 8;
			offsz = 8;
		}
		if (len > (uint64_t)(end - p) || len < 2 + offsz + 2)
			return false;
		set_end = p + len;
		cu = read_uint(p + 2, offsz);
		asz = p[2 + offsz];
		if ((asz != 4 && asz != 8) || p[3 + offsz] != 0) { /* segmented: not ours */
			p = set_end;
			continue;
		}
		/* tuples start at a multiple of twice the address size from the set */
		q = set + ((size_t)(p + 4 + offsz - set) + 2 * asz - 1) / (2 * asz) * (2 * asz);
		for (; set_end - q >= (ptrdiff_t)(2 * asz); q += 2 * asz) {
			uint64_t lo = read_uint(q, asz), n = read_uint(q + asz, asz);

			if (!lo && !n)
				break;
			if (addr >= lo && addr - lo < n) {
				if (dwarf_nextcu(dt->dw, cu, &next, &hsize, NULL, NULL, NULL) != 0)
					return false;
				*die_off = cu + hsize;
				return true;
			}
		}
		p = set_end;
	}
	return false;
}

struct wanted {
	const uint32_t *nss; /* name spaces, in order of preference */
	size_t nns;
	const char *name;
	size_t len;
};

static const struct name_slot *find_wanted(const struct dwarf_types *dt, const struct wanted *w)
{
	for (size_t i = 0; i < w->nns; i++) {
		const struct name_slot *s = index_find(&dt->names, w->nss[i], w->name, w->len);

		if (s)
			return s;
	}
	return NULL;
}

/* Scan the CUs @place names (a function's CU, or a source file's CUs until @w is found). */
static struct vsc_error *scan_place(struct dwarf_types *dt, const char *place,
				    const struct wanted *w)
{
	if (is_file_place(place)) {
		VSC_TRY(read_cus(dt));
		for (size_t i = 0; i < dt->ncus && !find_wanted(dt, w); i++) {
			if (!dt->cus[i].scanned && cu_is_file(dt->cus[i].name, place))
				VSC_TRY(scan_cu(dt, dt->cus[i].die_off));
		}
	} else {
		struct anchor key = { .name = place }, *a;
		Dwarf_Off die_off;

		VSC_TRY(resolve_anchors(dt));
		a = dt->nanchors ? bsearch(&key, dt->anchors, dt->nanchors, sizeof(key), cmp_anchor)
				 : NULL;
		if (a && a->addr && cu_of_address(dt, a->addr, &die_off) &&
		    !cu_scanned(dt, die_off))
			VSC_TRY(scan_cu(dt, die_off));
	}
	return NULL;
}

/*
 * Find @name in the first of the name spaces @nss that has it, scanning CUs
 * as needed (see the top of the file).  With several name spaces the search
 * stops at the first CU that defines any of them.
 */
static struct vsc_error *lookup_name(struct dwarf_types *dt, const uint32_t *nss, size_t nns,
				     const char *name, size_t len, const struct name_slot **out)
{
	const struct wanted w = { .nss = nss, .nns = nns, .name = name, .len = len };
	const struct name_slot *s = find_wanted(dt, &w);
	const struct vsc_type_hint *hint = NULL;
	char *copy;

	if (!s && (index_find(&dt->absent, NS_ABSENT, name, len) ||
		   (dt->have_cus && dt->cursor == dt->ncus)))
		goto absent; /* known absent, or every CU is indexed */
	for (size_t t = 0; !hint && t < dt->nhints; t++) {
		for (size_t h = 0; !hint && h < dt->hints[t].n; h++) {
			const struct vsc_type_hint *c = &dt->hints[t].h[h];

			if (strncmp(c->name, name, len) == 0 && !c->name[len])
				hint = c;
		}
	}
	/* functions first: finding their CUs is cheap, listing CUs by name is not */
	for (size_t i = 0; !s && hint && i < 4 && hint->places[i]; i++) {
		if (!is_file_place(hint->places[i])) {
			VSC_TRY(scan_place(dt, hint->places[i], &w));
			s = find_wanted(dt, &w);
		}
	}
	if (!s && !may_be_defined(dt, name, len)) {
		copy = strndup(name, len);
		if (!copy)
			return &vsc_error_nomem;
		if (vsc_error_consume(index_add(&dt->absent, NS_ABSENT, copy, 0, 0)))
			free(copy); /* only a cache */
		goto absent;
	}
	for (size_t i = 0; !s && hint && i < 4 && hint->places[i]; i++) {
		if (is_file_place(hint->places[i])) {
			VSC_TRY(scan_place(dt, hint->places[i], &w));
			s = find_wanted(dt, &w);
		}
	}
	if (!s)
		VSC_TRY(read_cus(dt));
	for (; !s && dt->cursor < dt->ncus; dt->cursor++) {
		if (!dt->cus[dt->cursor].scanned) {
			VSC_TRY(scan_cu(dt, dt->cus[dt->cursor].die_off));
			s = find_wanted(dt, &w);
		}
	}
	if (!s)
		goto absent;
	*out = s;
	return NULL;
absent:
	return vsc_error_create(VSC_ERR_NOTFOUND, "%.*s is not defined in the debug info",
				(int)len, name);
}

static struct vsc_error *die_at(struct dwarf_types *dt, Dwarf_Off off, Dwarf_Die *die)
{
	if (!dwarf_offdie(dt->dw, off, die))
		return dw_error("reading type entry");
	return NULL;
}

/* Look up "struct X", "union X", "enum X" or a bare X (typedef, struct, union, base). */
static struct vsc_error *lookup_type(struct dwarf_types *dt, const char *spec, Dwarf_Die *die)
{
	static const struct {
		const char *kw;
		uint32_t ns;
	} keywords[] = {
		{ "struct", NS_STRUCT },
		{ "union", NS_UNION },
		{ "enum", NS_ENUM },
	};
	static const uint32_t bare[] = { NS_TYPEDEF, NS_STRUCT, NS_UNION, NS_BASE };
	static const uint32_t base_ns = NS_BASE;
	const struct name_slot *s = NULL;
	const char *p = spec, *end;
	struct vsc_error *err;
	uint32_t ns = 0;
	size_t len;

	while (*p == ' ' || *p == '\t')
		p++;
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++) {
		size_t kl = strlen(keywords[i].kw);

		if (strncmp(p, keywords[i].kw, kl) == 0 && (p[kl] == ' ' || p[kl] == '\t')) {
			ns = keywords[i].ns;
			for (p += kl; *p == ' ' || *p == '\t'; p++)
				;
			break;
		}
	}
	end = p + strlen(p);
	while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n'))
		end--;
	len = (size_t)(end - p);
	if (!len)
		return vsc_error_create(VSC_ERR_USAGE, "empty type name \"%s\"", spec);

	err = ns ? lookup_name(dt, &ns, 1, p, len, &s)
		 : lookup_name(dt, bare, sizeof(bare) / sizeof(bare[0]), p, len, &s);
	if (err && err->kind == VSC_ERR_NOTFOUND && !ns) {
		const char *alias = vsc_types_base_alias(p, len);

		if (alias) {
			vsc_error_destroy(err);
			err = lookup_name(dt, &base_ns, 1, alias, strlen(alias), &s);
		}
	}
	if (err)
		return vsc_error_wrap(err, "type %s", spec);
	return die_at(dt, s->die, die);
}

/* ---- type helpers -------------------------------------------------------- */

static bool type_of(Dwarf_Die *die, Dwarf_Die *type)
{
	Dwarf_Attribute a;

	return dwarf_attr_integrate(die, DW_AT_type, &a) && dwarf_formref_die(&a, type);
}

static bool is_modifier(int tag)
{
	return tag == DW_TAG_typedef || tag == DW_TAG_const_type || tag == DW_TAG_volatile_type ||
	       tag == DW_TAG_restrict_type || tag == DW_TAG_atomic_type ||
	       tag == DW_TAG_immutable_type || tag == DW_TAG_packed_type;
}

/* Follow typedefs and qualifiers.  *is_void when the chain ends in void. */
static struct vsc_error *skip_typedefs(Dwarf_Die *die, Dwarf_Die *out, bool *is_void)
{
	Dwarf_Die cur = *die;

	for (int i = 0; i < MAX_CHAIN; i++) {
		if (!is_modifier(dwarf_tag(&cur))) {
			*out = cur;
			*is_void = false;
			return NULL;
		}
		if (!type_of(&cur, &cur)) {
			*is_void = true;
			return NULL;
		}
	}
	return vsc_error_create(VSC_ERR_CORRUPT, "dwarf typedef chain longer than %d at 0x%" PRIx64,
				MAX_CHAIN, (uint64_t)dwarf_dieoffset(die));
}

/* The definition of a struct/union/enum that @die only declares, by name. */
static bool complete_declaration(struct dwarf_types *dt, Dwarf_Die *die, Dwarf_Die *out)
{
	const char *name = dwarf_diename(die);
	const struct name_slot *s;
	struct vsc_error *err;
	int tagns = ns_of_tag(dwarf_tag(die));
	uint32_t ns = (uint32_t)tagns;

	/* only aggregates are declared and completed elsewhere */
	if (tagns != NS_STRUCT && tagns != NS_UNION && tagns != NS_ENUM)
		return false;
	if (!name)
		return false;
	err = lookup_name(dt, &ns, 1, name, strlen(name), &s);
	if (!err)
		err = die_at(dt, s->die, out);
	vsc_error_destroy(err);
	return !err;
}

/* Strip typedefs and qualifiers, and complete declarations where possible. */
static struct vsc_error *resolve(struct dwarf_types *dt, Dwarf_Die *die, Dwarf_Die *out,
				 bool *is_void)
{
	VSC_TRY(skip_typedefs(die, out, is_void));
	if (!*is_void && dwarf_hasattr(out, DW_AT_declaration))
		complete_declaration(dt, out, out);
	return NULL;
}

static bool attr_udata(Dwarf_Die *die, unsigned int name, Dwarf_Word *v)
{
	Dwarf_Attribute a;

	return dwarf_attr_integrate(die, name, &a) && dwarf_formudata(&a, v) == 0;
}

/* Element count of subrange @sr; 0 for flexible and zero-length arrays. */
static uint64_t subrange_count(Dwarf_Die *sr)
{
	Dwarf_Attribute a;
	Dwarf_Word count, ub, lb = 0;

	if (attr_udata(sr, DW_AT_count, &count))
		return count;
	if (!dwarf_attr_integrate(sr, DW_AT_upper_bound, &a))
		return 0;
	if (dwarf_whatform(&a) == DW_FORM_sdata) {
		Dwarf_Sword s;

		if (dwarf_formsdata(&a, &s) != 0 || s < 0)
			return 0;
		ub = (Dwarf_Word)s;
	} else if (dwarf_formudata(&a, &ub) != 0) {
		return 0; /* a bound that is an expression: variable length */
	} else {
		unsigned int form = dwarf_whatform(&a);

		if ((form == DW_FORM_data1 && ub == 0xff) ||
		    (form == DW_FORM_data2 && ub == 0xffff) ||
		    (form == DW_FORM_data4 && ub == 0xffffffff) || ub == ~(Dwarf_Word)0)
			return 0; /* -1: zero-length array */
	}
	attr_udata(sr, DW_AT_lower_bound, &lb);
	return ub >= lb ? ub - lb + 1 : 0;
}

static struct vsc_error *type_bytes(struct dwarf_types *dt, Dwarf_Die *die, int depth,
				    uint64_t *size);

/* Dimensions of array type @arr: outermost count and the size of one element. */
static struct vsc_error *array_shape(struct dwarf_types *dt, Dwarf_Die *arr, int depth,
				     uint64_t *len, uint64_t *elem_size)
{
	uint64_t dims[MAX_DIMS], elem;
	Dwarf_Die child, etype;
	int n = 0, r;

	for (r = dwarf_child(arr, &child); r == 0; r = dwarf_siblingof(&child, &child)) {
		if (dwarf_tag(&child) != DW_TAG_subrange_type)
			continue;
		if (n == MAX_DIMS)
			return vsc_error_create(VSC_ERR_CORRUPT,
						"array with more than %d dimensions", MAX_DIMS);
		dims[n++] = subrange_count(&child);
	}
	if (r < 0)
		return dw_error("reading array bounds");
	if (!type_of(arr, &etype))
		return vsc_error_create(VSC_ERR_CORRUPT, "array without element type");
	VSC_TRY(type_bytes(dt, &etype, depth + 1, &elem));
	for (int i = 1; i < n; i++)
		elem *= dims[i];
	*len = n ? dims[0] : 0;
	*elem_size = elem;
	return NULL;
}

/* Size in bytes of type @die (typedefs followed, declarations completed). */
static struct vsc_error *type_bytes(struct dwarf_types *dt, Dwarf_Die *die, int depth,
				    uint64_t *size)
{
	Dwarf_Die t;
	Dwarf_Word bytes;
	bool is_void;

	if (depth > MAX_CHAIN)
		return vsc_error_create(VSC_ERR_CORRUPT, "array nesting deeper than %d", MAX_CHAIN);
	VSC_TRY(resolve(dt, die, &t, &is_void));
	if (is_void)
		return vsc_error_create(VSC_ERR_NOTFOUND, "void has no size");
	switch (dwarf_tag(&t)) {
	case DW_TAG_array_type: {
		uint64_t len, elem;

		VSC_TRY(array_shape(dt, &t, depth, &len, &elem));
		*size = len * elem;
		return NULL;
	}
	case DW_TAG_pointer_type:
	case DW_TAG_reference_type:
		if (attr_udata(&t, DW_AT_byte_size, &bytes)) {
			*size = bytes;
		} else {
			Dwarf_Die cudie;
			uint8_t addr_size = 8;

			dwarf_diecu(&t, &cudie, &addr_size, NULL);
			*size = addr_size;
		}
		return NULL;
	case DW_TAG_subroutine_type:
		break;
	default:
		if (!dwarf_hasattr(&t, DW_AT_declaration) &&
		    attr_udata(&t, DW_AT_byte_size, &bytes)) {
			*size = bytes;
			return NULL;
		}
		break;
	}
	return vsc_error_create(VSC_ERR_NOTFOUND, "type at 0x%" PRIx64 " has no size",
				(uint64_t)dwarf_dieoffset(&t));
}

static enum vsc_type_kind vsc_kind_of(Dwarf_Die *t, bool is_void)
{
	Dwarf_Word enc;

	if (is_void)
		return VSC_TYPE_OTHER;
	switch (dwarf_tag(t)) {
	case DW_TAG_base_type:
		if (attr_udata(t, DW_AT_encoding, &enc) &&
		    (enc == DW_ATE_float || enc == DW_ATE_complex_float))
			return VSC_TYPE_OTHER;
		return VSC_TYPE_INT;
	case DW_TAG_pointer_type:
		return VSC_TYPE_POINTER;
	case DW_TAG_array_type:
		return VSC_TYPE_ARRAY;
	case DW_TAG_structure_type:
		return VSC_TYPE_STRUCT;
	case DW_TAG_union_type:
		return VSC_TYPE_UNION;
	case DW_TAG_enumeration_type:
		return VSC_TYPE_ENUM;
	case DW_TAG_subroutine_type:
		return VSC_TYPE_FUNC;
	default:
		return VSC_TYPE_OTHER;
	}
}

/* ---- members ------------------------------------------------------------- */

static struct vsc_error *member_location(Dwarf_Die *m, uint64_t *bytes)
{
	Dwarf_Attribute a;
	Dwarf_Word v;
	Dwarf_Op *ops;
	size_t nops;

	*bytes = 0;
	if (!dwarf_attr_integrate(m, DW_AT_data_member_location, &a))
		return NULL; /* union members */
	if (dwarf_formudata(&a, &v) == 0) {
		*bytes = v;
		return NULL;
	}
	if (dwarf_getlocation(&a, &ops, &nops) == 0 && nops == 1 &&
	    (ops[0].atom == DW_OP_plus_uconst || ops[0].atom == DW_OP_constu)) {
		*bytes = ops[0].number;
		return NULL;
	}
	return vsc_error_create(VSC_ERR_UNSUPPORTED, "member at 0x%" PRIx64
				" has a computed location", (uint64_t)dwarf_dieoffset(m));
}

/* Bit position within its struct and bit-field width (0: not a bit field) of member @m. */
static struct vsc_error *member_bits(struct dwarf_types *dt, Dwarf_Die *m, uint64_t *bitpos,
				     uint32_t *bitsize)
{
	Dwarf_Word v, bit_size = 0, storage;
	uint64_t bytes;

	attr_udata(m, DW_AT_bit_size, &bit_size);
	if (bit_size > 64)
		return vsc_error_create(VSC_ERR_CORRUPT, "bit field of %" PRIu64 " bits",
					(uint64_t)bit_size);
	*bitsize = (uint32_t)bit_size;
	if (attr_udata(m, DW_AT_data_bit_offset, &v)) { /* DWARF 4+ */
		*bitpos = v;
		return NULL;
	}
	VSC_TRY(member_location(m, &bytes));
	*bitpos = bytes * 8;
	if (bit_size && attr_udata(m, DW_AT_bit_offset, &v)) { /* DWARF 2/3: from the MSB */
		Dwarf_Die type;

		if (!attr_udata(m, DW_AT_byte_size, &storage)) {
			storage = 0;
			if (type_of(m, &type))
				VSC_TRY(type_bytes(dt, &type, 0, &storage));
		}
		if (dt->big_endian)
			*bitpos += v;
		else if (storage * 8 >= v + bit_size)
			*bitpos += storage * 8 - v - bit_size;
		else
			return vsc_error_create(VSC_ERR_CORRUPT,
						"bit field outside its storage unit");
	}
	return NULL;
}

/* @type as a struct or union definition, or NOTFOUND. */
static struct vsc_error *as_composite(struct dwarf_types *dt, Dwarf_Die *type, Dwarf_Die *out)
{
	bool is_void;
	int tag;

	VSC_TRY(resolve(dt, type, out, &is_void));
	tag = is_void ? 0 : dwarf_tag(out);
	if (tag != DW_TAG_structure_type && tag != DW_TAG_union_type)
		return vsc_error_create(VSC_ERR_NOTFOUND, "not a struct or union");
	if (dwarf_hasattr(out, DW_AT_declaration))
		return vsc_error_create(VSC_ERR_NOTFOUND, "%s is only declared",
					dwarf_diename(out) ? dwarf_diename(out) : "struct");
	return NULL;
}

/*
 * Find member @name (not NUL-terminated) in composite @comp, looking through
 * anonymous struct/union members.  @base is the bit position of @comp.
 */
static struct vsc_error *find_member(struct dwarf_types *dt, Dwarf_Die *comp, const char *name,
				     size_t len, uint64_t base, int depth, unsigned int *budget,
				     struct found_member *out)
{
	Dwarf_Die m;
	int r;

	if (depth > MAX_NESTING)
		return vsc_error_create(VSC_ERR_CORRUPT,
					"anonymous members nested deeper than %d", MAX_NESTING);
	for (r = dwarf_child(comp, &m); r == 0; r = dwarf_siblingof(&m, &m)) {
		const char *mname;
		uint64_t bitpos;
		uint32_t bitsize;

		if (dwarf_tag(&m) != DW_TAG_member)
			continue;
		if (!(*budget)--)
			return vsc_error_create(VSC_ERR_CORRUPT, "anonymous members fan out beyond "
						"%u members", MAX_VISITS);
		mname = dwarf_diename(&m);
		if (mname && (strncmp(mname, name, len) != 0 || mname[len] != '\0'))
			continue;
		VSC_TRY(member_bits(dt, &m, &bitpos, &bitsize));
		if (mname) {
			out->bitpos = base + bitpos;
			out->bitsize = bitsize;
			out->has_type = type_of(&m, &out->type);
			return NULL;
		} else {
			Dwarf_Die type, inner;
			struct vsc_error *err;

			if (!type_of(&m, &type))
				continue;
			err = as_composite(dt, &type, &inner);
			if (!err)
				err = find_member(dt, &inner, name, len, base + bitpos, depth + 1,
						  budget, out);
			if (!err || err->kind != VSC_ERR_NOTFOUND)
				return err;
			vsc_error_destroy(err);
		}
	}
	if (r < 0)
		return dw_error("reading members");
	return vsc_error_create(VSC_ERR_NOTFOUND, "no member %.*s", (int)len, name);
}

static struct vsc_error *fill_member_info(struct dwarf_types *dt, struct found_member *fm,
					  struct vsc_member_info *out)
{
	struct vsc_member_info info = { 0 };
	Dwarf_Die t;
	bool is_void = true;

	if (fm->has_type)
		VSC_TRY(resolve(dt, &fm->type, &t, &is_void));
	if (is_void)
		return vsc_error_create(VSC_ERR_CORRUPT, "member of type void");
	info.kind = vsc_kind_of(&t, is_void);
	VSC_TRY(type_bytes(dt, &fm->type, 0, &info.size));
	if (fm->bitsize) {
		info.bit_size = fm->bitsize;
		vsc_types_locate_bitfield(fm->bitpos, fm->bitsize, info.size, &info);
	} else {
		info.offset = fm->bitpos / 8;
	}
	if (info.kind == VSC_TYPE_ARRAY) {
		VSC_TRY(array_shape(dt, &t, 0, &info.array_len, &info.elem_size));
	} else if (info.kind == VSC_TYPE_POINTER) {
		Dwarf_Die target;
		struct vsc_error *err = NULL;

		if (type_of(&t, &target))
			err = type_bytes(dt, &target, 0, &info.elem_size);
		if (err) /* function, opaque struct */
			info.elem_size = 0;
		vsc_error_destroy(err);
	}
	*out = info;
	return NULL;
}

static struct vsc_error *dw_member(void *priv, const char *type_name, const char *path,
				   struct vsc_member_info *out)
{
	struct dwarf_types *dt = priv;
	struct found_member fm = { .has_type = true };
	const char *p = path;
	struct vsc_error *err;
	int n = 0;

	VSC_TRY(lookup_type(dt, type_name, &fm.type));
	for (;;) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		unsigned int budget = MAX_VISITS;
		Dwarf_Die comp;

		if (!len || ++n > MAX_PATH)
			return vsc_error_create(VSC_ERR_USAGE, "bad member path \"%s\"", path);
		err = fm.has_type ? as_composite(dt, &fm.type, &comp)
				  : vsc_error_create(VSC_ERR_NOTFOUND, "not a struct or union");
		if (!err)
			err = find_member(dt, &comp, p, len, fm.bitpos, 0, &budget, &fm);
		if (err)
			return vsc_error_wrap(err, "%s.%s", type_name, path);
		if (!dot)
			break;
		if (fm.bitsize)
			return vsc_error_create(VSC_ERR_NOTFOUND, "%s.%s: %.*s is a bit field",
						type_name, path, (int)len, p);
		p = dot + 1;
	}
	return vsc_error_wrap(fill_member_info(dt, &fm, out), "%s.%s", type_name, path);
}

static struct vsc_error *dw_type_size(void *priv, const char *type_name, uint64_t *size)
{
	struct dwarf_types *dt = priv;
	Dwarf_Die die;

	VSC_TRY(lookup_type(dt, type_name, &die));
	return vsc_error_wrap(type_bytes(dt, &die, 0, size), "%s", type_name);
}

static struct vsc_error *dw_enum_value(void *priv, const char *name, int64_t *value)
{
	static const uint32_t ns = NS_ENUMERATOR;
	struct dwarf_types *dt = priv;
	const struct name_slot *s;

	VSC_TRY(vsc_error_wrap(lookup_name(dt, &ns, 1, name, strlen(name), &s), "enumerator"));
	*value = s->value;
	return NULL;
}

/* ---- describe ------------------------------------------------------------ */

static const char *qualifier(int tag)
{
	switch (tag) {
	case DW_TAG_const_type:
		return "const";
	case DW_TAG_volatile_type:
		return "volatile";
	case DW_TAG_restrict_type:
		return "restrict";
	case DW_TAG_atomic_type:
		return "_Atomic";
	default:
		return NULL;
	}
}

/*
 * C declaration of @decl (may be "") with type @die (NULL: void), e.g.
 * "struct qi_desc *desc".  Returns a malloc'ed string or NULL (no memory).
 */
static char *render_decl(Dwarf_Die *die, const char *decl, int depth)
{
	const char *sep = *decl ? " " : "";
	char *inner = NULL, *res = NULL;
	Dwarf_Die target, child;
	bool has_target;
	int tag, r;

	if (!die)
		return asprintf(&res, "void%s%s", sep, decl) < 0 ? NULL : res;
	if (depth > MAX_CHAIN)
		return strdup("?");
	tag = dwarf_tag(die);
	has_target = type_of(die, &target);
	switch (tag) {
	case DW_TAG_pointer_type: {
		int ttag = has_target ? dwarf_tag(&target) : 0;
		bool paren = ttag == DW_TAG_array_type || ttag == DW_TAG_subroutine_type;

		if (asprintf(&inner, paren ? "(*%s)" : "*%s", decl) < 0)
			return NULL;
		res = render_decl(has_target ? &target : NULL, inner, depth + 1);
		break;
	}
	case DW_TAG_array_type: {
		size_t size = 0;
		FILE *f = open_memstream(&inner, &size);

		if (!f)
			return NULL;
		fputs(decl, f);
		for (r = dwarf_child(die, &child); r == 0; r = dwarf_siblingof(&child, &child))
			if (dwarf_tag(&child) == DW_TAG_subrange_type)
				fprintf(f, "[%" PRIu64 "]", subrange_count(&child));
		if (fclose(f) != 0)
			return NULL;
		res = render_decl(has_target ? &target : NULL, inner, depth + 1);
		break;
	}
	case DW_TAG_const_type:
	case DW_TAG_volatile_type:
	case DW_TAG_restrict_type:
	case DW_TAG_atomic_type:
		if (has_target && dwarf_tag(&target) == DW_TAG_pointer_type) {
			if (asprintf(&inner, "%s%s%s", qualifier(tag), sep, decl) < 0)
				return NULL;
			res = render_decl(&target, inner, depth + 1);
		} else {
			char *rest = render_decl(has_target ? &target : NULL, decl, depth + 1);

			if (rest && asprintf(&res, "%s %s", qualifier(tag), rest) < 0)
				res = NULL;
			free(rest);
		}
		break;
	case DW_TAG_subroutine_type: {
		size_t size = 0;
		FILE *f = open_memstream(&inner, &size);
		int nparams = 0;

		if (!f)
			return NULL;
		fprintf(f, "%s(", decl);
		for (r = dwarf_child(die, &child); r == 0; r = dwarf_siblingof(&child, &child)) {
			Dwarf_Die ptype;
			char *p = NULL;

			if (dwarf_tag(&child) == DW_TAG_formal_parameter)
				p = render_decl(type_of(&child, &ptype) ? &ptype : NULL, "",
						depth + 1);
			else if (dwarf_tag(&child) == DW_TAG_unspecified_parameters)
				p = strdup("...");
			else
				continue;
			fprintf(f, "%s%s", nparams++ ? ", " : "", p ? p : "?");
			free(p);
		}
		fprintf(f, "%s)", nparams ? "" : "void");
		if (fclose(f) != 0)
			return NULL;
		res = render_decl(has_target ? &target : NULL, inner, depth + 1);
		break;
	}
	default: {
		const char *kw = tag == DW_TAG_structure_type ? "struct "
				 : tag == DW_TAG_union_type    ? "union "
				 : tag == DW_TAG_enumeration_type ? "enum " : "";
		const char *name = dwarf_diename(die);

		if (is_modifier(tag) && tag != DW_TAG_typedef) /* immutable, packed */
			return render_decl(has_target ? &target : NULL, decl, depth + 1);
		if (asprintf(&res, "%s%s%s%s", kw, name ? name : "{...}", sep, decl) < 0)
			res = NULL;
		break;
	}
	}
	free(inner);
	return res;
}


static void describe_members(struct dwarf_types *dt, FILE *f, Dwarf_Die *comp, uint64_t base,
			     int depth, unsigned int *budget)
{
	Dwarf_Die m;
	int r;

	for (r = dwarf_child(comp, &m); r == 0; r = dwarf_siblingof(&m, &m)) {
		struct vsc_member_info info = { 0 };
		Dwarf_Die type, inner;
		bool has_type, anonymous = false;
		const char *mname;
		uint64_t bitpos;
		uint32_t bitsize;
		struct vsc_error *err;
		char *decl, *text = NULL;

		if (dwarf_tag(&m) != DW_TAG_member)
			continue;
		if (!(*budget)--) {
			fprintf(f, "%.*s/* ... */\n", depth, VSC_TYPES_TABS);
			return;
		}
		mname = dwarf_diename(&m);
		err = member_bits(dt, &m, &bitpos, &bitsize);
		if (err) {
			fprintf(f, "%.*s/* %s: %s */\n", depth, VSC_TYPES_TABS, mname ? mname : "?",
				err->message);
			vsc_error_destroy(err);
			continue;
		}
		bitpos += base;
		has_type = type_of(&m, &type);
		if (has_type) {
			err = type_bytes(dt, &type, 0, &info.size);
			vsc_error_destroy(err);
		}
		if (bitsize)
			vsc_types_locate_bitfield(bitpos, bitsize, info.size, &info);
		else
			info.offset = bitpos / 8;

		if (!mname && has_type && depth < MAX_NESTING) {
			err = as_composite(dt, &type, &inner);
			anonymous = !err && !dwarf_diename(&inner);
			vsc_error_destroy(err);
		}
		if (anonymous) { /* inline, offsets from the outer start */
			fprintf(f, "%.*s%s {\n", depth, VSC_TYPES_TABS,
				dwarf_tag(&inner) == DW_TAG_union_type ? "union" : "struct");
			describe_members(dt, f, &inner, bitpos, depth + 1, budget);
			vsc_types_describe_line(f, depth, "};", 0, &info);
			continue;
		}
		decl = render_decl(has_type ? &type : NULL, mname ? mname : "", 0);
		if ((bitsize ? asprintf(&text, "%s:%" PRIu32 ";", decl ? decl : "?", bitsize)
			     : asprintf(&text, "%s;", decl ? decl : "?")) < 0)
			text = NULL;
		vsc_types_describe_line(f, depth, text ? text : "?;", bitsize, &info);
		free(text);
		free(decl);
	}
	if (r < 0)
		fprintf(f, "%.*s/* %s */\n", depth, VSC_TYPES_TABS, dwarf_errmsg(-1));
}

/* Typedefs (not of structs), enums and base types. */
static struct vsc_error *describe_scalar(struct dwarf_types *dt, Dwarf_Die *die, char **out)
{
	struct vsc_error *err;
	uint64_t bytes = 0;
	char *buf = NULL, *decl;
	size_t size = 0;
	Dwarf_Die target, child;
	FILE *f;
	int r;

	err = type_bytes(dt, die, 0, &bytes);
	vsc_error_destroy(err);
	f = open_memstream(&buf, &size);
	if (!f)
		return &vsc_error_nomem;
	if (dwarf_tag(die) == DW_TAG_typedef) {
		decl = render_decl(type_of(die, &target) ? &target : NULL,
				   dwarf_diename(die) ?: "?", 0);
		fprintf(f, "typedef %s;", decl ? decl : "?");
		free(decl);
	} else if (dwarf_tag(die) == DW_TAG_enumeration_type) {
		fprintf(f, "enum %s {\n", dwarf_diename(die) ?: "");
		for (r = dwarf_child(die, &child); r == 0; r = dwarf_siblingof(&child, &child)) {
			int64_t v;

			if (dwarf_tag(&child) != DW_TAG_enumerator ||
			    !enumerator_value(&child, die, &v))
				continue;
			fprintf(f, "\t%s = %" PRId64 ",\n", dwarf_diename(&child) ?: "?", v);
		}
		fprintf(f, "};");
	} else {
		decl = render_decl(die, "", 0);
		fprintf(f, "%s;", decl ? decl : "?");
		free(decl);
	}
	fprintf(f, " /* size: %" PRIu64 " */\n", bytes);
	if (fclose(f) != 0) {
		free(buf);
		return &vsc_error_nomem;
	}
	*out = buf;
	return NULL;
}

static struct vsc_error *dw_describe(void *priv, const char *type_name, char **out)
{
	struct dwarf_types *dt = priv;
	Dwarf_Die die, comp, m;
	struct vsc_error *err;
	unsigned int nmembers = 0;
	uint64_t bytes = 0;
	char *buf = NULL;
	size_t size = 0;
	FILE *f;
	int r;

	VSC_TRY(lookup_type(dt, type_name, &die));
	err = as_composite(dt, &die, &comp);
	if (err) {
		vsc_error_destroy(err);
		return describe_scalar(dt, &die, out);
	}
	f = open_memstream(&buf, &size);
	if (!f)
		return &vsc_error_nomem;
	fprintf(f, "%s %s {\n", dwarf_tag(&comp) == DW_TAG_union_type ? "union" : "struct",
		dwarf_diename(&comp) ?: "{...}");
	describe_members(dt, f, &comp, 0, 1, &(unsigned int){ MAX_VISITS });
	for (r = dwarf_child(&comp, &m); r == 0; r = dwarf_siblingof(&m, &m))
		nmembers += dwarf_tag(&m) == DW_TAG_member;
	err = type_bytes(dt, &comp, 0, &bytes);
	vsc_error_destroy(err);
	fprintf(f, "\n\t/* size: %" PRIu64 ", members: %u */\n};\n", bytes, nmembers);
	if (fclose(f) != 0) {
		free(buf);
		return &vsc_error_nomem;
	}
	*out = buf;
	return NULL;
}

/* ---- lifecycle ----------------------------------------------------------- */

static void dw_destroy(void *priv)
{
	struct dwarf_types *dt = priv;

	if (!dt)
		return;
	for (size_t i = 0; dt->absent.slots && i <= dt->absent.mask; i++)
		free((char *)dt->absent.slots[i].name);
	free(dt->absent.slots);
	free(dt->names.slots);
	free(dt->cus);
	free(dt->early);
	free(dt->anchors);
	if (dt->dw)
		dwarf_end(dt->dw);
	if (dt->fd >= 0)
		close(dt->fd);
	free(dt->path);
	free(dt);
}

static void dw_add_hints(void *priv, const struct vsc_type_hint *hints, size_t n)
{
	struct dwarf_types *dt = priv;

	for (size_t t = 0; t < dt->nhints; t++)
		if (dt->hints[t].h == hints)
			return;         /* the same analyzer, a second run */
	if (dt->nhints == MAX_HINT_TABLES)
		return;                 /* only a speed-up */
	dt->hints[dt->nhints].h = hints;
	dt->hints[dt->nhints].n = n;
	dt->nhints++;
	/* Their functions are looked up in .symtab on the next search. */
	free(dt->anchors);
	dt->anchors = NULL;
	dt->nanchors = 0;
	dt->have_anchors = false;
}

static const struct vsc_types_ops dwarf_ops = {
	.name = "dwarf",
	.destroy = dw_destroy,
	.type_size = dw_type_size,
	.member = dw_member,
	.enum_value = dw_enum_value,
	.describe = dw_describe,
	.add_hints = dw_add_hints,
};

struct vsc_error *vsc_dwarf_types_create(const char *vmlinux, struct vsc_types **out)
{
	struct dwarf_types *dt;
	struct vsc_types *types;
	struct vsc_error *err = NULL;

	dt = calloc(1, sizeof(*dt));
	types = calloc(1, sizeof(*types));
	if (!dt || !types) {
		free(dt);
		free(types);
		return &vsc_error_nomem;
	}
	dt->hints[0].h = engine_hints;
	dt->hints[0].n = sizeof(engine_hints) / sizeof(engine_hints[0]);
	dt->nhints = 1;
	dt->path = strdup(vmlinux);
	if (!dt->path) {
		dt->fd = -1;
		err = &vsc_error_nomem;
		goto fail;
	}
	dt->fd = open(vmlinux, O_RDONLY | O_CLOEXEC);
	if (dt->fd < 0) {
		err = vsc_error_create(VSC_ERR_IO, "opening %s: %s", vmlinux, strerror(errno));
		goto fail;
	}
	dt->dw = dwarf_begin(dt->fd, DWARF_C_READ);
	if (!dt->dw) {
		err = vsc_error_create(VSC_ERR_FORMAT, "%s: no usable DWARF debug info: %s",
				       vmlinux, dwarf_errmsg(-1));
		goto fail;
	}
	find_sections(dt);
	if (asprintf(&types->description, "dwarf: %s", vmlinux) < 0) {
		types->description = NULL;
		err = &vsc_error_nomem;
		goto fail;
	}
	types->ops = &dwarf_ops;
	types->priv = dt;
	*out = types;
	return NULL;
fail:
	dw_destroy(dt);
	free(types);
	return err;
}
