// SPDX-License-Identifier: GPL-2.0
/* store.c: the cache of watched Kubernetes objects (see store.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/linkhash.h>

#include "log.h"
#include "store.h"

struct store {
	struct lh_table *entries;	/* key → struct store_entry */
	struct lh_table *slices;	/* key → struct store_slice */
	struct lh_table *cidrs;		/* name → struct k8s_service_cidr */
	struct k8s_node *node;
	uint32_t gen[STORE_KINDS];	/* list generation */
	bool node_seen;
	const struct k8s_service_cidr **cidr_vec;	/* store_cidrs() */
	struct store_entry **dirty;
	size_t n_dirty, cap_dirty;
	bool config_dirty;
};

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p) {
		svc_log(SVC_LOG_ERR, "out of memory");
		abort();	/* a cache that silently lost an object is worse */
	}
	return p;
}

static char *make_key(const char *ns, const char *name)
{
	size_t len = strlen(ns ? ns : "") + strlen(name) + 2;
	char *k = xcalloc(1, len);

	snprintf(k, len, "%s/%s", ns ? ns : "", name);
	return k;
}

static void entry_free(struct store_entry *e)
{
	if (e->svc) {
		k8s_service_free(e->svc);
		free(e->svc);
	}
	for (size_t i = 0; i < e->n_names; i++)
		free(e->names[i]);
	free(e->names);
	free(e->slices);
	free(e->key);
	free(e);
}

static void entry_lh_free(struct lh_entry *ent)
{
	entry_free(lh_entry_v(ent));
}

static void slice_lh_free(struct lh_entry *ent)
{
	struct store_slice *s = lh_entry_v(ent);

	k8s_endpoint_slice_free(&s->slice);
	free(s->key);
	free(s);
}

/* a ServiceCIDR with the list generation that last saw it */
struct store_cidr {
	struct k8s_service_cidr c;	/* first: store_cidrs() hands it out */
	uint32_t seen;
};

static void cidr_lh_free(struct lh_entry *ent)
{
	struct store_cidr *c = lh_entry_v(ent);

	k8s_service_cidr_free(&c->c);
	free(c);
}

struct store *store_new(void)
{
	struct store *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	/* lh keys are borrowed from the values (e->key, s->key) */
	st->entries = lh_kchar_table_new(1024, entry_lh_free);
	st->slices = lh_kchar_table_new(1024, slice_lh_free);
	st->cidrs = lh_kchar_table_new(16, cidr_lh_free);
	if (!st->entries || !st->slices || !st->cidrs) {
		store_free(st);
		return NULL;
	}
	st->config_dirty = true;	/* the first sync sets the config */
	return st;
}

void store_free(struct store *st)
{
	if (!st)
		return;
	/* slices point at entries: free them first */
	if (st->slices)
		lh_table_free(st->slices);
	if (st->entries)
		lh_table_free(st->entries);
	if (st->cidrs)
		lh_table_free(st->cidrs);
	if (st->node) {
		k8s_node_free(st->node);
		free(st->node);
	}
	free(st->cidr_vec);
	free(st->dirty);
	free(st);
}

void store_mark_dirty(struct store *st, struct store_entry *e, uint64_t now_ns)
{
	if (e->dirty)
		return;
	if (st->n_dirty == st->cap_dirty) {
		size_t cap = st->cap_dirty ? 2 * st->cap_dirty : 64;
		struct store_entry **v = realloc(st->dirty, cap * sizeof(*v));

		if (!v) {
			svc_log(SVC_LOG_ERR, "out of memory");
			abort();
		}
		st->dirty = v;
		st->cap_dirty = cap;
	}
	st->dirty[st->n_dirty++] = e;
	e->dirty = true;
	e->dirty_since_ns = now_ns;
}

static struct store_entry *entry_get(struct store *st, const char *ns, const char *name)
{
	char *key = make_key(ns, name);
	struct store_entry *e;
	void *v;

	if (lh_table_lookup_ex(st->entries, key, &v)) {
		free(key);
		return v;
	}
	e = xcalloc(1, sizeof(*e));
	e->key = key;
	if (lh_table_insert(st->entries, e->key, e)) {
		svc_log(SVC_LOG_ERR, "out of memory");
		abort();
	}
	return e;
}

static struct store_entry *entry_find(struct store *st, const char *ns, const char *name)
{
	char *key = make_key(ns, name);
	void *v = NULL;

	lh_table_lookup_ex(st->entries, key, &v);
	free(key);
	return v;
}

void store_upsert_service(struct store *st, struct k8s_service *svc, uint64_t now_ns)
{
	struct store_entry *e = entry_get(st, svc->meta.namespace, svc->meta.name);

	if (!e->svc)
		e->svc = xcalloc(1, sizeof(*e->svc));
	else
		k8s_service_free(e->svc);
	*e->svc = *svc;
	memset(svc, 0, sizeof(*svc));
	e->seen = st->gen[STORE_SERVICES];
	store_mark_dirty(st, e, now_ns);
}

