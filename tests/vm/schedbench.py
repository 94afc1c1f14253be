#!/usr/bin/env python3
"""Backend-change costs and scheduler choices, timed in one process (Python
starts slowly in the VM, and a process per request would time itself).

  schedbench.py fill SERVICE N [--local] [--batch B] [--net A]
      adds N backends 10.A.x.y:8080 (A default 100) in requests of B
      (default 1000) backends; prints the slowest request in ms; with
      --max-ms T, fails at the first request slower than T ms
  schedbench.py churn SERVICE K [--small SMALL] [--net A]
      K single-backend changes to SERVICE (add, set weight, delete of
      backends 10.A+1.x.y); with --small, another thread changes the weight
      of SMALL's backend 10.99.0.1:8080 in a loop: first alone (baseline),
      then during the changes. Prints "op" and "small" lines with
      n/median/p99/max in ms
      --set-only ADDR: only weight changes of backend ADDR:8080
  schedbench.py svcset SERVICE K [--small SMALL]
      K service sets of SERVICE (scheduler maglev: the same settings, so
      each builds the whole state again), timed, with the small-service
      writer as in churn; prints "op" and "small" lines
  schedbench.py replace SERVICE K N [--small SMALL] [--net A]
      K REPLACE_SERVICE requests of SERVICE (tcp, default settings, its
      frontends kept) with the N backends fill adds (10.A.x.y:8080, A
      default 100), each one message building the whole state; timed,
      with the small-service writer as in churn; prints "op" and "small"
  schedbench.py set SERVICE ADDR [--small SMALL]
      one backend set (weight 2) of SERVICE's ADDR:8080, timed, with the
      small-service writer as in churn; prints "op" and "small" lines
  schedbench.py lookup VIP PORT N
      N lookups of TCP flows 172.16.x.y:z -> VIP:PORT; prints one line per
      flow: the chosen backend as ADDR:PORT (or "none")
  schedbench.py settle [--max-ms T]
      waits until no Maglev table is being rebuilt (GET_INFO rebuilding
      0); prints the wait in ms; fails after T ms (default 60000)
  schedbench.py rebuild-check SERVICE VIP PORT N K [--add]
      N flows looked up (settled); then K times: (with --add, a backend
      10.100.x.y:8081 added, which sorts amid the others) the backend of
      one flow deleted and at once that flow and 5 others looked up again, and
      GET_INFO read after them (rebuilding > 0: every lookup in between
      saw the interim state). Prints "interim=I of K", "to-deleted=D"
      (lookups that chose a deleted backend), "moved-interim=M" (flows of
      a staying backend that moved while interim), all N looked up again
      if still interim ("moved-interim-all=M of S", "to-deleted-interim-all=D"),
      then settles, looks
      all N up again and prints "moved-final=F of S" (flows of staying
      backends that moved), and finally one line per flow as lookup does
"""

import os
import socket
import struct
import sys
import select
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nlraw  # noqa: E402

A_SERVICE, A_BACKEND, A_LOOKUP, A_BACKENDS = 2, 4, 6, 7


def be(addr, port=8080, weight=None, flags=None):
    a = [[1, "u16", 2], [2, "bin", socket.inet_aton(addr).hex()],
         [3, "u16", port]]
    if weight is not None:
        a.append([4, "u32", weight])
    if flags is not None:
        a.append([5, "u32", flags])
    return a


def svc_ref(name):
    return [A_SERVICE, "nest", [[1, "str", name]]]


def req(g, cmd, attrs):
    t0 = time.monotonic()
    err, msg, _ = g.request(cmd, nlraw.encode(attrs))
    dt = (time.monotonic() - t0) * 1000
    if err:
        raise SystemExit("%s: error %d %s" % (cmd, err, msg))
    return dt


