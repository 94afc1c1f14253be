# Per-packet cost and what the counters count (issue 10, section 4/5):
# - packet-stats is off by default: no svcvip function runs for the packets
#   of an established connection (kprobes on svcvip's hook functions see
#   no call), packet/byte counters stay 0, connections are counted;
# - on: the counting hook is there and counts; off again: gone, counts kept;
# - only connections svcvip translated are counted, in the packet counters
#   and in the current connections: not a DNAT by another rule to the same
#   frontend address, nor a NodePort's port on an address that is no
#   NodePort address (DNATed by another rule to a backend);
# - reading stats never runs nf_ct_iterate_cleanup_net() (which holds the
#   host-wide nf_conntrack_mutex): checked with a kprobe on that function.
# A probe only ever goes into a function that should not be running (when
# packet-stats is on, the counters show the hook at work instead): under
# TCG, patching code another vCPU is executing once wedged that vCPU for
# good (a CI soft lockup with the function tracer on the running hooks).
. "$SVCVIP_TOP/tests/vm/lib.sh"

module_load
cluster_basic
in_ns node sysctl -qw net.netfilter.nf_conntrack_tcp_timeout_time_wait=600 || die "sysctl"
in_ns node "$SVCADM" restore <<'END' || die "restore"
config set nodeport-addresses 192.168.0.0/24
service add web proto tcp scheduler rr
frontend add web clusterip 10.96.0.10:80
frontend add web nodeport 30080
backend add web 10.244.0.11:8080
END

# stats_of ADDR:PORT|- COLUMN (conns pkts_in pkts_out bytes_in bytes_out act inact)
stats_of() {
	in_ns node "$SVCADM" -n stats web | awk -v be="$1" -v col="$2" '
		$1 == "web" && be == "-" { print $(col + 1); exit }
		$1 == "->" && $2 == be { print $(col + 2); exit }'
}
C_CONNS=1 C_PIN=2 C_POUT=3 C_ACT=6
tr=/sys/kernel/tracing
[ -e $tr/kprobe_events ] || tr=/sys/kernel/debug/tracing
# calls_during "FUNCTIONS" CMD...: how many times FUNCTIONS ran while CMD
# ran, by kprobe events (-1: the kernel has no kprobe events)
calls_during() {
	local fns=$1 f n
	shift
	for f in $fns; do
		if ! echo "p:svcvip_probe_$f $f" >> $tr/kprobe_events 2>/dev/null; then
			echo > $tr/kprobe_events
			echo -1
			return
		fi
	done
	echo > $tr/trace
	echo 1 > $tr/events/kprobes/enable
	"$@" > /dev/null 2>&1
	echo 0 > $tr/events/kprobes/enable
	n=$(grep -c 'svcvip_probe_' $tr/trace)
	echo > $tr/kprobe_events
	echo "$n"
}
HOOKS="svcvip_count svcvip_nat_dst svcvip_nat_src"
# traced CHECK NAME N ARGS...: CHECK (expect_eq/expect_range) on a
# probe count, a SKIP where the kernel has no kprobe events
traced() {
	local check=$1 name=$2 n=$3
	shift 3
	if [ "$n" = -1 ]; then
		skip "$name" "no kprobe events in this kernel"
	else
		"$check" "$name" "$n" "$@"
	fi
}
# pkts_in of the service while the held connection echoes for 2 s
pkts_in_2s() {
	local a
	a=$(stats_of - $C_PIN)
	sleep 2
	echo $(($(stats_of - $C_PIN) - a))
}

# established: one held connection echoing every 100 ms, traced for 2 s
est=$(mktemp -u)
in_ns client "$VIPCHECK" hold --proto tcp --addr 10.96.0.10 --port 80 \
	--interval-ms 100 --until-file "$est" > "$est.out" 2>&1 &
for _ in $(seq 1 50); do grep -q '^connected' "$est.out" && break; sleep 0.1; done
grep -q '^connected' "$est.out" || die "held connection"
traffic() {	# ADDR PORT N: N TCP connections with 1 KiB each way from the client
	in_ns client "$VIPCHECK" connect --proto tcp --addr "$1" --port "$2" \
		--count "$3" --payload 1024 | awk '$1 == "ok" { print $2 }'
}

# ---- default: off -------------------------------------------------------
expect_eq "packet-stats is off by default" \
	"$(in_ns node "$SVCADM" config show | grep '^packet-stats')" "packet-stats off"
n=$(calls_during "$HOOKS" sleep 2)
traced expect_eq "off: established packets call no svcvip hook function" "$n" 0
expect_eq "off: 5 connections answered" "$(traffic 10.96.0.10 80 5)" 5
expect_eq "off: connections are counted (5 and the held one)" "$(stats_of - $C_CONNS)" 6
expect_eq "off: backend connections are counted" "$(stats_of 10.244.0.11:8080 $C_CONNS)" 6
expect_eq "off: no packet counted" "$(stats_of - $C_PIN)" 0
expect_eq "off: no backend packet counted" "$(stats_of 10.244.0.11:8080 $C_PIN)" 0

# ---- on ------------------------------------------------------------------
check "packet-stats on" in_ns node "$SVCADM" config set packet-stats on
expect_eq "config show says on" \
	"$(in_ns node "$SVCADM" config show | grep '^packet-stats')" "packet-stats on"
