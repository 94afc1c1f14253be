// SPDX-License-Identifier: GPL-2.0
/*
 * restore_plan_test: which lines of a line-mode restore are merged into a
 * service's NEW_SERVICE, where merge windows close, duplicates and what does
 * not fit, and the limits that turn merging off.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "restore_plan.h"

#define HEAD_SIZE	40
#define FE_SIZE		36
#define BE_SIZE		28
#define MAX_ITEMS	64

static struct rp_limits limits(void)
{
	struct rp_limits lim;

	memset(&lim, 0, sizeof(lim));
	lim.nservices = 0;
	lim.nfrontends = 0;
	lim.max_services = 1000;
	lim.max_frontends = 1000;
	lim.nest_bytes = 65535;
	lim.list_frontends = 1024;
	lim.list_backends = 65535;
	lim.min_merged = 0;
	return lim;
}

/*
 * One item per word list:
 *   "S name"          service add
 *   "F name k"        frontend add clusterip 10.0.0.k:80
 *   "N name port"     frontend add nodeport PORT (both families)
 *   "N4 name port"    frontend add nodeport PORT family ipv4
 *   "B name k"        backend add 10.1.0.k:8080
 *   "O"               any other line (ends the segment)
 *   "C svcs fes"      config set max-services svcs max-frontends fes
 *   "R name"          service replace (may create a service)
 *   "-"               a line that sends nothing
 */
struct fixture {
	struct rp_item items[MAX_ITEMS];
	size_t n;
	struct rp_names *names;
	struct rp_plan plan;
};

static void add(struct fixture *f, const char *spec)
{
	struct rp_item *it = &f->items[f->n];
	char word[8], name[32];
	unsigned long v = 0, w = 0;
	int k = sscanf(spec, "%7s %31s %lu", word, name, &v);

	assert_true(f->n < MAX_ITEMS);
	memset(it, 0, sizeof(*it));
	it->line = (uint32_t)f->n + 1;
	if (!strcmp(word, "S")) {
		it->kind = RP_SVC_ADD;
		it->size = HEAD_SIZE;
	} else if (!strcmp(word, "F")) {
		it->kind = RP_FE_ADD;
		it->size = FE_SIZE;
		it->key.family = AF_INET;
		it->key.addr[0] = 10;
		it->key.addr[3] = (uint8_t)v;
		it->key.port = 80;
	} else if (!strcmp(word, "N") || !strcmp(word, "N4")) {
		it->kind = RP_FE_ADD;
		it->size = FE_SIZE;
		it->key.nodeport = 1;
		it->key.family = word[1] ? AF_INET : AF_UNSPEC;
		it->key.port = (uint16_t)v;
	} else if (!strcmp(word, "B")) {
		it->kind = RP_BE_ADD;
		it->size = BE_SIZE;
		it->key.family = AF_INET;
		it->key.addr[0] = 10;
		it->key.addr[1] = 1;
		it->key.addr[3] = (uint8_t)v;
		it->key.port = 8080;
	} else if (!strcmp(word, "O")) {
		it->kind = RP_OTHER;
	} else if (!strcmp(word, "C")) {
		assert_int_equal(sscanf(spec, "C %lu %lu", &v, &w), 2);
		it->kind = RP_OTHER;
		it->max_services = (uint32_t)v;
		it->max_frontends = (uint32_t)w;
	} else if (!strcmp(word, "R")) {
		it->kind = RP_OTHER;
		it->creates = 1;
	} else {
		assert_string_equal(word, "-");
		it->kind = RP_SKIP;
	}
	if (it->kind == RP_SVC_ADD || it->kind == RP_FE_ADD || it->kind == RP_BE_ADD) {
		assert_true(k >= 2);
		it->svc = rp_names_id(f->names, name);
		assert_int_not_equal(it->svc, RP_NONE);
	}
	f->n++;
}

static struct fixture *plan(const struct rp_limits *lim, ...)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *spec;
	va_list ap;

	assert_non_null(f);
	f->names = rp_names_new();
	assert_non_null(f->names);
	va_start(ap, lim);
	while ((spec = va_arg(ap, const char *)))
		add(f, spec);
	va_end(ap);
	assert_int_equal(rp_plan_build(f->items, f->n, rp_names_count(f->names), lim,
				       &f->plan), 0);
	return f;
}

static void done(struct fixture *f)
{
	rp_plan_free(&f->plan);
	rp_names_free(f->names);
	free(f);
}

