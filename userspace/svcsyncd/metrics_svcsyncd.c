// SPDX-License-Identifier: GPL-2.0
/*
 * metrics_svcsyncd: the metric set svcsyncd exports. kube-proxy's come from
 * pkg/proxy/metrics/metrics.go (names, help, buckets) with the labels of the current
 * release's metrics reference (ip_family on the per-proxier ones); component-base
 * prefixes an ALPHA metric's help with "[ALPHA] ", so these do too.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

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
	m->proc_cpu = metrics_counter(r, "process_cpu_seconds_total",
		"Total user and system CPU time spent in seconds.", NULL, 0);
	m->proc_open_fds = metrics_gauge(r, "process_open_fds",
		"Number of open file descriptors.", NULL, 0);
	m->proc_max_fds = metrics_gauge(r, "process_max_fds",
		"Maximum number of open file descriptors.", NULL, 0);
	m->proc_vmem = metrics_gauge(r, "process_virtual_memory_bytes",
		"Virtual memory size in bytes.", NULL, 0);
	m->proc_vmem_max = metrics_gauge(r, "process_virtual_memory_max_bytes",
		"Maximum amount of virtual memory available in bytes.", NULL, 0);
	m->proc_rss = metrics_gauge(r, "process_resident_memory_bytes",
		"Resident memory size in bytes.", NULL, 0);
	m->proc_start = metrics_gauge(r, "process_start_time_seconds",
		"Start time of the process since unix epoch in seconds.", NULL, 0);
	if (!m->proc_cpu || !m->proc_open_fds || !m->proc_max_fds || !m->proc_vmem ||
	    !m->proc_vmem_max || !m->proc_rss || !m->proc_start) {
		svcsyncd_metrics_free(m);
		return -ENOMEM;
	}
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

/* procfs's "unlimited" is the largest uint64, as client_golang shows it */
static double limit(rlim_t v)
{
	return v == RLIM_INFINITY ? 18446744073709551615.0 : (double)v;
}

static long long boot_time(void)
{
	char line[256];
	long long bt = 0;
	FILE *f = fopen("/proc/stat", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "btime %lld", &bt) == 1)
			break;
	fclose(f);
	return bt;
}

void svcsyncd_metrics_collect(struct svcsyncd_metrics *m)
{
	unsigned long long utime, stime, start, vsize;
	long long rss;
	double hz = (double)sysconf(_SC_CLK_TCK), cpu, old = 0;
	char buf[1024], *p;
	struct rlimit rl;
	struct dirent *d;
	size_t n;
	DIR *dir;
	FILE *f;
	int fds = 0;

	f = fopen("/proc/self/stat", "re");
	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		buf[n] = '\0';
		fclose(f);
		/* the fields after the command, which may hold spaces: state is field 3 */
		p = strrchr(buf, ')');
		if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu "
				"%*d %*d %*d %*d %*d %*d %llu %llu %lld", &utime, &stime, &start,
				&vsize, &rss) == 5 && hz > 0) {
			cpu = (double)(utime + stime) / hz;
			metric_get(m->proc_cpu, NULL, &old);
			if (cpu > old)
				metric_add(m->proc_cpu, NULL, cpu - old);
			metric_set(m->proc_vmem, NULL, (double)vsize);
			metric_set(m->proc_rss, NULL, (double)rss * (double)sysconf(_SC_PAGESIZE));
			metric_set(m->proc_start, NULL, (double)start / hz + (double)boot_time());
		}
	}
	dir = opendir("/proc/self/fd");
	if (dir) {
		while ((d = readdir(dir)) != NULL)
			if (d->d_name[0] != '.')
				fds++;
		closedir(dir);
		metric_set(m->proc_open_fds, NULL, fds - 1);	/* not the directory's own */
	}
	if (!getrlimit(RLIMIT_NOFILE, &rl))
		metric_set(m->proc_max_fds, NULL, limit(rl.rlim_cur));
	if (!getrlimit(RLIMIT_AS, &rl))
		metric_set(m->proc_vmem_max, NULL, limit(rl.rlim_cur));
}

void svcsyncd_metrics_free(struct svcsyncd_metrics *m)
{
	metrics_free(m->reg);
	memset(m, 0, sizeof(*m));
}
