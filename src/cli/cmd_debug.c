// SPDX-License-Identifier: GPL-2.0-or-later
/* Debugging aids: `sym` and `type`. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vtdscope/report.h>
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

/* Open the dump and the output of `sym` and `type`: 0 or the exit status. */
static int open_both(struct cli_options *opts, const char *extra, struct vsc_target **t,
		     struct cli_output *out)
{
	int rc = cli_take_dump(opts, 1, extra);

	if (rc)
		return rc;
	rc = cli_output_check_inputs(opts);
	if (rc)
		return rc;
	rc = cli_open_target(opts, opts->dump, t);
	if (rc)
		return rc;
	rc = cli_output_open(out, opts, *t);
	if (rc)
		vsc_target_destroy(*t);
	return rc;
}

/*
 * Finish `sym` and `type`: the report in json or markdown (@rep), the
 * output put in place, the target closed; the exit status.
 */
static int finish(struct cli_options *opts, struct vsc_target *t, struct cli_output *out,
		  struct vsc_report *rep, int rc)
{
	if (rep) {
		int r = cli_render(opts, rep, out);

		rc = r ? r : rc;
	}
	if (cli_output_close(out, rc != VSC_EXIT_INTERNAL))
		rc = VSC_EXIT_INTERNAL;
	vsc_report_destroy(rep);
	vsc_target_destroy(t);
	return rc;
}

int cmd_sym(struct cli_options *opts)
{
	struct cli_output out;
	struct vsc_target *t;
	struct vsc_report *rep = NULL;
	struct vsc_section *sec = NULL;
	struct vsc_symbol s;
	uint64_t off;
	const char *what, *name, *module = NULL;
	char *end;
	int rc = open_both(opts, "NAME|ADDRESS", &t, &out);

	if (rc)
		return rc;
	if (opts->format != VSC_FORMAT_TEXT) {
		rc = cli_report_for(opts, t, "vtdscope sym", &rep);
		if (rc)
			return finish(opts, t, &out, NULL, rc);
		sec = vsc_report_section(rep, "sym", "Symbol");
	}
	what = opts->argv[opts->argc - 1];
	if (sec)
		vsc_section_kv(sec, "query", vsc_val_str(what));
	uint64_t addr = strtoull(what, &end, 16);
	if (!strncmp(what, "0x", 2) && !*end) {
		if (vsc_symbol_by_addr(t, addr, &s, &off)) {
			if (!sec)
				cli_output_printf(&out, "%s+0x%" PRIx64 "/0x%" PRIx64 " %c%s%s%s\n",
						  s.name, off, s.size, s.type, s.module ? " [" : "",
						  s.module ? s.module : "", s.module ? "]" : "");
			name = s.name;
			module = s.module;
		} else if (vsc_code_symbol(t, addr, &name, &off, &module)) {
			/* no type letter: module kallsyms are read without it */
			s.size = code_symbol_size(t, addr, off, name);
			s.type = 0;
			if (!sec)
				cli_output_printf(&out, "%s+0x%" PRIx64 "/0x%" PRIx64 "%s%s%s\n", name,
						  off, s.size, module ? " [" : "",
						  module ? module : "", module ? "]" : "");
		} else {
			fprintf(stderr, "vtdscope: no symbol contains %s%s%s%s\n",
				opts->redact ? "the address" : what,
				module ? " (in the text of module " : "", module ? module : "",
				module ? ")" : "");
			if (sec)
				vsc_section_error(sec, VSC_ERR_NOTFOUND, "no symbol contains %s", what);
			return finish(opts, t, &out, rep, VSC_EXIT_FINDINGS);
		}
		if (sec) {
			char type[2] = { s.type, 0 };

			vsc_section_kv(sec, "name", vsc_val_str(name));
			vsc_section_kv(sec, "offset", vsc_val_hex(off));
			vsc_section_kv(sec, "size", vsc_val_uint(s.size));
			vsc_section_kv(sec, "type", s.type ? vsc_val_str(type) :
					    vsc_val_absent("module kallsyms carry no type"));
			vsc_section_kv(sec, "module", module ? vsc_val_str(module) :
					      vsc_val_absent("in the kernel image"));
		}
	} else {
		struct vsc_error *err = vsc_symbol_by_name(t, what, &s);

		if (err) {
			if (sec)
				vsc_section_error(sec, err->kind, "%s", err->message);
			cli_error(err);
			return finish(opts, t, &out, rep, VSC_EXIT_FINDINGS);
		}
		if (sec) {
			char type[2] = { s.type, 0 };

			vsc_section_kv(sec, "name", vsc_val_str(s.name));
			vsc_section_kv(sec, "address", vsc_val_addr(s.address));
			vsc_section_kv(sec, "size", vsc_val_uint(s.size));
			vsc_section_kv(sec, "type", vsc_val_str(type));
			vsc_section_kv(sec, "module", s.module ? vsc_val_str(s.module) :
					      vsc_val_absent("in the kernel image"));
		} else {
			cli_output_printf(&out, "0x%016" PRIx64 " %c %s size %" PRIu64 "%s%s%s\n",
					  s.address, s.type, s.name, s.size, s.module ? " [" : "",
					  s.module ? s.module : "", s.module ? "]" : "");
		}
	}
	return finish(opts, t, &out, rep, VSC_EXIT_OK);
}

int cmd_type(struct cli_options *opts)
{
	struct cli_output out;
	struct vsc_target *t;
	struct vsc_report *rep = NULL;
	struct vsc_section *sec = NULL;
	struct vsc_error *err;
	char *text = NULL;
	const char *name;
	int rc = open_both(opts, "NAME", &t, &out);

	if (rc)
		return rc;
	name = opts->argv[opts->argc - 1];
	if (opts->format != VSC_FORMAT_TEXT) {
		rc = cli_report_for(opts, t, "vtdscope type", &rep);
		if (rc)
			return finish(opts, t, &out, NULL, rc);
		sec = vsc_report_section(rep, "type", "Type");
		vsc_section_kv(sec, "name", vsc_val_str(name));
	}
	err = vsc_type_describe(t, name, &text);
	if (err) {
		if (sec)
			vsc_section_error(sec, err->kind, "%s", err->message);
		cli_error(err);
		rc = VSC_EXIT_FINDINGS;
	} else if (sec) {
		vsc_code_text(vsc_section_code(sec, "layout", "Layout"), text);
	} else {
		cli_output_write(&out, text, strlen(text));
	}
	free(text);
	if (cli_print_diagnostics(t) && rc == VSC_EXIT_OK)
		rc = VSC_EXIT_INCOMPLETE;
	return finish(opts, t, &out, rep, rc);
}
