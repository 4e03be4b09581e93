// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The built-in analyzer descriptors: names and product keys unique, the ABI
 * current, and every finding kind an analyzer declares documented: in
 * vtdscope-report(1), or for an analyzer run on request (sym, type) in its
 * command's page.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <vtdscope/analyzer.h>
#include <vtdscope/report.h>

static void test_descriptors(void **state)
{
	size_t n;
	const struct vsc_analyzer *const *all = vsc_builtin_analyzers(&n);

	(void)state;
	assert_true(n >= 5);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(all[i]->abi, VSC_ANALYZER_ABI);
		assert_non_null(all[i]->run);
		assert_ptr_equal(vsc_analyzer_find(all[i]->name), all[i]);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(all[i]->name, all[j]->name);
		for (size_t p = 0; all[i]->products && all[i]->products[p]; p++)
			for (size_t j = 0; j < n; j++)
				for (size_t q = 0; all[j]->products && all[j]->products[q]; q++)
					if (i != j || p != q)
						assert_string_not_equal(all[i]->products[p]->key,
									all[j]->products[q]->key);
	}
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;

	if (!f)
		return NULL;
	if (getdelim(&buf, &len, '\0', f) < 0) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static void test_kinds_documented(void **state)
{
	const char *src = getenv("VTDSCOPE_SOURCE_DIR");
	char *path, *man = NULL;
	size_t n, kinds = 0;
	const struct vsc_analyzer *const *all = vsc_builtin_analyzers(&n);

	(void)state;
	if (!src)
		skip();
	for (size_t i = 0; i < n; i++) {
		free(man);
		assert_true(asprintf(&path, "%s/man/vtdscope-%s.1", src,
				     all[i]->on_request ? all[i]->name : "report") > 0);
		man = read_all(path);
		if (!man)
			fail_msg("%s: cannot read", path);
		free(path);
		for (size_t k = 0; all[i]->finding_kinds && all[i]->finding_kinds[k]; k++) {
			const struct vsc_finding_kind *fk = all[i]->finding_kinds[k];
			char *token;

			/* groff escapes the hyphens of an id: qi\-devtlb\-hang */
			token = malloc(2 * strlen(fk->id) + 1);
			assert_non_null(token);
			for (size_t c = 0, o = 0; (token[o] = fk->id[c]); c++, o++)
				if (fk->id[c] == '-') {
					token[o++] = '\\';
					token[o] = '-';
				}
			if (!strstr(man, token) && !strstr(man, fk->id))
				fail_msg("analyzer %s: finding kind %s is not in its man page",
					 all[i]->name, fk->id);
			assert_true(fk->severity < VSC_SEV_COUNT);
			assert_non_null(fk->summary);
			free(token);
			kinds++;
		}
	}
	assert_true(kinds >= 10);
	free(man);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_descriptors),
		cmocka_unit_test(test_kinds_documented),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
