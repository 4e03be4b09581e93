// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The "system" analyzer: what kernel, which CPUs, what happened, and the log
 * lines that matter.  First what crash's `sys` shows: the kernel's names
 * (utsname, banner), its taint decoded with its own taint_flags, when the
 * dump was taken, and why CPUs are offline, read from the kernel's state.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vtdscope/analyzer.h>
#include <vtdscope/kernel.h>
#include <vtdscope/printk.h>
#include <vtdscope/report.h>
#include <vtdscope/target.h>

/* Log lines a lockup triage wants to see.  Substring matches. */
static const char *const interesting[] = {
	"DMAR", "Kernel panic", "rcu: INFO: rcu_", "rcu_sched self-detected stall",
	"rcu_preempt self-detected stall", "detected stalls on CPUs", "soft lockup",
	"hard LOCKUP", "NMI backtrace for cpu", "blocked for more than", "BUG:", "Oops:",
	"IOMMU", "iommu", "Watchdog detected", "watchdog:",
};

#define REPEAT_WINDOW 8

struct log_scan {
	struct vsc_code *code;
	unsigned int kept, max;
	unsigned int dropped;
	/* A repeating message (a stuck loop's log) is shown once, then counted. */
	char recent[REPEAT_WINDOW][320];
	unsigned int nrecent, repeats;
	uint64_t first_repeat_ts, last_repeat_ts;
};

static void flush_repeats(struct log_scan *ls)
{
	if (!ls->repeats)
		return;
	vsc_code_line(ls->code, "    ... %u more lines repeating the above, until [%5" PRIu64 ".%06" PRIu64 "]",
		      ls->repeats, ls->last_repeat_ts / 1000000000, (ls->last_repeat_ts / 1000) % 1000000);
	ls->repeats = 0;
}

static bool seen_recently(struct log_scan *ls, const char *line)
{
	for (unsigned int i = 0; i < ls->nrecent && i < REPEAT_WINDOW; i++)
		if (!strncmp(ls->recent[i], line, sizeof(ls->recent[i]) - 1))
			return true;
	snprintf(ls->recent[ls->nrecent % REPEAT_WINDOW], sizeof(ls->recent[0]), "%s", line);
	ls->nrecent++;
	return false;
}

