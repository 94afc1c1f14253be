// SPDX-License-Identifier: GPL-2.0
/*
 * Rejecting a connection to a service with no usable backend, so that the
 * client learns at once instead of timing out: TCP gets a RST, UDP an ICMP
 * (v6) port unreachable, and SCTP an ABORT, which is what an SCTP host with
 * no listener answers (RFC 9260 8.4). Linux SCTP treats an ICMP port
 * unreachable as a soft error and keeps retransmitting its INIT, so ICMP
 * alone would leave SCTP clients to time out.
 */

#include <linux/kernel.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/sctp.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/route.h>
#include <net/dst.h>
#include <linux/crc32c.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/ipv4/nf_reject.h>
#include <net/netfilter/ipv6/nf_reject.h>

#include "reject.h"

struct abort_tag {
	__be32 vtag;
	u8 flags;
};

/*
 * Only an INIT is answered (conntrack starts SCTP connections with one):
 * the ABORT carries the INIT's initiate tag and no T bit.
 */
static bool sctp_abort_tag(const struct sk_buff *skb, unsigned int off,
			   struct abort_tag *tag)
{
	struct sctp_chunkhdr _ch;
	const struct sctp_chunkhdr *ch;
	struct sctp_inithdr _init;
	const struct sctp_inithdr *init;

	off += sizeof(struct sctphdr);
	ch = skb_header_pointer(skb, off, sizeof(_ch), &_ch);
	if (!ch || ch->type != SCTP_CID_INIT)
		return false;
	init = skb_header_pointer(skb, off + sizeof(_ch), sizeof(_init), &_init);
	if (!init || !init->init_tag)
		return false;
	tag->vtag = init->init_tag;
	tag->flags = 0;
	return true;
}

/* Appends the SCTP header and ABORT chunk answering @oldskb's header. */
static void sctp_abort_put(struct sk_buff *nskb, const struct sctphdr *osh,
			   const struct abort_tag *tag)
{
	struct sctp_chunkhdr *ch;
	struct sctphdr *sh;

	sh = skb_put(nskb, sizeof(*sh));
	sh->source = osh->dest;
	sh->dest = osh->source;
	sh->vtag = tag->vtag;
	sh->checksum = 0;
	ch = skb_put(nskb, sizeof(*ch));
	ch->type = SCTP_CID_ABORT;
	ch->flags = tag->flags;
	ch->length = htons(sizeof(*ch));
	/* SCTP's CRC32c, over the (linear) SCTP packet */
	sh->checksum = cpu_to_le32(~crc32c(~0, sh, sizeof(*sh) + sizeof(*ch)));
	nskb->ip_summed = CHECKSUM_NONE;
}

static void sctp_abort_v4(struct net *net, struct sk_buff *oldskb)
{
	const struct iphdr *oiph = ip_hdr(oldskb);
	unsigned int off = ip_hdrlen(oldskb);
	const struct sctphdr *osh;
	struct sctphdr _osh;
	struct abort_tag tag;
	struct sk_buff *nskb;
	struct dst_entry *dst = NULL;
	struct flowi fl;

	if (oiph->frag_off & htons(IP_OFFSET))
		return;
	osh = skb_header_pointer(oldskb, off, sizeof(_osh), &_osh);
	if (!osh || !sctp_abort_tag(oldskb, off, &tag))
		return;
	if (!skb_dst(oldskb)) {
		memset(&fl, 0, sizeof(fl));
		fl.u.ip4.daddr = oiph->saddr;
		nf_ip_route(net, &dst, &fl, false);
		if (!dst)
			return;
		skb_dst_set(oldskb, dst);
	}
	if (skb_rtable(oldskb)->rt_flags & (RTCF_BROADCAST | RTCF_MULTICAST))
		return;

	nskb = alloc_skb(sizeof(struct iphdr) + sizeof(struct sctphdr) +
			 sizeof(struct sctp_chunkhdr) + LL_MAX_HEADER,
			 GFP_ATOMIC);
	if (!nskb)
		return;
	/* ip_route_me_harder expects skb->dst to be set */
	skb_dst_set_noref(nskb, skb_dst(oldskb));
	nskb->mark = IP4_REPLY_MARK(net, oldskb->mark);
	skb_reserve(nskb, LL_MAX_HEADER);
	nf_reject_iphdr_put(nskb, oldskb, IPPROTO_SCTP,
			    ip4_dst_hoplimit(skb_dst(nskb)));
	sctp_abort_put(nskb, osh, &tag);
	if (ip_route_me_harder(net, NULL, nskb, RTN_UNSPEC))
		goto free;
	if (nskb->len > dst_mtu(skb_dst(nskb)))
		goto free;
	nf_ct_attach(nskb, oldskb);
	ip_local_out(net, nskb->sk, nskb);
	return;
free:
	kfree_skb(nskb);
}

