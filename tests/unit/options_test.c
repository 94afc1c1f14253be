// SPDX-License-Identifier: GPL-2.0
/*
 * options_test: svcsyncd's flags and --config file
 * (userspace/svcsyncd/options.c): kube-proxy's names, flags winning over
 * the file, durations, and errors that name the flag or field.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "options.h"

static char err[512];

/* parses a NULL-terminated argument list; the options go to *o */
static int parse(struct daemon_options *o, ...)
{
	char *argv[32] = { (char *)"svcsyncd" };
	int argc = 1;
	va_list ap;

	va_start(ap, o);
	while ((argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	memset(o, 0, sizeof(*o));
	err[0] = 0;
	return options_parse(argc, argv, o, err, sizeof(err));
}

static char *config_file(const char *text)
{
	static char path[64];
	int fd;

	strcpy(path, "/tmp/svcsyncd-options-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void durations(void **state)
{
	uint32_t ms = 0;

	(void)state;
	assert_int_equal(options_parse_duration("30s", &ms), 0);
	assert_int_equal(ms, 30000);
	assert_int_equal(options_parse_duration("1m30s", &ms), 0);
	assert_int_equal(ms, 90000);
	assert_int_equal(options_parse_duration("500ms", &ms), 0);
	assert_int_equal(ms, 500);
	assert_int_equal(options_parse_duration("2h", &ms), 0);
	assert_int_equal(ms, 7200000);
	assert_int_equal(options_parse_duration("0", &ms), 0);
	assert_int_equal(ms, 0);
	assert_int_equal(options_parse_duration("", &ms), -EINVAL);
	assert_int_equal(options_parse_duration("30", &ms), -EINVAL);
	assert_int_equal(options_parse_duration("s", &ms), -EINVAL);
	assert_int_equal(options_parse_duration("1.5s", &ms), -EINVAL);
	assert_int_equal(options_parse_duration("99999999h", &ms), -ERANGE);
}

static void defaults_and_flags(void **state)
{
	struct daemon_options o;

	(void)state;
	assert_int_equal(parse(&o, "--hostname-override", " Node-1 ", NULL), 0);
	assert_string_equal(o.node_name, "node-1");	/* trimmed, lowercased */
	assert_ptr_equal(o.proxy.node_name, o.node_name);
	assert_int_equal(o.sync_period_ms, 30000);
	assert_string_equal(o.healthz_bind, "0.0.0.0:10256");
	assert_string_equal(o.metrics_bind, "127.0.0.1:10249");
	assert_int_equal(o.proxy.nodeport_mode, PROXY_NODEPORT_PRIMARY);
	assert_null(o.kubeconfig);
	options_free(&o);

	assert_int_equal(parse(&o, "--hostname-override", "n", "--kubeconfig", "/k",
			       "--cluster-cidr", "10.244.0.0/16,fd00:244::/32", "--masquerade-all",
			       "--nodeport-addresses", "192.168.0.0/24",
			       "--service-cluster-ip-range", "10.96.0.0/12",
			       "--sync-period", "2s", "--healthz-bind-address", "",
			       "-v", "3", NULL), 0);
	assert_string_equal(o.kubeconfig, "/k");
	assert_int_equal(o.proxy.cluster_cidrs.n, 2);
	assert_true(o.proxy.masquerade_all);
	assert_int_equal(o.proxy.nodeport_mode, PROXY_NODEPORT_CIDRS);
	assert_int_equal(o.proxy.nodeport_cidrs.n, 1);
	assert_int_equal(o.proxy.service_cidrs.n, 1);
	assert_int_equal(o.sync_period_ms, 2000);
	assert_string_equal(o.healthz_bind, "");
	options_free(&o);

	assert_int_equal(parse(&o, "--hostname-override", "n", "--masquerade-all=false",
			       "--nodeport-addresses", "all", NULL), 0);
	assert_false(o.proxy.masquerade_all);
	assert_int_equal(o.proxy.nodeport_mode, PROXY_NODEPORT_ALL);
	options_free(&o);
}

static void usage_errors_name_the_flag(void **state)
{
	struct daemon_options o;

	(void)state;
	assert_int_equal(parse(&o, "--bogus", NULL), -EINVAL);
	assert_non_null(strstr(err, "--bogus"));
	options_free(&o);
	assert_int_equal(parse(&o, "extra", NULL), -EINVAL);
	assert_non_null(strstr(err, "extra"));
	options_free(&o);
	assert_int_equal(parse(&o, "--hostname-override", "n", "--cluster-cidr", "10.244.0.0/33",
			       NULL), -EINVAL);
	assert_non_null(strstr(err, "--cluster-cidr 10.244.0.0/33"));
	options_free(&o);
	assert_int_equal(parse(&o, "--hostname-override", "n", "--sync-period", "soon", NULL),
			 -EINVAL);
	assert_non_null(strstr(err, "--sync-period soon"));
	options_free(&o);
	assert_int_equal(parse(&o, "--hostname-override", "n", "--masquerade-all=maybe", NULL),
			 -EINVAL);
	assert_non_null(strstr(err, "--masquerade-all maybe"));
	options_free(&o);
	assert_int_equal(parse(&o, "--hostname-override", "n", "-v", "x", NULL), -EINVAL);
	options_free(&o);
}

static void config_file_and_flags_over_it(void **state)
{
	struct daemon_options o;
	char *f = config_file(
		"apiVersion: kubeproxy.config.k8s.io/v1alpha1\n"
		"kind: KubeProxyConfiguration\n"
		"clientConnection:\n"
		"  kubeconfig: /etc/kube/proxy.conf\n"
		"hostnameOverride: fromfile\n"
		"clusterCIDR: 10.244.0.0/16\n"
		"nodePortAddresses: [\"192.168.0.0/24\", \"fd00::/64\"]\n"
		"syncPeriod: 1m\n"
		"nftables:\n"
		"  masqueradeAll: true\n"
		"metricsBindAddress: 0.0.0.0:10249\n"
		"conntrack:\n"
		"  maxPerCore: 32768\n");

	(void)state;
	assert_int_equal(parse(&o, "--config", f, NULL), 0);
	assert_string_equal(o.kubeconfig, "/etc/kube/proxy.conf");
	assert_string_equal(o.node_name, "fromfile");
	assert_int_equal(o.proxy.cluster_cidrs.n, 1);
	assert_int_equal(o.proxy.nodeport_mode, PROXY_NODEPORT_CIDRS);
	assert_int_equal(o.proxy.nodeport_cidrs.n, 2);
	assert_int_equal(o.sync_period_ms, 60000);
	assert_true(o.proxy.masquerade_all);
	assert_string_equal(o.metrics_bind, "0.0.0.0:10249");
	options_free(&o);
	/* a flag wins, wherever it stands */
	assert_int_equal(parse(&o, "--hostname-override", "fromflag", "--config", f,
			       "--sync-period", "5s", NULL), 0);
	assert_string_equal(o.node_name, "fromflag");
	assert_int_equal(o.sync_period_ms, 5000);
	options_free(&o);
	unlink(f);
}

/* kubeadm's ConfigMap has healthzBindAddress: "": kube-proxy defaults it */
static void config_file_empty_bind_is_default(void **state)
{
	struct daemon_options o;
	char *f = config_file("healthzBindAddress: \"\"\nmetricsBindAddress: \"\"\n");

	(void)state;
	assert_int_equal(parse(&o, "--hostname-override", "n", "--config", f, NULL), 0);
	assert_string_equal(o.healthz_bind, "0.0.0.0:10256");
	assert_string_equal(o.metrics_bind, "127.0.0.1:10249");
	options_free(&o);
	unlink(f);
}

static void config_file_errors(void **state)
{
	struct daemon_options o;
	char *f;

	(void)state;
	f = config_file("kind: KubeletConfiguration\n");
	assert_int_equal(parse(&o, "--hostname-override", "n", "--config", f, NULL), -EINVAL);
	assert_non_null(strstr(err, "KubeletConfiguration"));
	options_free(&o);
	unlink(f);
	f = config_file("clusterCIDR: 10.244.0.0/99\n");
	assert_int_equal(parse(&o, "--hostname-override", "n", "--config", f, NULL), -EINVAL);
	assert_non_null(strstr(err, "clusterCIDR"));
	options_free(&o);
	unlink(f);
	f = config_file("syncPeriod: [1]\n");
	assert_int_equal(parse(&o, "--hostname-override", "n", "--config", f, NULL), 0);
	options_free(&o);	/* not a scalar: ignored like an absent field */
	unlink(f);
	f = config_file("detectLocalMode: NodeCIDR\n");
	assert_int_equal(parse(&o, "--hostname-override", "n", "--config", f, NULL), -EINVAL);
	assert_non_null(strstr(err, "detectLocalMode"));
	options_free(&o);
	unlink(f);
	f = config_file("a: [\n");
	assert_int_equal(parse(&o, "--hostname-override", "n", "--config", f, NULL), -EINVAL);
	assert_non_null(strstr(err, "line"));
	options_free(&o);
	unlink(f);
	assert_int_equal(parse(&o, "--hostname-override", "n", "--config", "/nonexistent/x",
			       NULL), -EINVAL);
	assert_non_null(strstr(err, "/nonexistent/x"));
	options_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(durations),
		cmocka_unit_test(defaults_and_flags),
		cmocka_unit_test(usage_errors_name_the_flag),
		cmocka_unit_test(config_file_and_flags_over_it),
		cmocka_unit_test(config_file_empty_bind_is_default),
		cmocka_unit_test(config_file_errors),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
