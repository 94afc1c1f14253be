// SPDX-License-Identifier: GPL-2.0
/* parse_test: addresses, ports, CIDRs, names, numbers and keywords. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "parse.h"

static char err[SVC_ERRLEN];

static void parse_port_good(void **state)
{
	uint16_t p = 0;

	(void)state;
	assert_int_equal(svc_parse_port("1", &p, err, sizeof(err)), 0);
	assert_int_equal(p, 1);
	assert_int_equal(svc_parse_port("80", &p, err, sizeof(err)), 0);
	assert_int_equal(p, 80);
	assert_int_equal(svc_parse_port("65535", &p, err, sizeof(err)), 0);
	assert_int_equal(p, 65535);
	assert_int_equal(svc_parse_port("08080", &p, err, sizeof(err)), 0);
	assert_int_equal(p, 8080);
}

static void parse_port_bad(void **state)
{
	static const char *const bad[] = {
		"0", "65536", "99999", "abc", "", "-1", "+80", " 80", "80 ",
		"8o", "0x50", "1e3", "18446744073709551697", NULL
	};
	uint16_t p = 4242;

	(void)state;
	for (int i = 0; bad[i]; i++) {
		err[0] = '\0';
		assert_int_equal(svc_parse_port(bad[i], &p, err, sizeof(err)), -1);
		assert_string_equal(err, "port must be 1-65535");
		assert_int_equal(p, 4242);	/* untouched on error */
	}
}

static void parse_addrport_v4(void **state)
{
	struct svc_addrport ap;

	(void)state;
	assert_int_equal(svc_parse_addrport("10.0.0.1:80", &ap, err, sizeof(err)), 0);
	assert_int_equal(ap.family, AF_INET);
	assert_int_equal(ap.port, 80);
	assert_int_equal(ap.addr.v4.s_addr, htonl(0x0a000001));
	/* the rest of the union is zero so structs compare */
	for (int i = 4; i < 16; i++)
		assert_int_equal(ap.addr.b[i], 0);
}

