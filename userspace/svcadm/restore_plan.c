// SPDX-License-Identifier: GPL-2.0
/* restore_plan.c: grouping of line-mode restore lines (see restore_plan.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "restore_plan.h"

/* ---- a small open-addressing hash of fixed-size keys to uint32 ---- */

struct hmap {
	unsigned char *keys;
	uint32_t *vals;
	bool *used;
	size_t ksz, cap, n;
};

static uint64_t hash_bytes(const void *p, size_t len)
{
	const unsigned char *b = p;
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= b[i];
		h *= 1099511628211ULL;
	}
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	return h ^ (h >> 32);
}

static void hmap_free(struct hmap *m)
{
	free(m->keys);
	free(m->vals);
	free(m->used);
	memset(m, 0, sizeof(*m));
}

static int hmap_init(struct hmap *m, size_t ksz, size_t expect)
{
	size_t cap = 16;

	while (cap < expect * 2)
		cap *= 2;
	memset(m, 0, sizeof(*m));
	m->ksz = ksz;
	m->cap = cap;
	m->keys = malloc(cap * ksz);
	m->vals = malloc(cap * sizeof(*m->vals));
	m->used = calloc(cap, sizeof(*m->used));
	if (!m->keys || !m->vals || !m->used) {
		hmap_free(m);
		return -ENOMEM;
	}
	return 0;
}

static size_t hmap_slot(const struct hmap *m, const void *key)
{
	size_t i = (size_t)hash_bytes(key, m->ksz) & (m->cap - 1);

	while (m->used[i] && memcmp(m->keys + i * m->ksz, key, m->ksz))
		i = (i + 1) & (m->cap - 1);
	return i;
}

/* The value of key, or RP_NONE. */
static uint32_t hmap_get(const struct hmap *m, const void *key)
{
	size_t i = hmap_slot(m, key);

	return m->used[i] ? m->vals[i] : RP_NONE;
}

static int hmap_put(struct hmap *m, const void *key, uint32_t val)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap) {
		struct hmap big;

		if (hmap_init(&big, m->ksz, m->cap))
			return -ENOMEM;
		for (size_t k = 0; k < m->cap; k++) {
			if (!m->used[k])
				continue;
			i = hmap_slot(&big, m->keys + k * m->ksz);
			big.used[i] = true;
			memcpy(big.keys + i * big.ksz, m->keys + k * m->ksz, m->ksz);
			big.vals[i] = m->vals[k];
			big.n++;
		}
		hmap_free(m);
		*m = big;
	}
	i = hmap_slot(m, key);
	if (!m->used[i]) {
		m->used[i] = true;
		memcpy(m->keys + i * m->ksz, key, m->ksz);
		m->n++;
	}
	m->vals[i] = val;
	return 0;
}

/* ---- names ---- */

struct rp_names {
	char **v;
	size_t n, cap;
	uint32_t *slots;	/* id + 1, 0 = free */
	size_t nslots;
};

struct rp_names *rp_names_new(void)
{
	struct rp_names *nm = calloc(1, sizeof(*nm));

	if (!nm)
		return NULL;
	nm->nslots = 1024;
	nm->slots = calloc(nm->nslots, sizeof(*nm->slots));
	if (!nm->slots) {
		free(nm);
		return NULL;
	}
	return nm;
}

void rp_names_free(struct rp_names *nm)
{
	if (!nm)
		return;
	for (size_t i = 0; i < nm->n; i++)
		free(nm->v[i]);
	free(nm->v);
	free(nm->slots);
	free(nm);
}

uint32_t rp_names_count(const struct rp_names *nm)
{
	return (uint32_t)nm->n;
}

const char *rp_names_name(const struct rp_names *nm, uint32_t id)
{
	return id < nm->n ? nm->v[id] : NULL;
}

static size_t name_slot(const struct rp_names *nm, const char *name)
{
	size_t i = (size_t)hash_bytes(name, strlen(name)) & (nm->nslots - 1);

	while (nm->slots[i] && strcmp(nm->v[nm->slots[i] - 1], name))
		i = (i + 1) & (nm->nslots - 1);
	return i;
}

