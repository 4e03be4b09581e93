// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Kernel-wide state: the panic message and uptime from the log, and what
 * crash's `sys` shows first (utsname, banner, taint, wall clock, CPU masks).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vtdscope/kernel.h>
#include <vtdscope/printk.h>
#include <vtdscope/symbols.h>
#include <vtdscope/types.h>

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

/* ---- what crash's `sys` shows first ----------------------------------------- */

/* The uts_namespace and new_utsname members read, resolved per call (once per run). */
enum { UTS_NAME, UTS_SYSNAME, UTS_NODENAME, UTS_RELEASE, UTS_VERSION, UTS_MACHINE,
       UTS_DOMAINNAME, UTS_NR };

struct vsc_error *vsc_read_utsname(struct vsc_target *t, struct vsc_utsname *out)
{
	struct vsc_layout_field f[UTS_NR] = {
		[UTS_NAME] = { .type = "struct uts_namespace", .member = "name", .required = true },
		[UTS_SYSNAME] = { .type = "struct new_utsname", .member = "sysname", .required = true },
		[UTS_NODENAME] = { .type = "struct new_utsname", .member = "nodename", .required = true },
		[UTS_RELEASE] = { .type = "struct new_utsname", .member = "release", .required = true },
		[UTS_VERSION] = { .type = "struct new_utsname", .member = "version", .required = true },
		[UTS_MACHINE] = { .type = "struct new_utsname", .member = "machine", .required = true },
		[UTS_DOMAINNAME] = { .type = "struct new_utsname", .member = "domainname", .required = true },
	};
	char *dst[UTS_NR] = { NULL, out->sysname, out->nodename, out->release, out->version,
			      out->machine, out->domainname };
	uint8_t buf[1024];
	uint64_t addr;
	size_t size;

	VSC_TRY(vsc_symbol_address(t, "init_uts_ns", &addr));
	VSC_TRY(vsc_layout_resolve(t, f, UTS_NR));
	size = f[UTS_NAME].info.size;
	if (size > sizeof(buf))
		return vsc_error_create(VSC_ERR_CORRUPT, "init_uts_ns.name is %zu bytes, more than %zu",
					size, sizeof(buf));
	VSC_TRY(vsc_read(t, addr + f[UTS_NAME].info.offset, buf, size, "init_uts_ns.name"));
	/* Each field is bounded by the buffer and by its own size: never NUL-less. */
	for (int i = UTS_SYSNAME; i < UTS_NR; i++)
		vsc_member_string(buf, size, 0, &f[i].info, dst[i], VSC_UTS_LEN);
	return NULL;
}

struct vsc_error *vsc_read_banner(struct vsc_target *t, char *buf, size_t size)
{
	uint64_t addr;

	VSC_TRY(vsc_symbol_address(t, "linux_banner", &addr));
	VSC_TRY(vsc_read_cstr(t, addr, buf, size, "linux_banner"));
	buf[strcspn(buf, "\n")] = '\0';
	return NULL;
}

/*
 * kernel/panic.c's taint_flags as of 6.15, with the names 6.12 gave them
 * (desc) and the meanings of Documentation/admin-guide/tainted-kernels.rst:
 * the bit numbers are ABI (/proc/sys/kernel/tainted), so this decodes any
 * kernel whose own table cannot be read.
 */
static const struct vsc_taint_flag known_taints[] = {
	{ 'P', true,  "PROPRIETARY_MODULE",    "proprietary module was loaded" },
	{ 'F', true,  "FORCED_MODULE",         "module was force loaded" },
	{ 'S', false, "CPU_OUT_OF_SPEC",       "kernel running on an out of specification system" },
	{ 'R', false, "FORCED_RMMOD",          "module was force unloaded" },
	{ 'M', false, "MACHINE_CHECK",         "processor reported a Machine Check Exception (MCE)" },
	{ 'B', false, "BAD_PAGE",              "bad page referenced or some unexpected page flags" },
	{ 'U', false, "USER",                  "taint requested by userspace application" },
	{ 'D', false, "DIE",                   "kernel died recently, i.e. there was an OOPS or BUG" },
	{ 'A', false, "OVERRIDDEN_ACPI_TABLE", "ACPI table overridden by user" },
	{ 'W', false, "WARN",                  "kernel issued warning" },
	{ 'C', true,  "CRAP",                  "staging driver was loaded" },
	{ 'I', false, "FIRMWARE_WORKAROUND",   "workaround for bug in platform firmware applied" },
	{ 'O', true,  "OOT_MODULE",            "externally-built (\"out-of-tree\") module was loaded" },
	{ 'E', true,  "UNSIGNED_MODULE",       "unsigned module was loaded" },
	{ 'L', false, "SOFTLOCKUP",            "soft lockup occurred" },
	{ 'K', true,  "LIVEPATCH",             "kernel has been live patched" },
	{ 'X', true,  "AUX",                   "auxiliary taint, defined for and used by distros" },
	{ 'T', true,  "RANDSTRUCT",            "kernel was built with the struct randomization plugin" },
	{ 'N', true,  "TEST",                  "an in-kernel test has been run" },
	{ 'J', true,  "FWCTL",                 "userspace used a mutating debug operation in fwctl" },
};

