// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Type information from BTF: a blob read out of the dump (__start_BTF ..
 * __stop_BTF) or a vmlinux .BTF section.  The only file that includes libbpf.
 *
 * libbpf parses the blob (btf__new copies it).  Its name lookup is a linear
 * scan per call, so at create time we build one hash index of the named types
 * in a single pass (~2 ms for 120k types); enumerators get their own index on
 * first use.
 *
 * The blob may come from a corrupt dump.  libbpf 1.1 checks the section
 * layout but not every type id a type refers to, so ids are checked where
 * they are followed (btf__type_by_id() says NULL), and chains, anonymous
 * member nesting and fan-out are bounded: loops end in VSC_ERR_CORRUPT.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/btf.h>

#include "types_backend.h"

#define MAX_CHAIN 32     /* typedef / modifier links followed before giving up */
#define MAX_NESTING 16   /* anonymous struct/union members searched through */
#define MAX_PATH 16      /* components of a dotted member path */
/* members looked at per path step / describe: real types, nesting included, have a
 * few hundred; a description of 2^20 lines takes seconds (found by fuzzing) */
#define MAX_VISITS (1u << 16)

/* Name spaces of the index ("struct X" and a typedef X are different keys). */
enum btf_ns {
	NS_TYPEDEF = 1,
	NS_STRUCT,
	NS_UNION,
	NS_ENUM,       /* ENUM and ENUM64 */
	NS_BASE,       /* INT and FLOAT: "unsigned int" */
	NS_ENUMERATOR, /* aux = index of the enumerator in type id */
};

struct name_slot {
	const char *name; /* NULL: empty slot; points into the BTF string section */
	uint32_t hash;
	uint32_t ns;
	uint32_t id;
	uint32_t aux;
};

struct name_index {
	struct name_slot *slots;
	size_t mask; /* capacity - 1, capacity a power of two */
	size_t count;
};

struct btf_types {
	struct btf *btf;
	struct name_index types;
	struct name_index enumerators; /* built lazily by enum_value() */
	bool have_enumerators;
};

/* A member found by path: absolute bit position, width, and its type. */
struct found_member {
	uint64_t bitpos;
	uint32_t bitsize;
	uint32_t type_id;
};

/* ---- name index ---------------------------------------------------------- */

static bool slot_matches(const struct name_slot *s, uint32_t hash, uint32_t ns,
			 const char *name, size_t len)
{
	return s->hash == hash && s->ns == ns && strncmp(s->name, name, len) == 0 &&
	       s->name[len] == '\0';
}

static struct vsc_error *index_init(struct name_index *idx, size_t expected)
{
	size_t cap = 64;

	while (cap < expected * 2)
		cap <<= 1;
	idx->slots = calloc(cap, sizeof(*idx->slots));
	if (!idx->slots)
		return &vsc_error_nomem;
	idx->mask = cap - 1;
	idx->count = 0;
	return NULL;
}

/* Slot for (ns, name): the matching one or the empty one where it belongs. */
static struct name_slot *index_probe(const struct name_index *idx, uint32_t hash, uint32_t ns,
				     const char *name, size_t len)
{
	size_t i = hash & idx->mask;

	for (;;) {
		struct name_slot *s = &idx->slots[i];

		if (!s->name || slot_matches(s, hash, ns, name, len))
			return s;
		i = (i + 1) & idx->mask;
	}
}

static const struct name_slot *index_find(const struct name_index *idx, uint32_t ns,
					  const char *name, size_t len)
{
	const struct name_slot *s;

	if (!idx->slots)
		return NULL;
	s = index_probe(idx, vsc_types_name_hash(name, len, ns), ns, name, len);
	return s->name ? s : NULL;
}

/* ---- type helpers -------------------------------------------------------- */

static const char *type_name(const struct btf *btf, const struct btf_type *t)
{
	const char *name = btf__name_by_offset(btf, t->name_off);

	return name ? name : "";
}

