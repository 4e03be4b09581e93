// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kallsyms decoded from memory (kallsyms.c): kallsyms_num_syms, the token
 * table and index, the compressed names (1- and 2-byte lengths), the
 * offsets in each address encoding, then lookups in the symbol table it
 * builds (symtab.c).
 *
 * Input: u64 address where the memory starts, u16 length L, L bytes of
 * VMCOREINFO text (SYMBOL(kallsyms_names), SYMBOL(kallsyms_token_table),
 * SYMBOL(kallsyms_token_index), SYMBOL(kallsyms_num_syms),
 * SYMBOL(kallsyms_offsets), SYMBOL(kallsyms_relative_base) or
 * SYMBOL(kallsyms_addresses), SYMBOL(_stext)), then the memory, served by
 * the fake kcore target (fake_target.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vtdscope/symbols.h>

#include "fake_target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vsc_target *t;
	struct vsc_error *err;
	uint64_t base, stext = 0;
	size_t vlen;
	int fd = -1;

	if (size < 10)
		return 0;
	base = fuzz_le(data, 8);
	vlen = (size_t)fuzz_le(data + 8, 2);
	if (vlen > size - 10)
		vlen = size - 10;
	{       /* the length decoder on its own, on the first bytes */
		unsigned int len;

		(void)vsc_kallsyms_name_len(data + 10, size - 10 < 2 ? size - 10 : 2, &len);
	}
	t = fuzz_fake_target(data + 10, vlen, data + 10 + vlen, size - 10 - vlen, base, &fd);
	if (!t)
		return 0;
	err = vsc_kallsyms_load(t);
	if (getenv("FUZZ_DEBUG"))
		fprintf(stderr, "kallsyms: %s (%lu symbols)\n", err ? err->message : "ok",
			vsc_symbol_count(t));
	if (!err) {
		struct vsc_symbol s;
		uint64_t off;

		/* a load without _stext fails */
		if (vsc_error_consume(vsc_symbol_address(t, "_stext", &stext)))
			abort();
		/* around _stext: every symbol found by address is found by name */
		for (int i = -2; i < 64; i++) {
			uint64_t a = stext + (uint64_t)(int64_t)i * 0x1234;

			if (!vsc_symbol_by_addr(t, a, &s, &off))
				continue;
			if (!s.name || off != a - s.address || !vsc_symbol_exists(t, s.name))
				abort();
		}
		for (uint64_t a = 0; a < 64; a++)
			(void)vsc_symbol_by_addr(t, base + a * 97, &s, &off);
	}
	vsc_error_destroy(err);
	vsc_target_destroy(t);
	close(fd);
	return 0;
}
