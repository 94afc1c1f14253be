# The suite gives up on a test it cannot end: timeout(1) is replaced by a
# stand-in that never returns (as a test stuck in the kernel, D state,
# outlives SIGKILL), in a nested suite of two tests with T_TIMEOUT=1 and
# SVCVIP_SUITE_GRACE=3. The first test must be reported "not ok ...
# stuck" within seconds, the second not started, and the suite must still
# end with its kernel-log scan, instead of waiting for the VM's limit.
. "$SVCVIP_TOP/tests/vm/lib.sh"

fake=$(mktemp -d)
cat > "$fake/timeout" <<'END'
#!/bin/bash
# never returns, whatever it is sent short of KILL (which nobody sends)
trap '' TERM INT HUP USR1
while :; do sleep 1; done
END
chmod +x "$fake/timeout"
trap 'pkill -9 -f "$fake/timeout"; rm -rf "$fake"' EXIT

real_timeout=$(command -v timeout)
t0=$(date +%s)
out=$(PATH=$fake:$PATH T_TIMEOUT=1 SVCVIP_SUITE_GRACE=3 \
	"$real_timeout" 90 "$SVCVIP_TOP/tests/vm/suite" --out "$fake/tap" module-load privilege 2>&1)
rc=$?
secs=$(( $(date +%s) - t0 ))
echo "$out" | sed 's/^/nested: /'
expect_range "the nested suite ended by itself within 60 s (${secs} s)" "$secs" 0 60
check "the nested suite exited non-zero, not killed (exit $rc)" \
	test "$rc" -ne 0 -a "$rc" -ne 124
check "the stuck test is not ok, said stuck" \
	grep -Eq '^not ok 1 - module-load \([0-9]+s\) # stuck: ' <<<"$out"
check "the second test never started" bash -c '! grep -q -- "# --- privilege" <<<"$1"' _ "$out"
check "the processes in D state are listed" grep -q '^# processes in D state:' <<<"$out"
check "the suite still ended with its kernel-log scan" grep -q '^ok 2 - kernel-log' <<<"$out"
check "the TAP file has the plan and the stuck result" \
	grep -q '^not ok 1 - module-load .*stuck' "$fake/tap"
