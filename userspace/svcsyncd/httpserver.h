/* SPDX-License-Identifier: GPL-2.0 */
/*
 * httpserver: svcsyncd's HTTP side on libmicrohttpd, answering as kube-proxy does:
 *  - the health server (--healthz-bind-address): /healthz and /livez (health.h bodies,
 *    kubeproxy_proxy_{healthz,livez}_total counted), 404 elsewhere;
 *  - the metrics server (--metrics-bind-address): /metrics (metrics.h text), /healthz
 *    ("ok"), /proxyMode, 404 elsewhere;
 *  - one health-check server per healthCheckNodePort (hc_sync), any path.
 * One thread serves all of them: one MHD daemon in external epoll mode, fed by our own
 * listening sockets (accept + MHD_add_connection), so a node with many ETP=Local services
 * costs one socket per port, not a thread each. Public calls come from the daemon thread;
 * the HTTP thread only reads health/metrics/hc state under their locks and never logs.
 */
#ifndef SVCSYNCD_HTTPSERVER_H
#define SVCSYNCD_HTTPSERVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "health.h"
#include "metrics.h"

#define HTTP_HEALTHZ_BIND_DEFAULT	"0.0.0.0:10256"
#define HTTP_HEALTHZ_BIND_DEFAULT6	"[::]:10256"	/* when --bind-address is IPv6 */
#define HTTP_METRICS_BIND_DEFAULT	"127.0.0.1:10249"

/* Log sink: level -2 error, -1 warning, 0 info, N > 0 debug; msg has no newline. */
typedef void (*http_log_fn)(int level, const char *msg, void *data);

struct http_server_config {
	const char *healthz_bind;	/* "IP:PORT", "[IPv6]:PORT", "IP" (:10256); ""=none */
	const char *metrics_bind;	/* same, "IP" means :10249; port 0 = any (tests) */
	struct health *health;		/* required with healthz_bind or health-check servers */
	struct svcsyncd_metrics *metrics; /* required with metrics_bind; counts healthz/livez */
	http_log_fn log;		/* NULL: one line on stderr */
	void *log_data;
};

struct http_server;
struct hc_servers;

/*
 * Parses flag's value as kube-proxy's IPPortVar + AppendPortIfNeeded: "IP:PORT", "[IPv6]:PORT",
 * or a bare IP taking default_port; on error -EINVAL and err names the flag and the value.
 */
int http_parse_bind(const char *flag, const char *value, uint16_t default_port,
		    struct sockaddr_storage *ss, socklen_t *len, char *err, size_t errlen);
/* Binds both servers and starts the HTTP thread; 0 or -errno with err "FLAG VALUE: reason". */
int http_server_start(const struct http_server_config *cfg, struct http_server **out,
		      char *err, size_t errlen);
/* The port the health (metrics=0) or metrics (metrics=1) server is bound to, or -ENOENT. */
int http_server_port(struct http_server *s, int metrics);
/* Stops the thread, closes every socket and frees s, and an hc_servers still on it (NULL ok). */
void http_server_stop(struct http_server *s);

/* One wanted health-check server: a LoadBalancer service with ETP Local. */
struct hc_service {
	const char *ns;
	const char *name;
	uint16_t port;			/* spec.healthCheckNodePort */
	uint32_t local_endpoints;	/* distinct ready local endpoint IPs */
};

/* Health-check servers on s, on node_ips (numeric); n_ips 0 = all. NULL: EINVAL/EBUSY/ENOMEM. */
struct hc_servers *hc_servers_new(struct http_server *s, const char *const *node_ips,
				  size_t n_ips);
/*
 * Makes the servers equal want[]: closes removed ones and ones whose port changed, opens new
 * ones, updates counts in place. A failed bind is logged and retried on the next call (as
 * kube-proxy). Returns how many services could not listen, or -errno (nothing changed).
 */
int hc_sync(struct hc_servers *hc, const struct hc_service *want, size_t n);
/* Closes every health-check server and frees hc (NULL ok); not after http_server_stop(). */
void hc_servers_free(struct hc_servers *hc);

#endif
