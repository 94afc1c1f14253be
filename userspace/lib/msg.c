// SPDX-License-Identifier: GPL-2.0
/* msg.c: builders and parsers for svcvip generic netlink messages. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "msg.h"

/* ---------------------------------------------------------------- build */

struct nlmsghdr *svc_msg_start(void *buf, size_t buflen, uint16_t family,
			       uint8_t cmd, uint16_t flags, uint32_t seq)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;

	if (buflen < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*g)))
		return NULL;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = SVCVIP_GENL_VERSION;
	return nlh;
}

uint8_t svc_msg_cmd(const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(*g))
		return 0;
	return g->cmd;
}

uint16_t svc_msg_list_type(size_t i)
{
	return (uint16_t)(i & NLA_TYPE_MASK);
}

/* The limit for everything inside a nest that starts at offset 'at'. */
static size_t nest_limit(size_t buflen, size_t at)
{
	size_t lim = at + SVC_NEST_MAX;

	return lim < buflen ? lim : buflen;
}

static int put_cidr(struct nlmsghdr *nlh, size_t buflen, uint16_t type,
		    const struct svc_cidr *c)
{
	size_t len = svc_addr_len(c->family);
	struct nlattr *n;

	n = mnl_attr_nest_start_check(nlh, buflen, type);
	if (!n)
		return -EMSGSIZE;
	if (!mnl_attr_put_u16_check(nlh, buflen, SVCVIP_CIDR_A_FAMILY, c->family) ||
	    !mnl_attr_put_check(nlh, buflen, SVCVIP_CIDR_A_ADDR, len, c->addr.b) ||
	    !mnl_attr_put_u8_check(nlh, buflen, SVCVIP_CIDR_A_PREFIXLEN, c->prefixlen)) {
		mnl_attr_nest_cancel(nlh, n);
		return -EMSGSIZE;
	}
	mnl_attr_nest_end(nlh, n);
	return 0;
}

static int put_cidrs(struct nlmsghdr *nlh, size_t buflen, uint16_t type,
		     const struct svc_cidrs *l)
{
	struct nlattr *n = mnl_attr_nest_start_check(nlh, buflen, type);
	size_t lim;

	if (!n)
		return -EMSGSIZE;
	lim = nest_limit(buflen, (size_t)((char *)n - (char *)nlh));
	for (size_t i = 0; i < l->n; i++) {
		if (put_cidr(nlh, lim, svc_msg_list_type(i), &l->v[i])) {
			mnl_attr_nest_cancel(nlh, n);
			return -EMSGSIZE;
		}
	}
	mnl_attr_nest_end(nlh, n);
	return 0;
}

/* Puts the fields of obj whose has bits are set; -EMSGSIZE when one does not fit. */
static int put_fields(struct nlmsghdr *nlh, size_t lim, const void *obj, uint32_t has,
		      const struct svc_field *f, size_t n)
{
	for (; n; f++, n--) {
		const void *p = (const char *)obj + f->off;
		bool ok = true;

		if (!(has & f->bit))
			continue;
		if (f->kind == SVC_FK_U8)
			ok = mnl_attr_put_u8_check(nlh, lim, f->attr, *(const uint8_t *)p);
		else if (f->kind == SVC_FK_U32)
			ok = mnl_attr_put_u32_check(nlh, lim, f->attr, *(const uint32_t *)p);
		else if (f->kind == SVC_FK_SEED)
			ok = mnl_attr_put_check(nlh, lim, f->attr, SVC_HASH_SEED_LEN, p);
		else
			ok = !put_cidrs(nlh, lim, f->attr, p);
		if (!ok)
			return -EMSGSIZE;
	}
	return 0;
}

int svc_msg_put_frontend(struct nlmsghdr *nlh, size_t buflen, uint16_t type,
			 const struct svc_frontend *fe, bool with_ranges)
{
	struct nlattr *n = mnl_attr_nest_start_check(nlh, buflen, type);
	size_t lim;

	if (!n)
		return -EMSGSIZE;
	lim = nest_limit(buflen, (size_t)((char *)n - (char *)nlh));
	if (!mnl_attr_put_u8_check(nlh, lim, SVCVIP_FRONTEND_A_KIND, fe->kind))
		goto fail;
	if (fe->family != AF_UNSPEC &&
	    !mnl_attr_put_u16_check(nlh, lim, SVCVIP_FRONTEND_A_FAMILY, fe->family))
		goto fail;
	if (fe->kind != SVCVIP_FRONTEND_NODEPORT && svc_addr_len(fe->family) &&
	    !mnl_attr_put_check(nlh, lim, SVCVIP_FRONTEND_A_ADDR,
				svc_addr_len(fe->family), fe->addr.b))
		goto fail;
	if (!mnl_attr_put_u16_check(nlh, lim, SVCVIP_FRONTEND_A_PORT, fe->port))
		goto fail;
	if (with_ranges && fe->source_ranges.n &&
	    put_cidrs(nlh, lim, SVCVIP_FRONTEND_A_SOURCE_RANGES, &fe->source_ranges))
		goto fail;
	mnl_attr_nest_end(nlh, n);
	return 0;
fail:
	mnl_attr_nest_cancel(nlh, n);
	return -EMSGSIZE;
}

