/* SPDX-License-Identifier: GPL-2.0 */
/*
 * options.h: svcsyncd's command line and --config file (a
 * KubeProxyConfiguration-like YAML file: kube-proxy's field names where
 * they exist). Flags win over the file, as in kube-proxy.
 */
#ifndef SVCSYNCD_OPTIONS_H
#define SVCSYNCD_OPTIONS_H

#include <stddef.h>

#include "daemon.h"

/*
 * 0: run; 1: --help or --version was printed (exit 0); -EINVAL: a usage
 * error described in err (exit 2). o must be zeroed; options_free() it.
 */
int options_parse(int argc, char **argv, struct daemon_options *o, char *err, size_t errlen);
void options_free(struct daemon_options *o);

/* "30s", "1m30s", "500ms", "2h" (Go's time.ParseDuration, no fractions): ms */
int options_parse_duration(const char *s, uint32_t *ms);

#endif
