// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Opening a target: sniff the format, which picks the backend (the ELF or
 * kdump-compressed dump file, or /proc/kcore: struct vsc_target_ops), parse
 * the notes ourselves (ELF PT_NOTE or the kdump sub-header), VMCOREINFO, then
 * paging, symbols, types, CPUs.  Memory reads go through the backend; a live
 * target's refresh starts a new epoch.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <vtdscope/symbols.h>
#include <vtdscope/target.h>
#include <vtdscope/types.h>

#include "cfi.h"
#include "dumpfile.h"
#include "target_internal.h"
#include "elf_util.h"
#include "types_backend.h"

#define PROC_SUPER_MAGIC 0x9fa0
#define MAX_NOTES_SIZE (64u << 20)
#define MAX_VMCOREINFO_SIZE (1u << 20)

/* Offsets inside structures written by the kernel and QEMU (x86-64). */
#define PRSTATUS_PID_OFF 32
#define PRSTATUS_REG_OFF 112
#define PRSTATUS_NREGS 27
#define QEMU_CPUSTATE_MIN 432        /* through cr[5] */
#define QEMU_CPUSTATE_GS_BASE 264    /* gs.base */
#define QEMU_CPUSTATE_CR 392         /* cr[0..4] */
#define QEMU_CPUSTATE_KGS_BASE 432

/* More kdump-compressed header fields (the layout is in dumpfile.h). */
#define SUBHDR_OFFSET_VMCOREINFO 32
#define SUBHDR_SIZE_VMCOREINFO 40
#define SUBHDR_OFFSET_NOTE 48
#define SUBHDR_SIZE_NOTE 56

static struct vsc_error *pread_full(int fd, void *buf, size_t len, uint64_t off, const char *path,
				    const char *what)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done, (off_t)(off + done));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return vsc_error_create(VSC_ERR_IO, "%s: reading %s: %s", path, what,
						strerror(errno));
		}
		if (n == 0)
			return vsc_error_create(VSC_ERR_FORMAT,
						"%s: truncated file: %s at offset %llu is past the end",
						path, what, (unsigned long long)(off + done));
		done += (size_t)n;
	}
	return NULL;
}

/* ---- diagnostics ---- */

void vsc_target_diagnose(struct vsc_target *t, enum vsc_error_kind kind, bool incomplete,
			 const char *fmt, ...)
{
	struct vsc_diagnostic *p;
	char *msg;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	for (size_t i = 0; i < t->nr_diags; i++) {
		if (!strcmp(t->diags[i].message, msg)) {
			free(msg);
			return;
		}
	}
	if (t->nr_diags >= VSC_MAX_DIAGNOSTICS) {
		free(msg);
		return;
	}
	p = realloc(t->diags, (t->nr_diags + 1) * sizeof(*p));
	if (!p) {
		free(msg);
		return;
	}
	t->diags = p;
	t->diags[t->nr_diags++] = (struct vsc_diagnostic){ .kind = kind, .incomplete = incomplete,
							    .message = msg };
}

size_t vsc_target_diagnostic_count(const struct vsc_target *t)
{
	return t->nr_diags;
}

const struct vsc_diagnostic *vsc_target_diagnostic(const struct vsc_target *t, size_t i)
{
	return i < t->nr_diags ? &t->diags[i] : NULL;
}

/* ---- VMCOREINFO ---- */

/*
 * Parse @text (KEY=VALUE lines) into the target's VMCOREINFO, replacing
 * whatever it held: the lines point into the target's own split copy of the
 * text, next to the verbatim one.
 */
struct vsc_error *vsc_target_parse_vmcoreinfo(struct vsc_target *t, const char *text, size_t len)
{
	struct vsc_vmcoreinfo_line *lines = NULL;
	size_t n = 0, cap = 0;
	char *raw = strndup(text, len), *buf = strndup(text, len);

	if (!raw || !buf) {
		free(raw);
		free(buf);
		return &vsc_error_nomem;
	}
	for (char *line = buf, *next; line && *line; line = next) {
		char *eq, *nl = strchr(line, '\n');

		next = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		eq = strchr(line, '=');
		if (!eq || eq == line)
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 128;
			void *p = realloc(lines, ncap * sizeof(*lines));

			if (!p) {
				free(lines);
				free(raw);
				free(buf);
				return &vsc_error_nomem;
			}
			lines = p;
			cap = ncap;
		}
		*eq = '\0';
		lines[n].key = line;
		lines[n].value = eq + 1;
		n++;
	}
	free(t->vmcoreinfo);
	free(t->vmcoreinfo_buf);
	free(t->vmcoreinfo_raw);
	t->vmcoreinfo_raw = raw;
	t->vmcoreinfo_buf = buf;
	t->vmcoreinfo = lines;
	t->nr_vmcoreinfo = n;
	return NULL;
}

/* The value of @key in raw VMCOREINFO text (not yet parsed), or "?" */
static void vmcoreinfo_text_value(const char *text, size_t len, const char *key, char *buf,
				  size_t size)
{
	size_t klen = strlen(key);

	snprintf(buf, size, "?");
	for (size_t i = 0; i < len; ) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len;

		if (end - i > klen && !memcmp(text + i, key, klen) && text[i + klen] == '=') {
			snprintf(buf, size, "%.*s", (int)(end - i - klen - 1), text + i + klen + 1);
			return;
		}
		i = end + 1;
	}
}

/*
 * No kernel writes a VMCOREINFO line that starts with '.', and libkdumpfile
 * 0.5.1, which reads every VMCOREINFO of the file again into a tree of
 * attributes split at '.', dereferences NULL on one (".A=0"); it divides by
 * a PAGESIZE of 0 (both found by fuzzing).  x86-64 kernels write
 * PAGESIZE=4096.  Checked on each VMCOREINFO before the file goes to the
 * library.
 */
struct vi_key {
	const char *s;
	size_t len;
};

