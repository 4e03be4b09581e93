// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `batch`: reports for many dumps, one JSON line each.
 *
 * The parent collects the inputs (files as given; directories scanned for
 * dump files, BATCH_MAX_DEPTH levels deep), then runs one worker process per
 * dump, at most --jobs at a time.  A worker does what `vtdscope report`
 * does (open, run every built-in analyzer into one report), optionally
 * renders the Markdown report, and sends its JSON line back through a pipe:
 *
 *   "<exit>\t<top finding kind|->\t<error kind|->\t<report errors>\n<JSON line>\n"
 *
 * The line summarises the report, read through the report's read API:
 * verdict and findings, the kind and device(s) of the most severe finding,
 * and the system facts a fleet sorts by (release, build id, dump time,
 * panic line, taint).
 *
 * A worker that crashes or runs past --timeout becomes an error line; the
 * batch goes on.  Lines are written in input order (each carries its
 * "index" too), as soon as every earlier dump is done.
 *
 * Exit status: 4 if a worker crashed or timed out, else 3 if any dump could
 * not be read, else 1 if any dump had findings of warning severity or
 * worse, else 5 if the analysis of any dump was incomplete (report errors),
 * else 0; 2 for a bad command line.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <vtdscope/analyzer.h>
#include <vtdscope/report.h>
#include <vtdscope/report_read.h>

#include "cli.h"

#define BATCH_MAX_DEPTH       4     /* directory levels below a DIR argument */
#define BATCH_MAX_JOBS        256
#define BATCH_DEFAULT_TIMEOUT 600   /* seconds per dump */
#define BATCH_SNIFF_LEN       18    /* signatures and the ELF e_type */

struct batch_item {
	char *path;
	char *rel;              /* path below its DIR argument (basename for files) */
	char *md_path;          /* DIR/<name>.md, or NULL */
	pid_t pid;              /* running worker, or 0 */
	int fd;                 /* read end of its pipe, or -1 */
	double started;
	bool timed_out;
	char *buf;              /* what the worker sent */
	size_t len, cap;
	bool done;
	int exit;               /* the dump's status, as `vtdscope report` would exit */
	size_t report_errors;   /* errors inside the report: the analysis is incomplete */
	char *kind;             /* most severe finding's kind, or NULL */
	char *err_kind;         /* error kind when the dump failed, or NULL */
	const char *line;       /* the JSON line, inside buf */
};

struct batch {
	struct cli_options *opts;
	struct batch_item *items;
	size_t n, cap;
	unsigned jobs;
	unsigned timeout;
	const char *md_dir;
	struct cli_output *out;
	bool progress;
	double t0, last_progress;
	size_t next_start, next_write, running, finished, failed;
	struct pollfd *pfd;     /* one per job */
	size_t *pfd_item;       /* the item each pfd belongs to */
};

static void free_batch(struct batch *b);

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- JSON ------------------------------------------------------------------ */

/*
 * @s as a JSON string.  Bytes that are not valid UTF-8 (a path can hold
 * anything) become the four characters "\xNN", as in the report model.
 */
static void json_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *end;

	if (!s) {
		fputs("null", f);
		return;
	}
	end = p + strlen(s);
	putc('"', f);
	while (*p) {
		size_t n = vsc_utf8_seq((const char *)p, (size_t)(end - p));

		if (n > 1) {
			fwrite(p, 1, n, f);
			p += n;
			continue;
		}
		if (!n) {
			fprintf(f, "\\\\x%02x", *p++);
			continue;
		}
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				putc(*p, f);
		}
		p++;
	}
	putc('"', f);
}

/* A string of the report as the renderers would print it (redacted or not). */
static void json_report_str(FILE *f, const struct vsc_report *rep, bool redact, const char *s)
{
	char *r;

	if (!redact || !s) {
		json_str(f, s);
		return;
	}
	r = vsc_report_redact_text(rep, s);
	json_str(f, r ? r : "<redacted>");
	free(r);
}

/* A value of the report as text (redacted or not), or null when it is absent. */
static void json_report_value(FILE *f, const struct vsc_report *rep, bool redact,
			      const struct vsc_value *v)
{
	unsigned flags = redact ? VSC_TEXT_REDACT : 0;
	int n = v && v->kind != VSC_VAL_ABSENT ? vsc_report_value_text(rep, v, flags, NULL, 0) : -1;
	char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;

	if (buf && vsc_report_value_text(rep, v, flags, buf, (size_t)n + 1) >= 0)
		json_str(f, buf);
	else
		fputs(v && v->kind != VSC_VAL_ABSENT ? "\"<redacted>\"" : "null", f);
	free(buf);
}

