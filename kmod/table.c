// SPDX-License-Identifier: GPL-2.0
/*
 * Services, frontends and backends of one netns.
 *
 * Every change is prepared completely (allocations, conflict and limit
 * checks) before anything the packet path can see is touched, so a failed
 * request leaves the table as it was.
 */

#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/bsearch.h>
#include <linux/string.h>
#include <linux/rhashtable.h>
#include <linux/workqueue.h>
#include <linux/memcontrol.h>
#include <linux/sched/mm.h>
#include <uapi/linux/svcvip.h>

#include "netns.h"
#include "table.h"
#include "config.h"
#include "sched.h"
#include "gfp.h"

static const struct rhashtable_params fe_params = {
	.key_len = sizeof(struct svcvip_fe_key),
	.key_offset = offsetof(struct svcvip_frontend, key),
	.head_offset = offsetof(struct svcvip_frontend, node),
	.automatic_shrinking = true,
};

static const struct rhashtable_params ip_params = {
	.key_len = sizeof(struct svcvip_ip_key),
	.key_offset = offsetof(struct svcvip_frontend, ip_key),
	.head_offset = offsetof(struct svcvip_frontend, ip_node),
	.automatic_shrinking = true,
};

int svcvip_table_init(struct svcvip_table *t)
{
	int ret;

	memset(t, 0, sizeof(*t));
	t->services = RB_ROOT;
	t->generation = 1;	/* dumps treat 0 as "not started" */
	ret = rhashtable_init(&t->frontends, &fe_params);
	if (ret)
		return ret;
	ret = rhltable_init(&t->clusterips, &ip_params);
	if (ret)
		rhashtable_destroy(&t->frontends);
	return ret;
}

/* The table must be empty and unreachable from the packet path. */
void svcvip_table_destroy(struct svcvip_table *t)
{
	WARN_ON(!RB_EMPTY_ROOT(&t->services));
	rhltable_destroy(&t->clusterips);
	rhashtable_destroy(&t->frontends);
}

void svcvip_service_cfg_default(struct svcvip_service_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->scheduler = SVCVIP_SCHED_MAGLEV;
	cfg->affinity = SVCVIP_AFFINITY_NONE;
	cfg->affinity_timeout = SVCVIP_AFFINITY_TIMEOUT_DEFAULT;
	cfg->internal_policy = SVCVIP_POLICY_CLUSTER;
	cfg->external_policy = SVCVIP_POLICY_CLUSTER;
}

/* ---- services by name ------------------------------------------------ */

struct svcvip_service *svcvip_service_find(struct svcvip_table *t,
					   const char *name)
{
	struct rb_node *n = t->services.rb_node;

	while (n) {
		struct svcvip_service *svc = rb_entry(n, struct svcvip_service,
						      node);
		int c = strcmp(name, svc->name);

		if (c < 0)
			n = n->rb_left;
		else if (c > 0)
			n = n->rb_right;
		else
			return svc;
	}
	return NULL;
}

/* First service whose name sorts after @after (the first one if NULL). */
struct svcvip_service *svcvip_service_next(struct svcvip_table *t,
					   const char *after)
{
	struct rb_node *n = t->services.rb_node;
	struct svcvip_service *best = NULL;

	if (!after) {
		n = rb_first(&t->services);
		return n ? rb_entry(n, struct svcvip_service, node) : NULL;
	}
	while (n) {
		struct svcvip_service *svc = rb_entry(n, struct svcvip_service,
						      node);

		if (strcmp(after, svc->name) < 0) {
			best = svc;
			n = n->rb_left;
		} else {
			n = n->rb_right;
		}
	}
	return best;
}

static void service_link(struct svcvip_table *t, struct svcvip_service *svc)
{
	struct rb_node **p = &t->services.rb_node, *parent = NULL;

	while (*p) {
		struct svcvip_service *cur = rb_entry(*p, struct svcvip_service,
						      node);

		parent = *p;
		if (strcmp(svc->name, cur->name) < 0)
			p = &(*p)->rb_left;
		else
			p = &(*p)->rb_right;
	}
	rb_link_node(&svc->node, parent, p);
	rb_insert_color(&svc->node, &t->services);
}

/* ---- backend sets ---------------------------------------------------- */

static int backend_cmp(const void *a, const void *b)
{
	const struct svcvip_backend *x = a, *y = b;
	int c;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	c = memcmp(&x->addr, &y->addr, sizeof(x->addr));
	if (c)
		return c;
	if (x->port != y->port)
		return ntohs(x->port) < ntohs(y->port) ? -1 : 1;
	return 0;
}

static struct svcvip_backend *backend_find(const struct svcvip_state *st,
					   const struct svcvip_backend *key)
{
	return bsearch(key, st->backend, st->count, sizeof(*key), backend_cmp);
}

/* The index of a backend in @st, or -1; packet path. */
int svcvip_state_backend_index(const struct svcvip_state *st, u8 family,
			       const union nf_inet_addr *addr, __be16 port)
{
	const struct svcvip_backend *be;
	struct svcvip_backend key;

	memset(&key, 0, sizeof(key));
	key.family = family;
	key.addr = *addr;
	key.port = port;
	be = backend_find(st, &key);
	return be ? be - st->backend : -1;
}

static struct svcvip_backend *
backend_find_or_err(const struct svcvip_state *st,
		    const struct svcvip_be_spec *b,
		    struct netlink_ext_ack *extack)
{
	struct svcvip_backend *be = backend_find(st, &b->be);

	if (!be)
		NL_SET_ERR_MSG_ATTR(extack, b->attr,
				    "service has no such backend");
	return be;
}

static void state_put(struct svcvip_state *st);

/* Also from an RCU callback: nothing here may sleep. */
static void state_free(struct svcvip_state *st)
{
	u32 i;
	int f, c;

	if (!st)
		return;
	for (f = 0; f < SVCVIP_NFAMILIES; f++)
		for (c = 0; c < SVCVIP_NCATEGORIES; c++)
			svcvip_pool_free(st->pool[f][c]);
	for (i = 0; i < st->count; i++)
		svcvip_backend_stats_put(st->backend[i].stats);
	state_put(st->base);
	kvfree(st->base_map);
	kvfree(st);
}

static void state_free_rcu_cb(struct rcu_head *rcu)
{
	state_free(container_of(rcu, struct svcvip_state, rcu));
}

static struct svcvip_state *state_get(struct svcvip_state *st)
{
	refcount_inc(&st->ref);
	return st;
}

/* Readers may still see it: freed after a grace period. */
static void state_put(struct svcvip_state *st)
{
	if (st && refcount_dec_and_test(&st->ref))
		call_rcu(&st->rcu, state_free_rcu_cb);
}

static bool backend_in_category(const struct svcvip_backend *be, int fam,
				int cat, bool terminating)
{
	if (svcvip_family_index(be->family) != fam || !be->weight)
		return false;
	if (cat == SVCVIP_CAT_LOCAL && !(be->flags & SVCVIP_BACKEND_F_LOCAL))
		return false;
	return !!(be->flags & SVCVIP_BACKEND_F_TERMINATING) == terminating;
}

/* An interim pool over the same pool of st->base, see state_finish(). */
static struct svcvip_pool *
state_interim_pool(const struct svcvip_state *st, int fam, int cat,
		   const u16 *members, u32 n, const u16 *map,
		   const struct svcvip_sched_params *sp)
{
	return svcvip_pool_interim(members, n, st->base->pool[fam][cat], map,
				   st->base->count, st->count, sp);
}

