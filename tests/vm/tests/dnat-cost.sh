# Established traffic through svcvip costs what it costs through one static
# DNAT rule (issue 10, section 4): 64-byte UDP packets/s and iperf3 TCP
# throughput through a service of a 10,000-service table, against an
# nftables DNAT rule to the same pod, in the same guest, interleaved
# (svcvip, static, svcvip, static, ...). With packet-stats off an
# established connection's packets meet no svcvip code; with it on they
# pass the counting hook (printed, not asserted).
#
# Under TCG on a shared, loaded machine single iperf3 runs vary by 2x and
# sometimes fail (0): the figures are printed, and the loose floor on the
# median of the per-pair TCP ratios (0.8) is asserted only when asked
# (SVCVIP_DNAT_ASSERT=1, on a quiet machine), never on a debug (kmemleak)
# kernel nor for UDP (iperf3 is no steady 64-byte source under TCG). What
# make check asserts reliably is structural, in packet-stats: with
# packet-stats off no svcvip function runs for an established packet.
#   SVCVIP_DNAT_SERVICES (10000) SVCVIP_DNAT_REPS (2) SVCVIP_DNAT_SECS (2)
#   SVCVIP_DNAT_STATS_ON=1: also measure with packet-stats on
. "$SVCVIP_TOP/tests/vm/lib.sh"

N=${SVCVIP_DNAT_SERVICES:-10000}
REPS=${SVCVIP_DNAT_REPS:-2}
SECS=${SVCVIP_DNAT_SECS:-2}
command -v iperf3 > /dev/null || die "iperf3 missing (scripts/packages.txt)"
module_load
cluster_basic
in_ns pod1 iperf3 -s -D -p 5201 || die "iperf3 server"

# the table: N-1 filler services, then the measured one (TCP for iperf3's
# control connection and the TCP test, UDP for the UDP test) as the last
file=$(mktemp)
{
	filler_services "$N"
	echo "service add perf-tcp proto tcp"
	echo "frontend add perf-tcp clusterip 10.96.100.1:5201"
	echo "backend add perf-tcp 10.244.0.11:5201"
	echo "service add perf-udp proto udp"
	echo "frontend add perf-udp clusterip 10.96.100.1:5201"
	echo "backend add perf-udp 10.244.0.11:5201"
} > "$file"
check "restore $N services" in_ns node "$SVCADM" restore "$file"
in_ns node nft -f - <<'END' || die "static DNAT"
table ip static {
	chain pre {
		type nat hook prerouting priority -100;
		ip daddr 10.96.200.1 tcp dport 5201 dnat to 10.244.0.11:5201
		ip daddr 10.96.200.1 udp dport 5201 dnat to 10.244.0.11:5201
	}
}
END

# one run: VIP udp|tcp -> packets/s (UDP, received) or bits/s (TCP)
run() {
	local args=(-c "$1" -p 5201 -t "$SECS" -J)
	[ "$2" = udp ] && args+=(-u -b 0 -l 36)
	in_ns client iperf3 "${args[@]}" 2>/dev/null | python3 -c '
import json, sys
try:
    s = json.load(sys.stdin)["end"]["sum_received"]
    if sys.argv[1] == "udp":  # datagrams the server got: bytes / 36
        print(int(s["bytes"] / 36 / s["seconds"]))
    else:
        print(int(s["bits_per_second"]))
except Exception:             # a failed run (TCG under load)
    print(0)' "$2"
}

slow=0
[ -e /sys/kernel/debug/kmemleak ] && slow=1

# measure LABEL PROTO: interleaved pairs; prints the median ratio and the medians
measure() {
	local label=$1 proto=$2 i s d ratios="" svcs="" dnats=""
	for i in $(seq 1 "$REPS"); do
		s=$(run 10.96.100.1 "$proto")
		d=$(run 10.96.200.1 "$proto")
		svcs+="$s " dnats+="$d "
		[ "${s:-0}" -gt 0 ] && [ "${d:-0}" -gt 0 ] && ratios+="$(awk -v s="$s" -v d="$d" 'BEGIN { printf "%.4f", s / d }') "
	done
	echo "$label $proto: svcvip [$svcs] static [$dnats] ratios [$ratios]" >&2
	awk -v r="$ratios" -v s="$svcs" -v d="$dnats" 'function med(str,   a, n, i, j, t) {
			n = split(str, a, " ")
			for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
				if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
			if (!n) return 0
			return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
		}
		BEGIN { printf "%.3f %d %d\n", med(r), med(s), med(d) }'
}

check "packet-stats is off" bash -c \
	"ip netns exec node '$SVCADM' config show | grep -qx 'packet-stats off'"
for proto in udp tcp; do
	read -r ratio s d < <(measure "packet-stats off" $proto)
	unit=$([ $proto = udp ] && echo "pkt/s" || echo "bit/s")
	echo "packet-stats off, $proto: svcvip $s $unit, static DNAT $d $unit, ratio $ratio"
	# iperf3 as a 64-byte packet source is too irregular under TCG (it
	# drops most of what it sends, in either path): UDP is printed only
	if [ $slow = 1 ] || [ $proto = udp ] || [ "${SVCVIP_DNAT_ASSERT:-0}" != 1 ]; then
		pass "packet-stats off, $proto: ratio $ratio (not asserted)"
	else
		expect_range "packet-stats off, $proto: svcvip >= 0.8 x static DNAT (ratio $ratio)" \
			"$(awk -v r="$ratio" 'BEGIN { print int(r * 1000) }')" 800 100000
	fi
done
if [ "${SVCVIP_DNAT_STATS_ON:-0}" = 1 ]; then
	in_ns node "$SVCADM" config set packet-stats on || fail "packet-stats on"
	for proto in udp tcp; do
		read -r ratio s d < <(measure "packet-stats on" $proto)
		echo "packet-stats on, $proto: svcvip $s, static DNAT $d, ratio $ratio"
	done
	in_ns node "$SVCADM" -n stats perf-udp
fi
# the traffic went where it should: counted as svcvip's connections
conns=$(in_ns node "$SVCADM" -n stats perf-udp | awk '$1 == "perf-udp" { print $2 }')
expect_range "the UDP runs were svcvip connections" "${conns:-0}" "$REPS" 100000
