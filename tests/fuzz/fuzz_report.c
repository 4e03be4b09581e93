// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The report model and its renderers: the input is a little program that
 * builds a report (title, meta, sections, fields, tables, code, findings with
 * evidence and facts) from fuzzed strings and values (lists, objects and
 * times nested past the depth the model accepts included), then renders it
 * as text, JSON and Markdown with each option.  The JSON must parse (json-c,
 * strict, UTF-8 validated): the renderer promises a document.  The model is
 * also walked through the read API: every evidence ref's path must resolve
 * back to the same ref, and every value formats.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include <vtdscope/report.h>
#include <vtdscope/report_read.h>

#include "fuzz.h"

#define POOL 64   /* list items and object members of one value being built */

struct in {
	const uint8_t *p;
	size_t n;
	char strs[16][80];  /* strings handed out, NUL-terminated, reused round-robin */
	unsigned int next;
	/* Borrowed storage of the lists and objects of the value being built. */
	struct vsc_value items[POOL];
	struct vsc_member members[POOL];
	size_t nitems, nmembers;
};

static uint8_t u8(struct in *in)
{
	uint8_t v = 0;

	if (in->n) {
		v = *in->p++;
		in->n--;
	}
	return v;
}

static uint64_t u64(struct in *in)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | u8(in);
	return v;
}

/*
 * Every read of the input is sequenced (never two in one call's arguments or
 * one initializer list, whose order C leaves open), so an input means the
 * same report to every compiler: seeds written for it stay meaningful.
 */

/* A string of 0..79 input bytes (a NUL in them ends it early). */
static const char *str(struct in *in)
{
	char *s = in->strs[in->next++ % 16];
	size_t len = u8(in) % 80;

	if (len > in->n)
		len = in->n;
	memcpy(s, in->p, len);
	s[len] = '\0';
	in->p += len;
	in->n -= len;
	return s;
}

static enum vsc_value_kind kind_of(struct in *in);

static struct vsc_value value_at(struct in *in, enum vsc_value_kind kind, unsigned int depth);

/* A list or an object of up to 7 values from the pool (empty when it is used up). */
static struct vsc_value container(struct in *in, bool list, unsigned int depth)
{
	size_t n = u8(in) % 8, at;

	if (list) {
		at = in->nitems;
		if (n > POOL - at)
			n = POOL - at;
		in->nitems += n;
		for (size_t i = 0; i < n; i++)
			in->items[at + i] = value_at(in, kind_of(in), depth + 1);
		return vsc_val_list(n ? &in->items[at] : NULL, n);
	}
	at = in->nmembers;
	if (n > POOL - at)
		n = POOL - at;
	in->nmembers += n;
	for (size_t i = 0; i < n; i++) {
		const char *key = str(in);

		in->members[at + i] = (struct vsc_member){ key, value_at(in, kind_of(in), depth + 1) };
	}
	return vsc_val_object(n ? &in->members[at] : NULL, n);
}

static struct vsc_value value_at(struct in *in, enum vsc_value_kind kind, unsigned int depth)
{
	struct vsc_value v;
	uint8_t flags = u8(in);

