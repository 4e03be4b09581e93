// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * VMCOREINFO text: vsc_target_parse_vmcoreinfo() on the input, then every
 * parsed key read back as a string and as a number, and the lookups the
 * target's open makes.  The input is parsed twice (a second VMCOREINFO
 * replaces the first).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "core/target_internal.h"

static const char *const keys[] = {
	"OSRELEASE", "BUILD-ID", "PAGESIZE", "KERNELOFFSET", "NUMBER(phys_base)", "CRASHTIME",
	"NUMBER(pgtable_l5_enabled)", "SYMBOL(_stext)", "SYMBOL(init_top_pgt)", "SYMBOL(prb)",
	"NUMBER(sme_mask)", "SIZE(printk_log)", "OFFSET(printk_log.len)", "",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vsc_target *t = calloc(1, sizeof(*t));
	volatile uint64_t sink = 0;

	if (!t)
		return 0;
	t->fd = -1;
	for (int round = 0; round < 2; round++) {
		struct vsc_error *err = vsc_target_parse_vmcoreinfo(t, (const char *)data, size);

		if (err) {
			vsc_error_destroy(err);
			break;
		}
		for (size_t i = 0; i < t->nr_vmcoreinfo; i++) {
			uint64_t v;
			const char *s = vsc_vmcoreinfo(t, t->vmcoreinfo[i].key);

			sink += s ? strlen(s) : 0;
			if (vsc_vmcoreinfo_number(t, t->vmcoreinfo[i].key, &v))
				sink += v;
		}
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			uint64_t v;

			if (vsc_vmcoreinfo_number(t, keys[i], &v))
				sink += v;
		}
		sink += strlen(vsc_vmcoreinfo_raw(t));
	}
	(void)sink;
	vsc_target_destroy(t);
	return 0;
}
