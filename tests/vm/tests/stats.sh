# Counters: per service and per backend, connections, packets and bytes in
# each direction, equal to what was sent; current connections per backend
# (ActConn = TCP ESTABLISHED, InActConn = the rest), so a drained backend
# can be watched going to 0. Packets and bytes are checked against
# conntrack's own accounting of the same connections, and UDP bytes
# against the arithmetic of the datagrams sent.
. "$SVCVIP_TOP/tests/vm/lib.sh"

module_load
cluster_basic
# conntrack's accounting is the reference; its entries must outlive the
# test on a slow (debug) kernel: UDP entries go after 30 s by default
in_ns node sysctl -qw net.netfilter.nf_conntrack_acct=1 \
	net.netfilter.nf_conntrack_udp_timeout=600 \
	net.netfilter.nf_conntrack_udp_timeout_stream=600 \
	net.netfilter.nf_conntrack_tcp_timeout_time_wait=600 || die "acct"
# packet and byte counters are opt-in (config set packet-stats on)
in_ns node "$SVCADM" restore <<'END' || die "restore"
config set packet-stats on
service add echo proto tcp scheduler rr
frontend add echo clusterip 10.96.0.10:80
backend add echo 10.244.0.11:8080
backend add echo 10.244.0.12:8080
backend add echo 10.244.0.13:8080
service add echo-udp proto udp scheduler rr
frontend add echo-udp clusterip 10.96.0.53:53
frontend add echo-udp clusterip [fd00:96::53]:53
backend add echo-udp 10.244.0.11:8080
backend add echo-udp 10.244.0.12:8080
backend add echo-udp 10.244.0.13:8080
backend add echo-udp [fd00:244::11]:8080
END

# stats_of SERVICE ADDR:PORT COLUMN: a number from `svcadm -n stats`
# (columns: conns pkts_in pkts_out bytes_in bytes_out act inact); ADDR:PORT
# "-" is the service's own row
stats_of() {
	echo "$STATS" | awk -v svc="$1" -v be="$2" -v col="$3" '
		$1 == svc { in_svc = 1; if (be == "-") { print $(col + 1); exit } ; next }
		$1 != "->" { in_svc = 0 }
		in_svc && $1 == "->" && $2 == be { print $(col + 2); exit }'
}
C_CONNS=1 C_PIN=2 C_POUT=3 C_BIN=4 C_BOUT=5 C_ACT=6 C_INACT=7

# acct_of DST PROTO BACKEND: "pkts_in bytes_in pkts_out bytes_out" summed
# over conntrack's entries to DST translated to BACKEND (address)
acct_of() {
	in_ns node conntrack -L -p "$2" -d "$1" 2>/dev/null | awk -v be="$3" '
		{ n = 0; src2 = ""; split("", p); split("", b)
		  for (i = 1; i <= NF; i++) {
			if ($i ~ /^src=/) { s++; if (s == 2) src2 = substr($i, 5) }
			if ($i ~ /^packets=/) p[++n] = substr($i, 9)
			if ($i ~ /^bytes=/) b[n] = substr($i, 7)
		  }
		  s = 0
		  if (src2 == be) { pi += p[1]; bi += b[1]; po += p[2]; bo += b[2] } }
		END { printf "%d %d %d %d\n", pi, bi, po, bo }'
}

# 99 TCP connections, 1 KiB each way, round robin: 33 per backend
out=$(in_ns client "$VIPCHECK" connect --proto tcp --addr 10.96.0.10 --port 80 \
	--count 99 --payload 1024)
expect_eq "tcp: 99 connections answered" "$(stat_of "$out" ok)" 99
# UDP: 30 requests of 1 + 1024 bytes, 10 per backend; and 10 over IPv6
out=$(in_ns client "$VIPCHECK" connect --proto udp --addr 10.96.0.53 --port 53 \
	--count 30 --payload 1024)
expect_eq "udp: 30 requests answered" "$(stat_of "$out" ok)" 30
out=$(in_ns client "$VIPCHECK" connect --proto udp --addr fd00:96::53 --port 53 \
	--count 10 --payload 1024)
expect_eq "udp ipv6: 10 requests answered" "$(stat_of "$out" ok)" 10
sleep 0.5
STATS=$(in_ns node "$SVCADM" -n stats)
echo "$STATS"

expect_eq "tcp: service conns" "$(stats_of echo - $C_CONNS)" 99
for i in 1 2 3; do
	be=10.244.0.1$i:8080
	expect_eq "tcp: $be conns" "$(stats_of echo $be $C_CONNS)" 33
	read -r pi bi po bo <<<"$(acct_of 10.96.0.10 tcp 10.244.0.1$i)"
	expect_eq "tcp: $be in packets = conntrack's" "$(stats_of echo $be $C_PIN)" "$pi"
	expect_eq "tcp: $be in bytes = conntrack's" "$(stats_of echo $be $C_BIN)" "$bi"
	expect_eq "tcp: $be out packets = conntrack's" "$(stats_of echo $be $C_POUT)" "$po"
	expect_eq "tcp: $be out bytes = conntrack's" "$(stats_of echo $be $C_BOUT)" "$bo"
	# 33 KiB of payload each way, plus at most 80 bytes of headers a packet
	b=$(stats_of echo $be $C_BIN) p=$(stats_of echo $be $C_PIN)
	expect_range "tcp: $be in bytes hold the 33 KiB sent" "$b" \
		$((33 * 1024 + p * 52)) $((33 * 1024 + p * 80))
	expect_eq "tcp: $be no connection established any more" \
		"$(stats_of echo $be $C_ACT)" 0
	expect_eq "tcp: $be 33 closed ones still tracked (TIME_WAIT)" \
		"$(stats_of echo $be $C_INACT)" 33
