# config set hash-seed: two netns "nodes" with the same seed, fed the same
# Maglev service in different orders (and one detour: a backend added and
# removed again), choose the same backend for 1,000 flows; another seed
# chooses differently for most of them. The seed changes only while the
# netns has no service, and must be 16 bytes.
. "$SVCVIP_TOP/tests/vm/lib.sh"

module_load
BENCH="python3 $SVCVIP_TOP/tests/vm/schedbench.py"
SEED=00112233445566778899aabbccddeeff
OTHER=ffeeddccbbaa99887766554433221100

backends() {	# 20 backends, one per line
	for i in $(seq 1 20); do echo "10.244.$((i / 8)).$((i * 7 % 250 + 1)):8080"; done
}

node() {	# NAME SEED ORDER(fwd|rev)
	ip netns add "$1" || return 1
	if [ "$2" != default ]; then
		ip netns exec "$1" "$SVCADM" config set hash-seed "$2" || return 1
	fi
	ip netns exec "$1" "$SVCADM" service add web proto tcp || return 1
	ip netns exec "$1" "$SVCADM" frontend add web clusterip 10.96.0.10:80 || return 1
	if [ "$3" = rev ]; then
		ip netns exec "$1" "$SVCADM" backend add web 10.250.0.1:8080 || return 1
		backends | tac | while read -r b; do
			ip netns exec "$1" "$SVCADM" backend add web "$b" || exit 1
		done || return 1
		ip netns exec "$1" "$SVCADM" backend del web 10.250.0.1:8080 || return 1
	else
		backends | while read -r b; do
			ip netns exec "$1" "$SVCADM" backend add web "$b" || exit 1
		done || return 1
	fi
}

choices() { ip netns exec "$1" $BENCH lookup 10.96.0.10 80 1000; }

check "node1: seed, backends in order" node sn1 "$SEED" fwd
check "node2: same seed, backends in reverse order" node sn2 "$SEED" rev
check "node3: another seed" node sn3 "$OTHER" fwd
check "node4, node5: the default seed" node sn4 default fwd
node sn5 default rev >/dev/null 2>&1

c1=$(choices sn1); c2=$(choices sn2); c3=$(choices sn3)
c4=$(choices sn4); c5=$(choices sn5)
expect_eq "1000 flows looked up" "$(grep -c ':8080$' <<<"$c1")" 1000
expect_eq "same seed, other order: same backend for every flow" \
	"$(paste -d' ' <(echo "$c1") <(echo "$c2") | awk '$1 != $2' | wc -l)" 0
expect_eq "default seed: nodes agree too" \
	"$(paste -d' ' <(echo "$c4") <(echo "$c5") | awk '$1 != $2' | wc -l)" 0
differ=$(paste -d' ' <(echo "$c1") <(echo "$c3") | awk '$1 != $2' | wc -l)
echo "another seed: $differ of 1000 flows choose another backend"
expect_range "another seed: most flows choose differently" "$differ" 800 1000

out=$(ip netns exec sn1 "$SVCADM" config show)
check "config show has the seed" grep -qx "hash-seed $SEED" <<<"$out"
check "config show has the Maglev size" grep -qx "maglev-table-size 65521" <<<"$out"
check_fails "seed change with services: EBUSY" "hash-seed can only change" \
	ip netns exec sn1 "$SVCADM" config set hash-seed "$OTHER"
check "the same seed again is no change" \
	ip netns exec sn1 "$SVCADM" config set hash-seed "$SEED"
check_fails "maglev-table-size change with services: EBUSY" "maglev-table-size can only change" \
	ip netns exec sn1 "$SVCADM" config set maglev-table-size 131071
check_fails "a seed of 15 bytes" "32 hex digits" \
	ip netns exec sn1 "$SVCADM" config set hash-seed 00112233445566778899aabbccddee
check_fails "kernel: a seed of 15 bytes" "error" \
	ip netns exec sn1 python3 "$NLRAW" SET_CONFIG '[[5, "nest", [[10, "bin", "00112233445566778899aabbccddee"]]]]'
check_fails "kernel: a table size that is no prime" "must be a prime" \
	ip netns exec sn4 python3 "$NLRAW" SET_CONFIG '[[5, "nest", [[12, "u32", 65522]]]]'
expect_eq "choices unchanged after the refusals" "$(choices sn1)" "$c1"
check "flush, then the seed changes" \
	bash -c "ip netns exec sn1 $SVCADM flush && ip netns exec sn1 $SVCADM config set hash-seed $OTHER maglev-table-size 131071"
for n in sn1 sn2 sn3 sn4 sn5; do ip netns del "$n"; done
