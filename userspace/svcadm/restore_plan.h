/* SPDX-License-Identifier: GPL-2.0 */
/*
 * restore_plan.h: which lines of a line-mode restore travel together.
 *
 * Line-mode restore would send one request per line. A "service add NAME"
 * followed by "frontend add NAME" / "backend add NAME" lines becomes one
 * NEW_SERVICE request carrying the FRONTENDS and BACKENDS lists (a group)
 * whenever that cannot change the outcome of any line:
 *
 *  - Windows: only add lines merge. Any other line (set, del, replace,
 *    config set, flush) closes every group; the groups before it are
 *    finished (their message acknowledged, their follow-ups sent) before it
 *    is sent, and new groups may start after it. A run of add lines between
 *    two such lines is a segment.
 *  - Inside a segment only adds happen, and the lines of a group depend on
 *    nothing but their own service, with two exceptions: a frontend another
 *    service of the segment also adds (coarse key: kind and protocol are
 *    ignored, a NodePort matches every family of its port) stays a line of
 *    its own, sent once its group has finished; and the per-netns limits
 *    could be hit in a different order, so a segment whose worst case
 *    (every service and frontend add of the file so far succeeding) could
 *    reach max-services or max-frontends merges nothing.
 *  - A line touching the service after a second "service add NAME" is sent
 *    after the group has finished, as is that line itself.
 *  - Duplicates (the same backend, or a frontend with the same identity,
 *    twice in a group) are sent on their own after the group's message
 *    succeeded, so the kernel reports them on their own line.
 *  - Frontends fill the service nest (nest_bytes) first, as they can only
 *    travel there; backends take the rest of the nest and then top-level
 *    backend lists next to it, up to the largest message (msg_bytes; each
 *    list part holds at most nest_bytes and costs RP_LIST_HDR). What does
 *    not fit (or exceeds list_frontends, list_backends) is sent after the
 *    message: frontends line by line, backends by restore.c in lists.
 *
 * Everything here is pure: items in, dispositions out; restore.c sends.
 */
#ifndef SVCADM_RESTORE_PLAN_H
#define SVCADM_RESTORE_PLAN_H

#include <stddef.h>
#include <stdint.h>

enum rp_kind {
	RP_SKIP,	/* sends nothing (kept for line order only) */
	RP_SVC_ADD,	/* service add NAME */
	RP_FE_ADD,	/* frontend add NAME */
	RP_BE_ADD,	/* backend add NAME */
	RP_OTHER,	/* anything else: ends the segment */
};

enum rp_disp {
	RP_SEND,	/* sent on its own where it is (after wait) */
	RP_HEAD,	/* the group's NEW_SERVICE is sent here */
	RP_MERGED,	/* carried in its group's NEW_SERVICE */
	RP_AFTER,	/* sent on its own once the group's NEW_SERVICE succeeded */
};

#define RP_LIST_HDR	4		/* header of a top-level list part */

#define RP_NONE	UINT32_MAX		/* no group / nothing to wait for */
#define RP_ALL	(UINT32_MAX - 1)	/* wait for every group */

/* Identity of a frontend or backend; zero-fill before setting. */
struct rp_key {
	uint8_t addr[16];	/* zero for a NodePort */
	uint16_t family;	/* AF_UNSPEC: NodePort on both families */
	uint16_t port;
	uint8_t nodeport;
	uint8_t pad[3];
};

struct rp_item {
	/* input */
	uint32_t line;		/* for the caller */
	uint8_t kind;		/* enum rp_kind */
	uint8_t creates;	/* RP_OTHER: may create a service (service replace) */
	uint32_t svc;		/* service id (rp_names), for RP_SVC/FE/BE_ADD */
	uint32_t size;		/* SVC_ADD: bytes of the service nest without
				 * list entries; FE/BE: bytes of its list entry */
	uint32_t max_services;	/* RP_OTHER: limits it sets (0 = not set) */
	uint32_t max_frontends;
	struct rp_key key;	/* FE/BE */
	/* output */
	uint8_t disp;		/* enum rp_disp */
	uint8_t overflow;	/* RP_AFTER because it did not fit (not a duplicate) */
	uint32_t group;		/* HEAD, MERGED, AFTER: the group */
	uint32_t wait;		/* SEND: RP_NONE, RP_ALL or a group to finish first */
	uint32_t next;		/* next member of the group, in line order */
};

struct rp_group {
	uint32_t head;		/* item of the service add */
	uint32_t last;		/* last member */
	uint32_t merged_fe, merged_be;		/* in the NEW_SERVICE */
	uint32_t after;				/* sent after it */
	uint32_t overflow_fe, overflow_be;	/* of those, did not fit */
	uint32_t bytes;		/* service nest of the NEW_SERVICE */
	uint32_t list_bytes;	/* top-level backend lists next to it */
	uint32_t list_be;	/* backends in those (of merged_be) */
};

struct rp_limits {
	uint32_t nservices, nfrontends;		/* in the table before */
	uint32_t max_services, max_frontends;	/* its limits (0: unknown) */
	uint32_t nest_bytes;			/* largest service nest */
	uint32_t msg_bytes;	/* largest message's attributes (0: nest_bytes) */
	uint32_t list_frontends, list_backends;	/* most entries per message */
	/* A segment followed by another line merges only if it saves at
	 * least this many requests (finishing its groups costs a round trip). */
	uint32_t min_merged;
};

struct rp_plan {
	struct rp_group *groups;
	size_t ngroups;
	size_t merged;		/* lines carried inside NEW_SERVICE messages */
};

/* Fills the output fields of items[0..n) and plan. nsvc bounds the ids.
 * 0 or -ENOMEM. */
int rp_plan_build(struct rp_item *items, size_t n, uint32_t nsvc,
		  const struct rp_limits *lim, struct rp_plan *plan);
void rp_plan_free(struct rp_plan *plan);

/* Service names to dense ids 0, 1, ... */
struct rp_names;
struct rp_names *rp_names_new(void);
void rp_names_free(struct rp_names *nm);
/* The id of name, added if new; RP_NONE when out of memory. */
uint32_t rp_names_id(struct rp_names *nm, const char *name);
uint32_t rp_names_count(const struct rp_names *nm);
/* The name of an id (valid until rp_names_free). */
const char *rp_names_name(const struct rp_names *nm, uint32_t id);

/*
 * Which list entry of a service message an error points at:
 * "service.backends[12].addr" gives 1 (backends) and 12, "service.frontends[0]"
 * 0 (frontends) and 0, "backends[7].port" (top-level backend lists, numbered
 * across them) 2 and 7; anything else -1.
 */
int rp_where_entry(const char *where, size_t *idx);

#endif
