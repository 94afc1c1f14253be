/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The service table of one network namespace.
 *
 * Writers hold svcvip_net.lock. The packet path only looks frontends up in
 * an RCU hash table and follows frontend -> service -> state under RCU. A
 * service's settings and backends live in one immutable state object that
 * is swapped whole, so a packet sees the old service or the new one, never
 * a mix.
 */
#ifndef _SVCVIP_TABLE_H
#define _SVCVIP_TABLE_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/rbtree.h>
#include <linux/rhashtable-types.h>
#include <linux/refcount.h>
#include <linux/workqueue.h>
#include <linux/netfilter.h>
#include <linux/netlink.h>

#include "sched.h"
#include "stats.h"

struct svcvip_net;
struct svcvip_cidrs;

#define SVCVIP_FAMILY_V4	0
#define SVCVIP_FAMILY_V6	1
#define SVCVIP_NFAMILIES	2

/* Which backends a kind of traffic may use. */
enum svcvip_category {
	SVCVIP_CAT_CLUSTER,	/* ready ones, else serving+terminating */
	SVCVIP_CAT_LOCAL,	/* the same rule among local ones */
	SVCVIP_NCATEGORIES
};

struct svcvip_backend {
	union nf_inet_addr addr;
	__be16 port;
	u8 family;
	u8 pad;
	u32 weight;
	u32 flags;		/* SVCVIP_BACKEND_F_* */
	struct svcvip_backend_stats *stats;	/* one reference per state */
};

struct svcvip_service_cfg {
	u8 protocol;
	u8 scheduler;
	u8 affinity;
	u8 internal_policy;
	u8 external_policy;
	u32 affinity_timeout;
};

/*
 * Immutable after publication; replaced as a whole. Freed after a grace
 * period once the last reference goes: the service's (published, or its
 * newest built), a writer's building from it, an interim state's.
 */
struct svcvip_state {
	struct rcu_head rcu;
	refcount_t ref;
	/* interim (a large Maglev table being rebuilt): the state whose
	 * tables the pools borrow until the rebuild; NULL when built whole
	 */
	struct svcvip_state *base;
	/* interim: each base backend's index here, or SVCVIP_POOL_NONE; the
	 * next interim state on the same base composes its map with it
	 */
	u16 *base_map;
	struct svcvip_service_cfg cfg;
	struct svcvip_pool *pool[SVCVIP_NFAMILIES][SVCVIP_NCATEGORIES];
	u32 count;
	struct svcvip_backend backend[];	/* sorted, see backend_cmp */
};

/* What the worker that builds a large table needs; see table.c. */
struct svcvip_rebuild {
	struct delayed_work work;
	struct svcvip_service *svc;
	struct svcvip_net *sn;
	struct mem_cgroup *memcg;	/* charged for the builds */
};

struct svcvip_service {
	struct rb_node node;		/* table.services, by name */
	struct svcvip_state __rcu *state;
	struct list_head frontends;	/* writer side only */
	u32 nfrontends;
	u64 id;				/* never reused in the netns */
	/* The table holds one reference, a writer building the service's
	 * next state outside the lock another; dead once unlinked.
	 */
	refcount_t ref;
	bool dead;
	/* writer side: the newest state built whole (published or not),
	 * the base of the next interim state; the worker that rebuilds it,
	 * made with the first interim state (few services ever need one)
	 */
	struct svcvip_state *built;
	struct svcvip_rebuild *rebuild;
	struct svcvip_service_stats *stats;
	struct rcu_head rcu;
	char name[];
};

/* Hash key of a frontend. NodePorts have no address and may cover both
 * families (family 0).
 */
struct svcvip_fe_key {
	union nf_inet_addr addr;
	__be16 port;
	u8 family;
	u8 protocol;
	u8 nodeport;
	u8 pad[3];
};

/* Hash key of the cluster-IP address set (cluster-ips-check). */
struct svcvip_ip_key {
	union nf_inet_addr addr;
	u8 family;
	u8 pad[3];
};

struct svcvip_frontend {
	struct rhash_head node;
	struct svcvip_fe_key key;
	/* clusterip frontends only: in svcvip_table.clusterips by address */
	struct rhlist_head ip_node;
	struct svcvip_ip_key ip_key;
	u8 kind;			/* enum svcvip_frontend_kind */
	struct svcvip_service *svc;	/* outlives the frontend */
	struct svcvip_cidrs *source_ranges;	/* LB only; NULL = anyone */
	struct list_head list;		/* svc->frontends */
	struct rcu_head rcu;
};

