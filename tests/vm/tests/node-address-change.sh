# Node addresses that change at runtime (issue 13), IPv4 and IPv6:
# - the masquerade notifier: svcvip masquerades with nf_nat_masquerade_ipv4/
#   ipv6, which record the outgoing interface, and registers nf_nat's
#   masquerade notifiers (as iptables' MASQUERADE does), so when the node
#   loses the address its connections were masqueraded to, nf_nat deletes
#   their conntrack entries. node1 reaches node2's pods over a second link
#   (lan2: 192.168.1.0/24, fd00:193::/64), so an external client's
#   connections through node1's NodePort to a backend on node2 are
#   masqueraded to node1's lan2 address; three such connections are held
#   open while that address is replaced (.1 -> .3): their entries (and the
#   closed ones') are gone within 5 s, and a new connection works and is
#   masqueraded to the new address. Before the test, svcvip is made the
#   only user of the notifiers where it can be (xt_MASQUERADE and nft_masq
#   unloaded), so the check sees svcvip's own registration.
# - NodePort addresses: svcvip asks the routing table per first packet
#   (localaddr.c, as `-m addrtype --dst-type LOCAL`), so an address added
#   to the node answers NodePorts at once and a removed one stops (node1
#   blackholes the test ranges, so "not local" is a timeout, and a host
#   process on the NodePort's port tells "local but no NodePort address"
#   apart); with nodeport-addresses set, an added address inside it is a
#   NodePort address and one outside is not; no svcadm command in between.
. "$SVCVIP_TOP/tests/vm/lib.sh"
. "$SVCVIP_TOP/tests/vm/lib_cluster.sh"

# svcvip alone registers nf_nat's masquerade notifiers (if the modules of
# iptables' MASQUERADE and nft's masq, which also do, can go)
# (nft_masq is held until the netns cleanup of an earlier test is done)
for _ in $(seq 1 20); do
	for m in xt_MASQUERADE nft_masq; do
		grep -q "^$m " /proc/modules && rmmod "$m" 2>/dev/null
	done
	grep -Eq '^(xt_MASQUERADE|nft_masq) ' /proc/modules || break
	sleep 0.2
done
others=$(awk '$1 == "xt_MASQUERADE" || $1 == "nft_masq" { print $1 }' /proc/modules)
echo "other masquerade notifier users loaded: ${others:-none}"

module_load
cluster_two_nodes

ip link add lan2 netns node1 type veth peer name lan2 netns node2 || die "lan2"
_cl_ns node1 "ip -batch - <<'END'
link set lan2 up
addr add 192.168.1.1/24 dev lan2
addr add fd00:193::1/64 dev lan2 nodad
route replace 10.244.2.0/24 via 192.168.1.2 dev lan2
route replace fd00:244:2::/64 via fd00:193::2 dev lan2
route add blackhole 198.51.100.0/24
route add blackhole fd00:198::/64
route add blackhole 192.168.0.50/32
route add blackhole fd00:192::50/128
END
$VIPCHECK serve --proto tcp --port 30080 --name node1-host --daemon >/dev/null"
_cl_ns node2 "ip -batch - <<'END'
link set lan2 up
addr add 192.168.1.2/24 dev lan2
addr add fd00:193::2/64 dev lan2 nodad
END"
_cl_ns ext "ip -batch - <<'END'
route add 198.51.100.0/24 via 192.168.0.1
route add fd00:198::/64 via fd00:192::1
END"

cluster_apply <<'END'
service add far proto tcp
frontend add far nodeport 30100
backend add far 10.244.2.11:8080 @n2a
backend add far [fd00:244:2::11]:8080 @n2a
service add np proto tcp
frontend add np nodeport 30080
backend add np 10.244.1.11:8080 @n1a
backend add np [fd00:244:1::11]:8080 @n1a
END

# ---- the masquerade notifier ------------------------------------------------
expect_vc_batch <<END
NodePort to node2's backend: masqueraded to node1's lan2 192.168.1.1|ok|n2a|n2a=192.168.1.1|ext|--proto tcp --addr 192.168.0.1 --port 30100 $OK
NodePort to node2's backend: masqueraded to node1's lan2 fd00:193::1|ok|n2a|n2a=fd00:193::1|ext|--proto tcp --addr fd00:192::1 --port 30100 $OK
END

# three connections per family held open (no probe until they are stopped)
stop=$(mktemp -u)
in_ns ext sh -c "for a in 192.168.0.1 fd00:192::1; do for i in 1 2 3; do
	$VIPCHECK hold --proto tcp --addr \$a --port 30100 --interval-ms 60000 \
		--timeout-ms 8000 --until-file $stop > $stop.\$a.\$i 2>&1 &
done; done"
for _ in $(seq 1 100); do
	[ "$(cat "$stop".* 2>/dev/null | grep -c '^connected n2a')" = 6 ] && break
	sleep 0.1
done
expect_eq "6 connections held through node1 to n2a" \
	"$(cat "$stop".* | grep -c '^connected n2a')" 6

# ct_count FAMILY ADDR [STATE]: node1's entries whose reply goes to ADDR,
# from conntrack's own summary (nothing if conntrack failed)
ct_count='ct_count() {
	conntrack -L -f "$1" -p tcp --reply-dst "$2" ${3:+--state "$3"} 2>&1 >/dev/null |
		sed -n "s/.*: \([0-9]*\) flow entr.*/\1/p"
}'
read -r est4 est6 all4 all6 <<<"$(in_ns node1 sh -c "$ct_count
echo \$(ct_count ipv4 192.168.1.1 ESTABLISHED) \$(ct_count ipv6 fd00:193::1 ESTABLISHED) \
	\$(ct_count ipv4 192.168.1.1) \$(ct_count ipv6 fd00:193::1)")"
