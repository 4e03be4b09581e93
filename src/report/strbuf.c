// SPDX-License-Identifier: GPL-2.0-or-later
/* String buffers and string checks of the report library (see strbuf.h). */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

/* ---- growable buffer -------------------------------------------------------- */

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

char *vsc_sb_tail(struct vsc_sb *sb, size_t need, size_t *room)
{
	if (!need || !sb_reserve(sb, need - 1))
		return NULL;
	*room = sb->cap - sb->len;
	return sb->buf + sb->len;
}

void vsc_sb_commit(struct vsc_sb *sb, int n)
{
	if (n < 0 || sb->oom || !sb->buf || sb->len + (size_t)n >= sb->cap) {
		sb->oom = true;
		return;
	}
	sb->len += (size_t)n;
	sb->buf[sb->len] = '\0';
}

/* ---- snprintf-like sink -------------------------------------------------------- */

void vsc_out_putn(struct vsc_out *o, const char *s, size_t n)
{
	if (o->len < o->size) {
		size_t fit = o->size - o->len;

		memcpy(o->buf + o->len, s, n < fit ? n : fit);
	}
	o->len += n;
}

void vsc_out_puts(struct vsc_out *o, const char *s)
{
	vsc_out_putn(o, s, strlen(s));
}

void vsc_out_putc(struct vsc_out *o, char c)
{
	vsc_out_putn(o, &c, 1);
}

void vsc_out_printf(struct vsc_out *o, const char *fmt, ...)
{
	char small[64], *p = small;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		o->oom = true;
		return;
	}
	if ((size_t)n >= sizeof(small)) {
		p = malloc((size_t)n + 1);
		if (!p) {
			o->oom = true;
			return;
		}
		va_start(ap, fmt);
		vsnprintf(p, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	vsc_out_putn(o, p, (size_t)n);
	if (p != small)
		free(p);
}

int vsc_out_finish(struct vsc_out *o)
{
	if (o->size)
		o->buf[o->len < o->size ? o->len : o->size - 1] = '\0';
	if (o->oom || o->len > INT_MAX)
		return -1;
	return (int)o->len;
}

/* ---- strings from the dump ------------------------------------------------------ */

static size_t utf8_seq(const unsigned char *s, size_t len);

size_t vsc_utf8_seq(const char *s, size_t len)
{
	return len ? utf8_seq((const unsigned char *)s, len) : 0;
}

/* Length of the valid UTF-8 sequence at @s (at most @len bytes), 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t len)
{
	unsigned char c = s[0];
	size_t n;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (n > len)
		return 0;
	/* Reject overlong forms, surrogates and code points past U+10FFFF. */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

bool vsc__utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq(p + i, len - i);

		if (!n)
			return false;
		i += n;
	}
	return true;
}

char *vsc__strdup_clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), bad = 0;
	char *out, *o;

	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq(p + i, len - i);

		if (n) {
			i += n;
		} else {
			bad++;
			i++;
		}
	}
	out = malloc(len + 3 * bad + 1);
	if (!out)
		return NULL;
	o = out;
	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq(p + i, len - i);

		if (n) {
			memcpy(o, p + i, n);
			o += n;
			i += n;
		} else {
			o += sprintf(o, "\\x%02x", p[i]);
			i++;
		}
	}
	*o = '\0';
	return out;
}

char *vsc__normalize_id(const char *s, char sep)
{
	size_t len = s ? strlen(s) : 0;
	char *out = malloc(len + sizeof("unnamed"));
	size_t o = 0;
	bool pending = false;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			if (pending && o)
				out[o++] = sep;
			pending = false;
			out[o++] = (char)c;
		} else {
			pending = true;
		}
	}
	if (!o)
		strcpy(out, "unnamed");
	else
		out[o] = '\0';
	return out;
}

/* ---- display ----------------------------------------------------------------- */

size_t vsc__display_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}
