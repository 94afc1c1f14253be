// SPDX-License-Identifier: GPL-2.0
/* main.c: svcadm [-j] [-n] OBJECT VERB ARGS: global options and dispatch */
#include <errno.h>
#include <locale.h>
#include <string.h>

#include "svcadm.h"

int main(int argc, char **argv)
{
	const struct command *cmd;
	struct ctx c = { 0 };
	int i, r;

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
			err_msg("option \"%s\": unknown", o);
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
					err_msg("option \"-%c\": unknown", *p);
					help_usage(stderr, NULL);
					return EXIT_USAGE;
				}
			}
		}
	}
	if (i >= argc) {
		err_msg("object: missing");
		help_usage(stderr, NULL);
		return EXIT_USAGE;
	}
	cmd = command_find(argv[i]);
	if (!cmd) {
		err_msg("object \"%s\": unknown", argv[i]);
		help_usage(stderr, NULL);
		return EXIT_USAGE;
	}
	r = cmd->run(&c, argc - i - 1, argv + i + 1);
	ctx_close(&c);
	if (fflush(stdout) == EOF && r == EXIT_OK) {
		int e = errno;	/* err_msg() flushes stdout again */

		err_msg("standard output: write error: %s", strerror(e));
		r = EXIT_FAIL;
	}
	svc_output_cleanup();
	return r;
}