static int cmp_vi_key(const void *a, const void *b)
{
	const struct vi_key *x = a, *y = b;
	int c = memcmp(x->s, y->s, x->len < y->len ? x->len : y->len);

	return c ? c : (x->len > y->len) - (x->len < y->len);
}

/*
 * libkdumpfile 0.5.1 turns VMCOREINFO keys into an attribute tree split at
 * '.', and leaks when one key is a leaf and a directory at once ("A=1" and
 * "A.B=2"; found by fuzzing).  No kernel writes such keys: refuse them.
 */
static struct vsc_error *vmcoreinfo_check_keys(const char *text, size_t len)
{
	struct vi_key *keys = calloc(len / 2 + 1, sizeof(*keys));
	size_t n = 0;
	struct vsc_error *err = NULL;

	if (!keys)
		return &vsc_error_nomem;
	for (size_t i = 0; i < len; ) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len;
		const char *eq = memchr(text + i, '=', end - i);

		if (eq && eq > text + i)
			keys[n++] = (struct vi_key){ text + i, (size_t)(eq - (text + i)) };
		i = end + 1;
	}
	if (n > 1)
		qsort(keys, n, sizeof(*keys), cmp_vi_key);
	for (size_t k = 0; k < n && !err; k++) {
		/* the keys that start with "KEY." sort after KEY, before any "KEY/" */
		for (size_t j = k + 1; j < n && keys[j].len > keys[k].len &&
		     !memcmp(keys[j].s, keys[k].s, keys[k].len); j++) {
			if (keys[j].s[keys[k].len] == '.') {
				err = vsc_error_create(VSC_ERR_FORMAT, "corrupt VMCOREINFO: key "
						       "'%.*s' is also the start of another key",
						       (int)(keys[k].len > 64 ? 64 : keys[k].len),
						       keys[k].s);
				break;
			}
			if (keys[j].s[keys[k].len] > '.')
				break;
		}
	}
	free(keys);
	return err;
}

static struct vsc_error *vmcoreinfo_check(const char *text, size_t len)
{
	const char *nul = memchr(text, '\0', len);

	/* Text after the first NUL (padding excepted): libkdumpfile leaks parsing it. */
	for (size_t i = nul ? (size_t)(nul - text) : len; i < len; i++)
		if (text[i])
			return vsc_error_create(VSC_ERR_FORMAT,
						"corrupt VMCOREINFO: text after a NUL byte");
	if (nul)
		len = (size_t)(nul - text);
	VSC_TRY(vmcoreinfo_check_keys(text, len));
	for (size_t i = 0; i < len; ) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len;

		if (end > i && text[i] == '.')
			return vsc_error_create(VSC_ERR_FORMAT,
						"corrupt VMCOREINFO: a line starts with '.'");
		/* "PAGESIZE", "PAGESIZE=" or "=0" divides by zero in the library */
		if (end - i >= 8 && !memcmp(text + i, "PAGESIZE", 8) &&
		    (end - i == 8 || text[i + 8] == '=') &&
		    !(end - i == 13 && !memcmp(text + i + 8, "=4096", 5)))
			return vsc_error_create(VSC_ERR_FORMAT,
						"corrupt VMCOREINFO: PAGESIZE is not 4096");
		i = end + 1;
	}
	return NULL;
}

/*
 * A VMCOREINFO note.  The first one is the dumped kernel's and is kept; a
 * second one (a dump of a kexec'd kernel may carry the previous kernel's too)
 * is ignored, with a diagnostic that says whether it differs.
 */
static struct vsc_error *vmcoreinfo_note(struct vsc_target *t, const char *text, size_t len)
{
	char first[64], second[64];

	if (!t->vmcoreinfo_raw)
		return vsc_target_parse_vmcoreinfo(t, text, len);
	if (strlen(t->vmcoreinfo_raw) == len && !memcmp(t->vmcoreinfo_raw, text, len)) {
		vsc_target_diagnose(t, VSC_ERR_FORMAT, false,
				    "the dump has more than one VMCOREINFO note: using the first; "
				    "the others repeat it");
		return NULL;
	}
	snprintf(first, sizeof(first), "%s", vsc_vmcoreinfo(t, "OSRELEASE") ?
		 vsc_vmcoreinfo(t, "OSRELEASE") : "?");
	vmcoreinfo_text_value(text, len, "OSRELEASE", second, sizeof(second));
	for (char *p = first; *p; p++)          /* bytes from the dump, into a message */
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	for (char *p = second; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	vsc_target_diagnose(t, VSC_ERR_FORMAT, false,
			    "the dump has more than one VMCOREINFO note: using the first "
			    "(OSRELEASE %s), ignoring a later one that differs (OSRELEASE %s)",
			    first, second);
	return NULL;
}

const char *vsc_vmcoreinfo(const struct vsc_target *t, const char *key)
{
	for (size_t i = 0; i < t->nr_vmcoreinfo; i++)
		if (!strcmp(t->vmcoreinfo[i].key, key))
			return t->vmcoreinfo[i].value;
	return NULL;
}

bool vsc_vmcoreinfo_number(const struct vsc_target *t, const char *key, uint64_t *out)
{
	const char *v = vsc_vmcoreinfo(t, key);
	unsigned long long val;
	char *end;
	int base = 0;

	if (!v || !*v)
		return false;
	if (!strncmp(key, "SYMBOL(", 7) || !strcmp(key, "KERNELOFFSET"))
		base = 16;
	errno = 0;
	val = strtoull(v, &end, base);
	/* Only a whole number: "0x8000junk" or "" is not a partial value (*out untouched). */
	if (errno || end == v || (*end && *end != '\n'))
		return false;
	*out = val;
	return true;
}

const char *vsc_vmcoreinfo_raw(const struct vsc_target *t)
{
	return t->vmcoreinfo_raw;
}

/* ---- notes ---- */

static struct vsc_cpu_note *add_note(struct vsc_target *t)
{
	struct vsc_cpu_note *p;

