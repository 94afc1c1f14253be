/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-netns configuration: CIDR lists and limits. A config is immutable once
 * published; changing it builds a new one and swaps the RCU pointer.
 */
#ifndef _SVCVIP_CONFIG_H
#define _SVCVIP_CONFIG_H

#include <linux/types.h>
#include <linux/rcupdate.h>
#include <linux/netfilter.h>

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
};

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
