# A service without any usable backend rejects on every frontend kind, for
# both policies (as kube-proxy: "has no endpoints" is REJECT whatever the
# traffic policy): TCP gets a RST (refused at once), UDP an ICMP(v6) port
# unreachable; from the external client, a pod and the node itself; and
# lookup says reject / no-backends. Backends at weight 0 count as none.
# The first backend turns every frontend on at once.
. "$SVCVIP_TOP/tests/vm/lib.sh"
. "$SVCVIP_TOP/tests/vm/lib_cluster.sh"

module_load
cluster_two_nodes
lines=
for proto in tcp udp; do
	for pol in cluster local; do
		name=empty-$proto-$pol
		if [ $proto = tcp ]; then p=80; else p=53; fi
		if [ $pol = cluster ]; then i=1; np=30401; else i=2; np=30402; fi
		[ $proto = udp ] && np=$((np + 10))
		lines+="service add $name proto $proto internal-policy $pol external-policy $pol
frontend add $name clusterip 10.96.4.$i:$p
frontend add $name clusterip [fd00:96::4:$i]:$p
frontend add $name externalip 203.0.113.$((40 + i)):$p
frontend add $name externalip [fd00:203::4:$i]:$p
frontend add $name loadbalancer 203.0.113.$((44 + i)):$p
frontend add $name loadbalancer [fd00:203::5:$i]:$p
frontend add $name nodeport $np
"
	done
done
lines+="service add drained proto tcp external-policy local
frontend add drained externalip 203.0.113.48:80
frontend add drained nodeport 30409
backend add drained 10.244.1.11:8080 weight 0 @n1a
backend add drained 10.244.2.11:8080 weight 0 @n2a
"
cluster_apply <<<"$lines"

for proto in tcp udp; do
	for pol in cluster local; do
		if [ $proto = tcp ]; then p=80; else p=53; fi
		if [ $pol = cluster ]; then i=1; np=30401; else i=2; np=30402; fi
		[ $proto = udp ] && np=$((np + 10))
		for dst in 10.96.4.$i:$p "[fd00:96::4:$i]:$p" 203.0.113.$((40 + i)):$p \
			"[fd00:203::4:$i]:$p" 203.0.113.$((44 + i)):$p \
			"[fd00:203::5:$i]:$p" 192.168.0.1:$np "[fd00:192::1]:$np" \
			10.244.1.1:$np; do
			a=${dst%:*} a=${a#[} a=${a%]}
			expect_vc "$proto policy $pol, $dst from ext: rejected" refused - - ext \
				--proto $proto --addr "$a" --port "${dst##*:}" $REJ
		done
		expect_vc "$proto policy $pol, nodeport from c1: rejected" refused - - c1 \
			--proto $proto --addr 192.168.0.1 --port $np $REJ
		expect_vc "$proto policy $pol, nodeport from c2 to node1: rejected" refused - - \
			c2 --proto $proto --addr 192.168.0.1 --port $np $REJ
		expect_vc "$proto policy $pol, nodeport from node1 itself: rejected" refused - - \
			node1 --proto $proto --addr 192.168.0.1 --port $np $REJ
		expect_vc "$proto policy $pol, LB from c2 (node2 decides): rejected" refused - - \
			c2 --proto $proto --addr 203.0.113.$((44 + i)) --port $p $REJ
		expect_lookup "$proto policy $pol: lookup nodeport says reject, no-backends" \
			'verdict reject.*reason no-backends' $proto 192.168.0.1:$np from 192.168.0.100
		expect_lookup "$proto policy $pol: lookup LB says reject, no-backends" \
			'verdict reject.*reason no-backends' $proto 203.0.113.$((44 + i)):$p from 192.168.0.100
	done
done

expect_vc "all backends at weight 0 (policy local): external IP rejected" refused - - \
	ext --proto tcp --addr 203.0.113.48 --port 80 $REJ
expect_vc "all backends at weight 0 (policy local): NodePort rejected" refused - - \
	ext --proto tcp --addr 192.168.0.1 --port 30409 $REJ

# the first backend: every kind answers
on_nodes backend add empty-tcp-cluster 10.244.2.12:8080 >/dev/null ||
	fail "backend add" "refused"
on_nodes backend add empty-tcp-cluster '[fd00:244:2::12]:8080' >/dev/null ||
	fail "backend add v6" "refused"
for dst in 10.96.4.1 fd00:96::4:1 203.0.113.41 fd00:203::4:1 203.0.113.45 fd00:203::5:1; do
	expect_vc "first backend: $dst answers" ok n2b - ext --proto tcp --addr $dst \
		--port 80 $OK
done
expect_vc "first backend: NodePort answers" ok n2b - ext --proto tcp \
	--addr 192.168.0.1 --port 30401 $OK
