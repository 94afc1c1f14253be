// SPDX-License-Identifier: GPL-2.0
/*
 * Policies and request parsing for the svcvip generic netlink family.
 *
 * The genetlink core validates every request strictly against the policies
 * below (types, lengths, ranges, unknown attributes, recursively into
 * nests). What a policy cannot say -- required attributes, duplicates,
 * address/family agreement, CIDR host bits, names -- is checked here, each
 * failure with an extack message pointing at the attribute.
 */

#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <net/ipv6.h>
#include <uapi/linux/svcvip.h>

#include "nl_parse.h"
#include "gfp.h"

#define SVCVIP_MAX_CIDRS	64	/* per list: one frontend fits a dump page */
#define SVCVIP_MAX_SVC_FRONTENDS 1024	/* per service, in one message */

static struct netlink_range_validation timeout_range = {
	.min = 1, .max = SVCVIP_AFFINITY_TIMEOUT_MAX,
};

static struct netlink_range_validation weight_range = {
	.min = 0, .max = SVCVIP_WEIGHT_MAX,
};

static struct netlink_range_validation count_range = {
	.min = 1, .max = 1U << 26,
};

static struct netlink_range_validation maglev_size_range = {
	.min = SVCVIP_MAGLEV_SIZE_MIN, .max = SVCVIP_MAGLEV_SIZE_MAX,
};

static struct netlink_range_validation max_backends_range = {
	.min = 1, .max = SVCVIP_LIMIT_MAX_BACKENDS,
};

static const struct nla_policy cidr_policy[SVCVIP_CIDR_A_MAX + 1] = {
	[SVCVIP_CIDR_A_FAMILY] = { .type = NLA_U16 },
	[SVCVIP_CIDR_A_ADDR] = NLA_POLICY_RANGE(NLA_BINARY, 4, 16),
	[SVCVIP_CIDR_A_PREFIXLEN] = NLA_POLICY_MAX(NLA_U8, 128),
};

static const struct nla_policy frontend_policy[SVCVIP_FRONTEND_A_MAX + 1] = {
	[SVCVIP_FRONTEND_A_KIND] = NLA_POLICY_RANGE(NLA_U8, 1,
						    SVCVIP_FRONTEND_MAX),
	[SVCVIP_FRONTEND_A_FAMILY] = { .type = NLA_U16 },
	[SVCVIP_FRONTEND_A_ADDR] = NLA_POLICY_RANGE(NLA_BINARY, 4, 16),
	[SVCVIP_FRONTEND_A_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[SVCVIP_FRONTEND_A_SOURCE_RANGES] = NLA_POLICY_NESTED_ARRAY(cidr_policy),
};

static const struct nla_policy backend_policy[SVCVIP_BACKEND_A_MAX + 1] = {
	[SVCVIP_BACKEND_A_FAMILY] = { .type = NLA_U16 },
	[SVCVIP_BACKEND_A_ADDR] = NLA_POLICY_RANGE(NLA_BINARY, 4, 16),
	[SVCVIP_BACKEND_A_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[SVCVIP_BACKEND_A_WEIGHT] = NLA_POLICY_FULL_RANGE(NLA_U32,
							  &weight_range),
	[SVCVIP_BACKEND_A_FLAGS] = NLA_POLICY_MASK(NLA_U32,
						   __SVCVIP_BACKEND_F_ALL),
	[SVCVIP_BACKEND_A_STATS] = { .type = NLA_REJECT },	/* output only */
};

static const struct nla_policy service_policy[SVCVIP_SERVICE_A_MAX + 1] = {
	[SVCVIP_SERVICE_A_NAME] = { .type = NLA_NUL_STRING,
				    .len = SVCVIP_NAME_MAX - 1 },
	[SVCVIP_SERVICE_A_PROTOCOL] = { .type = NLA_U8 },
	[SVCVIP_SERVICE_A_SCHEDULER] = NLA_POLICY_MAX(NLA_U8, SVCVIP_SCHED_MAX),
	[SVCVIP_SERVICE_A_AFFINITY] = NLA_POLICY_MAX(NLA_U8,
						     SVCVIP_AFFINITY_MAX),
	[SVCVIP_SERVICE_A_AFFINITY_TIMEOUT] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &timeout_range),
	[SVCVIP_SERVICE_A_INTERNAL_POLICY] = NLA_POLICY_MAX(NLA_U8,
							    SVCVIP_POLICY_MAX),
	[SVCVIP_SERVICE_A_EXTERNAL_POLICY] = NLA_POLICY_MAX(NLA_U8,
							    SVCVIP_POLICY_MAX),
	[SVCVIP_SERVICE_A_FRONTENDS] = NLA_POLICY_NESTED_ARRAY(frontend_policy),
	[SVCVIP_SERVICE_A_BACKENDS] = NLA_POLICY_NESTED_ARRAY(backend_policy),
	[SVCVIP_SERVICE_A_STATS] = { .type = NLA_REJECT },	/* output only */
};

/* A reference to an existing service: the name and nothing else. */
static const struct nla_policy service_ref_policy[SVCVIP_SERVICE_A_NAME + 1] = {
	[SVCVIP_SERVICE_A_NAME] = { .type = NLA_NUL_STRING,
				    .len = SVCVIP_NAME_MAX - 1 },
};

static const struct nla_policy config_policy[SVCVIP_CONFIG_A_MAX + 1] = {
	[SVCVIP_CONFIG_A_CLUSTER_CIDRS] = NLA_POLICY_NESTED_ARRAY(cidr_policy),
	[SVCVIP_CONFIG_A_MASQUERADE_ALL] = NLA_POLICY_MAX(NLA_U8, 1),
	[SVCVIP_CONFIG_A_NODEPORT_CIDRS] = NLA_POLICY_NESTED_ARRAY(cidr_policy),
	[SVCVIP_CONFIG_A_LOCAL_CIDRS] = NLA_POLICY_NESTED_ARRAY(cidr_policy),
	[SVCVIP_CONFIG_A_AFFINITY_MAX] = NLA_POLICY_FULL_RANGE(NLA_U32,
							       &count_range),
	[SVCVIP_CONFIG_A_MAX_SERVICES] = NLA_POLICY_FULL_RANGE(NLA_U32,
							       &count_range),
	[SVCVIP_CONFIG_A_MAX_FRONTENDS] = NLA_POLICY_FULL_RANGE(NLA_U32,
								&count_range),
	[SVCVIP_CONFIG_A_MAX_BACKENDS] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &max_backends_range),
	[SVCVIP_CONFIG_A_SERVICE_CIDRS] = NLA_POLICY_NESTED_ARRAY(cidr_policy),
	[SVCVIP_CONFIG_A_PACKET_STATS] = NLA_POLICY_MAX(NLA_U8, 1),
	[SVCVIP_CONFIG_A_HASH_SEED] = NLA_POLICY_EXACT_LEN(16),
	[SVCVIP_CONFIG_A_MAGLEV_TABLE_SIZE] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &maglev_size_range),
};

