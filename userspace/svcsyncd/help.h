/* SPDX-License-Identifier: GPL-2.0 */
/* help.h: svcsyncd --help, in the shape of its man page. */
#ifndef SVCSYNCD_HELP_H
#define SVCSYNCD_HELP_H

#include <stdio.h>

void svcsyncd_help(FILE *f);

#endif
