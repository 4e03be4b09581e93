// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Markdown renderer, aimed at what GitHub, GitLab and Bugzilla all accept:
 * ATX headings, the verdict in bold, findings as a list (severity as a bold
 * word, no emoji), key/value fields as a list, GFM pipe tables, fenced code
 * blocks, and <details> around tables and code blocks longer than
 * DETAILS_THRESHOLD lines (with blank lines around the inner Markdown, which
 * GitHub needs to render it).
 *
 * Text from the dump is escaped: control characters are made visible as in
 * the text renderer, then Markdown punctuation is backslash-escaped (every
 * ASCII punctuation backslash escape is valid CommonMark), so a hostile
 * string cannot open a link, an HTML tag or a table cell.
 */
#include <stdlib.h>
#include <string.h>

#include "render_int.h"

#define DETAILS_THRESHOLD 30
#define SUBLIST "    "          /* 4 spaces: nested list for CommonMark and Markdown.pl */

struct md {
	struct vsc_render_ctx *ctx;
	struct vsc_sb out;
	struct vsc_sb esc;              /* scratch */
	bool started;
};

static void block(struct md *m)
{
	if (m->started)
		vsc_sb_putc(&m->out, '\n');
	m->started = true;
}

/* Control-escaped @s (already redacted), in m->esc. */
static const char *escaped(struct md *m, const char *s, enum vsc_esc_mode mode)
{
	vsc_sb_reset(&m->esc);
	vsc__escape_controls(&m->esc, s, mode, 0);
	if (m->esc.oom)
		m->ctx->oom = true;
	return vsc_sb_str(&m->esc);
}

/* Redacted and control-escaped @s, in m->esc. */
static const char *visible(struct md *m, const char *s, enum vsc_esc_mode mode)
{
	return escaped(m, vsc__scrub(m->ctx, s), mode);
}

static bool md_special(char c)
{
	return strchr("\\`*_[]<>|#~&", c) != NULL;
}

/*
 * Inline Markdown text from visible() or escaped() text.  At the start of a
 * line, also neutralise block syntax: list markers, ordered-list numbers,
 * setext underlines.
 */
static void put_inline_visible(struct md *m, const char *p, bool line_start)
{
	if (line_start) {
		size_t digits;

		while (*p == ' ')
			p++;
		digits = strspn(p, "0123456789");
		if (*p == '-' || *p == '+' || *p == '=') {
			vsc_sb_putc(&m->out, '\\');
		} else if (digits && (p[digits] == '.' || p[digits] == ')')) {
			vsc_sb_putn(&m->out, p, digits);
			vsc_sb_putc(&m->out, '\\');
			p += digits;
		}
	}
	for (; *p; p++) {
		if (md_special(*p))
			vsc_sb_putc(&m->out, '\\');
		vsc_sb_putc(&m->out, *p);
	}
}

static void put_inline(struct md *m, const char *s, bool line_start)
{
	put_inline_visible(m, visible(m, s, VSC_ESC_INLINE), line_start);
}

/* `code span` that survives backticks in @s (already visible()). */
static void put_code_span(struct md *m, const char *s)
{
	size_t run = 0, max = 0;
	bool pad;

	for (const char *p = s; *p; p++) {
		run = *p == '`' ? run + 1 : 0;
		if (run > max)
			max = run;
	}
	pad = *s == '`' || (*s && s[strlen(s) - 1] == '`');
	for (size_t i = 0; i <= max; i++)
		vsc_sb_putc(&m->out, '`');
	if (pad)
		vsc_sb_putc(&m->out, ' ');
	/*
	 * Not for table cells: there GFM would need "\\|" even inside code,
	 * which renders literally everywhere else.
	 */
	vsc_sb_puts(&m->out, s);
	if (pad)
		vsc_sb_putc(&m->out, ' ');
	for (size_t i = 0; i <= max; i++)
		vsc_sb_putc(&m->out, '`');
}

static void put_html(struct md *m, const char *s)
{
	for (const char *p = visible(m, s, VSC_ESC_INLINE); *p; p++) {
		switch (*p) {
		case '&': vsc_sb_puts(&m->out, "&amp;"); break;
		case '<': vsc_sb_puts(&m->out, "&lt;"); break;
		case '>': vsc_sb_puts(&m->out, "&gt;"); break;
		case '"': vsc_sb_puts(&m->out, "&quot;"); break;
		default: vsc_sb_putc(&m->out, *p); break;
		}
	}
}