/* Dispositions as a string: S(end) H(ead) M(erged) A(fter). */
static void expect_disp(const struct fixture *f, const char *want)
{
	char got[MAX_ITEMS + 1];

	for (size_t i = 0; i < f->n; i++)
		got[i] = "SHMA"[f->items[i].disp];
	got[f->n] = '\0';
	assert_string_equal(got, want);
}

/* Waits as a string: - none, * all, else the group's number. */
static void expect_wait(const struct fixture *f, const char *want)
{
	char got[MAX_ITEMS + 1];

	for (size_t i = 0; i < f->n; i++) {
		uint32_t w = f->items[i].wait;

		got[i] = w == RP_NONE ? '-' : w == RP_ALL ? '*' : (char)('0' + w);
	}
	got[f->n] = '\0';
	assert_string_equal(got, want);
}

/* Groups as a string: the group of each item, . for none. */
static void expect_group(const struct fixture *f, const char *want)
{
	char got[MAX_ITEMS + 1];

	for (size_t i = 0; i < f->n; i++) {
		uint32_t g = f->items[i].group;

		got[i] = g == RP_NONE ? '.' : (char)('0' + g);
	}
	got[f->n] = '\0';
	assert_string_equal(got, want);
}

static void basic_merge(void **state)
{
	struct rp_limits lim = limits();
	struct fixture *f = plan(&lim, "S a", "F a 1", "B a 1", "B a 2", NULL);

	(void)state;
	expect_disp(f, "HMMM");
	expect_wait(f, "----");
	expect_group(f, "0000");
	assert_int_equal(f->plan.ngroups, 1);
	assert_int_equal(f->plan.merged, 3);
	assert_int_equal(f->plan.groups[0].head, 0);
	assert_int_equal(f->plan.groups[0].merged_fe, 1);
	assert_int_equal(f->plan.groups[0].merged_be, 2);
	assert_int_equal(f->plan.groups[0].after, 0);
	assert_int_equal(f->plan.groups[0].bytes, HEAD_SIZE + FE_SIZE + 2 * BE_SIZE);
	/* members linked in line order */
	assert_int_equal(f->items[0].next, 1);
	assert_int_equal(f->items[1].next, 2);
	assert_int_equal(f->items[2].next, 3);
	assert_int_equal(f->items[3].next, RP_NONE);
	done(f);
}

static void service_alone_not_merged(void **state)
{
	struct rp_limits lim = limits();
	/* a has nothing to carry; b does */
	struct fixture *f = plan(&lim, "S a", "S b", "B b 1", "S c", NULL);

	(void)state;
	expect_disp(f, "SHMS");
	expect_group(f, ".00.");
	assert_int_equal(f->plan.ngroups, 1);
	assert_int_equal(f->plan.groups[0].head, 1);
	done(f);
}

static void interleaved_services(void **state)
{
	struct rp_limits lim = limits();
	struct fixture *f = plan(&lim, "S a", "S b", "F a 1", "B b 1", "B a 1",
				 "F b 2", NULL);

	(void)state;
	expect_disp(f, "HHMMMM");
	expect_group(f, "010101");
	expect_wait(f, "------");
	assert_int_equal(f->items[0].next, 2);
	assert_int_equal(f->items[2].next, 4);
	assert_int_equal(f->items[1].next, 3);
	assert_int_equal(f->items[3].next, 5);
	done(f);
}

static void lines_before_service_add(void **state)
{
	struct rp_limits lim = limits();
	/* a line for a service that exists before the file: sent first */
	struct fixture *f = plan(&lim, "B a 1", "S a", "B a 2", NULL);

	(void)state;
	expect_disp(f, "SHM");
	expect_wait(f, "---");
	done(f);
}

static void other_line_closes_windows(void **state)
{
	struct rp_limits lim = limits();
	struct fixture *f = plan(&lim, "S a", "B a 1", "S b", "B b 1", "O", "B a 2",
				 "F b 1", NULL);

	(void)state;
	/* after the del/set/replace/config/flush line: line by line */
	expect_disp(f, "HMHMSSS");
	expect_wait(f, "----*--");
	done(f);
}

