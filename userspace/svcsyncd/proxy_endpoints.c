// SPDX-License-Identifier: GPL-2.0
/*
 * proxy_endpoints.c: the endpoints of one service port (EndpointSliceCache),
 * their categories (topology.go CategorizeEndpoints) and the backends that
 * make the kernel's pools equal to them (see proxy.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "proxy.h"

static bool str_eq(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

static bool slice_belongs(const struct k8s_service *svc, const struct k8s_endpoint_slice *es,
			  uint16_t family)
{
	enum k8s_family want = family == AF_INET ? K8S_IPV4 : K8S_IPV6;

	/* endpointSliceCacheKeys: the label, a name and a namespace */
	if (!es->service_name || !*es->service_name || !es->meta.name || !*es->meta.name ||
	    !es->meta.namespace || !*es->meta.namespace)
		return false;
	return es->address_type == want && str_eq(es->service_name, svc->meta.name) &&
	       str_eq(es->meta.namespace, svc->meta.namespace);
}

/* Sort key: the endpoint key (family, address, port), then arrival order. */
struct ep_slot {
	struct proxy_endpoint ep;
	size_t order;
};

static int slot_cmp(const void *pa, const void *pb)
{
	const struct ep_slot *a = pa, *b = pb;
	int r;

	if (a->ep.family != b->ep.family)
		return a->ep.family < b->ep.family ? -1 : 1;
	r = memcmp(a->ep.addr.b, b->ep.addr.b, svc_addr_len(a->ep.family));
	if (r)
		return r;
	if (a->ep.port != b->ep.port)
		return a->ep.port < b->ep.port ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

static bool same_key(const struct proxy_endpoint *a, const struct proxy_endpoint *b)
{
	return a->family == b->family && a->port == b->port &&
	       !memcmp(a->addr.b, b->addr.b, svc_addr_len(a->family));
}

/*
 * One endpoint per IP:port. addEndpoints keeps the first copy and lets a
 * non-terminating copy replace a terminating one: the first non-terminating
 * copy if there is one, else the first. Sorted, so O(n log n).
 */
static size_t dedup(struct ep_slot *v, size_t n, struct proxy_endpoint *out)
{
	size_t i = 0, j, k = 0;

	qsort(v, n, sizeof(*v), slot_cmp);
	while (i < n) {
		size_t pick = i;

		for (j = i; j < n && same_key(&v[j].ep, &v[i].ep); j++)
			if (v[pick].ep.terminating && !v[j].ep.terminating)
				pick = j;
		out[k++] = v[pick].ep;
		i = j;
	}
	return k;
}

/* Adds the endpoints of one slice port (number port) to *v. */
static int add_slice_endpoints(const struct proxy_options *o, const struct k8s_endpoint_slice *es,
			       uint16_t family, uint16_t port, struct ep_slot **v,
			       size_t *n, size_t *cap)
{
	size_t i;

	for (i = 0; i < es->n_endpoints; i++) {
		const struct k8s_endpoint *e = &es->endpoints[i];
		struct proxy_endpoint ep = { 0 };

		if (!e->addresses.n ||
		    proxy_parse_ip(e->addresses.v[0], &ep.family, &ep.addr) ||
		    ep.family != family)
			continue;
		ep.port = port;
		ep.ready = e->ready != K8S_FALSE;
		ep.serving = e->serving != K8S_FALSE;
		ep.terminating = e->terminating == K8S_TRUE;
		ep.local = o->node_name && *o->node_name && str_eq(e->node_name, o->node_name);
		ep.zone_hints = &e->hint_zones;
		ep.node_hints = &e->hint_nodes;
		if (*n == *cap) {
			size_t ncap = *cap ? *cap * 2 : 8;
			struct ep_slot *nv = realloc(*v, ncap * sizeof(*nv));

			if (!nv)
				return -ENOMEM;
			*v = nv;
			*cap = ncap;
		}
		(*v)[*n].ep = ep;
		(*v)[*n].order = *n;
		(*n)++;
	}
	return 0;
}

int proxy_port_endpoints(const struct proxy_options *o, const struct k8s_service *svc,
			 const struct k8s_service_port *sp, uint16_t family,
			 const struct k8s_endpoint_slice *const *slices, size_t n_slices,
			 struct proxy_endpoint **out, size_t *n_out)
{
	struct ep_slot *v = NULL;
	struct proxy_endpoint *res;
	size_t n = 0, cap = 0, i, j;
	int ret;

	*out = NULL;
	*n_out = 0;
	for (i = 0; i < n_slices; i++) {
		const struct k8s_endpoint_slice *es = slices[i];

		if (!es || !slice_belongs(svc, es, family))
			continue;
		for (j = 0; j < es->n_ports; j++) {
			const struct k8s_endpoint_port *p = &es->ports[j];

			/* nil name or nil/0 port: skipped; joined by name + protocol */
			if (!p->name || p->port <= 0 || p->port > 65535 ||
			    strcmp(p->name, sp->name ? sp->name : "") ||
			    p->protocol != sp->protocol)
				continue;
			ret = add_slice_endpoints(o, es, family, (uint16_t)p->port, &v, &n, &cap);
			if (ret) {
				free(v);
				return ret;
			}
		}
	}
	if (!n)
		return 0;
	res = malloc(n * sizeof(*res));
	if (!res) {
		free(v);
		return -ENOMEM;
	}
	*n_out = dedup(v, n, res);
	*out = res;
	free(v);
	return 0;
}

static bool strs_has(const struct k8s_strs *s, const char *x)
{
	size_t i;

	if (!s || !x)
		return false;
	for (i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], x))
			return true;
	return false;
}

