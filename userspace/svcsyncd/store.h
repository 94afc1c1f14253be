/* SPDX-License-Identifier: GPL-2.0 */
/*
 * store.h: svcsyncd's cache of the Kubernetes objects it watches.
 *
 * Services and EndpointSlices meet in one entry per Service key
 * ("namespace/name"): the Service (if known) and the slices labelled with
 * its name. Every change marks that entry dirty; the daemon rebuilds the
 * svcvip services of the dirty entries only (store_take_dirty()).
 *
 * A relist (after 410 Gone or at start) is bracketed by store_list_begin()
 * and store_list_end(): objects of that kind not upserted in between are
 * removed, as client-go's Replace() does, so a relist changes nothing for
 * objects that did not change.
 */
#ifndef SVCSYNCD_STORE_H
#define SVCSYNCD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "k8s.h"

enum store_kind {
	STORE_SERVICES,
	STORE_SLICES,
	STORE_NODES,
	STORE_SERVICE_CIDRS,
	STORE_KINDS,
};

struct store_slice;

/* One Service key with its slices. */
struct store_entry {
	char *key;				/* "namespace/name" */
	struct k8s_service *svc;		/* NULL: no Service (yet) */
	struct store_slice **slices;
	size_t n_slices, cap_slices;
	char **names;				/* svcvip services it yields now */
	size_t n_names;
	bool dirty;
	uint64_t dirty_since_ns;		/* CLOCK_MONOTONIC of the first change */
	uint32_t seen;				/* list generation (services) */
	int32_t hc_port;			/* healthCheckNodePort it serves, 0: none */
	uint32_t local_endpoints;		/* for that health check */
	uint32_t no_local[2][2];		/* [internal/external][v4/v6] ports
						 * whose Local policy finds nothing */
};

struct store_slice {
	char *key;				/* "namespace/slicename" */
	struct k8s_endpoint_slice slice;
	struct store_entry *owner;		/* NULL: no service label */
	uint32_t seen;
};

struct store;

struct store *store_new(void);
void store_free(struct store *st);

/* Takes over *svc / *slice / *node / *cidr (left zeroed) in all upserts. */
void store_upsert_service(struct store *st, struct k8s_service *svc, uint64_t now_ns);
void store_remove_service(struct store *st, const char *ns, const char *name, uint64_t now_ns);
void store_upsert_slice(struct store *st, struct k8s_endpoint_slice *slice, uint64_t now_ns);
void store_remove_slice(struct store *st, const char *ns, const char *name, uint64_t now_ns);
/* The node: only this node's object is watched. */
void store_upsert_node(struct store *st, struct k8s_node *node);
void store_remove_node(struct store *st);
void store_upsert_cidr(struct store *st, struct k8s_service_cidr *cidr);
void store_remove_cidr(struct store *st, const char *name);

/* Is the stored object of that kind at this resourceVersion already? */
bool store_has_version(struct store *st, enum store_kind kind, const char *ns,
		       const char *name, const char *rv);

void store_list_begin(struct store *st, enum store_kind kind);
void store_list_end(struct store *st, enum store_kind kind, uint64_t now_ns);

/*
 * The dirty entries, cleared of their dirty flag: an array the caller
 * frees (NULL when none). The entries stay valid until store_entry_gc().
 */
struct store_entry **store_take_dirty(struct store *st, size_t *n);
/* Marks every entry dirty (the node or the options changed). */
void store_mark_all(struct store *st, uint64_t now_ns);
void store_mark_dirty(struct store *st, struct store_entry *e, uint64_t now_ns);
size_t store_dirty_count(const struct store *st);
const char *store_kind_name(enum store_kind kind);
/* Frees an entry without Service, slices or names (after its removal). */
void store_entry_gc(struct store *st, struct store_entry *e);

const struct k8s_node *store_node(const struct store *st);
/* The ServiceCIDR objects; the array is the store's. */
const struct k8s_service_cidr *const *store_cidrs(struct store *st, size_t *n);
/* The node or the ServiceCIDRs changed since the last call. */
bool store_take_config_dirty(struct store *st);
bool store_config_dirty(const struct store *st);

size_t store_count(const struct store *st, enum store_kind kind);
/* Calls fn for every Service key. */
void store_foreach(struct store *st, void (*fn)(struct store_entry *e, void *data), void *data);

#endif
