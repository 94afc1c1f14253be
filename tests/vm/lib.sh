# shellcheck shell=bash
# Helpers for the in-guest tests (tests/vm/tests/*.sh), sourced by each.
# A test reports subtests with pass/fail/check; tests/vm/suite turns them
# into result lines and fails the test on a non-zero exit or a kernel splat.

TOP=${SVCVIP_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
SVCADM=$TOP/userspace/svcadm/svcadm
VIPCHECK=$TOP/tests/vm/tools/vipcheck
NLRAW=$TOP/tests/vm/nlraw.py
T_RESULTS=${T_RESULTS:-/dev/stdout}

svcadm() { "$SVCADM" "$@"; }
vipcheck() { "$VIPCHECK" "$@"; }

pass() {
	printf 'ok\t%s\n' "$1" >> "$T_RESULTS"
	echo "ok: $1"
}

fail() {
	printf 'not ok\t%s\t%s\n' "$1" "$(echo "${2:-}" | tr '\n\t' '  ' | cut -c1-300)" \
		>> "$T_RESULTS"
	echo "FAIL: $1: ${2:-}"
}

# skip NAME WHY: a check that could not run here; counted as skipped by
# tests/summarize, never as passed.
skip() {
	printf 'ok\t%s # SKIP %s\n' "$1" "$(printf '%s' "${2:-}" | tr '\n\t#' '   ' | cut -c1-200)" \
		>> "$T_RESULTS"
	echo "SKIP: $1: ${2:-}"
}

# check NAME CMD...: passes when CMD exits 0.
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		pass "$name"
	else
		fail "$name" "$out"
	fi
}

# check_fails NAME PATTERN CMD...: passes when CMD fails and its output
# matches PATTERN (so it failed for the expected reason).
check_fails() {
	local name=$1 pattern=$2 out
	shift 2
	if out=$("$@" 2>&1); then
		fail "$name" "succeeded, expected failure matching '$pattern': $out"
	elif echo "$out" | grep -Eq -- "$pattern"; then
		pass "$name"
	else
		fail "$name" "failed without '$pattern': $out"
	fi
}

# check_absent NAME PATTERN NEED CMD...: a "! grep" that cannot pass by
# accident: passes when CMD exits 0, its output has a line matching NEED
# (it printed what is looked at) and none matching PATTERN (grep -E).
check_absent() {
	local name=$1 pattern=$2 need=$3 out rc
	shift 3
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc -ne 0 ]; then
		fail "$name" "exit $rc from $*: $out"
	elif ! grep -Eq -- "$need" <<<"$out"; then
		fail "$name" "no line matching '$need' from $*: $out"
	elif grep -Eq -- "$pattern" <<<"$out"; then
		fail "$name" "$(grep -E -- "$pattern" <<<"$out" | head -n 3)"
	else
		pass "$name"
	fi
}

# hold_result LOG: for a vipcheck hold started as
#   { vipcheck hold ...; echo "exit $?"; } > LOG 2>&1 &
# waits up to 10 s for it to end, prints LOG and returns hold's exit status
# (1 if it did not end): hold exits 0 only when it connected, lost no echo
# and the connection stayed up.
hold_result() {
	local st
	for _ in $(seq 1 100); do
		grep -q '^exit [0-9]' "$1" && break
		sleep 0.1
	done
	cat "$1"
	st=$(awk '$1 == "exit" { print $2 }' "$1")
	return "${st:-1}"
}

# expect_eq NAME GOT WANT
expect_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "got '$2', want '$3'"
	fi
}

# expect_range NAME VALUE MIN MAX (integers)
expect_range() {
	if [ "$2" -ge "$3" ] && [ "$2" -le "$4" ]; then
		pass "$1"
	else
		fail "$1" "$2 not in [$3, $4]"
	fi
}

