# Resource bounds: per-netns limits on services, frontends, backends per
# service (and affinity entries, see external-affinity), set with
# `svcadm config set`. Hitting one is ENOSPC with an extack message naming
# the limit, and changes nothing: not a partial list, not a half-replaced
# service. A limit below what the table holds is refused (EBUSY).
. "$SVCVIP_TOP/tests/vm/lib.sh"

module_load
node_create node
S() { in_ns node "$SVCADM" "$@"; }
check "default limits are set" sh -c "$SVCADM config show >/dev/null"
def=$(S config show)
echo "$def"
check "defaults: max-services" grep -q 'max-services 262144' <<<"$def"
check "defaults: max-backends" grep -q 'max-backends 10000' <<<"$def"

check "set small limits" S config set max-services 3 max-frontends 3 max-backends 2
S restore <<'END' || fail "restore within the limits"
service add a proto tcp
frontend add a clusterip 10.96.0.1:80
frontend add a clusterip 10.96.0.2:80
backend add a 10.244.0.11:8080
backend add a 10.244.0.12:8080
service add b proto udp
frontend add b clusterip 10.96.0.3:53
service add c proto tcp
END
before=$(S save)

# expect_refused LABEL REGEX CMD...: exit 1, the message, nothing changed
expect_refused() {
	local label=$1 re=$2 out rc
	shift 2
	out=$(S "$@" 2>&1); rc=$?
	expect_eq "$label: exit 1" "$rc" 1
	check "$label: says why ($out)" grep -Eq "$re" <<<"$out"
	expect_eq "$label: table unchanged" "$(S save)" "$before"
}
expect_refused "4th service" 'service limit reached \(config max-services\)' \
	service add d proto tcp
expect_refused "3rd backend" 'backend limit per service reached \(config max-backends\)' \
	backend add a 10.244.0.13:8080
expect_refused "4th frontend" 'frontend limit reached \(config max-frontends\)' \
	frontend add b clusterip 10.96.0.4:53
expect_refused "replace with 3 backends" 'max-backends' \
	restore --replace <(printf '%s\n' "$before" | sed '/^backend add a 10.244.0.12/a backend add a 10.244.0.13:8080')
# restore applies lines as if one by one (the kernel takes a list of
# backends whole or not at all; restore splits a refused list): the first
# two fit, the third is refused and named
out=$(printf 'backend add b 10.244.0.11:8080\nbackend add b 10.244.0.12:8080\nbackend add b 10.244.0.13:8080\n' |
	S restore 2>&1); rc=$?
expect_eq "3 backends to b: refused" "$rc" 1
check "3 backends to b: the third line is named ($out)" \
	grep -q 'line 3: backend limit per service reached' <<<"$out"
expect_eq "3 backends to b: the first two are there" \
	"$(S -n service show b | grep -c 'backend ')" 2

before=$(S save)
expect_refused "limit below the current count" 'max-services is below the current count' \
	config set max-services 2
expect_refused "max-backends below a service's count" "max-backends is below a service's backend count" \
	config set max-backends 1
check "raising a limit works" S config set max-services 4
check "then the 4th service fits" S service add d proto tcp
expect_eq "and the 5th does not" "$(S service add e proto tcp >/dev/null 2>&1; echo $?)" 1
