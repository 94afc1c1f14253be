// SPDX-License-Identifier: GPL-2.0
/*
 * proxy_test: svcsyncd/proxy*.c against kube-proxy's own tests. Every case
 * is named after the kube-proxy test (and case) whose inputs and
 * expectations it ports: pkg/proxy/topology_test.go, endpointslicecache_test.go,
 * servicechangetracker_test.go and pkg/proxy/nftables/proxier_test.go.
 *
 * Objects are written as JSON (single quotes, turned into double quotes)
 * and parsed with k8s_parse.c. kube-proxy's packet-flow tests are checked
 * against a model of the kernel's first-packet decision (kmod/select.c
 * svcvip_select, kmod/table.c state_build_pools): the table proxy.c builds
 * must make the kernel choose what kube-proxy's nftables rules choose.
 * The fake node is kube-proxy's: "test-node", 192.168.0.2 / 2001:db8::1,
 * pods 10.0.0.0/8, service CIDR 172.30.0.0/16.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <json-c/json.h>

#include "k8s_parse.h"
#include "proxy.h"

#define MAXOBJ 16

struct world {
	struct proxy_options o;
	struct k8s_node node;
	bool have_node;
	struct k8s_service svc[MAXOBJ];
	size_t nsvc;
	struct k8s_endpoint_slice es[MAXOBJ];
	size_t nes;
	struct k8s_service_cidr sc[MAXOBJ];
	size_t nsc;
	struct svc_table t;
	struct svc_config cfg;
	struct proxy_service_info info[MAXOBJ];
	char buf[4096];
};

static struct json_object *js(const char *sq)
{
	char *dq = strdup(sq), *p;
	struct json_object *o;

	assert_non_null(dq);
	for (p = dq; *p; p++)
		if (*p == '\'')
			*p = '"';
	o = json_tokener_parse(dq);
	if (!o)
		fail_msg("bad JSON in test: %s", dq);
	free(dq);
	return o;
}

static void add_cidr_str(struct svc_cidrs *l, const char *s)
{
	struct svc_cidr c;

	assert_int_equal(proxy_parse_cidr(s, &c), 0);
	assert_int_equal(svc_cidrs_add(l, &c), 0);
}

/* kube-proxy's NewFakeProxier, for both families at once */
static struct world *world_new(void)
{
	struct world *w = calloc(1, sizeof(*w));
	struct json_object *o;
	char err[256];

	assert_non_null(w);
	w->o.node_name = "test-node";
	add_cidr_str(&w->o.cluster_cidrs, "10.0.0.0/8");
	add_cidr_str(&w->o.cluster_cidrs, "fd00:10::/64");
	add_cidr_str(&w->o.service_cidrs, "172.30.0.0/16");
	add_cidr_str(&w->o.service_cidrs, "fd00:10:96::/112");
	o = js("{'metadata':{'name':'test-node'},'status':{'addresses':["
	       "{'type':'InternalIP','address':'192.168.0.2'},"
	       "{'type':'InternalIP','address':'2001:db8::1'}]}}");
	assert_int_equal(k8s_parse_node(o, &w->node, err, sizeof(err)), 0);
	json_object_put(o);
	w->have_node = true;
	svc_table_init(&w->t);
	return w;
}

static void world_free(struct world *w)
{
	size_t i;

	for (i = 0; i < w->nsvc; i++)
		k8s_service_free(&w->svc[i]);
	for (i = 0; i < w->nes; i++)
		k8s_endpoint_slice_free(&w->es[i]);
	for (i = 0; i < w->nsc; i++)
		k8s_service_cidr_free(&w->sc[i]);
	k8s_node_free(&w->node);
	svc_cidrs_free(&w->o.cluster_cidrs);
	svc_cidrs_free(&w->o.service_cidrs);
	svc_cidrs_free(&w->o.nodeport_cidrs);
	svc_table_free(&w->t);
	svc_config_free(&w->cfg);
	free(w);
}

static void set_zone(struct world *w, const char *zone)
{
	free(w->node.zone);
	w->node.zone = zone ? strdup(zone) : NULL;
}

static void svc(struct world *w, const char *sq)
{
	struct json_object *o = js(sq);
	char err[256];

	assert_true(w->nsvc < MAXOBJ);
	if (k8s_parse_service(o, &w->svc[w->nsvc], err, sizeof(err)))
		fail_msg("service: %s", err);
	w->nsvc++;
	json_object_put(o);
}

static void slice(struct world *w, const char *sq)
{
	struct json_object *o = js(sq);
	char err[256];

	assert_true(w->nes < MAXOBJ);
	if (k8s_parse_endpoint_slice(o, &w->es[w->nes], err, sizeof(err)))
		fail_msg("slice: %s", err);
	w->nes++;
	json_object_put(o);
}

/* Builds every service of w with every slice, and the config. */
static void build(struct world *w)
{
	const struct k8s_endpoint_slice *sl[MAXOBJ];
	const struct k8s_service_cidr *sc[MAXOBJ];
	size_t i;

	svc_table_clear(&w->t);
	for (i = 0; i < w->nes; i++)
		sl[i] = &w->es[i];
	for (i = 0; i < w->nsc; i++)
		sc[i] = &w->sc[i];
	for (i = 0; i < w->nsvc; i++)
		assert_int_equal(proxy_build_service(&w->o, w->have_node ? &w->node : NULL,
						     &w->svc[i], sl, w->nes, &w->t,
						     &w->info[i]), 0);
	svc_table_sort(&w->t);
	svc_config_free(&w->cfg);
	assert_int_equal(proxy_build_config(&w->o, w->have_node ? &w->node : NULL, sc,
					    w->nsc, &w->cfg), 0);
}

static struct svc_service *find(struct world *w, const char *name)
{
	struct svc_service *s = svc_table_find(&w->t, name);

	if (!s)
		fail_msg("no service %s", name);
	return s;
}

static void addr_str(char *out, size_t len, uint16_t family, const union svc_inaddr *a)
{
	if (!inet_ntop(family, a, out, (socklen_t)len))
		snprintf(out, len, "?");
}

static void cat(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

static const char *const kinds[] = { "?", "clusterip", "externalip", "loadbalancer",
				     "nodeport" };

/* "clusterip 172.30.0.41:80, nodeport any:3001, loadbalancer 1.2.3.4:80 [1.0.0.0/8]" */
static const char *fes(struct world *w, const char *name)
{
	struct svc_service *s = find(w, name);
	size_t i, j;
	char a[64];

	w->buf[0] = '\0';
	for (i = 0; i < s->nfrontends; i++) {
		const struct svc_frontend *fe = &s->frontends[i];

		if (fe->kind == SVCVIP_FRONTEND_NODEPORT)
			snprintf(a, sizeof(a), "%s", fe->family == AF_UNSPEC ? "any" :
				 fe->family == AF_INET ? "ipv4" : "ipv6");
		else
			addr_str(a, sizeof(a), fe->family, &fe->addr);
		cat(w->buf, sizeof(w->buf), "%s%s %s%s%s:%u", i ? ", " : "", kinds[fe->kind],
		    fe->family == AF_INET6 && fe->kind != SVCVIP_FRONTEND_NODEPORT ? "[" : "",
		    a, fe->family == AF_INET6 && fe->kind != SVCVIP_FRONTEND_NODEPORT ? "]" : "",
		    fe->port);
		for (j = 0; j < fe->source_ranges.n; j++) {
			addr_str(a, sizeof(a), fe->source_ranges.v[j].family,
				 &fe->source_ranges.v[j].addr);
			cat(w->buf, sizeof(w->buf), "%s%s/%u", j ? " " : " [", a,
			    fe->source_ranges.v[j].prefixlen);
		}
		if (fe->source_ranges.n)
			cat(w->buf, sizeof(w->buf), "]");
	}
	return w->buf;
}

/* "10.180.0.1:80 L, 10.180.0.2:80 w0, 10.0.1.3:80 T" */
static const char *bes(struct world *w, const char *name)
{
	struct svc_service *s = find(w, name);
	size_t i;
	char a[64];

	w->buf[0] = '\0';
	for (i = 0; i < s->nbackends; i++) {
		const struct svc_backend *be = &s->backends[i];
		uint32_t fl = svc_backend_flags(be);

		addr_str(a, sizeof(a), be->family, &be->addr);
		cat(w->buf, sizeof(w->buf), "%s%s%s%s:%u%s%s%s", i ? ", " : "",
		    be->family == AF_INET6 ? "[" : "", a, be->family == AF_INET6 ? "]" : "",
		    be->port, svc_backend_weight(be) ? "" : " w0",
		    fl & SVCVIP_BACKEND_F_LOCAL ? " L" : "",
		    fl & SVCVIP_BACKEND_F_TERMINATING ? " T" : "");
	}
	return w->buf;
}

/* ---- a model of the kernel's first-packet decision (kmod/select.c) ---- */

static const char *const local_addrs[] = {	/* kube-proxy's fake interfaces */
	"127.0.0.1", "::1", "192.168.0.2", "192.168.1.2", "192.168.99.11",
	"2001:db8::1", "2001:db8:1::2",
};

static bool same(uint16_t f, const union svc_inaddr *a, const union svc_inaddr *b)
{
	return !memcmp(a->b, b->b, svc_addr_len(f));
}

static bool is_local(uint16_t f, const union svc_inaddr *a)
{
	union svc_inaddr x;
	uint16_t xf;
	size_t i;

	for (i = 0; i < sizeof(local_addrs) / sizeof(local_addrs[0]); i++)
		if (!proxy_parse_ip(local_addrs[i], &xf, &x) && xf == f && same(f, a, &x))
			return true;
	return false;
}

static bool is_loopback(uint16_t f, const union svc_inaddr *a)
{
	return f == AF_INET ? a->b[0] == 127 : !memcmp(a->b, &in6addr_loopback, 16);
}

static bool in_cidrs(const struct svc_cidrs *l, uint16_t f, const union svc_inaddr *a)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (proxy_cidr_contains(&l->v[i], f, a))
			return true;
	return false;
}

/* state_build_pools: ready backends (weight > 0), else terminating ones */
static size_t pool(const struct svc_service *s, uint16_t f, bool local, size_t *m)
{
	size_t i, n = 0;
	int term;

	for (term = 0; term < 2 && !n; term++)
		for (i = 0; i < s->nbackends; i++) {
			const struct svc_backend *be = &s->backends[i];
			uint32_t fl = svc_backend_flags(be);

			if (be->family != f || !svc_backend_weight(be) ||
			    (local && !(fl & SVCVIP_BACKEND_F_LOCAL)) ||
			    !!(fl & SVCVIP_BACKEND_F_TERMINATING) != term)
				continue;
			m[n++] = i;
		}
	return n;
}

static const struct svc_frontend *lookup(struct world *w, int proto, uint16_t f,
					 const union svc_inaddr *dst, uint16_t port,
					 struct svc_service **owner)
{
	size_t i, j;
	int pass;

	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < w->t.n; i++) {
			struct svc_service *s = &w->t.v[i];

			if (s->protocol != proto)
				continue;
			for (j = 0; j < s->nfrontends; j++) {
				const struct svc_frontend *fe = &s->frontends[j];

				if (fe->port != port)
					continue;
				if (pass == 0 && fe->kind != SVCVIP_FRONTEND_NODEPORT &&
				    fe->family == f && same(f, &fe->addr, dst)) {
					*owner = s;
					return fe;
				}
				if (pass == 1 && fe->kind == SVCVIP_FRONTEND_NODEPORT &&
				    (fe->family == AF_UNSPEC || fe->family == f) &&
				    is_local(f, dst) && !is_loopback(f, dst) &&
				    (!w->cfg.nodeport_cidrs.n ||
				     in_cidrs(&w->cfg.nodeport_cidrs, f, dst))) {
					*owner = s;
					return fe;
				}
			}
		}
	return NULL;
}

static bool is_cluster_ip(struct world *w, uint16_t f, const union svc_inaddr *a)
{
	size_t i, j;

	for (i = 0; i < w->t.n; i++)
		for (j = 0; j < w->t.v[i].nfrontends; j++) {
			const struct svc_frontend *fe = &w->t.v[i].frontends[j];

			if (fe->kind == SVCVIP_FRONTEND_CLUSTERIP && fe->family == f &&
			    same(f, &fe->addr, a))
				return true;
		}
	return false;
}

/*
 * What the kernel does with the first packet src -> dst:port: "REJECT",
 * "DROP", "" (not svcvip's) or the backends it may pick ("a:p, b:p");
 * *masq: whether the source is masqueraded (kmod/select.c classify()).
 */
static const char *flow(struct world *w, int proto, const char *src, const char *dst,
			uint16_t port, bool *masq)
{
	union svc_inaddr s_a, d_a;
	uint16_t sf, df;
	const struct svc_frontend *fe;
	struct svc_service *s = NULL;
	size_t m[256], n, i;
	bool local = false, mq = false;
	char a[64];

	assert_int_equal(proxy_parse_ip(src, &sf, &s_a), 0);
	assert_int_equal(proxy_parse_ip(dst, &df, &d_a), 0);
	assert_int_equal(sf, df);
	if (masq)
		*masq = false;
	fe = lookup(w, proto, df, &d_a, port, &s);
	if (!fe) {
		if (is_cluster_ip(w, df, &d_a))
			return "REJECT";
		return in_cidrs(&w->cfg.service_cidrs, df, &d_a) ? "DROP" : "";
	}
	if (fe->kind == SVCVIP_FRONTEND_LOADBALANCER && fe->source_ranges.n &&
	    !in_cidrs(&fe->source_ranges, sf, &s_a))
		return "DROP";
	if (!pool(s, df, false, m))
		return "REJECT";
	if (fe->kind == SVCVIP_FRONTEND_CLUSTERIP) {
		local = svc_service_internal_policy(s) == SVCVIP_POLICY_LOCAL;
		mq = w->cfg.cluster_cidrs.n && !in_cidrs(&w->cfg.cluster_cidrs, sf, &s_a);
	} else if (svc_service_external_policy(s) == SVCVIP_POLICY_CLUSTER) {
		mq = true;
	} else if (is_local(sf, &s_a)) {
		mq = true;
	} else if (!in_cidrs(&w->cfg.cluster_cidrs, sf, &s_a)) {
		local = true;
	}
	mq |= w->cfg.masquerade_all;
	n = pool(s, df, local, m);
	if (!n)
		return "DROP";
	if (n == 1 && same(sf, &s->backends[m[0]].addr, &s_a))
		mq = true;			/* hairpin */
	if (masq)
		*masq = mq;
	w->buf[0] = '\0';
	for (i = 0; i < n; i++) {
		const struct svc_backend *be = &s->backends[m[i]];

		addr_str(a, sizeof(a), be->family, &be->addr);
		cat(w->buf, sizeof(w->buf), "%s%s%s%s:%u", i ? ", " : "",
		    be->family == AF_INET6 ? "[" : "", a, be->family == AF_INET6 ? "]" : "",
		    be->port);
	}
	return w->buf;
}

