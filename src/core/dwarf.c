// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Type information from a debuginfo vmlinux: its DWARF, read by
 * dwarf_read.c one unit at a time.
 *
 * Debian's vmlinux-*-dbg carries 170-220 MB of .debug_info in ~2,400 compile
 * units and no name index (.debug_names / .debug_pubtypes), so nothing is
 * indexed up front.  A name is looked for
 *  1. in the index of CUs already scanned;
 *  2. in the CUs a built-in table names for it: the CU of a function that
 *     uses the type (qi_submit_sync for struct q_inval), found through
 *     .debug_aranges from the function's address: the dump's own symbols
 *     less the KASLR offset, or a pass over .symtab (8 ms and 9 MB on 6.12)
 *     when no target is at hand or its symbols lead nowhere;
 *  3. nowhere, if the name does not occur in .debug_str (GCC and clang put
 *     every name of 4+ characters there), or is not a whole string of the
 *     vmlinux's own .BTF, which pahole wrote from this DWARF: every type and
 *     enumerator name is one of its strings.  .debug_str alone cannot tell
 *     when the name is the tail of a longer string (the linker merges
 *     "tk_data" into "put_shstk_data"; BTF strings are whole);
 *  4. in the CUs the table names by source file (drivers/iommu/intel/dmar.c);
 *  5. in the CUs of the functions named after it (iopf_queue_alloc() for
 *     struct iopf_queue: the kernel's naming habit), one more .symtab pass;
 *  6. nowhere, if .BTF has no type or enumerator of the name in the name
 *     spaces asked for (the string was a member's name, say);
 *  7. in the remaining CUs, in order: up to 174 MB, a few tenths of a second.
 * Scanning a CU reads its top-level DIEs only and records every named struct,
 * union, enum, typedef, base type and enumerator it defines, so each CU is
 * scanned at most once; its bytes are let go afterwards unless a type of it
 * is in use.  Listing the CUs by name reads every CU header (2,400 preads,
 * a few ms), so it happens only when step 4 needs a file name or step 7 runs.
 * A `report` on the fixtures reads 10 units (2.4 MB with re-reads) of 2,400 (174 MB).
 * Declarations (DW_AT_declaration) never count as definitions; a member whose
 * type is only declared in the CU at hand is completed by name.
 */
#define _GNU_SOURCE
#include <search.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dwarf.h>

#include <vtdscope/symbols.h>
#include <vtdscope/target.h>

#include "dwarf_read.h"
#include "elf_util.h"
#include "types_backend.h"

#define MAX_CHAIN 32     /* typedef / modifier links followed before giving up */
#define MAX_NESTING 16   /* anonymous struct/union members searched through */
#define MAX_PATH 16      /* components of a dotted member path */
#define MAX_DIMS 8       /* array dimensions */
/* members looked at per path step / describe: real types, nesting included, have a
 * few hundred; a description of 2^20 lines takes seconds (found by fuzzing) */
#define MAX_VISITS (1u << 16)
#define MAX_NAMED_AFTER 8 /* CUs of functions named after a type, tried in step 5 */
#define ARENA_BLOCK 4096 /* names copied out of units (DW_FORM_string) */

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
	/*
	 * In dwarf_types.absent: names .debug_str does not have (NS_ABSENT),
	 * or .BTF has not in name space ns (NS_ABSENT + ns).
	 */
	NS_ABSENT,
};

struct name_slot {
	const char *name; /* NULL: empty; in .debug_str or the name arena */
	uint32_t hash;
	uint32_t ns;
	union {
		uint64_t die;  /* types: global DIE offset */
		int64_t value;  /* NS_ENUMERATOR */
	};
};

struct name_index {
	struct name_slot *slots;
	size_t mask;
	size_t count;
};

struct dw_cu {
	uint64_t off; /* unit header in .debug_info */
	const char *name; /* DW_AT_name of the CU DIE, or "" (owned by the reader) */
	bool scanned;
};

/* A function named by the hint table, and where .symtab puts it. */
struct anchor {
	const char *name;
	uint64_t addr; /* 0: not in .symtab */
	bool global;
};

struct arena_block {
	struct arena_block *next;
	size_t used;
	char data[ARENA_BLOCK];
};

/* Tables of hints: the engine's first, then each analyzer's, in order added. */
#define MAX_HINT_TABLES 16

struct dwarf_types {
	char *path;
	struct vsc_dwr *r;
	struct vsc_target *target; /* the one asking (use_target()), or NULL */
	/* the CU list, read on demand */
	struct dw_cu *cus;
	size_t ncus;
	bool have_cus;
	size_t cursor; /* CUs before it have all been scanned by the in-order search */
	uint64_t *early; /* CUs scanned before the list existed (by unit offset) */
	size_t nearly;
	struct name_index names;
	struct name_index absent; /* names owned (strdup'ed) */
	struct arena_block *arena; /* names of DW_FORM_string, copied */
	/* raw sections, read on first use */
	const char *strs; /* .debug_str, for the absence test; NULL: no test */
	size_t strs_size;
	bool have_strs;
	const unsigned char *aranges; /* .debug_aranges, NULL when absent */
	size_t aranges_size;
	bool have_aranges;
	/* the vmlinux's own .BTF: where its strings are (step 3), all of it parsed (step 6) */
	uint64_t btf_strs_off, btf_strs_len;
	bool btf_strs_known;
	struct vsc_types *btf;
	bool btf_tried;
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
	struct vsc_dwr_die type;
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
#define CPU "cpu_init", "arch/x86/kernel/cpu/common.c"
#define MODULE "__module_address", "kernel/module/main.c", "kernel/module.c"
#define TIME "ktime_get", "kernel/time/timekeeping.c"
#define UTS "copy_utsname", "kernel/utsname.c"

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
	{ "signal_struct", { SCHED } },
	{ "static_key", { SCHED } },
	{ "cea_exception_stacks", { CPU } },
	{ "entry_stack", { CPU } },
	{ "tss_struct", { CPU } },
	{ "pcpu_hot", { CPU } },  /* v6.2 to v6.14 */
	{ "module", { MODULE } },
	{ "module_memory", { MODULE } },  /* v6.4 */
	{ "mod_kallsyms", { MODULE } },
	{ "MOD_TEXT", { MODULE } },
	{ "MOD_INIT_TEXT", { MODULE } },
	{ "new_utsname", { UTS } },
	{ "uts_namespace", { UTS } },
	{ "taint_flag", { "add_taint", "kernel/panic.c" } },
	{ "timekeeper", { TIME } },
	{ "tk_data", { TIME } },  /* v6.13 */
	{ "seqcount_raw_spinlock_t", { TIME } },
};

static struct vsc_error *dw_error(const struct dwarf_types *dt, const char *what)
{
	return vsc_error_create(VSC_ERR_FORMAT, "%s: %s", what, vsc_dwr_errmsg(dt->r));
}

/* A copy of @s that lives as long as the backend. */
static const char *arena_strdup(struct dwarf_types *dt, const char *s)
{
	size_t len = strlen(s) + 1;
	struct arena_block *b = dt->arena;
	char *p;

	if (len > ARENA_BLOCK)
		return NULL;    /* no type name is this long: not indexed */
	if (!b || ARENA_BLOCK - b->used < len) {
		b = malloc(sizeof(*b));
		if (!b)
			return NULL;
		b->next = dt->arena;
		b->used = 0;
		dt->arena = b;
	}
	p = b->data + b->used;
	memcpy(p, s, len);
	b->used += len;
	return p;
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

/* Add (ns, name); the first definition seen wins.  @name must outlive the index. */
static struct vsc_error *index_add(struct name_index *idx, uint32_t ns, const char *name,
				   uint64_t die, int64_t value)
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
	uint64_t off = *(const uint64_t *)key;
	const struct dw_cu *cu = elem;

	return off < cu->off ? -1 : off > cu->off;
}

static struct dw_cu *cu_by_offset(const struct dwarf_types *dt, uint64_t off)
{
	if (!dt->ncus)
		return NULL;    /* bsearch(NULL, 0, ...) is undefined */
	return bsearch(&off, dt->cus, dt->ncus, sizeof(*dt->cus), cmp_cu);
}

static bool cu_scanned(const struct dwarf_types *dt, uint64_t off)
{
	if (dt->have_cus) {
		const struct dw_cu *cu = cu_by_offset(dt, off);

		return cu && cu->scanned;
	}
	for (size_t i = 0; i < dt->nearly; i++)
		if (dt->early[i] == off)
			return true;
	return false;
}

static struct vsc_error *mark_scanned(struct dwarf_types *dt, uint64_t off)
{
	uint64_t *n;

	if (dt->have_cus) {
		struct dw_cu *cu = cu_by_offset(dt, off);

		if (cu)
			cu->scanned = true;
		return NULL;
	}
	n = realloc(dt->early, (dt->nearly + 1) * sizeof(*n));
	if (!n)
		return &vsc_error_nomem;
	dt->early = n;
	dt->early[dt->nearly++] = off;
	return NULL;
}

/* List every CU with its name (reads every CU header and the start of its top DIE). */
static struct vsc_error *read_cus(struct dwarf_types *dt)
{
	struct vsc_dwr_unit *u;
	uint64_t off = 0;
	size_t cap = 0;
	int r;

	if (dt->have_cus)
		return NULL;
	while ((r = vsc_dwr_unit_at(dt->r, off, &u)) == 0) {
		const char *name;

		if (dt->ncus == cap) {
			size_t ncap = cap ? cap * 2 : 1024;
			struct dw_cu *n = realloc(dt->cus, ncap * sizeof(*n));

			if (!n)
				return &vsc_error_nomem;
			dt->cus = n;
			cap = ncap;
		}
		if (vsc_dwr_unit_name(dt->r, u, &name) < 0)
			return dw_error(dt, "reading compile unit names");
		dt->cus[dt->ncus++] = (struct dw_cu){ .off = off, .name = name };
		off = vsc_dwr_unit_end(u);
	}
	if (r < 0)
		return dw_error(dt, "reading compile unit headers");
	dt->have_cus = true;
	for (size_t i = 0; i < dt->nearly; i++)
		VSC_TRY(mark_scanned(dt, dt->early[i]));
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

static bool attr_udata(struct dwarf_types *dt, struct vsc_dwr_die *die, unsigned int name,
		       uint64_t *v)
{
	struct vsc_dwr_attr a;

	return vsc_dwr_attr_integrate(dt->r, die, name, &a) && vsc_dwr_udata(&a, v);
}

/* Is the enumeration type @e signed?  Unknown counts as signed (C's int). */
static bool enum_is_signed(struct dwarf_types *dt, struct vsc_dwr_die *e)
{
	struct vsc_dwr_attr a;
	struct vsc_dwr_die base;
	uint64_t enc;

	for (int i = 0; i < MAX_CHAIN; i++) {
		if (!vsc_dwr_attr_integrate(dt->r, e, DW_AT_type, &a) ||
		    !vsc_dwr_ref_die(dt->r, &a, &base))
			return true;
		if (vsc_dwr_tag(&base) == DW_TAG_base_type)
			break;
		e = &base;
	}
	if (vsc_dwr_tag(&base) != DW_TAG_base_type ||
	    !vsc_dwr_attr(dt->r, &base, DW_AT_encoding, &a) || !vsc_dwr_udata(&a, &enc))
		return true;
	return !(enc == DW_ATE_unsigned || enc == DW_ATE_unsigned_char || enc == DW_ATE_boolean);
}

/*
 * The value of @enumerator of @enumeration.  A data form is as wide as the
 * value needs, not as the enumeration: GCC writes 200 of a signed 4-byte
 * enum as DW_FORM_data1 0xc8 (negative values as sdata), and gdb reads 200.
 * So the form's bytes are widened without sign to the enumeration's size,
 * and the value is negative only if its top bit at that size is set.
 */
static bool enumerator_value(struct dwarf_types *dt, struct vsc_dwr_die *enumerator,
			     struct vsc_dwr_die *enumeration, int64_t *value)
{
	struct vsc_dwr_attr a;
	int64_t s;
	uint64_t u, size;
	int bits = 64;

	if (!vsc_dwr_attr(dt->r, enumerator, DW_AT_const_value, &a))
		return false;
	switch (a.form) {
	case DW_FORM_sdata:
	case DW_FORM_implicit_const:
		if (!vsc_dwr_sdata(&a, &s))
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
	if (!vsc_dwr_udata(&a, &u))
		return false;
	if (attr_udata(dt, enumeration, DW_AT_byte_size, &size) && size > 0)
		bits = size < 8 ? (int)size * 8 : 64;
	if (bits < 64 && (u >> (bits - 1) & 1) && enum_is_signed(dt, enumeration))
		u = sign_extend(u, bits);
	*value = (int64_t)u;
	return true;
}

/*
 * @die's name for the index, which outlives the unit's bytes: .debug_str
 * stays read; a name stored in the unit itself (DW_FORM_string) is copied.
 */
static const char *index_name(struct dwarf_types *dt, struct vsc_dwr_die *die)
{
	struct vsc_dwr_attr a;
	const char *name;

	if (!vsc_dwr_attr(dt->r, die, DW_AT_name, &a))
		return NULL;
	name = vsc_dwr_string(dt->r, &a);
	if (name && a.form == DW_FORM_string)
		name = arena_strdup(dt, name);
	return name;
}

static struct vsc_error *scan_enumerators(struct dwarf_types *dt, struct vsc_dwr_die *e)
{
	struct vsc_dwr_die child;
	int r;

	for (r = vsc_dwr_child(dt->r, e, &child); r == 0;
	     r = vsc_dwr_sibling(dt->r, &child, &child)) {
		const char *name;
		int64_t v;

		if (vsc_dwr_tag(&child) != DW_TAG_enumerator)
			continue;
		name = index_name(dt, &child);
		if (name && enumerator_value(dt, &child, e, &v))
			VSC_TRY(index_add(&dt->names, NS_ENUMERATOR, name, 0, v));
	}
	return r < 0 ? dw_error(dt, "reading enumerators") : NULL;
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

/*
 * Record every type name the top level of the CU at @off defines; its bytes
 * are let go after (unless a type of it is in use).
 */
static struct vsc_error *scan_cu(struct dwarf_types *dt, uint64_t off)
{
	struct vsc_error *err = NULL;
	struct vsc_dwr_die cudie, die;
	struct vsc_dwr_unit *u;
	int r;

	VSC_TRY(mark_scanned(dt, off));
	r = vsc_dwr_unit_at(dt->r, off, &u);
	if (r > 0)
		return vsc_error_create(VSC_ERR_CORRUPT, "no compile unit at 0x%" PRIx64
					" (.debug_aranges)", off);
	if (r < 0 || vsc_dwr_unit_die(dt->r, u, &cudie) < 0)
		return vsc_error_wrap(dw_error(dt, "reading compile unit"), "cu at 0x%" PRIx64,
				      off);
	for (r = vsc_dwr_child(dt->r, &cudie, &die); r == 0 && !err;
	     r = vsc_dwr_sibling(dt->r, &die, &die)) {
		const char *name;
		int ns = ns_of_tag(vsc_dwr_tag(&die));

		if (ns < 0)
			continue;
		if (vsc_dwr_has_attr(dt->r, &die, DW_AT_declaration))
			continue;
		if (ns == NS_ENUM)
			err = scan_enumerators(dt, &die);
		name = index_name(dt, &die);
		if (name && !err)
			err = index_add(&dt->names, ns, name, die.off, 0);
	}
	if (r < 0 && !err)
		err = vsc_error_wrap(dw_error(dt, "reading top-level entries"), "%s",
				     vsc_dwr_name(dt->r, &cudie) ?: "compile unit");
	vsc_dwr_unit_release(dt->r, u);
	return err;
}

/* .debug_str for the absence test, read on first use; NULL: no test. */
static const char *debug_strings(struct dwarf_types *dt, size_t *size)
{
	if (!dt->have_strs) {
		dt->have_strs = true;
		/* names may live in a supplementary file: no absence test then */
		if (!vsc_dwr_has_supplement(dt->r))
			dt->strs = vsc_dwr_strings(dt->r, &dt->strs_size);
	}
	*size = dt->strs_size;
	return dt->strs;
}

/* The .debug_str absence test: false means "certainly not defined anywhere". */
static bool may_be_defined(struct dwarf_types *dt, const char *name, size_t len)
{
	const char *p, *end;
	size_t size;

	if (len < 4 || !(p = debug_strings(dt, &size)))
		return true;
	end = p + size;
	while ((p = memmem(p, (size_t)(end - p), name, len)) != NULL) {
		if (p + len < end && p[len] == '\0')
			return true;
		p++;
	}
	return false;
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

/* .debug_aranges, read on first use; NULL when absent. */
static const unsigned char *address_ranges(struct dwarf_types *dt)
{
	if (!dt->have_aranges) {
		dt->have_aranges = true;
		dt->aranges = vsc_dwr_aranges(dt->r, &dt->aranges_size);
	}
	return dt->aranges;
}

static bool cu_of_address(struct dwarf_types *dt, uint64_t addr, uint64_t *unit_off);

/*
 * The hint table's functions from the target's own symbols (kallsyms), moved
 * back by the KASLR offset to the vmlinux's addresses.  The dump is hostile
 * input, but an anchor only says where to look first: a wrong one costs
 * time.  False, with no anchor set, when there is no target or none of its
 * addresses lies in a CU (a wrong offset, say): then .symtab it is.
 */
static bool anchors_from_target(struct dwarf_types *dt)
{
	uint64_t slide, off;
	bool any = false;

	if (!dt->target)
		return false;
	slide = vsc_target_info(dt->target)->kaslr_offset;
	for (size_t i = 0; i < dt->nanchors; i++) {
		struct anchor *a = &dt->anchors[i];
		struct vsc_symbol sym;

		if (vsc_error_consume(vsc_symbol_by_name(dt->target, a->name, &sym)) ||
		    (sym.type != 'T' && sym.type != 't' && sym.type != 'W') ||
		    sym.address <= slide)
			continue;
		a->addr = sym.address - slide;
		a->global = sym.type != 't';
		any |= cu_of_address(dt, a->addr, &off);
	}
	for (size_t i = 0; !any && i < dt->nanchors; i++)
		dt->anchors[i].addr = 0;
	return any;
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
				    !lfind(&key, dt->anchors, &dt->nanchors, sizeof(key),
					   cmp_anchor))
					dt->anchors[dt->nanchors++] = key;
			}
		}
	}
	if (dt->nanchors > 1)	/* qsort(NULL, 0, ...) is undefined */
		qsort(dt->anchors, dt->nanchors, sizeof(*dt->anchors), cmp_anchor);
	if (!address_ranges(dt))
		return NULL; /* addresses would not lead anywhere */
	if (anchors_from_target(dt))
		return NULL;
	err = vsc_elf_symtab_foreach(dt->path, note_anchor, dt);
	if (err && err->kind != VSC_ERR_NOTFOUND) /* no .symtab: hints by file name only */
		return err;
	vsc_error_destroy(err);
	return NULL;
}

/* A 4- or 8-byte little-endian value (the reader takes little-endian files only). */
static uint64_t read_uint(const unsigned char *p, size_t size)
{
	uint64_t v = 0;

	for (size_t i = 0; i < size; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* The CU whose code covers @addr (its unit offset), from .debug_aranges. */
static bool cu_of_address(struct dwarf_types *dt, uint64_t addr, uint64_t *unit_off)
{
	const unsigned char *p = address_ranges(dt), *end = p + dt->aranges_size;

	while (p && end - p >= 16) {
		const unsigned char *set = p, *set_end, *q;
		uint64_t len = read_uint(p, 4), cu;
		size_t offsz = 4, asz;

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
				*unit_off = cu;
				return true;
			}
		}
		p = set_end;
	}
	return false;
}

/* Functions named after a type ("iopf_queue_alloc" for "iopf_queue"), from .symtab. */
struct named_after {
	const char *name;
	size_t len;
	uint64_t addr[MAX_NAMED_AFTER];
	size_t n;
};

static int note_named_after(void *arg, const char *name, uint64_t value, uint64_t size, char type)
{
	struct named_after *na = arg;

	(void)size;
	if ((type != 'T' && type != 't') || !value)
		return 0;
	if (strncmp(name, na->name, na->len) != 0 || name[na->len] != '_')
		return 0;
	na->addr[na->n++] = value;
	return na->n == MAX_NAMED_AFTER;        /* enough: stop */
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
				VSC_TRY(scan_cu(dt, dt->cus[i].off));
		}
	} else {
		struct anchor key = { .name = place }, *a;
		uint64_t off;

		VSC_TRY(resolve_anchors(dt));
		a = dt->nanchors ? bsearch(&key, dt->anchors, dt->nanchors, sizeof(key), cmp_anchor)
				 : NULL;
		if (a && a->addr && cu_of_address(dt, a->addr, &off) && !cu_scanned(dt, off))
			VSC_TRY(scan_cu(dt, off));
	}
	return NULL;
}

