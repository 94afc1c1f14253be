// SPDX-License-Identifier: GPL-2.0
/*
 * sync_test: lib/sync.c against a fake kernel. The netlink layer is
 * replaced at link time (-Wl,--wrap, see userspace/Makefile): requests
 * queued in a batch are parsed back and applied to an in-memory table with
 * the kernel's rules (a frontend belongs to one service: EEXIST, unless the
 * replace has SVCVIP_A_TAKEOVER: then it moves; a service can be made to
 * refuse), and the log of what was sent is compared. After every request
 * the frontends that the kernel had before and the wanted table keeps
 * ("watched") must each still have a service: a moment where a packet
 * would find none is counted in gaps.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>

#include "svcadm.h"
#include "sync.h"

/* ---- the fake kernel ---- */
static struct svc_table K;
static struct svc_config KC;
static char sent[4096];			/* "del b; replace a/1; config 2; " */
static int dumps, config_gets;
static const char *refuse;		/* service whose replace is refused */
static struct svc_nlerr_loc refuse_at;	/* where the kernel says it is bad */
static bool no_takeover;		/* a module without SVCVIP_A_TAKEOVER */
static struct svc_table watch;		/* frontends that must stay served */
static int gaps;			/* requests after which one was not */
static svc_batch_err_cb batch_cb;
static void *batch_data;
static struct {
	uint64_t cookie;
	struct svc_nlerr e;
} pending[64];
static size_t npending;

struct svc_batch *__wrap_svc_batch_new(struct svc_nl *nl, size_t max, svc_batch_err_cb cb,
				       void *data);
void __wrap_svc_batch_free(struct svc_batch *b);
size_t __wrap_svc_batch_max_bytes(const struct svc_batch *b);
int __wrap_svc_batch_add(struct svc_batch *b, const struct nlmsghdr *nlh, uint64_t cookie);
int __wrap_svc_batch_flush(struct svc_batch *b);
struct nlmsghdr *__wrap_svc_nl_msg(const struct svc_nl *nl, void *buf, size_t len,
				   uint8_t cmd, uint16_t flags);
int __wrap_svc_dump_services(struct svc_nl *nl, const char *name, struct svc_table *t,
			     struct svc_nlerr *e);
int __wrap_svc_get_config(struct svc_nl *nl, struct svc_config *c, struct svc_nlerr *e);

struct svc_batch *__wrap_svc_batch_new(struct svc_nl *nl, size_t max, svc_batch_err_cb cb,
				       void *data)
{
	(void)nl;
	(void)max;
	batch_cb = cb;
	batch_data = data;
	return (struct svc_batch *)&batch_cb;
}

void __wrap_svc_batch_free(struct svc_batch *b)
{
	(void)b;
}

size_t __wrap_svc_batch_max_bytes(const struct svc_batch *b)
{
	(void)b;
	return 1 << 20;
}

struct nlmsghdr *__wrap_svc_nl_msg(const struct svc_nl *nl, void *buf, size_t len,
				   uint8_t cmd, uint16_t flags)
{
	(void)nl;
	return svc_msg_start(buf, len, 0x42, cmd, flags, 0);
}

static int copy_table(struct svc_table *dst, const struct svc_table *src)
{
	svc_table_clear(dst);
	for (size_t i = 0; i < src->n; i++) {
		struct svc_service s;

		assert_int_equal(svc_service_copy(&s, &src->v[i]), 0);
		assert_int_equal(svc_table_insert(dst, &s), 0);
	}
	return 0;
}

int __wrap_svc_dump_services(struct svc_nl *nl, const char *name, struct svc_table *t,
			     struct svc_nlerr *e)
{
	(void)nl;
	(void)name;
	(void)e;
	dumps++;
	return copy_table(t, &K);
}

int __wrap_svc_get_config(struct svc_nl *nl, struct svc_config *c, struct svc_nlerr *e)
{
	(void)nl;
	(void)e;
	config_gets++;
	return svc_config_copy(c, &KC);
}

