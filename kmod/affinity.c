// SPDX-License-Identifier: GPL-2.0
/*
 * Session affinity table. kube-proxy keeps one "recent" list per endpoint;
 * here one hash of (service, client address) -> backend per netns. An entry
 * is fresh while less than the service's timeout has passed since the last
 * connection that used it. Memory is bounded: at the affinity-max in effect
 * the least recently used entry is evicted, so a flood of client addresses
 * costs a fixed amount of kernel memory, charged to the memory cgroup of
 * the process that enabled affinity in the netns (as BPF maps charge their
 * elements to the map creator's memcg). Service ids are never reused, so
 * the entries of a deleted service match nothing and simply age out.
 *
 * Cost bounds: the hash is an rhashtable, so it grows with the entries
 * (chains stay O(1) however large affinity-max is), and resizes
 * incrementally from a worker. Every spinlock hold is O(1): one insert,
 * one removal, one LRU move. The sweep visits at most AFFINITY_SWEEP_BUDGET
 * entries per tick with no lock held but RCU, and takes the lock once per
 * entry it removes; lowering affinity-max evicts in batches, rescheduling
 * between them.
 */

#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/jiffies.h>
#include <linux/memcontrol.h>
#include <linux/sched/mm.h>
#include <linux/rhashtable.h>

#include "affinity.h"

#define AFFINITY_SWEEP_TICK	(HZ / 10)	/* between slices of a pass */
#define AFFINITY_SWEEP_PASS	(2 * HZ)	/* between passes */
#define AFFINITY_SWEEP_BUDGET	1024		/* entries per slice */
#define AFFINITY_TRIM_BATCH	256		/* evictions per lock hold */

struct affinity_entry {
	struct rhash_head node;		/* RCU */
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

static const struct rhashtable_params affinity_params = {
	.key_len = sizeof(struct svcvip_affinity_key),
	.key_offset = offsetof(struct affinity_entry, key),
	.head_offset = offsetof(struct affinity_entry, node),
	.automatic_shrinking = true,
};

static void affinity_sweep(struct work_struct *work);

static bool entry_fresh(const struct affinity_entry *e, unsigned long timeout,
			unsigned long now)
{
	return time_before(now, READ_ONCE(e->last) + timeout);
}

void svcvip_affinity_init(struct svcvip_affinity_table *a)
{
	spin_lock_init(&a->lock);
	a->ready = false;
	INIT_LIST_HEAD(&a->lru);
	a->count = 0;
	a->memcg = NULL;
	INIT_DELAYED_WORK(&a->sweep, affinity_sweep);
}

/*
 * Called with the netns's writer mutex held, so never concurrently, and
 * before the first service with affinity is published: the packet path
 * reads a->ready only after that (RCU publication orders it).
 */
int svcvip_affinity_prepare(struct svcvip_affinity_table *a)
{
	int ret;

	if (a->ready)
		return 0;
	ret = rhashtable_init(&a->ht, &affinity_params);
	if (ret)
		return ret;
	rhashtable_walk_enter(&a->ht, &a->iter);
	/* traffic creates the entries: charge them to the caller's memcg */
	a->memcg = get_mem_cgroup_from_mm(current->mm);
	/* pairs with the acquire of get/set: ht and memcg are set up first */
	smp_store_release(&a->ready, true);
	return 0;
}

static void entry_remove(struct svcvip_affinity_table *a,
			 struct affinity_entry *e)
{
	rhashtable_remove_fast(&a->ht, &e->node, affinity_params);
	list_del(&e->lru);
	e->dead = true;
	a->count--;
	kfree_rcu(e, rcu);
}

/*
 * One slice of the sweep: at most AFFINITY_SWEEP_BUDGET entries looked at,
 * under RCU only; the lock is taken once per stale entry, for O(1) work.
 * The rhashtable walker keeps the position across slices and resizes (it
 * may see an entry twice or miss one in a pass that races a resize: the
 * next pass gets it, and the packet path never uses a stale entry anyway).
 */
static void affinity_sweep(struct work_struct *work)
{
	struct svcvip_affinity_table *a = container_of(to_delayed_work(work),
						 struct svcvip_affinity_table, sweep);
	unsigned long now = jiffies, delay = AFFINITY_SWEEP_TICK;
	struct affinity_entry *e;
	int budget = AFFINITY_SWEEP_BUDGET;
	bool more;

	rhashtable_walk_start(&a->iter);
	while (budget > 0) {
		e = rhashtable_walk_next(&a->iter);
		if (IS_ERR(e)) {
			if (PTR_ERR(e) == -EAGAIN)
				continue;	/* resized: restarted */
			break;
		}
		if (!e) {
			/* end of this pass: the next one starts afresh */
			rhashtable_walk_stop(&a->iter);
			rhashtable_walk_exit(&a->iter);
			rhashtable_walk_enter(&a->ht, &a->iter);
			delay = AFFINITY_SWEEP_PASS;
			goto out;
		}
		budget--;
		if (entry_fresh(e, READ_ONCE(e->timeout), now))
			continue;
		spin_lock_bh(&a->lock);
		if (!e->dead)
			entry_remove(a, e);
		spin_unlock_bh(&a->lock);
	}
	rhashtable_walk_stop(&a->iter);
out:
	spin_lock_bh(&a->lock);
	more = a->count;
	spin_unlock_bh(&a->lock);
	if (more)
		schedule_delayed_work(&a->sweep, delay);
}

bool svcvip_affinity_get(struct svcvip_affinity_table *a,
			 const struct svcvip_affinity_key *k,
			 unsigned long timeout, union nf_inet_addr *addr,
			 __be16 *port)
{
	struct affinity_entry *e;

	if (!smp_load_acquire(&a->ready))	/* see prepare() */
		return false;
	e = rhashtable_lookup(&a->ht, k, affinity_params);
	if (!e || !entry_fresh(e, timeout, jiffies))
		return false;
	/* an entry's backend never changes: a new choice is a new entry */
	*addr = e->addr;
	*port = e->port;
	return true;
}

/*
 * Evicts least recently used entries until there is room for @room more,
 * or @budget entries went. The packet path passes a budget of 2: after a
 * ceiling was lowered far below the count, each insert shrinks the table
 * by one instead of emptying it all at once in softirq.
 */
static void make_room(struct svcvip_affinity_table *a, u32 max, u32 room,
		      u32 budget)
{
	while (budget-- && a->count && a->count + room > max)
		entry_remove(a, list_first_entry(&a->lru, struct affinity_entry,
						 lru));
}

/*
 * A charge that may fail at the memory cgroup's limit: GFP_NOWAIT, not
 * GFP_ATOMIC, whose __GFP_HIGH lets a memcg charge exceed memory.max.
 */
static struct affinity_entry *entry_alloc(struct svcvip_affinity_table *a)
{
	struct mem_cgroup *old = set_active_memcg(a->memcg);
	struct affinity_entry *e;

