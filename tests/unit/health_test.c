// SPDX-License-Identifier: GPL-2.0
/*
 * health_test: svcsyncd/health.c against kube-proxy's own expectations
 * (pkg/proxy/healthcheck/healthcheck_test.go: TestHealthzServer, TestLivezServer,
 * testProxyHealthUpdater, TestServer's handler checks) with an injected clock, and the
 * exact bytes of the /healthz, /livez and health-check bodies.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <sys/socket.h>

#include "health.h"

#define SEC 1000000000LL

/* the fake clock: 2023-11-14T22:13:20Z plus steps */
static struct timespec clk = { .tv_sec = 1700000000 };

static void step(long sec)
{
	clk.tv_sec += sec;
}

static int code(struct health *h, bool healthz)
{
	char buf[512];

	return health_response(h, healthz, clk, buf, sizeof(buf));
}

static void times(void **state)
{
	char b[64];

	(void)state;
	assert_int_equal(health_format_time((struct timespec){ 1700000000, 0 }, false, b,
					    sizeof(b)), 0);
	assert_string_equal(b, "2023-11-14T22:13:20Z");
	assert_int_equal(health_format_time((struct timespec){ 1700000000, 250000000 }, false, b,
					    sizeof(b)), 0);
	assert_string_equal(b, "2023-11-14T22:13:20.25Z");
	assert_int_equal(health_format_time((struct timespec){ 1700000000, 123456789 }, false, b,
					    sizeof(b)), 0);
	assert_string_equal(b, "2023-11-14T22:13:20.123456789Z");
	assert_int_equal(health_format_time((struct timespec){ 1700000000, 1000 }, false, b,
					    sizeof(b)), 0);
	assert_string_equal(b, "2023-11-14T22:13:20.000001Z");
	assert_int_equal(health_format_time((struct timespec){ 0 }, true, b, sizeof(b)), 0);
	assert_string_equal(b, "0001-01-01T00:00:00Z");
	assert_int_equal(health_format_time((struct timespec){ 0 }, false, b, 5), -ENOSPC);
}

/* before any sync: healthy, no status; /healthz refuses while the Node is unknown */
static void initial_bodies(void **state)
{
	struct health *h = health_new(10 * SEC);
	char buf[512];

	(void)state;
	assert_non_null(h);
	clk = (struct timespec){ 1700000000, 250000000 };
	assert_int_equal(health_response(h, false, clk, buf, sizeof(buf)), 200);
	assert_string_equal(buf, "{\"lastUpdated\":\"2023-11-14T22:13:20.25Z\","
			    "\"currentTime\":\"2023-11-14T22:13:20.25Z\",\"healthy\":true}");
	assert_int_equal(health_response(h, true, clk, buf, sizeof(buf)), 503);
	assert_string_equal(buf, "{\"lastUpdated\":\"0001-01-01T00:00:00Z\","
			    "\"currentTime\":\"2023-11-14T22:13:20.25Z\","
			    "\"nodeEligible\":false,\"healthy\":true}");
	health_set_node(h, true, false, false);
	assert_int_equal(health_response(h, true, clk, buf, sizeof(buf)), 200);
	assert_string_equal(buf, "{\"lastUpdated\":\"2023-11-14T22:13:20.25Z\","
			    "\"currentTime\":\"2023-11-14T22:13:20.25Z\","
			    "\"nodeEligible\":true,\"healthy\":true}");
	assert_int_equal(health_response(h, true, clk, buf, 40), -ENOSPC);
	health_free(h);
}

/* a queued update before the family's first sync never makes it unhealthy (kube-proxy
 * iterates lastUpdatedMap only) */
static void queued_before_first_sync(void **state)
{
	struct health *h = health_new(10 * SEC);

	(void)state;
	health_queued(h, AF_INET, clk);
	step(3600);
	assert_true(health_proxy_healthy(h, clk));
	assert_int_equal(code(h, false), 200);
	health_free(h);
}

