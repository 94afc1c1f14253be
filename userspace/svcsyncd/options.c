// SPDX-License-Identifier: GPL-2.0
/* options.c: svcsyncd's flags and --config file (see options.h). */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "help.h"
#include "kubeconfig.h"
#include "log.h"
#include "options.h"
#include "parse.h"

#define DEFAULT_SYNC_PERIOD_MS	30000
#define DEFAULT_HEALTHZ		"0.0.0.0:10256"
#define DEFAULT_METRICS		"127.0.0.1:10249"

enum {
	OPT_KUBECONFIG = 256,
	OPT_MASTER,
	OPT_HOSTNAME,
	OPT_CLUSTER_CIDR,
	OPT_MASQ_ALL,
	OPT_NODEPORT,
	OPT_SERVICE_RANGE,
	OPT_HEALTHZ,
	OPT_METRICS,
	OPT_SYNC_PERIOD,
	OPT_CONFIG,
	OPT_LATENCY_LOG,
};

static const struct option long_opts[] = {
	{ "kubeconfig", required_argument, NULL, OPT_KUBECONFIG },
	{ "master", required_argument, NULL, OPT_MASTER },
	{ "hostname-override", required_argument, NULL, OPT_HOSTNAME },
	{ "cluster-cidr", required_argument, NULL, OPT_CLUSTER_CIDR },
	{ "masquerade-all", optional_argument, NULL, OPT_MASQ_ALL },
	{ "nodeport-addresses", required_argument, NULL, OPT_NODEPORT },
	{ "service-cluster-ip-range", required_argument, NULL, OPT_SERVICE_RANGE },
	{ "healthz-bind-address", required_argument, NULL, OPT_HEALTHZ },
	{ "metrics-bind-address", required_argument, NULL, OPT_METRICS },
	{ "sync-period", required_argument, NULL, OPT_SYNC_PERIOD },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "latency-log", required_argument, NULL, OPT_LATENCY_LOG },
	{ "v", required_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int set_str(char **dst, const char *v)
{
	char *s = strdup(v);

	if (!s)
		return -ENOMEM;
	free(*dst);
	*dst = s;
	return 0;
}

int options_parse_duration(const char *s, uint32_t *ms)
{
	uint64_t total = 0;
	const char *p = s;

	if (!*p)
		return -EINVAL;
	if (!strcmp(p, "0"))
		return *ms = 0, 0;
	while (*p) {
		uint64_t n = 0, mult;
		const char *start = p;

		while (*p >= '0' && *p <= '9') {
			n = n * 10 + (uint64_t)(*p++ - '0');
			if (n > UINT32_MAX)
				return -ERANGE;
		}
		if (p == start)
			return -EINVAL;
		if (!strncmp(p, "ms", 2))
			mult = 1, p += 2;
		else if (*p == 's')
			mult = 1000, p++;
		else if (*p == 'm')
			mult = 60000, p++;
		else if (*p == 'h')
			mult = 3600000, p++;
		else
			return -EINVAL;
		total += n * mult;
		if (total > UINT32_MAX)
			return -ERANGE;
	}
	*ms = (uint32_t)total;
	return 0;
}

/* "primary", "all" or CIDR[,CIDR...] (kube-proxy's --nodeport-addresses) */
static int set_nodeport(struct daemon_options *o, const char *v, const char *what,
			char *err, size_t errlen)
{
	char e[200];

	svc_cidrs_free(&o->proxy.nodeport_cidrs);
	if (!strcmp(v, "primary") || !*v) {
		o->proxy.nodeport_mode = PROXY_NODEPORT_PRIMARY;
		return 0;
	}
	if (!strcmp(v, "all")) {
		o->proxy.nodeport_mode = PROXY_NODEPORT_ALL;
		return 0;
	}
	if (svc_parse_cidr_list(v, &o->proxy.nodeport_cidrs, e, sizeof(e)) < 0)
		return fail(err, errlen, "%s %s: %s", what, v, e);
	o->proxy.nodeport_mode = PROXY_NODEPORT_CIDRS;
	return 0;
}

static int set_cidrs(struct svc_cidrs *l, const char *v, const char *what,
		     char *err, size_t errlen)
{
	char e[200];

	svc_cidrs_free(l);
	if (!*v)
		return 0;
	if (svc_parse_cidr_list(v, l, e, sizeof(e)) < 0)
		return fail(err, errlen, "%s %s: %s", what, v, e);
	return 0;
}

static int set_bool(bool *b, const char *v, const char *what, char *err, size_t errlen)
{
	if (!strcmp(v, "true") || !strcmp(v, "1"))
		*b = true;
	else if (!strcmp(v, "false") || !strcmp(v, "0"))
		*b = false;
	else
		return fail(err, errlen, "%s %s: not true or false", what, v);
	return 0;
}

/* ---- --config: a KubeProxyConfiguration-like YAML file ---- */

static yaml_node_t *map_get(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);

		if (k && k->type == YAML_SCALAR_NODE && !strcmp((char *)k->data.scalar.value, key))
			return yaml_document_get_node(doc, p->value);
	}
	return NULL;
}

