// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdscope: command-line front-end.  Parses arguments, dispatches, exits.
 *
 * Parsing is getopt_long driven by two tables: commands.def (the commands)
 * and options.def (the global options and each command's own).  Global
 * options go before the command or anywhere after it; a command's options
 * anywhere after it, before or after the dump; "--opt=value" and
 * "--opt value" alike; "--" ends the options.  A missing value, an unknown
 * option or a value outside an option's enumeration is a usage error: one
 * line that names the option, exit status 2.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

struct command {
	const char *name;
	int (*fn)(struct cli_options *opts);
	const char *synopsis;
	const char *description;
};

static const struct command commands[] = {
#define CMD(name, fn, synopsis, desc) { #name, fn, synopsis, desc },
#include "commands.def"
#undef CMD
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

struct cli_option {
	const char *command;    /* "global" or a command's name */
	const char *name;
	int shrt;
	const char *arg;        /* NULL: takes no value */
	const char *values;     /* "a|b|c" or NULL */
	const char *help;
};

static const struct cli_option options[CLI_OPT_COUNT] = {
#define OPT(cmd, id, name, shrt, arg, values, help) \
	[CLI_OPT_##id] = { #cmd, name, shrt, arg, values, help },
#include "options.def"
#undef OPT
};

/* getopt_long's val for option @id: above every short option letter. */
#define LONG_VAL(id) (256 + (int)(id))

static bool option_applies(const struct cli_option *o, const struct command *cmd)
{
	return !strcmp(o->command, "global") || (cmd && !strcmp(o->command, cmd->name));
}

static void print_options(FILE *out, const struct command *cmd, bool global)
{
	for (size_t i = 0; i < CLI_OPT_COUNT; i++) {
		const struct cli_option *o = &options[i];
		char head[48];

		if (global ? strcmp(o->command, "global") : !cmd || strcmp(o->command, cmd->name))
			continue;
		if (o->shrt)
			snprintf(head, sizeof(head), "-%c, --%s%s%s", o->shrt, o->name,
				 o->arg ? " " : "", o->arg ? o->arg : "");
		else
			snprintf(head, sizeof(head), "--%s%s%s", o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		fprintf(out, "  %-22s %s\n", head, o->help);
	}
}

static void usage(FILE *out)
{
	fprintf(out, "usage: vtdscope [GLOBAL OPTIONS] COMMAND [ARGS]\n\n"
		     "Explains Intel VT-d invalidation-queue lockups from a vmcore or /proc/kcore.\n\n"
		     "Commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-7s %-50s %s\n", commands[i].name, commands[i].synopsis,
			commands[i].description);
	fprintf(out, "\nGlobal options:\n");
	print_options(out, NULL, true);
	fprintf(out, "\nDUMP is an ELF or kdump-compressed vmcore, or /proc/kcore (or --live) for the running kernel.\n"
		     "See vtdscope COMMAND --help for a command's options.\n");
}

static void command_usage(FILE *out, const struct command *cmd)
{
	bool any = false;

	fprintf(out, "usage: vtdscope %s %s\n%s\n", cmd->name, cmd->synopsis, cmd->description);
	for (size_t i = 0; i < CLI_OPT_COUNT; i++)
		any |= !strcmp(options[i].command, cmd->name);
	if (any) {
		fprintf(out, "\nOptions:\n");
		print_options(out, cmd, false);
	}
	fprintf(out, "\nGlobal options:\n");
	print_options(out, cmd, true);
}

int cli_usage_error(const struct cli_options *opts, const char *fmt, ...)
{
	va_list ap;

	fputs("vtdscope: ", stderr);
	if (opts && opts->command)
		fprintf(stderr, "%s: ", opts->command);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see vtdscope%s%s --help)\n", opts && opts->command ? " " : "",
		opts && opts->command ? opts->command : "");
	return VSC_EXIT_USAGE;
}

int cli_take_dump(struct cli_options *opts, int nextra, const char *extra)
{
	bool live = cli_flag(opts, CLI_OPT_LIVE);
	int need = nextra + (live ? 0 : 1);

	if (opts->argc < need) {
		if (!live && !opts->argc)
			return cli_usage_error(opts, "no dump given (a vmcore path, /proc/kcore or --live)");
		return cli_usage_error(opts, "%s missing", extra);
	}
	if (opts->argc > need)
		return cli_usage_error(opts, "unexpected argument '%s'", opts->argv[need]);
	opts->dump = live ? "/proc/kcore" : opts->argv[0];
	return VSC_EXIT_OK;
}

void cli_error(struct vsc_error *err)
{
	if (!err)
		return;
	fprintf(stderr, "vtdscope: %s\n", err->message);
	vsc_error_destroy(err);
}

int cli_open_target(struct cli_options *opts, const char *path, struct vsc_target **out)
{
	struct vsc_open_options oo = {
		.vmlinux = opts->vmlinux,
		.types = opts->types,
		.unwinder = opts->unwinder,
	};
	struct vsc_error *err;

	if (!path) {
		fprintf(stderr, "vtdscope: no dump given (a vmcore path, /proc/kcore or --live)\n");
		return VSC_EXIT_USAGE;
	}
	err = vsc_target_open(path, &oo, out);
	if (err) {
		cli_error(err);
		return VSC_EXIT_INPUT;
	}
	return VSC_EXIT_OK;
}

/* ---- parsing --------------------------------------------------------------------- */

/* Index of @word's value in the enumeration "a|b|c", or -1. */
static int enum_index(const char *values, const char *word)
{
	size_t n = strlen(word);
	int i = 0;

	for (const char *p = values; p; i++) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);

		if (len == n && !strncmp(p, word, n))
			return i;
		p = bar ? bar + 1 : NULL;
	}
	return -1;
}

