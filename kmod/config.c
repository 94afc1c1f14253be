// SPDX-License-Identifier: GPL-2.0
/*
 * Per-netns configuration objects and CIDR lists.
 */

#include <linux/slab.h>
#include <linux/string.h>
#include <linux/socket.h>
#include <net/ipv6.h>

#include "config.h"

struct svcvip_config *svcvip_config_alloc_default(void)
{
	struct svcvip_config *cfg;

	cfg = kzalloc(sizeof(*cfg), GFP_KERNEL_ACCOUNT);
	if (!cfg)
		return NULL;
	cfg->affinity_max = SVCVIP_DEFAULT_AFFINITY_MAX;
	cfg->max_services = SVCVIP_DEFAULT_MAX_SERVICES;
	cfg->max_frontends = SVCVIP_DEFAULT_MAX_FRONTENDS;
	cfg->max_backends = SVCVIP_DEFAULT_MAX_BACKENDS;
	return cfg;
}

void svcvip_cidrs_free(struct svcvip_cidrs *cidrs)
{
	kfree(cidrs);
}

struct svcvip_cidrs *svcvip_cidrs_dup(const struct svcvip_cidrs *cidrs)
{
	if (!cidrs)
		return NULL;
	return kmemdup(cidrs, struct_size(cidrs, cidr, cidrs->count),
		       GFP_KERNEL_ACCOUNT);
}

/* Returns a deep copy, or NULL on allocation failure. */
struct svcvip_config *svcvip_config_dup(const struct svcvip_config *old)
{
	struct svcvip_config *cfg;

	cfg = kmemdup(old, sizeof(*old), GFP_KERNEL_ACCOUNT);
	if (!cfg)
		return NULL;
	cfg->cluster_cidrs = NULL;
	cfg->nodeport_cidrs = NULL;
	cfg->local_cidrs = NULL;
	cfg->service_cidrs = NULL;
	if (old->cluster_cidrs) {
		cfg->cluster_cidrs = svcvip_cidrs_dup(old->cluster_cidrs);
		if (!cfg->cluster_cidrs)
			goto err;
	}
	if (old->nodeport_cidrs) {
		cfg->nodeport_cidrs = svcvip_cidrs_dup(old->nodeport_cidrs);
		if (!cfg->nodeport_cidrs)
			goto err;
	}
	if (old->local_cidrs) {
		cfg->local_cidrs = svcvip_cidrs_dup(old->local_cidrs);
		if (!cfg->local_cidrs)
			goto err;
	}
	if (old->service_cidrs) {
		cfg->service_cidrs = svcvip_cidrs_dup(old->service_cidrs);
		if (!cfg->service_cidrs)
			goto err;
	}
	return cfg;
err:
	svcvip_config_free(cfg);
	return NULL;
}

void svcvip_config_free(struct svcvip_config *cfg)
{
	if (!cfg)
		return;
	svcvip_cidrs_free(cfg->cluster_cidrs);
	svcvip_cidrs_free(cfg->nodeport_cidrs);
	svcvip_cidrs_free(cfg->local_cidrs);
	svcvip_cidrs_free(cfg->service_cidrs);
	kfree(cfg);
}

static void svcvip_config_free_cb(struct rcu_head *rcu)
{
	svcvip_config_free(container_of(rcu, struct svcvip_config, rcu));
}

void svcvip_config_free_rcu(struct svcvip_config *cfg)
{
	if (cfg)
		call_rcu(&cfg->rcu, svcvip_config_free_cb);
}

void svcvip_cidr_set(struct svcvip_cidr *c, u8 family,
		     const union nf_inet_addr *addr, u8 prefixlen)
{
	int i;

	memset(c, 0, sizeof(*c));
	c->family = family;
	c->prefixlen = prefixlen;
	c->addr = *addr;
	if (family == AF_INET) {
		c->mask.ip = prefixlen ? htonl(~0U << (32 - prefixlen)) : 0;
		c->addr.all[1] = 0;
		c->addr.all[2] = 0;
		c->addr.all[3] = 0;
		return;
	}
	for (i = 0; i < 4; i++) {
		int bits = clamp_t(int, prefixlen - 32 * i, 0, 32);

		c->mask.ip6[i] = bits ? htonl(~0U << (32 - bits)) : 0;
	}
}

bool svcvip_cidr_host_bits_zero(const struct svcvip_cidr *c)
{
	int i;

	for (i = 0; i < 4; i++)
		if (c->addr.all[i] & ~c->mask.all[i])
			return false;
	return true;
}

static bool svcvip_cidr_match(const struct svcvip_cidr *c,
			      const union nf_inet_addr *addr)
{
	if (c->family == AF_INET)
		return !((addr->ip ^ c->addr.ip) & c->mask.ip);
	return !ipv6_masked_addr_cmp(&addr->in6, &c->mask.in6, &c->addr.in6);
}

bool svcvip_cidrs_match(const struct svcvip_cidrs *cidrs, u8 family,
			const union nf_inet_addr *addr)
{
	u32 i;

	if (!cidrs)
		return false;
	for (i = 0; i < cidrs->count; i++)
		if (cidrs->cidr[i].family == family &&
		    svcvip_cidr_match(&cidrs->cidr[i], addr))
			return true;
	return false;
}
