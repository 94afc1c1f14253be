// SPDX-License-Identifier: GPL-2.0
/*
 * restore.c: svcadm restore [--replace] [FILE|-]
 *
 * Without --replace every line is executed, pipelined in batches (one
 * sendmsg per batch, acks mapped back to lines); a "service add" and the
 * frontend/backend adds of that service after it are merged into one
 * NEW_SERVICE where that cannot change any line's outcome (restore_plan.h
 * says when), and re-sent line by line when the kernel refuses it, so that
 * each error is still reported on its own line. With --replace the whole
 * file is parsed into a model first (any error: nothing is applied), then
 * services missing from the file are deleted, the config is set, and each
 * service of the file is replaced atomically with its complete lists.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>

#include <limits.h>
#include <linux/genetlink.h>

#include "batch.h"
#include "restore_plan.h"
#include "svcadm.h"

#define MAX_WORDS	256
#define REPLACE_ROUNDS	5

int split_line(char *line, char **argv, int max)
{
	char *p = line;
	int n = 0;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (!*p || (n == 0 && *p == '#'))
			break;
		if (n == max)
			return -1;
		argv[n++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			p++;
		if (*p)
			*p++ = '\0';
	}
	/* tolerate lines written as full commands */
	if (n > 1 && !strcmp(argv[0], "svcadm")) {
		memmove(argv, argv + 1, (size_t)(n - 1) * sizeof(*argv));
		n--;
	}
	return n;
}

/* SVCADM_DEBUG=1: how the requests were batched, on stderr. */
static void debug_stats(const struct svc_batch *b)
{
	struct svc_batch_stats st;
	const char *d = getenv("SVCADM_DEBUG");

	if (!b || !d || !*d || !strcmp(d, "0"))
		return;
	svc_batch_stats(b, &st);
	err_msg("restore: %llu requests in %llu sendmsg calls, %llu rejected",
		(unsigned long long)st.sent, (unsigned long long)st.sendmsgs,
		(unsigned long long)st.failed);
}

/* ---- model building (--replace) ---- */

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

static void fe_text(const struct svc_frontend *fe, char *buf, size_t len)
{
	FILE *f = fmemopen(buf, len, "w");

	if (!f) {
		snprintf(buf, len, "?");
		return;
	}
	svc_print_frontend(f, fe, 0, true);
	fclose(f);
}

/* Duplicates the kernel would reject, found before anything is sent. */
static int check_duplicates(struct svc_table *t)
{
	char a[SVC_ADDRSTRLEN * 2];
	struct fe_ref *refs;
	size_t nrefs = 0, k = 0;
	int errors = 0;

	for (size_t i = 0; i < t->n; i++) {
		struct svc_service *s = &t->v[i];

		svc_service_sort(s);
		for (size_t j = 1; j < s->nfrontends; j++) {
			if (svc_frontend_cmp(&s->frontends[j - 1], &s->frontends[j]))
				continue;
			fe_text(&s->frontends[j], a, sizeof(a));
			err_msg("line %u: frontend %s: already added on line %u",
				s->frontends[j].tag, a, s->frontends[j - 1].tag);
			errors++;
		}
		for (size_t j = 1; j < s->nbackends; j++) {
			if (svc_backend_cmp(&s->backends[j - 1], &s->backends[j]))
				continue;
			err_msg("line %u: backend %s: already added on line %u",
				s->backends[j].tag,
				svc_fmt_addrport(s->backends[j].family, &s->backends[j].addr,
						 s->backends[j].port, 0, true, a, sizeof(a)),
				s->backends[j - 1].tag);
			errors++;
		}
		nrefs += s->nfrontends;
	}
	if (!nrefs)
		return errors;
	refs = calloc(nrefs, sizeof(*refs));
	if (!refs) {
		err_msg("out of memory");
		return errors + 1;
	}
	for (size_t i = 0; i < t->n; i++)
		for (size_t j = 0; j < t->v[i].nfrontends; j++)
			refs[k++] = (struct fe_ref){ &t->v[i].frontends[j], &t->v[i] };
	qsort(refs, nrefs, sizeof(*refs), fe_ref_cmp);
	for (size_t i = 1; i < nrefs; i++) {
		if (refs[i - 1].s == refs[i].s || fe_ref_cmp(&refs[i - 1], &refs[i]))
			continue;
		fe_text(refs[i].fe, a, sizeof(a));
		err_msg("line %u: frontend %s: already belongs to service %s (line %u)",
			refs[i].fe->tag, a, refs[i - 1].s->name, refs[i - 1].fe->tag);
		errors++;
	}
	free(refs);
	return errors;
}

int restore_read_model(FILE *in, struct svc_table *t, struct svc_config *cfg)
{
	char *line = NULL, *argv[MAX_WORDS], err[ERRBUF];
	size_t cap = 0;
	uint32_t lineno = 0;
	int errors = 0;

	while (getline(&line, &cap, in) >= 0) {
		struct op op;
		int n, r;

		lineno++;
		n = split_line(line, argv, MAX_WORDS);
		if (n == 0)
			continue;
		if (n < 0) {
			err_msg("line %u: too many words", lineno);
			errors++;
			continue;
		}
		r = op_parse(n, argv, &op, err, sizeof(err));
		if (r) {
			err_msg("line %u: %s", lineno, err);
			errors++;
			continue;
		}
		if (op_apply(&op, t, cfg, lineno, err, sizeof(err))) {
			err_msg("line %u: %s", lineno, err);
			errors++;
		}
		op_free(&op);
	}
	free(line);
	if (ferror(in)) {
		err_msg("restore: read error: %s", strerror(errno));
		errors++;
	}
	return errors + check_duplicates(t);
}

/* ---- applying ---- */

/* cookies: kind in the top byte, an index below */
#define CK(kind, idx)	(((uint64_t)(kind) << 56) | (uint64_t)(idx))
#define CK_KIND(c)	((unsigned)((c) >> 56))
#define CK_IDX(c)	((size_t)((c) & ((1ULL << 56) - 1)))
enum { CK_LINE, CK_DEL, CK_CONFIG, CK_REPLACE };

