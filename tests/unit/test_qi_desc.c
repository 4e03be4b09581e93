// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Descriptor decoding against descriptors built the way the kernel builds
 * them (the QI_* macros of drivers/iommu/intel/iommu.h, 5.4-7.1), written
 * out here independently of the decoder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../plugins/vtd/qi_desc.h"

/* The kernel's encoders, restated from the macros. */
#define QI_IOTLB_TYPE 0x2ULL
#define QI_IOTLB_DID(did) (((uint64_t)(did)) << 16)
#define QI_IOTLB_DR(dr) (((uint64_t)(dr)) << 7)
#define QI_IOTLB_DW(dw) (((uint64_t)(dw)) << 6)
#define QI_IOTLB_GRAN(gran) (((uint64_t)(gran)) >> (60 - 4)) /* DMA_TLB_*_FLUSH >> 56 */
#define DMA_TLB_GLOBAL_FLUSH (1ULL << 60)
#define DMA_TLB_PSI_FLUSH (3ULL << 60)
#define QI_IOTLB_ADDR(addr) (((uint64_t)(addr)) & ~0xfffULL)
#define QI_IOTLB_IH(ih) (((uint64_t)(ih)) << 6)
#define QI_IOTLB_AM(am) ((uint64_t)(am))

#define QI_DIOTLB_TYPE 0x3ULL
#define QI_DEV_IOTLB_SID(sid) ((uint64_t)((sid) & 0xffff) << 32)
#define QI_DEV_IOTLB_QDEP(qdep) (((qdep) & 0x1f) << 16)
#define QI_DEV_IOTLB_ADDR(addr) ((uint64_t)(addr) & ~0xfffULL)
#define QI_DEV_IOTLB_PFSID(pfsid) (((uint64_t)((pfsid) & 0xf) << 12) | ((uint64_t)((pfsid) & 0xfff0) << 48))
#define QI_DEV_IOTLB_SIZE 1

#define QI_IWD_TYPE 0x5ULL
#define QI_IWD_STATUS_DATA(d) (((uint64_t)(d)) << 32)
#define QI_IWD_STATUS_WRITE (((uint64_t)1) << 5)
#define QI_IWD_PRQ_DRAIN (((uint64_t)1) << 7)

#define QI_EIOTLB_TYPE 0x6ULL
#define QI_EIOTLB_PASID(p) (((uint64_t)(p)) << 32)
#define QI_EIOTLB_DID(did) (((uint64_t)(did)) << 16)
#define QI_EIOTLB_GRAN(gran) (((uint64_t)(gran)) << 4)

#define QI_DEV_EIOTLB_TYPE 0x8ULL
#define QI_DEV_EIOTLB_PASID(p) ((uint64_t)(p) << 32)
#define QI_DEV_EIOTLB_SID(sid) ((uint64_t)((sid) & 0xffff) << 16)
#define QI_DEV_EIOTLB_QDEP(qd) ((uint64_t)((qd) & 0x1f) << 4)
#define QI_DEV_EIOTLB_PFSID(pfsid) (((uint64_t)((pfsid) & 0xf) << 12) | ((uint64_t)((pfsid) & 0xfff0) << 48))
#define QI_DEV_EIOTLB_SIZE (((uint64_t)1) << 11)

#define QI_PGRP_RESP_TYPE 0x9ULL
#define QI_PGRP_PASID_P(p) (((uint64_t)(p)) << 4)
#define QI_PGRP_RESP_CODE(res) (((uint64_t)(res)) << 12)
#define QI_PGRP_DID(rid) (((uint64_t)(rid)) << 16)
#define QI_PGRP_PASID(pasid) (((uint64_t)(pasid)) << 32)
#define QI_PGRP_IDX(idx) (((uint64_t)(idx)) << 3)

static uint64_t field(const struct vtd_decoded *d, const char *name)
{
	for (size_t i = 0; i < d->nr_fields; i++)
		if (!strcmp(d->fields[i].name, name))
			return d->fields[i].value;
	fail_msg("no field %s in %s", name, d->type_name);
	return 0;
}

