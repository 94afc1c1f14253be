// SPDX-License-Identifier: GPL-2.0
/*
 * vipcheck - traffic generator and checker for the svcvip VM tests.
 *
 * One binary, five subcommands (serve, connect, hold, udpstream, race); see
 * the usage text below (vipcheck --help) for the exact command lines and
 * output formats, which the tests parse and which therefore are stable.
 *
 * Build: make -C tests/vm/tools  (C11, libc + pthread only; SCTP goes
 * through plain SOCK_STREAM/IPPROTO_SCTP sockets, no libsctp).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#ifndef IPPROTO_SCTP
#define IPPROTO_SCTP 132
#endif
#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif
#ifndef SOL_SCTP
#define SOL_SCTP 132
#endif
#define VC_SCTP_RTOINFO 0	/* SCTP_RTOINFO, without needing libsctp headers */
struct vc_sctp_rtoinfo {
	int32_t srto_assoc_id;
	uint32_t srto_initial, srto_max, srto_min;
};
#ifndef SO_REUSEPORT
#define SO_REUSEPORT 15
#endif

/* ------------------------------------------------------------------ usage */

static const char usage_head[] =
"usage: vipcheck CMD [OPTIONS]     (vipcheck CMD --help: that command only)\n"
"\n"
"Traffic generator/checker for the svcvip VM tests. Addresses are numeric\n"
"IPv4 or IPv6 (bare, e.g. fd00::1, or [fd00::1]; fe80::1%eth0 for a scope).\n"
"Options take their value as `--opt V` or `--opt=V`. Bad arguments: message\n"
"on stderr, exit status 2. Times are integer milliseconds. Counters (I in\n"
"attempt/switch lines) count from 0. Output goes to stdout, one fact per\n"
"line, `KEY VALUE...`, in the order documented below.\n"
"\n"
"Identity line: every server answer starts with `NAME PEERADDR PEERPORT\\n`,\n"
"the server's --name and the source address/port it saw the client come\n"
"from (an IPv4 client of a dual-stack server is shown as plain IPv4).\n"
"\n"
"Result classes used by the clients:\n"
"  ok        the identity arrived (and the full echo, with --payload)\n"
"  refused   ECONNREFUSED: TCP RST, SCTP ABORT, ICMP port/proto unreachable\n"
"            (reported immediately, not after the timeout)\n"
"  timeout   no complete answer within --timeout-ms (or ETIMEDOUT)\n"
"  error     anything else, named by errno (EHOSTUNREACH, ENETUNREACH,\n"
"            EINVAL for a blackhole route, ECONNRESET, EPIPE, ...) or:\n"
"            EOF (peer closed before the answer was complete), BADREPLY\n"
"            (not an identity line), BADECHO (echo differs from what was sent)\n"
"\n"
"commands:\n";

static const char usage_serve[] =
"  serve --proto tcp|udp|sctp --port P --name NAME [--bind ADDR]\n"
"        [-d|--daemon] [--pidfile F] [--log F] [--sctp-rto-ms R=500]\n"
"    Serve until SIGTERM/SIGINT. --bind defaults to `::` with IPV6_V6ONLY=0\n"
"    (IPv4 and IPv6; falls back to 0.0.0.0 without IPv6); an IPv4 --bind\n"
"    serves IPv4 only. --port 0 picks a free port.\n"
"    tcp/sctp: per accepted connection, send the identity line at once, then\n"
"      echo everything received until EOF, then close. One epoll loop, non-\n"
"      blocking sockets: thousands of connections/s and of open connections.\n"
"    udp: per datagram: if it starts with `?`, reply the identity line\n"
"      followed by the rest of the datagram after the `?` (so `?` alone gets\n"
"      exactly the identity line); otherwise echo the datagram unchanged.\n"
"      The reply leaves from the address the request was sent to (pktinfo).\n"
"    Prints `listening PROTO ADDR PORT` once the socket listens (flushed).\n"
"    -d: fork into the background once the socket listens, so the command\n"
"      returns when the server is ready; the daemon's stdin/stdout/stderr\n"
"      go to /dev/null, or stdout/stderr to --log F (appended).\n"
"    --pidfile F: the server's pid (the daemon's with -d), removed on exit.\n"
"    On SIGTERM/SIGINT prints `connections N` (datagrams for udp),\n"
"    `bytes_in N`, `bytes_out N` and exits 0; SIGUSR1 prints them too.\n"
"    SIGPIPE is ignored; a client's reset only ends that connection.\n"
"    --sctp-rto-ms R=500 (also for connect and hold): SCTP_RTOINFO initial\n"
"      RTO R ms, min R/2, max 2R; 0 keeps the kernel's (3000/1000/60000).\n"
"      Why: the server sends first, and when the guest's CPUs process the\n"
"      server's COOKIE-ACK and its first DATA out of order (different CPUs'\n"
"      backlogs), the client, still in COOKIE-ECHOED, drops the DATA and it\n"
"      is resent only after the initial RTO, 3 s by default - an attempt\n"
"      timeout for ~1% of SCTP connections in the 2-CPU QEMU guest.\n";

static const char usage_connect[] =
"  connect --proto tcp|udp|sctp --addr A --port P [--count N=1]\n"
"        [--timeout-ms T=2000] [--sport S] [--src ADDR] [--payload B=0]\n"
"        [--parallel K=1] [--interval-ms I=0] [--rst] [--sctp-rto-ms R]\n"
"        [--sport-list F] [-v|--verbose] [--stamp]\n"
"    N independent attempts, by K concurrent workers taking the next attempt\n"
"    number from a shared counter; each worker pauses I ms between its own\n"
"    attempts. Each attempt has a fresh socket (bound to --src and/or --sport\n"
"    if given; --sport sets SO_REUSEADDR) and T ms in total. Use --sport\n"
"    with K = 1 only: concurrent attempts would share the source port.\n"
"    --sport-list F: file F holds source ports (1..65535, separated by\n"
"      white space); attempt I is bound to the I-th of them (SO_REUSEADDR),\n"
"      N is their number (no --count, no --sport). Distinct ports can be\n"
"      used with K > 1. The -v `attempt I` lines tell which port is which.\n"
"    tcp/sctp: non-blocking connect, read the identity line; with B > 0 send\n"
"      B bytes and read the same B bytes back (compared); close.\n"
"    udp: connect() the socket, send `?` followed by B pattern bytes, wait\n"
"      for the reply: identity line plus (with B > 0) the same B bytes. An\n"
"      ICMP port unreachable (ECONNREFUSED on the connected socket) counts\n"
"      as refused; other ICMP errors (IP_RECVERR) give `error EHOSTUNREACH`\n"
"      etc. at once, like TCP. B <= 65000 for udp.\n"
"    --rst: tcp/sctp close with SO_LINGER 0 (RST/ABORT, no TIME_WAIT), so a\n"
"      fixed --sport can be reused at once for the next attempt; without it\n"
"      the client closes first and keeps TIME_WAIT (Linux reuses that port\n"
"      for a new connection only on loopback: net.ipv4.tcp_tw_reuse=2).\n"
"    Output, in this order:\n"
"      attempt I ok NAME PEERADDR PEERPORT MS   (-v only, one per attempt,\n"
"      attempt I refused MS                      in completion order)\n"
"      attempt I timeout MS\n"
"      attempt I error ERRNO_NAME MS\n"
"      name NAME COUNT          one per server name, sorted by NAME\n"
"      peer PEERADDR COUNT      source address the servers saw, sorted\n"
"      ok N\n"
"      refused N\n"
"      timeout N\n"
"      error N\n"
"      elapsed_ms MS            wall time of all N attempts\n"
"      latency_us P50 P90 P99 MAX  of the ok attempts' durations (us,\n"
"                               nearest rank; absent when none was ok)\n"
"    --stamp: each -v attempt line ends with `at T sport S STAGE`: T the\n"
"      attempt's start (CLOCK_REALTIME, ms since the epoch), S its source\n"
"      port (0 if it never got one) and STAGE where it ended: connect (TCP/\n"
"      SCTP handshake), read (answer), or udp.\n"
"    SIGTERM/SIGINT: no new attempts; the summary covers those made.\n"
"    Exit 0 iff all N attempts are ok, else 1.\n";

