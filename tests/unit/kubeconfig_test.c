// SPDX-License-Identifier: GPL-2.0
/*
 * kubeconfig_test: svcsyncd/kubeconfig.c on kubeconfig files of each kind
 * written to a temporary directory, their errors, the in-cluster service
 * account (KUBERNETES_SERVICE_HOST/_PORT and its own sa dir) and the node
 * name.
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

#include "kubeconfig.h"
#include "log.h"

static char dir[64];
static char path[128];
static char err[512];

static void write_file(const char *name, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* clusters/users/contexts around the given cluster and user bodies */
static void write_kubeconfig(const char *cluster, const char *user)
{
	char text[4096];

	snprintf(text, sizeof(text),
		 "apiVersion: v1\n"
		 "kind: Config\n"
		 "current-context: ctx\n"
		 "clusters:\n"
		 "- name: other\n"
		 "  cluster:\n"
		 "    server: https://wrong:1\n"
		 "- name: c1\n"
		 "  cluster:\n%s"
		 "contexts:\n"
		 "- name: ctx\n"
		 "  context:\n"
		 "    cluster: c1\n"
		 "    user: u1\n"
		 "    namespace: default\n"
		 "users:\n"
		 "- name: u1\n"
		 "  user:\n%s",
		 cluster, user);
	write_file("config", text);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/kubeconfig_test.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/config", dir);
	svc_log_verbosity = -1;	/* warnings and errors only */
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void blob_equal(const struct kube_blob *b, const char *text)
{
	assert_non_null(b->data);
	assert_int_equal(b->len, strlen(text));
	assert_memory_equal(b->data, text, b->len);
}

/* "-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n" */
#define CA_PEM "-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n"
#define CA_B64 "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCkFBQQotLS0tLUVORCBDRVJUSUZJQ0FURS0tLS0tCg=="

static void token_and_ca_data(void **state)
{
	struct kube_api_config c;

	(void)state;
	write_kubeconfig("    server: https://10.0.0.1:6443/\n"
			 "    certificate-authority-data: " CA_B64 "\n"
			 "    certificate-authority: /nonexistent/ca.crt\n",
			 "    token: abc.def\n");
	assert_int_equal(kube_config_load(path, NULL, &c, err, sizeof(err)), 0);
	assert_string_equal(c.server, "https://10.0.0.1:6443");
	blob_equal(&c.ca, CA_PEM);	/* -data wins over the file, as in client-go */
	assert_string_equal(c.token, "abc.def");
	assert_null(c.token_file);
	assert_null(c.cert.data);
	assert_false(c.insecure);
	assert_non_null(strstr(c.source, "context ctx"));
	kube_api_config_free(&c);
	assert_null(c.server);
}

static void relative_files(void **state)
{
	struct kube_api_config c;
	char cwd[512];

	(void)state;
	write_file("ca.crt", "CA\n");
	write_file("client.crt", "CERT\n");
	write_file("client.key", "KEY\n");
	write_file("tok", "  secret\n");
	write_kubeconfig("    server: https://api.example:443\n"
			 "    certificate-authority: ca.crt\n"
			 "    tls-server-name: kubernetes.default\n",
			 "    client-certificate: ./client.crt\n"
			 "    client-key: client.key\n"
			 "    tokenFile: tok\n");
	/* relative to the kubeconfig's directory, not to the working directory */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir("/"), 0);
	assert_int_equal(kube_config_load(path, NULL, &c, err, sizeof(err)), 0);
	assert_int_equal(chdir(cwd), 0);
	blob_equal(&c.ca, "CA\n");
	blob_equal(&c.cert, "CERT\n");
	blob_equal(&c.key, "KEY\n");
	assert_string_equal(c.tls_server_name, "kubernetes.default");
	assert_non_null(c.token_file);
	assert_int_equal(strncmp(c.token_file, dir, strlen(dir)), 0);
	assert_string_equal(c.token_file + strlen(dir), "/tok");
	kube_api_config_free(&c);
}

