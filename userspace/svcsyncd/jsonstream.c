// SPDX-License-Identifier: GPL-2.0
/* jsonstream.c: see jsonstream.h. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "jsonstream.h"

/* Kubernetes objects nest deeper than json-c's default of 32 (managedFields) */
#define JSON_STREAM_DEPTH 128

struct json_stream {
	struct json_tokener *tok;
	size_t max_value;
	size_t value_bytes;	/* fed to the value being parsed */
	bool partial;
	bool lines;		/* one value per line */
	char error[128];
};

struct json_stream *json_stream_new(void)
{
	struct json_stream *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->tok = json_tokener_new_ex(JSON_STREAM_DEPTH);
	if (!s->tok) {
		free(s);
		return NULL;
	}
	/* the next value may follow in the same buffer: the caller goes on from the end */
	json_tokener_set_flags(s->tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS |
			       JSON_TOKENER_VALIDATE_UTF8);
	return s;
}

void json_stream_free(struct json_stream *s)
{
	if (!s)
		return;
	json_tokener_free(s->tok);
	free(s);
}

void json_stream_reset(struct json_stream *s, size_t max_value, bool one_per_line)
{
	json_tokener_reset(s->tok);
	s->max_value = max_value;
	s->lines = one_per_line;
	s->value_bytes = 0;
	s->partial = false;
	s->error[0] = '\0';
}

bool json_stream_partial(const struct json_stream *s)
{
	return s->partial;
}

const char *json_stream_error(const struct json_stream *s)
{
	return s->error;
}

/* White space between values is not the start of one */
static size_t skip_ws(const char *buf, size_t len)
{
	size_t i = 0;

	while (i < len && isspace((unsigned char)buf[i]))
		i++;
	return i;
}

static int feed_segment(struct json_stream *s, const char *buf, size_t len, json_stream_fn fn,
			void *data)
{
	while (len) {
		struct json_object *obj;
		enum json_tokener_error jerr;
		size_t n, used;
		int ret;

		if (!s->partial) {
			n = skip_ws(buf, len);
			buf += n;
			len -= n;
			if (!len)
				break;
			s->partial = true;
			s->value_bytes = 0;
		}
		n = len > 1 << 30 ? 1 << 30 : len;
		obj = json_tokener_parse_ex(s->tok, buf, (int)n);
		jerr = json_tokener_get_error(s->tok);
		if (jerr == json_tokener_continue) {
			s->value_bytes += n;
			buf += n;
			len -= n;
			if (s->max_value && s->value_bytes > s->max_value) {
				snprintf(s->error, sizeof(s->error),
					 "a JSON value longer than %zu bytes", s->max_value);
				return -EMSGSIZE;
			}
			continue;
		}
		if (jerr != json_tokener_success) {
			snprintf(s->error, sizeof(s->error), "malformed JSON: %s",
				 json_tokener_error_desc(jerr));
			return -EBADMSG;
		}
		used = json_tokener_get_parse_end(s->tok);
		if (s->max_value && s->value_bytes + used > s->max_value) {
			json_object_put(obj);
			snprintf(s->error, sizeof(s->error),
				 "a JSON value longer than %zu bytes", s->max_value);
			return -EMSGSIZE;
		}
		buf += used;
		len -= used;
		/* ready for the next value: the tokener keeps no text */
		json_tokener_reset(s->tok);
		s->partial = false;
		ret = fn(obj, data);
		json_object_put(obj);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int json_stream_feed(struct json_stream *s, const char *buf, size_t len, json_stream_fn fn,
		     void *data)
{
	const char *nl;
	size_t n;
	int ret;

	if (!s->lines)
		return feed_segment(s, buf, len, fn, data);
	while (len) {
		/* a line with its newline: the value on it must be complete there */
		nl = memchr(buf, '\n', len);
		n = nl ? (size_t)(nl - buf) + 1 : len;
		ret = feed_segment(s, buf, n, fn, data);
		if (ret < 0)
			return ret;
		if (nl && s->partial) {
			snprintf(s->error, sizeof(s->error),
				 "malformed JSON: a line ended inside a value");
			return -EBADMSG;
		}
		buf += n;
		len -= n;
	}
	return 0;
}
