/* SPDX-License-Identifier: GPL-2.0 */
/*
 * svcvip and conntrack entries, off the packet path: stale UDP entries are
 * deleted after a change, and current connections are counted for stats.
 */
#ifndef _SVCVIP_CT_H
#define _SVCVIP_CT_H

#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/netfilter.h>

struct svcvip_net;
struct svcvip_service;
struct svcvip_fe_key;

/* Frontends of UDP services changed since the last sweep (sn->lock). */
struct svcvip_ct_gc {
	struct work_struct work;
	struct svcvip_fe_key *keys;
	u32 count;
	u32 cap;
	bool all;	/* the list overflowed: sweep every UDP entry */
};

void svcvip_ct_gc_init(struct svcvip_net *sn);
void svcvip_ct_gc_exit(struct svcvip_net *sn);
/* Under sn->lock, before and after a change to @svc. */
void svcvip_ct_gc_service(struct svcvip_net *sn, struct svcvip_service *svc);
void svcvip_ct_gc_all(struct svcvip_net *sn);
/* After sn->lock is released: sweep soon if anything changed. */
void svcvip_ct_gc_kick(struct svcvip_net *sn);

/* A connection svcvip translated: its frontend and backend. */
struct svcvip_frontend;
struct svcvip_backend;
struct nf_conn;
struct svcvip_ct_owner {
	struct svcvip_frontend *fe;
	const struct svcvip_backend *be;
};

/* Under rcu_read_lock(): is @ct one of svcvip's translations? */
bool svcvip_ct_owner(struct svcvip_net *sn, const struct nf_conn *ct,
		     struct svcvip_ct_owner *own);

/* Current connections of a service (family 0) or of one of its backends. */
struct svcvip_ct_count {
	u64 service_id;
	union nf_inet_addr addr;
	__be16 port;
	u8 family;
	u8 pad;
	u32 active;		/* TCP or SCTP ESTABLISHED */
	u32 inactive;		/* every other state, and UDP */
};

/* Fills in @v (sorted with svcvip_ct_count_sort) by one walk of the
 * conntrack hash under its bucket locks, never nf_conntrack_mutex.
 */
void svcvip_ct_count_sort(struct svcvip_ct_count *v, u32 n);
void svcvip_ct_count(struct svcvip_net *sn, struct svcvip_ct_count *v, u32 n);
const struct svcvip_ct_count *
svcvip_ct_count_find(const struct svcvip_ct_count *v, u32 n, u64 service_id,
		     u8 family, const union nf_inet_addr *addr, __be16 port);

#endif /* _SVCVIP_CT_H */
