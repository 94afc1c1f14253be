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

/* services are kept sorted by namespace/name, wants are sorted the same way */
static int cmp_nsn(const char *ns1, const char *n1, const char *ns2, const char *n2)
{
	int c = strcmp(ns1, ns2);

	return c ? c : strcmp(n1, n2);
}

static int cmp_want(const void *a, const void *b)
{
	const struct hc_service *x = *(const struct hc_service *const *)a;
	const struct hc_service *y = *(const struct hc_service *const *)b;
	int c = cmp_nsn(x->ns, x->name, y->ns, y->name);

	/* among duplicates the first in want[] comes first, and wins */
	return c ? c : (x > y) - (x < y);
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

/* under s->lock: room for the listeners of n more services, so that adding them cannot
 * fail for memory */
static int reserve(struct hc_servers *hc, size_t n)
{
	struct http_server *s = hc->srv;
	size_t want_lst = s->n_lst + n * hc->n_ips;
	struct listener *l;

	if (want_lst <= s->cap_lst)
		return 0;
	l = realloc(s->lst, want_lst * sizeof(*l));
	if (!l)
		return -ENOMEM;
	s->lst = l;
	s->cap_lst = want_lst;
	return 0;
}

/* under s->lock: a new service v, in place; 0 or -errno (v then freed) */
static int hc_add(struct hc_servers *hc, struct hc_svc *v, const struct hc_service *w)
{
	int err;

	v->ns = strdup(w->ns);
	v->name = strdup(w->name);
	v->port = w->port;
	v->n = w->local_endpoints;
	err = v->ns && v->name ? hc_open(hc, w) : -ENOMEM;
	if (err) {
		http_log(hc->srv, -2, "failed to start healthcheck %s/%s on port %u: %s", w->ns,
			 w->name, w->port, strerror(-err));
		free(v->ns);
		free(v->name);
		return err;
	}
	http_log(hc->srv, 2, "opening healthcheck %s/%s port %u", w->ns, w->name, w->port);
	return 0;
}

int hc_sync(struct hc_servers *hc, const struct hc_service *want, size_t n)
{
	const struct hc_service **sorted = NULL;
	struct hc_svc *out = NULL;
	uint8_t *closing = NULL;
	struct http_server *s;
	size_t i, j, k, nout = 0, nsorted = 0;
	int failed = 0;

	if (!hc || (n && !want))
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (!want[i].ns || !want[i].name)
			return -EINVAL;
	sorted = calloc(n ? n : 1, sizeof(*sorted));
	closing = calloc(65536 / 8, 1);
	if (!sorted || !closing)
		goto nomem;
	for (i = 0; i < n; i++)
		sorted[i] = &want[i];
	qsort(sorted, n, sizeof(*sorted), cmp_want);
	for (i = 0; i < n; i++)		/* drop duplicates: the first wins */
		if (!nsorted || cmp_nsn(sorted[nsorted - 1]->ns, sorted[nsorted - 1]->name,
					sorted[i]->ns, sorted[i]->name))
			sorted[nsorted++] = sorted[i];

	s = hc->srv;
	pthread_mutex_lock(&s->lock);
	out = calloc(hc->n_svcs + nsorted + 1, sizeof(*out));
	if (!out || reserve(hc, nsorted)) {
		pthread_mutex_unlock(&s->lock);
		goto nomem;
	}
	/* first close what is not wanted any more, or wanted on another port (kube-proxy's
	 * order: a port can move from one service to another in one sync) */
	for (i = 0, j = 0, k = 0; i < hc->n_svcs; i++) {
		struct hc_svc *v = &hc->svcs[i];
		int c = 1;

		while (j < nsorted &&
		       (c = cmp_nsn(sorted[j]->ns, sorted[j]->name, v->ns, v->name)) < 0)
			j++;
		if (j < nsorted && !c && sorted[j]->port == v->port) {
			hc->svcs[k++] = *v;
			continue;
		}
		http_log(s, 2, "closing healthcheck %s/%s port %u", v->ns, v->name, v->port);
		closing[v->port / 8] |= (uint8_t)(1u << (v->port % 8));
		free(v->ns);
		free(v->name);
	}
	hc->n_svcs = k;
	http_close_ports(s, ROLE_HC, closing);
	/* then merge: update the counts of the others, open the new ones */
	for (i = 0, j = 0; j < nsorted; j++) {
		const struct hc_service *w = sorted[j];
		int c = -1;

		while (i < hc->n_svcs &&
		       (c = cmp_nsn(hc->svcs[i].ns, hc->svcs[i].name, w->ns, w->name)) < 0)
			out[nout++] = hc->svcs[i++];
		if (i < hc->n_svcs && !c) {
			hc->svcs[i].n = w->local_endpoints;
			out[nout++] = hc->svcs[i++];
			continue;
		}
		if (hc_add(hc, &out[nout], w))
			failed++;
		else
			nout++;
	}
	while (i < hc->n_svcs)
		out[nout++] = hc->svcs[i++];
	free(hc->svcs);
	hc->svcs = out;
	hc->n_svcs = nout;
	pthread_mutex_unlock(&s->lock);
	http_wake(s);
	free(sorted);
	free(closing);
	return failed;
nomem:
	free(out);
	free(sorted);
	free(closing);
	return -ENOMEM;
}

void hc_servers_free(struct hc_servers *hc)
{
	struct http_server *s;

	if (!hc)
		return;
	s = hc->srv;
	pthread_mutex_lock(&s->lock);
	http_close_ports(s, ROLE_HC, NULL);	/* every health-check listener is ours */
	for (size_t i = 0; i < hc->n_svcs; i++) {
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