/*
 * kube-proxy's CategorizeEndpoints: a pool holds the ready backends, or, if
 * there is none, the serving-and-terminating ones. With @map (@st is
 * interim) the pools borrow st->base's tables.
 */
static int state_build_pools(struct svcvip_state *st, u16 *members,
			     const struct svcvip_sched_params *sp,
			     const u16 *map)
{
	bool need_local = st->cfg.internal_policy == SVCVIP_POLICY_LOCAL ||
			  st->cfg.external_policy == SVCVIP_POLICY_LOCAL;
	int fam, cat;

	for (fam = 0; fam < SVCVIP_NFAMILIES; fam++) {
		for (cat = 0; cat < SVCVIP_NCATEGORIES; cat++) {
			struct svcvip_pool *pool;
			u32 i, n = 0;

			if (cat == SVCVIP_CAT_LOCAL && !need_local)
				continue;
			for (i = 0; i < st->count; i++)
				if (backend_in_category(&st->backend[i], fam,
							cat, false))
					members[n++] = i;
			if (!n)
				for (i = 0; i < st->count; i++)
					if (backend_in_category(&st->backend[i],
								fam, cat, true))
						members[n++] = i;
			if (map)
				pool = state_interim_pool(st, fam, cat, members,
							  n, map, sp);
			else
				pool = svcvip_pool_build(st->cfg.scheduler,
							 st->backend, members,
							 n, sp);
			if (IS_ERR(pool))
				return PTR_ERR(pool);
			st->pool[fam][cat] = pool;
		}
	}
	return 0;
}

/*
 * Gives every backend of a state being built its own reference to its
 * counters: the ones it came with (copied from the current state), else
 * those of the same backend in @old (a replaced set keeps its counts), else
 * new ones. On failure the entries not reached hold no counters.
 */
static int state_take_stats(struct svcvip_state *st,
			    const struct svcvip_state *old)
{
	u32 i;

	for (i = 0; i < st->count; i++) {
		struct svcvip_backend *be = &st->backend[i];
		const struct svcvip_backend *prev;

		if (!be->stats && old) {
			prev = backend_find(old, be);
			be->stats = prev ? prev->stats : NULL;
		}
		if (be->stats) {
			svcvip_backend_stats_get(be->stats);
			continue;
		}
		be->stats = svcvip_backend_stats_new();
		if (!be->stats) {
			while (++i < st->count)
				st->backend[i].stats = NULL;
			return -ENOMEM;
		}
	}
	return 0;
}

/*
 * The first half of a state build, under the lock: the backends and their
 * counters (taken from @old, the service's current state, if any);
 * @backends must be sorted and unique. No pools yet.
 */
/* Backends not filled in: they are written once, by the caller. */
static struct svcvip_state *state_alloc(const struct svcvip_service_cfg *cfg,
					u32 count)
{
	struct svcvip_state *st;

	st = kvmalloc(struct_size(st, backend, count), SVCVIP_GFP);
	if (!st)
		return NULL;
	memset(st, 0, offsetof(struct svcvip_state, backend));
	refcount_set(&st->ref, 1);
	st->cfg = *cfg;
	st->count = count;
	return st;
}

static struct svcvip_state *state_prepare(const struct svcvip_service_cfg *cfg,
					  const struct svcvip_backend *backends,
					  u32 count,
					  const struct svcvip_state *old)
{
	struct svcvip_state *st;
	int ret;

	st = state_alloc(cfg, count);
	if (!st)
		return ERR_PTR(-ENOMEM);
	if (count) {
		memcpy(st->backend, backends, count * sizeof(*backends));
		ret = state_take_stats(st, old);
		if (ret) {
			state_free(st);
			return ERR_PTR(ret);
		}
	}
	return st;
}

/*
 * Each backend of @base: its index in @st, or SVCVIP_POOL_NONE. Both are
 * sorted, so one merge gives it; the comparisons are the cost, which is
 * why backends_publish() composes maps instead where it can.
 */
static u16 *state_base_map(const struct svcvip_state *st,
			   const struct svcvip_state *base)
{
	u16 *map;
	u32 i, j;

	map = kvmalloc_array(max_t(u32, base->count, 1), sizeof(*map),
			     SVCVIP_GFP);
	if (!map)
		return NULL;
	for (i = 0, j = 0; i < base->count; i++) {
		int c = 1;

		while (j < st->count &&
		       (c = backend_cmp(&st->backend[j], &base->backend[i])) < 0)
			j++;
		map[i] = j < st->count && !c ? j : SVCVIP_POOL_NONE;
	}
	return map;
}

/*
 * The second half, the costly one: needs no lock, the state is private.
 * With @base, the pools borrow its tables instead (see
 * svcvip_pool_interim()): O(backends) where a Maglev build of a large table
 * is O(table x log table); the worker builds the real ones later. @map is
 * state_base_map()'s answer if the caller has it (the state takes it
 * over, even on failure), NULL to compute it here.
 */
static int state_finish(struct svcvip_state *st, struct svcvip_state *base,
			u16 *map, const struct svcvip_sched_params *sp)
{
	u16 *members;
	int ret;

	if (base) {
		st->base = state_get(base);
		st->base_map = map ? map : state_base_map(st, base);
		if (!st->base_map)
			return -ENOMEM;
	}
	members = kvmalloc_array(max_t(u32, st->count, 1), sizeof(*members),
				 SVCVIP_GFP);
	if (!members)
		return -ENOMEM;
	ret = state_build_pools(st, members, sp, st->base_map);
	kvfree(members);
	return ret;
}

/* An unpublished state, built whole (with or without the lock). */
static struct svcvip_state *state_build(const struct svcvip_service_cfg *cfg,
					const struct svcvip_backend *backends,
					u32 count,
					const struct svcvip_state *old,
					const struct svcvip_sched_params *sp)
{
	struct svcvip_state *st = state_prepare(cfg, backends, count, old);
	int ret;

	if (IS_ERR(st))
		return st;
	ret = state_finish(st, NULL, NULL, sp);
	if (ret) {
		state_free(st);
		return ERR_PTR(ret);
	}
	return st;
}

static struct svcvip_state *state_of(struct svcvip_net *sn,
				     struct svcvip_service *svc)
{
	return rcu_dereference_protected(svc->state,
					 lockdep_is_held(&sn->lock));
}

/* The newest state built whole: the base of the next interim one. */
static void service_set_built(struct svcvip_service *svc,
			      struct svcvip_state *st)
{
	state_put(svc->built);
	svc->built = st ? state_get(st) : NULL;
}

static void state_publish(struct svcvip_net *sn, struct svcvip_service *svc,
			  struct svcvip_state *st)
{
	struct svcvip_state *old = state_of(sn, svc);

	rcu_assign_pointer(svc->state, st);
	sn->table.nbackends += st->count;
	if (st->base)
		sn->table.nrebuilding++;
	else
		service_set_built(svc, st);
	if (old) {
		sn->table.nbackends -= old->count;
		if (old->base)
			sn->table.nrebuilding--;
		state_put(old);
	}
}

/*
 * The end of a change built on a reference to @old with the lock dropped
 * (@ret: how the build went): takes the lock again and publishes @st if
 * @svc still has @old, else frees it: -ENOENT if the service went meanwhile,
 * -EAGAIN if another writer published first (the caller starts over).
 */
