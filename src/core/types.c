// SPDX-License-Identifier: GPL-2.0-or-later
/* The public type API: dispatch to the target's type source. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vtdscope/types.h>

#include "target_internal.h"
#include "types_backend.h"

static struct vsc_error *no_types(void)
{
	return vsc_error_create(VSC_ERR_NOTFOUND,
				"no type information (no BTF in the dump and no vmlinux given)");
}

/* The target's type source, told once which target it answers for. */
static struct vsc_types *types_of(struct vsc_target *t)
{
	struct vsc_types *ty = t->types;

	if (ty && !ty->target_given) {
		ty->target_given = true;
		if (ty->ops->use_target)
			ty->ops->use_target(ty->priv, t);
	}
	return ty;
}

void vsc_types_destroy(struct vsc_types *types)
{
	if (!types)
		return;
	if (types->ops && types->ops->destroy)
		types->ops->destroy(types->priv);
	free(types->description);
	free(types);
}

struct vsc_error *vsc_type_size(struct vsc_target *t, const char *type_name, uint64_t *size)
{
	struct vsc_types *ty = types_of(t);

	if (!ty)
		return no_types();
	return ty->ops->type_size(ty->priv, type_name, size);
}

bool vsc_type_exists(struct vsc_target *t, const char *type_name)
{
	uint64_t size;
	struct vsc_error *err = vsc_type_size(t, type_name, &size);

	vsc_error_destroy(err);
	return !err;
}

/* Does @m lie inside a type of @size bytes?  Bit fields by their bits, others by their bytes. */
static bool member_fits(const struct vsc_member_info *m, uint64_t size)
{
	if (m->offset > size)
		return false;
	if (m->bit_size)
		return m->bit_offset + (uint64_t)m->bit_size <= (size - m->offset) * 8;
	return m->size <= size - m->offset;
}

/*
 * Member offsets come from the dump's BTF (or a vmlinux): hostile input.  A
 * member that does not lie inside its type is refused here, once for every
 * caller, and recorded as a diagnostic: layouts then treat it as absent.
 */
struct vsc_error *vsc_member(struct vsc_target *t, const char *type_name, const char *member,
			     struct vsc_member_info *out)
{
	struct vsc_types *ty = types_of(t);
	struct vsc_member_info mi;
	uint64_t size;

	if (!ty)
		return no_types();
	VSC_TRY(ty->ops->member(ty->priv, type_name, member, &mi));
	VSC_TRY(ty->ops->type_size(ty->priv, type_name, &size));
	if (!member_fits(&mi, size)) {
		char where[64];

		if (mi.bit_size)
			snprintf(where, sizeof(where), "bits %" PRIu64 "..%" PRIu64,
				 mi.offset * 8 + mi.bit_offset,
				 mi.offset * 8 + mi.bit_offset + mi.bit_size - 1);
		else
			snprintf(where, sizeof(where), "bytes %" PRIu64 "..%" PRIu64, mi.offset,
				 mi.offset + mi.size - (mi.size ? 1 : 0));
		vsc_target_diagnose(t, VSC_ERR_CORRUPT, true,
				    "corrupt type information (%s): %s.%s at %s lies outside the "
				    "%" PRIu64 "-byte type; treated as not available",
				    ty->ops->name, type_name, member, where, size);
		return vsc_error_create(VSC_ERR_CORRUPT,
					"%s.%s at %s lies outside the %" PRIu64 "-byte type "
					"(corrupt %s type information)", type_name, member, where,
					size, ty->ops->name);
	}
	*out = mi;
	return NULL;
}

bool vsc_member_exists(struct vsc_target *t, const char *type_name, const char *member)
{
	struct vsc_member_info info;
	struct vsc_error *err = vsc_member(t, type_name, member, &info);

	vsc_error_destroy(err);
	return !err;
}

struct vsc_error *vsc_enum_value(struct vsc_target *t, const char *name, int64_t *value)
{
	struct vsc_types *ty = types_of(t);

	if (!ty)
		return no_types();
	return ty->ops->enum_value(ty->priv, name, value);
}

void vsc_types_add_hints(struct vsc_target *t, const struct vsc_type_hint *hints, size_t n)
{
	struct vsc_types *ty = types_of(t);

	if (ty && ty->ops->add_hints && hints && n)
		ty->ops->add_hints(ty->priv, hints, n);
}

