/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading the report model: a read-only cursor over what the analyzers built
 * (report.h).  The text, JSON and Markdown renderers are clients of this API
 * and nothing else; so are the TUI and plugins that look at other analyzers'
 * sections.
 *
 *   report      title, tool version, target, generated-at, meta fields,
 *               verdict, diagnostics (report level and in sections)
 *   findings    in render order (most severe first, then insertion order):
 *               severity, kind, verdict, evidence lines with their refs,
 *               next step, facts
 *   sections    a tree; each section's children in insertion order: fields,
 *               tables, code blocks, paragraphs, notes, nested sections,
 *               diagnostics (struct vsc_node, a cursor)
 *
 * Walking needs no allocation: handles are the report's own objects (opaque,
 * const) and small const structs (struct vsc_field, struct vsc_column,
 * struct vsc_evidence_line, struct vsc_diag, struct vsc_value).  Everything
 * returned is owned by the report and valid until vsc_report_destroy();
 * strings are valid UTF-8 and not redacted.  Every accessor accepts NULL
 * (and returns NULL, 0 or false); an index past the end returns NULL.
 *
 *   static void walk(const struct vsc_section *s)
 *   {
 *           printf("%s [%s]\n", vsc_section_title(s), vsc_section_path(s));
 *           for (const struct vsc_node *n = vsc_section_first(s); n; n = vsc_node_next(n)) {
 *                   const struct vsc_field *f = vsc_node_field(n);
 *                   const struct vsc_table *tb = vsc_node_table(n);
 *
 *                   if (f)
 *                           printf("  %s = %s\n", f->key, vsc_value_kind_name(f->value.kind));
 *                   else if (tb)
 *                           printf("  table %s: %zu rows\n", vsc_table_id(tb),
 *                                  vsc_table_row_count(tb));
 *                   else if (vsc_node_section(n))
 *                           walk(vsc_node_section(n));
 *           }
 *   }
 *
 *   for (const struct vsc_node *n = vsc_report_first(rep); n; n = vsc_node_next(n))
 *           walk(vsc_node_section(n));
 *
 * Stable ids.  A section's path ("vtd/dmar0") joins the ids from the top;
 * section, table and code ids share one namespace per section, so a path
 * also names a table ("vtd/dmar0/slots") or a code block, and rows, which
 * are never reordered or removed, are named by their index
 * ("vtd/dmar0/slots/17" is row 17, whatever its first column says).  A
 * field is "vtd/dmar0#free_head".  vsc_ref_path() writes these ids and
 * vsc_report_resolve() reads them back.
 *
 * Redaction is a property of reading: the model keeps the real values, and
 * vsc_report_redact() / vsc_report_value_text() give the text that --redact
 * shows (kernel addresses, the report's host names and sensitive numbers
 * replaced), for any string or value of the report, nested ones included.
 */
#ifndef VTDSCOPE_REPORT_READ_H
#define VTDSCOPE_REPORT_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <vtdscope/report.h>

/* A key/value: section field, meta field or finding fact. */
struct vsc_field {
	const char *key;                /* snake_case: the JSON key */
	const char *label;              /* as the analyzer gave it: text and Markdown */
	struct vsc_value value;         /* strings, items and members owned by the report */
};

/* ------------------------------------------------------------------------ */
/* Report                                                                   */
/* ------------------------------------------------------------------------ */

/* The heading: the title set, or "vtdscope report". */
const char *vsc_report_title(const struct vsc_report *rep);
/* NULL when not set. */
const char *vsc_report_tool_version(const struct vsc_report *rep);
const char *vsc_report_target(const struct vsc_report *rep);
/* False (writing nothing) when no time was set. */
bool vsc_report_generated_at(const struct vsc_report *rep, time_t *out);

/* Target identity fields (vsc_report_meta()), in insertion order. */
size_t vsc_report_meta_count(const struct vsc_report *rep);
const struct vsc_field *vsc_report_meta_nth(const struct vsc_report *rep, size_t i);

/* vsc_report_verdict(), vsc_report_finding_count(): report.h. */

/* ------------------------------------------------------------------------ */
/* Diagnostics                                                              */
/* ------------------------------------------------------------------------ */

enum vsc_diag_level {
	VSC_DIAG_ERROR,
	VSC_DIAG_WARNING,
};

struct vsc_diag {
	enum vsc_diag_level level;
	const char *kind;               /* vsc_error_kind_name(), or "internal" */
	const char *message;
	const struct vsc_section *section;  /* NULL: report level */
};