/* A value as Markdown inline text. */
static void put_value(struct md *m, const struct vsc_value *v, bool with_reason)
{
	struct vsc_sb raw;

	vsc_sb_init(&raw);
	vsc__value_text_into(m->ctx, &raw, v, with_reason);        /* redacted */
	put_inline_visible(m, escaped(m, vsc_sb_str(&raw), VSC_ESC_INLINE), false);
	vsc_sb_deinit(&raw);
}

static void put_kv(struct md *m, const char *indent, const char *label,
		   const struct vsc_value *v)
{
	vsc_sb_puts(&m->out, indent);
	vsc_sb_puts(&m->out, "- ");
	put_code_span(m, visible(m, label, VSC_ESC_INLINE));
	vsc_sb_puts(&m->out, ": ");
	put_value(m, v, true);
	vsc_sb_putc(&m->out, '\n');
}

static void put_diag(struct md *m, const char *kind, bool error, const char *message)
{
	/* "*" bullets: a separate list from an adjacent "-" field list */
	vsc_sb_printf(&m->out, "* **%s** (%s): ", error ? "Error" : "Warning", kind);
	put_inline(m, message, false);
	vsc_sb_putc(&m->out, '\n');
}

/* ---- findings ---------------------------------------------------------------- */

/* " (see `qi/slots`, slot 17)": the path as code, the rest as text. */
static void put_ref(struct md *m, const struct vsc_ref *ref)
{
	struct vsc_sb where;
	const char *comma;

	vsc_sb_init(&where);
	vsc__ref_text_into(m->ctx, &where, ref);
	comma = strstr(vsc_sb_str(&where), ", ");
	vsc_sb_puts(&m->out, " (see ");
	if (comma) {
		char *path = strndup(vsc_sb_str(&where), (size_t)(comma - vsc_sb_str(&where)));

		if (!path)
			m->ctx->oom = true;
		else
			put_code_span(m, path);
		free(path);
		vsc_sb_puts(&m->out, ", ");
		put_inline(m, comma + 2, false);
	} else {
		put_code_span(m, vsc_sb_str(&where));
	}
	vsc_sb_putc(&m->out, ')');
	vsc_sb_deinit(&where);
}

static void put_findings(struct md *m)
{
	const struct vsc_report *rep = m->ctx->rep;
	const struct vsc_finding *f;

	block(m);
	vsc_sb_puts(&m->out, "## Findings\n\n");
	if (!vsc_report_finding_count(rep)) {
		vsc_sb_puts(&m->out, "No findings.\n");
		return;
	}
	for (size_t i = 0; (f = vsc_report_finding_nth(rep, i)); i++) {
		const struct vsc_evidence_line *ev;
		const char *next = vsc_finding_next_step(f);

		vsc_sb_printf(&m->out, "- **%s** ", vsc_severity_label(vsc_finding_severity(f)));
		put_inline(m, vsc_finding_verdict(f), false);
		vsc_sb_printf(&m->out, " (`%s`)\n", vsc_finding_kind(f));
		for (size_t e = 0; (ev = vsc_finding_evidence_nth(f, e)); e++) {
			vsc_sb_puts(&m->out, SUBLIST "- ");
			put_inline(m, ev->text, false);
			if (vsc_ref_kind(&ev->ref) != VSC_REF_NONE)
				put_ref(m, &ev->ref);
			vsc_sb_putc(&m->out, '\n');
		}
		if (next) {
			vsc_sb_puts(&m->out, SUBLIST "- **Next:** ");
			put_inline(m, next, false);
			vsc_sb_putc(&m->out, '\n');
		}
		if (m->ctx->opts->verbose && vsc_finding_fact_count(f)) {
			const struct vsc_field *fa;

			vsc_sb_puts(&m->out, SUBLIST "- **Facts:**\n");
			for (size_t k = 0; (fa = vsc_finding_fact_nth(f, k)); k++)
				put_kv(m, SUBLIST SUBLIST, fa->key, &fa->value);
		}
	}
}

static void put_report_diags(struct md *m)
{
	const struct vsc_report *rep = m->ctx->rep;
	const struct vsc_diag *d;
	bool any = false;

	for (size_t i = 0; (d = vsc_report_diag_nth(rep, i)) && !any; i++)
		any = !d->section;
	if (!any)
		return;
	block(m);
	vsc_sb_puts(&m->out, "## Errors and warnings\n\n");
	for (size_t i = 0; (d = vsc_report_diag_nth(rep, i)); i++)
		if (!d->section)
			put_diag(m, d->kind, d->level == VSC_DIAG_ERROR, d->message);
}

