// SPDX-License-Identifier: GPL-2.0
/* msg_test: message builders and parsers, dump coalescing, extack parsing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "model.h"
#include "msg.h"
#include "nl.h"
#include "parse.h"

#define FAMILY_ID 0x2a

static uint8_t buf[256 * 1024] __attribute__((aligned(8)));

static void addr4(union svc_inaddr *a, const char *s)
{
	memset(a, 0, sizeof(*a));
	assert_int_equal(inet_pton(AF_INET, s, &a->v4), 1);
}

static void addr6(union svc_inaddr *a, const char *s)
{
	memset(a, 0, sizeof(*a));
	assert_int_equal(inet_pton(AF_INET6, s, &a->v6), 1);
}

static struct svc_cidr cidr(const char *s)
{
	struct svc_cidr c;
	char err[SVC_ERRLEN];

	assert_int_equal(svc_parse_cidr(s, &c, err, sizeof(err)), 0);
	return c;
}

/* The service used by several tests: every setting, every kind of list entry. */
static void sample_service(struct svc_service *s)
{
	struct svc_frontend fe;
	struct svc_backend be;
	struct svc_cidr c;

	memset(s, 0, sizeof(*s));
	strcpy(s->name, "default/web:http");
	s->protocol = IPPROTO_TCP;
	s->scheduler = SVCVIP_SCHED_WRR;
	s->affinity = SVCVIP_AFFINITY_CLIENTIP;
	s->affinity_timeout = 600;
	s->internal_policy = SVCVIP_POLICY_LOCAL;
	s->external_policy = SVCVIP_POLICY_CLUSTER;
	s->has = SVC_SVC_SETTINGS;

	memset(&fe, 0, sizeof(fe));
	fe.kind = SVCVIP_FRONTEND_CLUSTERIP;
	fe.family = AF_INET;
	addr4(&fe.addr, "10.96.0.10");
	fe.port = 80;
	assert_int_equal(svc_service_add_frontend(s, &fe), 0);

	memset(&fe, 0, sizeof(fe));
	fe.kind = SVCVIP_FRONTEND_LOADBALANCER;
	fe.family = AF_INET6;
	addr6(&fe.addr, "2001:db8::10");
	fe.port = 443;
	c = cidr("203.0.113.0/24");
	assert_int_equal(svc_cidrs_add(&fe.source_ranges, &c), 0);
	c = cidr("2001:db8:1::/48");
	assert_int_equal(svc_cidrs_add(&fe.source_ranges, &c), 0);
	assert_int_equal(svc_service_add_frontend(s, &fe), 0);
	svc_frontend_free(&fe);

	memset(&fe, 0, sizeof(fe));
	fe.kind = SVCVIP_FRONTEND_NODEPORT;
	fe.family = AF_UNSPEC;
	fe.port = 30080;
	assert_int_equal(svc_service_add_frontend(s, &fe), 0);

	memset(&be, 0, sizeof(be));
	be.family = AF_INET;
	addr4(&be.addr, "10.244.1.2");
	be.port = 8080;
	be.weight = 5;
	be.flags = SVCVIP_BACKEND_F_LOCAL;
	be.has = SVC_BE_HAS_WEIGHT | SVC_BE_HAS_FLAGS;
	assert_int_equal(svc_service_add_backend(s, &be), 0);

	memset(&be, 0, sizeof(be));
	be.family = AF_INET6;
	addr6(&be.addr, "fd00::2");
	be.port = 8443;
	be.flags = SVCVIP_BACKEND_F_TERMINATING;
	be.has = SVC_BE_HAS_FLAGS;
	assert_int_equal(svc_service_add_backend(s, &be), 0);

	memset(&be, 0, sizeof(be));
	be.family = AF_INET;
	addr4(&be.addr, "10.244.2.3");
	be.port = 9090;
	assert_int_equal(svc_service_add_backend(s, &be), 0);
}

/* ---- raw attribute checks with libmnl's own parser ---- */

struct attrs {
	const struct nlattr *tb[32];
	int count;
	int dup;
};

static int collect_cb(const struct nlattr *a, void *data)
{
	struct attrs *at = data;
	uint16_t type = mnl_attr_get_type(a);

	assert_true(type < 32);
	if (at->tb[type])
		at->dup++;
	at->tb[type] = a;
	at->count++;
	return MNL_CB_OK;
}

static void nested(const struct nlattr *nest, struct attrs *at)
{
	memset(at, 0, sizeof(*at));
	assert_true(mnl_attr_get_type(nest) != 0 || (nest->nla_type & NLA_F_NESTED));
	assert_true(nest->nla_type & NLA_F_NESTED);
	assert_int_equal(mnl_attr_parse_nested(nest, collect_cb, at), MNL_CB_OK);
	assert_int_equal(at->dup, 0);
}

static const struct nlattr *list_entry(const struct nlattr *list, int idx)
{
	const struct nlattr *pos;
	int i = 0;

	mnl_attr_for_each_nested(pos, list) {
		if (i == idx)
			return pos;
		i++;
	}
	return NULL;
}

static int list_len(const struct nlattr *list)
{
	const struct nlattr *pos;
	int i = 0;

	mnl_attr_for_each_nested(pos, list) {
		assert_true(pos->nla_type & NLA_F_NESTED);
		assert_int_equal(mnl_attr_get_type(pos), i);	/* entries typed by index */
		i++;
	}
	return i;
}

