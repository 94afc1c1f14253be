// SPDX-License-Identifier: GPL-2.0
/*
 * metrics_test: svcsyncd/metrics.c's registry and its text exposition (format 0.0.4 as
 * client_golang's expfmt writes it) compared with expected text; Go's float formatting;
 * the declared svcsyncd metric set; concurrent updates.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "metrics.h"

#define V(...) ((const char *const[]){ __VA_ARGS__ })

/* strconv.FormatFloat(v, 'g', -1, 64) as Go prints them */
static void go_floats(void **state)
{
	static const struct { double v; const char *s; } t[] = {
		{ 0, "0" }, { 1, "1" }, { -1, "-1" }, { 2.5, "2.5" }, { 100, "100" },
		{ 0.001, "0.001" }, { 0.0005, "0.0005" }, { 0.00005, "5e-05" },
		{ 16.384, "16.384" }, { 123456, "123456" }, { 1e6, "1e+06" },
		{ 1234567, "1.234567e+06" }, { 1700000000.5, "1.7000000005e+09" },
		{ 0.1 + 0.2, "0.30000000000000004" }, { 1e21, "1e+21" }, { 1e-7, "1e-07" },
		{ -0.25, "-0.25" }, { 1e100, "1e+100" }, { 299792.458, "299792.458" },
	};
	char b[40];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		metrics_format_float(t[i].v, b, sizeof(b));
		assert_string_equal(b, t[i].s);
	}
	metrics_format_float(NAN, b, sizeof(b));
	assert_string_equal(b, "NaN");
	metrics_format_float(INFINITY, b, sizeof(b));
	assert_string_equal(b, "+Inf");
	metrics_format_float(-INFINITY, b, sizeof(b));
	assert_string_equal(b, "-Inf");
}

static void expose_eq(struct metrics *r, const char *want)
{
	char *text = NULL;
	size_t len = 0;

	assert_int_equal(metrics_expose(r, &text, &len), 0);
	assert_string_equal(text, want);
	assert_int_equal(len, strlen(want));
	free(text);
}

static void exposition(void **state)
{
	struct metrics *r = metrics_new();
	struct metric *g, *b, *c, *d, *e;
	const double bk[] = { 0.005, 0.01, 1 };
	double v;

	(void)state;
	assert_non_null(r);
	/* declared out of name order, labels out of name order */
	b = metrics_counter(r, "b_total", "Help with \\ and\nnewline", V("method", "code"), 2);
	g = metrics_gauge(r, "a_gauge", "", NULL, 0);
	e = metrics_counter(r, "e_total", "e", V("v"), 1);
	d = metrics_counter(r, "d_total", "never touched", V("x"), 1);
	c = metrics_histogram(r, "c_seconds", "h", V("ip_family"), 1, bk, 3);
	assert_true(b && g && e && d && c);
	assert_int_equal(metric_add(b, V("POST", "503"), 2), 0);
	assert_int_equal(metric_add(b, V("GET", "500"), 1.5), 0);
	assert_int_equal(metric_add(b, V("GET", "200"), 1), 0);
	assert_int_equal(metric_set(g, NULL, -2.5), 0);
	assert_int_equal(metric_observe(c, V("IPv6"), 0.005), 0);	/* le is inclusive */
	assert_int_equal(metric_observe(c, V("IPv4"), 0.5), 0);
	assert_int_equal(metric_observe(c, V("IPv4"), 7), 0);
	assert_int_equal(metric_add(e, V("a\"b\\c\nd"), 1), 0);
	expose_eq(r,
		"# HELP a_gauge \n"
		"# TYPE a_gauge gauge\n"
		"a_gauge -2.5\n"
		"# HELP b_total Help with \\\\ and\\nnewline\n"
		"# TYPE b_total counter\n"
		"b_total{code=\"200\",method=\"GET\"} 1\n"
		"b_total{code=\"500\",method=\"GET\"} 1.5\n"
		"b_total{code=\"503\",method=\"POST\"} 2\n"
		"# HELP c_seconds h\n"
		"# TYPE c_seconds histogram\n"
		"c_seconds_bucket{ip_family=\"IPv4\",le=\"0.005\"} 0\n"
		"c_seconds_bucket{ip_family=\"IPv4\",le=\"0.01\"} 0\n"
		"c_seconds_bucket{ip_family=\"IPv4\",le=\"1\"} 1\n"
		"c_seconds_bucket{ip_family=\"IPv4\",le=\"+Inf\"} 2\n"
		"c_seconds_sum{ip_family=\"IPv4\"} 7.5\n"
		"c_seconds_count{ip_family=\"IPv4\"} 2\n"
		"c_seconds_bucket{ip_family=\"IPv6\",le=\"0.005\"} 1\n"
		"c_seconds_bucket{ip_family=\"IPv6\",le=\"0.01\"} 1\n"
		"c_seconds_bucket{ip_family=\"IPv6\",le=\"1\"} 1\n"
		"c_seconds_bucket{ip_family=\"IPv6\",le=\"+Inf\"} 1\n"
		"c_seconds_sum{ip_family=\"IPv6\"} 0.005\n"
		"c_seconds_count{ip_family=\"IPv6\"} 1\n"
		"# HELP e_total e\n"
		"# TYPE e_total counter\n"
		"e_total{v=\"a\\\"b\\\\c\\nd\"} 1\n");
	assert_int_equal(metric_get(b, V("GET", "500"), &v), 0);
	assert_true(v == 1.5);
	assert_int_equal(metric_get(c, V("IPv4"), &v), 0);
	assert_true(v == 2);
	assert_int_equal(metric_get(d, V("y"), &v), -ENOENT);
	metrics_free(r);
}

