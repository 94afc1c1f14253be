# svcsyncd with real traffic: Services and EndpointSlices are created,
# changed and deleted in the fake API server (ctl) and traffic follows each
# row of docs/kubernetes-semantics.md on node1 of the two-node cluster
# (lib_cluster.sh). Only node1 runs svcsyncd (with the API server on its
# loopback); node2 just routes to its pods n2a/n2b, the non-local endpoints.
# Each change is timed from the ctl write to the first probe attempt that
# proves it (the figures are in the subtest names; the bound is loose).
# (about 80-190 s here under load; more time for the debug kernel)
# suite-timeout: 600
. "$SVCVIP_TOP/tests/vm/lib.sh"
. "$SVCVIP_TOP/tests/vm/lib_cluster.sh"
. "$SVCVIP_TOP/tests/vm/lib_syncd.sh"

NS=t
# svc NAME SPEC [STATUS]: a Service object
svc() {
	echo "{\"kind\":\"Service\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"$1\",\
\"namespace\":\"$NS\",\"labels\":{\"app\":\"$1\"}},\"spec\":$2${3:+,\"status\":$3}}"
}
# eps NAME SERVICE FAMILY PORTS ENDPOINTS: an EndpointSlice
eps() {
	echo "{\"kind\":\"EndpointSlice\",\"apiVersion\":\"discovery.k8s.io/v1\",\
\"metadata\":{\"name\":\"$1\",\"namespace\":\"$NS\",\"labels\":{\
\"kubernetes.io/service-name\":\"$2\",\
\"endpointslice.kubernetes.io/managed-by\":\"endpointslice-controller.k8s.io\"}},\
\"addressType\":\"$3\",\"ports\":$4,\"endpoints\":$5}"
}
# ep POD [READY SERVING TERMINATING] [FAMILY]: an endpoint on POD's node
ep() {
	local a=${A4[$1]}
	[ "${5:-4}" = 6 ] && a=${A6[$1]}
	echo "{\"addresses\":[\"$a\"],\"nodeName\":\"${NODE_OF[$1]}\",\"conditions\":\
{\"ready\":${2:-true},\"serving\":${3:-true},\"terminating\":${4:-false}},\
\"targetRef\":{\"kind\":\"Pod\",\"namespace\":\"$NS\",\"name\":\"$1\"}}"
}
items() {
	local IFS=,
	echo "{\"items\":[$*]}"
}
HTTP='[{"name":"http","protocol":"TCP","port":8080}]'
NOTREADY="false false false"
TERMINATING="false true true"

module_load
cluster_two_nodes
# SCTP servers for the SCTP row, on one local and one remote pod
in_ns n1a "$VIPCHECK" serve --proto sctp --port 8080 --name n1a --daemon >/dev/null ||
	die "sctp n1a"
in_ns n2a "$VIPCHECK" serve --proto sctp --port 8080 --name n2a --daemon >/dev/null ||
	die "sctp n2a"
# node1's config comes from svcsyncd alone
in_ns node1 "$SVCADM" config set cluster-cidrs none local-cidrs none || die "config"

D=$(mktemp -d)
cluster=$D/cluster.json
cat > "$cluster" <<'END'
{"items": [
 {"kind": "ServiceCIDR", "apiVersion": "networking.k8s.io/v1",
  "metadata": {"name": "kubernetes"}, "spec": {"cidrs": ["10.96.0.0/16", "fd00:96::/112"]}},
 {"kind": "Node", "apiVersion": "v1",
  "metadata": {"name": "node1", "labels": {"kubernetes.io/hostname": "node1",
   "topology.kubernetes.io/zone": "zone-a"}},
  "status": {"addresses": [{"type": "InternalIP", "address": "192.168.0.1"},
   {"type": "InternalIP", "address": "fd00:192::1"}, {"type": "Hostname", "address": "node1"}]}},
 {"kind": "Node", "apiVersion": "v1",
  "metadata": {"name": "node2", "labels": {"kubernetes.io/hostname": "node2",
   "topology.kubernetes.io/zone": "zone-b"}},
  "status": {"addresses": [{"type": "InternalIP", "address": "192.168.0.2"},
   {"type": "InternalIP", "address": "fd00:192::2"}, {"type": "Hostname", "address": "node2"}]}}
]}
END
trap syncd_cleanup EXIT
syncd_api_at node1 127.0.0.1 "$cluster"
syncd_start_bg node1 --cluster-cidr 10.244.0.0/16,fd00:244::/32

