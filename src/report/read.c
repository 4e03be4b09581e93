// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The read API over the report model (<vtdscope/report_read.h>): accessors
 * that hand out the model's own objects, read-only, and the ids, pointers
 * and texts of references.  Nothing here allocates to walk.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report_int.h"
#include "strbuf.h"

static const char *const node_kind_names[] = {
#define VSC_X_(e, name) [VSC_NODE_##e] = name,
	VSC_NODE_KINDS(VSC_X_)
#undef VSC_X_
};

const char *vsc_node_kind_name(enum vsc_node_kind kind)
{
	return (unsigned)kind < VSC_NODE_COUNT ? node_kind_names[kind] : "?";
}

static const void *nth(const struct vsc_ptrvec *v, size_t i)
{
	return i < v->n ? v->items[i] : NULL;
}

/* ---- report ------------------------------------------------------------------ */

const char *vsc_report_title(const struct vsc_report *rep)
{
	if (!rep)
		return NULL;
	return rep->title ? rep->title : "vtdscope report";
}

const char *vsc_report_tool_version(const struct vsc_report *rep)
{
	return rep ? rep->tool_version : NULL;
}

const char *vsc_report_target(const struct vsc_report *rep)
{
	return rep ? rep->target_path : NULL;
}

bool vsc_report_generated_at(const struct vsc_report *rep, time_t *out)
{
	if (!rep || !rep->has_generated_at)
		return false;
	*out = rep->generated_at;
	return true;
}

size_t vsc_report_meta_count(const struct vsc_report *rep)
{
	return rep ? rep->meta.n : 0;
}

const struct vsc_field *vsc_report_meta_nth(const struct vsc_report *rep, size_t i)
{
	return rep && i < rep->meta.n ? rep->meta.items[i] : NULL;
}

/* ---- diagnostics ----------------------------------------------------------------- */

static const struct vsc_diag nomem_diag = {
	.level = VSC_DIAG_ERROR,
	.kind = "nomem",
	.message = "report incomplete: out of memory",
};

size_t vsc_report_diag_count(const struct vsc_report *rep)
{
	return rep ? rep->diags.n + rep->oom : 0;
}

const struct vsc_diag *vsc_report_diag_nth(const struct vsc_report *rep, size_t i)
{
	if (!rep)
		return NULL;
	if (rep->oom) {
		if (!i)
			return &nomem_diag;
		i--;
	}
	return nth(&rep->diags, i);
}

/* ---- findings ---------------------------------------------------------------------- */

size_t vsc_report_finding_count(const struct vsc_report *rep)
{
	return rep ? rep->findings.n : 0;
}

const struct vsc_finding *vsc_report_finding_nth(const struct vsc_report *rep, size_t i)
{
	return rep ? nth(&rep->findings, i) : NULL;
}

enum vsc_severity vsc_finding_severity(const struct vsc_finding *f)
{
	return f ? f->severity : VSC_SEV_INFO;
}

const char *vsc_finding_kind(const struct vsc_finding *f)
{
	return f ? f->kind : NULL;
}

const char *vsc_finding_verdict(const struct vsc_finding *f)
{
	return f ? f->verdict : NULL;
}

const char *vsc_finding_next_step(const struct vsc_finding *f)
{
	return f ? f->next_step : NULL;
}

size_t vsc_finding_evidence_count(const struct vsc_finding *f)
{
	return f ? f->evidence.n : 0;
}

const struct vsc_evidence_line *vsc_finding_evidence_nth(const struct vsc_finding *f, size_t i)
{
	return f ? nth(&f->evidence, i) : NULL;
}

size_t vsc_finding_fact_count(const struct vsc_finding *f)
{
	return f ? f->facts.n : 0;
}

const struct vsc_field *vsc_finding_fact_nth(const struct vsc_finding *f, size_t i)
{
	return f && i < f->facts.n ? f->facts.items[i] : NULL;
}

/* ---- nodes -------------------------------------------------------------------------- */

const struct vsc_node *vsc_report_first(const struct vsc_report *rep)
{
	return rep ? rep->root.first : NULL;
}

const struct vsc_node *vsc_section_first(const struct vsc_section *s)
{
	return s ? s->first : NULL;
}

const struct vsc_node *vsc_node_next(const struct vsc_node *n)
{
	return n ? n->next : NULL;
}

enum vsc_node_kind vsc_node_kind(const struct vsc_node *n)
{
	return n ? n->kind : VSC_NODE_COUNT;
}

const struct vsc_field *vsc_node_field(const struct vsc_node *n)
{
	return n && n->kind == VSC_NODE_FIELD ? n->field : NULL;
}