static enum btf_ns ns_of(const struct btf_type *t)
{
	switch (btf_kind(t)) {
	case BTF_KIND_TYPEDEF:
		return NS_TYPEDEF;
	case BTF_KIND_STRUCT:
		return NS_STRUCT;
	case BTF_KIND_UNION:
		return NS_UNION;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return NS_ENUM;
	case BTF_KIND_INT:
	case BTF_KIND_FLOAT:
		return NS_BASE;
	default:
		return 0;
	}
}

/* With duplicate names, a definition with members beats an empty one. */
static bool better_definition(const struct btf_type *old, const struct btf_type *new)
{
	int k = btf_kind(new);

	if (k != BTF_KIND_STRUCT && k != BTF_KIND_UNION && k != BTF_KIND_ENUM &&
	    k != BTF_KIND_ENUM64)
		return false;
	return btf_vlen(old) == 0 && btf_vlen(new) > 0;
}

static struct vsc_error *build_type_index(struct btf_types *bt)
{
	uint32_t n = btf__type_cnt(bt->btf);
	size_t named = 0;

	for (uint32_t id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(bt->btf, id);

		if (t->name_off && ns_of(t))
			named++;
	}
	VSC_TRY(index_init(&bt->types, named));
	for (uint32_t id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(bt->btf, id);
		uint32_t ns = ns_of(t);
		const char *name;
		struct name_slot *s;
		uint32_t hash;
		size_t len;

		if (!t->name_off || !ns)
			continue;
		name = type_name(bt->btf, t);
		len = strlen(name);
		hash = vsc_types_name_hash(name, len, ns);
		s = index_probe(&bt->types, hash, ns, name, len);
		if (s->name) {
			if (better_definition(btf__type_by_id(bt->btf, s->id), t))
				s->id = id;
			continue;
		}
		*s = (struct name_slot){ .name = name, .hash = hash, .ns = ns, .id = id };
		bt->types.count++;
	}
	return NULL;
}

/* Value of enumerator @i of ENUM/ENUM64 @t. */
static int64_t enumerator_value(const struct btf_type *t, uint32_t i)
{
	/* kind_flag marks signed enums (pahole >= 1.24); without it, 32-bit values are unsigned */
	if (btf_is_enum(t) && btf_kflag(t))
		return btf_enum(t)[i].val;
	if (btf_is_enum(t))
		return (uint32_t)btf_enum(t)[i].val;
	return (int64_t)btf_enum64_value(&btf_enum64(t)[i]);
}

static const char *enumerator_name(const struct btf *btf, const struct btf_type *t, uint32_t i)
{
	return btf__name_by_offset(btf, btf_is_enum(t) ? btf_enum(t)[i].name_off
						       : btf_enum64(t)[i].name_off);
}

static struct vsc_error *build_enumerator_index(struct btf_types *bt)
{
	uint32_t n = btf__type_cnt(bt->btf);
	size_t count = 0;

	for (uint32_t id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(bt->btf, id);

		if (btf_is_any_enum(t))
			count += btf_vlen(t);
	}
	VSC_TRY(index_init(&bt->enumerators, count));
	for (uint32_t id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(bt->btf, id);

		if (!btf_is_any_enum(t))
			continue;
		for (uint32_t i = 0; i < btf_vlen(t); i++) {
			const char *name = enumerator_name(bt->btf, t, i);
			struct name_slot *s;
			uint32_t hash;
			size_t len;

			if (!name || !*name)
				continue;
			len = strlen(name);
			hash = vsc_types_name_hash(name, len, NS_ENUMERATOR);
			s = index_probe(&bt->enumerators, hash, NS_ENUMERATOR, name, len);
			if (s->name)
				continue; /* first definition wins */
			*s = (struct name_slot){
				.name = name, .hash = hash, .ns = NS_ENUMERATOR, .id = id, .aux = i,
			};
			bt->enumerators.count++;
		}
	}
	bt->have_enumerators = true;
	return NULL;
}

/*
 * Split "struct X" / "union X" / "enum X" / "X" into a name space and a
 * trimmed name.  ns = 0 means a bare name.
 */
