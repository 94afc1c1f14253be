#!/usr/bin/env python3
"""Seeded, reproducible netlink fuzzer for the svcvip generic netlink family.

    nlfuzz.py [--seed S] [--count N] [--senders K] [--blasters B]
              [--timeout SECS] [--hang SECS] [-v]
    nlfuzz.py --seed S --show J:I[,I...]      print message I of sender J

Needs root and the svcvip module loaded (run it inside the test VM).

K checking senders (default 4) each unshare a network namespace of their own
and fuzz its table; B blasters (default 2) fuzz the initial netns at the same
time without checks, racing each other. N messages in all (default 2000)
are split evenly. Each
sender has its own random stream derived from the seed ("S/J"), and its
message sequence depends on nothing else: the same seed and count give the
same messages, whatever the kernel answers.

Messages: every SVCVIP_CMD_* and unknown command numbers; about 30 % valid,
the rest mutated (boundary and out-of-range values, wrong attribute types
and lengths, short/long addresses, bad names, missing/duplicated/unknown
attributes, deep/flattened/truncated nests, wrong list entries, lists over
the limits, wrong netlink flags, byte-level corruption). After a warm-up,
each checking sender also sends every command with each required attribute
missing in turn.

Checked after every message of a checking sender, over the same socket:
  - the kernel answers (socket timeout; a parent watchdog catches a sender
    stuck inside the kernel);
  - rejected (error ack), a read-only command, or a message without
    NLM_F_REQUEST: the table is unchanged (GET_SERVICE dump coalesced per
    service, GET_CONFIG and GET_INFO, compared with the snapshot after the
    previous message);
  - a message with exactly one mutation that the ABI says must fail
    (listed as "must reject") is rejected;
  - GET_INFO's counts agree with the dump;
  - rejections without an extack message are counted; one of a
    state-changing command with a malformed attribute fails the run.

Output: "ok - ..." / "not ok - ... # detail" lines, "# " comments, and the
summary line "messages N accepted A rejected R invariant-violations V
no-extack K seed S". Exit status 0 when every line is ok.
"""

import ctypes
import errno
import json
import mmap
import os
import random
import select
import signal
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "vm"))
import nlraw  # noqa: E402

# ---- the ABI (include/uapi/linux/svcvip.h) ---------------------------------

(CMD_UNSPEC, GET_INFO, NEW_SERVICE, SET_SERVICE, DEL_SERVICE, GET_SERVICE,
 NEW_FRONTEND, DEL_FRONTEND, NEW_BACKEND, SET_BACKEND, DEL_BACKEND, FLUSH,
 GET_CONFIG, SET_CONFIG, GET_STATS, LOOKUP, REPLACE_SERVICE) = range(17)
CMD_MAX = REPLACE_SERVICE
CMDS = nlraw.COMMANDS

(A_INFO, A_SERVICE, A_FRONTEND, A_BACKEND, A_CONFIG, A_LOOKUP, A_BACKENDS,
 A_TAKEOVER) = range(1, 9)
A_MAX = 8
INFO_A_SERVICES, INFO_A_FRONTENDS, INFO_A_BACKENDS = 3, 4, 5
(S_NAME, S_PROTOCOL, S_SCHEDULER, S_AFFINITY, S_TIMEOUT, S_IPOL, S_EPOL,
 S_FRONTENDS, S_BACKENDS, S_STATS) = range(1, 11)
F_KIND, F_FAMILY, F_ADDR, F_PORT, F_RANGES = range(1, 6)
B_FAMILY, B_ADDR, B_PORT, B_WEIGHT, B_FLAGS, B_STATS = range(1, 7)
C_FAMILY, C_ADDR, C_PREFIXLEN = range(1, 4)
(G_CLUSTER, G_MASQ, G_NODEPORT, G_LOCAL, G_AFFMAX, G_MAXSVC, G_MAXFE,
 G_MAXBE, G_SVCCIDR) = range(1, 10)
G_SEED, G_PACKET, G_MAGLEV = 10, 11, 12
(L_PROTOCOL, L_FAMILY, L_SRC_ADDR, L_SRC_PORT, L_DST_ADDR, L_DST_PORT,
 L_VERDICT, L_REASON, L_MASQ) = range(1, 10)
KIND_CLUSTERIP, KIND_EXTERNALIP, KIND_LB, KIND_NODEPORT = range(1, 5)
AF_INET, AF_INET6 = 2, 10
TCP, UDP, SCTP = 6, 17, 132
NAME_MAX = 256
MAX_CIDRS, MAX_FRONTENDS, MAX_BACKENDS = 64, 1024, 65535

NLA_F_NESTED = 0x8000
NLA_F_NET_BYTEORDER = 0x4000
NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK, NLM_F_ECHO = 1, 2, 4, 8
NLM_F_DUMP_INTR = 0x10
NLM_F_REPLACE, NLM_F_EXCL, NLM_F_CREATE, NLM_F_APPEND = \
    0x100, 0x200, 0x400, 0x800
NLM_F_DUMP = 0x300

READ_CMDS = {GET_INFO, GET_SERVICE, GET_CONFIG, GET_STATS, LOOKUP}
DUMP_CMDS = {GET_SERVICE, GET_STATS}
STATE_CMDS = {NEW_SERVICE, SET_SERVICE, DEL_SERVICE, NEW_FRONTEND,
              DEL_FRONTEND, NEW_BACKEND, SET_BACKEND, DEL_BACKEND, FLUSH,
              SET_CONFIG, REPLACE_SERVICE}
# top-level attributes each command's policy accepts
TOP_OK = {
    GET_INFO: set(), FLUSH: set(), GET_CONFIG: set(),
    NEW_SERVICE: {A_SERVICE, A_BACKENDS}, REPLACE_SERVICE: {A_SERVICE,
                                                           A_BACKENDS,
                                                           A_TAKEOVER},
    SET_SERVICE: {A_SERVICE, A_BACKENDS},
    DEL_SERVICE: {A_SERVICE}, GET_SERVICE: {A_SERVICE}, GET_STATS: {A_SERVICE},
    NEW_FRONTEND: {A_SERVICE, A_FRONTEND}, DEL_FRONTEND: {A_SERVICE,
                                                         A_FRONTEND},
    NEW_BACKEND: {A_SERVICE, A_BACKEND, A_BACKENDS},
    SET_BACKEND: {A_SERVICE, A_BACKEND, A_BACKENDS},
    DEL_BACKEND: {A_SERVICE, A_BACKEND, A_BACKENDS},
    SET_CONFIG: {A_CONFIG}, LOOKUP: {A_LOOKUP},
}
# the highest attribute type of each nest kind (unknown = max + 1)
NEST_MAX = {"top": A_MAX, "service": S_STATS, "svcref": S_NAME,
            "frontend": F_RANGES, "backend": B_STATS, "cidr": C_PREFIXLEN,
            "config": G_MAGLEV, "lookup": L_MASQ}

# (nest kind, attribute) -> (kind, valid values, invalid values); invalid
# values the policy or the parser refuse whatever the rest of the message.
SPEC = {
    ("service", S_PROTOCOL): ("u8", [TCP, UDP, SCTP], [0, 1, 7, 255]),
    ("service", S_SCHEDULER): ("u8", [0, 1, 2, 3], [4, 5, 255]),
    ("service", S_AFFINITY): ("u8", [0, 1], [2, 255]),
    ("service", S_TIMEOUT): ("u32", [1, 86400, 10800], [0, 86401, 2**32 - 1]),
    ("service", S_IPOL): ("u8", [0, 1], [2, 255]),
    ("service", S_EPOL): ("u8", [0, 1], [2, 255]),
    ("frontend", F_KIND): ("u8", [1, 2, 3, 4], [0, 5, 255]),
    ("frontend", F_FAMILY): ("u16", [AF_INET, AF_INET6], [1, 3, 0xffff]),
    ("frontend", F_PORT): ("u16", [1, 65535, 80], [0]),
    ("backend", B_FAMILY): ("u16", [AF_INET, AF_INET6], [1, 3, 0xffff, 0]),
    ("backend", B_PORT): ("u16", [1, 65535], [0]),
    ("backend", B_WEIGHT): ("u32", [0, 1, 65535], [65536, 2**32 - 1]),
    ("backend", B_FLAGS): ("u32", [0, 1, 2, 3], [4, 0x80000000, 2**32 - 1]),
    ("cidr", C_FAMILY): ("u16", [AF_INET, AF_INET6], [0, 1, 3, 0xffff]),
    ("cidr", C_PREFIXLEN): ("u8", [0, 32, 128], [129, 255]),
    ("config", G_MASQ): ("u8", [0, 1], [2, 255]),
    ("config", G_AFFMAX): ("u32", [1, 1 << 26], [0, (1 << 26) + 1,
                                                 2**32 - 1]),
    ("config", G_MAXSVC): ("u32", [1 << 26, 100000], [0, (1 << 26) + 1]),
    ("config", G_MAXFE): ("u32", [1 << 26, 100000], [0, (1 << 26) + 1]),
    ("config", G_MAXBE): ("u32", [65535, 10000], [0, 65536, 2**32 - 1]),
    ("config", G_PACKET): ("u8", [0, 1], [2, 255]),
    # a prime in 251..16777213 (65522 is even, 16777215 = 3 x 5592405)
    ("config", G_MAGLEV): ("u32", [251, 65521, 16777213],
                           [0, 250, 65522, 16777215, 2**32 - 1]),
    ("lookup", L_PROTOCOL): ("u8", [TCP, UDP, SCTP], [0, 1, 255]),
    ("lookup", L_FAMILY): ("u16", [AF_INET, AF_INET6], [0, 1, 3]),
    ("lookup", L_SRC_PORT): ("u16", [0, 1, 65535], []),
    ("lookup", L_DST_PORT): ("u16", [1, 65535], [0]),
}
ADDR_ATTRS = {("frontend", F_ADDR), ("backend", B_ADDR), ("cidr", C_ADDR),
              ("lookup", L_SRC_ADDR), ("lookup", L_DST_ADDR)}
