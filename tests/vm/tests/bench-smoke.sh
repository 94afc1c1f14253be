# make bench-smoke (issue 14): the benchmark's rule generators
# (bench/rulegen.py) at a tiny size, each mode alone in the node netns:
# svcvip (svcadm restore), kube-proxy's iptables and nftables rule
# structures (iptables-restore, nft -f) and IPVS (ipvsadm-restore, VIPs on
# a dummy kube-ipvs0). 20 services x 3 backends, TCP and UDP ports, over 5
# pods (service i gets pods i..i+2, rotating, so no two neighbours have the
# same set): the first, a middle and the last service must each be
# answered by exactly their own 3 pods (every one of them answers, nothing
# else does) from the client pod, through the node; then the mode's
# partial sync of one endpoint change (the last service's last backend
# replaced by the next pod) must move the answers to the new set.
# 30 connections per service and protocol: a backend that gets none has
# probability 3 x (2/3)^30 ~ 1.5e-5 (a false alarm per 60,000 runs).
. "$SVCVIP_TOP/tests/vm/lib.sh"

GEN="python3 $TOP/bench/rulegen.py"
NS=20 NB=3 C=30
PODS="10.244.0.11,10.244.0.12,10.244.0.13,10.244.0.14,10.244.0.15"
WORK=$(mktemp -d)
module_load
node_create node
for i in 1 2 3 4 5; do
	pod_create node "pod$i" "10.244.0.1$i" "fd00:244::1$i"
	serve "pod$i" tcp 8080 "10.244.0.1$i"
	serve "pod$i" udp 8080 "10.244.0.1$i"
done
pod_create node client 10.244.0.100 fd00:244::100
N() { in_ns node "$@"; }

gen() {	# MODE [ARGS]: the rules for the smoke table
	$GEN "$@" --services $NS --backends $NB --protos tcp,udp --pods "$PODS"
}

# want I [changed]: the addresses service I must reach, sorted
want() {
	local i=$1 k n=5 ch=${2:-}
	for ((k = 0; k < NB; k++)); do
		if [ -n "$ch" ] && [ $k -eq $((NB - 1)) ]; then
			echo "10.244.0.1$(( (i + NB) % n + 1 ))"
		else
			echo "10.244.0.1$(( (i + k) % n + 1 ))"
		fi
	done | sort | tr '\n' ' '
}

# reach MODE I [changed]: service I's answers, TCP and UDP
reach() {
	local mode=$1 i=$2 ch=${3:-} pr out got vip
	vip=10.96.0.$((i + 1))
	for pr in tcp udp; do
		out=$(in_ns client "$VIPCHECK" connect --proto $pr --addr $vip \
			--port 80 --count $C --parallel 2 --timeout-ms 3000)
		got=$(echo "$out" | awk '$1 == "name" { print $2 }' | sort | tr '\n' ' ')
		expect_eq "$mode: $pr svc$i${ch:+ after the change}: all $C answered" \
			"$(stat_of "$out" ok)" $C
		expect_eq "$mode: $pr svc$i${ch:+ after the change}: exactly its backends" \
			"$got" "$(want "$i" $ch)"
	done
}

smoke() {	# MODE LOAD-CMD CHANGE-CMD: load, check, change, check
	local mode=$1 load=$2 change=$3 i
	gen "$mode" > "$WORK/$mode" || die "rulegen $mode"
	gen "$mode" --change $((NS - 1)) > "$WORK/$mode.change" ||
		die "rulegen $mode --change"
	if ! N sh -c "$load < $WORK/$mode"; then
		# the debug kernel is built without most xt_* matches and IPVS
		if debug_kernel && [ "$mode" != svcvip ]; then
			skip "$mode: smoke" "debug kernel: no $mode modules"
			return 0
		fi
		fail "$mode: full load of $NS services"
		return 0
	fi
	pass "$mode: full load of $NS services"
	for i in 0 $((NS / 2)) $((NS - 1)); do
		reach "$mode" $i
	done
	check "$mode: one endpoint change (partial sync)" \
		N sh -c "$change < $WORK/$mode.change"
	reach "$mode" $((NS - 1)) changed
	reach "$mode" 0
}

smoke svcvip "$SVCADM restore" "$SVCADM restore"
check "svcvip: flushed" N "$SVCADM" flush

# kube-proxy's iptables proxier writes with iptables-restore (nft backend on
# Debian 12, as kube-proxy's image picks by the host's rules)
smoke iptables "iptables-restore -w" "iptables-restore -w --noflush"
N iptables -t nat -F; N iptables -t nat -X; N iptables -F; N iptables -X

smoke nftables "nft -f -" "nft -f -"
N nft delete table ip kube-proxy

# as kube-proxy's IPVS proxier sets the node up: conntrack for IPVS
# connections (its iptables masquerade rules need it), the VIPs local
$GEN ipvs-addrs --services $NS > "$WORK/addrs"
N ip -batch "$WORK/addrs" || die "kube-ipvs0"
N ipvsadm -C || debug_kernel || die "ipvsadm (ip_vs)"
N sysctl -qw net.ipv4.vs.conntrack=1 net.ipv4.vs.conn_reuse_mode=0 \
	net.ipv4.vs.expire_nodest_conn=1 2>/dev/null || debug_kernel ||
	die "IPVS sysctls"
# ipvsadm-restore clears the table first (ipvsadm -C): a change is -R alone
smoke ipvs "ipvsadm-restore" "ipvsadm -R"
N ipvsadm -C 2>/dev/null
rm -rf "$WORK"
