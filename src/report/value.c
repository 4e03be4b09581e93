// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Typed values: kind names, default alignment, the redaction token of a
 * value, and a value's plain text (strbuf.h), the one every renderer starts
 * from.  Knows nothing of the model.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <vtdscope/report_read.h>

#include "strbuf.h"

static const char *const value_kind_names[] = {
#define VSC_X_(e, name, right) [VSC_VAL_##e] = name,
	VSC_VALUE_KINDS(VSC_X_)
#undef VSC_X_
};

static const bool kind_right[] = {
#define VSC_X_(e, name, right) [VSC_VAL_##e] = right,
	VSC_VALUE_KINDS(VSC_X_)
#undef VSC_X_
};

const char *vsc_value_kind_name(enum vsc_value_kind kind)
{
	return (unsigned)kind < VSC_VAL_COUNT ? value_kind_names[kind] : "?";
}

bool vsc_column_right(const struct vsc_column *col)
{
	if (!col)
		return false;
	if (col->align == VSC_ALIGN_AUTO)
		return (unsigned)col->kind < VSC_VAL_COUNT && kind_right[col->kind];
	return col->align == VSC_ALIGN_RIGHT;
}

const char *vsc_value_redaction(const struct vsc_value *v)
{
	if (!v)
		return NULL;
	if (v->kind == VSC_VAL_ADDR)
		return "<addr>";
	if (v->kind == VSC_VAL_HOST)
		return "<host>";
	if (v->sensitive && v->kind != VSC_VAL_ABSENT)
		return "<redacted>";
	return NULL;
}

void vsc__wall_text(int64_t sec, uint32_t nsec, struct vsc_out *o)
{
	time_t t = (time_t)sec;
	struct tm tm;
	char buf[32];

	if ((int64_t)t != sec || !gmtime_r(&t, &tm) ||
	    !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm)) {
		vsc_out_printf(o, "@%" PRId64, sec);
		return;
	}
	vsc_out_puts(o, buf);
	if (nsec % 1000000 == 0 && nsec)
		vsc_out_printf(o, ".%03" PRIu32, nsec / 1000000);
	else if (nsec % 1000 == 0 && nsec)
		vsc_out_printf(o, ".%06" PRIu32, nsec / 1000);
	else if (nsec)
		vsc_out_printf(o, ".%09" PRIu32, nsec);
	vsc_out_putc(o, 'Z');
}

/* "12.500000s": printk's microseconds, nanoseconds when there are some. */
static void boot_text(uint64_t ns, struct vsc_out *o)
{
	uint64_t frac = ns % 1000000000;

	if (frac % 1000)
		vsc_out_printf(o, "%" PRIu64 ".%09" PRIu64 "s", ns / 1000000000, frac);
	else
		vsc_out_printf(o, "%" PRIu64 ".%06" PRIu64 "s", ns / 1000000000, frac / 1000);
}

static void wall_ns_text(int64_t ns, struct vsc_out *o)
{
	int64_t sec = ns / 1000000000, rem = ns % 1000000000;

	if (rem < 0) {          /* before 1970: floor */
		sec--;
		rem += 1000000000;
	}
	vsc__wall_text(sec, (uint32_t)rem, o);
}

/* A plain non-negative integer that can join a range "4-6". */
static bool range_item(const struct vsc_value *v, bool redact, uint64_t *out)
{
	if (redact && vsc_value_redaction(v))
		return false;
	if (v->kind == VSC_VAL_UINT) {
		*out = v->u;
		return true;
	}
	if (v->kind == VSC_VAL_INT && v->i >= 0) {
		*out = (uint64_t)v->i;
		return true;
	}
	return false;
}

static void value_text(const struct vsc_value *v, bool redact, unsigned depth,
		       struct vsc_out *o);

/* "; " between items when a string item holds a comma itself, else ", ". */
static const char *list_separator(const struct vsc_value *items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((items[i].kind == VSC_VAL_STR || items[i].kind == VSC_VAL_HOST) &&
		    items[i].s && strchr(items[i].s, ','))
			return "; ";
	return ", ";
}