static int log_cb(void *arg, const struct vsc_log_record *rec)
{
	struct log_scan *ls = arg;
	char line[320];
	size_t n = rec->text_len < sizeof(line) - 1 ? rec->text_len : sizeof(line) - 1;
	bool hit = false;

	memcpy(line, rec->text, n);
	line[n] = '\0';
	for (char *p = line; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	for (size_t i = 0; i < sizeof(interesting) / sizeof(interesting[0]); i++)
		if (strstr(line, interesting[i]))
			hit = true;
	if (!hit)
		return 0;
	if (seen_recently(ls, line)) {
		ls->repeats++;
		ls->last_repeat_ts = rec->ts_nsec;
		return 0;
	}
	flush_repeats(ls);
	if (ls->kept >= ls->max) {
		ls->dropped++;
		return 0;
	}
	ls->kept++;
	vsc_code_line(ls->code, "[%5" PRIu64 ".%06" PRIu64 "] %s", rec->ts_nsec / 1000000000,
		      (rec->ts_nsec / 1000) % 1000000, line);
	return 0;
}

/* The host name as a HOST value (--redact blanks it); the kernel's default is no host name. */
#define DEFAULT_NODENAME "(none)"       /* UTS_NODENAME */

/* utsname, banner: release first, then the names crash's `sys` shows. */
static void add_names(struct vsc_section *s, struct vsc_target *t,
		      const struct vsc_target_info *in)
{
	struct vsc_utsname uts;
	struct vsc_error *err = vsc_read_utsname(t, &uts);
	char banner[512], why[256];

	vsc_section_kv(s, "release", vsc_val_str(in->release));
	if (err) {
		snprintf(why, sizeof(why), "init_uts_ns unreadable: %s", err->message);
		vsc_error_destroy(err);
		vsc_section_kv(s, "version", vsc_val_absent(why));
		vsc_section_kv(s, "hostname", vsc_val_absent(why));
	} else {
		vsc_section_kv(s, "version", vsc_val_str(uts.version));
		vsc_section_kv(s, "hostname", !uts.nodename[0] ? vsc_val_absent("empty nodename") :
				  !strcmp(uts.nodename, DEFAULT_NODENAME) ?
				  vsc_val_str(DEFAULT_NODENAME) : vsc_val_host(uts.nodename));
	}
	err = vsc_read_banner(t, banner, sizeof(banner));
	if (err) {
		snprintf(why, sizeof(why), "linux_banner unreadable: %s", err->message);
		vsc_error_destroy(err);
	}
	vsc_section_kv(s, "banner", err ? vsc_val_absent(why) : vsc_val_str(banner));
}

static const struct vsc_column taint_columns[] = {
	{ .name = "bit", .kind = VSC_VAL_UINT },
	{ .name = "flag", .kind = VSC_VAL_STR },
	{ .name = "name", .kind = VSC_VAL_STR },
	{ .name = "meaning", .kind = VSC_VAL_STR },
};

/*
 * tainted_mask, as the kernel prints it in a backtrace since 6.12
 * ("[O]=OOT_MODULE, [E]=UNSIGNED_MODULE"); @err (consumed): why it is unknown.
 */
static void add_taint(struct vsc_section *s, const struct vsc_taint *tt, struct vsc_error *err)
{
	char text[1024], why[256];
	size_t len = 0;
	unsigned int unknown = 0;

	if (err) {
		snprintf(why, sizeof(why), "tainted_mask unreadable: %s", err->message);
		vsc_error_destroy(err);
		vsc_section_kv(s, "tainted", vsc_val_absent(why));
		vsc_section_kv(s, "taint", vsc_val_absent(why));
		return;
	}
	vsc_section_kv(s, "tainted", vsc_val_hex(tt->mask));
	text[0] = '\0';
	for (unsigned int i = 0; i < 64; i++) {
		const struct vsc_taint_flag *fl = i < tt->nr_flags ? &tt->flags[i] : NULL;

		if (!(tt->mask >> i & 1))
			continue;
		unknown += !fl;
		if (len < sizeof(text))
			len += (size_t)snprintf(text + len, sizeof(text) - len, "%s[%c]=%s",
						len ? ", " : "", fl ? fl->letter : '?',
						fl ? fl->name : "?");
	}
	vsc_section_kv(s, "taint", vsc_val_str(tt->mask ? text : "not tainted"));
	if (!tt->from_kernel)
		vsc_section_note(s, "taint letters from vtdscope's copy of kernel/panic.c: the dump's "
				 "taint_flags could not be read (%s)", tt->table_error);
	if (unknown)
		vsc_section_warning(s, VSC_ERR_CORRUPT, "tainted_mask 0x%llx sets %u bit(s) past the "
				    "%u taint flags %s: not a mask the kernel wrote",
				    (unsigned long long)tt->mask, unknown, tt->nr_flags,
				    tt->from_kernel ? "this kernel has" : "any kernel vtdscope knows has");
}

/* Each taint flag set, with its meaning. */
static void add_taint_table(struct vsc_section *s, const struct vsc_taint *tt)
{
	struct vsc_table *tb;

	if (!tt->mask)
		return;
	tb = vsc_section_table(s, "taint_flags", "Taint flags set", taint_columns,
			       VSC_ARRAY_SIZE(taint_columns));
	for (unsigned int i = 0; i < tt->nr_flags && i < 64; i++) {
		char letter[2] = { tt->flags[i].letter, 0 };

		if (tt->mask >> i & 1)
			vsc_table_row(tb, vsc_val_uint(i), vsc_val_str(letter),
				      vsc_val_str(tt->flags[i].name), vsc_val_str(tt->flags[i].meaning));
	}
}

/* "1-3,5" (the kernel's cpulist format) of the CPUs with @pick[cpu]. */
static void cpulist(const bool *pick, unsigned int n, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (unsigned int c = 0; c < n && len < size; c++) {
		unsigned int e = c;

		if (!pick[c])
			continue;
		while (e + 1 < n && pick[e + 1])
			e++;
		len += (size_t)(e > c ? snprintf(buf + len, size - len, "%s%u-%u", len ? "," : "", c, e)
				      : snprintf(buf + len, size - len, "%s%u", len ? "," : "", c));
		c = e;
	}
}

enum offline_why { OFF_STOPPED, OFF_DOWN, OFF_ABSENT, OFF_UNKNOWN, OFF_NR };

/*
 * Why each offline CPU is offline, from the kernel's masks.  smp_send_stop()
 * (panic, reboot, kexec) runs stop_this_cpu() on the other CPUs, which takes
 * each out of cpu_online_mask only; CPU hot-unplug takes a CPU out of
 * cpu_active_mask first (sched_cpu_deactivate()).  So offline but still
 * active is stopped; offline and inactive is taken down (or never brought
 * up); not present is a possible CPU with no processor behind it.
 */
static struct vsc_error *add_cpus(struct vsc_section *s, struct vsc_target *t)
{
	static const char *const why_text[OFF_NR] = {
		[OFF_STOPPED] = "(stop_this_cpu(): out of cpu_online_mask, still in cpu_active_mask)",
		[OFF_DOWN] = "offline (out of cpu_active_mask too: taken down or never brought up)",
		[OFF_ABSENT] = "not present (possible only: no processor behind the CPU number)",
		[OFF_UNKNOWN] = "offline, why unknown",
	};
	unsigned int n = vsc_nr_cpus(t), online = 0, noff = 0;
	size_t cells = n ? n : 1, len = 0;
	bool *active = calloc(cells, sizeof(bool)), *present = calloc(cells, sizeof(bool));
	bool *group = calloc(cells, sizeof(bool));
	int *why = calloc(cells, sizeof(int));
	struct vsc_value *off = calloc(cells, sizeof(*off));
	struct vsc_error *err = NULL;
	int panic_cpu = vsc_panic_cpu(t);
	char reasons[1024], list[512], stopped[64], masks[256] = "";

	if (!active || !present || !group || !why || !off) {
		err = &vsc_error_nomem;
		goto out;
	}
	err = vsc_read_cpumask(t, "__cpu_active_mask", active, n);
	if (!err)
		err = vsc_read_cpumask(t, "__cpu_present_mask", present, n);
	if (err)
		snprintf(masks, sizeof(masks), ": %s", err->message);
	for (unsigned int c = 0; c < n; c++) {
		if (vsc_cpu_online(t, c)) {
			why[c] = -1;
			online++;
			continue;
		}
		why[c] = err ? OFF_UNKNOWN : !present[c] ? OFF_ABSENT : active[c] ? OFF_STOPPED : OFF_DOWN;
		off[noff++] = vsc_val_uint(c);
	}
	if (panic_cpu >= 0)
		snprintf(stopped, sizeof(stopped), "stopped by the panic on CPU %d ", panic_cpu);
	else
		snprintf(stopped, sizeof(stopped), "stopped%s ", panic_cpu == -1 ?
			 " with no panic (a reboot, halt or kexec)" : "");
	reasons[0] = '\0';
	for (int w = 0; w < OFF_NR && len < sizeof(reasons); w++) {
		bool any = false;

		for (unsigned int c = 0; c < n; c++)
			any |= group[c] = why[c] == w;
		if (!any)
			continue;
		cpulist(group, n, list, sizeof(list));
		len += (size_t)snprintf(reasons + len, sizeof(reasons) - len, "%s%s: %s%s%s",
					len ? "; " : "", list, w == OFF_STOPPED ? stopped : "",
					why_text[w], w == OFF_UNKNOWN ? masks : "");
	}
	vsc_section_kv(s, "cpus_possible", vsc_val_uint(n));
	vsc_section_kv(s, "cpus_online", vsc_val_uint(online));
	vsc_section_kv(s, "cpus_offline", vsc_val_list(off, noff));
	vsc_section_kv(s, "offline_why", noff ? vsc_val_str(reasons) :
				       vsc_val_absent("every CPU is online"));
	/* A mask that cannot be read leaves the reason unknown, said above: not a failure. */
	if (!vsc_error_is(err, VSC_ERR_NOMEM)) {
		vsc_error_destroy(err);
		err = NULL;
	}
out:
	free(active);
	free(present);
	free(group);
	free(why);
	free(off);
	return err;
}

/*
 * When the dump was taken: VMCOREINFO's CRASHTIME (kdump writes it when it
 * saves the crash), else the kernel's own clock at its last tick (what
 * crash's `sys` shows as DATE); absent, with both reasons, when neither.
 */
static void add_dump_time(struct vsc_section *s, struct vsc_target *t,
			  const struct vsc_target_info *in)
{
	struct vsc_error *err;
	int64_t sec;
	char why[256];

	if (in->crashtime && in->crash_time <= INT64_MAX / 1000000000) {
		vsc_section_kv(s, "dump_time", vsc_val_time_wall((int64_t)in->crash_time * 1000000000));
		vsc_section_kv(s, "dump_time_source", vsc_val_str("VMCOREINFO CRASHTIME (kdump at the crash)"));
		return;
	}
	if (in->crashtime)
		vsc_section_warning(s, VSC_ERR_CORRUPT, "VMCOREINFO CRASHTIME %llu is not a time",
				    (unsigned long long)in->crash_time);
	err = vsc_read_wall_clock(t, &sec);
	if (!err) {
		vsc_section_kv(s, "dump_time", vsc_val_time_wall(sec * 1000000000));
		vsc_section_kv(s, "dump_time_source", vsc_val_str(in->live ?
			"the kernel's clock now (tk_core.timekeeper.xtime_sec)" :
			"the kernel's clock at its last tick before the dump (tk_core.timekeeper.xtime_sec)"));
		return;
	}
	snprintf(why, sizeof(why), "%s, and the kernel's clock is unreadable: %s",
		 in->crashtime ? "VMCOREINFO's CRASHTIME is not a time" : "no CRASHTIME in VMCOREINFO",
		 err->message);
	vsc_error_destroy(err);
	vsc_section_kv(s, "dump_time", vsc_val_absent(why));
}

static struct vsc_error *system_run(struct vsc_analysis *a)
{
	struct vsc_target *t = a->target;
	const struct vsc_target_info *in = vsc_target_info(t);
	struct vsc_section *s = vsc_report_section(a->report, "system", "System");
	char *panic = NULL;
	uint64_t panic_ts = 0, last = 0;
	const struct vsc_log_records *log;
	struct vsc_error *taint_err;
	struct vsc_taint taint = { 0 };
	const void *p;

	add_names(s, t, in);
	vsc_section_kv(s, "build_id", in->build_id ? vsc_val_str(in->build_id) : vsc_val_absent("no BUILD-ID in VMCOREINFO"));
	vsc_section_kv(s, "arch", vsc_val_str(in->arch));
	vsc_section_kv(s, "paging_levels", vsc_val_uint(in->paging_levels));
	vsc_section_kv(s, "kaslr_offset", vsc_val_sensitive(vsc_val_hex(in->kaslr_offset)));
	vsc_section_kv(s, "phys_base", vsc_val_sensitive(vsc_val_hex(in->phys_base)));
	vsc_section_kv(s, "page_offset_base", in->page_offset_base ? vsc_val_addr(in->page_offset_base)
								   : vsc_val_absent("no page_offset_base symbol"));
	taint_err = vsc_read_taint(t, &taint);
	if (vsc_error_is(taint_err, VSC_ERR_NOMEM))
		return taint_err;
	add_taint(s, &taint, taint_err);
	VSC_TRY(add_cpus(s, t));
	vsc_section_kv(s, "cpus_with_registers", vsc_val_uint(in->nr_prstatus));
	vsc_section_kv(s, "panic_cpu", vsc_panic_cpu(t) >= 0 ? vsc_val_int(vsc_panic_cpu(t)) :
				       vsc_panic_cpu(t) == VSC_PANIC_CPU_UNKNOWN ?
				       vsc_val_absent("unknown: panic_cpu could not be read") :
				       vsc_val_absent("no CPU panicked"));
	VSC_TRY(vsc_analysis_get(a, VSC_PRODUCT_LOG, &p));
	log = p;
	panic = vsc_log_panic_message(log->records, log->nr, &panic_ts);
	vsc_section_kv(s, "panic", panic ? vsc_val_str(panic) : vsc_val_absent("no panic or oops in the log"));
	free(panic);
	add_dump_time(s, t, in);
	for (size_t i = 0; i < log->nr; i++)
		if (log->records[i].ts_nsec > last)
			last = log->records[i].ts_nsec;
	if (log->nr)
		vsc_section_kvf(s, "uptime", "%" PRIu64 ".%06" PRIu64 " s (last log record)",
				last / 1000000000, (last / 1000) % 1000000);
	vsc_section_kvf(s, "dump_format", "%s%s", in->format, in->live ? " (live kernel)" : "");
	vsc_section_kv(s, "dump_kind", vsc_val_str(in->live ? "live" : in->crashtime ?
						   "kdump at crash time" : "snapshot (hypervisor or live copy)"));
	vsc_section_kv(s, "symbols", in->symbols_source ? vsc_val_str(in->symbols_source) : vsc_val_absent(NULL));
	vsc_section_kv(s, "types", in->types_source ? vsc_val_str(in->types_source) : vsc_val_absent(NULL));
	if (in->vmlinux)
		vsc_section_kv(s, "vmlinux", vsc_val_str(in->vmlinux));
	vsc_section_kv(s, "unwinder", vsc_val_str(
		in->unwinder == VSC_UNWINDER_ORC || !in->vmlinux ? "ORC from the dump" :
		in->unwinder == VSC_UNWINDER_CFI ? "DWARF CFI of the vmlinux; ORC for entry code and modules" :
		"ORC from the dump; DWARF CFI of the vmlinux where ORC has none"));

	if (!taint_err)
		add_taint_table(s, &taint);
	{
		struct log_scan ls = { .max = a->opts.verbose ? 2000 : 60 };

		ls.code = vsc_section_code(s, "log", "Kernel log lines that matter");
		for (size_t i = 0; i < log->nr; i++)
			log_cb(&ls, &log->records[i]);
		flush_repeats(&ls);
		if (log->error)
			vsc_section_take_error(s, vsc_error_create(log->error->kind, "%s",
								   log->error->message),
					       "kernel log");
		if (ls.dropped)
			vsc_section_note(s, "%u more matching log lines (use --verbose or `vtdscope log`)",
					 ls.dropped);
	}
	return NULL;
}

/* Where the DWARF backend finds the types of the system facts. */
#define UTSNAME "copy_utsname", "kernel/utsname.c", "init/version.c"
#define TIMEKEEPING "ktime_get_real_seconds", "kernel/time/timekeeping.c"
static const struct vsc_type_hint system_type_hints[] = {
	{ "uts_namespace", { UTSNAME } },
	{ "new_utsname", { UTSNAME } },
	{ "taint_flag", { "print_tainted", "kernel/panic.c" } },
	{ "timekeeper", { TIMEKEEPING } },
	{ "tk_data", { TIMEKEEPING } },
	{ "seqcount_raw_spinlock_t", { TIMEKEEPING } },
};

const struct vsc_analyzer vsc_analyzer_system = {
	.abi = VSC_ANALYZER_ABI,
	.name = "system",
	.summary = "kernel release and names, taint, CPUs and why they are offline, panic, dump time and format, the log lines that matter",
	.run = system_run,
	.type_hints = system_type_hints,
	.nr_type_hints = VSC_ARRAY_SIZE(system_type_hints),
};
