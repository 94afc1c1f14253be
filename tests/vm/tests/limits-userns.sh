# suite-timeout: 900
# Limits a user namespace cannot escape (issue 10 §1). A tenant: a netns
# owned by another user namespace (unshare -Urn, what Debian lets every
# user do), its commands run inside a memory cgroup with memory.max 64 MiB.
# - raising any limit past its module-wide ceiling (net.svcvip.*, which
#   only CAP_NET_ADMIN in the initial user namespace may change) is refused
#   with an extack naming the ceiling; lowering works; the ceilings are not
#   even visible from the tenant's netns;
# - affinity entries made by traffic are charged to the cgroup (before:
#   GFP_ATOMIC, uncharged: memory.current did not move);
# - services of 1000 backends fill the cgroup to within 6 MiB, then a SYN
#   flood from 100,000 new sources fills it with affinity entries until the
#   cgroup's limit stops them (not affinity-max): memory.current stays
#   <= memory.max, the last sources get no entry, nothing is OOM-killed;
# - the guest's available memory drops by at most the cgroup's limit plus
#   what conntrack's own entries take (not charged in 6.1, not svcvip's),
#   and the charge goes when the netns does. The suite fails it on a splat.
# Observations (counts, lookups) run from the initial user namespace,
# outside the cgroup, so a full cgroup cannot stall them.
. "$SVCVIP_TOP/tests/vm/lib.sh"

SYNFLOOD=$TOP/tests/vm/tools/synflood
[ -x "$SYNFLOOD" ] || die "no $SYNFLOOD (make testtools)"
module_load
C=/sys/fs/cgroup
if ! grep -q "^[^ ]* $C cgroup2 " /proc/mounts; then
	mount -t cgroup2 none "$C" || die "mount cgroup2"
fi
# the debug kernel is built without CONFIG_MEMCG: nothing to charge to
if ! grep -qw memory "$C/cgroup.controllers"; then
	skip "memory cgroup limits" "this kernel has no memory controller (CONFIG_MEMCG)"
	exit 0
fi
echo +memory > "$C/cgroup.subtree_control" || die "enable memory controller"
G=$C/svcvip-limits
rmdir "$G" 2>/dev/null
mkdir "$G" || die "mkdir $G"
echo 64M > "$G/memory.max"
echo 0 > "$G/memory.swap.max" 2>/dev/null
sysctl -qw net.netfilter.nf_conntrack_max=1048576
# a ceiling below the policy's own range, so a raise meets the ceiling
echo 4096 > /proc/sys/net/svcvip/max_backends || die "set ceiling"
check "ceiling readable: max_services 262144" \
	grep -qx 262144 /proc/sys/net/svcvip/max_services

avail() { awk '/^MemAvailable:/ { print $2 }' /proc/meminfo; }
cur() { cat "$G/memory.current"; }
sync; echo 3 > /proc/sys/vm/drop_caches
avail0=$(avail)

# what the tenant runs is in the page cache, charged outside the cgroup
cat "$SVCADM" "$(command -v nsenter)" "$(command -v sh)" "$(command -v ip)" \
	$(ldd "$SVCADM" "$(command -v nsenter)" "$(command -v ip)" | awk '$2 == "=>" { print $3 }') >/dev/null
# the tenant's netns lives as long as this process (never the OOM victim)
sh -c "echo \$\$ > $G/cgroup.procs && exec unshare -Urn sleep 100000" &
holder=$!
sleep 1
echo -1000 > "/proc/$holder/oom_score_adj"
# T CMD...: as the tenant (its user namespace, in the cgroup)
T() {
	sh -c 'echo $$ > "$1/cgroup.procs" && shift 2 && exec nsenter -U -n -t "$0" "$@"' \
		"$holder" "$G" - "$@"
}
# O CMD...: an observer in the tenant's netns (initial userns, no cgroup)
O() { nsenter -n -t "$holder" "$@"; }
services() { O "$SVCADM" save | grep -c '^service add'; }
has_affinity() { O "$SVCADM" lookup tcp 10.96.0.1:80 from "$1:5555" | grep -q affinity; }

T ip link set lo up
T ip link add dummy0 type dummy
T ip link set dummy0 up
T ip addr add 10.244.255.1/16 dev dummy0
T ip route add 10.96.0.0/12 dev dummy0

check_fails "raise max-services past the ceiling" \
	'max-services exceeds the ceiling net.svcvip.max_services' \
	T "$SVCADM" config set max-services 262145
check_fails "raise max-frontends past the ceiling" \
	'max-frontends exceeds the ceiling net.svcvip.max_frontends' \
	T "$SVCADM" config set max-frontends 1048577
check_fails "raise max-backends past the ceiling" \
	'max-backends exceeds the ceiling net.svcvip.max_backends' \
	T "$SVCADM" config set max-backends 4097
check_fails "raise affinity-max past the ceiling" \
	'affinity-max exceeds the ceiling net.svcvip.affinity_max' \
	T "$SVCADM" config set affinity-max 1048577
