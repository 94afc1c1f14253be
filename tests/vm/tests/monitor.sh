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
config set cluster-cidrs 10.244.0.0/16 masquerade-all on nodeport-addresses all local-cidrs none service-cidrs none affinity-max 65536 max-services 262144 max-frontends 1048576 max-backends 10000
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
