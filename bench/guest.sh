#!/bin/bash
# The benchmark, inside the VM (bench/run boots it): svcvip against
# kube-proxy's iptables, nftables and IPVS data planes (bench/rulegen.py),
# in one guest and one topology: a client pod -> the node -> 5 server pods.
# A twin node ("floor": its own pods and client) holds the floors: the
# client talking to a pod directly (no NAT) and one static nft DNAT rule
# (conntrack + NAT alone). Every measurement of a mode is interleaved with
# the same measurement of the floors, run by run, so the ratios do not
# depend on the host's load of the moment.
#
# Writes $BENCH_OUT/results.csv: section,mode,n,metric,run,value
#   load      full load of N services x 10 backends (s; "cap" past BENCH_CAP)
#   change    one endpoint change at N = BENCH_CHANGE_N (s)
#   bigchange one endpoint change in one service of 10,000 backends (s)
#   smallchange one endpoint change in a 10-backend service, alone and
#             while a 10,000-backend one changes back to back (s); svcvip
#             also as netlink requests from running processes (ms)
#   conn      new connections/s and latency (us, p50/p99) through the last
#             and a random service of N (TCP and UDP request/response)
#   estab     iperf3 TCP bit/s and 64-byte UDP packets/s through a service
# The floors' rows are "static:MODE" and "direct:MODE": the runs
# interleaved with MODE's, run r beside run r.
#   memory    Slab + Percpu bytes per service and per backend
#   maglev    flows (of 100,000) that move when 1 of N backends goes
# Settings (environment): BENCH_RUNS (5), BENCH_MODES (svcvip iptables
# nftables ipvs), BENCH_LOAD_SIZES (1000 10000 50000), BENCH_CONN_SIZES
# (1 1000 10000 100000), BENCH_CHANGE_N (10000), BENCH_MEM_N (10000),
# BENCH_CAP (300 s; BENCH_SETUP_CAP, 3600 s, for the loads before a
# rate measurement), BENCH_ESTAB_SIZES (1 10000),
# BENCH_CONNS (2000 connections per run), BENCH_SECS (3 s per iperf3 run),
# BENCH_SECTIONS (load change bigchange smallchange conn estab memory
# maglev), BENCH_BIG_BACKENDS (10000: smallchange's big service),
# BENCH_PERF (1: perf profiles of the conn runs at the largest N, each mode
# and its static floor, in $BENCH_OUT/perf-*.txt).
set -u
export T_RESULTS=/dev/null
SVCVIP_TOP=${SVCVIP_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
export SVCVIP_TOP
if [ "${SVCVIP_IN_VM:-}" != 1 ]; then
	echo "bench/guest.sh loads svcvip.ko: only inside the VM (make bench)" >&2
	exit 2
fi
. "$SVCVIP_TOP/tests/vm/lib.sh"

OUT=${BENCH_OUT:?BENCH_OUT: where results.csv goes}
RUNS=${BENCH_RUNS:-5}
MODES=${BENCH_MODES:-svcvip iptables nftables ipvs}
LOAD_SIZES=${BENCH_LOAD_SIZES:-1000 10000 50000}
CONN_SIZES=${BENCH_CONN_SIZES:-1 1000 10000 100000}
CHANGE_N=${BENCH_CHANGE_N:-10000}
CAP=${BENCH_CAP:-300}
# the loads that only set up a rate measurement (conn, estab) may take
# longer: in the icount guest 10,000 services x 2 protocols of iptables
# or nft passed 300 s
SETUP_CAP=${BENCH_SETUP_CAP:-3600}
ESTAB_SIZES=${BENCH_ESTAB_SIZES:-1 10000}
CONNS=${BENCH_CONNS:-2000}
SECS=${BENCH_SECS:-3}
SECTIONS=${BENCH_SECTIONS:-load change bigchange smallchange conn estab memory maglev}
PERF=${BENCH_PERF:-1}
GEN="python3 $TOP/bench/rulegen.py"
PODS=10.244.0.11,10.244.0.12,10.244.0.13,10.244.0.14,10.244.0.15
W=$(mktemp -d)
CSV=$OUT/results.csv
[ -s "$CSV" ] || echo "section,mode,n,metric,run,value" > "$CSV"

log() { echo "bench: $*" >&2; }
rec() { echo "$1,$2,$3,$4,$5,$6" >> "$CSV"; }	# section mode n metric run value
now() { date +%s%N; }
secs_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.4f", (b - a) / 1e9 }'; }

# --- topology: node (the mode under test) and floor (its twin) -----------
topology() {	# NODE PREFIX
	local node=$1 p=$2 i
	node_create "$node"
	for i in 1 2 3 4 5; do
		pod_create "$node" "${p}pod$i" "10.244.0.1$i" "fd00:244::1$i"
		in_ns "${p}pod$i" "$VIPCHECK" serve --proto tcp --port 8080 \
			--name "10.244.0.1$i" --daemon >/dev/null || die "serve"
		in_ns "${p}pod$i" "$VIPCHECK" serve --proto udp --port 8080 \
			--name "10.244.0.1$i" --daemon >/dev/null || die "serve"
		in_ns "${p}pod$i" iperf3 -s -D -p 5201 || die "iperf3 -s"
	done
	pod_create "$node" "${p}client" 10.244.0.100 fd00:244::100
	in_ns "$node" sysctl -qw net.netfilter.nf_conntrack_max=2097152 2>/dev/null
}
module_load
sysctl -qw net.netfilter.nf_conntrack_max=2097152
topology node ""
topology floor f
# the floor's static DNAT: one rule per port; for new connections it
# spreads them over the same 5 pods as the measured services (a pod's
# server is one epoll loop: 5 of them answer faster than one), for
# iperf3 it reaches one pod, as the measured service does
in_ns floor nft -f - <<'END' || die "static DNAT"
table ip static {
	chain pre {
		type nat hook prerouting priority -100;
		ip daddr 10.96.200.1 tcp dport 80 dnat to numgen random mod 5 map { 0 : 10.244.0.11, 1 : 10.244.0.12, 2 : 10.244.0.13, 3 : 10.244.0.14, 4 : 10.244.0.15 } : 8080
		ip daddr 10.96.200.1 udp dport 80 dnat to numgen random mod 5 map { 0 : 10.244.0.11, 1 : 10.244.0.12, 2 : 10.244.0.13, 3 : 10.244.0.14, 4 : 10.244.0.15 } : 8080
		ip daddr 10.96.200.2 tcp dport 5201 dnat to 10.244.0.11:5201
		ip daddr 10.96.200.2 udp dport 5201 dnat to 10.244.0.11:5201
	}
}
END

# IPVS as kube-proxy sets it up: conntrack for IPVS connections (its
# masquerade rules need it). The sysctls exist once ip_vs is loaded.
ipvs_setup() {
	modprobe -a ip_vs ip_vs_rr || die "modprobe ip_vs"
	in_ns node sysctl -qw net.ipv4.vs.conntrack=1 net.ipv4.vs.conn_reuse_mode=0 \
		net.ipv4.vs.expire_nodest_conn=1 || die "IPVS sysctls"
}
ipvs_setup

# --- modes ------------------------------------------------------------------
clear_mode() {	# MODE: the node without any of its rules
	case $1 in
	svcvip) in_ns node "$SVCADM" flush ;;
	iptables) in_ns node sh -c 'iptables -t nat -F; iptables -t nat -X;
		iptables -F; iptables -X' ;;
	nftables) in_ns node nft delete table ip kube-proxy 2>/dev/null ;;
	ipvs) in_ns node ipvsadm -C; in_ns node ip link del kube-ipvs0 2>/dev/null ;;
	esac
	in_ns node conntrack -F >/dev/null 2>&1
	# IPVS keeps deleted destinations in a trash list for one to two
	# minutes and searches it linearly on every destination add: a load
	# right after a flush of 100,000 ran quadratic (10,000 x 10: 76 s,
	# then 208 s). A node's first load starts with it empty, as does
	# every measurement here: reloading ip_vs frees the trash.
	if [ "$1" = ipvs ]; then
		# shellcheck disable=SC2046 # module names, one word each
		modprobe -r $(lsmod | awk '$1 ~ /^ip_vs_/ { print $1 }') ip_vs ||
			log "ip_vs did not unload: its trash stays"
		ipvs_setup
	fi
	return 0
}

