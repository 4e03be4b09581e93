// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for the report model and its renderers.
 *
 * Golden files in tests/report/ were written by hand from the layout rules
 * (not copied from the renderer's output).  They and the JSON schema are
 * found under $VTDSCOPE_SOURCE_DIR (CTest sets it), else under the working
 * directory (run from the source tree); if missing, those tests are skipped.
 *
 * Also a helper for the script tests:
 *   test_report --emit FORMAT VARIANT [--redact] [--verbose]
 * writes one rendered report (VARIANT: sample, empty, hostile, long, values,
 * full) to stdout; tests/report/validate.py and md_html.py use it.
 * tests/unit/test_report_read.c reads models back through the read API.
 */
#define _GNU_SOURCE
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <vtdscope/report.h>
#include <vtdscope/report_read.h>

#include "report/report_int.h"
#include "report/strbuf.h"

/* ---- helpers ------------------------------------------------------------------ */

/*
 * Not inlined: GCC 12 then follows open_memstream's hold on &buf into the
 * callers and warns (-Wdangling-pointer) about the string it returns.
 */
static __attribute__((noinline)) char *render_opts(const struct vsc_report *rep,
						    const struct vsc_render_options *opts)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct vsc_error *err;

	assert_non_null(f);
	err = vsc_report_render(rep, f, opts);
	if (err)
		fail_msg("render: %s", err->message);
	fclose(f);
	return buf;
}

static char *render(const struct vsc_report *rep, enum vsc_render_format fmt, bool redact)
{
	struct vsc_render_options opts = { .format = fmt, .redact = redact };

	return render_opts(rep, &opts);
}

static struct vsc_report *new_report(void)
{
	struct vsc_report *rep = NULL;

	assert_null(vsc_report_create(&rep));
	assert_non_null(rep);
	return rep;
}

/* @name under the source tree: $VTDSCOPE_SOURCE_DIR (set by CTest), else the cwd. */
static void source_path(char *buf, size_t size, const char *name)
{
	const char *dir = getenv("VTDSCOPE_SOURCE_DIR");

	snprintf(buf, size, "%s/%s", dir ? dir : ".", name);
}

static char *read_file(const char *name)
{
	char path[4096];
	char *buf = NULL;
	size_t len = 0, n;
	FILE *f, *m;
	char chunk[4096];

	source_path(path, sizeof(path), name);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	m = open_memstream(&buf, &len);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, m);
	fclose(f);
	fclose(m);
	return buf;
}

/* Compare with a golden file; on mismatch print both around the first difference. */
static void assert_golden(const char *got, const char *name)
{
	char *want = read_file(name);
	size_t i = 0, line = 1;

	if (!want)
		skip();
	if (strcmp(got, want)) {
		while (got[i] && got[i] == want[i]) {
			if (got[i] == '\n')
				line++;
			i++;
		}
		fprintf(stderr, "--- got:\n%s--- want (%s):\n%s---\n", got, name, want);
		fail_msg("%s differs at line %zu", name, line);
	}
	free(want);
}

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle)) {
		fprintf(stderr, "--- output:\n%s---\n", hay);
		fail_msg("expected to find [%s]", needle);
	}
}

static void assert_not_contains(const char *hay, const char *needle)
{
	if (strstr(hay, needle))
		fail_msg("did not expect [%s] in:\n%s", needle, hay);
}

/* Output must be valid UTF-8 with no raw control bytes except newline. */
static void assert_clean_output(const char *s, bool allow_esc)
{
	assert_true(vsc__utf8_valid(s, strlen(s)));
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '\n' || (allow_esc && *p == 0x1b))
			continue;
		if (*p < 0x20 || *p == 0x7f)
			fail_msg("raw control byte 0x%02x at offset %td", *p,
				 (const char *)p - s);
	}
}

/* ---- the sample report (the golden files describe its rendering) ------------------ */

static const struct vsc_column slot_cols[] = {
	{ .name = "slot", .kind = VSC_VAL_UINT },
	{ .name = "type", .kind = VSC_VAL_STR },
	{ .name = "status", .kind = VSC_VAL_STR },
	{ .name = "qw0", .kind = VSC_VAL_HEX },
};

static const struct vsc_finding_kind devtlb_hang = {
	.id = "qi-devtlb-hang",
	.severity = VSC_SEV_CRITICAL,
	.summary = "a device-TLB invalidation never completed",
	.next_step = "check ATS on the device (lspci -vv) and its firmware",
};

static void build_sample(struct vsc_report *rep)
{
	struct vsc_section *qi, *cpus, *cpu3;
	struct vsc_table *tb;
	struct vsc_code *stack;
	struct vsc_finding *f;
	size_t row17;

	vsc_report_set_tool_version(rep, "0.1.0");
	vsc_report_set_target(rep, "/var/crash/202405011200/vmcore");
	vsc_report_meta(rep, "release", vsc_val_str("6.1.0-18-amd64"));
	vsc_report_meta(rep, "nodename", vsc_val_host("build-host7"));
	vsc_report_meta(rep, "kaslr_offset", vsc_val_sensitive(vsc_val_hex(0x1e000000)));

	qi = vsc_report_section(rep, "qi", "Invalidation queue");
	vsc_section_kv(qi, "unit", vsc_val_str("dmar0"));
	vsc_section_kv(qi, "enabled", vsc_val_bool(true));
	vsc_section_kv_addr(qi, "desc", 0xffff888100a3c000ULL);
	vsc_section_kv(qi, "free_head", vsc_val_uint(19));
	vsc_section_kv(qi, "free_cnt", vsc_val_uint(236));
	vsc_section_kv(qi, "q_lock", vsc_val_hexw(0x1c0101, 8));
	vsc_section_kv(qi, "desc_status_tail", vsc_val_absent(NULL));
	tb = vsc_section_table(qi, "slots", "Descriptors", slot_cols, VSC_ARRAY_SIZE(slot_cols));
	vsc_table_row(tb, vsc_val_uint(16), vsc_val_str("iotlb"), vsc_val_str("QI_DONE"),
		      vsc_val_hexw(0x2, 16));
	row17 = vsc_table_row(tb, vsc_val_uint(17), vsc_val_str("dev_tlb"),
			      vsc_val_str("QI_IN_USE"), vsc_val_hexw(0x3b0003, 16));
	vsc_table_row(tb, vsc_val_uint(18), vsc_val_str("wait"), vsc_val_str("QI_IN_USE"),
		      vsc_val_hexw(0x75, 16));
	vsc_section_note(qi, "qw0 holds the descriptor type in bits 3:0 and 11:9.");
	vsc_section_take_error(qi, vsc_error_create(VSC_ERR_NODATA, "page not in dump"),
			       "reading qi->desc_status[20..255] at 0x%llx",
			       0xffff888100a3d000ULL);

	cpus = vsc_report_section(rep, "cpus", "CPUs");
	vsc_section_kv(cpus, "online", vsc_val_uint(8));
	vsc_section_kv(cpus, "tsc_delta", vsc_val_int(-1200));
	cpu3 = vsc_section_section(cpus, "cpu3", "CPU 3");
	vsc_section_kv(cpu3, "state", vsc_val_str("spinning"));
	vsc_section_kv_addr(cpu3, "lock", 0xffff888100a3c0c0ULL);
	stack = vsc_section_code(cpu3, "stack", "Stack of CPU 3");
	vsc_code_line(stack, " #0 native_queued_spin_lock_slowpath+0x%x", 0x2a1);
	vsc_code_text(stack, " #1 [ffffc90000123e38] _raw_spin_lock_irqsave+0x3d\n"
			     " #2 qi_submit_sync+0x1d8\n");

	/* Inserted least severe first on purpose: the renderers sort. */
	vsc_report_finding(rep, VSC_SEV_INFO, "dump-incomplete",
			   "the dump omits %d of %d descriptor status words", 236, 256);
	f = vsc_report_finding(rep, VSC_SEV_WARNING, "qi-lock-contention",
			       "2 CPUs spin on dmar0 qi->q_lock");
	vsc_finding_evidence_at(f, vsc_ref_field(cpu3, "lock"), "CPU 3 waits for the lock at 0x%llx",
				0xffff888100a3c0c0ULL);
	f = vsc_report_finding_of(rep, &devtlb_hang,
				  "dmar0: device-TLB invalidation for %s never completed",
				  "0000:3b:00.0");
	vsc_finding_evidence_at(f, vsc_ref_row(tb, row17),
				"wait descriptor after slot 17 is still QI_IN_USE");
	vsc_finding_evidence_at(f, vsc_ref_code(stack), "CPU 3 spins in qi_submit_sync");
	vsc_finding_evidence(f, "no ITE or ICE fault recorded in dmar0 FSTS");
	vsc_finding_next(f, "check ATS on %s (lspci -vv) and the device firmware", "0000:3b:00.0");
	vsc_finding_fact(f, "sid", vsc_val_hexw(0x3b00, 4));
	vsc_finding_fact(f, "slot", vsc_val_uint(17));

	vsc_report_warning(rep, VSC_ERR_NOTFOUND, "no BTF in the dump; using vmlinux DWARF");
	vsc_report_set_verdict(rep, "dmar0: device-TLB invalidation for 0000:3b:00.0 never "
			       "completed; 2 CPUs spin on qi->q_lock");
}

