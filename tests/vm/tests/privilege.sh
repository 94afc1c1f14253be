# Every state-changing command needs CAP_NET_ADMIN over the netns: a user
# namespace without it gets EPERM; reads stay open.
. "$SVCVIP_TOP/tests/vm/lib.sh"

module_load
name='[1,"str","default/web:http"]'
fe='[[1,"u8",1],[2,"u16",2],[3,"bin","0a60000a"],[4,"u16",80]]'
be='[[1,"u16",2],[2,"bin","0a00000b"],[3,"u16",8080]]'
declare -A msgs=(
	[NEW_SERVICE]="[[2,\"nest\",[$name,[2,\"u8\",6]]]]"
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
# the same messages succeed for root (NEW first so the others find it)
python3 "$NLRAW" NEW_SERVICE "${msgs[NEW_SERVICE]}" >/dev/null ||
	die "root NEW_SERVICE"
for cmd in "${!msgs[@]}"; do
	check_fails "userns without CAP_NET_ADMIN: $cmd is EPERM" '^error 1: EPERM' \
		unshare -Ur python3 "$NLRAW" "$cmd" "${msgs[$cmd]}"
	check_fails "user nobody: $cmd is EPERM" '^error 1: EPERM' \
		setpriv --reuid=65534 --regid=65534 --clear-groups \
		python3 "$NLRAW" "$cmd" "${msgs[$cmd]}"
done
check "userns can read: GET_INFO" unshare -Ur python3 "$NLRAW" GET_INFO '[]'
check "userns can read: dump" unshare -Ur python3 "$NLRAW" --dump GET_SERVICE '[]'

# a user namespace that owns its own netns is admin there, and only there
check "userns+netns may change its own table" \
	unshare -Urn python3 "$NLRAW" NEW_SERVICE "[[2,\"nest\",[[1,\"str\",\"mine\"],[2,\"u8\",6]]]]"
out=$(python3 "$NLRAW" --dump GET_SERVICE '[]')
expect_eq "init netns still has exactly its one service" "$out" "ok 1 replies"
