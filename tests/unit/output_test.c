// SPDX-License-Identifier: GPL-2.0
/* output_test: the JSON shape and the text formats svcadm prints. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "svcadm.h"

static char *out;
static size_t outlen;

static FILE *mem(void)
{
	FILE *f;

	free(out);
	out = NULL;
	f = open_memstream(&out, &outlen);
	assert_non_null(f);
	return f;
}

/* Builds a table from svcadm lines. */
static void table_from(const char *text, struct svc_table *t, struct svc_config *cfg)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");

	svc_table_init(t);
	memset(cfg, 0, sizeof(*cfg));
	assert_int_equal(restore_read_model(f, t, cfg), 0);
	fclose(f);
	svc_table_sort(t);
}

static const char sample[] =
	"service add web proto tcp affinity clientip timeout 30 external-policy local\n"
	"frontend add web clusterip 10.96.0.10:80\n"
	"frontend add web loadbalancer [2001:db8::5]:443 source-ranges 203.0.113.0/24\n"
	"frontend add web nodeport 30080\n"
	"backend add web 10.244.1.2:8080 weight 2 local\n"
	"backend add web [fd00::2]:8080 terminating\n"
	"service add dns proto udp\n";

static json_object *get(json_object *o, const char *key, json_type type)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v))
		print_error("missing key \"%s\"\n", key);
	assert_non_null(v);
	assert_int_equal(json_object_get_type(v), type);
	return v;
}

static void json_service_shape(void **state)
{
	struct svc_table t;
	struct svc_config cfg;
	json_object *root, *web, *arr, *e;
	FILE *f;

	(void)state;
	table_from(sample, &t, &cfg);
	f = mem();
	svc_json_print(f, svc_json_table(&t));
	fclose(f);
	/* one line, slashes not escaped */
	assert_non_null(strchr(out, '\n'));
	assert_int_equal(strchr(out, '\n') - out, (long)strlen(out) - 1);
	assert_null(strstr(out, "\\/"));

	root = json_tokener_parse(out);
	assert_non_null(root);
	assert_int_equal(json_object_get_type(root), json_type_array);
	assert_int_equal(json_object_array_length(root), 2);
	assert_string_equal(json_object_get_string(get(json_object_array_get_idx(root, 0),
						       "name", json_type_string)), "dns");
	web = json_object_array_get_idx(root, 1);
	assert_string_equal(json_object_get_string(get(web, "name", json_type_string)), "web");
	assert_string_equal(json_object_get_string(get(web, "proto", json_type_string)), "tcp");
	assert_string_equal(json_object_get_string(get(web, "scheduler", json_type_string)),
			    "maglev");
	assert_string_equal(json_object_get_string(get(web, "affinity", json_type_string)),
			    "clientip");
	assert_int_equal(json_object_get_int(get(web, "affinity_timeout", json_type_int)), 30);
	assert_string_equal(json_object_get_string(get(web, "internal_policy",
						       json_type_string)), "cluster");
	assert_string_equal(json_object_get_string(get(web, "external_policy",
						       json_type_string)), "local");

	arr = get(web, "frontends", json_type_array);
	assert_int_equal(json_object_array_length(arr), 3);
	e = json_object_array_get_idx(arr, 0);
	assert_string_equal(json_object_get_string(get(e, "kind", json_type_string)),
			    "clusterip");
	assert_string_equal(json_object_get_string(get(e, "family", json_type_string)), "ipv4");
	assert_string_equal(json_object_get_string(get(e, "addr", json_type_string)),
			    "10.96.0.10");
	assert_int_equal(json_object_get_int(get(e, "port", json_type_int)), 80);
	assert_false(json_object_object_get_ex(e, "source_ranges", NULL));
	e = json_object_array_get_idx(arr, 1);
	assert_string_equal(json_object_get_string(get(e, "addr", json_type_string)),
			    "2001:db8::5");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(
			    get(e, "source_ranges", json_type_array), 0)), "203.0.113.0/24");
	e = json_object_array_get_idx(arr, 2);
	assert_string_equal(json_object_get_string(get(e, "kind", json_type_string)), "nodeport");
	assert_string_equal(json_object_get_string(get(e, "family", json_type_string)), "any");
	assert_false(json_object_object_get_ex(e, "addr", NULL));

	arr = get(web, "backends", json_type_array);
	assert_int_equal(json_object_array_length(arr), 2);
	e = json_object_array_get_idx(arr, 0);
	assert_string_equal(json_object_get_string(get(e, "addr", json_type_string)),
			    "10.244.1.2");
	assert_int_equal(json_object_get_int(get(e, "port", json_type_int)), 8080);
	assert_int_equal(json_object_get_int(get(e, "weight", json_type_int)), 2);
	assert_true(json_object_get_boolean(get(e, "local", json_type_boolean)));
	assert_false(json_object_get_boolean(get(e, "terminating", json_type_boolean)));
	e = json_object_array_get_idx(arr, 1);
	assert_string_equal(json_object_get_string(get(e, "family", json_type_string)), "ipv6");
	assert_true(json_object_get_boolean(get(e, "terminating", json_type_boolean)));
	json_object_put(root);

	/* the exact text of a small one */
	f = mem();
	svc_json_print(f, svc_json_service(&t.v[0]));
	fclose(f);
	assert_string_equal(out, "{\"name\":\"dns\",\"proto\":\"udp\",\"scheduler\":\"maglev\","
			    "\"affinity\":\"none\",\"affinity_timeout\":10800,"
			    "\"internal_policy\":\"cluster\",\"external_policy\":\"cluster\","
			    "\"frontends\":[],\"backends\":[]}\n");
	svc_table_free(&t);
	svc_config_free(&cfg);
}

