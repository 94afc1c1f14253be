// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel selftests of the parts that have no packet to show for
 * themselves: Maglev table shape, balance and consistency, the wrr
 * sequence, rr and weighted random, CIDR matching. They are linked only
 * into a CONFIG_SVCVIP_DEBUG build (scripts/build-selftest-module; make
 * check's "selftest" test), run at every load of it and make the load fail
 * if anything is off. The production module has none of this code.
 */

#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/ktime.h>
#include <linux/bitmap.h>
#include <linux/sched.h>
#include <linux/workqueue.h>
#include <linux/cpumask.h>
#include <uapi/linux/svcvip.h>

#include "selftest.h"
#include "sched.h"
#include "table.h"
#include "config.h"

static int failures;
static struct svcvip_sched_params sp;

#define expect(cond, fmt, ...) do {					\
	if (!(cond)) {							\
		pr_err("selftest: %s: " fmt "\n", __func__, ##__VA_ARGS__); \
		failures++;						\
	}								\
} while (0)

static void backends_init(struct svcvip_backend *bes, u16 *members, u32 n,
			  const u32 *weights)
{
	u32 i;

	memset(bes, 0, n * sizeof(*bes));
	for (i = 0; i < n; i++) {
		bes[i].family = AF_INET;
		bes[i].addr.ip = htonl(0x0af40000 + i + 1);	/* 10.244.0.x */
		bes[i].port = htons(8080);
		bes[i].weight = weights ? weights[i] : 1;
		members[i] = i;
	}
}

static bool is_prime(u32 n)
{
	u32 d;

	for (d = 2; d <= n / d; d++)
		if (n % d == 0)
			return false;
	return n > 1;
}

/* slots of the table that belong to each backend */
static void lut_counts(const struct svcvip_pool *p, u32 *counts, u32 n)
{
	u32 i;

	memset(counts, 0, n * sizeof(*counts));
	for (i = 0; i < p->lut_size; i++)
		counts[p->lut[i]]++;
}

static void test_maglev_shape(void)
{
	static const u32 sizes[] = { 1, 2, 3, 10, 100, 1000 };
	struct svcvip_backend *bes;
	u16 *members;
	u32 *counts;
	int s;

	bes = kcalloc(1000, sizeof(*bes), GFP_KERNEL);
	members = kcalloc(1000, sizeof(*members), GFP_KERNEL);
	counts = kcalloc(1000, sizeof(*counts), GFP_KERNEL);
	if (!bes || !members || !counts) {
		failures++;
		goto out;
	}
	for (s = 0; s < ARRAY_SIZE(sizes); s++) {
		u32 n = sizes[s], i, min = U32_MAX, max = 0;
		struct svcvip_pool *p;

		backends_init(bes, members, n, NULL);
		p = svcvip_pool_build(SVCVIP_SCHED_MAGLEV, bes, members, n, &sp);
		if (IS_ERR_OR_NULL(p)) {
			expect(0, "build failed for %u backends", n);
			continue;
		}
		expect(is_prime(p->lut_size), "size %u not prime", p->lut_size);
		expect(p->lut_size >= 100 * n ||
		       p->lut_size == SVCVIP_MAGLEV_SIZE_DEFAULT,
		       "size %u < 100 x %u", p->lut_size, n);
		lut_counts(p, counts, n);
		for (i = 0; i < n; i++) {
			min = min(min, counts[i]);
			max = max(max, counts[i]);
		}
		/* the cap: at most 1.1 x M/n + 1; the least loaded gets
		 * what the others leave, measured >= 0.8 x M/n
		 */
		expect((min * 100 >= (p->lut_size / n) * 75 || n > 100) &&
		       max * 100 <= (p->lut_size / n + 1) * 110 + 100,
		       "%u backends: slots per backend %u..%u of %u", n, min,
		       max, p->lut_size);
		svcvip_pool_free(p);
	}
out:
	kfree(bes);
	kfree(members);
	kfree(counts);
}

static void test_maglev_weights(void)
{
	static const u32 w[] = { 1, 2, 3 };
	struct svcvip_backend bes[3];
	struct svcvip_pool *p;
	u16 members[3];
	u32 counts[3];

	backends_init(bes, members, 3, w);
	p = svcvip_pool_build(SVCVIP_SCHED_MAGLEV, bes, members, 3, &sp);
	if (IS_ERR_OR_NULL(p)) {
		expect(0, "build failed");
		return;
	}
	lut_counts(p, counts, 3);
	/* the busiest within 1.1 x its share + 1, the others >= 0.75 x */
	expect(counts[0] * 6 * 100 >= 75 * p->lut_size &&
	       counts[1] * 3 * 100 >= 75 * p->lut_size &&
	       counts[2] * 2 * 100 >= 75 * p->lut_size &&
	       counts[0] * 6 * 10 <= 11 * p->lut_size + 60 &&
	       counts[1] * 3 * 10 <= 11 * p->lut_size + 30 &&
	       counts[2] * 2 * 10 <= 11 * p->lut_size + 20,
	       "1:2:3 gave %u:%u:%u of %u", counts[0], counts[1], counts[2],
	       p->lut_size);
	svcvip_pool_free(p);
}

/* Removing one backend of 10 moves little more than its own slots. */
static void test_maglev_consistency(void)
{
	struct svcvip_backend bes[10], fewer[9];
	struct svcvip_pool *a, *b;
	u16 members[10];
	u32 i, moved = 0, own = 0;

	backends_init(bes, members, 10, NULL);
	memcpy(fewer, bes, 3 * sizeof(bes[0]));
	memcpy(fewer + 3, bes + 4, 6 * sizeof(bes[0]));
	a = svcvip_pool_build(SVCVIP_SCHED_MAGLEV, bes, members, 10, &sp);
	b = svcvip_pool_build(SVCVIP_SCHED_MAGLEV, fewer, members, 9, &sp);
	if (IS_ERR_OR_NULL(a) || IS_ERR_OR_NULL(b)) {
		expect(0, "build failed");
		goto out;
	}
	/* 9 and 10 backends share a table size (16 x 100 -> next prime) */
	expect(a->lut_size == b->lut_size, "sizes %u != %u", a->lut_size,
	       b->lut_size);
	if (a->lut_size != b->lut_size)
		goto out;
	for (i = 0; i < a->lut_size; i++) {
		const struct svcvip_backend *x = &bes[a->lut[i]];
		const struct svcvip_backend *y = &fewer[b->lut[i]];

		if (a->lut[i] == 3) {
			own++;
			continue;
		}
		if (x->addr.ip != y->addr.ip)
			moved++;
	}
	/* the paper reports a few percent of disruption */
	expect(moved * 100 <= a->lut_size * 5,
	       "%u of %u slots moved (removed backend had %u)", moved,
	       a->lut_size, own);
out:
	if (!IS_ERR(a))
		svcvip_pool_free(a);
	if (!IS_ERR(b))
		svcvip_pool_free(b);
}

static void test_wrr(void)
{
	static const u32 w[] = { 1, 2, 3 };
	struct svcvip_backend bes[3];
	struct svcvip_flow flow = {};
	struct svcvip_pool *p;
	u32 counts[3] = {}, i, run = 0, longest = 0;
	u16 members[3], prev = 0xffff;

	backends_init(bes, members, 3, w);
	p = svcvip_pool_build(SVCVIP_SCHED_WRR, bes, members, 3, &sp);
	if (IS_ERR_OR_NULL(p)) {
		expect(0, "build failed");
		return;
	}
	expect(p->lut_size == 6, "sequence length %u, want 6", p->lut_size);
	for (i = 0; i < 600; i++) {
		u16 b = svcvip_pool_pick(p, &flow, false);

		counts[b]++;
		run = b == prev ? run + 1 : 1;
		longest = max(longest, run);
		prev = b;
	}
	expect(counts[0] == 100 && counts[1] == 200 && counts[2] == 300,
	       "600 picks gave %u:%u:%u", counts[0], counts[1], counts[2]);
	/* smooth: never the same backend 3 times in a row for 1:2:3 */
	expect(longest <= 2, "longest run %u", longest);
	svcvip_pool_free(p);
}

static void test_rr(void)
{
	struct svcvip_backend bes[4];
	struct svcvip_flow flow = {};
	struct svcvip_pool *p;
	u16 members[4], i;

	backends_init(bes, members, 4, NULL);
	p = svcvip_pool_build(SVCVIP_SCHED_RR, bes, members, 4, &sp);
	if (IS_ERR_OR_NULL(p)) {
		expect(0, "build failed");
		return;
	}
	expect(svcvip_pool_pick(p, &flow, true) == 0, "dry run moved");
	for (i = 0; i < 12; i++)
		expect(svcvip_pool_pick(p, &flow, false) == i % 4,
		       "pick %u not in order", i);
	svcvip_pool_free(p);
}

/*
 * Weighted random 1:3 over 40,000 picks: the first backend's count is
 * Binomial(40000, 1/4), sd 86.6; +-285 (3.3 sd) is a false alarm once in
 * a thousand loads, where a 26 % share (10,400) already fails.
 */
static void test_random(void)
{
	static const u32 w[] = { 1, 3 };
	struct svcvip_backend bes[2];
	struct svcvip_flow flow = {};
	struct svcvip_pool *p;
	u32 counts[2] = {}, i;
	u16 members[2];

	backends_init(bes, members, 2, w);
	p = svcvip_pool_build(SVCVIP_SCHED_RANDOM, bes, members, 2, &sp);
	if (IS_ERR_OR_NULL(p)) {
		expect(0, "build failed");
		return;
	}
	for (i = 0; i < 40000; i++)
		counts[svcvip_pool_pick(p, &flow, false)]++;
	expect(counts[0] >= 10000 - 285 && counts[0] <= 10000 + 285,
	       "1:3 gave %u:%u", counts[0], counts[1]);
	svcvip_pool_free(p);
}

/* flow @i of a set of distinct TCP flows to one service */
static void flow_nr(struct svcvip_flow *flow, u32 i)
{
	memset(flow, 0, sizeof(*flow));
	flow->family = AF_INET;
	flow->protocol = IPPROTO_TCP;
	flow->saddr.ip = htonl(0x0a000000 + (i >> 8));
	flow->daddr.ip = htonl(0x0a60000a);
	flow->sport = htons(30000 + (i & 0xff));
	flow->dport = htons(80);
}

/*
 * The same flow maps to the same backend whichever CPU's first packet
 * decides it (racing first packets of one flow on two CPUs), and in
 * a pool built again from the same backends: 1,000 flows picked on every
 * online CPU, and again in a second build.
 */
#define DETERMINISM_FLOWS	1000

struct determinism {
	struct svcvip_pool *pool;
	u16 pick[DETERMINISM_FLOWS];
};

static long determinism_on_cpu(void *arg)
{
	struct determinism *d = arg;
	struct svcvip_flow flow;
	u32 i;

	for (i = 0; i < DETERMINISM_FLOWS; i++) {
		flow_nr(&flow, i);
		d->pick[i] = svcvip_pool_pick(d->pool, &flow, false);
	}
	return 0;
}

static void test_flow_determinism(void)
{
	struct determinism *ref, *d;
	struct svcvip_backend bes[5];
	struct svcvip_pool *again;
	u16 members[5];
	u32 differ;
	int cpu, i;

	ref = kzalloc(sizeof(*ref), GFP_KERNEL);
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!ref || !d) {
		expect(0, "no memory");
		goto out;
	}
	backends_init(bes, members, 5, NULL);
	ref->pool = svcvip_pool_build(SVCVIP_SCHED_MAGLEV, bes, members, 5, &sp);
	again = svcvip_pool_build(SVCVIP_SCHED_MAGLEV, bes, members, 5, &sp);
	if (IS_ERR_OR_NULL(ref->pool) || IS_ERR_OR_NULL(again)) {
		expect(0, "build failed");
		if (!IS_ERR_OR_NULL(again))
			svcvip_pool_free(again);
		if (!IS_ERR_OR_NULL(ref->pool))
			svcvip_pool_free(ref->pool);
		goto out;
	}
	determinism_on_cpu(ref);
	d->pool = again;
	determinism_on_cpu(d);
	differ = 0;
	for (i = 0; i < DETERMINISM_FLOWS; i++)
		differ += d->pick[i] != ref->pick[i];
	expect(!differ, "a second build: %u of %u flows differ", differ,
	       DETERMINISM_FLOWS);
	d->pool = ref->pool;
	for_each_online_cpu(cpu) {
		work_on_cpu(cpu, determinism_on_cpu, d);
		differ = 0;
		for (i = 0; i < DETERMINISM_FLOWS; i++)
			differ += d->pick[i] != ref->pick[i];
		expect(!differ, "on CPU %d: %u of %u flows differ", cpu,
		       differ, DETERMINISM_FLOWS);
	}
	svcvip_pool_free(again);
	svcvip_pool_free(ref->pool);
out:
	kfree(d);
	kfree(ref);
}