/* Field @key of the system section, else the report's target field of that name, or NULL. */
static const struct vsc_value *system_value(const struct vsc_report *rep, const char *key)
{
	const struct vsc_field *fl =
		vsc_section_find_field(vsc_report_find_section(rep, "system"), key);

	for (size_t i = 0; !fl && i < vsc_report_meta_count(rep); i++)
		if (!strcmp(vsc_report_meta_nth(rep, i)->key, key))
			fl = vsc_report_meta_nth(rep, i);
	return fl ? &fl->value : NULL;
}

/*
 * What a fleet sorts dumps by: the most severe finding's kind and the
 * device(s) it names ("device" facts), and the system facts: release,
 * build id, dump time, panic line, taint (the mask and each flag's letter).
 */
static void json_summary(FILE *f, const struct vsc_report *rep, bool redact)
{
	const struct vsc_finding *top = vsc_report_finding_nth(rep, 0);
	const struct vsc_table *taints =
		vsc_section_find_table(vsc_report_find_section(rep, "system"), "taint_flags");
	const struct vsc_value *mask = system_value(rep, "tainted");
	size_t nd = 0;

	fputs(",\"verdict_kind\":", f);
	json_str(f, top ? vsc_finding_kind(top) : NULL);
	fputs(",\"devices\":[", f);
	for (size_t i = 0; i < vsc_finding_fact_count(top); i++) {
		const struct vsc_field *fact = vsc_finding_fact_nth(top, i);

		if (strcmp(fact->key, "device") || fact->value.kind == VSC_VAL_ABSENT)
			continue;
		fputs(nd++ ? "," : "", f);
		json_report_value(f, rep, redact, &fact->value);
	}
	fputs("],\"release\":", f);
	json_report_value(f, rep, redact, system_value(rep, "release"));
	fputs(",\"build_id\":", f);
	json_report_value(f, rep, redact, system_value(rep, "build_id"));
	fputs(",\"dump_time\":", f);
	json_report_value(f, rep, redact, system_value(rep, "dump_time"));
	fputs(",\"panic\":", f);
	json_report_value(f, rep, redact, system_value(rep, "panic"));
	fputs(",\"taint\":", f);
	if (!mask || mask->kind == VSC_VAL_ABSENT) {
		fputs("null", f);
		return;
	}
	fputs("{\"mask\":", f);
	json_report_value(f, rep, redact, mask);
	fputs(",\"flags\":[", f);
	for (size_t r = 0; r < vsc_table_row_count(taints); r++) {
		const struct vsc_value *row = vsc_table_row_nth(taints, r);

		for (size_t c = 0; c < vsc_table_column_count(taints); c++)
			if (!strcmp(vsc_table_column_nth(taints, c)->key, "flag")) {
				fputs(r ? "," : "", f);
				json_report_value(f, rep, redact, &row[c]);
			}
	}
	fputs("]}", f);
}

static void json_head(FILE *f, size_t index, const char *path)
{
	fprintf(f, "{\"index\":%zu,\"path\":", index);
	json_str(f, path);
}

static void json_tail(FILE *f, size_t report_errors, int exit_code, double seconds,
		      const char *md_path, const char *err_kind, const char *err_msg)
{
	fprintf(f, ",\"report_errors\":%zu,\"exit\":%d,\"seconds\":%.3f", report_errors,
		exit_code, seconds);
	if (md_path) {
		fputs(",\"markdown\":", f);
		json_str(f, md_path);
	}
	fputs(",\"error\":", f);
	if (err_kind) {
		fputs("{\"kind\":", f);
		json_str(f, err_kind);
		fputs(",\"message\":", f);
		json_str(f, err_msg);
		putc('}', f);
	} else {
		fputs("null", f);
	}
	fputs("}\n", f);
}

/* An error line without a report: "verdict": null, "findings": [], nothing known. */
static void json_error_line(FILE *f, size_t index, const char *path, int exit_code,
			    double seconds, const char *err_kind, const char *err_msg,
			    bool redact)
{
	/* The message may quote addresses read from the dump: no report knows more. */
	int n = redact ? vsc_report_redact(NULL, err_msg, NULL, 0) : -1;
	char *msg = n >= 0 ? malloc((size_t)n + 1) : NULL;

	if (msg && vsc_report_redact(NULL, err_msg, msg, (size_t)n + 1) < 0) {
		free(msg);
		msg = NULL;
	}

	json_head(f, index, path);
	fputs(",\"verdict\":null,\"findings\":[],\"verdict_kind\":null,\"devices\":[],"
	      "\"release\":null,\"build_id\":null,\"dump_time\":null,\"panic\":null,"
	      "\"taint\":null", f);
	json_tail(f, 0, exit_code, seconds, NULL, err_kind,
		  msg ? msg : redact ? "<redacted>" : err_msg);
	free(msg);
}

