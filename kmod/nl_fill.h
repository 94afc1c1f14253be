/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Table objects -> netlink attributes, for replies, dumps and events.
 * Each function returns -EMSGSIZE (and puts nothing) when @skb is full.
 */
#ifndef _SVCVIP_NL_FILL_H
#define _SVCVIP_NL_FILL_H

#include <net/netlink.h>

#include "table.h"
#include "config.h"
#include "stats.h"

int svcvip_nl_put_cidrs(struct sk_buff *skb, int type,
			const struct svcvip_cidrs *cidrs);
int svcvip_nl_put_frontend(struct sk_buff *skb, int type,
			   const struct svcvip_frontend *fe);
int svcvip_nl_put_backend(struct sk_buff *skb, int type,
			  const struct svcvip_backend *be);
int svcvip_nl_put_backend_stats(struct sk_buff *skb, int type,
				const struct svcvip_backend *be,
				u32 active, u32 inactive);
int svcvip_nl_put_stats(struct sk_buff *skb, int type,
			const struct svcvip_stats_sum *sum, u32 active,
			u32 inactive);
int svcvip_nl_put_service_cfg(struct sk_buff *skb,
			      const struct svcvip_service_cfg *cfg);
int svcvip_nl_put_config(struct sk_buff *skb,
			 const struct svcvip_config *cfg);

#endif /* _SVCVIP_NL_FILL_H */