	if (t->nr_notes >= VSC_MAX_CPUS)
		return NULL;
	p = realloc(t->notes, (t->nr_notes + 1) * sizeof(*p));
	if (!p)
		return NULL;
	t->notes = p;
	memset(&p[t->nr_notes], 0, sizeof(*p));
	return &p[t->nr_notes++];
}

static void regs_from_prstatus(struct vsc_regs *r, const uint64_t *g)
{
	/* user_regs_struct order */
	r->r15 = g[0]; r->r14 = g[1]; r->r13 = g[2]; r->r12 = g[3];
	r->bp = g[4]; r->bx = g[5]; r->r11 = g[6]; r->r10 = g[7];
	r->r9 = g[8]; r->r8 = g[9]; r->ax = g[10]; r->cx = g[11];
	r->dx = g[12]; r->si = g[13]; r->di = g[14]; r->orig_ax = g[15];
	r->ip = g[16]; r->cs = g[17]; r->flags = g[18]; r->sp = g[19];
	r->ss = g[20]; r->fs_base = g[21]; r->gs_base = g[22];
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/*
 * Walk an ELF note blob.  QEMU writes one "CORE" PRSTATUS and one "QEMU"
 * note per vCPU, in vCPU order; we pair the n-th QEMU note with the n-th
 * PRSTATUS.
 */
struct vsc_error *vsc_target_parse_notes(struct vsc_target *t, const unsigned char *buf,
					 size_t size, bool *saw_userspace)
{
	size_t off = 0;
	unsigned int nqemu = 0;

	while (off + sizeof(Elf64_Nhdr) <= size) {
		Elf64_Nhdr nh;
		size_t name_off, desc_off, next;
		const char *name;
		const unsigned char *desc;

		memcpy(&nh, buf + off, sizeof(nh));
		name_off = off + sizeof(nh);
		desc_off = name_off + ((nh.n_namesz + 3) & ~3u);
		next = desc_off + ((nh.n_descsz + 3ull) & ~3ull);
		if (nh.n_namesz > 64 || desc_off > size || nh.n_descsz > size - desc_off)
			break; /* malformed tail: keep what we have */
		name = (const char *)buf + name_off;
		desc = buf + desc_off;

		if (nh.n_namesz >= 5 && !memcmp(name, "CORE", 5)) {
			if (nh.n_type == NT_PRSTATUS &&
			    nh.n_descsz >= PRSTATUS_REG_OFF + PRSTATUS_NREGS * 8) {
				struct vsc_cpu_note *n = add_note(t);
				uint64_t g[PRSTATUS_NREGS];

				if (!n)
					return &vsc_error_nomem;
				memcpy(&n->pid, desc + PRSTATUS_PID_OFF, 4);
				memcpy(g, desc + PRSTATUS_REG_OFF, sizeof(g));
				regs_from_prstatus(&n->regs, g);
			} else if (nh.n_type == NT_PRPSINFO || nh.n_type == NT_AUXV ||
				   nh.n_type == NT_FILE || nh.n_type == NT_SIGINFO) {
				*saw_userspace = true;
			}
		} else if (nh.n_namesz >= 5 && !memcmp(name, "QEMU", 5)) {
			if (nh.n_descsz >= QEMU_CPUSTATE_MIN && nqemu < t->nr_notes) {
				struct vsc_cpu_note *n = &t->notes[nqemu];

				n->has_qemu = true;
				n->gs_base = get64(desc + QEMU_CPUSTATE_GS_BASE);
				n->cr3 = get64(desc + QEMU_CPUSTATE_CR + 3 * 8);
				n->cr4 = get64(desc + QEMU_CPUSTATE_CR + 4 * 8);
				if (nh.n_descsz >= QEMU_CPUSTATE_KGS_BASE + 8)
					n->kernel_gs_base = get64(desc + QEMU_CPUSTATE_KGS_BASE);
				t->qemu_notes = true;
			}
			nqemu++;
		} else if (nh.n_namesz >= 11 && !memcmp(name, "VMCOREINFO", 11)) {
			size_t len = strnlen((const char *)desc, nh.n_descsz);

			/* the library reads all n_descsz bytes, NULs included */
			VSC_TRY(vmcoreinfo_check((const char *)desc, nh.n_descsz));
			VSC_TRY(vmcoreinfo_note(t, (const char *)desc, len));
		}
		if (next <= off)
			break;
		off = next;
	}
	return NULL;
}

static struct vsc_error *read_elf_notes(struct vsc_target *t, const char *path, bool *userspace)
{
	Elf64_Ehdr eh;
	struct vsc_error *err;

	VSC_TRY(pread_full(t->fd, &eh, sizeof(eh), 0, path, "ELF header"));
	if (eh.e_ident[EI_CLASS] != ELFCLASS64)
		return vsc_error_create(VSC_ERR_FORMAT, "%s: 32-bit ELF file, not an x86-64 vmcore",
					path);
	if (eh.e_type != ET_CORE)
		return vsc_error_create(VSC_ERR_FORMAT,
					"%s: ELF %s, not a core dump (was a vmlinux passed as the dump?)",
					path, eh.e_type == ET_EXEC ? "executable" :
					eh.e_type == ET_DYN ? "shared object" : "file");
	if (eh.e_machine != EM_X86_64)
		return vsc_error_create(VSC_ERR_UNSUPPORTED,
					"%s: ELF core for machine %u, only x86-64 is supported",
					path, eh.e_machine);
	if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phnum == PN_XNUM)
		return vsc_error_create(VSC_ERR_FORMAT, "%s: corrupt ELF program headers", path);
	/*
	 * QEMU dumps carry section headers; libkdumpfile 0.5.1 reads them and
	 * dereferences NULL when e_shoff or e_shnum is set with e_shentsize 0
	 * (found by fuzzing): check the entry size before handing it the file.
	 */
	if ((eh.e_shoff || eh.e_shnum) && eh.e_shentsize != sizeof(Elf64_Shdr))
		return vsc_error_create(VSC_ERR_FORMAT, "%s: corrupt ELF section headers", path);

	for (unsigned int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		unsigned char *buf;

		VSC_TRY(pread_full(t->fd, &ph, sizeof(ph), eh.e_phoff + (uint64_t)i * sizeof(ph),
				   path, "program header"));
		if (ph.p_type == PT_LOAD && t->file_size &&
		    (ph.p_offset > t->file_size || ph.p_filesz > t->file_size - ph.p_offset))
			return vsc_error_create(VSC_ERR_FORMAT,
						"%s: truncated dump: memory segment %u needs %llu bytes, the file "
						"has %llu", path, i,
						(unsigned long long)(ph.p_offset + ph.p_filesz),
						(unsigned long long)t->file_size);
		if (ph.p_type != PT_NOTE || ph.p_filesz == 0)
			continue;
		if (ph.p_filesz > MAX_NOTES_SIZE)
			return vsc_error_create(VSC_ERR_FORMAT, "%s: note segment of %llu bytes is too large",
						path, (unsigned long long)ph.p_filesz);
		buf = malloc(ph.p_filesz);
		if (!buf)
			return &vsc_error_nomem;
		err = pread_full(t->fd, buf, ph.p_filesz, ph.p_offset, path, "note segment");
		if (!err)
			err = vsc_target_parse_notes(t, buf, ph.p_filesz, userspace);
		free(buf);
		if (err)
			return err;
	}
	return NULL;
}

/*
 * A kdump-compressed file lists its pages as descriptors after the bitmaps,
 * one per set bit of the second ("dumpable") bitmap, in file order.  The
 * file is complete when the last page's data ends inside it.
 */
static struct vsc_error *check_diskdump_size(struct vsc_target *t, const char *path,
					     const unsigned char *hdr, const unsigned char *sub,
					     int32_t version, int32_t block_size)
{
	uint32_t sub_blocks, bitmap_blocks, mapnr32;
	uint64_t max_mapnr, half, ndesc = 0, desc_off, last_off, bytes;
	unsigned char *bm, last[PAGE_DESC_SIZE];
	struct vsc_error *err;

	memcpy(&sub_blocks, hdr + DISKDUMP_SUB_HDR_SIZE_OFF, 4);
	memcpy(&bitmap_blocks, hdr + DISKDUMP_BITMAP_BLOCKS_OFF, 4);
	memcpy(&mapnr32, hdr + DISKDUMP_MAX_MAPNR_OFF, 4);
	max_mapnr = version >= 6 ? get64(sub + SUBHDR_MAX_MAPNR_64) : mapnr32;
	half = (uint64_t)bitmap_blocks * (uint64_t)block_size / 2;
	if (!t->file_size)
		return NULL;
	/*
	 * Whatever their size: libkdumpfile allocates what the header claims
	 * (900 MB for a 588-byte file, found by fuzzing) before reading it.
	 */
	if ((1 + (uint64_t)sub_blocks + bitmap_blocks) * (uint64_t)block_size > t->file_size)
		return vsc_error_create(VSC_ERR_FORMAT, "%s: truncated dump: the page bitmaps end past "
					"the end of the file", path);
	if (!half || half > MAX_BITMAP_CHECK)
		return NULL; /* too large to check cheaply: rely on read errors */
	bm = malloc(half);
	if (!bm)
		return &vsc_error_nomem;
	err = pread_full(t->fd, bm, half, (1 + (uint64_t)sub_blocks) * block_size + half, path,
			 "kdump page bitmap");
	if (!err) {
		bytes = (max_mapnr + 7) / 8 < half ? (max_mapnr + 7) / 8 : half;
		for (uint64_t i = 0; i < bytes; i++)
			ndesc += (uint64_t)__builtin_popcount(bm[i]);
	}
	free(bm);
	if (err)
		return err;
	if (!ndesc)
		return NULL;
	desc_off = (1 + (uint64_t)sub_blocks + bitmap_blocks) * (uint64_t)block_size;
	if (desc_off + ndesc * PAGE_DESC_SIZE > t->file_size)
		return vsc_error_create(VSC_ERR_FORMAT, "%s: truncated dump: %llu page descriptors do "
					"not fit in the file", path, (unsigned long long)ndesc);
	VSC_TRY(pread_full(t->fd, last, sizeof(last), desc_off + (ndesc - 1) * PAGE_DESC_SIZE, path,
			   "last page descriptor"));
	last_off = get64(last);
	{
		uint32_t size;

		memcpy(&size, last + 8, 4);
		if (last_off > t->file_size || size > t->file_size - last_off)
			return vsc_error_create(VSC_ERR_FORMAT,
						"%s: truncated dump: page data runs to byte %llu, the file "
						"has %llu", path, (unsigned long long)(last_off + size),
						(unsigned long long)t->file_size);
	}
	return NULL;
}

static struct vsc_error *read_diskdump_notes(struct vsc_target *t, const char *path)
{
	unsigned char hdr[512], sub[128];
	int32_t version, block_size;
	uint64_t off_vi, size_vi, off_note, size_note;
	struct vsc_error *err = NULL;
	bool userspace = false;

