// SPDX-License-Identifier: GPL-2.0
/*
 * k8s.c: releasing the Kubernetes objects of k8s.h. Every free function
 * accepts a zeroed (or partly filled) struct and leaves it zeroed.
 */
#include <stdlib.h>
#include <string.h>

#include "k8s.h"

void k8s_strs_free(struct k8s_strs *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

void k8s_meta_free(struct k8s_meta *m)
{
	free(m->namespace);
	free(m->name);
	free(m->uid);
	free(m->resource_version);
	memset(m, 0, sizeof(*m));
}

void k8s_service_free(struct k8s_service *s)
{
	size_t i;

	k8s_meta_free(&s->meta);
	free(s->cluster_ip);
	k8s_strs_free(&s->cluster_ips);
	free(s->ip_families);
	for (i = 0; i < s->n_ports; i++)
		free(s->ports[i].name);
	free(s->ports);
	k8s_strs_free(&s->external_ips);
	k8s_strs_free(&s->lb_source_ranges);
	for (i = 0; i < s->n_ingress; i++) {
		free(s->ingress[i].ip);
		free(s->ingress[i].hostname);
		free(s->ingress[i].ip_mode);
	}
	free(s->ingress);
	memset(s, 0, sizeof(*s));
}

static void endpoint_free(struct k8s_endpoint *e)
{
	k8s_strs_free(&e->addresses);
	free(e->node_name);
	free(e->zone);
	k8s_strs_free(&e->hint_zones);
	k8s_strs_free(&e->hint_nodes);
	memset(e, 0, sizeof(*e));
}

void k8s_endpoint_slice_free(struct k8s_endpoint_slice *s)
{
	size_t i;

	k8s_meta_free(&s->meta);
	free(s->service_name);
	for (i = 0; i < s->n_ports; i++)
		free(s->ports[i].name);
	free(s->ports);
	for (i = 0; i < s->n_endpoints; i++)
		endpoint_free(&s->endpoints[i]);
	free(s->endpoints);
	free(s->trigger_time);
	memset(s, 0, sizeof(*s));
}

void k8s_node_free(struct k8s_node *n)
{
	size_t i;

	k8s_meta_free(&n->meta);
	free(n->zone);
	for (i = 0; i < n->n_addresses; i++) {
		free(n->addresses[i].type);
		free(n->addresses[i].address);
	}
	free(n->addresses);
	memset(n, 0, sizeof(*n));
}

void k8s_service_cidr_free(struct k8s_service_cidr *c)
{
	k8s_meta_free(&c->meta);
	k8s_strs_free(&c->cidrs);
	memset(c, 0, sizeof(*c));
}
