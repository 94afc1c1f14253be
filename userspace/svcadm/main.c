// SPDX-License-Identifier: GPL-2.0
/* main.c: svcadm [-j] [-n] OBJECT VERB ARGS: global options and dispatch */
#include <locale.h>
#include <string.h>

#include "svcadm.h"

static const struct {
	const char *object;
	cmd_fn fn;
} commands[] = {
	/* order = abbreviation priority ("s" is service, "st" stats) */
	{ "service", cmd_service },
	{ "frontend", cmd_frontend },
	{ "backend", cmd_backend },
	{ "config", cmd_config },
	{ "flush", cmd_flush },
	{ "save", cmd_save },
	{ "restore", cmd_restore },
	{ "stats", cmd_stats },
	{ "monitor", cmd_monitor },
	{ "lookup", cmd_lookup },
	{ "version", cmd_version },
	{ "help", cmd_help },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

int main(int argc, char **argv)
{
	const char *names[NCOMMANDS + 1];
	struct ctx c = { 0 };
	int i, k, r;

	setlocale(LC_CTYPE, "");
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const char *o = argv[i];

		if (!strcmp(o, "--")) {
			i++;
			break;
		}
		if (!strcmp(o, "--json")) {
			c.json = true;
		} else if (!strcmp(o, "--numeric")) {
			c.numeric = true;
		} else if (!strcmp(o, "--help")) {
			help_print(stdout, NULL);
			return EXIT_OK;
		} else if (!strcmp(o, "--version")) {
			return version_tool(&c);
		} else if (o[1] == '-') {
			err_msg("unknown option \"%s\"", o);
			help_usage(stderr, NULL);
			return EXIT_USAGE;
		} else {
			for (const char *p = o + 1; *p; p++) {
				switch (*p) {
				case 'j':
					c.json = true;
					break;
				case 'n':
					c.numeric = true;
					break;
				case 'h':
					help_print(stdout, NULL);
					return EXIT_OK;
				case 'V':
					return version_tool(&c);
				default:
					err_msg("unknown option \"-%c\"", *p);
					help_usage(stderr, NULL);
					return EXIT_USAGE;
				}
			}
		}
	}
	if (i >= argc) {
		err_msg("missing object");
		help_usage(stderr, NULL);
		return EXIT_USAGE;
	}
	for (size_t n = 0; n < NCOMMANDS; n++)
		names[n] = commands[n].object;
	names[NCOMMANDS] = NULL;
	k = match_word(argv[i], names);
	if (k < 0) {
		err_msg("unknown object \"%s\"", argv[i]);
		help_usage(stderr, NULL);
		return EXIT_USAGE;
	}
	r = commands[k].fn(&c, argc - i - 1, argv + i + 1);
	ctx_close(&c);
	if (fflush(stdout) == EOF && r == EXIT_OK) {
		err_msg("write error");
		r = EXIT_FAIL;
	}
	svc_output_cleanup();
	return r;
}
