/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Netlink attributes -> validated requests. Nothing here touches the table:
 * a request is checked completely before any change is made.
 */
#ifndef _SVCVIP_NL_PARSE_H
#define _SVCVIP_NL_PARSE_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include "table.h"
#include "config.h"

struct svcvip_lookup_req {
	u8 family;
	u8 protocol;
	bool has_src;
	union nf_inet_addr saddr;
	union nf_inet_addr daddr;
	__be16 sport;
	__be16 dport;
};

/* Changes a SET_CONFIG request asks for; lists are owned by the request. */
struct svcvip_config_req {
	u32 present;		/* BIT(SVCVIP_CONFIG_A_*) */
	struct svcvip_cidrs *cluster_cidrs;
	struct svcvip_cidrs *nodeport_cidrs;
	struct svcvip_cidrs *local_cidrs;
	struct svcvip_cidrs *service_cidrs;
	bool masquerade_all;
	u32 affinity_max;
	u32 max_services;
	u32 max_frontends;
	u32 max_backends;
	bool packet_stats;
	u8 hash_seed[16];
	u32 maglev_table_size;
};

extern const struct nla_policy svcvip_top_none_policy[];
extern const struct nla_policy svcvip_top_service_policy[];
extern const struct nla_policy svcvip_top_replace_policy[];
extern const struct nla_policy svcvip_top_service_ref_policy[];
extern const struct nla_policy svcvip_top_frontend_policy[];
extern const struct nla_policy svcvip_top_backend_policy[];
extern const struct nla_policy svcvip_top_config_policy[];
extern const struct nla_policy svcvip_top_lookup_policy[];

int svcvip_nl_check_top(const struct genl_info *info);
const char *svcvip_nl_service_name(struct nlattr **attrs,
				   struct netlink_ext_ack *extack);

int svcvip_nl_parse_service(const struct nlmsghdr *nlh,
			    const struct nlattr *nest, bool full,
			    struct svcvip_svc_spec *s,
			    struct netlink_ext_ack *extack);
int svcvip_nl_parse_backend_lists(const struct nlmsghdr *nlh,
				  const struct nlattr *inner,
				  struct svcvip_be_spec **specs, u32 *count,
				  struct netlink_ext_ack *extack);
void svcvip_nl_svc_spec_free(struct svcvip_svc_spec *s);

int svcvip_nl_parse_frontend(const struct nlattr *nest,
			     struct svcvip_fe_spec *f,
			     struct netlink_ext_ack *extack);
int svcvip_nl_parse_backend(const struct nlattr *nest,
			    struct svcvip_be_spec *b,
			    struct netlink_ext_ack *extack);

int svcvip_nl_parse_config(const struct nlattr *nest,
			   struct svcvip_config_req *req,
			   struct netlink_ext_ack *extack);
void svcvip_nl_config_req_free(struct svcvip_config_req *req);

int svcvip_nl_parse_lookup(const struct nlattr *nest,
			   struct svcvip_lookup_req *req,
			   struct netlink_ext_ack *extack);

#endif /* _SVCVIP_NL_PARSE_H */
