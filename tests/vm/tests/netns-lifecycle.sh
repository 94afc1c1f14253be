# Per-netns state: tables are separate, a netns can die while the module
# is loaded and while it has services, and rmmod cleans up the rest.
. "$SVCVIP_TOP/tests/vm/lib.sh"

module_load
svc() {
	echo "[[2,\"nest\",[[1,\"str\",\"$1\"],[2,\"u8\",6],[8,\"nest\",[[0,\"nest\",[[1,\"u8\",1],[2,\"u16\",2],[3,\"bin\",\"0a60000a\"],[4,\"u16\",80]]]]],[9,\"nest\",[[0,\"nest\",[[1,\"u16\",2],[2,\"bin\",\"0a00000b\"],[3,\"u16\",8080]]]]]]]]"
}
services_in() {	# services dumped in netns $1 (one message each)
	ip netns exec "$1" python3 "$NLRAW" --dump GET_SERVICE '[]' |
		sed -n 's/^ok \([0-9]*\) replies$/\1/p'
}

ip netns add a
ip netns add b
check "service in netns a" ip netns exec a python3 "$NLRAW" NEW_SERVICE "$(svc s1)"
check "same name in netns b" ip netns exec b python3 "$NLRAW" NEW_SERVICE "$(svc s1)"
check "second service in b" ip netns exec b python3 "$NLRAW" NEW_SERVICE "$(svc s2)"
expect_eq "netns a has 1 service" "$(services_in a)" 1
expect_eq "netns b has 2 services" "$(services_in b)" 2
expect_eq "init netns has none" \
	"$(python3 "$NLRAW" --dump GET_SERVICE '[]')" "ok 0 replies"

# a dying netns with services and live hooks
ip netns exec a sh -c 'ip link set lo up; ping -c1 -W1 127.0.0.1 >/dev/null'
check "delete netns a while loaded" ip netns delete a
sleep 1
# many short-lived netns with services
for i in $(seq 1 20); do
	ip netns add "t$i"
	ip netns exec "t$i" python3 "$NLRAW" NEW_SERVICE "$(svc x$i)" >/dev/null
	ip netns delete "t$i"
done
pass "20 netns created with a service and deleted"
check "rmmod with netns b holding services" rmmod svcvip
check "netns b survives rmmod" ip netns exec b true