done
expect_eq "tcp: service in packets = sum of backends'" "$(stats_of echo - $C_PIN)" \
	$(( $(stats_of echo 10.244.0.11:8080 $C_PIN) + $(stats_of echo 10.244.0.12:8080 $C_PIN) + \
	    $(stats_of echo 10.244.0.13:8080 $C_PIN) ))

for i in 1 2 3; do
	be=10.244.0.1$i:8080
	expect_eq "udp: $be conns" "$(stats_of echo-udp $be $C_CONNS)" 10
	expect_eq "udp: $be in packets" "$(stats_of echo-udp $be $C_PIN)" 10
	expect_eq "udp: $be out packets" "$(stats_of echo-udp $be $C_POUT)" 10
	# 20 (IPv4) + 8 (UDP) + 1 + 1024 bytes a request
	expect_eq "udp: $be in bytes" "$(stats_of echo-udp $be $C_BIN)" $((10 * 1053))
	read -r pi bi po bo <<<"$(acct_of 10.96.0.53 udp 10.244.0.1$i)"
	expect_eq "udp: $be out bytes = conntrack's" "$(stats_of echo-udp $be $C_BOUT)" "$bo"
	expect_eq "udp: $be current flows are inactive" "$(stats_of echo-udp $be $C_INACT)" 10
done
be=[fd00:244::11]:8080
expect_eq "udp ipv6: $be conns" "$(stats_of echo-udp $be $C_CONNS)" 10
# 40 (IPv6) + 8 + 1 + 1024
expect_eq "udp ipv6: $be in bytes" "$(stats_of echo-udp $be $C_BIN)" $((10 * 1073))
expect_eq "udp: service conns" "$(stats_of echo-udp - $C_CONNS)" 40

# Counters survive an atomic replace that keeps the backends
in_ns node "$SVCADM" restore --replace <<'END' || fail "replace"
service add echo proto tcp scheduler rr
frontend add echo clusterip 10.96.0.10:80
backend add echo 10.244.0.11:8080
backend add echo 10.244.0.12:8080
backend add echo 10.244.0.13:8080
END
STATS=$(in_ns node "$SVCADM" -n stats echo)
expect_eq "replace kept 10.244.0.11:8080's conns" \
	"$(stats_of echo 10.244.0.11:8080 $C_CONNS)" 33
expect_eq "replace: the removed service is gone" \
	"$(in_ns node "$SVCADM" -n stats echo-udp 2>&1 | grep -c 'no such service')" 1

# Draining: 5 connections held on one backend, then weight 0: it shows 5
# current connections, and 0 once they close
in_ns node "$SVCADM" restore <<'END' || fail "drain service"
service add drain proto tcp
frontend add drain clusterip 10.96.0.20:80
backend add drain 10.244.0.11:8080
END
stop=$(mktemp -u)
for i in 1 2 3 4 5; do
	in_ns client "$VIPCHECK" hold --proto tcp --addr 10.96.0.20 --port 80 \
		--interval-ms 200 --until-file "$stop" > "$stop.$i" 2>&1 &
done
for _ in $(seq 1 100); do
	[ "$(cat "$stop".? | grep -c '^connected')" = 5 ] && break
	sleep 0.1
done
in_ns node "$SVCADM" backend add drain 10.244.0.12:8080 || fail "add"
check "weight 0 on the busy backend" \
	in_ns node "$SVCADM" backend set drain 10.244.0.11:8080 weight 0
STATS=$(in_ns node "$SVCADM" -n stats drain)
echo "$STATS"
expect_eq "drain: 5 established on the drained backend" \
	"$(stats_of drain 10.244.0.11:8080 $C_ACT)" 5
expect_eq "drain: none on the other" "$(stats_of drain 10.244.0.12:8080 $C_ACT)" 0
js=$(in_ns node "$SVCADM" -j stats drain)
expect_eq "drain: json says the same" "$(python3 -c '
import json, sys
for s in json.loads(sys.argv[1]):
    for b in s["backends"]:
        if b["addr"] == "10.244.0.11":
            print(b["stats"]["active_conns"], b["weight"])' "$js" 2>&1)" "5 0"
touch "$stop"
wait
sleep 0.5
STATS=$(in_ns node "$SVCADM" -n stats drain)
echo "$STATS"
expect_eq "drain: 0 established once they closed" \
	"$(stats_of drain 10.244.0.11:8080 $C_ACT)" 0
expect_eq "drain: the 5 closed ones still in TIME_WAIT" \
	"$(stats_of drain 10.244.0.11:8080 $C_INACT)" 5

out=$(in_ns node "$SVCADM" stats nosuch 2>&1); rc=$?
expect_eq "stats of a missing service: exit 1" "$rc" 1
check "stats of a missing service: says so" grep -q 'nosuch.*no such service' <<<"$out"