	VSC_TRY(pread_full(t->fd, hdr, sizeof(hdr), 0, path, "kdump header"));
	memcpy(&version, hdr + DISKDUMP_HEADER_VERSION_OFF, 4);
	memcpy(&block_size, hdr + DISKDUMP_BLOCK_SIZE_OFF, 4);
	/*
	 * makedumpfile's block size is the page size: 4096 on x86-64.  Any other
	 * makes libkdumpfile 0.5.1 use gigabytes on a 600-byte file (found by
	 * fuzzing), so it is checked before the library sees the file.
	 */
	if (block_size != 4096)
		return vsc_error_create(VSC_ERR_FORMAT, "%s: corrupt kdump header (block size %d, "
					"not the x86-64 page size 4096)", path, block_size);
	VSC_TRY(pread_full(t->fd, sub, sizeof(sub), (uint64_t)block_size, path, "kdump sub-header"));
	off_vi = get64(sub + SUBHDR_OFFSET_VMCOREINFO);
	size_vi = get64(sub + SUBHDR_SIZE_VMCOREINFO);
	off_note = get64(sub + SUBHDR_OFFSET_NOTE);
	size_note = get64(sub + SUBHDR_SIZE_NOTE);
	VSC_TRY(check_diskdump_size(t, path, hdr, sub, version, block_size));

