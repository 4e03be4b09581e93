/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internal contract between the public type API (types.c) and the sources
 * that answer it.  btf.c is the only file that includes libbpf; dwarf.c the
 * only one that includes libdw/libdwfl.
 */
#ifndef VTDSCOPE_TYPES_BACKEND_H
#define VTDSCOPE_TYPES_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include <vtdscope/types.h>

struct vsc_types_ops {
	const char *name; /* "btf", "dwarf" */
	void (*destroy)(void *priv);
	struct vsc_error *(*type_size)(void *priv, const char *type_name, uint64_t *size);
	struct vsc_error *(*member)(void *priv, const char *type_name, const char *member,
				    struct vsc_member_info *out);
	struct vsc_error *(*enum_value)(void *priv, const char *name, int64_t *value);
	struct vsc_error *(*describe)(void *priv, const char *type_name, char **out);
	/* Optional: where to look first (see vsc_types_add_hints()). */
	void (*add_hints)(void *priv, const struct vsc_type_hint *hints, size_t n);
	/*
	 * Optional: the target the types are asked for, given once before the
	 * first question through the public API (types.c).  The DWARF backend
	 * finds its hints' functions in the target's symbols.
	 */
	void (*use_target)(void *priv, struct vsc_target *t);
};

struct vsc_types {
	const struct vsc_types_ops *ops;
	void *priv;
	char *description; /* "btf: 126586 types from the dump", "dwarf: /usr/lib/debug/..." */
	bool target_given; /* use_target() was called */
};

/* BTF from an in-memory blob (copied). */
struct vsc_error *vsc_btf_types_create(const void *data, size_t size, struct vsc_types **out) VSC_MUST_CHECK;
/*
 * Where the strings of a BTF blob of @blob_size bytes lie (*@off, *@len), from
 * its header: @size bytes of the blob's start.  False if it is not BTF.
 */
bool vsc_btf_strings_at(const void *hdr, size_t size, uint64_t blob_size, uint64_t *off,
			uint64_t *len);
/*
 * False only if @name (@len bytes, not NUL-terminated) is not one of the
 * strings of BTF string section @strs (@size bytes), so no type, member or
 * enumerator of that BTF has that name: BTF strings are whole and
 * deduplicated, never the tail of another.
 */
bool vsc_btf_strings_have(const char *strs, size_t size, const char *name, size_t len);
/* DWARF from a debuginfo vmlinux, looked up lazily (never indexes all CUs). */
struct vsc_error *vsc_dwarf_types_create(const char *vmlinux, struct vsc_types **out) VSC_MUST_CHECK;
void vsc_types_destroy(struct vsc_types *types);

/* ---- shared by the backends (types_common.c) ---- */

#include <stdio.h>

/* Tabs for nesting depth 1..17 (anonymous members nest at most 16 deep). */
#define VSC_TYPES_TABS "\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t"

uint32_t vsc_types_name_hash(const char *s, size_t len, uint32_t ns);
/* The compiler's spelling of a C base type name ("unsigned long" -> "long unsigned int"), or NULL. */
const char *vsc_types_base_alias(const char *name, size_t len);
/* The storage-unit view of a bit field: the aligned unit of the declared type's
 * size that holds it, or the covering bytes when it straddles units. */
void vsc_types_locate_bitfield(uint64_t bitpos, uint32_t bitsize, uint64_t type_size,
			       struct vsc_member_info *info);
/* One pahole-like member line: the declaration, then its offset[:bit] and size in a comment. */
void vsc_types_describe_line(FILE *f, int depth, const char *text, uint32_t bitsize,
			     const struct vsc_member_info *info);

#endif /* VTDSCOPE_TYPES_BACKEND_H */
