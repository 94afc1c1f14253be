// SPDX-License-Identifier: GPL-2.0
/*
 * k8s_parse.c: json-c objects to the structs of k8s.h (see k8s_parse.h).
 *
 * Helpers take the path of the object they read from ("spec.ports[1]")
 * and the key, so that every refusal names its field. A JSON null is the
 * same as an absent field, as it is for the API machinery's decoder.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8s_parse.h"

#define PATH_MAX_LEN 96

struct pctx {
	char *err;
	size_t errlen;
};

static int fail(struct pctx *c, const char *path, const char *key, const char *msg)
{
	if (c->errlen)
		snprintf(c->err, c->errlen, "%s%s%s: %s", path, *path && *key ? "." : "",
			 key, msg);
	return -EINVAL;
}

static const char *type_word(json_type t)
{
	switch (t) {
	case json_type_object:
		return "an object";
	case json_type_array:
		return "an array";
	case json_type_string:
		return "a string";
	case json_type_int:
		return "an integer";
	case json_type_boolean:
		return "a boolean";
	default:
		return "a number";
	}
}

/* 0: absent or null (*v = NULL), 1: present with type t, -EINVAL otherwise */
static int get(struct pctx *c, struct json_object *o, const char *path, const char *key,
	       json_type t, struct json_object **v)
{
	char msg[48];

	*v = NULL;
	if (!json_object_object_get_ex(o, key, v) || !*v) {
		*v = NULL;
		return 0;
	}
	if (!json_object_is_type(*v, t)) {
		*v = NULL;
		snprintf(msg, sizeof(msg), "not %s", type_word(t));
		return fail(c, path, key, msg);
	}
	return 1;
}

static int dup_str(struct json_object *v, char **out)
{
	*out = strdup(json_object_get_string(v));
	return *out ? 0 : -ENOMEM;
}

static int opt_str(struct pctx *c, struct json_object *o, const char *path, const char *key,
		   char **out)
{
	struct json_object *v;
	int ret = get(c, o, path, key, json_type_string, &v);

	if (ret <= 0)
		return ret;
	return dup_str(v, out);
}

/* The string without copying it (NULL: absent). */
static int opt_word(struct pctx *c, struct json_object *o, const char *path, const char *key,
		    const char **out)
{
	struct json_object *v;
	int ret = get(c, o, path, key, json_type_string, &v);

	*out = ret > 0 ? json_object_get_string(v) : NULL;
	return ret < 0 ? ret : 0;
}

static int opt_int32(struct pctx *c, struct json_object *o, const char *path, const char *key,
		     int32_t *out)
{
	struct json_object *v;
	int64_t x;
	int ret = get(c, o, path, key, json_type_int, &v);

	if (ret <= 0)
		return ret;
	x = json_object_get_int64(v);
	if (x < INT32_MIN || x > INT32_MAX)
		return fail(c, path, key, "out of the int32 range");
	*out = (int32_t)x;
	return 0;
}

static int opt_bool(struct pctx *c, struct json_object *o, const char *path, const char *key,
		    enum k8s_bool *out)
{
	struct json_object *v;
	int ret = get(c, o, path, key, json_type_boolean, &v);

	if (ret <= 0)
		return ret;
	*out = json_object_get_boolean(v) ? K8S_TRUE : K8S_FALSE;
	return 0;
}

static int opt_obj(struct pctx *c, struct json_object *o, const char *path, const char *key,
		   struct json_object **out)
{
	int ret = get(c, o, path, key, json_type_object, out);

	return ret < 0 ? ret : 0;
}

/* An array of n entries (n = 0, *out = NULL when absent). */
static int opt_arr(struct pctx *c, struct json_object *o, const char *path, const char *key,
		   struct json_object **out, size_t *n)
{
	int ret = get(c, o, path, key, json_type_array, out);

	*n = ret > 0 ? json_object_array_length(*out) : 0;
	return ret < 0 ? ret : 0;
}

/* Paths longer than PATH_MAX_LEN are cut: they only go into messages. */
static void sub_path(char *buf, const char *path, const char *key, size_t i)
{
	if (snprintf(buf, PATH_MAX_LEN, "%s%s%s[%zu]", path, *path ? "." : "", key, i) < 0)
		*buf = '\0';
}

static void field_path(char *buf, const char *path, const char *key)
{
	if (snprintf(buf, PATH_MAX_LEN, "%s.%s", path, key) < 0)
		*buf = '\0';
}

static int opt_strs(struct pctx *c, struct json_object *o, const char *path, const char *key,
		    struct k8s_strs *out)
{
	char p[PATH_MAX_LEN];
	struct json_object *a, *v;
	size_t i, n;
	int ret = opt_arr(c, o, path, key, &a, &n);