int svc_msg_put_backend(struct nlmsghdr *nlh, size_t buflen, uint16_t type,
			const struct svc_backend *be)
{
	struct nlattr *n = mnl_attr_nest_start_check(nlh, buflen, type);

	if (!n)
		return -EMSGSIZE;
	if (!mnl_attr_put_u16_check(nlh, buflen, SVCVIP_BACKEND_A_FAMILY, be->family) ||
	    !mnl_attr_put_check(nlh, buflen, SVCVIP_BACKEND_A_ADDR,
				svc_addr_len(be->family), be->addr.b) ||
	    !mnl_attr_put_u16_check(nlh, buflen, SVCVIP_BACKEND_A_PORT, be->port))
		goto fail;
	if ((be->has & SVC_BE_HAS_WEIGHT) &&
	    !mnl_attr_put_u32_check(nlh, buflen, SVCVIP_BACKEND_A_WEIGHT, be->weight))
		goto fail;
	if ((be->has & SVC_BE_HAS_FLAGS) &&
	    !mnl_attr_put_u32_check(nlh, buflen, SVCVIP_BACKEND_A_FLAGS, be->flags))
		goto fail;
	mnl_attr_nest_end(nlh, n);
	return 0;
fail:
	mnl_attr_nest_cancel(nlh, n);
	return -EMSGSIZE;
}

int svc_msg_put_backend_lists(struct nlmsghdr *nlh, size_t buflen,
			      const struct svc_backend *v, size_t n, size_t *next)
{
	size_t i = *next;

	while (i < n) {
		struct nlattr *l = mnl_attr_nest_start_check(nlh, buflen, SVCVIP_A_BACKENDS);
		size_t lim, first = i;

		if (!l)
			break;
		lim = nest_limit(buflen, (size_t)((char *)l - (char *)nlh));
		for (; i < n; i++)
			if (svc_msg_put_backend(nlh, lim, svc_msg_list_type(i - first), &v[i]))
				break;
		if (i == first) {		/* not even one entry: no empty part */
			mnl_attr_nest_cancel(nlh, l);
			break;
		}
		mnl_attr_nest_end(nlh, l);
	}
	*next = i;
	return i < n ? 1 : 0;
}

int svc_msg_put_service(struct nlmsghdr *nlh, size_t buflen,
			const struct svc_service *s, unsigned what,
			struct svc_put_cursor *resume)
{
	uint32_t orig = nlh->nlmsg_len;
	struct nlattr *n, *l;
	bool partial = false;
	size_t lim, i;

	n = mnl_attr_nest_start_check(nlh, buflen, SVCVIP_A_SERVICE);
	if (!n)
		return -EMSGSIZE;
	lim = nest_limit(buflen, (size_t)((char *)n - (char *)nlh));
	if (!mnl_attr_put_strz_check(nlh, lim, SVCVIP_SERVICE_A_NAME, s->name))
		goto fail;
	if ((what & SVC_PUT_SETTINGS) &&
	    put_fields(nlh, lim, s, s->has, svc_service_fields, SVC_SERVICE_NFIELDS))
		goto fail;
	if (what & SVC_PUT_FRONTENDS) {
		l = mnl_attr_nest_start_check(nlh, lim, SVCVIP_SERVICE_A_FRONTENDS);
		if (!l)
			goto fail;
		for (i = resume ? resume->frontend : 0; i < s->nfrontends; i++) {
			if (svc_msg_put_frontend(nlh, lim, svc_msg_list_type(i),
						 &s->frontends[i], true)) {
				if (!resume)
					goto fail;
				partial = true;
				break;
			}
		}
		if (resume)
			resume->frontend = i;
		mnl_attr_nest_end(nlh, l);
	}
	if (what & SVC_PUT_BACKENDS) {
		l = mnl_attr_nest_start_check(nlh, lim, SVCVIP_SERVICE_A_BACKENDS);
		if (!l)
			goto fail;
		i = resume ? resume->backend : 0;
		for (; !partial && i < s->nbackends; i++) {
			if (svc_msg_put_backend(nlh, lim, svc_msg_list_type(i),
						&s->backends[i])) {
				if (!resume)
					goto fail;
				partial = true;
				break;
			}
		}
		if (resume)
			resume->backend = i;
		mnl_attr_nest_end(nlh, l);
	}
	mnl_attr_nest_end(nlh, n);
	if (resume && (((what & SVC_PUT_FRONTENDS) && resume->frontend < s->nfrontends) ||
		       ((what & SVC_PUT_BACKENDS) && resume->backend < s->nbackends)))
		partial = true;
	return partial ? 1 : 0;
fail:
	nlh->nlmsg_len = orig;
	return -EMSGSIZE;
}

int svc_msg_put_config(struct nlmsghdr *nlh, size_t buflen, const struct svc_config *c)
{
	uint32_t orig = nlh->nlmsg_len;
	struct nlattr *n = mnl_attr_nest_start_check(nlh, buflen, SVCVIP_A_CONFIG);
	size_t lim;

	if (!n)
		return -EMSGSIZE;
	lim = nest_limit(buflen, (size_t)((char *)n - (char *)nlh));
	if (put_fields(nlh, lim, c, c->has, svc_config_fields, SVC_CONFIG_NFIELDS))
		goto fail;
	mnl_attr_nest_end(nlh, n);
	return 0;
fail:
	nlh->nlmsg_len = orig;
	return -EMSGSIZE;
}

