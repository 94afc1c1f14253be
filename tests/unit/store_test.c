// SPDX-License-Identifier: GPL-2.0
/*
 * store_test: svcsyncd's object cache (userspace/svcsyncd/store.c): which
 * changes mark which Service dirty, slices joining and leaving Services by
 * label, relists removing only what the new list lacks, resourceVersion
 * shortcuts, garbage collection of empty entries.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "store.h"

static char *dup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static struct k8s_service svc(const char *ns, const char *name, const char *rv)
{
	struct k8s_service s = {0};

	s.meta.namespace = dup(ns);
	s.meta.name = dup(name);
	s.meta.resource_version = dup(rv);
	s.cluster_ip = dup("10.96.0.10");
	return s;
}

static struct k8s_endpoint_slice slice(const char *ns, const char *name, const char *owner,
				       const char *rv)
{
	struct k8s_endpoint_slice s = {0};

	s.meta.namespace = dup(ns);
	s.meta.name = dup(name);
	s.meta.resource_version = dup(rv);
	s.service_name = dup(owner);
	s.address_type = K8S_IPV4;
	return s;
}

/* "key:nslices key:nslices ..." of the dirty entries, sorted; frees the list */
static const char *dirty(struct store *st)
{
	static char out[512];
	struct store_entry **v;
	char *keys[32];
	size_t n;

	v = store_take_dirty(st, &n);
	assert_true(n < 32);
	for (size_t i = 0; i < n; i++) {
		keys[i] = malloc(300);
		snprintf(keys[i], 300, "%s:%zu%s", v[i]->key, v[i]->n_slices,
			 v[i]->svc ? "" : "(no svc)");
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (strcmp(keys[i], keys[j]) > 0) {
				char *t = keys[i];

				keys[i] = keys[j];
				keys[j] = t;
			}
	out[0] = 0;
	for (size_t i = 0; i < n; i++) {
		strcat(out, i ? " " : "");
		strcat(out, keys[i]);
		free(keys[i]);
	}
	for (size_t i = 0; i < n; i++)
		store_entry_gc(st, v[i]);
	free(v);
	return out;
}

static void service_and_slices_meet(void **state)
{
	struct store *st = store_new();
	struct k8s_service s = svc("ns", "web", "1");
	struct k8s_endpoint_slice a = slice("ns", "web-a", "web", "2");
	struct k8s_endpoint_slice b = slice("ns", "web-b", "web", "3");
	struct k8s_endpoint_slice c = slice("other", "web-c", "web", "4");

	(void)state;
	store_upsert_slice(st, &a, 1);	/* a slice before its Service */
	assert_string_equal(dirty(st), "ns/web:1(no svc)");
	store_upsert_service(st, &s, 2);
	store_upsert_slice(st, &b, 3);
	store_upsert_slice(st, &c, 4);	/* same service name, other namespace */
	assert_string_equal(dirty(st), "ns/web:2 other/web:1(no svc)");
	assert_int_equal(store_count(st, STORE_SERVICES), 1);
	assert_int_equal(store_count(st, STORE_SLICES), 3);
	store_remove_slice(st, "ns", "web-a", 5);
	assert_string_equal(dirty(st), "ns/web:1");
	store_remove_slice(st, "ns", "nosuch", 6);
	assert_string_equal(dirty(st), "");
	store_free(st);
}

static void slice_changes_owner(void **state)
{
	struct store *st = store_new();
	struct k8s_service s1 = svc("ns", "one", "1"), s2 = svc("ns", "two", "2");
	struct k8s_endpoint_slice a = slice("ns", "x", "one", "3");
	struct k8s_endpoint_slice a2 = slice("ns", "x", "two", "4");
	struct k8s_endpoint_slice a3 = slice("ns", "x", NULL, "5");

	(void)state;
	store_upsert_service(st, &s1, 1);
	store_upsert_service(st, &s2, 1);
	store_upsert_slice(st, &a, 1);
	assert_string_equal(dirty(st), "ns/one:1 ns/two:0");
	/* the label now names the other Service: both change */
	store_upsert_slice(st, &a2, 2);
	assert_string_equal(dirty(st), "ns/one:0 ns/two:1");
	/* no label: kube-proxy ignores the slice */
	store_upsert_slice(st, &a3, 3);
	assert_string_equal(dirty(st), "ns/two:0");
	store_free(st);
}

static void relist_removes_only_what_is_gone(void **state)
{
	struct store *st = store_new();
	struct k8s_service s1 = svc("ns", "keep", "1"), s2 = svc("ns", "gone", "2");
	struct k8s_service s1b = svc("ns", "keep", "1");
	struct k8s_endpoint_slice a = slice("ns", "keep-a", "keep", "3");
	struct k8s_endpoint_slice b = slice("ns", "gone-a", "gone", "4");

	(void)state;
	store_list_begin(st, STORE_SERVICES);
	store_upsert_service(st, &s1, 1);
	store_upsert_service(st, &s2, 1);
	store_list_end(st, STORE_SERVICES, 1);
	store_list_begin(st, STORE_SLICES);
	store_upsert_slice(st, &a, 1);
	store_upsert_slice(st, &b, 1);
	store_list_end(st, STORE_SLICES, 1);
	dirty(st);

	/* a relist (410): "keep" comes again at the same resourceVersion */
	store_list_begin(st, STORE_SERVICES);
	assert_true(store_has_version(st, STORE_SERVICES, "ns", "keep", "1"));
	assert_false(store_has_version(st, STORE_SERVICES, "ns", "keep", "9"));
	assert_false(store_has_version(st, STORE_SERVICES, "ns", "nosuch", "1"));
	store_list_end(st, STORE_SERVICES, 2);
	assert_string_equal(dirty(st), "ns/gone:1(no svc)");
	assert_int_equal(store_count(st, STORE_SERVICES), 1);

	store_list_begin(st, STORE_SLICES);
	assert_true(store_has_version(st, STORE_SLICES, "ns", "keep-a", "3"));
	store_list_end(st, STORE_SLICES, 3);
	assert_string_equal(dirty(st), "ns/gone:0(no svc)");
	assert_int_equal(store_count(st, STORE_SLICES), 1);

	/* an upsert at a new version marks dirty again */
	store_list_begin(st, STORE_SERVICES);
	s1b.meta.resource_version[0] = '7';
	store_upsert_service(st, &s1b, 4);
	store_list_end(st, STORE_SERVICES, 4);
	assert_string_equal(dirty(st), "ns/keep:1");
	store_free(st);
}

static void node_and_cidrs_make_config_dirty(void **state)
{
	struct store *st = store_new();
	struct k8s_node n = {0};
	struct k8s_service_cidr c = {0}, c2 = {0};
	size_t count;

	(void)state;
	assert_true(store_take_config_dirty(st));	/* the first sync sets it */
	assert_false(store_config_dirty(st));
	n.meta.name = dup("node1");
	store_upsert_node(st, &n);
	assert_true(store_take_config_dirty(st));
	assert_string_equal(store_node(st)->meta.name, "node1");
	c.meta.name = dup("kubernetes");
	c.meta.resource_version = dup("5");
	store_list_begin(st, STORE_SERVICE_CIDRS);
	store_upsert_cidr(st, &c);
	store_list_end(st, STORE_SERVICE_CIDRS, 1);
	assert_true(store_take_config_dirty(st));
	assert_non_null(store_cidrs(st, &count));
	assert_int_equal(count, 1);
	/* a relist without it removes it */
	store_list_begin(st, STORE_SERVICE_CIDRS);
	c2.meta.name = dup("other");
	store_upsert_cidr(st, &c2);
	store_list_end(st, STORE_SERVICE_CIDRS, 2);
	store_cidrs(st, &count);
	assert_int_equal(count, 1);
	assert_string_equal(store_cidrs(st, &count)[0]->meta.name, "other");
	assert_true(store_take_config_dirty(st));
	store_list_begin(st, STORE_NODES);
	store_list_end(st, STORE_NODES, 3);
	assert_null(store_node(st));
	assert_true(store_take_config_dirty(st));
	store_free(st);
}

static void gc_keeps_entries_with_names(void **state)
{
	struct store *st = store_new();
	struct k8s_service s = svc("ns", "web", "1");
	struct store_entry **v;
	size_t n;

	(void)state;
	store_upsert_service(st, &s, 1);
	v = store_take_dirty(st, &n);
	assert_int_equal(n, 1);
	v[0]->names = calloc(1, sizeof(char *));
	v[0]->names[0] = strdup("ns/web:http");
	v[0]->n_names = 1;
	free(v);
	store_remove_service(st, "ns", "web", 2);
	v = store_take_dirty(st, &n);
	assert_int_equal(n, 1);
	store_entry_gc(st, v[0]);	/* still has a svcvip service: kept */
	assert_int_equal(v[0]->n_names, 1);
	free(v[0]->names[0]);
	free(v[0]->names);
	v[0]->names = NULL;
	v[0]->n_names = 0;
	store_entry_gc(st, v[0]);	/* now it goes (ASan: no leak, no use) */
	free(v);
	store_mark_all(st, 3);
	assert_int_equal(store_dirty_count(st), 0);
	store_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(service_and_slices_meet),
		cmocka_unit_test(slice_changes_owner),
		cmocka_unit_test(relist_removes_only_what_is_gone),
		cmocka_unit_test(node_and_cidrs_make_config_dirty),
		cmocka_unit_test(gc_keeps_entries_with_names),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
