// SPDX-License-Identifier: GPL-2.0
/* model.c: ownership, ordering and lookup for the plain-data table model. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "model.h"

size_t svc_addr_len(uint16_t family)
{
	switch (family) {
	case AF_INET:
		return sizeof(struct in_addr);
	case AF_INET6:
		return sizeof(struct in6_addr);
	default:
		return 0;
	}
}

static int grow(void **v, size_t *cap, size_t need, size_t elem)
{
	size_t ncap;
	void *nv;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 4;
	while (ncap < need)
		ncap *= 2;
	nv = realloc(*v, ncap * elem);
	if (!nv)
		return -ENOMEM;
	/* keep the unused tail zeroed so structs start out empty */
	memset((char *)nv + *cap * elem, 0, (ncap - *cap) * elem);
	*v = nv;
	*cap = ncap;
	return 0;
}

static int cmp_family_addr(uint16_t fa, const union svc_inaddr *a,
			   uint16_t fb, const union svc_inaddr *b)
{
	size_t len;

	if (fa != fb)
		return fa < fb ? -1 : 1;
	len = svc_addr_len(fa);
	return len ? memcmp(a->b, b->b, len) : 0;
}

/* ---- CIDR lists ---- */

int svc_cidrs_add(struct svc_cidrs *l, const struct svc_cidr *c)
{
	if (grow((void **)&l->v, &l->cap, l->n + 1, sizeof(*l->v)))
		return -ENOMEM;
	l->v[l->n++] = *c;
	return 0;
}

int svc_cidrs_copy(struct svc_cidrs *dst, const struct svc_cidrs *src)
{
	memset(dst, 0, sizeof(*dst));
	if (!src->n)
		return 0;
	dst->v = malloc(src->n * sizeof(*dst->v));
	if (!dst->v)
		return -ENOMEM;
	memcpy(dst->v, src->v, src->n * sizeof(*dst->v));
	dst->n = dst->cap = src->n;
	return 0;
}