#define HOSTILE "evil\x1b[31mred\x07 \xff\xfe tab\there \xc3\x28 \xe2\x80\xae rtl \x7f|pipe <b>*x*</b> `tick`"

static const struct vsc_column hostile_cols[] = {
	{ .name = "name|x", .kind = VSC_VAL_STR },
	{ .name = "value", .key = "val", .kind = VSC_VAL_HEX },
};

static void build_hostile(struct vsc_report *rep)
{
	struct vsc_section *s;
	struct vsc_table *tb;
	struct vsc_code *c;
	struct vsc_finding *f;

	vsc_report_set_target(rep, "/tmp/" HOSTILE);
	vsc_report_set_verdict(rep, "%s", HOSTILE);
	s = vsc_report_section(rep, "comm\n" HOSTILE, HOSTILE);
	vsc_section_kv(s, HOSTILE, vsc_val_str(HOSTILE));
	vsc_section_kv(s, "comm", vsc_val_str("kworker/3:1\xff"));
	tb = vsc_section_table(s, "t", HOSTILE, hostile_cols, VSC_ARRAY_SIZE(hostile_cols));
	vsc_table_row(tb, vsc_val_str(HOSTILE), vsc_val_hex(1));
	vsc_table_row(tb, vsc_val_str("a|b"), vsc_val_absent("page not in dump"));
	c = vsc_section_code(s, "log", "printk \x1b log");
	vsc_code_line(c, "[ 12.5] %s", HOSTILE);
	vsc_code_line(c, "```not a fence end````");
	vsc_section_para(s, "- not a list\n1. not a list either\n# not a heading\n%s", HOSTILE);
	vsc_section_error(s, VSC_ERR_CORRUPT, "bad string %s", HOSTILE);
	f = vsc_report_finding(rep, VSC_SEV_ERROR, HOSTILE, "%s", HOSTILE);
	vsc_finding_evidence(f, "%s", HOSTILE);
	vsc_finding_fact(f, HOSTILE, vsc_val_str(HOSTILE));
}

static const struct vsc_column long_cols[] = {
	{ .name = "slot", .kind = VSC_VAL_UINT },
	{ .name = "desc", .kind = VSC_VAL_ADDR },
	{ .name = "status", .kind = VSC_VAL_STR },
};

/* Long table and code block: Markdown wraps them in <details>. */
static void build_long(struct vsc_report *rep)
{
	struct vsc_section *s = vsc_report_section(rep, "ring", "Descriptor ring");
	struct vsc_table *tb = vsc_section_table(s, "slots", "All slots", long_cols,
						 VSC_ARRAY_SIZE(long_cols));
	struct vsc_code *c = vsc_section_code(s, "log", "Kernel log");

	for (unsigned i = 0; i < 40; i++)
		vsc_table_row(tb, vsc_val_uint(i), vsc_val_addr(0xffff888100a3c000ULL + 16 * i),
			      vsc_val_str(i < 20 ? "QI_DONE" : "QI_FREE"));
	for (unsigned i = 0; i < 35; i++)
		vsc_code_line(c, "[%5u.000000] DMAR: line %u at ffff888100a3c%03x", i, i, i * 16);
	vsc_report_set_verdict(rep, "long output");
}

/* Lists, objects and times: every shape the schema must accept, with redaction inside. */
static const struct vsc_column typed_cols[] = {
	{ .name = "batch", .kind = VSC_VAL_UINT },
	{ .name = "slots", .kind = VSC_VAL_LIST },
	{ .name = "fields", .kind = VSC_VAL_OBJECT },
	{ .name = "queued at", .key = "queued_at", .kind = VSC_VAL_TIME },
};

static void build_values(struct vsc_report *rep)
{
	struct vsc_section *s = vsc_report_section(rep, "typed", "Typed values");
	struct vsc_table *tb = vsc_section_table(s, "batches", "Batches", typed_cols,
						 VSC_ARRAY_SIZE(typed_cols));
	struct vsc_finding *f;
	size_t row;

	vsc_report_meta(rep, "dump_time", vsc_val_time(98765432100ULL, 1714564800123456789LL));
	vsc_section_kv(s, "spinning_cpus", vsc_val_list_of(vsc_val_uint(1), vsc_val_uint(2),
							   vsc_val_uint(3), vsc_val_uint(7)));
	vsc_section_kv(s, "no_cpus", vsc_val_list(NULL, 0));
	vsc_section_kv(s, "descriptor", vsc_val_object_of(
		{ "sid", vsc_val_str("01:00.0") },
		{ "addr", vsc_val_hex(0x7ffffffffffff000ULL) },
		{ "qdep", vsc_val_uint(0) },
		{ "size", vsc_val_bool(true) },
		{ "pasid", vsc_val_absent("not a PASID-based descriptor") },
		{ "reserved_bits", vsc_val_object_of({ "qw0", vsc_val_hex(0) },
						     { "qw1", vsc_val_hex(2) }) }));
	vsc_section_kv(s, "pointers", vsc_val_list_of(vsc_val_addr(0xffff888100a3c000ULL),
						      vsc_val_host("db-node-42"),
						      vsc_val_sensitive(vsc_val_hex(0x29600000)),
						      vsc_val_int(-1)));
	vsc_section_kv(s, "nested", vsc_val_list_of(
		vsc_val_object_of({ "cpu", vsc_val_uint(1) }, { "state", vsc_val_str("spin") }),
		vsc_val_list_of(vsc_val_bool(false), vsc_val_absent(NULL)),
		vsc_val_str("x|y <b>*z*</b>")));
	vsc_section_kv(s, "panic_time", vsc_val_time_boot(12500000000ULL));
	vsc_section_kv(s, "wall_time", vsc_val_time_wall(-1));
	vsc_section_para(s, "db-node-42 relocated the kernel by 0x29600000.");
	row = vsc_table_row(tb, vsc_val_uint(0),
			    vsc_val_list_of(vsc_val_uint(28), vsc_val_uint(29), vsc_val_uint(30)),
			    vsc_val_object_of({ "sid", vsc_val_str("01:00.0") },
					      { "status_addr", vsc_val_addr(0xffff888101052238ULL) }),
			    vsc_val_time_boot(4250000000ULL));
	vsc_table_row(tb, vsc_val_uint(1), vsc_val_list_of(vsc_val_str("a|b"), vsc_val_str("c, d")),
		      vsc_val_object(NULL, 0), vsc_val_absent("no clock"));
	vsc_table_row(tb, vsc_val_uint(2), vsc_val_absent("not read"),
		      vsc_val_object_of({ "html", vsc_val_str("<b>|</b>") }),
		      vsc_val_time_wall(1714564800LL * 1000000000));
	f = vsc_report_finding(rep, VSC_SEV_ERROR, "typed-facts", "batch 0 never completed");
	vsc_finding_evidence_at(f, vsc_ref_row(tb, row), "slots 28-30");
	vsc_finding_fact(f, "slots", vsc_val_list_of(vsc_val_uint(28), vsc_val_uint(29),
						     vsc_val_uint(30)));
	vsc_finding_fact(f, "descriptor", vsc_val_object_of({ "sid", vsc_val_str("01:00.0") },
							    { "gone", vsc_val_absent(NULL) }));
	vsc_finding_fact(f, "since", vsc_val_time_boot(1));
}

