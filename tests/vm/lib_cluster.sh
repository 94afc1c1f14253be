# shellcheck shell=bash
# Two-node cluster topology for the external-traffic tests
# (tests/vm/tests/external-*.sh). Source after tests/vm/lib.sh.
#
#                       netns "wire": bridge br0 (the node LAN)
#          192.168.0.0/24, fd00:192::/64   |
#       +-------------------+--------------+----------------+
#       | .1 / ::1          | .2 / ::2                      | .100 / ::100
#     node1               node2                            ext   (external client,
#   10.244.1.1/          10.244.2.1/                             also .101-.104 and
#   fd00:244:1::1 on     fd00:244:2::1 on                        ::101-::104 for
#   every pod link       every pod link                          --src)
#    |    |    |          |    |    |
#   n1a  n1b  c1         n2a  n2b  c2
#
# Pods are routed /32 (/128) behind their node (Calico style):
#   node1: n1a 10.244.1.11, n1b 10.244.1.12, c1 10.244.1.100 (client pod)
#   node2: n2a 10.244.2.11, n2b 10.244.2.12, c2 10.244.2.100 (client pod)
#   IPv6 the same in fd00:244:1::/64, fd00:244:2::/64 (fd00:244:1::11 ...).
# Each node routes the other node's pod CIDR via the other node; the
# nodes' default routes point at netns "sink" (192.168.0.254 /
# fd00:192::fe on the LAN), which answers nothing and records the
# destination address . protocol . port of every packet it gets: nothing
# reaches a service address unless svcvip on the node the packet enters
# translates it, and a probe that expect_vc expects dropped ("timeout")
# must not be found there (checked once at the end of the test: a packet
# svcvip should have dropped but forwarded untranslated). ext routes the service
# ranges (10.96.0.0/16, 203.0.113.0/24, fd00:96::/64, fd00:203::/64) via
# node1, and each pod CIDR via its node.
#
# Every pod except the clients runs vipcheck servers named after the pod
# on TCP and UDP 8080 (IPv4 and IPv6), and SCTP 8080 when CL_SCTP=1 is set
# before cluster_two_nodes (an extra process per pod under TCG). svcvip
# is per netns: each node has its own table, filled with cluster_apply
# (the same lines on both nodes; only the `local` flag differs, as
# svcsyncd would set it). Config on each
# node: cluster-cidrs 10.244.0.0/16,fd00:244::/32 (a /48 would not cover
# fd00:244:1::/64), local-cidrs = the node's own pod CIDRs.
#
# Addresses by name, for the tests: ${A4[NAME]} / ${A6[NAME]}.

# Under TCG a fork+exec costs ~0.3 s and `ip netns exec` ~1 s: the helpers
# avoid command substitutions; addresses live in arrays.
declare -gA A4=(
	[node1]=192.168.0.1 [node2]=192.168.0.2 [ext]=192.168.0.100
	[gw1]=10.244.1.1 [gw2]=10.244.2.1
	[n1a]=10.244.1.11 [n1b]=10.244.1.12 [c1]=10.244.1.100
	[n2a]=10.244.2.11 [n2b]=10.244.2.12 [c2]=10.244.2.100
)
declare -gA A6=(
	[node1]=fd00:192::1 [node2]=fd00:192::2 [ext]=fd00:192::100
	[gw1]=fd00:244:1::1 [gw2]=fd00:244:2::1
	[n1a]=fd00:244:1::11 [n1b]=fd00:244:1::12 [c1]=fd00:244:1::100
	[n2a]=fd00:244:2::11 [n2b]=fd00:244:2::12 [c2]=fd00:244:2::100
)
declare -gA NODE_OF=(
	[n1a]=node1 [n1b]=node1 [c1]=node1 [n2a]=node2 [n2b]=node2 [c2]=node2
)