	if (version >= 4 && size_note > 0) {
		unsigned char *buf;

		if (size_note > MAX_NOTES_SIZE)
			return vsc_error_create(VSC_ERR_FORMAT, "%s: corrupt kdump note size", path);
		buf = malloc(size_note);
		if (!buf)
			return &vsc_error_nomem;
		err = pread_full(t->fd, buf, size_note, off_note, path, "kdump notes");
		if (!err)
			err = vsc_target_parse_notes(t, buf, size_note, &userspace);
		free(buf);
		if (err)
			return err;
	}
	/* Read even when a note gave VMCOREINFO: libkdumpfile reads this one too. */
	if (version >= 3 && size_vi > 0) {
		char *buf;

		if (size_vi > MAX_VMCOREINFO_SIZE)
			return vsc_error_create(VSC_ERR_FORMAT, "%s: corrupt VMCOREINFO size", path);
		buf = malloc(size_vi);
		if (!buf)
			return &vsc_error_nomem;
		err = pread_full(t->fd, buf, size_vi, off_vi, path, "VMCOREINFO");
		if (!err)
			err = vmcoreinfo_check(buf, size_vi);
		if (!err && !t->vmcoreinfo_raw)
			err = vsc_target_parse_vmcoreinfo(t, buf, strnlen(buf, size_vi));
		free(buf);
	}
	return err;
}

/* ---- the dump-file backends: ELF and kdump-compressed ---- */

/* The file's notes gave VMCOREINFO: hand the file to the library for its pages. */
static struct vsc_error *dump_attach(struct vsc_target *t, const char *path, bool userspace)
{
	struct vsc_error *err;

	if (!t->vmcoreinfo_raw)
		return vsc_error_create(VSC_ERR_FORMAT, userspace ?
					"%s: a userspace core dump, not a kernel vmcore" :
					"%s: no VMCOREINFO in the dump (QEMU dumps need "
					"-device vmcoreinfo and the guest's qemu_fw_cfg driver)",
					path);
	err = vsc_dumpfile_open(path, t->fd, &t->dump);
	if (err)
		return vsc_error_wrap(err, "%s", path);
	t->info.format = vsc_dumpfile_format(t->dump);
	return NULL;
}

static struct vsc_error *elf_open(struct vsc_target *t, const char *path)
{
	bool userspace = false;

	VSC_TRY(read_elf_notes(t, path, &userspace));
	return dump_attach(t, path, userspace);
}

static struct vsc_error *kdump_open(struct vsc_target *t, const char *path)
{
	VSC_TRY(read_diskdump_notes(t, path));
	return dump_attach(t, path, false);
}

static struct vsc_error *dump_read_phys(struct vsc_target *t, uint64_t paddr, void *buf,
					size_t len)
{
	return vsc_dumpfile_read_phys(t->dump, paddr, buf, len);
}

/* Through our page walk (paging.c), one file read per physically contiguous run. */
static struct vsc_error *dump_read_virt(struct vsc_target *t, uint64_t addr, void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len) {
		uint64_t paddr, next_pa;
		size_t run = 4096 - (addr & 4095);

		if (run > len)
			run = len;
		VSC_TRY(vsc_paging_translate(t, addr, &paddr));
		/* Extend over physically contiguous pages: one read per run. */
		next_pa = paddr + run;
		while (run < len) {
			uint64_t pa;
			size_t more = len - run < 4096 ? len - run : 4096;
			struct vsc_error *err = vsc_paging_translate(t, addr + run, &pa);

			if (err) {
				vsc_error_destroy(err);
				break;
			}
			if (pa != next_pa)
				break;
			run += more;
			next_pa += more;
		}
		VSC_TRY(vsc_dumpfile_read_phys(t->dump, paddr, p, run));
		p += run;
		addr += run;
		len -= run;
	}
	return NULL;
}

static void dump_close(struct vsc_target *t)
{
	vsc_dumpfile_destroy(t->dump);
	t->dump = NULL;
}

const struct vsc_target_ops vsc_elf_ops = {
	.name = "elf",
	.open = elf_open,
	.translation_init = vsc_paging_init,
	.read_virt = dump_read_virt,
	.read_phys = dump_read_phys,
	.virt_to_phys = vsc_paging_translate,
	.cpu_regs = vsc_cpus_note_regs,
	.close = dump_close,
};

const struct vsc_target_ops vsc_kdump_ops = {
	.name = "kdump-compressed",
	.open = kdump_open,
	.translation_init = vsc_paging_init,
	.read_virt = dump_read_virt,
	.read_phys = dump_read_phys,
	.virt_to_phys = vsc_paging_translate,
	.cpu_regs = vsc_cpus_note_regs,
	.close = dump_close,
};

struct vsc_error *vsc_target_info_from_vmcoreinfo(struct vsc_target *t)
{
	uint64_t v;

