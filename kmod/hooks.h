/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The packet path's attachment to netfilter: NAT lookup functions that the
 * nf_nat core calls for the first packet of each connection.
 */
#ifndef _SVCVIP_HOOKS_H
#define _SVCVIP_HOOKS_H

#include <linux/types.h>

struct svcvip_net;

/* All under svcvip_net.lock. The hooks are registered with the netns's
 * first service and stay until the netns exits or the module is unloaded
 * (svcvip_hooks_unregister() from pre_exit), so that deleting the last
 * service never strands connections nf_nat is still translating.
 */
int svcvip_hooks_get(struct svcvip_net *sn);
void svcvip_hooks_sync(struct svcvip_net *sn);
void svcvip_hooks_unregister(struct svcvip_net *sn);
/* Under svcvip_net.lock: the per-packet counting hooks, on with the
 * packet-stats setting (and off at netns exit).
 */
int svcvip_count_hooks_set(struct svcvip_net *sn, bool on);

#endif /* _SVCVIP_HOOKS_H */
