# Established traffic through svcvip costs what it costs through one static
# DNAT rule (issue 10, section 4): 64-byte UDP packets/s (pktgen) and iperf3
# TCP throughput through a service of a 10,000-service table, against an
# nftables DNAT rule to the same pod in the same netns, in interleaved
# pairs (svcvip, static, svcvip, static, ...), judged by the median of the
# pairs' ratios. With packet-stats off an established connection's packets
# meet no svcvip code (packet-stats proves it with kprobes); with it on
# they pass the counting hook (SVCVIP_DNAT_STATS_ON=1: printed, not
# asserted).
#
# Floors: in an icount guest (SVCVIP_VM_ICOUNT, tests/check's cost boot)
# the guest clock counts instructions, so a rate is a ratio of
# instruction counts that host load cannot skew (pairs measured
# 0.992-1.005): the target, 0.97, is asserted for both. Under plain TCG,
# where the host's load swings single pairs from 0.7 to 1.8, only loose
# floors are: 0.85 (UDP) and 0.6 (TCP); SVCVIP_DNAT_ASSERT=1 asserts the
# target there too. Ratios are skipped on the debug kernel, and UDP where
# the kernel has no pktgen.
#   SVCVIP_DNAT_SERVICES (10000) SVCVIP_DNAT_REPS (5) iperf3 pairs,
#   SVCVIP_DNAT_SECS (2) per iperf3 run, SVCVIP_DNAT_PG_REPS (9; icount 5)
#   pktgen pairs, SVCVIP_DNAT_PKTS (150000; icount 50000) per pktgen run
. "$SVCVIP_TOP/tests/vm/lib.sh"

N=${SVCVIP_DNAT_SERVICES:-10000}
REPS=${SVCVIP_DNAT_REPS:-5}
SECS=${SVCVIP_DNAT_SECS:-2}
command -v iperf3 > /dev/null || die "iperf3 missing (scripts/packages.txt)"
module_load
cluster_basic
in_ns pod1 iperf3 -s -D -p 5201 || die "iperf3 server"

# the table: N-1 filler services, then the measured ones as the last: TCP
# for iperf3 (its control connection and the test), UDP for pktgen
file=$(mktemp)
{
	filler_services "$N"
	echo "service add perf-tcp proto tcp"
	echo "frontend add perf-tcp clusterip 10.96.100.1:5201"
	echo "backend add perf-tcp 10.244.0.11:5201"
	echo "service add perf-pkt proto udp"
	echo "frontend add perf-pkt clusterip 10.96.100.2:9000"
	echo "backend add perf-pkt 10.244.0.11:9000"
} > "$file"
check "restore $N services" in_ns node "$SVCADM" restore "$file"
in_ns node nft -f - <<'END' || die "static DNAT"
table ip static {
	chain pre {
		type nat hook prerouting priority -100;
		ip daddr 10.96.200.1 tcp dport 5201 dnat to 10.244.0.11:5201
		ip daddr 10.96.200.2 udp dport 9000 dnat to 10.244.0.11:9000
	}
}
END

# one iperf3 TCP run to VIP: bits/s received (0: a failed run, TCG under load)
run() {
	in_ns client iperf3 -c "$1" -p 5201 -t "$SECS" -J 2>/dev/null | python3 -c '
import json, sys
try:
    print(int(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]))
except Exception:
    print(0)'
}

# measure LABEL: REPS interleaved pairs; prints the median ratio and the
# medians (a pair with a failed run has no ratio)
measure() {
	local label=$1 s d ratios="" svcs="" dnats=""
	for _ in $(seq 1 "$REPS"); do
		s=$(run 10.96.100.1)
		d=$(run 10.96.200.1)
		svcs+="$s " dnats+="$d "
		[ "${s:-0}" -gt 0 ] && [ "${d:-0}" -gt 0 ] && ratios+="$(ratio_of "$s" "$d") "
	done
	echo "$label TCP: svcvip [$svcs] static [$dnats] bit/s; ratios [$ratios]" >&2
	printf '%s %s %s\n' "$(median <<<"$ratios")" "$(median <<<"$svcs")" "$(median <<<"$dnats")"
}

