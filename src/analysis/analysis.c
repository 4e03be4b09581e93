// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Running analyzers: ABI check, the per-run product cache, errors and target
 * diagnostics into the report, and the whole analysis sequence of a command.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include <vtdscope/analyzer.h>
#include <vtdscope/report.h>
#include <vtdscope/target.h>

#include "identity.h"
#include "products.h"

/* One product: built at most once per run and target epoch. */
struct product_slot {
	const struct vsc_product_kind *kind;
	void *value;
	bool building;                  /* a build asked for itself */
	bool built;
	enum vsc_error_kind failed_kind;
	char *failed;                   /* message of a failed build, or NULL */
	uint64_t epoch;                 /* the target's epoch when built or failed */
	unsigned int builds;
};

struct vsc_product_cache {
	struct product_slot *slots;
	size_t n, cap;
};

void vsc_analysis_init(struct vsc_analysis *a, struct vsc_target *t, struct vsc_report *rep)
{
	memset(a, 0, sizeof(*a));
	a->target = t;
	a->report = rep;
}

void vsc_analysis_deinit(struct vsc_analysis *a)
{
	struct vsc_product_cache *c = a->products;

	if (!c)
		return;
	/* Newest first: a product may borrow from one built before it. */
	for (size_t i = c->n; i-- > 0;) {
		struct product_slot *s = &c->slots[i];

		if (s->value && s->kind->destroy)
			s->kind->destroy(s->value);
		free(s->failed);
	}
	free(c->slots);
	free(c);
	a->products = NULL;
}

/* The declaration of @key: the engine's products, then each built-in analyzer's. */
static const struct vsc_product_kind *product_kind(const char *key)
{
	const struct vsc_product_kind *k = vsc_engine_product(key);
	size_t n;
	const struct vsc_analyzer *const *all = vsc_builtin_analyzers(&n);

	for (size_t i = 0; !k && i < n; i++)
		for (size_t j = 0; all[i]->products && all[i]->products[j]; j++)
			if (!strcmp(all[i]->products[j]->key, key))
				return all[i]->products[j];
	return k;
}

static struct product_slot *find_slot(const struct vsc_product_cache *c, const char *key)
{
	for (size_t i = 0; c && i < c->n; i++)
		if (!strcmp(c->slots[i].kind->key, key))
			return &c->slots[i];
	return NULL;
}

static struct vsc_error *new_slot(struct vsc_analysis *a, const struct vsc_product_kind *k,
				  size_t *idx)
{
	struct vsc_product_cache *c = a->products;

	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c)
			return &vsc_error_nomem;
		a->products = c;
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 8;
		struct product_slot *s = reallocarray(c->slots, cap, sizeof(*s));

		if (!s)
			return &vsc_error_nomem;
		c->slots = s;
		c->cap = cap;
	}
	c->slots[c->n] = (struct product_slot){ .kind = k };
	*idx = c->n++;
	return NULL;
}

/*
 * Products built (or failed) in an earlier epoch of the target describe a
 * kernel that has moved on: drop them all, newest first since a product may
 * borrow from an older one, and let the next get build them again.
 */
static void drop_stale(struct vsc_analysis *a)
{
	struct vsc_product_cache *c = a->products;
	uint64_t now = vsc_target_epoch(a->target);

	for (size_t i = c ? c->n : 0; i-- > 0;) {
		struct product_slot *s = &c->slots[i];

		if (s->building || s->epoch >= now || (!s->built && !s->failed))
			continue;
		if (s->value && s->kind->destroy)
			s->kind->destroy(s->value);
		free(s->failed);
		s->value = NULL;
		s->failed = NULL;
		s->built = false;
	}
}

void vsc_analysis_refresh(struct vsc_analysis *a)
{
	struct vsc_error *err = vsc_target_refresh(a->target);

	if (err)
		vsc_report_take_error(a->report, err, "refreshing the target");
	drop_stale(a);
}

struct vsc_error *vsc_analysis_get(struct vsc_analysis *a, const char *key, const void **out)
{
	struct product_slot *s;
	const struct vsc_product_kind *k;
	struct vsc_error *err;
	void *value = NULL;
	size_t idx;