__attribute__((format(printf, 1, 2)))
static void logf_(const char *fmt, ...)
{
	size_t n = strlen(sent);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sent + n, sizeof(sent) - n, fmt, ap);
	va_end(ap);
}

static void refuse_with(uint64_t cookie, int err, const char *msg)
{
	assert_true(npending < 64);
	pending[npending].cookie = cookie;
	svc_nlerr_set(&pending[npending].e, err, msg);
	npending++;
}

/* A frontend of another service with the same protocol? */
static const char *owner(const struct svc_service *s, const struct svc_frontend *fe)
{
	for (size_t i = 0; i < K.n; i++)
		if (strcmp(K.v[i].name, s->name) && K.v[i].protocol == s->protocol &&
		    svc_service_find_frontend(&K.v[i], fe))
			return K.v[i].name;
	return NULL;
}

/* Whether a service of the kernel with s's protocol has fe. */
static bool served(const struct svc_service *s, const struct svc_frontend *fe)
{
	for (size_t i = 0; i < K.n; i++)
		if (K.v[i].protocol == s->protocol && svc_service_find_frontend(&K.v[i], fe))
			return true;
	return false;
}

/* Each watched frontend still has a service of its protocol? */
static void check_watched(void)
{
	for (size_t i = 0; i < watch.n; i++)
		for (size_t j = 0; j < watch.v[i].nfrontends; j++)
			if (!served(&watch.v[i], &watch.v[i].frontends[j])) {
				logf_("(gap) ");
				gaps++;
				return;
			}
}

/* Moves the frontends of s that another service holds to s. */
static void take_over(const struct svc_service *s)
{
	for (size_t j = 0; j < s->nfrontends; j++) {
		const char *o = owner(s, &s->frontends[j]);

		if (o)
			assert_true(svc_service_del_frontend(svc_table_find(&K, o),
							     &s->frontends[j]));
	}
}

int __wrap_svc_batch_add(struct svc_batch *b, const struct nlmsghdr *nlh, uint64_t cookie)
{
	const struct nlattr *tb[SVCVIP_A_MAX + 1];
	struct svc_service s;
	struct svc_config c;
	char msg[SVCVIP_NAME_MAX + 64];

	(void)b;
	memset(&s, 0, sizeof(s));
	memset(&c, 0, sizeof(c));
	assert_int_equal(svc_msg_parse_top(nlh, tb), 0);
	switch (svc_msg_cmd(nlh)) {
	case SVCVIP_CMD_SET_CONFIG:
		assert_int_equal(svc_msg_parse_config(tb[SVCVIP_A_CONFIG], &c), 0);
		logf_("config %x; ", c.has);
		svc_config_merge(&KC, &c);
		break;
	case SVCVIP_CMD_DEL_SERVICE:
		assert_int_equal(svc_msg_parse_service(tb[SVCVIP_A_SERVICE], &s), 0);
		logf_("del %s; ", s.name);
		assert_true(svc_table_del(&K, s.name));
		break;
	case SVCVIP_CMD_REPLACE_SERVICE:
		assert_int_equal(svc_msg_parse_service(tb[SVCVIP_A_SERVICE], &s), 0);
		/* "take": a replace with SVCVIP_A_TAKEOVER */
		logf_("%s %s/%zu; ", tb[SVCVIP_A_TAKEOVER] ? "take" : "replace", s.name,
		      s.nfrontends);
		if (tb[SVCVIP_A_TAKEOVER] && no_takeover) {
			refuse_with(cookie, EINVAL, "Unknown attribute type");
			break;
		}
		if (refuse && !strcmp(s.name, refuse)) {
			refuse_with(cookie, ENOSPC, "backend limit per service reached");
			pending[npending - 1].e.at = refuse_at;
			break;
		}
		for (size_t j = 0; j < s.nfrontends && !tb[SVCVIP_A_TAKEOVER]; j++) {
			const char *o = owner(&s, &s.frontends[j]);

			if (o) {
				snprintf(msg, sizeof(msg), "frontend belongs to service %s", o);
				refuse_with(cookie, EEXIST, msg);
				goto out;
			}
		}
		if (tb[SVCVIP_A_TAKEOVER])
			take_over(&s);
		svc_table_del(&K, s.name);
		assert_int_equal(svc_table_insert(&K, &s), 0);
		break;
	default:
		fail_msg("unexpected command %u", svc_msg_cmd(nlh));
	}
	check_watched();
out:
	svc_service_free(&s);
	svc_config_free(&c);
	return 0;
}