static int state_publish_relock(struct svcvip_net *sn,
				struct svcvip_service *svc,
				struct svcvip_state *old, struct svcvip_state *st,
				int ret, struct netlink_ext_ack *extack)
{
	mutex_lock(&sn->lock);
	if (!ret && svc->dead) {
		NL_SET_ERR_MSG(extack, "service was deleted meanwhile");
		ret = -ENOENT;
	}
	if (!ret && state_of(sn, svc) != old)
		ret = -EAGAIN;
	if (ret) {
		state_free(st);
		return ret;
	}
	state_publish(sn, svc, st);
	sn->table.generation++;
	return 0;
}

static const struct svcvip_config *config_of(struct svcvip_net *sn)
{
	return rcu_dereference_protected(sn->config,
					 lockdep_is_held(&sn->lock));
}

static int check_backend_limit(struct svcvip_net *sn, u32 count,
			       struct netlink_ext_ack *extack)
{
	u32 max = svcvip_max_backends(config_of(sn));

	if (count > max) {
		NL_SET_ERR_MSG(extack,
			       "backend limit per service reached (config max-backends)");
		return -ENOSPC;
	}
	return 0;
}

/* The attribute of @be's last listing in @specs: the duplicate's. */
static const struct nlattr *spec_dup_attr(const struct svcvip_be_spec *specs,
					  u32 n, const struct svcvip_backend *be)
{
	while (n--)
		if (!backend_cmp(&specs[n].be, be))
			return specs[n].attr;
	return NULL;
}

/* Sorts the requested backends and rejects duplicates. */
static struct svcvip_backend *
backends_from_spec(const struct svcvip_svc_spec *s,
		   struct netlink_ext_ack *extack)
{
	struct svcvip_backend *bes;
	u32 i;

	bes = kvmalloc_array(max_t(u32, s->nbackends, 1), sizeof(*bes),
			     SVCVIP_GFP);
	if (!bes)
		return ERR_PTR(-ENOMEM);
	for (i = 0; i < s->nbackends; i++) {
		bes[i] = s->backends[i].be;
		bes[i].stats = NULL;
	}
	sort(bes, s->nbackends, sizeof(*bes), backend_cmp, NULL);
	for (i = 1; i < s->nbackends; i++) {
		if (!backend_cmp(&bes[i - 1], &bes[i])) {
			NL_SET_ERR_MSG_ATTR(extack,
					    spec_dup_attr(s->backends,
							  s->nbackends, &bes[i]),
					    "backend listed twice in the service");
			kvfree(bes);
			return ERR_PTR(-EINVAL);
		}
	}
	return bes;
}

/* ---- frontends ------------------------------------------------------- */

struct svcvip_frontend *svcvip_frontend_lookup(struct svcvip_table *t,
					       const struct svcvip_fe_key *key)
{
	return rhashtable_lookup(&t->frontends, key, fe_params);
}

/*
 * The frontend a packet to @daddr:@dport reaches: an exact (address, port)
 * one, else a NodePort of the port. Whether @daddr may take a NodePort (a
 * node address) is the caller's question. Under rcu_read_lock().
 */
struct svcvip_frontend *svcvip_frontend_match(struct svcvip_table *t,
					      u8 family, u8 protocol,
					      const union nf_inet_addr *daddr,
					      __be16 dport)
{
	struct svcvip_frontend *fe;
	struct svcvip_fe_key key;

	memset(&key, 0, sizeof(key));
	key.family = family;
	key.protocol = protocol;
	key.addr = *daddr;
	key.port = dport;
	fe = svcvip_frontend_lookup(t, &key);
	if (fe || !READ_ONCE(t->nnodeports))
		return fe;

	memset(&key.addr, 0, sizeof(key.addr));
	key.nodeport = 1;
	fe = svcvip_frontend_lookup(t, &key);
	if (!fe) {
		key.family = 0;		/* a NodePort for both families */
		fe = svcvip_frontend_lookup(t, &key);
	}
	return fe;
}

/*
 * Whether @addr is the address of a clusterip frontend (any port, any
 * protocol). Under rcu_read_lock().
 */
bool svcvip_clusterip_match(struct svcvip_table *t, u8 family,
			    const union nf_inet_addr *addr)
{
	struct svcvip_ip_key key;

	memset(&key, 0, sizeof(key));
	key.family = family;
	key.addr = *addr;
	return rhltable_lookup(&t->clusterips, &key, ip_params);
}

/* Enters a clusterip frontend's address into the cluster-IP set. */
static int fe_ip_link(struct svcvip_table *t, struct svcvip_frontend *fe)
{
	if (fe->kind != SVCVIP_FRONTEND_CLUSTERIP)
		return 0;
	memset(&fe->ip_key, 0, sizeof(fe->ip_key));
	fe->ip_key.family = fe->key.family;
	fe->ip_key.addr = fe->key.addr;
	return rhltable_insert(&t->clusterips, &fe->ip_node, ip_params);
}

static void fe_ip_unlink(struct svcvip_table *t, struct svcvip_frontend *fe)
{
	if (fe->kind == SVCVIP_FRONTEND_CLUSTERIP)
		WARN_ON(rhltable_remove(&t->clusterips, &fe->ip_node,
					ip_params));
}

static struct svcvip_frontend *fe_find_locked(struct svcvip_table *t,
					      const struct svcvip_fe_key *key)
{
	return rhashtable_lookup_fast(&t->frontends, key, fe_params);
}

static void fe_free(struct svcvip_frontend *fe)
{
	svcvip_cidrs_free(fe->source_ranges);
	kfree(fe);
}

static void fe_free_rcu_cb(struct rcu_head *rcu)
{
	fe_free(container_of(rcu, struct svcvip_frontend, rcu));
}

static struct svcvip_frontend *fe_alloc(const struct svcvip_fe_spec *f,
					u8 protocol,
					struct svcvip_service *svc)
{
	struct svcvip_frontend *fe;

	fe = kzalloc(sizeof(*fe), SVCVIP_GFP);
	if (!fe)
		return NULL;
	fe->key = f->key;
	fe->key.protocol = protocol;
	fe->kind = f->kind;
	fe->svc = svc;
	INIT_LIST_HEAD(&fe->list);
	if (f->source_ranges) {
		fe->source_ranges = svcvip_cidrs_dup(f->source_ranges);
		if (!fe->source_ranges) {
			kfree(fe);
			return NULL;
		}
	}
	return fe;
}

/*
 * A NodePort for both families overlaps the per-family ones of the same
 * port: the keys that must be free (or ours) for @key.
 */
static int fe_overlapping_keys(const struct svcvip_fe_key *key,
			       struct svcvip_fe_key out[3])
{
	int n = 0;

	out[n++] = *key;
	if (!key->nodeport)
		return n;
	if (key->family) {
		out[n] = *key;
		out[n++].family = 0;
	} else {
		out[n] = *key;
		out[n++].family = AF_INET;
		out[n] = *key;
		out[n++].family = AF_INET6;
	}
	return n;
}

/*
 * -EEXIST if another service owns @key or a key overlapping it; with
 * @takeover, @key itself may be another's (it is to move to @svc).
 */
static int fe_check_free(struct svcvip_table *t, const struct svcvip_fe_key *key,
			 const struct svcvip_service *svc, bool takeover,
			 const struct nlattr *attr,
			 struct netlink_ext_ack *extack)
{
	struct svcvip_fe_key keys[3];
	int i, n = fe_overlapping_keys(key, keys);

