/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The log_buf (3.5-5.9) record decoder, apart from target reads for unit tests. */
#ifndef VTDSCOPE_PRINTK_INTERNAL_H
#define VTDSCOPE_PRINTK_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <vtdscope/printk.h>

/* struct printk_log as VMCOREINFO gives it: SIZE and OFFSETs (caller 0: none). */
struct vsc_printk_legacy_layout {
	uint64_t size, o_ts, o_len, o_text_len, o_caller;
};

/*
 * Decode the record at @idx of the @blen-byte log_buf copy @data into @rec
 * (its text points into @data).  Returns the record's length; 0 for the
 * wrap marker (len 0); UINT32_MAX when the header or the record does not
 * fit in the buffer.  The header's fields are read inside the header
 * (@l->size bytes), the text inside the record (len bytes), never past it.
 */
uint32_t vsc_printk_legacy_record(const unsigned char *data, size_t blen, uint32_t idx,
				  const struct vsc_printk_legacy_layout *l, struct vsc_log_record *rec);

#endif
