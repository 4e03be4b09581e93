// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A symbol table: names in an arena, a hash for names, sorted array for
 * addresses.  Built once per target from ~140,000 (6.1) to ~200,000 (6.12)
 * kallsyms, so it is made to be cheap to build and small: 24-byte records
 * (not the 40 of struct vsc_symbol), names hashed as they are added, probes
 * that compare hashes before names, and an address index that is a check
 * and an insertion sort of the few aliases, not a qsort (kallsyms come in
 * address order).  A lookup fills one struct vsc_symbol kept in the table:
 * the result is valid until the next lookup (callers copy it).
 */
#define _GNU_SOURCE /* qsort_r */
#include <stdlib.h>
#include <string.h>

#include "target_internal.h"

#define ARENA_SHIFT 20           /* 1 MB blocks; a name's place: block << 20 | offset */
#define ARENA_BLOCKS 4096        /* 4 GB of names */
#define MAX_SYM_SIZE (64u << 10) /* inferred sizes are capped, as gaps are not symbols */
#define MAX_MODULES 0xffff

struct sym_rec {
	uint64_t address;
	uint32_t name;           /* arena place */
	uint32_t size;           /* given sizes above 4 GB are capped: no symbol is that big */
	uint32_t hash;           /* of the name */
	uint16_t module;         /* index + 1 into modules, 0: vmlinux */
	char type;
};

struct vsc_symtab {
	struct sym_rec *syms;
	size_t nr, cap;
	char *blocks[ARENA_BLOCKS];  /* the arena */
	size_t nblocks, used;        /* used: bytes of the last block */
	const char **modules;        /* names of the modules symbols belong to */
	size_t nmodules;
	uint32_t *hash;              /* open addressing, index+1, 0 = empty */
	size_t hash_cap;
	uint32_t *by_addr;           /* indexes into syms, by address */
	size_t nr_by_addr;
	struct vsc_symbol found;     /* the last lookup's result */
};

struct vsc_symtab *vsc_symtab_create(void)
{
	return calloc(1, sizeof(struct vsc_symtab));
}

void vsc_symtab_destroy(struct vsc_symtab *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->nblocks; i++)
		free(st->blocks[i]);
	free(st->syms);
	free(st->modules);
	free(st->hash);
	free(st->by_addr);
	free(st);
}

