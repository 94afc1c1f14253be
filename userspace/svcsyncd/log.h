/* SPDX-License-Identifier: GPL-2.0 */
/*
 * log.h: svcsyncd's log, one line per event on stderr:
 *   "E 2026-12-06T06:02:09.123Z apiclient: /api/v1/services: watch: HTTP 500"
 * The letter is the level: E error, W warning, I info (verbosity 0), and
 * D for the verbose levels 1..N, printed only when svc_log_verbosity >= N
 * (the daemon's -v N). Not thread-safe: the daemon is single-threaded.
 */
#ifndef SVCSYNCD_LOG_H
#define SVCSYNCD_LOG_H

enum {
	SVC_LOG_ERR = -2,
	SVC_LOG_WARN = -1,
	SVC_LOG_INFO = 0,
	/* 1, 2, ...: debug detail, shown with -v 1, -v 2, ... */
};

extern int svc_log_verbosity;

/* Where lines go instead of stderr (tests); line has no newline. NULL: stderr. */
typedef void (*svc_log_sink_fn)(int level, const char *line, void *data);
void svc_log_set_sink(svc_log_sink_fn fn, void *data);

static inline int svc_log_enabled(int level)
{
	return level <= svc_log_verbosity;
}

void svc_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
