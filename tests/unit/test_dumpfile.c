// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Physical reads of an ELF dump (src/core/kdump.c) on a file written here,
 * whose PT_LOAD table is the ground truth: every byte a segment's file data
 * holds reads back; everything else (a gap, the page right below a segment
 * after a gap, memory past p_filesz, data past the end of a file cut short)
 * is "not in dump", never a crash and never zeroes.  The page below a segment
 * is where libkdumpfile 0.5.1 dereferences NULL.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/dumpfile.h"

#define PAGE 4096

struct seg {
	uint64_t paddr, filesz, memsz;
};

/* Segments in this order in the file: 0x1000 (1 page), 0x5000 (2 pages), 0x9000 (0xfdd bytes + excluded). */
static const struct seg segs[] = {
	{ 0x1000, PAGE, PAGE },
	{ 0x5000, 2 * PAGE, 2 * PAGE },
	{ 0x9000, 0xfdd, 3 * PAGE },
};

static uint8_t byte_at(uint64_t paddr)
{
	return (uint8_t)(paddr * 7 + (paddr >> 12));
}

/* An ET_CORE x86_64 file with the segments above; @cut: bytes to drop at the end. */
static int write_dump(size_t cut)
{
	int fd = memfd_create("elf-dump", 0);
	Elf64_Ehdr eh = { 0 };
	size_t nseg = sizeof(segs) / sizeof(segs[0]);
	uint64_t off = PAGE;    /* data starts on the second page */
	uint8_t page[3 * PAGE];

	assert_true(fd >= 0);
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_CORE;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = (Elf64_Half)nseg;
	assert_int_equal(pwrite(fd, &eh, sizeof(eh), 0), sizeof(eh));
	for (size_t i = 0; i < nseg; i++) {
		Elf64_Phdr ph = {
			.p_type = PT_LOAD, .p_flags = PF_R | PF_W | PF_X,
			.p_offset = off, .p_paddr = segs[i].paddr,
			.p_vaddr = 0xffff888000000000ULL + segs[i].paddr,
			.p_filesz = segs[i].filesz, .p_memsz = segs[i].memsz,
		};

		assert_int_equal(pwrite(fd, &ph, sizeof(ph), (off_t)(sizeof(eh) + i * sizeof(ph))),
				 sizeof(ph));
		for (uint64_t b = 0; b < segs[i].filesz; b++)
			page[b] = byte_at(segs[i].paddr + b);
		assert_int_equal(pwrite(fd, page, segs[i].filesz, (off_t)off), segs[i].filesz);
		off += segs[i].filesz;
	}
	assert_int_equal(ftruncate(fd, (off_t)(off - cut)), 0);
	return fd;
}

static struct vsc_dumpfile *open_dump(int fd)
{
	struct vsc_dumpfile *df = NULL;
	struct vsc_error *err = vsc_dumpfile_open("elf-dump", fd, &df);

	if (err)
		fail_msg("open: %s", err->message);
	assert_string_equal(vsc_dumpfile_format(df), "elf");
	return df;
}

static void assert_bytes(struct vsc_dumpfile *df, uint64_t paddr, size_t len)
{
	uint8_t buf[2 * PAGE];
	struct vsc_error *err = vsc_dumpfile_read_phys(df, paddr, buf, len);

	if (err)
		fail_msg("read 0x%llx+%zu: %s", (unsigned long long)paddr, len, err->message);
	for (size_t i = 0; i < len; i++)
		assert_int_equal(buf[i], byte_at(paddr + i));
}

static void assert_nodata(struct vsc_dumpfile *df, uint64_t paddr, size_t len, const char *what)
{
	uint8_t buf[2 * PAGE];
	struct vsc_error *err = vsc_dumpfile_read_phys(df, paddr, buf, len);

	if (!err)
		fail_msg("read 0x%llx+%zu (%s) succeeded", (unsigned long long)paddr, len, what);
	assert_int_equal(err->kind, VSC_ERR_NODATA);
	assert_non_null(strstr(err->message, "not in dump"));
	vsc_error_destroy(err);
}

static void test_segments(void **state)
{
	int fd = write_dump(0);
	struct vsc_dumpfile *df = open_dump(fd);

	(void)state;
	assert_bytes(df, 0x1000, PAGE);
	assert_bytes(df, 0x1ff8, 8);
	assert_bytes(df, 0x5ff8, 16);           /* across the pages of one segment */
	assert_bytes(df, 0x9000, 0xfdd);        /* the file data of a partial page */
	assert_nodata(df, 0x0, 8, "below the first segment");
	assert_nodata(df, 0x4ff8, 8, "the page right below a segment after a gap");
	assert_nodata(df, 0x4000, PAGE, "the page right below a segment, whole");
	assert_nodata(df, 0x2000, 8, "the page right after a segment");
	assert_nodata(df, 0x1ff8, 16, "a read running off the end of a segment");
	assert_nodata(df, 0x9fdd, 8, "past p_filesz: excluded, not zeroes");
	assert_nodata(df, 0xa000, 8, "past p_filesz, inside p_memsz");
	assert_nodata(df, 0xfffffffffffff000ULL, 8, "the top of the address space");
	vsc_dumpfile_destroy(df);
	close(fd);
}

static void test_cut_short(void **state)
{
	int fd = write_dump(0xfdd + PAGE / 2);  /* the last segment gone, half of the one before */
	struct vsc_dumpfile *df = open_dump(fd);

	(void)state;
	assert_bytes(df, 0x1000, PAGE);
	assert_bytes(df, 0x5000, PAGE + PAGE / 2 - 8);
	assert_nodata(df, 0x6ff8, 8, "past the end of the file");
	assert_nodata(df, 0x9000, 8, "a segment wholly past the end of the file");
	vsc_dumpfile_destroy(df);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_segments),
		cmocka_unit_test(test_cut_short),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
