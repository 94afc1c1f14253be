# Every state-changing command needs CAP_NET_ADMIN over the netns: a user
# namespace without it, and an unprivileged user, get EPERM; so do the reads
# that reveal traffic or cost a conntrack walk (GET_STATS, LOOKUP) and
# joining the events group; the table and config dumps stay open; a user
# namespace that owns its netns is admin there only.
. "$SVCVIP_TOP/tests/vm/lib.sh"

module_load
name='[1,"str","default/web:http"]'
fe='[[1,"u8",1],[2,"u16",2],[3,"bin","0a60000a"],[4,"u16",80]]'
be='[[1,"u16",2],[2,"bin","0a00000b"],[3,"u16",8080]]'
cmds=(NEW_SERVICE REPLACE_SERVICE SET_SERVICE DEL_SERVICE NEW_FRONTEND
      DEL_FRONTEND NEW_BACKEND SET_BACKEND DEL_BACKEND FLUSH SET_CONFIG)
declare -A msgs=(
	[NEW_SERVICE]="[[2,\"nest\",[$name,[2,\"u8\",6]]]]"
	[REPLACE_SERVICE]="[[2,\"nest\",[$name,[2,\"u8\",6]]]]"
	[SET_SERVICE]="[[2,\"nest\",[$name,[3,\"u8\",1]]]]"
	[DEL_SERVICE]="[[2,\"nest\",[$name]]]"
	[NEW_FRONTEND]="[[2,\"nest\",[$name]],[3,\"nest\",$fe]]"
	[DEL_FRONTEND]="[[2,\"nest\",[$name]],[3,\"nest\",$fe]]"
	[NEW_BACKEND]="[[2,\"nest\",[$name]],[4,\"nest\",$be]]"
	[SET_BACKEND]="[[2,\"nest\",[$name]],[4,\"nest\",$be]]"
	[DEL_BACKEND]="[[2,\"nest\",[$name]],[4,\"nest\",$be]]"
	[FLUSH]="[]"
	[SET_CONFIG]="[[5,\"nest\",[[2,\"u8\",1]]]]"
)
batch=$(mktemp)
for c in "${cmds[@]}"; do
	echo "$c ${msgs[$c]}"
done > "$batch"

# The messages are valid: root may send every one of them.
svcadm service add default/web:http proto tcp || die "service add"
svcadm frontend add default/web:http clusterip 10.96.0.10:80 || die "fe"
svcadm backend add default/web:http 10.0.0.11:8080 || die "be"
before=$(svcadm save)

check_all_eperm() {	# label, command prefix...
	local label=$1 out i
	shift
	out=$("$@" python3 "$NLRAW" --batch < "$batch")
	for i in "${!cmds[@]}"; do
		line=$(echo "$out" | sed -n "$((i + 1))p")
		case $line in
		"error 1: EPERM"*) pass "$label: ${cmds[$i]} is EPERM" ;;
		*) fail "$label: ${cmds[$i]} is EPERM" "got '$line'" ;;
		esac
	done
}
check_all_eperm "userns without CAP_NET_ADMIN" unshare -Ur
check_all_eperm "user nobody" setpriv --reuid=65534 --regid=65534 --clear-groups
expect_eq "refused commands changed nothing" "$(svcadm save)" "$before"

check "userns can read: version" unshare -Ur "$SVCADM" version

# what root reads: the reads that stay open must show the same, not an
# empty dump
shown=$(svcadm -n service show) config=$(svcadm config show)
check "root: service show lists the service and its backend" \
	grep -qz 'default/web:http.*10\.0\.0\.11:8080' <<<"$shown"
check "root: save has the service, frontend and backend" \
	grep -qz 'service add default/web:http.*10\.96\.0\.10:80.*10\.0\.0\.11:8080' <<<"$before"
check "root: config show says something" test -n "$config"