# masqueraded sources (the node's address on the way to each pod)
MASQ="n1a=10.244.1.1 n1b=10.244.1.1 n2a=192.168.0.1 n2b=192.168.0.1"
C1="n1a=10.244.1.100 n1b=10.244.1.100 n2a=10.244.1.100 n2b=10.244.1.100"
EXT="n1a=192.168.0.100 n1b=192.168.0.100"
PROBE="--timeout-ms 400"

# ---- ClusterIP: TCP, UDP, SCTP; ready endpoints ---------------------------
PORTS3='[{"name":"http","protocol":"TCP","port":8080},{"name":"dns","protocol":"UDP","port":8080},
{"name":"sc","protocol":"SCTP","port":8080}]'
web_eps() {	# n1a n2a n1b conditions
	eps web-1 web IPv4 "$PORTS3" "[$(ep n1a $1),$(ep n2a $2),$(ep n1b $3)]"
}
items "$(svc web '{"type":"ClusterIP","clusterIP":"10.96.0.10","ports":[
{"name":"http","protocol":"TCP","port":80,"targetPort":8080},
{"name":"dns","protocol":"UDP","port":80,"targetPort":8080},
{"name":"sc","protocol":"SCTP","port":80,"targetPort":8080}]}')" \
	"$(web_eps "" "" "$NOTREADY")" > $D/web.json
timed_change "create ClusterIP Service + slice" ok "n1a n2a" c1 --proto tcp \
	--addr 10.96.0.10 --port 80 $PROBE -- apply $D/web.json
expect_vc "ClusterIP TCP from a pod: ready endpoints, not masqueraded" ok "n1a n2a" "$C1" \
	c1 --proto tcp --addr 10.96.0.10 --port 80 $OK
vc c1 --proto tcp --addr 10.96.0.10 --port 80 --count 20 --parallel 4 --timeout-ms 8000
vc_names
expect_eq "ClusterIP TCP: both ready endpoints answer (local and remote), not the unready" \
	"$VC_NAMES" "n1a n2a"
expect_vc "ClusterIP UDP from a pod" ok "n1a n2a" "$C1" c1 --proto udp --addr 10.96.0.10 \
	--port 80 $OK
expect_vc "ClusterIP SCTP from a pod" ok "n1a n2a" "$C1" c1 --proto sctp --addr 10.96.0.10 \
	--port 80 $OK
expect_vc "ClusterIP from off-cluster (ext): masqueraded" ok "n1a n2a" "$MASQ" ext \
	--proto tcp --addr 10.96.0.10 --port 80 $OK
expect_vc "ClusterIP on a port no service port uses: rejected" refused - - c1 --proto tcp \
	--addr 10.96.0.10 --port 81 $REJ
expect_vc "unallocated address in the ServiceCIDR: dropped" timeout - - c1 --proto tcp \
	--addr 10.96.0.99 --port 80 $DROP

# ---- endpoint conditions ----------------------------------------------------
web_eps "$TERMINATING" "$NOTREADY" "" > $D/web-eps.json
timed_change "ready: n1b turns ready, n1a terminating, n2a unready" ok n1b c1 --proto tcp \
	--addr 10.96.0.10 --port 80 $PROBE -- apply $D/web-eps.json
expect_vc "a serving terminating endpoint beside a ready one: no new connections" ok n1b - \
	c1 --proto tcp --addr 10.96.0.10 --port 80 --count 12 --parallel 3 --timeout-ms 8000
web_eps "$TERMINATING" "false false true" "$NOTREADY" > $D/web-eps.json
timed_change "no ready endpoint: the serving terminating one (n1a)" ok n1a c1 --proto tcp \
	--addr 10.96.0.10 --port 80 $PROBE -- apply $D/web-eps.json
expect_vc "terminating fallback, UDP" ok n1a - c1 --proto udp --addr 10.96.0.10 --port 80 $OK
web_eps "$NOTREADY" "false false true" "$NOTREADY" > $D/web-eps.json
timed_change "no usable endpoint: rejected" refused "" c1 --proto tcp \
	--addr 10.96.0.10 --port 80 $PROBE -- apply $D/web-eps.json
expect_vc "no usable endpoint, UDP: rejected" refused - - c1 --proto udp --addr 10.96.0.10 \
	--port 80 $REJ
expect_vc "no usable endpoint, from ext: rejected" refused - - ext --proto tcp \
	--addr 10.96.0.10 --port 80 $REJ

