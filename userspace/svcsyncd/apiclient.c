// SPDX-License-Identifier: GPL-2.0
/*
 * apiclient.c: the client and its reflectors' state machine (see
 * apiclient.h). Each reflector has at most one request in flight: a LIST
 * page or a WATCH. Bodies are decoded as they arrive (apibody.c); what a
 * finished request means (next page, watch, relist, retry) is decided here,
 * outside libcurl's callbacks.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>

#include "apiclient.h"
#include "apiclient_int.h"
#include "jsonstream.h"
#include "kubeconfig.h"
#include "log.h"

#ifndef SVCVIP_VERSION_STRING
#define SVCVIP_VERSION_STRING "unknown"
#endif

void kube_client_opts_default(struct kube_client_opts *o)
{
	*o = (struct kube_client_opts){
		.page_limit = 500,
		.watch_timeout_s = 300,
		.silence_ms = 120000,
		.backoff_initial_ms = 500,
		.backoff_max_ms = 30000,
		.healthy_ms = 60000,
		.not_found_retry_ms = 300000,
		.token_reread_ms = 60000,
		.connect_timeout_ms = 10000,
		.max_event_bytes = 16u << 20,
	};
}

int64_t kube_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* xorshift64*: jitter needs no quality, only no shared state */
uint64_t kube_client_rand(struct kube_client *c)
{
	c->rng ^= c->rng >> 12;
	c->rng ^= c->rng << 25;
	c->rng ^= c->rng >> 27;
	return c->rng * 2685821657736338717ull;
}

static int set_err(char *err, size_t errlen, const char *msg)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
	return 0;
}

static int blob_dup(struct kube_blob *dst, const struct kube_blob *src)
{
	if (!src->data)
		return 0;
	dst->data = malloc(src->len);
	if (!dst->data)
		return -ENOMEM;
	memcpy(dst->data, src->data, src->len);
	dst->len = src->len;
	return 0;
}

static int str_dup(char **dst, const char *src)
{
	if (!src)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : -ENOMEM;
}

static int copy_config(struct kube_api_config *d, const struct kube_api_config *s)
{
	memset(d, 0, sizeof(*d));
	d->insecure = s->insecure;
	if (str_dup(&d->server, s->server) || str_dup(&d->tls_server_name, s->tls_server_name) ||
	    str_dup(&d->token, s->token) || str_dup(&d->token_file, s->token_file) ||
	    str_dup(&d->source, s->source) || blob_dup(&d->ca, &s->ca) ||
	    blob_dup(&d->cert, &s->cert) || blob_dup(&d->key, &s->key))
		return -ENOMEM;
	return 0;
}

/*
 * tls-server-name: the URL names that host (so TLS sends and verifies it)
 * and CURLOPT_CONNECT_TO sends the connection to the server's real host.
 */
static int tls_server_name(struct kube_client *c, char *err, size_t errlen)
{
	char *host = NULL, *port = NULL, *url = NULL, *spec = NULL;
	CURLU *u = curl_url();
	int ret = -EINVAL;

	if (!u)
		return -ENOMEM;
	if (curl_url_set(u, CURLUPART_URL, c->cfg.server, 0) ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) ||
	    curl_url_set(u, CURLUPART_HOST, c->cfg.tls_server_name, 0) ||
	    curl_url_get(u, CURLUPART_URL, &url, 0)) {
		snprintf(err, errlen, "server %s with tls-server-name %s: not a URL",
			 c->cfg.server, c->cfg.tls_server_name);
		goto out;
	}
	ret = -ENOMEM;
	if (asprintf(&spec, "%s:%s:%s:%s", c->cfg.tls_server_name, port, host, port) < 0) {
		spec = NULL;
		goto out;
	}
	c->connect_to = curl_slist_append(NULL, spec);
	if (!c->connect_to)
		goto out;
	free(c->base);
	c->base = strdup(url);
	if (!c->base)
		goto out;
	/* the URL API adds a '/' path */
	if (c->base[0] && c->base[strlen(c->base) - 1] == '/')
		c->base[strlen(c->base) - 1] = '\0';
	ret = 0;
out:
	free(spec);
	curl_free(host);
	curl_free(port);
	curl_free(url);
	curl_url_cleanup(u);
	return ret;
}

