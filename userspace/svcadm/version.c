// SPDX-License-Identifier: GPL-2.0
/* version.c: svcadm version (svcadm's, the module's, and netns counts) */
#include <stdlib.h>

#include "svcadm.h"

int cmd_version(struct ctx *c, int argc, char **argv)
{
	struct svc_info info;
	struct svc_nlerr e;
	struct svc_nl *nl;
	int r;

	if (argc >= 1 && is_help(argc, argv))
		return help_print(stdout, "version"), EXIT_OK;
	if (argc > 0)
		return err_usage("version", "version: unexpected argument");
	if (!c->json) {
		printf("svcadm %s\n", SVCVIP_VERSION_STRING);
		fflush(stdout);
	}
	r = svc_nl_open(&nl);
	if (r == -SVC_ENOMODULE) {
		fprintf(stderr, "svcvip: kernel module not loaded (modprobe svcvip)\n");
		return EXIT_FAIL;
	}
	if (r) {
		err_msg("netlink: %s", svc_strerror(r));
		return EXIT_FAIL;
	}
	c->nl = nl;
	if (svc_get_info(nl, &info, &e))
		return err_kernel("version", &e);
	if (c->json) {
		json_object *o = svc_json_info(&info);

		json_object_object_add(o, "svcadm", json_object_new_string(SVCVIP_VERSION_STRING));
		svc_json_print(stdout, o);
	} else {
		printf("svcvip module %s (abi %u)\n", info.version, info.abi_version);
		printf("services %u frontends %u backends %u\n", info.services,
		       info.frontends, info.backends);
		if (info.has_generation)
			printf("generation %llu\n",
			       (unsigned long long)info.generation);
	}
	if (info.abi_version != SVCVIP_GENL_VERSION)
		err_msg("warning: module ABI %u, svcadm built for ABI %u",
			info.abi_version, SVCVIP_GENL_VERSION);
	return EXIT_OK;
}