static void cert_data_and_master(void **state)
{
	struct kube_api_config c;

	(void)state;
	write_kubeconfig("    server: kube.local:6443\n"
			 "    insecure-skip-tls-verify: true\n",
			 "    client-certificate-data: Q0VSVA==\n"
			 "    client-key-data: S0VZ\n");
	assert_int_equal(kube_config_load(path, NULL, &c, err, sizeof(err)), 0);
	/* no scheme: https when TLS is configured */
	assert_string_equal(c.server, "https://kube.local:6443");
	assert_true(c.insecure);
	blob_equal(&c.cert, "CERT");
	blob_equal(&c.key, "KEY");
	kube_api_config_free(&c);

	assert_int_equal(kube_config_load(path, "https://[fd00::1]:6443", &c, err, sizeof(err)),
			 0);
	assert_string_equal(c.server, "https://[fd00::1]:6443");
	blob_equal(&c.cert, "CERT");
	kube_api_config_free(&c);

	/* --master alone: that server, no credentials */
	assert_int_equal(kube_config_load(NULL, "127.0.0.1:8080", &c, err, sizeof(err)), 0);
	assert_string_equal(c.server, "http://127.0.0.1:8080");
	assert_null(c.token);
	assert_null(c.ca.data);
	kube_api_config_free(&c);
}

/* JSON is YAML too: some tools write kubeconfigs in it; contexts may name no user */
static void json_kubeconfig(void **state)
{
	struct kube_api_config c;

	(void)state;
	write_file("config", "{\"apiVersion\":\"v1\",\"current-context\":\"j\",\"contexts\":"
		   "[{\"name\":\"j\",\"context\":{\"cluster\":\"jc\"}}],\"clusters\":"
		   "[{\"name\":\"jc\",\"cluster\":{\"server\":\"https://[::1]:6443\","
		   "\"insecure-skip-tls-verify\":true}}]}\n");
	assert_int_equal(kube_config_load(path, NULL, &c, err, sizeof(err)), 0);
	assert_string_equal(c.server, "https://[::1]:6443");
	assert_true(c.insecure);
	assert_null(c.token);
	assert_null(c.cert.data);
	kube_api_config_free(&c);
}

static void expect_error(const char *cluster, const char *user, int ret, const char *text)
{
	struct kube_api_config c;

	write_kubeconfig(cluster, user);
	err[0] = '\0';
	assert_int_equal(kube_config_load(path, NULL, &c, err, sizeof(err)), ret);
	if (!strstr(err, text))
		fail_msg("error \"%s\" lacks \"%s\"", err, text);
}

static void exec_and_auth_provider(void **state)
{
	(void)state;
	expect_error("    server: https://a:1\n",
		     "    exec:\n"
		     "      apiVersion: client.authentication.k8s.io/v1beta1\n"
		     "      command: aws\n"
		     "      args: [eks, get-token]\n",
		     -EOPNOTSUPP, "user \"u1\" uses exec credentials (aws ...), which svcsyncd "
		     "does not run");
	expect_error("    server: https://a:1\n",
		     "    auth-provider:\n"
		     "      name: gcp\n",
		     -EOPNOTSUPP, "user \"u1\" uses the auth-provider gcp");
	expect_error("    server: https://a:1\n",
		     "    username: admin\n    password: x\n",
		     -EOPNOTSUPP, "basic authentication");
}

static void user_and_cluster_errors(void **state)
{
	(void)state;
	expect_error("    certificate-authority-data: " CA_B64 "\n", "    token: t\n", -EINVAL,
		     "cluster \"c1\" has no server");
	expect_error("    server: https://a:1\n    certificate-authority-data: \"@@@\"\n",
		     "    token: t\n", -EINVAL, "certificate-authority-data: not base64");
	expect_error("    server: https://a:1\n    certificate-authority: nothere.crt\n",
		     "    token: t\n", -ENOENT, "cluster certificate-authority: ");
	expect_error("    server: https://a:1\n", "    token: \"abc\\r\\nX-Evil: 1\"\n", -EINVAL,
		     "user \"u1\": a control character in the token");
	expect_error("    server: https://a:1\n", "    client-certificate-data: Q0VSVA==\n",
		     -EINVAL, "user \"u1\" has a client certificate without a client key");
	expect_error("    server: https://a:1\n"
		     "    insecure-skip-tls-verify: true\n"
		     "    certificate-authority-data: " CA_B64 "\n",
		     "    token: t\n", -EINVAL, "insecure-skip-tls-verify is not allowed");
}

