// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * refresh_probe: one live target, refreshed, inside a fixture guest
 * (tests/dumps/test_live.py runs it there through fixtures/run-in-guest).
 *
 *   refresh_probe [--refreshes N] [--sleep-ms MS] [--unload MODULE] [--measure K] /proc/kcore
 *
 * Opens the target once and, N times, sleeps, writes a marker line to the
 * kernel log (/dev/kmsg: the test's doing, not the tool's), optionally
 * unloads MODULE before the first refresh, and refreshes the analysis
 * (vsc_analysis_refresh()).  Each epoch it reads jiffies with the guest's
 * CLOCK_MONOTONIC next to it, names the address /proc/modules gives for
 * MODULE (or the first module) through the target's module tables, asks for
 * the log and the VT-d model products and says whether the log holds the
 * markers written so far.  Then it times K refreshes with a re-read of the
 * VT-d model against K full reopens.  Everything goes to stdout as one JSON
 * object; the test compares it with the kernel's own answers (/proc/modules,
 * CONFIG_HZ, the markers it wrote).  Built for the tests, never installed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <vtdscope/analyzer.h>
#include <vtdscope/printk.h>
#include <vtdscope/symbols.h>
#include <vtdscope/target.h>
#include <vtdscope/unwind.h>

#include "vtd.h"

#define MAX_STEPS 64

struct step {
	uint64_t epoch, jiffies, mono_ns;
	double refresh_ms;         /* the refresh that started this epoch (0 for the first) */
	const char *module;        /* the target's name for the module address, or NULL */
	int markers_before;        /* markers in the log product just before the refresh */
	int markers_seen;          /* markers in the log product of this epoch */
	size_t log_records;
	uint64_t log_first_seq, log_last_seq;
	const char *log_error;
	int units, pending_batches, free_head;
	unsigned int model_builds, log_builds;
	const char *error;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double ms_since(uint64_t t0)
{
	return (double)(now_ns() - t0) / 1e6;
}

static void die(const char *what, struct vsc_error *err)
{
	fprintf(stderr, "refresh_probe: %s: %s\n", what, err ? err->message : strerror(errno));
	exit(1);
}

/* Name and load address of @want in /proc/modules (the first module when NULL); the count. */
static int proc_modules(const char *want, char *name, size_t size, uint64_t *addr)
{
	FILE *f = fopen("/proc/modules", "r");
	char line[512], n[128];
	unsigned long long a;
	int count = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		count++;
		if (sscanf(line, "%127s %*s %*s %*s %*s %llx", n, &a) != 2)
			continue;
		if (name && !*name && (!want || !strcmp(n, want))) {
			snprintf(name, size, "%s", n);
			*addr = a;
		}
	}
	fclose(f);
	return count;
}

static void kmsg(const char *text)
{
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, text, strlen(text)) < 0)
		die("writing /dev/kmsg", NULL);
	close(fd);
}

/* How many of markers 1..@n the log product holds. */
static int markers_in_log(const struct vsc_log_records *lr, int n)
{
	int seen = 0;

	for (int k = 1; k <= n; k++) {
		char m[64];

		snprintf(m, sizeof(m), "vtdscope-probe marker %d of pid %d", k, (int)getpid());
		for (size_t i = 0; i < lr->nr; i++) {
			if (memmem(lr->records[i].text, lr->records[i].text_len, m, strlen(m))) {
				seen++;
				break;
			}
		}
	}
	return seen;
}

static const struct vsc_log_records *log_product(struct vsc_analysis *a)
{
	const void *p;
	struct vsc_error *err = vsc_analysis_get(a, VSC_PRODUCT_LOG, &p);

	if (err)
		die("the log product", err);
	return p;
}