int __wrap_svc_batch_flush(struct svc_batch *b)
{
	(void)b;
	for (size_t i = 0; i < npending; i++)
		batch_cb(batch_data, pending[i].cookie, &pending[i].e);
	npending = 0;
	return 0;
}

/* ---- helpers ---- */

struct seen {
	int n;
	enum svc_sync_op op;
	char service[SVCVIP_NAME_MAX];
	int err;
	uint32_t tag, other_tag;
	char entry[64];			/* the frontend or backend refused */
};

static void on_error(void *data, const struct svc_sync_err *x)
{
	struct seen *s = data;

	s->n++;
	s->op = x->op;
	snprintf(s->service, sizeof(s->service), "%s", x->service ? x->service : "");
	s->err = x->e->err;
	s->tag = x->tag;
	s->other_tag = x->other_tag;
	s->entry[0] = '\0';
	if (x->frontend)
		svc_fmt_frontend(x->frontend, s->entry, sizeof(s->entry));
	if (x->backend)
		svc_fmt_addrport(x->backend->family, &x->backend->addr, x->backend->port, 0,
				 true, s->entry, sizeof(s->entry));
}

/* A table from svcadm lines (tags: line numbers). */
static void model(const char *text, struct svc_table *t, struct svc_config *cfg)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");

	svc_table_init(t);
	memset(cfg, 0, sizeof(*cfg));
	assert_non_null(f);
	assert_int_equal(restore_read_model(f, t, cfg), 0);
	fclose(f);
}

static void kernel(const char *text)
{
	svc_table_free(&K);
	svc_config_free(&KC);
	model(text, &K, &KC);
	svc_table_free(&watch);		/* sync_to() sets it */
	svc_table_init(&watch);
	sent[0] = '\0';
	dumps = config_gets = gaps = 0;
	refuse = NULL;
	memset(&refuse_at, 0, sizeof(refuse_at));
	no_takeover = false;
}

/* Watches the frontends of the kernel that t keeps (in any service). */
static void watch_kept(const struct svc_table *t)
{
	svc_table_free(&watch);
	svc_table_init(&watch);
	for (size_t i = 0; i < K.n; i++) {
		struct svc_service *w = svc_table_add(&watch, K.v[i].name);

		w->protocol = K.v[i].protocol;
		for (size_t j = 0; j < K.v[i].nfrontends; j++)
			for (size_t k = 0; k < t->n; k++)
				if (t->v[k].protocol == w->protocol &&
				    svc_service_find_frontend(&t->v[k], &K.v[i].frontends[j])) {
					assert_int_equal(svc_service_add_frontend(
						w, &K.v[i].frontends[j]), 0);
					break;
				}
	}
}

/* Syncs to text; returns svc_sync()'s result. */
static int sync_to(const char *text, struct svc_sync_have *have, struct seen *seen,
		   struct svc_sync_stats *st)
{
	struct svc_table t;
	struct svc_config cfg;
	int r;

	model(text, &t, &cfg);
	watch_kept(&t);
	r = svc_sync((struct svc_nl *)&K, &t, &cfg, have, on_error, seen, st);
	svc_table_free(&t);
	svc_config_free(&cfg);
	return r;
}

/* The fake kernel's table as save prints it. */
static char *kernel_text(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	svc_table_sort(&K);
	save_print(f, &K, &KC);
	fclose(f);
	return text;
}