/* testProxyHealthUpdater, run for /healthz (node known) and /livez */
static void proxy_health_updater(bool healthz)
{
	struct health *h = health_new(10 * SEC);

	assert_non_null(h);
	health_set_node(h, true, false, false);
	clk = (struct timespec){ 1700000000, 0 };
	assert_int_equal(code(h, healthz), 200);
	health_updated(h, AF_INET, clk);
	health_updated(h, AF_INET6, clk);
	assert_int_equal(code(h, healthz), 200);
	step(25);
	assert_int_equal(code(h, healthz), 200);
	/* IPv4 exceeds the max update-processing time */
	health_queued(h, AF_INET, clk);
	step(25);
	assert_int_equal(code(h, healthz), 503);
	health_updated(h, AF_INET, clk);
	health_updated(h, AF_INET6, clk);
	step(5);
	assert_int_equal(code(h, healthz), 200);
	/* IPv6 late */
	health_queued(h, AF_INET6, clk);
	step(25);
	assert_int_equal(code(h, healthz), 503);
	health_updated(h, AF_INET, clk);
	health_updated(h, AF_INET6, clk);
	step(5);
	assert_int_equal(code(h, healthz), 200);
	/* both late */
	health_queued(h, AF_INET, clk);
	health_queued(h, AF_INET6, clk);
	step(25);
	assert_int_equal(code(h, healthz), 503);
	health_updated(h, AF_INET, clk);
	health_updated(h, AF_INET6, clk);
	step(5);
	assert_int_equal(code(h, healthz), 200);
	/* IPv6 late: updating IPv4 changes nothing */
	health_queued(h, AF_INET6, clk);
	step(25);
	assert_int_equal(code(h, healthz), 503);
	health_updated(h, AF_INET, clk);
	assert_int_equal(code(h, healthz), 503);
	health_updated(h, AF_INET6, clk);
	assert_int_equal(code(h, healthz), 200);
	/* both late: 200 only once both updated */
	health_queued(h, AF_INET, clk);
	health_queued(h, AF_INET6, clk);
	step(25);
	assert_int_equal(code(h, healthz), 503);
	health_updated(h, AF_INET, clk);
	assert_int_equal(code(h, healthz), 503);
	health_updated(h, AF_INET6, clk);
	assert_int_equal(code(h, healthz), 200);
	health_free(h);
}

static void healthz_updater(void **state)
{
	(void)state;
	proxy_health_updater(true);
}

static void livez_updater(void **state)
{
	(void)state;
	proxy_health_updater(false);
}

/* the timeout is "waited >= 2 x syncPeriod": 9.999999999 s is fine, 10 s is not; only
 * the oldest queued update counts */
static void timeout_edge(void **state)
{
	struct health *h = health_new(10 * SEC);
	struct timespec t0 = { 1700000000, 0 };

	(void)state;
	health_updated(h, AF_INET, t0);
	health_queued(h, AF_INET, t0);
	health_queued(h, AF_INET, (struct timespec){ 1700000009, 0 });
	assert_true(health_proxy_healthy(h, (struct timespec){ 1700000009, 999999999 }));
	assert_false(health_proxy_healthy(h, (struct timespec){ 1700000010, 0 }));
	assert_int_equal(health_queued(h, AF_UNIX, t0), -EAFNOSUPPORT);
	assert_int_equal(health_updated(h, 0, t0), -EAFNOSUPPORT);
	health_free(h);
}