/*
 * Step 3: false only if no string of the vmlinux's .BTF is @w's name.  The
 * string section (40% of .BTF, 1.9 MB on 6.12) is read for the test and let
 * go: few names get this far.
 */
static bool btf_may_name(struct dwarf_types *dt, const struct wanted *w)
{
	struct vsc_elf_section sec = { .name = ".BTF" };
	bool lsb64, may = true;
	size_t n;
	void *p;

	if (!dt->btf_strs_known) {
		dt->btf_strs_known = true;
		if (!vsc_error_consume(vsc_elf_sections(dt->path, &sec, 1, &lsb64)) &&
		    sec.present &&
		    !vsc_error_consume(vsc_elf_section_part(dt->path, ".BTF", 0, 64, &p, &n))) {
			if (!vsc_btf_strings_at(p, n, sec.compressed ? UINT64_MAX : sec.size,
						&dt->btf_strs_off, &dt->btf_strs_len))
				dt->btf_strs_len = 0;
			free(p);
		}
	}
	if (dt->btf_strs_len &&
	    !vsc_error_consume(vsc_elf_section_part(dt->path, ".BTF", dt->btf_strs_off,
						     dt->btf_strs_len, &p, &n))) {
		may = vsc_btf_strings_have(p, n, w->name, w->len);
		free(p);
	}
	return may;
}

