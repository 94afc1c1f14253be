// SPDX-License-Identifier: GPL-2.0
/*
 * Consistent hashing into a lookup table, weighted.
 *
 * As in Maglev (Eisenbud et al., NSDI 2016) each backend walks its own
 * permutation of a prime-sized table, weight / gcd steps per round, and a
 * flow maps to lut[hash(5-tuple) % size]. Unlike Maglev, a step whose slot
 * is taken is spent, not repeated: a slot belongs to the backend that
 * reaches it first (rendezvous hashing by first arrival), so a slot's owner
 * depends only on the backends that reach it, and removing a backend moves
 * only its own slots. Maglev's walk lets each claim push the next backend
 * further along its permutation, and one removal of 1,000 moved 6.6/N of
 * the flows; this moves ~1.1/N. Balance comes from a cap: a backend takes
 * at most 1.1 x its weighted share + 1 slots (consistent hashing with
 * bounded loads, Mirrokni et al. 2018), so the busiest backend gets at most
 * 1.1 x its share. Below 32 slots per backend (a table capped by
 * maglev-table-size) the walk is Maglev's own, which keeps every backend
 * within one slot of its share where the cap would leave some with none.
 *
 * Everything depends only on the netns hash seed and the backends'
 * address, port and weight (their order in the table is address order):
 * nodes with the same seed and backends build the same table and hash a
 * flow alike, so a flow that ECMP moves to another node keeps its backend.
 * The hash is deterministic per flow, so two racing first packets of one
 * UDP flow choose the same backend and conntrack's clash resolution keeps
 * both (kubernetes#56903).
 */

#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/siphash.h>
#include <linux/sched.h>
#include <linux/gcd.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/bitmap.h>
#include <uapi/linux/svcvip.h>

#include "sched.h"
#include "table.h"
#include "gfp.h"

/* The seed of a netns that sets none: the same on every node and boot, so
 * nodes agree by default, as Cilium's default --bpf-lb-maglev-hash-seed.
 */
static const siphash_key_t svcvip_default_seed = {
	{ 0x736f6d6570736575ULL, 0x646f72616e646f6dULL }
};

void svcvip_sched_params_default(struct svcvip_sched_params *sp)
{
	sp->seed = svcvip_default_seed;
	sp->maglev_max = SVCVIP_MAGLEV_SIZE_DEFAULT;
}

u32 svcvip_flow_hash(const struct svcvip_flow *flow,
		     const siphash_key_t *seed)
{
	return (u32)siphash(flow, sizeof(*flow), seed);
}

bool svcvip_is_prime(u32 n)
{
	u32 d;

	if (n < 2)
		return false;
	if (n % 2 == 0)
		return n == 2;
	for (d = 3; d <= n / d; d += 2)
		if (n % d == 0)
			return false;
	return true;
}

/*
 * A prime of at least 100 slots per backend, at most @max (a prime). The
 * backend count is rounded up to a power of two first, so the size (and
 * with it every permutation) stays put while a service grows or shrinks
 * within that range: that is what keeps the hashing consistent.
 */
u32 svcvip_maglev_table_size(u32 count, u32 max)
{
	u32 m = roundup_pow_of_two(max_t(u32, count, 1)) * 100;

	if (m >= max)
		return max;
	while (!svcvip_is_prime(m))
		m++;
	return min(m, max);
}

bool svcvip_maglev_deferred(u32 count, const struct svcvip_sched_params *sp)
{
	return svcvip_maglev_table_size(count, sp->maglev_max) >
	       SVCVIP_MAGLEV_SYNC_MAX;
}

struct maglev_walk {
	u32 slot;	/* where the walk is */
	u32 skip;
	u32 turns;	/* steps per round = weight / gcd */
	u32 room;	/* slots it may still take */
};

static void maglev_perm(const struct svcvip_backend *be, u32 size,
			const siphash_key_t *seed, struct maglev_walk *w)
{
	struct {
		union nf_inet_addr addr;
		__be16 port;
		u8 family;
		u8 pad;
	} key;
	u64 h;

	memset(&key, 0, sizeof(key));
	key.addr = be->addr;
	key.port = be->port;
	key.family = be->family;
	h = siphash(&key, sizeof(key), seed);
	w->slot = (u32)h % size;
	w->skip = (u32)(h >> 32) % (size - 1) + 1;
}

static inline void maglev_step(struct maglev_walk *w, u32 size)
{
	w->slot += w->skip;
	if (w->slot >= size)
		w->slot -= size;
}

/*
 * One turn of a walk: first arrival takes a free slot if the backend has
 * room; with @classic (Maglev's own rule) the walk goes on to the next free
 * slot. Returns whether it took one.
 */
