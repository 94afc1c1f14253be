# svcvip beside other NAT users of the same node netns (issue 13): Docker's
# masquerade (`-s 172.17.0.0/16 ! -o docker0 -j MASQUERADE`, a container
# behind a docker0 bridge reaching an outside host, which must see the
# node's address) and the CNI portmap plugin's hostPort DNAT (its chains
# CNI-HOSTPORT-DNAT / CNI-DN-..., TCP and UDP, IPv4 and IPv6, with its
# hairpin mark and masquerade) keep working, and so do svcvip's services
# (cluster IP from a pod and from the container, NodePort and external IP
# from an external client, masqueraded where svcvip masquerades). Three
# kinds of rules, each a separate registration with nf_nat: iptables as
# Debian 12 installs it (iptables-nft), native nftables (portmap's nftables
# backend: `table ip`/`ip6 cni_hostport`, and the masquerade in an `inet`
# table), and iptables-legacy (x_tables' iptable_nat). Each kind in both
# orders: on node1 the rules come first and svcvip's first service after
# them; on node2 svcvip's services come first and the rules after. Between
# kinds the module is reloaded (svcvip's hooks stay until then) and the
# rules removed, so every kind starts from a namespace without svcvip's
# hooks.
#
# Where both could translate a packet the outcome is fixed by priority, not
# by order: nf_nat calls the NAT lookup functions of a hook in priority
# order until one sets up the mapping. svcvip's DNAT is at -101
# (NF_IP_PRI_NAT_DST - 1), iptables' nat table and nft's `priority dstnat`
# at -100, so for a hostPort that is also a NodePort svcvip's backend
# answers, on both nodes, TCP and UDP, IPv4 and IPv6; an nft chain at -110
# runs first and wins. svcvip's masquerade is at 99, before iptables'
# POSTROUTING (100). After the rules are removed svcvip still translates on
# node1, where the rules had registered nf_nat's hooks first.
. "$SVCVIP_TOP/tests/vm/lib.sh"
. "$SVCVIP_TOP/tests/vm/lib_cluster.sh"

module_load
cluster_two_nodes

# a Docker bridge with one container on each node (the same 172.17.0.0/16,
# as Docker does), an outside server on ext, and node2's external IPs
# routed to node2
b="netns add ctr1
netns add ctr2
link add vd-ctr netns node1 type veth peer name eth0 netns ctr1
link add vd-ctr netns node2 type veth peer name eth0 netns ctr2"
ip -batch - <<<"$b" || die "containers"
for n in 1 2; do
	ip -n "node$n" -batch - <<'END' || die "docker0 on node$n"
link add docker0 type bridge
link set docker0 up
addr add 172.17.0.1/16 dev docker0
link set vd-ctr master docker0
link set vd-ctr up
END
	ip -n "ctr$n" -batch - <<'END' || die "ctr$n"
link set lo up
link set eth0 up
addr add 172.17.0.2/16 dev eth0
route add default via 172.17.0.1
END
done
_cl_ns ext "ip route add 203.0.113.128/25 via 192.168.0.2 &&
$VIPCHECK serve --proto tcp --port 9000 --name ext --daemon >/dev/null"

SERVICES='service add web proto tcp
frontend add web clusterip 10.96.0.10:80
frontend add web externalip 203.0.113.10:80
frontend add web externalip 203.0.113.130:80
frontend add web nodeport 30090
backend add web 10.244.1.11:8080 @n1a
backend add web 10.244.2.11:8080 @n2a
backend add web [fd00:244:1::11]:8080 @n1a
backend add web [fd00:244:2::11]:8080 @n2a
service add both proto tcp external-policy local
frontend add both nodeport 30091
frontend add both nodeport 30092
backend add both 10.244.1.11:8080 @n1a
backend add both 10.244.2.11:8080 @n2a
backend add both [fd00:244:1::11]:8080 @n1a
backend add both [fd00:244:2::11]:8080 @n2a
service add bothu proto udp external-policy local
frontend add bothu nodeport 30091
backend add bothu 10.244.1.11:8080 @n1a
backend add bothu 10.244.2.11:8080 @n2a'

# ---- the rules, as Docker and the CNI portmap plugin write them ------------
# hostPorts of pod nNb: 30080 (TCP, UDP, IPv4, IPv6), and 30091, also a
# svcvip NodePort (policy local: each node's nNa, the client's address kept)

