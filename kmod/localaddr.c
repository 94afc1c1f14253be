// SPDX-License-Identifier: GPL-2.0
/*
 * Which addresses belong to the node (the netns) itself: NodePorts answer on
 * them, and a connection from one of them was made by the node.
 */

#include <linux/kernel.h>
#include <net/route.h>
#include <net/addrconf.h>

#include "localaddr.h"
#include "config.h"

/* As iptables' "-m addrtype --dst-type LOCAL"; safe under RCU. */
bool svcvip_addr_is_local(struct net *net, u8 family,
			  const union nf_inet_addr *addr)
{
	if (family == AF_INET)
		return inet_addr_type(net, addr->ip) == RTN_LOCAL;
	return ipv6_chk_addr(net, &addr->in6, NULL, 0);
}

/*
 * kube-proxy's NodePort addresses: every local address except loopback
 * (127.0.0.0/8 would need route_localnet, CVE-2020-8558), narrowed by the
 * nodeport-addresses config.
 */
bool svcvip_nodeport_addr(struct net *net, const struct svcvip_config *cfg,
			  u8 family, const union nf_inet_addr *addr)
{
	if (family == AF_INET ? ipv4_is_loopback(addr->ip) :
				ipv6_addr_loopback(&addr->in6))
		return false;
	if (cfg->nodeport_cidrs &&
	    !svcvip_cidrs_match(cfg->nodeport_cidrs, family, addr))
		return false;
	return svcvip_addr_is_local(net, family, addr);
}
