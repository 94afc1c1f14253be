// SPDX-License-Identifier: GPL-2.0
/*
 * restore.c: svcadm restore [--replace] [-f|--force] [FILE|-]
 *
 * In the shape of ip -batch: every line is read and parsed first, and a
 * malformed one ("line N: ...") means nothing is applied, unless --force
 * (then the valid lines are). Without --replace the lines then go out in
 * order, pipelined (one sendmsg per batch, each ack mapped to its line).
 * Lines that build one thing travel as one message: a "service add" with
 * the frontend and backend adds of that service right after it (one
 * NEW_SERVICE with lists), and consecutive "backend add" lines of one
 * service (one NEW_BACKEND with backend lists). The kernel takes such a
 * message whole or not at all; a refused one is sent again line by line
 * when its batch is answered, so each error names its own line (those
 * lines then come after the ones that followed them in that batch).
 *
 * With --replace the lines describe the whole table: they are applied to a
 * model, checked, and lib/sync.c makes the kernel equal to it, sending only
 * what differs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sync.h"
#include "svcadm.h"

#define MAX_WORDS	256
#define MULTI		(1ULL << 63)	/* cookie of a message of several lines */

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

/* Room for need entries of size bytes in *pv (capacity *cap). */
static int reserve(void *pv, size_t *cap, size_t need, size_t size)
{
	void **p = pv;
	size_t ncap = *cap ? *cap : 1024;
	void *nv;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	nv = realloc(*p, ncap * size);
	if (!nv)
		return -ENOMEM;
	*p = nv;
	*cap = ncap;
	return 0;
}

/* ---- errors, printed in line order at the end ---- */

struct line_err {
	uint32_t line;
	char *msg;
};

struct errs {
	struct line_err *v;
	size_t n, cap;
};

static void push_err(struct errs *es, uint32_t line, const char *msg)
{
	char *m = strdup(msg);

	if (!m || reserve(&es->v, &es->cap, es->n + 1, sizeof(*es->v))) {
		err_msg("line %u: %s", line, msg);	/* out of memory: now */
		free(m);
		return;
	}
	es->v[es->n++] = (struct line_err){ line, m };
}

static int line_err_cmp(const void *a, const void *b)
{
	const struct line_err *x = a, *y = b;

	return x->line < y->line ? -1 : x->line > y->line;
}

/* Prints and frees them; returns how many there were. */
static size_t print_errs(struct errs *es)
{
	size_t n = es->n;

	if (n)	/* one per line */
		qsort(es->v, n, sizeof(*es->v), line_err_cmp);
	for (size_t k = 0; k < es->n; k++) {
		err_msg("line %u: %s", es->v[k].line, es->v[k].msg);
		free(es->v[k].msg);
	}
	free(es->v);
	memset(es, 0, sizeof(*es));
	return n;
}

/* ---- reading: every line, kept for sending (and sending again) ---- */

struct item {
	uint32_t line;
	bool bad;		/* did not parse */
	size_t off;		/* its text in input.text */
};

struct input {
	char *text;
	size_t len, cap;
	struct item *v;
	size_t n, icap;
	struct errs errs;
};

/* Parses item i's line into op; the error text into err. */
static int parse_item(const struct input *in, size_t i, struct op *op, char *err, size_t len)
{
	char *copy = strdup(in->text + in->v[i].off), *argv[MAX_WORDS];
	int n, r;

	op_init(op);
	if (!copy)
		return set_err(EXIT_FAIL, err, len, "out of memory");
	n = split_line(copy, argv, MAX_WORDS);
	r = n < 0 ? set_err(EXIT_FAIL, err, len, "too many words") :
		op_parse(n, argv, op, err, len);
	free(copy);
	return r;
}

/* Reads every non-blank line and parses it (errors are collected). */
static int read_input(FILE *f, struct input *in)
{
	char *line = NULL, err[ERRBUF];
	size_t cap = 0;
	uint32_t lineno = 0;
	ssize_t len;
	int r = 0;

	while ((len = getline(&line, &cap, f)) >= 0) {
		char *argv[MAX_WORDS];
		struct op op;

		lineno++;
		if (reserve(&in->text, &in->cap, in->len + (size_t)len + 1, 1))
			goto nomem;
		memcpy(in->text + in->len, line, (size_t)len + 1);
		if (split_line(line, argv, MAX_WORDS) == 0)
			continue;
		if (reserve(&in->v, &in->icap, in->n + 1, sizeof(*in->v)))
			goto nomem;
		in->v[in->n] = (struct item){ lineno, false, in->len };
		in->len += (size_t)len + 1;
		if (parse_item(in, in->n, &op, err, sizeof(err))) {
			push_err(&in->errs, lineno, err);
			in->v[in->n].bad = true;
		}
		op_free(&op);
		in->n++;
	}
	if (ferror(f)) {
		err_msg("restore: read error: %s", strerror(errno));
		r = -1;
	}
	free(line);
	return r;
nomem:
	err_msg("restore: out of memory");
	free(line);
	return -1;
}

