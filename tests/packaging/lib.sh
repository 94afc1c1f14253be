# shellcheck shell=bash
# TAP helpers for tests/packaging/*: ok/not_ok lines that tests/packaging/run
# and tests/check count.
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PKG_TMP=${PKG_TMP:-$(mktemp -d /tmp/svcvip-pkg.XXXXXX)}
DEB_DIR=${DEB_DIR:-$TOP/build/deb}
VERSION=$(sed -n 's/^#define SVCVIP_VERSION "\(.*\)"/\1/p' "$TOP/kmod/version.h")

ok() { echo "ok - $1"; }
not_ok() { echo "not ok - $1${2:+ # $(echo "$2" | tr '\n' ' ' | cut -c1-300)}"; }

# check NAME CMD...: ok when CMD exits 0
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then ok "$name"; else not_ok "$name" "$out"; fi
}

# expect_eq NAME GOT WANT
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got '$2', want '$3'"; fi
}

# the kernel release the module is built for (KDIR as the top Makefile finds it)
kernel_release() {
	local kdir=${KDIR:-$("$TOP/scripts/find-kdir")}
	# (Debian's include/config/kernel.release has the upstream version)
	sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' "$kdir/include/generated/utsrelease.h"
}
