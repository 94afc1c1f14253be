/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SVCVIP_SELFTEST_H
#define _SVCVIP_SELFTEST_H

#include <linux/types.h>

bool svcvip_selftest(void);

#endif /* _SVCVIP_SELFTEST_H */
