// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ORC lookup and the unwinder's steps over fuzzed memory: input is a 16-bit
 * little-endian length L, L bytes of VMCOREINFO text (OSRELEASE picks the ORC
 * layout; SYMBOL() lines place __start_orc_unwind_ip, __stop_orc_unwind_ip,
 * __start_orc_unwind, _stext, _etext, ...), 24 bytes of registers (ip, sp,
 * bp), then the memory image at FUZZ_MEM_BASE: ORC tables, code and stack.
 * vsc_orc_find() on the ip and vsc_unwind_regs() run over it, through the
 * fake kcore target (fake_target.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vtdscope/unwind.h>

#include "fake_target.h"

#define FUZZ_MEM_BASE 0xffffffff81000000ULL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vsc_target *t;
	struct vsc_regs regs = { 0 };
	struct vsc_orc_entry e;
	struct vsc_stack st;
	struct vsc_error *err;
	uint64_t r[3] = { 0 };
	size_t vlen;
	char buf[256];
	int fd = -1;

	if (size < 2 + sizeof(r))
		return 0;
	vlen = (size_t)data[0] | (size_t)data[1] << 8;
	if (vlen > size - 2 - sizeof(r))
		vlen = size - 2 - sizeof(r);
	memcpy(r, data + 2 + vlen, sizeof(r));
	t = fuzz_fake_target(data + 2, vlen, data + 2 + vlen + sizeof(r),
			     size - 2 - vlen - sizeof(r), FUZZ_MEM_BASE, &fd);
	if (!t)
		return 0;
	err = vsc_orc_find(t, r[0], &e);
	if (!err)
		vsc_orc_entry_format(&e, buf, sizeof(buf));
	vsc_error_destroy(err);

	regs.ip = r[0];
	regs.sp = r[1];
	regs.bp = r[2];
	regs.cs = 0x10;
	err = vsc_unwind_regs(t, &regs, &st);
	if (!err) {
		for (size_t i = 0; i < st.nr_frames; i++) {
			vsc_frame_format(&st.frames[i], buf, sizeof(buf));
			if (getenv("FUZZ_DEBUG"))  /* to check a seed */
				fprintf(stderr, "#%zu %s\n", i, buf);
		}
		if (getenv("FUZZ_DEBUG"))
			fprintf(stderr, "end: %s %s\n", vsc_unwind_end_text(st.end), st.end_detail);
		(void)vsc_unwind_end_text(st.end);
		vsc_stack_deinit(&st);
	}
	vsc_error_destroy(err);
	vsc_target_destroy(t);
	close(fd);
	return 0;
}
