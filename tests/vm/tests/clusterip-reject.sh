# A service with no usable backend tells the client at once: TCP gets a
# RST (refused well under 1 s), UDP an ICMP port unreachable, counted by
# the node's ICMP statistics, SCTP an ABORT. Weight 0 everywhere = no
# usable backend too. From the node itself the same: "refused", not EPERM.
. "$SVCVIP_TOP/tests/vm/lib.sh"

module_load
cluster_basic
in_ns node "$SVCADM" restore <<'END' || die "restore"
service add empty-tcp proto tcp
frontend add empty-tcp clusterip 10.96.0.20:80
frontend add empty-tcp clusterip [fd00:96::20]:80
service add empty-udp proto udp
frontend add empty-udp clusterip 10.96.0.20:53
frontend add empty-udp clusterip [fd00:96::20]:53
service add empty-sctp proto sctp
frontend add empty-sctp clusterip 10.96.0.20:80
frontend add empty-sctp clusterip [fd00:96::20]:80
service add drained proto tcp
frontend add drained clusterip 10.96.0.21:80
backend add drained 10.244.0.11:8080 weight 0
backend add drained 10.244.0.12:8080 weight 0
END

icmp_out() {	# node's ICMP(v6) destination unreachables sent
	in_ns node nstat -az "$1" | awk -v k="$1" '$1 == k { print $2 }'
}

for fam in 4 6; do
	if [ $fam = 4 ]; then vip=10.96.0.20; else vip=fd00:96::20; fi
	for from in client node; do
		out=$(in_ns "$from" "$VIPCHECK" connect --proto tcp --addr $vip \
			--port 80 --count 5 --timeout-ms 3000)
		expect_eq "tcp IPv$fam from $from: refused" "$(stat_of "$out" refused)" 5
		ms=$(stat_of "$out" elapsed_ms)
		expect_range "tcp IPv$fam from $from: 5 refusals in under 1 s" "$ms" 0 999
	done
	if [ $fam = 4 ]; then ctr=IcmpOutDestUnreachs; else ctr=Icmp6OutDestUnreachs; fi
	before=$(icmp_out $ctr)
	out=$(in_ns client "$VIPCHECK" connect --proto udp --addr $vip --port 53 \
		--count 5 --timeout-ms 3000)
	after=$(icmp_out $ctr)
	expect_eq "udp IPv$fam: refused by ICMP" "$(stat_of "$out" refused)" 5
	expect_range "udp IPv$fam: node sent ICMP port unreachables" \
		$((after - before)) 5 5
	ms=$(stat_of "$out" elapsed_ms)
	expect_range "udp IPv$fam: refusals in under 1 s" "$ms" 0 999
	out=$(in_ns client "$VIPCHECK" connect --proto sctp --addr $vip --port 80 \
		--count 3 --timeout-ms 3000)
	expect_eq "sctp IPv$fam: refused (ABORT)" "$(stat_of "$out" refused)" 3
	expect_range "sctp IPv$fam: refusals in under 1 s" \
		"$(stat_of "$out" elapsed_ms)" 0 999
	out=$(in_ns node "$VIPCHECK" connect --proto udp --addr $vip --port 53 \
		--count 3 --timeout-ms 3000)
	expect_eq "udp IPv$fam from node: refused" "$(stat_of "$out" refused)" 3
done

out=$(in_ns client "$VIPCHECK" connect --proto tcp --addr 10.96.0.21 \
	--port 80 --count 3 --timeout-ms 3000)
expect_eq "all backends at weight 0: refused" "$(stat_of "$out" refused)" 3
out=$(in_ns node "$SVCADM" lookup tcp 10.96.0.21:80)
check "lookup says reject, no backends" \
	grep -qzE 'verdict reject.*reason no-backends' <<<"$out"

# the first backend makes it work, at once
in_ns node "$SVCADM" backend add empty-tcp 10.244.0.11:8080
out=$(in_ns client "$VIPCHECK" connect --proto tcp --addr 10.96.0.20 \
	--port 80 --count 3)
expect_eq "first backend added: answered" "$(stat_of "$out" ok)" 3
