/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef VTDSCOPE_CLI_H
#define VTDSCOPE_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include <vtdscope/target.h>

/* Exit status (documented in vtdscope(1)). */
enum vsc_exit {
	VSC_EXIT_OK = 0,         /* ran, nothing wrong found */
	VSC_EXIT_FINDINGS = 1,   /* ran, findings of warning severity or worse */
	VSC_EXIT_USAGE = 2,      /* bad command line */
	VSC_EXIT_INPUT = 3,      /* the dump (or vmlinux) could not be read */
	VSC_EXIT_INTERNAL = 4,
	VSC_EXIT_INCOMPLETE = 5, /* ran, found nothing of warning severity or worse, but part
				  * of the analysis failed (report errors): no verdict of health */
};

struct cli_options {
	const char *vmlinux;
	enum vsc_types_source types;
	enum vsc_unwinder unwinder;
	const char *format;      /* text, json, markdown */
	const char *output;      /* -o FILE */
	bool redact, verbose, color;
	/* positional and command-specific */
	int argc;
	char **argv;
};

#define CMD(name, fn, synopsis, desc) int fn(struct cli_options *opts);
#include "commands.def"
#undef CMD

/* Opens argv[0] as the target, printing a one-line error on failure. */
int cli_open_target(struct cli_options *opts, const char *path, struct vsc_target **out);
/*
 * For the commands that print no report (log, sym, type): the target's
 * diagnostics as "vtdscope: warning: ..." (or "vtdscope: error: ...", when
 * the output is incomplete because of it) lines on stderr; true if one of
 * them made the output incomplete.
 */
bool cli_print_diagnostics(const struct vsc_target *t);
/* Prints "vtdscope: <message>" for an error, consuming it. */
void cli_error(struct vsc_error *err);
/* Option lookup inside opts->argv: "--unit X" / "--unit=X". */
const char *cli_opt_value(struct cli_options *opts, const char *name);
bool cli_opt_flag(struct cli_options *opts, const char *name);

struct vsc_report;
struct vsc_analysis_options;
int cli_render(struct cli_options *opts, const struct vsc_report *rep);
/*
 * The exit status a report stands for: 1 with a finding of warning severity
 * or worse, else 5 when the report has errors (part of the analysis failed),
 * else 0.
 */
int cli_exit_for(const struct vsc_report *rep);
/*
 * Run analyzers on @t into @rep: the named ones, or with @names NULL every
 * built-in analyzer in report order.  `report`, the focused commands and
 * `batch` all analyze through here.
 */
void cli_analyze(struct vsc_target *t, struct vsc_report *rep, const char *title,
		 const char *path, const char *const *names, size_t n,
		 const struct vsc_analysis_options *aopts);
/* Open argv[0], run the named analyzers (NULL: all) into one report, render it. */
int cli_run_analyzers(struct cli_options *opts, const char *title, const char *const *names,
		      size_t n, const struct vsc_analysis_options *aopts);

#endif
