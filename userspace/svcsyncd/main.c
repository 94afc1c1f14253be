// SPDX-License-Identifier: GPL-2.0
/* main.c: svcsyncd, the node daemon (see help.c and man/svcsyncd.8). */
#include <stdio.h>

#include "daemon.h"
#include "options.h"

int main(int argc, char **argv)
{
	struct daemon_options o = {0};
	char err[512] = "";
	int rv;

	rv = options_parse(argc, argv, &o, err, sizeof(err));
	if (rv) {
		if (rv < 0)
			fprintf(stderr, "svcsyncd: %s\n", err[0] ? err : "out of memory");
		options_free(&o);
		return rv > 0 ? 0 : 2;
	}
	rv = daemon_run(&o);
	options_free(&o);
	return rv;
}
