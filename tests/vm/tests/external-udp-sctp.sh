# UDP and SCTP (not only their reject paths) from outside the cluster, IPv4
# and IPv6, and hairpin in both families for TCP, UDP and SCTP (the TCP
# IPv4 cases are external-matrix.sh's and external-masq.sh's). For each
# protocol and family:
# - external-policy cluster, the only backend n2a on the other node: the
#   external client reaches it through node1's external IP, LB IP and
#   NodePort, and n2a sees node1's LAN address (masqueraded, so that the
#   reply comes back through node1);
# - external-policy local, backends n1a (node1) and n2a (node2): the
#   external client reaches only n1a and n1a sees the client's own
#   address; a pod of node1 reaching node1's NodePort uses both backends
#   and is not masqueraded (it is not external);
# - hairpin: n1a reaching a cluster IP whose only backend is n1a sees
#   node1's address on its link (10.244.1.1 / fd00:244:1::1), not its own.
# The probes run batched (vcq) to keep the test short under TCG.
. "$SVCVIP_TOP/tests/vm/lib.sh"
. "$SVCVIP_TOP/tests/vm/lib_cluster.sh"

module_load
CL_SCTP=1 cluster_two_nodes

# per protocol index k (udp 0, sctp 1):
#   c-P (policy cluster, n2a): externalip 203.0.113.(50+4k), LB (51+4k),
#       NodePort 30250+2k; l-P (external-policy local, n1a + n2a):
#       externalip (52+4k), LB (53+4k), NodePort 30251+2k;
#   IPv6 the same numbers in fd00:203::; hairpin h-P: clusterip
#   10.96.8.(1+k), fd00:96::8:(1+k) (h-tcp: k = 2), backend n1a
lines=
k=0
for P in udp sctp tcp; do
	if [ $P != tcp ]; then
		e=$((50 + 4 * k))
		lines+="service add c-$P proto $P
frontend add c-$P externalip 203.0.113.$e:80
frontend add c-$P externalip [fd00:203::$e]:80
frontend add c-$P loadbalancer 203.0.113.$((e + 1)):80
frontend add c-$P loadbalancer [fd00:203::$((e + 1))]:80
frontend add c-$P nodeport $((30250 + 2 * k))
backend add c-$P 10.244.2.11:8080 @n2a
backend add c-$P [fd00:244:2::11]:8080 @n2a
service add l-$P proto $P external-policy local
frontend add l-$P externalip 203.0.113.$((e + 2)):80
frontend add l-$P externalip [fd00:203::$((e + 2))]:80
frontend add l-$P loadbalancer 203.0.113.$((e + 3)):80
frontend add l-$P loadbalancer [fd00:203::$((e + 3))]:80
frontend add l-$P nodeport $((30251 + 2 * k))
backend add l-$P 10.244.1.11:8080 @n1a
backend add l-$P [fd00:244:1::11]:8080 @n1a
backend add l-$P 10.244.2.11:8080 @n2a
backend add l-$P [fd00:244:2::11]:8080 @n2a
"
	fi
	lines+="service add h-$P proto $P
frontend add h-$P clusterip 10.96.8.$((1 + k)):80
frontend add h-$P clusterip [fd00:96::8:$((1 + k))]:80
backend add h-$P 10.244.1.11:8080 @n1a
backend add h-$P [fd00:244:1::11]:8080 @n1a
"
	k=$((k + 1))
done
cluster_apply <<<"$lines"

k=0
for P in udp sctp tcp; do
	for fam in 4 6; do
		if [ $fam = 4 ]; then
			pre=203.0.113. node1=192.168.0.1 gw1=10.244.1.1
			extc=192.168.0.100 c1=10.244.1.100 h=10.96.8.$((1 + k))
		else
			pre=fd00:203:: node1=fd00:192::1 gw1=fd00:244:1::1
			extc=fd00:192::100 c1=fd00:244:1::100 h=fd00:96::8:$((1 + k))
		fi
		e=$((50 + 4 * k))
		if [ $P != tcp ]; then
			for f in "externalip $pre$e 80" "LB $pre$((e + 1)) 80" \
				"NodePort $node1 $((30250 + 2 * k))"; do
				set -- $f
				vcq "$P IPv$fam $1, policy cluster, backend on node2: n2a sees node1 ($node1)" \
					ok n2a "n2a=$node1" ext --proto $P --addr $2 --port $3 $OK
			done
			for f in "externalip $pre$((e + 2)) 80" "LB $pre$((e + 3)) 80" \
				"NodePort $node1 $((30251 + 2 * k))"; do
				set -- $f
				vcq "$P IPv$fam $1, external-policy local: only n1a, sees the client ($extc)" \
					ok n1a "n1a=$extc" ext --proto $P --addr $2 --port $3 \
					--count 6 --parallel 3 --timeout-ms 8000
			done
			vcq "$P IPv$fam NodePort, external-policy local, from a pod of node1: not masqueraded ($c1)" \
				ok "n1a n2a" "n1a=$c1 n2a=$c1" c1 --proto $P --addr $node1 \
				--port $((30251 + 2 * k)) $OK
		fi
		[ $P = tcp ] && [ $fam = 4 ] && continue
		vcq "$P IPv$fam hairpin: n1a through its own cluster IP sees node1 ($gw1)" \
			ok n1a "n1a=$gw1" n1a --proto $P --addr $h --port 80 $OK
	done
	k=$((k + 1))
done
vcq_run