# Under TCG every process costs ~0.5 s, so the topology is built with
# one `ip -batch` in the root netns (namespaces, links) and one shell per
# namespace (sysctls, one `ip -batch` for addresses and routes, servers).
# The ICMP rate masks take port unreachable out of the per-netns global
# ICMP limit: a fresh netns starts with no credit, and of two errors sent
# at once by two CPUs the second is dropped (icmp_global_allow), so a
# parallel UDP probe would see one refusal and one timeout. iptables
# REJECT is subject to the same limit.
_cl_sysctl_cmd="sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0 \
net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0 \
net.ipv4.icmp_ratemask=0 net.ipv6.icmp.ratemask=0,3-127 >/dev/null"

# _cl_ns NS SCRIPT: run the sh SCRIPT in NS
_cl_ns() {
	ip netns exec "$1" sh -c "$2" || die "setup of $1"
}

cluster_two_nodes() {
	local n other pod i b ns
	b=
	for ns in wire node1 node2 n1a n1b c1 n2a n2b c2 ext sink; do
		b+="netns add $ns"$'\n'
	done
	b+="link add br0 netns wire type bridge stp_state 0 forward_delay 0"$'\n'
	for ns in node1 node2 ext sink; do
		b+="link add w-$ns netns wire type veth peer name eth0 netns $ns"$'\n'
	done
	for pod in n1a n1b c1 n2a n2b c2; do
		b+="link add v-$pod netns ${NODE_OF[$pod]} type veth peer name eth0 netns $pod"$'\n'
	done
	ip -batch - <<<"$b" || die "root batch"
	b="link set lo up"$'\n'"link set br0 up"$'\n'
	for ns in node1 node2 ext sink; do
		b+="link set w-$ns master br0"$'\n'"link set w-$ns up"$'\n'
	done
	ip -n wire -batch - <<<"$b" || die "wire batch"
	for n in 1 2; do
		other=$((3 - n))
		b="link set lo up
link set eth0 up
addr add 192.168.0.$n/24 dev eth0
addr add fd00:192::$n/64 dev eth0 nodad
route add 10.244.$other.0/24 via 192.168.0.$other
route add fd00:244:$other::/64 via fd00:192::$other
route add default via 192.168.0.254 dev eth0 onlink
route add ::/0 via fd00:192::fe dev eth0 onlink
"
		for pod in "n${n}a" "n${n}b" "c$n"; do
			b+="link set v-$pod up
addr add 10.244.$n.1/32 dev v-$pod
addr add fd00:244:$n::1/128 dev v-$pod nodad
route add ${A4[$pod]}/32 dev v-$pod
route add ${A6[$pod]}/128 dev v-$pod
"
		done
		_cl_ns "node$n" "$_cl_sysctl_cmd
ip -batch - <<'END'
$b
END"
		for pod in "n${n}a" "n${n}b" "c$n"; do
			b="link set lo up
link set eth0 up
addr add ${A4[$pod]}/32 dev eth0
addr add ${A6[$pod]}/128 dev eth0 nodad
route add 10.244.$n.1 dev eth0
route add default via 10.244.$n.1 dev eth0
route add fd00:244:$n::1 dev eth0
route add ::/0 via fd00:244:$n::1 dev eth0
"
			if [ "$pod" = "c$n" ]; then
				ip -n "$pod" -batch - <<<"$b" || die "setup of $pod"
			else
				_cl_ns "$pod" "ip -batch - <<'END'
$b
END
$VIPCHECK serve --proto tcp --port 8080 --name $pod --daemon >/dev/null &&
$VIPCHECK serve --proto udp --port 8080 --name $pod --daemon >/dev/null${CL_SCTP:+ &&
$VIPCHECK serve --proto sctp --port 8080 --name $pod --daemon >/dev/null}"
			fi
		done
	done
	b="link set lo up
link set eth0 up
addr add 192.168.0.100/24 dev eth0
addr add fd00:192::100/64 dev eth0 nodad
"
	for i in 101 102 103 104; do
		b+="addr add 192.168.0.$i/24 dev eth0
addr add fd00:192::$i/64 dev eth0 nodad preferred_lft 0
"
	done
	b+="route add 10.96.0.0/16 via 192.168.0.1
route add 203.0.113.0/24 via 192.168.0.1
route add 10.244.1.0/24 via 192.168.0.1
route add 10.244.2.0/24 via 192.168.0.2
route add fd00:96::/64 via fd00:192::1
route add fd00:203::/64 via fd00:192::1
route add fd00:244:1::/64 via fd00:192::1
route add fd00:244:2::/64 via fd00:192::2
"
	_cl_ns sink "sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
ip -batch - <<'END'
link set lo up
link set eth0 up
addr add 192.168.0.254/24 dev eth0
addr add fd00:192::fe/64 dev eth0 nodad
END
nft -f - <<'END'
$_cl_sink_nft
END"
	trap _cl_sink_verify EXIT
	# the connections at the end check the wiring and warm the neighbour
	# caches, so that first connections in the tests do not wait for ARP/ND
	_cl_ns ext "$_cl_sysctl_cmd
ip -batch - <<'END'
$b
END
for a in 10.244.1.11 10.244.2.11 fd00:244:1::11 fd00:244:2::11; do
	$VIPCHECK connect --proto tcp --addr \$a --port 8080 --timeout-ms 5000 >/dev/null ||
		{ echo \"ext: no answer from \$a\" >&2; exit 1; }
done"
	cluster_config
}

# The sink: records what the nodes' default routes deliver, answers
# nothing (neighbour discovery only)
_cl_sink_nft='table inet sink {
	set seen4 { type ipv4_addr . inet_proto . inet_service; flags dynamic; size 65536; }
	set seen6 { type ipv6_addr . inet_proto . inet_service; flags dynamic; size 65536; }
	chain pre {
		type filter hook prerouting priority -500; policy accept;
		icmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } accept
		meta l4proto { tcp, udp, sctp } add @seen4 { ip daddr . meta l4proto . th dport }
		meta l4proto { tcp, udp, sctp } add @seen6 { ip6 daddr . meta l4proto . th dport }
		counter drop
	}
}'