static void input_free(struct input *in)
{
	for (size_t k = 0; k < in->errs.n; k++)
		free(in->errs.v[k].msg);
	free(in->errs.v);
	free(in->text);
	free(in->v);
}

/* ---- line mode ---- */

enum { RUN_NONE, RUN_SERVICE, RUN_BACKENDS };

struct lines {
	struct svc_nl *nl;
	const struct input *in;
	struct svc_batch *b;
	struct errs errs;
	int abort;		/* negative errno: the connection failed */
	/* the run of lines being combined; entry tags are item indices */
	int run;
	uint32_t head;		/* the service add of RUN_SERVICE */
	struct svc_service s;
	/* messages of several lines: their items, for sending them again */
	uint32_t *members;
	size_t nmembers, cap_members;
	size_t *multi;		/* where each one's items start in members */
	size_t nmulti, cap_multi;
	uint32_t *retry;	/* items of refused ones */
	size_t nretry, cap_retry;
	char *big;
	size_t big_len;
	char buf[SVC_NEST_MAX + 1024];
};

static void line_error(void *data, uint64_t cookie, const struct svc_nlerr *e)
{
	char msg[SVC_EXTACK_MAX + 128];
	struct lines *L = data;
	size_t m = (size_t)(cookie & ~MULTI);

	if (!(cookie & MULTI)) {
		push_err(&L->errs, L->in->v[m].line, svc_nlerr_str(e, msg, sizeof(msg)));
		return;
	}
	for (size_t k = L->multi[m]; k < (m + 1 < L->nmulti ? L->multi[m + 1] : L->nmembers); k++) {
		if (e->err == ENOBUFS) {	/* the ack is lost, not the lines */
			push_err(&L->errs, L->in->v[L->members[k]].line,
				 svc_nlerr_str(e, msg, sizeof(msg)));
		} else if (!reserve(&L->retry, &L->cap_retry, L->nretry + 1, sizeof(*L->retry))) {
			L->retry[L->nretry++] = L->members[k];
		} else {
			L->abort = -ENOMEM;
		}
	}
}

static void queue(struct lines *L, const struct nlmsghdr *nlh, uint64_t cookie)
{
	int r;

	if (L->abort)
		return;
	r = svc_batch_add(L->b, nlh, cookie);
	if (r)
		L->abort = r;
}

static void send_op(struct lines *L, const struct op *op, uint32_t i)
{
	struct nlmsghdr *nlh = op_request(op, L->nl, L->buf, sizeof(L->buf));

	if (!nlh)
		push_err(&L->errs, L->in->v[i].line, "request too large");
	else
		queue(L, nlh, i);
}

static void send_item(struct lines *L, uint32_t i)
{
	char err[ERRBUF];
	struct op op;

	if (parse_item(L->in, i, &op, err, sizeof(err)))
		push_err(&L->errs, L->in->v[i].line, err);
	else
		send_op(L, &op, i);
	op_free(&op);
}

/* Queues nlh, which carries the lines of the run's head (if head) and of
 * the entries fe[0..nfe) and be[from..to). */
static void send_multi(struct lines *L, const struct nlmsghdr *nlh, bool head,
		       size_t nfe, size_t from, size_t to)
{
	size_t need = L->nmembers + (head ? 1 : 0) + nfe + (to - from);

	if (reserve(&L->multi, &L->cap_multi, L->nmulti + 1, sizeof(*L->multi)) ||
	    reserve(&L->members, &L->cap_members, need, sizeof(*L->members))) {
		L->abort = -ENOMEM;
		return;
	}
	L->multi[L->nmulti] = L->nmembers;
	if (head)
		L->members[L->nmembers++] = L->head;
	for (size_t k = 0; k < nfe; k++)
		L->members[L->nmembers++] = L->s.frontends[k].tag;
	for (size_t k = from; k < to; k++)
		L->members[L->nmembers++] = L->s.backends[k].tag;
	queue(L, nlh, MULTI | L->nmulti++);
}

