// SPDX-License-Identifier: GPL-2.0
/*
 * The svcvip generic netlink family: one handler per command. Requests are
 * parsed completely (nl_parse.c) before the netns lock is taken and the
 * table changed (table.c); replies and dumps are built with nl_fill.c.
 */

#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/genetlink.h>
#include <net/route.h>
#include <net/addrconf.h>
#include <uapi/linux/svcvip.h>

#include "version.h"
#include "netns.h"
#include "netlink.h"
#include "nl_parse.h"
#include "nl_fill.h"
#include "hooks.h"
#include "select.h"
#include "localaddr.h"
#include "table.h"
#include "ct.h"
#include "gfp.h"

static struct genl_family svcvip_genl_family;

static struct svcvip_net *info_sn(struct genl_info *info)
{
	return svcvip_pernet(genl_info_net(info));
}

static const struct svcvip_config *config_locked(struct svcvip_net *sn)
{
	return rcu_dereference_protected(sn->config,
					 lockdep_is_held(&sn->lock));
}

/* ---- info ------------------------------------------------------------ */

static int svcvip_nl_get_info(struct sk_buff *skb, struct genl_info *info)
{
	struct svcvip_net *sn = info_sn(info);
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &svcvip_genl_family, 0,
				SVCVIP_CMD_GET_INFO);
	if (!hdr)
		goto nospace;
	nest = nla_nest_start(msg, SVCVIP_A_INFO);
	if (!nest)
		goto nospace;
	mutex_lock(&sn->lock);
	if (nla_put_string(msg, SVCVIP_INFO_A_VERSION, SVCVIP_VERSION) ||
	    nla_put_u32(msg, SVCVIP_INFO_A_ABI_VERSION, SVCVIP_GENL_VERSION) ||
	    nla_put_u32(msg, SVCVIP_INFO_A_SERVICES, sn->table.nservices) ||
	    nla_put_u32(msg, SVCVIP_INFO_A_FRONTENDS, sn->table.nfrontends) ||
	    nla_put_u32(msg, SVCVIP_INFO_A_BACKENDS, sn->table.nbackends) ||
	    nla_put_u64_64bit(msg, SVCVIP_INFO_A_GENERATION,
			      sn->table.generation, SVCVIP_INFO_A_PAD) ||
	    nla_put_u32(msg, SVCVIP_INFO_A_REBUILDING,
			sn->table.nrebuilding)) {
		mutex_unlock(&sn->lock);
		goto nospace;
	}
	mutex_unlock(&sn->lock);
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
nospace:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/* ---- events ---------------------------------------------------------- */

/*
 * Change events, sent under the netns lock so that they arrive in the order
 * of the changes. Nothing is built when nobody listens.
 */
