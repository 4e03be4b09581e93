// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * qspinlock (x86-64, v4.2+): lock word decode, the MCS waiter queue through
 * the per-CPU `qnodes` (v5.0+, 0fa809ca7f81; `mcs_nodes` before), and the
 * contended locks of a dump found from the CPUs' stacks.
 *
 * The lock word does not name its holder and the queue nodes do not name
 * their lock.  A CPU spinning in the slowpath is matched to a lock word by
 * candidate addresses (its registers, the words of its slowpath and caller
 * frames) whose decoded tail points at that CPU's queue node or at a chain
 * of nodes that contains it.  Holders are guessed from the other CPUs'
 * stacks.  Everything carries a confidence and its evidence as text.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vtdscope/locks.h>
#include <vtdscope/symbols.h>
#include <vtdscope/target.h>
#include <vtdscope/types.h>
#include <vtdscope/unwind.h>

#include "target_internal.h"

#define Q_TAIL_IDX_OFFSET 16
#define Q_TAIL_CPU_OFFSET 18
#define MAX_NODES 4                 /* kernel/locking/qspinlock.c */
#define MAX_FRAME_WORDS 512         /* words scanned per frame */
#define MAX_CANDIDATES 1024

/* ---- names ---- */

#define NAME_(e, name) name,
static const char *const confidence_names[] = { VSC_CONFIDENCES(NAME_) };
static const char *const waiter_role_names[] = { VSC_WAITER_ROLES(NAME_) };

const char *vsc_confidence_name(enum vsc_confidence c)
{
	return VSC_NAME_OF(confidence_names, c);
}

const char *vsc_waiter_role_name(enum vsc_waiter_role r)
{
	return VSC_NAME_OF(waiter_role_names, r);
}

static const char *const slowpaths[] = {
	"native_queued_spin_lock_slowpath", /* PV spinlocks built in, running native */
	"queued_spin_lock_slowpath",        /* !CONFIG_PARAVIRT_SPINLOCKS */
	"__pv_queued_spin_lock_slowpath",   /* KVM/Xen guests with PV spinlocks */
	NULL,
};

bool vsc_is_spin_slowpath(const char *name)
{
	for (size_t i = 0; name && slowpaths[i]; i++)
		if (!strcmp(name, slowpaths[i]))
			return true;
	return false;
}