static void parse_type_name(const char *spec, uint32_t *ns, const char **name, size_t *len)
{
	static const struct {
		const char *kw;
		uint32_t ns;
	} keywords[] = {
		{ "struct", NS_STRUCT },
		{ "union", NS_UNION },
		{ "enum", NS_ENUM },
	};
	const char *p = spec, *end;

	while (*p == ' ' || *p == '\t')
		p++;
	*ns = 0;
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++) {
		size_t kl = strlen(keywords[i].kw);

		if (strncmp(p, keywords[i].kw, kl) == 0 && (p[kl] == ' ' || p[kl] == '\t')) {
			*ns = keywords[i].ns;
			p += kl;
			while (*p == ' ' || *p == '\t')
				p++;
			break;
		}
	}
	end = p + strlen(p);
	while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n'))
		end--;
	*name = p;
	*len = (size_t)(end - p);
}

static struct vsc_error *lookup_type(struct btf_types *bt, const char *spec, uint32_t *id)
{
	static const uint32_t bare_order[] = { NS_TYPEDEF, NS_STRUCT, NS_UNION, NS_BASE };
	const struct name_slot *s = NULL;
	const char *name;
	uint32_t ns;
	size_t len;

	parse_type_name(spec, &ns, &name, &len);
	if (!len)
		return vsc_error_create(VSC_ERR_USAGE, "empty type name \"%s\"", spec);
	if (ns) {
		s = index_find(&bt->types, ns, name, len);
	} else {
		for (size_t i = 0; !s && i < sizeof(bare_order) / sizeof(bare_order[0]); i++)
			s = index_find(&bt->types, bare_order[i], name, len);
		if (!s) {
			const char *alias = vsc_types_base_alias(name, len);

			if (alias)
				s = index_find(&bt->types, NS_BASE, alias, strlen(alias));
		}
	}
	if (!s)
		return vsc_error_create(VSC_ERR_NOTFOUND, "type %s not found in btf", spec);
	*id = s->id;
	return NULL;
}

/* Follow typedefs and modifiers (const, volatile, restrict, type tags). */
static struct vsc_error *skip_typedefs(const struct btf *btf, uint32_t id, uint32_t *out)
{
	for (int i = 0; i < MAX_CHAIN; i++) {
		const struct btf_type *t = btf__type_by_id(btf, id);

		if (!t)
			return vsc_error_create(VSC_ERR_CORRUPT,
						"btf type id %" PRIu32 " out of range", id);
		if (id == 0 || !(btf_is_typedef(t) || btf_is_mod(t))) {
			*out = id;
			return NULL;
		}
		id = t->type;
	}
	return vsc_error_create(VSC_ERR_CORRUPT, "btf typedef chain longer than %d at id %" PRIu32,
				MAX_CHAIN, id);
}

/* The full definition behind a forward declaration, or 0 if there is none. */
static uint32_t complete_fwd(const struct btf_types *bt, const struct btf_type *fwd)
{
	const char *name = type_name(bt->btf, fwd);
	const struct name_slot *s;

	if (!*name)
		return 0;
	s = index_find(&bt->types, btf_kflag(fwd) ? NS_UNION : NS_STRUCT, name, strlen(name));
	return s ? s->id : 0;
}

/* Size in bytes of type @id; FWDs are completed by name, otherwise unknown. */
static struct vsc_error *type_bytes(const struct btf_types *bt, uint32_t id, int depth,
				    uint64_t *size)
{
	const struct btf_type *t;

	if (depth > MAX_CHAIN)
		return vsc_error_create(VSC_ERR_CORRUPT, "btf array nesting deeper than %d",
					MAX_CHAIN);
	VSC_TRY(skip_typedefs(bt->btf, id, &id));
	t = btf__type_by_id(bt->btf, id);
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
	case BTF_KIND_FLOAT:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		*size = t->size;
		return NULL;
	case BTF_KIND_PTR:
		/* libbpf infers it from "long"; a blob without one is from x86-64 all the same */
		*size = btf__pointer_size(bt->btf) ?: 8;
		return NULL;
	case BTF_KIND_ARRAY: {
		const struct btf_array *a = btf_array(t);
		uint64_t elem;

		VSC_TRY(type_bytes(bt, a->type, depth + 1, &elem));
		*size = elem * a->nelems;
		return NULL;
	}
	case BTF_KIND_FWD: {
		uint32_t full = complete_fwd(bt, t);

		if (full)
			return type_bytes(bt, full, depth + 1, size);
		break;
	}
	default:
		break;
	}
	return vsc_error_create(VSC_ERR_NOTFOUND, "btf type id %" PRIu32 " has no size", id);
}