/* ---- typed values ------------------------------------------------------------- */

static void test_value_format(void **state)
{
	static const struct {
		struct vsc_value v;
		const char *plain, *redacted;
	} cases[] = {
		{ { .kind = VSC_VAL_STR, .s = "dmar0" }, "dmar0", "dmar0" },
		{ { .kind = VSC_VAL_INT, .i = -42 }, "-42", "-42" },
		{ { .kind = VSC_VAL_INT, .i = INT64_MIN }, "-9223372036854775808",
		  "-9223372036854775808" },
		{ { .kind = VSC_VAL_UINT, .u = UINT64_MAX }, "18446744073709551615",
		  "18446744073709551615" },
		{ { .kind = VSC_VAL_HEX, .u = 0x1f }, "0x1f", "0x1f" },
		{ { .kind = VSC_VAL_HEX, .u = 0x1f, .hex_digits = 8 }, "0x0000001f", "0x0000001f" },
		{ { .kind = VSC_VAL_HEX, .u = 0xffffffff81000000ULL }, "0xffffffff81000000",
		  "<addr>" },
		{ { .kind = VSC_VAL_ADDR, .u = 0xffff888100a3c000ULL }, "0xffff888100a3c000",
		  "<addr>" },
		{ { .kind = VSC_VAL_ADDR, .u = 0x1000 }, "0x1000", "<addr>" },
		{ { .kind = VSC_VAL_BOOL, .b = true }, "yes", "yes" },
		{ { .kind = VSC_VAL_BOOL, .b = false }, "no", "no" },
		{ { .kind = VSC_VAL_HOST, .s = "db-07" }, "db-07", "<host>" },
		{ { .kind = VSC_VAL_ABSENT, .s = "why" }, "n/a", "n/a" },
		{ { .kind = VSC_VAL_HEX, .u = 0x1e000000, .sensitive = true }, "0x1e000000",
		  "<redacted>" },
	};
	char buf[64];

	(void)state;
	for (size_t i = 0; i < VSC_ARRAY_SIZE(cases); i++) {
		assert_int_equal(vsc_value_format(&cases[i].v, false, buf, sizeof(buf)),
				 strlen(cases[i].plain));
		assert_string_equal(buf, cases[i].plain);
		vsc_value_format(&cases[i].v, true, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].redacted);
	}
	/* Truncation like snprintf. */
	assert_int_equal(vsc_value_format(&cases[3].v, false, buf, 5), 20);
	assert_string_equal(buf, "1844");
	/* Constructors. */
	assert_int_equal(vsc_val_str(NULL).kind, VSC_VAL_ABSENT);
	assert_string_equal(vsc_val_absent(NULL).s, VSC_ABSENT_DEFAULT_REASON);
	assert_int_equal(vsc_val_hexw(1, 40).hex_digits, 16);
	assert_true(vsc_val_sensitive(vsc_val_uint(1)).sensitive);
}

/* One field of every kind, in every format. */
static void test_values_all_formats(void **state)
{
	struct vsc_report *rep = new_report();
	struct vsc_section *s = vsc_report_section(rep, "v", "Values");
	char *out;

	(void)state;
	vsc_section_kv(s, "s", vsc_val_str("text"));
	vsc_section_kv(s, "i", vsc_val_int(-5));
	vsc_section_kv(s, "u", vsc_val_uint(UINT64_MAX));
	vsc_section_kv(s, "h", vsc_val_hex(0xdeadbeefcafef00dULL));
	vsc_section_kv(s, "a", vsc_val_addr(0xffffffff81000000ULL));
	vsc_section_kv(s, "b", vsc_val_bool(false));
	vsc_section_kv(s, "host", vsc_val_host("node1"));
	vsc_section_kv(s, "na", vsc_val_absent("no member q_inval.desc_status on this kernel"));

	out = render(rep, VSC_FORMAT_TEXT, false);
	assert_contains(out, "\n  s     text\n  i     -5\n  u     18446744073709551615\n"
			     "  h     0xdeadbeefcafef00d\n  a     0xffffffff81000000\n"
			     "  b     no\n  host  node1\n"
			     "  na    n/a (no member q_inval.desc_status on this kernel)\n");
	free(out);

	out = render(rep, VSC_FORMAT_JSON, false);
	assert_contains(out, "\"fields\": {\n"
			     "        \"s\": \"text\",\n"
			     "        \"i\": -5,\n"
			     "        \"u\": 18446744073709551615,\n"
			     "        \"h\": \"0xdeadbeefcafef00d\",\n"
			     "        \"a\": \"0xffffffff81000000\",\n"
			     "        \"b\": false,\n"
			     "        \"host\": \"node1\",\n"
			     "        \"na\": null\n"
			     "      },\n"
			     "      \"unavailable\": {\n"
			     "        \"na\": \"no member q_inval.desc_status on this kernel\"\n"
			     "      }\n");
	free(out);

	out = render(rep, VSC_FORMAT_MARKDOWN, false);
	assert_contains(out, "- `s`: text\n- `i`: -5\n- `u`: 18446744073709551615\n"
			     "- `h`: 0xdeadbeefcafef00d\n- `a`: 0xffffffff81000000\n"
			     "- `b`: no\n- `host`: node1\n"
			     "- `na`: n/a (no member q\\_inval.desc\\_status on this kernel)\n");
	free(out);
	vsc_report_destroy(rep);
}

/* ---- tables ---------------------------------------------------------------------- */

static void test_table_alignment(void **state)
{
	static const struct vsc_column cols[] = {
		{ .name = "cpu", .kind = VSC_VAL_UINT },
		{ .name = "function", .kind = VSC_VAL_STR },
		{ .name = "lock", .kind = VSC_VAL_ADDR },
		{ .name = "spins", .kind = VSC_VAL_INT },
		{ .name = "held", .kind = VSC_VAL_BOOL, .align = VSC_ALIGN_RIGHT },
		{ .name = "note", .kind = VSC_VAL_STR },
	};
	struct vsc_report *rep = new_report();
	struct vsc_section *s = vsc_report_section(rep, "locks", "Locks");
	struct vsc_table *tb = vsc_section_table(s, "waiters", NULL, cols, VSC_ARRAY_SIZE(cols));
	char *out;

	(void)state;
	vsc_table_row(tb, vsc_val_uint(3), vsc_val_str("fq_flush_timeout"),
		      vsc_val_addr(0xffff888100a3c0c0ULL), vsc_val_int(-1), vsc_val_bool(true),
		      vsc_val_str(""));
	vsc_table_row(tb, vsc_val_uint(12), vsc_val_str("qi_submit_sync"), vsc_val_absent(NULL),
		      vsc_val_int(100000), vsc_val_bool(false), vsc_val_str("holder?"));
	assert_int_equal(vsc_table_row_count(tb), 2);

	out = render(rep, VSC_FORMAT_TEXT, false);
	/*
	 * Widths: cpu 3, function 16, lock 18, spins 6, held 4, note 7.
	 * Numbers (and the forced-right bool) right-aligned, text left; the
	 * last column is not padded, so no trailing blanks.
	 */
	assert_contains(out, "\n  [waiters]\n"
			     "  cpu  function                        lock   spins  held  note\n"
			     "  ---  ----------------  ------------------  ------  ----  -------\n"
			     "    3  fq_flush_timeout  0xffff888100a3c0c0      -1   yes\n"
			     "   12  qi_submit_sync                   n/a  100000    no  holder?\n");
	free(out);

	out = render(rep, VSC_FORMAT_MARKDOWN, false);
	assert_contains(out, "`waiters`\n\n"
			     "| cpu | function | lock | spins | held | note |\n"
			     "| ---: | --- | ---: | ---: | ---: | --- |\n"
			     "| 3 | fq\\_flush\\_timeout | 0xffff888100a3c0c0 | -1 | yes |  |\n"
			     "| 12 | qi\\_submit\\_sync | n/a | 100000 | no | holder? |\n");
	free(out);

	out = render(rep, VSC_FORMAT_JSON, false);
	assert_contains(out, "\"rows\": [\n"
			     "            {\n"
			     "              \"cpu\": 3,\n"
			     "              \"function\": \"fq_flush_timeout\",\n"
			     "              \"lock\": \"0xffff888100a3c0c0\",\n"
			     "              \"spins\": -1,\n"
			     "              \"held\": true,\n"
			     "              \"note\": \"\"\n"
			     "            },\n");
	assert_contains(out, "\"lock\": null,");
	assert_contains(out, "\"unavailable\": {\n"
			     "            \"lock\": \"not available on this kernel\"\n");
	free(out);
	vsc_report_destroy(rep);
}