static void test_wait(void **state)
{
	/* qi_submit_sync's wait descriptor: status QI_DONE to desc_status[wait_index]. */
	uint64_t qw[4] = { QI_IWD_STATUS_DATA(2) | QI_IWD_STATUS_WRITE | QI_IWD_TYPE, 0x1052318, 0, 0 };
	struct vtd_decoded d;

	(void)state;
	assert_int_equal(qw[0], 0x0000000200000025ULL); /* as every ring dump shows */
	vtd_qi_decode(qw, false, &d);
	assert_true(d.is_wait);
	assert_string_equal(d.type_name, "Invalidation Wait");
	assert_int_equal(d.wait_status_data, 2);
	assert_int_equal(d.wait_status_addr, 0x1052318);
	assert_int_equal(field(&d, "sw"), 1);
	assert_int_equal(field(&d, "pd"), 0);
	assert_int_equal(d.reserved_bits[0] | d.reserved_bits[1], 0);

	qw[0] |= QI_IWD_PRQ_DRAIN;
	vtd_qi_decode(qw, false, &d);
	assert_int_equal(field(&d, "pd"), 1);
}

static void test_iotlb(void **state)
{
	/* qi_flush_iotlb(iommu, did 6, 0, 0, DMA_TLB_GLOBAL_FLUSH) on hardware with DW/DR. */
	uint64_t qw[4] = { QI_IOTLB_DID(6) | QI_IOTLB_DR(1) | QI_IOTLB_DW(1) |
			   QI_IOTLB_GRAN(DMA_TLB_GLOBAL_FLUSH) | QI_IOTLB_TYPE, 0, 0, 0 };
	struct vtd_decoded d;

	(void)state;
	assert_int_equal(qw[0], 0x600d2);
	vtd_qi_decode(qw, false, &d);
	assert_int_equal(d.type, 2);
	assert_true(d.has_did);
	assert_int_equal(d.did, 6);
	assert_int_equal(field(&d, "granularity"), 1);
	assert_int_equal(d.reserved_bits[0] | d.reserved_bits[1], 0);

	/* page-selective, 2^3 pages at 0x12345000 with invalidation hint */
	qw[0] = QI_IOTLB_DID(0x3ff) | QI_IOTLB_GRAN(DMA_TLB_PSI_FLUSH) | QI_IOTLB_TYPE;
	qw[1] = QI_IOTLB_ADDR(0x12345000) | QI_IOTLB_IH(1) | QI_IOTLB_AM(3);
	vtd_qi_decode(qw, false, &d);
	assert_int_equal(d.did, 0x3ff);
	assert_int_equal(field(&d, "granularity"), 3);
	assert_int_equal(field(&d, "addr"), 0x12345000);
	assert_int_equal(field(&d, "am"), 3);
	assert_int_equal(field(&d, "ih"), 1);
	assert_int_equal(d.reserved_bits[0] | d.reserved_bits[1], 0);
}

static void test_devtlb(void **state)
{
	/* qi_flush_dev_iotlb(sid 01:00.0, pfsid 00:1c.0, qdep 32 -> 0, "invalidate all") */
	uint16_t sid = 0x0100, pfsid = 0x00e0;
	uint64_t qw[4] = { QI_DEV_IOTLB_SID(sid) | QI_DEV_IOTLB_QDEP(32) | QI_DIOTLB_TYPE |
			   QI_DEV_IOTLB_PFSID(pfsid),
			   QI_DEV_IOTLB_ADDR(0x7fffffffffffffffULL) | QI_DEV_IOTLB_SIZE, 0, 0 };
	struct vtd_decoded d;
	char text[256];

	(void)state;
	vtd_qi_decode(qw, false, &d);
	assert_true(d.targets_device);
	assert_true(d.has_sid);
	assert_int_equal(d.sid, sid);
	assert_int_equal(field(&d, "pfsid"), pfsid);
	assert_int_equal(field(&d, "qdep"), 0);
	assert_int_equal(field(&d, "size"), 1);
	assert_int_equal(d.reserved_bits[0] | d.reserved_bits[1], 0);
	vtd_qi_fields_text(&d, text, sizeof(text));
	assert_non_null(strstr(text, "sid=01:00.0"));
	assert_non_null(strstr(text, "pfsid=00:1c.0"));
	assert_non_null(strstr(text, "range=all"));

	/* The seed fixture's descriptor: qw1 bit 1 set, reserved in a device-TLB descriptor. */
	qw[0] = 0x10000000003ULL;
	qw[1] = 0x7ffffffffffff003ULL;
	vtd_qi_decode(qw, false, &d);
	assert_int_equal(d.sid, 0x0100);
	assert_int_equal(d.reserved_bits[1], 0x2);
}