	if (ret || !n)
		return ret;
	out->v = calloc(n, sizeof(*out->v));
	if (!out->v)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(a, i);
		if (!json_object_is_type(v, json_type_string)) {
			sub_path(p, path, key, i);
			return fail(c, p, "", "not a string");
		}
		ret = dup_str(v, &out->v[out->n]);
		if (ret)
			return ret;
		out->n++;
	}
	return 0;
}

/* The names of an array of {"name": ...} objects (hints.forZones/forNodes). */
static int opt_names(struct pctx *c, struct json_object *o, const char *path, const char *key,
		     struct k8s_strs *out)
{
	char p[PATH_MAX_LEN];
	struct json_object *a, *v;
	size_t i, n;
	int ret = opt_arr(c, o, path, key, &a, &n);

	if (ret || !n)
		return ret;
	out->v = calloc(n, sizeof(*out->v));
	if (!out->v)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(a, i);
		sub_path(p, path, key, i);
		if (!json_object_is_type(v, json_type_object))
			return fail(c, p, "", "not an object");
		ret = opt_str(c, v, p, "name", &out->v[out->n]);
		if (ret)
			return ret;
		if (out->v[out->n])
			out->n++;
	}
	return 0;
}

static int check_object(struct pctx *c, struct json_object *o)
{
	if (!json_object_is_type(o, json_type_object))
		return fail(c, "", "object", "not a JSON object");
	return 0;
}

static int parse_meta(struct pctx *c, struct json_object *o, struct k8s_meta *m,
		      struct json_object **labels, struct json_object **annotations)
{
	struct json_object *md, *v;
	int ret;

	ret = opt_obj(c, o, "", "metadata", &md);
	if (ret)
		return ret;
	if (!md)
		return fail(c, "", "metadata", "missing");
	ret = opt_str(c, md, "metadata", "namespace", &m->namespace);
	if (!ret)
		ret = opt_str(c, md, "metadata", "name", &m->name);
	if (!ret)
		ret = opt_str(c, md, "metadata", "uid", &m->uid);
	if (!ret)
		ret = opt_str(c, md, "metadata", "resourceVersion", &m->resource_version);
	if (!ret)
		ret = get(c, md, "metadata", "deletionTimestamp", json_type_string, &v);
	if (ret < 0)
		return ret;
	m->deleting = v != NULL;
	if (!m->name || !*m->name)
		return fail(c, "metadata", "name", "missing");
	ret = opt_obj(c, md, "metadata", "labels", labels);
	if (!ret)
		ret = opt_obj(c, md, "metadata", "annotations", annotations);
	return ret;
}

static int protocol_of(const char *s)
{
	if (!s || !strcmp(s, "TCP"))
		return IPPROTO_TCP;
	if (!strcmp(s, "UDP"))
		return IPPROTO_UDP;
	if (!strcmp(s, "SCTP"))
		return IPPROTO_SCTP;
	return 0;
}

static enum k8s_family family_of(const char *s)
{
	if (!s)
		return K8S_FAMILY_UNKNOWN;
	if (!strcmp(s, "IPv4"))
		return K8S_IPV4;
	if (!strcmp(s, "IPv6"))
		return K8S_IPV6;
	if (!strcmp(s, "FQDN"))
		return K8S_FQDN;
	return K8S_FAMILY_UNKNOWN;
}

static enum k8s_service_type service_type_of(const char *s)
{
	if (!s || !strcmp(s, "ClusterIP"))
		return K8S_SVC_CLUSTER_IP;
	if (!strcmp(s, "NodePort"))
		return K8S_SVC_NODE_PORT;
	if (!strcmp(s, "LoadBalancer"))
		return K8S_SVC_LOAD_BALANCER;
	if (!strcmp(s, "ExternalName"))
		return K8S_SVC_EXTERNAL_NAME;
	return K8S_SVC_TYPE_UNKNOWN;
}

static bool is_word(const char *s, const char *w)
{
	return s && !strcmp(s, w);
}

/* ---- Service ---- */

