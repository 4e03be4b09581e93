// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Plain-text renderer: verdict first, findings most severe first, then the
 * report meta and the sections, with aligned key/value blocks and tables.
 *
 * Everything that came from the dump is escaped: control characters become
 * "\n", "\t", "\xNN", C1 controls and bidi overrides "\uNNNN", so a hostile
 * string cannot drive the terminal.
 */
#include <stdlib.h>
#include <string.h>

#include "render_int.h"

#define FINDING_INDENT 10       /* strlen("CRITICAL") + 2 */
#define MAX_CELL_WIDTH 60       /* text cells longer than this are cut (not verbose) */
#define COLUMN_GAP 2

static const char *const severity_sgr[] = {
#define VSC_X_(e, json, label, sgr) [VSC_SEV_##e] = sgr,
	VSC_SEVERITIES(VSC_X_)
#undef VSC_X_
};

struct text {
	struct vsc_render_ctx *ctx;
	struct vsc_sb out;
	struct vsc_sb cell;             /* scratch */
	bool started;                   /* something was written: blank line before a block */
};

static void sgr(struct text *t, const char *code)
{
	if (t->ctx->opts->color)
		vsc_sb_printf(&t->out, "\033[%sm", code);
}

static void sgr_off(struct text *t)
{
	if (t->ctx->opts->color)
		vsc_sb_puts(&t->out, "\033[0m");
}

/* Scrub (redaction) then escape @s into t->out. */
static void put_text(struct text *t, const char *s, enum vsc_esc_mode mode, size_t col)
{
	vsc__escape_controls(&t->out, vsc__scrub(t->ctx, s), mode, col);
}

static void block(struct text *t)
{
	if (t->started)
		vsc_sb_putc(&t->out, '\n');
	t->started = true;
}

static void pad(struct vsc_sb *sb, size_t n)
{
	while (n--)
		vsc_sb_putc(sb, ' ');
}

/* The text of one value as shown in a cell or after a key: redacted, escaped. */
static const char *value_cell(struct text *t, const struct vsc_value *v, bool with_reason)
{
	struct vsc_sb raw;

	vsc_sb_init(&raw);
	vsc__value_text_into(t->ctx, &raw, v, with_reason);
	vsc_sb_reset(&t->cell);
	vsc__escape_controls(&t->cell, vsc_sb_str(&raw), VSC_ESC_INLINE, 0);
	vsc_sb_deinit(&raw);
	if (t->cell.oom)
		t->ctx->oom = true;
	return vsc_sb_str(&t->cell);
}

static const char *str_cell(struct text *t, const char *s)
{
	struct vsc_value v = { .kind = VSC_VAL_STR, .s = s };

	return value_cell(t, &v, false);
}

/* Copy of @s cut to @max display columns with an ellipsis. */
static char *truncated(const char *s, size_t max)
{
	size_t w = 0, i = 0;
	char *out;

	if (vsc__display_width(s) <= max)
		return strdup(s);
	for (; s[i]; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80) {
			if (w == max - 1)
				break;
			w++;
		}
	}
	out = malloc(i + sizeof("\u2026"));
	if (!out)
		return NULL;
	memcpy(out, s, i);
	strcpy(out + i, "\u2026");
	return out;
}

/* ---- key/value blocks ------------------------------------------------------ */

struct kv_line {
	char *key;      /* escaped */
	char *value;    /* escaped */
};

static void put_kv_lines(struct text *t, struct kv_line *lines, size_t n, size_t indent)
{
	size_t width = 0;

	for (size_t i = 0; i < n; i++) {
		size_t w = lines[i].key ? vsc__display_width(lines[i].key) : 0;

		if (w > width)
			width = w;
	}
	for (size_t i = 0; i < n; i++) {
		if (!lines[i].key || !lines[i].value) {
			t->ctx->oom = true;
			continue;
		}
		pad(&t->out, indent);
		vsc_sb_puts(&t->out, lines[i].key);
		pad(&t->out, width - vsc__display_width(lines[i].key) + 2);
		vsc_sb_puts(&t->out, lines[i].value);
		vsc_sb_putc(&t->out, '\n');
	}
}