# probes expect_vc expected dropped: "LABEL|ADDR|PROTO|PORT"
_CL_DROPS=()

# _cl_sink_verify: at the end of the test, one result: none of the probes
# expected dropped reached the sink (svcvip forwarded it untranslated)
_cl_sink_verify() {
	local out seen d label key leaked= n=${#_CL_DROPS[@]}
	[ "$n" -gt 0 ] || return 0
	if ! out=$(ip netns exec sink nft list table inet sink 2>&1); then
		fail "sink: the $n probes expected dropped did not leave the node" \
			"cannot read the sink: $out"
		return 0
	fi
	# elements print as "ADDR . PROTO . PORT" between { } and commas
	seen=" $(tr ',{}\n' '    ' <<<"$out" | sed 's/ \. /|/g') "
	for d in "${_CL_DROPS[@]}"; do
		label=${d%%|*} key=${d#*|}
		case $seen in *" $key "*) leaked+="$label ($key); " ;; esac
	done
	if [ -z "$leaked" ]; then
		pass "sink: the $n probes expected dropped did not leave the node"
	else
		fail "sink: the $n probes expected dropped did not leave the node" \
			"forwarded untranslated to the default gateway: $leaked"
	fi
}

# cluster_config: the per-node config (cluster CIDRs shared, local CIDRs =
# the node's own pod CIDR)
cluster_config() {
	local n
	for n in 1 2; do
		in_ns "node$n" "$SVCADM" config set \
			cluster-cidrs 10.244.0.0/16,fd00:244::/32 \
			local-cidrs "10.244.$n.0/24,fd00:244:$n::/64" ||
			die "config node$n"
	done
}

# cluster_apply: reads svcadm restore lines on stdin and applies them on
# both nodes. A backend line may end in the word `@PODNAME`, the pod the
# endpoint lives on: on that pod's node it becomes `local`, elsewhere the
# word is removed.
cluster_apply() {
	local lines n
	lines=$(cat)
	for n in node1 node2; do
		echo "$lines" | awk -v node="$n" '
			$NF ~ /^@/ {
				pod = substr($NF, 2)
				$NF = ""
				if ((node == "node1" && pod ~ /^(n1|c1)/) ||
				    (node == "node2" && pod ~ /^(n2|c2)/))
					$NF = "local"
			}
			{ print }' | in_ns "$n" "$SVCADM" restore ||
			die "restore on $n"
	done
}

# on_nodes CMD...: run an svcadm command on both nodes
on_nodes() {
	local n rc=0
	for n in node1 node2; do
		in_ns "$n" "$SVCADM" "$@" || rc=1
	done
	return $rc
}

# vc_parse OUTPUT: parses `vipcheck connect -v` output without forking.
# Sets VC_OK VC_REFUSED VC_TIMEOUT VC_ERROR (counts), VC_PAIRS ("NAME@PEER"
# of each successful attempt, space separated), VC_ERRNOS (errno names of
# errors), VC_MS (elapsed_ms) and VC_CLASS: ok, refused, timeout or error
# when every attempt had that class, else mixed(ok=..,refused=..,...).
vc_parse() {
	local w1 w2 w3 w4 w5 rest
	VC_OK=0 VC_REFUSED=0 VC_TIMEOUT=0 VC_ERROR=0 VC_PAIRS= VC_ERRNOS= VC_MS=0
	while read -r w1 w2 w3 w4 w5 rest; do
		case $w1 in
		attempt)
			case $w3 in
			ok) VC_PAIRS+="$w4@$w5 " ;;
			error) VC_ERRNOS+="$w4 " ;;
			esac ;;
		ok) VC_OK=$w2 ;;
		refused) VC_REFUSED=$w2 ;;
		timeout) VC_TIMEOUT=$w2 ;;
		error) VC_ERROR=$w2 ;;
		elapsed_ms) VC_MS=$w2 ;;
		esac
	done <<<"$1"
	VC_PAIRS=${VC_PAIRS% } VC_ERRNOS=${VC_ERRNOS% }
	if [ $VC_OK -gt 0 ] && [ $((VC_REFUSED + VC_TIMEOUT + VC_ERROR)) -eq 0 ]; then
		VC_CLASS=ok
	elif [ $VC_REFUSED -gt 0 ] && [ $((VC_OK + VC_TIMEOUT + VC_ERROR)) -eq 0 ]; then
		VC_CLASS=refused
	elif [ $VC_TIMEOUT -gt 0 ] && [ $((VC_OK + VC_REFUSED + VC_ERROR)) -eq 0 ]; then
		VC_CLASS=timeout
	elif [ $VC_ERROR -gt 0 ] && [ $((VC_OK + VC_REFUSED + VC_TIMEOUT)) -eq 0 ]; then
		VC_CLASS="error($VC_ERRNOS)"
	else
		VC_CLASS="mixed(ok=$VC_OK,refused=$VC_REFUSED,timeout=$VC_TIMEOUT,error=$VC_ERROR)"
	fi
}