struct errrec {
	uint64_t cookie;
	struct svc_nlerr e;
};

struct errs {
	struct errrec *v;
	size_t n, cap;
	bool oom;
};

static void collect(void *data, uint64_t cookie, const struct svc_nlerr *e)
{
	struct errs *es = data;

	if (es->n == es->cap) {
		size_t ncap = es->cap ? es->cap * 2 : 64;
		struct errrec *nv = realloc(es->v, ncap * sizeof(*nv));

		if (!nv) {
			es->oom = true;
			return;
		}
		es->v = nv;
		es->cap = ncap;
	}
	es->v[es->n].cookie = cookie;
	es->v[es->n].e = *e;
	es->n++;
}

/*
 * Breaks frontend cycles: each stuck service is replaced with its wanted
 * frontends minus those another service held in the kernel (cur), which
 * releases the frontends it held itself. The full replace follows.
 */
static void strip_foreign(struct svc_batch *b, const struct svc_nl *nl,
			  const struct svc_table *t, const struct svc_table *cur,
			  const size_t *idx, size_t n)
{
	struct fe_ref *refs;
	size_t nrefs = 0, k = 0;

	for (size_t i = 0; i < cur->n; i++)
		nrefs += cur->v[i].nfrontends;
	refs = calloc(nrefs + 1, sizeof(*refs));
	if (!refs)
		return;
	for (size_t i = 0; i < cur->n; i++)
		for (size_t j = 0; j < cur->v[i].nfrontends; j++)
			refs[k++] = (struct fe_ref){ &cur->v[i].frontends[j], &cur->v[i] };
	qsort(refs, nrefs, sizeof(*refs), fe_ref_cmp);
	for (size_t x = 0; x < n; x++) {
		const struct svc_service *want = &t->v[idx[x]];
		struct svc_service tmp = *want;
		struct svc_frontend *keep = calloc(want->nfrontends + 1, sizeof(*keep));

		if (!keep)
			break;
		tmp.nfrontends = 0;
		for (size_t j = 0; j < want->nfrontends; j++) {
			struct fe_ref key = { &want->frontends[j], want };
			const struct fe_ref *owner = bsearch(&key, refs, nrefs, sizeof(*refs),
							     fe_ref_cmp);

			if (!owner || !strcmp(owner->s->name, want->name))
				keep[tmp.nfrontends++] = want->frontends[j];	/* shallow */
		}
		tmp.frontends = keep;
		svc_batch_replace_service(b, nl, &tmp, CK(CK_LINE, idx[x]));
		free(keep);
	}
	svc_batch_flush(b);
	free(refs);
}

static int apply_replace(struct ctx *c, struct svc_table *t, struct svc_config *cfg)
{
	static char buf[SVC_NEST_MAX + 1024];
	struct svc_nl *nl = ctx_nl(c);
	struct errs es = { 0 };
	struct svc_table cur;
	struct svc_batch *b;
	struct svc_nlerr e;
	struct nlmsghdr *nlh;
	char msg[SVC_EXTACK_MAX + 128];
	size_t *pending = NULL, npending, *retry = NULL;
	bool *failed = NULL, stripped = false;
	int errors = 0, r;

	svc_table_init(&cur);
	if (svc_dump_services(nl, NULL, &cur, &e)) {
		svc_table_free(&cur);
		return err_kernel("restore: dump", &e);
	}
	b = svc_batch_new(nl, 0, collect, &es);
	pending = calloc(t->n + 1, sizeof(*pending));
	retry = calloc(t->n + 1, sizeof(*retry));
	failed = calloc(t->n + 1, sizeof(*failed));
	if (!b || !pending || !retry || !failed) {
		err_msg("out of memory");
		errors++;
		goto out;
	}

	/* 1. services the file lacks go (frees their frontends and capacity) */
	for (size_t i = 0; i < cur.n; i++) {
		if (svc_table_find(t, cur.v[i].name))
			continue;
		nlh = svc_req_service(nl, buf, sizeof(buf), SVCVIP_CMD_DEL_SERVICE, 0,
				      &cur.v[i], 0);
		r = nlh ? svc_batch_add(b, nlh, CK(CK_DEL, i)) : -EMSGSIZE;
		if (r) {
			err_msg("restore: %s", svc_strerror(r));
			errors++;
			goto out;
		}
	}
	/* 2. the configuration */
	if (cfg->has) {
		nlh = svc_req_config(nl, buf, sizeof(buf), cfg);
		r = nlh ? svc_batch_add(b, nlh, CK(CK_CONFIG, 0)) : -EMSGSIZE;
		if (r) {
			err_msg("restore: config set: %s", svc_strerror(r));
			errors++;
		}
	}
	r = svc_batch_flush(b);
	for (size_t i = 0; i < es.n; i++) {
		const struct errrec *x = &es.v[i];

		if (CK_KIND(x->cookie) == CK_DEL)
			err_msg("service del %s: %s", cur.v[CK_IDX(x->cookie)].name,
				svc_nlerr_str(&x->e, msg, sizeof(msg)));
		else
			err_msg("config set: %s", svc_nlerr_str(&x->e, msg, sizeof(msg)));
		errors++;
	}
	es.n = 0;
	if (r && !errors) {
		err_msg("restore: %s", svc_strerror(r));
		errors++;
	}

	svc_table_sort(t);
	/* 3. one atomic replace per service; a frontend that moves between
	 *    services may collide (EEXIST) until the other one is replaced,
	 *    so those are retried while that makes progress */
	npending = t->n;
	for (size_t i = 0; i < t->n; i++)
		pending[i] = i;
	for (int round = 0; npending; round++) {
		size_t nretry = 0;
		bool will_retry, progress;

		for (size_t k = 0; k < npending; k++) {
			size_t i = pending[k];

			failed[i] = false;
			r = svc_batch_replace_service(b, nl, &t->v[i], CK(CK_REPLACE, i));
			if (r < 0) {
				struct svc_nlerr fe;

				svc_nlerr_set(&fe, r, NULL);
				collect(&es, CK(CK_REPLACE, i), &fe);
			}
		}
		svc_batch_flush(b);
		/* the first error of each service counts */
		for (size_t k = 0; k < es.n; k++) {
			size_t i = CK_IDX(es.v[k].cookie);

			if (failed[i]) {
				es.v[k].cookie = CK(CK_LINE, i);	/* a later one */
				continue;
			}
			failed[i] = true;
			if (es.v[k].e.err == EEXIST)
				nretry++;
		}
		progress = nretry < npending;
		will_retry = nretry && round < REPLACE_ROUNDS && (progress || !stripped);
		nretry = 0;
		for (size_t k = 0; k < es.n; k++) {
			size_t i = CK_IDX(es.v[k].cookie);

			if (CK_KIND(es.v[k].cookie) != CK_REPLACE)
				continue;
			if (will_retry && es.v[k].e.err == EEXIST) {
				retry[nretry++] = i;
				continue;
			}
			err_msg("line %u: service %s: %s", t->v[i].tag, t->v[i].name,
				svc_nlerr_str(&es.v[k].e, msg, sizeof(msg)));
			errors++;
		}
		es.n = 0;
		if (!will_retry)
			break;
		if (!progress) {
			/* a cycle (services swapping frontends): let go first */
			strip_foreign(b, nl, t, &cur, retry, nretry);
			es.n = 0;
			stripped = true;
		}
		memcpy(pending, retry, nretry * sizeof(*pending));
		npending = nretry;
	}
	if (es.oom) {
		err_msg("out of memory while collecting errors");
		errors++;
	}
out:
	debug_stats(b);
	svc_batch_free(b);
	free(es.v);
	free(pending);
	free(retry);
	free(failed);
	svc_table_free(&cur);
	return errors ? EXIT_FAIL : EXIT_OK;
}