	for (i = 0; i < n; i++) {
		struct svcvip_frontend *cur = fe_find_locked(t, &keys[i]);

		if (!cur || cur->svc == svc || (takeover && i == 0))
			continue;
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "frontend belongs to another service");
		return -EEXIST;
	}
	return 0;
}

static void fe_unlink(struct svcvip_net *sn, struct svcvip_frontend *fe)
{
	struct svcvip_table *t = &sn->table;

	WARN_ON(rhashtable_remove_fast(&t->frontends, &fe->node, fe_params));
	fe_ip_unlink(t, fe);
	list_del(&fe->list);
	fe->svc->nfrontends--;
	t->nfrontends--;
	if (fe->key.nodeport)
		WRITE_ONCE(t->nnodeports, t->nnodeports - 1);
	call_rcu(&fe->rcu, fe_free_rcu_cb);
}

static int check_frontend_limit(struct svcvip_net *sn, u32 count,
				struct netlink_ext_ack *extack)
{
	u32 max = svcvip_max_frontends(config_of(sn));

	if (count > max) {
		NL_SET_ERR_MSG(extack,
			       "frontend limit reached (config max-frontends)");
		return -ENOSPC;
	}
	return 0;
}

/*
 * The frontends a service is to have after a replace: built in @fes (keys
 * with the service's new protocol), checked for duplicates and conflicts.
 */
struct fe_plan {
	u32 count;
	struct svcvip_frontend **fes;	/* new objects */
	struct svcvip_frontend **old;	/* same key already ours or, with
					 * takeover, another's; or NULL
					 */
};

static void fe_plan_free(struct fe_plan *p, bool free_objects)
{
	u32 i;

	if (free_objects)
		for (i = 0; i < p->count; i++)
			if (p->fes[i])
				fe_free(p->fes[i]);
	kvfree(p->fes);
	kvfree(p->old);
}

static int fe_plan_prepare(struct svcvip_net *sn, struct svcvip_service *svc,
			   const struct svcvip_fe_spec *specs, u32 count,
			   u8 protocol, bool takeover, struct fe_plan *p,
			   struct netlink_ext_ack *extack)
{
	struct svcvip_table *t = &sn->table;
	u32 i, j;
	int ret;

	memset(p, 0, sizeof(*p));
	p->fes = kvcalloc(max_t(u32, count, 1), sizeof(*p->fes), SVCVIP_GFP);
	p->old = kvcalloc(max_t(u32, count, 1), sizeof(*p->old), SVCVIP_GFP);
	if (!p->fes || !p->old) {
		fe_plan_free(p, false);
		return -ENOMEM;
	}
	p->count = count;
	for (i = 0; i < count; i++) {
		p->fes[i] = fe_alloc(&specs[i], protocol, svc);
		if (!p->fes[i]) {
			ret = -ENOMEM;
			goto err;
		}
		for (j = 0; j < i; j++) {
			if (!memcmp(&p->fes[j]->key, &p->fes[i]->key,
				    sizeof(p->fes[i]->key))) {
				NL_SET_ERR_MSG_ATTR(extack, specs[i].attr,
						    "frontend listed twice");
				ret = -EINVAL;
				goto err;
			}
		}
		ret = fe_check_free(t, &p->fes[i]->key, svc, takeover,
				    specs[i].attr, extack);
		if (ret)
			goto err;
		/* ours, or (takeover only: fe_check_free) another's to move */
		p->old[i] = fe_find_locked(t, &p->fes[i]->key);
	}
	return 0;
err:
	fe_plan_free(p, true);
	return ret;
}

/*
 * Makes @svc's frontends exactly those of the plan and publishes @st in
 * between: new keys go in first (the only step that can fail), then the
 * state is swapped, then same-key entries are replaced in place (a reader
 * finds the old entry or the new one, never none) and keys no longer
 * wanted are removed. Entries replaced that another service owned (a
 * takeover) are unlinked from it and go to @moved, still to be freed.
 */
static int fe_plan_commit(struct svcvip_net *sn, struct svcvip_service *svc,
			  struct fe_plan *p, struct svcvip_state *st,
			  struct list_head *moved)
{
	struct svcvip_table *t = &sn->table;
	struct svcvip_frontend *fe, *tmp;
	LIST_HEAD(keep);
	u32 i, j;
	int ret;

	for (i = 0; i < p->count; i++) {
		if (p->old[i])
			continue;
		ret = rhashtable_insert_fast(&t->frontends, &p->fes[i]->node,
					     fe_params);
		if (ret)
			goto unwind;
	}
	for (j = 0; j < p->count; j++) {
		ret = fe_ip_link(t, p->fes[j]);
		if (ret)
			goto unwind_ips;
	}

	if (st)
		state_publish(sn, svc, st);

	for (i = 0; i < p->count; i++) {
		struct svcvip_frontend *old = p->old[i];

		if (!old)
			continue;
		WARN_ON(rhashtable_replace_fast(&t->frontends, &old->node,
						&p->fes[i]->node, fe_params));
		/* now unhashed: only unlink it from its service */
		fe_ip_unlink(t, old);
		list_del(&old->list);
		old->svc->nfrontends--;
		t->nfrontends--;
		if (old->key.nodeport)
			WRITE_ONCE(t->nnodeports, t->nnodeports - 1);
		if (old->svc != svc)
			list_add_tail(&old->list, moved);
		else
			call_rcu(&old->rcu, fe_free_rcu_cb);
	}
	list_for_each_entry_safe(fe, tmp, &svc->frontends, list)
		fe_unlink(sn, fe);
	for (i = 0; i < p->count; i++) {
		list_add_tail(&p->fes[i]->list, &svc->frontends);
		svc->nfrontends++;
		t->nfrontends++;
		if (p->fes[i]->key.nodeport)
			WRITE_ONCE(t->nnodeports, t->nnodeports + 1);
	}
	fe_plan_free(p, false);
	return 0;

unwind_ips:
	while (j--)
		fe_ip_unlink(t, p->fes[j]);
unwind:
	while (i--)
		if (!p->old[i])
			rhashtable_remove_fast(&t->frontends, &p->fes[i]->node,
					       fe_params);
	/* readers may have seen the removed entries: free after a grace */
	synchronize_rcu();
	fe_plan_free(p, true);
	return ret;
}

/* ---- services -------------------------------------------------------- */

static void service_free(struct svcvip_service *svc)
{
	if (svc->rebuild) {
		mem_cgroup_put(svc->rebuild->memcg);
		kfree(svc->rebuild);
	}
	svcvip_stats_free(svc->stats);
	kfree(svc);
}

static void service_free_rcu_cb(struct rcu_head *rcu)
{
	service_free(container_of(rcu, struct svcvip_service, rcu));
}

static void service_put(struct svcvip_service *svc)
{
	if (refcount_dec_and_test(&svc->ref))
		call_rcu(&svc->rcu, service_free_rcu_cb);
}

/* ---- interim states: the worker that builds large tables --------------- */

static struct workqueue_struct *svcvip_rebuild_wq;

int svcvip_rebuild_init(void)
{
	svcvip_rebuild_wq = alloc_workqueue("svcvip_rebuild", WQ_UNBOUND, 0);
	return svcvip_rebuild_wq ? 0 : -ENOMEM;
}

void svcvip_rebuild_exit(void)
{
	destroy_workqueue(svcvip_rebuild_wq);
}

