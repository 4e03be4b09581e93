/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef VTDSCOPE_CLI_H
#define VTDSCOPE_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include <vtdscope/report.h>
#include <vtdscope/target.h>

/* Exit status (documented in vtdscope(1)). */
enum vsc_exit {
	VSC_EXIT_OK = 0,         /* ran, nothing wrong found */
	VSC_EXIT_FINDINGS = 1,   /* ran, findings of warning severity or worse */
	VSC_EXIT_USAGE = 2,      /* bad command line */
	VSC_EXIT_INPUT = 3,      /* the dump (or vmlinux) could not be read */
	VSC_EXIT_INTERNAL = 4,   /* out of memory, a failed write, a crashed batch worker */
	VSC_EXIT_INCOMPLETE = 5, /* ran, found nothing of warning severity or worse, but part
				  * of the analysis failed (report errors): no verdict of health */
};

/* Every option of every command, from options.def: CLI_OPT_FORMAT, CLI_OPT_UNIT... */
enum cli_opt {
#define OPT(cmd, id, name, shrt, arg, values, help) CLI_OPT_##id,
#include "options.def"
#undef OPT
	CLI_OPT_COUNT
};

struct cli_options {
	const char *command;
	/* Each option's value as given ("" for one without a value), NULL if not given. */
	const char *val[CLI_OPT_COUNT];
	/* The global options, decoded. */
	const char *vmlinux;
	enum vsc_types_source types;
	enum vsc_unwinder unwinder;
	enum vsc_render_format format;  /* --format, or from -o's extension */
	bool format_given;              /* --format or a known -o extension */
	const char *output;             /* -o FILE; NULL or "-": standard output */
	bool redact, verbose, color;
	/* The positional arguments, options taken out. */
	int argc;
	char **argv;
	/* Set by cli_take_dump(): the dump (argv[0], or /proc/kcore with --live). */
	const char *dump;
};

#define CMD(name, fn, synopsis, desc) int fn(struct cli_options *opts);
#include "commands.def"
#undef CMD

static inline const char *cli_opt(const struct cli_options *opts, enum cli_opt id)
{
	return opts->val[id];
}

static inline bool cli_flag(const struct cli_options *opts, enum cli_opt id)
{
	return opts->val[id] != NULL;
}