static void json_config_lookup_event(void **state)
{
	struct svc_config cfg;
	struct svc_lookup l;
	struct svc_event ev;
	struct svc_cidr c;
	char err[SVC_ERRLEN];
	FILE *f;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(svc_parse_cidr("10.244.0.0/16", &c, err, sizeof(err)), 0);
	svc_cidrs_add(&cfg.cluster_cidrs, &c);
	cfg.max_services = 5;
	cfg.has = SVC_CFG_HAS_CLUSTER_CIDRS | SVC_CFG_HAS_NODEPORT_CIDRS |
		  SVC_CFG_HAS_MASQUERADE_ALL | SVC_CFG_HAS_MAX_SERVICES;
	f = mem();
	svc_json_print(f, svc_json_config(&cfg));
	fclose(f);
	assert_string_equal(out, "{\"cluster_cidrs\":[\"10.244.0.0/16\"],\"masquerade_all\":false,"
			    "\"nodeport_addresses\":[],\"max_services\":5}\n");
	f = mem();
	svc_print_config(f, &cfg);
	fclose(f);
	assert_string_equal(out, "cluster-cidrs 10.244.0.0/16\nmasquerade-all off\n"
			    "nodeport-addresses all\nmax-services 5\n");
	svc_config_free(&cfg);
	/* a switch first still has a space after it (save output is restored) */
	cfg.packet_stats = 1;
	cfg.maglev_table_size = 7;
	cfg.has = SVC_CFG_HAS_PACKET_STATS | SVC_CFG_HAS_MAGLEV_TABLE_SIZE;
	f = mem();
	svc_print_config_settings(f, &cfg);
	fclose(f);
	assert_string_equal(out, "packet-stats on maglev-table-size 7");

	memset(&l, 0, sizeof(l));
	l.protocol = IPPROTO_TCP;
	l.verdict = SVCVIP_VERDICT_REJECT;
	l.reason = SVCVIP_REASON_NO_BACKENDS;
	l.has_service = true;
	strcpy(l.service, "ns/web:http");
	l.has_frontend = true;
	l.frontend.kind = SVCVIP_FRONTEND_CLUSTERIP;
	l.frontend.family = AF_INET;
	inet_pton(AF_INET, "10.96.0.10", &l.frontend.addr.v4);
	l.frontend.port = 80;
	f = mem();
	svc_json_print(f, svc_json_lookup(&l));
	fclose(f);
	assert_string_equal(out, "{\"verdict\":\"reject\",\"reason\":\"no-backends\","
			    "\"service\":\"ns/web:http\",\"frontend\":{\"kind\":\"clusterip\","
			    "\"family\":\"ipv4\",\"addr\":\"10.96.0.10\",\"port\":80},"
			    "\"backend\":null,\"masquerade\":\"none\"}\n");
	f = mem();
	svc_print_lookup(f, &l, true);
	fclose(f);
	assert_string_equal(out, "verdict reject\nreason no-backends\nservice ns/web:http\n"
			    "frontend clusterip 10.96.0.10:80\nmasquerade none\n");
	f = mem();
	svc_print_lookup(f, &l, false);		/* names from /etc/services */
	fclose(f);
	assert_string_equal(out, "verdict reject\nreason no-backends\nservice ns/web:http\n"
			    "frontend clusterip 10.96.0.10:http\nmasquerade none\n");

	memset(&ev, 0, sizeof(ev));
	ev.cmd = SVCVIP_CMD_SET_BACKEND;
	ev.has_service = true;
	strcpy(ev.service.name, "web");
	ev.has_backend = true;
	ev.backend.family = AF_INET6;
	inet_pton(AF_INET6, "fd00::7", &ev.backend.addr.v6);
	ev.backend.port = 8080;
	ev.backend.weight = 0;
	ev.backend.flags = SVCVIP_BACKEND_F_LOCAL;
	ev.backend.has = SVC_BE_HAS_WEIGHT | SVC_BE_HAS_FLAGS;
	f = mem();
	svc_json_print(f, svc_json_event(&ev));
	fclose(f);
	assert_string_equal(out, "{\"object\":\"backend\",\"action\":\"set\","
			    "\"service\":{\"name\":\"web\"},\"backend\":{\"family\":\"ipv6\","
			    "\"addr\":\"fd00::7\",\"port\":8080,\"weight\":0,\"local\":true,"
			    "\"terminating\":false}}\n");
	f = mem();
	svc_print_event(f, &ev, true);
	fclose(f);
	assert_string_equal(out, "backend set web [fd00::7]:8080 weight 0 local\n");
}

