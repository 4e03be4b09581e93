// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdscope: command-line front-end.  Parses arguments, dispatches, exits. */
#include <getopt.h>
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

static void usage(FILE *out)
{
	fprintf(out, "usage: vtdscope [GLOBAL OPTIONS] COMMAND [ARGS]\n\n"
		     "Explains Intel VT-d invalidation-queue lockups from a vmcore or /proc/kcore.\n\n"
		     "Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-7s %-50s %s\n", commands[i].name, commands[i].synopsis,
			commands[i].description);
	fprintf(out, "\nGlobal options:\n"
		     "  --vmlinux FILE     debuginfo vmlinux (default: found by build-id under /usr/lib/debug)\n"
		     "  --types SRC        auto, dwarf or btf (default auto)\n"
		     "  --unwinder SRC     auto, orc or cfi (default auto: ORC, CFI where ORC has none)\n"
		     "  --format FMT       text, json or markdown (default text)\n"
		     "  -o, --output FILE  write the output to FILE\n"
		     "  --redact           no kernel addresses, KASLR offset or host names\n"
		     "  --verbose          full stacks and tables\n"
		     "  --color WHEN       auto, always or never (default auto)\n"
		     "  -h, --help         this help;  --version  the version\n"
		     "\nDUMP is an ELF or kdump-compressed vmcore, or /proc/kcore (or --live) for the running kernel.\n");
}

bool cli_print_diagnostics(const struct vsc_target *t)
{
	const struct vsc_diagnostic *d;
	bool incomplete = false;

	for (size_t i = 0; (d = vsc_target_diagnostic(t, i)); i++) {
		fprintf(stderr, "vtdscope: %s: %s\n", d->incomplete ? "error" : "warning",
			d->message);
		incomplete |= d->incomplete;
	}
	return incomplete;
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
		fprintf(stderr, "vtdscope: no dump given (a vmcore path or /proc/kcore)\n");
		return VSC_EXIT_USAGE;
	}
	if (!strcmp(path, "--live"))
		path = "/proc/kcore";
	err = vsc_target_open(path, &oo, out);
	if (err) {
		cli_error(err);
		return VSC_EXIT_INPUT;
	}
	return VSC_EXIT_OK;
}

const char *cli_opt_value(struct cli_options *opts, const char *name)
{
	size_t n = strlen(name);

	for (int i = 0; i < opts->argc; i++) {
		if (!strcmp(opts->argv[i], name) && i + 1 < opts->argc)
			return opts->argv[i + 1];
		if (!strncmp(opts->argv[i], name, n) && opts->argv[i][n] == '=')
			return opts->argv[i] + n + 1;
	}
	return NULL;
}

bool cli_opt_flag(struct cli_options *opts, const char *name)
{
	for (int i = 0; i < opts->argc; i++)
		if (!strcmp(opts->argv[i], name))
			return true;
	return false;
}

static int parse_types(const char *s, enum vsc_types_source *out)
{
	if (!strcmp(s, "auto"))
		*out = VSC_TYPES_AUTO;
	else if (!strcmp(s, "dwarf"))
		*out = VSC_TYPES_DWARF;
	else if (!strcmp(s, "btf"))
		*out = VSC_TYPES_BTF;
	else {
		fprintf(stderr, "vtdscope: --types must be auto, dwarf or btf\n");
		return -1;
	}
	return 0;
}

static int parse_unwinder(const char *s, enum vsc_unwinder *out)
{
	if (!strcmp(s, "auto"))
		*out = VSC_UNWINDER_AUTO;
	else if (!strcmp(s, "orc"))
		*out = VSC_UNWINDER_ORC;
	else if (!strcmp(s, "cfi"))
		*out = VSC_UNWINDER_CFI;
	else {
		fprintf(stderr, "vtdscope: --unwinder must be auto, orc or cfi\n");
		return -1;
	}
	return 0;
}

/*
 * Global options may also follow the command ("vtdscope qi DUMP --format json").
 * Take them out of the command's argv so commands see only their own.
 */
