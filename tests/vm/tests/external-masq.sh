# Masquerade rules beyond the matrix (tests/vm/tests/external-matrix.sh):
# - hairpin: a backend reaching its own service and chosen itself sees the
#   node's address (10.244.1.1), not its own; chosen another backend, its
#   own address; for a cluster IP and a NodePort with external-policy
#   local (where a local pod is otherwise not masqueraded);
# - masquerade-all on: every serviced connection is masqueraded, also
#   pod -> cluster IP and external -> policy local; off again: not;
# - cluster-cidrs none: an external client reaching a cluster IP is no
#   longer masqueraded;
# - local-cidrs none: "pods of this node" = cluster-cidrs, so a pod of
#   node2 reaching node1's NodePort (policy local) counts as a local pod
#   (lookup: dnat to the cluster set, not masqueraded) instead of being
#   dropped.
. "$SVCVIP_TOP/tests/vm/lib.sh"
. "$SVCVIP_TOP/tests/vm/lib_cluster.sh"

module_load
cluster_two_nodes
cluster_apply <<'END'
service add self proto tcp
frontend add self clusterip 10.96.7.1:80
frontend add self nodeport 30700
backend add self 10.244.1.11:8080 @n1a
service add selfl proto tcp external-policy local
frontend add selfl nodeport 30701
backend add selfl 10.244.1.11:8080 @n1a
service add two proto tcp
frontend add two clusterip 10.96.7.2:80
backend add two 10.244.1.11:8080 @n1a
backend add two 10.244.1.12:8080 @n1b
service add one proto tcp external-policy local
frontend add one clusterip 10.96.7.3:80
frontend add one nodeport 30703
backend add one 10.244.1.12:8080 @n1b
service add rem proto tcp external-policy local
frontend add rem nodeport 30704
backend add rem 10.244.2.11:8080 @n2a
END

expect_vc "hairpin via cluster IP: n1a sees node1 (10.244.1.1)" ok n1a \
	"n1a=10.244.1.1" n1a --proto tcp --addr 10.96.7.1 --port 80 $OK
expect_lookup -x "hairpin: lookup says masquerade hairpin" \
	'masquerade hairpin' tcp 10.96.7.1:80 from 10.244.1.11
expect_vc "hairpin via NodePort, policy local: n1a sees node1 (10.244.1.1)" ok n1a \
	"n1a=10.244.1.1" n1a --proto tcp --addr 192.168.0.1 --port 30701 $OK
expect_vc "hairpin only when chosen itself: n1b sees n1a's own address" ok \
	"n1a n1b" "n1a=10.244.1.1 n1b=10.244.1.11" n1a --proto tcp --addr 10.96.7.2 \
	--port 80 --count 10 --parallel 2 --timeout-ms 8000

in_ns node1 "$SVCADM" config set masquerade-all on || fail "masquerade-all on" "refused"
expect_vc "masquerade-all: pod -> cluster IP masqueraded" ok n1b "n1b=10.244.1.1" c1 \
	--proto tcp --addr 10.96.7.3 --port 80 $OK
expect_lookup -x "masquerade-all: lookup says masquerade all" \
	'masquerade all' tcp 10.96.7.3:80 from 10.244.1.100
expect_vc "masquerade-all: external -> NodePort policy local masqueraded" ok n1b \
	"n1b=10.244.1.1" ext --proto tcp --addr 192.168.0.1 --port 30703 $OK
expect_vc "masquerade-all: pod of node2 -> node1 NodePort policy local masqueraded" ok \
	n1b "n1b=10.244.1.1" c2 --proto tcp --addr 192.168.0.1 --port 30703 $OK
in_ns node1 "$SVCADM" config set masquerade-all off || fail "masquerade-all off" "refused"
expect_vc "masquerade-all off: pod -> cluster IP not masqueraded" ok n1b \
	"n1b=10.244.1.100" c1 --proto tcp --addr 10.96.7.3 --port 80 $OK
expect_vc "masquerade-all off: external -> NodePort policy local not masqueraded" ok \
	n1b "n1b=192.168.0.100" ext --proto tcp --addr 192.168.0.1 --port 30703 $OK

expect_vc "cluster-cidrs set: external -> cluster IP masqueraded" ok n1b \
	"n1b=10.244.1.1" ext --proto tcp --addr 10.96.7.3 --port 80 $OK
in_ns node1 "$SVCADM" config set cluster-cidrs none || fail "cluster-cidrs none" "refused"
expect_vc "cluster-cidrs none: external -> cluster IP not masqueraded" ok n1b \
	"n1b=192.168.0.100" ext --proto tcp --addr 10.96.7.3 --port 80 $OK
expect_lookup -x "cluster-cidrs none: lookup says masquerade none" \
	'masquerade none' tcp 10.96.7.3:80 from 192.168.0.100
cluster_config

expect_lookup "local-cidrs set: node2's pod -> node1 NodePort policy local, no local backend: drop" \
	'verdict drop.*reason no-local-backends' tcp 192.168.0.1:30704 from 10.244.2.100
in_ns node1 "$SVCADM" config set local-cidrs none || fail "local-cidrs none" "refused"
expect_lookup "local-cidrs none: node2's pod counts as a pod: dnat to n2a, not masqueraded" \
	'verdict dnat.*backend 10\.244\.2\.11:8080.*masquerade none' tcp 192.168.0.1:30704 from 10.244.2.100
expect_lookup "local-cidrs none: external client still dropped (no local backend)" \
	'verdict drop.*reason no-local-backends' tcp 192.168.0.1:30704 from 192.168.0.100