static int parse_service_ports(struct pctx *c, struct json_object *spec, struct k8s_service *s)
{
	char p[PATH_MAX_LEN];
	struct json_object *a, *v;
	const char *proto;
	size_t i, n;
	int ret = opt_arr(c, spec, "spec", "ports", &a, &n);

	if (ret || !n)
		return ret;
	s->ports = calloc(n, sizeof(*s->ports));
	if (!s->ports)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct k8s_service_port *sp = &s->ports[i];

		v = json_object_array_get_idx(a, i);
		sub_path(p, "spec", "ports", i);
		if (!json_object_is_type(v, json_type_object))
			return fail(c, p, "", "not an object");
		s->n_ports++;
		ret = opt_str(c, v, p, "name", &sp->name);
		if (!ret && !sp->name) {
			sp->name = strdup("");
			ret = sp->name ? 0 : -ENOMEM;
		}
		if (!ret)
			ret = opt_word(c, v, p, "protocol", &proto);
		if (!ret)
			ret = opt_int32(c, v, p, "port", &sp->port);
		if (!ret)
			ret = opt_int32(c, v, p, "nodePort", &sp->node_port);
		if (ret)
			return ret;
		sp->protocol = protocol_of(proto);
	}
	return 0;
}

static int parse_ip_families(struct pctx *c, struct json_object *spec, struct k8s_service *s)
{
	char p[PATH_MAX_LEN];
	struct json_object *a, *v;
	size_t i, n;
	int ret = opt_arr(c, spec, "spec", "ipFamilies", &a, &n);

	if (ret || !n)
		return ret;
	s->ip_families = calloc(n, sizeof(*s->ip_families));
	if (!s->ip_families)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(a, i);
		if (!json_object_is_type(v, json_type_string)) {
			sub_path(p, "spec", "ipFamilies", i);
			return fail(c, p, "", "not a string");
		}
		/* an EndpointSlice-only "FQDN" is no service family */
		s->ip_families[i] = family_of(json_object_get_string(v));
		if (s->ip_families[i] == K8S_FQDN)
			s->ip_families[i] = K8S_FAMILY_UNKNOWN;
		s->n_ip_families++;
	}
	return 0;
}

static int parse_ingress(struct pctx *c, struct json_object *o, struct k8s_service *s)
{
	char p[PATH_MAX_LEN];
	struct json_object *status, *lb, *a, *v;
	size_t i, n;
	int ret;

	ret = opt_obj(c, o, "", "status", &status);
	if (ret || !status)
		return ret;
	ret = opt_obj(c, status, "status", "loadBalancer", &lb);
	if (ret || !lb)
		return ret;
	ret = opt_arr(c, lb, "status.loadBalancer", "ingress", &a, &n);
	if (ret || !n)
		return ret;
	s->ingress = calloc(n, sizeof(*s->ingress));
	if (!s->ingress)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct k8s_lb_ingress *in = &s->ingress[i];

		v = json_object_array_get_idx(a, i);
		sub_path(p, "status.loadBalancer", "ingress", i);
		if (!json_object_is_type(v, json_type_object))
			return fail(c, p, "", "not an object");
		s->n_ingress++;
		ret = opt_str(c, v, p, "ip", &in->ip);
		if (!ret)
			ret = opt_str(c, v, p, "hostname", &in->hostname);
		if (!ret)
			ret = opt_str(c, v, p, "ipMode", &in->ip_mode);
		if (ret)
			return ret;
	}
	return 0;
}

static int parse_affinity(struct pctx *c, struct json_object *spec, struct k8s_service *s)
{
	struct json_object *cfg, *cip;
	const char *w;
	int ret;

	ret = opt_word(c, spec, "spec", "sessionAffinity", &w);
	if (ret)
		return ret;
	s->affinity_client_ip = is_word(w, "ClientIP");
	ret = opt_obj(c, spec, "spec", "sessionAffinityConfig", &cfg);
	if (ret || !cfg)
		return ret;
	ret = opt_obj(c, cfg, "spec.sessionAffinityConfig", "clientIP", &cip);
	if (ret || !cip)
		return ret;
	return opt_int32(c, cip, "spec.sessionAffinityConfig.clientIP", "timeoutSeconds",
			 &s->affinity_timeout);
}

