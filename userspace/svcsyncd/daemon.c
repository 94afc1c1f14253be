// SPDX-License-Identifier: GPL-2.0
/*
 * daemon.c: svcsyncd's main loop (see daemon.h).
 *
 * One thread does everything that touches the store and the kernel: the
 * API client calls back with objects as they arrive, each change marks its
 * Service dirty, and once kube_client_run() returns (it processed whatever
 * had arrived: changes that come together are coalesced) the dirty
 * Services are rebuilt and the kernel converged, within milliseconds of
 * the event. The HTTP servers run on their own thread and only read the
 * health and metrics state.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>

#include "api.h"
#include "apiclient.h"
#include "daemon.h"
#include "k8s_parse.h"
#include "kubeconfig.h"
#include "log.h"
#include "nl.h"
#include "store.h"
#include "sync.h"

#define RETRY_MIN_MS	500
#define NL_RETRY_MS	2000

/* server-side filters kube-proxy uses */
#define PROXY_LABEL_SELECTOR \
	"!service.kubernetes.io/service-proxy-name,!service.kubernetes.io/headless"

struct daemon;

struct reflector_ctx {
	struct daemon *d;
	enum store_kind kind;
	struct kube_reflector *r;
};

struct daemon {
	struct daemon_options *o;
	struct store *st;
	struct kube_client *client;
	struct reflector_ctx refl[STORE_KINDS];
	struct svc_nl *nl;
	struct svc_table want;
	struct svc_config want_cfg;
	struct svc_sync_have have;
	uint64_t generation;		/* the kernel's after our last sync */
	bool have_generation;
	bool need_sync;			/* a retry is due */
	uint64_t retry_at_ns;
	uint32_t retry_ms;
	uint64_t next_check_ns;
	bool programmed;		/* first sync done */
	FILE *latency_log;
};

static volatile sig_atomic_t stop_requested;
static struct kube_client *signal_client;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
	if (signal_client)
		kube_client_wakeup(signal_client);	/* a write(): async-signal-safe */
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- from the API into the store ---- */