static void msg_build_new_service_raw(void **state)
{
	struct svc_service s;
	struct nlmsghdr *nlh;
	const struct genlmsghdr *g;
	struct attrs top, sv, e, r;
	const struct nlattr *a;
	union svc_inaddr want;

	(void)state;
	sample_service(&s);
	nlh = svc_msg_start(buf, sizeof(buf), FAMILY_ID, SVCVIP_CMD_REPLACE_SERVICE,
			    0, 77);
	assert_non_null(nlh);
	assert_int_equal(svc_msg_put_service(nlh, sizeof(buf), &s,
					     SVC_PUT_SETTINGS | SVC_PUT_FRONTENDS |
					     SVC_PUT_BACKENDS, NULL), 0);

	assert_int_equal(nlh->nlmsg_type, FAMILY_ID);
	/* generic netlink reserves the other nlmsg flags: only REQUEST here */
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST);
	assert_int_equal(nlh->nlmsg_seq, 77);
	g = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(g->cmd, SVCVIP_CMD_REPLACE_SERVICE);
	assert_int_equal(g->version, SVCVIP_GENL_VERSION);
	assert_int_equal(g->reserved, 0);
	assert_int_equal(svc_msg_cmd(nlh), SVCVIP_CMD_REPLACE_SERVICE);

	memset(&top, 0, sizeof(top));
	assert_int_equal(mnl_attr_parse(nlh, sizeof(*g), collect_cb, &top), MNL_CB_OK);
	assert_int_equal(top.count, 1);
	assert_non_null(top.tb[SVCVIP_A_SERVICE]);
	nested(top.tb[SVCVIP_A_SERVICE], &sv);
	assert_int_equal(sv.count, 9);	/* name, 6 settings, 2 lists */

	a = sv.tb[SVCVIP_SERVICE_A_NAME];
	assert_int_equal(mnl_attr_validate(a, MNL_TYPE_NUL_STRING), 0);
	assert_string_equal(mnl_attr_get_str(a), "default/web:http");
	assert_int_equal(mnl_attr_get_payload_len(a), strlen("default/web:http") + 1);
	assert_int_equal(mnl_attr_validate(sv.tb[SVCVIP_SERVICE_A_PROTOCOL], MNL_TYPE_U8), 0);
	assert_int_equal(mnl_attr_get_u8(sv.tb[SVCVIP_SERVICE_A_PROTOCOL]), IPPROTO_TCP);
	assert_int_equal(mnl_attr_get_u8(sv.tb[SVCVIP_SERVICE_A_SCHEDULER]), SVCVIP_SCHED_WRR);
	assert_int_equal(mnl_attr_get_u8(sv.tb[SVCVIP_SERVICE_A_AFFINITY]),
			 SVCVIP_AFFINITY_CLIENTIP);
	assert_int_equal(mnl_attr_validate(sv.tb[SVCVIP_SERVICE_A_AFFINITY_TIMEOUT],
					   MNL_TYPE_U32), 0);
	assert_int_equal(mnl_attr_get_u32(sv.tb[SVCVIP_SERVICE_A_AFFINITY_TIMEOUT]), 600);
	assert_int_equal(mnl_attr_get_u8(sv.tb[SVCVIP_SERVICE_A_INTERNAL_POLICY]),
			 SVCVIP_POLICY_LOCAL);
	assert_int_equal(mnl_attr_get_u8(sv.tb[SVCVIP_SERVICE_A_EXTERNAL_POLICY]),
			 SVCVIP_POLICY_CLUSTER);
	assert_null(sv.tb[SVCVIP_SERVICE_A_STATS]);

	/* frontends */
	assert_int_equal(list_len(sv.tb[SVCVIP_SERVICE_A_FRONTENDS]), 3);
	nested(list_entry(sv.tb[SVCVIP_SERVICE_A_FRONTENDS], 0), &e);
	assert_int_equal(e.count, 4);
	assert_int_equal(mnl_attr_get_u8(e.tb[SVCVIP_FRONTEND_A_KIND]),
			 SVCVIP_FRONTEND_CLUSTERIP);
	assert_int_equal(mnl_attr_validate(e.tb[SVCVIP_FRONTEND_A_FAMILY], MNL_TYPE_U16), 0);
	assert_int_equal(mnl_attr_get_u16(e.tb[SVCVIP_FRONTEND_A_FAMILY]), AF_INET);
	assert_int_equal(mnl_attr_get_payload_len(e.tb[SVCVIP_FRONTEND_A_ADDR]), 4);
	addr4(&want, "10.96.0.10");
	assert_memory_equal(mnl_attr_get_payload(e.tb[SVCVIP_FRONTEND_A_ADDR]), want.b, 4);
	assert_int_equal(mnl_attr_get_u16(e.tb[SVCVIP_FRONTEND_A_PORT]), 80);
	assert_null(e.tb[SVCVIP_FRONTEND_A_SOURCE_RANGES]);

	nested(list_entry(sv.tb[SVCVIP_SERVICE_A_FRONTENDS], 1), &e);
	assert_int_equal(e.count, 5);
	assert_int_equal(mnl_attr_get_u8(e.tb[SVCVIP_FRONTEND_A_KIND]),
			 SVCVIP_FRONTEND_LOADBALANCER);
	assert_int_equal(mnl_attr_get_u16(e.tb[SVCVIP_FRONTEND_A_FAMILY]), AF_INET6);
	assert_int_equal(mnl_attr_get_payload_len(e.tb[SVCVIP_FRONTEND_A_ADDR]), 16);
	addr6(&want, "2001:db8::10");
	assert_memory_equal(mnl_attr_get_payload(e.tb[SVCVIP_FRONTEND_A_ADDR]), want.b, 16);
	assert_int_equal(mnl_attr_get_u16(e.tb[SVCVIP_FRONTEND_A_PORT]), 443);
	assert_int_equal(list_len(e.tb[SVCVIP_FRONTEND_A_SOURCE_RANGES]), 2);
	nested(list_entry(e.tb[SVCVIP_FRONTEND_A_SOURCE_RANGES], 1), &r);
	assert_int_equal(r.count, 3);
	assert_int_equal(mnl_attr_get_u16(r.tb[SVCVIP_CIDR_A_FAMILY]), AF_INET6);
	assert_int_equal(mnl_attr_get_u8(r.tb[SVCVIP_CIDR_A_PREFIXLEN]), 48);
	addr6(&want, "2001:db8:1::");
	assert_memory_equal(mnl_attr_get_payload(r.tb[SVCVIP_CIDR_A_ADDR]), want.b, 16);

	nested(list_entry(sv.tb[SVCVIP_SERVICE_A_FRONTENDS], 2), &e);
	assert_int_equal(e.count, 2);	/* nodeport, both families: KIND + PORT */
	assert_int_equal(mnl_attr_get_u8(e.tb[SVCVIP_FRONTEND_A_KIND]),
			 SVCVIP_FRONTEND_NODEPORT);
	assert_int_equal(mnl_attr_get_u16(e.tb[SVCVIP_FRONTEND_A_PORT]), 30080);
	assert_null(e.tb[SVCVIP_FRONTEND_A_FAMILY]);
	assert_null(e.tb[SVCVIP_FRONTEND_A_ADDR]);

	/* backends */
	assert_int_equal(list_len(sv.tb[SVCVIP_SERVICE_A_BACKENDS]), 3);
	nested(list_entry(sv.tb[SVCVIP_SERVICE_A_BACKENDS], 0), &e);
	assert_int_equal(e.count, 5);
	assert_int_equal(mnl_attr_get_u16(e.tb[SVCVIP_BACKEND_A_FAMILY]), AF_INET);
	addr4(&want, "10.244.1.2");
	assert_memory_equal(mnl_attr_get_payload(e.tb[SVCVIP_BACKEND_A_ADDR]), want.b, 4);
	assert_int_equal(mnl_attr_get_u16(e.tb[SVCVIP_BACKEND_A_PORT]), 8080);
	assert_int_equal(mnl_attr_get_u32(e.tb[SVCVIP_BACKEND_A_WEIGHT]), 5);
	assert_int_equal(mnl_attr_get_u32(e.tb[SVCVIP_BACKEND_A_FLAGS]), SVCVIP_BACKEND_F_LOCAL);

	nested(list_entry(sv.tb[SVCVIP_SERVICE_A_BACKENDS], 1), &e);
	assert_int_equal(e.count, 4);	/* no weight given: not sent */
	assert_null(e.tb[SVCVIP_BACKEND_A_WEIGHT]);
	assert_int_equal(mnl_attr_get_payload_len(e.tb[SVCVIP_BACKEND_A_ADDR]), 16);
	assert_int_equal(mnl_attr_get_u32(e.tb[SVCVIP_BACKEND_A_FLAGS]),
			 SVCVIP_BACKEND_F_TERMINATING);

	nested(list_entry(sv.tb[SVCVIP_SERVICE_A_BACKENDS], 2), &e);
	assert_int_equal(e.count, 3);	/* address only */
	assert_int_equal(mnl_attr_get_u16(e.tb[SVCVIP_BACKEND_A_PORT]), 9090);

	/* the message is exactly as long as its attributes */
	assert_int_equal(nlh->nlmsg_len,
			 MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*g)) +
			 MNL_ALIGN(top.tb[SVCVIP_A_SERVICE]->nla_len));
	svc_service_free(&s);
}

static void assert_service_equal(const struct svc_service *a, const struct svc_service *b)
{
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->protocol, b->protocol);
	assert_int_equal(a->scheduler, b->scheduler);
	assert_int_equal(a->affinity, b->affinity);
	assert_int_equal(a->affinity_timeout, b->affinity_timeout);
	assert_int_equal(a->internal_policy, b->internal_policy);
	assert_int_equal(a->external_policy, b->external_policy);
	assert_int_equal(a->has & SVC_SVC_SETTINGS, b->has & SVC_SVC_SETTINGS);
	assert_int_equal(a->nfrontends, b->nfrontends);
	for (size_t i = 0; i < a->nfrontends; i++) {
		assert_int_equal(svc_frontend_cmp(&a->frontends[i], &b->frontends[i]), 0);
		assert_true(svc_cidrs_equal(&a->frontends[i].source_ranges,
					    &b->frontends[i].source_ranges));
	}
	assert_int_equal(a->nbackends, b->nbackends);
	for (size_t i = 0; i < a->nbackends; i++) {
		assert_int_equal(svc_backend_cmp(&a->backends[i], &b->backends[i]), 0);
		assert_int_equal(svc_backend_weight(&a->backends[i]),
				 svc_backend_weight(&b->backends[i]));
		assert_int_equal(svc_backend_flags(&a->backends[i]),
				 svc_backend_flags(&b->backends[i]));
	}
}