struct svcvip_table {
	struct rb_root services;
	struct rhashtable frontends;
	/* the clusterip frontends by address: "is this a cluster IP?" */
	struct rhltable clusterips;
	u32 nservices;
	u32 nfrontends;
	u32 nbackends;
	u32 nnodeports;		/* read locklessly by the packet path */
	u64 generation;		/* bumped on each change: dumps, GET_INFO */
	u32 nrebuilding;	/* services with an interim state published */
	u64 last_service_id;
};

/* What a netlink request asks for, parsed and validated, not yet applied. */
struct svcvip_fe_spec {
	struct svcvip_fe_key key;
	u8 kind;
	struct svcvip_cidrs *source_ranges;	/* owned by the spec */
	const struct nlattr *attr;		/* for error messages */
};

struct svcvip_be_spec {
	struct svcvip_backend be;
	bool has_weight;
	bool has_flags;
	const struct nlattr *attr;
};

struct svcvip_svc_spec {
	const char *name;
	struct svcvip_service_cfg cfg;
	u32 present;		/* BIT(SVCVIP_SERVICE_A_*) given */
	bool has_frontends;
	bool has_backends;
	u32 nfrontends;
	u32 nbackends;
	struct svcvip_fe_spec *frontends;
	struct svcvip_be_spec *backends;
	bool takeover;		/* frontends another service holds move */
};

int svcvip_rebuild_init(void);
void svcvip_rebuild_exit(void);
void svcvip_rebuild_flush(void);

int svcvip_table_init(struct svcvip_table *t);
void svcvip_table_destroy(struct svcvip_table *t);

struct svcvip_service *svcvip_service_find(struct svcvip_table *t,
					   const char *name);
struct svcvip_service *svcvip_service_next(struct svcvip_table *t,
					   const char *after);
void svcvip_service_cfg_default(struct svcvip_service_cfg *cfg);

/* A service's state, built by svcvip_service_build() for _new() */
struct svcvip_service_build {
	struct svcvip_state *st;
	struct svcvip_state *base;	/* what it was built on (referenced) */
	struct svcvip_backend *sorted;	/* the backends given, sorted */
	struct svcvip_sched_params sp;
};

int svcvip_service_build(struct svcvip_net *sn,
			 const struct svcvip_svc_spec *s, bool replace,
			 struct svcvip_service_build *b,
			 struct netlink_ext_ack *extack);
void svcvip_service_build_free(struct svcvip_service_build *b);
int svcvip_service_new(struct svcvip_net *sn, const struct svcvip_svc_spec *s,
		       bool replace, struct svcvip_service_build *b,
		       struct list_head *moved, struct netlink_ext_ack *extack);
void svcvip_frontends_release(struct list_head *moved);
int svcvip_service_set(struct svcvip_net *sn, struct svcvip_service *svc,
		       const struct svcvip_svc_spec *s,
		       struct netlink_ext_ack *extack);
void svcvip_service_del(struct svcvip_net *sn, struct svcvip_service *svc);
void svcvip_table_flush(struct svcvip_net *sn);

int svcvip_frontend_add(struct svcvip_net *sn, struct svcvip_service *svc,
			const struct svcvip_fe_spec *f,
			struct netlink_ext_ack *extack);
int svcvip_frontend_del(struct svcvip_net *sn, struct svcvip_service *svc,
			const struct svcvip_fe_spec *f,
			struct netlink_ext_ack *extack);

int svcvip_backends_add(struct svcvip_net *sn, struct svcvip_service *svc,
			const struct svcvip_be_spec *specs, u32 n,
			struct netlink_ext_ack *extack);
int svcvip_backend_set(struct svcvip_net *sn, struct svcvip_service *svc,
		       const struct svcvip_be_spec *b,
		       struct netlink_ext_ack *extack);
int svcvip_backend_del(struct svcvip_net *sn, struct svcvip_service *svc,
		       const struct svcvip_be_spec *b,
		       struct netlink_ext_ack *extack);

/* Packet path, under rcu_read_lock(). */
struct svcvip_frontend *svcvip_frontend_lookup(struct svcvip_table *t,
					       const struct svcvip_fe_key *key);
struct svcvip_frontend *svcvip_frontend_match(struct svcvip_table *t,
					      u8 family, u8 protocol,
					      const union nf_inet_addr *daddr,
					      __be16 dport);
bool svcvip_clusterip_match(struct svcvip_table *t, u8 family,
			    const union nf_inet_addr *addr);
int svcvip_state_backend_index(const struct svcvip_state *st, u8 family,
			       const union nf_inet_addr *addr, __be16 port);

static inline int svcvip_family_index(u8 family)
{
	return family == AF_INET6 ? SVCVIP_FAMILY_V6 : SVCVIP_FAMILY_V4;
}

#endif /* _SVCVIP_TABLE_H */