# ---- internalTrafficPolicy Local -------------------------------------------
items "$(svc itp '{"type":"ClusterIP","clusterIP":"10.96.0.11","internalTrafficPolicy":"Local",
"ports":[{"name":"http","protocol":"TCP","port":80,"targetPort":8080}]}')" \
	"$(eps itp-1 itp IPv4 "$HTTP" "[$(ep n1a),$(ep n2a),$(ep n2b)]")" > $D/itp.json
timed_change "create ITP Local" ok n1a c1 --proto tcp --addr 10.96.0.11 --port 80 $PROBE \
	-- apply $D/itp.json
expect_vc "ITP Local: only the local endpoint" ok n1a "$C1" c1 --proto tcp \
	--addr 10.96.0.11 --port 80 --count 6 --parallel 3 --timeout-ms 8000
timed_change "ITP Local, the local endpoint leaves: dropped" timeout "" c1 --proto tcp \
	--addr 10.96.0.11 --port 80 --timeout-ms 400 -- \
	patch eps "$NS/itp-1" "{\"endpoints\":[$(ep n2a),$(ep n2b)]}"
expect_vc "ITP Local without a local endpoint: dropped, not rejected" timeout - - c1 \
	--proto tcp --addr 10.96.0.11 --port 80 $DROP

# ---- externalTrafficPolicy Local: NodePort, LB IP, health check ------------
items "$(svc lbl '{"type":"LoadBalancer","clusterIP":"10.96.0.12","externalTrafficPolicy":"Local",
"healthCheckNodePort":32000,
"ports":[{"name":"http","protocol":"TCP","port":80,"targetPort":8080,"nodePort":30080}]}' \
'{"loadBalancer":{"ingress":[{"ip":"203.0.113.10","ipMode":"VIP"}]}}')" \
	"$(eps lbl-1 lbl IPv4 "$HTTP" "[$(ep n1a),$(ep n2a)]")" > $D/lbl.json
timed_change "create LoadBalancer ETP Local" ok n1a ext --proto tcp --addr 192.168.0.1 \
	--port 30080 $PROBE -- apply $D/lbl.json
expect_vc "ETP Local NodePort from ext: local endpoint, source preserved" ok n1a "$EXT" ext \
	--proto tcp --addr 192.168.0.1 --port 30080 $OK
expect_vc "ETP Local LB IP from ext: local endpoint, source preserved" ok n1a "$EXT" ext \
	--proto tcp --addr 203.0.113.10 --port 80 $OK
expect_vc "ETP Local LB IP from a pod of the node: cluster set, not masqueraded" ok \
	"n1a n2a" "$C1" c1 --proto tcp --addr 203.0.113.10 --port 80 $OK
HC_WANT=$'{\n\t"service": {\n\t\t"namespace": "t",\n\t\t"name": "lbl"\n\t},\n'
HC_WANT+=$'\t"localEndpoints": 1,\n\t"serviceProxyHealthy": true\n}'
hc_get ext http://192.168.0.1:32000/healthz
expect_eq "health-check node port, 1 local endpoint: 200" "$HC_CODE" 200
expect_eq "health-check node port: X-Load-Balancing-Endpoint-Weight 1" "$HC_WEIGHT" 1
expect_eq "health-check node port: the body, byte for byte" "$HC_BODY" "$HC_WANT"
timed_change "ETP Local, the local endpoint turns unready: dropped" timeout "" ext \
	--proto tcp --addr 192.168.0.1 --port 30080 --timeout-ms 400 -- \
	patch eps "$NS/lbl-1" "{\"endpoints\":[$(ep n1a $NOTREADY),$(ep n2a)]}"
expect_vc "ETP Local LB IP without a local endpoint: dropped" timeout - - ext --proto tcp \
	--addr 203.0.113.10 --port 80 $DROP
hc_get ext http://192.168.0.1:32000/
expect_eq "health-check node port, 0 local endpoints: 503" "$HC_CODE" 503
expect_eq "health-check node port: X-Load-Balancing-Endpoint-Weight 0" "$HC_WEIGHT" 0
case $HC_BODY in
*'"localEndpoints": 0,'*) pass "health-check node port: body says localEndpoints 0" ;;
*) fail "health-check node port: body says localEndpoints 0" "$HC_BODY" ;;
esac
timed_change "ETP Local -> Cluster: remote endpoint served" ok n2a ext --proto tcp \
	--addr 192.168.0.1 --port 30080 $PROBE -- patch svc "$NS/lbl" \
	'{"spec":{"externalTrafficPolicy":"Cluster","healthCheckNodePort":null}}'
