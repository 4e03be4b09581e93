// SPDX-License-Identifier: GPL-2.0-or-later
/* Panic message and uptime from the log. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include <vtdscope/kernel.h>
#include <vtdscope/printk.h>

#include "target_internal.h"

static const char *const panic_prefixes[] = {
	"Kernel panic - not syncing:", "BUG: ", "kernel BUG at", "Oops:",
	"watchdog: BUG: soft lockup", "Watchdog detected hard LOCKUP",
};

struct panic_scan {
	char *msg;
	uint64_t ts;
	int rank;
};

static int panic_cb(void *arg, const struct vsc_log_record *rec)
{
	struct panic_scan *ps = arg;

	for (size_t i = 0; i < sizeof(panic_prefixes) / sizeof(panic_prefixes[0]); i++) {
		size_t n = strlen(panic_prefixes[i]);
		const char *p = memmem(rec->text, rec->text_len, panic_prefixes[i], n);
		int rank = i == 0 ? 2 : 1;

		if (!p || (ps->msg && rank < ps->rank) || (ps->msg && rank == ps->rank && rank == 1))
			continue;
		/* "---[ end Kernel panic - not syncing: ... ]---" repeats the real line. */
		if (p - rec->text >= 9 && !memcmp(p - 9, "---[ end ", 9) && ps->msg)
			continue;
		/* The panic line wins; otherwise the first oops/BUG line. */
		free(ps->msg);
		ps->msg = strndup(p, rec->text_len - (size_t)(p - rec->text));
		if (ps->msg) {
			char *end;

			ps->msg[strcspn(ps->msg, "\n")] = '\0';
			end = strstr(ps->msg, " ]---");
			if (end)
				*end = '\0';
		}
		ps->ts = rec->ts_nsec;
		ps->rank = rank;
		break;
	}
	return 0;
}

char *vsc_log_panic_message(const struct vsc_log_record *recs, size_t n, uint64_t *ts_nsec)
{
	struct panic_scan ps = { 0 };

	for (size_t i = 0; i < n; i++)
		panic_cb(&ps, &recs[i]);
	if (ts_nsec)
		*ts_nsec = ps.ts;
	return ps.msg;
}

struct vsc_error *vsc_panic_message(struct vsc_target *t, char **msg, uint64_t *ts_nsec)
{
	struct panic_scan ps = { 0 };

	VSC_TRY(vsc_log_foreach(t, panic_cb, &ps));
	*msg = ps.msg;
	if (ts_nsec)
		*ts_nsec = ps.ts;
	return NULL;
}

static int last_cb(void *arg, const struct vsc_log_record *rec)
{
	uint64_t *ts = arg;

	if (rec->ts_nsec > *ts)
		*ts = rec->ts_nsec;
	return 0;
}

struct vsc_error *vsc_log_last_ts(struct vsc_target *t, uint64_t *ts_nsec)
{
	uint64_t ts = 0;

	VSC_TRY(vsc_log_foreach(t, last_cb, &ts));
	*ts_nsec = ts;
	return NULL;
}
