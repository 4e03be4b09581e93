// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kallsyms decoded from kernel memory, located through VMCOREINFO (6.0+).
 * The address encoding (absolute, base-relative, absolute-percpu,
 * place-relative) is chosen by decoding _stext every way and keeping the one
 * that equals SYMBOL(_stext): no version sniffing.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vtdscope/symbols.h>

#include "target_internal.h"

#define MAX_KALLSYMS (4u << 20)
#define NAMES_CHUNK (64u << 10)
/* A name with its type letter, as KSYM_NAME_LEN (512 since 6.1, 128 before) bounds it */
#define KSYM_NAME_MAX 512u

enum addr_encoding { ENC_ABSOLUTE, ENC_BASE_RELATIVE, ENC_ABSOLUTE_PERCPU, ENC_PLACE_RELATIVE };

/* A forward-only buffered reader over target memory. */
struct stream {
	struct vsc_target *t;
	uint64_t base;     /* address of buf[0] */
	unsigned char *buf;
	size_t len, pos;
};

static struct vsc_error *stream_refill(struct stream *s)
{
	s->base += s->len;
	s->len = NAMES_CHUNK;
	s->pos = 0;
	return vsc_read(s->t, s->base, s->buf, s->len, "kallsyms_names");
}

/* Called for every byte of every name: the buffered case stays inline. */
static inline struct vsc_error *stream_byte(struct stream *s, unsigned char *out)
{
	if (__builtin_expect(s->pos == s->len, 0))
		VSC_TRY(stream_refill(s));
	*out = s->buf[s->pos++];
	return NULL;
}

/*
 * The length of one compressed name in kallsyms_names: one byte, or, since
 * 6.1 (73bbb94466fd "kallsyms: support \"big\" kernel symbols"), two bytes of
 * ULEB128 when the first has bit 7 set.  Older kernels never set bit 7
 * (scripts/kallsyms rejected a type+name of KSYM_NAME_LEN = 128 or more), so
 * the data decides, not the release: a backport reads the same.
 * Returns the bytes used (1 or 2), 0 when @avail is too short.
 */
size_t vsc_kallsyms_name_len(const unsigned char *p, size_t avail, unsigned int *len)
{
	if (avail < 1)
		return 0;
	if (!(p[0] & 0x80)) {
		*len = p[0];
		return 1;
	}
	if (avail < 2)
		return 0;
	*len = (p[0] & 0x7fu) | ((unsigned int)p[1] << 7);
	return 2;
}

static uint64_t decode_addr(enum addr_encoding enc, const int32_t *off, const uint64_t *abs,
			    uint64_t base, uint64_t offsets_addr, uint32_t i)
{
	switch (enc) {
	case ENC_ABSOLUTE:
		return abs ? abs[i] : 0;
	case ENC_BASE_RELATIVE:
		return base + (uint32_t)off[i];
	case ENC_ABSOLUTE_PERCPU:
		return off[i] >= 0 ? (uint64_t)off[i] : base - 1 - (int64_t)off[i];
	case ENC_PLACE_RELATIVE:
		return offsets_addr + 4ULL * i + (int64_t)off[i];
	}
	return 0;
}

/*
 * A damaged page of kallsyms_names shifts every later name onto the wrong
 * address: the decode still succeeds, and lookups answer with another
 * symbol's address (a damage campaign found init_uts_ns read from garbage).
 * The symbols VMCOREINFO names are checked against it (the kernel wrote
 * both); an empty name is damage too.  What disagrees becomes a diagnostic
 * that marks the analysis incomplete: never a silent wrong address.
 */
static void check_against_vmcoreinfo(struct vsc_target *t, uint32_t first_damaged)
{
	const char *raw = vsc_vmcoreinfo_raw(t), *line;
	unsigned int checked = 0, wrong = 0;
	char first[320] = "";

	for (line = raw; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		char key[128];
		unsigned long long want;
		const struct vsc_symbol *sym;

		if (sscanf(line, "SYMBOL(%127[^)])=%llx", key, &want) != 2)
			continue;
		/*
		 * VMCOREINFO_SYMBOL_ARRAY(mem_section) records the array's value:
		 * with SPARSEMEM_EXTREME mem_section is a pointer, so that is the
		 * pointer's contents, not the symbol's address.
		 */
		if (!strcmp(key, "mem_section"))
			continue;
		sym = vsc_symtab_find_name(t->symtab, key);
		if (!sym)
			continue;
		checked++;
		if (sym->address == want)
			continue;
		if (!wrong++)
			snprintf(first, sizeof(first), "%s decodes to 0x%llx, VMCOREINFO says 0x%llx",
				 key, (unsigned long long)sym->address, want);
	}
	if (wrong)
		vsc_target_diagnose(t, VSC_ERR_CORRUPT, true,
				    "kallsyms in the dump is damaged: %u of %u symbols VMCOREINFO "
				    "names disagree (%s); symbol names may belong to other addresses",
				    wrong, checked, first);
	else if (first_damaged != UINT32_MAX)
		vsc_target_diagnose(t, VSC_ERR_CORRUPT, true,
				    "kallsyms in the dump is damaged: symbol %u has no name; the "
				    "names after it may belong to other addresses", first_damaged);
}