/*
 * Every diagnostic, report level and in sections, in the order recorded.
 * When a builder ran out of memory the first one is a report-level error of
 * kind "nomem": "report incomplete: out of memory".
 */
size_t vsc_report_diag_count(const struct vsc_report *rep);
const struct vsc_diag *vsc_report_diag_nth(const struct vsc_report *rep, size_t i);

/* ------------------------------------------------------------------------ */
/* Findings                                                                 */
/* ------------------------------------------------------------------------ */

/* An evidence line; ref points nowhere (VSC_REF_NONE) when none was given. */
struct vsc_evidence_line {
	const char *text;
	struct vsc_ref ref;
};

/* Finding @i in render order: most severe first, insertion order within one. */
const struct vsc_finding *vsc_report_finding_nth(const struct vsc_report *rep, size_t i);

enum vsc_severity vsc_finding_severity(const struct vsc_finding *f);
const char *vsc_finding_kind(const struct vsc_finding *f);         /* kebab-case id */
const char *vsc_finding_verdict(const struct vsc_finding *f);
const char *vsc_finding_next_step(const struct vsc_finding *f);    /* NULL: none */
size_t vsc_finding_evidence_count(const struct vsc_finding *f);
const struct vsc_evidence_line *vsc_finding_evidence_nth(const struct vsc_finding *f, size_t i);
size_t vsc_finding_fact_count(const struct vsc_finding *f);
const struct vsc_field *vsc_finding_fact_nth(const struct vsc_finding *f, size_t i);

/* ------------------------------------------------------------------------ */
/* Sections and their children                                              */
/* ------------------------------------------------------------------------ */

/* X(ENUM, name) */
#define VSC_NODE_KINDS(X)               \
	X(FIELD,   "field")             \
	X(TABLE,   "table")             \
	X(CODE,    "code")              \
	X(PARA,    "paragraph")         \
	X(NOTE,    "note")              \
	X(SECTION, "section")           \
	X(DIAG,    "diagnostic")

enum vsc_node_kind {
#define VSC_X_(e, name) VSC_NODE_##e,
	VSC_NODE_KINDS(VSC_X_)
#undef VSC_X_
	VSC_NODE_COUNT
};

const char *vsc_node_kind_name(enum vsc_node_kind kind);

/* One child of a section (or a top-level section of the report). */
struct vsc_node;

/* The first top-level section's node; every top-level node is a SECTION. */
const struct vsc_node *vsc_report_first(const struct vsc_report *rep);
const struct vsc_node *vsc_section_first(const struct vsc_section *s);
const struct vsc_node *vsc_node_next(const struct vsc_node *n);
enum vsc_node_kind vsc_node_kind(const struct vsc_node *n);
/* The node's object; NULL when the node is of another kind. */
const struct vsc_field *vsc_node_field(const struct vsc_node *n);
const struct vsc_table *vsc_node_table(const struct vsc_node *n);
const struct vsc_code *vsc_node_code(const struct vsc_node *n);
const char *vsc_node_text(const struct vsc_node *n);       /* PARA, NOTE */
const struct vsc_section *vsc_node_section(const struct vsc_node *n);
const struct vsc_diag *vsc_node_diag(const struct vsc_node *n);

const char *vsc_section_id(const struct vsc_section *s);       /* "dmar0" */
const char *vsc_section_title(const struct vsc_section *s);
const char *vsc_section_path(const struct vsc_section *s);     /* "vtd/dmar0" */
unsigned vsc_section_depth(const struct vsc_section *s);       /* top level: 0 */
const struct vsc_section *vsc_section_parent(const struct vsc_section *s);  /* NULL at top */

/* The section's fields in insertion order (also reachable as FIELD nodes). */
size_t vsc_section_field_count(const struct vsc_section *s);
const struct vsc_field *vsc_section_field_nth(const struct vsc_section *s, size_t i);

/* Children by id or key (normalised as the builders do); NULL if none. */
const struct vsc_field *vsc_section_find_field(const struct vsc_section *s, const char *key);
const struct vsc_section *vsc_section_find_section(const struct vsc_section *s, const char *id);
const struct vsc_table *vsc_section_find_table(const struct vsc_section *s, const char *id);
const struct vsc_code *vsc_section_find_code(const struct vsc_section *s, const char *id);
/* The section at @path ("vtd/dmar0"); NULL if none. */
const struct vsc_section *vsc_report_find_section(const struct vsc_report *rep, const char *path);

/* ------------------------------------------------------------------------ */
/* Tables and code blocks                                                   */
/* ------------------------------------------------------------------------ */

