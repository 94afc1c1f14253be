/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * svcvip: Kubernetes Service virtual IPs in the kernel.
 *
 * Documentation
 * =============
 *
 * svcvip is configured over generic netlink, family SVCVIP_GENL_NAME,
 * version SVCVIP_GENL_VERSION (which is also the ABI version). Every table
 * lives in a network namespace: a socket talks to the table of its own
 * netns. Commands that change state need CAP_NET_ADMIN in the user namespace
 * that owns the netns (GENL_UNS_ADMIN_PERM), and so do the reads that reveal
 * traffic or cost a walk of the conntrack table (GET_STATS, LOOKUP) and
 * joining the events group (GENL_MCAST_CAP_NET_ADMIN), as IPVS requires
 * even for reads. GET_INFO, GET_SERVICE and GET_CONFIG are unprivileged.
 *
 * Every request is validated completely before anything changes: a rejected
 * message leaves the table exactly as it was, and the error carries an extack
 * message naming the bad attribute. Unknown attributes, attributes of the
 * wrong type or length, and attributes the command does not use are rejected
 * (strict validation). Integers are in host byte order, addresses in network
 * byte order.
 *
 * Objects
 * -------
 * A service (one Kubernetes service port) has a name, a protocol, a scheduler,
 * session affinity and traffic policies. Frontends map (family, protocol,
 * address, port) -- or, for a NodePort, (protocol, port) on the node's own
 * addresses -- to a service. Backends are (address, port) with a weight and
 * flags. One service may hold IPv4 and IPv6 frontends and backends; a packet
 * is only ever sent to a backend of its own family.
 *
 * Common nests
 * ------------
 * The same nests are used in requests, replies and events:
 *
 *    SVCVIP_A_SERVICE: NLA_NESTED
 *        SVCVIP_SERVICE_A_NAME: NLA_NUL_STRING, 1..SVCVIP_NAME_MAX - 1 bytes,
 *                               printable, by convention "ns/name:port"
 *        SVCVIP_SERVICE_A_PROTOCOL: NLA_U8, IPPROTO_TCP, IPPROTO_UDP or
 *                                   IPPROTO_SCTP
 *        SVCVIP_SERVICE_A_SCHEDULER: NLA_U8, enum svcvip_scheduler
 *                                    (default SVCVIP_SCHED_MAGLEV)
 *        SVCVIP_SERVICE_A_AFFINITY: NLA_U8, enum svcvip_affinity
 *                                   (default SVCVIP_AFFINITY_NONE)
 *        SVCVIP_SERVICE_A_AFFINITY_TIMEOUT: NLA_U32, seconds,
 *                                   1..SVCVIP_AFFINITY_TIMEOUT_MAX
 *                                   (default SVCVIP_AFFINITY_TIMEOUT_DEFAULT)
 *        SVCVIP_SERVICE_A_INTERNAL_POLICY: NLA_U8, enum svcvip_policy
 *        SVCVIP_SERVICE_A_EXTERNAL_POLICY: NLA_U8, enum svcvip_policy
 *        SVCVIP_SERVICE_A_FRONTENDS: NLA_NESTED
 *            0: SVCVIP_A_FRONTEND-like nest (see below)
 *            ...
 *        SVCVIP_SERVICE_A_BACKENDS: NLA_NESTED
 *            0: SVCVIP_A_BACKEND-like nest (see below)
 *            ...
 *        SVCVIP_SERVICE_A_STATS: NLA_NESTED, output only, see stats below
 *
 *    SVCVIP_A_FRONTEND: NLA_NESTED
 *        SVCVIP_FRONTEND_A_KIND: NLA_U8, enum svcvip_frontend_kind
 *        SVCVIP_FRONTEND_A_FAMILY: NLA_U16, AF_INET or AF_INET6; for
 *                                  SVCVIP_FRONTEND_NODEPORT optional, absent
 *                                  (or AF_UNSPEC) means both families
 *        SVCVIP_FRONTEND_A_ADDR: NLA_BINARY, struct in_addr or struct
 *                                in6_addr matching FAMILY; not for NODEPORT
 *        SVCVIP_FRONTEND_A_PORT: NLA_U16, 1..65535
 *        SVCVIP_FRONTEND_A_SOURCE_RANGES: NLA_NESTED, LOADBALANCER only;
 *                                  absent or empty = every source allowed
 *            0: SVCVIP_CIDR nest
 *            ...
 *
 *    SVCVIP_A_BACKEND: NLA_NESTED
 *        SVCVIP_BACKEND_A_FAMILY: NLA_U16, AF_INET or AF_INET6
 *        SVCVIP_BACKEND_A_ADDR: NLA_BINARY, struct in_addr or in6_addr
 *        SVCVIP_BACKEND_A_PORT: NLA_U16, 1..65535
 *        SVCVIP_BACKEND_A_WEIGHT: NLA_U32, 0..SVCVIP_WEIGHT_MAX (default 1);
 *                                 0 = no new connections, existing ones go on
 *        SVCVIP_BACKEND_A_FLAGS: NLA_U32, SVCVIP_BACKEND_F_* (default 0)
 *        SVCVIP_BACKEND_A_STATS: NLA_NESTED, output only
 *
 *    CIDR nest (SVCVIP_CIDR_A_*):
 *        SVCVIP_CIDR_A_FAMILY: NLA_U16, AF_INET or AF_INET6
 *        SVCVIP_CIDR_A_ADDR: NLA_BINARY, in_addr or in6_addr; host bits zero
 *        SVCVIP_CIDR_A_PREFIXLEN: NLA_U8, 0..32 or 0..128
 *
 *    Stats nest (SVCVIP_STATS_A_*), all NLA_U64 (SVCVIP_STATS_A_PAD pads):
 *        CONNS: connections svcvip scheduled (always counted);
 *        PKTS_IN/BYTES_IN: client to backend; PKTS_OUT/BYTES_OUT: backend to
 *        client (bytes are IP packet lengths, as conntrack accounts them),
 *        counted only while SVCVIP_CONFIG_A_PACKET_STATS is on, and only for
 *        connections svcvip translated (0 when it has never been on; they
 *        keep their value while it is off); ACTIVE_CONNS: current TCP or
 *        SCTP connections in ESTABLISHED; INACTIVE_CONNS: the other current
 *        ones, UDP flows included. The current ones are the conntrack entries
 *        svcvip translated (original destination a frontend, reply source a
 *        backend of its service), counted when the stats are read by a walk
 *        of the conntrack hash under its per-bucket locks, as ctnetlink's
 *        dump reads it.
 *
 * List entries ("0:" above) are nests whose own type is not interpreted:
 * the kernel writes 0 and accepts any. Limits: a CIDR list holds at most 64
 * entries, a service message at most 1024 frontends and 65535 backends
 * (E2BIG beyond); the per-netns limits are in the config (ENOSPC when hit).
 *
 * Service identity: requests that act on an existing service (frontends,
 * backends, del, stats) carry SVCVIP_A_SERVICE with SVCVIP_SERVICE_A_NAME
 * only; any other attribute in that nest is rejected.
 *
 * Commands
 * --------
 * SVCVIP_CMD_GET_INFO (do): no attributes. Replies SVCVIP_A_INFO:
 *        SVCVIP_INFO_A_VERSION: NLA_NUL_STRING, module version
 *        SVCVIP_INFO_A_ABI_VERSION: NLA_U32, SVCVIP_GENL_VERSION
 *        SVCVIP_INFO_A_SERVICES, _FRONTENDS, _BACKENDS: NLA_U32, counts in
 *                                                      the caller's netns
 *        SVCVIP_INFO_A_GENERATION: NLA_U64, changes with every change to
 *               the netns's table or config (a cheap drift check); it
 *               only grows and never repeats within the netns's life,
 *               reads leave it alone (SVCVIP_INFO_A_PAD pads it)
 *        SVCVIP_INFO_A_REBUILDING: NLA_U32, services whose Maglev table
 *               (one over 32,768 slots) is being rebuilt
 *               after a backend change: until then new flows of a backend
 *               that stays keep it, those of one gone get a member by
 *               their hash, and added backends and new weights wait
 *
 * SVCVIP_CMD_NEW_SERVICE (do, admin): SVCVIP_A_SERVICE with NAME and PROTOCOL
 *        required, the other settings optional (defaults above), and
 *        optionally complete FRONTENDS and BACKENDS lists. An existing
 *        service of that name is EEXIST.
 *
 * SVCVIP_CMD_REPLACE_SERVICE (do, admin): as NEW_SERVICE, but creates or
 *        replaces the service atomically: its settings become exactly those
 *        in the message (absent = default), and each list present replaces
 *        the current one as a whole (an empty nest means "none"); a list
 *        absent keeps the current entries. The packet path sees either the
 *        old or the new service, never a mix. (Generic netlink reserves the
 *        nlmsg flags, so this is a command rather than NLM_F_REPLACE.)
 *
 *        An attribute holds at most 64 KiB, about 1,300 backends. A larger
 *        backend set goes in top-level SVCVIP_A_BACKENDS lists next to
 *        SVCVIP_A_SERVICE: SVCVIP_A_BACKENDS may appear any number of
 *        times, and the backends of all of them (plus those of
 *        SVCVIP_SERVICE_A_BACKENDS) form the one list. A message is bounded
 *        only by the socket's send buffer, so a whole service of the
 *        maximum size is still one atomic replace.
 *
 *        SVCVIP_A_TAKEOVER: NLA_FLAG, next to SVCVIP_A_SERVICE, REPLACE_SERVICE
 *        only, and only with a FRONTENDS list (else EINVAL): a frontend of
 *        the list that another service of the netns holds (the same kind of
 *        key: family, address or NodePort, port, protocol) moves to this
 *        service instead of being EEXIST. The move is part of the same
 *        publish: a packet to that frontend finds the old owner or the new
 *        one, never none. A NodePort that only overlaps another service's
 *        (both families vs one) is still EEXIST. The old owner keeps its
 *        settings and its other frontends; each moved frontend is announced
 *        as a DEL_FRONTEND event of the old owner before the
 *        REPLACE_SERVICE event. Limits count the moved frontends once. A
 *        refused request leaves both services as they were.
 *
 * SVCVIP_CMD_SET_SERVICE (do, admin): SVCVIP_A_SERVICE with NAME; changes
 *        only the settings present (PROTOCOL may not change: ENOENT/EINVAL).
 *
 * SVCVIP_CMD_DEL_SERVICE (do, admin): SVCVIP_A_SERVICE with NAME only.
 *
 * SVCVIP_CMD_GET_SERVICE (dump only): optional SVCVIP_A_SERVICE with NAME
 *        restricts the dump to that service (ENOENT if there is none). Each
 *        service is one message with SVCVIP_A_SERVICE holding every setting
 *        and its FRONTENDS and BACKENDS. When the lists do not fit, the same
 *        service continues in the following message(s), which hold only
 *        NAME and the remaining FRONTENDS and/or BACKENDS entries; receivers
 *        coalesce adjacent messages with the same NAME. If the table changes
 *        during a multi-part dump, a message has NLM_F_DUMP_INTR set and the
 *        receiver should dump again.
 *
 * SVCVIP_CMD_NEW_FRONTEND / SVCVIP_CMD_DEL_FRONTEND (do, admin):
 *        SVCVIP_A_SERVICE (NAME) and SVCVIP_A_FRONTEND. A frontend belongs to
 *        at most one service (EEXIST names the owner). DEL matches on kind,
 *        family, address and port.
 *
 * SVCVIP_CMD_NEW_BACKEND / SVCVIP_CMD_SET_BACKEND / SVCVIP_CMD_DEL_BACKEND
 *        (do, admin): SVCVIP_A_SERVICE (NAME) and SVCVIP_A_BACKEND. NEW fails
 *        with EEXIST if the (address, port) exists, SET with ENOENT if it
 *        does not (SET changes weight and flags; absent = unchanged). NEW
 *        also takes, instead of SVCVIP_A_BACKEND, one or more top-level
 *        SVCVIP_A_BACKENDS lists: all of them are added at once (one new
 *        backend set), or none if any is refused. A
 *        removed backend gets no new connections; established TCP
 *        connections to it continue until they close, UDP conntrack entries
 *        to it are deleted so clients move on.
 *
 * SVCVIP_CMD_FLUSH (do, admin): removes every service of the netns. The
 *        configuration stays.
 *
 * SVCVIP_CMD_GET_CONFIG (do) replies / SVCVIP_CMD_SET_CONFIG (do, admin)
 *        takes SVCVIP_A_CONFIG; SET changes only the attributes present:
 *        SVCVIP_CONFIG_A_CLUSTER_CIDRS: NLA_NESTED of CIDR nests; cluster-IP
 *               traffic from outside them is masqueraded (empty: none is)
 *        SVCVIP_CONFIG_A_MASQUERADE_ALL: NLA_U8, 0 or 1
 *        SVCVIP_CONFIG_A_NODEPORT_CIDRS: NLA_NESTED of CIDR nests; NodePorts
 *               answer only on local addresses inside them (empty: all)
 *        SVCVIP_CONFIG_A_LOCAL_CIDRS: NLA_NESTED of CIDR nests; sources that
 *               are pods of this node (empty: use CLUSTER_CIDRS, like
 *               kube-proxy's detect-local-mode ClusterCIDR)
 *        SVCVIP_CONFIG_A_AFFINITY_MAX: NLA_U32, affinity entries per netns
 *        SVCVIP_CONFIG_A_MAX_SERVICES: NLA_U32, services per netns
 *        SVCVIP_CONFIG_A_MAX_FRONTENDS: NLA_U32, frontends per netns
 *        SVCVIP_CONFIG_A_MAX_BACKENDS: NLA_U32, backends per service
 *        SVCVIP_CONFIG_A_SERVICE_CIDRS: NLA_NESTED of CIDR nests; a new
 *               connection to an address inside them that no frontend
 *               uses is dropped (kube-proxy's cluster-ips-check)
 *        SVCVIP_CONFIG_A_HASH_SEED: NLA_BINARY, 16 bytes; the key of the
 *               flow hash and the Maglev permutations (default: a fixed
 *               key, the same on every node); changes only while the netns
 *               has no service (EBUSY)
 *        SVCVIP_CONFIG_A_PACKET_STATS: NLA_U8, 0 (default) or 1: count
 *               packets and bytes per service and backend. Costs, while on,
 *               a netfilter hook at PRE_ROUTING and LOCAL_OUT that looks up
 *               every packet of every DNATed connection (frontend hash,
 *               backend binary search) and atomic adds on counters shared
 *               by all CPUs; off, established traffic meets no svcvip code,
 *               as with a static DNAT rule (cf. nf_conntrack_acct).
 *        SVCVIP_CONFIG_A_MAGLEV_TABLE_SIZE: NLA_U32, a prime, 251 to
 *               16777213: the most Maglev slots per pool (default 65521);
 *               a pool of n backends has the least prime >= 100 x n
 *               rounded up to a power of two, at most this; changes only
 *               while the netns has no service (EBUSY)
 *        A limit below the current count is EBUSY; hitting one is ENOSPC.
 *
 * SVCVIP_CMD_GET_STATS (dump only): optional SVCVIP_A_SERVICE (NAME). Each
 *        message: SVCVIP_A_SERVICE with NAME, PROTOCOL, STATS and BACKENDS
 *        whose entries hold FAMILY, ADDR, PORT, WEIGHT, FLAGS and STATS.
 *        Same continuation rule as SVCVIP_CMD_GET_SERVICE. A backend kept
 *        by a replace keeps its counters.
 *
 * SVCVIP_CMD_LOOKUP (do): what would svcvip do with a first packet?
 *        Request SVCVIP_A_LOOKUP with PROTOCOL, FAMILY, DST_ADDR, DST_PORT
 *        required and SRC_ADDR, SRC_PORT optional. Nothing is changed (no
 *        affinity entry, no counter, no round-robin step). The reply holds
 *        SVCVIP_A_LOOKUP with VERDICT (enum svcvip_verdict), REASON (enum
 *        svcvip_reason) and MASQUERADE (enum svcvip_masq_reason, 0 = none)
 *        and, next to it at the top level when they exist, SVCVIP_A_SERVICE
 *        (NAME), SVCVIP_A_FRONTEND and the chosen SVCVIP_A_BACKEND.
 *
 * Events
 * ------
 * Listeners of multicast group SVCVIP_GENL_MCGRP_EVENTS receive, after each
 * successful change, a message with the command of the change (NEW_SERVICE,
 * REPLACE_SERVICE, SET_SERVICE, DEL_SERVICE, NEW/DEL_FRONTEND,
 * NEW/SET/DEL_BACKEND, SET_CONFIG, FLUSH) and the nests that describe it,
 * in the order of the changes:
 *    NEW/REPLACE/SET_SERVICE: SVCVIP_A_SERVICE with NAME and every setting
 *        as it now is (not the lists); DEL_SERVICE: NAME only;
 *    NEW/DEL_FRONTEND: SVCVIP_A_SERVICE (NAME, PROTOCOL), SVCVIP_A_FRONTEND
 *        (also DEL_FRONTEND of the old owner for a frontend a
 *        REPLACE_SERVICE with SVCVIP_A_TAKEOVER moved);
 *    NEW/SET/DEL_BACKEND: SVCVIP_A_SERVICE (NAME, PROTOCOL),
 *        SVCVIP_A_BACKEND as it now is (DEL: as it was); a NEW_BACKEND of
 *        several backends is one event per backend;
 *    SET_CONFIG: SVCVIP_A_CONFIG, all of it; FLUSH: nothing.
 * Nothing is built when there is no listener. Events are not batched: a
 * listener whose receive buffer overruns (a bulk change of thousands of
 * backends) gets ENOBUFS from recv() and must read the table again (svcadm
 * monitor reports it and exits 1).
 *
 * Conntrack
 * ---------
 * After a change to a UDP service, its conntrack entries are checked in a
 * work item: entries translated to a backend the service no longer has, or
 * to a frontend that is gone, are deleted, and so are untranslated entries
 * to a frontend whose service now has a usable backend. A client that keeps
 * its source port then reaches a live backend with its next packet. TCP
 * and SCTP entries are left to finish (graceful termination).
 */

#ifndef _UAPI_LINUX_SVCVIP_H
#define _UAPI_LINUX_SVCVIP_H

#define SVCVIP_GENL_NAME		"svcvip"
#define SVCVIP_GENL_VERSION		1
#define SVCVIP_GENL_MCGRP_EVENTS	"events"

#define SVCVIP_NAME_MAX			256	/* including the NUL */
#define SVCVIP_WEIGHT_MAX		65535
#define SVCVIP_AFFINITY_TIMEOUT_DEFAULT	10800
#define SVCVIP_AFFINITY_TIMEOUT_MAX	86400

enum svcvip_cmd {
	SVCVIP_CMD_UNSPEC,
	SVCVIP_CMD_GET_INFO,
	SVCVIP_CMD_NEW_SERVICE,
	SVCVIP_CMD_SET_SERVICE,
	SVCVIP_CMD_DEL_SERVICE,
	SVCVIP_CMD_GET_SERVICE,
	SVCVIP_CMD_NEW_FRONTEND,
	SVCVIP_CMD_DEL_FRONTEND,
	SVCVIP_CMD_NEW_BACKEND,
	SVCVIP_CMD_SET_BACKEND,
	SVCVIP_CMD_DEL_BACKEND,
	SVCVIP_CMD_FLUSH,
	SVCVIP_CMD_GET_CONFIG,
	SVCVIP_CMD_SET_CONFIG,
	SVCVIP_CMD_GET_STATS,
	SVCVIP_CMD_LOOKUP,
	SVCVIP_CMD_REPLACE_SERVICE,
	__SVCVIP_CMD_MAX
};
#define SVCVIP_CMD_MAX (__SVCVIP_CMD_MAX - 1)

enum svcvip_attr {
	SVCVIP_A_UNSPEC,
	SVCVIP_A_INFO,
	SVCVIP_A_SERVICE,
	SVCVIP_A_FRONTEND,
	SVCVIP_A_BACKEND,
	SVCVIP_A_CONFIG,
	SVCVIP_A_LOOKUP,
	SVCVIP_A_BACKENDS,
	SVCVIP_A_TAKEOVER,
	__SVCVIP_A_MAX
};
#define SVCVIP_A_MAX (__SVCVIP_A_MAX - 1)

enum svcvip_info_attr {
	SVCVIP_INFO_A_UNSPEC,
	SVCVIP_INFO_A_VERSION,
	SVCVIP_INFO_A_ABI_VERSION,
	SVCVIP_INFO_A_SERVICES,
	SVCVIP_INFO_A_FRONTENDS,
	SVCVIP_INFO_A_BACKENDS,
	SVCVIP_INFO_A_GENERATION,
	SVCVIP_INFO_A_PAD,
	SVCVIP_INFO_A_REBUILDING,
	__SVCVIP_INFO_A_MAX
};
#define SVCVIP_INFO_A_MAX (__SVCVIP_INFO_A_MAX - 1)

enum svcvip_service_attr {
	SVCVIP_SERVICE_A_UNSPEC,
	SVCVIP_SERVICE_A_NAME,
	SVCVIP_SERVICE_A_PROTOCOL,
	SVCVIP_SERVICE_A_SCHEDULER,
	SVCVIP_SERVICE_A_AFFINITY,
	SVCVIP_SERVICE_A_AFFINITY_TIMEOUT,
	SVCVIP_SERVICE_A_INTERNAL_POLICY,
	SVCVIP_SERVICE_A_EXTERNAL_POLICY,
	SVCVIP_SERVICE_A_FRONTENDS,
	SVCVIP_SERVICE_A_BACKENDS,
	SVCVIP_SERVICE_A_STATS,
	__SVCVIP_SERVICE_A_MAX
};
#define SVCVIP_SERVICE_A_MAX (__SVCVIP_SERVICE_A_MAX - 1)

enum svcvip_frontend_attr {
	SVCVIP_FRONTEND_A_UNSPEC,
	SVCVIP_FRONTEND_A_KIND,
	SVCVIP_FRONTEND_A_FAMILY,
	SVCVIP_FRONTEND_A_ADDR,
	SVCVIP_FRONTEND_A_PORT,
	SVCVIP_FRONTEND_A_SOURCE_RANGES,
	__SVCVIP_FRONTEND_A_MAX
};
#define SVCVIP_FRONTEND_A_MAX (__SVCVIP_FRONTEND_A_MAX - 1)

enum svcvip_backend_attr {
	SVCVIP_BACKEND_A_UNSPEC,
	SVCVIP_BACKEND_A_FAMILY,
	SVCVIP_BACKEND_A_ADDR,
	SVCVIP_BACKEND_A_PORT,
	SVCVIP_BACKEND_A_WEIGHT,
	SVCVIP_BACKEND_A_FLAGS,
	SVCVIP_BACKEND_A_STATS,
	__SVCVIP_BACKEND_A_MAX
};
#define SVCVIP_BACKEND_A_MAX (__SVCVIP_BACKEND_A_MAX - 1)

enum svcvip_cidr_attr {
	SVCVIP_CIDR_A_UNSPEC,
	SVCVIP_CIDR_A_FAMILY,
	SVCVIP_CIDR_A_ADDR,
	SVCVIP_CIDR_A_PREFIXLEN,
	__SVCVIP_CIDR_A_MAX
};
#define SVCVIP_CIDR_A_MAX (__SVCVIP_CIDR_A_MAX - 1)

enum svcvip_config_attr {
	SVCVIP_CONFIG_A_UNSPEC,
	SVCVIP_CONFIG_A_CLUSTER_CIDRS,
	SVCVIP_CONFIG_A_MASQUERADE_ALL,
	SVCVIP_CONFIG_A_NODEPORT_CIDRS,
	SVCVIP_CONFIG_A_LOCAL_CIDRS,
	SVCVIP_CONFIG_A_AFFINITY_MAX,
	SVCVIP_CONFIG_A_MAX_SERVICES,
	SVCVIP_CONFIG_A_MAX_FRONTENDS,
	SVCVIP_CONFIG_A_MAX_BACKENDS,
	SVCVIP_CONFIG_A_SERVICE_CIDRS,
	SVCVIP_CONFIG_A_HASH_SEED,
	SVCVIP_CONFIG_A_PACKET_STATS,
	SVCVIP_CONFIG_A_MAGLEV_TABLE_SIZE,
	__SVCVIP_CONFIG_A_MAX
};
#define SVCVIP_CONFIG_A_MAX (__SVCVIP_CONFIG_A_MAX - 1)

enum svcvip_stats_attr {
	SVCVIP_STATS_A_UNSPEC,
	SVCVIP_STATS_A_PAD,
	SVCVIP_STATS_A_CONNS,
	SVCVIP_STATS_A_PKTS_IN,
	SVCVIP_STATS_A_PKTS_OUT,
	SVCVIP_STATS_A_BYTES_IN,
	SVCVIP_STATS_A_BYTES_OUT,
	SVCVIP_STATS_A_ACTIVE_CONNS,
	SVCVIP_STATS_A_INACTIVE_CONNS,
	__SVCVIP_STATS_A_MAX
};
#define SVCVIP_STATS_A_MAX (__SVCVIP_STATS_A_MAX - 1)

enum svcvip_lookup_attr {
	SVCVIP_LOOKUP_A_UNSPEC,
	SVCVIP_LOOKUP_A_PROTOCOL,
	SVCVIP_LOOKUP_A_FAMILY,
	SVCVIP_LOOKUP_A_SRC_ADDR,
	SVCVIP_LOOKUP_A_SRC_PORT,
	SVCVIP_LOOKUP_A_DST_ADDR,
	SVCVIP_LOOKUP_A_DST_PORT,
	SVCVIP_LOOKUP_A_VERDICT,
	SVCVIP_LOOKUP_A_REASON,
	SVCVIP_LOOKUP_A_MASQUERADE,
	__SVCVIP_LOOKUP_A_MAX
};
#define SVCVIP_LOOKUP_A_MAX (__SVCVIP_LOOKUP_A_MAX - 1)

enum svcvip_frontend_kind {
	SVCVIP_FRONTEND_UNSPEC,
	SVCVIP_FRONTEND_CLUSTERIP,
	SVCVIP_FRONTEND_EXTERNALIP,
	SVCVIP_FRONTEND_LOADBALANCER,
	SVCVIP_FRONTEND_NODEPORT,
	__SVCVIP_FRONTEND_MAX
};
#define SVCVIP_FRONTEND_MAX (__SVCVIP_FRONTEND_MAX - 1)

enum svcvip_scheduler {
	SVCVIP_SCHED_MAGLEV,
	SVCVIP_SCHED_RANDOM,
	SVCVIP_SCHED_RR,
	SVCVIP_SCHED_WRR,
	__SVCVIP_SCHED_MAX
};
#define SVCVIP_SCHED_MAX (__SVCVIP_SCHED_MAX - 1)

enum svcvip_affinity {
	SVCVIP_AFFINITY_NONE,
	SVCVIP_AFFINITY_CLIENTIP,
	__SVCVIP_AFFINITY_MAX
};
#define SVCVIP_AFFINITY_MAX (__SVCVIP_AFFINITY_MAX - 1)

enum svcvip_policy {
	SVCVIP_POLICY_CLUSTER,
	SVCVIP_POLICY_LOCAL,
	__SVCVIP_POLICY_MAX
};
#define SVCVIP_POLICY_MAX (__SVCVIP_POLICY_MAX - 1)

enum svcvip_backend_flag {
	SVCVIP_BACKEND_F_LOCAL = 1U << 0,	/* endpoint on this node */
	SVCVIP_BACKEND_F_TERMINATING = 1U << 1,	/* serving, terminating */
	__SVCVIP_BACKEND_F_ALL = SVCVIP_BACKEND_F_LOCAL |
				 SVCVIP_BACKEND_F_TERMINATING
};

/* What the packet path does with a connection's first packet. */
enum svcvip_verdict {
	SVCVIP_VERDICT_NONE,	/* no frontend matches: not ours */
	SVCVIP_VERDICT_DNAT,	/* translated to the chosen backend */
	SVCVIP_VERDICT_REJECT,	/* TCP RST / ICMP port unreachable */
	SVCVIP_VERDICT_DROP,	/* silently dropped */
	__SVCVIP_VERDICT_MAX
};
#define SVCVIP_VERDICT_MAX (__SVCVIP_VERDICT_MAX - 1)

/* Why. */
enum svcvip_reason {
	SVCVIP_REASON_NONE,
	SVCVIP_REASON_NO_FRONTEND,	/* nothing listens on DST */
	SVCVIP_REASON_SCHEDULER,	/* backend chosen by the scheduler */
	SVCVIP_REASON_AFFINITY,		/* backend from a fresh affinity entry */
	SVCVIP_REASON_NO_BACKENDS,	/* no usable backend: reject */
	SVCVIP_REASON_NO_LOCAL_BACKENDS, /* policy local, none local: drop */
	SVCVIP_REASON_SOURCE_RANGE,	/* source outside LB source ranges */
	SVCVIP_REASON_NOT_LOCAL_ADDRESS, /* NodePort on a non-node address */
	SVCVIP_REASON_CLUSTER_IP_PORT,	/* a cluster IP, on a port or protocol
					 * none of its frontends uses: reject
					 */
	SVCVIP_REASON_SERVICE_CIDR,	/* an address in the service CIDRs that
					 * no frontend uses: drop
					 */
	__SVCVIP_REASON_MAX
};
#define SVCVIP_REASON_MAX (__SVCVIP_REASON_MAX - 1)

/* Whether, and why, the source address is masqueraded. */
enum svcvip_masq_reason {
	SVCVIP_MASQ_NONE,
	SVCVIP_MASQ_OUTSIDE_CLUSTER,	/* cluster IP from outside cluster CIDRs */
	SVCVIP_MASQ_ALL,		/* masquerade-all */
	SVCVIP_MASQ_EXTERNAL,		/* external traffic, policy cluster */
	SVCVIP_MASQ_HAIRPIN,		/* a backend reaching its own service */
	SVCVIP_MASQ_FROM_NODE,		/* external frontend used by the node */
	__SVCVIP_MASQ_MAX
};
#define SVCVIP_MASQ_MAX (__SVCVIP_MASQ_MAX - 1)

#endif /* _UAPI_LINUX_SVCVIP_H */
