/* SPDX-License-Identifier: GPL-2.0 */
/*
 * model.h: the svcvip table as plain data.
 *
 * These structs mirror the nests of include/uapi/linux/svcvip.h. They are
 * what svcadm parses command lines into, what dumps are parsed into, and
 * what a daemon builds its desired table from and diffs against a dump.
 *
 * Ownership: every struct owns the arrays it points to. Copy with the
 * *_copy() functions, release with the *_free() functions (which leave the
 * struct zeroed and reusable). A zero-initialised struct is an empty, valid
 * value. Pointers into a table's array (svc_table_find() etc.) stay valid
 * until the next call that adds to or removes from that table.
 *
 * "has" bit masks record which optional attributes are present: builders put
 * only those, parsers set them for what they found. A request that leaves a
 * bit clear gets the kernel's default (NEW) or leaves the value unchanged
 * (SET).
 */
#ifndef SVCVIP_MODEL_H
#define SVCVIP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <linux/svcvip.h>

union svc_inaddr {
	struct in_addr v4;
	struct in6_addr v6;
	uint8_t b[16];
};

/* Address length for AF_INET / AF_INET6, 0 otherwise. */
size_t svc_addr_len(uint16_t family);

struct svc_cidr {
	uint16_t family;		/* AF_INET or AF_INET6 */
	uint8_t prefixlen;
	union svc_inaddr addr;
};

struct svc_cidrs {
	struct svc_cidr *v;
	size_t n, cap;
};

struct svc_stats {
	uint64_t conns;
	uint64_t pkts_in, pkts_out;
	uint64_t bytes_in, bytes_out;
	uint64_t active_conns, inactive_conns;
};

struct svc_frontend {
	uint8_t kind;			/* enum svcvip_frontend_kind */
	uint16_t family;		/* AF_UNSPEC: NodePort on both families */
	union svc_inaddr addr;		/* not for NodePort */
	uint16_t port;
	struct svc_cidrs source_ranges;	/* LoadBalancer only; empty = all */
	uint32_t tag;			/* caller's use (e.g. a line number); never sent */
};

#define SVC_BE_HAS_WEIGHT	(1U << 0)
#define SVC_BE_HAS_FLAGS	(1U << 1)
#define SVC_BE_HAS_STATS	(1U << 2)

struct svc_backend {
	uint16_t family;
	union svc_inaddr addr;
	uint16_t port;
	uint32_t weight;		/* valid if SVC_BE_HAS_WEIGHT (default 1) */
	uint32_t flags;			/* SVCVIP_BACKEND_F_*, if SVC_BE_HAS_FLAGS */
	uint32_t has;
	struct svc_stats stats;		/* if SVC_BE_HAS_STATS */
	uint32_t tag;
};

#define SVC_SVC_HAS_PROTOCOL		(1U << 0)
#define SVC_SVC_HAS_SCHEDULER		(1U << 1)
#define SVC_SVC_HAS_AFFINITY		(1U << 2)
#define SVC_SVC_HAS_AFFINITY_TIMEOUT	(1U << 3)
#define SVC_SVC_HAS_INTERNAL_POLICY	(1U << 4)
#define SVC_SVC_HAS_EXTERNAL_POLICY	(1U << 5)
#define SVC_SVC_HAS_FRONTENDS		(1U << 6)	/* list present */
#define SVC_SVC_HAS_BACKENDS		(1U << 7)	/* list present */
#define SVC_SVC_HAS_STATS		(1U << 8)
#define SVC_SVC_SETTINGS		(SVC_SVC_HAS_PROTOCOL | \
					 SVC_SVC_HAS_SCHEDULER | \
					 SVC_SVC_HAS_AFFINITY | \
					 SVC_SVC_HAS_AFFINITY_TIMEOUT | \
					 SVC_SVC_HAS_INTERNAL_POLICY | \
					 SVC_SVC_HAS_EXTERNAL_POLICY)