NAME_ATTRS = {("service", S_NAME), ("svcref", S_NAME)}
# every attribute each nest kind's policy knows (not NLA_REJECT ones)
KNOWN = {
    "service": {S_NAME: "s", S_PROTOCOL: "l", S_SCHEDULER: "l",
                S_AFFINITY: "l", S_TIMEOUT: "l", S_IPOL: "l", S_EPOL: "l",
                S_FRONTENDS: "n", S_BACKENDS: "n"},
    "svcref": {S_NAME: "s"},
    "frontend": {F_KIND: "l", F_FAMILY: "l", F_ADDR: "l", F_PORT: "l",
                 F_RANGES: "n"},
    "backend": {B_FAMILY: "l", B_ADDR: "l", B_PORT: "l", B_WEIGHT: "l",
                B_FLAGS: "l"},
    "cidr": {C_FAMILY: "l", C_ADDR: "l", C_PREFIXLEN: "l"},
    "config": {G_CLUSTER: "n", G_MASQ: "l", G_NODEPORT: "n", G_LOCAL: "n",
               G_AFFMAX: "l", G_MAXSVC: "l", G_MAXFE: "l", G_MAXBE: "l",
               G_SVCCIDR: "n", G_PACKET: "l", G_SEED: "l", G_MAGLEV: "l"},
    "lookup": {L_PROTOCOL: "l", L_FAMILY: "l", L_SRC_ADDR: "l",
               L_SRC_PORT: "l", L_DST_ADDR: "l", L_DST_PORT: "l"},
}
LISTS = ("list:frontend", "list:backend", "list:cidr")

# ---- attribute trees -------------------------------------------------------


class N:
    """An attribute: t (type with flag bits), k (u8 u16 u32 u64 str bin
    nest rawnest), v (int, bytes, or a list of N), s (for a nest: the kind
    of its children)."""
    __slots__ = ("t", "k", "v", "s")

    def __init__(self, t, k, v, s=None):
        self.t, self.k, self.v, self.s = t, k, v, s

    def clone(self):
        v = [c.clone() for c in self.v] if self.k == "nest" else self.v
        return N(self.t, self.k, v, self.s)


def nest(t, s, children):
    return N(t | NLA_F_NESTED, "nest", children, s)


INT_FMT = {"u8": "=B", "u16": "=H", "u32": "=I", "u64": "=Q"}


def attr(t, p):
    return struct.pack("=HH", (4 + len(p)) & 0xffff, t) + p + \
        b"\0" * ((-len(p)) & 3)


def enc(nodes):
    out = []
    for n in nodes:
        k = n.k
        if k in INT_FMT:
            p = struct.pack(INT_FMT[k], n.v)
        elif k == "str":
            p = n.v + b"\0"
        elif k == "nest":
            p = enc(n.v)
        else:			# bin, rawnest
            p = n.v
        out.append(attr(n.t, p))
    return b"".join(out)


def ntype(n):
    return n.t & 0x3fff


def find(nodes, t):
    for n in nodes:
        if ntype(n) == t:
            return n
    return None


class Msg:
    __slots__ = ("cmd", "dump", "flags", "version", "attrs", "payload",
                 "genl", "desc", "must", "nmut", "tree")

    def __init__(self, cmd, attrs, dump=False):
        self.cmd, self.attrs, self.dump = cmd, attrs, dump
        self.flags = NLM_F_REQUEST | NLM_F_ACK | (NLM_F_DUMP if dump else 0)
        self.version = 1
        self.payload = None	# bytes: the attributes, as sent
        self.genl = None	# bytes: a broken genl header instead
        self.desc = []
        self.must = False	# one mutation the ABI says must fail
        self.nmut = 0
        self.tree = True	# only tree-level mutations so far

    def clone(self):
        m = Msg(self.cmd, [a.clone() for a in self.attrs], self.dump)
        for f in ("flags", "version", "payload", "genl", "must", "nmut",
                  "tree"):
            setattr(m, f, getattr(self, f))
        m.desc = list(self.desc)
        return m

    def body(self):
        """The message after the nlmsghdr."""
        if self.genl is not None:
            return self.genl
        p = self.payload if self.payload is not None else enc(self.attrs)
        return struct.pack("=BBH", self.cmd & 0xff, self.version, 0) + p

    def readonly(self):
        return (self.cmd not in STATE_CMDS or
                not self.flags & NLM_F_REQUEST or self.genl is not None)

    def label(self):
        c = CMDS[self.cmd] if 0 <= self.cmd <= CMD_MAX else str(self.cmd)
        return "%s%s [%s]" % (c, " dump" if self.flags & NLM_F_DUMP ==
                              NLM_F_DUMP else "", ", ".join(self.desc))


def walk(nodes, sch="top", parent=None):
    """Yields (container list, index, node, kind of the container, parent
    node) for every attribute, depth first."""
    for i, n in enumerate(nodes):
        yield nodes, i, n, sch, parent
        if n.k == "nest":
            yield from walk(n.v, n.s, n)


# ---- valid messages --------------------------------------------------------

def v4(a, b, c, d):
    return bytes((a, b, c, d))


def v6(prefix, low):
    return prefix + b"\0" * (14 - len(prefix)) + struct.pack("!H", low)


P6_CIP = bytes.fromhex("fd000096")
P6_EXT = bytes.fromhex("20010db8")
P6_LB = bytes.fromhex("20010db80001")
P6_POD = bytes.fromhex("fd000244")
P6_BIG = bytes.fromhex("fd000100")

NAMES = [b"default/web:http", b"default/web:https", b"kube-system/dns:dns",
         b"kube-system/dns:dns-tcp", b"a", b"ns-1/svc.name_x:p-1",
         b"!#$%&'()*+,-./:;<=>?@[]^_`{|}~", b"z" * 255, b"default/api:8080",
         b"monitoring/prom:web"]
BIG_NAME = b"big/svc:many"
HUGE = {}	# the big lists, built once per process
PROTOS = [TCP, UDP, SCTP]