static enum vsc_type_kind vsc_kind_of(const struct btf_type *t)
{
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
		return VSC_TYPE_INT;
	case BTF_KIND_PTR:
		return VSC_TYPE_POINTER;
	case BTF_KIND_ARRAY:
		return VSC_TYPE_ARRAY;
	case BTF_KIND_STRUCT:
		return VSC_TYPE_STRUCT;
	case BTF_KIND_UNION:
		return VSC_TYPE_UNION;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return VSC_TYPE_ENUM;
	case BTF_KIND_FUNC_PROTO:
		return VSC_TYPE_FUNC;
	case BTF_KIND_FWD:
		return btf_kflag(t) ? VSC_TYPE_UNION : VSC_TYPE_STRUCT;
	default:
		return VSC_TYPE_OTHER;
	}
}

/* ---- members ------------------------------------------------------------- */

/* Bit position and width of member @i of composite @t (both bit field encodings). */
static void member_bits(const struct btf *btf, const struct btf_type *t, uint32_t i,
			uint64_t *bitpos, uint32_t *bitsize)
{
	const struct btf_member *m = &btf_members(t)[i];

	*bitpos = btf_member_bit_offset(t, i);
	*bitsize = btf_member_bitfield_size(t, i);
	if (!btf_kflag(t)) {
		/* Old encoding: the width and extra offset live in the INT type. */
		uint32_t id;
		struct vsc_error *err = skip_typedefs(btf, m->type, &id);
		const struct btf_type *mt = err ? NULL : btf__type_by_id(btf, id);

		vsc_error_destroy(err);
		if (mt && btf_is_int(mt) &&
		    (btf_int_offset(mt) || btf_int_bits(mt) != mt->size * 8)) {
			*bitpos += btf_int_offset(mt);
			*bitsize = btf_int_bits(mt);
		}
	}
}

/* Resolve @id to a struct or union (through typedefs, modifiers and FWDs). */
static struct vsc_error *as_composite(const struct btf_types *bt, uint32_t id,
				      const struct btf_type **out)
{
	const struct btf_type *t;

	VSC_TRY(skip_typedefs(bt->btf, id, &id));
	t = btf__type_by_id(bt->btf, id);
	if (btf_is_fwd(t)) {
		uint32_t full = complete_fwd(bt, t);

		if (full)
			t = btf__type_by_id(bt->btf, full);
	}
	if (!btf_is_composite(t))
		return vsc_error_create(VSC_ERR_NOTFOUND, "not a struct or union");
	*out = t;
	return NULL;
}

/*
 * Find member @name (not NUL-terminated) in composite @t, looking through
 * anonymous struct/union members.  @base is the bit position of @t.
 * Returns NOTFOUND (or CORRUPT for runaway nesting).
 */
static struct vsc_error *find_member(const struct btf_types *bt, const struct btf_type *t,
				     const char *name, size_t len, uint64_t base, int depth,
				     unsigned int *budget, struct found_member *out)
{
	const struct btf_member *m = btf_members(t);

	if (depth > MAX_NESTING)
		return vsc_error_create(VSC_ERR_CORRUPT,
					"btf anonymous members nested deeper than %d", MAX_NESTING);
	for (uint32_t i = 0; i < btf_vlen(t); i++) {
		const char *mname = btf__name_by_offset(bt->btf, m[i].name_off);
		uint64_t bitpos;
		uint32_t bitsize;

		if (!(*budget)--)
			return vsc_error_create(VSC_ERR_CORRUPT, "btf anonymous members fan out "
						"beyond %u members", MAX_VISITS);

		member_bits(bt->btf, t, i, &bitpos, &bitsize);
		if (mname && *mname) {
			if (strncmp(mname, name, len) == 0 && mname[len] == '\0') {
				out->bitpos = base + bitpos;
				out->bitsize = bitsize;
				out->type_id = m[i].type;
				return NULL;
			}
		} else {
			const struct btf_type *inner;
			struct vsc_error *err = as_composite(bt, m[i].type, &inner);

			if (!err)
				err = find_member(bt, inner, name, len, base + bitpos, depth + 1,
						  budget, out);
			if (!err || err->kind != VSC_ERR_NOTFOUND)
				return err;
			vsc_error_destroy(err);
		}
	}
	return vsc_error_create(VSC_ERR_NOTFOUND, "no member %.*s", (int)len, name);
}