/* "a, b or c" for a message. */
static void enum_list(const char *values, char *buf, size_t size)
{
	size_t bars = 0, k = 0, len = 0;

	for (const char *p = values; *p; p++)
		bars += *p == '|';
	buf[0] = '\0';
	for (const char *p = values; *p && len + 6 < size; p++) {
		if (*p != '|') {
			buf[len++] = *p;
			continue;
		}
		k++;
		len += (size_t)snprintf(buf + len, size - len, "%s", k == bars ? " or " : ", ");
	}
	buf[len < size ? len : size - 1] = '\0';
}

/* Is @word an option of @cmd ("--all-slots", "--format=json", "-o")? */
static bool is_option_word(const struct command *cmd, const char *word)
{
	if (word[0] != '-' || !word[1])
		return false;
	for (size_t i = 0; i < CLI_OPT_COUNT; i++) {
		const struct cli_option *o = &options[i];
		size_t n = strlen(o->name);

		if (!option_applies(o, cmd))
			continue;
		if (word[1] == '-' && !strncmp(word + 2, o->name, n) &&
		    (!word[2 + n] || word[2 + n] == '='))
			return true;
		if (word[1] != '-' && o->shrt && word[1] == o->shrt)
			return true;
	}
	return false;
}

/* The option name of an argv word: "--format=x" -> "--format". */
static void option_word(const char *word, char *buf, size_t size)
{
	size_t n = strcspn(word, "=");

	snprintf(buf, size, "%.*s", (int)(n < size ? n : size - 1), word);
}

/*
 * Options for @cmd (NULL: the global ones, up to the command) from
 * argv[1..argc).  With a command, the positionals go to @pos in order.
 * Returns -1 when done, else the exit status (an error was printed, or
 * help and version).
 */