static void missing_names(void **state)
{
	struct kube_api_config c;

	(void)state;
	write_file("config", "current-context: nope\ncontexts:\n- name: ctx\n"
		   "  context: {cluster: c1, user: u1}\n");
	assert_int_equal(kube_config_load(path, NULL, &c, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "context \"nope\" not found"));

	write_file("config", "current-context: ctx\ncontexts:\n- name: ctx\n"
		   "  context: {cluster: gone, user: u1}\nusers:\n- name: u1\n  user: {}\n");
	assert_int_equal(kube_config_load(path, NULL, &c, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "cluster \"gone\" not found"));

	write_file("config", "current-context: ctx\ncontexts:\n- name: ctx\n"
		   "  context: {cluster: c1, user: who}\nclusters:\n- name: c1\n"
		   "  cluster: {server: 'https://a:1'}\n");
	assert_int_equal(kube_config_load(path, NULL, &c, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "user \"who\" not found"));

	write_file("config", "apiVersion: v1\nclusters: []\n");
	assert_int_equal(kube_config_load(path, NULL, &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "no current-context"));

	write_file("config", "current-context: [unclosed\n");
	assert_int_equal(kube_config_load(path, NULL, &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "config:2:"));

	assert_int_equal(kube_config_load("/nonexistent/kubeconfig", NULL, &c, err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/kubeconfig"));
}

static void in_cluster(void **state)
{
	struct kube_api_config c;
	char *tok = NULL;

	(void)state;
	unsetenv("KUBERNETES_SERVICE_HOST");
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	assert_int_equal(kube_config_in_cluster(dir, &c, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "KUBERNETES_SERVICE_HOST"));

	setenv("KUBERNETES_SERVICE_HOST", "fd00:10::1", 1);
	write_file("token", "");
	assert_int_equal(kube_config_in_cluster(dir, &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "empty token"));

	write_file("token", "abc\ndef\n");
	assert_int_equal(kube_config_in_cluster(dir, &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "a control character in the token"));

	write_file("token", "eyJhbGciOi.sa\n");
	write_file("ca.crt", CA_PEM);
	assert_int_equal(kube_config_in_cluster(dir, &c, err, sizeof(err)), 0);
	assert_string_equal(c.server, "https://[fd00:10::1]:443");
	blob_equal(&c.ca, CA_PEM);
	assert_null(c.token);
	assert_int_equal(kube_token_read(c.token_file, &tok, err, sizeof(err)), 0);
	assert_string_equal(tok, "eyJhbGciOi.sa");
	free(tok);
	kube_api_config_free(&c);

	setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
	assert_int_equal(kube_config_in_cluster(dir, &c, err, sizeof(err)), 0);
	assert_string_equal(c.server, "https://10.96.0.1:443");
	kube_api_config_free(&c);
	unsetenv("KUBERNETES_SERVICE_HOST");
	unsetenv("KUBERNETES_SERVICE_PORT");
}

static void node_name(void **state)
{
	char n[64], host[256];

	(void)state;
	setenv("NODE_NAME", " Node-From-Env\n", 1);
	assert_int_equal(kube_node_name("  Worker-1.Example \n", n, sizeof(n)), 0);
	assert_string_equal(n, "worker-1.example");
	assert_int_equal(kube_node_name("   ", n, sizeof(n)), 0);
	assert_string_equal(n, "node-from-env");
	assert_int_equal(kube_node_name(NULL, n, sizeof(n)), 0);
	assert_string_equal(n, "node-from-env");
	assert_int_equal(kube_node_name("a-very-long-node-name", n, 8), -ENAMETOOLONG);
	unsetenv("NODE_NAME");
	assert_int_equal(gethostname(host, sizeof(host)), 0);
	for (char *p = host; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
	assert_int_equal(kube_node_name(NULL, n, sizeof(n)), 0);
	assert_string_equal(n, host);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(token_and_ca_data),
		cmocka_unit_test(relative_files),
		cmocka_unit_test(cert_data_and_master),
		cmocka_unit_test(json_kubeconfig),
		cmocka_unit_test(exec_and_auth_provider),
		cmocka_unit_test(user_and_cluster_errors),
		cmocka_unit_test(missing_names),
		cmocka_unit_test(in_cluster),
		cmocka_unit_test(node_name),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests_name("kubeconfig", tests, setup, teardown);
}
