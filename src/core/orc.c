// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ORC unwind tables read from the dump's memory, and module text.
 *
 * vmlinux: __start_orc_unwind_ip[] (s32, self-relative) and the parallel
 * __start_orc_unwind[] (6-byte entries), located through kallsyms, so no
 * debuginfo is needed.  The entry layout changed three times (see
 * vsc_orc_decode()); .orc_header (v6.4+, b9f174c811e3) carries a hash that
 * names the layout, older kernels are told by release.
 *
 * Modules: the `modules` list, each struct module's arch.{orc_unwind_ip,
 * orc_unwind, num_orcs} and text range (core_layout until v6.3, mem[] since
 * v6.4, ac3b43283923), and its kallsyms (mod->kallsyms) for symbol names
 * when the target's symbol table has none for modules.  All of it is read
 * on first use and hung off the target: vmlinux's for the target's life,
 * the modules' for one epoch (a live kernel loads and unloads them).  The
 * names handed out (module and module symbol names) are kept in a pool for
 * the target's life, so a stack read in an earlier epoch still names its
 * frames.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vtdscope/symbols.h>
#include <vtdscope/types.h>
#include <vtdscope/unwind.h>

#include "target_internal.h"

#define MAX_ORC_ENTRIES (8u << 20)     /* 6.18 has ~480k; modules far fewer */
#define MAX_MODULES 4096
#define MAX_MOD_SYMS (1u << 20)
#define MOD_NAME_LEN 56
#define ELF64_SYM_SIZE 24

/* ---- entry decoding ---- */

static const enum vsc_orc_reg regs_v1[16] = {
	VSC_ORC_REG_UNDEFINED, VSC_ORC_REG_PREV_SP, VSC_ORC_REG_DX, VSC_ORC_REG_DI,
	VSC_ORC_REG_BP, VSC_ORC_REG_SP, VSC_ORC_REG_R10, VSC_ORC_REG_R13,
	VSC_ORC_REG_BP_INDIRECT, VSC_ORC_REG_SP_INDIRECT, VSC_ORC_REG_INVALID,
	VSC_ORC_REG_INVALID, VSC_ORC_REG_INVALID, VSC_ORC_REG_INVALID, VSC_ORC_REG_INVALID,
	VSC_ORC_REG_INVALID,
};

/* v7.1 renumbered the registers and added AX (1735858caa4b). */
static const enum vsc_orc_reg regs_v4[16] = {
	VSC_ORC_REG_UNDEFINED, VSC_ORC_REG_AX, VSC_ORC_REG_DX, VSC_ORC_REG_SP,
	VSC_ORC_REG_BP, VSC_ORC_REG_DI, VSC_ORC_REG_R10, VSC_ORC_REG_R13,
	VSC_ORC_REG_PREV_SP, VSC_ORC_REG_SP_INDIRECT, VSC_ORC_REG_BP_INDIRECT,
	VSC_ORC_REG_INVALID, VSC_ORC_REG_INVALID, VSC_ORC_REG_INVALID, VSC_ORC_REG_INVALID,
	VSC_ORC_REG_INVALID,
};

void vsc_orc_decode(const uint8_t raw[VSC_ORC_ENTRY_SIZE], unsigned int version,
		    struct vsc_orc_entry *out)
{
	uint16_t w = (uint16_t)(raw[4] | raw[5] << 8);
	unsigned int sp = w & 0xf, bp = (w >> 4) & 0xf;

	out->sp_offset = (int16_t)(raw[0] | raw[1] << 8);
	out->bp_offset = (int16_t)(raw[2] | raw[3] << 8);
	out->sp_reg = version >= 4 ? regs_v4[sp] : regs_v1[sp];
	out->bp_reg = version >= 4 ? regs_v4[bp] : regs_v1[bp];

