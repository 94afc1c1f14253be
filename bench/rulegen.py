#!/usr/bin/env python3
"""Rule sets for the benchmarks: one service table, written the way each
data plane is programmed by kube-proxy (or by svcsyncd for svcvip).

  rulegen.py MODE [OPTIONS]            the full load
  rulegen.py MODE --change I [OPTIONS] one endpoint change in service I
                                       (its last backend, or backend
                                       --change-backend J, replaced), as
                                       the mode's partial sync writes it

MODE and what it writes (fed to the tool named):
  svcvip     svcadm restore lines
  iptables   iptables-restore input, kube-proxy's iptables proxier's rule
             structure: KUBE-SERVICES (one match per service port) ->
             KUBE-SVC-* (statistic random) -> KUBE-SEP-* (DNAT),
             KUBE-MARK-MASQ / KUBE-POSTROUTING, the filter table's
             KUBE-FORWARD; a change is its partial sync (--noflush: the
             service chains that changed and KUBE-SERVICES, rewritten whole)
  nftables   nft -f input, kube-proxy's nftables proxier: table ip
             kube-proxy, the service-ips verdict map (ip . proto . port),
             per-service chains with numgen random mod N vmap, per-endpoint
             chains; a change rewrites the one service chain
  ipvs       ipvsadm-restore input (rr, masquerading), as kube-proxy's
             IPVS proxier programs it; the VIPs go on a dummy device,
             kube-ipvs0: `rulegen.py ipvs-addrs` writes `ip -batch` lines
             for it; a change is ipvsadm -d / -a lines (ipvsadm -R: ipvsadm-restore
             would clear the table first)

Service i (0 <= i < N) is "bench/svc<i>" with cluster IP --vip-base + i + 1
and one port per protocol of --protos (--port, to --target-port). Its
backends are --backends addresses: from --pods when given (service i takes
B of them starting at the i-th, rotating, so neighbouring services differ),
else synthetic, 100.64.0.1 + i * B + j (never answered; a table's
filling); --first-backends B0 gives service 0 B0 of them instead (a big
service among small ones). --revert writes the change undone (the
changed service back to its first backends), so a change and its revert
apply in turn any number of times. A change replaces service i's last backend with the next pod of
--pods it lacks (a synthetic address without --pods). --real I[,J...] limits --pods to those services (the others get
synthetic backends); "last" names service N - 1.
"""
import argparse
import base64
import hashlib
import ipaddress
import sys

MASQ_MARK = "0x4000"


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="rulegen.py", description=__doc__.split("\n\n", 1)[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1])
    p.add_argument("mode", choices=["svcvip", "iptables", "nftables", "ipvs",
                                    "ipvs-addrs"])
    p.add_argument("--services", type=int, required=True, metavar="N")
    p.add_argument("--backends", type=int, default=10, metavar="B")
    p.add_argument("--first-backends", type=int, default=None, metavar="B0",
                   help="service 0 has B0 backends (a big one among small)")
    p.add_argument("--protos", default="tcp", help="tcp,udp,... (tcp)")
    p.add_argument("--port", type=int, default=80)
    p.add_argument("--target-port", type=int, default=8080)
    p.add_argument("--vip-base", default="10.96.0.0")
    p.add_argument("--pods", default="", help="backend addresses A,B,...")
    p.add_argument("--real", default="",
                   help="services (I,J,... or last) that get --pods")
    p.add_argument("--cluster-cidr", default="10.244.0.0/16")
    p.add_argument("--change", type=int, metavar="I", default=None)
    p.add_argument("--change-backend", type=int, metavar="J", default=None,
                   help="the change replaces backend J (default the last)")
    p.add_argument("--revert", action="store_true",
                   help="the change undone: from the changed table back")
    p.add_argument("--scheduler", default=None, metavar="S",
                   help="svcvip: the services' scheduler (default svcvip's "
                   "own, Maglev)")
    a = p.parse_args(argv)
    if a.services < 1 or a.backends < 1:
        p.error("--services and --backends must be >= 1")
    if a.first_backends is None:
        a.first_backends = a.backends
    elif a.first_backends < 1:
        p.error("--first-backends must be >= 1")
    a.protos = a.protos.split(",")
    for pr in a.protos:
        if pr not in ("tcp", "udp", "sctp"):
            p.error(f"--protos: unknown protocol '{pr}'")
    a.pods = [ipaddress.IPv4Address(x) for x in a.pods.split(",") if x]
    real = set()
    for x in a.real.split(","):
        if x == "last":
            real.add(a.services - 1)
        elif x:
            real.add(int(x))
    a.real = real if real else None
    if a.change is not None and not 0 <= a.change < a.services:
        p.error(f"--change: no service {a.change} of {a.services}")
    if a.revert and a.change is None:
        p.error("--revert needs --change")
    return a


