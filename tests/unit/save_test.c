// SPDX-License-Identifier: GPL-2.0
/* save_test: svcadm's line grammar (op parsing), the model it builds,
 * save-line generation and restore-line parsing round trips. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "svcadm.h"

/* Splits a command line in a scratch copy and parses it. */
static int parse(const char *line, struct op *op, char *err, size_t errlen)
{
	static char copy[4096];
	char *argv[64];
	int n;

	snprintf(copy, sizeof(copy), "%s", line);
	n = split_line(copy, argv, 64);
	assert_true(n > 0);
	err[0] = '\0';
	return op_parse(n, argv, op, err, errlen);
}

static char *save_text(struct svc_table *t, const struct svc_config *cfg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	save_print(f, t, cfg);
	fclose(f);
	return text;
}

/* stderr capture for the messages restore prints */
static int saved_fd = -1;
static FILE *cap;

static void capture_start(void)
{
	fflush(stderr);
	cap = tmpfile();
	assert_non_null(cap);
	saved_fd = dup(2);
	dup2(fileno(cap), 2);
}

static char *capture_end(void)
{
	static char out[8192];
	size_t n;

	fflush(stderr);
	dup2(saved_fd, 2);
	close(saved_fd);
	rewind(cap);
	n = fread(out, 1, sizeof(out) - 1, cap);
	out[n] = '\0';
	fclose(cap);
	return out;
}

static int read_model(const char *text, struct svc_table *t, struct svc_config *cfg)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int r;

	assert_non_null(f);
	r = restore_read_model(f, t, cfg);
	fclose(f);
	return r;
}

/* ---- parsing ---- */

static void op_parse_service(void **state)
{
	struct op op;
	char err[ERRBUF];

	(void)state;
	assert_int_equal(parse("service add web proto tcp", &op, err, sizeof(err)), 0);
	assert_int_equal(op.type, OP_SERVICE_ADD);
	assert_string_equal(op.svc.name, "web");
	assert_int_equal(op.svc.has, SVC_SVC_HAS_PROTOCOL);	/* the rest: defaults */
	assert_int_equal(op.svc.protocol, IPPROTO_TCP);
	op_free(&op);

	/* abbreviations, every setting */
	assert_int_equal(parse("s a ns/web:dns proto udp scheduler rr affinity clientip "
			       "timeout 60 internal-policy local external-policy local",
			       &op, err, sizeof(err)), 0);
	assert_int_equal(op.type, OP_SERVICE_ADD);
	assert_string_equal(op.svc.name, "ns/web:dns");
	assert_int_equal(op.svc.has, SVC_SVC_SETTINGS);
	assert_int_equal(op.svc.protocol, IPPROTO_UDP);
	assert_int_equal(op.svc.scheduler, SVCVIP_SCHED_RR);
	assert_int_equal(op.svc.affinity, SVCVIP_AFFINITY_CLIENTIP);
	assert_int_equal(op.svc.affinity_timeout, 60);
	assert_int_equal(op.svc.internal_policy, SVCVIP_POLICY_LOCAL);
	assert_int_equal(op.svc.external_policy, SVCVIP_POLICY_LOCAL);
	op_free(&op);

	assert_int_equal(parse("service replace web proto sctp", &op, err, sizeof(err)), 0);
	assert_int_equal(op.type, OP_SERVICE_REPLACE);
	op_free(&op);
	assert_int_equal(parse("service set web scheduler maglev", &op, err, sizeof(err)), 0);
	assert_int_equal(op.type, OP_SERVICE_SET);
	assert_int_equal(op.svc.has, SVC_SVC_HAS_SCHEDULER);
	op_free(&op);
	assert_int_equal(parse("service del web", &op, err, sizeof(err)), 0);
	assert_int_equal(op.type, OP_SERVICE_DEL);
	op_free(&op);
	/* abbreviations: the first match in the man page's order (set before
	 * show, replace before ...); no undocumented aliases */
	assert_int_equal(parse("service s web scheduler rr", &op, err, sizeof(err)), 0);
	assert_int_equal(op.type, OP_SERVICE_SET);
	op_free(&op);
	assert_int_equal(parse("s r web proto tcp", &op, err, sizeof(err)), 0);
	assert_int_equal(op.type, OP_SERVICE_REPLACE);
	op_free(&op);
	assert_int_equal(parse("b s web 10.0.0.1:80 weight 2", &op, err, sizeof(err)), 0);
	assert_int_equal(op.type, OP_BACKEND_SET);
	op_free(&op);
	assert_int_equal(parse("service delete web", &op, err, sizeof(err)), EXIT_USAGE);
	assert_string_equal(err, "service: unknown verb \"delete\"");
}

