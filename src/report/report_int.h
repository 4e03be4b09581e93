/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The report model's structs: for the model side only (model.c builds the
 * tree, read.c implements <vtdscope/report_read.h> over it, redact.c reads
 * the host names and secrets).  The renderers never include this file; they
 * read the model through report_read.h like any other client.
 */
#ifndef VTDSCOPE_REPORT_INT_H
#define VTDSCOPE_REPORT_INT_H

#ifdef VTDSCOPE_REPORT_RENDER_INT_H
#error "a renderer reads the model through <vtdscope/report_read.h>, not its structs"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <vtdscope/report.h>
#include <vtdscope/report_read.h>

/*
 * Stored values (struct vsc_value) own their strings, list items and object
 * members (members' keys normalised); the public const pointers are cast
 * back when freed.
 */
struct vsc_fields {
	struct vsc_field **items;       /* each allocated (stable); key, label owned */
	size_t n, cap;
};

struct vsc_ptrvec {
	void **items;
	size_t n, cap;
};

struct vsc_table {
	struct vsc_section *section;
	char *id;
	char *title;                    /* may be NULL */
	struct vsc_column *cols;        /* name/key strings owned */
	size_t ncols;
	struct vsc_ptrvec rows;         /* struct vsc_value[ncols] each */
};

struct vsc_code {
	struct vsc_section *section;
	char *id;
	char *title;                    /* may be NULL */
	struct vsc_ptrvec lines;        /* char * */
};

struct vsc_node {
	enum vsc_node_kind kind;
	struct vsc_node *next;
	union {
		const struct vsc_field *field;  /* also in section->fields */
		struct vsc_table *table;
		struct vsc_code *code;
		char *text;
		struct vsc_section *section;
		struct vsc_diag *diag;
	};
};

struct vsc_section {
	struct vsc_report *rep;
	struct vsc_section *parent;     /* NULL for the report's root */
	char *id;                       /* NULL for the root */
	char *title;
	char *path;                     /* "vtd/dmar0"; NULL for the root */
	unsigned depth;                 /* top-level sections: 0 */
	struct vsc_fields fields;
	struct vsc_node *first, *last;  /* children in insertion order */
};

struct vsc_finding {
	struct vsc_report *rep;
	enum vsc_severity severity;
	char *kind;
	char *verdict;
	char *next_step;
	struct vsc_ptrvec evidence;     /* struct vsc_evidence_line *; ref.field owned */
	struct vsc_fields facts;
};

struct vsc_report {
	char *title;
	char *tool_version;
	char *target_path;
	bool has_generated_at;
	time_t generated_at;
	char *verdict;
	struct vsc_fields meta;
	/* struct vsc_finding *, in render order (kept sorted as they are added) */
	struct vsc_ptrvec findings;
	/*
	 * Pseudo-section holding the top-level sections; never rendered as a
	 * section itself.  Report-level diagnostics are in diags only.
	 */
	struct vsc_section root;
	struct vsc_ptrvec diags;        /* every struct vsc_diag *, in order */
	struct vsc_ptrvec hostnames;    /* char *: HOST values, scrubbed under redact */
	/*
	 * Sensitive numbers (the KASLR offset): scrubbed under redact wherever
	 * they appear as a whole hex token, not only in their own field.
	 */
	uint64_t *secrets;
	size_t nsecrets, secrets_cap;
	bool oom;
};

/* The child section, table or code block of @s with @id (one namespace), or NULL. */
const struct vsc_node *vsc__find_child(const struct vsc_section *s, const char *id);

#endif /* VTDSCOPE_REPORT_INT_H */