class Table:
    """The service table every mode writes: services, ports, backends."""

    def __init__(self, a):
        self.a = a
        self.base = ipaddress.IPv4Address(a.vip_base)
        self.synth = ipaddress.IPv4Address("100.64.0.1")

    def name(self, i):
        return f"svc{i}"

    def vip(self, i):
        return str(self.base + i + 1)

    def count(self, i):
        """service i's number of backends"""
        return self.a.first_backends if i == 0 else self.a.backends

    def backends(self, i, changed=False):
        j = self.a.change_backend
        a = self.a
        if a.revert and i == a.change:	# the changed list is the "before"
            changed = not changed
        real = a.pods and (a.real is None or i in a.real)
        if real:
            n = len(a.pods)
            bes = [str(a.pods[(i + j) % n])
                   for j in range(min(self.count(i), n))]
        else:
            # service 0's backends first, then B per service
            base = int(self.synth) + (i and a.first_backends + (i - 1) * a.backends)
            bes = [ip4(base + j) for j in range(self.count(i))]
        if changed:	# backend j replaced by one the service did not have
            j = len(bes) - 1 if j is None else j % len(bes)
            if real and len(a.pods) > len(bes):
                bes[j] = str(a.pods[(i + len(bes)) % len(a.pods)])
            else:
                bes[j] = str(ipaddress.IPv4Address("100.112.0.1") +
                             (i * 7 + j) % (1 << 20))
        return bes

    def svc_port_name(self, i, proto):
        # kube-proxy's ServicePortName: namespace/name:port
        return f"bench/{self.name(i)}:p{self.a.port}", proto


def ip4(x):
    """dotted quad of an int (ipaddress's arithmetic is 10x slower)"""
    return f"{x >> 24}.{(x >> 16) & 255}.{(x >> 8) & 255}.{x & 255}"


def changed_pair(t, i):
    """(the backend a change removes, the one it adds) of service i"""
    before, after = t.backends(i), t.backends(i, True)
    old = set(before) - set(after)
    new = set(after) - set(before)
    return old.pop(), new.pop()


def b32hash(s, n):
    """kube-proxy's chain-name hash: base32(sha256(s))[:n]."""
    return base64.b32encode(hashlib.sha256(s.encode()).digest()).decode()[:n]


# --- svcvip: svcadm restore lines -----------------------------------------

def gen_svcvip(t, out):
    a = t.a
    if a.change is not None:
        i = a.change
        for pr in a.protos:
            name = f"{t.name(i)}-{pr}"
            old, new = changed_pair(t, i)
            out.write(f"backend del {name} {old}:{a.target_port}\n")
            out.write(f"backend add {name} {new}:{a.target_port}\n")
        return
    nsvc = a.services * len(a.protos)
    # max-backends is per service (default 10,000)
    most = max(a.backends, a.first_backends)
    mb = f" max-backends {most}" if most > 10000 else ""
    out.write(f"config set max-services {nsvc + 10} "
              f"max-frontends {nsvc + 10}{mb} "
              f"cluster-cidrs {a.cluster_cidr}\n")
    for i in range(a.services):
        for pr in a.protos:
            name = f"{t.name(i)}-{pr}"
            sched = f" scheduler {a.scheduler}" if a.scheduler else ""
            out.write(f"service add {name} proto {pr}{sched}\n")
            out.write(f"frontend add {name} clusterip {t.vip(i)}:{a.port}\n")
            for be in t.backends(i):
                out.write(f"backend add {name} {be}:{a.target_port}\n")


# --- iptables: kube-proxy's iptables proxier -------------------------------

def ipt_chains(t, i, pr, changed=False):
    """(svc chain, [(sep chain, backend)]) of one service port."""
    spn, _ = t.svc_port_name(i, pr)
    svc = "KUBE-SVC-" + b32hash(spn + pr, 16)
    seps = []
    for be in t.backends(i, changed):
        ep = f"{be}:{t.a.target_port}"
        seps.append(("KUBE-SEP-" + b32hash(spn + pr + ep, 16), ep))
    return spn, svc, seps


