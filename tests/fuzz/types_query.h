/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Type queries for the type-source harnesses (fuzz_btf.c, fuzz_dwarf.c),
 * through the public type API (types.c) of a target that has only types.
 * One query a line: "TYPE" (its size and description), "TYPE:MEMBER.PATH"
 * (a member, read out of a buffer with the member accessors) or "=NAME"
 * (an enumerator).  Checked: a member the API returns lies inside its
 * type; the accessors never read outside the buffer they are given.
 */
#ifndef VTDSCOPE_FUZZ_TYPES_QUERY_H
#define VTDSCOPE_FUZZ_TYPES_QUERY_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vtdscope/types.h>

#include "core/target_internal.h"

/* The engine's own questions, asked of every input. */
static const char *const fuzz_engine_queries[] = {
	"struct task_struct:tasks", "struct task_struct:thread.sp", "struct task_struct:comm",
	"struct task_struct:__state", "struct task_struct:thread_info.cpu",
	"struct q_inval:free_head", "struct q_inval:desc_status", "struct intel_iommu:qi",
	"struct pci_dev:dev.kobj.name", "struct mcs_spinlock:locked", "struct qnode",
	"struct module:arch.num_orcs", "struct module:mem", "unsigned long", "long unsigned int",
	"=MOD_TEXT", "=QI_DONE", "struct list_head:next", "union thread_union",
	"enum mod_mem_type", "struct q_inval",
};

static inline void fuzz_type_query(struct vsc_target *t, const char *line)
{
	static unsigned char buf[64];
	char type[256], str[32], *colon;
	struct vsc_member_info mi;
	struct vsc_error *err;
	uint64_t size = 0, v;
	int64_t val;
	char *text = NULL;

	if (line[0] == '=') {
		vsc_error_destroy(vsc_enum_value(t, line + 1, &val));
		return;
	}
	snprintf(type, sizeof(type), "%s", line);
	colon = strchr(type, ':');
	if (colon)
		*colon = '\0';
	err = vsc_type_size(t, type, &size);
	if (getenv("FUZZ_DEBUG"))
		fprintf(stderr, "%s: %s size %llu\n", type, err ? err->message : "",
			(unsigned long long)size);
	vsc_error_destroy(err);
	if (!colon) {
		err = vsc_type_describe(t, type, &text);
		if (!err && (!text || !*text))
			abort();
		free(text);
		vsc_error_destroy(err);
		return;
	}
	err = vsc_member(t, type, colon + 1, &mi);
	if (getenv("FUZZ_DEBUG"))
		fprintf(stderr, "%s.%s: %s offset %llu size %llu bits %u:%u\n", type, colon + 1,
			err ? err->message : "", (unsigned long long)mi.offset,
			(unsigned long long)mi.size, mi.bit_offset, mi.bit_size);
	if (!err) {
		/*
		 * vsc_member() refuses what does not lie inside the type.  The size
		 * is asked again: a DWARF lookup that met a corrupt unit may succeed
		 * the second time, with what the first one indexed before failing.
		 */
		if (!vsc_error_consume(vsc_type_size(t, type, &size)) &&
		    (mi.offset > size || (!mi.bit_size && mi.size > size - mi.offset)))
			abort();
		for (size_t base = 0; base < 3 * sizeof(buf); base += sizeof(buf) / 2)
			(void)vsc_member_value(buf, sizeof(buf), base, &mi, &v);
		(void)vsc_member_string(buf, sizeof(buf), 0, &mi, str, sizeof(str));
	}
	vsc_error_destroy(err);
	(void)vsc_member_exists(t, type, colon + 1);
}

/* @qlen bytes of query lines, then the engine's queries and a layout table. */
static inline void fuzz_type_queries(struct vsc_target *t, const uint8_t *q, size_t qlen)
{
	char *queries = strndup((const char *)q, qlen);
	struct vsc_layout_field f[] = {
		{ .type = "struct task_struct", .required = true },
		{ .type = "struct task_struct", .member = "tasks", .required = true },
		{ .type = "struct task_struct", .member = "pid" },
		{ .type = "struct q_inval", .member = "desc_status" },
	};

	for (char *line = queries, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		fuzz_type_query(t, line);
	}
	free(queries);
	for (size_t i = 0; i < sizeof(fuzz_engine_queries) / sizeof(fuzz_engine_queries[0]); i++)
		fuzz_type_query(t, fuzz_engine_queries[i]);
	vsc_error_destroy(vsc_layout_resolve(t, f, sizeof(f) / sizeof(f[0])));
}

#endif