static const char *scalar(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* a sequence of scalars (or one scalar) joined with commas */
static char *joined(yaml_document_t *doc, yaml_node_t *n)
{
	size_t len = 1;
	char *s;

	if (n && n->type == YAML_SCALAR_NODE)
		return strdup(scalar(n));
	if (!n || n->type != YAML_SEQUENCE_NODE)
		return NULL;
	for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++) {
		const char *v = scalar(yaml_document_get_node(doc, *i));

		if (!v)
			return NULL;
		len += strlen(v) + 1;
	}
	s = calloc(1, len);
	if (!s)
		return NULL;
	for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++) {
		if (*s)
			strcat(s, ",");
		strcat(s, scalar(yaml_document_get_node(doc, *i)));
	}
	return s;
}

/* the fields svcsyncd reads; anything else of kube-proxy's is ignored */
static const char *const known_fields[] = {
	"apiVersion", "kind", "clientConnection", "hostnameOverride", "clusterCIDR",
	"masqueradeAll", "nodePortAddresses", "healthzBindAddress", "metricsBindAddress",
	"syncPeriod", "detectLocalMode", "mode", "iptables", "nftables", "ipvs",
	"conntrack", "bindAddress", "featureGates", "logging", "minSyncPeriod",
	"configSyncPeriod", "portRange", "oomScoreAdj", "showHiddenMetricsForVersion",
	"winkernel", "detectLocal", "enableProfiling", "bindAddressHardFail", NULL,
};

