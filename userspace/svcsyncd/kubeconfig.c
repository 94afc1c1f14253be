// SPDX-License-Identifier: GPL-2.0
/*
 * kubeconfig.c: kubeconfig files (libyaml's document API), the in-cluster
 * service account, and the node name. See kubeconfig.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#include "kubeconfig.h"
#include "log.h"

#define KUBE_FILE_MAX (4u << 20)	/* a certificate bundle or token file */

struct kc_load {
	yaml_document_t doc;
	const char *path;	/* the kubeconfig */
	char *dir;		/* its directory, for relative paths */
	char *err;
	size_t errlen;
};

static int errf(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* a token goes into an HTTP header: no line breaks, no control characters */
static bool token_ok(const char *t)
{
	for (; *t; t++)
		if ((unsigned char)*t < 0x20 || *t == 0x7f)
			return false;
	return true;
}

static int errf(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

static int read_whole(const char *file, struct kube_blob *b, char *err, size_t errlen)
{
	size_t cap = 4096, len = 0;
	char *buf, *nbuf;
	FILE *f;
	int ret;

	f = fopen(file, "rb");
	if (!f)
		return errf(err, errlen, -errno, "%s: %s", file, strerror(errno));
	buf = malloc(cap + 1);
	if (!buf) {
		ret = -ENOMEM;
		goto out_close;
	}
	for (;;) {
		size_t n = fread(buf + len, 1, cap - len, f);

		len += n;
		if (len < cap)
			break;
		if (cap >= KUBE_FILE_MAX) {
			ret = errf(err, errlen, -EFBIG, "%s: larger than %u bytes", file,
				   KUBE_FILE_MAX);
			goto out_free;
		}
		cap *= 2;
		nbuf = realloc(buf, cap + 1);
		if (!nbuf) {
			ret = -ENOMEM;
			goto out_free;
		}
		buf = nbuf;
	}
	if (ferror(f)) {
		ret = errf(err, errlen, -EIO, "%s: read error", file);
		goto out_free;
	}
	buf[len] = '\0';	/* so a token can be used as a string */
	b->data = buf;
	b->len = len;
	fclose(f);
	return 0;
out_free:
	free(buf);
out_close:
	fclose(f);
	return ret;
}

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Standard base64 with '=' padding; white space (a wrapped value) is skipped. */
static int b64_decode(const char *s, struct kube_blob *b)
{
	size_t cap = strlen(s) / 4 * 3 + 4, len = 0;
	uint32_t acc = 0;
	int bits = 0, pad = 0;
	unsigned char *out;

	out = malloc(cap + 1);
	if (!out)
		return -ENOMEM;
	for (; *s; s++) {
		int v = b64_value((unsigned char)*s);

		if (isspace((unsigned char)*s))
			continue;
		if (*s == '=') {
			pad++;
			continue;
		}
		if (v < 0 || pad)
			goto bad;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[len++] = (unsigned char)(acc >> bits);
		}
	}
	if (bits >= 6 || pad > 2)	/* a lone 6-bit group is not a byte */
		goto bad;
	out[len] = '\0';
	b->data = out;
	b->len = len;
	return 0;
bad:
	free(out);
	return -EINVAL;
}

/* ---- the YAML tree ---- */

static yaml_node_t *map_get(struct kc_load *l, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *p;

	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&l->doc, p->key);

		if (k && k->type == YAML_SCALAR_NODE &&
		    !strcmp((const char *)k->data.scalar.value, key))
			return yaml_document_get_node(&l->doc, p->value);
	}
	return NULL;
}

/* A scalar's text; NULL when absent, not a scalar, or null/"" */
static const char *map_str(struct kc_load *l, yaml_node_t *map, const char *key)
{
	yaml_node_t *n = map_get(l, map, key);
	const char *v;

	if (!n || n->type != YAML_SCALAR_NODE)
		return NULL;
	v = (const char *)n->data.scalar.value;
	if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    (!strcmp(v, "null") || !strcmp(v, "~")))
		return NULL;
	return *v ? v : NULL;
}

static bool map_bool(struct kc_load *l, yaml_node_t *map, const char *key)
{
	const char *v = map_str(l, map, key);

	return v && (!strcmp(v, "true") || !strcmp(v, "True") || !strcmp(v, "TRUE"));
}