struct vsc_error *vsc_kallsyms_load(struct vsc_target *t)
{
	uint64_t a_names, a_ttable, a_tindex, a_num, a_offsets = 0, a_base = 0, a_addrs = 0;
	uint64_t stext, base = 0;
	uint32_t num;
	uint16_t tindex[256];
	char *ttable = NULL, *name = NULL;
	int32_t *offs = NULL;
	uint64_t *abs = NULL;
	uint32_t *sym_of = NULL;   /* kallsyms index -> symtab index, UINT32_MAX if unnamed */
	size_t base_index;
	size_t ttable_len;
	struct stream s = { .t = t };
	struct vsc_error *err = NULL;
	int enc = -1;
	uint32_t stext_idx = UINT32_MAX, first_damaged = UINT32_MAX;

	if (!vsc_vmcoreinfo_number(t, "SYMBOL(kallsyms_names)", &a_names) ||
	    !vsc_vmcoreinfo_number(t, "SYMBOL(kallsyms_token_table)", &a_ttable) ||
	    !vsc_vmcoreinfo_number(t, "SYMBOL(kallsyms_token_index)", &a_tindex) ||
	    !vsc_vmcoreinfo_number(t, "SYMBOL(kallsyms_num_syms)", &a_num))
		return vsc_error_create(VSC_ERR_UNSUPPORTED,
					"VMCOREINFO does not locate kallsyms (kernel before 6.0); "
					"pass --vmlinux");
	vsc_vmcoreinfo_number(t, "SYMBOL(kallsyms_offsets)", &a_offsets);
	vsc_vmcoreinfo_number(t, "SYMBOL(kallsyms_relative_base)", &a_base);
	vsc_vmcoreinfo_number(t, "SYMBOL(kallsyms_addresses)", &a_addrs);
	if (!vsc_vmcoreinfo_number(t, "SYMBOL(_stext)", &stext))
		return vsc_error_create(VSC_ERR_FORMAT, "VMCOREINFO has no SYMBOL(_stext)");

	t->stats.kallsyms_decodes++;
	VSC_TRY(vsc_read_u32(t, a_num, &num, "kallsyms_num_syms"));
	if (num == 0 || num > MAX_KALLSYMS)
		return vsc_error_create(VSC_ERR_CORRUPT, "implausible kallsyms_num_syms %u", num);
	VSC_TRY(vsc_read(t, a_tindex, tindex, sizeof(tindex), "kallsyms_token_index"));
	{
		unsigned int max = 0;

		for (int i = 0; i < 256; i++)
			if (tindex[i] > max)
				max = tindex[i];
		ttable_len = max + 256;
		ttable = calloc(1, ttable_len + 1);
		if (!ttable)
			return &vsc_error_nomem;
		err = vsc_read(t, a_ttable, ttable, ttable_len, "kallsyms_token_table");
		if (err)
			goto out;
	}

	if (a_offsets) {
		offs = malloc((size_t)num * 4);
		if (!offs) {
			err = &vsc_error_nomem;
			goto out;
		}
		err = vsc_read(t, a_offsets, offs, (size_t)num * 4, "kallsyms_offsets");
		if (err)
			goto out;
		if (a_base) {
			err = vsc_read_u64(t, a_base, &base, "kallsyms_relative_base");
			if (err)
				goto out;
		}
	} else if (a_addrs) {
		abs = malloc((size_t)num * 8);
		if (!abs) {
			err = &vsc_error_nomem;
			goto out;
		}
		err = vsc_read(t, a_addrs, abs, (size_t)num * 8, "kallsyms_addresses");
		if (err)
			goto out;
	} else {
		err = vsc_error_create(VSC_ERR_FORMAT, "VMCOREINFO has neither kallsyms_offsets "
				       "nor kallsyms_addresses");
		goto out;
	}