	if (version <= 2) {
		/* type:2 at bit 8; v1: end at bit 10; v2 (ffb1b4a41016): signal 10, end 11 */
		static const enum vsc_orc_type types[4] = {
			VSC_ORC_TYPE_CALL, VSC_ORC_TYPE_REGS, VSC_ORC_TYPE_REGS_PARTIAL,
			VSC_ORC_TYPE_INVALID,
		};
		bool end = version <= 1 ? (w >> 10) & 1 : (w >> 11) & 1;

		if (out->sp_reg == VSC_ORC_REG_UNDEFINED)
			out->type = end ? VSC_ORC_TYPE_END_OF_STACK : VSC_ORC_TYPE_UNDEFINED;
		else
			out->type = types[(w >> 8) & 3];
		if (version <= 1)
			out->signal = out->type == VSC_ORC_TYPE_REGS ||
				      out->type == VSC_ORC_TYPE_REGS_PARTIAL;
		else
			out->signal = (w >> 10) & 1;
	} else {
		/* type:3 at bit 8, signal at bit 11 (fb799447ae29) */
		static const enum vsc_orc_type types[8] = {
			VSC_ORC_TYPE_UNDEFINED, VSC_ORC_TYPE_END_OF_STACK, VSC_ORC_TYPE_CALL,
			VSC_ORC_TYPE_REGS, VSC_ORC_TYPE_REGS_PARTIAL, VSC_ORC_TYPE_INVALID,
			VSC_ORC_TYPE_INVALID, VSC_ORC_TYPE_INVALID,
		};

		out->type = types[(w >> 8) & 7];
		out->signal = (w >> 11) & 1;
	}
}

static const struct {
	const char *hash;
	unsigned int version;
} orc_hashes[] = {
	{ "db84aed4103b31dd51e017f8f79783ca985c2c51", 2 }, /* v6.3 layout */
	{ "fe5d32bf581bd63b2ca9a5c65ba5a625eab3fe24", 3 }, /* v6.4 layout */
	{ "137c36ad7627c4dd55932176bb0ecdbd5041fc82", 4 }, /* v7.1 layout */
};

static bool parse_release(const char *release, unsigned int *maj, unsigned int *min)
{
	return release && sscanf(release, "%u.%u", maj, min) == 2;
}

unsigned int vsc_orc_version_detect(const uint8_t *hash, const char *release)
{
	unsigned int maj = 0, min = 0;
	bool have_rel = parse_release(release, &maj, &min);
	unsigned int rel = maj * 1000 + min;

	if (hash) {
		char hex[41];

		for (int i = 0; i < 20; i++)
			snprintf(hex + 2 * i, 3, "%02x", hash[i]);
		for (size_t i = 0; i < sizeof(orc_hashes) / sizeof(orc_hashes[0]); i++)
			if (!strcmp(hex, orc_hashes[i].hash))
				return orc_hashes[i].version;
		/* A header with an unknown hash: a layout newer than we know, or a backport. */
		if (have_rel && rel >= 7001)
			return 4;
		if (have_rel && rel < 6004)
			return 2;
		return 3;
	}
	if (!have_rel)
		return 0;
	if (rel >= 7001)
		return 4;
	if (rel >= 6004)
		return 3;
	/* RHEL 9 5.14.0-517 and later carry the v6.4 layout without a header (drgn). */
	if (rel == 5014 && strstr(release, ".el9")) {
		const char *dash = strchr(release, '-');

		if (dash && strtoul(dash + 1, NULL, 10) >= 517)
			return 3;
	}
	if (rel == 6003)
		return 2;
	return 1;
}

static const char *orc_reg_name(enum vsc_orc_reg r)
{
	static const char *const names[] = {
		"undef", "prev_sp", "dx", "di", "bp", "sp", "r10", "r13", "bp(ind)", "sp(ind)",
		"ax", "?",
	};

	return (unsigned int)r <= VSC_ORC_REG_INVALID ? names[r] : "?";
}

void vsc_orc_entry_format(const struct vsc_orc_entry *e, char *buf, size_t size)
{
	static const char *const types[] = { "undefined", "end", "call", "regs",
					     "regs_partial", "?" };

	snprintf(buf, size, "sp:%s%+d bp:%s%+d type:%s%s", orc_reg_name(e->sp_reg), e->sp_offset,
		 orc_reg_name(e->bp_reg), e->bp_offset,
		 (unsigned int)e->type <= VSC_ORC_TYPE_INVALID ? types[e->type] : "?",
		 e->signal ? " signal" : "");
}

/* ---- tables ---- */

/*
 * A table in host memory.  The vmlinux table (~400k entries, ~4 MB) is
 * read lazily in chunks: a lookup's binary search touches a few dozen
 * entries, and reading all of it from a compressed dump costs more than a
 * whole `bt -a`.  Module tables are small and read whole.
 */
#define CHUNK 1024u                     /* entries per lazily read chunk */

enum { CHUNK_ABSENT = 0, CHUNK_OK, CHUNK_BAD };

struct orc_table {
	uint64_t ip_addr;       /* address of ip[0] in the target */
	uint64_t orc_addr;
	int32_t *ip;
	uint8_t *orc;           /* n * 6 bytes */
	uint8_t *ip_chunk;      /* lazily loaded tables: CHUNK_* per chunk; NULL = all loaded */
	uint8_t *orc_chunk;
	uint32_t *order;        /* indices sorted by ip if the table is unsorted, else NULL */
	size_t n;
};

