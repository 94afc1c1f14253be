// SPDX-License-Identifier: GPL-2.0
/*
 * proxy.c: one Kubernetes Service to svcvip services (servicechangetracker.go,
 * serviceport.go and the nftables proxier's frontends), and the config keys
 * svcsyncd owns (see proxy.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "proxy.h"

#define AFFINITY_TIMEOUT_DEFAULT 10800	/* the API server's default */

static const uint16_t families[PROXY_NFAMILIES] = { AF_INET, AF_INET6 };

bool proxy_service_wanted(const struct k8s_service *svc)
{
	/* ShouldSkipService: "" or "None" clusterIP, ExternalName */
	if (!svc->cluster_ip || !*svc->cluster_ip || !strcmp(svc->cluster_ip, "None"))
		return false;
	return svc->type != K8S_SVC_EXTERNAL_NAME && svc->type != K8S_SVC_TYPE_UNKNOWN;
}

/* GetClusterIPByFamily, parsed leniently; false: family not served. */
static bool cluster_ip(const struct k8s_service *svc, uint16_t family, union svc_inaddr *addr)
{
	const char *s = NULL;
	enum k8s_family want = family == AF_INET ? K8S_IPV4 : K8S_IPV6;
	uint16_t f;
	size_t i;

	if (!svc->n_ip_families) {
		s = svc->cluster_ip;	/* allowing skew: no ipFamilies */
	} else {
		for (i = 0; i < svc->n_ip_families; i++)
			if (svc->ip_families[i] == want && i < svc->cluster_ips.n) {
				s = svc->cluster_ips.v[i];
				break;
			}
	}
	return s && !proxy_parse_ip(s, &f, addr) && f == family;
}

/* apiservice.ExternallyAccessible (the Service, not one family) */
static bool externally_accessible(const struct k8s_service *svc)
{
	return svc->type == K8S_SVC_LOAD_BALANCER || svc->type == K8S_SVC_NODE_PORT ||
	       (svc->type == K8S_SVC_CLUSTER_IP && svc->external_ips.n);
}

static bool ingress_vip(const struct k8s_lb_ingress *in)
{
	/* IsVIPMode: ipMode absent or VIP; a hostname-only entry has no IP */
	return in->ip && *in->ip && (!in->ip_mode || !strcmp(in->ip_mode, "VIP"));
}

/* Everything of a Service that is the same for all its ports, per family. */
struct svc_ctx {
	const struct proxy_options *o;
	const struct k8s_service *svc;
	const char *zone;
	const char *node_name;
	bool served[PROXY_NFAMILIES];
	union svc_inaddr cip[PROXY_NFAMILIES];
	struct svc_cidrs ranges[PROXY_NFAMILIES];	/* LB source ranges */
	bool etp_local, itp_local;
	bool accessible[PROXY_NFAMILIES];		/* ServicePort.ExternallyAccessible */
};

static int add_cidr(struct svc_cidrs *l, uint16_t family, const union svc_inaddr *a)
{
	struct svc_cidr c = { .family = family, .addr = *a };

	c.prefixlen = (uint8_t)(svc_addr_len(family) * 8);
	return svc_cidrs_add(l, &c);
}

static char *trimmed(const char *s)
{
	size_t len;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\v' || *s == '\f')
		s++;
	len = strlen(s);
	while (len && strchr(" \t\n\r\v\f", s[len - 1]))
		len--;
	return strndup(s, len);
}

/*
 * loadBalancerSourceRanges of one family, trimmed; with the family's LB IPs
 * added when a range holds the node's IP (a node reaching its own LB IP is
 * seen coming from that IP). The node IP is loopback when unknown.
 */
static int source_ranges(struct svc_ctx *c, const struct proxy_node_ips *nip, int f)
{
	const struct k8s_service *svc = c->svc;
	union svc_inaddr node_ip = { 0 }, a;
	bool allow_node = false;
	uint16_t fam;
	size_t i;
	int ret;

	if (nip->has[f])
		node_ip = nip->addr[f];
	else if (f == PROXY_V4)
		node_ip.b[0] = 127, node_ip.b[3] = 1;
	else
		node_ip.b[15] = 1;
	for (i = 0; i < svc->lb_source_ranges.n; i++) {
		struct svc_cidr cidr;
		char *t = trimmed(svc->lb_source_ranges.v[i]);

		if (!t)
			return -ENOMEM;
		ret = proxy_parse_cidr(t, &cidr);
		free(t);
		if (ret || cidr.family != families[f])
			continue;	/* MapCIDRsByIPFamily drops bad ones */
		if (svc_cidrs_add(&c->ranges[f], &cidr))
			return -ENOMEM;
		allow_node |= proxy_cidr_contains(&cidr, families[f], &node_ip);
	}
	for (i = 0; allow_node && i < svc->n_ingress; i++) {
		if (!ingress_vip(&svc->ingress[i]) ||
		    proxy_parse_ip(svc->ingress[i].ip, &fam, &a) || fam != families[f])
			continue;
		if (add_cidr(&c->ranges[f], fam, &a))
			return -ENOMEM;
	}
	return 0;
}