	if (!t->symtab)
		t->symtab = vsc_symtab_create();
	sym_of = malloc((size_t)num * sizeof(*sym_of));
	s.buf = malloc(NAMES_CHUNK);
	name = malloc(0x4000 * 64);
	if (!t->symtab || !sym_of || !s.buf || !name || vsc_symtab_reserve(t->symtab, num)) {
		err = &vsc_error_nomem;
		goto out;
	}
	base_index = vsc_symtab_size(t->symtab);
	s.base = a_names;
	s.len = s.pos = 0;
	s.base -= 0; /* first refill reads at a_names */
	s.len = 0;
	for (uint32_t i = 0; i < num; i++) {
		unsigned char b;
		unsigned int len, n = 0;

		unsigned char lb[2];

		err = stream_byte(&s, &lb[0]);
		if (!err && (lb[0] & 0x80))
			err = stream_byte(&s, &lb[1]);
		if (err)
			goto out;
		vsc_kallsyms_name_len(lb, (lb[0] & 0x80) ? 2 : 1, &len);
		if (len > KSYM_NAME_MAX) {
			err = vsc_error_create(VSC_ERR_CORRUPT, "kallsyms name %u is %u bytes long",
					       i, len);
			goto out;
		}
		for (unsigned int k = 0; k < len; k++) {
			const char *tok;

			err = stream_byte(&s, &b);
			if (err)
				goto out;
			if (tindex[b] >= ttable_len)
				continue;
			tok = ttable + tindex[b];
			while (*tok && n <= KSYM_NAME_MAX && tok < ttable + ttable_len)
				name[n++] = *tok++;
		}
		if (n > KSYM_NAME_MAX) {
			err = vsc_error_create(VSC_ERR_CORRUPT, "kallsyms name %u decodes to more "
					       "than %u characters", i, KSYM_NAME_MAX);
			goto out;
		}
		name[n] = '\0';
		sym_of[i] = UINT32_MAX;
		if (n < 2) {
			/* every kernel symbol has a type and a name: the stream is damaged here */
			if (first_damaged == UINT32_MAX)
				first_damaged = i;
			continue;
		}
		/* Address filled in once the encoding is known. */
		sym_of[i] = (uint32_t)(vsc_symtab_size(t->symtab) - base_index);
		if (vsc_symtab_add(t->symtab, name + 1, 0, 0, name[0], NULL)) {
			err = &vsc_error_nomem;
			goto out;
		}
		if (stext_idx == UINT32_MAX && !strcmp(name + 1, "_stext"))
			stext_idx = i;
	}
	if (stext_idx == UINT32_MAX) {
		err = vsc_error_create(VSC_ERR_CORRUPT, "decoded kallsyms has no _stext");
		goto out;
	}
	{
		static const enum addr_encoding order[] = {
			ENC_ABSOLUTE_PERCPU, ENC_BASE_RELATIVE, ENC_PLACE_RELATIVE, ENC_ABSOLUTE,
		};
		for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
			if ((order[k] == ENC_ABSOLUTE) != (abs != NULL))
				continue;
			if (decode_addr(order[k], offs, abs, base, a_offsets, stext_idx) == stext) {
				enc = (int)order[k];
				break;
			}
		}
	}
	if (enc < 0) {
		err = vsc_error_create(VSC_ERR_CORRUPT,
				       "kallsyms addresses do not decode _stext to 0x%llx",
				       (unsigned long long)stext);
		goto out;
	}
	for (uint32_t i = 0; i < num; i++)
		if (sym_of[i] != UINT32_MAX)
			vsc_symtab_set_address(t->symtab, base_index + sym_of[i],
					       decode_addr((enum addr_encoding)enc, offs, abs, base,
							   a_offsets, i));
	vsc_symtab_finish(t->symtab);
	check_against_vmcoreinfo(t, first_damaged);
	free(t->s_symbols);
	if (asprintf(&t->s_symbols, "kallsyms from memory (%u symbols)", num) < 0)
		t->s_symbols = NULL;
	t->info.symbols_source = t->s_symbols;
out:
	free(sym_of);
	free(name);
	free(s.buf);
	free(ttable);
	free(offs);
	free(abs);
	return err;
}
