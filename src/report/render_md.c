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

#include "report_int.h"

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

/* Redacted and control-escaped @s, in m->esc. */
static const char *visible(struct md *m, const char *s, enum vsc_esc_mode mode)
{
	vsc_sb_reset(&m->esc);
	vsc__escape_controls(&m->esc, vsc__scrub(m->ctx, s), mode, 0);
	if (m->esc.oom)
		m->ctx->oom = true;
	return vsc_sb_str(&m->esc);
}

static bool md_special(char c)
{
	return strchr("\\`*_[]<>|#~&", c) != NULL;
}

/*
 * Inline Markdown text.  At the start of a line, also neutralise block
 * syntax: list markers, ordered-list numbers, setext underlines.
 */
static void put_inline(struct md *m, const char *s, bool line_start)
{
	const char *p = visible(m, s, VSC_ESC_INLINE);

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
	vsc__value_text(v, m->ctx->opts->redact, &raw);
	if (with_reason && v->kind == VSC_VAL_ABSENT && v->s)
		vsc_sb_printf(&raw, " (%s)", v->s);
	if (raw.oom)
		m->ctx->oom = true;
	put_inline(m, vsc_sb_str(&raw), false);
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

static void put_section_path(struct md *m, const struct vsc_section *s)
{
	struct vsc_sb path;

	vsc_sb_init(&path);
	vsc__section_path(s, &path);
	put_code_span(m, vsc_sb_str(&path));
	if (path.oom)
		m->ctx->oom = true;
	vsc_sb_deinit(&path);
}

/* ---- findings ---------------------------------------------------------------- */

static void put_findings(struct md *m)
{
	const struct vsc_report *rep = m->ctx->rep;
	const struct vsc_finding **sorted;

	block(m);
	vsc_sb_puts(&m->out, "## Findings\n\n");
	if (!rep->findings.n) {
		vsc_sb_puts(&m->out, "No findings.\n");
		return;
	}
	sorted = vsc__sorted_findings(rep);
	if (!sorted) {
		m->ctx->oom = true;
		return;
	}
	for (size_t i = 0; i < rep->findings.n; i++) {
		const struct vsc_finding *f = sorted[i];

		vsc_sb_printf(&m->out, "- **%s** ", vsc_severity_label(f->severity));
		put_inline(m, f->verdict, false);
		vsc_sb_printf(&m->out, " (`%s`)\n", f->kind);
		for (size_t e = 0; e < f->evidence.n; e++) {
			const struct vsc_evidence *ev = f->evidence.items[e];
			const struct vsc_section *s = vsc__ref_section(&ev->ref);

			vsc_sb_puts(&m->out, SUBLIST "- ");
			put_inline(m, ev->text, false);
			if (s) {
				struct vsc_sb where;
				const char *comma;

				/* "qi/slots, slot 17": path as code, the rest as text */
				vsc_sb_init(&where);
				vsc__ref_text(m->ctx, &ev->ref, &where);
				comma = strstr(vsc_sb_str(&where), ", ");
				vsc_sb_puts(&m->out, " (see ");
				if (comma) {
					char *path = strndup(vsc_sb_str(&where),
							     (size_t)(comma - vsc_sb_str(&where)));

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
				if (where.oom)
					m->ctx->oom = true;
				vsc_sb_deinit(&where);
			}
			vsc_sb_putc(&m->out, '\n');
		}
		if (f->next_step) {
			vsc_sb_puts(&m->out, SUBLIST "- **Next:** ");
			put_inline(m, f->next_step, false);
			vsc_sb_putc(&m->out, '\n');
		}
		if (m->ctx->opts->verbose && f->facts.n) {
			vsc_sb_puts(&m->out, SUBLIST "- **Facts:**\n");
			for (size_t k = 0; k < f->facts.n; k++)
				put_kv(m, SUBLIST SUBLIST, f->facts.items[k].key, &f->facts.items[k].v);
		}
	}
	free(sorted);
}

static void put_report_diags(struct md *m)
{
	const struct vsc_report *rep = m->ctx->rep;
	bool any = rep->oom;

	for (size_t i = 0; i < rep->diags.n && !any; i++)
		any = !((const struct vsc_diag *)rep->diags.items[i])->section;
	if (!any)
		return;
	block(m);
	vsc_sb_puts(&m->out, "## Errors and warnings\n\n");
	if (rep->oom)
		put_diag(m, "nomem", true, "report incomplete: out of memory");
	for (size_t i = 0; i < rep->diags.n; i++) {
		const struct vsc_diag *d = rep->diags.items[i];

		if (!d->section)
			put_diag(m, d->kind, d->level == VSC_DIAG_ERROR, d->message);
	}
}

static void put_meta(struct md *m)
{
	const struct vsc_report *rep = m->ctx->rep;
	char when[32];

	block(m);
	vsc_sb_puts(&m->out, "## Target\n\n");
	if (rep->target_path)
		put_kv(m, "", "target", &(struct vsc_value){ .kind = VSC_VAL_STR,
							     .s = rep->target_path });
	if (rep->tool_version) {
		vsc_sb_puts(&m->out, "- `tool`: vtdscope ");
		put_inline(m, rep->tool_version, false);
		vsc_sb_putc(&m->out, '\n');
	}
	if (rep->has_generated_at) {
		vsc__format_time(rep->generated_at, when);
		vsc_sb_printf(&m->out, "- `generated_at`: %s\n", when);
	}
	for (size_t i = 0; i < rep->meta.n; i++)
		put_kv(m, "", rep->meta.items[i].label, &rep->meta.items[i].v);
	if (!rep->target_path && !rep->tool_version && !rep->has_generated_at && !rep->meta.n)
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

static void put_cell_text(struct md *m, const char *s)
{
	vsc_sb_putc(&m->out, ' ');
	if (*s)
		put_inline(m, s, false);
	vsc_sb_puts(&m->out, " |");
}

static void put_table(struct md *m, const struct vsc_table *tb)
{
	bool details = open_block(m, tb->title, tb->id, tb->rows.n, "rows");
	struct vsc_sb cell;

	vsc_sb_init(&cell);
	vsc_sb_putc(&m->out, '|');
	for (size_t c = 0; c < tb->ncols; c++)
		put_cell_text(m, tb->cols[c].name);
	vsc_sb_puts(&m->out, "\n|");
	for (size_t c = 0; c < tb->ncols; c++)
		vsc_sb_puts(&m->out, vsc__column_right(&tb->cols[c]) ? " ---: |" : " --- |");
	vsc_sb_putc(&m->out, '\n');
	for (size_t r = 0; r < tb->rows.n; r++) {
		const struct vsc_value *row = tb->rows.items[r];

		vsc_sb_putc(&m->out, '|');
		for (size_t c = 0; c < tb->ncols; c++) {
			vsc_sb_reset(&cell);
			vsc__value_text(&row[c], m->ctx->opts->redact, &cell);
			if (m->ctx->opts->verbose && row[c].kind == VSC_VAL_ABSENT && row[c].s)
				vsc_sb_printf(&cell, " (%s)", row[c].s);
			put_cell_text(m, vsc_sb_str(&cell));
		}
		vsc_sb_putc(&m->out, '\n');
	}
	if (cell.oom)
		m->ctx->oom = true;
	vsc_sb_deinit(&cell);
	if (!tb->rows.n)
		vsc_sb_puts(&m->out, "\n*No rows.*\n");
	close_block(m, details);
}

static void put_code(struct md *m, const struct vsc_code *c)
{
	bool details = open_block(m, c->title, c->id, c->lines.n, "lines");
	size_t fence = 3;

	for (size_t i = 0; i < c->lines.n; i++) {
		const char *p = visible(m, c->lines.items[i], VSC_ESC_CODE);
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
	for (size_t i = 0; i < c->lines.n; i++) {
		vsc_sb_puts(&m->out, visible(m, c->lines.items[i], VSC_ESC_CODE));
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
	unsigned level = s->depth + 2 > 6 ? 6 : s->depth + 2;
	const struct vsc_node *n = s->first;

	block(m);
	for (unsigned i = 0; i < level; i++)
		vsc_sb_putc(&m->out, '#');
	vsc_sb_putc(&m->out, ' ');
	put_inline(m, s->title, false);
	vsc_sb_puts(&m->out, " (");
	put_section_path(m, s);
	vsc_sb_puts(&m->out, ")\n");

	while (n) {
		enum vsc_node_kind kind = n->kind;

		if (kind == VSC_NODE_FIELD || kind == VSC_NODE_DIAG) {
			block(m);
			for (; n && n->kind == kind; n = n->next) {
				if (kind == VSC_NODE_FIELD) {
					const struct vsc_field *f = &s->fields.items[n->field];

					put_kv(m, "", f->label, &f->v);
				} else {
					put_diag(m, n->diag->kind, n->diag->level == VSC_DIAG_ERROR,
						 n->diag->message);
				}
			}
			continue;
		}
		switch (kind) {
		case VSC_NODE_TABLE:
			put_table(m, n->table);
			break;
		case VSC_NODE_CODE:
			put_code(m, n->code);
			break;
		case VSC_NODE_PARA:
			put_lines(m, "", NULL, n->text);
			break;
		case VSC_NODE_NOTE:
			put_lines(m, "> ", "**Note:** ", n->text);
			break;
		case VSC_NODE_SECTION:
			put_section(m, n->section);
			break;
		default:
			break;
		}
		n = n->next;
	}
}

void vsc__render_markdown(struct vsc_render_ctx *ctx)
{
	const struct vsc_report *rep = ctx->rep;
	struct md m = { .ctx = ctx };

	vsc_sb_init(&m.out);
	vsc_sb_init(&m.esc);

	vsc_sb_puts(&m.out, "# ");
	put_inline(&m, rep->title ? rep->title : "vtdscope report", false);
	vsc_sb_puts(&m.out, "\n\n**Verdict: ");
	if (rep->verdict)
		put_inline(&m, rep->verdict, false);
	else
		vsc_sb_puts(&m.out, "(none)");
	vsc_sb_puts(&m.out, "**\n");
	m.started = true;

	put_findings(&m);
	put_report_diags(&m);
	put_meta(&m);
	for (const struct vsc_node *n = rep->root.first; n; n = n->next)
		if (n->kind == VSC_NODE_SECTION)
			put_section(&m, n->section);

	if (m.esc.oom)
		ctx->oom = true;
	vsc__emit(ctx, &m.out);
	vsc_sb_deinit(&m.out);
	vsc_sb_deinit(&m.esc);
}
