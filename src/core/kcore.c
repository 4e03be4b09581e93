// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * /proc/kcore: an ELF core whose PT_LOAD segments are kernel virtual ranges.
 * Read-only, by pread() on the file; never takes a kernel lock beyond what
 * the kernel's kcore read itself does, never writes.  No caching: live data.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "target_internal.h"

#define MAX_SEGMENTS 4096

struct kcore_seg {
	uint64_t vaddr, size, offset;
};

struct vsc_kcore {
	int fd;
	struct kcore_seg *segs;
	size_t nr;
	uint64_t note_off, note_size;
};

struct vsc_error *vsc_kcore_open(int fd, const char *path, struct vsc_kcore **out)
{
	Elf64_Ehdr eh;
	struct vsc_kcore *kc;

	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr) ||
	    eh.e_phnum == 0 || eh.e_phnum > MAX_SEGMENTS)
		return vsc_error_create(VSC_ERR_FORMAT, "%s: not a readable kcore ELF image", path);
	kc = calloc(1, sizeof(*kc));
	if (!kc)
		return &vsc_error_nomem;
	kc->fd = fd;
	kc->segs = calloc(eh.e_phnum, sizeof(*kc->segs));
	if (!kc->segs) {
		free(kc);
		return &vsc_error_nomem;
	}
	for (unsigned int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * sizeof(ph))) != (ssize_t)sizeof(ph)) {
			vsc_kcore_destroy(kc);
			return vsc_error_create(VSC_ERR_IO, "%s: reading program headers: %s", path,
						strerror(errno));
		}
		if (ph.p_type == PT_NOTE) {
			kc->note_off = ph.p_offset;
			kc->note_size = ph.p_filesz;
		} else if (ph.p_type == PT_LOAD && ph.p_memsz) {
			kc->segs[kc->nr++] = (struct kcore_seg){ ph.p_vaddr, ph.p_memsz, ph.p_offset };
		}
	}
	*out = kc;
	return NULL;
}

void vsc_kcore_destroy(struct vsc_kcore *kc)
{
	if (!kc)
		return;
	free(kc->segs);
	free(kc);
}

struct vsc_error *vsc_kcore_notes(struct vsc_kcore *kc, void **data, size_t *size)
{
	void *buf;

	if (!kc->note_size || kc->note_size > (16u << 20))
		return vsc_error_create(VSC_ERR_FORMAT, "kcore has no usable note segment");
	buf = malloc(kc->note_size);
	if (!buf)
		return &vsc_error_nomem;
	if (pread(kc->fd, buf, kc->note_size, (off_t)kc->note_off) != (ssize_t)kc->note_size) {
		free(buf);
		return vsc_error_create(VSC_ERR_IO, "reading kcore notes: %s", strerror(errno));
	}
	*data = buf;
	*size = kc->note_size;
	return NULL;
}

struct vsc_error *vsc_kcore_read(struct vsc_kcore *kc, uint64_t vaddr, void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len) {
		const struct kcore_seg *s = NULL;
		size_t chunk;
		ssize_t n;

		for (size_t i = 0; i < kc->nr; i++) {
			if (vaddr >= kc->segs[i].vaddr && vaddr - kc->segs[i].vaddr < kc->segs[i].size) {
				s = &kc->segs[i];
				break;
			}
		}
		if (!s)
			return vsc_error_create(VSC_ERR_NODATA, "0x%llx is not in any kcore segment",
						(unsigned long long)vaddr);
		chunk = s->size - (vaddr - s->vaddr);
		if (chunk > len)
			chunk = len;
		n = pread(kc->fd, p, chunk, (off_t)(s->offset + (vaddr - s->vaddr)));
		if (n <= 0)
			return vsc_error_create(n < 0 ? VSC_ERR_IO : VSC_ERR_NODATA,
						"kcore read at 0x%llx: %s", (unsigned long long)vaddr,
						n < 0 ? strerror(errno) : "unmapped page");
		p += n;
		vaddr += (uint64_t)n;
		len -= (size_t)n;
	}
	return NULL;
}
