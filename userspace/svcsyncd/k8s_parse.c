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

static int fail_type(struct pctx *c, const char *path, const char *key, json_type t)
{
	char msg[48];

	snprintf(msg, sizeof(msg), "not %s", type_word(t));
	return fail(c, path, key, msg);
}

/*
 * 0: absent or null (*v = NULL), 1: present with type t, -EINVAL otherwise.
 * Every field of an absent object (o NULL) is absent.
 */
static int get(struct pctx *c, struct json_object *o, const char *path, const char *key,
	       json_type t, struct json_object **v)
{
	*v = NULL;
	if (!o || !json_object_object_get_ex(o, key, v) || !*v) {
		*v = NULL;
		return 0;
	}
	if (!json_object_is_type(*v, t)) {
		*v = NULL;
		return fail_type(c, path, key, t);
	}
	return 1;
}

/* The string v into *(char **)out (also an elem_fn of opt_list(), below). */
static int dup_str(struct pctx *c, struct json_object *v, const char *path, void *out)
{
	char **s = out;

	(void)c;
	(void)path;
	*s = strdup(json_object_get_string(v));
	return *s ? 0 : -ENOMEM;
}

static int opt_str(struct pctx *c, struct json_object *o, const char *path, const char *key,
		   char **out)
{
	struct json_object *v;
	int ret = get(c, o, path, key, json_type_string, &v);

	if (ret <= 0)
		return ret;
	return dup_str(c, v, path, out);
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

/*
 * Parses one element v (at path p) of an opt_list() array into slot. Returns 0,
 * a negative errno, or SKIPPED when it stored nothing: the slot goes to the next one.
 */
typedef int (*elem_fn)(struct pctx *c, struct json_object *v, const char *p, void *slot);

#define SKIPPED 1

/*
 * The optional array o.key, each element of type t, parsed by fn: into the
 * slots (of size bytes) of *arr, calloc'd for all of them unless the array is
 * absent or empty (*arr unchanged). *count counts the slots filled, including
 * the one an error stopped at, so that the caller's cleanup frees it. With
 * size 0 nothing is allocated or counted (count may be NULL): fn gets *arr.
 */
static int opt_list(struct pctx *c, struct json_object *o, const char *path, const char *key,
		    json_type t, size_t size, void **arr, size_t *count, elem_fn fn)
{
	char p[PATH_MAX_LEN];
	struct json_object *a, *v;
	size_t i, n;
	int ret = get(c, o, path, key, json_type_array, &a);

	n = ret > 0 ? json_object_array_length(a) : 0;
	if (!n)
		return ret < 0 ? ret : 0;
	if (size) {
		*arr = calloc(n, size);
		if (!*arr)
			return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(a, i);
		sub_path(p, path, key, i);
		if (!json_object_is_type(v, t))
			return fail_type(c, p, "", t);
		ret = fn(c, v, p, size ? (char *)*arr + *count * size : *arr);
		if (size && ret != SKIPPED)
			(*count)++;
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* An {"name": ...} object: its name, if it has one. */
static int name_elem(struct pctx *c, struct json_object *v, const char *p, void *slot)
{
	char **name = slot;
	int ret = opt_str(c, v, p, "name", name);

	return ret || *name ? ret : SKIPPED;
}

static int strs_list(struct pctx *c, struct json_object *o, const char *path, const char *key,
		     json_type t, elem_fn fn, struct k8s_strs *out)
{
	void *v = NULL;
	int ret = opt_list(c, o, path, key, t, sizeof(*out->v), &v, &out->n, fn);

	out->v = v;
	return ret;
}

static int opt_strs(struct pctx *c, struct json_object *o, const char *path, const char *key,
		    struct k8s_strs *out)
{
	return strs_list(c, o, path, key, json_type_string, dup_str, out);
}

/* The names of an array of {"name": ...} objects (hints.forZones/forNodes). */
static int opt_names(struct pctx *c, struct json_object *o, const char *path, const char *key,
		     struct k8s_strs *out)
{
	return strs_list(c, o, path, key, json_type_object, name_elem, out);
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

/* Parses what follows the metadata of o (with its labels and annotations) into out. */
typedef int (*object_fn)(struct pctx *c, struct json_object *o, struct json_object *labels,
			 struct json_object *annotations, void *out);

/*
 * The frame of every k8s_parse_*(): zeroes out (size bytes), parses the
 * metadata into it (every object struct of k8s.h starts with its struct
 * k8s_meta), then the rest with fn. The caller frees out on error.
 */
static int parse_object(struct json_object *o, void *out, size_t size, object_fn fn,
			char *err, size_t errlen)
{
	struct pctx c = { err, errlen };
	struct json_object *labels, *ann;
	int ret = 0;

	memset(out, 0, size);
	if (!json_object_is_type(o, json_type_object))
		ret = fail(&c, "", "object", "not a JSON object");
	if (!ret)
		ret = parse_meta(&c, o, out, &labels, &ann);
	if (!ret)
		ret = fn(&c, o, labels, ann, out);
	return ret;
}

/* A word of the API and what it means here. */
struct word {
	const char *s;
	int v;
};

/* The meaning of s in words (ended by { NULL, the meaning of an unknown word }). */
static int word_of(const char *s, const struct word *words, int absent)
{
	if (!s)
		return absent;
	for (; words->s; words++)
		if (!strcmp(s, words->s))
			break;
	return words->v;
}

static const struct word protocol_words[] = {
	{ "TCP", IPPROTO_TCP }, { "UDP", IPPROTO_UDP }, { "SCTP", IPPROTO_SCTP }, { NULL, 0 },
};

static const struct word family_words[] = {
	{ "IPv4", K8S_IPV4 }, { "IPv6", K8S_IPV6 }, { "FQDN", K8S_FQDN },
	{ NULL, K8S_FAMILY_UNKNOWN },
};

static const struct word service_type_words[] = {
	{ "ClusterIP", K8S_SVC_CLUSTER_IP }, { "NodePort", K8S_SVC_NODE_PORT },
	{ "LoadBalancer", K8S_SVC_LOAD_BALANCER }, { "ExternalName", K8S_SVC_EXTERNAL_NAME },
	{ NULL, K8S_SVC_TYPE_UNKNOWN },
};

static bool is_word(const char *s, const char *w)
{
	return s && !strcmp(s, w);
}

/* The fields of a Service and an EndpointSlice port; unnamed: the name when absent. */
static int port_fields(struct pctx *c, struct json_object *v, const char *p,
		       const char *unnamed, char **name, int *protocol, int32_t *port)
{
	const char *proto;
	int ret = opt_str(c, v, p, "name", name);

	if (!ret && !*name && unnamed) {
		*name = strdup(unnamed);
		ret = *name ? 0 : -ENOMEM;
	}
	if (!ret)
		ret = opt_word(c, v, p, "protocol", &proto);
	if (!ret)
		ret = opt_int32(c, v, p, "port", port);
	if (!ret)
		*protocol = word_of(proto, protocol_words, IPPROTO_TCP);
	return ret;
}

/* ---- Service ---- */

static int service_port(struct pctx *c, struct json_object *v, const char *p, void *slot)
{
	struct k8s_service_port *sp = slot;
	int ret = port_fields(c, v, p, "", &sp->name, &sp->protocol, &sp->port);

	return ret ? ret : opt_int32(c, v, p, "nodePort", &sp->node_port);
}

static int ip_family(struct pctx *c, struct json_object *v, const char *p, void *slot)
{
	enum k8s_family *f = slot;

	(void)c;
	(void)p;
	/* an EndpointSlice-only "FQDN" is no service family */
	*f = word_of(json_object_get_string(v), family_words, K8S_FAMILY_UNKNOWN);
	if (*f == K8S_FQDN)
		*f = K8S_FAMILY_UNKNOWN;
	return 0;
}

static int lb_ingress(struct pctx *c, struct json_object *v, const char *p, void *slot)
{
	struct k8s_lb_ingress *in = slot;
	int ret = opt_str(c, v, p, "ip", &in->ip);

	if (!ret)
		ret = opt_str(c, v, p, "hostname", &in->hostname);
	if (!ret)
		ret = opt_str(c, v, p, "ipMode", &in->ip_mode);
	return ret;
}

/* The lists of a Service's spec. */
static int service_lists(struct pctx *c, struct json_object *spec, struct k8s_service *s)
{
	void *families = NULL, *ports = NULL;
	int ret;

	ret = opt_strs(c, spec, "spec", "clusterIPs", &s->cluster_ips);
	if (!ret)
		ret = opt_list(c, spec, "spec", "ipFamilies", json_type_string,
			       sizeof(*s->ip_families), &families, &s->n_ip_families, ip_family);
	s->ip_families = families;
	if (!ret)
		ret = opt_list(c, spec, "spec", "ports", json_type_object, sizeof(*s->ports),
			       &ports, &s->n_ports, service_port);
	s->ports = ports;
	if (!ret)
		ret = opt_strs(c, spec, "spec", "externalIPs", &s->external_ips);
	if (!ret)
		ret = opt_strs(c, spec, "spec", "loadBalancerSourceRanges", &s->lb_source_ranges);
	return ret;
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
	if (!ret)
		ret = opt_obj(c, cfg, "spec.sessionAffinityConfig", "clientIP", &cip);
	if (!ret)
		ret = opt_int32(c, cip, "spec.sessionAffinityConfig.clientIP", "timeoutSeconds",
				&s->affinity_timeout);
	return ret;
}

static int parse_ingress(struct pctx *c, struct json_object *o, struct k8s_service *s)
{
	struct json_object *status, *lb;
	void *ingress = NULL;
	int ret;

	ret = opt_obj(c, o, "", "status", &status);
	if (!ret)
		ret = opt_obj(c, status, "status", "loadBalancer", &lb);
	if (!ret)
		ret = opt_list(c, lb, "status.loadBalancer", "ingress", json_type_object,
			       sizeof(*s->ingress), &ingress, &s->n_ingress, lb_ingress);
	s->ingress = ingress;
	return ret;
}

static int service(struct pctx *c, struct json_object *o, struct json_object *labels,
		   struct json_object *annotations, void *out)
{
	struct k8s_service *s = out;
	struct json_object *spec;
	const char *w;
	int ret;

	(void)labels;
	(void)annotations;
	ret = opt_obj(c, o, "", "spec", &spec);
	if (ret)
		return ret;
	if (!spec)
		return fail(c, "", "spec", "missing");
	ret = opt_word(c, spec, "spec", "type", &w);
	if (ret)
		return ret;
	s->type = word_of(w, service_type_words, K8S_SVC_CLUSTER_IP);
	ret = opt_str(c, spec, "spec", "clusterIP", &s->cluster_ip);
	if (!ret)
		ret = service_lists(c, spec, s);
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
	int ret = parse_object(o, out, sizeof(*out), service, err, errlen);

	if (ret)
		k8s_service_free(out);
	return ret;
}

/* ---- EndpointSlice ---- */

static int endpoint(struct pctx *c, struct json_object *v, const char *p, void *slot)
{
	char cp[PATH_MAX_LEN];
	struct k8s_endpoint *e = slot;
	struct json_object *cond, *hints;
	int ret;

	ret = opt_strs(c, v, p, "addresses", &e->addresses);
	if (!ret)
		ret = opt_obj(c, v, p, "conditions", &cond);
	field_path(cp, p, "conditions");
	if (!ret)
		ret = opt_bool(c, cond, cp, "ready", &e->ready);
	if (!ret)
		ret = opt_bool(c, cond, cp, "serving", &e->serving);
	if (!ret)
		ret = opt_bool(c, cond, cp, "terminating", &e->terminating);
	if (!ret)
		ret = opt_str(c, v, p, "nodeName", &e->node_name);
	if (!ret)
		ret = opt_str(c, v, p, "zone", &e->zone);
	if (!ret)
		ret = opt_obj(c, v, p, "hints", &hints);
	if (ret)
		return ret;
	e->has_hints = hints != NULL;
	field_path(cp, p, "hints");
	ret = opt_names(c, hints, cp, "forZones", &e->hint_zones);
	if (!ret)
		ret = opt_names(c, hints, cp, "forNodes", &e->hint_nodes);
	return ret;
}

static int slice_port(struct pctx *c, struct json_object *v, const char *p, void *slot)
{
	struct k8s_endpoint_port *ep = slot;

	return port_fields(c, v, p, NULL, &ep->name, &ep->protocol, &ep->port);
}

static int endpoint_slice(struct pctx *c, struct json_object *o, struct json_object *labels,
			  struct json_object *annotations, void *out)
{
	struct k8s_endpoint_slice *s = out;
	void *ports = NULL, *endpoints = NULL;
	const char *w;
	int ret;

	ret = opt_str(c, labels, "metadata.labels", "kubernetes.io/service-name",
		      &s->service_name);
	if (!ret)
		ret = opt_str(c, annotations, "metadata.annotations",
			      "endpoints.kubernetes.io/last-change-trigger-time", &s->trigger_time);
	if (!ret)
		ret = opt_word(c, o, "", "addressType", &w);
	if (ret)
		return ret;
	s->address_type = word_of(w, family_words, K8S_FAMILY_UNKNOWN);
	ret = opt_list(c, o, "", "ports", json_type_object, sizeof(*s->ports), &ports,
		       &s->n_ports, slice_port);
	s->ports = ports;
	if (!ret)
		ret = opt_list(c, o, "", "endpoints", json_type_object, sizeof(*s->endpoints),
			       &endpoints, &s->n_endpoints, endpoint);
	s->endpoints = endpoints;
	return ret;
}

int k8s_parse_endpoint_slice(struct json_object *o, struct k8s_endpoint_slice *out,
			     char *err, size_t errlen)
{
	int ret = parse_object(o, out, sizeof(*out), endpoint_slice, err, errlen);

	if (ret)
		k8s_endpoint_slice_free(out);
	return ret;
}

/* ---- Node ---- */

static int taint(struct pctx *c, struct json_object *v, const char *p, void *slot)
{
	struct k8s_node *n = slot;
	const char *key;
	int ret = opt_word(c, v, p, "key", &key);

	if (!ret && is_word(key, "ToBeDeletedByClusterAutoscaler"))
		n->to_be_deleted = true;
	return ret;
}

static int node_address(struct pctx *c, struct json_object *v, const char *p, void *slot)
{
	struct k8s_node_address *na = slot;
	int ret = opt_str(c, v, p, "type", &na->type);

	if (!ret)
		ret = opt_str(c, v, p, "address", &na->address);
	return ret;
}

static int node(struct pctx *c, struct json_object *o, struct json_object *labels,
		struct json_object *annotations, void *out)
{
	struct k8s_node *n = out;
	struct json_object *spec, *status;
	void *self = n, *addresses = NULL;
	int ret;

	(void)annotations;
	ret = opt_str(c, labels, "metadata.labels", "topology.kubernetes.io/zone", &n->zone);
	if (!ret)
		ret = opt_obj(c, o, "", "spec", &spec);
	if (!ret)
		ret = opt_list(c, spec, "spec", "taints", json_type_object, 0, &self, NULL, taint);
	if (!ret)
		ret = opt_obj(c, o, "", "status", &status);
	if (!ret)
		ret = opt_list(c, status, "status", "addresses", json_type_object,
			       sizeof(*n->addresses), &addresses, &n->n_addresses, node_address);
	n->addresses = addresses;
	return ret;
}

int k8s_parse_node(struct json_object *o, struct k8s_node *out, char *err, size_t errlen)
{
	int ret = parse_object(o, out, sizeof(*out), node, err, errlen);

	if (ret)
		k8s_node_free(out);
	return ret;
}

/* ---- ServiceCIDR ---- */

static int service_cidr(struct pctx *c, struct json_object *o, struct json_object *labels,
			struct json_object *annotations, void *out)
{
	struct k8s_service_cidr *sc = out;
	struct json_object *spec;
	int ret;

	(void)labels;
	(void)annotations;
	ret = opt_obj(c, o, "", "spec", &spec);
	if (!ret)
		ret = opt_strs(c, spec, "spec", "cidrs", &sc->cidrs);
	return ret;
}

int k8s_parse_service_cidr(struct json_object *o, struct k8s_service_cidr *out,
			   char *err, size_t errlen)
{
	int ret = parse_object(o, out, sizeof(*out), service_cidr, err, errlen);

	if (ret)
		k8s_service_cidr_free(out);
	return ret;
}