static int parse(struct cli_options *opts, const struct command *cmd, int argc, char **argv,
		 char **pos, int *npos)
{
	struct option longopts[CLI_OPT_COUNT + 1];
	char shorts[2 * CLI_OPT_COUNT + 4];
	size_t nl = 0, ns = 0;
	int c;

	/* '+': stop at the command; '-': positionals in order (whatever POSIXLY_CORRECT says) */
	shorts[ns++] = cmd ? '-' : '+';
	shorts[ns++] = ':';
	for (size_t i = 0; i < CLI_OPT_COUNT; i++) {
		const struct cli_option *o = &options[i];

		if (!option_applies(o, cmd))
			continue;
		longopts[nl++] = (struct option){ o->name, o->arg ? required_argument : no_argument,
						  NULL, LONG_VAL(i) };
		if (o->shrt) {
			shorts[ns++] = (char)o->shrt;
			if (o->arg)
				shorts[ns++] = ':';
		}
	}
	longopts[nl] = (struct option){ 0 };
	shorts[ns] = '\0';
	opterr = 0;
	optind = 0;     /* a fresh scan */
	while ((c = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
		const char *word = argv[optind - 1];
		char name[64];
		size_t id = CLI_OPT_COUNT;

		if (c == 1) {
			pos[(*npos)++] = optarg;
			continue;
		}
		if (c == '?' || c == ':') {
			/* optopt: the short letter, or the long option's val, or 0 if unknown */
			for (size_t i = 0; i < CLI_OPT_COUNT; i++)
				if (option_applies(&options[i], cmd) &&
				    (optopt == LONG_VAL(i) || (optopt && optopt == options[i].shrt)))
					id = i;
			if (id < CLI_OPT_COUNT && options[id].shrt && optopt == options[id].shrt &&
			    word[1] != '-')
				snprintf(name, sizeof(name), "-%c", options[id].shrt);
			else if (id < CLI_OPT_COUNT)
				snprintf(name, sizeof(name), "--%s", options[id].name);
			else if (optopt)
				snprintf(name, sizeof(name), "-%c", optopt);
			else
				option_word(word, name, sizeof(name));
			if (c == ':')
				return cli_usage_error(opts, "%s needs a value", name);
			if (id < CLI_OPT_COUNT && !options[id].arg)
				return cli_usage_error(opts, "%s takes no value", name);
			if (id == CLI_OPT_COUNT && !optopt && !strncmp(name, "--", 2)) {
				size_t matches = 0, n = strlen(name + 2);

				for (size_t i = 0; i < CLI_OPT_COUNT; i++)
					matches += option_applies(&options[i], cmd) &&
						   !strncmp(options[i].name, name + 2, n);
				if (matches > 1)
					return cli_usage_error(opts, "ambiguous option '%s'", name);
			}
			return cli_usage_error(opts, "unknown option '%s'", name);
		}
		if (c >= 256 && c < LONG_VAL(CLI_OPT_COUNT))
			id = (size_t)(c - 256);
		else
			for (size_t i = 0; i < CLI_OPT_COUNT; i++)
				if (option_applies(&options[i], cmd) && c == options[i].shrt)
					id = i;
		if (id == CLI_OPT_COUNT)
			return cli_usage_error(opts, "unknown option '%s'", word);
		if (options[id].arg && optarg == argv[optind - 1] && is_option_word(cmd, optarg))
			/* "--unit --all-slots": the value is missing, not "--all-slots" */
			return cli_usage_error(opts, "--%s needs a value", options[id].name);
		if (options[id].values && enum_index(options[id].values, optarg) < 0) {
			char list[128];

			enum_list(options[id].values, list, sizeof(list));
			return cli_usage_error(opts, "--%s must be %s, not '%s'", options[id].name,
					       list, optarg);
		}
		opts->val[id] = options[id].arg ? optarg : "";
		if (id == CLI_OPT_HELP) {
			if (cmd)
				command_usage(stdout, cmd);
			else
				usage(stdout);
			return VSC_EXIT_OK;
		}
		if (id == CLI_OPT_VERSION) {
			printf("vtdscope " VTDSCOPE_VERSION "\n");
			return VSC_EXIT_OK;
		}
	}
	/* after "--" */
	while (cmd && optind < argc)
		pos[(*npos)++] = argv[optind++];
	return -1;
}

/* The global options, decoded into @opts. */
static int decode_globals(struct cli_options *opts)
{
	static const enum vsc_types_source types[] = { VSC_TYPES_AUTO, VSC_TYPES_DWARF,
						       VSC_TYPES_BTF };
	static const enum vsc_unwinder unwinders[] = { VSC_UNWINDER_AUTO, VSC_UNWINDER_ORC,
						       VSC_UNWINDER_CFI };
	const char *v, *color = cli_opt(opts, CLI_OPT_COLOR), *term = getenv("TERM");
	const char *no_color = getenv("NO_COLOR");
	struct vsc_error *err;

	opts->vmlinux = cli_opt(opts, CLI_OPT_VMLINUX);
	if ((v = cli_opt(opts, CLI_OPT_TYPES)))
		opts->types = types[enum_index(options[CLI_OPT_TYPES].values, v)];
	if ((v = cli_opt(opts, CLI_OPT_UNWINDER)))
		opts->unwinder = unwinders[enum_index(options[CLI_OPT_UNWINDER].values, v)];
	opts->output = cli_opt(opts, CLI_OPT_OUTPUT);
	if (opts->output && !*opts->output)
		return cli_usage_error(opts, "-o needs a file name");
	if (opts->output && !strcmp(opts->output, "-"))
		opts->output = NULL;
	opts->redact = cli_flag(opts, CLI_OPT_REDACT);
	opts->verbose = cli_flag(opts, CLI_OPT_VERBOSE);
	opts->format = VSC_FORMAT_TEXT;
	v = cli_opt(opts, CLI_OPT_FORMAT);
	if (!v && opts->output) {
		/* -o NAME.json / NAME.md picks the format */
		const char *dot = strrchr(opts->output, '.');

		if (dot && strchr(dot, '/'))
			dot = NULL;
		if (dot && !strcmp(dot, ".json"))
			v = "json";
		else if (dot && (!strcmp(dot, ".md") || !strcmp(dot, ".markdown")))
			v = "markdown";
	}
	if (v) {
		err = vsc_render_format_from_name(v, &opts->format);
		if (err) {
			vsc_error_destroy(err);
			return cli_usage_error(opts, "--format must be text, json or markdown, not '%s'", v);
		}
		opts->format_given = true;
	}
	/* auto: a terminal that can show colour, no -o, no NO_COLOR (no-color.org) */
	opts->color = color && !strcmp(color, "always");
	if (!color || !strcmp(color, "auto"))
		opts->color = !opts->output && isatty(STDOUT_FILENO) && !(no_color && *no_color) &&
			      term && *term && strcmp(term, "dumb");
	return VSC_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct cli_options opts = { 0 };
	const struct command *cmd = NULL;
	char **pos;
	int npos = 0, rc;

	/* Global options before the command. */
	rc = parse(&opts, NULL, argc, argv, NULL, &npos);
	if (rc >= 0)
		return rc;
	if (optind >= argc) {
		usage(stderr);
		return VSC_EXIT_USAGE;
	}
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(argv[optind], commands[i].name))
			cmd = &commands[i];
	if (!cmd) {
		fprintf(stderr, "vtdscope: unknown command '%s' (see vtdscope --help)\n", argv[optind]);
		return VSC_EXIT_USAGE;
	}
	opts.command = cmd->name;
	/* The command's own options and the global ones again, with the positionals. */
	pos = calloc((size_t)argc + 1, sizeof(*pos));
	if (!pos) {
		fprintf(stderr, "vtdscope: out of memory\n");
		return VSC_EXIT_INTERNAL;
	}
	rc = parse(&opts, cmd, argc - optind, argv + optind, pos, &npos);
	if (rc < 0)
		rc = decode_globals(&opts);
	else if (rc == VSC_EXIT_OK)
		rc = -1;        /* help or version printed: done */
	if (rc == VSC_EXIT_OK) {
		opts.argc = npos;
		opts.argv = pos;
		rc = cmd->fn(&opts);
	}
	free(pos);
	return rc < 0 ? VSC_EXIT_OK : rc;
}
