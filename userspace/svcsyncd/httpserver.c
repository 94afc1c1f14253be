// SPDX-License-Identifier: GPL-2.0
/*
 * httpserver: the HTTP thread, the libmicrohttpd glue and the answers of each server
 * (addresses and sockets: httpaddr.c; health-check servers: hcserver.c).
 *
 * Why one thread with MHD in external epoll mode rather than MHD's internal polling thread:
 * kube-proxy opens one health-check listener per healthCheckNodePort and node IP; with an
 * MHD daemon (and thread) per listener that is a thread per LoadBalancer service. Here our
 * own sockets are polled next to MHD's epoll fd, accepted connections are handed to one
 * daemon with MHD_add_connection(), and a connection's local address and port say which
 * server it is.
 *
 * Locking: s->lock guards the listener table and the health-check services. The daemon
 * thread changes them (hc_sync) and bumps s->gen; the HTTP thread polls a copy and only
 * accepts while holding the lock with an unchanged gen, so it never touches a closed fd.
 * Request handlers run on the HTTP thread and take s->lock, then health's or metrics' lock.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "httpserver_int.h"

void http_log(struct http_server *s, int level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (s->cfg.log)
		s->cfg.log(level, msg, s->cfg.log_data);
	else if (level <= 0)		/* no verbosity without the daemon's log */
		fprintf(stderr, "%c httpserver: %s\n", level < -1 ? 'E' : level < 0 ? 'W' : 'I',
			msg);
}

/* under s->lock */
int http_add_listener(struct http_server *s, int fd, enum role role)
{
	struct endpoint ep;
	int port = http_local_endpoint(fd, &ep);

	if (port < 0)
		return port;
	if (s->n_lst == s->cap_lst) {
		size_t cap = s->cap_lst ? 2 * s->cap_lst : 8;
		struct listener *n = realloc(s->lst, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		s->lst = n;
		s->cap_lst = cap;
	}
	s->lst[s->n_lst++] = (struct listener){
		.fd = fd, .port = (uint16_t)port, .ep = ep, .role = role,
	};
	s->gen++;
	return port;
}

/* under s->lock */
void http_close_ports(struct http_server *s, enum role role, const uint8_t *ports)
{
	size_t j = 0;

	for (size_t i = 0; i < s->n_lst; i++) {
		struct listener *l = &s->lst[i];

		if (l->role == role && (!ports || (ports[l->port / 8] & (1u << (l->port % 8))))) {
			/* the HTTP thread's poll() may still hold the socket: shutdown() takes
			 * it out of LISTEN now, so the port can be bound again at once */
			shutdown(l->fd, SHUT_RDWR);
			close(l->fd);
			continue;
		}
		s->lst[j++] = *l;
	}
	if (j != s->n_lst)
		s->gen++;
	s->n_lst = j;
}

void http_wake(struct http_server *s)
{
	uint64_t one = 1;
	ssize_t r = write(s->efd, &one, sizeof(one));

	(void)r;			/* a full counter still wakes the thread */
}

/* ---- requests ---- */

static enum MHD_Result respond(struct MHD_Connection *c, unsigned int code, const char *type,
			       const char *body, size_t len, const char *weight)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type) != MHD_YES ||
	    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff") != MHD_YES ||
	    (weight && MHD_add_response_header(r, "X-Load-Balancing-Endpoint-Weight",
						weight) != MHD_YES)) {
		MHD_destroy_response(r);
		return MHD_NO;
	}
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

#define TEXT "text/plain; charset=utf-8"
#define JSON "application/json"

/* http.NotFound, what Go's muxes answer for a path they don't serve */
static enum MHD_Result not_found(struct MHD_Connection *c)
{
	static const char body[] = "404 page not found\n";

	return respond(c, MHD_HTTP_NOT_FOUND, TEXT, body, sizeof(body) - 1, NULL);
}

static struct timespec now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return t;
}

