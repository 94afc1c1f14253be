# The in-kernel selftests (schedulers, Maglev shape/balance/consistency,
# CIDRs) pass: "insmod svcvip.ko selftest=1" fails the load otherwise.
. "$SVCVIP_TOP/tests/vm/lib.sh"

module_deps
check "load with selftest=1" insmod "$SVCVIP_KO" selftest=1
out=$(dmesg | grep 'svcvip: selftest')
echo "$out"
check "selftest reports all passed" grep -q 'selftest: all passed' <<<"$out"
check "unload" rmmod svcvip