int svc_msg_put_lookup(struct nlmsghdr *nlh, size_t buflen, const struct svc_lookup *l)
{
	uint32_t orig = nlh->nlmsg_len;
	struct nlattr *n = mnl_attr_nest_start_check(nlh, buflen, SVCVIP_A_LOOKUP);
	size_t alen = svc_addr_len(l->family);

	if (!n)
		return -EMSGSIZE;
	if (!mnl_attr_put_u8_check(nlh, buflen, SVCVIP_LOOKUP_A_PROTOCOL, l->protocol) ||
	    !mnl_attr_put_u16_check(nlh, buflen, SVCVIP_LOOKUP_A_FAMILY, l->family) ||
	    !mnl_attr_put_check(nlh, buflen, SVCVIP_LOOKUP_A_DST_ADDR, alen, l->dst.b) ||
	    !mnl_attr_put_u16_check(nlh, buflen, SVCVIP_LOOKUP_A_DST_PORT, l->dport))
		goto fail;
	if (l->has_src &&
	    !mnl_attr_put_check(nlh, buflen, SVCVIP_LOOKUP_A_SRC_ADDR, alen, l->src.b))
		goto fail;
	if (l->has_sport &&
	    !mnl_attr_put_u16_check(nlh, buflen, SVCVIP_LOOKUP_A_SRC_PORT, l->sport))
		goto fail;
	mnl_attr_nest_end(nlh, n);
	return 0;
fail:
	nlh->nlmsg_len = orig;
	return -EMSGSIZE;
}

/* ---------------------------------------------------------------- parse */

struct tb_ctx {
	const struct nlattr **tb;
	const enum mnl_attr_data_type *types;	/* MNL_TYPE_UNSPEC: any */
	unsigned max;
	bool bad;
};

static int tb_cb(const struct nlattr *attr, void *data)
{
	struct tb_ctx *c = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type > c->max)
		return MNL_CB_OK;		/* newer kernel: ignore */
	if (c->types[type] != MNL_TYPE_UNSPEC &&
	    mnl_attr_validate(attr, c->types[type]) < 0) {
		c->bad = true;
		return MNL_CB_ERROR;
	}
	c->tb[type] = attr;
	return MNL_CB_OK;
}

static int parse_nest(const struct nlattr *nest, const enum mnl_attr_data_type *types,
		      unsigned max, const struct nlattr **tb)
{
	struct tb_ctx c = { tb, types, max, false };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	if (mnl_attr_get_payload_len(nest) == 0)
		return 0;
	if (mnl_attr_parse_nested(nest, tb_cb, &c) < 0 || c.bad)
		return -EINVAL;
	return 0;
}

static int parse_top(const struct nlmsghdr *nlh, const struct nlattr **tb)
{
	static const enum mnl_attr_data_type types[SVCVIP_A_MAX + 1] = {
		[SVCVIP_A_INFO] = MNL_TYPE_NESTED,
		[SVCVIP_A_SERVICE] = MNL_TYPE_NESTED,
		[SVCVIP_A_FRONTEND] = MNL_TYPE_NESTED,
		[SVCVIP_A_BACKEND] = MNL_TYPE_NESTED,
		[SVCVIP_A_CONFIG] = MNL_TYPE_NESTED,
		[SVCVIP_A_LOOKUP] = MNL_TYPE_NESTED,
	};
	struct tb_ctx c = { tb, types, SVCVIP_A_MAX, false };

	memset(tb, 0, (SVCVIP_A_MAX + 1) * sizeof(*tb));
	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr)))
		return -EINVAL;
	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), tb_cb, &c) < 0 || c.bad)
		return -EINVAL;
	return 0;
}

/*
 * Takes the fields of tb that are there, setting their has bits. A list
 * present replaces the old one (even when it fails to parse: the caller
 * frees). A bad list or seed does not stop the others; the first error is
 * returned.
 */
static int get_fields(const struct nlattr **tb, void *obj, uint32_t *has,
		      const struct svc_field *f, size_t n)
{
	int err = 0;

	for (; n; f++, n--) {
		const struct nlattr *a = tb[f->attr];
		void *p = (char *)obj + f->off;

		if (!a)
			continue;
		if (f->kind == SVC_FK_U8) {
			*(uint8_t *)p = mnl_attr_get_u8(a);
		} else if (f->kind == SVC_FK_U32) {
			*(uint32_t *)p = mnl_attr_get_u32(a);
		} else if (f->kind == SVC_FK_SEED) {
			if (mnl_attr_get_payload_len(a) != SVC_HASH_SEED_LEN) {
				err = err ? err : -EINVAL;
				continue;
			}
			memcpy(p, mnl_attr_get_payload(a), SVC_HASH_SEED_LEN);
		} else {
			svc_cidrs_free(p);
			err = err ? err : svc_msg_parse_cidrs(a, p);
		}
		*has |= f->bit;
	}
	return err;
}

static int get_addr(const struct nlattr *a, uint16_t family, union svc_inaddr *out)
{
	size_t len = svc_addr_len(family);

	memset(out, 0, sizeof(*out));
	if (!len || mnl_attr_get_payload_len(a) != len)
		return -EINVAL;
	memcpy(out->b, mnl_attr_get_payload(a), len);
	return 0;
}

