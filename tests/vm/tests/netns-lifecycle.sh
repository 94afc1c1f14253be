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

# a dying netns with services, hooks and live conntrack entries through
# them: the backend's address on lo, a server on it, and an uplink with a
# default route so that the netns's own connections to the cluster IP are
# routed (then DNATed to the backend in LOCAL_OUT)
ip -n a link set lo up
ip -n a addr add 10.0.0.11/32 dev lo
ip -n a link add eth0 type dummy
ip -n a link set eth0 up
ip -n a addr add 192.168.0.1/24 dev eth0
ip -n a route add default via 192.168.0.254 dev eth0 onlink
serve a tcp 8080 a-backend
out=$(in_ns a "$VIPCHECK" connect --proto tcp --addr 10.96.0.1 --port 80 \
	--count 5 --timeout-ms 2000)
expect_eq "netns a: 5 connections through its cluster IP answered" "$(stat_of "$out" ok)" 5
# the server goes too (it would keep the netns alive); the entries stay
ip netns pids a | xargs -r kill
for _ in $(seq 1 50); do [ -z "$(ip netns pids a)" ] && break; sleep 0.1; done
expect_eq "netns a: no process left in it" "$(ip netns pids a)" ""
ct=$(in_ns a conntrack -L -p tcp 2>/dev/null)
echo "$ct"
expect_range "netns a: conntrack entries DNATed by svcvip (10.96.0.1:80 -> 10.0.0.11:8080) before its deletion" \
	"$(grep -cE 'dst=10\.96\.0\.1 .*dport=80 .*src=10\.0\.0\.11 .*sport=8080 ' <<<"$ct")" 5 1000
check "delete netns a while loaded" ip netns delete a
for i in $(seq 1 20); do
	ip netns add "t$i"
	add_svc "t$i" "x$i" 10.96.1.$i >/dev/null || fail "netns t$i service"
	ip netns delete "t$i"
done
pass "20 netns created with a service and deleted"
check "rmmod with netns b holding services" rmmod svcvip
check "netns b survives rmmod" ip netns exec b true