static int service(struct pctx *c, struct json_object *o, struct k8s_service *s)
{
	struct json_object *spec, *labels, *ann;
	const char *w;
	int ret;

	ret = check_object(c, o);
	if (!ret)
		ret = parse_meta(c, o, &s->meta, &labels, &ann);
	if (!ret)
		ret = opt_obj(c, o, "", "spec", &spec);
	if (ret)
		return ret;
	if (!spec)
		return fail(c, "", "spec", "missing");
	ret = opt_word(c, spec, "spec", "type", &w);
	if (ret)
		return ret;
	s->type = service_type_of(w);
	ret = opt_str(c, spec, "spec", "clusterIP", &s->cluster_ip);
	if (!ret)
		ret = opt_strs(c, spec, "spec", "clusterIPs", &s->cluster_ips);
	if (!ret)
		ret = parse_ip_families(c, spec, s);
	if (!ret)
		ret = parse_service_ports(c, spec, s);
	if (!ret)
		ret = opt_strs(c, spec, "spec", "externalIPs", &s->external_ips);
	if (!ret)
		ret = opt_strs(c, spec, "spec", "loadBalancerSourceRanges", &s->lb_source_ranges);
	if (!ret)
		ret = opt_word(c, spec, "spec", "externalTrafficPolicy", &w);
	if (ret)
		return ret;
	s->etp_local = is_word(w, "Local");
	ret = opt_word(c, spec, "spec", "internalTrafficPolicy", &w);
	if (ret)
		return ret;
	s->itp_local = is_word(w, "Local");
	ret = opt_int32(c, spec, "spec", "healthCheckNodePort", &s->health_check_node_port);
	if (!ret)
		ret = parse_affinity(c, spec, s);
	if (!ret)
		ret = parse_ingress(c, o, s);
	return ret;
}

int k8s_parse_service(struct json_object *o, struct k8s_service *out, char *err, size_t errlen)
{
	struct pctx c = { err, errlen };
	int ret;

	memset(out, 0, sizeof(*out));
	ret = service(&c, o, out);
	if (ret)
		k8s_service_free(out);
	return ret;
}

/* ---- EndpointSlice ---- */

static int parse_endpoint(struct pctx *c, struct json_object *v, const char *p,
			  struct k8s_endpoint *e)
{
	char cp[PATH_MAX_LEN];
	struct json_object *cond, *hints;
	int ret;

	ret = opt_strs(c, v, p, "addresses", &e->addresses);
	if (!ret)
		ret = opt_obj(c, v, p, "conditions", &cond);
	if (ret)
		return ret;
	if (cond) {
		field_path(cp, p, "conditions");
		ret = opt_bool(c, cond, cp, "ready", &e->ready);
		if (!ret)
			ret = opt_bool(c, cond, cp, "serving", &e->serving);
		if (!ret)
			ret = opt_bool(c, cond, cp, "terminating", &e->terminating);
		if (ret)
			return ret;
	}
	ret = opt_str(c, v, p, "nodeName", &e->node_name);
	if (!ret)
		ret = opt_str(c, v, p, "zone", &e->zone);
	if (!ret)
		ret = opt_obj(c, v, p, "hints", &hints);
	if (ret || !hints)
		return ret;
	e->has_hints = true;
	field_path(cp, p, "hints");
	ret = opt_names(c, hints, cp, "forZones", &e->hint_zones);
	if (!ret)
		ret = opt_names(c, hints, cp, "forNodes", &e->hint_nodes);
	return ret;
}

static int parse_slice_ports(struct pctx *c, struct json_object *o, struct k8s_endpoint_slice *s)
{
	char p[PATH_MAX_LEN];
	struct json_object *a, *v;
	const char *proto;
	size_t i, n;
	int ret = opt_arr(c, o, "", "ports", &a, &n);

	if (ret || !n)
		return ret;
	s->ports = calloc(n, sizeof(*s->ports));
	if (!s->ports)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct k8s_endpoint_port *ep = &s->ports[i];

		v = json_object_array_get_idx(a, i);
		sub_path(p, "", "ports", i);
		if (!json_object_is_type(v, json_type_object))
			return fail(c, p, "", "not an object");
		s->n_ports++;
		ret = opt_str(c, v, p, "name", &ep->name);
		if (!ret)
			ret = opt_word(c, v, p, "protocol", &proto);
		if (!ret)
			ret = opt_int32(c, v, p, "port", &ep->port);
		if (ret)
			return ret;
		ep->protocol = protocol_of(proto);
	}
	return 0;
}

static int endpoint_slice(struct pctx *c, struct json_object *o, struct k8s_endpoint_slice *s)
{
	char p[PATH_MAX_LEN];
	struct json_object *labels, *ann, *a, *v;
	const char *w;
	size_t i, n;
	int ret;

	ret = check_object(c, o);
	if (!ret)
		ret = parse_meta(c, o, &s->meta, &labels, &ann);
	if (!ret && labels)
		ret = opt_str(c, labels, "metadata.labels", "kubernetes.io/service-name",
			      &s->service_name);
	if (!ret && ann)
		ret = opt_str(c, ann, "metadata.annotations",
			      "endpoints.kubernetes.io/last-change-trigger-time", &s->trigger_time);
	if (!ret)
		ret = opt_word(c, o, "", "addressType", &w);
	if (ret)
		return ret;
	s->address_type = family_of(w);
	ret = parse_slice_ports(c, o, s);
	if (!ret)
		ret = opt_arr(c, o, "", "endpoints", &a, &n);
	if (ret || !n)
		return ret;
	s->endpoints = calloc(n, sizeof(*s->endpoints));
	if (!s->endpoints)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(a, i);
		sub_path(p, "", "endpoints", i);
		if (!json_object_is_type(v, json_type_object))
			return fail(c, p, "", "not an object");
		s->n_endpoints++;
		ret = parse_endpoint(c, v, p, &s->endpoints[i]);
		if (ret)
			return ret;
	}
	return 0;
}