/* The vmlinux's .BTF parsed, or NULL. */
static struct vsc_types *own_btf(struct dwarf_types *dt)
{
	size_t size;
	void *blob;

	if (!dt->btf_tried) {
		dt->btf_tried = true;
		if (!vsc_error_consume(vsc_elf_section_copy(dt->path, ".BTF", &blob, &size))) {
			vsc_error_destroy(vsc_btf_types_create(blob, size, &dt->btf));
			free(blob);
		}
	}
	return dt->btf;
}

/*
 * Step 6 at the top of the file: false only when the vmlinux's .BTF has
 * nothing named @w in any of its name spaces.  Whatever else it says
 * (found, corrupt, no .BTF) leaves the question to the DWARF.
 */
static bool btf_may_define(struct dwarf_types *dt, const struct wanted *w)
{
	static const char *const keyword[] = {
		[NS_STRUCT] = "struct ", [NS_UNION] = "union ", [NS_ENUM] = "enum ",
	};
	struct vsc_types *btf = own_btf(dt);
	bool absent = btf != NULL;

	for (size_t i = 0; absent && i < w->nns; i++) {
		struct vsc_error *err;
		char *spec = NULL;
		uint64_t size;
		int64_t value;

		if (w->nss[i] == NS_ENUMERATOR) {
			if (asprintf(&spec, "%.*s", (int)w->len, w->name) < 0)
				return true;
			err = btf->ops->enum_value(btf->priv, spec, &value);
		} else {
			const char *kw = w->nss[i] < sizeof(keyword) / sizeof(keyword[0]) &&
					 keyword[w->nss[i]] ? keyword[w->nss[i]] : "";

			/* a bare name is a typedef, struct, union or base type to BTF too */
			if (asprintf(&spec, "%s%.*s", kw, (int)w->len, w->name) < 0)
				return true;
			err = btf->ops->type_size(btf->priv, spec, &size);
		}
		absent = err && err->kind == VSC_ERR_NOTFOUND;
		vsc_error_destroy(err);
		free(spec);
	}
	return !absent;
}