/* The lock entry points between a slowpath and the function that takes the lock. */
static bool is_lock_function(const char *name)
{
	static const char *const prefixes[] = {
		"_raw_spin_lock", "__raw_spin_lock", "do_raw_spin_lock", "queued_spin_lock",
		"_raw_read_lock", "_raw_write_lock", "queued_read_lock", "queued_write_lock",
		"__pv_queued", "native_queued", "pv_queued",
	};

	if (!name)
		return false;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

/* ---- the word ---- */

void vsc_qspinlock_decode(uint32_t val, struct vsc_qspinlock_word *out)
{
	memset(out, 0, sizeof(*out));
	out->val = val;
	out->locked = val & 0xff;
	out->pending = (val >> 8) & 1;
	out->tail = (uint16_t)(val >> 16);
	out->tail_idx = (val >> Q_TAIL_IDX_OFFSET) & 3;
	out->tail_cpu = out->tail ? (int)(val >> Q_TAIL_CPU_OFFSET) - 1 : -1;
	out->plausible = (out->locked == 0 || out->locked == VSC_Q_LOCKED_VAL ||
			  out->locked == VSC_Q_SLOW_VAL) &&
			 ((val >> 8) & 0xff) <= 1 && (!out->tail || out->tail_cpu >= 0);
}

uint16_t vsc_qspinlock_encode_tail(unsigned int cpu, unsigned int idx)
{
	return (uint16_t)((((cpu + 1) << Q_TAIL_CPU_OFFSET) | (idx << Q_TAIL_IDX_OFFSET)) >> 16);
}

void vsc_qspinlock_format(const struct vsc_qspinlock_word *w, char *buf, size_t size)
{
	const char *locked = w->locked == 0 ? "unlocked"
			     : w->locked == VSC_Q_LOCKED_VAL ? "locked"
			     : w->locked == VSC_Q_SLOW_VAL ? "locked (slow: PV queue head halted)"
							    : "locked byte invalid";
	int n = snprintf(buf, size, "0x%08" PRIx32 ": %s%s", w->val, locked,
			 w->pending ? ", pending" : "");

	if (n < 0 || (size_t)n >= size)
		return;
	if (w->tail)
		snprintf(buf + n, size - (size_t)n, ", tail: CPU %d node %u", w->tail_cpu,
			 w->tail_idx);
	else
		snprintf(buf + n, size - (size_t)n, ", no queue");
}

/* ---- evidence ---- */

static void ev_add(struct vsc_evidence *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void ev_add(struct vsc_evidence *e, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	char **nl;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s)
		return;
	nl = realloc(e->lines, (e->nr + 1) * sizeof(*nl));
	if (!nl) {
		free(s);
		return;
	}
	e->lines = nl;
	e->lines[e->nr++] = s;
}

static void ev_free(struct vsc_evidence *e)
{
	for (size_t i = 0; i < e->nr; i++)
		free(e->lines[i]);
	free(e->lines);
	e->lines = NULL;
	e->nr = 0;
}

/* ---- queue nodes ---- */

struct cpu_nodes {
	bool valid;
	uint64_t base;          /* &qnodes[0] on this CPU */
	uint32_t count;         /* qnodes[0].mcs.count, clamped to MAX_NODES */
	uint32_t raw_count;
	uint64_t next[MAX_NODES];
	int32_t locked[MAX_NODES];
};

struct qnodes {
	bool ok;
	char why[160];
	uint64_t node_size;
	unsigned int nr_cpus;
	struct cpu_nodes *cpu;
	/* in-use nodes sorted by next, for predecessor lookups */
	struct link { uint64_t next, node; } *links;
	size_t nr_links;
};

static int cmp_link(const void *a, const void *b)
{
	const struct link *x = a, *y = b;

	return x->next < y->next ? -1 : x->next > y->next;
}

static void qnodes_free(struct qnodes *q)
{
	free(q->cpu);
	free(q->links);
	memset(q, 0, sizeof(*q));
}

static uint64_t node_addr(const struct qnodes *q, unsigned int cpu, unsigned int idx)
{
	return q->cpu[cpu].base + idx * q->node_size;
}

/* CPU and index of a node address; false if it is no queue node. */
static bool node_owner(const struct qnodes *q, uint64_t addr, unsigned int *cpu, unsigned int *idx)
{
	for (unsigned int c = 0; c < q->nr_cpus; c++) {
		uint64_t d = addr - q->cpu[c].base;

		if (q->cpu[c].valid && d < MAX_NODES * q->node_size && !(d % q->node_size)) {
			*cpu = c;
			*idx = (unsigned int)(d / q->node_size);
			return true;
		}
	}
	return false;
}

static struct vsc_error *qnodes_load(struct vsc_target *t, struct qnodes *q)
{
	struct vsc_layout_field f[] = {
		{ .type = "struct qnode" },
		{ .type = "struct mcs_spinlock", .member = "next" },
		{ .type = "struct mcs_spinlock", .member = "locked" },
		{ .type = "struct mcs_spinlock", .member = "count" },
	};
	/* struct mcs_spinlock { next; int locked; int count; } where the types say nothing */
	struct vsc_member_info next = { .offset = 0, .size = 8 }, locked = { .offset = 8, .size = 4 },
			       count = { .offset = 12, .size = 4 };
	uint64_t sym;
	struct vsc_error *err;

	memset(q, 0, sizeof(*q));
	err = vsc_symbol_address(t, "qnodes", &sym);
	if (err) {
		/* v4.2-v4.20 called them mcs_nodes (struct mcs_spinlock, 16 bytes) */
		vsc_error_destroy(err);
		err = vsc_symbol_address(t, "mcs_nodes", &sym);
		if (err) {
			vsc_error_destroy(err);
			snprintf(q->why, sizeof(q->why),
				 "per-CPU queue nodes (qnodes) not in the symbol table "
				 "(kernel without CONFIG_KALLSYMS_ALL?)");
			return NULL;
		}
		f[0].type = "struct mcs_spinlock";
	}
	err = vsc_layout_resolve(t, f, sizeof(f) / sizeof(f[0]));
	if (err == &vsc_error_nomem)
		return err;
	vsc_error_destroy(err);
	if (f[0].present && f[0].info.size >= 16 && f[0].info.size <= 256) {
		q->node_size = f[0].info.size;
	} else {
		/* struct qnode: mcs_spinlock + long reserved[2] with PV spinlocks */
		q->node_size = vsc_symbol_exists(t, "__pv_queued_spin_lock_slowpath") ? 32 : 16;
	}
	if (f[1].present)
		next = f[1].info;
	if (f[2].present)
		locked = f[2].info;
	if (f[3].present)
		count = f[3].info;
	q->nr_cpus = vsc_nr_cpus(t);
	q->cpu = calloc(q->nr_cpus ? q->nr_cpus : 1, sizeof(*q->cpu));
	q->links = calloc((size_t)(q->nr_cpus ? q->nr_cpus : 1) * MAX_NODES, sizeof(*q->links));
	if (!q->cpu || !q->links) {
		qnodes_free(q);
		return &vsc_error_nomem;
	}
	for (unsigned int c = 0; c < q->nr_cpus; c++) {
		struct cpu_nodes *cn = &q->cpu[c];
		unsigned char buf[MAX_NODES * 256];
		uint64_t size, v;

		/* Not only online CPUs: after a panic the stopped ones are marked offline. */
		err = vsc_per_cpu_addr(t, sym, c, &cn->base);
		if (!err)
			err = vsc_read(t, cn->base, buf, MAX_NODES * q->node_size, "qnodes");
		if (err) {
			vsc_error_destroy(err);
			continue;
		}
		cn->valid = true;
		size = MAX_NODES * q->node_size;
		vsc_member_value(buf, size, 0, &count, &v);
		cn->raw_count = (uint32_t)v;
		cn->count = cn->raw_count > MAX_NODES ? MAX_NODES : cn->raw_count;
		for (unsigned int i = 0; i < MAX_NODES; i++) {
			vsc_member_value(buf, size, i * q->node_size, &next, &cn->next[i]);
			vsc_member_value(buf, size, i * q->node_size, &locked, &v);
			cn->locked[i] = (int32_t)(uint32_t)v;
			if (i < cn->count && cn->next[i])
				q->links[q->nr_links++] = (struct link){ cn->next[i], cn->base + i * q->node_size };
		}
	}
	if (q->nr_links > 1)	/* qsort(NULL, 0, ...) is undefined */
		qsort(q->links, q->nr_links, sizeof(*q->links), cmp_link);
	q->ok = true;
	return NULL;
}

/* The in-use node whose next is @node, or 0. */
static uint64_t node_pred(const struct qnodes *q, uint64_t node)
{
	size_t lo = 0, hi = q->nr_links;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (q->links[mid].next < node)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < q->nr_links && q->links[lo].next == node ? q->links[lo].node : 0;
}

static bool node_in_use(const struct qnodes *q, unsigned int cpu, unsigned int idx)
{
	return cpu < q->nr_cpus && q->cpu[cpu].valid && idx < q->cpu[cpu].count;
}

/* Build the queue of @l from its tail back to the head. */
static struct vsc_error *queue_walk(const struct qnodes *q, struct vsc_qspinlock *l)
{
	uint64_t node, *chain;
	size_t n = 0, bound;
	unsigned int cpu, idx;

	l->chain_complete = false;
	if (!l->word.tail)
		return NULL;
	if (!q->ok) {
		snprintf(l->note, sizeof(l->note), "%s", q->why);
		return NULL;
	}
	if ((unsigned int)l->word.tail_cpu >= q->nr_cpus || !q->cpu[l->word.tail_cpu].valid) {
		snprintf(l->note, sizeof(l->note), "tail names CPU %d, which has no readable "
			 "queue nodes", l->word.tail_cpu);
		return NULL;
	}
	if (!node_in_use(q, (unsigned int)l->word.tail_cpu, l->word.tail_idx))
		snprintf(l->note, sizeof(l->note), "tail node (CPU %d node %u) is not in use "
			 "by its CPU's count: stale tail or a waiter leaving", l->word.tail_cpu,
			 l->word.tail_idx);
	/* Each step goes to a distinct in-use node, so more steps than links is a cycle. */
	bound = q->nr_links + 1;
	chain = malloc(bound * sizeof(*chain));
	if (!chain)
		return &vsc_error_nomem;
	node = node_addr(q, (unsigned int)l->word.tail_cpu, l->word.tail_idx);
	while (node && n < bound) {
		chain[n++] = node;
		node = node_pred(q, node);
	}
	if (node)
		snprintf(l->note, sizeof(l->note), "queue nodes form a cycle");
	l->chain_complete = !node;
	l->waiters = calloc(n, sizeof(*l->waiters));
	if (!l->waiters) {
		free(chain);
		return &vsc_error_nomem;
	}
	/* chain[] is tail first: the queue is its reverse. */
	for (size_t i = 0; i < n; i++) {
		struct vsc_lock_waiter *w = &l->waiters[l->nr_waiters];

		if (!node_owner(q, chain[n - 1 - i], &cpu, &idx))
			continue;
		w->cpu = cpu;
		w->node_idx = (int)idx;
		w->node = chain[n - 1 - i];
		w->role = l->nr_waiters == 0 ? VSC_WAITER_HEAD : VSC_WAITER_QUEUED;
		l->nr_waiters++;
	}
	free(chain);
	return NULL;
}

static struct vsc_error *qspinlock_read_with(struct vsc_target *t, const struct qnodes *q,
					     uint64_t addr, struct vsc_qspinlock *out)
{
	struct vsc_qspinlock l = { .addr = addr };
	uint32_t val;
	struct vsc_error *err;

	VSC_TRY(vsc_read_u32(t, addr, &val, "qspinlock word"));
	vsc_qspinlock_decode(val, &l.word);
	err = queue_walk(q, &l);
	if (err) {
		vsc_qspinlock_deinit(&l);
		return err;
	}
	*out = l;
	return NULL;
}

struct vsc_error *vsc_qspinlock_read(struct vsc_target *t, uint64_t addr,
				     struct vsc_qspinlock *out)
{
	struct qnodes q;
	struct vsc_error *err;

	VSC_TRY(qnodes_load(t, &q));
	err = qspinlock_read_with(t, &q, addr, out);
	qnodes_free(&q);
	return err;
}

void vsc_qspinlock_deinit(struct vsc_qspinlock *l)
{
	if (!l)
		return;
	free(l->waiters);
	l->waiters = NULL;
	l->nr_waiters = 0;
}

/* ---- contended locks ---- */

struct cpu_stack {
	bool ok;
	const struct vsc_stack *st;     /* the caller's (opts->stacks) or own */
	struct vsc_stack own;
};

struct cand {
	uint64_t addr;
	int score;              /* 0 reject, 1 low, 2 medium, 3 high */
	char where[112];
	char why[200];
	struct vsc_qspinlock_word w;
};

/* One slowpath frame on one CPU. */
struct spin {
	struct vsc_lock_spinner sp;
	long idx;               /* index of the slowpath frame in the CPU's frames[] */
	struct cand best;
	uint64_t chain_tail;    /* last node of its MCS chain when the lock is unknown */
	size_t group;
};

struct analysis {
	struct vsc_target *t;
	const struct vsc_locks_options *opts;
	struct qnodes q;
	struct cpu_stack *cs;
	unsigned int nr_cpus;
	struct spin *spins;
	size_t nr_spins;
	bool tas;               /* virt_spin_lock(): test-and-set, no queue */
	uint64_t *chain_key;    /* per report lock: chain end of an unidentified lock */
};

static enum vsc_confidence conf_of(int score)
{
	return score >= 3 ? VSC_CONF_HIGH : score == 2 ? VSC_CONF_MEDIUM : VSC_CONF_LOW;
}

/* A kernel-half address: above 0xffff800000000000 with 4-level paging, 0xff00000000000000 with 5. */
static bool plausible_lock_addr(struct vsc_target *t, uint64_t v)
{
	uint64_t kernel_half = vsc_target_info(t)->paging_levels == 5 ? 0xff00000000000000ULL
								       : 0xffff800000000000ULL;

	return v >= kernel_half && !(v & 3) && v != 0xffffffffffffffffULL;
}

/* Does the MCS chain ending at @tail_node contain @node? */
static bool chain_has(const struct qnodes *q, uint64_t tail_node, uint64_t node)
{
	for (size_t n = 0; tail_node && n <= q->nr_links; n++) {
		if (tail_node == node)
			return true;
		tail_node = node_pred(q, tail_node);
	}
	return false;
}

/* Where a candidate address came from. */
enum cand_src {
	SRC_STACK,              /* a word of the slowpath's or its callers' frames */
	SRC_REG_EXACT,          /* a register while the CPU was in the slowpath itself */
	SRC_REG_SAVED,          /* a callee-saved register at an inner interruption */
};

/* Score the candidate lock address @c->addr for CPU @cpu waiting with node @idx. */
static void cand_eval(struct analysis *a, unsigned int cpu, int idx, enum cand_src src,
		      struct cand *c)
{
	uint32_t val;
	struct vsc_error *err;
	const struct qnodes *q = &a->q;

	c->score = 0;
	if (!plausible_lock_addr(a->t, c->addr))
		return;
	err = vsc_read_u32(a->t, c->addr, &val, "candidate lock word");
	if (err) {
		vsc_error_destroy(err);
		return;
	}
	vsc_qspinlock_decode(val, &c->w);
	if (a->tas && !val) {
		/* Test-and-set spinners retry: the lock may be free at the dump instant.  Only a
		 * lock the caller knows by name (a unit's q_lock) is believed then. */
		for (size_t i = 0; a->opts && i < a->opts->nr_names; i++) {
			if (a->opts->names[i].addr == c->addr) {
				c->score = 2;
				snprintf(c->why, sizeof(c->why), "%s points at %s, free at the instant "
					 "of the dump: test-and-set spinners (virt_spin_lock) retry, "
					 "so the word changes hands", src == SRC_REG_EXACT ?
					 "the slowpath's own register" : "its frame", a->opts->names[i].name);
				return;
			}
		}
		return;
	}
	if (!c->w.plausible || !val)
		return;
	if (a->tas) {
		/* No queue to prove anything: a locked word the slowpath is holding on to. */
		if (c->w.locked && !c->w.pending && !c->w.tail) {
			bool known = false;

			/* A lock the caller knows by name (e.g. a unit's q_lock) beats any other word. */
			for (size_t i = 0; a->opts && i < a->opts->nr_names; i++)
				known |= a->opts->names[i].addr == c->addr;
			c->score = (src == SRC_REG_EXACT ? 2 : 1) + (known ? 1 : 0);
			snprintf(c->why, sizeof(c->why), "%s points at a locked word%s; this guest "
				 "uses test-and-set spinning (virt_spin_lock), so there is no queue "
				 "to confirm it", src == SRC_REG_EXACT ? "the slowpath's own register"
								      : "its frame",
				 known ? " that is a known lock" : "");
		}
		return;
	}
	if (idx >= 0 && q->ok) {
		uint64_t mine = node_addr(q, cpu, (unsigned int)idx);

		if (c->w.tail == vsc_qspinlock_encode_tail(cpu, (unsigned int)idx)) {
			c->score = 3;
			snprintf(c->why, sizeof(c->why),
				 "the lock's tail is CPU %u's queue node qnodes[%d]", cpu, idx);
		} else if (c->w.tail && (unsigned int)c->w.tail_cpu < q->nr_cpus &&
			   q->cpu[c->w.tail_cpu].valid &&
			   chain_has(q, node_addr(q, (unsigned int)c->w.tail_cpu, c->w.tail_idx),
				     mine)) {
			c->score = 3;
			snprintf(c->why, sizeof(c->why),
				 "CPU %u's queue node qnodes[%d] is in the MCS chain that ends at "
				 "the lock's tail (CPU %d node %u)", cpu, idx, c->w.tail_cpu,
				 c->w.tail_idx);
		}
		return;
	}
	if (c->w.locked && c->w.pending) {
		c->score = 2;
		snprintf(c->why, sizeof(c->why),
			 "the word is locked with the pending bit set and CPU %u has no queue node "
			 "in use: it is the pending waiter", cpu);
	} else if (c->w.locked) {
		c->score = 1;
		snprintf(c->why, sizeof(c->why), "the word is a plausible locked qspinlock");
	}
}

static void consider(struct analysis *a, unsigned int cpu, int idx, uint64_t v,
		     enum cand_src src, const char *where, struct cand *best, uint64_t *seen,
		     size_t *nseen)
{
	struct cand c = { .addr = v };

	for (size_t i = 0; i < *nseen; i++)
		if (seen[i] == v)
			return;
	if (*nseen < MAX_CANDIDATES)
		seen[(*nseen)++] = v;
	cand_eval(a, cpu, idx, src, &c);
	if (c.score > best->score) {
		snprintf(c.where, sizeof(c.where), "%s", where);
		*best = c;
	}
}

/* Frame number as `bt` prints it: markers are not counted. */
static long frame_no(const struct vsc_stack *st, size_t i)
{
	long n = 0;

	for (size_t k = 0; k < i && k < st->nr_frames; k++)
		n += st->frames[k].kind != VSC_FRAME_MARKER;
	return n;
}

static const char *frame_name(const struct vsc_frame *f)
{
	return f->symbol ? f->symbol : "?";
}

/* Index of the first frame past the lock functions after @i, or -1. */
static long caller_frame(const struct vsc_stack *st, long i)
{
	for (size_t k = (size_t)i + 1; k < st->nr_frames; k++) {
		const struct vsc_frame *f = &st->frames[k];

		if (f->kind == VSC_FRAME_MARKER)
			continue;
		if (!is_lock_function(f->symbol))
			return (long)k;
	}
	return -1;
}

/* Stack words of frame @k: [sp, next frame's sp), bounded. */
static size_t frame_words(struct vsc_target *t, const struct vsc_stack *st, size_t k,
			  uint64_t *buf, size_t max, uint64_t *start)
{
	uint64_t lo = st->frames[k].sp, hi = 0;
	size_t n;
	struct vsc_error *err;

	for (size_t j = k + 1; j < st->nr_frames; j++)
		if (st->frames[j].kind != VSC_FRAME_MARKER) {
			if (st->frames[j].stack == st->frames[k].stack)
				hi = st->frames[j].sp;
			break;
		}
	if (!hi || hi <= lo || (hi - lo) / 8 > max)
		hi = lo + 8 * (hi > lo ? max : 32);
	if ((lo & 7) || !plausible_lock_addr(t, lo))
		return 0;
	n = (size_t)((hi - lo) / 8);
	/* read page by page so that a missing page does not lose the rest */
	for (size_t done = 0; done < n;) {
		uint64_t addr = lo + 8 * done;
		size_t chunk = (size_t)((4096 - (addr & 4095)) / 8);

		if (chunk > n - done)
			chunk = n - done;
		err = vsc_read(t, addr, buf + done, chunk * 8, "stack words");
		if (err) {
			vsc_error_destroy(err);
			n = done;
			break;
		}
		done += chunk;
	}
	*start = lo;
	return n;
}

static void regs_words(const struct vsc_regs *r, bool callee_saved_only, uint64_t *v,
		       const char **names, size_t *n)
{
	static const char *const all[] = { "RDI", "RBX", "R12", "R13", "R14", "R15", "RBP",
					   "RSI", "RDX", "RCX", "RAX", "R8", "R9", "R10", "R11" };
	uint64_t vals[] = { r->di, r->bx, r->r12, r->r13, r->r14, r->r15, r->bp,
			    r->si, r->dx, r->cx, r->ax, r->r8, r->r9, r->r10, r->r11 };
	size_t lim = callee_saved_only ? 7 : 15;

	*n = 0;
	for (size_t i = callee_saved_only ? 1 : 0; i < lim; i++) {
		v[*n] = vals[i];
		names[(*n)++] = all[i];
	}
}

static void find_lock_for(struct analysis *a, struct spin *s)
{
	const struct vsc_stack *st = a->cs[s->sp.cpu].st;
	long i = s->idx, j = -1, caller = caller_frame(st, i);
	uint64_t seen[MAX_CANDIDATES], words[MAX_FRAME_WORDS], v[16];
	const char *names[16];
	size_t nseen = 0, n;
	char where[112];

	memset(&s->best, 0, sizeof(s->best));
	/* registers: of the slowpath itself if it was interrupted right there */
	for (long k = i; k >= 0; k--)
		if (st->frames[k].kind == VSC_FRAME_EXCEPTION) {
			j = k;
			break;
		}
	if (j >= 0 && st->frames[j].regs_kind == VSC_REGS_FULL) {
		regs_words(&st->frames[j].regs, j != i, v, names, &n);
		for (size_t r = 0; r < n; r++) {
			if (j == i)
				snprintf(where, sizeof(where), "%s in %s", names[r],
					 frame_name(&st->frames[i]));
			else
				snprintf(where, sizeof(where), "%s (callee-saved) at %s", names[r],
					 frame_name(&st->frames[j]));
			consider(a, s->sp.cpu, s->sp.node_idx, v[r],
				 j == i ? SRC_REG_EXACT : SRC_REG_SAVED, where, &s->best, seen, &nseen);
		}
	}
	/* words of the slowpath frame, the lock wrappers and the caller's frame */
	for (long k = i; k >= 0 && (size_t)k < st->nr_frames && (caller < 0 || k <= caller); k++) {
		uint64_t start;

		if (st->frames[k].kind == VSC_FRAME_MARKER)
			continue;
		n = frame_words(a->t, st, (size_t)k, words, MAX_FRAME_WORDS, &start);
		for (size_t w = 0; w < n; w++) {
			snprintf(where, sizeof(where), "stack word at 0x%" PRIx64 " in %s's frame",
				 start + 8 * w, frame_name(&st->frames[k]));
			consider(a, s->sp.cpu, s->sp.node_idx, words[w], SRC_STACK, where, &s->best,
				 seen, &nseen);
		}
		if (caller < 0)
			break;
	}
	if (!s->best.score && s->sp.node_idx >= 0 && a->q.ok) {
		/* Unknown lock: remember where its queue ends, to group waiters. */
		uint64_t node = node_addr(&a->q, s->sp.cpu, (unsigned int)s->sp.node_idx);
		unsigned int c, x;

		for (size_t steps = 0; steps <= a->q.nr_links; steps++) {
			uint64_t next = node_owner(&a->q, node, &c, &x) ? a->q.cpu[c].next[x] : 0;

			if (!next || !node_owner(&a->q, next, &c, &x) || !node_in_use(&a->q, c, x))
				break;
			node = next;
		}
		s->chain_tail = node;
	}
}

static void collect_spins(struct analysis *a)
{
	size_t cap = 0;

	for (unsigned int c = 0; c < a->nr_cpus; c++) {
		const struct vsc_stack *st = a->cs[c].st;
		int depth = 0;

		if (!a->cs[c].ok)
			continue;
		for (size_t i = 0; i < st->nr_frames; i++) {
			const struct vsc_frame *f = &st->frames[i];
			struct spin *s;

			if (f->kind == VSC_FRAME_MARKER || !vsc_is_spin_slowpath(f->symbol))
				continue;
			if (a->nr_spins == cap) {
				size_t ncap = cap ? cap * 2 : 8;
				struct spin *ns = realloc(a->spins, ncap * sizeof(*ns));

				if (!ns)
					return;
				a->spins = ns;
				cap = ncap;
			}
			s = &a->spins[a->nr_spins++];
			memset(s, 0, sizeof(*s));
			s->sp.cpu = c;
			s->idx = (long)i;
			s->sp.frame = frame_no(st, i);
			s->sp.slowpath = f->symbol;
			/* An exception frame above it, other than the dump's own registers. */
			for (size_t k = 0, first = 1; k <= i; k++) {
				if (st->frames[k].kind == VSC_FRAME_MARKER)
					continue;
				if (!first && st->frames[k].kind == VSC_FRAME_EXCEPTION)
					s->sp.interrupted = true;
				first = 0;
			}
			{
				long k = caller_frame(st, (long)i);

				if (k >= 0) {
					s->sp.caller = st->frames[k].symbol;
					s->sp.caller_module = st->frames[k].module;
				}
			}
			/* Nodes are taken innermost-last: the n-th slowpath from the top uses count-1-n. */
			s->sp.node_idx = -1;
			if (a->q.ok && a->q.cpu[c].valid && (int)a->q.cpu[c].count - 1 - depth >= 0)
				s->sp.node_idx = (int)a->q.cpu[c].count - 1 - depth;
			if (a->tas) {
				s->sp.node_idx = -1;
				s->sp.role = VSC_WAITER_TAS;
			} else {
				s->sp.role = s->sp.node_idx >= 0 ? VSC_WAITER_QUEUED
								 : VSC_WAITER_PENDING;
			}
			depth++;
		}
	}
}

static void lock_name(struct analysis *a, struct vsc_contended_lock *l)
{
	struct vsc_symbol s;
	uint64_t off;

	if (a->opts)
		for (size_t i = 0; i < a->opts->nr_names; i++)
			if (a->opts->names[i].addr == l->addr && a->opts->names[i].name) {
				snprintf(l->name, sizeof(l->name), "%s", a->opts->names[i].name);
				l->name_source = "caller";
				return;
			}
	if (vsc_symbol_by_addr(a->t, l->addr, &s, &off) && s.name && strchr("dDbBrRvV?", s.type)) {
		if (off)
			snprintf(l->name, sizeof(l->name), "%s+0x%" PRIx64, s.name, off);
		else
			snprintf(l->name, sizeof(l->name), "%s", s.name);
		l->name_source = "kallsyms";
	}
}

static bool add_spinner(struct vsc_contended_lock *l, const struct vsc_lock_spinner *sp)
{
	struct vsc_lock_spinner *ns = realloc(l->spinners, (l->nr_spinners + 1) * sizeof(*ns));

	if (!ns)
		return false;
	l->spinners = ns;
	l->spinners[l->nr_spinners++] = *sp;
	return true;
}

static bool is_spinner_of(const struct vsc_contended_lock *l, unsigned int cpu)
{
	for (size_t i = 0; i < l->nr_spinners; i++)
		if (l->spinners[i].cpu == cpu)
			return true;
	return false;
}

static long queue_pos(const struct vsc_contended_lock *l, const struct vsc_lock_spinner *sp)
{
	for (size_t i = 0; i < l->lock.nr_waiters; i++)
		if (l->lock.waiters[i].cpu == sp->cpu && l->lock.waiters[i].node_idx == sp->node_idx)
			return (long)i;
	return -1;
}

static int cmp_spinner(const void *x, const void *y, void *arg)
{
	const struct vsc_contended_lock *l = arg;
	const struct vsc_lock_spinner *a = x, *b = y;
	long pa = a->role == VSC_WAITER_PENDING ? -1 : queue_pos(l, a);
	long pb = b->role == VSC_WAITER_PENDING ? -1 : queue_pos(l, b);

	/* pending first, then queue order, then the ones not found in the queue */
	if (pa == -1 && a->role != VSC_WAITER_PENDING)
		pa = 1L << 30;
	if (pb == -1 && b->role != VSC_WAITER_PENDING)
		pb = 1L << 30;
	if (pa != pb)
		return pa < pb ? -1 : 1;
	return a->cpu < b->cpu ? -1 : a->cpu > b->cpu;
}

static int cmp_holder(const void *x, const void *y)
{
	const struct vsc_lock_holder *a = x, *b = y;

	if (a->confidence != b->confidence)
		return a->confidence > b->confidence ? -1 : 1;
	return a->cpu < b->cpu ? -1 : a->cpu > b->cpu;
}

/* The register of a full register set that holds @v, or NULL. */
static const char *reg_holding(const struct vsc_regs *r, uint64_t v)
{
	uint64_t vals[] = { r->di, r->bx, r->r12, r->r13, r->r14, r->r15, r->bp,
			    r->si, r->dx, r->cx, r->ax, r->r8, r->r9, r->r10, r->r11 };
	static const char *const names[] = { "RDI", "RBX", "R12", "R13", "R14", "R15", "RBP",
					     "RSI", "RDX", "RCX", "RAX", "R8", "R9", "R10",
					     "R11" };

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
		if (vals[i] == v)
			return names[i];
	return NULL;
}

/*
 * The same source function: GCC splits and clones keep the name before the
 * first '.' (qi_submit_sync.cold, nmi_handle.part.0, foo.isra.0).
 */
static bool same_function(const char *a, const char *b)
{
	size_t la, lb;

	if (!a || !b)
		return false;
	la = strcspn(a, ".");
	lb = strcspn(b, ".");
	return la == lb && !strncmp(a, b, la);
}

/* Is @addr inside one of the stack's saved pt_regs (reported as registers instead)? */
static bool in_pt_regs(const struct vsc_stack *st, uint64_t addr)
{
	for (size_t i = 0; i < st->nr_frames; i++)
		if (st->frames[i].regs_addr && addr - st->frames[i].regs_addr < 21 * 8)
			return true;
	return false;
}

static void find_holders(struct analysis *a, struct vsc_contended_lock *l)
{
	const char *callers[64];
	size_t nc = 0;

	for (size_t i = 0; i < l->nr_spinners && nc < 64; i++) {
		bool dup = false;

		if (!l->spinners[i].caller)
			continue;
		for (size_t k = 0; k < nc; k++)
			dup |= !strcmp(callers[k], l->spinners[i].caller);
		if (!dup)
			callers[nc++] = l->spinners[i].caller;
	}
	for (unsigned int c = 0; c < a->nr_cpus; c++) {
		const struct vsc_stack *st = a->cs[c].st;
		struct vsc_lock_holder h = { .cpu = (int)c };
		long func = -1, word_frame = -1;
		uint64_t word_addr = 0, words[MAX_FRAME_WORDS];
		const char *reg = NULL;
		int score = 0;

		if (!a->cs[c].ok || is_spinner_of(l, c))
			continue;
		for (size_t i = 0; i < st->nr_frames && func < 0; i++)
			for (size_t k = 0; k < nc; k++)
				if (st->frames[i].kind != VSC_FRAME_MARKER &&
				    same_function(st->frames[i].symbol, callers[k]))
					func = (long)i;
		if (l->addr) {
			for (size_t i = 0; i < st->nr_frames && !reg; i++)
				if (st->frames[i].kind == VSC_FRAME_EXCEPTION &&
				    st->frames[i].regs_kind == VSC_REGS_FULL)
					reg = reg_holding(&st->frames[i].regs, l->addr);
			for (size_t i = 0; i < st->nr_frames && word_frame < 0; i++) {
				uint64_t start;
				size_t n;

				if (st->frames[i].kind == VSC_FRAME_MARKER)
					continue;
				n = frame_words(a->t, st, i, words, MAX_FRAME_WORDS, &start);
				for (size_t w = 0; w < n; w++) {
					if (words[w] != l->addr || in_pt_regs(st, start + 8 * w))
						continue;
					word_frame = (long)i;
					word_addr = start + 8 * w;
					break;
				}
			}
		}
		if (func < 0 && word_frame < 0 && !reg)
			continue;
		if (func >= 0) {
			const struct vsc_frame *f = &st->frames[func];

			h.function = f->symbol;
			score += 2;
			ev_add(&h.evidence,
			       "CPU %u is in %s+0x%" PRIx64 " (frame #%ld), the function the waiters "
			       "take this lock from, and is not waiting for it", c, f->symbol,
			       f->offset, frame_no(st, (size_t)func));
		}
		if (word_frame >= 0) {
			score += 1;
			ev_add(&h.evidence, "the lock address is on CPU %u's stack at 0x%" PRIx64
			       " (frame #%ld, %s)", c, word_addr, frame_no(st, (size_t)word_frame),
			       frame_name(&st->frames[word_frame]));
		}
		if (reg) {
			score += 1;
			ev_add(&h.evidence, "CPU %u's %s holds the lock address where it was "
			       "interrupted", c, reg);
		}
		if (st->nr_frames && vsc_is_spin_slowpath(st->frames[0].symbol))
			ev_add(&h.evidence, "CPU %u itself spins on another lock: a lock-order "
			       "deadlock is possible", c);
		h.confidence = score >= 3 ? VSC_CONF_HIGH : score == 2 ? VSC_CONF_MEDIUM
								   : VSC_CONF_LOW;
		{
			struct vsc_lock_holder *nh = realloc(l->holders,
							     (l->nr_holders + 1) * sizeof(*nh));

			if (!nh) {
				ev_free(&h.evidence);
				return;
			}
			l->holders = nh;
			l->holders[l->nr_holders++] = h;
		}
	}
	if (l->nr_holders > 1)	/* qsort(NULL, 0, ...) is undefined */
		qsort(l->holders, l->nr_holders, sizeof(*l->holders), cmp_holder);
}

static struct vsc_contended_lock *new_lock(struct vsc_locks_report *r)
{
	struct vsc_contended_lock *nl = realloc(r->locks, (r->nr_locks + 1) * sizeof(*nl));

	if (!nl)
		return NULL;
	r->locks = nl;
	memset(&nl[r->nr_locks], 0, sizeof(*nl));
	return &nl[r->nr_locks++];
}

/* " (interrupted: innermost context on the NMI stack)" or "" */
static const char *interrupted_text(const struct analysis *a, const struct spin *s)
{
	static const char *const texts[] = {
#define VSC_X_(e, json, kname) " (interrupted: innermost context on the " kname " stack)",
		VSC_STACK_KINDS(VSC_X_)
#undef VSC_X_
	};
	const struct vsc_stack *st = a->cs[s->sp.cpu].st;

	if (!s->sp.interrupted)
		return "";
	for (size_t i = 0; i < st->nr_frames; i++)
		if (st->frames[i].kind != VSC_FRAME_MARKER)
			return (unsigned int)st->frames[i].stack < VSC_STACK_KIND_COUNT
				       ? texts[st->frames[i].stack] : " (interrupted)";
	return " (interrupted)";
}

static struct vsc_error *build_locks(struct analysis *a, struct vsc_locks_report *r)
{
	char buf[160];

	/* every lock comes from at least one slowpath frame: nr_locks <= nr_spins */
	a->chain_key = calloc(a->nr_spins + 1, sizeof(*a->chain_key));
	if (!a->chain_key)
		return &vsc_error_nomem;

	/* Identified locks first, by address. */
	for (size_t i = 0; i < a->nr_spins; i++) {
		struct spin *s = &a->spins[i];
		struct vsc_contended_lock *l = NULL;

		if (!s->best.score)
			continue;
		for (size_t k = 0; k < r->nr_locks && !l; k++)
			if (r->locks[k].addr == s->best.addr)
				l = &r->locks[k];
		if (!l) {
			struct vsc_error *err;

			l = new_lock(r);
			if (!l)
				return &vsc_error_nomem;
			l->addr = s->best.addr;
			err = qspinlock_read_with(a->t, &a->q, l->addr, &l->lock);
			if (err == &vsc_error_nomem)
				return err;
			if (err) {
				ev_add(&l->evidence, "reading the lock word: %s", err->message);
				vsc_error_destroy(err);
			}
			lock_name(a, l);
			vsc_qspinlock_format(&l->lock.word, buf, sizeof(buf));
			ev_add(&l->evidence, "lock word %s", buf);
		}
		if (!add_spinner(l, &s->sp))
			return &vsc_error_nomem;
		if (l->nr_spinners == 1 || conf_of(s->best.score) > l->confidence)
			l->confidence = conf_of(s->best.score);
		ev_add(&l->evidence, "CPU %u spins in %s%s; address from %s: %s", s->sp.cpu,
		       s->sp.slowpath, interrupted_text(a, s), s->best.where, s->best.why);
	}
	/* Several CPUs that independently point at the same word make it much more likely. */
	for (size_t k = 0; k < r->nr_locks; k++) {
		struct vsc_contended_lock *l = &r->locks[k];
		unsigned int agree = 0;

		for (size_t i = 0; i < a->nr_spins; i++)
			agree += a->spins[i].best.score >= 2 && a->spins[i].best.addr == l->addr;
		if (agree >= 2 && l->confidence < VSC_CONF_HIGH) {
			l->confidence = VSC_CONF_HIGH;
			ev_add(&l->evidence, "%u spinning CPUs independently point at this word",
			       agree);
		}
	}
	/* Queued CPUs whose lock we did not see in their frames but whose node is in a queue. */
	for (size_t i = 0; i < a->nr_spins; i++) {
		struct spin *s = &a->spins[i];

		if (s->best.score)
			continue;
		for (size_t k = 0; k < r->nr_locks; k++) {
			struct vsc_contended_lock *l = &r->locks[k];

			if (s->sp.node_idx >= 0 && queue_pos(l, &s->sp) >= 0) {
				if (!add_spinner(l, &s->sp))
					return &vsc_error_nomem;
				s->best.score = -1; /* placed */
				ev_add(&l->evidence, "CPU %u spins in %s and its queue node qnodes[%d] "
				       "is in this lock's queue", s->sp.cpu, s->sp.slowpath,
				       s->sp.node_idx);
				break;
			}
		}
	}
	/* Waiters found only through the queue (no slowpath frame seen). */
	for (size_t k = 0; k < r->nr_locks; k++) {
		struct vsc_contended_lock *l = &r->locks[k];

		for (size_t w = 0; w < l->lock.nr_waiters; w++) {
			const struct vsc_lock_waiter *wt = &l->lock.waiters[w];
			bool listed = false;

			for (size_t i = 0; i < l->nr_spinners; i++)
				listed |= l->spinners[i].cpu == wt->cpu &&
					  l->spinners[i].node_idx == wt->node_idx;
			if (listed)
				continue;
			if (!add_spinner(l, &(struct vsc_lock_spinner){ .cpu = wt->cpu, .frame = -1,
									.role = wt->role,
									.node_idx = wt->node_idx }))
				return &vsc_error_nomem;
			ev_add(&l->evidence, "CPU %u is in the lock's queue (node %d) but its stack "
			       "shows no slowpath frame", wt->cpu, wt->node_idx);
		}
	}
	/* Spinners whose lock could not be identified: one entry per MCS chain. */
	for (size_t i = 0; i < a->nr_spins; i++) {
		struct spin *s = &a->spins[i];
		struct vsc_contended_lock *l = NULL;

		if (s->best.score)
			continue;
		/* Unidentified locks are keyed by the last node of their chain. */
		for (size_t k = 0; k < r->nr_locks && !l && s->chain_tail; k++)
			if (!r->locks[k].addr && a->chain_key[k] == s->chain_tail)
				l = &r->locks[k];
		if (!l) {
			l = new_lock(r);
			if (!l)
				return &vsc_error_nomem;
			a->chain_key[r->nr_locks - 1] = s->chain_tail;
			l->confidence = VSC_CONF_LOW;
			if (s->chain_tail) {
				unsigned int c, x;

				if (node_owner(&a->q, s->chain_tail, &c, &x))
					ev_add(&l->evidence, "lock word not found; the waiters' MCS chain "
					       "ends at CPU %u node %u, so the lock's tail reads 0x%04x",
					       c, x, vsc_qspinlock_encode_tail(c, x));
			} else {
				ev_add(&l->evidence, "lock word not found in the registers or frames "
				       "of CPU %u", s->sp.cpu);
			}
		}
		if (!add_spinner(l, &s->sp))
			return &vsc_error_nomem;
		ev_add(&l->evidence, "CPU %u spins in %s%s", s->sp.cpu, s->sp.slowpath,
		       interrupted_text(a, s));
	}
	for (size_t k = 0; k < r->nr_locks; k++) {
		struct vsc_contended_lock *l = &r->locks[k];

		for (size_t i = 0; i < l->nr_spinners; i++) {
			long p = queue_pos(l, &l->spinners[i]);

			if (p >= 0)
				l->spinners[i].role = l->lock.waiters[p].role;
		}
		qsort_r(l->spinners, l->nr_spinners, sizeof(*l->spinners), cmp_spinner, l);
		if (l->addr && l->lock.note[0])
			ev_add(&l->evidence, "queue: %s", l->lock.note);
		if (l->addr && !l->lock.word.locked)
			ev_add(&l->evidence, "the lock was free at dump time (a waiter was about to "
			       "take it)");
		find_holders(a, l);
		/* A holder candidate in the same function that also has the address: corroborated. */
		if (l->addr && l->confidence == VSC_CONF_MEDIUM && l->nr_holders &&
		    l->holders[0].confidence == VSC_CONF_HIGH) {
			l->confidence = VSC_CONF_HIGH;
			ev_add(&l->evidence, "CPU %d, in the same function and not spinning, also "
			       "holds this address", l->holders[0].cpu);
		}
		if (l->addr && l->lock.word.locked && !l->nr_holders)
			ev_add(&l->evidence, "no CPU shows signs of holding it: the holder may be a "
			       "preempted task, or the lock was never released");
	}
	return NULL;
}

/* virt_spin_lock_key (static_key_true, enabled at 0): test-and-set spinning in guests. */
static bool virt_tas(struct vsc_target *t)
{
	uint64_t key, enabled;
	struct vsc_member_info mi = { .offset = 0, .size = 4 }; /* atomic_t enabled */
	struct vsc_error *err = vsc_symbol_address(t, "virt_spin_lock_key", &key);

	if (err) {
		vsc_error_destroy(err);
		return false;
	}
	vsc_error_destroy(vsc_member(t, "struct static_key", "enabled", &mi));
	err = vsc_read_member(t, key, &mi, &enabled, "virt_spin_lock_key");
	vsc_error_destroy(err);
	return !err && (int32_t)enabled > 0;
}

struct vsc_error *vsc_locks_analyze(struct vsc_target *t, const struct vsc_locks_options *opts,
				    struct vsc_locks_report *out)
{
	struct analysis a = { .t = t, .opts = opts, .nr_cpus = vsc_nr_cpus(t) };
	struct vsc_locks_report r = { 0 };
	struct vsc_error *err;

	a.cs = calloc(a.nr_cpus ? a.nr_cpus : 1, sizeof(*a.cs));
	if (!a.cs)
		return &vsc_error_nomem;
	err = qnodes_load(t, &a.q);
	if (err)
		goto out;
	if (!a.q.ok)
		ev_add(&r.notes, "%s: waiter queues cannot be walked", a.q.why);
	a.tas = r.test_and_set = virt_tas(t);
	if (a.tas)
		ev_add(&r.notes, "virt_spin_lock_key is on (a guest without paravirtual "
		       "spinlocks): spinlocks are test-and-set, waiters are not queued and "
		       "have no order");
	for (unsigned int c = 0; c < a.nr_cpus; c++) {
		const struct vsc_error *why;

		if (opts && opts->stacks && c < opts->nr_stacks) {
			why = opts->stack_errors ? opts->stack_errors[c] : NULL;
			a.cs[c].st = &opts->stacks[c];
		} else {
			err = vsc_unwind_cpu(t, c, &a.cs[c].own);
			if (err == &vsc_error_nomem)
				goto out;
			why = err;
			a.cs[c].st = &a.cs[c].own;
		}
		if (why) {
			if (vsc_cpu_online(t, c))
				ev_add(&r.notes, "CPU %u: %s", c, why->message);
			vsc_error_destroy(err);
			err = NULL;
			continue;
		}
		a.cs[c].ok = true;
		r.cpus_unwound++;
	}
	collect_spins(&a);
	for (size_t i = 0; i < a.nr_spins; i++)
		find_lock_for(&a, &a.spins[i]);
	err = build_locks(&a, &r);
out:
	for (unsigned int c = 0; c < a.nr_cpus; c++)
		vsc_stack_deinit(&a.cs[c].own);
	free(a.cs);
	free(a.spins);
	free(a.chain_key);
	qnodes_free(&a.q);
	if (err) {
		vsc_locks_report_deinit(&r);
		return err;
	}
	*out = r;
	return NULL;
}

void vsc_locks_report_deinit(struct vsc_locks_report *r)
{
	if (!r)
		return;
	for (size_t k = 0; k < r->nr_locks; k++) {
		struct vsc_contended_lock *l = &r->locks[k];

		ev_free(&l->evidence);
		vsc_qspinlock_deinit(&l->lock);
		free(l->spinners);
		for (size_t h = 0; h < l->nr_holders; h++)
			ev_free(&l->holders[h].evidence);
		free(l->holders);
	}
	free(r->locks);
	ev_free(&r->notes);
	memset(r, 0, sizeof(*r));
}