static void op_parse_members(void **state)
{
	struct op op;
	char err[ERRBUF];
	union svc_inaddr a;

	(void)state;
	assert_int_equal(parse("frontend add web loadbalancer [2001:db8::1]:443 "
			       "source-ranges 10.0.0.0/8,fd00::/8", &op, err, sizeof(err)), 0);
	assert_int_equal(op.type, OP_FRONTEND_ADD);
	assert_int_equal(op.fe.kind, SVCVIP_FRONTEND_LOADBALANCER);
	assert_int_equal(op.fe.family, AF_INET6);
	assert_int_equal(op.fe.port, 443);
	assert_int_equal(op.fe.source_ranges.n, 2);
	assert_int_equal(op.fe.source_ranges.v[1].prefixlen, 8);
	op_free(&op);

	assert_int_equal(parse("frontend del web nodeport 30000", &op, err, sizeof(err)), 0);
	assert_int_equal(op.type, OP_FRONTEND_DEL);
	assert_int_equal(op.fe.kind, SVCVIP_FRONTEND_NODEPORT);
	assert_int_equal(op.fe.family, AF_UNSPEC);
	assert_int_equal(op.fe.port, 30000);
	op_free(&op);
	assert_int_equal(parse("frontend add web nodeport 30000 family ipv6", &op, err,
			       sizeof(err)), 0);
	assert_int_equal(op.fe.family, AF_INET6);
	op_free(&op);

	assert_int_equal(parse("backend add web 10.0.0.1:80 weight 0 local terminating",
			       &op, err, sizeof(err)), 0);
	assert_int_equal(op.type, OP_BACKEND_ADD);
	assert_int_equal(op.be.has, SVC_BE_HAS_WEIGHT | SVC_BE_HAS_FLAGS);
	assert_int_equal(op.be.weight, 0);
	assert_int_equal(op.be.flags, SVCVIP_BACKEND_F_LOCAL | SVCVIP_BACKEND_F_TERMINATING);
	inet_pton(AF_INET, "10.0.0.1", &a.v4);
	assert_memory_equal(op.be.addr.b, a.b, 4);
	op_free(&op);

	/* set: flags always (absent = cleared), weight only when given */
	assert_int_equal(parse("backend set web 10.0.0.1:80", &op, err, sizeof(err)), 0);
	assert_int_equal(op.type, OP_BACKEND_SET);
	assert_int_equal(op.be.has, SVC_BE_HAS_FLAGS);
	assert_int_equal(op.be.flags, 0);
	op_free(&op);
	assert_int_equal(parse("backend set web 10.0.0.1:80 weight 9", &op, err, sizeof(err)), 0);
	assert_int_equal(op.be.has, SVC_BE_HAS_WEIGHT | SVC_BE_HAS_FLAGS);
	assert_int_equal(op.be.weight, 9);
	op_free(&op);

	assert_int_equal(parse("backend del web [fd00::1]:80", &op, err, sizeof(err)), 0);
	assert_int_equal(op.type, OP_BACKEND_DEL);
	assert_int_equal(op.be.family, AF_INET6);
	assert_int_equal(op.be.has, 0);
	op_free(&op);

	assert_int_equal(parse("config set cluster-cidrs none nodeport-addresses all "
			       "masquerade-all on local-cidrs 10.1.0.0/24 max-services 10",
			       &op, err, sizeof(err)), 0);
	assert_int_equal(op.type, OP_CONFIG_SET);
	assert_int_equal(op.cfg.has, SVC_CFG_HAS_CLUSTER_CIDRS | SVC_CFG_HAS_NODEPORT_CIDRS |
			 SVC_CFG_HAS_MASQUERADE_ALL | SVC_CFG_HAS_LOCAL_CIDRS |
			 SVC_CFG_HAS_MAX_SERVICES);
	assert_int_equal(op.cfg.cluster_cidrs.n, 0);
	assert_int_equal(op.cfg.nodeport_cidrs.n, 0);
	assert_int_equal(op.cfg.local_cidrs.n, 1);
	assert_int_equal(op.cfg.masquerade_all, 1);
	assert_int_equal(op.cfg.max_services, 10);
	op_free(&op);

	assert_int_equal(parse("flush", &op, err, sizeof(err)), 0);
	assert_int_equal(op.type, OP_FLUSH);
	op_free(&op);
}

