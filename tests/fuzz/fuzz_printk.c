// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel log reader (vsc_log_foreach: the lockless printk ring, or the
 * older log_buf) over fake memory.  Input: a 16-bit little-endian length L,
 * L bytes of VMCOREINFO text, then the memory image, mapped at FUZZ_MEM_BASE.
 * The memory is served by the engine's own /proc/kcore reader over an
 * in-memory ELF file (fake_target.h), so every read is a real vsc_read().
 */
#include <string.h>

#include <vtdscope/printk.h>

#include "fake_target.h"

#define FUZZ_MEM_BASE 0xffff888000000000ULL

static int on_record(void *arg, const struct vsc_log_record *rec)
{
	size_t *sum = arg;
	char caller[32];

	/* every byte the record points at must be readable */
	for (size_t i = 0; i < rec->text_len; i++)
		*sum += (unsigned char)rec->text[i];
	vsc_log_caller(rec->caller_id, caller, sizeof(caller));
	*sum += strlen(caller) + (size_t)rec->level + (size_t)rec->facility;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vsc_target *t;
	struct vsc_error *err;
	volatile size_t sum = 0;
	size_t vlen, s = 0;
	int fd = -1;

	if (size < 2)
		return 0;
	vlen = (size_t)data[0] | (size_t)data[1] << 8;
	if (vlen > size - 2)
		vlen = size - 2;
	t = fuzz_fake_target(data + 2, vlen, data + 2 + vlen, size - 2 - vlen, FUZZ_MEM_BASE, &fd);
	if (!t)
		return 0;
	err = vsc_log_foreach(t, on_record, &s);
	vsc_error_destroy(err);
	/* a second walk reuses the blobs the first one kept */
	err = vsc_log_foreach(t, on_record, &s);
	vsc_error_destroy(err);
	sum = s;
	(void)sum;
	vsc_target_destroy(t);
	close(fd);
	return 0;
}
