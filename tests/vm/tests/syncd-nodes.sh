# Two nodes, one svcsyncd each (--hostname-override node1 / node2), one
# fake API server on the node LAN (netns "wire", 192.168.0.200:6443), Node
# objects in zone-a and zone-b: the per-node semantics differ exactly as
# kube-proxy's would. externalTrafficPolicy Local: the same external
# request gets a pod local to the node it enters, with its source, and each
# node's health-check port counts its own endpoints. Topology hints
# (hints.forZones): node1's clients reach the zone-a pods, node2's the
# zone-b pods; an endpoint without a hint turns hints off everywhere; a
# Node's zone label moving moves its clients.
. "$SVCVIP_TOP/tests/vm/lib.sh"
. "$SVCVIP_TOP/tests/vm/lib_cluster.sh"
. "$SVCVIP_TOP/tests/vm/lib_syncd.sh"

NS=t
svc() {
	echo "{\"kind\":\"Service\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"$1\",\
\"namespace\":\"$NS\"},\"spec\":$2${3:+,\"status\":$3}}"
}
eps() {
	echo "{\"kind\":\"EndpointSlice\",\"apiVersion\":\"discovery.k8s.io/v1\",\
\"metadata\":{\"name\":\"$1\",\"namespace\":\"$NS\",\"labels\":{\
\"kubernetes.io/service-name\":\"$2\"}},\
\"addressType\":\"IPv4\",\"ports\":[{\"name\":\"http\",\"protocol\":\"TCP\",\"port\":8080}],\
\"endpoints\":$3}"
}
ZONE_OF() { case ${NODE_OF[$1]} in node1) echo zone-a ;; *) echo zone-b ;; esac; }
# ep POD [HINTZONE|-] [READY]: an endpoint on POD's node and zone, hinted
# for HINTZONE (- : no hints)
ep() {
	local h=
	[ -n "${2:-}" ] && [ "$2" != - ] && h=",\"hints\":{\"forZones\":[{\"name\":\"$2\"}]}"
	echo "{\"addresses\":[\"${A4[$1]}\"],\"nodeName\":\"${NODE_OF[$1]}\",\
\"zone\":\"$(ZONE_OF "$1")\",\"conditions\":{\"ready\":${3:-true}}$h}"
}
items() {
	local IFS=,
	echo "{\"items\":[$*]}"
}

module_load
cluster_two_nodes
on_nodes config set cluster-cidrs none local-cidrs none || die "config"
ip -n wire addr add 192.168.0.200/24 dev br0 || die "wire address"

D=$(mktemp -d)
cat > "$D/cluster.json" <<'END'
{"items": [
 {"kind": "ServiceCIDR", "apiVersion": "networking.k8s.io/v1",
  "metadata": {"name": "kubernetes"}, "spec": {"cidrs": ["10.96.0.0/16"]}},
 {"kind": "Node", "apiVersion": "v1",
  "metadata": {"name": "node1", "labels": {"topology.kubernetes.io/zone": "zone-a"}},
  "status": {"addresses": [{"type": "InternalIP", "address": "192.168.0.1"}]}},
 {"kind": "Node", "apiVersion": "v1",
  "metadata": {"name": "node2", "labels": {"topology.kubernetes.io/zone": "zone-b"}},
  "status": {"addresses": [{"type": "InternalIP", "address": "192.168.0.2"}]}}
]}
END
trap syncd_cleanup EXIT
syncd_api_at wire 192.168.0.200 "$D/cluster.json"
syncd_start_bg node1 --cluster-cidr 10.244.0.0/16,fd00:244::/32
syncd_start_bg node2 --cluster-cidr 10.244.0.0/16,fd00:244::/32

PROBE="--timeout-ms 400"
EXT="n1a=192.168.0.100 n2a=192.168.0.100 n2b=192.168.0.100"

# ---- externalTrafficPolicy Local on two nodes -------------------------------
items "$(svc lbl '{"type":"LoadBalancer","clusterIP":"10.96.0.20","externalTrafficPolicy":"Local",
"healthCheckNodePort":32001,
"ports":[{"name":"http","protocol":"TCP","port":80,"targetPort":8080,"nodePort":30090}]}' \
'{"loadBalancer":{"ingress":[{"ip":"203.0.113.20"}]}}')" \
	"$(eps lbl-1 lbl "[$(ep n1a),$(ep n2a),$(ep n2b)]")" > "$D/lbl.json"
timed_change "create LB ETP Local (seen on node2)" ok "n2a n2b" ext --proto tcp \
	--addr 192.168.0.2 --port 30090 $PROBE -- apply "$D/lbl.json"
expect_vc "NodePort of node1 from ext: node1's pod, source preserved" ok n1a "$EXT" ext \
	--proto tcp --addr 192.168.0.1 --port 30090 $OK
