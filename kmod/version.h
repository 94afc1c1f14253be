/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SVCVIP_VERSION_H
#define _SVCVIP_VERSION_H

#define SVCVIP_VERSION "0.1.0"

#endif
