# Module and netns lifecycle under load (rmmod during live TCP, UDP and
# SCTP traffic is unload-traffic.sh):
# 1. A node netns holding 10,000 services (restored from a file) and live
#    conntrack entries (400 TCP and UDP connections just made, TCP
#    connections and UDP streams still open) is deleted; another node goes
#    on serving and the module unloads cleanly.
# 2. Load/unload cycles, each with TCP, UDP and SCTP services restored
#    before the unload; every 10th cycle also carries TCP and UDP
#    connections through them (so the unload meets conntrack entries).
# SVCVIP_LIFECYCLE_SERVICES (10000) and SVCVIP_LIFECYCLE_CYCLES (200: about
# 2 min in the TCG guest on a quiet host; tests/check-debug runs fewer on the
# ~10x slower debug kernel) change the sizes.
. "$SVCVIP_TOP/tests/vm/lib.sh"

NSVC=${SVCVIP_LIFECYCLE_SERVICES:-10000}
CYCLES=${SVCVIP_LIFECYCLE_CYCLES:-200}
WORK=$(mktemp -d)
ms() { echo $(( ${EPOCHREALTIME/./} / 1000 )); }
T_START=$(ms)
phase() { echo "phase $1 at $(( $(ms) - T_START )) ms"; }

# ---- 1. deleting a netns with 10,000 services and live conntrack entries --
module_load
in_ns_count() {	# NETNS: services in its table
	in_ns "$1" "$SVCADM" save | grep -c '^service add'
}
node_create node
pods_create node pod1,10.244.0.11,fd00:244::11 pod2,10.244.0.12,fd00:244::12 \
	pod3,10.244.0.13,fd00:244::13 client,10.244.0.100,fd00:244::100
# another node with one pod, which must not notice
node_create node2
pods_create node2 pod4,10.244.0.14,fd00:244::14
for i in 1 2 3 4; do
	in_ns pod$i bash -c '"$1" serve --proto tcp --port 8080 --name $2 --daemon &&
		"$1" serve --proto udp --port 8080 --name $2 --daemon' _ "$VIPCHECK" \
		pod$i > /dev/null || die "servers on pod$i"
done
in_ns node2 "$SVCADM" restore <<'END' || die "restore node2"
service add keep-tcp proto tcp
frontend add keep-tcp clusterip 10.96.0.10:80
backend add keep-tcp 10.244.0.14:8080
service add keep-udp proto udp
frontend add keep-udp clusterip 10.96.0.10:53
backend add keep-udp 10.244.0.14:8080
END
keep_check() {	# the node2 services answer its own processes
	in_ns node2 bash -c '"$1" connect --proto tcp --addr 10.96.0.10 --port 80 \
		--count 10 --parallel 2 && "$1" connect --proto udp \
		--addr 10.96.0.10 --port 53 --count 10 --parallel 2' _ "$VIPCHECK"
}

# services i = 0..NSVC-1: TCP for even i, UDP for odd, 10.100.x.y:80,
# three backends on pod1..pod3
awk -v n="$NSVC" 'BEGIN {
	print "config set max-services " n + 10
	for (i = 0; i < n; i++) {
		s = sprintf("ns%d/svc%d:p", i % 100, i)
		printf "service add %s proto %s\n", s, i % 2 ? "udp" : "tcp"
		printf "frontend add %s clusterip 10.100.%d.%d:80\n", s, int(i / 250), i % 250 + 1
		for (b = 1; b <= 3; b++)
			printf "backend add %s 10.244.0.1%d:8080\n", s, b
	}
}' > "$WORK/big"
phase restore
t0=$(ms)
check "restore $NSVC services into node" in_ns node "$SVCADM" restore "$WORK/big"
echo "restore of $NSVC services: $(( $(ms) - t0 )) ms"
expect_eq "node holds $NSVC services" "$(in_ns_count node)" "$NSVC"