/* FNV-1a of @s; *@len gets its length. */
static uint32_t hash_str(const char *s, size_t *len)
{
	uint32_t h = 2166136261u;
	const char *p = s;

	for (; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	if (len)
		*len = (size_t)(p - s);
	return h;
}

static const char *name_of(const struct vsc_symtab *st, uint32_t place)
{
	return st->blocks[place >> ARENA_SHIFT] + (place & ((1u << ARENA_SHIFT) - 1));
}

/* Copy @s (@len bytes and its NUL) into the arena; its place, or false without memory. */
static bool arena_add(struct vsc_symtab *st, const char *s, size_t len, uint32_t *place)
{
	len++;
	if (len > (1u << ARENA_SHIFT))
		return false;   /* no symbol name is a megabyte long */
	if (!st->nblocks || (1u << ARENA_SHIFT) - st->used < len) {
		if (st->nblocks == ARENA_BLOCKS)
			return false;
		st->blocks[st->nblocks] = malloc(1u << ARENA_SHIFT);
		if (!st->blocks[st->nblocks])
			return false;
		st->nblocks++;
		st->used = 0;
	}
	memcpy(st->blocks[st->nblocks - 1] + st->used, s, len);
	*place = (uint32_t)((st->nblocks - 1) << ARENA_SHIFT | st->used);
	st->used += len;
	return true;
}

/* The index + 1 of module @name (added if new), 0 for NULL (vmlinux); -1 without memory. */
static int module_index(struct vsc_symtab *st, const char *name)
{
	uint32_t place;
	const char **n;

	if (!name)
		return 0;
	/* a module's symbols come together: the last one added is the likely one */
	for (size_t i = st->nmodules; i-- > 0;)
		if (!strcmp(st->modules[i], name))
			return (int)i + 1;
	if (st->nmodules == MAX_MODULES || !arena_add(st, name, strlen(name), &place))
		return -1;
	n = realloc(st->modules, (st->nmodules + 1) * sizeof(*n));
	if (!n)
		return -1;
	st->modules = n;
	st->modules[st->nmodules++] = name_of(st, place);
	return (int)st->nmodules;
}

int vsc_symtab_reserve(struct vsc_symtab *st, size_t n)
{
	void *p;

	if (st->nr + n <= st->cap)
		return 0;
	p = realloc(st->syms, (st->nr + n) * sizeof(*st->syms));
	if (!p)
		return -1;
	st->syms = p;
	st->cap = st->nr + n;
	return 0;
}

int vsc_symtab_add(struct vsc_symtab *st, const char *name, uint64_t addr, uint64_t size,
		   char type, const char *module)
{
	struct sym_rec *s;
	size_t len;
	int mod;

	if (st->nr == st->cap && vsc_symtab_reserve(st, st->cap ? st->cap : 4096))
		return -1;
	if (st->nr >= UINT32_MAX - 1)
		return -1;      /* indexes are 32-bit */
	mod = module_index(st, module);
	if (mod < 0)
		return -1;
	s = &st->syms[st->nr];
	s->hash = hash_str(name, &len);
	if (!arena_add(st, name, len, &s->name))
		return -1;
	s->address = addr;
	s->size = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;
	s->type = type;
	s->module = (uint16_t)mod;
	st->nr++;
	return 0;
}

/*
 * Fill the table's result record with symbol @i.  The lookups take a const
 * table (their declarations say so); the record is the one thing they write.
 */
static const struct vsc_symbol *found(struct vsc_symtab *st, size_t i)
{
	const struct sym_rec *s = &st->syms[i];

	st->found = (struct vsc_symbol){
		.name = name_of(st, s->name), .address = s->address, .size = s->size,
		.type = s->type, .module = s->module ? st->modules[s->module - 1] : NULL,
	};
	return &st->found;
}

/* By address; at equal addresses globals first (prefer global, then text symbols). */
static int cmp_addr(const struct sym_rec *x, const struct sym_rec *y)
{
	if (x->address != y->address)
		return x->address < y->address ? -1 : 1;
	return (x->type >= 'a') - (y->type >= 'a');
}

static int cmp_index(const void *a, const void *b, void *syms)
{
	const struct sym_rec *s = syms;

	return cmp_addr(&s[*(const uint32_t *)a], &s[*(const uint32_t *)b]);
}

static bool is_text(char type)
{
	return type == 'T' || type == 't' || type == 'W' || type == 'w';
}

/*
 * Sort the address index.  kallsyms lists symbols by address already (the
 * kernel's scripts/kallsyms sorts them), all but the order of aliases at one
 * address: a few entries out of place by a step or two, which an insertion
 * sort moves in linear time.  A list from a hostile dump may be anything:
 * past a budget of moves, qsort (glibc's is a stable merge sort, as the
 * insertion sort is) finishes the job.
 */
static void sort_by_addr(const struct sym_rec *syms, uint32_t *v, size_t n)
{
	size_t budget = 8 * n + 64;

	for (size_t i = 1; i < n; i++) {
		uint32_t s = v[i];
		size_t j = i;

		while (j > 0 && cmp_addr(&syms[v[j - 1]], &syms[s]) > 0) {
			if (!budget--) {
				v[j] = s;
				qsort_r(v, n, sizeof(*v), cmp_index, (void *)syms);
				return;
			}
			v[j] = v[j - 1];
			j--;
		}
		v[j] = s;
	}
}

void vsc_symtab_finish(struct vsc_symtab *st)
{
	free(st->hash);
	free(st->by_addr);
	st->hash_cap = 1;
	while (st->hash_cap < st->nr * 2 + 16)
		st->hash_cap <<= 1;
	st->hash = calloc(st->hash_cap, sizeof(*st->hash));
	st->by_addr = malloc((st->nr + 1) * sizeof(*st->by_addr));
	if (!st->hash || !st->by_addr) {
		free(st->hash);
		free(st->by_addr);
		st->hash = NULL;
		st->by_addr = NULL;
		st->hash_cap = 0;
		return;
	}
	for (size_t i = 0; i < st->nr; i++) {
		uint32_t hv = st->syms[i].hash;
		size_t h = hv & (st->hash_cap - 1);

		/* first definition wins (vmlinux before modules, globals listed first) */
		while (st->hash[h]) {
			size_t k = st->hash[h] - 1;

			if (st->syms[k].hash == hv &&
			    !strcmp(name_of(st, st->syms[k].name), name_of(st, st->syms[i].name)))
				goto next;
			h = (h + 1) & (st->hash_cap - 1);
		}
		st->hash[h] = (uint32_t)(i + 1);
next:;
	}
	/* Address index: only symbols that live in kernel address space. */
	st->nr_by_addr = 0;
	for (size_t i = 0; i < st->nr; i++)
		if (st->syms[i].address >= 0xff00000000000000ULL)
			st->by_addr[st->nr_by_addr++] = (uint32_t)i;
	sort_by_addr(st->syms, st->by_addr, st->nr_by_addr);
	for (size_t i = 0; i < st->nr_by_addr; i++) {
		struct sym_rec *s = &st->syms[st->by_addr[i]];

		if (s->size)
			continue;
		for (size_t j = i + 1; j < st->nr_by_addr; j++) {
			const struct sym_rec *next = &st->syms[st->by_addr[j]];
			uint64_t gap = next->address - s->address;

			if (!gap)
				continue;
			if (is_text(s->type) == is_text(next->type) || gap <= MAX_SYM_SIZE)
				s->size = gap < MAX_SYM_SIZE ? (uint32_t)gap : MAX_SYM_SIZE;
			break;
		}
		if (!s->size)
			s->size = 1;
	}
}

size_t vsc_symtab_size(const struct vsc_symtab *st)
{
	return st->nr;
}

void vsc_symtab_set_address(struct vsc_symtab *st, size_t index, uint64_t addr)
{
	if (index < st->nr)
		st->syms[index].address = addr;
}

const char *vsc_symtab_name_at(const struct vsc_symtab *st, size_t index)
{
	return index < st->nr ? name_of(st, st->syms[index].name) : NULL;
}

const struct vsc_symbol *vsc_symtab_find_name(const struct vsc_symtab *st, const char *name)
{
	size_t h;
	uint32_t hv;

	if (!st || !st->hash)
		return NULL;
	hv = hash_str(name, NULL);
	h = hv & (st->hash_cap - 1);
	while (st->hash[h]) {
		size_t k = st->hash[h] - 1;

		if (st->syms[k].hash == hv && !strcmp(name_of(st, st->syms[k].name), name))
			return found((struct vsc_symtab *)st, k);
		h = (h + 1) & (st->hash_cap - 1);
	}
	return NULL;
}

const struct vsc_symbol *vsc_symtab_find_addr(const struct vsc_symtab *st, uint64_t addr)
{
	size_t lo = 0, hi;

	if (!st || !st->by_addr)
		return NULL;
	hi = st->nr_by_addr;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (st->syms[st->by_addr[mid]].address <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	/* Step back over aliases to the first symbol at that address. */
	{
		size_t i = lo - 1;
		uint64_t a = st->syms[st->by_addr[i]].address;
		const struct sym_rec *s;

		while (i > 0 && st->syms[st->by_addr[i - 1]].address == a)
			i--;
		s = &st->syms[st->by_addr[i]];
		if (addr - s->address < s->size)
			return found((struct vsc_symtab *)st, st->by_addr[i]);
	}
	return NULL;
}

unsigned long vsc_symtab_count(const struct vsc_symtab *st)
{
	return st ? st->nr : 0;
}