/*
 * Every message is "FIELD VALUE: problem" (svcadm(8) DIAGNOSTICS): a
 * non-empty WHERE without blanks at its ends, ": ", a problem; an argument
 * svcadm did not expect is quoted in it.
 */
static bool message_shape(const char *msg)
{
	const char *colon = strstr(msg, ": ");

	if (!colon || colon == msg || colon[-1] == ' ' || msg[0] == ' ' || !colon[2] ||
	    colon[2] == ' ')
		return print_error("not WHERE: PROBLEM: \"%s\"\n", msg), false;
	if ((strstr(msg, "unexpected argument") || strstr(msg, "unknown argument")) &&
	    !strchr(msg, '"'))
		return print_error("argument not named: \"%s\"\n", msg), false;
	return true;
}

static void op_parse_errors(void **state)
{
	static const struct {
		const char *line;
		int code;
		const char *msg;
	} cases[] = {
		{ "backend add web 10.244.1.2:99999", EXIT_FAIL,
		  "backend 10.244.1.2:99999: port must be 1-65535" },
		{ "backend add web 10.244.1.2:0", EXIT_FAIL,
		  "backend 10.244.1.2:0: port must be 1-65535" },
		{ "backend add web 10.244.1.2:abc", EXIT_FAIL,
		  "backend 10.244.1.2:abc: port must be 1-65535" },
		{ "backend add web 2001:db8::1:80", EXIT_FAIL,
		  "backend 2001:db8::1:80: IPv6 address must be written [ADDR]:PORT" },
		{ "backend add web 10.0.0.1:80 weight 65536", EXIT_FAIL,
		  "weight 65536: must be 0-65535" },
		{ "backend add web 10.0.0.1:80 weight", EXIT_USAGE,
		  "backend add: weight needs a value" },
		{ "backend add web 10.0.0.1:80 fast", EXIT_USAGE,
		  "backend add: unknown argument \"fast\"" },
		{ "backend del web 10.0.0.1:80 weight 1", EXIT_USAGE,
		  "backend del: unexpected argument \"weight\"" },
		{ "backend add web", EXIT_USAGE, "backend add: missing ADDR:PORT" },
		{ "service add web", EXIT_USAGE,
		  "service add: missing \"proto tcp|udp|sctp\"" },
		{ "service add", EXIT_USAGE, "service add: missing NAME" },
		{ "service add web proto http", EXIT_FAIL,
		  "proto http: protocol must be tcp, udp or sctp" },
		{ "service add web proto tcp scheduler lc", EXIT_FAIL,
		  "scheduler lc: scheduler must be maglev, random, rr or wrr" },
		{ "service add web proto tcp timeout 5", EXIT_USAGE,
		  "service add: timeout needs \"affinity clientip\" before it" },
		{ "service add web proto tcp affinity clientip timeout 0", EXIT_FAIL,
		  "timeout 0: must be 1-86400" },
		{ "service add web proto tcp affinity clientip timeout 86401", EXIT_FAIL,
		  "timeout 86401: must be 1-86400" },
		{ "service add web proto", EXIT_USAGE, "service add: proto needs a value" },
		{ "service set web", EXIT_USAGE, "service set: nothing to set" },
		{ "service del web extra", EXIT_USAGE,
		  "service del: unexpected argument \"extra\"" },
		{ "service frobnicate x", EXIT_USAGE, "service: unknown verb \"frobnicate\"" },
		{ "service show", EXIT_USAGE, "service show: not a table command" },
		{ "frontend add web clusterip 10.0.0.1:80 source-ranges 1.0.0.0/8", EXIT_USAGE,
		  "frontend add: source-ranges is only for loadbalancer frontends" },
		{ "frontend add web loadbalancer 10.0.0.1:80 source-ranges 10.0.0.1/8",
		  EXIT_FAIL, "source-ranges 10.0.0.1/8: host bits set (network is 10.0.0.0/8)" },
		{ "frontend add web loadbalancer 10.0.0.1:80 source-ranges 10.0.0.0/33",
		  EXIT_FAIL, "source-ranges 10.0.0.0/33: prefix length must be 0-32" },
		{ "frontend add web nodeport 0", EXIT_FAIL, "nodeport 0: port must be 1-65535" },
		{ "frontend add web nodeport 30000 family ipx", EXIT_FAIL,
		  "family ipx: family must be ipv4, ipv6 or any" },
		{ "frontend add web clusterip 10.0.0.1", EXIT_FAIL,
		  "frontend 10.0.0.1: missing port (ADDR:PORT)" },
		{ "frontend add web headless 10.0.0.1:80", EXIT_USAGE,
		  "frontend add: unknown kind \"headless\" (kind must be clusterip, "
		  "externalip, loadbalancer or nodeport)" },
		{ "frontend add web", EXIT_USAGE, "frontend add: missing kind (clusterip, "
		  "externalip, loadbalancer, nodeport)" },
		{ "config set", EXIT_USAGE, "config set: nothing to set" },
		{ "config set masquerade-all maybe", EXIT_FAIL,
		  "masquerade-all maybe: must be on or off" },
		{ "config set cluster-cidrs 10.0.0.0/8,", EXIT_FAIL,
		  "cluster-cidrs 10.0.0.0/8,: empty element in CIDR list" },
		{ "config set max-services -1", EXIT_FAIL,
		  "max-services -1: must be 0-4294967295" },
		{ "config set colour blue", EXIT_USAGE, "config set: unknown argument \"colour\"" },
		{ "stats", EXIT_USAGE, "stats: not a table command" },
		/* one command table: "s" is service, "st" stats, "sa" save */
		{ "st", EXIT_USAGE, "stats: not a table command" },
		{ "sa", EXIT_USAGE, "save: not a table command" },
		{ "s frobnicate", EXIT_USAGE, "service: unknown verb \"frobnicate\"" },
		{ "bogus", EXIT_USAGE, "object \"bogus\": unknown" },
		{ "flush now", EXIT_USAGE, "flush: unexpected argument \"now\"" },
		/* as strict as ip: the kernel refuses a protocol change, a
		 * keyword twice is iproute2's duparg(), a name that starts with
		 * "-" is an option in the wrong place */
		{ "service set web proto udp", EXIT_USAGE,
		  "service set: proto cannot change (service replace sets it)" },
		{ "service add web proto tcp proto udp", EXIT_USAGE,
		  "service add: \"proto\" given twice" },
		{ "service add web protocol tcp proto tcp", EXIT_USAGE,
		  "service add: \"proto\" given twice" },
		{ "service set web scheduler rr affinity none scheduler rr", EXIT_USAGE,
		  "service set: \"scheduler\" given twice" },
		{ "backend add web 10.0.0.1:80 weight 1 weight 2", EXIT_USAGE,
		  "backend add: \"weight\" given twice" },
		{ "backend set web 10.0.0.1:80 local local", EXIT_USAGE,
		  "backend set: \"local\" given twice" },
		{ "frontend add web loadbalancer 10.0.0.1:80 source-ranges 10.0.0.0/8 "
		  "source-ranges 10.1.0.0/16", EXIT_USAGE,
		  "frontend add: \"source-ranges\" given twice" },
		{ "frontend add web nodeport 30000 family ipv4 family ipv6", EXIT_USAGE,
		  "frontend add: \"family\" given twice" },
		{ "config set masquerade-all on masquerade-all off", EXIT_USAGE,
		  "config set: \"masquerade-all\" given twice" },
		{ "config set max-services 1 max-services 2", EXIT_USAGE,
		  "config set: \"max-services\" given twice" },
		{ "config set cluster-cidrs none cluster-cidrs 10.0.0.0/8", EXIT_USAGE,
		  "config set: \"cluster-cidrs\" given twice" },
		{ "service add -j proto tcp", EXIT_FAIL,
		  "service -j: name must not start with \"-\"" },
		{ "backend add -web 10.0.0.1:80", EXIT_FAIL,
		  "service -web: name must not start with \"-\"" },
	};
	struct op op;
	char err[ERRBUF];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = parse(cases[i].line, &op, err, sizeof(err));

		if (r != cases[i].code || strcmp(err, cases[i].msg))
			print_error("line \"%s\": got %d \"%s\"\n", cases[i].line, r, err);
		assert_int_equal(r, cases[i].code);
		assert_string_equal(err, cases[i].msg);
		assert_true(message_shape(err));
	}
}