static void observe(struct vsc_analysis *a, uint64_t jiffies_addr, uint64_t mod_addr,
		    int markers, struct step *s)
{
	struct vsc_target *t = a->target;
	const struct vsc_log_records *lr;
	struct vtd_model *m;
	const char *sym = NULL;
	uint64_t off;
	struct vsc_error *err;

	s->epoch = vsc_target_epoch(t);
	s->mono_ns = now_ns();
	err = vsc_read_u64(t, jiffies_addr, &s->jiffies, "jiffies");
	if (err)
		die("reading jiffies", err);
	if (mod_addr)
		vsc_code_symbol(t, mod_addr, &sym, &off, &s->module);
	lr = log_product(a);
	s->markers_seen = markers_in_log(lr, markers);
	s->log_records = lr->nr;
	if (lr->nr) {
		s->log_first_seq = lr->records[0].seq;
		s->log_last_seq = lr->records[lr->nr - 1].seq;
	}
	if (lr->error)
		s->log_error = strdup(lr->error->message);
	err = vtd_model_get(a, &m);
	if (err) {
		s->error = strdup(err->message);
		vsc_error_destroy(err);
	} else {
		s->units = m->nr_units;
		s->free_head = m->nr_units ? m->units[0].free_head : -1;
		for (int u = 0; u < m->nr_units; u++)
			for (int b = 0; b < m->units[u].nr_batches; b++)
				s->pending_batches += m->units[u].batches[b].pending;
	}
	s->model_builds = vsc_analysis_builds(a, "vtd.model");
	s->log_builds = vsc_analysis_builds(a, VSC_PRODUCT_LOG);
}