load_cmd() {	# MODE: the command that programs a full load from stdin
	case $1 in
	svcvip) echo "$SVCADM restore" ;;
	iptables) echo "iptables-restore -w" ;;
	nftables) echo "nft -f -" ;;
	ipvs) echo "sh -c 'ip -batch $W/ipvs-addrs && ipvsadm -R'" ;;
	esac
}

change_cmd() {	# MODE: the command that applies a partial sync from stdin
	case $1 in
	svcvip) echo "$SVCADM restore" ;;
	iptables) echo "iptables-restore -w --noflush" ;;
	nftables) echo "nft -f -" ;;
	ipvs) echo "ipvsadm -R" ;;
	esac
}

noop_cmd() {	# MODE: the change's tool, started to do nothing
	case $1 in
	svcvip) echo "$SVCADM version" ;;
	iptables) echo "iptables-restore -w --noflush < /dev/null" ;;
	nftables) echo "nft -f /dev/null" ;;
	ipvs) echo "ipvsadm -R < /dev/null" ;;
	esac
}

start_seconds() {	# MODE: seconds the change's tool takes to start and do nothing
	local t0
	t0=$(now)
	in_ns node sh -c "$(noop_cmd "$1")" > /dev/null 2>&1
	secs_since "$t0"
}

timed_change() {	# MODE FILE: seconds one partial sync from FILE takes
	local t0
	t0=$(now)
	in_ns node sh -c "$(change_cmd "$1") < $2" > "$W/change.log" 2>&1 ||
		log "$1 change failed: $(tail -n 2 "$W/change.log")"
	secs_since "$t0"
}

