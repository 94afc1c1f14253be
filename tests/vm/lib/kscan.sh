# shellcheck shell=bash
# The kernel-log scanner of tests/vm/suite, sourced by it and by the test
# that checks it (tests/vm/tests/kernel-log-scan.sh). It reads /dev/kmsg by
# sequence number instead of clearing the log: a report that arrives after
# one scan is seen by the next, never erased.

# What fails a test: every kind of kernel report a bug of ours can cause.
KSCAN_RE='WARNING:|\bBUG\b|Oops|KASAN|UBSAN|lockdep|possible recursive locking'
KSCAN_RE+='|refcount_t|kmemleak|general protection fault|Call Trace:'
KSCAN_RE+='|unregister_netdevice: waiting for|soft lockup|hard LOCKUP'
KSCAN_RE+='|rcu: INFO: .*stall|self-detected stall|detected (expedited )?stalls on'
KSCAN_RE+='|blocked for more than [0-9]+ seconds|list_(add|del) corruption'

# kscan_records: every record still in the kernel's buffer as "SEQ MESSAGE"
# (continuation lines dropped). O_NONBLOCK: ends at the newest record.
kscan_records() {
	dd if=/dev/kmsg iflag=nonblock bs=65536 2>/dev/null |
		awk '/^ / { next }
		{ i = index($0, ";"); split(substr($0, 1, i - 1), h, ",")
		  print h[2], substr($0, i + 1) }'
}

# kscan_last: the sequence number of the newest record
kscan_last() {
	kscan_records | awk 'END { print ($1 == "" ? -1 : $1) }'
}

# kscan_since SEQ: the records after SEQ, as "SEQ MESSAGE"; when records
# after SEQ were overwritten before this read, a first line
# "LOST first..last" says which.
kscan_since() {
	kscan_records | awk -v s="$1" '
		$1 > s { if (!n++ && $1 > s + 1) print "LOST " s + 1 ".." $1 - 1; print }'
}

# kscan_filter [EXCLUDE]: the lines of stdin (kscan_since's) that are
# kernel reports (KSCAN_RE), and a LOST line; lines containing EXCLUDE (a
# token only the scanner's own test writes) are left out.
kscan_filter() {
	grep -E "^LOST |$KSCAN_RE" | if [ -n "${1:-}" ]; then grep -vF -- "$1"; else cat; fi
}

# kscan_reports SEQ [EXCLUDE]: the reports after SEQ
kscan_reports() {
	kscan_since "$1" | kscan_filter "${2:-}"
}

# kscan_scan [EXCLUDE]: what the suite runs after each test. Reads the
# records after KSCAN_SEQ once: KSCAN_LOG gets them, KSCAN_REPORTS the
# reports among them, and KSCAN_SEQ moves to the last one read, so each
# record is scanned exactly once, whenever it arrived.
kscan_scan() {
	KSCAN_LOG=$(kscan_since "$KSCAN_SEQ")
	KSCAN_REPORTS=$(kscan_filter "${1:-}" <<<"$KSCAN_LOG")
	KSCAN_SEQ=$(awk -v s="$KSCAN_SEQ" 'NF && $1 != "LOST" { s = $1 } END { print s }' \
		<<<"$KSCAN_LOG")
}
