/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kernel stack unwinding (x86-64), with the ORC tables read out of the
 * dump's memory: it needs no debuginfo.  With a vmlinux, its DWARF CFI is
 * a second source (see enum vsc_unwinder in target.h).  Starts from a CPU's
 * registers (NT_PRSTATUS) or from a blocked task's saved frame, and crosses
 * IRQ, NMI/exception and entry stacks through pt_regs frames.
 *
 *   struct vsc_stack st;
 *   err = vsc_unwind_cpu(t, 2, &st);
 *   for (size_t i = 0; i < st.nr_frames; i++)
 *           ... st.frames[i].symbol, st.frames[i].module ...
 *   ... vsc_unwind_end_text(st.end) ...
 *   vsc_stack_deinit(&st);
 *
 * A bad stack is not an error: the trace stops and says why (st.end,
 * st.end_detail).  Errors are returned only when there is nothing to unwind
 * (no registers for that CPU, no such task) or memory ran out.
 */
#ifndef VTDSCOPE_UNWIND_H
#define VTDSCOPE_UNWIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vtdscope/error.h>
#include <vtdscope/target.h>

struct vsc_target;

/* X(ENUM, json name) */
#define VSC_FRAME_KINDS(X)                                                        \
	X(NORMAL,    "normal")    /* a return address into the function */      \
	X(EXCEPTION, "exception") /* exact IP from a pt_regs: the CPU's note or  \
				     an interrupt/exception entry frame; regs    \
				     are attached ("[exception RIP: ...]") */    \
	X(MARKER,    "marker")    /* stack switch: "<IRQ>", "</IRQ>", "<NMI>" */

enum vsc_frame_kind {
#define VSC_X_(e, json) VSC_FRAME_##e,
	VSC_FRAME_KINDS(VSC_X_)
#undef VSC_X_
	VSC_FRAME_KIND_COUNT
};
const char *vsc_frame_kind_name(enum vsc_frame_kind k);

/* How a frame was found.  X(ENUM, json name) */
#define VSC_FRAME_VIAS(X)                                                          \
	X(REGS,  "regs")  /* the starting registers: a CPU's note or a pt_regs */   \
	X(SAVED, "saved") /* a blocked task's saved frame (inactive_task_frame) */  \
	X(ORC,   "orc")   /* a step with the ORC entry of the frame below */        \
	X(CFI,   "cfi")   /* a step with the vmlinux's DWARF CFI */                 \
	X(ENTRY, "entry") /* pt_regs at SP in entry code, neither ORC nor CFI there */ \
	X(LEAF,  "leaf")  /* frameless assembly without ORC or CFI: the return     \
			     address at SP, proven by the direct call before it */ \
	X(FP,    "fp")    /* a frame-pointer guess (no unwind information) */

enum vsc_frame_via {
#define VSC_X_(e, json) VSC_VIA_##e,
	VSC_FRAME_VIAS(VSC_X_)
#undef VSC_X_
	VSC_VIA_COUNT
};
const char *vsc_frame_via_name(enum vsc_frame_via v);

/* X(ENUM, json name, name the kernel prints in "<IRQ>"-style markers) */
#define VSC_STACK_KINDS(X)                       \
	X(UNKNOWN, "unknown", "UNKNOWN")         \
	X(TASK,    "task",    "TASK")            \
	X(IRQ,     "irq",     "IRQ")             \
	X(ENTRY,   "entry",   "ENTRY_TRAMPOLINE")\
	X(DF,      "df",      "#DF")             \
	X(NMI,     "nmi",     "NMI")             \
	X(DB,      "db",      "#DB")             \
	X(MCE,     "mce",     "#MC")             \
	X(VC,      "vc",      "#VC")             \
	X(VC2,     "vc2",     "#VC2")

enum vsc_stack_kind {
#define VSC_X_(e, json, kname) VSC_STACK_##e,
	VSC_STACK_KINDS(VSC_X_)
#undef VSC_X_
	VSC_STACK_KIND_COUNT
};
const char *vsc_stack_kind_name(enum vsc_stack_kind k);