#define NR_KNOWN_TAINTS (sizeof(known_taints) / sizeof(known_taints[0]))

enum { TF_SIZE, TF_C_TRUE, TF_C_FALSE, TF_MODULE, TF_DESC, TF_NR };

/*
 * The dump's own taint_flags[]: as many entries as the symbol holds (its
 * size may include padding up to the next symbol), up to the first that is
 * not a flag (c_true an upper-case letter, c_false one or a blank).
 */
static struct vsc_error *read_taint_table(struct vsc_target *t, struct vsc_taint *out)
{
	struct vsc_layout_field f[TF_NR] = {
		[TF_SIZE] = { .type = "struct taint_flag", .member = NULL, .required = true },
		[TF_C_TRUE] = { .type = "struct taint_flag", .member = "c_true", .required = true },
		[TF_C_FALSE] = { .type = "struct taint_flag", .member = "c_false", .required = true },
		[TF_MODULE] = { .type = "struct taint_flag", .member = "module", .required = true },
		[TF_DESC] = { .type = "struct taint_flag", .member = "desc", .required = false },  /* 6.12 */
	};
	struct vsc_symbol sym;
	uint8_t buf[VSC_TAINT_MAX_FLAGS * 32];
	uint64_t esize, n;
	unsigned int i;

	VSC_TRY(vsc_symbol_by_name(t, "taint_flags", &sym));
	VSC_TRY(vsc_layout_resolve(t, f, TF_NR));
	esize = f[TF_SIZE].info.size;
	if (!esize || esize > sizeof(buf) / VSC_TAINT_MAX_FLAGS)
		return vsc_error_create(VSC_ERR_CORRUPT, "struct taint_flag is %llu bytes",
					(unsigned long long)esize);
	n = sym.size / esize;
	if (n > VSC_TAINT_MAX_FLAGS)
		n = VSC_TAINT_MAX_FLAGS;
	if (!n)
		return vsc_error_create(VSC_ERR_CORRUPT, "taint_flags has no entry (size %llu)",
					(unsigned long long)sym.size);
	VSC_TRY(vsc_read(t, sym.address, buf, n * esize, "taint_flags"));
	for (i = 0; i < n; i++) {
		const uint8_t *e = buf + i * esize;
		struct vsc_taint_flag *fl = &out->flags[i];
		uint64_t c_true = vsc_field_value(e, esize, &f[TF_C_TRUE]);
		uint64_t c_false = vsc_field_value(e, esize, &f[TF_C_FALSE]);
		uint64_t desc = vsc_field_value(e, esize, &f[TF_DESC]);

		if (c_true > 127 || !isupper((int)c_true) || c_false > 127 ||
		    !(c_false == ' ' || isupper((int)c_false)))
			break;
		fl->letter = (char)c_true;
		fl->module = vsc_field_value(e, esize, &f[TF_MODULE]) != 0;
		fl->name[0] = '\0';
		fl->meaning = i < NR_KNOWN_TAINTS && known_taints[i].letter == fl->letter ?
			      known_taints[i].meaning : NULL;
		if (desc && vsc_error_consume(vsc_read_cstr(t, desc, fl->name, sizeof(fl->name),
							      "taint_flags[].desc")))
			fl->name[0] = '\0';
		/* A name is an identifier ("OOT_MODULE"); anything else is not the kernel's. */
		for (char *p = fl->name; *p; p++)
			if (!isupper((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '_')
				fl->name[0] = '\0';
		if (!fl->name[0] && i < NR_KNOWN_TAINTS && known_taints[i].letter == fl->letter)
			snprintf(fl->name, sizeof(fl->name), "%s", known_taints[i].name);
		if (!fl->name[0])
			snprintf(fl->name, sizeof(fl->name), "TAINT_%u", i);
	}
	if (!i)
		return vsc_error_create(VSC_ERR_CORRUPT, "taint_flags[0] is not a taint flag");
	out->nr_flags = i;
	return NULL;
}

struct vsc_error *vsc_read_taint(struct vsc_target *t, struct vsc_taint *out)
{
	struct vsc_taint tt = { 0 };
	struct vsc_error *err;
	uint64_t addr;

	VSC_TRY(vsc_symbol_address(t, "tainted_mask", &addr));
	VSC_TRY(vsc_read_u64(t, addr, &tt.mask, "tainted_mask"));
	err = read_taint_table(t, &tt);
	if (err && err->kind == VSC_ERR_NOMEM)
		return err;
	tt.from_kernel = !err;
	if (err) {
		snprintf(tt.table_error, sizeof(tt.table_error), "%s", err->message);
		vsc_error_destroy(err);
		memcpy(tt.flags, known_taints, sizeof(known_taints));
		tt.nr_flags = NR_KNOWN_TAINTS;
	}
	*out = tt;
	return NULL;
}

enum { TK_XTIME_SEC, TK_MONO_CLOCK, TK_RAW_CLOCK, TK_NR };

/*
 * tk_core is `static struct { seqcount_raw_spinlock_t seq; struct timekeeper
 * timekeeper; } tk_core` (kernel/time/timekeeping.c), an anonymous struct no
 * type source names: the timekeeper follows the seqcount at the next 8-byte
 * boundary (struct timekeeper holds u64s).  Kernels that name it (struct
 * tk_data) are read by member.  Both clock pointers of the timekeeper must
 * agree and point into the kernel, or this is not the timekeeper.
 */
struct vsc_error *vsc_read_wall_clock(struct vsc_target *t, int64_t *sec)
{
	struct vsc_layout_field f[TK_NR] = {
		[TK_XTIME_SEC] = { .type = "struct timekeeper", .member = "xtime_sec", .required = true },
		[TK_MONO_CLOCK] = { .type = "struct timekeeper", .member = "tkr_mono.clock", .required = true },
		[TK_RAW_CLOCK] = { .type = "struct timekeeper", .member = "tkr_raw.clock", .required = true },
	};
	struct vsc_member_info m;
	uint64_t addr, tk, mono, raw, xsec, seq;

	VSC_TRY(vsc_symbol_address(t, "tk_core", &addr));
	VSC_TRY(vsc_layout_resolve(t, f, TK_NR));
	if (vsc_type_exists(t, "struct tk_data")) {
		VSC_TRY(vsc_member(t, "struct tk_data", "timekeeper", &m));
		tk = addr + m.offset;
	} else {
		VSC_TRY(vsc_type_size(t, "seqcount_raw_spinlock_t", &seq));
		tk = addr + ((seq + 7) & ~7ull);
	}
	VSC_TRY(vsc_read_member(t, tk, &f[TK_MONO_CLOCK].info, &mono, "tk_core.timekeeper.tkr_mono.clock"));
	VSC_TRY(vsc_read_member(t, tk, &f[TK_RAW_CLOCK].info, &raw, "tk_core.timekeeper.tkr_raw.clock"));
	if (mono != raw || mono >> 47 != 0x1ffff)
		return vsc_error_create(VSC_ERR_CORRUPT,
					"tk_core.timekeeper: clock pointers 0x%llx and 0x%llx are not one kernel clocksource",
					(unsigned long long)mono, (unsigned long long)raw);
	VSC_TRY(vsc_read_member(t, tk, &f[TK_XTIME_SEC].info, &xsec, "tk_core.timekeeper.xtime_sec"));
	if (xsec > INT64_MAX / 1000000000)
		return vsc_error_create(VSC_ERR_CORRUPT, "tk_core.timekeeper.xtime_sec %llu is not a time",
					(unsigned long long)xsec);
	*sec = (int64_t)xsec;
	return NULL;
}

struct vsc_error *vsc_read_cpumask(struct vsc_target *t, const char *name, bool *out,
				   unsigned int n)
{
	size_t words = ((size_t)n + 63) / 64;
	uint64_t addr, *mask;
	struct vsc_error *err;

	VSC_TRY(vsc_symbol_address(t, name, &addr));
	mask = calloc(words ? words : 1, 8);
	if (!mask)
		return &vsc_error_nomem;
	err = vsc_read(t, addr, mask, words * 8, name);
	for (unsigned int c = 0; !err && c < n; c++)
		out[c] = (mask[c / 64] >> (c % 64)) & 1;
	free(mask);
	return err;
}