/* ---- consistency, balance, seed, wrr at scale (self-contained) ------- */

/*
 * 1 backend of n removed: of 100,000 flows at most 2/n change backend (the
 * removed one's own 1/n is the least possible).
 */
static void test_sched_moved_flows(void)
{
	static const u32 sizes[] = { 10, 100, 1000 };
	struct svcvip_backend *bes, *fewer;
	u16 *members;
	int s;

	bes = kvcalloc(1000, sizeof(*bes), GFP_KERNEL);
	fewer = kvcalloc(1000, sizeof(*fewer), GFP_KERNEL);
	members = kvcalloc(1000, sizeof(*members), GFP_KERNEL);
	if (!bes || !fewer || !members) {
		failures++;
		goto out;
	}
	for (s = 0; s < ARRAY_SIZE(sizes); s++) {
		u32 n = sizes[s], gone = n / 3, i, moved = 0;
		struct svcvip_pool *a, *b;
		struct svcvip_flow flow;

		backends_init(bes, members, n, NULL);
		memcpy(fewer, bes, gone * sizeof(*bes));
		memcpy(fewer + gone, bes + gone + 1,
		       (n - gone - 1) * sizeof(*bes));
		a = svcvip_pool_build(SVCVIP_SCHED_MAGLEV, bes, members, n,
				      &sp);
		b = svcvip_pool_build(SVCVIP_SCHED_MAGLEV, fewer, members,
				      n - 1, &sp);
		if (IS_ERR_OR_NULL(a) || IS_ERR_OR_NULL(b)) {
			expect(0, "build failed for %u backends", n);
			goto next;
		}
		for (i = 0; i < 100000; i++) {
			flow_nr(&flow, i);
			if (bes[svcvip_pool_pick(a, &flow, true)].addr.ip !=
			    fewer[svcvip_pool_pick(b, &flow, true)].addr.ip)
				moved++;
		}
		pr_info("selftest: 1 of %u backends removed: %u of 100000 flows moved = %u.%02u/N (table %u)\n",
			n, moved, moved * n / 100000,
			moved * n / 1000 % 100, a->lut_size);
		expect(moved * n <= 2 * 100000, "%u backends: %u flows moved",
		       n, moved);
next:
		if (!IS_ERR(a))
			svcvip_pool_free(a);
		if (!IS_ERR(b))
			svcvip_pool_free(b);
		cond_resched();
	}
out:
	kvfree(bes);
	kvfree(fewer);
	kvfree(members);
}