/* "vtdscope: CMD: <message>" on stderr, one line; returns VSC_EXIT_USAGE. */
int cli_usage_error(const struct cli_options *opts, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * The positional arguments of a command that reads one dump: the DUMP (or
 * none with --live), then @nextra more (@extra names them for the message).
 * Sets opts->dump and leaves the extra ones at opts->argv[opts->argc -
 * nextra...].  A usage error (printed) otherwise.
 */
int cli_take_dump(struct cli_options *opts, int nextra, const char *extra);

/* Opens @path as the target, printing a one-line error on failure. */
int cli_open_target(struct cli_options *opts, const char *path, struct vsc_target **out);
/* Prints "vtdscope: <message>" for an error, consuming it. */
void cli_error(struct vsc_error *err);

/* ---- output (output.c) -------------------------------------------------------- */

/*
 * Where a command's output goes: standard output, or -o FILE written
 * through a temporary file in FILE's directory that replaces FILE only
 * when the command finished its output (cli_output_close(..., true)).
 * -o never names an input: the dump, the vmlinux (given or found), by
 * device and inode, so also through links.  Character devices, FIFOs and
 * sockets (/dev/null, /dev/stdout, >(cmd)) are written directly;
 * directories, block devices and read-only files are refused.
 *
 * What is written is already redacted: --redact is a property of reading
 * the report (the renderers, cli_plain_*(), batch lines), never of the
 * bytes going out.
 */
struct cli_output {
	FILE *f;
	const char *name;       /* for messages */
	char *tmp, *dest;       /* temporary file and what it replaces, or NULL */
	bool own;               /* f is ours to close */
	bool oom;               /* a line could not be made (out of memory): nothing half-done goes out */
	int err;                /* errno of the first failed write, or 0 */
};

/*
 * Refuse -o (and standard output) when it is one of the @n files of @inputs
 * (NULL entries are skipped): a usage error, printed.  Commands call it
 * before reading anything; cli_output_open() checks again with the target's
 * own files.
 */
int cli_output_check(const struct cli_options *opts, const char *const *inputs, size_t n);
/* cli_output_check() against the dump and the vmlinux of @opts. */
int cli_output_check_inputs(const struct cli_options *opts);
/*
 * Open the output for a command on target @t (NULL: none, e.g. batch):
 * 0, or the exit status after a one-line message (2: -o is an input,
 * 4: cannot be written).
 */
int cli_output_open(struct cli_output *o, const struct cli_options *opts, struct vsc_target *t);
/* Write @len bytes.  Errors are seen at close. */
void cli_output_write(struct cli_output *o, const char *s, size_t len);
/*
 * Finish: with @keep, flush and put the file in place, 0 or VSC_EXIT_INTERNAL
 * (a write error, printed); without, throw a temporary file away (the old
 * FILE stays) and return 0.
 */
int cli_output_close(struct cli_output *o, bool keep);
/*
 * A temporary file next to @dest, named ".NAME.XXXXXX", to be renamed over
 * @dest once complete: with the mode of @old (the file it replaces), or of
 * a new file (0666 less the umask) when @old is NULL.  Its descriptor and
 * *@tmp (malloc'ed), or -1 with errno set.
 */
struct stat;
int cli_tmpfile(const char *dest, const struct stat *old, char **tmp);

/* ---- reports (run.c) -------------------------------------------------------- */

struct vsc_analysis_options;

/*
 * The text of the commands that print the answer alone (plain.c), read from
 * the report and redacted through it: `log` as dmesg prints it, `sym` as
 * one nm-style line, `type` as pahole lays it out.  Their findings (no such
 * symbol) and the report's diagnostics go to standard error, one
 * "vtdscope: [error: |warning: ]..." line each.
 */
typedef void cli_plain_fn(const struct vsc_report *rep, bool redact, struct cli_output *o);
void cli_plain_log(const struct vsc_report *rep, bool redact, struct cli_output *o);
void cli_plain_sym(const struct vsc_report *rep, bool redact, struct cli_output *o);
void cli_plain_type(const struct vsc_report *rep, bool redact, struct cli_output *o);
/* @plain's text of @rep into @o, then the findings and diagnostics on stderr. */
void cli_render_plain(struct cli_options *opts, const struct vsc_report *rep,
		      struct cli_output *o, cli_plain_fn *plain);

/* Render @rep into @o in the chosen format: 0, or VSC_EXIT_INTERNAL (printed). */
int cli_render(struct cli_options *opts, const struct vsc_report *rep, struct cli_output *o);
/*
 * The exit status a report stands for: 1 with a finding of warning severity
 * or worse, else 5 when the report has errors (part of the analysis failed),
 * else 0.
 */
int cli_exit_for(const struct vsc_report *rep);
/* VTDSCOPE_STATS: the target's work counters on stderr. */
void cli_print_stats(const struct vsc_target *t);

/*
 * One command's run on one dump: opened once (cli_run_open()), then checked
 * by the command if it must (bt --cpu), then analyzed, rendered and closed
 * (cli_run_report()), or closed without output (cli_run_abort()).
 */
struct cli_run {
	struct vsc_target *t;
};
/* Check -o against the inputs and open the dump: 0, or the exit status (printed). */
int cli_run_open(struct cli_options *opts, struct cli_run *r);
void cli_run_abort(struct cli_run *r);
/*
 * Run the analyzers @names (NULL: every analyzer of the report) into one
 * report titled @title, render it (in text through @plain when not NULL),
 * and close the run: the exit status.
 */
int cli_run_report(struct cli_options *opts, struct cli_run *r, const char *title,
		   const char *const *names, size_t n, const struct vsc_analysis_options *aopts,
		   cli_plain_fn *plain);
/* cli_run_open() and cli_run_report() in one. */
int cli_run_analyzers(struct cli_options *opts, const char *title, const char *const *names,
		      size_t n, const struct vsc_analysis_options *aopts, cli_plain_fn *plain);

#endif
