# kube-proxy's traffic matrix on two nodes: every frontend kind (clusterip,
# externalip, loadbalancer, nodeport) x every client (c1 = pod on node1,
# c2 = pod on node2, node = node1's own processes, ext = external client on
# the node LAN) x traffic policy (cluster, local) x where the backends live
# (both = n1a on node1 + n2a on node2, n2only, n1only, none).
#
# Which node decides: the node the first packet enters. ext and node1
# reach everything through node1; c2 reaches node1's NodePort
# (192.168.0.1) through node1, but cluster IPs, external IPs and LB IPs on
# its own node2 (programmed identically there, as kube-proxy does).
#
# "policy" is the internal policy for clusterip rows and the external
# policy for the others. Each service has the opposite setting for the
# other policy, so that a kernel using the wrong one fails rows:
#   SCEN-ic: internal-policy cluster, external-policy local
#   SCEN-il: internal-policy local,   external-policy cluster
#
# Columns of the table: kind, client, policy, backends, then the expected
# outcome: ok / refused (TCP RST at once) / timeout (dropped); the backends
# that may answer; and the source the backend must see: client (its own
# address) or masq (the deciding node's address on the interface toward
# the chosen backend: node1: n1a -> 10.244.1.1, n2a -> 192.168.0.1;
# node2: n2a -> 10.244.2.1, n1a -> 192.168.0.2).
# Each row is also asked of `svcadm lookup` on the deciding node (except
# for client "node", whose LOCAL_OUT origin lookup cannot express): verdict
# dnat/drop/reject, the backend, and the masquerade reason.
#
# The whole matrix runs in IPv4 and in IPv6 (rows labelled "IPv6 ..."):
# every service has both families' frontends (IPv6: cluster IP
# fd00:96::1:i, external IP fd00:203::(10+i), LB IP fd00:203::(30+i),
# NodePort on fd00:192::1) and backends (fd00:244:1::11, fd00:244:2::11);
# masquerade addresses likewise (node1: n1a -> fd00:244:1::1, n2a ->
# fd00:192::1; node2: n2a -> fd00:244:2::1, n1a -> fd00:192::2).
# And over UDP in IPv4 (rows labelled "UDP ..."): each service has a UDP
# twin on the same addresses and ports (SCEN-ic-udp, SCEN-il-udp); refused
# is then an ICMP port unreachable, at once, and a drop of the node's own
# datagram (at LOCAL_OUT) is EPERM from sendmsg, as with an iptables DROP
# in OUTPUT.
. "$SVCVIP_TOP/tests/vm/lib.sh"
. "$SVCVIP_TOP/tests/vm/lib_cluster.sh"

