// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Rendering entry point and the helpers every renderer shares: the format
 * table, value formatting, redaction, findings order and references.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_int.h"

/* ---- string buffer -------------------------------------------------------- */

void vsc_sb_init(struct vsc_sb *sb)
{
	*sb = (struct vsc_sb){ 0 };
}

void vsc_sb_deinit(struct vsc_sb *sb)
{
	free(sb->buf);
	*sb = (struct vsc_sb){ 0 };
}

void vsc_sb_reset(struct vsc_sb *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

static bool sb_reserve(struct vsc_sb *sb, size_t more)
{
	size_t need, cap;
	char *buf;

	if (sb->oom)
		return false;
	need = sb->len + more + 1;
	if (need <= sb->cap)
		return true;
	cap = sb->cap ? sb->cap : 64;
	while (cap < need)
		cap *= 2;
	buf = realloc(sb->buf, cap);
	if (!buf) {
		sb->oom = true;
		return false;
	}
	sb->buf = buf;
	sb->cap = cap;
	return true;
}

void vsc_sb_putn(struct vsc_sb *sb, const char *s, size_t n)
{
	if (!sb_reserve(sb, n))
		return;
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void vsc_sb_puts(struct vsc_sb *sb, const char *s)
{
	vsc_sb_putn(sb, s, strlen(s));
}

void vsc_sb_putc(struct vsc_sb *sb, char c)
{
	vsc_sb_putn(sb, &c, 1);
}

void vsc_sb_printf(struct vsc_sb *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !sb_reserve(sb, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

const char *vsc_sb_str(const struct vsc_sb *sb)
{
	return sb->buf && !sb->oom ? sb->buf : "";
}

/* ---- formats ------------------------------------------------------------------ */

static const struct {
	const char *name;
	const char *alias;
	void (*render)(struct vsc_render_ctx *ctx);
} formats[] = {
#define VSC_X_(e, n, a) [VSC_FORMAT_##e] = { .name = n, .alias = a },
	VSC_RENDER_FORMATS(VSC_X_)
#undef VSC_X_
};

static void (*const renderers[])(struct vsc_render_ctx *) = {
	[VSC_FORMAT_TEXT] = vsc__render_text,
	[VSC_FORMAT_JSON] = vsc__render_json,
	[VSC_FORMAT_MARKDOWN] = vsc__render_markdown,
};

_Static_assert(VSC_ARRAY_SIZE(renderers) == VSC_FORMAT_COUNT, "a renderer per format");

const char *vsc_render_format_name(enum vsc_render_format fmt)
{
	return (unsigned)fmt < VSC_FORMAT_COUNT ? formats[fmt].name : "?";
}

struct vsc_error *vsc_render_format_from_name(const char *name, enum vsc_render_format *out)
{
	struct vsc_sb list;
	struct vsc_error *err;

	for (unsigned i = 0; name && i < VSC_FORMAT_COUNT; i++) {
		if (!strcmp(name, formats[i].name) ||
		    (formats[i].alias && !strcmp(name, formats[i].alias))) {
			*out = (enum vsc_render_format)i;
			return NULL;
		}
	}
	vsc_sb_init(&list);
	for (unsigned i = 0; i < VSC_FORMAT_COUNT; i++)
		vsc_sb_printf(&list, "%s%s", i == 0 ? "" : i + 1 == VSC_FORMAT_COUNT ? " or " : ", ",
			      formats[i].name);
	err = vsc_error_create(VSC_ERR_USAGE, "unknown format '%s' (expected %s)",
			       name ? name : "", vsc_sb_str(&list));
	vsc_sb_deinit(&list);
	return err;
}

/* ---- values --------------------------------------------------------------------- */

static const bool kind_right[] = {
#define VSC_X_(e, name, right) [VSC_VAL_##e] = right,
	VSC_VALUE_KINDS(VSC_X_)
#undef VSC_X_
};

bool vsc__value_kind_right(enum vsc_value_kind kind)
{
	return (unsigned)kind < VSC_VAL_COUNT && kind_right[kind];
}

bool vsc__column_right(const struct vsc_column *col)
{
	if (col->align == VSC_ALIGN_AUTO)
		return vsc__value_kind_right(col->kind);
	return col->align == VSC_ALIGN_RIGHT;
}

const char *vsc__value_redaction(const struct vsc_value *v)
{
	if (v->kind == VSC_VAL_ADDR)
		return VSC_REDACTED_ADDR;
	if (v->kind == VSC_VAL_HOST)
		return VSC_REDACTED_HOST;
	if (v->sensitive && v->kind != VSC_VAL_ABSENT)
		return VSC_REDACTED;
	return NULL;
}

void vsc__value_text(const struct vsc_value *v, bool redact, struct vsc_sb *sb)
{
	const char *token = redact ? vsc__value_redaction(v) : NULL;

	if (token) {
		vsc_sb_puts(sb, token);
		return;
	}
	switch (v->kind) {
	case VSC_VAL_STR:
	case VSC_VAL_HOST:
		vsc_sb_puts(sb, v->s ? v->s : "");
		break;
	case VSC_VAL_INT:
		vsc_sb_printf(sb, "%" PRId64, v->i);
		break;
	case VSC_VAL_UINT:
		vsc_sb_printf(sb, "%" PRIu64, v->u);
		break;
	case VSC_VAL_HEX:
		vsc_sb_printf(sb, "0x%0*" PRIx64, (int)v->hex_digits, v->u);
		break;
	case VSC_VAL_ADDR:
		vsc_sb_printf(sb, "0x%" PRIx64, v->u);
		break;
	case VSC_VAL_BOOL:
		vsc_sb_puts(sb, v->b ? "yes" : "no");
		break;
	case VSC_VAL_ABSENT:
	default:
		vsc_sb_puts(sb, "n/a");
		break;
	}
}

/* ---- redaction ------------------------------------------------------------------ */

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_word(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '_';
}

static bool is_ffff(const char *p)
{
	for (int i = 0; i < 4; i++)
		if (p[i] != 'f' && p[i] != 'F')
			return false;
	return true;
}

static size_t hex_run(const char *p)
{
	size_t n = 0;

	while (is_hex(p[n]))
		n++;
	return n;
}

/* A full 64-bit word in the kernel half with 5-level paging: ff followed by 14 hex digits. */
static bool is_ff_word(const char *p, size_t run)
{
	return run == 16 && (p[0] == 'f' || p[0] == 'F') && (p[1] == 'f' || p[1] == 'F');
}

/*
 * Length of a kernel address at @s + @i, or 0:
 *   "0x" / "0X", "ffff", at least 4 more hex digits (any position), or
 *   "0x" and exactly 16 hex digits starting with "ff" (5-level kernel half), or
 *   a bare word of exactly 16 hex digits starting with "ff".
 */
static size_t kernel_addr_at(const char *s, size_t i)
{
	const char *p = s + i;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		size_t run = hex_run(p + 2);

		if ((run >= 8 && is_ffff(p + 2)) || (is_ff_word(p + 2, run) && !is_word(p[2 + run])))
			return 2 + run;
		return 0;
	}
	if (i == 0 || !is_word(s[i - 1])) {
		size_t run = hex_run(p);

		if (is_ff_word(p, run) && !is_word(p[16]))
			return 16;
	}
	return 0;
}

/*
 * Length of a whole hex token at @s + @i whose value is one of @secrets, or 0:
 * "0x" and hex digits (leading zeros allowed), or a bare word of at least 8
 * hex digits ("0000000029600000" in a hex dump).
 */
static size_t secret_at(const char *s, size_t i, const uint64_t *secrets, size_t n)
{
	const char *p = s + i;
	size_t pre = 0, run;
	uint64_t v = 0;

	if (!n || (i && is_word(s[i - 1]) && !(p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))))
		return 0;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		pre = 2;
	run = hex_run(p + pre);
	if (!run || is_word(p[pre + run]) || (!pre && run < 8))
		return 0;
	for (size_t k = 0; k < run; k++) {
		char c = p[pre + k];

		if (v >> 60)
			return 0;       /* more than 64 bits of value */
		v = v << 4 | (uint64_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	for (size_t k = 0; k < n; k++)
		if (secrets[k] == v)
			return pre + run;
	return 0;
}

/* @rep (may be NULL) gives the host names and sensitive numbers to scrub besides addresses. */
static void scrub(const char *s, const struct vsc_report *rep, struct vsc_sb *sb)
{
	char *const *hosts = rep ? (char *const *)rep->hostnames.items : NULL;
	size_t nhosts = rep ? rep->hostnames.n : 0;
	size_t i = 0, start = 0;

	while (s[i]) {
		size_t n = kernel_addr_at(s, i);
		const char *token = VSC_REDACTED_ADDR;

		if (!n && rep && (n = secret_at(s, i, rep->secrets, rep->nsecrets)))
			token = VSC_REDACTED;
		for (size_t h = 0; !n && h < nhosts; h++) {
			size_t hl = strlen(hosts[h]);

			if (hl >= 3 && !strncmp(s + i, hosts[h], hl)) {
				n = hl;
				token = VSC_REDACTED_HOST;
			}
		}
		if (!n) {
			i++;
			continue;
		}
		vsc_sb_putn(sb, s + start, i - start);
		vsc_sb_puts(sb, token);
		i += n;
		start = i;
	}
	vsc_sb_putn(sb, s + start, i - start);
}

void vsc__scrub_into(struct vsc_render_ctx *ctx, struct vsc_sb *sb, const char *s)
{
	if (!ctx->opts->redact) {
		vsc_sb_puts(sb, s);
		return;
	}
	scrub(s, ctx->rep, sb);
}

const char *vsc__scrub(struct vsc_render_ctx *ctx, const char *s)
{
	if (!ctx->opts->redact)
		return s;
	vsc_sb_reset(&ctx->tmp);
	vsc__scrub_into(ctx, &ctx->tmp, s);
	if (ctx->tmp.oom) {
		ctx->oom = true;
		return "";
	}
	return vsc_sb_str(&ctx->tmp);
}

int vsc_value_format(const struct vsc_value *v, bool redact, char *buf, size_t size)
{
	struct vsc_sb raw, out;
	int len;

	vsc_sb_init(&raw);
	vsc_sb_init(&out);
	vsc__value_text(v, redact, &raw);
	if (redact)
		scrub(vsc_sb_str(&raw), NULL, &out);
	else
		vsc_sb_puts(&out, vsc_sb_str(&raw));
	len = out.oom || raw.oom ? -1 : (int)out.len;
	if (size)
		snprintf(buf, size, "%s", vsc_sb_str(&out));
	vsc_sb_deinit(&raw);
	vsc_sb_deinit(&out);
	return len;
}

/* ---- findings order ----------------------------------------------------------- */

static int finding_cmp(const void *a, const void *b)
{
	const struct vsc_finding *fa = *(const struct vsc_finding *const *)a;
	const struct vsc_finding *fb = *(const struct vsc_finding *const *)b;

	if (fa->severity != fb->severity)
		return fa->severity > fb->severity ? -1 : 1;
	return fa->seq < fb->seq ? -1 : fa->seq > fb->seq;
}

const struct vsc_finding **vsc__sorted_findings(const struct vsc_report *rep)
{
	const struct vsc_finding **v;

	if (!rep->findings.n)
		return NULL;
	v = malloc(rep->findings.n * sizeof(*v));
	if (!v)
		return NULL;
	memcpy(v, rep->findings.items, rep->findings.n * sizeof(*v));
	if (rep->findings.n > 1)	/* qsort(NULL, 0, ...) is undefined */
		qsort(v, rep->findings.n, sizeof(*v), finding_cmp);
	return v;
}

/* ---- references ------------------------------------------------------------------ */

const struct vsc_section *vsc__ref_section(const struct vsc_ref *ref)
{
	if (ref->table)
		return ref->table->section;
	if (ref->code)
		return ref->code->section;
	return ref->section;
}

void vsc__section_path(const struct vsc_section *s, struct vsc_sb *sb)
{
	if (!s || !s->parent)
		return;
	if (s->parent->parent) {
		vsc__section_path(s->parent, sb);
		vsc_sb_putc(sb, '/');
	}
	vsc_sb_puts(sb, s->id);
}

static void pointer_token(struct vsc_sb *sb, const char *tok)
{
	vsc_sb_putc(sb, '/');
	for (; *tok; tok++) {
		if (*tok == '~')
			vsc_sb_puts(sb, "~0");
		else if (*tok == '/')
			vsc_sb_puts(sb, "~1");
		else
			vsc_sb_putc(sb, *tok);
	}
}

void vsc__section_pointer(const struct vsc_section *s, struct vsc_sb *sb)
{
	if (!s || !s->parent)
		return;
	vsc__section_pointer(s->parent, sb);
	pointer_token(sb, "sections");
	pointer_token(sb, s->id);
}

void vsc__ref_pointer(const struct vsc_ref *ref, struct vsc_sb *sb)
{
	vsc__section_pointer(vsc__ref_section(ref), sb);
	if (ref->table) {
		pointer_token(sb, "tables");
		pointer_token(sb, ref->table->id);
		if (ref->row != VSC_NO_ROW) {
			pointer_token(sb, "rows");
			vsc_sb_printf(sb, "/%zu", ref->row);
		}
	} else if (ref->code) {
		pointer_token(sb, "code");
		pointer_token(sb, ref->code->id);
	} else if (ref->field) {
		pointer_token(sb, "fields");
		pointer_token(sb, ref->field);
	}
}

void vsc__ref_text(struct vsc_render_ctx *ctx, const struct vsc_ref *ref, struct vsc_sb *sb)
{
	const struct vsc_section *s = vsc__ref_section(ref);

	vsc__section_path(s, sb);
	if (ref->table) {
		vsc_sb_putc(sb, '/');
		vsc_sb_puts(sb, ref->table->id);
		if (ref->row != VSC_NO_ROW && ref->row < ref->table->rows.n) {
			const struct vsc_value *row = ref->table->rows.items[ref->row];
			struct vsc_sb val;

			vsc_sb_init(&val);
			vsc__value_text(&row[0], ctx->opts->redact, &val);
			vsc_sb_printf(sb, ", %s ", ref->table->cols[0].name);
			vsc__scrub_into(ctx, sb, vsc_sb_str(&val));
			if (val.oom)
				ctx->oom = true;
			vsc_sb_deinit(&val);
		}
	} else if (ref->code) {
		vsc_sb_putc(sb, '/');
		vsc_sb_puts(sb, ref->code->id);
	} else if (ref->field) {
		const char *label = ref->field;

		for (size_t i = 0; i < s->fields.n; i++)
			if (!strcmp(s->fields.items[i].key, ref->field))
				label = s->fields.items[i].label;
		vsc_sb_puts(sb, ", ");
		vsc_sb_puts(sb, label);
	}
}

/* ---- escaping ---------------------------------------------------------------- */

/*
 * Append @s (valid UTF-8) with control characters escaped.  @col is the
 * display column where @s starts (for tab expansion).
 */
void vsc__escape_controls(struct vsc_sb *sb, const char *s, enum vsc_esc_mode mode, size_t col)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		unsigned char c = *p;

		if (c == '\t' && mode == VSC_ESC_CODE) {
			do {
				vsc_sb_putc(sb, ' ');
				col++;
			} while (col % 8);
			p++;
		} else if (c < 0x20 || c == 0x7f) {
			if (c == '\n')
				vsc_sb_puts(sb, "\\n");
			else if (c == '\t')
				vsc_sb_puts(sb, "\\t");
			else if (c == '\r')
				vsc_sb_puts(sb, "\\r");
			else
				vsc_sb_printf(sb, "\\x%02x", c);
			col += c == '\n' || c == '\t' || c == '\r' ? 2 : 4;
			p++;
		} else if (c == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			vsc_sb_printf(sb, "\\u%04x", p[1]);         /* C1 control */
			col += 6;
			p += 2;
		} else if (c == 0xe2 && ((p[1] == 0x80 && p[2] >= 0xaa && p[2] <= 0xae) ||
					 (p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9))) {
			/* U+202A..U+202E, U+2066..U+2069: bidi embedding/override */
			vsc_sb_printf(sb, "\\u%04x",
				      0x2000 | ((p[1] & 0x3f) << 6) | (p[2] & 0x3f));
			col += 6;
			p += 3;
		} else {
			vsc_sb_putc(sb, (char)c);
			if ((c & 0xc0) != 0x80)
				col++;
			p++;
		}
	}
}

/* ---- misc ---------------------------------------------------------------------- */

void vsc__format_time(time_t t, char buf[32])
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, 32, "@%lld", (long long)t);
}

