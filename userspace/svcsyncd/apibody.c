// SPDX-License-Identifier: GPL-2.0
/*
 * apibody.c: a LIST page or a watch event, as json_stream hands them over,
 * to the reflector's ops. Called from libcurl's write callback; what stops
 * the transfer (410, an ERROR event, a bad page) is recorded in the request
 * for apiclient.c to act on once libcurl is done with it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

#include "apiclient_int.h"
#include "log.h"

static int stop(struct kube_reflector *r, enum kube_outcome out, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int stop(struct kube_reflector *r, enum kube_outcome out, const char *fmt, ...)
{
	va_list ap;

	r->req.stopped = true;
	r->req.stop = out;
	va_start(ap, fmt);
	vsnprintf(r->req.stop_why, sizeof(r->req.stop_why), fmt, ap);
	va_end(ap);
	return -ECANCELED;
}

/* A string member, NULL when absent or not a string */
static const char *get_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static struct json_object *get_obj(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_object))
		return NULL;
	return v;
}

static const char *meta_rv(struct json_object *o)
{
	return get_str(get_obj(o, "metadata"), "resourceVersion");
}

static void skipped(struct kube_reflector *r, const char *what)
{
	r->st.skipped++;
	svc_log(SVC_LOG_WARN, "apiclient: %s: %s, skipped", r->path, what);
}

int kube_body_page(struct json_object *page, void *data)
{
	struct kube_reflector *r = data;
	struct json_object *items, *meta;
	const char *rv, *cont;
	size_t i, n;

	if (r->req.page_seen)
		return stop(r, KUBE_OUT_FAILED, "more than one JSON value in a LIST response");
	r->req.page_seen = true;
	if (!json_object_is_type(page, json_type_object))
		return stop(r, KUBE_OUT_FAILED, "a LIST response that is not a JSON object");
	meta = get_obj(page, "metadata");
	rv = get_str(meta, "resourceVersion");
	if (!rv || !*rv)
		return stop(r, KUBE_OUT_FAILED, "a LIST response without a resourceVersion");
	cont = get_str(meta, "continue");
	if (!json_object_object_get_ex(page, "items", &items))
		items = NULL;
	if (items && !json_object_is_type(items, json_type_array))
		return stop(r, KUBE_OUT_FAILED, "a LIST response whose items are not a list");
	if (kube_set_str(&r->list_rv, rv) < 0 ||
	    kube_set_str(&r->list_continue, cont && *cont ? cont : NULL) < 0)
		return stop(r, KUBE_OUT_FAILED, "out of memory");
	r->st.pages++;
	if (r->req.first_page) {
		/* a (re)list begins once its first page is there, not at each attempt */
		if (r->st.lists)
			r->st.relists++;
		r->list_open = true;
		if (r->ops.list_begin)
			r->ops.list_begin(r->data);
	}
	n = items ? json_object_array_length(items) : 0;
	for (i = 0; i < n; i++) {
		struct json_object *it = json_object_array_get_idx(items, i);

		if (!json_object_is_type(it, json_type_object)) {
			skipped(r, "a LIST item that is not a JSON object");
			continue;
		}
		if (r->ops.upsert)
			r->ops.upsert(r->data, it);
	}
	return 0;
}

static int error_event(struct kube_reflector *r, struct json_object *status)
{
	struct json_object *code;
	const char *msg = get_str(status, "message");
	int32_t c = 0;

	if (json_object_is_type(status, json_type_object) &&
	    json_object_object_get_ex(status, "code", &code) &&
	    json_object_is_type(code, json_type_int))
		c = json_object_get_int(code);
	if (c == 410)
		return stop(r, KUBE_OUT_GONE, "ERROR event 410: %s", msg ? msg : "");
	return stop(r, KUBE_OUT_FAILED, "ERROR event %d: %s", c, msg ? msg : "");
}

int kube_body_event(struct json_object *ev, void *data)
{
	struct kube_reflector *r = data;
	struct json_object *obj;
	const char *type, *rv;

	if (!json_object_is_type(ev, json_type_object)) {
		skipped(r, "a watch line that is not a JSON object");
		return 0;
	}
	type = get_str(ev, "type");
	if (!type) {
		skipped(r, "a watch event without a type");
		return 0;
	}
	if (!strcmp(type, "ERROR"))
		return error_event(r, get_obj(ev, "object"));
	obj = get_obj(ev, "object");
	if (!obj) {
		skipped(r, "a watch event whose object is not a JSON object");
		return 0;
	}
	rv = meta_rv(obj);
	if (!strcmp(type, "BOOKMARK")) {
		r->st.bookmarks++;
	} else if (!strcmp(type, "ADDED") || !strcmp(type, "MODIFIED")) {
		r->st.events++;
		if (r->ops.upsert)
			r->ops.upsert(r->data, obj);
	} else if (!strcmp(type, "DELETED")) {
		r->st.events++;
		if (r->ops.remove)
			r->ops.remove(r->data, obj);
	} else {
		skipped(r, "a watch event of an unknown type");
		return 0;
	}
	/* the watch resumes after this event, never before it */
	if (rv && *rv && kube_set_str(&r->rv, rv) < 0)
		return stop(r, KUBE_OUT_FAILED, "out of memory");
	return 0;
}
