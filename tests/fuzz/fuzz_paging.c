// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Kernel virtual -> physical translation (paging.c): 4- and 5-level walks
 * from init_top_pgt or a QEMU note's CR3, 1 GiB and 2 MiB pages, the TLB,
 * and virtual reads that span pages (target.c's read through the walk).
 *
 * Input: 8 probes of 12 bytes (u64 virtual address, u16 read length, u16
 * flags), then a fuzz image (fake_target.h): VMCOREINFO (SYMBOL(init_top_pgt),
 * SYMBOL(_stext), NUMBER(phys_base), NUMBER(pgtable_l5_enabled),
 * NUMBER(sme_mask)), notes (a QEMU note's CR3/CR4), the physical pages with
 * the page tables.  Opening the image runs vsc_paging_init() on it.
 *
 * Checked: a translation is the same from the walk and from the TLB; a read
 * of a range gives the bytes of its pages' translations.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vtdscope/target.h>

#include "fake_target.h"

#define NR_PROBES 8
#define PROBE_SIZE 12
#define MAX_READ 16384

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char buf[MAX_READ], page[4096];
	struct fuzz_image img;
	struct vsc_target *t;

	if (size < NR_PROBES * PROBE_SIZE)
		return 0;
	fuzz_image_parse(data + NR_PROBES * PROBE_SIZE, size - NR_PROBES * PROBE_SIZE, &img);
	t = fuzz_dump_target(&img);
	if (!t)
		return 0;
	for (int i = 0; i < NR_PROBES; i++) {
		const uint8_t *p = data + i * PROBE_SIZE;
		uint64_t va = fuzz_le(p, 8), pa = 0, pa2 = 0;
		size_t len = (size_t)fuzz_le(p + 8, 2) % MAX_READ;
		unsigned int flags = (unsigned int)fuzz_le(p + 10, 2);
		struct vsc_error *err, *err2;

		if (flags & 1)          /* the direct map, as the engine computes it */
			va += t->page_offset_base;
		err = vsc_virt_to_phys(t, va, &pa);
		if (getenv("FUZZ_DEBUG"))
			fprintf(stderr, "0x%llx -> 0x%llx %s\n", (unsigned long long)va,
				(unsigned long long)pa, err ? err->message : "");
		/* again: now from the TLB */
		err2 = vsc_virt_to_phys(t, va, &pa2);
		if (!err != !err2 || (!err && pa != pa2)) {
			fprintf(stderr, "0x%llx: translated twice, differently\n",
				(unsigned long long)va);
			abort();
		}
		vsc_error_destroy(err2);
		if (!err && !(flags & 2)) {
			/* the first page's bytes, read physically, match the virtual read */
			size_t n = 4096 - (va & 4095);

			if (n > len)
				n = len;
			err2 = vsc_read(t, va, buf, len, "fuzz probe");
			if (!err2 && !vsc_error_consume(vsc_read_phys(t, pa, page, n, "fuzz probe")) &&
			    memcmp(buf, page, n)) {
				fprintf(stderr, "0x%llx: virtual and physical reads differ\n",
					(unsigned long long)va);
				abort();
			}
			vsc_error_destroy(err2);
		} else if (!err) {
			char s[64];

			vsc_error_destroy(vsc_read_cstr(t, va, s, 1 + len % sizeof(s), "fuzz string"));
		}
		vsc_error_destroy(err);
	}
	vsc_target_destroy(t);
	return 0;
}
