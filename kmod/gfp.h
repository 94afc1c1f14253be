/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The allocation flags for what a netlink caller makes the kernel allocate
 * (services, frontends, backends, scheduler and Maglev tables, dump state,
 * parsed requests): charged to the caller's memory cgroup, and at that
 * cgroup's memory.max the request fails with ENOMEM instead of invoking the
 * memcg OOM killer on some process of the cgroup (__GFP_RETRY_MAYFAIL makes
 * try_charge_memcg() give up after reclaim, mm/memcontrol.c).
 */
#ifndef _SVCVIP_GFP_H
#define _SVCVIP_GFP_H

#include <linux/gfp.h>

#define SVCVIP_GFP	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL)

#endif /* _SVCVIP_GFP_H */
