# kube-proxy's cluster-ips-check, IPv4 and IPv6: a new connection to a
# cluster IP on a port or protocol none of its frontends uses is rejected
# (TCP RST, UDP ICMP port unreachable, SCTP ABORT; a ping gets ICMP port
# unreachable, never an echo reply) instead of leaving the node
# untranslated; with "config set service-cidrs", a new connection to any
# other address inside them is dropped. External IPs are not cluster IPs.
# Whether a packet left the node untranslated is read from conntrack: a
# rejected or dropped first packet leaves no confirmed entry.
. "$SVCVIP_TOP/tests/vm/lib.sh"

module_load
cluster_basic
in_ns node "$SVCADM" restore <<'END' || die "restore"
service add web proto tcp
frontend add web clusterip 10.96.0.10:80
frontend add web clusterip [fd00:96::10]:80
backend add web 10.244.0.11:8080
backend add web [fd00:244::11]:8080
service add dns proto udp
frontend add dns clusterip 10.96.0.10:53
frontend add dns clusterip [fd00:96::10]:53
backend add dns 10.244.0.12:8080
backend add dns [fd00:244::12]:8080
service add local proto tcp
frontend add local clusterip 10.96.0.20:80
frontend add local clusterip [fd00:96::20]:80
backend add local 10.244.0.11:8080
backend add local [fd00:244::11]:8080
service add ext proto tcp
frontend add ext externalip 203.0.113.10:80
frontend add ext externalip [fd00:203::10]:80
backend add ext 10.244.0.11:8080
backend add ext [fd00:244::11]:8080
END
# 10.96.0.20 is also an address of the node (as IPVS mode's kube-ipvs0
# has it): untranslated, the node itself would answer a ping
ip -n node addr add 10.96.0.20/32 dev lo
ip -n node addr add fd00:96::20/128 dev lo nodad