check "packet-stats is off" bash -c \
	"ip netns exec node '$SVCADM' config show | grep -qx 'packet-stats off'"
read -r ratio s d < <(measure "packet-stats off")
ratio=${ratio:-0}
echo "packet-stats off, iperf3 TCP: median svcvip $s bit/s, static DNAT $d bit/s, ratio $ratio"
floor=600
{ exact || [ "${SVCVIP_DNAT_ASSERT:-0}" = 1 ]; } && floor=970
expect_ratio "iperf3 TCP: svcvip >= 0.$((floor / 10)) x static DNAT bit/s (ratio $ratio)" \
	"$ratio" $floor
if [ "${SVCVIP_DNAT_STATS_ON:-0}" = 1 ]; then
	in_ns node "$SVCADM" config set packet-stats on || fail "packet-stats on"
	read -r ratio s d < <(measure "packet-stats on")
	echo "packet-stats on, iperf3 TCP: median svcvip $s, static DNAT $d, ratio $ratio"
	in_ns node "$SVCADM" config set packet-stats off
fi
# the traffic went where it should: counted as svcvip's connections (each
# iperf3 run is a control connection and a data connection)
conns=$(in_ns node "$SVCADM" -n stats perf-tcp | awk '$1 == "perf-tcp" { print $2 }')
expect_range "the iperf3 runs were svcvip connections" "${conns:-0}" "$((2 * REPS))" 100000

# ---- 64-byte UDP packets/s from pktgen ---------------------------------------
# iperf3 is no 64-byte source under TCG (its own send loop is the limit):
# the kernel's pktgen injects 60-byte frames (64 with the FCS) of one flow
# per VIP (10.244.0.100:4000x -> VIP:9000) into the node as if received on
# v-client (xmit_mode netif_receive: each packet goes through the node's
# whole receive and forward path in pktgen's context, with no queue in
# front of it to overflow); pod1 drops them before its stack. Both flows
# are established after their first packet, so this is the per-packet
# cost of a translated flow: conntrack lookup, nf_nat's mangling, the
# forward. Rate = packets the node forwarded (v-pod1's tx, sent or
# dropped at pod1's queue) / pktgen's elapsed time.
# (in an icount guest runs repeat to 1%: fewer and shorter runs suffice)
PG_PKTS=${SVCVIP_DNAT_PKTS:-$(exact && echo 50000 || echo 150000)}
PG_REPS=${SVCVIP_DNAT_PG_REPS:-$(exact && echo 5 || echo 9)}
pg_ok=1
modprobe pktgen 2>/dev/null || pg_ok=0
if [ $pg_ok = 1 ]; then
	in_ns pod1 nft -f - <<'END' || die "pod1 sink"
table ip sink {
	chain pre {
		type filter hook prerouting priority -300;
		udp dport 9000 drop
	}
}
END
	# the flows are idle while the other VIP's runs: keep their entries
	in_ns node sysctl -qw net.netfilter.nf_conntrack_udp_timeout=600
	mac=$(ip -n node -j link show v-client | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["address"])')
	in_ns node sh -c 'P=/proc/net/pktgen
		echo rem_device_all > $P/kpktgend_0 &&
		echo add_device v-client > $P/kpktgend_0 &&
		for c in "xmit_mode netif_receive" "count $1" "pkt_size 60" \
			"delay 0" "dst_mac $2" "src_min 10.244.0.100" \
			"src_max 10.244.0.100" "udp_dst_min 9000" "udp_dst_max 9000"; do
			echo "$c" > $P/v-client || exit 1
		done' _ "$PG_PKTS" "$mac" || die "pktgen setup"
