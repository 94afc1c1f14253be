// SPDX-License-Identifier: GPL-2.0
/*
 * Session affinity table. kube-proxy keeps one "recent" list per endpoint;
 * here one hash of (service, client address) -> backend per netns. An entry
 * is fresh while less than the service's timeout has passed since the last
 * connection that used it. Memory is bounded: at affinity-max entries the
 * least recently used one is evicted, so a flood of client addresses costs
 * a fixed amount of kernel memory. Service ids are never reused, so the
 * entries of a deleted service match nothing and simply age out.
 */

#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/jiffies.h>
#include <linux/random.h>
#include <linux/rculist.h>
#include <linux/vmalloc.h>

#include "affinity.h"

#define AFFINITY_BUCKETS_BITS	12
#define AFFINITY_BUCKETS	BIT(AFFINITY_BUCKETS_BITS)
#define AFFINITY_SWEEP		(2 * HZ)

struct affinity_entry {
	struct hlist_node node;		/* bucket, RCU */
	struct list_head lru;		/* under lock */
	struct rcu_head rcu;
	struct svcvip_affinity_key key;
	union nf_inet_addr addr;	/* the backend */
	__be16 port;
	unsigned long last;		/* jiffies of the last connection */
	unsigned long timeout;		/* jiffies, for the sweep */
	unsigned long moved;		/* jiffies of the last LRU move */
	bool dead;			/* unlinked, under lock */
};

static void affinity_sweep(struct work_struct *work);

static u32 key_hash(const struct svcvip_affinity_table *a,
		    const struct svcvip_affinity_key *k)
{
	return siphash(k, sizeof(*k), &a->key) & (AFFINITY_BUCKETS - 1);
}

static bool key_eq(const struct svcvip_affinity_key *x,
		   const struct svcvip_affinity_key *y)
{
	return x->service_id == y->service_id && x->family == y->family &&
	       nf_inet_addr_cmp(&x->client, &y->client);
}

static bool entry_fresh(const struct affinity_entry *e, unsigned long timeout,
			unsigned long now)
{
	return time_before(now, READ_ONCE(e->last) + timeout);
}

void svcvip_affinity_init(struct svcvip_affinity_table *a)
{
	spin_lock_init(&a->lock);
	RCU_INIT_POINTER(a->buckets, NULL);
	INIT_LIST_HEAD(&a->lru);
	a->count = 0;
	get_random_bytes(&a->key, sizeof(a->key));
	INIT_DELAYED_WORK(&a->sweep, affinity_sweep);
}

/* Called with the netns's writer mutex held, so never concurrently. */
int svcvip_affinity_prepare(struct svcvip_affinity_table *a)
{
	struct hlist_head *b;
	u32 i;

	if (rcu_access_pointer(a->buckets))
		return 0;
	b = kvmalloc_array(AFFINITY_BUCKETS, sizeof(*b), GFP_KERNEL_ACCOUNT);
	if (!b)
		return -ENOMEM;
	for (i = 0; i < AFFINITY_BUCKETS; i++)
		INIT_HLIST_HEAD(&b[i]);
	rcu_assign_pointer(a->buckets, b);
	return 0;
}

static void entry_remove(struct svcvip_affinity_table *a, struct affinity_entry *e)
{
	hlist_del_rcu(&e->node);
	list_del(&e->lru);
	e->dead = true;
	a->count--;
	kfree_rcu(e, rcu);
}

/* Drops stale entries while any exist; runs every AFFINITY_SWEEP. */
static void affinity_sweep(struct work_struct *work)
{
	struct svcvip_affinity_table *a = container_of(to_delayed_work(work),
						 struct svcvip_affinity_table, sweep);
	struct affinity_entry *e, *tmp;
	unsigned long now = jiffies;
	bool more;

	spin_lock_bh(&a->lock);
	list_for_each_entry_safe(e, tmp, &a->lru, lru)
		if (!entry_fresh(e, READ_ONCE(e->timeout), now))
			entry_remove(a, e);
	more = a->count;
	spin_unlock_bh(&a->lock);
	if (more)
		schedule_delayed_work(&a->sweep, AFFINITY_SWEEP);
}

