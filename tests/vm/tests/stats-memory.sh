# Kernel memory per service and per backend on a guest with 64 possible
# CPUs (tests/check boots one with --maxcpus 64 for this test; per-CPU
# memory is allocated for every possible CPU, online or not): at most
# 1 KiB per service (one ClusterIP frontend) and 256 B per backend, as
# /proc/meminfo Slab + Percpu deltas. Round-robin services, so that the
# figures are those of the table and the counters, not of the Maglev lookup
# tables (their size is the scheduler's setting); the Maglev figure is
# printed too.
. "$SVCVIP_TOP/tests/vm/lib.sh"

possible=$(awk -F- '{ print ($2 == "" ? $1 : $2) + 1 }' /sys/devices/system/cpu/possible)
if [ "$possible" -lt 64 ]; then
	skip "kernel memory per service at 64 possible CPUs" "$possible possible CPUs, needs 64 (tests/check boots --maxcpus 64)"
	exit 0
fi
NS=${SVCVIP_MEM_SERVICES:-2000} PER=10
module_load
svcadm config set max-services $((NS + 10)) > /dev/null || die "limit"

kmem() {	# Slab + Percpu, kB
	awk '/^Slab:/ { s = $2 } /^Percpu:/ { p = $2 } END { print s + p }' /proc/meminfo
}
settle() {	# let RCU callbacks and workers run, drop reclaimable slab
	sleep 1
	sync
	echo 3 > /proc/sys/vm/drop_caches
	sleep 1
}
svcs=$(mktemp) bes=$(mktemp)
awk -v n="$NS" -v sched="${1:-rr}" 'BEGIN { for (i = 0; i < n; i++) {
	printf "service add s%d proto tcp scheduler %s\n", i, sched
	printf "frontend add s%d clusterip 10.96.%d.%d:80\n", i, int(i / 256), i % 256 } }' > "$svcs"
awk -v n="$NS" -v per="$PER" 'BEGIN { for (i = 0; i < n; i++) for (j = 0; j < per; j++)
	printf "backend add s%d 10.%d.%d.%d:8080\n", i, 100 + int(i / 256), i % 256, j + 1 }' > "$bes"

measure() {	# LABEL SCHEDULER: prints "per_service per_backend" in bytes
	local k0 k1 k2
	awk -v s="$2" '{ sub(/scheduler rr$/, "scheduler " s) } 1' "$svcs" > "$svcs.$2"
	settle
	k0=$(kmem)
	svcadm restore "$svcs.$2" || die "restore services"
	settle
	k1=$(kmem)
	svcadm restore "$bes" || die "restore backends"
	settle
	k2=$(kmem)
	svcadm flush
	echo "$(( (k1 - k0) * 1024 / NS )) $(( (k2 - k1) * 1024 / (NS * PER) ))"
}

read -r svc be <<<"$(measure rr rr)"
echo "rr: $NS services: $svc B per service; $((NS * PER)) backends: $be B per backend ($possible possible CPUs)"
read -r msvc mbe <<<"$(measure maglev maglev)"
echo "maglev: $msvc B per service, $mbe B per backend (with the Maglev lookup tables)"
expect_range "at most 1 KiB per service ($svc B)" "$svc" 0 1024
expect_range "at most 256 B per backend ($be B)" "$be" 0 256
