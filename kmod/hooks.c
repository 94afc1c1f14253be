// SPDX-License-Identifier: GPL-2.0
/*
 * Netfilter glue. svcvip registers NAT lookup functions (like iptable_nat
 * does) at PRE_ROUTING, for pods and external clients, and LOCAL_OUT, for the
 * node's own processes, one priority step before iptables' NAT; and at
 * POST_ROUTING for the masquerade. The nf_nat core calls them only for a
 * connection's first packet; conntrack and nf_nat rewrite everything after
 * that. Only while packet-stats is on, plain hooks right after the DNAT
 * count every packet of the connections svcvip translated; otherwise an
 * established connection's packets meet no svcvip code at all, as with a
 * static DNAT rule.
 */

#include <linux/kernel.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/netdevice.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_nat.h>
#include <net/netfilter/nf_nat_masquerade.h>
#include <uapi/linux/svcvip.h>

#include "netns.h"
#include "hooks.h"
#include "select.h"
#include "reject.h"
#include "stats.h"
#include "ct.h"

/* The first packet's flow as the client sent it; false if not ours. */
static bool flow_of(const struct nf_conn *ct, struct svcvip_flow *flow)
{
	const struct nf_conntrack_tuple *t;

	t = &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	switch (t->dst.protonum) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_SCTP:
		break;
	default:
		return false;
	}
	memset(flow, 0, sizeof(*flow));
	flow->family = nf_ct_l3num(ct);
	flow->protocol = t->dst.protonum;
	flow->saddr = t->src.u3;
	flow->daddr = t->dst.u3;
	flow->sport = t->src.u.all;
	flow->dport = t->dst.u.all;
	return true;
}

/*
 * A new connection of a protocol without ports (ICMP echo, GRE, ...): a
 * cluster IP answers no ping, so it is rejected like a port no frontend
 * uses (ICMP port unreachable, as kube-proxy's "reject" rule answers), and
 * an unused service-CIDR address is dropped.
 */
static unsigned int svcvip_nat_other(struct sk_buff *skb,
				     const struct nf_hook_state *state,
				     const struct nf_conn *ct)
{
	const struct nf_conntrack_tuple *t;
	struct svcvip_decision d;

	t = &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	svcvip_select_other(svcvip_pernet(state->net), nf_ct_l3num(ct),
			    &t->dst.u3, &d);
	switch (d.verdict) {
	case SVCVIP_VERDICT_REJECT:
		return svcvip_reject(skb, state, nf_ct_l3num(ct),
				     t->dst.protonum);
	case SVCVIP_VERDICT_DROP:
		return NF_DROP;
	default:
		return NF_ACCEPT;
	}
}

static unsigned int svcvip_nat_dst(void *priv, struct sk_buff *skb,
				   const struct nf_hook_state *state)
{
	struct nf_nat_range2 range;
	enum ip_conntrack_info ctinfo;
	struct svcvip_decision d;
	struct svcvip_flow flow;
	struct nf_conn *ct;
	unsigned int ret;

	ct = nf_ct_get(skb, &ctinfo);
	if (!ct || ctinfo != IP_CT_NEW)
		return NF_ACCEPT;
	if (!flow_of(ct, &flow))
		return svcvip_nat_other(skb, state, ct);

	svcvip_select(svcvip_pernet(state->net), &flow,
		      state->hook == NF_INET_LOCAL_OUT ? SVCVIP_FROM_HOST :
							 SVCVIP_FROM_NETWORK,
		      false, &d);

	switch (d.verdict) {
	case SVCVIP_VERDICT_DNAT:
		svcvip_stats_count_conn(d.svc->stats, d.be->stats);
		memset(&range, 0, sizeof(range));
		range.flags = NF_NAT_RANGE_MAP_IPS |
			      NF_NAT_RANGE_PROTO_SPECIFIED;
		range.min_addr = d.be->addr;
		range.max_addr = d.be->addr;
		range.min_proto.all = d.be->port;
		range.max_proto.all = d.be->port;
		ret = nf_nat_setup_info(ct, &range, NF_NAT_MANIP_DST);
		if (ret == NF_ACCEPT)
			svcvip_select_commit(svcvip_pernet(state->net), &flow,
					     &d);
		return ret;
	case SVCVIP_VERDICT_REJECT:
		return svcvip_reject(skb, state, flow.family, flow.protocol);
	case SVCVIP_VERDICT_DROP:
		return NF_DROP;
	default:
		return NF_ACCEPT;
	}
}

