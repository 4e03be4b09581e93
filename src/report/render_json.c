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
 * "unavailable" object.  Lists are arrays; objects are objects (their
 * absent members' reasons under their own "unavailable"); times are
 * {"since_boot_ns", "wall"}.  Empty containers inside sections are omitted.
 *
 * json-c builds the tree; the layout (2-space indent, "[]" for empty
 * arrays) is written here so it does not depend on the json-c version.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "render_int.h"

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

static void put_value(struct jctx *j, json_object *obj, json_object *unavailable,
		      const char *key, const struct vsc_value *v);

static json_object *value_json(struct jctx *j, const struct vsc_value *v);

static json_object *list_json(struct jctx *j, const struct vsc_value *v)
{
	json_object *arr = new_arr(j);

	for (size_t i = 0; arr && i < v->list.n; i++) {
		const struct vsc_value *item = &v->list.items[i];

		if (item->kind != VSC_VAL_ABSENT)
			push(j, arr, value_json(j, item));
		else if (json_object_array_add(arr, NULL) < 0)  /* null */
			j->ctx->oom = true;
	}
	return arr;
}

static json_object *object_json(struct jctx *j, const struct vsc_value *v)
{
	json_object *o = new_obj(j), *unavailable = new_obj(j);

	for (size_t i = 0; i < v->object.n; i++)
		put_value(j, o, unavailable, v->object.members[i].key, &v->object.members[i].value);
	put_nonempty(j, o, "unavailable", unavailable);
	return o;
}

static json_object *time_json(struct jctx *j, const struct vsc_value *v)
{
	json_object *o = new_obj(j);

	if (v->time.has_boot)
		put(j, o, "since_boot_ns", chk(j, json_object_new_uint64(v->time.boot_ns)));
	if (v->time.has_wall) {
		char buf[64];
		struct vsc_out out = { .buf = buf, .size = sizeof(buf) };

		vsc__time_wall_text(v->time.wall_ns, &out);
		if (vsc_out_finish(&out) < 0)
			j->ctx->oom = true;
		put(j, o, "wall", chk(j, json_object_new_string(buf)));
	}
	return o;
}

/* A value that is not absent (those are null). */
static json_object *value_json(struct jctx *j, const struct vsc_value *v)
{
	const char *token = j->ctx->opts->redact ? vsc_value_redaction(v) : NULL;
	char buf[24];

	if (token)
		return str(j, token);
	switch (v->kind) {
	case VSC_VAL_STR:
	case VSC_VAL_HOST:
		return str(j, v->s);
	case VSC_VAL_INT:
		return chk(j, json_object_new_int64(v->i));
	case VSC_VAL_UINT:
		return chk(j, json_object_new_uint64(v->u));
	case VSC_VAL_HEX:
		snprintf(buf, sizeof(buf), "0x%0*" PRIx64, (int)v->hex_digits, v->u);
		return str(j, buf);
	case VSC_VAL_ADDR:
		snprintf(buf, sizeof(buf), "0x%" PRIx64, v->u);
		return str(j, buf);
	case VSC_VAL_BOOL:
		return chk(j, json_object_new_boolean(v->b));
	case VSC_VAL_LIST:
		return list_json(j, v);
	case VSC_VAL_OBJECT:
		return object_json(j, v);
	case VSC_VAL_TIME:
		return time_json(j, v);
	default:
		return chk(j, json_object_new_string("?"));
	}
}

/*
 * Add value @v under @key of @obj; an absent value adds null there and its
 * reason under @key of @unavailable.
 */
static void put_value(struct jctx *j, json_object *obj, json_object *unavailable,
		      const char *key, const struct vsc_value *v)
{
	if (v->kind != VSC_VAL_ABSENT) {
		put(j, obj, key, value_json(j, v));
		return;
	}
	put_null(j, obj, key);
	if (unavailable && !json_object_object_get_ex(unavailable, key, NULL))
		put(j, unavailable, key, str(j, v->s ? v->s : VSC_ABSENT_DEFAULT_REASON));
}

/*
 * Fields, facts or meta: values into @fields, reasons for absent ones into
 * an "unavailable" object that fields_end() adds to @parent.
 */
struct jfields {
	json_object *fields;
	json_object *unavailable;
};

static void fields_begin(struct jctx *j, struct jfields *jf, json_object *inline_into)
{
	jf->fields = inline_into ? inline_into : new_obj(j);
	jf->unavailable = new_obj(j);
}

static void fields_add(struct jctx *j, struct jfields *jf, const struct vsc_field *f)
{
	put_value(j, jf->fields, jf->unavailable, f->key, &f->value);
}

/* @fields_key NULL: the fields went inline into @parent. */
static void fields_end(struct jctx *j, struct jfields *jf, json_object *parent,
		       const char *fields_key)
{
	if (fields_key)
		put_nonempty(j, parent, fields_key, jf->fields);
	put_nonempty(j, parent, "unavailable", jf->unavailable);
}

static json_object *pointer(struct jctx *j, const struct vsc_ref *ref)
{
	struct vsc_sb sb;
	json_object *o;

	vsc_sb_init(&sb);
	VSC_SB_FORMAT(&sb, vsc_ref_pointer, ref);
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
	size_t ncols = vsc_table_column_count(tb), nrows = vsc_table_row_count(tb);

	if (vsc_table_title(tb))
		put(j, o, "title", str(j, vsc_table_title(tb)));
	for (size_t c = 0; c < ncols; c++) {
		const struct vsc_column *cd = vsc_table_column_nth(tb, c);
		json_object *col = new_obj(j);

		put(j, col, "key", chk(j, json_object_new_string(cd->key)));
		put(j, col, "name", str(j, cd->name));
		put(j, col, "kind", chk(j, json_object_new_string(vsc_value_kind_name(cd->kind))));
		put(j, col, "align", chk(j, json_object_new_string(
			vsc_column_right(cd) ? "right" : "left")));
		push(j, cols, col);
	}
	put(j, o, "columns", cols);
	for (size_t r = 0; r < nrows; r++) {
		const struct vsc_value *row = vsc_table_row_nth(tb, r);
		json_object *ro = new_obj(j);

		for (size_t c = 0; c < ncols; c++)
			put_value(j, ro, unavailable, vsc_table_column_nth(tb, c)->key, &row[c]);
		push(j, rows, ro);
	}
	put(j, o, "rows", rows);
	put_nonempty(j, o, "unavailable", unavailable);
	return o;
}

static json_object *code_json(struct jctx *j, const struct vsc_code *c)
{
	json_object *o = new_obj(j), *lines = new_arr(j);
	size_t n = vsc_code_line_count(c);

	if (vsc_code_title(c))
		put(j, o, "title", str(j, vsc_code_title(c)));
	for (size_t i = 0; i < n; i++)
		push(j, lines, str(j, vsc_code_line_nth(c, i)));
	put(j, o, "lines", lines);
	return o;
}

static json_object *section_json(struct jctx *j, const struct vsc_section *s)
{
	json_object *o = new_obj(j);
	json_object *tables = new_obj(j), *code = new_obj(j), *paras = new_arr(j);
	json_object *notes = new_arr(j), *sections = new_obj(j);
	const struct vsc_field *f;
	struct jfields jf;

	put(j, o, "title", str(j, vsc_section_title(s)));
	fields_begin(j, &jf, NULL);
	for (size_t i = 0; (f = vsc_section_field_nth(s, i)); i++)
		fields_add(j, &jf, f);
	fields_end(j, &jf, o, "fields");
	for (const struct vsc_node *n = vsc_section_first(s); n; n = vsc_node_next(n)) {
		switch (vsc_node_kind(n)) {
		case VSC_NODE_TABLE:
			put(j, tables, vsc_table_id(vsc_node_table(n)), table_json(j, vsc_node_table(n)));
			break;
		case VSC_NODE_CODE:
			put(j, code, vsc_code_id(vsc_node_code(n)), code_json(j, vsc_node_code(n)));
			break;
		case VSC_NODE_PARA:
			push(j, paras, str(j, vsc_node_text(n)));
			break;
		case VSC_NODE_NOTE:
			push(j, notes, str(j, vsc_node_text(n)));
			break;
		case VSC_NODE_SECTION:
			put(j, sections, vsc_section_id(vsc_node_section(n)),
			    section_json(j, vsc_node_section(n)));
			break;
		default:        /* fields above; diagnostics at the top level */
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
	const struct vsc_evidence_line *e;
	const struct vsc_field *fa;
	struct jfields jf;

	put(j, o, "severity",
	    chk(j, json_object_new_string(vsc_severity_name(vsc_finding_severity(f)))));
	put(j, o, "kind", chk(j, json_object_new_string(vsc_finding_kind(f))));
	put(j, o, "verdict", str(j, vsc_finding_verdict(f)));
	for (size_t i = 0; (e = vsc_finding_evidence_nth(f, i)); i++) {
		json_object *eo = new_obj(j);

		put(j, eo, "text", str(j, e->text));
		if (vsc_ref_kind(&e->ref) != VSC_REF_NONE)
			put(j, eo, "ref", pointer(j, &e->ref));
		push(j, ev, eo);
	}
	put(j, o, "evidence", ev);
	if (vsc_finding_next_step(f))
		put(j, o, "next_step", str(j, vsc_finding_next_step(f)));
	fields_begin(j, &jf, NULL);
	for (size_t i = 0; (fa = vsc_finding_fact_nth(f, i)); i++)
		fields_add(j, &jf, fa);
	fields_end(j, &jf, o, "facts");
	return o;
}

static json_object *diag_json(struct jctx *j, const struct vsc_diag *d)
{
	json_object *o = new_obj(j);

	put(j, o, "kind", chk(j, json_object_new_string(d->kind)));
	put(j, o, "message", str(j, d->message));
	if (d->section) {
		struct vsc_ref ref = vsc_ref_section(d->section);

		put(j, o, "section", pointer(j, &ref));
	}
	return o;
}

static json_object *report_json(struct jctx *j)
{
	const struct vsc_report *rep = j->ctx->rep;
	json_object *o = new_obj(j), *tool = new_obj(j), *target = new_obj(j);
	json_object *findings = new_arr(j), *sections = new_obj(j);
	json_object *errors = new_arr(j), *warnings = new_arr(j);
	const struct vsc_finding *f;
	const struct vsc_field *meta;
	const struct vsc_diag *d;
	struct jfields jf;
	time_t at;

	put(j, o, "schema", chk(j, json_object_new_string(VSC_REPORT_SCHEMA_NAME)));
	put(j, o, "schema_version", chk(j, json_object_new_int(VSC_REPORT_SCHEMA_VERSION)));
	put(j, o, "title", str(j, vsc_report_title(rep)));

	put(j, tool, "name", chk(j, json_object_new_string("vtdscope")));
	if (vsc_report_tool_version(rep))
		put(j, tool, "version", str(j, vsc_report_tool_version(rep)));
	put(j, o, "tool", tool);

	if (vsc_report_target(rep))
		put(j, target, "path", str(j, vsc_report_target(rep)));
	fields_begin(j, &jf, target);
	for (size_t i = 0; (meta = vsc_report_meta_nth(rep, i)); i++)
		fields_add(j, &jf, meta);
	fields_end(j, &jf, target, NULL);
	put(j, o, "target", target);

	if (vsc_report_generated_at(rep, &at)) {
		char when[32];

		vsc__format_time(at, when);
		put(j, o, "generated_at", chk(j, json_object_new_string(when)));
	}
	put(j, o, "redacted", chk(j, json_object_new_boolean(j->ctx->opts->redact)));
	if (vsc_report_verdict(rep))
		put(j, o, "verdict", str(j, vsc_report_verdict(rep)));
	else
		put_null(j, o, "verdict");

	for (size_t i = 0; (f = vsc_report_finding_nth(rep, i)); i++)
		push(j, findings, finding_json(j, f));
	put(j, o, "findings", findings);

	for (const struct vsc_node *n = vsc_report_first(rep); n; n = vsc_node_next(n))
		put(j, sections, vsc_section_id(vsc_node_section(n)),
		    section_json(j, vsc_node_section(n)));
	put(j, o, "sections", sections);

	for (size_t i = 0; (d = vsc_report_diag_nth(rep, i)); i++)
		push(j, d->level == VSC_DIAG_ERROR ? errors : warnings, diag_json(j, d));
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
