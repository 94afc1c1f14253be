// SPDX-License-Identifier: GPL-2.0
/* sync.c: converge the kernel to a wanted table (see sync.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "output.h"
#include "sync.h"

/* A frontend with its service: frontends are unique per protocol. */
struct fe_ref {
	const struct svc_frontend *fe;
	const struct svc_service *s;
};

static int fe_ref_cmp(const void *a, const void *b)
{
	const struct fe_ref *x = a, *y = b;

	if (x->s->protocol != y->s->protocol)
		return x->s->protocol < y->s->protocol ? -1 : 1;
	return svc_frontend_cmp(x->fe, y->fe);
}

/* Every frontend of t (of its services i with only[i] == 1, when only is
 * not NULL) with its service, sorted. NULL on ENOMEM. */
static struct fe_ref *fe_refs_of(const struct svc_table *t, const uint8_t *only, size_t *n)
{
	struct fe_ref *v;
	size_t k = 0;

	*n = 0;
	for (size_t i = 0; i < t->n; i++)
		if (!only || only[i] == 1)
			*n += t->v[i].nfrontends;
	v = calloc(*n + 1, sizeof(*v));
	if (!v)
		return NULL;
	for (size_t i = 0; i < t->n; i++)
		for (size_t j = 0; (!only || only[i] == 1) && j < t->v[i].nfrontends; j++)
			v[k++] = (struct fe_ref){ &t->v[i].frontends[j], &t->v[i] };
	qsort(v, *n, sizeof(*v), fe_ref_cmp);
	return v;
}

/* ---- check ---- */

struct chk {
	svc_sync_cb cb;
	void *data;
	int n;
};

__attribute__((format(printf, 6, 7)))
static void problem(struct chk *c, int err, const struct svc_service *s, uint32_t tag,
		    uint32_t other, const char *fmt, ...)
{
	struct svc_sync_err x = { SVC_SYNC_CHECK, s ? s->name : NULL, tag, other, NULL,
				  NULL, NULL };
	struct svc_nlerr e;
	va_list ap;

	svc_nlerr_set(&e, err, NULL);
	va_start(ap, fmt);
	vsnprintf(e.msg, sizeof(e.msg), fmt, ap);
	va_end(ap);
	x.e = &e;
	c->n++;
	if (c->cb)
		c->cb(c->data, &x);
}

static bool over(const struct svc_config *cfg, uint32_t bit, size_t n, uint32_t max)
{
	return cfg && (cfg->has & bit) && n > max;
}

int svc_sync_check(struct svc_table *want, const struct svc_config *cfg,
		   svc_sync_cb cb, void *data)
{
	char a[SVC_ADDRSTRLEN * 2];
	struct chk c = { cb, data, 0 };
	struct fe_ref *refs;
	size_t nrefs;

	svc_table_sort(want);
	if (over(cfg, SVC_CFG_HAS_MAX_SERVICES, want->n, cfg ? cfg->max_services : 0))
		problem(&c, ENOSPC, NULL, 0, 0, "%zu services: more than max-services %u",
			want->n, cfg->max_services);
	for (size_t i = 0; i < want->n; i++) {
		const struct svc_service *s = &want->v[i];

		if (!(s->has & SVC_SVC_HAS_PROTOCOL))
			problem(&c, EINVAL, s, s->tag, 0, "service %s: proto is missing", s->name);
		for (size_t j = 1; j < s->nfrontends; j++)
			if (!svc_frontend_cmp(&s->frontends[j - 1], &s->frontends[j]))
				problem(&c, EEXIST, s, s->frontends[j].tag,
					s->frontends[j - 1].tag, "frontend %s: listed twice",
					svc_fmt_frontend(&s->frontends[j], a, sizeof(a)));
		for (size_t j = 1; j < s->nbackends; j++)
			if (!svc_backend_cmp(&s->backends[j - 1], &s->backends[j]))
				problem(&c, EEXIST, s, s->backends[j].tag,
					s->backends[j - 1].tag, "backend %s: listed twice",
					svc_fmt_addrport(s->backends[j].family,
							 &s->backends[j].addr,
							 s->backends[j].port, 0, true,
							 a, sizeof(a)));
		if (over(cfg, SVC_CFG_HAS_MAX_BACKENDS, s->nbackends,
			 cfg ? cfg->max_backends : 0))
			problem(&c, ENOSPC, s, s->tag, 0,
				"service %s: %zu backends: more than max-backends %u",
				s->name, s->nbackends, cfg->max_backends);
	}
	refs = fe_refs_of(want, NULL, &nrefs);
	if (!refs) {
		problem(&c, ENOMEM, NULL, 0, 0, "out of memory");
		return c.n;
	}
	if (over(cfg, SVC_CFG_HAS_MAX_FRONTENDS, nrefs, cfg ? cfg->max_frontends : 0))
		problem(&c, ENOSPC, NULL, 0, 0, "%zu frontends: more than max-frontends %u",
			nrefs, cfg->max_frontends);
	for (size_t k = 1; k < nrefs; k++)
		if (refs[k - 1].s != refs[k].s && !fe_ref_cmp(&refs[k - 1], &refs[k]))
			problem(&c, EEXIST, refs[k].s, refs[k].fe->tag, refs[k - 1].fe->tag,
				"frontend %s: already belongs to service %s",
				svc_fmt_frontend(refs[k].fe, a, sizeof(a)), refs[k - 1].s->name);
	free(refs);
	return c.n;
}