static void msg_service_roundtrip(void **state)
{
	struct svc_service s, back;
	const struct nlattr *tb[SVCVIP_A_MAX + 1];
	struct nlmsghdr *nlh;

	(void)state;
	sample_service(&s);
	nlh = svc_msg_start(buf, sizeof(buf), FAMILY_ID, SVCVIP_CMD_NEW_SERVICE, 0, 1);
	assert_int_equal(svc_msg_put_service(nlh, sizeof(buf), &s,
					     SVC_PUT_SETTINGS | SVC_PUT_FRONTENDS |
					     SVC_PUT_BACKENDS, NULL), 0);
	assert_int_equal(svc_msg_parse_top(nlh, tb), 0);
	memset(&back, 0, sizeof(back));
	assert_int_equal(svc_msg_parse_service(tb[SVCVIP_A_SERVICE], &back), 0);
	assert_service_equal(&s, &back);
	assert_true(back.has & SVC_SVC_HAS_FRONTENDS);
	assert_true(back.has & SVC_SVC_HAS_BACKENDS);
	assert_int_equal(back.frontends[1].source_ranges.n, 2);
	assert_int_equal(back.frontends[2].family, AF_UNSPEC);
	assert_int_equal(back.backends[0].has & (SVC_BE_HAS_WEIGHT | SVC_BE_HAS_FLAGS),
			 SVC_BE_HAS_WEIGHT | SVC_BE_HAS_FLAGS);
	assert_int_equal(back.backends[2].has, 0);
	svc_service_free(&back);

	/* name only (a reference to a service) */
	nlh = svc_msg_start(buf, sizeof(buf), FAMILY_ID, SVCVIP_CMD_DEL_SERVICE, 0, 2);
	assert_int_equal(svc_msg_put_service(nlh, sizeof(buf), &s, 0, NULL), 0);
	assert_int_equal(svc_msg_parse_top(nlh, tb), 0);
	memset(&back, 0, sizeof(back));
	assert_int_equal(svc_msg_parse_service(tb[SVCVIP_A_SERVICE], &back), 0);
	assert_string_equal(back.name, s.name);
	assert_int_equal(back.has, 0);
	assert_int_equal(back.nfrontends + back.nbackends, 0);
	svc_service_free(&back);

	/* settings only, no lists: replace that keeps the lists */
	s.has = SVC_SVC_HAS_PROTOCOL;
	nlh = svc_msg_start(buf, sizeof(buf), FAMILY_ID, SVCVIP_CMD_REPLACE_SERVICE,
			    0, 3);
	assert_int_equal(svc_msg_put_service(nlh, sizeof(buf), &s, SVC_PUT_SETTINGS, NULL), 0);
	assert_int_equal(svc_msg_parse_top(nlh, tb), 0);
	memset(&back, 0, sizeof(back));
	assert_int_equal(svc_msg_parse_service(tb[SVCVIP_A_SERVICE], &back), 0);
	assert_int_equal(back.has, SVC_SVC_HAS_PROTOCOL);
	assert_int_equal(back.nfrontends, 0);
	svc_service_free(&back);
	svc_service_free(&s);
}

static void msg_empty_lists_present(void **state)
{
	struct svc_service s, back;
	const struct nlattr *tb[SVCVIP_A_MAX + 1];
	struct nlmsghdr *nlh;

	(void)state;
	memset(&s, 0, sizeof(s));
	strcpy(s.name, "x");
	s.protocol = IPPROTO_UDP;
	s.has = SVC_SVC_HAS_PROTOCOL;
	nlh = svc_msg_start(buf, sizeof(buf), FAMILY_ID, SVCVIP_CMD_REPLACE_SERVICE,
			    0, 3);
	assert_int_equal(svc_msg_put_service(nlh, sizeof(buf), &s, SVC_PUT_SETTINGS |
					     SVC_PUT_FRONTENDS | SVC_PUT_BACKENDS, NULL), 0);
	assert_int_equal(svc_msg_parse_top(nlh, tb), 0);
	memset(&back, 0, sizeof(back));
	assert_int_equal(svc_msg_parse_service(tb[SVCVIP_A_SERVICE], &back), 0);
	/* empty nests = "none", and they must be there */
	assert_true(back.has & SVC_SVC_HAS_FRONTENDS);
	assert_true(back.has & SVC_SVC_HAS_BACKENDS);
	assert_int_equal(back.nfrontends + back.nbackends, 0);
	svc_service_free(&back);
}

static void msg_too_big_and_resume(void **state)
{
	struct svc_service s, back;
	struct svc_put_cursor cur = { 0, 0 };
	const struct nlattr *tb[SVCVIP_A_MAX + 1];
	struct nlmsghdr *nlh;
	uint32_t before;
	size_t total = 0;
	int msgs = 0, r;

	(void)state;
	memset(&s, 0, sizeof(s));
	strcpy(s.name, "big");
	s.protocol = IPPROTO_TCP;
	s.has = SVC_SVC_HAS_PROTOCOL;
	for (uint32_t i = 0; i < 3000; i++) {
		struct svc_backend be = { .family = AF_INET6, .port = 80,
					  .weight = i % 7, .has = SVC_BE_HAS_WEIGHT };

		be.addr.b[0] = 0xfd;
		be.addr.b[14] = (uint8_t)(i >> 8);
		be.addr.b[15] = (uint8_t)i;
		assert_int_equal(svc_service_add_backend(&s, &be), 0);
	}
	/* 3000 v6 backends do not fit one 16-bit nest: all or nothing */
	nlh = svc_msg_start(buf, sizeof(buf), FAMILY_ID, SVCVIP_CMD_NEW_SERVICE, 0, 1);
	before = nlh->nlmsg_len;
	assert_int_equal(svc_msg_put_service(nlh, sizeof(buf), &s,
					     SVC_PUT_SETTINGS | SVC_PUT_BACKENDS, NULL),
			 -EMSGSIZE);
	assert_int_equal(nlh->nlmsg_len, before);

	/* with a cursor: as many as fit, several messages cover all of them */
	do {
		nlh = svc_msg_start(buf, sizeof(buf), FAMILY_ID, SVCVIP_CMD_NEW_SERVICE, 0, 1);
		r = svc_msg_put_service(nlh, sizeof(buf), &s,
					SVC_PUT_SETTINGS | SVC_PUT_BACKENDS, &cur);
		assert_true(r == 0 || r == 1);
		assert_int_equal(svc_msg_parse_top(nlh, tb), 0);
		assert_true(tb[SVCVIP_A_SERVICE]->nla_len <= SVC_NEST_MAX);
		if (r == 1)	/* a full part fills the 16-bit nest */
			assert_true(tb[SVCVIP_A_SERVICE]->nla_len > SVC_NEST_MAX - 200);
		memset(&back, 0, sizeof(back));
		assert_int_equal(svc_msg_parse_service(tb[SVCVIP_A_SERVICE], &back), 0 );
		for (size_t i = 0; i < back.nbackends; i++) {
			assert_int_equal(svc_backend_cmp(&back.backends[i],
							 &s.backends[total + i]), 0);
			assert_int_equal(back.backends[i].weight, (total + i) % 7);
		}
		total += back.nbackends;
		svc_service_free(&back);
		msgs++;
		if (r == 0)
			break;
	} while (msgs < 10);
	assert_int_equal(r, 0);
	assert_int_equal(total, 3000);
	assert_int_equal(cur.backend, 3000);
	assert_int_equal(msgs, 3);
	svc_service_free(&s);
	(void)tb;
}

static void msg_small_buffer(void **state)
{
	struct svc_service s;
	struct nlmsghdr *nlh;
	uint32_t before;

	(void)state;
	sample_service(&s);
	nlh = svc_msg_start(buf, 200, FAMILY_ID, SVCVIP_CMD_NEW_SERVICE, 0, 1);
	before = nlh->nlmsg_len;
	assert_int_equal(svc_msg_put_service(nlh, 200, &s, SVC_PUT_SETTINGS |
					     SVC_PUT_FRONTENDS | SVC_PUT_BACKENDS, NULL),
			 -EMSGSIZE);
	assert_int_equal(nlh->nlmsg_len, before);
	assert_null(svc_msg_start(buf, 8, FAMILY_ID, 1, 0, 1));
	svc_service_free(&s);
}