static int config_apply(yaml_document_t *doc, struct daemon_options *o, const char *file,
			char *err, size_t errlen)
{
	yaml_node_t *root = yaml_document_get_root_node(doc), *n;
	char what[300];
	const char *v;
	int rv = 0;

	if (!root)
		return 0;	/* an empty file */
	if (root->type != YAML_MAPPING_NODE)
		return fail(err, errlen, "--config %s: not a YAML mapping", file);
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
	     p < root->data.mapping.pairs.top; p++) {
		const char *k = scalar(yaml_document_get_node(doc, p->key));
		size_t i;

		for (i = 0; k && known_fields[i]; i++)
			if (!strcmp(k, known_fields[i]))
				break;
		if (!k || !known_fields[i])
			svc_log(SVC_LOG_WARN, "--config %s: unknown field %s ignored", file,
				k ? k : "(not a string)");
	}
	v = scalar(map_get(doc, root, "kind"));
	if (v && strcmp(v, "KubeProxyConfiguration"))
		return fail(err, errlen, "--config %s: kind %s: not KubeProxyConfiguration", file, v);
	v = scalar(map_get(doc, map_get(doc, root, "clientConnection"), "kubeconfig"));
	if (v && *v && (rv = set_str(&o->kubeconfig, v)))
		return rv;
	v = scalar(map_get(doc, root, "hostnameOverride"));
	if (v && *v && (rv = set_str(&o->hostname_override, v)))
		return rv;
	v = scalar(map_get(doc, root, "clusterCIDR"));
	snprintf(what, sizeof(what), "--config %s: clusterCIDR", file);
	if (v && (rv = set_cidrs(&o->proxy.cluster_cidrs, v, what, err, errlen)))
		return rv;
	/* masqueradeAll: top level, or in the iptables/nftables sections */
	n = map_get(doc, root, "masqueradeAll");
	if (!n)
		n = map_get(doc, map_get(doc, root, "nftables"), "masqueradeAll");
	if (!n)
		n = map_get(doc, map_get(doc, root, "iptables"), "masqueradeAll");
	snprintf(what, sizeof(what), "--config %s: masqueradeAll", file);
	if (scalar(n) && (rv = set_bool(&o->proxy.masquerade_all, scalar(n), what, err, errlen)))
		return rv;
	n = map_get(doc, root, "nodePortAddresses");
	if (n) {
		char *s = joined(doc, n);

		if (!s)
			return fail(err, errlen, "--config %s: nodePortAddresses: not a list of strings",
				    file);
		snprintf(what, sizeof(what), "--config %s: nodePortAddresses", file);
		rv = set_nodeport(o, s, what, err, errlen);
		free(s);
		if (rv)
			return rv;
	}
	/* kube-proxy's defaulting fills an empty one (kubeadm writes ""):
	 * only the flag's empty value turns a server off
	 */
	v = scalar(map_get(doc, root, "healthzBindAddress"));
	if (v && *v && (rv = set_str(&o->healthz_bind, v)))
		return rv;
	v = scalar(map_get(doc, root, "metricsBindAddress"));
	if (v && *v && (rv = set_str(&o->metrics_bind, v)))
		return rv;
	v = scalar(map_get(doc, root, "syncPeriod"));
	if (v && (options_parse_duration(v, &o->sync_period_ms) || !o->sync_period_ms))
		return fail(err, errlen, "--config %s: syncPeriod %s: not a positive duration",
			    file, v);
	v = scalar(map_get(doc, root, "detectLocalMode"));
	if (v && *v && strcmp(v, "ClusterCIDR"))
		return fail(err, errlen, "--config %s: detectLocalMode %s: svcsyncd detects local "
			    "traffic by clusterCIDR only", file, v);
	v = scalar(map_get(doc, root, "mode"));
	if (v && *v && strcmp(v, "nftables"))
		svc_log(SVC_LOG_WARN, "--config %s: mode %s ignored: svcsyncd has nftables "
			"mode's semantics", file, v);
	return 0;
}

static int config_load(const char *file, struct daemon_options *o, char *err, size_t errlen)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	FILE *f = fopen(file, "r");
	int rv;

	if (!f)
		return fail(err, errlen, "--config %s: %s", file, strerror(errno));
	if (!yaml_parser_initialize(&parser)) {
		fclose(f);
		return -ENOMEM;
	}
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		rv = fail(err, errlen, "--config %s: line %zu: %s", file,
			  parser.problem_mark.line + 1,
			  parser.problem ? parser.problem : "invalid YAML");
		goto out;
	}
	rv = config_apply(&doc, o, file, err, errlen);
	yaml_document_delete(&doc);
out:
	yaml_parser_delete(&parser);
	fclose(f);
	return rv;
}

/* ---- the command line ---- */

static int usage_error(char *err, size_t errlen, const char *what)
{
	return fail(err, errlen, "%s (see svcsyncd --help)", what);
}

