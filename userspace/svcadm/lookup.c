// SPDX-License-Identifier: GPL-2.0
/* lookup.c: svcadm lookup PROTO DST_ADDR:PORT [from SRC_ADDR[:PORT]] */
#include <string.h>

#include "svcadm.h"

int cmd_lookup(struct ctx *c, int argc, char **argv)
{
	struct svc_lookup l;
	struct svc_addrport dst, src;
	struct svc_nlerr e;
	char msg[SVC_ERRLEN];
	int r;

	if (argc >= 1 && is_help(argc, argv))
		return help_print(stdout, "lookup"), EXIT_OK;
	if (argc < 2)
		return err_usage("lookup", argc ? "lookup: missing DST_ADDR:PORT" :
				 "lookup: missing PROTO");
	memset(&l, 0, sizeof(l));
	if (svc_parse_protocol(argv[0], &l.protocol, msg, sizeof(msg))) {
		err_msg("proto %s: %s", argv[0], msg);
		return EXIT_FAIL;
	}
	if (svc_parse_addrport(argv[1], &dst, msg, sizeof(msg))) {
		err_msg("destination %s: %s", argv[1], msg);
		return EXIT_FAIL;
	}
	l.family = dst.family;
	l.dst = dst.addr;
	l.dport = dst.port;
	if (argc > 2) {
		if (!is_kw(argv[2], "from")) {
			char m[64 + SVCVIP_NAME_MAX];

			snprintf(m, sizeof(m), "lookup: unexpected argument \"%.*s\" (expected \"from\")",
				 SVCVIP_NAME_MAX, argv[2]);
			return err_usage("lookup", m);
		}
		if (argc < 4)
			return err_usage("lookup", "lookup: from needs SRC_ADDR[:PORT]");
		if (argc > 4)
			return err_extra("lookup", "lookup", argv[4]);
		if (svc_parse_addr_optport(argv[3], &src, msg, sizeof(msg))) {
			err_msg("source %s: %s", argv[3], msg);
			return EXIT_FAIL;
		}
		if (src.family != dst.family) {
			err_msg("source %s: address family differs from the destination's",
				argv[3]);
			return EXIT_FAIL;
		}
		l.src = src.addr;
		l.has_src = true;
		if (src.port) {
			l.sport = src.port;
			l.has_sport = true;
		}
	}
	r = svc_lookup(ctx_nl(c), &l, &e);
	if (r) {
		svc_lookup_free(&l);
		return err_kernel("lookup", &e);
	}
	if (c->json)
		svc_json_print(stdout, svc_json_lookup(&l));
	else
		svc_print_lookup(stdout, &l, c->numeric);
	svc_lookup_free(&l);
	return EXIT_OK;
}
