// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The target's backends (struct vsc_target_ops) and its epochs.
 *
 * Without data: a live target over a memory file served by the kcore
 * backend (the file stands for /proc/kcore: an ELF image whose PT_LOAD
 * segments are kernel virtual ranges).  The test changes the "kernel" under
 * it and checks that plain reads see the change at once, what the target
 * keeps for an epoch (blobs, the online mask, panic_cpu, the segments) does
 * not until a refresh and does after it, the epoch counts the refreshes, and
 * the analysis builds a product again, or retries a failed one, once per
 * epoch.  Ground truth is what the test wrote.
 *
 * With a fixture (skipped otherwise): a real vmcore, ELF and kdump-compressed,
 * of the qi-hang scenario.  Reads are checked against the guest's own record
 * in the fixture manifest (release, the queued descriptors, the scenario
 * module's frame on its CPU); a refresh of a dump is a no-op: the epoch
 * stays, every read gives the same result, nothing is read or decoded again
 * and products are not rebuilt.
 * Exit status 77 when every test was skipped.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include <vtdscope/analyzer.h>
#include <vtdscope/printk.h>
#include <vtdscope/symbols.h>
#include <vtdscope/target.h>
#include <vtdscope/types.h>
#include <vtdscope/unwind.h>

#include "core/target_internal.h"

static int tests_skipped;

#define SKIP_BECAUSE(...)                              \
	do {                                           \
		print_message("skip: " __VA_ARGS__);   \
		tests_skipped++;                       \
		skip();                                \
	} while (0)

static void ok(struct vsc_error *err, const char *what)
{
	if (err)
		fail_msg("%s: %s", what, err->message);
}

/* ---- a live target over a memory file ---------------------------------- */

#define BASE 0xffffffff82000000ULL      /* segment 0: the "kernel image" */
#define HOTPLUG 0xffff888100000000ULL   /* segment 1: appears later */
#define SEG_SIZE 4096
#define OFF_NR_CPUS 0x0
#define OFF_ONLINE 0x40
#define OFF_PANIC 0x80
#define OFF_DMAR 0xc0
#define OFF_DATA 0x100
#define NR_CPUS 4

struct fake {
	int fd;
	struct vsc_target *t;
};

/* The ELF header and @nseg program headers at the start of the file. */
static void write_headers(int fd, unsigned int nseg)
{
	struct {
		Elf64_Ehdr eh;
		Elf64_Phdr ph[2];
	} h = { 0 };
	const uint64_t vaddr[2] = { BASE, HOTPLUG };

	memcpy(h.eh.e_ident, ELFMAG, SELFMAG);
	h.eh.e_ident[EI_CLASS] = ELFCLASS64;
	h.eh.e_ident[EI_DATA] = ELFDATA2LSB;
	h.eh.e_ident[EI_VERSION] = EV_CURRENT;
	h.eh.e_type = ET_CORE;
	h.eh.e_machine = EM_X86_64;
	h.eh.e_phoff = sizeof(h.eh);
	h.eh.e_ehsize = sizeof(h.eh);
	h.eh.e_phentsize = sizeof(Elf64_Phdr);
	h.eh.e_phnum = (Elf64_Half)nseg;
	for (unsigned int i = 0; i < 2; i++) {
		h.ph[i].p_type = PT_LOAD;
		h.ph[i].p_offset = SEG_SIZE * (1 + i);
		h.ph[i].p_vaddr = vaddr[i];
		h.ph[i].p_filesz = h.ph[i].p_memsz = SEG_SIZE;
	}
	assert_int_equal(pwrite(fd, &h, sizeof(h), 0), sizeof(h));
}

/* Write @len bytes of "kernel memory" at @vaddr in segment 0. */
static void poke(struct fake *f, uint64_t vaddr, const void *buf, size_t len)
{
	assert_true(vaddr >= BASE && vaddr + len <= BASE + SEG_SIZE);
	assert_int_equal(pwrite(f->fd, buf, len, (off_t)(SEG_SIZE + vaddr - BASE)), (ssize_t)len);
}

static void poke_u64(struct fake *f, uint64_t vaddr, uint64_t v)
{
	poke(f, vaddr, &v, sizeof(v));
}

static int fake_setup(void **state)
{
	static const char segment1[] = "memory plugged in later";
	struct fake *f = calloc(1, sizeof(*f));
	char vi[512];
	int n;

	assert_non_null(f);
	f->fd = memfd_create("kcore", MFD_CLOEXEC);
	assert_true(f->fd >= 0);
	assert_int_equal(ftruncate(f->fd, 3 * SEG_SIZE), 0);
	write_headers(f->fd, 1);
	assert_int_equal(pwrite(f->fd, segment1, sizeof(segment1), 2 * SEG_SIZE),
			 sizeof(segment1));
	poke_u64(f, BASE + OFF_NR_CPUS, NR_CPUS);
	poke_u64(f, BASE + OFF_ONLINE, 0x3);            /* CPUs 0 and 1 online */
	poke_u64(f, BASE + OFF_PANIC, 0xffffffff);      /* no CPU panicked */
	poke(f, BASE + OFF_DATA, "epoch-0 contents", 17);

	f->t = calloc(1, sizeof(*f->t));
	assert_non_null(f->t);
	f->t->fd = -1;
	f->t->panic_cpu = -1;
	f->t->info.arch = "x86_64";
	f->t->info.page_size = 4096;
	ok(vsc_kcore_attach(f->t, f->fd, "fake kcore"), "attach");
	n = snprintf(vi, sizeof(vi),
		     "OSRELEASE=6.1.0-test\nPAGESIZE=4096\nSYMBOL(nr_cpu_ids)=%llx\n"
		     "SYMBOL(__cpu_online_mask)=%llx\nSYMBOL(panic_cpu)=%llx\n"
		     "SYMBOL(dmar_drhd_units)=%llx\n",
		     (unsigned long long)(BASE + OFF_NR_CPUS),
		     (unsigned long long)(BASE + OFF_ONLINE),
		     (unsigned long long)(BASE + OFF_PANIC),
		     (unsigned long long)(BASE + OFF_DMAR));
	assert_true(n > 0 && (size_t)n < sizeof(vi));
	ok(vsc_target_parse_vmcoreinfo(f->t, vi, (size_t)n), "VMCOREINFO");
	f->t->info.release = vsc_vmcoreinfo(f->t, "OSRELEASE");
	ok(f->t->ops->translation_init(f->t), "translation");
	ok(vsc_cpus_init(f->t), "CPUs");
	*state = f;
	return 0;
}

static int fake_teardown(void **state)
{
	struct fake *f = *state;

	vsc_target_destroy(f->t);
	close(f->fd);
	free(f);
	return 0;
}

static void test_live_backend(void **state)
{
	struct fake *f = *state;

	assert_ptr_equal(f->t->ops, &vsc_kcore_ops);
	assert_true(f->t->ops->live);
	assert_int_equal(vsc_nr_cpus(f->t), NR_CPUS);
	assert_true(vsc_cpu_online(f->t, 0) && vsc_cpu_online(f->t, 1));
	assert_false(vsc_cpu_online(f->t, 2) || vsc_cpu_online(f->t, 3));
	assert_int_equal(vsc_panic_cpu(f->t), -1);
}

static void test_live_refresh(void **state)
{
	struct fake *f = *state;
	struct vsc_target *t = f->t;
	const void *blob, *blob2;
	char buf[32];
	uint64_t epoch = vsc_target_epoch(t);
	struct vsc_error *err;

	ok(vsc_read_blob(t, BASE + OFF_DATA, 17, "data", &blob), "blob");
	assert_string_equal(blob, "epoch-0 contents");
	/* the segment that is not there yet */
	err = vsc_read(t, HOTPLUG, buf, 8, "hotplugged memory");
	assert_non_null(err);
	assert_int_equal(err->kind, VSC_ERR_NODATA);
	vsc_error_destroy(err);

	/* The kernel moves on: new data, CPU 2 comes up, CPU 3 panics, memory is added. */
	poke(f, BASE + OFF_DATA, "epoch-1 contents", 17);
	poke_u64(f, BASE + OFF_ONLINE, 0xf);
	poke_u64(f, BASE + OFF_PANIC, 3);
	write_headers(f->fd, 2);

	/* A plain read reads the kernel now; what the epoch keeps stays as it was. */
	ok(vsc_read(t, BASE + OFF_DATA, buf, 17, "data"), "read");
	assert_string_equal(buf, "epoch-1 contents");
	ok(vsc_read_blob(t, BASE + OFF_DATA, 17, "data", &blob2), "blob");
	assert_string_equal(blob2, "epoch-0 contents");
	assert_false(vsc_cpu_online(t, 2));
	assert_int_equal(vsc_panic_cpu(t), -1);
	assert_int_equal(vsc_target_epoch(t), epoch);

	ok(vsc_target_refresh(t), "refresh");
	assert_int_equal(vsc_target_epoch(t), epoch + 1);
	ok(vsc_read_blob(t, BASE + OFF_DATA, 17, "data", &blob2), "blob");
	assert_string_equal(blob2, "epoch-1 contents");
	assert_true(vsc_cpu_online(t, 2) && vsc_cpu_online(t, 3));
	assert_int_equal(vsc_panic_cpu(t), 3);
	ok(vsc_read(t, HOTPLUG, buf, 24, "hotplugged memory"), "read after refresh");
	assert_string_equal(buf, "memory plugged in later");

	/* Each refresh is one epoch, whether or not anything changed. */
	for (int i = 0; i < 3; i++)
		ok(vsc_target_refresh(t), "refresh");
	assert_int_equal(vsc_target_epoch(t), epoch + 4);
}

/* A kcore image that loses its headers: the refresh fails and changes nothing. */
static void test_live_refresh_error(void **state)
{
	struct fake *f = *state;
	struct vsc_target *t = f->t;
	uint64_t epoch = vsc_target_epoch(t);
	const void *blob;
	char buf[8] = { 0 };
	struct vsc_error *err;

	ok(vsc_read_blob(t, BASE + OFF_DATA, 17, "data", &blob), "blob");
	assert_int_equal(pwrite(f->fd, buf, sizeof(buf), 0), sizeof(buf));   /* no ELF magic */
	err = vsc_target_refresh(t);
	assert_non_null(err);
	assert_int_equal(err->kind, VSC_ERR_FORMAT);
	vsc_error_destroy(err);
	assert_int_equal(vsc_target_epoch(t), epoch);
	ok(vsc_read_blob(t, BASE + OFF_DATA, 17, "data", &blob), "blob");
	ok(vsc_read(t, BASE + OFF_DATA, buf, sizeof(buf), "data"), "old segments still read");
	write_headers(f->fd, 2);
	ok(vsc_target_refresh(t), "refresh");
	assert_int_equal(vsc_target_epoch(t), epoch + 1);
}

/* Products live for one epoch: built again after a refresh, a failure retried. */
static void test_live_products(void **state)
{
	struct fake *f = *state;
	struct vsc_analysis a;
	const void *p1, *p2;
	unsigned long unwinds;
	struct vsc_error *err;

	vsc_analysis_init(&a, f->t, NULL);
	ok(vsc_analysis_get(&a, VSC_PRODUCT_STACKS, &p1), "stacks");
	unwinds = vsc_target_stats(f->t)->unwinds;
	assert_int_equal(((const struct vsc_cpu_stacks *)p1)->nr_cpus, NR_CPUS);
	/* the live kernel's CPUs have no saved registers */
	assert_int_equal(((const struct vsc_cpu_stacks *)p1)->nr_unwound, 0);
	ok(vsc_analysis_get(&a, VSC_PRODUCT_STACKS, &p2), "stacks again");
	assert_ptr_equal(p1, p2);
	assert_int_equal(vsc_analysis_builds(&a, VSC_PRODUCT_STACKS), 1);

	/* The fake VMCOREINFO has no printk ring: the log product fails, once per epoch. */
	ok(vsc_analysis_get(&a, VSC_PRODUCT_LOG, &p1), "log");
	assert_non_null(((const struct vsc_log_records *)p1)->error);
	assert_int_equal(vsc_analysis_builds(&a, VSC_PRODUCT_LOG), 1);

	vsc_analysis_refresh(&a);
	ok(vsc_analysis_get(&a, VSC_PRODUCT_STACKS, &p2), "stacks after refresh");
	assert_int_equal(vsc_analysis_builds(&a, VSC_PRODUCT_STACKS), 2);
	assert_int_equal(vsc_target_stats(f->t)->unwinds, unwinds + NR_CPUS);
	ok(vsc_analysis_get(&a, VSC_PRODUCT_LOG, &p1), "log after refresh");
	assert_int_equal(vsc_analysis_builds(&a, VSC_PRODUCT_LOG), 2);
	ok(vsc_analysis_get(&a, VSC_PRODUCT_LOG, &p1), "log again");
	assert_int_equal(vsc_analysis_builds(&a, VSC_PRODUCT_LOG), 2);

	/*
	 * A build that fails (the VT-d model of a kernel with DMAR units but no
	 * types to read them) is reported once per epoch and tried again in the
	 * next.
	 */
	err = vsc_analysis_get(&a, "vtd.model", &p1);
	assert_non_null(err);
	assert_null(strstr(err->message, "reported once"));
	vsc_error_destroy(err);
	err = vsc_analysis_get(&a, "vtd.model", &p1);
	assert_non_null(err);
	assert_non_null(strstr(err->message, "reported once"));
	vsc_error_destroy(err);
	assert_int_equal(vsc_analysis_builds(&a, "vtd.model"), 1);
	vsc_analysis_refresh(&a);
	err = vsc_analysis_get(&a, "vtd.model", &p1);
	assert_non_null(err);
	assert_null(strstr(err->message, "reported once"));
	vsc_error_destroy(err);
	assert_int_equal(vsc_analysis_builds(&a, "vtd.model"), 2);
	/* its dependency was built in the same epoch and is not built twice */
	assert_int_equal(vsc_analysis_builds(&a, VSC_PRODUCT_LOG), 3);
	vsc_analysis_deinit(&a);
}

/* ---- a real dump ------------------------------------------------------- */

static const char *const dump_fixtures[] = { "qi-hang-6.1-l4", "qi-hang-6.12-l4" };

static char *fixture_dir(void)
{
	const char *fx = getenv("VTDSCOPE_FIXTURES"), *cache = getenv("VTDSCOPE_CACHE");
	const char *home = getenv("HOME");
	char *root = NULL, *dir = NULL;

	if (fx && *fx)
		root = strdup(fx);
	else if (cache && *cache)
		assert_true(asprintf(&root, "%s/fixtures", cache) > 0);
	else
		assert_true(asprintf(&root, "%s/.cache/vtdscope/fixtures", home ? home : "/root") > 0);
	for (size_t i = 0; i < sizeof(dump_fixtures) / sizeof(dump_fixtures[0]) && !dir; i++) {
		assert_true(asprintf(&dir, "%s/%s/manifest.json", root, dump_fixtures[i]) > 0);
		if (access(dir, R_OK)) {
			free(dir);
			dir = NULL;
			continue;
		}
		*strrchr(dir, '/') = '\0';
	}
	free(root);
	return dir;
}

static char *slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0, len = 0, n;

	if (!fp)
		return NULL;
	do {
		if (len + 4096 > cap) {
			cap = cap ? 2 * cap : 16384;
			buf = realloc(buf, cap + 1);
			assert_non_null(buf);
		}
		n = fread(buf + len, 1, 4096, fp);
		len += n;
	} while (n);
	fclose(fp);
	buf[len] = '\0';
	return buf;
}