static void assert_kernel_is(const char *text)
{
	struct svc_table t;
	struct svc_config cfg;
	char *want, *have = kernel_text();
	size_t len = 0;
	FILE *f;

	model(text, &t, &cfg);
	svc_config_free(&cfg);
	cfg = KC;	/* only the table is compared here */
	f = open_memstream(&want, &len);
	svc_table_sort(&t);
	save_print(f, &t, &cfg);
	fclose(f);
	assert_string_equal(have, want);
	free(want);
	free(have);
	svc_table_free(&t);
}

#define A "service add a proto tcp\nfrontend add a clusterip 10.96.0.1:80\n" \
	  "backend add a 10.244.0.1:80\n"
#define B "service add b proto tcp\nfrontend add b clusterip 10.96.0.2:80\n"
#define C "service add c proto udp scheduler rr\nbackend add c 10.244.0.3:53 weight 2\n"

/* Syncs the named services of text with svc_sync_some(). */
static int sync_some_to(const char *text, const char *const *names, size_t n,
			struct svc_sync_have *have, struct seen *seen)
{
	struct svc_table t;
	struct svc_config cfg;
	int r;

	model(text, &t, &cfg);
	watch_kept(&t);
	r = svc_sync_some((struct svc_nl *)&K, &t, names, n, &cfg, have, on_error, seen, NULL);
	svc_table_free(&t);
	svc_config_free(&cfg);
	return r;
}

/* ---- tests ---- */

static void unchanged_costs_one_dump(void **state)
{
	struct seen seen = { 0 };
	struct svc_sync_stats st;

	(void)state;
	kernel(A B C "config set masquerade-all on\n");
	assert_int_equal(sync_to(C B A "config set masquerade-all on\n", NULL, &seen, &st), 0);
	assert_string_equal(sent, "");
	assert_int_equal(dumps, 1);
	assert_int_equal(st.requests, 0);
	assert_int_equal(seen.n, 0);
}

static void adds_replaces_deletes(void **state)
{
	struct seen seen = { 0 };
	struct svc_sync_stats st;
#define WANT A "backend add a 10.244.0.2:80\n"	/* a changes */ \
		C				/* c stays, b goes */ \
		"service add d proto sctp\n"		/* d is new */
	static const char want[] = WANT;

	(void)state;
	kernel(A B C);
	assert_int_equal(sync_to(want, NULL, &seen, &st), 0);
	assert_string_equal(sent, "del b; replace a/1; replace d/0; ");
	assert_int_equal(st.deleted, 1);
	assert_int_equal(st.replaced, 1);
	assert_int_equal(st.added, 1);
	assert_kernel_is(want);
	/* settings only (defaults spelled out are no change) */
	sent[0] = '\0';
	assert_int_equal(sync_to(A "service add c proto udp scheduler rr affinity none\n"
				 "backend add c 10.244.0.3:53 weight 2\nservice add d proto sctp\n"
				 "backend add a 10.244.0.2:80 weight 1\n", NULL, &seen, NULL), 0);
	assert_string_equal(sent, "");
	assert_int_equal(sync_to(WANT "service replace d proto sctp scheduler random\n",
				 NULL, &seen, NULL), 0);
	assert_string_equal(sent, "replace d/0; ");
	assert_int_equal(seen.n, 0);
}

static void config_only_what_differs(void **state)
{
	struct seen seen = { 0 };

	(void)state;
	kernel(A "config set cluster-cidrs 10.244.0.0/16 masquerade-all on max-services 100\n");
	/* the same values, and keys not named: nothing */
	assert_int_equal(sync_to(A "config set masquerade-all on cluster-cidrs 10.244.0.0/16\n",
				 NULL, &seen, NULL), 0);
	assert_string_equal(sent, "");
	assert_int_equal(config_gets, 1);
	/* one key changes: only that key is sent */
	assert_int_equal(sync_to(A "config set masquerade-all off cluster-cidrs 10.244.0.0/16\n",
				 NULL, &seen, NULL), 0);
	assert_string_equal(sent, "config 2; ");
	assert_int_equal(KC.masquerade_all, 0);
	sent[0] = '\0';
	assert_int_equal(sync_to(A "config set cluster-cidrs 10.244.0.0/16,10.245.0.0/16\n",
				 NULL, &seen, NULL), 0);
	assert_string_equal(sent, "config 1; ");
	assert_int_equal(KC.cluster_cidrs.n, 2);
	assert_int_equal(seen.n, 0);
}