/* The entry of list KEY ("clusters") whose name is NAME: its FIELD ("cluster") map */
static yaml_node_t *named_entry(struct kc_load *l, const char *key, const char *name,
				const char *field)
{
	yaml_node_t *seq = map_get(l, yaml_document_get_root_node(&l->doc), key);
	yaml_node_item_t *i;

	if (!seq || seq->type != YAML_SEQUENCE_NODE)
		return NULL;
	for (i = seq->data.sequence.items.start; i < seq->data.sequence.items.top; i++) {
		yaml_node_t *e = yaml_document_get_node(&l->doc, *i);
		const char *n = map_str(l, e, "name");
		yaml_node_t *f;

		if (!n || strcmp(n, name))
			continue;
		f = map_get(l, e, field);
		/* "cluster: {}" or an absent field is an empty entry, not a missing one */
		return f && f->type == YAML_MAPPING_NODE ? f : e;
	}
	return NULL;
}

static char *resolve_path(struct kc_load *l, const char *p)
{
	char *r;

	if (p[0] == '/' || !l->dir)
		return strdup(p);
	if (asprintf(&r, "%s/%s", l->dir, p) < 0)
		return NULL;
	return r;
}

/* FIELD-data (base64) wins over FIELD (a file), as in client-go */
static int load_blob(struct kc_load *l, yaml_node_t *map, const char *field, const char *what,
		     struct kube_blob *b)
{
	char key[64];
	const char *v;
	char *file;
	int ret;

	snprintf(key, sizeof(key), "%s-data", field);
	v = map_str(l, map, key);
	if (v) {
		ret = b64_decode(v, b);
		if (ret == -EINVAL)
			return errf(l->err, l->errlen, ret, "kubeconfig %s: %s %s: not base64",
				    l->path, what, key);
		return ret;
	}
	v = map_str(l, map, field);
	if (!v)
		return 0;
	file = resolve_path(l, v);
	if (!file)
		return -ENOMEM;
	ret = read_whole(file, b, l->err, l->errlen);
	if (ret < 0) {
		char why[256];

		snprintf(why, sizeof(why), "%s", l->err);
		errf(l->err, l->errlen, ret, "kubeconfig %s: %s %s: %s", l->path, what, field,
		     why);
	}
	free(file);
	return ret;
}

static int set_str(char **dst, const char *v)
{
	if (!v)
		return 0;
	*dst = strdup(v);
	return *dst ? 0 : -ENOMEM;
}

/* https:// when TLS is configured, else http://, as client-go's DefaultServerURL */
static int set_server(struct kube_api_config *c, const char *server)
{
	size_t n;
	int r;

	if (strstr(server, "://"))
		r = asprintf(&c->server, "%s", server);
	else
		r = asprintf(&c->server, "%s://%s",
			     c->ca.data || c->cert.data || c->insecure ? "https" : "http", server);
	if (r < 0) {
		c->server = NULL;
		return -ENOMEM;
	}
	n = strlen(c->server);
	while (n && c->server[n - 1] == '/')
		c->server[--n] = '\0';
	return 0;
}

static int load_cluster(struct kc_load *l, const char *name, const char *master,
			struct kube_api_config *c)
{
	yaml_node_t *cl = named_entry(l, "clusters", name, "cluster");
	const char *server;
	int ret;

	if (!cl)
		return errf(l->err, l->errlen, -ENOENT,
			    "kubeconfig %s: cluster \"%s\" not found", l->path, name);
	c->insecure = map_bool(l, cl, "insecure-skip-tls-verify");
	ret = load_blob(l, cl, "certificate-authority", "cluster", &c->ca);
	if (ret < 0)
		return ret;
	if (c->insecure && c->ca.data)
		return errf(l->err, l->errlen, -EINVAL,
			    "kubeconfig %s: cluster \"%s\": a certificate authority with "
			    "insecure-skip-tls-verify is not allowed", l->path, name);
	if (map_get(l, cl, "proxy-url"))
		svc_log(SVC_LOG_WARN, "kubeconfig %s: cluster \"%s\": proxy-url is ignored "
			"(libcurl's https_proxy environment applies)", l->path, name);
	ret = set_str(&c->tls_server_name, map_str(l, cl, "tls-server-name"));
	if (ret < 0)
		return ret;
	server = master && *master ? master : map_str(l, cl, "server");
	if (!server)
		return errf(l->err, l->errlen, -EINVAL,
			    "kubeconfig %s: cluster \"%s\" has no server", l->path, name);
	return set_server(c, server);
}