/* Sends the run: one message, or more when it does not fit in one. */
static void end_run(struct lines *L)
{
	struct svc_service *s = &L->s;
	struct svc_put_cursor cur = { 0, 0 };
	size_t next = 0;

	if (L->run == RUN_SERVICE && !s->nfrontends && !s->nbackends) {
		send_item(L, L->head);
	} else if (L->run == RUN_SERVICE) {
		unsigned what = SVC_PUT_SETTINGS | (s->nfrontends ? SVC_PUT_FRONTENDS : 0) |
				(s->nbackends ? SVC_PUT_BACKENDS : 0);
		struct nlmsghdr *nlh = svc_nl_msg(L->nl, L->big, L->big_len,
						  SVCVIP_CMD_NEW_SERVICE, 0);

		if (svc_msg_put_service(nlh, L->big_len, s, what, &cur) < 0) {
			send_item(L, L->head);
			cur.frontend = cur.backend = 0;
		} else {
			next = cur.backend;
			if (cur.frontend == s->nfrontends)
				svc_msg_put_backend_lists(nlh, L->big_len, s->backends,
							  s->nbackends, &next);
			send_multi(L, nlh, true, cur.frontend, 0, next);
		}
		for (size_t k = cur.frontend; k < s->nfrontends; k++)
			send_item(L, s->frontends[k].tag);
	}
	while (L->run != RUN_NONE && next < s->nbackends && !L->abort) {
		size_t from = next;
		struct nlmsghdr *nlh = svc_req_backend_lists(L->nl, L->big, L->big_len, s->name,
							     s->backends, s->nbackends, &next);

		if (!nlh || next - from == 1) {
			send_item(L, s->backends[from].tag);
			next = from + 1;
		} else {
			send_multi(L, nlh, false, 0, from, next);
		}
	}
	svc_service_free(s);
	L->run = RUN_NONE;
}

/* Whether op joins the run (the kernel's limits per message kept). */
static bool joins(const struct lines *L, const struct op *op)
{
	if (L->run == RUN_NONE || strcmp(op->svc.name, L->s.name))
		return false;
	if (op->type == OP_BACKEND_ADD)
		return L->s.nbackends < 65535;
	return op->type == OP_FRONTEND_ADD && L->run == RUN_SERVICE &&
	       L->s.nfrontends < 1024;
}

static void take_line(struct lines *L, struct op *op, uint32_t i)
{
	int r = 0;

	if (!joins(L, op))
		end_run(L);
	if (op->type == OP_SERVICE_ADD) {
		L->run = RUN_SERVICE;
		L->head = i;
		L->s = op->svc;		/* taken over */
		memset(&op->svc, 0, sizeof(op->svc));
		return;
	}
	if (op->type == OP_BACKEND_ADD && L->run == RUN_NONE) {
		L->run = RUN_BACKENDS;
		snprintf(L->s.name, sizeof(L->s.name), "%s", op->svc.name);
	}
	op->fe.tag = op->be.tag = i;
	if (op->type == OP_BACKEND_ADD)
		r = svc_service_add_backend(&L->s, &op->be);
	else if (op->type == OP_FRONTEND_ADD && L->run == RUN_SERVICE)
		r = svc_service_add_frontend(&L->s, &op->fe);
	else
		send_op(L, op, i);
	if (r)
		L->abort = r;
}

static void flush(struct lines *L)
{
	int r;

	if (!L->abort) {
		r = svc_batch_flush(L->b);
		if (r)
			L->abort = r;
	}
}

static size_t restore_lines(struct ctx *c, const struct input *in)
{
	struct lines *L = calloc(1, sizeof(*L));
	char err[ERRBUF];
	size_t failed;

	if (!L) {
		err_msg("restore: out of memory");
		return 1;
	}
	L->nl = ctx_nl(c);
	L->in = in;
	L->b = svc_batch_new(L->nl, 0, line_error, L);
	L->big_len = L->b ? svc_batch_max_bytes(L->b) : 0;
	L->big = malloc(L->big_len + 1);
	if (!L->b || !L->big)
		L->abort = -ENOMEM;
	for (uint32_t i = 0; i < in->n && !L->abort; i++) {
		struct op op;

		if (in->v[i].bad)
			continue;
		if (parse_item(in, i, &op, err, sizeof(err)))
			push_err(&L->errs, in->v[i].line, err);
		else
			take_line(L, &op, i);
		op_free(&op);
	}
	end_run(L);
	flush(L);
	/* refused messages of several lines, line by line */
	while (L->nretry && !L->abort) {
		uint32_t *v = L->retry;
		size_t n = L->nretry;

		L->retry = NULL;
		L->nretry = L->cap_retry = 0;
		for (size_t k = 0; k < n; k++)
			send_item(L, v[k]);
		free(v);
		flush(L);
	}
	failed = print_errs(&L->errs);
	if (L->abort) {
		err_msg("restore: %s", svc_strerror(L->abort));
		failed++;
	}
	svc_service_free(&L->s);
	svc_batch_free(L->b);
	free(L->big);
	free(L->members);
	free(L->multi);
	free(L->retry);
	free(L);
	return failed;
}

/* ---- --replace ---- */

