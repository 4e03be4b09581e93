// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The report model: building and destroying the tree.  See report.h for the
 * failure policy (builders latch out-of-memory in the report and tolerate
 * NULL parents; misuse becomes an "internal" error in the report).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_int.h"
#include "strbuf.h"

static const char *const severity_names[] = {
#define VSC_X_(e, json, label, sgr) [VSC_SEV_##e] = json,
	VSC_SEVERITIES(VSC_X_)
#undef VSC_X_
};

static const char *const severity_labels[] = {
#define VSC_X_(e, json, label, sgr) [VSC_SEV_##e] = label,
	VSC_SEVERITIES(VSC_X_)
#undef VSC_X_
};

const char *vsc_severity_name(enum vsc_severity sev)
{
	return (unsigned)sev < VSC_SEV_COUNT ? severity_names[sev] : "?";
}

const char *vsc_severity_label(enum vsc_severity sev)
{
	return (unsigned)sev < VSC_SEV_COUNT ? severity_labels[sev] : "?";
}

struct vsc_error *vsc_severity_from_name(const char *name, enum vsc_severity *out)
{
	for (unsigned i = 0; i < VSC_SEV_COUNT; i++) {
		if (name && (!strcmp(name, severity_names[i]) ||
			     !strcmp(name, severity_labels[i]))) {
			*out = (enum vsc_severity)i;
			return NULL;
		}
	}
	return vsc_error_create(VSC_ERR_USAGE, "unknown severity '%s'", name ? name : "");
}

/* ---- allocation with the out-of-memory latch -------------------------- */

static void *rep_calloc(struct vsc_report *rep, size_t size)
{
	void *p = calloc(1, size);

	if (!p)
		rep->oom = true;
	return p;
}

static char *rep_strdup(struct vsc_report *rep, const char *s)
{
	char *p = vsc__strdup_clean(s ? s : "");

	if (!p)
		rep->oom = true;
	return p;
}

static char *rep_id(struct vsc_report *rep, const char *s, char sep)
{
	char *p = vsc__normalize_id(s, sep);

	if (!p)
		rep->oom = true;
	return p;
}

static char *rep_vformat(struct vsc_report *rep, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static char *rep_vformat(struct vsc_report *rep, const char *fmt, va_list ap)
{
	char *raw, *clean;

	if (vasprintf(&raw, fmt, ap) < 0) {
		rep->oom = true;
		return NULL;
	}
	clean = rep_strdup(rep, raw);
	free(raw);
	return clean;
}

static bool ptrvec_push(struct vsc_report *rep, struct vsc_ptrvec *v, void *p)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? 2 * v->cap : 8;
		void **items = realloc(v->items, cap * sizeof(*items));

		if (!items) {
			rep->oom = true;
			return false;
		}
		v->items = items;
		v->cap = cap;
	}
	v->items[v->n++] = p;
	return true;
}

/* ---- values ------------------------------------------------------------ */

static void value_free(struct vsc_value *v)
{
	switch (v->kind) {
	case VSC_VAL_STR:
	case VSC_VAL_HOST:
	case VSC_VAL_ABSENT:
		free((char *)v->s);
		break;
	case VSC_VAL_LIST:
		for (size_t i = 0; i < v->list.n; i++)
			value_free((struct vsc_value *)&v->list.items[i]);
		free((struct vsc_value *)v->list.items);
		break;
	case VSC_VAL_OBJECT:
		for (size_t i = 0; i < v->object.n; i++) {
			struct vsc_member *m = (struct vsc_member *)&v->object.members[i];

			free((char *)m->key);
			value_free(&m->value);
		}
		free((struct vsc_member *)v->object.members);
		break;
	default:
		break;
	}
	*v = (struct vsc_value){ .kind = VSC_VAL_BOOL };       /* nothing left to free */
}

static void remember_hostname(struct vsc_report *rep, const char *name)
{
	char *copy;

	for (size_t i = 0; i < rep->hostnames.n; i++)
		if (!strcmp(rep->hostnames.items[i], name))
			return;
	copy = strdup(name);
	if (!copy) {
		rep->oom = true;
		return;
	}
	if (!ptrvec_push(rep, &rep->hostnames, copy))
		free(copy);
}

/* Sensitive numbers below this are not looked for in text: too many false hits. */
#define SECRET_MIN 0x10000

static void remember_secret(struct vsc_report *rep, uint64_t value)
{
	if (value < SECRET_MIN)
		return;
	for (size_t i = 0; i < rep->nsecrets; i++)
		if (rep->secrets[i] == value)
			return;
	if (rep->nsecrets == rep->secrets_cap) {
		size_t cap = rep->secrets_cap ? 2 * rep->secrets_cap : 4;
		uint64_t *n = realloc(rep->secrets, cap * sizeof(*n));

		if (!n) {
			rep->oom = true;
			return;
		}
		rep->secrets = n;
		rep->secrets_cap = cap;
	}
	rep->secrets[rep->nsecrets++] = value;
}

static bool value_kind_valid(enum vsc_value_kind kind)
{
	return (unsigned)kind < VSC_VAL_COUNT;
}