static int parse_cidr(const struct nlattr *nest, struct svc_cidr *c)
{
	static const enum mnl_attr_data_type types[SVCVIP_CIDR_A_MAX + 1] = {
		[SVCVIP_CIDR_A_FAMILY] = MNL_TYPE_U16,
		[SVCVIP_CIDR_A_PREFIXLEN] = MNL_TYPE_U8,
		[SVCVIP_CIDR_A_ADDR] = MNL_TYPE_BINARY,
	};
	const struct nlattr *tb[SVCVIP_CIDR_A_MAX + 1];

	memset(c, 0, sizeof(*c));
	if (parse_nest(nest, types, SVCVIP_CIDR_A_MAX, tb))
		return -EINVAL;
	if (!tb[SVCVIP_CIDR_A_FAMILY] || !tb[SVCVIP_CIDR_A_ADDR] ||
	    !tb[SVCVIP_CIDR_A_PREFIXLEN])
		return -EINVAL;
	c->family = mnl_attr_get_u16(tb[SVCVIP_CIDR_A_FAMILY]);
	c->prefixlen = mnl_attr_get_u8(tb[SVCVIP_CIDR_A_PREFIXLEN]);
	if (get_addr(tb[SVCVIP_CIDR_A_ADDR], c->family, &c->addr))
		return -EINVAL;
	if (c->prefixlen > svc_addr_len(c->family) * 8)
		return -EINVAL;
	return 0;
}

int svc_msg_parse_cidrs(const struct nlattr *nest, struct svc_cidrs *l)
{
	const struct nlattr *pos;

	mnl_attr_for_each_nested(pos, nest) {
		struct svc_cidr c;

		if (parse_cidr(pos, &c))
			return -EINVAL;
		if (svc_cidrs_add(l, &c))
			return -ENOMEM;
	}
	return 0;
}

int svc_msg_parse_stats(const struct nlattr *nest, struct svc_stats *st)
{
	static const enum mnl_attr_data_type types[SVCVIP_STATS_A_MAX + 1] = {
		[SVCVIP_STATS_A_CONNS] = MNL_TYPE_U64,
		[SVCVIP_STATS_A_PKTS_IN] = MNL_TYPE_U64,
		[SVCVIP_STATS_A_PKTS_OUT] = MNL_TYPE_U64,
		[SVCVIP_STATS_A_BYTES_IN] = MNL_TYPE_U64,
		[SVCVIP_STATS_A_BYTES_OUT] = MNL_TYPE_U64,
		[SVCVIP_STATS_A_ACTIVE_CONNS] = MNL_TYPE_U64,
		[SVCVIP_STATS_A_INACTIVE_CONNS] = MNL_TYPE_U64,
	};
	const struct nlattr *tb[SVCVIP_STATS_A_MAX + 1];

	memset(st, 0, sizeof(*st));
	if (parse_nest(nest, types, SVCVIP_STATS_A_MAX, tb))
		return -EINVAL;
#define GET64(f, a) if (tb[a]) st->f = mnl_attr_get_u64(tb[a])
	GET64(conns, SVCVIP_STATS_A_CONNS);
	GET64(pkts_in, SVCVIP_STATS_A_PKTS_IN);
	GET64(pkts_out, SVCVIP_STATS_A_PKTS_OUT);
	GET64(bytes_in, SVCVIP_STATS_A_BYTES_IN);
	GET64(bytes_out, SVCVIP_STATS_A_BYTES_OUT);
	GET64(active_conns, SVCVIP_STATS_A_ACTIVE_CONNS);
	GET64(inactive_conns, SVCVIP_STATS_A_INACTIVE_CONNS);
#undef GET64
	return 0;
}

int svc_msg_parse_frontend(const struct nlattr *nest, struct svc_frontend *fe)
{
	static const enum mnl_attr_data_type types[SVCVIP_FRONTEND_A_MAX + 1] = {
		[SVCVIP_FRONTEND_A_KIND] = MNL_TYPE_U8,
		[SVCVIP_FRONTEND_A_FAMILY] = MNL_TYPE_U16,
		[SVCVIP_FRONTEND_A_ADDR] = MNL_TYPE_BINARY,
		[SVCVIP_FRONTEND_A_PORT] = MNL_TYPE_U16,
		[SVCVIP_FRONTEND_A_SOURCE_RANGES] = MNL_TYPE_NESTED,
	};
	const struct nlattr *tb[SVCVIP_FRONTEND_A_MAX + 1];
	int err;

	memset(fe, 0, sizeof(*fe));
	if (parse_nest(nest, types, SVCVIP_FRONTEND_A_MAX, tb))
		return -EINVAL;
	if (!tb[SVCVIP_FRONTEND_A_KIND] || !tb[SVCVIP_FRONTEND_A_PORT])
		return -EINVAL;
	fe->kind = mnl_attr_get_u8(tb[SVCVIP_FRONTEND_A_KIND]);
	fe->port = mnl_attr_get_u16(tb[SVCVIP_FRONTEND_A_PORT]);
	if (tb[SVCVIP_FRONTEND_A_FAMILY])
		fe->family = mnl_attr_get_u16(tb[SVCVIP_FRONTEND_A_FAMILY]);
	if (fe->kind != SVCVIP_FRONTEND_NODEPORT) {
		if (!tb[SVCVIP_FRONTEND_A_ADDR] ||
		    get_addr(tb[SVCVIP_FRONTEND_A_ADDR], fe->family, &fe->addr))
			return -EINVAL;
	} else if (fe->family != AF_UNSPEC && !svc_addr_len(fe->family)) {
		return -EINVAL;
	}
	if (tb[SVCVIP_FRONTEND_A_SOURCE_RANGES]) {
		err = svc_msg_parse_cidrs(tb[SVCVIP_FRONTEND_A_SOURCE_RANGES],
					  &fe->source_ranges);
		if (err) {
			svc_frontend_free(fe);
			return err;
		}
	}
	return 0;
}

