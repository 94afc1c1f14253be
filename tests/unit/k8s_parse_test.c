// SPDX-License-Identifier: GPL-2.0
/*
 * k8s_parse_test: svcsyncd/k8s_parse.c against the Kubernetes API's own
 * round-trip fixtures (fixtures/README says where each comes from), objects
 * as kubectl prints them, malformed objects (each refusal names its field)
 * and a small fuzzer: every value of every fixture swapped for each JSON
 * type or removed, prefixes and byte flips of the text, under ASan.
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
#include <netinet/in.h>
#include <json-c/json.h>

#include "k8s_parse.h"

static char *fixture_path(const char *name)
{
	const char *file = __FILE__, *slash = strrchr(file, '/');
	int dirlen = slash ? (int)(slash - file) : 1;
	char *p;

	if (asprintf(&p, "%.*s/fixtures/%s", dirlen, slash ? file : ".", name) < 0)
		return NULL;
	return p;
}

static char *read_text(const char *name, size_t *len)
{
	char *path = fixture_path(name), *buf;
	FILE *f;
	long n;

	assert_non_null(path);
	f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s", path);
	free(path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)n;
	return buf;
}

static struct json_object *load(const char *name)
{
	char *text = read_text(name, NULL);
	struct json_object *o = json_tokener_parse(text);

	free(text);
	assert_non_null(o);
	return o;
}

static struct json_object *js(const char *text)
{
	struct json_object *o = json_tokener_parse(text);

	if (!o)
		fail_msg("bad JSON in test: %s", text);
	return o;
}

#define assert_str(a, b) assert_string_equal((a), (b))

/* ---- round-trip fixtures ---- */

static void fixture_v1_30_service(void **state)
{
	struct json_object *o = load("v1.30.0-core.v1.Service.json");
	struct k8s_service s;
	char err[256];

	(void)state;
	assert_int_equal(k8s_parse_service(o, &s, err, sizeof(err)), 0);
	assert_str(s.meta.name, "nameValue");
	assert_str(s.meta.namespace, "namespaceValue");
	assert_str(s.meta.uid, "uidValue");
	assert_str(s.meta.resource_version, "resourceVersionValue");
	assert_true(s.meta.deleting);
	assert_int_equal(s.type, K8S_SVC_TYPE_UNKNOWN);	/* "typeValue" */
	assert_str(s.cluster_ip, "clusterIPValue");
	assert_int_equal(s.cluster_ips.n, 1);
	assert_str(s.cluster_ips.v[0], "clusterIPsValue");
	assert_int_equal(s.n_ip_families, 1);
	assert_int_equal(s.ip_families[0], K8S_FAMILY_UNKNOWN);
	assert_int_equal(s.n_ports, 1);
	assert_str(s.ports[0].name, "nameValue");
	assert_int_equal(s.ports[0].protocol, 0);	/* "protocolValue" */
	assert_int_equal(s.ports[0].port, 3);
	assert_int_equal(s.ports[0].node_port, 5);
	assert_int_equal(s.external_ips.n, 1);
	assert_str(s.external_ips.v[0], "externalIPsValue");
	assert_int_equal(s.lb_source_ranges.n, 1);
	assert_str(s.lb_source_ranges.v[0], "loadBalancerSourceRangesValue");
	assert_false(s.etp_local);
	assert_false(s.itp_local);
	assert_int_equal(s.health_check_node_port, 12);
	assert_false(s.affinity_client_ip);
	assert_int_equal(s.affinity_timeout, 1);
	assert_int_equal(s.n_ingress, 1);
	assert_str(s.ingress[0].ip, "ipValue");
	assert_str(s.ingress[0].hostname, "hostnameValue");
	assert_str(s.ingress[0].ip_mode, "ipModeValue");
	k8s_service_free(&s);
	assert_null(s.ports);
	json_object_put(o);
}

