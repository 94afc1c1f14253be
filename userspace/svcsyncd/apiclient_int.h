/* SPDX-License-Identifier: GPL-2.0 */
/*
 * apiclient_int.h: what apiclient.c (client, reflector state machine),
 * apirequest.c (one libcurl request) and apibody.c (LIST pages and watch
 * events to the ops) share. Not for the daemon: it uses apiclient.h.
 */
#ifndef SVCSYNCD_APICLIENT_INT_H
#define SVCSYNCD_APICLIENT_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <curl/curl.h>

#include "apiclient.h"
#include "kubeconfig.h"

struct json_object;
struct json_stream;

enum kube_req_kind {
	KUBE_REQ_LIST,
	KUBE_REQ_WATCH,
};

/* How a request ended, for kube_reflector_next() */
enum kube_outcome {
	KUBE_OUT_DONE,		/* 200 and a complete body */
	KUBE_OUT_GONE,		/* 410: relist */
	KUBE_OUT_NOT_FOUND,	/* 404: the resource is not served */
	KUBE_OUT_FAILED,	/* anything else: retry with backoff */
};

struct kube_request {
	CURL *easy;		/* NULL: no request in flight */
	struct curl_slist *headers;
	enum kube_req_kind kind;
	long status;		/* HTTP status, 0 until known */
	int64_t started_ms;
	int64_t last_byte_ms;	/* header or body; the silence limit counts from here */
	bool first_page;	/* LIST without a continue token */
	bool page_seen;		/* LIST: the page's value has arrived */
	bool stopped;		/* the body decoder stopped the transfer: */
	enum kube_outcome stop;	/* with this outcome */
	char stop_why[256];
	char errbody[1024];	/* the start of a non-200 body (a Status) */
	size_t errbody_len;
	char curl_err[CURL_ERROR_SIZE];
};

struct kube_reflector {
	struct kube_client *c;
	struct kube_reflector *next;
	char *path;
	char *label_selector;
	char *field_selector;
	struct kube_reflector_ops ops;
	void *data;
	struct kube_reflector_stats st;
	char *rv;		/* the last resourceVersion: a watch resumes here */
	char *list_rv;		/* the LIST in progress's */
	char *list_continue;	/* the next page's token, NULL: the first page */
	bool need_list;		/* next request is a LIST (start, 410, 404) */
	bool list_open;		/* list_begin called, list_end not yet */
	int64_t next_ms;	/* no request before this (backoff) */
	struct kube_request req;
	struct json_stream *stream;
};

struct kube_client {
	CURLM *multi;
	struct kube_api_config cfg;	/* a copy */
	struct kube_client_opts o;
	char *base;			/* URL before the path (tls-server-name applied) */
	struct curl_slist *connect_to;	/* tls-server-name: where to really connect */
	char *token;			/* read from cfg.token_file */
	int64_t token_read_ms;
	char last_token_error[256];
	char user_agent[64];
	bool http2;
	uint64_t rng;
	struct kube_reflector *reflectors;
};

int64_t kube_now_ms(void);
uint64_t kube_client_rand(struct kube_client *c);
int kube_set_str(char **dst, const char *v);
const char *kube_client_token(struct kube_client *c, bool force);
void kube_reflector_free(struct kube_reflector *r);
void kube_reflector_failed(struct kube_reflector *r, const char *what, const char *why);
void kube_reflector_next(struct kube_reflector *r, enum kube_outcome out, const char *why);

/* apirequest.c */
int kube_request_start(struct kube_reflector *r);
void kube_request_done(struct kube_reflector *r, CURLcode res);
void kube_request_silent(struct kube_reflector *r);
void kube_request_abort(struct kube_reflector *r);

/* apibody.c: json_stream_fn's for a LIST page and for watch events (data: the reflector) */
int kube_body_page(struct json_object *page, void *data);
int kube_body_event(struct json_object *ev, void *data);

#endif
