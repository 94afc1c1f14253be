// SPDX-License-Identifier: GPL-2.0
/*
 * apiclient_test: svcsyncd's API client (apiclient.c, apirequest.c,
 * apibody.c, jsonstream.c) against a real HTTP server on 127.0.0.1: a
 * thread here that answers each request with the first unused canned
 * response whose "match" is in the request target, chunked, whole or one
 * byte per write, ended, cut or held open. What the client asked (target,
 * Authorization, User-Agent) is recorded and checked, as are the ops it
 * called, in order.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "apiclient.h"
#include "jsonstream.h"
#include "kubeconfig.h"
#include "log.h"

/* ---- the server ---- */

enum {
	BYTEWISE = 1,	/* one body byte per chunk and write */
	CUT = 2,	/* close without the last chunk: a dropped connection */
	HANG = 4,	/* after the body, send nothing and keep the connection open */
};

struct resp {
	const char *match;
	const char *status;
	const char *body;
	unsigned int flags;
	bool used;
};

#define MAX_RESP 16
#define MAX_CONN 32

static struct {
	pthread_mutex_t lock;
	int lfd;
	int port;
	volatile bool stop;
	pthread_t acceptor;
	pthread_t conns[MAX_CONN];
	int nconns;
	struct resp resp[MAX_RESP];
	int nresp;
	char target[MAX_CONN][512];
	char auth[MAX_CONN][128];
	char agent[MAX_CONN][128];
	int64_t when[MAX_CONN];		/* CLOCK_MONOTONIC ms */
	int nreq;
} srv = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void add_resp(const char *match, const char *status, const char *body, unsigned int flags)
{
	assert_true(srv.nresp < MAX_RESP);
	srv.resp[srv.nresp++] = (struct resp){ match, status, body, flags, false };
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void header_value(const char *req, const char *name, char *out, size_t len)
{
	const char *p = strcasestr(req, name), *e;

	out[0] = '\0';
	if (!p)
		return;
	p += strlen(name);
	e = strstr(p, "\r\n");
	snprintf(out, len, "%.*s", (int)(e ? e - p : (long)strlen(p)), p);
}

/* until the client closes or the test ends */
static void hold(int fd)
{
	char b[256];

	while (!srv.stop) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 20) > 0 && recv(fd, b, sizeof(b), 0) <= 0)
			return;
	}
}

static void *conn_main(void *arg)
{
	int fd = (int)(intptr_t)arg, i, n = 0, one = 1;
	char req[4096] = "", target[512] = "", head[256];
	struct resp *r = NULL;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	while (n < (int)sizeof(req) - 1 && !strstr(req, "\r\n\r\n")) {
		ssize_t got = recv(fd, req + n, sizeof(req) - 1 - n, 0);

		if (got <= 0)
			goto out;
		n += (int)got;
		req[n] = '\0';
	}
	sscanf(req, "GET %511s", target);
	pthread_mutex_lock(&srv.lock);
	if (srv.nreq < MAX_CONN) {
		snprintf(srv.target[srv.nreq], sizeof(srv.target[0]), "%s", target);
		header_value(req, "\r\nAuthorization: ", srv.auth[srv.nreq], sizeof(srv.auth[0]));
		header_value(req, "\r\nUser-Agent: ", srv.agent[srv.nreq], sizeof(srv.agent[0]));
		srv.when[srv.nreq] = mono_ms();
		srv.nreq++;
	}
	for (i = 0; i < srv.nresp; i++) {
		if (!srv.resp[i].used && strstr(target, srv.resp[i].match)) {
			r = &srv.resp[i];
			r->used = true;
			break;
		}
	}
	pthread_mutex_unlock(&srv.lock);
	if (!r) {
		if (getenv("APICLIENT_TEST_LOG")) {
			fprintf(stderr, "server: no response for %s among:\n", target);
			for (i = 0; i < srv.nresp; i++)
				fprintf(stderr, "  %s used %d\n", srv.resp[i].match,
					srv.resp[i].used);
		}
		send_all(fd, "HTTP/1.1 599 No Script\r\nContent-Length: 0\r\n\r\n", 45);
		goto out;
	}
	n = snprintf(head, sizeof(head), "HTTP/1.1 %s\r\nContent-Type: application/json\r\n"
		     "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n", r->status);
	send_all(fd, head, (size_t)n);
	if (r->flags & BYTEWISE) {
		for (const char *p = r->body; *p && !srv.stop; p++) {
			n = snprintf(head, sizeof(head), "1\r\n%c\r\n", *p);
			send_all(fd, head, (size_t)n);
			usleep(300);
		}
	} else if (*r->body) {
		n = snprintf(head, sizeof(head), "%zx\r\n", strlen(r->body));
		send_all(fd, head, (size_t)n);
		send_all(fd, r->body, strlen(r->body));
		send_all(fd, "\r\n", 2);
	}
	if (r->flags & HANG)
		hold(fd);
	else if (!(r->flags & CUT))
		send_all(fd, "0\r\n\r\n", 5);
out:
	close(fd);
	return NULL;
}