# vc NETNS ARGS...: vipcheck connect -v in NETNS, parsed (VC_*), raw in VC_OUT
vc() {
	local ns=$1
	shift
	VC_OUT=$(ip netns exec "$ns" "$VIPCHECK" connect -v "$@" 2>&1)
	vc_parse "$VC_OUT"
}

# vc_names: the distinct backend names of VC_PAIRS, sorted, space separated
# (in VC_NAMES)
vc_names() {
	local p n seen=" "
	for p in $VC_PAIRS; do
		n=${p%@*}
		case $seen in *" $n "*) ;; *) seen+="$n " ;; esac
	done
	VC_NAMES=
	for n in n1a n1b n2a n2b; do
		case $seen in *" $n "*) VC_NAMES+="$n " ;; esac
	done
	for n in $seen; do
		case " n1a n1b n2a n2b " in *" $n "*) ;; *) VC_NAMES+="$n " ;; esac
	done
	VC_NAMES=${VC_NAMES% }
}

# vc_peers: the distinct source addresses the servers saw (in VC_PEERS)
vc_peers() {
	local p a seen=" "
	for p in $VC_PAIRS; do
		a=${p#*@}
		case $seen in *" $a "*) ;; *) seen+="$a " ;; esac
	done
	VC_PEERS=${seen# }
	VC_PEERS=${VC_PEERS% }
}

