// SPDX-License-Identifier: GPL-2.0
/* log.c: see log.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"

int svc_log_verbosity;
static svc_log_sink_fn log_sink;
static void *log_sink_data;

void svc_log_set_sink(svc_log_sink_fn fn, void *data)
{
	log_sink = fn;
	log_sink_data = data;
}

static char level_letter(int level)
{
	if (level <= SVC_LOG_ERR)
		return 'E';
	if (level == SVC_LOG_WARN)
		return 'W';
	return level == SVC_LOG_INFO ? 'I' : 'D';
}

void svc_log(int level, const char *fmt, ...)
{
	char line[2048];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	int n;

	if (!svc_log_enabled(level))
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = snprintf(line, sizeof(line), "%c %04d-%02d-%02dT%02d:%02d:%02d.%03ldZ ",
		     level_letter(level), tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		     tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	/* one event, one line: a newline in a server's message would split it */
	for (char *p = line; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	if (log_sink)
		log_sink(level, line, log_sink_data);
	else
		fprintf(stderr, "%s\n", line);
}