static void groups_after_other_line(void **state)
{
	struct rp_limits lim = limits();
	/* what save prints: the config line first, then services */
	struct fixture *f = plan(&lim, "C 0 0", "S a", "F a 1", "B a 1", "S b", "F b 2",
				 "B b 2", NULL);

	(void)state;
	expect_disp(f, "SHMMHMM");
	expect_wait(f, "*------");
	expect_group(f, ".000111");
	assert_int_equal(f->plan.merged, 4);
	done(f);
}

static void segments_each_merge(void **state)
{
	struct rp_limits lim = limits();
	struct fixture *f = plan(&lim, "S a", "B a 1", "O", "S b", "B b 1", "B a 2",
				 NULL);

	(void)state;
	expect_disp(f, "HMSHMS");
	expect_wait(f, "--*---");
	expect_group(f, "00.11.");
	done(f);
}

static void duplicates_sent_after(void **state)
{
	struct rp_limits lim = limits();
	struct fixture *f = plan(&lim, "S a", "B a 1", "F a 1", "B a 1", "F a 1",
				 "B a 2", "B a 2", NULL);

	(void)state;
	expect_disp(f, "HMMAAMA");
	expect_group(f, "0000000");
	assert_int_equal(f->plan.groups[0].after, 3);
	assert_int_equal(f->plan.groups[0].merged_be, 2);
	assert_int_equal(f->plan.groups[0].merged_fe, 1);
	for (size_t i = 0; i < f->n; i++)
		assert_int_equal(f->items[i].overflow, 0);
	done(f);
}

static void duplicates_per_service(void **state)
{
	struct rp_limits lim = limits();
	/* the same backend in two services is no duplicate */
	struct fixture *f = plan(&lim, "S a", "S b", "B a 1", "B b 1", NULL);

	(void)state;
	expect_disp(f, "HHMM");
	done(f);
}

static void frontend_of_two_services(void **state)
{
	struct rp_limits lim = limits();
	/* a frontend both a and b add: whoever comes first must get it, so
	 * those lines stay where they are, after their group has finished */
	struct fixture *f = plan(&lim, "S a", "S b", "F a 1", "F b 1", "B a 1", "B b 1",
				 "F a 2", NULL);

	(void)state;
	expect_disp(f, "HHSSMMM");
	expect_wait(f, "--01---");
	expect_group(f, "01..010");
	done(f);
}

static void frontend_of_existing_service(void **state)
{
	struct rp_limits lim = limits();
	/* z existed before the file and wants a's frontend too */
	struct fixture *f = plan(&lim, "S a", "F a 1", "B a 1", "F z 1", NULL);

	(void)state;
	expect_disp(f, "HSMS");
	expect_wait(f, "-0--");
	done(f);
}

static void nodeport_families_overlap(void **state)
{
	struct rp_limits lim = limits();
	struct fixture *f = plan(&lim, "S a", "S b", "N a 30000", "N4 b 30000",
				 "N a 30001", "B a 1", "B b 1", NULL);

	(void)state;
	/* a NodePort for both families overlaps b's IPv4 one */
	expect_disp(f, "HHSSMMM");
	expect_wait(f, "--01---");
	done(f);
}

static void nodeport_families_one_service(void **state)
{
	struct rp_limits lim = limits();
	/* one service may hold both: not duplicates */
	struct fixture *f = plan(&lim, "S a", "N a 30000", "N4 a 30000", "N4 a 30000",
				 NULL);

	(void)state;
	expect_disp(f, "HMMA");
	done(f);
}

static void second_service_add(void **state)
{
	struct rp_limits lim = limits();
	struct fixture *f = plan(&lim, "S a", "B a 1", "S a", "B a 2", "F a 1", "S b",
				 "B b 1", NULL);

	(void)state;
	/* the second add and everything after it about a: once a is done */
	expect_disp(f, "HMSSSHM");
	expect_wait(f, "--000--");
	expect_group(f, "00...11");
	done(f);
}

static void skipped_lines(void **state)
{
	struct rp_limits lim = limits();
	struct fixture *f = plan(&lim, "S a", "-", "B a 1", "-", NULL);

	(void)state;
	expect_disp(f, "HSMS");
	expect_wait(f, "----");
	done(f);
}

