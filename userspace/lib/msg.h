/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msg.h: model structs <-> svcvip generic netlink messages.
 *
 * Builders append to a message in a buffer of buflen bytes (the whole
 * buffer, starting at nlh) and return 0, or -EMSGSIZE when it does not fit
 * (the message is then left as it was before the call). A nest's length is
 * 16 bits, so no single nest may exceed 65535 bytes either.
 *
 * Parsers read the nests of replies and events. They return 0, -EINVAL for
 * malformed input or -ENOMEM. Lists found in a nest are appended, which is
 * how continuation messages of a dump coalesce.
 */
#ifndef SVCVIP_MSG_H
#define SVCVIP_MSG_H

#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>

#include "model.h"
#include "nl.h"

/* What svc_msg_put_service() puts besides the name. */
#define SVC_PUT_SETTINGS	(1U << 0)	/* the settings whose has bits are set */
#define SVC_PUT_FRONTENDS	(1U << 1)	/* the FRONTENDS list (maybe empty) */
#define SVC_PUT_BACKENDS	(1U << 2)	/* the BACKENDS list (maybe empty) */

/* Largest payload of one nest. */
#define SVC_NEST_MAX		65535

/*
 * Starts a generic netlink message: nlmsghdr (type = family id, flags =
 * NLM_F_REQUEST | flags, seq) + genlmsghdr (cmd, version).
 */
struct nlmsghdr *svc_msg_start(void *buf, size_t buflen, uint16_t family,
			       uint8_t cmd, uint16_t flags, uint32_t seq);
/* The generic netlink command of a message. */
uint8_t svc_msg_cmd(const struct nlmsghdr *nlh);

/*
 * Puts SVCVIP_A_SERVICE. With *resume NULL (or 0/0) all list entries must
 * fit or -EMSGSIZE is returned. With a resume cursor, as many list entries
 * as fit are put (frontends first, from resume->frontend; then backends
 * from resume->backend), the cursor is advanced, and 1 is returned when
 * some did not fit (0 when all did).
 */
struct svc_put_cursor {
	size_t frontend, backend;
};
int svc_msg_put_service(struct nlmsghdr *nlh, size_t buflen,
			const struct svc_service *s, unsigned what,
			struct svc_put_cursor *resume);
/*
 * Puts v[*next..n) as top-level SVCVIP_A_BACKENDS lists (as many parts of
 * up to SVC_NEST_MAX as needed) for NEW_SERVICE / REPLACE_SERVICE next to
 * SVCVIP_A_SERVICE, or for NEW_BACKEND. As many entries as fit in buflen
 * are put; *next is advanced past them. 0 when all fit, 1 when some did not.
 */
int svc_msg_put_backend_lists(struct nlmsghdr *nlh, size_t buflen,
			      const struct svc_backend *v, size_t n, size_t *next);

/* type is SVCVIP_A_FRONTEND / SVCVIP_A_BACKEND or a list entry type. */
int svc_msg_put_frontend(struct nlmsghdr *nlh, size_t buflen, uint16_t type,
			 const struct svc_frontend *fe, bool with_ranges);
int svc_msg_put_backend(struct nlmsghdr *nlh, size_t buflen, uint16_t type,
			const struct svc_backend *be);
/* SVCVIP_A_CONFIG with the attributes whose has bits are set. */
int svc_msg_put_config(struct nlmsghdr *nlh, size_t buflen, const struct svc_config *c);

struct svc_lookup {
	/* request */
	uint8_t protocol;
	uint16_t family;
	union svc_inaddr src, dst;
	uint16_t sport, dport;
	bool has_src, has_sport;
	/* reply */
	uint8_t verdict, reason, masquerade;
	bool has_service, has_frontend, has_backend;
	char service[SVCVIP_NAME_MAX];
	struct svc_frontend frontend;	/* owns source_ranges */
	struct svc_backend backend;
};
void svc_lookup_free(struct svc_lookup *l);
int svc_msg_put_lookup(struct nlmsghdr *nlh, size_t buflen, const struct svc_lookup *l);

/*
 * The list entry of request nlh that holds byte offset offs (as an extack
 * NLMSGERR_ATTR_OFFS reports it), the outermost one: {BACKENDS, 3} for
 * anything inside the fourth backend. The backends of top-level
 * SVCVIP_A_BACKENDS lists continue those of the service nest, as for the
 * kernel they form one list: so the index is the backend's place in the
 * svc_service the request was built from. 0, or -ENOENT (at cleared) when
 * offs is in no list entry.
 */
int svc_msg_attr_locate(const struct nlmsghdr *nlh, uint32_t offs, struct svc_nlerr_loc *at);

/* Type of the i-th entry of a list nest (FRONTENDS, BACKENDS, CIDRs). */
uint16_t svc_msg_list_type(size_t i);

/* ---- parsers ---- */
/* Top-level attributes of a message: tb has SVCVIP_A_MAX + 1 slots. */
int svc_msg_parse_top(const struct nlmsghdr *nlh, const struct nlattr **tb);
int svc_msg_parse_service(const struct nlattr *nest, struct svc_service *s);
int svc_msg_parse_frontend(const struct nlattr *nest, struct svc_frontend *fe);
int svc_msg_parse_backend(const struct nlattr *nest, struct svc_backend *be);
int svc_msg_parse_cidrs(const struct nlattr *nest, struct svc_cidrs *l);
int svc_msg_parse_stats(const struct nlattr *nest, struct svc_stats *st);
int svc_msg_parse_config(const struct nlattr *nest, struct svc_config *c);
int svc_msg_parse_info(const struct nlattr *nest, struct svc_info *info);
/* Reply of SVCVIP_CMD_LOOKUP (a whole message); fills the reply fields. */
int svc_msg_parse_lookup_reply(const struct nlmsghdr *nlh, struct svc_lookup *l);

/*
 * A message of a GET_SERVICE or GET_STATS dump: adds the service to t, or,
 * when a service of that name is already in t (normally the last one: a
 * continuation message), appends its lists to that one.
 */
int svc_table_add_msg(struct svc_table *t, const struct nlmsghdr *nlh);

/* A multicast event. */
struct svc_event {
	uint8_t cmd;			/* SVCVIP_CMD_* of the change */
	bool replace;			/* cmd is REPLACE_SERVICE */
	bool has_service, has_frontend, has_backend, has_config;
	struct svc_service service;	/* owned */
	struct svc_frontend frontend;	/* owned */
	struct svc_backend backend;
	struct svc_config config;	/* owned */
};
int svc_msg_parse_event(const struct nlmsghdr *nlh, struct svc_event *ev);
void svc_event_free(struct svc_event *ev);

#endif