# unreplied-looking UDP entries live 30 s by default: under TCG the
# connections below can take longer than that, and the count must see all
in_ns node sysctl -qw net.netfilter.nf_conntrack_udp_timeout=600
# and a short TCP connection whose last ACK the node did not see sits in
# LAST_ACK (30 s) or CLOSE (10 s), not TIME_WAIT (120 s): CI once counted
# 405 of 406 for that
for s in syn_sent syn_recv fin_wait close_wait last_ack time_wait close; do
	in_ns node sysctl -qw net.netfilter.nf_conntrack_tcp_timeout_$s=600
done
# 400 short connections: 20 connections to each of services 0..19, each
# from its own source port (20000 + 20 i + k): a UDP socket's port is
# random, and two of the 20 to one UDP service share one with odds of 1 in
# 150 (1 in 15 over the 10 of them): one conntrack entry for two (CI
# counted 405 of 406 so, with the timeouts above in place)
for i in $(seq 0 19); do
	seq $((20000 + 20 * i)) $((20019 + 20 * i)) > "$WORK/sports$i"
done
out=$(in_ns client bash -c 'for i in $(seq 0 19); do
		p=tcp; [ $((i % 2)) = 1 ] && p=udp
		"$1" connect --proto $p --addr 10.100.0.$((i + 1)) --port 80 \
			--sport-list "$2/sports$i" --parallel 4 --timeout-ms 3000
	done' _ "$VIPCHECK" "$WORK")
expect_eq "400 connections to 20 of the services answered" \
	"$(echo "$out" | awk '$1 == "ok" { n += $2 } END { print n + 0 }')" 400
# held open: 4 TCP connections and 2 UDP streams (fixed source ports)
stop=$WORK/stop
in_ns client bash -c 'for i in 20 22 24 26; do
		"$1" hold --proto tcp --addr 10.100.0.$((i + 1)) --port 80 \
			--interval-ms 100 --until-file "$2" > "$3/hold$i" 2>&1 &
	done
	for i in 21 23; do
		"$1" udpstream --addr 10.100.0.$((i + 1)) --port 80 \
			--sport $((40000 + i)) --interval-ms 100 --until-file "$2" \
			> "$3/stream$i" 2>&1 &
	done
	wait' _ "$VIPCHECK" "$stop" "$WORK" &
for i in $(seq 1 40); do
	[ "$(cat "$WORK"/hold* | grep -c '^connected')" -ge 4 ] && break
	sleep 0.5
done
sleep 1
expect_eq "4 TCP connections held open" \
	"$(cat "$WORK"/hold* | grep -c '^connected')" 4
# the UDP streams' first datagrams are sent asynchronously (nothing says
# "sent" before they end): wait for the count rather than read it once
for i in $(seq 1 30); do
	ct=$(in_ns node sysctl -n net.netfilter.nf_conntrack_count)
	[ "$ct" -ge 406 ] && break
	sleep 0.5
done
echo "conntrack entries in node: $ct"
if [ "$ct" -lt 406 ]; then
	in_ns node conntrack -L 2>/dev/null |
		awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^dst=/) { print $1, $i; break } }' |
		sort | uniq -c | awk '{ printf " %s %s:%s", $1, $2, substr($3, 5) }
			END { print "" }' | sed 's/^/entries by protocol and VIP:/'
	echo "TCP states: $(in_ns node conntrack -L -p tcp 2>/dev/null |
		awk '{ print $4 }' | sort | uniq -c | tr -s ' \n' ' ')"
fi
expect_range "node has conntrack entries of all of them" "$ct" 406 100000
check "node2 serves before" keep_check

t0=$(ms)
check "delete the node netns with $NSVC services" ip netns delete node
echo "ip netns delete: $(( $(ms) - t0 )) ms"
check "node2 serves after" keep_check
touch "$stop"
wait
for f in "$WORK"/hold* "$WORK"/stream*; do
	echo "${f##*/}: $(grep -E '^(connected|sent|echoed|answered|disconnected)' "$f" | tr '\n' ' ')"
done
expect_eq "the UDP streams were answered before" \
	"$(cat "$WORK"/stream* | awk '$1 == "answered" && $2 > 0' | wc -l)" 2
