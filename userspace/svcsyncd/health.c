// SPDX-License-Identifier: GPL-2.0
/*
 * health: kube-proxy's proxy health (proxy_health.go Health(), healthzHandler, livezHandler)
 * and the service health-check body (service_health.go hcHandler), byte for byte.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "health.h"

enum { FAM_V4, FAM_V6, NFAM };
static const char *const fam_name[NFAM] = { "IPv4", "IPv6" };

struct health {
	pthread_mutex_t lock;
	int64_t timeout_ns;
	bool updated[NFAM];		/* lastUpdatedMap has the family */
	struct timespec last_updated[NFAM];
	bool queued[NFAM];		/* oldestPendingQueuedMap has the family */
	struct timespec oldest_queued[NFAM];
	bool node_known, node_deleting, node_tainted;
};

static int fam_index(int family)
{
	if (family == AF_INET)
		return FAM_V4;
	if (family == AF_INET6)
		return FAM_V6;
	return -EAFNOSUPPORT;
}

static int64_t ts_ns(struct timespec t)
{
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

struct health *health_new(int64_t timeout_ns)
{
	struct health *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	if (pthread_mutex_init(&h->lock, NULL)) {
		free(h);
		return NULL;
	}
	h->timeout_ns = timeout_ns;
	return h;
}

void health_free(struct health *h)
{
	if (!h)
		return;
	pthread_mutex_destroy(&h->lock);
	free(h);
}

int health_queued(struct health *h, int family, struct timespec now)
{
	int f = fam_index(family);

	if (f < 0)
		return f;
	pthread_mutex_lock(&h->lock);
	if (!h->queued[f]) {		/* only the oldest pending update counts */
		h->queued[f] = true;
		h->oldest_queued[f] = now;
	}
	pthread_mutex_unlock(&h->lock);
	return 0;
}

int health_updated(struct health *h, int family, struct timespec now)
{
	int f = fam_index(family);

	if (f < 0)
		return f;
	pthread_mutex_lock(&h->lock);
	h->queued[f] = false;
	h->updated[f] = true;
	h->last_updated[f] = now;
	pthread_mutex_unlock(&h->lock);
	return 0;
}

void health_set_node(struct health *h, bool known, bool deleting, bool tainted_to_be_deleted)
{
	pthread_mutex_lock(&h->lock);
	h->node_known = known;
	h->node_deleting = deleting;
	h->node_tainted = tainted_to_be_deleted;
	pthread_mutex_unlock(&h->lock);
}

/* Health(): a snapshot taken under the lock */
struct snapshot {
	bool healthy;
	bool node_eligible;
	bool has_last;			/* LastUpdated is not Go's zero time */
	struct timespec last;
	bool present[NFAM];
	bool fam_healthy[NFAM];
	struct timespec fam_last[NFAM];
};

static void snapshot(struct health *h, struct timespec now, struct snapshot *s)
{
	memset(s, 0, sizeof(*s));
	s->healthy = true;
	pthread_mutex_lock(&h->lock);
	for (int f = 0; f < NFAM; f++) {
		/* only families that synced once count: a proxier is healthy while starting */
		if (!h->updated[f])
			continue;
		s->present[f] = true;
		s->fam_last[f] = h->last_updated[f];
		s->fam_healthy[f] = true;
		if (!s->has_last || ts_ns(h->last_updated[f]) > ts_ns(s->last)) {
			s->has_last = true;
			s->last = h->last_updated[f];
		}
		if (h->queued[f] && ts_ns(now) - ts_ns(h->oldest_queued[f]) >= h->timeout_ns) {
			s->healthy = false;
			s->fam_healthy[f] = false;
		}
	}
	s->node_eligible = h->node_known && !h->node_deleting && !h->node_tainted;
	pthread_mutex_unlock(&h->lock);
}

bool health_proxy_healthy(struct health *h, struct timespec now)
{
	struct snapshot s;

	snapshot(h, now, &s);
	return s.healthy;
}

/* a bounded string builder: the first overflow sticks */
struct sbuf {
	char *p;
	size_t size, len;
	bool over;
};

__attribute__((format(printf, 2, 3)))
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->over)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->size - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->size - b->len) {
		b->over = true;
		return;
	}
	b->len += (size_t)n;
}

int health_format_time(struct timespec ts, bool zero, char *buf, size_t size)
{
	struct tm tm;
	char frac[16];
	int n;

	if (zero) {
		n = snprintf(buf, size, "0001-01-01T00:00:00Z");
		return n < 0 || (size_t)n >= size ? -ENOSPC : 0;
	}
	if (!gmtime_r(&ts.tv_sec, &tm))
		return -EINVAL;
	frac[0] = '\0';
	if (ts.tv_nsec) {
		/* RFC3339Nano: ".999999999" drops trailing zeros */
		int len = snprintf(frac, sizeof(frac), ".%09ld", (long)ts.tv_nsec);

		while (len > 1 && frac[len - 1] == '0')
			frac[--len] = '\0';
	}
	n = snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d%sZ", tm.tm_year + 1900,
		     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
	return n < 0 || (size_t)n >= size ? -ENOSPC : 0;
}