static struct vsc_error *btf_member(void *priv, const char *type_name_, const char *path,
				    struct vsc_member_info *out)
{
	struct btf_types *bt = priv;
	struct vsc_member_info info = { 0 };
	struct found_member fm = { 0 };
	const struct btf_type *t;
	const char *p = path;
	uint32_t id;
	int n = 0;

	VSC_TRY(lookup_type(bt, type_name_, &id));
	fm.type_id = id;
	for (;;) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		unsigned int budget = MAX_VISITS;
		struct vsc_error *err;

		if (!len || ++n > MAX_PATH)
			return vsc_error_create(VSC_ERR_USAGE, "bad member path \"%s\"", path);
		err = as_composite(bt, fm.type_id, &t);
		if (!err)
			err = find_member(bt, t, p, len, fm.bitpos, 0, &budget, &fm);
		if (err)
			return vsc_error_wrap(err, "%s.%s", type_name_, path);
		if (!dot)
			break;
		if (fm.bitsize)
			return vsc_error_create(VSC_ERR_NOTFOUND, "%s.%s: %.*s is a bit field",
						type_name_, path, (int)len, p);
		p = dot + 1;
	}

	VSC_TRY(skip_typedefs(bt->btf, fm.type_id, &id));
	t = btf__type_by_id(bt->btf, id);
	if (btf_is_fwd(t) && complete_fwd(bt, t))
		t = btf__type_by_id(bt->btf, complete_fwd(bt, t));
	info.kind = vsc_kind_of(t);
	{
		struct vsc_error *err = type_bytes(bt, fm.type_id, 0, &info.size);

		if (err)
			return vsc_error_wrap(err, "%s.%s", type_name_, path);
	}
	if (fm.bitsize) {
		info.bit_size = fm.bitsize;
		vsc_types_locate_bitfield(fm.bitpos, fm.bitsize, info.size, &info);
	} else {
		info.offset = fm.bitpos / 8;
	}
	if (btf_is_array(t)) {
		info.array_len = btf_array(t)->nelems;
		VSC_TRY(type_bytes(bt, btf_array(t)->type, 0, &info.elem_size));
	} else if (btf_is_ptr(t)) {
		struct vsc_error *err = type_bytes(bt, t->type, 0, &info.elem_size);

		if (err) /* void, function, opaque struct */
			info.elem_size = 0;
		vsc_error_destroy(err);
	}
	*out = info;
	return NULL;
}

static struct vsc_error *btf_type_size(void *priv, const char *type_name_, uint64_t *size)
{
	struct btf_types *bt = priv;
	uint32_t id;

	VSC_TRY(lookup_type(bt, type_name_, &id));
	return vsc_error_wrap(type_bytes(bt, id, 0, size), "%s", type_name_);
}

static struct vsc_error *btf_enum_value(void *priv, const char *name, int64_t *value)
{
	struct btf_types *bt = priv;
	const struct name_slot *s;
	const struct btf_type *t;

	if (!bt->have_enumerators)
		VSC_TRY(build_enumerator_index(bt));
	s = index_find(&bt->enumerators, NS_ENUMERATOR, name, strlen(name));
	if (!s)
		return vsc_error_create(VSC_ERR_NOTFOUND, "enumerator %s not found in btf", name);
	t = btf__type_by_id(bt->btf, s->id);
	*value = enumerator_value(t, s->aux);
	return NULL;
}

/* ---- describe ------------------------------------------------------------ */

