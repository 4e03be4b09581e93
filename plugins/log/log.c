// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The "log" analyzer (`vtdscope log`): the kernel log, decoded once per run
 * (VSC_PRODUCT_LOG), as a table of records: time since boot, level, text.
 * It runs on request, with the levels and the expression asked for
 * (vsc_analysis_options.log_levels, .log_grep).
 */
#define _GNU_SOURCE
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include <vtdscope/analyzer.h>
#include <vtdscope/printk.h>
#include <vtdscope/report.h>

#define NR_LEVELS 8     /* KERN_EMERG (0) to KERN_DEBUG (7) */

static const struct vsc_column log_columns[] = {
	{ .name = "time", .kind = VSC_VAL_TIME },
	{ .name = "level", .kind = VSC_VAL_UINT },
	{ .name = "text", .kind = VSC_VAL_STR },
};

/* A record's text, NUL-terminated, its control characters but newline and tab as '?'. */
static char *record_text(const struct vsc_log_record *rec)
{
	char *line = strndup(rec->text, rec->text_len);

	for (char *p = line; p && *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t')
			*p = '?';
	return line;
}

static bool level_wanted(unsigned int levels, int level)
{
	if (!levels)
		return true;
	return level >= 0 && level < NR_LEVELS && (levels >> level & 1);
}

static struct vsc_error *log_run(struct vsc_analysis *a)
{
	const char *grep = a->opts.log_grep;
	struct vsc_section *s = vsc_report_section(a->report, "log", "Kernel log");
	const struct vsc_log_records *log;
	struct vsc_error *err;
	struct vsc_table *tb;
	const void *p;
	regex_t re;

	if (grep && regcomp(&re, grep, REG_EXTENDED | REG_NOSUB))
		return vsc_error_create(VSC_ERR_USAGE, "invalid regular expression '%s'", grep);
	err = vsc_analysis_get(a, VSC_PRODUCT_LOG, &p);
	if (err)
		goto out;
	log = p;
	tb = vsc_section_table(s, "records", NULL, log_columns, VSC_ARRAY_SIZE(log_columns));
	for (size_t i = 0; i < log->nr; i++) {
		const struct vsc_log_record *rec = &log->records[i];
		char *line;

		if (!level_wanted(a->opts.log_levels, rec->level))
			continue;
		line = record_text(rec);
		if (!line) {
			err = &vsc_error_nomem;
			goto out;
		}
		if (!grep || !regexec(&re, line, 0, NULL, 0))
			vsc_table_row(tb, vsc_val_time_boot(rec->ts_nsec),
				      vsc_val_uint((uint64_t)rec->level), vsc_val_str(line));
		free(line);
	}
	/* What could be read is shown; what could not makes the log incomplete. */
	if (log->error)
		vsc_section_take_error(s, vsc_error_create(log->error->kind, "%s", log->error->message),
				       "kernel log");
out:
	if (grep)
		regfree(&re);
	return err;
}

const struct vsc_analyzer vsc_analyzer_log = {
	.abi = VSC_ANALYZER_ABI,
	.name = "log",
	.summary = "the kernel log (printk ring): every record, or those of the levels and text asked for",
	.run = log_run,
	.on_request = true,
};