int options_parse(int argc, char **argv, struct daemon_options *o, char *err, size_t errlen)
{
	const char *config = NULL;
	char what[64];
	int c, rv;

	o->sync_period_ms = DEFAULT_SYNC_PERIOD_MS;
	if (set_str(&o->healthz_bind, DEFAULT_HEALTHZ) || set_str(&o->metrics_bind, DEFAULT_METRICS))
		return -ENOMEM;
	/* first pass: --help, --version, --config (flags win over the file) */
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "hVv:", long_opts, NULL)) != -1) {
		if (c == 'h') {
			svcsyncd_help(stdout);
			return 1;
		}
		if (c == 'V') {
			printf("svcsyncd %s\n", SVCVIP_VERSION_STRING);
			return 1;
		}
		if (c == OPT_CONFIG)
			config = optarg;
		if (c == '?') {
			snprintf(what, sizeof(what), "unknown option %s", argv[optind - 1]);
			return usage_error(err, errlen, what);
		}
		if (c == ':')
			return usage_error(err, errlen, "an option lacks its value");
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument %s (see svcsyncd --help)", argv[optind]);
		return -EINVAL;
	}
	if (config && (rv = config_load(config, o, err, errlen)))
		return rv;

	optind = 1;
	while ((c = getopt_long(argc, argv, "hVv:", long_opts, NULL)) != -1) {
		rv = 0;
		switch (c) {
		case OPT_KUBECONFIG:
			rv = set_str(&o->kubeconfig, optarg);
			break;
		case OPT_MASTER:
			rv = set_str(&o->master, optarg);
			break;
		case OPT_HOSTNAME:
			rv = set_str(&o->hostname_override, optarg);
			break;
		case OPT_CLUSTER_CIDR:
			rv = set_cidrs(&o->proxy.cluster_cidrs, optarg, "--cluster-cidr", err, errlen);
			break;
		case OPT_MASQ_ALL:
			o->proxy.masquerade_all = true;
			if (optarg)
				rv = set_bool(&o->proxy.masquerade_all, optarg, "--masquerade-all",
					      err, errlen);
			break;
		case OPT_NODEPORT:
			rv = set_nodeport(o, optarg, "--nodeport-addresses", err, errlen);
			break;
		case OPT_SERVICE_RANGE:
			rv = set_cidrs(&o->proxy.service_cidrs, optarg,
				       "--service-cluster-ip-range", err, errlen);
			break;
		case OPT_HEALTHZ:
			rv = set_str(&o->healthz_bind, optarg);
			break;
		case OPT_METRICS:
			rv = set_str(&o->metrics_bind, optarg);
			break;
		case OPT_SYNC_PERIOD:
			if (options_parse_duration(optarg, &o->sync_period_ms) || !o->sync_period_ms)
				rv = fail(err, errlen, "--sync-period %s: not a positive duration "
					  "(30s, 1m, 500ms)", optarg);
			break;
		case OPT_LATENCY_LOG:
			rv = set_str(&o->latency_log, optarg);
			break;
		case 'v': {
			char *end;
			long n = strtol(optarg, &end, 10);

			if (*end || n < 0 || n > 10)
				rv = fail(err, errlen, "-v %s: not a level 0..10", optarg);
			else
				svc_log_verbosity = (int)n;
			break;
		}
		default:
			break;
		}
		if (rv)
			return rv;
	}
	if (kube_node_name(o->hostname_override, o->node_name, sizeof(o->node_name)) < 0 ||
	    !o->node_name[0])
		return fail(err, errlen, "cannot tell this node's name: give --hostname-override");
	o->proxy.node_name = o->node_name;
	return 0;
}

void options_free(struct daemon_options *o)
{
	free(o->kubeconfig);
	free(o->master);
	free(o->hostname_override);
	free(o->healthz_bind);
	free(o->metrics_bind);
	free(o->latency_log);
	svc_cidrs_free(&o->proxy.cluster_cidrs);
	svc_cidrs_free(&o->proxy.nodeport_cidrs);
	svc_cidrs_free(&o->proxy.service_cidrs);
	memset(o, 0, sizeof(*o));
}
