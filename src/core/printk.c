// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * printk from a dump, using only VMCOREINFO offsets (no type info needed).
 * Lockless ring (5.10+): follows makedumpfile / the kernel's get_data() for
 * wrapped blocks.  log_buf (3.5-5.9): variable-length records.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vtdscope/printk.h>
#include <vtdscope/types.h>

#include "printk_internal.h"
#include "target_internal.h"

#define DESC_FLAGS_SHIFT 62
#define DESC_ID_MASK (~(3ULL << DESC_FLAGS_SHIFT))
#define DESC_COMMITTED 1
#define DESC_FINALIZED 2
#define MAX_DESC_BITS 24
#define MAX_DATA_BITS 30

void vsc_log_caller(uint32_t caller_id, char *buf, size_t size)
{
	if (!caller_id)
		snprintf(buf, size, "-");
	else if (caller_id & 0x80000000u)
		snprintf(buf, size, "C%u", caller_id & 0x7fffffffu);
	else
		snprintf(buf, size, "T%u", caller_id);
}

static bool vi(struct vsc_target *t, const char *key, uint64_t *out)
{
	return vsc_vmcoreinfo_number(t, key, out);
}

/*
 * @bytes at @base + @off of a record of @size bytes, read through the engine's
 * one bounded field accessor: the offsets come from VMCOREINFO, and a field
 * outside the record reads as 0.
 */
static uint64_t at(const unsigned char *rec, size_t size, uint64_t base, uint64_t off,
		   unsigned int bytes)
{
	struct vsc_member_info m = { .offset = off, .size = bytes };
	uint64_t v;

	vsc_member_value(rec, size, base, &m, &v);
	return v;
}

static struct vsc_error *lockless(struct vsc_target *t, vsc_log_fn fn, void *arg)
{
	uint64_t prb_sym, prb, o_desc_ring, o_text_ring, o_count_bits, o_descs, o_infos, o_head,
		o_tail, o_size_bits, o_data, o_sv, o_lpos, o_begin, o_next, o_seq, o_ts, o_len,
		o_caller, sz_desc, sz_info, o_counter = 0;
	unsigned char ring[256];
	size_t rsize;
	uint32_t count_bits, size_bits;
	uint64_t descs, infos, head, tail, data, count, dsize;
	const void *blob = NULL;
	struct vsc_error *err;

	if (!vi(t, "SYMBOL(prb)", &prb_sym) ||
	    !vi(t, "OFFSET(printk_ringbuffer.desc_ring)", &o_desc_ring) ||
	    !vi(t, "OFFSET(printk_ringbuffer.text_data_ring)", &o_text_ring) ||
	    !vi(t, "OFFSET(prb_desc_ring.count_bits)", &o_count_bits) ||
	    !vi(t, "OFFSET(prb_desc_ring.descs)", &o_descs) ||
	    !vi(t, "OFFSET(prb_desc_ring.infos)", &o_infos) ||
	    !vi(t, "OFFSET(prb_desc_ring.head_id)", &o_head) ||
	    !vi(t, "OFFSET(prb_desc_ring.tail_id)", &o_tail) ||
	    !vi(t, "OFFSET(prb_data_ring.size_bits)", &o_size_bits) ||
	    !vi(t, "OFFSET(prb_data_ring.data)", &o_data) ||
	    !vi(t, "OFFSET(prb_desc.state_var)", &o_sv) ||
	    !vi(t, "OFFSET(prb_desc.text_blk_lpos)", &o_lpos) ||
	    !vi(t, "OFFSET(prb_data_blk_lpos.begin)", &o_begin) ||
	    !vi(t, "OFFSET(prb_data_blk_lpos.next)", &o_next) ||
	    !vi(t, "OFFSET(printk_info.seq)", &o_seq) ||
	    !vi(t, "OFFSET(printk_info.ts_nsec)", &o_ts) ||
	    !vi(t, "OFFSET(printk_info.text_len)", &o_len) ||
	    !vi(t, "OFFSET(printk_info.caller_id)", &o_caller) ||
	    !vi(t, "SIZE(prb_desc)", &sz_desc) || !vi(t, "SIZE(printk_info)", &sz_info))
		return vsc_error_create(VSC_ERR_NOTFOUND,
					"VMCOREINFO lacks the printk ring buffer layout");
	vi(t, "OFFSET(atomic_long_t.counter)", &o_counter);
	if (o_desc_ring + 48 > sizeof(ring) || o_text_ring + 32 > sizeof(ring) ||
	    sz_desc > 64 || sz_info > 256 || o_text_ring + o_data + 8 > sizeof(ring) ||
	    o_desc_ring + o_tail + 8 > sizeof(ring) || o_seq + 8 > sz_info ||
	    /* u16 text_len, u8 facility, u8 flags:5 level:3: read up to o_len + 3 */
	    o_ts + 8 > sz_info || o_len + 4 > sz_info || o_caller + 4 > sz_info ||
	    o_sv + 8 > sz_desc || o_lpos + 16 > sz_desc)
		return vsc_error_create(VSC_ERR_CORRUPT, "implausible printk layout in VMCOREINFO");

