// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Issue 20's review items that a dump cannot show well, on hand-made input:
 *  3. the log's QI HEAD is the in-flight slot, not a stale copy in a free slot;
 *  6a. log faults (the kernel's messages name no unit) are tied to one unit
 *      only when the queues say which, else to none;
 *  6b. a log_buf record is decoded within the record, never past it;
 *  6c. NUMBER(sme_mask) is used whole or not at all;
 *  6d. kallsyms name lengths are decoded by the data, not by the release.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/printk_internal.h"
#include "core/target_internal.h"
#include "../../plugins/vtd/diagnose.h"

/* ---- 3 / 6a: the VT-d log evidence ---- */

static struct vtd_model *model(int units)
{
	struct vtd_model *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	m->intel_iommu_present = true;
	m->nr_units = units;
	for (int ui = 0; ui < units; ui++) {
		struct vtd_unit *u = &m->units[ui];

		snprintf(u->name, sizeof(u->name), "dmar%d", ui);
		u->has_qi = u->slots_read = true;
		u->free_cnt = VTD_QI_LENGTH;
		for (int i = 0; i < VTD_QI_LENGTH; i++)
			u->slots[i].batch = -1;
	}
	return m;
}

/* A pending batch [first .. first+n-1 payload, wait] on @u. */
static void batch(struct vtd_unit *u, int first, int n)
{
	struct vtd_batch *b = &u->batches[u->nr_batches];

	b->first = first;
	b->wait = first + n;
	b->count = n;
	b->pending = true;
	b->wait_status = VTD_QI_IN_USE;
	for (int i = first; i <= first + n; i++) {
		u->slots[i].batch = u->nr_batches;
		u->slots[i].status = VTD_QI_IN_USE;
	}
	u->slots[first + n].qw[0] = 0x200000025;
	u->nr_batches++;
	u->free_tail = u->nr_batches == 1 ? first : u->free_tail;
	u->free_head = first + n + 1;
	u->free_cnt = VTD_QI_LENGTH - (u->free_head - u->free_tail);
}

static void put(struct vtd_unit *u, int slot, uint64_t qw0, uint64_t qw1)
{
	u->slots[slot].qw[0] = qw0;
	u->slots[slot].qw[1] = qw1;
}

#define HEAD0 0x10000000003ULL
#define HEAD1 0x7ffffffffffff003ULL

static void test_head_prefers_in_flight(void **state)
{
	struct vtd_model *m = model(1);
	struct vtd_unit *u = &m->units[0];
	struct vtd_head_match hm;

	(void)state;
	batch(u, 221, 2);               /* iotlb 221, devtlb 222, wait 223 */
	put(u, 222, HEAD0, HEAD1);
	put(u, 5, HEAD0, HEAD1);        /* the same flush, left in a free slot */
	vtd_match_log_head(u, HEAD0, HEAD1, &hm);
	assert_int_equal(hm.slot, 222);
	assert_true(hm.in_flight);
	assert_int_equal(hm.nr_in_flight, 1);
	assert_int_equal(hm.nr_stale, 1);
	assert_int_equal(hm.nr_others, 1);
	assert_int_equal(hm.others[0], 5);

	/* A second in-flight copy in a later batch: the oldest batch's wins, ambiguous. */
	batch(u, 224, 2);
	put(u, 225, HEAD0, HEAD1);
	vtd_match_log_head(u, HEAD0, HEAD1, &hm);
	assert_int_equal(hm.slot, 222);
	assert_int_equal(hm.nr_in_flight, 2);

	/* Only stale copies: found, but not in flight. */
	put(u, 222, 0x3, 0);
	put(u, 225, 0x3, 0);
	vtd_match_log_head(u, HEAD0, HEAD1, &hm);
	assert_int_equal(hm.slot, 5);
	assert_false(hm.in_flight);

	vtd_match_log_head(u, 0xdead, 0xbeef, &hm);
	assert_int_equal(hm.slot, -1);
	free(m);
}

static void test_log_attribution(void **state)
{
	struct vtd_model *m = model(2);
	struct vtd_log_owner o;

	(void)state;
	m->log_iqe = 3;
	m->log_qi_head = true;
	m->log_head_qw0 = HEAD0;
	m->log_head_qw1 = HEAD1;
	batch(&m->units[0], 10, 2);
	batch(&m->units[1], 40, 2);
	put(&m->units[1], 41, HEAD0, HEAD1);
	put(&m->units[0], 3, HEAD0, HEAD1);     /* stale on dmar0: not evidence */
	vtd_log_attribute(m, &o);
	assert_int_equal(o.iqe_unit, 1);
	assert_non_null(strstr(o.iqe_why, "does not name the unit"));
	assert_int_equal(o.ite_unit, -1);       /* no ITE logged */

	/* Both units hold it in flight: the dump cannot tell; nobody gets it. */
	put(&m->units[0], 11, HEAD0, HEAD1);
	vtd_log_attribute(m, &o);
	assert_int_equal(o.iqe_unit, -1);
	assert_non_null(strstr(o.iqe_why, "which of the 2 units"));

	/* ITE: the unit with QI_ABORT slots. */
	m->log_ite = 1;
	m->units[1].counted[VTD_QI_ABORT] = 2;
	vtd_log_attribute(m, &o);
	assert_int_equal(o.ite_unit, 1);
	m->units[0].counted[VTD_QI_ABORT] = 1;
	vtd_log_attribute(m, &o);
	assert_int_equal(o.ite_unit, -1);

	/* One unit: it is that unit's. */
	m->nr_units = 1;
	vtd_log_attribute(m, &o);
	assert_int_equal(o.iqe_unit, 0);
	assert_int_equal(o.ite_unit, 0);
	free(m);
}

/* ---- 6b: log_buf records ---- */

static void test_printk_legacy_record(void **state)
{
	/* 5.x x86-64 without caller id: ts 0, len 8, text_len 10, dict_len 12, facility 14, flags/level 15 */
	const struct vsc_printk_legacy_layout l = { .size = 16, .o_ts = 0, .o_len = 8,
						    .o_text_len = 10 };
	unsigned char buf[64];
	struct vsc_log_record rec = { 0 };

	(void)state;
	memset(buf, 'x', sizeof(buf));
	memset(buf, 0, 16);
	buf[0] = 42;                    /* ts */
	buf[8] = 24;                    /* len: header + 8 bytes */
	buf[10] = 20;                   /* text_len claims 20: past the record */
	buf[14] = 3;                    /* facility */
	buf[15] = (6 << 5) | 2;         /* level 6, flags 2 */
	memcpy(buf + 16, "DMAR: ok", 8);
	memset(buf + 24, 'N', 40);      /* the next record */
	assert_int_equal(vsc_printk_legacy_record(buf, sizeof(buf), 0, &l, &rec), 24);
	assert_int_equal(rec.ts_nsec, 42);
	assert_int_equal(rec.facility, 3);
	assert_int_equal(rec.level, 6);
	assert_int_equal(rec.text_len, 8);      /* not 20: never into the next record */
	assert_memory_equal(rec.text, "DMAR: ok", 8);

	/* A header that does not fit, a record running off the buffer, the wrap marker. */
	assert_int_equal(vsc_printk_legacy_record(buf, sizeof(buf), 56, &l, &rec), UINT32_MAX);
	buf[8] = 70;
	assert_int_equal(vsc_printk_legacy_record(buf, sizeof(buf), 0, &l, &rec), UINT32_MAX);
	buf[8] = 0;
	assert_int_equal(vsc_printk_legacy_record(buf, sizeof(buf), 0, &l, &rec), 0);
}

/* ---- 6c: NUMBER(sme_mask) ---- */

static struct vsc_target *target_with(const char *vmcoreinfo)
{
	struct vsc_target *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	t->fd = -1;
	t->panic_cpu = -1;
	assert_null(vsc_target_parse_vmcoreinfo(t, vmcoreinfo, strlen(vmcoreinfo)));
	return t;
}

static bool has_diag(const struct vsc_target *t, const char *text)
{
	const struct vsc_diagnostic *d;

	for (size_t i = 0; (d = vsc_target_diagnostic(t, i)); i++)
		if (strstr(d->message, text))
			return true;
	return false;
}

#define PTE_ADDR 0x000ffffffffff000ULL

static void test_sme_mask(void **state)
{
	static const struct {
		const char *text;
		uint64_t mask;
		const char *diag;
	} cases[] = {
		{ "OSRELEASE=6.1.0\n", PTE_ADDR, NULL },
		{ "NUMBER(sme_mask)=0\n", PTE_ADDR, NULL },
		{ "NUMBER(sme_mask)=140737488355328\n", PTE_ADDR & ~(1ULL << 47), NULL },
		{ "NUMBER(sme_mask)=0x800000000000\n", PTE_ADDR & ~(1ULL << 47), NULL },
		/* a partial parse once took 0x800000000000 out of this */
		{ "NUMBER(sme_mask)=0x800000000000garbage\n", PTE_ADDR, "is not a number" },
		{ "NUMBER(sme_mask)=\n", PTE_ADDR, "is not a number" },
		{ "NUMBER(sme_mask)=-1\n", PTE_ADDR, "is not one address bit" },
		{ "NUMBER(sme_mask)=0x800000000001\n", PTE_ADDR, "is not one address bit" },
		{ "NUMBER(sme_mask)=0x8000000000000000\n", PTE_ADDR, "is not one address bit" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vsc_target *t = target_with(cases[i].text);
		uint64_t v = 0x1234;

		assert_int_equal(vsc_paging_pte_mask(t), cases[i].mask);
		if (cases[i].diag)
			assert_true(has_diag(t, cases[i].diag));
		else
			assert_int_equal(vsc_target_diagnostic_count(t), 0);
		/* out-parameters are written only on success */
		if (cases[i].diag && strstr(cases[i].diag, "not a number")) {
			assert_false(vsc_vmcoreinfo_number(t, "NUMBER(sme_mask)", &v));
			assert_int_equal(v, 0x1234);
		}
		vsc_target_destroy(t);
	}
}

/* ---- 6d: kallsyms name lengths ---- */

static void test_kallsyms_name_len(void **state)
{
	static const unsigned char one[] = { 0x7f, 0x00 }, small[] = { 0x05 },
				   big[] = { 0x85, 0x01 }, bigger[] = { 0xff, 0x7f };
	unsigned int len = 0;

	(void)state;
	assert_int_equal(vsc_kallsyms_name_len(small, 1, &len), 1);
	assert_int_equal(len, 5);
	assert_int_equal(vsc_kallsyms_name_len(one, 2, &len), 1);
	assert_int_equal(len, 127);
	/* 133 = 0x05 | 1 << 7: two bytes whatever OSRELEASE says (a 5.14 backport too) */
	assert_int_equal(vsc_kallsyms_name_len(big, 2, &len), 2);
	assert_int_equal(len, 133);
	assert_int_equal(vsc_kallsyms_name_len(bigger, 2, &len), 2);
	assert_int_equal(len, 0x3fff);
	assert_int_equal(vsc_kallsyms_name_len(big, 1, &len), 0);
	assert_int_equal(vsc_kallsyms_name_len(big, 0, &len), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_head_prefers_in_flight),
		cmocka_unit_test(test_log_attribution),
		cmocka_unit_test(test_printk_legacy_record),
		cmocka_unit_test(test_sme_mask),
		cmocka_unit_test(test_kallsyms_name_len),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