expect_vc "ETP Cluster NodePort from ext: masqueraded" ok n2a "$MASQ" ext --proto tcp \
	--addr 192.168.0.1 --port 30080 $OK
expect_vc "ETP Cluster LB IP from ext: masqueraded" ok n2a "$MASQ" ext --proto tcp \
	--addr 203.0.113.10 --port 80 $OK
if hc_get ext http://192.168.0.1:32000/; then
	fail "ETP Cluster: the health-check node port is closed" "HTTP $HC_CODE"
else
	pass "ETP Cluster: the health-check node port is closed"
fi

# ---- loadBalancerSourceRanges ----------------------------------------------
items "$(svc lbsr '{"type":"LoadBalancer","clusterIP":"10.96.0.13",
"loadBalancerSourceRanges":[" 192.168.0.100/31 "],
"ports":[{"name":"http","protocol":"TCP","port":80,"targetPort":8080,"nodePort":30082}]}' \
'{"loadBalancer":{"ingress":[{"ip":"203.0.113.12"},{"ip":"203.0.113.13","ipMode":"Proxy"},
{"hostname":"lb.example.com"}]}}')" \
	"$(eps lbsr-1 lbsr IPv4 "$HTTP" "[$(ep n1a),$(ep n2a)]")" > $D/lbsr.json
timed_change "create LB with source ranges" ok "n1a n2a" ext --proto tcp --src 192.168.0.100 \
	--addr 203.0.113.12 --port 80 $PROBE -- apply $D/lbsr.json
expect_vc "source ranges: 192.168.0.101 (inside) served" ok "n1a n2a" "$MASQ" ext \
	--proto tcp --src 192.168.0.101 --addr 203.0.113.12 --port 80 $OK
expect_vc "source ranges: 192.168.0.102 (outside) dropped" timeout - - ext --proto tcp \
	--src 192.168.0.102 --addr 203.0.113.12 --port 80 $DROP
expect_vc "LB ingress with ipMode Proxy: no VIP on the node" timeout - - ext --proto tcp \
	--src 192.168.0.100 --addr 203.0.113.13 --port 80 $DROP
shown=$(in_ns node1 "$SVCADM" service show 2>&1)
check "LB ingress with ipMode Proxy: not in the table" \
	eval '! grep -q "203\.0\.113\.13" <<<"$shown"'
check "the table lists the VIP ingress 203.0.113.12" grep -q "203\.0\.113\.12" <<<"$shown"
expect_vc "source ranges do not filter the NodePort" ok "n1a n2a" "$MASQ" ext --proto tcp \
	--src 192.168.0.102 --addr 192.168.0.1 --port 30082 $OK
timed_change "source ranges changed to 192.168.0.102/32" ok "n1a n2a" ext --proto tcp \
	--src 192.168.0.102 --addr 203.0.113.12 --port 80 $PROBE -- patch svc "$NS/lbsr" \
	'{"spec":{"loadBalancerSourceRanges":["192.168.0.102/32"]}}'
expect_vc "new source ranges: 192.168.0.100 dropped" timeout - - ext --proto tcp \
	--src 192.168.0.100 --addr 203.0.113.12 --port 80 $DROP

# ---- session affinity ClientIP ---------------------------------------------
items "$(svc aff '{"type":"ClusterIP","clusterIP":"10.96.0.14","sessionAffinity":"ClientIP",
"sessionAffinityConfig":{"clientIP":{"timeoutSeconds":300}},
"ports":[{"name":"http","protocol":"TCP","port":80,"targetPort":8080}]}')" \
	"$(eps aff-1 aff IPv4 "$HTTP" "[$(ep n1a),$(ep n1b),$(ep n2a),$(ep n2b)]")" \
	> $D/aff.json
timed_change "create ClientIP affinity Service" ok "n1a n1b n2a n2b" c1 --proto tcp \
	--addr 10.96.0.14 --port 80 $PROBE -- apply $D/aff.json
vc c1 --proto tcp --addr 10.96.0.14 --port 80 --count 12 --parallel 3 --timeout-ms 8000
vc_names
check "ClientIP affinity: 12 connections, one backend ($VC_NAMES)" \
	test "$VC_OK" = 12 -a "${VC_NAMES// /}" = "$VC_NAMES"