struct kube_client *kube_client_new(const struct kube_api_config *cfg,
				    const struct kube_client_opts *opts, char *err, size_t errlen)
{
	struct kube_client *c;
	curl_version_info_data *v;

	c = calloc(1, sizeof(*c));
	if (!c) {
		set_err(err, errlen, "out of memory");
		return NULL;
	}
	/* reference-counted; kube_client_free() releases it */
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (opts)
		c->o = *opts;
	else
		kube_client_opts_default(&c->o);
	if (!c->o.backoff_initial_ms)
		c->o.backoff_initial_ms = 1;
	if (c->o.backoff_max_ms < c->o.backoff_initial_ms)
		c->o.backoff_max_ms = c->o.backoff_initial_ms;
	if (!c->o.page_limit)
		c->o.page_limit = 500;
	if (!c->o.watch_timeout_s)
		c->o.watch_timeout_s = 1;
	c->rng = ((uint64_t)kube_now_ms() * 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid() << 32) | 1;
	if (copy_config(&c->cfg, cfg) < 0 || !c->cfg.server) {
		set_err(err, errlen, c->cfg.server ? "out of memory" : "no API server");
		goto fail;
	}
	c->base = strdup(c->cfg.server);
	if (!c->base) {
		set_err(err, errlen, "out of memory");
		goto fail;
	}
	if (c->cfg.tls_server_name && tls_server_name(c, err, errlen) < 0)
		goto fail;
	c->multi = curl_multi_init();
	if (!c->multi) {
		set_err(err, errlen, "curl_multi_init failed");
		goto fail;
	}
	/* the watches share one HTTP/2 connection when the server speaks it */
	curl_multi_setopt(c->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
	snprintf(c->user_agent, sizeof(c->user_agent), "svcsyncd/%s", SVCVIP_VERSION_STRING);
	v = curl_version_info(CURLVERSION_NOW);
	c->http2 = v && (v->features & CURL_VERSION_HTTP2);
	if (c->cfg.token_file && !kube_client_token(c, true))
		svc_log(SVC_LOG_WARN, "apiclient: no token yet: %s", c->last_token_error);
	svc_log(1, "apiclient: API server %s (%s)%s", c->cfg.server,
		c->cfg.source ? c->cfg.source : "", c->http2 ? ", HTTP/2" : "");
	return c;
fail:
	kube_client_free(c);
	return NULL;
}

/* The bearer token: the file's (re-read when due or forced: rotation, 401), else the static one */
const char *kube_client_token(struct kube_client *c, bool force)
{
	int64_t now = kube_now_ms();
	char *t = NULL;

	if (!c->cfg.token_file)
		return c->cfg.token;
	if (c->token && !force && now - c->token_read_ms < (int64_t)c->o.token_reread_ms)
		return c->token;
	if (kube_token_read(c->cfg.token_file, &t, c->last_token_error,
			    sizeof(c->last_token_error)) < 0) {
		if (c->token || c->cfg.token)
			svc_log(SVC_LOG_WARN, "apiclient: %s; the last token is kept",
				c->last_token_error);
		/* retry at the next request, not a minute later */
		return c->token ? c->token : c->cfg.token;
	}
	c->token_read_ms = now;
	if (c->token && strcmp(c->token, t))
		svc_log(1, "apiclient: token %s changed", c->cfg.token_file);
	if (c->token) {
		explicit_bzero(c->token, strlen(c->token));
		free(c->token);
	}
	c->token = t;
	return c->token;
}

struct kube_reflector *kube_reflector_add(struct kube_client *c, const char *path,
					  const char *label_selector, const char *field_selector,
					  const struct kube_reflector_ops *ops, void *data)
{
	struct kube_reflector *r, **tail;

	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->c = c;
	r->ops = *ops;
	r->data = data;
	r->stream = json_stream_new();
	if (!r->stream || str_dup(&r->path, path) || str_dup(&r->label_selector, label_selector) ||
	    str_dup(&r->field_selector, field_selector)) {
		kube_reflector_free(r);
		return NULL;
	}
	r->need_list = true;
	r->next_ms = kube_now_ms();
	for (tail = &c->reflectors; *tail; tail = &(*tail)->next)
		;
	*tail = r;
	return r;
}

void kube_reflector_free(struct kube_reflector *r)
{
	kube_request_abort(r);
	json_stream_free(r->stream);
	free(r->path);
	free(r->label_selector);
	free(r->field_selector);
	free(r->rv);
	free(r->list_rv);
	free(r->list_continue);
	free(r);
}

bool kube_reflector_synced(const struct kube_reflector *r)
{
	return r->st.synced;
}

const struct kube_reflector_stats *kube_reflector_stats(const struct kube_reflector *r)
{
	return &r->st;
}

const char *kube_reflector_resource_version(const struct kube_reflector *r)
{
	return r->rv ? r->rv : "";
}

const char *kube_reflector_path(const struct kube_reflector *r)
{
	return r->path;
}

int kube_set_str(char **dst, const char *v)
{
	char *n = NULL;

	if (v) {
		n = strdup(v);
		if (!n)
			return -ENOMEM;
	}
	free(*dst);
	*dst = n;
	return 0;
}

/* 0.5 s, 1 s, 2 s ... up to the maximum, each jittered to [d/2, d) */
static int64_t backoff_ms(struct kube_reflector *r)
{
	struct kube_client *c = r->c;
	uint64_t d = c->o.backoff_initial_ms;
	unsigned int i;

	for (i = 1; i < r->st.failures && d < c->o.backoff_max_ms; i++)
		d *= 2;
	if (d > c->o.backoff_max_ms)
		d = c->o.backoff_max_ms;
	return (int64_t)(d / 2 + kube_client_rand(c) % (d - d / 2 ? d - d / 2 : 1));
}

void kube_reflector_failed(struct kube_reflector *r, const char *what, const char *why)
{
	struct kube_request *q = &r->req;
	int64_t now = kube_now_ms(), delay;

	/* a watch that was healthy for a while starts the backoff over */
	if (q->status == 200 && now - q->started_ms >= (int64_t)r->c->o.healthy_ms)
		r->st.failures = 0;
	r->st.failures++;
	r->st.errors++;
	delay = backoff_ms(r);
	r->next_ms = now + delay;
	r->st.state = KUBE_REFLECTOR_BACKOFF;
	snprintf(r->st.last_error, sizeof(r->st.last_error), "%s: %s", what, why);
	svc_log(SVC_LOG_WARN, "apiclient: %s: %s: %s; retry in %.3g s", r->path, what, why,
		delay / 1000.0);
}

/* Decides what comes after a request that ended (see kube_request_done()) */
void kube_reflector_next(struct kube_reflector *r, enum kube_outcome out, const char *why)
{
	struct kube_request *q = &r->req;
	const char *what = q->kind == KUBE_REQ_LIST ? "LIST" : "watch";
	int64_t now = kube_now_ms();

	switch (out) {
	case KUBE_OUT_DONE:
		if (q->kind == KUBE_REQ_LIST && r->list_continue) {
			r->next_ms = now;	/* the next page, at once */
			break;
		}
		if (q->kind == KUBE_REQ_LIST) {
			kube_set_str(&r->rv, r->list_rv);
			r->need_list = false;
			r->list_open = false;
			r->st.lists++;
			r->st.synced = true;
			r->st.failures = 0;
			svc_log(1, "apiclient: %s: listed at resourceVersion %s", r->path,
				kube_reflector_resource_version(r));
			if (r->ops.list_end)
				r->ops.list_end(r->data);
			r->next_ms = now;
			break;
		}
		/* a watch the server ended (timeoutSeconds): again, at once unless it was brief */
		if (now - q->started_ms < (int64_t)r->c->o.backoff_initial_ms) {
			kube_reflector_failed(r, what, "ended at once");
			return;
		}
		if (now - q->started_ms >= (int64_t)r->c->o.healthy_ms)
			r->st.failures = 0;
		svc_log(2, "apiclient: %s: watch ended, resuming from %s", r->path,
			kube_reflector_resource_version(r));
		r->next_ms = now;
		break;
	case KUBE_OUT_GONE:
		/* 410: our resourceVersion is too old; relist, the daemon converges */
		if (q->kind == KUBE_REQ_LIST)
			svc_log(SVC_LOG_INFO, "apiclient: %s: LIST: continue token expired (410), "
				"listing again", r->path);
		else
			svc_log(SVC_LOG_INFO,
				"apiclient: %s: watch: resourceVersion %s gone (410), relisting",
				r->path, kube_reflector_resource_version(r));
		r->need_list = true;
		kube_set_str(&r->list_continue, NULL);
		r->next_ms = now;
		break;
	case KUBE_OUT_NOT_FOUND:
		if (r->st.state != KUBE_REFLECTOR_NOT_FOUND)
			svc_log(SVC_LOG_WARN, "apiclient: %s: not served by the API server (404); "
				"asking again every %.3g s", r->path,
				r->c->o.not_found_retry_ms / 1000.0);
		snprintf(r->st.last_error, sizeof(r->st.last_error), "%s: HTTP 404", what);
		r->st.state = KUBE_REFLECTOR_NOT_FOUND;
		r->need_list = true;
		kube_set_str(&r->list_continue, NULL);
		r->next_ms = now + r->c->o.not_found_retry_ms;
		return;
	case KUBE_OUT_FAILED:
		if (q->kind == KUBE_REQ_LIST)	/* a list restarts from its first page */
			kube_set_str(&r->list_continue, NULL);
		kube_reflector_failed(r, what, why);
		return;
	}
	r->st.state = KUBE_REFLECTOR_IDLE;
}

static void start_due(struct kube_client *c, int64_t now)
{
	struct kube_reflector *r;

	for (r = c->reflectors; r; r = r->next) {
		if (r->req.easy || r->next_ms > now)
			continue;
		if (kube_request_start(r) < 0) {
			/* out of memory or a curl setup error: try again later */
			kube_reflector_failed(r, r->need_list ? "LIST" : "watch",
					      "cannot start the request");
		}
	}
}

/* Milliseconds until the client's next own deadline (a retry, a silence limit) */
static int64_t next_deadline(struct kube_client *c, int64_t now, int64_t limit)
{
	struct kube_reflector *r;
	int64_t t, d = limit;

	for (r = c->reflectors; r; r = r->next) {
		t = r->req.easy ? r->req.last_byte_ms + c->o.silence_ms : r->next_ms;
		if (t - now < d)
			d = t - now;
	}
	return d < 0 ? 0 : d;
}

int kube_client_run(struct kube_client *c, struct curl_waitfd *extra, unsigned int nextra,
		    int timeout_ms)
{
	int64_t now = kube_now_ms(), wait;
	struct kube_reflector *r;
	CURLMcode mc;
	CURLMsg *m;
	int running, left;

	start_due(c, now);
	wait = next_deadline(c, now, timeout_ms < 0 ? 3600 * 1000 : timeout_ms);
	mc = curl_multi_poll(c->multi, extra, nextra, (int)wait, NULL);
	if (mc != CURLM_OK) {
		svc_log(SVC_LOG_ERR, "apiclient: curl_multi_poll: %s", curl_multi_strerror(mc));
		return -EIO;
	}
	mc = curl_multi_perform(c->multi, &running);
	if (mc != CURLM_OK) {
		svc_log(SVC_LOG_ERR, "apiclient: curl_multi_perform: %s",
			curl_multi_strerror(mc));
		return -EIO;
	}
	while ((m = curl_multi_info_read(c->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		for (r = c->reflectors; r && r->req.easy != m->easy_handle; r = r->next)
			;
		if (r)
			kube_request_done(r, m->data.result);
	}
	now = kube_now_ms();
	for (r = c->reflectors; r; r = r->next) {
		if (r->req.easy && now - r->req.last_byte_ms >= (int64_t)c->o.silence_ms)
			kube_request_silent(r);
	}
	start_due(c, now);
	return 0;
}

int kube_client_wakeup(struct kube_client *c)
{
	return curl_multi_wakeup(c->multi) == CURLM_OK ? 0 : -EIO;
}

void kube_client_free(struct kube_client *c)
{
	struct kube_reflector *r;

	if (!c)
		return;
	while ((r = c->reflectors)) {
		c->reflectors = r->next;
		kube_reflector_free(r);
	}
	if (c->multi)
		curl_multi_cleanup(c->multi);
	curl_slist_free_all(c->connect_to);
	free(c->base);
	if (c->token) {
		explicit_bzero(c->token, strlen(c->token));
		free(c->token);
	}
	kube_api_config_free(&c->cfg);
	free(c);
	curl_global_cleanup();
}
