/* SPDX-License-Identifier: GPL-2.0 */
/*
 * jsonstream.h: JSON values out of a byte stream that arrives in pieces
 * split at any byte: a watch response (one event object per line) or one
 * LIST page. Bytes go straight into json-c's incremental tokener (strict
 * mode); no text is kept. A value is handed out only when complete.
 */
#ifndef SVCSYNCD_JSONSTREAM_H
#define SVCSYNCD_JSONSTREAM_H

#include <stdbool.h>
#include <stddef.h>

struct json_object;
struct json_stream;

/*
 * Called for each complete top-level value. obj belongs to the stream and
 * is released when fn returns (json_object_get() it to keep it). A negative
 * return stops the feed, which returns it.
 */
typedef int (*json_stream_fn)(struct json_object *obj, void *data);

struct json_stream *json_stream_new(void);
void json_stream_free(struct json_stream *s);

/*
 * Forgets a partly parsed value (a new response begins). max_value: the
 * most bytes one value may take (a runaway stream), 0: no limit.
 * one_per_line: a newline ends each value (a watch stream: the encoder
 * escapes newlines inside values), so a line cut short is malformed even if
 * what follows would continue it.
 */
void json_stream_reset(struct json_stream *s, size_t max_value, bool one_per_line);

/*
 * Returns 0, -EBADMSG on malformed JSON, -EMSGSIZE when a value exceeds
 * max_value (json_stream_error() says what), or fn's negative return. After
 * an error the stream must be reset before it is fed again.
 */
int json_stream_feed(struct json_stream *s, const char *buf, size_t len, json_stream_fn fn,
		     void *data);

/* Some of a value has been fed but it is not complete (the stream was cut). */
bool json_stream_partial(const struct json_stream *s);

/* The last error, for a log line ("" when none). */
const char *json_stream_error(const struct json_stream *s);

#endif