static const struct nla_policy lookup_policy[SVCVIP_LOOKUP_A_MAX + 1] = {
	[SVCVIP_LOOKUP_A_PROTOCOL] = { .type = NLA_U8 },
	[SVCVIP_LOOKUP_A_FAMILY] = { .type = NLA_U16 },
	[SVCVIP_LOOKUP_A_SRC_ADDR] = NLA_POLICY_RANGE(NLA_BINARY, 4, 16),
	[SVCVIP_LOOKUP_A_SRC_PORT] = { .type = NLA_U16 },
	[SVCVIP_LOOKUP_A_DST_ADDR] = NLA_POLICY_RANGE(NLA_BINARY, 4, 16),
	[SVCVIP_LOOKUP_A_DST_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[SVCVIP_LOOKUP_A_VERDICT] = { .type = NLA_REJECT },	/* output */
	[SVCVIP_LOOKUP_A_REASON] = { .type = NLA_REJECT },
	[SVCVIP_LOOKUP_A_MASQUERADE] = { .type = NLA_REJECT },
};

/* Top-level policies, one per request shape. Unlisted = rejected. */
const struct nla_policy svcvip_top_none_policy[SVCVIP_A_MAX + 1] = {};

const struct nla_policy svcvip_top_service_policy[SVCVIP_A_MAX + 1] = {
	[SVCVIP_A_SERVICE] = NLA_POLICY_NESTED(service_policy),
	[SVCVIP_A_BACKENDS] = NLA_POLICY_NESTED_ARRAY(backend_policy),
};

/* REPLACE_SERVICE also takes the takeover flag */
const struct nla_policy svcvip_top_replace_policy[SVCVIP_A_MAX + 1] = {
	[SVCVIP_A_SERVICE] = NLA_POLICY_NESTED(service_policy),
	[SVCVIP_A_BACKENDS] = NLA_POLICY_NESTED_ARRAY(backend_policy),
	[SVCVIP_A_TAKEOVER] = { .type = NLA_FLAG },
};

const struct nla_policy svcvip_top_service_ref_policy[SVCVIP_A_MAX + 1] = {
	[SVCVIP_A_SERVICE] = NLA_POLICY_NESTED(service_ref_policy),
};

const struct nla_policy svcvip_top_frontend_policy[SVCVIP_A_MAX + 1] = {
	[SVCVIP_A_SERVICE] = NLA_POLICY_NESTED(service_ref_policy),
	[SVCVIP_A_FRONTEND] = NLA_POLICY_NESTED(frontend_policy),
};

const struct nla_policy svcvip_top_backend_policy[SVCVIP_A_MAX + 1] = {
	[SVCVIP_A_SERVICE] = NLA_POLICY_NESTED(service_ref_policy),
	[SVCVIP_A_BACKEND] = NLA_POLICY_NESTED(backend_policy),
	[SVCVIP_A_BACKENDS] = NLA_POLICY_NESTED_ARRAY(backend_policy),
};

const struct nla_policy svcvip_top_config_policy[SVCVIP_A_MAX + 1] = {
	[SVCVIP_A_CONFIG] = NLA_POLICY_NESTED(config_policy),
};

const struct nla_policy svcvip_top_lookup_policy[SVCVIP_A_MAX + 1] = {
	[SVCVIP_A_LOOKUP] = NLA_POLICY_NESTED(lookup_policy),
};

/* ---- generic checks -------------------------------------------------- */

/*
 * The core keeps the last of duplicated attributes; we refuse them, except
 * the types in @repeatable, which are lists meant to be given in parts.
 */
static int check_no_dups(const struct nlattr *head, int len, u64 repeatable,
			 struct netlink_ext_ack *extack)
{
	const struct nlattr *a;
	u64 seen = 0;
	int rem;

	nla_for_each_attr(a, head, len, rem) {
		int type = nla_type(a);

		if (type >= 64 || (repeatable & BIT_ULL(type)))
			continue;	/* rejected by the policy, or a list part */
		if (seen & BIT_ULL(type)) {
			NL_SET_ERR_MSG_ATTR(extack, a, "duplicate attribute");
			return -EINVAL;
		}
		seen |= BIT_ULL(type);
	}
	return 0;
}

static int check_nest_no_dups(const struct nlattr *nest,
			      struct netlink_ext_ack *extack)
{
	return check_no_dups(nla_data(nest), nla_len(nest), 0, extack);
}

int svcvip_nl_check_top(const struct genl_info *info)
{
	const struct nlmsghdr *nlh = info->nlhdr;

	return check_no_dups(nlmsg_attrdata(nlh, GENL_HDRLEN),
			     nlmsg_attrlen(nlh, GENL_HDRLEN),
			     BIT_ULL(SVCVIP_A_BACKENDS), info->extack);
}

/*
 * Evaluates to true when attribute @type is missing: the kernel's
 * NL_REQ_ATTR_CHECK() reports the missing type and nest (NLMSGERR_ATTR_MISS_*),
 * and the message names the field for humans.
 */
#define require(tb, type, nest, msg, extack) ({			\
	struct netlink_ext_ack *__ea = (extack);		\
	bool __missing = NL_REQ_ATTR_CHECK(__ea, nest, tb, type);	\
								\
	if (__missing)						\
		NL_SET_ERR_MSG(__ea, msg);			\
	__missing;						\
})