#define TCP IPPROTO_TCP
#define UDP IPPROTO_UDP
#define SCTP IPPROTO_SCTP

/* kube-proxy's packetFlowTest: output and masq */
#define FLOW(w, proto, src, dst, port, out, want_masq) do {				\
	bool _m;									\
	const char *_o = flow((w), (proto), (src), (dst), (port), &_m);		\
	assert_string_equal(_o, (out));						\
	if (strcmp((out), "REJECT") && strcmp((out), "DROP") && *(out))		\
		assert_int_equal(_m, (want_masq));					\
} while (0)

/* JSON pieces */
#define META(ns, name) "'metadata':{'namespace':'" ns "','name':'" name "'}"
#define SLICE_META(ns, svcname, n) "'metadata':{'namespace':'" ns "','name':'" svcname "-" #n \
	"','labels':{'kubernetes.io/service-name':'" svcname "'}}"
#define EPC(ip, node, r, s, t) "{'addresses':['" ip "'],'nodeName':'" node "'," \
	"'conditions':{'ready':" #r ",'serving':" #s ",'terminating':" #t "}}"
#define EP(ip, node) "{'addresses':['" ip "'],'nodeName':'" node "'}"
#define EPN(ip) "{'addresses':['" ip "']}"
#define PORT(name, port, proto) "{'name':'" name "','port':" #port ",'protocol':'" proto "'}"

/* ---- pkg/proxy/topology_test.go TestCategorizeEndpoints ---- */

struct cat_ep {
	const char *ep;			/* "10.1.2.3:80" */
	const char *zones;		/* "zone-a,zone-b" or NULL */
	bool ready, serving, terminating, local;
};

struct cat_case {
	const char *name;
	const char *zone;		/* node label; NULL: none */
	bool itp_local, etp_local;
	bool node_port;			/* externally accessible */
	struct cat_ep eps[6];
	const char *cluster;		/* expected set, NULL: not used */
	const char *local;
	bool has_any;
};

/* Go's BaseEndpointInfo{Ready: true} leaves Serving false; kube-proxy's
 * tests build them so, CategorizeEndpoints reads only what it needs. */
#define R(e, z) { e, z, true, false, false, false }
#define RL(e, z) { e, z, true, false, false, true }
#define U(e, z) { e, z, false, false, false, false }
#define ST(e, l) { e, NULL, false, true, true, l }

static const struct cat_case cat_cases[] = {
	/* cases of the hints annotation era: the annotation is no longer read,
	 * the hints alone decide */
	{ "hints enabled, hints annotation == auto", "zone-a", false, false, false,
	  { R("10.1.2.3:80", "zone-a"), R("10.1.2.4:80", "zone-b"), R("10.1.2.5:80", "zone-c"),
	    R("10.1.2.6:80", "zone-a") }, "10.1.2.3:80 10.1.2.6:80", NULL, true },
	{ "externalTrafficPolicy: Local, topology ignored for Local endpoints", "zone-a",
	  false, true, true,
	  { RL("10.1.2.3:80", "zone-a"), RL("10.1.2.4:80", "zone-b"), R("10.1.2.5:80", "zone-c"),
	    R("10.1.2.6:80", "zone-a") },
	  "10.1.2.3:80 10.1.2.6:80", "10.1.2.3:80 10.1.2.4:80", true },
	{ "internalTrafficPolicy: Local, topology ignored for Local endpoints", "zone-a",
	  true, false, true,
	  { RL("10.1.2.3:80", "zone-a"), RL("10.1.2.4:80", "zone-b"), R("10.1.2.5:80", "zone-c"),
	    R("10.1.2.6:80", "zone-a") },
	  "10.1.2.3:80 10.1.2.6:80", "10.1.2.3:80 10.1.2.4:80", true },
	{ "empty node labels", NULL, false, false, false,
	  { R("10.1.2.3:80", "zone-a") }, "10.1.2.3:80", NULL, true },
	{ "empty zone label", "", false, false, false,
	  { R("10.1.2.3:80", "zone-a") }, "10.1.2.3:80", NULL, true },
	{ "node in different zone, no endpoint filtering", "zone-b", false, false, false,
	  { R("10.1.2.3:80", "zone-a") }, "10.1.2.3:80", NULL, true },
	{ "unready endpoint", "zone-a", false, false, false,
	  { R("10.1.2.3:80", "zone-a"), R("10.1.2.4:80", "zone-b"), R("10.1.2.5:80", "zone-c"),
	    U("10.1.2.6:80", "zone-a") }, "10.1.2.3:80", NULL, true },
	{ "only unready endpoints in same zone (should not filter)", "zone-a", false, false, false,
	  { U("10.1.2.3:80", "zone-a"), R("10.1.2.4:80", "zone-b"), R("10.1.2.5:80", "zone-c"),
	    U("10.1.2.6:80", "zone-a") }, "10.1.2.4:80 10.1.2.5:80", NULL, true },
	{ "missing hints, no filtering applied", "zone-a", false, false, false,
	  { R("10.1.2.3:80", "zone-a"), R("10.1.2.4:80", "zone-b"), R("10.1.2.5:80", NULL),
	    R("10.1.2.6:80", "zone-a") },
	  "10.1.2.3:80 10.1.2.4:80 10.1.2.5:80 10.1.2.6:80", NULL, true },
	{ "multiple hints per endpoint, filtering includes any endpoint with zone included",
	  "zone-c", false, false, false,
	  { R("10.1.2.3:80", "zone-a,zone-b,zone-c"), R("10.1.2.4:80", "zone-b,zone-c"),
	    R("10.1.2.5:80", "zone-b,zone-d"), R("10.1.2.6:80", "zone-c") },
	  "10.1.2.3:80 10.1.2.4:80 10.1.2.6:80", NULL, true },
	{ "conflicting topology and localness require merging allEndpoints", "zone-a",
	  false, true, true,
	  { RL("10.0.0.0:80", "zone-a"), RL("10.0.0.1:80", "zone-b"), R("10.0.0.2:80", "zone-a"),
	    R("10.0.0.3:80", "zone-b") },
	  "10.0.0.0:80 10.0.0.2:80", "10.0.0.0:80 10.0.0.1:80", true },
	{ "internalTrafficPolicy: Local, with empty endpoints", NULL, true, false, false,
	  { { NULL } }, NULL, "", false },
	{ "internalTrafficPolicy: Local, but all endpoints are remote", NULL, true, false, false,
	  { R("10.0.0.0:80", NULL), R("10.0.0.1:80", NULL) }, NULL, "", true },
	{ "internalTrafficPolicy: Local, all endpoints are local", NULL, true, false, false,
	  { RL("10.0.0.0:80", NULL), RL("10.0.0.1:80", NULL) }, NULL,
	  "10.0.0.0:80 10.0.0.1:80", true },
	{ "internalTrafficPolicy: Local, some endpoints are local", NULL, true, false, false,
	  { RL("10.0.0.0:80", NULL), R("10.0.0.1:80", NULL) }, NULL, "10.0.0.0:80", true },
	{ "Cluster traffic policy, endpoints not Ready", NULL, false, false, false,
	  { U("10.0.0.0:80", NULL), U("10.0.0.1:80", NULL) }, "", NULL, false },
	{ "Cluster traffic policy, some endpoints are Ready", NULL, false, false, false,
	  { U("10.0.0.0:80", NULL), R("10.0.0.1:80", NULL) }, "10.0.0.1:80", NULL, true },
	{ "Cluster traffic policy, PTE enabled, all endpoints are terminating", NULL,
	  false, false, false,
	  { ST("10.0.0.0:80", true), ST("10.0.0.1:80", false) },
	  "10.0.0.0:80 10.0.0.1:80", NULL, true },
	{ "iTP: Local, eTP: Cluster, some endpoints local", NULL, true, false, true,
	  { RL("10.0.0.0:80", NULL), R("10.0.0.1:80", NULL) },
	  "10.0.0.0:80 10.0.0.1:80", "10.0.0.0:80", true },
	{ "iTP: Cluster, eTP: Local, some endpoints local", NULL, false, true, true,
	  { RL("10.0.0.0:80", NULL), R("10.0.0.1:80", NULL) },
	  "10.0.0.0:80 10.0.0.1:80", "10.0.0.0:80", true },
	{ "iTP: Local, eTP: Local, some endpoints local", NULL, true, true, true,
	  { RL("10.0.0.0:80", NULL), R("10.0.0.1:80", NULL) },
	  "10.0.0.0:80 10.0.0.1:80", "10.0.0.0:80", true },
	{ "iTP: Local, eTP: Local, all endpoints remote", NULL, true, true, true,
	  { R("10.0.0.0:80", NULL), R("10.0.0.1:80", NULL) },
	  "10.0.0.0:80 10.0.0.1:80", "", true },
	{ "iTP: Local, eTP: Local, PTE enabled, all endpoints remote and terminating", NULL,
	  true, true, true,
	  { ST("10.0.0.0:80", false), ST("10.0.0.1:80", false) },
	  "10.0.0.0:80 10.0.0.1:80", "", true },
	{ "iTP: Cluster, eTP: Local, PTE enabled, with terminating endpoints", NULL,
	  false, true, true,
	  { R("10.0.0.0:80", NULL), { "10.0.0.1:80", NULL, false, false, false, true },
	    ST("10.0.0.2:80", true), ST("10.0.0.3:80", false) },
	  "10.0.0.0:80", "10.0.0.2:80", true },
	{ "externalTrafficPolicy ignored if not externally accessible", NULL, false, true, false,
	  { R("10.0.0.0:80", NULL), RL("10.0.0.1:80", NULL) },
	  "10.0.0.0:80 10.0.0.1:80", NULL, true },
	{ "no cluster endpoints for iTP:Local internal-only service", NULL, true, false, false,
	  { R("10.0.0.0:80", NULL), RL("10.0.0.1:80", NULL) }, NULL, "10.0.0.1:80", true },
	/* nftables proxier_test.go TestTerminatingEndpointsTrafficPolicyLocal
	 * "ready endpoints exist", as categories */
	{ "TestTerminatingEndpointsTrafficPolicyLocal ready endpoints exist", NULL,
	  false, true, true,
	  { RL("10.0.1.1:80", NULL), RL("10.0.1.2:80", NULL), ST("10.0.1.3:80", true),
	    { "10.0.1.4:80", NULL, false, false, true, true }, R("10.0.1.5:80", NULL) },
	  "10.0.1.1:80 10.0.1.2:80 10.0.1.5:80", "10.0.1.1:80 10.0.1.2:80", true },
};

static void split(struct k8s_strs *s, const char *list)
{
	char *copy, *tok, *save = NULL;

	memset(s, 0, sizeof(*s));
	if (!list)
		return;
	copy = strdup(list);
	s->v = calloc(8, sizeof(char *));
	assert_non_null(copy);
	assert_non_null(s->v);
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		s->v[s->n++] = strdup(tok);
	free(copy);
}

static void set_str(char *buf, size_t len, const struct proxy_endpoint *eps,
		    const uint8_t *in, size_t n, uint8_t bit)
{
	size_t i;
	char a[64];

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		if (!(in[i] & bit))
			continue;
		addr_str(a, sizeof(a), eps[i].family, &eps[i].addr);
		cat(buf, len, "%s%s:%u", buf[0] ? " " : "", a, eps[i].port);
	}
}

static void test_categorize(void **state)
{
	const struct cat_case *c = *state;
	struct proxy_endpoint eps[6];
	struct k8s_strs zones[6];
	uint8_t in[6];
	char got[256];
	bool topo, any;
	size_t n, i;

	memset(eps, 0, sizeof(eps));
	for (n = 0; n < 6 && c->eps[n].ep; n++) {
		char ip[32];
		const char *colon = strrchr(c->eps[n].ep, ':');

		snprintf(ip, sizeof(ip), "%.*s", (int)(colon - c->eps[n].ep), c->eps[n].ep);
		assert_int_equal(proxy_parse_ip(ip, &eps[n].family, &eps[n].addr), 0);
		eps[n].port = (uint16_t)atoi(colon + 1);
		eps[n].ready = c->eps[n].ready;
		eps[n].serving = c->eps[n].serving;
		eps[n].terminating = c->eps[n].terminating;
		eps[n].local = c->eps[n].local;
		split(&zones[n], c->eps[n].zones);
		eps[n].zone_hints = &zones[n];
	}
	/* UsesClusterEndpoints / UsesLocalEndpoints of BaseServicePortInfo */
	any = proxy_categorize(eps, n, !c->itp_local || c->node_port,
			       c->itp_local || (c->etp_local && c->node_port), "test-node",
			       c->zone, in, &topo);
	if (c->cluster) {
		set_str(got, sizeof(got), eps, in, n, PROXY_IN_CLUSTER);
		assert_string_equal(got, c->cluster);
	} else {
		for (i = 0; i < n; i++)
			assert_false(in[i] & PROXY_IN_CLUSTER);
	}
	if (c->local) {
		set_str(got, sizeof(got), eps, in, n, PROXY_IN_LOCAL);
		assert_string_equal(got, c->local);
	} else {
		for (i = 0; i < n; i++)
			assert_false(in[i] & PROXY_IN_LOCAL);
	}
	assert_int_equal(any, c->has_any);
	for (i = 0; i < n; i++)
		k8s_strs_free(&zones[i]);
}

/* ---- pkg/proxy/endpointslicecache_test.go TestEndpointsMapFromESC ---- */

/* generateEndpointSliceWithOffset(): endpoint i of n at 10.0.offset.i, on
 * hosts[i % len], unready when i % unreadyMod == 0, serving + terminating
 * when i % terminatingMod == 0; ports "port-K" (0 = a nil port). */