	t->info.release = vsc_vmcoreinfo(t, "OSRELEASE");
	if (!t->info.release)
		return vsc_error_create(VSC_ERR_FORMAT, "VMCOREINFO has no OSRELEASE");
	t->info.build_id = vsc_vmcoreinfo(t, "BUILD-ID");
	t->info.page_size = 4096;
	if (vsc_vmcoreinfo_number(t, "PAGESIZE", &v) && v == 4096)
		t->info.page_size = (unsigned int)v;
	if (vsc_vmcoreinfo_number(t, "KERNELOFFSET", &v))
		t->info.kaslr_offset = v;
	if (vsc_vmcoreinfo_number(t, "NUMBER(phys_base)", &v))
		t->phys_base = v;
	t->info.phys_base = t->phys_base;
	if (vsc_vmcoreinfo_number(t, "CRASHTIME", &v)) {
		t->info.crashtime = true;
		t->info.crash_time = v;
	}
	t->info.nr_prstatus = t->nr_notes;
	return NULL;
}

/* ---- memory ---- */

struct vsc_error *vsc_read_blob(struct vsc_target *t, uint64_t addr, size_t len,
				const char *label, const void **out)
{
	struct vsc_blob *b;
	struct vsc_error *err;

	for (unsigned int i = 0; i < t->nr_blobs; i++) {
		if (t->blobs[i].addr == addr && t->blobs[i].len == len) {
			*out = t->blobs[i].data;
			return NULL;
		}
	}
	if (t->nr_blobs == sizeof(t->blobs) / sizeof(t->blobs[0])) {
		free(t->blobs[0].data);
		memmove(&t->blobs[0], &t->blobs[1], sizeof(t->blobs) - sizeof(t->blobs[0]));
		t->nr_blobs--;
	}
	b = &t->blobs[t->nr_blobs];
	b->data = malloc(len ? len : 1);
	if (!b->data)
		return &vsc_error_nomem;
	err = vsc_read(t, addr, b->data, len, label);
	if (err) {
		free(b->data);
		return err;
	}
	b->addr = addr;
	b->len = len;
	t->nr_blobs++;
	*out = b->data;
	return NULL;
}

static void blobs_drop(struct vsc_target *t)
{
	for (unsigned int i = 0; i < t->nr_blobs; i++)
		free(t->blobs[i].data);
	t->nr_blobs = 0;
}

struct vsc_error *vsc_read(struct vsc_target *t, uint64_t addr, void *buf, size_t len,
			   const char *label)
{
	struct vsc_error *err = t->ops->read_virt(t, addr, buf, len);

	if (err)
		return vsc_error_wrap(err, "reading %s at 0x%llx", label ? label : "memory",
				      (unsigned long long)addr);
	return NULL;
}

struct vsc_error *vsc_read_phys(struct vsc_target *t, uint64_t paddr, void *buf, size_t len,
				const char *label)
{
	struct vsc_error *err = t->ops->read_phys(t, paddr, buf, len);

	if (err)
		return vsc_error_wrap(err, "reading %s at physical 0x%llx",
				      label ? label : "memory", (unsigned long long)paddr);
	return NULL;
}

#define DEFINE_READ_INT(bits)                                                              \
	struct vsc_error *vsc_read_u##bits(struct vsc_target *t, uint64_t addr,            \
					   uint##bits##_t *out, const char *label)         \
	{                                                                                  \
		uint##bits##_t v;                                                          \
		VSC_TRY(vsc_read(t, addr, &v, sizeof(v), label));                          \
		*out = v;                                                                  \
		return NULL;                                                               \
	}
DEFINE_READ_INT(8)
DEFINE_READ_INT(16)
DEFINE_READ_INT(32)
DEFINE_READ_INT(64)

struct vsc_error *vsc_read_cstr(struct vsc_target *t, uint64_t addr, char *buf, size_t size,
				const char *label)
{
	size_t done = 0;

	if (!size)
		return NULL;
	while (done < size - 1) {
		size_t chunk = 64 - ((addr + done) & 63);

		if (chunk > size - 1 - done)
			chunk = size - 1 - done;
		VSC_TRY(vsc_read(t, addr + done, buf + done, chunk, label));
		if (memchr(buf + done, '\0', chunk))
			return NULL;
		done += chunk;
	}
	buf[size - 1] = '\0';
	return NULL;
}

struct vsc_error *vsc_virt_to_phys(struct vsc_target *t, uint64_t addr, uint64_t *paddr)
{
	return t->ops->virt_to_phys(t, addr, paddr);
}

/* ---- epochs ---- */

uint64_t vsc_target_epoch(const struct vsc_target *t)
{
	return t->epoch;
}

/*
 * Kept across a refresh, because the running kernel never changes it:
 * VMCOREINFO and what was derived from it (release, KASLR offset,
 * phys_base, paging levels), page_offset_base, the symbol table (vmlinux's
 * kallsyms or the vmlinux's), the types (BTF or DWARF) with their layouts,
 * the DWARF CFI, vmlinux's ORC table, nr_cpu_ids and __per_cpu_offset
 * (fixed at boot for every possible CPU), the diagnostics (a log of what
 * was found) and the stats.  Dropped: the blobs, the translation cache, the
 * modules (orc.c) and the online mask and panic_cpu (cpus.c).
 */
struct vsc_error *vsc_target_refresh(struct vsc_target *t)
{
	if (!t->ops || !t->ops->refresh)
		return NULL;
	VSC_TRY(t->ops->refresh(t));
	blobs_drop(t);
	memset(t->tlb, 0, sizeof(t->tlb));
	vsc_orc_state_refresh(t->orc);
	vsc_cpus_refresh(t);
	t->epoch++;
	return NULL;
}

/* ---- open ---- */

const struct vsc_target_info *vsc_target_info(const struct vsc_target *t)
{
	return &t->info;
}

const struct vsc_target_stats *vsc_target_stats(const struct vsc_target *t)
{
	return &t->stats;
}