/* Why a trace stopped.  X(ENUM, json name, text) */
#define VSC_UNWIND_ENDS(X)                                                           \
	X(END_OF_STACK, "end-of-stack", "end of stack")                              \
	X(USER_MODE,    "user-mode",    "entered from user mode")                    \
	X(BAD_SP,       "bad-sp",       "bad stack pointer")                         \
	X(BAD_IP,       "bad-ip",       "instruction pointer outside kernel text")   \
	X(LOOP,         "loop",         "stack pointer going the wrong way")         \
	X(NO_ORC,       "no-orc",       "no ORC entry for this address")             \
	X(BAD_CFI,      "bad-cfi",      "DWARF CFI unusable here")                   \
	X(BAD_ORC,      "bad-orc",      "ORC entry undefined or unusable here")      \
	X(NOT_IN_DUMP,  "not-in-dump",  "stack memory not in the dump")              \
	X(FRAME_LIMIT,  "frame-limit",  "frame limit reached")

enum vsc_unwind_end {
#define VSC_X_(e, json, text) VSC_UNWIND_##e,
	VSC_UNWIND_ENDS(VSC_X_)
#undef VSC_X_
	VSC_UNWIND_END_COUNT
};
const char *vsc_unwind_end_name(enum vsc_unwind_end e);  /* "no-orc" */
const char *vsc_unwind_end_text(enum vsc_unwind_end e);  /* "no ORC entry for this address" */

/* Which registers of vsc_frame.regs are known. */
enum vsc_frame_regs {
	VSC_REGS_NONE = 0,
	VSC_REGS_IRET,   /* hardware iret frame only: ip, cs, flags, sp, ss */
	VSC_REGS_FULL,   /* a whole pt_regs */
};

struct vsc_frame {
	enum vsc_frame_kind kind;
	uint64_t pc;            /* exact IP (EXCEPTION) or return address (NORMAL) */
	uint64_t sp;            /* RSP while this frame's function runs at pc */
	const char *symbol;     /* function name, borrowed from the target; NULL if unknown */
	uint64_t offset;        /* pc - symbol start */
	const char *module;     /* module name (borrowed), NULL for vmlinux */
	enum vsc_stack_kind stack; /* the stack sp lies on */
	bool reliable;          /* false once the unwinder had to guess */
	enum vsc_frame_via via; /* how this frame was found from the one below */
	/* EXCEPTION frames: the registers at the interruption. */
	enum vsc_frame_regs regs_kind;
	uint64_t regs_addr;     /* where the pt_regs lie in memory; 0 for a register note */
	struct vsc_regs regs;
	const char *marker;     /* MARKER frames: "<IRQ>", "</IRQ>", "<NMI>", ... (static) */
};

struct vsc_stack {
	struct vsc_frame *frames;   /* innermost first */
	size_t nr_frames;
	enum vsc_unwind_end end;
	char end_detail[160];       /* "at 0xffff... (foo+0x12)", may be empty */
	int cpu;                    /* -1 for a blocked task */
	uint64_t task;              /* task_struct address, 0 if unknown */
	uint64_t stack_base;        /* the task stack [base, base + size), 0 if unknown */
	uint64_t stack_size;
	/* end == USER_MODE after an entry frame: the user-mode registers saved there. */
	bool user_regs_valid;
	uint64_t user_regs_addr;
	struct vsc_regs user_regs;
};

/* Frames never exceed this many (a trace that would is cut: VSC_UNWIND_FRAME_LIMIT). */
#define VSC_UNWIND_MAX_FRAMES 192

/*
 * Unwind @cpu from its registers in the dump.  Errors: VSC_ERR_NODATA if the
 * dump has no registers for @cpu, VSC_ERR_USAGE for a CPU out of range.
 */
struct vsc_error *vsc_unwind_cpu(struct vsc_target *t, unsigned int cpu, struct vsc_stack *out) VSC_MUST_CHECK;
/*
 * Unwind a task.  A task running on a CPU with registers is unwound from
 * those; a blocked task from task->thread.sp (struct inactive_task_frame).
 */
struct vsc_error *vsc_unwind_task(struct vsc_target *t, uint64_t task, struct vsc_stack *out) VSC_MUST_CHECK;
/* Unwind from an arbitrary register set (e.g. a pt_regs found elsewhere). */
struct vsc_error *vsc_unwind_regs(struct vsc_target *t, const struct vsc_regs *regs,
				  struct vsc_stack *out) VSC_MUST_CHECK;
