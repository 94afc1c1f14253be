/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Session affinity (sessionAffinity: ClientIP): which backend a client
 * address last reached through a service. One resizable hash (rhashtable)
 * per netns, bounded by the affinity-max in effect (the least recently used
 * entry makes room), aged out by an incremental sweep that does a bounded
 * amount of work per tick. Read under RCU on the packet path; inserts take
 * a spinlock for O(1) work and allocate without sleeping, charged to the
 * memory cgroup of whoever enabled affinity in the netns.
 */
#ifndef _SVCVIP_AFFINITY_H
#define _SVCVIP_AFFINITY_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/rhashtable-types.h>
#include <linux/workqueue.h>
#include <linux/netfilter.h>

struct mem_cgroup;

struct svcvip_affinity_table {
	spinlock_t lock;		/* lru, count, inserts and removals */
	bool ready;			/* ht initialised (control path) */
	struct rhashtable ht;
	struct rhashtable_iter iter;	/* the sweep's position */
	struct list_head lru;		/* least recently used first */
	u32 count;
	struct mem_cgroup *memcg;	/* charged for entries; may be NULL */
	struct delayed_work sweep;
};

/* The client and service an entry is for; hashed whole, so zero it first. */
struct svcvip_affinity_key {
	u64 service_id;
	union nf_inet_addr client;
	u8 family;
};

void svcvip_affinity_init(struct svcvip_affinity_table *a);
/* Control path, before the first service with affinity goes live. */
int svcvip_affinity_prepare(struct svcvip_affinity_table *a);
void svcvip_affinity_destroy(struct svcvip_affinity_table *a);

/* Packet path, under rcu_read_lock(). */
bool svcvip_affinity_get(struct svcvip_affinity_table *a,
			 const struct svcvip_affinity_key *k,
			 unsigned long timeout, union nf_inet_addr *addr,
			 __be16 *port);
void svcvip_affinity_set(struct svcvip_affinity_table *a,
			 const struct svcvip_affinity_key *k, u32 max,
			 unsigned long timeout, const union nf_inet_addr *addr,
			 __be16 port);

/* Control path. */
void svcvip_affinity_trim(struct svcvip_affinity_table *a, u32 max);
u32 svcvip_affinity_count(struct svcvip_affinity_table *a);

#endif /* _SVCVIP_AFFINITY_H */
