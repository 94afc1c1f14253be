// SPDX-License-Identifier: GPL-2.0
/*
 * synflood: raw IPv4 TCP SYNs, every one a new connection, from many
 * source addresses, for the resource tests (tests/vm/tests/limits-*.sh).
 *
 *   synflood --dst A --port P [--src-base S=172.16.0.0] [--sources N=1]
 *            [--first K=0] [--count C] [--duration-ms D]
 *
 * Packet i (i = K, K+1, ...) comes from S + (i % N) with source port
 * 1024 + (i / N) % 64000, so the first N * 64000 packets are distinct
 * 5-tuples (distinct conntracks). It stops after C packets or D ms
 * (whichever comes first; without both: C = N). A raw send runs the
 * LOCAL_OUT and POST_ROUTING hooks in the sender's own context, so the
 * rate printed ("sent C in T ms: R pps") is the rate at which the kernel
 * takes first packets on that CPU. Needs CAP_NET_RAW in the netns.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static uint16_t csum(const void *data, size_t len, uint32_t sum)
{
	const uint16_t *p = data;

	for (; len > 1; len -= 2)
		sum += *p++;
	if (len)
		sum += *(const uint8_t *)p;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void usage(void)
{
	fputs("usage: synflood --dst A --port P [--src-base S] [--sources N]\n"
	      "                [--first K] [--count C] [--duration-ms D]\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	struct in_addr dst = { 0 }, base;
	long port = 0, sources = 1, count = -1, duration = -1, first = 0;
	struct {
		struct iphdr ip;
		struct tcphdr tcp;
	} pkt;
	struct sockaddr_in to = { .sin_family = AF_INET };
	uint64_t t0, deadline = 0, el;
	long i, sent = 0, errs = 0;
	int fd, one = 1;

	inet_pton(AF_INET, "172.16.0.0", &base);
	for (int a = 1; a < argc; a++) {
		const char *o = argv[a], *v = a + 1 < argc ? argv[a + 1] : NULL;

		if (!v)
			usage();
		if (!strcmp(o, "--dst")) {
			if (inet_pton(AF_INET, v, &dst) != 1)
				usage();
		} else if (!strcmp(o, "--src-base")) {
			if (inet_pton(AF_INET, v, &base) != 1)
				usage();
		} else if (!strcmp(o, "--port")) {
			port = atol(v);
		} else if (!strcmp(o, "--sources")) {
			sources = atol(v);
		} else if (!strcmp(o, "--first")) {
			first = atol(v);
		} else if (!strcmp(o, "--count")) {
			count = atol(v);
		} else if (!strcmp(o, "--duration-ms")) {
			duration = atol(v);
		} else {
			usage();
		}
		a++;
	}
	if (!dst.s_addr || port < 1 || port > 65535 || sources < 1)
		usage();
	if (count < 0 && duration < 0)
		count = sources;

	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0 || setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one))) {
		perror("synflood: raw socket");
		return 1;
	}
	to.sin_addr = dst;
	memset(&pkt, 0, sizeof(pkt));
	pkt.ip.version = 4;
	pkt.ip.ihl = 5;
	pkt.ip.ttl = 64;
	pkt.ip.protocol = IPPROTO_TCP;
	pkt.ip.tot_len = htons(sizeof(pkt));
	pkt.ip.daddr = dst.s_addr;
	pkt.tcp.dest = htons((uint16_t)port);
	pkt.tcp.doff = 5;
	pkt.tcp.syn = 1;
	pkt.tcp.window = htons(64240);

	t0 = now_ns();
	if (duration >= 0)
		deadline = t0 + (uint64_t)duration * 1000000ull;
	for (i = first; count < 0 || sent + errs < count; i++) {
		struct {
			uint32_t s, d;
			uint8_t z, p;
			uint16_t l;
		} ph;
		uint32_t sum = 0;
		const uint16_t *w;

		pkt.ip.saddr = htonl(ntohl(base.s_addr) + (uint32_t)(i % sources));
		pkt.ip.id = htons((uint16_t)i);
		pkt.tcp.source = htons((uint16_t)(1024 + (i / sources) % 64000));
		pkt.tcp.seq = htonl((uint32_t)i * 2654435761u);
		pkt.tcp.check = 0;
		ph.s = pkt.ip.saddr;
		ph.d = pkt.ip.daddr;
		ph.z = 0;
		ph.p = IPPROTO_TCP;
		ph.l = htons(sizeof(pkt.tcp));
		for (w = (const uint16_t *)&ph; w < (const uint16_t *)(&ph + 1); w++)
			sum += *w;
		pkt.tcp.check = csum(&pkt.tcp, sizeof(pkt.tcp), sum);
		if (sendto(fd, &pkt, sizeof(pkt), 0, (struct sockaddr *)&to,
			   sizeof(to)) < 0)
			errs++;
		else
			sent++;
		if (deadline && ((sent + errs) & 63) == 0 && now_ns() >= deadline)
			break;
	}
	el = now_ns() - t0;
	printf("sent %ld in %llu ms: %.0f pps (%ld errors)\n", sent,
	       (unsigned long long)(el / 1000000),
	       el ? (double)(sent + errs) * 1e9 / (double)el : 0.0, errs);
	return 0;
}