static int check_name(const struct nlattr *attr, struct netlink_ext_ack *extack)
{
	const char *name = nla_data(attr);
	size_t i, len = strlen(name);

	if (!len) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "service name is empty");
		return -EINVAL;
	}
	for (i = 0; i < len; i++) {
		/* save/restore lines are split on blanks */
		if (name[i] < 0x21 || name[i] > 0x7e) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "service name must be printable ASCII without blanks");
			return -EINVAL;
		}
	}
	return 0;
}

static int parse_protocol(const struct nlattr *attr, u8 *proto,
			  struct netlink_ext_ack *extack)
{
	u8 p = nla_get_u8(attr);

	if (p != IPPROTO_TCP && p != IPPROTO_UDP && p != IPPROTO_SCTP) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "protocol must be tcp, udp or sctp");
		return -EINVAL;
	}
	*proto = p;
	return 0;
}

static int parse_family(const struct nlattr *attr, u8 *family,
			struct netlink_ext_ack *extack)
{
	u16 f = nla_get_u16(attr);

	if (f != AF_INET && f != AF_INET6) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "family must be AF_INET or AF_INET6");
		return -EAFNOSUPPORT;
	}
	*family = f;
	return 0;
}

/* The address must be exactly as long as its family says. */
static int parse_addr(const struct nlattr *attr, u8 family,
		      union nf_inet_addr *addr, struct netlink_ext_ack *extack)
{
	int len = family == AF_INET ? sizeof(struct in_addr) :
				      sizeof(struct in6_addr);

	if (nla_len(attr) != len) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "address length does not match its family");
		return -EINVAL;
	}
	memset(addr, 0, sizeof(*addr));
	memcpy(addr, nla_data(attr), len);
	return 0;
}

/* Unspecified, multicast and broadcast addresses are never services or
 * endpoints.
 */
static int check_unicast(const struct nlattr *attr, u8 family,
			 const union nf_inet_addr *a,
			 struct netlink_ext_ack *extack)
{
	bool bad;

	if (family == AF_INET)
		bad = ipv4_is_zeronet(a->ip) || ipv4_is_multicast(a->ip) ||
		      ipv4_is_lbcast(a->ip);
	else
		bad = ipv6_addr_any(&a->in6) ||
		      ipv6_addr_is_multicast(&a->in6);
	if (bad) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "address must be a unicast address");
		return -EINVAL;
	}
	return 0;
}

