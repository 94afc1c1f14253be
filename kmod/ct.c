// SPDX-License-Identifier: GPL-2.0
/*
 * Conntrack entries, off the packet path.
 *
 * Stale UDP entries: conntrack keeps translating a flow to the backend it
 * was first given, and a UDP client that keeps its source port (a DNS
 * resolver does) never starts a new flow. So after a change to a UDP service
 * its entries are checked against the table in a work item: an entry
 * translated to a backend the service no longer has (or for a frontend that
 * is gone) is deleted, and so is an untranslated one to a frontend whose
 * service now has backends (created while it had none). The client's next
 * packet is then a first packet again. TCP entries are left to finish.
 *
 * Current connections: counted by one walk over the netns's entries when
 * stats are read, so the packet path pays nothing for them.
 */

#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/bsearch.h>
#include <net/netfilter/nf_conntrack.h>
#include <uapi/linux/svcvip.h>

#include "netns.h"
#include "ct.h"
#include "table.h"
#include "localaddr.h"
#include "gfp.h"

static struct svcvip_net *gc_net(struct svcvip_ct_gc *gc)
{
	return container_of(gc, struct svcvip_net, ct_gc);
}

static int key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct svcvip_fe_key));
}

/* Under sn->lock. Allocation failure only costs the sweep of these keys. */
static void gc_add(struct svcvip_ct_gc *gc, const struct svcvip_fe_key *key)
{
	if (gc->count == gc->cap) {
		u32 cap = max_t(u32, 16, gc->cap * 2);
		struct svcvip_fe_key *keys;

		keys = kvmalloc_array(cap, sizeof(*keys), SVCVIP_GFP);
		if (!keys)
			return;
		if (gc->count)
			memcpy(keys, gc->keys, gc->count * sizeof(*keys));
		kvfree(gc->keys);
		gc->keys = keys;
		gc->cap = cap;
	}
	gc->keys[gc->count++] = *key;
}

void svcvip_ct_gc_service(struct svcvip_net *sn, struct svcvip_service *svc)
{
	struct svcvip_frontend *fe;

	lockdep_assert_held(&sn->lock);
	list_for_each_entry(fe, &svc->frontends, list)
		if (fe->key.protocol == IPPROTO_UDP)
			gc_add(&sn->ct_gc, &fe->key);
}

void svcvip_ct_gc_all(struct svcvip_net *sn)
{
	struct rb_node *n;

	for (n = rb_first(&sn->table.services); n; n = rb_next(n))
		svcvip_ct_gc_service(sn, rb_entry(n, struct svcvip_service,
						  node));
}

void svcvip_ct_gc_kick(struct svcvip_net *sn)
{
	if (READ_ONCE(sn->ct_gc.count))
		queue_work(system_unbound_wq, &sn->ct_gc.work);
}

struct gc_walk {
	struct svcvip_net *sn;
	const struct svcvip_fe_key *keys;
	u32 count;
};

static bool key_changed(const struct gc_walk *w,
			const struct nf_conntrack_tuple *t, u8 family)
{
	struct svcvip_fe_key key;

	memset(&key, 0, sizeof(key));
	key.family = family;
	key.protocol = IPPROTO_UDP;
	key.addr = t->dst.u3;
	key.port = t->dst.u.all;
	if (bsearch(&key, w->keys, w->count, sizeof(key), key_cmp))
		return true;
	memset(&key.addr, 0, sizeof(key.addr));
	key.nodeport = 1;
	if (bsearch(&key, w->keys, w->count, sizeof(key), key_cmp))
		return true;
	key.family = 0;
	return bsearch(&key, w->keys, w->count, sizeof(key), key_cmp);
}

/* Under rcu_read_lock(): does the table still agree with @ct? */
static bool ct_stale(const struct gc_walk *w, const struct nf_conn *ct)
{
	const struct nf_conntrack_tuple *t = &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	const struct nf_conntrack_tuple *r = &ct->tuplehash[IP_CT_DIR_REPLY].tuple;
	u8 family = nf_ct_l3num(ct);
	const struct svcvip_state *st;
	struct svcvip_frontend *fe;

	fe = svcvip_frontend_match(&w->sn->table, family, IPPROTO_UDP,
				   &t->dst.u3, t->dst.u.all);
	if (!fe)	/* the frontend went away: so do its translations */
		return ct->status & IPS_DST_NAT;
	st = rcu_dereference(fe->svc->state);
	if (!st)
		return false;
	if (ct->status & IPS_DST_NAT)
		return svcvip_state_backend_index(st, family, &r->src.u3,
						  r->src.u.all) < 0;
	/* untranslated: created while the service had no backend? */
	if (fe->key.nodeport &&
	    !svcvip_nodeport_addr(w->sn->net, rcu_dereference(w->sn->config),
				  family, &t->dst.u3))
		return false;
	return st->pool[svcvip_family_index(family)][SVCVIP_CAT_CLUSTER];
}

static int gc_one(struct nf_conn *ct, void *data)
{
	const struct gc_walk *w = data;
	const struct nf_conntrack_tuple *t = &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	bool stale;

	if (t->dst.protonum != IPPROTO_UDP ||
	    !key_changed(w, t, nf_ct_l3num(ct)))
		return 0;
	rcu_read_lock();
	stale = ct_stale(w, ct);
	rcu_read_unlock();
	return stale;
}