size_t vsc__display_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

void vsc__emit(struct vsc_render_ctx *ctx, const struct vsc_sb *sb)
{
	if (sb->oom) {
		ctx->oom = true;
		return;
	}
	if (sb->len)
		fwrite(sb->buf, 1, sb->len, ctx->out);
}

struct vsc_error *vsc_report_render(const struct vsc_report *rep, FILE *out,
				    const struct vsc_render_options *opts)
{
	static const struct vsc_render_options defaults = { .format = VSC_FORMAT_TEXT };
	struct vsc_render_ctx ctx = { .rep = rep, .opts = opts ? opts : &defaults, .out = out };

	if (!rep || !out)
		return vsc_error_create(VSC_ERR_USAGE, "rendering report: no report or output");
	if ((unsigned)ctx.opts->format >= VSC_FORMAT_COUNT)
		return vsc_error_create(VSC_ERR_USAGE, "rendering report: unknown format %d",
					(int)ctx.opts->format);
	vsc_sb_init(&ctx.tmp);
	renderers[ctx.opts->format](&ctx);
	vsc_sb_deinit(&ctx.tmp);
	if (ctx.oom)
		return vsc_error_wrap(&vsc_error_nomem, "rendering %s report",
				      vsc_render_format_name(ctx.opts->format));
	if (fflush(out) == EOF || ferror(out))
		return vsc_error_create(VSC_ERR_IO, "writing %s report: write error",
					vsc_render_format_name(ctx.opts->format));
	return NULL;
}