static int parse_cidr(const struct nlattr *nest, struct svcvip_cidr *c,
		      struct netlink_ext_ack *extack)
{
	struct nlattr *tb[SVCVIP_CIDR_A_MAX + 1];
	union nf_inet_addr addr;
	u8 family, plen;
	int ret;

	ret = check_nest_no_dups(nest, extack);
	if (ret)
		return ret;
	ret = nla_parse_nested(tb, SVCVIP_CIDR_A_MAX, nest, cidr_policy,
			       extack);
	if (ret)
		return ret;
	if (require(tb, SVCVIP_CIDR_A_FAMILY, nest, "CIDR family missing",
		    extack) ||
	    require(tb, SVCVIP_CIDR_A_ADDR, nest, "CIDR address missing",
		    extack) ||
	    require(tb, SVCVIP_CIDR_A_PREFIXLEN, nest,
		    "CIDR prefix length missing", extack))
		return -EINVAL;
	ret = parse_family(tb[SVCVIP_CIDR_A_FAMILY], &family, extack);
	if (ret)
		return ret;
	ret = parse_addr(tb[SVCVIP_CIDR_A_ADDR], family, &addr, extack);
	if (ret)
		return ret;
	plen = nla_get_u8(tb[SVCVIP_CIDR_A_PREFIXLEN]);
	if (family == AF_INET && plen > 32) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SVCVIP_CIDR_A_PREFIXLEN],
				    "IPv4 prefix length must be 0-32");
		return -EINVAL;
	}
	svcvip_cidr_set(c, family, &addr, plen);
	if (!svcvip_cidr_host_bits_zero(c)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SVCVIP_CIDR_A_ADDR],
				    "CIDR has host bits set");
		return -EINVAL;
	}
	return 0;
}

/* An empty list nest parses to NULL: "none". */
static int parse_cidr_list(const struct nlattr *list,
			   struct svcvip_cidrs **out,
			   struct netlink_ext_ack *extack)
{
	struct svcvip_cidrs *cidrs;
	const struct nlattr *a;
	int rem, n = 0, ret;

	*out = NULL;
	nla_for_each_nested(a, list, rem)
		n++;
	if (!n)
		return 0;
	if (n > SVCVIP_MAX_CIDRS) {
		NL_SET_ERR_MSG_ATTR(extack, list, "too many CIDRs in the list");
		return -E2BIG;
	}
	cidrs = kzalloc(struct_size(cidrs, cidr, n), SVCVIP_GFP);
	if (!cidrs)
		return -ENOMEM;
	n = 0;
	nla_for_each_nested(a, list, rem) {
		ret = parse_cidr(a, &cidrs->cidr[n++], extack);
		if (ret) {
			kfree(cidrs);
			return ret;
		}
	}
	cidrs->count = n;
	*out = cidrs;
	return 0;
}

/* ---- objects --------------------------------------------------------- */

const char *svcvip_nl_service_name(struct nlattr **attrs,
				   struct netlink_ext_ack *extack)
{
	struct nlattr *tb[SVCVIP_SERVICE_A_NAME + 1];
	const struct nlattr *nest = attrs[SVCVIP_A_SERVICE];

	if (!nest) {
		NL_SET_ERR_ATTR_MISS(extack, NULL, SVCVIP_A_SERVICE);
		NL_SET_ERR_MSG(extack, "service missing");
		return ERR_PTR(-EINVAL);
	}
	if (check_nest_no_dups(nest, extack) ||
	    nla_parse_nested(tb, SVCVIP_SERVICE_A_NAME, nest,
			     service_ref_policy, extack) ||
	    require(tb, SVCVIP_SERVICE_A_NAME, nest, "service name missing",
		    extack) ||
	    check_name(tb[SVCVIP_SERVICE_A_NAME], extack))
		return ERR_PTR(-EINVAL);
	return nla_data(tb[SVCVIP_SERVICE_A_NAME]);
}

/* A NodePort: a port on the node's addresses, one family or both. */
static int parse_nodeport(struct nlattr **tb, struct svcvip_fe_spec *f,
			  struct netlink_ext_ack *extack)
{
	const struct nlattr *fam = tb[SVCVIP_FRONTEND_A_FAMILY];
	int ret;

	if (tb[SVCVIP_FRONTEND_A_ADDR]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SVCVIP_FRONTEND_A_ADDR],
				    "a nodeport frontend has no address");
		return -EINVAL;
	}
	if (tb[SVCVIP_FRONTEND_A_SOURCE_RANGES]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SVCVIP_FRONTEND_A_SOURCE_RANGES],
				    "source ranges apply to loadbalancer frontends only");
		return -EINVAL;
	}
	f->key.nodeport = 1;
	f->key.family = 0;	/* both families */
	if (fam && nla_get_u16(fam) != AF_UNSPEC) {
		ret = parse_family(fam, &f->key.family, extack);
		if (ret)
			return ret;
	}
	return 0;
}