static void msg_config_roundtrip(void **state)
{
	struct svc_config c, back;
	struct svc_cidr x;
	const struct nlattr *tb[SVCVIP_A_MAX + 1];
	struct attrs at;
	struct nlmsghdr *nlh;

	(void)state;
	memset(&c, 0, sizeof(c));
	x = cidr("10.244.0.0/16");
	svc_cidrs_add(&c.cluster_cidrs, &x);
	x = cidr("fd00:10::/56");
	svc_cidrs_add(&c.cluster_cidrs, &x);
	c.masquerade_all = 1;
	c.max_backends = 777;
	/* nodeport-addresses all = an empty list, present */
	c.has = SVC_CFG_HAS_CLUSTER_CIDRS | SVC_CFG_HAS_MASQUERADE_ALL |
		SVC_CFG_HAS_NODEPORT_CIDRS | SVC_CFG_HAS_MAX_BACKENDS;
	nlh = svc_msg_start(buf, sizeof(buf), FAMILY_ID, SVCVIP_CMD_SET_CONFIG, 0, 1);
	assert_int_equal(svc_msg_put_config(nlh, sizeof(buf), &c), 0);
	assert_int_equal(svc_msg_parse_top(nlh, tb), 0);
	nested(tb[SVCVIP_A_CONFIG], &at);
	assert_int_equal(at.count, 4);
	assert_null(at.tb[SVCVIP_CONFIG_A_LOCAL_CIDRS]);
	assert_null(at.tb[SVCVIP_CONFIG_A_MAX_SERVICES]);
	assert_non_null(at.tb[SVCVIP_CONFIG_A_NODEPORT_CIDRS]);
	assert_int_equal(mnl_attr_get_payload_len(at.tb[SVCVIP_CONFIG_A_NODEPORT_CIDRS]), 0);
	assert_int_equal(mnl_attr_get_u8(at.tb[SVCVIP_CONFIG_A_MASQUERADE_ALL]), 1);
	assert_int_equal(mnl_attr_get_u32(at.tb[SVCVIP_CONFIG_A_MAX_BACKENDS]), 777);
	assert_int_equal(list_len(at.tb[SVCVIP_CONFIG_A_CLUSTER_CIDRS]), 2);

	memset(&back, 0, sizeof(back));
	assert_int_equal(svc_msg_parse_config(tb[SVCVIP_A_CONFIG], &back), 0);
	assert_int_equal(back.has, c.has);
	assert_true(svc_cidrs_equal(&back.cluster_cidrs, &c.cluster_cidrs));
	assert_int_equal(back.nodeport_cidrs.n, 0);
	assert_int_equal(back.masquerade_all, 1);
	assert_int_equal(back.max_backends, 777);
	svc_config_free(&back);
	svc_config_free(&c);
}

/* ---- a crafted dump, built attribute by attribute ---- */

static struct nlmsghdr *dump_msg(uint8_t *at, uint8_t cmd)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(at);
	struct genlmsghdr *g;

	nlh->nlmsg_type = FAMILY_ID;
	nlh->nlmsg_flags = NLM_F_MULTI;
	nlh->nlmsg_seq = 9;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = 1;
	return nlh;
}

static void put_be(struct nlmsghdr *nlh, int idx, const char *ip, uint16_t port,
		   uint32_t weight, uint32_t flags)
{
	struct nlattr *e = mnl_attr_nest_start(nlh, (uint16_t)idx);
	union svc_inaddr a;

	addr4(&a, ip);
	mnl_attr_put_u16(nlh, SVCVIP_BACKEND_A_FAMILY, AF_INET);
	mnl_attr_put(nlh, SVCVIP_BACKEND_A_ADDR, 4, a.b);
	mnl_attr_put_u16(nlh, SVCVIP_BACKEND_A_PORT, port);
	mnl_attr_put_u32(nlh, SVCVIP_BACKEND_A_WEIGHT, weight);
	mnl_attr_put_u32(nlh, SVCVIP_BACKEND_A_FLAGS, flags);
	mnl_attr_nest_end(nlh, e);
}

static void put_settings(struct nlmsghdr *nlh, uint8_t proto, uint8_t sched)
{
	mnl_attr_put_u8(nlh, SVCVIP_SERVICE_A_PROTOCOL, proto);
	mnl_attr_put_u8(nlh, SVCVIP_SERVICE_A_SCHEDULER, sched);
	mnl_attr_put_u8(nlh, SVCVIP_SERVICE_A_AFFINITY, 0);
	mnl_attr_put_u32(nlh, SVCVIP_SERVICE_A_AFFINITY_TIMEOUT, 10800);
	mnl_attr_put_u8(nlh, SVCVIP_SERVICE_A_INTERNAL_POLICY, 0);
	mnl_attr_put_u8(nlh, SVCVIP_SERVICE_A_EXTERNAL_POLICY, 1);
}