/*
 * Waits for the rebuilds running (netns exit, after the flush: the flush
 * cancelled those not yet started).
 */
void svcvip_rebuild_flush(void)
{
	flush_workqueue(svcvip_rebuild_wq);
}

/*
 * Under the lock, after an interim state of @svc was published. The build
 * starts a little later (svcvip_rebuild_delay_ms), so a burst of changes
 * costs one build, not one per change.
 */
static void service_queue_rebuild(struct svcvip_service *svc)
{
	unsigned int delay = READ_ONCE(svcvip_rebuild_delay_ms);

	refcount_inc(&svc->ref);	/* the worker's */
	if (!queue_delayed_work(svcvip_rebuild_wq, &svc->rebuild->work,
				msecs_to_jiffies(delay)))
		service_put(svc);	/* queued already: the table's remains */
}

/* Under the lock, as the service goes: a rebuild not yet started won't. */
static void service_cancel_rebuild(struct svcvip_service *svc)
{
	if (svc->rebuild && cancel_delayed_work(&svc->rebuild->work))
		service_put(svc);
}

static void service_rebuild(struct work_struct *work);

/*
 * Under the lock, before the first interim state: the worker's context,
 * charged to the memcg of the writer whose change needs it.
 */
static int service_rebuild_prepare(struct svcvip_net *sn,
				   struct svcvip_service *svc)
{
	struct svcvip_rebuild *r;

	if (svc->rebuild)
		return 0;
	r = kzalloc(sizeof(*r), SVCVIP_GFP);
	if (!r)
		return -ENOMEM;
	INIT_DELAYED_WORK(&r->work, service_rebuild);
	r->svc = svc;
	r->sn = sn;
	r->memcg = get_mem_cgroup_from_mm(current->mm);
	svc->rebuild = r;
	return 0;
}

/*
 * Builds the whole state of a service that has an interim one, with the
 * lock dropped, and publishes it if nothing changed meanwhile. If a change
 * came first, the build still becomes the base of the next interim state
 * (so interim states never drift far from the real table) and another
 * build is queued, from the newest state. Charged to the memcg of the
 * writer whose change first needed a worker. A failed build leaves the
 * interim state in place; the next change queues another.
 */
static void service_rebuild(struct work_struct *work)
{
	struct svcvip_rebuild *r = container_of(to_delayed_work(work),
						struct svcvip_rebuild, work);
	struct svcvip_service *svc = r->svc;
	struct svcvip_net *sn = r->sn;
	struct mem_cgroup *memcg_old = set_active_memcg(r->memcg);
	struct svcvip_sched_params sp;
	struct svcvip_state *cur, *st;

	mutex_lock(&sn->lock);
	cur = svc->dead ? NULL : state_of(sn, svc);
	if (!cur || !cur->base)
		goto out;
	state_get(cur);
	sp = config_of(sn)->sched;
	mutex_unlock(&sn->lock);

	st = state_build(&cur->cfg, cur->backend, cur->count, cur, &sp);

	mutex_lock(&sn->lock);
	if (IS_ERR(st) || svc->dead) {
		if (!IS_ERR(st))
			state_free(st);
	} else if (state_of(sn, svc) == cur) {
		state_publish(sn, svc, st);
	} else {
		service_set_built(svc, st);
		state_put(st);
		service_queue_rebuild(svc);
	}
	state_put(cur);
out:
	mutex_unlock(&sn->lock);
	set_active_memcg(memcg_old);
	service_put(svc);
}

static void service_unlink(struct svcvip_net *sn, struct svcvip_service *svc)
{
	struct svcvip_frontend *fe, *tmp;
	struct svcvip_state *st = state_of(sn, svc);

	list_for_each_entry_safe(fe, tmp, &svc->frontends, list)
		fe_unlink(sn, fe);
	rb_erase(&svc->node, &sn->table.services);
	sn->table.nservices--;
	if (st) {
		sn->table.nbackends -= st->count;
		if (st->base)
			sn->table.nrebuilding--;
		RCU_INIT_POINTER(svc->state, NULL);
		state_put(st);
	}
	service_set_built(svc, NULL);
	service_cancel_rebuild(svc);
	svc->dead = true;
	service_put(svc);
}

/* Frontends the service has now, as specs, with their keys re-protocoled. */
static struct svcvip_fe_spec *fe_specs_of(struct svcvip_service *svc)
{
	struct svcvip_frontend *fe;
	struct svcvip_fe_spec *specs;
	u32 i = 0;

	specs = kvcalloc(max_t(u32, svc->nfrontends, 1), sizeof(*specs),
			 SVCVIP_GFP);
	if (!specs)
		return NULL;
	list_for_each_entry(fe, &svc->frontends, list) {
		specs[i].key = fe->key;
		specs[i].kind = fe->kind;
		specs[i].source_ranges = fe->source_ranges;	/* borrowed */
		i++;
	}
	return specs;
}

/* What svcvip_service_new() makes of a request, worked out in steps. */
struct svc_plan {
	struct svcvip_service *old;		/* replaced, or NULL */
	struct svcvip_state *old_st;
	const struct svcvip_backend *bes;	/* the backend set to have */
	u32 nbes;
	struct svcvip_backend *sorted;		/* owned: bes, if given */
	bool rebuild_fes;
	const struct svcvip_fe_spec *fe_specs;	/* the frontends to have */
	u32 nfes;
	struct svcvip_fe_spec *cur_specs;	/* owned: fe_specs, if kept */
};

static void svc_plan_free(struct svc_plan *p)
{
	kvfree(p->cur_specs);
	kvfree(p->sorted);
}

/* Whether the service may be created or replaced at all. */
static int svc_plan_check(struct svcvip_net *sn,
			  const struct svcvip_svc_spec *s, bool replace,
			  struct svc_plan *p, struct netlink_ext_ack *extack)
{
	struct svcvip_table *t = &sn->table;

	p->old = svcvip_service_find(t, s->name);
	if (p->old && !replace) {
		NL_SET_ERR_MSG(extack, "service already exists");
		return -EEXIST;
	}
	if (!p->old && t->nservices >= svcvip_max_services(config_of(sn))) {
		NL_SET_ERR_MSG(extack,
			       "service limit reached (config max-services)");
		return -ENOSPC;
	}
	if (p->old)
		p->old_st = state_of(sn, p->old);
	if (s->cfg.affinity != SVCVIP_AFFINITY_NONE)
		return svcvip_affinity_prepare(&sn->affinity);
	return 0;
}

/*
 * The backends given (@sorted: already sorted and checked, still the
 * caller's), else those the service has.
 */
static int svc_plan_backends(struct svcvip_net *sn,
			     const struct svcvip_svc_spec *s,
			     const struct svcvip_backend *sorted,
			     struct svc_plan *p, struct netlink_ext_ack *extack)
{
	if (s->has_backends && sorted) {
		p->bes = sorted;
		p->nbes = s->nbackends;
	} else if (s->has_backends) {
		p->sorted = backends_from_spec(s, extack);
		if (IS_ERR(p->sorted)) {
			int ret = PTR_ERR(p->sorted);

			p->sorted = NULL;
			return ret;
		}
		p->bes = p->sorted;
		p->nbes = s->nbackends;
	} else if (p->old_st) {
		p->bes = p->old_st->backend;
		p->nbes = p->old_st->count;
	}
	return check_backend_limit(sn, p->nbes, extack);
}

