# The in-kernel selftests (schedulers, Maglev shape/balance/consistency,
# CIDRs) pass, and they are not in the production module: only the
# CONFIG_SVCVIP_DEBUG build (make module-selftest, SVCVIP_SELFTEST_KO) links
# them and runs them at load, failing the load if one fails.
. "$SVCVIP_TOP/tests/vm/lib.sh"

SVCVIP_SELFTEST_KO=${SVCVIP_SELFTEST_KO:-$SVCVIP_TOP/build/selftest/kmod/svcvip.ko}
module_deps
# the suite no longer clears the kernel log: read it from here on
marker="selftest.sh start $$ $RANDOM"
echo "$marker" > /dev/kmsg
expect_eq "production module: no selftest parameter" \
	"$(modinfo -F parm "$SVCVIP_KO" | grep -c '^selftest:')" 0
expect_eq "production module: no selftest code" \
	"$(nm "$SVCVIP_KO" | grep -c ' svcvip_selftest$')" 0
check "production module loads without running selftests" insmod "$SVCVIP_KO"
expect_eq "no selftest ran" "$(dmesg | sed -n "/$marker/,\$p" | grep -c 'svcvip: selftest')" 0
check "unload" rmmod svcvip

[ -f "$SVCVIP_SELFTEST_KO" ] || fail "selftest module built" \
	"$SVCVIP_SELFTEST_KO missing (make module-selftest)"
check "selftest module has the selftests" \
	grep -q ' svcvip_selftest$' <<<"$(nm "$SVCVIP_SELFTEST_KO")"
check "load the selftest module (runs them)" insmod "$SVCVIP_SELFTEST_KO"
out=$(dmesg | sed -n "/$marker/,\$p" | grep 'svcvip: selftest')
echo "$out"
check "selftest reports all passed" grep -q 'selftest: all passed' <<<"$out"
check "unload" rmmod svcvip
