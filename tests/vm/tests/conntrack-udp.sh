# Stale UDP conntrack entries. A client that keeps its source port (as a
# DNS resolver does) never starts a new flow, so conntrack would keep
# translating it to the backend it first got. svcvip deletes such entries
# when the backend goes, when the service goes, when a frontend goes (its
# address given to another service reaches that service from the same port
# at once), and when a service gets its
# first backend after untranslated entries were made while it had none.
# TCP entries to a removed backend are left to finish.
. "$SVCVIP_TOP/tests/vm/lib.sh"

module_load
cluster_basic
in_ns node "$SVCADM" restore <<'END' || die "restore"
service add dns proto udp
frontend add dns clusterip 10.96.0.53:53
frontend add dns clusterip [fd00:96::53]:53
backend add dns 10.244.0.11:8080
backend add dns 10.244.0.12:8080
backend add dns 10.244.0.13:8080
backend add dns [fd00:244::11]:8080
backend add dns [fd00:244::12]:8080
backend add dns [fd00:244::13]:8080
END

# stream_start LOG STOPFILE ADDR SPORT: probes every 100 ms from one port
stream_start() {
	in_ns client "$VIPCHECK" udpstream --addr "$3" --port 53 --sport "$4" \
		--interval-ms 100 --timeout-ms 500 --until-file "$2" -v > "$1" 2>&1 &
}

# after_last LOG NAME: the fates of the probes after NAME's last answer
after_last() {
	awk -v n="$2" '$1 == "probe" { seq[$2] = $3; if ($3 == n) last = $2; if ($2 > max) max = $2 }
		END { for (i = last + 1; i <= max; i++) print seq[i] }' "$1"
}

removal() {	# removal FAMILY ADDR SPORT
	local fam=$1 addr=$2 sport=$3 log stop victim ip tail src
	log=$(mktemp) stop=$(mktemp -u)
	if [ "$fam" = ipv4 ]; then src=10.244.0.100; vip=$addr:53
	else src=[fd00:244::100]; vip=[$addr]:53; fi
	ip=$(in_ns node "$SVCADM" -n lookup udp "$vip" from "$src:$sport" |
		awk '$1 == "backend" { print $2 }')
	case $ip in
	*.11:*|*::11\]:*) victim=pod1 ;;
	*.12:*|*::12\]:*) victim=pod2 ;;
	*) victim=pod3 ;;
	esac
	stream_start "$log" "$stop" "$addr" "$sport"
	sleep 1.5
	check "$fam: remove $victim ($ip) while it serves the stream" \
		in_ns node "$SVCADM" backend del dns "$ip"
	sleep 2
	touch "$stop"
	wait
	tail=$(after_last "$log" "$victim")
	echo "$fam stream:"; grep -v '^probe' "$log"
	check "$fam: $victim answered first" grep -Eq "^names $victim(,|$)" "$log"
	expect_range "$fam: probes after $victim's last answer" \
		"$(echo "$tail" | grep -c .)" 15 1000
	expect_range "$fam: lost after it (gap <= 1 probe)" \
		"$(echo "$tail" | grep -c '^lost$')" 0 1
	expect_range "$fam: max_gap" "$(stat_of "$(cat "$log")" max_gap)" 0 1
	check "$fam: stream moved to another backend" \
		grep -Eq "^switch $victim pod[123] at" "$log"
	in_ns node "$SVCADM" backend add dns "$ip" >/dev/null || fail "$fam: re-add $ip"
}
removal ipv4 10.96.0.53 5353
removal ipv6 fd00:96::53 5354

# An established TCP connection to a removed backend keeps working: only
# UDP entries are deleted.
in_ns node "$SVCADM" restore <<'END' || die "restore tcp"
service add web proto tcp
frontend add web clusterip 10.96.0.10:80
backend add web 10.244.0.11:8080
backend add web 10.244.0.12:8080
END
hold_log=$(mktemp) stop=$(mktemp -u)
{
	in_ns client "$VIPCHECK" hold --proto tcp --addr 10.96.0.10 --port 80 \
		--interval-ms 100 --until-file "$stop"
	echo "exit $?"
} > "$hold_log" 2>&1 &
for _ in $(seq 1 100); do grep -q '^connected' "$hold_log" && break; sleep 0.1; done
held=$(awk '$1 == "connected" { print $2 }' "$hold_log")
check "tcp: connection held on $held" test -n "$held"
check "tcp: remove $held" in_ns node "$SVCADM" backend del web "10.244.0.1${held#pod}:8080"
# another UDP change triggers a sweep of the UDP service; TCP is untouched
check "udp change meanwhile" in_ns node "$SVCADM" backend set dns 10.244.0.11:8080 weight 2
sleep 2
touch "$stop"
wait
cat "$hold_log"
check "tcp: the held connection kept working" grep -qx 'failed 0' "$hold_log"
check_absent "tcp: and was not broken (hold ended, exit 0)" '^disconnected' '^identity ' \
	hold_result "$hold_log"