n=$(pkts_in_2s)
echo "on: $n packets of the held connection counted in 2 s"
expect_range "on: the counting hook sees established packets" "$n" 10 100000
touch "$est"
wait
expect_eq "on: 5 connections answered" "$(traffic 10.96.0.10 80 5)" 5
pin=$(stats_of - $C_PIN) pout=$(stats_of - $C_POUT)
echo "on: service pkts_in $pin pkts_out $pout"
# each connection: SYN, ACK, data, FIN, ACK at least in; the same out
expect_range "on: packets in counted" "$pin" 25 1000
expect_range "on: packets out counted" "$pout" 20 1000
expect_eq "on: backend in = service in" "$(stats_of 10.244.0.11:8080 $C_PIN)" "$pin"

# ---- only svcvip's translations ------------------------------------------
# An nftables DNAT at priority -150 (before svcvip's -101) translates the
# client's connections to the frontend to pod2, which is no backend of web;
# one at priority 0 (after svcvip) translates the NodePort's port on the
# pod-facing address 10.244.0.1 (no NodePort address: svcvip declines) to
# web's own backend pod1. svcvip translated neither.
in_ns node nft -f - <<'END' || die "nft"
table ip foreign {
	chain early {
		type nat hook prerouting priority -150;
		ip saddr 10.244.0.100 ip daddr 10.96.0.10 tcp dport 80 dnat to 10.244.0.12:8080
	}
	chain late {
		type nat hook prerouting priority 0;
		ip daddr 10.244.0.1 tcp dport 30080 dnat to 10.244.0.11:8080
	}
}
END
conns0=$(stats_of - $C_CONNS) pin0=$(stats_of - $C_PIN) bpin0=$(stats_of 10.244.0.11:8080 $C_PIN)
out=$(in_ns client "$VIPCHECK" connect --proto tcp --addr 10.96.0.10 --port 80 \
	--count 5 --payload 1024)
expect_eq "foreign early DNAT: 5 connections reach pod2" "$(count_of "$out" pod2)" 5
out=$(in_ns client "$VIPCHECK" connect --proto tcp --addr 10.244.0.1 --port 30080 \
	--count 5 --payload 1024)
expect_eq "foreign late DNAT of the NodePort port: 5 connections reach pod1" \
	"$(count_of "$out" pod1)" 5
expect_eq "foreign DNATs: no connection counted" "$(stats_of - $C_CONNS)" "$conns0"
expect_eq "foreign DNATs: no service packet counted" "$(stats_of - $C_PIN)" "$pin0"
expect_eq "foreign DNATs: no backend packet counted" \
	"$(stats_of 10.244.0.11:8080 $C_PIN)" "$bpin0"

# current connections: 2 held through each foreign DNAT, 1 through svcvip
stop=$(mktemp -u)
hold() {
	in_ns client "$VIPCHECK" hold --proto tcp --addr "$1" --port "$2" \
		--interval-ms 300 --until-file "$stop" > "$stop.$3" 2>&1 &
}
hold 10.96.0.10 80 a; hold 10.96.0.10 80 b
hold 10.244.0.1 30080 c; hold 10.244.0.1 30080 d
for _ in $(seq 1 100); do
	[ "$(cat "$stop".? | grep -c '^connected')" = 4 ] && break
	sleep 0.1
done
in_ns node nft delete table ip foreign
hold 10.96.0.10 80 e
for _ in $(seq 1 100); do
	[ "$(cat "$stop".? | grep -c '^connected')" = 5 ] && break
	sleep 0.1
done
expect_eq "5 held connections" "$(cat "$stop".? | grep -c '^connected')" 5
in_ns node "$SVCADM" -n stats web
expect_eq "current: only svcvip's held connection is active (service)" \
	"$(stats_of - $C_ACT)" 1
expect_eq "current: only svcvip's held connection is active (backend)" \
	"$(stats_of 10.244.0.11:8080 $C_ACT)" 1

# ---- reading stats never takes nf_conntrack_mutex ---------------------------
n=$(calls_during nf_ct_iterate_cleanup_net in_ns node "$SVCADM" -n stats)
traced expect_eq "stats read: no nf_ct_iterate_cleanup_net (nf_conntrack_mutex)" "$n" 0

touch "$stop"
wait

# ---- off again: the hook goes, the counts stay ------------------------------
pin=$(stats_of - $C_PIN)
check "packet-stats off" in_ns node "$SVCADM" config set packet-stats off
est=$(mktemp -u)
in_ns client "$VIPCHECK" hold --proto tcp --addr 10.96.0.10 --port 80 \
	--interval-ms 100 --until-file "$est" > "$est.out" 2>&1 &
for _ in $(seq 1 50); do grep -q '^connected' "$est.out" && break; sleep 0.1; done
n=$(calls_during "$HOOKS" sleep 2)
traced expect_eq "off again: established packets call no svcvip hook function" "$n" 0
expect_eq "off again: established packets are not counted" "$(pkts_in_2s)" 0
touch "$est"
wait
expect_eq "off again: 3 connections answered" "$(traffic 10.96.0.10 80 3)" 3
expect_eq "off again: packet counts kept, not advanced" "$(stats_of - $C_PIN)" "$pin"
