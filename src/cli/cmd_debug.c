// SPDX-License-Identifier: GPL-2.0-or-later
/* Debugging aids: `sym` and `type`. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vtdscope/symbols.h>
#include <vtdscope/types.h>
#include <vtdscope/unwind.h>

#include "cli.h"

/* Probe no further than this for the end of a code symbol (then it is the size shown). */
#define CODE_SYMBOL_MAX_SIZE (1u << 20)

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

int cmd_sym(struct cli_options *opts)
{
	struct vsc_target *t;
	struct vsc_symbol s;
	uint64_t off;
	const char *what, *name, *module = NULL;
	char *end;
	int rc;

	if (opts->argc < 2) {
		fprintf(stderr, "usage: vtdscope sym DUMP NAME|ADDRESS\n");
		return VSC_EXIT_USAGE;
	}
	rc = cli_open_target(opts, opts->argv[0], &t);
	if (rc)
		return rc;
	what = opts->argv[1];
	uint64_t addr = strtoull(what, &end, 16);
	if (!strncmp(what, "0x", 2) && !*end) {
		if (vsc_symbol_by_addr(t, addr, &s, &off)) {
			printf("%s+0x%" PRIx64 "/0x%" PRIx64 " %c%s%s%s\n", s.name, off, s.size,
			       s.type, s.module ? " [" : "", s.module ? s.module : "",
			       s.module ? "]" : "");
		} else if (vsc_code_symbol(t, addr, &name, &off, &module)) {
			/* no type letter: module kallsyms are read without it */
			printf("%s+0x%" PRIx64 "/0x%" PRIx64 "%s%s%s\n", name, off,
			       code_symbol_size(t, addr, off, name), module ? " [" : "",
			       module ? module : "", module ? "]" : "");
		} else {
			fprintf(stderr, "vtdscope: no symbol contains 0x%" PRIx64 "%s%s%s\n", addr,
				module ? " (in the text of module " : "", module ? module : "",
				module ? ")" : "");
			rc = VSC_EXIT_FINDINGS;
		}
	} else {
		struct vsc_error *err = vsc_symbol_by_name(t, what, &s);

		if (err) {
			cli_error(err);
			rc = VSC_EXIT_FINDINGS;
		} else {
			printf("0x%016" PRIx64 " %c %s size %" PRIu64 "%s%s%s\n", s.address, s.type,
			       s.name, s.size, s.module ? " [" : "", s.module ? s.module : "",
			       s.module ? "]" : "");
		}
	}
	vsc_target_destroy(t);
	return rc;
}

int cmd_type(struct cli_options *opts)
{
	struct vsc_target *t;
	struct vsc_error *err;
	char *text = NULL;
	int rc;

	if (opts->argc < 2) {
		fprintf(stderr, "usage: vtdscope type DUMP NAME\n");
		return VSC_EXIT_USAGE;
	}
	rc = cli_open_target(opts, opts->argv[0], &t);
	if (rc)
		return rc;
	err = vsc_type_describe(t, opts->argv[1], &text);
	if (err) {
		cli_error(err);
		rc = VSC_EXIT_FINDINGS;
	} else {
		fputs(text, stdout);
		free(text);
	}
	if (cli_print_diagnostics(t) && rc == VSC_EXIT_OK)
		rc = VSC_EXIT_INCOMPLETE;
	vsc_target_destroy(t);
	return rc;
}