void svc_cidrs_free(struct svc_cidrs *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int svc_cidr_cmp(const struct svc_cidr *a, const struct svc_cidr *b)
{
	int r = cmp_family_addr(a->family, &a->addr, b->family, &b->addr);

	if (r)
		return r;
	if (a->prefixlen != b->prefixlen)
		return a->prefixlen < b->prefixlen ? -1 : 1;
	return 0;
}

bool svc_cidrs_equal(const struct svc_cidrs *a, const struct svc_cidrs *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (svc_cidr_cmp(&a->v[i], &b->v[i]))
			return false;
	return true;
}

/* ---- frontends and backends ---- */

int svc_frontend_copy(struct svc_frontend *dst, const struct svc_frontend *src)
{
	*dst = *src;
	return svc_cidrs_copy(&dst->source_ranges, &src->source_ranges);
}

void svc_frontend_free(struct svc_frontend *fe)
{
	svc_cidrs_free(&fe->source_ranges);
	memset(fe, 0, sizeof(*fe));
}

int svc_frontend_cmp(const struct svc_frontend *a, const struct svc_frontend *b)
{
	int r;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	r = cmp_family_addr(a->family, &a->addr, b->family, &b->addr);
	if (r)
		return r;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return 0;
}

int svc_backend_cmp(const struct svc_backend *a, const struct svc_backend *b)
{
	int r = cmp_family_addr(a->family, &a->addr, b->family, &b->addr);

	if (r)
		return r;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return 0;
}

uint32_t svc_backend_weight(const struct svc_backend *be)
{
	return (be->has & SVC_BE_HAS_WEIGHT) ? be->weight : 1;
}

uint32_t svc_backend_flags(const struct svc_backend *be)
{
	return (be->has & SVC_BE_HAS_FLAGS) ? be->flags : 0;
}

/* ---- services ---- */

void svc_service_clear_frontends(struct svc_service *s)
{
	for (size_t i = 0; i < s->nfrontends; i++)
		svc_frontend_free(&s->frontends[i]);
	free(s->frontends);
	s->frontends = NULL;
	s->nfrontends = s->cap_frontends = 0;
}

void svc_service_clear_backends(struct svc_service *s)
{
	free(s->backends);
	s->backends = NULL;
	s->nbackends = s->cap_backends = 0;
}

void svc_service_free(struct svc_service *s)
{
	svc_service_clear_frontends(s);
	svc_service_clear_backends(s);
	memset(s, 0, sizeof(*s));
}

int svc_service_add_frontend(struct svc_service *s, const struct svc_frontend *fe)
{
	if (grow((void **)&s->frontends, &s->cap_frontends, s->nfrontends + 1,
		 sizeof(*s->frontends)))
		return -ENOMEM;
	if (svc_frontend_copy(&s->frontends[s->nfrontends], fe))
		return -ENOMEM;
	s->nfrontends++;
	return 0;
}

int svc_service_add_backend(struct svc_service *s, const struct svc_backend *be)
{
	if (grow((void **)&s->backends, &s->cap_backends, s->nbackends + 1,
		 sizeof(*s->backends)))
		return -ENOMEM;
	s->backends[s->nbackends++] = *be;
	return 0;
}

int svc_service_copy(struct svc_service *dst, const struct svc_service *src)
{
	*dst = *src;
	dst->frontends = NULL;
	dst->nfrontends = dst->cap_frontends = 0;
	dst->backends = NULL;
	dst->nbackends = dst->cap_backends = 0;
	for (size_t i = 0; i < src->nfrontends; i++)
		if (svc_service_add_frontend(dst, &src->frontends[i]))
			goto nomem;
	if (src->nbackends) {
		dst->backends = malloc(src->nbackends * sizeof(*dst->backends));
		if (!dst->backends)
			goto nomem;
		memcpy(dst->backends, src->backends,
		       src->nbackends * sizeof(*dst->backends));
		dst->nbackends = dst->cap_backends = src->nbackends;
	}
	return 0;
nomem:
	svc_service_free(dst);
	return -ENOMEM;
}

struct svc_frontend *svc_service_find_frontend(struct svc_service *s,
					       const struct svc_frontend *key)
{
	for (size_t i = 0; i < s->nfrontends; i++)
		if (!svc_frontend_cmp(&s->frontends[i], key))
			return &s->frontends[i];
	return NULL;
}

struct svc_backend *svc_service_find_backend(struct svc_service *s,
					     const struct svc_backend *key)
{
	for (size_t i = 0; i < s->nbackends; i++)
		if (!svc_backend_cmp(&s->backends[i], key))
			return &s->backends[i];
	return NULL;
}

bool svc_service_del_frontend(struct svc_service *s, const struct svc_frontend *key)
{
	struct svc_frontend *fe = svc_service_find_frontend(s, key);
	size_t i;

	if (!fe)
		return false;
	i = (size_t)(fe - s->frontends);
	svc_frontend_free(fe);
	memmove(&s->frontends[i], &s->frontends[i + 1],
		(s->nfrontends - i - 1) * sizeof(*fe));
	s->nfrontends--;
	memset(&s->frontends[s->nfrontends], 0, sizeof(*fe));
	return true;
}

bool svc_service_del_backend(struct svc_service *s, const struct svc_backend *key)
{
	struct svc_backend *be = svc_service_find_backend(s, key);
	size_t i;

	if (!be)
		return false;
	i = (size_t)(be - s->backends);
	memmove(&s->backends[i], &s->backends[i + 1],
		(s->nbackends - i - 1) * sizeof(*be));
	s->nbackends--;
	return true;
}

static int fe_qcmp(const void *a, const void *b)
{
	return svc_frontend_cmp(a, b);
}

static int be_qcmp(const void *a, const void *b)
{
	return svc_backend_cmp(a, b);
}

static int cidr_qcmp(const void *a, const void *b)
{
	return svc_cidr_cmp(a, b);
}

/* Sorting is most of a sync's time at 10,000 services (svc_sync sorts both
 * whole tables on every run, and almost everything is sorted already):
 * check in one pass first, sort only what is not. */
static bool sorted(const void *v, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	const char *p = v;

	for (size_t i = 1; i < n; i++)
		if (cmp(p + (i - 1) * size, p + i * size) > 0)
			return false;
	return true;
}

static void sort_if(void *v, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1 && !sorted(v, n, size, cmp))
		qsort(v, n, size, cmp);
}

void svc_service_sort(struct svc_service *s)
{
	sort_if(s->frontends, s->nfrontends, sizeof(*s->frontends), fe_qcmp);
	for (size_t i = 0; i < s->nfrontends; i++) {
		struct svc_cidrs *r = &s->frontends[i].source_ranges;

		sort_if(r->v, r->n, sizeof(*r->v), cidr_qcmp);
	}
	sort_if(s->backends, s->nbackends, sizeof(*s->backends), be_qcmp);
}

uint8_t svc_service_scheduler(const struct svc_service *s)
{
	return (s->has & SVC_SVC_HAS_SCHEDULER) ? s->scheduler : SVCVIP_SCHED_MAGLEV;
}