static void json_str(const char *key, const char *v, const char *sep)
{
	printf("\"%s\": ", key);
	if (!v) {
		printf("null%s", sep);
		return;
	}
	putchar('"');
	for (; *v; v++)
		if (*v == '"' || *v == '\\')
			printf("\\%c", *v);
		else if ((unsigned char)*v < 0x20)
			printf("\\u%04x", *v);
		else
			putchar(*v);
	printf("\"%s", sep);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "refreshes", required_argument, NULL, 'n' },
		{ "sleep-ms", required_argument, NULL, 's' },
		{ "unload", required_argument, NULL, 'u' },
		{ "measure", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	int refreshes = 3, sleep_ms = 500, measure = 5, c, nmod, nmod_after = -1, unload_rc = 0;
	const char *unload = NULL, *path;
	struct vsc_open_options opts = { 0 };
	struct step steps[MAX_STEPS + 1] = { { 0 } };
	struct vsc_target *t;
	struct vsc_analysis a;
	char modname[128] = "";
	uint64_t jiffies_addr, tick_nsec = 0, sym, mod_addr = 0, t0, first_epoch;
	double open_ms, reopen_ms = 0, rr_ms = 0, rr_max = 0, refresh_max = 0;
	const char *module_before_refresh = NULL;
	unsigned long refresh_calls = 0;
	struct vsc_error *err;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'n': refreshes = atoi(optarg); break;
		case 's': sleep_ms = atoi(optarg); break;
		case 'u': unload = optarg; break;
		case 'm': measure = atoi(optarg); break;
		default: return 2;
		}
	}
	if (optind != argc - 1 || refreshes < 1 || refreshes > MAX_STEPS || sleep_ms < 0 ||
	    measure < 0) {
		fprintf(stderr, "usage: refresh_probe [--refreshes N] [--sleep-ms MS] "
			"[--unload MODULE] [--measure K] /proc/kcore\n");
		return 2;
	}
	path = argv[optind];

	t0 = now_ns();
	err = vsc_target_open(path, &opts, &t);
	if (err)
		die(path, err);
	open_ms = ms_since(t0);
	vsc_analysis_init(&a, t, NULL);
	err = vsc_symbol_address(t, "jiffies", &jiffies_addr);
	if (err)
		die("jiffies", err);
	/* The kernel's own tick length (NSEC_PER_SEC / HZ, NTP-adjusted), where it has one. */
	if (!vsc_error_consume(vsc_symbol_address(t, "tick_nsec", &sym)))
		vsc_error_destroy(vsc_read_u64(t, sym, &tick_nsec, "tick_nsec"));
	nmod = proc_modules(unload, modname, sizeof(modname), &mod_addr);
	first_epoch = vsc_target_epoch(t);

	observe(&a, jiffies_addr, mod_addr, 0, &steps[0]);
	for (int i = 1; i <= refreshes; i++) {
		struct step *s = &steps[i];
		char marker[96];

		usleep((useconds_t)sleep_ms * 1000);
		snprintf(marker, sizeof(marker), "<6>vtdscope-probe marker %d of pid %d\n", i,
			 (int)getpid());
		kmsg(marker);
		if (i == 1 && unload && *modname) {
			unload_rc = syscall(SYS_delete_module, unload, O_NONBLOCK) ? errno : 0;
			nmod_after = proc_modules(NULL, NULL, 0, NULL);
			/* this epoch's module tables still hold it */
			if (mod_addr) {
				const char *n = NULL;
				uint64_t off;

				vsc_code_symbol(t, mod_addr, &n, &off, &module_before_refresh);
			}
		}
		s->markers_before = markers_in_log(log_product(&a), i);
		t0 = now_ns();
		vsc_analysis_refresh(&a);
		refresh_calls++;
		s->refresh_ms = ms_since(t0);
		if (s->refresh_ms > refresh_max)
			refresh_max = s->refresh_ms;
		observe(&a, jiffies_addr, mod_addr, i, s);
	}

	/* A refresh and a re-read of the VT-d state, against a whole reopen and the same read. */
	for (int k = 0; k < measure; k++) {
		struct vsc_target *t2;
		struct vsc_analysis a2;
		struct vtd_model *m;

		t0 = now_ns();
		vsc_analysis_refresh(&a);
		refresh_calls++;
		err = vtd_model_get(&a, &m);
		vsc_error_destroy(err);
		{
			double d = ms_since(t0);

			rr_ms += d;
			if (d > rr_max)
				rr_max = d;
		}
		t0 = now_ns();
		err = vsc_target_open(path, &opts, &t2);
		if (err)
			die("reopening", err);
		vsc_analysis_init(&a2, t2, NULL);
		vsc_error_destroy(vtd_model_get(&a2, &m));
		vsc_analysis_deinit(&a2);
		vsc_target_destroy(t2);
		reopen_ms += ms_since(t0);
	}

	printf("{\n");
	json_str("release", vsc_target_info(t)->release, ",\n");
	printf("\"live\": %s,\n", vsc_target_info(t)->live ? "true" : "false");
	printf("\"open_ms\": %.3f,\n", open_ms);
	printf("\"tick_nsec\": %" PRIu64 ",\n", tick_nsec);
	printf("\"first_epoch\": %" PRIu64 ",\n", first_epoch);
	printf("\"last_epoch\": %" PRIu64 ",\n", vsc_target_epoch(t));
	printf("\"refresh_calls\": %lu,\n", refresh_calls);
	printf("\"refresh_max_ms\": %.3f,\n", refresh_max);
	json_str("module", *modname ? modname : NULL, ",\n");
	printf("\"module_addr\": \"0x%" PRIx64 "\",\n", mod_addr);
	printf("\"modules\": %d,\n", nmod);
	json_str("unloaded", unload, ",\n");
	printf("\"unload_errno\": %d,\n", unload_rc);
	printf("\"modules_after_unload\": %d,\n", nmod_after);
	json_str("module_before_refresh", module_before_refresh, ",\n");
	printf("\"stats\": {\"kallsyms_decodes\": %lu, \"types_loads\": %lu, \"module_scans\": %lu, "
	       "\"log_scans\": %lu},\n", vsc_target_stats(t)->kallsyms_decodes,
	       vsc_target_stats(t)->types_loads, vsc_target_stats(t)->module_scans,
	       vsc_target_stats(t)->log_scans);
	printf("\"measure\": {\"runs\": %d, \"refresh_reread_ms\": %.3f, \"refresh_reread_max_ms\": "
	       "%.3f, \"reopen_reread_ms\": %.3f},\n", measure, measure ? rr_ms / measure : 0,
	       rr_max, measure ? reopen_ms / measure : 0);
	printf("\"steps\": [\n");
	for (int i = 0; i <= refreshes; i++) {
		const struct step *s = &steps[i];

		printf("  {\"epoch\": %" PRIu64 ", \"jiffies\": %" PRIu64 ", \"mono_ns\": %" PRIu64
		       ", \"refresh_ms\": %.3f, ", s->epoch, s->jiffies, s->mono_ns, s->refresh_ms);
		json_str("target_module", s->module, ", ");
		printf("\"markers_before\": %d, \"markers_seen\": %d, \"units\": %d, "
		       "\"free_head\": %d, \"pending_batches\": %d, \"model_builds\": %u, "
		       "\"log_builds\": %u, ", s->markers_before, s->markers_seen,
		       s->units, s->free_head, s->pending_batches, s->model_builds, s->log_builds);
		printf("\"log_records\": %zu, \"log_seq\": [%" PRIu64 ", %" PRIu64 "], ",
		       s->log_records, s->log_first_seq, s->log_last_seq);
		json_str("log_error", s->log_error, ", ");
		json_str("error", s->error, "}");
		printf("%s\n", i < refreshes ? "," : "");
	}
	printf("]\n}\n");
	vsc_analysis_deinit(&a);
	vsc_target_destroy(t);
	return 0;
}