expect_eq "before: 3 established entries masqueraded to 192.168.1.1" "$est4" 3
expect_eq "before: 3 established entries masqueraded to fd00:193::1" "$est6" 3
echo "before: all entries to 192.168.1.1: $all4, to fd00:193::1: $all6"

# the address changes; then up to 5 s for the notifier's work
read -r left4 left6 ms <<<"$(in_ns node1 sh -c "$ct_count
ip -batch - <<'END' || exit 1
addr del 192.168.1.1/24 dev lan2
addr del fd00:193::1/64 dev lan2
addr add 192.168.1.3/24 dev lan2
addr add fd00:193::3/64 dev lan2 nodad
route replace 10.244.2.0/24 via 192.168.1.2 dev lan2
route replace fd00:244:2::/64 via fd00:193::2 dev lan2
END
t0=\$(date +%s%N)
for i in \$(seq 1 50); do
	n4=\$(ct_count ipv4 192.168.1.1) n6=\$(ct_count ipv6 fd00:193::1)
	[ \"\$n4\" = 0 ] && [ \"\$n6\" = 0 ] && break
	sleep 0.1
done
echo \${n4:-none} \${n6:-none} \$(( (\$(date +%s%N) - t0) / 1000000 ))")"
echo "after the change: entries to the old addresses $left4/$left6 after ${ms:-?} ms"
expect_eq "192.168.1.1 removed: its masqueraded entries are deleted" "$left4" 0
expect_eq "fd00:193::1 removed: its masqueraded entries are deleted" "$left6" 0
touch "$stop"

expect_vc_batch <<END
after the change: a new connection is masqueraded to 192.168.1.3|ok|n2a|n2a=192.168.1.3|ext|--proto tcp --addr 192.168.0.1 --port 30100 $OK
after the change: a new connection is masqueraded to fd00:193::3|ok|n2a|n2a=fd00:193::3|ext|--proto tcp --addr fd00:192::1 --port 30100 $OK
END

# ---- NodePort addresses ------------------------------------------------------
NP4="n1a=10.244.1.1" NP6="n1a=fd00:244:1::1"
expect_vc_batch <<END
198.51.100.1 not node1's: no NodePort there|timeout|-|-|ext|--proto tcp --addr 198.51.100.1 --port 30080 $DROP
fd00:198::1 not node1's: no NodePort there|timeout|-|-|ext|--proto tcp --addr fd00:198::1 --port 30080 $DROP
END
in_ns node1 ip -batch - <<'END' || die "adding addresses"
addr add 198.51.100.1/32 dev eth0
addr add fd00:198::1/128 dev eth0 nodad
END
expect_vc_batch <<END
198.51.100.1 added: the NodePort answers there|ok|n1a|$NP4|ext|--proto tcp --addr 198.51.100.1 --port 30080 $OK
fd00:198::1 added: the NodePort answers there|ok|n1a|$NP6|ext|--proto tcp --addr fd00:198::1 --port 30080 $OK
END
in_ns node1 ip -batch - <<'END' || die "removing addresses"
addr del 198.51.100.1/32 dev eth0
addr del fd00:198::1/128 dev eth0
END
expect_vc_batch <<END
198.51.100.1 removed: no answer there|timeout|-|-|ext|--proto tcp --addr 198.51.100.1 --port 30080 $DROP
fd00:198::1 removed: no answer there|timeout|-|-|ext|--proto tcp --addr fd00:198::1 --port 30080 $DROP
END

# nodeport-addresses = the LAN: of two added addresses, the one inside it
# is a NodePort address, the other is only local (the host process answers)
in_ns node1 sh -c "$SVCADM config set nodeport-addresses 192.168.0.0/24,fd00:192::/64 &&
ip -batch - <<'END'
addr add 198.51.100.1/32 dev eth0
addr add fd00:198::1/128 dev eth0 nodad
addr add 192.168.0.50/24 dev eth0
addr add fd00:192::50/64 dev eth0 nodad
END" || die "nodeport-addresses and addresses"
expect_vc_batch <<END
nodeport-addresses LAN, 192.168.0.50 added: NodePort|ok|n1a|$NP4|ext|--proto tcp --addr 192.168.0.50 --port 30080 $OK
nodeport-addresses LAN, fd00:192::50 added: NodePort|ok|n1a|$NP6|ext|--proto tcp --addr fd00:192::50 --port 30080 $OK
nodeport-addresses LAN, 198.51.100.1 added: local, no NodePort (host process answers)|ok|node1-host|-|ext|--proto tcp --addr 198.51.100.1 --port 30080 $OK
nodeport-addresses LAN, fd00:198::1 added: local, no NodePort (host process answers)|ok|node1-host|-|ext|--proto tcp --addr fd00:198::1 --port 30080 $OK
END
in_ns node1 ip -batch - <<'END' || die "removing addresses"
addr del 192.168.0.50/24 dev eth0
addr del fd00:192::50/64 dev eth0
END
expect_vc_batch <<END
nodeport-addresses LAN, 192.168.0.50 removed: no answer there|timeout|-|-|ext|--proto tcp --addr 192.168.0.50 --port 30080 $DROP
nodeport-addresses LAN, fd00:192::50 removed: no answer there|timeout|-|-|ext|--proto tcp --addr fd00:192::50 --port 30080 $DROP
END