uint32_t rp_names_id(struct rp_names *nm, const char *name)
{
	size_t i = name_slot(nm, name);

	if (nm->slots[i])
		return nm->slots[i] - 1;
	if (nm->n >= RP_ALL - 1)
		return RP_NONE;
	if ((nm->n + 1) * 2 > nm->nslots) {
		size_t nslots = nm->nslots * 2;
		uint32_t *ns = calloc(nslots, sizeof(*ns)), *old = nm->slots;

		if (!ns)
			return RP_NONE;
		nm->slots = ns;
		nm->nslots = nslots;
		for (size_t k = 0; k < nm->n; k++)
			nm->slots[name_slot(nm, nm->v[k])] = (uint32_t)k + 1;
		free(old);
		i = name_slot(nm, name);
	}
	if (nm->n == nm->cap) {
		size_t ncap = nm->cap ? nm->cap * 2 : 256;
		char **nv = realloc(nm->v, ncap * sizeof(*nv));

		if (!nv)
			return RP_NONE;
		nm->v = nv;
		nm->cap = ncap;
	}
	nm->v[nm->n] = strdup(name);
	if (!nm->v[nm->n])
		return RP_NONE;
	nm->slots[i] = (uint32_t)nm->n + 1;
	return (uint32_t)nm->n++;
}

/* ---- where ---- */

int rp_where_entry(const char *where, size_t *idx)
{
	static const char *const lists[] = { "service.frontends[", "service.backends[",
					     "backends[" };

	for (int l = 0; l < 3; l++) {
		size_t len = strlen(lists[l]), v = 0;
		const char *p = where + len;

		if (strncmp(where, lists[l], len))
			continue;
		if (*p < '0' || *p > '9')
			return -1;
		for (; *p >= '0' && *p <= '9'; p++) {
			if (v > (SIZE_MAX - 9) / 10)
				return -1;
			v = v * 10 + (size_t)(*p - '0');
		}
		if (*p != ']')
			return -1;
		*idx = v;
		return l;
	}
	return -1;
}

/* ---- the plan ---- */

enum { S_NONE, S_OPEN, S_CLOSED };

struct conflict_key {
	uint32_t seg;
	struct rp_key key;
};

struct dup_key {		/* group ids are reused when one is dissolved */
	uint32_t seg;
	uint32_t svc;
	uint32_t kind;
	struct rp_key key;
};

#define CONFLICT	(RP_ALL - 1)

struct planner {
	struct rp_item *items;
	const struct rp_limits *lim;
	struct rp_plan *plan;
	size_t gcap;
	uint32_t *stamp, *state, *sgroup;	/* per service, valid if stamp == seg */
	struct hmap conflicts, dups;
	uint32_t seg;
};

static struct rp_key coarse(const struct rp_key *k)
{
	struct rp_key c = *k;

	if (c.nodeport)
		c.family = 0;
	return c;
}

static int new_group(struct planner *p, uint32_t head)
{
	struct rp_plan *pl = p->plan;

	if (pl->ngroups == p->gcap) {
		size_t ncap = p->gcap ? p->gcap * 2 : 64;
		struct rp_group *ng = realloc(pl->groups, ncap * sizeof(*ng));

		if (!ng)
			return -ENOMEM;
		pl->groups = ng;
		p->gcap = ncap;
	}
	memset(&pl->groups[pl->ngroups], 0, sizeof(pl->groups[0]));
	pl->groups[pl->ngroups].head = head;
	pl->groups[pl->ngroups].last = head;
	pl->groups[pl->ngroups].bytes = p->items[head].size;
	pl->ngroups++;
	return 0;
}

/* Where a group's backends go while it is being fitted. */
struct fit {
	uint64_t nest;		/* service nest so far */
	uint64_t lists;		/* top-level lists so far */
	uint64_t part;		/* payload of the current (last) list part */
	bool in_lists;		/* the nest is full: backends go to the lists */
	bool full;		/* nothing more of this kind fits */
};

static void overflow(struct rp_group *g, struct rp_item *it)
{
	it->disp = RP_AFTER;
	it->overflow = 1;
	g->after++;
	if (it->kind == RP_FE_ADD)
		g->overflow_fe++;
	else
		g->overflow_be++;
}

/* Room for a frontend: in the nest only. */
static bool fit_frontend(const struct rp_limits *lim, struct rp_group *g,
			 struct fit *f, const struct rp_item *it)
{
	if (f->full || f->nest + it->size > lim->nest_bytes ||
	    g->merged_fe >= lim->list_frontends)
		return false;
	f->nest += it->size;
	g->merged_fe++;
	return true;
}

/* Room for a backend: in the nest while it has room, then in the lists
 * (a new part when the current one is full), within the message. */
