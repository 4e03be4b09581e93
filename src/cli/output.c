// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Where every command's output goes (see struct cli_output in cli.h): never
 * over an input, through a temporary file renamed into place, every write
 * error an exit status 4, and --redact applied to every byte.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vtdscope/report.h>
#include <vtdscope/symbols.h>
#include <vtdscope/types.h>

#include "cli.h"

/* The kernel's default nodename (UTS_NODENAME): no host name to hide. */
#define DEFAULT_NODENAME "(none)"

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

int cli_output_check(const struct cli_options *opts, const char *const *inputs, size_t n)
{
	struct stat os, is;

	if (opts->output ? stat(opts->output, &os) : fstat(STDOUT_FILENO, &os))
		return VSC_EXIT_OK;     /* not there yet (or no stdout): not an input */
	if (!S_ISREG(os.st_mode))
		return VSC_EXIT_OK;     /* inputs are regular files (so is /proc/kcore) */
	for (size_t i = 0; i < n; i++) {
		if (!inputs[i] || stat(inputs[i], &is) || !same_file(&os, &is))
			continue;
		if (opts->output)
			return cli_usage_error(opts, "-o %s is the input %s: refusing to write over it",
					       opts->output, inputs[i]);
		return cli_usage_error(opts, "standard output is the input %s: refusing to write over it",
				       inputs[i]);
	}
	return VSC_EXIT_OK;
}

int cli_output_check_inputs(const struct cli_options *opts)
{
	const char *inputs[] = { opts->dump, opts->vmlinux };

	return cli_output_check(opts, inputs, 2);
}

/*
 * The dump's host name (init_uts_ns.name.nodename) into @buf; false when it
 * cannot be read or is the kernel's default.
 * TODO(engine): belongs in vsc_target_info (read once at open).
 */
static bool read_nodename(struct vsc_target *t, char *buf, size_t size)
{
	struct vsc_member_info m;
	uint64_t addr;
	struct vsc_error *err = vsc_symbol_address(t, "init_uts_ns", &addr);

	if (!err)
		err = vsc_member(t, "struct uts_namespace", "name.nodename", &m);
	if (!err && m.size + 1 < size)
		size = m.size + 1;
	if (!err)
		err = vsc_read_cstr(t, addr + m.offset, buf, size, "init_uts_ns.name.nodename");
	if (err) {
		vsc_error_destroy(err);
		return false;
	}
	return buf[0] && strcmp(buf, DEFAULT_NODENAME);
}

/*
 * A report that is never rendered, holding what --redact hides besides
 * kernel addresses: the KASLR offset (a sensitive value) and the host name.
 * vsc_report_redact_text() on it scrubs text as the renderers do.
 */
static struct vsc_report *redaction_for(struct vsc_target *t)
{
	const struct vsc_target_info *in = vsc_target_info(t);
	struct vsc_report *rep;
	struct vsc_error *err = vsc_report_create(&rep);
	char host[128];

	if (err) {
		vsc_error_destroy(err);
		return NULL;
	}
	if (in->kaslr_offset)
		vsc_report_meta(rep, "kaslr_offset", vsc_val_sensitive(vsc_val_hex(in->kaslr_offset)));
	if (read_nodename(t, host, sizeof(host)))
		vsc_report_meta(rep, "nodename", vsc_val_host(host));
	err = vsc_report_check(rep);
	if (err) {
		vsc_error_destroy(err);
		vsc_report_destroy(rep);
		return NULL;
	}
	return rep;
}

static int output_error(struct cli_output *o, const char *what, int err)
{
	fprintf(stderr, "vtdscope: %s: %s%s\n", what, err ? strerror(err) : "",
		err ? "" : "cannot be written");
	cli_output_close(o, false);
	return VSC_EXIT_INTERNAL;
}

/* Paths that name a stream rather than a file (/dev/stdout, /proc/self/fd/1). */
static bool stream_path(const char *path)
{
	return !strncmp(path, "/dev/", 5) || !strncmp(path, "/proc/", 6);
}