vip_of() {	# I: service I's cluster IP, as rulegen.py numbers them
	local a=$((96 * 65536 + $1 + 1))
	echo "10.$((a / 65536)).$(( (a / 256) % 256 )).$((a % 256))"
}

# gen MODE N B [ARGS]: the rules to $W/MODE (and the VIPs for IPVS);
# synthetic backends unless ARGS has --pods
gen() {
	local mode=$1 n=$2 b=$3
	shift 3
	$GEN "$mode" --services "$n" --backends "$b" "$@" \
		> "$W/$mode" || die "rulegen $mode $n"
	if [ "$mode" = ipvs ]; then
		$GEN ipvs-addrs --services "$n" > "$W/ipvs-addrs" || die "rulegen addrs"
	fi
}

# timed_load MODE [CAP]: seconds, or "cap" past CAP (BENCH_CAP)
timed_load() {
	local t0 rc
	t0=$(now)
	timeout "${2:-$CAP}" ip netns exec node sh -c "$(load_cmd "$1") < $W/$1" \
		> "$W/load.log" 2>&1
	rc=$?
	if [ $rc -eq 124 ]; then
		echo cap
	elif [ $rc -ne 0 ]; then
		log "$1: load failed: $(tail -n 3 "$W/load.log")"
		echo fail
	else
		secs_since "$t0"
	fi
}

no_load() { [ "$1" = cap ] || [ "$1" = fail ]; }	# timed_load's V: no table

# --- 1. programming: full load ---------------------------------------------
section_load() {
	local mode n r v capped
	rec load info 0 cap-seconds 0 "$CAP"
	for mode in $MODES; do
		capped=
		for n in $LOAD_SIZES; do
			if [ -n "$capped" ]; then
				rec load "$mode" "$n" seconds 0 cap
				continue
			fi
			gen "$mode" "$n" 10
			for ((r = 1; r <= RUNS; r++)); do
				clear_mode "$mode"
				v=$(timed_load "$mode")
				log "load $mode $n run $r: $v"
				rec load "$mode" "$n" seconds "$r" "$v"
				# one run past the cap is enough to know
				[ "$v" = cap ] && { capped=1; break; }
			done
			clear_mode "$mode"
		done
	done
}