struct mod_sym {
	uint64_t addr, size;
	uint32_t name_off;
	const char *name;       /* read on first use, in the name pool */
};

struct mod_info {
	const char *name;       /* in the name pool */
	uint64_t addr;
	uint64_t text_base[2], text_size[2]; /* core, init */
	uint64_t orc_ip_addr, orc_addr;
	uint32_t num_orcs;
	bool orc_tried;
	struct orc_table orc;
	bool syms_tried;
	uint64_t kallsyms;
	uint64_t strtab;
	struct mod_sym *syms;
	size_t nr_syms;
};

/* Distinct strings, each kept once until the target goes: open addressing over a power of 2. */
struct name_pool {
	char **slot;
	size_t cap, n;
};

struct vsc_orc_state {
	/* vmlinux: for the target's life */
	bool vmlinux_tried;
	struct orc_table vmlinux;
	unsigned int version;
	char *vmlinux_error;
	uint64_t stext, etext, sinittext, einittext;

	/* modules: for one epoch */
	bool modules_tried;
	struct mod_info *mods;
	size_t nr_mods;

	struct name_pool names;
};

static size_t name_hash(const char *s, size_t cap)
{
	uint64_t h = 0xcbf29ce484222325ULL;     /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return (size_t)h & (cap - 1);
}

/* The pool's copy of @s, added if new; NULL when out of memory. */
static const char *name_intern(struct name_pool *p, const char *s)
{
	size_t i;
	char *copy;

	if ((p->n + 1) * 2 > p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 256;
		char **nslot = calloc(ncap, sizeof(*nslot));

		if (!nslot)
			return NULL;
		for (size_t k = 0; k < p->cap; k++) {
			if (!p->slot[k])
				continue;
			for (i = name_hash(p->slot[k], ncap); nslot[i]; i = (i + 1) & (ncap - 1))
				;
			nslot[i] = p->slot[k];
		}
		free(p->slot);
		p->slot = nslot;
		p->cap = ncap;
	}
	for (i = name_hash(s, p->cap); p->slot[i]; i = (i + 1) & (p->cap - 1))
		if (!strcmp(p->slot[i], s))
			return p->slot[i];
	copy = strdup(s);
	if (!copy)
		return NULL;
	p->slot[i] = copy;
	p->n++;
	return copy;
}

static void table_free(struct orc_table *tb)
{
	free(tb->ip);
	free(tb->orc);
	free(tb->ip_chunk);
	free(tb->orc_chunk);
	free(tb->order);
	memset(tb, 0, sizeof(*tb));
}

static void modules_free(struct vsc_orc_state *up)
{
	for (size_t i = 0; i < up->nr_mods; i++) {
		table_free(&up->mods[i].orc);
		free(up->mods[i].syms);
	}
	free(up->mods);
	up->mods = NULL;
	up->nr_mods = 0;
	up->modules_tried = false;
}

void vsc_orc_state_refresh(struct vsc_orc_state *up)
{
	if (up)
		modules_free(up);
}

void vsc_orc_state_destroy(struct vsc_orc_state *up)
{
	if (!up)
		return;
	table_free(&up->vmlinux);
	free(up->vmlinux_error);
	modules_free(up);
	for (size_t i = 0; i < up->names.cap; i++)
		free(up->names.slot[i]);
	free(up->names.slot);
	free(up);
}

static struct vsc_orc_state *get_priv(struct vsc_target *t)
{
	if (!t->orc)
		t->orc = calloc(1, sizeof(*t->orc));
	return t->orc;
}

static inline uint64_t tab_ip(const struct orc_table *tb, size_t i)
{
	return tb->ip_addr + 4 * (uint64_t)i + (uint64_t)(int64_t)tb->ip[i];
}

/* Make entry @i's ip (and entry, if @entry) present.  False if not in the dump. */
static bool tab_need(struct vsc_target *t, struct orc_table *tb, size_t i, bool entry)
{
	size_t c = i / CHUNK, first = c * CHUNK, cnt = tb->n - first < CHUNK ? tb->n - first : CHUNK;
	struct vsc_error *err;

	if (tb->ip_chunk && tb->ip_chunk[c] == CHUNK_ABSENT) {
		err = vsc_read(t, tb->ip_addr + 4 * first, tb->ip + first, cnt * 4, "ORC ip table");
		tb->ip_chunk[c] = err ? CHUNK_BAD : CHUNK_OK;
		vsc_error_destroy(err);
	}
	if (entry && tb->orc_chunk && tb->orc_chunk[c] == CHUNK_ABSENT) {
		err = vsc_read(t, tb->orc_addr + VSC_ORC_ENTRY_SIZE * first,
			       tb->orc + VSC_ORC_ENTRY_SIZE * first, cnt * VSC_ORC_ENTRY_SIZE,
			       "ORC entry table");
		tb->orc_chunk[c] = err ? CHUNK_BAD : CHUNK_OK;
		vsc_error_destroy(err);
	}
	return (!tb->ip_chunk || tb->ip_chunk[c] == CHUNK_OK) &&
	       (!entry || !tb->orc_chunk || tb->orc_chunk[c] == CHUNK_OK);
}

