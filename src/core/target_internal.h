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
struct vsc_orc_state;
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

/*
 * Where a target's memory comes from: an ELF vmcore or a kdump-compressed
 * one (target.c, over dumpfile.h) or /proc/kcore (kcore.c).  Chosen once at
 * open by the file's signature; everything above reads through it.
 */
struct vsc_target_ops {
	const char *name;       /* "elf", "kdump-compressed", "kcore" */
	bool live;              /* the running kernel: its memory changes under us */
	/* Notes, VMCOREINFO and the backend (t->dump or t->kcore) from t->fd. */
	struct vsc_error *(*open)(struct vsc_target *t, const char *path);
	/* Address translation, once VMCOREINFO's facts (phys_base) are in @t. */
	struct vsc_error *(*translation_init)(struct vsc_target *t);
	/* Full reads or errors (VSC_ERR_NODATA: not in the dump), unlabelled. */
	struct vsc_error *(*read_virt)(struct vsc_target *t, uint64_t vaddr, void *buf,
				       size_t len);
	struct vsc_error *(*read_phys)(struct vsc_target *t, uint64_t paddr, void *buf,
				       size_t len);
	struct vsc_error *(*virt_to_phys)(struct vsc_target *t, uint64_t vaddr,
					  uint64_t *paddr);
	/* The registers saved for @cpu (cpu < t->nr_cpus), or VSC_ERR_NODATA. */
	struct vsc_error *(*cpu_regs)(struct vsc_target *t, unsigned int cpu,
				      struct vsc_regs *out);
	/*
	 * What the backend itself re-reads for a new epoch (vsc_target_refresh());
	 * NULL when nothing can change (a dump).  On error nothing changed.
	 */
	struct vsc_error *(*refresh)(struct vsc_target *t);
	void (*close)(struct vsc_target *t);
};

/* The dump-file backends (target.c) and the live one (kcore.c). */
extern const struct vsc_target_ops vsc_elf_ops, vsc_kdump_ops, vsc_kcore_ops;

struct vsc_target {
	struct vsc_target_info info;
	struct vsc_target_stats stats;
	int fd;
	uint64_t file_size;             /* 0 for /proc/kcore */
	const struct vsc_target_ops *ops; /* NULL only in tests that read no memory */
	struct vsc_dumpfile *dump;      /* the dump-file backends: physical memory */
	struct vsc_kcore *kcore;        /* the kcore backend: kernel virtual memory */
	/*
	 * Bumped by each vsc_target_refresh() of a live target.  What is read
	 * from memory that can change is kept for one epoch only: blobs, tlb,
	 * the module tables (orc.c), the online mask and panic_cpu (cpus.c).
	 */
	uint64_t epoch;

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
	struct vsc_orc_state *orc;

	/* large reads kept for the epoch (printk ring, ...) */
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
/*
 * The ELF notes in @buf (@size bytes): register notes, QEMU CPU states and
 * the first VMCOREINFO.  *@saw_userspace is set on a process core's notes.
 */
struct vsc_error *vsc_target_parse_notes(struct vsc_target *t, const unsigned char *buf,
					 size_t size, bool *saw_userspace) VSC_MUST_CHECK;

#define VSC_MAX_DIAGNOSTICS 64
/*
 * Record a problem found in the dump and worked around, once (an identical
 * message is not recorded twice).  @incomplete: the analysis leaves
 * something out because of it.  Never fails: out of memory, it is dropped.
 */
void vsc_target_diagnose(struct vsc_target *t, enum vsc_error_kind kind, bool incomplete,
			 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Read @len bytes at @addr once per epoch and keep them: the returned
 * buffer is owned by the target and valid until the next refresh.  For
 * large structures several analyzers walk (the printk rings).
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

/* orc.c */
void vsc_orc_state_destroy(struct vsc_orc_state *st);
/* A new epoch: forget the modules (list, text, ORC tables, symbols); keep vmlinux's. */
void vsc_orc_state_refresh(struct vsc_orc_state *st);

/* kallsyms.c */
/* Length of a kallsyms_names entry at @p (1- or 2-byte encoding); bytes used, 0 if short. */
size_t vsc_kallsyms_name_len(const unsigned char *p, size_t avail, unsigned int *len);
struct vsc_error *vsc_kallsyms_load(struct vsc_target *t) VSC_MUST_CHECK;
/* The target facts VMCOREINFO gives (release, build id, KASLR offset, ...), after the backend's open. */
struct vsc_error *vsc_target_info_from_vmcoreinfo(struct vsc_target *t) VSC_MUST_CHECK;

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
/*
 * The kcore ELF image on @fd (not closed by the target) as @t's memory:
 * t->ops and t->kcore, no notes read.  vsc_kcore_ops.open does this and
 * reads VMCOREINFO; tests attach a memory file directly.
 */
struct vsc_error *vsc_kcore_attach(struct vsc_target *t, int fd, const char *path) VSC_MUST_CHECK;

/* cpus.c */
struct vsc_error *vsc_cpus_init(struct vsc_target *t) VSC_MUST_CHECK;
/* A new epoch: the online mask and panic_cpu read again (problems are diagnostics). */
void vsc_cpus_refresh(struct vsc_target *t);
/* The dump-file backends' cpu_regs: the register note mapped to @cpu. */
struct vsc_error *vsc_cpus_note_regs(struct vsc_target *t, unsigned int cpu,
				     struct vsc_regs *out) VSC_MUST_CHECK;

#endif
