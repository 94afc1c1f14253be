/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The decision for a connection's first packet: which frontend, which
 * service, which backend, or reject/drop, and why. Shared by the packet path
 * (hooks.c) and the what-if lookup (netlink.c), so both always agree.
 */
#ifndef _SVCVIP_SELECT_H
#define _SVCVIP_SELECT_H

#include "sched.h"
#include "table.h"

struct svcvip_net;

/* Where a first packet entered. */
enum svcvip_origin {
	SVCVIP_FROM_NETWORK,	/* PRE_ROUTING: pods and external clients */
	SVCVIP_FROM_HOST,	/* LOCAL_OUT: processes of the node itself */
};

struct svcvip_decision {
	u8 verdict;		/* enum svcvip_verdict */
	u8 reason;		/* enum svcvip_reason */
	u8 masquerade;		/* enum svcvip_masq_reason */
	const struct svcvip_frontend *fe;
	const struct svcvip_service *svc;
	const struct svcvip_backend *be;	/* valid under RCU */
};

/* Caller holds rcu_read_lock(); results point into RCU-protected objects. */
void svcvip_select(struct svcvip_net *sn, const struct svcvip_flow *flow,
		   enum svcvip_origin origin, bool dry_run,
		   struct svcvip_decision *d);

/* After the DNAT of a svcvip_select() decision is set up; under RCU. */
void svcvip_select_commit(struct svcvip_net *sn,
			  const struct svcvip_flow *flow,
			  const struct svcvip_decision *d);

/*
 * The first packet of a protocol without ports (ICMP echo, ...): only the
 * cluster-ips-check applies (a cluster IP is rejected, another address in
 * the service CIDRs dropped). Caller holds rcu_read_lock().
 */
void svcvip_select_other(struct svcvip_net *sn, u8 family,
			 const union nf_inet_addr *daddr,
			 struct svcvip_decision *d);

/*
 * For a connection svcvip translated to @backend: whether (and why) its
 * source is masqueraded. Recomputed at POST_ROUTING from the conntrack
 * tuple rather than carried in a mark, so no skb/ct mark bit is taken.
 * Caller holds rcu_read_lock().
 */
u8 svcvip_select_masquerade(struct svcvip_net *sn,
			    const struct svcvip_flow *flow,
			    const union nf_inet_addr *backend);

#endif /* _SVCVIP_SELECT_H */
