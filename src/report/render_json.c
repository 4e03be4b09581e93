// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * JSON renderer: the only file that includes json-c.
 *
 * Schema "vtdscope-report", version VSC_REPORT_SCHEMA_VERSION; see
 * src/report/report.schema.json, which the tests validate every rendered
 * report against.  Shape:
 *
 *   { "schema", "schema_version", "title", "tool": {name, version},
 *     "target": {path, <meta fields>, unavailable}, "generated_at" (only if
 *     set), "redacted", "verdict" (string or null), "findings": [...],
 *     "sections": { <id>: section, ... }, "errors": [...], "warnings": [...] }
 *
 * Sections are an object keyed by id (ids are unique among siblings) so
 * consumers can write .sections.qi.tables.slots.rows[17]; json-c keeps
 * insertion order, so the document order is the report order.  Every
 * diagnostic is listed once, in the top-level "errors"/"warnings", with a
 * JSON Pointer to its section.  64-bit hex words and addresses are "0x..."
 * strings; absent values are null with the reason under a sibling
 * "unavailable" object.  Empty containers inside sections are omitted.
 *
 * json-c builds the tree; the layout (2-space indent, "[]" for empty
 * arrays) is written here so it does not depend on the json-c version.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "report_int.h"

struct jctx {
	struct vsc_render_ctx *ctx;
};

static json_object *chk(struct jctx *j, json_object *o)
{
	if (!o)
		j->ctx->oom = true;
	return o;
}

/* Add @val (NULL means allocation failed, already flagged) under @key. */
static void put(struct jctx *j, json_object *obj, const char *key, json_object *val)
{
	if (!obj || !val) {
		json_object_put(val);
		return;
	}
	if (json_object_object_add(obj, key, val) < 0) {
		json_object_put(val);
		j->ctx->oom = true;
	}
}

static void put_null(struct jctx *j, json_object *obj, const char *key)
{
	if (obj && json_object_object_add(obj, key, NULL) < 0)
		j->ctx->oom = true;
}

static void push(struct jctx *j, json_object *arr, json_object *val)
{
	if (!arr || !val) {
		json_object_put(val);
		return;
	}
	if (json_object_array_add(arr, val) < 0) {
		json_object_put(val);
		j->ctx->oom = true;
	}
}

static json_object *str(struct jctx *j, const char *s)
{
	return chk(j, json_object_new_string(vsc__scrub(j->ctx, s)));
}

static json_object *new_obj(struct jctx *j)
{
	return chk(j, json_object_new_object());
}

static json_object *new_arr(struct jctx *j)
{
	return chk(j, json_object_new_array());
}

/* Put an object/array under @key only when it has members; consumes it. */
static void put_nonempty(struct jctx *j, json_object *obj, const char *key, json_object *val)
{
	if (val && ((json_object_is_type(val, json_type_object) &&
		     json_object_object_length(val) == 0) ||
		    (json_object_is_type(val, json_type_array) &&
		     json_object_array_length(val) == 0))) {
		json_object_put(val);
		return;
	}
	put(j, obj, key, val);
}

/*
 * Add value @v under @key of @obj; an absent value adds null there and its
 * reason under @key of @unavailable.
 */
