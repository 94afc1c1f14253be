#!/usr/bin/env python3
"""bench/report.py OUTDIR [DOC]: docs/benchmarks.md (or DOC) from
OUTDIR/results.csv (bench/guest.sh), with the plots (gnuplot, PNG) and the
raw results (CSV and JSON) in docs/bench/. Every cell is the median of the
runs with their spread (min-max); a ratio against a floor is the median of
the per-run ratios (run r of a mode beside run r of the floor)."""
import collections
import csv
import json
import os
import re
import shutil
import statistics
import subprocess
import sys

MODES = ["svcvip", "iptables", "nftables", "ipvs"]


def load(path):
    rows = collections.defaultdict(dict)	# (sec, mode, n, metric) -> {run: v}
    with open(path) as f:
        for r in csv.DictReader(f):
            rows[(r["section"], r["mode"], int(r["n"]), r["metric"])][
                int(r["run"])] = r["value"]
    return rows


def nums(d):
    out = []
    for v in d.values():
        try:
            out.append(float(v))
        except ValueError:
            pass
    return out


def cell(rows, key, fmt="{:.3g}"):
    d = rows.get(key)
    if not d:
        return "-"
    if any(v == "cap" for v in d.values()):
        return "> cap"
    if any(v == "fail" for v in d.values()):
        return "failed"
    if any(v == "skip" for v in d.values()):
        return "not run (load)"
    v = nums(d)
    if not v:
        return "-"
    m = statistics.median(v)
    if len(v) == 1:
        return fmt.format(m)
    return f"{fmt.format(m)} ({fmt.format(min(v))}–{fmt.format(max(v))})"


def median(rows, key):
    v = nums(rows.get(key, {}))
    return statistics.median(v) if v else None


def paired_ratio(rows, a, b):
    """median over runs of a[r] / b[r]"""
    da, db = rows.get(a, {}), rows.get(b, {})
    rs = []
    for r, va in da.items():
        try:
            x, y = float(va), float(db[r])
        except (KeyError, ValueError):
            continue
        if y > 0:
            rs.append(x / y)
    return statistics.median(rs) if rs else None


def worst_vs_static(rows, sec, suffix):
    """svcvip's lowest paired ratio to its static floor in SEC:
    (ratio, n, metric), or None"""
    worst = None
    for k in rows:
        if k[0] == sec and k[1] == "svcvip" and k[3].endswith(suffix):
            r = paired_ratio(rows, k, (sec, "static:svcvip", k[2], k[3]))
            if r is not None and (worst is None or r < worst[0]):
                worst = (r, k[2], k[3])
    return worst


def mem_split(rows, mode):
    """(bytes per service, per backend) from N services x 1 and x 10
    backends, or None"""
    r = mem_split_n(rows, mode)
    return r and r[:2]


def mem_split_n(rows, mode):
    """(per service, per backend, N): the largest N measured with both
    loads (a load past the cap leaves only "cap" rows at its N)"""
    for n in sorted({k[2] for k in rows if k[0] == "memory" and
                     k[1] == mode}, reverse=True):
        m1 = median(rows, ("memory", mode, n, "bytes-b1"))
        m10 = median(rows, ("memory", mode, n, "bytes-b10"))
        if m1 is not None and m10 is not None:
            pb = (m10 - m1) / (9 * n)
            return m1 / n - pb, pb, n
    return None


def net_of_exec(rows, k):
    """median change less the median start of the tool, seconds"""
    c = median(rows, k + ("seconds",))
    e = median(rows, k + ("exec-seconds",))
    if c is None or e is None:
        return "-"
    return f"{c - e:.4f}"


def small_delay(rows, mode, big):
    """smallchange: how much longer the small service's change took while
    the big one's ran, less how much longer the tool took to start then
    (seconds), or None"""
    k = ("smallchange", mode, big)
    a, d = median(rows, k + ("alone",)), median(rows, k + ("during",))
    ea, ed = median(rows, k + ("exec-seconds",)), median(rows, k + ("exec-during",))
    if None in (a, d, ea, ed):
        return None
    return (d - ed) - (a - ea)