static void test_table_truncation(void **state)
{
	static const struct vsc_column cols[] = {
		{ .name = "n", .kind = VSC_VAL_UINT },
		{ .name = "line", .kind = VSC_VAL_STR },
	};
	struct vsc_report *rep = new_report();
	struct vsc_section *s = vsc_report_section(rep, "log", "Log");
	struct vsc_table *tb = vsc_section_table(s, "lines", "Lines", cols, 2);
	char longtext[101], cut[128];
	struct vsc_render_options verbose = { .format = VSC_FORMAT_TEXT, .verbose = true };
	char *out;

	(void)state;
	memset(longtext, 'x', 100);
	longtext[100] = '\0';
	memcpy(longtext, "\xc3\xa9", 2);        /* é: one column, two bytes */
	vsc_table_row(tb, vsc_val_uint(1), vsc_val_str(longtext));

	/* 60 columns: é + 58 x + "…". */
	snprintf(cut, sizeof(cut), "\xc3\xa9%.58s\u2026\n", longtext + 2);
	out = render(rep, VSC_FORMAT_TEXT, false);
	assert_contains(out, cut);
	assert_not_contains(out, longtext);
	free(out);

	out = render_opts(rep, &verbose);
	assert_contains(out, longtext);
	free(out);

	out = render(rep, VSC_FORMAT_JSON, false);
	assert_contains(out, longtext);
	free(out);
	out = render(rep, VSC_FORMAT_MARKDOWN, false);
	assert_contains(out, longtext);
	free(out);
	vsc_report_destroy(rep);
}

/* ---- escaping -------------------------------------------------------------------- */

static void test_markdown_escaping(void **state)
{
	struct vsc_report *rep = new_report();
	char *out;

	(void)state;
	build_hostile(rep);
	out = render(rep, VSC_FORMAT_MARKDOWN, false);
	assert_clean_output(out, false);
	/* Pipes in cells and headers escaped; no raw HTML tags survive. */
	assert_contains(out, "| name\\|x | value |\n");
	assert_contains(out, "| a\\|b | n/a |\n");
	/* Raw HTML only inside the one code span (a field label), where it is literal. */
	assert_contains(out, "\n- `` evil\\x1b[31mred\\x07 \\xff\\xfe tab\\there \\xc3( \\u202e rtl "
			     "\\x7f|pipe <b>*x*</b> `tick` ``: evil");
	/* ... and inside the fenced code block; nowhere else. */
	for (const char *html = strstr(out, "<b>"); html; html = strstr(html + 1, "<b>")) {
		const char *bol = html;

		while (bol > out && bol[-1] != '\n')
			bol--;
		assert_true(!strncmp(bol, "- `` evil", 9) || !strncmp(bol, "[ 12.5] ", 8));
	}
	assert_contains(out, "\\<b\\>\\*x\\*\\</b\\>");
	/* Control characters are visible, not raw. */
	assert_contains(out, "evil\\\\x1b\\[31mred\\\\x07");
	/* Block syntax at line starts neutralised in paragraphs. */
	assert_contains(out, "\n\\- not a list\n1\\. not a list either\n\\# not a heading\n");
	/* A line of backticks in a code block gets a longer fence. */
	assert_contains(out, "\n`````\n[ 12.5] ");
	assert_contains(out, "```not a fence end````\n`````\n");
	free(out);
	vsc_report_destroy(rep);
}

static void test_json_hostile_strings(void **state)
{
	struct vsc_report *rep = new_report();
	char *out;

	(void)state;
	build_hostile(rep);
	out = render(rep, VSC_FORMAT_JSON, false);
	assert_clean_output(out, false);
	/* Invalid UTF-8 replaced by visible \xNN when stored; controls escaped by JSON. */
	assert_contains(out, "\"evil\\u001b[31mred\\u0007 \\\\xff\\\\xfe tab\\there \\\\xc3( ");
	assert_contains(out, "\"comm\": \"kworker/3:1\\\\xff\"");
	/* Ids and keys normalised. */
	assert_contains(out, "\"sections\": {\n    \"comm_evil_31mred_tab_here_rtl_pipe_b_x_b_tick\": {");
	assert_contains(out, "\"kind\": \"evil-31mred-tab-here-rtl-pipe-b-x-b-tick\"");
	free(out);
	vsc_report_destroy(rep);
}

static void test_text_hostile_strings(void **state)
{
	struct vsc_report *rep = new_report();
	char *out;

	(void)state;
	build_hostile(rep);
	out = render(rep, VSC_FORMAT_TEXT, false);
	assert_clean_output(out, false);
	assert_contains(out, "Verdict: evil\\x1b[31mred\\x07 \\xff\\xfe tab\\there \\xc3( \\u202e rtl "
			     "\\x7f|pipe <b>*x*</b> `tick`\n");
	/* Code blocks: tabs expanded, escapes visible. */
	assert_contains(out, "    [ 12.5] evil\\x1b[31mred\\x07 \\xff\\xfe tab        here");
	assert_contains(out, "  printk \\x1b log [log]\n");
	free(out);
	vsc_report_destroy(rep);
}

/* ---- redaction ----------------------------------------------------------------------- */

static void assert_no_kernel_address(const char *out)
{
	regex_t re;
	regmatch_t m;

	assert_int_equal(regcomp(&re, "0xffff[0-9a-f]{4,}", REG_EXTENDED | REG_ICASE), 0);
	if (!regexec(&re, out, 1, &m, 0))
		fail_msg("kernel address survived redaction at offset %d: %.30s\n%s",
			 (int)m.rm_so, out + m.rm_so, out);
	regfree(&re);
	/* Bare 16-digit words from stacks ("[ffffc90000123e38]"). */
	assert_int_equal(regcomp(&re, "(^|[^0-9a-z_])ffff[0-9a-f]{12}([^0-9a-z_]|$)",
				 REG_EXTENDED | REG_ICASE | REG_NEWLINE), 0);
	if (!regexec(&re, out, 1, &m, 0))
		fail_msg("bare kernel address survived at offset %d: %.30s", (int)m.rm_so,
			 out + m.rm_so);
	regfree(&re);
}

