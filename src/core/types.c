// SPDX-License-Identifier: GPL-2.0-or-later
/* The public type API: dispatch to the target's type source. */
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
	if (!t->types)
		return no_types();
	return t->types->ops->type_size(t->types->priv, type_name, size);
}

bool vsc_type_exists(struct vsc_target *t, const char *type_name)
{
	uint64_t size;
	struct vsc_error *err = vsc_type_size(t, type_name, &size);

	vsc_error_destroy(err);
	return !err;
}

struct vsc_error *vsc_member(struct vsc_target *t, const char *type_name, const char *member,
			     struct vsc_member_info *out)
{
	if (!t->types)
		return no_types();
	return t->types->ops->member(t->types->priv, type_name, member, out);
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
	if (!t->types)
		return no_types();
	return t->types->ops->enum_value(t->types->priv, name, value);
}

struct vsc_error *vsc_type_describe(struct vsc_target *t, const char *type_name, char **out)
{
	if (!t->types)
		return no_types();
	return t->types->ops->describe(t->types->priv, type_name, out);
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