def addr_of(net, i):
    return "10.%d.%d.%d" % (net + i // 65536, i // 256 % 256, i % 256)


def stats(name, xs):
    if not xs:
        print("%s n=0" % name)
        return
    s = sorted(xs)
    p = lambda q: s[min(len(s) - 1, int(q * len(s)))]  # noqa: E731
    print("%s n=%d median=%.1f p99=%.1f max=%.1f" %
          (name, len(s), p(0.5), p(0.99), s[-1]))


def opt(args, name, default):
    if name in args:
        i = args.index(name)
        v = args[i + 1]
        del args[i:i + 2]
        return v
    return default


def small_one(g, name, w):
    return req(g, "SET_BACKEND",
               [svc_ref(name), [A_BACKEND, "nest", be("10.99.0.1", weight=w)]])


def small_writer(name, stop_fd, out_fd):
    """Child process: changes SMALL's only backend in a loop, timing each
    request, until stop_fd reaches EOF; writes the times to out_fd. A
    process, not a thread: a thread would wait for the GIL and time that
    too."""
    g = nlraw.Genl()
    lat, w = [], 1
    while not select.select([stop_fd], [], [], 0.002)[0]:
        w = w % 100 + 1
        lat.append(small_one(g, name, w))
    os.write(out_fd, " ".join("%.3f" % x for x in lat).encode())


def with_small(args, body):
    small = opt(args, "--small", None)
    base = []
    if small:
        g = nlraw.Genl()
        for i in range(50):
            base.append(small_one(g, small, i % 100 + 1))
            time.sleep(0.002)
        stop_r, stop_w = os.pipe()
        out_r, out_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(stop_w)
            os.close(out_r)
            try:
                small_writer(small, stop_r, out_w)
            finally:
                os._exit(0)
        os.close(stop_r)
        os.close(out_w)
        time.sleep(0.1)     # the child has its socket and is writing
    ops = body()
    if small:
        os.close(stop_w)
        data = b""
        while True:
            chunk = os.read(out_r, 65536)
            if not chunk:
                break
            data += chunk
        os.waitpid(pid, 0)
        lat = [float(x) for x in data.split()]
    stats("op", ops)
    if small:
        stats("small-alone", base)
        stats("small", lat)


def cmd_fill(args):
    local = "--local" in args
    if local:
        args.remove("--local")
    batch = int(opt(args, "--batch", "1000"))
    net = int(opt(args, "--net", "100"))
    max_ms = float(opt(args, "--max-ms", "inf"))
    name, n = args[0], int(args[1])
    g = nlraw.Genl()
    worst = 0
    for start in range(0, n, batch):
        bes = [[0, "nest", be(addr_of(net, i),
                              flags=1 if local else None)]
               for i in range(start, min(n, start + batch))]
        dt = req(g, "NEW_BACKEND", [svc_ref(name), [A_BACKENDS, "nest", bes]])
        worst = max(worst, dt)
        if dt > max_ms:
            raise SystemExit("fill: request %d..%d took %.0f ms" %
                             (start, start + len(bes), dt))
    print("fill slowest=%.1f" % worst)


def cmd_churn(args):
    net = int(opt(args, "--net", "100")) + 1
    only_set = opt(args, "--set-only", None)
    name, k = args[0], int(args[1])

    def body():
        g = nlraw.Genl()
        lat = []
        for i in range(k):
            a = addr_of(net, i // 3)
            ref = svc_ref(name)
            if only_set:
                lat.append(req(g, "SET_BACKEND",
                               [ref, [A_BACKEND, "nest",
                                      be(only_set, weight=2 + i % 2)]]))
            elif i % 3 == 0:
                lat.append(req(g, "NEW_BACKEND",
                               [ref, [A_BACKEND, "nest", be(a)]]))
            elif i % 3 == 1:
                lat.append(req(g, "SET_BACKEND",
                               [ref, [A_BACKEND, "nest", be(a, weight=3)]]))
            else:
                lat.append(req(g, "DEL_BACKEND",
                               [ref, [A_BACKEND, "nest", be(a)]]))
        return lat
    with_small(args, body)


def cmd_svcset(args):
    name, k = args[0], int(args[1])

    def body():
        g = nlraw.Genl()
        return [req(g, "SET_SERVICE",
                    [[A_SERVICE, "nest", [[1, "str", name], [3, "u8", 0]]]])
                for _ in range(k)]
    with_small(args, body)


def cmd_replace(args):
    net = int(opt(args, "--net", "100"))
    name, k, n = args[0], int(args[1]), int(args[2])
    lists = [[A_BACKENDS, "nest",
              [[0, "nest", be(addr_of(net, i))]
               for i in range(start, min(n, start + 1000))]]
             for start in range(0, n, 1000)]
    msg = [[A_SERVICE, "nest", [[1, "str", name], [2, "u8", 6]]]] + lists

    def body():
        g = nlraw.Genl()
        return [req(g, "REPLACE_SERVICE", msg) for _ in range(k)]
    with_small(args, body)


def cmd_set(args):
    name, addr = args[0], args[1]

    def body():
        g = nlraw.Genl()
        return [req(g, "SET_BACKEND",
                    [svc_ref(name), [A_BACKEND, "nest", be(addr, weight=2)]])]
    with_small(args, body)


def lookup_one(g, vip, port, i):
    src = "172.16.%d.%d" % (i // 250 % 250, i % 250 + 1)
    attrs = [[A_LOOKUP, "nest", [
        [1, "u8", 6], [2, "u16", 2],
        [3, "bin", socket.inet_aton(src).hex()],
        [4, "u16", 10000 + i * 7 % 50000],
        [5, "bin", socket.inet_aton(vip).hex()], [6, "u16", port]]]]
    err, msg, replies = g.request("LOOKUP", nlraw.encode(attrs))
    if err:
        raise SystemExit("lookup: error %d %s" % (err, msg))
    top = nlraw.parse_attrs(replies[0]) if replies else {}
    if A_BACKEND not in top:
        return "none"
    b = nlraw.parse_attrs(top[A_BACKEND])
    return "%s:%d" % (socket.inet_ntoa(b[2][:4]),
                      struct.unpack("=H", b[3][:2])[0])


def cmd_lookup(args):
    vip, port, n = args[0], int(args[1]), int(args[2])
    g = nlraw.Genl()
    for i in range(n):
        print(lookup_one(g, vip, port, i))


def rebuilding(g):
    err, msg, replies = g.request("GET_INFO", b"")
    if err:
        raise SystemExit("GET_INFO: error %d %s" % (err, msg))
    info = nlraw.parse_attrs(nlraw.parse_attrs(replies[0])[1])
    if 8 not in info:
        raise SystemExit("GET_INFO: no rebuilding attribute")
    return struct.unpack("=I", info[8][:4])[0]


def settle(g, max_ms=60000.0):
    t0 = time.monotonic()
    while rebuilding(g):
        if (time.monotonic() - t0) * 1000 > max_ms:
            raise SystemExit("settle: still rebuilding after %.0f ms" % max_ms)
        time.sleep(0.005)
    return (time.monotonic() - t0) * 1000


def cmd_settle(args):
    max_ms = float(opt(args, "--max-ms", "60000"))
    print("settled in %.1f ms" % settle(nlraw.Genl(), max_ms))


def cmd_rebuild_check(args):
    add = "--add" in args
    if add:
        args.remove("--add")
    name, vip, port = args[0], args[1], int(args[2])
    n, k = int(args[3]), int(args[4])
    g = nlraw.Genl()
    settle(g)
    before = [lookup_one(g, vip, port, i) for i in range(n)]
    deleted = set()
    interim = to_deleted = moved = 0
    for j in range(k):
        f = j * 7919 % n
        while before[f] in deleted:
            f = (f + 1) % n
        victim = before[f]
        addr, p = victim.rsplit(":", 1)
        if add:     # sorts amid the others: every later index moves
            req(g, "NEW_BACKEND", [svc_ref(name), [A_BACKEND, "nest", be(
                "10.100.%d.%d" % (j * 13 % 39, j * 7 % 256), 8081)]])
        req(g, "DEL_BACKEND", [svc_ref(name),
                               [A_BACKEND, "nest", be(addr, int(p))]])
        deleted.add(victim)
        got = lookup_one(g, vip, port, f)
        others = [(o, lookup_one(g, vip, port, o))
                  for o in ((f + 1 + 13 * x) % n for x in range(5))]
        if rebuilding(g):
            interim += 1
            moved += sum(1 for o, b in others
                         if before[o] not in deleted and b != before[o])
        to_deleted += (got in deleted) + sum(1 for _, b in others
                                             if b in deleted)
    print("interim=%d of %d" % (interim, k))
    print("to-deleted=%d" % to_deleted)
    print("moved-interim=%d" % moved)
    # all of them, still on the same interim base if the worker waits
    mid = [lookup_one(g, vip, port, i) for i in range(n)]
    if rebuilding(g):
        stay = [i for i in range(n) if before[i] not in deleted]
        print("moved-interim-all=%d of %d" %
              (sum(1 for i in stay if mid[i] != before[i]), len(stay)))
        print("to-deleted-interim-all=%d" %
              sum(1 for b in mid if b in deleted))
    settle(g)
    after = [lookup_one(g, vip, port, i) for i in range(n)]
    stay = [i for i in range(n) if before[i] not in deleted]
    print("moved-final=%d of %d" %
          (sum(1 for i in stay if after[i] != before[i]), len(stay)))
    print("to-deleted-final=%d" % sum(1 for b in after if b in deleted))
    for b in after:
        print(b)


def main():
    args = sys.argv[1:]
    if not args:
        raise SystemExit(__doc__)
    {"fill": cmd_fill, "churn": cmd_churn, "set": cmd_set,
     "svcset": cmd_svcset,
     "replace": cmd_replace,
     "lookup": cmd_lookup, "settle": cmd_settle,
     "rebuild-check": cmd_rebuild_check}[args[0]](args[1:])


if __name__ == "__main__":
    main()