static void op_parse_names(void **state)
{
	char line[600], name[300], want[700], err[ERRBUF];
	char e0[] = "service", e1[] = "add", e2[] = "", e3[] = "proto", e4[] = "tcp";
	char *empty[] = { e0, e1, e2, e3, e4 };
	struct op op;

	(void)state;
	/* an empty name is shown as "" (split_line cannot make one) */
	assert_int_equal(op_parse(5, empty, &op, err, sizeof(err)), EXIT_FAIL);
	assert_string_equal(err, "service \"\": name must be 1-255 bytes");
	memset(name, 'n', 255);
	name[255] = '\0';
	snprintf(line, sizeof(line), "service add %s proto tcp", name);
	assert_int_equal(parse(line, &op, err, sizeof(err)), 0);
	assert_int_equal(strlen(op.svc.name), 255);
	op_free(&op);

	memset(name, 'n', 256);
	name[256] = '\0';
	snprintf(line, sizeof(line), "backend add %s 10.0.0.1:80", name);
	assert_int_equal(parse(line, &op, err, sizeof(err)), EXIT_FAIL);
	snprintf(want, sizeof(want), "service %s: name must be 1-255 bytes (is 256)", name);
	assert_string_equal(err, want);

	/* a space cannot come through split_line; go around it */
	{
		char w0[] = "service", w1[] = "add", w2[] = "a b", w3[] = "proto", w4[] = "tcp";
		char *argv[] = { w0, w1, w2, w3, w4 };

		assert_int_equal(op_parse(5, argv, &op, err, sizeof(err)), EXIT_FAIL);
		assert_string_equal(err, "service a b: name must be printable ASCII "
				    "without spaces (byte 2 is 0x20)");
	}
}

