// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * /proc/kcore, the live backend: an ELF core whose PT_LOAD segments are
 * kernel virtual ranges.  Read-only, by pread() on the file; never takes a
 * kernel lock beyond what the kernel's kcore read itself does, never writes.
 * Reads are not cached here: each one reads the kernel as it is now.  A
 * refresh reads the program headers again (memory hotplug changes them).
 * The kernel fills no register note: a live CPU has no saved registers.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "target_internal.h"

#define MAX_SEGMENTS 4096
#define MAX_NOTES_SIZE (16u << 20)

/* The direct map's size: 64 TB with 4-level paging, all 52 physical address bits with 5. */
static uint64_t direct_map_size(const struct vsc_target *t)
{
	return t->levels == 5 ? 1ULL << 52 : 1ULL << 46;
}

struct kcore_seg {
	uint64_t vaddr, size, offset;
};

struct vsc_kcore {
	int fd;
	struct kcore_seg *segs;
	size_t nr;
	uint64_t note_off, note_size;
};

/* The program headers of the image on @fd into @kc (segs, nr, notes). */
static struct vsc_error *kcore_load(struct vsc_kcore *kc, const char *path)
{
	Elf64_Ehdr eh;

	if (pread(kc->fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phnum > MAX_SEGMENTS)
		return vsc_error_create(VSC_ERR_FORMAT, "%s: not a readable kcore ELF image", path);
	kc->segs = calloc(eh.e_phnum, sizeof(*kc->segs));
	if (!kc->segs)
		return &vsc_error_nomem;
	for (unsigned int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		if (pread(kc->fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * sizeof(ph))) !=
		    (ssize_t)sizeof(ph))
			return vsc_error_create(VSC_ERR_IO, "%s: reading program headers: %s", path,
						strerror(errno));
		if (ph.p_type == PT_NOTE) {
			kc->note_off = ph.p_offset;
			kc->note_size = ph.p_filesz;
		} else if (ph.p_type == PT_LOAD && ph.p_memsz) {
			kc->segs[kc->nr++] = (struct kcore_seg){ ph.p_vaddr, ph.p_memsz, ph.p_offset };
		}
	}
	return NULL;
}

static void kcore_destroy(struct vsc_kcore *kc)
{
	if (!kc)
		return;
	free(kc->segs);
	free(kc);
}

struct vsc_error *vsc_kcore_attach(struct vsc_target *t, int fd, const char *path)
{
	struct vsc_kcore *kc = calloc(1, sizeof(*kc));
	struct vsc_error *err;

	if (!kc)
		return &vsc_error_nomem;
	kc->fd = fd;
	err = kcore_load(kc, path);
	if (err) {
		kcore_destroy(kc);
		return err;
	}
	t->ops = &vsc_kcore_ops;
	t->kcore = kc;
	return NULL;
}

/* The notes (VMCOREINFO) as a malloc'ed copy of the PT_NOTE contents. */
static struct vsc_error *kcore_notes(struct vsc_kcore *kc, void **data, size_t *size)
{
	void *buf;

	if (!kc->note_size || kc->note_size > MAX_NOTES_SIZE)
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

static struct vsc_error *kcore_open(struct vsc_target *t, const char *path)
{
	void *notes = NULL;
	size_t nsize = 0;
	bool userspace = false;
	struct vsc_error *err;

	VSC_TRY(vsc_kcore_attach(t, t->fd, path));
	err = kcore_notes(t->kcore, &notes, &nsize);
	if (!err)
		err = vsc_target_parse_notes(t, notes, nsize, &userspace);
	free(notes);
	/* The kcore PRSTATUS is a zeroed dummy: no live registers. */
	t->nr_notes = 0;
	if (!err && !t->vmcoreinfo_raw)
		err = vsc_error_create(VSC_ERR_FORMAT,
				       "%s: no VMCOREINFO note (kernel older than 4.19?)", path);
	return err;
}

/* No page walk: the kernel translates; only the paging depth is recorded. */
static struct vsc_error *kcore_translation_init(struct vsc_target *t)
{
	uint64_t v;

	t->levels = 4;
	if (vsc_vmcoreinfo_number(t, "NUMBER(pgtable_l5_enabled)", &v) && v)
		t->levels = 5;
	return NULL;
}

static struct vsc_error *kcore_read_virt(struct vsc_target *t, uint64_t vaddr, void *buf,
					 size_t len)
{
	const struct vsc_kcore *kc = t->kcore;
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

/* Physical memory through the direct map, once its base is known. */
static struct vsc_error *kcore_read_phys(struct vsc_target *t, uint64_t paddr, void *buf,
					 size_t len)
{
	if (!t->page_offset_base)
		return vsc_error_create(VSC_ERR_UNSUPPORTED,
					"no physical access on /proc/kcore before the direct map's "
					"base is known");
	if (paddr >= direct_map_size(t))
		return vsc_error_create(VSC_ERR_CORRUPT, "physical address beyond the direct map");
	return kcore_read_virt(t, t->page_offset_base + paddr, buf, len);
}

static struct vsc_error *kcore_virt_to_phys(struct vsc_target *t, uint64_t addr, uint64_t *paddr)
{
	if (t->page_offset_base && addr >= t->page_offset_base &&
	    addr - t->page_offset_base < direct_map_size(t)) {
		*paddr = addr - t->page_offset_base;
		return NULL;
	}
	if (addr >= VSC_START_KERNEL_MAP) {
		*paddr = addr - VSC_START_KERNEL_MAP + t->phys_base;
		return NULL;
	}
	return vsc_error_create(VSC_ERR_UNSUPPORTED,
				"no page-table translation on /proc/kcore for 0x%llx",
				(unsigned long long)addr);
}

static struct vsc_error *kcore_cpu_regs(struct vsc_target *t, unsigned int cpu,
					struct vsc_regs *out)
{
	return vsc_error_create(VSC_ERR_NODATA, "no registers for CPU %u in the dump (live kernel)",
				cpu);
}

/* The program headers again; on failure the old ones stay. */
static struct vsc_error *kcore_refresh(struct vsc_target *t)
{
	struct vsc_kcore fresh = { .fd = t->kcore->fd };
	struct vsc_error *err = kcore_load(&fresh, t->info.path ? t->info.path : "kcore");

	if (err) {
		free(fresh.segs);
		return err;
	}
	free(t->kcore->segs);
	*t->kcore = fresh;
	return NULL;
}

static void kcore_close(struct vsc_target *t)
{
	kcore_destroy(t->kcore);
	t->kcore = NULL;
}

const struct vsc_target_ops vsc_kcore_ops = {
	.name = "kcore",
	.live = true,
	.open = kcore_open,
	.translation_init = kcore_translation_init,
	.read_virt = kcore_read_virt,
	.read_phys = kcore_read_phys,
	.virt_to_phys = kcore_virt_to_phys,
	.cpu_regs = kcore_cpu_regs,
	.refresh = kcore_refresh,
	.close = kcore_close,
};
