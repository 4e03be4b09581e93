/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Report model internals, shared by model.c and the renderers only.
 * Renderers take the report as const and never modify it.
 */
#ifndef VTDSCOPE_REPORT_INT_H
#define VTDSCOPE_REPORT_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <vtdscope/report.h>

/* A value owned by the report: strings are private copies. */
struct vsc_field {
	char *key;              /* JSON key, snake_case */
	char *label;            /* as given by the analyzer (valid UTF-8) */
	struct vsc_value v;
};

struct vsc_fields {
	struct vsc_field *items;
	size_t n, cap;
};

struct vsc_ptrvec {
	void **items;
	size_t n, cap;
};

enum vsc_diag_level { VSC_DIAG_ERROR, VSC_DIAG_WARNING };

struct vsc_diag {
	enum vsc_diag_level level;
	const char *kind;       /* static: vsc_error_kind_name() or "internal" */
	char *message;
	const struct vsc_section *section;  /* NULL: report level */
};

struct vsc_table {
	struct vsc_section *section;
	char *id;
	char *title;            /* may be NULL */
	struct vsc_column *cols;  /* name/key strings owned */
	size_t ncols;
	struct vsc_ptrvec rows; /* struct vsc_value[ncols] each */
};

struct vsc_code {
	struct vsc_section *section;
	char *id;
	char *title;            /* may be NULL */
	struct vsc_ptrvec lines;  /* char * */
};

enum vsc_node_kind {
	VSC_NODE_FIELD,         /* index into section->fields */
	VSC_NODE_TABLE,
	VSC_NODE_CODE,
	VSC_NODE_PARA,
	VSC_NODE_NOTE,
	VSC_NODE_SECTION,
	VSC_NODE_DIAG,
};

struct vsc_node {
	enum vsc_node_kind kind;
	struct vsc_node *next;
	union {
		size_t field;
		struct vsc_table *table;
		struct vsc_code *code;
		char *text;
		struct vsc_section *section;
		struct vsc_diag *diag;
	};
};

struct vsc_section {
	struct vsc_report *rep;
	struct vsc_section *parent;     /* NULL for the report's root */
	char *id;
	char *title;
	unsigned depth;                 /* top-level sections: 0 */
	struct vsc_fields fields;
	struct vsc_node *first, *last;  /* children in insertion order */
};

struct vsc_evidence {
	char *text;
	struct vsc_ref ref;             /* ref.field is an owned copy */
};

struct vsc_finding {
	struct vsc_report *rep;
	size_t seq;
	enum vsc_severity severity;
	char *kind;
	char *verdict;
	char *next_step;
	struct vsc_ptrvec evidence;     /* struct vsc_evidence * */
	struct vsc_fields facts;
};

struct vsc_report {
	char *title;
	char *tool_version;
	char *target_path;
	bool has_generated_at;
	time_t generated_at;
	char *verdict;
	struct vsc_fields meta;
	struct vsc_ptrvec findings;     /* struct vsc_finding * */
	/*
	 * Pseudo-section holding the top-level sections and the report-level
	 * diagnostics; never rendered as a section itself.
	 */
	struct vsc_section root;
	struct vsc_ptrvec diags;        /* every struct vsc_diag *, in order */
	struct vsc_ptrvec hostnames;    /* char *: HOST values, scrubbed under redact */
	/*
	 * Sensitive numbers (the KASLR offset): scrubbed under redact wherever
	 * they appear as a whole hex token, not only in their own field.
	 */
	uint64_t *secrets;
	size_t nsecrets, secrets_cap;
	bool oom;
};

/* ---- model helpers (model.c) ---------------------------------------- */

/* Copy of @s with invalid UTF-8 bytes replaced by "\xNN".  NULL on OOM. */
char *vsc__strdup_clean(const char *s);
/* snake_case key ('_') or kebab-case id ('-'); never empty.  NULL on OOM. */
char *vsc__normalize_id(const char *s, char sep);
bool vsc__utf8_valid(const char *s, size_t len);

/* ---- rendering helpers (render.c) ------------------------------------ */

/* Growable string buffer; on OOM it latches ->oom and ignores writes. */
struct vsc_sb {
	char *buf;
	size_t len, cap;
	bool oom;
};