static char *escaped_dup(struct text *t, const char *s)
{
	struct vsc_sb sb;
	char *r;

	vsc_sb_init(&sb);
	vsc__escape_controls(&sb, vsc__scrub(t->ctx, s), VSC_ESC_INLINE, 0);
	r = sb.oom ? NULL : strdup(vsc_sb_str(&sb));
	vsc_sb_deinit(&sb);
	return r;
}

static void kv_set(struct text *t, struct kv_line *l, const char *key, const char *value_escaped)
{
	l->key = escaped_dup(t, key);   /* @value_escaped may be t->cell: not touched here */
	l->value = value_escaped ? strdup(value_escaped) : NULL;
}

static void free_kv_lines(struct kv_line *lines, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(lines[i].key);
		free(lines[i].value);
	}
	free(lines);
}

/* ---- findings ------------------------------------------------------------------ */

static void put_findings(struct text *t)
{
	const struct vsc_report *rep = t->ctx->rep;
	const struct vsc_finding *f;

	block(t);
	if (!vsc_report_finding_count(rep)) {
		vsc_sb_puts(&t->out, "No findings.\n");
		return;
	}
	for (size_t i = 0; (f = vsc_report_finding_nth(rep, i)); i++) {
		enum vsc_severity sev = vsc_finding_severity(f);
		const char *label = vsc_severity_label(sev);
		const struct vsc_evidence_line *ev;
		const char *next = vsc_finding_next_step(f);

		sgr(t, severity_sgr[sev]);
		vsc_sb_puts(&t->out, label);
		sgr_off(t);
		pad(&t->out, FINDING_INDENT - strlen(label));
		put_text(t, vsc_finding_verdict(f), VSC_ESC_INLINE, FINDING_INDENT);
		vsc_sb_printf(&t->out, " [%s]\n", vsc_finding_kind(f));
		for (size_t e = 0; (ev = vsc_finding_evidence_nth(f, e)); e++) {
			pad(&t->out, FINDING_INDENT);
			vsc_sb_puts(&t->out, "- ");
			put_text(t, ev->text, VSC_ESC_INLINE, FINDING_INDENT + 2);
			if (vsc_ref_kind(&ev->ref) != VSC_REF_NONE) {
				struct vsc_sb ref;

				vsc_sb_init(&ref);
				vsc__ref_text_into(t->ctx, &ref, &ev->ref);
				vsc_sb_puts(&t->out, " (see ");
				vsc__escape_controls(&t->out, vsc_sb_str(&ref), VSC_ESC_INLINE, 0);
				vsc_sb_putc(&t->out, ')');
				vsc_sb_deinit(&ref);
			}
			vsc_sb_putc(&t->out, '\n');
		}
		if (next) {
			pad(&t->out, FINDING_INDENT);
			vsc_sb_puts(&t->out, "next: ");
			put_text(t, next, VSC_ESC_INLINE, FINDING_INDENT + 6);
			vsc_sb_putc(&t->out, '\n');
		}
		if (t->ctx->opts->verbose && vsc_finding_fact_count(f)) {
			const struct vsc_field *fa;

			pad(&t->out, FINDING_INDENT);
			vsc_sb_puts(&t->out, "facts:");
			for (size_t k = 0; (fa = vsc_finding_fact_nth(f, k)); k++) {
				vsc_sb_printf(&t->out, "%s%s=", k ? ", " : " ", fa->key);
				vsc_sb_puts(&t->out, value_cell(t, &fa->value, false));
			}
			vsc_sb_putc(&t->out, '\n');
		}
	}
}

/* ---- diagnostics ---------------------------------------------------------------- */

