// SPDX-License-Identifier: GPL-2.0
/* backend.c: svcadm backend add|set|del NAME ADDR:PORT ... */
#include <string.h>

#include "svcadm.h"

enum { V_ADD, V_SET, V_DEL, V_HELP };	/* the man page's order */
static const char *const verbs[] = { "add", "set", "del", "help", NULL };

/*
 * add: WEIGHT only if given (kernel default 1), FLAGS = the flag words given.
 * set: WEIGHT only if given (unchanged otherwise); FLAGS always = the flag
 *      words given, so a flag not repeated is cleared.
 * del: address and port only.
 */
int backend_parse(int argc, char **argv, struct op *op, char *err, size_t errlen)
{
	struct svc_backend *be = &op->be;
	char what[32], msg[SVC_ERRLEN];
	struct svc_addrport ap;
	int v, r, i;

	if (argc < 1)
		return set_err(EXIT_USAGE, err, errlen, "backend: missing verb");
	v = match_word(argv[0], verbs);
	if (v == V_ADD)
		op->type = OP_BACKEND_ADD;
	else if (v == V_SET)
		op->type = OP_BACKEND_SET;
	else if (v == V_DEL)
		op->type = OP_BACKEND_DEL;
	else
		return set_err(EXIT_USAGE, err, errlen, "backend: unknown verb \"%s\"",
			       argv[0]);
	snprintf(what, sizeof(what), "backend %s", verbs[v]);
	r = parse_service_name(what, argc, argv, 1, &op->svc, err, errlen);
	if (r)
		return r;
	if (argc < 3)
		return set_err(EXIT_USAGE, err, errlen, "%s: missing ADDR:PORT", what);
	if (svc_parse_addrport(argv[2], &ap, msg, sizeof(msg)))
		return set_err(EXIT_FAIL, err, errlen, "backend %s: %s", argv[2], msg);
	be->family = ap.family;
	be->addr = ap.addr;
	be->port = ap.port;
	if (op->type != OP_BACKEND_DEL)
		be->has |= SVC_BE_HAS_FLAGS;
	for (i = 3; i < argc; i++) {
		const char *kw = argv[i];

		if (op->type == OP_BACKEND_DEL)
			return set_err(EXIT_USAGE, err, errlen,
				       "%s: unexpected argument \"%s\"", what, kw);
		if (duparg(what, kw, (is_kw(kw, "weight") && (be->has & SVC_BE_HAS_WEIGHT)) ||
			   (is_kw(kw, "local") && (be->flags & SVCVIP_BACKEND_F_LOCAL)) ||
			   (is_kw(kw, "terminating") &&
			    (be->flags & SVCVIP_BACKEND_F_TERMINATING)), err, errlen))
			return EXIT_USAGE;
		if (is_kw(kw, "weight")) {
			if (i + 1 >= argc)
				return set_err(EXIT_USAGE, err, errlen,
					       "%s: weight needs a value", what);
			if (svc_parse_u32(argv[i + 1], 0, SVCVIP_WEIGHT_MAX, &be->weight,
					  msg, sizeof(msg)))
				return set_err(EXIT_FAIL, err, errlen, "weight %s: %s",
					       argv[i + 1], msg);
			be->has |= SVC_BE_HAS_WEIGHT;
			i++;
		} else if (is_kw(kw, "local")) {
			be->flags |= SVCVIP_BACKEND_F_LOCAL;
		} else if (is_kw(kw, "terminating")) {
			be->flags |= SVCVIP_BACKEND_F_TERMINATING;
		} else {
			return set_err(EXIT_USAGE, err, errlen, "%s: unknown argument \"%s\"",
				       what, kw);
		}
	}
	return 0;
}

int cmd_backend(struct ctx *c, int argc, char **argv)
{
	if (argc >= 1 && is_help(argc, argv))
		return help_print(stdout, "backend"), EXIT_OK;
	return run_parsed(c, "backend", backend_parse, argc, argv);
}