/* A frontend moves in one message: the service taking it has the
 * takeover flag, whichever of the two is sent first. */
static void frontend_move(void **state)
{
	struct seen seen = { 0 };
	struct svc_sync_stats st;
	static const char want[] =
		"service add a proto tcp\nfrontend add a clusterip 10.96.0.2:80\n"
		"service add b proto tcp\nfrontend add b clusterip 10.96.0.3:80\n";
	static const char give[] =
		"service add a proto tcp\n"
		"service add b proto tcp\nfrontend add b clusterip 10.96.0.1:80\n";

	(void)state;
	/* the taker sorts first: it takes, then b is replaced with its new one */
	kernel(B);
	assert_int_equal(sync_to(want, NULL, &seen, &st), 0);
	assert_string_equal(sent, "take a/1; replace b/1; ");
	assert_int_equal(st.moved, 1);
	assert_int_equal(st.requests, 2);
	assert_int_equal(gaps, 0);
	assert_kernel_is(want);
	/* the giver sorts first: it keeps the frontend until b takes it */
	kernel("service add a proto tcp\nfrontend add a clusterip 10.96.0.1:80\n"
	       "service add b proto tcp\n");
	assert_int_equal(sync_to(give, NULL, &seen, NULL), 0);
	assert_string_equal(sent, "replace a/1; take b/1; ");
	assert_int_equal(gaps, 0);
	assert_kernel_is(give);
	/* a service that goes keeps its frontend until the new one took it */
	kernel(B);
	assert_int_equal(sync_to("service add a proto tcp\nfrontend add a clusterip 10.96.0.2:80\n",
				 NULL, &seen, NULL), 0);
	assert_string_equal(sent, "take a/1; del b; ");
	assert_int_equal(gaps, 0);
	/* a module without the flag refuses the move, and only it */
	kernel(B C);
	no_takeover = true;
	assert_int_equal(sync_to("service add a proto tcp\nfrontend add a clusterip 10.96.0.2:80\n"
				 "service add b proto tcp\n" C "backend add c 10.244.0.4:53\n",
				 NULL, &seen, NULL), 1);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.service, "a");
	assert_int_equal(seen.err, EINVAL);
	assert_int_equal(svc_table_find(&K, "c")->nbackends, 2);
}

/* Two services swap frontends: still one message each, no gap. */
static void frontend_swap(void **state)
{
	struct seen seen = { 0 };
	struct svc_sync_stats st;
	static const char want[] =
		"service add a proto tcp\nfrontend add a clusterip 10.96.0.2:80\n"
		"frontend add a clusterip 10.96.0.9:80\n"
		"service add b proto tcp\nfrontend add b clusterip 10.96.0.1:80\n";

	(void)state;
	kernel(A B);
	assert_int_equal(sync_to(want, NULL, &seen, &st), 0);
	/* a takes b's and keeps its own for b; b takes it */
	assert_string_equal(sent, "take a/3; take b/1; ");
	assert_int_equal(st.moved, 2);
	assert_int_equal(st.requests, 2);
	assert_int_equal(gaps, 0);
	assert_int_equal(seen.n, 0);
	assert_kernel_is(want);
}

