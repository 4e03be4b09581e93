/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The target's insides, shared by the engine's own files only. */
#ifndef VTDSCOPE_TARGET_INTERNAL_H
#define VTDSCOPE_TARGET_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <vtdscope/symbols.h>
#include <vtdscope/target.h>

struct vsc_dumpfile;
struct vsc_kcore;
struct vsc_types;
struct vsc_symtab;

#define VSC_START_KERNEL_MAP 0xffffffff80000000ULL

/* names[v] of a static name table indexed by an enum, "?" for a value out of range */
#define VSC_NAME_OF(names, v) \
	((unsigned int)(v) < sizeof(names) / sizeof((names)[0]) ? (names)[v] : "?")
#define VSC_MAX_CPUS 8192

/* One register note from the dump (NT_PRSTATUS), plus QEMU's CPU state if any. */
struct vsc_cpu_note {
	uint32_t pid;          /* pr_pid */
	struct vsc_regs regs;
	bool has_qemu;
	uint64_t cr3, cr4, gs_base, kernel_gs_base;
};

struct vsc_vmcoreinfo_line {
	char *key;
	char *value;
};

#define VSC_TLB_SIZE 1024
struct vsc_tlb_entry {
	uint64_t vpage;        /* virtual page | 1 when valid */
	uint64_t ppage;
};

struct vsc_target {
	struct vsc_target_info info;
	struct vsc_target_stats stats;
	int fd;
	uint64_t file_size;             /* 0 for /proc/kcore */
	struct vsc_dumpfile *dump;      /* physical reads (vmcores) */
	struct vsc_kcore *kcore;        /* virtual reads (/proc/kcore) */

	char *vmcoreinfo_raw;            /* the note's text, verbatim */
	char *vmcoreinfo_buf;            /* the same, split into the lines below */
	struct vsc_vmcoreinfo_line *vmcoreinfo;
	size_t nr_vmcoreinfo;

	/* what was found wrong in the dump and worked around (vsc_target_diagnose) */
	struct vsc_diagnostic *diags;
	size_t nr_diags;

	struct vsc_cpu_note *notes;
	unsigned int nr_notes;
	bool qemu_notes;

	/* address translation */
	uint64_t pgd_phys;
	unsigned int levels;
	uint64_t pte_mask;               /* PTE address bits less sme_mask (vsc_paging_init) */
	uint64_t phys_base;
	uint64_t page_offset_base;      /* 0 until known */
	uint64_t kernel_text_start, kernel_text_end; /* image range for the shortcut */
	struct vsc_tlb_entry tlb[VSC_TLB_SIZE];

	struct vsc_symtab *symtab;
	struct vsc_types *types;

	/* CPUs */
	unsigned int nr_cpus;
	uint64_t *per_cpu_offset;       /* nr_cpus entries, or NULL */
	uint8_t *cpu_online;            /* nr_cpus bytes */
	int *cpu_note;                  /* cpu -> index into notes, -1 if none */
	int panic_cpu;

	/* the vmlinux's DWARF CFI (cfi.c), opened on first use by unwind.c */
	struct vsc_cfi *cfi;
	bool cfi_tried;

	/* unwinder state (ORC tables, module text), built on first use by orc.c */
	void *unwind_priv;
	void (*unwind_priv_destroy)(void *priv);

	/* large reads kept for the life of the target (printk ring, ...) */
	struct vsc_blob {
		uint64_t addr;
		size_t len;
		void *data;
	} blobs[8];
	unsigned int nr_blobs;

	/* owned strings behind info */
	char *s_release, *s_build_id, *s_types, *s_symbols, *s_path, *s_vmlinux;
};

/* target.c */
/* Replaces the target's VMCOREINFO with the one parsed from @text. */
struct vsc_error *vsc_target_parse_vmcoreinfo(struct vsc_target *t, const char *text, size_t len) VSC_MUST_CHECK;

#define VSC_MAX_DIAGNOSTICS 64
/*
 * Record a problem found in the dump and worked around, once (an identical
 * message is not recorded twice).  @incomplete: the analysis leaves
 * something out because of it.  Never fails: out of memory, it is dropped.
 */
void vsc_target_diagnose(struct vsc_target *t, enum vsc_error_kind kind, bool incomplete,
			 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Read @len bytes at @addr once per target and keep them: the returned
 * buffer is owned by the target.  For large structures several analyzers
 * walk (the printk rings).
 */
struct vsc_error *vsc_read_blob(struct vsc_target *t, uint64_t addr, size_t len,
				const char *label, const void **out) VSC_MUST_CHECK;

/* paging.c */
/* PTE address bits without the SME bit; a bad NUMBER(sme_mask) is a diagnostic. */
uint64_t vsc_paging_pte_mask(struct vsc_target *t);
struct vsc_error *vsc_paging_init(struct vsc_target *t) VSC_MUST_CHECK;
struct vsc_error *vsc_paging_translate(struct vsc_target *t, uint64_t vaddr, uint64_t *paddr) VSC_MUST_CHECK;

/*
 * The vmlinux's DWARF CFI in t->cfi, opened on first call (needs
 * t->info.vmlinux); an error when there is none to use.
 */
struct vsc_error *vsc_target_cfi(struct vsc_target *t) VSC_MUST_CHECK;

/* kallsyms.c */
/* Length of a kallsyms_names entry at @p (1- or 2-byte encoding); bytes used, 0 if short. */
size_t vsc_kallsyms_name_len(const unsigned char *p, size_t avail, unsigned int *len);
struct vsc_error *vsc_kallsyms_load(struct vsc_target *t) VSC_MUST_CHECK;

/* symtab.c: the symbol table container */
struct vsc_symtab *vsc_symtab_create(void);
void vsc_symtab_destroy(struct vsc_symtab *st);
/* @name is copied. */
int vsc_symtab_add(struct vsc_symtab *st, const char *name, uint64_t addr, uint64_t size,
		   char type, const char *module);
int vsc_symtab_reserve(struct vsc_symtab *st, size_t n);
size_t vsc_symtab_size(const struct vsc_symtab *st);
void vsc_symtab_set_address(struct vsc_symtab *st, size_t index, uint64_t addr);
const char *vsc_symtab_name_at(const struct vsc_symtab *st, size_t index);
/* Sort and index; call once after adding. */
void vsc_symtab_finish(struct vsc_symtab *st);
const struct vsc_symbol *vsc_symtab_find_name(const struct vsc_symtab *st, const char *name);
const struct vsc_symbol *vsc_symtab_find_addr(const struct vsc_symtab *st, uint64_t addr);
unsigned long vsc_symtab_count(const struct vsc_symtab *st);

/* kcore.c */
struct vsc_error *vsc_kcore_open(int fd, const char *path, struct vsc_kcore **out) VSC_MUST_CHECK;
void vsc_kcore_destroy(struct vsc_kcore *kc);
struct vsc_error *vsc_kcore_read(struct vsc_kcore *kc, uint64_t vaddr, void *buf, size_t len) VSC_MUST_CHECK;
/* Notes of the kcore (VMCOREINFO) as a malloc'ed copy of PT_NOTE contents. */
struct vsc_error *vsc_kcore_notes(struct vsc_kcore *kc, void **data, size_t *size) VSC_MUST_CHECK;

/* cpus.c */
struct vsc_error *vsc_cpus_init(struct vsc_target *t) VSC_MUST_CHECK;

#endif
