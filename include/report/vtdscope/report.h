/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The report model: one tree that every analyzer fills and every renderer
 * (text, JSON, Markdown, later the TUI) walks.  Analyzers never print;
 * renderers never read the dump.
 *
 *   struct vsc_report
 *     meta        title, tool version, target path, optional generated-at
 *                 time, target fields (release, build id, KASLR offset, ...)
 *     verdict     one line, set by the diagnosis
 *     findings    severity + stable kind id + one-line verdict + evidence
 *                 lines (optionally pointing at a section / table row) +
 *                 "next step" + typed facts
 *     sections    ordered tree; each section holds, in order: key/value
 *                 fields, typed tables, code blocks (stacks, log lines),
 *                 paragraphs, notes, nested sections, errors and warnings
 *     errors / warnings that belong to no section
 *
 * Building:
 *
 *   struct vsc_section *qi = vsc_report_section(rep, "qi", "Invalidation queue");
 *   vsc_section_kv(qi, "free_head", vsc_val_uint(17));
 *   vsc_section_kv(qi, "base", vsc_val_addr(desc_va));
 *   vsc_section_kv(qi, "waiting_cpus", vsc_val_list_of(vsc_val_uint(1), vsc_val_uint(2)));
 *
 *   static const struct vsc_column slot_cols[] = {
 *           { .name = "slot",   .kind = VSC_VAL_UINT },
 *           { .name = "status", .kind = VSC_VAL_STR },
 *           { .name = "qw0",    .kind = VSC_VAL_HEX },
 *   };
 *   struct vsc_table *tb = vsc_section_table(qi, "slots", "Descriptors",
 *                                            slot_cols, VSC_ARRAY_SIZE(slot_cols));
 *   size_t row = vsc_table_row(tb, vsc_val_uint(17), vsc_val_str("QI_IN_USE"),
 *                              vsc_val_hexw(qw0, 16));
 *
 *   struct vsc_finding *f = vsc_report_finding(rep, VSC_SEV_CRITICAL,
 *                   "qi-devtlb-hang", "dmar0: device-TLB invalidation never completed");
 *   vsc_finding_evidence_at(f, vsc_ref_row(tb, row),
 *                           "wait descriptor in slot %u is still QI_IN_USE", 17u);
 *   vsc_finding_next(f, "check ATS on %s (lspci -vv)", bdf);
 *
 * Memory and failure policy.  vsc_report_create() and vsc_report_render()
 * follow the engine convention (return struct vsc_error *, NULL = success).
 * The builder functions do not return errors, so that filling a report stays
 * readable: every builder accepts a NULL parent and then does nothing, and
 * returns NULL (or VSC_NO_ROW).  When an allocation fails the report records
 * it (vsc_report_check() then returns the out-of-memory error) and every
 * renderer states "report incomplete: out of memory" as a report error.
 * Misuse that C cannot catch at compile time (duplicate keys, a row with the
 * wrong number of values, a value of the wrong kind for its column, lists
 * and objects nested too deep, duplicate object keys) is never fatal either:
 * it becomes an error of kind "internal" in the report.
 *
 * Strings.  All strings passed in are copied (the caller keeps ownership; a
 * string only needs to live for the duration of the call).  Strings are
 * treated as hostile bytes from the dump: bytes that are not valid UTF-8 are
 * replaced by the four characters "\xNN" when stored, so every renderer
 * works on valid UTF-8; renderers escape control characters for their
 * format.  Ids and keys are normalised to snake_case ([a-z0-9_]; other
 * characters become '_'), finding kinds to kebab-case ([a-z0-9-]).
 *
 * Pointers returned by the builders (sections, tables, code blocks,
 * findings) are owned by the report and stay valid until
 * vsc_report_destroy().
 *
 * Reading: <vtdscope/report_read.h> walks the same tree read-only (the
 * renderers, the TUI and plugins are its clients); a few summary readers
 * (verdict, finding count, redaction of a string) are declared here.
 */
#ifndef VTDSCOPE_REPORT_H
#define VTDSCOPE_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <vtdscope/error.h>