static int family_count(const struct k8s_strs *ips, uint16_t family)
{
	union svc_inaddr a;
	uint16_t f;
	size_t i;
	int n = 0;

	for (i = 0; i < ips->n; i++)
		n += !proxy_parse_ip(ips->v[i], &f, &a) && f == family;
	return n;
}

static int ctx_init(struct svc_ctx *c, const struct proxy_options *o,
		    const struct k8s_node *node, const struct k8s_service *svc)
{
	struct proxy_node_ips nip;
	size_t i;
	int f, ret;

	memset(c, 0, sizeof(*c));
	c->o = o;
	c->svc = svc;
	c->zone = node ? node->zone : NULL;
	c->node_name = o->node_name;
	c->itp_local = svc->itp_local;
	c->etp_local = svc->etp_local && externally_accessible(svc);
	proxy_node_ips(node, &nip);
	for (f = 0; f < PROXY_NFAMILIES; f++) {
		bool lb = false;

		c->served[f] = cluster_ip(svc, families[f], &c->cip[f]);
		if (!c->served[f])
			continue;
		for (i = 0; i < svc->n_ingress; i++) {
			union svc_inaddr a;
			uint16_t fam;

			lb |= ingress_vip(&svc->ingress[i]) &&
			      !proxy_parse_ip(svc->ingress[i].ip, &fam, &a) && fam == families[f];
		}
		c->accessible[f] = lb || family_count(&svc->external_ips, families[f]);
		ret = source_ranges(c, &nip, f);
		if (ret)
			return ret;
	}
	return 0;
}

static void ctx_free(struct svc_ctx *c)
{
	int f;

	for (f = 0; f < PROXY_NFAMILIES; f++)
		svc_cidrs_free(&c->ranges[f]);
}

static bool has_frontend_addr(const struct svc_service *s, uint16_t family,
			      const union svc_inaddr *a)
{
	size_t i;

	for (i = 0; i < s->nfrontends; i++)
		if (s->frontends[i].family == family &&
		    !memcmp(s->frontends[i].addr.b, a->b, svc_addr_len(family)))
			return true;
	return false;
}

static int add_frontend(struct svc_service *s, uint8_t kind, uint16_t family,
			const union svc_inaddr *a, uint16_t port, const struct svc_cidrs *ranges)
{
	struct svc_frontend fe = { .kind = kind, .family = family, .port = port };

	if (a) {
		if (has_frontend_addr(s, family, a))
			return 0;	/* proxy.h gap 2 */
		fe.addr = *a;
	}
	if (ranges)
		fe.source_ranges = *ranges;	/* deep-copied by add */
	return svc_service_add_frontend(s, &fe);
}

/* The frontends of one family: cluster IP, LB IPs, external IPs. */
static int family_frontends(const struct svc_ctx *c, struct svc_service *s, int f, uint16_t port)
{
	const struct k8s_service *svc = c->svc;
	union svc_inaddr a;
	uint16_t fam;
	size_t i;
	int ret;

	ret = add_frontend(s, SVCVIP_FRONTEND_CLUSTERIP, families[f], &c->cip[f], port, NULL);
	for (i = 0; !ret && i < svc->n_ingress; i++) {
		if (!ingress_vip(&svc->ingress[i]) ||
		    proxy_parse_ip(svc->ingress[i].ip, &fam, &a) || fam != families[f])
			continue;
		ret = add_frontend(s, SVCVIP_FRONTEND_LOADBALANCER, fam, &a, port,
				   &c->ranges[f]);
	}
	for (i = 0; !ret && i < svc->external_ips.n; i++) {
		if (proxy_parse_ip(svc->external_ips.v[i], &fam, &a) || fam != families[f])
			continue;
		ret = add_frontend(s, SVCVIP_FRONTEND_EXTERNALIP, fam, &a, port, NULL);
	}
	return ret;
}