static void split_lines(void **state)
{
	char l1[] = "  # a comment", l2[] = "   \t \r\n", l3[] = "svcadm flush\r\n";
	char l4[] = "backend\tadd  web\t10.0.0.1:80 \n", l5[] = "svcadm";
	char *argv[8];

	(void)state;
	assert_int_equal(split_line(l1, argv, 8), 0);
	assert_int_equal(split_line(l2, argv, 8), 0);
	assert_int_equal(split_line(l3, argv, 8), 1);
	assert_string_equal(argv[0], "flush");
	assert_int_equal(split_line(l4, argv, 8), 4);
	assert_string_equal(argv[1], "add");
	assert_string_equal(argv[3], "10.0.0.1:80");
	assert_int_equal(split_line(l5, argv, 8), 1);	/* alone: an object word */
	{
		char many[] = "a b c d e f g h i";

		assert_int_equal(split_line(many, argv, 8), -1);
	}
}

/* ---- the model ---- */

static void apply(struct svc_table *t, struct svc_config *cfg, const char *line,
		  int want)
{
	struct op op;
	char err[ERRBUF];

	assert_int_equal(parse(line, &op, err, sizeof(err)), 0);
	assert_int_equal(op_apply(&op, t, cfg, 1, err, sizeof(err)), want);
	op_free(&op);
}