/* Three services pass their frontends round: one message each, no gap. */
static void frontend_cycle(void **state)
{
	struct seen seen = { 0 };
	struct svc_sync_stats st;
#define SVC3(x, y, z) "service add a proto tcp\nfrontend add a clusterip 10.96.0." x ":80\n" \
		      "service add b proto tcp\nfrontend add b clusterip 10.96.0." y ":80\n" \
		      "service add c proto tcp\nfrontend add c clusterip 10.96.0." z ":80\n"

	(void)state;
	kernel(SVC3("1", "2", "3"));
	assert_int_equal(sync_to(SVC3("2", "3", "1"), NULL, &seen, &st), 0);
	assert_string_equal(sent, "take a/2; take b/1; take c/1; ");
	assert_int_equal(st.moved, 3);
	assert_int_equal(gaps, 0);
	assert_int_equal(seen.n, 0);
	assert_kernel_is(SVC3("2", "3", "1"));
	/* and the other way round */
	sent[0] = '\0';
	assert_int_equal(sync_to(SVC3("3", "1", "2"), NULL, &seen, &st), 0);
	assert_string_equal(sent, "take a/2; take b/1; take c/1; ");
	assert_int_equal(gaps, 0);
	assert_kernel_is(SVC3("3", "1", "2"));
#undef SVC3
}

static void refusals_reported_per_service(void **state)
{
	struct seen seen = { 0 };
	struct svc_sync_have have = { 0 };
	static const char want[] =
		A "backend add a 10.244.0.2:80\n" B "backend add b 10.244.0.9:80\n" C;

	(void)state;
	kernel(A B);
	refuse = "b";
	assert_int_equal(sync_to(want, &have, &seen, NULL), 1);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.op, SVC_SYNC_REPLACE);
	assert_string_equal(seen.service, "b");
	assert_int_equal(seen.err, ENOSPC);
	assert_int_equal(seen.tag, 5);		/* b's line in want */
	assert_string_equal(seen.entry, "");
	/* the others are applied; the cache is no longer trusted */
	assert_non_null(svc_table_find(&K, "c"));
	assert_int_equal(svc_table_find(&K, "a")->nbackends, 2);
	assert_false(have.valid);
	/* the kernel names a backend: its line and the backend */
	kernel(A B);
	refuse = "b";
	refuse_at = (struct svc_nlerr_loc){ SVC_LIST_BACKENDS, 0 };
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(sync_to(want, NULL, &seen, NULL), 1);
	assert_int_equal(seen.tag, 7);		/* backend add b 10.244.0.9:80 */
	assert_string_equal(seen.entry, "10.244.0.9:80");
	/* and a frontend */
	kernel(A B);
	refuse = "b";
	refuse_at = (struct svc_nlerr_loc){ SVC_LIST_FRONTENDS, 0 };
	assert_int_equal(sync_to(want, NULL, &seen, NULL), 1);
	assert_int_equal(seen.tag, 6);		/* frontend add b clusterip ... */
	assert_string_equal(seen.entry, "clusterip 10.96.0.2:80");
	/* beyond the wanted lists: the service's line */
	kernel(A B);
	refuse = "b";
	refuse_at = (struct svc_nlerr_loc){ SVC_LIST_BACKENDS, 5 };
	assert_int_equal(sync_to(want, NULL, &seen, NULL), 1);
	assert_int_equal(seen.tag, 5);
	assert_string_equal(seen.entry, "");
	/* a stale cache: the kernel gives the frontend to another service */
	kernel(A C);
	svc_sync_have_free(&have);
	assert_int_equal(sync_to(A C, &have, &seen, NULL), 0);
	{
		struct svc_service *x = svc_table_add(&K, "x");
		struct svc_frontend fe = { .kind = SVCVIP_FRONTEND_CLUSTERIP, .family = AF_INET,
					   .port = 80 };

		fe.addr.v4.s_addr = htonl(0x0a600007);
		x->has = SVC_SVC_HAS_PROTOCOL;
		x->protocol = IPPROTO_TCP;
		assert_int_equal(svc_service_add_frontend(x, &fe), 0);
	}
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(sync_to(A C "service add d proto tcp\n"
				 "frontend add d clusterip 10.96.0.7:80\n", &have, &seen, NULL), 1);
	assert_string_equal(seen.service, "d");
	assert_int_equal(seen.err, EEXIST);
	assert_false(have.valid);
	svc_sync_have_free(&have);
}