static void build_secrets(struct vsc_report *rep)
{
	struct vsc_section *s = vsc_report_section(rep, "extra", "Extra");
	struct vsc_code *c = vsc_section_code(s, "log", "log");

	vsc_section_kv(s, "text", vsc_val_str("pointer 0xFFFF888100A3C000 and 0xffffffffc0a01234"));
	vsc_section_kv(s, "word", vsc_val_hexw(0xffffea0004000000ULL, 16));
	vsc_section_para(s, "seen on build-host7 at ffff888100a3c0c0.");
	vsc_code_line(c, "RIP: 0010:qi_submit_sync+0x1d8/0x6d0");
	vsc_code_line(c, "RSP: 0018:ffffc90000123e38 EFLAGS: 00000046");
	vsc_code_line(c, "Hostname build-host7");
	vsc_report_finding(rep, VSC_SEV_INFO, "x", "host build-host7 at 0xffff888100001000");
}

static void test_redaction_all_formats(void **state)
{
	struct vsc_report *rep = new_report();

	(void)state;
	build_sample(rep);
	build_secrets(rep);
	for (int fmt = 0; fmt < VSC_FORMAT_COUNT; fmt++) {
		for (int verbose = 0; verbose < 2; verbose++) {
			struct vsc_render_options opts = { .format = fmt, .verbose = verbose };
			char *out = render_opts(rep, &opts);

			/* Sanity: the secrets are there without --redact. */
			assert_contains(out, "0xffff888100a3c000");
			assert_contains(out, "build-host7");
			assert_contains(out, "0x1e000000");
			free(out);

			opts.redact = true;
			out = render_opts(rep, &opts);
			assert_no_kernel_address(out);
			assert_not_contains(out, "build-host7");
			assert_not_contains(out, "0x1e000000");
			assert_not_contains(out, "ffffc90000123e38");
			/* Everything else is still there. */
			assert_contains(out, "0x0000000000000002");
			if (fmt == VSC_FORMAT_JSON || verbose)
				assert_contains(out, "0x3b00");      /* facts */
			assert_contains(out, "qi_submit_sync+0x1d8/0x6d0");
			assert_contains(out, "00000046");
			if (fmt == VSC_FORMAT_JSON) {
				assert_contains(out, "\"redacted\": true");
				assert_contains(out, "\"desc\": \"<addr>\"");
				assert_contains(out, "\"nodename\": \"<host>\"");
				assert_contains(out, "\"kaslr_offset\": \"<redacted>\"");
			} else if (fmt == VSC_FORMAT_TEXT) {
				assert_contains(out, "  desc              <addr>\n");
				assert_contains(out, "  kaslr_offset  <redacted>\n");
				assert_contains(out, "    RSP: 0018:<addr> EFLAGS: 00000046\n");
				assert_contains(out, "  seen on <host> at <addr>.\n");
			} else {
				assert_contains(out, "- `desc`: \\<addr\\>\n");
				assert_contains(out, "- `nodename`: \\<host\\>\n");
			}
			free(out);
		}
	}
	vsc_report_destroy(rep);
}

/* Lists, objects and times are redacted item by item, in every format. */
static void test_values_redacted(void **state)
{
	struct vsc_report *rep = new_report();
	static const char *const hidden[] = { "db-node-42", "0x29600000", "0xffff888100a3c000",
					      "0xffff888101052238" };

	(void)state;
	build_values(rep);
	for (int fmt = 0; fmt < VSC_FORMAT_COUNT; fmt++) {
		for (int verbose = 0; verbose < 2; verbose++) {
			struct vsc_render_options opts = { .format = fmt, .verbose = verbose };
			char *out = render_opts(rep, &opts);

			for (size_t i = 0; i < VSC_ARRAY_SIZE(hidden); i++)
				if (fmt == VSC_FORMAT_JSON || verbose || i < 3)
					assert_contains(out, hidden[i]);
			free(out);
			opts.redact = true;
			out = render_opts(rep, &opts);
			assert_no_kernel_address(out);
			for (size_t i = 0; i < VSC_ARRAY_SIZE(hidden); i++)
				assert_not_contains(out, hidden[i]);
			/* The rest of the values is still there. */
			assert_contains(out, "01:00.0");
			assert_contains(out, "0x7ffffffffffff000");
			if (fmt == VSC_FORMAT_JSON) {
				assert_contains(out, "\"pointers\": [\n"
						     "          \"<addr>\",\n"
						     "          \"<host>\",\n"
						     "          \"<redacted>\",\n"
						     "          -1\n"
						     "        ]");
				assert_contains(out, "\"status_addr\": \"<addr>\"");
			} else if (fmt == VSC_FORMAT_TEXT) {
				assert_contains(out, "<addr>, <host>, <redacted>, -1");
			} else {
				assert_contains(out, "\\<addr\\>, \\<host\\>, \\<redacted\\>, -1");
			}
			free(out);
		}
	}
	vsc_report_destroy(rep);
}

/* ---- findings ------------------------------------------------------------------------- */

static void test_severity_order(void **state)
{
	struct vsc_report *rep = new_report();
	enum vsc_severity worst;
	char *out;
	const char *a, *b, *c, *d, *e;

	(void)state;
	assert_false(vsc_report_worst_severity(rep, &worst));
	vsc_report_finding(rep, VSC_SEV_INFO, "k-info", "info one");
	vsc_report_finding(rep, VSC_SEV_CRITICAL, "k-crit", "critical one");
	vsc_report_finding(rep, VSC_SEV_WARNING, "k-warn", "warning one");
	vsc_report_finding(rep, VSC_SEV_CRITICAL, "k-crit", "critical two");
	vsc_report_finding(rep, VSC_SEV_ERROR, "k-err", "error one");
	assert_int_equal(vsc_report_finding_count(rep), 5);
	assert_true(vsc_report_worst_severity(rep, &worst));
	assert_int_equal(worst, VSC_SEV_CRITICAL);

	for (int fmt = 0; fmt < VSC_FORMAT_COUNT; fmt++) {
		out = render(rep, fmt, false);
		a = strstr(out, "critical one");
		b = strstr(out, "critical two");
		c = strstr(out, "error one");
		d = strstr(out, "warning one");
		e = strstr(out, "info one");
		assert_true(a && b && c && d && e);
		assert_true(a < b && b < c && c < d && d < e);
		free(out);
	}
	out = render(rep, VSC_FORMAT_TEXT, false);
	assert_contains(out, "\nCRITICAL  critical one [k-crit]\nCRITICAL  critical two [k-crit]\n"
			     "ERROR     error one [k-err]\nWARNING   warning one [k-warn]\n"
			     "INFO      info one [k-info]\n");
	free(out);
	vsc_report_destroy(rep);
}

static void test_severity_table(void **state)
{
	enum vsc_severity sev;
	struct vsc_error *err;

	(void)state;
	assert_string_equal(vsc_severity_name(VSC_SEV_CRITICAL), "critical");
	assert_string_equal(vsc_severity_label(VSC_SEV_WARNING), "WARNING");
	assert_string_equal(vsc_severity_name((enum vsc_severity)99), "?");
	assert_null(vsc_severity_from_name("error", &sev));
	assert_int_equal(sev, VSC_SEV_ERROR);
	assert_null(vsc_severity_from_name("INFO", &sev));
	assert_int_equal(sev, VSC_SEV_INFO);
	err = vsc_severity_from_name("fatal", &sev);
	assert_non_null(err);
	assert_int_equal(err->kind, VSC_ERR_USAGE);
	vsc_error_destroy(err);
	assert_true(VSC_SEV_CRITICAL > VSC_SEV_ERROR && VSC_SEV_ERROR > VSC_SEV_WARNING &&
		    VSC_SEV_WARNING > VSC_SEV_INFO);
}

static void test_color(void **state)
{
	struct vsc_report *rep = new_report();
	struct vsc_render_options opts = { .format = VSC_FORMAT_TEXT, .color = true };
	char *out;

	(void)state;
	build_sample(rep);
	out = render_opts(rep, &opts);
	assert_contains(out, "\033[1mVerdict:\033[0m dmar0");
	assert_contains(out, "\n\033[1;31mCRITICAL\033[0m  dmar0");
	assert_contains(out, "\n\033[33mWARNING\033[0m   2 CPUs");
	assert_contains(out, "\n\033[36mINFO\033[0m      the dump");
	assert_contains(out, "\n  \033[31merror\033[0m (nodata): ");
	free(out);
	/* Colour is for text only, and off unless asked for. */
	for (int fmt = 0; fmt < VSC_FORMAT_COUNT; fmt++) {
		opts.format = fmt;
		opts.color = fmt != VSC_FORMAT_TEXT;
		out = render_opts(rep, &opts);
		assert_not_contains(out, "\033");
		free(out);
	}
	vsc_report_destroy(rep);
}