static void gen_slice(struct world *w, const char *svcname, const char *ns, int slice_num,
		      int offset, int n, int unready_mod, int term_mod, const char *const *hosts,
		      size_t nhosts, const int *ports, size_t nports)
{
	char *b = malloc(8192);
	int i;
	size_t k;

	assert_non_null(b);
	snprintf(b, 8192, "{'metadata':{'namespace':'%s','name':'%s-%d','labels':"
		 "{'kubernetes.io/service-name':'%s'}},'addressType':'IPv4','ports':[",
		 ns, svcname, slice_num, svcname);
	for (k = 0; k < nports; k++) {
		if (ports[k])
			cat(b, 8192, "%s{'name':'port-%zu','protocol':'TCP','port':%d}",
			    k ? "," : "", k, ports[k]);
		else
			cat(b, 8192, "%s{'name':'port-%zu','protocol':'TCP'}", k ? "," : "", k);
	}
	cat(b, 8192, "],'endpoints':[");
	for (i = 1; i <= n; i++) {
		bool ready = i % unready_mod != 0, term = i % term_mod == 0;

		cat(b, 8192, "%s{'addresses':['10.0.%d.%d'],'conditions':{'ready':%s,"
			 "'serving':%s,'terminating':%s}", i > 1 ? "," : "", offset, i,
		    ready && !term ? "true" : "false", ready || term ? "true" : "false",
		    term ? "true" : "false");
		if (nhosts)
			cat(b, 8192, ",'nodeName':'%s'", hosts[(size_t)i % nhosts]);
		cat(b, 8192, "}");
	}
	cat(b, 8192, "]}");
	slice(w, b);
	free(b);
}

/* "ip:port" plus L (local), R (ready), S (serving), T (terminating) */
static const char *port_eps(struct world *w, const char *host, const char *portname)
{
	const struct k8s_endpoint_slice *sl[MAXOBJ];
	struct k8s_service_port sp = { .name = (char *)portname, .protocol = TCP, .port = 80 };
	struct proxy_endpoint *eps;
	size_t n, i;
	char a[64];

	for (i = 0; i < w->nes; i++)
		sl[i] = &w->es[i];
	w->o.node_name = host;
	assert_int_equal(proxy_port_endpoints(&w->o, &w->svc[0], &sp, AF_INET, sl, w->nes,
					      &eps, &n), 0);
	w->buf[0] = '\0';
	for (i = 0; i < n; i++) {
		addr_str(a, sizeof(a), eps[i].family, &eps[i].addr);
		cat(w->buf, sizeof(w->buf), "%s%s:%u%s%s%s%s", i ? ", " : "", a, eps[i].port,
		    eps[i].local ? " L" : "", eps[i].ready ? " R" : "",
		    eps[i].serving ? " S" : "", eps[i].terminating ? " T" : "");
	}
	free(eps);
	return w->buf;
}

static struct world *esc_world(void)
{
	struct world *w = world_new();

	svc(w, "{" META("ns1", "svc1") ",'spec':{'clusterIP':'172.30.0.41','ports':["
	    "{'name':'port-0','port':80},{'name':'port-1','port':443}]}}");
	return w;
}

/* TestEndpointsMapFromESC "1 slice, 2 hosts, ports 80,443" */
static void esc_1_slice_2_hosts(void **state)
{
	static const char *const hosts[] = { "host1", "host2" };
	static const int ports[] = { 80, 443 };
	struct world *w = esc_world();

	(void)state;
	gen_slice(w, "svc1", "ns1", 1, 1, 3, 999, 999, hosts, 2, ports, 2);
	assert_string_equal(port_eps(w, "host1", "port-0"),
			    "10.0.1.1:80 R S, 10.0.1.2:80 L R S, 10.0.1.3:80 R S");
	assert_string_equal(port_eps(w, "host1", "port-1"),
			    "10.0.1.1:443 R S, 10.0.1.2:443 L R S, 10.0.1.3:443 R S");
	world_free(w);
}

/* TestEndpointsMapFromESC "2 slices, same port" */
static void esc_2_slices_same_port(void **state)
{
	static const int ports[] = { 80 };
	struct world *w = esc_world();

	(void)state;
	gen_slice(w, "svc1", "ns1", 1, 1, 3, 999, 999, NULL, 0, ports, 1);
	gen_slice(w, "svc1", "ns1", 2, 2, 3, 999, 999, NULL, 0, ports, 1);
	assert_string_equal(port_eps(w, "", "port-0"),
			    "10.0.1.1:80 R S, 10.0.1.2:80 R S, 10.0.1.3:80 R S, "
			    "10.0.2.1:80 R S, 10.0.2.2:80 R S, 10.0.2.3:80 R S");
	world_free(w);
}

/* TestEndpointsMapFromESC "2 overlapping slices, same port": the union */
static void esc_2_overlapping_slices(void **state)
{
	static const int ports[] = { 80 };
	struct world *w = esc_world();

	(void)state;
	gen_slice(w, "svc1", "ns1", 1, 1, 3, 999, 999, NULL, 0, ports, 1);
	gen_slice(w, "svc1", "ns1", 2, 1, 4, 999, 999, NULL, 0, ports, 1);
	assert_string_equal(port_eps(w, "", "port-0"),
			    "10.0.1.1:80 R S, 10.0.1.2:80 R S, 10.0.1.3:80 R S, 10.0.1.4:80 R S");
	world_free(w);
}

/* TestEndpointsMapFromESC "2 slices, overlapping endpoints, some endpoints
 * unready and some endpoints terminating" (kube-proxy's second slice has
 * the first one's name and replaces it: the store's job; here the second
 * alone) */
static void esc_unready_and_terminating(void **state)
{
	static const int ports[] = { 80 };
	struct world *w = esc_world();

	(void)state;
	gen_slice(w, "svc1", "ns1", 1, 1, 10, 6, 5, NULL, 0, ports, 1);
	assert_string_equal(port_eps(w, "", "port-0"),
			    "10.0.1.1:80 R S, 10.0.1.2:80 R S, 10.0.1.3:80 R S, 10.0.1.4:80 R S, "
			    "10.0.1.5:80 S T, 10.0.1.6:80, 10.0.1.7:80 R S, 10.0.1.8:80 R S, "
			    "10.0.1.9:80 R S, 10.0.1.10:80 S T");
	world_free(w);
}

/* TestEndpointsMapFromESC "3 slices with different services and namespaces" */
static void esc_3_slices_other_services(void **state)
{
	static const int ports[] = { 80 };
	struct world *w = esc_world();

	(void)state;
	gen_slice(w, "svc1", "ns1", 1, 1, 3, 999, 999, NULL, 0, ports, 1);
	gen_slice(w, "svc2", "ns1", 2, 2, 3, 999, 999, NULL, 0, ports, 1);
	gen_slice(w, "svc1", "ns2", 3, 3, 3, 999, 999, NULL, 0, ports, 1);
	assert_string_equal(port_eps(w, "", "port-0"),
			    "10.0.1.1:80 R S, 10.0.1.2:80 R S, 10.0.1.3:80 R S");
	world_free(w);
}

/* TestEndpointsMapFromESC "Nil port should not break anything" */
static void esc_nil_port(void **state)
{
	static const char *const hosts[] = { "host1", "host2" };
	static const int ports[] = { 0 };
	struct world *w = esc_world();

	(void)state;
	gen_slice(w, "svc1", "ns1", 1, 1, 3, 999, 999, hosts, 2, ports, 1);
	assert_string_equal(port_eps(w, "host1", "port-0"), "");
	world_free(w);
}

/* TestEndpointsMapFromESC "Different endpoints with duplicate IPs should not be filtered" */
static void esc_duplicate_ips_two_ports(void **state)
{
	static const char *const hosts[] = { "host1", "host2" };
	static const int p80[] = { 80 }, p8080[] = { 8080 };
	struct world *w = esc_world();

	(void)state;
	gen_slice(w, "svc1", "ns1", 1, 1, 2, 999, 999, hosts, 2, p80, 1);
	gen_slice(w, "svc1", "ns1", 2, 1, 2, 999, 999, hosts, 2, p8080, 1);
	assert_string_equal(port_eps(w, "host1", "port-0"),
			    "10.0.1.1:80 R S, 10.0.1.1:8080 R S, 10.0.1.2:80 L R S, "
			    "10.0.1.2:8080 L R S");
	/* and all four become backends of the one service port */
	build(w);
	assert_string_equal(bes(w, "ns1/svc1:port-0"),
			    "10.0.1.1:80, 10.0.1.1:8080, 10.0.1.2:80 L, 10.0.1.2:8080 L");
	world_free(w);
}

/* semantics doc: a non-terminating duplicate replaces a terminating one,
 * otherwise the first copy wins (endpointslicecache.go addEndpoints) */
static void esc_duplicate_terminating_replaced(void **state)
{
	struct world *w = esc_world();

	(void)state;
	slice(w, "{" SLICE_META("ns1", "svc1", 1) ",'addressType':'IPv4','ports':["
	      PORT("port-0", 80, "TCP") "],'endpoints':[" EPC("10.0.1.1", "n", false, true, true)
	      "," EPC("10.0.1.2", "n", true, true, false) "]}");
	slice(w, "{" SLICE_META("ns1", "svc1", 2) ",'addressType':'IPv4','ports':["
	      PORT("port-0", 80, "TCP") "],'endpoints':[" EPC("10.0.1.1", "n", true, true, false)
	      "," EPC("10.0.1.2", "n", false, false, false) "]}");
	assert_string_equal(port_eps(w, "", "port-0"), "10.0.1.1:80 R S, 10.0.1.2:80 R S");
	world_free(w);
}

/* ---- pkg/proxy/servicechangetracker_test.go TestServiceToServiceMap ---- */

/* "headless service" / "headless sctp service" / "headless service without port" */
static void svcmap_headless(void **state)
{
	struct world *w = world_new();

	(void)state;
	svc(w, "{" META("ns2", "headless") ",'spec':{'type':'ClusterIP','clusterIP':'None',"
	    "'ports':[{'name':'rpc','protocol':'UDP','port':1234}]}}");
	svc(w, "{" META("ns2", "headless-sctp") ",'spec':{'type':'ClusterIP','clusterIP':'None',"
	    "'ports':[{'name':'sip','protocol':'SCTP','port':7777}]}}");
	svc(w, "{" META("ns2", "headless-without-port") ",'spec':{'clusterIP':'None'}}");
	build(w);
	assert_int_equal(w->t.n, 0);
	assert_false(proxy_service_wanted(&w->svc[0]));
	world_free(w);
}

/* "cluster ip service" */
static void svcmap_cluster_ip(void **state)
{
	struct world *w = world_new();

	(void)state;
	svc(w, "{" META("ns2", "cluster-ip") ",'spec':{'type':'ClusterIP','clusterIP':'172.16.55.4',"
	    "'ports':[{'name':'p1','protocol':'UDP','port':1234,'nodePort':4321},"
	    "{'name':'p2','protocol':'UDP','port':1235,'nodePort':5321}]}}");
	build(w);
	assert_int_equal(w->t.n, 2);
	/* a ClusterIP service's nodePort field is still programmed, as kube-proxy does */
	assert_string_equal(fes(w, "ns2/cluster-ip:p1"),
			    "clusterip 172.16.55.4:1234, nodeport ipv4:4321");
	assert_int_equal(find(w, "ns2/cluster-ip:p2")->protocol, UDP);
	assert_int_equal(w->info[0].health_check_node_port, 0);
	world_free(w);
}

/* "nodeport service" */
static void svcmap_nodeport(void **state)
{
	struct world *w = world_new();

	(void)state;
	svc(w, "{" META("ns2", "node-port") ",'spec':{'type':'NodePort','clusterIP':'172.16.55.10',"
	    "'ports':[{'name':'port1','protocol':'UDP','port':345,'nodePort':678},"
	    "{'name':'port2','protocol':'TCP','port':344,'nodePort':677}]}}");
	build(w);
	assert_string_equal(fes(w, "ns2/node-port:port1"),
			    "clusterip 172.16.55.10:345, nodeport ipv4:678");
	assert_string_equal(fes(w, "ns2/node-port:port2"),
			    "clusterip 172.16.55.10:344, nodeport ipv4:677");
	assert_int_equal(find(w, "ns2/node-port:port2")->protocol, TCP);
	world_free(w);
}

/* "load balancer service" (spec.loadBalancerIP is not read, the ingress is) */
static void svcmap_load_balancer(void **state)
{
	struct world *w = world_new();

	(void)state;
	svc(w, "{" META("ns1", "load-balancer") ",'spec':{'type':'LoadBalancer',"
	    "'clusterIP':'172.16.55.11','loadBalancerIP':'5.6.7.8','ports':["
	    "{'name':'port3','protocol':'UDP','port':8675,'nodePort':30061},"
	    "{'name':'port4','protocol':'UDP','port':8676,'nodePort':30062}]},"
	    "'status':{'loadBalancer':{'ingress':[{'ip':'10.1.2.4'}]}}}");
	build(w);
	assert_string_equal(fes(w, "ns1/load-balancer:port3"),
			    "clusterip 172.16.55.11:8675, loadbalancer 10.1.2.4:8675, "
			    "nodeport ipv4:30061");
	assert_string_equal(fes(w, "ns1/load-balancer:port4"),
			    "clusterip 172.16.55.11:8676, loadbalancer 10.1.2.4:8676, "
			    "nodeport ipv4:30062");
	world_free(w);
}

/* "load balancer service ipMode VIP feature gate enabled" and
 * "load balancer service ipMode Proxy feature gate enabled" */
static void svcmap_load_balancer_ipmode(void **state)
{
	struct world *w = world_new();

	(void)state;
	svc(w, "{" META("ns1", "vip") ",'spec':{'type':'LoadBalancer','clusterIP':'172.16.55.11',"
	    "'ports':[{'name':'port3','protocol':'UDP','port':8675,'nodePort':30061}]},"
	    "'status':{'loadBalancer':{'ingress':[{'ip':'10.1.2.4','ipMode':'VIP'}]}}}");
	svc(w, "{" META("ns1", "proxy") ",'spec':{'type':'LoadBalancer','clusterIP':'172.16.55.12',"
	    "'ports':[{'name':'port3','protocol':'UDP','port':8675,'nodePort':30062}]},"
	    "'status':{'loadBalancer':{'ingress':[{'ip':'10.1.2.5','ipMode':'Proxy'},"
	    "{'hostname':'lb.example.com'}]}}}");
	build(w);
	assert_string_equal(fes(w, "ns1/vip:port3"),
			    "clusterip 172.16.55.11:8675, loadbalancer 10.1.2.4:8675, "
			    "nodeport ipv4:30061");
	assert_string_equal(fes(w, "ns1/proxy:port3"),
			    "clusterip 172.16.55.12:8675, nodeport ipv4:30062");
	world_free(w);
}

