// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Type backends (src/core/btf.c, dwarf.c) and ELF helpers (elf_util.c),
 * tested through the ops table of types_backend.h.
 *
 * Without any data: a hand-made BTF blob (anonymous members, both bit field
 * encodings, typedef chains, FWD vs definition, ENUM64) and hostile variants
 * of it; build-id and symbols of this test binary; the bounded struct field
 * accessor (vsc_member_value()).
 *
 * With data (skipped otherwise): for each Debian kernel below, BTF and DWARF
 * must agree on every member the VT-d analyzer uses, and both must agree with
 * gdb, the independent oracle.  Data lives in $VTDSCOPE_CACHE (default
 * $HOME/.cache/vtdscope) and is made by `bench/bench-types.sh prepare`:
 *   vmlinux/vmlinux-<ver> (or kernels/<ver>/usr/lib/debug/boot/vmlinux-<ver>)
 *   types/<ver>/vmlinux.btf      the .BTF section (what a dump holds)
 *   types/<ver>/gdb-oracle.txt   gdb's reading of the layouts, build-id, nm
 *
 * Build: tests/CMakeLists.txt globs tests/unit/test_*.c and links the engine.
 * Standalone: gcc -std=gnu11 -Iinclude -Isrc tests/unit/test_types.c
 *   src/core/{btf,dwarf,elf_util,error}.c -lcmocka -lbpf -ldw -lelf
 * Exit status 77 when every test was skipped.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/btf.h>

#include <vtdscope/error.h>
#include <vtdscope/types.h>

#include "core/elf_util.h"
#include "core/types_backend.h"

/* ---- helpers ------------------------------------------------------------- */

static int tests_skipped;

#define SKIP_BECAUSE(...)                              \
	do {                                           \
		print_message("skip: " __VA_ARGS__);   \
		tests_skipped++;                       \
		skip();                                \
	} while (0)

static void types_free(struct vsc_types *t)
{
	if (!t)
		return;
	t->ops->destroy(t->priv);
	free(t->description);
	free(t);
}

/* Succeeds, or fails the test with the error's message. */
static void ok(struct vsc_error *err, const char *what)
{
	if (err) {
		print_error("%s: %s\n", what, err->message);
		vsc_error_destroy(err);
		fail();
	}
}

/* Fails unless @err is an error of @kind. */
static void fails_with(struct vsc_error *err, enum vsc_error_kind kind, const char *what)
{
	if (!err) {
		print_error("%s: unexpectedly succeeded\n", what);
		fail();
	}
	if (err->kind != kind) {
		print_error("%s: %s error \"%s\", expected %s\n", what,
			    vsc_error_kind_name(err->kind), err->message,
			    vsc_error_kind_name(kind));
		vsc_error_destroy(err);
		fail();
	}
	vsc_error_destroy(err);
}

static struct vsc_member_info member(struct vsc_types *t, const char *type, const char *path)
{
	struct vsc_member_info mi;
	char what[256];

	snprintf(what, sizeof(what), "%s %s.%s", t->ops->name, type, path);
	ok(t->ops->member(t->priv, type, path, &mi), what);
	return mi;
}

static uint64_t type_size(struct vsc_types *t, const char *type)
{
	uint64_t size;

	ok(t->ops->type_size(t->priv, type, &size), type);
	return size;
}

static int64_t enum_value(struct vsc_types *t, const char *name)
{
	int64_t v;

	ok(t->ops->enum_value(t->priv, name, &v), name);
	return v;
}

static bool read_file(const char *path, void **data, size_t *size)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f)
		return false;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return false;
	}
	*data = malloc(n ? n : 1);
	if (!*data || fread(*data, 1, n, f) != (size_t)n) {
		free(*data);
		fclose(f);
		return false;
	}
	fclose(f);
	*size = n;
	return true;
}

/* ---- a BTF blob made by hand ---------------------------------------------- */

struct btf_builder {
	unsigned char *types;
	size_t tlen, tcap;
	char *strs;
	size_t slen, scap;
	uint32_t ids;
};

static void bb_bytes(unsigned char **buf, size_t *len, size_t *cap, const void *p, size_t n)
{
	if (*len + n > *cap) {
		*cap = (*len + n) * 2;
		*buf = realloc(*buf, *cap);
		assert_non_null(*buf);
	}
	memcpy(*buf + *len, p, n);
	*len += n;
}

static void bb_u32(struct btf_builder *b, uint32_t v)
{
	bb_bytes(&b->types, &b->tlen, &b->tcap, &v, 4);
}

static uint32_t bb_str(struct btf_builder *b, const char *s)
{
	size_t off = b->slen;

	if (!*s)
		return 0;
	bb_bytes((unsigned char **)&b->strs, &b->slen, &b->scap, s, strlen(s) + 1);
	return (uint32_t)off;
}

static void bb_init(struct btf_builder *b)
{
	memset(b, 0, sizeof(*b));
	bb_bytes((unsigned char **)&b->strs, &b->slen, &b->scap, "", 1);
}

/* A btf_type record; returns its id. Kind-specific data follows with bb_u32/bb_member. */
static uint32_t bb_type(struct btf_builder *b, const char *name, unsigned int kind, bool kflag,
			unsigned int vlen, uint32_t size_or_type)
{
	bb_u32(b, bb_str(b, name));
	bb_u32(b, (uint32_t)kflag << 31 | kind << 24 | vlen);
	bb_u32(b, size_or_type);
	return ++b->ids;
}

static void bb_member(struct btf_builder *b, const char *name, uint32_t type, uint32_t offset)
{
	bb_u32(b, bb_str(b, name));
	bb_u32(b, type);
	bb_u32(b, offset);
}

static uint32_t bb_int(struct btf_builder *b, const char *name, uint32_t size, bool is_signed,
		       uint32_t bit_offset, uint32_t bits)
{
	uint32_t id = bb_type(b, name, BTF_KIND_INT, false, 0, size);

	bb_u32(b, (is_signed ? BTF_INT_SIGNED : 0) << 24 | bit_offset << 16 | bits);
	return id;
}

/* Header + types + strings, malloc'ed. */
static void *bb_finish(struct btf_builder *b, size_t *size)
{
	struct btf_header hdr = {
		.magic = BTF_MAGIC,
		.version = BTF_VERSION,
		.hdr_len = sizeof(hdr),
		.type_off = 0,
		.type_len = (uint32_t)b->tlen,
		.str_off = (uint32_t)b->tlen,
		.str_len = (uint32_t)b->slen,
	};
	unsigned char *blob = malloc(sizeof(hdr) + b->tlen + b->slen);

	assert_non_null(blob);
	memcpy(blob, &hdr, sizeof(hdr));
	memcpy(blob + sizeof(hdr), b->types, b->tlen);
	memcpy(blob + sizeof(hdr) + b->tlen, b->strs, b->slen);
	*size = sizeof(hdr) + b->tlen + b->slen;
	free(b->types);
	free(b->strs);
	return blob;
}