static void test_verbose_facts(void **state)
{
	struct vsc_report *rep = new_report();
	struct vsc_render_options opts = { .format = VSC_FORMAT_TEXT, .verbose = true };
	char *out;

	(void)state;
	build_sample(rep);
	out = render_opts(rep, &opts);
	assert_contains(out, "          next: check ATS on 0000:3b:00.0 (lspci -vv) and the device "
			     "firmware\n          facts: sid=0x3b00, slot=17\n");
	free(out);
	opts.format = VSC_FORMAT_MARKDOWN;
	out = render_opts(rep, &opts);
	assert_contains(out, "    - **Facts:**\n        - `sid`: 0x3b00\n        - `slot`: 17\n");
	free(out);
	vsc_report_destroy(rep);
}

static void test_finding_kind_table(void **state)
{
	static const struct vsc_finding_kind kind = {
		.id = "QI queue_full", .severity = VSC_SEV_ERROR,
		.summary = "the queue is full", .next_step = "default next step",
	};
	struct vsc_report *rep = new_report();
	struct vsc_finding *f;
	char *out;

	(void)state;
	f = vsc_report_finding_of(rep, &kind, "dmar%d: queue full", 1);
	assert_non_null(f);
	out = render(rep, VSC_FORMAT_JSON, false);
	assert_contains(out, "\"severity\": \"error\",\n      \"kind\": \"qi-queue-full\",\n"
			     "      \"verdict\": \"dmar1: queue full\",\n      \"evidence\": [],\n"
			     "      \"next_step\": \"default next step\"\n");
	free(out);
	vsc_finding_next(f, "override");
	out = render(rep, VSC_FORMAT_TEXT, false);
	assert_contains(out, "ERROR     dmar1: queue full [qi-queue-full]\n          next: override\n");
	free(out);
	vsc_report_destroy(rep);
}

/* ---- golden layouts --------------------------------------------------------------------- */

static void test_golden_sample(void **state)
{
	struct vsc_report *rep = new_report();
	char *out;

	(void)state;
	build_sample(rep);
	assert_null(vsc_report_check(rep));
	out = render(rep, VSC_FORMAT_TEXT, false);
	assert_golden(out, "tests/report/sample.txt");
	free(out);
	out = render(rep, VSC_FORMAT_MARKDOWN, false);
	assert_golden(out, "tests/report/sample.md");
	free(out);
	out = render(rep, VSC_FORMAT_JSON, false);
	assert_golden(out, "tests/report/sample.json");
	free(out);
	vsc_report_destroy(rep);
}

static void test_empty_report(void **state)
{
	struct vsc_report *rep = new_report();
	char *out;

	(void)state;
	out = render(rep, VSC_FORMAT_TEXT, false);
	assert_golden(out, "tests/report/empty.txt");
	free(out);
	out = render(rep, VSC_FORMAT_MARKDOWN, false);
	assert_golden(out, "tests/report/empty.md");
	free(out);
	out = render(rep, VSC_FORMAT_JSON, false);
	assert_golden(out, "tests/report/empty.json");
	free(out);
	/* NULL options: text. */
	out = render_opts(rep, NULL);
	assert_true(!strncmp(out, "Verdict: (none)\n", 16));
	free(out);
	vsc_report_destroy(rep);
}

static void test_deterministic(void **state)
{
	struct vsc_report *rep = new_report();

	(void)state;
	build_sample(rep);
	build_secrets(rep);
	for (int fmt = 0; fmt < VSC_FORMAT_COUNT; fmt++) {
		char *a = render(rep, fmt, false), *b = render(rep, fmt, false);

		assert_string_equal(a, b);
		if (fmt == VSC_FORMAT_TEXT)
			assert_not_contains(a, " \n");        /* no trailing blanks */
		free(a);
		free(b);
	}
	vsc_report_destroy(rep);
}

static void test_generated_at_and_title(void **state)
{
	struct vsc_report *rep = new_report();
	char *out;

	(void)state;
	vsc_report_set_title(rep, "vtdscope report for %s", "host-a");
	vsc_report_set_generated_at(rep, 1714564800);   /* 2024-05-01 12:00:00 UTC */
	out = render(rep, VSC_FORMAT_TEXT, false);
	assert_contains(out, "\nvtdscope report for host-a\n==========================\n"
			     "  generated_at  2024-05-01T12:00:00Z\n");
	free(out);
	out = render(rep, VSC_FORMAT_JSON, false);
	assert_contains(out, "\"title\": \"vtdscope report for host-a\",");
	assert_contains(out, "\"generated_at\": \"2024-05-01T12:00:00Z\",\n  \"redacted\"");
	free(out);
	out = render(rep, VSC_FORMAT_MARKDOWN, false);
	assert_contains(out, "# vtdscope report for host-a\n");
	assert_contains(out, "- `generated_at`: 2024-05-01T12:00:00Z\n");
	free(out);
	vsc_report_destroy(rep);
}

/* ---- errors ---------------------------------------------------------------------------- */

static void test_errors_as_objects(void **state)
{
	struct vsc_report *rep = new_report();
	struct vsc_section *s = vsc_report_section(rep, "dmar", "DMAR units");
	struct vsc_section *u = vsc_section_section(s, "dmar1", "dmar1");
	char *out;

	(void)state;
	vsc_section_error(u, VSC_ERR_NODATA, "reading %s: page not in dump", "qi->desc");
	vsc_section_warning(s, VSC_ERR_UNSUPPORTED, "scalable mode not decoded");
	vsc_report_error(rep, VSC_ERR_MISMATCH, "vmlinux build id does not match the dump");
	vsc_report_take_error(rep, vsc_error_create(VSC_ERR_IO, "no such file"), "opening %s",
			      "System.map");
	vsc_section_take_error(u, vsc_error_create(VSC_ERR_CORRUPT, "free_head 311 >= 256"), NULL);
	vsc_report_take_error(rep, NULL, "nothing");    /* no-op */

	out = render(rep, VSC_FORMAT_JSON, false);
	assert_contains(out, "  \"errors\": [\n"
			     "    {\n"
			     "      \"kind\": \"nodata\",\n"
			     "      \"message\": \"reading qi->desc: page not in dump\",\n"
			     "      \"section\": \"/sections/dmar/sections/dmar1\"\n"
			     "    },\n"
			     "    {\n"
			     "      \"kind\": \"mismatch\",\n"
			     "      \"message\": \"vmlinux build id does not match the dump\"\n"
			     "    },\n"
			     "    {\n"
			     "      \"kind\": \"io\",\n"
			     "      \"message\": \"opening System.map: no such file\"\n"
			     "    },\n"
			     "    {\n"
			     "      \"kind\": \"corrupt\",\n"
			     "      \"message\": \"free_head 311 >= 256\",\n"
			     "      \"section\": \"/sections/dmar/sections/dmar1\"\n"
			     "    }\n"
			     "  ],\n"
			     "  \"warnings\": [\n"
			     "    {\n"
			     "      \"kind\": \"unsupported\",\n"
			     "      \"message\": \"scalable mode not decoded\",\n"
			     "      \"section\": \"/sections/dmar\"\n"
			     "    }\n"
			     "  ]\n}\n");
	free(out);

	out = render(rep, VSC_FORMAT_TEXT, false);
	assert_contains(out, "\n\nerror (mismatch): vmlinux build id does not match the dump\n"
			     "error (io): opening System.map: no such file\n\n");
	assert_contains(out, "dmar1 [dmar/dmar1]\n------------------\n"
			     "  error (nodata): reading qi->desc: page not in dump\n"
			     "  error (corrupt): free_head 311 >= 256\n");
	free(out);
	out = render(rep, VSC_FORMAT_MARKDOWN, false);
	assert_contains(out, "## Errors and warnings\n\n"
			     "* **Error** (mismatch): vmlinux build id does not match the dump\n"
			     "* **Error** (io): opening System.map: no such file\n");
	free(out);
	vsc_report_destroy(rep);
}

