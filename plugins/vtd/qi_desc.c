// SPDX-License-Identifier: GPL-2.0-or-later
/* Decoding of VT-d invalidation descriptors (see qi_desc.h). */
#include <stdio.h>
#include <string.h>

#include "qi_desc.h"

static const struct {
	unsigned int code;
	const char *name, *short_name;
} qi_types[] = {
#define X(code, id, name, short) { code, name, short },
	VTD_QI_TYPES(X)
#undef X
};

static const char *const qi_status_names[] = {
#define X(v, id, name) [v] = name,
	VTD_QI_STATUSES(X)
#undef X
};

const char *vtd_qi_type_name(unsigned int type)
{
	for (size_t i = 0; i < sizeof(qi_types) / sizeof(qi_types[0]); i++)
		if (qi_types[i].code == type)
			return qi_types[i].name;
	return NULL;
}

const char *vtd_qi_type_short(unsigned int type)
{
	for (size_t i = 0; i < sizeof(qi_types) / sizeof(qi_types[0]); i++)
		if (qi_types[i].code == type)
			return qi_types[i].short_name;
	return "unknown";
}

const char *vtd_qi_status_name(int status)
{
	if (status >= 0 && status < (int)(sizeof(qi_status_names) / sizeof(qi_status_names[0])))
		return qi_status_names[status];
	return "invalid";
}

static uint64_t bits(uint64_t v, unsigned int hi, unsigned int lo)
{
	return (v >> lo) & ((hi - lo == 63) ? ~0ULL : ((1ULL << (hi - lo + 1)) - 1));
}

static uint64_t mask(unsigned int hi, unsigned int lo)
{
	return ((hi == 63) ? ~0ULL : ((1ULL << (hi + 1)) - 1)) & ~((1ULL << lo) - 1);
}

static void add(struct vtd_decoded *d, const char *name, uint64_t value, int fmt, const char *text)
{
	if (d->nr_fields >= VTD_MAX_FIELDS)
		return;
	d->fields[d->nr_fields++] = (struct vtd_field){ name, value, fmt, text };
}

static const char *iotlb_gran(uint64_t g)
{
	static const char *const n[] = { "reserved", "global", "domain", "page" };
	return n[g & 3];
}

static const char *cc_gran(uint64_t g)
{
	static const char *const n[] = { "reserved", "global", "domain", "device" };
	return n[g & 3];
}

static const char *piotlb_gran(uint64_t g)
{
	static const char *const n[] = { "reserved", "reserved", "pasid", "page-in-pasid" };
	return n[g & 3];
}

static const char *pc_gran(uint64_t g)
{
	static const char *const n[] = { "domain", "pasid", "reserved", "global" };
	return n[g & 3];
}

static const char *resp_code(uint64_t c)
{
	switch (c) {
	case 0x0: return "success";
	case 0x1: return "invalid";
	case 0xf: return "failure";
	default: return "reserved";
	}
}

/*
 * Reserved-bit masks per type, for qw0/qw1, in the legacy (128-bit) layout.
 * The type-extension bits 11:9 are reserved unless the queue is 256-bit.
 */
