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
#   syncd_cleanup               stops the daemons and the API server (below)

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


# ---- syncdtests: the API server on a LAN address, changes timed by traffic ----
# (tests/vm/tests/syncd-semantics.sh, syncd-nodes.sh)
#
#   syncd_api_at NS ADDR CLUSTER_JSON [APISERVER_FLAGS...]
#       as syncd_api, but the server runs in NS on ADDR:6443 (reachable from
#       the other netns of the LAN; ADDR is the certificate's SAN and the
#       kubeconfig's server), APISERVER_PID is python's own. ctl runs in NS.
#   syncd_start_bg NODE [SVCSYNCD_FLAGS...]
#       as syncd_start (SYNCD_PID is the daemon's own pid), with
#       --latency-log $SYNCD_DIR/latency.NODE and $SVCVIP_SYNCD_FLAGS (unset:
#       none; the failure demonstrations pass e.g. a wrong --nodeport-addresses)
#   ctl_timed ARGS...        ctl -q ARGS; CTL_T = when its first request was
#                            sent (ms since the epoch, CLOCK_REALTIME, after
#                            the TLS handshake), CTL_T2 = when its answer came
#   timed_change LABEL WANT NAMES NS PROBE_ARGS... -- CTL_ARGS...
#       starts a probe (vipcheck connect -v --stamp, one attempt every 20 ms)
#       in NS, runs ctl_timed CTL_ARGS, and waits (10 s at most) for the
#       first attempt started after the write whose class is WANT (ok,
#       refused, timeout) and, for ok, answered by one of NAMES. Subtests:
#       "LABEL: traffic follows within 5 s (N ms; ...)" and "LABEL: the
#       attempts after it agree"; SYNCD_LAT collects the same figures. N is
#       the proving attempt's start minus CTL_T: its resolution is the
#       probe's period (20 ms plus one attempt, --timeout-ms when attempts
#       time out). Beside it: when ctl had its answer, and when each daemon
#       of syncd_start_bg applied its next Service to the kernel (ms after
#       CTL_T) with its own event-to-kernel time (--latency-log).
#       NAMES may be "PROOF|STEADY": the proof is an answer from PROOF, the
#       attempts after it may come from any of STEADY.
#   syncd_cleanup            stops every svcsyncd of syncd_start_bg and the
#                            API server (an EXIT trap)
#   syncd_check_stopped      subtest: no svcsyncd and no apiserver.py left
#   hc_get NS URL            curl: HC_CODE, HC_WEIGHT (the header), HC_BODY

syncd_api_at() {
	local ns=$1 addr=$2 cluster=$3
	shift 3
	SYNCD_DIR=$(mktemp -d)
	"$APISERVER_DIR/certs.py" --dir "$SYNCD_DIR/tls" --server "https://$addr:6443" \
		--ip "$addr" --token svcvip-test > /dev/null || die "certs"
	SYNCD_KUBECONFIG=$SYNCD_DIR/tls/kubeconfig
	APISERVER_URL=https://$addr:6443
	export APISERVER_URL
	ip netns exec "$ns" "$APISERVER_DIR/apiserver.py" --listen "$addr:6443" \
		--cluster "$cluster" --tls-dir "$SYNCD_DIR/tls" --token svcvip-test \
		--url-file "$SYNCD_DIR/url" "$@" > "$SYNCD_DIR/apiserver.log" 2>&1 &
	APISERVER_PID=$!
	SYNCD_NODE=$ns
	for _ in $(seq 1 150); do
		[ -s "$SYNCD_DIR/url" ] && return 0
		sleep 0.1
	done
	cat "$SYNCD_DIR/apiserver.log" >&2
	die "apiserver did not start"
}

# syncd_start_bg NODE [FLAGS...]: syncd_start, but SYNCD_PID is svcsyncd's
# own pid (ip netns exec execs it; a backgrounded shell function would leave
# the pid of a subshell, whose death leaves the daemon running), and every
# daemon started is remembered for syncd_cleanup
SYNCD_PIDS=()
SYNCD_NODES=()
syncd_start_bg() {
	local node=$1
	shift
	SYNCD_NODES+=("$node")
	# shellcheck disable=SC2086 # SVCVIP_SYNCD_FLAGS: extra flags, to show a test failing
	ip netns exec "$node" "$SVCSYNCD" --kubeconfig "$SYNCD_KUBECONFIG" \
		--hostname-override "$node" --latency-log "$SYNCD_DIR/latency.$node" \
		"$@" ${SVCVIP_SYNCD_FLAGS:-} >> "$SYNCD_DIR/syncd.$node.log" 2>&1 &
	SYNCD_PID=$!
	SYNCD_PIDS+=("$SYNCD_PID")
	syncd_wait_sync "$node" 1 || {
		cat "$SYNCD_DIR/syncd.$node.log" >&2
		die "svcsyncd did not sync on $node"
	}
}