#define FANOUT 200 /* anonymous members per level of struct fanout */

/*
 * struct inner { int a; int b; };
 * struct outer;                    a FWD and an empty duplicate before the definition
 * struct outer {                   size 64, kind_flag bit fields
 *	int x;                                 0
 *	union { struct inner in; int l; };     4
 *	unsigned char flag:3;                  bit 97: byte 12, bit 1
 *	int arr[4];                            16
 *	void *p;                               32
 *	struct outer *fp;                      40, pointing at the FWD
 *	inner_t it;                            48, typedef -> const -> struct inner
 *	int (*fn)(void *);                     56
 * };
 * plus enums, a typedef loop, a self-containing struct, the old INT-encoded
 * bit field, a 2-D array and an exponential fan-out of anonymous members.
 */
static void *synthetic_btf(size_t *size)
{
	struct btf_builder b;
	uint32_t t_int, t_uchar, t_inner, t_fwd, t_outer, t_union, t_inner_t, t_arr, t_const,
		t_voidp, t_fwdp, t_loop_a, t_uint5, t_fnp, t_proto, t_grid, t_row;

	bb_init(&b);
	t_int = bb_int(&b, "int", 4, true, 0, 32);                          /* 1 */
	t_uchar = bb_int(&b, "unsigned char", 1, false, 0, 8);              /* 2 */
	t_inner = bb_type(&b, "inner", BTF_KIND_STRUCT, false, 2, 8);       /* 3 */
	bb_member(&b, "a", t_int, 0);
	bb_member(&b, "b", t_int, 32);
	t_fwd = bb_type(&b, "outer", BTF_KIND_FWD, false, 0, 0);            /* 4 */
	bb_type(&b, "outer", BTF_KIND_STRUCT, false, 0, 0);                 /* 5 */
	t_outer = b.ids + 1;                                                /* 6 */
	t_union = t_outer + 1;                                              /* 7 */
	t_inner_t = t_outer + 2;                                            /* 8 */
	t_arr = t_outer + 3;                                                /* 9 */
	t_const = t_outer + 4;                                              /* 10 */
	t_voidp = t_outer + 5;                                              /* 11 */
	t_fwdp = t_outer + 6;                                               /* 12 */
	t_fnp = t_outer + 7;                                                /* 13 */
	t_proto = t_outer + 8;                                              /* 14 */
	bb_type(&b, "outer", BTF_KIND_STRUCT, true, 8, 64);
	bb_member(&b, "x", t_int, 0);
	bb_member(&b, "", t_union, 32);
	bb_member(&b, "flag", t_uchar, 3u << 24 | 97);
	bb_member(&b, "arr", t_arr, 128);
	bb_member(&b, "p", t_voidp, 256);
	bb_member(&b, "fp", t_fwdp, 320);
	bb_member(&b, "it", t_inner_t, 384);
	bb_member(&b, "fn", t_fnp, 448);
	bb_type(&b, "", BTF_KIND_UNION, false, 2, 8);                       /* 7 */
	bb_member(&b, "in", t_inner, 0);
	bb_member(&b, "l", t_int, 0);
	bb_type(&b, "inner_t", BTF_KIND_TYPEDEF, false, 0, t_const);        /* 8 */
	bb_type(&b, "", BTF_KIND_ARRAY, false, 0, 0);                       /* 9 */
	bb_u32(&b, t_int);
	bb_u32(&b, t_int);
	bb_u32(&b, 4);
	bb_type(&b, "", BTF_KIND_CONST, false, 0, t_inner);                 /* 10 */
	bb_type(&b, "", BTF_KIND_PTR, false, 0, 0);                         /* 11 */
	bb_type(&b, "", BTF_KIND_PTR, false, 0, t_fwd);                     /* 12 */
	bb_type(&b, "", BTF_KIND_PTR, false, 0, t_proto);                   /* 13 */
	bb_type(&b, "", BTF_KIND_FUNC_PROTO, false, 1, t_int);              /* 14 */
	bb_u32(&b, 0);
	bb_u32(&b, t_voidp);

	/* enum color { RED = -1, BLUE = 7 } (signed); enum big { HUGE = 1 << 32 | 2 } */
	bb_type(&b, "color", BTF_KIND_ENUM, true, 2, 4);
	bb_u32(&b, bb_str(&b, "RED"));
	bb_u32(&b, (uint32_t)-1);
	bb_u32(&b, bb_str(&b, "BLUE"));
	bb_u32(&b, 7);
	bb_type(&b, "big", BTF_KIND_ENUM64, false, 1, 8);
	bb_u32(&b, bb_str(&b, "HUGE"));
	bb_u32(&b, 2);
	bb_u32(&b, 1);

	/* typedef loop_b loop_a; typedef loop_a loop_b; */
	t_loop_a = b.ids + 1;
	bb_type(&b, "loop_a", BTF_KIND_TYPEDEF, false, 0, t_loop_a + 1);
	bb_type(&b, "loop_b", BTF_KIND_TYPEDEF, false, 0, t_loop_a);

	/* struct selfish { struct selfish; }: an anonymous member of its own type */
	bb_type(&b, "selfish", BTF_KIND_STRUCT, false, 1, 4);
	bb_member(&b, "", b.ids, 0);

	/* old bit field encoding: struct oldbits { unsigned int f:5 at bit 10 }, no kind_flag */
	t_uint5 = b.ids + 2;
	bb_type(&b, "oldbits", BTF_KIND_STRUCT, false, 1, 4);
	bb_member(&b, "f", t_uint5, 8);
	bb_int(&b, "unsigned int", 4, false, 2, 5);

	/* struct matrix { int grid[2][3]; unsigned char tail; } */
	t_grid = b.ids + 2;
	t_row = b.ids + 3;
	bb_type(&b, "matrix", BTF_KIND_STRUCT, false, 2, 28);
	bb_member(&b, "grid", t_grid, 0);
	bb_member(&b, "tail", t_uchar, 192);
	bb_type(&b, "", BTF_KIND_ARRAY, false, 0, 0);
	bb_u32(&b, t_row);
	bb_u32(&b, t_int);
	bb_u32(&b, 2);
	bb_type(&b, "", BTF_KIND_ARRAY, false, 0, 0);
	bb_u32(&b, t_int);
	bb_u32(&b, t_int);
	bb_u32(&b, 3);

	/* struct fanout: FANOUT anonymous members, each of FANOUT anonymous members, ... */
	bb_type(&b, "fanout", BTF_KIND_STRUCT, false, FANOUT, 4);
	for (int i = 0; i < FANOUT; i++)
		bb_member(&b, "", b.ids + 1, 0);
	bb_type(&b, "", BTF_KIND_STRUCT, false, FANOUT, 4);
	for (int i = 0; i < FANOUT; i++)
		bb_member(&b, "", b.ids + 1, 0);
	bb_type(&b, "", BTF_KIND_STRUCT, false, FANOUT, 4);
	for (int i = 0; i < FANOUT; i++)
		bb_member(&b, "", b.ids + 1, 0);
	bb_type(&b, "", BTF_KIND_STRUCT, false, 1, 4);
	bb_member(&b, "leaf", t_int, 0);

	return bb_finish(&b, size);
}