	*out = NULL;
	drop_stale(a);
	s = find_slot(a->products, key);
	if (!s) {
		k = product_kind(key);
		if (!k)
			return vsc_error_create(VSC_ERR_NOTFOUND, "no analyzer provides \"%s\"", key);
		VSC_TRY(new_slot(a, k, &idx));
		s = &a->products->slots[idx];
	}
	if (s->building)
		return vsc_error_create(VSC_ERR_OTHER, "product \"%s\" depends on itself", key);
	if (s->failed)
		return vsc_error_create(s->failed_kind, "%s (reported once)", s->failed);
	if (s->built) {
		*out = s->value;
		return NULL;
	}
	s->building = true;
	s->builds++;
	s->epoch = vsc_target_epoch(a->target);
	idx = (size_t)(s - a->products->slots);
	err = s->kind->build(a, &value);
	s = &a->products->slots[idx];       /* the build may have grown the cache */
	s->building = false;
	if (err) {
		/* Out of memory is not remembered: nothing was learnt about the dump. */
		if (err->kind != VSC_ERR_NOMEM) {
			s->failed_kind = err->kind;
			s->failed = strdup(err->message);
		}
		return err;
	}
	s->built = true;
	s->value = value;
	*out = value;
	return NULL;
}

unsigned int vsc_analysis_builds(const struct vsc_analysis *a, const char *key)
{
	const struct product_slot *s = find_slot(a->products, key);

	return s ? s->builds : 0;
}

const struct vsc_analyzer *vsc_analyzer_find(const char *name)
{
	size_t n;
	const struct vsc_analyzer *const *all = vsc_builtin_analyzers(&n);

	for (size_t i = 0; i < n; i++)
		if (!strcmp(all[i]->name, name))
			return all[i];
	return NULL;
}

/* The target's diagnostics not yet in the report: found opening it, or by the last analyzer. */
static void report_diagnostics(struct vsc_analysis *a)
{
	const struct vsc_diagnostic *d;

	while ((d = vsc_target_diagnostic(a->target, a->diagnostics_reported))) {
		if (d->incomplete)
			vsc_report_error(a->report, d->kind, "%s", d->message);
		else
			vsc_report_warning(a->report, d->kind, "%s", d->message);
		a->diagnostics_reported++;
	}
}

void vsc_analyzer_run(const struct vsc_analyzer *an, struct vsc_analysis *a)
{
	struct vsc_error *err;

	if (an->abi != VSC_ANALYZER_ABI) {
		vsc_report_error(a->report, VSC_ERR_UNSUPPORTED,
				 "analyzer %s has ABI %u, this vtdscope speaks %u", an->name, an->abi,
				 VSC_ANALYZER_ABI);
		return;
	}
	err = an->run(a);
	if (err)
		vsc_report_take_error(a->report, err, "analyzer %s", an->name);
	report_diagnostics(a);
}

/* Every analyzer's type hints, given to the target before anything reads a type. */
static void register_type_hints(struct vsc_target *t)
{
	size_t n;
	const struct vsc_analyzer *const *all = vsc_builtin_analyzers(&n);

	for (size_t i = 0; i < n; i++)
		if (all[i]->type_hints)
			vsc_types_add_hints(t, all[i]->type_hints, all[i]->nr_type_hints);
}

void vsc_analyze(struct vsc_target *t, struct vsc_report *rep, const char *title,
		 const char *tool_version, const char *path, const char *const *names, size_t n,
		 const struct vsc_analysis_options *opts)
{
	size_t nall;
	const struct vsc_analyzer *const *all = vsc_builtin_analyzers(&nall);
	struct vsc_analysis a;

	vsc_report_set_title(rep, "%s", title);
	vsc_report_set_tool_version(rep, tool_version);
	vsc_report_set_target(rep, path);
	register_type_hints(t);
	vsc_identity_record(t, rep);
	vsc_analysis_init(&a, t, rep);
	if (opts)
		a.opts = *opts;
	for (size_t i = 0; !names && i < nall; i++)
		if (!all[i]->on_request)
			vsc_analyzer_run(all[i], &a);
	for (size_t i = 0; names && i < n; i++) {
		const struct vsc_analyzer *an = vsc_analyzer_find(names[i]);

		if (an)
			vsc_analyzer_run(an, &a);
		else
			vsc_report_error(rep, VSC_ERR_USAGE, "no analyzer named \"%s\"", names[i]);
	}
	vsc_analysis_deinit(&a);
}

enum vsc_outcome vsc_report_outcome(const struct vsc_report *rep)
{
	enum vsc_severity worst;

	if (vsc_report_worst_severity(rep, &worst) && worst >= VSC_SEV_WARNING)
		return VSC_OUTCOME_FINDINGS;
	/* No finding in an incomplete analysis is no verdict of health. */
	if (vsc_report_error_count(rep))
		return VSC_OUTCOME_INCOMPLETE;
	return VSC_OUTCOME_CLEAN;
}
