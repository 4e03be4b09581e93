// SPDX-License-Identifier: GPL-2.0-or-later
/* Public symbol lookups over the target's symbol table and VMCOREINFO. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include <vtdscope/symbols.h>

#include "target_internal.h"

struct vsc_error *vsc_symbol_by_name(struct vsc_target *t, const char *name,
				     struct vsc_symbol *out)
{
	const struct vsc_symbol *s = vsc_symtab_find_name(t->symtab, name);
	char key[256];
	uint64_t v;

	if (s) {
		*out = *s;
		return NULL;
	}
	snprintf(key, sizeof(key), "SYMBOL(%s)", name);
	if (vsc_vmcoreinfo_number(t, key, &v)) {
		*out = (struct vsc_symbol){ .name = name, .address = v, .type = '?' };
		return NULL;
	}
	return vsc_error_create(VSC_ERR_NOTFOUND, "symbol %s not found", name);
}

struct vsc_error *vsc_symbol_address(struct vsc_target *t, const char *name, uint64_t *addr)
{
	struct vsc_symbol s;

	VSC_TRY(vsc_symbol_by_name(t, name, &s));
	*addr = s.address;
	return NULL;
}

bool vsc_symbol_exists(struct vsc_target *t, const char *name)
{
	uint64_t a;
	struct vsc_error *err = vsc_symbol_address(t, name, &a);

	vsc_error_destroy(err);
	return !err;
}

bool vsc_symbol_by_addr(struct vsc_target *t, uint64_t addr, struct vsc_symbol *out,
			uint64_t *offset)
{
	const struct vsc_symbol *s = vsc_symtab_find_addr(t->symtab, addr);

	if (!s)
		return false;
	*out = *s;
	if (offset)
		*offset = addr - s->address;
	return true;
}

unsigned long vsc_symbol_count(struct vsc_target *t)
{
	return vsc_symtab_count(t->symtab);
}