static void *accept_main(void *arg)
{
	(void)arg;
	while (!srv.stop) {
		struct pollfd p = { .fd = srv.lfd, .events = POLLIN };
		int fd;

		if (poll(&p, 1, 20) <= 0)
			continue;
		fd = accept(srv.lfd, NULL, NULL);
		if (fd < 0)
			continue;
		if (srv.nconns >= MAX_CONN ||
		    pthread_create(&srv.conns[srv.nconns], NULL, conn_main, (void *)(intptr_t)fd)) {
			close(fd);
			continue;
		}
		srv.nconns++;
	}
	return NULL;
}

static int server_start(void **state)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);

	(void)state;
	memset(srv.resp, 0, sizeof(srv.resp));
	srv.nresp = srv.nreq = srv.nconns = 0;
	srv.stop = false;
	srv.lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (srv.lfd < 0 || bind(srv.lfd, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(srv.lfd, 16) || getsockname(srv.lfd, (struct sockaddr *)&a, &alen))
		return -1;
	srv.port = ntohs(a.sin_port);
	return pthread_create(&srv.acceptor, NULL, accept_main, NULL) ? -1 : 0;
}

static int server_stop(void **state)
{
	(void)state;
	srv.stop = true;
	pthread_join(srv.acceptor, NULL);
	for (int i = 0; i < srv.nconns; i++)
		pthread_join(srv.conns[i], NULL);
	close(srv.lfd);
	return 0;
}

static const char *target(int i)
{
	static char t[512];

	pthread_mutex_lock(&srv.lock);
	snprintf(t, sizeof(t), "%s", i < srv.nreq ? srv.target[i] : "(none)");
	pthread_mutex_unlock(&srv.lock);
	return t;
}

static int nreq(void)
{
	int n;

	pthread_mutex_lock(&srv.lock);
	n = srv.nreq;
	pthread_mutex_unlock(&srv.lock);
	return n;
}

#define assert_contains(s, sub) do {						\
	const char *s_ = (s);							\
	if (!strstr(s_, (sub)))							\
		fail_msg("\"%s\" lacks \"%s\"", s_, (sub));			\
} while (0)

/* ---- the client's side ---- */

struct rec {
	char ops[2048];		/* "begin;up a/5;del b/8;end;" */
};

static void rec_add(struct rec *r, const char *what, struct json_object *obj)
{
	struct json_object *m = NULL, *n = NULL, *rv = NULL;
	size_t len = strlen(r->ops);

	if (obj && json_object_object_get_ex(obj, "metadata", &m)) {
		json_object_object_get_ex(m, "name", &n);
		json_object_object_get_ex(m, "resourceVersion", &rv);
	}
	if (obj)
		snprintf(r->ops + len, sizeof(r->ops) - len, "%s %s/%s;", what,
			 n ? json_object_get_string(n) : "?",
			 rv ? json_object_get_string(rv) : "?");
	else
		snprintf(r->ops + len, sizeof(r->ops) - len, "%s;", what);
}

static void op_begin(void *d)
{
	rec_add(d, "begin", NULL);
}

static void op_upsert(void *d, struct json_object *o)
{
	rec_add(d, "up", o);
}

static void op_remove(void *d, struct json_object *o)
{
	rec_add(d, "del", o);
}

static void op_end(void *d)
{
	rec_add(d, "end", NULL);
}

static const struct kube_reflector_ops rec_ops = {
	.list_begin = op_begin,
	.upsert = op_upsert,
	.remove = op_remove,
	.list_end = op_end,
};

static char logged[8192];

static void log_sink(int level, const char *line, void *data)
{
	size_t len = strlen(logged);

	(void)data;
	(void)level;
	if (getenv("APICLIENT_TEST_LOG"))	/* debugging: the client's log on stderr */
		fprintf(stderr, "%s\n", line);
	snprintf(logged + len, sizeof(logged) - len, "%s\n", line);
}

static struct kube_client *client(const char *token_file, unsigned int silence_ms)
{
	struct kube_api_config cfg = { 0 };
	struct kube_client_opts o;
	struct kube_client *c;
	char server[64], err[256];

	snprintf(server, sizeof(server), "http://127.0.0.1:%d", srv.port);
	cfg.server = server;
	cfg.token = (char *)"tok1";
	cfg.token_file = (char *)token_file;
	kube_client_opts_default(&o);
	o.page_limit = 2;
	o.silence_ms = silence_ms;
	o.backoff_initial_ms = 20;
	o.backoff_max_ms = 80;
	o.not_found_retry_ms = 300;
	logged[0] = '\0';
	svc_log_set_sink(log_sink, NULL);
	svc_log_verbosity = 3;
	c = kube_client_new(&cfg, &o, err, sizeof(err));
	if (!c)
		fail_msg("kube_client_new: %s", err);
	return c;
}