static void msg_dump_coalesce(void **state)
{
	struct svc_table t;
	struct nlmsghdr *m[4];
	struct nlattr *sv, *l, *e;
	uint8_t *p = buf;
	union svc_inaddr a;
	struct svc_service *b;

	(void)state;
	/* 1: "alpha", complete */
	m[0] = dump_msg(p, SVCVIP_CMD_GET_SERVICE);
	sv = mnl_attr_nest_start(m[0], SVCVIP_A_SERVICE);
	mnl_attr_put_strz(m[0], SVCVIP_SERVICE_A_NAME, "alpha");
	put_settings(m[0], IPPROTO_UDP, SVCVIP_SCHED_RR);
	l = mnl_attr_nest_start(m[0], SVCVIP_SERVICE_A_BACKENDS);
	put_be(m[0], 0, "10.0.0.1", 53, 1, 0);
	mnl_attr_nest_end(m[0], l);
	mnl_attr_nest_end(m[0], sv);
	p += MNL_ALIGN(m[0]->nlmsg_len);

	/* 2: "beta", settings + a frontend + 2 backends, more follows */
	m[1] = dump_msg(p, SVCVIP_CMD_GET_SERVICE);
	sv = mnl_attr_nest_start(m[1], SVCVIP_A_SERVICE);
	mnl_attr_put_strz(m[1], SVCVIP_SERVICE_A_NAME, "beta");
	put_settings(m[1], IPPROTO_TCP, SVCVIP_SCHED_MAGLEV);
	l = mnl_attr_nest_start(m[1], SVCVIP_SERVICE_A_FRONTENDS);
	e = mnl_attr_nest_start(m[1], 0);
	addr4(&a, "10.96.0.1");
	mnl_attr_put_u8(m[1], SVCVIP_FRONTEND_A_KIND, SVCVIP_FRONTEND_CLUSTERIP);
	mnl_attr_put_u16(m[1], SVCVIP_FRONTEND_A_PORT, 443);
	mnl_attr_put_u16(m[1], SVCVIP_FRONTEND_A_FAMILY, AF_INET);
	mnl_attr_put(m[1], SVCVIP_FRONTEND_A_ADDR, 4, a.b);
	mnl_attr_nest_end(m[1], e);
	mnl_attr_nest_end(m[1], l);
	l = mnl_attr_nest_start(m[1], SVCVIP_SERVICE_A_BACKENDS);
	put_be(m[1], 0, "10.1.0.1", 8443, 1, 0);
	put_be(m[1], 1, "10.1.0.2", 8443, 2, SVCVIP_BACKEND_F_LOCAL);
	mnl_attr_nest_end(m[1], l);
	mnl_attr_nest_end(m[1], sv);
	p += MNL_ALIGN(m[1]->nlmsg_len);

	/* 3: continuation of "beta": the name and the remaining backends */
	m[2] = dump_msg(p, SVCVIP_CMD_GET_SERVICE);
	sv = mnl_attr_nest_start(m[2], SVCVIP_A_SERVICE);
	mnl_attr_put_strz(m[2], SVCVIP_SERVICE_A_NAME, "beta");
	l = mnl_attr_nest_start(m[2], SVCVIP_SERVICE_A_BACKENDS);
	put_be(m[2], 0, "10.1.0.3", 8443, 3, SVCVIP_BACKEND_F_TERMINATING);
	put_be(m[2], 1, "10.1.0.4", 8443, 0, 0);
	mnl_attr_nest_end(m[2], l);
	mnl_attr_nest_end(m[2], sv);
	p += MNL_ALIGN(m[2]->nlmsg_len);

	/* 4: "gamma", no lists at all */
	m[3] = dump_msg(p, SVCVIP_CMD_GET_SERVICE);
	sv = mnl_attr_nest_start(m[3], SVCVIP_A_SERVICE);
	mnl_attr_put_strz(m[3], SVCVIP_SERVICE_A_NAME, "gamma");
	put_settings(m[3], IPPROTO_SCTP, SVCVIP_SCHED_RANDOM);
	mnl_attr_nest_end(m[3], sv);

	svc_table_init(&t);
	for (int i = 0; i < 4; i++)
		assert_int_equal(svc_table_add_msg(&t, m[i]), 0);
	assert_int_equal(t.n, 3);
	assert_string_equal(t.v[0].name, "alpha");
	assert_string_equal(t.v[1].name, "beta");
	assert_string_equal(t.v[2].name, "gamma");
	assert_int_equal(t.v[0].protocol, IPPROTO_UDP);
	assert_int_equal(t.v[0].scheduler, SVCVIP_SCHED_RR);
	assert_int_equal(t.v[0].nbackends, 1);

	b = svc_table_find(&t, "beta");
	assert_non_null(b);
	assert_int_equal(b->protocol, IPPROTO_TCP);
	assert_int_equal(b->has & SVC_SVC_SETTINGS, SVC_SVC_SETTINGS);
	assert_int_equal(b->external_policy, SVCVIP_POLICY_LOCAL);
	assert_int_equal(b->nfrontends, 1);
	assert_int_equal(b->frontends[0].port, 443);
	assert_int_equal(b->nbackends, 4);
	for (int i = 0; i < 4; i++) {
		char want[16];

		snprintf(want, sizeof(want), "10.1.0.%d", i + 1);
		addr4(&a, want);
		assert_memory_equal(b->backends[i].addr.b, a.b, 4);
		assert_int_equal(b->backends[i].weight, (uint32_t)(i == 3 ? 0 : i + 1));
	}
	assert_int_equal(b->backends[1].flags, SVCVIP_BACKEND_F_LOCAL);
	assert_int_equal(b->backends[2].flags, SVCVIP_BACKEND_F_TERMINATING);

	assert_int_equal(t.v[2].protocol, IPPROTO_SCTP);
	assert_int_equal(t.v[2].nfrontends + t.v[2].nbackends, 0);
	assert_int_equal(t.v[2].has & (SVC_SVC_HAS_FRONTENDS | SVC_SVC_HAS_BACKENDS), 0);

	/* a message without SVCVIP_A_SERVICE is malformed */
	m[0] = dump_msg(buf, SVCVIP_CMD_GET_SERVICE);
	assert_int_equal(svc_table_add_msg(&t, m[0]), -EINVAL);
	assert_int_equal(t.n, 3);
	svc_table_free(&t);
}

static void msg_stats_dump(void **state)
{
	struct svc_table t;
	struct nlmsghdr *m;
	struct nlattr *sv, *st, *l, *e;
	union svc_inaddr a;

	(void)state;
	m = dump_msg(buf, SVCVIP_CMD_GET_STATS);
	sv = mnl_attr_nest_start(m, SVCVIP_A_SERVICE);
	mnl_attr_put_strz(m, SVCVIP_SERVICE_A_NAME, "s");
	st = mnl_attr_nest_start(m, SVCVIP_SERVICE_A_STATS);
	mnl_attr_put_u64(m, SVCVIP_STATS_A_CONNS, 12);
	mnl_attr_put_u64(m, SVCVIP_STATS_A_PKTS_IN, 100);
	mnl_attr_put_u64(m, SVCVIP_STATS_A_PKTS_OUT, 90);
	mnl_attr_put_u64(m, SVCVIP_STATS_A_BYTES_IN, 1ULL << 40);
	mnl_attr_put_u64(m, SVCVIP_STATS_A_BYTES_OUT, 5400);
	mnl_attr_put_u64(m, SVCVIP_STATS_A_ACTIVE_CONNS, 1);
	mnl_attr_put_u64(m, SVCVIP_STATS_A_INACTIVE_CONNS, 2);
	mnl_attr_nest_end(m, st);
	l = mnl_attr_nest_start(m, SVCVIP_SERVICE_A_BACKENDS);
	e = mnl_attr_nest_start(m, 0);
	addr4(&a, "10.0.0.9");
	mnl_attr_put_u16(m, SVCVIP_BACKEND_A_FAMILY, AF_INET);
	mnl_attr_put(m, SVCVIP_BACKEND_A_ADDR, 4, a.b);
	mnl_attr_put_u16(m, SVCVIP_BACKEND_A_PORT, 80);
	st = mnl_attr_nest_start(m, SVCVIP_BACKEND_A_STATS);
	mnl_attr_put_u64(m, SVCVIP_STATS_A_CONNS, 7);
	mnl_attr_nest_end(m, st);
	mnl_attr_nest_end(m, e);
	mnl_attr_nest_end(m, l);
	mnl_attr_nest_end(m, sv);

	svc_table_init(&t);
	assert_int_equal(svc_table_add_msg(&t, m), 0);
	assert_int_equal(t.n, 1);
	assert_true(t.v[0].has & SVC_SVC_HAS_STATS);
	assert_int_equal(t.v[0].stats.conns, 12);
	assert_int_equal(t.v[0].stats.pkts_in, 100);
	assert_int_equal(t.v[0].stats.pkts_out, 90);
	assert_true(t.v[0].stats.bytes_in == 1ULL << 40);
	assert_int_equal(t.v[0].stats.bytes_out, 5400);
	assert_int_equal(t.v[0].stats.active_conns, 1);
	assert_int_equal(t.v[0].stats.inactive_conns, 2);
	assert_int_equal(t.v[0].nbackends, 1);
	assert_true(t.v[0].backends[0].has & SVC_BE_HAS_STATS);
	assert_int_equal(t.v[0].backends[0].stats.conns, 7);
	assert_int_equal(t.v[0].backends[0].stats.pkts_in, 0);
	svc_table_free(&t);
}

