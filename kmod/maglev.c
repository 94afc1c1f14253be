// SPDX-License-Identifier: GPL-2.0
/*
 * Maglev consistent hashing (Eisenbud et al., NSDI 2016), weighted.
 *
 * Each backend walks its own permutation of the table and claims the next
 * free slot, as many slots per round as its weight; a flow then maps to
 * lut[hash(5-tuple) % size]. The hash is keyed and deterministic per flow,
 * so two racing first packets of one UDP flow choose the same backend and
 * conntrack's clash resolution keeps both (kubernetes#56903). Permutations
 * only depend on the backend address, so a backend set change moves few
 * flows.
 */

#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/random.h>
#include <linux/siphash.h>
#include <linux/sched.h>
#include <linux/gcd.h>
#include <linux/log2.h>

#include "sched.h"
#include "table.h"
#include "gfp.h"

static siphash_aligned_key_t svcvip_flow_key;

/* Fixed keys: a backend's permutation is the same on every node and boot,
 * as in Maglev, so nodes agree on most flows.
 */
static const siphash_key_t svcvip_offset_key = {
	{ 0x736f6d6570736575ULL, 0x646f72616e646f6dULL }
};

static const siphash_key_t svcvip_skip_key = {
	{ 0x6c7967656e657261ULL, 0x7465646279746573ULL }
};

void svcvip_flow_hash_init(void)
{
	get_random_bytes(&svcvip_flow_key, sizeof(svcvip_flow_key));
}

u32 svcvip_flow_hash(const struct svcvip_flow *flow)
{
	return (u32)siphash(flow, sizeof(*flow), &svcvip_flow_key);
}

static bool is_prime(u32 n)
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
 * A prime of at least 100 slots per backend keeps the load within ~1 %.
 * The backend count is rounded up to a power of two first, so the size (and
 * with it every permutation) stays put while a service grows or shrinks
 * within that range: that is what keeps the hashing consistent.
 */
u32 svcvip_maglev_table_size(u32 count)
{
	u32 m = roundup_pow_of_two(max_t(u32, count, 1)) * 100;

	while (!is_prime(m))
		m++;
	return m;
}

struct maglev_walk {
	u32 offset;
	u32 skip;
	u32 next;
	u32 turns;	/* slots taken per round = weight / gcd */
};

static void maglev_perm(const struct svcvip_backend *be, u32 size,
			struct maglev_walk *w)
{
	struct {
		union nf_inet_addr addr;
		__be16 port;
		u8 family;
		u8 pad;
	} key;

	memset(&key, 0, sizeof(key));
	key.addr = be->addr;
	key.port = be->port;
	key.family = be->family;
	w->offset = siphash(&key, sizeof(key), &svcvip_offset_key) % size;
	w->skip = siphash(&key, sizeof(key), &svcvip_skip_key) % (size - 1) + 1;
	w->next = 0;
}

int svcvip_maglev_build(struct svcvip_pool *pool,
			const struct svcvip_backend *backends)
{
	u32 size = svcvip_maglev_table_size(pool->count);
	struct maglev_walk *walk;
	u32 filled = 0, i, g = 0;
	u16 *lut;

	lut = kvmalloc_array(size, sizeof(*lut), SVCVIP_GFP);
	if (!lut)
		return -ENOMEM;
	walk = kvmalloc_array(pool->count, sizeof(*walk), SVCVIP_GFP);
	if (!walk) {
		kvfree(lut);
		return -ENOMEM;
	}
	memset(lut, 0xff, size * sizeof(*lut));

	for (i = 0; i < pool->count; i++)
		g = gcd(g, backends[pool->member[i]].weight);
	for (i = 0; i < pool->count; i++) {
		maglev_perm(&backends[pool->member[i]], size, &walk[i]);
		walk[i].turns = backends[pool->member[i]].weight / g;
	}

	/* Members have weight > 0, so every round fills at least one slot. */
	while (filled < size) {
		for (i = 0; i < pool->count && filled < size; i++) {
			struct maglev_walk *w = &walk[i];
			u32 t;

			for (t = 0; t < w->turns && filled < size; t++) {
				u32 slot;

				do {
					slot = (w->offset +
						(u64)w->next * w->skip) % size;
					w->next++;
				} while (lut[slot] != 0xffff);
				lut[slot] = pool->member[i];
				filled++;
			}
		}
		cond_resched();
	}

	kvfree(walk);
	pool->lut = lut;
	pool->lut_size = size;
	return 0;
}