void store_remove_service(struct store *st, const char *ns, const char *name, uint64_t now_ns)
{
	struct store_entry *e = entry_find(st, ns, name);

	if (!e || !e->svc)
		return;
	k8s_service_free(e->svc);
	free(e->svc);
	e->svc = NULL;
	store_mark_dirty(st, e, now_ns);
}

static void slice_detach(struct store *st, struct store_slice *s, uint64_t now_ns)
{
	struct store_entry *e = s->owner;

	if (!e)
		return;
	for (size_t i = 0; i < e->n_slices; i++) {
		if (e->slices[i] == s) {
			e->slices[i] = e->slices[--e->n_slices];
			break;
		}
	}
	s->owner = NULL;
	store_mark_dirty(st, e, now_ns);
}

static void slice_attach(struct store *st, struct store_slice *s, uint64_t now_ns)
{
	const char *svc = s->slice.service_name;
	struct store_entry *e;

	/* kube-proxy ignores a slice without service name or namespace */
	if (!svc || !*svc || !s->slice.meta.namespace || !*s->slice.meta.namespace)
		return;
	e = entry_get(st, s->slice.meta.namespace, svc);
	if (e->n_slices == e->cap_slices) {
		size_t cap = e->cap_slices ? 2 * e->cap_slices : 2;
		struct store_slice **v = realloc(e->slices, cap * sizeof(*v));

		if (!v) {
			svc_log(SVC_LOG_ERR, "out of memory");
			abort();
		}
		e->slices = v;
		e->cap_slices = cap;
	}
	e->slices[e->n_slices++] = s;
	s->owner = e;
	store_mark_dirty(st, e, now_ns);
}

void store_upsert_slice(struct store *st, struct k8s_endpoint_slice *slice, uint64_t now_ns)
{
	char *key = make_key(slice->meta.namespace, slice->meta.name);
	struct store_slice *s;
	void *v;

	if (lh_table_lookup_ex(st->slices, key, &v)) {
		s = v;
		free(key);
		slice_detach(st, s, now_ns);
		k8s_endpoint_slice_free(&s->slice);
	} else {
		s = xcalloc(1, sizeof(*s));
		s->key = key;
		if (lh_table_insert(st->slices, s->key, s)) {
			svc_log(SVC_LOG_ERR, "out of memory");
			abort();
		}
	}
	s->slice = *slice;
	memset(slice, 0, sizeof(*slice));
	s->seen = st->gen[STORE_SLICES];
	slice_attach(st, s, now_ns);
}

void store_remove_slice(struct store *st, const char *ns, const char *name, uint64_t now_ns)
{
	char *key = make_key(ns, name);
	struct lh_entry *ent = lh_table_lookup_entry(st->slices, key);

	free(key);
	if (!ent)
		return;
	slice_detach(st, lh_entry_v(ent), now_ns);
	lh_table_delete_entry(st->slices, ent);
}

void store_upsert_node(struct store *st, struct k8s_node *node)
{
	if (st->node)
		k8s_node_free(st->node);
	else
		st->node = xcalloc(1, sizeof(*st->node));
	*st->node = *node;
	memset(node, 0, sizeof(*node));
	st->node_seen = true;
	st->config_dirty = true;
}

void store_remove_node(struct store *st)
{
	if (!st->node)
		return;
	k8s_node_free(st->node);
	free(st->node);
	st->node = NULL;
	st->config_dirty = true;
}

void store_upsert_cidr(struct store *st, struct k8s_service_cidr *cidr)
{
	struct store_cidr *c;

	if (!cidr->meta.name)
		return;
	c = xcalloc(1, sizeof(*c));
	c->c = *cidr;
	memset(cidr, 0, sizeof(*cidr));
	c->seen = st->gen[STORE_SERVICE_CIDRS];
	lh_table_delete(st->cidrs, c->c.meta.name);
	/* the key is borrowed from the value */
	if (lh_table_insert(st->cidrs, c->c.meta.name, c)) {
		svc_log(SVC_LOG_ERR, "out of memory");
		abort();
	}
	st->config_dirty = true;
}

void store_remove_cidr(struct store *st, const char *name)
{
	if (lh_table_delete(st->cidrs, name) == 0)
		st->config_dirty = true;
}

bool store_has_version(struct store *st, enum store_kind kind, const char *ns,
		       const char *name, const char *rv)
{
	const char *have = NULL;
	char *key;
	void *v;

	if (!rv || !*rv || !name)
		return false;
	switch (kind) {
	case STORE_SERVICES: {
		struct store_entry *e = entry_find(st, ns, name);

		if (e && e->svc)
			have = e->svc->meta.resource_version;
		break;
	}
	case STORE_SLICES:
		key = make_key(ns, name);
		if (lh_table_lookup_ex(st->slices, key, &v))
			have = ((struct store_slice *)v)->slice.meta.resource_version;
		free(key);
		break;
	case STORE_NODES:
		if (st->node)
			have = st->node->meta.resource_version;
		break;
	case STORE_SERVICE_CIDRS:
		if (lh_table_lookup_ex(st->cidrs, name, &v))
			have = ((struct store_cidr *)v)->c.meta.resource_version;
		break;
	default:
		break;
	}
	if (!have || strcmp(have, rv))
		return false;
	/* unchanged, but seen by this list */
	switch (kind) {
	case STORE_SERVICES:
		entry_find(st, ns, name)->seen = st->gen[kind];
		break;
	case STORE_SLICES:
		key = make_key(ns, name);
		if (lh_table_lookup_ex(st->slices, key, &v))
			((struct store_slice *)v)->seen = st->gen[kind];
		free(key);
		break;
	case STORE_NODES:
		st->node_seen = true;
		break;
	case STORE_SERVICE_CIDRS:
		if (lh_table_lookup_ex(st->cidrs, name, &v))
			((struct store_cidr *)v)->seen = st->gen[kind];
		break;
	default:
		break;
	}
	return true;
}

