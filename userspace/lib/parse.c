// SPDX-License-Identifier: GPL-2.0
/* parse.c: addresses, ports, CIDRs, numbers and keywords from text. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "parse.h"

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Decimal digits only, no sign, no spaces; returns false on overflow. */
static bool parse_decimal(const char *s, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		x = x * 10 + (uint64_t)(*s - '0');
		if (x > max)
			return false;
	}
	*v = x;
	return true;
}

int svc_parse_port(const char *s, uint16_t *port, char *err, size_t errlen)
{
	uint64_t v;

	if (!parse_decimal(s, 65535, &v) || v == 0)
		return fail(err, errlen, "port must be 1-65535");
	*port = (uint16_t)v;
	return 0;
}

int svc_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *v,
		  char *err, size_t errlen)
{
	uint64_t x;

	if (!parse_decimal(s, max, &x) || x < min)
		return fail(err, errlen, "must be %u-%u", min, max);
	*v = (uint32_t)x;
	return 0;
}

int svc_parse_addr(const char *s, uint16_t *family, union svc_inaddr *addr,
		   char *err, size_t errlen)
{
	union svc_inaddr a;

	memset(&a, 0, sizeof(a));
	if (strchr(s, ':')) {
		if (inet_pton(AF_INET6, s, &a.v6) != 1)
			return fail(err, errlen, "invalid IPv6 address");
		*family = AF_INET6;
	} else {
		if (inet_pton(AF_INET, s, &a.v4) != 1)
			return fail(err, errlen, "invalid IPv4 address");
		*family = AF_INET;
	}
	*addr = a;
	return 0;
}

/* Splits "[v6]:port", "[v6]", "v4:port", "v4", "v6" into address and port
 * text. port_text is NULL when there is no port. */
static int split_addrport(const char *s, char *abuf, size_t alen,
			  const char **port_text, bool *bracketed,
			  char *err, size_t errlen)
{
	const char *colon;
	size_t n;

	*port_text = NULL;
	*bracketed = false;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close)
			return fail(err, errlen, "missing ']' after IPv6 address");
		n = (size_t)(close - s - 1);
		if (n >= alen)
			return fail(err, errlen, "invalid IPv6 address");
		memcpy(abuf, s + 1, n);
		abuf[n] = '\0';
		*bracketed = true;
		if (close[1] == ':')
			*port_text = close + 2;
		else if (close[1] != '\0')
			return fail(err, errlen, "expected ':' after ']'");
		return 0;
	}
	colon = strchr(s, ':');
	if (colon && strchr(colon + 1, ':')) {
		/* several colons: an unbracketed IPv6 address */
		n = strlen(s);
		if (n >= alen)
			return fail(err, errlen, "invalid IPv6 address");
		memcpy(abuf, s, n + 1);
		return 0;
	}
	n = colon ? (size_t)(colon - s) : strlen(s);
	if (n >= alen)
		return fail(err, errlen, "invalid IPv4 address");
	memcpy(abuf, s, n);
	abuf[n] = '\0';
	if (colon)
		*port_text = colon + 1;
	return 0;
}

static int parse_ap(const char *s, struct svc_addrport *ap, bool port_optional,
		    char *err, size_t errlen)
{
	char abuf[INET6_ADDRSTRLEN + 8];
	const char *port_text;
	bool bracketed;
	struct svc_addrport r;

	memset(&r, 0, sizeof(r));
	if (split_addrport(s, abuf, sizeof(abuf), &port_text, &bracketed,
			   err, errlen))
		return -1;
	if (!abuf[0])
		return fail(err, errlen, "missing address");
	if (bracketed) {
		if (inet_pton(AF_INET6, abuf, &r.addr.v6) != 1)
			return fail(err, errlen, "invalid IPv6 address");
		r.family = AF_INET6;
	} else if (strchr(abuf, ':')) {
		if (inet_pton(AF_INET6, abuf, &r.addr.v6) != 1)
			return fail(err, errlen, "invalid IPv6 address");
		if (!port_optional)
			return fail(err, errlen,
				    "IPv6 address must be written [ADDR]:PORT");
		r.family = AF_INET6;
	} else {
		if (inet_pton(AF_INET, abuf, &r.addr.v4) != 1)
			return fail(err, errlen, "invalid IPv4 address");
		r.family = AF_INET;
	}
	if (port_text) {
		if (svc_parse_port(port_text, &r.port, err, errlen))
			return -1;
	} else if (!port_optional) {
		return fail(err, errlen, "missing port (ADDR:PORT)");
	}
	*ap = r;
	return 0;
}