# Entries made while the service did not exist are untranslated; a service
# that gets a backend must not leave the client stuck on them.
log=$(mktemp) stop=$(mktemp -u)
stream_start "$log" "$stop" 10.96.0.54 5355
sleep 1.5
in_ns node "$SVCADM" restore <<'END' || fail "restore late"
service add late proto udp
frontend add late clusterip 10.96.0.54:53
END
sleep 1
check "late: first backend added" in_ns node "$SVCADM" backend add late 10.244.0.12:8080
sleep 2
touch "$stop"
wait
grep -v '^probe' "$log"
answered=$(stat_of "$(cat "$log")" answered)
expect_range "late: answered once the backend came" "$answered" 12 1000
# after the first answer, none lost
expect_eq "late: nothing lost after the first answer" \
	"$(awk '$1 == "probe" { if ($3 != "lost") on = 1; else if (on) n++ } END { print n + 0 }' "$log")" 0

# Deleting the service removes its entries too: a new service on the same
# address answers the same client port at once.
log=$(mktemp) stop=$(mktemp -u)
stream_start "$log" "$stop" 10.96.0.54 5356
sleep 1
check "late: service deleted" in_ns node "$SVCADM" service del late
in_ns node "$SVCADM" restore <<'END' || fail "restore again"
service add again proto udp
frontend add again clusterip 10.96.0.54:53
backend add again 10.244.0.13:8080
END
sleep 2
touch "$stop"
wait
grep -v '^probe' "$log"
check "again: the same port reaches the new service's backend" \
	grep -Eq '^switch pod2 pod3 at' "$log"

# A frontend removed (its service stays): the entries translated through it
# go with it, so the address given to another service reaches that
# service's backend from the same client port at once.
in_ns node "$SVCADM" restore <<'END' || die "restore fa/fb"
service add fa proto udp
frontend add fa clusterip 10.96.0.57:53
frontend add fa clusterip [fd00:96::57]:53
frontend add fa clusterip 10.96.0.58:53
backend add fa 10.244.0.11:8080
backend add fa [fd00:244::11]:8080
service add fb proto udp
frontend add fb clusterip 10.96.0.59:53
backend add fb 10.244.0.13:8080
backend add fb [fd00:244::13]:8080
END
# translated NETNS-ADDR: conntrack entries from the client to ADDR:53
# translated to pod1 (printed; the last line is their number)
translated() {
	in_ns node conntrack -L -p udp -f "$2" --orig-dst "$1" --dport 53 2>/dev/null |
		awk -v b="$3" '{ print } index($0, "src=" b " ") { n++ } END { print n + 0 }'
}
for fam in ipv4 ipv6; do
	if [ $fam = ipv4 ]; then vip=10.96.0.57 b=10.244.0.11; else vip=fd00:96::57 b=fd00:244::11; fi
	out=$(in_ns client "$VIPCHECK" udpstream --addr $vip --port 53 --sport 5357 \
		--interval-ms 100 --count 5 --timeout-ms 1000)
	check "frontend del ($fam): the stream is answered by fa's pod1" \
		grep -qx 'names pod1' <<<"$out"
	expect_eq "frontend del ($fam): its entry is translated to pod1" \
		"$(translated $vip $fam $b | tail -n 1)" 1
	check "frontend del ($fam): fa loses $vip:53" \
		in_ns node "$SVCADM" frontend del fa clusterip "$([ $fam = ipv4 ] && echo $vip || echo "[$vip]"):53"
	n=1
	for _ in $(seq 1 20); do
		n=$(translated $vip $fam $b | tail -n 1)
		[ "$n" = 0 ] && break
		sleep 0.1
	done
	expect_eq "frontend del ($fam): its translated entry is deleted" "$n" 0
	check "frontend del ($fam): fb takes $vip:53" \
		in_ns node "$SVCADM" frontend add fb clusterip "$([ $fam = ipv4 ] && echo $vip || echo "[$vip]"):53"
	out=$(in_ns client "$VIPCHECK" udpstream --addr $vip --port 53 --sport 5357 \
		--interval-ms 100 --count 5 --timeout-ms 1000)
	echo "$out"
	check "frontend del ($fam): the same client port reaches fb's pod3 from its first datagram" \
		grep -qx 'names pod3' <<<"$out"
	expect_eq "frontend del ($fam): nothing lost" "$(stat_of "$out" lost)" 0
done
