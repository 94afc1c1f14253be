// SPDX-License-Identifier: GPL-2.0
/*
 * hcserver: kube-proxy's ServiceHealthServer (pkg/proxy/healthcheck/service_health.go):
 * one listener per healthCheckNodePort and node IP, opened, closed and updated by hc_sync
 * under the server's lock; httpserver.c answers their requests.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "httpserver_int.h"

struct hc_servers *hc_servers_new(struct http_server *s, const char *const *node_ips,
				  size_t n_ips)
{
	struct hc_servers *hc;
	size_t n = n_ips ? n_ips : 1;

	if (!s || !s->cfg.health || (n_ips && !node_ips)) {
		errno = EINVAL;
		return NULL;
	}
	hc = calloc(1, sizeof(*hc));
	if (!hc)
		return NULL;
	hc->srv = s;
	hc->ips = calloc(n, sizeof(*hc->ips));
	hc->ip_len = calloc(n, sizeof(*hc->ip_len));
	if (!hc->ips || !hc->ip_len)
		goto fail;
	for (size_t i = 0; i < n_ips; i++) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&hc->ips[i];
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&hc->ips[i];

		if (node_ips[i] && inet_pton(AF_INET, node_ips[i], &sin->sin_addr) == 1) {
			sin->sin_family = AF_INET;
			hc->ip_len[i] = sizeof(*sin);
		} else if (node_ips[i] && inet_pton(AF_INET6, node_ips[i], &sin6->sin6_addr) == 1) {
			sin6->sin6_family = AF_INET6;
			hc->ip_len[i] = sizeof(*sin6);
		} else {
			errno = EINVAL;
			goto fail;
		}
	}
	if (!n_ips) {
		/* kube-proxy listens on 0.0.0.0, which Go makes dual-stack: http_listen too */
		hc->ips[0].ss_family = AF_INET;
		hc->ip_len[0] = sizeof(struct sockaddr_in);
	}
	hc->n_ips = n;
	pthread_mutex_lock(&s->lock);
	if (s->hc) {
		pthread_mutex_unlock(&s->lock);
		errno = EBUSY;
		goto fail;
	}
	s->hc = hc;
	pthread_mutex_unlock(&s->lock);
	return hc;
fail:
	free(hc->ips);
	free(hc->ip_len);
	free(hc);
	return NULL;
}

static const struct hc_service *find_want(const struct hc_service *want, size_t n,
					  const char *ns, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(want[i].ns, ns) && !strcmp(want[i].name, name))
			return &want[i];
	return NULL;
}

/* under s->lock: opens every node IP's listener for v, or none */
static int hc_open(struct hc_servers *hc, const struct hc_service *w)
{
	struct http_server *s = hc->srv;
	int fds[64];
	size_t nfd = 0;
	int err = 0;

	if (hc->n_ips > sizeof(fds) / sizeof(fds[0]))
		return -E2BIG;
	for (size_t i = 0; i < hc->n_ips; i++) {
		struct sockaddr_storage ss = hc->ips[i];

		if (ss.ss_family == AF_INET)
			((struct sockaddr_in *)&ss)->sin_port = htons(w->port);
		else
			((struct sockaddr_in6 *)&ss)->sin6_port = htons(w->port);
		fds[nfd] = http_listen(&ss, hc->ip_len[i]);
		if (fds[nfd] < 0) {
			err = fds[nfd];
			break;
		}
		nfd++;
	}
	for (size_t i = 0; i < nfd; i++) {
		/* capacity was reserved by hc_sync: this cannot fail for memory */
		if (err || http_add_listener(s, fds[i], ROLE_HC) < 0) {
			err = err ? err : -ENOMEM;
			close(fds[i]);
		}
	}
	return err;
}

static int reserve(struct hc_servers *hc, size_t n)
{
	struct http_server *s = hc->srv;
	size_t want_lst = s->n_lst + n * hc->n_ips;
	struct hc_svc *v;

	if (want_lst > s->cap_lst) {
		struct listener *l = realloc(s->lst, want_lst * sizeof(*l));

		if (!l)
			return -ENOMEM;
		s->lst = l;
		s->cap_lst = want_lst;
	}
	v = realloc(hc->svcs, (hc->n_svcs + n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	hc->svcs = v;
	return 0;
}

int hc_sync(struct hc_servers *hc, const struct hc_service *want, size_t n)
{
	struct http_server *s;
	int failed = 0;
	size_t j = 0;

	if (!hc || (n && !want))
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!want[i].ns || !want[i].name)
			return -EINVAL;
	s = hc->srv;
	pthread_mutex_lock(&s->lock);
	if (reserve(hc, n)) {
		pthread_mutex_unlock(&s->lock);
		return -ENOMEM;
	}
	/* remove the ones not wanted any more, or wanted on another port */
	for (size_t i = 0; i < hc->n_svcs; i++) {
		struct hc_svc *v = &hc->svcs[i];
		const struct hc_service *w = find_want(want, n, v->ns, v->name);

		if (w && w->port == v->port) {
			hc->svcs[j++] = *v;
			continue;
		}
		http_log(s, 2, "closing healthcheck %s/%s port %u", v->ns, v->name, v->port);
		http_close_listeners(s, ROLE_HC, v->port);
		free(v->ns);
		free(v->name);
	}
	hc->n_svcs = j;
	/* add the new ones, update the counts of the others */
	for (size_t i = 0; i < n; i++) {
		const struct hc_service *w = &want[i];
		struct hc_svc *v = NULL;
		int err;

		if (find_want(want, i, w->ns, w->name) != NULL)
			continue;	/* the first of duplicates wins */
		for (size_t k = 0; k < hc->n_svcs && !v; k++)
			if (!strcmp(hc->svcs[k].ns, w->ns) && !strcmp(hc->svcs[k].name, w->name))
				v = &hc->svcs[k];
		if (v) {
			v->n = w->local_endpoints;
			continue;
		}
		v = &hc->svcs[hc->n_svcs];
		v->ns = strdup(w->ns);
		v->name = strdup(w->name);
		v->port = w->port;
		v->n = w->local_endpoints;
		err = v->ns && v->name ? hc_open(hc, w) : -ENOMEM;
		if (err) {
			http_log(s, -2, "failed to start healthcheck %s/%s on port %u: %s", w->ns,
			      w->name, w->port, strerror(-err));
			free(v->ns);
			free(v->name);
			failed++;
			continue;
		}
		http_log(s, 2, "opening healthcheck %s/%s port %u", w->ns, w->name, w->port);
		hc->n_svcs++;
	}
	pthread_mutex_unlock(&s->lock);
	http_wake(s);
	return failed;
}

void hc_servers_free(struct hc_servers *hc)
{
	struct http_server *s;

	if (!hc)
		return;
	s = hc->srv;
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < hc->n_svcs; i++) {
		http_close_listeners(s, ROLE_HC, hc->svcs[i].port);
		free(hc->svcs[i].ns);
		free(hc->svcs[i].name);
	}
	s->hc = NULL;
	pthread_mutex_unlock(&s->lock);
	http_wake(s);
	free(hc->svcs);
	free(hc->ips);
	free(hc->ip_len);
	free(hc);
}