# --- 2. one endpoint change at N, and in a service of 10,000 backends ------
changes() {	# SECTION N B: RUNS changes, each in another service
	local section=$1 n=$2 b=$3 mode r v i
	for mode in $MODES; do
		gen "$mode" "$n" "$b"
		clear_mode "$mode"
		# the load only sets the change up: SETUP_CAP (nft's at
		# 10,000 passes CAP)
		v=$(timed_load "$mode" "$SETUP_CAP")
		log "$section $mode $n: setup load $v s"
		if no_load "$v"; then
			rec "$section" "$mode" "$n" seconds 0 "$v"
			clear_mode "$mode"
			continue
		fi
		# the tool's own start, doing nothing (see bench/report.py)
		for ((r = 1; r <= RUNS; r++)); do
			rec "$section" "$mode" "$n" exec-seconds "$r" "$(start_seconds "$mode")"
		done
		for ((r = 1; r <= RUNS; r++)); do
			i=$(( (r * 7919) % n ))
			$GEN "$mode" --services "$n" --backends "$b" --change "$i" \
				--change-backend $((r * 7919)) > "$W/change" ||
				die "rulegen --change"
			v=$(timed_change "$mode" "$W/change")
			log "$section $mode $n run $r: $v"
			rec "$section" "$mode" "$n" seconds "$r" "$v"
		done
		[ "$mode" = svcvip ] && netlink_changes "$section" "$n" "$b"
		clear_mode "$mode"
	done
}

# schedbench_stats OUT: "NAME MEDIAN P99" for each of schedbench.py's
# "NAME n=K median=M p99=P max=X" lines in OUT (op, small-alone, small)
schedbench_stats() {
	awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		print $1, v["median"], v["p99"] }' <<<"$1"
}

# max_backends_for B: room for schedbench's extra backends in a service of
# B, past the default 10,000 (only raised: a lower limit would stay for the
# next section's loads)
max_backends_for() {
	if [ $(($1 + 100)) -gt 10000 ]; then
		in_ns node "$SVCADM" config set max-backends $(($1 + 100)) > /dev/null ||
			log "max-backends"
	fi
}

# netlink_changes SECTION N B: svcvip's change as svcsyncd sends it, one
# netlink round trip from a running process: RUNS x 30 single-backend
# changes (an endpoint added, its weight set, removed: tests/vm/
# schedbench.py churn), each run to another service; ms per request
netlink_changes() {
	local section=$1 n=$2 b=$3 r out name med p99
	max_backends_for "$b"
	for ((r = 1; r <= RUNS; r++)); do
		out=$(in_ns node python3 "$TOP/tests/vm/schedbench.py" churn \
			"svc$(( (r * 7919) % n ))-tcp" 30 --net 150)
		read -r name med p99 < <(schedbench_stats "$out" | grep '^op ')
		rec "$section" svcvip "$n" netlink-ms "$r" "${med:-}"
		rec "$section" svcvip "$n" netlink-p99-ms "$r" "${p99:-}"
		log "$section svcvip $n netlink run $r: $out"
	done
}
section_change() { changes change "$CHANGE_N" 10; }
section_bigchange() { changes bigchange 1 10000; }