static struct sk_buff *event_new(struct svcvip_net *sn, u8 cmd, size_t size,
				 void **hdr)
{
	struct sk_buff *msg;

	if (!genl_has_listeners(&svcvip_genl_family, sn->net, 0))
		return NULL;
	msg = genlmsg_new(size, GFP_KERNEL);
	if (!msg)
		return NULL;
	*hdr = genlmsg_put(msg, 0, 0, &svcvip_genl_family, 0, cmd);
	if (!*hdr) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static void event_send(struct svcvip_net *sn, struct sk_buff *msg, void *hdr,
		       int err)
{
	if (err) {	/* cannot happen with the sizes asked for */
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&svcvip_genl_family, sn->net, msg, 0, 0,
				GFP_KERNEL);
}

/* SVCVIP_A_SERVICE with NAME, and the settings or only the protocol. */
static int put_service_head(struct sk_buff *msg, const char *name,
			    const struct svcvip_service_cfg *cfg, bool settings)
{
	struct nlattr *nest = nla_nest_start(msg, SVCVIP_A_SERVICE);

	if (!nest || nla_put_string(msg, SVCVIP_SERVICE_A_NAME, name))
		return -EMSGSIZE;
	if (cfg && settings && svcvip_nl_put_service_cfg(msg, cfg))
		return -EMSGSIZE;
	if (cfg && !settings &&
	    nla_put_u8(msg, SVCVIP_SERVICE_A_PROTOCOL, cfg->protocol))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static const struct svcvip_state *state_locked(struct svcvip_net *sn,
					       struct svcvip_service *svc)
{
	return rcu_dereference_protected(svc->state,
					 lockdep_is_held(&sn->lock));
}

/* @svc NULL: the service @name is gone (DEL_SERVICE). */
static void event_service(struct svcvip_net *sn, u8 cmd, const char *name,
			  struct svcvip_service *svc)
{
	struct sk_buff *msg;
	void *hdr;

	msg = event_new(sn, cmd, NLMSG_GOODSIZE, &hdr);
	if (msg)
		event_send(sn, msg, hdr,
			   put_service_head(msg, name,
					    svc ? &state_locked(sn, svc)->cfg :
						  NULL, true));
}

/* @fe's key carries @svc's protocol. */
static void event_frontend_of(struct svcvip_net *sn, u8 cmd,
			      struct svcvip_service *svc,
			      const struct svcvip_frontend *fe)
{
	const struct svcvip_service_cfg *cfg = &state_locked(sn, svc)->cfg;
	struct sk_buff *msg;
	void *hdr;

	msg = event_new(sn, cmd, NLMSG_GOODSIZE, &hdr);
	if (msg)
		event_send(sn, msg, hdr,
			   put_service_head(msg, svc->name, cfg, false) ?:
			   svcvip_nl_put_frontend(msg, SVCVIP_A_FRONTEND, fe));
}

static void event_frontend(struct svcvip_net *sn, u8 cmd,
			   struct svcvip_service *svc,
			   const struct svcvip_fe_spec *spec)
{
	struct svcvip_frontend fe = {
		.key = spec->key,
		.kind = spec->kind,
		.source_ranges = spec->source_ranges,
	};

	fe.key.protocol = state_locked(sn, svc)->cfg.protocol;
	event_frontend_of(sn, cmd, svc, &fe);
}

static void event_backend(struct svcvip_net *sn, u8 cmd,
			  struct svcvip_service *svc,
			  const struct svcvip_backend *be)
{
	const struct svcvip_service_cfg *cfg = &state_locked(sn, svc)->cfg;
	struct sk_buff *msg;
	void *hdr;

	msg = event_new(sn, cmd, NLMSG_GOODSIZE, &hdr);
	if (msg)
		event_send(sn, msg, hdr,
			   put_service_head(msg, svc->name, cfg, false) ?:
			   svcvip_nl_put_backend(msg, SVCVIP_A_BACKEND, be));
}

/* A backend of @svc's current state, as the request named it. */
static const struct svcvip_backend *
backend_now(struct svcvip_net *sn, struct svcvip_service *svc,
	    const struct svcvip_be_spec *spec)
{
	const struct svcvip_state *st = state_locked(sn, svc);
	int idx = svcvip_state_backend_index(st, spec->be.family,
					     &spec->be.addr, spec->be.port);

	return idx < 0 ? NULL : &st->backend[idx];
}

static void event_backends_added(struct svcvip_net *sn,
				 struct svcvip_service *svc,
				 const struct svcvip_be_spec *specs, u32 n)
{
	const struct svcvip_backend *be;
	u32 i;

	if (!genl_has_listeners(&svcvip_genl_family, sn->net, 0))
		return;
	for (i = 0; i < n; i++) {
		be = backend_now(sn, svc, &specs[i]);
		if (be)
			event_backend(sn, SVCVIP_CMD_NEW_BACKEND, svc, be);
	}
}

static void event_simple(struct svcvip_net *sn, u8 cmd)
{
	struct sk_buff *msg;
	void *hdr;

	msg = event_new(sn, cmd, NLMSG_GOODSIZE, &hdr);
	if (msg)
		event_send(sn, msg, hdr, 0);
}

static void event_config(struct svcvip_net *sn)
{
	struct sk_buff *msg;
	void *hdr;

	/* three lists of up to 64 CIDRs */
	msg = event_new(sn, SVCVIP_CMD_SET_CONFIG, 16384, &hdr);
	if (msg)
		event_send(sn, msg, hdr,
			   svcvip_nl_put_config(msg, config_locked(sn)));
}

/* ---- services -------------------------------------------------------- */

static int new_service(struct genl_info *info, bool replace)
{
	struct nlattr *takeover = info->attrs[SVCVIP_A_TAKEOVER];
	struct svcvip_net *sn = info_sn(info);
	struct svcvip_service_build build;
	struct svcvip_frontend *fe;
	struct svcvip_svc_spec spec;
	struct svcvip_service *svc;
	LIST_HEAD(moved);
	int ret;

	ret = svcvip_nl_parse_service(info->nlhdr,
				      info->attrs[SVCVIP_A_SERVICE], true,
				      &spec, info->extack);
	if (ret)
		return ret;
	/* only REPLACE_SERVICE's policy lets the flag through */
	if (takeover && !spec.has_frontends) {
		NL_SET_ERR_MSG_ATTR(info->extack, takeover,
				    "takeover needs the service's frontends list");
		ret = -EINVAL;
		goto out;
	}
	spec.takeover = !!takeover;

	mutex_lock(&sn->lock);
	do {
		/* drops the lock for the costly part */
		ret = svcvip_service_build(sn, &spec, replace, &build,
					   info->extack);
		if (ret)
			break;
		svc = svcvip_service_find(&sn->table, spec.name);
		if (svc)	/* a replace: what its frontends reached may change */
			svcvip_ct_gc_service(sn, svc);
		ret = svcvip_hooks_get(sn);
		if (ret)
			svcvip_service_build_free(&build);
		else
			ret = svcvip_service_new(sn, &spec, replace, &build,
						 &moved, info->extack);
		svcvip_hooks_sync(sn);
	} while (ret == -EAGAIN);
	if (!ret) {
		/* the old owners first: no frontend is ever in two services */
		list_for_each_entry(fe, &moved, list)
			event_frontend_of(sn, SVCVIP_CMD_DEL_FRONTEND, fe->svc,
					  fe);
		svc = svcvip_service_find(&sn->table, spec.name);
		svcvip_ct_gc_service(sn, svc);
		event_service(sn, replace ? SVCVIP_CMD_REPLACE_SERVICE :
					    SVCVIP_CMD_NEW_SERVICE,
			      svc->name, svc);
	}
	mutex_unlock(&sn->lock);
	svcvip_frontends_release(&moved);
	svcvip_ct_gc_kick(sn);
out:
	svcvip_nl_svc_spec_free(&spec);
	return ret;
}

static int svcvip_nl_new_service(struct sk_buff *skb, struct genl_info *info)
{
	return new_service(info, false);
}

static int svcvip_nl_replace_service(struct sk_buff *skb,
				     struct genl_info *info)
{
	return new_service(info, true);
}

static struct svcvip_service *find_service(struct svcvip_net *sn,
					   const char *name,
					   struct genl_info *info)
{
	struct svcvip_service *svc = svcvip_service_find(&sn->table, name);

	if (!svc)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[SVCVIP_A_SERVICE],
				    "no such service");
	return svc;
}

static int svcvip_nl_set_service(struct sk_buff *skb, struct genl_info *info)
{
	struct svcvip_net *sn = info_sn(info);
	struct svcvip_svc_spec spec;
	struct svcvip_service *svc;
	int ret;

	ret = svcvip_nl_parse_service(info->nlhdr,
				      info->attrs[SVCVIP_A_SERVICE], false,
				      &spec, info->extack);
	if (ret)
		return ret;
	mutex_lock(&sn->lock);
	svc = find_service(sn, spec.name, info);
	ret = svc ? svcvip_service_set(sn, svc, &spec, info->extack) : -ENOENT;
	if (!ret)
		event_service(sn, SVCVIP_CMD_SET_SERVICE, svc->name, svc);
	mutex_unlock(&sn->lock);
	svcvip_nl_svc_spec_free(&spec);
	return ret;
}

static int svcvip_nl_del_service(struct sk_buff *skb, struct genl_info *info)
{
	struct svcvip_net *sn = info_sn(info);
	struct svcvip_service *svc;
	const char *name;

	name = svcvip_nl_service_name(info->attrs, info->extack);
	if (IS_ERR(name))
		return PTR_ERR(name);
	mutex_lock(&sn->lock);
	svc = find_service(sn, name, info);
	if (svc) {
		svcvip_ct_gc_service(sn, svc);
		svcvip_service_del(sn, svc);
		event_service(sn, SVCVIP_CMD_DEL_SERVICE, name, NULL);
	}
	svcvip_hooks_sync(sn);
	mutex_unlock(&sn->lock);
	svcvip_ct_gc_kick(sn);
	return svc ? 0 : -ENOENT;
}

static int svcvip_nl_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct svcvip_net *sn = info_sn(info);

	mutex_lock(&sn->lock);
	svcvip_ct_gc_all(sn);
	svcvip_table_flush(sn);
	svcvip_hooks_sync(sn);
	event_simple(sn, SVCVIP_CMD_FLUSH);
	mutex_unlock(&sn->lock);
	svcvip_ct_gc_kick(sn);
	return 0;
}