static void put_diag(struct text *t, const struct vsc_diag *d, size_t indent)
{
	bool err = d->level == VSC_DIAG_ERROR;

	pad(&t->out, indent);
	sgr(t, err ? "31" : "33");
	vsc_sb_puts(&t->out, err ? "error" : "warning");
	sgr_off(t);
	vsc_sb_printf(&t->out, " (%s): ", d->kind);
	put_text(t, d->message, VSC_ESC_INLINE, 0);
	vsc_sb_putc(&t->out, '\n');
}

static void put_report_diags(struct text *t)
{
	const struct vsc_report *rep = t->ctx->rep;
	const struct vsc_diag *d;
	bool any = false;

	for (size_t i = 0; (d = vsc_report_diag_nth(rep, i)) && !any; i++)
		any = !d->section;
	if (!any)
		return;
	block(t);
	for (size_t i = 0; (d = vsc_report_diag_nth(rep, i)); i++)
		if (!d->section)
			put_diag(t, d, 0);
}

/* ---- meta ------------------------------------------------------------------------ */

static void heading(struct text *t, const char *title, const char *path, unsigned depth)
{
	struct vsc_sb h;
	size_t w;

	vsc_sb_init(&h);
	vsc__escape_controls(&h, vsc__scrub(t->ctx, title), VSC_ESC_INLINE, 0);
	if (path)
		vsc_sb_printf(&h, " [%s]", path);
	w = vsc__display_width(vsc_sb_str(&h));
	block(t);
	sgr(t, "1");
	vsc_sb_puts(&t->out, vsc_sb_str(&h));
	sgr_off(t);
	vsc_sb_putc(&t->out, '\n');
	for (size_t i = 0; i < w; i++)
		vsc_sb_putc(&t->out, depth == 0 ? '=' : '-');
	vsc_sb_putc(&t->out, '\n');
	if (h.oom)
		t->ctx->oom = true;
	vsc_sb_deinit(&h);
}

static void put_meta(struct text *t)
{
	const struct vsc_report *rep = t->ctx->rep;
	size_t nmeta = vsc_report_meta_count(rep);
	struct kv_line *lines = calloc(nmeta + 3, sizeof(*lines));
	const char *target = vsc_report_target(rep), *version = vsc_report_tool_version(rep);
	size_t n = 0;
	time_t at;
	char when[32];

	heading(t, vsc_report_title(rep), NULL, 0);
	if (!lines) {
		t->ctx->oom = true;
		return;
	}
	if (target)
		kv_set(t, &lines[n++], "target", str_cell(t, target));
	if (version) {
		struct vsc_sb v;

		vsc_sb_init(&v);
		vsc_sb_printf(&v, "vtdscope %s", version);
		kv_set(t, &lines[n++], "tool",
		       v.oom ? NULL : str_cell(t, vsc_sb_str(&v)));
		vsc_sb_deinit(&v);
	}
	if (vsc_report_generated_at(rep, &at)) {
		vsc__format_time(at, when);
		kv_set(t, &lines[n++], "generated_at", when);
	}
	for (size_t i = 0; i < nmeta; i++) {
		const struct vsc_field *f = vsc_report_meta_nth(rep, i);

		kv_set(t, &lines[n++], f->label, value_cell(t, &f->value, true));
	}
	put_kv_lines(t, lines, n, 2);
	free_kv_lines(lines, n);
}

/* ---- tables ----------------------------------------------------------------------- */

static void caption(struct text *t, const char *title, const char *id)
{
	pad(&t->out, 2);
	if (title) {
		put_text(t, title, VSC_ESC_INLINE, 2);
		vsc_sb_printf(&t->out, " [%s]\n", id);
	} else {
		vsc_sb_printf(&t->out, "[%s]\n", id);
	}
}

static void put_cell(struct text *t, const char *s, size_t width, bool right, bool last)
{
	size_t w = vsc__display_width(s);
	size_t fill = width > w ? width - w : 0;

	if (right)
		pad(&t->out, fill);
	vsc_sb_puts(&t->out, s);
	if (!last) {
		if (!right)
			pad(&t->out, fill);
		pad(&t->out, COLUMN_GAP);
	}
}