static void msg_malformed(void **state)
{
	struct nlmsghdr *m;
	struct nlattr *n;
	const struct nlattr *tb[SVCVIP_A_MAX + 1];
	struct svc_backend be;
	struct svc_frontend fe;
	struct svc_service s;
	union svc_inaddr a;

	(void)state;
	/* an IPv6 backend with a 4-byte address */
	m = dump_msg(buf, SVCVIP_CMD_GET_SERVICE);
	n = mnl_attr_nest_start(m, SVCVIP_A_BACKEND);
	addr4(&a, "1.2.3.4");
	mnl_attr_put_u16(m, SVCVIP_BACKEND_A_FAMILY, AF_INET6);
	mnl_attr_put(m, SVCVIP_BACKEND_A_ADDR, 4, a.b);
	mnl_attr_put_u16(m, SVCVIP_BACKEND_A_PORT, 80);
	mnl_attr_nest_end(m, n);
	assert_int_equal(svc_msg_parse_top(m, tb), 0);
	assert_int_equal(svc_msg_parse_backend(tb[SVCVIP_A_BACKEND], &be), -EINVAL);

	/* a port attribute of the wrong size */
	m = dump_msg(buf, SVCVIP_CMD_GET_SERVICE);
	n = mnl_attr_nest_start(m, SVCVIP_A_FRONTEND);
	mnl_attr_put_u8(m, SVCVIP_FRONTEND_A_KIND, SVCVIP_FRONTEND_NODEPORT);
	mnl_attr_put_u32(m, SVCVIP_FRONTEND_A_PORT, 30000);
	mnl_attr_nest_end(m, n);
	assert_int_equal(svc_msg_parse_top(m, tb), 0);
	assert_int_equal(svc_msg_parse_frontend(tb[SVCVIP_A_FRONTEND], &fe), -EINVAL);

	/* a name that is not NUL-terminated */
	m = dump_msg(buf, SVCVIP_CMD_GET_SERVICE);
	n = mnl_attr_nest_start(m, SVCVIP_A_SERVICE);
	mnl_attr_put(m, SVCVIP_SERVICE_A_NAME, 3, "abc");
	mnl_attr_nest_end(m, n);
	assert_int_equal(svc_msg_parse_top(m, tb), 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(svc_msg_parse_service(tb[SVCVIP_A_SERVICE], &s), -EINVAL);
	svc_service_free(&s);

	/* unknown (newer) attributes are ignored */
	m = dump_msg(buf, SVCVIP_CMD_GET_SERVICE);
	n = mnl_attr_nest_start(m, SVCVIP_A_FRONTEND);
	mnl_attr_put_u8(m, SVCVIP_FRONTEND_A_KIND, SVCVIP_FRONTEND_NODEPORT);
	mnl_attr_put_u16(m, SVCVIP_FRONTEND_A_PORT, 30000);
	mnl_attr_put_u32(m, SVCVIP_FRONTEND_A_MAX + 5, 1);
	mnl_attr_nest_end(m, n);
	assert_int_equal(svc_msg_parse_top(m, tb), 0);
	assert_int_equal(svc_msg_parse_frontend(tb[SVCVIP_A_FRONTEND], &fe), 0);
	assert_int_equal(fe.port, 30000);
	assert_int_equal(fe.family, AF_UNSPEC);
	svc_frontend_free(&fe);
}

static void msg_lookup(void **state)
{
	struct svc_lookup l;
	struct nlmsghdr *m;
	struct nlattr *n;
	struct attrs at;
	const struct nlattr *tb[SVCVIP_A_MAX + 1];
	union svc_inaddr a;

	(void)state;
	memset(&l, 0, sizeof(l));
	l.protocol = IPPROTO_TCP;
	l.family = AF_INET;
	addr4(&l.dst, "10.96.0.10");
	l.dport = 80;
	addr4(&l.src, "10.244.9.9");
	l.has_src = true;
	m = svc_msg_start(buf, sizeof(buf), FAMILY_ID, SVCVIP_CMD_LOOKUP, 0, 5);
	assert_int_equal(svc_msg_put_lookup(m, sizeof(buf), &l), 0);
	assert_int_equal(svc_msg_parse_top(m, tb), 0);
	nested(tb[SVCVIP_A_LOOKUP], &at);
	assert_int_equal(at.count, 5);		/* no SRC_PORT */
	assert_null(at.tb[SVCVIP_LOOKUP_A_SRC_PORT]);
	assert_int_equal(mnl_attr_get_u8(at.tb[SVCVIP_LOOKUP_A_PROTOCOL]), IPPROTO_TCP);
	assert_int_equal(mnl_attr_get_u16(at.tb[SVCVIP_LOOKUP_A_FAMILY]), AF_INET);
	assert_int_equal(mnl_attr_get_u16(at.tb[SVCVIP_LOOKUP_A_DST_PORT]), 80);
	assert_memory_equal(mnl_attr_get_payload(at.tb[SVCVIP_LOOKUP_A_SRC_ADDR]), l.src.b, 4);

	/* the reply: LOOKUP nest + top-level SERVICE, FRONTEND, BACKEND */
	m = dump_msg(buf, SVCVIP_CMD_LOOKUP);
	n = mnl_attr_nest_start(m, SVCVIP_A_LOOKUP);
	mnl_attr_put_u8(m, SVCVIP_LOOKUP_A_VERDICT, SVCVIP_VERDICT_DNAT);
	mnl_attr_put_u8(m, SVCVIP_LOOKUP_A_REASON, SVCVIP_REASON_AFFINITY);
	mnl_attr_put_u8(m, SVCVIP_LOOKUP_A_MASQUERADE, SVCVIP_MASQ_OUTSIDE_CLUSTER);
	mnl_attr_nest_end(m, n);
	n = mnl_attr_nest_start(m, SVCVIP_A_SERVICE);
	mnl_attr_put_strz(m, SVCVIP_SERVICE_A_NAME, "ns/web:http");
	mnl_attr_nest_end(m, n);
	n = mnl_attr_nest_start(m, SVCVIP_A_BACKEND);
	addr4(&a, "10.244.1.2");
	mnl_attr_put_u16(m, SVCVIP_BACKEND_A_FAMILY, AF_INET);
	mnl_attr_put(m, SVCVIP_BACKEND_A_ADDR, 4, a.b);
	mnl_attr_put_u16(m, SVCVIP_BACKEND_A_PORT, 8080);
	mnl_attr_nest_end(m, n);
	assert_int_equal(svc_msg_parse_lookup_reply(m, &l), 0);
	assert_int_equal(l.verdict, SVCVIP_VERDICT_DNAT);
	assert_int_equal(l.reason, SVCVIP_REASON_AFFINITY);
	assert_int_equal(l.masquerade, SVCVIP_MASQ_OUTSIDE_CLUSTER);
	assert_true(l.has_service);
	assert_string_equal(l.service, "ns/web:http");
	assert_false(l.has_frontend);
	assert_true(l.has_backend);
	assert_int_equal(l.backend.port, 8080);
	svc_lookup_free(&l);
}

static void msg_event(void **state)
{
	struct svc_event ev;
	struct nlmsghdr *m;
	struct nlattr *n;

	(void)state;
	m = dump_msg(buf, SVCVIP_CMD_REPLACE_SERVICE);
	n = mnl_attr_nest_start(m, SVCVIP_A_SERVICE);
	mnl_attr_put_strz(m, SVCVIP_SERVICE_A_NAME, "web");
	put_settings(m, IPPROTO_TCP, SVCVIP_SCHED_RR);
	mnl_attr_nest_end(m, n);
	assert_int_equal(svc_msg_parse_event(m, &ev), 0);
	assert_int_equal(ev.cmd, SVCVIP_CMD_REPLACE_SERVICE);
	assert_true(ev.replace);
	assert_true(ev.has_service);
	assert_false(ev.has_backend);
	assert_string_equal(ev.service.name, "web");
	assert_int_equal(ev.service.scheduler, SVCVIP_SCHED_RR);
	svc_event_free(&ev);

	m = dump_msg(buf, SVCVIP_CMD_DEL_BACKEND);
	n = mnl_attr_nest_start(m, SVCVIP_A_SERVICE);
	mnl_attr_put_strz(m, SVCVIP_SERVICE_A_NAME, "web");
	mnl_attr_nest_end(m, n);
	put_be(m, SVCVIP_A_BACKEND, "10.0.0.5", 81, 1, 0);
	assert_int_equal(svc_msg_parse_event(m, &ev), 0);
	assert_int_equal(ev.cmd, SVCVIP_CMD_DEL_BACKEND);
	assert_false(ev.replace);
	assert_true(ev.has_backend);
	assert_int_equal(ev.backend.port, 81);
	svc_event_free(&ev);

	m = dump_msg(buf, SVCVIP_CMD_FLUSH);
	assert_int_equal(svc_msg_parse_event(m, &ev), 0);
	assert_int_equal(ev.cmd, SVCVIP_CMD_FLUSH);
	assert_false(ev.has_service || ev.has_frontend || ev.has_backend || ev.has_config);
	svc_event_free(&ev);
}

/* ---- NLMSG_ERROR with extack ---- */

static void msg_extack(void **state)
{
	struct nlmsghdr *nlh, *req;
	struct nlmsgerr *e;
	struct svc_nlerr ne;
	char text[512];
	uint8_t reqbuf[256];

	(void)state;
	/* capped: nlmsgerr carries the request header only, then TLVs */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_flags = NLM_F_CAPPED | NLM_F_ACK_TLVS;
	nlh->nlmsg_seq = 11;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = -EINVAL;
	e->msg.nlmsg_len = 100;
	e->msg.nlmsg_seq = 11;
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "backend port missing");
	mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, 36);
	mnl_attr_put_u32(nlh, NLMSGERR_ATTR_MISS_TYPE, SVCVIP_BACKEND_A_PORT);
	assert_int_equal(svc_nl_parse_error(nlh, &ne), -EINVAL);
	assert_int_equal(ne.err, EINVAL);
	assert_string_equal(ne.msg, "backend port missing");
	assert_true(ne.has_offs);
	assert_int_equal(ne.offs, 36);
	assert_true(ne.has_miss_type);
	assert_int_equal(ne.miss_type, SVCVIP_BACKEND_A_PORT);
	assert_string_equal(svc_nlerr_str(&ne, text, sizeof(text)),
			    "backend port missing: Invalid argument");

	/* not capped: the whole request is echoed before the TLVs */
	req = svc_msg_start(reqbuf, sizeof(reqbuf), FAMILY_ID, SVCVIP_CMD_DEL_SERVICE, 0, 12);
	mnl_attr_put_strz(req, SVCVIP_SERVICE_A_NAME, "padding-the-request");
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_flags = NLM_F_ACK_TLVS;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(e->error) + req->nlmsg_len);
	e->error = -ENOENT;
	memcpy(&e->msg, req, req->nlmsg_len);
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "no such service");
	assert_int_equal(svc_nl_parse_error(nlh, &ne), -ENOENT);
	assert_string_equal(ne.msg, "no such service");
	assert_false(ne.has_offs);
	assert_string_equal(svc_nlerr_str(&ne, text, sizeof(text)),
			    "no such service: No such file or directory");

	/* a plain ack */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_flags = NLM_F_CAPPED;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = 0;
	assert_int_equal(svc_nl_parse_error(nlh, &ne), 0);
	assert_int_equal(ne.err, 0);
	assert_string_equal(ne.msg, "");

	/* an error without TLVs, and the module-missing error text */
	e->error = -EPERM;
	assert_int_equal(svc_nl_parse_error(nlh, &ne), -EPERM);
	assert_string_equal(svc_nlerr_str(&ne, text, sizeof(text)),
			    "Operation not permitted");
	assert_string_equal(svc_strerror(-SVC_ENOMODULE),
			    "kernel module not loaded (modprobe svcvip)");

	/* truncated */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_ERROR;
	assert_int_equal(svc_nl_parse_error(nlh, &ne), -EBADMSG);
}

