/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A vmlinux's DWARF read on demand (dwarf_read.c), for the type backend
 * (dwarf.c).  Engine-internal.
 *
 * libdw maps the whole file and, to read one DIE, first walks the header of
 * every unit before it; each header touched maps 64 KB of page cache into
 * the process (fault-around), 150 MB for a Debian vmlinux.  Here a unit is
 * read with pread() when one of its DIEs is asked for, and nothing else of
 * .debug_info is touched: the process holds the units it reads, not the file.
 *
 *   struct vsc_dwr *r;
 *   err = vsc_dwr_open("/usr/lib/debug/boot/vmlinux-...", &r);
 *   if (vsc_dwr_offdie(r, off, &die) == 0 && vsc_dwr_tag(&die) == DW_TAG_structure_type)
 *           name = vsc_dwr_name(&die);
 *   vsc_dwr_close(r);
 *
 * DIE navigation mirrors libdw's: 0 found, 1 none, -1 an error that
 * vsc_dwr_errmsg() describes.  The contents are hostile: every offset and
 * length is checked against its unit or section, every walk advances.
 */
#ifndef VTDSCOPE_DWARF_READ_H
#define VTDSCOPE_DWARF_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vtdscope/error.h>

struct vsc_dwr;
struct vsc_dwr_unit;
struct vsc_dwr_abbrev;

/* A DIE: valid while its reader is open (the units DIEs are taken from stay read). */
struct vsc_dwr_die {
	struct vsc_dwr_unit *unit;
	uint64_t off;                           /* in .debug_info */
	const struct vsc_dwr_abbrev *abbrev;
	const unsigned char *attrs;             /* its first attribute, in the unit's bytes */
};

/* One attribute value, decoded according to its form. */
struct vsc_dwr_attr {
	unsigned int name;
	unsigned int form;
	uint64_t value;                         /* constants, offsets, references (raw) */
	const unsigned char *block;             /* blocks and exprlocs: value is the length */
	struct vsc_dwr_unit *unit;              /* of the DIE it belongs to */
	uint64_t die_off;
};

/* The sections of @vmlinux; nothing of .debug_info is read yet. */
struct vsc_error *vsc_dwr_open(const char *vmlinux, struct vsc_dwr **out) VSC_MUST_CHECK;
void vsc_dwr_close(struct vsc_dwr *r);
/* What the last failing call met ("unit at 0x...: abbreviation 12 not defined"). */
const char *vsc_dwr_errmsg(const struct vsc_dwr *r);

/*
 * Raw sections the type backend reads itself, NULL when absent: .debug_str
 * (whole, for names and the absence test) and .debug_aranges.
 */
const char *vsc_dwr_strings(struct vsc_dwr *r, size_t *size);
const unsigned char *vsc_dwr_aranges(struct vsc_dwr *r, size_t *size);
/* True if names may live in a supplementary file (dwz): no absence test then. */
bool vsc_dwr_has_supplement(const struct vsc_dwr *r);

/* ---- units ---- */

/*
 * The unit whose header starts at @off (from .debug_aranges or a walk), or
 * the one after it in the section: unit offsets to iterate with.  1 past the
 * last unit.
 */
int vsc_dwr_unit_at(struct vsc_dwr *r, uint64_t off, struct vsc_dwr_unit **out);
uint64_t vsc_dwr_unit_offset(const struct vsc_dwr_unit *u);
uint64_t vsc_dwr_unit_end(const struct vsc_dwr_unit *u);
uint8_t vsc_dwr_unit_addr_size(const struct vsc_dwr_unit *u);
/* The unit's top DIE (DW_TAG_compile_unit), reading the unit's bytes. */
int vsc_dwr_unit_die(struct vsc_dwr *r, struct vsc_dwr_unit *u, struct vsc_dwr_die *die);
/*
 * DW_AT_name of the unit's top DIE without reading the unit (a few bytes of
 * its header and abbreviations): for listing units by source file.  "" if none.
 */
int vsc_dwr_unit_name(struct vsc_dwr *r, struct vsc_dwr_unit *u, const char **name);
/*
 * Let go of a unit's bytes unless a DIE of it was handed out by
 * vsc_dwr_offdie() (those stay): after a scan of its top level.
 */
void vsc_dwr_unit_release(struct vsc_dwr *r, struct vsc_dwr_unit *u);

/* ---- DIEs ---- */

/* The DIE at @off in .debug_info (in whatever unit holds it). */
int vsc_dwr_offdie(struct vsc_dwr *r, uint64_t off, struct vsc_dwr_die *die);
int vsc_dwr_tag(const struct vsc_dwr_die *die);
bool vsc_dwr_has_children(const struct vsc_dwr_die *die);
int vsc_dwr_child(struct vsc_dwr *r, const struct vsc_dwr_die *die, struct vsc_dwr_die *child);
int vsc_dwr_sibling(struct vsc_dwr *r, const struct vsc_dwr_die *die, struct vsc_dwr_die *next);

/* Attribute @name of @die itself; false if it has none (or it does not decode). */
bool vsc_dwr_attr(struct vsc_dwr *r, const struct vsc_dwr_die *die, unsigned int name,
		  struct vsc_dwr_attr *attr);
/* The same, through DW_AT_abstract_origin and DW_AT_specification. */
bool vsc_dwr_attr_integrate(struct vsc_dwr *r, const struct vsc_dwr_die *die,
			    unsigned int name, struct vsc_dwr_attr *attr);
bool vsc_dwr_has_attr(struct vsc_dwr *r, const struct vsc_dwr_die *die, unsigned int name);
/* DW_AT_name, or NULL. */
const char *vsc_dwr_name(struct vsc_dwr *r, const struct vsc_dwr_die *die);

/* Constant forms as unsigned (data*, udata, sdata, implicit_const, flag). */
bool vsc_dwr_udata(const struct vsc_dwr_attr *a, uint64_t *v);
/* Constant forms as signed: sdata and implicit_const sign-extended, data* as they are. */
bool vsc_dwr_sdata(const struct vsc_dwr_attr *a, int64_t *v);
/* A location expression that is one DW_OP_plus_uconst or DW_OP_constu: its operand. */
bool vsc_dwr_expr_uconst(const struct vsc_dwr_attr *a, uint64_t *v);
/* String forms (string, strp, line_strp, strx*). */
const char *vsc_dwr_string(struct vsc_dwr *r, const struct vsc_dwr_attr *a);
/* Reference forms: the DIE referred to. */
bool vsc_dwr_ref_die(struct vsc_dwr *r, const struct vsc_dwr_attr *a, struct vsc_dwr_die *die);

#endif /* VTDSCOPE_DWARF_READ_H */