MATRIX='
clusterip    c1   cluster both   ok      n1a,n2a client
clusterip    c1   cluster n2only ok      n2a     client
clusterip    c1   cluster n1only ok      n1a     client
clusterip    c1   cluster none   refused -       -
clusterip    c2   cluster both   ok      n1a,n2a client
clusterip    c2   cluster n2only ok      n2a     client
clusterip    c2   cluster n1only ok      n1a     client
clusterip    c2   cluster none   refused -       -
clusterip    node cluster both   ok      n1a,n2a masq
clusterip    node cluster n2only ok      n2a     masq
clusterip    node cluster n1only ok      n1a     masq
clusterip    node cluster none   refused -       -
clusterip    ext  cluster both   ok      n1a,n2a masq
clusterip    ext  cluster n2only ok      n2a     masq
clusterip    ext  cluster n1only ok      n1a     masq
clusterip    ext  cluster none   refused -       -
clusterip    c1   local   both   ok      n1a     client
clusterip    c1   local   n2only timeout -       -
clusterip    c1   local   n1only ok      n1a     client
clusterip    c1   local   none   refused -       -
clusterip    c2   local   both   ok      n2a     client
clusterip    c2   local   n2only ok      n2a     client
clusterip    c2   local   n1only timeout -       -
clusterip    c2   local   none   refused -       -
clusterip    node local   both   ok      n1a     masq
clusterip    node local   n2only timeout -       -
clusterip    node local   n1only ok      n1a     masq
clusterip    node local   none   refused -       -
clusterip    ext  local   both   ok      n1a     masq
clusterip    ext  local   n2only timeout -       -
clusterip    ext  local   n1only ok      n1a     masq
clusterip    ext  local   none   refused -       -
externalip   c1   cluster both   ok      n1a,n2a masq
externalip   c1   cluster n2only ok      n2a     masq
externalip   c1   cluster n1only ok      n1a     masq
externalip   c1   cluster none   refused -       -
externalip   c2   cluster both   ok      n1a,n2a masq
externalip   c2   cluster n2only ok      n2a     masq
externalip   c2   cluster n1only ok      n1a     masq
externalip   c2   cluster none   refused -       -
externalip   node cluster both   ok      n1a,n2a masq
externalip   node cluster n2only ok      n2a     masq
externalip   node cluster n1only ok      n1a     masq
externalip   node cluster none   refused -       -
externalip   ext  cluster both   ok      n1a,n2a masq
externalip   ext  cluster n2only ok      n2a     masq
externalip   ext  cluster n1only ok      n1a     masq
externalip   ext  cluster none   refused -       -
externalip   c1   local   both   ok      n1a,n2a client
externalip   c1   local   n2only ok      n2a     client
externalip   c1   local   n1only ok      n1a     client
externalip   c1   local   none   refused -       -
externalip   c2   local   both   ok      n1a,n2a client
externalip   c2   local   n2only ok      n2a     client
externalip   c2   local   n1only ok      n1a     client
externalip   c2   local   none   refused -       -
externalip   node local   both   ok      n1a,n2a masq
externalip   node local   n2only ok      n2a     masq
externalip   node local   n1only ok      n1a     masq
externalip   node local   none   refused -       -
externalip   ext  local   both   ok      n1a     client
externalip   ext  local   n2only timeout -       -
externalip   ext  local   n1only ok      n1a     client
externalip   ext  local   none   refused -       -
loadbalancer c1   cluster both   ok      n1a,n2a masq
loadbalancer c1   cluster n2only ok      n2a     masq
loadbalancer c1   cluster n1only ok      n1a     masq
loadbalancer c1   cluster none   refused -       -
loadbalancer c2   cluster both   ok      n1a,n2a masq
loadbalancer c2   cluster n2only ok      n2a     masq
loadbalancer c2   cluster n1only ok      n1a     masq
loadbalancer c2   cluster none   refused -       -
loadbalancer node cluster both   ok      n1a,n2a masq
loadbalancer node cluster n2only ok      n2a     masq
loadbalancer node cluster n1only ok      n1a     masq
loadbalancer node cluster none   refused -       -
loadbalancer ext  cluster both   ok      n1a,n2a masq
loadbalancer ext  cluster n2only ok      n2a     masq
loadbalancer ext  cluster n1only ok      n1a     masq
loadbalancer ext  cluster none   refused -       -
loadbalancer c1   local   both   ok      n1a,n2a client
loadbalancer c1   local   n2only ok      n2a     client
loadbalancer c1   local   n1only ok      n1a     client
loadbalancer c1   local   none   refused -       -
loadbalancer c2   local   both   ok      n1a,n2a client
loadbalancer c2   local   n2only ok      n2a     client
loadbalancer c2   local   n1only ok      n1a     client
loadbalancer c2   local   none   refused -       -
loadbalancer node local   both   ok      n1a,n2a masq
loadbalancer node local   n2only ok      n2a     masq
loadbalancer node local   n1only ok      n1a     masq
loadbalancer node local   none   refused -       -
loadbalancer ext  local   both   ok      n1a     client
loadbalancer ext  local   n2only timeout -       -
loadbalancer ext  local   n1only ok      n1a     client
loadbalancer ext  local   none   refused -       -
nodeport     c1   cluster both   ok      n1a,n2a masq
nodeport     c1   cluster n2only ok      n2a     masq
nodeport     c1   cluster n1only ok      n1a     masq
nodeport     c1   cluster none   refused -       -
nodeport     c2   cluster both   ok      n1a,n2a masq
nodeport     c2   cluster n2only ok      n2a     masq
nodeport     c2   cluster n1only ok      n1a     masq
nodeport     c2   cluster none   refused -       -
nodeport     node cluster both   ok      n1a,n2a masq
nodeport     node cluster n2only ok      n2a     masq
nodeport     node cluster n1only ok      n1a     masq
nodeport     node cluster none   refused -       -
nodeport     ext  cluster both   ok      n1a,n2a masq
nodeport     ext  cluster n2only ok      n2a     masq
nodeport     ext  cluster n1only ok      n1a     masq
nodeport     ext  cluster none   refused -       -
nodeport     c1   local   both   ok      n1a,n2a client
nodeport     c1   local   n2only ok      n2a     client
nodeport     c1   local   n1only ok      n1a     client
nodeport     c1   local   none   refused -       -
nodeport     c2   local   both   ok      n1a     client
nodeport     c2   local   n2only timeout -       -
nodeport     c2   local   n1only ok      n1a     client
nodeport     c2   local   none   refused -       -
nodeport     node local   both   ok      n1a,n2a masq
nodeport     node local   n2only ok      n2a     masq
nodeport     node local   n1only ok      n1a     masq
nodeport     node local   none   refused -       -
nodeport     ext  local   both   ok      n1a     client
nodeport     ext  local   n2only timeout -       -
nodeport     ext  local   n1only ok      n1a     client
nodeport     ext  local   none   refused -       -
'