/* {list, index} of the entry an extack offset falls in: the outermost */
static void msg_attr_locate(void **state)
{
	struct svc_service s;
	struct nlmsghdr *nlh;
	struct attrs top, sv, e;
	const struct nlattr *be1, *fe1, *rng;
	struct svc_nlerr ne;
	struct svc_nlerr_loc at;
	char text[512];

#define OFF(a) ((uint32_t)((const char *)(a) - (const char *)nlh))
	(void)state;
	sample_service(&s);
	nlh = svc_msg_start(buf, sizeof(buf), FAMILY_ID, SVCVIP_CMD_REPLACE_SERVICE, 0, 1);
	assert_int_equal(svc_msg_put_service(nlh, sizeof(buf), &s, SVC_PUT_SETTINGS |
					     SVC_PUT_FRONTENDS | SVC_PUT_BACKENDS, NULL), 0);
	memset(&top, 0, sizeof(top));
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), collect_cb, &top);
	nested(top.tb[SVCVIP_A_SERVICE], &sv);

	/* not in a list: the service, a setting, the list itself */
	assert_int_equal(svc_msg_attr_locate(nlh, OFF(top.tb[SVCVIP_A_SERVICE]), &at), -ENOENT);
	assert_int_equal(at.list, SVC_LIST_NONE);
	assert_int_equal(svc_msg_attr_locate(nlh, OFF(sv.tb[SVCVIP_SERVICE_A_AFFINITY_TIMEOUT]),
					     &at), -ENOENT);
	assert_int_equal(svc_msg_attr_locate(nlh, OFF(sv.tb[SVCVIP_SERVICE_A_BACKENDS]), &at),
			 -ENOENT);
	/* an entry, and an attribute inside it */
	be1 = list_entry(sv.tb[SVCVIP_SERVICE_A_BACKENDS], 1);
	assert_int_equal(svc_msg_attr_locate(nlh, OFF(be1), &at), 0);
	assert_int_equal(at.list, SVC_LIST_BACKENDS);
	assert_int_equal(at.index, 1);
	nested(be1, &e);
	assert_int_equal(svc_msg_attr_locate(nlh, OFF(e.tb[SVCVIP_BACKEND_A_ADDR]), &at), 0);
	assert_int_equal(at.list, SVC_LIST_BACKENDS);
	assert_int_equal(at.index, 1);
	/* a source range of frontend 1 is frontend 1 */
	fe1 = list_entry(sv.tb[SVCVIP_SERVICE_A_FRONTENDS], 1);
	nested(fe1, &e);
	rng = list_entry(e.tb[SVCVIP_FRONTEND_A_SOURCE_RANGES], 1);
	nested(rng, &e);
	assert_int_equal(svc_msg_attr_locate(nlh, OFF(e.tb[SVCVIP_CIDR_A_PREFIXLEN]), &at), 0);
	assert_int_equal(at.list, SVC_LIST_FRONTENDS);
	assert_int_equal(at.index, 1);
	/* outside the attributes */
	assert_int_equal(svc_msg_attr_locate(nlh, 4, &at), -ENOENT);
	assert_int_equal(svc_msg_attr_locate(nlh, nlh->nlmsg_len, &at), -ENOENT);

	/* what an error message looks like with it */
	svc_nlerr_set(&ne, -EINVAL, "address must be a unicast address");
	ne.has_offs = true;
	ne.offs = OFF(list_entry(sv.tb[SVCVIP_SERVICE_A_BACKENDS], 2));
	svc_nlerr_locate(&ne, nlh);
	assert_int_equal(ne.at.list, SVC_LIST_BACKENDS);
	assert_int_equal(ne.at.index, 2);
	assert_string_equal(svc_nlerr_str(&ne, text, sizeof(text)),
			    "address must be a unicast address (at backends[2]): "
			    "Invalid argument");
	/* not in a list: the kernel's text alone */
	ne.offs = OFF(sv.tb[SVCVIP_SERVICE_A_NAME]);
	svc_nlerr_locate(&ne, nlh);
	assert_int_equal(ne.at.list, SVC_LIST_NONE);
	assert_string_equal(svc_nlerr_str(&ne, text, sizeof(text)),
			    "address must be a unicast address: Invalid argument");
	svc_service_free(&s);

	/* a config CIDR list */
	{
		struct svc_config c;
		const struct nlattr *cidrs;

		memset(&c, 0, sizeof(c));
		c.has = SVC_CFG_HAS_CLUSTER_CIDRS;
		for (int i = 0; i < 3; i++) {
			struct svc_cidr x = { .family = AF_INET, .prefixlen = 16 };

			x.addr.v4.s_addr = htonl(0x0a000000u + ((uint32_t)i << 16));
			assert_int_equal(svc_cidrs_add(&c.cluster_cidrs, &x), 0);
		}
		nlh = svc_msg_start(buf, sizeof(buf), FAMILY_ID, SVCVIP_CMD_SET_CONFIG, 0, 1);
		assert_int_equal(svc_msg_put_config(nlh, sizeof(buf), &c), 0);
		memset(&top, 0, sizeof(top));
		mnl_attr_parse(nlh, sizeof(struct genlmsghdr), collect_cb, &top);
		nested(top.tb[SVCVIP_A_CONFIG], &e);
		cidrs = e.tb[SVCVIP_CONFIG_A_CLUSTER_CIDRS];
		assert_int_equal(svc_msg_attr_locate(nlh, OFF(list_entry(cidrs, 2)), &at), 0);
		assert_int_equal(at.list, SVC_LIST_CLUSTER_CIDRS);
		assert_int_equal(at.index, 2);
		svc_config_free(&c);
	}