static void model_semantics(void **state)
{
	struct svc_table t;
	struct svc_config cfg;
	struct svc_service *s;
	char err[ERRBUF];
	struct op op;

	(void)state;
	svc_table_init(&t);
	memset(&cfg, 0, sizeof(cfg));
	apply(&t, &cfg, "service add web proto tcp scheduler rr affinity clientip", 0);
	apply(&t, &cfg, "frontend add web clusterip 10.96.0.1:80", 0);
	apply(&t, &cfg, "backend add web 10.0.0.1:80 weight 4 local", 0);
	apply(&t, &cfg, "backend add web 10.0.0.2:80", 0);
	s = svc_table_find(&t, "web");
	assert_non_null(s);
	assert_int_equal(s->scheduler, SVCVIP_SCHED_RR);

	/* replace: settings become exactly the given ones; lists stay */
	apply(&t, &cfg, "service replace web proto tcp internal-policy local", 0);
	s = svc_table_find(&t, "web");
	assert_int_equal(svc_service_scheduler(s), SVCVIP_SCHED_MAGLEV);
	assert_int_equal(svc_service_affinity(s), SVCVIP_AFFINITY_NONE);
	assert_int_equal(svc_service_internal_policy(s), SVCVIP_POLICY_LOCAL);
	assert_int_equal(s->nfrontends, 1);
	assert_int_equal(s->nbackends, 2);

	/* set: only what is given */
	apply(&t, &cfg, "service set web scheduler wrr", 0);
	assert_int_equal(svc_service_scheduler(s), SVCVIP_SCHED_WRR);
	assert_int_equal(svc_service_internal_policy(s), SVCVIP_POLICY_LOCAL);

	/* backend set: weight kept when absent, flags become the words given */
	apply(&t, &cfg, "backend set web 10.0.0.1:80 terminating", 0);
	assert_int_equal(svc_backend_weight(&s->backends[0]), 4);
	assert_int_equal(svc_backend_flags(&s->backends[0]), SVCVIP_BACKEND_F_TERMINATING);
	apply(&t, &cfg, "backend set web 10.0.0.1:80 weight 2", 0);
	assert_int_equal(svc_backend_weight(&s->backends[0]), 2);
	assert_int_equal(svc_backend_flags(&s->backends[0]), 0);

	apply(&t, &cfg, "backend del web 10.0.0.2:80", 0);
	assert_int_equal(s->nbackends, 1);
	apply(&t, &cfg, "frontend del web clusterip 10.96.0.1:80", 0);
	assert_int_equal(s->nfrontends, 0);

	/* errors */
	apply(&t, &cfg, "service add web proto udp", EXIT_FAIL);
	apply(&t, &cfg, "backend add nope 10.0.0.1:80", EXIT_FAIL);
	assert_int_equal(parse("frontend del web clusterip 10.96.0.9:80", &op, err,
			       sizeof(err)), 0);
	assert_int_equal(op_apply(&op, &t, &cfg, 7, err, sizeof(err)), EXIT_FAIL);
	assert_string_equal(err, "frontend clusterip 10.96.0.9:80: not in service web");
	op_free(&op);
	assert_int_equal(parse("backend set web 10.9.9.9:80", &op, err, sizeof(err)), 0);
	assert_int_equal(op_apply(&op, &t, &cfg, 7, err, sizeof(err)), EXIT_FAIL);
	assert_string_equal(err, "backend 10.9.9.9:80: not in service web");
	op_free(&op);

	apply(&t, &cfg, "config set masquerade-all on cluster-cidrs 10.0.0.0/8", 0);
	apply(&t, &cfg, "config set cluster-cidrs none", 0);
	assert_int_equal(cfg.masquerade_all, 1);
	assert_int_equal(cfg.cluster_cidrs.n, 0);
	assert_true(cfg.has & SVC_CFG_HAS_CLUSTER_CIDRS);

	apply(&t, &cfg, "service add other proto udp", 0);
	apply(&t, &cfg, "service del web", 0);
	assert_null(svc_table_find(&t, "web"));
	assert_non_null(svc_table_find(&t, "other"));
	apply(&t, &cfg, "flush", 0);
	assert_int_equal(t.n, 0);
	svc_table_free(&t);
	svc_config_free(&cfg);
}

/* ---- save / restore ---- */

static const char canonical[] =
	"config set cluster-cidrs 10.244.0.0/16,fd00:10::/56 masquerade-all off "
	"nodeport-addresses all local-cidrs none affinity-max 65536 max-services 1000 "
	"max-frontends 4000 max-backends 100\n"
	"service add a/dns:udp proto udp scheduler rr affinity clientip timeout 60 "
	"internal-policy cluster external-policy local\n"
	"frontend add a/dns:udp clusterip 10.96.0.10:53\n"
	"frontend add a/dns:udp clusterip [fd00:96::a]:53\n"
	"backend add a/dns:udp 10.244.1.5:53 weight 1\n"
	"backend add a/dns:udp 10.244.2.5:53 weight 0 local terminating\n"
	"backend add a/dns:udp [fd00:244::5]:53 weight 3 local\n"
	"service add b/web:https proto tcp scheduler maglev internal-policy local "
	"external-policy cluster\n"
	"frontend add b/web:https clusterip 10.96.1.1:443\n"
	"frontend add b/web:https externalip 192.0.2.7:443\n"
	"frontend add b/web:https loadbalancer 198.51.100.1:443 "
	"source-ranges 10.0.0.0/8,203.0.113.0/24,2001:db8::/32\n"
	"frontend add b/web:https nodeport 30443\n"
	"frontend add b/web:https nodeport 30444 family ipv4\n"
	"frontend add b/web:https nodeport 30445 family ipv6\n"
	"backend add b/web:https 10.244.3.3:8443 weight 65535\n"
	"service add c/empty:x proto sctp scheduler wrr internal-policy cluster "
	"external-policy cluster\n";

