/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which addresses belong to the node (the netns) itself.
 */
#ifndef _SVCVIP_LOCALADDR_H
#define _SVCVIP_LOCALADDR_H

#include <linux/types.h>
#include <linux/netfilter.h>

struct net;
struct svcvip_config;

bool svcvip_addr_is_local(struct net *net, u8 family,
			  const union nf_inet_addr *addr);
bool svcvip_nodeport_addr(struct net *net, const struct svcvip_config *cfg,
			  u8 family, const union nf_inet_addr *addr);

#endif /* _SVCVIP_LOCALADDR_H */