# syncd_cleanup: stops every daemon (syncd_start's SYNCD_PID and
# syncd_start_bg's SYNCD_PIDS), the probe loop and the API server, and
# waits for them (one definition for every syncd test: an EXIT trap)
syncd_cleanup() {
	local p
	[ -n "${PROBE_PID:-}" ] && kill -TERM "$PROBE_PID" 2>/dev/null
	for p in ${SYNCD_PID:-} "${SYNCD_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in ${SYNCD_PID:-} "${SYNCD_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	[ -n "${APISERVER_PID:-}" ] && kill -KILL "$APISERVER_PID" 2>/dev/null
	wait 2>/dev/null
	SYNCD_PIDS=()
	SYNCD_PID=
	APISERVER_PID=
	PROBE_PID=
	return 0
}

syncd_check_stopped() {
	local left
	left=$(pgrep -a -f "$SVCSYNCD|apiserver\.py")
	expect_eq "svcsyncd and the API server stopped" "$left" ""
}

# the ctl module with Client.request wrapped to note when the first request left
_ctl_timed_py='
import http.client, importlib.machinery, importlib.util, sys, time
loader = importlib.machinery.SourceFileLoader("ctl", sys.argv[1])
spec = importlib.util.spec_from_loader("ctl", loader)
m = importlib.util.module_from_spec(spec)
loader.exec_module(m)
out = sys.argv[2]
sys.argv = ["ctl", "-q"] + sys.argv[3:]
orig = m.Client.request
t = []
def request(self, *a, **k):
    if not t:
        # the TLS handshake before the clock starts: CTL_T is the write
        if self.conn is None and self.ctx:
            self.conn = http.client.HTTPSConnection(self.host, self.port,
                                                    context=self.ctx, timeout=60)
            self.conn.connect()
        t.append(time.time())
    r = orig(self, *a, **k)
    if len(t) == 1:
        t.append(time.time())
    return r
m.Client.request = request
m.main()
with open(out, "w") as f:
    f.write("%d %d\n" % (int(t[0] * 1000), int(t[1] * 1000)))
'

ctl_timed() {
	local f
	f=$(mktemp)
	CTL_T=
	in_ns "$SYNCD_NODE" python3 -c "$_ctl_timed_py" "$APISERVER_DIR/ctl" "$f" \
		--tls-dir "$SYNCD_DIR/tls" "$@" || { rm -f "$f"; return 1; }
	read -r CTL_T CTL_T2 < "$f"
	rm -f "$f"
	[ -n "$CTL_T" ]
}

# _probe_scan WANT NAMES: reads PROBE_OUT; PROOF_MS (empty: none yet),
# PROOF_AFTER (attempts after the proof), PROOF_BAD (of those, how many
# differ from WANT/NAMES), PROOF_BADLINE (the first that differs),
# PROOF_SLOW (WANT ok: attempts after the proof that timed out, not
# counted: the probe's timeout is short for resolution, and an answer
# takes longer now and then in a loaded TCG guest; the tests follow each
# change with expect_vc and generous timeouts). One awk:
# a shell loop over a probe's thousands of lines is too slow under TCG.
_probe_scan() {
	local r
	r=$(awk -v t="$CTL_T" -v want="$1" -v names=" ${2%%|*} " -v steady=" ${2#*|} " '
		$1 != "attempt" { next }
		{
			at = ""
			for (i = 4; i < NF; i++)
				if ($i == "at")
					at = $(i + 1)
			if (at == "" || at + 0 < t + 0)
				next
			good = 0
			if ($3 == want) {
				if (want != "ok")
					good = 1
				else if (proof == "")
					good = index(names, " " $4 " ") > 0
				else
					good = index(steady, " " $4 " ") > 0
			}
			if (proof == "") {
				if (good)
					proof = at - t
				next
			}
			if (want == "ok" && $3 == "timeout") {
				slow++
				next
			}
			after++
			if (!good && !bad++)
				badline = $0
		}
		END {
			printf "%s %d %d %d %s\n", proof == "" ? "-" : proof, after, bad, slow,
				badline
		}
	' "$PROBE_OUT")
	read -r PROOF_MS PROOF_AFTER PROOF_BAD PROOF_SLOW PROOF_BADLINE <<<"$r"
	[ "$PROOF_MS" = - ] && PROOF_MS=
}

# _synced_after NODE: from NODE's --latency-log, the first Service applied
# at or after CTL_T: SYNC_MS = when (ms after CTL_T), SYNC_EV = its time
# from the watch event to the kernel as svcsyncd measured it ("?": none)
_synced_after() {
	read -r SYNC_MS SYNC_EV < <(awk -v t="$CTL_T" \
		'$2 * 1000 >= t { printf "%d %.1f\n", $2 * 1000 - t, $3; exit }' \
		"$SYNCD_DIR/latency.$1" 2>/dev/null)
	SYNC_MS=${SYNC_MS:-?} SYNC_EV=${SYNC_EV:-?}
}

SYNCD_LAT=
timed_change() {
	local label=$1 want=$2 names=$3 ns=$4 pargs=() i n detail end slow
	shift 4
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		pargs+=("$1")
		shift
	done
	shift
	PROBE_OUT=$(mktemp)
	ip netns exec "$ns" "$VIPCHECK" connect -v --stamp --count 1000000 --interval-ms 20 \
		"${pargs[@]}" > "$PROBE_OUT" 2>&1 &
	PROBE_PID=$!
	# the write only once the probe runs, so that its first attempt after
	# the write is not late because the probe itself was still starting
	for ((i = 0; i < 50; i++)); do
		[ -s "$PROBE_OUT" ] && break
		sleep 0.1
	done
	if ! ctl_timed "$@"; then
		kill -TERM "$PROBE_PID" 2>/dev/null
		wait "$PROBE_PID" 2>/dev/null
		PROBE_PID=
		fail "$label: ctl $*" "ctl failed"
		return 1
	fi
	end=$((${EPOCHREALTIME/./} / 1000 + 10000))
	while :; do
		_probe_scan "$want" "$names"
		[ -n "$PROOF_MS" ] && [ "$PROOF_AFTER" -ge 3 ] && break
		[ $((${EPOCHREALTIME/./} / 1000)) -ge $end ] && break
		sleep 0.2
	done
	kill -TERM "$PROBE_PID" 2>/dev/null
	wait "$PROBE_PID" 2>/dev/null
	PROBE_PID=
	_probe_scan "$want" "$names"
	if [ -z "$PROOF_MS" ]; then
		fail "$label: traffic follows within 5 s" \
			"no $want${names:+ from ${names%%|*}} in 10 s: $(tail -n 8 "$PROBE_OUT" | tr '\n' ' ')"
		rm -f "$PROBE_OUT"
		return 1
	fi
	detail="answer +$((CTL_T2 - CTL_T))"
	for n in "${SYNCD_NODES[@]}"; do
		_synced_after "$n"
		detail+=", $n kernel +$SYNC_MS (event->kernel $SYNC_EV)"
	done
	expect_range "$label: traffic follows within 5 s ($PROOF_MS ms; $detail)" \
		"$PROOF_MS" 0 5000
	if [ "$PROOF_BAD" -eq 0 ]; then
		slow=
		[ "$PROOF_SLOW" -gt 0 ] && slow=" ($PROOF_SLOW slow)"
		pass "$label: the $PROOF_AFTER attempts after it agree$slow"
	else
		fail "$label: the $PROOF_AFTER attempts after it agree" \
			"$PROOF_BAD differ, first: $PROOF_BADLINE"
	fi
	SYNCD_LAT+="$label: $PROOF_MS ms ($detail)"$'\n'
	rm -f "$PROBE_OUT"
}

hc_get() {
	local resp head line
	resp=$(in_ns "$1" curl -s -i --max-time 3 "$2")
	resp=${resp//$'\r'/}
	HC_CODE= HC_WEIGHT= HC_BODY=
	[ -n "$resp" ] || return 1
	head=${resp%%$'\n\n'*}
	HC_BODY=${resp#*$'\n\n'}
	HC_CODE=${head#HTTP/* }
	HC_CODE=${HC_CODE%% *}
	HC_CODE=${HC_CODE%%$'\n'*}
	while read -r line; do
		case ${line,,} in
		x-load-balancing-endpoint-weight:*) HC_WEIGHT=${line#*: } ;;
		esac
	done <<<"$head"
	return 0
}
