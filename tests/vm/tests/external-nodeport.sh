# NodePorts on the two-node cluster: the port answers on every address of
# the node (the LAN address and the pod-side gateway address, IPv4 and
# IPv6) but not on 127.0.0.1 / ::1, where a host process listening on the
# same port answers instead (so "not translated" is told apart from
# "rejected"); `family ipv4` limits a NodePort to IPv4; nodeport-addresses
# narrows the addresses and `all` widens them again; from the node itself
# with external-policy local the cluster set is used, masqueraded; IPv6
# with external-policy local preserves the client address, with policy
# cluster it is masqueraded.
. "$SVCVIP_TOP/tests/vm/lib.sh"
. "$SVCVIP_TOP/tests/vm/lib_cluster.sh"

module_load
cluster_two_nodes
ip netns exec node1 "$VIPCHECK" serve --proto tcp --port 30080 \
	--name node1-host --daemon >/dev/null || die "host server"

cluster_apply <<'END'
service add np proto tcp
frontend add np nodeport 30080
backend add np 10.244.1.11:8080 @n1a
backend add np 10.244.2.11:8080 @n2a
backend add np [fd00:244:1::11]:8080 @n1a
backend add np [fd00:244:2::11]:8080 @n2a
service add np4 proto tcp
frontend add np4 nodeport 30070 family ipv4
backend add np4 10.244.1.11:8080 @n1a
backend add np4 [fd00:244:1::11]:8080 @n1a
service add npl proto tcp external-policy local
frontend add npl nodeport 30085
backend add npl 10.244.2.11:8080 @n2a
backend add npl [fd00:244:2::11]:8080 @n2a
service add np6l proto tcp external-policy local
frontend add np6l nodeport 30090
backend add np6l [fd00:244:1::11]:8080 @n1a
backend add np6l [fd00:244:2::11]:8080 @n2a
END


# every node address, both nodes, from the external client (policy cluster:
# masqueraded to the node's address toward the backend)
M1="n1a=10.244.1.1 n2a=192.168.0.1"
M1v6="n1a=fd00:244:1::1 n2a=fd00:192::1"
expect_vc "node1 LAN address 192.168.0.1" ok "n1a n2a" "$M1" ext \
	--proto tcp --addr 192.168.0.1 --port 30080 $OK
expect_vc "node1 pod gateway address 10.244.1.1" ok "n1a n2a" "$M1" ext \
	--proto tcp --addr 10.244.1.1 --port 30080 $OK
expect_vc "node1 LAN address fd00:192::1" ok "n1a n2a" "$M1v6" ext \
	--proto tcp --addr fd00:192::1 --port 30080 $OK
expect_vc "node1 pod gateway address fd00:244:1::1" ok "n1a n2a" "$M1v6" ext \
	--proto tcp --addr fd00:244:1::1 --port 30080 $OK
expect_vc "node2 LAN address 192.168.0.2" ok "n1a n2a" \
	"n1a=192.168.0.2 n2a=10.244.2.1" ext --proto tcp --addr 192.168.0.2 --port 30080 $OK
expect_vc "node2 LAN address fd00:192::2" ok "n1a n2a" \
	"n1a=fd00:192::2 n2a=fd00:244:2::1" ext --proto tcp --addr fd00:192::2 --port 30080 $OK
expect_vc "from node1 itself to its LAN address" ok "n1a n2a" "$M1" node1 \
	--proto tcp --addr 192.168.0.1 --port 30080 $OK
# loopback: never translated, the host process answers
expect_vc "127.0.0.1 is not a NodePort address (host process answers)" ok \
	node1-host - node1 --proto tcp --addr 127.0.0.1 --port 30080 $OK
expect_vc "::1 is not a NodePort address (host process answers)" ok \
	node1-host - node1 --proto tcp --addr ::1 --port 30080 $OK
expect_lookup -x "lookup 127.0.0.1:30080 says verdict none" \
	'verdict none' tcp 127.0.0.1:30080
expect_lookup "lookup 192.168.0.1:30080 from ext says dnat, masquerade external" \
	'verdict dnat.*masquerade external' tcp 192.168.0.1:30080 from 192.168.0.100
