/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One error type for the whole engine.
 *
 * Fallible functions return a struct vsc_error * (NULL on success) and write
 * their results through out-parameters only on success.  Errors gain context
 * on the way up with vsc_error_wrap(): the final message reads outermost
 * first, e.g. "dmar0 qi: reading desc_status[17] at 0xffff...: page not in dump".
 * Messages are lowercase and say what failed first.
 */
#ifndef VTDSCOPE_ERROR_H
#define VTDSCOPE_ERROR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * On every function that returns a struct vsc_error *: dropping the result
 * leaks the error and hides a failure.  Handle it, pass it up, or say that
 * it is deliberately ignored with vsc_error_consume().
 */
#define VSC_MUST_CHECK __attribute__((warn_unused_result))

enum vsc_error_kind {
	VSC_ERR_OTHER = 0,
	VSC_ERR_NOMEM,
	VSC_ERR_USAGE,      /* bad arguments from the user */
	VSC_ERR_IO,         /* cannot open / read a host file */
	VSC_ERR_FORMAT,     /* input is not a dump we can read */
	VSC_ERR_NODATA,     /* target memory not present in the dump */
	VSC_ERR_NOTFOUND,   /* symbol, type or member not found */
	VSC_ERR_CORRUPT,    /* impossible value read from the target */
	VSC_ERR_MISMATCH,   /* vmlinux does not belong to the dump */
	VSC_ERR_UNSUPPORTED,
};

struct vsc_error {
	enum vsc_error_kind kind;
	char *message;
};

struct vsc_error *vsc_error_create(enum vsc_error_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 2, 3))) VSC_MUST_CHECK;
struct vsc_error *vsc_error_vcreate(enum vsc_error_kind kind, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0))) VSC_MUST_CHECK;

/* Prefix @err's message with "context: ".  Returns @err (NULL stays NULL). */
struct vsc_error *vsc_error_wrap(struct vsc_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* No-op on NULL and on the static out-of-memory error. */
void vsc_error_destroy(struct vsc_error *err);

const char *vsc_error_kind_name(enum vsc_error_kind kind);

/* Does @err (not NULL) have @kind?  Borrows @err. */
static inline bool vsc_error_is(const struct vsc_error *err, enum vsc_error_kind kind)
{
	return err && err->kind == kind;
}

/*
 * Catch one kind: an error of @kind is destroyed and NULL returned (handled);
 * any other error is returned unchanged for the caller to pass up.
 *	err = vsc_error_catch(vsc_symbol_address(t, "x", &a), VSC_ERR_NOTFOUND);
 */
struct vsc_error *vsc_error_catch(struct vsc_error *err, enum vsc_error_kind kind) VSC_MUST_CHECK;

/*
 * Deliberately ignore a result: destroys @err and says whether there was one.
 *	if (!vsc_error_consume(vsc_read_u64(t, a, &v, "x"))) use(v);
 * Use it only where failing is an expected, reported-elsewhere outcome.
 */
static inline bool vsc_error_consume(struct vsc_error *err)
{
	bool failed = err != NULL;

	vsc_error_destroy(err);
	return failed;
}

/* The static error returned when allocation fails. */
extern struct vsc_error vsc_error_nomem;

/* Scope guard: struct vsc_error *err __vsc_cleanup_error = NULL; */
static inline void vsc_error_cleanup(struct vsc_error **errp)
{
	vsc_error_destroy(*errp);
}
#define __vsc_cleanup_error __attribute__((cleanup(vsc_error_cleanup)))

/* Propagate: if (expr) fails, return its error. */
#define VSC_TRY(expr)                                  \
	do {                                           \
		struct vsc_error *_vsc_err = (expr);   \
		if (_vsc_err)                          \
			return _vsc_err;               \
	} while (0)

#endif /* VTDSCOPE_ERROR_H */