T "$SVCADM" config set max-backends 4097 affinity-max 1048577 2>&1 | sed 's/^/refused: /'
check "the ceilings are out of the tenant's reach" \
	T sh -c '! echo 2000000 > /proc/sys/net/svcvip/affinity_max'
cfg=$(T "$SVCADM" config show)
check "default max-backends 10000 shows clamped to the ceiling 4096" \
	grep -q 'max-backends 4096' <<<"$cfg"
check "lowering a limit works" T "$SVCADM" config set max-backends 100
check "raising it back up to the ceiling works" \
	T "$SVCADM" config set max-backends 4096 affinity-max 1048576

# affinity entries are charged to the cgroup
T "$SVCADM" restore <<'END' || fail "affinity service"
service add aff proto tcp affinity clientip
frontend add aff clusterip 10.96.0.1:80
backend add aff 10.244.0.10:8080
backend add aff 10.244.0.11:8080
END
m0=$(cur)
O "$SYNFLOOD" --dst 10.96.0.1 --port 80 --src-base 172.16.0.0 --sources 20000
m1=$(cur)
echo "20000 sources: memory.current $m0 -> $m1"
expect_range "20000 affinity entries charged (memory.current +$(( (m1 - m0) / 1024 )) KiB)" \
	$(( (m1 - m0) / 1024 )) 1500 65536
check "the last source has an affinity entry" has_affinity 172.16.78.31

# fill the table to within 6 MiB of the cgroup's limit. The lines come
# through a pipe from outside the cgroup, so svcadm stays small: services
# of 1000 backends (~0.5 MiB of kernel memory each), five per run while
# more than 10 MiB is free, then one per run.
gen() {	# gen FIRST COUNT BACKENDS
	awk -v s0="$1" -v n="$2" -v nb="$3" 'BEGIN {
		for (s = s0; s < s0 + n; s++) {
			printf "service add fill%d proto tcp\n", s
			printf "frontend add fill%d clusterip 10.%d.%d.%d:80\n", s, 100 + int(s / 65536), int(s / 256) % 256, s % 256
			for (b = 0; b < nb; b++)
				printf "backend add fill%d 10.%d.%d.%d:%d\n", s, 200 + int(b / 62500), int(b / 250) % 250, b % 250, 1000 + s
		}
	}'
}
echo "$(date +%T) fill starts"
rc=0 s=0
while :; do
	free=$(( (64 << 20) - $(cur) ))
	if [ $free -ge $((10 << 20)) ]; then k=5
	elif [ $free -ge $((6 << 20)) ]; then k=1
	else break
	fi
	out=$(gen $s $k 1000 | T "$SVCADM" restore - 2>&1); rc=$?
	s=$((s + k))
	[ $rc = 0 ] || break
done
m2=$(cur)
n=$(services)
echo "$(date +%T) filled: $n services (aff + fill of 1000 backends), memory.current $m2 of $(cat "$G/memory.max")"
expect_eq "the fill runs without error to within 6 MiB of the limit" "$rc" 0
expect_range "services made" "$n" 2 1000
expect_range "memory.current <= memory.max" "$m2" 0 $((64 << 20))

# then traffic fills the cgroup: 100,000 new sources (12.5 MiB of entries)
# into the remaining < 6 MiB: the cgroup's limit stops the entries, not
# affinity-max (1048576), and no process is OOM-killed
O "$SYNFLOOD" --dst 10.96.0.1 --port 80 --src-base 172.17.0.0 --sources 100000
m3=$(cur)
echo "100000 more sources: memory.current $m2 -> $m3 (max $((64 << 20)))"
grep -E '^(max|oom|oom_kill) ' "$G/memory.events" | tr '\n' ' '; echo
expect_range "memory.current reached the limit and stayed <= memory.max" \
	"$m3" $(( (64 << 20) - (1 << 20) )) $((64 << 20))
check "the first new source got an entry" has_affinity 172.17.0.0
if has_affinity 172.18.134.159; then	# source 99999
	fail "the last new source got none: the cgroup is full"
else
	pass "the last new source got none: the cgroup is full"
fi
expect_eq "no OOM kill in the cgroup" \
	"$(awk '$1 == "oom_kill" { print $2 }' "$G/memory.events")" 0

avail1=$(avail)
echo "MemAvailable: $avail0 kB -> $avail1 kB"
expect_range "guest MemAvailable dropped by <= 64 MiB + conntrack's 120k entries (64 MiB)" \
	$(( (avail0 - avail1) / 1024 )) -100000 128
kill "$holder"
wait "$holder" 2>/dev/null
# the netns goes with its last process, and its charge with it
for _ in $(seq 30); do
	[ "$(cur)" -lt $((16 << 20)) ] && break
	sleep 1
done
expect_range "the cgroup's charge after the netns went (KiB)" \
	$(( $(cur) / 1024 )) 0 16384
rmdir "$G" 2>/dev/null
echo 65535 > /proc/sys/net/svcvip/max_backends