/* ---- frontends and backends ----------------------------------------- */

enum member_op { OP_ADD, OP_SET, OP_DEL };

/*
 * What every frontend and backend request starts with: the name of the
 * service it is for, and the member (@type).
 */
static const char *member_request(struct genl_info *info, int type)
{
	const char *name;

	name = svcvip_nl_service_name(info->attrs, info->extack);
	if (IS_ERR(name) || info->attrs[type])
		return name;
	NL_SET_ERR_ATTR_MISS(info->extack, NULL, type);
	if (type == SVCVIP_A_FRONTEND)
		NL_SET_ERR_MSG(info->extack, "frontend missing");
	else
		NL_SET_ERR_MSG(info->extack, "backend missing");
	return ERR_PTR(-EINVAL);
}

static int frontend_op(struct genl_info *info, enum member_op op)
{
	struct svcvip_net *sn = info_sn(info);
	struct svcvip_service *svc;
	struct svcvip_fe_spec spec;
	const char *name;
	int ret;

	name = member_request(info, SVCVIP_A_FRONTEND);
	if (IS_ERR(name))
		return PTR_ERR(name);
	ret = svcvip_nl_parse_frontend(info->attrs[SVCVIP_A_FRONTEND], &spec,
				       info->extack);
	if (ret)
		return ret;

	mutex_lock(&sn->lock);
	svc = find_service(sn, name, info);
	if (!svc) {
		ret = -ENOENT;
		goto out;
	}
	svcvip_ct_gc_service(sn, svc);
	if (op == OP_ADD)
		ret = svcvip_frontend_add(sn, svc, &spec, info->extack);
	else
		ret = svcvip_frontend_del(sn, svc, &spec, info->extack);
	if (ret)
		goto out;
	svcvip_ct_gc_service(sn, svc);
	event_frontend(sn, op == OP_ADD ? SVCVIP_CMD_NEW_FRONTEND :
					  SVCVIP_CMD_DEL_FRONTEND, svc, &spec);
out:
	mutex_unlock(&sn->lock);
	svcvip_ct_gc_kick(sn);
	svcvip_cidrs_free(spec.source_ranges);
	return ret;
}

static int svcvip_nl_new_frontend(struct sk_buff *skb, struct genl_info *info)
{
	return frontend_op(info, OP_ADD);
}

static int svcvip_nl_del_frontend(struct sk_buff *skb, struct genl_info *info)
{
	return frontend_op(info, OP_DEL);
}

/* NEW_BACKEND with top-level SVCVIP_A_BACKENDS lists: all or nothing. */
static int backends_add(struct genl_info *info, const char *name)
{
	struct svcvip_net *sn = info_sn(info);
	struct svcvip_service *svc;
	struct svcvip_be_spec *specs;
	u32 n;
	int ret;

	ret = svcvip_nl_parse_backend_lists(info->nlhdr, NULL, &specs, &n,
					    info->extack);
	if (ret)
		return ret;
	mutex_lock(&sn->lock);
	svc = find_service(sn, name, info);
	ret = svc ? svcvip_backends_add(sn, svc, specs, n, info->extack) :
		    -ENOENT;
	if (!ret) {
		svcvip_ct_gc_service(sn, svc);
		event_backends_added(sn, svc, specs, n);
	}
	mutex_unlock(&sn->lock);
	svcvip_ct_gc_kick(sn);
	kvfree(specs);
	return ret;
}

