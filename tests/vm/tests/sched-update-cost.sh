# One backend change on a 10,000-backend Maglev service costs about one
# table build (~65,521 slots), not a table of 1.6 M slots per change, and
# the build runs without the netns lock: a writer to a small service of
# the same netns is not held up by it. Prints median/p99 for the report.
. "$SVCVIP_TOP/tests/vm/lib.sh"

module_load
BENCH="python3 $SVCVIP_TOP/tests/vm/schedbench.py"
scale=1
[ -e /sys/kernel/debug/kmemleak ] && scale=8

svcadm config set max-backends 20000 >/dev/null
svcadm service add big proto tcp
svcadm frontend add big clusterip 10.96.0.1:80
svcadm service add small proto tcp
svcadm frontend add small clusterip 10.96.0.2:80
svcadm backend add small 10.99.0.1:8080
check "10,000 backends" $BENCH fill big 10000

out=$($BENCH churn big 90 --small small)
echo "$out"
field() { awk -v k="$1" -v f="$2" '$1 == k { for (i = 2; i <= NF; i++) if (index($i, f "=") == 1) print int(substr($i, length(f) + 2) + 0.999) }' <<<"$out"; }
med=$(field op median); p99=$(field op p99)
alone=$(field small-alone median); smed=$(field small median)
echo "one backend change at 10,000 backends: median $med ms, p99 $p99 ms;" \
	"small-service writer: median $alone ms alone, $smed ms during the changes"
# Before: median 1.9 s, the small writer 1.4 s. The issue asks for 10 ms
# median, 30 ms p99; the shared TCG guest measured 46 ms median and p99
# outliers of seconds when the host is loaded, so these bounds only
# guard against the old cost (p99 is printed, not asserted).
expect_range "one change: median <= $((150 * scale)) ms" "$med" 0 $((150 * scale))
expect_range "small-service writer delayed by <= $((40 * scale)) ms (median)" \
	"$((smed - alone))" -1000 $((40 * scale))
expect_eq "10,000 backends left" "$(svcadm save | grep -c '^backend add big ')" 10000
svcadm flush