static const char usage_hold[] =
"  hold --proto tcp|sctp --addr A --port P [--interval-ms I=100]\n"
"        [--duration-ms D] [--until-file F] [--timeout-ms T=2000]\n"
"        [--echo-timeout-ms E=2000] [--src ADDR] [--sctp-rto-ms R]\n"
"        [-v|--verbose]\n"
"    One long-lived connection (connect within T ms). Prints and flushes\n"
"      connected NAME PEERADDR PEERPORT\n"
"    then every I ms sends `hold SEQ\\n` and expects it echoed within E ms\n"
"    (a late echo is skipped, not matched to a later probe). Stops when D ms\n"
"    have passed since `connected`, when file F exists (checked every probe\n"
"    and at least every 50 ms), on SIGTERM/SIGINT, or when the connection\n"
"    breaks. Without D and F it runs until a signal. Then prints\n"
"      sent N\n"
"      echoed N\n"
"      failed N                 probes not echoed in time (incl. the one\n"
"                               outstanding when the connection broke)\n"
"      identity NAME\n"
"      disconnected REASON      only if the connection broke: EOF,\n"
"                               ECONNRESET, EPIPE, ETIMEDOUT, ...\n"
"    -v adds `echo SEQ MS` / `fail SEQ REASON` lines as they happen.\n"
"    If the connection cannot be set up it prints `connect_failed refused`,\n"
"    `connect_failed timeout` or `connect_failed ERRNO_NAME` and then\n"
"    sent 0 / echoed 0 / failed 0 / identity -.\n"
"    Exit 0 iff connected, failed == 0 and the connection stayed up.\n";

static const char usage_udpstream[] =
"  udpstream --addr A --port P --sport S [--interval-ms I=100]\n"
"        [--duration-ms D] [--until-file F] [--count N]\n"
"        [--timeout-ms T=1000] [--src ADDR] [-v|--verbose]\n"
"    One UDP socket bound to source port S (SO_REUSEADDR) and connect()ed to\n"
"    A:P, kept for the whole run like a DNS resolver's. Every I ms sends\n"
"    probe number SEQ as the datagram `?SEQ`; the server's reply (identity\n"
"    line + SEQ) answers that probe if it arrives within T ms of the send.\n"
"    Stops sending after D ms, after N probes, when file F exists or on\n"
"    SIGTERM/SIGINT, then waits up to T ms for outstanding replies.\n"
"    Prints, in this order:\n"
"      sent N\n"
"      answered N\n"
"      lost N                   sent - answered\n"
"      max_gap N                longest run of consecutive unanswered probes\n"
"      names N1,N2,...          server names in order of first appearance\n"
"                               (by probe number; `-` if none answered)\n"
"      switch OLD NEW at SEQ    each change of name between consecutive\n"
"                               answered probes; SEQ is the first NEW probe\n"
"      probe SEQ NAME|lost      (-v only) every probe's fate, by SEQ\n"
"      name NAME COUNT          answered probes per name, sorted by NAME\n"
"      refused N                ICMP unreachable errors seen (not fatal)\n"
"      late N                   replies that came after T ms\n"
"      error N                  other transient send/receive errors\n"
"    Exit 0, or 1 if the socket cannot be created/bound/connected.\n";

static const char usage_race[] =
"  race --addr A --port P --sport S --count N [--threads T=4]\n"
"        [--timeout-ms W=1000] [--src ADDR] [-v|--verbose]\n"
"    UDP conntrack-clash generator. N rounds; round R (from 0) uses source\n"
"    port S+R (so S+N-1 <= 65535): T sockets are bound with SO_REUSEPORT\n"
"    (and SO_REUSEADDR) to the same source address:port and connect()ed to\n"
"    A:P, i.e. T sockets with the identical 5-tuple. T threads, one per\n"
"    socket, meet at a barrier (a pthread barrier followed by a spin) and\n"
"    each sends one `?` datagram at the same moment. Linux delivers every\n"
"    reply to one of the sockets sharing the 4-tuple (often the same one), so\n"
"    replies are not matched to senders: the main thread reads all T sockets\n"
"    until T replies arrived or W ms passed and counts the datagrams received.\n"
"    Prints, in this order:\n"
"      rounds N\n"
"      sent N                   datagrams sent (T per round if no errors)\n"
"      answered N               replies received, summed over rounds\n"
"      lost N                   sent - answered (never negative)\n"
"      name NAME COUNT          replies per server name, sorted by NAME\n"
"      error N                  failed sends\n"
"      split N                  rounds whose replies came from more than one\n"
"                               server name (racing packets of one flow NATed\n"
"                               to different backends)\n"
"    -v adds `round R port S+R answered K` per round.\n"
"    Exit 0, or 1 on a socket setup error.\n";

enum { C_SERVE = 1, C_CONNECT = 2, C_HOLD = 4, C_UDPSTREAM = 8, C_RACE = 16 };

static const struct {
	const char *name;
	int id;
	const char *usage;
} commands[] = {
	{ "serve", C_SERVE, usage_serve },
	{ "connect", C_CONNECT, usage_connect },
	{ "hold", C_HOLD, usage_hold },
	{ "udpstream", C_UDPSTREAM, usage_udpstream },
	{ "race", C_RACE, usage_race },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage_all(FILE *f)
{
	fputs(usage_head, f);
	for (size_t i = 0; i < NCOMMANDS; i++) {
		fputc('\n', f);
		fputs(commands[i].usage, f);
	}
}

/* ---------------------------------------------------------------- helpers */

static const char *cmd_name = "";

static void __attribute__((noreturn, format(printf, 1, 2))) usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vipcheck%s%s: ", *cmd_name ? " " : "", cmd_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(vipcheck %s%s--help for usage)\n", cmd_name, *cmd_name ? " " : "");
	exit(2);
}

static void __attribute__((format(printf, 1, 2))) warnx(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vipcheck%s%s: ", *cmd_name ? " " : "", cmd_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static const char *errname(int e)
{
	const char *n = strerrorname_np(e);

	return n ? n : "EUNKNOWN";
}

static int64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static volatile sig_atomic_t g_stop, g_dump;

static void on_stop(int sig)
{
	(void)sig;
	g_stop = 1;
}

static void on_usr1(int sig)
{
	(void)sig;
	g_dump = 1;
}

static void setup_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = on_stop;	/* no SA_RESTART: interrupt poll/recv */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
}

static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* parse a numeric address (optionally [bracketed], optionally %scope) */
static int parse_addr(const char *s, int port, struct sockaddr_storage *ss, socklen_t *len)
{
	char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 4];
	struct addrinfo hints, *res;
	size_t n = strlen(s);

	if (n >= sizeof(buf) || n == 0)
		return -1;
	if (s[0] == '[' && s[n - 1] == ']') {
		memcpy(buf, s + 1, n - 2);
		buf[n - 2] = 0;
	} else {
		memcpy(buf, s, n + 1);
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICHOST;
	if (getaddrinfo(buf, NULL, &hints, &res) != 0)
		return -1;
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
	else
		return -1;
	return 0;
}

/* address text (IPv4-mapped shown as IPv4) and port */
static void fmt_addr(const struct sockaddr *sa, char *buf, size_t n, int *port)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, buf, n);
		*port = ntohs(s4->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
			inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], buf, n);
		else
			inet_ntop(AF_INET6, &s6->sin6_addr, buf, n);
		*port = ntohs(s6->sin6_port);
	} else {
		snprintf(buf, n, "?");
		*port = 0;
	}
}

static void set_port(struct sockaddr_storage *ss, int port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

/*
 * SCTP retransmission timers for the associations of this socket (and of
 * those accepted from it): initial RTO ms, min ms/2, max 2*ms. See the
 * --sctp-rto-ms text in the usage.
 */
static void sctp_tune(int fd, long ms)
{
	struct vc_sctp_rtoinfo ri = { 0, (uint32_t)ms, (uint32_t)(2 * ms),
				      (uint32_t)(ms > 1 ? ms / 2 : ms) };

	if (ms > 0)
		setsockopt(fd, SOL_SCTP, VC_SCTP_RTOINFO, &ri, sizeof(ri));
}

/* ------------------------------------------------------------ count table */

struct count {
	char *key;
	long n;
};

struct table {
	struct count *v;
	size_t n, cap;
};

static void table_add(struct table *t, const char *key, long n)
{
	for (size_t i = 0; i < t->n; i++) {
		if (strcmp(t->v[i].key, key) == 0) {
			t->v[i].n += n;
			return;
		}
	}
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 8;
		t->v = realloc(t->v, t->cap * sizeof(*t->v));
		if (!t->v) {
			perror("vipcheck: realloc");
			exit(1);
		}
	}
	t->v[t->n].key = strdup(key);
	t->v[t->n].n = n;
	t->n++;
}

/* index of key, added with count 0 if new */
static size_t table_index(struct table *t, const char *key)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i].key, key) == 0)
			return i;
	table_add(t, key, 0);
	return t->n - 1;
}

static int count_cmp(const void *a, const void *b)
{
	return strcmp(((const struct count *)a)->key, ((const struct count *)b)->key);
}

static void table_print(struct table *t, const char *label)
{
	if (t->n)
		qsort(t->v, t->n, sizeof(*t->v), count_cmp);
	for (size_t i = 0; i < t->n; i++)
		printf("%s %s %ld\n", label, t->v[i].key, t->v[i].n);
}

