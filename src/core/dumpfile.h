/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Physical memory of a dump file.  kdump.c (libkdumpfile) serves ELF and
 * kdump-compressed dumps; kcore.c serves /proc/kcore by virtual address.
 */
#ifndef VTDSCOPE_DUMPFILE_H
#define VTDSCOPE_DUMPFILE_H

#include <stddef.h>
#include <stdint.h>

#include <vtdscope/error.h>

struct vsc_dumpfile;

/* kdump-compressed header fields (makedumpfile diskdump_mod.h). */
#define DISKDUMP_HEADER_VERSION_OFF 8
#define DISKDUMP_BLOCK_SIZE_OFF 428
#define DISKDUMP_SUB_HDR_SIZE_OFF 432
#define DISKDUMP_BITMAP_BLOCKS_OFF 436
#define DISKDUMP_MAX_MAPNR_OFF 440
#define SUBHDR_MAX_MAPNR_64 96
#define PAGE_DESC_SIZE 24              /* struct page_desc: offset, size, flags, page_flags */
#define MAX_BITMAP_CHECK (64u << 20)   /* bitmaps larger than this are not read whole */

struct vsc_error *vsc_dumpfile_open(const char *path, int fd, struct vsc_dumpfile **out) VSC_MUST_CHECK;
void vsc_dumpfile_destroy(struct vsc_dumpfile *df);
/* "elf" or "kdump-compressed" */
const char *vsc_dumpfile_format(const struct vsc_dumpfile *df);
/* Full read or error; VSC_ERR_NODATA when a page is not in the dump. */
struct vsc_error *vsc_dumpfile_read_phys(struct vsc_dumpfile *df, uint64_t paddr, void *buf,
					 size_t len) VSC_MUST_CHECK;

#endif
