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
#include <uapi/linux/svcvip.h>

#include "selftest.h"
#include "sched.h"
#include "table.h"
#include "config.h"

static int failures;

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
		p = svcvip_pool_build(SVCVIP_SCHED_MAGLEV, bes, members, n);
		if (IS_ERR_OR_NULL(p)) {
			expect(0, "build failed for %u backends", n);
			continue;
		}
		expect(is_prime(p->lut_size), "size %u not prime", p->lut_size);
		expect(p->lut_size >= 100 * n, "size %u < 100 x %u",
		       p->lut_size, n);
		lut_counts(p, counts, n);
		for (i = 0; i < n; i++) {
			min = min(min, counts[i]);
			max = max(max, counts[i]);
		}
		/* Maglev's bound: within a few percent of M/n */
		expect(min * 100 >= (p->lut_size / n) * 90 &&
		       max * 100 <= (p->lut_size / n + 1) * 110,
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
	p = svcvip_pool_build(SVCVIP_SCHED_MAGLEV, bes, members, 3);
	if (IS_ERR_OR_NULL(p)) {
		expect(0, "build failed");
		return;
	}
	lut_counts(p, counts, 3);
	/* within 3 % of the table each */
	expect(abs((int)(counts[0] * 6) - (int)p->lut_size) * 100 <=
	       3 * 6 * (int)p->lut_size &&
	       abs((int)(counts[1] * 3) - (int)p->lut_size) * 100 <=
	       3 * 3 * (int)p->lut_size &&
	       abs((int)(counts[2] * 2) - (int)p->lut_size) * 100 <=
	       3 * 2 * (int)p->lut_size,
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
	a = svcvip_pool_build(SVCVIP_SCHED_MAGLEV, bes, members, 10);
	b = svcvip_pool_build(SVCVIP_SCHED_MAGLEV, fewer, members, 9);
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
	p = svcvip_pool_build(SVCVIP_SCHED_WRR, bes, members, 3);
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
	p = svcvip_pool_build(SVCVIP_SCHED_RR, bes, members, 4);
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

static void test_random(void)
{
	static const u32 w[] = { 1, 0, 3 };
	struct svcvip_backend bes[3];
	struct svcvip_flow flow = {};
	struct svcvip_pool *p;
	u32 counts[3] = {}, i;
	u16 members[3];

	/* a pool never holds weight 0; build one of the two others */
	backends_init(bes, members, 3, w);
	members[1] = 2;
	p = svcvip_pool_build(SVCVIP_SCHED_RANDOM, bes, members, 2);
	if (IS_ERR_OR_NULL(p)) {
		expect(0, "build failed");
		return;
	}
	for (i = 0; i < 40000; i++)
		counts[svcvip_pool_pick(p, &flow, false)]++;
	expect(counts[1] == 0, "weight-0 backend picked");
	/* 1:3 -> 10000:30000, +-5 % */
	expect(counts[0] > 9500 && counts[0] < 10500, "1:3 gave %u:%u",
	       counts[0], counts[2]);
	svcvip_pool_free(p);
}

/* The same flow always maps to the same backend: racing first packets. */
static void test_flow_determinism(void)
{
	struct svcvip_backend bes[5];
	struct svcvip_flow flow;
	struct svcvip_pool *p;
	u16 members[5], first;
	int i;

	backends_init(bes, members, 5, NULL);
	p = svcvip_pool_build(SVCVIP_SCHED_MAGLEV, bes, members, 5);
	if (IS_ERR_OR_NULL(p)) {
		expect(0, "build failed");
		return;
	}
	memset(&flow, 0, sizeof(flow));
	flow.family = AF_INET;
	flow.protocol = IPPROTO_UDP;
	flow.saddr.ip = htonl(0x0af40064);
	flow.daddr.ip = htonl(0x0a60000a);
	flow.sport = htons(40000);
	flow.dport = htons(53);
	first = svcvip_pool_pick(p, &flow, false);
	for (i = 0; i < 100; i++)
		expect(svcvip_pool_pick(p, &flow, false) == first,
		       "same flow, different backend");
	svcvip_pool_free(p);
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
	test_maglev_shape();
	test_maglev_weights();
	test_maglev_consistency();
	test_wrr();
	test_rr();
	test_random();
	test_flow_determinism();
	test_cidrs();
	if (failures)
		pr_err("selftest: %d checks failed\n", failures);
	else
		pr_info("selftest: all passed\n");
	return !failures;
}