static int backend_op(struct genl_info *info, enum member_op op)
{
	struct svcvip_net *sn = info_sn(info);
	bool lists = info->attrs[SVCVIP_A_BACKENDS];
	struct svcvip_service *svc;
	struct svcvip_be_spec spec;
	const char *name;
	int ret;

	if (lists && (op != OP_ADD || info->attrs[SVCVIP_A_BACKEND])) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[SVCVIP_A_BACKENDS],
				    "backend lists only for NEW_BACKEND, without SVCVIP_A_BACKEND");
		return -EINVAL;
	}
	name = member_request(info, lists ? SVCVIP_A_BACKENDS :
					    SVCVIP_A_BACKEND);
	if (IS_ERR(name))
		return PTR_ERR(name);
	if (lists)
		return backends_add(info, name);
	ret = svcvip_nl_parse_backend(info->attrs[SVCVIP_A_BACKEND], &spec,
				      info->extack);
	if (ret)
		return ret;

	mutex_lock(&sn->lock);
	svc = find_service(sn, name, info);
	if (!svc) {
		ret = -ENOENT;
		goto out;
	}
	if (op == OP_ADD) {
		ret = svcvip_backends_add(sn, svc, &spec, 1, info->extack);
		if (!ret)
			event_backends_added(sn, svc, &spec, 1);
	} else if (op == OP_SET) {
		ret = svcvip_backend_set(sn, svc, &spec, info->extack);
		if (!ret)
			event_backend(sn, SVCVIP_CMD_SET_BACKEND, svc,
				      backend_now(sn, svc, &spec));
	} else {
		const struct svcvip_backend *cur = backend_now(sn, svc, &spec);
		struct svcvip_backend gone;

		if (cur)
			gone = *cur;
		ret = svcvip_backend_del(sn, svc, &spec, info->extack);
		if (!ret)
			event_backend(sn, SVCVIP_CMD_DEL_BACKEND, svc, &gone);
	}
	/* a first backend, or one gone: UDP entries may be stale */
	if (!ret && op != OP_SET)
		svcvip_ct_gc_service(sn, svc);
out:
	mutex_unlock(&sn->lock);
	svcvip_ct_gc_kick(sn);
	return ret;
}

static int svcvip_nl_new_backend(struct sk_buff *skb, struct genl_info *info)
{
	return backend_op(info, OP_ADD);
}

static int svcvip_nl_set_backend(struct sk_buff *skb, struct genl_info *info)
{
	return backend_op(info, OP_SET);
}

static int svcvip_nl_del_backend(struct sk_buff *skb, struct genl_info *info)
{
	return backend_op(info, OP_DEL);
}

/* ---- service dump ---------------------------------------------------- */

/*
 * Where a dump stands between two calls: the last service (partially)
 * sent, by name, so that the dump resumes correctly whatever changed.
 */
struct svcvip_dump_ctx {
	char name[SVCVIP_NAME_MAX];
	u32 fe_done;		/* entries of that service already sent */
	u32 be_done;
	bool started;
	bool partial;		/* name was not sent completely */
	bool filtered;		/* one service only, the one in name */
	bool finished;
	bool stats;		/* GET_STATS: counters instead of settings */
	int err;		/* a bad filter, reported by the first dumpit */
	const char *errmsg;
	struct svcvip_ct_count *counts;	/* current connections, sorted */
	u32 ncounts;
};

static int svcvip_nl_dump_start(struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct svcvip_dump_ctx *ctx;
	const char *name;

	ctx = kzalloc(sizeof(*ctx), SVCVIP_GFP);
	if (!ctx)
		return -ENOMEM;
	cb->args[0] = (long)ctx;
	if (info->attrs[SVCVIP_A_SERVICE]) {
		/*
		 * 6.1 gives .start no extack (cb->extack is set only around
		 * .dumpit), so a bad filter is parsed here against a local
		 * one and refused, with its message, by the first .dumpit.
		 */
		struct netlink_ext_ack extack = {};

		name = svcvip_nl_service_name(info->attrs, &extack);
		if (IS_ERR(name)) {
			ctx->err = PTR_ERR(name);
			ctx->errmsg = extack._msg;
			return 0;
		}
		strscpy(ctx->name, name, sizeof(ctx->name));
		ctx->filtered = true;
	}
	return 0;
}

static int svcvip_nl_dump_done(struct netlink_callback *cb)
{
	struct svcvip_dump_ctx *ctx = (void *)cb->args[0];

	if (ctx)
		kvfree(ctx->counts);
	kfree(ctx);
	return 0;
}

/* The services a stats dump covers: the one named, or all. */
static u32 stats_entries(struct svcvip_net *sn, struct svcvip_dump_ctx *ctx,
			 struct svcvip_ct_count *v)
{
	struct svcvip_service *svc;
	struct rb_node *n;
	u32 k = 0, i;

	svc = ctx->filtered ? svcvip_service_find(&sn->table, ctx->name) :
			      svcvip_service_next(&sn->table, NULL);
	while (svc) {
		const struct svcvip_state *st = state_locked(sn, svc);

		if (v) {
			memset(&v[k], 0, sizeof(v[k]));
			v[k].service_id = svc->id;
		}
		k++;
		for (i = 0; i < st->count; i++, k++) {
			if (!v)
				continue;
			memset(&v[k], 0, sizeof(v[k]));
			v[k].service_id = svc->id;
			v[k].family = st->backend[i].family;
			v[k].addr = st->backend[i].addr;
			v[k].port = st->backend[i].port;
		}
		if (ctx->filtered)
			break;
		n = rb_next(&svc->node);
		svc = n ? rb_entry(n, struct svcvip_service, node) : NULL;
	}
	return k;
}

/*
 * A stats dump starts with one walk over the conntrack entries of the netns,
 * counting the current connections of every service and backend it covers.
 */
static int svcvip_nl_stats_start(struct netlink_callback *cb)
{
	struct svcvip_net *sn = svcvip_pernet(sock_net(cb->skb->sk));
	struct svcvip_dump_ctx *ctx;
	int ret;
	u32 n;

	ret = svcvip_nl_dump_start(cb);
	if (ret)
		return ret;
	ctx = (void *)cb->args[0];
	ctx->stats = true;
	if (ctx->err)
		return 0;
	mutex_lock(&sn->lock);
	n = stats_entries(sn, ctx, NULL);
	ctx->counts = kvmalloc_array(max_t(u32, n, 1), sizeof(*ctx->counts),
				     SVCVIP_GFP);
	if (ctx->counts)
		ctx->ncounts = stats_entries(sn, ctx, ctx->counts);
	mutex_unlock(&sn->lock);
	if (!ctx->counts) {	/* .done is not called when .start fails */
		kfree(ctx);
		cb->args[0] = 0;
		return -ENOMEM;
	}
	svcvip_ct_count_sort(ctx->counts, ctx->ncounts);
	svcvip_ct_count(sn, ctx->counts, ctx->ncounts);
	return 0;
}