/* Go's cleanPath (net/http): path.Clean of a rooted path, a trailing slash kept */
static int clean_path(const char *in, char *out, size_t size)
{
	size_t len = 0, inlen = strlen(in);
	const char *p = in;

	if (inlen + 2 > size)
		return -ENAMETOOLONG;
	while (*p) {
		const char *seg = p + strspn(p, "/");
		size_t n = strcspn(seg, "/");

		p = seg + n;
		if (!n || (n == 1 && seg[0] == '.'))
			continue;
		if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			while (len && out[len - 1] != '/')
				len--;
			if (len)
				len--;	/* the slash before the dropped segment */
			continue;
		}
		out[len++] = '/';
		memcpy(out + len, seg, n);
		len += n;
	}
	if (!len || (inlen && in[inlen - 1] == '/'))
		out[len++] = '/';
	out[len] = '\0';
	return 0;
}

/* Go's ServeMux sends an unclean path to its clean form (http.Redirect, 301) */
static enum MHD_Result redirect(struct MHD_Connection *c, const char *method, const char *to)
{
	static const char fmt[] = "<a href=\"%s\">Moved Permanently</a>.\n\n";
	bool get = !strcmp(method, "GET");
	struct MHD_Response *r;
	enum MHD_Result ret;
	char body[512];
	int n = 0;

	if (get) {
		for (const char *p = to; *p; p++)
			if (strchr("<>&'\"", *p))
				return not_found(c);	/* html escaping: not worth it here */
		n = snprintf(body, sizeof(body), fmt, to);
		if (n < 0 || (size_t)n >= sizeof(body))
			return MHD_NO;
	}
	r = MHD_create_response_from_buffer((size_t)n, body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	if (MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, to) != MHD_YES ||
	    ((get || !strcmp(method, "HEAD")) &&
	     MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				     "text/html; charset=utf-8") != MHD_YES)) {
		MHD_destroy_response(r);
		return MHD_NO;
	}
	ret = MHD_queue_response(c, MHD_HTTP_MOVED_PERMANENTLY, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result serve_health(struct http_server *s, struct MHD_Connection *c,
				    const char *method, const char *url)
{
	bool healthz = !strcmp(url, "/healthz");
	char body[1024];
	int code;

	if (clean_path(url, body, sizeof(body)))
		return not_found(c);
	if (strcmp(body, url))
		return redirect(c, method, body);
	if (!healthz && strcmp(url, "/livez"))
		return not_found(c);
	code = health_response(s->cfg.health, healthz, now(), body, sizeof(body));
	if (code < 0)
		return MHD_NO;
	if (s->cfg.metrics)
		metric_add(healthz ? s->cfg.metrics->healthz_total : s->cfg.metrics->livez_total,
			   (const char *const[]){ code == 200 ? "200" : "503" }, 1);
	return respond(c, (unsigned int)code, JSON, body, strlen(body), NULL);
}

/* Go: r.URL.Query()["verbose"] is present, with or without a value */
static enum MHD_Result is_verbose(void *cls, enum MHD_ValueKind kind, const char *key,
				  const char *value)
{
	(void)kind;
	(void)value;
	if (key && !strcmp(key, "verbose"))
		*(bool *)cls = true;
	return MHD_YES;
}

static enum MHD_Result serve_metrics(struct http_server *s, struct MHD_Connection *c,
				     const char *url)
{
	enum MHD_Result ret;
	char *text;
	size_t len;

	if (!strcmp(url, "/metrics")) {
		svcsyncd_metrics_collect(s->cfg.metrics);
		if (metrics_expose(s->cfg.metrics->reg, &text, &len))
			return MHD_NO;
		ret = respond(c, MHD_HTTP_OK, METRICS_CONTENT_TYPE, text, len, NULL);
		free(text);
		return ret;
	}
	/* k8s.io/apiserver healthz.InstallHandler with its default ping check */
	if (!strcmp(url, "/healthz") || !strcmp(url, "/healthz/ping")) {
		bool verbose = false;

		MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, is_verbose, &verbose);
		if (!strcmp(url, "/healthz") && verbose) {
			static const char v[] = "[+]ping ok\nhealthz check passed\n";

			return respond(c, MHD_HTTP_OK, TEXT, v, sizeof(v) - 1, NULL);
		}
		return respond(c, MHD_HTTP_OK, TEXT, "ok", 2, NULL);
	}
	if (!strcmp(url, "/proxyMode"))
		return respond(c, MHD_HTTP_OK, TEXT, "svcvip", 6, NULL);
	return not_found(c);
}

