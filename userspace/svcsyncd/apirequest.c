// SPDX-License-Identifier: GPL-2.0
/*
 * apirequest.c: one request of a reflector on libcurl: the URL (LIST page
 * or WATCH), TLS and credentials, the body fed to the JSON stream as it
 * arrives, and how it ended.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "apiclient_int.h"
#include "jsonstream.h"
#include "log.h"

static size_t on_body(char *p, size_t size, size_t n, void *data)
{
	struct kube_reflector *r = data;
	struct kube_request *q = &r->req;
	size_t len = size * n;
	json_stream_fn fn;

	q->last_byte_ms = kube_now_ms();
	if (!q->status)
		curl_easy_getinfo(q->easy, CURLINFO_RESPONSE_CODE, &q->status);
	if (q->status != 200) {
		size_t room = sizeof(q->errbody) - 1 - q->errbody_len;

		if (len < room)
			room = len;
		memcpy(q->errbody + q->errbody_len, p, room);
		q->errbody_len += room;
		q->errbody[q->errbody_len] = '\0';
		return len;
	}
	fn = q->kind == KUBE_REQ_LIST ? kube_body_page : kube_body_event;
	if (json_stream_feed(r->stream, p, len, fn, r) < 0) {
		if (!q->stopped) {	/* malformed or oversized, not an event's verdict */
			q->stopped = true;
			q->stop = KUBE_OUT_FAILED;
			snprintf(q->stop_why, sizeof(q->stop_why), "%s",
				 json_stream_error(r->stream));
		}
		return 0;	/* aborts the transfer */
	}
	return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *data)
{
	struct kube_reflector *r = data;
	struct kube_request *q = &r->req;
	size_t len = size * n;
	long status = 0;

	q->last_byte_ms = kube_now_ms();
	/* the empty line after the headers: a watch answered 200 is connected */
	if ((len == 2 && p[0] == '\r' && p[1] == '\n') || (len == 1 && p[0] == '\n')) {
		curl_easy_getinfo(q->easy, CURLINFO_RESPONSE_CODE, &status);
		if (status == 200 && q->kind == KUBE_REQ_WATCH && !r->st.connected) {
			r->st.connected = true;
			svc_log(2, "apiclient: %s: watching from resourceVersion %s", r->path,
				kube_reflector_resource_version(r));
		}
	}
	return len;
}

/* "&name=escaped value" to f */
static int add_param(FILE *f, CURL *easy, const char *name, const char *value)
{
	char *e;

	if (!value)
		return 0;
	e = curl_easy_escape(easy, value, 0);
	if (!e)
		return -ENOMEM;
	fprintf(f, "&%s=%s", name, e);
	curl_free(e);
	return 0;
}

static char *build_url(struct kube_reflector *r, CURL *easy)
{
	struct kube_client *c = r->c;
	char *url = NULL;
	size_t len;
	FILE *f;
	int ret;

	f = open_memstream(&url, &len);
	if (!f)
		return NULL;
	fprintf(f, "%s%s?", c->base, r->path);
	if (r->req.kind == KUBE_REQ_LIST) {
		fprintf(f, "limit=%u", c->o.page_limit);
		ret = add_param(f, easy, "continue", r->list_continue);
	} else {
		uint64_t t = c->o.watch_timeout_s;

		/* client-go's spread, so the watches do not all end together */
		t += kube_client_rand(c) % t;
		fprintf(f, "watch=1&allowWatchBookmarks=true&timeoutSeconds=%llu",
			(unsigned long long)t);
		ret = add_param(f, easy, "resourceVersion", r->rv);
	}
	if (!ret)
		ret = add_param(f, easy, "labelSelector", r->label_selector);
	if (!ret)
		ret = add_param(f, easy, "fieldSelector", r->field_selector);
	if (fclose(f) || ret < 0) {
		free(url);
		return NULL;
	}
	return url;
}

static int set_blob(CURL *easy, CURLoption opt, const struct kube_blob *b)
{
	struct curl_blob blob = { .data = b->data, .len = b->len, .flags = CURL_BLOB_COPY };

	return curl_easy_setopt(easy, opt, &blob) == CURLE_OK ? 0 : -EINVAL;
}

static int set_tls(struct kube_client *c, CURL *easy)
{
	const struct kube_api_config *cfg = &c->cfg;

	if (cfg->insecure) {
		curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
	} else if (cfg->ca.data) {
		/* the cluster's CA only, as client-go: not also the system's */
		if (set_blob(easy, CURLOPT_CAINFO_BLOB, &cfg->ca) < 0)
			return -EINVAL;
		curl_easy_setopt(easy, CURLOPT_CAPATH, NULL);
	}
	if (cfg->cert.data) {
		curl_easy_setopt(easy, CURLOPT_SSLCERTTYPE, "PEM");
		curl_easy_setopt(easy, CURLOPT_SSLKEYTYPE, "PEM");
		if (set_blob(easy, CURLOPT_SSLCERT_BLOB, &cfg->cert) < 0 ||
		    set_blob(easy, CURLOPT_SSLKEY_BLOB, &cfg->key) < 0)
			return -EINVAL;
	}
	if (c->connect_to)
		curl_easy_setopt(easy, CURLOPT_CONNECT_TO, c->connect_to);
	return 0;
}

static struct curl_slist *build_headers(struct kube_client *c)
{
	struct curl_slist *h, *n;
	const char *token = kube_client_token(c, false);
	char *auth;