/* Runs the client until cond holds (true) or 5 s pass (false) */
static bool run_until(struct kube_client *c, bool (*cond)(void *), void *arg)
{
	int64_t end = (int64_t)time(NULL) + 5;

	while (!cond(arg)) {
		if ((int64_t)time(NULL) > end)
			return false;
		assert_int_equal(kube_client_run(c, NULL, 0, 20), 0);
	}
	return true;
}

static bool requests_at_least(void *n)
{
	return nreq() >= *(int *)n;
}

static void run_to_request(struct kube_client *c, int n, struct rec *rec)
{
	if (!run_until(c, requests_at_least, &n))
		fail_msg("%d requests expected, %d made; ops %s; log:\n%s", n, nreq(), rec->ops,
			 logged);
}

struct ops_cond {
	struct rec *rec;
	const char *text;
};

static bool ops_contain(void *arg)
{
	struct ops_cond *oc = arg;

	return strstr(oc->rec->ops, oc->text) != NULL;
}

static void run_to_op(struct kube_client *c, struct rec *rec, const char *text)
{
	struct ops_cond oc = { rec, text };

	if (!run_until(c, ops_contain, &oc))
		fail_msg("ops \"%s\" lack \"%s\"; log:\n%s", rec->ops, text, logged);
}

static bool watching(void *r)
{
	return kube_reflector_stats(r)->connected;
}

#define SVC(name, rv) "{\"kind\":\"Service\",\"metadata\":{\"name\":\"" name \
	"\",\"namespace\":\"default\",\"resourceVersion\":\"" rv "\"},\"spec\":{}}"
#define EV(type, name, rv) "{\"type\":\"" type "\",\"object\":" SVC(name, rv) "}\n"
#define PAGE(rv, cont, items) "{\"kind\":\"ServiceList\",\"apiVersion\":\"v1\",\"metadata\":" \
	"{\"resourceVersion\":\"" rv "\"" cont "},\"items\":[" items "]}"

static void pages_then_watch(void **state)
{
	struct rec rec = { "" };
	struct kube_client *c;
	struct kube_reflector *r;
	const struct kube_reflector_stats *st;

	(void)state;
	add_resp("limit=2", "200 OK", PAGE("10", ",\"continue\":\"c/1=\"",
					   SVC("a", "3") "," SVC("b", "4")), 0);
	add_resp("continue=c%2F1%3D", "200 OK", PAGE("10", ",\"continue\":\"c2\"",
						     SVC("c", "5") "," SVC("d", "6")), 0);
	add_resp("continue=c2", "200 OK", PAGE("10", ",\"continue\":\"\"", SVC("e", "7")), 0);
	add_resp("watch=1", "200 OK", EV("MODIFIED", "a", "11"), HANG);
	c = client(NULL, 5000);
	r = kube_reflector_add(c, "/api/v1/services", "!service.kubernetes.io/service-proxy-name,"
			       "!service.kubernetes.io/headless", NULL, &rec_ops, &rec);
	assert_non_null(r);
	assert_false(kube_reflector_synced(r));
	run_to_request(c, 4, &rec);
	assert_true(run_until(c, watching, r));
	run_to_op(c, &rec, "up a/11");
	assert_string_equal(rec.ops, "begin;up a/3;up b/4;up c/5;up d/6;up e/7;end;up a/11;");
	assert_true(kube_reflector_synced(r));
	assert_string_equal(kube_reflector_resource_version(r), "11");
	assert_string_equal(target(0), "/api/v1/services?limit=2&labelSelector="
			    "%21service.kubernetes.io%2Fservice-proxy-name%2C"
			    "%21service.kubernetes.io%2Fheadless");
	assert_contains(target(1), "?limit=2&continue=c%2F1%3D&labelSelector=");
	assert_contains(target(2), "?limit=2&continue=c2&labelSelector=");
	assert_contains(target(3), "/api/v1/services?watch=1&allowWatchBookmarks=true&"
			"timeoutSeconds=");
	assert_contains(target(3), "&resourceVersion=10&labelSelector=%21service");
	assert_string_equal(srv.auth[0], "Bearer tok1");
	assert_string_equal(srv.agent[0], "svcsyncd/" SVCVIP_VERSION_STRING);
	st = kube_reflector_stats(r);
	assert_int_equal(st->state, KUBE_REFLECTOR_WATCHING);
	assert_int_equal(st->lists, 1);
	assert_int_equal(st->pages, 3);
	assert_int_equal(st->relists, 0);
	assert_int_equal(st->watches, 1);
	assert_int_equal(st->events, 1);
	assert_int_equal(st->errors, 0);
	kube_client_free(c);
}