/* ---- the worker ------------------------------------------------------------ */

/*
 * Markdown report to @md_path, through a temporary file renamed into place
 * (an existing report is replaced whole or not at all); the error, or NULL.
 */
static struct vsc_error *write_markdown(struct cli_options *opts, const struct vsc_report *rep,
					const char *md_path, int *exit_code)
{
	struct vsc_render_options ro = { .format = VSC_FORMAT_MARKDOWN, .redact = opts->redact,
					 .verbose = opts->verbose };
	struct vsc_error *err = NULL;
	struct stat st;
	char *tmp;
	int fd = cli_tmpfile(md_path, !stat(md_path, &st) && S_ISREG(st.st_mode) ? &st : NULL,
			     &tmp);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	if (!f) {
		err = vsc_error_create(VSC_ERR_IO, "%s: %s", md_path, strerror(errno));
		if (fd >= 0)
			close(fd);
	} else {
		err = vsc_report_render(rep, f, &ro);
		if (fclose(f) && !err)
			err = vsc_error_create(VSC_ERR_IO, "%s: %s", md_path, strerror(errno));
		if (!err && rename(tmp, md_path))
			err = vsc_error_create(VSC_ERR_IO, "%s: %s", md_path, strerror(errno));
	}
	if (err) {
		*exit_code = VSC_EXIT_INTERNAL;
		if (tmp)
			unlink(tmp);
	}
	free(tmp);
	return err;
}

/* Analyze one dump; returns the message for the parent (header + JSON line). */
static char *work(struct batch *b, size_t index, size_t *len)
{
	struct batch_item *it = &b->items[index];
	struct vsc_open_options oo = { .vmlinux = b->opts->vmlinux, .types = b->opts->types,
				       .unwinder = b->opts->unwinder };
	bool redact = b->opts->redact;
	struct vsc_target *t = NULL;
	struct vsc_report *rep = NULL;
	struct vsc_error *err;
	const char *top_kind = NULL;
	char *msg = NULL;
	double t0 = now();
	int exit_code;
	FILE *f = open_memstream(&msg, len);

	if (!f)
		return NULL;
	err = vsc_target_open(it->path, &oo, &t);
	if (err) {
		fprintf(f, "%d\t-\t%s\t0\n", VSC_EXIT_INPUT, vsc_error_kind_name(err->kind));
		json_error_line(f, index, it->path, VSC_EXIT_INPUT, now() - t0,
				vsc_error_kind_name(err->kind), err->message, redact);
		vsc_error_destroy(err);
		goto out;
	}
	err = vsc_report_create(&rep);
	if (!err) {
		vsc_analyze(t, rep, "vtdscope report", VTDSCOPE_VERSION, it->path, NULL, 0,
			    &(struct vsc_analysis_options){ .verbose = b->opts->verbose });
		err = vsc_report_check(rep);
	}
	if (err) {
		fprintf(f, "%d\t-\tinternal\t0\n", VSC_EXIT_INTERNAL);
		json_error_line(f, index, it->path, VSC_EXIT_INTERNAL, now() - t0, "internal",
				err->message, redact);
		vsc_error_destroy(err);
		goto out;
	}
	exit_code = cli_exit_for(rep);
	if (it->md_path)
		err = write_markdown(b->opts, rep, it->md_path, &exit_code);
	vsc_report_finding_get(rep, 0, NULL, &top_kind, NULL);
	fprintf(f, "%d\t%s\t%s\t%zu\n", exit_code, top_kind ? top_kind : "-",
		err ? vsc_error_kind_name(err->kind) : "-", vsc_report_error_count(rep));
	json_head(f, index, it->path);
	fputs(",\"verdict\":", f);
	json_report_str(f, rep, redact, vsc_report_verdict(rep));
	fputs(",\"findings\":[", f);
	for (size_t i = 0; i < vsc_report_finding_count(rep); i++) {
		enum vsc_severity sev;
		const char *kind, *verdict;

		if (!vsc_report_finding_get(rep, i, &sev, &kind, &verdict))
			break;
		fprintf(f, "%s{\"severity\":", i ? "," : "");
		json_str(f, vsc_severity_name(sev));
		fputs(",\"kind\":", f);
		json_str(f, kind);
		fputs(",\"verdict\":", f);
		json_report_str(f, rep, redact, verdict);
		putc('}', f);
	}
	putc(']', f);
	json_summary(f, rep, redact);
	json_tail(f, vsc_report_error_count(rep), exit_code, now() - t0, it->md_path,
		  err ? vsc_error_kind_name(err->kind) : NULL, err ? err->message : NULL);
	vsc_error_destroy(err);
out:
	vsc_report_destroy(rep);
	vsc_target_destroy(t);
	if (fclose(f)) {
		free(msg);
		return NULL;
	}
	return msg;
}