/*
 * C declaration of @decl (may be "") with type @id, e.g. "struct qi_desc *desc"
 * or "int (*fn)(void *)".  Returns a malloc'ed string or NULL (no memory).
 * Each call spends one of *@budget: prototypes whose parameters are
 * prototypes branch (found by fuzzing: seconds for one member).
 */
static char *render_decl(const struct btf_types *bt, uint32_t id, const char *decl, int depth,
			 unsigned int *budget)
{
	const struct btf_type *t = btf__type_by_id(bt->btf, id);
	const char *sep = *decl ? " " : "";
	char *inner = NULL, *res = NULL;

	if (depth > MAX_CHAIN || !t || !*budget)
		return strdup("?");
	(*budget)--;
	if (id == 0)
		return asprintf(&res, "void%s%s", sep, decl) < 0 ? NULL : res;
	switch (btf_kind(t)) {
	case BTF_KIND_PTR: {
		/* int (*fn)(void), int (*rows)[4] */
		const struct btf_type *target = btf__type_by_id(bt->btf, t->type);
		bool paren = target && (btf_is_array(target) || btf_is_func_proto(target));

		if (asprintf(&inner, paren ? "(*%s)" : "*%s", decl) < 0)
			return NULL;
		res = render_decl(bt, t->type, inner, depth + 1, budget);
		break;
	}
	case BTF_KIND_ARRAY:
		if (asprintf(&inner, "%s[%" PRIu32 "]", decl, btf_array(t)->nelems) < 0)
			return NULL;
		res = render_decl(bt, btf_array(t)->type, inner, depth + 1, budget);
		break;
	case BTF_KIND_CONST:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_RESTRICT: {
		const char *q = btf_is_const(t) ? "const" : btf_is_volatile(t) ? "volatile"
									  : "restrict";
		const struct btf_type *target = btf__type_by_id(bt->btf, t->type);

		if (target && btf_is_ptr(target)) {
			if (asprintf(&inner, "%s%s%s", q, sep, decl) < 0)
				return NULL;
			res = render_decl(bt, t->type, inner, depth + 1, budget);
		} else {
			if (asprintf(&inner, "%s ", q) < 0)
				return NULL;
			char *rest = render_decl(bt, t->type, decl, depth + 1, budget);

			if (rest && asprintf(&res, "%s%s", inner, rest) < 0)
				res = NULL;
			free(rest);
		}
		break;
	}
	case BTF_KIND_TYPE_TAG:
		return render_decl(bt, t->type, decl, depth + 1, budget);
	case BTF_KIND_FUNC_PROTO: {
		const struct btf_param *params = btf_params(t);
		size_t size = 0;
		FILE *f = open_memstream(&inner, &size);

		if (!f)
			return NULL;
		fprintf(f, "%s(", decl);
		for (uint32_t i = 0; i < btf_vlen(t); i++) {
			char *p = params[i].type ? render_decl(bt, params[i].type, "", depth + 1,
							       budget)
						 : strdup("...");

			fprintf(f, "%s%s", i ? ", " : "", p ? p : "?");
			free(p);
		}
		fprintf(f, "%s)", btf_vlen(t) ? "" : "void");
		if (fclose(f) != 0)
			return NULL;
		res = render_decl(bt, t->type, inner, depth + 1, budget);
		break;
	}
	default: {
		static const char *const keyword[] = {
			[BTF_KIND_STRUCT] = "struct ", [BTF_KIND_UNION] = "union ",
			[BTF_KIND_ENUM] = "enum ",     [BTF_KIND_ENUM64] = "enum ",
		};
		int k = btf_kind(t);
		const char *kw = k < (int)(sizeof(keyword) / sizeof(keyword[0])) && keyword[k]
					 ? keyword[k] : "";
		const char *name = type_name(bt->btf, t);

		if (btf_is_fwd(t))
			kw = btf_kflag(t) ? "union " : "struct ";
		if (asprintf(&res, "%s%s%s%s", kw, *name ? name : "{...}", sep, decl) < 0)
			res = NULL;
		break;
	}
	}
	free(inner);
	return res;
}