static void big_group_split(void **state)
{
	struct rp_limits lim = limits();
	struct fixture *f;

	(void)state;
	/* frontends take the nest first (they can go nowhere else), backends
	 * the rest; without room for lists the others follow */
	lim.nest_bytes = HEAD_SIZE + FE_SIZE + BE_SIZE;
	f = plan(&lim, "S a", "F a 1", "B a 1", "B a 2", "B a 3", "B a 4", "B a 1",
		 "B a 5", NULL);
	expect_disp(f, "HMMAAAAA");
	assert_int_equal(f->plan.groups[0].merged_be, 1);
	assert_int_equal(f->plan.groups[0].merged_fe, 1);
	assert_int_equal(f->plan.groups[0].overflow_be, 4);
	assert_int_equal(f->plan.groups[0].overflow_fe, 0);
	assert_int_equal(f->plan.groups[0].after, 5);
	assert_int_equal(f->plan.groups[0].bytes, HEAD_SIZE + FE_SIZE + BE_SIZE);
	assert_int_equal(f->plan.groups[0].list_be, 0);
	assert_int_equal(f->items[3].overflow, 1);
	assert_int_equal(f->items[6].overflow, 0);	/* a duplicate */
	assert_int_equal(f->items[7].overflow, 1);
	assert_int_equal(f->plan.merged, 2);
	done(f);

	/* a frontend that does not fit leaves the nest to the backends */
	lim.nest_bytes = HEAD_SIZE + FE_SIZE + BE_SIZE;
	f = plan(&lim, "S a", "F a 1", "F a 2", "B a 1", NULL);
	expect_disp(f, "HMAM");
	assert_int_equal(f->plan.groups[0].overflow_fe, 1);
	done(f);
	/* ... and one that fits takes its room even when backends then do not */
	lim.nest_bytes = HEAD_SIZE + 2 * BE_SIZE;
	f = plan(&lim, "S a", "F a 1", "B a 1", "B a 2", NULL);
	expect_disp(f, "HMAA");
	done(f);

	/* the kernel's list limits */
	lim = limits();
	lim.list_backends = 2;
	lim.list_frontends = 1;
	f = plan(&lim, "S a", "F a 1", "F a 2", "B a 1", "B a 2", "B a 3", NULL);
	expect_disp(f, "HMAMMA");
	assert_int_equal(f->plan.groups[0].overflow_fe, 1);
	assert_int_equal(f->plan.groups[0].overflow_be, 1);
	done(f);

	/* exactly full: nothing follows */
	lim = limits();
	lim.nest_bytes = HEAD_SIZE + FE_SIZE + BE_SIZE;
	f = plan(&lim, "S a", "F a 1", "B a 1", NULL);
	expect_disp(f, "HMM");
	assert_int_equal(f->plan.groups[0].after, 0);
	done(f);

	/* nothing fits: no group */
	lim.nest_bytes = HEAD_SIZE;
	f = plan(&lim, "S a", "F a 1", "B a 1", NULL);
	expect_disp(f, "SSS");
	assert_int_equal(f->plan.ngroups, 0);
	done(f);
}

/* Backends beyond the nest go in top-level lists of the same message. */
static void backend_lists(void **state)
{
	struct rp_limits lim = limits();
	struct fixture *f;

	(void)state;
	/* nest: the frontend and two backends; lists: two more, then full */
	lim.nest_bytes = HEAD_SIZE + FE_SIZE + 2 * BE_SIZE;
	lim.msg_bytes = lim.nest_bytes + RP_LIST_HDR + 2 * BE_SIZE;
	f = plan(&lim, "S a", "F a 1", "B a 1", "B a 2", "B a 3", "B a 4", "B a 5",
		 "B a 6", NULL);
	expect_disp(f, "HMMMMMAA");
	assert_int_equal(f->plan.groups[0].merged_be, 4);
	assert_int_equal(f->plan.groups[0].list_be, 2);
	assert_int_equal(f->plan.groups[0].list_bytes, RP_LIST_HDR + 2 * BE_SIZE);
	assert_int_equal(f->plan.groups[0].bytes, lim.nest_bytes);
	assert_int_equal(f->plan.groups[0].overflow_be, 2);
	assert_int_equal(f->items[6].overflow, 1);
	assert_int_equal(f->plan.merged, 5);
	done(f);

	/* a list part holds at most nest_bytes: four backends here, so 7 make
	 * two parts, each with its header */
	lim = limits();
	lim.nest_bytes = HEAD_SIZE + 3 * BE_SIZE;
	lim.msg_bytes = 100000;
	f = plan(&lim, "S a", "B a 1", "B a 2", "B a 3", "B a 4", "B a 5", "B a 6", "B a 7",
		 "B a 8", "B a 9", "B a 10", NULL);
	expect_disp(f, "HMMMMMMMMMM");
	assert_int_equal(f->plan.groups[0].list_be, 7);
	assert_int_equal(f->plan.groups[0].list_bytes, 2 * RP_LIST_HDR + 7 * BE_SIZE);
	done(f);

	/* the message bound counts the new part's header: no room for it */
	lim.msg_bytes = lim.nest_bytes + RP_LIST_HDR + BE_SIZE - 1;
	f = plan(&lim, "S a", "B a 1", "B a 2", "B a 3", "B a 4", NULL);
	expect_disp(f, "HMMMA");
	assert_int_equal(f->plan.groups[0].list_be, 0);
	done(f);

	/* list_backends bounds the nest and the lists together; duplicates
	 * are not merged wherever they would go */
	lim = limits();
	lim.nest_bytes = HEAD_SIZE + BE_SIZE;
	lim.msg_bytes = 100000;
	lim.list_backends = 3;
	f = plan(&lim, "S a", "B a 1", "B a 2", "B a 2", "B a 3", "B a 4", NULL);
	expect_disp(f, "HMMAMA");
	assert_int_equal(f->plan.groups[0].list_be, 2);
	assert_int_equal(f->items[3].overflow, 0);
	assert_int_equal(f->items[5].overflow, 1);
	done(f);
}