# expect_vc LABEL WANT NAMES PEERS NS ARGS...: runs vipcheck connect ARGS
# in NS and passes when every attempt has class WANT (ok, refused within
# 1.5 s, timeout); NAMES = allowed answering servers (space separated), PEERS =
# the source address each name must see ("name=addr ...", or "-")
# _cl_note_drop LABEL CONNECT-ARGS...: a probe expected dropped, for the
# sink check at the end of the test
_cl_note_drop() {
	local label=$1 a= pr= po= prev= e
	shift
	for e; do
		case $prev in --addr) a=$e ;; --proto) pr=$e ;; --port) po=$e ;; esac
		prev=$e
	done
	a=${a#[} a=${a%]}
	_CL_DROPS+=("$label|$a|$pr|$po")
}

expect_vc() {
	local label=$1 want=$2 names=$3 peers=$4 ns=$5
	shift 5
	[ "$want" = timeout ] && _cl_note_drop "$label" "$@"
	vc "$ns" "$@"
	vc_judge "$label" "$want" "$names" "$peers"
}

# vc_judge LABEL WANT NAMES PEERS: expect_vc's verdict on the attempts
# parsed last (VC_*, VC_OUT)
vc_judge() {
	local label=$1 want=$2 names=$3 peers=$4 err= p name peer exp e
	if [ "$VC_CLASS" != "$want" ]; then
		err="want $want, got $VC_CLASS"
	elif [ "$want" = ok ]; then
		for p in $VC_PAIRS; do
			name=${p%@*} peer=${p#*@}
			case " $names " in
			*" $name "*) ;;
			*) err+="answered by $name, want one of $names; "; continue ;;
			esac
			[ "$peers" = - ] && continue
			exp=
			for e in $peers; do [ "${e%%=*}" = "$name" ] && exp=${e#*=}; done
			[ "$peer" = "$exp" ] || err+="$name saw $peer, want $exp; "
		done
	elif [ "$want" = refused ] && [ "$VC_MS" -gt 1500 ]; then
		err="refused only after $VC_MS ms (a reject is immediate)"
	fi
	if [ -z "$err" ]; then pass "$label"
	else fail "$label" "$err | $(grep -v '^attempt' <<<"$VC_OUT" | tr '\n' ' ')"; fi
}

