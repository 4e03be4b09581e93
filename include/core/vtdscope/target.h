/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A target is one kernel image: a crash dump (ELF or kdump-compressed) or the
 * live kernel through /proc/kcore.  It owns memory access, symbols, types and
 * per-CPU state.  All reads are labelled: the label says what was being read
 * so an error reads "reading dmar0 qi->free_head at 0x...: page not in dump".
 */
#ifndef VTDSCOPE_TARGET_H
#define VTDSCOPE_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vtdscope/error.h>

struct vsc_target;

enum vsc_types_source {
	VSC_TYPES_AUTO = 0, /* DWARF when a vmlinux is given or found, else BTF */
	VSC_TYPES_DWARF,
	VSC_TYPES_BTF,
};

/* Which unwind information a stack step consults first. */
enum vsc_unwinder {
	VSC_UNWINDER_AUTO = 0, /* ORC from memory; the vmlinux's DWARF CFI where ORC has none */
	VSC_UNWINDER_ORC,      /* ORC only (and a frame-pointer guess where it has none) */
	VSC_UNWINDER_CFI,      /* DWARF CFI (needs a vmlinux); ORC for code CFI lacks (asm) */
};

struct vsc_open_options {
	const char *vmlinux;              /* optional debuginfo vmlinux */
	enum vsc_types_source types;
	bool no_debuginfo_search;         /* don't look in /usr/lib/debug */
	enum vsc_unwinder unwinder;
};

struct vsc_error *vsc_target_open(const char *path, const struct vsc_open_options *opts,
				  struct vsc_target **out) VSC_MUST_CHECK;
void vsc_target_destroy(struct vsc_target *t);

/*
 * Epochs: what the target read once and keeps (large reads such as the
 * printk rings, the module list with its text ranges, ORC tables and
 * symbols, the online CPU mask, panic_cpu) is a view of one epoch.  A dump
 * never changes: it stays in its first epoch and vsc_target_refresh() is a
 * no-op.  On the live kernel a refresh drops everything read from memory
 * that can change while the kernel runs and bumps the epoch, so the next
 * reads see the kernel as it is now; it keeps what cannot change (VMCOREINFO,
 * the KASLR offsets, vmlinux's kallsyms, BTF or DWARF types, its ORC table,
 * the per-CPU offsets), so a refresh costs a few reads, not a reopen.
 * Plain reads (vsc_read()) of a live target always read the kernel now.
 * Strings the target lends (symbol and module names of a stack's frames)
 * stay valid across refreshes, for the life of the target.  A live refresh
 * only reads /proc/kcore (its headers and kernel memory), as every live read
 * does: it takes no lock of its own and returns on a wedged machine.  On
 * error nothing was dropped and the epoch stays.
 */
uint64_t vsc_target_epoch(const struct vsc_target *t);
struct vsc_error *vsc_target_refresh(struct vsc_target *t) VSC_MUST_CHECK;

/* Facts about the target, filled at open time.  Borrowed from the target. */
struct vsc_target_info {
	const char *path;
	const char *format;        /* "elf", "kdump-compressed", "kcore" */
	const char *compression;   /* for kdump: "zlib", "lzo", "snappy", "zstd", "none", "mixed" */
	bool live;
	const char *release;       /* OSRELEASE */
	const char *build_id;      /* hex, may be NULL */
	const char *arch;          /* "x86_64" */
	unsigned int page_size;
	unsigned int paging_levels; /* 4 or 5 */
	uint64_t kaslr_offset;     /* KERNELOFFSET */
	uint64_t phys_base;
	uint64_t page_offset_base; /* direct map base */
	bool crashtime;            /* CRASHTIME present: kdump at panic */
	uint64_t crash_time;
	unsigned int nr_prstatus;  /* register notes in the dump */
	const char *types_source;  /* "dwarf: /path/vmlinux", "btf: from dump (N types)" */
	const char *symbols_source;/* "kallsyms from memory (N symbols)", "vmlinux symtab" */
	const char *vmlinux;       /* path of the debuginfo vmlinux in use, or NULL */
	enum vsc_unwinder unwinder;
};
const struct vsc_target_info *vsc_target_info(const struct vsc_target *t);

/*
 * Work done on the target so far: a run should unwind each stack and read
 * the log once; a target decodes kallsyms and loads its types once however
 * often it is refreshed, and reads the module list at most once per epoch.
 */
struct vsc_target_stats {
	unsigned long unwinds;     /* vsc_unwind_cpu() and vsc_unwind_task() calls */
	unsigned long log_scans;   /* vsc_log_foreach() calls */
	unsigned long kallsyms_decodes; /* kallsyms decoded from memory */
	unsigned long types_loads;      /* BTF parsed or the vmlinux's DWARF opened */
	unsigned long module_scans;     /* the module list read (for module text and ORC) */
};
const struct vsc_target_stats *vsc_target_stats(const struct vsc_target *t);

/* ---- memory ---- */

