// SPDX-License-Identifier: GPL-2.0
/* version.c: svcadm -V (the tool) and svcadm version (also the module) */
#include <stdlib.h>

#include "svcadm.h"

int version_tool(const struct ctx *c)
{
	if (c->json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "svcadm", json_object_new_string(SVCVIP_VERSION_STRING));
		svc_json_print(stdout, o);
	} else {
		printf("svcadm %s\n", SVCVIP_VERSION_STRING);
	}
	return EXIT_OK;
}

int cmd_version(struct ctx *c, int argc, char **argv)
{
	struct svc_info info;
	struct svc_nlerr e;
	json_object *o;
	int r;

	if (argc >= 1 && is_help(argc, argv))
		return help_print(stdout, "version"), EXIT_OK;
	if (argc > 0)
		return err_extra("version", "version", argv[0]);
	r = svc_nl_open(&c->nl);
	if (r)
		svc_nlerr_set(&e, -r, r == -SVC_ENOMODULE ?
			      "kernel module not loaded (modprobe svcvip)" : NULL);
	else
		r = svc_get_info(c->nl, &info, &e);
	if (!c->json) {
		version_tool(c);
		if (!r) {
			printf("svcvip module %s (abi %u)\n", info.version, info.abi_version);
			printf("services %u frontends %u backends %u\n", info.services,
			       info.frontends, info.backends);
			if (info.has_generation)
				printf("generation %llu\n",
				       (unsigned long long)info.generation);
			if (info.has_rebuilding)
				printf("rebuilding %u\n", info.rebuilding);
		}
	} else {	/* JSON either way: the module's part only when loaded */
		o = r ? json_object_new_object() : svc_json_info(&info);
		json_object_object_add(o, "svcadm", json_object_new_string(SVCVIP_VERSION_STRING));
		svc_json_print(stdout, o);
	}
	if (r == -SVC_ENOMODULE) {
		err_msg("module svcvip: not loaded (modprobe svcvip)");
		return EXIT_FAIL;
	}
	if (r)
		return err_kernel("version", &e);
	if (info.abi_version != SVCVIP_GENL_VERSION)
		err_msg("version: module ABI %u: svcadm is built for ABI %u (a warning)",
			info.abi_version, SVCVIP_GENL_VERSION);
	return EXIT_OK;
}