PERF_LINE = re.compile(r"^\s*([\d.]+)%\s+(\S+)\s+\[(\w)\]\s+(\S+)")
# which samples are a mode's own rule engine, by module (Debian builds
# netfilter as modules) or by symbol prefix (perf in the guest may put a
# module's symbols under [kernel.kallsyms], as it did svcvip_nat_dst)
ENGINE = {
    "svcvip": lambda dso, sym: dso == "[svcvip]" or sym.startswith("svcvip_"),
    "iptables": lambda dso, sym: dso.startswith(
        ("[x_tables]", "[ip_tables]", "[ip6_tables]", "[iptable_",
         "[ip6table_", "[xt_", "[nft_compat]", "[nf_tables]", "[nft_")) or
    sym.startswith(("ipt_", "ip6t_", "xt_", "nft_", "nf_tables")),
    "nftables": lambda dso, sym: dso.startswith(("[nf_tables]", "[nft_")) or
    sym.startswith(("nft_", "nf_tables")),
    "ipvs": lambda dso, sym: dso.startswith("[ip_vs") or sym.startswith("ip_vs"),
}
ENGINE["static"] = ENGINE["nftables"]	# the floor is one nft DNAT rule
# conntrack and NAT, whichever engine asked for them (netfilter's generic
# hook runner, nf_hook_slow, belongs to neither)
CT_NAT_DSO = ("[nf_conntrack]", "[nf_nat]", "[nf_defrag_ipv4]",
              "[nf_defrag_ipv6]")
CT_NAT = ("nf_conntrack", "nf_ct_", "__nf_ct", "nf_nat", "__nf_nat",
          "nf_confirm", "__nf_conntrack", "hash_conntrack", "init_conntrack",
          "resolve_normal_ct", "ipv4_conntrack", "ipv6_conntrack",
          "nf_xfrm")


def perf_profile(path):
    """[(percent, dso, symbol)] from a perf-*.txt"""
    out = []
    for line in open(path, errors="replace"):
        m = PERF_LINE.match(line)
        if m:
            out.append((float(m.group(1)), m.group(2), m.group(4)))
    return out


def perf_shares(prof, engine):
    """(the mode's engine %, conntrack + NAT %, the top non-idle symbol)"""
    eng = sum(p for p, d, sym in prof if engine(d, sym))
    ct = sum(p for p, d, sym in prof
             if d in CT_NAT_DSO or sym.startswith(CT_NAT))
    top = next((f"{sym} {p:.1f} %" for p, d, sym in prof
                if "idle" not in sym and "halt" not in sym), "-")
    return eng, ct, top


def syncd_figures(path):
    """bench/syncd-scale.sh's figures.txt: {key: value}; each line is
    KEY VALUE pairs (the "changes" line: the word, then the driver's)"""
    f = {}
    for line in open(path, errors="replace"):
        t = line.split()
        driver = len(t) > 2 and t[0] == "changes" and t[1] == "changes"
        if driver:
            t = t[1:]
        for k, v in zip(t[::2], t[1::2]):
            if driver:	# the driver's count, not the planned one
                f[k] = v
            else:
                f.setdefault(k, v)
    return f


def fmt_ratio(x):
    return "-" if x is None else f"{x:.3f}"


def table_head(w, *cols):
    """a markdown table's header row and rule"""
    w("| " + " | ".join(cols) + " |")
    w("|" + "---|" * len(cols))


def sizes(rows, sec):
    return sorted({k[2] for k in rows if k[0] == sec and k[1] != "info"})


def plot(out_png, title, ylabel, series, logx=True, logy=False):
    """series: {name: [(x, y)]}; PNG through gnuplot (skipped without it)"""
    if not shutil.which("gnuplot"):
        return False
    dat = out_png[:-4] + ".dat"
    with open(dat, "w") as f:
        for name, pts in series.items():
            f.write(f'"{name}"\n')
            for x, y in pts:
                f.write(f"{x} {y}\n")
            f.write("\n\n")
    cmds = [
        "set terminal pngcairo size 800,500",
        f'set output "{out_png}"', f'set title "{title}"',
        f'set ylabel "{ylabel}"', 'set xlabel "services (N)"',
        "set key outside right", "set grid"]
    if logx:
        cmds.append("set logscale x")
    if logy:
        cmds.append("set logscale y")
    plots = [f'"{dat}" index {i} using 1:2 with linespoints title "{n}"'
             for i, n in enumerate(series)]
    cmds.append("plot " + ", ".join(plots))
    subprocess.run(["gnuplot"], input="\n".join(cmds), text=True, check=True)
    os.unlink(dat)
    return True


