// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The text of the commands that print the answer alone: read from the
 * report (report_read.h) like any renderer, redacted through it.  `log`
 * prints each record as dmesg does, `sym` one nm-style line, `type` the
 * layout as pahole does.  A section that is missing prints nothing: the
 * findings and errors that say why go to standard error, one line each
 * (cli_render_plain()).
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vtdscope/report.h>
#include <vtdscope/report_read.h>

#include "cli.h"

/*
 * Dump text cannot drive the terminal: C0 controls but tab (and newline in
 * a multi-line log record) and DEL read '?', and so do C1 controls (U+0080
 * to U+009F: two bytes, one '?' each).  The text is valid UTF-8 (the report
 * stores it so).
 */
static void neutralize(char *s, bool newlines)
{
	for (unsigned char *p = (unsigned char *)s; *p; p++) {
		if ((*p < 0x20 && *p != '\t' && !(newlines && *p == '\n')) || *p == 0x7f)
			*p = '?';
		else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			p[0] = p[1] = '?';
	}
}

/* One line (@newlines: a log record may hold several), as --redact shows it when @redact. */
static void plain_line(struct cli_output *o, const struct vsc_report *rep, bool redact,
		       bool newlines, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void plain_line(struct cli_output *o, const struct vsc_report *rep, bool redact,
		       bool newlines, const char *fmt, ...)
{
	char *s, *red = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		o->oom = true;
		return;
	}
	/* every kind of secret the report knows: addresses, host names, the KASLR offset */
	if (redact && !(red = vsc_report_redact_text(rep, s))) {
		o->oom = true;          /* nothing unredacted goes out */
	} else {
		neutralize(red ? red : s, newlines);
		cli_output_write(o, red ? red : s, strlen(red ? red : s));
		cli_output_write(o, "\n", 1);
	}
	free(red);
	free(s);
}

/* The value of column @key in @row, or NULL. */
static const struct vsc_value *cell(const struct vsc_table *tb, const struct vsc_value *row,
				    const char *key)
{
	for (size_t c = 0; row && c < vsc_table_column_count(tb); c++)
		if (!strcmp(vsc_table_column_nth(tb, c)->key, key))
			return &row[c];
	return NULL;
}

/* A field's string (STR), or NULL. */
static const char *field_str(const struct vsc_section *s, const char *key)
{
	const struct vsc_field *f = vsc_section_find_field(s, key);

	return f && f->value.kind == VSC_VAL_STR ? f->value.s : NULL;
}

/* A field's number (UINT, HEX, ADDR); false when it has none. */
static bool field_u64(const struct vsc_section *s, const char *key, uint64_t *out)
{
	const struct vsc_field *f = vsc_section_find_field(s, key);

	if (!f || (f->value.kind != VSC_VAL_UINT && f->value.kind != VSC_VAL_HEX &&
		   f->value.kind != VSC_VAL_ADDR))
		return false;
	*out = f->value.u;
	return true;
}

/* "[   10.544217] DMAR: ..." per record of log/records. */
void cli_plain_log(const struct vsc_report *rep, bool redact, struct cli_output *o)
{
	const struct vsc_table *tb =
		vsc_section_find_table(vsc_report_find_section(rep, "log"), "records");

	for (size_t r = 0; r < vsc_table_row_count(tb); r++) {
		const struct vsc_value *row = vsc_table_row_nth(tb, r);
		const struct vsc_value *time = cell(tb, row, "time"), *text = cell(tb, row, "text");
		char ts[48] = "?";

		if (time && time->kind == VSC_VAL_TIME && time->time.has_boot)
			snprintf(ts, sizeof(ts), "%" PRIu64 ".%06" PRIu64, time->time.boot_ns / 1000000000,
				 (time->time.boot_ns / 1000) % 1000000);
		plain_line(o, rep, redact, true, "[%12s] %s", ts,
			   text && text->kind == VSC_VAL_STR ? text->s : "");
	}
}

/*
 * By name: "0xffffffff99ed6b10 T qi_submit_sync size 1552"; by address:
 * "qi_submit_sync+0x10/0x610 T" (no type letter for module kallsyms); a
 * module's symbol ends in " [module]".
 */
void cli_plain_sym(const struct vsc_report *rep, bool redact, struct cli_output *o)
{
	const struct vsc_section *s = vsc_report_find_section(rep, "sym");
	const char *name = field_str(s, "name"), *type = field_str(s, "type");
	const char *module = field_str(s, "module");
	uint64_t addr, off, size;

	if (!name || !field_u64(s, "address", &addr) || !field_u64(s, "size", &size))
		return;
	if (field_u64(s, "offset", &off))
		plain_line(o, rep, redact, false, "%s+0x%" PRIx64 "/0x%" PRIx64 "%s%s%s%s%s", name, off, size,
			   type ? " " : "", type ? type : "", module ? " [" : "",
			   module ? module : "", module ? "]" : "");
	else
		plain_line(o, rep, redact, false, "0x%016" PRIx64 " %s %s size %" PRIu64 "%s%s%s", addr,
			   type ? type : "?", name, size, module ? " [" : "", module ? module : "",
			   module ? "]" : "");
}

/* type/layout, line by line. */
void cli_plain_type(const struct vsc_report *rep, bool redact, struct cli_output *o)
{
	const struct vsc_code *c =
		vsc_section_find_code(vsc_report_find_section(rep, "type"), "layout");

	for (size_t i = 0; i < vsc_code_line_count(c); i++)
		plain_line(o, rep, redact, false, "%s", vsc_code_line_nth(c, i));
}

/* A message of the report on standard error, as --redact shows it when @redact. */
static void message(const struct vsc_report *rep, bool redact, const char *level, const char *msg)
{
	char *red = redact ? vsc_report_redact_text(rep, msg) : strdup(msg);

	if (red)
		neutralize(red, false);
	fprintf(stderr, "vtdscope: %s%s%s\n", level ? level : "", level ? ": " : "",
		red ? red : "<redacted>");
	free(red);
}

void cli_render_plain(struct cli_options *opts, const struct vsc_report *rep,
		      struct cli_output *o, cli_plain_fn *plain)
{
	plain(rep, opts->redact, o);
	for (size_t i = 0; i < vsc_report_finding_count(rep); i++) {
		const char *verdict = NULL;

		if (vsc_report_finding_get(rep, i, NULL, NULL, &verdict))
			message(rep, opts->redact, NULL, verdict);
	}
	for (size_t i = 0; i < vsc_report_diag_count(rep); i++) {
		const struct vsc_diag *d = vsc_report_diag_nth(rep, i);

		message(rep, opts->redact, d->level == VSC_DIAG_ERROR ? "error" : "warning",
			d->message);
	}
}