class Gen:
    """The message stream of one sender."""

    def __init__(self, seed, sender, warmup=20, systematic=True):
        self.r = random.Random("%s/%d" % (seed, sender))
        self.i = 0
        self.pending = []
        self.big_ttl = 0
        self.warmup = warmup
        self.systematic = systematic

    # -- pieces --
    def name(self):
        r = self.r
        if self.big_ttl and r.random() < 0.2:
            return BIG_NAME
        # a few hot names, so that members added are often there to change
        return r.choice(NAMES[:3] if r.random() < 0.5 else NAMES)

    def proto_of(self, name):
        if self.r.random() < 0.08:
            return self.r.choice(PROTOS)
        return PROTOS[sum(name) % 3]

    def cidr(self, fam=None, t=0):
        r = self.r
        fam = fam or r.choice((AF_INET, AF_INET6))
        bits = 32 if fam == AF_INET else 128
        plen = r.choice((0, 1, 8, 16, 24, bits - 1, bits, r.randint(0, bits)))
        raw = r.getrandbits(bits) if plen else 0
        raw &= ((1 << bits) - 1) ^ ((1 << (bits - plen)) - 1)
        addr = raw.to_bytes(bits // 8, "big")
        return nest(t, "cidr", [N(C_FAMILY, "u16", fam),
                                N(C_ADDR, "bin", addr),
                                N(C_PREFIXLEN, "u8", plen)])

    def cidr_list(self, t, n=None):
        n = self.r.choice((0, 1, 1, 2, 3)) if n is None else n
        return nest(t, "list:cidr", [self.cidr() for _ in range(n)])

    def frontend(self, t=0, kind=None):
        r = self.r
        kind = kind or r.choice((1, 1, 1, 2, 3, 4))
        fam = r.choice((AF_INET, AF_INET6))
        port = r.choice((80, 80, 443, 53, 1, 65535))
        if kind == KIND_NODEPORT:
            kids = [N(F_KIND, "u8", kind),
                    N(F_PORT, "u16", r.choice((30000, 30001, 30002, 32767,
                                               1, 65535)))]
            f = r.choice((None, 0, AF_INET, AF_INET6))
            if f is not None:
                kids.insert(1, N(F_FAMILY, "u16", f))
            return nest(t, "frontend", kids)
        j = r.randint(1, 2) if r.random() < 0.5 else r.randint(1, 8)
        if kind == KIND_CLUSTERIP:
            a = v4(10, 96, 0, j) if fam == AF_INET else v6(P6_CIP, j)
        elif kind == KIND_EXTERNALIP:
            a = v4(192, 0, 2, j) if fam == AF_INET else v6(P6_EXT, j)
        else:
            a = v4(203, 0, 113, j) if fam == AF_INET else v6(P6_LB, j)
        kids = [N(F_KIND, "u8", kind), N(F_FAMILY, "u16", fam),
                N(F_ADDR, "bin", a), N(F_PORT, "u16", port)]
        if kind == KIND_LB and r.random() < 0.6:
            kids.append(self.cidr_list(F_RANGES))
        r.shuffle(kids)
        return nest(t, "frontend", kids)

    def backend(self, t=0, full=True):
        r = self.r
        fam = r.choice((AF_INET, AF_INET6))
        hot = r.random() < 0.5
        j = r.randint(1, 3) if hot else r.randint(1, 12)
        a = v4(10, 244, 0, j) if fam == AF_INET else v6(P6_POD, j)
        kids = [N(B_FAMILY, "u16", fam), N(B_ADDR, "bin", a),
                N(B_PORT, "u16", 8080 if hot else
                  r.choice((8080, 8080, 1, 65535)))]
        if full and r.random() < 0.5:
            kids.append(N(B_WEIGHT, "u32", r.choice((0, 1, 1, 2, 100,
                                                     65535))))
        if full and r.random() < 0.4:
            kids.append(N(B_FLAGS, "u32", r.randint(0, 3)))
        return nest(t, "backend", kids)

    def svcref(self, name=None):
        return nest(A_SERVICE, "svcref", [N(S_NAME, "str",
                                            name or self.name())])

    def service(self, full, maximal=False):
        r = self.r
        name = self.name()
        kids = [N(S_NAME, "str", name)]
        if full or r.random() < 0.1:
            kids.append(N(S_PROTOCOL, "u8", self.proto_of(name)))
        for t, vals in ((S_SCHEDULER, (0, 1, 2, 3)), (S_AFFINITY, (0, 1)),
                        (S_TIMEOUT, (1, 60, 10800, 86400)), (S_IPOL, (0, 1)),
                        (S_EPOL, (0, 1))):
            if maximal or r.random() < 0.35:
                k = "u32" if t == S_TIMEOUT else "u8"
                kids.append(N(t, k, r.choice(vals)))
        if full and (maximal or r.random() < 0.6):
            n = 4 if maximal else r.choice((0, 1, 1, 2, 3, 5))
            kinds = [1, 2, 3, 4] if maximal else [None] * n
            kids.append(nest(S_FRONTENDS, "list:frontend",
                             [self.frontend(0, k) for k in kinds]))
            if maximal:
                kids[-1].v[2] = self.frontend(0, KIND_LB)
                lb = kids[-1].v[2]
                if not find(lb.v, F_RANGES):
                    lb.v.append(self.cidr_list(F_RANGES, 1))
        if full and (maximal or r.random() < 0.6):
            n = 1 if maximal else r.choice((0, 1, 2, 3, 4, 8))
            kids.append(nest(S_BACKENDS, "list:backend",
                             [self.backend() for _ in range(n)]))
        r.shuffle(kids)
        return nest(A_SERVICE, "service", kids)

    def config(self, maximal=False):
        r = self.r
        kids = []
        for t in (G_CLUSTER, G_NODEPORT, G_LOCAL, G_SVCCIDR):
            if maximal or r.random() < 0.3:
                kids.append(self.cidr_list(t, 1 if maximal else None))
        if maximal or r.random() < 0.3:
            kids.append(N(G_MASQ, "u8", r.randint(0, 1)))
        for t in (G_AFFMAX, G_MAXSVC, G_MAXFE, G_MAXBE):
            if maximal or r.random() < 0.2:
                if r.random() < 0.15:
                    v = r.choice((1, 2, 5, 10))
                else:
                    v = r.choice((100, 1000, 10000, 65535 if t == G_MAXBE
                                  else 1 << 26))
                kids.append(N(t, "u32", v))
        if maximal or r.random() < 0.2:
            kids.append(N(G_PACKET, "u8", r.randint(0, 1)))
        # both change only without services (EBUSY otherwise)
        if maximal or r.random() < 0.1:
            kids.append(N(G_MAGLEV, "u32", r.choice((251, 65521, 131071))))
        if maximal or r.random() < 0.1:
            kids.append(N(G_SEED, "bin",
                          bytes(r.getrandbits(8) for _ in range(16))))
        if not kids:
            kids.append(N(G_MASQ, "u8", 0))
        r.shuffle(kids)
        return nest(A_CONFIG, "config", kids)

    def lookup(self, maximal=False):
        r = self.r
        fam = r.choice((AF_INET, AF_INET6))
        j = r.randint(1, 8)
        if fam == AF_INET:
            dst = r.choice((v4(10, 96, 0, j), v4(192, 0, 2, j),
                            v4(203, 0, 113, j), v4(192, 168, 0, 1)))
            src = r.choice((v4(10, 244, 0, 100), v4(8, 8, 8, 8),
                            v4(127, 0, 0, 1)))
        else:
            dst = r.choice((v6(P6_CIP, j), v6(P6_EXT, j), v6(P6_LB, j)))
            src = r.choice((v6(P6_POD, 100), v6(P6_EXT, 99)))
        kids = [N(L_PROTOCOL, "u8", r.choice(PROTOS)),
                N(L_FAMILY, "u16", fam), N(L_DST_ADDR, "bin", dst),
                N(L_DST_PORT, "u16", r.choice((80, 443, 53, 30000)))]
        if maximal or r.random() < 0.6:
            kids.append(N(L_SRC_ADDR, "bin", src))
        if maximal or r.random() < 0.5:
            kids.append(N(L_SRC_PORT, "u16", r.randint(0, 65535)))
        r.shuffle(kids)
        return nest(A_LOOKUP, "lookup", kids)

    def valid(self, cmd=None, maximal=False):
        r = self.r
        if cmd is None:
            cmd = r.choices(
                (NEW_SERVICE, REPLACE_SERVICE, SET_SERVICE, DEL_SERVICE,
                 NEW_FRONTEND, DEL_FRONTEND, NEW_BACKEND, SET_BACKEND,
                 DEL_BACKEND, FLUSH, SET_CONFIG, GET_INFO, GET_SERVICE,
                 GET_CONFIG, GET_STATS, LOOKUP),
                (14, 10, 6, 3, 12, 5, 12, 6, 5, 0.3, 4, 2, 3, 2, 2, 4))[0]
        a = []
        if cmd in (NEW_SERVICE, REPLACE_SERVICE):
            a = [self.service(True, maximal)]
            if maximal or r.random() < 0.15:
                for _ in range(r.choice((1, 1, 2))):
                    a.append(nest(A_BACKENDS, "list:backend",
                                  [self.backend()
                                   for _ in range(r.randint(0, 3))]))
            # frontends another service holds move (SVCVIP_A_TAKEOVER)
            if cmd == REPLACE_SERVICE and find(a[0].v, S_FRONTENDS) and \
                    (maximal or r.random() < 0.4):
                a.append(N(A_TAKEOVER, "bin", b""))
        elif cmd == SET_SERVICE:
            a = [self.service(False, maximal)]
        elif cmd == DEL_SERVICE:
            a = [self.svcref()]
        elif cmd in (NEW_FRONTEND, DEL_FRONTEND):
            a = [self.svcref(), self.frontend(A_FRONTEND,
                                              KIND_LB if maximal else None)]
            if maximal and not find(a[1].v, F_RANGES):
                a[1].v.append(self.cidr_list(F_RANGES, 1))
        elif cmd in (NEW_BACKEND, SET_BACKEND, DEL_BACKEND):
            if cmd == NEW_BACKEND and r.random() < 0.25:
                a = [self.svcref()] + [
                    nest(A_BACKENDS, "list:backend",
                         [self.backend() for _ in range(r.randint(1, 4))])
                    for _ in range(r.choice((1, 1, 2)))]
            else:
                a = [self.svcref(), self.backend(A_BACKEND,
                                                 cmd != DEL_BACKEND)]
        elif cmd == SET_CONFIG:
            a = [self.config(maximal)]
        elif cmd in (GET_SERVICE, GET_STATS):
            if r.random() < 0.3:
                a = [self.svcref()]
        elif cmd == LOOKUP:
            a = [self.lookup(maximal)]
        if r.random() < 0.5:
            r.shuffle(a)
        return Msg(cmd, a, dump=cmd in DUMP_CMDS)

    # -- huge lists --
    def huge_frontends(self, n, base):
        key = ("fe", n, base)
        if key not in HUGE:
            HUGE[key] = self._huge_frontends(n, base)
        return N(S_FRONTENDS | NLA_F_NESTED, "rawnest", HUGE[key])

    def _huge_frontends(self, n, base):
        out = []
        for i in range(n):
            out.append(nest(0, "frontend", [
                N(F_KIND, "u8", KIND_CLUSTERIP), N(F_FAMILY, "u16", AF_INET),
                N(F_ADDR, "bin", v4(10, base, (i >> 8) & 255, i & 255)),
                N(F_PORT, "u16", 80)]))
        return enc(out)

    def huge_backends(self, n):
        """Top-level SVCVIP_A_BACKENDS lists of n distinct backends."""
        key = ("be", n)
        if key not in HUGE:
            HUGE[key] = self._huge_backends(n)
        return [N(A_BACKENDS | NLA_F_NESTED, "rawnest", b)
                for b in HUGE[key]]

    def _huge_backends(self, n, chunk=2000):
        lists = []
        for s in range(0, n, chunk):
            ents = []
            for i in range(s, min(n, s + chunk)):
                ents.append(attr(NLA_F_NESTED, attr(B_FAMILY, struct.pack(
                    "=H", AF_INET6)) + attr(B_ADDR, v6(P6_BIG, 0)[:12] +
                    struct.pack("!I", i + 1)) + attr(B_PORT,
                                                     struct.pack("=H", 80))))
            lists.append(b"".join(ents))
        return lists

    def huge(self):
        """A message with lists at or over the documented limits."""
        r = self.r
        what = r.choice(("cidrs", "cidrs", "fes", "fes", "bes", "valid-fes",
                         "valid-bes", "valid-cidrs"))
        name = N(S_NAME, "str", BIG_NAME)
        if what in ("cidrs", "valid-cidrs"):
            n = MAX_CIDRS + (1 if what == "cidrs" else 0)
            fam = r.choice((AF_INET, AF_INET6))
            ents = [self.cidr(fam) for _ in range(n)]
            if r.random() < 0.5:
                m = Msg(SET_CONFIG, [nest(A_CONFIG, "config", [
                    nest(r.choice((G_CLUSTER, G_NODEPORT, G_LOCAL,
                                   G_SVCCIDR)),
                         "list:cidr", ents)])])
            else:
                fe = self.frontend(A_FRONTEND, KIND_LB)
                fe.v = [c for c in fe.v if ntype(c) != F_RANGES]
                fe.v.append(nest(F_RANGES, "list:cidr", ents))
                m = Msg(NEW_FRONTEND, [self.svcref(), fe])
            m.must = what == "cidrs"
        elif what in ("fes", "valid-fes"):
            n = MAX_FRONTENDS + (1 if what == "fes" else 0)
            m = Msg(r.choice((NEW_SERVICE, REPLACE_SERVICE)), [
                nest(A_SERVICE, "service", [
                    name, N(S_PROTOCOL, "u8", TCP),
                    self.huge_frontends(n, 101 if n == MAX_FRONTENDS
                                        else 102)])])
            m.must = what == "fes"
            self.big_ttl = 30 if what == "valid-fes" else self.big_ttl
        else:
            n = MAX_BACKENDS + 1 if what == "bes" else 3000
            svc = nest(A_SERVICE, "svcref", [name])
            if r.random() < 0.5 or what == "valid-bes":
                svc = nest(A_SERVICE, "service", [name, N(S_PROTOCOL, "u8",
                                                          UDP)])
                m = Msg(REPLACE_SERVICE, [svc] + self.huge_backends(n))
            else:
                m = Msg(NEW_BACKEND, [svc] + self.huge_backends(n))
            m.must = what == "bes"
            self.big_ttl = 30 if what == "valid-bes" else self.big_ttl
        m.desc.append("huge " + what)
        m.nmut = 1
        return m

    # -- mutations --
    def required(self, sch, t, parent, cmd, container):
        """Is attribute t required where it is?"""
        if sch == "top":
            if t == A_SERVICE:
                return cmd in STATE_CMDS and cmd not in (FLUSH, SET_CONFIG)
            if t == A_FRONTEND:
                return cmd in (NEW_FRONTEND, DEL_FRONTEND)
            if t == A_BACKEND:
                return cmd in (SET_BACKEND, DEL_BACKEND) or (
                    cmd == NEW_BACKEND and not find(container, A_BACKENDS))
            if t == A_BACKENDS:
                return (cmd == NEW_BACKEND and not find(container, A_BACKEND)
                        and sum(ntype(c) == A_BACKENDS
                                for c in container) == 1)
            return ((t == A_CONFIG and cmd == SET_CONFIG) or
                    (t == A_LOOKUP and cmd == LOOKUP))
        if sch == "service":
            return t == S_NAME or (t == S_PROTOCOL and cmd in
                                   (NEW_SERVICE, REPLACE_SERVICE))
        if sch == "svcref":
            return t == S_NAME
        if sch == "frontend":
            k = find(container, F_KIND)
            np = k is not None and k.k == "u8" and k.v == KIND_NODEPORT
            return t in (F_KIND, F_PORT) or (not np and t in (F_FAMILY,
                                                              F_ADDR))
        if sch == "backend":
            return t in (B_FAMILY, B_ADDR, B_PORT)
        if sch == "cidr":
            return t in (C_FAMILY, C_ADDR, C_PREFIXLEN)
        if sch == "lookup":
            return t in (L_PROTOCOL, L_FAMILY, L_DST_ADDR, L_DST_PORT)
        return False

    def known(self, sch, n):
        """Is n an attribute the policy of its nest knows, so that its
        type, length and nested flag are checked strictly?"""
        if sch == "top":
            return ntype(n) in (A_SERVICE, A_FRONTEND, A_BACKEND, A_CONFIG,
                                A_LOOKUP, A_BACKENDS, A_TAKEOVER)
        return sch in KNOWN and ntype(n) in KNOWN[sch]

    def parsed(self, m, sch):
        """Will the kernel's checks reach a nest of kind sch in m?"""
        return not (m.cmd in (SET_SERVICE,) and sch in LISTS)

    def m_drop(self, m, nodes):
        c, i, n, sch, parent = self.r.choice(nodes)
        must = self.required(sch, ntype(n), parent, m.cmd, c)
        # the takeover flag needs the frontends list
        if sch == "service" and ntype(n) == S_FRONTENDS and \
                find(m.attrs, A_TAKEOVER):
            must = True
        del c[i]
        m.desc.append("drop %s.%d" % (sch, ntype(n)))
        return must

    def m_boundary(self, m, nodes):
        cand = [x for x in nodes if (x[3], ntype(x[2])) in SPEC and
                x[2].k in INT_FMT]
        if not cand:
            return None
        c, i, n, sch, parent = self.r.choice(cand)
        kind, good, bad = SPEC[(sch, ntype(n))]
        bad = list(bad)
        if (sch, ntype(n)) == ("frontend", F_FAMILY):
            k = find(c, F_KIND)
            if not (k and k.k == "u8" and k.v == KIND_NODEPORT):
                bad.append(0)
        if (sch, ntype(n)) == ("cidr", C_PREFIXLEN):
            f = find(c, C_FAMILY)
            if f and f.k == "u16" and f.v == AF_INET:
                bad += [33, 64, 128]
        mask = (1 << (8 * struct.calcsize(INT_FMT[n.k]))) - 1
        if bad and self.r.random() < 0.6:
            n.v = self.r.choice(bad) & mask
            must = n.k == kind and n.v in bad
        else:
            n.v = self.r.choice(good + [self.r.randint(0, mask)]) & mask
            must = False
        m.desc.append("%s.%d=%d" % (sch, ntype(n), n.v))
        return must

    def m_retype(self, m, nodes):
        cand = [x for x in nodes if x[2].k in INT_FMT]
        if not cand:
            return None
        c, i, n, sch, parent = self.r.choice(cand)
        old = n.k
        n.k = self.r.choice([k for k in INT_FMT if k != old])
        if ntype(n) in (F_PORT, B_PORT) and n.k in ("u32", "u64") and \
                self.r.random() < 0.5:
            n.v = self.r.choice((65536, 65535, 0))
        n.v &= (1 << (8 * struct.calcsize(INT_FMT[n.k]))) - 1
        m.desc.append("%s.%d as %s" % (sch, ntype(n), n.k))
        return self.known(sch, n) and sch != "top"

    def m_addr(self, m, nodes):
        cand = [x for x in nodes if (x[3], ntype(x[2])) in ADDR_ATTRS and
                x[2].k == "bin"]
        if not cand:
            return None
        c, i, n, sch, parent = self.r.choice(cand)
        r = self.r
        fam_t = {"frontend": F_FAMILY, "backend": B_FAMILY, "cidr": C_FAMILY,
                 "lookup": L_FAMILY}[sch]
        f = find(c, fam_t)
        fam = f.v if f is not None and f.k == "u16" else None
        how = r.choice(("len", "len", "other", "unicast", "random"))
        must = False
        if how == "len":
            ln = r.choice((0, 1, 3, 5, 8, 15, 17, 20, 32))
            n.v = bytes(r.getrandbits(8) for _ in range(ln))
            n.k = "bin"
            must = fam in (AF_INET, AF_INET6) or ln not in (4, 16)
        elif how == "other" and fam in (AF_INET, AF_INET6):
            n.v = (b"\x0a\x00\x00\x01" if fam == AF_INET6 else
                   v6(P6_CIP, 1))
            n.k = "bin"
            must = True
        elif how == "unicast" and sch in ("frontend", "backend") and \
                fam in (AF_INET, AF_INET6):
            if fam == AF_INET:
                n.v = r.choice((v4(0, 0, 0, 0), v4(224, 0, 0, 1),
                                v4(255, 255, 255, 255), v4(239, 1, 2, 3)))
            else:
                n.v = r.choice((b"\0" * 16, bytes.fromhex("ff02") +
                                b"\0" * 13 + b"\1"))
            n.k = "bin"
            must = True
        else:
            n.v = bytes(r.getrandbits(8) for _ in range(len(n.v) if
                                                       isinstance(n.v, bytes)
                                                       else 4))
        m.desc.append("%s.%d addr %s %s" % (sch, ntype(n), how, n.v.hex()))
        return must

    def m_hostbits(self, m, nodes):
        cand = [x for x in nodes if x[3] == "cidr" and
                ntype(x[2]) == C_ADDR]
        if not cand:
            return None
        c, i, n, sch, parent = self.r.choice(cand)
        f, p = find(c, C_FAMILY), find(c, C_PREFIXLEN)
        if not (f and p and f.k == "u16" and p.k == "u8" and
                f.v in (AF_INET, AF_INET6) and isinstance(n.v, bytes)):
            return None
        bits = 32 if f.v == AF_INET else 128
        if len(n.v) != bits // 8:
            return None
        if p.v >= bits:
            p.v = self.r.randint(0, bits - 1)
        b = self.r.randint(p.v, bits - 1)
        raw = int.from_bytes(n.v, "big") | (1 << (bits - 1 - b))
        n.v = raw.to_bytes(bits // 8, "big")
        m.desc.append("cidr host bits /%d %s" % (p.v, n.v.hex()))
        return True

    def m_name(self, m, nodes):
        cand = [x for x in nodes if (x[3], ntype(x[2])) in NAME_ATTRS]
        if not cand:
            return None
        c, i, n, sch, parent = self.r.choice(cand)
        r = self.r
        variants = [
            (b"", "str", True), (b"", "bin", True),
            (b"y" * 255, "str", False), (b"y" * 256, "str", True),
            (b"y" * 4096, "str", True), (b"abc", "bin", True),
            (b"y" * 255, "bin", True), (b"a b", "str", True),
            (b"\x01x", "str", True), (b"\x7f", "str", True),
            (b"tab\tx", "str", True), (b"caf\xc3\xa9", "str", True),
            (b"\xff", "str", True), (b"ab\0cd", "bin", False),
            (b"ab\0\0", "bin", False), (b"new/name:" + str(
                r.randint(0, 99)).encode(), "str", False)]
        n.v, n.k, must = r.choice(variants)
        m.desc.append("name %s %r" % (n.k, n.v[:20]) +
                      ("...%d" % len(n.v) if len(n.v) > 20 else ""))
        return must

    def m_dup(self, m, nodes):
        c, i, n, sch, parent = self.r.choice(nodes)
        c.insert(i + 1, n.clone())
        m.desc.append("dup %s.%d" % (sch, ntype(n)))
        if sch in LISTS:
            return False
        if sch == "top":
            return ntype(n) != A_BACKENDS and m.cmd not in DUMP_CMDS and \
                0 < m.cmd <= CMD_MAX
        return True

    def m_unknown(self, m, nodes):
        r = self.r
        nests = [(x[2].v, x[2].s) for x in nodes if x[2].k == "nest"]
        c, sch = r.choice(nests + [(m.attrs, "top")] * 2)
        mx = NEST_MAX.get(sch, 0)
        t = r.choice((mx + 1, mx + 2, 0, 0x3fff, 200))
        k = r.choice(("u32", "u8", "bin", "nest"))
        n = nest(t, sch, []) if k == "nest" else N(t, k, 0 if k != "bin"
                                                    else b"")
        c.insert(r.randint(0, len(c)), n)
        m.desc.append("unknown %s.%d %s" % (sch, t, k))
        return sch not in LISTS and (sch != "top" or 0 < m.cmd <= CMD_MAX)

    def m_extra(self, m, nodes):
        """An attribute of another command or context, or an output-only
        one, where the policy refuses it."""
        r = self.r
        opts = []
        for x in nodes:
            n = x[2]
            if n.k != "nest":
                continue
            if n.s == "svcref":
                opts.append((n, N(S_PROTOCOL, "u8", TCP), True))
                opts.append((n, nest(S_FRONTENDS, "list:frontend", []),
                             True))
            if n.s == "service":
                opts.append((n, nest(S_STATS, "x", []), True))
                if m.cmd == SET_SERVICE:
                    opts.append((n, nest(r.choice((S_FRONTENDS,
                                                   S_BACKENDS)),
                                         "list:backend", []), True))
            if n.s == "backend":
                opts.append((n, nest(B_STATS, "x", []), True))
            if n.s == "lookup":
                opts.append((n, N(r.choice((L_VERDICT, L_REASON, L_MASQ)),
                                  "u8", 1), True))
            if n.s == "frontend":
                k = find(n.v, F_KIND)
                if k and k.k == "u8" and k.v in (1, 2, 4) and \
                        not find(n.v, F_RANGES):
                    opts.append((n, nest(F_RANGES, "list:cidr", []), True))
                if k and k.k == "u8" and k.v == 4 and not find(n.v, F_ADDR):
                    opts.append((n, N(F_ADDR, "bin", v4(10, 0, 0, 1)), True))
        if 0 < m.cmd <= CMD_MAX:
            for t, a in ((A_INFO, lambda: N(A_INFO | NLA_F_NESTED, "nest",
                                            [], "x")),
                         (A_SERVICE, self.svcref), (A_FRONTEND,
                                                    lambda: self.frontend(
                                                        A_FRONTEND)),
                         (A_BACKEND, lambda: self.backend(A_BACKEND)),
                         (A_CONFIG, self.config), (A_LOOKUP, self.lookup),
                         (A_BACKENDS, lambda: nest(A_BACKENDS,
                                                   "list:backend", [])),
                         (A_TAKEOVER, lambda: N(A_TAKEOVER, "bin", b""))):
                if t not in TOP_OK[m.cmd]:
                    opts.append((None, a, True))
        if m.cmd == SET_SERVICE:
            opts.append((None, lambda: nest(A_BACKENDS, "list:backend", []),
                         True))
        if not opts:
            return None
        parent, n, must = r.choice(opts)
        if parent is None:
            n = n()
            m.attrs.insert(r.randint(0, len(m.attrs)), n)
        else:
            parent.v.insert(r.randint(0, len(parent.v)), n)
        m.desc.append("extra %s.%d" % (parent.s if parent else "top",
                                       ntype(n)))
        return must

    def m_nestflag(self, m, nodes):
        c, i, n, sch, parent = self.r.choice(nodes)
        if n.k == "nest":
            c[i] = N(n.t & ~NLA_F_NESTED, "bin", enc(n.v))
            m.desc.append("no NLA_F_NESTED %s.%d" % (sch, ntype(n)))
        elif n.k == "rawnest":
            return None
        else:
            n.t |= NLA_F_NESTED
            m.desc.append("NLA_F_NESTED on %s.%d" % (sch, ntype(n)))
        return self.known(sch, n) and sch not in LISTS

    def m_byteorder(self, m, nodes):
        c, i, n, sch, parent = self.r.choice(nodes)
        n.t |= NLA_F_NET_BYTEORDER
        m.desc.append("NLA_F_NET_BYTEORDER %s.%d" % (sch, ntype(n)))
        return False

    def m_deep(self, m, nodes):
        r = self.r
        c, i, n, sch, parent = r.choice(nodes)
        depth = r.choice((1, 2, 3, 8, 16, 40))
        inner = n
        for _ in range(depth):
            inner = N(ntype(n) | NLA_F_NESTED, "nest", [inner], "deep")
        c[i] = inner
        m.desc.append("%s.%d in %d nests" % (sch, ntype(n), depth))
        return n.k not in ("nest", "rawnest") and self.known(sch, n) and \
            sch not in LISTS

    def m_listentry(self, m, nodes):
        r = self.r
        lists = [x[2] for x in nodes if x[2].k == "nest" and
                 x[2].s in LISTS]
        if not lists:
            return None
        lst = r.choice(lists)
        what = r.choice(("empty", "u8", "u32", "frontend", "backend",
                         "cidr", "typed"))
        if what == "empty":
            e, must = nest(0, "x", []), True
        elif what == "u8":
            e, must = N(0, "u8", r.randint(0, 255)), True
        elif what == "u32":
            e, must = N(0, "u32", r.getrandbits(32)), False
        elif what == "typed":	# a right entry with any entry type
            e = {"list:frontend": self.frontend, "list:backend": self.backend,
                 "list:cidr": self.cidr}[lst.s](r.choice((1, 7, 0x3fff)))
            must = False
        else:
            e = {"frontend": self.frontend, "backend": self.backend,
                 "cidr": self.cidr}[what](0)
            must = lst.s != "list:" + what
            if lst.s == "list:cidr" and what == "backend":
                e.v = [x for x in e.v if ntype(x) != B_WEIGHT] + \
                    [N(B_WEIGHT, "u32", 1)]
        lst.v.insert(r.randint(0, len(lst.v)), e)
        m.desc.append("%s entry in %s" % (what, lst.s))
        return must and self.parsed(m, lst.s)

    def m_cmd(self, m, nodes):
        r = self.r
        if r.random() < 0.5:
            m.cmd = r.choice((0, 17, 18, 31, 64, 127, 128, 255))
            m.desc.append("unknown cmd %d" % m.cmd)
            return True
        m.cmd = r.randint(1, CMD_MAX)
        m.flags &= ~NLM_F_DUMP
        if m.cmd in DUMP_CMDS:
            m.flags |= NLM_F_DUMP
        m.desc.append("as %s" % CMDS[m.cmd])
        # the attributes of another command: refused unless the policies
        # happen to agree (e.g. NEW_SERVICE vs REPLACE_SERVICE)
        return False

    def m_flags(self, m, nodes):
        r = self.r
        how = r.choice(("dump", "dump", "extra", "norequest", "echo"))
        if how == "dump":
            if m.flags & NLM_F_DUMP == NLM_F_DUMP:
                m.flags &= ~NLM_F_DUMP
                m.desc.append("no NLM_F_DUMP")
            else:
                m.flags |= NLM_F_DUMP
                m.desc.append("NLM_F_DUMP")
            return 0 < m.cmd <= CMD_MAX
        if how == "extra":
            f = r.choice((NLM_F_REPLACE, NLM_F_EXCL, NLM_F_CREATE,
                          NLM_F_APPEND, NLM_F_MULTI, 0x1000, 0x8000))
            m.flags |= f
            m.desc.append("flag %#x" % f)
        elif how == "norequest":
            m.flags &= ~NLM_F_REQUEST
            m.desc.append("no NLM_F_REQUEST")
        else:
            m.flags |= NLM_F_ECHO
            m.desc.append("NLM_F_ECHO")
        return False

    def m_version(self, m, nodes):
        m.version = self.r.choice((0, 2, 255))
        m.desc.append("genl version %d" % m.version)
        return False

    def b_bytes(self, m):
        """Byte-level damage to the encoded attributes."""
        r = self.r
        p = bytearray(m.payload if m.payload is not None else enc(m.attrs))
        how = r.choice(("truncate", "truncate", "len", "len", "flip",
                        "append", "zero"))
        if how == "truncate" and p:
            p = p[:r.randint(0, len(p) - 1)]
        elif how == "len" and len(p) >= 4:
            o = r.randrange(0, len(p) - 3, 4) if len(p) >= 8 else 0
            struct.pack_into("=H", p, o, r.choice(
                (0, 1, 3, 4, 5, 0xffff, len(p) - o + 4, r.randint(0, 64))))
        elif how == "flip" and p:
            for _ in range(r.randint(1, 4)):
                p[r.randrange(len(p))] ^= 1 << r.randint(0, 7)
        elif how == "append":
            p += bytes(r.getrandbits(8) for _ in range(r.randint(1, 12)))
        elif p:
            o = r.randrange(len(p))
            p[o:o + 4] = b"\0" * len(p[o:o + 4])
        m.payload = bytes(p)
        m.tree = False
        m.desc.append("bytes " + how)

    def special(self):
        r = self.r
        how = r.choice(("garbage", "short", "empty", "garbage"))
        cmd = r.randint(0, 20)
        m = Msg(cmd if cmd <= CMD_MAX else r.randint(1, CMD_MAX), [],
                dump=cmd in DUMP_CMDS)
        m.nmut = 1
        if how == "garbage":
            m.payload = bytes(r.getrandbits(8)
                              for _ in range(r.randint(1, 200)))
            m.tree = False
        elif how == "short":
            m.genl = bytes(r.getrandbits(8) for _ in range(r.randint(0, 3)))
            m.must = True
        else:
            m.must = m.cmd in (NEW_SERVICE, SET_SERVICE, DEL_SERVICE,
                               NEW_FRONTEND, DEL_FRONTEND, NEW_BACKEND,
                               SET_BACKEND, DEL_BACKEND, SET_CONFIG, LOOKUP,
                               REPLACE_SERVICE)
        m.desc.append(how)
        return m

    MUTATIONS = (("drop", 14), ("boundary", 16), ("retype", 8), ("addr", 9),
                 ("hostbits", 3), ("name", 7), ("dup", 7), ("unknown", 6),
                 ("extra", 7), ("nestflag", 5), ("byteorder", 1),
                 ("deep", 4), ("listentry", 5), ("cmd", 3), ("flags", 4),
                 ("version", 1))

    def mutated(self):
        r = self.r
        m = self.valid(maximal=r.random() < 0.3)
        names = [x[0] for x in self.MUTATIONS]
        weights = [x[1] for x in self.MUTATIONS]
        k = r.choices((1, 2, 3), (70, 20, 10))[0]
        musts = []
        for _ in range(k):
            for _try in range(6):
                nodes = list(walk(m.attrs))
                name = r.choices(names, weights)[0]
                if not nodes and name not in ("unknown", "extra", "cmd",
                                              "flags", "version"):
                    continue
                res = getattr(self, "m_" + name)(m, nodes)
                if res is not None:
                    musts.append(res)
                    break
        if r.random() < 0.08:
            self.b_bytes(m)
        m.nmut = len(musts) + (0 if m.tree else 1)
        m.must = m.tree and len(musts) == 1 and musts[0]
        return m

    def systematic_msgs(self):
        """Every command with each required attribute missing in turn."""
        out = []
        for cmd in (NEW_SERVICE, REPLACE_SERVICE, SET_SERVICE, DEL_SERVICE,
                    NEW_FRONTEND, DEL_FRONTEND, NEW_BACKEND, SET_BACKEND,
                    DEL_BACKEND, SET_CONFIG, LOOKUP, "NEW_BACKENDS"):
            if cmd == "NEW_BACKENDS":
                base = Msg(NEW_BACKEND, [self.svcref(), nest(
                    A_BACKENDS, "list:backend", [self.backend()])])
            else:
                base = self.valid(cmd, maximal=True)
            for idx, x in enumerate(walk(base.attrs)):
                c, i, n, sch, parent = x
                if not self.required(sch, ntype(n), parent, base.cmd, c):
                    continue
                m = base.clone()
                c2, i2, n2, _, _ = list(walk(m.attrs))[idx]
                del c2[i2]
                m.desc.append("missing %s.%d" % (sch, ntype(n)))
                m.must = True
                m.nmut = 1
                out.append(m)
        return out

    def next(self):
        r = self.r
        self.i += 1
        if self.big_ttl:
            self.big_ttl -= 1
            if self.big_ttl == 0 or r.random() < 0.03:
                self.big_ttl = 0
                m = Msg(DEL_SERVICE, [self.svcref(BIG_NAME)])
                m.desc.append("big service gone")
                return m
        if self.i <= self.warmup:
            return self.valid(r.choice((NEW_SERVICE, REPLACE_SERVICE,
                                        NEW_FRONTEND, NEW_BACKEND,
                                        SET_CONFIG)))
        if self.systematic and self.i == self.warmup + 1:
            self.pending = self.systematic_msgs()
        if self.pending:
            return self.pending.pop(0)
        x = r.random()
        if x < 0.30:
            return self.valid()
        if x < 0.303:
            return self.huge()
        if x < 0.32:
            return self.special()
        return self.mutated()


# ---- the kernel side -------------------------------------------------------

class Hang(Exception):
    pass


class Sock:
    def __init__(self, timeout):
        self.g = nlraw.Genl()
        s = self.g.sock
        try:
            s.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)	# SO_RCVBUFFORCE
        except OSError:
            pass
        s.settimeout(timeout)

    def request(self, body, flags):
        """Sends nlmsghdr + body; returns (errno, extack, replies,
        dump_intr). Raises Hang when no answer comes in time."""
        g = self.g
        g.seq += 1
        seq = g.seq
        g.sock.send(struct.pack("=IHHII", 16 + len(body), g.family,
                                flags & 0xffff, seq, 0) + body)
        replies = []
        intr = False
        while True:
            try:
                data = g.sock.recv(1 << 17)
            except socket.timeout:
                raise Hang("no answer")
            while len(data) >= 16:
                mlen, mtype, mflags, mseq, _ = struct.unpack("=IHHII",
                                                            data[:16])
                b = data[16:mlen]
                data = data[(mlen + 3) & ~3:]
                if mlen < 16:
                    break
                if mseq != seq:
                    continue
                if mflags & NLM_F_DUMP_INTR:
                    intr = True
                if mtype == nlraw.NLMSG_ERROR:
                    err, msg = nlraw.Genl._error(b)
                    return err, msg, replies, intr
                if mtype == nlraw.NLMSG_DONE:
                    err = -struct.unpack("=i", b[:4])[0] if len(b) >= 4 \
                        else 0
                    msg = ""
                    if err and len(b) > 4:
                        tlv = nlraw.parse_attrs(b[4:])
                        if nlraw.NLMSGERR_ATTR_MSG in tlv:
                            msg = tlv[nlraw.NLMSGERR_ATTR_MSG].rstrip(
                                b"\0").decode(errors="replace")
                    return err, msg, replies, intr
                replies.append(b[4:])
                if not flags & NLM_F_DUMP == NLM_F_DUMP and \
                        not mflags & NLM_F_MULTI and \
                        not flags & NLM_F_ACK:
                    return 0, "", replies, intr

    def cmd(self, cmd, payload=b"", dump=False):
        body = struct.pack("=BBH", cmd, 1, 0) + payload
        fl = NLM_F_REQUEST | NLM_F_ACK | (NLM_F_DUMP if dump else 0)
        return self.request(body, fl)


def attrs_of(data):
    out = []
    while len(data) >= 4:
        ln, t = struct.unpack("=HH", data[:4])
        if ln < 4:
            break
        out.append((t & 0x3fff, data[4:ln]))
        data = data[(ln + 3) & ~3:]
    return out


class Snap:
    """The table as three answers: the GET_SERVICE dump, GET_CONFIG and
    GET_INFO. Compared as raw bytes first, in canonical form (a service's
    parts coalesced, lists sorted) only when the bytes differ."""

    def __init__(self, replies, config, info):
        self.raw = (tuple(replies), config, info)
        self._canon = None

    def canon(self):
        """(services, config, info, frontend order)"""
        if self._canon is None:
            self._canon = canonical(*self.raw)
        return self._canon

    def same(self, other):
        return self.raw == other.raw or self.canon()[:3] == \
            other.canon()[:3]


def canonical(replies, config, info):
    svcs = []
    for r in replies:
        for t, p in attrs_of(r):
            if t != A_SERVICE:
                continue
            name, sett, fes, bes = None, [], [], []
            for t2, p2 in attrs_of(p):
                if t2 == S_NAME:
                    name = p2
                elif t2 == S_FRONTENDS:
                    fes += [e for _, e in attrs_of(p2)]
                elif t2 == S_BACKENDS:
                    bes += [e for _, e in attrs_of(p2)]
                else:
                    sett.append((t2, p2))
            if svcs and svcs[-1][0] == name and not sett:
                svcs[-1][2].extend(fes)
                svcs[-1][3].extend(bes)
            else:
                svcs.append((name, sett, fes, bes))
    order = tuple((s[0], tuple(s[2])) for s in svcs)
    services = tuple((s[0], tuple(s[1]), tuple(sorted(s[2])),
                      tuple(sorted(s[3]))) for s in svcs)
    return services, config, info, order


def snapshot(sock):
    for _ in range(5):
        err, msg, replies, intr = sock.cmd(GET_SERVICE, dump=True)
        if err:
            raise RuntimeError("GET_SERVICE dump failed: %d %s" % (err, msg))
        if not intr:
            break
    err, msg, rep, _ = sock.cmd(GET_CONFIG)
    if err or not rep:
        raise RuntimeError("GET_CONFIG failed: %d %s" % (err, msg))
    config = rep[0]
    err, msg, rep2, _ = sock.cmd(GET_INFO)
    if err or not rep2:
        raise RuntimeError("GET_INFO failed: %d %s" % (err, msg))
    return Snap(replies, config, rep2[0])


def info_counts(info):
    for t, p in attrs_of(info):
        if t == A_INFO:
            d = dict(attrs_of(p))
            return tuple(struct.unpack("=I", d[k])[0] for k in
                         (INFO_A_SERVICES, INFO_A_FRONTENDS, INFO_A_BACKENDS))
    return None


def diff(a, b):
    out = []
    sa = {s[0]: s for s in a[0]}
    sb = {s[0]: s for s in b[0]}
    for n in sorted(set(sa) | set(sb)):
        if n not in sb:
            out.append("service %r gone" % n[:40])
        elif n not in sa:
            out.append("service %r appeared" % n[:40])
        elif sa[n] != sb[n]:
            x, y = sa[n], sb[n]
            what = [w for w, i in (("settings", 1), ("frontends", 2),
                                   ("backends", 3)) if x[i] != y[i]]
            out.append("service %r %s changed (fe %d->%d, be %d->%d)" % (
                n[:40], "/".join(what), len(x[2]), len(y[2]), len(x[3]),
                len(y[3])))
    if a[1] != b[1]:
        out.append("config changed")
    if a[2] != b[2]:
        out.append("info %s -> %s" % (info_counts(a[2]), info_counts(b[2])))
    return "; ".join(out[:4]) or "order only"


# ---- senders ---------------------------------------------------------------

CLONE_NEWNET = 0x40000000


def unshare_net():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, "unshare(CLONE_NEWNET): " + os.strerror(e))
    # lo up, so that the netns looks like a real one (lookups from 127/8)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        import fcntl
        ifr = struct.pack("16sH", b"lo", 0)
        flags = struct.unpack("16sH", fcntl.ioctl(s, 0x8913, ifr)[:18])[1]
        fcntl.ioctl(s, 0x8914, struct.pack("16sH", b"lo", flags | 1))
    except OSError:
        pass
    s.close()