static struct vsc_types *synthetic_types(void)
{
	struct vsc_types *t = NULL;
	size_t size;
	void *blob = synthetic_btf(&size);

	ok(vsc_btf_types_create(blob, size, &t), "synthetic btf");
	free(blob);
	return t;
}

static void test_btf_synthetic_members(void **state)
{
	struct vsc_types *t = synthetic_types();
	struct vsc_member_info mi;

	(void)state;
	mi = member(t, "struct outer", "x");
	assert_int_equal(mi.offset, 0);
	assert_int_equal(mi.size, 4);
	assert_int_equal(mi.kind, VSC_TYPE_INT);
	assert_int_equal(mi.bit_size, 0);

	/* through the anonymous union, then a dotted path */
	mi = member(t, "struct outer", "l");
	assert_int_equal(mi.offset, 4);
	mi = member(t, "struct outer", "in");
	assert_int_equal(mi.offset, 4);
	assert_int_equal(mi.size, 8);
	assert_int_equal(mi.kind, VSC_TYPE_STRUCT);
	mi = member(t, "struct outer", "in.b");
	assert_int_equal(mi.offset, 8);
	assert_int_equal(mi.size, 4);

	/* kind_flag bit field: 3 bits at bit 97 = byte 12, bit 1 */
	mi = member(t, "struct outer", "flag");
	assert_int_equal(mi.offset, 12);
	assert_int_equal(mi.bit_offset, 1);
	assert_int_equal(mi.bit_size, 3);
	assert_int_equal(mi.size, 1);

	mi = member(t, "struct outer", "arr");
	assert_int_equal(mi.offset, 16);
	assert_int_equal(mi.size, 16);
	assert_int_equal(mi.kind, VSC_TYPE_ARRAY);
	assert_int_equal(mi.array_len, 4);
	assert_int_equal(mi.elem_size, 4);

	mi = member(t, "struct outer", "p");
	assert_int_equal(mi.kind, VSC_TYPE_POINTER);
	assert_int_equal(mi.size, 8);
	assert_int_equal(mi.elem_size, 0); /* void * */

	mi = member(t, "struct outer", "fp"); /* pointer to the FWD: completed by name */
	assert_int_equal(mi.offset, 40);
	assert_int_equal(mi.elem_size, 64);

	mi = member(t, "struct outer", "it"); /* typedef -> const -> struct */
	assert_int_equal(mi.offset, 48);
	assert_int_equal(mi.kind, VSC_TYPE_STRUCT);
	assert_int_equal(mi.size, 8);
	mi = member(t, "struct outer", "it.b");
	assert_int_equal(mi.offset, 52);

	mi = member(t, "struct outer", "fn");
	assert_int_equal(mi.kind, VSC_TYPE_POINTER);
	assert_int_equal(mi.elem_size, 0);

	/* old encoding: offset and width in the INT type */
	mi = member(t, "struct oldbits", "f");
	assert_int_equal(mi.offset, 0);
	assert_int_equal(mi.bit_offset, 10);
	assert_int_equal(mi.bit_size, 5);
	assert_int_equal(mi.size, 4);

	/* int grid[2][3]: two rows of 12 bytes */
	mi = member(t, "struct matrix", "grid");
	assert_int_equal(mi.size, 24);
	assert_int_equal(mi.array_len, 2);
	assert_int_equal(mi.elem_size, 12);
	assert_int_equal(member(t, "struct matrix", "tail").offset, 24);

	fails_with(t->ops->member(t->priv, "struct outer", "nope", &mi), VSC_ERR_NOTFOUND, "nope");
	fails_with(t->ops->member(t->priv, "struct outer", "x.y", &mi), VSC_ERR_NOTFOUND,
		   "member of an int");
	fails_with(t->ops->member(t->priv, "struct outer", "in..a", &mi), VSC_ERR_USAGE,
		   "empty path component");
	fails_with(t->ops->member(t->priv, "struct outer", "flag.x", &mi), VSC_ERR_NOTFOUND,
		   "member of a bit field");
	fails_with(t->ops->member(t->priv, "struct nowhere", "x", &mi), VSC_ERR_NOTFOUND,
		   "no such struct");
	types_free(t);
}

static void test_btf_synthetic_names(void **state)
{
	struct vsc_types *t = synthetic_types();
	uint64_t size;

	(void)state;
	/* the definition wins over the FWD and the empty duplicate */
	assert_int_equal(type_size(t, "struct outer"), 64);
	assert_int_equal(type_size(t, "  struct   outer  "), 64);
	assert_int_equal(type_size(t, "outer"), 64);      /* bare: no typedef, so the struct */
	assert_int_equal(type_size(t, "inner_t"), 8);     /* bare: the typedef */
	assert_int_equal(type_size(t, "int"), 4);
	assert_int_equal(type_size(t, "unsigned"), 4);    /* alias of "unsigned int" */
	assert_int_equal(type_size(t, "enum color"), 4);
	assert_int_equal(type_size(t, "enum big"), 8);
	fails_with(t->ops->type_size(t->priv, "union outer", &size), VSC_ERR_NOTFOUND, "union");
	fails_with(t->ops->type_size(t->priv, "struct inner_t", &size), VSC_ERR_NOTFOUND,
		   "typedef as struct");
	fails_with(t->ops->type_size(t->priv, "  ", &size), VSC_ERR_USAGE, "empty name");

	assert_int_equal(enum_value(t, "RED"), -1);
	assert_int_equal(enum_value(t, "BLUE"), 7);
	assert_int_equal(enum_value(t, "HUGE"), (int64_t)1 << 32 | 2);
	fails_with(t->ops->enum_value(t->priv, "GREEN", &(int64_t){ 0 }), VSC_ERR_NOTFOUND,
		   "no such enumerator");
	types_free(t);
}

