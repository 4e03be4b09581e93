/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private helpers of the report library that know nothing of the model's
 * structs: string buffers, the checks every string from the dump goes
 * through (UTF-8, ids), and the plain text of a value (what every renderer
 * starts from).  Used by the model side and the renderers.
 */
#ifndef VTDSCOPE_REPORT_STRBUF_H
#define VTDSCOPE_REPORT_STRBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vtdscope/report.h>

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

/*
 * Room for at least @need bytes (the NUL included) after the contents:
 * returns where to write and the room in *@room, or NULL on OOM.
 * vsc_sb_commit() then adds the @n bytes written (n < 0: latch OOM).
 */
char *vsc_sb_tail(struct vsc_sb *sb, size_t need, size_t *room);
void vsc_sb_commit(struct vsc_sb *sb, int n);

/*
 * Append what a snprintf-like function writes: @fn(args..., buf, size)
 * returning the length it needs (or -1).  Called again with enough room
 * when the first try did not fit.
 */
#define VSC_SB_FORMAT(sb, fn, ...)                                              \
	do {                                                                    \
		size_t room_;                                                   \
		char *tail_ = vsc_sb_tail((sb), 128, &room_);                   \
		int n_ = tail_ ? fn(__VA_ARGS__, tail_, room_) : -1;            \
		if (n_ >= 0 && (size_t)n_ >= room_) {                           \
			tail_ = vsc_sb_tail((sb), (size_t)n_ + 1, &room_);      \
			n_ = tail_ ? fn(__VA_ARGS__, tail_, room_) : -1;        \
		}                                                               \
		vsc_sb_commit((sb), n_);                                        \
	} while (0)

/* Sink of a text that may be cut: like snprintf's buffer, it counts past @size. */
struct vsc_out {
	char *buf;
	size_t size, len;
	bool oom;
};

void vsc_out_putn(struct vsc_out *o, const char *s, size_t n);
void vsc_out_puts(struct vsc_out *o, const char *s);
void vsc_out_putc(struct vsc_out *o, char c);
void vsc_out_printf(struct vsc_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* NUL-terminate; the length the whole text needs, or -1 after OOM / past INT_MAX. */
int vsc_out_finish(struct vsc_out *o);

/*
 * The plain text of @v: "17", "-3", "0x1f", "0xffff888100000000", "yes",
 * "n/a", "1, 4-6", "sid=01:00.0 addr=0x1000", "12.500000s".  With @redact a
 * value (or an item of a list or object) that vsc_value_redaction() names
 * reads as that token; nothing else is scrubbed here.
 */
void vsc__value_text(const struct vsc_value *v, bool redact, struct vsc_out *o);
/*
 * UTC ISO 8601: "2024-05-01T12:00:00Z", with ".500" / ".500001" /
 * ".500000001" only when there are fractions of a second; "@SEC" for a time
 * gmtime() cannot express.
 */
void vsc__wall_text(int64_t sec, uint32_t nsec, struct vsc_out *o);
/* The same for nanoseconds since the epoch (a TIME value's wall clock). */
void vsc__time_wall_text(int64_t ns, struct vsc_out *o);

/* Copy of @s with invalid UTF-8 bytes replaced by "\xNN".  NULL on OOM. */
char *vsc__strdup_clean(const char *s);
/* snake_case key ('_') or kebab-case id ('-'); never empty.  NULL on OOM. */
char *vsc__normalize_id(const char *s, char sep);
bool vsc__utf8_valid(const char *s, size_t len);

/* Number of display columns (code points) of valid UTF-8 @s. */
size_t vsc__display_width(const char *s);

#endif /* VTDSCOPE_REPORT_STRBUF_H */
