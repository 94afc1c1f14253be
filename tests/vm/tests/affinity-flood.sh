# suite-timeout: 900
# A session-affinity table at its limit, under a SYN flood from ever new
# client addresses, does not slow a second, affinity-free service of the
# same netns (issue 10, section 2). Every flood SYN makes a new affinity
# entry and evicts the least recently used one: per new connection that is
# one rhashtable insert, one removal and one LRU move under the netns's
# affinity lock (O(1) however full the table), and the sweep's work per
# tick is bounded. Raw SYNs are sent in the node netns (each a new
# connection, decided in the sender's context, as in newconn-cost): the
# flood on CPU 0 at the affinity service, the measured one on CPU 1 at the
# affinity-free service. Its first packets/s is compared, in interleaved
# pairs, between no flood and the flood (medians); a flood at a second
# affinity-free service is shown as the control (what the flood costs by
# sharing the guest at all: conntrack, the TCG host). Nothing answers: the
# backends sit behind a dummy device.
#   SVCVIP_AFFINITY_FLOOD_REPS (7), SVCVIP_AFFINITY_FLOOD_COUNT (10000)
#   SVCVIP_AFFINITY_FLOOD_ASSERT=1: the target, 0.8 x the no-flood rate.
# make check asserts what this guest can tell apart: TCG on a shared host
# varies single runs by up to 2.4x, and the control flood alone has left
# 0.58-0.83 x, so the no-flood ratio gets a floor of 0.3; svcvip's own
# share, the rate under the affinity flood over the rate under the
# control flood in the same round, has a median floor of 0.5 (measured
# 0.92-1.23; an O(n) LRU scan at the limit gives 0.044).
. "$SVCVIP_TOP/tests/vm/lib.sh"

SYNFLOOD=$TOP/tests/vm/tools/synflood
[ -x "$SYNFLOOD" ] || die "no $SYNFLOOD (make testtools)"
REPS=${SVCVIP_AFFINITY_FLOOD_REPS:-7}
COUNT=${SVCVIP_AFFINITY_FLOOD_COUNT:-10000}
MAX=65536
[ "$(nproc)" -ge 2 ] || { skip "affinity flood" "needs 2 CPUs"; exit 0; }
module_load
sysctl -qw net.netfilter.nf_conntrack_max=4194304
node_create node
N() { in_ns node "$@"; }
N "$SVCADM" restore <<END || die "restore"
config set affinity-max $MAX
service add aff proto tcp affinity clientip timeout 10800
frontend add aff clusterip 10.96.0.1:80
backend add aff 192.168.0.50:8080
backend add aff 192.168.0.51:8080
service add ctl proto tcp
frontend add ctl clusterip 10.96.0.3:80
backend add ctl 192.168.0.53:8080
service add plain proto tcp
frontend add plain clusterip 10.96.0.2:80
backend add plain 192.168.0.52:8080
END
has_affinity() { N "$SVCADM" lookup tcp 10.96.0.1:80 from "$1:5555" | grep -q 'reason affinity'; }

# fill the table past its limit: 100,000 clients
N taskset -c 0 "$SYNFLOOD" --dst 10.96.0.1 --port 80 --src-base 172.20.0.0 \
	--sources 100000 --count 100000 || die "fill"
check "filled: the last of 100,000 clients has an entry" has_affinity 172.21.134.159
if has_affinity 172.20.0.0; then
	fail "filled: at affinity-max $MAX the first client was evicted" "it still has an entry"
else
	pass "filled: at affinity-max $MAX the first client was evicted"
fi

flood_first=100000 first=0
# measure FLOOD_DST|-: first packets/s to the affinity-free service on CPU 1
# while CPU 0 floods FLOOD_DST with new clients (or stays idle)
measure() {
	local r fpid=
	N conntrack -F >/dev/null 2>&1
	sleep 0.5
	if [ "$1" != - ]; then
		N taskset -c 0 "$SYNFLOOD" --dst "$1" --port 80 --src-base 172.20.0.0 \
			--sources 16000000 --first $flood_first --count 100000000 \
			--duration-ms 60000 >/dev/null 2>&1 &
		fpid=$!
		flood_first=$((flood_first + 2000000))
		sleep 0.5
	fi
	r=$(N taskset -c 1 "$SYNFLOOD" --dst 10.96.0.2 --port 80 --src-base 172.16.0.0 \
		--sources 1000 --first $first --count "$COUNT" | awk '{ print $6 }')
	first=$((first + COUNT))
	if [ -n "$fpid" ]; then
		pkill -f "synflood --dst $1" 2>/dev/null
		wait $fpid 2>/dev/null
	fi
	echo "${r:-0}"
}

measure - >/dev/null	# warm up
q_all= f_all= c_all= fc_all=
for ((i = 0; i < REPS; i++)); do
	q_all+="$(measure -) "
	f=$(measure 10.96.0.1)
	c=$(measure 10.96.0.3)
	f_all+="$f " c_all+="$c "
	fc_all+="$(ratio_of "$f" "$c") "
done
q=$(median <<<"$q_all") f=$(median <<<"$f_all") c=$(median <<<"$c_all")
ratio=$(ratio_of "$f" "$q")
cratio=$(ratio_of "$c" "$q")
fcratio=$(median <<<"$fc_all")
echo "affinity-free service, first packets/s: no flood [$q_all] median $q"
echo "  flood at the affinity service (table at $MAX): [$f_all] median $f: ratio $ratio"
echo "  control, flood at an affinity-free service: [$c_all] median $c: ratio $cratio"
echo "  affinity flood / control flood, per round: [$fc_all] median $fcratio"
got=$(N "$SVCADM" -n stats plain | awk '$1 == "plain" { print $2 }')
expect_range "the measured SYNs were the affinity-free service's connections" "${got:-0}" \
	$((COUNT * REPS)) 100000000
floor=300
[ "${SVCVIP_AFFINITY_FLOOD_ASSERT:-0}" = 1 ] && floor=800
expect_ratio "first packets/s under the affinity flood >= 0.$((floor / 100)) x without (ratio $ratio)" \
	"$ratio" $floor
# What the affinity table itself costs the other service: the same flood
# at an affinity-free service (the control) costs by sharing the 2-CPU TCG
# guest at all, so the no-flood ratio cannot tell svcvip's part from the
# platform's; rounds pair the two floods back to back.
expect_ratio "first packets/s under the affinity flood >= 0.5 x under the control flood (median of rounds $fcratio)" \
	"$fcratio" 500
N "$SVCADM" flush