/* Slots of the busiest and the least busy backend, in % of the share,
 * at the table sizes maglev-table-size offers.
 */
static void test_sched_balance(void)
{
	static const struct { u32 n, max; } cases[] = {
		{ 100, SVCVIP_MAGLEV_SIZE_DEFAULT },
		{ 1000, SVCVIP_MAGLEV_SIZE_DEFAULT },
		{ 10000, 16381 },
		{ 10000, SVCVIP_MAGLEV_SIZE_DEFAULT },
		{ 10000, 131071 },
		{ 10000, 1048573 },
	};
	struct svcvip_sched_params p2 = sp;
	struct svcvip_backend *bes;
	u16 *members;
	u32 *counts;
	int c;

	bes = kvcalloc(10000, sizeof(*bes), GFP_KERNEL);
	members = kvcalloc(10000, sizeof(*members), GFP_KERNEL);
	counts = kvcalloc(10000, sizeof(*counts), GFP_KERNEL);
	if (!bes || !members || !counts) {
		failures++;
		goto out;
	}
	for (c = 0; c < ARRAY_SIZE(cases); c++) {
		u32 n = cases[c].n, i, min = U32_MAX, max = 0;
		struct svcvip_pool *p;
		u64 t0 = ktime_get_ns();

		p2.maglev_max = cases[c].max;
		backends_init(bes, members, n, NULL);
		p = svcvip_pool_build(SVCVIP_SCHED_MAGLEV, bes, members, n,
				      &p2);
		t0 = ktime_get_ns() - t0;
		if (IS_ERR_OR_NULL(p)) {
			expect(0, "build failed for %u backends", n);
			continue;
		}
		lut_counts(p, counts, n);
		for (i = 0; i < n; i++) {
			min = min(min, counts[i]);
			max = max(max, counts[i]);
		}
		pr_info("selftest: %u backends, table %u: slots per backend %u..%u, %u%%..%u%% of the share, built in %llu us\n",
			n, p->lut_size, min, max,
			(u32)div_u64((u64)min * n * 100, p->lut_size),
			(u32)div_u64((u64)max * n * 100, p->lut_size),
			t0 / 1000);
		/* the cap */
		expect((u64)max * n * 10 <= (u64)p->lut_size * 11 + 10 * n,
		       "%u backends: busiest has %u of %u", n, max,
		       p->lut_size);
		expect(min > 0, "%u backends: one has none", n);
		svcvip_pool_free(p);
		cond_resched();
	}
out:
	kvfree(bes);
	kvfree(members);
	kvfree(counts);
}