static void text_events(void **state)
{
	struct svc_event ev;
	FILE *f;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	ev.cmd = SVCVIP_CMD_REPLACE_SERVICE;
	ev.replace = true;
	ev.has_service = true;
	strcpy(ev.service.name, "web");
	ev.service.protocol = IPPROTO_TCP;
	ev.service.scheduler = SVCVIP_SCHED_RR;
	ev.service.has = SVC_SVC_HAS_PROTOCOL | SVC_SVC_HAS_SCHEDULER;
	f = mem();
	svc_print_event(f, &ev, true);
	fclose(f);
	assert_string_equal(out, "service replace web proto tcp scheduler rr "
			    "internal-policy cluster external-policy cluster\n");

	ev.cmd = SVCVIP_CMD_SET_SERVICE;
	ev.replace = false;
	ev.service.has = SVC_SVC_HAS_SCHEDULER;
	f = mem();
	svc_print_event(f, &ev, true);
	fclose(f);
	assert_string_equal(out, "service set web scheduler rr\n");

	ev.cmd = SVCVIP_CMD_DEL_SERVICE;
	ev.service.has = 0;
	f = mem();
	svc_print_event(f, &ev, true);
	fclose(f);
	assert_string_equal(out, "service del web\n");

	ev.cmd = SVCVIP_CMD_NEW_FRONTEND;
	ev.has_frontend = true;
	ev.frontend.kind = SVCVIP_FRONTEND_NODEPORT;
	ev.frontend.family = AF_INET;
	ev.frontend.port = 30080;
	f = mem();
	svc_print_event(f, &ev, true);
	fclose(f);
	assert_string_equal(out, "frontend add web nodeport 30080 family ipv4\n");

	/* the kernel reports a deleted backend's last weight and flags; the
	 * line keeps the grammar of "backend del", JSON has them all
	 */
	ev.has_frontend = false;
	ev.has_backend = true;
	ev.backend.family = AF_INET;
	ev.backend.addr.v4.s_addr = htonl(0x0af4000b);
	ev.backend.port = 8080;
	ev.backend.weight = 0;
	ev.backend.flags = SVCVIP_BACKEND_F_TERMINATING;
	ev.backend.has = SVC_BE_HAS_WEIGHT | SVC_BE_HAS_FLAGS;
	ev.cmd = SVCVIP_CMD_SET_BACKEND;
	f = mem();
	svc_print_event(f, &ev, true);
	fclose(f);
	assert_string_equal(out, "backend set web 10.244.0.11:8080 weight 0 terminating\n");
	ev.cmd = SVCVIP_CMD_DEL_BACKEND;
	f = mem();
	svc_print_event(f, &ev, true);
	fclose(f);
	assert_string_equal(out, "backend del web 10.244.0.11:8080\n");

	memset(&ev, 0, sizeof(ev));
	ev.cmd = SVCVIP_CMD_FLUSH;
	f = mem();
	svc_print_event(f, &ev, true);
	fclose(f);
	assert_string_equal(out, "flush\n");
	f = mem();
	svc_json_print(f, svc_json_event(&ev));
	fclose(f);
	assert_string_equal(out, "{\"object\":\"flush\",\"action\":\"flush\"}\n");
}

