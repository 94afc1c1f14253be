/* SPDX-License-Identifier: GPL-2.0 */
/*
 * daemon.h: svcsyncd's main loop. It lists and watches the API, keeps the
 * objects in the store, rebuilds the svcvip services of what changed
 * (proxy.c) and converges the kernel through lib/sync.c, and serves the
 * health and metrics endpoints.
 */
#ifndef SVCSYNCD_DAEMON_H
#define SVCSYNCD_DAEMON_H

#include <stdbool.h>
#include <stdint.h>

#include "proxy.h"

/* Strings are owned (options_free()). */
struct daemon_options {
	char *kubeconfig;		/* NULL: in-cluster */
	char *master;			/* --master, NULL: from kubeconfig */
	char *hostname_override;
	char node_name[256];		/* resolved */
	struct proxy_options proxy;	/* proxy.node_name points at node_name */
	uint32_t sync_period_ms;	/* drift check and health period */
	char *healthz_bind;		/* "" disables */
	char *metrics_bind;		/* "" disables */
	char *latency_log;		/* --latency-log FILE, NULL: none */
};

/* Runs until SIGTERM/SIGINT; returns the exit status. */
int daemon_run(struct daemon_options *o);

#endif