int svcvip_nl_parse_frontend(const struct nlattr *nest,
			     struct svcvip_fe_spec *f,
			     struct netlink_ext_ack *extack)
{
	struct nlattr *tb[SVCVIP_FRONTEND_A_MAX + 1];
	int ret;

	memset(f, 0, sizeof(*f));
	f->attr = nest;
	ret = check_nest_no_dups(nest, extack);
	if (ret)
		return ret;
	ret = nla_parse_nested(tb, SVCVIP_FRONTEND_A_MAX, nest,
			       frontend_policy, extack);
	if (ret)
		return ret;
	if (require(tb, SVCVIP_FRONTEND_A_KIND, nest, "frontend kind missing",
		    extack) ||
	    require(tb, SVCVIP_FRONTEND_A_PORT, nest, "frontend port missing",
		    extack))
		return -EINVAL;
	f->kind = nla_get_u8(tb[SVCVIP_FRONTEND_A_KIND]);
	f->key.port = htons(nla_get_u16(tb[SVCVIP_FRONTEND_A_PORT]));

	if (f->kind == SVCVIP_FRONTEND_NODEPORT)
		return parse_nodeport(tb, f, extack);

	if (require(tb, SVCVIP_FRONTEND_A_FAMILY, nest,
		    "frontend family missing", extack) ||
	    require(tb, SVCVIP_FRONTEND_A_ADDR, nest,
		    "frontend address missing", extack))
		return -EINVAL;
	ret = parse_family(tb[SVCVIP_FRONTEND_A_FAMILY], &f->key.family,
			   extack);
	if (ret)
		return ret;
	ret = parse_addr(tb[SVCVIP_FRONTEND_A_ADDR], f->key.family,
			 &f->key.addr, extack);
	if (ret)
		return ret;
	ret = check_unicast(tb[SVCVIP_FRONTEND_A_ADDR], f->key.family,
			    &f->key.addr, extack);
	if (ret)
		return ret;
	if (!tb[SVCVIP_FRONTEND_A_SOURCE_RANGES])
		return 0;
	if (f->kind != SVCVIP_FRONTEND_LOADBALANCER) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SVCVIP_FRONTEND_A_SOURCE_RANGES],
				    "source ranges apply to loadbalancer frontends only");
		return -EINVAL;
	}
	return parse_cidr_list(tb[SVCVIP_FRONTEND_A_SOURCE_RANGES],
			       &f->source_ranges, extack);
}

int svcvip_nl_parse_backend(const struct nlattr *nest,
			    struct svcvip_be_spec *b,
			    struct netlink_ext_ack *extack)
{
	struct nlattr *tb[SVCVIP_BACKEND_A_MAX + 1];
	int ret;

	memset(b, 0, sizeof(*b));
	b->attr = nest;
	ret = check_nest_no_dups(nest, extack);
	if (ret)
		return ret;
	ret = nla_parse_nested(tb, SVCVIP_BACKEND_A_MAX, nest, backend_policy,
			       extack);
	if (ret)
		return ret;
	if (require(tb, SVCVIP_BACKEND_A_FAMILY, nest,
		    "backend family missing", extack) ||
	    require(tb, SVCVIP_BACKEND_A_ADDR, nest,
		    "backend address missing", extack) ||
	    require(tb, SVCVIP_BACKEND_A_PORT, nest, "backend port missing",
		    extack))
		return -EINVAL;
	ret = parse_family(tb[SVCVIP_BACKEND_A_FAMILY], &b->be.family, extack);
	if (ret)
		return ret;
	ret = parse_addr(tb[SVCVIP_BACKEND_A_ADDR], b->be.family, &b->be.addr,
			 extack);
	if (ret)
		return ret;
	ret = check_unicast(tb[SVCVIP_BACKEND_A_ADDR], b->be.family,
			    &b->be.addr, extack);
	if (ret)
		return ret;
	b->be.port = htons(nla_get_u16(tb[SVCVIP_BACKEND_A_PORT]));
	b->be.weight = 1;
	if (tb[SVCVIP_BACKEND_A_WEIGHT]) {
		b->be.weight = nla_get_u32(tb[SVCVIP_BACKEND_A_WEIGHT]);
		b->has_weight = true;
	}
	if (tb[SVCVIP_BACKEND_A_FLAGS]) {
		b->be.flags = nla_get_u32(tb[SVCVIP_BACKEND_A_FLAGS]);
		b->has_flags = true;
	}
	return 0;
}

void svcvip_nl_svc_spec_free(struct svcvip_svc_spec *s)
{
	u32 i;

	if (s->frontends)
		for (i = 0; i < s->nfrontends; i++)
			svcvip_cidrs_free(s->frontends[i].source_ranges);
	kvfree(s->frontends);
	kvfree(s->backends);
	s->frontends = NULL;
	s->backends = NULL;
}

