# The UDP conntrack cleanup is never skipped (issue 10, section 7): when
# more frontends changed than the cleanup queue holds (4096 keys) or it
# cannot grow (no memory), the next sweep checks every UDP entry of the
# netns instead. Here a flush of 4,201 UDP services must still delete the
# entry of a flow translated by one of them (zz-dns: the last one queued).
. "$SVCVIP_TOP/tests/vm/lib.sh"

N=4200
module_load
cluster_basic
# the entry must not simply time out while 4,201 services are flushed
in_ns node sysctl -qw net.netfilter.nf_conntrack_udp_timeout=600 \
	net.netfilter.nf_conntrack_udp_timeout_stream=600 || die "sysctl"
file=$(mktemp)
awk -v n="$N" 'BEGIN {
	printf "config set max-services %d\n", n + 10
	print "service add zz-dns proto udp"
	print "frontend add zz-dns clusterip 10.96.0.53:53"
	print "backend add zz-dns 10.244.0.11:8080"
	for (i = 0; i < n; i++) {
		printf "service add u%d proto udp\n", i
		printf "frontend add u%d clusterip 10.98.%d.%d:53\n", i, int(i / 256), i % 256
		printf "backend add u%d 10.244.200.1:53\n", i
	}
}' > "$file"
check "restore $((N + 1)) UDP services" in_ns node "$SVCADM" restore "$file"
# another NAT user in the netns, so that the flush (which unregisters
# svcvip's NAT hooks today) leaves the translated entries to svcvip's cleanup
in_ns node nft -f - <<'END' || die "nft"
table ip other {
	chain pre { type nat hook prerouting priority 0; }
}
END
out=$(in_ns client "$VIPCHECK" connect --proto udp --addr 10.96.0.53 --port 53 --sport 40000)
expect_eq "a UDP request through zz-dns is answered" "$(stat_of "$out" ok)" 1
entries() {
	in_ns node conntrack -L -p udp --orig-dst 10.96.0.53 2>/dev/null | grep -c 'sport=40000'
}
expect_eq "its conntrack entry exists" "$(entries)" 1
check "flush $((N + 1)) UDP services at once" in_ns node "$SVCADM" flush
for _ in $(seq 1 100); do
	[ "$(entries)" = 0 ] && break
	sleep 0.2
done
expect_eq "the entry of the flushed service's flow is deleted" "$(entries)" 0
