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
#include <linux/cache.h>
#include <linux/siphash.h>
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

/*
 * What a pool build depends on besides its backends; a copy of the netns
 * config's values. The Maglev table and the flow hash depend only on these
 * and the backends' address, port and weight, so nodes with the same seed
 * and backends choose the same backend for every flow.
 */
struct svcvip_sched_params {
	siphash_key_t seed;
	u32 maglev_max;		/* largest Maglev table (a prime) */
};

struct svcvip_pool {
	u32 count;		/* members */
	u8 scheduler;		/* enum svcvip_scheduler */
	u32 total_weight;	/* random: sum of member weights */
	u32 lut_size;		/* maglev: table size; wrr: sequence length */
	u16 *lut;		/* maglev slot / wrr position -> backend index */
	u32 *cumulative;	/* random: running sum of weights per member */
	siphash_key_t seed;	/* maglev: flow hash key */
	/*
	 * maglev, while the table of a large service is rebuilt: the lut
	 * of the last table built (@base, owned by the state it belongs
	 * to) and @remap from its backend indices to ours, NONE for one
	 * gone or not in this pool; a flow whose slot maps to NONE gets a
	 * member by its hash. NULL for a pool built whole.
	 */
	const struct svcvip_pool *base;
	u16 *remap;
	/* rr, wrr: next position; written by every pick on every CPU, so
	 * it has a cache line of its own, apart from the read-only fields
	 */
	atomic_t cursor ____cacheline_aligned_in_smp;
	u16 member[] ____cacheline_aligned_in_smp;	/* -> backend index */
};

struct svcvip_pool *svcvip_pool_build(u8 scheduler,
				      const struct svcvip_backend *backends,
				      const u16 *members, u32 count,
				      const struct svcvip_sched_params *sp);
struct svcvip_pool *svcvip_pool_alloc(u8 scheduler, const u16 *members,
				      u32 count);
void svcvip_pool_free(struct svcvip_pool *pool);

#define SVCVIP_POOL_NONE	0xffff

struct svcvip_pool *svcvip_pool_interim(const u16 *members, u32 count,
					const struct svcvip_pool *base,
					const u16 *map, u32 nbase, u32 nnext,
					const struct svcvip_sched_params *sp);

/* Returns an index into the backend array the pool was built from. With
 * @dry_run nothing changes (no round-robin step), so a lookup can ask.
 */
u16 svcvip_pool_pick(struct svcvip_pool *pool, const struct svcvip_flow *flow,
		     bool dry_run);
bool svcvip_pool_has(const struct svcvip_pool *pool, u16 idx);

/* maglev.c */
#define SVCVIP_MAGLEV_SIZE_MIN		251
#define SVCVIP_MAGLEV_SIZE_MAX		16777213	/* largest prime < 2^24 */
#define SVCVIP_MAGLEV_SIZE_DEFAULT	65521

int svcvip_maglev_build(struct svcvip_pool *pool,
			const struct svcvip_backend *backends,
			const struct svcvip_sched_params *sp);
u32 svcvip_flow_hash(const struct svcvip_flow *flow,
		     const siphash_key_t *seed);
u32 svcvip_maglev_table_size(u32 count, u32 max);
/*
 * Maglev tables larger than this are built by a worker after the change
 * that needs them is published with an interim pool: a 65,521-slot build
 * takes ~15 ms under TCG, ~1 ms on hardware.
 */
#define SVCVIP_MAGLEV_SYNC_MAX	32768
bool svcvip_maglev_deferred(u32 count, const struct svcvip_sched_params *sp);
bool svcvip_is_prime(u32 n);
void svcvip_sched_params_default(struct svcvip_sched_params *sp);

#endif /* _SVCVIP_SCHED_H */