/* ------------------------------------------------------------------ options */

struct cfg {
	int cmd;
	int proto;
	const char *proto_s;
	const char *addr_s, *name, *bind_s, *pidfile, *logfile, *src_s, *until_file;
	const char *sport_list;
	long port, count, timeout_ms, sport, payload, parallel, interval_ms;
	long duration_ms, threads, echo_timeout_ms, sctp_rto_ms;
	int daemon, verbose, rst, stamp;
	/* derived */
	struct sockaddr_storage dst, src;
	socklen_t dstlen, srclen;
	int family, have_src;
	long *sports, nsports;	/* --sport-list */
};

enum otype { O_STR, O_INT, O_FLAG };

struct optdef {
	const char *lng;
	char shrt;
	enum otype type;
	int cmds;
	size_t off;
	long min, max;
};

#define ALLC (C_SERVE | C_CONNECT | C_HOLD | C_UDPSTREAM | C_RACE)
#define CLIENTS (C_CONNECT | C_HOLD | C_UDPSTREAM | C_RACE)
#define OFF(f) offsetof(struct cfg, f)

static const struct optdef optdefs[] = {
	{ "proto", 0, O_STR, C_SERVE | C_CONNECT | C_HOLD, OFF(proto_s), 0, 0 },
	{ "port", 0, O_INT, ALLC, OFF(port), 0, 65535 },
	{ "name", 0, O_STR, C_SERVE, OFF(name), 0, 0 },
	{ "bind", 0, O_STR, C_SERVE, OFF(bind_s), 0, 0 },
	{ "daemon", 'd', O_FLAG, C_SERVE, OFF(daemon), 0, 0 },
	{ "pidfile", 0, O_STR, C_SERVE, OFF(pidfile), 0, 0 },
	{ "log", 0, O_STR, C_SERVE, OFF(logfile), 0, 0 },
	{ "addr", 0, O_STR, CLIENTS, OFF(addr_s), 0, 0 },
	{ "count", 0, O_INT, C_CONNECT | C_UDPSTREAM | C_RACE, OFF(count), 1, 100000000 },
	{ "timeout-ms", 0, O_INT, CLIENTS, OFF(timeout_ms), 1, 3600000 },
	{ "sport", 0, O_INT, C_CONNECT | C_UDPSTREAM | C_RACE, OFF(sport), 1, 65535 },
	{ "src", 0, O_STR, CLIENTS, OFF(src_s), 0, 0 },
	{ "payload", 0, O_INT, C_CONNECT, OFF(payload), 0, 1L << 30 },
	{ "parallel", 0, O_INT, C_CONNECT, OFF(parallel), 1, 10000 },
	{ "interval-ms", 0, O_INT, C_CONNECT | C_HOLD | C_UDPSTREAM, OFF(interval_ms), 0, 3600000 },
	{ "duration-ms", 0, O_INT, C_HOLD | C_UDPSTREAM, OFF(duration_ms), 1, LONG_MAX / 1000 },
	{ "until-file", 0, O_STR, C_HOLD | C_UDPSTREAM, OFF(until_file), 0, 0 },
	{ "echo-timeout-ms", 0, O_INT, C_HOLD, OFF(echo_timeout_ms), 1, 3600000 },
	{ "threads", 0, O_INT, C_RACE, OFF(threads), 1, 1024 },
	{ "sctp-rto-ms", 0, O_INT, C_SERVE | C_CONNECT | C_HOLD, OFF(sctp_rto_ms), 0, 60000 },
	{ "rst", 0, O_FLAG, C_CONNECT, OFF(rst), 0, 0 },
	{ "sport-list", 0, O_STR, C_CONNECT, OFF(sport_list), 0, 0 },
	{ "verbose", 'v', O_FLAG, CLIENTS, OFF(verbose), 0, 0 },
	{ "stamp", 0, O_FLAG, C_CONNECT, OFF(stamp), 0, 0 },
};
#define NOPTS (sizeof(optdefs) / sizeof(optdefs[0]))

static void parse_opts(struct cfg *c, int argc, char **argv, const char *usage)
{
	unsigned char seen[NOPTS] = { 0 };

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		const struct optdef *d = NULL;
		size_t k = NOPTS, nl;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(usage, stdout);
			exit(0);
		}
		if (a[0] == '-' && a[1] == '-' && a[2]) {
			const char *eq = strchr(a + 2, '=');

			nl = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
			for (k = 0; k < NOPTS; k++)
				if (strlen(optdefs[k].lng) == nl && !strncmp(optdefs[k].lng, a + 2, nl))
					break;
			if (eq)
				val = eq + 1;
		} else if (a[0] == '-' && a[1] && !a[2]) {
			for (k = 0; k < NOPTS; k++)
				if (optdefs[k].shrt == a[1])
					break;
		} else {
			usage_error("unexpected argument '%s'", a);
		}
		if (k == NOPTS || !(optdefs[k].cmds & c->cmd))
			usage_error("unknown option '%s'", a);
		d = &optdefs[k];
		if (seen[k]++)
			usage_error("option --%s given twice", d->lng);
		if (d->type == O_FLAG) {
			if (val)
				usage_error("option --%s takes no value", d->lng);
			*(int *)((char *)c + d->off) = 1;
			continue;
		}
		if (!val) {
			if (i + 1 >= argc)
				usage_error("option --%s needs a value", d->lng);
			val = argv[++i];
		}
		if (d->type == O_STR) {
			if (!*val)
				usage_error("option --%s needs a non-empty value", d->lng);
			*(const char **)((char *)c + d->off) = val;
		} else {
			char *end;
			long v;

			errno = 0;
			v = strtol(val, &end, 10);
			if (errno || end == val || *end || v < d->min || v > d->max)
				usage_error("option --%s: need an integer in [%ld, %ld], not '%s'",
					    d->lng, d->min, d->max, val);
			*(long *)((char *)c + d->off) = v;
		}
	}
}

static void need(const void *p, const char *opt)
{
	if (!p)
		usage_error("missing --%s", opt);
}

static void finish_cfg(struct cfg *c, int port_given)
{
	int allowed = c->cmd == C_SERVE ? 7 : c->cmd == C_CONNECT ? 7 : c->cmd == C_HOLD ? 5 : 2;

	if (c->cmd & (C_SERVE | C_CONNECT | C_HOLD)) {
		need(c->proto_s, "proto");
		if (!strcmp(c->proto_s, "tcp") && (allowed & 1))
			c->proto = IPPROTO_TCP;
		else if (!strcmp(c->proto_s, "udp") && (allowed & 2))
			c->proto = IPPROTO_UDP;
		else if (!strcmp(c->proto_s, "sctp") && (allowed & 4))
			c->proto = IPPROTO_SCTP;
		else
			usage_error("--proto must be %s, not '%s'",
				    allowed == 7 ? "tcp, udp or sctp" : "tcp or sctp", c->proto_s);
	} else {
		c->proto = IPPROTO_UDP;
		c->proto_s = "udp";
	}
	if (!port_given)
		usage_error("missing --port");
	if (c->cmd == C_SERVE) {
		need(c->name, "name");
		for (const char *p = c->name; *p; p++)
			if ((unsigned char)*p <= ' ' || *p == 127)
				usage_error("--name must not contain spaces or control characters");
		if (strlen(c->name) > 100)
			usage_error("--name is longer than 100 characters");
		return;
	}
	if (c->port == 0)
		usage_error("--port must be 1..65535");
	need(c->addr_s, "addr");
	if (parse_addr(c->addr_s, (int)c->port, &c->dst, &c->dstlen) < 0)
		usage_error("--addr: not a numeric IPv4/IPv6 address: '%s'", c->addr_s);
	c->family = c->dst.ss_family;
	if (c->src_s) {
		if (parse_addr(c->src_s, 0, &c->src, &c->srclen) < 0)
			usage_error("--src: not a numeric IPv4/IPv6 address: '%s'", c->src_s);
		if (c->src.ss_family != c->family)
			usage_error("--src and --addr must be the same address family");
		c->have_src = 1;
	} else {
		memset(&c->src, 0, sizeof(c->src));
		c->src.ss_family = c->family;
		c->srclen = c->family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	}
	if ((c->cmd & (C_UDPSTREAM | C_RACE)) && !c->sport)
		usage_error("missing --sport");
	if (c->cmd == C_RACE) {
		if (!c->count)
			usage_error("missing --count");
		if (c->sport + c->count - 1 > 65535)
			usage_error("--sport + --count - 1 exceeds 65535");
	}
	if (c->cmd == C_CONNECT && c->proto == IPPROTO_UDP && c->payload > 65000)
		usage_error("--payload must be <= 65000 for udp");
	if (c->cmd == C_CONNECT && c->sport_list) {
		FILE *f;
		long v, cap = 0;
		char w[32];

		if (c->count || c->sport)
			usage_error("--sport-list excludes --count and --sport");
		f = fopen(c->sport_list, "r");
		if (!f)
			usage_error("--sport-list %s: %s", c->sport_list, strerror(errno));
		while (fscanf(f, "%31s", w) == 1) {
			char *end;

			errno = 0;
			v = strtol(w, &end, 10);
			if (errno || *end || v < 1 || v > 65535)
				usage_error("--sport-list %s: not a port: '%s'", c->sport_list, w);
			if (c->nsports == cap) {
				cap = cap ? 2 * cap : 1024;
				c->sports = realloc(c->sports, cap * sizeof(*c->sports));
				if (!c->sports) {
					perror("vipcheck: realloc");
					exit(1);
				}
			}
			c->sports[c->nsports++] = v;
		}
		fclose(f);
		if (!c->nsports)
			usage_error("--sport-list %s: no ports", c->sport_list);
		c->count = c->nsports;
	}
	if (c->cmd == C_CONNECT && !c->count)
		c->count = 1;
}

