/* SPDX-License-Identifier: GPL-2.0 */
/*
 * parse.h: text to values, with precise error messages.
 *
 * Every function returns 0 on success or -1 with a message in err (which
 * describes the problem, not the field: callers prefix "FIELD VALUE: ").
 * Names and words map both ways (svc_*_name() returns NULL for unknown).
 */
#ifndef SVCVIP_PARSE_H
#define SVCVIP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define SVC_ERRLEN 256

struct svc_addrport {
	uint16_t family;
	union svc_inaddr addr;
	uint16_t port;		/* 0 when absent (only where allowed) */
};

int svc_parse_port(const char *s, uint16_t *port, char *err, size_t errlen);
/* "10.0.0.1:80" or "[2001:db8::1]:80" */
int svc_parse_addrport(const char *s, struct svc_addrport *ap, char *err, size_t errlen);
/* Like svc_parse_addrport, but the port may be absent: "10.0.0.1",
 * "2001:db8::1", "[2001:db8::1]". */
int svc_parse_addr_optport(const char *s, struct svc_addrport *ap, char *err, size_t errlen);
/* A bare address "10.0.0.1" or "2001:db8::1". */
int svc_parse_addr(const char *s, uint16_t *family, union svc_inaddr *addr,
		   char *err, size_t errlen);
/* "10.0.0.0/8" or "fd00::/48"; host bits must be zero. */
int svc_parse_cidr(const char *s, struct svc_cidr *c, char *err, size_t errlen);
/* Comma-separated CIDRs, appended to l. */
int svc_parse_cidr_list(const char *s, struct svc_cidrs *l, char *err, size_t errlen);
int svc_parse_onoff(const char *s, bool *v, char *err, size_t errlen);
/* Decimal unsigned integer in [min, max]. */
int svc_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *v,
		  char *err, size_t errlen);
/* A service name: 1..255 bytes of 0x21..0x7e. */
int svc_check_name(const char *s, char *err, size_t errlen);

int svc_parse_protocol(const char *s, uint8_t *proto, char *err, size_t errlen);
int svc_parse_scheduler(const char *s, uint8_t *v, char *err, size_t errlen);
int svc_parse_affinity(const char *s, uint8_t *v, char *err, size_t errlen);
int svc_parse_policy(const char *s, uint8_t *v, char *err, size_t errlen);
int svc_parse_kind(const char *s, uint8_t *v, char *err, size_t errlen);
/* "ipv4" / "ipv6" (also "inet" / "inet6", "4" / "6"); "any" = AF_UNSPEC */
int svc_parse_family(const char *s, uint16_t *family, char *err, size_t errlen);

const char *svc_protocol_name(uint8_t proto);		/* "tcp" */
const char *svc_scheduler_name(uint8_t v);		/* "maglev" */
const char *svc_affinity_name(uint8_t v);		/* "none", "clientip" */
const char *svc_policy_name(uint8_t v);			/* "cluster", "local" */
const char *svc_kind_name(uint8_t v);			/* "clusterip" */
const char *svc_family_name(uint16_t family);		/* "ipv4", "ipv6", "any" */
const char *svc_verdict_name(uint8_t v);		/* "dnat" */
const char *svc_reason_name(uint8_t v);			/* "no-backends" */
const char *svc_masq_name(uint8_t v);			/* "outside-cluster" */

#endif