/* ---- sync ---- */

enum { SAME, PENDING, SENT };	/* PENDING == 1: fe_refs_of() */

struct run {
	struct svc_nl *nl;
	struct svc_batch *b;
	struct svc_table *want;
	struct svc_table *have;
	svc_sync_cb cb;
	void *data;
	uint8_t *state;			/* per wanted service */
	bool *reported;			/* per wanted service */
	const struct fe_ref *owners;	/* the kernel's frontends */
	size_t nowners;
	const struct fe_ref *wanted;	/* the frontends of pending services */
	size_t nwanted;
	struct svc_sync_stats st;
	int abort;			/* negative errno */
};

#define CK(op, i)	(((uint64_t)(op) << 56) | (uint64_t)(i))

/* The wanted entry a refusal of service s is about: the replace lists
 * s's frontends and backends in order (kept ones after its own). */
static void locate(struct svc_sync_err *x, const struct svc_service *s)
{
	const struct svc_nlerr_loc *at = &x->e->at;

	x->tag = s->tag;
	if (at->list == SVC_LIST_FRONTENDS && at->index < s->nfrontends) {
		x->frontend = &s->frontends[at->index];
		x->tag = x->frontend->tag;
	} else if (at->list == SVC_LIST_BACKENDS && at->index < s->nbackends) {
		x->backend = &s->backends[at->index];
		x->tag = x->backend->tag;
	}
}

static void report(struct run *r, enum svc_sync_op op, size_t i, const struct svc_nlerr *e)
{
	struct svc_sync_err x = { .op = op, .e = e };

	if (op == SVC_SYNC_REPLACE) {
		if (r->reported[i])
			return;
		r->reported[i] = true;
		x.service = r->want->v[i].name;
		locate(&x, &r->want->v[i]);
	} else if (op == SVC_SYNC_DEL) {
		x.service = r->have->v[i].name;
	}
	r->st.failed++;
	if (r->cb)
		r->cb(r->data, &x);
}

static void on_err(void *data, uint64_t cookie, const struct svc_nlerr *e)
{
	report(data, (enum svc_sync_op)(cookie >> 56), (size_t)(cookie & ((1ULL << 56) - 1)), e);
}

/* A request that could not be queued: too big is this request's failure,
 * anything else is the connection's. */
static void queued(struct run *r, int ret, enum svc_sync_op op, size_t i)
{
	struct svc_nlerr e;

	if (ret >= 0) {
		r->st.requests += op == SVC_SYNC_REPLACE ? (size_t)ret : 1;
		return;
	}
	if (ret != -EMSGSIZE && ret != -ENOMEM) {
		r->abort = ret;
		return;
	}
	svc_nlerr_set(&e, -ret, NULL);
	report(r, op, i, &e);
}

static void queue(struct run *r, const struct nlmsghdr *nlh, enum svc_sync_op op, size_t i)
{
	queued(r, nlh ? svc_batch_add(r->b, nlh, CK(op, i)) : -EMSGSIZE, op, i);
}

/* The service of refs (sorted) that has fe with s's protocol, or NULL. */
static const struct svc_service *fe_holder(const struct fe_ref *refs, size_t n,
					   const struct svc_service *s,
					   const struct svc_frontend *fe)
{
	struct fe_ref key = { fe, s };
	const struct fe_ref *o = bsearch(&key, refs, n, sizeof(*o), fe_ref_cmp);

	return o ? o->s : NULL;
}

