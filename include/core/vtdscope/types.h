/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kernel type information, from DWARF (a debuginfo vmlinux) or BTF (read out
 * of the dump).  Analyzers ask questions ("size of struct q_inval", "offset of
 * intel_iommu.qi") and never see which source answered.
 *
 * Type names carry their keyword: "struct q_inval", "union foo", "enum bar";
 * a bare name is looked up as a typedef, then as a struct.
 * Member paths may be nested with dots ("thread.sp") and reach members of
 * anonymous structs/unions transparently.
 */
#ifndef VTDSCOPE_TYPES_H
#define VTDSCOPE_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vtdscope/error.h>

struct vsc_target;

enum vsc_type_kind {
	VSC_TYPE_OTHER = 0,
	VSC_TYPE_INT,
	VSC_TYPE_POINTER,
	VSC_TYPE_ARRAY,
	VSC_TYPE_STRUCT,
	VSC_TYPE_UNION,
	VSC_TYPE_ENUM,
	VSC_TYPE_FUNC,
};

struct vsc_member_info {
	uint64_t offset;        /* bytes from the start of the outer type */
	uint64_t size;          /* bytes (for bit fields: the storage unit) */
	uint32_t bit_offset;    /* bit offset within offset for bit fields, else 0 */
	uint32_t bit_size;      /* 0 unless a bit field */
	enum vsc_type_kind kind;/* kind of the member's type, typedefs resolved */
	uint64_t array_len;     /* element count when kind == VSC_TYPE_ARRAY */
	uint64_t elem_size;     /* element size for arrays, pointee size for pointers (0 if void) */
};

struct vsc_error *vsc_type_size(struct vsc_target *t, const char *type_name, uint64_t *size) VSC_MUST_CHECK;
bool vsc_type_exists(struct vsc_target *t, const char *type_name);
/*
 * Where @member (a path: "thread.sp") lies in @type_name.  A member that does
 * not lie inside the type (corrupt type information: the dump's BTF is
 * hostile input) is refused with VSC_ERR_CORRUPT and recorded as a target
 * diagnostic (vsc_target_diagnostic()).
 */
struct vsc_error *vsc_member(struct vsc_target *t, const char *type_name, const char *member,
			     struct vsc_member_info *out) VSC_MUST_CHECK;
bool vsc_member_exists(struct vsc_target *t, const char *type_name, const char *member);
/* Value of enumerator @name (any enum).  VSC_ERR_NOTFOUND if absent. */
struct vsc_error *vsc_enum_value(struct vsc_target *t, const char *name, int64_t *value) VSC_MUST_CHECK;

/*
 * Layouts: an analyzer declares the members it needs once, as a table, and
 * resolves them per target.  A missing member is not a failure: its present
 * bit is false and the analyzer reports "not available on this kernel".
 */
struct vsc_layout_field {
	const char *type;     /* "struct q_inval" */
	const char *member;   /* "free_head"; NULL means "the type itself" (size only) */
	bool required;        /* resolution fails if a required field is absent */
	/* filled by vsc_layout_resolve(): */
	bool present;
	struct vsc_member_info info; /* for member == NULL: info.size = sizeof(type) */
};

/*
 * Resolve every field of @fields.  Returns an error naming the first missing
 * required field; optional fields just get present = false.  A member whose
 * offset and size do not lie inside its type is missing (vsc_member()).
 */
struct vsc_error *vsc_layout_resolve(struct vsc_target *t, struct vsc_layout_field *fields,
				     size_t n) VSC_MUST_CHECK;

/*
 * Reading struct fields: the one accessor.  @buf holds @size bytes read from
 * the target (one struct, or an array of them); member @m lies at
 * @base + m->offset.  Integers, pointers, enums and bools of 1 to 8 bytes, and
 * bit fields, are read little-endian and zero-extended (cast for signed
 * members).  False, with *@out = 0, when the member does not lie inside @buf
 * or is not a number of at most 8 bytes: never a read outside @buf.
 */
bool vsc_member_value(const void *buf, size_t size, uint64_t base,
		      const struct vsc_member_info *m, uint64_t *out);
/* @f's value in @buf (base 0): 0 when @f is not present or does not fit. */
uint64_t vsc_field_value(const void *buf, size_t size, const struct vsc_layout_field *f);
/*
 * A char array member (task_struct.comm, intel_iommu.name) as a string: at
 * most @dst_size - 1 of its bytes, NUL-terminated, bounded like
 * vsc_member_value().  Returns the string's length; "" when it does not fit.
 */
size_t vsc_member_string(const void *buf, size_t size, uint64_t base,
			 const struct vsc_member_info *m, char *dst, size_t dst_size);
/*
 * Member @m of the object at @addr, read straight from the target (only the
 * member's bytes) and decoded as vsc_member_value() does.
 */
struct vsc_error *vsc_read_member(struct vsc_target *t, uint64_t addr,
				  const struct vsc_member_info *m, uint64_t *out, const char *label) VSC_MUST_CHECK;

/*
 * Where the DWARF backend looks first for a name (a struct, union, typedef
 * or enumerator): up to four places, each a function defined in the compile
 * unit that uses the type, or (containing '/') a source file matched as a
 * suffix of CU names.  A stale hint only costs time.  The engine knows its
 * own types; analyzers declare theirs (struct vsc_analyzer.type_hints).
 */
struct vsc_type_hint {
	const char *name;
	const char *places[4];
};
/*
 * Add hints for the types an analyzer reads.  @hints are borrowed and must
 * outlive the target (a static table).  Without DWARF types: nothing to do.
 */
void vsc_types_add_hints(struct vsc_target *t, const struct vsc_type_hint *hints, size_t n);

/* Pretty layout of a struct/union (like pahole) into a malloc'ed string. */
struct vsc_error *vsc_type_describe(struct vsc_target *t, const char *type_name, char **out) VSC_MUST_CHECK;

#endif /* VTDSCOPE_TYPES_H */