/* ---- line mode ---- */

/*
 * Errors of line-by-line restore, printed in line order: parse errors are
 * found before anything is sent, kernel errors arrive when a batch is
 * flushed, and lines merged into a service's NEW_SERVICE may be sent (again)
 * later than the lines after them. So errors are collected and, after each
 * flush, those of lines before the first line whose outcome is still open
 * are printed, sorted.
 */
struct line_err {
	unsigned long line;
	char *msg;
};

struct line_errs {
	struct line_err *v;
	size_t n, cap;
	unsigned long failed;
};

static void push_err(struct line_errs *le, unsigned long line, const char *msg)
{
	le->failed++;
	if (le->n == le->cap) {
		size_t ncap = le->cap ? le->cap * 2 : 64;
		struct line_err *nv = realloc(le->v, ncap * sizeof(*nv));

		if (!nv) {
			err_msg("line %lu: %s", line, msg);	/* out of memory: now */
			return;
		}
		le->v = nv;
		le->cap = ncap;
	}
	le->v[le->n].line = line;
	le->v[le->n].msg = strdup(msg);
	if (!le->v[le->n].msg) {
		err_msg("line %lu: %s", line, msg);
		return;
	}
	le->n++;
}

static int line_err_cmp(const void *a, const void *b)
{
	const struct line_err *x = a, *y = b;

	return x->line < y->line ? -1 : x->line > y->line;
}

/* Prints the errors of lines before 'below' (all: ULONG_MAX). */
static void print_errs(struct line_errs *le, unsigned long below)
{
	size_t k = 0;

	if (le->n > 1)
		qsort(le->v, le->n, sizeof(*le->v), line_err_cmp);
	for (; k < le->n && le->v[k].line < below; k++) {
		err_msg("line %lu: %s", le->v[k].line, le->v[k].msg);
		free(le->v[k].msg);
	}
	memmove(le->v, le->v + k, (le->n - k) * sizeof(*le->v));
	le->n -= k;
}

#define GROUP_COOKIE	(1ULL << 63)
#define RETRY_MAX	32	/* NEW_SERVICE attempts after dropping a bad entry */
#define MIN_MERGED	16	/* see rp_limits.min_merged */

enum { GR_IDLE, GR_PENDING, GR_DONE };
enum { PH_SERVICE, PH_LIST };	/* what a pending group waits for */

/*
 * A group at run time. After its NEW_SERVICE (or instead of it, in a
 * fallback) the group's lines that follow are streamed from a cursor: each
 * on its own, except runs of backends, which go as one NEW_BACKEND with
 * backend lists. The kernel adds such a list whole or not at all, so a
 * refused list is sent again in parts (without the line it pointed at, or
 * halved) until every line has met the outcome it would have met alone;
 * nothing after the list is sent until it is answered.
 */
struct grt {
	uint64_t msg;		/* index of its pending request among the requests */
	int err;		/* that request's error, 0 = none */
	int entry;		/* list it points into (rp_where_entry), or -1 */
	size_t entry_idx;	/* for PH_SERVICE: in all the message's backends */
	uint8_t state;
	uint8_t phase;		/* PH_SERVICE: its NEW_SERVICE; PH_LIST: a list */
	uint8_t tries;		/* NEW_SERVICE retries without a refused line */
	uint8_t list_fails;	/* lists refused */
	bool all;		/* streaming every line (fallback), not only RP_AFTER */
	uint32_t inner_be;	/* backends inside the service nest of its NEW_SERVICE */
	uint32_t cursor;	/* next item to stream, RP_NONE: the end */
	uint32_t list_first;	/* the pending list: its first item */
	uint32_t list_n;	/* and how many lines it carries */
	uint32_t list_max;	/* most lines per list from now on */
};

/* What an add line contributes to a merged message, kept from reading it. */
union idata {
	struct svc_frontend fe;		/* RP_FE_ADD (owns its source ranges) */
	struct svc_backend be;		/* RP_BE_ADD, as merged */
	struct {			/* RP_SVC_ADD: the settings */
		uint32_t has;
		uint32_t affinity_timeout;
		uint8_t protocol, scheduler, affinity;
		uint8_t internal_policy, external_policy;
	} svc;
};