fi
# pg_forwarded: packets the node has sent (or dropped) on v-pod1
pg_forwarded() {
	ip -n node -s -j link show v-pod1 | python3 -c 'import json, sys
t = json.load(sys.stdin)[0]["stats64"]["tx"]
print(t["packets"] + t["dropped"])'
}
# pg_run VIP SPORT: forwarded packets/s and count of one pktgen run from
# 10.244.0.100:SPORT to VIP:9000. Each VIP has its own source port: with
# one, both flows would have the same reply tuple (pod1:9000 -> client:SPORT)
# and the second would live in a clash entry (IPS_NAT_CLASH, 1 s timeout)
pg_run() {
	local before after usec
	before=$(pg_forwarded)
	usec=$(in_ns node sh -c 'P=/proc/net/pktgen
		echo "dst $1" > $P/v-client && echo "udp_src_min $2" > $P/v-client &&
		echo "udp_src_max $2" > $P/v-client && echo start > $P/pgctrl &&
		sed -n "s/^Result: OK: \([0-9]*\)(.*/\1/p" $P/v-client' _ "$1" "$2")
	after=$(pg_forwarded)
	awk -v b="$before" -v a="$after" -v u="${usec:-0}" \
		'BEGIN { printf "%d %d\n", u ? (a - b) * 1e6 / u : 0, a - b }'
}
# pg_measure: PG_REPS interleaved pairs after a warm-up; sets PG_RATIO
# (median of the pairs' ratios) and PG_LOST (runs that forwarded < 99%)
pg_measure() {
	local s d sn dn svcs='' dnats='' ratios=''
	pg_run 10.96.100.2 40000 > /dev/null	# each flow's first packet, and warm-up
	pg_run 10.96.200.2 40001 > /dev/null
	PG_LOST=0
	for _ in $(seq 1 "$PG_REPS"); do
		read -r s sn < <(pg_run 10.96.100.2 40000)
		read -r d dn < <(pg_run 10.96.200.2 40001)
		svcs+="$s " dnats+="$d "
		[ "$sn" -lt $((PG_PKTS * 99 / 100)) ] && PG_LOST=$((PG_LOST + 1))
		[ "$dn" -lt $((PG_PKTS * 99 / 100)) ] && PG_LOST=$((PG_LOST + 1))
		[ "$s" -gt 0 ] && [ "$d" -gt 0 ] &&
			ratios+="$(ratio_of "$s" "$d") "
	done
	PG_RATIO=$(median <<<"$ratios")
	PG_RATIO=${PG_RATIO:-0}
	echo "$1: svcvip [$svcs] static [$dnats] pkt/s; ratios [$ratios]"
	echo "$1: median svcvip $(median <<<"$svcs"), static DNAT $(median <<<"$dnats") pkt/s: ratio $PG_RATIO"
}
if [ $pg_ok = 0 ]; then
	skip "64-byte UDP pkt/s (pktgen)" "no pktgen in this kernel"
else
	pg_measure "64-byte UDP (pktgen, $PG_PKTS per run), packet-stats off"
	expect_eq "64-byte UDP: every run's packets were forwarded (>= 99%)" "$PG_LOST" 0
	floor=850
	{ exact || [ "${SVCVIP_DNAT_ASSERT:-0}" = 1 ]; } && floor=970
	expect_ratio "64-byte UDP: svcvip >= 0.$((floor / 10)) x static DNAT pkt/s (ratio $PG_RATIO)" \
		"$PG_RATIO" $floor
	got=$(in_ns node "$SVCADM" -n stats perf-pkt | awk '$1 == "perf-pkt" { print $2 }')
	expect_range "64-byte UDP: the pktgen flow was svcvip's connection" "${got:-0}" 1 1
	if [ "${SVCVIP_DNAT_STATS_ON:-0}" = 1 ]; then
		in_ns node "$SVCADM" config set packet-stats on || fail "packet-stats on"
		pg_measure "64-byte UDP (pktgen), packet-stats on"
		in_ns node "$SVCADM" config set packet-stats off
	fi
fi
