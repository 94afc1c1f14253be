// SPDX-License-Identifier: GPL-2.0
/*
 * Pools and the schedulers random, rr and wrr (maglev is in maglev.c).
 */

#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/random.h>
#include <linux/gcd.h>
#include <linux/math64.h>
#include <linux/bsearch.h>
#include <linux/sched.h>
#include <uapi/linux/svcvip.h>

#include "sched.h"
#include "table.h"
#include "gfp.h"

/* Longest precomputed wrr sequence; larger weight sums are scaled down. */
#define SVCVIP_WRR_SEQ_MAX	65536

static int random_build(struct svcvip_pool *pool,
			const struct svcvip_backend *backends)
{
	u32 i, sum = 0;

	pool->cumulative = kvmalloc_array(pool->count, sizeof(u32),
					  SVCVIP_GFP);
	if (!pool->cumulative)
		return -ENOMEM;
	for (i = 0; i < pool->count; i++) {
		/* weights <= 65535 and count <= 65535: no overflow */
		sum += backends[pool->member[i]].weight;
		pool->cumulative[i] = sum;
	}
	pool->total_weight = sum;
	return 0;
}

static u16 random_pick(const struct svcvip_pool *pool)
{
	u32 r = get_random_u32_below(pool->total_weight);
	u32 lo = 0, hi = pool->count - 1;

	/* first member whose running sum exceeds r */
	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (pool->cumulative[mid] > r)
			hi = mid;
		else
			lo = mid + 1;
	}
	return pool->member[lo];
}

/* Turns of each member in one wrr sequence: weight / gcd, scaled down
 * (every member keeping at least one turn) if the sum is too long.
 */
static u32 wrr_turns(const struct svcvip_pool *pool,
		     const struct svcvip_backend *backends, u32 *w)
{
	u32 i, g = 0, len = 0;
	u64 sum = 0;

	for (i = 0; i < pool->count; i++)
		g = gcd(g, backends[pool->member[i]].weight);
	for (i = 0; i < pool->count; i++) {
		w[i] = backends[pool->member[i]].weight / g;
		sum += w[i];
	}
	if (sum > SVCVIP_WRR_SEQ_MAX) {
		/* keep the proportions, give every member at least one turn */
		for (i = 0; i < pool->count; i++)
			w[i] = max_t(u32, 1, div64_u64((u64)w[i] *
					(SVCVIP_WRR_SEQ_MAX - pool->count),
					sum));
	}
	for (i = 0; i < pool->count; i++)
		len += w[i];
	return len;
}

/* Where the k-th of a member's @w turns falls in a sequence of @len: the
 * middle of its k-th equal share, (k + 1/2) * len / w.
 */
static inline u32 wrr_slot(u32 k, u32 w, u32 len)
{
	return div_u64((u64)(2 * k + 1) * len, 2 * w);
}

/*
 * Smooth weighted round robin unrolled into a sequence, so that picking is
 * one atomic increment: each member's turns are spread evenly over the
 * sequence (its k-th turn at (k + 1/2) / weight of the way), turns at the
 * same place in member order. Built by a counting sort of the turns: O(len
 * + count), len <= SVCVIP_WRR_SEQ_MAX, where the nginx-style build was
 * O(len x count) (16 s for 65,535 backends).
 */
static int wrr_build(struct svcvip_pool *pool,
		     const struct svcvip_backend *backends)
{
	u32 i, k, len, *w, *start = NULL;
	int ret = -ENOMEM;

	w = kvmalloc_array(pool->count, sizeof(*w), SVCVIP_GFP);
	if (!w)
		return -ENOMEM;
	len = wrr_turns(pool, backends, w);
	pool->lut = kvmalloc_array(len, sizeof(*pool->lut), SVCVIP_GFP);
	start = kvcalloc(len + 1, sizeof(*start), SVCVIP_GFP);
	if (!pool->lut || !start)
		goto out;

	/* turns per place, then where each place starts */
	for (i = 0; i < pool->count; i++)
		for (k = 0; k < w[i]; k++)
			start[wrr_slot(k, w[i], len) + 1]++;
	for (i = 1; i <= len; i++)
		start[i] += start[i - 1];
	for (i = 0; i < pool->count; i++) {
		for (k = 0; k < w[i]; k++)
			pool->lut[start[wrr_slot(k, w[i], len)]++] =
				pool->member[i];
		if ((i & 1023) == 1023)
			cond_resched();
	}
	pool->lut_size = len;
	ret = 0;
out:
	kvfree(start);
	kvfree(w);
	return ret;
}

