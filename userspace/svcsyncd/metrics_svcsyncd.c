// SPDX-License-Identifier: GPL-2.0
/*
 * metrics_svcsyncd: the metric set svcsyncd exports. kube-proxy's come from
 * pkg/proxy/metrics/metrics.go (names, help, buckets) with the labels of the current
 * release's metrics reference (ip_family on the per-proxier ones); component-base
 * prefixes an ALPHA metric's help with "[ALPHA] ", so these do too.
 */
#include <errno.h>
#include <string.h>

#include "metrics.h"

#define KP "kubeproxy_"
#define ALPHA "[ALPHA] "

/* metrics.ExponentialBuckets(0.001, 2, 15) */
static void exponential(double *b, double start, double factor, size_t n)
{
	for (size_t i = 0; i < n; i++, start *= factor)
		b[i] = start;
}

/* metrics.MergeBuckets(LinearBuckets(0.25, 0.25, 2), (1, 1, 59), (60, 5, 12), (120, 30, 7)):
 * MergeBuckets starts from a 0 bucket */
static size_t network_programming_buckets(double *b)
{
	static const struct { double start, width; int n; } lin[] = {
		{ 0.25, 0.25, 2 }, { 1, 1, 59 }, { 60, 5, 12 }, { 120, 30, 7 },
	};
	size_t n = 0;

	b[n++] = 0;
	for (size_t i = 0; i < sizeof(lin) / sizeof(lin[0]); i++) {
		double v = lin[i].start;

		for (int j = 0; j < lin[i].n; j++, v += lin[i].width)
			b[n++] = v;
	}
	return n;
}

int svcsyncd_metrics_init(struct svcsyncd_metrics *m)
{
	static const char *const fam[] = { "ip_family" };
	static const char *const fam_policy[] = { "ip_family", "traffic_policy" };
	static const char *const code[] = { "code" };
	static const char *const op[] = { "op" };
	static const char *const res_type[] = { "resource", "type" };
	static const char *const res[] = { "resource" };
	/* fine enough to show milliseconds: kube-proxy's start at 0.25 s */
	static const double ms[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
				     0.1, 0.25, 0.5, 1, 2.5, 5, 10 };
	double sync[15], np[81];
	size_t nnp;
	struct metrics *r;

	memset(m, 0, sizeof(*m));
	exponential(sync, 0.001, 2, 15);
	nnp = network_programming_buckets(np);
	r = metrics_new();
	if (!r)
		return -ENOMEM;
	m->reg = r;
	m->sync_duration = metrics_histogram(r, KP "sync_proxy_rules_duration_seconds",
		ALPHA "SyncProxyRules latency in seconds", fam, 1, sync, 15);
	m->sync_full_duration = metrics_histogram(r, KP "sync_full_proxy_rules_duration_seconds",
		ALPHA "SyncProxyRules latency in seconds for full resyncs", fam, 1, sync, 15);
	m->sync_partial_duration = metrics_histogram(r,
		KP "sync_partial_proxy_rules_duration_seconds",
		ALPHA "SyncProxyRules latency in seconds for partial resyncs", fam, 1, sync, 15);
	m->network_programming = metrics_histogram(r, KP "network_programming_duration_seconds",
		ALPHA "In Cluster Network Programming Latency in seconds", fam, 1, np, nnp);
	m->last_timestamp = metrics_gauge(r, KP "sync_proxy_rules_last_timestamp_seconds",
		ALPHA "The last time proxy rules were successfully synced", fam, 1);
	m->last_queued_timestamp = metrics_gauge(r,
		KP "sync_proxy_rules_last_queued_timestamp_seconds",
		ALPHA "The last time a sync of proxy rules was queued", fam, 1);
	m->no_local_endpoints = metrics_gauge(r, KP "sync_proxy_rules_no_local_endpoints_total",
		ALPHA "Number of services with a Local traffic policy and no endpoints",
		fam_policy, 2);
	m->endpoint_changes_total = metrics_counter(r,
		KP "sync_proxy_rules_endpoint_changes_total",
		ALPHA "Cumulative proxy rules Endpoint changes", NULL, 0);
	m->endpoint_changes_pending = metrics_gauge(r,
		KP "sync_proxy_rules_endpoint_changes_pending",
		ALPHA "Pending proxy rules Endpoint changes", NULL, 0);
	m->service_changes_total = metrics_counter(r, KP "sync_proxy_rules_service_changes_total",
		ALPHA "Cumulative proxy rules Service changes", NULL, 0);
	m->service_changes_pending = metrics_gauge(r,
		KP "sync_proxy_rules_service_changes_pending",
		ALPHA "Pending proxy rules Service changes", NULL, 0);
	m->healthz_total = metrics_counter(r, KP "proxy_healthz_total",
		ALPHA "Cumulative proxy healthz HTTP status", code, 1);
	m->livez_total = metrics_counter(r, KP "proxy_livez_total",
		ALPHA "Cumulative proxy livez HTTP status", code, 1);
	m->event_to_kernel = metrics_histogram(r, "svcsyncd_event_to_kernel_seconds",
		"Time from a watch event's arrival to the kernel acknowledging the change it "
		"caused",
		NULL, 0, ms, sizeof(ms) / sizeof(ms[0]));
	m->kernel_requests = metrics_counter(r, "svcsyncd_kernel_requests_total",
		"Requests sent to the svcvip module, by operation", op, 1);
	m->watch_events = metrics_counter(r, "svcsyncd_watch_events_total",
		"Watch events received from the API server, by resource and event type",
		res_type, 2);
	m->relists = metrics_counter(r, "svcsyncd_relists_total",
		"LISTs of a resource: the first one, after 410 Gone and after a broken watch",
		res, 1);
	if (!m->sync_duration || !m->sync_full_duration || !m->sync_partial_duration ||
	    !m->network_programming || !m->last_timestamp || !m->last_queued_timestamp ||
	    !m->no_local_endpoints || !m->endpoint_changes_total ||
	    !m->endpoint_changes_pending || !m->service_changes_total ||
	    !m->service_changes_pending || !m->healthz_total || !m->livez_total ||
	    !m->event_to_kernel || !m->kernel_requests || !m->watch_events || !m->relists) {
		svcsyncd_metrics_free(m);
		return -ENOMEM;
	}
	return 0;
}

void svcsyncd_metrics_free(struct svcsyncd_metrics *m)
{
	metrics_free(m->reg);
	memset(m, 0, sizeof(*m));
}
