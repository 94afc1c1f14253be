# The module loads, answers GET_INFO, svcadm sees it, and unloads cleanly.
. "$SVCVIP_TOP/tests/vm/lib.sh"

want=$(sed -n 's/^#define SVCVIP_VERSION "\(.*\)"/\1/p' "$TOP/kmod/version.h")

module_deps
check "insmod" insmod "$SVCVIP_KO"
module_loaded || die "module not loaded"
expect_eq "module version in sysfs" "$(cat /sys/module/svcvip/version)" "$want"
check "GET_INFO answers" python3 "$NLRAW" GET_INFO '[]'

out=$(svcadm version 2>&1)
echo "$out"
check "svcadm version names the module" \
	grep -qx "svcvip module $want (abi 1)" <<<"$out"
check "svcadm version names itself" grep -qx "svcadm $want" <<<"$out"

# an unprivileged reader may ask too
check "GET_INFO as nobody" setpriv --reuid=65534 --regid=65534 --clear-groups \
	python3 "$NLRAW" GET_INFO '[]'

check "rmmod" rmmod svcvip
out=$(svcadm version 2>&1)
rc=$?
expect_eq "svcadm without module: exit 1" "$rc" 1
check "svcadm without module: one clear line" \
	grep -qx 'svcadm: module svcvip: not loaded (modprobe svcvip)' <<<"$out"