const char *vsc_table_id(const struct vsc_table *tb);
const char *vsc_table_title(const struct vsc_table *tb);       /* NULL: none */
const struct vsc_section *vsc_table_section(const struct vsc_table *tb);
size_t vsc_table_column_count(const struct vsc_table *tb);
/* Name and key owned by the report; key normalised to snake_case. */
const struct vsc_column *vsc_table_column_nth(const struct vsc_table *tb, size_t c);
/* The column's alignment with VSC_ALIGN_AUTO resolved: right for numbers and times. */
bool vsc_column_right(const struct vsc_column *col);
/* Row @r: vsc_table_column_count() values (vsc_table_row_count(): report.h). */
const struct vsc_value *vsc_table_row_nth(const struct vsc_table *tb, size_t r);

const char *vsc_code_id(const struct vsc_code *c);
const char *vsc_code_title(const struct vsc_code *c);         /* NULL: none */
const struct vsc_section *vsc_code_section(const struct vsc_code *c);
size_t vsc_code_line_count(const struct vsc_code *c);
const char *vsc_code_line_nth(const struct vsc_code *c, size_t i);

/* ------------------------------------------------------------------------ */
/* References                                                               */
/* ------------------------------------------------------------------------ */

enum vsc_ref_kind {
	VSC_REF_NONE,
	VSC_REF_SECTION,
	VSC_REF_FIELD,
	VSC_REF_TABLE,
	VSC_REF_ROW,
	VSC_REF_CODE,
};

/* What @ref names.  Evidence refs are checked when added: they resolve. */
enum vsc_ref_kind vsc_ref_kind(const struct vsc_ref *ref);
/* The section @ref points into (the section itself for a section ref). */
const struct vsc_section *vsc_ref_target_section(const struct vsc_ref *ref);
/* The field a FIELD ref names, else NULL. */
const struct vsc_field *vsc_ref_target_field(const struct vsc_ref *ref);

/*
 * Text forms of @ref, written like snprintf (always NUL-terminated within
 * @size; the return value is the length the whole text needs, -1 when
 * out of memory):
 *   path     the stable id: "qi", "qi#free_head", "qi/slots", "qi/slots/1",
 *            "cpus/cpu3/stack"
 *   pointer  the JSON Pointer into the JSON rendering:
 *            "/sections/qi/tables/slots/rows/1"
 *   text     what text and Markdown print after "see": "qi/slots, slot 17"
 *            (a row is named by its first column), "qi, Free Head" (a field
 *            by its label); with @redact as --redact shows it
 * A ref to nothing writes "".
 */
int vsc_ref_path(const struct vsc_ref *ref, char *buf, size_t size);
int vsc_ref_pointer(const struct vsc_ref *ref, char *buf, size_t size);
int vsc_ref_text(const struct vsc_ref *ref, bool redact, char *buf, size_t size);

/* The ref that vsc_ref_path() wrote as @path; false (writing nothing) if none. */
bool vsc_report_resolve(const struct vsc_report *rep, const char *path, struct vsc_ref *out);

/* ------------------------------------------------------------------------ */
/* Values and redaction                                                     */
/* ------------------------------------------------------------------------ */

/*
 * The token a value reads as under --redact as a whole ("<addr>" for
 * addresses, "<host>" for host names, "<redacted>" for anything marked
 * sensitive), or NULL when it is shown (its text may still be scrubbed, and
 * a list's or object's items are redacted one by one).
 */
const char *vsc_value_redaction(const struct vsc_value *v);

/*
 * @s as --redact shows it, written like snprintf: kernel addresses
 * (0xffff... with at least 4 more digits, 16-digit ff... words), the host
 * names and the sensitive numbers (as whole hex tokens) of @rep replaced.
 * @rep may be NULL (addresses only).  Returns -1 when out of memory.
 */
int vsc_report_redact(const struct vsc_report *rep, const char *s, char *buf, size_t size);

enum vsc_text_flags {
	VSC_TEXT_REDACT = 1 << 0,       /* as --redact shows it */
	VSC_TEXT_REASON = 1 << 1,       /* absent: "n/a (reason)" rather than "n/a" */
};

/*
 * The plain text of @v as the text renderer prints it ("17", "0x1f",
 * "yes", "n/a", "1, 4-6", "sid=01:00.0 addr=0x1000", "12.500000s"), not
 * escaped for any format, written like snprintf.  @rep (may be NULL) gives
 * the host names and sensitive numbers that VSC_TEXT_REDACT also scrubs.
 */
int vsc_report_value_text(const struct vsc_report *rep, const struct vsc_value *v,
			  unsigned flags, char *buf, size_t size);

#endif /* VTDSCOPE_REPORT_READ_H */