/* under s->lock */
static enum MHD_Result serve_hc(struct http_server *s, struct MHD_Connection *c, uint16_t port)
{
	struct hc_servers *hc = s->hc;
	char body[1024], weight[16];
	int code;

	for (size_t i = 0; hc && i < hc->n_svcs; i++) {
		struct hc_svc *v = &hc->svcs[i];

		if (v->port != port)
			continue;
		code = health_hc_body(v->ns, v->name, v->n,
				      health_proxy_healthy(s->cfg.health, now()), body,
				      sizeof(body));
		if (code < 0)
			return MHD_NO;
		snprintf(weight, sizeof(weight), "%u", v->n);
		return respond(c, (unsigned int)code, JSON, body, strlen(body), weight);
	}
	return MHD_NO;			/* closed meanwhile: drop the connection, as Close() */
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **ctx)
{
	struct http_server *s = cls;
	const union MHD_ConnectionInfo *ci;
	enum MHD_Result ret = MHD_NO;
	struct endpoint ep;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)ctx;
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (!ci)
		return MHD_NO;
	if (http_local_endpoint(ci->connect_fd, &ep) < 0)
		return MHD_NO;
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->n_lst; i++) {
		if (!http_endpoint_match(&s->lst[i].ep, &ep))
			continue;
		if (s->lst[i].role == ROLE_HEALTHZ)
			ret = serve_health(s, c, method, url);
		else if (s->lst[i].role == ROLE_METRICS)
			ret = serve_metrics(s, c, url);
		else
			ret = serve_hc(s, c, ep.port);
		break;
	}
	pthread_mutex_unlock(&s->lock);
	return ret;
}

/* ---- the HTTP thread ---- */

static void accept_ready(struct http_server *s, struct pollfd *pfd, size_t n)
{
	struct { int fd; struct sockaddr_storage ss; socklen_t len; } got[32];
	size_t ngot = 0;

	for (size_t i = 0; i < n && ngot < 32; i++) {
		if (!(pfd[i].revents & POLLIN))
			continue;
		while (ngot < 32) {
			got[ngot].len = sizeof(got[ngot].ss);
			got[ngot].fd = accept4(pfd[i].fd, (struct sockaddr *)&got[ngot].ss,
					       &got[ngot].len, SOCK_NONBLOCK | SOCK_CLOEXEC);
			if (got[ngot].fd < 0)
				break;	/* EAGAIN, or a reset connection: poll again */
			ngot++;
		}
	}
	pthread_mutex_unlock(&s->lock);
	/* MHD closes the socket itself when it cannot take it */
	for (size_t i = 0; i < ngot; i++)
		MHD_add_connection(s->mhd, got[i].fd, (struct sockaddr *)&got[i].ss, got[i].len);
	pthread_mutex_lock(&s->lock);
}

static void *http_thread(void *arg)
{
	struct http_server *s = arg;
	struct pollfd *pfd = NULL;
	size_t cap = 0;

	pthread_mutex_lock(&s->lock);
	while (!s->stop) {
		MHD_UNSIGNED_LONG_LONG mhd_ms;
		size_t n = s->n_lst + 2;
		uint64_t gen = s->gen;
		int timeout = -1;

		if (n > cap) {
			struct pollfd *p = realloc(pfd, n * sizeof(*p));

			if (!p) {
				/* keep serving what fits; retried on the next round */
				n = cap;
			} else {
				pfd = p;
				cap = n;
			}
		}
		if (n < 2) {
			pthread_mutex_unlock(&s->lock);
			usleep(100000);
			pthread_mutex_lock(&s->lock);
			continue;
		}
		pfd[0] = (struct pollfd){ .fd = s->efd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = s->mhd_fd, .events = POLLIN };
		for (size_t i = 2; i < n; i++)
			pfd[i] = (struct pollfd){ .fd = s->lst[i - 2].fd, .events = POLLIN };
		pthread_mutex_unlock(&s->lock);

		if (MHD_get_timeout(s->mhd, &mhd_ms) == MHD_YES)
			timeout = mhd_ms > 60000 ? 60000 : (int)mhd_ms;
		if (poll(pfd, n, timeout) > 0 && (pfd[0].revents & POLLIN)) {
			uint64_t v;
			ssize_t r = read(s->efd, &v, sizeof(v));

			(void)r;
		}
		pthread_mutex_lock(&s->lock);
		if (s->gen == gen && !s->stop)
			accept_ready(s, pfd + 2, n - 2);
		pthread_mutex_unlock(&s->lock);
		MHD_run(s->mhd);
		pthread_mutex_lock(&s->lock);
	}
	pthread_mutex_unlock(&s->lock);
	free(pfd);
	return NULL;
}