static void service_limit(void **state)
{
	struct rp_limits lim = limits();
	struct fixture *f;

	(void)state;
	/* the table could fill up: in line order then */
	lim.nservices = 9;
	lim.max_services = 10;
	f = plan(&lim, "S a", "B a 1", "S b", "B b 1", NULL);
	expect_disp(f, "SSSS");
	assert_int_equal(f->plan.ngroups, 0);
	done(f);

	lim.max_services = 11;
	f = plan(&lim, "S a", "B a 1", "S b", "B b 1", NULL);
	expect_disp(f, "HMHM");
	done(f);

	/* a replace may create one */
	f = plan(&lim, "R x", "S a", "B a 1", "S b", "B b 1", NULL);
	expect_disp(f, "SSSSS");
	done(f);

	/* a config line lowers the limit for what follows it */
	f = plan(&lim, "S a", "B a 1", "C 10 0", "S b", "B b 1", NULL);
	expect_disp(f, "HMSSS");
	done(f);

	/* unknown limits: nothing merges */
	lim.max_services = 0;
	f = plan(&lim, "S a", "B a 1", NULL);
	expect_disp(f, "SS");
	done(f);
}

static void frontend_limit(void **state)
{
	struct rp_limits lim = limits();
	struct fixture *f;

	(void)state;
	lim.nfrontends = 8;
	lim.max_frontends = 10;
	f = plan(&lim, "S a", "F a 1", "F a 2", "B a 1", "S b", "F b 3", NULL);
	expect_disp(f, "SSSSSS");
	done(f);

	/* the frontends of the whole file count, not those of the segment */
	f = plan(&lim, "S a", "F a 1", "O", "S b", "F b 2", "F b 3", NULL);
	expect_disp(f, "HMSSSS");
	done(f);

	lim.max_frontends = 11;
	f = plan(&lim, "S a", "F a 1", "F a 2", "B a 1", "S b", "F b 3", NULL);
	expect_disp(f, "HMMMHM");
	done(f);
}

static void small_segments_not_merged(void **state)
{
	struct rp_limits lim = limits();
	struct fixture *f;

	(void)state;
	/* finishing the groups before the next line costs a round trip:
	 * a segment that saves fewer requests than min_merged stays as is,
	 * except the last (its end is the end anyway) */
	lim.min_merged = 3;
	f = plan(&lim, "S a", "B a 1", "B a 2", "O", "S b", "B b 1", "B b 2", "B b 3",
		 "O", "S c", "B c 1", NULL);
	expect_disp(f, "SSSSHMMMSHM");
	expect_wait(f, "---*----*--");
	expect_group(f, "....0000.11");
	assert_int_equal(f->plan.ngroups, 2);
	assert_int_equal(f->plan.merged, 4);
	done(f);
}

