# Replacing a service's whole backend set 100 times (one atomic replace
# each) while a client makes 1,000 connections: none fails, because every
# set has live backends and the packet path never sees half a service.
. "$SVCVIP_TOP/tests/vm/lib.sh"

module_load
cluster_basic
sets=("11 12" "12 13" "11 13" "13" "11 12 13" "12")
table() {	# the table with backend set $1 (pod numbers)
	echo "service add web proto tcp"
	echo "frontend add web clusterip 10.96.0.10:80"
	for p in $1; do
		echo "backend add web 10.244.0.$p:8080"
	done
}
table "11 12 13" | in_ns node "$SVCADM" restore || die "restore"

# The client runs until both have happened: 100 replaces and 1,000
# connections, whichever is slower on this machine; then SIGTERM makes it
# print its summary. $! is the subshell running in_ns, not vipcheck, so the
# signal goes to vipcheck by name.
out_file=$(mktemp)
in_ns client "$VIPCHECK" connect --proto tcp --addr 10.96.0.10 --port 80 \
	--count 100000000 --interval-ms 20 --timeout-ms 5000 -v > "$out_file" &
client=$!
replaced=0
i=0
while [ $replaced -lt 100 ] || [ "$(grep -c '^attempt' "$out_file")" -lt 1000 ]; do
	kill -0 $client 2>/dev/null || break
	table "${sets[$((i % ${#sets[@]}))]}" |
		in_ns node "$SVCADM" restore --replace && replaced=$((replaced + 1))
	i=$((i + 1))
done
pkill -TERM -f 'vipcheck connect'
wait $client
out=$(grep -v '^attempt' "$out_file")
echo "$out"
echo "replaces during the run: $replaced"
expect_range "at least 100 atomic replaces while the client ran ($replaced)" \
	"$replaced" 100 100000
expect_range "at least 1000 connections answered during the replaces" \
	"$(stat_of "$out" ok)" 1000 100000000
expect_eq "no connection refused" "$(stat_of "$out" refused)" 0
expect_eq "no connection timed out" "$(stat_of "$out" timeout)" 0
