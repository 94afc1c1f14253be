// SPDX-License-Identifier: GPL-2.0
/*
 * Per-netns configuration objects and CIDR lists.
 */

#include <linux/slab.h>
#include <linux/string.h>
#include <linux/socket.h>
#include <linux/capability.h>
#include <linux/sysctl.h>
#include <net/net_namespace.h>
#include <net/ipv6.h>

#include "config.h"
#include "gfp.h"

struct svcvip_ceilings svcvip_ceiling __read_mostly = {
	.max_services = SVCVIP_CEILING_MAX_SERVICES,
	.max_frontends = SVCVIP_CEILING_MAX_FRONTENDS,
	.max_backends = SVCVIP_CEILING_MAX_BACKENDS,
	.affinity_max = SVCVIP_CEILING_AFFINITY_MAX,
};

unsigned int svcvip_rebuild_delay_ms __read_mostly =
	SVCVIP_DEFAULT_REBUILD_DELAY_MS;

static unsigned int ceiling_min = 1;
static unsigned int rebuild_delay_max = SVCVIP_MAX_REBUILD_DELAY_MS;
static unsigned int ceiling_max_count = SVCVIP_LIMIT_COUNT;
static unsigned int ceiling_max_backends = SVCVIP_LIMIT_MAX_BACKENDS;

/*
 * Only CAP_NET_ADMIN in the initial user namespace moves a ceiling. The
 * table is registered in init_net only, so no other netns sees it; the
 * explicit check makes that independent of procfs permissions.
 */
static int ceiling_handler(struct ctl_table *table, int write, void *buffer,
			   size_t *lenp, loff_t *ppos)
{
	if (write && !capable(CAP_NET_ADMIN))
		return -EPERM;
	return proc_douintvec_minmax(table, write, buffer, lenp, ppos);
}

static struct ctl_table ceiling_table[] = {
	{
		.procname = "max_services",
		.data = &svcvip_ceiling.max_services,
		.maxlen = sizeof(u32),
		.mode = 0644,
		.proc_handler = ceiling_handler,
		.extra1 = &ceiling_min,
		.extra2 = &ceiling_max_count,
	},
	{
		.procname = "max_frontends",
		.data = &svcvip_ceiling.max_frontends,
		.maxlen = sizeof(u32),
		.mode = 0644,
		.proc_handler = ceiling_handler,
		.extra1 = &ceiling_min,
		.extra2 = &ceiling_max_count,
	},
	{
		.procname = "max_backends",
		.data = &svcvip_ceiling.max_backends,
		.maxlen = sizeof(u32),
		.mode = 0644,
		.proc_handler = ceiling_handler,
		.extra1 = &ceiling_min,
		.extra2 = &ceiling_max_backends,
	},
	{
		.procname = "affinity_max",
		.data = &svcvip_ceiling.affinity_max,
		.maxlen = sizeof(u32),
		.mode = 0644,
		.proc_handler = ceiling_handler,
		.extra1 = &ceiling_min,
		.extra2 = &ceiling_max_count,
	},
	{
		.procname = "rebuild_delay_ms",
		.data = &svcvip_rebuild_delay_ms,
		.maxlen = sizeof(unsigned int),
		.mode = 0644,
		.proc_handler = ceiling_handler,
		.extra1 = SYSCTL_ZERO,
		.extra2 = &rebuild_delay_max,
	},
	{ }
};

static struct ctl_table_header *ceiling_header;

int svcvip_ceilings_register(void)
{
	ceiling_header = register_net_sysctl(&init_net, "net/svcvip",
					     ceiling_table);
	return ceiling_header ? 0 : -ENOMEM;
}

void svcvip_ceilings_unregister(void)
{
	unregister_net_sysctl_table(ceiling_header);
}

struct svcvip_config *svcvip_config_alloc_default(void)
{
	struct svcvip_config *cfg;

	cfg = kzalloc(sizeof(*cfg), SVCVIP_GFP);
	if (!cfg)
		return NULL;
	cfg->affinity_max = min_t(u32, SVCVIP_DEFAULT_AFFINITY_MAX,
				  READ_ONCE(svcvip_ceiling.affinity_max));
	cfg->max_services = min_t(u32, SVCVIP_DEFAULT_MAX_SERVICES,
				  READ_ONCE(svcvip_ceiling.max_services));
	cfg->max_frontends = min_t(u32, SVCVIP_DEFAULT_MAX_FRONTENDS,
				   READ_ONCE(svcvip_ceiling.max_frontends));
	cfg->max_backends = min_t(u32, SVCVIP_DEFAULT_MAX_BACKENDS,
				  READ_ONCE(svcvip_ceiling.max_backends));
	svcvip_sched_params_default(&cfg->sched);
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
		       SVCVIP_GFP);
}

/* Returns a deep copy, or NULL on allocation failure. */
struct svcvip_config *svcvip_config_dup(const struct svcvip_config *old)
{
	struct svcvip_config *cfg;

	cfg = kmemdup(old, sizeof(*old), SVCVIP_GFP);
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