static void watch_byte_by_byte(void **state)
{
	struct rec rec = { "" };
	struct kube_client *c;
	struct kube_reflector *r;
	const struct kube_reflector_stats *st;

	(void)state;
	add_resp("limit=2", "200 OK", PAGE("5", "", SVC("a", "5")), 0);
	/* every event split at every byte; the server ends the watch cleanly */
	add_resp("resourceVersion=5", "200 OK",
		 EV("ADDED", "b", "6") EV("MODIFIED", "a", "7") "\r\n"
		 EV("DELETED", "b", "8")
		 "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Service\",\"metadata\":"
		 "{\"resourceVersion\":\"9\"}}}\n"
		 "\"not an object\"\n"
		 "{\"type\":\"ADDED\",\"object\":[1,2]}\n"
		 "{\"type\":\"UPSIDEDOWN\",\"object\":{}}\n", BYTEWISE);
	add_resp("resourceVersion=9", "200 OK", "", HANG);
	c = client(NULL, 5000);
	r = kube_reflector_add(c, "/api/v1/services", NULL, NULL, &rec_ops, &rec);
	run_to_request(c, 3, &rec);
	assert_string_equal(rec.ops, "begin;up a/5;end;up b/6;up a/7;del b/8;");
	assert_string_equal(kube_reflector_resource_version(r), "9");
	assert_contains(target(2), "resourceVersion=9");
	st = kube_reflector_stats(r);
	assert_int_equal(st->events, 3);
	assert_int_equal(st->bookmarks, 1);
	assert_int_equal(st->skipped, 3);
	assert_int_equal(st->errors, 0);
	assert_int_equal(st->watches, 2);
	assert_contains(logged, "a watch line that is not a JSON object, skipped");
	kube_client_free(c);
}

static void gone_relists(void **state)
{
	struct rec rec = { "" };
	struct kube_client *c;
	struct kube_reflector *r;

	(void)state;
	add_resp("limit=2", "200 OK", PAGE("5", "", SVC("a", "2") "," SVC("b", "3")), 0);
	add_resp("resourceVersion=5", "200 OK", EV("ADDED", "c", "6")
		 "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\","
		 "\"metadata\":{},\"status\":\"Failure\",\"message\":\"too old resource version: "
		 "5 (100)\",\"reason\":\"Expired\",\"code\":410}}\n" EV("ADDED", "x", "99"), HANG);
	add_resp("limit=2", "200 OK", PAGE("100", ",\"continue\":\"p2\"", SVC("a", "2")), 0);
	/* 410 on a continue token: the list starts over */
	add_resp("continue=p2", "410 Gone", "{\"kind\":\"Status\",\"code\":410}", 0);
	add_resp("limit=2", "200 OK", PAGE("101", "", SVC("a", "2") "," SVC("c", "6")), 0);
	add_resp("resourceVersion=101", "200 OK", "", HANG);
	c = client(NULL, 5000);
	r = kube_reflector_add(c, "/api/v1/services", NULL, NULL, &rec_ops, &rec);
	run_to_request(c, 6, &rec);
	assert_true(run_until(c, watching, r));
	assert_string_equal(rec.ops, "begin;up a/2;up b/3;end;up c/6;"
			    "begin;up a/2;begin;up a/2;up c/6;end;");
	assert_int_equal(kube_reflector_stats(r)->relists, 2);
	assert_int_equal(kube_reflector_stats(r)->lists, 2);
	assert_string_equal(kube_reflector_resource_version(r), "101");
	assert_contains(logged, "gone (410), relisting");
	kube_client_free(c);
}

static void dropped_resumes(void **state)
{
	struct rec rec = { "" };
	struct kube_client *c;
	struct kube_reflector *r;

	(void)state;
	add_resp("limit=2", "200 OK", PAGE("5", "", SVC("a", "5")), 0);
	/* the connection drops in the middle of the second event */
	add_resp("resourceVersion=5", "200 OK", EV("ADDED", "b", "6")
		 "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"c\",", CUT);
	/* a response that ends properly but inside an event is cut too */
	add_resp("resourceVersion=6", "200 OK", EV("ADDED", "c", "7") "{\"type\":\"ADDED\",", 0);
	add_resp("resourceVersion=7", "200 OK", "", HANG);
	c = client(NULL, 5000);
	r = kube_reflector_add(c, "/api/v1/services", NULL, NULL, &rec_ops, &rec);
	run_to_request(c, 4, &rec);
	assert_true(run_until(c, watching, r));
	/* no partial object, no relist */
	assert_string_equal(rec.ops, "begin;up a/5;end;up b/6;up c/7;");
	assert_int_equal(kube_reflector_stats(r)->errors, 2);
	assert_contains(kube_reflector_stats(r)->last_error, "ended inside a JSON value");
	assert_int_equal(kube_reflector_stats(r)->lists, 1);
	assert_contains(logged, "W ");
	kube_client_free(c);
}

