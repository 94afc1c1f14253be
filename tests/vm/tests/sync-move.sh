# Frontends moving between services with svcadm restore --replace never
# leave a moment where a packet to them finds no service: lib/sync.c sends
# the service taking a frontend as one REPLACE_SERVICE with
# SVCVIP_A_TAKEOVER, and the kernel moves it from its old owner in the
# same publish. Two services, web-a (pod1) and web-b (pod2), pass two
# cluster IPs back and forth (moves one way, the other way, and swaps)
# SVCVIP_SYNC_MOVES times (default 60) while two clients connect to them
# without pause: no connection may be refused or time out. An anchor
# service keeps port 81 of both addresses, so a packet that found no
# service would be refused at once (cluster-ips-check: a cluster IP on a
# port none of its frontends uses), not silently retried by TCP. The
# frontend limit is the table's count: a moved frontend counts once.
. "$SVCVIP_TOP/tests/vm/lib.sh"

moves=${SVCVIP_SYNC_MOVES:-60}
module_load
cluster_basic
# who holds 10.96.0.10:80 and 10.96.0.20:80, state by state
states=("a a" "a b" "b a" "b b" "a b" "b a")
table() {	# $1 $2: the owner (a or b) of .10 and of .20
	echo "service add anchor proto tcp"
	echo "frontend add anchor clusterip 10.96.0.10:81"
	echo "frontend add anchor clusterip 10.96.0.20:81"
	echo "backend add anchor 10.244.0.13:8080"
	echo "service add web-a proto tcp"
	echo "backend add web-a 10.244.0.11:8080"
	echo "service add web-b proto tcp"
	echo "backend add web-b 10.244.0.12:8080"
	echo "frontend add web-$1 clusterip 10.96.0.10:80"
	echo "frontend add web-$2 clusterip 10.96.0.20:80"
	echo "config set max-frontends 4"
}
# shellcheck disable=SC2086
table ${states[0]} | in_ns node "$SVCADM" restore || die "restore"

out10=$(mktemp)
out20=$(mktemp)
for addr in 10 20; do
	f=$out10
	[ $addr = 20 ] && f=$out20
	in_ns client "$VIPCHECK" connect --proto tcp --addr "10.96.0.$addr" --port 80 \
		--count 100000000 --parallel 2 --interval-ms 2 --timeout-ms 5000 --rst \
		-v > "$f" &
done
moved=0
errors=0
i=1
while [ $moved -lt "$moves" ]; do
	# shellcheck disable=SC2086
	if msg=$(table ${states[$((i % ${#states[@]}))]} |
		 in_ns node "$SVCADM" restore --replace 2>&1); then
		moved=$((moved + 1))
	else
		errors=$((errors + 1))
		echo "restore --replace: $msg"
		[ $errors -gt 5 ] && break
	fi
	i=$((i + 1))
done
# the last state: who holds what
want=${states[$(((i - 1) % ${#states[@]}))]}
pkill -TERM -f 'vipcheck connect'
wait
expect_eq "$moves changes of owner, each restore --replace succeeded" "$moved/$errors" \
	"$moves/0"
for addr in 10 20; do
	f=$out10
	[ $addr = 20 ] && f=$out20
	out=$(grep -v '^attempt ' "$f")
	slow=$(awk '$1 == "attempt" && $3 == "ok" && $NF >= 1000' "$f" | wc -l)
	echo "10.96.0.$addr:80: $(tr '\n' ' ' <<<"$out")slow $slow"
	expect_range "10.96.0.$addr:80: connections answered by web-a during the moves" \
		"$(count_of "$out" pod1)" 1 100000000
	expect_range "10.96.0.$addr:80: connections answered by web-b during the moves" \
		"$(count_of "$out" pod2)" 1 100000000
	expect_eq "10.96.0.$addr:80: no connection reached the anchor" \
		"$(count_of "$out" pod3)" 0
	expect_eq "10.96.0.$addr:80: no connection refused" "$(stat_of "$out" refused)" 0
	expect_eq "10.96.0.$addr:80: no connection timed out" "$(stat_of "$out" timeout)" 0
	expect_eq "10.96.0.$addr:80: no connection failed otherwise" \
		"$(stat_of "$out" error)" 0
	# a SYN that went out untranslated (or was dropped) is resent after
	# 1 s and then succeeds: that is a failure too
	expect_eq "10.96.0.$addr:80: no connection took 1 s or more (a SYN resent)" \
		"$slow" 0
done
# shellcheck disable=SC2086
set -- $want
check "10.96.0.10:80 ends with web-$1" grep -qx "service web-$1" \
	<<<"$(in_ns node "$SVCADM" -n lookup tcp 10.96.0.10:80 from 10.244.0.100)"
check "10.96.0.20:80 ends with web-$2" grep -qx "service web-$2" \
	<<<"$(in_ns node "$SVCADM" -n lookup tcp 10.96.0.20:80 from 10.244.0.100)"
rm -f "$out10" "$out20"