static void test_btf_synthetic_hostile_shapes(void **state)
{
	struct vsc_types *t = synthetic_types();
	struct vsc_member_info mi;
	uint64_t size;
	char *text;

	(void)state;
	fails_with(t->ops->type_size(t->priv, "loop_a", &size), VSC_ERR_CORRUPT, "typedef loop");
	fails_with(t->ops->member(t->priv, "struct selfish", "x", &mi), VSC_ERR_CORRUPT,
		   "anonymous member of its own type");
	fails_with(t->ops->member(t->priv, "struct fanout", "nothere", &mi), VSC_ERR_CORRUPT,
		   "anonymous fan-out");
	assert_int_equal(member(t, "struct fanout", "leaf").offset, 0);
	/* describe copes too (and says something) */
	ok(t->ops->describe(t->priv, "struct selfish", &text), "describe selfish");
	assert_non_null(strstr(text, "struct selfish {"));
	free(text);
	ok(t->ops->describe(t->priv, "loop_a", &text), "describe loop_a");
	free(text);
	types_free(t);
}

static void test_btf_synthetic_describe(void **state)
{
	struct vsc_types *t = synthetic_types();
	char *text;

	(void)state;
	ok(t->ops->describe(t->priv, "struct outer", &text), "describe outer");
	print_message("%s", text);
	assert_non_null(strstr(text, "struct outer {\n"));
	assert_non_null(strstr(text, "\tunion {\n"));
	assert_non_null(strstr(text, "\t\tstruct inner in;"));
	assert_non_null(strstr(text, "unsigned char flag:3;"));
	assert_non_null(strstr(text, "/*    12: 1  1 */"));
	assert_non_null(strstr(text, "int arr[4];"));
	assert_non_null(strstr(text, "void *p;"));
	assert_non_null(strstr(text, "struct outer *fp;"));
	assert_non_null(strstr(text, "inner_t it;"));
	assert_non_null(strstr(text, "int (*fn)(void *);"));
	assert_non_null(strstr(text, "size: 64"));
	free(text);
	ok(t->ops->describe(t->priv, "inner_t", &text), "describe typedef of a struct");
	assert_non_null(strstr(text, "struct inner {\n"));
	free(text);
	ok(t->ops->describe(t->priv, "loop_b", &text), "describe a typedef loop");
	free(text);
	ok(t->ops->describe(t->priv, "int", &text), "describe int");
	assert_string_equal(text, "int; /* size: 4 */\n");
	free(text);
	ok(t->ops->describe(t->priv, "enum color", &text), "describe enum");
	assert_non_null(strstr(text, "RED = -1,"));
	free(text);
	ok(t->ops->describe(t->priv, "struct matrix", &text), "describe matrix");
	assert_non_null(strstr(text, "int grid[2][3];"));
	free(text);
	types_free(t);
}

/* Garbage must give errors, never crashes (run under valgrind/ASan). */
static void test_btf_corrupt(void **state)
{
	struct vsc_types *t = NULL;
	unsigned char junk[64] = { 0 };
	size_t size;
	unsigned char *blob = synthetic_btf(&size), *copy = malloc(size);
	uint32_t rnd = 12345;
	int accepted = 0;

	(void)state;
	assert_non_null(copy);
	fails_with(vsc_btf_types_create(junk, 3, &t), VSC_ERR_FORMAT, "3 bytes");
	fails_with(vsc_btf_types_create(junk, sizeof(junk), &t), VSC_ERR_FORMAT, "zeros");
	fails_with(vsc_btf_types_create(blob, size - 5, &t), VSC_ERR_FORMAT, "truncated");

	for (int round = 0; round < 3000; round++) {
		struct vsc_error *err;
		struct vsc_member_info mi;
		uint64_t sz;
		int64_t v;
		char *text;

		memcpy(copy, blob, size);
		for (int k = 0; k < 1 + round % 4; k++) {
			rnd = rnd * 1103515245 + 12345;
			/* mostly the type section: after the 24-byte header, before the strings */
			size_t at = 24 + (rnd >> 8) % (size - 24);

			copy[at] ^= (unsigned char)(1u << (rnd >> 4) % 8);
		}
		err = vsc_btf_types_create(copy, size, &t);
		if (err) {
			vsc_error_destroy(err);
			continue;
		}
		accepted++;
		vsc_error_destroy(t->ops->type_size(t->priv, "struct outer", &sz));
		vsc_error_destroy(t->ops->type_size(t->priv, "loop_a", &sz));
		vsc_error_destroy(t->ops->member(t->priv, "struct outer", "in.b", &mi));
		vsc_error_destroy(t->ops->member(t->priv, "struct outer", "fp", &mi));
		vsc_error_destroy(t->ops->member(t->priv, "struct outer", "fn", &mi));
		vsc_error_destroy(t->ops->member(t->priv, "struct matrix", "grid", &mi));
		vsc_error_destroy(t->ops->member(t->priv, "struct oldbits", "f", &mi));
		vsc_error_destroy(t->ops->enum_value(t->priv, "HUGE", &v));
		if (!(err = t->ops->describe(t->priv, "struct outer", &text)))
			free(text);
		vsc_error_destroy(err);
		if (!(err = t->ops->describe(t->priv, "struct matrix", &text)))
			free(text);
		vsc_error_destroy(err);
		types_free(t);
	}
	print_message("%d of 3000 damaged blobs accepted by libbpf\n", accepted);
	free(copy);
	free(blob);
}

/* ---- ELF: this test binary ------------------------------------------------ */

/* Symbols of known nm letters; "used" keeps them in the symbol table. */
int vsc_test_data_var = 5;
int vsc_test_bss_var;
const int vsc_test_rodata[4] = { 1, 2, 3, 4 };
__attribute__((noinline, used)) static int vsc_test_local_fn(int x)
{
	return x * 3;
}

struct sym_expect {
	const char *name;
	char letter;
	bool seen;
	int count;
};

static int collect_sym(void *arg, const char *name, uint64_t value, uint64_t size, char type)
{
	struct sym_expect *e = arg;

	(void)value;
	(void)size;
	for (; e->name; e++) {
		if (strcmp(e->name, name) == 0) {
			e->seen = true;
			if (e->letter != type)
				print_error("%s: letter %c, expected %c\n", name, type, e->letter);
			e->count += e->letter == type;
		}
	}
	return 0;
}

