// SPDX-License-Identifier: GPL-2.0
/*
 * httpserver_test: svcsyncd/httpserver.c over real sockets on the loopback: servers bound
 * to port 0, requests written by hand on a plain socket, status, headers and bodies
 * compared with what kube-proxy answers (times in the health bodies masked); health-check
 * servers added, updated, moved and removed by hc_sync, a failed bind retried.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sys/socket.h>
#include <unistd.h>

#include "httpserver.h"

#define SEC 1000000000LL

struct reply {
	int status;
	char head[2048];		/* header lines, lowercased names */
	char body[16384];
};

static int connect_to(const char *ip, int port)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int fd;

	if (inet_pton(AF_INET, ip, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		len = sizeof(*sin);
	} else {
		assert_int_equal(inet_pton(AF_INET6, ip, &sin6->sin6_addr), 1);
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		len = sizeof(*sin6);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&ss, len)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* one HTTP/1.1 request, Connection: close; -1 if the connection fails */
static int request_to(const char *ip, int port, const char *method, const char *path,
		      struct reply *r)
{
	char req[512], buf[sizeof(r->head) + sizeof(r->body)];
	size_t got = 0;
	char *sep, *line;
	int fd = connect_to(ip, port);

	memset(r, 0, sizeof(*r));
	if (fd < 0)
		return -1;
	snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n",
		 method, path);
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		assert_int_equal(poll(&p, 1, 5000), 1);
		n = read(fd, buf + got, sizeof(buf) - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	sep = strstr(buf, "\r\n\r\n");
	if (!sep)
		return -1;
	*sep = '\0';
	snprintf(r->body, sizeof(r->body), "%s", sep + 4);
	assert_int_equal(sscanf(buf, "HTTP/1.1 %d", &r->status), 1);
	line = strstr(buf, "\r\n");
	/* lowercase every header name */
	for (char *p = line; p && *p; ) {
		char *l = p + 2, *colon = strchr(l, ':');

		for (char *q = l; colon && q < colon; q++)
			*q = (char)(*q >= 'A' && *q <= 'Z' ? *q + 32 : *q);
		p = strstr(l, "\r\n");
	}
	snprintf(r->head, sizeof(r->head), "%s\r\n", line ? line + 2 : "");
	return 0;
}

static int request(int port, const char *method, const char *path, struct reply *r)
{
	return request_to("127.0.0.1", port, method, path, r);
}

static void assert_header(const struct reply *r, const char *name_value)
{
	char want[256];

	snprintf(want, sizeof(want), "%s\r\n", name_value);
	if (!strstr(r->head, want))
		fail_msg("header \"%s\" not in:\n%s", name_value, r->head);
}

/* "2023-11-14T22:13:20.25Z" -> T */
static void mask_times(char *s)
{
	char *p;

	while ((p = strstr(s, "\"20")) != NULL) {
		char *end = strchr(p + 1, '"');

		assert_non_null(end);
		memmove(p + 2, end, strlen(end) + 1);
		p[1] = 'T';
	}
}

static char logged[1024];

static void capture(int level, const char *msg, void *data)
{
	(void)data;
	if (level < 0)
		snprintf(logged, sizeof(logged), "%s", msg);
}

static void parse_bind(void **state)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char err[256];

	(void)state;
	assert_int_equal(http_parse_bind("--x", "0.0.0.0:10256", 7, &ss, &len, err, sizeof(err)),
			 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 10256);
	assert_int_equal(http_parse_bind("--x", "[::]:10256", 7, &ss, &len, err, sizeof(err)), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(len, sizeof(struct sockaddr_in6));
	assert_int_equal(http_parse_bind("--x", "[fd00::2]:0", 7, &ss, &len, err, sizeof(err)), 0);
	assert_int_equal(http_parse_bind("--x", "127.0.0.1:65535", 7, &ss, &len, err, sizeof(err)),
			 0);
	/* kube-proxy's IPPortVar takes a bare IP; AppendPortIfNeeded adds the default port */
	assert_int_equal(http_parse_bind("--x", "10.0.0.1", 7, &ss, &len, err, sizeof(err)), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 7);
	assert_int_equal(http_parse_bind("--x", "::", 7, &ss, &len, err, sizeof(err)), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(ntohs(((struct sockaddr_in6 *)&ss)->sin6_port), 7);
	static const char *const bad[] = {
		"127.0.0.1:", ":10256", "127.0.0.1:65536", "127.0.0.1:-1", "::1:10256",
		"[127.0.0.1]:1", "[::1]10256", "localhost:10256", "1.2.3:80", "127.0.0.1:1x",
		"[]:1", "[::1]", "",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(http_parse_bind("--metrics-bind-address", bad[i], 7, &ss, &len,
						 err, sizeof(err)), -EINVAL);
		assert_true(!strncmp(err, "--metrics-bind-address ", 23));
	}
	assert_string_equal(err, "--metrics-bind-address : not IP, IP:PORT or [IPv6]:PORT with "
			    "a port from 0 to 65535");
}

struct fixture {
	struct health *h;
	struct svcsyncd_metrics m;
	struct http_server *s;
	int hport, mport;
};

static void fixture_start(struct fixture *f, const char *healthz, const char *metrics)
{
	struct http_server_config cfg = {
		.healthz_bind = healthz, .metrics_bind = metrics, .log = capture,
	};
	char err[256];

	f->h = health_new(10 * SEC);
	assert_non_null(f->h);
	assert_int_equal(svcsyncd_metrics_init(&f->m), 0);
	cfg.health = f->h;
	cfg.metrics = &f->m;
	if (http_server_start(&cfg, &f->s, err, sizeof(err)))
		fail_msg("%s", err);
	f->hport = http_server_port(f->s, 0);
	f->mport = http_server_port(f->s, 1);
}

static void fixture_stop(struct fixture *f)
{
	http_server_stop(f->s);
	svcsyncd_metrics_free(&f->m);
	health_free(f->h);
}

static void healthz_livez(void **state)
{
	struct fixture f;
	struct reply r;
	struct timespec t;
	double v;

	(void)state;
	fixture_start(&f, "127.0.0.1:0", "127.0.0.1:0");
	assert_true(f.hport > 0 && f.mport > 0 && f.hport != f.mport);

	assert_int_equal(request(f.hport, "GET", "/livez", &r), 0);
	assert_int_equal(r.status, 200);
	assert_header(&r, "content-type: application/json");
	assert_header(&r, "x-content-type-options: nosniff");
	mask_times(r.body);
	assert_string_equal(r.body,
			    "{\"lastUpdated\":\"T\",\"currentTime\":\"T\",\"healthy\":true}");

	/* the Node is not known yet */
	assert_int_equal(request(f.hport, "GET", "/healthz", &r), 0);
	assert_int_equal(r.status, 503);
	mask_times(r.body);
	assert_string_equal(r.body, "{\"lastUpdated\":\"0001-01-01T00:00:00Z\",\"currentTime\":"
			    "\"T\",\"nodeEligible\":false,\"healthy\":true}");
	health_set_node(f.h, true, false, false);
	clock_gettime(CLOCK_REALTIME, &t);
	health_updated(f.h, AF_INET, t);
	assert_int_equal(request(f.hport, "POST", "/healthz", &r), 0);	/* any method */
	assert_int_equal(r.status, 200);
	mask_times(r.body);
	assert_string_equal(r.body, "{\"lastUpdated\":\"T\",\"currentTime\":\"T\",\"nodeEligible\":"
			    "true,\"healthy\":true,\"status\":{\"IPv4\":{\"lastUpdated\":\"T\","
			    "\"healthy\":true}}}");

	/* an update queued 20 s ago and never applied */
	t.tv_sec -= 20;
	health_queued(f.h, AF_INET, t);
	assert_int_equal(request(f.hport, "GET", "/livez", &r), 0);
	assert_int_equal(r.status, 503);
	mask_times(r.body);
	assert_string_equal(r.body, "{\"lastUpdated\":\"T\",\"currentTime\":\"T\","
			    "\"healthy\":false,"
			    "\"status\":{\"IPv4\":{\"lastUpdated\":\"T\",\"healthy\":false}}}");
	assert_int_equal(request(f.hport, "GET", "/healthz", &r), 0);
	assert_int_equal(r.status, 503);

	/* Go's ServeMux: exact paths only */
	static const char *const nf[] = { "/", "/healthz/", "/metrics", "/livez/x", "/foo" };
	for (size_t i = 0; i < sizeof(nf) / sizeof(nf[0]); i++) {
		assert_int_equal(request(f.hport, "GET", nf[i], &r), 0);
		assert_int_equal(r.status, 404);
		assert_header(&r, "content-type: text/plain; charset=utf-8");
		assert_header(&r, "x-content-type-options: nosniff");
		assert_string_equal(r.body, "404 page not found\n");
	}
	/* Go's ServeMux redirects an unclean path to its clean form */
	static const char *const unclean[][2] = {
		{ "//healthz", "/healthz" }, { "/x/../livez", "/livez" },
		{ "/healthz/.", "/healthz" }, { "/a//b/", "/a/b/" }, { "/..", "/" },
	};
	for (size_t i = 0; i < sizeof(unclean) / sizeof(unclean[0]); i++) {
		char loc[128], body[128];

		assert_int_equal(request(f.hport, "GET", unclean[i][0], &r), 0);
		assert_int_equal(r.status, 301);
		snprintf(loc, sizeof(loc), "location: %s", unclean[i][1]);
		assert_header(&r, loc);
		assert_header(&r, "content-type: text/html; charset=utf-8");
		snprintf(body, sizeof(body), "<a href=\"%s\">Moved Permanently</a>.\n\n",
			 unclean[i][1]);
		assert_string_equal(r.body, body);
	}
	assert_int_equal(request(f.hport, "POST", "//livez", &r), 0);
	assert_int_equal(r.status, 301);
	assert_header(&r, "location: /livez");
	assert_null(strstr(r.head, "content-type"));
	assert_string_equal(r.body, "");
	/* HEAD: headers only */
	assert_int_equal(request(f.hport, "HEAD", "/livez", &r), 0);
	assert_int_equal(r.status, 503);
	assert_string_equal(r.body, "");

	/* what was counted: healthz 503 x2 (node, then late) + 200 x1; livez 200, 503, 503 */
	assert_int_equal(metric_get(f.m.healthz_total, (const char *const[]){ "503" }, &v), 0);
	assert_true(v == 2);
	assert_int_equal(metric_get(f.m.healthz_total, (const char *const[]){ "200" }, &v), 0);
	assert_true(v == 1);
	assert_int_equal(metric_get(f.m.livez_total, (const char *const[]){ "503" }, &v), 0);
	assert_true(v == 2);
	assert_int_equal(request(f.mport, "GET", "/metrics", &r), 0);
	assert_non_null(strstr(r.body, "kubeproxy_proxy_healthz_total{code=\"200\"} 1\n"
				       "kubeproxy_proxy_healthz_total{code=\"503\"} 2\n"));
	assert_non_null(strstr(r.body, "kubeproxy_proxy_livez_total{code=\"200\"} 1\n"
				       "kubeproxy_proxy_livez_total{code=\"503\"} 2\n"));
	fixture_stop(&f);
}

static void metrics_server(void **state)
{
	struct fixture f;
	struct reply r;
	char *text;
	size_t len;

	(void)state;
	fixture_start(&f, NULL, "127.0.0.1:0");
	assert_int_equal(f.hport, -ENOENT);
	metric_add(f.m.watch_events, (const char *const[]){ "endpointslices", "MODIFIED" }, 3);
	assert_int_equal(request(f.mport, "GET", "/metrics", &r), 0);
	assert_int_equal(r.status, 200);
	assert_header(&r, "content-type: text/plain; version=0.0.4; charset=utf-8");
	assert_int_equal(metrics_expose(f.m.reg, &text, &len), 0);
	assert_string_equal(r.body, text);
	free(text);
	assert_non_null(strstr(r.body, "svcsyncd_watch_events_total{resource=\"endpointslices\","
				       "type=\"MODIFIED\"} 3\n"));

	assert_int_equal(request(f.mport, "GET", "/healthz", &r), 0);
	assert_int_equal(r.status, 200);
	assert_header(&r, "content-type: text/plain; charset=utf-8");
	assert_string_equal(r.body, "ok");
	assert_int_equal(request(f.mport, "GET", "/healthz?verbose", &r), 0);
	assert_string_equal(r.body, "[+]ping ok\nhealthz check passed\n");
	assert_int_equal(request(f.mport, "GET", "/healthz/ping", &r), 0);
	assert_string_equal(r.body, "ok");
	assert_int_equal(request(f.mport, "GET", "/proxyMode", &r), 0);
	assert_string_equal(r.body, "svcvip");
	assert_int_equal(request(f.mport, "GET", "/", &r), 0);
	assert_int_equal(r.status, 404);
	assert_string_equal(r.body, "404 page not found\n");
	assert_int_equal(request(f.mport, "GET", "/livez", &r), 0);
	assert_int_equal(r.status, 404);
	fixture_stop(&f);
}

static void bind_errors(void **state)
{
	struct http_server_config cfg = { 0 };
	struct http_server *s = NULL;
	struct svcsyncd_metrics m;
	struct health *h = health_new(SEC);
	char err[256], want[256], addr[64];
	int busy;

	(void)state;
	assert_int_equal(svcsyncd_metrics_init(&m), 0);
	cfg.health = h;
	cfg.metrics = &m;
	cfg.healthz_bind = "127.0.0.1:0";
	cfg.metrics_bind = "1.2.3:80";
	assert_int_equal(http_server_start(&cfg, &s, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "--metrics-bind-address 1.2.3:80: not IP, IP:PORT or [IPv6]:PORT "
			    "with a port from 0 to 65535");
	/* a port someone else listens on */
	cfg.metrics_bind = "127.0.0.1:0";
	assert_int_equal(http_server_start(&cfg, &s, err, sizeof(err)), 0);
	busy = http_server_port(s, 1);
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", busy);
	cfg.healthz_bind = addr;
	cfg.metrics_bind = NULL;
	{
		struct http_server *s2 = NULL;

		assert_int_equal(http_server_start(&cfg, &s2, err, sizeof(err)), -EADDRINUSE);
		snprintf(want, sizeof(want), "--healthz-bind-address %s: %s", addr,
			 strerror(EADDRINUSE));
		assert_string_equal(err, want);
		assert_null(s2);
	}
	http_server_stop(s);
	/* a bind address without its state */
	cfg.health = NULL;
	assert_int_equal(http_server_start(&cfg, &s, err, sizeof(err)), -EINVAL);
	svcsyncd_metrics_free(&m);
	health_free(h);
}

static int free_port(void)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

static void hc_expect(int port, int status, const char *ns, const char *name, unsigned n,
		      bool healthy)
{
	char body[512], weight[64];
	struct reply r;

	assert_int_equal(request(port, "GET", "/any/path?x=1", &r), 0);
	assert_int_equal(r.status, status);
	assert_header(&r, "content-type: application/json");
	assert_header(&r, "x-content-type-options: nosniff");
	snprintf(weight, sizeof(weight), "x-load-balancing-endpoint-weight: %u", n);
	assert_header(&r, weight);
	snprintf(body, sizeof(body), "{\n\t\"service\": {\n\t\t\"namespace\": \"%s\",\n"
		 "\t\t\"name\": \"%s\"\n\t},\n\t\"localEndpoints\": %u,\n"
		 "\t\"serviceProxyHealthy\": %s\n}", ns, name, n, healthy ? "true" : "false");
	assert_string_equal(r.body, body);
}

static void hc_servers(void **state)
{
	struct fixture f;
	struct hc_servers *hc;
	struct reply r;
	struct timespec t;
	int p1 = free_port(), p2 = free_port(), p3 = free_port();
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)p3),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int blocker;

	(void)state;
	fixture_start(&f, NULL, NULL);
	hc = hc_servers_new(f.s, (const char *const[]){ "127.0.0.1" }, 1);
	assert_non_null(hc);
	assert_null(hc_servers_new(f.s, NULL, 0));	/* one per server */
	assert_int_equal(errno, EBUSY);

	struct hc_service want[] = {
		{ "a", "b", (uint16_t)p1, 0 },
		{ "c", "d", (uint16_t)p2, 3 },
	};
	assert_int_equal(hc_sync(hc, want, 2), 0);
	hc_expect(p1, 503, "a", "b", 0, true);
	hc_expect(p2, 200, "c", "d", 3, true);

	/* counts change in place */
	want[0].local_endpoints = 2;
	assert_int_equal(hc_sync(hc, want, 2), 0);
	hc_expect(p1, 200, "a", "b", 2, true);

	/* the proxy is unhealthy: 503 whatever the count */
	clock_gettime(CLOCK_REALTIME, &t);
	health_updated(f.h, AF_INET, t);
	t.tv_sec -= 30;
	health_queued(f.h, AF_INET, t);
	hc_expect(p1, 503, "a", "b", 2, false);
	clock_gettime(CLOCK_REALTIME, &t);
	health_updated(f.h, AF_INET, t);
	hc_expect(p1, 200, "a", "b", 2, true);

	/* c/d removed: its port closes; a/b moves to p3, which someone else holds */
	blocker = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(blocker, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(blocker, 1), 0);
	want[0].port = (uint16_t)p3;
	logged[0] = '\0';
	assert_int_equal(hc_sync(hc, want, 1), 1);
	assert_non_null(strstr(logged, "failed to start healthcheck a/b on port"));
	assert_int_equal(request(p1, "GET", "/", &r), -1);
	assert_int_equal(request(p2, "GET", "/", &r), -1);
	/* freed: the next sync opens it, with the wanted count */
	close(blocker);
	assert_int_equal(hc_sync(hc, want, 1), 0);
	hc_expect(p3, 200, "a", "b", 2, true);

	/* nothing wanted */
	assert_int_equal(hc_sync(hc, NULL, 0), 0);
	assert_int_equal(request(p3, "GET", "/", &r), -1);
	assert_int_equal(hc_sync(hc, (struct hc_service[]){ { NULL, "x", 1, 0 } }, 1), -EINVAL);
	hc_servers_free(hc);
	fixture_stop(&f);
}

/* no node IPs: all addresses, both families, as Go's listener on 0.0.0.0; same for the
 * health server's default 0.0.0.0 */
static void hc_all_addresses(void **state)
{
	struct fixture f;
	struct hc_servers *hc;
	struct reply r;
	int p = free_port();
	int fd6 = socket(AF_INET6, SOCK_STREAM, 0);
	bool v6 = false;

	(void)state;
	if (fd6 >= 0) {
		struct sockaddr_in6 a = {
			.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT,
		};

		v6 = !bind(fd6, (struct sockaddr *)&a, sizeof(a));
		close(fd6);
	}
	fixture_start(&f, "0.0.0.0:0", NULL);
	hc = hc_servers_new(f.s, NULL, 0);
	assert_non_null(hc);
	assert_int_equal(hc_sync(hc, (struct hc_service[]){ { "ns", "lb", (uint16_t)p, 1 } }, 1),
			 0);
	hc_expect(p, 200, "ns", "lb", 1, true);
	assert_int_equal(request(f.hport, "GET", "/livez", &r), 0);
	assert_int_equal(r.status, 200);
	if (v6) {
		assert_int_equal(request_to("::1", p, "GET", "/", &r), 0);
		assert_int_equal(r.status, 200);
		assert_int_equal(request_to("::1", f.hport, "GET", "/livez", &r), 0);
		assert_int_equal(r.status, 200);
	}
	/* http_server_stop() closes what is still open */
	fixture_stop(&f);
}

/* a connection is routed by its local address and port: a health-check server on
 * 127.0.0.2:P next to the metrics server on 127.0.0.1:P */
static void same_port_other_address(void **state)
{
	struct fixture f;
	struct hc_servers *hc;
	struct reply r;

	(void)state;
	fixture_start(&f, NULL, "127.0.0.1:0");
	hc = hc_servers_new(f.s, (const char *const[]){ "127.0.0.2" }, 1);
	assert_non_null(hc);
	assert_int_equal(hc_sync(hc, (struct hc_service[]){ { "n", "s", (uint16_t)f.mport, 4 } },
				 1), 0);
	assert_int_equal(request_to("127.0.0.2", f.mport, "GET", "/metrics", &r), 0);
	assert_int_equal(r.status, 200);
	assert_header(&r, "x-load-balancing-endpoint-weight: 4");
	assert_non_null(strstr(r.body, "\"localEndpoints\": 4"));
	assert_int_equal(request_to("127.0.0.1", f.mport, "GET", "/metrics", &r), 0);
	assert_int_equal(r.status, 200);
	assert_header(&r, "content-type: text/plain; version=0.0.4; charset=utf-8");
	hc_servers_free(hc);
	assert_int_equal(request_to("127.0.0.2", f.mport, "GET", "/", &r), -1);
	fixture_stop(&f);
}

/* a port handed from one service to another in one sync (closes come first), and
 * duplicate wants (the first wins) */
static void hc_handover_and_duplicates(void **state)
{
	struct fixture f;
	struct hc_servers *hc;
	struct reply r;
	int p1 = free_port(), p2 = free_port(), p3 = free_port();

	(void)state;
	fixture_start(&f, NULL, NULL);
	hc = hc_servers_new(f.s, (const char *const[]){ "127.0.0.1" }, 1);
	assert_non_null(hc);
	/* b/b sorts before z/z: without closing first, b/b's bind would fail */
	assert_int_equal(hc_sync(hc, (struct hc_service[]){ { "z", "z", (uint16_t)p1, 1 } }, 1),
			 0);
	hc_expect(p1, 200, "z", "z", 1, true);
	assert_int_equal(hc_sync(hc, (struct hc_service[]){ { "b", "b", (uint16_t)p1, 2 } }, 1),
			 0);
	hc_expect(p1, 200, "b", "b", 2, true);
	assert_int_equal(hc_sync(hc, (struct hc_service[]){
		{ "x", "y", (uint16_t)p2, 1 }, { "b", "b", (uint16_t)p1, 3 },
		{ "x", "y", (uint16_t)p3, 5 },
	}, 3), 0);
	hc_expect(p2, 200, "x", "y", 1, true);
	hc_expect(p1, 200, "b", "b", 3, true);
	assert_int_equal(request(p3, "GET", "/", &r), -1);
	hc_servers_free(hc);
	assert_int_equal(request(p1, "GET", "/", &r), -1);
	assert_int_equal(request(p2, "GET", "/", &r), -1);
	fixture_stop(&f);
}

struct poller {
	int port;
	atomic_int stop;
	atomic_int ok;
};

static void *poll_livez(void *arg)
{
	struct poller *p = arg;
	struct reply r;

	while (!p->stop)
		if (!request(p->port, "GET", "/livez", &r) && r.status == 200)
			p->ok++;
	return NULL;
}

/* hc_sync moving a server back and forth while the HTTP thread is busy elsewhere */
static void hc_churn(void **state)
{
	struct fixture f;
	struct hc_servers *hc;
	struct poller pl = { 0 };
	pthread_t t;
	int port[2] = { free_port(), free_port() };

	(void)state;
	fixture_start(&f, "127.0.0.1:0", NULL);
	hc = hc_servers_new(f.s, (const char *const[]){ "127.0.0.1" }, 1);
	assert_non_null(hc);
	pl.port = f.hport;
	assert_int_equal(pthread_create(&t, NULL, poll_livez, &pl), 0);
	for (unsigned i = 0; i < 100; i++) {
		struct hc_service w = { "ns", "svc", (uint16_t)port[i & 1], i };
		struct reply r;

		assert_int_equal(hc_sync(hc, &w, 1), 0);
		hc_expect(port[i & 1], i ? 200 : 503, "ns", "svc", i, true);
		assert_int_equal(request(port[!(i & 1)], "GET", "/", &r), -1);
	}
	pl.stop = 1;
	pthread_join(t, NULL);
	assert_true(pl.ok > 0);
	hc_servers_free(hc);
	fixture_stop(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_bind),
		cmocka_unit_test(healthz_livez),
		cmocka_unit_test(metrics_server),
		cmocka_unit_test(bind_errors),
		cmocka_unit_test(hc_servers),
		cmocka_unit_test(hc_all_addresses),
		cmocka_unit_test(same_port_other_address),
		cmocka_unit_test(hc_handover_and_duplicates),
		cmocka_unit_test(hc_churn),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests_name("httpserver", tests, NULL, NULL);
}