int svc_parse_addrport(const char *s, struct svc_addrport *ap, char *err, size_t errlen)
{
	return parse_ap(s, ap, false, err, errlen);
}

int svc_parse_addr_optport(const char *s, struct svc_addrport *ap, char *err, size_t errlen)
{
	return parse_ap(s, ap, true, err, errlen);
}

int svc_parse_cidr(const char *s, struct svc_cidr *c, char *err, size_t errlen)
{
	char abuf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	struct svc_cidr r;
	uint64_t plen;
	unsigned max;
	size_t n;

	memset(&r, 0, sizeof(r));
	if (!slash)
		return fail(err, errlen, "missing prefix length (ADDR/LEN)");
	n = (size_t)(slash - s);
	if (n == 0 || n >= sizeof(abuf))
		return fail(err, errlen, "invalid address");
	memcpy(abuf, s, n);
	abuf[n] = '\0';
	if (svc_parse_addr(abuf, &r.family, &r.addr, err, errlen))
		return -1;
	max = r.family == AF_INET ? 32 : 128;
	if (!parse_decimal(slash + 1, max, &plen))
		return fail(err, errlen, "prefix length must be 0-%u", max);
	r.prefixlen = (uint8_t)plen;
	for (unsigned bit = r.prefixlen; bit < max; bit++) {
		if (r.addr.b[bit / 8] & (0x80 >> (bit % 8))) {
			struct svc_cidr net = r;
			char nbuf[INET6_ADDRSTRLEN];

			for (unsigned b = r.prefixlen; b < max; b++)
				net.addr.b[b / 8] &= (uint8_t)~(0x80 >> (b % 8));
			inet_ntop(net.family, net.addr.b, nbuf, sizeof(nbuf));
			return fail(err, errlen, "host bits set (network is %s/%u)",
				    nbuf, r.prefixlen);
		}
	}
	*c = r;
	return 0;
}

int svc_parse_cidr_list(const char *s, struct svc_cidrs *l, char *err, size_t errlen)
{
	char buf[INET6_ADDRSTRLEN + 16];
	const char *all = s;

	for (;;) {
		const char *comma = strchr(s, ',');
		size_t n = comma ? (size_t)(comma - s) : strlen(s);
		struct svc_cidr c;
		char sub[SVC_ERRLEN];

		if (n == 0)
			return fail(err, errlen, "%.*s%s: empty element in CIDR list", 200, all,
				    *all ? "" : "\"\"");
		if (n >= sizeof(buf))
			return fail(err, errlen, "%.*s: invalid address",
				    (int)(sizeof(buf) - 1), s);
		memcpy(buf, s, n);
		buf[n] = '\0';
		if (svc_parse_cidr(buf, &c, sub, sizeof(sub)))
			return fail(err, errlen, "%s: %s", buf, sub);
		if (svc_cidrs_add(l, &c))
			return fail(err, errlen, "out of memory");
		if (!comma)
			return 0;
		s = comma + 1;
	}
}

int svc_parse_onoff(const char *s, bool *v, char *err, size_t errlen)
{
	if (!strcmp(s, "on")) {
		*v = true;
		return 0;
	}
	if (!strcmp(s, "off")) {
		*v = false;
		return 0;
	}
	return fail(err, errlen, "must be on or off");
}

int svc_check_name(const char *s, char *err, size_t errlen)
{
	size_t n = strlen(s);

	if (n == 0)
		return fail(err, errlen, "name must be 1-%d bytes", SVCVIP_NAME_MAX - 1);
	if (n > SVCVIP_NAME_MAX - 1)
		return fail(err, errlen, "name must be 1-%d bytes (is %zu)",
			    SVCVIP_NAME_MAX - 1, n);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 0x21 || ch > 0x7e)
			return fail(err, errlen,
				    "name must be printable ASCII without spaces (byte %zu is 0x%02x)",
				    i + 1, ch);
	}
	return 0;
}

/* ---- keywords ---- */

struct word {
	const char *name;
	unsigned value;
};