static int load_user(struct kc_load *l, const char *name, struct kube_api_config *c)
{
	yaml_node_t *u = named_entry(l, "users", name, "user"), *x;
	const char *v;
	int ret;

	if (!u)
		return errf(l->err, l->errlen, -ENOENT, "kubeconfig %s: user \"%s\" not found",
			    l->path, name);
	x = map_get(l, u, "exec");
	if (x && x->type == YAML_MAPPING_NODE) {
		v = map_str(l, x, "command");
		return errf(l->err, l->errlen, -EOPNOTSUPP,
			    "kubeconfig %s: user \"%s\" uses exec credentials (%s ...), which "
			    "svcsyncd does not run: give it a token or a client certificate",
			    l->path, name, v ? v : "no command");
	}
	x = map_get(l, u, "auth-provider");
	if (x && x->type == YAML_MAPPING_NODE) {
		v = map_str(l, x, "name");
		return errf(l->err, l->errlen, -EOPNOTSUPP,
			    "kubeconfig %s: user \"%s\" uses the auth-provider %s, which svcsyncd "
			    "does not run: give it a token or a client certificate",
			    l->path, name, v ? v : "(unnamed)");
	}
	if (map_str(l, u, "username") || map_str(l, u, "password"))
		return errf(l->err, l->errlen, -EOPNOTSUPP,
			    "kubeconfig %s: user \"%s\" uses basic authentication "
			    "(username/password), which svcsyncd does not support",
			    l->path, name);
	ret = load_blob(l, u, "client-certificate", "user", &c->cert);
	if (ret < 0)
		return ret;
	ret = load_blob(l, u, "client-key", "user", &c->key);
	if (ret < 0)
		return ret;
	if (!c->cert.data != !c->key.data)
		return errf(l->err, l->errlen, -EINVAL,
			    "kubeconfig %s: user \"%s\" has a client %s without a client %s",
			    l->path, name, c->cert.data ? "certificate" : "key",
			    c->cert.data ? "key" : "certificate");
	v = map_str(l, u, "token");
	if (v && !token_ok(v))
		return errf(l->err, l->errlen, -EINVAL,
			    "kubeconfig %s: user \"%s\": a control character in the token",
			    l->path, name);
	ret = set_str(&c->token, v);
	if (ret < 0)
		return ret;
	v = map_str(l, u, "tokenFile");
	if (v) {
		c->token_file = resolve_path(l, v);
		if (!c->token_file)
			return -ENOMEM;
	}
	return 0;
}

static int parse_file(struct kc_load *l)
{
	yaml_parser_t parser;
	FILE *f;
	int ret = 0;

	f = fopen(l->path, "rb");
	if (!f)
		return errf(l->err, l->errlen, -errno, "kubeconfig %s: %s", l->path,
			    strerror(errno));
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &l->doc)) {
		ret = errf(l->err, l->errlen, -EINVAL, "kubeconfig %s:%zu:%zu: %s", l->path,
			   parser.problem_mark.line + 1, parser.problem_mark.column + 1,
			   parser.problem ? parser.problem : "YAML error");
		goto out;
	}
	if (!yaml_document_get_root_node(&l->doc)) {
		yaml_document_delete(&l->doc);
		ret = errf(l->err, l->errlen, -EINVAL, "kubeconfig %s: empty", l->path);
	}
out:
	yaml_parser_delete(&parser);
	fclose(f);
	return ret;
}

static int load_kubeconfig(const char *path, const char *master, struct kube_api_config *c,
			   char *err, size_t errlen)
{
	struct kc_load l = { .path = path, .err = err, .errlen = errlen };
	const char *cur, *cluster, *user;
	yaml_node_t *ctx;
	const char *slash;
	int ret;

	slash = strrchr(path, '/');
	if (slash) {
		l.dir = strndup(path, slash == path ? 1 : (size_t)(slash - path));
		if (!l.dir)
			return -ENOMEM;
	}
	ret = parse_file(&l);
	if (ret < 0)
		goto out_dir;
	cur = map_str(&l, yaml_document_get_root_node(&l.doc), "current-context");
	if (!cur) {
		ret = errf(err, errlen, -EINVAL, "kubeconfig %s: no current-context", path);
		goto out;
	}
	ctx = named_entry(&l, "contexts", cur, "context");
	if (!ctx) {
		ret = errf(err, errlen, -ENOENT, "kubeconfig %s: context \"%s\" not found",
			   path, cur);
		goto out;
	}
	cluster = map_str(&l, ctx, "cluster");
	user = map_str(&l, ctx, "user");
	if (!cluster) {
		ret = errf(err, errlen, -EINVAL, "kubeconfig %s: context \"%s\" names no cluster",
			   path, cur);
		goto out;
	}
	ret = user ? load_user(&l, user, c) : 0;
	if (ret < 0)
		goto out;
	ret = load_cluster(&l, cluster, master, c);
	if (ret < 0)
		goto out;
	if (asprintf(&c->source, "kubeconfig %s context %s", path, cur) < 0) {
		c->source = NULL;
		ret = -ENOMEM;
	}
out:
	yaml_document_delete(&l.doc);
out_dir:
	free(l.dir);
	return ret;
}