static void put_table(struct text *t, const struct vsc_table *tb)
{
	size_t nrows = vsc_table_row_count(tb), ncols = vsc_table_column_count(tb);
	char **cells = calloc((nrows + 1) * ncols, sizeof(*cells));
	size_t *width = calloc(ncols, sizeof(*width));
	size_t max = t->ctx->opts->verbose ? (size_t)-1 : MAX_CELL_WIDTH;

	block(t);
	caption(t, vsc_table_title(tb), vsc_table_id(tb));
	if (!cells || !width) {
		t->ctx->oom = true;
		goto out;
	}
	for (size_t c = 0; c < ncols; c++) {
		char *h = escaped_dup(t, vsc_table_column_nth(tb, c)->name);

		cells[c] = h ? truncated(h, max) : NULL;
		free(h);
	}
	for (size_t r = 0; r < nrows; r++) {
		const struct vsc_value *row = vsc_table_row_nth(tb, r);

		for (size_t c = 0; c < ncols; c++)
			cells[(r + 1) * ncols + c] =
				truncated(value_cell(t, &row[c], t->ctx->opts->verbose), max);
	}
	for (size_t i = 0; i < (nrows + 1) * ncols; i++) {
		size_t w;

		if (!cells[i]) {
			t->ctx->oom = true;
			goto out;
		}
		w = vsc__display_width(cells[i]);
		if (w > width[i % ncols])
			width[i % ncols] = w;
	}
	for (size_t r = 0; r <= nrows; r++) {
		pad(&t->out, 2);
		for (size_t c = 0; c < ncols; c++)
			put_cell(t, cells[r * ncols + c], width[c],
				 vsc_column_right(vsc_table_column_nth(tb, c)), c + 1 == ncols);
		vsc_sb_putc(&t->out, '\n');
		if (r == 0) {
			pad(&t->out, 2);
			for (size_t c = 0; c < ncols; c++) {
				for (size_t i = 0; i < width[c]; i++)
					vsc_sb_putc(&t->out, '-');
				if (c + 1 < ncols)
					pad(&t->out, COLUMN_GAP);
			}
			vsc_sb_putc(&t->out, '\n');
		}
	}
	if (!nrows)
		vsc_sb_puts(&t->out, "  (no rows)\n");
out:
	for (size_t i = 0; cells && i < (nrows + 1) * ncols; i++)
		free(cells[i]);
	free(cells);
	free(width);
}

static void put_code(struct text *t, const struct vsc_code *c)
{
	size_t n = vsc_code_line_count(c);

	block(t);
	caption(t, vsc_code_title(c), vsc_code_id(c));
	for (size_t i = 0; i < n; i++) {
		pad(&t->out, 4);
		put_text(t, vsc_code_line_nth(c, i), VSC_ESC_CODE, 0);
		vsc_sb_putc(&t->out, '\n');
	}
	if (!n)
		vsc_sb_puts(&t->out, "    (empty)\n");
}

/* Paragraph or note: each line of @text indented. */
static void put_lines(struct text *t, const char *prefix, const char *text)
{
	const char *p = vsc__scrub(t->ctx, text);
	char *copy = strdup(p), *line, *save = NULL;
	bool first = true;

	if (!copy) {
		t->ctx->oom = true;
		return;
	}
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		pad(&t->out, 2);
		if (first && prefix)
			vsc_sb_puts(&t->out, prefix);
		else if (prefix)
			pad(&t->out, strlen(prefix));
		vsc__escape_controls(&t->out, line, VSC_ESC_INLINE, 0);
		vsc_sb_putc(&t->out, '\n');
		first = false;
	}
	free(copy);
}

/* ---- sections ------------------------------------------------------------------------- */