static const struct word protocols[] = {
	{ "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP }, { "sctp", IPPROTO_SCTP },
	{ NULL, 0 }
};
static const struct word schedulers[] = {
	{ "maglev", SVCVIP_SCHED_MAGLEV }, { "random", SVCVIP_SCHED_RANDOM },
	{ "rr", SVCVIP_SCHED_RR }, { "wrr", SVCVIP_SCHED_WRR }, { NULL, 0 }
};
static const struct word affinities[] = {
	{ "none", SVCVIP_AFFINITY_NONE }, { "clientip", SVCVIP_AFFINITY_CLIENTIP },
	{ NULL, 0 }
};
static const struct word policies[] = {
	{ "cluster", SVCVIP_POLICY_CLUSTER }, { "local", SVCVIP_POLICY_LOCAL },
	{ NULL, 0 }
};
static const struct word kinds[] = {
	{ "clusterip", SVCVIP_FRONTEND_CLUSTERIP },
	{ "externalip", SVCVIP_FRONTEND_EXTERNALIP },
	{ "loadbalancer", SVCVIP_FRONTEND_LOADBALANCER },
	{ "nodeport", SVCVIP_FRONTEND_NODEPORT },
	{ NULL, 0 }
};
static const struct word families[] = {
	{ "ipv4", AF_INET }, { "ipv6", AF_INET6 }, { "any", AF_UNSPEC },
	{ "inet", AF_INET }, { "inet6", AF_INET6 }, { "4", AF_INET },
	{ "6", AF_INET6 }, { NULL, 0 }
};
static const struct word verdicts[] = {
	{ "none", SVCVIP_VERDICT_NONE }, { "dnat", SVCVIP_VERDICT_DNAT },
	{ "reject", SVCVIP_VERDICT_REJECT }, { "drop", SVCVIP_VERDICT_DROP },
	{ NULL, 0 }
};
static const struct word reasons[] = {
	{ "none", SVCVIP_REASON_NONE },
	{ "no-frontend", SVCVIP_REASON_NO_FRONTEND },
	{ "scheduler", SVCVIP_REASON_SCHEDULER },
	{ "affinity", SVCVIP_REASON_AFFINITY },
	{ "no-backends", SVCVIP_REASON_NO_BACKENDS },
	{ "no-local-backends", SVCVIP_REASON_NO_LOCAL_BACKENDS },
	{ "source-range", SVCVIP_REASON_SOURCE_RANGE },
	{ "not-local-address", SVCVIP_REASON_NOT_LOCAL_ADDRESS },
	{ "cluster-ip-port", SVCVIP_REASON_CLUSTER_IP_PORT },
	{ "service-cidr", SVCVIP_REASON_SERVICE_CIDR },
	{ NULL, 0 }
};
static const struct word masqs[] = {
	{ "none", SVCVIP_MASQ_NONE },
	{ "outside-cluster", SVCVIP_MASQ_OUTSIDE_CLUSTER },
	{ "all", SVCVIP_MASQ_ALL },
	{ "external", SVCVIP_MASQ_EXTERNAL },
	{ "hairpin", SVCVIP_MASQ_HAIRPIN },
	{ "from-node", SVCVIP_MASQ_FROM_NODE },
	{ NULL, 0 }
};

static int parse_word(const struct word *w, const char *s, unsigned *v)
{
	for (; w->name; w++) {
		if (!strcmp(w->name, s)) {
			*v = w->value;
			return 0;
		}
	}
	return -1;
}

static const char *word_name(const struct word *w, unsigned v)
{
	for (; w->name; w++)
		if (w->value == v)
			return w->name;
	return NULL;
}

#define PARSE_WORD(fn, table, type, msg)					\
int fn(const char *s, type *v, char *err, size_t errlen)		\
{									\
	unsigned x;							\
	if (parse_word(table, s, &x))					\
		return fail(err, errlen, msg);				\
	*v = (type)x;							\
	return 0;							\
}

PARSE_WORD(svc_parse_protocol, protocols, uint8_t, "protocol must be tcp, udp or sctp")
PARSE_WORD(svc_parse_scheduler, schedulers, uint8_t,
	   "scheduler must be maglev, random, rr or wrr")
PARSE_WORD(svc_parse_affinity, affinities, uint8_t, "affinity must be clientip or none")
PARSE_WORD(svc_parse_policy, policies, uint8_t, "policy must be cluster or local")
PARSE_WORD(svc_parse_kind, kinds, uint8_t,
	   "kind must be clusterip, externalip, loadbalancer or nodeport")
PARSE_WORD(svc_parse_family, families, uint16_t, "family must be ipv4, ipv6 or any")

const char *svc_protocol_name(uint8_t v) { return word_name(protocols, v); }
const char *svc_scheduler_name(uint8_t v) { return word_name(schedulers, v); }
const char *svc_affinity_name(uint8_t v) { return word_name(affinities, v); }
const char *svc_policy_name(uint8_t v) { return word_name(policies, v); }
const char *svc_kind_name(uint8_t v) { return word_name(kinds, v); }
const char *svc_family_name(uint16_t v) { return word_name(families, v); }
const char *svc_verdict_name(uint8_t v) { return word_name(verdicts, v); }
const char *svc_reason_name(uint8_t v) { return word_name(reasons, v); }
const char *svc_masq_name(uint8_t v) { return word_name(masqs, v); }