static void parse_addrport_v6(void **state)
{
	struct svc_addrport ap;
	static const uint8_t want[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

	(void)state;
	assert_int_equal(svc_parse_addrport("[2001:db8::1]:443", &ap, err, sizeof(err)), 0);
	assert_int_equal(ap.family, AF_INET6);
	assert_int_equal(ap.port, 443);
	assert_memory_equal(ap.addr.b, want, 16);
	assert_int_equal(svc_parse_addrport("[::ffff:10.0.0.1]:1", &ap, err, sizeof(err)), 0);
	assert_int_equal(ap.family, AF_INET6);
}

static void expect_ap_err(const char *in, const char *msg)
{
	struct svc_addrport ap;

	err[0] = '\0';
	assert_int_equal(svc_parse_addrport(in, &ap, err, sizeof(err)), -1);
	assert_string_equal(err, msg);
}

static void parse_addrport_bad(void **state)
{
	(void)state;
	expect_ap_err("10.0.0.1", "missing port (ADDR:PORT)");
	expect_ap_err("10.0.0.1:", "port must be 1-65535");
	expect_ap_err("10.0.0.1:0", "port must be 1-65535");
	expect_ap_err("10.0.0.1:65536", "port must be 1-65535");
	expect_ap_err("10.0.0.1:http", "port must be 1-65535");
	expect_ap_err("10.0.0.256:80", "invalid IPv4 address");
	expect_ap_err("10.0.0:80", "invalid IPv4 address");
	expect_ap_err("web.example:80", "invalid IPv4 address");
	expect_ap_err(":80", "missing address");
	expect_ap_err("2001:db8::1:80", "IPv6 address must be written [ADDR]:PORT");
	expect_ap_err("[2001:db8::1]", "missing port (ADDR:PORT)");
	expect_ap_err("[2001:db8::1]80", "expected ':' after ']'");
	expect_ap_err("[2001:db8::1:80", "missing ']' after IPv6 address");
	expect_ap_err("[2001:db8::g]:80", "invalid IPv6 address");
	expect_ap_err("[10.0.0.1]:80", "invalid IPv6 address");
	expect_ap_err("[fe80::1%eth0]:80", "invalid IPv6 address");
	expect_ap_err("[]:80", "missing address");
	expect_ap_err("", "missing address");
}

static void parse_addr_optport(void **state)
{
	struct svc_addrport ap;

	(void)state;
	assert_int_equal(svc_parse_addr_optport("10.1.2.3", &ap, err, sizeof(err)), 0);
	assert_int_equal(ap.family, AF_INET);
	assert_int_equal(ap.port, 0);
	assert_int_equal(svc_parse_addr_optport("10.1.2.3:5000", &ap, err, sizeof(err)), 0);
	assert_int_equal(ap.port, 5000);
	assert_int_equal(svc_parse_addr_optport("2001:db8::7", &ap, err, sizeof(err)), 0);
	assert_int_equal(ap.family, AF_INET6);
	assert_int_equal(ap.port, 0);
	assert_int_equal(svc_parse_addr_optport("[2001:db8::7]", &ap, err, sizeof(err)), 0);
	assert_int_equal(ap.port, 0);
	assert_int_equal(svc_parse_addr_optport("[2001:db8::7]:9", &ap, err, sizeof(err)), 0);
	assert_int_equal(ap.port, 9);
	assert_int_equal(svc_parse_addr_optport("10.1.2.3:0", &ap, err, sizeof(err)), -1);
	assert_string_equal(err, "port must be 1-65535");
	assert_int_equal(svc_parse_addr_optport("nope", &ap, err, sizeof(err)), -1);
	assert_string_equal(err, "invalid IPv4 address");
}

static void parse_cidr_good(void **state)
{
	struct svc_cidr c;

	(void)state;
	assert_int_equal(svc_parse_cidr("10.0.0.0/8", &c, err, sizeof(err)), 0);
	assert_int_equal(c.family, AF_INET);
	assert_int_equal(c.prefixlen, 8);
	assert_int_equal(c.addr.v4.s_addr, htonl(0x0a000000));
	assert_int_equal(svc_parse_cidr("0.0.0.0/0", &c, err, sizeof(err)), 0);
	assert_int_equal(c.prefixlen, 0);
	assert_int_equal(svc_parse_cidr("192.0.2.7/32", &c, err, sizeof(err)), 0);
	assert_int_equal(c.prefixlen, 32);
	assert_int_equal(svc_parse_cidr("fd00::/48", &c, err, sizeof(err)), 0);
	assert_int_equal(c.family, AF_INET6);
	assert_int_equal(c.prefixlen, 48);
	assert_int_equal(c.addr.b[0], 0xfd);
	assert_int_equal(svc_parse_cidr("2001:db8::1/128", &c, err, sizeof(err)), 0);
	assert_int_equal(c.prefixlen, 128);
	assert_int_equal(svc_parse_cidr("::/0", &c, err, sizeof(err)), 0);
	/* host bits right at the boundary: 10.0.0.128/25 is a network */
	assert_int_equal(svc_parse_cidr("10.0.0.128/25", &c, err, sizeof(err)), 0);
}

static void expect_cidr_err(const char *in, const char *msg)
{
	struct svc_cidr c;

	err[0] = '\0';
	assert_int_equal(svc_parse_cidr(in, &c, err, sizeof(err)), -1);
	assert_string_equal(err, msg);
}

static void parse_cidr_bad(void **state)
{
	(void)state;
	expect_cidr_err("10.0.0.1/8", "host bits set (network is 10.0.0.0/8)");
	expect_cidr_err("10.0.0.129/25", "host bits set (network is 10.0.0.128/25)");
	expect_cidr_err("fd00::1/64", "host bits set (network is fd00::/64)");
	expect_cidr_err("2001:db8::1:0/111", "host bits set (network is 2001:db8::/111)");
	expect_cidr_err("10.0.0.0/33", "prefix length must be 0-32");
	expect_cidr_err("10.0.0.0/-1", "prefix length must be 0-32");
	expect_cidr_err("10.0.0.0/", "prefix length must be 0-32");
	expect_cidr_err("10.0.0.0/8x", "prefix length must be 0-32");
	expect_cidr_err("fd00::/129", "prefix length must be 0-128");
	expect_cidr_err("fd00::/1000", "prefix length must be 0-128");
	expect_cidr_err("10.0.0.0", "missing prefix length (ADDR/LEN)");
	expect_cidr_err("/8", "invalid address");
	expect_cidr_err("10.0.0.300/8", "invalid IPv4 address");
	expect_cidr_err("fd00::g/8", "invalid IPv6 address");
	expect_cidr_err("[fd00::]/8", "invalid IPv6 address");
}

static void parse_cidr_list(void **state)
{
	struct svc_cidrs l = { 0 };

	(void)state;
	assert_int_equal(svc_parse_cidr_list("10.0.0.0/8,fd00::/48,192.0.2.0/24", &l,
					     err, sizeof(err)), 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.v[0].family, AF_INET);
	assert_int_equal(l.v[1].family, AF_INET6);
	assert_int_equal(l.v[2].prefixlen, 24);
	svc_cidrs_free(&l);
	assert_null(l.v);

	assert_int_equal(svc_parse_cidr_list("10.0.0.0/8,10.0.0.1/24", &l, err,
					     sizeof(err)), -1);
	assert_string_equal(err, "10.0.0.1/24: host bits set (network is 10.0.0.0/24)");
	svc_cidrs_free(&l);
	assert_int_equal(svc_parse_cidr_list("10.0.0.0/8,", &l, err, sizeof(err)), -1);
	assert_string_equal(err, "10.0.0.0/8,: empty element in CIDR list");
	svc_cidrs_free(&l);
	assert_int_equal(svc_parse_cidr_list("", &l, err, sizeof(err)), -1);
	assert_string_equal(err, "\"\": empty element in CIDR list");
	svc_cidrs_free(&l);
}

static void parse_names(void **state)
{
	char name[300];

	(void)state;
	assert_int_equal(svc_check_name("default/web:http", err, sizeof(err)), 0);
	assert_int_equal(svc_check_name("!", err, sizeof(err)), 0);
	assert_int_equal(svc_check_name("~~", err, sizeof(err)), 0);

	memset(name, 'a', 255);
	name[255] = '\0';
	assert_int_equal(svc_check_name(name, err, sizeof(err)), 0);
	name[255] = 'a';
	name[256] = '\0';
	assert_int_equal(svc_check_name(name, err, sizeof(err)), -1);
	assert_string_equal(err, "name must be 1-255 bytes (is 256)");

	assert_int_equal(svc_check_name("", err, sizeof(err)), -1);
	assert_string_equal(err, "name must be 1-255 bytes");
	assert_int_equal(svc_check_name("a b", err, sizeof(err)), -1);
	assert_string_equal(err, "name must be printable ASCII without spaces (byte 2 is 0x20)");
	assert_int_equal(svc_check_name("tab\there", err, sizeof(err)), -1);
	assert_string_equal(err, "name must be printable ASCII without spaces (byte 4 is 0x09)");
	assert_int_equal(svc_check_name("del\x7f", err, sizeof(err)), -1);
	assert_string_equal(err, "name must be printable ASCII without spaces (byte 4 is 0x7f)");
	assert_int_equal(svc_check_name("caf\xc3\xa9", err, sizeof(err)), -1);
	assert_string_equal(err, "name must be printable ASCII without spaces (byte 4 is 0xc3)");
}

static void parse_numbers(void **state)
{
	uint32_t v = 7;
	bool on;

	(void)state;
	assert_int_equal(svc_parse_u32("0", 0, 65535, &v, err, sizeof(err)), 0);
	assert_int_equal(v, 0);
	assert_int_equal(svc_parse_u32("65535", 0, 65535, &v, err, sizeof(err)), 0);
	assert_int_equal(v, 65535);
	assert_int_equal(svc_parse_u32("65536", 0, 65535, &v, err, sizeof(err)), -1);
	assert_string_equal(err, "must be 0-65535");
	assert_int_equal(svc_parse_u32("0", 1, 86400, &v, err, sizeof(err)), -1);
	assert_string_equal(err, "must be 1-86400");
	assert_int_equal(svc_parse_u32("4294967295", 0, UINT32_MAX, &v, err, sizeof(err)), 0);
	assert_int_equal(v, UINT32_MAX);
	assert_int_equal(svc_parse_u32("4294967296", 0, UINT32_MAX, &v, err, sizeof(err)), -1);
	assert_int_equal(svc_parse_u32("-1", 0, 10, &v, err, sizeof(err)), -1);
	assert_int_equal(svc_parse_u32("1.5", 0, 10, &v, err, sizeof(err)), -1);
	assert_int_equal(svc_parse_u32("", 0, 10, &v, err, sizeof(err)), -1);
	assert_int_equal(v, UINT32_MAX);

	assert_int_equal(svc_parse_onoff("on", &on, err, sizeof(err)), 0);
	assert_true(on);
	assert_int_equal(svc_parse_onoff("off", &on, err, sizeof(err)), 0);
	assert_false(on);
	assert_int_equal(svc_parse_onoff("yes", &on, err, sizeof(err)), -1);
	assert_string_equal(err, "must be on or off");
}

static void parse_words(void **state)
{
	uint8_t v;
	uint16_t f;

	(void)state;
	assert_int_equal(svc_parse_protocol("tcp", &v, err, sizeof(err)), 0);
	assert_int_equal(v, IPPROTO_TCP);
	assert_int_equal(svc_parse_protocol("sctp", &v, err, sizeof(err)), 0);
	assert_int_equal(v, IPPROTO_SCTP);
	assert_int_equal(svc_parse_protocol("TCP", &v, err, sizeof(err)), -1);
	assert_string_equal(err, "protocol must be tcp, udp or sctp");
	assert_int_equal(svc_parse_scheduler("wrr", &v, err, sizeof(err)), 0);
	assert_int_equal(v, SVCVIP_SCHED_WRR);
	assert_int_equal(svc_parse_scheduler("lc", &v, err, sizeof(err)), -1);
	assert_string_equal(err, "scheduler must be maglev, random, rr or wrr");
	assert_int_equal(svc_parse_policy("local", &v, err, sizeof(err)), 0);
	assert_int_equal(v, SVCVIP_POLICY_LOCAL);
	assert_int_equal(svc_parse_policy("Local", &v, err, sizeof(err)), -1);
	assert_int_equal(svc_parse_kind("loadbalancer", &v, err, sizeof(err)), 0);
	assert_int_equal(v, SVCVIP_FRONTEND_LOADBALANCER);
	assert_int_equal(svc_parse_affinity("clientip", &v, err, sizeof(err)), 0);
	assert_int_equal(v, SVCVIP_AFFINITY_CLIENTIP);
	assert_int_equal(svc_parse_family("ipv6", &f, err, sizeof(err)), 0);
	assert_int_equal(f, AF_INET6);

	assert_string_equal(svc_protocol_name(IPPROTO_UDP), "udp");
	assert_null(svc_protocol_name(1));
	assert_string_equal(svc_scheduler_name(SVCVIP_SCHED_MAGLEV), "maglev");
	assert_string_equal(svc_kind_name(SVCVIP_FRONTEND_NODEPORT), "nodeport");
	assert_string_equal(svc_family_name(AF_INET), "ipv4");
	assert_string_equal(svc_reason_name(SVCVIP_REASON_NO_LOCAL_BACKENDS),
			    "no-local-backends");
	assert_string_equal(svc_masq_name(SVCVIP_MASQ_HAIRPIN), "hairpin");
	assert_string_equal(svc_verdict_name(SVCVIP_VERDICT_REJECT), "reject");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_port_good),
		cmocka_unit_test(parse_port_bad),
		cmocka_unit_test(parse_addrport_v4),
		cmocka_unit_test(parse_addrport_v6),
		cmocka_unit_test(parse_addrport_bad),
		cmocka_unit_test(parse_addr_optport),
		cmocka_unit_test(parse_cidr_good),
		cmocka_unit_test(parse_cidr_bad),
		cmocka_unit_test(parse_cidr_list),
		cmocka_unit_test(parse_names),
		cmocka_unit_test(parse_numbers),
		cmocka_unit_test(parse_words),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests_name("parse", tests, NULL, NULL);
}
