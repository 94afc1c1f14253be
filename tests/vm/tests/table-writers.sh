# Four writers change one netns's table at once. Each is a python process
# (tests/vm/nlraw.py, one netlink request per operation: svcadm would cost
# a process per change under TCG) released by a common gate, doing
# SVCVIP_WRITER_ROUNDS rounds (default 40) of:
#   - backend add, set (weight) and del on the shared service "shared",
#     each writer on its own backends (10.245.W.x), so every change of the
#     four collides with the others' on the same service's backend set
#     (the kernel builds a backend set with the per-netns lock dropped and
#     publishes it only if nobody published first, else starts over);
#   - service add/del, frontend add/del, backend add/set on its own
#     services w<W>/p<K>;
#   - contested: all four add (each with its own 2 backends) and delete the services race/0 and
#     race/1, and add and delete the frontends 10.98.2.0-2:80 on their own
#     services: per name or frontend, successful adds minus successful
#     deletes = its presence (0 or 1) in the table, with one add's content;
#   - REPLACE_SERVICE (what restore --replace sends) of the shared service
#     "rep" with its own backend sets, the last one different per writer;
#   - writers 0 and 1: REPLACE_SERVICE of "flip" (10.96.0.10:80) between
#     set A = pod1, pod2 and set B = pod3, and writers 2 and 3:
#     REPLACE_SERVICE of "same" (10.96.0.20:80, pod1-3) with the same
#     content every time, while a client connects to both without pause.
# Each writer logs every operation and its errno. Afterwards `svcadm save`
# must equal the model computed from the successful operations (applied
# per writer, in order: apart from race/*, whose counts are checked, the
# objects writers share change only by their own backends, and "flip" ends
# with set A from both), "rep" must be one writer's last replace (the
# globally last replace is its writer's last), every uncontested operation
# must have succeeded, and the client must have seen both sets of flip,
# only pods, and no connection refused, timed out or slower than 1 s (a
# resent SYN) on either service.
# Breaks that fail it: publishing a backend change without the "did
# another writer publish first" test (lost updates: model differs), a
# replace published in two steps (empty set, then the new one: refused
# connections), NEW_SERVICE succeeding over an existing name (race/*
# counts). Dropping the per-netns lock from NEW_SERVICE or NEW_FRONTEND
# alone was NOT caught: the window between the name/key check and the
# link is short, and a transient duplicate leaves adds - deletes intact.
. "$SVCVIP_TOP/tests/vm/lib.sh"

ROUNDS=${SVCVIP_WRITER_ROUNDS:-40}
NRACE=2	# backends of each contested service
module_load
node_create node
pods_create node pod1,10.244.0.11,fd00:244::11 pod2,10.244.0.12,fd00:244::12 \
	pod3,10.244.0.13,fd00:244::13 client,10.244.0.100,fd00:244::100
for i in 1 2 3; do
	serve "pod$i" tcp 8080 "pod$i"
done
# cluster-ips-check: a cluster IP found without its service is refused at
# once instead of going out untranslated
in_ns node "$SVCADM" restore <<'END' || die "initial table"
config set service-cidrs 10.96.0.0/16
service add shared proto tcp
frontend add shared clusterip 10.96.1.1:80
service add rep proto tcp
frontend add rep clusterip 10.96.3.1:80
backend add rep 10.248.0.1:8080
service add flip proto tcp
frontend add flip clusterip 10.96.0.10:80
backend add flip 10.244.0.11:8080
backend add flip 10.244.0.12:8080
service add same proto tcp
frontend add same clusterip 10.96.0.20:80
backend add same 10.244.0.11:8080
backend add same 10.244.0.12:8080
backend add same 10.244.0.13:8080
service add anchor proto tcp
frontend add anchor clusterip 10.96.0.10:81
frontend add anchor clusterip 10.96.0.20:81
backend add anchor 10.244.0.13:8080
END
# the initial table, for the model
initial=$(in_ns node "$SVCADM" save) || die "save"

dir=$(mktemp -d)
cat > "$dir/writer.py" <<'PY'
import json, socket, sys, time
sys.path.insert(0, sys.argv[1])
import nlraw
w, rounds, gate, logf = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
NRACE = int(sys.argv[6])
g = nlraw.Genl()
log = open(logf, "w")

def fe(a, port):
    return [0, "nest", [[1, "u8", 1], [2, "u16", 2],
                        [3, "bin", socket.inet_aton(a).hex()], [4, "u16", port]]]

def be(a, port, weight=None):
    n = [[1, "u16", 2], [2, "bin", socket.inet_aton(a).hex()], [3, "u16", port]]
    if weight is not None:
        n.append([4, "u32", weight])
    return [0, "nest", n]