static bool write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		len -= (size_t)w;
	}
	return true;
}

/* A result the parent makes itself: the worker could not start, crashed or hung. */
static void fail_item(struct batch *b, size_t index, const char *kind, const char *what)
{
	struct batch_item *it = &b->items[index];
	char *msg = NULL;
	size_t len = 0;
	FILE *f;

	free(it->buf);
	free(it->err_kind);
	it->buf = NULL;
	it->len = 0;
	it->exit = VSC_EXIT_INTERNAL;
	it->err_kind = strdup(kind);
	f = open_memstream(&msg, &len);
	if (f) {
		json_error_line(f, index, it->path, VSC_EXIT_INTERNAL, now() - it->started, kind,
				what, false);
		if (fclose(f)) {
			free(msg);
			msg = NULL;
		}
	}
	it->buf = msg;
	it->len = msg ? len : 0;
	it->line = msg;
	it->done = true;
}

/* Fork the worker for @index; false if it could not be started (item failed). */
static bool start_worker(struct batch *b, size_t index)
{
	struct batch_item *it = &b->items[index];
	char what[128];
	int p[2], rc;
	pid_t pid;

	it->started = now();
	if (pipe(p)) {
		snprintf(what, sizeof(what), "cannot start a worker: pipe: %s", strerror(errno));
		fail_item(b, index, "internal", what);
		return false;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		snprintf(what, sizeof(what), "cannot start a worker: fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		fail_item(b, index, "internal", what);
		return false;
	}
	if (pid == 0) {
		size_t len = 0;
		char *msg;
		int devnull = open("/dev/null", O_WRONLY);

		/* stdout may be the results file: nothing else may write there. */
		if (devnull >= 0)
			dup2(devnull, STDOUT_FILENO);
		close(p[0]);
		for (size_t i = b->next_write; i < b->n; i++)
			if (b->items[i].fd >= 0)
				close(b->items[i].fd);
		signal(SIGPIPE, SIG_DFL);
		/*
		 * Test hook: VTDSCOPE_TEST_STALL=NAME makes the worker for the input
		 * whose file name is NAME stall, so the --timeout path can be tested
		 * now that no real input hangs the analysis.
		 */
		{
			const char *stall = getenv("VTDSCOPE_TEST_STALL");
			const char *base = strrchr(b->items[index].path, '/');

			base = base ? base + 1 : b->items[index].path;
			if (stall && !strcmp(stall, base))
				sleep(3600);
		}
		msg = work(b, index, &len);
		rc = msg && write_all(p[1], msg, len) ? 0 : 125;
		/* The parent's state, copied by fork: freed for leak checkers' sake. */
		free(msg);
		free_batch(b);
		_exit(rc);
	}
	close(p[1]);
	it->pid = pid;
	it->fd = p[0];
	b->running++;
	return true;
}

/* The worker's pipe reached EOF: reap it and turn what it sent into a result. */
static void finish_worker(struct batch *b, size_t index)
{
	struct batch_item *it = &b->items[index];
	int status = 0;
	char *nl, *tab1, *tab2, *tab3;
	long code;

	close(it->fd);
	it->fd = -1;
	while (waitpid(it->pid, &status, 0) < 0 && errno == EINTR)
		;
	it->pid = 0;
	b->running--;
	it->done = true;
	if (it->timed_out || !WIFEXITED(status) || WEXITSTATUS(status))
		goto failed;
	/* Header: exit TAB kind TAB error-kind TAB report-errors NL, then the line. */
	if (!it->len || memchr(it->buf, '\0', it->len))
		goto failed;
	nl = strchr(it->buf, '\n');
	tab1 = strchr(it->buf, '\t');
	tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
	tab3 = tab2 ? strchr(tab2 + 1, '\t') : NULL;
	if (!nl || !tab3 || tab3 > nl || it->buf[it->len - 1] != '\n')
		goto failed;
	*nl = *tab1 = *tab2 = *tab3 = '\0';
	it->report_errors = strtoul(tab3 + 1, NULL, 10);
	code = strtol(it->buf, NULL, 10);
	it->exit = (int)code;
	if (strcmp(tab1 + 1, "-"))
		it->kind = strdup(tab1 + 1);
	if (strcmp(tab2 + 1, "-"))
		it->err_kind = strdup(tab2 + 1);
	it->line = nl + 1;
	return;

failed:
	{
		char what[128];

		if (it->timed_out)
			snprintf(what, sizeof(what), "analysis did not finish in %u s (--timeout)",
				 b->timeout);
		else if (WIFSIGNALED(status))
			snprintf(what, sizeof(what), "worker killed by signal %d (%s)",
				 WTERMSIG(status), strsignal(WTERMSIG(status)));
		else
			snprintf(what, sizeof(what), "worker exited with status %d and no result",
				 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		fail_item(b, index, it->timed_out ? "timeout" : "crash", what);
	}
}

static void read_worker(struct batch *b, size_t index)
{
	struct batch_item *it = &b->items[index];
	char chunk[65536];
	ssize_t r = read(it->fd, chunk, sizeof(chunk));

	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (r <= 0) {
		finish_worker(b, index);
		return;
	}
	if (it->len + (size_t)r + 1 > it->cap) {
		size_t cap = (it->len + (size_t)r + 1) * 2;
		char *nb = realloc(it->buf, cap);

		if (!nb) {
			/* Treat as a failed worker: kill it, the EOF path reports it. */
			kill(it->pid, SIGKILL);
			return;
		}
		it->buf = nb;
		it->cap = cap;
	}
	memcpy(it->buf + it->len, chunk, (size_t)r);
	it->len += (size_t)r;
	it->buf[it->len] = '\0';
}

/* ---- progress and summary -------------------------------------------------- */

static void progress(struct batch *b, bool force)
{
	double t = now();
	char bar[31];
	size_t fill;

	if (!b->progress || (!force && t - b->last_progress < 0.2))
		return;
	b->last_progress = t;
	fill = b->n ? b->finished * (sizeof(bar) - 1) / b->n : 0;
	memset(bar, '#', fill);
	memset(bar + fill, '.', sizeof(bar) - 1 - fill);
	bar[sizeof(bar) - 1] = '\0';
	fprintf(stderr, "\r\033[K[%s] %zu/%zu dumps, %zu error%s, %.1f s", bar, b->finished, b->n,
		b->failed, b->failed == 1 ? "" : "s", t - b->t0);
	if (b->finished && b->finished < b->n)
		fprintf(stderr, ", ~%.0f s left",
			(t - b->t0) / (double)b->finished * (double)(b->n - b->finished));
	fflush(stderr);
}

struct tally {
	const char *name;
	size_t count;
};

static void tally_add(struct tally *t, size_t *n, const char *name)
{
	for (size_t i = 0; i < *n; i++) {
		if (!strcmp(t[i].name, name)) {
			t[i].count++;
			return;
		}
	}
	t[(*n)++] = (struct tally){ name, 1 };
}

static int tally_cmp(const void *a, const void *b)
{
	const struct tally *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void summary(struct batch *b, double seconds)
{
	struct tally *kinds = calloc(b->n + 1, sizeof(*kinds));
	struct tally *errs = calloc(b->n + 1, sizeof(*errs));
	size_t nk = 0, ne = 0, ok = 0, findings = 0, errors = 0, incomplete = 0, unsure = 0;

	for (size_t i = 0; i < b->n; i++) {
		const struct batch_item *it = &b->items[i];

		if (it->exit == VSC_EXIT_OK)
			ok++;
		else if (it->exit == VSC_EXIT_INCOMPLETE)
			unsure++;
		else if (it->exit == VSC_EXIT_FINDINGS)
			findings++;
		else
			errors++;
		if (it->err_kind && errs)
			tally_add(errs, &ne, it->err_kind);
		if (it->report_errors)
			incomplete++;
		if (it->exit != VSC_EXIT_OK && it->exit != VSC_EXIT_FINDINGS &&
		    it->exit != VSC_EXIT_INCOMPLETE)
			continue;
		if (kinds)
			tally_add(kinds, &nk, it->kind ? it->kind : "(no findings)");
	}
	fprintf(stderr, "vtdscope batch: %zu dump%s in %.1f s (%.0f dumps/min, %u job%s)\n",
		b->n, b->n == 1 ? "" : "s", seconds, seconds > 0 ? (double)b->n * 60 / seconds : 0.0,
		b->jobs, b->jobs == 1 ? "" : "s");
	fprintf(stderr, "  %-28s %6zu\n", "ok (exit 0)", ok);
	fprintf(stderr, "  %-28s %6zu\n", "with findings (exit 1)", findings);
	if (unsure)
		fprintf(stderr, "  %-28s %6zu\n", "no findings, incomplete (5)", unsure);
	fprintf(stderr, "  %-28s %6zu\n", "errors (exit 3, 4)", errors);
	if (incomplete)
		fprintf(stderr, "  %-28s %6zu\n", "incomplete (report errors)", incomplete);
	if (nk) {
		qsort(kinds, nk, sizeof(*kinds), tally_cmp);
		fprintf(stderr, "  by verdict (most severe finding):\n");
		for (size_t i = 0; i < nk; i++)
			fprintf(stderr, "    %-26s %6zu\n", kinds[i].name, kinds[i].count);
	}
	if (ne) {
		qsort(errs, ne, sizeof(*errs), tally_cmp);
		fprintf(stderr, "  errors by kind:\n");
		for (size_t i = 0; i < ne; i++)
			fprintf(stderr, "    %-26s %6zu\n", errs[i].name, errs[i].count);
	}
	free(kinds);
	free(errs);
}

/* ---- inputs ---------------------------------------------------------------- */

static int add_item(struct batch *b, const char *path, const char *rel)
{
	struct batch_item *it;

	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		struct batch_item *ni = realloc(b->items, cap * sizeof(*ni));

		if (!ni)
			return -1;
		b->items = ni;
		b->cap = cap;
	}
	it = &b->items[b->n];
	memset(it, 0, sizeof(*it));
	it->fd = -1;
	it->path = strdup(path);
	it->rel = strdup(rel);
	if (!it->path || !it->rel) {
		free(it->path);
		free(it->rel);
		return -1;
	}
	b->n++;
	return 0;
}

/*
 * Does @path start like a dump: an ELF core, a kdump-compressed or
 * diskdump file, or a flattened makedumpfile stream (listed so that its
 * line says how to convert it)?  Unreadable files count: their line says why.
 */
static bool looks_like_dump(const char *path)
{
	unsigned char h[BATCH_SNIFF_LEN];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	unsigned type;

	if (fd < 0)
		return errno == EACCES;
	n = read(fd, h, sizeof(h));
	close(fd);
	if (n >= 8 && (!memcmp(h, "KDUMP   ", 8) || !memcmp(h, "DISKDUMP", 8)))
		return true;
	if (n >= 12 && !memcmp(h, "makedumpfile", 12))
		return true;
	if (n < 18 || memcmp(h, "\177ELF", 4))
		return false;
	type = h[5] == 2 ? (unsigned)h[16] << 8 | h[17] : (unsigned)h[17] << 8 | h[16];
	return type == 4; /* ET_CORE: not vmlinux, modules or programs */
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Dumps under @dir (sorted by name, hidden entries skipped), @depth levels deep. */
static int scan_dir(struct batch *b, const char *dir, const char *rel, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	if (!d)
		return 0; /* a subdirectory we cannot list is not a dump */
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? cap * 2 : 32) * sizeof(*nn));

			if (!nn) {
				rc = -1;
				break;
			}
			names = nn;
		}
		if (!(names[n] = strdup(de->d_name))) {
			rc = -1;
			break;
		}
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n && !rc; i++) {
		char *path = NULL, *sub = NULL;
		struct stat st;

		if (asprintf(&path, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/",
			     names[i]) < 0)
			path = NULL;
		if (asprintf(&sub, "%s%s%s", rel, *rel ? "/" : "", names[i]) < 0)
			sub = NULL;
		if (!path || !sub)
			rc = -1;
		else if (stat(path, &st))
			; /* dangling link */
		else if (S_ISDIR(st.st_mode) && depth < BATCH_MAX_DEPTH)
			rc = scan_dir(b, path, sub, depth + 1);
		else if (S_ISREG(st.st_mode) && looks_like_dump(path))
			rc = add_item(b, path, sub);
		free(path);
		free(sub);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

static bool md_name_taken(struct batch *b, size_t upto, const char *md)
{
	for (size_t i = 0; i < upto; i++)
		if (b->items[i].md_path && !strcmp(b->items[i].md_path, md))
			return true;
	return false;
}

static bool basename_shared(struct batch *b, size_t index)
{
	const char *base = strrchr(b->items[index].path, '/');

	base = base ? base + 1 : b->items[index].path;
	for (size_t i = 0; i < b->n; i++) {
		const char *o = strrchr(b->items[i].path, '/');

		o = o ? o + 1 : b->items[i].path;
		if (i != index && !strcmp(o, base))
			return true;
	}
	return false;
}

/*
 * DIR/<basename>.md; when several dumps share a basename (fixtures/X/vmcore.elf)
 * the path below the DIR argument with '/' as '_', and the index if that
 * still collides.
 */
static int assign_markdown_paths(struct batch *b)
{
	const char *dir = b->md_dir;
	const char *slash = dir[strlen(dir) - 1] == '/' ? "" : "/";

	for (size_t i = 0; i < b->n; i++) {
		struct batch_item *it = &b->items[i];
		const char *base = strrchr(it->path, '/');
		char *name, *md = NULL;

		base = base ? base + 1 : it->path;
		name = strdup(basename_shared(b, i) ? it->rel : base);
		if (!name)
			return -1;
		for (char *p = name; *p; p++)
			if (*p == '/')
				*p = '_';
		if (asprintf(&md, "%s%s%s.md", dir, slash, name) < 0)
			md = NULL;
		if (md && md_name_taken(b, i, md)) {
			free(md);
			if (asprintf(&md, "%s%s%s-%zu.md", dir, slash, name, i) < 0)
				md = NULL;
		}
		free(name);
		if (!md)
			return -1;
		it->md_path = md;
	}
	return 0;
}

/* ---- the command ------------------------------------------------------------ */

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("vtdscope: batch: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see vtdscope batch --help)\n", stderr);
	return VSC_EXIT_USAGE;
}