/*
 * The masquerade, as "MASQUERADE --random-fully": SNAT to the address of
 * the outgoing interface with a random source port, for the connections
 * svcvip translated and whose rule says so (see select.c).
 */
static unsigned int svcvip_nat_src(void *priv, struct sk_buff *skb,
				   const struct nf_hook_state *state)
{
	struct nf_nat_range2 range = {
		.flags = NF_NAT_RANGE_PROTO_RANDOM_FULLY,
	};
	enum ip_conntrack_info ctinfo;
	struct svcvip_flow flow;
	struct nf_conn *ct;
	u8 masq;

	ct = nf_ct_get(skb, &ctinfo);
	if (!ct || ctinfo != IP_CT_NEW || !(ct->status & IPS_DST_NAT) ||
	    !flow_of(ct, &flow))
		return NF_ACCEPT;

	masq = svcvip_select_masquerade(svcvip_pernet(state->net), &flow,
					&ct->tuplehash[IP_CT_DIR_REPLY].tuple.src.u3);
	if (!masq)
		return NF_ACCEPT;
	if (flow.family == AF_INET)
		return nf_nat_masquerade_ipv4(skb, state->hook, &range,
					      state->out);
	return nf_nat_masquerade_ipv6(skb, &range, state->out);
}

/*
 * Counts a packet of a connection svcvip translated, once: at LOCAL_OUT when
 * the node sent it, at PRE_ROUTING otherwise (a packet over loopback passes
 * both). Registered only while packet-stats is on. svcvip_ct_owner() tells
 * svcvip's connections from other DNATs (see ct.c).
 */
static unsigned int svcvip_count(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state)
{
	enum ip_conntrack_info ctinfo;
	struct svcvip_ct_owner own;
	struct nf_conn *ct;

	ct = nf_ct_get(skb, &ctinfo);
	if (!ct || !(ct->status & IPS_DST_NAT))
		return NF_ACCEPT;
	if (state->hook == NF_INET_PRE_ROUTING && state->in &&
	    (state->in->flags & IFF_LOOPBACK))
		return NF_ACCEPT;
	if (!svcvip_ct_owner(svcvip_pernet(state->net), ct, &own))
		return NF_ACCEPT;
	svcvip_stats_count_packet(own.fe->svc->stats, own.be->stats,
				  CTINFO2DIR(ctinfo), skb->len);
	return NF_ACCEPT;
}

static const struct nf_hook_ops svcvip_count_ops[] = {
	{
		.hook = svcvip_count,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP_PRI_NAT_DST + 1,
	},
	{
		.hook = svcvip_count,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_LOCAL_OUT,
		.priority = NF_IP_PRI_NAT_DST + 1,
	},
	{
		.hook = svcvip_count,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP6_PRI_NAT_DST + 1,
	},
	{
		.hook = svcvip_count,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_LOCAL_OUT,
		.priority = NF_IP6_PRI_NAT_DST + 1,
	},
};

static const struct nf_hook_ops svcvip_ops_ipv4[] = {
	{
		.hook = svcvip_nat_dst,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP_PRI_NAT_DST - 1,
	},
	{
		.hook = svcvip_nat_dst,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_LOCAL_OUT,
		.priority = NF_IP_PRI_NAT_DST - 1,
	},
	{
		.hook = svcvip_nat_src,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_POST_ROUTING,
		.priority = NF_IP_PRI_NAT_SRC - 1,
	},
};

static const struct nf_hook_ops svcvip_ops_ipv6[] = {
	{
		.hook = svcvip_nat_dst,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP6_PRI_NAT_DST - 1,
	},
	{
		.hook = svcvip_nat_dst,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_LOCAL_OUT,
		.priority = NF_IP6_PRI_NAT_DST - 1,
	},
	{
		.hook = svcvip_nat_src,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_POST_ROUTING,
		.priority = NF_IP6_PRI_NAT_SRC - 1,
	},
};