int svc_msg_parse_backend(const struct nlattr *nest, struct svc_backend *be)
{
	static const enum mnl_attr_data_type types[SVCVIP_BACKEND_A_MAX + 1] = {
		[SVCVIP_BACKEND_A_FAMILY] = MNL_TYPE_U16,
		[SVCVIP_BACKEND_A_ADDR] = MNL_TYPE_BINARY,
		[SVCVIP_BACKEND_A_PORT] = MNL_TYPE_U16,
		[SVCVIP_BACKEND_A_WEIGHT] = MNL_TYPE_U32,
		[SVCVIP_BACKEND_A_FLAGS] = MNL_TYPE_U32,
		[SVCVIP_BACKEND_A_STATS] = MNL_TYPE_NESTED,
	};
	const struct nlattr *tb[SVCVIP_BACKEND_A_MAX + 1];

	memset(be, 0, sizeof(*be));
	if (parse_nest(nest, types, SVCVIP_BACKEND_A_MAX, tb))
		return -EINVAL;
	if (!tb[SVCVIP_BACKEND_A_FAMILY] || !tb[SVCVIP_BACKEND_A_ADDR] ||
	    !tb[SVCVIP_BACKEND_A_PORT])
		return -EINVAL;
	be->family = mnl_attr_get_u16(tb[SVCVIP_BACKEND_A_FAMILY]);
	if (get_addr(tb[SVCVIP_BACKEND_A_ADDR], be->family, &be->addr))
		return -EINVAL;
	be->port = mnl_attr_get_u16(tb[SVCVIP_BACKEND_A_PORT]);
	if (tb[SVCVIP_BACKEND_A_WEIGHT]) {
		be->weight = mnl_attr_get_u32(tb[SVCVIP_BACKEND_A_WEIGHT]);
		be->has |= SVC_BE_HAS_WEIGHT;
	}
	if (tb[SVCVIP_BACKEND_A_FLAGS]) {
		be->flags = mnl_attr_get_u32(tb[SVCVIP_BACKEND_A_FLAGS]);
		be->has |= SVC_BE_HAS_FLAGS;
	}
	if (tb[SVCVIP_BACKEND_A_STATS]) {
		if (svc_msg_parse_stats(tb[SVCVIP_BACKEND_A_STATS], &be->stats))
			return -EINVAL;
		be->has |= SVC_BE_HAS_STATS;
	}
	return 0;
}

int svc_msg_parse_service(const struct nlattr *nest, struct svc_service *s)
{
	static const enum mnl_attr_data_type types[SVCVIP_SERVICE_A_MAX + 1] = {
		[SVCVIP_SERVICE_A_NAME] = MNL_TYPE_NUL_STRING,
		[SVCVIP_SERVICE_A_PROTOCOL] = MNL_TYPE_U8,
		[SVCVIP_SERVICE_A_SCHEDULER] = MNL_TYPE_U8,
		[SVCVIP_SERVICE_A_AFFINITY] = MNL_TYPE_U8,
		[SVCVIP_SERVICE_A_AFFINITY_TIMEOUT] = MNL_TYPE_U32,
		[SVCVIP_SERVICE_A_INTERNAL_POLICY] = MNL_TYPE_U8,
		[SVCVIP_SERVICE_A_EXTERNAL_POLICY] = MNL_TYPE_U8,
		[SVCVIP_SERVICE_A_FRONTENDS] = MNL_TYPE_NESTED,
		[SVCVIP_SERVICE_A_BACKENDS] = MNL_TYPE_NESTED,
		[SVCVIP_SERVICE_A_STATS] = MNL_TYPE_NESTED,
	};
	const struct nlattr *tb[SVCVIP_SERVICE_A_MAX + 1];
	const struct nlattr *pos;
	const char *name;
	int err;

	if (parse_nest(nest, types, SVCVIP_SERVICE_A_MAX, tb))
		return -EINVAL;
	if (!tb[SVCVIP_SERVICE_A_NAME])
		return -EINVAL;
	name = mnl_attr_get_str(tb[SVCVIP_SERVICE_A_NAME]);
	if (strlen(name) >= sizeof(s->name))
		return -EINVAL;
	strcpy(s->name, name);
	err = get_fields(tb, s, &s->has, svc_service_fields, SVC_SERVICE_NFIELDS);
	if (err)
		return err;
	if (tb[SVCVIP_SERVICE_A_STATS]) {
		if (svc_msg_parse_stats(tb[SVCVIP_SERVICE_A_STATS], &s->stats))
			return -EINVAL;
		s->has |= SVC_SVC_HAS_STATS;
	}
	if (tb[SVCVIP_SERVICE_A_FRONTENDS]) {
		s->has |= SVC_SVC_HAS_FRONTENDS;
		mnl_attr_for_each_nested(pos, tb[SVCVIP_SERVICE_A_FRONTENDS]) {
			struct svc_frontend fe;

			err = svc_msg_parse_frontend(pos, &fe);
			if (err)
				return err;
			err = svc_service_add_frontend(s, &fe);
			svc_frontend_free(&fe);
			if (err)
				return err;
		}
	}
	if (tb[SVCVIP_SERVICE_A_BACKENDS]) {
		s->has |= SVC_SVC_HAS_BACKENDS;
		mnl_attr_for_each_nested(pos, tb[SVCVIP_SERVICE_A_BACKENDS]) {
			struct svc_backend be;

			err = svc_msg_parse_backend(pos, &be);
			if (err)
				return err;
			err = svc_service_add_backend(s, &be);
			if (err)
				return err;
		}
	}
	return 0;
}