def ipt_service_rules(t, i, pr, changed, out):
    a = t.a
    spn, svc, seps = ipt_chains(t, i, pr, changed)
    vip = t.vip(i)
    out.write(f'-A {svc} -m comment --comment "{spn} cluster IP" '
              f"-m {pr} -p {pr} -d {vip}/32 --dport {a.port} "
              f"! -s {a.cluster_cidr} -j KUBE-MARK-MASQ\n")
    n = len(seps)
    for k, (sep, ep) in enumerate(seps):
        stat = ""
        if k < n - 1:
            stat = (" -m statistic --mode random --probability "
                    f"{1.0 / (n - k):.10f}")
        out.write(f'-A {svc} -m comment --comment "{spn} -> {ep}"{stat} '
                  f"-j {sep}\n")
    for sep, ep in seps:
        out.write(f'-A {sep} -m comment --comment "{spn}" '
                  f"-s {ep.split(':')[0]}/32 -j KUBE-MARK-MASQ\n")
        out.write(f'-A {sep} -m comment --comment "{spn}" '
                  f"-m {pr} -p {pr} -j DNAT --to-destination {ep}\n")


def ipt_services_chain(t, out, changed_i=None):
    a = t.a
    for i in range(a.services):
        for pr in a.protos:
            spn, svc, _ = ipt_chains(t, i, pr, i == changed_i)
            out.write(f'-A KUBE-SERVICES -m comment --comment "{spn} cluster IP" '
                      f"-m {pr} -p {pr} -d {t.vip(i)}/32 --dport {a.port} "
                      f"-j {svc}\n")
    out.write('-A KUBE-SERVICES -m comment --comment "kubernetes service '
              'nodeports; NOTE: this must be the last rule in this chain" '
              "-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS\n")


def gen_iptables(t, out):
    a = t.a
    if a.change is not None:
        # kube-proxy's partial sync (MinimizeIPTablesRestore): --noflush;
        # the fixed chains and the changed service's are declared (so
        # flushed) and written again; KUBE-SERVICES whole; the endpoint
        # chain that went is deleted
        i = a.change
        out.write("*nat\n")
        for c in ("KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-POSTROUTING",
                  "KUBE-MARK-MASQ"):
            out.write(f":{c} - [0:0]\n")
        gone = []
        for pr in a.protos:
            _, svc, old = ipt_chains(t, i, pr)
            _, _, new = ipt_chains(t, i, pr, True)
            out.write(f":{svc} - [0:0]\n")
            for sep, _ in new:
                out.write(f":{sep} - [0:0]\n")
            gone += [s for s, _ in old if s not in [n for n, _ in new]]
        for sep in gone:	# flushed by being declared, then deleted
            out.write(f":{sep} - [0:0]\n")
        ipt_nat_fixed(out)
        ipt_services_chain(t, out, i)
        for pr in a.protos:
            ipt_service_rules(t, i, pr, True, out)
        for sep in gone:
            out.write(f"-X {sep}\n")
        out.write("COMMIT\n")
        return
    out.write("*filter\n")
    for c in ("KUBE-FORWARD", "KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES",
              "KUBE-NODEPORTS", "KUBE-PROXY-FIREWALL", "KUBE-FIREWALL"):
        out.write(f":{c} - [0:0]\n")
    out.write('-A INPUT -m conntrack --ctstate NEW -m comment --comment '
              '"kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL\n')
    out.write('-A INPUT -m comment --comment "kubernetes health check '
              'service ports" -j KUBE-NODEPORTS\n')
    out.write('-A INPUT -m conntrack --ctstate NEW -m comment --comment '
              '"kubernetes externally-visible service portals" '
              "-j KUBE-EXTERNAL-SERVICES\n")
    out.write("-A FORWARD -m conntrack --ctstate NEW -m comment --comment "
              '"kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL\n')
    out.write('-A FORWARD -m comment --comment "kubernetes forwarding rules" '
              "-j KUBE-FORWARD\n")
    out.write("-A FORWARD -m conntrack --ctstate NEW -m comment --comment "
              '"kubernetes service portals" -j KUBE-SERVICES\n')
    out.write("-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "
              '"kubernetes service portals" -j KUBE-SERVICES\n')
    out.write('-A KUBE-FORWARD -m comment --comment "kubernetes forwarding '
              f'rules" -m mark --mark {MASQ_MARK}/{MASQ_MARK} -j ACCEPT\n')
    out.write('-A KUBE-FORWARD -m comment --comment "kubernetes forwarding '
              'conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED '
              "-j ACCEPT\n")
    out.write("COMMIT\n*nat\n")
    for c in ("KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-POSTROUTING",
              "KUBE-MARK-MASQ"):
        out.write(f":{c} - [0:0]\n")
    for i in range(a.services):
        for pr in a.protos:
            _, svc, seps = ipt_chains(t, i, pr)
            out.write(f":{svc} - [0:0]\n")
            for sep, _ in seps:
                out.write(f":{sep} - [0:0]\n")
    out.write('-A PREROUTING -m comment --comment "kubernetes service '
              'portals" -j KUBE-SERVICES\n')
    out.write('-A OUTPUT -m comment --comment "kubernetes service portals" '
              "-j KUBE-SERVICES\n")
    out.write('-A POSTROUTING -m comment --comment "kubernetes postrouting '
              'rules" -j KUBE-POSTROUTING\n')
    ipt_nat_fixed(out)
    ipt_services_chain(t, out)
    for i in range(a.services):
        for pr in a.protos:
            ipt_service_rules(t, i, pr, False, out)
    out.write("COMMIT\n")


