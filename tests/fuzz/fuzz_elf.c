// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A dump file: the input becomes an in-memory file opened by path
 * (/proc/self/fd/N) with vsc_target_open(), so the real open runs: format
 * sniffing, ELF program headers, PT_NOTE notes (PRSTATUS, QEMU, VMCOREINFO,
 * a second VMCOREINFO), the kdump-compressed sub-header, then paging,
 * kallsyms and types over whatever memory the input holds.  BTF only and no
 * debuginfo search: no file outside the input is read.
 */
#include <stdio.h>

#include <vtdscope/target.h>

#include "fuzz.h"

/*
 * libkdumpfile 0.5.1 (Debian 12) loses a few bytes inside kdump_open_fd() on
 * some ELF notes (e.g. a second VMCOREINFO note: 40 + 2x2 bytes allocated in
 * the library, never referenced again) although vsc_dumpfile_destroy() calls
 * kdump_free().  That is the library's own leak, not the engine's: LeakSanitizer
 * ignores allocations made inside it (the hook is read by ASan's runtime only).
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libkdumpfile.so\n";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vsc_open_options opts = {
		.types = VSC_TYPES_BTF,
		.no_debuginfo_search = true,
	};
	struct vsc_target *t = NULL;
	struct vsc_error *err;
	char path[64];
	int fd = fuzz_memfd("fuzz-dump", data, size);

	if (fd < 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	err = vsc_target_open(path, &opts, &t);
	if (err) {
		vsc_error_destroy(err);
	} else {
		struct vsc_regs regs;

		for (unsigned int cpu = 0; cpu < vsc_nr_cpus(t) && cpu < 64; cpu++) {
			err = vsc_cpu_regs(t, cpu, &regs);
			vsc_error_destroy(err);
		}
		for (size_t i = 0; i < vsc_target_diagnostic_count(t); i++)
			(void)vsc_target_diagnostic(t, i)->message;
		vsc_target_destroy(t);
	}
	close(fd);
	return 0;
}
