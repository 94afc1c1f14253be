// SPDX-License-Identifier: GPL-2.0
/* nl.c: the generic netlink connection: family lookup, do, dump, events. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/svcvip.h>

#include "nl.h"
#include "msg.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define RX_BUFSIZE	(128 * 1024)
#define WANT_RCVBUF	(4 * 1024 * 1024)
#define WANT_SNDBUF	(2 * 1024 * 1024)

struct svc_nl {
	struct mnl_socket *sk;
	uint32_t portid;
	uint32_t seq;
	uint16_t family;
	uint32_t family_version;
	uint32_t events_group;
	size_t rcvbuf, sndbuf;
	void *rx;
};

const char *svc_strerror(int err)
{
	if (err < 0)
		err = -err;
	if (err == SVC_ENOMODULE)
		return "kernel module not loaded (modprobe svcvip)";
	return strerror(err);
}

void svc_nlerr_set(struct svc_nlerr *e, int err, const char *msg)
{
	if (!e)
		return;
	memset(e, 0, sizeof(*e));
	e->err = err < 0 ? -err : err;
	if (msg)
		snprintf(e->msg, sizeof(e->msg), "%s", msg);
}

void svc_nlerr_locate(struct svc_nlerr *e, const struct nlmsghdr *req)
{
	memset(&e->at, 0, sizeof(e->at));
	if (e->has_offs)
		svc_msg_attr_locate(req, e->offs, &e->at);
}

const char *svc_list_name(enum svc_list list)
{
	static const char *const names[] = {
		[SVC_LIST_FRONTENDS] = "frontends",
		[SVC_LIST_BACKENDS] = "backends",
		[SVC_LIST_SOURCE_RANGES] = "source-ranges",
		[SVC_LIST_CLUSTER_CIDRS] = "cluster-cidrs",
		[SVC_LIST_NODEPORT_CIDRS] = "nodeport-cidrs",
		[SVC_LIST_LOCAL_CIDRS] = "local-cidrs",
		[SVC_LIST_SERVICE_CIDRS] = "service-cidrs",
	};

	return (unsigned)list < sizeof(names) / sizeof(names[0]) && names[list] ?
		names[list] : "";
}

const char *svc_nlerr_str(const struct svc_nlerr *e, char *buf, size_t len)
{
	if (e->msg[0] && e->at.list)
		snprintf(buf, len, "%s (at %s[%u]): %s", e->msg, svc_list_name(e->at.list),
			 e->at.index, svc_strerror(e->err));
	else if (e->msg[0])
		snprintf(buf, len, "%s: %s", e->msg, svc_strerror(e->err));
	else
		snprintf(buf, len, "%s", svc_strerror(e->err));
	return buf;
}

uint16_t svc_nl_family(const struct svc_nl *nl) { return nl->family; }
uint32_t svc_nl_family_version(const struct svc_nl *nl) { return nl->family_version; }
uint32_t svc_nl_events_group(const struct svc_nl *nl) { return nl->events_group; }
uint32_t svc_nl_portid(const struct svc_nl *nl) { return nl->portid; }
int svc_nl_fd(const struct svc_nl *nl) { return mnl_socket_get_fd(nl->sk); }
size_t svc_nl_sndbuf(const struct svc_nl *nl) { return nl->sndbuf; }
size_t svc_nl_rcvbuf(const struct svc_nl *nl) { return nl->rcvbuf; }

uint32_t svc_nl_next_seq(struct svc_nl *nl)
{
	return ++nl->seq;	/* wraps; batches rely on consecutive numbers */
}

struct nlmsghdr *svc_nl_msg(const struct svc_nl *nl, void *buf, size_t len,
			    uint8_t cmd, uint16_t flags)
{
	return svc_msg_start(buf, len, nl->family, cmd, flags, 0);
}

/* Sizes a socket buffer: the FORCE variant works with CAP_NET_ADMIN. */
static size_t size_buffer(int fd, int force_opt, int opt, int want)
{
	int v = want;
	socklen_t sl = sizeof(v);

	if (setsockopt(fd, SOL_SOCKET, force_opt, &v, sizeof(v)) < 0)
		setsockopt(fd, SOL_SOCKET, opt, &v, sizeof(v));
	if (getsockopt(fd, SOL_SOCKET, opt, &v, &sl) < 0 || v <= 0)
		return 0;
	return (size_t)v;
}