static void put_value(struct jctx *j, json_object *obj, json_object *unavailable,
		      const char *key, const struct vsc_value *v)
{
	const char *token = j->ctx->opts->redact ? vsc__value_redaction(v) : NULL;
	char buf[24];

	if (token) {
		put(j, obj, key, str(j, token));
		return;
	}
	switch (v->kind) {
	case VSC_VAL_STR:
	case VSC_VAL_HOST:
		put(j, obj, key, str(j, v->s));
		break;
	case VSC_VAL_INT:
		put(j, obj, key, chk(j, json_object_new_int64(v->i)));
		break;
	case VSC_VAL_UINT:
		put(j, obj, key, chk(j, json_object_new_uint64(v->u)));
		break;
	case VSC_VAL_HEX:
		snprintf(buf, sizeof(buf), "0x%0*" PRIx64, (int)v->hex_digits, v->u);
		put(j, obj, key, str(j, buf));
		break;
	case VSC_VAL_ADDR:
		snprintf(buf, sizeof(buf), "0x%" PRIx64, v->u);
		put(j, obj, key, str(j, buf));
		break;
	case VSC_VAL_BOOL:
		put(j, obj, key, chk(j, json_object_new_boolean(v->b)));
		break;
	case VSC_VAL_ABSENT:
	default:
		put_null(j, obj, key);
		if (unavailable && !json_object_object_get_ex(unavailable, key, NULL))
			put(j, unavailable, key, str(j, v->s ? v->s : VSC_ABSENT_DEFAULT_REASON));
		break;
	}
}

/* fields + unavailable objects for @fs, added to @parent (under @fields_key, or inline). */
static void put_fields(struct jctx *j, json_object *parent, const char *fields_key,
		       const struct vsc_fields *fs)
{
	json_object *fields = fields_key ? new_obj(j) : parent;
	json_object *unavailable = new_obj(j);

	for (size_t i = 0; i < fs->n; i++)
		put_value(j, fields, unavailable, fs->items[i].key, &fs->items[i].v);
	if (fields_key)
		put_nonempty(j, parent, fields_key, fields);
	put_nonempty(j, parent, "unavailable", unavailable);
}

static json_object *pointer(struct jctx *j, const struct vsc_ref *ref,
			    const struct vsc_section *s)
{
	struct vsc_sb sb;
	json_object *o;

	vsc_sb_init(&sb);
	if (ref)
		vsc__ref_pointer(ref, &sb);
	else
		vsc__section_pointer(s, &sb);
	o = sb.oom ? NULL : chk(j, json_object_new_string(vsc_sb_str(&sb)));
	if (sb.oom)
		j->ctx->oom = true;
	vsc_sb_deinit(&sb);
	return o;
}

/* ---- tables, code, sections ------------------------------------------------ */

static json_object *table_json(struct jctx *j, const struct vsc_table *tb)
{
	json_object *o = new_obj(j), *cols = new_arr(j), *rows = new_arr(j);
	json_object *unavailable = new_obj(j);

	if (tb->title)
		put(j, o, "title", str(j, tb->title));
	for (size_t c = 0; c < tb->ncols; c++) {
		json_object *col = new_obj(j);

		put(j, col, "key", chk(j, json_object_new_string(tb->cols[c].key)));
		put(j, col, "name", str(j, tb->cols[c].name));
		put(j, col, "kind",
		    chk(j, json_object_new_string(vsc_value_kind_name(tb->cols[c].kind))));
		put(j, col, "align", chk(j, json_object_new_string(
			vsc__column_right(&tb->cols[c]) ? "right" : "left")));
		push(j, cols, col);
	}
	put(j, o, "columns", cols);
	for (size_t r = 0; r < tb->rows.n; r++) {
		const struct vsc_value *row = tb->rows.items[r];
		json_object *ro = new_obj(j);

		for (size_t c = 0; c < tb->ncols; c++)
			put_value(j, ro, unavailable, tb->cols[c].key, &row[c]);
		push(j, rows, ro);
	}
	put(j, o, "rows", rows);
	put_nonempty(j, o, "unavailable", unavailable);
	return o;
}

static json_object *code_json(struct jctx *j, const struct vsc_code *c)
{
	json_object *o = new_obj(j), *lines = new_arr(j);

	if (c->title)
		put(j, o, "title", str(j, c->title));
	for (size_t i = 0; i < c->lines.n; i++)
		push(j, lines, str(j, c->lines.items[i]));
	put(j, o, "lines", lines);
	return o;
}