/* "load balancer service with only local traffic policy" */
static void svcmap_only_local_lb(void **state)
{
	struct world *w = world_new();
	struct svc_service *s;

	(void)state;
	svc(w, "{" META("ns1", "only-local-load-balancer") ",'spec':{'type':'LoadBalancer',"
	    "'clusterIP':'172.16.55.12','externalTrafficPolicy':'Local','healthCheckNodePort':345,"
	    "'ports':[{'name':'portx','protocol':'UDP','port':8677,'nodePort':30063},"
	    "{'name':'porty','protocol':'UDP','port':8678,'nodePort':30064}]},"
	    "'status':{'loadBalancer':{'ingress':[{'ip':'10.1.2.3'}]}}}");
	build(w);
	assert_int_equal(w->info[0].health_check_node_port, 345);
	assert_int_equal(w->info[0].services, 2);
	s = find(w, "ns1/only-local-load-balancer:portx");
	assert_int_equal(svc_service_external_policy(s), SVCVIP_POLICY_LOCAL);
	assert_int_equal(svc_service_internal_policy(s), SVCVIP_POLICY_CLUSTER);
	world_free(w);
}

/* "external name service" */
static void svcmap_external_name(void **state)
{
	struct world *w = world_new();

	(void)state;
	svc(w, "{" META("ns2", "external-name") ",'spec':{'type':'ExternalName',"
	    "'clusterIP':'172.16.55.4','externalName':'foo2.bar.com',"
	    "'ports':[{'name':'portz','protocol':'UDP','port':1235,'nodePort':5321}]}}");
	build(w);
	assert_int_equal(w->t.n, 0);
	world_free(w);
}

/* "service with ipv6 clusterIP under ipv4 mode, service should be filtered"
 * and "... ipv4 clusterIP under ipv6 mode ...": in one dual-stack table each
 * family keeps only its own addresses. */
static void svcmap_family_filter(void **state)
{
	struct world *w = world_new();

	(void)state;
	svc(w, "{" META("test", "invalidIPv6InIPV4Mode") ",'spec':{"
	    "'clusterIP':'2001:db8:85a3:0:0:8a2e:370:7334',"
	    "'ports':[{'name':'testPort','port':12345,'protocol':'TCP'}]},"
	    "'status':{'loadBalancer':{'ingress':[{'ip':'8.8.8.8'},"
	    "{'ip':'2001:db8:85a3:0:0:8a2e:370:7335'}]}}}");
	build(w);
	assert_string_equal(fes(w, "test/invalidIPv6InIPV4Mode:testPort"),
			    "clusterip [2001:db8:85a3::8a2e:370:7334]:12345, "
			    "loadbalancer [2001:db8:85a3::8a2e:370:7335]:12345");
	world_free(w);
}

/* "service with ipv4 configurations under ipv4 mode": externalIPs, source
 * ranges and VIPs of the family; the externalIP equal to the LB IP is one
 * frontend (proxy.h gap 2) */
static void svcmap_ipv4_configurations(void **state)
{
	struct world *w = world_new();

	(void)state;
	svc(w, "{" META("test", "validIPv4") ",'spec':{'clusterIP':'10.0.0.1',"
	    "'externalIPs':['8.8.8.8','2001:db8:85a3:0:0:8a2e:370:7335'],"
	    "'loadBalancerSourceRanges':['0.0.0.0/1','2001:db8::/32'],"
	    "'ports':[{'name':'testPort','port':12345,'protocol':'TCP'}]},"
	    "'status':{'loadBalancer':{'ingress':[{'ip':'8.8.8.8'},"
	    "{'ip':'2001:db8:85a3:0:0:8a2e:370:7335'}]}}}");
	build(w);
	/* no IPv6 cluster IP: the IPv6 family is not programmed at all */
	assert_string_equal(fes(w, "test/validIPv4:testPort"),
			    "clusterip 10.0.0.1:12345, loadbalancer 8.8.8.8:12345 [0.0.0.0/1]");
	world_free(w);
}

/* ---- nftables/proxier_test.go TestBuildServiceMap* ---- */

/* TestBuildServiceMapAddRemove */
static void build_service_map_add_remove(void **state)
{
	struct world *w = world_new();
	size_t i, hc = 0;

	(void)state;
	svc(w, "{" META("somewhere-else", "cluster-ip") ",'spec':{'type':'ClusterIP',"
	    "'clusterIP':'172.30.55.4','ports':[{'name':'something','protocol':'UDP','port':1234,"
	    "'nodePort':4321},{'name':'somethingelse','protocol':'UDP','port':1235,'nodePort':5321},"
	    "{'name':'sctpport','protocol':'SCTP','port':1236,'nodePort':6321}]}}");
	svc(w, "{" META("somewhere-else", "node-port") ",'spec':{'type':'NodePort',"
	    "'clusterIP':'172.30.55.10','ports':[{'name':'blahblah','protocol':'UDP','port':345,"
	    "'nodePort':678},{'name':'moreblahblah','protocol':'TCP','port':344,'nodePort':677},"
	    "{'name':'muchmoreblah','protocol':'SCTP','port':343,'nodePort':676}]}}");
	svc(w, "{" META("somewhere", "load-balancer") ",'spec':{'type':'LoadBalancer',"
	    "'clusterIP':'172.30.55.11','loadBalancerIP':'1.2.3.4','ports':[{'name':'foobar',"
	    "'protocol':'UDP','port':8675,'nodePort':30061},{'name':'baz','protocol':'UDP',"
	    "'port':8676,'nodePort':30062}]},'status':{'loadBalancer':{'ingress':[{'ip':'1.2.3.4'}]}}}");
	svc(w, "{" META("somewhere", "only-local-load-balancer") ",'spec':{'type':'LoadBalancer',"
	    "'clusterIP':'172.30.55.12','loadBalancerIP':'5.6.7.8','externalTrafficPolicy':'Local',"
	    "'healthCheckNodePort':345,'ports':[{'name':'foobar2','protocol':'UDP','port':8677,"
	    "'nodePort':30063},{'name':'baz','protocol':'UDP','port':8678,'nodePort':30064}]},"
	    "'status':{'loadBalancer':{'ingress':[{'ip':'5.6.7.8'}]}}}");
	build(w);
	assert_int_equal(w->t.n, 10);
	for (i = 0; i < w->nsvc; i++)
		hc += w->info[i].health_check_node_port != 0;
	assert_int_equal(hc, 1);
	assert_int_equal(w->info[3].health_check_node_port, 345);
	/* remove the first port of services[0] and services[1..3] */
	k8s_service_free(&w->svc[0]);
	k8s_service_free(&w->svc[1]);
	k8s_service_free(&w->svc[2]);
	k8s_service_free(&w->svc[3]);
	w->nsvc = 0;
	svc(w, "{" META("somewhere-else", "cluster-ip") ",'spec':{'type':'ClusterIP',"
	    "'clusterIP':'172.30.55.4','ports':[{'name':'somethingelse','protocol':'UDP',"
	    "'port':1235,'nodePort':5321}]}}");
	build(w);
	assert_int_equal(w->t.n, 1);
	assert_int_equal(w->info[0].health_check_node_port, 0);
	world_free(w);
}

/* TestBuildServiceMapServiceUpdate: ClusterIP -> LoadBalancer (ETP Local)
 * -> ClusterIP; the health check port follows */
static void build_service_map_service_update(void **state)
{
	static const char *const v1 = "{" META("somewhere", "some-service") ",'spec':{"
		"'type':'ClusterIP','clusterIP':'172.30.55.4','ports':[{'name':'something',"
		"'protocol':'UDP','port':1234,'nodePort':4321},{'name':'somethingelse',"
		"'protocol':'TCP','port':1235,'nodePort':5321}]}}";
	static const char *const v2 = "{" META("somewhere", "some-service") ",'spec':{"
		"'type':'LoadBalancer','clusterIP':'172.30.55.4','loadBalancerIP':'1.2.3.4',"
		"'externalTrafficPolicy':'Local','healthCheckNodePort':345,'ports':["
		"{'name':'something','protocol':'UDP','port':1234,'nodePort':4321},"
		"{'name':'somethingelse','protocol':'TCP','port':1235,'nodePort':5321}]},"
		"'status':{'loadBalancer':{'ingress':[{'ip':'1.2.3.4'}]}}}";
	struct world *w = world_new();
	struct svc_service first;

	(void)state;
	svc(w, v1);
	build(w);
	assert_int_equal(w->t.n, 2);
	assert_int_equal(w->info[0].health_check_node_port, 0);
	assert_int_equal(svc_service_copy(&first, find(w, "somewhere/some-service:something")), 0);
	k8s_service_free(&w->svc[0]);
	w->nsvc = 0;
	svc(w, v2);
	build(w);
	assert_int_equal(w->t.n, 2);
	assert_int_equal(w->info[0].health_check_node_port, 345);
	/* no change: the same table */
	build(w);
	assert_int_equal(w->info[0].health_check_node_port, 345);
	k8s_service_free(&w->svc[0]);
	w->nsvc = 0;
	svc(w, v1);
	build(w);
	assert_int_equal(w->info[0].health_check_node_port, 0);
	/* back to the first version: an identical service, nothing to program */
	assert_true(svc_service_equal(&first, find(w, "somewhere/some-service:something")));
	svc_service_free(&first);
	world_free(w);
}

/* TestHealthCheckNodePortWhenTerminating: local ready endpoints are counted,
 * not ready or terminating ones are not */
static void health_check_node_port_when_terminating(void **state)
{
	struct world *w = world_new();

	(void)state;
	svc(w, "{" META("ns1", "svc1") ",'spec':{'clusterIP':'172.30.1.1','ports':["
	    "{'name':'','protocol':'TCP','port':80}]}}");
	slice(w, "{" SLICE_META("ns1", "svc1", 1) ",'addressType':'IPv4','ports':["
	      PORT("", 80, "TCP") "],'endpoints':["
	      "{'addresses':['10.0.1.1'],'conditions':{'ready':true},'nodeName':'test-node'},"
	      "{'addresses':['10.0.1.2'],'conditions':{'ready':true},'nodeName':'test-node'},"
	      "{'addresses':['10.0.1.3'],'conditions':{'ready':true},'nodeName':'test-node'},"
	      "{'addresses':['10.0.1.4'],'conditions':{'ready':false},'nodeName':'test-node'}]}");
	build(w);
	assert_int_equal(w->info[0].local_endpoints, 3);
	k8s_endpoint_slice_free(&w->es[0]);
	w->nes = 0;
	slice(w, "{" SLICE_META("ns1", "svc1", 1) ",'addressType':'IPv4','ports':["
	      PORT("", 80, "TCP") "],'endpoints':["
	      EPC("10.0.1.1", "test-node", false, true, false) ","
	      EPC("10.0.1.2", "test-node", false, true, true) ","
	      EPC("10.0.1.3", "test-node", false, true, true) ","
	      EPC("10.0.1.4", "test-node", false, false, true) "]}");
	build(w);
	assert_int_equal(w->info[0].local_endpoints, 0);
	/* the unusable one stays without new connections, the not serving one goes */
	assert_string_equal(bes(w, "ns1/svc1:"), "10.0.1.1:80 w0 L, 10.0.1.2:80 L T, "
			    "10.0.1.3:80 L T");
	world_free(w);
}

/* ---- nftables/proxier_test.go: rules and packet flows ---- */

/* TestOverallNFTablesRules: svc1..svc6, frontends, backends, affinity */
static void overall_nftables_rules(void **state)
{
	struct world *w = world_new();
	struct svc_service *s;

	(void)state;
	svc(w, "{" META("ns1", "svc1") ",'spec':{'clusterIP':'172.30.0.41','ports':["
	    "{'name':'p80','port':80,'protocol':'TCP'}]}}");
	svc(w, "{" META("ns2", "svc2") ",'spec':{'type':'LoadBalancer','externalTrafficPolicy':"
	    "'Local','clusterIP':'172.30.0.42','externalIPs':['192.168.99.22'],"
	    "'healthCheckNodePort':30000,'ports':[{'name':'p80','port':80,'protocol':'TCP',"
	    "'nodePort':3001}]},'status':{'loadBalancer':{'ingress':[{'ip':'1.2.3.4'}]}}}");
	svc(w, "{" META("ns3", "svc3") ",'spec':{'type':'NodePort','clusterIP':'172.30.0.43',"
	    "'ports':[{'name':'p80','port':80,'protocol':'TCP','nodePort':3003}]}}");
	svc(w, "{" META("ns4", "svc4") ",'spec':{'type':'NodePort','clusterIP':'172.30.0.44',"
	    "'externalIPs':['192.168.99.33'],'ports':[{'name':'p80','port':80,'protocol':'TCP',"
	    "'targetPort':80}]}}");
	svc(w, "{" META("ns5", "svc5") ",'spec':{'type':'LoadBalancer','externalTrafficPolicy':"
	    "'Cluster','clusterIP':'172.30.0.45','healthCheckNodePort':30000,"
	    "'loadBalancerSourceRanges':[' 203.0.113.0/25'],'sessionAffinity':'ClientIP',"
	    "'sessionAffinityConfig':{'clientIP':{'timeoutSeconds':10800}},'ports':[{'name':'p80',"
	    "'port':80,'protocol':'TCP','nodePort':3002}]},"
	    "'status':{'loadBalancer':{'ingress':[{'ip':'5.6.7.8'}]}}}");
	svc(w, "{" META("ns6", "svc6") ",'spec':{'type':'ClusterIP','clusterIP':'172.30.0.46',"
	    "'ports':[{'name':'p80','port':80,'protocol':'TCP','targetPort':80}]}}");
	slice(w, "{" SLICE_META("ns1", "svc1", 1) ",'addressType':'IPv4','ports':["
	      PORT("p80", 80, "TCP") "],'endpoints':[" EPN("10.180.0.1") "]}");
	slice(w, "{" SLICE_META("ns2", "svc2", 1) ",'addressType':'IPv4','ports':["
	      PORT("p80", 80, "TCP") "],'endpoints':[" EPN("10.180.0.2") "]}");
	slice(w, "{" SLICE_META("ns3", "svc3", 1) ",'addressType':'IPv4','ports':["
	      PORT("p80", 80, "TCP") "],'endpoints':[" EPN("10.180.0.3") "]}");
	slice(w, "{" SLICE_META("ns4", "svc4", 1) ",'addressType':'IPv4','ports':["
	      PORT("p80", 80, "TCP") "],'endpoints':[" EPN("10.180.0.4") ","
	      EP("10.180.0.5", "test-node") "]}");
	slice(w, "{" SLICE_META("ns5", "svc5", 1) ",'addressType':'IPv4','ports':["
	      PORT("p80", 80, "TCP") "],'endpoints':[" EPN("10.180.0.3") "]}");
	build(w);
	assert_int_equal(w->t.n, 6);
	assert_string_equal(fes(w, "ns1/svc1:p80"), "clusterip 172.30.0.41:80");
	assert_string_equal(bes(w, "ns1/svc1:p80"), "10.180.0.1:80");
	assert_string_equal(fes(w, "ns2/svc2:p80"), "clusterip 172.30.0.42:80, externalip "
			    "192.168.99.22:80, loadbalancer 1.2.3.4:80, nodeport ipv4:3001");
	s = find(w, "ns2/svc2:p80");
	assert_int_equal(svc_service_external_policy(s), SVCVIP_POLICY_LOCAL);
	/* no local endpoint: external traffic from outside is dropped */
	FLOW(w, TCP, "203.0.113.2", "1.2.3.4", 80, "DROP", false);
	FLOW(w, TCP, "203.0.113.2", "192.168.0.2", 3001, "DROP", false);
	FLOW(w, TCP, "10.0.0.2", "1.2.3.4", 80, "10.180.0.2:80", false);
	assert_int_equal(w->info[1].health_check_node_port, 30000);
	assert_int_equal(w->info[1].no_local_external[PROXY_V4], 1);
	assert_string_equal(fes(w, "ns3/svc3:p80"), "clusterip 172.30.0.43:80, nodeport ipv4:3003");
	assert_string_equal(fes(w, "ns4/svc4:p80"),
			    "clusterip 172.30.0.44:80, externalip 192.168.99.33:80");
	assert_string_equal(bes(w, "ns4/svc4:p80"), "10.180.0.4:80, 10.180.0.5:80 L");
	assert_string_equal(fes(w, "ns5/svc5:p80"), "clusterip 172.30.0.45:80, loadbalancer "
			    "5.6.7.8:80 [203.0.113.0/25], nodeport ipv4:3002");
	s = find(w, "ns5/svc5:p80");
	assert_int_equal(svc_service_affinity(s), SVCVIP_AFFINITY_CLIENTIP);
	assert_int_equal(svc_service_affinity_timeout(s), 10800);
	assert_false(s->has & SVC_SVC_HAS_SCHEDULER);	/* maglev, the kernel's default */
	assert_int_equal(w->info[4].health_check_node_port, 0);	/* ETP Cluster */
	/* svc6: no endpoints, reject */
	assert_string_equal(bes(w, "ns6/svc6:p80"), "");
	FLOW(w, TCP, "10.0.0.2", "172.30.0.46", 80, "REJECT", false);
	world_free(w);
}