static void text_show(void **state)
{
	struct svc_table t;
	struct svc_config cfg;
	FILE *f;

	(void)state;
	table_from(sample, &t, &cfg);
	f = mem();
	svc_print_table(f, &t, true);
	fclose(f);
	assert_string_equal(out,
		"service dns proto udp scheduler maglev internal-policy cluster "
		"external-policy cluster\n"
		"service web proto tcp scheduler maglev affinity clientip timeout 30 "
		"internal-policy cluster external-policy local\n"
		"  frontend clusterip 10.96.0.10:80\n"
		"  frontend loadbalancer [2001:db8::5]:443 source-ranges 203.0.113.0/24\n"
		"  frontend nodeport 30080\n"
		"  backend 10.244.1.2:8080 weight 2 local\n"
		"  backend [fd00::2]:8080 terminating\n");
	f = mem();
	svc_print_table(f, &t, false);
	fclose(f);
	assert_non_null(strstr(out, "  frontend clusterip 10.96.0.10:http\n"));
	assert_non_null(strstr(out, "  frontend loadbalancer [2001:db8::5]:https "));
	assert_non_null(strstr(out, "  backend 10.244.1.2:http-alt weight 2 local\n"));
	assert_non_null(strstr(out, "  frontend nodeport 30080\n"));	/* no name: number */
	svc_table_free(&t);
	svc_config_free(&cfg);
}

static void text_stats(void **state)
{
	struct svc_table t;
	struct svc_service *s;
	struct svc_backend be;
	FILE *f;

	(void)state;
	svc_table_init(&t);
	s = svc_table_add(&t, "ns/web:http");
	s->has = SVC_SVC_HAS_STATS;
	s->stats = (struct svc_stats){ 12, 100, 90, 6000, 5400, 1, 2 };
	memset(&be, 0, sizeof(be));
	be.family = AF_INET;
	inet_pton(AF_INET, "10.244.1.2", &be.addr.v4);
	be.port = 8080;
	be.has = SVC_BE_HAS_STATS;
	be.stats = (struct svc_stats){ 12, 100, 90, 6000, 5400, 1, 2 };
	svc_service_add_backend(s, &be);
	f = mem();
	svc_print_stats(f, &t, true);
	fclose(f);
	assert_string_equal(out,
		"Service                                       Conns     InPkts    OutPkts"
		"      InBytes     OutBytes  ActConn InActConn\n"
		"  -> Backend\n"
		"ns/web:http                                      12        100         90"
		"         6000         5400        1         2\n"
		"  -> 10.244.1.2:8080                             12        100         90"
		"         6000         5400        1         2\n");
	f = mem();
	svc_json_print(f, svc_json_stats_table(&t));
	fclose(f);
	assert_string_equal(out,
		"[{\"name\":\"ns/web:http\",\"stats\":{\"conns\":12,\"pkts_in\":100,"
		"\"pkts_out\":90,\"bytes_in\":6000,\"bytes_out\":5400,\"active_conns\":1,"
		"\"inactive_conns\":2},\"backends\":[{\"family\":\"ipv4\",\"addr\":\"10.244.1.2\","
		"\"port\":8080,\"stats\":{\"conns\":12,\"pkts_in\":100,\"pkts_out\":90,"
		"\"bytes_in\":6000,\"bytes_out\":5400,\"active_conns\":1,"
		"\"inactive_conns\":2}}]}]\n");
	svc_table_free(&t);
}

static void fmt_helpers(void **state)
{
	char b[SVC_ADDRSTRLEN];
	union svc_inaddr a;

	(void)state;
	inet_pton(AF_INET6, "2001:db8::1", &a.v6);
	assert_string_equal(svc_fmt_addrport(AF_INET6, &a, 80, IPPROTO_TCP, true, b,
					     sizeof(b)), "[2001:db8::1]:80");
	assert_string_equal(svc_fmt_addrport(AF_INET6, &a, 80, IPPROTO_TCP, false, b,
					     sizeof(b)), "[2001:db8::1]:http");
	assert_string_equal(svc_fmt_port(53, IPPROTO_UDP, false, b, sizeof(b)), "domain");
	assert_string_equal(svc_fmt_port(8080, IPPROTO_UDP, false, b, sizeof(b)), "8080");
	assert_string_equal(svc_fmt_port(8080, IPPROTO_TCP, false, b, sizeof(b)), "http-alt");
	assert_string_equal(svc_fmt_port(80, IPPROTO_TCP, true, b, sizeof(b)), "80");
}

static int teardown(void **state)
{
	(void)state;
	free(out);
	out = NULL;
	svc_output_cleanup();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(json_service_shape),
		cmocka_unit_test(json_config_lookup_event),
		cmocka_unit_test(text_events),
		cmocka_unit_test(text_show),
		cmocka_unit_test(text_stats),
		cmocka_unit_test(fmt_helpers),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests_name("output", tests, NULL, teardown);
}