#ifndef VSC_ARRAY_SIZE
#define VSC_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

#define VSC_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))

/* ------------------------------------------------------------------------ */
/* Severities                                                               */
/* ------------------------------------------------------------------------ */

/*
 * X(ENUM, json name, text/Markdown label, ANSI SGR for the text renderer)
 * Declared from least to most severe: a larger enum value is more severe.
 */
#define VSC_SEVERITIES(X)                                \
	X(INFO,     "info",     "INFO",     "36")        \
	X(WARNING,  "warning",  "WARNING",  "33")        \
	X(ERROR,    "error",    "ERROR",    "31")        \
	X(CRITICAL, "critical", "CRITICAL", "1;31")

enum vsc_severity {
#define VSC_X_(e, json, label, sgr) VSC_SEV_##e,
	VSC_SEVERITIES(VSC_X_)
#undef VSC_X_
	VSC_SEV_COUNT
};

/* "critical" (JSON) and "CRITICAL" (text, Markdown); "?" when out of range. */
const char *vsc_severity_name(enum vsc_severity sev);
const char *vsc_severity_label(enum vsc_severity sev);
/* VSC_ERR_USAGE for an unknown name.  Accepts either spelling. */
struct vsc_error *vsc_severity_from_name(const char *name, enum vsc_severity *out) VSC_MUST_CHECK;

/* ------------------------------------------------------------------------ */
/* Typed values                                                             */
/* ------------------------------------------------------------------------ */

/*
 * X(ENUM, JSON/schema name, right-aligned in tables by default)
 *
 *   STR     free text                      JSON string
 *   INT     signed 64-bit                  JSON integer
 *   UINT    unsigned 64-bit count/index    JSON integer (use HEX for
 *                                          quantities that may pass 2^53)
 *   HEX     64-bit word, "0x..."           JSON string "0x..." everywhere
 *   ADDR    kernel address, "0x..."        JSON string; blanked by --redact
 *   BOOL    yes/no                         JSON true/false
 *   HOST    host name (utsname nodename)   JSON string; blanked by --redact
 *   ABSENT  "not available on this kernel" text "n/a"; JSON null, with the
 *                                          reason in a sibling "unavailable"
 *                                          object
 *   LIST    ordered values (CPU numbers,   text "1, 4-6" (runs of consecutive
 *           slot numbers, names)           non-negative integers as ranges,
 *                                          like the kernel's cpulist; "; "
 *                                          between items when a string item
 *                                          holds a comma; "none" when empty);
 *                                          JSON array
 *   OBJECT  ordered key -> value pairs (a  text "sid=01:00.0 addr=0x1000"
 *           decoded descriptor)            ("none" when empty); JSON object,
 *                                          absent members null with their
 *                                          reasons under the object's own
 *                                          "unavailable" member (a reserved
 *                                          key; keys since_boot_ns and wall
 *                                          alone are refused: a time)
 *   TIME    a kernel timestamp since boot  text "12.500000s", a wall-clock
 *           and/or a wall-clock time       time as UTC ISO 8601, both as
 *                                          "12.500000s (2024-05-01T12:00:00Z)";
 *                                          JSON {"since_boot_ns", "wall"}
 *
 * Inside a list or an object, values of any kind may be nested (at most
 * VSC_VALUE_MAX_DEPTH levels); nested lists and objects read "[a, b]" and
 * "{k=v}" in text.  An absent list item reads "n/a", null in JSON (its
 * reason is kept only in the model).  Redaction applies inside them item by
 * item.
 */
#define VSC_VALUE_KINDS(X)             \
	X(STR,    "string",   false)   \
	X(INT,    "int",      true)    \
	X(UINT,   "uint",     true)    \
	X(HEX,    "hex",      true)    \
	X(ADDR,   "address",  true)    \
	X(BOOL,   "bool",     false)   \
	X(HOST,   "hostname", false)   \
	X(ABSENT, "absent",   false)   \
	X(LIST,   "list",     false)   \
	X(OBJECT, "object",   false)   \
	X(TIME,   "time",     true)

