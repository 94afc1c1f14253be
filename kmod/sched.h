/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Schedulers: choose one backend of a pool for a new connection.
 *
 * A pool is the set of backends of one service that one kind of traffic may
 * use (one family, cluster or local). It is built on the control path, is
 * immutable afterwards, and is picked from on the packet path under RCU
 * without locks.
 */
#ifndef _SVCVIP_SCHED_H
#define _SVCVIP_SCHED_H

#include <linux/types.h>
#include <linux/atomic.h>
#include <linux/netfilter.h>

struct svcvip_backend;

/* The fields of a first packet that a scheduler may hash. */
struct svcvip_flow {
	union nf_inet_addr saddr;
	union nf_inet_addr daddr;
	__be16 sport;
	__be16 dport;
	u8 family;
	u8 protocol;
	u8 pad[2];
};

struct svcvip_pool {
	u32 count;		/* members */
	u8 scheduler;		/* enum svcvip_scheduler */
	atomic_t cursor;	/* rr, wrr: next position */
	u32 total_weight;	/* random: sum of member weights */
	u32 lut_size;		/* maglev: table size; wrr: sequence length */
	u16 *lut;		/* maglev slot / wrr position -> backend index */
	u32 *cumulative;	/* random: running sum of weights per member */
	u16 member[];		/* member -> index into the backend array */
};

struct svcvip_pool *svcvip_pool_build(u8 scheduler,
				      const struct svcvip_backend *backends,
				      const u16 *members, u32 count);
void svcvip_pool_free(struct svcvip_pool *pool);

/* Returns an index into the backend array the pool was built from. With
 * @dry_run nothing changes (no round-robin step), so a lookup can ask.
 */
u16 svcvip_pool_pick(struct svcvip_pool *pool, const struct svcvip_flow *flow,
		     bool dry_run);
bool svcvip_pool_has(const struct svcvip_pool *pool, u16 idx);

/* maglev.c */
int svcvip_maglev_build(struct svcvip_pool *pool,
			const struct svcvip_backend *backends);
u32 svcvip_flow_hash(const struct svcvip_flow *flow);
u32 svcvip_maglev_table_size(u32 count);
void svcvip_flow_hash_init(void);

#endif /* _SVCVIP_SCHED_H */