int svc_nl_send(struct svc_nl *nl, const void *buf, size_t len)
{
	ssize_t n;

	do {
		n = mnl_socket_sendto(nl->sk, buf, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return 0;
}

ssize_t svc_nl_recv(struct svc_nl *nl, void **buf, bool nonblock)
{
	struct sockaddr_nl addr;
	struct iovec iov = { nl->rx, RX_BUFSIZE };
	struct msghdr msg = {
		.msg_name = &addr, .msg_namelen = sizeof(addr),
		.msg_iov = &iov, .msg_iovlen = 1,
	};
	ssize_t n;

	do {
		n = recvmsg(svc_nl_fd(nl), &msg, nonblock ? MSG_DONTWAIT : 0);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (msg.msg_flags & MSG_TRUNC)
		return -EMSGSIZE;
	*buf = nl->rx;
	return n;
}

/* tb[type] for each attribute whose type is at most max (newer ones are ignored). */
struct attr_tb {
	const struct nlattr **tb;
	uint16_t max;
};

static int attr_tb_cb(const struct nlattr *attr, void *data)
{
	const struct attr_tb *t = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type <= t->max)
		t->tb[type] = attr;
	return MNL_CB_OK;
}

/* TLVs start at hlen bytes into the payload of nlh. */
static void parse_ext(const struct nlmsghdr *nlh, size_t hlen, struct svc_nlerr *e)
{
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1] = { 0 };

	if (hlen > mnl_nlmsg_get_payload_len(nlh))
		return;
	if (mnl_attr_parse(nlh, (unsigned)hlen, attr_tb_cb,
			   &(struct attr_tb){ tb, NLMSGERR_ATTR_MAX }) < 0)
		return;
	if (tb[NLMSGERR_ATTR_MSG] &&
	    mnl_attr_validate(tb[NLMSGERR_ATTR_MSG], MNL_TYPE_NUL_STRING) == 0) {
		snprintf(e->msg, sizeof(e->msg), "%s", mnl_attr_get_str(tb[NLMSGERR_ATTR_MSG]));
		/* extack strings are printed after "...: "; strip a final newline */
		e->msg[strcspn(e->msg, "\n")] = '\0';
	}
	if (tb[NLMSGERR_ATTR_OFFS] &&
	    mnl_attr_validate(tb[NLMSGERR_ATTR_OFFS], MNL_TYPE_U32) == 0) {
		e->has_offs = true;
		e->offs = mnl_attr_get_u32(tb[NLMSGERR_ATTR_OFFS]);
	}
	if (tb[NLMSGERR_ATTR_MISS_TYPE] &&
	    mnl_attr_validate(tb[NLMSGERR_ATTR_MISS_TYPE], MNL_TYPE_U32) == 0) {
		e->has_miss_type = true;
		e->miss_type = mnl_attr_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]);
	}
}

int svc_nl_parse_error(const struct nlmsghdr *nlh, struct svc_nlerr *e)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	struct svc_nlerr tmp;
	size_t hlen = sizeof(*err);

	if (!e)
		e = &tmp;
	memset(e, 0, sizeof(*e));
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err))) {
		e->err = EBADMSG;
		return -EBADMSG;
	}
	e->err = err->error < 0 ? -err->error : err->error;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			hlen += mnl_nlmsg_get_payload_len(&err->msg);
		parse_ext(nlh, hlen, e);
	}
	return -e->err;
}

/* NLMSG_DONE of a dump: an int errno, then extack TLVs. */
static int parse_done(const struct nlmsghdr *nlh, struct svc_nlerr *e)
{
	int code = 0;

	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int))
		memcpy(&code, mnl_nlmsg_get_payload(nlh), sizeof(int));
	if (code >= 0)
		return 0;
	memset(e, 0, sizeof(*e));
	e->err = -code;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
		parse_ext(nlh, sizeof(int), e);
	return code;
}

/*
 * Reads replies to seq until the ack (do) or NLMSG_DONE (dump). Every
 * reply is read even after cb fails so the socket stays in step.
 */