uint8_t svc_service_affinity(const struct svc_service *s)
{
	return (s->has & SVC_SVC_HAS_AFFINITY) ? s->affinity : SVCVIP_AFFINITY_NONE;
}

uint32_t svc_service_affinity_timeout(const struct svc_service *s)
{
	return (s->has & SVC_SVC_HAS_AFFINITY_TIMEOUT) ?
		s->affinity_timeout : SVCVIP_AFFINITY_TIMEOUT_DEFAULT;
}

uint8_t svc_service_internal_policy(const struct svc_service *s)
{
	return (s->has & SVC_SVC_HAS_INTERNAL_POLICY) ?
		s->internal_policy : SVCVIP_POLICY_CLUSTER;
}

uint8_t svc_service_external_policy(const struct svc_service *s)
{
	return (s->has & SVC_SVC_HAS_EXTERNAL_POLICY) ?
		s->external_policy : SVCVIP_POLICY_CLUSTER;
}

bool svc_service_equal(const struct svc_service *a, const struct svc_service *b)
{
	if (((a->has ^ b->has) & SVC_SVC_HAS_PROTOCOL) ||
	    ((a->has & SVC_SVC_HAS_PROTOCOL) && a->protocol != b->protocol) ||
	    svc_service_scheduler(a) != svc_service_scheduler(b) ||
	    svc_service_affinity(a) != svc_service_affinity(b) ||
	    svc_service_internal_policy(a) != svc_service_internal_policy(b) ||
	    svc_service_external_policy(a) != svc_service_external_policy(b))
		return false;
	/* the timeout only matters with client affinity */
	if (svc_service_affinity(a) != SVCVIP_AFFINITY_NONE &&
	    svc_service_affinity_timeout(a) != svc_service_affinity_timeout(b))
		return false;
	if (a->nfrontends != b->nfrontends || a->nbackends != b->nbackends)
		return false;
	for (size_t i = 0; i < a->nfrontends; i++)
		if (svc_frontend_cmp(&a->frontends[i], &b->frontends[i]) ||
		    !svc_cidrs_equal(&a->frontends[i].source_ranges,
				     &b->frontends[i].source_ranges))
			return false;
	for (size_t i = 0; i < a->nbackends; i++)
		if (svc_backend_cmp(&a->backends[i], &b->backends[i]) ||
		    svc_backend_weight(&a->backends[i]) != svc_backend_weight(&b->backends[i]) ||
		    svc_backend_flags(&a->backends[i]) != svc_backend_flags(&b->backends[i]))
			return false;
	return true;
}

/* ---- configuration ---- */

/* the attribute SVCVIP_<NEST>_A_<NAME> with has bit SVC_<HAS>_HAS_<NAME> */
#define SVC_FIELD(NAME, kind, member) { SVCVIP_SERVICE_A_##NAME, kind, \
	SVC_SVC_HAS_##NAME, offsetof(struct svc_service, member) }
#define CFG_FIELD(NAME, kind, member) { SVCVIP_CONFIG_A_##NAME, kind, \
	SVC_CFG_HAS_##NAME, offsetof(struct svc_config, member) }

const struct svc_field svc_service_fields[SVC_SERVICE_NFIELDS] = {
	SVC_FIELD(PROTOCOL, SVC_FK_U8, protocol),
	SVC_FIELD(SCHEDULER, SVC_FK_U8, scheduler),
	SVC_FIELD(AFFINITY, SVC_FK_U8, affinity),
	SVC_FIELD(AFFINITY_TIMEOUT, SVC_FK_U32, affinity_timeout),
	SVC_FIELD(INTERNAL_POLICY, SVC_FK_U8, internal_policy),
	SVC_FIELD(EXTERNAL_POLICY, SVC_FK_U8, external_policy),
};

const struct svc_field svc_config_fields[SVC_CONFIG_NFIELDS] = {
	CFG_FIELD(CLUSTER_CIDRS, SVC_FK_CIDRS, cluster_cidrs),
	CFG_FIELD(MASQUERADE_ALL, SVC_FK_U8, masquerade_all),
	CFG_FIELD(NODEPORT_CIDRS, SVC_FK_CIDRS, nodeport_cidrs),
	CFG_FIELD(LOCAL_CIDRS, SVC_FK_CIDRS, local_cidrs),
	CFG_FIELD(SERVICE_CIDRS, SVC_FK_CIDRS, service_cidrs),
	CFG_FIELD(AFFINITY_MAX, SVC_FK_U32, affinity_max),
	CFG_FIELD(MAX_SERVICES, SVC_FK_U32, max_services),
	CFG_FIELD(MAX_FRONTENDS, SVC_FK_U32, max_frontends),
	CFG_FIELD(MAX_BACKENDS, SVC_FK_U32, max_backends),
	CFG_FIELD(PACKET_STATS, SVC_FK_U8, packet_stats),
	CFG_FIELD(HASH_SEED, SVC_FK_SEED, hash_seed),
	CFG_FIELD(MAGLEV_TABLE_SIZE, SVC_FK_U32, maglev_table_size),
};