	if (flags & 0x80)
		kind = VSC_VAL_ABSENT;
	/* Past the depth the model accepts, then stop (the pool is bounded anyway). */
	if ((kind == VSC_VAL_LIST || kind == VSC_VAL_OBJECT) && depth > VSC_VALUE_MAX_DEPTH)
		kind = VSC_VAL_UINT;
	switch (kind) {
	case VSC_VAL_STR: v = vsc_val_str(str(in)); break;
	case VSC_VAL_INT: v = vsc_val_int((int64_t)u64(in)); break;
	case VSC_VAL_UINT: v = vsc_val_uint(u64(in)); break;
	case VSC_VAL_HEX: v = vsc_val_hexw(u64(in), flags & 0x1f); break;
	case VSC_VAL_ADDR: v = vsc_val_addr(u64(in)); break;
	case VSC_VAL_BOOL: v = vsc_val_bool(flags & 1); break;
	case VSC_VAL_HOST: v = vsc_val_host(str(in)); break;
	case VSC_VAL_LIST: v = container(in, true, depth); break;
	case VSC_VAL_OBJECT: v = container(in, false, depth); break;
	case VSC_VAL_TIME:
		switch (flags & 3) {
		case 0: v = vsc_val_time_boot(u64(in)); break;
		case 1: v = vsc_val_time_wall((int64_t)u64(in)); break;
		case 2: {
			uint64_t boot = u64(in);

			v = vsc_val_time(boot, (int64_t)u64(in));
			break;
		}
		default: v = (struct vsc_value){ .kind = VSC_VAL_TIME }; break;  /* no clock */
		}
		break;
	default: v = vsc_val_absent(flags & 1 ? str(in) : NULL); break;
	}
	if (flags & 0x40)
		v = vsc_val_sensitive(v);
	return v;
}

/* A value of @kind (or absent, or anything for an invalid kind), its storage reset first. */
static struct vsc_value value(struct in *in, enum vsc_value_kind kind)
{
	in->nitems = in->nmembers = 0;
	return value_at(in, kind, 0);
}

static enum vsc_value_kind kind_of(struct in *in)
{
	return (enum vsc_value_kind)(u8(in) % VSC_VAL_COUNT);
}

