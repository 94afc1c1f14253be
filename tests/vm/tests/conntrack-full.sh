# A full conntrack table in front of a service. nf_conntrack_max is
# read-only in a non-init netns on 6.1, so the global value is lowered
# (from the initial netns; it bounds each netns's own count) to MAX and put
# back at the end. For IPv4 and then IPv6, a client pod opens TCP
# connections to the service's cluster IP and holds them until one fails
# (established TCP entries are assured: conntrack cannot early-drop them).
# Then:
#   - the node's conntrack count is MAX, and new connections to the
#     service time out (dropped, not refused, not answered) while
#     conntrack's drop counter rises;
#   - svcvip sees none of them: the service's conns counter does not move
#     (conntrack drops the packet before the NAT hooks are called);
#   - once the held entries are freed (conntrack -D; closing the held
#     connections instead leaves TIME_WAIT entries that only conntrack's
#     gc reaps, measured here at 19 s to over 30 s), a new connection is
#     answered by the backend again; the time to recovery is printed and
#     bounded (10 s).
# The suite's kernel-log scan catches a splat ("table full" lines are
# not splats).
. "$SVCVIP_TOP/tests/vm/lib.sh"
. "$SVCVIP_TOP/tests/vm/lib_cluster.sh"

MAX=32
module_load
node_create node
pods_create node pod1,10.244.0.11,fd00:244::11 client,10.244.0.100,fd00:244::100
serve pod1 tcp 8080 pod1
in_ns node "$SVCADM" restore <<'END' || die "restore"
service add web proto tcp
frontend add web clusterip 10.96.0.10:80
frontend add web clusterip [fd00:96::10]:80
backend add web 10.244.0.11:8080
backend add web [fd00:244::11]:8080
END
ctmax=/proc/sys/net/netfilter/nf_conntrack_max
old=$(cat $ctmax) || die "no $ctmax"
trap 'echo "$old" > $ctmax' EXIT
echo $MAX > $ctmax || die "set nf_conntrack_max"
dir=$(mktemp -d)
cat > "$dir/hold.py" <<'PY'
import os, socket, sys, time
addr, maxn, out, close = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
held, failed = [], 0
for _ in range(maxn + 8):
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(2.5)
    try:
        s.connect((addr, 80))
        if not s.recv(100).startswith(b"pod1"):
            raise OSError("bad answer")
        held.append(s)
    except OSError:
        s.close()
        failed = 1
        break
f = open(out, "w")
f.write("opened %d failed %d\n" % (len(held), failed))
f.flush()
while not os.path.exists(close):
    time.sleep(0.05)
for s in held:
    s.close()
t0 = time.monotonic()
while time.monotonic() - t0 < 30:
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(1)
    try:
        s.connect((addr, 80))
        if s.recv(100).startswith(b"pod1"):
            f.write("recovered_ms %d\n" % ((time.monotonic() - t0) * 1000))
            break
    except OSError:
        pass
    finally:
        s.close()
f.write("done\n")
f.close()
PY

# ctstat KEY: conntrack -S's KEY summed over CPUs, in the node
ctstat() {
	in_ns node conntrack -S | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k { s += $2; f = 1 }
		END { if (f) print s; else print "none" }'
}
conns() {
	in_ns node "$SVCADM" -n stats web | awk '$1 == "web" { print $2 }'
}
for vip in 10.96.0.10 fd00:96::10; do
	in_ns node conntrack -F >/dev/null 2>&1
	ip netns exec client python3 "$dir/hold.py" "$vip" $MAX "$dir/out" "$dir/close" &
	hp=$!
	for _ in $(seq 1 600); do
		[ -s "$dir/out" ] && break
		sleep 0.1
	done
	echo "$vip: $(cat "$dir/out")"
	read -r _ opened _ failed < "$dir/out"
	expect_range "$vip: connections held until one failed ($opened held)" \
		"$((failed * 1000 + opened))" $((1000 + MAX - 4)) $((1000 + MAX))
	expect_eq "$vip: the node's conntrack table is full" \
		"$(in_ns node conntrack -C)" $MAX
	d0=$(ctstat drop) c0=$(conns)
	expect_vc "$vip: new connections to the service are dropped" timeout - - client \
		--proto tcp --addr $vip --port 80 --count 3 --parallel 3 --timeout-ms 1500
	d1=$(ctstat drop) c1=$(conns)
	echo "$vip: conntrack drop $d0 -> $d1, svcvip conns $c0 -> $c1"
	expect_range "$vip: conntrack counted the drops ($d0 -> $d1)" \
		$((d1 - d0)) 3 100000
	expect_eq "$vip: svcvip counted no connection for them" "$c1" "$c0"
	# free the held entries (closing them would leave TIME_WAIT entries
	# that only conntrack's gc, up to a minute later, reaps: early_drop
	# looks at a few buckets only)
	in_ns node conntrack -D -d $vip >/dev/null 2>&1
	: > "$dir/close"
	wait $hp
	cat "$dir/out"
	ms=$(awk '$1 == "recovered_ms" { print $2 }' "$dir/out")
	echo "$vip: recovered ${ms:-never} ms after the held entries were freed"
	expect_range "$vip: the service answers again within 10 s of the entries freed (${ms:-never} ms)" \
		"${ms:-999999}" 0 10000
	rm -f "$dir/out" "$dir/close"
done
in_ns node conntrack -F >/dev/null 2>&1
rm -rf "$dir"
