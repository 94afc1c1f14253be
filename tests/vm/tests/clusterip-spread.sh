# How the schedulers spread 3,000 connections over 3 backends: maglev and
# random 33 % +- 5 each, rr exactly 1,000 each, wrr 1:2:3 within 5 %.
. "$SVCVIP_TOP/tests/vm/lib.sh"

module_load
cluster_basic
N=3000

spread() {	# scheduler [weights...]: sets out
	local sched=$1 w1=${2:-1} w2=${3:-1} w3=${4:-1}
	in_ns node "$SVCADM" restore --replace <<END || die "restore $sched"
service add web proto tcp scheduler $sched
frontend add web clusterip 10.96.0.10:80
backend add web 10.244.0.11:8080 weight $w1
backend add web 10.244.0.12:8080 weight $w2
backend add web 10.244.0.13:8080 weight $w3
END
	out=$(in_ns client "$VIPCHECK" connect --proto tcp --addr 10.96.0.10 \
		--port 80 --count $N --parallel 4)
	expect_eq "$sched: all $N connections answered" "$(stat_of "$out" ok)" $N
	echo "$sched: $(echo "$out" | awk '$1 == "name"' | tr '\n' ' ')"
}

for sched in maglev random; do
	spread $sched
	for p in pod1 pod2 pod3; do
		expect_range "$sched: $p gets 33 % +- 5" "$(count_of "$out" $p)" 840 1140
	done
done

spread rr
for p in pod1 pod2 pod3; do
	expect_eq "rr: $p gets exactly 1000" "$(count_of "$out" $p)" 1000
done

spread wrr 1 2 3
expect_range "wrr 1:2:3: pod1 ~ 500" "$(count_of "$out" pod1)" 475 525
expect_range "wrr 1:2:3: pod2 ~ 1000" "$(count_of "$out" pod2)" 950 1050
expect_range "wrr 1:2:3: pod3 ~ 1500" "$(count_of "$out" pod3)" 1425 1575