module_load
cluster_two_nodes

# services: index i = 2 * scenario + (0 for -ic, 1 for -il)
#   clusterip 10.96.1.i:80, externalip 203.0.113.(10+i):80,
#   loadbalancer 203.0.113.(30+i):80, nodeport 30100+i (both families),
#   and in IPv6 fd00:96::1:i, fd00:203::(10+i), fd00:203::(30+i)
declare -A SVC_IDX
lines=
i=0
for scen in both n2only n1only none; do
	for v in ic il; do
		if [ $v = ic ]; then pol="internal-policy cluster external-policy local"
		else pol="internal-policy local external-policy cluster"; fi
		SVC_IDX[$scen-$v]=$i
		for proto in tcp udp; do
			name=$scen-$v
			[ $proto = udp ] && name+=-udp
			lines+="service add $name proto $proto $pol
frontend add $name clusterip 10.96.1.$i:80
frontend add $name externalip 203.0.113.$((10 + i)):80
frontend add $name loadbalancer 203.0.113.$((30 + i)):80
frontend add $name nodeport $((30100 + i))
frontend add $name clusterip [fd00:96::1:$i]:80
frontend add $name externalip [fd00:203::$((10 + i))]:80
frontend add $name loadbalancer [fd00:203::$((30 + i))]:80
"
			case $scen in both|n1only) lines+="backend add $name 10.244.1.11:8080 @n1a
backend add $name [fd00:244:1::11]:8080 @n1a
" ;; esac
			case $scen in both|n2only) lines+="backend add $name 10.244.2.11:8080 @n2a
backend add $name [fd00:244:2::11]:8080 @n2a
" ;; esac
		done
		i=$((i + 1))
	done
done
cluster_apply <<<"$lines"

# by family: MASQ[FAM:NODE:BACKEND], CLIENT[FAM:CLIENT]
declare -A MASQ=([4:node1:n1a]=10.244.1.1 [4:node1:n2a]=192.168.0.1
	[4:node2:n2a]=10.244.2.1 [4:node2:n1a]=192.168.0.2
	[6:node1:n1a]=fd00:244:1::1 [6:node1:n2a]=fd00:192::1
	[6:node2:n2a]=fd00:244:2::1 [6:node2:n1a]=fd00:192::2)
declare -A CLIENT=([4:c1]=10.244.1.100 [4:c2]=10.244.2.100 [4:node]=192.168.0.1
	[4:ext]=192.168.0.100 [6:c1]=fd00:244:1::100 [6:c2]=fd00:244:2::100
	[6:node]=fd00:192::1 [6:ext]=fd00:192::100)