static void cache_replaces_the_dump(void **state)
{
	struct seen seen = { 0 };
	struct svc_sync_have have = { 0 };

	(void)state;
	kernel(A B);
	assert_int_equal(sync_to(A C "config set masquerade-all on\n", &have, &seen, NULL), 0);
	assert_int_equal(dumps, 1);
	assert_int_equal(config_gets, 1);
	assert_true(have.valid);
	sent[0] = '\0';
	/* again: nothing asked, nothing sent */
	assert_int_equal(sync_to(A C "config set masquerade-all on\n", &have, &seen, NULL), 0);
	assert_string_equal(sent, "");
	assert_int_equal(dumps, 1);
	assert_int_equal(config_gets, 1);
	/* a change: only it, from the cache */
	assert_int_equal(sync_to(A C "backend add c 10.244.0.4:53\n", &have, &seen, NULL), 0);
	assert_string_equal(sent, "replace c/0; ");
	assert_int_equal(dumps, 1);
	assert_int_equal(seen.n, 0);
	svc_sync_have_free(&have);
}

static void check_finds_conflicts(void **state)
{
	struct seen seen = { 0 };
	struct svc_table t;
	struct svc_config cfg;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	/* a frontend in two services (tags: 2 and 5) */
	{
		struct svc_frontend fe = { .kind = SVCVIP_FRONTEND_CLUSTERIP, .family = AF_INET,
					   .port = 80, .tag = 5 };
		struct svc_service *a, *b;

		svc_table_init(&t);
		a = svc_table_add(&t, "a");
		b = svc_table_add(&t, "b");
		a->has = b->has = SVC_SVC_HAS_PROTOCOL;
		a->protocol = b->protocol = IPPROTO_TCP;
		fe.addr.v4.s_addr = htonl(0x0a600001);
		assert_int_equal(svc_service_add_frontend(b, &fe), 0);
		fe.tag = 2;
		assert_int_equal(svc_service_add_frontend(a, &fe), 0);
		assert_int_equal(svc_sync_check(&t, NULL, on_error, &seen), 1);
		assert_string_equal(seen.service, "b");
		assert_int_equal(seen.tag, 5);
		assert_int_equal(seen.other_tag, 2);
		assert_int_equal(seen.err, EEXIST);
		/* another protocol may use the same address and port */
		b = svc_table_find(&t, "b");
		b->protocol = IPPROTO_UDP;
		assert_int_equal(svc_sync_check(&t, NULL, on_error, &seen), 0);
		/* limits of the wanted config */
		cfg.has = SVC_CFG_HAS_MAX_SERVICES | SVC_CFG_HAS_MAX_FRONTENDS;
		cfg.max_services = 1;
		cfg.max_frontends = 1;
		memset(&seen, 0, sizeof(seen));
		assert_int_equal(svc_sync_check(&t, &cfg, on_error, &seen), 2);
		svc_table_free(&t);
	}
	svc_config_free(&cfg);
}

/* A service beyond 64 KiB is still one REPLACE_SERVICE (built again in
 * the batch's largest buffer), not a replace plus additions. */
static void big_service_one_message(void **state)
{
	struct seen seen = { 0 };
	struct svc_sync_stats st;
	struct svc_table t;
	struct svc_service *s;

	(void)state;
	kernel("");
	svc_table_init(&t);
	s = svc_table_add(&t, "big");
	s->has = SVC_SVC_HAS_PROTOCOL;
	s->protocol = IPPROTO_TCP;
	for (uint32_t i = 0; i < 5000; i++) {
		struct svc_backend be = { .family = AF_INET, .port = 8080 };

		be.addr.v4.s_addr = htonl(0x0a650000 + i);
		assert_int_equal(svc_service_add_backend(s, &be), 0);
	}
	assert_int_equal(svc_sync((struct svc_nl *)&K, &t, NULL, NULL, on_error, &seen, &st), 0);
	assert_string_equal(sent, "replace big/0; ");
	assert_int_equal(st.requests, 1);
	assert_int_equal(seen.n, 0);
	svc_table_free(&t);
}