static int parse_frontend_list(const struct nlattr *list,
			       struct svcvip_svc_spec *s,
			       struct netlink_ext_ack *extack)
{
	const struct nlattr *a;
	int rem, n = 0, ret;

	nla_for_each_nested(a, list, rem)
		n++;
	if (n > SVCVIP_MAX_SVC_FRONTENDS) {
		NL_SET_ERR_MSG_ATTR(extack, list,
				    "too many frontends in one service");
		return -E2BIG;
	}
	s->has_frontends = true;
	s->frontends = kvcalloc(max(n, 1), sizeof(*s->frontends), SVCVIP_GFP);
	if (!s->frontends)
		return -ENOMEM;
	nla_for_each_nested(a, list, rem) {
		ret = svcvip_nl_parse_frontend(a, &s->frontends[s->nfrontends],
					       extack);
		if (ret)
			return ret;
		s->nfrontends++;
	}
	return 0;
}

static u32 count_entries(const struct nlattr *list)
{
	const struct nlattr *a;
	u32 n = 0;
	int rem;

	nla_for_each_nested(a, list, rem)
		n++;
	return n;
}

static int parse_backends_into(const struct nlattr *list,
			       struct svcvip_be_spec *specs, u32 *n,
			       struct netlink_ext_ack *extack)
{
	const struct nlattr *a;
	int rem, ret;

	nla_for_each_nested(a, list, rem) {
		ret = svcvip_nl_parse_backend(a, &specs[*n], extack);
		if (ret)
			return ret;
		(*n)++;
	}
	return 0;
}

/*
 * Backends given as @inner (a list inside the service nest, may be NULL)
 * and as any number of top-level SVCVIP_A_BACKENDS lists of @nlh's
 * message. Returns 0 with *@specs NULL when there are none at all.
 */
int svcvip_nl_parse_backend_lists(const struct nlmsghdr *nlh,
				  const struct nlattr *inner,
				  struct svcvip_be_spec **specs, u32 *count,
				  struct netlink_ext_ack *extack)
{
	const struct nlattr *a;
	bool any = inner;
	u64 total = 0;
	u32 n = 0;
	int rem, ret;

	*specs = NULL;
	*count = 0;
	if (inner)
		total = count_entries(inner);
	nlmsg_for_each_attr(a, nlh, GENL_HDRLEN, rem) {
		if (nla_type(a) != SVCVIP_A_BACKENDS)
			continue;
		total += count_entries(a);
		any = true;
	}
	if (!any)
		return 0;
	if (total > SVCVIP_LIMIT_MAX_BACKENDS) {
		NL_SET_ERR_MSG(extack, "too many backends in one service");
		return -E2BIG;
	}
	*specs = kvcalloc(max_t(u32, total, 1), sizeof(**specs), SVCVIP_GFP);
	if (!*specs)
		return -ENOMEM;
	if (inner) {
		ret = parse_backends_into(inner, *specs, &n, extack);
		if (ret)
			goto err;
	}
	nlmsg_for_each_attr(a, nlh, GENL_HDRLEN, rem) {
		if (nla_type(a) != SVCVIP_A_BACKENDS)
			continue;
		ret = parse_backends_into(a, *specs, &n, extack);
		if (ret)
			goto err;
	}
	*count = n;
	return 0;
err:
	kvfree(*specs);
	*specs = NULL;
	return ret;
}

/*
 * @full: NEW/REPLACE_SERVICE (protocol required, absent settings = defaults,
 * backends also from top-level SVCVIP_A_BACKENDS lists of @nlh); otherwise
 * a SET_SERVICE (only what is present counts, no lists).
 */
int svcvip_nl_parse_service(const struct nlmsghdr *nlh,
			    const struct nlattr *nest, bool full,
			    struct svcvip_svc_spec *s,
			    struct netlink_ext_ack *extack)
{
	struct nlattr *tb[SVCVIP_SERVICE_A_MAX + 1];
	struct svcvip_service_cfg *cfg = &s->cfg;
	int ret, i;

	memset(s, 0, sizeof(*s));
	svcvip_service_cfg_default(cfg);
	if (!nest) {
		NL_SET_ERR_ATTR_MISS(extack, NULL, SVCVIP_A_SERVICE);
		NL_SET_ERR_MSG(extack, "service missing");
		return -EINVAL;
	}
	ret = check_nest_no_dups(nest, extack);
	if (ret)
		return ret;
	ret = nla_parse_nested(tb, SVCVIP_SERVICE_A_MAX, nest, service_policy,
			       extack);
	if (ret)
		return ret;
	for (i = 1; i <= SVCVIP_SERVICE_A_MAX; i++)
		if (tb[i])
			s->present |= BIT(i);

