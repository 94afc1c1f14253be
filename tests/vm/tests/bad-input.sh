# Bad input gets a clear error naming what is wrong, and the table stays
# exactly as it was (svcadm save is byte-identical before and after).
# First through svcadm (its own checks and the kernel's extack text), then
# raw netlink messages svcadm would never send.
. "$SVCVIP_TOP/tests/vm/lib.sh"

module_load
svcadm restore <<'END' || die "restore"
service add default/web:http proto tcp scheduler rr
frontend add default/web:http clusterip 10.96.0.10:80
frontend add default/web:http clusterip [fd00:96::10]:80
backend add default/web:http 10.244.0.11:8080
backend add default/web:http 10.244.0.12:8080 weight 3
service add default/api:http proto tcp
service add default/dns:dns proto udp
frontend add default/dns:dns clusterip 10.96.0.53:53
backend add default/dns:dns 10.244.0.13:53
END
before=$(svcadm save)
[ -n "$before" ] || die "empty save"
unchanged() {
	local now
	now=$(svcadm save)
	if [ "$now" != "$before" ]; then
		fail "$1: table unchanged" "$(diff <(echo "$before") <(echo "$now"))"
	fi
}

# bad NAME PATTERN ARGS...: svcadm exits 1, says PATTERN, changes nothing
bad() {
	local name=$1 pattern=$2 out rc
	shift 2
	out=$(svcadm "$@" 2>&1)
	rc=$?
	if [ $rc -ne 1 ]; then
		fail "svcadm $name" "exit $rc, want 1: $out"
	elif ! echo "$out" | grep -Eq -- "$pattern"; then
		fail "svcadm $name" "no '$pattern' in: $out"
	elif [ "$(echo "$out" | wc -l)" -ne 1 ]; then
		fail "svcadm $name" "want one line: $out"
	else
		pass "svcadm $name"
	fi
	unchanged "svcadm $name"
}
long=$(printf 'n%.0s' $(seq 256))
bad "port 99999" '10\.244\.1\.2:99999: port must be 1-65535' \
	backend add default/web:http 10.244.1.2:99999
bad "port 0" 'port must be 1-65535' backend add default/web:http 10.244.1.2:0
bad "port 65536" 'port must be 1-65535' \
	frontend add default/web:http clusterip 10.96.0.11:65536
bad "bad IPv4 address" '10\.244\.1\.300' backend add default/web:http 10.244.1.300:80
bad "bad IPv6 address" 'fd00::zz' backend add default/web:http '[fd00::zz]:80'
bad "address without port" 'port' backend add default/web:http 10.244.1.2
bad "unknown scheduler" 'scheduler must be maglev, random, rr or wrr' \
	service add x proto tcp scheduler foo
bad "unknown protocol" 'tcp, udp or sctp' service add x proto icmp
bad "frontend owned by another service" 'belongs to another service' \
	frontend add default/api:http clusterip 10.96.0.10:80
bad "frontend the service has already" 'already has this frontend' \
	frontend add default/web:http clusterip 10.96.0.10:80
bad "backend for unknown service" 'no such service' \
	backend add nosuch 10.0.0.1:80
bad "name of 256 bytes" 'name must be 1-255 bytes' service add "$long" proto tcp
bad "name with a blank" 'name' service add 'a b' proto tcp
bad "multicast frontend" 'unicast' frontend add default/web:http clusterip 224.0.0.1:80
bad "unspecified backend" 'unicast' backend add default/web:http 0.0.0.0:80
bad "weight 65536" 'weight' backend add default/web:http 10.0.0.1:80 weight 65536
bad "affinity timeout 86401" 'timeout' \
	service add x proto tcp affinity clientip timeout 86401
bad "CIDR with host bits" 'host bits' config set cluster-cidrs 10.0.0.1/8
bad "prefix 33" 'prefix' config set cluster-cidrs 10.0.0.0/33
bad "duplicate backend" 'already has this backend' \
	backend add default/web:http 10.244.0.11:8080
bad "delete a missing backend" 'no such backend' \
	backend del default/web:http 10.244.0.99:8080