def run_sender(j, seed, count, check, own_netns, timeout, progress):
    res = {"sender": j, "check": check, "netns": own_netns, "sent": 0,
           "accepted": 0, "rejected": 0, "violations": [], "nviol": 0,
           "noext": {}, "noext_ex": {}, "noext_why": {}, "noext_bad": [], "nnoext_bad": 0, "must": 0,
           "hang": None, "reorder": 0, "intr": 0, "errnos": {},
           "mutated": 0, "valid": 0, "t_gen": 0.0, "t_req": 0.0,
           "t_snap": 0.0, "t_check": 0.0, "acc": {}, "size_sum": [0, 0, 0],
           "size_max": [0, 0, 0]}
    if own_netns:
        unshare_net()
    sock = Sock(timeout)
    gen = Gen(seed, j)
    exp = snapshot(sock) if check else None
    size = (0, 0, 0)

    def violation(kind, i, m, detail):
        res["nviol"] += 1
        if len(res["violations"]) < 8:
            body = m.body()
            res["violations"].append({
                "kind": kind, "index": i, "msg": m.label()[:300],
                "detail": detail[:400], "len": len(body),
                "hex": body[:1024].hex()})

    clock = time.monotonic
    for i in range(count):
        t0 = clock()
        m = gen.next()
        progress[j * 2] = i + 1
        body = m.body()
        t1 = clock()
        res["t_gen"] += t1 - t0
        try:
            err, ext, _, _ = sock.request(body, m.flags)
            res["t_req"] += clock() - t1
        except Hang:
            res["hang"] = {"index": i, "msg": m.label()[:300],
                           "hex": body[:1024].hex()}
            break
        res["sent"] += 1
        if m.nmut:
            res["mutated"] += 1
        else:
            res["valid"] += 1
        if err == 0:
            res["accepted"] += 1
            if (m.flags & NLM_F_REQUEST and m.genl is None and
                    not 0 < m.cmd <= CMD_MAX):
                violation("accepted-invalid", i, m,
                          "accepted an unknown command")
            key = CMDS[m.cmd] if 0 <= m.cmd <= CMD_MAX else "?"
            res["acc"][key] = res["acc"].get(key, 0) + 1
            if m.must:
                violation("accepted-invalid", i, m,
                          "accepted, but the ABI says it must fail")
        else:
            res["rejected"] += 1
            key = "%s/%s" % (CMDS[m.cmd] if 0 <= m.cmd <= CMD_MAX else
                             "cmd%d" % m.cmd, errno.errorcode.get(err, err))
            res["errnos"][key] = res["errnos"].get(key, 0) + 1
            if m.must:
                res["must"] += 1
            if not ext:
                res["noext"][key] = res["noext"].get(key, 0) + 1
                # why: the genetlink core refuses the command or its
                # flags; the genl header is cut short; a dump's .start
                # refuses it (on Linux 6.1 .start gets no extack)
                if err == errno.EOPNOTSUPP:
                    why = "genl core, unknown command or wrong dump flag"
                elif m.genl is not None:
                    why = "genl header too short"
                elif m.cmd in DUMP_CMDS and \
                        m.flags & NLM_F_DUMP == NLM_F_DUMP:
                    why = "dump start"
                else:
                    why = "other"
                res["noext_why"][why] = res["noext_why"].get(why, 0) + 1
                if why == "other" and len(res["noext_ex"]) < 10:
                    res["noext_ex"]["%s #%d" % (key, i)] = \
                        m.label()[:200] + " " + body[:200].hex()
                # a state-changing request, framed right, with a bad
                # attribute: the ABI promises an extack message
                if (m.cmd in STATE_CMDS and m.must and m.genl is None and
                        m.flags & NLM_F_DUMP == 0 and m.tree and
                        err in (errno.EINVAL, errno.ERANGE, errno.E2BIG,
                                errno.EAFNOSUPPORT)):
                    res["nnoext_bad"] += 1
                    if len(res["noext_bad"]) < 8:
                        res["noext_bad"].append({
                            "index": i, "msg": m.label()[:300],
                            "err": key, "hex": body[:1024].hex()})
        if not check:
            continue
        t2 = clock()
        try:
            snap = snapshot(sock)
            res["t_snap"] += clock() - t2
        except Hang:
            res["hang"] = {"index": i, "msg": "snapshot after " +
                           m.label()[:300], "hex": body[:1024].hex()}
            break
        if snap.raw != exp.raw:
            sv = snap.canon()[0]
            c = info_counts(snap.raw[2])
            got = (len(sv), sum(len(x[2]) for x in sv),
                   sum(len(x[3]) for x in sv))
            if c != got:
                violation("info-mismatch", i, m, "GET_INFO %s, dump %s" %
                          (c, got))
            size = got
            if err or m.readonly():
                if not snap.same(exp):
                    violation("changed-by-%s" % ("rejected" if err else
                                                 "read-only"), i, m,
                              "errno %d %r: %s" % (
                                  err, ext, diff(exp.canon(), snap.canon())))
                elif snap.canon()[3] != exp.canon()[3]:
                    res["reorder"] += 1
        exp = snap
        for k in range(3):
            res["size_sum"][k] += size[k]
            res["size_max"][k] = max(res["size_max"][k], size[k])
        res["t_check"] += clock() - t2
    progress[j * 2 + 1] = 1
    return res


