# svcadm behaves the same way everywhere (issue 11): what needs no kernel
# works without the module, input is checked before the module is asked
# for, usage errors are exit 2 and name the argument, keywords are given
# once, and abbreviations take the first match in the documented order.
. "$SVCVIP_TOP/tests/vm/lib.sh"

# run: "RC|STDOUT|STDERR" of svcadm ARGS (stdin from the caller)
run() {
	local out err rc
	err=$(mktemp)
	out=$("$SVCADM" "$@" 2> "$err"); rc=$?
	echo "$rc|$out|$(head -1 "$err")"
	rm -f "$err"
}
modprobe -r svcvip 2>/dev/null
want=$(sed -n 's/.*SVCVIP_VERSION[[:space:]]*"\(.*\)".*/\1/p' "$SVCVIP_TOP/kmod/version.h")
expect_eq "-V without the module: the tool's version, exit 0" "$(run -V)" "0|svcadm $want|"
expect_eq "--version the same" "$(run --version)" "0|svcadm $want|"
expect_eq "-j -V: JSON" "$(run -j -V)" "0|{\"svcadm\":\"$want\"}|"
expect_eq "version without the module: exit 1" "$(run version)" \
	"1|svcadm $want|svcadm: module svcvip: not loaded (modprobe svcvip)"
expect_eq "-j version without the module: still JSON" "$(run -j version)" \
	"1|{\"svcadm\":\"$want\"}|svcadm: module svcvip: not loaded (modprobe svcvip)"
expect_eq "restore checks its input before asking for the module" \
	"$(printf 'service add a proto tcp\nbackend add a 10.0.0.1:0\n' | run restore)" \
	"1||svcadm: line 2: backend 10.0.0.1:0: port must be 1-65535"
expect_eq "restore --bogus: usage error naming it" "$(run restore --bogus </dev/null)" \
	'2||svcadm: restore: unknown option "--bogus"'
expect_eq "restore --replace --help: usage error" "$(run restore --replace --help </dev/null)" \
	'2||svcadm: restore: unknown option "--help"'
expect_eq "restore -r is not an alias" "$(run restore -r </dev/null)" \
	'2||svcadm: restore: unknown option "-r"'
expect_eq "restore A B: names B" "$(run restore /dev/null B)" \
	'2||svcadm: restore: unexpected argument "B"'
expect_eq "version x: names x" "$(run version x)" '2||svcadm: version: unexpected argument "x"'
# every message is "svcadm: FIELD VALUE: problem", the argument named
expect_eq "--bogus: names it" "$(run --bogus)" '2||svcadm: option "--bogus": unknown'
expect_eq "-x: names it" "$(run -x)" '2||svcadm: option "-x": unknown'
expect_eq "an unknown object: names it" "$(run frobnicate)" \
	'2||svcadm: object "frobnicate": unknown'
expect_eq "no object" "$(run)" '2||svcadm: object: missing'
expect_eq "lookup ... form: names it" "$(run lookup tcp 10.96.0.1:80 form 10.0.0.1)" \
	'2||svcadm: lookup: unexpected argument "form" (expected "from")'
expect_eq "service show -j: not a name" "$(run service show -j)" \
	'1||svcadm: service -j: name must not start with "-"'

module_load
expect_eq "proto twice" "$(run service add web proto tcp proto udp)" \
	'2||svcadm: service add: "proto" given twice'
check "service add web" svcadm service add web proto tcp
expect_eq "service set NAME proto: refused by svcadm" "$(run service set web proto udp)" \
	'2||svcadm: service set: proto cannot change (service replace sets it)'
# "s" is service, and its "s" is set (the man page's order), not show
check "svcadm s s web scheduler rr" svcadm s s web scheduler rr
check "... set the scheduler" grep -q 'scheduler rr' <<<"$(svcadm service show web)"
expect_eq "config set: empty CIDR element named with its value" \
	"$(run config set cluster-cidrs 10.0.0.0/8,)" \
	'1||svcadm: cluster-cidrs 10.0.0.0/8,: empty element in CIDR list'
expect_eq "a malformed line applies nothing" \
	"$(printf 'service add x proto tcp\nbogus\n' | run restore)" \
	'1||svcadm: line 2: object "bogus": unknown'
check "... no service x" sh -c "! $SVCADM service show x >/dev/null 2>&1"
expect_eq "-f applies the valid lines" \
	"$(printf 'service add x proto tcp\nbogus\n' | run restore -f)" \
	'1||svcadm: line 2: object "bogus": unknown'
check "... service x is there" svcadm service show x