struct lines {
	struct svc_nl *nl;
	struct rp_names *names;
	struct svc_batch *b;
	struct line_errs le;
	char *text;		/* every line read, each NUL-terminated */
	size_t text_len, text_cap;
	size_t *off;		/* where items[i]'s line starts in text */
	struct rp_item *items;
	union idata *data;	/* for each item */
	size_t n, cap;
	struct rp_plan plan;
	struct grt *g;
	uint32_t *fifo;		/* groups whose NEW_SERVICE is out, in order */
	size_t fhead, ftail, fcap;
	unsigned long finishing;	/* head line of the group being finished */
	uint64_t queued;	/* requests handed to the batch */
	uint64_t sendmsgs;	/* sendmsg calls seen */
	unsigned long inflight_min;	/* lowest line of a request not acked */
	unsigned long cur;	/* line being worked on */
	bool resolving;
	int abort;		/* negative errno: the connection failed */
	size_t groups, retried, fallbacks, lists;
	char *big;		/* merged messages and backend lists */
	size_t big_len;		/* the largest request the batch takes */
	struct svc_backend *bev;	/* the backends of a list being built */
	size_t bev_cap;
	char buf[SVC_NEST_MAX + 1024];
};

static void list_lost(struct lines *L, const struct grt *gt, const char *msg);

static void line_error(void *data, uint64_t cookie, const struct svc_nlerr *e)
{
	char msg[SVC_EXTACK_MAX + 128];
	struct lines *L = data;

	if (cookie & GROUP_COOKIE) {
		struct grt *gt = &L->g[cookie & ~GROUP_COOKIE];

		gt->err = e->err ? e->err : EIO;
		gt->entry = rp_where_entry(e->where, &gt->entry_idx);
		if (gt->phase == PH_SERVICE && gt->entry == 2) {
			/* the top-level lists continue the nest's backends */
			gt->entry = 1;
			gt->entry_idx += gt->inner_be;
		}
		if (gt->err == ENOBUFS && gt->phase == PH_LIST)
			list_lost(L, gt, svc_nlerr_str(e, msg, sizeof(msg)));
		return;
	}
	push_err(&L->le, (unsigned long)cookie, svc_nlerr_str(e, msg, sizeof(msg)));
}

/* Parses items[i]'s line again (it parsed before). */
static int parse_item(struct lines *L, size_t i, struct op *op)
{
	char *copy = strdup(L->text + L->off[i]), *argv[MAX_WORDS], err[ERRBUF];
	int n, r = -1;

	op_init(op);
	if (!copy)
		return -1;
	n = split_line(copy, argv, MAX_WORDS);
	if (n > 0)
		r = op_parse(n, argv, op, err, sizeof(err)) ? -1 : 0;
	free(copy);
	return r;
}

static void after_io(struct lines *L, unsigned long line);

static int queue(struct lines *L, const struct nlmsghdr *nlh, uint64_t cookie,
		 unsigned long line)
{
	int r;

	if (L->abort)
		return L->abort;
	r = svc_batch_add(L->b, nlh, cookie);
	if (r) {
		L->abort = r;
		return r;
	}
	L->queued++;
	if (line < L->inflight_min)
		L->inflight_min = line;
	after_io(L, line);
	return 0;
}

/* Sends items[i]'s line as it is. */
static void send_line(struct lines *L, size_t i)
{
	unsigned long line = L->items[i].line;
	struct nlmsghdr *nlh;
	struct op op;

	if (parse_item(L, i, &op)) {
		push_err(&L->le, line, "out of memory");
		return;
	}
	nlh = op_request(&op, L->nl, L->buf, sizeof(L->buf));
	op_free(&op);
	if (!nlh)
		push_err(&L->le, line, "request too large");
	else
		queue(L, nlh, line, line);
}

/* Omits what the kernel would default anyway: more backends fit. */
static struct svc_backend merge_backend(const struct svc_backend *be)
{
	struct svc_backend m = *be;

	if ((m.has & SVC_BE_HAS_WEIGHT) && m.weight == 1)
		m.has &= ~SVC_BE_HAS_WEIGHT;
	if ((m.has & SVC_BE_HAS_FLAGS) && !m.flags)
		m.has &= ~SVC_BE_HAS_FLAGS;
	return m;
}

/*
 * The service nest with its frontends and as many backends as it holds,
 * the other backends in top-level lists next to it; -1 unless all fit.
 * *inner: how many backends are in the nest.
 */
static int put_service_lists(struct nlmsghdr *nlh, size_t len, const struct svc_service *s,
			     unsigned what, uint32_t *inner)
{
	struct svc_put_cursor cur = { 0, 0 };
	size_t next;

	if (svc_msg_put_service(nlh, len, s, what, &cur) < 0 || cur.frontend < s->nfrontends)
		return -1;
	*inner = (uint32_t)cur.backend;
	next = cur.backend;
	return svc_msg_put_backend_lists(nlh, len, s->backends, s->nbackends, &next) ? -1 : 0;
}

/* The group's NEW_SERVICE: the service add with the merged members. */
static struct nlmsghdr *build_merged(struct lines *L, uint32_t g)
{
	const struct rp_group *gr = &L->plan.groups[g];
	const union idata *h = &L->data[gr->head];
	unsigned what = SVC_PUT_SETTINGS;
	struct nlmsghdr *nlh = NULL;
	struct svc_service s;

	memset(&s, 0, sizeof(s));
	snprintf(s.name, sizeof(s.name), "%s", rp_names_name(L->names, L->items[gr->head].svc));
	s.has = h->svc.has;
	s.protocol = h->svc.protocol;
	s.scheduler = h->svc.scheduler;
	s.affinity = h->svc.affinity;
	s.affinity_timeout = h->svc.affinity_timeout;
	s.internal_policy = h->svc.internal_policy;
	s.external_policy = h->svc.external_policy;
	for (uint32_t i = L->items[gr->head].next; i != RP_NONE; i = L->items[i].next) {
		int r;

		if (L->items[i].disp != RP_MERGED)
			continue;
		if (L->items[i].kind == RP_FE_ADD)
			r = svc_service_add_frontend(&s, &L->data[i].fe);
		else
			r = svc_service_add_backend(&s, &L->data[i].be);
		if (r)
			goto out;
	}
	if (s.nfrontends)
		what |= SVC_PUT_FRONTENDS;
	if (s.nbackends)
		what |= SVC_PUT_BACKENDS;
	nlh = svc_nl_msg(L->nl, L->big, L->big_len, SVCVIP_CMD_NEW_SERVICE, 0);
	if (nlh && put_service_lists(nlh, L->big_len, &s, what, &L->g[g].inner_be))
		nlh = NULL;
out:
	svc_service_free(&s);
	return nlh;
}

