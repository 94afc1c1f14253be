// SPDX-License-Identifier: GPL-2.0
/* stats.c: svcadm stats [NAME] */
#include "svcadm.h"

int cmd_stats(struct ctx *c, int argc, char **argv)
{
	const char *name = NULL;
	struct svc_table t;
	struct svc_nlerr e;
	char msg[SVC_ERRLEN];

	if (argc >= 1 && is_help(argc, argv))
		return help_print(stdout, "stats"), EXIT_OK;
	if (argc > 1)
		return err_extra("stats", "stats", argv[1]);
	if (argc == 1) {
		name = argv[0];
		if (svc_check_name(name, msg, sizeof(msg))) {
			err_msg("service %s: %s", name, msg);
			return EXIT_FAIL;
		}
	}
	svc_table_init(&t);
	if (svc_dump_stats(ctx_nl(c), name, &t, &e)) {
		char what[SVCVIP_NAME_MAX + 16];

		snprintf(what, sizeof(what), "stats%s%s", name ? " " : "", name ? name : "");
		svc_table_free(&t);
		return err_kernel(what, &e);
	}
	svc_table_sort(&t);
	if (c->json)
		svc_json_print(stdout, svc_json_stats_table(&t));
	else
		svc_print_stats(stdout, &t, c->numeric);
	svc_table_free(&t);
	return EXIT_OK;
}