enum vsc_value_kind {
#define VSC_X_(e, name, right) VSC_VAL_##e,
	VSC_VALUE_KINDS(VSC_X_)
#undef VSC_X_
	VSC_VAL_COUNT
};

const char *vsc_value_kind_name(enum vsc_value_kind kind);

#define VSC_VALUE_MAX_DEPTH 8   /* lists and objects nested deeper are refused */

struct vsc_value;
struct vsc_member;

/* TIME: either clock or both. */
struct vsc_time {
	bool has_boot;
	bool has_wall;
	uint64_t boot_ns;       /* since boot: the kernel's local_clock(), printk time */
	int64_t wall_ns;        /* since the Unix epoch, UTC */
};

/*
 * A value is a small struct passed by value.  Strings, list items and object
 * members in a value are borrowed until the value is added to the report,
 * which copies them deeply: a list may be built in a local array.
 */
struct vsc_value {
	enum vsc_value_kind kind;
	bool sensitive;         /* blank under --redact whatever the kind */
	uint8_t hex_digits;     /* HEX: zero-pad to this many digits (0 = none) */
	union {
		const char *s;  /* STR, HOST; ABSENT: the reason */
		int64_t i;      /* INT */
		uint64_t u;     /* UINT, HEX, ADDR */
		bool b;         /* BOOL */
		struct {
			const struct vsc_value *items;
			size_t n;
		} list;         /* LIST */
		struct {
			const struct vsc_member *members;
			size_t n;
		} object;       /* OBJECT: keys unique after normalising */
		struct vsc_time time;   /* TIME */
	};
};

/* One member of an OBJECT value.  @key is normalised to snake_case when stored. */
struct vsc_member {
	const char *key;
	struct vsc_value value;
};

#define VSC_ABSENT_DEFAULT_REASON "not available on this kernel"

static inline struct vsc_value vsc_val_absent(const char *reason)
{
	return (struct vsc_value){ .kind = VSC_VAL_ABSENT,
				   .s = reason ? reason : VSC_ABSENT_DEFAULT_REASON };
}
/* A NULL string becomes an absent value. */
static inline struct vsc_value vsc_val_str(const char *s)
{
	if (!s)
		return vsc_val_absent(NULL);
	return (struct vsc_value){ .kind = VSC_VAL_STR, .s = s };
}
static inline struct vsc_value vsc_val_int(int64_t i)
{
	return (struct vsc_value){ .kind = VSC_VAL_INT, .i = i };
}
static inline struct vsc_value vsc_val_uint(uint64_t u)
{
	return (struct vsc_value){ .kind = VSC_VAL_UINT, .u = u };
}
static inline struct vsc_value vsc_val_hex(uint64_t u)
{
	return (struct vsc_value){ .kind = VSC_VAL_HEX, .u = u };
}
/* Hex zero-padded to @digits (at most 16): vsc_val_hexw(2, 16) = "0x0000000000000002". */
static inline struct vsc_value vsc_val_hexw(uint64_t u, unsigned digits)
{
	return (struct vsc_value){ .kind = VSC_VAL_HEX, .u = u,
				   .hex_digits = (uint8_t)(digits > 16 ? 16 : digits) };
}
static inline struct vsc_value vsc_val_addr(uint64_t addr)
{
	return (struct vsc_value){ .kind = VSC_VAL_ADDR, .u = addr };
}
static inline struct vsc_value vsc_val_bool(bool b)
{
	return (struct vsc_value){ .kind = VSC_VAL_BOOL, .b = b };
}
static inline struct vsc_value vsc_val_host(const char *name)
{
	if (!name)
		return vsc_val_absent(NULL);
	return (struct vsc_value){ .kind = VSC_VAL_HOST, .s = name };
}
/*
 * A list of @n values at @items (copied with the value; NULL is fine when
 * @n is 0).  vsc_val_list_of(vsc_val_uint(1), vsc_val_uint(2)) for a fixed
 * list; the compound literal lives until the end of the enclosing block.
 */
