// SPDX-License-Identifier: GPL-2.0
/*
 * httpaddr: bind addresses and listening sockets for svcsyncd's HTTP servers: kube-proxy's
 * IP / IP:PORT / [IPv6]:PORT flag values, and Go's listener rules (a wildcard address
 * listens on both families).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "httpserver_int.h"

static bool bare_ip(const char *value, uint16_t port, struct sockaddr_storage *ss,
		    socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	if (inet_pton(AF_INET, value, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		*len = sizeof(*sin);
		return true;
	}
	if (inet_pton(AF_INET6, value, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		*len = sizeof(*sin6);
		return true;
	}
	return false;
}

int http_parse_bind(const char *flag, const char *value, uint16_t default_port,
		    struct sockaddr_storage *ss, socklen_t *len, char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *h = value;
	size_t hlen;
	char *end;
	unsigned long port;

	memset(ss, 0, sizeof(*ss));
	/* "Both IP and IP:port are valid": a bare IP gets the flag's default port */
	if (value && bare_ip(value, default_port, ss, len))
		return 0;
	colon = value ? strrchr(value, ':') : NULL;
	if (!colon || colon == value)
		goto bad;
	hlen = (size_t)(colon - value);
	if (value[0] == '[') {		/* [IPv6]:port */
		if (hlen < 3 || value[hlen - 1] != ']')
			goto bad;
		h = value + 1;
		hlen -= 2;
	}
	if (hlen >= sizeof(host))
		goto bad;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || port > 65535 || colon[1] == '-' || colon[1] == '+')
		goto bad;
	if (value[0] != '[' &&
	    inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len = sizeof(*sin);
		return 0;
	}
	if (value[0] == '[' &&
	    inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*sin6);
		return 0;
	}
bad:
	memset(ss, 0, sizeof(*ss));
	snprintf(err, errlen, "%s %s: not IP, IP:PORT or [IPv6]:PORT with a port from 0 to 65535",
		 flag, value ? value : "(null)");
	return -EINVAL;
}

static bool wildcard(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ((const struct sockaddr_in *)ss)->sin_addr.s_addr == htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

int http_listen(const struct sockaddr_storage *ss, socklen_t len)
{
	int one = 1, fd, err;

	/* Go's net.Listen("tcp") on 0.0.0.0 or [::] takes both families: so does this */
	if (wildcard(ss)) {
		struct sockaddr_in6 any = {
			.sin6_family = AF_INET6,
			.sin6_port = ((const struct sockaddr_in *)ss)->sin_port,
			.sin6_addr = IN6ADDR_ANY_INIT,
		};
		int zero = 0;

		fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd >= 0) {
			if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
			    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) ||
			    bind(fd, (struct sockaddr *)&any, sizeof(any)) || listen(fd, 128))
				goto fail;
			return fd;
		}
		if (errno != EAFNOSUPPORT || ss->ss_family != AF_INET)
			return -errno;
	}
	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (const struct sockaddr *)ss, len) || listen(fd, 128))
		goto fail;
	return fd;
fail:
	err = -errno;
	close(fd);
	return err;
}

int http_local_endpoint(int fd, struct endpoint *ep)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	memset(ep, 0, sizeof(*ep));
	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return -errno;
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		ep->family = AF_INET;
		memcpy(ep->addr, &sin->sin_addr, 4);
		ep->port = ntohs(sin->sin_port);
		ep->any = sin->sin_addr.s_addr == htonl(INADDR_ANY);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		ep->port = ntohs(sin6->sin6_port);
		ep->any = IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr);
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			ep->family = AF_INET;
			memcpy(ep->addr, &sin6->sin6_addr.s6_addr[12], 4);
		} else {
			ep->family = AF_INET6;
			memcpy(ep->addr, &sin6->sin6_addr, 16);
		}
	}
	return ep->port;
}

/* a connection belongs to the listener on its port and address (or on all addresses) */
bool http_endpoint_match(const struct endpoint *l, const struct endpoint *c)
{
	return l->port == c->port &&
	       (l->any || (l->family == c->family && !memcmp(l->addr, c->addr, 16)));
}

