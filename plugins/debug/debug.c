// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Debugging aids, run on request with vsc_analysis_options.query:
 *   "sym"   a kernel symbol by name, or the symbol that contains an address;
 *   "type"  a type's layout with member offsets and sizes (pahole style).
 * A name the dump does not have is a finding (the answer is "no"); a lookup
 * that fails on the dump's data is an error (the answer is unknown).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <vtdscope/analyzer.h>
#include <vtdscope/report.h>
#include <vtdscope/symbols.h>
#include <vtdscope/types.h>
#include <vtdscope/unwind.h>

/* Probe no further than this for the end of a code symbol (then it is the size shown). */
#define CODE_SYMBOL_MAX_SIZE (1u << 20)

static const struct vsc_finding_kind sym_not_found = {
	.id = "sym-not-found",
	.severity = VSC_SEV_WARNING,
	.summary = "no symbol of the dump has the name, or contains the address, asked for",
};

static const struct vsc_finding_kind type_not_found = {
	.id = "type-not-found",
	.severity = VSC_SEV_WARNING,
	.summary = "the type source of the dump does not know the type asked for",
	.next_step = "a struct needs its keyword (\"struct q_inval\"); with --types dwarf, the vmlinux's "
		     "debug info decides what exists",
};

/*
 * The size of the code symbol that vsc_code_symbol() puts @addr in, @off
 * bytes into it: where the same lookup stops giving that symbol.  Module
 * symbols the symbol table lacks come from the module's own kallsyms, and
 * vsc_code_symbol() does not return their size; a symbol's addresses are
 * contiguous, so a binary search finds its end.
 */
static uint64_t code_symbol_size(struct vsc_target *t, uint64_t addr, uint64_t off,
				 const char *name)
{
	uint64_t start = addr - off, lo = off + 1, hi = CODE_SYMBOL_MAX_SIZE;

	if (lo > hi)
		return lo;
	/* invariant: [start, start + lo) lies in the symbol, start + hi does not (or is the cap) */
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2, o;
		const char *n, *mod;

		if (vsc_code_symbol(t, start + mid, &n, &o, &mod) && o == mid && !strcmp(n, name))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * A lookup's error: "not found" is an answer, the finding @kind (consumed;
 * NULL returned); any other error is returned, the answer unknown.
 */
static struct vsc_error *answered_no(struct vsc_analysis *a, const struct vsc_finding_kind *kind,
				     struct vsc_error *err)
{
	if (!vsc_error_is(err, VSC_ERR_NOTFOUND))
		return err;
	vsc_report_finding_of(a->report, kind, "%s", err->message);
	vsc_error_destroy(err);
	return NULL;
}

/* The fields of a symbol found: the same keys whichever way it was asked for. */
static void symbol_fields(struct vsc_section *s, const struct vsc_symbol *sym, const uint64_t *off)
{
	char type[2] = { sym->type, 0 };

	vsc_section_kv(s, "name", vsc_val_str(sym->name));
	vsc_section_kv(s, "address", vsc_val_addr(sym->address));
	if (off)
		vsc_section_kv(s, "offset", vsc_val_hex(*off));
	vsc_section_kv(s, "size", vsc_val_uint(sym->size));
	vsc_section_kv(s, "type", sym->type ? vsc_val_str(type) :
			  vsc_val_absent("module kallsyms carry no type"));
	vsc_section_kv(s, "module", sym->module ? vsc_val_str(sym->module) :
			    vsc_val_absent("in the kernel image"));
}

/* An address with "0x": the symbol containing it, from the symbol table or module text. */
static void sym_by_addr(struct vsc_analysis *a, struct vsc_section *s, const char *what,
			uint64_t addr)
{
	struct vsc_target *t = a->target;
	struct vsc_symbol sym = { 0 };
	const char *module = NULL;
	uint64_t off;

	if (!vsc_symbol_by_addr(t, addr, &sym, &off)) {
		if (!vsc_code_symbol(t, addr, &sym.name, &off, &module)) {
			vsc_report_finding_of(a->report, &sym_not_found, "no symbol contains %s%s%s%s",
					      what, module ? " (in the text of module " : "",
					      module ? module : "", module ? ")" : "");
			return;
		}
		/* no type letter: module kallsyms are read without it */
		sym.address = addr - off;
		sym.size = code_symbol_size(t, addr, off, sym.name);
		sym.module = module;
	}
	symbol_fields(s, &sym, &off);
}

static struct vsc_error *sym_run(struct vsc_analysis *a)
{
	const char *what = a->opts.query;
	struct vsc_section *s = vsc_report_section(a->report, "sym", "Symbol");
	struct vsc_symbol sym;
	struct vsc_error *err;
	uint64_t addr;
	char *end;

	if (!what || !*what)
		return vsc_error_create(VSC_ERR_USAGE, "no symbol name or address to look up");
	vsc_section_kv(s, "query", vsc_val_str(what));
	if (!strncmp(what, "0x", 2) && isxdigit((unsigned char)what[2])) {
		addr = strtoull(what + 2, &end, 16);
		if (!*end) {
			sym_by_addr(a, s, what, addr);
			return NULL;
		}
	}
	err = vsc_symbol_by_name(a->target, what, &sym);
	if (!err)
		symbol_fields(s, &sym, NULL);
	return answered_no(a, &sym_not_found, err);
}

static struct vsc_error *type_run(struct vsc_analysis *a)
{
	const char *name = a->opts.query;
	struct vsc_section *s = vsc_report_section(a->report, "type", "Type");
	struct vsc_error *err;
	char *text = NULL;

	if (!name || !*name)
		return vsc_error_create(VSC_ERR_USAGE, "no type name to lay out");
	vsc_section_kv(s, "name", vsc_val_str(name));
	err = vsc_type_describe(a->target, name, &text);
	if (!err)
		vsc_code_text(vsc_section_code(s, "layout", "Layout"), text);
	free(text);
	return answered_no(a, &type_not_found, err);
}

static const struct vsc_finding_kind *const sym_kinds[] = { &sym_not_found, NULL };
static const struct vsc_finding_kind *const type_kinds[] = { &type_not_found, NULL };

const struct vsc_analyzer vsc_analyzer_sym = {
	.abi = VSC_ANALYZER_ABI,
	.name = "sym",
	.summary = "a kernel symbol by name, or the symbol containing an address",
	.run = sym_run,
	.finding_kinds = sym_kinds,
	.on_request = true,
};

const struct vsc_analyzer vsc_analyzer_type = {
	.abi = VSC_ANALYZER_ABI,
	.name = "type",
	.summary = "a type's layout with member offsets and sizes",
	.run = type_run,
	.finding_kinds = type_kinds,
	.on_request = true,
};
