# rmmod while services exist and TCP, UDP and SCTP traffic flows through
# them, in two nodes (netns, each with its pods, table and clients) at
# once: new connections in loops, a TCP connection and a UDP stream (one
# source port, like a DNS resolver's) held open, all running and answered
# continuously (no second without an answer) up to the unload. No splat
# (the suite scans dmesg), and the module loads again and serves at once.
. "$SVCVIP_TOP/tests/vm/lib.sh"

module_load
cluster_basic
table() {
	for p in tcp udp sctp; do
		echo "service add web-$p proto $p"
		echo "frontend add web-$p clusterip 10.96.0.10:80"
		echo "frontend add web-$p clusterip [fd00:96::10]:80"
		for i in 1 2 3; do
			echo "backend add web-$p 10.244.0.1$i:8080"
			echo "backend add web-$p [fd00:244::1$i]:8080"
		done
	done
}
table | in_ns node "$SVCADM" restore || die "restore"
# a second node with its own pods, table, hooks and clients
node_create other
pods_create other opod1,10.244.0.11,fd00:244::11 \
	opod2,10.244.0.12,fd00:244::12 opod3,10.244.0.13,fd00:244::13 \
	oclient,10.244.0.100,fd00:244::100
for i in 1 2 3; do
	for p in tcp udp sctp; do
		serve "opod$i" $p 8080 "opod$i"
	done
done
table | in_ns other "$SVCADM" restore || die "restore other"

stop=$(mktemp -u)
logs=$(mktemp -d)
loops="tcp udp sctp tcp6 other-tcp other-udp other-sctp"
for p in tcp udp sctp; do
	for c in client oclient; do
		f=$p
		[ $c = oclient ] && f=other-$p
		in_ns $c "$VIPCHECK" connect --proto $p --addr 10.96.0.10 --port 80 \
			--count 100000 --interval-ms 20 --timeout-ms 500 -v --stamp \
			> "$logs/$f" 2>&1 &
	done
done
in_ns client "$VIPCHECK" connect --proto tcp --addr fd00:96::10 --port 80 \
	--count 100000 --interval-ms 20 --timeout-ms 500 -v --stamp \
	> "$logs/tcp6" 2>&1 &
in_ns client "$VIPCHECK" hold --proto tcp --addr 10.96.0.10 --port 80 \
	--interval-ms 50 --until-file "$stop" > "$logs/hold" 2>&1 &
in_ns client "$VIPCHECK" udpstream --addr 10.96.0.10 --port 80 --sport 40053 \
	--interval-ms 50 --until-file "$stop" > "$logs/stream" 2>&1 &
sleep 4
expect_eq "9 clients running at the unload (7 loops, a TCP hold, a UDP stream)" \
	"$(pgrep -fc "$VIPCHECK (connect|hold|udpstream)")" 9
tu=$(date +%s%3N)
check "rmmod under traffic" rmmod svcvip
sleep 2
touch "$stop"
pkill -f 'vipcheck connect'
wait

# the debug kernel once stalled every flow at once for 1.4-2.2 s (the
# whole guest, not one node's NAT): a gap there may reach 3 s
maxgap=1000
debug_kernel && maxgap=3000

# longest_gap LOG: the longest time (ms) from an answered attempt's start
# to the next one's, or to the unload, among the attempts started before
# it; "none" without any
longest_gap() {
	awk '$1 == "attempt" && $3 == "ok" {
		for (i = 4; i < NF; i++) if ($i == "at") print $(i + 1) }' "$1" |
	sort -n | awk -v tu="$tu" '$1 > tu { exit }
		n++ && $1 - prev > g { g = $1 - prev } { prev = $1 }
		END { if (!n) { print "none"; exit }
		      if (tu - prev > g) g = tu - prev; print g + 0 }'
}
for f in $loops hold stream; do
	echo "$f: $(grep -v '^attempt ' "$logs/$f" | tr '\n' ' ')"
done
for f in $loops; do
	gap=$(longest_gap "$logs/$f")
	echo "$f: longest time without an answer before the unload: $gap ms"
	expect_range "$f: at least 10 connections answered before the unload" \
		"$(stat_of "$(cat "$logs/$f")" ok)" 10 100000
	expect_range "$f: answered continuously up to the unload (gap <= $maxgap ms)" \
		"$gap" 0 "$maxgap"
done
check "the TCP connection was held open" grep -q '^connected ' "$logs/hold"
expect_range "the UDP stream was answered" \
	"$(stat_of "$(cat "$logs/stream")" answered)" 1 100000

check "module loads again" insmod "$SVCVIP_KO"
table | in_ns node "$SVCADM" restore || fail "restore after reload"
out=$(in_ns client "$VIPCHECK" connect --proto tcp --addr 10.96.0.10 \
	--port 80 --count 20)
expect_eq "serves again after reload" "$(stat_of "$out" ok)" 20
check "rmmod again" rmmod svcvip