static void no_endpoints_svc(struct world *w)
{
	svc(w, "{" META("ns1", "svc1") ",'spec':{'type':'LoadBalancer','clusterIP':'172.30.0.41',"
	    "'externalIPs':['192.168.99.11'],'ports':[{'name':'p80','protocol':'TCP','port':80,"
	    "'nodePort':3001}]},'status':{'loadBalancer':{'ingress':[{'ip':'1.2.3.4'}]}}}");
	build(w);
}

/* TestNoEndpointsReject: every frontend rejects */
static void no_endpoints_reject(void **state)
{
	struct world *w = world_new();

	(void)state;
	no_endpoints_svc(w);
	FLOW(w, TCP, "10.0.0.2", "172.30.0.41", 80, "REJECT", false);
	FLOW(w, TCP, "203.0.113.2", "192.168.99.11", 80, "REJECT", false);
	FLOW(w, TCP, "10.0.0.2", "192.168.0.2", 3001, "REJECT", false);
	FLOW(w, TCP, "203.0.113.2", "192.168.0.2", 3001, "REJECT", false);
	FLOW(w, TCP, "10.0.0.2", "1.2.3.4", 80, "REJECT", false);
	FLOW(w, TCP, "203.0.113.2", "1.2.3.4", 80, "REJECT", false);
	world_free(w);
}

/* TestClusterIPGeneral */
static void cluster_ip_general(void **state)
{
	struct world *w = world_new();

	(void)state;
	svc(w, "{" META("ns1", "svc1") ",'spec':{'clusterIP':'172.30.0.41','ports':["
	    "{'name':'http','port':80,'protocol':'TCP'}]}}");
	svc(w, "{" META("ns2", "svc2") ",'spec':{'clusterIP':'172.30.0.42','ports':["
	    "{'name':'http','port':80,'protocol':'TCP'},"
	    "{'name':'https','port':443,'protocol':'TCP','targetPort':8443},"
	    "{'name':'dns-udp','port':53,'protocol':'UDP'},"
	    "{'name':'dns-tcp','port':53,'protocol':'TCP','targetPort':5353},"
	    "{'name':'dns-sctp','port':53,'protocol':'SCTP'}]}}");
	slice(w, "{" SLICE_META("ns1", "svc1", 1) ",'addressType':'IPv4','ports':["
	      PORT("http", 80, "TCP") "],'endpoints':[" EP("10.180.0.1", "test-node") "]}");
	slice(w, "{" SLICE_META("ns2", "svc2", 1) ",'addressType':'IPv4','ports':["
	      PORT("http", 80, "TCP") "," PORT("https", 8443, "TCP") ","
	      PORT("dns-udp", 53, "UDP") "," PORT("dns-tcp", 5353, "TCP") ","
	      PORT("dns-sctp", 53, "SCTP") "],'endpoints':[" EP("10.180.0.1", "test-node") ","
	      EP("10.180.2.1", "node2") "]}");
	build(w);
	FLOW(w, TCP, "10.180.0.2", "172.30.0.41", 80, "10.180.0.1:80", false);
	FLOW(w, TCP, "10.180.0.1", "172.30.0.41", 80, "10.180.0.1:80", true);	/* hairpin */
	FLOW(w, TCP, "10.180.0.2", "172.30.0.42", 80, "10.180.0.1:80, 10.180.2.1:80", false);
	FLOW(w, TCP, "10.180.0.2", "172.30.0.42", 443, "10.180.0.1:8443, 10.180.2.1:8443",
	     false);
	FLOW(w, TCP, "10.180.0.2", "172.30.0.42", 53, "10.180.0.1:5353, 10.180.2.1:5353", false);
	FLOW(w, UDP, "10.180.0.2", "172.30.0.42", 53, "10.180.0.1:53, 10.180.2.1:53", false);
	FLOW(w, SCTP, "10.180.0.2", "172.30.0.42", 53, "10.180.0.1:53, 10.180.2.1:53", false);
	FLOW(w, UDP, "10.180.0.2", "172.30.0.42", 80, "REJECT", false);
	FLOW(w, TCP, "10.180.0.2", "172.30.0.41", 443, "REJECT", false);
	FLOW(w, TCP, "10.180.0.2", "172.30.0.50", 80, "DROP", false);
	world_free(w);
}

static void load_balancer_world(struct world *w)
{
	svc(w, "{" META("ns1", "svc1") ",'spec':{'type':'LoadBalancer','clusterIP':'172.30.0.41',"
	    "'loadBalancerSourceRanges':['192.168.0.0/24',' 203.0.113.0/25'],'ports':["
	    "{'name':'p80','port':80,'protocol':'TCP','nodePort':3001}]},'status':{'loadBalancer':"
	    "{'ingress':[{'ip':'1.2.3.4'},{'ip':'5.6.7.8'}]}}}");
	slice(w, "{" SLICE_META("ns1", "svc1", 1) ",'addressType':'IPv4','ports':["
	      PORT("p80", 80, "TCP") "],'endpoints':[" EPN("10.180.0.1") "]}");
	build(w);
}

/* TestLoadBalancer: source ranges, the node-IP rule, NodePort unfiltered */
static void load_balancer(void **state)
{
	struct world *w = world_new();

	(void)state;
	load_balancer_world(w);
	FLOW(w, TCP, "10.0.0.2", "172.30.0.41", 80, "10.180.0.1:80", false);
	FLOW(w, TCP, "203.0.113.2", "192.168.0.2", 3001, "10.180.0.1:80", true);
	FLOW(w, TCP, "203.0.113.130", "192.168.0.2", 3001, "10.180.0.1:80", true);
	FLOW(w, TCP, "203.0.113.2", "1.2.3.4", 80, "10.180.0.1:80", true);
	FLOW(w, TCP, "203.0.113.2", "5.6.7.8", 80, "10.180.0.1:80", true);
	FLOW(w, TCP, "203.0.113.130", "1.2.3.4", 80, "DROP", false);
	FLOW(w, TCP, "203.0.113.130", "5.6.7.8", 80, "DROP", false);
	FLOW(w, TCP, "10.0.0.2", "1.2.3.4", 80, "DROP", false);
	FLOW(w, TCP, "10.0.0.2", "5.6.7.8", 80, "DROP", false);
	FLOW(w, TCP, "192.168.0.2", "1.2.3.4", 80, "10.180.0.1:80", true);
	FLOW(w, TCP, "192.168.0.2", "5.6.7.8", 80, "10.180.0.1:80", true);
	FLOW(w, TCP, "1.2.3.4", "1.2.3.4", 80, "10.180.0.1:80", true);
	FLOW(w, TCP, "5.6.7.8", "5.6.7.8", 80, "10.180.0.1:80", true);
	/* (source ranges in their canonical order) */
	assert_string_equal(fes(w, "ns1/svc1:p80"), "clusterip 172.30.0.41:80, loadbalancer "
			    "1.2.3.4:80 [1.2.3.4/32 5.6.7.8/32 192.168.0.0/24 203.0.113.0/25], "
			    "loadbalancer 5.6.7.8:80 [1.2.3.4/32 5.6.7.8/32 192.168.0.0/24 "
			    "203.0.113.0/25], nodeport ipv4:3001");
	world_free(w);
}

/* TestLoadBalancer, but the ranges do not hold the node IP: no LB IPs added */
static void load_balancer_ranges_without_node_ip(void **state)
{
	struct world *w = world_new();

	(void)state;
	svc(w, "{" META("ns5", "svc5") ",'spec':{'type':'LoadBalancer','clusterIP':'172.30.0.45',"
	    "'loadBalancerSourceRanges':[' 203.0.113.0/25'],'ports':[{'name':'p80','port':80,"
	    "'protocol':'TCP','nodePort':3002}]},'status':{'loadBalancer':{'ingress':["
	    "{'ip':'5.6.7.8'}]}}}");
	build(w);
	assert_string_equal(fes(w, "ns5/svc5:p80"), "clusterip 172.30.0.45:80, loadbalancer "
			    "5.6.7.8:80 [203.0.113.0/25], nodeport ipv4:3002");
	/* the node itself is outside the ranges: dropped, as kube-proxy's firewall does */
	slice(w, "{" SLICE_META("ns5", "svc5", 1) ",'addressType':'IPv4','ports':["
	      PORT("p80", 80, "TCP") "],'endpoints':[" EPN("10.180.0.3") "]}");
	build(w);
	FLOW(w, TCP, "192.168.0.2", "5.6.7.8", 80, "DROP", false);
	world_free(w);
}

static void node_ports_world(struct world *w, bool v6)
{
	if (!v6) {
		svc(w, "{" META("ns1", "svc1") ",'spec':{'type':'NodePort','clusterIP':"
		    "'172.30.0.41','ports':[{'name':'p80','port':80,'protocol':'TCP',"
		    "'nodePort':3001}]}}");
		slice(w, "{" SLICE_META("ns1", "svc1", 1) ",'addressType':'IPv4','ports':["
		      PORT("p80", 80, "TCP") "],'endpoints':[" EPN("10.180.0.1") ","
		      EP("10.180.2.1", "test-node") "]}");
	} else {
		svc(w, "{" META("ns1", "svc1") ",'spec':{'type':'NodePort','clusterIP':"
		    "'fd00:172:30::41','ports':[{'name':'p80','port':80,'protocol':'TCP',"
		    "'nodePort':3001}]}}");
		slice(w, "{" SLICE_META("ns1", "svc1", 1) ",'addressType':'IPv6','ports':["
		      PORT("p80", 80, "TCP") "],'endpoints':[" EPN("fd00:10:180::1") ","
		      EP("fd00:10:180::2:1", "test-node") "]}");
	}
	build(w);
}

/* TestNodePorts "ipv4": primary node IP only */
static void node_ports_ipv4(void **state)
{
	struct world *w = world_new();
	const char *out = "10.180.0.1:80, 10.180.2.1:80";

	(void)state;
	node_ports_world(w, false);
	FLOW(w, TCP, "10.0.0.2", "172.30.0.41", 80, out, false);
	FLOW(w, TCP, "203.0.113.2", "192.168.0.2", 3001, out, true);
	FLOW(w, TCP, "192.168.0.2", "192.168.0.2", 3001, out, true);
	FLOW(w, TCP, "203.0.113.2", "192.168.1.2", 3001, "", false);
	world_free(w);
}

/* TestNodePorts "ipv4, multiple nodeport-addresses" */
static void node_ports_ipv4_multiple(void **state)
{
	struct world *w = world_new();
	const char *out = "10.180.0.1:80, 10.180.2.1:80";

	(void)state;
	w->o.nodeport_mode = PROXY_NODEPORT_CIDRS;
	add_cidr_str(&w->o.nodeport_cidrs, "192.168.0.0/24");
	add_cidr_str(&w->o.nodeport_cidrs, "192.168.1.0/24");
	add_cidr_str(&w->o.nodeport_cidrs, "2001:db8::/64");
	node_ports_world(w, false);
	FLOW(w, TCP, "203.0.113.2", "192.168.0.2", 3001, out, true);
	FLOW(w, TCP, "203.0.113.2", "192.168.1.2", 3001, out, true);
	world_free(w);
}

/* TestNodePorts "ipv6" */
static void node_ports_ipv6(void **state)
{
	struct world *w = world_new();
	const char *out = "[fd00:10:180::1]:80, [fd00:10:180::2:1]:80";

	(void)state;
	node_ports_world(w, true);
	FLOW(w, TCP, "fd00:10::2", "fd00:172:30::41", 80, out, false);
	FLOW(w, TCP, "2600:5200::1", "2001:db8::1", 3001, out, true);
	FLOW(w, TCP, "2001:db8::1", "2001:db8::1", 3001, out, true);
	FLOW(w, TCP, "2600:5200::1", "2001:db8:1::2", 3001, "", false);
	assert_string_equal(fes(w, "ns1/svc1:p80"),
			    "clusterip [fd00:172:30::41]:80, nodeport ipv6:3001");
	world_free(w);
}