static void fixture_head_service(void **state)
{
	struct json_object *o = load("HEAD-2783f2f-core.v1.Service.json");
	struct k8s_service s;
	char err[256];

	(void)state;
	assert_int_equal(k8s_parse_service(o, &s, err, sizeof(err)), 0);
	assert_str(s.meta.name, "2");
	assert_str(s.meta.namespace, "4");
	assert_str(s.meta.uid, "7");
	assert_str(s.meta.resource_version, "11042405498087606203");
	assert_false(s.meta.deleting);
	assert_int_equal(s.type, K8S_SVC_TYPE_UNKNOWN);
	assert_str(s.cluster_ip, "24");
	assert_int_equal(s.cluster_ips.n, 1);
	assert_str(s.cluster_ips.v[0], "25");
	assert_int_equal(s.n_ip_families, 1);
	assert_int_equal(s.ip_families[0], K8S_FAMILY_UNKNOWN);
	assert_int_equal(s.n_ports, 1);
	assert_str(s.ports[0].name, "19");
	assert_int_equal(s.ports[0].protocol, 0);
	assert_int_equal(s.ports[0].port, 202283346);
	assert_int_equal(s.ports[0].node_port, -474380055);
	assert_str(s.external_ips.v[0], "26");
	assert_str(s.lb_source_ranges.v[0], "28");
	assert_false(s.etp_local);
	assert_false(s.itp_local);			/* "" */
	assert_int_equal(s.health_check_node_port, -1965738697);
	assert_false(s.affinity_client_ip);
	assert_int_equal(s.affinity_timeout, 2072604405);
	assert_int_equal(s.n_ingress, 1);
	assert_str(s.ingress[0].ip, "32");
	assert_str(s.ingress[0].hostname, "33");
	assert_null(s.ingress[0].ip_mode);
	k8s_service_free(&s);
	json_object_put(o);
}

static void fixture_head_endpoint_slice(void **state)
{
	struct json_object *o = load("HEAD-89b74ac-discovery.k8s.io.v1.EndpointSlice.json");
	struct k8s_endpoint_slice s;
	struct k8s_endpoint *e;
	char err[256];

	(void)state;
	assert_int_equal(k8s_parse_endpoint_slice(o, &s, err, sizeof(err)), 0);
	assert_str(s.meta.name, "nameValue");
	assert_str(s.meta.namespace, "namespaceValue");
	assert_true(s.meta.deleting);
	assert_null(s.service_name);			/* only "labelsKey" */
	assert_null(s.trigger_time);
	assert_int_equal(s.address_type, K8S_FAMILY_UNKNOWN);	/* "addressTypeValue" */
	assert_int_equal(s.n_endpoints, 1);
	e = &s.endpoints[0];
	assert_int_equal(e->addresses.n, 1);
	assert_str(e->addresses.v[0], "addressesValue");
	assert_int_equal(e->ready, K8S_TRUE);
	assert_int_equal(e->serving, K8S_TRUE);
	assert_int_equal(e->terminating, K8S_TRUE);
	assert_str(e->node_name, "nodeNameValue");
	assert_str(e->zone, "zoneValue");
	assert_true(e->has_hints);
	assert_int_equal(e->hint_zones.n, 1);
	assert_str(e->hint_zones.v[0], "nameValue");
	assert_int_equal(e->hint_nodes.n, 0);
	assert_int_equal(s.n_ports, 1);
	assert_str(s.ports[0].name, "nameValue");
	assert_int_equal(s.ports[0].protocol, 0);	/* "protocolValue" */
	assert_int_equal(s.ports[0].port, 3);
	k8s_endpoint_slice_free(&s);
	json_object_put(o);
}

static void fixture_old_head_endpoint_slice(void **state)
{
	struct json_object *o = load("HEAD-0f1d105-discovery.k8s.io.v1.EndpointSlice.json");
	struct k8s_endpoint_slice s;
	struct k8s_endpoint *e;
	char err[256];

	(void)state;
	assert_int_equal(k8s_parse_endpoint_slice(o, &s, err, sizeof(err)), 0);
	assert_str(s.meta.name, "2");
	assert_str(s.meta.namespace, "4");
	assert_false(s.meta.deleting);
	assert_null(s.service_name);
	assert_int_equal(s.address_type, K8S_FAMILY_UNKNOWN);
	e = &s.endpoints[0];
	assert_str(e->addresses.v[0], "20");
	assert_int_equal(e->ready, K8S_FALSE);
	assert_int_equal(e->serving, K8S_FALSE);
	assert_int_equal(e->terminating, K8S_FALSE);
	assert_str(e->node_name, "30");
	assert_str(e->zone, "31");
	assert_str(e->hint_zones.v[0], "32");
	assert_str(s.ports[0].name, "33");
	assert_int_equal(s.ports[0].protocol, 0);
	assert_int_equal(s.ports[0].port, -591435092);
	k8s_endpoint_slice_free(&s);
	json_object_put(o);
}