/* ================================================================== serve */

static struct {
	long conns, bytes_in, bytes_out;
} st;

static void print_stats(const struct cfg *c)
{
	printf("%s %ld\nbytes_in %ld\nbytes_out %ld\n",
	       c->proto == IPPROTO_UDP ? "datagrams" : "connections",
	       st.conns, st.bytes_in, st.bytes_out);
	fflush(stdout);
}

struct conn {
	int fd;
	size_t off, len;	/* pending output in out[] */
	char *out;
};

static char iobuf[65536 + 512];

static void conn_close(struct conn *k)
{
	close(k->fd);
	free(k->out);
	free(k);
}

/* write what we can; keep the rest pending. -1: connection is dead */
static int conn_send(int ep, struct conn *k, const char *p, size_t n)
{
	ssize_t w = send(k->fd, p, n, MSG_NOSIGNAL);
	struct epoll_event ev;

	if (w < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return -1;
		w = 0;
	}
	st.bytes_out += w;
	if ((size_t)w == n)
		return 0;
	k->out = malloc(n - w);
	if (!k->out)
		return -1;
	memcpy(k->out, p + w, n - w);
	k->off = 0;
	k->len = n - w;
	ev.events = EPOLLOUT;
	ev.data.ptr = k;
	epoll_ctl(ep, EPOLL_CTL_MOD, k->fd, &ev);
	return 0;
}

static void serve_stream(const struct cfg *c, int lfd)
{
	struct epoll_event ev, evs[256];
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0) {
		perror("vipcheck serve: epoll_create1");
		exit(1);
	}
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	while (!g_stop) {
		int n = epoll_wait(ep, evs, 256, 500);	/* 500: a signal racing the wait */

		if (g_dump) {
			g_dump = 0;
			print_stats(c);
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("vipcheck serve: epoll_wait");
			exit(1);
		}
		for (int i = 0; i < n; i++) {
			struct conn *k = evs[i].data.ptr;

			if (!k) {
				for (int j = 0; j < 64; j++) {
					struct sockaddr_storage ss;
					socklen_t sl = sizeof(ss);
					char a[INET6_ADDRSTRLEN], line[256];
					int fd, port, len;

					fd = accept4(lfd, (struct sockaddr *)&ss, &sl,
						     SOCK_NONBLOCK | SOCK_CLOEXEC);
					if (fd < 0) {
						if (errno == EMFILE || errno == ENFILE ||
						    errno == ENOBUFS || errno == ENOMEM) {
							warnx("accept: %s", strerror(errno));
							sleep_ms(10);
						}
						break;
					}
					st.conns++;
					if (sl == 0 || ((struct sockaddr *)&ss)->sa_family == AF_UNSPEC)
						getpeername(fd, (struct sockaddr *)&ss, &sl);
					fmt_addr((struct sockaddr *)&ss, a, sizeof(a), &port);
					len = snprintf(line, sizeof(line), "%s %s %d\n", c->name, a, port);
					k = calloc(1, sizeof(*k));
					if (!k) {
						close(fd);
						continue;
					}
					k->fd = fd;
					ev.events = EPOLLIN;
					ev.data.ptr = k;
					if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0 ||
					    conn_send(ep, k, line, len) < 0)
						conn_close(k);
				}
				continue;
			}
			if (k->len) {	/* flushing pending output */
				ssize_t w = send(k->fd, k->out + k->off, k->len, MSG_NOSIGNAL);

				if (w < 0) {
					if (errno != EAGAIN && errno != EINTR)
						conn_close(k);
					continue;
				}
				st.bytes_out += w;
				k->off += w;
				k->len -= w;
				if (k->len == 0) {
					free(k->out);
					k->out = NULL;
					ev.events = EPOLLIN;
					ev.data.ptr = k;
					epoll_ctl(ep, EPOLL_CTL_MOD, k->fd, &ev);
				}
				continue;
			}
			ssize_t r = recv(k->fd, iobuf, sizeof(iobuf), 0);

			if (r > 0) {
				st.bytes_in += r;
				if (conn_send(ep, k, iobuf, r) < 0)
					conn_close(k);
			} else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
				conn_close(k);
			}
		}
	}
}

static void serve_udp(const struct cfg *c, int fd, int fam)
{
	union {
		struct cmsghdr h;
		char b[256];
	} cbuf;
	char a[INET6_ADDRSTRLEN], line[256];
	static char reply[sizeof(iobuf) + 256];
	struct timeval tv = { 0, 500000 };	/* a signal racing recvmsg */
	int one = 1;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (fam == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
	else
		setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	while (!g_stop) {
		struct sockaddr_storage ss;
		struct iovec iov = { iobuf, sizeof(iobuf) };
		struct msghdr m = {
			.msg_name = &ss, .msg_namelen = sizeof(ss),
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = &cbuf, .msg_controllen = sizeof(cbuf),
		};
		union {
			struct cmsghdr h;
			char b[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		} out;
		struct cmsghdr *cm;
		ssize_t n = recvmsg(fd, &m, 0);
		size_t rlen, clen = 0;
		const char *rp;
		int port;

		if (g_dump) {
			g_dump = 0;
			print_stats(c);
		}
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			if (errno == ECONNREFUSED || errno == EHOSTUNREACH || errno == ENETUNREACH)
				continue;
			perror("vipcheck serve: recvmsg");
			exit(1);
		}
		st.conns++;
		st.bytes_in += n;
		if (n > 0 && iobuf[0] == '?') {
			int l;

			fmt_addr((struct sockaddr *)&ss, a, sizeof(a), &port);
			l = snprintf(line, sizeof(line), "%s %s %d\n", c->name, a, port);
			memcpy(reply, line, l);
			memcpy(reply + l, iobuf + 1, n - 1);
			rp = reply;
			rlen = l + n - 1;
		} else {
			rp = iobuf;
			rlen = n;
		}
		/* reply from the address the datagram was sent to */
		memset(&out, 0, sizeof(out));
		for (cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm)) {
			if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO) {
				struct in6_pktinfo pi;
				struct cmsghdr *o = &out.h;

				memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
				if (!IN6_IS_ADDR_LINKLOCAL(&pi.ipi6_addr))
					pi.ipi6_ifindex = 0;
				if (IN6_IS_ADDR_MULTICAST(&pi.ipi6_addr))
					break;
				o->cmsg_level = IPPROTO_IPV6;
				o->cmsg_type = IPV6_PKTINFO;
				o->cmsg_len = CMSG_LEN(sizeof(pi));
				memcpy(CMSG_DATA(o), &pi, sizeof(pi));
				clen = CMSG_SPACE(sizeof(pi));
			} else if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
				struct in_pktinfo pi;
				struct cmsghdr *o = &out.h;

				memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
				if (IN_MULTICAST(ntohl(pi.ipi_addr.s_addr)) ||
				    pi.ipi_addr.s_addr == INADDR_BROADCAST)
					break;
				pi.ipi_ifindex = 0;
				pi.ipi_spec_dst = pi.ipi_addr;
				o->cmsg_level = IPPROTO_IP;
				o->cmsg_type = IP_PKTINFO;
				o->cmsg_len = CMSG_LEN(sizeof(pi));
				memcpy(CMSG_DATA(o), &pi, sizeof(pi));
				clen = CMSG_SPACE(sizeof(pi));
			}
		}
		struct iovec oiov = { (void *)rp, rlen };
		struct msghdr om = {
			.msg_name = &ss, .msg_namelen = m.msg_namelen,
			.msg_iov = &oiov, .msg_iovlen = 1,
			.msg_control = clen ? &out : NULL, .msg_controllen = clen,
		};
		ssize_t w = sendmsg(fd, &om, 0);

		if (w < 0 && clen && errno == EINVAL) {
			om.msg_control = NULL;
			om.msg_controllen = 0;
			w = sendmsg(fd, &om, 0);
		}
		if (w > 0)
			st.bytes_out += w;
	}
}