# vcq LABEL WANT NAMES PEERS NS ARGS...: expect_vc, queued: vcq_run runs
# the queued probes, those of one netns one after the other in one shell
# (an `ip netns exec` costs up to 1 s under TCG), the netns in parallel,
# then judges each like expect_vc, in the order they were queued. ARGS
# must be single words without shell metacharacters. The raw outputs stay
# in VCQ_OUT (by queue position) until the next vcq_run.
declare -ga VCQ_LABEL=() VCQ_WANT=() VCQ_NAMES=() VCQ_PEERS=() VCQ_OUT=()
declare -gA VCQ_SCRIPT=()
vcq() {
	local i=${#VCQ_LABEL[@]}
	VCQ_LABEL[i]=$1 VCQ_WANT[i]=$2 VCQ_NAMES[i]=$3 VCQ_PEERS[i]=$4
	[ "$2" = timeout ] && _cl_note_drop "$1" ${*:6}
	VCQ_SCRIPT[$5]+="echo '### $i'
$VIPCHECK connect -v ${*:6} 2>&1
"
}

vcq_run() {
	local dir ns line cur i
	local -a out=()
	dir=$(mktemp -d) || die "vcq: mktemp"
	for ns in "${!VCQ_SCRIPT[@]}"; do
		ip netns exec "$ns" bash -c "${VCQ_SCRIPT[$ns]}" > "$dir/$ns" 2>&1 &
	done
	wait
	for ns in "${!VCQ_SCRIPT[@]}"; do
		cur=-1
		while IFS= read -r line; do
			if [[ $line == '### '* ]]; then
				cur=${line#'### '}
				out[cur]=
			elif [ "$cur" -ge 0 ]; then
				out[cur]+="$line"$'\n'
			fi
		done < "$dir/$ns"
	done
	rm -rf "$dir"
	VCQ_OUT=()
	for ((i = 0; i < ${#VCQ_LABEL[@]}; i++)); do
		VC_OUT=${out[i]:-}
		VCQ_OUT[i]=$VC_OUT
		vc_parse "$VC_OUT"
		vc_judge "${VCQ_LABEL[i]}" "${VCQ_WANT[i]}" "${VCQ_NAMES[i]}" \
			"${VCQ_PEERS[i]}"
	done
	VCQ_LABEL=() VCQ_WANT=() VCQ_NAMES=() VCQ_PEERS=() VCQ_SCRIPT=()
}

# attempt options: expected successes get generous timeouts under TCG,
# expected drops short ones (a drop is a timeout)
OK="--count 3 --parallel 3 --timeout-ms 8000"
DROP="--count 2 --parallel 2 --timeout-ms 1000"
REJ="--count 2 --parallel 2 --timeout-ms 3000"

# expect_lookup [-x] LABEL ERE ARGS...: `svcadm -n lookup ARGS` on node1
# (the what-if for a first packet) prints lines matching ERE, which may span
# lines ('verdict drop.*reason source-range'); with -x, ERE is one whole line
expect_lookup() {
	local mode=-qzE label re out
	if [ "$1" = -x ]; then
		mode=-qxE
		shift
	fi
	label=$1 re=$2
	shift 2
	out=$(in_ns node1 "$SVCADM" -n lookup "$@" 2>&1)
	if grep "$mode" -- "$re" <<<"$out"; then
		pass "$label"
	else
		fail "$label" "lookup $* said: $(tr '\n' ' ' <<<"$out")"
	fi
}

# cluster_service NAME PROTO VIP4 VIP6 PORT: the restore lines of a service
# on cluster IPs VIP4:PORT and [VIP6]:PORT whose backends are the three
# pods of cluster_basic (10.244.0.11-13, fd00:244::11-13) on port 8080
# (the single-node clusterip-*.sh tests).
cluster_service() {
	local i
	echo "service add $1 proto $2"
	echo "frontend add $1 clusterip $3:$5"
	echo "frontend add $1 clusterip [$4]:$5"
	for i in 1 2 3; do echo "backend add $1 10.244.0.1$i:8080"; done
	for i in 1 2 3; do echo "backend add $1 [fd00:244::1$i]:8080"; done
}

# expect_vc_batch: expect_vc for every stdin line
#   LABEL|WANT|NAMES|PEERS|NS|CONNECT ARGS...
# run one after the other by one shell in the root netns that enters each
# NS with nsenter (an `ip netns exec` per attempt costs up to ~1 s under
# TCG; nsenter costs one exec)
expect_vc_batch() {
	local specs=() line label want names peers ns args script= i=0 out chunk
	while IFS= read -r line; do
		[ -n "$line" ] && specs+=("$line")
	done
	for line in "${specs[@]}"; do
		IFS='|' read -r label want names peers ns args <<<"$line"
		script+="echo '@@vc $i'; nsenter --net=/run/netns/$ns $VIPCHECK connect -v $args 2>&1;"
		i=$((i + 1))
	done
	out=$(sh -c "$script"; echo "@@vc end")
	i=0
	for line in "${specs[@]}"; do
		IFS='|' read -r label want names peers ns args <<<"$line"
		chunk=${out#*"@@vc $i"$'\n'}
		chunk=${chunk%%$'\n'"@@vc "*}
		VC_OUT=$chunk
		vc_parse "$VC_OUT"
		vc_judge "$label" "$want" "$names" "$peers"
		i=$((i + 1))
	done
}