# ipt_rules4 N / ipt_rules6 N: iptables-restore input for node N
ipt_rules4() {
	local pod=10.244.$1.12 ch=CNI-DN-4c1f0e5b9d2a7e8f3b6c$1 p port
	cat <<END
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:DOCKER - [0:0]
:CNI-HOSTPORT-DNAT - [0:0]
:CNI-HOSTPORT-SETMARK - [0:0]
:CNI-HOSTPORT-MASQ - [0:0]
:$ch - [0:0]
-A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT
-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
-A OUTPUT -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT
-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER
-A POSTROUTING -m comment --comment "CNI portfwd requiring masquerade" -j CNI-HOSTPORT-MASQ
-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
-A DOCKER -i docker0 -j RETURN
-A CNI-HOSTPORT-SETMARK -m comment --comment "CNI portfwd masquerade mark" -j MARK --set-xmark 0x2000/0x2000
-A CNI-HOSTPORT-MASQ -m mark --mark 0x2000/0x2000 -j MASQUERADE
END
	for p in tcp udp; do
		echo "-A CNI-HOSTPORT-DNAT -m comment --comment \"dnat name: \\\"cbr0\\\" id: \\\"n$1b\\\"\" -m multiport -p $p --destination-ports 30080,30091 -j $ch"
	done
	for p in tcp udp; do
		for port in 30080 30091; do
			cat <<END
-A $ch -p $p --dport $port -s $pod/32 -j CNI-HOSTPORT-SETMARK
-A $ch -p $p --dport $port -s 127.0.0.1 -j CNI-HOSTPORT-SETMARK
-A $ch -p $p --dport $port -j DNAT --to-destination $pod:8080
END
		done
	done
	echo COMMIT
}

ipt_rules6() {
	local pod=fd00:244:$1::12 ch=CNI-DN-4c1f0e5b9d2a7e8f3b6c$1 port
	cat <<END
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:CNI-HOSTPORT-DNAT - [0:0]
:CNI-HOSTPORT-SETMARK - [0:0]
:CNI-HOSTPORT-MASQ - [0:0]
:$ch - [0:0]
-A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT
-A OUTPUT -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT
-A POSTROUTING -m comment --comment "CNI portfwd requiring masquerade" -j CNI-HOSTPORT-MASQ
-A CNI-HOSTPORT-SETMARK -m comment --comment "CNI portfwd masquerade mark" -j MARK --set-xmark 0x2000/0x2000
-A CNI-HOSTPORT-MASQ -m mark --mark 0x2000/0x2000 -j MASQUERADE
-A CNI-HOSTPORT-DNAT -m comment --comment "dnat name: \"cbr0\" id: \"n$1b\"" -m multiport -p tcp --destination-ports 30080,30091 -j $ch
END
	for port in 30080 30091; do
		cat <<END
-A $ch -p tcp --dport $port -s $pod/128 -j CNI-HOSTPORT-SETMARK
-A $ch -p tcp --dport $port -j DNAT --to-destination [$pod]:8080
END
	done
	echo COMMIT
}

# nft_rules N: the same natively: portmap's nftables backend (ip and ip6
# tables, `priority -100`), Docker's masquerade in an inet table, and one
# chain before svcvip (-110) that DNATs NodePort 30092 to nNb
nft_rules() {
	local p4=10.244.$1.12 p6=fd00:244:$1::12
	cat <<END
table ip cni_hostport {
	chain hostports {
		ip protocol tcp th dport 30080 dnat to $p4:8080
		ip protocol udp th dport 30080 dnat to $p4:8080
		ip protocol tcp th dport 30091 dnat to $p4:8080
		ip protocol udp th dport 30091 dnat to $p4:8080
	}
	chain prerouting {
		type nat hook prerouting priority -100;
		fib daddr type local jump hostports
	}
	chain output {
		type nat hook output priority -100;
		fib daddr type local jump hostports
	}
	chain masquerading {
		type nat hook postrouting priority 100;
		ip saddr $p4 ip daddr $p4 masquerade
		ip saddr 127.0.0.1 ip daddr $p4 masquerade
	}
}
table ip6 cni_hostport {
	chain hostports {
		ip6 nexthdr tcp th dport 30080 dnat to [$p6]:8080
		ip6 nexthdr tcp th dport 30091 dnat to [$p6]:8080
	}
	chain prerouting {
		type nat hook prerouting priority -100;
		fib daddr type local jump hostports
	}
	chain masquerading {
		type nat hook postrouting priority 100;
		ip6 saddr $p6 ip6 daddr $p6 masquerade
	}
}
table inet docker {
	chain postrouting {
		type nat hook postrouting priority srcnat;
		ip saddr 172.17.0.0/16 oifname != "docker0" masquerade
	}
}
table ip early {
	chain prerouting {
		type nat hook prerouting priority -110;
		tcp dport 30092 dnat to $p4:8080
	}
}
END
}

# rules KIND N: installs KIND's rules on node N; status 3 when the kernel
# lacks what they need (the debug kernel: no nft_compat, no MARK target)
RULES=$(mktemp -d) || die "mktemp"
rules() {
	local kind=$1 n=$2 out
	ipt_rules4 "$n" > "$RULES/4"
	ipt_rules6 "$n" > "$RULES/6"
	nft_rules "$n" > "$RULES/nft"
	case $kind in
	iptables-*)
		out=$(in_ns "node$n" sh -c "$kind-restore < $RULES/4 &&
			ip6${kind#ip}-restore < $RULES/6" 2>&1) ;;
	nft)
		out=$(in_ns "node$n" nft -f "$RULES/nft" 2>&1) ;;
	esac || {
		echo "$out" >&2
		debug_kernel && return 3
		die "$kind rules on node$n"
	}
	return 0
}