void vtd_qi_decode(const uint64_t qw[4], bool wide, struct vtd_decoded *d)
{
	uint64_t q0 = qw[0], q1 = qw[1];
	uint64_t rsv0 = 0, rsv1 = 0;

	memset(d, 0, sizeof(*d));
	d->type = (unsigned int)(q0 & 0xf);
	d->type_name = vtd_qi_type_name(d->type);
	d->type_short = vtd_qi_type_short(d->type);
	if (!d->type_name)
		d->type_name = "unknown descriptor type";

	switch (d->type) {
	case VTD_QI_CC:
		add(d, "granularity", bits(q0, 5, 4), VTD_FMT_ENUM, cc_gran(bits(q0, 5, 4)));
		add(d, "did", bits(q0, 31, 16), VTD_FMT_DEC, NULL);
		add(d, "sid", bits(q0, 47, 32), VTD_FMT_BDF, NULL);
		add(d, "fm", bits(q0, 49, 48), VTD_FMT_DEC, NULL);
		d->has_did = true, d->did = (uint16_t)bits(q0, 31, 16);
		rsv0 = mask(15, 6) | mask(63, 50);
		rsv1 = ~0ULL;
		break;
	case VTD_QI_IOTLB:
		add(d, "granularity", bits(q0, 5, 4), VTD_FMT_ENUM, iotlb_gran(bits(q0, 5, 4)));
		add(d, "dw", bits(q0, 6, 6), VTD_FMT_FLAG, NULL);
		add(d, "dr", bits(q0, 7, 7), VTD_FMT_FLAG, NULL);
		add(d, "did", bits(q0, 31, 16), VTD_FMT_DEC, NULL);
		add(d, "addr", q1 & mask(63, 12), VTD_FMT_HEX, NULL);
		add(d, "am", bits(q1, 5, 0), VTD_FMT_DEC, NULL);
		add(d, "ih", bits(q1, 6, 6), VTD_FMT_FLAG, NULL);
		d->has_did = true, d->did = (uint16_t)bits(q0, 31, 16);
		rsv0 = mask(15, 8) | mask(63, 32);
		rsv1 = mask(11, 7);
		break;
	case VTD_QI_DIOTLB: {
		uint64_t pfsid = bits(q0, 15, 12) | (bits(q0, 63, 52) << 4);
		uint64_t addr = q1 & mask(63, 12);
		bool s = q1 & 1;

		add(d, "sid", bits(q0, 47, 32), VTD_FMT_BDF, NULL);
		add(d, "pfsid", pfsid, VTD_FMT_BDF, NULL);
		add(d, "qdep", bits(q0, 20, 16), VTD_FMT_DEC, NULL);
		add(d, "addr", addr, VTD_FMT_HEX, NULL);
		add(d, "size", s, VTD_FMT_FLAG, NULL);
		if (s && (addr | 0xfff) == 0x7fffffffffffffffULL)
			add(d, "range", 0, VTD_FMT_ENUM, "all");
		d->has_sid = true, d->sid = (uint16_t)bits(q0, 47, 32);
		d->targets_device = true;
		rsv0 = mask(11, 4) | mask(31, 21) | mask(51, 48);
		rsv1 = mask(11, 1);
		break;
	}
	case VTD_QI_IEC:
		add(d, "granularity", bits(q0, 4, 4), VTD_FMT_ENUM,
		    bits(q0, 4, 4) ? "index" : "global");
		add(d, "im", bits(q0, 31, 27), VTD_FMT_DEC, NULL);
		add(d, "iidx", bits(q0, 47, 32), VTD_FMT_DEC, NULL);
		rsv0 = mask(8, 5) | mask(26, 12) | mask(63, 48);
		rsv1 = ~0ULL;
		break;
	case VTD_QI_WAIT:
		add(d, "if", bits(q0, 4, 4), VTD_FMT_FLAG, NULL);
		add(d, "sw", bits(q0, 5, 5), VTD_FMT_FLAG, NULL);
		add(d, "fn", bits(q0, 6, 6), VTD_FMT_FLAG, NULL);
		add(d, "pd", bits(q0, 7, 7), VTD_FMT_FLAG, NULL);
		add(d, "status_data", bits(q0, 63, 32), VTD_FMT_DEC, NULL);
		add(d, "status_addr", q1 & mask(63, 2), VTD_FMT_HEX, NULL);
		d->is_wait = true;
		d->wait_status_addr = q1 & mask(63, 2);
		d->wait_status_data = (uint32_t)bits(q0, 63, 32);
		rsv0 = mask(8, 8) | mask(31, 12);
		rsv1 = mask(1, 0);
		break;
	case VTD_QI_PIOTLB:
		add(d, "granularity", bits(q0, 5, 4), VTD_FMT_ENUM, piotlb_gran(bits(q0, 5, 4)));
		add(d, "did", bits(q0, 31, 16), VTD_FMT_DEC, NULL);
		add(d, "pasid", bits(q0, 51, 32), VTD_FMT_HEX, NULL);
		add(d, "addr", q1 & mask(63, 12), VTD_FMT_HEX, NULL);
		add(d, "am", bits(q1, 5, 0), VTD_FMT_DEC, NULL);
		add(d, "ih", bits(q1, 6, 6), VTD_FMT_FLAG, NULL);
		d->has_did = true, d->did = (uint16_t)bits(q0, 31, 16);
		d->has_pasid = true, d->pasid = (uint32_t)bits(q0, 51, 32);
		rsv0 = mask(8, 6) | mask(15, 12) | mask(63, 52);
		rsv1 = mask(11, 7);
		break;
	case VTD_QI_PC:
		add(d, "granularity", bits(q0, 5, 4), VTD_FMT_ENUM, pc_gran(bits(q0, 5, 4)));
		add(d, "did", bits(q0, 31, 16), VTD_FMT_DEC, NULL);
		add(d, "pasid", bits(q0, 51, 32), VTD_FMT_HEX, NULL);
		d->has_did = true, d->did = (uint16_t)bits(q0, 31, 16);
		d->has_pasid = true, d->pasid = (uint32_t)bits(q0, 51, 32);
		rsv0 = mask(8, 6) | mask(15, 12) | mask(63, 52);
		rsv1 = ~0ULL;
		break;
	case VTD_QI_PDIOTLB: {
		uint64_t pfsid = bits(q0, 15, 12) | (bits(q0, 63, 52) << 4);

		add(d, "sid", bits(q0, 31, 16), VTD_FMT_BDF, NULL);
		add(d, "pfsid", pfsid, VTD_FMT_BDF, NULL);
		add(d, "qdep", bits(q0, 8, 4), VTD_FMT_DEC, NULL);
		add(d, "pasid", bits(q0, 51, 32), VTD_FMT_HEX, NULL);
		add(d, "addr", q1 & mask(63, 12), VTD_FMT_HEX, NULL);
		add(d, "global", bits(q1, 0, 0), VTD_FMT_FLAG, NULL);
		add(d, "size", bits(q1, 11, 11), VTD_FMT_FLAG, NULL);
		d->has_sid = true, d->sid = (uint16_t)bits(q0, 31, 16);
		d->has_pasid = true, d->pasid = (uint32_t)bits(q0, 51, 32);
		d->targets_device = true;
		rsv1 = mask(10, 1);
		break;
	}
	case VTD_QI_PGRP_RESP:
		add(d, "pasid_present", bits(q0, 4, 4), VTD_FMT_FLAG, NULL);
		add(d, "pdp", bits(q0, 5, 5), VTD_FMT_FLAG, NULL);
		add(d, "response", bits(q0, 15, 12), VTD_FMT_ENUM, resp_code(bits(q0, 15, 12)));
		add(d, "rid", bits(q0, 31, 16), VTD_FMT_BDF, NULL);
		add(d, "pasid", bits(q0, 51, 32), VTD_FMT_HEX, NULL);
		add(d, "lpig", bits(q1, 2, 2), VTD_FMT_FLAG, NULL);
		add(d, "prg_index", bits(q1, 11, 3), VTD_FMT_DEC, NULL);
		d->has_sid = true, d->sid = (uint16_t)bits(q0, 31, 16);
		d->has_pasid = bits(q0, 4, 4), d->pasid = (uint32_t)bits(q0, 51, 32);
		break;
	default:
		break;
	}
	/* Type bits 11:9 extend the type field only in 256-bit mode. */
	if (!wide && d->type_name && d->type != VTD_QI_PGRP_RESP)
		rsv0 |= mask(11, 9);
	d->reserved_bits[0] = q0 & rsv0;
	d->reserved_bits[1] = q1 & rsv1;
}