static void set_settings(const struct svc_ctx *c, struct svc_service *s, uint8_t protocol)
{
	const struct k8s_service *svc = c->svc;
	int32_t t = svc->affinity_timeout;

	s->protocol = protocol;
	s->internal_policy = c->itp_local ? SVCVIP_POLICY_LOCAL : SVCVIP_POLICY_CLUSTER;
	s->external_policy = c->etp_local ? SVCVIP_POLICY_LOCAL : SVCVIP_POLICY_CLUSTER;
	s->has = SVC_SVC_HAS_PROTOCOL | SVC_SVC_HAS_INTERNAL_POLICY |
		 SVC_SVC_HAS_EXTERNAL_POLICY | SVC_SVC_HAS_FRONTENDS | SVC_SVC_HAS_BACKENDS;
	if (svc->affinity_client_ip) {
		s->affinity = SVCVIP_AFFINITY_CLIENTIP;
		if (t <= 0)
			t = AFFINITY_TIMEOUT_DEFAULT;
		if (t > SVCVIP_AFFINITY_TIMEOUT_MAX)
			t = SVCVIP_AFFINITY_TIMEOUT_MAX;
		s->affinity_timeout = (uint32_t)t;
		s->has |= SVC_SVC_HAS_AFFINITY | SVC_SVC_HAS_AFFINITY_TIMEOUT;
	}
}

/* Backends of one family, and the no-local-endpoints counts. */
static int family_backends(const struct svc_ctx *c, struct svc_service *s,
			   const struct k8s_service_port *sp, int f,
			   const struct k8s_endpoint_slice *const *slices, size_t n_slices,
			   struct proxy_service_info *info)
{
	bool uses_cluster, uses_local, has_any, topology;
	struct proxy_endpoint *eps;
	size_t n, i, n_local = 0;
	uint8_t *in;
	int ret;

	ret = proxy_port_endpoints(c->o, c->svc, sp, families[f], slices, n_slices, &eps, &n);
	if (ret)
		return ret;
	in = calloc(n ? n : 1, 1);
	if (!in) {
		free(eps);
		return -ENOMEM;
	}
	/* ServicePort.UsesClusterEndpoints / UsesLocalEndpoints, per family */
	uses_cluster = !c->itp_local || c->accessible[f] || sp->node_port;
	uses_local = c->itp_local || (c->etp_local && (c->accessible[f] || sp->node_port));
	has_any = proxy_categorize(eps, n, uses_cluster, uses_local, c->node_name, c->zone,
				   in, &topology);
	for (i = 0; i < n; i++)
		n_local += (in[i] & PROXY_IN_LOCAL) != 0;
	if (has_any && !n_local) {
		info->no_local_internal[f] += c->itp_local;
		info->no_local_external[f] += c->etp_local;
	}
	ret = proxy_add_backends(s, eps, n, in, topology);
	free(in);
	free(eps);
	return ret;
}

static int build_port(const struct svc_ctx *c, const struct k8s_service_port *sp,
		      const struct k8s_endpoint_slice *const *slices, size_t n_slices,
		      struct svc_service *s, struct proxy_service_info *info)
{
	bool both = c->served[PROXY_V4] && c->served[PROXY_V6];
	int f, ret = 0;

	set_settings(c, s, (uint8_t)sp->protocol);
	for (f = 0; f < PROXY_NFAMILIES && !ret; f++) {
		if (!c->served[f])
			continue;
		ret = family_frontends(c, s, f, (uint16_t)sp->port);
		if (!ret && sp->node_port > 0 && sp->node_port <= 65535 && (!both || f == 0))
			ret = add_frontend(s, SVCVIP_FRONTEND_NODEPORT,
					   both ? AF_UNSPEC : families[f], NULL,
					   (uint16_t)sp->node_port, NULL);
		if (!ret)
			ret = family_backends(c, s, sp, f, slices, n_slices, info);
	}
	if (!ret)
		svc_service_sort(s);
	return ret;
}

static bool slice_of(const struct k8s_endpoint_slice *es, const struct k8s_service *svc)
{
	return es && es->service_name && svc->meta.name && es->meta.namespace &&
	       svc->meta.namespace && !strcmp(es->service_name, svc->meta.name) &&
	       !strcmp(es->meta.namespace, svc->meta.namespace) &&
	       (es->address_type == K8S_IPV4 || es->address_type == K8S_IPV6);
}