static inline bool maglev_turn(struct maglev_walk *w, u16 *lut, u32 size,
			       u16 member, bool classic)
{
	bool took = false;

	if (classic) {
		while (lut[w->slot] != 0xffff)
			maglev_step(w, size);
	}
	if (lut[w->slot] == 0xffff && w->room) {
		lut[w->slot] = member;
		w->room--;
		took = true;
	}
	maglev_step(w, size);
	return took;
}

/*
 * Below this many slots per backend no table is both balanced and
 * consistent: there the walk is Maglev's own (every backend gets its
 * share +-1 slot; one removal of n moves ~6/n of the flows).
 */
#define MAGLEV_CONSISTENT_MIN_SLOTS	32

int svcvip_maglev_build(struct svcvip_pool *pool,
			const struct svcvip_backend *backends,
			const struct svcvip_sched_params *sp)
{
	u32 size = svcvip_maglev_table_size(pool->count, sp->maglev_max);
	bool classic = size < MAGLEV_CONSISTENT_MIN_SLOTS * pool->count;
	u32 filled = 0, i, g = 0, active = pool->count;
	struct maglev_walk *walk;
	u32 *order;	/* members still in the rounds, in member order */
	u64 total = 0;
	u16 *lut;

	lut = kvmalloc_array(size, sizeof(*lut), SVCVIP_GFP);
	walk = kvmalloc_array(pool->count, sizeof(*walk), SVCVIP_GFP);
	order = kvmalloc_array(pool->count, sizeof(*order), SVCVIP_GFP);
	if (!lut || !walk || !order) {
		kvfree(lut);
		kvfree(walk);
		kvfree(order);
		return -ENOMEM;
	}
	memset(lut, 0xff, size * sizeof(*lut));

	for (i = 0; i < pool->count; i++) {
		g = gcd(g, backends[pool->member[i]].weight);
		total += backends[pool->member[i]].weight;
	}
	for (i = 0; i < pool->count; i++) {
		u32 wt = backends[pool->member[i]].weight;

		maglev_perm(&backends[pool->member[i]], size, &sp->seed,
			    &walk[i]);
		order[i] = i;
		walk[i].turns = wt / g;
		/* 1.1 x the weighted share, + 1: the caps sum to > size */
		walk[i].room = classic ? size :
			div64_u64((u64)size * wt * 11, total * 10) + 1;
	}

	/*
	 * Rounds in member (address) order. Members have weight > 0 and a
	 * walk covers the whole table, so one with room left finds any free
	 * slot within size steps: the loop ends. Members without room leave
	 * the rounds; the others keep their order.
	 */
	while (filled < size) {
		u32 kept = 0;

		for (i = 0; i < active && filled < size; i++) {
			struct maglev_walk *w = &walk[order[i]];
			u32 t;

			for (t = 0; t < w->turns && filled < size; t++)
				filled += maglev_turn(w, lut, size,
						      pool->member[order[i]],
						      classic);
			if (w->room)
				order[kept++] = order[i];
		}
		while (i < active)
			order[kept++] = order[i++];
		active = kept;
		cond_resched();
	}

	kvfree(walk);
	kvfree(order);
	pool->lut = lut;
	pool->lut_size = size;
	pool->seed = sp->seed;
	return 0;
}

/*
 * A pool good until the worker has built the real table: the flows of
 * every backend that stays keep it (its slots of @base, remapped), a flow
 * whose backend went or left the pool gets a member by its hash. New
 * backends and weights count from the rebuild on. O(nbase + count).
 * @map: backend index in @base's state -> index in the new state, or
 * SVCVIP_POOL_NONE; @members: this pool's, indices in the new state.
 */
struct svcvip_pool *svcvip_pool_interim(const u16 *members, u32 count,
					const struct svcvip_pool *base,
					const u16 *map, u32 nbase, u32 nnext,
					const struct svcvip_sched_params *sp)
{
	unsigned long *in = NULL;
	struct svcvip_pool *pool;
	u32 i;

	if (!count)
		return NULL;
	pool = svcvip_pool_alloc(SVCVIP_SCHED_MAGLEV, members, count);
	if (!pool)
		return ERR_PTR(-ENOMEM);
	pool->seed = sp->seed;
	pool->remap = kvmalloc_array(max_t(u32, nbase, 1), sizeof(u16),
				     SVCVIP_GFP);
	in = bitmap_zalloc(max_t(u32, nnext, 1), SVCVIP_GFP);
	if (!pool->remap || !in) {
		bitmap_free(in);
		svcvip_pool_free(pool);
		return ERR_PTR(-ENOMEM);
	}
	for (i = 0; i < count; i++)
		__set_bit(members[i], in);
	for (i = 0; i < nbase; i++)
		pool->remap[i] = map[i] != SVCVIP_POOL_NONE &&
				 test_bit(map[i], in) ? map[i] :
				 SVCVIP_POOL_NONE;
	bitmap_free(in);
	pool->base = base;
	return pool;
}
