/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the three renderers share.  They read the report only through
 * <vtdscope/report_read.h>, like the TUI and plugins; this header adds the
 * per-render state and the string helpers (buffering, escaping, redaction
 * into a buffer), none of which knows the model's structs.
 */
#ifndef VTDSCOPE_REPORT_RENDER_INT_H
#define VTDSCOPE_REPORT_RENDER_INT_H

#ifdef VTDSCOPE_REPORT_INT_H
#error "renderers read the model through <vtdscope/report_read.h>, not its structs"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include <vtdscope/report.h>
#include <vtdscope/report_read.h>

#include "strbuf.h"

/* Per-render state shared by all renderers. */
struct vsc_render_ctx {
	const struct vsc_report *rep;
	const struct vsc_render_options *opts;
	FILE *out;
	bool oom;
	struct vsc_sb tmp;              /* scratch for vsc__scrub() */
};

/*
 * @s as it may appear in output: unchanged unless redacting; then
 * vsc_report_redact().  The result lives in ctx->tmp until the next call
 * (or is @s itself).
 */
const char *vsc__scrub(struct vsc_render_ctx *ctx, const char *s);

/*
 * Append the plain text of @v (vsc_report_value_text()), redacted when
 * ctx->opts->redact, with " (reason)" after an absent value if @with_reason.
 */
void vsc__value_text_into(struct vsc_render_ctx *ctx, struct vsc_sb *sb,
			  const struct vsc_value *v, bool with_reason);

/* Append the human text of @ref ("qi/slots, slot 17"), redacted as needed. */
void vsc__ref_text_into(struct vsc_render_ctx *ctx, struct vsc_sb *sb, const struct vsc_ref *ref);

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

/* Write the buffer to ctx->out. */
void vsc__emit(struct vsc_render_ctx *ctx, const struct vsc_sb *sb);

/* The three renderers. */
void vsc__render_text(struct vsc_render_ctx *ctx);
void vsc__render_json(struct vsc_render_ctx *ctx);
void vsc__render_markdown(struct vsc_render_ctx *ctx);

#endif /* VTDSCOPE_REPORT_RENDER_INT_H */