/* TestNodePorts "ipv6, multiple nodeport-addresses" */
static void node_ports_ipv6_multiple(void **state)
{
	struct world *w = world_new();
	const char *out = "[fd00:10:180::1]:80, [fd00:10:180::2:1]:80";

	(void)state;
	w->o.nodeport_mode = PROXY_NODEPORT_CIDRS;
	add_cidr_str(&w->o.nodeport_cidrs, "192.168.0.0/24");
	add_cidr_str(&w->o.nodeport_cidrs, "192.168.1.0/24");
	add_cidr_str(&w->o.nodeport_cidrs, "2001:db8::/64");
	add_cidr_str(&w->o.nodeport_cidrs, "2001:db8:1::2/128");
	node_ports_world(w, true);
	FLOW(w, TCP, "2600:5200::1", "2001:db8::1", 3001, out, true);
	FLOW(w, TCP, "2600:5200::1", "2001:db8:1::2", 3001, out, true);
	world_free(w);
}

static void etp_world(struct world *w, const char *etp)
{
	char b[1024];

	snprintf(b, sizeof(b), "{" META("ns1", "svc1") ",'spec':{'type':'LoadBalancer',"
		 "'externalTrafficPolicy':'%s','clusterIP':'172.30.0.41','externalIPs':"
		 "['192.168.99.11'],'healthCheckNodePort':30000,'ports':[{'name':'p80','port':80,"
		 "'protocol':'TCP','nodePort':3001,'targetPort':80}]},'status':{'loadBalancer':"
		 "{'ingress':[{'ip':'1.2.3.4'}]}}}", etp);
	svc(w, b);
	slice(w, "{" SLICE_META("ns1", "svc1", 1) ",'addressType':'IPv4','ports':["
	      PORT("p80", 80, "TCP") "],'endpoints':[" EPN("10.180.0.1") ","
	      EP("10.180.2.1", "test-node") "]}");
	build(w);
}

/* TestExternalTrafficPolicyLocal */
static void external_traffic_policy_local(void **state)
{
	struct world *w = world_new();
	const char *both = "10.180.0.1:80, 10.180.2.1:80";

	(void)state;
	etp_world(w, "Local");
	FLOW(w, TCP, "10.0.0.2", "172.30.0.41", 80, both, false);
	FLOW(w, TCP, "10.0.0.2", "192.168.99.11", 80, both, false);
	FLOW(w, TCP, "203.0.113.2", "192.168.99.11", 80, "10.180.2.1:80", false);
	FLOW(w, TCP, "10.0.0.2", "1.2.3.4", 80, both, false);
	FLOW(w, TCP, "203.0.113.2", "1.2.3.4", 80, "10.180.2.1:80", false);
	FLOW(w, TCP, "10.0.0.2", "192.168.0.2", 3001, both, false);
	FLOW(w, TCP, "203.0.113.2", "192.168.0.2", 3001, "10.180.2.1:80", false);
	assert_int_equal(w->info[0].health_check_node_port, 30000);
	assert_int_equal(w->info[0].local_endpoints, 1);
	world_free(w);
}

/* TestExternalTrafficPolicyCluster */
static void external_traffic_policy_cluster(void **state)
{
	struct world *w = world_new();
	const char *both = "10.180.0.1:80, 10.180.2.1:80";

	(void)state;
	etp_world(w, "Cluster");
	FLOW(w, TCP, "10.0.0.2", "172.30.0.41", 80, both, false);
	FLOW(w, TCP, "10.0.0.2", "192.168.99.11", 80, both, true);
	FLOW(w, TCP, "203.0.113.2", "192.168.99.11", 80, both, true);
	FLOW(w, TCP, "10.0.0.2", "1.2.3.4", 80, both, true);
	FLOW(w, TCP, "203.0.113.2", "1.2.3.4", 80, both, true);
	FLOW(w, TCP, "10.0.0.2", "192.168.0.2", 3001, both, true);
	FLOW(w, TCP, "203.0.113.2", "192.168.0.2", 3001, both, true);
	assert_int_equal(w->info[0].health_check_node_port, 0);
	world_free(w);
}

/* TestInternalTrafficPolicy: one case per kube-proxy case */
struct itp_case {
	const char *name;
	const char *itp;
	const char *nodes[3];
	const char *out;
};

static const struct itp_case itp_cases[] = {
	{ "internalTrafficPolicy is cluster", "Cluster",
	  { "test-node", "node1", "node2" }, "10.0.1.1:80, 10.0.1.2:80, 10.0.1.3:80" },
	{ "internalTrafficPolicy is local and there is one local endpoint", "Local",
	  { "test-node", "node1", "node2" }, "10.0.1.1:80" },
	{ "internalTrafficPolicy is local and there are multiple local endpoints", "Local",
	  { "test-node", "test-node", "node2" }, "10.0.1.1:80, 10.0.1.2:80" },
	{ "internalTrafficPolicy is local and there are no local endpoints", "Local",
	  { "node0", "node1", "node2" }, "DROP" },
};

static void test_itp(void **state)
{
	const struct itp_case *c = *state;
	struct world *w = world_new();
	char b[1024];

	snprintf(b, sizeof(b), "{" META("ns1", "svc1") ",'spec':{'clusterIP':'172.30.1.1',"
		 "'internalTrafficPolicy':'%s','ports':[{'name':'','port':80,'protocol':'TCP'}]}}",
		 c->itp);
	svc(w, b);
	snprintf(b, sizeof(b), "{" SLICE_META("ns1", "svc1", 1) ",'addressType':'IPv4','ports':["
		 PORT("", 80, "TCP") "],'endpoints':[{'addresses':['10.0.1.1'],'conditions':"
		 "{'ready':true},'nodeName':'%s'},{'addresses':['10.0.1.2'],'conditions':"
		 "{'ready':true},'nodeName':'%s'},{'addresses':['10.0.1.3'],'conditions':"
		 "{'ready':true},'nodeName':'%s'}]}", c->nodes[0], c->nodes[1], c->nodes[2]);
	slice(w, b);
	build(w);
	FLOW(w, TCP, "10.0.0.2", "172.30.1.1", 80, c->out, false);
	/* endpoints deleted */
	k8s_endpoint_slice_free(&w->es[0]);
	w->nes = 0;
	build(w);
	FLOW(w, TCP, "10.0.0.2", "172.30.1.1", 80, "REJECT", false);
	world_free(w);
}

/* TestTerminatingEndpointsTrafficPolicyLocal / ...Cluster */
struct term_case {
	const char *name;
	const char *etp;
	const char *eps;		/* JSON endpoints */
	const char *pod_out, *ext_out;
	bool ext_masq;
};

#define TN "test-node"
static const struct term_case term_cases[] = {
	{ "TestTerminatingEndpointsTrafficPolicyLocal/ready endpoints exist", "Local",
	  EPC("10.0.1.1", TN, true, true, false) "," EPC("10.0.1.2", TN, true, true, false) ","
	  EPC("10.0.1.3", TN, false, true, true) "," EPC("10.0.1.4", TN, false, false, true) ","
	  EPC("10.0.1.5", "node-1", true, true, false),
	  "10.0.1.1:80, 10.0.1.2:80, 10.0.1.5:80", "10.0.1.1:80, 10.0.1.2:80", false },
	{ "TestTerminatingEndpointsTrafficPolicyLocal/only terminating endpoints exist", "Local",
	  EPC("10.0.1.2", TN, false, true, true) "," EPC("10.0.1.3", TN, false, true, true) ","
	  EPC("10.0.1.4", TN, false, false, true) "," EPC("10.0.1.5", "node-1", true, true, false),
	  "10.0.1.5:80", "10.0.1.2:80, 10.0.1.3:80", false },
	{ "TestTerminatingEndpointsTrafficPolicyLocal/terminating endpoints on remote node",
	  "Local", EPC("10.0.1.5", "node-1", false, true, true), "10.0.1.5:80", "DROP", false },
	{ "TestTerminatingEndpointsTrafficPolicyLocal/no usable endpoints on any node", "Local",
	  EPC("10.0.1.5", TN, false, false, true) "," EPC("10.0.1.5", "node-1", false, false, true),
	  "REJECT", "REJECT", false },
	{ "TestTerminatingEndpointsTrafficPolicyCluster/ready endpoints exist", "Cluster",
	  EPC("10.0.1.1", TN, true, true, false) "," EPC("10.0.1.2", TN, true, true, false) ","
	  EPC("10.0.1.3", "another-node", false, true, true) ","
	  EPC("10.0.1.4", "another-node", false, false, true) ","
	  EPC("10.0.1.5", "another-node", true, true, false),
	  "10.0.1.1:80, 10.0.1.2:80, 10.0.1.5:80", "10.0.1.1:80, 10.0.1.2:80, 10.0.1.5:80", true },
	{ "TestTerminatingEndpointsTrafficPolicyCluster/only terminating endpoints exist",
	  "Cluster",
	  EPC("10.0.1.2", TN, false, true, true) "," EPC("10.0.1.3", TN, false, true, true) ","
	  EPC("10.0.1.4", "another-node", false, false, true) ","
	  EPC("10.0.1.5", "another-node", false, true, true),
	  "10.0.1.2:80, 10.0.1.3:80, 10.0.1.5:80", "10.0.1.2:80, 10.0.1.3:80, 10.0.1.5:80", true },
	{ "TestTerminatingEndpointsTrafficPolicyCluster/terminating endpoints on remote node",
	  "Cluster", EPC("10.0.1.5", "node-1", false, true, true), "10.0.1.5:80", "10.0.1.5:80",
	  true },
	{ "TestTerminatingEndpointsTrafficPolicyCluster/no usable endpoints on any node",
	  "Cluster",
	  EPC("10.0.1.5", TN, false, false, true) "," EPC("10.0.1.5", "node-1", false, false, true),
	  "REJECT", "REJECT", false },
};

static void test_terminating(void **state)
{
	const struct term_case *c = *state;
	struct world *w = world_new();
	char b[2048];

	snprintf(b, sizeof(b), "{" META("ns1", "svc1") ",'spec':{'clusterIP':'172.30.1.1',"
		 "'type':'LoadBalancer','externalTrafficPolicy':'%s','healthCheckNodePort':30000,"
		 "'ports':[{'name':'','targetPort':80,'port':80,'protocol':'TCP'}]},"
		 "'status':{'loadBalancer':{'ingress':[{'ip':'1.2.3.4'}]}}}", c->etp);
	svc(w, b);
	snprintf(b, sizeof(b), "{" SLICE_META("ns1", "svc1", 1) ",'addressType':'IPv4',"
		 "'ports':[" PORT("", 80, "TCP") "],'endpoints':[%s]}", c->eps);
	slice(w, b);
	build(w);
	FLOW(w, TCP, "10.0.0.2", "172.30.1.1", 80, c->pod_out, false);
	FLOW(w, TCP, "203.0.113.2", "1.2.3.4", 80, c->ext_out, c->ext_masq);
	k8s_endpoint_slice_free(&w->es[0]);
	w->nes = 0;
	build(w);
	FLOW(w, TCP, "10.0.0.2", "172.30.1.1", 80, "REJECT", false);
	FLOW(w, TCP, "203.0.113.2", "1.2.3.4", 80, "REJECT", false);
	world_free(w);
}

/* TestNoEndpointsMetric */
struct metric_case {
	const char *name;
	const char *itp, *etp;
	const char *nodes[3];		/* NULL: no endpoints */
	uint32_t internal, external;
};

static const struct metric_case metric_cases[] = {
	{ "internalTrafficPolicy is set and there are local endpoints", "Local", NULL,
	  { "test-node", "node1", "node2" }, 0, 0 },
	{ "externalTrafficPolicy is set and there are local endpoints", NULL, "Local",
	  { "test-node", "node1", "node2" }, 0, 0 },
	{ "both policies are set and there are local endpoints", "Local", "Local",
	  { "test-node", "node1", "node2" }, 0, 0 },
	{ "internalTrafficPolicy is set and there are no local endpoints", "Local", NULL,
	  { "node0", "node1", "node2" }, 1, 0 },
	{ "externalTrafficPolicy is set and there are no local endpoints", NULL, "Local",
	  { "node0", "node1", "node2" }, 0, 1 },
	{ "both policies are set and there are no local endpoints", "Local", "Local",
	  { "node0", "node1", "node2" }, 1, 1 },
	{ "both policies are set and there are no endpoints at all", "Local", "Local",
	  { NULL }, 0, 0 },
};

static void test_metric(void **state)
{
	const struct metric_case *c = *state;
	struct world *w = world_new();
	char b[1024];

	snprintf(b, sizeof(b), "{" META("ns1", "svc1") ",'spec':{'clusterIP':'172.30.1.1',"
		 "'type':'%s','internalTrafficPolicy':'%s','externalTrafficPolicy':'%s',"
		 "'ports':[{'name':'','port':80,'protocol':'TCP','nodePort':123}]}}",
		 c->etp ? "NodePort" : "ClusterIP", c->itp ? c->itp : "Cluster",
		 c->etp ? c->etp : "Cluster");
	svc(w, b);
	if (c->nodes[0]) {
		snprintf(b, sizeof(b), "{" SLICE_META("ns1", "svc1", 1) ",'addressType':'IPv4',"
			 "'ports':[" PORT("", 80, "TCP") "],'endpoints':["
			 "{'addresses':['10.0.1.1'],'conditions':{'ready':true},'nodeName':'%s'},"
			 "{'addresses':['10.0.1.2'],'conditions':{'ready':true},'nodeName':'%s'},"
			 "{'addresses':['10.0.1.3'],'conditions':{'ready':true},'nodeName':'%s'}]}",
			 c->nodes[0], c->nodes[1], c->nodes[2]);
		slice(w, b);
	}
	build(w);
	assert_int_equal(w->info[0].no_local_internal[PROXY_V4], c->internal);
	assert_int_equal(w->info[0].no_local_external[PROXY_V4], c->external);
	assert_int_equal(w->info[0].no_local_internal[PROXY_V6], 0);
	world_free(w);
}

/* TestBadIPs: leading zeros everywhere are read as kube-proxy's
 * ParseIPSloppy / ParseCIDRSloppy read them */
