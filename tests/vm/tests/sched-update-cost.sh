# One backend change on a 10,000-backend Maglev service answers in 10 ms
# (median; 30 ms p99) without building the 65,521-slot table (a worker
# does, after an interim state is published), and holds the netns lock
# for O(1): a writer to a small service of the same netns (another
# process) is not held up. Prints median/p99 for the report.
. "$SVCVIP_TOP/tests/vm/lib.sh"

module_load
BENCH="python3 $SVCVIP_TOP/tests/vm/schedbench.py"
scale=1
debug_kernel && scale=8

svcadm config set max-backends 20000 >/dev/null
svcadm service add big proto tcp
svcadm frontend add big clusterip 10.96.0.1:80
svcadm service add small proto tcp
svcadm frontend add small clusterip 10.96.0.2:80
svcadm backend add small 10.99.0.1:8080
check "10,000 backends" $BENCH fill big 10000

# The changes alone (their latency), then with the small writer running
# in another process (its delay; on 2 vCPUs its loop also takes CPU from
# the changes, which are printed but not judged there).
out=$($BENCH churn big 300)
echo "$out"
field() { awk -v k="$1" -v f="$2" '$1 == k { for (i = 2; i <= NF; i++) if (index($i, f "=") == 1) print int(substr($i, length(f) + 2) + 0.999) }' <<<"$out"; }
med=$(field op median); p99=$(field op p99)
out=$($BENCH churn big 300 --small small)
echo "$out" | sed 's/^op /op-with-small-writer /'
alone=$(field small-alone median); smed=$(field small median)
echo "one backend change at 10,000 backends: median $med ms, p99 $p99 ms;" \
	"small-service writer: median $alone ms alone, $smed ms during the changes"
small99=$(field small p99); alone99=$(field small-alone p99)
echo "small-service writer p99: $alone99 ms alone, $small99 ms during the changes"
# Before: median 1.9 s, the small writer 1.4 s (the build under the lock);
# then 20 ms (the Maglev build in the request, the copy under the lock).
# Now the table is built by a worker after the change is published with
# an interim state, and the copy runs without the lock.
expect_range "one change: median <= $((10 * scale)) ms" "$med" 0 $((10 * scale))
expect_range "one change: p99 <= $((30 * scale)) ms" "$p99" 0 $((30 * scale))
expect_range "small-service writer delayed by <= $((10 * scale)) ms (median)" \
	"$((smed - alone))" -1000 $((10 * scale))
# A service set builds the whole state, the 65,521-slot Maglev table
# included, on a reference without the lock: the small writer is not
# held up by it either (it was, by the whole build, before).
out=$($BENCH svcset big 30 --small small)
echo "$out" | sed 's/^op /service-set /'
alone=$(field small-alone median); smed=$(field small median)
echo "service set at 10,000 backends: median $(field op median) ms; small-service writer: median $alone ms alone, $smed ms during the sets"
expect_range "small-service writer delayed by <= $((10 * scale)) ms (median) during service sets" \
	"$((smed - alone))" -1000 $((10 * scale))
# So does a REPLACE_SERVICE of all 10,000 backends in one message (restore
# --replace, svcsyncd's resync): its state is built with the lock dropped
# too (before: under the lock, the small writer waiting for the whole build)
out=$($BENCH replace big 20 10000 --small small)
echo "$out" | sed 's/^op /replace /'
alone=$(field small-alone median); smed=$(field small median)
echo "replace at 10,000 backends: median $(field op median) ms; small-service writer: median $alone ms alone, $smed ms during the replaces (p99 $(field small p99) ms)"
# judged at p99: a replace takes ~320 ms, of which the build under the lock
# (before) was ~15 ms, so few small writes met it (p99: 27 ms before)
expect_range "small-service writer delayed by <= $((15 * scale)) ms (p99) during whole-service replaces" \
	"$(( $(field small p99) - $(field small-alone p99) ))" -1000 $((15 * scale))
check "the table settles after the changes" $BENCH settle
expect_eq "10,000 backends left" "$(svcadm save | grep -c '^backend add big ')" 10000
svcadm flush