static int cmd_serve(struct cfg *c)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fam, fd, one = 1, zero = 0, port;
	int type = c->proto == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM;
	char a[INET6_ADDRSTRLEN];

	if (c->bind_s) {
		if (parse_addr(c->bind_s, (int)c->port, &ss, &sl) < 0)
			usage_error("--bind: not a numeric IPv4/IPv6 address: '%s'", c->bind_s);
		fam = ss.ss_family;
		fd = socket(fam, type | SOCK_CLOEXEC, c->proto);
	} else {
		struct sockaddr_in6 *s6 = (void *)&ss;

		memset(&ss, 0, sizeof(ss));
		s6->sin6_family = fam = AF_INET6;
		s6->sin6_port = htons(c->port);
		sl = sizeof(*s6);
		fd = socket(fam, type | SOCK_CLOEXEC, c->proto);
		if (fd < 0 && errno == EAFNOSUPPORT) {
			struct sockaddr_in *s4 = (void *)&ss;

			memset(&ss, 0, sizeof(ss));
			s4->sin_family = fam = AF_INET;
			s4->sin_port = htons(c->port);
			sl = sizeof(*s4);
			fd = socket(fam, type | SOCK_CLOEXEC, c->proto);
		}
	}
	if (fd < 0) {
		warnx("socket(%s): %s", c->proto_s, strerror(errno));
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (c->proto == IPPROTO_SCTP)
		sctp_tune(fd, c->sctp_rto_ms);
	if (fam == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(&((struct sockaddr_in6 *)&ss)->sin6_addr))
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		warnx("bind %s port %ld: %s", c->bind_s ? c->bind_s : "::", c->port, strerror(errno));
		return 1;
	}
	if (type == SOCK_STREAM) {
		if (listen(fd, 4096) < 0) {
			warnx("listen: %s", strerror(errno));
			return 1;
		}
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	}
	sl = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	fmt_addr((struct sockaddr *)&ss, a, sizeof(a), &port);

	if (c->daemon) {
		pid_t pid;

		fflush(NULL);
		pid = fork();
		if (pid < 0) {
			warnx("fork: %s", strerror(errno));
			return 1;
		}
		if (pid > 0) {
			if (c->pidfile) {
				FILE *f = fopen(c->pidfile, "w");

				if (!f || fprintf(f, "%d\n", (int)pid) < 0 || fclose(f) != 0) {
					warnx("cannot write %s: %s", c->pidfile, strerror(errno));
					kill(pid, SIGTERM);
					return 1;
				}
			}
			printf("listening %s %s %d\n", c->proto_s, a, port);
			fflush(stdout);
			_exit(0);
		}
		setsid();
		int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
		int lg = c->logfile ? open(c->logfile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644) : -1;

		if (nul >= 0) {
			dup2(nul, 0);
			dup2(lg >= 0 ? lg : nul, 1);
			dup2(lg >= 0 ? lg : nul, 2);
		}
		if (chdir("/") < 0)
			(void)0;
	} else {
		if (c->pidfile) {
			FILE *f = fopen(c->pidfile, "w");

			if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f) != 0) {
				warnx("cannot write %s: %s", c->pidfile, strerror(errno));
				return 1;
			}
		}
		printf("listening %s %s %d\n", c->proto_s, a, port);
		fflush(stdout);
	}
	if (type == SOCK_STREAM)
		serve_stream(c, fd);
	else
		serve_udp(c, fd, fam);
	print_stats(c);
	if (c->pidfile) {
		/* only remove it if it is still ours */
		FILE *f = fopen(c->pidfile, "r");
		int p = 0;

		if (f) {
			if (fscanf(f, "%d", &p) == 1 && p == (int)getpid())
				unlink(c->pidfile);
			fclose(f);
		}
	}
	return 0;
}

/* ================================================================ clients */

enum { RES_OK, RES_REFUSED, RES_TIMEOUT, RES_ERROR };

struct result {
	int kind;
	const char *err;
	char name[128];
	char peer[INET6_ADDRSTRLEN + 16];
	int pport;
	int sport;		/* --stamp: local port, stage */
	const char *stage;
};

static int local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t l = sizeof(ss);
	char a[INET6_ADDRSTRLEN];
	int port;

	if (getsockname(fd, (struct sockaddr *)&ss, &l) < 0)
		return 0;
	fmt_addr((struct sockaddr *)&ss, a, sizeof(a), &port);
	return port;
}

static int classify(struct result *r, int e)
{
	if (e == ECONNREFUSED) {
		r->kind = RES_REFUSED;
	} else if (e == ETIMEDOUT) {
		r->kind = RES_TIMEOUT;
	} else {
		r->kind = RES_ERROR;
		r->err = errname(e);
	}
	return -1;
}

static int proto_error(struct result *r, const char *what)
{
	r->kind = RES_ERROR;
	r->err = what;
	return -1;
}

static int timed_out(struct result *r)
{
	r->kind = RES_TIMEOUT;
	return -1;
}

/* poll one fd until deadline: revents, 0 on timeout, -1 on error */
static int wait_ev(int fd, short events, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - mono_us();
		struct pollfd p = { .fd = fd, .events = events };
		int n;

		if (left <= 0)
			return 0;
		n = poll(&p, 1, (int)((left + 999) / 1000));
		if (n > 0)
			return p.revents;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

/* "NAME ADDR PORT" (no newline) */
static int parse_identity(char *line, struct result *r)
{
	char *save, *name, *addr, *port, *end;
	long p;

	name = strtok_r(line, " ", &save);
	addr = name ? strtok_r(NULL, " ", &save) : NULL;
	port = addr ? strtok_r(NULL, " ", &save) : NULL;
	if (!port || strtok_r(NULL, " ", &save))
		return -1;
	p = strtol(port, &end, 10);
	if (*end || p < 0 || p > 65535 || strlen(name) >= sizeof(r->name) ||
	    strlen(addr) >= sizeof(r->peer))
		return -1;
	strcpy(r->name, name);
	strcpy(r->peer, addr);
	r->pport = (int)p;
	return 0;
}

/* bind --src / --sport if asked */
static int bind_source(const struct cfg *c, int fd, int sport, int reuseport)
{
	struct sockaddr_storage ss = c->src;
	int one = 1;

	if (!c->have_src && !sport)
		return 0;
	if (sport)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	else if (c->proto != IPPROTO_UDP)
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
	if (reuseport)
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	set_port(&ss, sport);
	return bind(fd, (struct sockaddr *)&ss, c->srclen);
}

/* non-blocking stream connect: fd, or -1 with r set */
static int stream_connect(const struct cfg *c, int sport, int64_t deadline, struct result *r)
{
	int fd = socket(c->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, c->proto);
	int re, err = 0;
	socklen_t el = sizeof(err);

	if (fd < 0)
		return classify(r, errno);
	if (c->proto == IPPROTO_SCTP)
		sctp_tune(fd, c->sctp_rto_ms);
	if (bind_source(c, fd, sport, 0) < 0)
		goto fail_errno;
	r->stage = "connect";
	if (connect(fd, (struct sockaddr *)&c->dst, c->dstlen) < 0 && errno != EINPROGRESS)
		goto fail_errno;
	r->sport = local_port(fd);
	re = wait_ev(fd, POLLOUT, deadline);
	if (re == 0) {
		close(fd);
		return timed_out(r);
	}
	if (re < 0)
		goto fail_errno;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
		goto fail_errno;
	if (err) {
		close(fd);
		return classify(r, err);
	}
	return fd;
fail_errno:
	err = errno;
	close(fd);
	return classify(r, err);
}

/* read the identity line; no bytes may follow it (nothing was sent yet) */
static int read_identity(int fd, int64_t deadline, struct result *r)
{
	char line[512];
	size_t len = 0;

	for (;;) {
		int re = wait_ev(fd, POLLIN, deadline);
		ssize_t n;
		char *nl;

		if (re == 0)
			return timed_out(r);
		if (re < 0)
			return classify(r, errno);
		n = recv(fd, line + len, sizeof(line) - 1 - len, 0);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return classify(r, errno);
		}
		if (n == 0)
			return proto_error(r, "EOF");
		len += n;
		line[len] = 0;
		nl = memchr(line, '\n', len);
		if (nl) {
			if ((size_t)(nl - line) != len - 1)
				return proto_error(r, "BADREPLY");
			*nl = 0;
			if (parse_identity(line, r) < 0)
				return proto_error(r, "BADREPLY");
			return 0;
		}
		if (len == sizeof(line) - 1)
			return proto_error(r, "BADREPLY");
	}
}

/* ---------------------------------------------------------------- connect */