static void test_internal_errors(void **state)
{
	static const struct vsc_column cols[] = {
		{ .name = "a", .kind = VSC_VAL_UINT },
		{ .name = "b", .kind = VSC_VAL_STR },
	};
	static const struct vsc_column dup_cols[] = {
		{ .name = "A", .kind = VSC_VAL_UINT },
		{ .name = "a", .kind = VSC_VAL_STR },
	};
	struct vsc_report *rep = new_report();
	struct vsc_section *s = vsc_report_section(rep, "s", "S");
	struct vsc_table *tb = vsc_section_table(s, "t", NULL, cols, 2);
	struct vsc_finding *f = vsc_report_finding(rep, VSC_SEV_INFO, "k", "v");
	char *out;

	(void)state;
	vsc_section_kv(s, "x", vsc_val_uint(1));
	vsc_section_kv(s, "X", vsc_val_uint(2));                       /* same key after normalising */
	assert_int_equal(vsc_table_row(tb, vsc_val_uint(1)), VSC_NO_ROW);      /* arity */
	assert_int_equal(vsc_table_row(tb, vsc_val_str("1"), vsc_val_str("2")), 0); /* kind */
	assert_null(vsc_section_table(s, "t", NULL, cols, 2));         /* duplicate id */
	assert_null(vsc_section_code(s, "t", NULL));                   /* same namespace */
	assert_null(vsc_section_section(s, "t", "T"));
	assert_null(vsc_section_table(s, "u", NULL, dup_cols, 2));     /* duplicate column key */
	assert_null(vsc_section_table(s, "v", NULL, cols, 0));         /* no columns */
	assert_ptr_equal(vsc_report_section(rep, "S", "ignored"), s);  /* get-or-create */
	vsc_report_meta(rep, "path", vsc_val_str("x"));                 /* reserved */
	vsc_finding_evidence_at(f, vsc_ref_row(tb, 5), "past the end");
	vsc_finding_evidence_at(f, vsc_ref_field(s, "nope"), "no such field");

	out = render(rep, VSC_FORMAT_JSON, false);
	assert_contains(out, "\"a\": null,\n              \"b\": \"2\"");
	assert_contains(out, "\"message\": \"s: duplicate field key 'x'\"");
	assert_contains(out, "\"message\": \"s: table t: row 0 has 1 values, expected 2\"");
	assert_contains(out, "\"message\": \"s: table t: row 0 column a: string value in a uint column\"");
	assert_contains(out, "\"message\": \"s: duplicate id 't' for a table\"");
	assert_contains(out, "\"message\": \"s: duplicate id 't' for a code block\"");
	assert_contains(out, "\"message\": \"s: section id 't' is already used by a table\"");
	assert_contains(out, "\"message\": \"s: table u: duplicate column key 'a'\"");
	assert_contains(out, "\"message\": \"s: table v has no columns\"");
	assert_contains(out, "\"message\": \"target: field key 'path' is reserved\"");
	assert_contains(out, "\"message\": \"finding k: evidence reference points past the last table row\"");
	assert_contains(out, "\"message\": \"finding k: evidence reference names a field that does not exist\"");
	assert_contains(out, "\"kind\": \"internal\"");
	/* Evidence text kept, reference dropped. */
	assert_contains(out, "{\n          \"text\": \"past the end\"\n        }");
	free(out);
	vsc_report_destroy(rep);
}

static void test_oom_is_reported(void **state)
{
	struct vsc_report *rep = new_report();
	char *out;
	struct vsc_error *err;

	(void)state;
	assert_null(vsc_report_check(rep));
	rep->oom = true;        /* as a failed builder allocation would leave it */
	err = vsc_report_check(rep);
	assert_ptr_equal(err, &vsc_error_nomem);
	/* Readers see it as the first diagnostic, a report-level error. */
	assert_int_equal(vsc_report_diag_count(rep), 1);
	assert_string_equal(vsc_report_diag_nth(rep, 0)->kind, "nomem");
	assert_int_equal(vsc_report_diag_nth(rep, 0)->level, VSC_DIAG_ERROR);
	assert_null(vsc_report_diag_nth(rep, 0)->section);
	out = render(rep, VSC_FORMAT_TEXT, false);
	assert_contains(out, "\n\nerror (nomem): report incomplete: out of memory\n");
	free(out);
	out = render(rep, VSC_FORMAT_JSON, false);
	assert_contains(out, "\"errors\": [\n    {\n      \"kind\": \"nomem\",\n"
			     "      \"message\": \"report incomplete: out of memory\"\n    }\n  ]");
	free(out);
	out = render(rep, VSC_FORMAT_MARKDOWN, false);
	assert_contains(out, "* **Error** (nomem): report incomplete: out of memory\n");
	free(out);
	vsc_report_destroy(rep);
}

static void test_null_tolerance(void **state)
{
	struct vsc_report *rep = new_report();
	struct vsc_error *err;

	(void)state;
	vsc_report_destroy(NULL);
	assert_null(vsc_report_section(NULL, "a", "b"));
	assert_null(vsc_section_section(NULL, "a", "b"));
	vsc_section_kv(NULL, "k", vsc_val_uint(1));
	vsc_section_kvf(NULL, "k", "%d", 1);
	vsc_section_note(NULL, "x");
	vsc_section_para(NULL, "x");
	vsc_section_error(NULL, VSC_ERR_OTHER, "x");
	vsc_section_take_error(NULL, vsc_error_create(VSC_ERR_OTHER, "leak check"), NULL);
	assert_null(vsc_section_table(NULL, "t", NULL, slot_cols, 4));
	assert_int_equal(vsc_table_row(NULL, vsc_val_uint(1)), VSC_NO_ROW);
	assert_int_equal(vsc_table_row_count(NULL), 0);
	assert_null(vsc_section_code(NULL, "c", NULL));
	vsc_code_line(NULL, "x");
	vsc_code_text(NULL, "x");
	assert_null(vsc_report_finding(NULL, VSC_SEV_INFO, "k", "v"));
	vsc_finding_evidence(NULL, "x");
	vsc_finding_next(NULL, "x");
	vsc_finding_fact(NULL, "k", vsc_val_uint(1));
	vsc_report_set_verdict(NULL, "x");
	assert_int_equal(vsc_report_finding_count(NULL), 0);
	err = vsc_report_render(NULL, stdout, NULL);
	assert_non_null(err);
	vsc_error_destroy(err);
	assert_null(vsc_report_check(rep));
	vsc_report_destroy(rep);
}

static void test_refs(void **state)
{
	struct vsc_report *rep = new_report(), *other = new_report();
	struct vsc_section *s = vsc_report_section(rep, "qi", "QI");
	struct vsc_section *o = vsc_report_section(other, "qi", "QI");
	struct vsc_finding *f = vsc_report_finding(rep, VSC_SEV_INFO, "k", "v");
	char *out;

	(void)state;
	vsc_section_kvf(s, "Free Head", "%u", 3u);
	vsc_finding_evidence_at(f, vsc_ref_section(s), "section");
	vsc_finding_evidence_at(f, vsc_ref_field(s, "Free Head"), "field");
	vsc_finding_evidence_at(f, vsc_ref_section(o), "foreign");
	vsc_finding_evidence_at(f, (struct vsc_ref){ .row = VSC_NO_ROW }, "none");
	out = render(rep, VSC_FORMAT_JSON, false);
	assert_contains(out, "\"text\": \"section\",\n          \"ref\": \"/sections/qi\"");
	assert_contains(out, "\"text\": \"field\",\n          \"ref\": \"/sections/qi/fields/free_head\"");
	assert_contains(out, "{\n          \"text\": \"foreign\"\n        }");
	assert_contains(out, "{\n          \"text\": \"none\"\n        }");
	assert_contains(out, "evidence reference belongs to another report");
	free(out);
	out = render(rep, VSC_FORMAT_TEXT, false);
	assert_contains(out, "- section (see qi)\n");
	assert_contains(out, "- field (see qi, Free Head)\n");
	assert_contains(out, "  Free Head  3\n");
	free(out);
	vsc_report_destroy(rep);
	vsc_report_destroy(other);
}

