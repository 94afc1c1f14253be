// SPDX-License-Identifier: GPL-2.0
/* service.c: svcadm service add|replace|set|del|show */
#include <string.h>

#include "svcadm.h"

/* in the order of the man page: abbreviations take the first match */
enum { V_ADD, V_REPLACE, V_SET, V_DEL, V_SHOW, V_HELP };
static const char *const verbs[] = { "add", "replace", "set", "del", "show", "help", NULL };

static int check_name(const char *name, char *err, size_t errlen)
{
	char msg[SVC_ERRLEN];

	if (name[0] == '-')	/* an option in the wrong place, as ip says */
		return set_err(EXIT_FAIL, err, errlen, "service %s: name must not start with \"-\"",
			       name);
	if (svc_check_name(name, msg, sizeof(msg)))
		return set_err(EXIT_FAIL, err, errlen, "service %s: %s", *name ? name : "\"\"",
			       msg);
	return 0;
}

/* The setting a keyword of parse_settings() sets. */
static uint32_t setting_of(const char *kw)
{
	switch (kw[0]) {
	case 'p':
		return SVC_SVC_HAS_PROTOCOL;
	case 's':
		return SVC_SVC_HAS_SCHEDULER;
	case 'a':
		return SVC_SVC_HAS_AFFINITY;
	case 't':
		return SVC_SVC_HAS_AFFINITY_TIMEOUT;
	case 'i':
		return SVC_SVC_HAS_INTERNAL_POLICY;
	default:
		return SVC_SVC_HAS_EXTERNAL_POLICY;
	}
}

int parse_service_name(const char *what, int argc, char **argv, int i,
		       struct svc_service *s, char *err, size_t errlen)
{
	if (i >= argc)
		return set_err(EXIT_USAGE, err, errlen, "%s: missing NAME", what);
	if (check_name(argv[i], err, errlen))
		return EXIT_FAIL;
	strcpy(s->name, argv[i]);
	return 0;
}

static int parse_settings(const char *what, int argc, char **argv, int i,
			  struct svc_service *s, bool is_set, char *err, size_t errlen)
{
	char msg[SVC_ERRLEN];

	for (; i < argc; i++) {
		const char *kw = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (is_kw(kw, "proto") || is_kw(kw, "protocol") ||
		    is_kw(kw, "scheduler") || is_kw(kw, "affinity") ||
		    is_kw(kw, "timeout") || is_kw(kw, "internal-policy") ||
		    is_kw(kw, "external-policy")) {
			if (!val)
				return set_err(EXIT_USAGE, err, errlen, "%s: %s needs a value",
					   what, kw);
			i++;
		} else {
			return set_err(EXIT_USAGE, err, errlen, "%s: unknown argument \"%s\"",
				   what, kw);
		}
		if (duparg(what, kw, s->has & setting_of(kw), err, errlen))
			return EXIT_USAGE;
		if (is_set && kw[0] == 'p')	/* the kernel refuses it too */
			return set_err(EXIT_USAGE, err, errlen,
				       "%s: proto cannot change (service replace sets it)", what);
		if (kw[0] == 'p') {
			if (svc_parse_protocol(val, &s->protocol, msg, sizeof(msg)))
				goto value;
			s->has |= SVC_SVC_HAS_PROTOCOL;
		} else if (kw[0] == 's') {
			if (svc_parse_scheduler(val, &s->scheduler, msg, sizeof(msg)))
				goto value;
			s->has |= SVC_SVC_HAS_SCHEDULER;
		} else if (kw[0] == 'a') {
			if (svc_parse_affinity(val, &s->affinity, msg, sizeof(msg)))
				goto value;
			s->has |= SVC_SVC_HAS_AFFINITY;
		} else if (kw[0] == 't') {
			if (!is_set && (!(s->has & SVC_SVC_HAS_AFFINITY) ||
					s->affinity != SVCVIP_AFFINITY_CLIENTIP))
				return set_err(EXIT_USAGE, err, errlen,
					   "%s: timeout needs \"affinity clientip\" before it",
					   what);
			if (svc_parse_u32(val, 1, SVCVIP_AFFINITY_TIMEOUT_MAX,
					  &s->affinity_timeout, msg, sizeof(msg)))
				goto value;
			s->has |= SVC_SVC_HAS_AFFINITY_TIMEOUT;
		} else if (kw[0] == 'i') {
			if (svc_parse_policy(val, &s->internal_policy, msg, sizeof(msg)))
				goto value;
			s->has |= SVC_SVC_HAS_INTERNAL_POLICY;
		} else {
			if (svc_parse_policy(val, &s->external_policy, msg, sizeof(msg)))
				goto value;
			s->has |= SVC_SVC_HAS_EXTERNAL_POLICY;
		}
		continue;
value:
		return set_err(EXIT_FAIL, err, errlen, "%s %s: %s", kw, val, msg);
	}
	if ((s->has & SVC_SVC_HAS_AFFINITY_TIMEOUT) && (s->has & SVC_SVC_HAS_AFFINITY) &&
	    s->affinity != SVCVIP_AFFINITY_CLIENTIP)
		return set_err(EXIT_USAGE, err, errlen,
			   "%s: timeout needs \"affinity clientip\"", what);
	return 0;
}