/* The choice depends on the seed and the backends, nothing else. */
static void test_sched_seed(void)
{
	struct svcvip_sched_params other = sp;
	struct svcvip_pool *a, *b, *c;
	struct svcvip_backend bes[10];
	struct svcvip_flow flow;
	u32 i, same = 0, differ = 0;
	u16 members[10];

	other.seed.key[0] ^= 1;
	backends_init(bes, members, 10, NULL);
	a = svcvip_pool_build(SVCVIP_SCHED_MAGLEV, bes, members, 10, &sp);
	b = svcvip_pool_build(SVCVIP_SCHED_MAGLEV, bes, members, 10, &sp);
	c = svcvip_pool_build(SVCVIP_SCHED_MAGLEV, bes, members, 10, &other);
	if (IS_ERR_OR_NULL(a) || IS_ERR_OR_NULL(b) || IS_ERR_OR_NULL(c)) {
		expect(0, "build failed");
		goto out;
	}
	for (i = 0; i < 1000; i++) {
		flow_nr(&flow, i);
		same += svcvip_pool_pick(a, &flow, true) ==
			svcvip_pool_pick(b, &flow, true);
		differ += svcvip_pool_pick(a, &flow, true) !=
			  svcvip_pool_pick(c, &flow, true);
	}
	expect(same == 1000, "same seed: %u of 1000 flows agree", same);
	expect(differ >= 500, "other seed: only %u of 1000 flows differ",
	       differ);
out:
	if (!IS_ERR(a))
		svcvip_pool_free(a);
	if (!IS_ERR(b))
		svcvip_pool_free(b);
	if (!IS_ERR(c))
		svcvip_pool_free(c);
}

