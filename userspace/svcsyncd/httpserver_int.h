/* SPDX-License-Identifier: GPL-2.0 */
/*
 * httpserver_int: what httpserver.c, httpaddr.c and hcserver.c share; not for the daemon.
 */
#ifndef SVCSYNCD_HTTPSERVER_INT_H
#define SVCSYNCD_HTTPSERVER_INT_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>

#include "httpserver.h"

enum role { ROLE_HEALTHZ, ROLE_METRICS, ROLE_HC };

/* a socket's local address, an IPv4-mapped IPv6 address as IPv4 */
struct endpoint {
	int family;
	uint8_t addr[16];
	uint16_t port;
	bool any;
};

struct listener {
	int fd;
	uint16_t port;
	struct endpoint ep;
	enum role role;
};

struct hc_svc {
	char *ns, *name;
	uint16_t port;
	uint32_t n;
};

struct hc_servers {
	struct http_server *srv;
	struct sockaddr_storage *ips;	/* port 0; the wildcard when none were given */
	socklen_t *ip_len;
	size_t n_ips;
	struct hc_svc *svcs;
	size_t n_svcs;
};

struct http_server {
	struct http_server_config cfg;
	pthread_mutex_t lock;
	pthread_t thread;
	bool started, stop;
	int efd;			/* wakes the HTTP thread */
	struct MHD_Daemon *mhd;
	int mhd_fd;			/* MHD's epoll fd */
	struct listener *lst;
	size_t n_lst, cap_lst;
	uint64_t gen;			/* bumped whenever a listener is closed or added */
	int port[2];			/* healthz, metrics; -ENOENT when off */
	struct hc_servers *hc;
};

/* Logs one line through cfg.log (daemon thread only). */
void http_log(struct http_server *s, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A listening socket on ss (a wildcard takes both families, as Go's); fd or -errno. */
int http_listen(const struct sockaddr_storage *ss, socklen_t len);
/* fd's local address; its port or -errno. */
int http_local_endpoint(int fd, struct endpoint *ep);
/* Does a connection to c belong to the listener l? */
bool http_endpoint_match(const struct endpoint *l, const struct endpoint *c);
/* Under s->lock: serves fd for role from now on; port or -errno (fd left open). */
int http_add_listener(struct http_server *s, int fd, enum role role);
/* Under s->lock: closes every listener of role whose port is set in ports[65536 / 8]
 * (NULL: all of them), in one pass over the table. */
void http_close_ports(struct http_server *s, enum role role, const uint8_t *ports);
/* Makes the HTTP thread poll the new listener set. */
void http_wake(struct http_server *s);

#endif
