/* SPDX-License-Identifier: GPL-2.0 */
/*
 * api.h: svcvip requests as functions, on top of nl.h, msg.h and batch.h.
 *
 * svc_req_*() build one complete request into buf (NULL when it does not
 * fit); send it with svc_nl_do() or queue it with svc_batch_add(). The
 * other functions do a whole round trip and return 0 or a negative errno
 * with e filled.
 */
#ifndef SVCVIP_API_H
#define SVCVIP_API_H

#include "batch.h"
#include "model.h"
#include "msg.h"
#include "nl.h"

/* Buffer big enough for any single request except huge service lists. */
#define SVC_REQ_SMALL	4096

/* NEW_SERVICE / REPLACE_SERVICE / SET_SERVICE / DEL_SERVICE */
struct nlmsghdr *svc_req_service(const struct svc_nl *nl, void *buf, size_t len,
				 uint8_t cmd, uint16_t flags,
				 const struct svc_service *s, unsigned what);
/* NEW_FRONTEND / DEL_FRONTEND (source ranges only sent with NEW) */
struct nlmsghdr *svc_req_frontend(const struct svc_nl *nl, void *buf, size_t len,
				  uint8_t cmd, const char *service,
				  const struct svc_frontend *fe);
/* NEW_BACKEND / SET_BACKEND / DEL_BACKEND (DEL sends the address only) */
struct nlmsghdr *svc_req_backend(const struct svc_nl *nl, void *buf, size_t len,
				 uint8_t cmd, const char *service,
				 const struct svc_backend *be);
/* NEW_BACKEND with v[*next..n) in top-level SVCVIP_A_BACKENDS lists, as
 * many as fit in len (*next is advanced past them): the kernel adds all of
 * them or none. NULL when not even one fits. */
struct nlmsghdr *svc_req_backend_lists(const struct svc_nl *nl, void *buf, size_t len,
				       const char *service, const struct svc_backend *v,
				       size_t n, size_t *next);
struct nlmsghdr *svc_req_config(const struct svc_nl *nl, void *buf, size_t len,
				const struct svc_config *c);
/* FLUSH, GET_INFO, GET_CONFIG: no attributes */
struct nlmsghdr *svc_req_plain(const struct svc_nl *nl, void *buf, size_t len,
			       uint8_t cmd);

int svc_get_info(struct svc_nl *nl, struct svc_info *info, struct svc_nlerr *e);
int svc_get_config(struct svc_nl *nl, struct svc_config *c, struct svc_nlerr *e);
int svc_flush(struct svc_nl *nl, struct svc_nlerr *e);
/* name NULL: every service. The table is cleared first. */
int svc_dump_services(struct svc_nl *nl, const char *name, struct svc_table *t,
		      struct svc_nlerr *e);
int svc_dump_stats(struct svc_nl *nl, const char *name, struct svc_table *t,
		   struct svc_nlerr *e);
int svc_lookup(struct svc_nl *nl, struct svc_lookup *l, struct svc_nlerr *e);
/* Sends one request built with svc_req_*() and waits for its ack. */
int svc_request(struct svc_nl *nl, struct nlmsghdr *req, struct svc_nlerr *e);

/*
 * Queues the atomic replace of service s (REPLACE_SERVICE with
 * its settings and complete FRONTENDS and BACKENDS lists; backends beyond
 * the 64 KiB service nest in top-level SVCVIP_A_BACKENDS lists of the same
 * message). Only when the lists do not fit in the largest message the
 * batch takes does the replace carry what fits, and the rest follows as
 * NEW_FRONTEND requests and NEW_BACKEND requests with backend lists (not
 * atomic then). takeover: with SVCVIP_A_TAKEOVER, frontends another
 * service holds move to s (s must have frontends). Returns the number of
 * requests queued, or a negative errno.
 */
int svc_batch_replace_service(struct svc_batch *b, const struct svc_nl *nl,
			      const struct svc_service *s, bool takeover, uint64_t cookie);

#endif