void vtd_bdf_text(uint16_t segment, uint16_t sid, char *buf, size_t size)
{
	snprintf(buf, size, "%04x:%02x:%02x.%u", segment, sid >> 8, (sid >> 3) & 0x1f, sid & 7);
}

void vtd_qi_fields_text(const struct vtd_decoded *d, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < d->nr_fields && n < size; i++) {
		const struct vtd_field *f = &d->fields[i];
		char v[48];

		switch (f->fmt) {
		case VTD_FMT_DEC: snprintf(v, sizeof(v), "%llu", (unsigned long long)f->value); break;
		case VTD_FMT_HEX: snprintf(v, sizeof(v), "0x%llx", (unsigned long long)f->value); break;
		case VTD_FMT_BDF:
			snprintf(v, sizeof(v), "%02x:%02x.%u", (unsigned)(f->value >> 8) & 0xff,
				 (unsigned)(f->value >> 3) & 0x1f, (unsigned)f->value & 7);
			break;
		case VTD_FMT_FLAG:
			if (!f->value)
				continue;
			snprintf(v, sizeof(v), "1");
			break;
		case VTD_FMT_ENUM: snprintf(v, sizeof(v), "%s", f->text ? f->text : "?"); break;
		}
		n += (size_t)snprintf(buf + n, size - n, "%s%s=%s", n ? " " : "", f->name, v);
	}
	if (n < size && (d->reserved_bits[0] || d->reserved_bits[1]))
		snprintf(buf + n, size - n, "%sRESERVED-BITS qw0=0x%llx qw1=0x%llx", n ? " " : "",
			 (unsigned long long)d->reserved_bits[0],
			 (unsigned long long)d->reserved_bits[1]);
}
