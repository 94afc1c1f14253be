# Per-netns state: tables are separate, a netns can die while the module
# is loaded and while it has services and live conntrack entries, and rmmod
# cleans up the rest.
. "$SVCVIP_TOP/tests/vm/lib.sh"

module_load
add_svc() {	# netns name clusterip
	ip netns exec "$1" "$SVCADM" service add "$2" proto tcp &&
	ip netns exec "$1" "$SVCADM" frontend add "$2" clusterip "$3:80" &&
	ip netns exec "$1" "$SVCADM" backend add "$2" 10.0.0.11:8080
}
count_in() {
	ip netns exec "$1" "$SVCADM" save | grep -c '^service '
}

ip netns add a
ip netns add b
check "service in netns a" add_svc a s1 10.96.0.1
check "same name and IP in netns b" add_svc b s1 10.96.0.1
check "second service in b" add_svc b s2 10.96.0.2
expect_eq "netns a has 1 service" "$(count_in a)" 1
expect_eq "netns b has 2 services" "$(count_in b)" 2
expect_eq "init netns has none" "$(svcadm save | grep -c '^service ')" 0

# a dying netns with services, hooks and a conntrack entry through them
ip -n a link set lo up
ip -n a addr add 10.0.0.11/32 dev lo
ip netns exec a "$VIPCHECK" connect --proto tcp --addr 10.96.0.1 --port 80 \
	--timeout-ms 500 >/dev/null 2>&1
check "delete netns a while loaded" ip netns delete a
for i in $(seq 1 20); do
	ip netns add "t$i"
	add_svc "t$i" "x$i" 10.96.1.$i >/dev/null || fail "netns t$i service"
	ip netns delete "t$i"
done
pass "20 netns created with a service and deleted"
check "rmmod with netns b holding services" rmmod svcvip
check "netns b survives rmmod" ip netns exec b true