static void unlabelled_histogram(void **state)
{
	struct metrics *r = metrics_new();
	const double bk[] = { 0.0005, 1 };
	struct metric *h = metrics_histogram(r, "x_seconds", "x", NULL, 0, bk, 2);

	(void)state;
	assert_non_null(h);
	expose_eq(r,
		"# HELP x_seconds x\n# TYPE x_seconds histogram\n"
		"x_seconds_bucket{le=\"0.0005\"} 0\nx_seconds_bucket{le=\"1\"} 0\n"
		"x_seconds_bucket{le=\"+Inf\"} 0\nx_seconds_sum 0\nx_seconds_count 0\n");
	assert_int_equal(metric_observe(h, NULL, 0.0001), 0);
	assert_int_equal(metric_observe(h, NULL, 3), 0);
	expose_eq(r,
		"# HELP x_seconds x\n# TYPE x_seconds histogram\n"
		"x_seconds_bucket{le=\"0.0005\"} 1\nx_seconds_bucket{le=\"1\"} 1\n"
		"x_seconds_bucket{le=\"+Inf\"} 2\nx_seconds_sum 3.0001\nx_seconds_count 2\n");
	metrics_free(r);
}

static void errors(void **state)
{
	struct metrics *r = metrics_new();
	struct metric *c, *g;
	const double bad[] = { 1, 1 };
	const double ok[] = { 1 };

	(void)state;
	assert_null(metrics_counter(r, "1abc", "x", NULL, 0));
	assert_int_equal(errno, EINVAL);
	assert_null(metrics_counter(r, "a-b", "x", NULL, 0));
	assert_null(metrics_counter(r, "ok", "x", V("a:b"), 1));
	assert_null(metrics_counter(r, "ok", "x", V("__x"), 1));
	assert_null(metrics_counter(r, "ok", "x", V("a", "a"), 2));
	assert_null(metrics_histogram(r, "h", "x", V("le"), 1, ok, 1));
	assert_null(metrics_histogram(r, "h", "x", NULL, 0, bad, 2));
	assert_null(metrics_histogram(r, "h", "x", NULL, 0, NULL, 0));
	c = metrics_counter(r, "ns:c_total", "x", V("a"), 1);
	assert_non_null(c);
	assert_null(metrics_gauge(r, "ns:c_total", "x", NULL, 0));
	assert_int_equal(errno, EEXIST);
	g = metrics_gauge(r, "g", "x", NULL, 0);
	assert_int_equal(metric_add(c, V("x"), -1), -EINVAL);	/* counters only go up */
	assert_int_equal(metric_set(c, V("x"), 1), -EINVAL);
	assert_int_equal(metric_observe(c, V("x"), 1), -EINVAL);
	assert_int_equal(metric_add(c, NULL, 1), -EINVAL);	/* missing label values */
	assert_int_equal(metric_add(g, NULL, -3), 0);		/* gauges go down */
	assert_int_equal(metric_add(NULL, NULL, 1), -EINVAL);
	metrics_free(r);
}

