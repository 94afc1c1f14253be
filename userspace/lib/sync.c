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

/* Every frontend of t with its service, sorted. NULL on ENOMEM. */
static struct fe_ref *fe_refs(const struct svc_table *t, size_t *n)
{
	struct fe_ref *v;
	size_t k = 0;

	*n = 0;
	for (size_t i = 0; i < t->n; i++)
		*n += t->v[i].nfrontends;
	v = calloc(*n + 1, sizeof(*v));
	if (!v)
		return NULL;
	for (size_t i = 0; i < t->n; i++)
		for (size_t j = 0; j < t->v[i].nfrontends; j++)
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
	struct svc_sync_err x = { SVC_SYNC_CHECK, s ? s->name : NULL, tag, other, NULL };
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
	refs = fe_refs(want, &nrefs);
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

enum { SAME, PENDING, SENT };

struct run {
	struct svc_nl *nl;
	struct svc_batch *b;
	struct svc_table *want;
	const struct svc_table *have;
	svc_sync_cb cb;
	void *data;
	uint8_t *state;			/* per wanted service */
	bool *reported;			/* per wanted service */
	const struct fe_ref *owners;	/* the kernel's frontends */
	size_t nowners;
	struct svc_sync_stats st;
	int abort;			/* negative errno */
};

#define CK(op, i)	(((uint64_t)(op) << 56) | (uint64_t)(i))

static void report(struct run *r, enum svc_sync_op op, size_t i, const struct svc_nlerr *e)
{
	struct svc_sync_err x = { op, NULL, 0, 0, e };

	if (op == SVC_SYNC_REPLACE) {
		if (r->reported[i])
			return;
		r->reported[i] = true;
		x.service = r->want->v[i].name;
		x.tag = r->want->v[i].tag;
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

/* The wanted service other than s whose kernel version holds fe, if it
 * is still to be replaced: s must wait for it. */
static bool held_by_pending(const struct run *r, const struct svc_service *s,
			    const struct svc_frontend *fe)
{
	struct fe_ref key = { fe, s };
	const struct fe_ref *o = bsearch(&key, r->owners, r->nowners, sizeof(*o), fe_ref_cmp);
	const struct svc_service *w;

	if (!o || !strcmp(o->s->name, s->name))
		return false;
	w = svc_table_find(r->want, o->s->name);
	return w && r->state[w - r->want->v] == PENDING;
}

static bool ready(const struct run *r, size_t i)
{
	const struct svc_service *s = &r->want->v[i];

	for (size_t j = 0; j < s->nfrontends; j++)
		if (held_by_pending(r, s, &s->frontends[j]))
			return false;
	return true;
}

static void replace(struct run *r, size_t i)
{
	queued(r, svc_batch_replace_service(r->b, r->nl, &r->want->v[i],
					    CK(SVC_SYNC_REPLACE, i)), SVC_SYNC_REPLACE, i);
	r->state[i] = SENT;
}

/* Replaces service i without the frontends other pending services hold:
 * it lets go of those it holds that others want. */
static void strip(struct run *r, size_t i)
{
	const struct svc_service *s = &r->want->v[i];
	struct svc_service tmp = *s;
	struct svc_frontend *keep = calloc(s->nfrontends + 1, sizeof(*keep));

	if (!keep) {
		r->abort = -ENOMEM;
		return;
	}
	tmp.nfrontends = 0;
	for (size_t j = 0; j < s->nfrontends; j++)
		if (!held_by_pending(r, s, &s->frontends[j]))
			keep[tmp.nfrontends++] = s->frontends[j];	/* shallow */
	tmp.frontends = keep;
	queued(r, svc_batch_replace_service(r->b, r->nl, &tmp, CK(SVC_SYNC_REPLACE, i)),
	       SVC_SYNC_REPLACE, i);
	r->st.stripped++;
	free(keep);
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
	struct svc_sync_err x = { SVC_SYNC_READ, NULL, 0, 0, NULL };
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
	size_t npending = 0, len = 2 * (SVC_NEST_MAX + 1024);
	struct fe_ref *owners = NULL;
	char *buf = NULL;
	int ret;

	svc_table_sort(want);
	ret = read_kernel(nl, h, want_cfg, cb, data);
	if (ret)
		goto out;
	buf = malloc(len);
	r.state = calloc(want->n + 1, sizeof(*r.state));
	r.reported = calloc(want->n + 1, sizeof(*r.reported));
	owners = fe_refs(&h->table, &r.nowners);
	r.owners = owners;
	r.b = buf && r.state && r.reported && owners ?
		svc_batch_new(nl, 0, on_err, &r) : NULL;
	if (!r.b) {
		ret = -ENOMEM;
		goto out;
	}

	/* 1. what want lacks goes: frees its frontends and room */
	for (size_t i = 0; i < h->table.n && !r.abort; i++) {
		if (svc_table_find(want, h->table.v[i].name))
			continue;
		queue(&r, svc_req_service(nl, buf, len, SVCVIP_CMD_DEL_SERVICE, 0,
					  &h->table.v[i], 0), SVC_SYNC_DEL, i);
		r.st.deleted++;
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
	/* 3. new and changed services, each after those letting go of its
	 *    frontends; a cycle lets go first, then takes */
	for (size_t i = 0; i < want->n; i++) {
		struct svc_service *cur = svc_table_find(&h->table, want->v[i].name);

		if (cur && svc_service_equal(&want->v[i], cur))
			continue;
		r.state[i] = PENDING;
		npending++;
		if (cur)
			r.st.replaced++;
		else
			r.st.added++;
	}
	while (npending && !r.abort) {
		size_t sent = 0;

		for (size_t i = 0; i < want->n && !r.abort; i++)
			if (r.state[i] == PENDING && ready(&r, i)) {
				replace(&r, i);
				sent++;
			}
		npending -= sent;
		if (sent || !npending)
			continue;
		for (size_t i = 0; i < want->n && !r.abort; i++)
			if (r.state[i] == PENDING)
				strip(&r, i);
		for (size_t i = 0; i < want->n && !r.abort; i++)
			if (r.state[i] == PENDING)
				replace(&r, i);
		npending = 0;
	}
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
	free(r.state);
	free(r.reported);
	free(buf);
	return ret;
}

void svc_sync_have_free(struct svc_sync_have *have)
{
	svc_table_free(&have->table);
	svc_config_free(&have->cfg);
	have->valid = false;
}