/* EndpointsMap.LocalReadyEndpoints: distinct IPs over every valid slice port. */
static int local_ready_ips(const struct proxy_options *o, const struct k8s_service *svc,
			   const struct k8s_endpoint_slice *const *slices, size_t n_slices,
			   uint32_t *count)
{
	struct svc_cidrs seen = { 0 };	/* a list of /32 and /128 */
	size_t i, j, k;

	*count = 0;
	for (i = 0; i < n_slices; i++) {
		const struct k8s_endpoint_slice *es = slices[i];
		uint16_t want = AF_INET;
		bool port_ok = false;

		if (!slice_of(es, svc))
			continue;
		if (es->address_type == K8S_IPV6)
			want = AF_INET6;
		for (j = 0; j < es->n_ports; j++)
			port_ok |= es->ports[j].name && es->ports[j].port > 0;
		for (j = 0; port_ok && j < es->n_endpoints; j++) {
			const struct k8s_endpoint *e = &es->endpoints[j];
			union svc_inaddr a;
			uint16_t f;
			bool dup = false;

			if (e->ready == K8S_FALSE || !o->node_name || !*o->node_name ||
			    !e->node_name || strcmp(e->node_name, o->node_name) ||
			    !e->addresses.n || proxy_parse_ip(e->addresses.v[0], &f, &a) ||
			    f != want)
				continue;
			for (k = 0; k < seen.n && !dup; k++)
				dup = seen.v[k].family == f &&
				      !memcmp(seen.v[k].addr.b, a.b, svc_addr_len(f));
			if (!dup && add_cidr(&seen, f, &a)) {
				svc_cidrs_free(&seen);
				return -ENOMEM;
			}
		}
	}
	*count = (uint32_t)seen.n;
	svc_cidrs_free(&seen);
	return 0;
}

static int service_name(char *buf, const struct k8s_service *svc,
			const struct k8s_service_port *sp)
{
	int len = snprintf(buf, SVCVIP_NAME_MAX, "%s/%s:%s",
			   svc->meta.namespace ? svc->meta.namespace : "", svc->meta.name,
			   sp->name ? sp->name : "");

	return len > 0 && len < SVCVIP_NAME_MAX ? 0 : -ENAMETOOLONG;
}

/* Moves every service of tmp into out, or none (-EEXIST, -ENOMEM). */
static int move_all(struct svc_table *tmp, struct svc_table *out)
{
	char (*names)[SVCVIP_NAME_MAX];
	size_t i, moved;
	int ret = 0;

	for (i = 0; i < tmp->n; i++)
		if (svc_table_find(out, tmp->v[i].name))
			return -EEXIST;
	names = calloc(tmp->n ? tmp->n : 1, sizeof(*names));
	if (!names)
		return -ENOMEM;
	for (moved = 0; moved < tmp->n && !ret; moved++) {
		memcpy(names[moved], tmp->v[moved].name, SVCVIP_NAME_MAX);
		ret = svc_table_insert(out, &tmp->v[moved]);
	}
	if (ret)
		for (i = 0; i + 1 < moved; i++)
			svc_table_del(out, names[i]);
	free(names);
	return ret;
}

int proxy_build_service(const struct proxy_options *o, const struct k8s_node *node,
			const struct k8s_service *svc,
			const struct k8s_endpoint_slice *const *slices, size_t n_slices,
			struct svc_table *out, struct proxy_service_info *info)
{
	struct proxy_service_info dummy;
	struct svc_table tmp;
	struct svc_ctx c;
	size_t i;
	int ret;

