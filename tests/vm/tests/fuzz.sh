# Netlink fuzzing (tests/fuzz/nlfuzz.py): senders in their own netns and
# two in the initial netns send valid and broken messages of every command
# at once; a rejected message must leave the table exactly as it was, and
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