static const struct svcvip_ct_count *
current_conns(const struct svcvip_dump_ctx *ctx,
	      const struct svcvip_service *svc, const struct svcvip_backend *be)
{
	static const struct svcvip_ct_count none;
	const struct svcvip_ct_count *c;

	c = svcvip_ct_count_find(ctx->counts, ctx->ncounts, svc->id,
				 be ? be->family : 0, be ? &be->addr : NULL,
				 be ? be->port : 0);
	return c ?: &none;
}

static int put_service_stats(struct sk_buff *skb,
			     const struct svcvip_dump_ctx *ctx,
			     const struct svcvip_service *svc,
			     const struct svcvip_state *st)
{
	const struct svcvip_ct_count *c = current_conns(ctx, svc, NULL);
	struct svcvip_stats_sum sum;

	svcvip_stats_read(svc->stats, &sum);
	if (nla_put_u8(skb, SVCVIP_SERVICE_A_PROTOCOL, st->cfg.protocol))
		return -EMSGSIZE;
	return svcvip_nl_put_stats(skb, SVCVIP_SERVICE_A_STATS, &sum,
				   c->active, c->inactive);
}

static int put_dump_backend(struct sk_buff *skb,
			    const struct svcvip_dump_ctx *ctx,
			    const struct svcvip_service *svc,
			    const struct svcvip_backend *be)
{
	const struct svcvip_ct_count *c;

	if (!ctx->stats)
		return svcvip_nl_put_backend(skb, 0, be);
	c = current_conns(ctx, svc, be);
	return svcvip_nl_put_backend_stats(skb, 0, be, c->active,
					   c->inactive);
}

/*
 * Puts as much of @svc as fits into one message. Returns 0 when the service
 * is complete, 1 when a part was sent and more follows, -EMSGSIZE when
 * nothing fit.
 */
static int dump_one_service(struct sk_buff *skb, struct netlink_callback *cb,
			    struct svcvip_net *sn, struct svcvip_service *svc,
			    struct svcvip_dump_ctx *ctx)
{
	const struct svcvip_state *st =
		rcu_dereference_protected(svc->state,
					  lockdep_is_held(&sn->lock));
	struct svcvip_frontend *fe;
	struct nlattr *nest, *list;
	bool progress = false;
	u32 i, put;
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &svcvip_genl_family, NLM_F_MULTI,
			  ctx->stats ? SVCVIP_CMD_GET_STATS :
				       SVCVIP_CMD_GET_SERVICE);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(cb, hdr);
	nest = nla_nest_start(skb, SVCVIP_A_SERVICE);
	if (!nest || nla_put_string(skb, SVCVIP_SERVICE_A_NAME, svc->name))
		goto cancel;
	if (!ctx->partial) {
		if (ctx->stats ? put_service_stats(skb, ctx, svc, st) :
				 svcvip_nl_put_service_cfg(skb, &st->cfg))
			goto cancel;
		progress = true;
	}

	if (!ctx->stats && ctx->fe_done < svc->nfrontends) {
		list = nla_nest_start(skb, SVCVIP_SERVICE_A_FRONTENDS);
		if (!list)
			goto full;
		i = 0;
		put = 0;
		list_for_each_entry(fe, &svc->frontends, list) {
			if (i++ < ctx->fe_done)
				continue;
			if (svcvip_nl_put_frontend(skb, 0, fe))
				break;
			ctx->fe_done++;
			put++;
		}
		if (!put)
			nla_nest_cancel(skb, list);
		else
			nla_nest_end(skb, list);
		progress |= put;
		if (ctx->fe_done < svc->nfrontends)
			goto full;
	}

	if (ctx->be_done < st->count) {
		list = nla_nest_start(skb, SVCVIP_SERVICE_A_BACKENDS);
		if (!list)
			goto full;
		put = 0;
		for (i = ctx->be_done; i < st->count; i++) {
			if (put_dump_backend(skb, ctx, svc, &st->backend[i]))
				break;
			ctx->be_done++;
			put++;
		}
		if (!put)
			nla_nest_cancel(skb, list);
		else
			nla_nest_end(skb, list);
		progress |= put;
		if (ctx->be_done < st->count)
			goto full;
	}
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;

full:
	if (!progress)
		goto cancel;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 1;
cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static int svcvip_nl_dump_services(struct sk_buff *skb,
				   struct netlink_callback *cb)
{
	struct svcvip_dump_ctx *ctx = (void *)cb->args[0];
	struct svcvip_net *sn = svcvip_pernet(sock_net(skb->sk));
	struct svcvip_service *svc;
	struct rb_node *next;
	int ret = 0;

	if (ctx->err) {
		if (cb->extack)
			cb->extack->_msg = ctx->errmsg;
		return ctx->err;
	}
	if (ctx->finished)
		return 0;

	mutex_lock(&sn->lock);
	cb->seq = (u32)sn->table.generation;
	if (ctx->filtered) {
		svc = svcvip_service_find(&sn->table, ctx->name);
		if (!svc && !ctx->started) {
			NL_SET_ERR_MSG(cb->extack, "no such service");
			ret = -ENOENT;
			goto out;
		}
	} else if (ctx->partial) {
		svc = svcvip_service_find(&sn->table, ctx->name);
		if (!svc) {
			/* deleted meanwhile; the dump is flagged INTR */
			ctx->partial = false;
			svc = svcvip_service_next(&sn->table, ctx->name);
		}
	} else {
		svc = svcvip_service_next(&sn->table,
					  ctx->started ? ctx->name : NULL);
	}
	if (!ctx->partial) {
		ctx->fe_done = 0;
		ctx->be_done = 0;
	}

