# svcadm monitor: every change to services, frontends, backends and config
# is one event on the "events" multicast group, printed as one line in
# svcadm's own grammar (or one JSON object with -j), in the order of the
# changes. Refused requests send nothing; another netns's changes are not
# seen.
. "$SVCVIP_TOP/tests/vm/lib.sh"

module_load
node_create node
node_create other
log=$(mktemp) jlog=$(mktemp)
in_ns node "$SVCADM" -n monitor > "$log" 2>&1 &
in_ns node "$SVCADM" -j monitor > "$jlog" 2>&1 &
# the listeners need a moment to join the group (one process under TCG)
sleep 2

S() { in_ns node "$SVCADM" "$@" || echo "svcadm $* failed" >> "$log.err"; }
S service add web proto tcp
S frontend add web clusterip 10.96.0.10:80
S frontend add web loadbalancer 203.0.113.7:80 source-ranges 192.0.2.0/24,2001:db8::/32
S frontend add web nodeport 30080
S backend add web 10.244.0.11:8080
S backend add web [fd00:244::11]:8080 weight 3 local
S backend set web 10.244.0.11:8080 weight 0 terminating
in_ns other "$SVCADM" service add elsewhere proto udp || fail "other netns"
in_ns node "$SVCADM" backend add web 10.244.0.11:8080 2>/dev/null &&
	fail "duplicate backend was accepted"
S service set web scheduler rr affinity clientip timeout 60
S backend del web 10.244.0.11:8080
S frontend del web nodeport 30080
S config set cluster-cidrs 10.244.0.0/16 masquerade-all on
S service replace web proto udp
S service del web
S flush
sleep 1
pkill -f 'svcadm -[nj] monitor'
wait
check "every change was applied" test ! -e "$log.err"
echo "monitor printed:"; cat "$log"

expected='service add web proto tcp scheduler maglev internal-policy cluster external-policy cluster
frontend add web clusterip 10.96.0.10:80
frontend add web loadbalancer 203.0.113.7:80 source-ranges 192.0.2.0/24,2001:db8::/32
frontend add web nodeport 30080
backend add web 10.244.0.11:8080 weight 1
backend add web [fd00:244::11]:8080 weight 3 local
backend set web 10.244.0.11:8080 weight 0 terminating
service set web proto tcp scheduler rr affinity clientip timeout 60 internal-policy cluster external-policy cluster
backend del web 10.244.0.11:8080
frontend del web nodeport 30080
config set cluster-cidrs 10.244.0.0/16 masquerade-all on nodeport-addresses all local-cidrs none service-cidrs none affinity-max 65536 max-services 262144 max-frontends 1048576 max-backends 10000 packet-stats off hash-seed 75657370656d6f736d6f646e61726f64 maglev-table-size 65521
service replace web proto udp scheduler maglev internal-policy cluster external-policy cluster
service del web
flush'
i=0
while IFS= read -r want; do
	i=$((i + 1))
	got=$(grep -v '^Terminated' "$log" | sed -n "${i}p")
	expect_eq "event $i: ${want%% [0-9[]*}" "$got" "$want"
done <<<"$expected"
expect_eq "no other event (none from the refused request or the other netns)" \
	"$(grep -vc '^Terminated' "$log")" "$i"

# JSON: the same sequence, one object per line
objs=$(python3 - "$jlog" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    if not line.startswith('{'):
        continue
    o = json.loads(line)
    be = o.get('backend', {})
    print(o['object'], o['action'], o.get('service', {}).get('name', '-'),
          be.get('addr', '-'), be.get('weight', '-'))
PY
)
echo "$objs"
expect_eq "json: 14 objects" "$(echo "$objs" | grep -c .)" 14
check "json: backend del carries the deleted backend" \
	grep -qx 'backend del web 10.244.0.11 0' <<<"$objs"
check "json: ipv6 backend add" grep -qx 'backend add web fd00:244::11 3' <<<"$objs"

# Events cost nothing without a listener: changes work as before
check "changes without a listener" in_ns node "$SVCADM" service add quiet proto tcp

# A bulk change of 4 x 10,000 backends while the listener is busy (svcadm
# asks for a 4 MiB receive buffer; 10,000 events fit): the events either all
# arrive, or the listener is told. svcadm
# monitor then says "events lost (...): run svcadm save" and exits 1, never
# goes on silently with a wrong picture of the table.
node_create bulk
blog=$(mktemp)
in_ns bulk "$SVCADM" -n monitor > "$blog" 2> "$blog.err" &
mon=$!
sleep 2
# one NEW_BACKEND with 10,000 backends (top-level SVCVIP_A_BACKENDS lists):
# one event per backend, all at once, while the listener is stopped (a busy
# reader): its default receive buffer cannot hold them
kill -STOP "$mon"
for b in 0 1 2 3; do
	in_ns bulk "$SVCADM" service add big$b proto tcp scheduler rr || die "service big$b"
done
check "bulk: add 4 x 10,000 backends, 10,000 per request" in_ns bulk python3 - "$NLRAW" <<'PY'
import sys
sys.path.insert(0, sys.argv[1].rsplit("/", 1)[0])
import nlraw
g = nlraw.Genl()
for b in range(4):
    payload = nlraw.encode([[2, "nest", [[1, "str", "big%d" % b]]]])
    for part in range(8):
        bes = [[0, "nest", [[1, "u16", 2],
                            [2, "bin", "0a%02x%02x%02x" % (100 + b, i // 256, i % 256)],
                            [3, "u16", 8080]]]
               for i in range(part * 1250, (part + 1) * 1250)]
        payload += nlraw.encode([[7, "nest", bes]])
    err, msg, _ = g.request("NEW_BACKEND", payload)
    print("new backends big%d: %d %s" % (b, err, msg))
    if err:
        sys.exit(1)
PY
kill -CONT "$mon"
# give the listener time to drain what it got (or to notice the loss)
for _ in $(seq 1 100); do
	kill -0 "$mon" 2>/dev/null || break
	[ "$(grep -c '^backend add' "$blog")" -ge 40000 ] && break
	sleep 0.2
done
got=$(grep -c '^backend add' "$blog")
if kill -0 "$mon" 2>/dev/null; then
	kill "$mon"
	wait "$mon" 2>/dev/null
	echo "bulk: monitor still running, $got of 40000 backend events"
	expect_eq "bulk: a listener that was not told got every event" "$got" 40000
else
	wait "$mon"
	rc=$?
	echo "bulk: monitor exited $rc after $got of 40000 backend events: $(cat "$blog.err")"
	expect_eq "bulk: monitor exits 1 on lost events" "$rc" 1
	check "bulk: monitor says so" grep -qx 'svcadm: monitor: events lost (receive buffer overrun): run svcadm save' "$blog.err"
fi