def show(seed, spec):
    j, idx = spec.split(":")
    want = sorted(int(x) for x in idx.split(","))
    gen = Gen(seed, int(j))
    for i in range(want[-1] + 1):
        m = gen.next()
        if i in want:
            b = m.body()
            print("sender %s message %d: %s flags %#x must-reject %s" % (
                j, i, m.label(), m.flags, m.must))
            print("  len %d hex %s" % (len(b), b.hex()))


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--count", type=int, default=2000,
                    help="messages in all, split over the senders")
    ap.add_argument("--senders", type=int, default=4,
                    help="checking senders, each in its own netns")
    ap.add_argument("--blasters", type=int, default=2,
                    help="unchecked senders in the initial netns")
    ap.add_argument("--timeout", type=float, default=60,
                    help="seconds to wait for an answer")
    ap.add_argument("--hang", type=float, default=180,
                    help="a sender without progress for this long is hung")
    ap.add_argument("--show", metavar="J:I[,I...]")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args(argv[1:])
    seed = a.seed if a.seed is not None else \
        int.from_bytes(os.urandom(4), "big")
    if a.show:
        show(seed, a.show)
        return 0
    nsend = a.senders + a.blasters
    counts = [a.count // nsend + (1 if j < a.count % nsend else 0)
              for j in range(nsend)]
    print("# nlfuzz: seed %d count %d: %d checking senders in their own "
          "netns, %d blasters in the initial netns" % (seed, a.count,
                                                      a.senders, a.blasters),
          flush=True)
    progress = mmap.mmap(-1, 8 * 2 * nsend)
    prog = memoryview(progress).cast("Q")
    start = time.monotonic()
    kids = {}
    for j in range(nsend):
        rfd, wfd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(rfd)
            code = 0
            try:
                res = run_sender(j, seed, counts[j], j < a.senders,
                                 j < a.senders, a.timeout, prog)
            except Exception as e:  # noqa: BLE001
                import traceback
                res = {"sender": j, "crash": "%s: %s" % (
                    type(e).__name__, e), "tb": traceback.format_exc()}
                code = 1
            os.write(wfd, json.dumps(res).encode())
            os.close(wfd)
            os._exit(code)
        os.close(wfd)
        kids[pid] = (j, rfd, bytearray())
    results = {}
    last = [(0, time.monotonic())] * nsend
    hung = []
    open_fds = {v[1]: pid for pid, v in kids.items()}
    while open_fds:
        ready, _, _ = select.select(list(open_fds), [], [], 1.0)
        for fd in ready:
            pid = open_fds[fd]
            chunk = os.read(fd, 1 << 16)
            if chunk:
                kids[pid][2].extend(chunk)
                continue
            os.close(fd)
            del open_fds[fd]
            os.waitpid(pid, 0)
            j = kids[pid][0]
            try:
                results[j] = json.loads(bytes(kids[pid][2]))
            except ValueError:
                results[j] = {"sender": j, "crash": "no result"}
        now = time.monotonic()
        for fd, pid in list(open_fds.items()):
            j = kids[pid][0]
            p = prog[j * 2]
            if p != last[j][0]:
                last[j] = (p, now)
            elif now - last[j][1] > a.hang:
                # stuck, most likely inside the kernel: give up on it
                hung.append((j, p - 1))
                os.kill(pid, signal.SIGKILL)
                os.close(fd)
                del open_fds[fd]
                results[j] = {"sender": j, "crash": "hung at message %d"
                              % (p - 1)}
        if a.verbose and int(now) % 30 == 0:
            print("# progress %s" % [prog[j * 2] for j in range(nsend)],
                  flush=True)
    secs = time.monotonic() - start

    # ---- report ----
    ok_all = True

    def line(ok, name, detail=""):
        nonlocal ok_all
        ok_all &= ok
        print("%s - %s%s" % ("ok" if ok else "not ok", name,
                             " # " + detail if detail and not ok else ""),
              flush=True)

    tot = {"sent": 0, "accepted": 0, "rejected": 0, "nviol": 0,
           "nnoext_bad": 0, "reorder": 0, "must": 0, "mutated": 0,
           "valid": 0, "t_gen": 0.0, "t_req": 0.0, "t_snap": 0.0,
           "t_check": 0.0}
    noext = {}
    noext_ex = {}
    noext_why = {}
    acc = {}
    errnos = {}
    hangs = []
    for j in range(nsend):
        r = results.get(j, {"crash": "no result"})
        role = ("sender %d (own netns, checked)" % j if j < a.senders else
                "blaster %d (initial netns)" % j)
        if "crash" in r:
            line(False, "%s ran" % role, r["crash"])
            for ln in r.get("tb", "").splitlines():
                print("#   " + ln)
            continue
        for k in tot:
            tot[k] += r[k]
        for k, v in r["noext"].items():
            noext[k] = noext.get(k, 0) + v
        for k, v in r["noext_ex"].items():
            noext_ex.setdefault("sender %d %s" % (j, k), v)
        for k, v in r["noext_why"].items():
            noext_why[k] = noext_why.get(k, 0) + v
        for k, v in r["errnos"].items():
            errnos[k] = errnos.get(k, 0) + v
        if r["hang"]:
            hangs.append((j, r["hang"]))
        for v in r["violations"]:
            print("# violation sender %d message %d (%s): %s" % (
                j, v["index"], v["kind"], v["msg"]))
            print("#   %s" % v["detail"])
            print("#   %d bytes after nlmsghdr: %s" % (v["len"], v["hex"]))
        for v in r["noext_bad"]:
            print("# no extack: sender %d message %d %s: %s" % (
                j, v["index"], v["err"], v["msg"]))
            print("#   %s" % v["hex"])
        for k, v in r["acc"].items():
            acc[k] = acc.get(k, 0) + v
        if r["check"] and r["sent"]:
            print("# sender %d table: mean %s, max %s services/frontends/"
                  "backends" % (j, "/".join("%.0f" % (x / r["sent"])
                                            for x in r["size_sum"]),
                                "/".join(map(str, r["size_max"]))))
        line(r["nviol"] == 0 and not r["hang"],
             "%s: %d messages, %d accepted, %d rejected" % (
                 role, r["sent"], r["accepted"], r["rejected"]),
             "%d violations%s" % (r["nviol"], ", hung" if r["hang"] else ""))
    for j, p in hung:
        hangs.append((j, {"index": p, "msg": "(stuck in the kernel)",
                          "hex": ""}))
    for j, h in hangs:
        print("# hang: sender %d message %d: %s" % (j, h["index"], h["msg"]))
        if h["hex"]:
            print("#   %s" % h["hex"])
        if h["msg"] == "(stuck in the kernel)":
            print("#   reproduce: nlfuzz.py --seed %d --show %d:%d" % (
                seed, j, h["index"]))
    line(not hangs and len(results) == nsend,
         "the kernel answered every message", "%d hangs" % len(hangs))
    line(tot["nviol"] == 0, "rejected and read-only messages left the "
         "table unchanged, must-reject messages were rejected",
         "%d violations" % tot["nviol"])
    line(tot["nnoext_bad"] == 0, "rejected state-changing messages with a "
         "malformed attribute carry an extack message",
         "%d without" % tot["nnoext_bad"])
    nno = sum(noext.values())
    if noext:
        print("# rejections without extack, by command/errno: " + ", ".join(
            "%s %d" % kv for kv in sorted(noext.items(),
                                          key=lambda kv: -kv[1])))
        print("# rejections without extack, by cause: " + ", ".join(
            "%s %d" % kv for kv in sorted(noext_why.items(),
                                          key=lambda kv: -kv[1])))
        for k in sorted(noext_ex):
            print("#   cause other: %s: %s" % (k, noext_ex[k]))
    print("# rejections by command/errno: " + ", ".join(
        "%s %d" % kv for kv in sorted(errnos.items(),
                                      key=lambda kv: -kv[1])[:30]))
    print("# accepted by command: " + ", ".join(
        "%s %d" % kv for kv in sorted(acc.items(), key=lambda kv: -kv[1])))
    print("# %d valid, %d mutated; %d must-reject messages rejected; "
          "%d rejected messages reordered frontends only" % (
              tot["valid"], tot["mutated"], tot["must"], tot["reorder"]))
    print("# %.1f s, %.0f messages/s; sender time: generating %.0f s, "
          "requests %.0f s, snapshots %.0f s, checks %.0f s" % (
              secs, tot["sent"] / max(secs, 1e-9), tot["t_gen"],
              tot["t_req"], tot["t_snap"], tot["t_check"] - tot["t_snap"]))
    summary = ("messages %d accepted %d rejected %d invariant-violations %d "
               "no-extack %d seed %d" % (tot["sent"], tot["accepted"],
                                         tot["rejected"], tot["nviol"], nno,
                                         seed))
    line(ok_all, summary)
    return 0 if ok_all else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