static void gc_work(struct work_struct *work)
{
	struct svcvip_ct_gc *gc = container_of(work, struct svcvip_ct_gc,
					       work);
	struct svcvip_net *sn = gc_net(gc);
	struct nf_ct_iter_data iter = { .net = sn->net };
	struct svcvip_fe_key *keys;
	struct gc_walk w = { .sn = sn };
	u32 i, n;

	mutex_lock(&sn->lock);
	keys = gc->keys;
	n = gc->count;
	gc->keys = NULL;
	gc->count = 0;
	gc->cap = 0;
	mutex_unlock(&sn->lock);
	if (!n)
		return;

	sort(keys, n, sizeof(*keys), key_cmp, NULL);
	w.count = 1;
	for (i = 1; i < n; i++)
		if (key_cmp(&keys[i], &keys[w.count - 1]))
			keys[w.count++] = keys[i];
	w.keys = keys;
	iter.data = &w;
	nf_ct_iterate_cleanup_net(gc_one, &iter);
	kvfree(keys);
}

void svcvip_ct_gc_init(struct svcvip_net *sn)
{
	memset(&sn->ct_gc, 0, sizeof(sn->ct_gc));
	INIT_WORK(&sn->ct_gc.work, gc_work);
}

void svcvip_ct_gc_exit(struct svcvip_net *sn)
{
	cancel_work_sync(&sn->ct_gc.work);
	kvfree(sn->ct_gc.keys);
	sn->ct_gc.keys = NULL;
	sn->ct_gc.count = 0;
}

/* ---- current connections ---------------------------------------------- */

static int count_cmp(const void *a, const void *b)
{
	const struct svcvip_ct_count *x = a, *y = b;
	int c;

	if (x->service_id != y->service_id)
		return x->service_id < y->service_id ? -1 : 1;
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	c = memcmp(&x->addr, &y->addr, sizeof(x->addr));
	if (c)
		return c;
	return memcmp(&x->port, &y->port, sizeof(x->port));
}

void svcvip_ct_count_sort(struct svcvip_ct_count *v, u32 n)
{
	sort(v, n, sizeof(*v), count_cmp, NULL);
}

const struct svcvip_ct_count *
svcvip_ct_count_find(const struct svcvip_ct_count *v, u32 n, u64 service_id,
		     u8 family, const union nf_inet_addr *addr, __be16 port)
{
	struct svcvip_ct_count key;

	memset(&key, 0, sizeof(key));
	key.service_id = service_id;
	key.family = family;
	if (addr)
		key.addr = *addr;
	key.port = port;
	return bsearch(&key, v, n, sizeof(key), count_cmp);
}

struct count_walk {
	struct svcvip_net *sn;
	struct svcvip_ct_count *v;
	u32 n;
};

static bool ct_active(const struct nf_conn *ct, u8 protocol)
{
	switch (protocol) {
	case IPPROTO_TCP:
		return READ_ONCE(ct->proto.tcp.state) ==
		       TCP_CONNTRACK_ESTABLISHED;
	case IPPROTO_SCTP:
		return READ_ONCE(ct->proto.sctp.state) ==
		       SCTP_CONNTRACK_ESTABLISHED;
	default:
		return false;
	}
}

static void count_into(struct svcvip_ct_count *c, bool active)
{
	if (!c)
		return;
	if (active)
		c->active++;
	else
		c->inactive++;
}

static int count_one(struct nf_conn *ct, void *data)
{
	const struct count_walk *w = data;
	const struct nf_conntrack_tuple *t = &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	const struct nf_conntrack_tuple *r = &ct->tuplehash[IP_CT_DIR_REPLY].tuple;
	u8 family = nf_ct_l3num(ct), protocol = t->dst.protonum;
	struct svcvip_frontend *fe;
	bool active;
	u64 id;

	if (!(ct->status & IPS_DST_NAT) || nf_ct_is_dying(ct))
		return 0;
	if (protocol != IPPROTO_TCP && protocol != IPPROTO_UDP &&
	    protocol != IPPROTO_SCTP)
		return 0;
	rcu_read_lock();
	fe = svcvip_frontend_match(&w->sn->table, family, protocol,
				   &t->dst.u3, t->dst.u.all);
	id = fe ? fe->svc->id : 0;
	rcu_read_unlock();
	if (!id)
		return 0;
	active = ct_active(ct, protocol);
	count_into((struct svcvip_ct_count *)
		   svcvip_ct_count_find(w->v, w->n, id, 0, NULL, 0), active);
	count_into((struct svcvip_ct_count *)
		   svcvip_ct_count_find(w->v, w->n, id, family, &r->src.u3,
					r->src.u.all), active);
	return 0;
}

void svcvip_ct_count(struct svcvip_net *sn, struct svcvip_ct_count *v, u32 n)
{
	struct count_walk w = { .sn = sn, .v = v, .n = n };
	struct nf_ct_iter_data iter = { .net = sn->net, .data = &w };

	if (n)
		nf_ct_iterate_cleanup_net(count_one, &iter);
}