	while (svc) {
		ret = dump_one_service(skb, cb, sn, svc, ctx);
		if (ret < 0)
			break;	/* nothing of svc fit: resume at svc */
		ctx->started = true;
		strscpy(ctx->name, svc->name, sizeof(ctx->name));
		if (ret > 0) {
			ctx->partial = true;
			break;
		}
		ctx->partial = false;
		ctx->fe_done = 0;
		ctx->be_done = 0;
		if (ctx->filtered)
			break;
		next = rb_next(&svc->node);
		svc = next ? rb_entry(next, struct svcvip_service, node) : NULL;
	}
	if (!svc || (ctx->filtered && !ret))
		ctx->finished = true;
	/* nothing fit into an empty message: cannot make progress */
	ret = (ret == -EMSGSIZE && !skb->len) ? -EMSGSIZE : skb->len;
out:
	mutex_unlock(&sn->lock);
	return ret;
}

/* ---- config ---------------------------------------------------------- */

static int svcvip_nl_get_config(struct sk_buff *skb, struct genl_info *info)
{
	struct svcvip_net *sn = info_sn(info);
	struct sk_buff *msg;
	void *hdr;
	int ret;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &svcvip_genl_family, 0,
				SVCVIP_CMD_GET_CONFIG);
	if (!hdr) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	mutex_lock(&sn->lock);
	ret = svcvip_nl_put_config(msg, config_locked(sn));
	mutex_unlock(&sn->lock);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static u32 largest_backend_set(struct svcvip_net *sn)
{
	struct rb_node *n;
	u32 max = 0;

	for (n = rb_first(&sn->table.services); n; n = rb_next(n)) {
		struct svcvip_service *svc = rb_entry(n, struct svcvip_service,
						      node);
		const struct svcvip_state *st =
			rcu_dereference_protected(svc->state,
						  lockdep_is_held(&sn->lock));

		max = max(max, st->count);
	}
	return max;
}

/* The seed and the Maglev size shape every table: set before services. */
static int check_sched_params(struct svcvip_net *sn,
			      const struct svcvip_config_req *req,
			      struct netlink_ext_ack *extack)
{
	const struct svcvip_sched_params *sp = &config_locked(sn)->sched;

	if (!sn->table.nservices)
		return 0;
	if ((req->present & BIT(SVCVIP_CONFIG_A_HASH_SEED)) &&
	    memcmp(req->hash_seed, &sp->seed, sizeof(req->hash_seed))) {
		NL_SET_ERR_MSG(extack,
			       "hash-seed can only change while there is no service");
		return -EBUSY;
	}
	if ((req->present & BIT(SVCVIP_CONFIG_A_MAGLEV_TABLE_SIZE)) &&
	    req->maglev_table_size != sp->maglev_max) {
		NL_SET_ERR_MSG(extack,
			       "maglev-table-size can only change while there is no service");
		return -EBUSY;
	}
	return 0;
}

/* A netns's limits never exceed the module-wide ceilings (config.h). */
static int check_ceilings(const struct svcvip_config_req *req,
			  struct netlink_ext_ack *extack)
{
	if ((req->present & BIT(SVCVIP_CONFIG_A_MAX_SERVICES)) &&
	    req->max_services > READ_ONCE(svcvip_ceiling.max_services)) {
		NL_SET_ERR_MSG(extack,
			       "max-services exceeds the ceiling net.svcvip.max_services");
		return -EPERM;
	}
	if ((req->present & BIT(SVCVIP_CONFIG_A_MAX_FRONTENDS)) &&
	    req->max_frontends > READ_ONCE(svcvip_ceiling.max_frontends)) {
		NL_SET_ERR_MSG(extack,
			       "max-frontends exceeds the ceiling net.svcvip.max_frontends");
		return -EPERM;
	}
	if ((req->present & BIT(SVCVIP_CONFIG_A_MAX_BACKENDS)) &&
	    req->max_backends > READ_ONCE(svcvip_ceiling.max_backends)) {
		NL_SET_ERR_MSG(extack,
			       "max-backends exceeds the ceiling net.svcvip.max_backends");
		return -EPERM;
	}
	if ((req->present & BIT(SVCVIP_CONFIG_A_AFFINITY_MAX)) &&
	    req->affinity_max > READ_ONCE(svcvip_ceiling.affinity_max)) {
		NL_SET_ERR_MSG(extack,
			       "affinity-max exceeds the ceiling net.svcvip.affinity_max");
		return -EPERM;
	}
	return 0;
}

static int check_limits(struct svcvip_net *sn,
			const struct svcvip_config_req *req,
			struct netlink_ext_ack *extack)
{
	int ret = check_ceilings(req, extack);

	if (ret)
		return ret;
	if ((req->present & BIT(SVCVIP_CONFIG_A_MAX_SERVICES)) &&
	    req->max_services < sn->table.nservices) {
		NL_SET_ERR_MSG(extack, "max-services is below the current count");
		return -EBUSY;
	}
	if ((req->present & BIT(SVCVIP_CONFIG_A_MAX_FRONTENDS)) &&
	    req->max_frontends < sn->table.nfrontends) {
		NL_SET_ERR_MSG(extack,
			       "max-frontends is below the current count");
		return -EBUSY;
	}
	if ((req->present & BIT(SVCVIP_CONFIG_A_MAX_BACKENDS)) &&
	    req->max_backends < largest_backend_set(sn)) {
		NL_SET_ERR_MSG(extack,
			       "max-backends is below a service's backend count");
		return -EBUSY;
	}
	return check_sched_params(sn, req, extack);
}

