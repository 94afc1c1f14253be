// SPDX-License-Identifier: GPL-2.0
/*
 * First-packet decision: frontend -> service -> policy -> backend, and
 * whether the source is masqueraded. These are kube-proxy's rules
 * (pkg/proxy/topology.go CategorizeEndpoints and the iptables proxier's
 * KUBE-EXT / KUBE-MARK-MASQ rules), in one place so that the packet path,
 * the masquerade step and the what-if lookup always agree.
 */

#include <linux/kernel.h>
#include <linux/jiffies.h>
#include <linux/rcupdate.h>
#include <uapi/linux/svcvip.h>

#include "netns.h"
#include "select.h"
#include "table.h"
#include "sched.h"
#include "config.h"
#include "affinity.h"
#include "localaddr.h"

/* An exact (address, port) frontend, else a NodePort on a node address. */
static struct svcvip_frontend *find_frontend(struct svcvip_net *sn,
					     const struct svcvip_config *cfg,
					     const struct svcvip_flow *flow,
					     u8 *reason)
{
	struct svcvip_frontend *fe;

	fe = svcvip_frontend_match(&sn->table, flow->family, flow->protocol,
				   &flow->daddr, flow->dport);
	if (!fe || !fe->key.nodeport)
		return fe;
	if (!svcvip_nodeport_addr(sn->net, cfg, flow->family, &flow->daddr)) {
		*reason = SVCVIP_REASON_NOT_LOCAL_ADDRESS;
		return NULL;
	}
	return fe;
}

/*
 * kube-proxy's cluster-ips-check, for a first packet that no frontend
 * takes: a cluster IP on a port or protocol none of its frontends uses is
 * rejected, any other address inside the service CIDRs is dropped, so
 * that neither leaves the node untranslated.
 */
static void cluster_ips_check(struct svcvip_net *sn,
			      const struct svcvip_config *cfg, u8 family,
			      const union nf_inet_addr *daddr,
			      struct svcvip_decision *d)
{
	if (svcvip_clusterip_match(&sn->table, family, daddr)) {
		d->verdict = SVCVIP_VERDICT_REJECT;
		d->reason = SVCVIP_REASON_CLUSTER_IP_PORT;
	} else if (cfg->service_cidrs &&
		   svcvip_cidrs_match(cfg->service_cidrs, family, daddr)) {
		d->verdict = SVCVIP_VERDICT_DROP;
		d->reason = SVCVIP_REASON_SERVICE_CIDR;
	}
}

void svcvip_select_other(struct svcvip_net *sn, u8 family,
			 const union nf_inet_addr *daddr,
			 struct svcvip_decision *d)
{
	memset(d, 0, sizeof(*d));
	d->verdict = SVCVIP_VERDICT_NONE;
	d->reason = SVCVIP_REASON_NO_FRONTEND;
	cluster_ips_check(sn, rcu_dereference(sn->config), family, daddr, d);
}

/* Pods of this node, as kube-proxy's local traffic detector sees them. */
static bool from_local_pod(const struct svcvip_config *cfg,
			   const struct svcvip_flow *flow)
{
	/* an empty CIDR list is NULL (nl_parse.c) */
	return svcvip_cidrs_match(cfg->local_cidrs ?: cfg->cluster_cidrs,
				  flow->family, &flow->saddr);
}

/*
 * Which backends the connection may use (enum svcvip_category), and why its
 * source is masqueraded, hairpin aside (that needs the backend).
 */
static int classify(const struct svcvip_config *cfg,
		    const struct svcvip_frontend *fe,
		    const struct svcvip_service_cfg *scfg,
		    const struct svcvip_flow *flow, enum svcvip_origin origin,
		    u8 *masq)
{
	int cat = SVCVIP_CAT_CLUSTER;

	*masq = SVCVIP_MASQ_NONE;
	if (fe->kind == SVCVIP_FRONTEND_CLUSTERIP) {
		if (scfg->internal_policy == SVCVIP_POLICY_LOCAL)
			cat = SVCVIP_CAT_LOCAL;
		if (cfg->cluster_cidrs &&
		    !svcvip_cidrs_match(cfg->cluster_cidrs, flow->family,
					&flow->saddr))
			*masq = SVCVIP_MASQ_OUTSIDE_CLUSTER;
	} else if (scfg->external_policy == SVCVIP_POLICY_CLUSTER) {
		/* other nodes' backends: the reply must come back here */
		*masq = SVCVIP_MASQ_EXTERNAL;
	} else if (origin == SVCVIP_FROM_HOST) {
		*masq = SVCVIP_MASQ_FROM_NODE;
	} else if (!from_local_pod(cfg, flow)) {
		/* from outside: local backends, source preserved */
		cat = SVCVIP_CAT_LOCAL;
	}
	if (!*masq && cfg->masquerade_all)
		*masq = SVCVIP_MASQ_ALL;
	return cat;
}

/* Hairpin: a backend reaching its own service must see the node's address,
 * or its reply would go straight back to itself, untranslated.
 */
static u8 hairpin(const struct svcvip_flow *flow, u8 masq,
		  const union nf_inet_addr *backend)
{
	if (!masq && nf_inet_addr_cmp(&flow->saddr, backend))
		return SVCVIP_MASQ_HAIRPIN;
	return masq;
}

