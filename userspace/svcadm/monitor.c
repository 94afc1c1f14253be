// SPDX-License-Identifier: GPL-2.0
/* monitor.c: svcadm monitor: one line (or JSON object) per change event */
#include <errno.h>

#include "svcadm.h"

static int on_event(const struct nlmsghdr *nlh, void *data)
{
	const struct ctx *c = data;
	struct svc_event ev;

	if (svc_msg_parse_event(nlh, &ev)) {
		err_msg("monitor: malformed event (command %u)", svc_msg_cmd(nlh));
		return 0;
	}
	if (c->json)
		svc_json_print(stdout, svc_json_event(&ev));
	else
		svc_print_event(stdout, &ev, c->numeric);
	svc_event_free(&ev);
	if (fflush(stdout) == EOF)
		return -EPIPE;
	return 0;
}

int cmd_monitor(struct ctx *c, int argc, char **argv)
{
	struct svc_nl *nl;
	int r;

	if (argc >= 1 && is_help(argc, argv))
		return help_print(stdout, "monitor"), EXIT_OK;
	if (argc > 0)
		return err_extra("monitor", "monitor", argv[0]);
	nl = ctx_nl(c);
	r = svc_nl_subscribe_events(nl);
	if (r) {
		err_msg("monitor: cannot join the events group: %s", svc_strerror(r));
		return EXIT_FAIL;
	}
	for (;;) {
		r = svc_nl_recv_events(nl, on_event, c);
		/*
		 * The socket's receive buffer overran: the kernel dropped
		 * events, and a listener that went on would hold a wrong
		 * picture of the table without knowing. Say so and stop, so
		 * that whoever follows the events reads the table again.
		 */
		if (r == -ENOBUFS) {
			err_msg("monitor: events lost (receive buffer overrun): run svcadm save");
			return EXIT_FAIL;
		}
		if (r == -EPIPE)
			return EXIT_OK;
		if (r) {
			err_msg("monitor: %s", svc_strerror(r));
			return EXIT_FAIL;
		}
	}
}
