/* SPDX-License-Identifier: GPL-2.0 */
/*
 * k8s.h: the Kubernetes objects svcsyncd reads, reduced to the fields
 * kube-proxy reads (see ../shared/docs/kubernetes-semantics.md).
 *
 * Strings are kept as the API sent them (addresses too: they are parsed
 * leniently, like kube-proxy's ParseIPSloppy, where they are used). A NULL
 * string is an absent field; "" is present and empty (an EndpointSlice
 * port name "" is valid, a nil one is not). Every struct owns what it
 * points to; k8s_*_free() releases it and leaves the struct zeroed.
 * k8s_parse.c fills them from json-c objects.
 */
#ifndef SVCSYNCD_K8S_H
#define SVCSYNCD_K8S_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct k8s_strs {
	char **v;
	size_t n;
};

enum k8s_bool {			/* a *bool in the API: absent is not false */
	K8S_UNSET = 0,
	K8S_FALSE,
	K8S_TRUE,
};

enum k8s_family {
	K8S_FAMILY_UNKNOWN = 0,	/* absent or a value svcsyncd doesn't know */
	K8S_IPV4,
	K8S_IPV6,
	K8S_FQDN,		/* EndpointSlice addressType only */
};

struct k8s_meta {
	char *namespace;	/* NULL for cluster-scoped objects */
	char *name;
	char *uid;
	char *resource_version;
	bool deleting;		/* metadata.deletionTimestamp is set */
};

/* ---- core/v1 Service ---- */

enum k8s_service_type {
	K8S_SVC_CLUSTER_IP = 0,	/* also when spec.type is absent */
	K8S_SVC_NODE_PORT,
	K8S_SVC_LOAD_BALANCER,
	K8S_SVC_EXTERNAL_NAME,
	K8S_SVC_TYPE_UNKNOWN,
};

struct k8s_service_port {
	char *name;		/* "" when unnamed */
	int protocol;		/* IPPROTO_TCP/UDP/SCTP (absent: TCP); 0: unknown */
	int32_t port;
	int32_t node_port;	/* 0: none */
};

struct k8s_lb_ingress {
	char *ip;		/* NULL: hostname-only entry */
	char *hostname;
	char *ip_mode;		/* NULL (absent), "VIP" or "Proxy" */
};

struct k8s_service {
	struct k8s_meta meta;
	enum k8s_service_type type;
	char *cluster_ip;		/* spec.clusterIP ("None": headless) */
	struct k8s_strs cluster_ips;	/* spec.clusterIPs */
	enum k8s_family *ip_families;	/* spec.ipFamilies */
	size_t n_ip_families;
	struct k8s_service_port *ports;
	size_t n_ports;
	struct k8s_strs external_ips;
	struct k8s_strs lb_source_ranges;	/* spec.loadBalancerSourceRanges */
	bool etp_local;			/* externalTrafficPolicy: Local */
	bool itp_local;			/* internalTrafficPolicy: Local */
	int32_t health_check_node_port;	/* 0: none */
	bool affinity_client_ip;	/* sessionAffinity: ClientIP */
	int32_t affinity_timeout;	/* ...clientIP.timeoutSeconds, 0: absent */
	struct k8s_lb_ingress *ingress;	/* status.loadBalancer.ingress */
	size_t n_ingress;
};

/* ---- discovery.k8s.io/v1 EndpointSlice ---- */

struct k8s_endpoint_port {
	char *name;		/* NULL: nil (skipped); "" is a valid name */
	int protocol;		/* as in k8s_service_port */
	int32_t port;		/* 0: nil or 0 (skipped) */
};

struct k8s_endpoint {
	struct k8s_strs addresses;	/* only [0] is used */
	enum k8s_bool ready, serving, terminating;
	char *node_name;
	char *zone;
	bool has_hints;			/* hints present */
	struct k8s_strs hint_zones;	/* hints.forZones[].name */
	struct k8s_strs hint_nodes;	/* hints.forNodes[].name */
};

struct k8s_endpoint_slice {
	struct k8s_meta meta;
	char *service_name;	/* label kubernetes.io/service-name */
	enum k8s_family address_type;
	struct k8s_endpoint_port *ports;
	size_t n_ports;
	struct k8s_endpoint *endpoints;
	size_t n_endpoints;
	char *trigger_time;	/* annotation endpoints.kubernetes.io/
				 * last-change-trigger-time (RFC 3339) */
};

/* ---- core/v1 Node ---- */

struct k8s_node_address {
	char *type;		/* "InternalIP", "ExternalIP", "Hostname", ... */
	char *address;
};

struct k8s_node {
	struct k8s_meta meta;
	char *zone;		/* label topology.kubernetes.io/zone */
	struct k8s_node_address *addresses;	/* status.addresses */
	size_t n_addresses;
	bool to_be_deleted;	/* taint ToBeDeletedByClusterAutoscaler */
};

/* ---- networking.k8s.io/v1 ServiceCIDR ---- */

struct k8s_service_cidr {
	struct k8s_meta meta;
	struct k8s_strs cidrs;	/* spec.cidrs */
};

void k8s_strs_free(struct k8s_strs *s);
void k8s_meta_free(struct k8s_meta *m);
void k8s_service_free(struct k8s_service *s);
void k8s_endpoint_slice_free(struct k8s_endpoint_slice *s);
void k8s_node_free(struct k8s_node *n);
void k8s_service_cidr_free(struct k8s_service_cidr *c);

#endif