declare -A BACKEND_NAME=([10.244.1.11]=n1a [10.244.2.11]=n2a
	[fd00:244:1::11]=n1a [fd00:244:2::11]=n2a)

# parse the table; build one script per client namespace and family and
# one lookup script per deciding node
declare -a R_KIND R_SRC R_POL R_SCEN R_WANT R_NAMES R_SEEN R_DEC R_DST R_FAM
declare -a R_PROTO
declare -A SCRIPT LSCRIPT
n=0
for run in 4:tcp 6:tcp 4:udp; do
fam=${run%:*} proto=${run#*:}
while read -r kind src pol scen want names seen; do
	[ -n "$kind" ] || continue
	if [ "$kind" = clusterip ]; then
		[ $pol = cluster ] && v=ic || v=il
	else
		[ $pol = cluster ] && v=il || v=ic
	fi
	i=${SVC_IDX[$scen-$v]}
	if [ $fam = 4 ]; then
		case $kind in
		clusterip) dst=10.96.1.$i port=80 ;;
		externalip) dst=203.0.113.$((10 + i)) port=80 ;;
		loadbalancer) dst=203.0.113.$((30 + i)) port=80 ;;
		nodeport) dst=192.168.0.1 port=$((30100 + i)) ;;
		esac
		dstport=$dst:$port
	else
		case $kind in
		clusterip) dst=fd00:96::1:$i port=80 ;;
		externalip) dst=fd00:203::$((10 + i)) port=80 ;;
		loadbalancer) dst=fd00:203::$((30 + i)) port=80 ;;
		nodeport) dst=fd00:192::1 port=$((30100 + i)) ;;
		esac
		dstport=[$dst]:$port
	fi
	if [ $kind != nodeport ] && [ $src = c2 ]; then dec=node2; else dec=node1; fi
	R_KIND[n]=$kind R_SRC[n]=$src R_POL[n]=$pol R_SCEN[n]=$scen R_WANT[n]=$want
	R_NAMES[n]=$names R_SEEN[n]=$seen R_DEC[n]=$dec R_DST[n]=$dstport
	R_FAM[n]=$fam R_PROTO[n]=$proto
	case $want in
	ok) opts="--count 3 --parallel 3 --timeout-ms 8000" ;;
	timeout) opts="--count 2 --parallel 2 --timeout-ms 1000" ;;
	refused) opts="--count 2 --parallel 2 --timeout-ms 3000" ;;
	esac
	ns=$src
	[ $src = node ] && ns=node1
	SCRIPT[$ns:$run]+="echo '### $n'
$VIPCHECK connect -v --proto $proto --addr $dst --port $port $opts 2>&1
"
	if [ $src != node ]; then
		LSCRIPT[$dec]+="echo '### $n'
$SVCADM -n lookup $proto $dstport from ${CLIENT[$fam:$src]} 2>&1
"
	fi
	n=$((n + 1))
done <<<"$MATRIX"
done
rows=$n

# run: the four clients, each family and protocol, in parallel (the
# dropped rows' waits overlap), then the lookups
tmp=$(mktemp -d)
for ns in c1 c2 node1 ext; do
	for run in 4:tcp 6:tcp 4:udp; do
		ip netns exec $ns bash -c "${SCRIPT[$ns:$run]}" > "$tmp/$ns.$run" 2>&1 &
	done
done
wait
for dec in node1 node2; do
	ip netns exec $dec bash -c "${LSCRIPT[$dec]}" > "$tmp/lookup-$dec" 2>&1
done

