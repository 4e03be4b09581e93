// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The report model and its renderers: the input is a little program that
 * builds a report (title, meta, sections, fields, tables, code, findings with
 * evidence and facts) from fuzzed strings and values, then renders it as
 * text, JSON and Markdown with each option.  The JSON must parse (json-c,
 * strict, UTF-8 validated): the renderer promises a document.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include <vtdscope/report.h>

#include "fuzz.h"

struct in {
	const uint8_t *p;
	size_t n;
	char strs[16][80];  /* strings handed out, NUL-terminated, reused round-robin */
	unsigned int next;
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

static struct vsc_value value(struct in *in, enum vsc_value_kind kind)
{
	struct vsc_value v;
	uint8_t flags = u8(in);

	if (flags & 0x80)
		kind = VSC_VAL_ABSENT;
	switch (kind) {
	case VSC_VAL_STR: v = vsc_val_str(str(in)); break;
	case VSC_VAL_INT: v = vsc_val_int((int64_t)u64(in)); break;
	case VSC_VAL_UINT: v = vsc_val_uint(u64(in)); break;
	case VSC_VAL_HEX: v = vsc_val_hexw(u64(in), flags & 0x1f); break;
	case VSC_VAL_ADDR: v = vsc_val_addr(u64(in)); break;
	case VSC_VAL_BOOL: v = vsc_val_bool(flags & 1); break;
	case VSC_VAL_HOST: v = vsc_val_host(str(in)); break;
	default: v = vsc_val_absent(flags & 1 ? str(in) : NULL); break;
	}
	if (flags & 0x40)
		v = vsc_val_sensitive(v);
	return v;
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
		case 6:
			if (u8(in) & 1)
				vsc_section_error(s, (enum vsc_error_kind)(u8(in) % 8), "%s", str(in));
			else
				vsc_section_warning(s, (enum vsc_error_kind)(u8(in) % 8), "%s", str(in));
			break;
		case 7: {
			struct vsc_column cols[4];
			size_t ncols = 1 + u8(in) % 4;
			char names[4][80], keys[4][80];
			const char *id = str(in), *title;
			struct vsc_table *tb;

			for (size_t i = 0; i < ncols; i++) {
				snprintf(names[i], sizeof(names[i]), "%s", str(in));
				snprintf(keys[i], sizeof(keys[i]), "%s", str(in));
				cols[i] = (struct vsc_column){ names[i], u8(in) & 1 ? keys[i] : NULL,
							       kind_of(in),
							       (enum vsc_align)(u8(in) % 3) };
			}
			title = u8(in) & 1 ? str(in) : NULL;
			tb = vsc_section_table(s, id, title, cols, ncols);
			for (unsigned int r = 0, nr = u8(in) % 6; tb && r < nr; r++) {
				struct vsc_value vals[4];

				for (size_t i = 0; i < ncols; i++)
					vals[i] = value(in, u8(in) & 0x10 ? kind_of(in) : cols[i].kind);
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

			f = vsc_report_finding(rep, (enum vsc_severity)(u8(in) % VSC_SEV_COUNT), kind,
					       "%s", str(in));
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
		case 14:
			if (u8(in) & 1)
				vsc_report_error(rep, (enum vsc_error_kind)(u8(in) % 8), "%s", str(in));
			else
				vsc_report_warning(rep, (enum vsc_error_kind)(u8(in) % 8), "%s", str(in));
			break;
		case 15:
			vsc_report_set_verdict(rep, "%s", str(in));
			break;
		}
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