int svc_msg_parse_config(const struct nlattr *nest, struct svc_config *c)
{
	static const enum mnl_attr_data_type types[SVCVIP_CONFIG_A_MAX + 1] = {
		[SVCVIP_CONFIG_A_CLUSTER_CIDRS] = MNL_TYPE_NESTED,
		[SVCVIP_CONFIG_A_MASQUERADE_ALL] = MNL_TYPE_U8,
		[SVCVIP_CONFIG_A_NODEPORT_CIDRS] = MNL_TYPE_NESTED,
		[SVCVIP_CONFIG_A_LOCAL_CIDRS] = MNL_TYPE_NESTED,
		[SVCVIP_CONFIG_A_AFFINITY_MAX] = MNL_TYPE_U32,
		[SVCVIP_CONFIG_A_MAX_SERVICES] = MNL_TYPE_U32,
		[SVCVIP_CONFIG_A_MAX_FRONTENDS] = MNL_TYPE_U32,
		[SVCVIP_CONFIG_A_MAX_BACKENDS] = MNL_TYPE_U32,
		[SVCVIP_CONFIG_A_SERVICE_CIDRS] = MNL_TYPE_NESTED,
		[SVCVIP_CONFIG_A_PACKET_STATS] = MNL_TYPE_U8,
		[SVCVIP_CONFIG_A_HASH_SEED] = MNL_TYPE_BINARY,
		[SVCVIP_CONFIG_A_MAGLEV_TABLE_SIZE] = MNL_TYPE_U32,
	};
	const struct nlattr *tb[SVCVIP_CONFIG_A_MAX + 1];

	if (parse_nest(nest, types, SVCVIP_CONFIG_A_MAX, tb))
		return -EINVAL;
	return get_fields(tb, c, &c->has, svc_config_fields, SVC_CONFIG_NFIELDS);
}

int svc_msg_parse_info(const struct nlattr *nest, struct svc_info *info)
{
	static const enum mnl_attr_data_type types[SVCVIP_INFO_A_MAX + 1] = {
		[SVCVIP_INFO_A_VERSION] = MNL_TYPE_NUL_STRING,
		[SVCVIP_INFO_A_ABI_VERSION] = MNL_TYPE_U32,
		[SVCVIP_INFO_A_SERVICES] = MNL_TYPE_U32,
		[SVCVIP_INFO_A_FRONTENDS] = MNL_TYPE_U32,
		[SVCVIP_INFO_A_BACKENDS] = MNL_TYPE_U32,
		[SVCVIP_INFO_A_GENERATION] = MNL_TYPE_U64,
		[SVCVIP_INFO_A_REBUILDING] = MNL_TYPE_U32,
	};
	const struct nlattr *tb[SVCVIP_INFO_A_MAX + 1];

	memset(info, 0, sizeof(*info));
	if (parse_nest(nest, types, SVCVIP_INFO_A_MAX, tb))
		return -EINVAL;
	if (tb[SVCVIP_INFO_A_VERSION])
		snprintf(info->version, sizeof(info->version), "%s",
			 mnl_attr_get_str(tb[SVCVIP_INFO_A_VERSION]));
	if (tb[SVCVIP_INFO_A_ABI_VERSION])
		info->abi_version = mnl_attr_get_u32(tb[SVCVIP_INFO_A_ABI_VERSION]);
	if (tb[SVCVIP_INFO_A_SERVICES])
		info->services = mnl_attr_get_u32(tb[SVCVIP_INFO_A_SERVICES]);
	if (tb[SVCVIP_INFO_A_FRONTENDS])
		info->frontends = mnl_attr_get_u32(tb[SVCVIP_INFO_A_FRONTENDS]);
	if (tb[SVCVIP_INFO_A_BACKENDS])
		info->backends = mnl_attr_get_u32(tb[SVCVIP_INFO_A_BACKENDS]);
	if (tb[SVCVIP_INFO_A_GENERATION]) {
		info->generation = mnl_attr_get_u64(tb[SVCVIP_INFO_A_GENERATION]);
		info->has_generation = true;
	}
	if (tb[SVCVIP_INFO_A_REBUILDING]) {
		info->rebuilding = mnl_attr_get_u32(tb[SVCVIP_INFO_A_REBUILDING]);
		info->has_rebuilding = true;
	}
	return 0;
}

void svc_lookup_free(struct svc_lookup *l)
{
	svc_frontend_free(&l->frontend);
}

/*
 * The lookup reply: SVCVIP_A_LOOKUP (VERDICT, REASON, MASQUERADE) and the
 * top-level SVCVIP_A_SERVICE / _FRONTEND / _BACKEND nests (their attribute
 * numbers are top-level ones; inside SVCVIP_A_LOOKUP they would collide with
 * SVCVIP_LOOKUP_A_*).
 */