void svc_fields_copy(void *dst, const void *src, uint32_t bits,
		     const struct svc_field *f, size_t n)
{
	for (; n; f++, n--)
		if (f->kind != SVC_FK_CIDRS && (bits & f->bit))
			memcpy((char *)dst + f->off, (const char *)src + f->off,
			       f->kind == SVC_FK_U8 ? 1 :
			       f->kind == SVC_FK_U32 ? 4 : SVC_HASH_SEED_LEN);
}

#define for_each_config_list(f)						\
	for (const struct svc_field *f = svc_config_fields;		\
	     f < svc_config_fields + SVC_CONFIG_NFIELDS; f++)		\
		if (f->kind == SVC_FK_CIDRS)

static struct svc_cidrs *config_list(const struct svc_config *c, const struct svc_field *f)
{
	return (struct svc_cidrs *)((const char *)c + f->off);
}

int svc_config_copy(struct svc_config *dst, const struct svc_config *src)
{
	*dst = *src;
	for_each_config_list(f)
		memset(config_list(dst, f), 0, sizeof(struct svc_cidrs));
	for_each_config_list(f) {
		if (svc_cidrs_copy(config_list(dst, f), config_list(src, f))) {
			svc_config_free(dst);
			return -ENOMEM;
		}
	}
	return 0;
}

void svc_config_free(struct svc_config *c)
{
	for_each_config_list(f)
		svc_cidrs_free(config_list(c, f));
	memset(c, 0, sizeof(*c));
}

static int merge_cidrs(struct svc_cidrs *dst, const struct svc_cidrs *src)
{
	struct svc_cidrs tmp;

	if (svc_cidrs_copy(&tmp, src))
		return -ENOMEM;
	svc_cidrs_free(dst);
	*dst = tmp;
	return 0;
}

int svc_config_merge(struct svc_config *dst, const struct svc_config *src)
{
	/* the lists first: a failure leaves dst's settings as they were */
	for_each_config_list(f)
		if ((src->has & f->bit) && merge_cidrs(config_list(dst, f), config_list(src, f)))
			return -ENOMEM;
	svc_fields_copy(dst, src, src->has, svc_config_fields, SVC_CONFIG_NFIELDS);
	dst->has |= src->has;
	return 0;
}

/* ---- tables ---- */

void svc_table_init(struct svc_table *t)
{
	memset(t, 0, sizeof(*t));
}

void svc_table_clear(struct svc_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		svc_service_free(&t->v[i]);
	t->n = 0;
	if (t->index)
		memset(t->index, 0, t->index_cap * sizeof(*t->index));
	t->index_stale = false;
}

void svc_table_free(struct svc_table *t)
{
	svc_table_clear(t);
	free(t->v);
	free(t->index);
	memset(t, 0, sizeof(*t));
}

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= 16777619u;
	}
	return h;
}

static void index_put(struct svc_table *t, size_t pos)
{
	size_t mask = t->index_cap - 1;
	size_t i = name_hash(t->v[pos].name) & mask;

	while (t->index[i])
		i = (i + 1) & mask;
	t->index[i] = (uint32_t)(pos + 1);
}

static int index_rebuild(struct svc_table *t, size_t want)
{
	size_t cap = 64;

	while (cap < want * 2)
		cap *= 2;
	if (cap != t->index_cap) {
		uint32_t *ni = calloc(cap, sizeof(*ni));

		if (!ni)
			return -ENOMEM;
		free(t->index);
		t->index = ni;
		t->index_cap = cap;
	} else {
		memset(t->index, 0, cap * sizeof(*t->index));
	}
	for (size_t i = 0; i < t->n; i++)
		index_put(t, i);
	t->index_stale = false;
	return 0;
}

struct svc_service *svc_table_find(struct svc_table *t, const char *name)
{
	size_t mask, i;