static inline struct vsc_value vsc_val_list(const struct vsc_value *items, size_t n)
{
	return (struct vsc_value){ .kind = VSC_VAL_LIST, .list = { items, n } };
}
#define vsc_val_list_of(...)                                                    \
	vsc_val_list((const struct vsc_value[]){ __VA_ARGS__ },                 \
		     sizeof((const struct vsc_value[]){ __VA_ARGS__ }) /        \
			     sizeof(struct vsc_value))
/* An object of @n members at @members: { "sid", vsc_val_str("01:00.0") }, ... */
static inline struct vsc_value vsc_val_object(const struct vsc_member *members, size_t n)
{
	return (struct vsc_value){ .kind = VSC_VAL_OBJECT, .object = { members, n } };
}
#define vsc_val_object_of(...)                                                  \
	vsc_val_object((const struct vsc_member[]){ __VA_ARGS__ },              \
		       sizeof((const struct vsc_member[]){ __VA_ARGS__ }) /     \
			       sizeof(struct vsc_member))
/* Nanoseconds since boot (a printk timestamp). */
static inline struct vsc_value vsc_val_time_boot(uint64_t ns)
{
	return (struct vsc_value){ .kind = VSC_VAL_TIME,
				   .time = { .has_boot = true, .boot_ns = ns } };
}
/* Nanoseconds since the Unix epoch. */
static inline struct vsc_value vsc_val_time_wall(int64_t ns)
{
	return (struct vsc_value){ .kind = VSC_VAL_TIME,
				   .time = { .has_wall = true, .wall_ns = ns } };
}
/* The same instant on both clocks. */
static inline struct vsc_value vsc_val_time(uint64_t boot_ns, int64_t wall_ns)
{
	return (struct vsc_value){ .kind = VSC_VAL_TIME,
				   .time = { .has_boot = true, .has_wall = true,
					     .boot_ns = boot_ns, .wall_ns = wall_ns } };
}
/* Mark any value as redactable (e.g. the KASLR offset). */
static inline struct vsc_value vsc_val_sensitive(struct vsc_value v)
{
	v.sensitive = true;
	return v;
}

/*
 * Format a value as plain text (what the text renderer prints in a cell),
 * into @buf (always NUL-terminated, truncated to @size).  Returns the length
 * the full text needs, like snprintf.  Under @redact this scrubs kernel
 * addresses but knows no report: vsc_report_value_text() (report_read.h)
 * also scrubs the report's host names and sensitive numbers.
 */
int vsc_value_format(const struct vsc_value *v, bool redact, char *buf, size_t size);

/* ------------------------------------------------------------------------ */
/* Report                                                                   */
/* ------------------------------------------------------------------------ */

struct vsc_report;
struct vsc_section;
struct vsc_table;
struct vsc_code;
struct vsc_finding;

struct vsc_error *vsc_report_create(struct vsc_report **ret) VSC_MUST_CHECK;
void vsc_report_destroy(struct vsc_report *rep);  /* NULL is a no-op */

/* The out-of-memory error if any builder failed to allocate, else NULL. */
struct vsc_error *vsc_report_check(const struct vsc_report *rep) VSC_MUST_CHECK;

/* Heading (default "vtdscope report"). */
void vsc_report_set_title(struct vsc_report *rep, const char *fmt, ...) VSC_PRINTF(2, 3);
void vsc_report_set_tool_version(struct vsc_report *rep, const char *version);
/* The dump (or "/proc/kcore"); borrowed for the call. */
void vsc_report_set_target(struct vsc_report *rep, const char *path);
/*
 * Generated-at time, rendered as UTC ISO 8601.  Never set implicitly: leave
 * it unset for reproducible output (golden tests, SOURCE_DATE_EPOCH).
 */
void vsc_report_set_generated_at(struct vsc_report *rep, time_t when);
/*
 * A target identity field: "release", "build_id", "dump_format",
 * "kaslr_offset" (pass vsc_val_sensitive(vsc_val_hex(off))), "nodename"
 * (pass vsc_val_host(name)).  "path" is reserved.
 */