struct svc_service {
	char name[SVCVIP_NAME_MAX];
	uint8_t protocol;		/* IPPROTO_TCP/UDP/SCTP */
	uint8_t scheduler;		/* enum svcvip_scheduler */
	uint8_t affinity;		/* enum svcvip_affinity */
	uint8_t internal_policy;	/* enum svcvip_policy */
	uint8_t external_policy;
	uint32_t affinity_timeout;	/* seconds */
	uint32_t has;			/* SVC_SVC_HAS_* */
	struct svc_frontend *frontends;
	size_t nfrontends, cap_frontends;
	struct svc_backend *backends;
	size_t nbackends, cap_backends;
	struct svc_stats stats;		/* if SVC_SVC_HAS_STATS */
	uint32_t tag;
};

#define SVC_CFG_HAS_CLUSTER_CIDRS	(1U << 0)
#define SVC_CFG_HAS_MASQUERADE_ALL	(1U << 1)
#define SVC_CFG_HAS_NODEPORT_CIDRS	(1U << 2)
#define SVC_CFG_HAS_LOCAL_CIDRS		(1U << 3)
#define SVC_CFG_HAS_AFFINITY_MAX	(1U << 4)
#define SVC_CFG_HAS_MAX_SERVICES	(1U << 5)
#define SVC_CFG_HAS_MAX_FRONTENDS	(1U << 6)
#define SVC_CFG_HAS_MAX_BACKENDS	(1U << 7)
#define SVC_CFG_HAS_SERVICE_CIDRS	(1U << 8)
#define SVC_CFG_HAS_PACKET_STATS	(1U << 10)
#define SVC_CFG_HAS_HASH_SEED		(1U << 9)
#define SVC_CFG_HAS_MAGLEV_TABLE_SIZE	(1U << 11)
#define SVC_HASH_SEED_LEN		16

struct svc_config {
	struct svc_cidrs cluster_cidrs;
	struct svc_cidrs nodeport_cidrs;	/* empty: all local addresses */
	struct svc_cidrs local_cidrs;		/* empty: use cluster_cidrs */
	struct svc_cidrs service_cidrs;		/* empty: none (no drop) */
	uint8_t masquerade_all;
	uint32_t affinity_max;
	uint32_t max_services;
	uint32_t max_frontends;
	uint32_t max_backends;
	uint8_t packet_stats;
	uint8_t hash_seed[SVC_HASH_SEED_LEN];	/* Maglev and flow hash key */
	uint32_t maglev_table_size;		/* most slots per pool */
	uint32_t has;				/* SVC_CFG_HAS_* */
};

struct svc_info {
	char version[64];
	uint32_t abi_version;
	uint32_t services, frontends, backends;
	uint64_t generation;	/* changes with every table/config change */
	bool has_generation;	/* (older modules lack it) */
	uint32_t rebuilding;	/* services whose Maglev table is rebuilt */
	bool has_rebuilding;
};

/* A table of services, keyed by name (with a hash index). */
struct svc_table {
	struct svc_service *v;
	size_t n, cap;
	uint32_t *index;		/* open addressing, slot = position + 1 */
	size_t index_cap;
	bool index_stale;
};

/* CIDR lists */
int svc_cidrs_add(struct svc_cidrs *l, const struct svc_cidr *c);
int svc_cidrs_copy(struct svc_cidrs *dst, const struct svc_cidrs *src);
void svc_cidrs_free(struct svc_cidrs *l);
int svc_cidr_cmp(const struct svc_cidr *a, const struct svc_cidr *b);
bool svc_cidrs_equal(const struct svc_cidrs *a, const struct svc_cidrs *b);

/* Frontends: identity is (kind, family, addr, port); order sorts by those. */
int svc_frontend_copy(struct svc_frontend *dst, const struct svc_frontend *src);
void svc_frontend_free(struct svc_frontend *fe);
int svc_frontend_cmp(const struct svc_frontend *a, const struct svc_frontend *b);

/* Backends: identity is (family, addr, port). */
int svc_backend_cmp(const struct svc_backend *a, const struct svc_backend *b);

