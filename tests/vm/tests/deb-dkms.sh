# The Debian packages, installed: the module dkms built from svcvip-dkms
# loads into this kernel and the svcvip package's svcadm drives it.
# tests/packaging/run (before the VM suite in make check) builds the .debs,
# extracts them into the scratch root build/deb-root and runs dkms add,
# build, install there against this kernel's headers; dkms runs on the host
# because under TCG the same build took 188 s in the guest (over the ~3 min
# make check can spare), ~11 s on the host. Here: load that module, run
# that svcadm, and check they are the packaged ones.
. "$SVCVIP_TOP/tests/vm/lib.sh"

root=${SVCVIP_DEB_ROOT:-$TOP/build/deb-root}
want=$(sed -n 's/^#define SVCVIP_VERSION "\(.*\)"/\1/p' "$TOP/kmod/version.h")
ko=$root/lib/modules/$(uname -r)/updates/dkms/svcvip.ko
pkg_svcadm=$root/usr/sbin/svcadm
# make check-debug boots another kernel: the scratch root was made for
# the Debian one (tests/packaging/dkms makes lib/modules/RELEASE first, so
# a failed dkms build for this kernel still fails below)
built_for=$(ls "$root/lib/modules" 2>/dev/null)
# make check-debug on a fresh checkout runs before any scratch root exists
if [ -z "$built_for" ] && debug_kernel; then
	skip "packaged module" "no build/deb-root; dkms builds it for the Debian kernel"
	exit 0
fi
if [ -n "$built_for" ] && [ ! -d "$root/lib/modules/$(uname -r)" ]; then
	skip "packaged module" "build/deb-root is for $built_for, this kernel is $(uname -r)"
	exit 0
fi
[ -f "$ko" ] || die "no $ko: run tests/packaging/run deb dkms first"
[ -x "$pkg_svcadm" ] || die "no $pkg_svcadm: run tests/packaging/run deb dkms first"

module_deps
check "insmod the dkms-built module" insmod "$ko"
module_loaded || die "module not loaded"
expect_eq "it is the packaged one (srcversion)" \
	"$(cat /sys/module/svcvip/srcversion)" "$(modinfo -F srcversion "$ko")"
expect_eq "module version in sysfs" "$(cat /sys/module/svcvip/version)" "$want"

out=$("$pkg_svcadm" version 2>&1)
echo "$out"
check "packaged svcadm version names the module" \
	grep -qx "svcvip module $want (abi 1)" <<<"$out"
check "packaged svcadm version names itself" grep -qx "svcadm $want" <<<"$out"
check "packaged svcadm adds a service" "$pkg_svcadm" service add default/web:http proto tcp
check "and sees it" sh -c "'$pkg_svcadm' -n service show | grep -q '^service default/web:http '"
check "rmmod" rmmod svcvip