int svc_msg_parse_lookup_reply(const struct nlmsghdr *nlh, struct svc_lookup *l)
{
	static const enum mnl_attr_data_type types[SVCVIP_LOOKUP_A_MAX + 1] = {
		[SVCVIP_LOOKUP_A_VERDICT] = MNL_TYPE_U8,
		[SVCVIP_LOOKUP_A_REASON] = MNL_TYPE_U8,
		[SVCVIP_LOOKUP_A_MASQUERADE] = MNL_TYPE_U8,
	};
	const struct nlattr *top[SVCVIP_A_MAX + 1];
	const struct nlattr *tb[SVCVIP_LOOKUP_A_MAX + 1];

	if (parse_top(nlh, top) || !top[SVCVIP_A_LOOKUP])
		return -EINVAL;
	if (parse_nest(top[SVCVIP_A_LOOKUP], types, SVCVIP_LOOKUP_A_MAX, tb))
		return -EINVAL;
	if (!tb[SVCVIP_LOOKUP_A_VERDICT])
		return -EINVAL;
	l->verdict = mnl_attr_get_u8(tb[SVCVIP_LOOKUP_A_VERDICT]);
	l->reason = tb[SVCVIP_LOOKUP_A_REASON] ?
		mnl_attr_get_u8(tb[SVCVIP_LOOKUP_A_REASON]) : 0;
	l->masquerade = tb[SVCVIP_LOOKUP_A_MASQUERADE] ?
		mnl_attr_get_u8(tb[SVCVIP_LOOKUP_A_MASQUERADE]) : 0;
	if (top[SVCVIP_A_SERVICE]) {
		struct svc_service s;

		memset(&s, 0, sizeof(s));
		if (svc_msg_parse_service(top[SVCVIP_A_SERVICE], &s)) {
			svc_service_free(&s);
			return -EINVAL;
		}
		memcpy(l->service, s.name, sizeof(l->service));
		l->has_service = true;
		svc_service_free(&s);
	}
	if (top[SVCVIP_A_FRONTEND]) {
		svc_frontend_free(&l->frontend);
		if (svc_msg_parse_frontend(top[SVCVIP_A_FRONTEND], &l->frontend))
			return -EINVAL;
		l->has_frontend = true;
	}
	if (top[SVCVIP_A_BACKEND]) {
		if (svc_msg_parse_backend(top[SVCVIP_A_BACKEND], &l->backend))
			return -EINVAL;
		l->has_backend = true;
	}
	return 0;
}

static int merge_service(struct svc_service *dst, struct svc_service *src)
{
	for (size_t i = 0; i < src->nfrontends; i++)
		if (svc_service_add_frontend(dst, &src->frontends[i]))
			return -ENOMEM;
	for (size_t i = 0; i < src->nbackends; i++)
		if (svc_service_add_backend(dst, &src->backends[i]))
			return -ENOMEM;
	/* settings in a continuation (there should be none) fill gaps */
	svc_fields_copy(dst, src, src->has & ~dst->has, svc_service_fields, SVC_SERVICE_NFIELDS);
	if (!(dst->has & SVC_SVC_HAS_STATS) && (src->has & SVC_SVC_HAS_STATS))
		dst->stats = src->stats;
	dst->has |= src->has;
	return 0;
}

int svc_table_add_msg(struct svc_table *t, const struct nlmsghdr *nlh)
{
	const struct nlattr *top[SVCVIP_A_MAX + 1];
	struct svc_service s, *prev = NULL;
	int err;

	if (parse_top(nlh, top))
		return -EINVAL;
	if (!top[SVCVIP_A_SERVICE])
		return -EINVAL;
	memset(&s, 0, sizeof(s));
	err = svc_msg_parse_service(top[SVCVIP_A_SERVICE], &s);
	if (err)
		goto out;
	if (t->n && !strcmp(t->v[t->n - 1].name, s.name))
		prev = &t->v[t->n - 1];		/* the usual continuation */
	else
		prev = svc_table_find(t, s.name);
	if (prev)
		err = merge_service(prev, &s);
	else
		err = svc_table_insert(t, &s);
out:
	svc_service_free(&s);
	return err;
}

void svc_event_free(struct svc_event *ev)
{
	svc_service_free(&ev->service);
	svc_frontend_free(&ev->frontend);
	svc_config_free(&ev->config);
	memset(ev, 0, sizeof(*ev));
}

int svc_msg_parse_event(const struct nlmsghdr *nlh, struct svc_event *ev)
{
	const struct nlattr *top[SVCVIP_A_MAX + 1];

	memset(ev, 0, sizeof(*ev));
	if (parse_top(nlh, top))
		return -EINVAL;
	ev->cmd = svc_msg_cmd(nlh);
	ev->replace = ev->cmd == SVCVIP_CMD_REPLACE_SERVICE;
	if (top[SVCVIP_A_SERVICE]) {
		if (svc_msg_parse_service(top[SVCVIP_A_SERVICE], &ev->service))
			goto bad;
		ev->has_service = true;
	}
	if (top[SVCVIP_A_FRONTEND]) {
		if (svc_msg_parse_frontend(top[SVCVIP_A_FRONTEND], &ev->frontend))
			goto bad;
		ev->has_frontend = true;
	}
	if (top[SVCVIP_A_BACKEND]) {
		if (svc_msg_parse_backend(top[SVCVIP_A_BACKEND], &ev->backend))
			goto bad;
		ev->has_backend = true;
	}
	if (top[SVCVIP_A_CONFIG]) {
		if (svc_msg_parse_config(top[SVCVIP_A_CONFIG], &ev->config))
			goto bad;
		ev->has_config = true;
	}
	return 0;
bad:
	svc_event_free(ev);
	return -EINVAL;
}