# an address that is not the node's: not a NodePort (node1 routes it on)
expect_lookup -x "lookup of a non-node address:30080 says verdict none" \
	'verdict none' tcp 10.244.2.11:30080 from 192.168.0.100

# family ipv4 only
expect_vc "family ipv4 NodePort answers on IPv4" ok n1a "n1a=10.244.1.1" ext \
	--proto tcp --addr 192.168.0.1 --port 30070 $OK
expect_lookup -x "family ipv4 NodePort: lookup on IPv6 says verdict none" \
	'verdict none' tcp '[fd00:192::1]:30070' from fd00:192::100

# external-policy local, node itself: cluster set (n2a on node2 only),
# masqueraded; the node's source for its own pod-gateway address would
# otherwise be 10.244.1.1
expect_vc "policy local, from node1 to its 10.244.1.1: remote backend, masqueraded" \
	ok n2a "n2a=192.168.0.1" node1 --proto tcp --addr 10.244.1.1 --port 30085 $OK
expect_vc "policy local, from node1 to its 192.168.0.1: remote backend, masqueraded" \
	ok n2a "n2a=192.168.0.1" node1 --proto tcp --addr 192.168.0.1 --port 30085 $OK
expect_vc "policy local, from ext, no local backend: dropped" timeout - - ext \
	--proto tcp --addr 192.168.0.1 --port 30085 $DROP

# IPv6, external-policy local: each node serves its own local backend and
# the backend sees the client's address
expect_vc "IPv6 policy local via node1: n1a, source preserved" ok n1a \
	"n1a=fd00:192::100" ext --proto tcp --addr fd00:192::1 --port 30090 $OK
expect_vc "IPv6 policy local via node2: n2a, source preserved" ok n2a \
	"n2a=fd00:192::100" ext --proto tcp --addr fd00:192::2 --port 30090 $OK
expect_vc "IPv6 policy local, from c2 to node1: n1a, source preserved" ok n1a \
	"n1a=fd00:244:2::100" c2 --proto tcp --addr fd00:192::1 --port 30090 $OK
expect_lookup "IPv6 policy local lookup: dnat to n1a, masquerade none" \
	'verdict dnat.*backend \[fd00:244:1::11\]:8080.*masquerade none' \
	tcp '[fd00:192::1]:30090' from fd00:192::100

# nodeport-addresses: only the LAN addresses
in_ns node1 "$SVCADM" config set nodeport-addresses 192.168.0.0/24,fd00:192::/64 ||
	fail "config set nodeport-addresses" "refused"
expect_vc "nodeport-addresses LAN: 192.168.0.1 still a NodePort" ok "n1a n2a" "$M1" \
	ext --proto tcp --addr 192.168.0.1 --port 30080 $OK
expect_vc "nodeport-addresses LAN: fd00:192::1 still a NodePort" ok "n1a n2a" "$M1v6" \
	ext --proto tcp --addr fd00:192::1 --port 30080 $OK
expect_vc "nodeport-addresses LAN: 10.244.1.1 no longer (host process answers)" ok \
	node1-host - ext --proto tcp --addr 10.244.1.1 --port 30080 $OK
expect_vc "nodeport-addresses LAN: fd00:244:1::1 no longer (host process answers)" ok \
	node1-host - ext --proto tcp --addr fd00:244:1::1 --port 30080 $OK
expect_lookup -x "nodeport-addresses LAN: lookup 10.244.1.1 says verdict none" \
	'verdict none' tcp 10.244.1.1:30080 from 192.168.0.100
expect_vc "nodeport-addresses on node1 only: node2's 10.244.2.1 still a NodePort" ok \
	"n1a n2a" "n1a=192.168.0.2 n2a=10.244.2.1" ext --proto tcp --addr 10.244.2.1 \
	--port 30080 $OK
in_ns node1 "$SVCADM" config set nodeport-addresses all ||
	fail "config set nodeport-addresses all" "refused"
expect_vc "nodeport-addresses all: 10.244.1.1 a NodePort again" ok "n1a n2a" "$M1" \
	ext --proto tcp --addr 10.244.1.1 --port 30080 $OK