static void test_format_names(void **state)
{
	enum vsc_render_format fmt;
	struct vsc_error *err;

	(void)state;
	assert_null(vsc_render_format_from_name("json", &fmt));
	assert_int_equal(fmt, VSC_FORMAT_JSON);
	assert_null(vsc_render_format_from_name("md", &fmt));
	assert_int_equal(fmt, VSC_FORMAT_MARKDOWN);
	assert_null(vsc_render_format_from_name("text", &fmt));
	assert_int_equal(fmt, VSC_FORMAT_TEXT);
	err = vsc_render_format_from_name("yaml", &fmt);
	assert_non_null(err);
	assert_int_equal(err->kind, VSC_ERR_USAGE);
	assert_string_equal(err->message, "unknown format 'yaml' (expected text, json or markdown)");
	vsc_error_destroy(err);
	assert_string_equal(vsc_render_format_name(VSC_FORMAT_MARKDOWN), "markdown");
	assert_string_equal(vsc_value_kind_name(VSC_VAL_ADDR), "address");
}

static void test_write_error(void **state)
{
	struct vsc_report *rep = new_report();
	FILE *full = fopen("/dev/full", "w");
	struct vsc_error *err;

	(void)state;
	if (!full) {
		vsc_report_destroy(rep);
		skip();
	}
	build_sample(rep);
	err = vsc_report_render(rep, full, NULL);
	assert_non_null(err);
	assert_int_equal(err->kind, VSC_ERR_IO);
	vsc_error_destroy(err);
	fclose(full);
	vsc_report_destroy(rep);
}

static void test_markdown_details(void **state)
{
	struct vsc_report *rep = new_report();
	char *out;

	(void)state;
	build_long(rep);
	out = render(rep, VSC_FORMAT_MARKDOWN, false);
	assert_contains(out, "\n<details><summary>All slots (slots): 40 rows</summary>\n\n"
			     "| slot | desc | status |\n| ---: | ---: | --- |\n");
	assert_contains(out, "| 39 | 0xffff888100a3c270 | QI\\_FREE |\n\n</details>\n");
	assert_contains(out, "\n<details><summary>Kernel log (log): 35 lines</summary>\n\n```\n");
	assert_contains(out, "\n```\n\n</details>\n");
	free(out);
	vsc_report_destroy(rep);
}

/* The schema's enums are generated from the same tables (checked, not trusted). */
static void test_schema_in_sync(void **state)
{
	char *schema = NULL, line[4096];
	size_t len = 0;
	FILE *f, *m;

	(void)state;
	source_path(line, sizeof(line), "src/report/report.schema.json");
	f = fopen(line, "r");
	if (!f)
		skip();
	m = open_memstream(&schema, &len);
	while (fgets(line, sizeof(line), f))
		fputs(line, m);
	fclose(f);
	fclose(m);

	snprintf(line, sizeof(line), "\"const\": \"%s\"", VSC_REPORT_SCHEMA_NAME);
	assert_contains(schema, line);
	snprintf(line, sizeof(line), "\"const\": %d", VSC_REPORT_SCHEMA_VERSION);
	assert_contains(schema, line);
	{
		struct vsc_sb sb;

		vsc_sb_init(&sb);
		vsc_sb_puts(&sb, "\"enum\": [");
		for (int s = VSC_SEV_COUNT - 1; s >= 0; s--)
			vsc_sb_printf(&sb, "\"%s\"%s", vsc_severity_name(s), s ? ", " : "]");
		assert_contains(schema, vsc_sb_str(&sb));
		vsc_sb_reset(&sb);
		vsc_sb_puts(&sb, "\"enum\": [");
		for (int k = 0; k < VSC_VAL_COUNT; k++) {
			if (k == VSC_VAL_ABSENT)
				continue;
			vsc_sb_printf(&sb, "%s\"%s\"", sb.len > 9 ? ", " : "",
				      vsc_value_kind_name(k));
		}
		vsc_sb_puts(&sb, "]");
		assert_contains(schema, vsc_sb_str(&sb));
		vsc_sb_deinit(&sb);
	}
	free(schema);
}

/* ---- --emit mode for the script tests ------------------------------------------------------ */

static int emit(int argc, char **argv)
{
	struct vsc_render_options opts = { 0 };
	struct vsc_report *rep;
	struct vsc_error *err;
	const char *variant;

	if (argc < 4) {
		fprintf(stderr, "usage: %s --emit FORMAT VARIANT [--redact] [--verbose]\n", argv[0]);
		return 2;
	}
	err = vsc_render_format_from_name(argv[2], &opts.format);
	if (err) {
		fprintf(stderr, "%s\n", err->message);
		vsc_error_destroy(err);
		return 2;
	}
	for (int i = 4; i < argc; i++) {
		if (!strcmp(argv[i], "--redact"))
			opts.redact = true;
		else if (!strcmp(argv[i], "--verbose"))
			opts.verbose = true;
	}
	if (vsc_report_create(&rep))
		return 1;
	variant = argv[3];
	if (!strcmp(variant, "sample")) {
		build_sample(rep);
	} else if (!strcmp(variant, "hostile")) {
		build_hostile(rep);
	} else if (!strcmp(variant, "long")) {
		build_long(rep);
	} else if (!strcmp(variant, "values")) {
		build_values(rep);
	} else if (!strcmp(variant, "full")) {
		build_sample(rep);
		build_secrets(rep);
		build_long(rep);
		build_hostile(rep);
		build_values(rep);
		vsc_report_set_generated_at(rep, 1714564800);
	} else if (strcmp(variant, "empty")) {
		fprintf(stderr, "unknown variant %s\n", variant);
		vsc_report_destroy(rep);
		return 2;
	}
	err = vsc_report_render(rep, stdout, &opts);
	vsc_report_destroy(rep);
	if (err) {
		fprintf(stderr, "%s\n", err->message);
		vsc_error_destroy(err);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_value_format),
		cmocka_unit_test(test_values_all_formats),
		cmocka_unit_test(test_table_alignment),
		cmocka_unit_test(test_table_truncation),
		cmocka_unit_test(test_markdown_escaping),
		cmocka_unit_test(test_json_hostile_strings),
		cmocka_unit_test(test_text_hostile_strings),
		cmocka_unit_test(test_redaction_all_formats),
		cmocka_unit_test(test_values_redacted),
		cmocka_unit_test(test_severity_order),
		cmocka_unit_test(test_severity_table),
		cmocka_unit_test(test_color),
		cmocka_unit_test(test_verbose_facts),
		cmocka_unit_test(test_finding_kind_table),
		cmocka_unit_test(test_golden_sample),
		cmocka_unit_test(test_empty_report),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_generated_at_and_title),
		cmocka_unit_test(test_errors_as_objects),
		cmocka_unit_test(test_internal_errors),
		cmocka_unit_test(test_oom_is_reported),
		cmocka_unit_test(test_null_tolerance),
		cmocka_unit_test(test_refs),
		cmocka_unit_test(test_format_names),
		cmocka_unit_test(test_write_error),
		cmocka_unit_test(test_markdown_details),
		cmocka_unit_test(test_schema_in_sync),
	};

	if (argc > 1 && !strcmp(argv[1], "--emit"))
		return emit(argc, argv);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
