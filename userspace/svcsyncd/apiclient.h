/* SPDX-License-Identifier: GPL-2.0 */
/*
 * apiclient.h: a single-threaded Kubernetes API client on libcurl's multi
 * interface. Each reflector keeps one resource in step with the server the
 * way client-go's reflector does: a paginated LIST, then a WATCH from the
 * list's resourceVersion (bookmarks on, a randomised timeoutSeconds),
 * reconnected from the last resourceVersion after an error with jittered
 * exponential backoff, relisted after 410 Gone. The daemon drives it from
 * its loop with kube_client_run(), which calls the reflectors' ops.
 *
 * Threading: everything runs in the thread that calls kube_client_run();
 * only kube_client_wakeup() may be called from another thread. The ops are
 * called from inside kube_client_run() and must not call kube_client_run(),
 * kube_reflector_add() or kube_client_free() (reading stats is fine).
 */
#ifndef SVCSYNCD_APICLIENT_H
#define SVCSYNCD_APICLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <curl/curl.h>

struct json_object;
struct kube_api_config;
struct kube_client;
struct kube_reflector;

/*
 * obj is borrowed: valid only during the call (json_object_get() it to keep
 * it). It is always a JSON object; its shape is not checked beyond that.
 */
struct kube_reflector_ops {
	/*
	 * A LIST's first page has arrived (the first LIST, a relist after 410,
	 * or a retry of a LIST that failed after its first page); its items follow.
	 */
	void (*list_begin)(void *data);
	/* a LIST item, or a watch ADDED/MODIFIED event */
	void (*upsert)(void *data, struct json_object *obj);
	/* a watch DELETED event (obj: the object's last state) */
	void (*remove)(void *data, struct json_object *obj);
	/*
	 * The LIST is complete: objects not upserted since the last list_begin
	 * are gone. A LIST that fails after its first page is retried from the
	 * start with another list_begin (no list_end in between); what it
	 * upserted stays upserted.
	 */
	void (*list_end)(void *data);
};

struct kube_client_opts {
	unsigned int page_limit;	/* LIST limit= (500) */
	unsigned int watch_timeout_s;	/* timeoutSeconds is random in [t, 2t) (300) */
	unsigned int silence_ms;	/* no byte for this long: the connection is dead (120000) */
	unsigned int backoff_initial_ms; /* first retry delay, doubled per failure (500) */
	unsigned int backoff_max_ms;	/* (30000) */
	unsigned int healthy_ms;	/* a watch up this long resets the backoff (60000) */
	unsigned int not_found_retry_ms; /* a resource answered 404 is asked again after (300000) */
	unsigned int token_reread_ms;	/* a token file is read again after (60000), and on 401 */
	unsigned int connect_timeout_ms; /* (10000) */
	size_t max_event_bytes;		/* one watch event at most (16 MiB) */
};

void kube_client_opts_default(struct kube_client_opts *o);

enum kube_reflector_state {
	KUBE_REFLECTOR_IDLE,		/* added, nothing sent yet */
	KUBE_REFLECTOR_LISTING,		/* a LIST (page) is on its way */
	KUBE_REFLECTOR_WATCHING,	/* a watch request is open */
	KUBE_REFLECTOR_BACKOFF,		/* waiting to retry after an error */
	KUBE_REFLECTOR_NOT_FOUND,	/* the server answered 404 (e.g. ServiceCIDRs not served);
					 * asked again every not_found_retry_ms */
};

struct kube_reflector_stats {
	enum kube_reflector_state state;
	bool synced;			/* a LIST has completed */
	bool connected;			/* a watch is open and answered 200 */
	unsigned long lists;		/* LISTs completed */
	unsigned long relists;		/* list_begin calls after the first completed LIST */
	unsigned long pages;		/* LIST pages received */
	unsigned long watches;		/* watch requests sent */
	unsigned long events;		/* ADDED, MODIFIED and DELETED events */
	unsigned long bookmarks;
	unsigned long errors;		/* failed requests (HTTP, transport, stream) */
	unsigned long skipped;		/* events or items that were not JSON objects */
	unsigned int failures;		/* consecutive failures (the backoff's exponent) */
	char last_error[256];		/* "" when none yet */
};

/*
 * cfg is copied: it may be freed after the call. opts NULL: the defaults.
 * Returns NULL with a message in err.
 */
struct kube_client *kube_client_new(const struct kube_api_config *cfg,
				    const struct kube_client_opts *opts, char *err, size_t errlen);

/*
 * path: "/api/v1/services"; selectors unescaped ("a!=b,!c"), NULL: none.
 * The reflector belongs to the client and starts on the next
 * kube_client_run(). NULL: out of memory.
 */
struct kube_reflector *kube_reflector_add(struct kube_client *c, const char *path,
					  const char *label_selector, const char *field_selector,
					  const struct kube_reflector_ops *ops, void *data);

/*
 * Waits up to timeout_ms (< 0: until the client's own next deadline) for
 * the API server's bytes, one of the extra fds (their revents are set, as
 * curl_multi_poll() does) or kube_client_wakeup(); processes what arrived
 * (calling the ops), starts what is due, returns 0 or a negative errno.
 */
int kube_client_run(struct kube_client *c, struct curl_waitfd *extra, unsigned int nextra,
		    int timeout_ms);

/* Makes a waiting kube_client_run() return; callable from any thread. */
int kube_client_wakeup(struct kube_client *c);

/* The first LIST has completed (so the daemon may program) */
bool kube_reflector_synced(const struct kube_reflector *r);
const struct kube_reflector_stats *kube_reflector_stats(const struct kube_reflector *r);
/* The last resourceVersion seen ("" before the first LIST) */
const char *kube_reflector_resource_version(const struct kube_reflector *r);
const char *kube_reflector_path(const struct kube_reflector *r);

/* Frees the client and its reflectors; no op is called. */
void kube_client_free(struct kube_client *c);

#endif