static void save_roundtrip(void **state)
{
	struct svc_table t;
	struct svc_config cfg;
	char *text;

	(void)state;
	svc_table_init(&t);
	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(read_model(canonical, &t, &cfg), 0);
	assert_int_equal(t.n, 3);
	text = save_text(&t, &cfg);
	assert_string_equal(text, canonical);
	free(text);

	/* and once more from its own output */
	svc_table_free(&t);
	svc_config_free(&cfg);
	svc_table_init(&t);
	assert_int_equal(read_model(canonical, &t, &cfg), 0);
	text = save_text(&t, &cfg);
	assert_string_equal(text, canonical);
	free(text);
	svc_table_free(&t);
	svc_config_free(&cfg);
}

static void save_canonical_order(void **state)
{
	/* shuffled, abbreviated, commented, defaults left out */
	static const char messy[] =
		"# saved by hand\n"
		"\n"
		"svcadm service add zeta proto tcp\n"
		"b a zeta [fd00::1]:80 weight 2\n"
		"backend add zeta 10.0.0.20:80\n"
		"backend add zeta 10.0.0.3:80 local\n"
		"   service   add alpha   proto udp affinity clientip\n"
		"frontend add zeta nodeport 30001\n"
		"frontend add zeta clusterip 10.96.0.2:80\n"
		"frontend add zeta clusterip 10.96.0.1:81\n"
		"frontend add zeta clusterip 10.96.0.1:80\n"
		"config set masquerade-all on\r\n";
	static const char want[] =
		"config set masquerade-all on\n"
		"service add alpha proto udp scheduler maglev affinity clientip timeout 10800 "
		"internal-policy cluster external-policy cluster\n"
		"service add zeta proto tcp scheduler maglev internal-policy cluster "
		"external-policy cluster\n"
		"frontend add zeta clusterip 10.96.0.1:80\n"
		"frontend add zeta clusterip 10.96.0.1:81\n"
		"frontend add zeta clusterip 10.96.0.2:80\n"
		"frontend add zeta nodeport 30001\n"
		"backend add zeta 10.0.0.3:80 weight 1 local\n"
		"backend add zeta 10.0.0.20:80 weight 1\n"
		"backend add zeta [fd00::1]:80 weight 2\n";
	struct svc_table t;
	struct svc_config cfg;
	char *text;

	(void)state;
	svc_table_init(&t);
	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(read_model(messy, &t, &cfg), 0);
	text = save_text(&t, &cfg);
	assert_string_equal(text, want);
	free(text);
	svc_table_free(&t);
	svc_config_free(&cfg);
}

static void restore_model_errors(void **state)
{
	static const char bad[] =
		"service add a proto tcp\n"				/* 1 */
		"frontend add a clusterip 10.96.0.1:80\n"		/* 2 */
		"service add b proto tcp\n"				/* 3 */
		"frontend add b clusterip 10.96.0.1:80\n"		/* 4: owned by a */
		"frontend add b clusterip 10.96.0.1:80\n"		/* 5: again */
		"backend add nope 10.0.0.1:80\n"			/* 6 */
		"backend add a 10.0.0.1:99999\n"			/* 7 */
		"service add a proto udp\n"				/* 8 */
		"backend add a 10.0.0.1:80\n"				/* 9 */
		"backend add a 10.0.0.1:80 weight 2\n"			/* 10 */
		"stats\n"						/* 11 */
		"service add c proto udp\n"				/* 12 */
		"frontend add c clusterip 10.96.0.1:80\n";		/* 13: other proto */
	struct svc_table t;
	struct svc_config cfg;
	char *out;
	int n;

	(void)state;
	svc_table_init(&t);
	memset(&cfg, 0, sizeof(cfg));
	capture_start();
	n = read_model(bad, &t, &cfg);
	out = capture_end();
	assert_int_equal(n, 7);
	assert_string_equal(out,
		"svcadm: line 7: backend 10.0.0.1:99999: port must be 1-65535\n"
		"svcadm: line 11: stats: not a table command\n"
		"svcadm: line 6: service nope: no such service\n"
		"svcadm: line 8: service a: already exists\n"
		"svcadm: line 10: backend 10.0.0.1:80: listed twice (line 9)\n"
		"svcadm: line 5: frontend clusterip 10.96.0.1:80: listed twice (line 4)\n"
		"svcadm: line 4: frontend clusterip 10.96.0.1:80: already belongs to service a "
		"(line 2)\n");
	svc_table_free(&t);
	svc_config_free(&cfg);
}