static void check_fixture_node(const char *file)
{
	struct json_object *o = load(file);
	struct k8s_node n;
	char err[256];

	assert_int_equal(k8s_parse_node(o, &n, err, sizeof(err)), 0);
	assert_str(n.meta.name, "nameValue");
	assert_str(n.meta.namespace, "namespaceValue");
	assert_str(n.meta.uid, "uidValue");
	assert_true(n.meta.deleting);
	assert_null(n.zone);
	assert_int_equal(n.n_addresses, 1);
	assert_str(n.addresses[0].type, "typeValue");
	assert_str(n.addresses[0].address, "addressValue");
	assert_false(n.to_be_deleted);			/* taint "keyValue" */
	k8s_node_free(&n);
	assert_null(n.addresses);
	json_object_put(o);
}

static void fixture_nodes(void **state)
{
	(void)state;
	check_fixture_node("v1.30.0-core.v1.Node.json");
	check_fixture_node("HEAD-01aa0f3-core.v1.Node.json");
}

static void fixture_alpha_service_cidr(void **state)
{
	struct json_object *o = load("HEAD-8182c4d-networking.k8s.io.v1alpha1.ServiceCIDR.json");
	struct k8s_service_cidr c;
	char err[256];

	(void)state;
	/* the alpha shape (spec.ipv4/ipv6): unknown fields, no cidrs */
	assert_int_equal(k8s_parse_service_cidr(o, &c, err, sizeof(err)), 0);
	assert_str(c.meta.name, "nameValue");
	assert_int_equal(c.cidrs.n, 0);
	k8s_service_cidr_free(&c);
	json_object_put(o);
}

/* ---- objects as kubectl prints them ---- */

static void kubectl_service(void **state)
{
	struct json_object *o = load("kubectl-service-lb-dualstack.json");
	struct k8s_service s;
	char err[256];

	(void)state;
	assert_int_equal(k8s_parse_service(o, &s, err, sizeof(err)), 0);
	assert_str(s.meta.name, "web");
	assert_str(s.meta.namespace, "shop");
	assert_str(s.meta.resource_version, "1873465");
	assert_false(s.meta.deleting);
	assert_int_equal(s.type, K8S_SVC_LOAD_BALANCER);
	assert_str(s.cluster_ip, "10.96.12.34");
	assert_int_equal(s.cluster_ips.n, 2);
	assert_str(s.cluster_ips.v[1], "fd00:10:96::1234");
	assert_int_equal(s.n_ip_families, 2);
	assert_int_equal(s.ip_families[0], K8S_IPV4);
	assert_int_equal(s.ip_families[1], K8S_IPV6);
	assert_int_equal(s.n_ports, 2);
	assert_str(s.ports[0].name, "http");
	assert_int_equal(s.ports[0].protocol, IPPROTO_TCP);
	assert_int_equal(s.ports[0].port, 80);
	assert_int_equal(s.ports[0].node_port, 30080);
	assert_str(s.ports[1].name, "dns");
	assert_int_equal(s.ports[1].protocol, IPPROTO_UDP);
	assert_int_equal(s.ports[1].port, 53);
	assert_int_equal(s.ports[1].node_port, 30053);
	assert_int_equal(s.external_ips.n, 2);
	assert_str(s.external_ips.v[1], "2001:db8::10");
	assert_int_equal(s.lb_source_ranges.n, 2);
	assert_str(s.lb_source_ranges.v[0], " 203.0.113.0/24");	/* trimmed by proxy.c */
	assert_true(s.etp_local);
	assert_false(s.itp_local);
	assert_int_equal(s.health_check_node_port, 31999);
	assert_true(s.affinity_client_ip);
	assert_int_equal(s.affinity_timeout, 600);
	assert_int_equal(s.n_ingress, 3);
	assert_str(s.ingress[0].ip, "198.51.100.7");
	assert_str(s.ingress[0].ip_mode, "VIP");
	assert_null(s.ingress[1].ip);
	assert_str(s.ingress[1].hostname, "web.lb.example.com");
	assert_str(s.ingress[2].ip, "2001:db8:ffff::7");
	assert_null(s.ingress[2].ip_mode);
	k8s_service_free(&s);
	json_object_put(o);
}

