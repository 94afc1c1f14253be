# shellcheck shell=bash
# svcsyncd in the guest: the fake API server (tests/apiserver) and the
# daemon, both in a node's netns. Source after tests/vm/lib.sh.
#
#   syncd_api NODE CLUSTER_JSON [APISERVER_FLAGS...]
#       starts apiserver.py in NODE on 127.0.0.1:6443 with TLS (a fresh CA,
#       server and client certificates) and a bearer token; sets SYNCD_DIR,
#       SYNCD_KUBECONFIG (client certificate) and APISERVER_URL
#   syncd_start NODE [SVCSYNCD_FLAGS...]
#       starts svcsyncd in NODE (log: $SYNCD_DIR/syncd.$NODE.log) and waits
#       for its first sync; SYNCD_PID
#   syncd_wait_sync NODE N   waits until the log shows N "synced" lines
#   ctl ARGS...              tests/apiserver/ctl against that server
#   syncd_stop [SIGNAL]      stops the daemon (TERM) and waits

SVCSYNCD=${SVCSYNCD:-$TOP/userspace/svcsyncd/svcsyncd}	# a variant binary: --env
APISERVER_DIR=$TOP/tests/apiserver

syncd_api() {
	local node=$1 cluster=$2
	shift 2
	SYNCD_DIR=$(mktemp -d)
	"$APISERVER_DIR/certs.py" --dir "$SYNCD_DIR/tls" --server https://127.0.0.1:6443 \
		--node "$node" --token svcvip-test > /dev/null || die "certs"
	SYNCD_KUBECONFIG=$SYNCD_DIR/tls/kubeconfig
	APISERVER_URL=https://127.0.0.1:6443
	export APISERVER_URL
	# ip netns exec execs: $! is the server's pid, not a subshell's
	ip netns exec "$node" "$APISERVER_DIR/apiserver.py" --listen 127.0.0.1:6443 \
		--cluster "$cluster" --tls-dir "$SYNCD_DIR/tls" --token svcvip-test \
		--url-file "$SYNCD_DIR/url" "$@" > "$SYNCD_DIR/apiserver.log" 2>&1 &
	APISERVER_PID=$!
	SYNCD_NODE=$node
	for _ in $(seq 1 "${SYNCD_API_TENTHS:-150}"); do
		[ -s "$SYNCD_DIR/url" ] && return 0
		sleep 0.1
	done
	cat "$SYNCD_DIR/apiserver.log" >&2
	die "apiserver did not start"
}

ctl() {
	in_ns "$SYNCD_NODE" "$APISERVER_DIR/ctl" --tls-dir "$SYNCD_DIR/tls" "$@"
}

syncd_synced_count() {
	grep -c ' synced in ' "$SYNCD_DIR/syncd.$1.log" 2>/dev/null
}

syncd_wait_sync() {	# NODE N [TENTHS]
	local i
	for ((i = 0; i < ${3:-300}; i++)); do
		[ "$(syncd_synced_count "$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

syncd_start() {
	local node=$1
	shift
	ip netns exec "$node" "$SVCSYNCD" --kubeconfig "$SYNCD_KUBECONFIG" --hostname-override "$node" \
		"$@" >> "$SYNCD_DIR/syncd.$node.log" 2>&1 &
	SYNCD_PID=$!
	syncd_wait_sync "$node" $(($(syncd_synced_count "$node") + 1)) \
		"${SYNCD_START_TENTHS:-300}" || {
		cat "$SYNCD_DIR/syncd.$node.log" >&2
		die "svcsyncd did not sync"
	}
}

syncd_stop() {
	kill -"${1:-TERM}" "$SYNCD_PID" 2>/dev/null
	wait "$SYNCD_PID" 2>/dev/null
}

# ---- operations and benchmarks (syncd-ops, syncd-scale) ------------------
#   syncd_api_stop              kills the API server (SIGKILL: no goodbye)
#   syncd_api_restart CLUSTER [APISERVER_FLAGS...]
#       starts it again with the same certificates, token and address
#   syncd_healthz [PATH]        HTTP status of /healthz (or PATH) on :10256
#   syncd_metric SERIES         the value of one /metrics series, e.g.
#                               'svcsyncd_kernel_requests_total{op="dump"}'
#                               (the sum of all series when SERIES has no '{';
#                               0 when there is none: a counter not counted yet)
#   syncd_until TENTHS CMD...   runs CMD every 0.1 s until it succeeds, at most
#                               TENTHS/10 s
#   syncd_cleanup               stops the daemon and the API server

syncd_api_stop() {
	kill -KILL "$APISERVER_PID" 2>/dev/null
	wait "$APISERVER_PID" 2>/dev/null
	return 0
}

syncd_api_restart() {
	local cluster=$1
	shift
	rm -f "$SYNCD_DIR/url"
	ip netns exec "$SYNCD_NODE" "$APISERVER_DIR/apiserver.py" \
		--listen 127.0.0.1:6443 --cluster "$cluster" --tls-dir "$SYNCD_DIR/tls" \
		--token svcvip-test --url-file "$SYNCD_DIR/url" "$@" \
		>> "$SYNCD_DIR/apiserver.log" 2>&1 &
	APISERVER_PID=$!
	for _ in $(seq 1 "${SYNCD_API_TENTHS:-150}"); do
		[ -s "$SYNCD_DIR/url" ] && return 0
		sleep 0.1
	done
	die "apiserver did not restart"
}

syncd_healthz() {
	in_ns "$SYNCD_NODE" curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
		"http://127.0.0.1:10256${1:-/healthz}"
}

syncd_metric() {
	in_ns "$SYNCD_NODE" curl -s --max-time 10 http://127.0.0.1:10249/metrics |
		awk -v s="$1" 'index(s, "{") ? $1 == s : (index($1, s "{") == 1 || $1 == s) {
			v += $2 } END { printf "%d\n", v }'
}

syncd_until() {	# a deadline, not a count: CMD itself may take a while in TCG
	local end=$((${EPOCHREALTIME/./} + $1 * 100000))
	shift
	while :; do
		"$@" && return 0
		[ "${EPOCHREALTIME/./}" -ge "$end" ] && return 1
		sleep 0.1
	done
}

syncd_cleanup() {
	[ -n "${SYNCD_PID:-}" ] && syncd_stop
	[ -n "${APISERVER_PID:-}" ] && syncd_api_stop
	return 0
}