def op(kind, name, fes=None, bes=None, fe1=None, be1=None, contested=False):
    """one request; logged with what the model needs"""
    s = [[1, "str", name], [2, "u8", 6]]
    if fes is not None:
        s.append([8, "nest", [fe(*f) for f in fes]])
    if bes is not None:
        s.append([9, "nest", [be(*b) for b in bes]])
    attrs = [[2, "nest", s if kind in ("NEW_SERVICE", "REPLACE_SERVICE")
              else [[1, "str", name]]]]
    if fe1 is not None:
        attrs.append([3, "nest", fe(*fe1)[2]])
    if be1 is not None:
        attrs.append([4, "nest", be(*be1)[2]])
    err, msg, _ = g.request(kind, nlraw.encode(attrs))
    log.write(json.dumps({"w": w, "op": kind, "name": name, "fes": fes,
                          "bes": ["race", w] if bes is RACE else bes, "fe": fe1, "be": be1, "err": err,
                          "msg": msg, "contested": contested}) + "\n")
    return err

A = [("10.244.0.11", 8080), ("10.244.0.12", 8080)]
B = [("10.244.0.13", 8080)]
ALL = A + B
own = "w%d/own" % w
# a contested service is large (its Maglev table takes the kernel a while
# to build), so the four writers' adds of it overlap in the kernel
RACE = [("10.%d.%d.%d" % (100 + w, i // 256, i % 256), 8080) for i in range(NRACE)]
while True:
    try:
        open(gate).close()
        break
    except OSError:
        time.sleep(0.01)
op("NEW_SERVICE", own, fes=[("10.97.%d.200" % w, 80)], bes=[("10.249.%d.1" % w, 8080)])
for r in range(rounds):
    last = r == rounds - 1
    # the shared service's backend set, own backends
    b = "10.245.%d.%d" % (w, r)
    op("NEW_BACKEND", "shared", be1=(b, 8080))
    op("SET_BACKEND", "shared", be1=(b, 8080, r % 7 + 2))
    if r % 3 == 2:
        op("DEL_BACKEND", "shared", be1=("10.245.%d.%d" % (w, r - 1), 8080))
    # own services: add, grow, shrink, delete, add again ...
    k, phase = r % 4, (r // 4) % 4
    p = "w%d/p%d" % (w, k)
    if phase == 0:
        op("NEW_SERVICE", p, fes=[("10.97.%d.%d" % (w, k), 80)],
           bes=[("10.247.%d.%d" % (w, r), 8080)])
    elif phase == 1:
        op("NEW_FRONTEND", p, fe1=("10.97.%d.%d" % (w, 100 + r), 81))
        op("NEW_BACKEND", p, be1=("10.247.%d.%d" % (w, 100 + r), 8080))
    elif phase == 2:
        op("DEL_FRONTEND", p, fe1=("10.97.%d.%d" % (w, k), 80))
        op("SET_BACKEND", p, be1=("10.247.%d.%d" % (w, r - 8), 8080, 5))
    else:
        op("DEL_SERVICE", p)
    # contested: one winner each
    for j in range(2):
        op("NEW_SERVICE", "race/%d" % j, bes=RACE, contested="toggle")
        op("DEL_SERVICE", "race/%d" % j, contested="toggle")
    for j in range(3):
        op("NEW_FRONTEND", own, fe1=("10.98.2.%d" % j, 80), contested="toggle")
        op("DEL_FRONTEND", own, fe1=("10.98.2.%d" % j, 80), contested="toggle")
    # the shared replaced service; the last replace differs per writer
    rb = [("10.248.9.%d" % w, 8080)] if last else \
        [("10.248.%d.%d" % (r % 2, i), 8080) for i in range(1 + r % 3)]
    op("REPLACE_SERVICE", "rep", fes=[("10.96.3.1", 80)], bes=rb)
    # under traffic: whole backend sets, or the same content again
    if w < 2:
        for s in ((A, B) if not last else (B, A)):
            op("REPLACE_SERVICE", "flip", fes=[("10.96.0.10", 80)], bes=s)
    else:
        for _ in range(2):
            op("REPLACE_SERVICE", "same", fes=[("10.96.0.20", 80)], bes=ALL)
log.close()
PY

cat > "$dir/check.py" <<'PY'
import json, sys
NRACE = int(sys.argv[1])
initial, saved, logs = sys.argv[2], sys.argv[3], sys.argv[4:]
def parse(path):
    svcs = {}
    for line in open(path):
        f = line.split()
        if len(f) < 4 or f[1] != "add":
            continue
        if f[0] == "service":
            svcs[f[2]] = {"fes": set(), "bes": {}, "line": " ".join(f[3:])}
        elif f[0] == "frontend":
            svcs[f[2]]["fes"].add(" ".join(f[3:]))
        elif f[0] == "backend":
            w = f[f.index("weight") + 1] if "weight" in f else "1"
            svcs[f[2]]["bes"][f[3]] = w
    return svcs
model = parse(initial)
got = parse(saved)
DEFAULT = "proto tcp scheduler maglev internal-policy cluster external-policy cluster"
ops = [json.loads(l) for p in logs for l in open(p)]
def race_bes(w):
    return [("10.%d.%d.%d" % (100 + w, i // 256, i % 256), 8080) for i in range(NRACE)]
for o in ops:
    if o["bes"] and o["bes"][0] == "race":
        o["bes"] = race_bes(o["bes"][1])
res = []
def result(name, ok, detail=""):
    print(("ok - %s" % name) if ok else ("not ok - %s # %s" % (name, detail)))
# uncontested operations must all succeed
bad = [o for o in ops if o["err"] and not o["contested"]]
result("%d operations of 4 writers, every uncontested one succeeded" % len(ops),
       not bad, "; ".join("w%d %s %s: %d %s" % (o["w"], o["op"], o["name"], o["err"], o["msg"]) for o in bad[:4]))
# contested services: all four add and delete race/0 and race/1; a
# name's successful adds minus dels is its presence now, with the content
# of one writer's add
tog = {}
for o in ops:
    if o["contested"] == "toggle" and o["name"].startswith("race/"):
        t = tog.setdefault(o["name"], [0, 0, 0])
        if not o["err"]:
            t[0 if o["op"] == "NEW_SERVICE" else 1] += 1
        elif o["err"] not in (2, 17):
            t[2] += 1
contents = [{"line": DEFAULT, "fes": set(),
             "bes": {"%s:%d" % tuple(b): "1" for b in race_bes(w)}}
            for w in range(4)]
wrong = []
for n, t in sorted(tog.items()):
    if t[0] - t[1] != (n in got) or t[2] or (n in got and got[n] not in contents):
        wrong.append("%s: %d adds, %d dels, %d odd errors, in the table: %s" %
                     (n, t[0], t[1], t[2], n in got))
result("toggled services: %s successful adds; adds - dels = presence, content of one add"
       % "/".join(str(t[0]) for _, t in sorted(tog.items())), tog and not wrong,
       "; ".join(wrong)[:300])
for n in tog:
    got.pop(n, None)
# toggled: all four add and delete the same frontends on their own
# services; each key's successful adds minus dels is its holders now (0 or 1)
tog = {}
for o in ops:
    if o["contested"] == "toggle" and o["op"].endswith("_FRONTEND"):
        k = "clusterip %s:%d" % tuple(o["fe"])
        t = tog.setdefault(k, [0, 0, 0])
        if not o["err"]:
            t[0 if o["op"] == "NEW_FRONTEND" else 1] += 1
        elif o["err"] not in (2, 17):
            t[2] += 1
held = {k: sum(k in s["fes"] for s in got.values()) for k in tog}
wrong = ["%s: %d adds, %d dels, %d odd errors, %d holders" % (k, t[0], t[1], t[2], held[k])
         for k, t in sorted(tog.items()) if t[0] - t[1] != held[k] or held[k] > 1 or t[2]]
result("toggled frontends: %s successful adds; adds - dels = holders in the table"
       % "/".join(str(t[0]) for _, t in sorted(tog.items())), tog and not wrong, "; ".join(wrong))
# the model: each writer's successful operations in its order
lastrep = {}
for o in ops:
    if o["err"] or o["name"].startswith("race/"):
        continue
    n = o["name"]
    fel = lambda f: "clusterip %s:%d" % (f[0], f[1])
    if o["op"] in ("NEW_SERVICE", "REPLACE_SERVICE"):
        model[n] = {"line": DEFAULT, "fes": set(fel(f) for f in o["fes"]),
                    "bes": {"%s:%d" % (b[0], b[1]): "1" for b in o["bes"]}}
        if n == "rep":
            lastrep[o["w"]] = dict(model[n], fes=set(model[n]["fes"]))
    elif o["op"] == "DEL_SERVICE":
        del model[n]
    elif o["op"] == "NEW_FRONTEND":
        model[n]["fes"].add(fel(o["fe"]))
    elif o["op"] == "DEL_FRONTEND":
        model[n]["fes"].discard(fel(o["fe"]))
    elif o["op"] == "NEW_BACKEND":
        model[n]["bes"]["%s:%d" % (o["be"][0], o["be"][1])] = "1"
    elif o["op"] == "SET_BACKEND":
        model[n]["bes"]["%s:%d" % (o["be"][0], o["be"][1])] = str(o["be"][2])
    elif o["op"] == "DEL_BACKEND":
        del model[n]["bes"]["%s:%d" % (o["be"][0], o["be"][1])]
# rep: any writer's last replace
reps = list(lastrep.values())
result("rep is one writer's last replace (of %d)" % len(reps),
       got.get("rep") in reps and len(reps) == 4, "got %s" % got.get("rep"))
model.pop("rep", None); got.pop("rep", None)
diff = []
for n in sorted(set(model) | set(got)):
    if model.get(n) != got.get(n):
        diff.append("%s: model %s, table %s" % (n, model.get(n), got.get(n)))
nbe = len(model.get("shared", {}).get("bes", {}))
result("table equals the model of the successful operations (%d services, shared has %d backends)"
       % (len(model), nbe), not diff and nbe > 0, "; ".join(diff[:3]))
PY

gate=$dir/gate
cmd=
for w in 0 1 2 3; do
	cmd+="python3 $dir/writer.py ${NLRAW%/*} $w $ROUNDS $gate $dir/log.$w $NRACE & "
done
cflip=$dir/flip cs=$dir/same
ip netns exec client "$VIPCHECK" connect --proto tcp --addr 10.96.0.10 --port 80 \
	--count 100000000 --parallel 2 --interval-ms 2 --timeout-ms 5000 --rst -v \
	> "$cflip" 2>&1 &
p1=$!
ip netns exec client "$VIPCHECK" connect --proto tcp --addr 10.96.0.20 --port 80 \
	--count 100000000 --parallel 1 --interval-ms 2 --timeout-ms 5000 --rst -v \
	> "$cs" 2>&1 &
p2=$!
# start the writers (python needs ~1 s each), then open the gate
t0=$(date +%s%N)
in_ns node sh -c "$cmd sleep 3; : > $gate; wait" || fail "writers ran" "exit $?"
t1=$(date +%s%N)
kill -TERM $p1 $p2
wait $p1 $p2
echo "writers: $(( (t1 - t0) / 1000000 )) ms (3 s of it before the gate) for $(cat "$dir"/log.* | wc -l) operations"

in_ns node "$SVCADM" save > "$dir/saved" || fail "save after the writers" "exit $?"
echo "$initial" > "$dir/initial"
out=$(python3 "$dir/check.py" "$NRACE" "$dir/initial" "$dir/saved" "$dir"/log.* 2>&1)
echo "$out"
n=0
while IFS= read -r line; do
	case $line in
	"ok - "*) pass "${line#ok - }"; n=$((n + 1)) ;;
	"not ok - "*) line=${line#not ok - }; fail "${line%% # *}" "${line#* # }"; n=$((n + 1)) ;;
	esac
done <<< "$out"
[ $n -eq 5 ] || fail "model check ran" "$out"

flips=$(grep -c '"op": "REPLACE_SERVICE", "name": "flip".*"err": 0' "$dir"/log.*| awk -F: '{ s += $2 } END { print s + 0 }')
for f in flip same; do
	o=$(grep -v '^attempt ' "$dir/$f")
	slow=$(awk '$1 == "attempt" && $3 == "ok" && $NF >= 1000' "$dir/$f" | wc -l)
	echo "$f: $(tr '\n' ' ' <<<"$o")slow $slow"
	tot=$(( $(count_of "$o" pod1) + $(count_of "$o" pod2) + $(count_of "$o" pod3) ))
	expect_eq "$f: every answer from a pod" "$tot" "$(stat_of "$o" ok)"
	expect_eq "$f: no connection refused" "$(stat_of "$o" refused)" 0
	expect_eq "$f: no connection timed out" "$(stat_of "$o" timeout)" 0
	expect_eq "$f: no connection failed otherwise" "$(stat_of "$o" error)" 0
	expect_eq "$f: no connection took 1 s or more (a SYN resent)" "$slow" 0
done
o=$(grep -v '^attempt ' "$dir/flip")
expect_range "flip: $flips replaces; set B (pod3) answered" "$(count_of "$o" pod3)" 1 100000000
expect_range "flip: set A (pod1, pod2) answered" \
	"$(( $(count_of "$o" pod1) + $(count_of "$o" pod2) ))" 1 100000000
expect_range "flip: at least 100 replaces under traffic" "$flips" 100 100000
o=$(grep -v '^attempt ' "$dir/same")
expect_range "same: answered by all three pods" \
	"$(( ($(count_of "$o" pod1) > 0) + ($(count_of "$o" pod2) > 0) + ($(count_of "$o" pod3) > 0) ))" 3 3
rm -rf "$dir"
