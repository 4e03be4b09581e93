/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kernel log: lockless printk ring (5.10+) or the older log_buf. */
#ifndef VTDSCOPE_PRINTK_H
#define VTDSCOPE_PRINTK_H

#include <stddef.h>
#include <stdint.h>

#include <vtdscope/error.h>

struct vsc_target;

struct vsc_log_record {
	uint64_t seq;
	uint64_t ts_nsec;       /* local_clock() ns since boot */
	int level;              /* 0..7 */
	int facility;
	uint32_t caller_id;     /* bit 31 set: CPU id in low bits; else a pid; 0 if unknown */
	const char *text;       /* not NUL-terminated inside; use text_len */
	size_t text_len;
};

/* Return non-zero from the callback to stop early. */
typedef int (*vsc_log_fn)(void *arg, const struct vsc_log_record *rec);

/* Records in ascending sequence order. */
struct vsc_error *vsc_log_foreach(struct vsc_target *t, vsc_log_fn fn, void *arg) VSC_MUST_CHECK;

/* Formats the caller as "T123" or "C2" into buf. */
void vsc_log_caller(uint32_t caller_id, char *buf, size_t size);

#endif