# --- 6. a small service's change while a big one changes ------------------
# Two services: svc0 with 10,000 backends, svc1 with 10. RUNS changes of
# svc1 alone, then RUNS more while a loop applies svc0's changes back to
# back (as kube-proxy's partial syncs of a rolling update of the big one
# would): how long a small service's change waits behind a big one's.
# Each service alternates one change and its revert (rulegen --revert),
# so any number of them apply in turn.
BIG=${BENCH_BIG_BACKENDS:-10000}
section_smallchange() {
	local mode r v start big k stop=$W/big.stop f
	for mode in $MODES; do
		gen "$mode" 2 10 --first-backends "$BIG"
		clear_mode "$mode"
		v=$(timed_load "$mode")
		if no_load "$v"; then
			rec smallchange "$mode" "$BIG" alone 0 "$v"
			clear_mode "$mode"
			continue
		fi
		for ((r = 1; r <= RUNS; r++)); do
			rec smallchange "$mode" "$BIG" exec-seconds "$r" "$(start_seconds "$mode")"
		done
		for f in small:1 big:0; do	# file name : service
			$GEN "$mode" --services 2 --backends 10 --first-backends "$BIG" \
				--change "${f#*:}" > "$W/${f%:*}.fwd" || die "rulegen --change $f"
			$GEN "$mode" --services 2 --backends 10 --first-backends "$BIG" \
				--change "${f#*:}" --revert > "$W/${f%:*}.rev" ||
				die "rulegen --revert $f"
		done
		k=0
		small() {	# METRIC RUN: svc1's next change, timed
			local v f=fwd
			[ $((k % 2)) -eq 1 ] && f=rev
			k=$((k + 1))
			v=$(timed_change "$mode" "$W/small.$f")
			log "smallchange $mode $1 run $2: $v"
			rec smallchange "$mode" "$BIG" "$1" "$2" "$v"
		}
		for ((r = 1; r <= RUNS; r++)); do
			small alone "$r"
		done
		rm -f "$stop" "$stop.count"
		start=$(now)
		(	# svc0's changes back to back, counted
			n=0 fails=0 f=fwd
			until [ -e "$stop" ]; do
				in_ns node sh -c "$(change_cmd "$mode") < $W/big.$f" \
					> /dev/null 2>&1 || fails=$((fails + 1))
				n=$((n + 1))
				[ $f = fwd ] && f=rev || f=fwd
			done
			echo "$n $fails" > "$stop.count"
		) &
		big=$!
		sleep 1
		for ((r = 1; r <= RUNS; r++)); do
			# the tool's start under the same CPU contention
			rec smallchange "$mode" "$BIG" exec-during "$r" "$(start_seconds "$mode")"
			small during "$r"
			sleep "0.$((RANDOM % 5))"
		done
		touch "$stop"
		wait "$big"
		read -r v r < "$stop.count"
		log "smallchange $mode: $v big changes ($r failed) in $(secs_since "$start") s"
		rec smallchange "$mode" "$BIG" big-changes 0 "$v"
		rec smallchange "$mode" "$BIG" big-failed 0 "$r"
		rec smallchange "$mode" "$BIG" big-window 0 "$(secs_since "$start")"
		[ "$mode" = svcvip ] && netlink_small
		clear_mode "$mode"
	done
}

# netlink_small: svcvip's small-service change as svcsyncd sends it, one
# netlink request from a running process, alone and while the big
# service's changes (schedbench.py churn: an endpoint added, its weight
# set, removed; 30 a run) run back to back: sched-update-cost's
# measurement at the bench's sizes. The small writer sets the weight of a
# backend it adds to svc1 (10.99.0.1), as fast as it can; ms per request.
netlink_small() {
	local r out name med p99
	max_backends_for "$BIG"
	in_ns node "$SVCADM" backend add svc1-tcp 10.99.0.1:8080 ||
		die "smallchange: the small writer's backend"
	for ((r = 1; r <= RUNS; r++)); do
		out=$(in_ns node python3 "$TOP/tests/vm/schedbench.py" churn \
			svc0-tcp 30 --net 150 --small svc1-tcp)
		log "smallchange svcvip netlink run $r: $(tr '\n' ' ' <<<"$out")"
		while read -r name med p99; do
			case $name in
			small-alone) rec smallchange svcvip "$BIG" netlink-alone-ms "$r" "$med"
				rec smallchange svcvip "$BIG" netlink-alone-p99-ms "$r" "$p99" ;;
			small) rec smallchange svcvip "$BIG" netlink-during-ms "$r" "$med"
				rec smallchange svcvip "$BIG" netlink-during-p99-ms "$r" "$p99" ;;
			op) rec smallchange svcvip "$BIG" netlink-big-ms "$r" "$med" ;;
			esac
		done < <(schedbench_stats "$out")
	done
}

# --- 3./4. new connections/s and latency -----------------------------------
conn_run() {	# NETNS-PREFIX VIP PROTO [PORT [COUNT]]: "conn/s p50 p99"
	local out ok ms
	out=$(in_ns "${1}client" "$VIPCHECK" connect --proto "$3" --addr "$2" --port "${4:-80}" \
		--count "${5:-$CONNS}" --parallel 4 --timeout-ms 3000)
	ok=$(stat_of "$out" ok)
	ms=$(stat_of "$out" elapsed_ms)
	echo "$out" | awk -v ok="$ok" -v ms="$ms" '$1 == "latency_us" { l = $2 " " $4 }
		END { printf "%.1f %s\n", (ms > 0 ? ok * 1000 / ms : 0), (l ? l : "0 0") }'
}