/* the unhealthy bodies: status per family, lastUpdated the newest sync */
static void unhealthy_bodies(void **state)
{
	struct health *h = health_new(10 * SEC);
	char buf[512];

	(void)state;
	health_set_node(h, true, false, false);
	health_updated(h, AF_INET6, (struct timespec){ 1700000000, 500000000 });
	health_updated(h, AF_INET, (struct timespec){ 1700000001, 0 });
	health_queued(h, AF_INET, (struct timespec){ 1700000002, 0 });
	clk = (struct timespec){ 1700000012, 0 };
	assert_int_equal(health_response(h, true, clk, buf, sizeof(buf)), 503);
	assert_string_equal(buf, "{\"lastUpdated\":\"2023-11-14T22:13:21Z\","
			    "\"currentTime\":\"2023-11-14T22:13:32Z\",\"nodeEligible\":true,"
			    "\"healthy\":false,\"status\":{"
			    "\"IPv4\":{\"lastUpdated\":\"2023-11-14T22:13:21Z\",\"healthy\":false},"
			    "\"IPv6\":{\"lastUpdated\":\"2023-11-14T22:13:20.5Z\","
			    "\"healthy\":true}}}");
	assert_int_equal(health_response(h, false, clk, buf, sizeof(buf)), 503);
	assert_string_equal(buf, "{\"lastUpdated\":\"2023-11-14T22:13:21Z\","
			    "\"currentTime\":\"2023-11-14T22:13:32Z\","
			    "\"healthy\":false,\"status\":{"
			    "\"IPv4\":{\"lastUpdated\":\"2023-11-14T22:13:21Z\",\"healthy\":false},"
			    "\"IPv6\":{\"lastUpdated\":\"2023-11-14T22:13:20.5Z\","
			    "\"healthy\":true}}}");
	/* healthy again: lastUpdated is "now", the families keep their own */
	health_updated(h, AF_INET, clk);
	step(1);
	assert_int_equal(health_response(h, false, clk, buf, sizeof(buf)), 200);
	assert_string_equal(buf, "{\"lastUpdated\":\"2023-11-14T22:13:33Z\","
			    "\"currentTime\":\"2023-11-14T22:13:33Z\",\"healthy\":true,\"status\":{"
			    "\"IPv4\":{\"lastUpdated\":\"2023-11-14T22:13:32Z\",\"healthy\":true},"
			    "\"IPv6\":{\"lastUpdated\":\"2023-11-14T22:13:20.5Z\","
			    "\"healthy\":true}}}");
	health_free(h);
}

/* TestHealthzServer / TestLivezServer node part */
static void node_eligibility(void **state)
{
	struct health *h = health_new(10 * SEC);

	(void)state;
	health_updated(h, AF_INET, clk);
	health_set_node(h, true, false, false);		/* tainted in any other way */
	assert_int_equal(code(h, true), 200);
	health_set_node(h, true, false, true);		/* ToBeDeletedByClusterAutoscaler */
	assert_int_equal(code(h, true), 503);
	assert_int_equal(code(h, false), 200);
	health_set_node(h, true, false, false);
	assert_int_equal(code(h, true), 200);
	health_set_node(h, true, true, false);		/* deleted */
	assert_int_equal(code(h, true), 503);
	assert_int_equal(code(h, false), 200);
	health_set_node(h, false, false, false);	/* unknown */
	assert_int_equal(code(h, true), 503);
	assert_true(health_proxy_healthy(h, clk));
	health_free(h);
}

static void hc_bodies(void **state)
{
	char buf[512];

	(void)state;
	assert_int_equal(health_hc_body("ns", "svc", 18, true, buf, sizeof(buf)), 200);
	assert_string_equal(buf, "{\n\t\"service\": {\n\t\t\"namespace\": \"ns\",\n"
			    "\t\t\"name\": \"svc\"\n\t},\n\t\"localEndpoints\": 18,\n"
			    "\t\"serviceProxyHealthy\": true\n}");
	assert_int_equal(health_hc_body("ns", "svc", 0, true, buf, sizeof(buf)), 503);
	assert_int_equal(health_hc_body("ns", "svc", 7, false, buf, sizeof(buf)), 503);
	assert_string_equal(buf, "{\n\t\"service\": {\n\t\t\"namespace\": \"ns\",\n"
			    "\t\t\"name\": \"svc\"\n\t},\n\t\"localEndpoints\": 7,\n"
			    "\t\"serviceProxyHealthy\": false\n}");
	/* %q: quotes, backslashes, control bytes, UTF-8 kept, a stray byte escaped */
	assert_int_equal(health_hc_body("a\"b\\c\n\x01", "\xc3\xa9\xff", 1, true, buf,
					sizeof(buf)), 200);
	assert_non_null(strstr(buf, "\"namespace\": \"a\\\"b\\\\c\\n\\x01\","));
	assert_non_null(strstr(buf, "\"name\": \"\xc3\xa9\\xff\"\n"));
	assert_int_equal(health_hc_body("ns", "svc", 1, true, buf, 20), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(times),
		cmocka_unit_test(initial_bodies),
		cmocka_unit_test(queued_before_first_sync),
		cmocka_unit_test(healthz_updater),
		cmocka_unit_test(livez_updater),
		cmocka_unit_test(timeout_edge),
		cmocka_unit_test(unhealthy_bodies),
		cmocka_unit_test(node_eligibility),
		cmocka_unit_test(hc_bodies),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests_name("health", tests, NULL, NULL);
}