in_ns node2 "$SVCADM" restore <<'END' || fail "node2: add after the delete"
service add more proto tcp
frontend add more clusterip 10.96.0.11:80
backend add more 10.244.0.14:8080
END
out=$(in_ns node2 "$VIPCHECK" connect --proto tcp --addr 10.96.0.11 --port 80 --count 5)
expect_eq "node2: a new service serves after the delete" "$(stat_of "$out" ok)" 5
expect_eq "node2 keeps its 3 services" "$(in_ns_count node2)" 3
t0=$(ms)
check "rmmod after the delete, node2 holding services" rmmod svcvip
echo "rmmod: $(( $(ms) - t0 )) ms"
check "module gone" bash -c '! grep -q "^svcvip " /proc/modules'

phase netns-delete
printf 'netns delete %s\n' client pod1 pod2 pod3 pod4 node2 | ip -batch -

# ---- 2. load/unload cycles ------------------------------------------------
# A node with the backends on lo; the loop runs in it (one process per
# step, busybox's insmod/rmmod when there is one: ~20 ms instead of ~100 ms
# per exec under TCG) and connects from it.
node_create cyc
ip -n cyc addr add 10.0.0.11/32 dev lo
ip -n cyc addr add fd00::11/128 dev lo nodad
in_ns cyc bash -c '"$1" serve --proto tcp --port 8080 --name cyc --daemon &&
	"$1" serve --proto udp --port 8080 --name cyc --daemon' _ "$VIPCHECK" \
	> /dev/null || die "servers in cyc"
cat > "$WORK/table" <<'END'
service add web-tcp proto tcp
frontend add web-tcp clusterip 10.96.0.10:80
frontend add web-tcp clusterip [fd00:96::10]:80
backend add web-tcp 10.0.0.11:8080
backend add web-tcp [fd00::11]:8080
service add web-udp proto udp scheduler rr
frontend add web-udp clusterip 10.96.0.10:53
frontend add web-udp clusterip [fd00:96::10]:53
backend add web-udp 10.0.0.11:8080
backend add web-udp [fd00::11]:8080 weight 2
service add web-sctp proto sctp affinity clientip
frontend add web-sctp clusterip 10.96.0.10:80
frontend add web-sctp nodeport 30080
backend add web-sctp 10.0.0.11:8080
END
ko=$WORK/svcvip.ko
cp "$SVCVIP_KO" "$ko"
bb=
[ -x /bin/busybox ] && /bin/busybox insmod --help 2>&1 | grep -qi usage && bb=/bin/busybox
phase cycles
t0=$(ms)
out=$(in_ns cyc bash -c '
	n=0
	for ((i = 1; i <= $1; i++)); do
		$2 insmod "$3" || break
		"$4" restore "$5" || break
		if [ $((i % 10)) = 0 ]; then
			o=$("$6" connect --proto tcp --addr 10.96.0.10 --port 80 \
				--count 2 --timeout-ms 3000) || { echo "cycle $i: tcp:" $o; break; }
			o=$("$6" connect --proto udp --addr fd00:96::10 --port 53 \
				--count 2 --timeout-ms 3000) || { echo "cycle $i: udp:" $o; break; }
		fi
		$2 rmmod svcvip || break
		n=$i
	done
	echo "cycles $n"' _ "$CYCLES" "$bb" "$ko" "$SVCADM" "$WORK/table" "$VIPCHECK" 2>&1)
t1=$(ms)
echo "$out"
n=$(echo "$out" | awk '$1 == "cycles" { print $2 }')
echo "load/unload cycles: ${n:-0} of $CYCLES in $((t1 - t0)) ms${bb:+ (busybox insmod/rmmod)}"
expect_eq "$CYCLES load/unload cycles with services (in $((t1 - t0)) ms)" "${n:-0}" "$CYCLES"
check "module loads again after the cycles" insmod "$SVCVIP_KO"
out=$(in_ns cyc "$SVCADM" save)
expect_eq "a fresh table after the cycles" "$(echo "$out" | grep -c '^service')" 0
check "and unloads" rmmod svcvip
phase end
rm -rf "$WORK"