static int stop_at_first(void *arg, const char *name, uint64_t value, uint64_t size, char type)
{
	(void)name;
	(void)value;
	(void)size;
	(void)type;
	++*(int *)arg;
	return 1;
}

static void test_elf_self(void **state)
{
	struct sym_expect want[] = {
		{ .name = "main", .letter = 'T' },
		{ .name = "vsc_test_local_fn", .letter = 't' },
		{ .name = "vsc_test_data_var", .letter = 'D' },
		{ .name = "vsc_test_bss_var", .letter = 'B' },
		{ .name = "vsc_test_rodata", .letter = 'R' },
		{ .name = NULL },
	};
	char *hex = NULL, path[4096];
	ssize_t n;
	int calls = 0;

	(void)state;
	assert_int_equal(vsc_test_local_fn(vsc_test_data_var + vsc_test_bss_var), 15);
	n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	assert_true(n > 0);
	path[n] = '\0';
	ok(vsc_elf_build_id(path, &hex), "build-id of the test binary");
	assert_true(strlen(hex) >= 16 && strlen(hex) % 2 == 0);
	assert_int_equal(strspn(hex, "0123456789abcdef"), strlen(hex));
	free(hex);

	ok(vsc_elf_symtab_foreach(path, collect_sym, want), "symbols of the test binary");
	for (struct sym_expect *e = want; e->name; e++) {
		if (!e->seen)
			print_error("%s not in .symtab\n", e->name);
		assert_true(e->seen);
		assert_int_equal(e->count, 1);
	}
	ok(vsc_elf_symtab_foreach(path, stop_at_first, &calls), "stop early");
	assert_int_equal(calls, 1);

	fails_with(vsc_elf_build_id("/nonexistent/vmlinux", &hex), VSC_ERR_IO, "missing file");
	fails_with(vsc_elf_build_id("/proc/self/cmdline", &hex), VSC_ERR_FORMAT, "not ELF");
	fails_with(vsc_elf_symtab_foreach("/nonexistent", collect_sym, want), VSC_ERR_IO,
		   "missing file");
	fails_with(vsc_dwarf_types_create("/nonexistent/vmlinux", &(struct vsc_types *){ NULL }),
		   VSC_ERR_IO, "dwarf: missing file");
	fails_with(vsc_dwarf_types_create("/proc/self/cmdline", &(struct vsc_types *){ NULL }),
		   VSC_ERR_FORMAT, "dwarf: not ELF");
}

/* ---- real kernels --------------------------------------------------------- */

struct kernel {
	const char *version;
	bool loaded;
	char *vmlinux;       /* NULL: not in the cache */
	char *oracle;        /* gdb-oracle.txt contents */
	struct vsc_types *btf;
	struct vsc_types *dwarf;
};

static struct kernel kernels[] = {
	{ .version = "6.1.0-56-amd64" },
	{ .version = "6.12.117+deb12-amd64" },
};

/* $VTDSCOPE_CACHE (or ~/.cache/vtdscope) + "/" + the pieces. */
static char *cache_path(const char *a, const char *b, const char *c, const char *d)
{
	const char *cache = getenv("VTDSCOPE_CACHE"), *home = getenv("HOME");
	char *path = NULL;
	int n;

	if (cache && *cache)
		n = asprintf(&path, "%s/%s%s%s%s", cache, a, b, c, d);
	else
		n = asprintf(&path, "%s/.cache/vtdscope/%s%s%s%s", home ? home : "/root", a, b, c,
			     d);
	assert_true(n > 0);
	return path;
}

static bool file_exists(const char *path)
{
	return path && access(path, R_OK) == 0;
}

/* Load what the cache has for @k (once); tests skip what is missing. */
static void kernel_load(struct kernel *k)
{
	char *p;
	void *blob;
	size_t size;

	if (k->loaded)
		return;
	k->loaded = true;
	p = cache_path("vmlinux/vmlinux-", k->version, "", "");
	if (!file_exists(p)) {
		free(p);
		p = cache_path("kernels/", k->version, "/usr/lib/debug/boot/vmlinux-", k->version);
	}
	if (file_exists(p)) {
		k->vmlinux = p;
		ok(vsc_dwarf_types_create(p, &k->dwarf), p);
	} else {
		free(p);
	}
	p = cache_path("types/", k->version, "/vmlinux.btf", "");
	if (read_file(p, &blob, &size)) {
		ok(vsc_btf_types_create(blob, size, &k->btf), p);
		free(blob);
	}
	free(p);
	p = cache_path("types/", k->version, "/gdb-oracle.txt", "");
	if (read_file(p, &blob, &size)) {
		k->oracle = realloc(blob, size + 1);
		assert_non_null(k->oracle);
		k->oracle[size] = '\0';
	}
	free(p);
}

static int kernels_teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(kernels) / sizeof(kernels[0]); i++) {
		types_free(kernels[i].btf);
		types_free(kernels[i].dwarf);
		free(kernels[i].vmlinux);
		free(kernels[i].oracle);
		kernels[i] = (struct kernel){ .version = kernels[i].version };
	}
	return 0;
}