int svc_msg_parse_top(const struct nlmsghdr *nlh, const struct nlattr **tb)
{
	return parse_top(nlh, tb);
}

/* ---------------------------------------------------- error locations */

/* Where the lists of a request are: a nest's attributes by type. */
struct anode {
	const struct anode *kids;	/* nest */
	unsigned nkids;
	enum svc_list list;		/* a list: which one */
};

#define NEST(a)	{ a, sizeof(a) / sizeof(a[0]), SVC_LIST_NONE }
#define LIST(l)	{ NULL, 0, l }

static const struct anode fe_kids[] = {
	[SVCVIP_FRONTEND_A_SOURCE_RANGES] = LIST(SVC_LIST_SOURCE_RANGES),
};
static const struct anode svc_kids[] = {
	[SVCVIP_SERVICE_A_FRONTENDS] = LIST(SVC_LIST_FRONTENDS),
	[SVCVIP_SERVICE_A_BACKENDS] = LIST(SVC_LIST_BACKENDS),
};
static const struct anode cfg_kids[] = {
	[SVCVIP_CONFIG_A_CLUSTER_CIDRS] = LIST(SVC_LIST_CLUSTER_CIDRS),
	[SVCVIP_CONFIG_A_NODEPORT_CIDRS] = LIST(SVC_LIST_NODEPORT_CIDRS),
	[SVCVIP_CONFIG_A_LOCAL_CIDRS] = LIST(SVC_LIST_LOCAL_CIDRS),
	[SVCVIP_CONFIG_A_SERVICE_CIDRS] = LIST(SVC_LIST_SERVICE_CIDRS),
};
static const struct anode top_kids[] = {
	[SVCVIP_A_SERVICE] = NEST(svc_kids),
	[SVCVIP_A_FRONTEND] = NEST(fe_kids),
	[SVCVIP_A_CONFIG] = NEST(cfg_kids),
	[SVCVIP_A_BACKENDS] = LIST(SVC_LIST_BACKENDS),
};
static const struct anode top_node = NEST(top_kids);

/* Entries of the list nest a (at base) that start before offset upto. */
static uint32_t entries_before(const char *base, const struct nlattr *a, size_t upto)
{
	size_t p = (size_t)((const char *)a - base) + MNL_ATTR_HDRLEN;
	size_t end = (size_t)((const char *)a - base) + a->nla_len;
	uint32_t n = 0;

	while (p + sizeof(struct nlattr) <= end && p < upto) {
		const struct nlattr *e = (const void *)(base + p);

		if (e->nla_len < sizeof(*e))
			break;
		n++;
		p += MNL_ALIGN(e->nla_len);
	}
	return n;
}

/* The entries of the message's service nest backends list, which
 * top-level SVCVIP_A_BACKENDS lists continue. */
static uint32_t service_backends(const struct nlmsghdr *nlh)
{
	const struct nlattr *a, *b;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == SVCVIP_A_SERVICE)
			mnl_attr_for_each_nested(b, a)
				if (mnl_attr_get_type(b) == SVCVIP_SERVICE_A_BACKENDS)
					return entries_before((const char *)nlh, b, nlh->nlmsg_len);
	return 0;
}

/* The attribute of [start, end) holding offset offs, or NULL. */
static const struct nlattr *holding(const char *base, size_t start, size_t end, uint32_t offs)
{
	for (size_t p = start; p + sizeof(struct nlattr) <= end;) {
		const struct nlattr *a = (const void *)(base + p);

		if (a->nla_len < sizeof(*a) || p + a->nla_len > end)
			return NULL;
		if (offs >= p && offs < p + a->nla_len)
			return a;
		p += MNL_ALIGN(a->nla_len);
	}
	return NULL;
}

int svc_msg_attr_locate(const struct nlmsghdr *nlh, uint32_t offs, struct svc_nlerr_loc *at)
{
	const char *base = (const char *)nlh;
	size_t start = MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr));
	size_t end = nlh->nlmsg_len;
	const struct anode *node = &top_node;

	memset(at, 0, sizeof(*at));
	while (offs >= start && offs < end) {
		const struct nlattr *a = holding(base, start, end, offs);
		uint16_t type = a ? a->nla_type & NLA_TYPE_MASK : 0;
		const struct anode *kid = a && type < node->nkids ? &node->kids[type] : NULL;
		size_t p = a ? (size_t)((const char *)a - base) : 0;

		if (!kid || (!kid->kids && !kid->list))
			break;
		if (kid->list) {
			if (offs < p + MNL_ATTR_HDRLEN)
				break;		/* the list itself, not an entry */
			at->list = kid->list;
			at->index = entries_before(base, a, offs + 1) - 1;
			/* the parts of the backends form one list */
			if (node == &top_node && type == SVCVIP_A_BACKENDS) {
				at->index += service_backends(nlh);
				mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
					if ((size_t)((const char *)a - base) >= p)
						break;
					if (mnl_attr_get_type(a) == SVCVIP_A_BACKENDS)
						at->index += entries_before(base, a, end);
				}
			}
			return 0;
		}
		node = kid;
		start = p + MNL_ATTR_HDRLEN;
		end = p + a->nla_len;
	}
	return -ENOENT;
}