static void kubectl_endpoint_slice(void **state)
{
	struct json_object *o = load("kubectl-endpointslice.json");
	struct k8s_endpoint_slice s;
	char err[256];

	(void)state;
	assert_int_equal(k8s_parse_endpoint_slice(o, &s, err, sizeof(err)), 0);
	assert_str(s.meta.name, "web-x7k2p");
	assert_str(s.meta.namespace, "shop");
	assert_str(s.service_name, "web");
	assert_str(s.trigger_time, "2024-05-02T09:15:01Z");
	assert_int_equal(s.address_type, K8S_IPV4);
	assert_int_equal(s.n_ports, 2);
	assert_str(s.ports[0].name, "http");
	assert_int_equal(s.ports[0].protocol, IPPROTO_TCP);
	assert_int_equal(s.ports[0].port, 8080);
	assert_int_equal(s.ports[1].protocol, IPPROTO_UDP);
	assert_int_equal(s.n_endpoints, 3);
	assert_str(s.endpoints[0].addresses.v[0], "10.244.1.5");
	assert_int_equal(s.endpoints[0].ready, K8S_TRUE);
	assert_int_equal(s.endpoints[0].terminating, K8S_FALSE);
	assert_str(s.endpoints[0].node_name, "node-1");
	assert_str(s.endpoints[0].zone, "zone-a");
	assert_str(s.endpoints[0].hint_zones.v[0], "zone-a");
	assert_int_equal(s.endpoints[1].ready, K8S_FALSE);
	assert_int_equal(s.endpoints[1].serving, K8S_TRUE);
	assert_int_equal(s.endpoints[1].terminating, K8S_TRUE);
	assert_false(s.endpoints[1].has_hints);
	/* "conditions": {} — all three absent */
	assert_int_equal(s.endpoints[2].ready, K8S_UNSET);
	assert_int_equal(s.endpoints[2].serving, K8S_UNSET);
	assert_int_equal(s.endpoints[2].terminating, K8S_UNSET);
	assert_null(s.endpoints[2].node_name);
	k8s_endpoint_slice_free(&s);
	json_object_put(o);
}

static void kubectl_node(void **state)
{
	struct json_object *o = load("kubectl-node.json");
	struct k8s_node n;
	char err[256];

	(void)state;
	assert_int_equal(k8s_parse_node(o, &n, err, sizeof(err)), 0);
	assert_str(n.meta.name, "node-1");
	assert_null(n.meta.namespace);
	assert_str(n.zone, "zone-a");
	assert_true(n.to_be_deleted);
	assert_int_equal(n.n_addresses, 4);
	assert_str(n.addresses[0].type, "Hostname");
	assert_str(n.addresses[1].type, "ExternalIP");
	assert_str(n.addresses[1].address, "198.51.100.21");
	assert_str(n.addresses[3].address, "fd00:192:168:1::21");
	k8s_node_free(&n);
	json_object_put(o);
}

static void kubectl_service_cidr(void **state)
{
	struct json_object *o = load("kubectl-servicecidr.json");
	struct k8s_service_cidr c;
	char err[256];

	(void)state;
	assert_int_equal(k8s_parse_service_cidr(o, &c, err, sizeof(err)), 0);
	assert_str(c.meta.name, "kubernetes");
	assert_int_equal(c.cidrs.n, 2);
	assert_str(c.cidrs.v[0], "10.96.0.0/16");
	assert_str(c.cidrs.v[1], "fd00:10:96::/112");
	k8s_service_cidr_free(&c);
	json_object_put(o);
}

/* ---- defaults and refusals ---- */