enum copy_result { COPY_OK, COPY_NOMEM, COPY_INVALID };

static enum copy_result value_copy_at(struct vsc_report *rep, struct vsc_value *dst,
				      const struct vsc_value *src, bool sensitive,
				      unsigned depth, const char **why);

static enum copy_result list_copy(struct vsc_report *rep, struct vsc_value *dst,
				  const struct vsc_value *src, bool sensitive, unsigned depth,
				  const char **why)
{
	struct vsc_value *items;
	enum copy_result r = COPY_OK;
	size_t i;

	dst->list.items = NULL;
	dst->list.n = 0;
	if (!src->list.n)
		return COPY_OK;
	if (!src->list.items || src->list.n > SIZE_MAX / sizeof(*items)) {
		*why = src->list.items ? "list too long" : "list without items";
		return COPY_INVALID;
	}
	items = rep_calloc(rep, src->list.n * sizeof(*items));
	if (!items)
		return COPY_NOMEM;
	for (i = 0; i < src->list.n && r == COPY_OK; i++)
		r = value_copy_at(rep, &items[i], &src->list.items[i], sensitive, depth + 1, why);
	dst->list.items = items;
	dst->list.n = i;        /* what value_free() must release */
	return r;
}

/* Keys a TIME has in JSON: an object of these alone would read as one. */
static bool time_keys_only(const struct vsc_member *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(m[i].key, "since_boot_ns") && strcmp(m[i].key, "wall"))
			return false;
	return n > 0;
}

static enum copy_result object_copy(struct vsc_report *rep, struct vsc_value *dst,
				    const struct vsc_value *src, bool sensitive, unsigned depth,
				    const char **why)
{
	struct vsc_member *members;
	enum copy_result r = COPY_OK;
	size_t i;

	dst->object.members = NULL;
	dst->object.n = 0;
	if (!src->object.n)
		return COPY_OK;
	if (!src->object.members || src->object.n > SIZE_MAX / sizeof(*members)) {
		*why = src->object.members ? "object too long" : "object without members";
		return COPY_INVALID;
	}
	members = rep_calloc(rep, src->object.n * sizeof(*members));
	if (!members)
		return COPY_NOMEM;
	dst->object.members = members;
	for (i = 0; i < src->object.n && r == COPY_OK; i++) {
		char *key = rep_id(rep, src->object.members[i].key, '_');

		dst->object.n = i + 1;
		members[i].key = key;
		if (!key) {
			r = COPY_NOMEM;
			break;
		}
		for (size_t k = 0; k < i; k++) {
			if (!strcmp(members[k].key, key)) {
				*why = "duplicate object key";
				return COPY_INVALID;
			}
		}
		if (!strcmp(key, "unavailable")) {
			*why = "object key 'unavailable' is reserved";
			return COPY_INVALID;
		}
		r = value_copy_at(rep, &members[i].value, &src->object.members[i].value, sensitive,
				  depth + 1, why);
	}
	if (r == COPY_OK && time_keys_only(members, dst->object.n)) {
		*why = "an object of since_boot_ns and wall alone reads as a time";
		return COPY_INVALID;
	}
	return r;
}

/*
 * Copy @src into @dst with owned strings, items and members.  On failure
 * @dst holds nothing to free; COPY_INVALID says why in *@why.
 */
static enum copy_result value_copy_at(struct vsc_report *rep, struct vsc_value *dst,
				      const struct vsc_value *src, bool sensitive,
				      unsigned depth, const char **why)
{
	enum copy_result r = COPY_OK;

	*dst = *src;
	sensitive |= src->sensitive;
	switch (src->kind) {
	case VSC_VAL_STR:
	case VSC_VAL_HOST:
	case VSC_VAL_ABSENT:
		dst->s = rep_strdup(rep, src->s ? src->s :
				    (src->kind == VSC_VAL_ABSENT ? VSC_ABSENT_DEFAULT_REASON : ""));
		if (!dst->s)
			r = COPY_NOMEM;
		else if (src->kind == VSC_VAL_HOST)
			remember_hostname(rep, dst->s);
		break;
	case VSC_VAL_INT:
		if (sensitive && src->i > 0)
			remember_secret(rep, (uint64_t)src->i);
		break;
	case VSC_VAL_UINT:
	case VSC_VAL_HEX:
	case VSC_VAL_ADDR:
		if (sensitive)
			remember_secret(rep, src->u);
		break;
	case VSC_VAL_BOOL:
		break;
	case VSC_VAL_TIME:
		if (!src->time.has_boot && !src->time.has_wall) {
			*why = "time on neither clock";
			r = COPY_INVALID;
		}
		break;
	case VSC_VAL_LIST:
	case VSC_VAL_OBJECT:
		if (depth >= VSC_VALUE_MAX_DEPTH) {
			*why = "lists and objects nested too deep";
			r = COPY_INVALID;
			break;
		}
		r = src->kind == VSC_VAL_LIST ? list_copy(rep, dst, src, sensitive, depth, why)
					      : object_copy(rep, dst, src, sensitive, depth, why);
		if (r != COPY_OK)
			value_free(dst);        /* the items copied so far */
		break;
	default:
		*why = "invalid value kind";
		r = COPY_INVALID;
		break;
	}
	if (r != COPY_OK)
		*dst = (struct vsc_value){ .kind = VSC_VAL_BOOL };
	return r;
}