static int teardown(void **state)
{
	(void)state;
	svc_table_free(&K);
	svc_config_free(&KC);
	svc_table_free(&watch);
	svc_output_cleanup();
	return 0;
}

/* svc_sync_some(): only the named services are compared and sent (a and c
 * differ from the kernel here, only a is named); no dump; the cache then
 * matches the kernel, as a full sync with the cache shows (nothing sent). */
static void some_sends_only_the_named(void **state)
{
	struct svc_sync_have have = { 0 };
	struct seen seen = { 0 };
	static const char *const a[] = { "a" }, *const bd[] = { "b", "d" }, *const mv[] = { "e" };

	(void)state;
	kernel(A B C);
	assert_int_equal(sync_to(A B C, &have, &seen, NULL), 0);
	assert_int_equal(dumps, 1);
	sent[0] = '\0';
	/* c also changed in want but is not named: left alone */
	assert_int_equal(sync_some_to(A "backend add a 10.244.0.2:80\n" B
				      "service add c proto udp\n", a, 1, &have, &seen), 0);
	assert_string_equal(sent, "replace a/1; ");
	assert_int_equal(dumps, 1);
	/* b goes, d comes */
	sent[0] = '\0';
	assert_int_equal(sync_some_to(A "backend add a 10.244.0.2:80\n" C
				      "service add d proto sctp\n", bd, 2, &have, &seen), 0);
	assert_string_equal(sent, "del b; replace d/0; ");
	/* e (named) takes a's frontend though a is not named: a's part of
	 * the move is found and a keeps the cache right */
	sent[0] = '\0';
	assert_int_equal(sync_some_to("service add a proto tcp\nbackend add a 10.244.0.1:80\n"
				      "backend add a 10.244.0.2:80\n" C "service add d proto sctp\n"
				      "service add e proto tcp\nfrontend add e clusterip 10.96.0.1:80\n",
				      mv, 1, &have, &seen), 0);
	assert_string_equal(sent, "replace a/1; take e/1; ");
	assert_int_equal(gaps, 0);
	assert_int_equal(seen.n, 0);
	/* the cache is the kernel: a full sync to it sends nothing, dumps nothing */
	sent[0] = '\0';
	assert_int_equal(sync_to("service add a proto tcp\nbackend add a 10.244.0.1:80\n"
				 "backend add a 10.244.0.2:80\n" C "service add d proto sctp\n"
				 "service add e proto tcp\nfrontend add e clusterip 10.96.0.1:80\n",
				 &have, &seen, NULL), 0);
	assert_string_equal(sent, "");
	assert_int_equal(dumps, 1);
	assert_kernel_is("service add a proto tcp\nbackend add a 10.244.0.1:80\n"
			 "backend add a 10.244.0.2:80\n" C "service add d proto sctp\n"
			 "service add e proto tcp\nfrontend add e clusterip 10.96.0.1:80\n");
	svc_sync_have_free(&have);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unchanged_costs_one_dump),
		cmocka_unit_test(adds_replaces_deletes),
		cmocka_unit_test(config_only_what_differs),
		cmocka_unit_test(frontend_move),
		cmocka_unit_test(frontend_swap),
		cmocka_unit_test(frontend_cycle),
		cmocka_unit_test(refusals_reported_per_service),
		cmocka_unit_test(cache_replaces_the_dump),
		cmocka_unit_test(check_finds_conflicts),
		cmocka_unit_test(some_sends_only_the_named),
		cmocka_unit_test(big_service_one_message),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests_name("sync", tests, NULL, teardown);
}
