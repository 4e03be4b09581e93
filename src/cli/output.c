// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Where every command's output goes (see struct cli_output in cli.h): never
 * over an input, through a temporary file renamed into place, every write
 * error an exit status 4.  What comes here is redacted already: redaction
 * is the report's (the renderers, plain.c, the batch lines).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vtdscope/target.h>

#include "cli.h"

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
	const struct stat *old = NULL;
	int fd, rc;

	memset(o, 0, sizeof(*o));
	o->f = stdout;
	o->name = "standard output";
	rc = cli_output_check(opts, inputs, sizeof(inputs) / sizeof(inputs[0]));
	if (rc)
		return rc;
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
		old = &st;
	} else if (errno == ENOENT) {
		o->dest = strdup(path);
	} else {
		return output_error(o, path, errno);
	}
	if (!o->dest)
		return output_error(o, path, errno);
	fd = cli_tmpfile(o->dest, old, &o->tmp);
	if (fd < 0)
		return output_error(o, path, errno);
	if (!(o->f = fdopen(fd, "w"))) {
		rc = errno;
		close(fd);
		o->f = NULL;
		return output_error(o, path, rc);
	}
	o->own = true;
	return VSC_EXIT_OK;
}

int cli_tmpfile(const char *dest, const struct stat *old, char **tmp)
{
	const char *slash = strrchr(dest, '/');
	mode_t mode;
	int fd, e;

	if (old) {
		mode = old->st_mode & 07777;    /* the file it replaces keeps its mode */
	} else {
		mode = umask(0);
		umask(mode);
		mode = 0666 & ~mode;
	}
	if (asprintf(tmp, "%.*s.%s.XXXXXX", slash ? (int)(slash - dest + 1) : 0, dest,
		     slash ? slash + 1 : dest) < 0) {
		*tmp = NULL;
		errno = ENOMEM;
		return -1;
	}
	fd = mkstemp(*tmp);
	if (fd >= 0 && !fchmod(fd, mode))
		return fd;
	e = errno;
	if (fd >= 0) {
		close(fd);
		unlink(*tmp);
	}
	free(*tmp);
	*tmp = NULL;
	errno = e;
	return -1;
}

void cli_output_write(struct cli_output *o, const char *s, size_t len)
{
	if (o->f && len && fwrite(s, 1, len, o->f) != len && !o->err)
		o->err = errno;
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
	memset(o, 0, sizeof(*o));
	return keep && err ? VSC_EXIT_INTERNAL : VSC_EXIT_OK;
}
