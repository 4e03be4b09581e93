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

struct vsc_error *vsc_dumpfile_open(const char *path, int fd, struct vsc_dumpfile **out) VSC_MUST_CHECK;
void vsc_dumpfile_destroy(struct vsc_dumpfile *df);
/* "elf" or "kdump-compressed" */
const char *vsc_dumpfile_format(const struct vsc_dumpfile *df);
/* Full read or error; VSC_ERR_NODATA when a page is not in the dump. */
struct vsc_error *vsc_dumpfile_read_phys(struct vsc_dumpfile *df, uint64_t paddr, void *buf,
					 size_t len) VSC_MUST_CHECK;

#endif