int cli_output_open(struct cli_output *o, const struct cli_options *opts, struct vsc_target *t)
{
	const struct vsc_target_info *in = t ? vsc_target_info(t) : NULL;
	const char *inputs[] = { opts->dump, opts->vmlinux, in ? in->path : NULL,
				 in ? in->vmlinux : NULL };
	const char *path = opts->output;
	struct stat st;
	mode_t mode;
	char *slash;
	int fd, rc;

	memset(o, 0, sizeof(*o));
	o->f = stdout;
	o->name = "standard output";
	rc = cli_output_check(opts, inputs, sizeof(inputs) / sizeof(inputs[0]));
	if (rc)
		return rc;
	if (opts->redact && t && !(o->redact = redaction_for(t))) {
		fprintf(stderr, "vtdscope: out of memory\n");
		return VSC_EXIT_INTERNAL;
	}
	if (!path)
		return VSC_EXIT_OK;
	o->name = path;
	if (!stat(path, &st)) {
		if (S_ISDIR(st.st_mode))
			return output_error(o, path, EISDIR);
		if (S_ISBLK(st.st_mode)) {
			fprintf(stderr, "vtdscope: %s: a block device: refusing to write to it\n", path);
			cli_output_close(o, false);
			return VSC_EXIT_INTERNAL;
		}
		if (!S_ISREG(st.st_mode) || stream_path(path)) {
			/* a character device, a FIFO, a socket, /dev/stdout: written as it is */
			o->f = fopen(path, "w");
			if (!o->f)
				return output_error(o, path, errno);
			o->own = true;
			return VSC_EXIT_OK;
		}
		if (access(path, W_OK) || !(st.st_mode & (S_IWUSR | S_IWGRP | S_IWOTH)))
			return output_error(o, path, EACCES);
		o->dest = realpath(path, NULL);         /* through symlinks: replace the file */
		mode = st.st_mode & 07777;
	} else if (errno == ENOENT) {
		o->dest = strdup(path);
		mode = umask(0);
		umask(mode);
		mode = 0666 & ~mode;
	} else {
		return output_error(o, path, errno);
	}
	if (!o->dest)
		return output_error(o, path, errno);
	slash = strrchr(o->dest, '/');
	if (asprintf(&o->tmp, "%.*s.%s.XXXXXX", slash ? (int)(slash - o->dest + 1) : 0, o->dest,
		     slash ? slash + 1 : o->dest) < 0) {
		o->tmp = NULL;
		return output_error(o, path, ENOMEM);
	}
	fd = mkstemp(o->tmp);
	if (fd < 0) {
		rc = errno;
		free(o->tmp);
		o->tmp = NULL;
		return output_error(o, path, rc);
	}
	if (fchmod(fd, mode) || !(o->f = fdopen(fd, "w"))) {
		rc = errno;
		close(fd);
		o->f = NULL;
		return output_error(o, path, rc);
	}
	o->own = true;
	return VSC_EXIT_OK;
}

void cli_output_write(struct cli_output *o, const char *s, size_t len)
{
	char *copy, *red;

	if (!o->f || !len)
		return;
	if (!o->redact) {
		if (fwrite(s, 1, len, o->f) != len && !o->err)
			o->err = errno;
		return;
	}
	copy = strndup(s, len);
	red = copy ? vsc_report_redact_text(o->redact, copy) : NULL;
	if (red && fputs(red, o->f) == EOF && !o->err)
		o->err = errno;
	else if (!red)
		o->oom = true;     /* nothing unredacted goes out */
	free(red);
	free(copy);
}

void cli_output_printf(struct cli_output *o, const char *fmt, ...)
{
	char *s;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		o->oom = true;
		return;
	}
	cli_output_write(o, s, (size_t)n);
	free(s);
}

int cli_output_close(struct cli_output *o, bool keep)
{
	int err = 0;

	if (o->f && keep) {
		errno = 0;
		if (o->oom)
			err = ENOMEM;
		else if (fflush(o->f) || ferror(o->f))
			err = o->err ? o->err : errno ? errno : EIO;
	}
	if (o->f && o->own && fclose(o->f) && keep && !err)
		err = errno ? errno : EIO;
	if (keep && !err && o->tmp && rename(o->tmp, o->dest))
		err = errno;
	if (o->tmp && (!keep || err))
		unlink(o->tmp);
	if (keep && err)
		fprintf(stderr, "vtdscope: %s: write error: %s\n", o->name, strerror(err));
	free(o->tmp);
	free(o->dest);
	vsc_report_destroy(o->redact);
	memset(o, 0, sizeof(*o));
	return keep && err ? VSC_EXIT_INTERNAL : VSC_EXIT_OK;
}