# median: the median of the numbers (white-space separated) on stdin; of
# an even count, the lower middle one
median() {
	tr ' ' '\n' | grep . | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

# ratio_of A B: A / B to 4 decimals, 0 when B is 0 or empty
ratio_of() {
	awk -v a="${1:-0}" -v b="${2:-0}" 'BEGIN { printf "%.4f", b ? a / b : 0 }'
}

# exact: true in an icount guest (tests/vm/run with SVCVIP_VM_ICOUNT), whose
# clock counts instructions: rates measured there are not skewed by the
# host's load, so cost tests assert their targets rather than loose floors
exact() {
	[ -n "${SVCVIP_VM_ICOUNT:-}" ]
}

# debug_kernel: true on the debug kernel (KASAN, kmemleak: timings and
# memory figures judge nothing there). Decided when a test first sources
# this file, in the root netns, and exported: `ip netns exec` remounts
# /sys, which hides debugfs from what it runs.
if [ -z "${VM_DEBUG_KERNEL:-}" ]; then
	VM_DEBUG_KERNEL=0
	[ -e /sys/kernel/debug/kmemleak ] && VM_DEBUG_KERNEL=1
	export VM_DEBUG_KERNEL
fi
debug_kernel() {
	[ "$VM_DEBUG_KERNEL" = 1 ]
}

# expect_ratio NAME RATIO FLOOR: RATIO (decimal) >= FLOOR / 1000; skipped
# on the debug kernel, whose KASAN timings judge nothing
expect_ratio() {
	if debug_kernel; then
		skip "$1" "debug kernel: ratio $2"
		return
	fi
	expect_range "$1" "$(awk -v r="$2" 'BEGIN { print int(r * 1000) }')" "$3" 100000
}

die() {
	echo "test setup failed: $*" >&2
	exit 1
}

# ---- module ------------------------------------------------------------

# Dependencies by name; on the debug kernel they are built in and modprobe
# fails harmlessly.
module_deps() {
	local m
	for m in nf_conntrack nf_nat nf_reject_ipv4 nf_reject_ipv6 libcrc32c sctp; do
		modprobe -q "$m" 2>/dev/null
	done
	return 0
}

# SVCVIP_KO: the module to test (make check-debug builds its own)
SVCVIP_KO=${SVCVIP_KO:-$TOP/kmod/svcvip.ko}

module_load() {
	# never into the machine we work on
	[ "${SVCVIP_IN_VM:-}" = 1 ] || die "not in the guest (SVCVIP_IN_VM): refusing to load $SVCVIP_KO"
	module_deps
	insmod "$SVCVIP_KO" || die "insmod $SVCVIP_KO"
}

module_unload() {
	rmmod svcvip
}

module_loaded() {
	grep -q '^svcvip ' /proc/modules
}

# ---- topology ------------------------------------------------------------
# A node is a netns with svcvip's table; pods hang off it on their own veth
# pair with routed /32 (/128) addresses, the way Calico does it, so that
# replies always cross the node's conntrack.

# node_create NAME: a node whose uplink is a dummy eth0 (192.168.0.1/24,
# fd00:192::1/64) with default routes, as a real node has, so that the
# node's own processes can route to service IPs.
node_create() {
	local n=$1
	ip netns add "$n" || die "netns $n"
	ip -n "$n" link set lo up
	ip -n "$n" link add eth0 type dummy
	ip -n "$n" link set eth0 up
	ip -n "$n" addr add 192.168.0.1/24 dev eth0
	ip -n "$n" addr add fd00:192::1/64 dev eth0 nodad
	ip -n "$n" route add default via 192.168.0.254 dev eth0 onlink
	ip -n "$n" -6 route add default via fd00:192::fe dev eth0 onlink
	ip netns exec "$n" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1 net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.all.accept_dad=0 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0
	# see _cl_sysctl_cmd in lib_cluster.sh for the ratemask
	ip netns exec "$n" sysctl -qw net.ipv4.icmp_ratelimit=0 \
		net.ipv6.icmp.ratelimit=0 net.ipv4.icmp_ratemask=0 \
		net.ipv6.icmp.ratemask=0,3-127
}

# pod_create NODE POD IPV4 IPV6 : routed pod on NODE; the node answers as
# 10.244.0.1 / fd00:244::1 on every pod link.
pod_create() {
	local node=$1 pod=$2 v4=$3 v6=$4 hv=v-$2
	ip netns add "$pod" || die "netns $pod"
	ip -n "$pod" link set lo up
	ip netns exec "$pod" sysctl -qw net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.all.accept_dad=0
	ip link add "$hv" netns "$node" type veth peer name eth0 netns "$pod" ||
		die "veth $pod"
	ip -n "$node" link set "$hv" up
	ip -n "$pod" link set eth0 up
	ip -n "$pod" addr add "$v4/32" dev eth0
	ip -n "$pod" addr add "$v6/128" dev eth0 nodad
	ip -n "$pod" route add 10.244.0.1 dev eth0
	ip -n "$pod" route add default via 10.244.0.1 dev eth0
	ip -n "$pod" -6 route add fd00:244::1 dev eth0
	ip -n "$pod" -6 route add default via fd00:244::1 dev eth0
	ip -n "$node" addr add 10.244.0.1/32 dev "$hv"
	ip -n "$node" addr add fd00:244::1/128 dev "$hv" nodad
	ip -n "$node" route add "$v4/32" dev "$hv"
	ip -n "$node" -6 route add "$v6/128" dev "$hv"
}

# pods_create NODE POD,V4,V6 ...: pod_create for several pods in N + 3
# processes instead of ~18 per pod (an exec costs 0.1-0.5 s in TCG)
pods_create() {
	local node=$1 dir spec pod v4 v6
	shift
	dir=$(mktemp -d) || die "pods: mktemp"
	: > "$dir/root"
	: > "$dir/node"
	for spec; do
		IFS=, read -r pod v4 v6 <<<"$spec"
		echo "netns add $pod" >> "$dir/root"
	done
	for spec; do
		IFS=, read -r pod v4 v6 <<<"$spec"
		echo "link add v-$pod netns $node type veth peer name eth0 netns $pod" \
			>> "$dir/root"
		cat >> "$dir/node" <<-END
		link set v-$pod up
		addr add 10.244.0.1/32 dev v-$pod
		addr add fd00:244::1/128 dev v-$pod nodad
		route add $v4/32 dev v-$pod
		route add $v6/128 dev v-$pod
		END
		cat > "$dir/pod.$pod" <<-END
		link set lo up
		link set eth0 up
		addr add $v4/32 dev eth0
		addr add $v6/128 dev eth0 nodad
		route add 10.244.0.1 dev eth0
		route add default via 10.244.0.1 dev eth0
		route add fd00:244::1/128 dev eth0
		route add ::/0 via fd00:244::1 dev eth0
		END
	done
	ip -batch "$dir/root" || die "pods: netns and veths"
	for spec; do
		IFS=, read -r pod v4 v6 <<<"$spec"
		ip -n "$pod" -batch "$dir/pod.$pod" || die "pod $pod"
	done
	ip -n "$node" -batch "$dir/node" || die "pods on $node"
	rm -rf "$dir"
}

# serve NETNS PROTO PORT NAME: a vipcheck server answering with NAME
serve() {
	ip netns exec "$1" "$VIPCHECK" serve --proto "$2" --port "$3" \
		--name "$4" --daemon >/dev/null || die "serve $*"
}

# in NETNS CMD...: run in a netns
in_ns() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# The standard single-node cluster: node "node", pods pod1..pod3 running
# servers on TCP/UDP/SCTP port 8080, and a client pod.
# svcadm restore lines for N-1 filler TCP services (clusterip
# 10.98+.x.y:80, one backend each) and max-services room for N + 10: a
# table of N once the caller adds its measured service(s)
filler_services() {
	awk -v n="$1" 'BEGIN {
		printf "config set max-services %d\n", n + 10
		for (i = 0; i < n - 1; i++) {
			printf "service add f%d proto tcp\n", i
			printf "frontend add f%d clusterip 10.%d.%d.%d:80\n", i, 98 + int(i / 65536), int(i / 256) % 256, i % 256
			printf "backend add f%d 10.244.%d.%d:8080\n", i, 100 + int(i / 256) % 100, i % 256
		}
	}'
}

cluster_basic() {
	local i
	node_create node
	for i in 1 2 3; do
		pod_create node "pod$i" "10.244.0.1$i" "fd00:244::1$i"
		serve "pod$i" tcp 8080 "pod$i"
		serve "pod$i" udp 8080 "pod$i"
		serve "pod$i" sctp 8080 "pod$i"
	done
	pod_create node client 10.244.0.100 fd00:244::100
}

# count_of OUTPUT NAME: the count vipcheck connect printed for NAME
count_of() {
	echo "$1" | awk -v n="$2" '$1 == "name" && $2 == n { print $3; f = 1 }
		END { if (!f) print 0 }'
}

# stat_of OUTPUT KEY: e.g. stat_of "$out" refused
stat_of() {
	echo "$1" | awk -v k="$2" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }'
}