static void defaults(void **state)
{
	struct json_object *o;
	struct k8s_service s;
	struct k8s_endpoint_slice es;
	char err[256];

	(void)state;
	o = js("{\"metadata\":{\"name\":\"a\",\"namespace\":\"n\",\"deletionTimestamp\":null},"
	       "\"spec\":{\"ports\":[{\"port\":80}],\"clusterIP\":\"None\"}}");
	assert_int_equal(k8s_parse_service(o, &s, err, sizeof(err)), 0);
	assert_false(s.meta.deleting);
	assert_int_equal(s.type, K8S_SVC_CLUSTER_IP);
	assert_str(s.ports[0].name, "");			/* unnamed */
	assert_int_equal(s.ports[0].protocol, IPPROTO_TCP);	/* absent: TCP */
	assert_int_equal(s.ports[0].node_port, 0);
	assert_str(s.cluster_ip, "None");
	assert_int_equal(s.n_ip_families, 0);
	assert_int_equal(s.affinity_timeout, 0);
	k8s_service_free(&s);
	json_object_put(o);

	o = js("{\"metadata\":{\"name\":\"a-1\",\"namespace\":\"n\",\"labels\":"
	       "{\"kubernetes.io/service-name\":\"a\"}},\"addressType\":\"FQDN\","
	       "\"ports\":[{\"port\":80},{\"name\":\"\",\"protocol\":\"SCTP\"},"
	       "{\"name\":null,\"port\":null}],"
	       "\"endpoints\":[{\"addresses\":[\"1.2.3.4\"],\"hints\":{}}]}");
	assert_int_equal(k8s_parse_endpoint_slice(o, &es, err, sizeof(err)), 0);
	assert_int_equal(es.address_type, K8S_FQDN);
	assert_str(es.service_name, "a");
	assert_null(es.ports[0].name);				/* nil name */
	assert_int_equal(es.ports[0].protocol, IPPROTO_TCP);
	assert_str(es.ports[1].name, "");
	assert_int_equal(es.ports[1].protocol, IPPROTO_SCTP);
	assert_int_equal(es.ports[1].port, 0);			/* nil port */
	assert_null(es.ports[2].name);
	assert_int_equal(es.endpoints[0].ready, K8S_UNSET);	/* no conditions */
	assert_true(es.endpoints[0].has_hints);
	assert_int_equal(es.endpoints[0].hint_zones.n, 0);
	k8s_endpoint_slice_free(&es);
	json_object_put(o);
}

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n--)
		if (*b++)
			return false;
	return true;
}

static void expect_service_error(const char *text, const char *msg)
{
	struct json_object *o = js(text);
	struct k8s_service s;
	char err[256] = "";

	assert_int_equal(k8s_parse_service(o, &s, err, sizeof(err)), -EINVAL);
	assert_true(all_zero(&s, sizeof(s)));
	assert_string_equal(err, msg);
	json_object_put(o);
}

