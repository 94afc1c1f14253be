/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per network namespace state: one service table, its configuration, and
 * whether the packet path is hooked in.
 */
#ifndef _SVCVIP_NETNS_H
#define _SVCVIP_NETNS_H

#include <linux/mutex.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "table.h"
#include "config.h"
#include "affinity.h"
#include "ct.h"

struct svcvip_net {
	struct net *net;
	/* Serialises every writer (netlink) of this netns; never taken on
	 * the packet path, which runs under RCU only.
	 */
	struct mutex lock;
	struct svcvip_table table;
	struct svcvip_config __rcu *config;
	struct svcvip_affinity_table affinity;
	struct svcvip_ct_gc ct_gc;
	bool hooks_registered;
	bool count_hooks_registered;	/* with config->packet_stats */
};

extern unsigned int svcvip_net_id;

static inline struct svcvip_net *svcvip_pernet(const struct net *net)
{
	return net_generic(net, svcvip_net_id);
}

#endif /* _SVCVIP_NETNS_H */