static int register_ops(struct net *net, const struct nf_hook_ops *ops,
			unsigned int n,
			int (*reg)(struct net *, const struct nf_hook_ops *),
			void (*unreg)(struct net *, const struct nf_hook_ops *))
{
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = reg(net, &ops[i]);
		if (ret)
			goto unwind;
	}
	return 0;
unwind:
	while (i--)
		unreg(net, &ops[i]);
	return ret;
}

static void unregister_ops(struct net *net, const struct nf_hook_ops *ops,
			   unsigned int n,
			   void (*unreg)(struct net *, const struct nf_hook_ops *))
{
	unsigned int i;

	for (i = 0; i < n; i++)
		unreg(net, &ops[i]);
}

static int svcvip_hooks_register(struct svcvip_net *sn)
{
	struct net *net = sn->net;
	int ret;

	ret = nf_ct_netns_get(net, NFPROTO_INET);
	if (ret)
		return ret;
	ret = register_ops(net, svcvip_ops_ipv4, ARRAY_SIZE(svcvip_ops_ipv4),
			   nf_nat_ipv4_register_fn, nf_nat_ipv4_unregister_fn);
	if (ret)
		goto err_ct;
	ret = register_ops(net, svcvip_ops_ipv6, ARRAY_SIZE(svcvip_ops_ipv6),
			   nf_nat_ipv6_register_fn, nf_nat_ipv6_unregister_fn);
	if (ret)
		goto err_ipv4;
	sn->hooks_registered = true;
	return 0;

err_ipv4:
	unregister_ops(net, svcvip_ops_ipv4, ARRAY_SIZE(svcvip_ops_ipv4),
		       nf_nat_ipv4_unregister_fn);
err_ct:
	nf_ct_netns_put(net, NFPROTO_INET);
	return ret;
}

/* Readers may still run our hook until a grace period passes; callers that
 * free what the hook reads rely on RCU for that.
 */
void svcvip_hooks_unregister(struct svcvip_net *sn)
{
	struct net *net = sn->net;

	if (!sn->hooks_registered)
		return;
	unregister_ops(net, svcvip_ops_ipv6, ARRAY_SIZE(svcvip_ops_ipv6),
		       nf_nat_ipv6_unregister_fn);
	unregister_ops(net, svcvip_ops_ipv4, ARRAY_SIZE(svcvip_ops_ipv4),
		       nf_nat_ipv4_unregister_fn);
	nf_ct_netns_put(net, NFPROTO_INET);
	sn->hooks_registered = false;
}

/*
 * The packet counting hooks follow the packet-stats setting, not the
 * table: under sn->lock.
 */
int svcvip_count_hooks_set(struct svcvip_net *sn, bool on)
{
	int ret;

	lockdep_assert_held(&sn->lock);
	if (on == sn->count_hooks_registered)
		return 0;
	if (on) {
		ret = nf_register_net_hooks(sn->net, svcvip_count_ops,
					    ARRAY_SIZE(svcvip_count_ops));
		if (ret)
			return ret;
	} else {
		nf_unregister_net_hooks(sn->net, svcvip_count_ops,
					ARRAY_SIZE(svcvip_count_ops));
	}
	sn->count_hooks_registered = on;
	return 0;
}

/* Before a change that may add the first service. */
int svcvip_hooks_get(struct svcvip_net *sn)
{
	if (sn->hooks_registered)
		return 0;
	return svcvip_hooks_register(sn);
}

/*
 * After a change that called svcvip_hooks_get(): drop the hooks only if the
 * netns never got a service (a failed first add). Once a service existed,
 * nf_nat may be translating connections through our NAT functions; if
 * svcvip were the netns's only NAT user, unregistering would stop nf_nat
 * from translating them (the NAT core skips a netns without NAT hooks), so
 * the hooks stay until the netns goes or the module is unloaded. Service
 * CIDRs (config set) need them too, to drop what no frontend uses.
 */
void svcvip_hooks_sync(struct svcvip_net *sn)
{
	const struct svcvip_config *cfg;

	cfg = rcu_dereference_protected(sn->config, lockdep_is_held(&sn->lock));
	if (!sn->table.nservices && !sn->table.last_service_id &&
	    !cfg->service_cidrs)
		svcvip_hooks_unregister(sn);
}
