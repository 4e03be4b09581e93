// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Redaction, a property of reading the model: what --redact shows of any
 * string or value of a report.  Kernel addresses are recognised in any text;
 * the report adds what it learnt while being built: host names (HOST values)
 * and sensitive numbers (the KASLR offset), scrubbed wherever they appear.
 */
#include <stdlib.h>
#include <string.h>

#include "report_int.h"
#include "strbuf.h"

#define REDACTED_ADDR "<addr>"
#define REDACTED_HOST "<host>"
#define REDACTED      "<redacted>"

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
static void scrub(const struct vsc_report *rep, const char *s, struct vsc_out *o)
{
	char *const *hosts = rep ? (char *const *)rep->hostnames.items : NULL;
	size_t nhosts = rep ? rep->hostnames.n : 0;
	size_t i = 0, start = 0;

	while (s[i]) {
		size_t n = kernel_addr_at(s, i);
		const char *token = REDACTED_ADDR;

		if (!n && rep && (n = secret_at(s, i, rep->secrets, rep->nsecrets)))
			token = REDACTED;
		for (size_t h = 0; !n && h < nhosts; h++) {
			size_t hl = strlen(hosts[h]);

			if (hl >= 3 && !strncmp(s + i, hosts[h], hl)) {
				n = hl;
				token = REDACTED_HOST;
			}
		}
		if (!n) {
			i++;
			continue;
		}
		vsc_out_putn(o, s + start, i - start);
		vsc_out_puts(o, token);
		i += n;
		start = i;
	}
	vsc_out_putn(o, s + start, i - start);
}

int vsc_report_redact(const struct vsc_report *rep, const char *s, char *buf, size_t size)
{
	struct vsc_out o = { .buf = buf, .size = size };

	if (s)
		scrub(rep, s, &o);
	return vsc_out_finish(&o);
}

char *vsc_report_redact_text(const struct vsc_report *rep, const char *s)
{
	int n;
	char *copy;

	if (!rep || !s)
		return NULL;
	n = vsc_report_redact(rep, s, NULL, 0);
	if (n < 0)
		return NULL;
	copy = malloc((size_t)n + 1);
	if (copy)
		vsc_report_redact(rep, s, copy, (size_t)n + 1);
	return copy;
}

/* The unscrubbed text of @v (and its reason) into @o. */
static void raw_value_text(const struct vsc_value *v, unsigned flags, struct vsc_out *o)
{
	vsc__value_text(v, flags & VSC_TEXT_REDACT, o);
	if (flags & VSC_TEXT_REASON && v->kind == VSC_VAL_ABSENT && v->s)
		vsc_out_printf(o, " (%s)", v->s);
}

int vsc_report_value_text(const struct vsc_report *rep, const struct vsc_value *v,
			  unsigned flags, char *buf, size_t size)
{
	char small[256], *text = small;
	struct vsc_out raw = { .buf = small, .size = sizeof(small) };
	struct vsc_out o = { .buf = buf, .size = size };
	int n;

	if (!v)
		return vsc_out_finish(&o);
	/* The whole text first: scrubbing must see a token whole. */
	raw_value_text(v, flags, &raw);
	n = vsc_out_finish(&raw);
	if (n < 0)
		return -1;
	if ((size_t)n >= sizeof(small)) {
		text = malloc((size_t)n + 1);
		if (!text)
			return -1;
		raw = (struct vsc_out){ .buf = text, .size = (size_t)n + 1 };
		raw_value_text(v, flags, &raw);
		vsc_out_finish(&raw);
	}
	if (flags & VSC_TEXT_REDACT)
		scrub(rep, text, &o);
	else
		vsc_out_puts(&o, text);
	if (text != small)
		free(text);
	return vsc_out_finish(&o);
}

int vsc_value_format(const struct vsc_value *v, bool redact, char *buf, size_t size)
{
	return vsc_report_value_text(NULL, v, redact ? VSC_TEXT_REDACT : 0, buf, size);
}
