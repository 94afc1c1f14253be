// SPDX-License-Identifier: GPL-2.0
/* api.c: requests and round trips for each svcvip command. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>

#include "api.h"

static struct nlmsghdr *put_name(struct nlmsghdr *nlh, size_t len, const char *name)
{
	struct svc_service s;

	memset(&s, 0, sizeof(s));
	if (strlen(name) >= sizeof(s.name))
		return NULL;
	strcpy(s.name, name);
	if (svc_msg_put_service(nlh, len, &s, 0, NULL))
		return NULL;
	return nlh;
}

struct nlmsghdr *svc_req_service(const struct svc_nl *nl, void *buf, size_t len,
				 uint8_t cmd, uint16_t flags,
				 const struct svc_service *s, unsigned what)
{
	struct nlmsghdr *nlh = svc_nl_msg(nl, buf, len, cmd, flags);

	if (!nlh || svc_msg_put_service(nlh, len, s, what, NULL))
		return NULL;
	return nlh;
}

struct nlmsghdr *svc_req_frontend(const struct svc_nl *nl, void *buf, size_t len,
				  uint8_t cmd, const char *service,
				  const struct svc_frontend *fe)
{
	struct nlmsghdr *nlh = svc_nl_msg(nl, buf, len, cmd, 0);

	if (!nlh || !put_name(nlh, len, service) ||
	    svc_msg_put_frontend(nlh, len, SVCVIP_A_FRONTEND, fe,
				 cmd == SVCVIP_CMD_NEW_FRONTEND))
		return NULL;
	return nlh;
}

struct nlmsghdr *svc_req_backend(const struct svc_nl *nl, void *buf, size_t len,
				 uint8_t cmd, const char *service,
				 const struct svc_backend *be)
{
	struct nlmsghdr *nlh = svc_nl_msg(nl, buf, len, cmd, 0);
	struct svc_backend key;

	if (cmd == SVCVIP_CMD_DEL_BACKEND) {
		memset(&key, 0, sizeof(key));
		key.family = be->family;
		key.addr = be->addr;
		key.port = be->port;
		be = &key;
	}
	if (!nlh || !put_name(nlh, len, service) ||
	    svc_msg_put_backend(nlh, len, SVCVIP_A_BACKEND, be))
		return NULL;
	return nlh;
}

struct nlmsghdr *svc_req_config(const struct svc_nl *nl, void *buf, size_t len,
				const struct svc_config *c)
{
	struct nlmsghdr *nlh = svc_nl_msg(nl, buf, len, SVCVIP_CMD_SET_CONFIG, 0);

	if (!nlh || svc_msg_put_config(nlh, len, c))
		return NULL;
	return nlh;
}

struct nlmsghdr *svc_req_plain(const struct svc_nl *nl, void *buf, size_t len,
			       uint8_t cmd)
{
	return svc_nl_msg(nl, buf, len, cmd, 0);
}

int svc_request(struct svc_nl *nl, struct nlmsghdr *req, struct svc_nlerr *e)
{
	return svc_nl_do(nl, req, NULL, NULL, e);
}

static int info_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[SVCVIP_A_MAX + 1];

	if (svc_msg_parse_top(nlh, tb) || !tb[SVCVIP_A_INFO])
		return -EINVAL;
	return svc_msg_parse_info(tb[SVCVIP_A_INFO], data);
}

int svc_get_info(struct svc_nl *nl, struct svc_info *info, struct svc_nlerr *e)
{
	char buf[SVC_REQ_SMALL];
	struct nlmsghdr *nlh = svc_req_plain(nl, buf, sizeof(buf), SVCVIP_CMD_GET_INFO);

	memset(info, 0, sizeof(*info));
	return svc_nl_do(nl, nlh, info_cb, info, e);
}

static int config_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[SVCVIP_A_MAX + 1];

	if (svc_msg_parse_top(nlh, tb) || !tb[SVCVIP_A_CONFIG])
		return -EINVAL;
	return svc_msg_parse_config(tb[SVCVIP_A_CONFIG], data);
}

int svc_get_config(struct svc_nl *nl, struct svc_config *c, struct svc_nlerr *e)
{
	char buf[SVC_REQ_SMALL];
	struct nlmsghdr *nlh = svc_req_plain(nl, buf, sizeof(buf), SVCVIP_CMD_GET_CONFIG);

	svc_config_free(c);
	return svc_nl_do(nl, nlh, config_cb, c, e);
}

int svc_flush(struct svc_nl *nl, struct svc_nlerr *e)
{
	char buf[SVC_REQ_SMALL];

	return svc_request(nl, svc_req_plain(nl, buf, sizeof(buf), SVCVIP_CMD_FLUSH), e);
}

static int table_cb(const struct nlmsghdr *nlh, void *data)
{
	return svc_table_add_msg(data, nlh);
}

static void table_reset(void *data)
{
	svc_table_clear(data);
}

static int dump_table(struct svc_nl *nl, uint8_t cmd, const char *name,
		      struct svc_table *t, struct svc_nlerr *e)
{
	char buf[SVC_REQ_SMALL];
	struct nlmsghdr *nlh = svc_nl_msg(nl, buf, sizeof(buf), cmd, 0);

	svc_table_clear(t);
	if (name && !put_name(nlh, sizeof(buf), name)) {
		svc_nlerr_set(e, -ENAMETOOLONG, NULL);
		return -ENAMETOOLONG;
	}
	return svc_nl_dump(nl, nlh, table_cb, table_reset, t, e);
}

int svc_dump_services(struct svc_nl *nl, const char *name, struct svc_table *t,
		      struct svc_nlerr *e)
{
	return dump_table(nl, SVCVIP_CMD_GET_SERVICE, name, t, e);
}

int svc_dump_stats(struct svc_nl *nl, const char *name, struct svc_table *t,
		   struct svc_nlerr *e)
{
	return dump_table(nl, SVCVIP_CMD_GET_STATS, name, t, e);
}

static int lookup_cb(const struct nlmsghdr *nlh, void *data)
{
	return svc_msg_parse_lookup_reply(nlh, data);
}

int svc_lookup(struct svc_nl *nl, struct svc_lookup *l, struct svc_nlerr *e)
{
	char buf[SVC_REQ_SMALL];
	struct nlmsghdr *nlh = svc_nl_msg(nl, buf, sizeof(buf), SVCVIP_CMD_LOOKUP, 0);

	svc_msg_put_lookup(nlh, sizeof(buf), l);
	return svc_nl_do(nl, nlh, lookup_cb, l, e);
}

struct nlmsghdr *svc_req_backend_lists(const struct svc_nl *nl, void *buf, size_t len,
				       const char *service, const struct svc_backend *v,
				       size_t n, size_t *next)
{
	struct nlmsghdr *nlh = svc_nl_msg(nl, buf, len, SVCVIP_CMD_NEW_BACKEND, 0);
	size_t from = *next;

	if (!nlh || !put_name(nlh, len, service))
		return NULL;
	svc_msg_put_backend_lists(nlh, len, v, n, next);
	return *next == from ? NULL : nlh;
}

int svc_batch_replace_service(struct svc_batch *b, const struct svc_nl *nl,
			      const struct svc_service *s, bool takeover, uint64_t cookie)
{
	unsigned what = SVC_PUT_SETTINGS | SVC_PUT_FRONTENDS | SVC_PUT_BACKENDS;
	struct svc_put_cursor cur = { 0, 0 };
	size_t len = SVC_NEST_MAX + 1024, next;	/* sized by building it: */
	struct nlmsghdr *nlh;			/* small first, then the most */
	void *buf;				/* the batch takes */
	int r, queued = 0;

