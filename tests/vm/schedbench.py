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
  schedbench.py set SERVICE ADDR [--small SMALL]
      one backend set (weight 2) of SERVICE's ADDR:8080, timed, with the
      small-service writer as in churn; prints "op" and "small" lines
  schedbench.py lookup VIP PORT N
      N lookups of TCP flows 172.16.x.y:z -> VIP:PORT; prints one line per
      flow: the chosen backend as ADDR:PORT (or "none")
"""

import os
import socket
import struct
import sys
import threading
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


class Small(threading.Thread):
    """Changes SMALL's only backend in a loop, timing each request."""

    def __init__(self, name):
        super().__init__(daemon=True)
        self.g = nlraw.Genl()
        self.name = name
        self.lat = []
        self.run_flag = threading.Event()
        self.stop_flag = False

    def one(self, w):
        return req(self.g, "SET_BACKEND",
                   [svc_ref(self.name),
                    [A_BACKEND, "nest", be("10.99.0.1", weight=w)]])

    def run(self):
        w = 1
        while not self.stop_flag:
            self.run_flag.wait()
            w = w % 100 + 1
            self.lat.append(self.one(w))
            time.sleep(0.002)


def with_small(args, body):
    small = opt(args, "--small", None)
    base = []
    th = None
    if small:
        th = Small(small)
        for i in range(50):
            base.append(th.one(i % 100 + 1))
            time.sleep(0.002)
        th.start()
        th.run_flag.set()
    ops = body()
    if th:
        th.run_flag.clear()
        th.stop_flag = True
        time.sleep(0.05)
    stats("op", ops)
    if small:
        stats("small-alone", base)
        stats("small", th.lat)


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


def cmd_set(args):
    name, addr = args[0], args[1]

    def body():
        g = nlraw.Genl()
        return [req(g, "SET_BACKEND",
                    [svc_ref(name), [A_BACKEND, "nest", be(addr, weight=2)]])]
    with_small(args, body)


def cmd_lookup(args):
    vip, port, n = args[0], int(args[1]), int(args[2])
    g = nlraw.Genl()
    for i in range(n):
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
            print("none")
            continue
        b = nlraw.parse_attrs(top[A_BACKEND])
        print("%s:%d" % (socket.inet_ntoa(b[2][:4]),
                         struct.unpack("=H", b[3][:2])[0]))


def main():
    args = sys.argv[1:]
    if not args:
        raise SystemExit(__doc__)
    {"fill": cmd_fill, "churn": cmd_churn, "set": cmd_set,
     "lookup": cmd_lookup}[args[0]](args[1:])


if __name__ == "__main__":
    main()