/* Queues a request of the group whose answer it waits for (phase). */
static void pend(struct lines *L, uint32_t g, uint8_t phase, const struct nlmsghdr *nlh,
		 unsigned long line)
{
	struct grt *gt = &L->g[g];

	gt->err = 0;
	gt->entry = -1;
	gt->phase = phase;
	gt->msg = L->queued;
	gt->state = GR_PENDING;
	if (L->ftail == L->fcap) {	/* a group is in it at most once */
		memmove(L->fifo, L->fifo + L->fhead, (L->ftail - L->fhead) * sizeof(*L->fifo));
		L->ftail -= L->fhead;
		L->fhead = 0;
	}
	L->fifo[L->ftail++] = g;
	queue(L, nlh, GROUP_COOKIE | g, line);
}

/* Queues the group's NEW_SERVICE; -1 if it cannot be built. */
static int send_merged(struct lines *L, uint32_t g)
{
	struct nlmsghdr *nlh = build_merged(L, g);

	if (!nlh)
		return -1;
	pend(L, g, PH_SERVICE, nlh, L->items[L->plan.groups[g].head].line);
	return 0;
}

/* Whether the stream sends item i: after the NEW_SERVICE what follows it,
 * in a fallback every line. */
static bool stream_sends(const struct lines *L, const struct grt *gt, uint32_t i)
{
	return gt->all || L->items[i].disp == RP_AFTER;
}

/* Whether item i may travel in a backend list: duplicates and lines a
 * refusal pointed at go alone (disp RP_AFTER without overflow). */
static bool listable(const struct lines *L, const struct grt *gt, uint32_t i)
{
	const struct rp_item *it = &L->items[i];

	return it->kind == RP_BE_ADD && (it->overflow || (gt->all && it->disp == RP_MERGED));
}

/* The k-th item of the pending list. */
static uint32_t list_item(const struct lines *L, const struct grt *gt, size_t k)
{
	uint32_t i = gt->list_first;

	for (;; i = L->items[i].next)
		if (stream_sends(L, gt, i) && k-- == 0)
			return i;
}

/* The pending list's acknowledgement was lost: so were those of its lines. */
static void list_lost(struct lines *L, const struct grt *gt, const char *msg)
{
	uint32_t i = gt->list_first;

	for (size_t k = 0; k < gt->list_n; i = L->items[i].next) {
		if (!stream_sends(L, gt, i))
			continue;
		push_err(&L->le, L->items[i].line, msg);
		k++;
	}
}

/* Collects the run of listable lines from item i (up to list_max) into
 * L->bev; returns how many, and in *end the item after the last. */
static size_t collect_run(struct lines *L, const struct grt *gt, uint32_t i, uint32_t *end)
{
	size_t n = 0;

	for (; i != RP_NONE && n < gt->list_max; i = L->items[i].next) {
		if (!stream_sends(L, gt, i))
			continue;
		if (!listable(L, gt, i))
			break;
		if (n == L->bev_cap) {
			size_t ncap = L->bev_cap ? L->bev_cap * 2 : 1024;
			struct svc_backend *nv = realloc(L->bev, ncap * sizeof(*nv));

			if (!nv)
				break;
			L->bev = nv;
			L->bev_cap = ncap;
		}
		L->bev[n++] = L->data[i].be;
	}
	*end = i;
	return n;
}

/* Queues the run of backends from item i as one NEW_BACKEND with lists;
 * false when the run is a single line (it goes alone, as it reads). */
static bool send_list(struct lines *L, uint32_t g, uint32_t i)
{
	struct grt *gt = &L->g[g];
	uint32_t end;
	size_t n = collect_run(L, gt, i, &end), next = 0;
	const char *name = rp_names_name(L->names, L->items[i].svc);
	struct nlmsghdr *nlh;

	if (n < 2)
		return false;
	nlh = svc_req_backend_lists(L->nl, L->big, L->big_len, name, L->bev, n, &next);
	if (!nlh || next < 2)
		return false;
	gt->list_first = i;
	gt->list_n = (uint32_t)next;
	/* the cursor goes past the last line that fit */
	gt->cursor = next < n ? list_item(L, gt, next) : end;
	L->lists++;
	pend(L, g, PH_LIST, nlh, L->items[i].line);
	return true;
}

/* Sends the group's lines from its cursor on; stops at a list, which must
 * be answered first. At the end the group is done. */
static void stream(struct lines *L, uint32_t g)
{
	struct grt *gt = &L->g[g];
	uint32_t i = gt->cursor;

	for (; i != RP_NONE && !L->abort; i = L->items[i].next) {
		if (!stream_sends(L, gt, i))
			continue;
		if (listable(L, gt, i) && send_list(L, g, i))
			return;
		send_line(L, i);
	}
	gt->cursor = RP_NONE;
	gt->state = GR_DONE;
}

/* Starts streaming the lines of the group after its head. */
static void stream_from_start(struct lines *L, uint32_t g, bool all)
{
	struct grt *gt = &L->g[g];

	gt->all = all;
	gt->cursor = L->items[L->plan.groups[g].head].next;
	gt->list_max = UINT32_MAX;
	gt->list_fails = 0;
	stream(L, g);
}

/* The pending list was answered. A refused list changed nothing: it is
 * sent again without the line the kernel pointed at (that one goes alone,
 * where it meets its own error), or in halves when it named none. */
