// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU counters, as IPVS keeps them: a writer updates its own CPU's copy
 * with preemption off (u64_stats_t makes that safe against a softirq on the
 * same CPU), so the packet path takes no lock and no atomic.
 */

#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/percpu.h>

#include "stats.h"
#include "gfp.h"

struct svcvip_stats_cpu __percpu *svcvip_stats_alloc(void)
{
	struct svcvip_stats_cpu __percpu *s;
	int cpu;

	s = alloc_percpu_gfp(struct svcvip_stats_cpu, SVCVIP_GFP);
	if (!s)
		return NULL;
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(s, cpu)->syncp);
	return s;
}

/* May be called from an RCU callback: free_percpu() is atomic-safe. */
void svcvip_stats_free(struct svcvip_stats_cpu __percpu *s)
{
	free_percpu(s);
}

struct svcvip_backend_stats *svcvip_backend_stats_new(void)
{
	struct svcvip_backend_stats *bs;

	bs = kmalloc(sizeof(*bs), SVCVIP_GFP);
	if (!bs)
		return NULL;
	bs->cpu = svcvip_stats_alloc();
	if (!bs->cpu) {
		kfree(bs);
		return NULL;
	}
	refcount_set(&bs->ref, 1);
	return bs;
}

void svcvip_backend_stats_put(struct svcvip_backend_stats *bs)
{
	if (bs && refcount_dec_and_test(&bs->ref)) {
		svcvip_stats_free(bs->cpu);
		kfree(bs);
	}
}

static void count(struct svcvip_stats_cpu __percpu *p, int dir,
		  unsigned int len, bool conn)
{
	struct svcvip_stats_cpu *s = this_cpu_ptr(p);
	unsigned long flags;

	flags = u64_stats_update_begin_irqsave(&s->syncp);
	if (conn) {
		u64_stats_inc(&s->conns);
	} else {
		u64_stats_inc(&s->pkts[dir]);
		u64_stats_add(&s->bytes[dir], len);
	}
	u64_stats_update_end_irqrestore(&s->syncp, flags);
}

void svcvip_stats_count_conn(struct svcvip_stats_cpu __percpu *svc,
			     struct svcvip_stats_cpu __percpu *be)
{
	preempt_disable();
	if (svc)
		count(svc, 0, 0, true);
	if (be)
		count(be, 0, 0, true);
	preempt_enable();
}

void svcvip_stats_count_packet(struct svcvip_stats_cpu __percpu *svc,
			       struct svcvip_stats_cpu __percpu *be,
			       int dir, unsigned int len)
{
	preempt_disable();
	if (svc)
		count(svc, dir, len, false);
	if (be)
		count(be, dir, len, false);
	preempt_enable();
}

void svcvip_stats_read(struct svcvip_stats_cpu __percpu *p,
		       struct svcvip_stats_sum *sum)
{
	int cpu, d;

	memset(sum, 0, sizeof(*sum));
	if (!p)
		return;
	for_each_possible_cpu(cpu) {
		const struct svcvip_stats_cpu *s = per_cpu_ptr(p, cpu);
		struct svcvip_stats_sum one;
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			one.conns = u64_stats_read(&s->conns);
			for (d = 0; d < 2; d++) {
				one.pkts[d] = u64_stats_read(&s->pkts[d]);
				one.bytes[d] = u64_stats_read(&s->bytes[d]);
			}
		} while (u64_stats_fetch_retry(&s->syncp, start));
		sum->conns += one.conns;
		for (d = 0; d < 2; d++) {
			sum->pkts[d] += one.pkts[d];
			sum->bytes[d] += one.bytes[d];
		}
	}
}
