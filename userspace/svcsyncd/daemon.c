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
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include "api.h"
#include "apiclient.h"
#include "daemon.h"
#include "health.h"
#include "httpserver.h"
#include "k8s_parse.h"
#include "kubeconfig.h"
#include "log.h"
#include "metrics.h"
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
	bool listed;		/* a LIST began before: the next one is a relist */
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
	bool full_sync;			/* the next sync dumps the kernel */
	FILE *latency_log;
	struct health *health;
	struct svcsyncd_metrics metrics;
	bool have_metrics;
	struct http_server *http;
	struct hc_servers *hc;
	bool hc_dirty;			/* a health-check port or count changed */
	char hc_ips[2][INET6_ADDRSTRLEN];	/* the node IPs hc listens on */
	uint32_t no_local[2][2];	/* sum of the entries' no_local */
};

static const char *const family_label[2][1] = { { "IPv4" }, { "IPv6" } };
static const char *const resource_label[STORE_KINDS] = {
	[STORE_SERVICES] = "services",
	[STORE_SLICES] = "endpointslices",
	[STORE_NODES] = "nodes",
	[STORE_SERVICE_CIDRS] = "servicecidrs",
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

static struct timespec wall_ts(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts;
}

static double wall_s(void)
{
	struct timespec ts = wall_ts();

	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* RFC 3339 with optional fraction ("2026-12-06T06:00:00.123456Z"): unix s, 0 if bad */
static double rfc3339(const char *s)
{
	struct tm tm = {0};
	const char *p;
	double frac = 0;

	if (!s)
		return 0;
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return 0;
	if (*p == '.') {
		double scale = 0.1;

		for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
			frac += (*p - '0') * scale;
	}
	if (*p != 'Z')
		return 0;	/* the API server writes UTC */
	return (double)timegm(&tm) + frac;
}

static void count(struct metric *m, const char *const *labels, double v)
{
	if (m)
		metric_add(m, labels, v);
}

/* an update is waiting: /healthz turns 503 if it waits 2 x syncPeriod */
static void queued(struct daemon *d)
{
	struct timespec now = wall_ts();

	if (!d->health)
		return;
	health_queued(d->health, AF_INET, now);
	health_queued(d->health, AF_INET6, now);
	if (d->have_metrics)
		for (int f = 0; f < 2; f++)
			metric_set(d->metrics.last_queued_timestamp, family_label[f],
				   (double)now.tv_sec + now.tv_nsec / 1e9);
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

	if (d->health)
		health_set_node(d->health, true, n->meta.deleting, n->to_be_deleted);
	store_upsert_node(d->st, n);
	if (relevant) {
		store_mark_all(d->st, now);
		d->hc_dirty = true;
	}
}

static void on_upsert(void *data, struct json_object *obj)
{
	struct reflector_ctx *rc = data;
	struct daemon *d = rc->d;
	const char *ns = meta_str(obj, "namespace"), *name = meta_str(obj, "name");
	uint64_t now = mono_ns();
	char err[256] = "";
	int rv;

	if (d->have_metrics)
		metric_add(d->metrics.watch_events,
			   (const char *const[]){ resource_label[rc->kind], "upsert" }, 1);
	if (store_has_version(d->st, rc->kind, ns, name, meta_str(obj, "resourceVersion")))
		return;		/* a relist repeating what we have */
	switch (rc->kind) {
	case STORE_SERVICES: {
		struct k8s_service s = {0};

		rv = k8s_parse_service(obj, &s, err, sizeof(err));
		if (!rv) {
			store_upsert_service(d->st, &s, now);
			count(d->metrics.service_changes_total, NULL, 1);
			queued(d);
		}
		break;
	}
	case STORE_SLICES: {
		struct k8s_endpoint_slice s = {0};

		rv = k8s_parse_endpoint_slice(obj, &s, err, sizeof(err));
		if (!rv) {
			store_upsert_slice(d->st, &s, now);
			count(d->metrics.endpoint_changes_total, NULL, 1);
			queued(d);
		}
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
	if (d->have_metrics)
		metric_add(d->metrics.watch_events,
			   (const char *const[]){ resource_label[rc->kind], "delete" }, 1);
	switch (rc->kind) {
	case STORE_SERVICES:
		store_remove_service(d->st, ns, name, now);
		count(d->metrics.service_changes_total, NULL, 1);
		queued(d);
		break;
	case STORE_SLICES:
		store_remove_slice(d->st, ns, name, now);
		count(d->metrics.endpoint_changes_total, NULL, 1);
		queued(d);
		break;
	case STORE_NODES:
		if (!strcmp(name, d->o->node_name)) {
			store_remove_node(d->st);
			store_mark_all(d->st, now);
			if (d->health)
				health_set_node(d->health, false, false, false);
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

	if (rc->listed && rc->d->have_metrics)
		metric_add(rc->d->metrics.relists, &resource_label[rc->kind], 1);
	rc->listed = true;
	store_list_begin(rc->d->st, rc->kind);
}

static void on_list_end(void *data)
{
	struct reflector_ctx *rc = data;
	const struct k8s_node *before = NULL;

	if (rc->kind == STORE_NODES)
		before = store_node(rc->d->st);
	store_list_end(rc->d->st, rc->kind, mono_ns());
	if (rc->kind == STORE_NODES && before && !store_node(rc->d->st)) {
		store_mark_all(rc->d->st, mono_ns());
		if (rc->d->health)
			health_set_node(rc->d->health, false, false, false);
	}
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

static int slice_name_cmp(const void *a, const void *b)
{
	const struct k8s_endpoint_slice *x = *(const struct k8s_endpoint_slice *const *)a;
	const struct k8s_endpoint_slice *y = *(const struct k8s_endpoint_slice *const *)b;

	return strcmp(x->meta.name ? x->meta.name : "", y->meta.name ? y->meta.name : "");
}

/* Takes over what the entry now yields for health checks and metrics. */
static void entry_info(struct daemon *d, struct store_entry *e, const struct proxy_service_info *info)
{
	int32_t port = info ? info->health_check_node_port : 0;
	uint32_t local = info ? info->local_endpoints : 0;

	if (port != e->hc_port || (port && local != e->local_endpoints))
		d->hc_dirty = true;
	e->hc_port = port;
	e->local_endpoints = local;
	for (int f = 0; f < 2; f++) {
		d->no_local[0][f] -= e->no_local[0][f];
		d->no_local[1][f] -= e->no_local[1][f];
		e->no_local[0][f] = info ? info->no_local_internal[f] : 0;
		e->no_local[1][f] = info ? info->no_local_external[f] : 0;
		d->no_local[0][f] += e->no_local[0][f];
		d->no_local[1][f] += e->no_local[1][f];
	}
}

/* Rebuilds the svcvip services of one Service key into d->want. */
static int entry_rebuild(struct daemon *d, struct store_entry *e)
{
	const struct k8s_endpoint_slice **slices = NULL;
	struct proxy_service_info info = {0};
	struct svc_table tmp;
	int rv = 0;

	entry_forget(d, e);
	entry_info(d, e, NULL);
	if (!e->svc || !proxy_service_wanted(e->svc))
		return 0;
	svc_table_init(&tmp);
	slices = calloc(e->n_slices + 1, sizeof(*slices));
	if (!slices)
		return -ENOMEM;
	for (size_t i = 0; i < e->n_slices; i++)
		slices[i] = &e->slices[i]->slice;
	/* duplicates resolve in slice name order, the same on every node */
	qsort(slices, e->n_slices, sizeof(*slices), slice_name_cmp);
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
	entry_info(d, e, &info);
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

static void observe_entry(struct daemon *d, struct store_entry *e, double now_wall, uint64_t t1)
{
	double newest = 0;

	metric_observe(d->metrics.event_to_kernel, NULL, (double)(t1 - e->dirty_since_ns) / 1e9);
	/* kube-proxy: from the slices' last-change-trigger-time; not for deletions */
	if (!e->svc)
		return;
	for (size_t i = 0; i < e->n_slices; i++) {
		double t = rfc3339(e->slices[i]->slice.trigger_time);

		if (t > newest)
			newest = t;
	}
	if (newest > 0 && now_wall > newest)
		for (int f = 0; f < 2; f++)
			metric_observe(d->metrics.network_programming, family_label[f],
				       now_wall - newest);
}

static void converged_metrics(struct daemon *d, struct store_entry **dirty, size_t n_dirty,
			      const struct svc_sync_stats *st, int rv, bool full,
			      uint64_t t0, uint64_t t1)
{
	struct timespec now = wall_ts();
	double secs = (double)(t1 - t0) / 1e9, now_wall = (double)now.tv_sec + now.tv_nsec / 1e9;
	struct svcsyncd_metrics *m = &d->metrics;

	if (rv == 0 && d->health) {
		health_updated(d->health, AF_INET, now);
		health_updated(d->health, AF_INET6, now);
	}
	if (!d->have_metrics)
		return;
	if (full)
		metric_add(m->kernel_requests, (const char *const[]){ "dump" }, 1);
	metric_add(m->kernel_requests, (const char *const[]){ "delete" }, (double)st->deleted);
	metric_add(m->kernel_requests, (const char *const[]){ "add" }, (double)st->added);
	metric_add(m->kernel_requests, (const char *const[]){ "replace" }, (double)st->replaced);
	metric_add(m->kernel_requests, (const char *const[]){ "config" },
		   (double)(st->config_keys ? 1 : 0));
	for (int f = 0; f < 2; f++) {
		metric_observe(m->sync_duration, family_label[f], secs);
		metric_observe(full ? m->sync_full_duration : m->sync_partial_duration,
			       family_label[f], secs);
		if (rv == 0)
			metric_set(m->last_timestamp, family_label[f], now_wall);
		metric_set(m->no_local_endpoints, (const char *const[]){ family_label[f][0],
			   "internal" }, d->no_local[0][f]);
		metric_set(m->no_local_endpoints, (const char *const[]){ family_label[f][0],
			   "external" }, d->no_local[1][f]);
	}
	metric_set(m->service_changes_pending, NULL, (double)store_dirty_count(d->st));
	metric_set(m->endpoint_changes_pending, NULL, (double)store_dirty_count(d->st));
	if (rv == 0)
		for (size_t i = 0; i < n_dirty; i++)
			observe_entry(d, dirty[i], now_wall, t1);
}

/* ---- health-check node ports ---- */

struct hc_want {
	struct hc_service *v;
	size_t n;
};

static void hc_collect(struct store_entry *e, void *data)
{
	struct hc_want *w = data;

	if (!e->hc_port || !e->svc || !w->v)
		return;
	w->v[w->n++] = (struct hc_service){
		.ns = e->svc->meta.namespace, .name = e->svc->meta.name,
		.port = (uint16_t)e->hc_port, .local_endpoints = e->local_endpoints,
	};
}

static void count_entries(struct store_entry *e, void *data)
{
	(void)e;
	(*(size_t *)data)++;
}

/* The health-check servers listen on the NodePort addresses: the Node's
 * primary IPs by default (re-made when they change), else all addresses. */
static void hc_update(struct daemon *d)
{
	char ips[2][INET6_ADDRSTRLEN] = { "", "" };
	const char *list[2];
	struct hc_want w = {0};
	size_t n_ips = 0, n = 0;

	if (!d->http)
		return;
	if (d->o->proxy.nodeport_mode == PROXY_NODEPORT_PRIMARY) {
		struct proxy_node_ips nip;

		proxy_node_ips(store_node(d->st), &nip);
		if (nip.has[PROXY_V4])
			inet_ntop(AF_INET, &nip.addr[PROXY_V4], ips[0], sizeof(ips[0]));
		if (nip.has[PROXY_V6])
			inet_ntop(AF_INET6, &nip.addr[PROXY_V6], ips[1], sizeof(ips[1]));
		for (int f = 0; f < 2; f++)
			if (ips[f][0])
				list[n_ips++] = ips[f];
		if (!n_ips)
			return;		/* the Node is not known yet: try again then */
	}
	if (d->hc && memcmp(ips, d->hc_ips, sizeof(ips))) {
		hc_servers_free(d->hc);
		d->hc = NULL;
	}
	if (!d->hc) {
		d->hc = hc_servers_new(d->http, list, n_ips);
		if (!d->hc)
			return;
		memcpy(d->hc_ips, ips, sizeof(ips));
	}
	store_foreach(d->st, count_entries, &n);
	w.v = calloc(n + 1, sizeof(*w.v));
	if (!w.v)
		return;
	store_foreach(d->st, hc_collect, &w);
	if (hc_sync(d->hc, w.v, w.n) == 0)
		d->hc_dirty = false;
	free(w.v);
}

/* The svcvip service names a sync must look at. */
struct names {
	char **v;
	size_t n, cap;
	bool failed;		/* out of memory: compare everything */
};

static void names_add(struct names *l, const struct store_entry *e)
{
	for (size_t i = 0; i < e->n_names && !l->failed; i++) {
		if (l->n == l->cap) {
			size_t cap = l->cap ? 2 * l->cap : 16;
			char **v = realloc(l->v, cap * sizeof(*v));

			if (!v) {
				l->failed = true;
				return;
			}
			l->v = v;
			l->cap = cap;
		}
		l->v[l->n] = strdup(e->names[i]);
		if (!l->v[l->n])
			l->failed = true;
		else
			l->n++;
	}
}

static void names_free(struct names *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* Makes the kernel equal to the store; called with the first lists done. */
static void converge(struct daemon *d)
{
	uint64_t t0 = mono_ns(), t1;
	struct svc_sync_stats stats = {0};
	struct names changed = {0};
	bool full;
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
	for (size_t i = 0; i < n_dirty; i++) {
		names_add(&changed, dirty[i]);	/* what it yielded, and ... */
		if (entry_rebuild(d, dirty[i]) < 0)
			store_mark_dirty(d->st, dirty[i], t0);	/* ENOMEM: again later */
		names_add(&changed, dirty[i]);	/* ... what it yields now */
	}
	if (nl_ready(d) < 0) {
		schedule_retry(d, t0);
		goto out;
	}
	full = !d->have.valid;
	/* the cost follows the change: only the changed services are compared,
	 * unless the kernel's table must be read again anyway */
	if (!full && !changed.failed && changed.n <= d->want.n / 2 + 16)
		rv = svc_sync_some(d->nl, &d->want, (const char *const *)changed.v, changed.n,
				   &d->want_cfg, &d->have, sync_error, d, &stats);
	else
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
	converged_metrics(d, dirty, n_dirty, &stats, rv, full, t0, t1);
	if (d->hc_dirty)
		hc_update(d);
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
	names_free(&changed);
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

/* Services and EndpointSlices must be listed; the Node and ServiceCIDRs too
 * unless their LIST failed or is not served, else the first sync would
 * program a config without them (a restart would change the kernel's
 * nodeport-addresses and service-cidrs, then change them back). */
static bool listed(const struct kube_reflector *r)
{
	const struct kube_reflector_stats *s = kube_reflector_stats(r);

	return s->synced || s->state == KUBE_REFLECTOR_NOT_FOUND || s->failures > 0;
}

static bool synced(struct daemon *d)
{
	return kube_reflector_synced(d->refl[STORE_SERVICES].r) &&
	       kube_reflector_synced(d->refl[STORE_SLICES].r) &&
	       listed(d->refl[STORE_NODES].r) && listed(d->refl[STORE_SERVICE_CIDRS].r);
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

static void http_log(int level, const char *msg, void *data)
{
	(void)data;
	svc_log(level, "%s", msg);
}

static int start_http(struct daemon *d)
{
	struct http_server_config cfg = {
		.healthz_bind = d->o->healthz_bind,
		.metrics_bind = d->o->metrics_bind,
		.log = http_log,
	};
	char err[300];

	d->health = health_new(2 * (int64_t)d->o->sync_period_ms * 1000000);
	if (!d->health || svcsyncd_metrics_init(&d->metrics) < 0) {
		svc_log(SVC_LOG_ERR, "out of memory");
		return -ENOMEM;
	}
	d->have_metrics = true;
	cfg.health = d->health;
	cfg.metrics = &d->metrics;
	if (http_server_start(&cfg, &d->http, err, sizeof(err)) < 0) {
		svc_log(SVC_LOG_ERR, "%s", err);
		return -EINVAL;
	}
	return 0;
}

int daemon_run(struct daemon_options *o)
{
	struct kube_api_config api = {0};
	struct daemon d = { .o = o };
	struct sigaction sa = { .sa_handler = on_signal };
	char err[512] = "";
	sigset_t blocked;
	int status = 1;

	/* the HTTP thread inherits this mask: signals go to the main thread */
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGTERM);
	sigaddset(&blocked, SIGINT);
	pthread_sigmask(SIG_BLOCK, &blocked, NULL);

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
	d.client = kube_client_new(&api, NULL, err, sizeof(err));
	if (!d.client) {
		svc_log(SVC_LOG_ERR, "%s", err);
		goto out;
	}
	if (add_reflectors(&d) < 0)
		goto out;
	if (start_http(&d) < 0)
		goto out;
	signal_client = d.client;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	pthread_sigmask(SIG_UNBLOCK, &blocked, NULL);
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
		if (kube_client_run(d.client, NULL, 0, timeout_ms) < 0)
			break;
		if (stop_requested)
			break;
		if (!synced(&d))
			continue;
		now = mono_ns();
		if (now >= d.next_check_ns) {
			/* before the first sync there is nothing of ours to drift */
			if (d.programmed)
				drift_check(&d);
			d.next_check_ns = now + (uint64_t)o->sync_period_ms * 1000000ull;
		}
		/* a Node or ServiceCIDR change alone changes only the config */
		if (store_dirty_count(d.st) || !d.programmed || store_config_dirty(d.st) ||
		    (d.need_sync && now >= d.retry_at_ns))
			converge(&d);
	}
	svc_log(SVC_LOG_INFO, "exiting; the kernel table stays as it is");
	status = 0;
out:
	signal_client = NULL;
	hc_servers_free(d.hc);
	if (d.http)
		http_server_stop(d.http);
	if (d.have_metrics)
		svcsyncd_metrics_free(&d.metrics);
	if (d.health)
		health_free(d.health);
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
