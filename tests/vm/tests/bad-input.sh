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
# Each entry: a message, " ## ", the pattern its error must match.
svc_ref='[2,"nest",[[1,"str","default/web:http"]]]'
v4be='[1,"u16",2],[2,"bin","0a000063"],[3,"u16",80]'
raw=(
'NEW_SERVICE [] ## service missing'
'NEW_SERVICE [[2,"nest",[[2,"u8",6]]]] ## service name missing'
'NEW_SERVICE [[2,"nest",[[1,"str","x"]]]] ## service protocol missing'
'NEW_SERVICE [[2,"nest",[[1,"str","x"],[1,"str","y"],[2,"u8",6]]]] ## duplicate attribute'
'NEW_SERVICE [[2,"nest",[[1,"str","x"],[2,"u8",6]]],[2,"nest",[[1,"str","y"],[2,"u8",6]]]] ## duplicate attribute'
'NEW_SERVICE [[2,"nest",[[1,"str","x"],[2,"u8",7]]]] ## protocol must be tcp, udp or sctp'
'NEW_SERVICE [[2,"nest",[[1,"str","x"],[2,"u8",6],[3,"u8",9]]]] ## ERANGE'
'NEW_SERVICE [[2,"nest",[[1,"str","x"],[2,"u16",6]]]] ## EINVAL'
'NEW_SERVICE [[2,"nest",[[1,"str",""],[2,"u8",6]]]] ## service name is empty'
'NEW_SERVICE [[2,"nest",[[1,"str","a b"],[2,"u8",6]]]] ## printable ASCII'
'NEW_SERVICE [[2,"nest",[[1,"str","'"$long"'"],[2,"u8",6]]]] ## ERANGE|EINVAL'
'NEW_SERVICE [[2,"nest",[[1,"bin","6162"],[2,"u8",6]]]] ## EINVAL'
'NEW_SERVICE [[2,"nest",[[1,"str","x"],[2,"u8",6],[5,"u32",86401]]]] ## EINVAL|ERANGE'
'NEW_SERVICE [[2,"nest",[[1,"str","x"],[2,"u8",6],[10,"nest",[]]]]] ## EINVAL'
'NEW_SERVICE [[2,"nest",[[1,"str","x"],[2,"u8",6],[11,"u8",1]]]] ## EINVAL'
'NEW_SERVICE [[42,"u8",1]] ## EINVAL'
'NEW_SERVICE [[2,"u8",1]] ## EINVAL'
'NEW_SERVICE [[2,"nest",[[1,"str","x"],[2,"u8",6],[9,"nest",[[0,"nest",['"$v4be"']],[0,"nest",['"$v4be"']]]]]]] ## backend listed twice'
'NEW_SERVICE [[2,"nest",[[1,"str","x"],[2,"u8",6],[8,"nest",[[0,"nest",[[1,"u8",1],[2,"u16",2],[3,"bin","0a60000b"],[4,"u16",80]]],[0,"nest",[[1,"u8",1],[2,"u16",2],[3,"bin","0a60000b"],[4,"u16",80]]]]]]]] ## frontend listed twice'
'NEW_SERVICE [[2,"nest",[[1,"str","x"],[2,"u8",6],[8,"nest",[[0,"nest",[[1,"u8",1],[2,"u16",2],[3,"bin","0a60000a"],[4,"u16",80]]]]]]]] ## belongs to another service'
'REPLACE_SERVICE [[2,"nest",[[1,"str","default/dns:dns"],[2,"u8",6],[8,"nest",[[0,"nest",[[1,"u8",1],[2,"u16",2],[3,"bin","0a60000a"],[4,"u16",80]]]]],[9,"nest",[]]]]] ## belongs to another service'
'REPLACE_SERVICE [[2,"nest",[[1,"str","default/dns:dns"],[2,"u8",17],[9,"nest",[[0,"nest",[[1,"u16",2],[2,"bin","0a00000100000000000000000000000000"],[3,"u16",53]]]]]]]] ## EINVAL|ERANGE'
'NEW_SERVICE [[2,"nest",[[1,"str","default/api:http"],[2,"u8",6],[8,"nest",[[0,"nest",[[1,"u8",1],[2,"u16",2],[3,"bin","0a60000a"],[4,"u16",80]]]]]]],[8,"bin",""]] ## Unsupported attribute'
'SET_SERVICE [[2,"nest",[[1,"str","default/api:http"]]],[8,"bin",""]] ## Unsupported attribute'
'REPLACE_SERVICE [[2,"nest",[[1,"str","default/api:http"],[2,"u8",6]]],[8,"bin",""]] ## takeover needs the service.s frontends list'
'REPLACE_SERVICE [[2,"nest",[[1,"str","default/api:http"],[2,"u8",6],[8,"nest",[[0,"nest",[[1,"u8",1],[2,"u16",2],[3,"bin","0a60000a"],[4,"u16",80]]]]]]],[8,"u8",1]] ## EINVAL|ERANGE'
'REPLACE_SERVICE [[2,"nest",[[1,"str","default/api:http"],[2,"u8",6],[8,"nest",[[0,"nest",[[1,"u8",1],[2,"u16",2],[3,"bin","0a60000a"],[4,"u16",80]]]]]]],[8,"bin",""],[8,"bin",""]] ## duplicate attribute'
'REPLACE_SERVICE [[2,"nest",[[1,"str","default/api:http"],[2,"u8",6],[8,"nest",[[0,"nest",[[1,"u8",1],[2,"u16",2],[3,"bin","0a60000a"],[4,"u16",80]]]]],[9,"nest",[[0,"nest",['"$v4be"']],[0,"nest",['"$v4be"']]]]]],[8,"bin",""]] ## backend listed twice'
'REPLACE_SERVICE [[2,"nest",[[1,"str","default/api:http"],[2,"u8",6],[8,"nest",[[0,"nest",[[1,"u8",1],[2,"u16",2],[3,"bin","0a60000a"],[4,"u16",80]]],[0,"nest",[[1,"u8",1],[2,"u16",2],[3,"bin","0a60000a"],[4,"u16",80]]]]]]],[8,"bin",""]] ## frontend listed twice'
'REPLACE_SERVICE [[2,"nest",[[1,"str","default/api:http"],[2,"u8",6],[3,"u8",9],[8,"nest",[[0,"nest",[[1,"u8",1],[2,"u16",2],[3,"bin","0a60000a"],[4,"u16",80]]]]]]],[8,"bin",""]] ## EINVAL|ERANGE'
'NEW_BACKEND ['"$svc_ref"',[4,"nest",[[1,"u16",2],[2,"bin","fd000000000000000000000000000001"],[3,"u16",80]]]] ## address length does not match its family'
'NEW_BACKEND ['"$svc_ref"',[4,"nest",[[1,"u16",10],[2,"bin","0a000001"],[3,"u16",80]]]] ## address length does not match its family'
'NEW_BACKEND ['"$svc_ref"',[4,"nest",[[1,"u16",3],[2,"bin","0a000001"],[3,"u16",80]]]] ## family must be AF_INET or AF_INET6'
'NEW_BACKEND ['"$svc_ref"',[4,"nest",[[1,"u16",2],[2,"bin","0a00000100"],[3,"u16",80]]]] ## address length does not match its family'
'NEW_BACKEND ['"$svc_ref"',[4,"nest",[[1,"u16",2],[2,"bin","0a0001"],[3,"u16",80]]]] ## EINVAL|ERANGE'
'NEW_BACKEND ['"$svc_ref"',[4,"nest",[[1,"u16",2],[2,"bin","0a000001"],[3,"u16",0]]]] ## EINVAL|ERANGE'
'NEW_BACKEND ['"$svc_ref"',[4,"nest",[[1,"u16",2],[2,"bin","0a000001"],[3,"u32",80]]]] ## EINVAL|ERANGE'
'NEW_BACKEND ['"$svc_ref"',[4,"nest",['"$v4be"',[4,"u32",70000]]]] ## EINVAL|ERANGE'
'NEW_BACKEND ['"$svc_ref"',[4,"nest",['"$v4be"',[5,"u32",256]]]] ## EINVAL'
'NEW_BACKEND ['"$svc_ref"',[4,"nest",['"$v4be"',[6,"nest",[]]]]] ## EINVAL'
'NEW_BACKEND ['"$svc_ref"',[4,"nest",['"$v4be"',[3,"u16",81]]]] ## duplicate attribute'
'NEW_BACKEND ['"$svc_ref"',[4,"nest",[[1,"u16",2],[3,"u16",80]]]] ## backend address missing'
'NEW_BACKEND ['"$svc_ref"',[4,"nest",[[1,"u16",2],[2,"bin","e0000001"],[3,"u16",80]]]] ## unicast'
'NEW_BACKEND [[2,"nest",[[1,"str","default/web:http"],[2,"u8",6]]],[4,"nest",['"$v4be"']]] ## EINVAL'
'NEW_BACKEND [[2,"nest",[[1,"str","nosuch"]]],[4,"nest",['"$v4be"']]] ## no such service'
'NEW_BACKEND ['"$svc_ref"'] ## backend missing'
'NEW_FRONTEND ['"$svc_ref"',[3,"nest",[[1,"u8",0],[2,"u16",2],[3,"bin","0a60000b"],[4,"u16",80]]]] ## EINVAL|ERANGE'
'NEW_FRONTEND ['"$svc_ref"',[3,"nest",[[1,"u8",9],[2,"u16",2],[3,"bin","0a60000b"],[4,"u16",80]]]] ## EINVAL|ERANGE'
'NEW_FRONTEND ['"$svc_ref"',[3,"nest",[[1,"u8",1],[2,"u16",2],[3,"bin","0a60000b"]]]] ## frontend port missing'
'NEW_FRONTEND ['"$svc_ref"',[3,"nest",[[1,"u8",1],[2,"u16",2],[3,"bin","0a60000b"],[4,"u16",80],[5,"nest",[]]]]] ## source ranges apply to loadbalancer'
'SET_CONFIG [[5,"nest",[[1,"nest",[[0,"nest",[[1,"u16",2],[2,"bin","0a000001"],[3,"u8",8]]]]]]]] ## host bits'
'SET_CONFIG [[5,"nest",[[1,"nest",[[0,"nest",[[1,"u16",2],[2,"bin","0a000000"],[3,"u8",33]]]]]]]] ## prefix length'
'SET_CONFIG [[5,"nest",[[1,"nest",[[0,"nest",[[1,"u16",7],[2,"bin","0a000000"],[3,"u8",8]]]]]]]] ## family'
'SET_CONFIG [[5,"nest",[[2,"u8",2]]]] ## EINVAL|ERANGE'
'SET_CONFIG [[5,"nest",[[6,"u32",1]]]] ## below the current count'
'SET_CONFIG [[5,"nest",[[8,"u32",70000]]]] ## EINVAL|ERANGE'
'NEW_SERVICE ["payload","28000280060001006100000000"] ## EINVAL'
'NEW_SERVICE ["payload","0200020000000000"] ## EINVAL'
'--replace NEW_SERVICE [[2,"nest",[[1,"str","z"],[2,"u8",6]]]] ## reserved bits'
'NEW_SERVICE ["payload","0c00028008000100"] ## EINVAL'
'DEL_SERVICE [[2,"nest",[[1,"str","nosuch"]]]] ## no such service'
'GET_INFO [[1,"u8",1]] ## EINVAL'
'--dump GET_SERVICE [[2,"nest",[]]] ## service name missing'
'--dump GET_SERVICE [[2,"nest",[[1,"str",""]]]] ## service name is empty'
'--dump GET_SERVICE [[2,"nest",[[1,"str","x"],[1,"str","y"]]]] ## duplicate attribute'
'--dump GET_SERVICE [[2,"nest",[[1,"str","nosuch"]]]] ## no such service'
'--dump GET_STATS [[2,"nest",[]]] ## service name missing'
'--dump GET_STATS [[2,"nest",[[1,"str","a b"]]]] ## printable ASCII'
'FLUSH [[2,"nest",[]]] ## EINVAL'
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