/* A pool of @count (> 0) members and nothing built yet. */
struct svcvip_pool *svcvip_pool_alloc(u8 scheduler, const u16 *members,
				      u32 count)
{
	struct svcvip_pool *pool;

	pool = kvzalloc(struct_size(pool, member, count), SVCVIP_GFP);
	if (!pool)
		return NULL;
	pool->count = count;
	pool->scheduler = scheduler;
	memcpy(pool->member, members, count * sizeof(*members));
	atomic_set(&pool->cursor, 0);
	return pool;
}

struct svcvip_pool *svcvip_pool_build(u8 scheduler,
				      const struct svcvip_backend *backends,
				      const u16 *members, u32 count,
				      const struct svcvip_sched_params *sp)
{
	struct svcvip_pool *pool;
	int ret = 0;

	if (!count)
		return NULL;
	pool = svcvip_pool_alloc(scheduler, members, count);
	if (!pool)
		return ERR_PTR(-ENOMEM);

	switch (scheduler) {
	case SVCVIP_SCHED_MAGLEV:
		ret = svcvip_maglev_build(pool, backends, sp);
		break;
	case SVCVIP_SCHED_RANDOM:
		ret = random_build(pool, backends);
		break;
	case SVCVIP_SCHED_RR:
		break;
	case SVCVIP_SCHED_WRR:
		ret = wrr_build(pool, backends);
		break;
	default:
		ret = -EINVAL;
	}
	if (ret) {
		svcvip_pool_free(pool);
		return ERR_PTR(ret);
	}
	return pool;
}

void svcvip_pool_free(struct svcvip_pool *pool)
{
	if (IS_ERR_OR_NULL(pool))
		return;
	kvfree(pool->lut);
	kvfree(pool->cumulative);
	kvfree(pool->remap);
	kvfree(pool);
}

static u32 cursor_step(struct svcvip_pool *pool, u32 modulo, bool dry_run)
{
	u32 pos;

	/* One shared counter keeps rr exact across CPUs; it is the only
	 * atomic on the packet path and only for rr/wrr services.
	 */
	if (dry_run)
		pos = (u32)atomic_read(&pool->cursor);
	else
		pos = (u32)atomic_inc_return(&pool->cursor) - 1;
	return pos % modulo;
}

/* Maglev while its table is rebuilt: see svcvip_pool_interim(). */
static u16 interim_pick(const struct svcvip_pool *pool,
			const struct svcvip_flow *flow)
{
	u32 h = svcvip_flow_hash(flow, &pool->seed);
	u16 idx = SVCVIP_POOL_NONE;

	if (pool->base)
		idx = pool->remap[pool->base->lut[h % pool->base->lut_size]];
	if (idx != SVCVIP_POOL_NONE)
		return idx;
	return pool->member[reciprocal_scale(h, pool->count)];
}

u16 svcvip_pool_pick(struct svcvip_pool *pool, const struct svcvip_flow *flow,
		     bool dry_run)
{
	switch (pool->scheduler) {
	case SVCVIP_SCHED_RANDOM:
		return random_pick(pool);
	case SVCVIP_SCHED_RR:
		return pool->member[cursor_step(pool, pool->count, dry_run)];
	case SVCVIP_SCHED_WRR:
		return pool->lut[cursor_step(pool, pool->lut_size, dry_run)];
	case SVCVIP_SCHED_MAGLEV:
	default:
		if (unlikely(pool->remap))
			return interim_pick(pool, flow);
		return pool->lut[svcvip_flow_hash(flow, &pool->seed) %
				 pool->lut_size];
	}
}

static int member_cmp(const void *key, const void *elt)
{
	u16 a = *(const u16 *)key, b = *(const u16 *)elt;

	return a < b ? -1 : a > b;
}

/* Whether backend @idx may get new connections from this pool. */
bool svcvip_pool_has(const struct svcvip_pool *pool, u16 idx)
{
	/* members are built in backend order, so sorted */
	return bsearch(&idx, pool->member, pool->count, sizeof(idx),
		       member_cmp);
}