static int recv_replies(struct svc_nl *nl, uint32_t seq, svc_nl_cb_t cb,
			void *data, struct svc_nlerr *e, bool *intr)
{
	int cb_err = 0;

	for (;;) {
		const struct nlmsghdr *h;
		void *buf;
		ssize_t n = svc_nl_recv(nl, &buf, false);
		int left;

		if (n < 0) {
			svc_nlerr_set(e, (int)n, n == -ENOBUFS ?
				      "netlink receive buffer overrun" : NULL);
			return (int)n;
		}
		left = (int)n;
		for (h = buf; mnl_nlmsg_ok(h, left); h = mnl_nlmsg_next(h, &left)) {
			int r;

			if (h->nlmsg_seq != seq || h->nlmsg_pid != nl->portid)
				continue;	/* stale, or not for us */
			if (h->nlmsg_flags & NLM_F_DUMP_INTR)
				*intr = true;
			switch (h->nlmsg_type) {
			case NLMSG_NOOP:
			case NLMSG_OVERRUN:
				continue;
			case NLMSG_ERROR:
				r = svc_nl_parse_error(h, e);
				return r ? r : cb_err;
			case NLMSG_DONE:
				r = parse_done(h, e);
				return r ? r : cb_err;
			default:
				if (!cb_err && cb) {
					r = cb(h, data);
					if (r < 0) {
						cb_err = r;
						svc_nlerr_set(e, r, r == -EINVAL ?
							      "malformed reply from the kernel" : NULL);
					}
				}
			}
		}
	}
}

int svc_nl_do(struct svc_nl *nl, struct nlmsghdr *req, svc_nl_cb_t cb,
	      void *data, struct svc_nlerr *e)
{
	struct svc_nlerr tmp;
	bool intr = false;
	int r;

	if (!e)
		e = &tmp;
	memset(e, 0, sizeof(*e));
	req->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	req->nlmsg_seq = svc_nl_next_seq(nl);
	r = svc_nl_send(nl, req, req->nlmsg_len);
	if (r) {
		svc_nlerr_set(e, r, NULL);
		return r;
	}
	r = recv_replies(nl, req->nlmsg_seq, cb, data, e, &intr);
	if (r && e->has_offs)
		svc_nlerr_locate(e, req);
	return r;
}

int svc_nl_dump(struct svc_nl *nl, struct nlmsghdr *req, svc_nl_cb_t cb,
		void (*reset)(void *data), void *data, struct svc_nlerr *e)
{
	struct svc_nlerr tmp;

	if (!e)
		e = &tmp;
	for (int attempt = 0; attempt <= SVC_DUMP_RETRIES; attempt++) {
		bool intr = false;
		int r;

		memset(e, 0, sizeof(*e));
		if (attempt && reset)
			reset(data);
		req->nlmsg_flags |= NLM_F_REQUEST | NLM_F_DUMP;
		req->nlmsg_flags &= (uint16_t)~NLM_F_ACK;
		req->nlmsg_seq = svc_nl_next_seq(nl);
		r = svc_nl_send(nl, req, req->nlmsg_len);
		if (r) {
			svc_nlerr_set(e, r, NULL);
			return r;
		}
		r = recv_replies(nl, req->nlmsg_seq, cb, data, e, &intr);
		if (r)
			return r;
		if (!intr)
			return 0;
	}
	svc_nlerr_set(e, -EINTR, "dump interrupted repeatedly (table kept changing)");
	return -EINTR;
}

