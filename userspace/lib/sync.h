/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sync.h: make the kernel's table equal to a wanted one, sending only the
 * difference (what svcadm restore --replace and svcsyncd do).
 *
 * svc_sync_check() finds what the kernel would refuse in a wanted table
 * (a frontend in two services, a frontend or backend twice in one, a
 * missing protocol, more than the limits of want_cfg) before anything is
 * sent. svc_sync() compares the wanted table with the kernel's (dumped, or
 * a cache the caller keeps) and sends, pipelined in batches:
 *   1. DEL_SERVICE for each service the wanted table lacks (one holding a
 *      frontend a wanted service takes goes last, after that one took it);
 *   2. SET_CONFIG with the keys of want_cfg whose value differs (none: no
 *      message); keys absent from want_cfg are left alone;
 *   3. REPLACE_SERVICE (settings and complete lists: atomic per service)
 *      for each service that is new or differs, one message each in name
 *      order. Frontends move between services without a moment where a
 *      packet finds no service: a service taking a frontend another holds
 *      sends SVCVIP_A_TAKEOVER (the kernel moves it in the same publish),
 *      and a service sent before the one taking its frontend keeps that
 *      frontend until then. Moves, swaps and cycles alike cost one message
 *      per service. A module without SVCVIP_A_TAKEOVER (older than these
 *      tools) refuses those replaces (EINVAL) and only those: no fallback.
 * An unchanged table costs the dump and no change message at all.
 * Nothing is printed: each refusal goes to the callback, once per service.
 */
#ifndef SVCVIP_SYNC_H
#define SVCVIP_SYNC_H

#include "model.h"
#include "nl.h"

enum svc_sync_op {
	SVC_SYNC_CHECK,		/* svc_sync_check(): not sent */
	SVC_SYNC_READ,		/* the dump or GET_CONFIG failed */
	SVC_SYNC_DEL,
	SVC_SYNC_CONFIG,
	SVC_SYNC_REPLACE,
};

struct svc_sync_err {
	enum svc_sync_op op;
	const char *service;		/* NULL for the config */
	uint32_t tag;			/* tag of the wanted service, frontend or
					 * backend concerned (0: none) */
	uint32_t other_tag;		/* CHECK: the other one of a pair */
	const struct svc_nlerr *e;	/* errno, message, e->at */
	/* REPLACE: the wanted service's entry the kernel refused (e->at
	 * located in its FRONTENDS or BACKENDS), else NULL; tag is its tag */
	const struct svc_frontend *frontend;
	const struct svc_backend *backend;
};

typedef void (*svc_sync_cb)(void *data, const struct svc_sync_err *err);

/* The kernel's state as the caller remembers it (svcsyncd keeps one). */
struct svc_sync_have {
	bool valid;			/* false: svc_sync() dumps into it */
	struct svc_table table;
	struct svc_config cfg;		/* the keys read so far */
};

struct svc_sync_stats {
	size_t deleted, added, replaced, config_keys, failed;
	size_t moved;			/* frontends taken over from another */
	size_t requests;		/* messages sent */
};

/* The number of problems found (each reported to cb); sorts want. */
int svc_sync_check(struct svc_table *want, const struct svc_config *want_cfg,
		   svc_sync_cb cb, void *data);

/*
 * Converges the kernel to want (sorted here) and want_cfg (NULL: config
 * untouched). have NULL: the kernel's table is dumped; otherwise have is
 * used when valid (dumped into when not) and left describing the kernel
 * afterwards (invalidated when anything failed, so the next call dumps).
 * Returns the number of refused requests (0: converged), or a negative
 * errno when the kernel could not be asked (dump or socket failure).
 * st may be NULL.
 */
int svc_sync(struct svc_nl *nl, struct svc_table *want, const struct svc_config *want_cfg,
	     struct svc_sync_have *have, svc_sync_cb cb, void *data,
	     struct svc_sync_stats *st);

/*
 * svc_sync() for a caller that knows what changed (svcsyncd): only the
 * services named in names[] (wanted or gone) are compared and sent, with
 * the kernel's services that hold one of their frontends, so the cost
 * follows the change, not the table. have must be valid (it is the
 * caller's cache of the kernel; otherwise this is svc_sync() with a dump).
 * want is not sorted or otherwise changed. Same return values as svc_sync().
 */
int svc_sync_some(struct svc_nl *nl, struct svc_table *want, const char *const *names,
		  size_t n, const struct svc_config *want_cfg, struct svc_sync_have *have,
		  svc_sync_cb cb, void *data, struct svc_sync_stats *st);

void svc_sync_have_free(struct svc_sync_have *have);

#endif
