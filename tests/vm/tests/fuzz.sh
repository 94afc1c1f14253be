# Netlink fuzzing (tests/fuzz/nlfuzz.py): senders in their own netns and
# two in the initial netns send valid and broken messages of every command
# at once; a rejected message must leave the table exactly as it was, and
# what the racing blasters leave in the initial netns must be a table
# (counts agree, restored elsewhere it saves the same), and
# the kernel must answer each one. The suite's kernel-log scan afterwards
# catches splats. SVCVIP_FUZZ_COUNT messages in all (make fuzz: 100,000),
# SVCVIP_FUZZ_SEED to repeat a run (the seed is in the summary line),
# SVCVIP_FUZZ_LOG: a file for the fuzzer's whole report.
. "$SVCVIP_TOP/tests/vm/lib.sh"

module_load
out=$(python3 "$TOP/tests/fuzz/nlfuzz.py" --count "${SVCVIP_FUZZ_COUNT:-2000}" \
	${SVCVIP_FUZZ_SEED:+--seed "$SVCVIP_FUZZ_SEED"} 2>&1)
rc=$?
echo "$out"
[ -z "${SVCVIP_FUZZ_LOG:-}" ] || echo "$out" > "$SVCVIP_FUZZ_LOG"
n=0
while IFS= read -r line; do
	case $line in
	"ok - "*) pass "${line#ok - }"; n=$((n + 1)) ;;
	"not ok - "*)
		line=${line#not ok - }
		fail "${line%% # *}" "$(echo "$out" |
			grep -E '^# (violation|hang|no extack|  )' | head -n 8)"
		n=$((n + 1)) ;;
	esac
done <<< "$out"
if [ $n -eq 0 ] || { [ $rc -ne 0 ] && ! echo "$out" | grep -q '^not ok - '; }
then
	fail "nlfuzz ran" "exit $rc: $(echo "$out" | tail -n 5)"
fi

# The blasters' table (the initial netns), which no model can predict:
# what they left must be a table, readable, with GET_INFO's counts equal to
# the dump's, and restored into a fresh netns it must save the same.
save=$(mktemp) again=$(mktemp)
if ! svcadm save > "$save" 2>&1; then
	fail "blasters' table: saved" "$(head -c 300 "$save")"
else
	pass "blasters' table: saved ($(grep -c '^service add' "$save") services)"
	read -r _ s _ f _ b <<<"$(svcadm version | grep '^services ')"
	expect_eq "blasters' table: GET_INFO counts equal the dump's" \
		"$s $f $b" "$(grep -c '^service add' "$save") $(grep -c '^frontend add' "$save") $(grep -c '^backend add' "$save")"
	ip netns add fuzzcopy || die "netns fuzzcopy"
	if out=$(in_ns fuzzcopy "$SVCADM" restore < "$save" 2>&1) &&
	   in_ns fuzzcopy "$SVCADM" save > "$again" 2>&1; then
		check "blasters' table: restored elsewhere, it saves the same" \
			diff "$save" "$again"
	else
		fail "blasters' table: restored elsewhere, it saves the same" "$out"
	fi
fi
rm -f "$save" "$again"