static void finish_list(struct lines *L, uint32_t g)
{
	struct grt *gt = &L->g[g];

	if (gt->err && gt->err != ENOBUFS) {
		gt->list_fails++;
		if (gt->entry == 2 && gt->entry_idx < gt->list_n) {
			struct rp_item *it = &L->items[list_item(L, gt, gt->entry_idx)];

			it->disp = RP_AFTER;
			it->overflow = 0;
		} else {
			gt->list_max = gt->list_n / 2;
		}
		/* many refusals: lines alone cost less than lists sent again */
		if (gt->list_fails >= RETRY_MAX)
			gt->list_max = 1;
		gt->cursor = gt->list_first;
	}
	stream(L, g);
}

/* Every line of the group as if nothing had been merged: the service add
 * alone, the others alone or in backend lists (with the same outcome). */
static void fallback(struct lines *L, uint32_t g)
{
	L->fallbacks++;
	send_line(L, L->plan.groups[g].head);
	stream_from_start(L, g, true);
}

/* The NEW_SERVICE succeeded: duplicates and what did not fit follow. */
static void send_after(struct lines *L, uint32_t g)
{
	stream_from_start(L, g, false);
}

/* The kernel refused one list entry: that line goes on its own after the
 * others (where it meets the same refusal). False if it is not found. */
static bool drop_entry(struct lines *L, uint32_t g)
{
	struct rp_group *gr = &L->plan.groups[g];
	const struct grt *gt = &L->g[g];
	uint8_t kind = gt->entry == 0 ? RP_FE_ADD : RP_BE_ADD;
	size_t k = 0;

	for (uint32_t i = L->items[gr->head].next; i != RP_NONE; i = L->items[i].next) {
		struct rp_item *it = &L->items[i];

		if (it->disp != RP_MERGED || it->kind != kind || k++ != gt->entry_idx)
			continue;
		it->disp = RP_AFTER;
		gr->after++;
		if (kind == RP_FE_ADD)
			gr->merged_fe--;
		else
			gr->merged_be--;
		return gr->merged_fe + gr->merged_be > 0;
	}
	return false;
}

/* The group's NEW_SERVICE has been acknowledged. */
static void finish(struct lines *L, uint32_t g)
{
	struct grt *gt = &L->g[g];
	unsigned long head = L->items[L->plan.groups[g].head].line;
	char msg[256];

	if (L->abort) {
		snprintf(msg, sizeof(msg), "%s: this service's lines are not all applied",
			 svc_strerror(gt->err ? gt->err : L->abort));
		push_err(&L->le, head, msg);
		gt->state = GR_DONE;
		return;
	}
	if (gt->phase == PH_LIST) {
		finish_list(L, g);
		return;
	}
	if (!gt->err) {
		send_after(L, g);
		return;
	}
	if (gt->err == ENOBUFS) {
		/* the batch lost the ack: whether it applied is unknown */
		push_err(&L->le, head, "acknowledgement lost (netlink receive buffer "
			 "overrun), outcome unknown for this service and its lines");
		gt->state = GR_DONE;
		return;
	}
	if (gt->entry >= 0 && gt->tries < RETRY_MAX && drop_entry(L, g)) {
		gt->tries++;
		L->retried++;
		if (!send_merged(L, g))
			return;
	}
	fallback(L, g);
}

/* Finishes every group whose NEW_SERVICE has been acknowledged. */
static void resolve(struct lines *L)
{
	struct svc_batch_stats st;

	if (L->resolving)
		return;
	L->resolving = true;
	while (L->fhead < L->ftail) {
		uint32_t g = L->fifo[L->fhead];

		svc_batch_stats(L->b, &st);
		if (L->g[g].msg >= st.sent)
			break;
		L->fhead++;
		L->finishing = L->items[L->plan.groups[g].head].line;
		finish(L, g);
		L->finishing = ULONG_MAX;
	}
	L->resolving = false;
}

/* Lines before this one have their final outcome. */
static unsigned long watermark(const struct lines *L)
{
	unsigned long w = L->cur;

	if (L->inflight_min < w)
		w = L->inflight_min;
	if (L->finishing < w)
		w = L->finishing;
	for (size_t k = L->fhead; k < L->ftail; k++) {
		unsigned long h = L->items[L->plan.groups[L->fifo[k]].head].line;

		if (h < w)
			w = h;
	}
	return w;
}

/* After a request was queued (line) or the batch flushed (line 0). */
static void after_io(struct lines *L, unsigned long line)
{
	struct svc_batch_stats st;

	svc_batch_stats(L->b, &st);
	if (st.sendmsgs == L->sendmsgs)
		return;
	L->sendmsgs = st.sendmsgs;
	/* only the request just queued (if any) is still out */
	L->inflight_min = L->queued > st.sent ? line : ULONG_MAX;
	resolve(L);
	print_errs(&L->le, watermark(L));
}

static void flush(struct lines *L)
{
	int r;

	if (L->abort)
		return;
	r = svc_batch_flush(L->b);
	if (r)
		L->abort = r;
	after_io(L, 0);
}

static void wait_group(struct lines *L, uint32_t g)
{
	while (!L->abort && L->g[g].state != GR_DONE)
		flush(L);
}

static void wait_all(struct lines *L)
{
	while (!L->abort && L->fhead < L->ftail)
		flush(L);
}

static void start_group(struct lines *L, uint32_t g)
{
	L->groups++;
	if (send_merged(L, g))
		fallback(L, g);
}

/* Size of things in a service message, measured by building them. */
static uint32_t head_size(const struct svc_service *svc, char *buf, size_t len)
{
	struct nlmsghdr *nlh = svc_msg_start(buf, len, 0, SVCVIP_CMD_NEW_SERVICE, 0, 0);
	uint32_t start = nlh->nlmsg_len;

	if (svc_msg_put_service(nlh, len, svc, SVC_PUT_SETTINGS, NULL))
		return UINT32_MAX / 2;
	/* and the two list nests */
	return nlh->nlmsg_len - start + 2 * MNL_ATTR_HDRLEN;
}

