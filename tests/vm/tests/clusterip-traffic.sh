# TCP, UDP and SCTP through a cluster IP, IPv4 and IPv6, from a pod and
# from the node itself: every connection reaches one of the backends, and
# the backend sees the client's own address (no masquerade here).
. "$SVCVIP_TOP/tests/vm/lib.sh"
. "$SVCVIP_TOP/tests/vm/lib_cluster.sh"

module_load
cluster_basic
for proto in tcp udp sctp; do
	cluster_service "web-$proto" "$proto" 10.96.0.10 fd00:96::10 80
done | in_ns node "$SVCADM" restore || die "restore"

n=30
for proto in tcp udp sctp; do
	for fam in 4 6; do
		if [ $fam = 4 ]; then vip=10.96.0.10; else vip=fd00:96::10; fi
		for from in client node; do
			label="$proto IPv$fam from $from"
			out=$(in_ns "$from" "$VIPCHECK" connect --proto "$proto" \
				--addr "$vip" --port 80 --count $n --parallel 2 -v)
			# on failure, show which attempts failed and how
			[ "$(stat_of "$out" ok)" = $n ] ||
				grep -v '^attempt [0-9]* ok' <<<"$out"
			if [ "$proto$from" = sctpnode ]; then
				# The node's own SCTP through a DNAT at LOCAL_OUT:
				# ~0.7% of associations are aborted or stall in
				# this 2-CPU TCG guest, exactly as often with an
				# iptables OUTPUT DNAT rule instead of svcvip
				# (measured 2 of 300 for both), never without NAT.
				# Tolerate a few of those; a refusal is a failure.
				expect_range "$label: $n of $n answered (up to 3 SCTP aborts)" \
					"$(stat_of "$out" ok)" $((n - 3)) $n
				expect_eq "$label: none refused" "$(stat_of "$out" refused)" 0
			elif [ $proto = sctp ] && debug_kernel; then
				# A pod's SCTP forwarded through the node's DNAT on
				# the debug kernel: about 1 association in 1,000
				# fails: the pod's DATA is resent (T3), both ends
				# see out-of-the-blue packets and the node's
				# conntrack marks the pod's ABORT invalid. A plain
				# nft DNAT rule does the same (measured: svcvip 1
				# of 1,200, nft DNAT 1 of 600, interleaved in one
				# guest). Tolerate one; a refusal is a failure.
				expect_range "$label: $n of $n answered (up to 1 SCTP abort)" \
					"$(stat_of "$out" ok)" $((n - 1)) $n
				expect_eq "$label: none refused" "$(stat_of "$out" refused)" 0
			else
				expect_eq "$label: $n of $n answered" "$(stat_of "$out" ok)" $n
			fi
			used=$(echo "$out" | awk '$1 == "name" && $2 ~ /^pod[123]$/' | wc -l)
			# 30 over 3: one left out with p = 3 (2/3)^30 ~ 2e-5
			expect_eq "$label: every backend answered" "$used" 3
			if [ $from = client ]; then
				if [ $fam = 4 ]; then want=10.244.0.100; else want=fd00:244::100; fi
			else
				if [ $fam = 4 ]; then want=192.168.0.1; else want=fd00:192::1; fi
			fi
			expect_eq "$label: backend saw the client's address" \
				"$(echo "$out" | awk '$1 == "peer" { print $2 }' | sort -u)" "$want"
		done
	done
done

# a port the service does not have is not translated (nothing listens)
out=$(in_ns client "$VIPCHECK" connect --proto tcp --addr 10.96.0.10 \
	--port 81 --timeout-ms 1000)
expect_eq "other port of the cluster IP is not forwarded" \
	"$(stat_of "$out" ok)" 0

# lookup names the same service and a backend of it
out=$(in_ns node "$SVCADM" -n lookup tcp 10.96.0.10:80 from 10.244.0.100:40000)
check "lookup: verdict dnat" grep -qx 'verdict dnat' <<<"$out"
check "lookup: service web-tcp" grep -qx 'service web-tcp' <<<"$out"