void vsc_report_meta(struct vsc_report *rep, const char *key, struct vsc_value v);

/* One line; set by the diagnosis.  Setting it again replaces it. */
void vsc_report_set_verdict(struct vsc_report *rep, const char *fmt, ...) VSC_PRINTF(2, 3);

/*
 * Top-level section @id (normalised to snake_case).  If a section with that
 * id already exists it is returned and @title is ignored, so several
 * analyzers can add to one section.
 */
struct vsc_section *vsc_report_section(struct vsc_report *rep, const char *id,
				       const char *title);

/* Report-level diagnostics (belonging to no section). */
void vsc_report_error(struct vsc_report *rep, enum vsc_error_kind kind, const char *fmt, ...)
	VSC_PRINTF(3, 4);
void vsc_report_warning(struct vsc_report *rep, enum vsc_error_kind kind, const char *fmt, ...)
	VSC_PRINTF(3, 4);
/*
 * Record @err as a report error, prefixed with the optional context @fmt
 * ("ctx: message"), and destroy it.  Consumes @err (NULL: nothing happens).
 */
void vsc_report_take_error(struct vsc_report *rep, struct vsc_error *err, const char *fmt, ...)
	VSC_PRINTF(3, 4);

size_t vsc_report_finding_count(const struct vsc_report *rep);
/* Most severe finding's severity; false if there are no findings. */
bool vsc_report_worst_severity(const struct vsc_report *rep, enum vsc_severity *out);

/*
 * Read access for front-ends that summarise a report (batch) without
 * rendering it; the full read API is <vtdscope/report_read.h>.  Strings are
 * borrowed from the report (valid UTF-8, not redacted) and live until
 * vsc_report_destroy().
 */
/* The verdict line, or NULL when none was set. */
const char *vsc_report_verdict(const struct vsc_report *rep);
/*
 * Errors recorded anywhere in the report (report level and in sections, an
 * analyzer that failed included): a report with errors is incomplete.  An
 * allocation failure is not counted here (vsc_report_check() says it).
 */
size_t vsc_report_error_count(const struct vsc_report *rep);
/*
 * Finding @i in render order (most severe first, then insertion order), as
 * the renderers list them.  Any out-parameter may be NULL.  Returns false
 * (writing nothing) when @i >= vsc_report_finding_count().
 */
bool vsc_report_finding_get(const struct vsc_report *rep, size_t i, enum vsc_severity *sev,
			    const char **kind, const char **verdict);
/*
 * @s as the renderers print it under --redact (kernel addresses and the
 * report's host names replaced).  Returns a heap copy the caller frees, or
 * NULL when out of memory.
 */
char *vsc_report_redact_text(const struct vsc_report *rep, const char *s);

/* Length of the valid UTF-8 sequence at @s (at most @len bytes), 0 if invalid. */
size_t vsc_utf8_seq(const char *s, size_t len);

/* ------------------------------------------------------------------------ */
/* Sections                                                                 */
/* ------------------------------------------------------------------------ */

/* Nested section; same get-or-create rule as vsc_report_section(). */
struct vsc_section *vsc_section_section(struct vsc_section *parent, const char *id,
					const char *title);

/*
 * Key/value field.  @key is shown as given in text and Markdown and
 * normalised to snake_case for JSON; duplicate keys in one section are an
 * internal error (the second one is dropped).
 */
void vsc_section_kv(struct vsc_section *s, const char *key, struct vsc_value v);
void vsc_section_kv_addr(struct vsc_section *s, const char *key, uint64_t addr);
void vsc_section_kv_hex(struct vsc_section *s, const char *key, uint64_t value);
void vsc_section_kvf(struct vsc_section *s, const char *key, const char *fmt, ...)
	VSC_PRINTF(3, 4);

void vsc_section_para(struct vsc_section *s, const char *fmt, ...) VSC_PRINTF(2, 3);
void vsc_section_note(struct vsc_section *s, const char *fmt, ...) VSC_PRINTF(2, 3);