static void put_meta(struct md *m)
{
	const struct vsc_report *rep = m->ctx->rep;
	const char *target = vsc_report_target(rep), *version = vsc_report_tool_version(rep);
	size_t nmeta = vsc_report_meta_count(rep);
	bool has_at;
	time_t at;
	char when[32];

	block(m);
	vsc_sb_puts(&m->out, "## Target\n\n");
	if (target)
		put_kv(m, "", "target", &(struct vsc_value){ .kind = VSC_VAL_STR, .s = target });
	if (version) {
		vsc_sb_puts(&m->out, "- `tool`: vtdscope ");
		put_inline(m, version, false);
		vsc_sb_putc(&m->out, '\n');
	}
	has_at = vsc_report_generated_at(rep, &at);
	if (has_at) {
		vsc__format_time(at, when);
		vsc_sb_printf(&m->out, "- `generated_at`: %s\n", when);
	}
	for (size_t i = 0; i < nmeta; i++) {
		const struct vsc_field *f = vsc_report_meta_nth(rep, i);

		put_kv(m, "", f->label, &f->value);
	}
	if (!target && !version && !has_at && !nmeta)
		vsc_sb_puts(&m->out, "No target information.\n");
}

/* ---- tables and code ------------------------------------------------------------ */

/* Caption, or the opening of <details> when @lines is long. Returns true if <details>. */
static bool open_block(struct md *m, const char *title, const char *id, size_t lines,
		       const char *unit)
{
	block(m);
	if (lines > DETAILS_THRESHOLD) {
		vsc_sb_puts(&m->out, "<details><summary>");
		if (title) {
			put_html(m, title);
			vsc_sb_printf(&m->out, " (%s)", id);
		} else {
			vsc_sb_puts(&m->out, id);
		}
		vsc_sb_printf(&m->out, ": %zu %s</summary>\n\n", lines, unit);
		return true;
	}
	if (title) {
		vsc_sb_puts(&m->out, "**");
		put_inline(m, title, false);
		vsc_sb_printf(&m->out, "** (`%s`)\n\n", id);
	} else {
		vsc_sb_printf(&m->out, "`%s`\n\n", id);
	}
	return false;
}

static void close_block(struct md *m, bool details)
{
	if (details)
		vsc_sb_puts(&m->out, "\n</details>\n");
}

/* One cell; @redacted: @s is a value's text, already redacted. */
static void put_cell_text(struct md *m, const char *s, bool redacted)
{
	vsc_sb_putc(&m->out, ' ');
	if (*s && redacted)
		put_inline_visible(m, escaped(m, s, VSC_ESC_INLINE), false);
	else if (*s)
		put_inline(m, s, false);
	vsc_sb_puts(&m->out, " |");
}

static void put_table(struct md *m, const struct vsc_table *tb)
{
	size_t nrows = vsc_table_row_count(tb), ncols = vsc_table_column_count(tb);
	bool details = open_block(m, vsc_table_title(tb), vsc_table_id(tb), nrows, "rows");
	struct vsc_sb cell;

	vsc_sb_init(&cell);
	vsc_sb_putc(&m->out, '|');
	for (size_t c = 0; c < ncols; c++)
		put_cell_text(m, vsc_table_column_nth(tb, c)->name, false);
	vsc_sb_puts(&m->out, "\n|");
	for (size_t c = 0; c < ncols; c++)
		vsc_sb_puts(&m->out, vsc_column_right(vsc_table_column_nth(tb, c)) ? " ---: |" : " --- |");
	vsc_sb_putc(&m->out, '\n');
	for (size_t r = 0; r < nrows; r++) {
		const struct vsc_value *row = vsc_table_row_nth(tb, r);

		vsc_sb_putc(&m->out, '|');
		for (size_t c = 0; c < ncols; c++) {
			vsc_sb_reset(&cell);
			vsc__value_text_into(m->ctx, &cell, &row[c], m->ctx->opts->verbose);
			put_cell_text(m, vsc_sb_str(&cell), true);
		}
		vsc_sb_putc(&m->out, '\n');
	}
	if (cell.oom)
		m->ctx->oom = true;
	vsc_sb_deinit(&cell);
	if (!nrows)
		vsc_sb_puts(&m->out, "\n*No rows.*\n");
	close_block(m, details);
}