	if (require(tb, SVCVIP_SERVICE_A_NAME, nest, "service name missing",
		    extack))
		return -EINVAL;
	ret = check_name(tb[SVCVIP_SERVICE_A_NAME], extack);
	if (ret)
		return ret;
	s->name = nla_data(tb[SVCVIP_SERVICE_A_NAME]);

	if (full && require(tb, SVCVIP_SERVICE_A_PROTOCOL, nest,
			    "service protocol missing", extack))
		return -EINVAL;
	if (tb[SVCVIP_SERVICE_A_PROTOCOL]) {
		ret = parse_protocol(tb[SVCVIP_SERVICE_A_PROTOCOL],
				     &cfg->protocol, extack);
		if (ret)
			return ret;
	}
	if (tb[SVCVIP_SERVICE_A_SCHEDULER])
		cfg->scheduler = nla_get_u8(tb[SVCVIP_SERVICE_A_SCHEDULER]);
	if (tb[SVCVIP_SERVICE_A_AFFINITY])
		cfg->affinity = nla_get_u8(tb[SVCVIP_SERVICE_A_AFFINITY]);
	if (tb[SVCVIP_SERVICE_A_AFFINITY_TIMEOUT])
		cfg->affinity_timeout =
			nla_get_u32(tb[SVCVIP_SERVICE_A_AFFINITY_TIMEOUT]);
	if (tb[SVCVIP_SERVICE_A_INTERNAL_POLICY])
		cfg->internal_policy =
			nla_get_u8(tb[SVCVIP_SERVICE_A_INTERNAL_POLICY]);
	if (tb[SVCVIP_SERVICE_A_EXTERNAL_POLICY])
		cfg->external_policy =
			nla_get_u8(tb[SVCVIP_SERVICE_A_EXTERNAL_POLICY]);

	if (!full) {
		if (tb[SVCVIP_SERVICE_A_FRONTENDS] ||
		    tb[SVCVIP_SERVICE_A_BACKENDS] ||
		    nlmsg_find_attr(nlh, GENL_HDRLEN, SVCVIP_A_BACKENDS)) {
			NL_SET_ERR_MSG(extack,
				       "lists need NEW_SERVICE or REPLACE_SERVICE");
			return -EINVAL;
		}
		return 0;
	}
	if (tb[SVCVIP_SERVICE_A_FRONTENDS]) {
		ret = parse_frontend_list(tb[SVCVIP_SERVICE_A_FRONTENDS], s,
					  extack);
		if (ret)
			goto err;
	}
	ret = svcvip_nl_parse_backend_lists(nlh, tb[SVCVIP_SERVICE_A_BACKENDS],
					    &s->backends, &s->nbackends,
					    extack);
	if (ret)
		goto err;
	s->has_backends = !!s->backends;
	return 0;
err:
	svcvip_nl_svc_spec_free(s);
	return ret;
}

/* ---- config and lookup ----------------------------------------------- */

void svcvip_nl_config_req_free(struct svcvip_config_req *req)
{
	svcvip_cidrs_free(req->cluster_cidrs);
	svcvip_cidrs_free(req->nodeport_cidrs);
	svcvip_cidrs_free(req->local_cidrs);
	svcvip_cidrs_free(req->service_cidrs);
	memset(req, 0, sizeof(*req));
}

int svcvip_nl_parse_config(const struct nlattr *nest,
			   struct svcvip_config_req *req,
			   struct netlink_ext_ack *extack)
{
	struct nlattr *tb[SVCVIP_CONFIG_A_MAX + 1];
	int ret, i;

	memset(req, 0, sizeof(*req));
	if (!nest) {
		NL_SET_ERR_ATTR_MISS(extack, NULL, SVCVIP_A_CONFIG);
		NL_SET_ERR_MSG(extack, "config missing");
		return -EINVAL;
	}
	ret = check_nest_no_dups(nest, extack);
	if (ret)
		return ret;
	ret = nla_parse_nested(tb, SVCVIP_CONFIG_A_MAX, nest, config_policy,
			       extack);
	if (ret)
		return ret;
	for (i = 1; i <= SVCVIP_CONFIG_A_MAX; i++)
		if (tb[i])
			req->present |= BIT(i);