/*
 * The value of "@key": after @from in the manifest's text (a string's
 * contents or a number's digits), and where the search may go on.  Enough
 * JSON for a file whose shape the fixture schema fixes.
 */
static const char *manifest_value(const char *from, const char *key, char *out, size_t size)
{
	char pat[64];
	const char *p, *end;

	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	p = strstr(from, pat);
	if (!p)
		fail_msg("manifest has no \"%s\"", key);
	p += strlen(pat);
	if (*p == '"')
		end = strchr(++p, '"');
	else
		end = p + strspn(p, "-0123456789");
	assert_non_null(end);
	assert_true((size_t)(end - p) < size);
	memcpy(out, p, (size_t)(end - p));
	out[end - p] = '\0';
	return end;
}

static uint64_t manifest_number(const char *from, const char *key, const char **next)
{
	char v[64];

	*next = manifest_value(from, key, v, sizeof(v));
	return strtoull(v, NULL, 0);
}

struct observed {
	char release[65];
	uint64_t qw[2][2];           /* the scenario's two descriptors */
	const char *symbol, *module; /* its module frame, as the target names it */
	uint64_t pc, offset;
	size_t nr_log;
	uint64_t last_seq;
	char last_text[128];
};

static int log_cb(void *arg, const struct vsc_log_record *rec)
{
	struct observed *o = arg;

	o->nr_log++;
	o->last_seq = rec->seq;
	snprintf(o->last_text, sizeof(o->last_text), "%.*s", (int)rec->text_len, rec->text);
	return 0;
}