static json_object *section_json(struct jctx *j, const struct vsc_section *s)
{
	json_object *o = new_obj(j);
	json_object *tables = new_obj(j), *code = new_obj(j), *paras = new_arr(j);
	json_object *notes = new_arr(j), *sections = new_obj(j);

	put(j, o, "title", str(j, s->title));
	put_fields(j, o, "fields", &s->fields);
	for (const struct vsc_node *n = s->first; n; n = n->next) {
		switch (n->kind) {
		case VSC_NODE_TABLE:
			put(j, tables, n->table->id, table_json(j, n->table));
			break;
		case VSC_NODE_CODE:
			put(j, code, n->code->id, code_json(j, n->code));
			break;
		case VSC_NODE_PARA:
			push(j, paras, str(j, n->text));
			break;
		case VSC_NODE_NOTE:
			push(j, notes, str(j, n->text));
			break;
		case VSC_NODE_SECTION:
			put(j, sections, n->section->id, section_json(j, n->section));
			break;
		case VSC_NODE_FIELD:
		case VSC_NODE_DIAG:
			break;
		}
	}
	put_nonempty(j, o, "tables", tables);
	put_nonempty(j, o, "code", code);
	put_nonempty(j, o, "paragraphs", paras);
	put_nonempty(j, o, "notes", notes);
	put_nonempty(j, o, "sections", sections);
	return o;
}

static json_object *finding_json(struct jctx *j, const struct vsc_finding *f)
{
	json_object *o = new_obj(j), *ev = new_arr(j);

	put(j, o, "severity", chk(j, json_object_new_string(vsc_severity_name(f->severity))));
	put(j, o, "kind", chk(j, json_object_new_string(f->kind)));
	put(j, o, "verdict", str(j, f->verdict));
	for (size_t i = 0; i < f->evidence.n; i++) {
		const struct vsc_evidence *e = f->evidence.items[i];
		json_object *eo = new_obj(j);

		put(j, eo, "text", str(j, e->text));
		if (vsc__ref_section(&e->ref))
			put(j, eo, "ref", pointer(j, &e->ref, NULL));
		push(j, ev, eo);
	}
	put(j, o, "evidence", ev);
	if (f->next_step)
		put(j, o, "next_step", str(j, f->next_step));
	put_fields(j, o, "facts", &f->facts);
	return o;
}

static json_object *diag_json(struct jctx *j, const struct vsc_diag *d)
{
	json_object *o = new_obj(j);

	put(j, o, "kind", chk(j, json_object_new_string(d->kind)));
	put(j, o, "message", str(j, d->message));
	if (d->section)
		put(j, o, "section", pointer(j, NULL, d->section));
	return o;
}

static json_object *report_json(struct jctx *j)
{
	const struct vsc_report *rep = j->ctx->rep;
	json_object *o = new_obj(j), *tool = new_obj(j), *target = new_obj(j);
	json_object *findings = new_arr(j), *sections = new_obj(j);
	json_object *errors = new_arr(j), *warnings = new_arr(j);
	const struct vsc_finding **sorted = vsc__sorted_findings(rep);

	put(j, o, "schema", chk(j, json_object_new_string(VSC_REPORT_SCHEMA_NAME)));
	put(j, o, "schema_version", chk(j, json_object_new_int(VSC_REPORT_SCHEMA_VERSION)));
	put(j, o, "title", str(j, rep->title ? rep->title : "vtdscope report"));

	put(j, tool, "name", chk(j, json_object_new_string("vtdscope")));
	if (rep->tool_version)
		put(j, tool, "version", str(j, rep->tool_version));
	put(j, o, "tool", tool);

	if (rep->target_path)
		put(j, target, "path", str(j, rep->target_path));
	put_fields(j, target, NULL, &rep->meta);
	put(j, o, "target", target);

	if (rep->has_generated_at) {
		char when[32];

		vsc__format_time(rep->generated_at, when);
		put(j, o, "generated_at", chk(j, json_object_new_string(when)));
	}
	put(j, o, "redacted", chk(j, json_object_new_boolean(j->ctx->opts->redact)));
	if (rep->verdict)
		put(j, o, "verdict", str(j, rep->verdict));
	else
		put_null(j, o, "verdict");

	if (rep->findings.n && !sorted)
		j->ctx->oom = true;
	for (size_t i = 0; sorted && i < rep->findings.n; i++)
		push(j, findings, finding_json(j, sorted[i]));
	free(sorted);
	put(j, o, "findings", findings);

	for (const struct vsc_node *n = rep->root.first; n; n = n->next)
		if (n->kind == VSC_NODE_SECTION)
			put(j, sections, n->section->id, section_json(j, n->section));
	put(j, o, "sections", sections);

	if (rep->oom) {
		json_object *e = new_obj(j);

		put(j, e, "kind", chk(j, json_object_new_string("nomem")));
		put(j, e, "message",
		    chk(j, json_object_new_string("report incomplete: out of memory")));
		push(j, errors, e);
	}
	for (size_t i = 0; i < rep->diags.n; i++) {
		const struct vsc_diag *d = rep->diags.items[i];

		push(j, d->level == VSC_DIAG_ERROR ? errors : warnings, diag_json(j, d));
	}
	put(j, o, "errors", errors);
	put(j, o, "warnings", warnings);
	return o;
}