static char *g_pattern;		/* --payload bytes */
static char *g_udpreq;		/* '?' + pattern */
static atomic_long g_next;
static pthread_mutex_t g_outlock = PTHREAD_MUTEX_INITIALIZER;

struct worker {
	pthread_t th;
	const struct cfg *c;
	long n[4];
	struct table names, peers;
	char *rbuf;
	size_t rbufsz;
	int64_t *lat_us;	/* each ok attempt's duration */
	size_t nlat, lat_cap;
};

static void lat_add(struct worker *w, int64_t us)
{
	if (w->nlat == w->lat_cap) {
		size_t cap = w->lat_cap ? 2 * w->lat_cap : 1024;
		int64_t *v = realloc(w->lat_us, cap * sizeof(*v));

		if (!v)
			return;	/* the percentiles then cover fewer */
		w->lat_us = v;
		w->lat_cap = cap;
	}
	w->lat_us[w->nlat++] = us;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int exchange(int fd, const struct cfg *c, struct worker *w, int64_t deadline, struct result *r)
{
	long sent = 0, got = 0, len = c->payload;

	while (got < len) {
		short ev = POLLIN | (sent < len ? POLLOUT : 0);
		int re = wait_ev(fd, ev, deadline);
		ssize_t n;

		if (re == 0)
			return timed_out(r);
		if (re < 0)
			return classify(r, errno);
		if (sent < len && (re & (POLLOUT | POLLERR | POLLHUP))) {
			n = send(fd, g_pattern + sent, len - sent, MSG_NOSIGNAL);
			if (n > 0)
				sent += n;
			else if (n < 0 && errno != EAGAIN && errno != EINTR)
				return classify(r, errno);
		}
		if (re & (POLLIN | POLLERR | POLLHUP)) {
			size_t want = (size_t)(len - got) < w->rbufsz ? (size_t)(len - got) : w->rbufsz;

			n = recv(fd, w->rbuf, want, 0);
			if (n > 0) {
				if (got + n > sent || memcmp(w->rbuf, g_pattern + got, n))
					return proto_error(r, "BADECHO");
				got += n;
			} else if (n == 0) {
				return proto_error(r, "EOF");
			} else if (errno != EAGAIN && errno != EINTR) {
				return classify(r, errno);
			}
		}
	}
	return 0;
}

static void attempt_stream(const struct cfg *c, int sport, struct worker *w, struct result *r)
{
	int64_t deadline = mono_us() + c->timeout_ms * 1000;
	int fd = stream_connect(c, sport, deadline, r);

	if (fd < 0)
		return;
	r->stage = "read";
	if (read_identity(fd, deadline, r) == 0 &&
	    (c->payload == 0 || exchange(fd, c, w, deadline, r) == 0))
		r->kind = RES_OK;
	if (c->rst) {
		struct linger lg = { 1, 0 };

		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	close(fd);
}

static void attempt_udp(const struct cfg *c, int sport, struct worker *w, struct result *r)
{
	int64_t deadline = mono_us() + c->timeout_ms * 1000;
	int fd = socket(c->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	size_t reqlen = 1 + (size_t)c->payload;
	int one = 1;

	if (fd < 0) {
		classify(r, errno);
		return;
	}
	/* every ICMP error ends the attempt at once, not only port unreachable */
	if (c->family == AF_INET)
		setsockopt(fd, IPPROTO_IP, IP_RECVERR, &one, sizeof(one));
	else
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof(one));
	if (bind_source(c, fd, sport, 0) < 0 ||
	    connect(fd, (struct sockaddr *)&c->dst, c->dstlen) < 0) {
		classify(r, errno);
		goto out;
	}
	r->sport = local_port(fd);
	if (send(fd, g_udpreq, reqlen, 0) < 0) {
		classify(r, errno);
		goto out;
	}
	for (;;) {
		int re = wait_ev(fd, POLLIN, deadline);
		ssize_t n;
		char *nl;

		if (re == 0) {
			timed_out(r);
			break;
		}
		if (re < 0) {
			classify(r, errno);
			break;
		}
		n = recv(fd, w->rbuf, w->rbufsz - 1, 0);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			classify(r, errno);
			break;
		}
		w->rbuf[n] = 0;
		nl = memchr(w->rbuf, '\n', n);
		if (!nl) {
			proto_error(r, "BADREPLY");
			break;
		}
		*nl = 0;
		if (parse_identity(w->rbuf, r) < 0) {
			proto_error(r, "BADREPLY");
			break;
		}
		if (n - (nl + 1 - w->rbuf) != c->payload ||
		    memcmp(nl + 1, g_pattern, c->payload)) {
			proto_error(r, "BADECHO");
			break;
		}
		r->kind = RES_OK;
		break;
	}
out:
	close(fd);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	const struct cfg *c = w->c;
	int first = 1;

	for (;;) {
		long i = atomic_fetch_add(&g_next, 1);
		struct result r;
		int64_t t0, start_ms;
		long ms;
		int sport;
		char stamp[96] = "";

		if (i >= c->count || g_stop)
			break;	/* SIGTERM: stop, report what was done */
		if (!first && c->interval_ms)
			sleep_ms(c->interval_ms);
		first = 0;
		memset(&r, 0, sizeof(r));
		r.kind = RES_ERROR;
		r.err = "EUNKNOWN";
		t0 = mono_us();
		start_ms = real_ms();
		sport = c->sports ? (int)c->sports[i] : (int)c->sport;
		if (c->proto == IPPROTO_UDP)
			attempt_udp(c, sport, w, &r);
		else
			attempt_stream(c, sport, w, &r);
		ms = (long)((mono_us() - t0) / 1000);
		if (r.kind == RES_OK)
			lat_add(w, mono_us() - t0);
		if (c->stamp)
			snprintf(stamp, sizeof(stamp), " at %lld sport %d %s",
				 (long long)start_ms, r.sport,
				 c->proto == IPPROTO_UDP ? "udp" : r.stage ? r.stage : "connect");
		w->n[r.kind]++;
		if (r.kind == RES_OK) {
			table_add(&w->names, r.name, 1);
			table_add(&w->peers, r.peer, 1);
		}
		if (c->verbose) {
			pthread_mutex_lock(&g_outlock);
			switch (r.kind) {
			case RES_OK:
				printf("attempt %ld ok %s %s %d %ld%s\n", i, r.name, r.peer, r.pport,
				       ms, stamp);
				break;
			case RES_REFUSED:
				printf("attempt %ld refused %ld%s\n", i, ms, stamp);
				break;
			case RES_TIMEOUT:
				printf("attempt %ld timeout %ld%s\n", i, ms, stamp);
				break;
			default:
				printf("attempt %ld error %s %ld%s\n", i, r.err, ms, stamp);
			}
			fflush(stdout);	/* a test may follow the progress */
			pthread_mutex_unlock(&g_outlock);
		}
	}
	return NULL;
}

/* latency_us P50 P90 P99 MAX over the ok attempts (nearest rank) */
static void print_latency(struct worker *ws, long k)
{
	size_t n = 0, at = 0;
	int64_t *all;

	for (long i = 0; i < k; i++)
		n += ws[i].nlat;
	if (!n)
		return;
	all = malloc(n * sizeof(*all));
	if (!all)
		return;
	for (long i = 0; i < k; i++) {
		memcpy(all + at, ws[i].lat_us, ws[i].nlat * sizeof(*all));
		at += ws[i].nlat;
	}
	qsort(all, n, sizeof(*all), cmp_i64);
#define RANK(p) all[(n * (p) + 99) / 100 - 1]
	printf("latency_us %lld %lld %lld %lld\n", (long long)RANK(50),
	       (long long)RANK(90), (long long)RANK(99), (long long)all[n - 1]);
#undef RANK
	free(all);
}

static int cmd_connect(struct cfg *c)
{
	long k = c->parallel < c->count ? c->parallel : c->count;
	struct worker *ws = calloc(k, sizeof(*ws));
	struct table names = { 0 }, peers = { 0 };
	long tot[4] = { 0 };
	int64_t t0;
	pthread_attr_t at;

	g_pattern = malloc(c->payload + 1);
	g_udpreq = malloc(c->payload + 2);
	if (!ws || !g_pattern || !g_udpreq) {
		perror("vipcheck: malloc");
		return 1;
	}
	for (long i = 0; i < c->payload; i++)
		g_pattern[i] = (char)('a' + (i * 7 + i / 26) % 26);
	g_udpreq[0] = '?';
	memcpy(g_udpreq + 1, g_pattern, c->payload);
	pthread_attr_init(&at);
	pthread_attr_setstacksize(&at, 256 * 1024);
	t0 = mono_us();
	for (long i = 0; i < k; i++) {
		ws[i].c = c;
		ws[i].rbufsz = c->proto == IPPROTO_UDP ? 65536 + 512 : 65536;
		ws[i].rbuf = malloc(ws[i].rbufsz);
		if (!ws[i].rbuf) {
			perror("vipcheck: malloc");
			return 1;
		}
		if (k > 1 && pthread_create(&ws[i].th, &at, worker_main, &ws[i]) != 0) {
			warnx("pthread_create: %s", strerror(errno));
			return 1;
		}
	}
	if (k == 1)
		worker_main(&ws[0]);
	else
		for (long i = 0; i < k; i++)
			pthread_join(ws[i].th, NULL);
	long elapsed = (long)((mono_us() - t0) / 1000);

	for (long i = 0; i < k; i++) {
		for (int j = 0; j < 4; j++)
			tot[j] += ws[i].n[j];
		for (size_t j = 0; j < ws[i].names.n; j++)
			table_add(&names, ws[i].names.v[j].key, ws[i].names.v[j].n);
		for (size_t j = 0; j < ws[i].peers.n; j++)
			table_add(&peers, ws[i].peers.v[j].key, ws[i].peers.v[j].n);
	}
	table_print(&names, "name");
	table_print(&peers, "peer");
	printf("ok %ld\nrefused %ld\ntimeout %ld\nerror %ld\nelapsed_ms %ld\n",
	       tot[RES_OK], tot[RES_REFUSED], tot[RES_TIMEOUT], tot[RES_ERROR], elapsed);
	print_latency(ws, k);
	fflush(stdout);
	return tot[RES_OK] == c->count ? 0 : 1;
}

/* ------------------------------------------------------------------- hold */

static int stop_requested(const struct cfg *c, int64_t start)
{
	if (g_stop)
		return 1;
	if (c->duration_ms && mono_us() - start >= c->duration_ms * 1000)
		return 1;
	if (c->until_file && access(c->until_file, F_OK) == 0)
		return 1;
	return 0;
}

static int cmd_hold(struct cfg *c)
{
	int64_t deadline = mono_us() + c->timeout_ms * 1000, start, next;
	struct result r;
	long sent = 0, echoed = 0, failed = 0, seq = 0;
	const char *down = NULL;
	char buf[4096];
	size_t blen = 0;
	int fd;

	memset(&r, 0, sizeof(r));
	fd = stream_connect(c, (int)c->sport, deadline, &r);
	if (fd >= 0 && read_identity(fd, deadline, &r) < 0) {
		close(fd);
		fd = -1;
	}
	if (fd < 0) {
		printf("connect_failed %s\n", r.kind == RES_REFUSED ? "refused" :
		       r.kind == RES_TIMEOUT ? "timeout" : r.err);
		printf("sent 0\nechoed 0\nfailed 0\nidentity -\n");
		return 1;
	}
	printf("connected %s %s %d\n", r.name, r.peer, r.pport);
	fflush(stdout);
	start = next = mono_us();
	for (;;) {
		char line[64];
		int len, got = 0;
		int64_t t0, edl;

		/* wait for the next send time, watching the connection */
		while (!down && !stop_requested(c, start)) {
			int64_t now = mono_us(), slice = next - now;
			int re;

			if (slice <= 0)
				break;
			if (slice > 50000)
				slice = 50000;
			re = wait_ev(fd, POLLIN, now + slice);
			if (re > 0) {
				ssize_t n = recv(fd, buf + blen, sizeof(buf) - blen, 0);

				if (n == 0)
					down = "EOF";
				else if (n < 0 && errno != EAGAIN && errno != EINTR)
					down = errname(errno);
				else if (n > 0)	/* late echo: discard */
					blen = 0;
			}
		}
		if (down || stop_requested(c, start))
			break;
		len = snprintf(line, sizeof(line), "hold %ld\n", seq);
		t0 = mono_us();
		edl = t0 + c->echo_timeout_ms * 1000;
		next += c->interval_ms * 1000;
		if (next < t0)
			next = t0;
		ssize_t w = send(fd, line, len, MSG_NOSIGNAL);

		if (w != len) {
			/* a short line either goes at once or the connection is gone */
			down = w >= 0 || errno == EAGAIN ? "SNDBUF" : errname(errno);
			failed++;
			if (c->verbose)
				printf("fail %ld %s\n", seq, down);
			break;
		}
		sent++;
		while (!got) {
			int re = wait_ev(fd, POLLIN, edl);
			ssize_t n;
			char *nl;

			if (re == 0)
				break;
			if (re < 0) {
				down = errname(errno);
				break;
			}
			if (blen == sizeof(buf))
				blen = 0;
			n = recv(fd, buf + blen, sizeof(buf) - blen, 0);
			if (n == 0) {
				down = "EOF";
				break;
			}
			if (n < 0) {
				if (errno == EAGAIN || errno == EINTR)
					continue;
				down = errname(errno);
				break;
			}
			blen += n;
			while ((nl = memchr(buf, '\n', blen))) {
				size_t ll = nl - buf + 1;

				if (ll == (size_t)len && !memcmp(buf, line, len))
					got = 1;
				memmove(buf, nl + 1, blen - ll);
				blen -= ll;
			}
		}
		if (got) {
			echoed++;
			if (c->verbose)
				printf("echo %ld %ld\n", seq, (long)((mono_us() - t0) / 1000));
		} else {
			failed++;
			if (c->verbose)
				printf("fail %ld %s\n", seq, down ? down : "timeout");
		}
		if (c->verbose)
			fflush(stdout);
		seq++;
		if (down)
			break;
	}
	close(fd);
	printf("sent %ld\nechoed %ld\nfailed %ld\nidentity %s\n", sent, echoed, failed, r.name);
	if (down)
		printf("disconnected %s\n", down);
	fflush(stdout);
	return failed == 0 && !down ? 0 : 1;
}

/* -------------------------------------------------------------- udpstream */

static int udp_socket(const struct cfg *c, int sport, int reuseport)
{
	int fd = socket(c->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		warnx("socket: %s", strerror(errno));
		return -1;
	}
	if (bind_source(c, fd, sport, reuseport) < 0) {
		warnx("bind source port %d: %s", sport, strerror(errno));
		close(fd);
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&c->dst, c->dstlen) < 0) {
		warnx("connect %s: %s", c->addr_s, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int transient(int e)
{
	return e == ECONNREFUSED || e == EHOSTUNREACH || e == ENETUNREACH || e == EPERM ||
	       e == ENOBUFS || e == EHOSTDOWN || e == ENETDOWN || e == EACCES || e == EINVAL ||
	       e == EMSGSIZE || e == ENOMEM || e == EAGAIN;
}

static int cmd_udpstream(struct cfg *c)
{
	int fd = udp_socket(c, (int)c->sport, 0);
	struct table names = { 0 };
	int64_t *sent_at = NULL, start, next, stop_at = 0;
	int *ans = NULL;
	long cap = 0, nsent = 0, nans = 0, refused = 0, late = 0, errors = 0;
	static char rbuf[65536];
	int stopping = 0;

	if (fd < 0)
		return 1;
	start = next = mono_us();
	for (;;) {
		int64_t now = mono_us(), until;

		if (!stopping && (stop_requested(c, start) || (c->count && nsent >= c->count))) {
			stopping = 1;
			stop_at = now + c->timeout_ms * 1000;
		}
		if (!stopping && now >= next) {
			char req[32];
			int len = snprintf(req, sizeof(req), "?%ld", nsent);

			if (nsent == cap) {
				cap = cap ? 2 * cap : 1024;
				sent_at = realloc(sent_at, cap * sizeof(*sent_at));
				ans = realloc(ans, cap * sizeof(*ans));
				if (!sent_at || !ans) {
					perror("vipcheck: realloc");
					return 1;
				}
			}
			sent_at[nsent] = now;
			ans[nsent] = -1;
			if (send(fd, req, len, 0) < 0) {
				if (!transient(errno)) {
					warnx("send: %s", strerror(errno));
					return 1;
				}
				if (errno == ECONNREFUSED)
					refused++;
				else
					errors++;
			}
			nsent++;
			next += c->interval_ms * 1000;
			if (next <= now)
				next = now + (c->interval_ms ? c->interval_ms * 1000 : 1);
			continue;
		}
		if (stopping) {
			if (now >= stop_at || nans == nsent)
				break;
			until = stop_at;
		} else {
			until = next;
			if (until > now + 50000)	/* re-check the stop conditions */
				until = now + 50000;
		}
		if (wait_ev(fd, POLLIN, until) <= 0)
			continue;
		for (;;) {
			ssize_t n = recv(fd, rbuf, sizeof(rbuf) - 1, 0);
			struct result r;
			char *nl, *end;
			long seq;

			if (n < 0) {
				if (errno == EAGAIN || errno == EINTR)
					break;
				if (!transient(errno)) {
					warnx("recv: %s", strerror(errno));
					return 1;
				}
				if (errno == ECONNREFUSED)
					refused++;
				else
					errors++;
				continue;
			}
			rbuf[n] = 0;
			nl = memchr(rbuf, '\n', n);
			if (!nl) {
				errors++;
				continue;
			}
			*nl = 0;
			seq = strtol(nl + 1, &end, 10);
			if (parse_identity(rbuf, &r) < 0 || *end || end == nl + 1 || seq < 0 ||
			    seq >= nsent) {
				errors++;
				continue;
			}
			if (ans[seq] >= 0)
				continue;	/* duplicate */
			if (mono_us() - sent_at[seq] > c->timeout_ms * 1000) {
				late++;
				continue;
			}
			ans[seq] = (int)table_index(&names, r.name);
			names.v[ans[seq]].n++;
			nans++;
		}
	}
	close(fd);

	long gap = 0, maxgap = 0, prev = -1;

	printf("sent %ld\nanswered %ld\nlost %ld\n", nsent, nans, nsent - nans);
	for (long i = 0; i < nsent; i++) {
		gap = ans[i] < 0 ? gap + 1 : 0;
		if (gap > maxgap)
			maxgap = gap;
	}
	printf("max_gap %ld\nnames ", maxgap);
	/* names[] is in order of first arrival; print by first probe number */
	{
		char *shown = calloc(names.n + 1, 1);
		int any = 0;

		for (long i = 0; i < nsent; i++) {
			if (ans[i] >= 0 && !shown[ans[i]]) {
				shown[ans[i]] = 1;
				printf("%s%s", any ? "," : "", names.v[ans[i]].key);
				any = 1;
			}
		}
		printf("%s\n", any ? "" : "-");
		free(shown);
	}
	for (long i = 0; i < nsent; i++) {
		if (ans[i] < 0)
			continue;
		if (prev >= 0 && ans[i] != prev)
			printf("switch %s %s at %ld\n", names.v[prev].key, names.v[ans[i]].key, i);
		prev = ans[i];
	}
	if (c->verbose) {
		for (long i = 0; i < nsent; i++) {
			if (ans[i] >= 0)
				printf("probe %ld %s\n", i, names.v[ans[i]].key);
			else
				printf("probe %ld lost\n", i);
		}
	}
	/* names.v is reordered by table_print: print it last */
	table_print(&names, "name");
	printf("refused %ld\nlate %ld\nerror %ld\n", refused, late, errors);
	fflush(stdout);
	return 0;
}

/* ------------------------------------------------------------------- race */

struct race {
	const struct cfg *c;
	pthread_barrier_t go, done;
	atomic_int ready;
	atomic_long sent, errors;
	int *fds;
	int quit;
};

struct racer {
	struct race *rc;
	int id;
	pthread_t th;
};

static void *racer_main(void *arg)
{
	struct racer *me = arg;
	struct race *rc = me->rc;
	int nthreads = (int)rc->c->threads;

	for (int round = 0;; round++) {
		pthread_barrier_wait(&rc->go);
		if (rc->quit)
			break;
		/* spin so that all senders leave together */
		atomic_fetch_add(&rc->ready, 1);
		for (long spins = 0; atomic_load(&rc->ready) < nthreads * (round + 1); spins++)
			if (spins > 2000)
				sched_yield();
		if (send(rc->fds[me->id], "?", 1, 0) == 1)
			atomic_fetch_add(&rc->sent, 1);
		else
			atomic_fetch_add(&rc->errors, 1);
		pthread_barrier_wait(&rc->done);
	}
	return NULL;
}

static int cmd_race(struct cfg *c)
{
	int T = (int)c->threads;
	struct race rc = { .c = c };
	struct racer *rs = calloc(T, sizeof(*rs));
	struct pollfd *pfd = calloc(T, sizeof(*pfd));
	struct table names = { 0 };
	long answered = 0, split = 0;
	static char rbuf[2048];
	int rcode = 0;

	rc.fds = calloc(T, sizeof(int));
	if (!rs || !pfd || !rc.fds) {
		perror("vipcheck: calloc");
		return 1;
	}
	pthread_barrier_init(&rc.go, NULL, T + 1);
	pthread_barrier_init(&rc.done, NULL, T + 1);
	for (int t = 0; t < T; t++) {
		rs[t].rc = &rc;
		rs[t].id = t;
		if (pthread_create(&rs[t].th, NULL, racer_main, &rs[t]) != 0) {
			warnx("pthread_create failed");
			return 1;
		}
	}
	long round;

	for (round = 0; round < c->count && !g_stop; round++) {
		int port = (int)(c->sport + round), got = 0, mixed = 0;
		char first[128] = "";
		int64_t deadline;

		for (int t = 0; t < T; t++) {
			rc.fds[t] = udp_socket(c, port, 1);
			if (rc.fds[t] < 0) {
				for (int u = 0; u < t; u++)
					close(rc.fds[u]);
				rcode = 1;
				goto out;
			}
			pfd[t].fd = rc.fds[t];
			pfd[t].events = POLLIN;
		}
		pthread_barrier_wait(&rc.go);
		pthread_barrier_wait(&rc.done);
		deadline = mono_us() + c->timeout_ms * 1000;
		while (got < T) {
			int64_t left = deadline - mono_us();
			int n;

			if (left <= 0)
				break;
			n = poll(pfd, T, (int)((left + 999) / 1000));
			if (n <= 0)
				continue;
			for (int t = 0; t < T; t++) {
				if (!pfd[t].revents)
					continue;
				for (;;) {
					ssize_t m = recv(pfd[t].fd, rbuf, sizeof(rbuf) - 1, 0);
					struct result r;
					char *nl;

					if (m < 0) {
						if (errno == EAGAIN || errno == EINTR)
							break;
						continue;	/* ICMP error: keep reading */
					}
					got++;
					rbuf[m] = 0;
					nl = strchr(rbuf, '\n');
					if (nl) {
						*nl = 0;
						if (parse_identity(rbuf, &r) == 0) {
							table_add(&names, r.name, 1);
							if (!first[0])
								strcpy(first, r.name);
							else if (strcmp(first, r.name))
								mixed = 1;
						}
					}
				}
			}
		}
		answered += got;
		split += mixed;
		if (c->verbose)
			printf("round %ld port %d answered %d\n", round, port, got);
		for (int t = 0; t < T; t++)
			close(rc.fds[t]);
	}
out:
	rc.quit = 1;
	pthread_barrier_wait(&rc.go);
	for (int t = 0; t < T; t++)
		pthread_join(rs[t].th, NULL);
	long sent = atomic_load(&rc.sent);

	printf("rounds %ld\nsent %ld\nanswered %ld\nlost %ld\n", round, sent, answered,
	       sent > answered ? sent - answered : 0);
	table_print(&names, "name");
	printf("error %ld\nsplit %ld\n", atomic_load(&rc.errors), split);
	fflush(stdout);
	return rcode;
}

/* =================================================================== main */

int main(int argc, char **argv)
{
	struct cfg c;
	size_t i;

	if (argc < 2) {
		fprintf(stderr, "usage: vipcheck serve|connect|hold|udpstream|race [OPTIONS]\n"
			"(vipcheck --help for usage)\n");
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage_all(stdout);
		return 0;
	}
	for (i = 0; i < NCOMMANDS; i++)
		if (!strcmp(argv[1], commands[i].name))
			break;
	if (i == NCOMMANDS) {
		fprintf(stderr, "vipcheck: unknown command '%s'\n"
			"usage: vipcheck serve|connect|hold|udpstream|race [OPTIONS]\n"
			"(vipcheck --help for usage)\n", argv[1]);
		return 2;
	}
	cmd_name = commands[i].name;
	memset(&c, 0, sizeof(c));
	c.cmd = commands[i].id;
	c.port = -1;
	c.sctp_rto_ms = 500;
	switch (c.cmd) {
	case C_CONNECT:
		c.count = 0;	/* 1 unless --count or --sport-list (finish_cfg) */
		c.timeout_ms = 2000;
		c.parallel = 1;
		break;
	case C_HOLD:
		c.interval_ms = 100;
		c.timeout_ms = 2000;
		c.echo_timeout_ms = 2000;
		break;
	case C_UDPSTREAM:
		c.interval_ms = 100;
		c.timeout_ms = 1000;
		break;
	case C_RACE:
		c.threads = 4;
		c.timeout_ms = 1000;
		break;
	}
	parse_opts(&c, argc - 2, argv + 2, commands[i].usage);
	finish_cfg(&c, c.port >= 0);
	setup_signals();
	raise_nofile();
	switch (c.cmd) {
	case C_SERVE:
		return cmd_serve(&c);
	case C_CONNECT:
		return cmd_connect(&c);
	case C_HOLD:
		return cmd_hold(&c);
	case C_UDPSTREAM:
		return cmd_udpstream(&c);
	default:
		return cmd_race(&c);
	}
}