static void sync_error(void *data, const struct svc_sync_err *x)
{
	char msg[SVC_EXTACK_MAX + 128], what[SVC_ADDRSTRLEN * 2];
	unsigned *errors = data;

	(*errors)++;
	if (x->frontend || x->backend) {	/* named below: not "at LIST[N]" */
		struct svc_nlerr e = *x->e;

		e.at.list = SVC_LIST_NONE;
		svc_nlerr_str(&e, msg, sizeof(msg));
	} else {
		svc_nlerr_str(x->e, msg, sizeof(msg));
	}
	if (x->op == SVC_SYNC_CHECK) {
		char also[32] = "";

		if (x->other_tag)
			snprintf(also, sizeof(also), " (line %u)", x->other_tag);
		if (x->tag)
			err_msg("line %u: %s%s", x->tag, x->e->msg, also);
		else
			err_msg("restore: %s", x->e->msg);
	} else if (x->op == SVC_SYNC_READ)
		err_msg("restore: reading the kernel's table: %s", msg);
	else if (x->op == SVC_SYNC_CONFIG)
		err_msg("config set: %s", msg);
	else if (x->op == SVC_SYNC_DEL)
		err_msg("service del %s: %s", x->service, msg);
	else if (x->frontend)	/* the line of the entry the kernel refused */
		err_msg("line %u: frontend %s: %s", x->tag,
			svc_fmt_frontend(x->frontend, what, sizeof(what)), msg);
	else if (x->backend)
		err_msg("line %u: backend %s: %s", x->tag,
			svc_fmt_addrport(x->backend->family, &x->backend->addr,
					 x->backend->port, 0, true, what, sizeof(what)), msg);
	else if (x->service && x->tag)
		err_msg("line %u: service %s: %s", x->tag, x->service, msg);
	else
		err_msg("restore: %s", msg);
}

/* The model of the lines (tags are line numbers); the number of errors. */
static unsigned build_model(const struct input *in, struct svc_table *t, struct svc_config *cfg)
{
	char err[ERRBUF];
	unsigned errors = 0;

	for (size_t i = 0; i < in->n; i++) {
		struct op op;

		if (in->v[i].bad)
			continue;
		if (parse_item(in, i, &op, err, sizeof(err)) ||
		    op_apply(&op, t, cfg, in->v[i].line, err, sizeof(err))) {
			err_msg("line %u: %s", in->v[i].line, err);
			errors++;
		}
		op_free(&op);
	}
	svc_sync_check(t, cfg, sync_error, &errors);	/* counts them too */
	return errors;
}

int restore_read_model(FILE *f, struct svc_table *t, struct svc_config *cfg)
{
	struct input in = { 0 };
	int errors = read_input(f, &in) ? 1 : 0;

	errors += (int)print_errs(&in.errs);
	errors += (int)build_model(&in, t, cfg);
	input_free(&in);
	return errors;
}

int cmd_restore(struct ctx *c, int argc, char **argv)
{
	const char *path = NULL;
	bool replace = false, force = false;
	char msg[64 + SVCVIP_NAME_MAX];
	struct input in = { 0 };
	FILE *f = stdin;
	size_t errors;
	int r = EXIT_OK;

	if (argc == 1 && is_help(argc, argv))
		return help_print(stdout, "restore"), EXIT_OK;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--replace"))
			replace = true;
		else if (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--force"))
			force = true;
		else if ((argv[i][0] != '-' || !argv[i][1]) && !path)
			path = argv[i];
		else if (path)
			return err_extra("restore", "restore", argv[i]);
		else
			return err_usage("restore", (snprintf(msg, sizeof(msg),
				"restore: unknown option \"%.*s\"", 200, argv[i]), msg));
	}
	if (path && strcmp(path, "-")) {
		f = fopen(path, "r");
		if (!f) {
			err_msg("restore: %s: %s", path, strerror(errno));
			return EXIT_FAIL;
		}
	}
	if (read_input(f, &in))
		r = EXIT_FAIL;
	if (f != stdin)
		fclose(f);
	errors = print_errs(&in.errs);	/* malformed: nothing is applied */
	if (errors && (!force || replace)) {
		r = EXIT_FAIL;
	} else if (replace && r == EXIT_OK) {
		struct svc_table t;
		struct svc_config cfg;
		unsigned bad;

		svc_table_init(&t);
		memset(&cfg, 0, sizeof(cfg));
		bad = build_model(&in, &t, &cfg);
		if (!bad) {
			int s = svc_sync(ctx_nl(c), &t, &cfg, NULL, sync_error, &bad, NULL);

			if (s < 0 && !bad)	/* the connection, not a request */
				err_msg("restore: %s", svc_strerror(s));
			if (s)
				bad++;
		}
		if (bad)
			r = EXIT_FAIL;
		svc_table_free(&t);
		svc_config_free(&cfg);
	} else if (r == EXIT_OK) {
		if (restore_lines(c, &in) || errors)
			r = EXIT_FAIL;
	}
	input_free(&in);
	return r;
}
