# How the schedulers spread 3,000 connections over 3 backends: maglev (by
# the hash of 3,000 distinct source ports) and random evenly by Pearson's
# chi-square test, rr exactly 1,000 each, wrr 1:2:3 exactly (its sequence
# is deterministic).
# The test fails at p < 0.0001: random's picks are independent, so that is
# one false alarm in 10,000 runs; a 38:31:31 split fails always (chi2 29),
# a 36:32:32 one (chi2 9.6) passes. Maglev's pick is a function of the
# flow, so its sample is a fixed list of ports (awk's rand() with a fixed
# seed over 1024..65535): the same result on every run of a given build.
# The kernel's own choice of source ports for connect() is a walk through
# the ephemeral range, not a random sample, and was once 1052:871:1077
# (p = 3e-6) in CI.
. "$SVCVIP_TOP/tests/vm/lib.sh"

module_load
cluster_basic
N=3000
WORK=$(mktemp -d)

# the maglev sample: 3,000 distinct source ports
awk 'BEGIN { srand(20261207)
	while (n < 3000) {
		p = 1024 + int(rand() * 64512)
		if (!(p in seen)) { seen[p] = 1; print p; n++ }
	} }' > "$WORK/sports"
expect_eq "3000 distinct source ports" "$(sort -u "$WORK/sports" | wc -l)" 3000

spread() {	# scheduler [weights...]: sets out
	local sched=$1 w1=${2:-1} w2=${3:-1} w3=${4:-1} ports=(--count $N)
	[ "$sched" = maglev ] && ports=(--sport-list "$WORK/sports")
	in_ns node "$SVCADM" restore --replace <<END || die "restore $sched"
service add web proto tcp scheduler $sched
frontend add web clusterip 10.96.0.10:80
backend add web 10.244.0.11:8080 weight $w1
backend add web 10.244.0.12:8080 weight $w2
backend add web 10.244.0.13:8080 weight $w3
END
	out=$(in_ns client "$VIPCHECK" connect --proto tcp --addr 10.96.0.10 \
		--port 80 "${ports[@]}" --parallel 4)
	expect_eq "$sched: all $N connections answered" "$(stat_of "$out" ok)" $N
	echo "$sched: $(echo "$out" | awk '$1 == "name"' | tr '\n' ' ')"
}

CHISQ="python3 $SVCVIP_TOP/tests/vm/lib/chisq.py"
for sched in maglev random; do
	spread $sched
	r=$($CHISQ "$(count_of "$out" pod1):1" "$(count_of "$out" pod2):1" \
		"$(count_of "$out" pod3):1")
	echo "$sched: $r"
	check "$sched: even over 3 backends (chi-square $r >= 0.0001)" \
		awk -v p="${r##* }" 'BEGIN { exit !(p >= 0.0001) }'
done

spread rr
for p in pod1 pod2 pod3; do
	expect_eq "rr: $p gets exactly 1000" "$(count_of "$out" $p)" 1000
done

spread wrr 1 2 3
expect_eq "wrr 1:2:3: pod1 gets exactly 500" "$(count_of "$out" pod1)" 500
expect_eq "wrr 1:2:3: pod2 gets exactly 1000" "$(count_of "$out" pod2)" 1000
expect_eq "wrr 1:2:3: pod3 gets exactly 1500" "$(count_of "$out" pod3)" 1500
rm -rf "$WORK"
