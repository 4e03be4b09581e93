/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VT-d queued-invalidation descriptors: type table and field decoding.
 * Bit layouts are the ones the kernel builds (QI_* macros, 5.4-7.1) and the
 * VT-d spec section 6.5.2.  Pure functions: no target access.
 */
#ifndef VTDSCOPE_VTD_QI_DESC_H
#define VTDSCOPE_VTD_QI_DESC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* QI descriptor types (qw0 bits 3:0).  X(code, id, name, short) */
#define VTD_QI_TYPES(X)                                                        \
	X(0x1, CC, "Context-cache Invalidation", "cc")                         \
	X(0x2, IOTLB, "IOTLB Invalidation", "iotlb")                           \
	X(0x3, DIOTLB, "Device-TLB Invalidation", "dev-tlb")                   \
	X(0x4, IEC, "Interrupt Entry Cache Invalidation", "iec")               \
	X(0x5, WAIT, "Invalidation Wait", "wait")                              \
	X(0x6, PIOTLB, "PASID-based IOTLB Invalidation", "p-iotlb")            \
	X(0x7, PC, "PASID-cache Invalidation", "pasid-cache")                  \
	X(0x8, PDIOTLB, "PASID-based Device-TLB Invalidation", "p-dev-tlb")    \
	X(0x9, PGRP_RESP, "Page Group Response", "page-grp-resp")              \
	X(0xa, PSTRM_RESP, "Page Stream Response", "page-strm-resp")

enum vtd_qi_type {
	VTD_QI_NONE = 0,
#define X(code, id, name, short) VTD_QI_##id = code,
	VTD_QI_TYPES(X)
#undef X
};

/* Slot status values (enum qi_status in dmar.c). */
#define VTD_QI_STATUSES(X) \
	X(0, FREE, "free")     \
	X(1, IN_USE, "in-use") \
	X(2, DONE, "done")     \
	X(3, ABORT, "abort")

enum vtd_qi_status {
#define X(v, id, name) VTD_QI_##id = v,
	VTD_QI_STATUSES(X)
#undef X
};

#define VTD_QI_LENGTH 256
#define VTD_MAX_FIELDS 16

struct vtd_field {
	const char *name;   /* "did", "sid", "addr", ... (JSON-friendly) */
	uint64_t value;
	enum { VTD_FMT_DEC, VTD_FMT_HEX, VTD_FMT_BDF, VTD_FMT_FLAG, VTD_FMT_ENUM } fmt;
	const char *text;   /* for VTD_FMT_ENUM: meaning of the value */
};

struct vtd_decoded {
	unsigned int type;          /* qw0 & 0xf */
	const char *type_name;      /* "Device-TLB Invalidation" or "unknown type 0xN" */
	const char *type_short;
	struct vtd_field fields[VTD_MAX_FIELDS];
	size_t nr_fields;
	uint64_t reserved_bits[2];  /* bits set in qw0/qw1 that the spec reserves */
	/* convenience: */
	bool has_sid;
	uint16_t sid;
	bool has_did;
	uint16_t did;
	bool has_pasid;
	uint32_t pasid;
	bool is_wait;
	uint64_t wait_status_addr;  /* qw1 for wait descriptors */
	uint32_t wait_status_data;  /* qw0[63:32] */
	bool targets_device;        /* device-TLB style: needs the device to answer (ATS) */
};

const char *vtd_qi_type_name(unsigned int type);
const char *vtd_qi_type_short(unsigned int type);
const char *vtd_qi_status_name(int status);
/* Decode one descriptor.  @wide: 256-bit queue (qw2/qw3 meaningful). */
void vtd_qi_decode(const uint64_t qw[4], bool wide, struct vtd_decoded *out);
/* Render the fields as "did=1 sid=00:03.0 ..." into buf. */
void vtd_qi_fields_text(const struct vtd_decoded *d, char *buf, size_t size);
/* "0000:00:03.0"-style name of a source-id on @segment. */
void vtd_bdf_text(uint16_t segment, uint16_t sid, char *buf, size_t size);

#endif