static int cmp_order(const void *a, const void *b, void *arg)
{
	const struct orc_table *tb = arg;
	uint64_t x = tab_ip(tb, *(const uint32_t *)a), y = tab_ip(tb, *(const uint32_t *)b);

	return x < y ? -1 : x > y;
}

static struct vsc_error *table_alloc(struct orc_table *tb, uint64_t ip_addr, uint64_t orc_addr,
				     size_t n, const char *what)
{
	memset(tb, 0, sizeof(*tb));
	if (n == 0 || n > MAX_ORC_ENTRIES)
		return vsc_error_create(VSC_ERR_CORRUPT, "%s: implausible ORC entry count %zu",
					what, n);
	tb->ip_addr = ip_addr;
	tb->orc_addr = orc_addr;
	tb->n = n;
	tb->ip = malloc(n * 4);
	tb->orc = malloc(n * VSC_ORC_ENTRY_SIZE);
	if (!tb->ip || !tb->orc) {
		table_free(tb);
		return &vsc_error_nomem;
	}
	return NULL;
}

/* A table to be read chunk by chunk as lookups need it (sorted: vmlinux since v5.6). */
static struct vsc_error *table_lazy(struct orc_table *tb, uint64_t ip_addr, uint64_t orc_addr,
				    size_t n, const char *what)
{
	VSC_TRY(table_alloc(tb, ip_addr, orc_addr, n, what));
	tb->ip_chunk = calloc((n + CHUNK - 1) / CHUNK, 1);
	tb->orc_chunk = calloc((n + CHUNK - 1) / CHUNK, 1);
	if (!tb->ip_chunk || !tb->orc_chunk) {
		table_free(tb);
		return &vsc_error_nomem;
	}
	return NULL;
}

/* Read a whole table; sort an index if it is not sorted. */
static struct vsc_error *table_load(struct vsc_target *t, uint64_t ip_addr, uint64_t orc_addr,
				    size_t n, const char *what, struct orc_table *tb)
{
	struct vsc_error *err;
	bool sorted = true;

	VSC_TRY(table_alloc(tb, ip_addr, orc_addr, n, what));
	err = vsc_read(t, ip_addr, tb->ip, n * 4, "ORC ip table");
	if (!err)
		err = vsc_read(t, orc_addr, tb->orc, n * VSC_ORC_ENTRY_SIZE, "ORC entry table");
	if (err) {
		table_free(tb);
		return vsc_error_wrap(err, "%s", what);
	}
	for (size_t i = 1; i < n && sorted; i++)
		sorted = tab_ip(tb, i - 1) <= tab_ip(tb, i);
	if (!sorted) {
		tb->order = malloc(n * sizeof(uint32_t));
		if (!tb->order) {
			table_free(tb);
			return &vsc_error_nomem;
		}
		for (size_t i = 0; i < n; i++)
			tb->order[i] = (uint32_t)i;
		qsort_r(tb->order, n, sizeof(uint32_t), cmp_order, tb);
	}
	return NULL;
}

/*
 * The rightmost entry whose ip <= @ip.  Among duplicates prefer the real
 * entry over a "weak" section terminator (undefined, not end-of-stack).
 * -1: no entry; -2: the table is not (all) in the dump.
 */