static void build(struct vsc_report *rep, struct in *in)
{
	struct vsc_section *sec[8] = { 0 };
	struct vsc_table *tab[4] = { 0 };
	struct vsc_code *code = NULL;
	struct vsc_finding *f = NULL;
	unsigned int nsec = 0, ntab = 0;

	vsc_report_set_title(rep, "%s", str(in));
	vsc_report_set_tool_version(rep, "0.1.0-fuzz");
	vsc_report_set_target(rep, str(in));
	vsc_report_set_generated_at(rep, (time_t)1700000000);
	for (unsigned int ops = 0; in->n && ops < 200; ops++) {
		struct vsc_section *s = nsec ? sec[u8(in) % nsec] : NULL;
		uint8_t op = u8(in) % 16;

		if (!s && op >= 2 && op <= 9)
			op = 1;
		switch (op) {
		case 0: {
			const char *key = str(in);

			vsc_report_meta(rep, key, value(in, kind_of(in)));
			break;
		}
		case 1: {
			const char *id = str(in);
			struct vsc_section *ns = s && (u8(in) & 1) ? vsc_section_section(s, id, str(in)) :
					  vsc_report_section(rep, id, str(in));

			if (ns && nsec < 8)
				sec[nsec++] = ns;
			break;
		}
		case 2: {
			const char *key = str(in);

			vsc_section_kv(s, key, value(in, kind_of(in)));
			break;
		}
		case 3: {
			const char *key = str(in);

			if (u8(in) & 1)
				vsc_section_kv_addr(s, key, u64(in));
			else
				vsc_section_kv_hex(s, key, u64(in));
			break;
		}
		case 4: vsc_section_para(s, "%s", str(in)); break;
		case 5: vsc_section_note(s, "%s", str(in)); break;
		case 6: {
			bool error = u8(in) & 1;
			enum vsc_error_kind kind = (enum vsc_error_kind)(u8(in) % 8);

			if (error)
				vsc_section_error(s, kind, "%s", str(in));
			else
				vsc_section_warning(s, kind, "%s", str(in));
			break;
		}
		case 7: {
			struct vsc_column cols[4];
			size_t ncols = 1 + u8(in) % 4;
			char names[4][80], keys[4][80];
			const char *id = str(in), *title;
			struct vsc_table *tb;

			for (size_t i = 0; i < ncols; i++) {
				snprintf(names[i], sizeof(names[i]), "%s", str(in));
				snprintf(keys[i], sizeof(keys[i]), "%s", str(in));
				cols[i].name = names[i];
				cols[i].key = u8(in) & 1 ? keys[i] : NULL;
				cols[i].kind = kind_of(in);
				cols[i].align = (enum vsc_align)(u8(in) % 3);
			}
			title = u8(in) & 1 ? str(in) : NULL;
			tb = vsc_section_table(s, id, title, cols, ncols);
			for (unsigned int r = 0, nr = u8(in) % 6; tb && r < nr; r++) {
				struct vsc_value vals[4];

				/* One value's storage at a time: the pool is shared by the row. */
				in->nitems = in->nmembers = 0;
				for (size_t i = 0; i < ncols; i++)
					vals[i] = value_at(in, u8(in) & 0x10 ? kind_of(in) : cols[i].kind,
							   0);
				vsc_table_row_n(tb, vals, ncols);
			}
			if (tb && ntab < 4)
				tab[ntab++] = tb;
			break;
		}
		case 8: {
			const char *id = str(in);
			struct vsc_code *c = vsc_section_code(s, id, u8(in) & 1 ? str(in) : NULL);

			if (c)
				code = c;
			break;
		}
		case 9:
			if (code) {
				if (u8(in) & 1)
					vsc_code_text(code, str(in));
				else
					vsc_code_line(code, "%s", str(in));
			}
			break;
		case 10: {
			const char *kind = str(in);
			enum vsc_severity sev = (enum vsc_severity)(u8(in) % VSC_SEV_COUNT);

			f = vsc_report_finding(rep, sev, kind, "%s", str(in));
			break;
		}
		case 11:
			if (f) {
				struct vsc_ref ref = vsc_ref_section(s ? s : sec[0]);
				uint8_t which = u8(in) % 5;

				if (which == 1 && ntab) {
					struct vsc_table *tb = tab[u8(in) % ntab];
					size_t rows = vsc_table_row_count(tb);

					ref = rows && (u8(in) & 1) ? vsc_ref_row(tb, u8(in) % rows) :
						vsc_ref_table(tb);
				} else if (which == 2 && code) {
					ref = vsc_ref_code(code);
				} else if (which == 3 && s) {
					ref = vsc_ref_field(s, str(in));
				}
				if (which == 4 || (!ref.section && !ref.table && !ref.code))
					vsc_finding_evidence(f, "%s", str(in));
				else
					vsc_finding_evidence_at(f, ref, "%s", str(in));
			}
			break;
		case 12:
			if (f)
				vsc_finding_next(f, "%s", str(in));
			break;
		case 13:
			if (f) {
				const char *key = str(in);

				vsc_finding_fact(f, key, value(in, kind_of(in)));
			}
			break;
		case 14: {
			bool error = u8(in) & 1;
			enum vsc_error_kind kind = (enum vsc_error_kind)(u8(in) % 8);

			if (error)
				vsc_report_error(rep, kind, "%s", str(in));
			else
				vsc_report_warning(rep, kind, "%s", str(in));
			break;
		}
		case 15:
			vsc_report_set_verdict(rep, "%s", str(in));
			break;
		}
	}
}

/* Every value of the model formats; returns how many (keeps the calls alive). */
static size_t format_values(const struct vsc_report *rep, const struct vsc_value *v, size_t n)
{
	char buf[64];
	size_t done = 0;

	for (size_t i = 0; i < n; i++) {
		if (vsc_report_value_text(rep, &v[i], VSC_TEXT_REDACT | VSC_TEXT_REASON, buf,
					  sizeof(buf)) >= 0)
			done++;
		if (vsc_report_value_text(rep, &v[i], 0, NULL, 0) >= 0)
			done++;
	}
	return done;
}

static size_t read_section(const struct vsc_report *rep, const struct vsc_section *s)
{
	size_t done = 0;
	const struct vsc_table *tb;

	for (const struct vsc_node *n = vsc_section_first(s); n; n = vsc_node_next(n)) {
		if (vsc_node_field(n))
			done += format_values(rep, &vsc_node_field(n)->value, 1);
		if ((tb = vsc_node_table(n)))
			for (size_t r = 0; r < vsc_table_row_count(tb); r++)
				done += format_values(rep, vsc_table_row_nth(tb, r),
						      vsc_table_column_count(tb));
		if (vsc_node_section(n))
			done += read_section(rep, vsc_node_section(n));
	}
	return done;
}