/* Frontends of the request that move from another service (takeover). */
static u32 fe_count_moving(struct svcvip_net *sn,
			   const struct svcvip_svc_spec *s,
			   const struct svcvip_service *old)
{
	struct svcvip_frontend *cur;
	struct svcvip_fe_key key;
	u32 i, n = 0;

	if (!s->takeover)
		return 0;
	for (i = 0; i < s->nfrontends; i++) {
		key = s->frontends[i].key;
		key.protocol = s->cfg.protocol;
		cur = fe_find_locked(&sn->table, &key);
		if (cur && cur->svc != old)
			n++;
	}
	return n;
}

/*
 * Frontends change if given, or if the protocol (part of the key) changes
 * under them; then the service's whole set is rebuilt.
 */
static int svc_plan_frontends(struct svcvip_net *sn,
			      const struct svcvip_svc_spec *s,
			      struct svc_plan *p,
			      struct netlink_ext_ack *extack)
{
	struct svcvip_service *old = p->old;
	u32 fe_total;

	p->rebuild_fes = s->has_frontends || !old ||
			 p->old_st->cfg.protocol != s->cfg.protocol;
	if (s->has_frontends) {
		p->fe_specs = s->frontends;
		p->nfes = s->nfrontends;
	} else if (old && p->rebuild_fes) {
		p->cur_specs = fe_specs_of(old);
		if (!p->cur_specs)
			return -ENOMEM;
		p->fe_specs = p->cur_specs;
		p->nfes = old->nfrontends;
	}
	fe_total = sn->table.nfrontends -
		   (old && p->rebuild_fes ? old->nfrontends : 0) +
		   (p->rebuild_fes ? p->nfes : 0) - fe_count_moving(sn, s, old);
	return check_frontend_limit(sn, fe_total, extack);
}

/* A new, unlinked service object. */
static struct svcvip_service *service_alloc(struct svcvip_net *sn,
					    const char *name)
{
	struct svcvip_table *t = &sn->table;
	size_t len = strlen(name) + 1;
	struct svcvip_service *svc;

	svc = kzalloc(struct_size(svc, name, len), SVCVIP_GFP);
	if (!svc)
		return NULL;
	svc->stats = svcvip_stats_alloc();
	if (!svc->stats) {
		kfree(svc);
		return NULL;
	}
	memcpy(svc->name, name, len);
	INIT_LIST_HEAD(&svc->frontends);
	refcount_set(&svc->ref, 1);
	svc->id = ++t->last_service_id;
	return svc;
}

/* Links a new service, publishes @st and the frontends; all or nothing. */
static int service_commit(struct svcvip_net *sn, struct svcvip_service *svc,
			  const struct svc_plan *p, struct fe_plan *plan,
			  struct svcvip_state *st, struct list_head *moved)
{
	struct svcvip_table *t = &sn->table;
	int ret;

	if (!p->old) {
		service_link(t, svc);
		t->nservices++;
	}
	if (!p->rebuild_fes) {
		state_publish(sn, svc, st);
		return 0;
	}
	ret = fe_plan_commit(sn, svc, plan, st, moved);
	if (ret && !p->old) {
		rb_erase(&svc->node, &t->services);
		t->nservices--;
	}
	return ret;
}

void svcvip_service_build_free(struct svcvip_service_build *b)
{
	if (b->st)
		state_free(b->st);
	if (b->base)
		state_put(b->base);
	kvfree(b->sorted);
	memset(b, 0, sizeof(*b));
}

static bool sched_params_equal(const struct svcvip_sched_params *a,
			       const struct svcvip_sched_params *b)
{
	return !memcmp(&a->seed, &b->seed, sizeof(a->seed)) &&
	       a->maglev_max == b->maglev_max;
}

/*
 * The costly half of creating or replacing a service: its state (a Maglev
 * table of up to max-backends) is built with the lock dropped, on a
 * reference to the replaced service's state (the counters it hands on), so
 * that writers of other services do not wait for it. The caller holds the
 * lock, which is dropped and taken again; svcvip_service_new() then checks
 * that nothing the build used changed meanwhile.
 */
int svcvip_service_build(struct svcvip_net *sn,
			 const struct svcvip_svc_spec *s, bool replace,
			 struct svcvip_service_build *b,
			 struct netlink_ext_ack *extack)
{
	struct svcvip_state *st;
	struct svc_plan p = {};
	int ret;

	memset(b, 0, sizeof(*b));
	ret = svc_plan_check(sn, s, replace, &p, extack);
	if (ret)
		return ret;
	ret = svc_plan_backends(sn, s, NULL, &p, extack);
	if (ret)
		goto out;
	b->sorted = p.sorted;		/* the backends given, if any */
	p.sorted = NULL;
	b->base = p.old_st ? state_get(p.old_st) : NULL;
	b->sp = config_of(sn)->sched;
	mutex_unlock(&sn->lock);

	st = state_build(&s->cfg, p.bes, p.nbes, b->base, &b->sp);

	mutex_lock(&sn->lock);
	if (IS_ERR(st)) {
		ret = PTR_ERR(st);
		svcvip_service_build_free(b);
		goto out;
	}
	b->st = st;
out:
	svc_plan_free(&p);
	return ret;
}

/*
 * Creates or (@replace) replaces a service, publishing the state @b built.
 * With @s->takeover, frontends of @s another service holds move to it in
 * the same publish: they are unlinked from their old owner (still their
 * fe->svc) and put on @moved, for the caller to announce and then
 * svcvip_frontends_release(). -EAGAIN if what @b was built on changed
 * while the lock was dropped: the caller builds again. Frees @b.
 */
int svcvip_service_new(struct svcvip_net *sn, const struct svcvip_svc_spec *s,
		       bool replace, struct svcvip_service_build *b,
		       struct list_head *moved, struct netlink_ext_ack *extack)
{
	struct svcvip_service *svc;
	struct svcvip_state *st;
	struct svc_plan p = {};
	struct fe_plan plan;
	int ret;

	ret = svc_plan_check(sn, s, replace, &p, extack);
	if (ret)
		goto out;
	ret = svc_plan_backends(sn, s, b->sorted, &p, extack);
	if (ret)
		goto out;
	ret = svc_plan_frontends(sn, s, &p, extack);
	if (ret)
		goto out;
	if (p.old_st != b->base ||
	    !sched_params_equal(&b->sp, &config_of(sn)->sched)) {
		ret = -EAGAIN;
		goto out;
	}
	st = b->st;
	b->st = NULL;
	svc = p.old ?: service_alloc(sn, s->name);
	if (!svc) {
		ret = -ENOMEM;
		goto out_state;
	}
	if (p.rebuild_fes) {
		ret = fe_plan_prepare(sn, svc, p.fe_specs, p.nfes,
				      s->cfg.protocol, s->takeover, &plan,
				      extack);
		if (ret)
			goto out_svc;
	}
	/* on failure, fe_plan_commit() has freed the plan */
	ret = service_commit(sn, svc, &p, &plan, st, moved);
	if (ret)
		goto out_svc;
	sn->table.generation++;
	goto out;

out_svc:
	if (!p.old)
		service_free(svc);
out_state:
	state_free(st);
out:
	svc_plan_free(&p);
	svcvip_service_build_free(b);
	return ret;
}

