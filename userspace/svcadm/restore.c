// SPDX-License-Identifier: GPL-2.0
/*
 * restore.c: svcadm restore [--replace] [FILE|-]
 *
 * Without --replace every line is executed, pipelined in batches (one
 * sendmsg per batch, acks mapped back to lines). With --replace the whole
 * file is parsed into a model first (any error: nothing is applied), then
 * services missing from the file are deleted, the config is set, and each
 * service of the file is replaced atomically with its complete lists.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>

#include "batch.h"
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

/*
 * Errors of line-by-line restore, printed in line order: kernel errors
 * arrive when a batch is flushed, parse errors as lines are read, so both
 * are collected and printed, sorted, each time a batch has been flushed.
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

static void print_errs(struct line_errs *le)
{
	if (le->n > 1)
		qsort(le->v, le->n, sizeof(*le->v), line_err_cmp);
	for (size_t i = 0; i < le->n; i++) {
		err_msg("line %lu: %s", le->v[i].line, le->v[i].msg);
		free(le->v[i].msg);
	}
	le->n = 0;
}

static void line_error(void *data, uint64_t cookie, const struct svc_nlerr *e)
{
	char msg[SVC_EXTACK_MAX + 128];

	push_err(data, (unsigned long)cookie, svc_nlerr_str(e, msg, sizeof(msg)));
}

static int restore_lines(struct ctx *c, FILE *in)
{
	static char buf[SVC_NEST_MAX + 1024];
	struct svc_nl *nl = ctx_nl(c);
	char *line = NULL, *argv[MAX_WORDS], err[ERRBUF];
	struct line_errs le = { 0 };
	struct svc_batch_stats st;
	unsigned long lineno = 0;
	uint64_t flushed = 0;
	struct svc_batch *b;
	size_t cap = 0;
	int r = 0;

	b = svc_batch_new(nl, 0, line_error, &le);
	if (!b) {
		err_msg("out of memory");
		return EXIT_FAIL;
	}
	while (getline(&line, &cap, in) >= 0) {
		struct nlmsghdr *nlh;
		struct op op;
		int n;

		lineno++;
		n = split_line(line, argv, MAX_WORDS);
		if (n == 0)
			continue;
		if (n < 0) {
			push_err(&le, lineno, "too many words");
			continue;
		}
		if (op_parse(n, argv, &op, err, sizeof(err))) {
			push_err(&le, lineno, err);
			continue;
		}
		nlh = op_request(&op, nl, buf, sizeof(buf));
		op_free(&op);
		if (!nlh) {
			push_err(&le, lineno, "request too large");
			continue;
		}
		r = svc_batch_add(b, nlh, lineno);
		if (r)
			break;
		svc_batch_stats(b, &st);
		if (st.sendmsgs != flushed) {
			/* every error so far belongs to a line before this one */
			flushed = st.sendmsgs;
			print_errs(&le);
		}
	}
	if (!r)
		r = svc_batch_flush(b);
	print_errs(&le);
	if (r) {
		err_msg("restore: %s", svc_strerror(r));
		le.failed++;
	}
	if (ferror(in)) {
		err_msg("restore: read error: %s", strerror(errno));
		le.failed++;
	}
	free(line);
	free(le.v);
	debug_stats(b);
	svc_batch_free(b);
	return le.failed ? EXIT_FAIL : EXIT_OK;
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
