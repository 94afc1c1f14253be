// SPDX-License-Identifier: GPL-2.0
/*
 * Attribute builders shared by replies, dumps and events.
 */

#include <linux/kernel.h>
#include <uapi/linux/svcvip.h>
#include <net/netfilter/nf_conntrack_tuple.h>

#include "nl_fill.h"

static int addr_len(u8 family)
{
	return family == AF_INET ? sizeof(struct in_addr) :
				   sizeof(struct in6_addr);
}

int svcvip_nl_put_cidrs(struct sk_buff *skb, int type,
			const struct svcvip_cidrs *cidrs)
{
	struct nlattr *list, *item;
	u32 i;

	list = nla_nest_start(skb, type);
	if (!list)
		return -EMSGSIZE;
	for (i = 0; cidrs && i < cidrs->count; i++) {
		const struct svcvip_cidr *c = &cidrs->cidr[i];

		item = nla_nest_start(skb, 0);
		if (!item ||
		    nla_put_u16(skb, SVCVIP_CIDR_A_FAMILY, c->family) ||
		    nla_put(skb, SVCVIP_CIDR_A_ADDR, addr_len(c->family),
			    &c->addr) ||
		    nla_put_u8(skb, SVCVIP_CIDR_A_PREFIXLEN, c->prefixlen))
			goto cancel;
		nla_nest_end(skb, item);
	}
	nla_nest_end(skb, list);
	return 0;
cancel:
	nla_nest_cancel(skb, list);
	return -EMSGSIZE;
}

int svcvip_nl_put_frontend(struct sk_buff *skb, int type,
			   const struct svcvip_frontend *fe)
{
	struct nlattr *nest = nla_nest_start(skb, type);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u8(skb, SVCVIP_FRONTEND_A_KIND, fe->kind) ||
	    nla_put_u16(skb, SVCVIP_FRONTEND_A_PORT, ntohs(fe->key.port)))
		goto cancel;
	if (fe->key.family &&
	    nla_put_u16(skb, SVCVIP_FRONTEND_A_FAMILY, fe->key.family))
		goto cancel;
	if (!fe->key.nodeport &&
	    nla_put(skb, SVCVIP_FRONTEND_A_ADDR, addr_len(fe->key.family),
		    &fe->key.addr))
		goto cancel;
	if (fe->source_ranges &&
	    svcvip_nl_put_cidrs(skb, SVCVIP_FRONTEND_A_SOURCE_RANGES,
				fe->source_ranges))
		goto cancel;
	nla_nest_end(skb, nest);
	return 0;
cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static int put_backend_attrs(struct sk_buff *skb,
			     const struct svcvip_backend *be)
{
	if (nla_put_u16(skb, SVCVIP_BACKEND_A_FAMILY, be->family) ||
	    nla_put(skb, SVCVIP_BACKEND_A_ADDR, addr_len(be->family),
		    &be->addr) ||
	    nla_put_u16(skb, SVCVIP_BACKEND_A_PORT, ntohs(be->port)) ||
	    nla_put_u32(skb, SVCVIP_BACKEND_A_WEIGHT, be->weight) ||
	    nla_put_u32(skb, SVCVIP_BACKEND_A_FLAGS, be->flags))
		return -EMSGSIZE;
	return 0;
}