const struct vsc_table *vsc_node_table(const struct vsc_node *n)
{
	return n && n->kind == VSC_NODE_TABLE ? n->table : NULL;
}

const struct vsc_code *vsc_node_code(const struct vsc_node *n)
{
	return n && n->kind == VSC_NODE_CODE ? n->code : NULL;
}

const char *vsc_node_text(const struct vsc_node *n)
{
	return n && (n->kind == VSC_NODE_PARA || n->kind == VSC_NODE_NOTE) ? n->text : NULL;
}

const struct vsc_section *vsc_node_section(const struct vsc_node *n)
{
	return n && n->kind == VSC_NODE_SECTION ? n->section : NULL;
}

const struct vsc_diag *vsc_node_diag(const struct vsc_node *n)
{
	return n && n->kind == VSC_NODE_DIAG ? n->diag : NULL;
}

/* ---- sections ------------------------------------------------------------------------- */

const char *vsc_section_id(const struct vsc_section *s)
{
	return s ? s->id : NULL;
}

const char *vsc_section_title(const struct vsc_section *s)
{
	return s ? s->title : NULL;
}

const char *vsc_section_path(const struct vsc_section *s)
{
	return s ? s->path : NULL;
}

unsigned vsc_section_depth(const struct vsc_section *s)
{
	return s ? s->depth : 0;
}

const struct vsc_section *vsc_section_parent(const struct vsc_section *s)
{
	return s && s->parent && s->parent->parent ? s->parent : NULL;
}

size_t vsc_section_field_count(const struct vsc_section *s)
{
	return s ? s->fields.n : 0;
}

const struct vsc_field *vsc_section_field_nth(const struct vsc_section *s, size_t i)
{
	return s && i < s->fields.n ? s->fields.items[i] : NULL;
}

/*
 * Whether @raw, normalised like vsc__normalize_id() with @sep, is @id;
 * without a copy.
 */
static bool id_matches(const char *id, const char *raw, char sep)
{
	const char *p = id;
	bool pending = false, any = false;

	for (; raw && *raw; raw++) {
		unsigned char c = (unsigned char)*raw;

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
			pending = true;
			continue;
		}
		if (pending && any && *p++ != sep)
			return false;
		if (*p++ != (char)c)
			return false;
		pending = false;
		any = true;
	}
	return any ? !*p : !strcmp(id, "unnamed");
}

const struct vsc_node *vsc__find_child(const struct vsc_section *s, const char *id)
{
	for (const struct vsc_node *n = s ? s->first : NULL; n; n = n->next) {
		const char *nid;

		switch (n->kind) {
		case VSC_NODE_SECTION:
			nid = n->section->id;
			break;
		case VSC_NODE_TABLE:
			nid = n->table->id;
			break;
		case VSC_NODE_CODE:
			nid = n->code->id;
			break;
		default:
			continue;
		}
		if (!strcmp(nid, id))
			return n;
	}
	return NULL;
}

/* Child of @s named @id (normalised), of @kind. */
static const struct vsc_node *find_child(const struct vsc_section *s, const char *id,
					 enum vsc_node_kind kind)
{
	for (const struct vsc_node *n = s ? s->first : NULL; n; n = n->next) {
		if (n->kind != kind)
			continue;
		if ((kind == VSC_NODE_SECTION && id_matches(n->section->id, id, '_')) ||
		    (kind == VSC_NODE_TABLE && id_matches(n->table->id, id, '_')) ||
		    (kind == VSC_NODE_CODE && id_matches(n->code->id, id, '_')))
			return n;
	}
	return NULL;
}

const struct vsc_field *vsc_section_find_field(const struct vsc_section *s, const char *key)
{
	for (size_t i = 0; s && i < s->fields.n; i++)
		if (id_matches(s->fields.items[i]->key, key, '_'))
			return s->fields.items[i];
	return NULL;
}

const struct vsc_section *vsc_section_find_section(const struct vsc_section *s, const char *id)
{
	return vsc_node_section(find_child(s, id, VSC_NODE_SECTION));
}

const struct vsc_table *vsc_section_find_table(const struct vsc_section *s, const char *id)
{
	return vsc_node_table(find_child(s, id, VSC_NODE_TABLE));
}

const struct vsc_code *vsc_section_find_code(const struct vsc_section *s, const char *id)
{
	return vsc_node_code(find_child(s, id, VSC_NODE_CODE));
}

