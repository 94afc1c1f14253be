/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-CPU counters of services and backends: connections scheduled, and
 * packets and bytes in each direction. Writers touch only their own CPU's
 * copy, with no lock and no atomic; readers sum the copies.
 */
#ifndef _SVCVIP_STATS_H
#define _SVCVIP_STATS_H

#include <linux/types.h>
#include <linux/percpu.h>
#include <linux/refcount.h>
#include <linux/u64_stats_sync.h>

struct svcvip_stats_cpu {
	u64_stats_t conns;
	u64_stats_t pkts[2];	/* by conntrack direction: 0 = in, 1 = out */
	u64_stats_t bytes[2];
	struct u64_stats_sync syncp;
};

struct svcvip_stats_sum {
	u64 conns;
	u64 pkts[2];
	u64 bytes[2];
};

/*
 * A backend's counters outlive the backend sets that share them: each
 * state holding the backend holds a reference, so replacing a service's
 * backend set keeps the counts of the backends it keeps.
 */
struct svcvip_backend_stats {
	refcount_t ref;
	struct svcvip_stats_cpu __percpu *cpu;
};

struct svcvip_stats_cpu __percpu *svcvip_stats_alloc(void);
void svcvip_stats_free(struct svcvip_stats_cpu __percpu *s);

struct svcvip_backend_stats *svcvip_backend_stats_new(void);
void svcvip_backend_stats_put(struct svcvip_backend_stats *bs);

static inline void svcvip_backend_stats_get(struct svcvip_backend_stats *bs)
{
	refcount_inc(&bs->ref);
}

/* Packet path: either pointer may be NULL. */
void svcvip_stats_count_conn(struct svcvip_stats_cpu __percpu *svc,
			     struct svcvip_stats_cpu __percpu *be);
void svcvip_stats_count_packet(struct svcvip_stats_cpu __percpu *svc,
			       struct svcvip_stats_cpu __percpu *be,
			       int dir, unsigned int len);

void svcvip_stats_read(struct svcvip_stats_cpu __percpu *s,
		       struct svcvip_stats_sum *sum);

#endif /* _SVCVIP_STATS_H */