	if (!t->n)
		return NULL;
	if ((t->index_stale || !t->index) && index_rebuild(t, t->n)) {
		for (i = 0; i < t->n; i++)	/* no memory: linear search */
			if (!strcmp(t->v[i].name, name))
				return &t->v[i];
		return NULL;
	}
	mask = t->index_cap - 1;
	for (i = name_hash(name) & mask; t->index[i]; i = (i + 1) & mask) {
		struct svc_service *s = &t->v[t->index[i] - 1];

		if (!strcmp(s->name, name))
			return s;
	}
	return NULL;
}

static struct svc_service *table_append(struct svc_table *t)
{
	if (grow((void **)&t->v, &t->cap, t->n + 1, sizeof(*t->v)))
		return NULL;
	if (t->n >= UINT32_MAX - 1)
		return NULL;
	t->n++;
	if (!t->index_stale && (t->n * 2 > t->index_cap || !t->index)) {
		if (index_rebuild(t, t->n))
			t->index_stale = true;
	} else if (!t->index_stale) {
		index_put(t, t->n - 1);
	}
	return &t->v[t->n - 1];
}

struct svc_service *svc_table_add(struct svc_table *t, const char *name)
{
	struct svc_service *s;
	size_t len = strlen(name);

	if (len >= SVCVIP_NAME_MAX)
		return NULL;
	if (grow((void **)&t->v, &t->cap, t->n + 1, sizeof(*t->v)))
		return NULL;
	/* the name must be in place before the index sees the slot */
	s = &t->v[t->n];
	memset(s, 0, sizeof(*s));
	memcpy(s->name, name, len + 1);
	s = table_append(t);
	return s;
}

int svc_table_insert(struct svc_table *t, struct svc_service *s)
{
	if (svc_table_find(t, s->name))
		return -EEXIST;
	if (grow((void **)&t->v, &t->cap, t->n + 1, sizeof(*t->v)))
		return -ENOMEM;
	t->v[t->n] = *s;
	if (!table_append(t))
		return -ENOMEM;
	memset(s, 0, sizeof(*s));
	return 0;
}

/* The index slot that holds position pos, or index_cap if none. */
static size_t index_slot(const struct svc_table *t, size_t pos)
{
	size_t mask = t->index_cap - 1;

	for (size_t i = name_hash(t->v[pos].name) & mask; t->index[i]; i = (i + 1) & mask)
		if (t->index[i] == pos + 1)
			return i;
	return t->index_cap;
}

/* Linear probing's deletion: later entries of the run move up into the hole. */
static void index_remove(struct svc_table *t, size_t hole)
{
	size_t mask = t->index_cap - 1, j = hole;

	for (;;) {
		size_t home;

		j = (j + 1) & mask;
		if (!t->index[j])
			break;
		home = name_hash(t->v[t->index[j] - 1].name) & mask;
		/* j's entry may fill the hole unless its home lies in (hole, j] */
		if (hole <= j ? (home > hole && home <= j) : (home > hole || home <= j))
			continue;
		t->index[hole] = t->index[j];
		hole = j;
	}
	t->index[hole] = 0;
}

bool svc_table_del(struct svc_table *t, const char *name)
{
	struct svc_service *s = svc_table_find(t, name);
	size_t i, last, slot;

	if (!s)
		return false;
	i = (size_t)(s - t->v);
	last = t->n - 1;
	/* keep the index valid: O(1) instead of a rebuild at the next find */
	if (!t->index_stale && t->index) {
		slot = index_slot(t, i);
		if (slot < t->index_cap)
			index_remove(t, slot);
		else
			t->index_stale = true;
		if (i != last && !t->index_stale) {
			slot = index_slot(t, last);
			if (slot < t->index_cap)
				t->index[slot] = (uint32_t)(i + 1);
			else
				t->index_stale = true;
		}
	}
	svc_service_free(s);
	if (i != last)
		t->v[i] = t->v[last];
	memset(&t->v[last], 0, sizeof(*s));
	t->n--;
	return true;
}

static int svc_qcmp(const void *a, const void *b)
{
	return strcmp(((const struct svc_service *)a)->name,
		      ((const struct svc_service *)b)->name);
}

void svc_table_sort(struct svc_table *t)
{
	/* the index stays valid when no service moved */
	if (t->n > 1 && !sorted(t->v, t->n, sizeof(*t->v), svc_qcmp)) {
		qsort(t->v, t->n, sizeof(*t->v), svc_qcmp);
		t->index_stale = true;
	}
	for (size_t i = 0; i < t->n; i++)
		svc_service_sort(&t->v[i]);
}