/* Whether the kernel's service of another name holds fe of s. */
static bool held_by_other(const struct run *r, const struct svc_service *s,
			  const struct svc_frontend *fe)
{
	const struct svc_service *o = fe_holder(r->owners, r->nowners, s, fe);

	return o && strcmp(o->name, s->name);
}

/* Whether another wanted service, not yet sent, wants fe of the kernel's
 * service cur: cur keeps fe until that one takes it over. */
static bool wanted_later(const struct run *r, const struct svc_service *cur,
			 const struct svc_frontend *fe)
{
	const struct svc_service *w = fe_holder(r->wanted, r->nwanted, cur, fe);

	return w && strcmp(w->name, cur->name) && r->state[w - r->want->v] == PENDING;
}

/*
 * Sends wanted service i as one REPLACE_SERVICE. The frontends it wants
 * that another service holds move to it with the takeover flag, in the
 * kernel's same publish; the frontends it holds that a service sent later
 * wants stay with it (listed after its own) until that one takes them.
 * Either way a frontend always has a service, whatever the order, and a
 * swap or a cycle needs nothing more.
 */
static void replace(struct run *r, size_t i)
{
	const struct svc_service *s = &r->want->v[i];
	const struct svc_service *cur = svc_table_find(r->have, s->name);
	struct svc_service tmp = *s;
	struct svc_frontend *fes = NULL;
	bool takeover = false;

	for (size_t j = 0; j < s->nfrontends; j++)
		if (held_by_other(r, s, &s->frontends[j])) {
			takeover = true;
			r->st.moved++;
		}
	for (size_t j = 0; cur && j < cur->nfrontends; j++) {
		if (!wanted_later(r, cur, &cur->frontends[j]))
			continue;
		if (!fes) {
			fes = calloc(s->nfrontends + cur->nfrontends, sizeof(*fes));
			if (!fes) {
				r->abort = -ENOMEM;
				return;
			}
			if (s->nfrontends)	/* shallow copies */
				memcpy(fes, s->frontends, s->nfrontends * sizeof(*fes));
			tmp.frontends = fes;
		}
		fes[tmp.nfrontends++] = cur->frontends[j];
	}
	r->state[i] = SENT;
	queued(r, svc_batch_replace_service(r->b, r->nl, &tmp, takeover,
					    CK(SVC_SYNC_REPLACE, i)), SVC_SYNC_REPLACE, i);
	free(fes);
}

/* Whether a service the wanted table lacks holds a frontend another wants:
 * it goes after that one has taken the frontend over. */
static bool holds_wanted(const struct run *r, const struct svc_service *gone)
{
	for (size_t j = 0; j < gone->nfrontends; j++)
		if (fe_holder(r->wanted, r->nwanted, gone, &gone->frontends[j]))
			return true;
	return false;
}

static void del(struct run *r, size_t i, char *buf, size_t len)
{
	queue(r, svc_req_service(r->nl, buf, len, SVCVIP_CMD_DEL_SERVICE, 0,
				 &r->have->v[i], 0), SVC_SYNC_DEL, i);
	r->st.deleted++;
}

/* The keys of want whose value differs from have's: each key is compared
 * as the message it makes, so a new key needs nothing here. */
static uint32_t config_diff(const struct svc_config *want, const struct svc_config *have,
			    char *buf, size_t len)
{
	uint32_t diff = 0;

	for (unsigned bit = 0; bit < 32; bit++) {
		struct svc_config x = *want, y = *have;
		struct nlmsghdr *a, *b;
		size_t half = (len / 2) & ~(size_t)7;

		x.has = y.has = 1U << bit;
		if (!(want->has & x.has))
			continue;
		memset(buf, 0, len);	/* libmnl may leave padding as it was */
		a = svc_msg_start(buf, half, 0, 0, 0, 0);
		b = svc_msg_start(buf + half, half, 0, 0, 0, 0);
		if (!(have->has & x.has) || svc_msg_put_config(a, half, &x) ||
		    svc_msg_put_config(b, half, &y) || a->nlmsg_len != b->nlmsg_len ||
		    memcmp(a, b, a->nlmsg_len))
			diff |= x.has;
	}
	return diff;
}

