// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the BTF and DWARF backends share: name hashing, C spellings of base
 * types, where a bit field's storage unit lies, and the pahole-like member
 * line.  No foreign library here: both backends include this behaviour and
 * their `describe` output stays byte-identical.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "types_backend.h"

uint32_t vsc_types_name_hash(const char *s, size_t len, uint32_t ns)
{
	uint32_t h = 2166136261u ^ ns;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

/* C spellings of base types, as compilers (and so pahole) name them. */
static const char *const base_aliases[][2] = {
	{ "unsigned", "unsigned int" },
	{ "signed", "int" },
	{ "unsigned long", "long unsigned int" },
	{ "long", "long int" },
	{ "unsigned long long", "long long unsigned int" },
	{ "long long", "long long int" },
	{ "unsigned short", "short unsigned int" },
	{ "short", "short int" },
	{ "bool", "_Bool" },
};

const char *vsc_types_base_alias(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(base_aliases) / sizeof(base_aliases[0]); i++)
		if (strlen(base_aliases[i][0]) == len && strncmp(base_aliases[i][0], name, len) == 0)
			return base_aliases[i][1];
	return NULL;
}

void vsc_types_locate_bitfield(uint64_t bitpos, uint32_t bitsize, uint64_t type_size,
			       struct vsc_member_info *info)
{
	uint64_t unit = type_size;

	if (unit >= 1 && unit <= 8 && !(unit & (unit - 1))) {
		uint64_t off = bitpos / (unit * 8) * unit;

		if (bitpos - off * 8 + bitsize <= unit * 8) {
			info->offset = off;
			info->bit_offset = (uint32_t)(bitpos - off * 8);
			info->size = unit;
			return;
		}
	}
	info->offset = bitpos / 8;
	info->bit_offset = bitpos % 8;
	for (unit = 1; unit < 8 && unit * 8 < info->bit_offset + bitsize; unit <<= 1)
		;
	info->size = unit;
}

void vsc_types_describe_line(FILE *f, int depth, const char *text, uint32_t bitsize,
			     const struct vsc_member_info *info)
{
	int width = 48 - 8 * (depth - 1);

	if (width < 1)
		width = 1;
	if (bitsize)
		fprintf(f, "%.*s%-*s /* %5" PRIu64 ":%2" PRIu32 " %2" PRIu64 " */\n", depth,
			VSC_TYPES_TABS, width, text, info->offset, info->bit_offset, info->size);
	else
		fprintf(f, "%.*s%-*s /* %5" PRIu64 " %5" PRIu64 " */\n", depth, VSC_TYPES_TABS,
			width, text, info->offset, info->size);
}