#undef OFF
}

/* n v4 backends 10.1.x.y:80, every third with a weight */
static void many_backends(struct svc_backend *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		memset(&v[i], 0, sizeof(v[i]));
		v[i].family = AF_INET;
		v[i].addr.b[0] = 10;
		v[i].addr.b[1] = 1;
		v[i].addr.b[2] = (uint8_t)(i >> 8);
		v[i].addr.b[3] = (uint8_t)i;
		v[i].port = 80;
		if (i % 3 == 0) {
			v[i].weight = (uint32_t)i % 100;
			v[i].has = SVC_BE_HAS_WEIGHT;
		}
	}
}

/* The top-level SVCVIP_A_BACKENDS parts of a message, checked against v
 * from *done on: each part within a 16-bit nest, entries in order. */
static int check_lists(const struct nlmsghdr *nlh, const struct svc_backend *v, size_t *done)
{
	const struct nlattr *a;
	int parts = 0;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		const struct nlattr *pos;

		if (mnl_attr_get_type(a) != SVCVIP_A_BACKENDS)
			continue;
		assert_true(a->nla_type & NLA_F_NESTED);
		assert_true(a->nla_len <= SVC_NEST_MAX);
		assert_true(mnl_attr_get_payload_len(a) > 0);	/* no empty part */
		parts++;
		mnl_attr_for_each_nested(pos, a) {
			struct svc_backend be;

			assert_int_equal(svc_msg_parse_backend(pos, &be), 0);
			assert_int_equal(svc_backend_cmp(&be, &v[*done]), 0);
			assert_int_equal(be.has & SVC_BE_HAS_WEIGHT, v[*done].has & SVC_BE_HAS_WEIGHT);
			(*done)++;
		}
	}
	return parts;
}

static void msg_backend_lists(void **state)
{
	enum { N = 6000 };
	static struct svc_backend v[N];
	struct svc_service s;
	struct nlmsghdr *nlh;
	size_t next = 0, done = 0, small, first;
	int msgs = 0, r;

	(void)state;
	many_backends(v, N);
	/* all in one message: several parts, each a full 16-bit nest but the last */
	nlh = svc_msg_start(buf, sizeof(buf), FAMILY_ID, SVCVIP_CMD_NEW_BACKEND, 0, 1);
	assert_int_equal(svc_msg_put_backend_lists(nlh, sizeof(buf), v, N, &next), 0);
	assert_int_equal(next, N);
	assert_true(check_lists(nlh, v, &done) >= 3);
	assert_int_equal(done, N);

	/* next to a service nest, from an index on */
	memset(&s, 0, sizeof(s));
	strcpy(s.name, "svc");
	nlh = svc_msg_start(buf, sizeof(buf), FAMILY_ID, SVCVIP_CMD_NEW_SERVICE, 0, 1);
	assert_int_equal(svc_msg_put_service(nlh, sizeof(buf), &s, 0, NULL), 0);
	next = done = 10;
	assert_int_equal(svc_msg_put_backend_lists(nlh, sizeof(buf), v, 20, &next), 0);
	assert_int_equal(next, 20);
	assert_int_equal(check_lists(nlh, v, &done), 1);
	assert_int_equal(done, 20);

	/* a small buffer: as many as fit, the rest in the following messages */
	small = 20000;
	next = done = 0;
	do {
		first = next;
		nlh = svc_msg_start(buf, small, FAMILY_ID, SVCVIP_CMD_NEW_BACKEND, 0, 1);
		r = svc_msg_put_backend_lists(nlh, small, v, N, &next);
		assert_int_equal(r, next < N ? 1 : 0);
		assert_true(next > first);
		assert_true(nlh->nlmsg_len <= small);
		assert_true(nlh->nlmsg_len > small - 64 || next == N);	/* full */
		assert_int_equal(check_lists(nlh, v, &done), 1);
		assert_int_equal(done, next);
		msgs++;
	} while (next < N);
	assert_true(msgs > 5);

	/* no room for even one: nothing put, no empty part */
	nlh = svc_msg_start(buf, sizeof(buf), FAMILY_ID, SVCVIP_CMD_NEW_BACKEND, 0, 1);
	next = 0;
	assert_int_equal(svc_msg_put_backend_lists(nlh, nlh->nlmsg_len + 12, v, N, &next), 1);
	assert_int_equal(next, 0);
	assert_int_equal(nlh->nlmsg_len, MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr)));
	/* nothing to put */
	next = N;
	assert_int_equal(svc_msg_put_backend_lists(nlh, sizeof(buf), v, N, &next), 0);
	assert_int_equal(nlh->nlmsg_len, MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr)));
}

/* The backends of top-level lists continue those of the service nest:
 * the index is the backend's place in the service sent. */
static void msg_attr_locate_lists(void **state)
{
	enum { N = 5000 };
	static struct svc_backend v[N];
	struct svc_service s;
	struct svc_put_cursor cur = { 0, 0 };
	struct svc_nlerr_loc at;
	struct nlmsghdr *nlh;
	const struct nlattr *a, *pos, *part2 = NULL, *ent;
	struct attrs e;
	size_t next, before = 0;
	int parts = 0;

	(void)state;
	many_backends(v, N);
	memset(&s, 0, sizeof(s));
	strcpy(s.name, "svc");
	s.backends = v;
	s.nbackends = N;
	nlh = svc_msg_start(buf, sizeof(buf), FAMILY_ID, SVCVIP_CMD_REPLACE_SERVICE, 0, 1);
	assert_true(svc_msg_put_service(nlh, sizeof(buf), &s, SVC_PUT_BACKENDS, &cur) >= 0);
	assert_true(cur.backend > 100 && cur.backend < N);	/* the nest is full */
	next = cur.backend;
	assert_int_equal(svc_msg_put_backend_lists(nlh, sizeof(buf), v, N, &next), 0);
	assert_int_equal(next, N);
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) != SVCVIP_A_BACKENDS)
			continue;
		if (++parts == 2) {
			part2 = a;
			break;
		}
		mnl_attr_for_each_nested(pos, a)
			before++;
	}
	assert_non_null(part2);
	assert_true(before > 1000);

	ent = list_entry(part2, 3);
	nested(ent, &e);
	assert_int_equal(svc_msg_attr_locate(nlh, (uint32_t)((const char *)e.tb[SVCVIP_BACKEND_A_PORT] -
							      (const char *)nlh), &at), 0);
	assert_int_equal(at.list, SVC_LIST_BACKENDS);
	assert_int_equal(at.index, cur.backend + before + 3);

	ent = list_entry(part2, 0);
	assert_int_equal(svc_msg_attr_locate(nlh, (uint32_t)((const char *)ent - (const char *)nlh),
					     &at), 0);
	assert_int_equal(at.index, cur.backend + before);
	s.backends = NULL;
	s.nbackends = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(msg_build_new_service_raw),
		cmocka_unit_test(msg_service_roundtrip),
		cmocka_unit_test(msg_empty_lists_present),
		cmocka_unit_test(msg_too_big_and_resume),
		cmocka_unit_test(msg_backend_lists),
		cmocka_unit_test(msg_attr_locate_lists),
		cmocka_unit_test(msg_small_buffer),
		cmocka_unit_test(msg_config_roundtrip),
		cmocka_unit_test(msg_dump_coalesce),
		cmocka_unit_test(msg_stats_dump),
		cmocka_unit_test(msg_malformed),
		cmocka_unit_test(msg_lookup),
		cmocka_unit_test(msg_event),
		cmocka_unit_test(msg_extack),
		cmocka_unit_test(msg_attr_locate),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests_name("msg", tests, NULL, NULL);
}
