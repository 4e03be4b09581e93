// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The engine's products, built once per run for every analyzer: all CPUs'
 * stacks (unwinding is the costly part of a report) and the decoded log.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include <vtdscope/analyzer.h>
#include <vtdscope/printk.h>
#include <vtdscope/target.h>
#include <vtdscope/unwind.h>

#include "products.h"

static void stacks_destroy(void *p)
{
	struct vsc_cpu_stacks *cs = p;

	for (unsigned int i = 0; i < cs->nr_cpus; i++) {
		vsc_stack_deinit(&cs->stacks[i]);
		vsc_error_destroy(cs->errors[i]);
	}
	free(cs->stacks);
	free(cs->errors);
	free(cs);
}

static struct vsc_error *stacks_build(struct vsc_analysis *a, void **out)
{
	unsigned int n = vsc_nr_cpus(a->target);
	struct vsc_cpu_stacks *cs = calloc(1, sizeof(*cs));

	if (!cs)
		return &vsc_error_nomem;
	cs->stacks = calloc(n ? n : 1, sizeof(*cs->stacks));
	cs->errors = calloc(n ? n : 1, sizeof(*cs->errors));
	if (!cs->stacks || !cs->errors) {
		stacks_destroy(cs);
		return &vsc_error_nomem;
	}
	cs->nr_cpus = n;
	for (unsigned int c = 0; c < n; c++) {
		struct vsc_error *err = vsc_unwind_cpu(a->target, c, &cs->stacks[c]);

		if (err && err->kind == VSC_ERR_NOMEM) {
			stacks_destroy(cs);
			return err;
		}
		cs->errors[c] = err;
		cs->nr_unwound += !err;
	}
	*out = cs;
	return NULL;
}

static const struct vsc_product_kind stacks_product = {
	.key = VSC_PRODUCT_STACKS,
	.build = stacks_build,
	.destroy = stacks_destroy,
};

struct log_copy {
	struct vsc_log_records *lr;
	size_t cap;
	bool oom;
};

static int log_copy_cb(void *arg, const struct vsc_log_record *rec)
{
	struct log_copy *lc = arg;
	struct vsc_log_records *lr = lc->lr;
	char *text;

	if (lr->nr == lc->cap) {
		size_t cap = lc->cap ? 2 * lc->cap : 1024;
		struct vsc_log_record *r = reallocarray(lr->records, cap, sizeof(*r));

		if (!r)
			goto oom;
		lr->records = r;
		lc->cap = cap;
	}
	/* all text_len bytes, NULs included: readers go by text_len (found by fuzzing) */
	text = malloc(rec->text_len + 1);
	if (!text)
		goto oom;
	memcpy(text, rec->text, rec->text_len);
	text[rec->text_len] = '\0';
	lr->records[lr->nr] = *rec;
	lr->records[lr->nr].text = text;
	lr->nr++;
	return 0;
oom:
	lc->oom = true;
	return 1;
}

static void log_destroy(void *p)
{
	struct vsc_log_records *lr = p;

	for (size_t i = 0; i < lr->nr; i++)
		free((char *)lr->records[i].text);
	free(lr->records);
	vsc_error_destroy(lr->error);
	free(lr);
}

/* A log that cannot be read in full is still a product: lr->error says what is missing. */
static struct vsc_error *log_build(struct vsc_analysis *a, void **out)
{
	struct vsc_log_records *lr = calloc(1, sizeof(*lr));
	struct log_copy lc = { .lr = lr };

	if (!lr)
		return &vsc_error_nomem;
	lr->error = vsc_log_foreach(a->target, log_copy_cb, &lc);
	if (lc.oom || (lr->error && lr->error->kind == VSC_ERR_NOMEM)) {
		log_destroy(lr);
		return &vsc_error_nomem;
	}
	*out = lr;
	return NULL;
}

static const struct vsc_product_kind log_product = {
	.key = VSC_PRODUCT_LOG,
	.build = log_build,
	.destroy = log_destroy,
};

const struct vsc_product_kind *vsc_engine_product(const char *key)
{
	static const struct vsc_product_kind *const all[] = { &stacks_product, &log_product };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (!strcmp(all[i]->key, key))
			return all[i];
	return NULL;
}