static void list_text(const struct vsc_value *v, bool redact, unsigned depth, struct vsc_out *o)
{
	const struct vsc_value *items = v->list.items;
	size_t n = items ? v->list.n : 0;
	const char *sep = list_separator(items, n);

	for (size_t i = 0; i < n; i++) {
		uint64_t first, last, next;
		size_t j = i;

		if (i)
			vsc_out_puts(o, sep);
		if (range_item(&items[i], redact, &first)) {
			last = first;
			while (j + 1 < n && range_item(&items[j + 1], redact, &next) &&
			       last != UINT64_MAX && next == last + 1) {
				last = next;
				j++;
			}
			if (j > i) {
				vsc_out_printf(o, "%" PRIu64 "-%" PRIu64, first, last);
				i = j;
				continue;
			}
		}
		value_text(&items[i], redact, depth + 1, o);
	}
}

static void object_text(const struct vsc_value *v, bool redact, unsigned depth,
			struct vsc_out *o)
{
	const struct vsc_member *m = v->object.members;
	size_t n = m ? v->object.n : 0;

	for (size_t i = 0; i < n; i++) {
		vsc_out_printf(o, "%s%s=", i ? " " : "", m[i].key ? m[i].key : "");
		value_text(&m[i].value, redact, depth + 1, o);
	}
}

static void value_text(const struct vsc_value *v, bool redact, unsigned depth,
		       struct vsc_out *o)
{
	const char *token = redact ? vsc_value_redaction(v) : NULL;
	bool nested = depth > 0;

	if (token) {
		vsc_out_puts(o, token);
		return;
	}
	switch (v->kind) {
	case VSC_VAL_STR:
	case VSC_VAL_HOST:
		vsc_out_puts(o, v->s ? v->s : "");
		break;
	case VSC_VAL_INT:
		vsc_out_printf(o, "%" PRId64, v->i);
		break;
	case VSC_VAL_UINT:
		vsc_out_printf(o, "%" PRIu64, v->u);
		break;
	case VSC_VAL_HEX:
		vsc_out_printf(o, "0x%0*" PRIx64, (int)v->hex_digits, v->u);
		break;
	case VSC_VAL_ADDR:
		vsc_out_printf(o, "0x%" PRIx64, v->u);
		break;
	case VSC_VAL_BOOL:
		vsc_out_puts(o, v->b ? "yes" : "no");
		break;
	case VSC_VAL_LIST:
	case VSC_VAL_OBJECT: {
		bool list = v->kind == VSC_VAL_LIST;
		size_t n = list ? v->list.n : v->object.n;

		if (depth >= VSC_VALUE_MAX_DEPTH) {
			vsc_out_puts(o, list ? "[...]" : "{...}");
			break;
		}
		if (!n && !nested) {
			vsc_out_puts(o, "none");
			break;
		}
		if (nested)
			vsc_out_puts(o, list ? "[" : "{");
		if (list)
			list_text(v, redact, depth, o);
		else
			object_text(v, redact, depth, o);
		if (nested)
			vsc_out_puts(o, list ? "]" : "}");
		break;
	}
	case VSC_VAL_TIME:
		if (v->time.has_boot)
			boot_text(v->time.boot_ns, o);
		if (v->time.has_boot && v->time.has_wall)
			vsc_out_puts(o, " (");
		if (v->time.has_wall)
			wall_ns_text(v->time.wall_ns, o);
		if (v->time.has_boot && v->time.has_wall)
			vsc_out_puts(o, ")");
		if (!v->time.has_boot && !v->time.has_wall)
			vsc_out_puts(o, "n/a");
		break;
	case VSC_VAL_ABSENT:
	default:
		vsc_out_puts(o, "n/a");
		break;
	}
}

void vsc__value_text(const struct vsc_value *v, bool redact, struct vsc_out *o)
{
	value_text(v, redact, 0, o);
}

void vsc__time_wall_text(int64_t ns, struct vsc_out *o)
{
	wall_ns_text(ns, o);
}
