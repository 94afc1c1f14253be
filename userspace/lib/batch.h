/* SPDX-License-Identifier: GPL-2.0 */
/*
 * batch.h: pipelined requests.
 *
 * Requests are copied into one buffer, each with NLM_F_ACK and its own
 * sequence number, and sent with a single sendmsg() when the buffer is full
 * (or on svc_batch_flush()). The kernel processes the messages of a buffer
 * in order, so later requests may depend on earlier ones. Then every ack is
 * collected and each error is reported to the callback with the cookie the
 * request was added with, and the kernel's extack text.
 *
 * A batch holds at most max_bytes of requests (default SVC_BATCH_BYTES,
 * limited by the socket send buffer) and at most as many requests as the
 * receive buffer can hold acks for. A single request may be larger than
 * max_bytes, up to what the send buffer takes (svc_batch_max_bytes()): it
 * is then sent in a sendmsg of its own. Do not interleave other requests on the
 * same connection while a batch has unsent requests.
 */
#ifndef SVCVIP_BATCH_H
#define SVCVIP_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "nl.h"

#define SVC_BATCH_BYTES		(128 * 1024)
/* What one ack costs in the receive buffer (skb truesize), conservatively. */
#define SVC_BATCH_ACK_COST	1280

struct svc_batch;

typedef void (*svc_batch_err_cb)(void *data, uint64_t cookie,
				 const struct svc_nlerr *e);

/* max_bytes 0 = default. */
struct svc_batch *svc_batch_new(struct svc_nl *nl, size_t max_bytes,
				svc_batch_err_cb cb, void *data);
void svc_batch_free(struct svc_batch *b);

/*
 * Queues a copy of msg (its seq and NLM_F_ACK are set here); flushes first
 * when it does not fit. Returns 0 or a negative errno of a failed flush
 * (socket-level trouble, not a rejected request).
 */
int svc_batch_add(struct svc_batch *b, const struct nlmsghdr *msg, uint64_t cookie);
/* Sends what is queued and waits for every ack. */
int svc_batch_flush(struct svc_batch *b);

/* Counters since svc_batch_new(). */
struct svc_batch_stats {
	uint64_t sent;		/* requests */
	uint64_t failed;	/* requests the kernel rejected (or whose ack was lost) */
	uint64_t sendmsgs;	/* sendmsg() calls */
};
void svc_batch_stats(const struct svc_batch *b, struct svc_batch_stats *st);
/* The largest request the batch takes (svc_batch_add: -EMSGSIZE beyond). */
size_t svc_batch_max_bytes(const struct svc_batch *b);

#endif