# profile NAME CMD...: CMD under perf record -a (cpu-clock: TCG has no
# PMU); the top of the report, by module and symbol, to $OUT/perf-NAME.txt
profile() {
	local name=$1 loop
	shift
	[ "$PERF" = 1 ] && command -v perf > /dev/null || return 0
	# CMD (a shell function) in a loop, and perf recording the whole
	# system for a fixed 4 s while it runs: perf's own start (seconds
	# under TCG: it walks every task first) is over before its sleep
	# begins, so the window is all workload
	rm -f "$W/perf.done"
	(while [ ! -e "$W/perf.done" ]; do "$@" > /dev/null; done) &
	loop=$!
	sleep 1
	perf record -q -a -g -F 499 -e cpu-clock -o "$W/perf.data" -- sleep 4 \
		> /dev/null 2> "$W/perf.err" ||
		log "perf record $name: $(tail -n 1 "$W/perf.err")"
	touch "$W/perf.done"
	wait "$loop"
	perf report -i "$W/perf.data" --stdio --no-children --sort dso,sym -g none \
		--percent-limit 0.05 2> "$W/perf.err" | grep -v '^$' | head -n 150 > "$OUT/perf-$name.txt"
	grep -q '%' "$OUT/perf-$name.txt" ||
		log "perf report $name: no samples: $(tail -n 1 "$W/perf.err")"
	rm -f "$W/perf.data"
}

# past_cap MODE N: true if MODE's setup load at a smaller N (or its cap)
# says this one would pass SETUP_CAP. A load's time past its fixed part
# (the tool's start, the table's creation: the load at the smallest N)
# grows at least linearly with the rules it writes, so the smaller load's
# seconds less the fixed part, x the size ratio, is a lower bound; not
# spending the hour to learn it (the log and the report say which load
# decided)
declare -A setup_s setup_n setup_s0
past_cap() {
	local s=${setup_s[$1]:-} m=${setup_n[$1]:-} s0=${setup_s0[$1]:-}
	[ -n "$s" ] || return 1
	[ "$s" = cap ] && return 0
	[ "$s" = fail ] && return 1
	awk -v s="$s" -v s0="$s0" -v n="$2" -v m="$m" -v c="$SETUP_CAP" \
		'BEGIN { exit !((s - s0) * n / m > c) }'
}

section_conn() {
	local mode n r pr which idx vip v f big sorted
	# smallest N first: a mode's load there decides past_cap's
	sorted=$(tr -s ' ' '\n' <<<"$CONN_SIZES" | sort -n)
	big=$(tail -n 1 <<<"$sorted")
	for n in $sorted; do
		for mode in $MODES; do
			if past_cap "$mode" "$n"; then
				log "conn $mode $n: not run: its load at N = ${setup_n[$mode]} took ${setup_s[$mode]} s (${setup_s0[$mode]} at the smallest); $n would pass the ${SETUP_CAP} s cap"
				rec conn "$mode" "$n" "tcp-last-conn/s" 0 skip
				continue
			fi
			idx=$(( n > 2 ? (n * 37) / 100 : 0 ))
			# fillers: 5 synthetic backends; the measured services: the 5 pods
			gen "$mode" "$n" 5 --pods "$PODS" --real "last,$idx" --protos tcp,udp
			clear_mode "$mode"
			v=$(timed_load "$mode" "$SETUP_CAP")
			log "conn $mode $n: setup load $v s"
			rec conn "$mode" "$n" setup-seconds 1 "$v"
			setup_s[$mode]=$v setup_n[$mode]=$n
			[ -n "${setup_s0[$mode]:-}" ] || setup_s0[$mode]=$v
			if no_load "$v"; then
				rec conn "$mode" "$n" "tcp-last-conn/s" 0 "$v"
				continue
			fi
			for which in last random; do
				[ $which = last ] && vip=$(vip_of $((n - 1)))
				[ $which = random ] && vip=$(vip_of "$idx")
				[ "$which" = random ] && [ "$n" -le 2 ] && continue
				for pr in tcp udp; do
					# a warm-up of both, not recorded: the first run
					# after a load or a switch of protocol measured
					# low (0.95 of the floor at N = 1, 0.99 after)
					conn_run "" "$vip" $pr 80 $((CONNS / 4)) > /dev/null
					conn_run f 10.96.200.1 $pr 80 $((CONNS / 4)) > /dev/null
					for ((r = 1; r <= RUNS; r++)); do
						read -r v p50 p99 <<<"$(conn_run "" "$vip" $pr)"
						rec conn "$mode" "$n" "$pr-$which-conn/s" "$r" "$v"
						rec conn "$mode" "$n" "$pr-$which-p50us" "$r" "$p50"
						rec conn "$mode" "$n" "$pr-$which-p99us" "$r" "$p99"
						# the floor, interleaved
						read -r f fp50 fp99 <<<"$(conn_run f 10.96.200.1 $pr)"
						rec conn "static:$mode" "$n" "$pr-$which-conn/s" "$r" "$f"
						rec conn "static:$mode" "$n" "$pr-$which-p50us" "$r" "$fp50"
						rec conn "static:$mode" "$n" "$pr-$which-p99us" "$r" "$fp99"
						log "conn $mode $n $pr $which run $r: $v/s (static $f/s)"
						read -r f fp50 fp99 <<<"$(conn_run f 10.244.0.11 $pr 8080)"
						rec conn "direct:$mode" "$n" "$pr-$which-conn/s" "$r" "$f"
					done
					# where the time goes, at the largest N: the mode
					# and the static floor beside it
					if [ "$n" = "$big" ] && [ $which = last ]; then
						profile "conn-$mode-$n-$pr" conn_run "" "$vip" $pr
						profile "conn-static_$mode-$n-$pr" conn_run f 10.96.200.1 $pr
					fi
				done
			done
			clear_mode "$mode"
		done
	done
}