/* the declared set: names, types, help, labels, buckets */
static void svcsyncd_set(void **state)
{
	struct svcsyncd_metrics m;
	char *text = NULL;
	size_t len;

	(void)state;
	assert_int_equal(svcsyncd_metrics_init(&m), 0);
	assert_int_equal(metrics_expose(m.reg, &text, &len), 0);
	/* only unlabelled families before anything is recorded */
	assert_string_equal(text,
		"# HELP kubeproxy_sync_proxy_rules_endpoint_changes_pending [ALPHA] Pending proxy "
		"rules Endpoint changes\n"
		"# TYPE kubeproxy_sync_proxy_rules_endpoint_changes_pending gauge\n"
		"kubeproxy_sync_proxy_rules_endpoint_changes_pending 0\n"
		"# HELP kubeproxy_sync_proxy_rules_endpoint_changes_total [ALPHA] Cumulative proxy "
		"rules Endpoint changes\n"
		"# TYPE kubeproxy_sync_proxy_rules_endpoint_changes_total counter\n"
		"kubeproxy_sync_proxy_rules_endpoint_changes_total 0\n"
		"# HELP kubeproxy_sync_proxy_rules_service_changes_pending [ALPHA] Pending proxy "
		"rules Service changes\n"
		"# TYPE kubeproxy_sync_proxy_rules_service_changes_pending gauge\n"
		"kubeproxy_sync_proxy_rules_service_changes_pending 0\n"
		"# HELP kubeproxy_sync_proxy_rules_service_changes_total [ALPHA] Cumulative proxy "
		"rules Service changes\n"
		"# TYPE kubeproxy_sync_proxy_rules_service_changes_total counter\n"
		"kubeproxy_sync_proxy_rules_service_changes_total 0\n"
		"# HELP process_cpu_seconds_total Total user and system CPU time spent in "
		"seconds.\n"
		"# TYPE process_cpu_seconds_total counter\n"
		"process_cpu_seconds_total 0\n"
		"# HELP process_max_fds Maximum number of open file descriptors.\n"
		"# TYPE process_max_fds gauge\n"
		"process_max_fds 0\n"
		"# HELP process_open_fds Number of open file descriptors.\n"
		"# TYPE process_open_fds gauge\n"
		"process_open_fds 0\n"
		"# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
		"# TYPE process_resident_memory_bytes gauge\n"
		"process_resident_memory_bytes 0\n"
		"# HELP process_start_time_seconds Start time of the process since unix epoch in "
		"seconds.\n"
		"# TYPE process_start_time_seconds gauge\n"
		"process_start_time_seconds 0\n"
		"# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
		"# TYPE process_virtual_memory_bytes gauge\n"
		"process_virtual_memory_bytes 0\n"
		"# HELP process_virtual_memory_max_bytes Maximum amount of virtual memory "
		"available in bytes.\n"
		"# TYPE process_virtual_memory_max_bytes gauge\n"
		"process_virtual_memory_max_bytes 0\n"
		"# HELP svcsyncd_event_to_kernel_seconds Time from a watch event's arrival to the "
		"kernel acknowledging the change it caused\n"
		"# TYPE svcsyncd_event_to_kernel_seconds histogram\n"
		"svcsyncd_event_to_kernel_seconds_bucket{le=\"0.0005\"} 0\n"
		"svcsyncd_event_to_kernel_seconds_bucket{le=\"0.001\"} 0\n"
		"svcsyncd_event_to_kernel_seconds_bucket{le=\"0.0025\"} 0\n"
		"svcsyncd_event_to_kernel_seconds_bucket{le=\"0.005\"} 0\n"
		"svcsyncd_event_to_kernel_seconds_bucket{le=\"0.01\"} 0\n"
		"svcsyncd_event_to_kernel_seconds_bucket{le=\"0.025\"} 0\n"
		"svcsyncd_event_to_kernel_seconds_bucket{le=\"0.05\"} 0\n"
		"svcsyncd_event_to_kernel_seconds_bucket{le=\"0.1\"} 0\n"
		"svcsyncd_event_to_kernel_seconds_bucket{le=\"0.25\"} 0\n"
		"svcsyncd_event_to_kernel_seconds_bucket{le=\"0.5\"} 0\n"
		"svcsyncd_event_to_kernel_seconds_bucket{le=\"1\"} 0\n"
		"svcsyncd_event_to_kernel_seconds_bucket{le=\"2.5\"} 0\n"
		"svcsyncd_event_to_kernel_seconds_bucket{le=\"5\"} 0\n"
		"svcsyncd_event_to_kernel_seconds_bucket{le=\"10\"} 0\n"
		"svcsyncd_event_to_kernel_seconds_bucket{le=\"+Inf\"} 0\n"
		"svcsyncd_event_to_kernel_seconds_sum 0\n"
		"svcsyncd_event_to_kernel_seconds_count 0\n");
	free(text);

	assert_int_equal(metric_observe(m.sync_duration, V("IPv4"), 0.003), 0);
	assert_int_equal(metric_observe(m.network_programming, V("IPv6"), 0.3), 0);
	assert_int_equal(metric_set(m.last_timestamp, V("IPv4"), 1700000000.123), 0);
	assert_int_equal(metric_set(m.no_local_endpoints, V("IPv4", "internal"), 2), 0);
	assert_int_equal(metric_add(m.healthz_total, V("503"), 1), 0);
	assert_int_equal(metric_add(m.watch_events, V("services", "ADDED"), 1), 0);
	assert_int_equal(metrics_expose(m.reg, &text, &len), 0);
#define SPR "kubeproxy_sync_proxy_rules_duration_seconds"
#define NPD "kubeproxy_network_programming_duration_seconds"
	assert_non_null(strstr(text,
		"# HELP " SPR " [ALPHA] SyncProxyRules latency in seconds\n"
		"# TYPE " SPR " histogram\n"
		SPR "_bucket{ip_family=\"IPv4\",le=\"0.001\"} 0\n"
		SPR "_bucket{ip_family=\"IPv4\",le=\"0.002\"} 0\n"
		SPR "_bucket{ip_family=\"IPv4\",le=\"0.004\"} 1\n"));
	assert_non_null(strstr(text,
		SPR "_bucket{ip_family=\"IPv4\",le=\"16.384\"} 1\n"
		SPR "_bucket{ip_family=\"IPv4\",le=\"+Inf\"} 1\n"
		SPR "_sum{ip_family=\"IPv4\"} 0.003\n"
		SPR "_count{ip_family=\"IPv4\"} 1\n"));
	/* MergeBuckets' leading 0, then 0.25 .. 300: 81 buckets and +Inf */
	assert_non_null(strstr(text, "# TYPE " NPD " histogram\n"
		NPD "_bucket{ip_family=\"IPv6\",le=\"0\"} 0\n"
		NPD "_bucket{ip_family=\"IPv6\",le=\"0.25\"} 0\n"
		NPD "_bucket{ip_family=\"IPv6\",le=\"0.5\"} 1\n"
		NPD "_bucket{ip_family=\"IPv6\",le=\"1\"} 1\n"));
	assert_non_null(strstr(text, "le=\"115\"} 1\n"
		NPD "_bucket{ip_family=\"IPv6\",le=\"120\"} 1\n"));
	assert_non_null(strstr(text, "le=\"300\"} 1\nkubeproxy_network_programming_duration_seconds"
		"_bucket{ip_family=\"IPv6\",le=\"+Inf\"} 1\n"));
	assert_non_null(strstr(text, "# HELP kubeproxy_sync_proxy_rules_last_timestamp_seconds "
		"[ALPHA] The last time proxy rules were successfully synced\n# TYPE "
		"kubeproxy_sync_proxy_rules_last_timestamp_seconds gauge\n"
		"kubeproxy_sync_proxy_rules_last_timestamp_seconds{ip_family=\"IPv4\"} "
		"1.700000000123e+09\n"));
	assert_non_null(strstr(text, "# HELP kubeproxy_sync_proxy_rules_no_local_endpoints_total "
		"[ALPHA] Number of services with a Local traffic policy and no endpoints\n# TYPE "
		"kubeproxy_sync_proxy_rules_no_local_endpoints_total gauge\n"
		"kubeproxy_sync_proxy_rules_no_local_endpoints_total{ip_family=\"IPv4\","
		"traffic_policy=\"internal\"} 2\n"));
	assert_non_null(strstr(text, "# HELP kubeproxy_proxy_healthz_total [ALPHA] Cumulative "
		"proxy healthz HTTP status\n# TYPE kubeproxy_proxy_healthz_total counter\n"
		"kubeproxy_proxy_healthz_total{code=\"503\"} 1\n"));
	assert_non_null(strstr(text, "svcsyncd_watch_events_total{resource=\"services\","
		"type=\"ADDED\"} 1\n"));
	assert_null(strstr(text, "kubeproxy_proxy_livez_total"));
	free(text);
	svcsyncd_metrics_free(&m);
	assert_null(m.reg);
}