void store_list_begin(struct store *st, enum store_kind kind)
{
	st->gen[kind]++;
	if (kind == STORE_NODES)
		st->node_seen = false;
}

void store_list_end(struct store *st, enum store_kind kind, uint64_t now_ns)
{
	struct lh_entry *ent, *next;
	uint32_t gen = st->gen[kind];

	switch (kind) {
	case STORE_SERVICES:
		lh_foreach_safe(st->entries, ent, next) {
			struct store_entry *e = lh_entry_v(ent);

			if (e->svc && e->seen != gen) {
				k8s_service_free(e->svc);
				free(e->svc);
				e->svc = NULL;
				store_mark_dirty(st, e, now_ns);
			}
		}
		break;
	case STORE_SLICES:
		lh_foreach_safe(st->slices, ent, next) {
			struct store_slice *s = lh_entry_v(ent);

			if (s->seen != gen) {
				slice_detach(st, s, now_ns);
				lh_table_delete_entry(st->slices, ent);
			}
		}
		break;
	case STORE_NODES:
		if (!st->node_seen)
			store_remove_node(st);
		break;
	case STORE_SERVICE_CIDRS:
		lh_foreach_safe(st->cidrs, ent, next) {
			if (((struct store_cidr *)lh_entry_v(ent))->seen != gen) {
				lh_table_delete_entry(st->cidrs, ent);
				st->config_dirty = true;
			}
		}
		break;
	default:
		break;
	}
}

struct store_entry **store_take_dirty(struct store *st, size_t *n)
{
	struct store_entry **v = st->dirty;

	*n = st->n_dirty;
	for (size_t i = 0; i < st->n_dirty; i++)
		v[i]->dirty = false;
	st->dirty = NULL;
	st->n_dirty = st->cap_dirty = 0;
	return v;
}

void store_mark_all(struct store *st, uint64_t now_ns)
{
	struct lh_entry *ent;

	lh_foreach(st->entries, ent)
		store_mark_dirty(st, lh_entry_v(ent), now_ns);
}

void store_entry_gc(struct store *st, struct store_entry *e)
{
	if (e->svc || e->n_slices || e->n_names || e->dirty)
		return;
	lh_table_delete(st->entries, e->key);
}

const struct k8s_node *store_node(const struct store *st)
{
	return st->node;
}

const struct k8s_service_cidr *const *store_cidrs(struct store *st, size_t *n)
{
	struct lh_entry *ent;
	size_t k = 0;

	*n = (size_t)lh_table_length(st->cidrs);
	free(st->cidr_vec);
	st->cidr_vec = xcalloc(*n + 1, sizeof(*st->cidr_vec));
	lh_foreach(st->cidrs, ent)
		st->cidr_vec[k++] = &((struct store_cidr *)lh_entry_v(ent))->c;
	return st->cidr_vec;
}

bool store_config_dirty(const struct store *st)
{
	return st->config_dirty;
}

bool store_take_config_dirty(struct store *st)
{
	bool d = st->config_dirty;

	st->config_dirty = false;
	return d;
}

size_t store_count(const struct store *st, enum store_kind kind)
{
	struct lh_entry *ent;
	size_t n = 0;

	switch (kind) {
	case STORE_SERVICES:
		lh_foreach(st->entries, ent)
			n += ((struct store_entry *)lh_entry_v(ent))->svc != NULL;
		return n;
	case STORE_SLICES:
		return (size_t)lh_table_length(st->slices);
	case STORE_NODES:
		return st->node != NULL;
	case STORE_SERVICE_CIDRS:
		return (size_t)lh_table_length(st->cidrs);
	default:
		return 0;
	}
}

size_t store_dirty_count(const struct store *st)
{
	return st->n_dirty;
}

const char *store_kind_name(enum store_kind kind)
{
	static const char *const names[STORE_KINDS] = {
		[STORE_SERVICES] = "Service",
		[STORE_SLICES] = "EndpointSlice",
		[STORE_NODES] = "Node",
		[STORE_SERVICE_CIDRS] = "ServiceCIDR",
	};

	return kind < STORE_KINDS ? names[kind] : "object";
}

void store_foreach(struct store *st, void (*fn)(struct store_entry *e, void *data), void *data)
{
	struct lh_entry *ent;

	lh_foreach(st->entries, ent)
		fn(lh_entry_v(ent), data);
}