static void malformed_reconnects(void **state)
{
	struct rec rec = { "" };
	struct kube_client *c;
	struct kube_reflector *r;

	(void)state;
	add_resp("limit=2", "200 OK", PAGE("5", "", SVC("a", "5")), 0);
	add_resp("resourceVersion=5", "200 OK", EV("ADDED", "b", "6")
		 "{\"type\":\"ADDED\",\"object\":{\"metadata\":{]}}\n" EV("ADDED", "c", "7"), HANG);
	/* a line cut short, then a whole one: together they would parse */
	add_resp("resourceVersion=6", "200 OK", "{\"type\":\"MODIFIED\",\"object\":{\"metadata\":"
		 "{\"name\":\n" EV("ADDED", "c", "7") "}}\n", HANG);
	add_resp("resourceVersion=6", "200 OK", "", HANG);
	c = client(NULL, 5000);
	r = kube_reflector_add(c, "/api/v1/services", NULL, NULL, &rec_ops, &rec);
	run_to_request(c, 4, &rec);
	assert_string_equal(rec.ops, "begin;up a/5;end;up b/6;");
	assert_int_equal(kube_reflector_stats(r)->errors, 2);
	assert_contains(logged, "watch: malformed JSON: a line ended inside a value");
	assert_contains(kube_reflector_stats(r)->last_error, "watch: malformed JSON");
	assert_contains(logged, "apiclient: /api/v1/services: watch: malformed JSON");
	kube_client_free(c);
}

static void silent_watch_times_out(void **state)
{
	struct rec rec = { "" };
	struct kube_client *c;
	struct kube_reflector *r;
	struct timespec t0, t1;
	long ms;

	(void)state;
	add_resp("limit=2", "200 OK", PAGE("5", "", SVC("a", "5")), 0);
	add_resp("resourceVersion=5", "200 OK", "", HANG);
	add_resp("resourceVersion=5", "200 OK", "", HANG);
	c = client(NULL, 400);
	r = kube_reflector_add(c, "/api/v1/services", NULL, NULL, &rec_ops, &rec);
	run_to_request(c, 2, &rec);
	assert_true(run_until(c, watching, r));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	run_to_request(c, 3, &rec);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(ms >= 300);
	assert_true(ms < 2000);
	assert_contains(kube_reflector_stats(r)->last_error, "watch: no byte for 0.4 s");
	assert_int_equal(kube_reflector_stats(r)->errors, 1);
	assert_int_equal(kube_reflector_stats(r)->lists, 1);
	kube_client_free(c);
}

static bool synced(void *r)
{
	return kube_reflector_synced(r);
}

static bool not_found(void *r)
{
	return kube_reflector_stats(r)->state == KUBE_REFLECTOR_NOT_FOUND;
}

static void not_found_is_a_state(void **state)
{
	struct rec rec = { "" }, rec2 = { "" };
	struct kube_client *c;
	struct kube_reflector *r, *cidrs;

	(void)state;
	add_resp("/api/v1/services?limit", "200 OK", PAGE("5", "", SVC("a", "5")), 0);
	add_resp("/api/v1/services?watch", "200 OK", "", HANG);
	add_resp("servicecidrs?limit", "404 Not Found", "{\"kind\":\"Status\",\"code\":404}", 0);
	add_resp("servicecidrs?limit", "200 OK", PAGE("7", "", ""), 0);
	add_resp("servicecidrs?watch", "200 OK", "", HANG);
	c = client(NULL, 5000);
	r = kube_reflector_add(c, "/api/v1/services", NULL, NULL, &rec_ops, &rec);
	cidrs = kube_reflector_add(c, "/apis/networking.k8s.io/v1/servicecidrs", NULL, NULL,
				   &rec_ops, &rec2);
	assert_true(run_until(c, synced, r));
	assert_true(run_until(c, not_found, cidrs));
	assert_false(kube_reflector_synced(cidrs));
	assert_contains(logged, "servicecidrs: not served by the API server (404)");
	/* asked again later: now it is served */
	assert_true(run_until(c, synced, cidrs));
	assert_string_equal(rec2.ops, "begin;end;");
	assert_string_equal(rec.ops, "begin;up a/5;end;");
	kube_client_free(c);
}

static void token_reread_on_401(void **state)
{
	struct rec rec = { "" };
	char tf[] = "/tmp/apiclient_test_token.XXXXXX";
	struct kube_client *c;
	struct kube_reflector *r;
	int fd;

	(void)state;
	fd = mkstemp(tf);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "sa-1\n", 5), 5);
	close(fd);
	add_resp("limit=2", "401 Unauthorized", "{\"kind\":\"Status\",\"message\":\"Unauthorized\","
		 "\"code\":401}", 0);
	add_resp("limit=2", "500 Internal Server Error",
		 "{\"kind\":\"Status\",\"message\":\"etcd is down\",\"code\":500}", 0);
	add_resp("limit=2", "200 OK", PAGE("5", "", ""), 0);
	add_resp("watch=1", "200 OK", "", HANG);
	c = client(tf, 5000);
	r = kube_reflector_add(c, "/api/v1/services", NULL, NULL, &rec_ops, &rec);
	/* the token rotates: the 401 makes the client read it again at once */
	fd = open(tf, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "sa-2", 4), 4);
	close(fd);
	assert_true(run_until(c, watching, r));
	assert_string_equal(srv.auth[0], "Bearer sa-1");
	assert_string_equal(srv.auth[1], "Bearer sa-2");
	assert_string_equal(srv.auth[3], "Bearer sa-2");
	assert_contains(logged, "LIST: HTTP 401: Unauthorized; retry in");
	assert_contains(logged, "LIST: HTTP 500: etcd is down; retry in");
	assert_int_equal(kube_reflector_stats(r)->errors, 2);
	assert_int_equal(kube_reflector_stats(r)->failures, 0);
	assert_string_equal(rec.ops, "begin;end;");
	kube_client_free(c);
	unlink(tf);
}

