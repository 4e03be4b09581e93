/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kernel symbols, whatever their source: kallsyms decoded from the dump's
 * memory, a vmlinux ELF symtab, VMCOREINFO, loaded modules' kallsyms.
 */
#ifndef VTDSCOPE_SYMBOLS_H
#define VTDSCOPE_SYMBOLS_H

#include <stdbool.h>
#include <stdint.h>

#include <vtdscope/error.h>

struct vsc_target;

struct vsc_symbol {
	const char *name;    /* borrowed from the target */
	uint64_t address;
	uint64_t size;       /* inferred (next symbol) when the source has none */
	char type;           /* nm-style letter: T t D d B b R r W w V v A a */
	const char *module;  /* NULL for vmlinux */
};

/* Address of symbol @name.  VSC_ERR_NOTFOUND if absent. */
struct vsc_error *vsc_symbol_address(struct vsc_target *t, const char *name, uint64_t *addr) VSC_MUST_CHECK;
bool vsc_symbol_exists(struct vsc_target *t, const char *name);
/* Full record for @name. */
struct vsc_error *vsc_symbol_by_name(struct vsc_target *t, const char *name,
				     struct vsc_symbol *out) VSC_MUST_CHECK;
/*
 * The symbol containing @addr (text or data).  Returns false if none.
 * @offset receives addr - symbol start.
 */
bool vsc_symbol_by_addr(struct vsc_target *t, uint64_t addr, struct vsc_symbol *out,
			uint64_t *offset);
/* Number of symbols loaded (vmlinux + modules). */
unsigned long vsc_symbol_count(struct vsc_target *t);

#endif /* VTDSCOPE_SYMBOLS_H */
