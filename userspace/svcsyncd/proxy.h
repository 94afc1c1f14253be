/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proxy.h: kube-proxy's semantics (nftables mode) as pure functions, from
 * the objects of k8s.h to the svcvip table of model.h.
 *
 * No I/O, no global state, no allocation kept between calls: everything a
 * function needs is in its arguments, and it may be called from any thread
 * on data nobody changes meanwhile. Work is per Kubernetes Service, so the
 * daemon rebuilds only the Services whose object or slices changed (plus
 * all of them when the Node or the options change: node IPs and the zone
 * feed source ranges and topology).
 *
 * Mapping onto the kernel (kmod/select.c, kmod/table.c state_build_pools):
 * one svcvip service per Service port, named "namespace/name:portname",
 * holding both families. The kernel's cluster pool is the backends without
 * the terminating flag (weight > 0), else the terminating ones; its local
 * pool the same among the backends flagged local. kube-proxy's sets map
 * onto it exactly:
 *   ready endpoint                          -> weight 1 (local flag if on this node)
 *   serving + terminating, not ready        -> weight 1, flag terminating
 *   ready but outside the topology hints    -> weight 0 (kept: no new
 *       connections, established ones and their UDP flows stay, as
 *       kube-proxy keeps them), unless it is local and a Local policy is
 *       used, see gap 1
 *   serving, not ready, not terminating     -> weight 0 (unusable; its UDP
 *       flows stay, as kube-proxy's conntrack cleanup keeps serving ones)
 *   not serving                             -> not a backend
 * internalTrafficPolicy Local -> internal policy local; externalTrafficPolicy
 * Local on an externally reachable Service (NodePort, LoadBalancer, or
 * externalIPs) -> external policy local; the kernel then picks the cluster
 * or local pool per source exactly as kube-proxy's chains do, rejects when
 * the cluster pool is empty (no usable endpoint anywhere) and drops when
 * the chosen local pool is empty.
 *
 * Gaps the kernel model cannot express (closest choice taken):
 *  1. A local ready endpoint that topology hints exclude from the cluster
 *     set while a Local policy uses the local set: kube-proxy keeps it out
 *     of the cluster set only; here it stays in both (weight 1), so
 *     cluster-policy traffic may also reach it. Dropping it from both would
 *     turn Local-policy traffic into drops.
 *  2. Duplicate frontends inside one Service (an externalIP equal to the
 *     cluster IP or an LB IP): kube-proxy's maps keep the last writer; here
 *     the first of cluster IP, LB IP, externalIP wins, so an LB IP keeps its
 *     source ranges.
 *  3. Node IPs are read from the Node object; --bind-address overriding the
 *     primary node IP is not modelled (a family without a node IP uses
 *     loopback, as kube-proxy does, for the source-range rule).
 *  4. Duplicate EndpointSlice endpoints are resolved in slice order (the
 *     caller passes slices sorted by name); kube-proxy iterates a map.
 *  5. The kernel takes at most 64 CIDRs per source-range list; a Service
 *     with more (ranges plus its LB IPs) is passed through and refused by
 *     the kernel (svc_sync reports it), where kube-proxy has no limit.
 */
#ifndef SVCSYNCD_PROXY_H
#define SVCSYNCD_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "k8s.h"
#include "model.h"

enum proxy_nodeport_mode {
	PROXY_NODEPORT_PRIMARY = 0,	/* the Node's primary IP per family (nftables default) */
	PROXY_NODEPORT_ALL,		/* every local address but loopback */
	PROXY_NODEPORT_CIDRS,		/* local addresses inside nodeport_cidrs */
};

struct proxy_options {
	const char *node_name;		/* endpoints with this nodeName are local */
	struct svc_cidrs cluster_cidrs;	/* --cluster-cidr; empty: no local traffic detector */
	bool masquerade_all;
	enum proxy_nodeport_mode nodeport_mode;
	struct svc_cidrs nodeport_cidrs;	/* PROXY_NODEPORT_CIDRS only */
	struct svc_cidrs service_cidrs;	/* --service-cluster-ip-range: used when
					 * no ServiceCIDR object has a CIDR */
};

enum { PROXY_V4, PROXY_V6, PROXY_NFAMILIES };

struct proxy_service_info {
	int32_t health_check_node_port;	/* LoadBalancer + ETP Local only, else 0 */
	uint32_t local_endpoints;	/* distinct ready local endpoint IPs, all
					 * slice ports and families (healthcheck) */
	/* service ports whose Local policy finds no local endpoint while
	 * endpoints exist elsewhere (kubeproxy_sync_proxy_rules_no_local_
	 * endpoints_total, traffic_policy internal / external), per family */
	uint32_t no_local_internal[PROXY_NFAMILIES];
	uint32_t no_local_external[PROXY_NFAMILIES];
	uint32_t services;		/* svcvip services appended */
	uint32_t skipped_ports;		/* unknown protocol, bad port, duplicate name */
};

/* Is the Service proxied at all? Not headless ("" / "None" clusterIP), not
 * ExternalName, not of a type this code does not know. */
bool proxy_service_wanted(const struct k8s_service *svc);

/*
 * Appends to out the svcvip services of one Service (one per service port,
 * both families in each) built from its EndpointSlices. Slices that do not
 * belong to svc (label, namespace) or have another family are ignored, so
 * the caller may pass every slice it keeps for the Service's name. node is
 * NULL while the Node is not known (no zone: no zone hints; loopback node
 * IPs). info may be NULL; it is zeroed first. Nothing is appended for an
 * unwanted Service (info still reports it). Returns 0, -ENOMEM, or -EEXIST
 * when out already holds one of the names; on error out is unchanged.
 */
int proxy_build_service(const struct proxy_options *o, const struct k8s_node *node,
			const struct k8s_service *svc,
			const struct k8s_endpoint_slice *const *slices, size_t n_slices,
			struct svc_table *out, struct proxy_service_info *info);

/*
 * The configuration keys svcsyncd owns, filled into out (zeroed first):
 * cluster-cidrs, masquerade-all, nodeport-cidrs and service-cidrs, with
 * their has bits. Limits, hash seed, packet stats, local-cidrs and the
 * Maglev size stay absent so that an admin's settings survive. cidrs are
 * the ServiceCIDR objects (n = 0: o->service_cidrs). -ENOMEM, out freed.
 */
int proxy_build_config(const struct proxy_options *o, const struct k8s_node *node,
		       const struct k8s_service_cidr *const *cidrs, size_t n,
		       struct svc_config *out);

/* ---- the pieces, exposed for tests and for the daemon's own use ---- */

/* netutils.ParseIPSloppy: IPv4 octets may have leading zeros ("010" is 10);
 * an IPv4-mapped IPv6 address is IPv4. 0 or -EINVAL. */
int proxy_parse_ip(const char *s, uint16_t *family, union svc_inaddr *addr);
/* netutils.ParseCIDRSloppy, host bits cleared ("203.0.113.000/025"). */
int proxy_parse_cidr(const char *s, struct svc_cidr *c);
bool proxy_cidr_contains(const struct svc_cidr *c, uint16_t family, const union svc_inaddr *a);

/* The Node's primary IP per family as kube-proxy finds it (GetNodeHostIPs:
 * InternalIPs first, then ExternalIPs; the first address, then the first
 * of the other family). has[f] false: none of that family. */
struct proxy_node_ips {
	bool has[PROXY_NFAMILIES];
	union svc_inaddr addr[PROXY_NFAMILIES];
};
void proxy_node_ips(const struct k8s_node *node, struct proxy_node_ips *out);

/* One endpoint of one service port and family, after slice merging. */
struct proxy_endpoint {
	uint16_t family;
	union svc_inaddr addr;
	uint16_t port;
	bool ready, serving, terminating, local;
	const struct k8s_strs *zone_hints;	/* borrowed from the slice */
	const struct k8s_strs *node_hints;
};

/*
 * The endpoints of service port sp in family (AF_INET/AF_INET6), merged
 * from the slices as EndpointSliceCache does (port joined by name and
 * protocol, addresses[0], key IP:port, a non-terminating duplicate replaces
 * a terminating one, else the first wins), sorted by IP:port, in
 * O(n log n). *out is malloc'ed (NULL when none); -ENOMEM leaves it NULL.
 */
int proxy_port_endpoints(const struct proxy_options *o, const struct k8s_service *svc,
			 const struct k8s_service_port *sp, uint16_t family,
			 const struct k8s_endpoint_slice *const *slices, size_t n_slices,
			 struct proxy_endpoint **out, size_t *n_out);

#define PROXY_IN_CLUSTER	(1U << 0)
#define PROXY_IN_LOCAL		(1U << 1)

/*
 * topology.go CategorizeEndpoints: in[i] gets PROXY_IN_CLUSTER and/or
 * PROXY_IN_LOCAL; uses_cluster / uses_local as ServicePort's
 * UsesClusterEndpoints / UsesLocalEndpoints; zone NULL or "" disables zone
 * hints. Returns hasAnyEndpoints. *topology tells whether hints applied.
 */
bool proxy_categorize(const struct proxy_endpoint *eps, size_t n, bool uses_cluster,
		      bool uses_local, const char *node_name, const char *zone,
		      uint8_t *in, bool *topology);

/* Adds the backends of eps to s with the weights and flags above (in and
 * topology as proxy_categorize() returned them). 0 or -ENOMEM. */
int proxy_add_backends(struct svc_service *s, const struct proxy_endpoint *eps, size_t n,
		       const uint8_t *in, bool topology);

#endif