static int take_global_options(struct cli_options *opts, const char **color)
{
	int out = 0;

	for (int i = 0; i < opts->argc; i++) {
		const char *a = opts->argv[i];
		const char *val = NULL;
		bool has_val = !strcmp(a, "--vmlinux") || !strcmp(a, "--types") ||
			       !strcmp(a, "--unwinder") ||
			       !strcmp(a, "--format") || !strcmp(a, "-o") || !strcmp(a, "--output") ||
			       !strcmp(a, "--color");

		if (has_val) {
			if (i + 1 >= opts->argc) {
				fprintf(stderr, "vtdscope: %s needs a value\n", a);
				return -1;
			}
			val = opts->argv[++i];
		}
		if (!strcmp(a, "--vmlinux"))
			opts->vmlinux = val;
		else if (!strcmp(a, "--types")) {
			if (parse_types(val, &opts->types))
				return -1;
		} else if (!strcmp(a, "--unwinder")) {
			if (parse_unwinder(val, &opts->unwinder))
				return -1;
		} else if (!strcmp(a, "--format"))
			opts->format = val;
		else if (!strcmp(a, "-o") || !strcmp(a, "--output"))
			opts->output = val;
		else if (!strcmp(a, "--color"))
			*color = val;
		else if (!strcmp(a, "--redact"))
			opts->redact = true;
		else if (!strcmp(a, "--verbose") || !strcmp(a, "-v"))
			opts->verbose = true;
		else
			opts->argv[out++] = (char *)a;
	}
	opts->argc = out;
	if (strcmp(opts->format, "text") && strcmp(opts->format, "json") &&
	    strcmp(opts->format, "markdown")) {
		fprintf(stderr, "vtdscope: --format must be text, json or markdown\n");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "vmlinux", required_argument, NULL, 'V' },
		{ "types", required_argument, NULL, 'T' },
		{ "unwinder", required_argument, NULL, 'U' },
		{ "format", required_argument, NULL, 'F' },
		{ "output", required_argument, NULL, 'o' },
		{ "redact", no_argument, NULL, 'R' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "color", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'N' },
		{ 0 },
	};
	struct cli_options opts = { .format = "text" };
	const char *color = "auto";
	int c;

	/* Global options come before the command; '+' stops at the first non-option. */
	while ((c = getopt_long(argc, argv, "+o:hv", longopts, NULL)) != -1) {
		switch (c) {
		case 'V': opts.vmlinux = optarg; break;
		case 'T':
			if (parse_types(optarg, &opts.types))
				return VSC_EXIT_USAGE;
			break;
		case 'U':
			if (parse_unwinder(optarg, &opts.unwinder))
				return VSC_EXIT_USAGE;
			break;
		case 'F': opts.format = optarg; break;
		case 'o': opts.output = optarg; break;
		case 'R': opts.redact = true; break;
		case 'v': opts.verbose = true; break;
		case 'C': color = optarg; break;
		case 'h': usage(stdout); return VSC_EXIT_OK;
		case 'N': printf("vtdscope " VTDSCOPE_VERSION "\n"); return VSC_EXIT_OK;
		default: usage(stderr); return VSC_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return VSC_EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[optind], commands[i].name))
			continue;
		opts.argc = argc - optind - 1;
		opts.argv = argv + optind + 1;
		if (take_global_options(&opts, &color))
			return VSC_EXIT_USAGE;
		opts.color = !strcmp(color, "always") ||
			     (!strcmp(color, "auto") && !opts.output && isatty(STDOUT_FILENO) &&
			      !getenv("NO_COLOR"));
		/* Options may also follow the command. */
		for (int k = 0; k < opts.argc; k++) {
			if (!strcmp(opts.argv[k], "--help") || !strcmp(opts.argv[k], "-h")) {
				printf("usage: vtdscope %s %s\n%s\n", commands[i].name,
				       commands[i].synopsis, commands[i].description);
				return VSC_EXIT_OK;
			}
		}
		return commands[i].fn(&opts);
	}
	fprintf(stderr, "vtdscope: unknown command '%s' (see vtdscope --help)\n", argv[optind]);
	return VSC_EXIT_USAGE;
}