static void swap_cidrs(struct svcvip_cidrs **dst, struct svcvip_cidrs **src)
{
	svcvip_cidrs_free(*dst);
	*dst = *src;
	*src = NULL;
}

static int svcvip_nl_set_config(struct sk_buff *skb, struct genl_info *info)
{
	struct svcvip_net *sn = info_sn(info);
	struct svcvip_config_req req;
	struct svcvip_config *cfg;
	const struct svcvip_config *old;
	int ret;

	ret = svcvip_nl_parse_config(info->attrs[SVCVIP_A_CONFIG], &req,
				     info->extack);
	if (ret)
		return ret;

	mutex_lock(&sn->lock);
	ret = check_limits(sn, &req, info->extack);
	if (ret)
		goto out;
	/* the service-CIDR drop needs the hooks even with no service yet */
	if (req.service_cidrs) {
		ret = svcvip_hooks_get(sn);
		if (ret)
			goto out;
	}
	old = config_locked(sn);
	cfg = svcvip_config_dup(old);
	if (!cfg) {
		ret = -ENOMEM;
		goto out;
	}
	if (req.present & BIT(SVCVIP_CONFIG_A_CLUSTER_CIDRS))
		swap_cidrs(&cfg->cluster_cidrs, &req.cluster_cidrs);
	if (req.present & BIT(SVCVIP_CONFIG_A_NODEPORT_CIDRS))
		swap_cidrs(&cfg->nodeport_cidrs, &req.nodeport_cidrs);
	if (req.present & BIT(SVCVIP_CONFIG_A_LOCAL_CIDRS))
		swap_cidrs(&cfg->local_cidrs, &req.local_cidrs);
	if (req.present & BIT(SVCVIP_CONFIG_A_SERVICE_CIDRS))
		swap_cidrs(&cfg->service_cidrs, &req.service_cidrs);
	if (req.present & BIT(SVCVIP_CONFIG_A_MASQUERADE_ALL))
		cfg->masquerade_all = req.masquerade_all;
	if (req.present & BIT(SVCVIP_CONFIG_A_AFFINITY_MAX))
		cfg->affinity_max = req.affinity_max;
	if (req.present & BIT(SVCVIP_CONFIG_A_MAX_SERVICES))
		cfg->max_services = req.max_services;
	if (req.present & BIT(SVCVIP_CONFIG_A_MAX_FRONTENDS))
		cfg->max_frontends = req.max_frontends;
	if (req.present & BIT(SVCVIP_CONFIG_A_MAX_BACKENDS))
		cfg->max_backends = req.max_backends;
	if (req.present & BIT(SVCVIP_CONFIG_A_PACKET_STATS)) {
		ret = svcvip_count_hooks_set(sn, req.packet_stats);
		if (ret) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    info->attrs[SVCVIP_A_CONFIG],
					    "packet-stats: cannot register the counting hook");
			svcvip_config_free(cfg);
			goto out;
		}
		cfg->packet_stats = req.packet_stats;
	}
	if (req.present & BIT(SVCVIP_CONFIG_A_HASH_SEED))
		memcpy(&cfg->sched.seed, req.hash_seed, sizeof(cfg->sched.seed));
	if (req.present & BIT(SVCVIP_CONFIG_A_MAGLEV_TABLE_SIZE))
		cfg->sched.maglev_max = req.maglev_table_size;
	rcu_assign_pointer(sn->config, cfg);
	svcvip_config_free_rcu((struct svcvip_config *)old);
	/* affinity entries are soft state: a lower limit evicts, never fails */
	svcvip_affinity_trim(&sn->affinity, svcvip_affinity_max(cfg));
	sn->table.generation++;
	event_config(sn);
out:
	mutex_unlock(&sn->lock);
	svcvip_nl_config_req_free(&req);
	return ret;
}

/* ---- lookup ---------------------------------------------------------- */

static int put_lookup_reply(struct sk_buff *msg,
			    const struct svcvip_decision *d)
{
	struct nlattr *nest;

	nest = nla_nest_start(msg, SVCVIP_A_LOOKUP);
	if (!nest ||
	    nla_put_u8(msg, SVCVIP_LOOKUP_A_VERDICT, d->verdict) ||
	    nla_put_u8(msg, SVCVIP_LOOKUP_A_REASON, d->reason) ||
	    nla_put_u8(msg, SVCVIP_LOOKUP_A_MASQUERADE, d->masquerade))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	if (d->svc) {
		nest = nla_nest_start(msg, SVCVIP_A_SERVICE);
		if (!nest || nla_put_string(msg, SVCVIP_SERVICE_A_NAME,
					    d->svc->name))
			return -EMSGSIZE;
		nla_nest_end(msg, nest);
	}
	if (d->fe && svcvip_nl_put_frontend(msg, SVCVIP_A_FRONTEND, d->fe))
		return -EMSGSIZE;
	if (d->be && svcvip_nl_put_backend(msg, SVCVIP_A_BACKEND, d->be))
		return -EMSGSIZE;
	return 0;
}

static int svcvip_nl_lookup(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct svcvip_lookup_req req;
	struct svcvip_decision d;
	struct svcvip_flow flow;
	struct sk_buff *msg;
	void *hdr;
	int ret;

	ret = svcvip_nl_parse_lookup(info->attrs[SVCVIP_A_LOOKUP], &req,
				     info->extack);
	if (ret)
		return ret;

	memset(&flow, 0, sizeof(flow));
	flow.family = req.family;
	flow.protocol = req.protocol;
	flow.saddr = req.saddr;
	flow.daddr = req.daddr;
	flow.sport = req.sport;
	flow.dport = req.dport;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &svcvip_genl_family, 0,
				SVCVIP_CMD_LOOKUP);
	if (!hdr) {
		ret = -EMSGSIZE;
		goto err;
	}
	rcu_read_lock();
	svcvip_select(svcvip_pernet(net), &flow,
		      req.has_src && svcvip_addr_is_local(net, req.family, &req.saddr) ?
		      SVCVIP_FROM_HOST : SVCVIP_FROM_NETWORK, true, &d);
	ret = put_lookup_reply(msg, &d);
	rcu_read_unlock();
	if (ret)
		goto err;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