void vsc_sb_init(struct vsc_sb *sb);
void vsc_sb_deinit(struct vsc_sb *sb);
void vsc_sb_reset(struct vsc_sb *sb);
void vsc_sb_putn(struct vsc_sb *sb, const char *s, size_t n);
void vsc_sb_puts(struct vsc_sb *sb, const char *s);
void vsc_sb_putc(struct vsc_sb *sb, char c);
void vsc_sb_printf(struct vsc_sb *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Contents (never NULL; "" when empty or after OOM). */
const char *vsc_sb_str(const struct vsc_sb *sb);

/* Per-render state shared by all renderers. */
struct vsc_render_ctx {
	const struct vsc_report *rep;
	const struct vsc_render_options *opts;
	FILE *out;
	bool oom;
	struct vsc_sb tmp;              /* scratch for vsc__scrub() */
};

#define VSC_REDACTED_ADDR "<addr>"
#define VSC_REDACTED_HOST "<host>"
#define VSC_REDACTED      "<redacted>"

/*
 * @s as it may appear in output: unchanged unless redacting; then kernel
 * addresses (0xffff + at least 4 hex digits, or a bare 16-digit ffff...
 * word) and known host names are replaced.  The result lives in ctx->tmp
 * until the next call (or is @s itself).
 */
const char *vsc__scrub(struct vsc_render_ctx *ctx, const char *s);
/* Append the scrubbed @s to @sb. */
void vsc__scrub_into(struct vsc_render_ctx *ctx, struct vsc_sb *sb, const char *s);

/*
 * Plain-text form of a value (text and Markdown cells), already redacted
 * when ctx->opts->redact: "17", "-3", "0x1f", "0xffff888100000000",
 * "yes"/"no", "n/a".  Appended to @sb; not escaped for any format.
 */
void vsc__value_text(const struct vsc_value *v, bool redact, struct vsc_sb *sb);
/* Redaction token for @v under --redact, or NULL if @v is shown. */
const char *vsc__value_redaction(const struct vsc_value *v);
bool vsc__value_kind_right(enum vsc_value_kind kind);
bool vsc__column_right(const struct vsc_column *col);

/* Findings sorted most severe first, stable.  Caller frees; NULL on OOM (or empty). */
const struct vsc_finding **vsc__sorted_findings(const struct vsc_report *rep);

/* "dmar0/qi" (ids from the top down) appended to @sb. */
void vsc__section_path(const struct vsc_section *s, struct vsc_sb *sb);
/* The section a ref points into (NULL: no ref). */
const struct vsc_section *vsc__ref_section(const struct vsc_ref *ref);
/* Human form "qi/slots, slot 17" (no "see"), redacted as needed. */
void vsc__ref_text(struct vsc_render_ctx *ctx, const struct vsc_ref *ref, struct vsc_sb *sb);
/* JSON Pointer "/sections/qi/tables/slots/rows/17". */
void vsc__ref_pointer(const struct vsc_ref *ref, struct vsc_sb *sb);
void vsc__section_pointer(const struct vsc_section *s, struct vsc_sb *sb);

/* "2024-05-01T12:00:00Z" into buf[32]. */
void vsc__format_time(time_t t, char buf[32]);

enum vsc_esc_mode {
	VSC_ESC_INLINE, /* one line: newlines and tabs escaped */
	VSC_ESC_CODE,   /* one code line: tabs expanded to 8-column stops */
};

/*
 * Append @s (valid UTF-8) with control characters made visible: "\n",
 * "\t", "\r", "\xNN"; C1 controls and bidi embedding/override characters
 * as "\uNNNN".  @col is the display column where @s starts (tab stops).
 */
void vsc__escape_controls(struct vsc_sb *sb, const char *s, enum vsc_esc_mode mode, size_t col);

/* Number of display columns (code points) of valid UTF-8 @s. */
size_t vsc__display_width(const char *s);

/* Write the buffer to ctx->out. */
void vsc__emit(struct vsc_render_ctx *ctx, const struct vsc_sb *sb);

/* The three renderers. */
void vsc__render_text(struct vsc_render_ctx *ctx);
void vsc__render_json(struct vsc_render_ctx *ctx);
void vsc__render_markdown(struct vsc_render_ctx *ctx);

#endif /* VTDSCOPE_REPORT_INT_H */
