/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SVCVIP_REJECT_H
#define _SVCVIP_REJECT_H

#include <linux/netfilter.h>
#include <linux/skbuff.h>

/* Answers @skb's sender "connection refused" and returns the verdict for
 * @skb (which may have been consumed).
 */
unsigned int svcvip_reject(struct sk_buff *skb,
			   const struct nf_hook_state *state, u8 family,
			   u8 protocol);

#endif /* _SVCVIP_REJECT_H */