static void sb_time(struct sbuf *b, struct timespec ts, bool zero)
{
	char t[64];

	if (health_format_time(ts, zero, t, sizeof(t)))
		b->over = true;
	else
		sb_printf(b, "\"%s\"", t);
}

int health_response(struct health *h, bool healthz, struct timespec now, char *buf, size_t size)
{
	struct sbuf b = { .p = buf, .size = size };
	struct snapshot s;
	bool ok, any = false;

	if (!size)
		return -ENOSPC;
	snapshot(h, now, &s);
	ok = healthz ? s.healthy && s.node_eligible : s.healthy;
	if (ok) {
		/* kube-proxy: lastUpdated is "recent" whenever the answer is healthy */
		s.has_last = true;
		s.last = now;
	}
	/* json.Marshal(ProxyHealth): field order, omitempty nodeEligible and status */
	sb_printf(&b, "{\"lastUpdated\":");
	sb_time(&b, s.last, !s.has_last);
	sb_printf(&b, ",\"currentTime\":");
	sb_time(&b, now, false);
	if (healthz)
		sb_printf(&b, ",\"nodeEligible\":%s", s.node_eligible ? "true" : "false");
	sb_printf(&b, ",\"healthy\":%s", s.healthy ? "true" : "false");
	for (int f = 0; f < NFAM; f++) {
		if (!s.present[f])
			continue;
		sb_printf(&b, "%s\"%s\":{\"lastUpdated\":", any ? "," : ",\"status\":{",
			  fam_name[f]);
		sb_time(&b, s.fam_last[f], false);
		sb_printf(&b, ",\"healthy\":%s}", s.fam_healthy[f] ? "true" : "false");
		any = true;
	}
	if (any)
		sb_printf(&b, "}");
	sb_printf(&b, "}");
	if (b.over)
		return -ENOSPC;
	return ok ? 200 : 503;
}

/* Go's strconv.Quote (what %q prints) for a UTF-8 string */
static void sb_goquote(struct sbuf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	sb_printf(b, "\"");
	while (*p) {
		unsigned char c = *p;
		int len = 0;

		switch (c) {
		case '"': sb_printf(b, "\\\""); p++; continue;
		case '\\': sb_printf(b, "\\\\"); p++; continue;
		case '\a': sb_printf(b, "\\a"); p++; continue;
		case '\b': sb_printf(b, "\\b"); p++; continue;
		case '\f': sb_printf(b, "\\f"); p++; continue;
		case '\n': sb_printf(b, "\\n"); p++; continue;
		case '\r': sb_printf(b, "\\r"); p++; continue;
		case '\t': sb_printf(b, "\\t"); p++; continue;
		case '\v': sb_printf(b, "\\v"); p++; continue;
		default: break;
		}
		if (c < 0x20 || c == 0x7f) {
			sb_printf(b, "\\x%02x", c);
			p++;
			continue;
		}
		if (c < 0x80) {
			sb_printf(b, "%c", c);
			p++;
			continue;
		}
		/* a well-formed multi-byte sequence is copied, a stray byte is escaped */
		if ((c & 0xe0) == 0xc0 && c >= 0xc2)
			len = 2;
		else if ((c & 0xf0) == 0xe0)
			len = 3;
		else if ((c & 0xf8) == 0xf0 && c <= 0xf4)
			len = 4;
		for (int i = 1; i < len; i++) {
			if ((p[i] & 0xc0) != 0x80) {
				len = 0;
				break;
			}
		}
		if (!len) {
			sb_printf(b, "\\x%02x", c);
			p++;
			continue;
		}
		sb_printf(b, "%.*s", len, (const char *)p);
		p += len;
	}
	sb_printf(b, "\"");
}

int health_hc_body(const char *ns, const char *name, uint32_t n, bool proxy_healthy, char *buf,
		   size_t size)
{
	struct sbuf b = { .p = buf, .size = size };

	if (!size)
		return -ENOSPC;
	sb_printf(&b, "{\n\t\"service\": {\n\t\t\"namespace\": ");
	sb_goquote(&b, ns);
	sb_printf(&b, ",\n\t\t\"name\": ");
	sb_goquote(&b, name);
	sb_printf(&b, "\n\t},\n\t\"localEndpoints\": %u,\n\t\"serviceProxyHealthy\": %s\n}", n,
		  proxy_healthy ? "true" : "false");
	if (b.over)
		return -ENOSPC;
	return n > 0 && proxy_healthy ? 200 : 503;
}
