# The suite's kernel-log scanner (tests/vm/lib/kscan.sh) against fake
# reports written to /dev/kmsg: each kind of report it claims is caught by
# the first scan after it (reading by sequence number: one written after a
# scan is not lost, and the next scan does not report it again), benign
# lines are not, and a gap of dropped records is reported. The fake
# reports carry $T_KSCAN_TOKEN, which the suite leaves out of its own scan,
# so they do not fail the real suite.
. "$SVCVIP_TOP/tests/vm/lib.sh"
. "$SVCVIP_TOP/tests/vm/lib/kscan.sh"

tok=${T_KSCAN_TOKEN:-}
[ -n "$tok" ] || die "no T_KSCAN_TOKEN: run it through tests/vm/suite"
# writes to /dev/kmsg are rate-limited to a burst of 10 by default
old_devkmsg=$(cat /proc/sys/kernel/printk_devkmsg)
echo on > /proc/sys/kernel/printk_devkmsg || die "printk_devkmsg"
trap 'echo "$old_devkmsg" > /proc/sys/kernel/printk_devkmsg' EXIT

# KIND<TAB>a line as the kernel prints it
reports=$(cat <<'END'
WARNING	WARNING: CPU: 1 PID: 42 at net/netfilter/svcvip/table.c:100 svc_put+0x1c/0x40 [svcvip]
BUG	BUG: unable to handle page fault for address: ffffffffc0123456
Oops	Oops: 0000 [#1] PREEMPT SMP NOPTI
KASAN	BUG: KASAN: slab-use-after-free in svc_lookup+0x10/0x20 [svcvip]
UBSAN	UBSAN: shift-out-of-bounds in net/netfilter/svcvip/maglev.c:42:7
lockdep	WARNING: possible circular locking dependency detected
refcount_t	refcount_t: underflow; use-after-free.
kmemleak	kmemleak: 1 new suspected memory leaks (see /sys/kernel/debug/kmemleak)
general protection fault	general protection fault, probably for non-canonical address 0xdead000000000122: 0000 [#1] SMP NOPTI
unregister_netdevice	unregister_netdevice: waiting for v-pod1 to become free. Usage count = 2
soft lockup	watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [kworker/1:1:57]
RCU stall	rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:
RCU self-detected stall	rcu: INFO: rcu_sched self-detected stall on CPU
hung task	INFO: task kworker/u4:2:61 blocked for more than 120 seconds.
list_add corruption	list_add corruption. prev->next should be next (ffff888004a1c0c8), but was 0000000000000000. (prev=ffff888004a1c0c8).
list_del corruption	list_del corruption, ffff888004a1c0c8->next is LIST_POISON1 (dead000000000100)
END
)

# each kind, written after a scan, is caught by the next scan (the suite's
# kscan_scan, cursor and all) and not by the one after it
KSCAN_SEQ=$(kscan_last)
kscan_scan
i=0
while IFS=$'\t' read -r kind line; do
	i=$((i + 1))
	echo "<4>$line [$tok #$i]" > /dev/kmsg
done <<<"$reports"
kscan_scan
first=$KSCAN_REPORTS log=$KSCAN_LOG
kscan_scan
i=0
while IFS=$'\t' read -r kind line; do
	i=$((i + 1))
	mark="[$tok #$i]"
	if [[ $first == *"$mark"* ]]; then
		pass "caught: $kind"
	else
		fail "caught: $kind" "not reported: $line; records read: $(grep -F "$mark" <<<"$log")"
	fi
done <<<"$reports"
expect_eq "none reported again by the next scan" "$(grep -cF -- "[$tok #" <<<"$KSCAN_REPORTS")" 0
expect_eq "all $i kinds written" "$i" 16

# benign lines that tests cause every day
kscan_scan
for line in "IPv6: ADDRCONF(NETDEV_CHANGE): eth0: link becomes ready" \
	"v-pod1: entered promiscuous mode" "svcvip: loaded, version 1.0" \
	"nf_conntrack: default automatic helper assignment has been turned off"; do
	echo "<6>$line [$tok benign]" > /dev/kmsg
done
kscan_scan
expect_eq "4 benign lines read" "$(grep -cF "[$tok benign]" <<<"$KSCAN_LOG")" 4
expect_eq "benign lines are not reports" "$(grep -cF "[$tok benign]" <<<"$KSCAN_REPORTS")" 0

# records the ring buffer dropped before a scan could read them are
# reported: seen here with a stand-in for /dev/kmsg whose oldest record is
# 10 while the cursor is at 5
lost=$(kscan_records() { printf '%s\n' "10 a" "11 b"; }
	KSCAN_SEQ=5
	kscan_scan
	echo "$KSCAN_REPORTS|$KSCAN_SEQ")
expect_eq "records lost before a scan are reported" "$lost" "LOST 6..9|11"

# the suite leaves this test's fake reports out of its own scan
kscan_scan
echo "<4>WARNING: CPU: 0 PID: 1 at fake [$tok excluded]" > /dev/kmsg
kscan_scan "$tok"
expect_eq "the suite's scan leaves out the token's records" "$KSCAN_REPORTS" ""
expect_eq "... having read it" "$(grep -cF "[$tok excluded]" <<<"$KSCAN_LOG")" 1