/*
 * Read @len bytes of kernel virtual memory at @addr.  @label names what is
 * read ("dmar0 qi->desc[17]"); it goes into the error message.  Partial reads
 * are errors.
 */
struct vsc_error *vsc_read(struct vsc_target *t, uint64_t addr, void *buf, size_t len,
			   const char *label) VSC_MUST_CHECK;
struct vsc_error *vsc_read_phys(struct vsc_target *t, uint64_t paddr, void *buf, size_t len,
				const char *label) VSC_MUST_CHECK;
struct vsc_error *vsc_read_u8(struct vsc_target *t, uint64_t addr, uint8_t *out, const char *label) VSC_MUST_CHECK;
struct vsc_error *vsc_read_u16(struct vsc_target *t, uint64_t addr, uint16_t *out, const char *label) VSC_MUST_CHECK;
struct vsc_error *vsc_read_u32(struct vsc_target *t, uint64_t addr, uint32_t *out, const char *label) VSC_MUST_CHECK;
struct vsc_error *vsc_read_u64(struct vsc_target *t, uint64_t addr, uint64_t *out, const char *label) VSC_MUST_CHECK;
/* Reads a NUL-terminated string of at most @size-1 bytes; always terminates @buf. */
struct vsc_error *vsc_read_cstr(struct vsc_target *t, uint64_t addr, char *buf, size_t size,
				const char *label) VSC_MUST_CHECK;
/* Kernel virtual address -> physical, through the page tables / direct map. */
struct vsc_error *vsc_virt_to_phys(struct vsc_target *t, uint64_t addr, uint64_t *paddr) VSC_MUST_CHECK;

/* ---- VMCOREINFO ---- */

/* Value of a VMCOREINFO line ("OSRELEASE", "SYMBOL(_stext)"), or NULL.  Borrowed. */
const char *vsc_vmcoreinfo(const struct vsc_target *t, const char *key);
/* Parsed numeric VMCOREINFO value (SYMBOL in hex, others base-auto). */
bool vsc_vmcoreinfo_number(const struct vsc_target *t, const char *key, uint64_t *out);
/*
 * The raw VMCOREINFO text (borrowed), or NULL.  A dump with more than one
 * VMCOREINFO note: the first note's (the others are ignored, with a
 * diagnostic).
 */
const char *vsc_vmcoreinfo_raw(const struct vsc_target *t);

/* ---- diagnostics ---- */

/*
 * What the engine found wrong in the dump and worked around: a second
 * VMCOREINFO note, a type member that lies outside its struct.  Each is
 * recorded once per target, in the order found (reading on demand finds
 * more: look after the analysis).  The report shows them as warnings, or as
 * errors when @incomplete.
 */
struct vsc_diagnostic {
	enum vsc_error_kind kind;  /* VSC_ERR_FORMAT, VSC_ERR_CORRUPT, ... */
	bool incomplete;           /* the analysis leaves something out because of it */
	const char *message;       /* borrowed from the target */
};
size_t vsc_target_diagnostic_count(const struct vsc_target *t);
/* Diagnostic @i, or NULL when @i >= vsc_target_diagnostic_count(). */
const struct vsc_diagnostic *vsc_target_diagnostic(const struct vsc_target *t, size_t i);

/* ---- CPUs and registers ---- */

/* x86-64 register set, in pt_regs naming. */
struct vsc_regs {
	uint64_t r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	uint64_t ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
	uint64_t fs_base, gs_base;
};

/* Number of possible CPU ids (highest online CPU + 1 where known). */
unsigned int vsc_nr_cpus(const struct vsc_target *t);
bool vsc_cpu_online(const struct vsc_target *t, unsigned int cpu);
/*
 * Registers of @cpu at dump time (from NT_PRSTATUS, mapped to the CPU id).
 * VSC_ERR_NODATA when the dump has no registers for that CPU (e.g. kcore).
 */
struct vsc_error *vsc_cpu_regs(struct vsc_target *t, unsigned int cpu, struct vsc_regs *out) VSC_MUST_CHECK;
/*
 * The CPU that panicked; -1 when none did; VSC_PANIC_CPU_UNKNOWN when
 * panic_cpu could not be read or held an impossible value (a target
 * diagnostic says why).
 */
#define VSC_PANIC_CPU_UNKNOWN (-2)
int vsc_panic_cpu(struct vsc_target *t);

/* ---- per-CPU ---- */

/* Address of the per-CPU variable at @sym_addr (as linked) on @cpu. */
struct vsc_error *vsc_per_cpu_addr(struct vsc_target *t, uint64_t sym_addr, unsigned int cpu,
				   uint64_t *out) VSC_MUST_CHECK;
/* __per_cpu_offset[cpu]. */
struct vsc_error *vsc_per_cpu_offset(struct vsc_target *t, unsigned int cpu, uint64_t *out) VSC_MUST_CHECK;

#endif /* VTDSCOPE_TARGET_H */
