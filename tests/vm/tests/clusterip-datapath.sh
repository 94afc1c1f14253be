# What happens to packets beyond a plain first segment, through a cluster
# IP, IPv4 and IPv6. svcvip decides only a connection's first packet and
# leaves everything after it to conntrack and nf_nat, so these hold only if
# it hands them a connection they can finish translating:
# - ICMP errors of a translated flow come back translated: a backend's port
#   unreachable reaches the client from the cluster IP (a node counter in
#   the client says so) and the client's connected UDP socket sees
#   ECONNREFUSED;
# - path MTU discovery: the backend "far" sits behind a 1280-byte link
#   while advertising a 1460-byte MSS, so the client's full-size segments
#   meet the node's frag-needed / packet-too-big, which must reach the
#   client translated (its route to the cluster IP then has mtu 1280) for a
#   10 MB echo to complete;
# - fragmented UDP: 8,000-byte datagrams, fragmented by the client,
#   reassembled by conntrack, translated and refragmented, echoed whole;
# - large TCP transfers with GSO/TSO and GRO on the veths (ethtool): 10 MB
#   echoed and compared, super-packets seen crossing the node's forward
#   path, with packet-stats off and on (svcvip's counting hook then sees
#   every one of them);
# - IPv6 extension headers (hop-by-hop, destination options) on the first
#   packet: TCP and UDP still reach the service, a service without backends
#   still rejects.
. "$SVCVIP_TOP/tests/vm/lib.sh"
. "$SVCVIP_TOP/tests/vm/lib_cluster.sh"

module_load
cluster_basic
pod_create node far 10.244.0.20 fd00:244::20
ip -n node link set v-far mtu 1280
ip -n far link set eth0 mtu 1280
# advmss: far announces the MSS of a 1500-byte path, so only the node's
# ICMP can tell the client about the 1280-byte hop
ip -n far route replace default via 10.244.0.1 dev eth0 advmss 1460 ||
	die "far route"
ip -n far -6 route replace ::/0 via fd00:244::1 dev eth0 advmss 1440 ||
	die "far route6"
serve far tcp 8080 far
serve far udp 8080 far

in_ns node "$SVCADM" restore <<END || die "restore"
service add icmp proto udp
frontend add icmp clusterip 10.96.0.50:53
frontend add icmp clusterip [fd00:96::50]:53
backend add icmp 10.244.0.11:9999
backend add icmp [fd00:244::11]:9999
service add far proto tcp
frontend add far clusterip 10.96.0.60:80
frontend add far clusterip [fd00:96::60]:80
backend add far 10.244.0.20:8080
backend add far [fd00:244::20]:8080
$(cluster_service frag udp 10.96.0.70 fd00:96::70 53)
$(cluster_service big tcp 10.96.0.80 fd00:96::80 80)
service add none proto udp
frontend add none clusterip [fd00:96::90]:53
END

# Counters: in the client, ICMP errors by source; in the node, fragments
# before reassembly (priority -450 < conntrack's defrag at -400), packets
# over 1500 bytes forwarded (GSO/GRO super-packets), extension headers.
in_ns client nft -f - <<'END' || die "client nft"
table inet t {
	chain in {
		type filter hook input priority 0;
		ip saddr 10.96.0.50 icmp type destination-unreachable counter comment "icmp-vip4"
		ip saddr 10.244.0.11 icmp type destination-unreachable counter comment "icmp-pod4"
		ip6 saddr fd00:96::50 icmpv6 type destination-unreachable counter comment "icmp-vip6"
		ip6 saddr fd00:244::11 icmpv6 type destination-unreachable counter comment "icmp-pod6"
	}
}
END
in_ns node nft -f - <<'END' || die "node nft"
table inet t {
	chain early {
		type filter hook prerouting priority -450;
		ip daddr 10.96.0.70 ip frag-off & 0x1fff != 0 counter comment "frag4"
		ip6 daddr fd00:96::70 exthdr frag exists counter comment "frag6"
		ip6 daddr fd00:96::/64 exthdr hbh exists counter comment "hbh"
		ip6 daddr fd00:96::/64 exthdr dst exists counter comment "dstopt"
	}
	chain forw {
		type filter hook forward priority 0;
		iifname "v-client" meta length > 2000 counter comment "super-in"
		oifname "v-client" meta length > 2000 counter comment "super-out"
	}
}
END

# counter NETNS COMMENT: packets of the nft rule with that comment
counter() {
	in_ns "$1" nft list table inet t | awk -v c="\"$2\"" '
		$0 ~ "comment " c { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }'
}

# ---- ICMP errors ----------------------------------------------------------
for fam in 4 6; do
	if [ $fam = 4 ]; then vip=10.96.0.50; else vip=fd00:96::50; fi
	expect_vc "icmp$fam: backend's port unreachable is the client's ECONNREFUSED" \
		refused - - client --proto udp --addr $vip --port 53 $REJ
	got=$(counter client icmp-vip$fam)
	expect_range "icmp$fam: the error reached the client from the cluster IP ($got)" \
		"${got:-0}" 2 1000
	got=$(counter client icmp-pod$fam)
	expect_eq "icmp$fam: none from the backend's own address" "${got:-x}" 0
done