	if (!info)
		info = &dummy;
	memset(info, 0, sizeof(*info));
	if (!proxy_service_wanted(svc) || !svc->meta.name)
		return 0;
	if (svc->type == K8S_SVC_LOAD_BALANCER && svc->etp_local)
		info->health_check_node_port = svc->health_check_node_port;
	ret = local_ready_ips(o, svc, slices, n_slices, &info->local_endpoints);
	if (ret)
		return ret;
	svc_table_init(&tmp);
	ret = ctx_init(&c, o, node, svc);
	for (i = 0; !ret && i < svc->n_ports; i++) {
		const struct k8s_service_port *sp = &svc->ports[i];
		char name[SVCVIP_NAME_MAX];
		struct svc_service s = { 0 };

		if (!sp->protocol || sp->port <= 0 || sp->port > 65535 ||
		    service_name(name, svc, sp) || svc_table_find(&tmp, name)) {
			info->skipped_ports++;
			continue;
		}
		memcpy(s.name, name, sizeof(name));
		ret = build_port(&c, sp, slices, n_slices, &s, info);
		if (!ret)
			ret = svc_table_insert(&tmp, &s);
		svc_service_free(&s);
	}
	ctx_free(&c);
	if (!ret)
		ret = move_all(&tmp, out);
	if (!ret)
		info->services = (uint32_t)tmp.n;
	svc_table_free(&tmp);
	return ret;
}

/*
 * NewNodePortAddresses: a family without a CIDR of its own matches all of
 * its addresses, so it gets its zero CIDR (the kernel's list is shared).
 */
static int nodeport_fill(struct svc_cidrs *l)
{
	bool has[PROXY_NFAMILIES] = { false, false };
	union svc_inaddr zero = { 0 };
	size_t i;
	int f;

	if (!l->n)
		return 0;		/* empty: every local address */
	for (i = 0; i < l->n; i++)
		has[l->v[i].family == AF_INET6 ? PROXY_V6 : PROXY_V4] = true;
	for (f = 0; f < PROXY_NFAMILIES; f++) {
		struct svc_cidr c = { .family = families[f], .prefixlen = 0, .addr = zero };

		if (!has[f] && svc_cidrs_add(l, &c))
			return -ENOMEM;
	}
	return 0;
}

static bool is_loopback(int f, const union svc_inaddr *a)
{
	static const uint8_t lo6[16] = { [15] = 1 };

	return f == PROXY_V4 ? a->b[0] == 127 : !memcmp(a->b, lo6, 16);
}

static int nodeport_cidrs(const struct proxy_options *o, const struct k8s_node *node,
			  struct svc_cidrs *l)
{
	struct proxy_node_ips nip;
	int f, ret = 0;

	switch (o->nodeport_mode) {
	case PROXY_NODEPORT_ALL:
		return 0;
	case PROXY_NODEPORT_CIDRS:
		ret = svc_cidrs_copy(l, &o->nodeport_cidrs);
		break;
	default:
		/* "primary": the node IPs as /32 and /128, never loopback */
		proxy_node_ips(node, &nip);
		for (f = 0; f < PROXY_NFAMILIES && !ret; f++)
			if (nip.has[f] && !is_loopback(f, &nip.addr[f]))
				ret = add_cidr(l, families[f], &nip.addr[f]);
	}
	return ret ? ret : nodeport_fill(l);
}

static bool cidrs_has(const struct svc_cidrs *l, const struct svc_cidr *c)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!svc_cidr_cmp(&l->v[i], c))
			return true;
	return false;
}

static int service_cidrs(const struct proxy_options *o,
			 const struct k8s_service_cidr *const *cidrs, size_t n,
			 struct svc_cidrs *l)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; cidrs[i] && j < cidrs[i]->cidrs.n; j++) {
			struct svc_cidr c;

			if (proxy_parse_cidr(cidrs[i]->cidrs.v[j], &c) || cidrs_has(l, &c))
				continue;
			if (svc_cidrs_add(l, &c))
				return -ENOMEM;
		}
	}
	return l->n ? 0 : svc_cidrs_copy(l, &o->service_cidrs);
}

int proxy_build_config(const struct proxy_options *o, const struct k8s_node *node,
		       const struct k8s_service_cidr *const *cidrs, size_t n,
		       struct svc_config *out)
{
	int ret;

	memset(out, 0, sizeof(*out));
	ret = svc_cidrs_copy(&out->cluster_cidrs, &o->cluster_cidrs);
	if (!ret)
		ret = nodeport_cidrs(o, node, &out->nodeport_cidrs);
	if (!ret)
		ret = service_cidrs(o, cidrs, n, &out->service_cidrs);
	if (ret) {
		svc_config_free(out);
		return ret;
	}
	out->masquerade_all = o->masquerade_all;
	out->has = SVC_CFG_HAS_CLUSTER_CIDRS | SVC_CFG_HAS_MASQUERADE_ALL |
		   SVC_CFG_HAS_NODEPORT_CIDRS | SVC_CFG_HAS_SERVICE_CIDRS;
	return 0;
}