err:
	nlmsg_free(msg);
	return ret;
}

/* ---- family ---------------------------------------------------------- */

#define TOP(p) .policy = (p), .maxattr = SVCVIP_A_MAX

static const struct genl_ops svcvip_genl_ops[] = {
	{
		.cmd = SVCVIP_CMD_GET_INFO,
		.doit = svcvip_nl_get_info,
		TOP(svcvip_top_none_policy),
	}, {
		.cmd = SVCVIP_CMD_NEW_SERVICE,
		.doit = svcvip_nl_new_service,
		.flags = GENL_UNS_ADMIN_PERM,
		TOP(svcvip_top_service_policy),
	}, {
		.cmd = SVCVIP_CMD_REPLACE_SERVICE,
		.doit = svcvip_nl_replace_service,
		.flags = GENL_UNS_ADMIN_PERM,
		TOP(svcvip_top_replace_policy),
	}, {
		.cmd = SVCVIP_CMD_SET_SERVICE,
		.doit = svcvip_nl_set_service,
		.flags = GENL_UNS_ADMIN_PERM,
		TOP(svcvip_top_service_policy),
	}, {
		.cmd = SVCVIP_CMD_DEL_SERVICE,
		.doit = svcvip_nl_del_service,
		.flags = GENL_UNS_ADMIN_PERM,
		TOP(svcvip_top_service_ref_policy),
	}, {
		.cmd = SVCVIP_CMD_GET_SERVICE,
		.start = svcvip_nl_dump_start,
		.dumpit = svcvip_nl_dump_services,
		.done = svcvip_nl_dump_done,
		TOP(svcvip_top_service_ref_policy),
	}, {
		.cmd = SVCVIP_CMD_GET_STATS,
		.start = svcvip_nl_stats_start,
		.dumpit = svcvip_nl_dump_services,
		.done = svcvip_nl_dump_done,
		.flags = GENL_UNS_ADMIN_PERM,	/* traffic, and a conntrack walk */
		TOP(svcvip_top_service_ref_policy),
	}, {
		.cmd = SVCVIP_CMD_NEW_FRONTEND,
		.doit = svcvip_nl_new_frontend,
		.flags = GENL_UNS_ADMIN_PERM,
		TOP(svcvip_top_frontend_policy),
	}, {
		.cmd = SVCVIP_CMD_DEL_FRONTEND,
		.doit = svcvip_nl_del_frontend,
		.flags = GENL_UNS_ADMIN_PERM,
		TOP(svcvip_top_frontend_policy),
	}, {
		.cmd = SVCVIP_CMD_NEW_BACKEND,
		.doit = svcvip_nl_new_backend,
		.flags = GENL_UNS_ADMIN_PERM,
		TOP(svcvip_top_backend_policy),
	}, {
		.cmd = SVCVIP_CMD_SET_BACKEND,
		.doit = svcvip_nl_set_backend,
		.flags = GENL_UNS_ADMIN_PERM,
		TOP(svcvip_top_backend_policy),
	}, {
		.cmd = SVCVIP_CMD_DEL_BACKEND,
		.doit = svcvip_nl_del_backend,
		.flags = GENL_UNS_ADMIN_PERM,
		TOP(svcvip_top_backend_policy),
	}, {
		.cmd = SVCVIP_CMD_FLUSH,
		.doit = svcvip_nl_flush,
		.flags = GENL_UNS_ADMIN_PERM,
		TOP(svcvip_top_none_policy),
	}, {
		.cmd = SVCVIP_CMD_GET_CONFIG,
		.doit = svcvip_nl_get_config,
		TOP(svcvip_top_none_policy),
	}, {
		.cmd = SVCVIP_CMD_SET_CONFIG,
		.doit = svcvip_nl_set_config,
		.flags = GENL_UNS_ADMIN_PERM,
		TOP(svcvip_top_config_policy),
	}, {
		.cmd = SVCVIP_CMD_LOOKUP,
		.doit = svcvip_nl_lookup,
		.flags = GENL_UNS_ADMIN_PERM,	/* reveals affinity: who used what */
		TOP(svcvip_top_lookup_policy),
	},
};

static const struct genl_multicast_group svcvip_genl_mcgrps[] = {
	/* Events say who changes what: CAP_NET_ADMIN over the netns, as the
	 * commands that cause them.
	 */
	{ .name = SVCVIP_GENL_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_NET_ADMIN },
};

/* Before every request: the core keeps the last of duplicated attributes,
 * svcvip refuses them.
 */
static int svcvip_nl_pre_doit(const struct genl_ops *ops, struct sk_buff *skb,
			      struct genl_info *info)
{
	return svcvip_nl_check_top(info);
}

static struct genl_family svcvip_genl_family __ro_after_init = {
	.name = SVCVIP_GENL_NAME,
	.version = SVCVIP_GENL_VERSION,
	.maxattr = SVCVIP_A_MAX,
	.netnsok = true,
	.parallel_ops = true,	/* each netns has its own lock */
	.pre_doit = svcvip_nl_pre_doit,
	.ops = svcvip_genl_ops,
	.n_ops = ARRAY_SIZE(svcvip_genl_ops),
	.mcgrps = svcvip_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(svcvip_genl_mcgrps),
	.module = THIS_MODULE,
};

int __init svcvip_genl_init(void)
{
	return genl_register_family(&svcvip_genl_family);
}

void svcvip_genl_uninit(void)
{
	genl_unregister_family(&svcvip_genl_family);
}