void vsc_stack_deinit(struct vsc_stack *s);

/*
 * Index of the first non-marker frame whose function is one of @names (a
 * NULL-terminated list), searching from @from; -1 if none.
 */
long vsc_stack_find(const struct vsc_stack *s, size_t from, const char *const *names);

/*
 * "foo+0x12/0x40 [mod]"-style text for a frame, into @buf (always
 * terminated): "func+0xoff [module]", "0xaddr" when unknown, the marker text
 * for markers.
 */
void vsc_frame_format(const struct vsc_frame *f, char *buf, size_t size);

/* ---- ORC entries (exposed for tests and debugging aids) ---- */

/*
 * ORC entry layouts as stored by different kernels (drgn's numbering):
 *   1: v4.14 - v6.2   type:2, end:1
 *   2: v6.3           type:2, signal:1, end:1 (ffb1b4a41016)
 *   3: v6.4 - v7.0    type:3 with UNDEFINED/END_OF_STACK types, signal:1 (fb799447ae29)
 *   4: v7.1           as 3, registers renumbered, AX added (1735858caa4b)
 */
enum vsc_orc_reg {
	VSC_ORC_REG_UNDEFINED = 0,
	VSC_ORC_REG_PREV_SP,
	VSC_ORC_REG_DX,
	VSC_ORC_REG_DI,
	VSC_ORC_REG_BP,
	VSC_ORC_REG_SP,
	VSC_ORC_REG_R10,
	VSC_ORC_REG_R13,
	VSC_ORC_REG_BP_INDIRECT,
	VSC_ORC_REG_SP_INDIRECT,
	VSC_ORC_REG_AX,
	VSC_ORC_REG_INVALID,    /* a number this layout does not define */
};

enum vsc_orc_type {
	VSC_ORC_TYPE_UNDEFINED = 0,
	VSC_ORC_TYPE_END_OF_STACK,
	VSC_ORC_TYPE_CALL,
	VSC_ORC_TYPE_REGS,
	VSC_ORC_TYPE_REGS_PARTIAL,
	VSC_ORC_TYPE_INVALID,
};

/* One entry, normalised whatever the layout. */
struct vsc_orc_entry {
	int16_t sp_offset;
	int16_t bp_offset;
	enum vsc_orc_reg sp_reg;
	enum vsc_orc_reg bp_reg;
	enum vsc_orc_type type;
	bool signal;            /* the next lookup uses the exact IP */
};

#define VSC_ORC_ENTRY_SIZE 6
#define VSC_ORC_VERSION_MIN 1
#define VSC_ORC_VERSION_MAX 4

/* Decode a 6-byte little-endian orc_entry of layout @version (1-4). */
void vsc_orc_decode(const uint8_t raw[VSC_ORC_ENTRY_SIZE], unsigned int version,
		    struct vsc_orc_entry *out);
/*
 * Layout version from the .orc_header hash (20 bytes, may be NULL) and the
 * OSRELEASE string; 0 if it cannot be told.
 */
unsigned int vsc_orc_version_detect(const uint8_t *hash, const char *release);
/* "sp+8 bp:undef call" for debugging. */
void vsc_orc_entry_format(const struct vsc_orc_entry *e, char *buf, size_t size);

/*
 * The ORC entry that covers @ip (vmlinux or module text), decoded in the
 * layout this kernel uses.  The tables are read on first use and cached on
 * the target.  VSC_ERR_NOTFOUND when no table covers @ip ("... is not in
 * kernel or module text" when @ip is in no text at all), VSC_ERR_NODATA when
 * the table's page is not in the dump.
 */
struct vsc_error *vsc_orc_find(struct vsc_target *t, uint64_t ip, struct vsc_orc_entry *out) VSC_MUST_CHECK;

/*
 * Symbolize a code address, including module text (module symbols are read
 * from each module's kallsyms when the symbol table lacks them).  @name and
 * @module are borrowed from the target.  False if no symbol contains @addr;
 * @module is still set when @addr lies in a module's text.
 */
bool vsc_code_symbol(struct vsc_target *t, uint64_t addr, const char **name, uint64_t *offset,
		     const char **module);

#endif /* VTDSCOPE_UNWIND_H */