static void backoff_doubles(void **state)
{
	struct rec rec = { "" };
	struct kube_client_opts o;
	struct kube_api_config cfg = { 0 };
	struct kube_client *c;
	struct kube_reflector *r;
	char server[64], err[256];
	int64_t gap[4];

	(void)state;
	for (int i = 0; i < 4; i++)
		add_resp("limit=", "503 Service Unavailable", "", 0);
	add_resp("limit=", "200 OK", PAGE("5", "", ""), 0);
	add_resp("watch=1", "200 OK", "", HANG);
	snprintf(server, sizeof(server), "http://127.0.0.1:%d", srv.port);
	cfg.server = server;
	kube_client_opts_default(&o);
	o.backoff_initial_ms = 100;
	o.backoff_max_ms = 400;
	c = kube_client_new(&cfg, &o, err, sizeof(err));
	assert_non_null(c);
	r = kube_reflector_add(c, "/api/v1/services", NULL, NULL, &rec_ops, &rec);
	logged[0] = '\0';
	svc_log_set_sink(log_sink, NULL);
	run_to_request(c, 5, &rec);
	assert_int_equal(kube_reflector_stats(r)->errors, 4);
	assert_string_equal(kube_reflector_stats(r)->last_error, "LIST: HTTP 503");
	assert_contains(logged, "LIST: HTTP 503; retry in");
	/* each delay is jittered within [d/2, d) of 100, 200, 400, 400 ms */
	for (int i = 0; i < 4; i++)
		gap[i] = srv.when[i + 1] - srv.when[i];
	assert_true(gap[0] >= 50);
	assert_true(gap[1] >= 100);
	assert_true(gap[2] >= 200);
	assert_true(gap[3] >= 200);
	assert_true(run_until(c, watching, r));
	assert_int_equal(kube_reflector_stats(r)->failures, 0);
	kube_client_free(c);
}