int kube_config_in_cluster(const char *sa_dir, struct kube_api_config *out, char *err,
			   size_t errlen)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	const char *port = getenv("KUBERNETES_SERVICE_PORT");
	struct kube_api_config c = { 0 };
	char *ca_file = NULL, *token = NULL;
	int ret;

	if (!host || !*host || !port || !*port)
		return errf(err, errlen, -ENOENT,
			    "not in a cluster: KUBERNETES_SERVICE_HOST and "
			    "KUBERNETES_SERVICE_PORT are not set (use --kubeconfig or --master)");
	if (asprintf(&c.server, strchr(host, ':') ? "https://[%s]:%s" : "https://%s:%s",
		     host, port) < 0 ||
	    asprintf(&c.token_file, "%s/token", sa_dir) < 0 ||
	    asprintf(&ca_file, "%s/ca.crt", sa_dir) < 0 ||
	    asprintf(&c.source, "in-cluster (%s)", sa_dir) < 0) {
		ret = -ENOMEM;
		goto fail;
	}
	/* the token must be there now, as client-go's InClusterConfig wants it */
	ret = kube_token_read(c.token_file, &token, err, errlen);
	if (ret < 0)
		goto fail;
	free(token);
	if (read_whole(ca_file, &c.ca, err, errlen) < 0)
		svc_log(SVC_LOG_WARN, "in-cluster: %s; the system's CAs are used", err);
	free(ca_file);
	*out = c;
	return 0;
fail:
	free(ca_file);
	kube_api_config_free(&c);
	return ret;
}

int kube_config_load(const char *kubeconfig, const char *master, struct kube_api_config *out,
		     char *err, size_t errlen)
{
	struct kube_api_config c = { 0 };
	int ret;

	if (kubeconfig && *kubeconfig) {
		ret = load_kubeconfig(kubeconfig, master, &c, err, errlen);
	} else if (master && *master) {
		ret = set_server(&c, master);
		if (!ret && asprintf(&c.source, "--master %s", master) < 0) {
			c.source = NULL;
			ret = -ENOMEM;
		}
	} else {
		return kube_config_in_cluster(KUBE_SA_DIR, out, err, errlen);
	}
	if (ret < 0) {
		if (ret == -ENOMEM)
			errf(err, errlen, ret, "out of memory");
		kube_api_config_free(&c);
		return ret;
	}
	*out = c;
	return 0;
}

void kube_api_config_free(struct kube_api_config *c)
{
	free(c->server);
	free(c->tls_server_name);
	free(c->ca.data);
	free(c->cert.data);
	/* the private key should not linger in freed memory */
	if (c->key.data)
		explicit_bzero(c->key.data, c->key.len);
	free(c->key.data);
	free(c->token);
	free(c->token_file);
	free(c->source);
	memset(c, 0, sizeof(*c));
}

static char *trim(char *s)
{
	size_t n;

	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

int kube_token_read(const char *file, char **out, char *err, size_t errlen)
{
	struct kube_blob b = { 0 };
	char *t;
	int ret;

	ret = read_whole(file, &b, err, errlen);
	if (ret < 0)
		return ret;
	if (strlen(b.data) != b.len) {
		ret = errf(err, errlen, -EINVAL, "%s: a NUL byte in the token", file);
		goto out;
	}
	t = trim(b.data);
	if (!*t) {
		ret = errf(err, errlen, -EINVAL, "%s: empty token", file);
		goto out;
	}
	if (!token_ok(t)) {
		ret = errf(err, errlen, -EINVAL, "%s: a control character in the token", file);
		goto out;
	}
	*out = strdup(t);
	if (!*out)
		ret = -ENOMEM;
out:
	explicit_bzero(b.data, b.len);
	free(b.data);
	return ret;
}

int kube_node_name(const char *override, char *out, size_t outlen)
{
	char buf[256] = "";
	const char *env = getenv("NODE_NAME");
	char *name;
	size_t n;

	if (override && *override)
		snprintf(buf, sizeof(buf), "%s", override);
	name = trim(buf);
	if (!*name && env && *env) {
		snprintf(buf, sizeof(buf), "%s", env);
		name = trim(buf);
	}
	if (!*name) {
		if (gethostname(buf, sizeof(buf) - 1) < 0)
			return -errno;
		buf[sizeof(buf) - 1] = '\0';
		name = trim(buf);
	}
	if (!*name)
		return -EINVAL;
	n = strlen(name);
	if (n >= outlen)
		return -ENAMETOOLONG;
	for (size_t i = 0; i <= n; i++)
		out[i] = (char)tolower((unsigned char)name[i]);
	return 0;
}