static void put_section(struct text *t, const struct vsc_section *s)
{
	const struct vsc_node *n = vsc_section_first(s);

	heading(t, vsc_section_title(s), vsc_section_path(s), vsc_section_depth(s));
	t->started = false;     /* the first block follows the underline directly */

	while (n) {
		enum vsc_node_kind kind = vsc_node_kind(n);

		if (kind == VSC_NODE_FIELD) {
			size_t count = 0, i = 0;
			struct kv_line *lines;
			const struct vsc_node *m;

			for (m = n; vsc_node_kind(m) == VSC_NODE_FIELD; m = vsc_node_next(m))
				count++;
			lines = calloc(count, sizeof(*lines));
			if (!lines) {
				t->ctx->oom = true;
				return;
			}
			for (m = n; vsc_node_kind(m) == VSC_NODE_FIELD; m = vsc_node_next(m), i++) {
				const struct vsc_field *f = vsc_node_field(m);

				kv_set(t, &lines[i], f->label, value_cell(t, &f->value, true));
			}
			block(t);
			put_kv_lines(t, lines, count, 2);
			free_kv_lines(lines, count);
			n = m;
			continue;
		}
		if (kind == VSC_NODE_DIAG || kind == VSC_NODE_NOTE) {
			block(t);
			for (; vsc_node_kind(n) == kind; n = vsc_node_next(n)) {
				if (kind == VSC_NODE_DIAG)
					put_diag(t, vsc_node_diag(n), 2);
				else
					put_lines(t, "note: ", vsc_node_text(n));
			}
			continue;
		}
		switch (kind) {
		case VSC_NODE_TABLE:
			put_table(t, vsc_node_table(n));
			break;
		case VSC_NODE_CODE:
			put_code(t, vsc_node_code(n));
			break;
		case VSC_NODE_PARA:
			block(t);
			put_lines(t, NULL, vsc_node_text(n));
			break;
		case VSC_NODE_SECTION:
			t->started = true;
			put_section(t, vsc_node_section(n));
			break;
		default:
			break;
		}
		n = vsc_node_next(n);
	}
	t->started = true;
}

/* No line ends in blanks (an empty last cell or value, trailing blanks in a log line). */
static void strip_trailing_blanks(struct vsc_sb *sb)
{
	size_t o = 0, blanks = 0;

	if (sb->oom || !sb->buf)
		return;
	for (size_t i = 0; i < sb->len; i++) {
		char c = sb->buf[i];

		if (c == ' ') {
			blanks++;
			continue;
		}
		if (c != '\n')
			while (blanks) {
				sb->buf[o++] = ' ';
				blanks--;
			}
		blanks = 0;
		sb->buf[o++] = c;
	}
	sb->len = o;
	sb->buf[o] = '\0';
}

void vsc__render_text(struct vsc_render_ctx *ctx)
{
	const struct vsc_report *rep = ctx->rep;
	struct text t = { .ctx = ctx };

	vsc_sb_init(&t.out);
	vsc_sb_init(&t.cell);

	sgr(&t, "1");
	vsc_sb_puts(&t.out, "Verdict:");
	sgr_off(&t);
	vsc_sb_putc(&t.out, ' ');
	if (vsc_report_verdict(rep))
		put_text(&t, vsc_report_verdict(rep), VSC_ESC_INLINE, 9);
	else
		vsc_sb_puts(&t.out, "(none)");
	vsc_sb_putc(&t.out, '\n');
	t.started = true;

	put_findings(&t);
	put_report_diags(&t);
	put_meta(&t);
	for (const struct vsc_node *n = vsc_report_first(rep); n; n = vsc_node_next(n))
		put_section(&t, vsc_node_section(n));

	if (t.cell.oom)
		ctx->oom = true;
	strip_trailing_blanks(&t.out);
	vsc__emit(ctx, &t.out);
	vsc_sb_deinit(&t.out);
	vsc_sb_deinit(&t.cell);
}