struct vsc_error *vsc_type_describe(struct vsc_target *t, const char *type_name, char **out)
{
	struct vsc_types *ty = types_of(t);

	if (!ty)
		return no_types();
	return ty->ops->describe(ty->priv, type_name, out);
}

struct vsc_error *vsc_layout_resolve(struct vsc_target *t, struct vsc_layout_field *fields,
				     size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct vsc_layout_field *f = &fields[i];
		struct vsc_error *err;

		memset(&f->info, 0, sizeof(f->info));
		if (f->member) {
			err = vsc_member(t, f->type, f->member, &f->info);
		} else {
			err = vsc_type_size(t, f->type, &f->info.size);
		}
		f->present = !err;
		if (err && f->required && err->kind != VSC_ERR_NOMEM)
			return vsc_error_wrap(err, "resolving %s%s%s", f->type,
					      f->member ? "." : "", f->member ? f->member : "");
		if (err && err->kind == VSC_ERR_NOMEM)
			return err;
		vsc_error_destroy(err);
	}
	return NULL;
}

/* ---- struct fields out of a copy of the struct ---- */

bool vsc_member_value(const void *buf, size_t size, uint64_t base, const struct vsc_member_info *m,
		      uint64_t *out)
{
	const unsigned char *p = buf;
	uint64_t first, nbytes, shift, bits, v = 0;

	*out = 0;
	if (m->bit_size) {
		if (m->bit_size > 64)
			return false;
		bits = m->bit_size;
		shift = m->bit_offset % 8;
		first = m->offset + m->bit_offset / 8;
		nbytes = (shift + bits + 7) / 8;        /* at most 9 */
	} else {
		if (m->size == 0 || m->size > 8)
			return false;
		bits = m->size * 8;
		shift = 0;
		first = m->offset;
		nbytes = m->size;
	}
	if (first < m->offset || base + first < base)
		return false;                           /* overflow */
	first += base;
	if (first > size || nbytes > size - first)
		return false;
	for (uint64_t i = 0; i < nbytes && i < 8; i++)
		v |= (uint64_t)p[first + i] << (8 * i);
	v >>= shift;
	if (nbytes == 9)                                /* a 64-bit field straddling 9 bytes */
		v |= (uint64_t)p[first + 8] << (64 - shift);
	if (bits < 64)
		v &= (1ULL << bits) - 1;
	*out = v;
	return true;
}

uint64_t vsc_field_value(const void *buf, size_t size, const struct vsc_layout_field *f)
{
	uint64_t v = 0;

	if (f->present)
		vsc_member_value(buf, size, 0, &f->info, &v);
	return v;
}

size_t vsc_member_string(const void *buf, size_t size, uint64_t base,
			 const struct vsc_member_info *m, char *dst, size_t dst_size)
{
	uint64_t first = base + m->offset, n = m->size;

	if (!dst_size)
		return 0;
	dst[0] = '\0';
	if (m->bit_size || first < base || first > size || n > size - first)
		return 0;
	if (n > dst_size - 1)
		n = dst_size - 1;
	memcpy(dst, (const unsigned char *)buf + first, n);
	dst[n] = '\0';
	return strlen(dst);
}

struct vsc_error *vsc_read_member(struct vsc_target *t, uint64_t addr,
				  const struct vsc_member_info *m, uint64_t *out, const char *label)
{
	struct vsc_member_info at = *m;
	unsigned char buf[9];
	uint64_t first = m->bit_size ? m->offset + m->bit_offset / 8 : m->offset;
	uint64_t n = m->bit_size ? (m->bit_offset % 8 + m->bit_size + 7) / 8 : m->size;

	if (n == 0 || n > sizeof(buf) || (!m->bit_size && n > 8))
		return vsc_error_create(VSC_ERR_UNSUPPORTED, "reading %s: a %" PRIu64 "-byte "
					"member is not a number", label ? label : "a member", n);
	VSC_TRY(vsc_read(t, addr + first, buf, n, label));
	at.offset = 0;
	if (m->bit_size)
		at.bit_offset = m->bit_offset % 8;
	if (!vsc_member_value(buf, n, 0, &at, out))
		return vsc_error_create(VSC_ERR_UNSUPPORTED, "reading %s: not a number",
					label ? label : "a member");
	return NULL;
}
