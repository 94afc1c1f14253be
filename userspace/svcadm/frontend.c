// SPDX-License-Identifier: GPL-2.0
/* frontend.c: svcadm frontend add|del NAME KIND ... */
#include <string.h>

#include "svcadm.h"

enum { V_ADD, V_DEL, V_HELP };	/* the man page's order */
static const char *const verbs[] = { "add", "del", "help", NULL };

int frontend_parse(int argc, char **argv, struct op *op, char *err, size_t errlen)
{
	struct svc_frontend *fe = &op->fe;
	char what[32], msg[SVC_ERRLEN];
	struct svc_addrport ap;
	bool seen_ranges = false, seen_family = false;
	int v, r, i;

	if (argc < 1)
		return set_err(EXIT_USAGE, err, errlen, "frontend: missing verb");
	v = match_word(argv[0], verbs);
	if (v == V_ADD)
		op->type = OP_FRONTEND_ADD;
	else if (v == V_DEL)
		op->type = OP_FRONTEND_DEL;
	else
		return set_err(EXIT_USAGE, err, errlen, "frontend: unknown verb \"%s\"",
			       argv[0]);
	snprintf(what, sizeof(what), "frontend %s", verbs[v]);
	r = parse_service_name(what, argc, argv, 1, &op->svc, err, errlen);
	if (r)
		return r;
	if (argc < 3)
		return set_err(EXIT_USAGE, err, errlen,
			       "%s: missing kind (clusterip, externalip, loadbalancer, nodeport)",
			       what);
	if (svc_parse_kind(argv[2], &fe->kind, msg, sizeof(msg)))
		return set_err(EXIT_USAGE, err, errlen, "%s: unknown kind \"%s\" (%s)",
			       what, argv[2], msg);
	if (argc < 4)
		return set_err(EXIT_USAGE, err, errlen, "%s: missing %s", what,
			       fe->kind == SVCVIP_FRONTEND_NODEPORT ? "PORT" : "ADDR:PORT");
	if (fe->kind == SVCVIP_FRONTEND_NODEPORT) {
		fe->family = AF_UNSPEC;
		if (svc_parse_port(argv[3], &fe->port, msg, sizeof(msg)))
			return set_err(EXIT_FAIL, err, errlen, "nodeport %s: %s", argv[3], msg);
	} else {
		if (svc_parse_addrport(argv[3], &ap, msg, sizeof(msg)))
			return set_err(EXIT_FAIL, err, errlen, "frontend %s: %s", argv[3], msg);
		fe->family = ap.family;
		fe->addr = ap.addr;
		fe->port = ap.port;
	}
	for (i = 4; i < argc; i++) {
		const char *kw = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (is_kw(kw, "source-ranges") &&
		    fe->kind == SVCVIP_FRONTEND_LOADBALANCER) {
			if (duparg(what, kw, seen_ranges, err, errlen))
				return EXIT_USAGE;
			seen_ranges = true;
			if (!val)
				return set_err(EXIT_USAGE, err, errlen,
					       "%s: source-ranges needs a value", what);
			svc_cidrs_free(&fe->source_ranges);
			if (svc_parse_cidr_list(val, &fe->source_ranges, msg, sizeof(msg)))
				return set_err(EXIT_FAIL, err, errlen, "source-ranges %s", msg);
			i++;
		} else if (is_kw(kw, "source-ranges")) {
			return set_err(EXIT_USAGE, err, errlen,
				       "%s: source-ranges is only for loadbalancer frontends",
				       what);
		} else if (is_kw(kw, "family") && fe->kind == SVCVIP_FRONTEND_NODEPORT) {
			if (duparg(what, kw, seen_family, err, errlen))
				return EXIT_USAGE;
			seen_family = true;
			if (!val)
				return set_err(EXIT_USAGE, err, errlen,
					       "%s: family needs a value", what);
			if (svc_parse_family(val, &fe->family, msg, sizeof(msg)))
				return set_err(EXIT_FAIL, err, errlen, "family %s: %s", val, msg);
			i++;
		} else {
			return set_err(EXIT_USAGE, err, errlen, "%s: unknown argument \"%s\"",
				       what, kw);
		}
	}
	return 0;
}

int cmd_frontend(struct ctx *c, int argc, char **argv)
{
	if (argc >= 1 && is_help(argc, argv))
		return help_print(stdout, "frontend"), EXIT_OK;
	return run_parsed(c, "frontend", frontend_parse, argc, argv);
}