/* ---- family resolution ---- */

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct svc_nl *nl = data;
	const struct nlattr *tb[CTRL_ATTR_MAX + 1] = { 0 };
	const struct nlattr *pos;

	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), attr_tb_cb,
			   &(struct attr_tb){ tb, CTRL_ATTR_MAX }) < 0)
		return -EINVAL;
	if (!tb[CTRL_ATTR_FAMILY_ID] ||
	    mnl_attr_validate(tb[CTRL_ATTR_FAMILY_ID], MNL_TYPE_U16) < 0)
		return -EINVAL;
	nl->family = mnl_attr_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	if (tb[CTRL_ATTR_VERSION] &&
	    mnl_attr_validate(tb[CTRL_ATTR_VERSION], MNL_TYPE_U32) == 0)
		nl->family_version = mnl_attr_get_u32(tb[CTRL_ATTR_VERSION]);
	if (!tb[CTRL_ATTR_MCAST_GROUPS])
		return 0;
	mnl_attr_for_each_nested(pos, tb[CTRL_ATTR_MCAST_GROUPS]) {
		const struct nlattr *g[CTRL_ATTR_MCAST_GRP_MAX + 1] = { 0 };

		if (mnl_attr_parse_nested(pos, attr_tb_cb,
					  &(struct attr_tb){ g, CTRL_ATTR_MCAST_GRP_MAX }) < 0)
			continue;
		if (!g[CTRL_ATTR_MCAST_GRP_NAME] || !g[CTRL_ATTR_MCAST_GRP_ID] ||
		    mnl_attr_validate(g[CTRL_ATTR_MCAST_GRP_NAME], MNL_TYPE_NUL_STRING) < 0 ||
		    mnl_attr_validate(g[CTRL_ATTR_MCAST_GRP_ID], MNL_TYPE_U32) < 0)
			continue;
		if (!strcmp(mnl_attr_get_str(g[CTRL_ATTR_MCAST_GRP_NAME]),
			    SVCVIP_GENL_MCGRP_EVENTS))
			nl->events_group = mnl_attr_get_u32(g[CTRL_ATTR_MCAST_GRP_ID]);
	}
	return 0;
}

static int resolve_family(struct svc_nl *nl)
{
	char buf[256];
	struct nlmsghdr *nlh = svc_msg_start(buf, sizeof(buf), GENL_ID_CTRL,
					     CTRL_CMD_GETFAMILY, 0, 0);
	struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	struct svc_nlerr e;
	int r;

	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, SVCVIP_GENL_NAME);
	r = svc_nl_do(nl, nlh, family_cb, nl, &e);
	if (r == -ENOENT)
		return -SVC_ENOMODULE;
	if (r)
		return r;
	return nl->family ? 0 : -EPROTO;
}

int svc_nl_open(struct svc_nl **out)
{
	struct svc_nl *nl = calloc(1, sizeof(*nl));
	int one = 1, fd, r;

	*out = NULL;
	if (!nl)
		return -ENOMEM;
	nl->rx = malloc(RX_BUFSIZE);
	if (!nl->rx) {
		r = -ENOMEM;
		goto fail;
	}
	nl->sk = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	if (!nl->sk) {
		r = -errno;
		goto fail;
	}
	if (mnl_socket_bind(nl->sk, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		goto fail;
	}
	nl->portid = mnl_socket_get_portid(nl->sk);
	nl->seq = (uint32_t)time(NULL);
	fd = mnl_socket_get_fd(nl->sk);
	/* best effort: old kernels lack them, and then errors are plain errnos */
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	nl->rcvbuf = size_buffer(fd, SO_RCVBUFFORCE, SO_RCVBUF, WANT_RCVBUF);
	nl->sndbuf = size_buffer(fd, SO_SNDBUFFORCE, SO_SNDBUF, WANT_SNDBUF);
	r = resolve_family(nl);
	if (r)
		goto fail;
	*out = nl;
	return 0;
fail:
	svc_nl_close(nl);
	return r;
}

void svc_nl_close(struct svc_nl *nl)
{
	if (!nl)
		return;
	if (nl->sk)
		mnl_socket_close(nl->sk);
	free(nl->rx);
	free(nl);
}

/* ---- events ---- */

int svc_nl_subscribe_events(struct svc_nl *nl)
{
	int grp = (int)nl->events_group;

	if (!grp)
		return -ENOENT;
	if (mnl_socket_setsockopt(nl->sk, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp)) < 0)
		return -errno;
	return 0;
}

int svc_nl_recv_events(struct svc_nl *nl, svc_nl_cb_t cb, void *data)
{
	const struct nlmsghdr *h;
	void *buf;
	ssize_t n = svc_nl_recv(nl, &buf, false);
	int left;

	if (n < 0)
		return (int)n;
	left = (int)n;
	for (h = buf; mnl_nlmsg_ok(h, left); h = mnl_nlmsg_next(h, &left)) {
		int r;

		if (h->nlmsg_type != nl->family)
			continue;
		r = cb(h, data);
		if (r < 0)
			return r;
	}
	return 0;
}