static void describe_members(const struct btf_types *bt, FILE *f, const struct btf_type *t,
			     uint64_t base, int depth, unsigned int *budget)
{
	const struct btf_member *m = btf_members(t);

	for (uint32_t i = 0; i < btf_vlen(t); i++) {
		const char *mname = btf__name_by_offset(bt->btf, m[i].name_off);
		const struct btf_type *inner = NULL;
		struct vsc_member_info info = { 0 };
		uint64_t bitpos;
		uint32_t bitsize;
		struct vsc_error *err;
		char *decl, *text = NULL;

		if (!*budget) {         /* (a post-decrement wrapped: no bound, found by fuzzing) */
			fprintf(f, "%.*s/* ... */\n", depth, VSC_TYPES_TABS);
			return;
		}
		(*budget)--;
		member_bits(bt->btf, t, i, &bitpos, &bitsize);
		bitpos += base;
		err = type_bytes(bt, m[i].type, 0, &info.size);
		vsc_error_destroy(err);
		if (bitsize)
			vsc_types_locate_bitfield(bitpos, bitsize, info.size, &info);
		else
			info.offset = bitpos / 8;

		if ((!mname || !*mname) && depth < MAX_NESTING) {
			err = as_composite(bt, m[i].type, &inner);
			if (err || *type_name(bt->btf, inner))
				inner = NULL;
			vsc_error_destroy(err);
		}
		if (inner) { /* anonymous struct/union: inline, offsets from the outer start */
			fprintf(f, "%.*s%s {\n", depth, VSC_TYPES_TABS,
				btf_is_union(inner) ? "union" : "struct");
			describe_members(bt, f, inner, bitpos, depth + 1, budget);
			vsc_types_describe_line(f, depth, "};", 0, &info);
			continue;
		}
		decl = render_decl(bt, m[i].type, mname ? mname : "", 0, budget);
		if ((bitsize ? asprintf(&text, "%s:%" PRIu32 ";", decl ? decl : "?", bitsize)
			     : asprintf(&text, "%s;", decl ? decl : "?")) < 0)
			text = NULL;
		vsc_types_describe_line(f, depth, text ? text : "?;", bitsize, &info);
		free(text);
		free(decl);
	}
}

/* Typedefs (not of structs), enums and base types. */
static struct vsc_error *describe_scalar(const struct btf_types *bt, uint32_t id, char **out)
{
	const struct btf_type *t = btf__type_by_id(bt->btf, id);
	unsigned int budget = MAX_VISITS;
	struct vsc_error *err;
	uint64_t bytes = 0;
	char *buf = NULL, *decl;
	size_t size = 0;
	FILE *f;

	err = type_bytes(bt, id, 0, &bytes);
	vsc_error_destroy(err);
	f = open_memstream(&buf, &size);
	if (!f)
		return &vsc_error_nomem;
	if (btf_is_typedef(t)) {
		decl = render_decl(bt, t->type, type_name(bt->btf, t), 0, &budget);
		fprintf(f, "typedef %s;", decl ? decl : "?");
		free(decl);
	} else if (btf_is_any_enum(t)) {
		fprintf(f, "enum %s {\n", type_name(bt->btf, t));
		for (uint32_t i = 0; i < btf_vlen(t); i++)
			fprintf(f, "\t%s = %" PRId64 ",\n", enumerator_name(bt->btf, t, i) ?: "?",
				enumerator_value(t, i));
		fprintf(f, "};");
	} else {
		decl = render_decl(bt, id, "", 0, &budget);
		fprintf(f, "%s;", decl ? decl : "?");
		free(decl);
	}
	fprintf(f, " /* size: %" PRIu64 " */\n", bytes);
	if (fclose(f) != 0) {
		free(buf);
		return &vsc_error_nomem;
	}
	*out = buf;
	return NULL;
}

static struct vsc_error *btf_describe(void *priv, const char *type_name_, char **out)
{
	struct btf_types *bt = priv;
	const struct btf_type *t;
	struct vsc_error *err;
	char *buf = NULL;
	size_t size = 0;
	uint32_t id;
	FILE *f;