# checks KIND: everything, on both nodes
checks() {
	local k=$1 n node peers peers6 eip early=
	for n in 1 2; do
		if [ $n = 1 ]; then
			node="$k, rules then svcvip (node1)"
			peers="n1a=10.244.1.1 n2a=192.168.0.1"
			peers6="n1a=fd00:244:1::1 n2a=fd00:192::1"
			eip=203.0.113.10
		else
			node="$k, svcvip then rules (node2)"
			peers="n1a=192.168.0.2 n2a=10.244.2.1"
			peers6="n1a=fd00:192::2 n2a=fd00:244:2::1"
			eip=203.0.113.130
		fi
		[ "$k" = nft ] && early="$node: nft DNAT at -110 on NodePort 30092 runs before svcvip: n${n}b answers|ok|n${n}b|n${n}b=192.168.0.100|ext|--proto tcp --addr 192.168.0.$n --port 30092 $OK"
		expect_vc_batch <<END
$node: Docker masquerade: container reaches ext as 192.168.0.$n|ok|ext|ext=192.168.0.$n|ctr$n|--proto tcp --addr 192.168.0.100 --port 9000 $OK
$node: hostPort TCP 30080 -> n${n}b, client address kept|ok|n${n}b|n${n}b=192.168.0.100|ext|--proto tcp --addr 192.168.0.$n --port 30080 $OK
$node: hostPort UDP 30080 -> n${n}b|ok|n${n}b|n${n}b=192.168.0.100|ext|--proto udp --addr 192.168.0.$n --port 30080 $OK
$node: hostPort TCP [fd00:192::$n]:30080 -> n${n}b|ok|n${n}b|n${n}b=fd00:192::100|ext|--proto tcp --addr fd00:192::$n --port 30080 $OK
$node: svcvip NodePort 30090 from ext, masqueraded|ok|n1a n2a|$peers|ext|--proto tcp --addr 192.168.0.$n --port 30090 $OK
$node: svcvip NodePort [fd00:192::$n]:30090 from ext, masqueraded|ok|n1a n2a|$peers6|ext|--proto tcp --addr fd00:192::$n --port 30090 $OK
$node: svcvip external IP $eip from ext, masqueraded|ok|n1a n2a|$peers|ext|--proto tcp --addr $eip --port 80 $OK
$node: svcvip cluster IP from pod c$n, not masqueraded|ok|n1a n2a|n1a=10.244.$n.100 n2a=10.244.$n.100|c$n|--proto tcp --addr 10.96.0.10 --port 80 $OK
$node: svcvip cluster IP from the container, masqueraded|ok|n1a n2a|$peers|ctr$n|--proto tcp --addr 10.96.0.10 --port 80 $OK
$node: hostPort and NodePort TCP 30091: svcvip (-101) before the DNAT (-100): n${n}a|ok|n${n}a|n${n}a=192.168.0.100|ext|--proto tcp --addr 192.168.0.$n --port 30091 $OK
$node: hostPort and NodePort UDP 30091: svcvip's n${n}a|ok|n${n}a|n${n}a=192.168.0.100|ext|--proto udp --addr 192.168.0.$n --port 30091 $OK
$node: hostPort and NodePort TCP [fd00:192::$n]:30091: svcvip's n${n}a|ok|n${n}a|n${n}a=fd00:192::100|ext|--proto tcp --addr fd00:192::$n --port 30091 $OK
$early
END
	done
}

# phase KIND: rules on node1, svcvip on both, rules on node2, checks; then
# the rules go, svcvip still answers on node1, and the module is reloaded
phase() {
	local k=$1 rc
	rules "$k" 1
	rc=$?
	if [ $rc = 3 ]; then
		skip "$k" "debug kernel: rules need modules it lacks"
		in_ns node1 nft flush ruleset
		return
	fi
	cluster_apply <<<"$SERVICES"
	rules "$k" 2 || die "$k on node2 only"
	checks "$k"
	for n in 1 2; do
		case $k in
		iptables-legacy) in_ns "node$n" sh -c 'for t in iptables-legacy ip6tables-legacy; do
			$t -t nat -F && $t -t nat -X || exit 1; done' ;;
		*) in_ns "node$n" nft flush ruleset ;;
		esac || die "$k: removing the rules of node$n"
	done
	expect_vc_batch <<END
$k rules removed: node1 NodePort 30091 answers, svcvip's n1a|ok|n1a|n1a=192.168.0.100|ext|--proto tcp --addr 192.168.0.1 --port 30091 $OK
$k rules removed: node1 hostPort 30080 no longer translated (node1 resets)|refused|-|-|ext|--proto tcp --addr 192.168.0.1 --port 30080 $REJ
$k rules removed: node1 cluster IP from c1|ok|n1a n2a|n1a=10.244.1.100 n2a=10.244.1.100|c1|--proto tcp --addr 10.96.0.10 --port 80 $OK
END
	module_unload || die "rmmod after $k"
	module_load
	cluster_config
}

phase iptables-nft
phase nft
if command -v iptables-legacy-restore >/dev/null; then
	phase iptables-legacy
else
	skip "iptables-legacy" "not installed"
fi
