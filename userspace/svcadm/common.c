// SPDX-License-Identifier: GPL-2.0
/* common.c: connection, error printing and word matching for svcadm
 * (depends on nothing else in svcadm). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "svcadm.h"

struct svc_nl *ctx_nl(struct ctx *c)
{
	int r;

	if (c->nl)
		return c->nl;
	r = svc_nl_open(&c->nl);
	if (r == -SVC_ENOMODULE) {
		err_msg("module svcvip: not loaded (modprobe svcvip)");
		exit(EXIT_FAIL);
	}
	if (r) {
		err_msg("netlink: %s", svc_strerror(r));
		exit(EXIT_FAIL);
	}
	return c->nl;
}

void ctx_close(struct ctx *c)
{
	svc_nl_close(c->nl);
	c->nl = NULL;
}

void err_msg(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("svcadm: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int err_kernel(const char *what, const struct svc_nlerr *e)
{
	char buf[SVC_EXTACK_MAX + 128];

	err_msg("%s: %s", what, svc_nlerr_str(e, buf, sizeof(buf)));
	return EXIT_FAIL;
}

int match_word(const char *arg, const char *const *words)
{
	size_t n = strlen(arg);

	if (!n)
		return -1;
	for (int i = 0; words[i]; i++)
		if (!strncmp(words[i], arg, n))
			return i;
	return -1;
}

bool is_kw(const char *arg, const char *kw)
{
	return !strcmp(arg, kw);
}

int duparg(const char *what, const char *kw, bool dup, char *err, size_t errlen)
{
	return dup ? set_err(EXIT_USAGE, err, errlen, "%s: \"%s\" given twice", what, kw) : 0;
}

int set_err(int code, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return code;
}
