/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Counters of services and backends.
 *
 * Connections scheduled are always counted, once per new connection at the
 * DNAT decision: per CPU for a service (8 bytes per possible CPU), one
 * atomic for a backend. Packets and bytes in each direction are counted
 * only while the netns's packet-stats setting is on (the per-packet hook is
 * not even registered otherwise), in atomics kept inline, so a backend costs
 * a few dozen bytes whatever the number of possible CPUs.
 */
#ifndef _SVCVIP_STATS_H
#define _SVCVIP_STATS_H

#include <linux/types.h>
#include <linux/atomic.h>
#include <linux/percpu.h>
#include <linux/refcount.h>
#include <linux/u64_stats_sync.h>

struct svcvip_stats_cpu {
	u64_stats_t conns;
	struct u64_stats_sync syncp;
};

/* Packets and bytes by conntrack direction: 0 = in, 1 = out. */
struct svcvip_pkt_stats {
	atomic64_t pkts[2];
	atomic64_t bytes[2];
};

struct svcvip_service_stats {
	struct svcvip_stats_cpu __percpu *cpu;
	struct svcvip_pkt_stats pkt;
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
	atomic64_t conns;
	struct svcvip_pkt_stats pkt;
};

struct svcvip_service_stats *svcvip_stats_alloc(void);
void svcvip_stats_free(struct svcvip_service_stats *s);

struct svcvip_backend_stats *svcvip_backend_stats_new(void);
void svcvip_backend_stats_put(struct svcvip_backend_stats *bs);

static inline void svcvip_backend_stats_get(struct svcvip_backend_stats *bs)
{
	refcount_inc(&bs->ref);
}

/* Packet path: either pointer may be NULL. */
void svcvip_stats_count_conn(struct svcvip_service_stats *svc,
			     struct svcvip_backend_stats *be);
void svcvip_stats_count_packet(struct svcvip_service_stats *svc,
			       struct svcvip_backend_stats *be,
			       int dir, unsigned int len);

void svcvip_stats_read(const struct svcvip_service_stats *s,
		       struct svcvip_stats_sum *sum);
void svcvip_backend_stats_read(const struct svcvip_backend_stats *bs,
			       struct svcvip_stats_sum *sum);

#endif /* _SVCVIP_STATS_H */