static enum copy_result value_copy(struct vsc_report *rep, struct vsc_value *dst,
				   const struct vsc_value *src, const char **why)
{
	return value_copy_at(rep, dst, src, false, 0, why);
}

/* ---- diagnostics -------------------------------------------------------- */

static void node_append(struct vsc_section *s, struct vsc_node *node)
{
	if (s->last)
		s->last->next = node;
	else
		s->first = node;
	s->last = node;
}

static struct vsc_node *node_new(struct vsc_section *s, enum vsc_node_kind kind)
{
	struct vsc_node *node = rep_calloc(s->rep, sizeof(*node));

	if (node)
		node->kind = kind;
	return node;
}

/* @s is NULL or &rep->root for report-level diagnostics. */
static void add_diag(struct vsc_report *rep, struct vsc_section *s, enum vsc_diag_level level,
		     const char *kind, char *message /* owned */)
{
	struct vsc_diag *d;
	struct vsc_node *node = NULL;

	if (!message)
		return;
	if (s == &rep->root)
		s = NULL;
	d = rep_calloc(rep, sizeof(*d));
	if (s)
		node = node_new(s, VSC_NODE_DIAG);
	if (!d || (s && !node) || !ptrvec_push(rep, &rep->diags, d)) {
		free(d);
		free(node);
		free(message);
		return;
	}
	d->level = level;
	d->kind = kind;
	d->message = message;
	d->section = s;         /* NULL: report level */
	if (node) {
		node->diag = d;
		node_append(s, node);
	}
}