/* Services. The add functions deep-copy their argument. */
int svc_service_copy(struct svc_service *dst, const struct svc_service *src);
void svc_service_free(struct svc_service *s);
void svc_service_clear_frontends(struct svc_service *s);
void svc_service_clear_backends(struct svc_service *s);
int svc_service_add_frontend(struct svc_service *s, const struct svc_frontend *fe);
int svc_service_add_backend(struct svc_service *s, const struct svc_backend *be);
struct svc_frontend *svc_service_find_frontend(struct svc_service *s,
					       const struct svc_frontend *key);
struct svc_backend *svc_service_find_backend(struct svc_service *s,
					     const struct svc_backend *key);
bool svc_service_del_frontend(struct svc_service *s, const struct svc_frontend *key);
bool svc_service_del_backend(struct svc_service *s, const struct svc_backend *key);
/* Sort frontends and backends into their canonical order. */
void svc_service_sort(struct svc_service *s);
/*
 * Same effective settings (defaults applied), same frontends (with source
 * ranges) and backends (with effective weight and flags)? Both must be
 * sorted (svc_service_sort). Names, stats and tags are not compared. This
 * is what a daemon asks to decide whether a service needs a replace.
 */
bool svc_service_equal(const struct svc_service *a, const struct svc_service *b);
/* Effective settings (defaults applied where the has bit is clear). */
uint8_t svc_service_scheduler(const struct svc_service *s);
uint8_t svc_service_affinity(const struct svc_service *s);
uint32_t svc_service_affinity_timeout(const struct svc_service *s);
uint8_t svc_service_internal_policy(const struct svc_service *s);
uint8_t svc_service_external_policy(const struct svc_service *s);
uint32_t svc_backend_weight(const struct svc_backend *be);
uint32_t svc_backend_flags(const struct svc_backend *be);

/*
 * The optional fields with a has bit each, in the order of their attributes:
 * msg.c puts and parses them, model.c copies and merges them.
 */
enum svc_field_kind { SVC_FK_U8, SVC_FK_U32, SVC_FK_SEED, SVC_FK_CIDRS };

struct svc_field {
	uint16_t attr;			/* SVCVIP_SERVICE_A_* / SVCVIP_CONFIG_A_* */
	enum svc_field_kind kind;
	uint32_t bit;			/* SVC_SVC_HAS_* / SVC_CFG_HAS_* */
	size_t off;			/* in struct svc_service / svc_config */
};

#define SVC_SERVICE_NFIELDS	6
#define SVC_CONFIG_NFIELDS	12
extern const struct svc_field svc_service_fields[SVC_SERVICE_NFIELDS];
extern const struct svc_field svc_config_fields[SVC_CONFIG_NFIELDS];
/* Copies the scalar fields (not SVC_FK_CIDRS) whose bit is in bits; leaves has alone. */
void svc_fields_copy(void *dst, const void *src, uint32_t bits,
		     const struct svc_field *f, size_t n);

/* Configuration */
int svc_config_copy(struct svc_config *dst, const struct svc_config *src);
void svc_config_free(struct svc_config *c);
/* Copy the attributes present in src over dst. */
int svc_config_merge(struct svc_config *dst, const struct svc_config *src);

/* Tables */
void svc_table_init(struct svc_table *t);
void svc_table_free(struct svc_table *t);
void svc_table_clear(struct svc_table *t);
/* Adds an empty service named name (which must not exist); NULL on ENOMEM. */
struct svc_service *svc_table_add(struct svc_table *t, const char *name);
/* Takes over s (moved, s is left zeroed); fails with -EEXIST on a duplicate. */
int svc_table_insert(struct svc_table *t, struct svc_service *s);
struct svc_service *svc_table_find(struct svc_table *t, const char *name);
bool svc_table_del(struct svc_table *t, const char *name);
/* Sorts services by name (bytewise) and every list canonically. */
void svc_table_sort(struct svc_table *t);

#endif
