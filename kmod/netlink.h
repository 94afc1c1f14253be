/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SVCVIP_NETLINK_H
#define _SVCVIP_NETLINK_H

int svcvip_genl_init(void);
void svcvip_genl_uninit(void);

#endif /* _SVCVIP_NETLINK_H */
