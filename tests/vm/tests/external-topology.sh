# The two-node topology of the external-*.sh tests (tests/vm/lib_cluster.sh)
# works on its own: pods reach pods on the other node, the external client
# reaches pods through their node, each source is seen unchanged; and a
# cluster IP, programmed identically on both nodes, is translated by the
# node the packet enters, to a backend on either node, with the client's
# own address preserved (sources inside cluster-cidrs).
. "$SVCVIP_TOP/tests/vm/lib.sh"
. "$SVCVIP_TOP/tests/vm/lib_cluster.sh"

module_load
cluster_two_nodes

# plain routing, no service involved
for pair in c1:n2a c2:n1a ext:n1b ext:n2b c1:n1a; do
	from=${pair%%:*} to=${pair##*:}
	for fam in 4 6; do
		if [ $fam = 4 ]; then dst=${A4[$to]} src=${A4[$from]}
		else dst=${A6[$to]} src=${A6[$from]}; fi
		out=$(in_ns "$from" "$VIPCHECK" connect --proto tcp --addr "$dst" \
			--port 8080 --count 2 --timeout-ms 5000)
		expect_eq "routing IPv$fam $from -> $to: answered by $to" \
			"$(count_of "$out" "$to")" 2
		expect_eq "routing IPv$fam $from -> $to: source unchanged" \
			"$(echo "$out" | awk '$1 == "peer" { print $2 }')" "$src"
	done
done
out=$(in_ns ext "$VIPCHECK" connect --proto udp --addr 10.244.2.12 --port 8080 \
	--count 2 --timeout-ms 5000 --src 192.168.0.103)
expect_eq "routing udp ext(.103) -> n2b" "$(count_of "$out" n2b)" 2
expect_eq "routing udp ext(.103) -> n2b: source" \
	"$(echo "$out" | awk '$1 == "peer" { print $2 }')" 192.168.0.103

cluster_apply <<'END'
service add topo proto tcp
frontend add topo clusterip 10.96.0.10:80
frontend add topo clusterip [fd00:96::10]:80
backend add topo 10.244.1.11:8080 @n1a
backend add topo 10.244.2.11:8080 @n2a
backend add topo [fd00:244:1::11]:8080 @n1a
backend add topo [fd00:244:2::11]:8080 @n2a
END
check "node1 marks n1a local" grep -q '10.244.1.11:8080.*local' \
	<(in_ns node1 "$SVCADM" -n save)
check_absent "node1 does not mark n2a local" '10\.244\.2\.11:8080.*local' \
	'10\.244\.2\.11:8080' in_ns node1 "$SVCADM" -n save
check "node2 marks n2a local" grep -q '10.244.2.11:8080.*local' \
	<(in_ns node2 "$SVCADM" -n save)

for from in c1 c2; do
	for fam in 4 6; do
		if [ $fam = 4 ]; then vip=10.96.0.10 src=${A4[$from]}
		else vip=fd00:96::10 src=${A6[$from]}; fi
		out=$(in_ns $from "$VIPCHECK" connect --proto tcp --addr $vip --port 80 \
			--count 40 --parallel 4 --timeout-ms 5000)
		expect_eq "clusterip IPv$fam from $from: all answered" "$(stat_of "$out" ok)" 40
		expect_eq "clusterip IPv$fam from $from: backends on both nodes" \
			"$(echo "$out" | awk '$1 == "name" { print $2 }' | sort | tr '\n' ' ')" \
			"n1a n2a "
		expect_eq "clusterip IPv$fam from $from: source preserved" \
			"$(echo "$out" | awk '$1 == "peer" { print $2 }')" "$src"
	done
done