def ipt_nat_fixed(out):
    out.write(f"-A KUBE-POSTROUTING -m mark ! --mark {MASQ_MARK}/{MASQ_MARK} "
              "-j RETURN\n")
    out.write(f"-A KUBE-POSTROUTING -j MARK --xor-mark {MASQ_MARK}\n")
    out.write('-A KUBE-POSTROUTING -m comment --comment "kubernetes service '
              'traffic requiring SNAT" -j MASQUERADE --random-fully\n')
    out.write(f"-A KUBE-MARK-MASQ -j MARK --or-mark {MASQ_MARK}\n")


# --- nftables: kube-proxy's nftables proxier -------------------------------

NFT_BASE = """\
add table ip kube-proxy { comment "rules for kube-proxy" ; }
add chain ip kube-proxy mark-for-masquerade
add rule ip kube-proxy mark-for-masquerade mark set mark or 0x4000
add chain ip kube-proxy masquerading
add rule ip kube-proxy masquerading mark and 0x4000 == 0 return
add rule ip kube-proxy masquerading mark set mark xor 0x4000
add rule ip kube-proxy masquerading masquerade fully-random
add set ip kube-proxy cluster-ips { type ipv4_addr ; comment "Active ClusterIPs" ; }
add set ip kube-proxy nodeport-ips { type ipv4_addr ; comment "IPs that accept NodePort traffic" ; }
add map ip kube-proxy no-endpoint-services { type ipv4_addr . inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to services with no endpoints" ; }
add map ip kube-proxy service-ips { type ipv4_addr . inet_proto . inet_service : verdict ; comment "ClusterIP, ExternalIP and LoadBalancer IP traffic" ; }
add map ip kube-proxy service-nodeports { type inet_proto . inet_service : verdict ; comment "NodePort traffic" ; }
add chain ip kube-proxy service-endpoints-check
add rule ip kube-proxy service-endpoints-check ip daddr . meta l4proto . th dport vmap @no-endpoint-services
add chain ip kube-proxy filter-forward { type filter hook forward priority 0 ; }
add rule ip kube-proxy filter-forward ct state new jump service-endpoints-check
add chain ip kube-proxy filter-output { type filter hook output priority 0 ; }
add rule ip kube-proxy filter-output ct state new jump service-endpoints-check
add chain ip kube-proxy services
add rule ip kube-proxy services ip daddr . meta l4proto . th dport vmap @service-ips
add rule ip kube-proxy services ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports
add chain ip kube-proxy nat-prerouting { type nat hook prerouting priority -100 ; }
add rule ip kube-proxy nat-prerouting jump services
add chain ip kube-proxy nat-output { type nat hook output priority -100 ; }
add rule ip kube-proxy nat-output jump services
add chain ip kube-proxy nat-postrouting { type nat hook postrouting priority 100 ; }
add rule ip kube-proxy nat-postrouting jump masquerading
"""