# ---- headless and ExternalName program nothing; externalIPs -----------------
items "$(svc hl '{"clusterIP":"None","ports":[{"name":"http","protocol":"TCP","port":80}]}')" \
	"$(svc en '{"type":"ExternalName","externalName":"example.com",
"ports":[{"name":"http","protocol":"TCP","port":80}]}')" > $D/hl.json
ctl -q apply $D/hl.json || fail "apply headless + ExternalName" "ctl"
# applied after them: once it answers, svcsyncd has seen hl and en
items "$(svc eip '{"type":"ClusterIP","clusterIP":"10.96.0.15","externalIPs":["203.0.113.15"],
"ports":[{"name":"http","protocol":"TCP","port":80,"targetPort":8080}]}')" \
	"$(eps eip-1 eip IPv4 "$HTTP" "[$(ep n1a),$(ep n2a)]")" > $D/eip.json
timed_change "create Service with externalIPs" ok "n1a n2a" ext --proto tcp \
	--addr 203.0.113.15 --port 80 $PROBE -- apply $D/eip.json
expect_vc "externalIP from ext: served, masqueraded (ETP Cluster)" ok "n1a n2a" "$MASQ" \
	ext --proto tcp --addr 203.0.113.15 --port 80 $OK
shown=$(in_ns node1 "$SVCADM" service show 2>&1)
check "the table lists t/eip" grep -q 't/eip' <<<"$shown"
check "headless Service: nothing programmed" eval '! grep -q "t/hl" <<<"$shown"'
check "ExternalName Service: nothing programmed" eval '! grep -q "t/en" <<<"$shown"'

# ---- dual-stack --------------------------------------------------------------
items "$(svc dual '{"type":"ClusterIP","clusterIP":"10.96.0.16",
"clusterIPs":["10.96.0.16","fd00:96::16"],"ipFamilies":["IPv4","IPv6"],
"ipFamilyPolicy":"RequireDualStack",
"ports":[{"name":"http","protocol":"TCP","port":80,"targetPort":8080}]}')" \
	"$(eps dual-4 dual IPv4 "$HTTP" "[$(ep n1a),$(ep n2a)]")" \
	"$(eps dual-6 dual IPv6 "$HTTP" "[$(ep n1a "" "" "" 6),$(ep n2a "" "" "" 6)]")" \
	> $D/dual.json
timed_change "create dual-stack Service" ok "n1a n2a" c1 --proto tcp --addr fd00:96::16 \
	--port 80 $PROBE -- apply $D/dual.json
expect_vc "dual-stack: IPv4 cluster IP" ok "n1a n2a" "$C1" c1 --proto tcp \
	--addr 10.96.0.16 --port 80 $OK
C1v6="n1a=fd00:244:1::100 n2a=fd00:244:1::100"
expect_vc "dual-stack: IPv6 cluster IP" ok "n1a n2a" "$C1v6" c1 --proto tcp \
	--addr fd00:96::16 --port 80 $OK

# ---- delete ------------------------------------------------------------------
shown=$(in_ns node1 "$SVCADM" service show 2>&1)
check "before the delete: the table has t/web on 10.96.0.10" \
	eval 'grep -q "t/web" <<<"$shown" && grep -q "10\.96\.0\.10:" <<<"$shown"'
web_eps "" "" "" > $D/web-eps.json
timed_change "usable endpoints again" ok "n1a n2a n1b" c1 --proto tcp --addr 10.96.0.10 \
	--port 80 $PROBE -- apply $D/web-eps.json
timed_change "delete the Service: its cluster IP is unallocated (dropped)" timeout "" c1 \
	--proto tcp --addr 10.96.0.10 --port 80 --timeout-ms 400 -- delete svc "$NS/web"
shown=$(in_ns node1 "$SVCADM" service show 2>&1)
check "deleted Service: no t/web service left" eval '! grep -q "t/web" <<<"$shown"'
check "deleted Service: no frontend on 10.96.0.10" eval '! grep -q "10\.96\.0\.10:" <<<"$shown"'
expect_vc "deleted Service, UDP: dropped" timeout - - c1 --proto udp --addr 10.96.0.10 \
	--port 80 $DROP

echo "latency (ms from the ctl write to the first attempt proving it):"
echo "$SYNCD_LAT"
syncd_cleanup
syncd_check_stopped
check "svcsyncd log has no error line" eval \
	"! grep '^E ' '$SYNCD_DIR/syncd.node1.log'"