/* Scan the CUs of the functions named after @w's name (step 5 at the top of the file). */
static struct vsc_error *scan_named_after(struct dwarf_types *dt, const struct wanted *w)
{
	struct named_after na = { .name = w->name, .len = w->len };
	struct vsc_error *err;

	if (!address_ranges(dt))
		return NULL;
	err = vsc_elf_symtab_foreach(dt->path, note_named_after, &na);
	if (err && err->kind != VSC_ERR_NOTFOUND)
		return err;
	vsc_error_destroy(err);
	for (size_t i = 0; i < na.n && !find_wanted(dt, w); i++) {
		uint64_t off;

		if (cu_of_address(dt, na.addr[i], &off) && !cu_scanned(dt, off))
			VSC_TRY(scan_cu(dt, off));
	}
	return NULL;
}

/* Has @w been found absent before (by .debug_str, or by .BTF in each of its name spaces)? */
static bool known_absent(const struct dwarf_types *dt, const struct wanted *w)
{
	if (index_find(&dt->absent, NS_ABSENT, w->name, w->len))
		return true;
	for (size_t i = 0; i < w->nns; i++)
		if (!index_find(&dt->absent, NS_ABSENT + w->nss[i], w->name, w->len))
			return false;
	return w->nns > 0;
}

/* Remember that @w is absent: from every name space (@everywhere), or from its own. */
static void remember_absent(struct dwarf_types *dt, const struct wanted *w, bool everywhere)
{
	for (size_t i = 0; i < (everywhere ? 1 : w->nns); i++) {
		uint32_t ns = everywhere ? NS_ABSENT : NS_ABSENT + w->nss[i];
		char *copy;

		if (index_find(&dt->absent, ns, w->name, w->len))
			continue;
		copy = strndup(w->name, w->len);
		/* only a cache: without memory, the next lookup just searches again */
		if (copy && vsc_error_consume(index_add(&dt->absent, ns, copy, 0, 0)))
			free(copy);
	}
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

	if (!s && (known_absent(dt, &w) || (dt->have_cus && dt->cursor == dt->ncus)))
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
	if (!s && (!may_be_defined(dt, name, len) || !btf_may_name(dt, &w))) {
		remember_absent(dt, &w, true);
		goto absent;
	}
	for (size_t i = 0; !s && hint && i < 4 && hint->places[i]; i++) {
		if (is_file_place(hint->places[i])) {
			VSC_TRY(scan_place(dt, hint->places[i], &w));
			s = find_wanted(dt, &w);
		}
	}
	if (!s) {
		VSC_TRY(scan_named_after(dt, &w));
		s = find_wanted(dt, &w);
	}
	if (!s && !btf_may_define(dt, &w)) {
		remember_absent(dt, &w, false);
		goto absent;
	}
	if (!s)
		VSC_TRY(read_cus(dt));
	for (; !s && dt->cursor < dt->ncus; dt->cursor++) {
		if (!dt->cus[dt->cursor].scanned) {
			VSC_TRY(scan_cu(dt, dt->cus[dt->cursor].off));
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

static struct vsc_error *die_at(struct dwarf_types *dt, uint64_t off, struct vsc_dwr_die *die)
{
	if (vsc_dwr_offdie(dt->r, off, die) < 0)
		return dw_error(dt, "reading type entry");
	return NULL;
}

/* Look up "struct X", "union X", "enum X" or a bare X (typedef, struct, union, base). */
static struct vsc_error *lookup_type(struct dwarf_types *dt, const char *spec,
				     struct vsc_dwr_die *die)
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

static bool type_of(struct dwarf_types *dt, struct vsc_dwr_die *die, struct vsc_dwr_die *type)
{
	struct vsc_dwr_attr a;

	return vsc_dwr_attr_integrate(dt->r, die, DW_AT_type, &a) &&
	       vsc_dwr_ref_die(dt->r, &a, type);
}

static bool is_modifier(int tag)
{
	return tag == DW_TAG_typedef || tag == DW_TAG_const_type || tag == DW_TAG_volatile_type ||
	       tag == DW_TAG_restrict_type || tag == DW_TAG_atomic_type ||
	       tag == DW_TAG_immutable_type || tag == DW_TAG_packed_type;
}

/* Follow typedefs and qualifiers.  *is_void when the chain ends in void. */
static struct vsc_error *skip_typedefs(struct dwarf_types *dt, struct vsc_dwr_die *die,
				       struct vsc_dwr_die *out, bool *is_void)
{
	struct vsc_dwr_die cur = *die;

	for (int i = 0; i < MAX_CHAIN; i++) {
		if (!is_modifier(vsc_dwr_tag(&cur))) {
			*out = cur;
			*is_void = false;
			return NULL;
		}
		if (!type_of(dt, &cur, &cur)) {
			*is_void = true;
			return NULL;
		}
	}
	return vsc_error_create(VSC_ERR_CORRUPT, "dwarf typedef chain longer than %d at 0x%" PRIx64,
				MAX_CHAIN, die->off);
}

/* The definition of a struct/union/enum that @die only declares, by name. */
static bool complete_declaration(struct dwarf_types *dt, struct vsc_dwr_die *die,
				 struct vsc_dwr_die *out)
{
	const char *name = vsc_dwr_name(dt->r, die);
	const struct name_slot *s;
	struct vsc_error *err;
	int tagns = ns_of_tag(vsc_dwr_tag(die));
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
static struct vsc_error *resolve(struct dwarf_types *dt, struct vsc_dwr_die *die,
				 struct vsc_dwr_die *out,
				 bool *is_void)
{
	VSC_TRY(skip_typedefs(dt, die, out, is_void));
	if (!*is_void && vsc_dwr_has_attr(dt->r, out, DW_AT_declaration))
		complete_declaration(dt, out, out);
	return NULL;
}

/* Element count of subrange @sr; 0 for flexible and zero-length arrays. */
static uint64_t subrange_count(struct dwarf_types *dt, struct vsc_dwr_die *sr)
{
	struct vsc_dwr_attr a;
	uint64_t count, ub, lb = 0;

	if (attr_udata(dt, sr, DW_AT_count, &count))
		return count;
	if (!vsc_dwr_attr_integrate(dt->r, sr, DW_AT_upper_bound, &a))
		return 0;
	if (a.form == DW_FORM_sdata) {
		int64_t s;

		if (!vsc_dwr_sdata(&a, &s) || s < 0)
			return 0;
		ub = (uint64_t)s;
	} else if (!vsc_dwr_udata(&a, &ub)) {
		return 0; /* a bound that is an expression: variable length */
	} else {
		unsigned int form = a.form;

		if ((form == DW_FORM_data1 && ub == 0xff) ||
		    (form == DW_FORM_data2 && ub == 0xffff) ||
		    (form == DW_FORM_data4 && ub == 0xffffffff) || ub == ~(uint64_t)0)
			return 0; /* -1: zero-length array */
	}
	attr_udata(dt, sr, DW_AT_lower_bound, &lb);
	return ub >= lb ? ub - lb + 1 : 0;
}

static struct vsc_error *type_bytes(struct dwarf_types *dt, struct vsc_dwr_die *die, int depth,
				    uint64_t *size);

/* Dimensions of array type @arr: outermost count and the size of one element. */
static struct vsc_error *array_shape(struct dwarf_types *dt, struct vsc_dwr_die *arr, int depth,
				     uint64_t *len, uint64_t *elem_size)
{
	uint64_t dims[MAX_DIMS], elem;
	struct vsc_dwr_die child, etype;
	int n = 0, r;

	for (r = vsc_dwr_child(dt->r, arr, &child); r == 0;
	     r = vsc_dwr_sibling(dt->r, &child, &child)) {
		if (vsc_dwr_tag(&child) != DW_TAG_subrange_type)
			continue;
		if (n == MAX_DIMS)
			return vsc_error_create(VSC_ERR_CORRUPT,
						"array with more than %d dimensions", MAX_DIMS);
		dims[n++] = subrange_count(dt, &child);
	}
	if (r < 0)
		return dw_error(dt, "reading array bounds");
	if (!type_of(dt, arr, &etype))
		return vsc_error_create(VSC_ERR_CORRUPT, "array without element type");
	VSC_TRY(type_bytes(dt, &etype, depth + 1, &elem));
	for (int i = 1; i < n; i++)
		elem *= dims[i];
	*len = n ? dims[0] : 0;
	*elem_size = elem;
	return NULL;
}

/* Size in bytes of type @die (typedefs followed, declarations completed). */
static struct vsc_error *type_bytes(struct dwarf_types *dt, struct vsc_dwr_die *die, int depth,
				    uint64_t *size)
{
	struct vsc_dwr_die t;
	uint64_t bytes;
	bool is_void;

	if (depth > MAX_CHAIN)
		return vsc_error_create(VSC_ERR_CORRUPT, "array nesting deeper than %d", MAX_CHAIN);
	VSC_TRY(resolve(dt, die, &t, &is_void));
	if (is_void)
		return vsc_error_create(VSC_ERR_NOTFOUND, "void has no size");
	switch (vsc_dwr_tag(&t)) {
	case DW_TAG_array_type: {
		uint64_t len, elem;

		VSC_TRY(array_shape(dt, &t, depth, &len, &elem));
		*size = len * elem;
		return NULL;
	}
	case DW_TAG_pointer_type:
	case DW_TAG_reference_type:
		if (attr_udata(dt, &t, DW_AT_byte_size, &bytes)) {
			*size = bytes;
		} else {
			*size = vsc_dwr_unit_addr_size(t.unit);
		}
		return NULL;
	case DW_TAG_subroutine_type:
		break;
	default:
		if (!vsc_dwr_has_attr(dt->r, &t, DW_AT_declaration) &&
		    attr_udata(dt, &t, DW_AT_byte_size, &bytes)) {
			*size = bytes;
			return NULL;
		}
		break;
	}
	return vsc_error_create(VSC_ERR_NOTFOUND, "type at 0x%" PRIx64 " has no size",
				t.off);
}

static enum vsc_type_kind vsc_kind_of(struct dwarf_types *dt, struct vsc_dwr_die *t, bool is_void)
{
	uint64_t enc;

	if (is_void)
		return VSC_TYPE_OTHER;
	switch (vsc_dwr_tag(t)) {
	case DW_TAG_base_type:
		if (attr_udata(dt, t, DW_AT_encoding, &enc) &&
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

static struct vsc_error *member_location(struct dwarf_types *dt, struct vsc_dwr_die *m,
					 uint64_t *bytes)
{
	struct vsc_dwr_attr a;
	uint64_t v;

	*bytes = 0;
	if (!vsc_dwr_attr_integrate(dt->r, m, DW_AT_data_member_location, &a))
		return NULL; /* union members */
	if (vsc_dwr_udata(&a, &v)) {
		*bytes = v;
		return NULL;
	}
	if (vsc_dwr_expr_uconst(&a, &v)) {
		*bytes = v;
		return NULL;
	}
	return vsc_error_create(VSC_ERR_UNSUPPORTED, "member at 0x%" PRIx64
				" has a computed location", m->off);
}

/* Bit position within its struct and bit-field width (0: not a bit field) of member @m. */
static struct vsc_error *member_bits(struct dwarf_types *dt, struct vsc_dwr_die *m,
				     uint64_t *bitpos,
				     uint32_t *bitsize)
{
	uint64_t v, bit_size = 0, storage;
	uint64_t bytes;

	attr_udata(dt, m, DW_AT_bit_size, &bit_size);
	if (bit_size > 64)
		return vsc_error_create(VSC_ERR_CORRUPT, "bit field of %" PRIu64 " bits",
					(uint64_t)bit_size);
	*bitsize = (uint32_t)bit_size;
	if (attr_udata(dt, m, DW_AT_data_bit_offset, &v)) { /* DWARF 4+ */
		*bitpos = v;
		return NULL;
	}
	VSC_TRY(member_location(dt, m, &bytes));
	*bitpos = bytes * 8;
	if (bit_size && attr_udata(dt, m, DW_AT_bit_offset, &v)) { /* DWARF 2/3: from the MSB */
		struct vsc_dwr_die type;

		if (!attr_udata(dt, m, DW_AT_byte_size, &storage)) {
			storage = 0;
			if (type_of(dt, m, &type))
				VSC_TRY(type_bytes(dt, &type, 0, &storage));
		}
		if (storage * 8 >= v + bit_size)        /* little-endian: see dwarf_read.c */
			*bitpos += storage * 8 - v - bit_size;
		else
			return vsc_error_create(VSC_ERR_CORRUPT,
						"bit field outside its storage unit");
	}
	return NULL;
}

/* @type as a struct or union definition, or NOTFOUND. */
static struct vsc_error *as_composite(struct dwarf_types *dt, struct vsc_dwr_die *type,
				      struct vsc_dwr_die *out)
{
	bool is_void;
	int tag;

	VSC_TRY(resolve(dt, type, out, &is_void));
	tag = is_void ? 0 : vsc_dwr_tag(out);
	if (tag != DW_TAG_structure_type && tag != DW_TAG_union_type)
		return vsc_error_create(VSC_ERR_NOTFOUND, "not a struct or union");
	if (vsc_dwr_has_attr(dt->r, out, DW_AT_declaration))
		return vsc_error_create(VSC_ERR_NOTFOUND, "%s is only declared",
					vsc_dwr_name(dt->r, out) ?: "struct");
	return NULL;
}

/*
 * Find member @name (not NUL-terminated) in composite @comp, looking through
 * anonymous struct/union members.  @base is the bit position of @comp.
 */
static struct vsc_error *find_member(struct dwarf_types *dt, struct vsc_dwr_die *comp,
				     const char *name,
				     size_t len, uint64_t base, int depth, unsigned int *budget,
				     struct found_member *out)
{
	struct vsc_dwr_die m;
	int r;

	if (depth > MAX_NESTING)
		return vsc_error_create(VSC_ERR_CORRUPT,
					"anonymous members nested deeper than %d", MAX_NESTING);
	for (r = vsc_dwr_child(dt->r, comp, &m); r == 0; r = vsc_dwr_sibling(dt->r, &m, &m)) {
		const char *mname;
		uint64_t bitpos;
		uint32_t bitsize;

		if (vsc_dwr_tag(&m) != DW_TAG_member)
			continue;
		if (!(*budget)--)
			return vsc_error_create(VSC_ERR_CORRUPT, "anonymous members fan out beyond "
						"%u members", MAX_VISITS);
		mname = vsc_dwr_name(dt->r, &m);
		if (mname && (strncmp(mname, name, len) != 0 || mname[len] != '\0'))
			continue;
		VSC_TRY(member_bits(dt, &m, &bitpos, &bitsize));
		if (mname) {
			out->bitpos = base + bitpos;
			out->bitsize = bitsize;
			out->has_type = type_of(dt, &m, &out->type);
			return NULL;
		} else {
			struct vsc_dwr_die type, inner;
			struct vsc_error *err;

			if (!type_of(dt, &m, &type))
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
		return dw_error(dt, "reading members");
	return vsc_error_create(VSC_ERR_NOTFOUND, "no member %.*s", (int)len, name);
}

static struct vsc_error *fill_member_info(struct dwarf_types *dt, struct found_member *fm,
					  struct vsc_member_info *out)
{
	struct vsc_member_info info = { 0 };
	struct vsc_dwr_die t;
	bool is_void = true;

	if (fm->has_type)
		VSC_TRY(resolve(dt, &fm->type, &t, &is_void));
	if (is_void)
		return vsc_error_create(VSC_ERR_CORRUPT, "member of type void");
	info.kind = vsc_kind_of(dt, &t, is_void);
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
		struct vsc_dwr_die target;
		struct vsc_error *err = NULL;

		if (type_of(dt, &t, &target))
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
		struct vsc_dwr_die comp;

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
	struct vsc_dwr_die die;

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
static char *render_decl(struct dwarf_types *dt, struct vsc_dwr_die *die, const char *decl,
			 int depth)
{
	const char *sep = *decl ? " " : "";
	char *inner = NULL, *res = NULL;
	struct vsc_dwr_die target, child;
	bool has_target;
	int tag, r;

	if (!die)
		return asprintf(&res, "void%s%s", sep, decl) < 0 ? NULL : res;
	if (depth > MAX_CHAIN)
		return strdup("?");
	tag = vsc_dwr_tag(die);
	has_target = type_of(dt, die, &target);
	switch (tag) {
	case DW_TAG_pointer_type: {
		int ttag = has_target ? vsc_dwr_tag(&target) : 0;
		bool paren = ttag == DW_TAG_array_type || ttag == DW_TAG_subroutine_type;

		if (asprintf(&inner, paren ? "(*%s)" : "*%s", decl) < 0)
			return NULL;
		res = render_decl(dt, has_target ? &target : NULL, inner, depth + 1);
		break;
	}
	case DW_TAG_array_type: {
		size_t size = 0;
		FILE *f = open_memstream(&inner, &size);

		if (!f)
			return NULL;
		fputs(decl, f);
		for (r = vsc_dwr_child(dt->r, die, &child); r == 0;
		     r = vsc_dwr_sibling(dt->r, &child, &child))
			if (vsc_dwr_tag(&child) == DW_TAG_subrange_type)
				fprintf(f, "[%" PRIu64 "]", subrange_count(dt, &child));
		if (fclose(f) != 0)
			return NULL;
		res = render_decl(dt, has_target ? &target : NULL, inner, depth + 1);
		break;
	}
	case DW_TAG_const_type:
	case DW_TAG_volatile_type:
	case DW_TAG_restrict_type:
	case DW_TAG_atomic_type:
		if (has_target && vsc_dwr_tag(&target) == DW_TAG_pointer_type) {
			if (asprintf(&inner, "%s%s%s", qualifier(tag), sep, decl) < 0)
				return NULL;
			res = render_decl(dt, &target, inner, depth + 1);
		} else {
			char *rest = render_decl(dt, has_target ? &target : NULL, decl, depth + 1);

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
		for (r = vsc_dwr_child(dt->r, die, &child); r == 0;
		     r = vsc_dwr_sibling(dt->r, &child, &child)) {
			struct vsc_dwr_die ptype;
			char *p = NULL;

			if (vsc_dwr_tag(&child) == DW_TAG_formal_parameter)
				p = render_decl(dt, type_of(dt, &child, &ptype) ? &ptype : NULL, "",
						depth + 1);
			else if (vsc_dwr_tag(&child) == DW_TAG_unspecified_parameters)
				p = strdup("...");
			else
				continue;
			fprintf(f, "%s%s", nparams++ ? ", " : "", p ? p : "?");
			free(p);
		}
		fprintf(f, "%s)", nparams ? "" : "void");
		if (fclose(f) != 0)
			return NULL;
		res = render_decl(dt, has_target ? &target : NULL, inner, depth + 1);
		break;
	}
	default: {
		const char *kw = tag == DW_TAG_structure_type ? "struct "
				 : tag == DW_TAG_union_type    ? "union "
				 : tag == DW_TAG_enumeration_type ? "enum " : "";
		const char *name = vsc_dwr_name(dt->r, die);

		if (is_modifier(tag) && tag != DW_TAG_typedef) /* immutable, packed */
			return render_decl(dt, has_target ? &target : NULL, decl, depth + 1);
		if (asprintf(&res, "%s%s%s%s", kw, name ? name : "{...}", sep, decl) < 0)
			res = NULL;
		break;
	}
	}
	free(inner);
	return res;
}


static void describe_members(struct dwarf_types *dt, FILE *f, struct vsc_dwr_die *comp,
			     uint64_t base,
			     int depth, unsigned int *budget)
{
	struct vsc_dwr_die m;
	int r;

	for (r = vsc_dwr_child(dt->r, comp, &m); r == 0; r = vsc_dwr_sibling(dt->r, &m, &m)) {
		struct vsc_member_info info = { 0 };
		struct vsc_dwr_die type, inner;
		bool has_type, anonymous = false;
		const char *mname;
		uint64_t bitpos;
		uint32_t bitsize;
		struct vsc_error *err;
		char *decl, *text = NULL;

		if (vsc_dwr_tag(&m) != DW_TAG_member)
			continue;
		if (!*budget) {         /* (a post-decrement wrapped: no bound, found by fuzzing) */
			fprintf(f, "%.*s/* ... */\n", depth, VSC_TYPES_TABS);
			return;
		}
		(*budget)--;
		mname = vsc_dwr_name(dt->r, &m);
		err = member_bits(dt, &m, &bitpos, &bitsize);
		if (err) {
			fprintf(f, "%.*s/* %s: %s */\n", depth, VSC_TYPES_TABS, mname ? mname : "?",
				err->message);
			vsc_error_destroy(err);
			continue;
		}
		bitpos += base;
		has_type = type_of(dt, &m, &type);
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
			anonymous = !err && !vsc_dwr_name(dt->r, &inner);
			vsc_error_destroy(err);
		}
		if (anonymous) { /* inline, offsets from the outer start */
			fprintf(f, "%.*s%s {\n", depth, VSC_TYPES_TABS,
				vsc_dwr_tag(&inner) == DW_TAG_union_type ? "union" : "struct");
			describe_members(dt, f, &inner, bitpos, depth + 1, budget);
			vsc_types_describe_line(f, depth, "};", 0, &info);
			continue;
		}
		decl = render_decl(dt, has_type ? &type : NULL, mname ? mname : "", 0);
		if ((bitsize ? asprintf(&text, "%s:%" PRIu32 ";", decl ? decl : "?", bitsize)
			     : asprintf(&text, "%s;", decl ? decl : "?")) < 0)
			text = NULL;
		vsc_types_describe_line(f, depth, text ? text : "?;", bitsize, &info);
		free(text);
		free(decl);
	}
	if (r < 0)
		fprintf(f, "%.*s/* %s */\n", depth, VSC_TYPES_TABS, vsc_dwr_errmsg(dt->r));
}

/* Typedefs (not of structs), enums and base types. */
static struct vsc_error *describe_scalar(struct dwarf_types *dt, struct vsc_dwr_die *die,
					 char **out)
{
	struct vsc_error *err;
	uint64_t bytes = 0;
	char *buf = NULL, *decl;
	size_t size = 0;
	struct vsc_dwr_die target, child;
	FILE *f;
	int r;

	err = type_bytes(dt, die, 0, &bytes);
	vsc_error_destroy(err);
	f = open_memstream(&buf, &size);
	if (!f)
		return &vsc_error_nomem;
	if (vsc_dwr_tag(die) == DW_TAG_typedef) {
		decl = render_decl(dt, type_of(dt, die, &target) ? &target : NULL,
				   vsc_dwr_name(dt->r, die) ?: "?", 0);
		fprintf(f, "typedef %s;", decl ? decl : "?");
		free(decl);
	} else if (vsc_dwr_tag(die) == DW_TAG_enumeration_type) {
		fprintf(f, "enum %s {\n", vsc_dwr_name(dt->r, die) ?: "");
		for (r = vsc_dwr_child(dt->r, die, &child); r == 0;
		     r = vsc_dwr_sibling(dt->r, &child, &child)) {
			int64_t v;

			if (vsc_dwr_tag(&child) != DW_TAG_enumerator ||
			    !enumerator_value(dt, &child, die, &v))
				continue;
			fprintf(f, "\t%s = %" PRId64 ",\n", vsc_dwr_name(dt->r, &child) ?: "?", v);
		}
		fprintf(f, "};");
	} else {
		decl = render_decl(dt, die, "", 0);
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
	struct vsc_dwr_die die, comp, m;
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
	fprintf(f, "%s %s {\n", vsc_dwr_tag(&comp) == DW_TAG_union_type ? "union" : "struct",
		vsc_dwr_name(dt->r, &comp) ?: "{...}");
	describe_members(dt, f, &comp, 0, 1, &(unsigned int){ MAX_VISITS });
	for (r = vsc_dwr_child(dt->r, &comp, &m); r == 0; r = vsc_dwr_sibling(dt->r, &m, &m))
		nmembers += vsc_dwr_tag(&m) == DW_TAG_member;
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
	vsc_types_destroy(dt->btf);
	for (struct arena_block *b = dt->arena, *next; b; b = next) {
		next = b->next;
		free(b);
	}
	vsc_dwr_close(dt->r);
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

static void dw_use_target(void *priv, struct vsc_target *t)
{
	struct dwarf_types *dt = priv;

	dt->target = t;
}

static const struct vsc_types_ops dwarf_ops = {
	.name = "dwarf",
	.destroy = dw_destroy,
	.type_size = dw_type_size,
	.member = dw_member,
	.enum_value = dw_enum_value,
	.describe = dw_describe,
	.add_hints = dw_add_hints,
	.use_target = dw_use_target,
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
		err = &vsc_error_nomem;
		goto fail;
	}
	err = vsc_dwr_open(vmlinux, &dt->r);
	if (err)
		goto fail;
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
