// SPDX-License-Identifier: GPL-2.0
/*
 * First-packet decision: frontend -> service -> policy -> backend.
 */

#include <linux/kernel.h>
#include <linux/rcupdate.h>
#include <uapi/linux/svcvip.h>

#include "netns.h"
#include "select.h"
#include "table.h"
#include "sched.h"

static struct svcvip_frontend *find_frontend(struct svcvip_net *sn,
					     const struct svcvip_flow *flow)
{
	struct svcvip_fe_key key;

	memset(&key, 0, sizeof(key));
	key.family = flow->family;
	key.protocol = flow->protocol;
	key.addr = flow->daddr;
	key.port = flow->dport;
	return svcvip_frontend_lookup(&sn->table, &key);
}

void svcvip_select(struct svcvip_net *sn, const struct svcvip_flow *flow,
		   enum svcvip_origin origin, bool dry_run,
		   struct svcvip_decision *d)
{
	const struct svcvip_state *st;
	struct svcvip_pool *cluster, *pool;
	struct svcvip_frontend *fe;
	int fam = svcvip_family_index(flow->family);
	int cat = SVCVIP_CAT_CLUSTER;

	memset(d, 0, sizeof(*d));
	d->verdict = SVCVIP_VERDICT_NONE;
	d->reason = SVCVIP_REASON_NO_FRONTEND;

	fe = find_frontend(sn, flow);
	if (!fe)
		return;
	/* A service being created is hashed an instant before its state. */
	st = rcu_dereference(fe->svc->state);
	if (!st)
		return;
	d->fe = fe;
	d->svc = fe->svc;

	if (st->cfg.internal_policy == SVCVIP_POLICY_LOCAL)
		cat = SVCVIP_CAT_LOCAL;

	cluster = st->pool[fam][SVCVIP_CAT_CLUSTER];
	if (!cluster) {
		/* no usable endpoint at all: tell the client at once */
		d->verdict = SVCVIP_VERDICT_REJECT;
		d->reason = SVCVIP_REASON_NO_BACKENDS;
		return;
	}
	pool = st->pool[fam][cat];
	if (!pool) {
		d->verdict = SVCVIP_VERDICT_DROP;
		d->reason = SVCVIP_REASON_NO_LOCAL_BACKENDS;
		return;
	}
	d->be = &st->backend[svcvip_pool_pick(pool, flow, dry_run)];
	d->verdict = SVCVIP_VERDICT_DNAT;
	d->reason = SVCVIP_REASON_SCHEDULER;
}