static void bad_ips(void **state)
{
	struct world *w = world_new();

	(void)state;
	svc(w, "{" META("ns1", "svc1") ",'spec':{'type':'LoadBalancer','clusterIP':'172.30.0.041',"
	    "'externalIPs':['192.168.099.022'],'loadBalancerSourceRanges':['203.0.113.000/025'],"
	    "'ports':[{'name':'p80','port':80,'protocol':'TCP','nodePort':3001}]},"
	    "'status':{'loadBalancer':{'ingress':[{'ip':'1.2.3.004'}]}}}");
	slice(w, "{" SLICE_META("ns1", "svc1", 1) ",'addressType':'IPv4','ports':["
	      PORT("p80", 80, "TCP") "],'endpoints':[" EPN("10.180.00.001") "]}");
	build(w);
	assert_string_equal(fes(w, "ns1/svc1:p80"), "clusterip 172.30.0.41:80, externalip "
			    "192.168.99.22:80, loadbalancer 1.2.3.4:80 [203.0.113.0/25], "
			    "nodeport ipv4:3001");
	assert_string_equal(bes(w, "ns1/svc1:p80"), "10.180.0.1:80");
	world_free(w);
}

/* TestBadIPs, the parser alone: what ParseIPSloppy accepts and refuses */
static void bad_ips_parser(void **state)
{
	union svc_inaddr a;
	struct svc_cidr c;
	uint16_t f;
	char s[64];

	(void)state;
	assert_int_equal(proxy_parse_ip("010.000.001.255", &f, &a), 0);
	assert_int_equal(f, AF_INET);
	addr_str(s, sizeof(s), f, &a);
	assert_string_equal(s, "10.0.1.255");
	assert_int_equal(proxy_parse_ip("::ffff:1.2.3.4", &f, &a), 0);	/* To4() */
	assert_int_equal(f, AF_INET);
	assert_int_equal(proxy_parse_ip("fd00:10::0001", &f, &a), 0);
	assert_int_equal(f, AF_INET6);
	assert_int_equal(proxy_parse_ip("1.2.3.256", &f, &a), -EINVAL);
	assert_int_equal(proxy_parse_ip("1.2.3", &f, &a), -EINVAL);
	assert_int_equal(proxy_parse_ip("1.2.3.4 ", &f, &a), -EINVAL);
	assert_int_equal(proxy_parse_ip("addressesValue", &f, &a), -EINVAL);
	assert_int_equal(proxy_parse_ip("", &f, &a), -EINVAL);
	assert_int_equal(proxy_parse_cidr("10.1.2.3/8", &c), 0);	/* host bits cleared */
	addr_str(s, sizeof(s), c.family, &c.addr);
	assert_string_equal(s, "10.0.0.0");
	assert_int_equal(proxy_parse_cidr("2001:db8::1/033", &c), 0);
	assert_int_equal(c.prefixlen, 33);
	assert_int_equal(proxy_parse_cidr("1.2.3.4/33", &c), -EINVAL);
	assert_int_equal(proxy_parse_cidr("1.2.3.4", &c), -EINVAL);
	assert_int_equal(proxy_parse_cidr("1.2.3.4/", &c), -EINVAL);
	assert_int_equal(proxy_parse_cidr(" 1.2.3.4/8", &c), -EINVAL);	/* proxy.c trims */
}

/* TestLoadBalancerIngressRouteTypeProxy "LoadBalancerIPMode enabled, ipMode
 * Proxy" / "... VIP" / "... nil": only VIP-like entries get a frontend */
static void load_balancer_ingress_route_type_proxy(void **state)
{
	struct world *w = world_new();

	(void)state;
	svc(w, "{" META("ns1", "a") ",'spec':{'type':'LoadBalancer','clusterIP':'10.20.30.41',"
	    "'ports':[{'name':'p80','port':80,'protocol':'TCP','nodePort':3001}]},'status':"
	    "{'loadBalancer':{'ingress':[{'ip':'1.2.3.4','ipMode':'Proxy'}]}}}");
	svc(w, "{" META("ns1", "b") ",'spec':{'type':'LoadBalancer','clusterIP':'10.20.30.42',"
	    "'ports':[{'name':'p80','port':80,'protocol':'TCP','nodePort':3002}]},'status':"
	    "{'loadBalancer':{'ingress':[{'ip':'1.2.3.5','ipMode':'VIP'}]}}}");
	svc(w, "{" META("ns1", "c") ",'spec':{'type':'LoadBalancer','clusterIP':'10.20.30.43',"
	    "'ports':[{'name':'p80','port':80,'protocol':'TCP','nodePort':3003}]},'status':"
	    "{'loadBalancer':{'ingress':[{'ip':'1.2.3.6'}]}}}");
	build(w);
	assert_string_equal(fes(w, "ns1/a:p80"), "clusterip 10.20.30.41:80, nodeport ipv4:3001");
	assert_string_equal(fes(w, "ns1/b:p80"), "clusterip 10.20.30.42:80, loadbalancer "
			    "1.2.3.5:80, nodeport ipv4:3002");
	assert_string_equal(fes(w, "ns1/c:p80"), "clusterip 10.20.30.43:80, loadbalancer "
			    "1.2.3.6:80, nodeport ipv4:3003");
	world_free(w);
}

/* TestProxier_OnServiceCIDRsChanged: ServiceCIDR objects replace the
 * configured range; both families in the one kernel list */
static void on_service_cidrs_changed(void **state)
{
	struct world *w = world_new();
	struct json_object *o;
	char err[256];

	(void)state;
	build(w);
	assert_int_equal(w->cfg.service_cidrs.n, 2);	/* --service-cluster-ip-range */
	o = js("{'metadata':{'name':'kubernetes'},'spec':{'cidrs':['172.30.0.0/16',"
	       "'fd00:10:96::/112']}}");
	assert_int_equal(k8s_parse_service_cidr(o, &w->sc[w->nsc++], err, sizeof(err)), 0);
	json_object_put(o);
	o = js("{'metadata':{'name':'extra'},'spec':{'cidrs':['172.50.0.0/16',"
	       "'fd00:172:30::/112','172.30.0.0/16']}}");
	assert_int_equal(k8s_parse_service_cidr(o, &w->sc[w->nsc++], err, sizeof(err)), 0);
	json_object_put(o);
	build(w);
	assert_int_equal(w->cfg.service_cidrs.n, 4);	/* the duplicate once */
	assert_true(w->cfg.has & SVC_CFG_HAS_SERVICE_CIDRS);
	FLOW(w, TCP, "10.0.0.2", "172.50.0.9", 80, "DROP", false);
	FLOW(w, TCP, "10.0.0.2", "172.40.0.9", 80, "", false);
	world_free(w);
}

/* nftables proxier: nodePortAddresses "primary" (server.go) from the Node,
 * all addresses when the Node is unknown, and only svcsyncd's keys */
static void config_nodeport_primary_and_keys(void **state)
{
	struct world *w = world_new();
	struct svc_config *c = &w->cfg;
	char s[64];

	(void)state;
	w->o.masquerade_all = true;
	build(w);
	assert_int_equal(c->nodeport_cidrs.n, 2);
	addr_str(s, sizeof(s), c->nodeport_cidrs.v[0].family, &c->nodeport_cidrs.v[0].addr);
	assert_string_equal(s, "192.168.0.2");
	assert_int_equal(c->nodeport_cidrs.v[0].prefixlen, 32);
	assert_int_equal(c->nodeport_cidrs.v[1].prefixlen, 128);
	assert_int_equal(c->cluster_cidrs.n, 2);
	assert_true(c->masquerade_all);
	assert_int_equal(c->has, SVC_CFG_HAS_CLUSTER_CIDRS | SVC_CFG_HAS_MASQUERADE_ALL |
			 SVC_CFG_HAS_NODEPORT_CIDRS | SVC_CFG_HAS_SERVICE_CIDRS);
	/* no Node yet: every address (kube-proxy's empty list) */
	w->have_node = false;
	build(w);
	assert_int_equal(c->nodeport_cidrs.n, 0);
	/* --nodeport-addresses all */
	w->have_node = true;
	w->o.nodeport_mode = PROXY_NODEPORT_ALL;
	build(w);
	assert_int_equal(c->nodeport_cidrs.n, 0);
	world_free(w);
}

/* GetNodeHostIPs: InternalIP before ExternalIP, then the other family;
 * NewNodePortAddresses: a family with no CIDR matches all of its own */
static void config_node_host_ips(void **state)
{
	struct world *w = world_new();
	struct json_object *o;
	char err[256], s[64];

	(void)state;
	k8s_node_free(&w->node);
	o = js("{'metadata':{'name':'test-node'},'status':{'addresses':["
	       "{'type':'Hostname','address':'test-node'},{'type':'ExternalIP','address':'1.1.1.1'},"
	       "{'type':'InternalIP','address':'bogus'},{'type':'InternalIP','address':'10.9.9.9'},"
	       "{'type':'InternalIP','address':'10.9.9.10'}]}}");
	assert_int_equal(k8s_parse_node(o, &w->node, err, sizeof(err)), 0);
	json_object_put(o);
	build(w);
	assert_int_equal(w->cfg.nodeport_cidrs.n, 2);
	addr_str(s, sizeof(s), AF_INET, &w->cfg.nodeport_cidrs.v[0].addr);
	assert_string_equal(s, "10.9.9.9");
	/* no IPv6 node IP: all IPv6 addresses, ::/0 */
	assert_int_equal(w->cfg.nodeport_cidrs.v[1].family, AF_INET6);
	assert_int_equal(w->cfg.nodeport_cidrs.v[1].prefixlen, 0);
	world_free(w);
}

/* TestSessionAffinity... servicechangetracker: ClientIP without a timeout
 * gets the API default 10800; None sets nothing */
static void session_affinity_default(void **state)
{
	struct world *w = world_new();
	struct svc_service *s;

	(void)state;
	svc(w, "{" META("ns1", "aff") ",'spec':{'clusterIP':'172.30.0.50','sessionAffinity':"
	    "'ClientIP','ports':[{'name':'p','port':80}]}}");
	svc(w, "{" META("ns1", "none") ",'spec':{'clusterIP':'172.30.0.51','sessionAffinity':"
	    "'None','ports':[{'name':'p','port':80}]}}");
	build(w);
	s = find(w, "ns1/aff:p");
	assert_int_equal(s->affinity, SVCVIP_AFFINITY_CLIENTIP);
	assert_int_equal(s->affinity_timeout, 10800);
	s = find(w, "ns1/none:p");
	assert_false(s->has & (SVC_SVC_HAS_AFFINITY | SVC_SVC_HAS_AFFINITY_TIMEOUT));
	world_free(w);
}

/* servicechangetracker: a dual-stack Service is one svcvip service per port,
 * both families' frontends and backends, one NodePort for both */
static void dual_stack_service(void **state)
{
	struct world *w = world_new();

	(void)state;
	svc(w, "{" META("ns1", "ds") ",'spec':{'type':'NodePort','clusterIP':'172.30.0.60',"
	    "'clusterIPs':['172.30.0.60','fd00:10:96::60'],'ipFamilies':['IPv4','IPv6'],"
	    "'externalIPs':['192.168.99.60','2001:db8:99::60'],'ports':[{'name':'p','port':80,"
	    "'protocol':'TCP','nodePort':30080}]}}");
	slice(w, "{" SLICE_META("ns1", "ds", 1) ",'addressType':'IPv4','ports':["
	      PORT("p", 8080, "TCP") "],'endpoints':[" EPN("10.0.1.1") "]}");
	slice(w, "{" SLICE_META("ns1", "ds", 2) ",'addressType':'IPv6','ports':["
	      PORT("p", 8080, "TCP") "],'endpoints':[" EPN("fd00:10::1:1") "," EPN("10.0.1.2")
	      "]}");
	slice(w, "{" SLICE_META("ns1", "ds", 3) ",'addressType':'FQDN','ports':["
	      PORT("p", 8080, "TCP") "],'endpoints':[" EPN("example.com") "]}");
	build(w);
	assert_int_equal(w->t.n, 1);
	assert_string_equal(fes(w, "ns1/ds:p"), "clusterip 172.30.0.60:80, clusterip "
			    "[fd00:10:96::60]:80, externalip 192.168.99.60:80, externalip "
			    "[2001:db8:99::60]:80, nodeport any:30080");
	/* an IPv4 address in an IPv6 slice is ignored, as is the FQDN slice */
	assert_string_equal(bes(w, "ns1/ds:p"), "10.0.1.1:8080, [fd00:10::1:1]:8080");
	FLOW(w, TCP, "2600:5200::1", "2001:db8::1", 30080, "[fd00:10::1:1]:8080", true);
	world_free(w);
}

/* servicechangetracker: a family whose clusterIPs entry is missing is not
 * programmed, and neither is its NodePort */
static void single_family_of_dual_stack(void **state)
{
	struct world *w = world_new();

	(void)state;
	svc(w, "{" META("ns1", "v6") ",'spec':{'type':'NodePort','clusterIP':'fd00:10:96::61',"
	    "'clusterIPs':['fd00:10:96::61'],'ipFamilies':['IPv6','IPv4'],'ports':[{'name':'p',"
	    "'port':80,'protocol':'TCP','nodePort':30081}]}}");
	build(w);
	assert_string_equal(fes(w, "ns1/v6:p"),
			    "clusterip [fd00:10:96::61]:80, nodeport ipv6:30081");
	world_free(w);
}

/* TestCategorizeEndpoints "conflicting topology and localness require
 * merging allEndpoints", through the kernel mapping: the hint-excluded
 * remote endpoint gets weight 0, the hint-excluded local one stays usable
 * (proxy.h gap 1) */