static void many_services(void **state)
{
	static char specs[3000][24];
	struct rp_limits lim = limits();
	struct rp_names *nm = rp_names_new();
	struct rp_item *items = calloc(3000, sizeof(*items));
	struct rp_plan pl;

	(void)state;
	assert_non_null(nm);
	assert_non_null(items);
	for (int i = 0; i < 1000; i++) {
		snprintf(specs[i], sizeof(specs[i]), "ns/s%d:p", i);
		for (int k = 0; k < 3; k++) {
			struct rp_item *it = &items[i * 3 + k];

			it->line = (uint32_t)(i * 3 + k + 1);
			it->kind = (uint8_t)(RP_SVC_ADD + k);
			it->svc = rp_names_id(nm, specs[i]);
			it->size = k ? 32 : 64;
			it->key.family = AF_INET;
			it->key.addr[0] = (uint8_t)k;
			it->key.addr[2] = (uint8_t)(i >> 8);
			it->key.addr[3] = (uint8_t)i;
			it->key.port = 80;
		}
	}
	assert_int_equal(rp_names_count(nm), 1000);
	assert_int_equal(rp_names_id(nm, "ns/s999:p"), 999);
	assert_int_equal(rp_names_id(nm, "ns/s0:p"), 0);
	lim.max_services = 1000;
	lim.max_frontends = 1000;
	assert_int_equal(rp_plan_build(items, 3000, rp_names_count(nm), &lim, &pl), 0);
	assert_int_equal(pl.ngroups, 1000);
	assert_int_equal(pl.merged, 2000);
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(items[i * 3].disp, RP_HEAD);
		assert_int_equal(items[i * 3 + 1].disp, RP_MERGED);
		assert_int_equal(items[i * 3 + 2].disp, RP_MERGED);
		assert_int_equal(items[i * 3 + 2].group, (uint32_t)i);
	}
	rp_plan_free(&pl);
	/* one over the limit */
	lim.max_services = 999;
	assert_int_equal(rp_plan_build(items, 3000, rp_names_count(nm), &lim, &pl), 0);
	assert_int_equal(pl.ngroups, 0);
	rp_plan_free(&pl);
	free(items);
	rp_names_free(nm);
}

static void where_entry(void **state)
{
	size_t idx = 99;

	(void)state;
	assert_int_equal(rp_where_entry("service.backends[12].addr", &idx), 1);
	assert_int_equal(idx, 12);
	assert_int_equal(rp_where_entry("service.frontends[0]", &idx), 0);
	assert_int_equal(idx, 0);
	assert_int_equal(rp_where_entry("backends[4711].port", &idx), 2);
	assert_int_equal(idx, 4711);
	assert_int_equal(rp_where_entry("service.frontends[1023].source_ranges[2].addr",
					&idx), 0);
	assert_int_equal(idx, 1023);
	idx = 7;
	assert_int_equal(rp_where_entry("service.backends", &idx), -1);
	assert_int_equal(rp_where_entry("service.backends[", &idx), -1);
	assert_int_equal(rp_where_entry("service.backends[3", &idx), -1);
	assert_int_equal(rp_where_entry("service.backends[x]", &idx), -1);
	assert_int_equal(rp_where_entry("backend.addr", &idx), -1);
	assert_int_equal(rp_where_entry("service.protocol", &idx), -1);
	assert_int_equal(rp_where_entry("", &idx), -1);
	assert_int_equal(rp_where_entry("service.backends[99999999999999999999999]",
					&idx), -1);
	assert_int_equal(idx, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(basic_merge),
		cmocka_unit_test(service_alone_not_merged),
		cmocka_unit_test(interleaved_services),
		cmocka_unit_test(lines_before_service_add),
		cmocka_unit_test(other_line_closes_windows),
		cmocka_unit_test(groups_after_other_line),
		cmocka_unit_test(segments_each_merge),
		cmocka_unit_test(duplicates_sent_after),
		cmocka_unit_test(duplicates_per_service),
		cmocka_unit_test(frontend_of_two_services),
		cmocka_unit_test(frontend_of_existing_service),
		cmocka_unit_test(nodeport_families_overlap),
		cmocka_unit_test(nodeport_families_one_service),
		cmocka_unit_test(second_service_add),
		cmocka_unit_test(skipped_lines),
		cmocka_unit_test(big_group_split),
		cmocka_unit_test(backend_lists),
		cmocka_unit_test(service_limit),
		cmocka_unit_test(frontend_limit),
		cmocka_unit_test(small_segments_not_merged),
		cmocka_unit_test(many_services),
		cmocka_unit_test(where_entry),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests_name("restore_plan", tests, NULL, NULL);
}
