// SPDX-License-Identifier: GPL-2.0-or-later
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vtdscope/error.h>

struct vsc_error vsc_error_nomem = {
	.kind = VSC_ERR_NOMEM,
	.message = "out of memory",
};

static const char *const kind_names[] = {
	[VSC_ERR_OTHER] = "error",
	[VSC_ERR_NOMEM] = "nomem",
	[VSC_ERR_USAGE] = "usage",
	[VSC_ERR_IO] = "io",
	[VSC_ERR_FORMAT] = "format",
	[VSC_ERR_NODATA] = "nodata",
	[VSC_ERR_NOTFOUND] = "notfound",
	[VSC_ERR_CORRUPT] = "corrupt",
	[VSC_ERR_MISMATCH] = "mismatch",
	[VSC_ERR_UNSUPPORTED] = "unsupported",
};

const char *vsc_error_kind_name(enum vsc_error_kind kind)
{
	if ((unsigned)kind < sizeof(kind_names) / sizeof(kind_names[0]) && kind_names[kind])
		return kind_names[kind];
	return "error";
}

struct vsc_error *vsc_error_vcreate(enum vsc_error_kind kind, const char *fmt, va_list ap)
{
	struct vsc_error *err = malloc(sizeof(*err));

	if (!err)
		return &vsc_error_nomem;
	if (vasprintf(&err->message, fmt, ap) < 0) {
		free(err);
		return &vsc_error_nomem;
	}
	err->kind = kind;
	return err;
}

struct vsc_error *vsc_error_create(enum vsc_error_kind kind, const char *fmt, ...)
{
	struct vsc_error *err;
	va_list ap;

	va_start(ap, fmt);
	err = vsc_error_vcreate(kind, fmt, ap);
	va_end(ap);
	return err;
}

struct vsc_error *vsc_error_wrap(struct vsc_error *err, const char *fmt, ...)
{
	char *ctx, *msg;
	va_list ap;

	if (!err || err == &vsc_error_nomem)
		return err;
	va_start(ap, fmt);
	if (vasprintf(&ctx, fmt, ap) < 0) {
		va_end(ap);
		return err;
	}
	va_end(ap);
	if (asprintf(&msg, "%s: %s", ctx, err->message) >= 0) {
		free(err->message);
		err->message = msg;
	}
	free(ctx);
	return err;
}

void vsc_error_destroy(struct vsc_error *err)
{
	if (!err || err == &vsc_error_nomem)
		return;
	free(err->message);
	free(err);
}

struct vsc_error *vsc_error_catch(struct vsc_error *err, enum vsc_error_kind kind)
{
	if (!vsc_error_is(err, kind))
		return err;
	vsc_error_destroy(err);
	return NULL;
}