static struct affinity_entry *
entry_find(struct hlist_head *buckets, u32 h,
	   const struct svcvip_affinity_key *k)
{
	struct affinity_entry *e;

	hlist_for_each_entry_rcu(e, &buckets[h], node)
		if (key_eq(&e->key, k))
			return e;
	return NULL;
}

bool svcvip_affinity_get(struct svcvip_affinity_table *a,
			 const struct svcvip_affinity_key *k,
			 unsigned long timeout, union nf_inet_addr *addr,
			 __be16 *port)
{
	struct hlist_head *buckets = rcu_dereference(a->buckets);
	struct affinity_entry *e;

	if (!buckets)
		return false;
	e = entry_find(buckets, key_hash(a, k), k);
	if (!e || !entry_fresh(e, timeout, jiffies))
		return false;
	/* an entry's backend never changes: a new choice is a new entry */
	*addr = e->addr;
	*port = e->port;
	return true;
}

/* Evicts least recently used entries until there is room for @room more. */
static void make_room(struct svcvip_affinity_table *a, u32 max, u32 room)
{
	while (a->count && a->count + room > max)
		entry_remove(a, list_first_entry(&a->lru, struct affinity_entry,
						 lru));
}

/*
 * Records (or refreshes) the client's backend. Called for every new
 * connection of an affinity service, in softirq or process context.
 */
void svcvip_affinity_set(struct svcvip_affinity_table *a,
			 const struct svcvip_affinity_key *k, u32 max,
			 unsigned long timeout, const union nf_inet_addr *addr,
			 __be16 port)
{
	struct hlist_head *buckets = rcu_dereference(a->buckets);
	unsigned long now = jiffies;
	struct affinity_entry *e, *old;
	u32 h;

	if (!buckets || !max)
		return;
	h = key_hash(a, k);
	old = entry_find(buckets, h, k);
	if (old && nf_inet_addr_cmp(&old->addr, addr) && old->port == port) {
		/* the common case: same backend again, no lock unless the
		 * LRU position is more than a second out of date
		 */
		WRITE_ONCE(old->last, now);
		WRITE_ONCE(old->timeout, timeout);
		if (time_before(now, READ_ONCE(old->moved) + HZ))
			return;
		spin_lock_bh(&a->lock);
		if (!old->dead) {
			list_move_tail(&old->lru, &a->lru);
			WRITE_ONCE(old->moved, now);
		}
		spin_unlock_bh(&a->lock);
		return;
	}

	e = kmalloc(sizeof(*e), GFP_ATOMIC | __GFP_NOWARN);
	if (!e)
		return;	/* affinity is best effort under memory pressure */
	e->key = *k;
	e->addr = *addr;
	e->port = port;
	e->last = now;
	e->timeout = timeout;
	e->moved = now;
	e->dead = false;

	spin_lock_bh(&a->lock);
	old = entry_find(buckets, h, k);	/* again, under the lock */
	if (old)
		entry_remove(a, old);
	make_room(a, max, 1);
	hlist_add_head_rcu(&e->node, &buckets[h]);
	list_add_tail(&e->lru, &a->lru);
	if (!a->count++)
		schedule_delayed_work(&a->sweep, AFFINITY_SWEEP);
	spin_unlock_bh(&a->lock);
}

void svcvip_affinity_trim(struct svcvip_affinity_table *a, u32 max)
{
	spin_lock_bh(&a->lock);
	make_room(a, max, 0);
	spin_unlock_bh(&a->lock);
}

u32 svcvip_affinity_count(struct svcvip_affinity_table *a)
{
	return READ_ONCE(a->count);
}

/*
 * The netns is going away: its hooks are gone and a grace period has
 * passed, so no packet path and no writer can run.
 */
void svcvip_affinity_destroy(struct svcvip_affinity_table *a)
{
	struct hlist_head *buckets;
	struct affinity_entry *e, *tmp;

	cancel_delayed_work_sync(&a->sweep);
	spin_lock_bh(&a->lock);
	list_for_each_entry_safe(e, tmp, &a->lru, lru)
		entry_remove(a, e);
	spin_unlock_bh(&a->lock);
	buckets = rcu_dereference_protected(a->buckets, true);
	RCU_INIT_POINTER(a->buckets, NULL);
	kvfree(buckets);
}
