#!/bin/bash
# svcsyncd benchmark at full size (issue 12, "Performance"): boots a VM and
# runs tests/vm/tests/syncd-scale.sh with SVCVIP_SYNCD_SCALE=full (10,000
# Services x 10 endpoints, 1,000 single-endpoint changes at 20/s).
#   bench/syncd-scale.sh [OUTDIR]     (default: a new /tmp/syncd-scale.XXXX)
# OUTDIR gets figures.txt, svcsyncd's log, its --latency-log, the driver's
# output and the API server's log. Takes the VM lock exclusively, so that no
# other VM runs meanwhile; reports the host's load before and after.
# SVCVIP_SYNCD_PERF=0: no perf record of svcsyncd during the changes (99 Hz).
# SVCVIP_SYNCD_SCALE=reduced runs make check's size instead.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$(mktemp -d /tmp/syncd-scale.XXXX)}
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$top"
rc=0
# the load is read once the lock is ours: no other VM of this project runs
flock -x /tmp/svcvip-vm.lock sh -c '
	echo "host load with the lock taken: $(cut -d" " -f1-3 /proc/loadavg), $(nproc) cpus" |
		tee "$1/host.txt"
	shift
	exec "$@"' sh "$out" tests/vm/run --timeout 1800 --mem 3072 --rw "$out" \
	--env SVCVIP_SYNCD_SCALE="${SVCVIP_SYNCD_SCALE:-full}" --env SVCVIP_SYNCD_SCALE_OUT="$out" \
	--env SVCVIP_SYNCD_PERF="${SVCVIP_SYNCD_PERF:-1}" \
	--env T_TIMEOUT=1500 -- tests/vm/suite syncd-scale || rc=$?
echo "host load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/host.txt"
echo "figures in $out/figures.txt:"
cat "$out/figures.txt" 2>/dev/null
exit $rc
