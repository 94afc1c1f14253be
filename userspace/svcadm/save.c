// SPDX-License-Identifier: GPL-2.0
/* save.c: svcadm save: the table as svcadm argument lines */
#include <string.h>

#include "svcadm.h"

/*
 * Deterministic: the config line first, then services sorted by name
 * (bytewise), each followed by its frontends (by kind, family, address,
 * port) and its backends (by family, address, port). Always numeric;
 * every setting is written out (defaults too, except the affinity timeout
 * without client affinity), so the output does not depend on defaults.
 */
void save_print(FILE *f, struct svc_table *t, const struct svc_config *cfg)
{
	svc_table_sort(t);
	if (cfg && cfg->has) {
		fputs("config set ", f);
		svc_print_config_settings(f, cfg);
		fputc('\n', f);
	}
	for (size_t i = 0; i < t->n; i++) {
		const struct svc_service *s = &t->v[i];

		fprintf(f, "service add %s ", s->name);
		svc_print_service_settings(f, s);
		fputc('\n', f);
		for (size_t j = 0; j < s->nfrontends; j++) {
			fprintf(f, "frontend add %s ", s->name);
			svc_print_frontend(f, &s->frontends[j], s->protocol, true);
			fputc('\n', f);
		}
		for (size_t j = 0; j < s->nbackends; j++) {
			struct svc_backend be = s->backends[j];

			/* the weight always, whether it came from a dump or a file */
			be.weight = svc_backend_weight(&be);
			be.flags = svc_backend_flags(&be);
			be.has |= SVC_BE_HAS_WEIGHT | SVC_BE_HAS_FLAGS;
			fprintf(f, "backend add %s ", s->name);
			svc_print_backend(f, &be, s->protocol, true);
			fputc('\n', f);
		}
	}
}

int cmd_save(struct ctx *c, int argc, char **argv)
{
	struct svc_config cfg;
	struct svc_table t;
	struct svc_nlerr e;
	struct svc_nl *nl;

	if (argc >= 1 && is_help(argc, argv))
		return help_print(stdout, "save"), EXIT_OK;
	if (argc > 0)
		return err_extra("save", "save", argv[0]);
	nl = ctx_nl(c);
	memset(&cfg, 0, sizeof(cfg));
	if (svc_get_config(nl, &cfg, &e))
		return err_kernel("save: config", &e);
	svc_table_init(&t);
	if (svc_dump_services(nl, NULL, &t, &e)) {
		svc_config_free(&cfg);
		svc_table_free(&t);
		return err_kernel("save: services", &e);
	}
	save_print(stdout, &t, &cfg);
	svc_config_free(&cfg);
	svc_table_free(&t);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		err_msg("save: write error");
		return EXIT_FAIL;
	}
	return EXIT_OK;
}