def nft_names(t, i, pr, changed=False):
    a = t.a
    spn, _ = t.svc_port_name(i, pr)
    tail = f"bench/{t.name(i)}/{pr}/p{a.port}"
    svc = f"service-{b32hash(spn + pr, 8)}-{tail}"
    eps = []
    for be in t.backends(i, changed):
        ep = f"{be}:{a.target_port}"
        eps.append((f"endpoint-{b32hash(spn + pr + ep, 8)}-{tail}__"
                    f"{be}/{a.target_port}", be))
    return svc, eps


def nft_service(t, i, pr, changed, out, flush=False):
    a = t.a
    svc, eps = nft_names(t, i, pr, changed)
    tbl = "ip kube-proxy"
    for ep, be in eps:
        out.write(f"add chain {tbl} {ep}\n")
        if flush:
            out.write(f"flush chain {tbl} {ep}\n")
        out.write(f"add rule {tbl} {ep} ip saddr {be} jump mark-for-masquerade\n")
        out.write(f"add rule {tbl} {ep} meta l4proto {pr} dnat to "
                  f"{be}:{a.target_port}\n")
    out.write(f"add chain {tbl} {svc}\n")
    if flush:
        out.write(f"flush chain {tbl} {svc}\n")
    out.write(f"add rule {tbl} {svc} ip daddr {t.vip(i)} {pr} dport {a.port} "
              f"ip saddr != {a.cluster_cidr} jump mark-for-masquerade\n")
    vmap = " , ".join(f"{k} : goto {ep}" for k, (ep, _) in enumerate(eps))
    out.write(f"add rule {tbl} {svc} numgen random mod {len(eps)} "
              f"vmap {{ {vmap} }}\n")
    return svc, eps


def gen_nftables(t, out):
    a = t.a
    if a.change is not None:
        # kube-proxy's incremental sync: only the changed service's chains
        i = a.change
        for pr in a.protos:
            _, old = nft_names(t, i, pr)
            _, new = nft_names(t, i, pr, True)
            nft_service(t, i, pr, True, out, flush=True)
            for ep, _ in old:
                if ep not in [n for n, _ in new]:
                    # a chain must be empty to be deleted
                    out.write(f"flush chain ip kube-proxy {ep}\n")
                    out.write(f"delete chain ip kube-proxy {ep}\n")
        return
    out.write(NFT_BASE)
    for i in range(a.services):
        for pr in a.protos:
            svc, _ = nft_service(t, i, pr, False, out)
            out.write(f"add element ip kube-proxy cluster-ips {{ {t.vip(i)} }}\n")
            out.write(f"add element ip kube-proxy service-ips {{ {t.vip(i)} . "
                      f"{pr} . {a.port} : goto {svc} }}\n")


# --- IPVS: kube-proxy's IPVS proxier ---------------------------------------

IPVS_FLAG = {"tcp": "-t", "udp": "-u", "sctp": "--sctp-service"}


def gen_ipvs(t, out):
    a = t.a
    if a.change is not None:
        i = a.change
        for pr in a.protos:
            f = IPVS_FLAG[pr]
            vs = f"{t.vip(i)}:{a.port}"
            old, new = changed_pair(t, i)
            out.write(f"-d {f} {vs} -r {old}:{a.target_port}\n")
            out.write(f"-a {f} {vs} -r {new}:{a.target_port} -m -w 1\n")
        return
    for i in range(a.services):
        for pr in a.protos:
            f = IPVS_FLAG[pr]
            vs = f"{t.vip(i)}:{a.port}"
            out.write(f"-A {f} {vs} -s rr\n")
            for be in t.backends(i):
                out.write(f"-a {f} {vs} -r {be}:{a.target_port} -m -w 1\n")


def gen_ipvs_addrs(t, out):
    """ip -batch: the dummy kube-ipvs0 with every VIP (kube-proxy binds
    each service address to it so that the node accepts the packets that
    IPVS then takes in LOCAL_IN)."""
    out.write("link add kube-ipvs0 type dummy\n")
    for i in range(t.a.services):
        out.write(f"addr add {t.vip(i)}/32 dev kube-ipvs0\n")


def main(argv):
    a = parse_args(argv)
    t = Table(a)
    gen = {"svcvip": gen_svcvip, "iptables": gen_iptables,
           "nftables": gen_nftables, "ipvs": gen_ipvs,
           "ipvs-addrs": gen_ipvs_addrs}[a.mode]
    gen(t, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