/* The backend for the file on t->fd: /proc/kcore by its file system, a dump by its signature. */
static struct vsc_error *sniff(struct vsc_target *t, const char *path,
			       const struct vsc_target_ops **ops)
{
	unsigned char magic[16] = { 0 };
	struct stat st;
	struct statfs sfs;
	ssize_t n;

	if (fstat(t->fd, &st) < 0)
		return vsc_error_create(VSC_ERR_IO, "%s: %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return vsc_error_create(VSC_ERR_IO, "%s: is a directory, not a dump", path);
	if (fstatfs(t->fd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC) {
		*ops = &vsc_kcore_ops;
		return NULL;
	}
	if (!S_ISREG(st.st_mode))
		return vsc_error_create(VSC_ERR_IO, "%s: not a regular file (a pipe or device?), not a dump",
					path);
	t->file_size = (uint64_t)st.st_size;
	fcntl(t->fd, F_SETFL, fcntl(t->fd, F_GETFL) & ~O_NONBLOCK);
	if (S_ISREG(st.st_mode) && st.st_size == 0)
		return vsc_error_create(VSC_ERR_FORMAT, "%s: empty file, not a dump", path);
	n = pread(t->fd, magic, sizeof(magic), 0);
	if (n < 0)
		return vsc_error_create(VSC_ERR_IO, "%s: %s", path, strerror(errno));
	if (n >= 4 && !memcmp(magic, ELFMAG, SELFMAG)) {
		*ops = &vsc_elf_ops;
		return NULL;
	}
	if (n >= 8 && (!memcmp(magic, "KDUMP   ", 8) || !memcmp(magic, "DISKDUMP", 8))) {
		*ops = &vsc_kdump_ops;
		return NULL;
	}
	if (n >= 12 && !memcmp(magic, "makedumpfile", 12))
		return vsc_error_create(VSC_ERR_FORMAT,
					"%s: flattened makedumpfile format; convert it first with: "
					"makedumpfile -R %s.kdump < %s", path, path, path);
	return vsc_error_create(VSC_ERR_FORMAT,
				"%s: not a vmcore (no ELF or kdump-compressed signature)", path);
}

static struct vsc_error *load_types(struct vsc_target *t, const struct vsc_open_options *opts);

struct vsc_error *vsc_target_open(const char *path, const struct vsc_open_options *opts,
				  struct vsc_target **out)
{
	static const struct vsc_open_options defaults;
	const struct vsc_target_ops *ops = NULL;
	struct vsc_target *t;
	struct vsc_error *err = NULL;

	if (!opts)
		opts = &defaults;
	t = calloc(1, sizeof(*t));
	if (!t)
		return &vsc_error_nomem;
	t->panic_cpu = -1;
	t->s_path = strdup(path);
	t->info.path = t->s_path;
	t->info.arch = "x86_64";
	/* O_NONBLOCK: a FIFO or device must not hang the open; cleared below. */
	t->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (t->fd < 0) {
		err = vsc_error_create(VSC_ERR_IO, "%s: %s%s", path, strerror(errno),
				       errno == EACCES && !strcmp(path, "/proc/kcore") ?
				       " (reading /proc/kcore needs root)" : "");
		goto fail;
	}
	err = sniff(t, path, &ops);
	if (err)
		goto fail;
	t->ops = ops;
	t->info.format = ops->name;     /* the dump backends say what the library read */
	t->info.live = ops->live;
	err = ops->open(t, path);
	if (err)
		goto fail;

	err = vsc_target_info_from_vmcoreinfo(t);
	if (err) {
		err = vsc_error_wrap(err, "%s", path);
		goto fail;
	}

	err = t->ops->translation_init(t);
	if (err) {
		err = vsc_error_wrap(err, "%s", path);
		goto fail;
	}
	t->info.paging_levels = t->levels;

	err = vsc_kallsyms_load(t);
	if (err) {
		err = vsc_error_wrap(err, "%s: kallsyms", path);
		goto fail;
	}
	if (!t->page_offset_base) {
		uint64_t sym;

		struct vsc_error *e2 = vsc_symbol_address(t, "page_offset_base", &sym);

		/* Absent on kernels without KASLR of the direct map: the default stays. */
		if (vsc_error_is(e2, VSC_ERR_NOTFOUND)) {
			vsc_error_destroy(e2);
			e2 = NULL;
		} else if (!e2) {
			e2 = vsc_read_u64(t, sym, &t->page_offset_base, "page_offset_base");
		}
		if (e2) {
			vsc_target_diagnose(t, e2->kind, false, "could not read page_offset_base: %s; "
					    "direct-map addresses are not translated", e2->message);
			vsc_error_destroy(e2);
		}
	}
	t->info.page_offset_base = t->page_offset_base;

	err = load_types(t, opts);
	if (err) {
		err = vsc_error_wrap(err, "%s", path);
		goto fail;
	}
	t->info.unwinder = opts->unwinder;
	if (opts->unwinder == VSC_UNWINDER_CFI) {
		if (t->info.vmlinux)
			err = vsc_target_cfi(t);
		else if (opts->vmlinux)
			err = vsc_error_create(VSC_ERR_USAGE, "--unwinder=cfi reads the vmlinux, "
					       "which --types=btf leaves unused");
		else
			err = vsc_error_create(VSC_ERR_NOTFOUND,
					       "--unwinder=cfi needs a debuginfo vmlinux (--vmlinux, "
					       "or linux-image-%s-dbg installed)", t->info.release);
		if (err) {
			err = vsc_error_wrap(err, "%s", path);
			goto fail;
		}
	}
	err = vsc_cpus_init(t);
	if (err) {
		err = vsc_error_wrap(err, "%s", path);
		goto fail;
	}
	*out = t;
	return NULL;
fail:
	vsc_target_destroy(t);
	return err;
}

void vsc_target_destroy(struct vsc_target *t)
{
	if (!t)
		return;
	/* The dump first, while later allocations are live: see vsc_dumpfile_destroy(). */
	if (t->ops)
		t->ops->close(t);
	vsc_types_destroy(t->types);
	vsc_orc_state_destroy(t->orc);
	vsc_cfi_destroy(t->cfi);
	vsc_symtab_destroy(t->symtab);
	if (t->fd >= 0)
		close(t->fd);
	blobs_drop(t);
	free(t->vmcoreinfo_raw);
	free(t->vmcoreinfo_buf);
	free(t->vmcoreinfo);
	for (size_t i = 0; i < t->nr_diags; i++)
		free((char *)t->diags[i].message);
	free(t->diags);
	free(t->notes);
	free(t->per_cpu_offset);
	free(t->cpu_online);
	free(t->cpu_note);
	free(t->s_release);
	free(t->s_build_id);
	free(t->s_types);
	free(t->s_symbols);
	free(t->s_path);
	free(t->s_vmlinux);
	free(t);
}

struct vsc_error *vsc_target_cfi(struct vsc_target *t)
{
	struct vsc_error *err;

	if (t->cfi)
		return NULL;
	if (!t->info.vmlinux)
		return vsc_error_create(VSC_ERR_NOTFOUND, "no debuginfo vmlinux: no DWARF CFI");
	if (t->cfi_tried)
		return vsc_error_create(VSC_ERR_NOTFOUND, "vmlinux %s: no usable DWARF CFI",
					t->info.vmlinux);
	t->cfi_tried = true;
	err = vsc_cfi_open(t->info.vmlinux, t->info.kaslr_offset, &t->cfi);
	return err;
}

/* ---- types: DWARF from a vmlinux, else BTF from the dump ---- */

static bool file_exists(const char *p)
{
	return access(p, R_OK) == 0;
}

static char *find_vmlinux(struct vsc_target *t)
{
	char *p = NULL;
	const char *bid = t->info.build_id;

	if (bid && strlen(bid) > 2) {
		if (asprintf(&p, "/usr/lib/debug/.build-id/%.2s/%s.debug", bid, bid + 2) >= 0 &&
		    file_exists(p))
			return p;
		free(p);
	}
	if (asprintf(&p, "/usr/lib/debug/boot/vmlinux-%s", t->info.release) >= 0 && file_exists(p))
		return p;
	free(p);
	if (asprintf(&p, "/usr/lib/debug/lib/modules/%s/vmlinux", t->info.release) >= 0 &&
	    file_exists(p))
		return p;
	free(p);
	return NULL;
}

/* Is the BUILD-ID in VMCOREINFO trustworthy?  Some stable ranges wrote garbage. */
static bool build_id_plausible(const char *bid)
{
	size_t n = bid ? strlen(bid) : 0;

	if (n != 40)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789abcdef", bid[i]))
			return false;
	return true;
}

static struct vsc_error *load_btf(struct vsc_target *t)
{
	uint64_t start, stop;
	void *blob;
	struct vsc_error *err;

	if (vsc_error_consume(vsc_symbol_address(t, "__start_BTF", &start)) ||
	    vsc_error_consume(vsc_symbol_address(t, "__stop_BTF", &stop)))
		return vsc_error_create(VSC_ERR_NOTFOUND,
					"kernel %s has no BTF (__start_BTF not found); install the "
					"matching debuginfo (e.g. linux-image-%s-dbg) and pass --vmlinux",
					t->info.release, t->info.release);
	if (stop <= start || stop - start > (256u << 20))
		return vsc_error_create(VSC_ERR_CORRUPT, "implausible BTF size %llu",
					(unsigned long long)(stop - start));
	blob = malloc(stop - start);
	if (!blob)
		return &vsc_error_nomem;
	err = vsc_read(t, start, blob, stop - start, "kernel BTF (__start_BTF)");
	if (!err) {
		t->stats.types_loads++;
		err = vsc_btf_types_create(blob, stop - start, &t->types);
	}
	free(blob);
	return err;
}

static struct vsc_error *load_types(struct vsc_target *t, const struct vsc_open_options *opts)
{
	char *vmlinux = NULL;
	struct vsc_error *err;

	if (opts->types != VSC_TYPES_BTF) {
		if (opts->vmlinux)
			vmlinux = strdup(opts->vmlinux);
		else if (!opts->no_debuginfo_search)
			vmlinux = find_vmlinux(t);
	}
	if (vmlinux) {
		char *bid = NULL;

		if (!file_exists(vmlinux)) {
			err = vsc_error_create(VSC_ERR_IO, "vmlinux %s: %s", vmlinux, strerror(errno));
			free(vmlinux);
			return err;
		}
		err = vsc_elf_build_id(vmlinux, &bid);
		if (err) {
			err = vsc_error_wrap(err, "vmlinux %s", vmlinux);
			free(vmlinux);
			return err;
		}
		if (build_id_plausible(t->info.build_id) && bid && strcmp(bid, t->info.build_id) &&
		    !opts->vmlinux) {
			/* Found by name, not given: someone else's build.  Use the dump's BTF. */
			free(bid);
			free(vmlinux);
			VSC_TRY(load_btf(t));
			t->info.types_source = t->types->description;
			return NULL;
		}
		if (build_id_plausible(t->info.build_id) && bid && strcmp(bid, t->info.build_id)) {
			err = vsc_error_create(VSC_ERR_MISMATCH,
					       "vmlinux %s does not match the dump: build-id %s, "
					       "dump has %s (kernel %s)", vmlinux, bid,
					       t->info.build_id, t->info.release);
			free(bid);
			free(vmlinux);
			return err;
		}
		free(bid);
		t->stats.types_loads++;
		err = vsc_dwarf_types_create(vmlinux, &t->types);
		if (err) {
			err = vsc_error_wrap(err, "vmlinux %s", vmlinux);
			free(vmlinux);
			return err;
		}
		t->s_vmlinux = vmlinux;
		t->info.vmlinux = vmlinux;
	} else if (opts->types == VSC_TYPES_DWARF) {
		return vsc_error_create(VSC_ERR_NOTFOUND,
					"--types=dwarf: no vmlinux given and none found for %s under "
					"/usr/lib/debug (install linux-image-%s-dbg)",
					t->info.release, t->info.release);
	} else {
		VSC_TRY(load_btf(t));
	}
	t->info.types_source = t->types->description;
	return NULL;
}