# ping NS ADDR: one ICMP echo; prints reply, unreachable or timeout
ping_once() {
	in_ns "$1" python3 - "$2" <<'PY'
import socket, struct, sys, select
addr = sys.argv[1]
v6 = ":" in addr
if v6:
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    pkt = struct.pack("!BBHHH", 128, 0, 0, 0x5356, 1) + b"svcvip"
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    body = struct.pack("!BBHHH", 8, 0, 0, 0x5356, 1) + b"svcvip"
    c = sum(struct.unpack("!%dH" % (len(body) // 2), body))
    c = (c >> 16) + (c & 0xffff)
    c = ~(c + (c >> 16)) & 0xffff
    pkt = body[:2] + struct.pack("!H", c) + body[4:]
s.sendto(pkt, (addr, 0))
while True:
    r, _, _ = select.select([s], [], [], 2.0)
    if not r:
        print("timeout")
        break
    data, _ = s.recvfrom(2048)
    if not v6:
        data = data[(data[0] & 15) * 4:]
    t = data[0]
    if t in ((0,) if not v6 else (129,)):
        print("reply")
        break
    if t in ((3,) if not v6 else (1,)):
        print("unreachable")
        break
PY
}

# expect_lookup_node LABEL ERE ARGS...: svcadm -n lookup ARGS on the node
expect_lookup_node() {
	local label=$1 re=$2 o
	shift 2
	o=$(in_ns node "$SVCADM" -n lookup "$@" 2>&1)
	if grep -qzE -- "$re" <<<"$o"; then pass "$label"
	else fail "$label" "lookup $* said: $(tr '\n' ' ' <<<"$o")"; fi
}

# ct_to ADDR: the node's conntrack entries to ADDR (confirmed ones only:
# a rejected or dropped first packet leaves none)
ct_to() {
	local f=ipv4
	case $1 in *:*) f=ipv6 ;; esac
	in_ns node conntrack -L -f $f -d "$1" 2>/dev/null
}
# left ADDR: how many connections to ADDR left the node
left() {
	ct_to "$1" | grep -c .
}

for fam in 4 6; do
	if [ $fam = 4 ]; then
		vip=10.96.0.10 lvip=10.96.0.20 ext=203.0.113.10 free=10.96.5.5
	else
		vip=fd00:96::10 lvip=fd00:96::20 ext=fd00:203::10 free=fd00:96::5:5
	fi
	out=$(in_ns client "$VIPCHECK" connect --proto tcp --addr $vip --port 80 \
		--count 3 --timeout-ms 5000)
	expect_eq "IPv$fam: the service port answers" "$(stat_of "$out" ok)" 3
	for from in client node; do
		out=$(in_ns $from "$VIPCHECK" connect --proto tcp --addr $vip \
			--port 81 --count 2 --timeout-ms 3000)
		expect_eq "IPv$fam from $from: tcp to an unused port of a cluster IP: refused" \
			"$(stat_of "$out" refused)" 2
		expect_range "IPv$fam from $from: refused at once" \
			"$(stat_of "$out" elapsed_ms)" 0 1500
	done
	out=$(in_ns client "$VIPCHECK" connect --proto tcp --addr $vip --port 53 \
		--count 2 --timeout-ms 3000)
	expect_eq "IPv$fam: tcp to the port only udp uses: refused" \
		"$(stat_of "$out" refused)" 2
	out=$(in_ns client "$VIPCHECK" connect --proto udp --addr $vip --port 54 \
		--count 2 --timeout-ms 3000)
	expect_eq "IPv$fam: udp to an unused port: refused (ICMP)" \
		"$(stat_of "$out" refused)" 2
	out=$(in_ns client "$VIPCHECK" connect --proto udp --addr $vip --port 80 \
		--count 2 --timeout-ms 3000)
	expect_eq "IPv$fam: udp to the port only tcp uses: refused (ICMP)" \
		"$(stat_of "$out" refused)" 2
	out=$(in_ns client "$VIPCHECK" connect --proto sctp --addr $vip --port 80 \
		--count 1 --timeout-ms 3000)
	expect_eq "IPv$fam: sctp to a cluster IP without sctp: refused (ABORT)" \
		"$(stat_of "$out" refused)" 1
	expect_eq "IPv$fam: none of these left the node" \
		"$(ct_to $vip | grep -cE '^tcp .* dport=(81|53) |^udp .* dport=(54|80) |^sctp ')" 0
	expect_eq "IPv$fam: ping to a cluster IP gets no echo reply" \
		"$(ping_once client $lvip)" unreachable
	expect_eq "IPv$fam: ping to a cluster IP from the node: no echo reply" \
		"$(ping_once node $lvip)" unreachable
	expect_eq "IPv$fam: ping to the node's own address is answered (control)" \
		"$(ping_once client "$([ $fam = 4 ] && echo 192.168.0.1 || echo fd00:192::1)")" reply
	a=$vip; [ $fam = 6 ] && a="[$vip]"
	expect_lookup_node "IPv$fam: lookup: reject, cluster-ip-port" \
		'verdict reject.*reason cluster-ip-port' tcp $a:81
	expect_lookup_node "IPv$fam: lookup udp on the tcp port: reject, cluster-ip-port" \
		'verdict reject.*reason cluster-ip-port' udp $a:80
	a=$ext; [ $fam = 6 ] && a="[$ext]"
	expect_lookup_node "IPv$fam: an external IP on another port is not a cluster IP" \
		'verdict none.*reason no-frontend' tcp $a:81
	a=$free; [ $fam = 6 ] && a="[$free]"
	expect_lookup_node "IPv$fam: without service-cidrs an unused address is not ours" \
		'verdict none.*reason no-frontend' tcp $a:80
	in_ns client "$VIPCHECK" connect --proto tcp --addr $free --port 80 \
		--count 1 --timeout-ms 1000 >/dev/null
	expect_range "IPv$fam: without service-cidrs it leaves the node untranslated" \
		"$(left $free)" 1 100
done

check "config set service-cidrs" in_ns node "$SVCADM" config set \
	service-cidrs 10.96.0.0/16,fd00:96::/64
check "config show has them" grep -q 'service-cidrs 10.96.0.0/16,fd00:96::/64' \
	<<<"$(in_ns node "$SVCADM" config show)"
check "save has them" grep -q 'service-cidrs 10.96.0.0/16,fd00:96::/64' \
	<<<"$(in_ns node "$SVCADM" save)"
expect_eq "JSON has them" \
	"$(in_ns node "$SVCADM" -j config show | jq -c '.service_cidrs | length')" 2
in_ns node conntrack -F >/dev/null 2>&1
for fam in 4 6; do
	if [ $fam = 4 ]; then
		vip=10.96.0.10 free=10.96.5.5 a=10.96.5.5 ao=10.97.0.1
	else
		vip=fd00:96::10 free=fd00:96::5:5 a="[fd00:96::5:5]" ao="[fd00:97::1]"
	fi
	for p in tcp udp; do
		out=$(in_ns client "$VIPCHECK" connect --proto $p --addr $free --port 80 \
			--count 2 --timeout-ms 1000)
		expect_eq "IPv$fam: $p to an unused service-CIDR address: no answer" \
			"$(stat_of "$out" timeout)" 2
	done
	out=$(in_ns node "$VIPCHECK" connect --proto tcp --addr $free --port 80 \
		--count 1 --timeout-ms 1000)
	expect_eq "IPv$fam: from the node too: no answer" "$(stat_of "$out" ok)" 0
	expect_eq "IPv$fam: ping to an unused service-CIDR address: no answer" \
		"$(ping_once client $free)" timeout
	expect_eq "IPv$fam: dropped: nothing left the node" "$(left $free)" 0
	expect_lookup_node "IPv$fam: lookup: drop, service-cidr" \
		'verdict drop.*reason service-cidr' tcp $a:80
	expect_lookup_node "IPv$fam: outside the service CIDRs: not ours" \
		'verdict none.*reason no-frontend' tcp $ao:80
	out=$(in_ns client "$VIPCHECK" connect --proto tcp --addr $vip --port 81 \
		--count 1 --timeout-ms 3000)
	expect_eq "IPv$fam: a cluster IP inside them is still rejected" \
		"$(stat_of "$out" refused)" 1
	out=$(in_ns client "$VIPCHECK" connect --proto tcp --addr $vip --port 80 \
		--count 2 --timeout-ms 5000)
	expect_eq "IPv$fam: and its service still answers" "$(stat_of "$out" ok)" 2
done

# the cluster-IP set follows the frontends: 10.96.0.10 is a cluster IP of
# web (tcp 80) and dns (udp 53)
in_ns node "$SVCADM" frontend del web clusterip 10.96.0.10:80
expect_lookup_node "one of two frontends gone: still a cluster IP" \
	'verdict reject.*reason cluster-ip-port' tcp 10.96.0.10:80
in_ns node "$SVCADM" service replace dns proto udp scheduler rr
expect_lookup_node "service replace keeps it a cluster IP" \
	'verdict reject.*reason cluster-ip-port' tcp 10.96.0.10:80
in_ns node "$SVCADM" service del dns
expect_lookup_node "last frontend gone: an unused service-CIDR address" \
	'verdict drop.*reason service-cidr' tcp 10.96.0.10:80
in_ns node "$SVCADM" frontend add web externalip 10.96.0.10:80
expect_lookup_node "an external IP frontend does not make it a cluster IP" \
	'verdict drop.*reason service-cidr' tcp 10.96.0.10:81
check "config set service-cidrs none" in_ns node "$SVCADM" config set service-cidrs none
expect_lookup_node "service-cidrs none: no drop" \
	'verdict none.*reason no-frontend' tcp 10.96.5.5:80
in_ns node "$SVCADM" flush
expect_lookup_node "flushed: no cluster IP left" \
	'verdict none.*reason no-frontend' tcp 10.96.0.20:80