# --- established traffic -----------------------------------------------------
iperf() {	# PREFIX VIP [udp [SECS]]: bit/s (TCP) or packets/s (64-byte UDP)
	local args=(-c "$2" -p 5201 -t "${4:-$SECS}" -J)
	[ "${3:-}" = udp ] && args+=(-u -l 64 -b 0)
	in_ns "${1}client" iperf3 "${args[@]}" 2>/dev/null | python3 -c '
import json, sys
try:
    e = json.load(sys.stdin)["end"]
    r = e.get("sum_received") or e["sum"]
    if sys.argv[1] == "udp":	# datagrams that arrived, per second
        print(int((r["packets"] - r["lost_packets"]) / r["seconds"]))
    else:
        print(int(r["bits_per_second"]))
except Exception:
    print(0)' "${3:-tcp}"
}

section_estab() {
	local mode n r v f d vip pr
	for n in $ESTAB_SIZES; do
		for mode in $MODES; do
			gen "$mode" "$n" 1 --pods "$PODS" --real last --port 5201 --target-port 5201 \
				--protos tcp,udp
			clear_mode "$mode"
			v=$(timed_load "$mode" "$SETUP_CAP")
			if no_load "$v"; then
				rec estab "$mode" "$n" tcp-bit/s 0 "$v"
				continue
			fi
			vip=$(vip_of $((n - 1)))
			for pr in tcp udp; do
				# a warm-up of both, not recorded (see section_conn)
				iperf "" "$vip" $pr 1 > /dev/null
				iperf f 10.96.200.2 $pr 1 > /dev/null
				for ((r = 1; r <= RUNS; r++)); do
					v=$(iperf "" "$vip" $pr)
					f=$(iperf f 10.96.200.2 $pr)
					d=$(iperf f 10.244.0.11 $pr)
					local m=bit/s
					[ $pr = udp ] && m=pkt/s
					rec estab "$mode" "$n" "$pr-$m" "$r" "$v"
					rec estab "static:$mode" "$n" "$pr-$m" "$r" "$f"
					rec estab "direct:$mode" "$n" "$pr-$m" "$r" "$d"
					log "estab $mode $n $pr run $r: $v (static $f, direct $d)"
				done
			done
			clear_mode "$mode"
		done
	done
}

# --- kernel memory per service and per backend ---------------------------------
kmem() {	# Slab + Percpu, bytes
	awk '$1 == "Slab:" || $1 == "Percpu:" { s += $2 } END { print s * 1024 }' /proc/meminfo
}

# slabs: "CACHE BYTES" of every slab cache (active objects x object size)
slabs() { awk 'NR > 2 { print $1, $2 * $4 }' /proc/slabinfo; }
# slab_growth BEFORE: the 6 caches that grew most since BEFORE (slabs'
# output), "CACHE +BYTES ...": where a mode's bytes went
slab_growth() {
	slabs | awk 'NR == FNR { b[$1] = $2; next }
		{ d = $2 - b[$1]; if (d > 0) print d, $1 }' <(echo "$1") - |
		sort -rn | head -n 6 | awk '{ printf "%s%s +%d", (NR > 1 ? ", " : ""), $2, $1 }'
}

