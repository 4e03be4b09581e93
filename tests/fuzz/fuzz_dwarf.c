// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * DWARF types from a crafted vmlinux (dwarf.c, dwarf_read.c): an ELF file in
 * memory whose sections are the fuzzer's (.debug_info, .debug_abbrev,
 * .debug_str, .debug_aranges, .symtab, .BTF, ...), opened with
 * vsc_dwarf_types_create() like a -dbg vmlinux; then the lazy lookups: the
 * hinted CUs (a function's CU through .symtab and .debug_aranges, a CU by
 * source file name), the .debug_str and .BTF absence tests, the scan of the
 * remaining CUs, and the queries of types_query.h (sizes, member paths,
 * enumerators, descriptions).
 *
 * Input: u16 length Q, Q bytes of queries (types_query.h), then sections
 * to the end: u8 name (an index into the table below), u32 length, the
 * bytes.  .symtab is linked to .strtab.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_target.h"
#include "types_query.h"

static const char *const section_names[] = {
	".debug_info", ".debug_abbrev", ".debug_str", ".debug_aranges", ".debug_line",
	".debug_rnglists", ".debug_ranges", ".debug_str_offsets", ".debug_addr",
	".debug_line_str", ".debug_loclists", ".debug_types", ".symtab", ".strtab",
	".debug_frame", ".text", ".BTF", ".gnu_debugaltlink", ".debug_sup",
};
#define NR_NAMES (sizeof(section_names) / sizeof(section_names[0]))
#define MAX_SECTIONS 16

/* The analyzers' hints, as the vtd analyzer declares them. */
static const struct vsc_type_hint hints[] = {
	{ "q_inval", { "qi_submit_sync", "drivers/iommu/intel/dmar.c" } },
	{ "intel_iommu", { "qi_submit_sync", "drivers/iommu/intel/dmar.c" } },
	{ "dmar_drhd_unit", { "qi_submit_sync", "drivers/iommu/intel/dmar.c" } },
	{ "QI_DONE", { "qi_submit_sync", "drivers/iommu/intel/dmar.c" } },
	{ "iopf_group", { "iommu_queue_iopf", "drivers/iommu/io-pgfault.c" } },
};

static int vmlinux_file(const uint8_t *p, size_t n)
{
	struct {
		uint8_t name;
		const uint8_t *data;
		size_t len;
	} sec[MAX_SECTIONS];
	size_t nsec = 0, strsz = 1, off, total;
	Elf64_Shdr sh[MAX_SECTIONS + 2];
	Elf64_Ehdr eh = { 0 };
	unsigned char *file;
	char *shstr;
	int fd, strtab = 0;

	while (n >= 5 && nsec < MAX_SECTIONS) {
		size_t len = (size_t)fuzz_le(p + 1, 4);

		sec[nsec].name = p[0] % NR_NAMES;
		p += 5;
		n -= 5;
		if (len > n)
			len = n;
		sec[nsec].data = p;
		sec[nsec].len = len;
		strsz += strlen(section_names[sec[nsec].name]) + 1;
		nsec++;
		p += len;
		n -= len;
	}
	strsz += sizeof(".shstrtab");
	shstr = calloc(1, strsz);
	memset(sh, 0, sizeof(sh));
	off = sizeof(eh) + (nsec + 2) * sizeof(Elf64_Shdr);
	total = off + strsz;
	for (size_t i = 0; i < nsec; i++)
		total += sec[i].len;
	file = calloc(1, total);
	if (!shstr || !file) {
		free(shstr);
		free(file);
		return -1;
	}
	strsz = 1;
	for (size_t i = 0; i < nsec; i++) {
		const char *name = section_names[sec[i].name];
		bool symtab = !strcmp(name, ".symtab"), text = !strcmp(name, ".text");

		if (!strcmp(name, ".strtab"))
			strtab = (int)i + 1;
		sh[i + 1] = (Elf64_Shdr){
			.sh_name = (Elf64_Word)strsz,
			.sh_type = symtab ? SHT_SYMTAB : !strcmp(name, ".strtab") ? SHT_STRTAB
									     : SHT_PROGBITS,
			.sh_flags = text ? SHF_ALLOC | SHF_EXECINSTR : 0,
			.sh_addr = text ? 0xffffffff81000000ULL : 0,
			.sh_offset = off, .sh_size = sec[i].len, .sh_addralign = 1,
			.sh_entsize = symtab ? sizeof(Elf64_Sym) : 0,
		};
		memcpy(shstr + strsz, name, strlen(name) + 1);
		strsz += strlen(name) + 1;
		memcpy(file + off, sec[i].data, sec[i].len);
		off += sec[i].len;
	}
	for (size_t i = 0; i < nsec; i++)
		if (sh[i + 1].sh_type == SHT_SYMTAB)
			sh[i + 1].sh_link = (Elf64_Word)strtab;
	sh[nsec + 1] = (Elf64_Shdr){ .sh_name = (Elf64_Word)strsz, .sh_type = SHT_STRTAB,
				     .sh_offset = off, .sh_size = strsz + sizeof(".shstrtab"),
				     .sh_addralign = 1 };
	memcpy(shstr + strsz, ".shstrtab", sizeof(".shstrtab"));
	memcpy(file + off, shstr, strsz + sizeof(".shstrtab"));
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_ehsize = sizeof(eh);
	eh.e_shoff = sizeof(eh);
	eh.e_shentsize = sizeof(Elf64_Shdr);
	eh.e_shnum = (Elf64_Half)(nsec + 2);
	eh.e_shstrndx = (Elf64_Half)(nsec + 1);
	memcpy(file, &eh, sizeof(eh));
	memcpy(file + sizeof(eh), sh, (nsec + 2) * sizeof(Elf64_Shdr));
	fd = fuzz_memfd("fuzz-vmlinux", file, total);
	free(file);
	free(shstr);
	return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vsc_target *t;
	struct vsc_error *err;
	char path[64];
	size_t qlen;
	int fd;

	if (size < 2)
		return 0;
	qlen = (size_t)fuzz_le(data, 2);
	if (qlen > size - 2)
		qlen = size - 2;
	fd = vmlinux_file(data + 2 + qlen, size - 2 - qlen);
	if (fd < 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	t = calloc(1, sizeof(*t));
	if (!t) {
		close(fd);
		return 0;
	}
	t->fd = -1;
	t->panic_cpu = -1;
	err = vsc_dwarf_types_create(path, &t->types);
	if (getenv("FUZZ_DEBUG"))
		fprintf(stderr, "dwarf: %s\n", err ? err->message : t->types->description);
	if (!err) {
		vsc_types_add_hints(t, hints, sizeof(hints) / sizeof(hints[0]));
		fuzz_type_queries(t, data + 2, qlen);
	}
	vsc_error_destroy(err);
	vsc_target_destroy(t);
	close(fd);
	return 0;
}
