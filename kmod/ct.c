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
 * If the list of changed frontends cannot grow (no memory), the next sweep
 * checks every UDP entry of the netns instead: a cleanup is never skipped.
 *
 * Current connections: counted when stats are read by one walk over the
 * conntrack hash under RCU, as ctnetlink's dump reads it, bucket by bucket
 * with a scheduling point between batches: no conntrack lock, and never the
 * global nf_conntrack_mutex that nf_ct_iterate_cleanup_net() takes (it
 * serialises netns teardown and "conntrack -F" host-wide). The packet path
 * pays nothing for them.
 *
 * Which connections are svcvip's: conntrack has no room for a module's own
 * mark (extensions are a fixed in-tree list; ct->mark and labels belong to
 * the CNI and the admin; the IPS_* status bits all have owners). But svcvip
 * can tell its own translations from the conntrack tuples alone: its NAT
 * lookup function runs one priority step before iptables' and nftables'
 * dstnat chains and nf_nat keeps the first DNAT it is given, so a connection
 * whose original destination is a frontend (a NodePort only on a NodePort
 * address, as the packet path checks) and whose reply source is one of that
 * service's backends was translated by svcvip. A DNAT by another rule to an
 * address that is not a backend of that service is not counted, nor is a
 * connection to a backend since removed (it no longer has a row).
 */

#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/bsearch.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_core.h>
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

/*
 * Past this many changed frontends between two sweeps, one sweep of every
 * UDP entry costs no more than the bsearch over the list, and holds no list.
 */
#define SVCVIP_CT_GC_MAX_KEYS	4096

static int key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct svcvip_fe_key));
}

/*
 * Under sn->lock. When the list cannot grow, the next sweep checks every
 * UDP entry instead (gc->all), so the cleanup is slower, never skipped.
 */
static void gc_add(struct svcvip_ct_gc *gc, const struct svcvip_fe_key *key)
{
	if (gc->all)
		return;
	if (gc->count == gc->cap && gc->cap >= SVCVIP_CT_GC_MAX_KEYS) {
		gc->all = true;
		return;
	}
	if (gc->count == gc->cap) {
		u32 cap = max_t(u32, 16, gc->cap * 2);
		struct svcvip_fe_key *keys;

		keys = kvmalloc_array(cap, sizeof(*keys), SVCVIP_GFP);
		if (!keys) {
			gc->all = true;
			return;
		}
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
	if (READ_ONCE(sn->ct_gc.count) || READ_ONCE(sn->ct_gc.all))
		queue_work(system_unbound_wq, &sn->ct_gc.work);
}

struct gc_walk {
	struct svcvip_net *sn;
	const struct svcvip_fe_key *keys;
	u32 count;
	bool all;		/* check every UDP entry */
};

static bool key_changed(const struct gc_walk *w,
			const struct nf_conntrack_tuple *t, u8 family)
{
	struct svcvip_fe_key key;

	if (w->all)
		return true;
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
	w.all = gc->all;
	gc->keys = NULL;
	gc->count = 0;
	gc->cap = 0;
	gc->all = false;
	mutex_unlock(&sn->lock);
	if (!n && !w.all) {
		kvfree(keys);
		return;
	}

	if (n) {
		sort(keys, n, sizeof(*keys), key_cmp, NULL);
		w.count = 1;
		for (i = 1; i < n; i++)
			if (key_cmp(&keys[i], &keys[w.count - 1]))
				keys[w.count++] = keys[i];
	}
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

/*
 * Under rcu_read_lock(): is @ct a connection svcvip translated (see the top
 * of this file)? If so, fills in its frontend and backend.
 */
bool svcvip_ct_owner(struct svcvip_net *sn, const struct nf_conn *ct,
		     struct svcvip_ct_owner *own)
{
	const struct nf_conntrack_tuple *t = &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	const struct nf_conntrack_tuple *r = &ct->tuplehash[IP_CT_DIR_REPLY].tuple;
	u8 family = nf_ct_l3num(ct), protocol = t->dst.protonum;
	const struct svcvip_state *st;
	int idx;

	if (!(READ_ONCE(ct->status) & IPS_DST_NAT))
		return false;
	if (protocol != IPPROTO_TCP && protocol != IPPROTO_UDP &&
	    protocol != IPPROTO_SCTP)
		return false;
	own->fe = svcvip_frontend_match(&sn->table, family, protocol,
					&t->dst.u3, t->dst.u.all);
	if (!own->fe)
		return false;
	if (own->fe->key.nodeport &&
	    !svcvip_nodeport_addr(sn->net, rcu_dereference(sn->config),
				  family, &t->dst.u3))
		return false;
	st = rcu_dereference(own->fe->svc->state);
	if (!st)
		return false;
	idx = svcvip_state_backend_index(st, family, &r->src.u3, r->src.u.all);
	if (idx < 0)
		return false;
	own->be = &st->backend[idx];
	return true;
}

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

/* Under rcu_read_lock() and the entry's bucket lock. */
static void count_one(struct svcvip_net *sn, struct svcvip_ct_count *v, u32 n,
		      const struct nf_conn *ct)
{
	struct svcvip_ct_owner own;
	bool active;
	u64 id;

	if (nf_ct_is_dying(ct) || nf_ct_is_expired(ct) ||
	    !svcvip_ct_owner(sn, ct, &own))
		return;
	id = own.fe->svc->id;
	active = ct_active(ct, nf_ct_protonum(ct));
	count_into((struct svcvip_ct_count *)
		   svcvip_ct_count_find(v, n, id, 0, NULL, 0), active);
	count_into((struct svcvip_ct_count *)
		   svcvip_ct_count_find(v, n, id, own.be->family,
					&own.be->addr, own.be->port), active);
}

/* nf_conntrack_lock() (wait for a resize, then lock) is not annotated */
static void bucket_lock(spinlock_t *lock) __acquires(lock)
{
	nf_conntrack_lock(lock);
	__acquire(lock);
}

/* Buckets read between two scheduling points. */
#define COUNT_BATCH	256

/*
 * Walks the conntrack hash as ctnetlink's dump does: one bucket at a time
 * under that bucket's lock (which a resize also takes, so the table and its
 * size agree), bottom halves off only for a batch of buckets.
 */
void svcvip_ct_count(struct svcvip_net *sn, struct svcvip_ct_count *v, u32 n)
{
	const struct nf_conntrack_tuple_hash *h;
	const struct hlist_nulls_node *node;
	unsigned int bucket = 0, end;
	spinlock_t *lockp;	/* the bucket's, as ctnetlink takes it */
	bool more = true;

	if (!n)
		return;
	while (more) {
		local_bh_disable();
		rcu_read_lock();
		for (end = bucket + COUNT_BATCH; bucket < end; bucket++) {
			lockp = &nf_conntrack_locks[bucket % CONNTRACK_LOCKS];
			bucket_lock(lockp);
			if (bucket >= nf_conntrack_htable_size) {
				spin_unlock(lockp);
				more = false;
				break;
			}
			hlist_nulls_for_each_entry(h, node,
						   &nf_conntrack_hash[bucket],
						   hnnode) {
				const struct nf_conn *ct;

				if (NF_CT_DIRECTION(h) != IP_CT_DIR_ORIGINAL)
					continue;
				ct = nf_ct_tuplehash_to_ctrack(h);
				if (net_eq(nf_ct_net(ct), sn->net))
					count_one(sn, v, n, ct);
			}
			spin_unlock(lockp);
		}
		rcu_read_unlock();
		local_bh_enable();
		cond_resched();
	}
}
