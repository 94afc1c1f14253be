// SPDX-License-Identifier: GPL-2.0
/* batch.c: many requests per sendmsg(), acks mapped back to requests. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>

#include "batch.h"
#include "msg.h"

struct svc_batch {
	struct svc_nl *nl;
	svc_batch_err_cb cb;
	void *data;
	char *buf;
	size_t len, max_bytes;
	size_t cap;		/* largest request: what the send buffer allows */
	size_t count, max_count;
	uint32_t first_seq;
	uint64_t *cookies;
	uint32_t *offsets;	/* where each request starts in buf */
	bool *acked;
	struct svc_batch_stats st;
};

struct svc_batch *svc_batch_new(struct svc_nl *nl, size_t max_bytes,
				svc_batch_err_cb cb, void *data)
{
	struct svc_batch *b = calloc(1, sizeof(*b));
	size_t sndbuf = svc_nl_sndbuf(nl), rcvbuf = svc_nl_rcvbuf(nl);

	if (!b)
		return NULL;
	if (!max_bytes)
		max_bytes = SVC_BATCH_BYTES;
	/* netlink_sendmsg() refuses len > sk_sndbuf - 32 */
	if (sndbuf > 4096 && max_bytes > sndbuf - 1024)
		max_bytes = sndbuf - 1024;
	if (max_bytes < 8192)
		max_bytes = 8192;
	b->max_bytes = max_bytes;
	/* one request alone may use the whole send buffer (a big service) */
	b->cap = sndbuf > 4096 && sndbuf - 1024 > max_bytes ? sndbuf - 1024 : max_bytes;
	/* every request gets an ack skb; they must all fit in the receive buffer */
	b->max_count = rcvbuf / SVC_BATCH_ACK_COST;
	if (b->max_count < 8)
		b->max_count = 8;
	b->nl = nl;
	b->cb = cb;
	b->data = data;
	b->buf = malloc(b->cap);
	b->cookies = calloc(b->max_count, sizeof(*b->cookies));
	b->offsets = calloc(b->max_count, sizeof(*b->offsets));
	b->acked = calloc(b->max_count, sizeof(*b->acked));
	if (!b->buf || !b->cookies || !b->offsets || !b->acked) {
		svc_batch_free(b);
		return NULL;
	}
	return b;
}

void svc_batch_free(struct svc_batch *b)
{
	if (!b)
		return;
	free(b->buf);
	free(b->cookies);
	free(b->offsets);
	free(b->acked);
	free(b);
}

void svc_batch_stats(const struct svc_batch *b, struct svc_batch_stats *st)
{
	*st = b->st;
}

size_t svc_batch_max_bytes(const struct svc_batch *b)
{
	return b->cap;
}

static void report(struct svc_batch *b, size_t i, const struct svc_nlerr *e)
{
	b->st.failed++;
	if (b->cb)
		b->cb(b->data, b->cookies[i], e);
}

/* Every request not acked yet gets err (used when acks cannot arrive). */
static void fail_rest(struct svc_batch *b, size_t *remaining, int err, const char *msg)
{
	struct svc_nlerr e;

	svc_nlerr_set(&e, err, msg);
	for (size_t i = 0; i < b->count; i++) {
		if (!b->acked[i]) {
			b->acked[i] = true;
			report(b, i, &e);
		}
	}
	*remaining = 0;
}

static int collect_acks(struct svc_batch *b)
{
	size_t remaining = b->count;
	bool overrun = false;

	while (remaining) {
		const struct nlmsghdr *h;
		void *rbuf;
		/* after an overrun, only what is already queued can still come */
		ssize_t n = svc_nl_recv(b->nl, &rbuf, overrun);
		int left;

		if (n == -ENOBUFS) {
			overrun = true;
			continue;
		}
		if (n < 0) {
			if (overrun && n == -EAGAIN) {
				fail_rest(b, &remaining, ENOBUFS,
					  "acknowledgement lost (netlink receive buffer overrun), outcome unknown");
				break;
			}
			fail_rest(b, &remaining, (int)n, NULL);
			return (int)n;
		}
		left = (int)n;
		for (h = rbuf; mnl_nlmsg_ok(h, left); h = mnl_nlmsg_next(h, &left)) {
			uint32_t i = h->nlmsg_seq - b->first_seq;	/* wraps safely */
			struct svc_nlerr e;

			if (h->nlmsg_type != NLMSG_ERROR || i >= b->count ||
			    h->nlmsg_pid != svc_nl_portid(b->nl) || b->acked[i])
				continue;
			b->acked[i] = true;
			remaining--;
			if (svc_nl_parse_error(h, &e)) {
				if (e.has_offs)
					svc_nlerr_locate(&e, (const struct nlmsghdr *)
							 (b->buf + b->offsets[i]));
				report(b, i, &e);
			}
		}
	}
	return 0;
}

int svc_batch_flush(struct svc_batch *b)
{
	int r;

	if (!b->count)
		return 0;
	b->st.sendmsgs++;
	b->st.sent += b->count;
	r = svc_nl_send(b->nl, b->buf, b->len);
	if (r) {
		size_t remaining;

		memset(b->acked, 0, b->count * sizeof(*b->acked));
		fail_rest(b, &remaining, r, NULL);
	} else {
		memset(b->acked, 0, b->count * sizeof(*b->acked));
		r = collect_acks(b);
	}
	b->len = 0;
	b->count = 0;
	return r;
}

int svc_batch_add(struct svc_batch *b, const struct nlmsghdr *msg, uint64_t cookie)
{
	size_t mlen = MNL_ALIGN(msg->nlmsg_len);
	struct nlmsghdr *copy;
	int r;

	if (mlen > b->cap)
		return -EMSGSIZE;
	/* a request larger than max_bytes goes in a sendmsg of its own */
	if ((b->count && b->len + mlen > b->max_bytes) || b->count == b->max_count) {
		r = svc_batch_flush(b);
		if (r)
			return r;
	}
	copy = (struct nlmsghdr *)(b->buf + b->len);
	memcpy(copy, msg, msg->nlmsg_len);
	memset((char *)copy + msg->nlmsg_len, 0, mlen - msg->nlmsg_len);
	copy->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	copy->nlmsg_seq = svc_nl_next_seq(b->nl);
	if (!b->count)
		b->first_seq = copy->nlmsg_seq;
	b->offsets[b->count] = (uint32_t)b->len;
	b->cookies[b->count++] = cookie;
	b->len += mlen;
	return 0;
}