enum topo_mode { TOPO_NONE, TOPO_NODE, TOPO_ZONE };

/* topologyModeFromHints (PreferSameTrafficDistribution on) */
static enum topo_mode topology_mode(const struct proxy_endpoint *eps, size_t n,
				    const char *node_name, const char *zone)
{
	bool any_ready = false, for_node = false, all_node = true;
	bool for_zone = false, all_zone = true;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct proxy_endpoint *e = &eps[i];

		if (!e->ready)
			continue;
		any_ready = true;
		if (!e->node_hints || !e->node_hints->n)
			all_node = false;
		else if (strs_has(e->node_hints, node_name))
			for_node = true;
		if (!e->zone_hints || !e->zone_hints->n)
			all_zone = false;
		else if (zone && *zone && strs_has(e->zone_hints, zone))
			for_zone = true;
	}
	if (!any_ready)
		return TOPO_NONE;
	if (all_node && for_node)
		return TOPO_NODE;
	if (all_zone && for_zone)
		return TOPO_ZONE;
	return TOPO_NONE;
}

static bool available(const struct proxy_endpoint *e, enum topo_mode mode,
		      const char *node_name, const char *zone)
{
	switch (mode) {
	case TOPO_NODE:
		return strs_has(e->node_hints, node_name);
	case TOPO_ZONE:
		return strs_has(e->zone_hints, zone);
	default:
		return true;
	}
}

bool proxy_categorize(const struct proxy_endpoint *eps, size_t n, bool uses_cluster,
		      bool uses_local, const char *node_name, const char *zone,
		      uint8_t *in, bool *topology)
{
	enum topo_mode mode = TOPO_NONE;
	bool has_any = false, local_ready = false, local_term = false, any = false;
	size_t i;

	memset(in, 0, n);
	*topology = false;
	if (uses_cluster) {
		mode = topology_mode(eps, n, node_name, zone);
		for (i = 0; i < n; i++) {
			if (eps[i].ready && available(&eps[i], mode, node_name, zone)) {
				in[i] |= PROXY_IN_CLUSTER;
				any = true;
			}
		}
		/* no ready endpoint anywhere: the serving and terminating ones */
		for (i = 0; i < n && !any; i++)
			if (eps[i].serving && eps[i].terminating)
				in[i] |= PROXY_IN_CLUSTER;
		for (i = 0; i < n; i++)
			has_any |= (in[i] & PROXY_IN_CLUSTER) != 0;
		*topology = mode != TOPO_NONE;
	}
	if (!uses_local)
		return has_any;
	for (i = 0; i < n; i++) {
		if (eps[i].ready) {
			has_any = true;
			local_ready |= eps[i].local;
		} else if (eps[i].serving && eps[i].terminating) {
			has_any = true;
			local_term |= eps[i].local;
		}
	}
	for (i = 0; i < n; i++) {
		if (!eps[i].local)
			continue;
		if (local_ready ? eps[i].ready :
		    local_term && eps[i].serving && eps[i].terminating)
			in[i] |= PROXY_IN_LOCAL;
	}
	return has_any;
}

int proxy_add_backends(struct svc_service *s, const struct proxy_endpoint *eps, size_t n,
		       const uint8_t *in, bool topology)
{
	size_t i;
	int ret;

	for (i = 0; i < n; i++) {
		const struct proxy_endpoint *e = &eps[i];
		struct svc_backend be = { 0 };

		be.family = e->family;
		be.addr = e->addr;
		be.port = e->port;
		be.has = SVC_BE_HAS_WEIGHT | SVC_BE_HAS_FLAGS;
		be.weight = 1;
		if (e->local)
			be.flags |= SVCVIP_BACKEND_F_LOCAL;
		if (e->ready) {
			/* outside the hints and in no local set: no new connections */
			if (topology && !in[i])
				be.weight = 0;
		} else if (e->serving && e->terminating) {
			be.flags |= SVCVIP_BACKEND_F_TERMINATING;
		} else if (e->serving) {
			be.weight = 0;		/* unusable, its flows stay */
		} else {
			continue;		/* not serving: gone */
		}
		ret = svc_service_add_backend(s, &be);
		if (ret)
			return ret;
	}
	return 0;
}