const struct vsc_section *vsc_report_find_section(const struct vsc_report *rep, const char *path)
{
	struct vsc_ref ref;

	if (!vsc_report_resolve(rep, path, &ref) || vsc_ref_kind(&ref) != VSC_REF_SECTION)
		return NULL;
	return ref.section;
}

/* ---- tables and code ---------------------------------------------------------------------- */

const char *vsc_table_id(const struct vsc_table *tb)
{
	return tb ? tb->id : NULL;
}

const char *vsc_table_title(const struct vsc_table *tb)
{
	return tb ? tb->title : NULL;
}

const struct vsc_section *vsc_table_section(const struct vsc_table *tb)
{
	return tb ? tb->section : NULL;
}

size_t vsc_table_column_count(const struct vsc_table *tb)
{
	return tb ? tb->ncols : 0;
}

const struct vsc_column *vsc_table_column_nth(const struct vsc_table *tb, size_t c)
{
	return tb && c < tb->ncols ? &tb->cols[c] : NULL;
}

size_t vsc_table_row_count(const struct vsc_table *tb)
{
	return tb ? tb->rows.n : 0;
}

const struct vsc_value *vsc_table_row_nth(const struct vsc_table *tb, size_t r)
{
	return tb ? nth(&tb->rows, r) : NULL;
}

const char *vsc_code_id(const struct vsc_code *c)
{
	return c ? c->id : NULL;
}

const char *vsc_code_title(const struct vsc_code *c)
{
	return c ? c->title : NULL;
}

const struct vsc_section *vsc_code_section(const struct vsc_code *c)
{
	return c ? c->section : NULL;
}

size_t vsc_code_line_count(const struct vsc_code *c)
{
	return c ? c->lines.n : 0;
}

const char *vsc_code_line_nth(const struct vsc_code *c, size_t i)
{
	return c ? nth(&c->lines, i) : NULL;
}

/* ---- references ------------------------------------------------------------------------------ */

const struct vsc_section *vsc_ref_target_section(const struct vsc_ref *ref)
{
	if (!ref)
		return NULL;
	if (ref->table)
		return ref->table->section;
	if (ref->code)
		return ref->code->section;
	return ref->section;
}

enum vsc_ref_kind vsc_ref_kind(const struct vsc_ref *ref)
{
	if (!vsc_ref_target_section(ref))
		return VSC_REF_NONE;
	if (ref->table)
		return ref->row != VSC_NO_ROW ? VSC_REF_ROW : VSC_REF_TABLE;
	if (ref->code)
		return VSC_REF_CODE;
	return ref->field ? VSC_REF_FIELD : VSC_REF_SECTION;
}

const struct vsc_field *vsc_ref_target_field(const struct vsc_ref *ref)
{
	if (vsc_ref_kind(ref) != VSC_REF_FIELD)
		return NULL;
	return vsc_section_find_field(ref->section, ref->field);
}

int vsc_ref_path(const struct vsc_ref *ref, char *buf, size_t size)
{
	struct vsc_out o = { .buf = buf, .size = size };
	enum vsc_ref_kind kind = vsc_ref_kind(ref);

	if (kind != VSC_REF_NONE)
		vsc_out_puts(&o, vsc_ref_target_section(ref)->path);
	switch (kind) {
	case VSC_REF_ROW:
		vsc_out_printf(&o, "/%s/%zu", ref->table->id, ref->row);
		break;
	case VSC_REF_TABLE:
		vsc_out_printf(&o, "/%s", ref->table->id);
		break;
	case VSC_REF_CODE:
		vsc_out_printf(&o, "/%s", ref->code->id);
		break;
	case VSC_REF_FIELD:
		vsc_out_printf(&o, "#%s", ref->field);
		break;
	default:
		break;
	}
	return vsc_out_finish(&o);
}

static void pointer_token(struct vsc_out *o, const char *tok)
{
	vsc_out_putc(o, '/');
	for (; *tok; tok++) {
		if (*tok == '~')
			vsc_out_puts(o, "~0");
		else if (*tok == '/')
			vsc_out_puts(o, "~1");
		else
			vsc_out_putc(o, *tok);
	}
}

static void section_pointer(const struct vsc_section *s, struct vsc_out *o)
{
	if (!s || !s->parent)
		return;
	section_pointer(s->parent, o);
	pointer_token(o, "sections");
	pointer_token(o, s->id);
}