	e = kmalloc(sizeof(*e), GFP_NOWAIT | __GFP_ACCOUNT | __GFP_NOWARN);
	set_active_memcg(old);
	return e;
}

/*
 * Records (or refreshes) the client's backend. Called once the connection
 * is DNATed to that backend, in softirq or process context, under RCU.
 */
void svcvip_affinity_set(struct svcvip_affinity_table *a,
			 const struct svcvip_affinity_key *k, u32 max,
			 unsigned long timeout, const union nf_inet_addr *addr,
			 __be16 port)
{
	unsigned long now = jiffies;
	struct affinity_entry *e, *old;

	if (!smp_load_acquire(&a->ready) || !max)	/* see prepare() */
		return;
	old = rhashtable_lookup(&a->ht, k, affinity_params);
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

	e = entry_alloc(a);
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
	old = rhashtable_lookup(&a->ht, k, affinity_params);	/* again */
	if (old)
		entry_remove(a, old);
	make_room(a, max, 1, 2);
	if (rhashtable_insert_fast(&a->ht, &e->node, affinity_params)) {
		spin_unlock_bh(&a->lock);
		kfree(e);	/* never published */
		return;
	}
	list_add_tail(&e->lru, &a->lru);
	if (!a->count++)
		schedule_delayed_work(&a->sweep, AFFINITY_SWEEP_PASS);
	spin_unlock_bh(&a->lock);
}

/* A lower limit: evict in bounded batches, rescheduling in between. */
void svcvip_affinity_trim(struct svcvip_affinity_table *a, u32 max)
{
	bool more;

	do {
		u32 target;

		spin_lock_bh(&a->lock);
		target = max_t(u32, max, a->count > AFFINITY_TRIM_BATCH ?
					 a->count - AFFINITY_TRIM_BATCH : 0);
		make_room(a, target, 0, AFFINITY_TRIM_BATCH);
		more = a->count > max;
		spin_unlock_bh(&a->lock);
		cond_resched();
	} while (more);
}

u32 svcvip_affinity_count(struct svcvip_affinity_table *a)
{
	return READ_ONCE(a->count);
}

/*
 * The netns is going away: its hooks are gone and a grace period has
 * passed, so no packet path and no writer can run.
 */
static void entry_free(void *ptr, void *arg)
{
	kfree(ptr);
}

void svcvip_affinity_destroy(struct svcvip_affinity_table *a)
{
	cancel_delayed_work_sync(&a->sweep);
	if (!a->ready)
		return;
	rhashtable_walk_exit(&a->iter);
	/* frees every entry, rescheduling as it goes */
	rhashtable_free_and_destroy(&a->ht, entry_free, NULL);
	INIT_LIST_HEAD(&a->lru);
	a->count = 0;
	a->ready = false;
	mem_cgroup_put(a->memcg);
	a->memcg = NULL;
}
