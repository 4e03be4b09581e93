// SPDX-License-Identifier: GPL-2.0-or-later
/* The "system" analyzer: what kernel, which CPUs, what happened, and the log lines that matter. */
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

static struct vsc_error *system_run(struct vsc_analysis *a)
{
	struct vsc_target *t = a->target;
	const struct vsc_target_info *in = vsc_target_info(t);
	struct vsc_section *s = vsc_report_section(a->report, "system", "System");
	char *panic = NULL;
	uint64_t panic_ts = 0, last = 0;
	unsigned int online = 0;
	const struct vsc_log_records *log;
	const void *p;

	for (unsigned int c = 0; c < vsc_nr_cpus(t); c++)
		online += vsc_cpu_online(t, c);
	vsc_section_kv(s, "release", vsc_val_str(in->release));
	vsc_section_kv(s, "build_id", in->build_id ? vsc_val_str(in->build_id) : vsc_val_absent("no BUILD-ID in VMCOREINFO"));
	vsc_section_kv(s, "arch", vsc_val_str(in->arch));
	vsc_section_kv(s, "paging_levels", vsc_val_uint(in->paging_levels));
	vsc_section_kv(s, "kaslr_offset", vsc_val_sensitive(vsc_val_hex(in->kaslr_offset)));
	vsc_section_kv(s, "phys_base", vsc_val_sensitive(vsc_val_hex(in->phys_base)));
	vsc_section_kv(s, "page_offset_base", in->page_offset_base ? vsc_val_addr(in->page_offset_base)
								   : vsc_val_absent("no page_offset_base symbol"));
	vsc_section_kv(s, "cpus_possible", vsc_val_uint(vsc_nr_cpus(t)));
	vsc_section_kv(s, "cpus_online", vsc_val_uint(online));
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

const struct vsc_analyzer vsc_analyzer_system = {
	.abi = VSC_ANALYZER_ABI,
	.name = "system",
	.summary = "kernel release, CPUs, panic, dump format and the log lines that matter",
	.run = system_run,
};