	VSC_TRY(lookup_type(bt, type_name_, &id));
	err = as_composite(bt, id, &t);
	if (err) {
		vsc_error_destroy(err);
		return describe_scalar(bt, id, out);
	}
	f = open_memstream(&buf, &size);
	if (!f)
		return &vsc_error_nomem;
	fprintf(f, "%s %s {\n", btf_is_union(t) ? "union" : "struct", type_name(bt->btf, t));
	describe_members(bt, f, t, 0, 1, &(unsigned int){ MAX_VISITS });
	fprintf(f, "\n\t/* size: %" PRIu32 ", members: %u */\n};\n", t->size, btf_vlen(t));
	if (fclose(f) != 0) {
		free(buf);
		return &vsc_error_nomem;
	}
	*out = buf;
	return NULL;
}

/* ---- lifecycle ----------------------------------------------------------- */

static void btf_types_destroy(void *priv)
{
	struct btf_types *bt = priv;

	if (!bt)
		return;
	free(bt->types.slots);
	free(bt->enumerators.slots);
	btf__free(bt->btf);
	free(bt);
}

static const struct vsc_types_ops btf_ops = {
	.name = "btf",
	.destroy = btf_types_destroy,
	.type_size = btf_type_size,
	.member = btf_member,
	.enum_value = btf_enum_value,
	.describe = btf_describe,
};

struct vsc_error *vsc_btf_types_create(const void *data, size_t size, struct vsc_types **out)
{
	libbpf_print_fn_t prev_print;
	struct btf_types *bt;
	struct vsc_types *types;
	struct vsc_error *err;

	if (size < sizeof(struct btf_header) || size > UINT32_MAX)
		return vsc_error_create(VSC_ERR_FORMAT, "btf blob of %zu bytes is implausible",
					size);
	bt = calloc(1, sizeof(*bt));
	types = calloc(1, sizeof(*types));
	if (!bt || !types) {
		free(bt);
		free(types);
		return &vsc_error_nomem;
	}
	/* the error comes back as an errno and our message, not as libbpf's stderr lines */
	prev_print = libbpf_set_print(NULL);
	errno = 0;
	bt->btf = btf__new(data, (__u32)size);
	libbpf_set_print(prev_print);
	if (!bt->btf) {
		int e = errno ? errno : EINVAL;

		free(bt);
		free(types);
		return vsc_error_create(e == ENOMEM ? VSC_ERR_NOMEM : VSC_ERR_FORMAT,
					"parsing btf (%zu bytes): %s", size, strerror(e));
	}
	err = build_type_index(bt);
	if (!err && asprintf(&types->description, "btf: %" PRIu32 " types",
			     btf__type_cnt(bt->btf) - 1) < 0) {
		types->description = NULL;
		err = &vsc_error_nomem;
	}
	if (err) {
		btf_types_destroy(bt);
		free(types);
		return err;
	}
	types->ops = &btf_ops;
	types->priv = bt;
	*out = types;
	return NULL;
}

bool vsc_btf_strings_at(const void *hdr, size_t size, uint64_t blob_size, uint64_t *off,
			uint64_t *len)
{
	struct btf_header h;

	if (size < sizeof(h))
		return false;
	memcpy(&h, hdr, sizeof(h));
	if (h.magic != BTF_MAGIC || h.hdr_len < sizeof(h) || h.hdr_len > blob_size ||
	    h.str_off > blob_size - h.hdr_len || h.str_len > blob_size - h.hdr_len - h.str_off ||
	    !h.str_len)
		return false;
	*off = (uint64_t)h.hdr_len + h.str_off;
	*len = h.str_len;
	return true;
}

bool vsc_btf_strings_have(const char *strs, size_t size, const char *name, size_t len)
{
	const char *end = strs + size, *at;

	if (!size || !len)
		return true;
	/* a whole string: a NUL (the section starts with one) before, a NUL after */
	for (at = strs; (at = memmem(at, (size_t)(end - at), name, len)) != NULL; at++)
		if (at > strs && at[-1] == '\0' && at + len < end && at[len] == '\0')
			return true;
	return false;
}