int svcvip_nl_put_backend(struct sk_buff *skb, int type,
			  const struct svcvip_backend *be)
{
	struct nlattr *nest = nla_nest_start(skb, type);

	if (!nest)
		return -EMSGSIZE;
	if (put_backend_attrs(skb, be)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

int svcvip_nl_put_stats(struct sk_buff *skb, int type,
			const struct svcvip_stats_sum *sum, u32 active,
			u32 inactive)
{
	struct nlattr *nest = nla_nest_start(skb, type);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, SVCVIP_STATS_A_CONNS, sum->conns,
			      SVCVIP_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, SVCVIP_STATS_A_PKTS_IN,
			      sum->pkts[IP_CT_DIR_ORIGINAL], SVCVIP_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, SVCVIP_STATS_A_PKTS_OUT,
			      sum->pkts[IP_CT_DIR_REPLY], SVCVIP_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, SVCVIP_STATS_A_BYTES_IN,
			      sum->bytes[IP_CT_DIR_ORIGINAL],
			      SVCVIP_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, SVCVIP_STATS_A_BYTES_OUT,
			      sum->bytes[IP_CT_DIR_REPLY], SVCVIP_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, SVCVIP_STATS_A_ACTIVE_CONNS, active,
			      SVCVIP_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, SVCVIP_STATS_A_INACTIVE_CONNS, inactive,
			      SVCVIP_STATS_A_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

int svcvip_nl_put_backend_stats(struct sk_buff *skb, int type,
				const struct svcvip_backend *be,
				u32 active, u32 inactive)
{
	struct nlattr *nest = nla_nest_start(skb, type);
	struct svcvip_stats_sum sum;

	if (!nest)
		return -EMSGSIZE;
	svcvip_backend_stats_read(be->stats, &sum);
	if (put_backend_attrs(skb, be) ||
	    svcvip_nl_put_stats(skb, SVCVIP_BACKEND_A_STATS, &sum, active,
				inactive)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

int svcvip_nl_put_service_cfg(struct sk_buff *skb,
			      const struct svcvip_service_cfg *cfg)
{
	if (nla_put_u8(skb, SVCVIP_SERVICE_A_PROTOCOL, cfg->protocol) ||
	    nla_put_u8(skb, SVCVIP_SERVICE_A_SCHEDULER, cfg->scheduler) ||
	    nla_put_u8(skb, SVCVIP_SERVICE_A_AFFINITY, cfg->affinity) ||
	    nla_put_u32(skb, SVCVIP_SERVICE_A_AFFINITY_TIMEOUT,
			cfg->affinity_timeout) ||
	    nla_put_u8(skb, SVCVIP_SERVICE_A_INTERNAL_POLICY,
		       cfg->internal_policy) ||
	    nla_put_u8(skb, SVCVIP_SERVICE_A_EXTERNAL_POLICY,
		       cfg->external_policy))
		return -EMSGSIZE;
	return 0;
}

int svcvip_nl_put_config(struct sk_buff *skb, const struct svcvip_config *cfg)
{
	struct nlattr *nest = nla_nest_start(skb, SVCVIP_A_CONFIG);

	if (!nest)
		return -EMSGSIZE;
	if (svcvip_nl_put_cidrs(skb, SVCVIP_CONFIG_A_CLUSTER_CIDRS,
				cfg->cluster_cidrs) ||
	    svcvip_nl_put_cidrs(skb, SVCVIP_CONFIG_A_NODEPORT_CIDRS,
				cfg->nodeport_cidrs) ||
	    svcvip_nl_put_cidrs(skb, SVCVIP_CONFIG_A_LOCAL_CIDRS,
				cfg->local_cidrs) ||
	    svcvip_nl_put_cidrs(skb, SVCVIP_CONFIG_A_SERVICE_CIDRS,
				cfg->service_cidrs) ||
	    nla_put_u8(skb, SVCVIP_CONFIG_A_MASQUERADE_ALL,
		       cfg->masquerade_all) ||
	    nla_put_u32(skb, SVCVIP_CONFIG_A_AFFINITY_MAX, svcvip_affinity_max(cfg)) ||
	    nla_put_u32(skb, SVCVIP_CONFIG_A_MAX_SERVICES, svcvip_max_services(cfg)) ||
	    nla_put_u32(skb, SVCVIP_CONFIG_A_MAX_FRONTENDS,
			svcvip_max_frontends(cfg)) ||
	    nla_put_u32(skb, SVCVIP_CONFIG_A_MAX_BACKENDS, svcvip_max_backends(cfg)) ||

	    nla_put_u8(skb, SVCVIP_CONFIG_A_PACKET_STATS, cfg->packet_stats) ||
	    nla_put(skb, SVCVIP_CONFIG_A_HASH_SEED, sizeof(cfg->sched.seed),
		    &cfg->sched.seed) ||
	    nla_put_u32(skb, SVCVIP_CONFIG_A_MAGLEV_TABLE_SIZE,
			cfg->sched.maglev_max)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}