/* The read API over the whole model; an evidence ref's path must lead back to it. */
static void read_back(const struct vsc_report *rep)
{
	const struct vsc_finding *f;
	char path[512], text[128], ptr[512];

	for (const struct vsc_node *n = vsc_report_first(rep); n; n = vsc_node_next(n))
		(void)read_section(rep, vsc_node_section(n));
	for (size_t i = 0; (f = vsc_report_finding_nth(rep, i)); i++) {
		const struct vsc_evidence_line *e;
		const struct vsc_field *fa;

		for (size_t k = 0; (e = vsc_finding_evidence_nth(f, k)); k++) {
			struct vsc_ref back;
			int len;

			if (vsc_ref_kind(&e->ref) == VSC_REF_NONE)
				continue;
			len = vsc_ref_path(&e->ref, path, sizeof(path));
			(void)vsc_ref_text(&e->ref, true, text, sizeof(text));
			(void)vsc_ref_pointer(&e->ref, ptr, sizeof(ptr));
			if (len < 0 || (size_t)len >= sizeof(path))
				continue;
			if (!vsc_report_resolve(rep, path, &back) ||
			    vsc_ref_kind(&back) != vsc_ref_kind(&e->ref) ||
			    vsc_ref_target_section(&back) != vsc_ref_target_section(&e->ref) ||
			    back.table != e->ref.table || back.code != e->ref.code ||
			    back.row != e->ref.row) {
				fprintf(stderr, "evidence ref %s does not resolve back\n", path);
				abort();
			}
		}
		for (size_t k = 0; (fa = vsc_finding_fact_nth(f, k)); k++)
			(void)format_values(rep, &fa->value, 1);
	}
}

static void render(const struct vsc_report *rep, enum vsc_render_format fmt, uint8_t flags)
{
	struct vsc_render_options opts = {
		.format = fmt, .redact = flags & 1, .color = flags & 2, .verbose = flags & 4,
	};
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	struct vsc_error *err;

	if (!f)
		return;
	err = vsc_report_render(rep, f, &opts);
	fclose(f);
	if (!err && fmt == VSC_FORMAT_JSON) {
		struct json_tokener *tok = json_tokener_new();
		struct json_object *obj;

		json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
		obj = json_tokener_parse_ex(tok, out, (int)len);
		if (!obj || json_tokener_get_parse_end(tok) != len) {
			fprintf(stderr, "invalid JSON (%s) at %zu of %zu:\n%s\n",
				json_tokener_error_desc(json_tokener_get_error(tok)),
				json_tokener_get_parse_end(tok), len, out);
			abort();
		}
		json_object_put(obj);
		json_tokener_free(tok);
	}
	vsc_error_destroy(err);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { .p = data, .n = size };
	struct vsc_report *rep;
	struct vsc_error *err;
	uint8_t flags = u8(&in);
	char buf[32];

	if (vsc_report_create(&rep))
		return 0;
	build(rep, &in);
	err = vsc_report_check(rep);
	vsc_error_destroy(err);
	for (int fmt = 0; fmt < VSC_FORMAT_COUNT; fmt++)
		render(rep, (enum vsc_render_format)fmt, flags);
	read_back(rep);
	{
		/* the input itself, when it holds a NUL to end it */
		struct vsc_value v = vsc_val_str(size && memchr(data, '\0', size) ?
						 (const char *)data : "");
		char *red;

		(void)vsc_value_format(&v, flags & 1, buf, 1 + flags % sizeof(buf));
		red = vsc_report_redact_text(rep, v.s);
		free(red);
	}
	for (size_t i = 0; i < size; i++)
		(void)vsc_utf8_seq((const char *)data + i, size - i);
	vsc_report_destroy(rep);
	return 0;
}