static void affinity_key(struct svcvip_affinity_key *k,
			 const struct svcvip_service *svc,
			 const struct svcvip_flow *flow)
{
	memset(k, 0, sizeof(*k));
	k->service_id = svc->id;
	k->family = flow->family;
	k->client = flow->saddr;
}

/* The backend of a fresh affinity entry, if it may still be used. */
static int affinity_pick(struct svcvip_net *sn, const struct svcvip_state *st,
			 const struct svcvip_pool *pool,
			 const struct svcvip_affinity_key *k)
{
	union nf_inet_addr addr;
	__be16 port;
	int idx;

	if (!svcvip_affinity_get(&sn->affinity, k,
				 st->cfg.affinity_timeout * HZ, &addr, &port))
		return -1;
	idx = svcvip_state_backend_index(st, k->family, &addr, port);
	if (idx < 0 || !svcvip_pool_has(pool, idx))
		return -1;
	return idx;
}

void svcvip_select(struct svcvip_net *sn, const struct svcvip_flow *flow,
		   enum svcvip_origin origin, bool dry_run,
		   struct svcvip_decision *d)
{
	const struct svcvip_config *cfg = rcu_dereference(sn->config);
	struct svcvip_affinity_key akey;
	const struct svcvip_state *st;
	struct svcvip_pool *pool;
	struct svcvip_frontend *fe;
	int fam = svcvip_family_index(flow->family);
	int cat, idx = -1;
	u8 masq;

	memset(d, 0, sizeof(*d));
	d->verdict = SVCVIP_VERDICT_NONE;
	d->reason = SVCVIP_REASON_NO_FRONTEND;

	fe = find_frontend(sn, cfg, flow, &d->reason);
	if (!fe) {
		cluster_ips_check(sn, cfg, flow->family, &flow->daddr, d);
		return;
	}
	/* A service being created is hashed an instant before its state. */
	st = rcu_dereference(fe->svc->state);
	if (!st)
		return;
	d->fe = fe;
	d->svc = fe->svc;

	if (fe->kind == SVCVIP_FRONTEND_LOADBALANCER && fe->source_ranges &&
	    !svcvip_cidrs_match(fe->source_ranges, flow->family,
				&flow->saddr)) {
		d->verdict = SVCVIP_VERDICT_DROP;
		d->reason = SVCVIP_REASON_SOURCE_RANGE;
		return;
	}
	if (!st->pool[fam][SVCVIP_CAT_CLUSTER]) {
		/* no usable endpoint at all: tell the client at once */
		d->verdict = SVCVIP_VERDICT_REJECT;
		d->reason = SVCVIP_REASON_NO_BACKENDS;
		return;
	}
	cat = classify(cfg, fe, &st->cfg, flow, origin, &masq);
	pool = st->pool[fam][cat];
	if (!pool) {
		d->verdict = SVCVIP_VERDICT_DROP;
		d->reason = SVCVIP_REASON_NO_LOCAL_BACKENDS;
		return;
	}

	d->reason = SVCVIP_REASON_SCHEDULER;
	if (st->cfg.affinity == SVCVIP_AFFINITY_CLIENTIP) {
		affinity_key(&akey, fe->svc, flow);
		idx = affinity_pick(sn, st, pool, &akey);
		if (idx >= 0)
			d->reason = SVCVIP_REASON_AFFINITY;
	}
	if (idx < 0)
		idx = svcvip_pool_pick(pool, flow, dry_run);
	d->be = &st->backend[idx];
	d->verdict = SVCVIP_VERDICT_DNAT;
	d->masquerade = hairpin(flow, masq, &d->be->addr);
}

/*
 * The connection is DNATed to @d's backend: remember it for the client's
 * session affinity. Not done in svcvip_select(), so a first packet whose
 * NAT is not set up (dropped, refused, a lookup) leaves no entry.
 */
void svcvip_select_commit(struct svcvip_net *sn,
			  const struct svcvip_flow *flow,
			  const struct svcvip_decision *d)
{
	const struct svcvip_state *st = rcu_dereference(d->svc->state);
	struct svcvip_affinity_key akey;

	if (!st || st->cfg.affinity != SVCVIP_AFFINITY_CLIENTIP)
		return;
	affinity_key(&akey, d->svc, flow);
	svcvip_affinity_set(&sn->affinity, &akey,
			    svcvip_affinity_max(rcu_dereference(sn->config)),
			    st->cfg.affinity_timeout * HZ,
			    &d->be->addr, d->be->port);
}

u8 svcvip_select_masquerade(struct svcvip_net *sn,
			    const struct svcvip_flow *flow,
			    const union nf_inet_addr *backend)
{
	const struct svcvip_config *cfg = rcu_dereference(sn->config);
	const struct svcvip_state *st;
	struct svcvip_frontend *fe;
	enum svcvip_origin origin;
	u8 reason, masq;

	fe = find_frontend(sn, cfg, flow, &reason);
	if (!fe)
		return SVCVIP_MASQ_NONE;
	st = rcu_dereference(fe->svc->state);
	if (!st)
		return SVCVIP_MASQ_NONE;
	/* "from the node" as kube-proxy tests it: --src-type LOCAL */
	origin = svcvip_addr_is_local(sn->net, flow->family, &flow->saddr) ?
		 SVCVIP_FROM_HOST : SVCVIP_FROM_NETWORK;
	classify(cfg, fe, &st->cfg, flow, origin, &masq);
	return hairpin(flow, masq, backend);
}