# Per service and per backend from loads of N services x 1 and x 10; a
# mode whose load passes the cap at BENCH_MEM_N (nftables' does at
# 10,000) is measured at a tenth of it: both figures are per object
memory_of() {	# MODE NAME [RULEGEN ARGS]: MODE's rows, recorded as NAME
	local mode=$1 name=$2 b n r m0 m1 v ok s0 mem_n=${BENCH_MEM_N:-10000}
	shift 2
	for n in "$mem_n" $((mem_n / 10)); do
		ok=1
		for b in 1 10; do
			gen "$mode" "$n" "$b" "$@"
			for ((r = 1; r <= RUNS; r++)); do
				clear_mode "$mode"
				sync; echo 3 > /proc/sys/vm/drop_caches; sleep 2
				[ "$r" -eq 1 ] && s0=$(slabs)
				m0=$(kmem)
				v=$(timed_load "$mode")
				if no_load "$v"; then
					log "memory $name $n x $b: load $v"
					rec memory "$name" "$n" "bytes-b$b" 0 "$v"
					ok=
					break
				fi
				sleep 2
				m1=$(kmem)
				rec memory "$name" "$n" "bytes-b$b" "$r" $((m1 - m0))
				log "memory $name $n x $b run $r: $((m1 - m0)) bytes ($v s)"
				[ "$r" -eq 1 ] &&
					log "memory $name $n x $b: slab caches grown most: $(slab_growth "$s0")"
			done
			clear_mode "$mode"
			[ -n "$ok" ] || break
		done
		[ -n "$ok" ] && break
	done
}

# svcvip twice: as deployed (its default scheduler, Maglev, whose lookup
# table has 100+ two-byte slots per backend) and as "svcvip-rr" (round
# robin: the table and its counters alone, what make check's stats-memory
# bounds)
section_memory() {
	local mode
	for mode in $MODES; do
		memory_of "$mode" "$mode"
		[ "$mode" = svcvip ] && memory_of svcvip svcvip-rr --scheduler rr
	done
	rec memory info 0 possible-cpus 0 "$(cat /sys/devices/system/cpu/possible)"
}

# --- Maglev: flows that move when 1 of N backends goes ---------------------
# The in-kernel selftest measures it on svcvip's own Maglev code: 100,000
# flows, N = 10, 100, 1000 (the CONFIG_SVCVIP_DEBUG build, make
# module-selftest); run here with the node's table emptied meanwhile.
section_maglev() {
	local ko=$TOP/build/selftest/kmod/svcvip.ko marker line n moved
	[ -f "$ko" ] || { log "maglev: no $ko (make module-selftest)"; return; }
	clear_mode svcvip
	marker="bench maglev $$ $RANDOM"
	echo "$marker" > /dev/kmsg
	# netns hold no svcvip state once flushed; the module itself goes
	rmmod svcvip || { log "maglev: rmmod failed"; return; }
	insmod "$ko" || log "maglev: the selftest module failed to load"
	dmesg | sed -n "/$marker/,\$p" | grep 'backends removed:' | while read -r line; do
		# "... selftest: 1 of N backends removed: M of 100000 flows moved ..."
		n=$(sed -n 's/.*1 of \([0-9]*\) backends removed.*/\1/p' <<<"$line")
		moved=$(sed -n 's/.*removed: \([0-9]*\) of 100000.*/\1/p' <<<"$line")
		[ -n "$n" ] && rec maglev svcvip "$n" moved-of-100000 1 "$moved"
		log "maglev: $line"
	done
	rmmod svcvip
	module_load
}

clock="QEMU TCG"
exact && clock="QEMU TCG, icount (the clock counts instructions)"
echo "bench: kernel $(uname -r), $(nproc) online CPUs, possible $(cat /sys/devices/system/cpu/possible), $clock: $SECTIONS" >&2
for s in $SECTIONS; do
	log "--- $s"
	"section_$s"
done
rm -rf "$W"
