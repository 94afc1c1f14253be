# Bad input for the external-traffic settings gets a clear error naming
# the field, exit status 1, and changes nothing (svcadm save is
# byte-identical before and after): a source range that is not a CIDR (or
# has host bits), NodePort 0 / 65536, affinity timeout 86401 (and 0), a
# misspelt policy word, a bad family, bad nodeport-addresses /
# local-cidrs / masquerade-all values; source-ranges on a frontend kind
# that has none (a usage error: exit 2).
. "$SVCVIP_TOP/tests/vm/lib.sh"

module_load
svcadm restore <<'END' || die "restore"
config set cluster-cidrs 10.244.0.0/16 local-cidrs 10.244.1.0/24 affinity-max 100
service add web proto tcp external-policy local affinity clientip timeout 60
frontend add web nodeport 30080
frontend add web loadbalancer 203.0.113.10:80 source-ranges 192.168.0.0/24
frontend add web externalip 203.0.113.11:80
backend add web 10.244.1.11:8080 local
backend add web 10.244.2.11:8080
END
before=$(svcadm save)
[ -n "$before" ] || die "empty save"

# bad NAME PATTERN ARGS...: svcadm exits 1, says PATTERN, changes nothing
bad() {
	local name=$1 pattern=$2 out rc now
	shift 2
	out=$(svcadm "$@" 2>&1)
	rc=$?
	if [ $rc -ne 1 ]; then
		fail "$name" "exit $rc, want 1: $out"
	elif ! grep -Eiq -- "$pattern" <<<"$out"; then
		fail "$name" "no '$pattern' in: $out"
	else
		pass "$name"
	fi
	now=$(svcadm save)
	[ "$now" = "$before" ] && pass "$name: table unchanged" ||
		fail "$name: table unchanged" "$(diff <(echo "$before") <(echo "$now"))"
}

bad "source range not a CIDR" 'source.range.*10\.0\.0\.300|10\.0\.0\.300.*source.range' \
	frontend add web loadbalancer 203.0.113.12:80 source-ranges 10.0.0.300/24
bad "source range word" 'source.range' \
	frontend add web loadbalancer 203.0.113.12:80 source-ranges everyone
bad "source range with host bits" 'host bits' \
	frontend add web loadbalancer 203.0.113.12:80 source-ranges 192.168.0.1/24
bad "source range prefix 33" 'prefix' \
	frontend add web loadbalancer 203.0.113.12:80 source-ranges 192.168.0.0/33
bad "nodeport 0" 'port.*1-65535|nodeport' frontend add web nodeport 0
bad "nodeport 65536" 'port.*1-65535|nodeport' frontend add web nodeport 65536
bad "nodeport not a number" 'port|nodeport' frontend add web nodeport http8
bad "nodeport family bad" 'family' frontend add web nodeport 30081 family ipx
bad "nodeport the service has already" 'already has this frontend|exists' \
	frontend add web nodeport 30080
bad "affinity timeout 86401" 'timeout' \
	service add x proto tcp affinity clientip timeout 86401
bad "affinity timeout 0" 'timeout' service add x proto tcp affinity clientip timeout 0
bad "affinity timeout 86401 on set" 'timeout' service set web timeout 86401
bad "misspelt affinity" 'affinity' service add x proto tcp affinity clientIP
bad "misspelt external-policy" 'external-policy|policy' \
	service add x proto tcp external-policy locl
bad "misspelt internal-policy" 'internal-policy|policy' \
	service add x proto tcp internal-policy clustr
bad "misspelt policy on set" 'external-policy|policy' service set web external-policy Local
bad "nodeport-addresses not a CIDR" 'nodeport-addresses|10\.0\.0\.300' \
	config set nodeport-addresses 10.0.0.300/8
bad "local-cidrs not a CIDR" 'local-cidrs|bogus' config set local-cidrs bogus
bad "cluster-cidrs host bits" 'host bits' config set cluster-cidrs 10.244.0.1/16
bad "masquerade-all yes" 'masquerade-all' config set masquerade-all yes
bad "affinity-max not a number" 'affinity-max' config set affinity-max lots
# a keyword in the wrong place is a usage error (exit 2), still named
out=$(svcadm frontend add web externalip 203.0.113.12:80 source-ranges 192.168.0.0/24 2>&1)
expect_eq "source-ranges on an externalip: usage error, exit 2" "$?" 2
check "source-ranges on an externalip: names source-ranges" grep -q 'source-ranges' <<<"$out"
expect_eq "source-ranges on an externalip: table unchanged" "$(svcadm save)" "$before"
# restore --replace with one bad line applies nothing
out=$(printf '%s\n' "$before" 'frontend add web nodeport 0' | svcadm restore --replace 2>&1)
rc=$?
expect_eq "restore --replace with nodeport 0: exit 1" "$rc" 1
check "restore --replace with nodeport 0: names the line" grep -q 'line' <<<"$out"
expect_eq "restore --replace with nodeport 0: table unchanged" "$(svcadm save)" "$before"