static int read_kernel(struct svc_nl *nl, struct svc_sync_have *h,
		       const struct svc_config *want_cfg, svc_sync_cb cb, void *data)
{
	struct svc_sync_err x = { .op = SVC_SYNC_READ };
	struct svc_config cur;
	struct svc_nlerr e;
	int ret = 0;

	if (!h->valid) {
		svc_sync_have_free(h);
		ret = svc_dump_services(nl, NULL, &h->table, &e);
		if (!ret) {
			svc_table_sort(&h->table);
			h->valid = true;
		}
	}
	if (!ret && want_cfg && (want_cfg->has & ~h->cfg.has)) {
		memset(&cur, 0, sizeof(cur));
		ret = svc_get_config(nl, &cur, &e);
		if (!ret) {
			svc_config_free(&h->cfg);
			h->cfg = cur;
		}
	}
	if (ret) {
		x.e = &e;
		if (cb)
			cb(data, &x);
	}
	return ret;
}

/* After a clean run: have becomes what was sent. */
static int update_have(struct svc_sync_have *h, const struct run *r,
		       const struct svc_config *want_cfg)
{
	struct svc_service copy;

	for (size_t i = h->table.n; i-- > 0;)
		if (!svc_table_find(r->want, h->table.v[i].name))
			svc_table_del(&h->table, h->table.v[i].name);
	for (size_t i = 0; i < r->want->n; i++) {
		if (r->state[i] == SAME)
			continue;
		svc_table_del(&h->table, r->want->v[i].name);
		if (svc_service_copy(&copy, &r->want->v[i]) ||
		    svc_table_insert(&h->table, &copy))
			return -ENOMEM;
	}
	svc_table_sort(&h->table);
	return want_cfg ? svc_config_merge(&h->cfg, want_cfg) : 0;
}

int svc_sync(struct svc_nl *nl, struct svc_table *want, const struct svc_config *want_cfg,
	     struct svc_sync_have *have, svc_sync_cb cb, void *data,
	     struct svc_sync_stats *st)
{
	struct svc_sync_have local = { 0 }, *h = have ? have : &local;
	struct run r = { .nl = nl, .want = want, .have = &h->table, .cb = cb, .data = data };
	size_t len = 2 * (SVC_NEST_MAX + 1024);
	struct fe_ref *owners = NULL, *wanted = NULL;
	bool *late = NULL;
	char *buf = NULL;
	int ret;

	svc_table_sort(want);
	ret = read_kernel(nl, h, want_cfg, cb, data);
	if (ret)
		goto out;
	buf = malloc(len);
	r.state = calloc(want->n + 1, sizeof(*r.state));
	r.reported = calloc(want->n + 1, sizeof(*r.reported));
	late = calloc(h->table.n + 1, sizeof(*late));
	if (!buf || !r.state || !r.reported || !late) {
		ret = -ENOMEM;
		goto out;
	}
	/* what is new or changed: only those services can take a frontend */
	for (size_t i = 0; i < want->n; i++) {
		struct svc_service *cur = svc_table_find(&h->table, want->v[i].name);

		if (cur && svc_service_equal(&want->v[i], cur))
			continue;
		r.state[i] = PENDING;
		if (cur)
			r.st.replaced++;
		else
			r.st.added++;
	}
	owners = fe_refs_of(&h->table, NULL, &r.nowners);
	/* no frontend in the kernel: none to take or keep, none to sort */
	wanted = r.nowners ? fe_refs_of(want, r.state, &r.nwanted) : calloc(1, sizeof(*wanted));
	r.owners = owners;
	r.wanted = wanted;
	r.b = owners && wanted ? svc_batch_new(nl, 0, on_err, &r) : NULL;
	if (!r.b) {
		ret = -ENOMEM;
		goto out;
	}

	/* 1. what want lacks goes (frees room), unless another service is
	 *    to take over one of its frontends: then after that (3.) */
	for (size_t i = 0; i < h->table.n && !r.abort; i++) {
		if (svc_table_find(want, h->table.v[i].name))
			continue;
		late[i] = holds_wanted(&r, &h->table.v[i]);
		if (!late[i])
			del(&r, i, buf, len);
	}
	/* 2. the config keys that differ */
	if (want_cfg && !r.abort) {
		struct svc_config x = *want_cfg;

		x.has = config_diff(want_cfg, &h->cfg, buf, len);
		if (x.has) {
			queue(&r, svc_req_config(nl, buf, len, &x), SVC_SYNC_CONFIG, 0);
			r.st.config_keys = (size_t)__builtin_popcount(x.has);
		}
	}
	/* 3. new and changed services, in any order (see replace()) */
	for (size_t i = 0; i < want->n && !r.abort; i++)
		if (r.state[i] == PENDING)
			replace(&r, i);
	/* 4. the services whose frontends were taken over */
	for (size_t i = 0; i < h->table.n && !r.abort; i++)
		if (late[i])
			del(&r, i, buf, len);
	if (!r.abort)
		r.abort = svc_batch_flush(r.b);
	ret = r.abort;
	if (!ret && r.st.failed)
		ret = r.st.failed > (size_t)INT32_MAX ? INT32_MAX : (int)r.st.failed;
	if (have && !ret)
		ret = update_have(have, &r, want_cfg);
	if (have && ret)
		have->valid = false;
out:
	if (st)
		*st = r.st;
	svc_batch_free(r.b);
	svc_sync_have_free(&local);
	free(owners);
	free(wanted);
	free(late);
	free(r.state);
	free(r.reported);
	free(buf);
	return ret;
}