/* Frees the frontends a takeover moved, once readers are done with them. */
void svcvip_frontends_release(struct list_head *moved)
{
	struct svcvip_frontend *fe, *tmp;

	list_for_each_entry_safe(fe, tmp, moved, list) {
		list_del(&fe->list);
		call_rcu(&fe->rcu, fe_free_rcu_cb);
	}
}

/*
 * Like a backend change (see backends_publish()): the settings are checked
 * under the lock, the state (a large Maglev table included) is built on a
 * reference without it, and published only if the service did not change
 * meanwhile, else -EAGAIN and the caller starts over.
 */
static int service_set(struct svcvip_net *sn, struct svcvip_service *svc,
		       const struct svcvip_svc_spec *s,
		       struct netlink_ext_ack *extack)
{
	struct svcvip_state *old = state_of(sn, svc), *st;
	struct svcvip_service_cfg cfg = old->cfg;
	struct svcvip_sched_params sp;
	int ret;

	if ((s->present & BIT(SVCVIP_SERVICE_A_PROTOCOL)) &&
	    s->cfg.protocol != cfg.protocol) {
		NL_SET_ERR_MSG(extack,
			       "protocol cannot be changed by set; replace the service");
		return -EINVAL;
	}
	if (s->present & BIT(SVCVIP_SERVICE_A_SCHEDULER))
		cfg.scheduler = s->cfg.scheduler;
	if (s->present & BIT(SVCVIP_SERVICE_A_AFFINITY))
		cfg.affinity = s->cfg.affinity;
	if (s->present & BIT(SVCVIP_SERVICE_A_AFFINITY_TIMEOUT))
		cfg.affinity_timeout = s->cfg.affinity_timeout;
	if (s->present & BIT(SVCVIP_SERVICE_A_INTERNAL_POLICY))
		cfg.internal_policy = s->cfg.internal_policy;
	if (s->present & BIT(SVCVIP_SERVICE_A_EXTERNAL_POLICY))
		cfg.external_policy = s->cfg.external_policy;
	if (cfg.affinity != SVCVIP_AFFINITY_NONE) {
		ret = svcvip_affinity_prepare(&sn->affinity);
		if (ret)
			return ret;
	}
	sp = config_of(sn)->sched;
	state_get(old);
	refcount_inc(&svc->ref);
	mutex_unlock(&sn->lock);

	st = state_build(&cfg, old->backend, old->count, old, &sp);
	if (IS_ERR(st))
		ret = state_publish_relock(sn, svc, old, NULL, PTR_ERR(st),
					   extack);
	else
		ret = state_publish_relock(sn, svc, old, st, 0, extack);
	state_put(old);
	service_put(svc);
	return ret;
}

/* The caller holds the lock, which is dropped and taken again. */
int svcvip_service_set(struct svcvip_net *sn, struct svcvip_service *svc,
		       const struct svcvip_svc_spec *s,
		       struct netlink_ext_ack *extack)
{
	int ret;

	do
		ret = service_set(sn, svc, s, extack);
	while (ret == -EAGAIN);
	return ret;
}

void svcvip_service_del(struct svcvip_net *sn, struct svcvip_service *svc)
{
	service_unlink(sn, svc);
	sn->table.generation++;
}

void svcvip_table_flush(struct svcvip_net *sn)
{
	struct rb_node *n;

	while ((n = rb_first(&sn->table.services))) {
		service_unlink(sn, rb_entry(n, struct svcvip_service, node));
		cond_resched();
	}
	sn->table.generation++;
}

/* ---- single frontends ------------------------------------------------ */

int svcvip_frontend_add(struct svcvip_net *sn, struct svcvip_service *svc,
			const struct svcvip_fe_spec *f,
			struct netlink_ext_ack *extack)
{
	struct svcvip_table *t = &sn->table;
	struct svcvip_frontend *fe;
	int ret;

	fe = fe_alloc(f, state_of(sn, svc)->cfg.protocol, svc);
	if (!fe)
		return -ENOMEM;
	if (fe_find_locked(t, &fe->key)) {
		ret = fe_check_free(t, &fe->key, svc, false, f->attr, extack);
		if (!ret) {
			NL_SET_ERR_MSG_ATTR(extack, f->attr,
					    "service already has this frontend");
			ret = -EEXIST;
		}
		goto err;
	}
	ret = fe_check_free(t, &fe->key, svc, false, f->attr, extack);
	if (ret)
		goto err;
	ret = check_frontend_limit(sn, t->nfrontends + 1, extack);
	if (ret)
		goto err;
	ret = fe_ip_link(t, fe);
	if (ret)
		goto err;
	ret = rhashtable_insert_fast(&t->frontends, &fe->node, fe_params);
	if (ret) {
		fe_ip_unlink(t, fe);
		/* readers may be walking past it in the cluster-IP set */
		call_rcu(&fe->rcu, fe_free_rcu_cb);
		return ret;
	}
	list_add_tail(&fe->list, &svc->frontends);
	svc->nfrontends++;
	t->nfrontends++;
	if (fe->key.nodeport)
		WRITE_ONCE(t->nnodeports, t->nnodeports + 1);
	t->generation++;
	return 0;
err:
	fe_free(fe);
	return ret;
}

int svcvip_frontend_del(struct svcvip_net *sn, struct svcvip_service *svc,
			const struct svcvip_fe_spec *f,
			struct netlink_ext_ack *extack)
{
	struct svcvip_fe_key key = f->key;
	struct svcvip_frontend *fe;

	key.protocol = state_of(sn, svc)->cfg.protocol;
	fe = fe_find_locked(&sn->table, &key);
	if (!fe || fe->svc != svc || fe->kind != f->kind) {
		NL_SET_ERR_MSG_ATTR(extack, f->attr,
				    "service has no such frontend");
		return -ENOENT;
	}
	fe_unlink(sn, fe);
	sn->table.generation++;
	return 0;
}

/* ---- single backends ------------------------------------------------- */

/* How a change makes the next backend array from the current one. */
struct backends_change {
	u32 count;		/* backends after the change */
	/* writes them, sorted, counters as in @old (NULL for new ones), and
	 * where each of @old's went: @moved[i] is old->backend[i]'s new
	 * index, or SVCVIP_POOL_NONE
	 */
	void (*fill)(struct svcvip_backend *bes, u16 *moved,
		     const struct svcvip_state *old, const void *arg);
	const void *arg;
};

/*
 * Where each backend of @base is in the state being built, from where each
 * of @old's went (@moved): without a comparison when @old is @base or an
 * interim state on it (the usual case, a run of changes while the worker
 * builds); NULL (state_finish() merges) otherwise, or without memory.
 */
static u16 *compose_base_map(const struct svcvip_state *base,
			     const struct svcvip_state *old, const u16 *moved)
{
	u16 *map;
	u32 i;

	if (old != base && (old->base != base || !old->base_map))
		return NULL;
	map = kvmalloc_array(max_t(u32, base->count, 1), sizeof(*map),
			     SVCVIP_GFP);
	if (!map)
		return NULL;
	for (i = 0; i < base->count; i++) {
		u16 j = old == base ? i : old->base_map[i];

		map[i] = j == SVCVIP_POOL_NONE ? j : moved[j];
	}
	return map;
}

/*
 * Publishes the next state of @svc: @old (its current state, which the
 * caller validated the change against, under the lock) changed by @ch.
 * Everything that costs O(backends) runs with the lock dropped, on a
 * reference to @old, so writers to other services never wait for it: the
 * copy, the counter references, the pools (for a large Maglev table an
 * interim pool, and the worker builds the table). The state is published
 * only if the service did not change meanwhile, else -EAGAIN and the
 * caller starts over from the new state. The caller holds the lock, and
 * holds it again on return; @svc stays valid (a reference), but may have
 * been deleted: -ENOENT.
 */