/* ---- layout ----------------------------------------------------------------------- */

static void indent(struct vsc_sb *sb, unsigned level)
{
	for (unsigned i = 0; i < level; i++)
		vsc_sb_puts(sb, "  ");
}

static void scalar(struct jctx *j, struct vsc_sb *sb, json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE);

	if (!s) {
		j->ctx->oom = true;
		return;
	}
	/* json-c leaves DEL raw (valid JSON); make it visible like other controls. */
	for (; *s; s++) {
		if (*s == 0x7f)
			vsc_sb_puts(sb, "\\u007f");
		else
			vsc_sb_putc(sb, *s);
	}
}

static void write_json(struct jctx *j, struct vsc_sb *sb, json_object *o, unsigned level)
{
	switch (json_object_get_type(o)) {
	case json_type_object: {
		bool first = true;

		if (!json_object_object_length(o)) {
			vsc_sb_puts(sb, "{}");
			break;
		}
		vsc_sb_puts(sb, "{\n");
		json_object_object_foreach(o, key, val) {
			json_object *k = json_object_new_string(key);

			if (!first)
				vsc_sb_puts(sb, ",\n");
			first = false;
			indent(sb, level + 1);
			if (!k) {
				j->ctx->oom = true;
				return;
			}
			scalar(j, sb, k);
			json_object_put(k);
			vsc_sb_puts(sb, ": ");
			write_json(j, sb, val, level + 1);
		}
		vsc_sb_putc(sb, '\n');
		indent(sb, level);
		vsc_sb_putc(sb, '}');
		break;
	}
	case json_type_array: {
		size_t n = json_object_array_length(o);

		if (!n) {
			vsc_sb_puts(sb, "[]");
			break;
		}
		vsc_sb_puts(sb, "[\n");
		for (size_t i = 0; i < n; i++) {
			indent(sb, level + 1);
			write_json(j, sb, json_object_array_get_idx(o, i), level + 1);
			vsc_sb_puts(sb, i + 1 < n ? ",\n" : "\n");
		}
		indent(sb, level);
		vsc_sb_putc(sb, ']');
		break;
	}
	case json_type_null:
		vsc_sb_puts(sb, "null");
		break;
	default:
		scalar(j, sb, o);
		break;
	}
}

void vsc__render_json(struct vsc_render_ctx *ctx)
{
	struct jctx j = { .ctx = ctx };
	json_object *root = report_json(&j);
	struct vsc_sb sb;

	if (ctx->oom) {
		json_object_put(root);
		return;
	}
	vsc_sb_init(&sb);
	write_json(&j, &sb, root, 0);
	vsc_sb_putc(&sb, '\n');
	json_object_put(root);
	if (!ctx->oom)
		vsc__emit(ctx, &sb);
	vsc_sb_deinit(&sb);
}