/* Copies have's or want's service name (if there) into sub; 0 or -ENOMEM. */
static int sub_add(struct svc_table *sub, struct svc_table *from, const char *name)
{
	struct svc_service *s = svc_table_find(from, name), copy;

	if (!s || svc_table_find(sub, name))
		return 0;
	if (svc_service_copy(&copy, s))
		return -ENOMEM;
	if (svc_table_insert(sub, &copy)) {
		svc_service_free(&copy);
		return -ENOMEM;
	}
	return 0;
}

/* The kernel's services (other than the named ones) holding a frontend
 * that a wanted service of sub wants: they take part in the moves. */
static int sub_add_holders(struct svc_table *sub_have, struct svc_table *sub_want,
			   struct svc_table *want, struct svc_table *have)
{
	for (size_t i = 0; i < have->n; i++) {
		const struct svc_service *h = &have->v[i];
		bool holds = false;

		for (size_t j = 0; j < h->nfrontends && !holds; j++)
			for (size_t k = 0; k < sub_want->n && !holds; k++) {
				const struct svc_service *w = &sub_want->v[k];

				if (w->protocol != h->protocol || !strcmp(w->name, h->name))
					continue;
				holds = svc_service_find_frontend((struct svc_service *)w,
								  &h->frontends[j]) != NULL;
			}
		if (holds && (sub_add(sub_have, have, h->name) || sub_add(sub_want, want, h->name)))
			return -ENOMEM;
	}
	return 0;
}

int svc_sync_some(struct svc_nl *nl, struct svc_table *want, const char *const *names,
		  size_t n, const struct svc_config *want_cfg, struct svc_sync_have *have,
		  svc_sync_cb cb, void *data, struct svc_sync_stats *st)
{
	struct svc_sync_have sub = { .valid = true };
	struct svc_table sub_want;
	int ret = -ENOMEM;

	if (!have || !have->valid)
		return svc_sync(nl, want, want_cfg, have, cb, data, st);
	svc_table_init(&sub_want);
	for (size_t i = 0; i < n; i++)
		if (sub_add(&sub_want, want, names[i]) || sub_add(&sub.table, &have->table, names[i]))
			goto out;
	if (sub_add_holders(&sub.table, &sub_want, want, &have->table) ||
	    svc_config_copy(&sub.cfg, &have->cfg))
		goto out;
	ret = svc_sync(nl, &sub_want, want_cfg, &sub, cb, data, st);
	if (ret)
		goto out;
	/* sub now describes the kernel for those names: fold it into have */
	for (size_t i = 0; i < n; i++)
		svc_table_del(&have->table, names[i]);
	for (size_t i = 0; i < sub_want.n; i++)
		svc_table_del(&have->table, sub_want.v[i].name);
	for (size_t i = 0; i < sub.table.n; i++) {
		struct svc_service copy;

		svc_table_del(&have->table, sub.table.v[i].name);
		if (svc_service_copy(&copy, &sub.table.v[i]) ||
		    svc_table_insert(&have->table, &copy)) {
			ret = -ENOMEM;
			goto out;
		}
	}
	svc_config_free(&have->cfg);
	have->cfg = sub.cfg;
	memset(&sub.cfg, 0, sizeof(sub.cfg));
out:
	if (ret)
		have->valid = false;	/* the next sync dumps */
	svc_sync_have_free(&sub);
	svc_table_free(&sub_want);
	return ret;
}

void svc_sync_have_free(struct svc_sync_have *have)
{
	svc_table_free(&have->table);
	svc_config_free(&have->cfg);
	have->valid = false;
}