static void model_equal(void **state)
{
	static const char base[] =
		"service add a proto tcp\n"
		"frontend add a loadbalancer 192.0.2.1:80 source-ranges 10.0.0.0/8\n"
		"backend add a 10.0.0.1:80\n"
		"backend add a 10.0.0.2:80 weight 1\n";
	static const char *const same[] = {
		/* defaults spelled out, other order */
		"service add a proto tcp scheduler maglev affinity none internal-policy cluster\n"
		"backend add a 10.0.0.2:80\n"
		"backend add a 10.0.0.1:80 weight 1\n"
		"frontend add a loadbalancer 192.0.2.1:80 source-ranges 10.0.0.0/8\n",
		NULL
	};
	static const char *const differ[] = {
		"service add a proto udp\n"
		"frontend add a loadbalancer 192.0.2.1:80 source-ranges 10.0.0.0/8\n"
		"backend add a 10.0.0.1:80\nbackend add a 10.0.0.2:80\n",
		"service add a proto tcp affinity clientip\n"
		"frontend add a loadbalancer 192.0.2.1:80 source-ranges 10.0.0.0/8\n"
		"backend add a 10.0.0.1:80\nbackend add a 10.0.0.2:80\n",
		"service add a proto tcp\n"
		"frontend add a loadbalancer 192.0.2.1:80 source-ranges 10.0.0.0/16\n"
		"backend add a 10.0.0.1:80\nbackend add a 10.0.0.2:80\n",
		"service add a proto tcp\n"
		"frontend add a loadbalancer 192.0.2.1:80 source-ranges 10.0.0.0/8\n"
		"backend add a 10.0.0.1:80\nbackend add a 10.0.0.2:80 weight 2\n",
		"service add a proto tcp\n"
		"frontend add a loadbalancer 192.0.2.1:80 source-ranges 10.0.0.0/8\n"
		"backend add a 10.0.0.1:80\nbackend add a 10.0.0.2:80 local\n",
		"service add a proto tcp\n"
		"frontend add a loadbalancer 192.0.2.1:80 source-ranges 10.0.0.0/8\n"
		"backend add a 10.0.0.1:80\n",
		NULL
	};
	struct svc_table t0, t1;
	struct svc_config cfg;

	(void)state;
	svc_table_init(&t0);
	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(read_model(base, &t0, &cfg), 0);
	svc_table_sort(&t0);
	for (int d = 0; d < 2; d++) {
		const char *const *texts = d ? differ : same;

		for (int k = 0; texts[k]; k++) {
			const char *text = texts[k];

			svc_table_init(&t1);
			assert_int_equal(read_model(text, &t1, &cfg), 0);
			svc_table_sort(&t1);
			assert_int_equal(svc_service_equal(&t0.v[0], &t1.v[0]), !d);
			assert_int_equal(svc_service_equal(&t1.v[0], &t0.v[0]), !d);
			svc_table_free(&t1);
		}
	}
	assert_true(svc_service_equal(&t0.v[0], &t0.v[0]));
	svc_table_free(&t0);
	svc_config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(op_parse_service),
		cmocka_unit_test(op_parse_members),
		cmocka_unit_test(op_parse_errors),
		cmocka_unit_test(op_parse_names),
		cmocka_unit_test(split_lines),
		cmocka_unit_test(model_semantics),
		cmocka_unit_test(save_roundtrip),
		cmocka_unit_test(save_canonical_order),
		cmocka_unit_test(restore_model_errors),
		cmocka_unit_test(model_equal),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests_name("save", tests, NULL, NULL);
}