int vsc_ref_pointer(const struct vsc_ref *ref, char *buf, size_t size)
{
	struct vsc_out o = { .buf = buf, .size = size };

	section_pointer(vsc_ref_target_section(ref), &o);
	switch (vsc_ref_kind(ref)) {
	case VSC_REF_ROW:
	case VSC_REF_TABLE:
		pointer_token(&o, "tables");
		pointer_token(&o, ref->table->id);
		if (ref->row != VSC_NO_ROW) {
			pointer_token(&o, "rows");
			vsc_out_printf(&o, "/%zu", ref->row);
		}
		break;
	case VSC_REF_CODE:
		pointer_token(&o, "code");
		pointer_token(&o, ref->code->id);
		break;
	case VSC_REF_FIELD:
		pointer_token(&o, "fields");
		pointer_token(&o, ref->field);
		break;
	default:
		break;
	}
	return vsc_out_finish(&o);
}

/* Append the text of @v (vsc_report_value_text()) to @o. */
static void out_value(struct vsc_out *o, const struct vsc_report *rep, const struct vsc_value *v,
		      unsigned flags)
{
	size_t room = o->len < o->size ? o->size - o->len : 0;
	int n = vsc_report_value_text(rep, v, flags, room ? o->buf + o->len : NULL, room);

	if (n < 0)
		o->oom = true;
	else
		o->len += (size_t)n;
}

int vsc_ref_text(const struct vsc_ref *ref, bool redact, char *buf, size_t size)
{
	struct vsc_out o = { .buf = buf, .size = size };
	const struct vsc_section *s = vsc_ref_target_section(ref);
	const struct vsc_field *f;

	switch (vsc_ref_kind(ref)) {
	case VSC_REF_NONE:
		break;
	case VSC_REF_SECTION:
		vsc_out_puts(&o, s->path);
		break;
	case VSC_REF_FIELD:
		f = vsc_ref_target_field(ref);
		vsc_out_printf(&o, "%s, %s", s->path, f ? f->label : ref->field);
		break;
	case VSC_REF_TABLE:
	case VSC_REF_ROW:
		vsc_out_printf(&o, "%s/%s", s->path, ref->table->id);
		if (ref->row != VSC_NO_ROW && ref->row < ref->table->rows.n) {
			const struct vsc_value *row = ref->table->rows.items[ref->row];

			vsc_out_printf(&o, ", %s ", ref->table->cols[0].name);
			out_value(&o, s->rep, &row[0], redact ? VSC_TEXT_REDACT : 0);
		}
		break;
	case VSC_REF_CODE:
		vsc_out_printf(&o, "%s/%s", s->path, ref->code->id);
		break;
	}
	return vsc_out_finish(&o);
}

/* The row index at @p (digits only, below @rows), or VSC_NO_ROW. */
static size_t row_index(const char *p, size_t rows)
{
	char *end;
	unsigned long long r;

	if (*p < '0' || *p > '9')
		return VSC_NO_ROW;
	r = strtoull(p, &end, 10);
	if (*end || r >= rows)
		return VSC_NO_ROW;
	return (size_t)r;
}

bool vsc_report_resolve(const struct vsc_report *rep, const char *path, struct vsc_ref *out)
{
	const struct vsc_section *s;
	const char *p = path, *hash;
	struct vsc_ref ref = { .row = VSC_NO_ROW };
	char seg[256];

	if (!rep || !path || !*path)
		return false;
	s = &rep->root;
	hash = strchr(path, '#');
	while (*p && p != hash) {
		size_t len = strcspn(p, "/#");
		const struct vsc_node *n;

		if (!len || len >= sizeof(seg))
			return false;
		memcpy(seg, p, len);
		seg[len] = '\0';
		p += len;
		if (*p == '/')
			p++;
		n = vsc__find_child(s, seg);
		if (!n)
			return false;
		if (n->kind == VSC_NODE_SECTION) {
			s = n->section;
			continue;
		}
		if (hash)
			return false;   /* fields belong to sections */
		if (n->kind == VSC_NODE_CODE) {
			if (*p)
				return false;
			*out = vsc_ref_code(n->code);
			return true;
		}
		ref = vsc_ref_table(n->table);
		if (*p) {
			ref.row = row_index(p, n->table->rows.n);
			if (ref.row == VSC_NO_ROW)
				return false;
		}
		*out = ref;
		return true;
	}
	if (s == &rep->root)
		return false;
	if (hash) {
		const struct vsc_field *f = NULL;

		for (size_t i = 0; i < s->fields.n && !f; i++)
			if (!strcmp(s->fields.items[i]->key, hash + 1))
				f = s->fields.items[i];
		if (!f)
			return false;
		*out = vsc_ref_field(s, f->key);
		return true;
	}
	*out = vsc_ref_section(s);
	return true;
}