/* client_golang's process collector, from /proc/self */
static void process_metrics(void **state)
{
	struct svcsyncd_metrics m;
	struct timespec now;
	double v, cpu;
	int fds;

	(void)state;
	assert_int_equal(svcsyncd_metrics_init(&m), 0);
	fds = dup(0);
	assert_true(fds >= 0);
	svcsyncd_metrics_collect(&m);
	clock_gettime(CLOCK_REALTIME, &now);
	assert_int_equal(metric_get(m.proc_rss, NULL, &v), 0);
	assert_true(v > 1 << 20);
	assert_int_equal(metric_get(m.proc_vmem, NULL, &v), 0);
	assert_true(v > 1 << 20);
	assert_int_equal(metric_get(m.proc_open_fds, NULL, &v), 0);
	assert_true(v >= 4);		/* stdin, stdout, stderr, the dup */
	assert_int_equal(metric_get(m.proc_max_fds, NULL, &v), 0);
	assert_true(v >= 64);
	assert_int_equal(metric_get(m.proc_start, NULL, &v), 0);
	assert_true(v > (double)now.tv_sec - 600 && v <= (double)now.tv_sec + 1);
	assert_int_equal(metric_get(m.proc_cpu, NULL, &cpu), 0);
	for (volatile unsigned long i = 0; i < 300000000UL; i++)
		;			/* burn some CPU: the counter only goes up */
	svcsyncd_metrics_collect(&m);
	assert_int_equal(metric_get(m.proc_cpu, NULL, &v), 0);
	assert_true(v > cpu);
	close(fds);
	svcsyncd_metrics_free(&m);
}

static void *bump(void *arg)
{
	struct metric *c = arg;

	for (int i = 0; i < 20000; i++)
		metric_add(c, V(i & 1 ? "odd" : "even"), 1);
	return NULL;
}

/* the daemon thread updates while the HTTP thread exposes */
static void concurrent(void **state)
{
	struct metrics *r = metrics_new();
	struct metric *c = metrics_counter(r, "n_total", "n", V("k"), 1);
	pthread_t t[2];
	double v;

	(void)state;
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, bump, c), 0);
	for (int i = 0; i < 50; i++) {
		char *text;
		size_t len;

		assert_int_equal(metrics_expose(r, &text, &len), 0);
		free(text);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(metric_get(c, V("odd"), &v), 0);
	assert_true(v == 20000);
	assert_int_equal(metric_get(c, V("even"), &v), 0);
	assert_true(v == 20000);
	metrics_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(go_floats),
		cmocka_unit_test(exposition),
		cmocka_unit_test(unlabelled_histogram),
		cmocka_unit_test(errors),
		cmocka_unit_test(svcsyncd_set),
		cmocka_unit_test(process_metrics),
		cmocka_unit_test(concurrent),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
