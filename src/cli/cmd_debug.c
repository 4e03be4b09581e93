// SPDX-License-Identifier: GPL-2.0-or-later
/* Debugging aids: `sym` and `type`. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vtdscope/symbols.h>
#include <vtdscope/types.h>

#include "cli.h"

int cmd_sym(struct cli_options *opts)
{
	struct vsc_target *t;
	struct vsc_symbol s;
	uint64_t off;
	const char *what;
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
		} else {
			fprintf(stderr, "vtdscope: no symbol contains 0x%" PRIx64 "\n", addr);
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
	vsc_target_destroy(t);
	return rc;
}