/* What the test reads from the dump; @pc 0: find the module frame by unwinding. */
static void observe(struct vsc_target *t, const char *manifest, struct observed *o)
{
	struct vsc_member_info mi;
	uint64_t uts, desc, slot;
	const char *p;

	ok(vsc_symbol_address(t, "init_uts_ns", &uts), "init_uts_ns");
	ok(vsc_member(t, "struct uts_namespace", "name.release", &mi), "uts_namespace");
	ok(vsc_read_cstr(t, uts + mi.offset, o->release, sizeof(o->release), "release"), "release");

	p = strstr(manifest, "\"iommu\"");
	assert_non_null(p);
	desc = manifest_number(p, "desc", &p);
	p = strstr(manifest, "\"scenario_module\"");
	assert_non_null(p);
	for (int i = 0; i < 2; i++) {
		slot = manifest_number(p, "slot", &p);
		assert_true(slot < 256);
		ok(vsc_read(t, desc + 16 * slot, o->qw[i], 16, "qi->desc[slot]"), "descriptor");
	}
	if (!o->pc) {
		struct vsc_stack st;
		unsigned int cpu = (unsigned int)manifest_number(strstr(manifest, "\"scenario_module\""),
								 "cpu", &p);

		ok(vsc_unwind_cpu(t, cpu, &st), "unwinding the scenario's CPU");
		for (size_t i = 0; i < st.nr_frames && !o->pc; i++) {
			if (st.frames[i].module && !strcmp(st.frames[i].module, "vtdscen")) {
				o->pc = st.frames[i].pc;
				o->symbol = st.frames[i].symbol;
				o->module = st.frames[i].module;
				o->offset = st.frames[i].offset;
			}
		}
		vsc_stack_deinit(&st);
		if (!o->pc)
			fail_msg("CPU %u's stack has no frame in the scenario module vtdscen", cpu);
	} else {
		assert_true(vsc_code_symbol(t, o->pc, &o->symbol, &o->offset, &o->module));
	}
	ok(vsc_log_foreach(t, log_cb, o), "log");
}