/* Per-section diagnostics: "could not read X: page not in dump". */
void vsc_section_error(struct vsc_section *s, enum vsc_error_kind kind, const char *fmt, ...)
	VSC_PRINTF(3, 4);
void vsc_section_warning(struct vsc_section *s, enum vsc_error_kind kind, const char *fmt, ...)
	VSC_PRINTF(3, 4);
/* Consumes @err, like vsc_report_take_error(). */
void vsc_section_take_error(struct vsc_section *s, struct vsc_error *err, const char *fmt, ...)
	VSC_PRINTF(3, 4);

/* ------------------------------------------------------------------------ */
/* Tables                                                                   */
/* ------------------------------------------------------------------------ */

enum vsc_align {
	VSC_ALIGN_AUTO = 0,     /* numbers (int, uint, hex, address) right, text left */
	VSC_ALIGN_LEFT,
	VSC_ALIGN_RIGHT,
};

/* Declared once, usually as a static const array. */
struct vsc_column {
	const char *name;               /* header text */
	const char *key;                /* JSON key; NULL: name, normalised */
	enum vsc_value_kind kind;       /* cells must have this kind or be ABSENT */
	enum vsc_align align;
};

/*
 * A table of @ncols columns; the column array is copied.  @title may be
 * NULL.  Duplicate table ids in one section are an internal error (NULL).
 */
struct vsc_table *vsc_section_table(struct vsc_section *s, const char *id, const char *title,
				    const struct vsc_column *cols, size_t ncols);

#define VSC_NO_ROW ((size_t)-1)

/*
 * Append a row of @n values (n must equal the column count).  Returns the
 * row index (for vsc_ref_row()), or VSC_NO_ROW.  A value whose kind is
 * neither the column's kind nor ABSENT is replaced by an absent value and
 * reported as an internal error.
 */
size_t vsc_table_row_n(struct vsc_table *tb, const struct vsc_value *vals, size_t n);
/* vsc_table_row(tb, vsc_val_uint(1), vsc_val_str("x")): the count is checked. */
#define vsc_table_row(tb, ...)                                                  \
	vsc_table_row_n((tb), (const struct vsc_value[]){ __VA_ARGS__ },        \
			sizeof((const struct vsc_value[]){ __VA_ARGS__ }) /     \
				sizeof(struct vsc_value))

size_t vsc_table_row_count(const struct vsc_table *tb);

/* ------------------------------------------------------------------------ */
/* Code / preformatted blocks (stacks, log lines)                           */
/* ------------------------------------------------------------------------ */

/* @title may be NULL.  Duplicate ids in one section: internal error (NULL). */
struct vsc_code *vsc_section_code(struct vsc_section *s, const char *id, const char *title);
void vsc_code_line(struct vsc_code *c, const char *fmt, ...) VSC_PRINTF(2, 3);
/* Append @text, split at newlines (a trailing newline adds no empty line). */
void vsc_code_text(struct vsc_code *c, const char *text);

/* ------------------------------------------------------------------------ */
/* Findings                                                                 */
/* ------------------------------------------------------------------------ */

/*
 * Analyzers declare their finding kinds once, as a table; the same table can
 * drive man pages and "explain" help.
 */
struct vsc_finding_kind {
	const char *id;                 /* "qi-devtlb-hang" */
	enum vsc_severity severity;     /* default severity */
	const char *summary;            /* one line for documentation */
	const char *next_step;          /* default "next step" (may be NULL) */
};

/* Findings are rendered most severe first, in insertion order within a severity. */
struct vsc_finding *vsc_report_finding(struct vsc_report *rep, enum vsc_severity sev,
				       const char *kind, const char *fmt, ...) VSC_PRINTF(4, 5);
/* Severity, id and default next step from @kind. */
struct vsc_finding *vsc_report_finding_of(struct vsc_report *rep,
					  const struct vsc_finding_kind *kind,
					  const char *fmt, ...) VSC_PRINTF(3, 4);