static void topology_hints_kernel_mapping(void **state)
{
	struct world *w = world_new();

	(void)state;
	set_zone(w, "zone-a");
	svc(w, "{" META("ns1", "svc1") ",'spec':{'type':'NodePort','externalTrafficPolicy':'Local',"
	    "'clusterIP':'172.30.0.41','ports':[{'name':'p80','port':80,'protocol':'TCP',"
	    "'nodePort':3001}]}}");
	slice(w, "{" SLICE_META("ns1", "svc1", 1) ",'addressType':'IPv4','ports':["
	      PORT("p80", 80, "TCP") "],'endpoints':["
	      "{'addresses':['10.0.0.0'],'nodeName':'test-node','hints':{'forZones':[{'name':'zone-a'}]}},"
	      "{'addresses':['10.0.0.1'],'nodeName':'test-node','hints':{'forZones':[{'name':'zone-b'}]}},"
	      "{'addresses':['10.0.0.2'],'nodeName':'n2','hints':{'forZones':[{'name':'zone-a'}]}},"
	      "{'addresses':['10.0.0.3'],'nodeName':'n3','hints':{'forZones':[{'name':'zone-b'}]}}]}");
	build(w);
	assert_string_equal(bes(w, "ns1/svc1:p80"),
			    "10.0.0.0:80 L, 10.0.0.1:80 L, 10.0.0.2:80, 10.0.0.3:80 w0");
	/* external traffic: kube-proxy's local set exactly */
	FLOW(w, TCP, "203.0.113.2", "192.168.0.2", 3001, "10.0.0.0:80, 10.0.0.1:80", false);
	/* another zone for this node: zone-b hints */
	set_zone(w, "zone-b");
	build(w);
	assert_string_equal(bes(w, "ns1/svc1:p80"),
			    "10.0.0.0:80 L, 10.0.0.1:80 L, 10.0.0.2:80 w0, 10.0.0.3:80");
	/* no zone label: no filtering */
	set_zone(w, NULL);
	build(w);
	assert_string_equal(bes(w, "ns1/svc1:p80"),
			    "10.0.0.0:80 L, 10.0.0.1:80 L, 10.0.0.2:80, 10.0.0.3:80");
	world_free(w);
}

/* TestCategorizeEndpoints "internalTrafficPolicy: Local, topology ignored
 * for Local endpoints" through proxy.c: an externally reachable ITP Local
 * port still uses (hint-filtered) cluster endpoints */
static void itp_local_topology_kernel_mapping(void **state)
{
	struct world *w = world_new();

	(void)state;
	set_zone(w, "zone-a");
	svc(w, "{" META("ns1", "svc1") ",'spec':{'type':'NodePort','internalTrafficPolicy':"
	    "'Local','clusterIP':'172.30.0.41','ports':[{'name':'p80','port':80,"
	    "'protocol':'TCP','nodePort':8080}]}}");
	slice(w, "{" SLICE_META("ns1", "svc1", 1) ",'addressType':'IPv4','ports':["
	      PORT("p80", 80, "TCP") "],'endpoints':["
	      "{'addresses':['10.1.2.3'],'nodeName':'test-node','hints':{'forZones':[{'name':'zone-a'}]}},"
	      "{'addresses':['10.1.2.4'],'nodeName':'test-node','hints':{'forZones':[{'name':'zone-b'}]}},"
	      "{'addresses':['10.1.2.5'],'nodeName':'n5','hints':{'forZones':[{'name':'zone-c'}]}},"
	      "{'addresses':['10.1.2.6'],'nodeName':'n6','hints':{'forZones':[{'name':'zone-a'}]}}]}");
	build(w);
	assert_string_equal(bes(w, "ns1/svc1:p80"),
			    "10.1.2.3:80 L, 10.1.2.4:80 L, 10.1.2.5:80 w0, 10.1.2.6:80");
	/* cluster IP: the local set */
	FLOW(w, TCP, "10.0.0.9", "172.30.0.41", 80, "10.1.2.3:80, 10.1.2.4:80", false);
	/* NodePort (ETP Cluster): kube-proxy's cluster set {3, 6}, plus the
	 * hint-excluded local 4 (proxy.h gap 1) */
	FLOW(w, TCP, "203.0.113.2", "192.168.0.2", 8080, "10.1.2.3:80, 10.1.2.4:80, 10.1.2.6:80",
	     true);
	world_free(w);
}

/* TestCategorizeEndpoints "externalTrafficPolicy ignored if not externally
 * accessible" through proxy.c: no external policy, no no-local count */
static void etp_not_accessible_kernel_mapping(void **state)
{
	struct world *w = world_new();

	(void)state;
	svc(w, "{" META("ns1", "svc1") ",'spec':{'externalTrafficPolicy':'Local',"
	    "'clusterIP':'172.30.0.41','ports':[{'name':'p80','port':80,'protocol':'TCP'}]}}");
	slice(w, "{" SLICE_META("ns1", "svc1", 1) ",'addressType':'IPv4','ports':["
	      PORT("p80", 80, "TCP") "],'endpoints':[" EPN("10.0.0.0") "]}");
	build(w);
	assert_int_equal(svc_service_external_policy(find(w, "ns1/svc1:p80")),
			 SVCVIP_POLICY_CLUSTER);
	assert_int_equal(w->info[0].no_local_external[PROXY_V4], 0);
	world_free(w);
}

/* topology.go topologyModeFromHints: node hints (PreferSameNode) win over
 * zone hints when every ready endpoint has one and one names this node */
static void topology_node_hints(void **state)
{
	struct world *w = world_new();

	(void)state;
	set_zone(w, "zone-a");
	svc(w, "{" META("ns1", "svc1") ",'spec':{'clusterIP':'172.30.0.41','ports':["
	    "{'name':'p80','port':80,'protocol':'TCP'}]}}");
	slice(w, "{" SLICE_META("ns1", "svc1", 1) ",'addressType':'IPv4','ports':["
	      PORT("p80", 80, "TCP") "],'endpoints':["
	      "{'addresses':['10.0.0.1'],'hints':{'forZones':[{'name':'zone-a'}],"
	      "'forNodes':[{'name':'test-node'}]}},"
	      "{'addresses':['10.0.0.2'],'hints':{'forZones':[{'name':'zone-a'}],"
	      "'forNodes':[{'name':'other'}]}}]}");
	build(w);
	FLOW(w, TCP, "10.0.0.9", "172.30.0.41", 80, "10.0.0.1:80", false);
	world_free(w);
}

/* servicechangetracker: ports with an unknown protocol are skipped; the
 * round-trip fixture's Service (unknown type) is not proxied at all */
static void unknown_values(void **state)
{
	struct world *w = world_new();

	(void)state;
	svc(w, "{" META("ns1", "u") ",'spec':{'clusterIP':'172.30.0.70','ports':["
	    "{'name':'a','port':80,'protocol':'protocolValue'},{'name':'b','port':81},"
	    "{'name':'c','port':0}]}}");
	svc(w, "{" META("ns1", "t") ",'spec':{'type':'typeValue','clusterIP':'172.30.0.71',"
	    "'ports':[{'name':'a','port':80}]}}");
	build(w);
	assert_int_equal(w->t.n, 1);
	assert_int_equal(w->info[0].skipped_ports, 2);
	assert_string_equal(fes(w, "ns1/u:b"), "clusterip 172.30.0.70:81");
	assert_false(proxy_service_wanted(&w->svc[1]));
	world_free(w);
}

/* the kubectl-shaped fixtures end to end: dual-stack LB, ETP Local,
 * affinity, trimmed per-family source ranges, hostname-only ingress */
static void kubectl_fixtures_end_to_end(void **state)
{
	struct world *w = world_new();
	struct json_object *o;
	char err[256];
	char *path;
	const char *file = __FILE__, *slash = strrchr(file, '/');

	(void)state;
	assert_int_equal(asprintf(&path, "%.*s/fixtures/kubectl-service-lb-dualstack.json",
				  (int)(slash - file), file) > 0, 1);
	o = json_object_from_file(path);
	free(path);
	assert_non_null(o);
	assert_int_equal(k8s_parse_service(o, &w->svc[w->nsvc++], err, sizeof(err)), 0);
	json_object_put(o);
	assert_int_equal(asprintf(&path, "%.*s/fixtures/kubectl-endpointslice.json",
				  (int)(slash - file), file) > 0, 1);
	o = json_object_from_file(path);
	free(path);
	assert_non_null(o);
	assert_int_equal(k8s_parse_endpoint_slice(o, &w->es[w->nes++], err, sizeof(err)), 0);
	json_object_put(o);
	w->o.node_name = "node-1";
	build(w);
	assert_int_equal(w->t.n, 2);
	assert_string_equal(fes(w, "shop/web:http"),
			    "clusterip 10.96.12.34:80, clusterip [fd00:10:96::1234]:80, "
			    "externalip 192.0.2.10:80, externalip [2001:db8::10]:80, "
			    "loadbalancer 198.51.100.7:80 [203.0.113.0/24], "
			    "loadbalancer [2001:db8:ffff::7]:80 [2001:db8:1::/48], nodeport any:30080");
	/* the zone-a hint needs a node zone; the third endpoint has no hint
	 * anyway: no filtering. 10.244.3.7 has empty conditions: ready */
	assert_string_equal(bes(w, "shop/web:http"),
			    "10.244.1.5:8080 L, 10.244.2.9:8080 T, 10.244.3.7:8080");
	assert_int_equal(svc_service_affinity_timeout(find(w, "shop/web:dns")), 600);
	assert_int_equal(w->info[0].health_check_node_port, 31999);
	assert_int_equal(w->info[0].local_endpoints, 1);
	world_free(w);
}

/* proxy_build_service leaves out unchanged when a name is taken */
static void build_service_all_or_nothing(void **state)
{
	struct world *w = world_new();
	const struct k8s_endpoint_slice *none[1] = { NULL };

	(void)state;
	svc(w, "{" META("ns1", "a") ",'spec':{'clusterIP':'172.30.0.80','ports':["
	    "{'name':'x','port':80},{'name':'y','port':81}]}}");
	assert_non_null(svc_table_add(&w->t, "ns1/a:y"));
	assert_int_equal(proxy_build_service(&w->o, &w->node, &w->svc[0], none, 0, &w->t, NULL),
			 -EEXIST);
	assert_int_equal(w->t.n, 1);
	assert_null(svc_table_find(&w->t, "ns1/a:x"));
	world_free(w);
}

static void add_table(struct CMUnitTest *t, size_t *n, const char *prefix, const char *name,
		      CMUnitTestFunction f, const void *state)
{
	char *full;

	assert_int_equal(asprintf(&full, "%s/%s", prefix, name) > 0, 1);
	t[*n].name = full;
	t[*n].test_func = f;
	t[*n].setup_func = NULL;
	t[*n].teardown_func = NULL;
	t[*n].initial_state = (void *)state;
	(*n)++;
}

#define T(prefix, f) add_table(tests, &n, prefix, #f, f, NULL)

int main(void)
{
	struct CMUnitTest tests[160];
	size_t n = 0, i;
	int ret;

	for (i = 0; i < sizeof(cat_cases) / sizeof(cat_cases[0]); i++)
		add_table(tests, &n, "TestCategorizeEndpoints", cat_cases[i].name,
			  test_categorize, &cat_cases[i]);
	T("TestEndpointsMapFromESC", esc_1_slice_2_hosts);
	T("TestEndpointsMapFromESC", esc_2_slices_same_port);
	T("TestEndpointsMapFromESC", esc_2_overlapping_slices);
	T("TestEndpointsMapFromESC", esc_unready_and_terminating);
	T("TestEndpointsMapFromESC", esc_3_slices_other_services);
	T("TestEndpointsMapFromESC", esc_nil_port);
	T("TestEndpointsMapFromESC", esc_duplicate_ips_two_ports);
	T("endpointslicecache.go addEndpoints", esc_duplicate_terminating_replaced);
	T("TestServiceToServiceMap", svcmap_headless);
	T("TestServiceToServiceMap", svcmap_cluster_ip);
	T("TestServiceToServiceMap", svcmap_nodeport);
	T("TestServiceToServiceMap", svcmap_load_balancer);
	T("TestServiceToServiceMap", svcmap_load_balancer_ipmode);
	T("TestServiceToServiceMap", svcmap_only_local_lb);
	T("TestServiceToServiceMap", svcmap_external_name);
	T("TestServiceToServiceMap", svcmap_family_filter);
	T("TestServiceToServiceMap", svcmap_ipv4_configurations);
	T("TestServiceToServiceMap", session_affinity_default);
	T("TestServiceToServiceMap", dual_stack_service);
	T("TestServiceToServiceMap", single_family_of_dual_stack);
	T("TestServiceToServiceMap", unknown_values);
	T("TestBuildServiceMapAddRemove", build_service_map_add_remove);
	T("TestBuildServiceMapServiceUpdate", build_service_map_service_update);
	T("TestHealthCheckNodePortWhenTerminating", health_check_node_port_when_terminating);
	T("TestOverallNFTablesRules", overall_nftables_rules);
	T("TestNoEndpointsReject", no_endpoints_reject);
	T("TestClusterIPGeneral", cluster_ip_general);
	T("TestLoadBalancer", load_balancer);
	T("TestLoadBalancer", load_balancer_ranges_without_node_ip);
	T("TestNodePorts", node_ports_ipv4);
	T("TestNodePorts", node_ports_ipv4_multiple);
	T("TestNodePorts", node_ports_ipv6);
	T("TestNodePorts", node_ports_ipv6_multiple);
	T("TestExternalTrafficPolicyLocal", external_traffic_policy_local);
	T("TestExternalTrafficPolicyCluster", external_traffic_policy_cluster);
	for (i = 0; i < sizeof(itp_cases) / sizeof(itp_cases[0]); i++)
		add_table(tests, &n, "TestInternalTrafficPolicy", itp_cases[i].name, test_itp,
			  &itp_cases[i]);
	for (i = 0; i < sizeof(term_cases) / sizeof(term_cases[0]); i++)
		add_table(tests, &n, "", term_cases[i].name, test_terminating, &term_cases[i]);
	for (i = 0; i < sizeof(metric_cases) / sizeof(metric_cases[0]); i++)
		add_table(tests, &n, "TestNoEndpointsMetric", metric_cases[i].name, test_metric,
			  &metric_cases[i]);
	T("TestBadIPs", bad_ips);
	T("TestBadIPs", bad_ips_parser);
	T("TestLoadBalancerIngressRouteTypeProxy", load_balancer_ingress_route_type_proxy);
	T("TestProxier_OnServiceCIDRsChanged", on_service_cidrs_changed);
	T("server.go nodePortAddresses primary", config_nodeport_primary_and_keys);
	T("GetNodeHostIPs", config_node_host_ips);
	T("TestCategorizeEndpoints kernel mapping", topology_hints_kernel_mapping);
	T("topologyModeFromHints PreferSameNode", topology_node_hints);
	T("TestCategorizeEndpoints kernel mapping", itp_local_topology_kernel_mapping);
	T("TestCategorizeEndpoints kernel mapping", etp_not_accessible_kernel_mapping);
	T("kubectl fixtures", kubectl_fixtures_end_to_end);
	T("proxy_build_service", build_service_all_or_nothing);
	assert_true(n <= sizeof(tests) / sizeof(tests[0]));

	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = _cmocka_run_group_tests("proxy", tests, n, NULL, NULL);
	for (i = 0; i < n; i++)
		free((char *)tests[i].name);
	return ret;
}