static bool fit_backend(const struct rp_limits *lim, struct rp_group *g,
			struct fit *f, const struct rp_item *it)
{
	uint64_t msg = lim->msg_bytes > lim->nest_bytes ? lim->msg_bytes : lim->nest_bytes;
	uint64_t add = it->size;

	if (f->full || g->merged_be >= lim->list_backends)
		return false;
	if (!f->in_lists && f->nest + add <= lim->nest_bytes) {
		f->nest += add;
		g->merged_be++;
		return true;
	}
	f->in_lists = true;
	if (!f->lists || f->part + add > lim->nest_bytes) {
		if (add > lim->nest_bytes)
			return false;
		add += RP_LIST_HDR;
		f->part = 0;
	}
	if (f->nest + f->lists + add > msg)
		return false;
	f->lists += add;
	f->part += it->size;
	g->merged_be++;
	g->list_be++;
	return true;
}

/* Which members fit in the NEW_SERVICE: frontends first (in the nest), then
 * backends (nest, then lists), each in line order until the first that
 * does not fit. */
static void fit_group(struct planner *p, struct rp_group *g)
{
	for (int pass = 0; pass < 2; pass++) {
		uint8_t kind = pass ? RP_BE_ADD : RP_FE_ADD;
		struct fit f = { .nest = g->bytes };

		for (uint32_t i = p->items[g->head].next; i != RP_NONE;
		     i = p->items[i].next) {
			struct rp_item *it = &p->items[i];
			bool ok;

			if (it->disp != RP_MERGED || it->kind != kind)
				continue;
			ok = pass ? fit_backend(p->lim, g, &f, it) : fit_frontend(p->lim, g, &f, it);
			if (ok)
				continue;
			f.full = true;
			overflow(g, it);
		}
		g->bytes = (uint32_t)f.nest;
		if (pass)
			g->list_bytes = (uint32_t)f.lists;
	}
}

/* Plans the segment items[a..b) (all add lines or skips). */
static int plan_segment(struct planner *p, size_t a, size_t b, bool last)
{
	struct rp_item *items = p->items;
	struct rp_plan *pl = p->plan;
	uint32_t seg = ++p->seg, g0 = (uint32_t)pl->ngroups, *map;
	size_t merged = 0;

	for (size_t i = a; i < b; i++) {
		struct conflict_key ck;
		uint32_t v;

		if (items[i].kind != RP_FE_ADD)
			continue;
		memset(&ck, 0, sizeof(ck));
		ck.seg = seg;
		ck.key = coarse(&items[i].key);
		v = hmap_get(&p->conflicts, &ck);
		if (v == RP_NONE || (v != items[i].svc && v != CONFLICT))
			if (hmap_put(&p->conflicts, &ck, v == RP_NONE ? items[i].svc : CONFLICT))
				return -ENOMEM;
	}

	for (size_t i = a; i < b; i++) {
		struct rp_item *it = &items[i];
		uint32_t s = it->svc, g;

		if (it->kind == RP_SKIP)
			continue;
		if (p->stamp[s] != seg) {
			p->stamp[s] = seg;
			p->state[s] = S_NONE;
		}
		if (it->kind == RP_SVC_ADD) {
			if (p->state[s] != S_NONE) {
				it->wait = p->sgroup[s];
				p->state[s] = S_CLOSED;
				continue;
			}
			if (new_group(p, (uint32_t)i))
				return -ENOMEM;
			it->disp = RP_HEAD;
			it->group = (uint32_t)pl->ngroups - 1;
			p->state[s] = S_OPEN;
			p->sgroup[s] = it->group;
			continue;
		}
		if (p->state[s] == S_NONE)
			continue;
		g = p->sgroup[s];
		if (p->state[s] == S_CLOSED) {
			it->wait = g;
			continue;
		}
		if (it->kind == RP_FE_ADD) {
			struct conflict_key ck;

			memset(&ck, 0, sizeof(ck));
			ck.seg = seg;
			ck.key = coarse(&it->key);
			if (hmap_get(&p->conflicts, &ck) == CONFLICT) {
				it->wait = g;
				continue;
			}
		}
		{
			struct dup_key dk;

			memset(&dk, 0, sizeof(dk));
			dk.seg = seg;
			dk.svc = s;
			dk.kind = it->kind;
			dk.key = it->key;
			it->group = g;
			items[pl->groups[g].last].next = (uint32_t)i;
			pl->groups[g].last = (uint32_t)i;
			if (hmap_get(&p->dups, &dk) != RP_NONE) {
				it->disp = RP_AFTER;
				pl->groups[g].after++;
			} else {
				if (hmap_put(&p->dups, &dk, 1))
					return -ENOMEM;
				it->disp = RP_MERGED;
			}
		}
	}

	for (uint32_t g = g0; g < pl->ngroups; g++) {
		fit_group(p, &pl->groups[g]);
		merged += pl->groups[g].merged_fe + pl->groups[g].merged_be;
	}

	/* dissolve groups that save nothing, or all if the segment saves too
	 * little for the round trip its end costs; renumber the others */
	map = malloc(((size_t)pl->ngroups - g0 + 1) * sizeof(*map));
	if (!map)
		return -ENOMEM;
	{
		uint32_t ng = g0;
		bool all = !last && merged < p->lim->min_merged;

		for (uint32_t g = g0; g < pl->ngroups; g++) {
			struct rp_group *gr = &pl->groups[g];

			if (all || !(gr->merged_fe + gr->merged_be)) {
				map[g - g0] = RP_NONE;
				continue;
			}
			map[g - g0] = ng;
			pl->merged += gr->merged_fe + gr->merged_be;
			pl->groups[ng++] = *gr;
		}
		pl->ngroups = ng;
	}
	for (size_t i = a; i < b; i++) {
		struct rp_item *it = &items[i];

		if (it->wait < RP_ALL && it->wait >= g0)
			it->wait = map[it->wait - g0];
		if (it->group == RP_NONE || it->group < g0)
			continue;
		it->group = map[it->group - g0];
		if (it->group == RP_NONE) {
			it->disp = RP_SEND;
			it->overflow = 0;
			it->next = RP_NONE;
		}
	}
	free(map);
	return 0;
}

