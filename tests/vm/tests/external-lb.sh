# Load balancer IPs and external IPs on the two-node cluster:
# source-ranges admit the listed clients and silently drop the others (a
# timeout, not a refusal; lookup says drop / source-range), for IPv4 and
# IPv6; the ranges apply to the LB address only, not to the same
# service's NodePort nor to its external IP; an LB without ranges serves
# everyone; IPv6 LB with external-policy local keeps the client address,
# with policy cluster masquerades it.
. "$SVCVIP_TOP/tests/vm/lib.sh"
. "$SVCVIP_TOP/tests/vm/lib_cluster.sh"

module_load
cluster_two_nodes
cluster_apply <<'END'
service add lb proto tcp
frontend add lb loadbalancer 203.0.113.50:80 source-ranges 192.168.0.100/31,10.99.0.0/16
frontend add lb loadbalancer [fd00:203::50]:80 source-ranges fd00:192::100/127
frontend add lb externalip 203.0.113.51:80
frontend add lb nodeport 30050
backend add lb 10.244.1.11:8080 @n1a
backend add lb 10.244.2.11:8080 @n2a
backend add lb [fd00:244:1::11]:8080 @n1a
backend add lb [fd00:244:2::11]:8080 @n2a
service add open proto tcp
frontend add open loadbalancer 203.0.113.52:80
frontend add open loadbalancer [fd00:203::52]:80
backend add open 10.244.1.11:8080 @n1a
backend add open [fd00:244:1::11]:8080 @n1a
service add lb6l proto tcp external-policy local
frontend add lb6l loadbalancer [fd00:203::60]:80
backend add lb6l [fd00:244:1::11]:8080 @n1a
backend add lb6l [fd00:244:2::11]:8080 @n2a
END
M1="n1a=10.244.1.1 n2a=192.168.0.1"
M1v6="n1a=fd00:244:1::1 n2a=fd00:192::1"

for src in 192.168.0.100 192.168.0.101; do
	expect_vc "LB 203.0.113.50 from $src (in range): served, masqueraded" ok \
		"n1a n2a" "$M1" ext --proto tcp --addr 203.0.113.50 --port 80 --src $src $OK
done
for src in 192.168.0.102 192.168.0.104; do
	expect_vc "LB 203.0.113.50 from $src (outside): dropped" timeout - - ext \
		--proto tcp --addr 203.0.113.50 --port 80 --src $src $DROP
done
expect_lookup "LB lookup from outside the ranges: drop, source-range" \
	'verdict drop.*reason source-range' tcp 203.0.113.50:80 from 192.168.0.102
expect_lookup -x "LB lookup from inside the ranges: dnat" \
	'verdict dnat' tcp 203.0.113.50:80 from 192.168.0.101
expect_vc "LB from a pod outside the ranges (c1): dropped" timeout - - c1 \
	--proto tcp --addr 203.0.113.50 --port 80 $DROP
expect_vc "same service's NodePort from 192.168.0.102: served" ok "n1a n2a" "$M1" \
	ext --proto tcp --addr 192.168.0.1 --port 30050 --src 192.168.0.102 $OK
expect_vc "same service's external IP from 192.168.0.102: served" ok "n1a n2a" "$M1" \
	ext --proto tcp --addr 203.0.113.51 --port 80 --src 192.168.0.102 $OK
expect_vc "LB without source-ranges from 192.168.0.104: served" ok n1a \
	"n1a=10.244.1.1" ext --proto tcp --addr 203.0.113.52 --port 80 --src 192.168.0.104 $OK

# IPv6
expect_vc "IPv6 LB from fd00:192::101 (in range): served, masqueraded" ok "n1a n2a" \
	"$M1v6" ext --proto tcp --addr fd00:203::50 --port 80 --src fd00:192::101 $OK
expect_vc "IPv6 LB from fd00:192::102 (outside): dropped" timeout - - ext \
	--proto tcp --addr fd00:203::50 --port 80 --src fd00:192::102 $DROP
expect_lookup "IPv6 LB lookup from outside the ranges: drop, source-range" \
	'verdict drop.*reason source-range' tcp '[fd00:203::50]:80' from fd00:192::102
expect_vc "IPv6 NodePort of the same service from fd00:192::102: served" ok \
	"n1a n2a" "$M1v6" ext --proto tcp --addr fd00:192::1 --port 30050 \
	--src fd00:192::102 $OK
expect_vc "IPv6 LB without source-ranges from fd00:192::104: served" ok n1a \
	"n1a=fd00:244:1::1" ext --proto tcp --addr fd00:203::52 --port 80 \
	--src fd00:192::104 $OK
expect_vc "IPv6 LB policy local from ext: local n1a, source preserved" ok n1a \
	"n1a=fd00:192::100" ext --proto tcp --addr fd00:203::60 --port 80 $OK
expect_vc "IPv6 LB policy local from c1 (pod of node1): cluster set, not masqueraded" \
	ok "n1a n2a" "n1a=fd00:244:1::100 n2a=fd00:244:1::100" c1 --proto tcp \
	--addr fd00:203::60 --port 80 $OK

# a range change applies to new connections
in_ns node1 "$SVCADM" frontend del lb loadbalancer 203.0.113.50:80 &&
	in_ns node1 "$SVCADM" frontend add lb loadbalancer 203.0.113.50:80 \
		source-ranges 192.168.0.104/32 || fail "re-add LB with new ranges" "refused"
expect_vc "new ranges: 192.168.0.104 now served" ok "n1a n2a" "$M1" ext \
	--proto tcp --addr 203.0.113.50 --port 80 --src 192.168.0.104 $OK
expect_vc "new ranges: 192.168.0.100 now dropped" timeout - - ext \
	--proto tcp --addr 203.0.113.50 --port 80 --src 192.168.0.100 $DROP