static int parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max || s[0] == '-')
		return -1;
	*out = (unsigned)v;
	return 0;
}

static void free_batch(struct batch *b)
{
	free(b->pfd);
	free(b->pfd_item);
	b->pfd = NULL;
	b->pfd_item = NULL;
	for (size_t i = 0; i < b->n; i++) {
		free(b->items[i].path);
		free(b->items[i].rel);
		free(b->items[i].md_path);
		free(b->items[i].buf);
		free(b->items[i].kind);
		free(b->items[i].err_kind);
	}
	free(b->items);
}

static void write_ready(struct batch *b)
{
	while (b->next_write < b->next_start && b->items[b->next_write].done) {
		struct batch_item *it = &b->items[b->next_write];

		if (it->line)
			cli_output_write(b->out, it->line, strlen(it->line));
		fflush(b->out->f);
		/* Keep what the summary needs; drop the line. */
		free(it->buf);
		it->buf = NULL;
		it->line = NULL;
		b->next_write++;
	}
}

static void run_batch(struct batch *b)
{
	struct pollfd *pfd = b->pfd;
	size_t *idx = b->pfd_item;

	while (b->next_write < b->n) {
		size_t np = 0;
		double t = now();

		while (b->running < b->jobs && b->next_start < b->n) {
			if (!start_worker(b, b->next_start++)) {
				b->finished++;
				b->failed++;
			}
		}
		for (size_t i = b->next_write; i < b->next_start && np < b->jobs; i++) {
			struct batch_item *it = &b->items[i];

			if (it->fd < 0)
				continue;
			if (!it->timed_out && b->timeout && t - it->started > b->timeout) {
				it->timed_out = true;
				kill(it->pid, SIGKILL);
			}
			pfd[np] = (struct pollfd){ .fd = it->fd, .events = POLLIN };
			idx[np++] = i;
		}
		if (np && poll(pfd, np, 200) > 0) {
			for (size_t k = 0; k < np; k++) {
				if (!(pfd[k].revents & (POLLIN | POLLHUP | POLLERR)))
					continue;
				read_worker(b, idx[k]);
				if (b->items[idx[k]].done) {
					b->finished++;
					if (b->items[idx[k]].exit == VSC_EXIT_INPUT ||
					    b->items[idx[k]].exit == VSC_EXIT_INTERNAL)
						b->failed++;
					progress(b, true);
				}
			}
		}
		write_ready(b);
		progress(b, false);
	}
}

