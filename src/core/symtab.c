// SPDX-License-Identifier: GPL-2.0-or-later
/* A symbol table: names in an arena, a hash for names, sorted array for addresses. */
#include <stdlib.h>
#include <string.h>

#include "target_internal.h"

#define ARENA_CHUNK (1u << 20)
#define MAX_SYM_SIZE (64u << 10) /* inferred sizes are capped, as gaps are not symbols */

struct arena_block {
	struct arena_block *next;
	size_t used, cap;
	char data[];
};

struct vsc_symtab {
	struct vsc_symbol *syms;
	size_t nr, cap;
	struct arena_block *arena;
	uint32_t *hash;       /* open addressing, index+1, 0 = empty */
	size_t hash_cap;
	struct vsc_symbol **by_addr;
	size_t nr_by_addr;
};

struct vsc_symtab *vsc_symtab_create(void)
{
	return calloc(1, sizeof(struct vsc_symtab));
}

void vsc_symtab_destroy(struct vsc_symtab *st)
{
	if (!st)
		return;
	for (struct arena_block *b = st->arena, *n; b; b = n) {
		n = b->next;
		free(b);
	}
	free(st->syms);
	free(st->hash);
	free(st->by_addr);
	free(st);
}

static const char *arena_strdup(struct vsc_symtab *st, const char *s)
{
	size_t len = strlen(s) + 1;
	struct arena_block *b = st->arena;

	if (!b || b->cap - b->used < len) {
		size_t cap = len > ARENA_CHUNK ? len : ARENA_CHUNK;

		b = malloc(sizeof(*b) + cap);
		if (!b)
			return NULL;
		b->next = st->arena;
		b->used = 0;
		b->cap = cap;
		st->arena = b;
	}
	memcpy(b->data + b->used, s, len);
	b->used += len;
	return b->data + b->used - len;
}

int vsc_symtab_add(struct vsc_symtab *st, const char *name, uint64_t addr, uint64_t size,
		   char type, const char *module)
{
	struct vsc_symbol *s;

	if (st->nr == st->cap) {
		size_t ncap = st->cap ? st->cap * 2 : 4096;
		void *p = realloc(st->syms, ncap * sizeof(*st->syms));

		if (!p)
			return -1;
		st->syms = p;
		st->cap = ncap;
	}
	s = &st->syms[st->nr];
	s->name = arena_strdup(st, name);
	if (!s->name)
		return -1;
	s->module = module ? arena_strdup(st, module) : NULL;
	s->address = addr;
	s->size = size;
	s->type = type;
	st->nr++;
	return 0;
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static int cmp_addr(const void *a, const void *b)
{
	const struct vsc_symbol *x = *(struct vsc_symbol *const *)a;
	const struct vsc_symbol *y = *(struct vsc_symbol *const *)b;

	if (x->address != y->address)
		return x->address < y->address ? -1 : 1;
	/* prefer global, then text symbols first at equal addresses */
	return (x->type >= 'a') - (y->type >= 'a');
}

static bool is_text(char type)
{
	return type == 'T' || type == 't' || type == 'W' || type == 'w';
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
		size_t h = hash_str(st->syms[i].name) & (st->hash_cap - 1);

		/* first definition wins (vmlinux before modules, globals listed first) */
		while (st->hash[h]) {
			if (!strcmp(st->syms[st->hash[h] - 1].name, st->syms[i].name))
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
			st->by_addr[st->nr_by_addr++] = &st->syms[i];
	if (st->nr_by_addr > 1)	/* qsort(NULL, 0, ...) is undefined */
		qsort(st->by_addr, st->nr_by_addr, sizeof(*st->by_addr), cmp_addr);
	for (size_t i = 0; i < st->nr_by_addr; i++) {
		struct vsc_symbol *s = st->by_addr[i];

		if (s->size)
			continue;
		for (size_t j = i + 1; j < st->nr_by_addr; j++) {
			uint64_t gap = st->by_addr[j]->address - s->address;

			if (!gap)
				continue;
			if (is_text(s->type) == is_text(st->by_addr[j]->type) || gap <= MAX_SYM_SIZE)
				s->size = gap < MAX_SYM_SIZE ? gap : MAX_SYM_SIZE;
			break;
		}
		if (!s->size)
			s->size = 1;
	}
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
	return index < st->nr ? st->syms[index].name : NULL;
}

const struct vsc_symbol *vsc_symtab_find_name(const struct vsc_symtab *st, const char *name)
{
	size_t h;

	if (!st || !st->hash)
		return NULL;
	h = hash_str(name) & (st->hash_cap - 1);
	while (st->hash[h]) {
		const struct vsc_symbol *s = &st->syms[st->hash[h] - 1];

		if (!strcmp(s->name, name))
			return s;
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

		if (st->by_addr[mid]->address <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	/* Step back over aliases to the first symbol at that address. */
	{
		size_t i = lo - 1;
		uint64_t a = st->by_addr[i]->address;
		const struct vsc_symbol *s;

		while (i > 0 && st->by_addr[i - 1]->address == a)
			i--;
		s = st->by_addr[i];
		if (addr - s->address < s->size)
			return s;
	}
	return NULL;
}

unsigned long vsc_symtab_count(const struct vsc_symtab *st)
{
	return st ? st->nr : 0;
}
