# Removing a backend, or setting its weight to 0: new connections never go
# to it, and an established TCP connection to it keeps working until it
# closes (conntrack keeps translating it; svcvip only decides first packets).
. "$SVCVIP_TOP/tests/vm/lib.sh"

module_load
cluster_basic
in_ns node "$SVCADM" restore <<'END' || die "restore"
service add web proto tcp scheduler rr
frontend add web clusterip 10.96.0.10:80
backend add web 10.244.0.11:8080
backend add web 10.244.0.12:8080
backend add web 10.244.0.13:8080
END
stop=$(mktemp -u)

# hold_start LOGFILE: an established connection echoing every 100 ms;
# prints the backend it reached
hold_start() {
	{
		in_ns client "$VIPCHECK" hold --proto tcp --addr 10.96.0.10 --port 80 \
			--interval-ms 100 --until-file "$stop"
		echo "exit $?"
	} > "$1" 2>&1 &
	for _ in $(seq 1 100); do
		grep -q '^connected' "$1" && break
		sleep 0.1
	done
	awk '$1 == "connected" { print $2 }' "$1"
}

hold_log=$(mktemp)
victim=$(hold_start "$hold_log")
[ -n "$victim" ] || die "hold did not connect: $(cat "$hold_log")"
echo "held connection is on $victim"
ip=10.244.0.1${victim#pod}
check "remove the held backend" in_ns node "$SVCADM" backend del web "$ip:8080"
sleep 1
out=$(in_ns client "$VIPCHECK" connect --proto tcp --addr 10.96.0.10 \
	--port 80 --count 30)
expect_eq "removed: 30 new connections answered" "$(stat_of "$out" ok)" 30
expect_eq "removed: none reached $victim" "$(count_of "$out" "$victim")" 0

# weight 0 on a second backend while another connection is held on it
hold2_log=$(mktemp)
stop_first=$stop
stop=$(mktemp -u)
for _ in 1 2 3 4; do	# rr: within a few tries the next one lands elsewhere
	drained=$(hold_start "$hold2_log")
	[ "$drained" != "$victim" ] && break
done
ip2=10.244.0.1${drained#pod}
check "weight 0 on $drained" in_ns node "$SVCADM" backend set web "$ip2:8080" weight 0
out=$(in_ns client "$VIPCHECK" connect --proto tcp --addr 10.96.0.10 \
	--port 80 --count 30)
expect_eq "weight 0: 30 new connections answered" "$(stat_of "$out" ok)" 30
expect_eq "weight 0: none reached $drained" "$(count_of "$out" "$drained")" 0
sleep 1

touch "$stop_first" "$stop"
# the holds are not this shell's children (started in $(...)): wait for
# their last line
echo "first hold:"; hold_result "$hold_log"
echo "second hold:"; hold_result "$hold2_log"
expect_eq "held connection to the removed backend: no echo lost" \
	"$(awk '$1 == "failed" { print $2 }' "$hold_log")" 0
check "held connection to the removed backend stayed up" \
	grep -q '^echoed [1-9]' "$hold_log"
check "held connection stayed on $victim" grep -qx "identity $victim" "$hold_log"
check_absent "no disconnect of the removed backend's connection (hold ended, exit 0)" \
	'^disconnected' '^identity ' hold_result "$hold_log"
expect_eq "held connection to the weight-0 backend: no echo lost" \
	"$(awk '$1 == "failed" { print $2 }' "$hold2_log")" 0
check_absent "no disconnect of the weight-0 backend's connection (hold ended, exit 0)" \
	'^disconnected' '^identity ' hold_result "$hold2_log"
