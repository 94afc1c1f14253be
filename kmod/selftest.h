/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SVCVIP_SELFTEST_H
#define _SVCVIP_SELFTEST_H

#include <linux/types.h>

/*
 * The in-kernel selftests are built only with CONFIG_SVCVIP_DEBUG (see
 * Kbuild); the production module has none of their code.
 */
#ifdef CONFIG_SVCVIP_DEBUG
bool svcvip_selftest(void);
#else
static inline bool svcvip_selftest(void)
{
	return true;
}
#endif

#endif /* _SVCVIP_SELFTEST_H */