static void errors_name_the_field(void **state)
{
	struct json_object *o;
	struct k8s_endpoint_slice es;
	struct k8s_node n;
	char err[256];

	(void)state;
	expect_service_error("[1]", "object: not a JSON object");
	expect_service_error("{\"spec\":{}}", "metadata: missing");
	expect_service_error("{\"metadata\":{},\"spec\":{}}", "metadata.name: missing");
	expect_service_error("{\"metadata\":{\"name\":\"a\"}}", "spec: missing");
	expect_service_error("{\"metadata\":{\"name\":7},\"spec\":{}}",
			     "metadata.name: not a string");
	expect_service_error("{\"metadata\":{\"name\":\"a\"},\"spec\":{\"ports\":"
			     "[{\"port\":80},{\"port\":\"80\"}]}}",
			     "spec.ports[1].port: not an integer");
	expect_service_error("{\"metadata\":{\"name\":\"a\"},\"spec\":{\"ports\":"
			     "[{\"port\":80.0}]}}", "spec.ports[0].port: not an integer");
	expect_service_error("{\"metadata\":{\"name\":\"a\"},\"spec\":{\"ports\":"
			     "[{\"port\":4294967376}]}}",
			     "spec.ports[0].port: out of the int32 range");
	expect_service_error("{\"metadata\":{\"name\":\"a\"},\"spec\":{\"ports\":[7]}}",
			     "spec.ports[0]: not an object");
	expect_service_error("{\"metadata\":{\"name\":\"a\"},\"spec\":{\"clusterIPs\":"
			     "[\"10.0.0.1\",null]}}", "spec.clusterIPs[1]: not a string");
	expect_service_error("{\"metadata\":{\"name\":\"a\"},\"spec\":{\"type\":1}}",
			     "spec.type: not a string");
	expect_service_error("{\"metadata\":{\"name\":\"a\"},\"spec\":{\"sessionAffinity"
			     "Config\":{\"clientIP\":{\"timeoutSeconds\":\"1\"}}}}",
			     "spec.sessionAffinityConfig.clientIP.timeoutSeconds: "
			     "not an integer");
	expect_service_error("{\"metadata\":{\"name\":\"a\"},\"spec\":{},\"status\":"
			     "{\"loadBalancer\":{\"ingress\":[{\"ip\":[]}]}}}",
			     "status.loadBalancer.ingress[0].ip: not a string");

	o = js("{\"metadata\":{\"name\":\"a\",\"labels\":[]}}");
	assert_int_equal(k8s_parse_endpoint_slice(o, &es, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "metadata.labels: not an object");
	assert_true(all_zero(&es, sizeof(es)));
	json_object_put(o);
	o = js("{\"metadata\":{\"name\":\"a\"},\"endpoints\":[{\"addresses\":[\"1.1.1.1\"]},"
	       "{\"conditions\":{\"ready\":\"true\"}}]}");
	assert_int_equal(k8s_parse_endpoint_slice(o, &es, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "endpoints[1].conditions.ready: not a boolean");
	assert_true(all_zero(&es, sizeof(es)));
	json_object_put(o);
	o = js("{\"metadata\":{\"name\":\"a\"},\"endpoints\":[{\"hints\":{\"forNodes\":"
	       "[{\"name\":1}]}}]}");
	assert_int_equal(k8s_parse_endpoint_slice(o, &es, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "endpoints[0].hints.forNodes[0].name: not a string");
	json_object_put(o);
	o = js("{\"metadata\":{\"name\":\"n\"},\"status\":{\"addresses\":[{\"address\":false}]}}");
	assert_int_equal(k8s_parse_node(o, &n, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "status.addresses[0].address: not a string");
	assert_true(all_zero(&n, sizeof(n)));
	json_object_put(o);
	/* a tiny err buffer is cut, never overrun */
	o = js("{\"metadata\":{\"name\":\"n\"},\"spec\":{\"taints\":{}}}");
	assert_int_equal(k8s_parse_node(o, &n, err, 5), -EINVAL);
	assert_string_equal(err, "spec");
	json_object_put(o);
}

/* ---- fuzzing ---- */

static size_t fuzz_runs, fuzz_errors;

static void parse_all(struct json_object *root)
{
	struct k8s_service s;
	struct k8s_endpoint_slice es;
	struct k8s_node n;
	struct k8s_service_cidr c;
	char err[128];
	int ret;

	ret = k8s_parse_service(root, &s, err, sizeof(err));
	assert_true(ret == 0 || (ret == -EINVAL && all_zero(&s, sizeof(s)) && *err));
	fuzz_errors += ret != 0;
	k8s_service_free(&s);
	ret = k8s_parse_endpoint_slice(root, &es, err, sizeof(err));
	assert_true(ret == 0 || (ret == -EINVAL && all_zero(&es, sizeof(es)) && *err));
	k8s_endpoint_slice_free(&es);
	ret = k8s_parse_node(root, &n, err, sizeof(err));
	assert_true(ret == 0 || (ret == -EINVAL && all_zero(&n, sizeof(n)) && *err));
	k8s_node_free(&n);
	ret = k8s_parse_service_cidr(root, &c, err, sizeof(err));
	assert_true(ret == 0 || (ret == -EINVAL && all_zero(&c, sizeof(c)) && *err));
	k8s_service_cidr_free(&c);
	fuzz_runs++;
}

#define NREPL 10

static struct json_object *replacement(int i)
{
	switch (i) {
	case 0:
		return NULL;				/* JSON null */
	case 1:
		return json_object_new_int(7);
	case 2:
		return json_object_new_int64(-((int64_t)1 << 40));
	case 3:
		return json_object_new_string("x");
	case 4:
		return json_object_new_array();
	case 5:
		return json_object_new_object();
	case 6:
		return json_object_new_boolean(1);
	case 7:
		return json_object_new_double(1.5);
	case 8: {
		struct json_object *a = json_object_new_array();

		json_object_array_add(a, json_object_new_int(1));
		return a;
	}
	default:
		return json_object_new_string("");
	}
}

/* Every value under node: swapped for each replacement, then removed. */
static void swap_walk(struct json_object *root, struct json_object *node)
{
	size_t i, n;
	int r;

	if (json_object_is_type(node, json_type_object)) {
		const char *keys[256];
		struct lh_entry *ent;

		n = 0;
		for (ent = json_object_get_object(node)->head; ent && n < 256; ent = ent->next)
			keys[n++] = ent->k;
		for (i = 0; i < n; i++) {
			char *key = strdup(keys[i]);
			struct json_object *orig;

			assert_non_null(key);
			assert_true(json_object_object_get_ex(node, key, &orig));
			json_object_get(orig);
			for (r = 0; r < NREPL; r++) {
				json_object_object_add(node, key, replacement(r));
				parse_all(root);
			}
			json_object_object_del(node, key);
			parse_all(root);
			json_object_object_add(node, key, orig);
			swap_walk(root, orig);
			free(key);
		}
	} else if (json_object_is_type(node, json_type_array)) {
		n = json_object_array_length(node);
		for (i = 0; i < n; i++) {
			struct json_object *orig = json_object_array_get_idx(node, i);

			json_object_get(orig);
			for (r = 0; r < NREPL; r++) {
				json_object_array_put_idx(node, i, replacement(r));
				parse_all(root);
			}
			json_object_array_put_idx(node, i, orig);
			swap_walk(root, orig);
		}
	}
}

static const char *const fixtures[] = {
	"v1.30.0-core.v1.Service.json",
	"HEAD-2783f2f-core.v1.Service.json",
	"HEAD-89b74ac-discovery.k8s.io.v1.EndpointSlice.json",
	"HEAD-0f1d105-discovery.k8s.io.v1.EndpointSlice.json",
	"v1.30.0-core.v1.Node.json",
	"HEAD-01aa0f3-core.v1.Node.json",
	"HEAD-8182c4d-networking.k8s.io.v1alpha1.ServiceCIDR.json",
	"kubectl-service-lb-dualstack.json",
	"kubectl-endpointslice.json",
	"kubectl-node.json",
	"kubectl-servicecidr.json",
};

static void fuzz_type_swaps(void **state)
{
	size_t i;

	(void)state;
	fuzz_runs = fuzz_errors = 0;
	for (i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		struct json_object *o = load(fixtures[i]);

		parse_all(o);
		swap_walk(o, o);
		json_object_put(o);
	}
	print_message("# %zu objects parsed 4 ways, %zu refused as services\n",
		      fuzz_runs, fuzz_errors);
	assert_true(fuzz_runs > 5000);
	assert_true(fuzz_errors > 100);
}

static void parse_text(const char *text, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;

	assert_non_null(tok);
	o = json_tokener_parse_ex(tok, text, (int)len);
	if (o) {
		parse_all(o);
		json_object_put(o);
	}
	json_tokener_free(tok);
}

static void fuzz_text(void **state)
{
	unsigned int seed = 12345;
	size_t i, len, k;

	(void)state;
	for (i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		char *text = read_text(fixtures[i], &len);

		/* every prefix (a watch line cut anywhere) */
		for (k = 0; k <= len; k++)
			parse_text(text, k);
		/* byte flips, three at a time */
		for (k = 0; k < 300; k++) {
			char *copy = malloc(len + 1);
			int j;

			assert_non_null(copy);
			memcpy(copy, text, len + 1);
			for (j = 0; j < 3; j++)
				copy[rand_r(&seed) % len] = (char)(rand_r(&seed) % 256);
			parse_text(copy, len);
			free(copy);
		}
		free(text);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fixture_v1_30_service),
		cmocka_unit_test(fixture_head_service),
		cmocka_unit_test(fixture_head_endpoint_slice),
		cmocka_unit_test(fixture_old_head_endpoint_slice),
		cmocka_unit_test(fixture_nodes),
		cmocka_unit_test(fixture_alpha_service_cidr),
		cmocka_unit_test(kubectl_service),
		cmocka_unit_test(kubectl_endpoint_slice),
		cmocka_unit_test(kubectl_node),
		cmocka_unit_test(kubectl_service_cidr),
		cmocka_unit_test(defaults),
		cmocka_unit_test(errors_name_the_field),
		cmocka_unit_test(fuzz_type_swaps),
		cmocka_unit_test(fuzz_text),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests_name("k8s_parse", tests, NULL, NULL);
}