static const char *meta_str(struct json_object *obj, const char *key)
{
	struct json_object *meta, *v;

	if (!json_object_object_get_ex(obj, "metadata", &meta) ||
	    !json_object_object_get_ex(meta, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* Did the node change in a way that changes the services (zone, addresses)? */
static bool node_relevant_change(const struct k8s_node *a, const struct k8s_node *b)
{
	if (!a || !b)
		return a != b;
	if ((a->zone == NULL) != (b->zone == NULL) || (a->zone && strcmp(a->zone, b->zone)))
		return true;
	if (a->n_addresses != b->n_addresses)
		return true;
	for (size_t i = 0; i < a->n_addresses; i++) {
		const struct k8s_node_address *x = &a->addresses[i], *y = &b->addresses[i];

		if (strcmp(x->type ? x->type : "", y->type ? y->type : "") ||
		    strcmp(x->address ? x->address : "", y->address ? y->address : ""))
			return true;
	}
	return false;
}

static void upsert_node(struct daemon *d, struct k8s_node *n, uint64_t now)
{
	const struct k8s_node *old = store_node(d->st);
	bool relevant = node_relevant_change(old, n);

	store_upsert_node(d->st, n);
	if (relevant)
		store_mark_all(d->st, now);
}

static void on_upsert(void *data, struct json_object *obj)
{
	struct reflector_ctx *rc = data;
	struct daemon *d = rc->d;
	const char *ns = meta_str(obj, "namespace"), *name = meta_str(obj, "name");
	uint64_t now = mono_ns();
	char err[256] = "";
	int rv;

	if (store_has_version(d->st, rc->kind, ns, name, meta_str(obj, "resourceVersion")))
		return;		/* a relist repeating what we have */
	switch (rc->kind) {
	case STORE_SERVICES: {
		struct k8s_service s = {0};

		rv = k8s_parse_service(obj, &s, err, sizeof(err));
		if (!rv)
			store_upsert_service(d->st, &s, now);
		break;
	}
	case STORE_SLICES: {
		struct k8s_endpoint_slice s = {0};

		rv = k8s_parse_endpoint_slice(obj, &s, err, sizeof(err));
		if (!rv)
			store_upsert_slice(d->st, &s, now);
		break;
	}
	case STORE_NODES: {
		struct k8s_node n = {0};

		rv = k8s_parse_node(obj, &n, err, sizeof(err));
		if (!rv && n.meta.name && !strcmp(n.meta.name, d->o->node_name))
			upsert_node(d, &n, now);
		k8s_node_free(&n);
		break;
	}
	case STORE_SERVICE_CIDRS: {
		struct k8s_service_cidr c = {0};

		rv = k8s_parse_service_cidr(obj, &c, err, sizeof(err));
		if (!rv)
			store_upsert_cidr(d->st, &c);
		break;
	}
	default:
		return;
	}
	if (rv)
		svc_log(SVC_LOG_WARN, "skipping %s %s/%s: %s", store_kind_name(rc->kind),
			ns ? ns : "", name ? name : "?", err);
}

static void on_remove(void *data, struct json_object *obj)
{
	struct reflector_ctx *rc = data;
	struct daemon *d = rc->d;
	const char *ns = meta_str(obj, "namespace"), *name = meta_str(obj, "name");
	uint64_t now = mono_ns();

	if (!name)
		return;
	switch (rc->kind) {
	case STORE_SERVICES:
		store_remove_service(d->st, ns, name, now);
		break;
	case STORE_SLICES:
		store_remove_slice(d->st, ns, name, now);
		break;
	case STORE_NODES:
		if (!strcmp(name, d->o->node_name)) {
			store_remove_node(d->st);
			store_mark_all(d->st, now);
		}
		break;
	case STORE_SERVICE_CIDRS:
		store_remove_cidr(d->st, name);
		break;
	default:
		break;
	}
}

static void on_list_begin(void *data)
{
	struct reflector_ctx *rc = data;

	store_list_begin(rc->d->st, rc->kind);
}

static void on_list_end(void *data)
{
	struct reflector_ctx *rc = data;
	const struct k8s_node *before = NULL;

	if (rc->kind == STORE_NODES)
		before = store_node(rc->d->st);
	store_list_end(rc->d->st, rc->kind, mono_ns());
	if (rc->kind == STORE_NODES && before && !store_node(rc->d->st))
		store_mark_all(rc->d->st, mono_ns());
}

static const struct kube_reflector_ops reflector_ops = {
	.list_begin = on_list_begin,
	.upsert = on_upsert,
	.remove = on_remove,
	.list_end = on_list_end,
};

/* ---- from the store to the wanted table ---- */

static void entry_forget(struct daemon *d, struct store_entry *e)
{
	for (size_t i = 0; i < e->n_names; i++) {
		svc_table_del(&d->want, e->names[i]);
		free(e->names[i]);
	}
	free(e->names);
	e->names = NULL;
	e->n_names = 0;
}

/* Rebuilds the svcvip services of one Service key into d->want. */
static int entry_rebuild(struct daemon *d, struct store_entry *e)
{
	const struct k8s_endpoint_slice **slices = NULL;
	struct proxy_service_info info = {0};
	struct svc_table tmp;
	int rv = 0;

	entry_forget(d, e);
	e->hc_port = 0;
	e->local_endpoints = 0;
	if (!e->svc || !proxy_service_wanted(e->svc))
		return 0;
	svc_table_init(&tmp);
	slices = calloc(e->n_slices + 1, sizeof(*slices));
	if (!slices)
		return -ENOMEM;
	for (size_t i = 0; i < e->n_slices; i++)
		slices[i] = &e->slices[i]->slice;
	rv = proxy_build_service(&d->o->proxy, store_node(d->st), e->svc, slices,
				 e->n_slices, &tmp, &info);
	free(slices);
	if (rv < 0) {
		svc_log(SVC_LOG_WARN, "service %s: %s", e->key, strerror(-rv));
		goto out;
	}
	e->names = calloc(tmp.n + 1, sizeof(*e->names));
	if (!e->names) {
		rv = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < tmp.n; i++) {
		char *name = strdup(tmp.v[i].name);

		if (!name) {
			rv = -ENOMEM;
			goto out;
		}
		rv = svc_table_insert(&d->want, &tmp.v[i]);
		if (rv) {
			svc_log(SVC_LOG_WARN, "service %s: %s twice", e->key, name);
			free(name);
			continue;
		}
		e->names[e->n_names++] = name;
	}
	e->hc_port = info.health_check_node_port;
	e->local_endpoints = info.local_endpoints;
	rv = 0;
out:
	svc_table_free(&tmp);
	return rv;
}

static void sync_error(void *data, const struct svc_sync_err *err)
{
	char buf[512];

	(void)data;
	svc_log(SVC_LOG_WARN, "kernel refused %s%s%s: %s",
		err->op == SVC_SYNC_DEL ? "deleting " :
		err->op == SVC_SYNC_CONFIG ? "the config" :
		err->op == SVC_SYNC_READ ? "reading the table" : "service ",
		err->service ? err->service : "", "",
		svc_nlerr_str(err->e, buf, sizeof(buf)));
}

static void schedule_retry(struct daemon *d, uint64_t now)
{
	d->need_sync = true;
	d->retry_ms = d->retry_ms ? d->retry_ms * 2 : RETRY_MIN_MS;
	if (d->retry_ms > d->o->sync_period_ms)
		d->retry_ms = d->o->sync_period_ms;
	d->retry_at_ns = now + (uint64_t)d->retry_ms * 1000000ull;
}

static int nl_ready(struct daemon *d)
{
	int rv;

	if (d->nl)
		return 0;
	rv = svc_nl_open(&d->nl);
	if (rv < 0) {
		d->nl = NULL;
		svc_log(SVC_LOG_ERR, "svcvip netlink: %s", svc_strerror(rv));
		return rv;
	}
	d->have.valid = false;
	return 0;
}

static void read_generation(struct daemon *d)
{
	struct svc_info info;
	struct svc_nlerr e;

	d->have_generation = false;
	if (svc_get_info(d->nl, &info, &e) == 0 && info.has_generation) {
		d->generation = info.generation;
		d->have_generation = true;
	}
}

/* Makes the kernel equal to the store; called with the first lists done. */
static void converge(struct daemon *d)
{
	uint64_t t0 = mono_ns(), t1;
	struct svc_sync_stats stats = {0};
	struct store_entry **dirty;
	size_t n_dirty;
	int rv;

	if (store_take_config_dirty(d->st)) {
		size_t n;
		const struct k8s_service_cidr *const *cidrs = store_cidrs(d->st, &n);

		svc_config_free(&d->want_cfg);
		rv = proxy_build_config(&d->o->proxy, store_node(d->st), cidrs, n, &d->want_cfg);
		if (rv < 0)
			svc_log(SVC_LOG_WARN, "config: %s", strerror(-rv));
	}
	dirty = store_take_dirty(d->st, &n_dirty);
	for (size_t i = 0; i < n_dirty; i++)
		if (entry_rebuild(d, dirty[i]) < 0)
			store_mark_dirty(d->st, dirty[i], t0);	/* ENOMEM: again later */
	if (nl_ready(d) < 0) {
		schedule_retry(d, t0);
		goto out;
	}
	rv = svc_sync(d->nl, &d->want, &d->want_cfg, &d->have, sync_error, d, &stats);
	t1 = mono_ns();
	if (rv < 0) {
		svc_log(SVC_LOG_ERR, "cannot converge the kernel table: %s", svc_strerror(rv));
		if (rv == -SVC_ENOMODULE || rv == -ENOENT) {
			svc_nl_close(d->nl);
			d->nl = NULL;
		}
		schedule_retry(d, t1);
	} else if (rv > 0) {
		svc_log(SVC_LOG_WARN, "%d kernel request(s) refused; retrying in %u ms", rv,
			d->retry_ms ? d->retry_ms * 2 : RETRY_MIN_MS);
		schedule_retry(d, t1);
	} else {
		d->need_sync = false;
		d->retry_ms = 0;
	}
	if (d->nl)
		read_generation(d);
	if (stats.requests || !d->programmed)
		svc_log(SVC_LOG_INFO, "synced in %.1f ms: %zu service(s) rebuilt, %zu added, %zu replaced, "
			"%zu deleted, %zu config key(s), %zu refused",
			(double)(t1 - t0) / 1e6, n_dirty, stats.added, stats.replaced,
			stats.deleted, stats.config_keys, stats.failed);
	if (d->latency_log && rv >= 0) {
		double now = wall_s();

		for (size_t i = 0; i < n_dirty; i++)
			fprintf(d->latency_log, "%s %.6f %.3f\n", dirty[i]->key, now,
				(double)(t1 - dirty[i]->dirty_since_ns) / 1e6);
		fflush(d->latency_log);
	}
	d->programmed = true;
out:
	for (size_t i = 0; i < n_dirty; i++)
		store_entry_gc(d->st, dirty[i]);
	free(dirty);
}

/* Someone else changed the table (svcadm by hand)? Costs one GET_INFO. */
static void drift_check(struct daemon *d)
{
	struct svc_info info;
	struct svc_nlerr e;

	if (nl_ready(d) < 0)
		return;
	if (svc_get_info(d->nl, &info, &e) < 0 || !info.has_generation) {
		d->have.valid = false;
		d->need_sync = true;
		return;
	}
	if (d->have_generation && info.generation == d->generation)
		return;
	svc_log(SVC_LOG_WARN, "the kernel table changed outside svcsyncd (generation %llu, "
		"expected %llu): repairing", (unsigned long long)info.generation,
		(unsigned long long)d->generation);
	d->have.valid = false;
	d->need_sync = true;
}

static bool synced(struct daemon *d)
{
	return kube_reflector_synced(d->refl[STORE_SERVICES].r) &&
	       kube_reflector_synced(d->refl[STORE_SLICES].r);
}

static int add_reflectors(struct daemon *d)
{
	char field[300];
	static const char *const paths[STORE_KINDS] = {
		[STORE_SERVICES] = "/api/v1/services",
		[STORE_SLICES] = "/apis/discovery.k8s.io/v1/endpointslices",
		[STORE_NODES] = "/api/v1/nodes",
		[STORE_SERVICE_CIDRS] = "/apis/networking.k8s.io/v1/servicecidrs",
	};

	snprintf(field, sizeof(field), "metadata.name=%s", d->o->node_name);
	for (int k = 0; k < STORE_KINDS; k++) {
		const char *label = k <= STORE_SLICES ? PROXY_LABEL_SELECTOR : NULL;

		d->refl[k].d = d;
		d->refl[k].kind = k;
		d->refl[k].r = kube_reflector_add(d->client, paths[k], label,
						  k == STORE_NODES ? field : NULL,
						  &reflector_ops, &d->refl[k]);
		if (!d->refl[k].r)
			return -ENOMEM;
	}
	return 0;
}

int daemon_run(struct daemon_options *o)
{
	struct kube_api_config api = {0};
	struct daemon d = { .o = o };
	struct sigaction sa = { .sa_handler = on_signal };
	char err[512] = "";
	int status = 1;

	svc_table_init(&d.want);
	d.st = store_new();
	if (!d.st)
		goto out;
	if (o->latency_log) {
		d.latency_log = fopen(o->latency_log, "a");
		if (!d.latency_log) {
			svc_log(SVC_LOG_ERR, "--latency-log %s: %s", o->latency_log, strerror(errno));
			goto out;
		}
	}
	if (kube_config_load(o->kubeconfig, o->master, &api, err, sizeof(err)) < 0) {
		svc_log(SVC_LOG_ERR, "%s", err);
		goto out;
	}
	d.client = kube_client_new(&api, err, sizeof(err));
	if (!d.client) {
		svc_log(SVC_LOG_ERR, "%s", err);
		goto out;
	}
	if (add_reflectors(&d) < 0)
		goto out;
	signal_client = d.client;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	nl_ready(&d);
	svc_log(SVC_LOG_INFO, "svcsyncd %s on node %s: waiting for Services and EndpointSlices",
		SVCVIP_VERSION_STRING, o->node_name);

	d.next_check_ns = mono_ns() + (uint64_t)o->sync_period_ms * 1000000ull;
	while (!stop_requested) {
		uint64_t now = mono_ns(), wake = d.next_check_ns;
		int timeout_ms;

		if (d.need_sync && d.retry_at_ns < wake)
			wake = d.retry_at_ns;
		timeout_ms = wake > now ? (int)((wake - now) / 1000000ull) + 1 : 0;
		if (kube_client_run(d.client, timeout_ms) < 0)
			break;
		if (stop_requested)
			break;
		if (!synced(&d))
			continue;
		now = mono_ns();
		if (now >= d.next_check_ns) {
			drift_check(&d);
			d.next_check_ns = now + (uint64_t)o->sync_period_ms * 1000000ull;
		}
		if (store_dirty_count(d.st) || !d.programmed ||
		    (d.need_sync && now >= d.retry_at_ns))
			converge(&d);
	}
	svc_log(SVC_LOG_INFO, "exiting; the kernel table stays as it is");
	status = 0;
out:
	signal_client = NULL;
	kube_client_free(d.client);
	kube_api_config_free(&api);
	if (d.nl)
		svc_nl_close(d.nl);
	svc_sync_have_free(&d.have);
	svc_table_free(&d.want);
	svc_config_free(&d.want_cfg);
	store_free(d.st);
	if (d.latency_log)
		fclose(d.latency_log);
	return status;
}