void rp_plan_free(struct rp_plan *plan)
{
	free(plan->groups);
	memset(plan, 0, sizeof(*plan));
}

int rp_plan_build(struct rp_item *items, size_t n, uint32_t nsvc,
		  const struct rp_limits *lim, struct rp_plan *plan)
{
	struct planner p;
	uint64_t creates = 0, fe_adds = 0;
	uint32_t max_s = lim->max_services, max_f = lim->max_frontends;
	int r = -ENOMEM;
	size_t a = 0;

	memset(plan, 0, sizeof(*plan));
	memset(&p, 0, sizeof(p));
	p.items = items;
	p.lim = lim;
	p.plan = plan;
	for (size_t i = 0; i < n; i++) {
		items[i].disp = RP_SEND;
		items[i].overflow = 0;
		items[i].group = RP_NONE;
		items[i].wait = RP_NONE;
		items[i].next = RP_NONE;
	}
	p.stamp = calloc((size_t)nsvc + 1, sizeof(*p.stamp));
	p.state = calloc((size_t)nsvc + 1, sizeof(*p.state));
	p.sgroup = calloc((size_t)nsvc + 1, sizeof(*p.sgroup));
	if (!p.stamp || !p.state || !p.sgroup ||
	    hmap_init(&p.conflicts, sizeof(struct conflict_key), 64) ||
	    hmap_init(&p.dups, sizeof(struct dup_key), 64))
		goto out;

	while (a < n) {
		size_t b = a, svc_adds = 0, fes = 0;

		if (items[a].kind == RP_OTHER) {
			items[a].wait = RP_ALL;
			creates += items[a].creates;
			if (items[a].max_services && items[a].max_services < max_s)
				max_s = items[a].max_services;
			if (items[a].max_frontends && items[a].max_frontends < max_f)
				max_f = items[a].max_frontends;
			a++;
			continue;
		}
		for (; b < n && items[b].kind != RP_OTHER; b++) {
			if (items[b].kind != RP_SKIP && items[b].svc >= nsvc) {
				r = -EINVAL;
				goto out;
			}
			svc_adds += items[b].kind == RP_SVC_ADD;
			fes += items[b].kind == RP_FE_ADD;
		}
		creates += svc_adds;
		fe_adds += fes;
		/* worst case: every add of the file so far succeeded */
		if (svc_adds && lim->nservices + creates <= max_s &&
		    lim->nfrontends + fe_adds <= max_f) {
			r = plan_segment(&p, a, b, b == n);
			if (r)
				goto out;
		}
		a = b;
	}
	r = 0;
out:
	if (r)
		rp_plan_free(plan);
	free(p.stamp);
	free(p.state);
	free(p.sgroup);
	hmap_free(&p.conflicts);
	hmap_free(&p.dups);
	return r;
}
