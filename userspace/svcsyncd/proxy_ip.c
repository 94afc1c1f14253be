// SPDX-License-Identifier: GPL-2.0
/*
 * proxy_ip.c: addresses as kube-proxy reads them (netutils.ParseIPSloppy,
 * ParseCIDRSloppy) and the Node's primary IPs (GetNodeHostIPs).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "proxy.h"

/* Decimal IPv4 with leading zeros allowed in each octet ("010" is 10). */
static int parse_ipv4_sloppy(const char *s, struct in_addr *a)
{
	uint8_t b[4];
	int i;

	for (i = 0; i < 4; i++) {
		unsigned int v = 0;
		int digits = 0;

		while (*s >= '0' && *s <= '9') {
			v = v * 10 + (unsigned int)(*s++ - '0');
			if (v > 255)
				return -EINVAL;
			digits++;
		}
		if (!digits)
			return -EINVAL;
		b[i] = (uint8_t)v;
		if (i < 3 && *s++ != '.')
			return -EINVAL;
	}
	if (*s)
		return -EINVAL;
	memcpy(a, b, sizeof(b));
	return 0;
}

int proxy_parse_ip(const char *s, uint16_t *family, union svc_inaddr *addr)
{
	struct in6_addr a6;

	if (!s)
		return -EINVAL;
	memset(addr, 0, sizeof(*addr));
	if (!parse_ipv4_sloppy(s, &addr->v4)) {
		*family = AF_INET;
		return 0;
	}
	if (!strchr(s, ':') || inet_pton(AF_INET6, s, &a6) != 1)
		return -EINVAL;
	if (IN6_IS_ADDR_V4MAPPED(&a6)) {
		/* Go's net.IP: To4() succeeds, so it is IPv4 */
		*family = AF_INET;
		memcpy(&addr->v4, &a6.s6_addr[12], 4);
		return 0;
	}
	*family = AF_INET6;
	addr->v6 = a6;
	return 0;
}

static void mask_host_bits(struct svc_cidr *c)
{
	size_t len = svc_addr_len(c->family), i;

	for (i = 0; i < len; i++) {
		unsigned int bits = c->prefixlen > i * 8 ? c->prefixlen - i * 8 : 0;

		if (bits < 8)
			c->addr.b[i] &= (uint8_t)(0xff00 >> bits);
	}
}

int proxy_parse_cidr(const char *s, struct svc_cidr *c)
{
	const char *slash = s ? strrchr(s, '/') : NULL;
	unsigned int plen = 0;
	char ip[64];
	const char *p;

	if (!slash || slash == s || (size_t)(slash - s) >= sizeof(ip) || !slash[1])
		return -EINVAL;
	memcpy(ip, s, (size_t)(slash - s));
	ip[slash - s] = '\0';
	memset(c, 0, sizeof(*c));
	if (proxy_parse_ip(ip, &c->family, &c->addr))
		return -EINVAL;
	for (p = slash + 1; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		plen = plen * 10 + (unsigned int)(*p - '0');
		if (plen > 128)
			return -EINVAL;
	}
	if (plen > svc_addr_len(c->family) * 8)
		return -EINVAL;
	c->prefixlen = (uint8_t)plen;
	mask_host_bits(c);
	return 0;
}

bool proxy_cidr_contains(const struct svc_cidr *c, uint16_t family, const union svc_inaddr *a)
{
	struct svc_cidr x;

	if (c->family != family)
		return false;
	x.family = family;
	x.prefixlen = c->prefixlen;
	x.addr = *a;
	mask_host_bits(&x);
	return !memcmp(x.addr.b, c->addr.b, svc_addr_len(family));
}

static int fam_index(uint16_t family)
{
	return family == AF_INET6 ? PROXY_V6 : PROXY_V4;
}

/* The k-th parseable InternalIP-then-ExternalIP address (0 or -ENOENT). */
static int nth_host_ip(const struct k8s_node *node, size_t k, uint16_t *fam,
		       union svc_inaddr *addr)
{
	static const char *const types[] = { "InternalIP", "ExternalIP" };
	size_t t, i;

	for (t = 0; t < 2; t++) {
		for (i = 0; i < node->n_addresses; i++) {
			const struct k8s_node_address *a = &node->addresses[i];

			if (!a->type || strcmp(a->type, types[t]) ||
			    proxy_parse_ip(a->address, fam, addr))
				continue;
			if (!k--)
				return 0;
		}
	}
	return -ENOENT;
}

void proxy_node_ips(const struct k8s_node *node, struct proxy_node_ips *out)
{
	union svc_inaddr addr;
	uint16_t fam, first;
	size_t k;

	memset(out, 0, sizeof(*out));
	if (!node || nth_host_ip(node, 0, &first, &addr))
		return;
	out->has[fam_index(first)] = true;
	out->addr[fam_index(first)] = addr;
	/* then the first address of the other family */
	for (k = 1; !nth_host_ip(node, k, &fam, &addr); k++) {
		if (fam != first) {
			out->has[fam_index(fam)] = true;
			out->addr[fam_index(fam)] = addr;
			break;
		}
	}
}