static void internal_error(struct vsc_report *rep, struct vsc_section *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void internal_error(struct vsc_report *rep, struct vsc_section *s, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = rep_vformat(rep, fmt, ap);
	va_end(ap);
	add_diag(rep, s, VSC_DIAG_ERROR, "internal", msg);
}

static void vdiag(struct vsc_report *rep, struct vsc_section *s, enum vsc_diag_level level,
		  enum vsc_error_kind kind, const char *fmt, va_list ap)
	__attribute__((format(printf, 5, 0)));

static void vdiag(struct vsc_report *rep, struct vsc_section *s, enum vsc_diag_level level,
		  enum vsc_error_kind kind, const char *fmt, va_list ap)
{
	add_diag(rep, s, level, vsc_error_kind_name(kind), rep_vformat(rep, fmt, ap));
}

static void take_error(struct vsc_report *rep, struct vsc_section *s, struct vsc_error *err,
		       const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

static void take_error(struct vsc_report *rep, struct vsc_section *s, struct vsc_error *err,
		       const char *fmt, va_list ap)
{
	char *ctx = NULL, *msg;

	if (fmt && *fmt)
		ctx = rep_vformat(rep, fmt, ap);
	if (ctx) {
		if (asprintf(&msg, "%s: %s", ctx, err->message) < 0) {
			rep->oom = true;
			msg = NULL;
		}
	} else {
		msg = strdup(err->message);
		if (!msg)
			rep->oom = true;
	}
	if (msg) {
		char *clean = rep_strdup(rep, msg);

		free(msg);
		msg = clean;
	}
	add_diag(rep, s, VSC_DIAG_ERROR, vsc_error_kind_name(err->kind), msg);
	free(ctx);
	vsc_error_destroy(err);
}

/* ---- fields ------------------------------------------------------------- */

static struct vsc_field *fields_find(const struct vsc_fields *fs, const char *key)
{
	for (size_t i = 0; i < fs->n; i++)
		if (!strcmp(fs->items[i]->key, key))
			return fs->items[i];
	return NULL;
}

static void field_free(struct vsc_field *f)
{
	if (!f)
		return;
	free((char *)f->key);
	free((char *)f->label);
	value_free(&f->value);
	free(f);
}

/*
 * Append a field; returns it, or NULL.  @where names the container for the
 * messages of misuse (duplicate key, invalid value).
 */
static const struct vsc_field *fields_add(struct vsc_report *rep,
					  struct vsc_section *diag_section,
					  struct vsc_fields *fs, const char *where,
					  const char *label, const struct vsc_value *v,
					  const char *const *reserved)
{
	struct vsc_field *f;
	const char *why = NULL;
	char *key;

	if (!value_kind_valid(v->kind)) {
		internal_error(rep, diag_section, "%s: field %s: invalid value kind %d", where,
			       label ? label : "", (int)v->kind);
		return NULL;
	}
	f = rep_calloc(rep, sizeof(*f));
	if (!f)
		return NULL;
	f->value.kind = VSC_VAL_BOOL;   /* nothing to free yet */
	f->key = key = rep_id(rep, label, '_');
	f->label = rep_strdup(rep, label);
	if (!f->key || !f->label)
		goto fail;
	for (const char *const *r = reserved; r && *r; r++) {
		if (!strcmp(key, *r)) {
			internal_error(rep, diag_section, "%s: field key '%s' is reserved", where,
				       key);
			goto fail;
		}
	}
	if (fields_find(fs, key)) {
		internal_error(rep, diag_section, "%s: duplicate field key '%s'", where, key);
		goto fail;
	}
	if (fs->n == fs->cap) {
		size_t cap = fs->cap ? 2 * fs->cap : 8;
		struct vsc_field **items = realloc(fs->items, cap * sizeof(*items));

		if (!items) {
			rep->oom = true;
			goto fail;
		}
		fs->items = items;
		fs->cap = cap;
	}
	switch (value_copy(rep, &f->value, v, &why)) {
	case COPY_OK:
		break;
	case COPY_INVALID:
		internal_error(rep, diag_section, "%s: field %s: %s", where, key, why);
		goto fail;
	case COPY_NOMEM:
		goto fail;
	}
	fs->items[fs->n++] = f;
	return f;
fail:
	field_free(f);
	return NULL;
}

static void fields_free(struct vsc_fields *fs)
{
	for (size_t i = 0; i < fs->n; i++)
		field_free(fs->items[i]);
	free(fs->items);
}

/* ---- report ------------------------------------------------------------- */

struct vsc_error *vsc_report_create(struct vsc_report **ret)
{
	struct vsc_report *rep = calloc(1, sizeof(*rep));

	if (!rep)
		return &vsc_error_nomem;
	rep->root.rep = rep;
	*ret = rep;
	return NULL;
}

static void section_free(struct vsc_section *s);

static void table_free(struct vsc_table *tb)
{
	for (size_t r = 0; r < tb->rows.n; r++) {
		struct vsc_value *row = tb->rows.items[r];

		for (size_t c = 0; c < tb->ncols; c++)
			value_free(&row[c]);
		free(row);
	}
	free(tb->rows.items);
	for (size_t c = 0; c < tb->ncols; c++) {
		free((char *)tb->cols[c].name);
		free((char *)tb->cols[c].key);
	}
	free(tb->cols);
	free(tb->id);
	free(tb->title);
	free(tb);
}

static void code_free(struct vsc_code *c)
{
	for (size_t i = 0; i < c->lines.n; i++)
		free(c->lines.items[i]);
	free(c->lines.items);
	free(c->id);
	free(c->title);
	free(c);
}

static void section_free_children(struct vsc_section *s)
{
	struct vsc_node *node = s->first;

	while (node) {
		struct vsc_node *next = node->next;

		switch (node->kind) {
		case VSC_NODE_TABLE:
			table_free(node->table);
			break;
		case VSC_NODE_CODE:
			code_free(node->code);
			break;
		case VSC_NODE_PARA:
		case VSC_NODE_NOTE:
			free(node->text);
			break;
		case VSC_NODE_SECTION:
			section_free(node->section);
			break;
		case VSC_NODE_FIELD:    /* owned by s->fields */
		case VSC_NODE_DIAG:     /* owned by rep->diags */
		case VSC_NODE_COUNT:
			break;
		}
		free(node);
		node = next;
	}
	fields_free(&s->fields);
}

static void section_free(struct vsc_section *s)
{
	section_free_children(s);
	free(s->id);
	free(s->title);
	free(s->path);
	free(s);
}

static void finding_free(struct vsc_finding *f)
{
	for (size_t i = 0; i < f->evidence.n; i++) {
		struct vsc_evidence_line *e = f->evidence.items[i];

		free((char *)e->text);
		free((char *)e->ref.field);
		free(e);
	}
	free(f->evidence.items);
	fields_free(&f->facts);
	free(f->kind);
	free(f->verdict);
	free(f->next_step);
	free(f);
}

void vsc_report_destroy(struct vsc_report *rep)
{
	if (!rep)
		return;
	section_free_children(&rep->root);
	for (size_t i = 0; i < rep->findings.n; i++)
		finding_free(rep->findings.items[i]);
	free(rep->findings.items);
	for (size_t i = 0; i < rep->diags.n; i++) {
		struct vsc_diag *d = rep->diags.items[i];

		free((char *)d->message);
		free(d);
	}
	free(rep->diags.items);
	for (size_t i = 0; i < rep->hostnames.n; i++)
		free(rep->hostnames.items[i]);
	free(rep->hostnames.items);
	free(rep->secrets);
	fields_free(&rep->meta);
	free(rep->title);
	free(rep->tool_version);
	free(rep->target_path);
	free(rep->verdict);
	free(rep);
}

struct vsc_error *vsc_report_check(const struct vsc_report *rep)
{
	return rep && rep->oom ? &vsc_error_nomem : NULL;
}

static void replace_str(char **slot, char *value)
{
	if (!value)
		return;
	free(*slot);
	*slot = value;
}

void vsc_report_set_title(struct vsc_report *rep, const char *fmt, ...)
{
	va_list ap;

	if (!rep)
		return;
	va_start(ap, fmt);
	replace_str(&rep->title, rep_vformat(rep, fmt, ap));
	va_end(ap);
}

void vsc_report_set_tool_version(struct vsc_report *rep, const char *version)
{
	if (rep && version)
		replace_str(&rep->tool_version, rep_strdup(rep, version));
}

void vsc_report_set_target(struct vsc_report *rep, const char *path)
{
	if (rep && path)
		replace_str(&rep->target_path, rep_strdup(rep, path));
}

void vsc_report_set_generated_at(struct vsc_report *rep, time_t when)
{
	if (!rep)
		return;
	rep->generated_at = when;
	rep->has_generated_at = true;
}

void vsc_report_meta(struct vsc_report *rep, const char *key, struct vsc_value v)
{
	static const char *const reserved[] = { "path", "unavailable", NULL };

	if (rep)
		fields_add(rep, NULL, &rep->meta, "target", key, &v, reserved);
}

void vsc_report_set_verdict(struct vsc_report *rep, const char *fmt, ...)
{
	va_list ap;

	if (!rep)
		return;
	va_start(ap, fmt);
	replace_str(&rep->verdict, rep_vformat(rep, fmt, ap));
	va_end(ap);
}

void vsc_report_error(struct vsc_report *rep, enum vsc_error_kind kind, const char *fmt, ...)
{
	va_list ap;

	if (!rep)
		return;
	va_start(ap, fmt);
	vdiag(rep, NULL, VSC_DIAG_ERROR, kind, fmt, ap);
	va_end(ap);
}

void vsc_report_warning(struct vsc_report *rep, enum vsc_error_kind kind, const char *fmt, ...)
{
	va_list ap;

	if (!rep)
		return;
	va_start(ap, fmt);
	vdiag(rep, NULL, VSC_DIAG_WARNING, kind, fmt, ap);
	va_end(ap);
}

void vsc_report_take_error(struct vsc_report *rep, struct vsc_error *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	if (!rep) {
		vsc_error_destroy(err);
		return;
	}
	va_start(ap, fmt);
	take_error(rep, NULL, err, fmt, ap);
	va_end(ap);
}

bool vsc_report_worst_severity(const struct vsc_report *rep, enum vsc_severity *out)
{
	/* Kept in render order: the first is the most severe. */
	if (!rep || !rep->findings.n)
		return false;
	*out = ((const struct vsc_finding *)rep->findings.items[0])->severity;
	return true;
}

const char *vsc_report_verdict(const struct vsc_report *rep)
{
	return rep ? rep->verdict : NULL;
}

size_t vsc_report_error_count(const struct vsc_report *rep)
{
	size_t n = 0;

	for (size_t i = 0; rep && i < rep->diags.n; i++)
		if (((const struct vsc_diag *)rep->diags.items[i])->level == VSC_DIAG_ERROR)
			n++;
	return n;
}

bool vsc_report_finding_get(const struct vsc_report *rep, size_t i, enum vsc_severity *sev,
			    const char **kind, const char **verdict)
{
	const struct vsc_finding *f = vsc_report_finding_nth(rep, i);

	if (!f)
		return false;
	if (sev)
		*sev = f->severity;
	if (kind)
		*kind = f->kind;
	if (verdict)
		*verdict = f->verdict;
	return true;
}

/* ---- sections ----------------------------------------------------------- */

/* Child section, table or code block of @s with @id (one namespace). */
static bool id_taken(const struct vsc_section *s, const char *id, enum vsc_node_kind *kind,
		     void **obj)
{
	const struct vsc_node *n = vsc__find_child(s, id);

	if (!n)
		return false;
	*kind = n->kind;
	*obj = n->kind == VSC_NODE_SECTION ? (void *)n->section :
	       n->kind == VSC_NODE_TABLE ? (void *)n->table : (void *)n->code;
	return true;
}

static const char *section_name(const struct vsc_section *s)
{
	return s->id ? s->id : "report";
}

struct vsc_section *vsc_section_section(struct vsc_section *parent, const char *id,
					const char *title)
{
	struct vsc_report *rep;
	struct vsc_section *s;
	struct vsc_node *node;
	enum vsc_node_kind kind;
	void *obj;
	char *nid;

	if (!parent)
		return NULL;
	rep = parent->rep;
	nid = rep_id(rep, id, '_');
	if (!nid)
		return NULL;
	if (id_taken(parent, nid, &kind, &obj)) {
		if (kind == VSC_NODE_SECTION) {
			free(nid);
			return obj;
		}
		internal_error(rep, parent, "%s: section id '%s' is already used by a %s",
			       section_name(parent), nid,
			       kind == VSC_NODE_TABLE ? "table" : "code block");
		free(nid);
		return NULL;
	}
	s = rep_calloc(rep, sizeof(*s));
	node = node_new(parent, VSC_NODE_SECTION);
	if (!s || !node)
		goto fail;
	s->rep = rep;
	s->parent = parent;
	s->id = nid;
	s->depth = parent->parent ? parent->depth + 1 : 0;
	s->title = rep_strdup(rep, title ? title : id ? id : nid);
	if (parent->path) {
		if (asprintf(&s->path, "%s/%s", parent->path, nid) < 0) {
			s->path = NULL;
			rep->oom = true;
		}
	} else {
		s->path = rep_strdup(rep, nid);
	}
	if (!s->title || !s->path)
		goto fail;
	node->section = s;
	node_append(parent, node);
	return s;
fail:
	free(nid);
	if (s) {
		free(s->title);
		free(s->path);
	}
	free(s);
	free(node);
	return NULL;
}

struct vsc_section *vsc_report_section(struct vsc_report *rep, const char *id,
				       const char *title)
{
	return rep ? vsc_section_section(&rep->root, id, title) : NULL;
}

void vsc_section_kv(struct vsc_section *s, const char *key, struct vsc_value v)
{
	const struct vsc_field *f;
	struct vsc_node *node;

	if (!s)
		return;
	node = node_new(s, VSC_NODE_FIELD);
	if (!node)
		return;
	f = fields_add(s->rep, s, &s->fields, section_name(s), key, &v, NULL);
	if (!f) {
		free(node);
		return;
	}
	node->field = f;
	node_append(s, node);
}

void vsc_section_kv_addr(struct vsc_section *s, const char *key, uint64_t addr)
{
	vsc_section_kv(s, key, vsc_val_addr(addr));
}

void vsc_section_kv_hex(struct vsc_section *s, const char *key, uint64_t value)
{
	vsc_section_kv(s, key, vsc_val_hex(value));
}

void vsc_section_kvf(struct vsc_section *s, const char *key, const char *fmt, ...)
{
	va_list ap;
	char *text;

	if (!s)
		return;
	va_start(ap, fmt);
	text = rep_vformat(s->rep, fmt, ap);
	va_end(ap);
	if (text)
		vsc_section_kv(s, key, vsc_val_str(text));
	free(text);
}

static void section_text(struct vsc_section *s, enum vsc_node_kind kind, const char *fmt,
			 va_list ap)
	__attribute__((format(printf, 3, 0)));

static void section_text(struct vsc_section *s, enum vsc_node_kind kind, const char *fmt,
			 va_list ap)
{
	struct vsc_node *node = node_new(s, kind);

	if (!node)
		return;
	node->text = rep_vformat(s->rep, fmt, ap);
	if (!node->text) {
		free(node);
		return;
	}
	node_append(s, node);
}

void vsc_section_para(struct vsc_section *s, const char *fmt, ...)
{
	va_list ap;

	if (!s)
		return;
	va_start(ap, fmt);
	section_text(s, VSC_NODE_PARA, fmt, ap);
	va_end(ap);
}

void vsc_section_note(struct vsc_section *s, const char *fmt, ...)
{
	va_list ap;

	if (!s)
		return;
	va_start(ap, fmt);
	section_text(s, VSC_NODE_NOTE, fmt, ap);
	va_end(ap);
}

void vsc_section_error(struct vsc_section *s, enum vsc_error_kind kind, const char *fmt, ...)
{
	va_list ap;

	if (!s)
		return;
	va_start(ap, fmt);
	vdiag(s->rep, s, VSC_DIAG_ERROR, kind, fmt, ap);
	va_end(ap);
}

void vsc_section_warning(struct vsc_section *s, enum vsc_error_kind kind, const char *fmt, ...)
{
	va_list ap;

	if (!s)
		return;
	va_start(ap, fmt);
	vdiag(s->rep, s, VSC_DIAG_WARNING, kind, fmt, ap);
	va_end(ap);
}

void vsc_section_take_error(struct vsc_section *s, struct vsc_error *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	if (!s) {
		vsc_error_destroy(err);
		return;
	}
	va_start(ap, fmt);
	take_error(s->rep, s, err, fmt, ap);
	va_end(ap);
}

/* ---- tables --------------------------------------------------------------- */

static bool check_new_id(struct vsc_section *s, const char *id, const char *what)
{
	enum vsc_node_kind kind;
	void *obj;

	if (!id_taken(s, id, &kind, &obj))
		return true;
	internal_error(s->rep, s, "%s: duplicate id '%s' for a %s", section_name(s), id, what);
	return false;
}

struct vsc_table *vsc_section_table(struct vsc_section *s, const char *id, const char *title,
				    const struct vsc_column *cols, size_t ncols)
{
	struct vsc_report *rep;
	struct vsc_table *tb;
	struct vsc_node *node;

	if (!s)
		return NULL;
	rep = s->rep;
	tb = rep_calloc(rep, sizeof(*tb));
	node = node_new(s, VSC_NODE_TABLE);
	if (!tb || !node)
		goto fail;
	tb->section = s;
	tb->id = rep_id(rep, id, '_');
	if (!tb->id)
		goto fail;
	if (!check_new_id(s, tb->id, "table"))
		goto fail;
	if (title) {
		tb->title = rep_strdup(rep, title);
		if (!tb->title)
			goto fail;
	}
	if (!ncols || !cols) {
		internal_error(rep, s, "%s: table %s has no columns", section_name(s), tb->id);
		goto fail;
	}
	tb->cols = rep_calloc(rep, ncols * sizeof(*tb->cols));
	if (!tb->cols)
		goto fail;
	tb->ncols = ncols;
	for (size_t c = 0; c < ncols; c++) {
		struct vsc_column *col = &tb->cols[c];

		*col = cols[c];
		col->name = rep_strdup(rep, cols[c].name ? cols[c].name : "");
		col->key = rep_id(rep, cols[c].key ? cols[c].key : cols[c].name, '_');
		if (!col->name || !col->key)
			goto fail;
		if (!value_kind_valid(col->kind) || col->kind == VSC_VAL_ABSENT) {
			internal_error(rep, s, "%s: table %s: column %s has an invalid kind",
				       section_name(s), tb->id, col->key);
			goto fail;
		}
		for (size_t p = 0; p < c; p++) {
			if (!strcmp(tb->cols[p].key, col->key)) {
				internal_error(rep, s, "%s: table %s: duplicate column key '%s'",
					       section_name(s), tb->id, col->key);
				goto fail;
			}
		}
	}
	node->table = tb;
	node_append(s, node);
	return tb;
fail:
	if (tb)
		table_free(tb);
	free(node);
	return NULL;
}

size_t vsc_table_row_n(struct vsc_table *tb, const struct vsc_value *vals, size_t n)
{
	struct vsc_report *rep;
	struct vsc_value *row;
	size_t c;

	if (!tb)
		return VSC_NO_ROW;
	rep = tb->section->rep;
	if (n != tb->ncols) {
		internal_error(rep, tb->section, "%s: table %s: row %zu has %zu values, expected %zu",
			       section_name(tb->section), tb->id, tb->rows.n, n, tb->ncols);
		return VSC_NO_ROW;
	}
	row = rep_calloc(rep, n * sizeof(*row));
	if (!row)
		return VSC_NO_ROW;
	for (c = 0; c < n; c++) {
		struct vsc_value v = vals[c];
		const char *why = NULL;
		enum copy_result r;

		if (v.kind != tb->cols[c].kind && v.kind != VSC_VAL_ABSENT) {
			internal_error(rep, tb->section,
				       "%s: table %s: row %zu column %s: %s value in a %s column",
				       section_name(tb->section), tb->id, tb->rows.n,
				       tb->cols[c].key, vsc_value_kind_name(v.kind),
				       vsc_value_kind_name(tb->cols[c].kind));
			v = vsc_val_absent("invalid value");
		}
		r = value_copy(rep, &row[c], &v, &why);
		if (r == COPY_INVALID) {
			internal_error(rep, tb->section, "%s: table %s: row %zu column %s: %s",
				       section_name(tb->section), tb->id, tb->rows.n,
				       tb->cols[c].key, why);
			v = vsc_val_absent("invalid value");
			r = value_copy(rep, &row[c], &v, &why);
		}
		if (r != COPY_OK)
			goto fail;
	}
	if (!ptrvec_push(rep, &tb->rows, row))
		goto fail;
	return tb->rows.n - 1;
fail:
	for (size_t i = 0; i < c; i++)
		value_free(&row[i]);
	free(row);
	return VSC_NO_ROW;
}

/* ---- code blocks ------------------------------------------------------------ */

struct vsc_code *vsc_section_code(struct vsc_section *s, const char *id, const char *title)
{
	struct vsc_report *rep;
	struct vsc_code *c;
	struct vsc_node *node;

	if (!s)
		return NULL;
	rep = s->rep;
	c = rep_calloc(rep, sizeof(*c));
	node = node_new(s, VSC_NODE_CODE);
	if (!c || !node)
		goto fail;
	c->section = s;
	c->id = rep_id(rep, id, '_');
	if (!c->id || !check_new_id(s, c->id, "code block"))
		goto fail;
	if (title) {
		c->title = rep_strdup(rep, title);
		if (!c->title)
			goto fail;
	}
	node->code = c;
	node_append(s, node);
	return c;
fail:
	if (c)
		code_free(c);
	free(node);
	return NULL;
}

static void code_push(struct vsc_code *c, char *line)
{
	if (line && !ptrvec_push(c->section->rep, &c->lines, line))
		free(line);
}

void vsc_code_line(struct vsc_code *c, const char *fmt, ...)
{
	va_list ap;

	if (!c)
		return;
	va_start(ap, fmt);
	code_push(c, rep_vformat(c->section->rep, fmt, ap));
	va_end(ap);
}

void vsc_code_text(struct vsc_code *c, const char *text)
{
	const char *p = text;

	if (!c || !text)
		return;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *raw = strndup(p, len);

		if (!raw) {
			c->section->rep->oom = true;
			return;
		}
		code_push(c, rep_strdup(c->section->rep, raw));
		free(raw);
		p += len;
		if (*p == '\n')
			p++;
	}
}

/* ---- findings ------------------------------------------------------------------ */

static struct vsc_finding *finding_new(struct vsc_report *rep, enum vsc_severity sev,
				       const char *kind, const char *next_step,
				       const char *fmt, va_list ap)
	__attribute__((format(printf, 5, 0)));

static struct vsc_finding *finding_new(struct vsc_report *rep, enum vsc_severity sev,
				       const char *kind, const char *next_step,
				       const char *fmt, va_list ap)
{
	struct vsc_finding *f = rep_calloc(rep, sizeof(*f));
	struct vsc_ptrvec *v = &rep->findings;
	size_t at;

	if (!f)
		return NULL;
	f->rep = rep;
	f->severity = sev;
	f->kind = rep_id(rep, kind, '-');
	f->verdict = rep_vformat(rep, fmt, ap);
	if (next_step)
		f->next_step = rep_strdup(rep, next_step);
	if (!f->kind || !f->verdict || (next_step && !f->next_step) ||
	    !ptrvec_push(rep, v, f)) {
		finding_free(f);
		return NULL;
	}
	if ((unsigned)sev >= VSC_SEV_COUNT) {
		internal_error(rep, NULL, "finding %s: invalid severity %d", f->kind, (int)sev);
		f->severity = VSC_SEV_CRITICAL;
	}
	/* Render order: after every finding at least as severe (stable). */
	for (at = v->n - 1; at > 0 &&
	     ((struct vsc_finding *)v->items[at - 1])->severity < f->severity; at--)
		v->items[at] = v->items[at - 1];
	v->items[at] = f;
	return f;
}

struct vsc_finding *vsc_report_finding(struct vsc_report *rep, enum vsc_severity sev,
				       const char *kind, const char *fmt, ...)
{
	struct vsc_finding *f;
	va_list ap;

	if (!rep)
		return NULL;
	va_start(ap, fmt);
	f = finding_new(rep, sev, kind, NULL, fmt, ap);
	va_end(ap);
	return f;
}

struct vsc_finding *vsc_report_finding_of(struct vsc_report *rep,
					  const struct vsc_finding_kind *kind,
					  const char *fmt, ...)
{
	struct vsc_finding *f;
	va_list ap;

	if (!rep || !kind)
		return NULL;
	va_start(ap, fmt);
	f = finding_new(rep, kind->severity, kind->id, kind->next_step, fmt, ap);
	va_end(ap);
	return f;
}

/* Validate @ref against @rep; returns the ref to store (owned field copy). */
static bool ref_check(struct vsc_finding *f, struct vsc_ref *ref)
{
	struct vsc_report *rep = f->rep;
	const struct vsc_section *s = vsc_ref_target_section(ref);
	const char *what = NULL;

	if (!s)
		return false;
	if (s->rep != rep)
		what = "belongs to another report";
	else if (ref->table && ref->row != VSC_NO_ROW && ref->row >= ref->table->rows.n)
		what = "points past the last table row";
	else if (ref->field && !ref->table && !ref->code) {
		char *key = rep_id(rep, ref->field, '_');

		if (!key)
			return false;
		if (!fields_find(&s->fields, key)) {
			what = "names a field that does not exist";
			free(key);
		} else {
			ref->field = key;
			return true;
		}
	}
	if (what) {
		internal_error(rep, NULL, "finding %s: evidence reference %s", f->kind, what);
		return false;
	}
	ref->field = NULL;
	if (!ref->table)
		ref->row = VSC_NO_ROW;
	return true;
}

static void add_evidence(struct vsc_finding *f, const struct vsc_ref *ref, const char *fmt,
			 va_list ap)
	__attribute__((format(printf, 3, 0)));

static void add_evidence(struct vsc_finding *f, const struct vsc_ref *ref, const char *fmt,
			 va_list ap)
{
	struct vsc_report *rep = f->rep;
	struct vsc_evidence_line *e = rep_calloc(rep, sizeof(*e));

	if (!e)
		return;
	e->ref.row = VSC_NO_ROW;
	e->text = rep_vformat(rep, fmt, ap);
	if (ref) {
		struct vsc_ref r = *ref;

		if (ref_check(f, &r))
			e->ref = r;
	}
	if (!e->text || !ptrvec_push(rep, &f->evidence, e)) {
		free((char *)e->text);
		free((char *)e->ref.field);
		free(e);
	}
}

void vsc_finding_evidence(struct vsc_finding *f, const char *fmt, ...)
{
	va_list ap;

	if (!f)
		return;
	va_start(ap, fmt);
	add_evidence(f, NULL, fmt, ap);
	va_end(ap);
}

void vsc_finding_evidence_at(struct vsc_finding *f, struct vsc_ref ref, const char *fmt, ...)
{
	va_list ap;

	if (!f)
		return;
	va_start(ap, fmt);
	add_evidence(f, &ref, fmt, ap);
	va_end(ap);
}

void vsc_finding_next(struct vsc_finding *f, const char *fmt, ...)
{
	va_list ap;

	if (!f)
		return;
	va_start(ap, fmt);
	replace_str(&f->next_step, rep_vformat(f->rep, fmt, ap));
	va_end(ap);
}

void vsc_finding_fact(struct vsc_finding *f, const char *key, struct vsc_value v)
{
	char where[160];

	if (!f)
		return;
	snprintf(where, sizeof(where), "finding %s", f->kind);
	fields_add(f->rep, NULL, &f->facts, where, key, &v, NULL);
}