int service_parse(int argc, char **argv, struct op *op, char *err, size_t errlen)
{
	char what[64];
	int v, r;

	if (argc < 1)
		return set_err(EXIT_USAGE, err, errlen, "service: missing verb");
	v = match_word(argv[0], verbs);
	switch (v) {
	case V_ADD:
		op->type = OP_SERVICE_ADD;
		break;
	case V_REPLACE:
		op->type = OP_SERVICE_REPLACE;
		break;
	case V_SET:
		op->type = OP_SERVICE_SET;
		break;
	case V_DEL:
		op->type = OP_SERVICE_DEL;
		break;
	case V_SHOW:
		return set_err(EXIT_USAGE, err, errlen, "service show: not a table command");
	default:
		return set_err(EXIT_USAGE, err, errlen, "service: unknown verb \"%s\"", argv[0]);
	}
	snprintf(what, sizeof(what), "service %s", verbs[v]);
	r = parse_service_name(what, argc, argv, 1, &op->svc, err, errlen);
	if (r)
		return r;
	if (op->type == OP_SERVICE_DEL) {
		if (argc > 2)
			return set_err(EXIT_USAGE, err, errlen, "%s: unexpected argument \"%s\"",
				   what, argv[2]);
		return 0;
	}
	r = parse_settings(what, argc, argv, 2, &op->svc, op->type == OP_SERVICE_SET,
			   err, errlen);
	if (r)
		return r;
	if (op->type != OP_SERVICE_SET && !(op->svc.has & SVC_SVC_HAS_PROTOCOL))
		return set_err(EXIT_USAGE, err, errlen, "%s: missing \"proto tcp|udp|sctp\"", what);
	if (op->type == OP_SERVICE_SET && !(op->svc.has & SVC_SVC_SETTINGS))
		return set_err(EXIT_USAGE, err, errlen, "%s: nothing to set", what);
	return 0;
}

static int show(struct ctx *c, int argc, char **argv)
{
	struct svc_table t;
	struct svc_nlerr e;
	char err[ERRBUF];
	const char *name = NULL;
	int r;

	if (argc > 1) {
		if (argc > 2)
			return err_extra("service", "service show", argv[2]);
		if (check_name(argv[1], err, sizeof(err))) {
			err_msg("%s", err);
			return EXIT_FAIL;
		}
		name = argv[1];
	}
	svc_table_init(&t);
	r = svc_dump_services(ctx_nl(c), name, &t, &e);
	if (r) {
		char what[SVCVIP_NAME_MAX + 32];

		snprintf(what, sizeof(what), "service show%s%s", name ? " " : "",
			 name ? name : "");
		svc_table_free(&t);
		return err_kernel(what, &e);
	}
	svc_table_sort(&t);
	if (c->json)
		svc_json_print(stdout, svc_json_table(&t));
	else
		svc_print_table(stdout, &t, c->numeric);
	svc_table_free(&t);
	return EXIT_OK;
}

int cmd_service(struct ctx *c, int argc, char **argv)
{
	int v;

	if (argc < 1)
		return show(c, argc, argv);
	if (is_help(argc, argv))
		return help_print(stdout, "service"), EXIT_OK;
	v = match_word(argv[0], verbs);
	if (v == V_SHOW)
		return show(c, argc, argv);
	return run_parsed(c, "service", service_parse, argc, argv);
}