/* What the VT-d analyzer and its helpers resolve; "-" entries may be absent. */
static const struct {
	const char *type;
	const char *members;
} analyzer_layouts[] = {
	{ "struct q_inval", "q_lock desc desc_status free_head free_tail free_cnt" },
	{ "struct intel_iommu", "name seq_id reg_phys cap ecap gcmd segment qi flags prq iommu "
				"drhd node reg iommu.dev" },
	{ "struct qi_desc", "qw0 qw1 qw2 qw3" },
	{ "struct qi_batch", "descs index" },
	{ "struct dmar_drhd_unit", "list reg_base_addr devices devices_cnt segment iommu "
				   "include_all ignored gfx_dedicated" },
	{ "struct dmar_dev_scope", "dev bus devfn" },
	{ "struct task_struct", "pid tgid comm __state state stack thread thread.sp on_cpu tasks "
				"cpu flags se.vruntime" },
	{ "struct thread_struct", "sp fsbase gsbase" },
	{ "struct rq", "curr idle cpu clock nr_running" },
	{ "struct pt_regs", "ip sp bp cs flags orig_ax" },
	{ "struct inactive_task_frame", "bp ret_addr r15" },
	{ "struct qnode", "mcs mcs.next mcs.locked" },
	{ "struct mcs_spinlock", "next locked count" },
	{ "struct qspinlock", "val locked pending tail locked_pending" },
	{ "struct printk_ringbuffer", "desc_ring text_data_ring fail desc_ring.count_bits" },
	{ "struct prb_desc_ring", "count_bits descs infos head_id tail_id last_finalized_seq" },
	{ "struct prb_data_ring", "size_bits data head_lpos tail_lpos" },
	{ "struct prb_desc", "state_var text_blk_lpos" },
	{ "struct prb_data_blk_lpos", "begin next" },
	{ "struct printk_info", "seq ts_nsec text_len facility flags level caller_id dev_info" },
	{ "struct device_domain_info", "link segment bus devfn ats_supported ats_enabled "
				       "pasid_enabled ats_qdep dev iommu domain" },
	{ "struct dmar_domain", "nid iommu_refcnt flags domain" },
	{ "struct pci_dev", "devfn vendor device bus dev ats_enabled ats_qdep" },
	{ "struct pci_bus", "number parent self" },
	{ "struct device", "kobj parent driver init_name" },
	{ "struct module", "list name state core_layout mem" },
	{ "struct iommu_fault_param", "handler data faults lock queue partial dev" },
	{ "struct iommu_fault_event", "fault list" },
	{ "struct iopf_group", "last_fault faults list work pending_node fault_count" },
	{ "struct list_head", "next prev" },
};

static bool same_info(const struct vsc_member_info *a, const struct vsc_member_info *b)
{
	return a->offset == b->offset && a->size == b->size && a->bit_offset == b->bit_offset &&
	       a->bit_size == b->bit_size && a->kind == b->kind && a->array_len == b->array_len &&
	       a->elem_size == b->elem_size;
}

static void print_info(const char *who, const struct vsc_member_info *mi)
{
	print_error("  %s: offset %llu size %llu bits %u/%u kind %d len %llu elem %llu\n", who,
		    (unsigned long long)mi->offset, (unsigned long long)mi->size, mi->bit_offset,
		    mi->bit_size, mi->kind, (unsigned long long)mi->array_len,
		    (unsigned long long)mi->elem_size);
}

static struct kernel *kernel_with(void **state, bool need_btf, bool need_dwarf, bool need_oracle)
{
	struct kernel *k = *state;

	kernel_load(k);
	if (need_btf && !k->btf)
		SKIP_BECAUSE("%s: no BTF blob in the cache (bench/bench-types.sh prepare)\n",
			     k->version);
	if (need_dwarf && !k->dwarf)
		SKIP_BECAUSE("%s: no vmlinux in the cache\n", k->version);
	if (need_oracle && !k->oracle)
		SKIP_BECAUSE("%s: no gdb oracle in the cache (bench/bench-types.sh prepare)\n",
			     k->version);
	return k;
}

static void test_kernel_btf_equals_dwarf(void **state)
{
	struct kernel *k = kernel_with(state, true, true, false);
	int compared = 0, present = 0, mismatches = 0;

	for (size_t i = 0; i < sizeof(analyzer_layouts) / sizeof(analyzer_layouts[0]); i++) {
		const char *type = analyzer_layouts[i].type;
		char *list = strdup(analyzer_layouts[i].members), *save = NULL;
		uint64_t bsize = 0, dsize = 0;
		struct vsc_error *berr = k->btf->ops->type_size(k->btf->priv, type, &bsize);
		struct vsc_error *derr = k->dwarf->ops->type_size(k->dwarf->priv, type, &dsize);

		if (!berr != !derr || bsize != dsize) {
			print_error("%s %s: btf %s %llu, dwarf %s %llu\n", k->version, type,
				    berr ? berr->message : "size", (unsigned long long)bsize,
				    derr ? derr->message : "size", (unsigned long long)dsize);
			mismatches++;
		}
		vsc_error_destroy(berr);
		vsc_error_destroy(derr);
		for (char *m = strtok_r(list, " ", &save); m; m = strtok_r(NULL, " ", &save)) {
			struct vsc_member_info bi = { 0 }, di = { 0 };

			berr = k->btf->ops->member(k->btf->priv, type, m, &bi);
			derr = k->dwarf->ops->member(k->dwarf->priv, type, m, &di);
			compared++;
			present += !berr && !derr;
			if (!berr != !derr || (!berr && !same_info(&bi, &di))) {
				print_error("%s %s.%s differs:\n", k->version, type, m);
				if (berr)
					print_error("  btf: %s\n", berr->message);
				else
					print_info("btf", &bi);
				if (derr)
					print_error("  dwarf: %s\n", derr->message);
				else
					print_info("dwarf", &di);
				mismatches++;
			}
			if (berr && berr->kind != VSC_ERR_NOTFOUND)
				mismatches++;
			vsc_error_destroy(berr);
			vsc_error_destroy(derr);
		}
		free(list);
	}
	print_message("%s: %d members compared, %d present in both\n", k->version, compared,
		      present);
	assert_int_equal(mismatches, 0);

	/* the core of the analyzer must be there on both kernels */
	assert_int_equal(member(k->btf, "struct q_inval", "free_head").size, 4);
	assert_int_equal(member(k->dwarf, "struct dmar_drhd_unit", "include_all").bit_size, 1);
}

static enum vsc_type_kind kind_of_letter(char c)
{
	switch (c) {
	case 'i':
		return VSC_TYPE_INT;
	case 'p':
		return VSC_TYPE_POINTER;
	case 'a':
		return VSC_TYPE_ARRAY;
	case 's':
		return VSC_TYPE_STRUCT;
	case 'u':
		return VSC_TYPE_UNION;
	case 'e':
		return VSC_TYPE_ENUM;
	case 'f':
		return VSC_TYPE_FUNC;
	default:
		return VSC_TYPE_OTHER;
	}
}

static bool has_keyword(const char *type)
{
	return !strncmp(type, "struct ", 7) || !strncmp(type, "union ", 6) ||
	       !strncmp(type, "enum ", 5);
}