static void check_dump(const char *dir, const char *file, const char *format)
{
	struct vsc_open_options opts = { .types = VSC_TYPES_BTF, .no_debuginfo_search = true };
	struct observed before = { 0 }, after = { 0 };
	char *path = NULL, *mpath = NULL, *manifest, want[64], qw[32];
	const struct vsc_target_stats *st;
	struct vsc_target *t;
	struct vsc_analysis a;
	const void *log1, *log2;
	const char *p;
	uint64_t epoch, blob_addr;
	const void *blob1, *blob2;

	assert_true(asprintf(&path, "%s/%s", dir, file) > 0);
	assert_true(asprintf(&mpath, "%s/manifest.json", dir) > 0);
	manifest = slurp(mpath);
	assert_non_null(manifest);
	if (access(path, R_OK)) {
		print_message("no %s in the fixture\n", path);
		goto out;
	}
	ok(vsc_target_open(path, &opts, &t), path);
	assert_string_equal(vsc_target_info(t)->format, format);
	assert_false(vsc_target_info(t)->live);
	assert_false(t->ops->live);
	assert_null(t->ops->refresh);
	epoch = vsc_target_epoch(t);

	observe(t, manifest, &before);
	/* against the guest's own record */
	manifest_value(strstr(manifest, "\"kernel\""), "release", want, sizeof(want));
	assert_string_equal(before.release, want);
	p = strstr(manifest, "\"descriptors\"");
	for (int i = 0; i < 2; i++) {
		p = manifest_value(p, "qw0", qw, sizeof(qw));
		assert_int_equal(before.qw[i][0], strtoull(qw, NULL, 0));
		p = manifest_value(p, "qw1", qw, sizeof(qw));
		assert_int_equal(before.qw[i][1], strtoull(qw, NULL, 0));
	}
	assert_non_null(before.symbol);
	assert_string_equal(before.module, "vtdscen");
	assert_true(before.nr_log > 0);

	st = vsc_target_stats(t);
	assert_int_equal(st->kallsyms_decodes, 1);
	assert_int_equal(st->types_loads, 1);
	assert_int_equal(st->module_scans, 1);
	blob_addr = 0;
	ok(vsc_symbol_address(t, "init_uts_ns", &blob_addr), "init_uts_ns");
	ok(vsc_read_blob(t, blob_addr, 64, "init_uts_ns", &blob1), "blob");

	vsc_analysis_init(&a, t, NULL);
	ok(vsc_analysis_get(&a, VSC_PRODUCT_LOG, &log1), "log product");
	assert_int_equal(((const struct vsc_log_records *)log1)->nr, before.nr_log);

	/* A dump never changes: refreshing it keeps the epoch and every answer. */
	for (int i = 0; i < 3; i++)
		ok(vsc_target_refresh(t), "refresh");
	vsc_analysis_refresh(&a);
	assert_int_equal(vsc_target_epoch(t), epoch);

	after.pc = before.pc;
	observe(t, manifest, &after);
	assert_string_equal(after.release, before.release);
	assert_memory_equal(after.qw, before.qw, sizeof(before.qw));
	/* the same strings, not read again: the module list was kept */
	assert_ptr_equal(after.symbol, before.symbol);
	assert_ptr_equal(after.module, before.module);
	assert_int_equal(after.offset, before.offset);
	assert_int_equal(after.nr_log, before.nr_log);
	assert_int_equal(after.last_seq, before.last_seq);
	assert_string_equal(after.last_text, before.last_text);
	ok(vsc_read_blob(t, blob_addr, 64, "init_uts_ns", &blob2), "blob");
	assert_ptr_equal(blob1, blob2);
	assert_int_equal(st->kallsyms_decodes, 1);
	assert_int_equal(st->types_loads, 1);
	assert_int_equal(st->module_scans, 1);
	ok(vsc_analysis_get(&a, VSC_PRODUCT_LOG, &log2), "log product");
	assert_ptr_equal(log1, log2);
	assert_int_equal(vsc_analysis_builds(&a, VSC_PRODUCT_LOG), 1);
	vsc_analysis_deinit(&a);
	vsc_target_destroy(t);
out:
	free(manifest);
	free(mpath);
	free(path);
}

static void test_dump_refresh(void **state)
{
	char *dir = fixture_dir();

	(void)state;
	if (!dir)
		SKIP_BECAUSE("no qi-hang fixture (make fixtures)\n");
	print_message("fixture %s\n", dir);
	check_dump(dir, "vmcore.elf", "elf");
	check_dump(dir, "vmcore.kdump", "kdump-compressed");
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_live_backend, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_live_refresh, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_live_refresh_error, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_live_products, fake_setup, fake_teardown),
		cmocka_unit_test(test_dump_refresh),
	};
	int failed = cmocka_run_group_tests_name("target_ops", tests, NULL, NULL);

	if (!failed && tests_skipped == (int)(sizeof(tests) / sizeof(tests[0])))
		return 77;
	return failed;
}
