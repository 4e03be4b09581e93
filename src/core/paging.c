// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * x86-64 kernel virtual -> physical translation over the dump's physical
 * memory: 4- or 5-level page walk from init_top_pgt, with a small TLB.
 * Root and level come from VMCOREINFO (SYMBOL(init_top_pgt), NUMBER(phys_base),
 * NUMBER(pgtable_l5_enabled)), cross-checked against QEMU's CR3/CR4 when present.
 */
#include <stdio.h>
#include <string.h>

#include "dumpfile.h"
#include "target_internal.h"

#define PTE_PRESENT 0x1ULL
#define PTE_PSE 0x80ULL
#define PTE_ADDR_MASK 0x000ffffffffff000ULL
#define CR4_LA57 (1ULL << 12)

/*
 * The physical-address bits of a page-table entry: bits 12-51 less the AMD
 * SME/SEV encryption bit (VMCOREINFO NUMBER(sme_mask), 0 without SME).  The
 * mask is one bit inside 12-51; anything else (unparsable, several bits,
 * "-1") is reported and ignored, never half applied.
 */
uint64_t vsc_paging_pte_mask(struct vsc_target *t)
{
	const char *raw = vsc_vmcoreinfo(t, "NUMBER(sme_mask)");
	uint64_t sme = 0;

	if (!raw)
		return PTE_ADDR_MASK;
	if (!vsc_vmcoreinfo_number(t, "NUMBER(sme_mask)", &sme)) {
		vsc_target_diagnose(t, VSC_ERR_CORRUPT, false,
				    "VMCOREINFO NUMBER(sme_mask)=%.40s is not a number: ignored", raw);
		return PTE_ADDR_MASK;
	}
	if (sme && ((sme & (sme - 1)) || !(sme & PTE_ADDR_MASK))) {
		vsc_target_diagnose(t, VSC_ERR_CORRUPT, false,
				    "VMCOREINFO NUMBER(sme_mask)=%.40s is not one address bit: ignored", raw);
		return PTE_ADDR_MASK;
	}
	return PTE_ADDR_MASK & ~sme;
}

static struct vsc_error *walk(struct vsc_target *t, uint64_t root, unsigned int levels,
			      uint64_t vaddr, uint64_t *paddr)
{
	uint64_t table = root, mask = t->pte_mask ? t->pte_mask : PTE_ADDR_MASK;

	for (int level = (int)levels; level >= 1; level--) {
		unsigned int shift = 12 + 9 * (unsigned int)(level - 1);
		uint64_t idx = (vaddr >> shift) & 511, pte;
		struct vsc_error *err = vsc_dumpfile_read_phys(t->dump, table + idx * 8, &pte, 8);

		if (err)
			return vsc_error_wrap(err, "page table level %d", level);
		if (!(pte & PTE_PRESENT))
			return vsc_error_create(VSC_ERR_NODATA, "address 0x%llx is not mapped",
						(unsigned long long)vaddr);
		if ((level == 2 || level == 3) && (pte & PTE_PSE)) {
			uint64_t size = 1ULL << shift;

			*paddr = ((pte & mask) & ~(size - 1)) | (vaddr & (size - 1));
			return NULL;
		}
		table = pte & mask;
	}
	*paddr = table | (vaddr & 4095);
	return NULL;
}

static bool canonical(const struct vsc_target *t, uint64_t vaddr)
{
	unsigned int bits = t->levels == 5 ? 57 : 48;
	uint64_t top = vaddr >> (bits - 1);

	return top == 0 || top == (~0ULL >> (bits - 1));
}

struct vsc_error *vsc_paging_translate(struct vsc_target *t, uint64_t vaddr, uint64_t *paddr)
{
	uint64_t vpage = vaddr & ~4095ULL, ppage;
	struct vsc_tlb_entry *e = &t->tlb[(vpage >> 12) % VSC_TLB_SIZE];

	if (e->vpage == (vpage | 1)) {
		*paddr = e->ppage | (vaddr & 4095);
		return NULL;
	}
	if (!canonical(t, vaddr))
		return vsc_error_create(VSC_ERR_CORRUPT, "0x%llx is not a canonical address",
					(unsigned long long)vaddr);
	VSC_TRY(walk(t, t->pgd_phys, t->levels, vpage, &ppage));
	e->vpage = vpage | 1;
	e->ppage = ppage;
	*paddr = ppage | (vaddr & 4095);
	return NULL;
}

struct vsc_error *vsc_paging_init(struct vsc_target *t)
{
	uint64_t pgd_sym, stext, l5 = 0, pa;
	struct vsc_error *err;

	if (!vsc_vmcoreinfo_number(t, "SYMBOL(init_top_pgt)", &pgd_sym) &&
	    !vsc_vmcoreinfo_number(t, "SYMBOL(swapper_pg_dir)", &pgd_sym))
		return vsc_error_create(VSC_ERR_FORMAT, "VMCOREINFO has no SYMBOL(init_top_pgt)");
	if (!vsc_vmcoreinfo_number(t, "SYMBOL(_stext)", &stext))
		return vsc_error_create(VSC_ERR_FORMAT, "VMCOREINFO has no SYMBOL(_stext)");
	vsc_vmcoreinfo_number(t, "NUMBER(pgtable_l5_enabled)", &l5);
	t->levels = l5 ? 5 : 4;
	t->pte_mask = vsc_paging_pte_mask(t);
	for (unsigned int i = 0; i < t->nr_notes; i++) {
		if (t->notes[i].has_qemu && (t->notes[i].cr4 & 0xffff)) {
			t->levels = (t->notes[i].cr4 & CR4_LA57) ? 5 : 4;
			break;
		}
	}
	t->pgd_phys = pgd_sym - VSC_START_KERNEL_MAP + t->phys_base;

	/* The kernel image maps linearly: _stext must translate to its ktext address. */
	err = walk(t, t->pgd_phys, t->levels, stext, &pa);
	if (!err && pa == stext - VSC_START_KERNEL_MAP + t->phys_base)
		return NULL;
	vsc_error_destroy(err);
	/* Fall back to a CR3 the dump recorded (QEMU note), masked of PCID/flags. */
	for (unsigned int i = 0; i < t->nr_notes; i++) {
		uint64_t root;

		if (!t->notes[i].has_qemu || !t->notes[i].cr3)
			continue;
		root = t->notes[i].cr3 & PTE_ADDR_MASK;
		err = walk(t, root, t->levels, stext, &pa);
		if (!err && pa == stext - VSC_START_KERNEL_MAP + t->phys_base) {
			t->pgd_phys = root;
			return NULL;
		}
		vsc_error_destroy(err);
	}
	return vsc_error_create(VSC_ERR_CORRUPT,
				"cannot translate kernel addresses: _stext (0x%llx) does not map "
				"through init_top_pgt with phys_base 0x%llx (truncated dump?)",
				(unsigned long long)stext, (unsigned long long)t->phys_base);
}