vc ext --proto tcp --addr 192.168.0.2 --port 30090 --count 16 --parallel 4 --timeout-ms 8000
vc_names
vc_peers
expect_eq "NodePort of node2 from ext: both node2 pods, only they" "$VC_NAMES" "n2a n2b"
expect_eq "NodePort of node2 from ext: source preserved" "$VC_PEERS" 192.168.0.100
expect_vc "LB IP through node1: node1's pod" ok n1a "$EXT" ext --proto tcp \
	--addr 203.0.113.20 --port 80 $OK
ip -n ext route add 203.0.113.20/32 via 192.168.0.2 || fail "route LB IP via node2" "ip"
expect_vc "LB IP through node2: node2's pods" ok "n2a n2b" "$EXT" ext --proto tcp \
	--addr 203.0.113.20 --port 80 $OK
hc_get ext http://192.168.0.1:32001/
expect_eq "node1 health check: 200, weight 1 (its one local endpoint)" \
	"$HC_CODE $HC_WEIGHT" "200 1"
hc_get ext http://192.168.0.2:32001/
expect_eq "node2 health check: 200, weight 2" "$HC_CODE $HC_WEIGHT" "200 2"
case $HC_BODY in
*'"localEndpoints": 2,'*) pass "node2 health check: localEndpoints 2" ;;
*) fail "node2 health check: localEndpoints 2" "$HC_BODY" ;;
esac
timed_change "node1's pod turns unready: node1 drops (seen on node1)" timeout "" ext \
	--proto tcp --addr 192.168.0.1 --port 30090 --timeout-ms 400 -- \
	patch eps "$NS/lbl-1" "{\"endpoints\":[$(ep n1a - false),$(ep n2a),$(ep n2b)]}"
hc_get ext http://192.168.0.1:32001/
expect_eq "node1 health check: 503, weight 0" "$HC_CODE $HC_WEIGHT" "503 0"
hc_get ext http://192.168.0.2:32001/
expect_eq "node2 health check unchanged: 200, weight 2" "$HC_CODE $HC_WEIGHT" "200 2"
expect_vc "node2 still serves its pods" ok "n2a n2b" "$EXT" ext --proto tcp \
	--addr 192.168.0.2 --port 30090 $OK

# ---- topology hints ------------------------------------------------------------
hinted() {	# the slice with n2b's hint $1 (- : none)
	eps hint-1 hint "[$(ep n1a zone-a),$(ep n1b zone-a),$(ep n2a zone-b),$(ep n2b "$1")]"
}
items "$(svc hint '{"type":"ClusterIP","clusterIP":"10.96.0.21",
"ports":[{"name":"http","protocol":"TCP","port":80,"targetPort":8080}]}')" \
	"$(hinted zone-b)" > "$D/hint.json"
timed_change "create hinted Service (seen on node1)" ok "n1a n1b" c1 --proto tcp \
	--addr 10.96.0.21 --port 80 $PROBE -- apply "$D/hint.json"
zone_check() {	# LABEL CLIENT WANT_NAMES (all of them must answer)
	vc "$2" --proto tcp --addr 10.96.0.21 --port 80 --count 32 --parallel 4 \
		--timeout-ms 8000
	vc_names
	expect_eq "$1" "$VC_NAMES" "$3"
}
zone_check "hints: node1's client reaches the zone-a pods, both, only them" c1 "n1a n1b"
zone_check "hints: node2's client reaches the zone-b pods, both, only them" c2 "n2a n2b"
timed_change "an endpoint without a hint: hints off (node1 reaches zone-b)" ok \
	"n2a n2b|n1a n1b n2a n2b" c1 \
	--proto tcp --addr 10.96.0.21 --port 80 $PROBE -- apply - <<<"$(hinted -)"
zone_check "hints off: node2's client reaches every pod" c2 "n1a n1b n2a n2b"
n1=$(syncd_synced_count node1) n2=$(syncd_synced_count node2)
ctl -q apply - <<<"$(hinted zone-b)" || fail "apply" "ctl"
check "hints back: both daemons synced" eval \
	"syncd_wait_sync node1 $((n1 + 1)) 50 && syncd_wait_sync node2 $((n2 + 1)) 50"
zone_check "hints back: node1 -> zone-a" c1 "n1a n1b"
zone_check "hints back: node2 -> zone-b" c2 "n2a n2b"
timed_change "node2's Node moves to zone-a: node2's client follows" ok "n1a n1b" c2 \
	--proto tcp --addr 10.96.0.21 --port 80 $PROBE -- patch node node2 \
	'{"metadata":{"labels":{"topology.kubernetes.io/zone":"zone-a"}}}'
zone_check "node2 in zone-a: its client reaches the zone-a pods only" c2 "n1a n1b"
zone_check "node1 unchanged: zone-a" c1 "n1a n1b"

echo "latency (ms from the ctl write to the first attempt proving it):"
echo "$SYNCD_LAT"
syncd_cleanup
syncd_check_stopped
for n in node1 node2; do
	check "svcsyncd on $n: no error line in its log" eval \
		"! grep '^E ' '$SYNCD_DIR/syncd.$n.log'"
done
