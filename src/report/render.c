// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Rendering entry point and what every renderer shares: the format table,
 * redaction and value text into buffers (over the read API), escaping.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render_int.h"

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

/* ---- redaction and values ---------------------------------------------------- */

const char *vsc__scrub(struct vsc_render_ctx *ctx, const char *s)
{
	if (!ctx->opts->redact)
		return s;
	vsc_sb_reset(&ctx->tmp);
	VSC_SB_FORMAT(&ctx->tmp, vsc_report_redact, ctx->rep, s);
	if (ctx->tmp.oom) {
		ctx->oom = true;
		return "";
	}
	return vsc_sb_str(&ctx->tmp);
}

void vsc__value_text_into(struct vsc_render_ctx *ctx, struct vsc_sb *sb,
			  const struct vsc_value *v, bool with_reason)
{
	unsigned flags = (ctx->opts->redact ? VSC_TEXT_REDACT : 0) |
			 (with_reason ? VSC_TEXT_REASON : 0);

	VSC_SB_FORMAT(sb, vsc_report_value_text, ctx->rep, v, flags);
	if (sb->oom)
		ctx->oom = true;
}

void vsc__ref_text_into(struct vsc_render_ctx *ctx, struct vsc_sb *sb, const struct vsc_ref *ref)
{
	VSC_SB_FORMAT(sb, vsc_ref_text, ref, ctx->opts->redact);
	if (sb->oom)
		ctx->oom = true;
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
	struct vsc_out o = { .buf = buf, .size = 32 };

	vsc__wall_text((int64_t)t, 0, &o);
	vsc_out_finish(&o);
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