/*
 * Where an evidence line points.  Build with the helpers below; the
 * referenced objects must belong to the same report.  Text and Markdown show
 * "(see qi/slots, slot 17)"; JSON a JSON Pointer into the same document
 * ("/sections/qi/tables/slots/rows/17").
 */
struct vsc_ref {
	const struct vsc_section *section;
	const struct vsc_table *table;
	const struct vsc_code *code;
	const char *field;              /* a key of section's fields */
	size_t row;                     /* table row or VSC_NO_ROW */
};

static inline struct vsc_ref vsc_ref_section(const struct vsc_section *s)
{
	return (struct vsc_ref){ .section = s, .row = VSC_NO_ROW };
}
static inline struct vsc_ref vsc_ref_field(const struct vsc_section *s, const char *key)
{
	return (struct vsc_ref){ .section = s, .field = key, .row = VSC_NO_ROW };
}
static inline struct vsc_ref vsc_ref_table(const struct vsc_table *tb)
{
	return (struct vsc_ref){ .table = tb, .row = VSC_NO_ROW };
}
static inline struct vsc_ref vsc_ref_row(const struct vsc_table *tb, size_t row)
{
	return (struct vsc_ref){ .table = tb, .row = row };
}
static inline struct vsc_ref vsc_ref_code(const struct vsc_code *c)
{
	return (struct vsc_ref){ .code = c, .row = VSC_NO_ROW };
}

void vsc_finding_evidence(struct vsc_finding *f, const char *fmt, ...) VSC_PRINTF(2, 3);
void vsc_finding_evidence_at(struct vsc_finding *f, struct vsc_ref ref, const char *fmt, ...)
	VSC_PRINTF(3, 4);
/* Replaces the default from the finding kind. */
void vsc_finding_next(struct vsc_finding *f, const char *fmt, ...) VSC_PRINTF(2, 3);
/* Structured fact for JSON (text shows them with verbose). */
void vsc_finding_fact(struct vsc_finding *f, const char *key, struct vsc_value v);

/* ------------------------------------------------------------------------ */
/* Rendering                                                                */
/* ------------------------------------------------------------------------ */

/* X(ENUM, name, alias) */
#define VSC_RENDER_FORMATS(X)                   \
	X(TEXT,     "text",     "txt")          \
	X(JSON,     "json",     NULL)           \
	X(MARKDOWN, "markdown", "md")

enum vsc_render_format {
#define VSC_X_(e, name, alias) VSC_FORMAT_##e,
	VSC_RENDER_FORMATS(VSC_X_)
#undef VSC_X_
	VSC_FORMAT_COUNT
};

const char *vsc_render_format_name(enum vsc_render_format fmt);
/* VSC_ERR_USAGE: "unknown format 'x' (expected text, json or markdown)". */
struct vsc_error *vsc_render_format_from_name(const char *name, enum vsc_render_format *out) VSC_MUST_CHECK;

struct vsc_render_options {
	enum vsc_render_format format;
	/*
	 * No kernel addresses (ADDR values, and 0xffff... / bare 16-digit
	 * ffff... words in any text), no sensitive values (KASLR offset), no
	 * host names (HOST values, and their occurrences in any text when
	 * at least 3 characters long).  Redacted values read "<addr>",
	 * "<host>", "<redacted>" in every format.
	 */
	bool redact;
	bool color;     /* ANSI colour (text only); the caller decides (isatty) */
	bool verbose;   /* text/Markdown: facts, full cells, absent reasons in tables */
};

/* JSON schema identity written into every JSON report. */
#define VSC_REPORT_SCHEMA_NAME    "vtdscope-report"
#define VSC_REPORT_SCHEMA_VERSION 2     /* 2: list, object and time values */

/*
 * Render @rep to @out.  @opts may be NULL (text, no colour, no redaction).
 * Returns VSC_ERR_IO if writing failed, the out-of-memory error if rendering
 * could not allocate.  Output is deterministic for a given report and options.
 */
struct vsc_error *vsc_report_render(const struct vsc_report *rep, FILE *out,
				    const struct vsc_render_options *opts) VSC_MUST_CHECK;

#endif /* VTDSCOPE_REPORT_H */