static int backends_publish(struct svcvip_net *sn, struct svcvip_service *svc,
			    struct svcvip_state *old,
			    const struct backends_change *ch,
			    struct netlink_ext_ack *extack)
{
	struct svcvip_sched_params sp = config_of(sn)->sched;
	struct svcvip_state *st, *base = NULL;
	u16 *moved;
	int ret = -ENOMEM;

	/* without the worker's context (ENOMEM) the build is done here */
	if (old->cfg.scheduler == SVCVIP_SCHED_MAGLEV && svc->built &&
	    svcvip_maglev_deferred(ch->count, &sp) &&
	    !service_rebuild_prepare(sn, svc))
		base = state_get(svc->built);
	state_get(old);
	refcount_inc(&svc->ref);
	mutex_unlock(&sn->lock);

	moved = kvmalloc_array(max_t(u32, old->count, 1), sizeof(*moved),
			       SVCVIP_GFP);
	st = moved ? state_alloc(&old->cfg, ch->count) : NULL;
	if (st) {
		ch->fill(st->backend, moved, old, ch->arg);
		ret = state_take_stats(st, old);
		if (!ret)
			ret = state_finish(st, base,
					   base ? compose_base_map(base, old,
								   moved) :
						  NULL, &sp);
	}
	kvfree(moved);

	ret = state_publish_relock(sn, svc, old, st, ret, extack);
	if (!ret && st->base)
		service_queue_rebuild(svc);
	state_put(base);
	state_put(old);
	service_put(svc);
	return ret;
}

struct backends_merge {
	const struct svcvip_backend *add;	/* sorted */
	u32 n;
};

/* The current backends and @arg's new ones, merged: O(total). */
static void fill_merge(struct svcvip_backend *bes, u16 *moved,
		       const struct svcvip_state *old, const void *arg)
{
	const struct backends_merge *m = arg;
	u32 i = 0, j = 0, k, total = old->count + m->n;

	for (k = 0; k < total; k++) {
		if (j == m->n || (i < old->count &&
				  backend_cmp(&old->backend[i], &m->add[j]) < 0)) {
			moved[i] = k;
			bes[k] = old->backend[i++];
		} else {
			bes[k] = m->add[j++];
		}
	}
}

/* Adds @n backends at once (one new backend set), or none of them. */
static int backends_add(struct svcvip_net *sn, struct svcvip_service *svc,
			const struct svcvip_be_spec *specs, u32 n,
			struct netlink_ext_ack *extack)
{
	struct svcvip_state *old = state_of(sn, svc);
	struct backends_change ch = { .count = old->count + n,
				      .fill = fill_merge };
	struct backends_merge m = { .n = n };
	struct svcvip_backend *add;
	u32 i;
	int ret;

	ret = check_backend_limit(sn, ch.count, extack);
	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		if (backend_find(old, &specs[i].be)) {
			NL_SET_ERR_MSG_ATTR(extack, specs[i].attr,
					    "service already has this backend");
			return -EEXIST;
		}
	}
	add = kvmalloc_array(max_t(u32, n, 1), sizeof(*add), SVCVIP_GFP);
	if (!add)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct svcvip_backend *be = &add[i];

		*be = specs[i].be;
		be->stats = NULL;
		if (!specs[i].has_weight)
			be->weight = 1;
		if (!specs[i].has_flags)
			be->flags = 0;
	}
	/* sort the new ones only, then merge: O(total + n log n) */
	sort(add, n, sizeof(*add), backend_cmp, NULL);
	for (i = 1; i < n; i++) {
		if (!backend_cmp(&add[i - 1], &add[i])) {
			NL_SET_ERR_MSG_ATTR(extack,
					    spec_dup_attr(specs, n, &add[i]),
					    "backend listed twice");
			ret = -EINVAL;
			goto out;
		}
	}
	m.add = add;
	ch.arg = &m;
	ret = backends_publish(sn, svc, old, &ch, extack);
out:
	kvfree(add);
	return ret;
}

struct backend_edit {
	u32 idx;				/* in the current array */
	const struct svcvip_be_spec *spec;	/* set: what changes */
};

/* The current backends with one changed. */
static void fill_set(struct svcvip_backend *bes, u16 *moved,
		     const struct svcvip_state *old, const void *arg)
{
	const struct backend_edit *e = arg;
	struct svcvip_backend *cur = &bes[e->idx];
	u32 i;

	memcpy(bes, old->backend, old->count * sizeof(*bes));
	for (i = 0; i < old->count; i++)
		moved[i] = i;
	if (e->spec->has_weight)
		cur->weight = e->spec->be.weight;
	if (e->spec->has_flags)
		cur->flags = e->spec->be.flags;
}

/* The current backends but one. */
static void fill_del(struct svcvip_backend *bes, u16 *moved,
		     const struct svcvip_state *old, const void *arg)
{
	const struct backend_edit *e = arg;
	u32 i;

	memcpy(bes, old->backend, e->idx * sizeof(*bes));
	memcpy(bes + e->idx, old->backend + e->idx + 1,
	       (old->count - e->idx - 1) * sizeof(*bes));
	for (i = 0; i < old->count; i++)
		moved[i] = i < e->idx ? i : i == e->idx ? SVCVIP_POOL_NONE :
			   i - 1;
}

static int backend_edit(struct svcvip_net *sn, struct svcvip_service *svc,
			const struct svcvip_be_spec *b, bool del,
			struct netlink_ext_ack *extack)
{
	struct svcvip_state *old = state_of(sn, svc);
	struct backend_edit e = { .spec = b };
	struct backends_change ch = { .arg = &e };
	struct svcvip_backend *cur;

	cur = backend_find_or_err(old, b, extack);
	if (!cur)
		return -ENOENT;
	e.idx = cur - old->backend;
	ch.count = del ? old->count - 1 : old->count;
	ch.fill = del ? fill_del : fill_set;
	return backends_publish(sn, svc, old, &ch, extack);
}

/*
 * Each change is computed from the service's state when it starts; if
 * another writer published first (-EAGAIN), it is computed again from the
 * new one (and may now fail, e.g. the backend is gone). Every retry means
 * another writer made progress.
 */
int svcvip_backends_add(struct svcvip_net *sn, struct svcvip_service *svc,
			const struct svcvip_be_spec *specs, u32 n,
			struct netlink_ext_ack *extack)
{
	int ret;

	do
		ret = backends_add(sn, svc, specs, n, extack);
	while (ret == -EAGAIN);
	return ret;
}

int svcvip_backend_set(struct svcvip_net *sn, struct svcvip_service *svc,
		       const struct svcvip_be_spec *b,
		       struct netlink_ext_ack *extack)
{
	int ret;

	do
		ret = backend_edit(sn, svc, b, false, extack);
	while (ret == -EAGAIN);
	return ret;
}

int svcvip_backend_del(struct svcvip_net *sn, struct svcvip_service *svc,
		       const struct svcvip_be_spec *b,
		       struct netlink_ext_ack *extack)
{
	int ret;

	do
		ret = backend_edit(sn, svc, b, true, extack);
	while (ret == -EAGAIN);
	return ret;
}
