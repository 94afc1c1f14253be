# A backend change on a large Maglev service (over 32,768 table slots)
# answers without building the table: an interim state borrows the last
# table, and a worker builds the real one. Checks, at 10,000 backends
# with 40 deletions, each after an addition that moves every later
# backend's index: while interim, no lookup chooses a deleted backend and
# no flow of a staying backend moves; GET_INFO's rebuilding goes back to 0; the table
# the worker ends with is the one a fresh build of the same backends
# gives (another netns restored from save); deleting the netns and
# unloading with a rebuild queued is clean (the suite scans dmesg).
. "$SVCVIP_TOP/tests/vm/lib.sh"

module_load
BENCH="python3 $SVCVIP_TOP/tests/vm/schedbench.py"

svcadm config set max-backends 20000 >/dev/null
svcadm service add big proto tcp
svcadm frontend add big clusterip 10.96.0.1:80
check "10,000 backends" $BENCH fill big 10000
check "a large table settles" $BENCH settle
expect_eq "svcadm version: rebuilding 0" \
	"$(svcadm version | awk '$1 == "rebuilding" { print $2 }')" 0

# The worker waits rebuild_delay_ms after the first change: long enough
# here that all 40 changes see one base table (a rebuild in between would
# itself move a few flows, so "moved while interim" would not be exact).
delay=/proc/sys/net/svcvip/rebuild_delay_ms
expect_eq "rebuild_delay_ms defaults to 20" "$(cat $delay)" 20
hold=10000
debug_kernel && hold=40000
echo $hold > $delay
out=$($BENCH rebuild-check big 10.96.0.1 80 400 40 --add)
rc=$?
echo 20 > $delay
grep -v ':' <<<"$out"
expect_eq "rebuild-check ran" "$rc" 0
val() { awk -v k="$1" -F'[= ]' '$1 == k { print $2 }' <<<"$out"; }
interim=$(val interim)
echo "$interim of 40 deletions were looked up in their interim state"
expect_eq "every deletion was looked up in its interim state" "$interim" 40
expect_eq "no lookup chose a deleted backend (interim)" "$(val to-deleted)" 0
expect_eq "no flow of a staying backend moved while interim" "$(val moved-interim)" 0
expect_eq "after the 80 changes, still interim: no staying backend's flow of 400 moved" \
	"$(val moved-interim-all)" 0
expect_eq "after the 80 changes, still interim: no flow of 400 on a deleted backend" \
	"$(val to-deleted-interim-all)" 0
expect_eq "no lookup chose a deleted backend (rebuilt)" "$(val to-deleted-final)" 0
moved=$(val moved-final)
# classic Maglev at 6.5 slots a backend: ~6/N of the flows per removal
expect_range "flows of staying backends that moved after 40 of 10,000 went (<= 10%)" \
	"$moved" 0 40
expect_eq "10,000 backends left" "$(svcadm save | grep -c '^backend add big ')" 10000

# the same backends built in one go in another netns choose alike
ip netns add fresh
svcadm save > /tmp/rebuild-save.txt
check "restore into a fresh netns" \
	ip netns exec fresh "$SVCADM" restore /tmp/rebuild-save.txt
ip netns exec fresh $BENCH settle >/dev/null
fresh=$(ip netns exec fresh $BENCH lookup 10.96.0.1 80 400)
expect_eq "400 flows choose as a fresh build of the same backends" \
	"$(grep ':' <<<"$out" | grep -v '=')" "$fresh"

# a change queues a rebuild; the netns and the module go with it queued
ip netns exec fresh $BENCH churn big 3 >/dev/null
check "netns deleted while a rebuild may run" ip netns del fresh
svcadm backend del big 10.100.0.5:8080
svcadm flush
