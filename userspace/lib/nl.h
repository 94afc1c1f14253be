/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nl.h: a generic netlink connection to the svcvip family (libmnl).
 *
 * Functions return 0 or a negative errno. The distinct error
 * -SVC_ENOMODULE means the svcvip family does not exist (module not
 * loaded). Kernel errors fill a struct svc_nlerr with the errno and the
 * extack message and attribute offset, when the kernel sent them.
 *
 * A connection is not thread-safe; use one per thread.
 */
#ifndef SVCVIP_NL_H
#define SVCVIP_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/netlink.h>

#define SVC_ENOMODULE	4096	/* returned negated: family svcvip not found */
#define SVC_EXTACK_MAX	256

/* The lists of a request an error can be located in. */
enum svc_list {
	SVC_LIST_NONE,
	SVC_LIST_FRONTENDS,		/* a service's */
	SVC_LIST_BACKENDS,		/* a service's (top-level lists included) */
	SVC_LIST_SOURCE_RANGES,		/* of a frontend sent alone */
	SVC_LIST_CLUSTER_CIDRS,		/* the config's */
	SVC_LIST_NODEPORT_CIDRS,
	SVC_LIST_LOCAL_CIDRS,
	SVC_LIST_SERVICE_CIDRS,
};

/* Entry index (from 0) of list: where the kernel found the bad attribute. */
struct svc_nlerr_loc {
	enum svc_list list;		/* SVC_LIST_NONE: not in a list */
	uint32_t index;
};

struct svc_nlerr {
	int err;			/* positive errno, 0 = none */
	char msg[SVC_EXTACK_MAX];	/* kernel extack message, "" if none */
	bool has_offs;
	uint32_t offs;			/* offset of the bad attribute in the request */
	bool has_miss_type;
	uint32_t miss_type;		/* type of a missing attribute */
	struct svc_nlerr_loc at;	/* offs located by svc_nlerr_locate() */
};

/* strerror() that also knows SVC_ENOMODULE; err may be negative. */
const char *svc_strerror(int err);
/* The list's name as svcadm spells it ("backends", "cluster-cidrs"). */
const char *svc_list_name(enum svc_list list);
/* "msg: strerror" or "strerror" into buf; "msg (at LIST[INDEX]): strerror"
 * when the bad attribute is in an entry of a list (e->at). */
const char *svc_nlerr_str(const struct svc_nlerr *e, char *buf, size_t len);
void svc_nlerr_set(struct svc_nlerr *e, int err, const char *msg);

struct svc_nl;

/* Opens a socket, sets extack/cap-ack, sizes buffers, resolves the family. */
int svc_nl_open(struct svc_nl **out);
void svc_nl_close(struct svc_nl *nl);

uint16_t svc_nl_family(const struct svc_nl *nl);
uint32_t svc_nl_family_version(const struct svc_nl *nl);
uint32_t svc_nl_events_group(const struct svc_nl *nl);	/* 0 = none */
uint32_t svc_nl_portid(const struct svc_nl *nl);
int svc_nl_fd(const struct svc_nl *nl);
/* Effective socket buffer sizes (as the kernel accounts them). */
size_t svc_nl_sndbuf(const struct svc_nl *nl);
size_t svc_nl_rcvbuf(const struct svc_nl *nl);
/* Next sequence number (each request gets its own). */
uint32_t svc_nl_next_seq(struct svc_nl *nl);

/* Starts a request to the svcvip family in buf (seq is set when sent). */
struct nlmsghdr *svc_nl_msg(const struct svc_nl *nl, void *buf, size_t len,
			    uint8_t cmd, uint16_t flags);

/* Called for each reply message; a negative return aborts (after draining). */
typedef int (*svc_nl_cb_t)(const struct nlmsghdr *nlh, void *data);

/*
 * A "do" request: sent with NLM_F_ACK and a fresh seq; cb (may be NULL)
 * sees the reply messages, then the ack ends it.
 */
int svc_nl_do(struct svc_nl *nl, struct nlmsghdr *req, svc_nl_cb_t cb,
	      void *data, struct svc_nlerr *e);

/*
 * A dump (NLM_F_DUMP is added). Multi-part replies go to cb. When any part
 * has NLM_F_DUMP_INTR (the table changed during the dump), reset(data) is
 * called and the dump restarts from scratch, up to SVC_DUMP_RETRIES times;
 * then -EINTR.
 */
#define SVC_DUMP_RETRIES 10
int svc_nl_dump(struct svc_nl *nl, struct nlmsghdr *req, svc_nl_cb_t cb,
		void (*reset)(void *data), void *data, struct svc_nlerr *e);

/* Joins the "events" multicast group. */
int svc_nl_subscribe_events(struct svc_nl *nl);
/*
 * Blocks for one datagram and calls cb for each event message in it.
 * -ENOBUFS means events were lost (the receive buffer overflowed); the
 * socket stays usable.
 */
int svc_nl_recv_events(struct svc_nl *nl, svc_nl_cb_t cb, void *data);

/* ---- lower level, for batch.c and friends ---- */
int svc_nl_send(struct svc_nl *nl, const void *buf, size_t len);
/* Receives one datagram into the connection's buffer. */
ssize_t svc_nl_recv(struct svc_nl *nl, void **buf, bool nonblock);
/* An NLMSG_ERROR message: returns -errno (0 for an ack), fills e. */
int svc_nl_parse_error(const struct nlmsghdr *nlh, struct svc_nlerr *e);
/* Fills e->at from e->offs and the request the error is about. */
void svc_nlerr_locate(struct svc_nlerr *e, const struct nlmsghdr *req);

#endif