static void wakeup_and_extra_fds(void **state)
{
	struct kube_client *c;
	struct curl_waitfd w;
	struct timespec t0, t1;
	int p[2];
	long ms;

	(void)state;
	c = client(NULL, 5000);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	w = (struct curl_waitfd){ .fd = p[0], .events = CURL_WAIT_POLLIN };
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(kube_client_run(c, &w, 1, 3000), 0);
	assert_true(w.revents & CURL_WAIT_POLLIN);
	assert_int_equal(kube_client_wakeup(c), 0);
	assert_int_equal(kube_client_run(c, NULL, 0, 3000), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(ms < 1000);
	close(p[0]);
	close(p[1]);
	kube_client_free(c);
}


/* ---- HTTPS: a Python server with certificates made by openssl ---- */

static const char tls_server_py[] =
	"import http.server, ssl, sys\n"
	"d = sys.argv[1]\n"
	"class H(http.server.BaseHTTPRequestHandler):\n"
	"    protocol_version = 'HTTP/1.1'\n"
	"    def do_GET(self):\n"
	"        cn = dict(x[0] for x in self.connection.getpeercert()['subject'])['commonName']\n"
	"        auth = self.headers.get('Authorization', '').replace(' ', '-')\n"
	"        if 'watch=1' in self.path:\n"
	"            b = b''\n"
	"        else:\n"
	"            b = ('{\"metadata\":{\"resourceVersion\":\"3\"},\"items\":[{'\n"
	"                 '\"metadata\":{\"name\":\"%s.%s\",\"resourceVersion\":\"3\"}}]}'\n"
	"                 % (cn, auth)).encode()\n"
	"        self.send_response(200)\n"
	"        self.send_header('Content-Type', 'application/json')\n"
	"        self.send_header('Content-Length', str(len(b)))\n"
	"        self.end_headers()\n"
	"        self.wfile.write(b)\n"
	"    def log_message(self, *a):\n"
	"        pass\n"
	"ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n"
	"ctx.load_cert_chain(d + '/server.crt', d + '/server.key')\n"
	"ctx.load_verify_locations(d + '/ca.crt')\n"
	"ctx.verify_mode = ssl.CERT_REQUIRED\n"
	"s = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)\n"
	"s.socket = ctx.wrap_socket(s.socket, server_side=True)\n"
	"open(d + '/port.tmp', 'w').write(str(s.server_address[1]))\n"
	"import os; os.rename(d + '/port.tmp', d + '/port')\n"
	"s.serve_forever()\n";

static const char make_certs_sh[] =
	"set -e; cd \"$1\"; k='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes'\n"
	"openssl req -x509 $k -keyout ca.key -out ca.crt -subj /CN=test-ca -days 2\n"
	"openssl req -x509 $k -keyout other.key -out other.crt -subj /CN=other-ca -days 2\n"
	"for n in server node1; do\n"
	"  openssl req $k -keyout $n.key -out $n.csr -subj /CN=$n\n"
	"done\n"
	"echo subjectAltName=DNS:kubernetes.default > san.ext\n"
	"openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial "
	"-out server.crt -days 2 -extfile san.ext\n"
	"openssl x509 -req -in node1.csr -CA ca.crt -CAkey ca.key -CAcreateserial "
	"-out node1.crt -days 2\n";

static struct {
	char dir[64];
	pid_t pid;
	int port;
} tls;

static void read_blob(const char *name, struct kube_blob *b)
{
	char p[128];
	FILE *f;
	long n;

	snprintf(p, sizeof(p), "%s/%s", tls.dir, name);
	f = fopen(p, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	b->data = malloc((size_t)n);
	assert_non_null(b->data);
	assert_int_equal(fread(b->data, 1, (size_t)n, f), (size_t)n);
	b->len = (size_t)n;
	fclose(f);
}

static int tls_start(void **state)
{
	char cmd[256], port_file[128];
	FILE *f;

	(void)state;
	if (system("command -v openssl >/dev/null && command -v python3 >/dev/null"))
		return 0;	/* the test skips itself */
	snprintf(tls.dir, sizeof(tls.dir), "/tmp/apiclient_tls.XXXXXX");
	if (!mkdtemp(tls.dir))
		return -1;
	snprintf(cmd, sizeof(cmd), "sh -c 'eval \"$MAKE_CERTS\"' sh %s 2>/dev/null", tls.dir);
	setenv("MAKE_CERTS", make_certs_sh, 1);
	if (system(cmd))
		return -1;
	tls.pid = fork();
	if (tls.pid < 0)
		return -1;
	if (!tls.pid) {
		execlp("python3", "python3", "-c", tls_server_py, tls.dir, (char *)NULL);
		_exit(127);
	}
	snprintf(port_file, sizeof(port_file), "%s/port", tls.dir);
	for (int i = 0; i < 500 && !tls.port; i++) {
		f = fopen(port_file, "r");
		if (f) {
			if (fscanf(f, "%d", &tls.port) != 1)
				tls.port = 0;
			fclose(f);
		}
		usleep(20000);
	}
	return tls.port ? 0 : -1;
}

static int tls_stop(void **state)
{
	char cmd[128];

	(void)state;
	if (tls.pid > 0) {
		kill(tls.pid, SIGTERM);
		waitpid(tls.pid, NULL, 0);
	}
	if (tls.dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tls.dir);
		if (system(cmd))
			return -1;
	}
	return 0;
}

/* LISTs once with cfg; "" when synced with an item named "CN.Bearer-TOKEN", else the error */
static void tls_list(struct kube_api_config *cfg, struct rec *rec, char *err, size_t errlen)
{
	struct kube_client_opts o;
	struct kube_client *c;
	struct kube_reflector *r;
	char server[64];
	int64_t end = (int64_t)time(NULL) + 10;

	snprintf(server, sizeof(server), "https://127.0.0.1:%d", tls.port);
	cfg->server = server;
	kube_client_opts_default(&o);
	c = kube_client_new(cfg, &o, err, errlen);
	assert_non_null(c);
	r = kube_reflector_add(c, "/api/v1/services", NULL, NULL, &rec_ops, rec);
	err[0] = '\0';
	while (!kube_reflector_synced(r) && !kube_reflector_stats(r)->errors &&
	       (int64_t)time(NULL) < end)
		assert_int_equal(kube_client_run(c, NULL, 0, 50), 0);
	if (!kube_reflector_synced(r))
		snprintf(err, errlen, "%s", kube_reflector_stats(r)->last_error[0] ?
			 kube_reflector_stats(r)->last_error : "timeout");
	kube_client_free(c);
	cfg->server = NULL;
}

static void https_blobs(void **state)
{
	struct kube_api_config cfg = { 0 };
	struct rec rec = { "" };
	char err[300];

	(void)state;
	if (!tls.port)
		skip();
	logged[0] = '\0';
	read_blob("ca.crt", &cfg.ca);
	read_blob("node1.crt", &cfg.cert);
	read_blob("node1.key", &cfg.key);
	cfg.token = (char *)"t0k";
	/* the certificate names kubernetes.default, the URL 127.0.0.1 */
	cfg.tls_server_name = (char *)"kubernetes.default";
	tls_list(&cfg, &rec, err, sizeof(err));
	assert_string_equal(err, "");
	assert_string_equal(rec.ops, "begin;up node1.Bearer-t0k/3;end;");

	cfg.tls_server_name = NULL;
	tls_list(&cfg, &rec, err, sizeof(err));
	assert_contains(err, "LIST: SSL: no alternative certificate subject name matches");

	/* insecure-skip-tls-verify: no CA, no name check */
	rec.ops[0] = '\0';
	free(cfg.ca.data);
	cfg.ca.data = NULL;
	cfg.insecure = true;
	tls_list(&cfg, &rec, err, sizeof(err));
	assert_string_equal(err, "");
	assert_string_equal(rec.ops, "begin;up node1.Bearer-t0k/3;end;");

	/* the system's CAs do not vouch for the test CA */
	cfg.insecure = false;
	cfg.tls_server_name = (char *)"kubernetes.default";
	tls_list(&cfg, &rec, err, sizeof(err));
	assert_contains(err, "LIST: SSL certificate problem");

	/* a CA that did not sign the server's certificate */
	read_blob("other.crt", &cfg.ca);
	tls_list(&cfg, &rec, err, sizeof(err));
	assert_contains(err, "LIST: SSL certificate problem");

	/* no client certificate: the server refuses the handshake */
	free(cfg.ca.data);
	read_blob("ca.crt", &cfg.ca);
	free(cfg.cert.data);
	free(cfg.key.data);
	cfg.cert.data = cfg.key.data = NULL;
	rec.ops[0] = '\0';
	tls_list(&cfg, &rec, err, sizeof(err));
	assert_string_not_equal(err, "");
	assert_string_equal(rec.ops, "");
	free(cfg.ca.data);
}

/* ---- jsonstream alone ---- */

static int count_value(struct json_object *o, void *data)
{
	char *out = data;
	size_t len = strlen(out);

	snprintf(out + len, 256 - len, "%s|",
		 json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	return 0;
}

static void jsonstream_any_split(void **state)
{
	static const char in[] = "{\"a\":\"\\u00e9\\n\"}\n [1,{\"b\":null}]\r\n\"s\" 42\n{}";
	struct json_stream *s = json_stream_new();
	char out[256];

	(void)state;
	assert_non_null(s);
	for (size_t cut = 0; cut <= sizeof(in) - 1; cut++) {
		out[0] = '\0';
		json_stream_reset(s, 0, false);
		assert_int_equal(json_stream_feed(s, in, cut, count_value, out), 0);
		assert_int_equal(json_stream_feed(s, in + cut, sizeof(in) - 1 - cut, count_value,
						  out), 0);
		assert_string_equal(out, "{\"a\":\"é\\n\"}|[1,{\"b\":null}]|\"s\"|42|{}|");
		assert_false(json_stream_partial(s));
	}
	json_stream_reset(s, 0, false);
	out[0] = '\0';
	assert_int_equal(json_stream_feed(s, "{\"a\":1}\n{\"b\":", 13, count_value, out), 0);
	assert_true(json_stream_partial(s));
	assert_string_equal(out, "{\"a\":1}|");

	json_stream_reset(s, 0, false);
	assert_int_equal(json_stream_feed(s, "{\"a\":1,}", 8, count_value, out), -EBADMSG);
	assert_contains(json_stream_error(s), "malformed JSON");

	json_stream_reset(s, 10, false);
	assert_int_equal(json_stream_feed(s, "{\"a\":\"0123456789\"}", 18, count_value, out),
			 -EMSGSIZE);

	/* one value per line: a cut line is malformed though the next would continue it */
	json_stream_reset(s, 0, true);
	out[0] = '\0';
	assert_int_equal(json_stream_feed(s, "{\"a\":\n{\"b\":1}}\n", 15, count_value, out),
			 -EBADMSG);
	assert_string_equal(json_stream_error(s), "malformed JSON: a line ended inside a value");
	json_stream_reset(s, 0, true);
	for (size_t i = 0; i < sizeof(in) - 1; i++)	/* byte by byte, lines intact */
		assert_int_equal(json_stream_feed(s, in + i, 1, count_value, out), 0);
	assert_string_equal(out, "{\"a\":\"é\\n\"}|[1,{\"b\":null}]|\"s\"|42|{}|");
	json_stream_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(jsonstream_any_split),
		cmocka_unit_test_setup_teardown(pages_then_watch, server_start, server_stop),
		cmocka_unit_test_setup_teardown(watch_byte_by_byte, server_start, server_stop),
		cmocka_unit_test_setup_teardown(gone_relists, server_start, server_stop),
		cmocka_unit_test_setup_teardown(dropped_resumes, server_start, server_stop),
		cmocka_unit_test_setup_teardown(malformed_reconnects, server_start, server_stop),
		cmocka_unit_test_setup_teardown(silent_watch_times_out, server_start, server_stop),
		cmocka_unit_test_setup_teardown(not_found_is_a_state, server_start, server_stop),
		cmocka_unit_test_setup_teardown(token_reread_on_401, server_start, server_stop),
		cmocka_unit_test_setup_teardown(backoff_doubles, server_start, server_stop),
		cmocka_unit_test_setup_teardown(wakeup_and_extra_fds, server_start, server_stop),
		cmocka_unit_test_setup_teardown(https_blobs, tls_start, tls_stop),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (getenv("APICLIENT_TEST_FILTER"))
		cmocka_set_test_filter(getenv("APICLIENT_TEST_FILTER"));
	return cmocka_run_group_tests_name("apiclient", tests, NULL, NULL);
}