def main():
    outdir = sys.argv[1]
    doc = sys.argv[2] if len(sys.argv) > 2 else "docs/benchmarks.md"
    rows = load(os.path.join(outdir, "results.csv"))
    figdir = os.path.join(os.path.dirname(doc) or ".", "bench")
    os.makedirs(figdir, exist_ok=True)
    for f in ("results.csv", "runs.txt", "guest.log"):	# raw, and how
        if os.path.exists(os.path.join(outdir, f)):
            shutil.copy(os.path.join(outdir, f), os.path.join(figdir, f))
    with open(os.path.join(figdir, "results.json"), "w") as f:
        json.dump([{"section": k[0], "mode": k[1], "n": k[2], "metric": k[3],
                    "runs": v} for k, v in sorted(rows.items())], f, indent=1)
    host = "; ".join(open(os.path.join(outdir, "host.txt")).read().split("\n")
                     ).strip("; ") \
        if os.path.exists(os.path.join(outdir, "host.txt")) else "?"
    guests = []	# one line per boot
    glog = os.path.join(outdir, "guest.log")
    if os.path.exists(glog):
        for line in open(glog, errors="replace"):
            if line.startswith("bench: kernel"):
                guests.append(line[len("bench: "):].strip())
    modes = [m for m in MODES if any(k[1] == m for k in rows)]
    L = []
    w = L.append
    w("# svcvip benchmarks: against kube-proxy's iptables, nftables and IPVS")
    w("")
    w("Generated by `make bench` (`bench/run`, `bench/guest.sh`, "
      "`bench/report.py`); the rule sets come from `bench/rulegen.py`, "
      "whose output `make bench-smoke` (also in `make check`) checks with "
      "traffic. Raw results: [bench/results.csv](bench/results.csv), "
      "[bench/results.json](bench/results.json).")
    w("")
    w(f"- Machine: {host}")
    for g in guests or ["?"]:
        w(f"- Guest: {g}")
    w("- QEMU TCG is software emulation: absolute figures are far below "
      "hardware; the ratios between modes measured in the same guest are "
      "the result. The rates (new connections, established traffic) are "
      "measured in an icount guest, whose clock counts instructions: a "
      "rate there is a CPU cost that the host's load cannot skew, with "
      "the client, the node and the pods sharing its one CPU.")
    w("- Each cell: median of the runs, (min–max) beside it. The floors "
      "(the client to the pod directly, and one static nft DNAT rule: "
      "conntrack + NAT alone) run in a twin node netns, interleaved run by "
      "run with each mode; a ratio is the median of the per-run ratios.")
    w("")

    # the reading of these results, written by whoever ran them (kept
    # beside the raw results: a rerun replaces the tables, not it)
    notes = os.path.join(figdir, "notes.md")
    if os.path.exists(notes):
        w("## What these results say")
        w("")
        w(open(notes).read().strip())
        w("")

    # 1. programming
    w("## 1. Programming: full load of N services x 10 backends (seconds)")
    w("")
    table_head(w, "N", *modes, "fastest peer / svcvip")
    series = {}
    for n in sizes(rows, "load"):
        cells = [cell(rows, ("load", m, n, "seconds")) for m in modes]
        sv = median(rows, ("load", "svcvip", n, "seconds"))
        peers = [median(rows, ("load", m, n, "seconds"))
                 for m in modes if m != "svcvip"]
        peers = [p for p in peers if p]
        capped = [m for m in modes if m != "svcvip" and
                  "cap" in rows.get(("load", m, n, "seconds"), {}).values()]
        cap = median(rows, ("load", "info", 0, "cap-seconds")) or 300
        sp = "-"
        if sv and peers and (not capped or min(peers) < cap):
            sp = f"{min(peers) / sv:.1f}x"
        elif sv and capped:	# every peer that finished took longer
            sp = f"> {cap / sv:.1f}x"
        w(f"| {n} | " + " | ".join(cells) + f" | {sp} |")
        for m in modes:
            v = median(rows, ("load", m, n, "seconds"))
            if v:
                series.setdefault(m, []).append((n, v))
    w("")
    if series and plot(os.path.join(figdir, "load.png"),
                       "full load of N services x 10 backends", "seconds",
                       series, logy=True):
        w("![programming time against N](bench/load.png)")
        w("")

    # 2. changes
    w("## 2. One endpoint change (seconds)")
    w("")
    w("Each mode's partial sync: svcvip one `backend del` + `backend add` "
      "(svcadm restore); iptables kube-proxy's `--noflush` restore (the "
      "changed service's chains and KUBE-SERVICES, which it always "
      "rewrites whole); nftables the changed service's chains; IPVS "
      "`ipvsadm -d` + `-a`.")
    w("")
    table_head(w, "change", *modes)
    for sec, label in (("change", "in a table of N services x 10"),
                       ("bigchange", "in one service of 10,000 backends")):
        for n in sizes(rows, sec):
            w(f"| {label} (N = {n}) | " + " | ".join(
                cell(rows, (sec, m, n, "seconds"), "{:.4f}") for m in modes)
              + " |")
            w(f"| the same less the tool's start (N = {n}) | " + " | ".join(
                net_of_exec(rows, (sec, m, n)) for m in modes) + " |")
            if (sec, "svcvip", n, "netlink-ms") in rows:
                w(f"| one netlink request from a running process, ms "
                  f"median / p99 (N = {n}) | "
                  + " | ".join(
                      f"{cell(rows, (sec, m, n, 'netlink-ms'), '{:.1f}')} / "
                      f"{cell(rows, (sec, m, n, 'netlink-p99-ms'), '{:.1f}')}"
                      if m == "svcvip" else "-" for m in modes) + " |")
    w("")
    if any(k[3] == "netlink-ms" for k in rows):
        w("The netlink row is svcvip's change as svcsyncd sends it: one "
          "request per endpoint added, its weight set, or removed, "
          "from one running process (`tests/vm/schedbench.py churn`, 30 "
          "requests a run to another service each run; each cell the "
          "median of the runs' medians and p99s, min–max beside them).")
        w("")
    w("Each change runs the mode's tool once (svcadm restore, "
      "iptables-restore, nft -f, ipvsadm -R), as kube-proxy runs "
      "iptables-restore and nft for every sync; under TCG starting a "
      "process costs about 0.2 s, so the second row subtracts the median "
      "start of the same tool doing nothing (svcadm version, an empty "
      "restore or -f /dev/null). svcsyncd and kube-proxy's IPVS mode talk "
      "netlink from a running process and pay no start; `sched-update-cost` "
      "in `make check` times svcvip's change in-process (median <= 10 ms at "
      "10,000 backends).")
    w("")

    # 2b. a small service's change while a big one changes
    sc = sizes(rows, "smallchange")
    if sc:
        big = sc[0]
        w("### A small service's change while a big one changes")
        w("")
        w(f"Two services, one of {big} backends and one of 10; one endpoint "
          "change of the small one, alone, then while the big one's "
          "changes run back to back (a rolling update's partial syncs). "
          "Seconds, median (min–max). Every change is a process (as "
          "kube-proxy's restores are), and under TCG the big one's "
          "processes slow any process start in the 2-CPU guest, so "
          "\"delay\" is the difference of the medians less the same "
          "difference for the tool started to do nothing (alone, and "
          "between the changes during the big one's): what the change "
          "itself waited. \"big changes\": how many of the big one's ran "
          "in the window (failed ones in brackets).")
        w("")
        w("| mode | alone | during the big one's changes | delay | "
          "big changes |")
        w("|---|---|---|---|---|")
        for m in modes:
            ka = ("smallchange", m, big, "alone")
            kd = ("smallchange", m, big, "during")
            if ka not in rows:
                continue
            delay = small_delay(rows, m, big)
            delay = "-" if delay is None else f"{delay:+.4f}"
            nb = median(rows, ("smallchange", m, big, "big-changes"))
            nf = median(rows, ("smallchange", m, big, "big-failed"))
            win = median(rows, ("smallchange", m, big, "big-window"))
            bc = "-" if nb is None else (
                f"{nb:.0f} in {win:.1f} s" + (f" ({nf:.0f})" if nf else ""))
            w(f"| {m} | {cell(rows, ka, '{:.4f}')} | "
              f"{cell(rows, kd, '{:.4f}')} | {delay} | {bc} |")
        w("")
        k = ("smallchange", "svcvip", big)
        if k + ("netlink-during-ms",) in rows:
            w("svcvip's small-service change as svcsyncd sends it: one "
              "netlink request from a running process (a weight set, as "
              "fast as one process can send them), alone and while another "
              "process changes the big service back to back (30 requests a "
              "run: an endpoint added, its weight set, removed; "
              "`tests/vm/schedbench.py churn --small`, as "
              "`sched-update-cost` in `make check`). Milliseconds, the "
              "median of the runs' medians and p99s (min–max).")
            w("")
            w("| | alone | during the big one's changes | "
              "the big one's changes |")
            w("|---|---|---|---|")
            for lab, suf in (("median", "-ms"), ("p99", "-p99-ms")):
                big_cell = (cell(rows, k + ("netlink-big-ms",), "{:.1f}")
                            if suf == "-ms" else "-")
                w(f"| {lab} | "
                  f"{cell(rows, k + ('netlink-alone' + suf,), '{:.1f}')} | "
                  f"{cell(rows, k + ('netlink-during' + suf,), '{:.1f}')} | "
                  f"{big_cell} |")
            w("")
    # 3. new connections
    w("## 3. New connections per second and latency")
    w("")
    w("Short connections from the client pod (vipcheck connect, 4 workers: "
      "TCP connect + one answer + close; UDP one request/response on a "
      "fresh socket) to the last service programmed (iptables' worst case) "
      "and to one at 37 % of the table, with N services programmed "
      "(fillers with 5 synthetic backends each). Ratio: to the static "
      "DNAT floor run beside it.")
    w("")
    conn_series = {}
    for pr in ("tcp", "udp"):
        for which in ("last", "random"):
            w(f"### {pr.upper()}, {which} service")
            w("")
            w("| N | mode | conn/s | / static DNAT | p50 us | p99 us | "
              "static DNAT p50 / p99 us |")
            w("|---|---|---|---|---|---|---|")
            for n in sizes(rows, "conn"):
                for m in modes:
                    k = ("conn", m, n, f"{pr}-{which}-conn/s")
                    if k not in rows:
                        continue
                    r = paired_ratio(rows, k,
                                     ("conn", f"static:{m}", n,
                                      f"{pr}-{which}-conn/s"))
                    w(f"| {n} | {m} | {cell(rows, k, '{:.0f}')} | "
                      f"{fmt_ratio(r)} | "
                      f"{cell(rows, ('conn', m, n, f'{pr}-{which}-p50us'), '{:.0f}')} | "
                      f"{cell(rows, ('conn', m, n, f'{pr}-{which}-p99us'), '{:.0f}')} | "
                      f"{median(rows, ('conn', f'static:{m}', n, f'{pr}-{which}-p50us')) or '-'} / "
                      f"{median(rows, ('conn', f'static:{m}', n, f'{pr}-{which}-p99us')) or '-'} |")
                    if pr == "tcp" and which == "last" and r:
                        conn_series.setdefault(m, []).append((n, r))
            w("")
    def setup_cell(m, n):
        if ("conn", m, n, "setup-seconds") in rows:
            return cell(rows, ("conn", m, n, "setup-seconds"), "{:.1f}")
        d = rows.get(("conn", m, n, "tcp-last-conn/s"), {})
        return cell(rows, ("conn", m, n, "tcp-last-conn/s")) \
            if d.get(0) in ("cap", "skip", "fail") else "-"
    setup = [n for n in sizes(rows, "conn")
             if any(setup_cell(m, n) != "-" for m in modes)]
    if setup:
        w("The loads that set up these runs (N services x 5 backends x TCP "
          "and UDP, seconds, one run each, in this guest). \"> cap\": past "
          "`BENCH_SETUP_CAP`; \"not run (load)\": the load at the smaller N, "
          "less the fixed part (the load at the smallest N), times the size "
          "ratio, a lower bound of its time, already passes that cap, so "
          "the rates at that N were not measured for that mode.")
        w("")
        table_head(w, "N", *modes)
        for n in setup:
            w(f"| {n} | " + " | ".join(setup_cell(m, n) for m in modes)
              + " |")
        w("")
    if conn_series and plot(os.path.join(figdir, "conn.png"),
                            "TCP new connections/s, last service, "
                            "/ static DNAT floor", "ratio", conn_series):
        w("![new connections/s against N](bench/conn.png)")
        w("")

    # 4. established
    w("## 4. Established traffic through one service")
    w("")
    w("iperf3 TCP (bit/s) and 64-byte UDP datagrams (iperf3 -u -l 64 -b 0, "
      "packets/s received) through the last of N services (one backend).")
    w("")
    w("| N | mode | TCP bit/s | / static | / direct | UDP pkt/s | / static "
      "| / direct |")
    w("|---|---|---|---|---|---|---|---|")
    for n in sizes(rows, "estab"):
        for m in modes:
            kt = ("estab", m, n, "tcp-bit/s")
            ku = ("estab", m, n, "udp-pkt/s")
            if kt not in rows:
                continue
            w(f"| {n} | {m} | {cell(rows, kt, '{:.3g}')} | "
              f"{fmt_ratio(paired_ratio(rows, kt, ('estab', f'static:{m}', n, 'tcp-bit/s')))} | "
              f"{fmt_ratio(paired_ratio(rows, kt, ('estab', f'direct:{m}', n, 'tcp-bit/s')))} | "
              f"{cell(rows, ku, '{:.3g}')} | "
              f"{fmt_ratio(paired_ratio(rows, ku, ('estab', f'static:{m}', n, 'udp-pkt/s')))} | "
              f"{fmt_ratio(paired_ratio(rows, ku, ('estab', f'direct:{m}', n, 'udp-pkt/s')))} |")
    w("")

    # 5. memory
    pc = [k for k in rows if k[0] == "memory" and k[1] == "info"]
    possible = rows[pc[0]].get(0, "?") if pc else "?"
    w(f"## 5. Kernel memory (Slab + Percpu), possible CPUs {possible}")
    w("")
    w("From loads of N services (10,000 by default) x 1 and x 10 "
      "backends: per backend = (M10 - M1) / 9N, per service = M1 / N - "
      "per backend. A mode whose load passes the cap at 10,000 is measured "
      "at 1,000. svcvip as deployed uses its default scheduler, Maglev, "
      "whose lookup table has at least 100 two-byte slots per backend "
      "(a power of two of backends, then the next prime); svcvip-rr is "
      "the same table with round robin: the service table and its "
      "counters alone.")
    w("")
    w("| mode | N | bytes per service | bytes per backend | loads past "
      "the cap |")
    w("|---|---|---|---|---|")
    mem_modes = modes + [m for m in ("svcvip-rr",)
                         if any(k[0] == "memory" and k[1] == m for k in rows)]
    for m in mem_modes:
        split = mem_split_n(rows, m)
        capped = sorted({f"N = {k[2]} x {k[3][len('bytes-b'):]}"
                         for k, d in rows.items() if k[0] == "memory" and
                         k[1] == m and d.get(0) in ("cap", "fail")})
        if split:
            w(f"| {m} | {split[2]} | {split[0]:.0f} | {split[1]:.0f} | "
              f"{', '.join(capped) or '-'} |")
        elif capped:
            w(f"| {m} | - | - | - | {', '.join(capped)} |")
    w("")
    # 8. maglev
    mg = sorted(k for k in rows if k[0] == "maglev")
    if mg:
        w("## 6. Maglev: flows that change backend when 1 of N goes")
        w("")
        w("svcvip's in-kernel selftest (`make module-selftest`) over "
          "100,000 flows; the ideal is 1/N (only the removed backend's own "
          "flows), the target at most 2/N.")
        w("")
        w("| N | flows moved | fraction | x 1/N |")
        w("|---|---|---|---|")
        for k in mg:
            v = median(rows, k)
            if v is None:
                continue
            w(f"| {k[2]} | {v:.0f} | {v / 100000:.4f} | "
              f"{v / 100000 * k[2]:.2f} |")
        w("")
    # 7. profiles
    profs = sorted(f for f in os.listdir(outdir) if f.startswith("perf-conn-")
                   and f.endswith(".txt"))
    if profs:
        for f in profs:
            shutil.copy(os.path.join(outdir, f), os.path.join(figdir, f))
        w("## 7. Where the time goes: perf at the largest N")
        w("")
        w("`perf record -a -g -e cpu-clock` inside the guest for 4 s of "
          "connection runs, back to back, through the last service at the "
          "largest N, for each mode and for its static DNAT floor beside "
          "it; the share of all samples (the client's and the pods' "
          "included) in the mode's own rule engine (svcvip.ko; x_tables, "
          "xt_* and nft_compat; nf_tables; ip_vs) and in conntrack + NAT. "
          "Full reports: docs/bench/perf-*.txt.")
        w("")
        w("| profile | engine % | conntrack + NAT % | top symbol |")
        w("|---|---|---|---|")
        for f in profs:
            name = f[len("perf-conn-"):-len(".txt")]
            mode = name.split("-")[0]
            eng = ENGINE.get(mode.split("_")[0], lambda d, s: False)
            prof = perf_profile(os.path.join(outdir, f))
            if not prof:
                w(f"| [{name}](bench/{f}) | - | - | empty |")
                continue
            e, c, top = perf_shares(prof, eng)
            w(f"| [{name}](bench/{f}) | {e:.1f} | {c:.1f} | {top} |")
        w("")
    # 8. svcsyncd
    sdir = os.path.join(outdir, "syncd")
    sf = os.path.join(sdir, "figures.txt")
    if os.path.exists(sf):
        f = syncd_figures(sf)
        for src, dst in (("figures.txt", "syncd-figures.txt"),
                         ("perf.txt", "syncd-perf.txt")):
            if os.path.exists(os.path.join(sdir, src)):
                shutil.copy(os.path.join(sdir, src), os.path.join(figdir, dst))

        def g(k, unit=""):
            return f.get(k, "?") + unit
        w(f"## 8. svcsyncd: {g('services')} Services x {g('endpoints')} "
          "endpoints from the fake API server")
        w("")
        w("`bench/syncd-scale.sh` (its own boot: the fake API server, "
          "Python with TLS, and svcsyncd in the node; "
          "docs/svcsyncd-performance.md says how each figure is taken). "
          "Raw: [bench/syncd-figures.txt](bench/syncd-figures.txt); "
          "svcsyncd's profile during the changes: "
          "[bench/syncd-perf.txt](bench/syncd-perf.txt).")
        w("")
        w("| figure | value |")
        w("|---|---|")
        w(f"| first LIST to everything programmed | {g('first_sync_ms', ' ms')} "
          f"(the LISTs done at {g('list_endpointslices_done_ms', ' ms')}; "
          f"svcsyncd's first sync {g('kernel_part_ms', ' ms')}) |")
        w(f"| kernel after it | {g('kernel_services')} services, "
          f"{g('backends')} backends |")
        w(f"| watch event to kernel p50 / p90 / p99 / max | "
          f"{g('e2k_p50_ms')} / {g('e2k_p90_ms')} / {g('e2k_p99_ms')} / "
          f"{g('e2k_max_ms')} ms |")
        w(f"| of which in svcsyncd (arrival to kernel) p50 / p99 | "
          f"{g('daemon_p50_ms')} / {g('daemon_p99_ms')} ms |")
        w(f"| changes sent / applied (rate) | {g('changes')} / "
          f"{g('applied')} ({g('rate_per_s')}/s) |")
        w(f"| kernel dumps: first sync / 4 drift checks | "
          f"{g('dumps_first_sync')} / {g('dumps_over_4_periods')} |")
        w(f"| svcsyncd VmRSS / VmHWM | {g('rss_kb', ' KiB')} / "
          f"{g('hwm_kb', ' KiB')} |")
        w("")
    # the targets, each said met or missed with its figure
    w("## Targets (svcvip)")
    w("")
    w("| target | figure | met |")
    w("|---|---|---|")

    def target(name, fig, ok):
        if not fig:	# None, or an empty list of figures
            w(f"| {name} | not measured | - |")
        else:
            w(f"| {name} | {fig} | {'yes' if ok else '**no**'} |")
    worst = worst_vs_static(rows, "conn", "conn/s")
    target("new conn/s >= 0.9 x static DNAT at every N",
           worst and f"lowest {worst[0]:.3f} (N = {worst[1]}, {worst[2]})",
           worst and worst[0] >= 0.9)
    cn = sizes(rows, "conn")
    if cn:
        big, one = max(cn), min(cn)
        a = median(rows, ("conn", "svcvip", big, "tcp-last-conn/s"))
        b = median(rows, ("conn", "svcvip", one, "tcp-last-conn/s"))
        target(f"new conn/s at N = {big} >= 0.95 x N = {one} (TCP)",
               a and b and f"{a / b:.3f}", a and b and a / b >= 0.95)
    worst = worst_vs_static(rows, "estab", "/s")
    target("established >= 0.97 x static DNAT",
           worst and f"lowest {worst[0]:.3f} (N = {worst[1]}, {worst[2]})",
           worst and worst[0] >= 0.97)
    sv = median(rows, ("load", "svcvip", 10000, "seconds"))
    peers = [median(rows, ("load", m, 10000, "seconds"))
             for m in modes if m != "svcvip"]
    peers = [p for p in peers if p]
    target("full load of 10,000 services >= 10 x faster than the fastest peer",
           sv and peers and f"{min(peers) / sv:.1f}x",
           sv and peers and min(peers) / sv >= 10)
    ch, nl = [], []
    for k in rows:
        if k[0] in ("change", "bigchange") and k[1] == "svcvip" and \
                k[3] == "seconds":
            c, e = median(rows, k), median(rows, k[:3] + ("exec-seconds",))
            if c is not None and e is not None:
                ch.append(c - e)
        if k[0] in ("change", "bigchange") and k[1] == "svcvip" and \
                k[3] == "netlink-ms":
            nl.append(median(rows, k))
    nl = [v for v in nl if v is not None]
    target("one endpoint change <= 10 ms regardless of N (median netlink "
           "request from a running process, as svcsyncd sends it)",
           nl and f"worst {max(nl):.1f} ms", nl and max(nl) <= 10)
    target("the same through `svcadm restore` (median, less the median "
           "start of `svcadm version`)", ch and f"worst {max(ch) * 1000:.1f} ms",
           ch and max(ch) <= 0.010)
    sc = sizes(rows, "smallchange")
    fig = delay = nd = None
    if sc:
        nd = median(rows, ("smallchange", "svcvip", sc[0],
                           "netlink-during-ms"))
        delay = small_delay(rows, "svcvip", sc[0])
        if delay is not None:
            fig = f"{delay * 1000:+.1f} ms"
    target("a small service's change <= 10 ms while a big one's changes "
           "run (median netlink request from a running process)",
           nd is not None and f"{nd:.1f} ms", nd is not None and nd <= 10)
    target("the same through `svcadm restore`: delayed <= 10 ms (less the "
           "tool's start, alone and during)", fig,
           fig and delay <= 0.010)
    for m, how in (("svcvip", "Maglev, the default"),
                   ("svcvip-rr", "round robin")):
        split = mem_split(rows, m)
        name = f"<= 1 KiB per service + 256 B per backend ({how})"
        if split:
            ps, pb = split
            target(name, f"{ps:.0f} B + {pb:.0f} B", ps <= 1024 and pb <= 256)
        else:
            target(name, None, False)
    w("")
    w("The connection figures are end to end: the client's and the "
      "servers' user-space work share the icount guest's one CPU with the "
      "kernel, so a ratio to the floor shows a data plane's cost diluted by "
      "theirs (section 7 says how much of the CPU each engine took); "
      "`newconn-cost` and `dnat-cost` in `make check` time the kernel's "
      "first-packet and per-packet paths alone against the static rule.")
    w("")
    w("## Command")
    w("")
    w("```")
    w("make bench            # bench/run build/bench; BENCH_* settings: "
      "bench/guest.sh")
    w("```")
    w("")
    runs = os.path.join(outdir, "runs.txt")
    if os.path.exists(runs):
        w("These results came from (UTC time, commit, settings; a run of "
          "some sections replaced only their rows):")
        w("")
        w("```")
        for line in open(runs):
            w(line.rstrip("\n"))
        w("```")
    with open(doc, "w") as f:
        f.write("\n".join(L) + "\n")
    print(f"wrote {doc}")


if __name__ == "__main__":
    main()
