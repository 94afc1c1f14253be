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

# The client paces itself so that its 1,000 connections span the replaces;
# the replacer keeps going for as long as the client runs.
out_file=$(mktemp)
in_ns client "$VIPCHECK" connect --proto tcp --addr 10.96.0.10 --port 80 \
	--count 1000 --interval-ms 80 --timeout-ms 5000 > "$out_file" &
client=$!
replaced=0
i=0
while kill -0 $client 2>/dev/null; do
	table "${sets[$((i % ${#sets[@]}))]}" |
		in_ns node "$SVCADM" restore --replace && replaced=$((replaced + 1))
	i=$((i + 1))
done
wait $client
out=$(cat "$out_file")
echo "$out"
echo "replaces during the run: $replaced"
expect_range "at least 100 atomic replaces while the client ran ($replaced)" \
	"$replaced" 100 100000
expect_eq "1000 connections answered during the replaces" \
	"$(stat_of "$out" ok)" 1000
expect_eq "no connection refused" "$(stat_of "$out" refused)" 0
expect_eq "no connection timed out" "$(stat_of "$out" timeout)" 0