/* 65,535 unit-weight backends: a sequence of each once, built in O(len). */
static void test_wrr_large(void)
{
	struct svcvip_backend *bes;
	struct svcvip_flow flow = {};
	struct svcvip_pool *p = NULL;
	u32 n = 65535, i, twice = 0;
	unsigned long *seen;
	u16 *members;
	u64 t0;

	bes = kvcalloc(n, sizeof(*bes), GFP_KERNEL);
	members = kvcalloc(n, sizeof(*members), GFP_KERNEL);
	seen = bitmap_zalloc(n, GFP_KERNEL);
	if (!bes || !members || !seen) {
		failures++;
		goto out;
	}
	backends_init(bes, members, n, NULL);
	t0 = ktime_get_ns();
	p = svcvip_pool_build(SVCVIP_SCHED_WRR, bes, members, n, &sp);
	t0 = ktime_get_ns() - t0;
	if (IS_ERR_OR_NULL(p)) {
		expect(0, "build failed");
		goto out;
	}
	pr_info("selftest: wrr of %u backends built in %llu us\n", n,
		t0 / 1000);
	/* 16 s before; 1 s leaves room for the debug kernel */
	expect(t0 < NSEC_PER_SEC, "build took %llu ms", t0 / NSEC_PER_MSEC);
	expect(p->lut_size == n, "sequence length %u", p->lut_size);
	for (i = 0; i < n; i++)
		twice += test_and_set_bit(svcvip_pool_pick(p, &flow, false),
					  seen);
	expect(!twice, "%u backends picked twice in one round", twice);
out:
	if (!IS_ERR_OR_NULL(p))
		svcvip_pool_free(p);
	bitmap_free(seen);
	kvfree(bes);
	kvfree(members);
}