static void put_code(struct md *m, const struct vsc_code *c)
{
	size_t n = vsc_code_line_count(c);
	bool details = open_block(m, vsc_code_title(c), vsc_code_id(c), n, "lines");
	size_t fence = 3;

	for (size_t i = 0; i < n; i++) {
		const char *p = visible(m, vsc_code_line_nth(c, i), VSC_ESC_CODE);
		size_t run = 0;

		for (; *p; p++) {
			run = *p == '`' ? run + 1 : 0;
			if (run >= fence)
				fence = run + 1;
		}
	}
	for (size_t i = 0; i < fence; i++)
		vsc_sb_putc(&m->out, '`');
	vsc_sb_putc(&m->out, '\n');
	for (size_t i = 0; i < n; i++) {
		vsc_sb_puts(&m->out, visible(m, vsc_code_line_nth(c, i), VSC_ESC_CODE));
		vsc_sb_putc(&m->out, '\n');
	}
	for (size_t i = 0; i < fence; i++)
		vsc_sb_putc(&m->out, '`');
	vsc_sb_putc(&m->out, '\n');
	close_block(m, details);
}

/* Paragraph (prefix "") or note (prefix "> "): one source line per line. */
static void put_lines(struct md *m, const char *prefix, const char *lead, const char *text)
{
	char *copy = strdup(text), *line, *save = NULL;
	bool first = true;

	if (!copy) {
		m->ctx->oom = true;
		return;
	}
	block(m);
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		vsc_sb_puts(&m->out, prefix);
		if (first && lead)
			vsc_sb_puts(&m->out, lead);
		put_inline(m, line, !(first && lead));
		vsc_sb_putc(&m->out, '\n');
		first = false;
	}
	free(copy);
}

/* ---- sections -------------------------------------------------------------------- */

static void put_section(struct md *m, const struct vsc_section *s)
{
	unsigned depth = vsc_section_depth(s);
	unsigned level = depth + 2 > 6 ? 6 : depth + 2;
	const struct vsc_node *n = vsc_section_first(s);

	block(m);
	for (unsigned i = 0; i < level; i++)
		vsc_sb_putc(&m->out, '#');
	vsc_sb_putc(&m->out, ' ');
	put_inline(m, vsc_section_title(s), false);
	vsc_sb_puts(&m->out, " (");
	put_code_span(m, vsc_section_path(s));
	vsc_sb_puts(&m->out, ")\n");

	while (n) {
		enum vsc_node_kind kind = vsc_node_kind(n);

		if (kind == VSC_NODE_FIELD || kind == VSC_NODE_DIAG) {
			block(m);
			for (; vsc_node_kind(n) == kind; n = vsc_node_next(n)) {
				if (kind == VSC_NODE_FIELD) {
					const struct vsc_field *f = vsc_node_field(n);

					put_kv(m, "", f->label, &f->value);
				} else {
					const struct vsc_diag *d = vsc_node_diag(n);

					put_diag(m, d->kind, d->level == VSC_DIAG_ERROR, d->message);
				}
			}
			continue;
		}
		switch (kind) {
		case VSC_NODE_TABLE:
			put_table(m, vsc_node_table(n));
			break;
		case VSC_NODE_CODE:
			put_code(m, vsc_node_code(n));
			break;
		case VSC_NODE_PARA:
			put_lines(m, "", NULL, vsc_node_text(n));
			break;
		case VSC_NODE_NOTE:
			put_lines(m, "> ", "**Note:** ", vsc_node_text(n));
			break;
		case VSC_NODE_SECTION:
			put_section(m, vsc_node_section(n));
			break;
		default:
			break;
		}
		n = vsc_node_next(n);
	}
}

void vsc__render_markdown(struct vsc_render_ctx *ctx)
{
	const struct vsc_report *rep = ctx->rep;
	struct md m = { .ctx = ctx };

	vsc_sb_init(&m.out);
	vsc_sb_init(&m.esc);

	vsc_sb_puts(&m.out, "# ");
	put_inline(&m, vsc_report_title(rep), false);
	vsc_sb_puts(&m.out, "\n\n**Verdict: ");
	if (vsc_report_verdict(rep))
		put_inline(&m, vsc_report_verdict(rep), false);
	else
		vsc_sb_puts(&m.out, "(none)");
	vsc_sb_puts(&m.out, "**\n");
	m.started = true;

	put_findings(&m);
	put_report_diags(&m);
	put_meta(&m);
	for (const struct vsc_node *n = vsc_report_first(rep); n; n = vsc_node_next(n))
		put_section(&m, vsc_node_section(n));

	if (m.esc.oom)
		ctx->oom = true;
	vsc__emit(ctx, &m.out);
	vsc_sb_deinit(&m.out);
	vsc_sb_deinit(&m.esc);
}
