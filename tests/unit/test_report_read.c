// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The report model read back through <vtdscope/report_read.h> only, as the
 * TUI and plugins read it: every node kind, findings and evidence, refs and
 * their ids, pointers and texts, redaction as a property of reading, and the
 * list / object / time values in all three formats.
 *
 * Expected strings are written from the rules in report.h and report_read.h
 * (and the kernel's cpulist convention for ranges), not copied from output.
 */
#define _GNU_SOURCE
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

/* ---- helpers ---------------------------------------------------------------------- */

/* Not inlined: see test_report.c (open_memstream and -Wdangling-pointer). */
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

static char *render(const struct vsc_report *rep, enum vsc_render_format fmt, bool redact,
		    bool verbose)
{
	struct vsc_render_options opts = { .format = fmt, .redact = redact, .verbose = verbose };

	return render_opts(rep, &opts);
}

static struct vsc_report *new_report(void)
{
	struct vsc_report *rep = NULL;

	assert_null(vsc_report_create(&rep));
	assert_non_null(rep);
	return rep;
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

/* The text of a value, plain or redacted, against @want (length checked too). */
static void assert_value_text(const struct vsc_report *rep, const struct vsc_value *v,
			      unsigned flags, const char *want)
{
	char buf[256];
	int n = vsc_report_value_text(rep, v, flags, buf, sizeof(buf));

	if (strcmp(buf, want))
		fail_msg("value text [%s], expected [%s]", buf, want);
	assert_int_equal(n, strlen(want));
}

static void assert_ref_strings(const struct vsc_ref *ref, const char *path, const char *pointer,
			       const char *text, const char *text_redacted)
{
	char buf[256];

	assert_int_equal(vsc_ref_path(ref, buf, sizeof(buf)), strlen(path));
	assert_string_equal(buf, path);
	assert_int_equal(vsc_ref_pointer(ref, buf, sizeof(buf)), strlen(pointer));
	assert_string_equal(buf, pointer);
	assert_int_equal(vsc_ref_text(ref, false, buf, sizeof(buf)), strlen(text));
	assert_string_equal(buf, text);
	assert_int_equal(vsc_ref_text(ref, true, buf, sizeof(buf)), strlen(text_redacted));
	assert_string_equal(buf, text_redacted);
}

static void assert_same_ref(const struct vsc_ref *a, const struct vsc_ref *b)
{
	assert_int_equal(vsc_ref_kind(a), vsc_ref_kind(b));
	assert_ptr_equal(vsc_ref_target_section(a), vsc_ref_target_section(b));
	assert_ptr_equal(a->table, b->table);
	assert_ptr_equal(a->code, b->code);
	assert_int_equal(a->row, b->row);
	if (a->field || b->field)
		assert_string_equal(a->field, b->field);
}

/* ---- a model with one of everything ------------------------------------------------- */

static const struct vsc_column lock_cols[] = {
	{ .name = "lock", .kind = VSC_VAL_ADDR },
	{ .name = "taken in", .kind = VSC_VAL_STR },
	{ .name = "held", .kind = VSC_VAL_BOOL, .align = VSC_ALIGN_RIGHT },
	{ .name = "cpus", .key = "Waiting CPUs", .kind = VSC_VAL_LIST },
	{ .name = "since", .kind = VSC_VAL_TIME },
};

struct model {
	struct vsc_report *rep;
	struct vsc_section *qi, *cpu3, *cpus;
	struct vsc_table *locks;
	struct vsc_code *stack;
	size_t row1;
};

static void build(struct model *m)
{
	struct vsc_report *rep = new_report();
	struct vsc_finding *f;

	m->rep = rep;
	vsc_report_set_tool_version(rep, "0.1.0");
	vsc_report_set_target(rep, "/var/crash/vmcore");
	vsc_report_meta(rep, "release", vsc_val_str("6.1.0-18-amd64"));
	vsc_report_meta(rep, "nodename", vsc_val_host("build-host7"));
	vsc_report_meta(rep, "kaslr_offset", vsc_val_sensitive(vsc_val_hex(0x1e000000)));
	vsc_report_set_verdict(rep, "dmar0 hangs");

	m->qi = vsc_report_section(rep, "qi", "Invalidation queue");
	vsc_section_kv(m->qi, "Free Head", vsc_val_uint(19));
	vsc_section_kv(m->qi, "desc", vsc_val_addr(0xffff888100a3c000ULL));
	m->locks = vsc_section_table(m->qi, "locks", "Locks", lock_cols,
				     VSC_ARRAY_SIZE(lock_cols));
	vsc_table_row(m->locks, vsc_val_addr(0xffff888100a3c0c0ULL), vsc_val_str("qi_submit_sync"),
		      vsc_val_bool(true), vsc_val_list_of(vsc_val_uint(1), vsc_val_uint(2)),
		      vsc_val_time_boot(12500000000ULL));
	m->row1 = vsc_table_row(m->locks, vsc_val_addr(0xffff888100a3c100ULL), vsc_val_str("x"),
				vsc_val_bool(false), vsc_val_list(NULL, 0), vsc_val_absent("no clock"));
	m->stack = vsc_section_code(m->qi, "stack", "Stack");
	vsc_code_line(m->stack, "#0 qi_submit_sync+0x1d8");
	vsc_code_line(m->stack, "#1 ret_from_fork");
	vsc_section_para(m->qi, "a paragraph");
	vsc_section_note(m->qi, "a note");
	m->cpu3 = vsc_section_section(m->qi, "CPU 3", "CPU 3");
	vsc_section_kv(m->cpu3, "state", vsc_val_str("spinning"));
	vsc_section_error(m->qi, VSC_ERR_NODATA, "page not in dump");
	vsc_section_warning(m->qi, VSC_ERR_UNSUPPORTED, "scalable mode");
	m->cpus = vsc_report_section(rep, "cpus", "CPUs");
	vsc_report_warning(rep, VSC_ERR_NOTFOUND, "no BTF");

	vsc_report_finding(rep, VSC_SEV_INFO, "k-info", "info one");
	f = vsc_report_finding(rep, VSC_SEV_CRITICAL, "k-crit", "critical one");
	vsc_finding_evidence_at(f, vsc_ref_row(m->locks, m->row1), "row");
	vsc_finding_evidence_at(f, vsc_ref_field(m->qi, "free head"), "field");
	vsc_finding_evidence(f, "nowhere");
	vsc_finding_next(f, "look at %s", "it");
	vsc_finding_fact(f, "slot", vsc_val_uint(17));
	vsc_finding_fact(f, "cpus", vsc_val_list_of(vsc_val_uint(1), vsc_val_uint(2),
						    vsc_val_uint(3)));
	vsc_report_finding(rep, VSC_SEV_WARNING, "k-warn", "warning one");
	vsc_report_finding(rep, VSC_SEV_CRITICAL, "k-crit2", "critical two");
	assert_null(vsc_report_check(rep));
}

/* ---- walking ----------------------------------------------------------------------- */

static void test_walk_every_node_kind(void **state)
{
	static const enum vsc_node_kind want[] = {
		VSC_NODE_FIELD, VSC_NODE_FIELD, VSC_NODE_TABLE, VSC_NODE_CODE, VSC_NODE_PARA,
		VSC_NODE_NOTE, VSC_NODE_SECTION, VSC_NODE_DIAG, VSC_NODE_DIAG,
	};
	struct model m;
	const struct vsc_node *n;
	const struct vsc_column *col;
	const struct vsc_value *row;
	const struct vsc_diag *d;
	size_t i = 0;
	time_t at;

	(void)state;
	build(&m);
	/* The report's own nodes are its top-level sections, in order. */
	n = vsc_report_first(m.rep);
	assert_ptr_equal(vsc_node_section(n), m.qi);
	assert_ptr_equal(vsc_node_section(vsc_node_next(n)), m.cpus);
	assert_null(vsc_node_next(vsc_node_next(n)));

	for (n = vsc_section_first(m.qi); n; n = vsc_node_next(n), i++) {
		enum vsc_node_kind k = vsc_node_kind(n);

		assert_true(i < VSC_ARRAY_SIZE(want));
		assert_int_equal(k, want[i]);
		/* Exactly the accessor of its kind answers. */
		assert_true((vsc_node_field(n) != NULL) == (k == VSC_NODE_FIELD));
		assert_true((vsc_node_table(n) != NULL) == (k == VSC_NODE_TABLE));
		assert_true((vsc_node_code(n) != NULL) == (k == VSC_NODE_CODE));
		assert_true((vsc_node_text(n) != NULL) == (k == VSC_NODE_PARA || k == VSC_NODE_NOTE));
		assert_true((vsc_node_section(n) != NULL) == (k == VSC_NODE_SECTION));
		assert_true((vsc_node_diag(n) != NULL) == (k == VSC_NODE_DIAG));
		switch (i) {
		case 0:
			assert_string_equal(vsc_node_field(n)->key, "free_head");
			assert_string_equal(vsc_node_field(n)->label, "Free Head");
			assert_int_equal(vsc_node_field(n)->value.kind, VSC_VAL_UINT);
			assert_int_equal(vsc_node_field(n)->value.u, 19);
			break;
		case 2:
			assert_ptr_equal(vsc_node_table(n), m.locks);
			break;
		case 3:
			assert_ptr_equal(vsc_node_code(n), m.stack);
			break;
		case 4:
			assert_string_equal(vsc_node_text(n), "a paragraph");
			break;
		case 5:
			assert_string_equal(vsc_node_text(n), "a note");
			break;
		case 6:
			assert_ptr_equal(vsc_node_section(n), m.cpu3);
			break;
		case 7:
			assert_int_equal(vsc_node_diag(n)->level, VSC_DIAG_ERROR);
			assert_string_equal(vsc_node_diag(n)->kind, "nodata");
			assert_string_equal(vsc_node_diag(n)->message, "page not in dump");
			assert_ptr_equal(vsc_node_diag(n)->section, m.qi);
			break;
		case 8:
			assert_int_equal(vsc_node_diag(n)->level, VSC_DIAG_WARNING);
			break;
		}
	}
	assert_int_equal(i, VSC_ARRAY_SIZE(want));
	assert_string_equal(vsc_node_kind_name(VSC_NODE_DIAG), "diagnostic");
	assert_string_equal(vsc_node_kind_name(VSC_NODE_PARA), "paragraph");
	assert_int_equal(vsc_node_kind(NULL), VSC_NODE_COUNT);
	assert_null(vsc_node_next(NULL));

	/* Sections. */
	assert_string_equal(vsc_section_id(m.cpu3), "cpu_3");
	assert_string_equal(vsc_section_title(m.cpu3), "CPU 3");
	assert_string_equal(vsc_section_path(m.cpu3), "qi/cpu_3");
	assert_int_equal(vsc_section_depth(m.cpu3), 1);
	assert_int_equal(vsc_section_depth(m.qi), 0);
	assert_ptr_equal(vsc_section_parent(m.cpu3), m.qi);
	assert_null(vsc_section_parent(m.qi));
	assert_int_equal(vsc_section_field_count(m.qi), 2);
	assert_string_equal(vsc_section_field_nth(m.qi, 1)->key, "desc");
	assert_null(vsc_section_field_nth(m.qi, 2));
	assert_ptr_equal(vsc_section_find_field(m.qi, "FREE head"), vsc_section_field_nth(m.qi, 0));
	assert_null(vsc_section_find_field(m.qi, "free"));
	assert_ptr_equal(vsc_section_find_table(m.qi, "Locks"), m.locks);
	assert_ptr_equal(vsc_section_find_code(m.qi, "stack"), m.stack);
	assert_ptr_equal(vsc_section_find_section(m.qi, "cpu 3"), m.cpu3);
	assert_null(vsc_section_find_table(m.qi, "stack"));   /* a code block, not a table */
	assert_ptr_equal(vsc_report_find_section(m.rep, "qi/cpu_3"), m.cpu3);
	assert_ptr_equal(vsc_report_find_section(m.rep, "cpus"), m.cpus);
	assert_null(vsc_report_find_section(m.rep, "qi/locks"));      /* a table */
	assert_null(vsc_report_find_section(m.rep, "cpu_3"));

	/* Tables: columns as stored (keys normalised), alignment resolved, rows. */
	assert_string_equal(vsc_table_id(m.locks), "locks");
	assert_string_equal(vsc_table_title(m.locks), "Locks");
	assert_ptr_equal(vsc_table_section(m.locks), m.qi);
	assert_int_equal(vsc_table_column_count(m.locks), 5);
	col = vsc_table_column_nth(m.locks, 1);
	assert_string_equal(col->name, "taken in");
	assert_string_equal(col->key, "taken_in");
	assert_string_equal(vsc_table_column_nth(m.locks, 3)->key, "waiting_cpus");
	assert_true(vsc_column_right(vsc_table_column_nth(m.locks, 0)));      /* address */
	assert_false(vsc_column_right(col));                                   /* string */
	assert_true(vsc_column_right(vsc_table_column_nth(m.locks, 2)));      /* forced */
	assert_false(vsc_column_right(vsc_table_column_nth(m.locks, 3)));     /* list */
	assert_true(vsc_column_right(vsc_table_column_nth(m.locks, 4)));      /* time */
	assert_null(vsc_table_column_nth(m.locks, 5));
	assert_int_equal(vsc_table_row_count(m.locks), 2);
	row = vsc_table_row_nth(m.locks, 0);
	assert_int_equal(row[0].u, 0xffff888100a3c0c0ULL);
	assert_int_equal(row[3].kind, VSC_VAL_LIST);
	assert_int_equal(row[3].list.n, 2);
	assert_int_equal(row[3].list.items[1].u, 2);
	assert_int_equal(row[4].time.boot_ns, 12500000000ULL);
	assert_true(row[4].time.has_boot && !row[4].time.has_wall);
	assert_string_equal(vsc_table_row_nth(m.locks, 1)[4].s, "no clock");
	assert_null(vsc_table_row_nth(m.locks, 2));

	/* Code. */
	assert_string_equal(vsc_code_id(m.stack), "stack");
	assert_string_equal(vsc_code_title(m.stack), "Stack");
	assert_ptr_equal(vsc_code_section(m.stack), m.qi);
	assert_int_equal(vsc_code_line_count(m.stack), 2);
	assert_string_equal(vsc_code_line_nth(m.stack, 1), "#1 ret_from_fork");
	assert_null(vsc_code_line_nth(m.stack, 2));

	/* Meta and diagnostics, report level and in sections, in order. */
	assert_string_equal(vsc_report_title(m.rep), "vtdscope report");
	assert_string_equal(vsc_report_tool_version(m.rep), "0.1.0");
	assert_string_equal(vsc_report_target(m.rep), "/var/crash/vmcore");
	assert_false(vsc_report_generated_at(m.rep, &at));
	vsc_report_set_generated_at(m.rep, 1714564800);
	assert_true(vsc_report_generated_at(m.rep, &at));
	assert_int_equal(at, 1714564800);
	assert_int_equal(vsc_report_meta_count(m.rep), 3);
	assert_string_equal(vsc_report_meta_nth(m.rep, 1)->key, "nodename");
	assert_int_equal(vsc_report_meta_nth(m.rep, 1)->value.kind, VSC_VAL_HOST);
	assert_true(vsc_report_meta_nth(m.rep, 2)->value.sensitive);
	assert_null(vsc_report_meta_nth(m.rep, 3));
	assert_string_equal(vsc_report_verdict(m.rep), "dmar0 hangs");
	assert_int_equal(vsc_report_diag_count(m.rep), 3);
	assert_ptr_equal(vsc_report_diag_nth(m.rep, 0)->section, m.qi);
	assert_ptr_equal(vsc_report_diag_nth(m.rep, 1)->section, m.qi);
	d = vsc_report_diag_nth(m.rep, 2);
	assert_null(d->section);
	assert_string_equal(d->kind, "notfound");
	assert_string_equal(d->message, "no BTF");
	assert_null(vsc_report_diag_nth(m.rep, 3));
	assert_int_equal(vsc_report_error_count(m.rep), 1);
	vsc_report_destroy(m.rep);
}

static void test_empty_and_null(void **state)
{
	struct vsc_report *rep = new_report();
	struct vsc_ref none = { .row = VSC_NO_ROW };
	char buf[8] = "xxxxxxx";

	(void)state;
	assert_null(vsc_report_first(rep));
	assert_string_equal(vsc_report_title(rep), "vtdscope report");
	assert_null(vsc_report_tool_version(rep));
	assert_null(vsc_report_target(rep));
	assert_null(vsc_report_verdict(rep));
	assert_int_equal(vsc_report_diag_count(rep), 0);
	assert_null(vsc_report_finding_nth(rep, 0));
	assert_int_equal(vsc_ref_kind(&none), VSC_REF_NONE);
	assert_int_equal(vsc_ref_path(&none, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	/* NULL everywhere. */
	assert_null(vsc_report_title(NULL));
	assert_null(vsc_section_first(NULL));
	assert_null(vsc_section_path(NULL));
	assert_int_equal(vsc_section_field_count(NULL), 0);
	assert_null(vsc_table_row_nth(NULL, 0));
	assert_null(vsc_table_column_nth(NULL, 0));
	assert_false(vsc_column_right(NULL));
	assert_null(vsc_code_line_nth(NULL, 0));
	assert_int_equal(vsc_finding_evidence_count(NULL), 0);
	assert_null(vsc_finding_fact_nth(NULL, 0));
	assert_null(vsc_node_field(NULL));
	assert_null(vsc_ref_target_section(NULL));
	assert_int_equal(vsc_ref_kind(NULL), VSC_REF_NONE);
	assert_false(vsc_report_resolve(NULL, "qi", &none));
	assert_null(vsc_report_find_section(rep, NULL));
	assert_null(vsc_value_redaction(NULL));
	vsc_report_destroy(rep);
}

/* ---- findings ------------------------------------------------------------------------ */

static void test_findings_in_render_order(void **state)
{
	static const char *const order[] = { "critical one", "critical two", "warning one",
					     "info one" };
	struct model m;
	const struct vsc_finding *f;
	const struct vsc_evidence_line *e;
	const struct vsc_field *fa;
	enum vsc_severity sev;
	const char *kind, *verdict;

	(void)state;
	build(&m);
	assert_int_equal(vsc_report_finding_count(m.rep), 4);
	for (size_t i = 0; i < 4; i++) {
		f = vsc_report_finding_nth(m.rep, i);
		assert_string_equal(vsc_finding_verdict(f), order[i]);
		/* The summary reader agrees. */
		assert_true(vsc_report_finding_get(m.rep, i, &sev, &kind, &verdict));
		assert_int_equal(sev, vsc_finding_severity(f));
		assert_string_equal(kind, vsc_finding_kind(f));
		assert_string_equal(verdict, order[i]);
	}
	assert_null(vsc_report_finding_nth(m.rep, 4));
	assert_false(vsc_report_finding_get(m.rep, 4, NULL, NULL, NULL));
	assert_true(vsc_report_worst_severity(m.rep, &sev));
	assert_int_equal(sev, VSC_SEV_CRITICAL);

	f = vsc_report_finding_nth(m.rep, 0);
	assert_int_equal(vsc_finding_severity(f), VSC_SEV_CRITICAL);
	assert_string_equal(vsc_finding_kind(f), "k-crit");
	assert_string_equal(vsc_finding_next_step(f), "look at it");
	assert_null(vsc_finding_next_step(vsc_report_finding_nth(m.rep, 1)));
	assert_int_equal(vsc_finding_evidence_count(f), 3);
	e = vsc_finding_evidence_nth(f, 0);
	assert_string_equal(e->text, "row");
	assert_int_equal(vsc_ref_kind(&e->ref), VSC_REF_ROW);
	assert_ptr_equal(e->ref.table, m.locks);
	assert_int_equal(e->ref.row, m.row1);
	e = vsc_finding_evidence_nth(f, 1);
	assert_int_equal(vsc_ref_kind(&e->ref), VSC_REF_FIELD);
	assert_ptr_equal(vsc_ref_target_field(&e->ref), vsc_section_field_nth(m.qi, 0));
	e = vsc_finding_evidence_nth(f, 2);
	assert_int_equal(vsc_ref_kind(&e->ref), VSC_REF_NONE);
	assert_null(vsc_finding_evidence_nth(f, 3));
	assert_int_equal(vsc_finding_fact_count(f), 2);
	fa = vsc_finding_fact_nth(f, 1);
	assert_string_equal(fa->key, "cpus");
	assert_int_equal(fa->value.kind, VSC_VAL_LIST);
	assert_int_equal(fa->value.list.n, 3);
	assert_int_equal(fa->value.list.items[2].u, 3);
	vsc_report_destroy(m.rep);
}

/* ---- references and stable ids ------------------------------------------------------------ */

static void test_refs_resolve(void **state)
{
	struct model m;
	struct vsc_ref refs[6], back;
	char path[128], small[6];

	(void)state;
	build(&m);
	refs[0] = vsc_ref_section(m.cpu3);
	refs[1] = vsc_ref_field(m.qi, "free_head");
	refs[2] = vsc_ref_table(m.locks);
	refs[3] = vsc_ref_row(m.locks, 0);
	refs[4] = vsc_ref_code(m.stack);
	refs[5] = vsc_ref_row(m.locks, m.row1);

	assert_int_equal(vsc_ref_kind(&refs[0]), VSC_REF_SECTION);
	assert_int_equal(vsc_ref_kind(&refs[1]), VSC_REF_FIELD);
	assert_int_equal(vsc_ref_kind(&refs[2]), VSC_REF_TABLE);
	assert_int_equal(vsc_ref_kind(&refs[3]), VSC_REF_ROW);
	assert_int_equal(vsc_ref_kind(&refs[4]), VSC_REF_CODE);
	assert_ptr_equal(vsc_ref_target_section(&refs[0]), m.cpu3);
	assert_ptr_equal(vsc_ref_target_section(&refs[3]), m.qi);
	assert_ptr_equal(vsc_ref_target_section(&refs[4]), m.qi);
	assert_null(vsc_ref_target_field(&refs[2]));

	assert_ref_strings(&refs[0], "qi/cpu_3", "/sections/qi/sections/cpu_3", "qi/cpu_3",
			   "qi/cpu_3");
	assert_ref_strings(&refs[1], "qi#free_head", "/sections/qi/fields/free_head",
			   "qi, Free Head", "qi, Free Head");
	assert_ref_strings(&refs[2], "qi/locks", "/sections/qi/tables/locks", "qi/locks",
			   "qi/locks");
	/* A row is named by its first column in text (redacted there), by its index in ids. */
	assert_ref_strings(&refs[3], "qi/locks/0", "/sections/qi/tables/locks/rows/0",
			   "qi/locks, lock 0xffff888100a3c0c0", "qi/locks, lock <addr>");
	assert_ref_strings(&refs[4], "qi/stack", "/sections/qi/code/stack", "qi/stack", "qi/stack");

	/* Every path resolves back to the same ref. */
	for (size_t i = 0; i < VSC_ARRAY_SIZE(refs); i++) {
		vsc_ref_path(&refs[i], path, sizeof(path));
		assert_true(vsc_report_resolve(m.rep, path, &back));
		assert_same_ref(&refs[i], &back);
	}
	/* ... and nothing else does. */
	static const char *const bad[] = {
		"", "nope", "qi/nope", "qi/locks/2", "qi/locks/x", "qi/locks/1x", "qi/locks/-1",
		"qi/stack/0", "qi#nope", "qi/locks#free_head", "/qi", "qi//locks", "#free_head",
		"cpu_3", "qi/cpu_3#free_head",
	};
	for (size_t i = 0; i < VSC_ARRAY_SIZE(bad); i++)
		if (vsc_report_resolve(m.rep, bad[i], &back))
			fail_msg("path \"%s\" resolved", bad[i]);

	/* snprintf semantics: the length it needs, cut and terminated. */
	assert_int_equal(vsc_ref_pointer(&refs[3], small, sizeof(small)),
			 strlen("/sections/qi/tables/locks/rows/0"));
	assert_string_equal(small, "/sect");
	assert_int_equal(vsc_ref_text(&refs[3], false, NULL, 0),
			 strlen("qi/locks, lock 0xffff888100a3c0c0"));
	vsc_report_destroy(m.rep);
}

static void test_stable_ids(void **state)
{
	struct model m;
	struct vsc_ref row1, back;
	char before[64], after[64], ptr[96];

	(void)state;
	build(&m);
	row1 = vsc_ref_row(m.locks, 1);
	vsc_ref_path(&row1, before, sizeof(before));
	vsc_ref_pointer(&row1, ptr, sizeof(ptr));
	/* Adding to the report changes no existing id. */
	for (int i = 0; i < 10; i++)
		vsc_table_row(m.locks, vsc_val_addr(0x1000 * (uint64_t)i), vsc_val_str("y"),
			      vsc_val_bool(false), vsc_val_list(NULL, 0), vsc_val_time_boot(1));
	vsc_section_section(m.qi, "cpu0", "CPU 0");
	assert_ptr_equal(vsc_section_section(m.qi, "CPU_3", "ignored"), m.cpu3);
	vsc_ref_path(&row1, after, sizeof(after));
	assert_string_equal(before, "qi/locks/1");
	assert_string_equal(after, before);
	assert_true(vsc_report_resolve(m.rep, before, &back));
	assert_same_ref(&row1, &back);
	assert_int_equal(vsc_table_row_nth(back.table, back.row)[0].u, 0xffff888100a3c100ULL);
	/* The JSON pointer addresses the same row of the JSON rendering. */
	assert_string_equal(ptr, "/sections/qi/tables/locks/rows/1");
	assert_string_equal(vsc_section_path(vsc_report_find_section(m.rep, "qi/cpu0")), "qi/cpu0");
	vsc_report_destroy(m.rep);
}

/* ---- redaction, read side ---------------------------------------------------------------- */

static void test_redaction_is_read_side(void **state)
{
	struct model m;
	char buf[128];
	struct vsc_value v;

	(void)state;
	build(&m);
	/* The model keeps the real values... */
	assert_int_equal(vsc_section_field_nth(m.qi, 1)->value.u, 0xffff888100a3c000ULL);
	assert_string_equal(vsc_report_meta_nth(m.rep, 1)->value.s, "build-host7");
	/* ... reading redacted replaces them, with what the report learnt. */
	assert_string_equal(vsc_value_redaction(&vsc_section_field_nth(m.qi, 1)->value), "<addr>");
	assert_string_equal(vsc_value_redaction(&vsc_report_meta_nth(m.rep, 1)->value), "<host>");
	assert_string_equal(vsc_value_redaction(&vsc_report_meta_nth(m.rep, 2)->value),
			    "<redacted>");
	assert_null(vsc_value_redaction(&vsc_report_meta_nth(m.rep, 0)->value));
	v = vsc_val_sensitive(vsc_val_absent(NULL));
	assert_null(vsc_value_redaction(&v));    /* nothing to hide */
	assert_int_equal(vsc_report_redact(m.rep, "build-host7 at 0xffff888100a3c0c0, "
					   "kaslr 0x1e000000, word 000000001e000000",
					   buf, sizeof(buf)),
			 strlen("<host> at <addr>, kaslr <redacted>, word <redacted>"));
	assert_string_equal(buf, "<host> at <addr>, kaslr <redacted>, word <redacted>");
	/* Without the report: addresses only. */
	vsc_report_redact(NULL, "build-host7 at 0xffff888100a3c0c0", buf, sizeof(buf));
	assert_string_equal(buf, "build-host7 at <addr>");
	/* Cut like snprintf. */
	assert_int_equal(vsc_report_redact(m.rep, "x 0xffff888100a3c0c0", buf, 5), 8);
	assert_string_equal(buf, "x <a");
	{
		char *heap = vsc_report_redact_text(m.rep, "on build-host7");

		assert_string_equal(heap, "on <host>");
		free(heap);
	}
	/* Values: tokens, then the report's names and numbers scrubbed from the text. */
	v = vsc_val_str("seen on build-host7");
	assert_value_text(m.rep, &v, 0, "seen on build-host7");
	assert_value_text(m.rep, &v, VSC_TEXT_REDACT, "seen on <host>");
	assert_value_text(NULL, &v, VSC_TEXT_REDACT, "seen on build-host7");
	v = vsc_val_absent("page not in dump");
	assert_value_text(m.rep, &v, 0, "n/a");
	assert_value_text(m.rep, &v, VSC_TEXT_REASON, "n/a (page not in dump)");
	vsc_report_destroy(m.rep);
}

/* Host names and sensitive numbers inside lists and objects are learnt too. */
static void test_redaction_inside_values(void **state)
{
	struct vsc_report *rep = new_report();
	struct vsc_section *s = vsc_report_section(rep, "s", "S");
	static const char *const hidden[] = { "db-node-42", "0x29600000", "0xffff888100a3c000",
					      "ffff888100a3c0c0" };
	struct vsc_value items[] = { vsc_val_uint(7), vsc_val_host("db-node-42") };
	struct vsc_member members[] = {
		{ "offset", vsc_val_sensitive(vsc_val_hex(0x29600000)) },
		{ "desc", vsc_val_addr(0xffff888100a3c000ULL) },
		{ "pid", vsc_val_uint(1) },
	};

	(void)state;
	vsc_section_kv(s, "hosts", vsc_val_list(items, 2));
	vsc_section_kv(s, "obj", vsc_val_object(members, 3));
	vsc_section_kv(s, "secret_list", vsc_val_sensitive(vsc_val_list_of(vsc_val_uint(5))));
	vsc_section_para(s, "db-node-42 relocated by 0x29600000; rsp ffff888100a3c0c0");
	for (int fmt = 0; fmt < VSC_FORMAT_COUNT; fmt++) {
		char *out = render(rep, fmt, false, true);

		for (size_t i = 0; i < VSC_ARRAY_SIZE(hidden); i++)
			assert_contains(out, hidden[i]);
		free(out);
		out = render(rep, fmt, true, true);
		for (size_t i = 0; i < VSC_ARRAY_SIZE(hidden); i++)
			assert_not_contains(out, hidden[i]);
		if (fmt == VSC_FORMAT_JSON) {
			assert_contains(out, "\"hosts\": [\n          7,\n          \"<host>\"\n        ]");
			assert_contains(out, "\"obj\": {\n          \"offset\": \"<redacted>\",\n"
					     "          \"desc\": \"<addr>\",\n          \"pid\": 1\n        }");
			assert_contains(out, "\"secret_list\": \"<redacted>\"");
		} else if (fmt == VSC_FORMAT_TEXT) {
			assert_contains(out, "  hosts        7, <host>\n"
					     "  obj          offset=<redacted> desc=<addr> pid=1\n"
					     "  secret_list  <redacted>\n");
			assert_contains(out, "  <host> relocated by <redacted>; rsp <addr>\n");
		} else {
			assert_contains(out, "- `hosts`: 7, \\<host\\>\n"
					     "- `obj`: offset=\\<redacted\\> desc=\\<addr\\> pid=1\n");
		}
		free(out);
	}
	vsc_report_destroy(rep);
}

/* ---- list, object and time values -------------------------------------------------------- */

static void test_value_kinds_text(void **state)
{
	struct vsc_value nested = vsc_val_list_of(
		vsc_val_list_of(vsc_val_uint(1), vsc_val_uint(2)),
		vsc_val_object_of({ "a", vsc_val_int(-1) }, { "b", vsc_val_list(NULL, 0) }),
		vsc_val_list(NULL, 0), vsc_val_object(NULL, 0), vsc_val_absent("why"));
	const struct {
		struct vsc_value v;
		const char *plain, *redacted;
	} cases[] = {
		/* Runs of consecutive non-negative integers become ranges (cpulist). */
		{ vsc_val_list_of(vsc_val_uint(148), vsc_val_uint(149), vsc_val_uint(150)),
		  "148-150", "148-150" },
		{ vsc_val_list_of(vsc_val_uint(31), vsc_val_uint(32)), "31-32", "31-32" },
		{ vsc_val_list_of(vsc_val_uint(148), vsc_val_uint(150)), "148, 150", "148, 150" },
		{ vsc_val_list_of(vsc_val_uint(1), vsc_val_uint(3), vsc_val_uint(5), vsc_val_uint(6),
				  vsc_val_uint(7), vsc_val_uint(2)), "1, 3, 5-7, 2", "1, 3, 5-7, 2" },
		{ vsc_val_list_of(vsc_val_uint(254), vsc_val_uint(255), vsc_val_uint(0),
				  vsc_val_uint(1)), "254-255, 0-1", "254-255, 0-1" },
		{ vsc_val_list_of(vsc_val_int(-2), vsc_val_int(-1), vsc_val_int(0), vsc_val_int(1)),
		  "-2, -1, 0-1", "-2, -1, 0-1" },
		{ vsc_val_list_of(vsc_val_uint(UINT64_MAX - 1), vsc_val_uint(UINT64_MAX)),
		  "18446744073709551614-18446744073709551615",
		  "18446744073709551614-18446744073709551615" },
		/* A sensitive item breaks a run when redacted. */
		{ vsc_val_list_of(vsc_val_uint(4), vsc_val_sensitive(vsc_val_uint(5)), vsc_val_uint(6)),
		  "4-6", "4, <redacted>, 6" },
		{ vsc_val_list(NULL, 0), "none", "none" },
		{ vsc_val_list_of(vsc_val_str("iotlb"), vsc_val_str("dev-tlb")), "iotlb, dev-tlb",
		  "iotlb, dev-tlb" },
		{ vsc_val_list_of(vsc_val_str("a, b"), vsc_val_str("c")), "a, b; c", "a, b; c" },
		{ vsc_val_list_of(vsc_val_hex(0x1000), vsc_val_addr(0xffff888100a3c000ULL),
				  vsc_val_bool(true)),
		  "0x1000, 0xffff888100a3c000, yes", "0x1000, <addr>, yes" },
		{ vsc_val_object_of({ "sid", vsc_val_str("01:00.0") },
				    { "addr", vsc_val_hex(0x7ffffffffffff000ULL) },
				    { "size", vsc_val_bool(true) }),
		  "sid=01:00.0 addr=0x7ffffffffffff000 size=yes",
		  "sid=01:00.0 addr=0x7ffffffffffff000 size=yes" },
		{ vsc_val_object(NULL, 0), "none", "none" },
		{ vsc_val_sensitive(vsc_val_object_of({ "k", vsc_val_uint(1) })), "k=1",
		  "<redacted>" },
		/* Times: printk's microseconds, nanoseconds when there are some; UTC. */
		{ vsc_val_time_boot(12500000000ULL), "12.500000s", "12.500000s" },
		{ vsc_val_time_boot(12500000001ULL), "12.500000001s", "12.500000001s" },
		{ vsc_val_time_boot(0), "0.000000s", "0.000000s" },
		{ vsc_val_time_wall(1714564800LL * 1000000000), "2024-05-01T12:00:00Z",
		  "2024-05-01T12:00:00Z" },
		{ vsc_val_time_wall(1714564800LL * 1000000000 + 500000000), "2024-05-01T12:00:00.500Z",
		  "2024-05-01T12:00:00.500Z" },
		{ vsc_val_time_wall(1714564800LL * 1000000000 + 1000), "2024-05-01T12:00:00.000001Z",
		  "2024-05-01T12:00:00.000001Z" },
		{ vsc_val_time_wall(-500000000), "1969-12-31T23:59:59.500Z",
		  "1969-12-31T23:59:59.500Z" },
		{ vsc_val_time(12500000000ULL, 1714564800LL * 1000000000),
		  "12.500000s (2024-05-01T12:00:00Z)", "12.500000s (2024-05-01T12:00:00Z)" },
		{ vsc_val_sensitive(vsc_val_time_boot(1)), "0.000000001s", "<redacted>" },
	};
	char buf[128];

	(void)state;
	for (size_t i = 0; i < VSC_ARRAY_SIZE(cases); i++) {
		assert_value_text(NULL, &cases[i].v, 0, cases[i].plain);
		assert_value_text(NULL, &cases[i].v, VSC_TEXT_REDACT, cases[i].redacted);
		/* vsc_value_format() is the same without a report. */
		vsc_value_format(&cases[i].v, false, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].plain);
	}
	assert_value_text(NULL, &nested, 0, "[1-2], {a=-1 b=[]}, [], {}, n/a");
	assert_string_equal(vsc_value_kind_name(VSC_VAL_LIST), "list");
	assert_string_equal(vsc_value_kind_name(VSC_VAL_OBJECT), "object");
	assert_string_equal(vsc_value_kind_name(VSC_VAL_TIME), "time");
}

static const struct vsc_column typed_cols[] = {
	{ .name = "slot", .kind = VSC_VAL_UINT },
	{ .name = "slots", .kind = VSC_VAL_LIST },
	{ .name = "fields", .kind = VSC_VAL_OBJECT },
	{ .name = "at", .kind = VSC_VAL_TIME },
};

static struct vsc_report *typed_report(void)
{
	struct vsc_report *rep = new_report();
	struct vsc_section *s = vsc_report_section(rep, "t", "Typed");
	struct vsc_table *tb = vsc_section_table(s, "batches", NULL, typed_cols,
						 VSC_ARRAY_SIZE(typed_cols));
	struct vsc_finding *f;
	size_t row;

	vsc_section_kv(s, "cpus", vsc_val_list_of(vsc_val_uint(148), vsc_val_uint(149),
						  vsc_val_uint(150), vsc_val_uint(3)));
	vsc_section_kv(s, "desc", vsc_val_object_of(
		{ "sid", vsc_val_str("01:00.0") }, { "status_addr", vsc_val_hex(0x1052238) },
		{ "qdep", vsc_val_uint(0) }, { "pasid", vsc_val_absent("no PASID") },
		{ "reserved_bits", vsc_val_object_of({ "qw0", vsc_val_hex(0) },
						     { "qw1", vsc_val_hex(2) }) }));
	vsc_section_kv(s, "panic", vsc_val_time(12500000000ULL, 1714564800LL * 1000000000));
	vsc_section_kv(s, "mixed", vsc_val_list_of(vsc_val_int(-5), vsc_val_absent("gone"),
						   vsc_val_list_of(vsc_val_bool(false))));
	row = vsc_table_row(tb, vsc_val_uint(28),
			    vsc_val_list_of(vsc_val_uint(28), vsc_val_uint(29), vsc_val_uint(30)),
			    vsc_val_object_of({ "sid", vsc_val_str("01:00.0") }),
			    vsc_val_time_boot(4250000000ULL));
	vsc_table_row(tb, vsc_val_uint(31), vsc_val_list(NULL, 0), vsc_val_object(NULL, 0),
		      vsc_val_absent("no clock"));
	f = vsc_report_finding(rep, VSC_SEV_ERROR, "k", "typed facts");
	vsc_finding_evidence_at(f, vsc_ref_row(tb, row), "the batch");
	vsc_finding_fact(f, "spinning_cpus", vsc_val_list_of(vsc_val_uint(1), vsc_val_uint(2)));
	vsc_finding_fact(f, "at", vsc_val_time_wall(1714564800LL * 1000000000));
	return rep;
}

static void test_value_kinds_all_formats(void **state)
{
	struct vsc_report *rep = typed_report();
	char *out;

	(void)state;
	out = render(rep, VSC_FORMAT_TEXT, false, true);
	assert_contains(out, "          facts: spinning_cpus=1-2, at=2024-05-01T12:00:00Z\n");
	assert_contains(out, "  cpus   148-150, 3\n"
			     "  desc   sid=01:00.0 status_addr=0x1052238 qdep=0 pasid=n/a "
			     "reserved_bits={qw0=0x0 qw1=0x2}\n"
			     "  panic  12.500000s (2024-05-01T12:00:00Z)\n"
			     "  mixed  -5, n/a, [no]\n");
	/* Times right-aligned like numbers; lists and objects left. */
	/*
	 * Widths 4, 5, 11, 14; the last column is not padded on the right.
	 */
	assert_contains(out, "  [batches]\n"
			     "  slot  slots  fields" "                   " "at\n"
			     "  ----  -----  -----------  --------------\n"
			     "    28  28-30  sid=01:00.0" "       " "4.250000s\n"
			     "    31  none   none" "         " "n/a (no clock)\n");
	assert_contains(out, "- the batch (see t/batches, slot 28)\n");
	free(out);

	out = render(rep, VSC_FORMAT_MARKDOWN, false, true);
	assert_contains(out, "- `cpus`: 148-150, 3\n"
			     "- `desc`: sid=01:00.0 status\\_addr=0x1052238 qdep=0 pasid=n/a "
			     "reserved\\_bits={qw0=0x0 qw1=0x2}\n"
			     "- `panic`: 12.500000s (2024-05-01T12:00:00Z)\n"
			     "- `mixed`: -5, n/a, \\[no\\]\n");
	assert_contains(out, "| slot | slots | fields | at |\n"
			     "| ---: | --- | --- | ---: |\n"
			     "| 28 | 28-30 | sid=01:00.0 | 4.250000s |\n"
			     "| 31 | none | none | n/a (no clock) |\n");
	assert_contains(out, "        - `spinning_cpus`: 1-2\n"
			     "        - `at`: 2024-05-01T12:00:00Z\n");
	free(out);

	out = render(rep, VSC_FORMAT_JSON, false, false);
	/* Real arrays and objects; numbers as numbers, words as "0x..." strings. */
	assert_contains(out, "\"fields\": {\n"
			     "        \"cpus\": [\n"
			     "          148,\n          149,\n          150,\n          3\n"
			     "        ],\n"
			     "        \"desc\": {\n"
			     "          \"sid\": \"01:00.0\",\n"
			     "          \"status_addr\": \"0x1052238\",\n"
			     "          \"qdep\": 0,\n"
			     "          \"pasid\": null,\n"
			     "          \"reserved_bits\": {\n"
			     "            \"qw0\": \"0x0\",\n"
			     "            \"qw1\": \"0x2\"\n"
			     "          },\n"
			     "          \"unavailable\": {\n"
			     "            \"pasid\": \"no PASID\"\n"
			     "          }\n"
			     "        },\n"
			     "        \"panic\": {\n"
			     "          \"since_boot_ns\": 12500000000,\n"
			     "          \"wall\": \"2024-05-01T12:00:00Z\"\n"
			     "        },\n"
			     "        \"mixed\": [\n"
			     "          -5,\n          null,\n          [\n            false\n          ]\n"
			     "        ]\n"
			     "      },\n");
	assert_contains(out, "\"columns\": [\n");
	assert_contains(out, "\"key\": \"slots\",\n              \"name\": \"slots\",\n"
			     "              \"kind\": \"list\",\n              \"align\": \"left\"\n");
	assert_contains(out, "\"kind\": \"time\",\n              \"align\": \"right\"\n");
	assert_contains(out, "\"rows\": [\n"
			     "            {\n"
			     "              \"slot\": 28,\n"
			     "              \"slots\": [\n                28,\n                29,\n"
			     "                30\n              ],\n"
			     "              \"fields\": {\n                \"sid\": \"01:00.0\"\n"
			     "              },\n"
			     "              \"at\": {\n                \"since_boot_ns\": 4250000000\n"
			     "              }\n"
			     "            },\n"
			     "            {\n"
			     "              \"slot\": 31,\n"
			     "              \"slots\": [],\n"
			     "              \"fields\": {},\n"
			     "              \"at\": null\n"
			     "            }\n"
			     "          ],\n"
			     "          \"unavailable\": {\n"
			     "            \"at\": \"no clock\"\n"
			     "          }\n");
	assert_contains(out, "\"facts\": {\n"
			     "        \"spinning_cpus\": [\n          1,\n          2\n        ],\n"
			     "        \"at\": {\n          \"wall\": \"2024-05-01T12:00:00Z\"\n        }\n"
			     "      }\n");
	assert_contains(out, "\"ref\": \"/sections/t/tables/batches/rows/0\"");
	free(out);
	vsc_report_destroy(rep);
}

/* ---- storage and misuse ------------------------------------------------------------------- */

static void test_values_copied_deeply(void **state)
{
	struct vsc_report *rep = new_report();
	struct vsc_section *s = vsc_report_section(rep, "s", "S");
	struct vsc_value items[3];
	struct vsc_member members[2];
	char name[16] = "dev-tlb";
	const struct vsc_field *f;

	(void)state;
	items[0] = vsc_val_uint(1);
	items[1] = vsc_val_str(name);
	items[2] = vsc_val_list_of(vsc_val_uint(9));
	members[0] = (struct vsc_member){ "Source ID", vsc_val_str(name) };
	members[1] = (struct vsc_member){ "n", vsc_val_list(items, 3) };
	vsc_section_kv(s, "list", vsc_val_list(items, 3));
	vsc_section_kv(s, "obj", vsc_val_object(members, 2));
	/* The caller's storage may change or go away once added. */
	memset(items, 0, sizeof(items));
	memset(members, 0, sizeof(members));
	strcpy(name, "clobbered");
	f = vsc_section_find_field(s, "list");
	assert_int_equal(f->value.list.n, 3);
	assert_string_equal(f->value.list.items[1].s, "dev-tlb");
	assert_int_equal(f->value.list.items[2].list.items[0].u, 9);
	f = vsc_section_find_field(s, "obj");
	assert_string_equal(f->value.object.members[0].key, "source_id");   /* normalised */
	assert_string_equal(f->value.object.members[0].value.s, "dev-tlb");
	assert_int_equal(f->value.object.members[1].value.list.n, 3);
	assert_int_equal(vsc_report_error_count(rep), 0);
	vsc_report_destroy(rep);
}

static void test_value_misuse(void **state)
{
	static const struct vsc_column cols[] = {
		{ .name = "a", .kind = VSC_VAL_LIST },
	};
	struct vsc_report *rep = new_report();
	struct vsc_section *s = vsc_report_section(rep, "s", "S");
	struct vsc_table *tb = vsc_section_table(s, "t", NULL, cols, 1);
	struct vsc_value deep[VSC_VALUE_MAX_DEPTH + 2];
	struct vsc_value bad_time = { .kind = VSC_VAL_TIME };
	char *out;

	(void)state;
	/* VSC_VALUE_MAX_DEPTH nested lists are fine; one more is refused. */
	deep[0] = vsc_val_uint(1);
	for (int i = 1; i <= VSC_VALUE_MAX_DEPTH + 1; i++)
		deep[i] = vsc_val_list(&deep[i - 1], 1);
	vsc_section_kv(s, "deep_ok", deep[VSC_VALUE_MAX_DEPTH]);
	vsc_section_kv(s, "too_deep", deep[VSC_VALUE_MAX_DEPTH + 1]);
	vsc_section_kv(s, "dup", vsc_val_object_of({ "Key", vsc_val_uint(1) },
						   { "key", vsc_val_uint(2) }));
	vsc_section_kv(s, "reserved", vsc_val_object_of({ "unavailable", vsc_val_uint(1) }));
	vsc_section_kv(s, "no_clock", bad_time);
	vsc_section_kv(s, "time_like", vsc_val_object_of({ "wall", vsc_val_str("north") }));
	vsc_section_kv(s, "wall_ok", vsc_val_object_of({ "wall", vsc_val_str("north") },
						       { "side", vsc_val_uint(1) }));
	vsc_section_kv(s, "no_items", vsc_val_list(NULL, 2));
	assert_int_equal(vsc_table_row(tb, vsc_val_list_of(vsc_val_object_of(
		{ "x", vsc_val_uint(1) }, { "X", vsc_val_uint(2) }))), 0);
	assert_int_equal(vsc_table_row(tb, vsc_val_object(NULL, 0)), 1);    /* wrong kind */

	assert_non_null(vsc_section_find_field(s, "deep_ok"));
	assert_non_null(vsc_section_find_field(s, "wall_ok"));
	for (const char *const *k = (const char *const[]){ "too_deep", "dup", "reserved",
							    "no_clock", "no_items", "time_like",
							    NULL }; *k; k++)
		if (vsc_section_find_field(s, *k))
			fail_msg("field %s was stored", *k);
	assert_int_equal(vsc_table_row_nth(tb, 0)[0].kind, VSC_VAL_ABSENT);
	assert_string_equal(vsc_table_row_nth(tb, 0)[0].s, "invalid value");
	assert_int_equal(vsc_table_row_nth(tb, 1)[0].kind, VSC_VAL_ABSENT);
	assert_int_equal(vsc_report_error_count(rep), 8);
	assert_null(vsc_report_check(rep));     /* misuse is not out of memory */

	out = render(rep, VSC_FORMAT_JSON, false, false);
	assert_contains(out, "\"message\": \"s: field too_deep: lists and objects nested too deep\"");
	assert_contains(out, "\"message\": \"s: field dup: duplicate object key\"");
	assert_contains(out, "\"message\": \"s: field reserved: object key 'unavailable' is reserved\"");
	assert_contains(out, "\"message\": \"s: field no_clock: time on neither clock\"");
	assert_contains(out, "\"message\": \"s: field no_items: list without items\"");
	assert_contains(out, "\"message\": \"s: field time_like: an object of since_boot_ns and "
			     "wall alone reads as a time\"");
	assert_contains(out, "\"message\": \"s: table t: row 0 column a: duplicate object key\"");
	assert_contains(out, "\"message\": \"s: table t: row 1 column a: object value in a list column\"");
	free(out);
	vsc_report_destroy(rep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk_every_node_kind),
		cmocka_unit_test(test_empty_and_null),
		cmocka_unit_test(test_findings_in_render_order),
		cmocka_unit_test(test_refs_resolve),
		cmocka_unit_test(test_stable_ids),
		cmocka_unit_test(test_redaction_is_read_side),
		cmocka_unit_test(test_redaction_inside_values),
		cmocka_unit_test(test_value_kinds_text),
		cmocka_unit_test(test_value_kinds_all_formats),
		cmocka_unit_test(test_values_copied_deeply),
		cmocka_unit_test(test_value_misuse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
