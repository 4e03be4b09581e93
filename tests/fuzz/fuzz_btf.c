// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * BTF as the dump carries it (btf.c): libbpf's btf__new() on the blob, our
 * name index over it, then lookups through the public type API (types.c):
 * sizes, member paths (nested, anonymous members, bit fields, FWDs
 * completed by name), enumerators, the pahole-like description, layouts.
 *
 * Input: u16 length Q, Q bytes of queries (types_query.h: one a line,
 * "TYPE", "TYPE:MEMBER.PATH" or "=ENUMERATOR"), then the BTF blob.  The
 * engine's own queries run too.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fake_target.h"
#include "types_query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vsc_target *t;
	struct vsc_error *err;
	size_t qlen;

	if (size < 2)
		return 0;
	qlen = (size_t)fuzz_le(data, 2);
	if (qlen > size - 2)
		qlen = size - 2;
	t = calloc(1, sizeof(*t));
	if (!t)
		return 0;
	t->fd = -1;
	t->panic_cpu = -1;
	err = vsc_btf_types_create(data + 2 + qlen, size - 2 - qlen, &t->types);
	if (getenv("FUZZ_DEBUG"))
		fprintf(stderr, "btf: %s\n", err ? err->message : t->types->description);
	if (!err)
		fuzz_type_queries(t, data + 2, qlen);
	vsc_error_destroy(err);
	vsc_target_destroy(t);
	return 0;
}