bad "delete a missing service" 'no such service' service del nosuch
# restore --replace: the kernel's refusal names the entry's line and value
# (located from the extack offset as {backends, 2})
rfile=$(mktemp)
{ echo "$before"; echo "backend add default/web:http 224.0.0.1:8080"; } > "$rfile"
bad "restore --replace: refused backend by its line" \
	"^svcadm: line $(wc -l < "$rfile"): backend 224\.0\.0\.1:8080: address must be a unicast address: Invalid argument\$" \
	restore --replace "$rfile"

# usage errors exit 2
out=$(svcadm frobnicate 2>&1)
expect_eq "unknown object exits 2" "$?" 2
out=$(svcadm service add 2>&1)
expect_eq "missing argument exits 2" "$?" 2

# ---- raw messages ----------------------------------------------------
# Each entry: a message, " ## ", the pattern its error must match: the
# errno's name, the extack message and the attribute it points at, as
# nlraw prints them ("[at 2.3]": the service's (2) scheduler (3), types
# from the top level down; "[missing 1 in 2]"). Only the errors that no
# attribute explains (bytes after the last attribute, nlmsg flags, a
# limit, a dump's filter) carry a message alone.
svc_ref='[2,"nest",[[1,"str","default/web:http"]]]'
v4be='[1,"u16",2],[2,"bin","0a000063"],[3,"u16",80]'
raw=(
'NEW_SERVICE [] ## EINVAL: service missing \[missing 2 in top level\]'
'NEW_SERVICE [[2,"nest",[[2,"u8",6]]]] ## EINVAL: service name missing \[missing 1 in 2\]'
'NEW_SERVICE [[2,"nest",[[1,"str","x"]]]] ## EINVAL: service protocol missing \[missing 2 in 2\]'
'NEW_SERVICE [[2,"nest",[[1,"str","x"],[1,"str","y"],[2,"u8",6]]]] ## EINVAL: duplicate attribute \[at 2\.1\]'
'NEW_SERVICE [[2,"nest",[[1,"str","x"],[2,"u8",6]]],[2,"nest",[[1,"str","y"],[2,"u8",6]]]] ## EINVAL: duplicate attribute \[at 2\]'
'NEW_SERVICE [[2,"nest",[[1,"str","x"],[2,"u8",7]]]] ## EINVAL: protocol must be tcp, udp or sctp \[at 2\.2\]'
'NEW_SERVICE [[2,"nest",[[1,"str","x"],[2,"u8",6],[3,"u8",9]]]] ## ERANGE: integer out of range \[at 2\.3\]'
'NEW_SERVICE [[2,"nest",[[1,"str","x"],[2,"u16",6]]]] ## EINVAL: invalid attribute length \[at 2\.2\]'
'NEW_SERVICE [[2,"nest",[[1,"str",""],[2,"u8",6]]]] ## EINVAL: service name is empty \[at 2\.1\]'
'NEW_SERVICE [[2,"nest",[[1,"str","a b"],[2,"u8",6]]]] ## EINVAL: service name must be printable ASCII without blanks \[at 2\.1\]'
'NEW_SERVICE [[2,"nest",[[1,"str","'"$long"'"],[2,"u8",6]]]] ## EINVAL: Attribute failed policy validation \[at 2\.1\]'
'NEW_SERVICE [[2,"nest",[[1,"bin","6162"],[2,"u8",6]]]] ## EINVAL: Attribute failed policy validation \[at 2\.1\]'
'NEW_SERVICE [[2,"nest",[[1,"str","x"],[2,"u8",6],[5,"u32",86401]]]] ## ERANGE: integer out of range \[at 2\.5\]'
'NEW_SERVICE [[2,"nest",[[1,"str","x"],[2,"u8",6],[10,"nest",[]]]]] ## EINVAL: NLA_F_NESTED not expected \[at 2\.10\]'
'NEW_SERVICE [[2,"nest",[[1,"str","x"],[2,"u8",6],[11,"u8",1]]]] ## EINVAL: Unknown attribute type \[at 2\.11\]'
'NEW_SERVICE [[42,"u8",1]] ## EINVAL: Unknown attribute type \[at 42\]'
'NEW_SERVICE [[2,"u8",1]] ## EINVAL: NLA_F_NESTED is missing \[at 2\]'
'NEW_SERVICE [[2,"nest",[[1,"str","x"],[2,"u8",6],[9,"nest",[[0,"nest",['"$v4be"']],[0,"nest",['"$v4be"']]]]]]] ## EINVAL: backend listed twice in the service \[at 2\.9\.0\]'
'NEW_SERVICE [[2,"nest",[[1,"str","x"],[2,"u8",6],[8,"nest",[[0,"nest",[[1,"u8",1],[2,"u16",2],[3,"bin","0a60000b"],[4,"u16",80]]],[0,"nest",[[1,"u8",1],[2,"u16",2],[3,"bin","0a60000b"],[4,"u16",80]]]]]]]] ## EINVAL: frontend listed twice \[at 2\.8\.0\]'
'NEW_SERVICE [[2,"nest",[[1,"str","x"],[2,"u8",6],[8,"nest",[[0,"nest",[[1,"u8",1],[2,"u16",2],[3,"bin","0a60000a"],[4,"u16",80]]]]]]]] ## EEXIST: frontend belongs to another service \[at 2\.8\.0\]'
'REPLACE_SERVICE [[2,"nest",[[1,"str","default/dns:dns"],[2,"u8",6],[8,"nest",[[0,"nest",[[1,"u8",1],[2,"u16",2],[3,"bin","0a60000a"],[4,"u16",80]]]]],[9,"nest",[]]]]] ## EEXIST: frontend belongs to another service \[at 2\.8\.0\]'
'REPLACE_SERVICE [[2,"nest",[[1,"str","default/dns:dns"],[2,"u8",17],[9,"nest",[[0,"nest",[[1,"u16",2],[2,"bin","0a00000100000000000000000000000000"],[3,"u16",53]]]]]]]] ## ERANGE: binary attribute size out of range \[at 2\.9\.0\.2\]'
'NEW_SERVICE [[2,"nest",[[1,"str","default/api:http"],[2,"u8",6],[8,"nest",[[0,"nest",[[1,"u8",1],[2,"u16",2],[3,"bin","0a60000a"],[4,"u16",80]]]]]]],[8,"bin",""]] ## EINVAL: Unsupported attribute \[at 8\]'
'SET_SERVICE [[2,"nest",[[1,"str","default/api:http"]]],[8,"bin",""]] ## EINVAL: Unsupported attribute \[at 8\]'
'REPLACE_SERVICE [[2,"nest",[[1,"str","default/api:http"],[2,"u8",6]]],[8,"bin",""]] ## EINVAL: takeover needs the service.s frontends list \[at 8\]'
'REPLACE_SERVICE [[2,"nest",[[1,"str","default/api:http"],[2,"u8",6],[8,"nest",[[0,"nest",[[1,"u8",1],[2,"u16",2],[3,"bin","0a60000a"],[4,"u16",80]]]]]]],[8,"u8",1]] ## ERANGE: Attribute failed policy validation \[at 8\]'
'REPLACE_SERVICE [[2,"nest",[[1,"str","default/api:http"],[2,"u8",6],[8,"nest",[[0,"nest",[[1,"u8",1],[2,"u16",2],[3,"bin","0a60000a"],[4,"u16",80]]]]]]],[8,"bin",""],[8,"bin",""]] ## EINVAL: duplicate attribute \[at 8\]'
'REPLACE_SERVICE [[2,"nest",[[1,"str","default/api:http"],[2,"u8",6],[8,"nest",[[0,"nest",[[1,"u8",1],[2,"u16",2],[3,"bin","0a60000a"],[4,"u16",80]]]]],[9,"nest",[[0,"nest",['"$v4be"']],[0,"nest",['"$v4be"']]]]]],[8,"bin",""]] ## EINVAL: backend listed twice in the service \[at 2\.9\.0\]'
'REPLACE_SERVICE [[2,"nest",[[1,"str","default/api:http"],[2,"u8",6],[8,"nest",[[0,"nest",[[1,"u8",1],[2,"u16",2],[3,"bin","0a60000a"],[4,"u16",80]]],[0,"nest",[[1,"u8",1],[2,"u16",2],[3,"bin","0a60000a"],[4,"u16",80]]]]]]],[8,"bin",""]] ## EINVAL: frontend listed twice \[at 2\.8\.0\]'
'REPLACE_SERVICE [[2,"nest",[[1,"str","default/api:http"],[2,"u8",6],[3,"u8",9],[8,"nest",[[0,"nest",[[1,"u8",1],[2,"u16",2],[3,"bin","0a60000a"],[4,"u16",80]]]]]]],[8,"bin",""]] ## ERANGE: integer out of range \[at 2\.3\]'
'NEW_BACKEND ['"$svc_ref"',[4,"nest",[[1,"u16",2],[2,"bin","fd000000000000000000000000000001"],[3,"u16",80]]]] ## EINVAL: address length does not match its family \[at 4\.2\]'
'NEW_BACKEND ['"$svc_ref"',[4,"nest",[[1,"u16",10],[2,"bin","0a000001"],[3,"u16",80]]]] ## EINVAL: address length does not match its family \[at 4\.2\]'
'NEW_BACKEND ['"$svc_ref"',[4,"nest",[[1,"u16",3],[2,"bin","0a000001"],[3,"u16",80]]]] ## EAFNOSUPPORT: family must be AF_INET or AF_INET6 \[at 4\.1\]'
'NEW_BACKEND ['"$svc_ref"',[4,"nest",[[1,"u16",2],[2,"bin","0a00000100"],[3,"u16",80]]]] ## EINVAL: address length does not match its family \[at 4\.2\]'
'NEW_BACKEND ['"$svc_ref"',[4,"nest",[[1,"u16",2],[2,"bin","0a0001"],[3,"u16",80]]]] ## ERANGE: binary attribute size out of range \[at 4\.2\]'
'NEW_BACKEND ['"$svc_ref"',[4,"nest",[[1,"u16",2],[2,"bin","0a000001"],[3,"u16",0]]]] ## ERANGE: integer out of range \[at 4\.3\]'
'NEW_BACKEND ['"$svc_ref"',[4,"nest",[[1,"u16",2],[2,"bin","0a000001"],[3,"u32",80]]]] ## EINVAL: invalid attribute length \[at 4\.3\]'
'NEW_BACKEND ['"$svc_ref"',[4,"nest",['"$v4be"',[4,"u32",70000]]]] ## ERANGE: integer out of range \[at 4\.4\]'
'NEW_BACKEND ['"$svc_ref"',[4,"nest",['"$v4be"',[5,"u32",256]]]] ## EINVAL: reserved bit set \[at 4\.5\]'
'NEW_BACKEND ['"$svc_ref"',[4,"nest",['"$v4be"',[6,"nest",[]]]]] ## EINVAL: NLA_F_NESTED not expected \[at 4\.6\]'
'NEW_BACKEND ['"$svc_ref"',[4,"nest",['"$v4be"',[3,"u16",81]]]] ## EINVAL: duplicate attribute \[at 4\.3\]'
'NEW_BACKEND ['"$svc_ref"',[4,"nest",[[1,"u16",2],[3,"u16",80]]]] ## EINVAL: backend address missing \[missing 2 in 4\]'
'NEW_BACKEND ['"$svc_ref"',[4,"nest",[[1,"u16",2],[2,"bin","e0000001"],[3,"u16",80]]]] ## EINVAL: address must be a unicast address \[at 4\.2\]'
'NEW_BACKEND [[2,"nest",[[1,"str","default/web:http"],[2,"u8",6]]],[4,"nest",['"$v4be"']]] ## EINVAL: Unknown attribute type \[at 2\.2\]'
'NEW_BACKEND [[2,"nest",[[1,"str","nosuch"]]],[4,"nest",['"$v4be"']]] ## ENOENT: no such service \[at 2\]'
'NEW_BACKEND ['"$svc_ref"'] ## EINVAL: backend missing \[missing 4 in top level\]'
'NEW_FRONTEND ['"$svc_ref"',[3,"nest",[[1,"u8",0],[2,"u16",2],[3,"bin","0a60000b"],[4,"u16",80]]]] ## ERANGE: integer out of range \[at 3\.1\]'
'NEW_FRONTEND ['"$svc_ref"',[3,"nest",[[1,"u8",9],[2,"u16",2],[3,"bin","0a60000b"],[4,"u16",80]]]] ## ERANGE: integer out of range \[at 3\.1\]'
'NEW_FRONTEND ['"$svc_ref"',[3,"nest",[[1,"u8",1],[2,"u16",2],[3,"bin","0a60000b"]]]] ## EINVAL: frontend port missing \[missing 4 in 3\]'
'NEW_FRONTEND ['"$svc_ref"',[3,"nest",[[1,"u8",1],[2,"u16",2],[3,"bin","0a60000b"],[4,"u16",80],[5,"nest",[]]]]] ## EINVAL: source ranges apply to loadbalancer frontends only \[at 3\.5\]'
'SET_CONFIG [[5,"nest",[[1,"nest",[[0,"nest",[[1,"u16",2],[2,"bin","0a000001"],[3,"u8",8]]]]]]]] ## EINVAL: CIDR has host bits set \[at 5\.1\.0\.2\]'
'SET_CONFIG [[5,"nest",[[1,"nest",[[0,"nest",[[1,"u16",2],[2,"bin","0a000000"],[3,"u8",33]]]]]]]] ## EINVAL: IPv4 prefix length must be 0-32 \[at 5\.1\.0\.3\]'
'SET_CONFIG [[5,"nest",[[1,"nest",[[0,"nest",[[1,"u16",7],[2,"bin","0a000000"],[3,"u8",8]]]]]]]] ## EAFNOSUPPORT: family must be AF_INET or AF_INET6 \[at 5\.1\.0\.1\]'
'SET_CONFIG [[5,"nest",[[2,"u8",2]]]] ## ERANGE: integer out of range \[at 5\.2\]'
'SET_CONFIG [[5,"nest",[[6,"u32",1]]]] ## EBUSY: max-services is below the current count'
'SET_CONFIG [[5,"nest",[[8,"u32",70000]]]] ## ERANGE: integer out of range \[at 5\.8\]'
'NEW_SERVICE ["payload","28000280060001006100000000"] ## EINVAL: bytes leftover after parsing attributes'
'NEW_SERVICE ["payload","0200020000000000"] ## EINVAL: bytes leftover after parsing attributes'
'--replace NEW_SERVICE [[2,"nest",[[1,"str","z"],[2,"u8",6]]]] ## EINVAL: ambiguous or reserved bits set in nlmsg_flags'
'NEW_SERVICE ["payload","0c00028008000100"] ## EINVAL: bytes leftover after parsing attributes'
'DEL_SERVICE [[2,"nest",[[1,"str","nosuch"]]]] ## ENOENT: no such service \[at 2\]'
'GET_INFO [[1,"u8",1]] ## EINVAL: Unsupported attribute \[at 1\]'
'--dump GET_SERVICE [[2,"nest",[]]] ## EINVAL: service name missing'
'--dump GET_SERVICE [[2,"nest",[[1,"str",""]]]] ## EINVAL: service name is empty'
'--dump GET_SERVICE [[2,"nest",[[1,"str","x"],[1,"str","y"]]]] ## EINVAL: duplicate attribute'
'--dump GET_SERVICE [[2,"nest",[[1,"str","nosuch"]]]] ## ENOENT: no such service'
'--dump GET_STATS [[2,"nest",[]]] ## EINVAL: service name missing'
'--dump GET_STATS [[2,"nest",[[1,"str","a b"]]]] ## EINVAL: service name must be printable ASCII without blanks'
'FLUSH [[2,"nest",[]]] ## EINVAL: Unsupported attribute \[at 2\]'
)
batch=$(mktemp)
for r in "${raw[@]}"; do
	echo "${r% ## *}"
done > "$batch"
out=$(python3 "$NLRAW" --batch < "$batch")
i=0
for r in "${raw[@]}"; do
	i=$((i + 1))
	pattern=${r##* ## }
	line=$(echo "$out" | sed -n "${i}p")
	label="raw $i: ${r%%\[*}-> ${pattern}"
	echo "raw $i: $line"
	case $line in
	error*) if echo "$line" | grep -Eq -- "$pattern"; then
			pass "$label"
		else
			fail "$label" "got '$line'"
		fi ;;
	*) fail "$label" "accepted: '$line'" ;;
	esac
done
unchanged "raw messages"
pass "table unchanged after all bad input"
