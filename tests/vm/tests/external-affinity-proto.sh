# Session affinity (clientip) beyond external-affinity.sh's external TCP
# IPv4 case: UDP through an external IP (IPv4), TCP through an external IP
# in IPv6, TCP through a cluster IP from a pod (IPv4) and UDP through a
# cluster IP from a pod in IPv6. Each service has backends n1a and n1b and
# the rr scheduler, exact and shared (one counter per service), so that
# what the scheduler alone would do is known: new connections alternate.
# For each case:
# - the main client's first connection picks a backend X; 29 more from
#   other source ports (3 at a time) all reach X (rr alone: 14 or 15 to
#   the other one);
# - another client is not pinned by that entry: its first connection gets
#   the other backend Y (rr's next);
# - after the timeout (6 s) with the main client idle, a third client
#   first takes rr's next (X again), then the main client's next
#   connection is scheduled again: Y (its entry still fresh: X).
# UDP flows use fixed, distinct source ports (a reused port would follow
# its conntrack entry, not the scheduler).
. "$SVCVIP_TOP/tests/vm/lib.sh"
. "$SVCVIP_TOP/tests/vm/lib_cluster.sh"

# slow kernels (KASAN) need a longer timeout: see external-affinity.sh
TMO=${SVCVIP_AFFINITY_TIMEOUT:-6}
module_load
cluster_two_nodes

# CASE: proto vip main-ns other-ns other-src third-ns third-src
declare -A CASE=(
	[udp4-externalip]="udp 203.0.113.71 ext ext 192.168.0.101 ext 192.168.0.102"
	[tcp6-externalip]="tcp fd00:203::72 ext ext fd00:192::101 ext fd00:192::102"
	[tcp4-clusterip]="tcp 10.96.9.1 c1 ext 192.168.0.100 ext 192.168.0.101"
	[udp6-clusterip]="udp fd00:96::9:2 c1 ext fd00:192::100 ext fd00:192::101"
)
CASES="udp4-externalip tcp6-externalip tcp4-clusterip udp6-clusterip"
lines=
for c in $CASES; do
	read -r proto vip _ <<<"${CASE[$c]}"
	case $c in *externalip) kind=externalip ;; *) kind=clusterip ;; esac
	case $vip in *:*) a="[$vip]:80" b1="[fd00:244:1::11]:8080" b2="[fd00:244:1::12]:8080" ;;
	*) a=$vip:80 b1=10.244.1.11:8080 b2=10.244.1.12:8080 ;;
	esac
	lines+="service add $c proto $proto scheduler rr affinity clientip timeout $TMO
frontend add $c $kind $a
backend add $c $b1 @n1a
backend add $c $b2 @n1b
"
done
cluster_apply <<<"$lines"
ports=$(mktemp) || die mktemp
seq 41001 41029 > "$ports"

# phase 1: the main clients (the cases in parallel where their netns differ)
for c in $CASES; do
	read -r proto vip mns _ <<<"${CASE[$c]}"
	vcq "$c: main client's first connection is answered" ok "n1a n1b" - $mns \
		--proto $proto --addr $vip --port 80 --count 1 --sport 41000 --timeout-ms 8000
	vcq "$c: 29 more from the main client are answered" ok "n1a n1b" - $mns \
		--proto $proto --addr $vip --port 80 --sport-list $ports --parallel 3 \
		--timeout-ms 8000
done
vcq_run
declare -A X Y
i=0
for c in $CASES; do
	vc_parse "${VCQ_OUT[i]}"
	vc_names
	X[$c]=$VC_NAMES
	vc_parse "${VCQ_OUT[i + 1]}"
	vc_names
	expect_eq "$c: all 29 reach the first connection's backend (${X[$c]})" \
		"$VC_NAMES" "${X[$c]}"
	case ${X[$c]} in n1a) Y[$c]=n1b ;; n1b) Y[$c]=n1a ;; *) Y[$c]=none ;; esac
	i=$((i + 2))
done

# phase 2: another client is not pinned: rr's next backend
for c in $CASES; do
	read -r proto vip _ ons osrc _ <<<"${CASE[$c]}"
	vcq "$c: another client ($osrc) gets rr's next backend (${Y[$c]})" ok \
		"${Y[$c]}" - $ons --proto $proto --addr $vip --port 80 --src $osrc \
		--count 1 --timeout-ms 8000
done
vcq_run

# phase 3: expiry
sleep $((TMO + 2))
for c in $CASES; do
	read -r proto vip _ _ _ tns tsrc <<<"${CASE[$c]}"
	vcq "$c: after $((TMO + 2)) s a third client ($tsrc) takes rr's next (${X[$c]})" ok \
		"${X[$c]}" - $tns --proto $proto --addr $vip --port 80 --src $tsrc \
		--count 1 --timeout-ms 8000
done
vcq_run
for c in $CASES; do
	read -r proto vip mns _ <<<"${CASE[$c]}"
	vcq "$c: after $((TMO + 2)) s idle the main client's entry is gone: rr's next (${Y[$c]})" \
		ok "${Y[$c]}" - $mns --proto $proto --addr $vip --port 80 --sport 42000 \
		--count 1 --timeout-ms 8000
done
vcq_run
rm -f "$ports"