static int start_one(struct http_server *s, const char *flag, const char *bind,
		     uint16_t default_port, enum role role, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, port;

	if (!bind || !*bind)
		return 0;
	if (http_parse_bind(flag, bind, default_port, &ss, &len, err, errlen))
		return -EINVAL;
	fd = http_listen(&ss, len);
	if (fd < 0) {
		snprintf(err, errlen, "%s %s: %s", flag, bind, strerror(-fd));
		return fd;
	}
	port = http_add_listener(s, fd, role);
	if (port < 0) {
		close(fd);
		snprintf(err, errlen, "%s %s: %s", flag, bind, strerror(-port));
		return port;
	}
	s->port[role] = port;
	return 0;
}

int http_server_start(const struct http_server_config *cfg, struct http_server **out,
		      char *err, size_t errlen)
{
	const union MHD_DaemonInfo *di;
	struct http_server *s;
	int ret = -ENOMEM;

	snprintf(err, errlen, "out of memory");
	if ((cfg->healthz_bind && *cfg->healthz_bind && !cfg->health) ||
	    (cfg->metrics_bind && *cfg->metrics_bind && !cfg->metrics)) {
		snprintf(err, errlen, "http server: a bind address without its state");
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->cfg = *cfg;
	s->efd = -1;
	s->port[0] = s->port[1] = -ENOENT;
	if (pthread_mutex_init(&s->lock, NULL)) {
		free(s);
		return -ENOMEM;
	}
	s->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->efd < 0) {
		ret = -errno;
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		goto fail;
	}
	ret = start_one(s, "--healthz-bind-address", cfg->healthz_bind, 10256, ROLE_HEALTHZ,
			err, errlen);
	if (!ret)
		ret = start_one(s, "--metrics-bind-address", cfg->metrics_bind, 10249,
				ROLE_METRICS, err, errlen);
	if (ret)
		goto fail;
	ret = -ENOMEM;
	s->mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_NO_LISTEN_SOCKET, 0, NULL, NULL,
				  on_request, s,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)60,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned int)1024,
				  MHD_OPTION_END);
	di = s->mhd ? MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_EPOLL_FD) : NULL;
	if (!di) {
		snprintf(err, errlen, "libmicrohttpd: cannot start a daemon");
		goto fail;
	}
	s->mhd_fd = di->epoll_fd;
	if (pthread_create(&s->thread, NULL, http_thread, s)) {
		snprintf(err, errlen, "cannot start the HTTP thread");
		goto fail;
	}
	s->started = true;
	*out = s;
	return 0;
fail:
	http_server_stop(s);
	return ret;
}

int http_server_port(struct http_server *s, int metrics)
{
	int port;

	pthread_mutex_lock(&s->lock);
	port = s->port[metrics ? ROLE_METRICS : ROLE_HEALTHZ];
	pthread_mutex_unlock(&s->lock);
	return port;
}

void http_server_stop(struct http_server *s)
{
	if (!s)
		return;
	if (s->hc)
		hc_servers_free(s->hc);
	if (s->started) {
		pthread_mutex_lock(&s->lock);
		s->stop = true;
		pthread_mutex_unlock(&s->lock);
		http_wake(s);
		pthread_join(s->thread, NULL);
	}
	if (s->mhd)
		MHD_stop_daemon(s->mhd);
	for (size_t i = 0; i < s->n_lst; i++)
		close(s->lst[i].fd);
	free(s->lst);
	if (s->efd >= 0)
		close(s->efd);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

