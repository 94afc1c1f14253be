# svcadm restore --replace converges through lib/sync.c: it dumps the
# kernel's table and sends only what differs. svcadm monitor shows it: the
# unchanged table (as save prints it, or written with defaults left out)
# causes no event at all; a changed one exactly the events of its
# differences (the service the file lacks deleted, the config key that
# changed, each new or changed service replaced once; a frontend that
# moves is taken over in the replace of its new service, announced as a
# frontend del of the old one, and a service that goes after its
# frontend moved); and two services swapping frontends end with each
# other's (lookup names the new owner), one replace each.
. "$SVCVIP_TOP/tests/vm/lib.sh"

module_load
table() {
	cat <<'END'
service add web proto tcp scheduler rr
frontend add web clusterip 10.96.0.10:80
frontend add web loadbalancer 203.0.113.7:80 source-ranges 192.0.2.0/24
backend add web 10.244.0.11:8080
backend add web [fd00:244::11]:8080 weight 3 local
service add api proto tcp affinity clientip timeout 60
frontend add api clusterip 10.96.0.20:443
frontend add api nodeport 30443
backend add api 10.244.0.21:8443
service add dns proto udp
frontend add dns clusterip 10.96.0.53:53
backend add dns 10.244.0.53:53
service add old proto sctp
frontend add old clusterip 10.96.0.99:9999
config set cluster-cidrs 10.244.0.0/16 masquerade-all off
END
}
table | svcadm restore || die "restore"

log=$(mktemp)
svcadm -n monitor > "$log" 2>&1 &
mon=$!
# the listener needs a moment to join the group (longer on the debug kernel)
for _ in $(seq 60); do
	svcadm service add probe proto tcp
	grep -q '^service add probe ' "$log" && break
	svcadm service del probe
	sleep 0.5
done
svcadm service del probe 2>/dev/null
# mark N: a change whose event, once seen, means every earlier one is in
mark() {
	svcadm service add "mark$1" proto tcp || die "mark $1"
	for _ in $(seq 300); do
		grep -q "^service add mark$1 " "$log" && return 0
		sleep 0.1
	done
	die "the monitor did not see mark $1"
}
# events A B: the events between mark A and mark B
events() {
	awk -v a="^service add mark$1 " -v b="^service add mark$2 " \
		'$0 ~ b { exit } on { print } $0 ~ a { on = 1 }' "$log"
}
replace() {	# restore --replace from stdin; it prints nothing
	local out
	out=$(svcadm restore --replace 2>&1) || fail "restore --replace: exit $?" "$out"
	expect_eq "restore --replace: no message" "$out" ""
}
mark 0

svcadm save | replace
mark 1
expect_eq "save | restore --replace: no event" "$(events 0 1)" ""

{ table; printf 'service add mark%s proto tcp\n' 0 1; } | replace
mark 2
expect_eq "the same table written differently: no event" "$(events 1 2)" ""

# a changed table: web gains a backend, old goes (new takes its frontend),
# masquerade-all turns on; api and dns are as they were
changed=$(mktemp)
{
	table | sed '/^service add old/,/^frontend add old/d; s/masquerade-all off/masquerade-all on/'
	echo 'backend add web 10.244.0.12:8080'
	echo 'service add new proto sctp'
	echo 'frontend add new clusterip 10.96.0.99:9999'
	printf 'service add mark%s proto tcp\n' 0 1 2
} > "$changed"
replace < "$changed"
mark 3
ev=$(events 2 3)
echo "events of the change:"; echo "$ev"
expect_eq "changed table: 5 events" "$(grep -c . <<<"$ev")" 5
check "config set, once" grep -q '^config set .*masquerade-all on' <<<"$ev"
expect_eq "web replaced once" "$(grep -c '^service replace web ' <<<"$ev")" 1
expect_eq "new created once, taking old's frontend" \
	"$(grep -A1 '^frontend del old .*10.96.0.99:9999' <<<"$ev" | grep -c '^service replace new ')" 1
check "old deleted last, after new took its frontend" grep -qx 'service del old' \
	<<<"$(tail -1 <<<"$ev")"
expect_eq "web has 3 backends" "$(svcadm -n service show web | grep -c 'backend ')" 3
check "new holds old's frontend" grep -q 'clusterip 10.96.0.99:9999' <<<"$(svcadm -n service show new)"

# web and api swap their cluster IPs (a cycle): one replace each; api
# takes web's and keeps its own until web takes it (a frontend del of
# the old owner before each replace)
sed 's/10.96.0.10:80/10.96.0.XX/; s/10.96.0.20:443/10.96.0.10:80/; s/10.96.0.XX/10.96.0.20:443/' \
	"$changed" > "$changed.swap"
printf 'service add mark%s proto tcp\n' 3 >> "$changed.swap"
replace < "$changed.swap"
mark 4
ev=$(events 3 4)
echo "events of the swap:"; echo "$ev"
expect_eq "swap: 2 replaces, 2 frontend dels, nothing else" \
	"$(grep -c '^service replace \(web\|api\) ' <<<"$ev")/$(grep -c '^frontend del ' <<<"$ev")/$(grep -c . <<<"$ev")" \
	2/2/4
check "swap: web lets go of 10.96.0.10:80 as api takes it" grep -q \
	'^frontend del web .*10.96.0.10:80' <<<"$(head -1 <<<"$ev")"
check "lookup: 10.96.0.10:80 is api's now" grep -qx 'service api' \
	<<<"$(svcadm -n lookup tcp 10.96.0.10:80 from 10.244.0.99)"
check "lookup: 10.96.0.20:443 is web's now" grep -qx 'service web' \
	<<<"$(svcadm -n lookup tcp 10.96.0.20:443 from 10.244.0.99)"

# and once more unchanged: nothing
svcadm save | replace
mark 5
expect_eq "after all that, save | restore --replace: no event" "$(events 4 5)" ""
kill "$mon" 2>/dev/null
wait