	VSC_TRY(vsc_read_u64(t, prb_sym, &prb, "prb"));
	rsize = o_text_ring + 32;
	VSC_TRY(vsc_read(t, prb, ring, rsize, "printk_ringbuffer"));
	count_bits = (uint32_t)at(ring, rsize, o_desc_ring, o_count_bits, 4);
	descs = at(ring, rsize, o_desc_ring, o_descs, 8);
	infos = at(ring, rsize, o_desc_ring, o_infos, 8);
	head = at(ring, rsize, o_desc_ring + o_head, o_counter, 8);
	tail = at(ring, rsize, o_desc_ring + o_tail, o_counter, 8);
	size_bits = (uint32_t)at(ring, rsize, o_text_ring, o_size_bits, 4);
	data = at(ring, rsize, o_text_ring, o_data, 8);
	if (count_bits > MAX_DESC_BITS || size_bits > MAX_DATA_BITS || size_bits < 6)
		return vsc_error_create(VSC_ERR_CORRUPT, "implausible printk ring size (%u/%u bits)",
					count_bits, size_bits);
	count = 1ULL << count_bits;
	dsize = 1ULL << size_bits;
	/*
	 * Only the live part of the rings is read: ids tail..head (at most two
	 * chunks of the arrays, kept per target since several analyzers walk
	 * the log), and each record's text on its own.  A large log_buf_len
	 * makes the arrays tens of megabytes while a few thousand records live.
	 */
	head &= DESC_ID_MASK;
	tail &= DESC_ID_MASK;
	{
		uint64_t n = ((head - tail) & DESC_ID_MASK) + 1, i0 = tail & (count - 1);
		uint64_t n1 = n > count ? count : n, first = n1 > count - i0 ? count - i0 : n1;
		const unsigned char *dchunk[2] = { NULL, NULL }, *ichunk[2] = { NULL, NULL };
		char *tbuf = malloc(65536 + 16);

		if (!tbuf)
			return &vsc_error_nomem;
		err = vsc_read_blob(t, descs + i0 * sz_desc, first * sz_desc, "printk descriptors", &blob);
		dchunk[0] = blob;
		if (!err)
			err = vsc_read_blob(t, infos + i0 * sz_info, first * sz_info, "printk infos", &blob);
		ichunk[0] = blob;
		if (!err && n1 > first) {
			err = vsc_read_blob(t, descs, (n1 - first) * sz_desc, "printk descriptors", &blob);
			dchunk[1] = blob;
			if (!err)
				err = vsc_read_blob(t, infos, (n1 - first) * sz_info, "printk infos", &blob);
			ichunk[1] = blob;
		}
		for (uint64_t k = 0; !err && k < n1; k++) {
			uint64_t id = (tail + k) & DESC_ID_MASK;
			int c = k < first ? 0 : 1;
			uint64_t off = k < first ? k : k - first;
			const unsigned char *dp = dchunk[c] + off * sz_desc, *ip = ichunk[c] + off * sz_info;
			uint64_t sv = at(dp, sz_desc, 0, o_sv, 8), begin, next, b, e, avail;
			unsigned int state = (unsigned int)(sv >> DESC_FLAGS_SHIFT);
			struct vsc_log_record rec = { 0 };
			uint16_t text_len;

			if ((sv & DESC_ID_MASK) != id || (state != DESC_COMMITTED && state != DESC_FINALIZED))
				continue;
			begin = at(dp, sz_desc, o_lpos, o_begin, 8);
			next = at(dp, sz_desc, o_lpos, o_next, 8);
			text_len = (uint16_t)at(ip, sz_info, 0, o_len, 2);
			rec.seq = at(ip, sz_info, 0, o_seq, 8);
			rec.ts_nsec = at(ip, sz_info, 0, o_ts, 8);
			/* u16 text_len; u8 facility; u8 flags:5, level:3 */
			rec.facility = (uint8_t)at(ip, sz_info, o_len, 2, 1);
			rec.level = (uint8_t)(at(ip, sz_info, o_len, 3, 1) >> 5);
			rec.caller_id = (uint32_t)at(ip, sz_info, 0, o_caller, 4);
			rec.text = "";
			if (!((begin & 1) && (next & 1))) {
				b = begin & (dsize - 1);
				e = next & (dsize - 1);
				if (b > e || (begin >> size_bits) != (next >> size_bits))
					b = 0; /* wrapped: data starts at index 0 */
				if (e > b + 8) {
					avail = e - b - 8;
					rec.text_len = text_len < avail ? text_len : avail;
					if (rec.text_len > 65536)
						rec.text_len = 65536;
					err = vsc_read(t, data + b + 8, tbuf, rec.text_len, "printk text");
					if (err)
						break;
					rec.text = tbuf;
				}
			}
			if (fn(arg, &rec))
				break;
		}
		free(tbuf);
		return err;
	}
}

