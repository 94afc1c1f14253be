# rmmod while services exist and TCP, UDP and SCTP traffic flows through
# them, in two netns at once: new connections in loops, a TCP connection
# and a UDP stream (one source port, like a DNS resolver's) held open, all
# running and answered up to the unload. No splat (the suite scans dmesg),
# and the module loads again and serves at once.
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
# a second netns with its own table and hooks
ip netns add other
ip -n other link set lo up
table | in_ns other "$SVCADM" restore || die "restore other"

stop=$(mktemp -u)
logs=$(mktemp -d)
for p in tcp udp sctp; do
	in_ns client "$VIPCHECK" connect --proto $p --addr 10.96.0.10 --port 80 \
		--count 100000 --parallel 2 --timeout-ms 500 > "$logs/$p" 2>&1 &
done
in_ns client "$VIPCHECK" connect --proto tcp --addr fd00:96::10 --port 80 \
	--count 100000 --timeout-ms 500 > "$logs/tcp6" 2>&1 &
in_ns client "$VIPCHECK" hold --proto tcp --addr 10.96.0.10 --port 80 \
	--interval-ms 50 --until-file "$stop" > "$logs/hold" 2>&1 &
in_ns client "$VIPCHECK" udpstream --addr 10.96.0.10 --port 80 --sport 40053 \
	--interval-ms 50 --until-file "$stop" > "$logs/stream" 2>&1 &
sleep 3
expect_eq "6 clients running at the unload (4 loops, a TCP hold, a UDP stream)" \
	"$(pgrep -fc "$VIPCHECK (connect|hold|udpstream)")" 6
check "rmmod under traffic" rmmod svcvip
sleep 2
touch "$stop"
pkill -f 'vipcheck connect'
wait
for f in tcp udp sctp tcp6 hold stream; do
	echo "$f: $(tr '\n' ' ' < "$logs/$f")"
done
for f in tcp udp sctp tcp6; do
	expect_range "$f connections answered before the unload" \
		"$(stat_of "$(cat "$logs/$f")" ok)" 1 100000
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
