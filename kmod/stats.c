// SPDX-License-Identifier: GPL-2.0
/*
 * Counters. A service's connection counter is per CPU, as IPVS keeps its
 * counters: a writer updates its own CPU's copy with preemption off
 * (u64_stats_t makes that safe against a softirq on the same CPU), with no
 * lock and no atomic. It is the only per-CPU memory: 8 bytes per possible
 * CPU and service. A backend's connection counter is one atomic add per new
 * connection to it. Packet and byte counters are atomics, updated only
 * while packet-stats is on: that is their documented cost (a shared cache
 * line per service and backend, like conntrack accounting's per-entry
 * counters), paid only by those who ask for them.
 */

#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/percpu.h>

#include "stats.h"
#include "gfp.h"

struct svcvip_service_stats *svcvip_stats_alloc(void)
{
	struct svcvip_service_stats *s;
	int cpu, d;

	s = kmalloc(sizeof(*s), SVCVIP_GFP);
	if (!s)
		return NULL;
	s->cpu = alloc_percpu_gfp(struct svcvip_stats_cpu, SVCVIP_GFP);
	if (!s->cpu) {
		kfree(s);
		return NULL;
	}
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(s->cpu, cpu)->syncp);
	for (d = 0; d < 2; d++) {
		atomic64_set(&s->pkt.pkts[d], 0);
		atomic64_set(&s->pkt.bytes[d], 0);
	}
	return s;
}

/* May be called from an RCU callback: free_percpu() is atomic-safe. */
void svcvip_stats_free(struct svcvip_service_stats *s)
{
	if (!s)
		return;
	free_percpu(s->cpu);
	kfree(s);
}

struct svcvip_backend_stats *svcvip_backend_stats_new(void)
{
	struct svcvip_backend_stats *bs;

	bs = kzalloc(sizeof(*bs), SVCVIP_GFP);
	if (!bs)
		return NULL;
	refcount_set(&bs->ref, 1);
	return bs;
}

void svcvip_backend_stats_put(struct svcvip_backend_stats *bs)
{
	if (bs && refcount_dec_and_test(&bs->ref))
		kfree(bs);
}

void svcvip_stats_count_conn(struct svcvip_service_stats *svc,
			     struct svcvip_backend_stats *be)
{
	struct svcvip_stats_cpu *s;
	unsigned long flags;

	if (svc) {
		preempt_disable();
		s = this_cpu_ptr(svc->cpu);
		flags = u64_stats_update_begin_irqsave(&s->syncp);
		u64_stats_inc(&s->conns);
		u64_stats_update_end_irqrestore(&s->syncp, flags);
		preempt_enable();
	}
	if (be)
		atomic64_inc(&be->conns);
}

static void count_pkt(struct svcvip_pkt_stats *p, int dir, unsigned int len)
{
	atomic64_inc(&p->pkts[dir]);
	atomic64_add(len, &p->bytes[dir]);
}

void svcvip_stats_count_packet(struct svcvip_service_stats *svc,
			       struct svcvip_backend_stats *be,
			       int dir, unsigned int len)
{
	if (svc)
		count_pkt(&svc->pkt, dir, len);
	if (be)
		count_pkt(&be->pkt, dir, len);
}

static void read_pkt(const struct svcvip_pkt_stats *p,
		     struct svcvip_stats_sum *sum)
{
	int d;

	for (d = 0; d < 2; d++) {
		sum->pkts[d] = atomic64_read(&p->pkts[d]);
		sum->bytes[d] = atomic64_read(&p->bytes[d]);
	}
}

void svcvip_stats_read(const struct svcvip_service_stats *p,
		       struct svcvip_stats_sum *sum)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	if (!p)
		return;
	for_each_possible_cpu(cpu) {
		const struct svcvip_stats_cpu *s = per_cpu_ptr(p->cpu, cpu);
		unsigned int start;
		u64 conns;

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			conns = u64_stats_read(&s->conns);
		} while (u64_stats_fetch_retry(&s->syncp, start));
		sum->conns += conns;
	}
	read_pkt(&p->pkt, sum);
}

void svcvip_backend_stats_read(const struct svcvip_backend_stats *bs,
			       struct svcvip_stats_sum *sum)
{
	memset(sum, 0, sizeof(*sum));
	if (!bs)
		return;
	sum->conns = atomic64_read(&bs->conns);
	read_pkt(&bs->pkt, sum);
}