/* Check one backend against one oracle record; returns the number of mismatches. */
static int check_record(struct kernel *k, struct vsc_types *t, char **f, int nf)
{
	struct vsc_error *err = NULL;
	struct vsc_member_info mi = { 0 };
	uint64_t size = 0;
	int64_t value = 0;
	int bad = 0;

	if (!strcmp(f[0], "size") && nf == 3) {
		err = t->ops->type_size(t->priv, f[1], &size);
		bad = err || size != strtoull(f[2], NULL, 0);
	} else if (!strcmp(f[0], "missing") && nf == 2) {
		/* gdb's lookup_type does not know every base type spelling */
		err = t->ops->type_size(t->priv, f[1], &size);
		bad = has_keyword(f[1]) && (!err || err->kind != VSC_ERR_NOTFOUND);
	} else if (!strcmp(f[0], "member") && nf == 9) {
		uint64_t bitpos = strtoull(f[3], NULL, 0);
		uint32_t bitsize = (uint32_t)strtoul(f[5], NULL, 0);

		err = t->ops->member(t->priv, f[1], f[2], &mi);
		bad = err || mi.offset * 8 + mi.bit_offset != bitpos || mi.bit_size != bitsize ||
		      mi.size != strtoull(f[4], NULL, 0) || mi.kind != kind_of_letter(f[6][0]) ||
		      mi.array_len != strtoull(f[7], NULL, 0) ||
		      mi.elem_size != strtoull(f[8], NULL, 0);
	} else if (!strcmp(f[0], "nomember") && nf == 3) {
		err = t->ops->member(t->priv, f[1], f[2], &mi);
		bad = !err || err->kind != VSC_ERR_NOTFOUND;
	} else if (!strcmp(f[0], "enum") && nf == 3) {
		err = t->ops->enum_value(t->priv, f[1], &value);
		bad = err || value != strtoll(f[2], NULL, 0);
	} else if (!strcmp(f[0], "noenum") && nf == 2) {
		err = t->ops->enum_value(t->priv, f[1], &value);
		bad = !err || err->kind != VSC_ERR_NOTFOUND;
	} else {
		return 0; /* build-id, symbols: elsewhere */
	}
	if (bad) {
		print_error("%s %s: gdb says", k->version, t->ops->name);
		for (int i = 0; i < nf; i++)
			print_error(" %s", f[i]);
		print_error("\n");
		if (err)
			print_error("  %s: %s\n", t->ops->name, err->message);
		else if (!strcmp(f[0], "member"))
			print_info(t->ops->name, &mi);
		else
			print_error("  %s: %llu / %lld\n", t->ops->name, (unsigned long long)size,
				    (long long)value);
	}
	vsc_error_destroy(err);
	return bad;
}

/* Split @line at tabs in place. */
static int split_tabs(char *line, char **f, int max)
{
	int n = 0;

	while (n < max) {
		f[n++] = line;
		line = strchr(line, '\t');
		if (!line)
			break;
		*line++ = '\0';
	}
	return n;
}

static void check_oracle(struct kernel *k, struct vsc_types *t)
{
	char *copy = strdup(k->oracle), *save = NULL;
	int records = 0, bad = 0;

	assert_non_null(copy);
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[10];
		int nf;

		if (line[0] == '#')
			continue;
		nf = split_tabs(line, f, 10);
		bad += check_record(k, t, f, nf);
		records++;
	}
	free(copy);
	print_message("%s %s: %d gdb records, %d mismatches\n", k->version, t->ops->name, records,
		      bad);
	assert_true(records > 100);
	assert_int_equal(bad, 0);
}

static void test_kernel_btf_vs_gdb(void **state)
{
	struct kernel *k = kernel_with(state, true, false, true);

	check_oracle(k, k->btf);
}

static void test_kernel_dwarf_vs_gdb(void **state)
{
	struct kernel *k = kernel_with(state, false, true, true);

	check_oracle(k, k->dwarf);
}

/* Both backends describe the same struct the same way. */
static void test_kernel_describe(void **state)
{
	static const char *const types[] = {
		"struct q_inval", "struct dmar_drhd_unit", "struct qnode", "struct qspinlock",
		"struct printk_info", "struct qi_desc", "struct prb_desc_ring", "enum desc_state",
		"raw_spinlock_t",
	};
	struct kernel *k = kernel_with(state, true, true, false);

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		char *b = NULL, *d = NULL;

		ok(k->btf->ops->describe(k->btf->priv, types[i], &b), types[i]);
		ok(k->dwarf->ops->describe(k->dwarf->priv, types[i], &d), types[i]);
		if (strcmp(b, d) != 0)
			print_error("%s %s:\n--- btf\n%s--- dwarf\n%s", k->version, types[i], b, d);
		assert_string_equal(b, d);
		free(b);
		free(d);
	}
}

struct nm_check {
	char *oracle;
	int symbols;
	int checked;
	int bad;
};

static int check_nm(void *arg, const char *name, uint64_t value, uint64_t size, char type)
{
	struct nm_check *c = arg;
	char key[300];
	const char *p;

	(void)size;
	c->symbols++;
	snprintf(key, sizeof(key), "\nsym\t%s\t", name);
	p = strstr(c->oracle, key);
	if (p) {
		unsigned long long want_value;
		char want_type;

		p += strlen(key);
		if (sscanf(p, "%llx\t%c", &want_value, &want_type) == 2) {
			c->checked++;
			if (want_value != value || want_type != type) {
				print_error("%s: %llx %c, nm says %llx %c\n", name,
					    (unsigned long long)value, type, want_value, want_type);
				c->bad++;
			}
		}
	}
	return 0;
}

static void test_kernel_elf(void **state)
{
	struct kernel *k = kernel_with(state, false, true, true);
	struct nm_check c = { .oracle = k->oracle };
	const char *p = strstr(k->oracle, "\nbuildid\t");
	char *hex = NULL;
	int symcount = 0;

	assert_non_null(p);
	ok(vsc_elf_build_id(k->vmlinux, &hex), "build-id");
	assert_int_equal(strncmp(p + 9, hex, strlen(hex)), 0);
	assert_int_equal(p[9 + strlen(hex)], '\n');
	free(hex);

	ok(vsc_elf_symtab_foreach(k->vmlinux, check_nm, &c), "symtab");
	p = strstr(k->oracle, "\nsymcount\t");
	assert_non_null(p);
	symcount = atoi(p + 10);
	print_message("%s: %d symbols (nm: %d), %d letters checked\n", k->version, c.symbols,
		      symcount, c.checked);
	assert_int_equal(c.bad, 0);
	assert_true(c.checked >= 10);
	assert_int_equal(c.symbols, symcount);
}

/* ---- the struct field accessor (types.c) ---------------------------------- */