# Reads that reveal who uses what (stats, lookup's affinity, events) or walk
# the conntrack table need CAP_NET_ADMIN too, as IPVS asks even for reads.
lk='[[6,"nest",[[1,"u8",6],[2,"u16",2],[5,"bin","0a60000a"],[6,"u16",80]]]]'
printf '%s\n' "--dump GET_STATS []" "LOOKUP $lk" > "$batch.reads"
check "root: GET_STATS and LOOKUP answer" python3 "$NLRAW" --batch < "$batch.reads"
for who in "userns without CAP_NET_ADMIN:unshare -Ur" \
	   "user nobody:setpriv --reuid=65534 --regid=65534 --clear-groups"; do
	label=${who%%:*}
	read -ra pre <<<"${who#*:}"
	out=$("${pre[@]}" python3 "$NLRAW" --batch < "$batch.reads")
	expect_eq "$label: GET_STATS is EPERM" "$(sed -n 1p <<<"$out" | cut -d: -f1)" "error 1"
	expect_eq "$label: LOOKUP is EPERM" "$(sed -n 2p <<<"$out" | cut -d: -f1)" "error 1"
	check_fails "$label: svcadm stats is refused" 'Operation not permitted' \
		"${pre[@]}" "$SVCADM" stats
	check_fails "$label: svcadm lookup is refused" 'Operation not permitted' \
		"${pre[@]}" "$SVCADM" lookup tcp 10.96.0.10:80 from 10.0.0.1
	check_fails "$label: svcadm monitor cannot join the events group" \
		'Operation not permitted' timeout 5 "${pre[@]}" "$SVCADM" monitor
	expect_eq "$label: service show stays readable (as root sees it)" \
		"$("${pre[@]}" "$SVCADM" -n service show 2>&1)" "$shown"
	expect_eq "$label: save stays readable (as root sees it)" \
		"$("${pre[@]}" "$SVCADM" save 2>&1)" "$before"
	expect_eq "$label: config show stays readable (as root sees it)" \
		"$("${pre[@]}" "$SVCADM" config show 2>&1)" "$config"
done
# an owner of its own netns may read its own stats, lookups and events
check "userns+netns: stats of its own table" unshare -Urn "$SVCADM" stats
check "userns+netns: lookup in its own table" \
	unshare -Urn "$SVCADM" lookup tcp 10.96.0.10:80
timeout 3 unshare -Urn "$SVCADM" monitor > /dev/null 2>&1
expect_eq "userns+netns: monitor joins its own events group (runs until killed)" "$?" 124
expect_eq "nobody can read: service show (as root sees it)" \
	"$(setpriv --reuid=65534 --regid=65534 --clear-groups "$SVCADM" -n service show 2>&1)" \
	"$shown"
check_fails "svcadm as nobody: EPERM is reported" \
	'Operation not permitted' setpriv --reuid=65534 --regid=65534 \
	--clear-groups "$SVCADM" flush

# a user namespace owning its own netns is admin there, and only there
check "userns+netns may change its own table" \
	unshare -Urn "$SVCADM" service add mine proto tcp
expect_eq "init netns unchanged by it" "$(svcadm save)" "$before"

# No command names another netns: a socket reads and changes only the
# table of the netns it was opened in, whoever opens it.
ip netns add other
expect_eq "another netns sees no service" \
	"$(ip netns exec other "$SVCADM" save | grep -c '^service')" 0
check_fails "another netns cannot show the service by name" 'no such service' \
	ip netns exec other "$SVCADM" service show default/web:http
check_fails "another netns cannot delete it" 'no such service' \
	ip netns exec other "$SVCADM" service del default/web:http
check_fails "unshare -Urn cannot see it either" 'no such service' \
	unshare -Urn "$SVCADM" service show default/web:http
expect_eq "init netns unchanged by the other netns" "$(svcadm save)" "$before"
ip netns delete other

# and root may send each of them (in an order where each one applies)
svcadm flush
for c in NEW_SERVICE REPLACE_SERVICE SET_SERVICE NEW_FRONTEND NEW_BACKEND SET_BACKEND \
	 DEL_BACKEND DEL_FRONTEND SET_CONFIG DEL_SERVICE FLUSH; do
	echo "$c ${msgs[$c]}"
done > "$batch"
check "root: the same messages succeed" python3 "$NLRAW" --batch < "$batch"