static void test_cidrs(void)
{
	struct {
		struct svcvip_cidrs c;
		struct svcvip_cidr e[2];
	} l = {};
	union nf_inet_addr a = {}, m = {};

	a.ip = htonl(0x0af40000);			/* 10.244.0.0/16 */
	svcvip_cidr_set(&l.c.cidr[0], AF_INET, &a, 16);
	a.in6.s6_addr32[0] = htonl(0xfd000000);	/* fd00::/8 */
	svcvip_cidr_set(&l.c.cidr[1], AF_INET6, &a, 8);
	l.c.count = 2;

	m.ip = htonl(0x0af4ff01);
	expect(svcvip_cidrs_match(&l.c, AF_INET, &m), "10.244.255.1");
	m.ip = htonl(0x0af50001);
	expect(!svcvip_cidrs_match(&l.c, AF_INET, &m), "10.245.0.1");
	memset(&m, 0, sizeof(m));
	m.in6.s6_addr32[0] = htonl(0xfd12abcd);
	expect(svcvip_cidrs_match(&l.c, AF_INET6, &m), "fd12:abcd::");
	m.in6.s6_addr32[0] = htonl(0xfe800000);
	expect(!svcvip_cidrs_match(&l.c, AF_INET6, &m), "fe80::");
	a.ip = htonl(0x0af40001);
	svcvip_cidr_set(&l.c.cidr[0], AF_INET, &a, 16);
	expect(!svcvip_cidr_host_bits_zero(&l.c.cidr[0]), "host bits");
}

bool svcvip_selftest(void)
{
	failures = 0;
	svcvip_sched_params_default(&sp);
	test_maglev_shape();
	test_maglev_weights();
	test_maglev_consistency();
	test_wrr();
	test_rr();
	test_random();
	test_flow_determinism();
	test_cidrs();
	test_sched_moved_flows();
	test_sched_balance();
	test_sched_seed();
	test_wrr_large();
	if (failures)
		pr_err("selftest: %d checks failed\n", failures);
	else
		pr_info("selftest: all passed\n");
	return !failures;
}