	h = curl_slist_append(NULL, "Accept: application/json");
	if (!h || !token)
		return h;
	if (asprintf(&auth, "Authorization: Bearer %s", token) < 0) {
		curl_slist_free_all(h);
		return NULL;
	}
	n = curl_slist_append(h, auth);
	explicit_bzero(auth, strlen(auth));
	free(auth);
	if (!n)
		curl_slist_free_all(h);
	return n;
}

static void set_options(struct kube_reflector *r, CURL *easy)
{
	struct kube_client *c = r->c;

	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_USERAGENT, c->user_agent);
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, r->req.headers);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(easy, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, r->req.curl_err);
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, (long)c->o.connect_timeout_ms);
	/* a peer that vanished is noticed even between a watch's events */
	curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(easy, CURLOPT_TCP_KEEPIDLE, 30L);
	curl_easy_setopt(easy, CURLOPT_TCP_KEEPINTVL, 10L);
	if (c->http2) {
		curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
		/* wait for the connection being set up rather than open another */
		curl_easy_setopt(easy, CURLOPT_PIPEWAIT, 1L);
	}
}

int kube_request_start(struct kube_reflector *r)
{
	struct kube_request *q = &r->req;
	struct kube_client *c = r->c;
	CURL *easy;
	char *url;
	int ret = -ENOMEM;

	memset(q, 0, sizeof(*q));
	q->kind = r->need_list ? KUBE_REQ_LIST : KUBE_REQ_WATCH;
	easy = curl_easy_init();
	if (!easy)
		return -ENOMEM;
	url = build_url(r, easy);
	q->headers = build_headers(c);
	if (!url || !q->headers)
		goto fail;
	ret = -EINVAL;
	if (curl_easy_setopt(easy, CURLOPT_URL, url) != CURLE_OK || set_tls(c, easy) < 0)
		goto fail;
	set_options(r, easy);
	if (q->kind == KUBE_REQ_WATCH)
		json_stream_reset(r->stream, c->o.max_event_bytes, true);
	else
		json_stream_reset(r->stream, 0, false);
	q->easy = easy;
	q->started_ms = q->last_byte_ms = kube_now_ms();
	if (curl_multi_add_handle(c->multi, easy) != CURLM_OK) {
		q->easy = NULL;
		goto fail;
	}
	q->first_page = q->kind == KUBE_REQ_LIST && !r->list_continue;
	if (q->kind == KUBE_REQ_LIST) {
		r->st.state = KUBE_REFLECTOR_LISTING;
	} else {
		r->st.state = KUBE_REFLECTOR_WATCHING;
		r->st.watches++;
	}
	svc_log(3, "apiclient: GET %s", url);
	free(url);
	return 0;
fail:
	free(url);
	curl_slist_free_all(q->headers);
	q->headers = NULL;
	curl_easy_cleanup(easy);
	return ret;
}

void kube_request_abort(struct kube_reflector *r)
{
	struct kube_request *q = &r->req;

	if (q->easy) {
		curl_multi_remove_handle(r->c->multi, q->easy);
		curl_easy_cleanup(q->easy);
		q->easy = NULL;
	}
	curl_slist_free_all(q->headers);
	q->headers = NULL;
	r->st.connected = false;
}

/* "HTTP 403: services is forbidden: ..." from a Status body, else its start */
static void http_error(struct kube_request *q, char *buf, size_t len)
{
	struct json_object *st = json_tokener_parse(q->errbody), *m;
	const char *msg = NULL;

	if (st && json_object_object_get_ex(st, "message", &m) &&
	    json_object_is_type(m, json_type_string))
		msg = json_object_get_string(m);
	snprintf(buf, len, "HTTP %ld%s%.200s", q->status, msg || q->errbody_len ? ": " : "",
		 msg ? msg : q->errbody);
	json_object_put(st);
}

static void finish(struct kube_reflector *r, enum kube_outcome out, const char *why)
{
	kube_request_abort(r);
	kube_reflector_next(r, out, why);
}

void kube_request_done(struct kube_reflector *r, CURLcode res)
{
	struct kube_request *q = &r->req;
	enum kube_outcome out = KUBE_OUT_FAILED;
	char why[320] = "";

	if (!q->status)
		curl_easy_getinfo(q->easy, CURLINFO_RESPONSE_CODE, &q->status);
	if (q->stopped) {
		out = q->stop;
		snprintf(why, sizeof(why), "%s", q->stop_why);
	} else if (res != CURLE_OK) {
		snprintf(why, sizeof(why), "%s", q->curl_err[0] ? q->curl_err :
			 curl_easy_strerror(res));
	} else if (q->status == 410) {
		out = KUBE_OUT_GONE;
	} else if (q->status == 404) {
		out = KUBE_OUT_NOT_FOUND;
	} else if (q->status != 200) {
		http_error(q, why, sizeof(why));
		if (q->status == 401)	/* a rotated token: read it again now */
			kube_client_token(r->c, true);
	} else if (json_stream_partial(r->stream)) {
		snprintf(why, sizeof(why), "the response ended inside a JSON value");
	} else if (q->kind == KUBE_REQ_LIST && !q->page_seen) {
		snprintf(why, sizeof(why), "an empty LIST response");
	} else {
		out = KUBE_OUT_DONE;
	}
	finish(r, out, why);
}

void kube_request_silent(struct kube_reflector *r)
{
	char why[64];

	snprintf(why, sizeof(why), "no byte for %.1f s", r->c->o.silence_ms / 1000.0);
	finish(r, KUBE_OUT_FAILED, why);
}
