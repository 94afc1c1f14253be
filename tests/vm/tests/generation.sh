# GET_INFO's generation (svcadm version, text and -j): a u64 that moves
# with every change to the netns's table or config, never with a read or a
# refused change, never repeats, and is per netns (svcsyncd's drift check).
. "$SVCVIP_TOP/tests/vm/lib.sh"

module_load
node_create node
gen() { in_ns node "$SVCADM" -j version | jq -r .generation; }

expect_eq "svcadm version shows the generation" \
	"$(in_ns node "$SVCADM" version | grep -c '^generation [0-9][0-9]*$')" 1
g=$(gen)
expect_eq "text and JSON agree" \
	"$(in_ns node "$SVCADM" version | awk '$1 == "generation" { print $2 }')" "$g"
seen=" $g "

# changed WHAT CMD...: CMD succeeds and the generation moves to a new value
changed() {
	local what=$1 out now
	shift
	if ! out=$(in_ns node "$SVCADM" "$@" 2>&1); then
		fail "$what" "svcadm $*: $out"
		return
	fi
	now=$(gen)
	case $seen in
	*" $now "*) fail "$what: generation moves" "$g -> $now (seen before)" ;;
	*) pass "$what: generation moves" ;;
	esac
	[ "$now" -gt "$g" ] 2>/dev/null ||
		fail "$what: generation grows" "$g -> $now"
	g=$now
	seen="$seen$now "
}

# same WHAT CMD...: CMD (a read, or a refused change) leaves it alone
same() {
	local what=$1
	shift
	in_ns node "$SVCADM" "$@" >/dev/null 2>&1
	expect_eq "$what: generation unchanged" "$(gen)" "$g"
}

changed "service add" service add web proto tcp
changed "frontend add" frontend add web clusterip 10.96.0.10:80
changed "nodeport frontend add" frontend add web nodeport 30080
changed "backend add" backend add web 10.244.0.11:8080
changed "backend set" backend set web 10.244.0.11:8080 weight 5
changed "service set" service set web scheduler rr
changed "service replace" service replace web proto tcp scheduler maglev
changed "frontend del" frontend del web nodeport 30080
changed "backend del" backend del web 10.244.0.11:8080
changed "config set" config set masquerade-all on
changed "config set again" config set masquerade-all off
changed "service del" service del web
changed "flush" flush
printf 'service add a proto udp\nfrontend add a clusterip 10.96.0.11:53\n' > /tmp/gen.restore
changed "restore" restore /tmp/gen.restore

same "service show" service show
same "service show NAME" service show a
same "save" save
same "stats" stats
same "config show" config show
same "lookup" lookup udp 10.96.0.11:53
same "version" version
same "refused service add (exists)" service add a proto udp
same "refused frontend add (taken)" frontend add a clusterip 10.96.0.11:53
same "refused backend del (absent)" backend del a 10.244.0.99:53
same "refused service del (absent)" service del nosuch
same "refused config (bad CIDR)" config set cluster-cidrs 10.0.0.1/8

# per netns: another netns's changes do not move ours
ip netns add other
in_ns other "$SVCADM" service add x proto tcp >/dev/null
expect_eq "another netns's change leaves ours alone" "$(gen)" "$g"
rm -f /tmp/gen.restore