	if (tb[SVCVIP_CONFIG_A_CLUSTER_CIDRS]) {
		ret = parse_cidr_list(tb[SVCVIP_CONFIG_A_CLUSTER_CIDRS],
				      &req->cluster_cidrs, extack);
		if (ret)
			goto err;
	}
	if (tb[SVCVIP_CONFIG_A_NODEPORT_CIDRS]) {
		ret = parse_cidr_list(tb[SVCVIP_CONFIG_A_NODEPORT_CIDRS],
				      &req->nodeport_cidrs, extack);
		if (ret)
			goto err;
	}
	if (tb[SVCVIP_CONFIG_A_LOCAL_CIDRS]) {
		ret = parse_cidr_list(tb[SVCVIP_CONFIG_A_LOCAL_CIDRS],
				      &req->local_cidrs, extack);
		if (ret)
			goto err;
	}
	if (tb[SVCVIP_CONFIG_A_SERVICE_CIDRS]) {
		ret = parse_cidr_list(tb[SVCVIP_CONFIG_A_SERVICE_CIDRS],
				      &req->service_cidrs, extack);
		if (ret)
			goto err;
	}
	if (tb[SVCVIP_CONFIG_A_MASQUERADE_ALL])
		req->masquerade_all =
			nla_get_u8(tb[SVCVIP_CONFIG_A_MASQUERADE_ALL]);
	if (tb[SVCVIP_CONFIG_A_AFFINITY_MAX])
		req->affinity_max = nla_get_u32(tb[SVCVIP_CONFIG_A_AFFINITY_MAX]);
	if (tb[SVCVIP_CONFIG_A_MAX_SERVICES])
		req->max_services = nla_get_u32(tb[SVCVIP_CONFIG_A_MAX_SERVICES]);
	if (tb[SVCVIP_CONFIG_A_MAX_FRONTENDS])
		req->max_frontends =
			nla_get_u32(tb[SVCVIP_CONFIG_A_MAX_FRONTENDS]);
	if (tb[SVCVIP_CONFIG_A_MAX_BACKENDS])
		req->max_backends = nla_get_u32(tb[SVCVIP_CONFIG_A_MAX_BACKENDS]);
	if (tb[SVCVIP_CONFIG_A_PACKET_STATS])
		req->packet_stats = nla_get_u8(tb[SVCVIP_CONFIG_A_PACKET_STATS]);
	if (tb[SVCVIP_CONFIG_A_HASH_SEED])
		nla_memcpy(req->hash_seed, tb[SVCVIP_CONFIG_A_HASH_SEED],
			   sizeof(req->hash_seed));
	if (tb[SVCVIP_CONFIG_A_MAGLEV_TABLE_SIZE]) {
		req->maglev_table_size =
			nla_get_u32(tb[SVCVIP_CONFIG_A_MAGLEV_TABLE_SIZE]);
		if (!svcvip_is_prime(req->maglev_table_size)) {
			NL_SET_ERR_MSG_ATTR(extack,
					    tb[SVCVIP_CONFIG_A_MAGLEV_TABLE_SIZE],
					    "maglev-table-size must be a prime");
			ret = -EINVAL;
			goto err;
		}
	}
	return 0;
err:
	svcvip_nl_config_req_free(req);
	return ret;
}

int svcvip_nl_parse_lookup(const struct nlattr *nest,
			   struct svcvip_lookup_req *req,
			   struct netlink_ext_ack *extack)
{
	struct nlattr *tb[SVCVIP_LOOKUP_A_MAX + 1];
	int ret;

	memset(req, 0, sizeof(*req));
	if (!nest) {
		NL_SET_ERR_ATTR_MISS(extack, NULL, SVCVIP_A_LOOKUP);
		NL_SET_ERR_MSG(extack, "lookup missing");
		return -EINVAL;
	}
	ret = check_nest_no_dups(nest, extack);
	if (ret)
		return ret;
	ret = nla_parse_nested(tb, SVCVIP_LOOKUP_A_MAX, nest, lookup_policy,
			       extack);
	if (ret)
		return ret;
	if (require(tb, SVCVIP_LOOKUP_A_PROTOCOL, nest,
		    "lookup protocol missing", extack) ||
	    require(tb, SVCVIP_LOOKUP_A_FAMILY, nest, "lookup family missing",
		    extack) ||
	    require(tb, SVCVIP_LOOKUP_A_DST_ADDR, nest,
		    "lookup destination address missing", extack) ||
	    require(tb, SVCVIP_LOOKUP_A_DST_PORT, nest,
		    "lookup destination port missing", extack))
		return -EINVAL;
	ret = parse_protocol(tb[SVCVIP_LOOKUP_A_PROTOCOL], &req->protocol,
			     extack);
	if (ret)
		return ret;
	ret = parse_family(tb[SVCVIP_LOOKUP_A_FAMILY], &req->family, extack);
	if (ret)
		return ret;
	ret = parse_addr(tb[SVCVIP_LOOKUP_A_DST_ADDR], req->family,
			 &req->daddr, extack);
	if (ret)
		return ret;
	req->dport = htons(nla_get_u16(tb[SVCVIP_LOOKUP_A_DST_PORT]));
	if (tb[SVCVIP_LOOKUP_A_SRC_ADDR]) {
		ret = parse_addr(tb[SVCVIP_LOOKUP_A_SRC_ADDR], req->family,
				 &req->saddr, extack);
		if (ret)
			return ret;
		req->has_src = true;
	}
	if (tb[SVCVIP_LOOKUP_A_SRC_PORT])
		req->sport = htons(nla_get_u16(tb[SVCVIP_LOOKUP_A_SRC_PORT]));
	return 0;
}