int cmd_batch(struct cli_options *opts)
{
	struct batch b = { .opts = opts, .timeout = BATCH_DEFAULT_TIMEOUT };
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	const char *jobs = cli_opt(opts, CLI_OPT_JOBS), *timeout = cli_opt(opts, CLI_OPT_TIMEOUT);
	const char **inputs;
	struct cli_output out;
	int rc = VSC_EXIT_OK;
	double seconds;

	b.md_dir = cli_opt(opts, CLI_OPT_MARKDOWN_DIR);
	if (cli_flag(opts, CLI_OPT_LIVE))
		return usage_error("%s", "--live does not apply: batch reads dump files");
	if (cli_opt(opts, CLI_OPT_FORMAT) && opts->format != VSC_FORMAT_JSON)
		return usage_error("%s", "--format must be json: batch writes JSON Lines");
	if (!opts->argc)
		return usage_error("%s", "no dumps or directories given");
	b.jobs = ncpu > 0 ? (unsigned)(ncpu < BATCH_MAX_JOBS ? ncpu : BATCH_MAX_JOBS) : 1;
	if (jobs && parse_uint(jobs, 1, BATCH_MAX_JOBS, &b.jobs))
		return usage_error("--jobs must be a number from 1 to 256, not '%s'", jobs);
	if (timeout && parse_uint(timeout, 0, 86400, &b.timeout))
		return usage_error("--timeout must be seconds from 0 (none) to 86400, not '%s'",
				   timeout);
	if (b.md_dir && !*b.md_dir)
		return usage_error("%s", "--markdown-dir needs a directory");

	/* Inputs, in order: files as given, directories scanned. */
	for (int i = 0; i < opts->argc; i++) {
		const char *a = opts->argv[i];
		struct stat st;
		size_t before = b.n;

		if (!stat(a, &st) && S_ISDIR(st.st_mode)) {
			if (scan_dir(&b, a, "", 1)) {
				fprintf(stderr, "vtdscope: batch: out of memory\n");
				free_batch(&b);
				return VSC_EXIT_INTERNAL;
			}
			if (b.n == before)
				fprintf(stderr, "vtdscope: batch: %s: no dump files found\n", a);
		} else {
			const char *base = strrchr(a, '/');

			if (add_item(&b, a, base && base[1] ? base + 1 : a)) {
				fprintf(stderr, "vtdscope: batch: out of memory\n");
				free_batch(&b);
				return VSC_EXIT_INTERNAL;
			}
		}
	}
	if (!b.n) {
		free_batch(&b);
		return VSC_EXIT_INPUT;
	}
	/* -o never names a dump of the batch, nor the vmlinux. */
	inputs = calloc(b.n + 1, sizeof(*inputs));
	if (!inputs) {
		fprintf(stderr, "vtdscope: batch: out of memory\n");
		free_batch(&b);
		return VSC_EXIT_INTERNAL;
	}
	for (size_t i = 0; i < b.n; i++)
		inputs[i] = b.items[i].path;
	inputs[b.n] = opts->vmlinux;
	rc = cli_output_check(opts, inputs, b.n + 1);
	free(inputs);
	if (rc) {
		free_batch(&b);
		return rc;
	}
	if (b.jobs > b.n)
		b.jobs = (unsigned)b.n;
	if (b.md_dir) {
		if (mkdir(b.md_dir, 0777) && errno != EEXIST) {
			fprintf(stderr, "vtdscope: %s: %s\n", b.md_dir, strerror(errno));
			free_batch(&b);
			return VSC_EXIT_INTERNAL;
		}
		if (assign_markdown_paths(&b)) {
			fprintf(stderr, "vtdscope: batch: out of memory\n");
			free_batch(&b);
			return VSC_EXIT_INTERNAL;
		}
	}
	rc = cli_output_open(&out, opts, NULL);
	if (rc) {
		free_batch(&b);
		return rc;
	}
	b.out = &out;
	b.pfd = calloc(b.jobs, sizeof(*b.pfd));
	b.pfd_item = calloc(b.jobs, sizeof(*b.pfd_item));
	if (!b.pfd || !b.pfd_item) {
		fprintf(stderr, "vtdscope: batch: out of memory\n");
		cli_output_close(&out, false);
		free_batch(&b);
		return VSC_EXIT_INTERNAL;
	}
	/* A bar on the terminal, never into a log or between result lines on it. */
	b.progress = isatty(STDERR_FILENO) && !(out.f == stdout && isatty(STDOUT_FILENO));
	b.t0 = now();
	run_batch(&b);
	seconds = now() - b.t0;
	if (b.progress)
		fputs("\r\033[K", stderr);
	/* A results file that could not be written in full is a failed batch (4). */
	if (cli_output_close(&out, true))
		rc = VSC_EXIT_INTERNAL;
	summary(&b, seconds);
	for (size_t i = 0; i < b.n; i++) {
		int e = b.items[i].exit;

		/* Precedence: internal (4), unreadable (3), findings (1), incomplete (5). */
		if (e == VSC_EXIT_INTERNAL ||
		    (e == VSC_EXIT_INPUT && rc != VSC_EXIT_INTERNAL) ||
		    (e == VSC_EXIT_FINDINGS && (rc == VSC_EXIT_OK || rc == VSC_EXIT_INCOMPLETE)) ||
		    (e == VSC_EXIT_INCOMPLETE && rc == VSC_EXIT_OK))
			rc = e;
	}
	free_batch(&b);
	return rc;
}