static uint32_t entry_size(const struct op *op, char *buf, size_t len)
{
	struct nlmsghdr *nlh = svc_msg_start(buf, len, 0, SVCVIP_CMD_NEW_SERVICE, 0, 0);
	uint32_t start = nlh->nlmsg_len;
	int r;

	if (op->type == OP_FRONTEND_ADD) {
		r = svc_msg_put_frontend(nlh, len, 0, &op->fe, true);
	} else {
		struct svc_backend be = merge_backend(&op->be);

		r = svc_msg_put_backend(nlh, len, 0, &be);
	}
	return r ? UINT32_MAX / 2 : nlh->nlmsg_len - start;
}

static void set_key(struct rp_key *k, bool nodeport, uint16_t family,
		    const union svc_inaddr *addr, uint16_t port)
{
	memset(k, 0, sizeof(*k));
	k->nodeport = nodeport;
	k->family = family;
	k->port = port;
	if (!nodeport)
		memcpy(k->addr, addr->b, svc_addr_len(family));
}

/* Reads and parses every line; parse errors are collected. */
static int read_lines(struct lines *L, FILE *in)
{
	char *line = NULL, *argv[MAX_WORDS], err[ERRBUF];
	unsigned long lineno = 0;
	size_t cap = 0;
	ssize_t len;

	while ((len = getline(&line, &cap, in)) >= 0) {
		struct rp_item *it;
		char *copy;
		struct op op;
		int n;

		lineno++;
		if (L->text_len + (size_t)len + 1 > L->text_cap) {
			size_t ncap = L->text_cap ? L->text_cap * 2 : 1 << 16;
			char *nt;

			while (ncap < L->text_len + (size_t)len + 1)
				ncap *= 2;
			nt = realloc(L->text, ncap);
			if (!nt)
				goto nomem;
			L->text = nt;
			L->text_cap = ncap;
		}
		copy = L->text + L->text_len;
		memcpy(copy, line, (size_t)len + 1);
		n = split_line(line, argv, MAX_WORDS);
		if (n == 0)
			continue;
		if (n < 0) {
			push_err(&L->le, lineno, "too many words");
			continue;
		}
		if (op_parse(n, argv, &op, err, sizeof(err))) {
			push_err(&L->le, lineno, err);
			continue;
		}
		if (L->n == L->cap) {
			size_t ncap = L->cap ? L->cap * 2 : 1024;
			struct rp_item *ni = realloc(L->items, ncap * sizeof(*ni));
			size_t *no = ni ? realloc(L->off, ncap * sizeof(*no)) : NULL;
			union idata *nd = no ? realloc(L->data, ncap * sizeof(*nd)) : NULL;

			if (ni)
				L->items = ni;
			if (no)
				L->off = no;
			if (!nd) {
				op_free(&op);
				goto nomem;
			}
			L->data = nd;
			L->cap = ncap;
		}
		it = &L->items[L->n];
		memset(it, 0, sizeof(*it));
		memset(&L->data[L->n], 0, sizeof(L->data[0]));
		it->line = (uint32_t)lineno;
		it->kind = RP_OTHER;
		switch (op.type) {
		case OP_SERVICE_ADD:
			it->kind = RP_SVC_ADD;
			it->size = head_size(&op.svc, L->buf, sizeof(L->buf));
			L->data[L->n].svc.has = op.svc.has;
			L->data[L->n].svc.protocol = op.svc.protocol;
			L->data[L->n].svc.scheduler = op.svc.scheduler;
			L->data[L->n].svc.affinity = op.svc.affinity;
			L->data[L->n].svc.affinity_timeout = op.svc.affinity_timeout;
			L->data[L->n].svc.internal_policy = op.svc.internal_policy;
			L->data[L->n].svc.external_policy = op.svc.external_policy;
			break;
		case OP_FRONTEND_ADD:
			it->kind = RP_FE_ADD;
			it->size = entry_size(&op, L->buf, sizeof(L->buf));
			set_key(&it->key, op.fe.kind == SVCVIP_FRONTEND_NODEPORT, op.fe.family,
				&op.fe.addr, op.fe.port);
			L->data[L->n].fe = op.fe;	/* takes the source ranges */
			memset(&op.fe, 0, sizeof(op.fe));
			break;
		case OP_BACKEND_ADD:
			it->kind = RP_BE_ADD;
			it->size = entry_size(&op, L->buf, sizeof(L->buf));
			set_key(&it->key, false, op.be.family, &op.be.addr, op.be.port);
			L->data[L->n].be = merge_backend(&op.be);
			break;
		case OP_SERVICE_REPLACE:
			it->creates = 1;
			break;
		case OP_CONFIG_SET:
			if (op.cfg.has & SVC_CFG_HAS_MAX_SERVICES)
				it->max_services = op.cfg.max_services;
			if (op.cfg.has & SVC_CFG_HAS_MAX_FRONTENDS)
				it->max_frontends = op.cfg.max_frontends;
			break;
		default:
			break;
		}
		if (it->kind != RP_OTHER) {
			it->svc = rp_names_id(L->names, op.svc.name);
			if (it->svc == RP_NONE) {
				if (it->kind == RP_FE_ADD)
					svc_cidrs_free(&L->data[L->n].fe.source_ranges);
				op_free(&op);
				goto nomem;
			}
		}
		op_free(&op);
		if (lineno > UINT32_MAX) {
			if (it->kind == RP_FE_ADD)
				svc_cidrs_free(&L->data[L->n].fe.source_ranges);
			push_err(&L->le, lineno, "too many lines");
			break;
		}
		L->off[L->n++] = L->text_len;
		L->text_len += (size_t)len + 1;
	}
	free(line);
	return 0;
nomem:
	free(line);
	return -ENOMEM;
}

