/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-netns configuration: CIDR lists and limits. A config is immutable once
 * published; changing it builds a new one and swaps the RCU pointer.
 */
#ifndef _SVCVIP_CONFIG_H
#define _SVCVIP_CONFIG_H

#include <linux/types.h>
#include <linux/bits.h>
#include <linux/minmax.h>
#include <linux/compiler.h>
#include <linux/rcupdate.h>
#include <linux/netfilter.h>

#include "sched.h"

struct svcvip_cidr {
	union nf_inet_addr addr;	/* host bits are zero */
	union nf_inet_addr mask;
	u8 family;
	u8 prefixlen;
};

struct svcvip_cidrs {
	struct rcu_head rcu;
	u32 count;
	struct svcvip_cidr cidr[];
};

/* Defaults keep a runaway client from exhausting kernel memory while
 * leaving room for the largest clusters we know of.
 */
#define SVCVIP_DEFAULT_MAX_SERVICES	262144
#define SVCVIP_DEFAULT_MAX_FRONTENDS	1048576
#define SVCVIP_DEFAULT_MAX_BACKENDS	10000
#define SVCVIP_LIMIT_MAX_BACKENDS	65535	/* backend indexes are u16 */
#define SVCVIP_DEFAULT_AFFINITY_MAX	65536
#define SVCVIP_LIMIT_COUNT		BIT(26)	/* the policy's range */

/*
 * Module-wide ceilings (/proc/sys/net/svcvip/, writable only with
 * CAP_NET_ADMIN in the initial user namespace). Every netns's own limit is
 * at most its ceiling: a config set above one is refused, and a ceiling
 * lowered below a netns's limit clamps the limit in effect (svcvip_max_*).
 */
#define SVCVIP_CEILING_MAX_SERVICES	262144
#define SVCVIP_CEILING_MAX_FRONTENDS	1048576
#define SVCVIP_CEILING_MAX_BACKENDS	SVCVIP_LIMIT_MAX_BACKENDS
#define SVCVIP_CEILING_AFFINITY_MAX	1048576

struct svcvip_ceilings {
	u32 max_services;
	u32 max_frontends;
	u32 max_backends;
	u32 affinity_max;
};

extern struct svcvip_ceilings svcvip_ceiling;

/*
 * How long after a change to a large Maglev service its table is rebuilt
 * (/proc/sys/net/svcvip/rebuild_delay_ms, same permission): one build for
 * the burst of changes within it; interim states serve meanwhile.
 */
#define SVCVIP_DEFAULT_REBUILD_DELAY_MS	20
#define SVCVIP_MAX_REBUILD_DELAY_MS	60000
extern unsigned int svcvip_rebuild_delay_ms;

int svcvip_ceilings_register(void);
void svcvip_ceilings_unregister(void);

struct svcvip_config {
	struct rcu_head rcu;
	struct svcvip_cidrs *cluster_cidrs;	/* NULL = none */
	struct svcvip_cidrs *nodeport_cidrs;	/* NULL = every address */
	struct svcvip_cidrs *local_cidrs;	/* NULL = use cluster_cidrs */
	struct svcvip_cidrs *service_cidrs;	/* NULL = none */
	bool masquerade_all;
	u32 affinity_max;
	u32 max_services;
	u32 max_frontends;
	u32 max_backends;
	bool packet_stats;	/* per-packet counters (and their hook) */
	struct svcvip_sched_params sched;	/* hash seed, Maglev size */
};

/* The limits in effect: the netns's own, clamped by the ceiling. */
static inline u32 svcvip_max_services(const struct svcvip_config *cfg)
{
	return min(cfg->max_services, READ_ONCE(svcvip_ceiling.max_services));
}

static inline u32 svcvip_max_frontends(const struct svcvip_config *cfg)
{
	return min(cfg->max_frontends, READ_ONCE(svcvip_ceiling.max_frontends));
}

static inline u32 svcvip_max_backends(const struct svcvip_config *cfg)
{
	return min(cfg->max_backends, READ_ONCE(svcvip_ceiling.max_backends));
}

static inline u32 svcvip_affinity_max(const struct svcvip_config *cfg)
{
	return min(cfg->affinity_max, READ_ONCE(svcvip_ceiling.affinity_max));
}

struct svcvip_config *svcvip_config_alloc_default(void);
struct svcvip_config *svcvip_config_dup(const struct svcvip_config *old);
void svcvip_config_free(struct svcvip_config *cfg);
void svcvip_config_free_rcu(struct svcvip_config *cfg);

void svcvip_cidrs_free(struct svcvip_cidrs *cidrs);
struct svcvip_cidrs *svcvip_cidrs_dup(const struct svcvip_cidrs *cidrs);
bool svcvip_cidrs_match(const struct svcvip_cidrs *cidrs, u8 family,
			const union nf_inet_addr *addr);
void svcvip_cidr_set(struct svcvip_cidr *c, u8 family,
		     const union nf_inet_addr *addr, u8 prefixlen);
bool svcvip_cidr_host_bits_zero(const struct svcvip_cidr *c);

#endif /* _SVCVIP_CONFIG_H */