int k8s_parse_endpoint_slice(struct json_object *o, struct k8s_endpoint_slice *out,
			     char *err, size_t errlen)
{
	struct pctx c = { err, errlen };
	int ret;

	memset(out, 0, sizeof(*out));
	ret = endpoint_slice(&c, o, out);
	if (ret)
		k8s_endpoint_slice_free(out);
	return ret;
}

/* ---- Node ---- */

static int node_taints(struct pctx *c, struct json_object *o, struct k8s_node *n)
{
	char p[PATH_MAX_LEN];
	struct json_object *spec, *a, *v;
	const char *key;
	size_t i, cnt;
	int ret;

	ret = opt_obj(c, o, "", "spec", &spec);
	if (!ret && spec)
		ret = opt_arr(c, spec, "spec", "taints", &a, &cnt);
	if (ret || !spec)
		return ret;
	for (i = 0; i < cnt; i++) {
		v = json_object_array_get_idx(a, i);
		sub_path(p, "spec", "taints", i);
		if (!json_object_is_type(v, json_type_object))
			return fail(c, p, "", "not an object");
		ret = opt_word(c, v, p, "key", &key);
		if (ret)
			return ret;
		if (is_word(key, "ToBeDeletedByClusterAutoscaler"))
			n->to_be_deleted = true;
	}
	return 0;
}

static int node_addresses(struct pctx *c, struct json_object *o, struct k8s_node *n)
{
	char p[PATH_MAX_LEN];
	struct json_object *status, *a, *v;
	size_t i, cnt;
	int ret;

	ret = opt_obj(c, o, "", "status", &status);
	if (!ret && status)
		ret = opt_arr(c, status, "status", "addresses", &a, &cnt);
	if (ret || !status || !cnt)
		return ret;
	n->addresses = calloc(cnt, sizeof(*n->addresses));
	if (!n->addresses)
		return -ENOMEM;
	for (i = 0; i < cnt; i++) {
		v = json_object_array_get_idx(a, i);
		sub_path(p, "status", "addresses", i);
		if (!json_object_is_type(v, json_type_object))
			return fail(c, p, "", "not an object");
		n->n_addresses++;
		ret = opt_str(c, v, p, "type", &n->addresses[i].type);
		if (!ret)
			ret = opt_str(c, v, p, "address", &n->addresses[i].address);
		if (ret)
			return ret;
	}
	return 0;
}

static int node(struct pctx *c, struct json_object *o, struct k8s_node *n)
{
	struct json_object *labels, *ann;
	int ret;

	ret = check_object(c, o);
	if (!ret)
		ret = parse_meta(c, o, &n->meta, &labels, &ann);
	if (!ret && labels)
		ret = opt_str(c, labels, "metadata.labels", "topology.kubernetes.io/zone",
			      &n->zone);
	if (!ret)
		ret = node_taints(c, o, n);
	if (!ret)
		ret = node_addresses(c, o, n);
	return ret;
}

int k8s_parse_node(struct json_object *o, struct k8s_node *out, char *err, size_t errlen)
{
	struct pctx c = { err, errlen };
	int ret;

	memset(out, 0, sizeof(*out));
	ret = node(&c, o, out);
	if (ret)
		k8s_node_free(out);
	return ret;
}

/* ---- ServiceCIDR ---- */

static int service_cidr(struct pctx *c, struct json_object *o, struct k8s_service_cidr *sc)
{
	struct json_object *labels, *ann, *spec;
	int ret;

	ret = check_object(c, o);
	if (!ret)
		ret = parse_meta(c, o, &sc->meta, &labels, &ann);
	if (!ret)
		ret = opt_obj(c, o, "", "spec", &spec);
	if (ret || !spec)
		return ret;
	return opt_strs(c, spec, "spec", "cidrs", &sc->cidrs);
}

int k8s_parse_service_cidr(struct json_object *o, struct k8s_service_cidr *out,
			   char *err, size_t errlen)
{
	struct pctx c = { err, errlen };
	int ret;

	memset(out, 0, sizeof(*out));
	ret = service_cidr(&c, o, out);
	if (ret)
		k8s_service_cidr_free(out);
	return ret;
}