static int restore_lines(struct ctx *c, FILE *in)
{
	struct lines *L = calloc(1, sizeof(*L));
	struct rp_names *names = rp_names_new();
	struct svc_batch_stats st;
	struct rp_limits lim;
	struct svc_config cfg;
	struct svc_info info;
	struct svc_nlerr e;
	unsigned long failed;
	int read_err = 0;
	const char *d;
	size_t maxb;
	int r = 0;

	if (!L || !names) {
		free(L);
		rp_names_free(names);
		err_msg("out of memory");
		return EXIT_FAIL;
	}
	L->nl = ctx_nl(c);
	L->names = names;
	L->inflight_min = ULONG_MAX;
	L->finishing = ULONG_MAX;
	L->b = svc_batch_new(L->nl, 0, line_error, L);
	if (!L->b || read_lines(L, in)) {
		err_msg("out of memory");
		L->le.failed++;
		goto out;
	}
	if (ferror(in))
		read_err = errno;	/* what was read is applied, as it always was */

	/* what merging may assume: the limits and how close the table is */
	memset(&lim, 0, sizeof(lim));
	memset(&cfg, 0, sizeof(cfg));
	if (!svc_get_info(L->nl, &info, &e) && !svc_get_config(L->nl, &cfg, &e)) {
		lim.nservices = info.services;
		lim.nfrontends = info.frontends;
		if (cfg.has & SVC_CFG_HAS_MAX_SERVICES)
			lim.max_services = cfg.max_services;
		if (cfg.has & SVC_CFG_HAS_MAX_FRONTENDS)
			lim.max_frontends = cfg.max_frontends;
	}
	svc_config_free(&cfg);
	L->big_len = svc_batch_max_bytes(L->b);
	L->big = malloc(L->big_len);
	if (!L->big) {
		err_msg("out of memory");
		L->le.failed++;
		goto out;
	}
	maxb = L->big_len - MNL_NLMSG_HDRLEN - MNL_ALIGN(sizeof(struct genlmsghdr));
	lim.nest_bytes = maxb < SVC_NEST_MAX ? (uint32_t)maxb : SVC_NEST_MAX;
	lim.msg_bytes = maxb < UINT32_MAX ? (uint32_t)maxb : UINT32_MAX;
	lim.list_frontends = 1024;		/* the kernel's limits per message */
	lim.list_backends = 65535;
	lim.min_merged = MIN_MERGED;
	if (rp_plan_build(L->items, L->n, rp_names_count(names), &lim, &L->plan)) {
		err_msg("out of memory");
		L->le.failed++;
		goto out;
	}
	L->g = calloc(L->plan.ngroups + 1, sizeof(*L->g));
	L->fcap = L->plan.ngroups + 1;
	L->fifo = calloc(L->fcap, sizeof(*L->fifo));
	if (!L->g || !L->fifo) {
		err_msg("out of memory");
		L->le.failed++;
		goto out;
	}

	for (size_t i = 0; i < L->n && !L->abort; i++) {
		const struct rp_item *it = &L->items[i];

		L->cur = it->line;
		if (it->wait == RP_ALL)
			wait_all(L);
		else if (it->wait != RP_NONE)
			wait_group(L, it->wait);
		if (it->disp == RP_SEND)
			send_line(L, i);
		else if (it->disp == RP_HEAD)
			start_group(L, it->group);
	}
	L->cur = ULONG_MAX;
	wait_all(L);
	flush(L);
	if (L->abort) {
		/* what never got an answer */
		for (size_t k = L->fhead; k < L->ftail; k++)
			finish(L, L->fifo[k]);
		r = L->abort;
	}
out:
	print_errs(&L->le, ULONG_MAX);
	if (r) {
		err_msg("restore: %s", svc_strerror(r));
		L->le.failed++;
	}
	if (read_err) {
		err_msg("restore: read error: %s", strerror(read_err));
		L->le.failed++;
	}
	d = getenv("SVCADM_DEBUG");
	if (L->b && d && *d && strcmp(d, "0")) {
		svc_batch_stats(L->b, &st);
		err_msg("restore: %llu requests in %llu sendmsg calls, %llu rejected; "
			"%zu services created with their lists (%zu lines merged), "
			"%zu retried without a refused line, %zu re-sent line by line, "
			"%zu backend lists",
			(unsigned long long)st.sent, (unsigned long long)st.sendmsgs,
			(unsigned long long)st.failed, L->groups, L->plan.merged,
			L->retried, L->fallbacks, L->lists);
	}
	failed = L->le.failed;
	svc_batch_free(L->b);
	rp_plan_free(&L->plan);
	rp_names_free(names);
	for (size_t i = 0; i < L->n; i++)
		if (L->items[i].kind == RP_FE_ADD)
			svc_cidrs_free(&L->data[i].fe.source_ranges);
	free(L->data);
	free(L->le.v);
	free(L->text);
	free(L->off);
	free(L->items);
	free(L->g);
	free(L->fifo);
	free(L->big);
	free(L->bev);
	free(L);
	return failed ? EXIT_FAIL : EXIT_OK;
}

int cmd_restore(struct ctx *c, int argc, char **argv)
{
	const char *path = NULL;
	bool replace = false;
	FILE *in = stdin;
	int r;

	if (argc >= 1 && is_help(argc, argv))
		return help_print(stdout, "restore"), EXIT_OK;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--replace") || !strcmp(argv[i], "-r") ||
		    !strcmp(argv[i], "replace")) {
			replace = true;
		} else if (!path) {
			path = argv[i];
		} else {
			return err_usage("restore", "restore: too many arguments");
		}
	}
	if (path && strcmp(path, "-")) {
		in = fopen(path, "r");
		if (!in) {
			err_msg("restore: %s: %s", path, strerror(errno));
			return EXIT_FAIL;
		}
	}
	ctx_nl(c);	/* fail early when the module is missing */
	if (replace) {
		struct svc_table t;
		struct svc_config cfg;
		int errors;

		svc_table_init(&t);
		memset(&cfg, 0, sizeof(cfg));
		errors = restore_read_model(in, &t, &cfg);
		if (errors) {
			err_msg("restore: %d error%s, nothing applied", errors,
				errors == 1 ? "" : "s");
			r = EXIT_FAIL;
		} else {
			r = apply_replace(c, &t, &cfg);
		}
		svc_table_free(&t);
		svc_config_free(&cfg);
	} else {
		r = restore_lines(c, in);
	}
	if (in != stdin)
		fclose(in);
	return r;
}