uint32_t vsc_printk_legacy_record(const unsigned char *data, size_t blen, uint32_t idx,
				  const struct vsc_printk_legacy_layout *l, struct vsc_log_record *rec)
{
	const unsigned char *hdr = data + idx;
	uint32_t len;
	uint16_t tlen;

	if ((uint64_t)idx + l->size > blen)
		return UINT32_MAX;
	/* Every header field is read within the header, the text within the record. */
	len = (uint16_t)at(hdr, l->size, 0, l->o_len, 2);
	if (len == 0)
		return 0;
	if (len < l->size || (uint64_t)idx + len > blen)
		return UINT32_MAX;
	tlen = (uint16_t)at(hdr, l->size, 0, l->o_text_len, 2);
	rec->ts_nsec = at(hdr, l->size, 0, l->o_ts, 8);
	rec->facility = (uint8_t)at(hdr, l->size, 0, l->o_text_len + 4, 1);
	rec->level = (uint8_t)(at(hdr, l->size, 0, l->o_text_len + 5, 1) >> 5);
	if (l->o_caller)
		rec->caller_id = (uint32_t)at(hdr, l->size, 0, l->o_caller, 4);
	rec->text = (const char *)hdr + l->size;
	rec->text_len = tlen <= len - l->size ? tlen : len - l->size;
	return len;
}

static struct vsc_error *legacy(struct vsc_target *t, vsc_log_fn fn, void *arg)
{
	uint64_t s_buf, s_len, s_first, s_next, sz, o_ts, o_len, o_tlen, o_caller = 0, buf;
	uint32_t blen, first, next;
	uint8_t last;
	unsigned char *data;
	struct vsc_error *err;
	uint64_t seq = 0;
	struct vsc_printk_legacy_layout lay;

	if (!vi(t, "SYMBOL(log_buf)", &s_buf) || !vi(t, "SYMBOL(log_buf_len)", &s_len) ||
	    !vi(t, "SYMBOL(log_first_idx)", &s_first) || !vi(t, "SYMBOL(log_next_idx)", &s_next) ||
	    !vi(t, "SIZE(printk_log)", &sz) || !vi(t, "OFFSET(printk_log.ts_nsec)", &o_ts) ||
	    !vi(t, "OFFSET(printk_log.len)", &o_len) ||
	    !vi(t, "OFFSET(printk_log.text_len)", &o_tlen))
		return vsc_error_create(VSC_ERR_NOTFOUND, "VMCOREINFO locates no kernel log");
	vi(t, "OFFSET(printk_log.caller_id)", &o_caller);
	VSC_TRY(vsc_read_u64(t, s_buf, &buf, "log_buf"));
	VSC_TRY(vsc_read_u32(t, s_len, &blen, "log_buf_len"));
	VSC_TRY(vsc_read_u32(t, s_first, &first, "log_first_idx"));
	VSC_TRY(vsc_read_u32(t, s_next, &next, "log_next_idx"));
	if (blen == 0 || blen > (1u << 30) || sz < 16 || sz > 64)
		return vsc_error_create(VSC_ERR_CORRUPT, "implausible log_buf size %u", blen);
	lay = (struct vsc_printk_legacy_layout){ .size = sz, .o_ts = o_ts, .o_len = o_len,
						 .o_text_len = o_tlen, .o_caller = o_caller };
	/* u64 ts_nsec; u16 len, text_len, dict_len; u8 facility; u8 flags:5, level:3 */
	if (o_ts + 8 > sz || o_len + 2 > sz || o_tlen + 6 > sz || (o_caller && o_caller + 4 > sz))
		return vsc_error_create(VSC_ERR_CORRUPT, "implausible printk_log layout in VMCOREINFO");
	/*
	 * log_buf_len comes from the dump: before allocating that much, its
	 * last byte must be in the dump (a fuzzed 1 GB length in a 2 KB dump
	 * made a 1 GB allocation).
	 */
	VSC_TRY(vsc_read_u8(t, buf + blen - 1, &last, "log_buf end"));
	data = malloc(blen);
	if (!data)
		return &vsc_error_nomem;
	err = vsc_read(t, buf, data, blen, "log_buf");
	for (uint32_t idx = first, n = 0; !err && idx != next && n < blen; n++) {
		struct vsc_log_record rec = { .seq = seq++ };
		uint32_t len = vsc_printk_legacy_record(data, blen, idx, &lay, &rec);

		if (len == 0) {
			if (idx == 0)
				break;
			idx = 0;
			continue;
		}
		if (len == UINT32_MAX || fn(arg, &rec))
			break;
		idx += len;
	}
	free(data);
	return err;
}

struct vsc_error *vsc_log_foreach(struct vsc_target *t, vsc_log_fn fn, void *arg)
{
	t->stats.log_scans++;
	if (vsc_vmcoreinfo(t, "SYMBOL(prb)"))
		return lockless(t, fn, arg);
	return legacy(t, fn, arg);
}