static void sctp_abort_v6(struct net *net, struct sk_buff *oldskb)
{
	const struct ipv6hdr *oip6h = ipv6_hdr(oldskb);
	struct dst_entry *dst = NULL;
	const struct sctphdr *osh;
	struct sctphdr _osh;
	struct abort_tag tag;
	struct sk_buff *nskb;
	struct flowi6 fl6;
	__be16 frag_off;
	u8 proto = oip6h->nexthdr;
	int off;

	if (!(ipv6_addr_type(&oip6h->saddr) & IPV6_ADDR_UNICAST) ||
	    !(ipv6_addr_type(&oip6h->daddr) & IPV6_ADDR_UNICAST))
		return;
	off = ipv6_skip_exthdr(oldskb, sizeof(struct ipv6hdr), &proto,
			       &frag_off);
	if (off < 0 || proto != IPPROTO_SCTP || (frag_off & htons(~0x7)))
		return;
	osh = skb_header_pointer(oldskb, off, sizeof(_osh), &_osh);
	if (!osh || !sctp_abort_tag(oldskb, off, &tag))
		return;

	memset(&fl6, 0, sizeof(fl6));
	fl6.flowi6_proto = IPPROTO_SCTP;
	fl6.saddr = oip6h->daddr;
	fl6.daddr = oip6h->saddr;
	fl6.fl6_sport = osh->dest;
	fl6.fl6_dport = osh->source;
	if (!skb_dst(oldskb)) {
		nf_ip6_route(net, &dst, flowi6_to_flowi(&fl6), false);
		if (!dst)
			return;
		skb_dst_set(oldskb, dst);
	}
	fl6.flowi6_oif = l3mdev_master_ifindex(skb_dst(oldskb)->dev);
	fl6.flowi6_mark = IP6_REPLY_MARK(net, oldskb->mark);
	dst = ip6_route_output(net, NULL, &fl6);
	if (dst->error) {
		dst_release(dst);
		return;
	}
	dst = xfrm_lookup(net, dst, flowi6_to_flowi(&fl6), NULL, 0);
	if (IS_ERR(dst))
		return;

	nskb = alloc_skb(LL_MAX_HEADER + sizeof(struct ipv6hdr) +
			 sizeof(struct sctphdr) + sizeof(struct sctp_chunkhdr) +
			 dst->trailer_len, GFP_ATOMIC);
	if (!nskb) {
		dst_release(dst);
		return;
	}
	skb_dst_set(nskb, dst);
	nskb->mark = fl6.flowi6_mark;
	skb_reserve(nskb, LL_MAX_HEADER);
	nf_reject_ip6hdr_put(nskb, oldskb, IPPROTO_SCTP, ip6_dst_hoplimit(dst));
	sctp_abort_put(nskb, osh, &tag);
	ipv6_hdr(nskb)->payload_len = htons(nskb->len - sizeof(struct ipv6hdr));
	nf_ct_attach(nskb, oldskb);
	ip6_local_out(net, NULL, nskb);
}

unsigned int svcvip_reject(struct sk_buff *skb,
			   const struct nf_hook_state *state, u8 family,
			   u8 protocol)
{
	struct net *net = state->net;

	if (family == AF_INET) {
		if (protocol == IPPROTO_TCP)
			nf_send_reset(net, state->sk, skb, state->hook);
		else if (protocol == IPPROTO_SCTP)
			sctp_abort_v4(net, skb);
		else
			nf_send_unreach(skb, ICMP_PORT_UNREACH, state->hook);
	} else {
		if (protocol == IPPROTO_TCP)
			nf_send_reset6(net, state->sk, skb, state->hook);
		else if (protocol == IPPROTO_SCTP)
			sctp_abort_v6(net, skb);
		else
			nf_send_unreach6(net, skb, ICMPV6_PORT_UNREACH,
					 state->hook);
	}

	/*
	 * A local sender would see EPERM for a dropped packet; consume it
	 * instead so that the answer above is what it sees: "refused".
	 */
	if (state->hook == NF_INET_LOCAL_OUT) {
		kfree_skb(skb);
		return NF_STOLEN;
	}
	return NF_DROP;
}