declare -a OUT LOOK
split_into() {	# split_into ARRAY FILE
	local -n arr=$1
	local line cur=-1
	while IFS= read -r line; do
		if [[ $line == '### '* ]]; then
			cur=${line#'### '}
			arr[cur]=
		elif [ $cur -ge 0 ]; then
			arr[cur]+="$line"$'\n'
		fi
	done < "$2"
}
for ns in c1 c2 node1 ext; do
	for run in 4:tcp 6:tcp 4:udp; do split_into OUT "$tmp/$ns.$run"; done
done
for dec in node1 node2; do split_into LOOK "$tmp/lookup-$dec"; done
rm -rf "$tmp"

# lookup_field TEXT KEY: the value of line "KEY VALUE" (first word) in LF
lookup_field() {
	local k v rest
	LF=
	while read -r k v rest; do
		[ "$k" = "$2" ] && { LF=$v; return; }
	done <<<"$1"
}

for ((n = 0; n < rows; n++)); do
	kind=${R_KIND[n]} src=${R_SRC[n]} dec=${R_DEC[n]} want=${R_WANT[n]}
	fam=${R_FAM[n]}
	label=
	[ $fam = 6 ] && label="IPv6 "
	[ "${R_PROTO[n]}" = udp ] && label="UDP "
	label+="$kind from $src, policy ${R_POL[n]}, backends ${R_SCEN[n]} (${R_DST[n]}, via $dec)"
	vc_parse "${OUT[n]}"
	err=
	wantc=$want
	[ $want$src${R_PROTO[n]} = timeoutnodeudp ] && wantc="error(EPERM EPERM)"
	if [ "$VC_CLASS" != "$wantc" ]; then
		err="want $wantc, got $VC_CLASS"
	elif [ $want = ok ]; then
		allowed=" ${R_NAMES[n]//,/ } "
		for p in $VC_PAIRS; do
			name=${p%@*} peer=${p#*@}
			case $allowed in
			*" $name "*) ;;
			*) err+="answered by $name, want one of${allowed% }; "; continue ;;
			esac
			if [ "${R_SEEN[n]}" = client ]; then exp=${CLIENT[$fam:$src]}
			else exp=${MASQ[$fam:$dec:$name]}; fi
			[ "$peer" = "$exp" ] ||
				err+="$name saw $peer, want $exp (${R_SEEN[n]}); "
		done
	elif [ $want = refused ] && [ "$VC_MS" -gt 1500 ]; then
		err="refused only after $VC_MS ms"
	fi
	summary="$want"
	[ $want = ok ] && summary="ok via ${R_NAMES[n]}, source ${R_SEEN[n]}"
	if [ $want = timeout ]; then
		summary="dropped (timeout)"
		a=${R_DST[n]%:*} a=${a#[} a=${a%]}
		_CL_DROPS+=("$label|$a|${R_PROTO[n]}|${R_DST[n]##*:}")
	fi
	[ "$wantc" != $want ] && summary="dropped (EPERM)"
	[ $want = refused ] && summary="rejected (refused)"
	if [ -z "$err" ]; then
		pass "$label: $summary"
	else
		fail "$label: $summary" "$err | vipcheck: $(grep -v '^attempt' <<<"${OUT[n]}" | tr '\n' ' ') | lookup: ${LOOK[n]:-n/a}"
	fi
	# what lookup says
	[ $src = node ] && continue
	l=${LOOK[n]}
	case $want in
	ok) wv=dnat ;; timeout) wv=drop ;; refused) wv=reject ;;
	esac
	lerr=
	lookup_field "$l" verdict
	[ "$LF" = $wv ] || lerr+="verdict '$LF', want $wv; "
	if [ $want = ok ]; then
		lookup_field "$l" backend
		b=${LF%:*}
		b=${b#[}
		bname=${BACKEND_NAME[${b%]}]:-$LF}
		case " ${R_NAMES[n]//,/ } " in
		*" $bname "*) ;;
		*) lerr+="backend $bname, want one of ${R_NAMES[n]}; " ;;
		esac
		if [ "${R_SEEN[n]}" = client ]; then wm=none
		elif [ $kind = clusterip ]; then wm=outside-cluster
		else wm=external; fi
		lookup_field "$l" masquerade
		[ "$LF" = $wm ] || lerr+="masquerade '$LF', want $wm; "
	else
		lookup_field "$l" reason
		if [ $want = refused ]; then wr=no-backends; else wr=no-local-backends; fi
		[ "$LF" = $wr ] || lerr+="reason '$LF', want $wr; "
	fi
	if [ -z "$lerr" ]; then
		pass "$label: lookup on $dec agrees"
	else
		fail "$label: lookup on $dec agrees" "$lerr | $(tr '\n' ' ' <<<"$l")"
	fi
done