# ---- path MTU -----------------------------------------------------------
for fam in 4 6; do
	if [ $fam = 4 ]; then vip=10.96.0.60; else vip=fd00:96::60; fi
	expect_vc "pmtu$fam: 10 MB echo through a 1280-byte hop" ok far - \
		client --proto tcp --addr $vip --port 80 --payload 10000000 \
		--timeout-ms 90000
	check "pmtu$fam: the client learnt mtu 1280 for the cluster IP" \
		sh -c "ip -n client -$fam route get $vip | tee /dev/stderr | grep -q 'mtu 1280'"
done

# ---- fragments ----------------------------------------------------------
for fam in 4 6; do
	if [ $fam = 4 ]; then vip=10.96.0.70; else vip=fd00:96::70; fi
	expect_vc "frag$fam: 8,000-byte UDP datagrams echoed whole" ok \
		"pod1 pod2 pod3" - client --proto udp --addr $vip --port 53 \
		--payload 8000 --count 6 --parallel 3 --timeout-ms 8000
	got=$(counter node frag$fam)
	expect_range "frag$fam: they crossed the node as fragments ($got)" \
		"${got:-0}" 30 100000
done

# ---- GSO/TSO/GRO ----------------------------------------------------------
gro=0
if command -v ethtool >/dev/null; then
	gro=1
	for ns in client pod1 pod2 pod3; do
		in_ns $ns ethtool -K eth0 gro on tso on gso on >/dev/null 2>&1 || gro=0
	done
	for l in v-client v-pod1 v-pod2 v-pod3; do
		in_ns node ethtool -K $l gro on tso on gso on >/dev/null 2>&1 || gro=0
	done
fi
if [ $gro = 1 ]; then
	pass "gro: on for the pods' and node's veths"
else
	skip "gro: on for the pods' and node's veths" "no ethtool, or veth refused gro"
fi
for stats in off on; do
	in_ns node "$SVCADM" config set packet-stats $stats || die "packet-stats"
	for fam in 4 6; do
		if [ $fam = 4 ]; then vip=10.96.0.80; else vip=fd00:96::80; fi
		in0=$(counter node super-in) out0=$(counter node super-out)
		expect_vc "gso$fam (packet-stats $stats): 10 MB echoed and compared" ok \
			"pod1 pod2 pod3" - client --proto tcp --addr $vip --port 80 \
			--payload 10000000 --timeout-ms 90000
		in1=$(counter node super-in) out1=$(counter node super-out)
		expect_range "gso$fam (packet-stats $stats): super-packets both ways ($((in1 - in0)) in, $((out1 - out0)) out)" \
			$(( (in1 - in0) < (out1 - out0) ? in1 - in0 : out1 - out0 )) 10 10000000
	done
done
# with packet-stats on, the two 10 MB echoes: 20 MB client -> backend
bin=$(in_ns node "$SVCADM" -n stats big | awk '$1 == "big" { print $5 }')
expect_range "gso: packet-stats counted every byte of the transfers in ($bin)" \
	"${bin:-0}" 20000000 30000000
in_ns node "$SVCADM" config set packet-stats off

# ---- IPv6 extension headers ---------------------------------------------
# sticky IPV6_HOPOPTS (54) / IPV6_DSTOPTS (59): one PadN option, 8 bytes
out=$(in_ns client python3 - <<'END' 2>&1
import socket
OPT = bytes([0, 0, 1, 4, 0, 0, 0, 0])
for name, optname in (("hbh", 54), ("dstopt", 59)):
    for proto, kind in (("tcp", socket.SOCK_STREAM), ("udp", socket.SOCK_DGRAM)):
        s = socket.socket(socket.AF_INET6, kind)
        s.setsockopt(socket.IPPROTO_IPV6, optname, OPT)
        s.settimeout(8)
        try:
            if proto == "tcp":
                s.connect(("fd00:96::80", 80))
                print(name, proto, s.recv(200).split()[0].decode())
            else:
                s.connect(("fd00:96::70", 53))
                s.send(b"?")
                print(name, proto, s.recv(200).split()[0].decode())
        except OSError as e:
            print(name, proto, "error", type(e).__name__)
        s.close()
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, optname, OPT)
    s.settimeout(3)
    s.connect(("fd00:96::90", 53))
    try:
        s.send(b"?")
        s.recv(200)
        print(name, "reject", "answered")
    except ConnectionRefusedError:
        print(name, "reject", "refused")
    except OSError as e:
        print(name, "reject", "error", type(e).__name__)
END
)
echo "$out"
for name in hbh dstopt; do
	for proto in tcp udp; do
		if grep -Eq "^$name $proto pod[123]\$" <<<"$out"; then
			pass "exthdr: $proto with a $name header reaches a backend"
		else
			fail "exthdr: $proto with a $name header reaches a backend" \
				"$(grep "^$name $proto" <<<"$out")"
		fi
	done
	if grep -qx "$name reject refused" <<<"$out"; then
		pass "exthdr: udp with a $name header to a service without backends is rejected"
	else
		fail "exthdr: udp with a $name header to a service without backends is rejected" \
			"$(grep "^$name reject" <<<"$out")"
	fi
	got=$(counter node $name)
	expect_range "exthdr: the $name header was on the wire ($got)" "${got:-0}" 2 1000
done