static int table_find(struct vsc_target *t, struct orc_table *tb, unsigned int version,
		      uint64_t ip, struct vsc_orc_entry *out)
{
	size_t lo = 0, hi = tb->n, found;

	if (!tb->n)
		return -1;
#define IDX(i) (tb->order ? tb->order[i] : (i))
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (!tab_need(t, tb, IDX(mid), false))
			return -2;
		if (tab_ip(tb, IDX(mid)) <= ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return -1;
	found = lo - 1;
	if (!tab_need(t, tb, IDX(found), true))
		return -2;
	vsc_orc_decode(tb->orc + (size_t)IDX(found) * VSC_ORC_ENTRY_SIZE, version, out);
	while (found > 0 && out->type == VSC_ORC_TYPE_UNDEFINED &&
	       tab_need(t, tb, IDX(found - 1), true) &&
	       tab_ip(tb, IDX(found - 1)) == tab_ip(tb, IDX(found))) {
		found--;
		vsc_orc_decode(tb->orc + (size_t)IDX(found) * VSC_ORC_ENTRY_SIZE, version, out);
	}
#undef IDX
	return 0;
}

/* Symbol address or false; the lookup error is not interesting here. */
static bool sym_addr(struct vsc_target *t, const char *name, uint64_t *out)
{
	struct vsc_error *err = vsc_symbol_address(t, name, out);

	vsc_error_destroy(err);
	return !err;
}

static void sym_or_zero(struct vsc_target *t, const char *name, uint64_t *out)
{
	if (!sym_addr(t, name, out))
		*out = 0;
}

static struct vsc_error *vmlinux_load(struct vsc_target *t, struct vsc_orc_state *up)
{
	uint64_t start_ip, stop_ip, start_orc, hstart = 0, hstop = 0;
	uint8_t hash[20];
	bool have_hash = false;
	struct vsc_error *err;

	if (!sym_addr(t, "__start_orc_unwind_ip", &start_ip) ||
	    !sym_addr(t, "__stop_orc_unwind_ip", &stop_ip) ||
	    !sym_addr(t, "__start_orc_unwind", &start_orc))
		return vsc_error_create(VSC_ERR_NOTFOUND,
					"no ORC tables in the kernel (__start_orc_unwind_ip not in "
					"kallsyms; kernel not built with CONFIG_UNWINDER_ORC?)");
	if (stop_ip <= start_ip || (stop_ip - start_ip) % 4)
		return vsc_error_create(VSC_ERR_CORRUPT, "implausible ORC ip table bounds");
	/* .orc_header: v6.4+ (b9f174c811e3), backported to 6.3.10 */
	if (sym_addr(t, "__start_orc_header", &hstart) &&
	    sym_addr(t, "__stop_orc_header", &hstop) && hstop - hstart == 20) {
		err = vsc_read(t, hstart, hash, sizeof(hash), "ORC header hash");
		if (!err)
			have_hash = true;
		vsc_error_destroy(err);
	}
	up->version = vsc_orc_version_detect(have_hash ? hash : NULL, t->info.release);
	if (!up->version)
		return vsc_error_create(VSC_ERR_UNSUPPORTED,
					"cannot tell the ORC entry layout (no .orc_header, release "
					"'%s')", t->info.release ? t->info.release : "?");
	sym_or_zero(t, "_stext", &up->stext);
	sym_or_zero(t, "_etext", &up->etext);
	sym_or_zero(t, "_sinittext", &up->sinittext);
	sym_or_zero(t, "_einittext", &up->einittext);
	if (!up->stext || !up->etext)
		return vsc_error_create(VSC_ERR_NOTFOUND, "kernel text bounds (_stext, _etext) "
					"not in the symbol table");
	return table_lazy(&up->vmlinux, start_ip, start_orc, (stop_ip - start_ip) / 4,
			  "vmlinux ORC");
}

/* ---- modules ---- */

enum {
	M_LIST, M_LIST_NEXT, M_NAME, M_NUM_ORCS, M_ORC_IP, M_ORC, M_KALLSYMS,
	M_CORE_BASE, M_CORE_TEXT, M_INIT_BASE, M_INIT_TEXT,
	M_MEM, M_MEMORY, M_MEMORY_BASE, M_MEMORY_SIZE,
	K_SYMTAB, K_NUM, K_STRTAB, NR_M
};

static const struct vsc_layout_field mod_fields[NR_M] = {
	[M_LIST] = { .type = "struct module", .member = "list", .required = true },
	[M_LIST_NEXT] = { .type = "struct module", .member = "list.next", .required = true },
	[M_NAME] = { .type = "struct module", .member = "name", .required = true },
	[M_NUM_ORCS] = { .type = "struct module", .member = "arch.num_orcs", .required = false },
	[M_ORC_IP] = { .type = "struct module", .member = "arch.orc_unwind_ip", .required = false },
	[M_ORC] = { .type = "struct module", .member = "arch.orc_unwind", .required = false },
	[M_KALLSYMS] = { .type = "struct module", .member = "kallsyms", .required = false },
	/* until v6.3: core_layout/init_layout */
	[M_CORE_BASE] = { .type = "struct module", .member = "core_layout.base", .required = false },
	[M_CORE_TEXT] = { .type = "struct module", .member = "core_layout.text_size", .required = false },
	[M_INIT_BASE] = { .type = "struct module", .member = "init_layout.base", .required = false },
	[M_INIT_TEXT] = { .type = "struct module", .member = "init_layout.text_size", .required = false },
	/* v6.4+: mem[MOD_MEM_NUM_TYPES] (ac3b43283923) */
	[M_MEM] = { .type = "struct module", .member = "mem", .required = false },
	[M_MEMORY] = { .type = "struct module_memory", .member = NULL, .required = false },
	[M_MEMORY_BASE] = { .type = "struct module_memory", .member = "base", .required = false },
	[M_MEMORY_SIZE] = { .type = "struct module_memory", .member = "size", .required = false },
	[K_SYMTAB] = { .type = "struct mod_kallsyms", .member = "symtab", .required = false },
	[K_NUM] = { .type = "struct mod_kallsyms", .member = "num_symtab", .required = false },
	[K_STRTAB] = { .type = "struct mod_kallsyms", .member = "strtab", .required = false },
};

/* @f at @base in @buf (mod_size bytes), 0 when not present or not inside. */
static uint64_t get_field(const unsigned char *buf, size_t buflen,
			  const struct vsc_layout_field *f, uint64_t base)
{
	uint64_t v = 0;

	if (f->present)
		vsc_member_value(buf, buflen, base, &f->info, &v);
	return v;
}

static void modules_load(struct vsc_target *t, struct vsc_orc_state *up)
{
	struct vsc_layout_field f[NR_M];
	uint64_t head, node, mod_size;
	unsigned char *buf = NULL;
	char name[MOD_NAME_LEN + 1];
	int64_t mod_text = 0, mod_init_text = 4;
	size_t cap = 0;
	struct vsc_error *err;

	memcpy(f, mod_fields, sizeof(f));
	err = vsc_layout_resolve(t, f, NR_M);
	if (err || !sym_addr(t, "modules", &head)) {
		vsc_error_destroy(err);
		return;
	}
	mod_size = f[M_LIST].info.offset; /* at least; the real size below */
	err = vsc_type_size(t, "struct module", &mod_size);
	if (err || mod_size > (1u << 16) || mod_size < f[M_NAME].info.offset + MOD_NAME_LEN) {
		vsc_error_destroy(err);
		return;
	}
	vsc_error_destroy(vsc_enum_value(t, "MOD_TEXT", &mod_text));
	vsc_error_destroy(vsc_enum_value(t, "MOD_INIT_TEXT", &mod_init_text));
	buf = malloc(mod_size);
	if (!buf)
		return;
	t->stats.module_scans++;
	err = vsc_read_u64(t, head, &node, "modules.next");
	if (err) {
		vsc_error_destroy(err);
		goto out;
	}
	for (unsigned int n = 0; node != head && n < MAX_MODULES; n++) {
		uint64_t mod = node - f[M_LIST].info.offset;
		struct mod_info *m;

		err = vsc_read(t, mod, buf, mod_size, "struct module");
		if (err) {
			vsc_error_destroy(err);
			break;
		}
		if (up->nr_mods == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct mod_info *nm = realloc(up->mods, ncap * sizeof(*nm));

			if (!nm)
				break;
			up->mods = nm;
			cap = ncap;
		}
		vsc_member_string(buf, mod_size, 0, &f[M_NAME].info, name, sizeof(name));
		for (char *p = name; *p; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
				*p = '?';
		m = &up->mods[up->nr_mods];
		memset(m, 0, sizeof(*m));
		m->name = name_intern(&up->names, name);
		if (!m->name)
			break;
		up->nr_mods++;
		m->addr = mod;
		if (f[M_MEM].present && f[M_MEMORY_BASE].present && f[M_MEMORY_SIZE].present &&
		    f[M_MEMORY].info.size) {
			uint64_t esz = f[M_MEMORY].info.size;

			m->text_base[0] = get_field(buf, mod_size, &f[M_MEMORY_BASE],
						    f[M_MEM].info.offset + (uint64_t)mod_text * esz);
			m->text_size[0] = get_field(buf, mod_size, &f[M_MEMORY_SIZE],
						    f[M_MEM].info.offset + (uint64_t)mod_text * esz);
			m->text_base[1] = get_field(buf, mod_size, &f[M_MEMORY_BASE],
						    f[M_MEM].info.offset +
							    (uint64_t)mod_init_text * esz);
			m->text_size[1] = get_field(buf, mod_size, &f[M_MEMORY_SIZE],
						    f[M_MEM].info.offset +
							    (uint64_t)mod_init_text * esz);
		} else {
			m->text_base[0] = get_field(buf, mod_size, &f[M_CORE_BASE], 0);
			m->text_size[0] = get_field(buf, mod_size, &f[M_CORE_TEXT], 0);
			m->text_base[1] = get_field(buf, mod_size, &f[M_INIT_BASE], 0);
			m->text_size[1] = get_field(buf, mod_size, &f[M_INIT_TEXT], 0);
		}
		for (int i = 0; i < 2; i++)
			if (!m->text_base[i] || m->text_size[i] > (256u << 20))
				m->text_base[i] = m->text_size[i] = 0;
		m->num_orcs = (uint32_t)get_field(buf, mod_size, &f[M_NUM_ORCS], 0);
		m->orc_ip_addr = get_field(buf, mod_size, &f[M_ORC_IP], 0);
		m->orc_addr = get_field(buf, mod_size, &f[M_ORC], 0);
		m->kallsyms = get_field(buf, mod_size, &f[M_KALLSYMS], 0);

		node = get_field(buf, mod_size, &f[M_LIST_NEXT], 0);
		if (!node)
			break;
	}
out:
	free(buf);
}

static struct mod_info *module_by_addr(struct vsc_target *t, struct vsc_orc_state *up,
				       uint64_t addr)
{
	if (!up->modules_tried) {
		up->modules_tried = true;
		modules_load(t, up);
	}
	for (size_t i = 0; i < up->nr_mods; i++)
		for (int j = 0; j < 2; j++)
			if (addr - up->mods[i].text_base[j] < up->mods[i].text_size[j])
				return &up->mods[i];
	return NULL;
}

static int cmp_sym(const void *a, const void *b)
{
	const struct mod_sym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void module_syms_load(struct vsc_target *t, struct mod_info *m)
{
	struct vsc_layout_field f[NR_M];
	unsigned char ks[64], *raw = NULL;
	uint64_t symtab, num;
	struct vsc_error *err;

	m->syms_tried = true;
	memcpy(f, mod_fields, sizeof(f));
	err = vsc_layout_resolve(t, f, NR_M);
	if (err || !m->kallsyms || !f[K_SYMTAB].present || !f[K_NUM].present ||
	    !f[K_STRTAB].present) {
		vsc_error_destroy(err);
		return;
	}
	err = vsc_read(t, m->kallsyms, ks, sizeof(ks), "module kallsyms");
	if (err) {
		vsc_error_destroy(err);
		return;
	}
	symtab = get_field(ks, sizeof(ks), &f[K_SYMTAB], 0);
	num = get_field(ks, sizeof(ks), &f[K_NUM], 0);
	m->strtab = get_field(ks, sizeof(ks), &f[K_STRTAB], 0);
	if (!symtab || !m->strtab || num == 0 || num > MAX_MOD_SYMS)
		return;
	raw = malloc(num * ELF64_SYM_SIZE);
	m->syms = calloc(num, sizeof(*m->syms));
	if (!raw || !m->syms)
		goto fail;
	err = vsc_read(t, symtab, raw, num * ELF64_SYM_SIZE, "module symtab");
	if (err) {
		vsc_error_destroy(err);
		goto fail;
	}
	for (uint64_t i = 0; i < num; i++) {
		const unsigned char *s = raw + i * ELF64_SYM_SIZE;
		uint32_t name;
		uint16_t shndx;
		uint64_t value, size;
		unsigned char type = s[4] & 0xf;
		bool in_text = false;

		memcpy(&name, s, 4);
		memcpy(&shndx, s + 6, 2);
		memcpy(&value, s + 8, 8);
		memcpy(&size, s + 16, 8);
		if (!shndx || !name || (type != 2 /* STT_FUNC */ && type != 0 /* NOTYPE */))
			continue;
		for (int j = 0; j < 2; j++)
			in_text |= value - m->text_base[j] < m->text_size[j];
		if (!in_text)
			continue;
		m->syms[m->nr_syms++] = (struct mod_sym){ .addr = value, .size = size,
							  .name_off = name };
	}
	if (m->nr_syms > 1)	/* qsort(NULL, 0, ...) is undefined */
		qsort(m->syms, m->nr_syms, sizeof(*m->syms), cmp_sym);
	free(raw);
	return;
fail:
	free(raw);
	free(m->syms);
	m->syms = NULL;
	m->nr_syms = 0;
}

static bool module_symbol(struct vsc_target *t, struct vsc_orc_state *up, struct mod_info *m,
			  uint64_t addr, const char **name, uint64_t *offset)
{
	size_t lo = 0, hi;
	struct mod_sym *s;

	if (!m->syms_tried)
		module_syms_load(t, m);
	hi = m->nr_syms;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return false;
	s = &m->syms[lo - 1];
	/* No size (NOTYPE) or past it: accept up to the next symbol only. */
	if (s->size && addr - s->addr >= s->size)
		return false;
	if (!s->name) {
		char buf[256];
		struct vsc_error *err = vsc_read_cstr(t, m->strtab + s->name_off, buf,
						      sizeof(buf), "module symbol name");

		if (err) {
			vsc_error_destroy(err);
			return false;
		}
		s->name = name_intern(&up->names, buf);
		if (!s->name)
			return false;
	}
	*name = s->name;
	*offset = addr - s->addr;
	return true;
}

/* ---- public lookups ---- */

static bool in_range(uint64_t a, uint64_t lo, uint64_t hi)
{
	return lo && a >= lo && a < hi;
}

struct vsc_error *vsc_orc_find(struct vsc_target *t, uint64_t ip, struct vsc_orc_entry *out)
{
	struct vsc_orc_state *up = get_priv(t);
	struct mod_info *m;
	int rc;

	if (!up)
		return &vsc_error_nomem;
	if (ip == 0) {
		/* A call through a NULL function pointer: return address at *sp. */
		*out = (struct vsc_orc_entry){ .sp_reg = VSC_ORC_REG_SP, .sp_offset = 8,
					       .bp_reg = VSC_ORC_REG_UNDEFINED,
					       .type = VSC_ORC_TYPE_CALL };
		return NULL;
	}
	if (!up->vmlinux_tried) {
		struct vsc_error *err;

		up->vmlinux_tried = true;
		err = vmlinux_load(t, up);
		if (err) {
			if (err == &vsc_error_nomem) {
				up->vmlinux_tried = false;
				return err;
			}
			up->vmlinux_error = strdup(err->message);
			vsc_error_destroy(err);
		}
	}
	if (in_range(ip, up->stext, up->etext) || in_range(ip, up->sinittext, up->einittext)) {
		if (!up->vmlinux.n)
			return vsc_error_create(VSC_ERR_NOTFOUND, "%s",
						up->vmlinux_error ? up->vmlinux_error
								  : "no vmlinux ORC table");
		rc = table_find(t, &up->vmlinux, up->version, ip, out);
		if (!rc)
			return NULL;
		if (rc == -2)
			return vsc_error_create(VSC_ERR_NODATA,
						"vmlinux ORC table for 0x%" PRIx64 " not in the dump",
						ip);
		return vsc_error_create(VSC_ERR_NOTFOUND, "no vmlinux ORC entry for 0x%" PRIx64,
					ip);
	}
	m = module_by_addr(t, up, ip);
	if (!m)
		return vsc_error_create(VSC_ERR_NOTFOUND,
					"0x%" PRIx64 " is not in kernel or module text", ip);
	if (!m->orc_tried) {
		struct vsc_error *err = NULL;

		m->orc_tried = true;
		if (m->num_orcs && m->orc_ip_addr && m->orc_addr)
			err = table_load(t, m->orc_ip_addr, m->orc_addr, m->num_orcs, m->name,
					 &m->orc);
		if (err == &vsc_error_nomem) {
			m->orc_tried = false;
			return err;
		}
		vsc_error_destroy(err);
	}
	if (up->version && !table_find(t, &m->orc, up->version, ip, out))
		return NULL;
	return vsc_error_create(VSC_ERR_NOTFOUND, "no ORC entry for 0x%" PRIx64 " in module %s",
				ip, m->name);
}

bool vsc_code_symbol(struct vsc_target *t, uint64_t addr, const char **name, uint64_t *offset,
		     const char **module)
{
	struct vsc_orc_state *up = get_priv(t);
	struct vsc_symbol s;
	struct mod_info *m;
	uint64_t off;
	bool found = vsc_symbol_by_addr(t, addr, &s, &off);

	*module = NULL;
	if (found && (s.module || !up || in_range(addr, up->stext, up->etext) ||
		      in_range(addr, up->sinittext, up->einittext))) {
		*name = s.name;
		*offset = off;
		*module = s.module;
		return true;
	}
	m = up ? module_by_addr(t, up, addr) : NULL;
	if (!m) {
		if (found) {
			*name = s.name;
			*offset = off;
			*module = s.module;
		}
		return found;
	}
	*module = m->name;
	return module_symbol(t, up, m, addr, name, offset);
}
