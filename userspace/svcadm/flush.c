// SPDX-License-Identifier: GPL-2.0
/* flush.c: svcadm flush (every service of the netns; the config stays) */
#include "svcadm.h"

int flush_parse(int argc, char **argv, struct op *op, char *err, size_t errlen)
{
	if (argc > 0)
		return set_err(EXIT_USAGE, err, errlen, "flush: unexpected argument \"%s\"",
			       argv[0]);
	op->type = OP_FLUSH;
	return 0;
}

int cmd_flush(struct ctx *c, int argc, char **argv)
{
	if (argc >= 1 && is_help(argc, argv))
		return help_print(stdout, "flush"), EXIT_OK;
	return run_parsed(c, "flush", flush_parse, argc, argv);
}