/* vsc_member_value() and friends: bounded by the buffer, bit fields extracted. */
static void test_member_value(void **state)
{
	unsigned char buf[32];
	struct vsc_member_info m;
	struct vsc_layout_field f = { .type = "struct x", .member = "y" };
	uint64_t v;
	char s[8];

	(void)state;
	for (unsigned int i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(0x10 + i);
	/* plain little-endian numbers of 1..8 bytes, with a base */
	m = (struct vsc_member_info){ .offset = 4, .size = 4 };
	assert_true(vsc_member_value(buf, sizeof(buf), 0, &m, &v));
	assert_int_equal(v, 0x17161514);
	assert_true(vsc_member_value(buf, sizeof(buf), 8, &m, &v));
	assert_int_equal(v, 0x1f1e1d1c);
	m = (struct vsc_member_info){ .offset = 24, .size = 8 };
	assert_true(vsc_member_value(buf, sizeof(buf), 0, &m, &v));
	assert_int_equal(v, 0x2f2e2d2c2b2a2928ULL);
	/* the last byte fits; one past does not, nor a base or offset that wraps */
	m = (struct vsc_member_info){ .offset = 31, .size = 1 };
	assert_true(vsc_member_value(buf, sizeof(buf), 0, &m, &v));
	assert_int_equal(v, 0x2f);
	m = (struct vsc_member_info){ .offset = 29, .size = 4 };
	assert_false(vsc_member_value(buf, sizeof(buf), 0, &m, &v));
	assert_int_equal(v, 0);
	m = (struct vsc_member_info){ .offset = 1 << 20, .size = 4 };
	assert_false(vsc_member_value(buf, sizeof(buf), 0, &m, &v));
	m = (struct vsc_member_info){ .offset = 8, .size = 4 };
	assert_false(vsc_member_value(buf, sizeof(buf), UINT64_MAX - 3, &m, &v));
	m = (struct vsc_member_info){ .offset = UINT64_MAX, .size = 2 };
	assert_false(vsc_member_value(buf, sizeof(buf), 2, &m, &v));
	/* not a number: empty or wider than 8 bytes */
	m = (struct vsc_member_info){ .offset = 0, .size = 16 };
	assert_false(vsc_member_value(buf, sizeof(buf), 0, &m, &v));
	m = (struct vsc_member_info){ .offset = 0, .size = 0 };
	assert_false(vsc_member_value(buf, sizeof(buf), 0, &m, &v));
	/* bit fields: 3 bits at bit 5 of byte 2 (0x12 = 0b00010010 -> 0); 4 bits across bytes */
	memset(buf, 0, sizeof(buf));
	buf[2] = 0xa0;                  /* bits 5..7 = 0b101 */
	m = (struct vsc_member_info){ .offset = 2, .size = 1, .bit_offset = 5, .bit_size = 3 };
	assert_true(vsc_member_value(buf, sizeof(buf), 0, &m, &v));
	assert_int_equal(v, 5);
	buf[4] = 0x80;
	buf[5] = 0x07;                  /* bits 39..42 of the u64 at 0: 0b1111 */
	m = (struct vsc_member_info){ .offset = 0, .size = 8, .bit_offset = 39, .bit_size = 4 };
	assert_true(vsc_member_value(buf, sizeof(buf), 0, &m, &v));
	assert_int_equal(v, 0xf);
	/* a 64-bit field 4 bits into byte 8 spans 9 bytes */
	memset(buf, 0, sizeof(buf));
	for (int i = 9; i < 16; i++)
		buf[i] = 0xff;
	buf[8] = 0xf0;                  /* the field's low 4 bits: the high nibble of byte 8 */
	buf[16] = 0x0f;                 /* its top 4 bits: the low nibble of byte 16 */
	m = (struct vsc_member_info){ .offset = 8, .size = 9, .bit_offset = 4, .bit_size = 64 };
	assert_true(vsc_member_value(buf, sizeof(buf), 0, &m, &v));
	assert_int_equal(v, ~0ULL);
	buf[16] = 0x07;
	buf[8] = 0xe0;
	assert_true(vsc_member_value(buf, sizeof(buf), 0, &m, &v));
	assert_int_equal(v, 0x7ffffffffffffffeULL);
	/* a bit field whose bits pass the end of the buffer */
	m = (struct vsc_member_info){ .offset = 31, .size = 1, .bit_offset = 6, .bit_size = 4 };
	assert_false(vsc_member_value(buf, sizeof(buf), 0, &m, &v));
	/* layout fields: absent reads as 0 */
	f.info = (struct vsc_member_info){ .offset = 8, .size = 1 };
	f.present = false;
	assert_int_equal(vsc_field_value(buf, sizeof(buf), &f), 0);
	f.present = true;
	assert_int_equal(vsc_field_value(buf, sizeof(buf), &f), 0xe0);
	/* strings: bounded by the member, the buffer and the destination */
	memcpy(buf, "kworker/0:1\0\0\0\0\0", 16);
	m = (struct vsc_member_info){ .offset = 0, .size = 16 };
	assert_int_equal(vsc_member_string(buf, sizeof(buf), 0, &m, s, sizeof(s)), 7);
	assert_string_equal(s, "kworker");
	m = (struct vsc_member_info){ .offset = 0, .size = 4 };
	assert_int_equal(vsc_member_string(buf, sizeof(buf), 0, &m, s, sizeof(s)), 4);
	assert_string_equal(s, "kwor");
	m = (struct vsc_member_info){ .offset = 30, .size = 16 };
	assert_int_equal(vsc_member_string(buf, sizeof(buf), 0, &m, s, sizeof(s)), 0);
	assert_string_equal(s, "");
}

/* ---- main ---------------------------------------------------------------- */

#define KERNEL_TESTS(i)                                                              \
	cmocka_unit_test_prestate(test_kernel_btf_equals_dwarf, &kernels[i]),        \
	cmocka_unit_test_prestate(test_kernel_btf_vs_gdb, &kernels[i]),              \
	cmocka_unit_test_prestate(test_kernel_dwarf_vs_gdb, &kernels[i]),            \
	cmocka_unit_test_prestate(test_kernel_describe, &kernels[i]),                \
	cmocka_unit_test_prestate(test_kernel_elf, &kernels[i])

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_btf_synthetic_members),
		cmocka_unit_test(test_btf_synthetic_names),
		cmocka_unit_test(test_btf_synthetic_hostile_shapes),
		cmocka_unit_test(test_btf_synthetic_describe),
		cmocka_unit_test(test_btf_corrupt),
		cmocka_unit_test(test_elf_self),
		cmocka_unit_test(test_member_value),
		KERNEL_TESTS(0),
		KERNEL_TESTS(1),
	};
	int failed = cmocka_run_group_tests_name("types", tests, NULL, kernels_teardown);

	if (!failed && tests_skipped == (int)(sizeof(tests) / sizeof(tests[0])))
		return 77;
	return failed;
}