static void test_pasid_devtlb(void **state)
{
	/* qi_flush_dev_iotlb_pasid(sid 02:00.1, pfsid same, pasid 0x42, qdep 8, 2^4 pages) */
	uint16_t sid = 0x0201;
	uint64_t qw[4] = { QI_DEV_EIOTLB_PASID(0x42) | QI_DEV_EIOTLB_SID(sid) |
			   QI_DEV_EIOTLB_QDEP(8) | QI_DEV_EIOTLB_TYPE | QI_DEV_EIOTLB_PFSID(sid),
			   0x40000000ULL | QI_DEV_EIOTLB_SIZE, 0, 0 };
	struct vtd_decoded d;

	(void)state;
	vtd_qi_decode(qw, true, &d);
	assert_int_equal(d.type, 8);
	assert_true(d.targets_device);
	assert_int_equal(d.sid, sid);
	assert_int_equal(d.pasid, 0x42);
	assert_int_equal(field(&d, "qdep"), 8);
	assert_int_equal(field(&d, "pfsid"), sid);
	assert_int_equal(field(&d, "size"), 1);
	assert_int_equal(d.reserved_bits[0] | d.reserved_bits[1], 0);
}

static void test_piotlb_and_response(void **state)
{
	uint64_t qw[4] = { QI_EIOTLB_PASID(0x11) | QI_EIOTLB_DID(7) | QI_EIOTLB_GRAN(2) |
			   QI_EIOTLB_TYPE, 0, 0, 0 };
	struct vtd_decoded d;

	(void)state;
	vtd_qi_decode(qw, true, &d);
	assert_int_equal(d.type, 6);
	assert_int_equal(d.did, 7);
	assert_int_equal(d.pasid, 0x11);
	assert_int_equal(field(&d, "granularity"), 2);

	/* page group response: success to RID 01:00.0, PASID 0x22, group 5 */
	qw[0] = QI_PGRP_PASID_P(1) | QI_PGRP_PASID(0x22) | QI_PGRP_DID(0x0100) |
		QI_PGRP_RESP_CODE(0) | QI_PGRP_RESP_TYPE;
	qw[1] = QI_PGRP_IDX(5) | (1ULL << 2);
	vtd_qi_decode(qw, true, &d);
	assert_int_equal(d.type, 9);
	assert_int_equal(d.sid, 0x0100);
	assert_int_equal(d.pasid, 0x22);
	assert_int_equal(field(&d, "prg_index"), 5);
	assert_int_equal(field(&d, "lpig"), 1);
}

static void test_hostile(void **state)
{
	/* Any 64-bit pattern decodes without trouble, unknown types are named as such. */
	uint64_t qw[4] = { 0xffffffffffffffffULL, 0xffffffffffffffffULL, ~0ULL, ~0ULL };
	struct vtd_decoded d;
	char text[64];

	(void)state;
	for (unsigned int t = 0; t < 16; t++) {
		qw[0] = (qw[0] & ~0xfULL) | t;
		vtd_qi_decode(qw, t & 1, &d);
		assert_true(d.nr_fields <= VTD_MAX_FIELDS);
		vtd_qi_fields_text(&d, text, sizeof(text)); /* truncates, never overflows */
		assert_true(strlen(text) < sizeof(text));
	}
	qw[0] = 0xb;
	vtd_qi_decode(qw, false, &d);
	assert_string_equal(d.type_name, "unknown descriptor type");
	assert_string_equal(vtd_qi_status_name(7), "invalid");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wait),
		cmocka_unit_test(test_iotlb),
		cmocka_unit_test(test_devtlb),
		cmocka_unit_test(test_pasid_devtlb),
		cmocka_unit_test(test_piotlb_and_response),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