again:
	buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	nlh = svc_nl_msg(nl, buf, len, SVCVIP_CMD_REPLACE_SERVICE, 0);
	r = svc_msg_put_service(nlh, len, s, what, &cur);
	if (r < 0)
		goto out;
	if (takeover && !mnl_attr_put_check(nlh, len, SVCVIP_A_TAKEOVER, 0, NULL)) {
		r = -EMSGSIZE;
		goto out;
	}
	/* backends beyond the service nest go next to it: still one message */
	next = cur.backend;
	if (cur.frontend == s->nfrontends)
		svc_msg_put_backend_lists(nlh, len, s->backends, s->nbackends, &next);
	if ((cur.frontend < s->nfrontends || next < s->nbackends) &&
	    len < svc_batch_max_bytes(b)) {
		free(buf);
		len = svc_batch_max_bytes(b);
		cur = (struct svc_put_cursor){ 0, 0 };
		goto again;
	}
	r = svc_batch_add(b, nlh, cookie);
	if (r)
		goto out;
	queued++;
	for (size_t i = cur.frontend; i < s->nfrontends; i++) {
		nlh = svc_req_frontend(nl, buf, len, SVCVIP_CMD_NEW_FRONTEND, s->name,
				       &s->frontends[i]);
		r = nlh ? svc_batch_add(b, nlh, cookie) : -EMSGSIZE;
		if (r)
			goto out;
		queued++;
	}
	while (next < s->nbackends) {
		nlh = svc_req_backend_lists(nl, buf, len, s->name, s->backends, s->nbackends,
					    &next);
		r = nlh ? svc_batch_add(b, nlh, cookie) : -EMSGSIZE;
		if (r)
			goto out;
		queued++;
	}
	r = queued;
out:
	free(buf);
	return r;
}
