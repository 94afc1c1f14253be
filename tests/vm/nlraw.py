#!/usr/bin/env python3
"""Raw generic netlink messages to the svcvip family, for tests that must
send what svcadm never would (wrong types, truncated nests, duplicates).

As a module:  Genl().request(cmd, attrs, flags) -> (errno, extack_msg)
As a command: nlraw.py [--replace] [--dump] CMD ATTRS_JSON
    CMD is a number or a name like NEW_SERVICE; ATTRS_JSON is a list of
    [type, kind, value] with kind one of u8 u16 u32 u64 str (NUL added) bin
    (hex) nest (a list of the same) raw (hex, the attribute payload as is).
    (--replace sets NLM_F_REPLACE, which generic netlink must refuse.)
    Top-level attribute numbers: INFO 1 SERVICE 2 FRONTEND 3 BACKEND 4
    CONFIG 5 LOOKUP 6 BACKENDS 7.
    A top-level ["payload", "<hex>"] instead sends those bytes verbatim as
    the message payload after the genl header.
    Prints "ok" or "error ERRNO: MESSAGE", followed by " [at T.T...]" when
    the extack points at an attribute (the types from the top level down,
    e.g. 2.3: the service's scheduler) and " [missing T in T.T...]" when it
    names a missing one; exits 0 on success, 1 on error.
       nlraw.py --batch < FILE
    Python starts slowly in the VM, so many requests can share one process:
    each input line is "[--replace] [--dump] CMD ATTRS_JSON", each output
    line the result as above; exits 1 if any request failed.
"""

import errno
import json
import os
import socket
import struct
import sys

NETLINK_GENERIC = 16
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
NLM_F_REQUEST = 0x1
NLM_F_MULTI = 0x2
NLM_F_ACK = 0x4
NLM_F_REPLACE = 0x100
NLM_F_DUMP = 0x300
NLMSG_ERROR = 2
NLMSG_DONE = 3
NLA_F_NESTED = 0x8000
NETLINK_EXT_ACK = 11
NETLINK_CAP_ACK = 10
NLMSGERR_ATTR_MSG = 1
NLMSGERR_ATTR_OFFS = 2
NLMSGERR_ATTR_MISS_TYPE = 5
NLMSGERR_ATTR_MISS_NEST = 6
SOL_NETLINK = 270
SO_SNDBUFFORCE = 32

COMMANDS = ["UNSPEC", "GET_INFO", "NEW_SERVICE", "SET_SERVICE", "DEL_SERVICE",
            "GET_SERVICE", "NEW_FRONTEND", "DEL_FRONTEND", "NEW_BACKEND",
            "SET_BACKEND", "DEL_BACKEND", "FLUSH", "GET_CONFIG", "SET_CONFIG",
            "GET_STATS", "LOOKUP", "REPLACE_SERVICE"]


def align4(n):
    return (n + 3) & ~3


def attr(atype, payload):
    hdr = struct.pack("=HH", 4 + len(payload), atype)
    return hdr + payload + b"\0" * (align4(len(payload)) - len(payload))


def encode(attrs):
    out = b""
    for a in attrs:
        atype, kind, value = a
        if kind == "u8":
            p = struct.pack("=B", value)
        elif kind == "u16":
            p = struct.pack("=H", value)
        elif kind == "u32":
            p = struct.pack("=I", value)
        elif kind == "u64":
            p = struct.pack("=Q", value)
        elif kind == "str":
            p = value.encode() + b"\0"
        elif kind in ("bin", "raw"):
            p = bytes.fromhex(value)
        elif kind == "nest":
            p = encode(value)
            atype |= NLA_F_NESTED
        else:
            raise ValueError("unknown kind " + kind)
        out += attr(atype, p)
    return out


def parse_attrs(data):
    res = {}
    while len(data) >= 4:
        alen, atype = struct.unpack("=HH", data[:4])
        if alen < 4:
            break
        res.setdefault(atype & 0x3fff, data[4:alen])
        data = data[align4(alen):]
    return res


class Genl:
    def __init__(self, family="svcvip"):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                  NETLINK_GENERIC)
        self.sock.bind((0, 0))
        # large messages (a whole big service in one request) need room
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, SO_SNDBUFFORCE, 8 << 20)
        except OSError:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8 << 20)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
        self.seq = 1
        self.family = self.resolve(family)

    def send(self, ftype, cmd, payload, flags, version=1):
        self.seq += 1
        genl = struct.pack("=BBH", cmd, version, 0)
        msg = genl + payload
        hdr = struct.pack("=IHHII", 16 + len(msg), ftype, flags, self.seq, 0)
        self.sock.send(hdr + msg)
        return self.seq

    def recv_all(self, seq):
        """Yields (type, flags, payload) until the ack or DONE."""
        while True:
            data = self.sock.recv(1 << 20)
            while len(data) >= 16:
                mlen, mtype, mflags, mseq, _ = struct.unpack("=IHHII",
                                                            data[:16])
                body = data[16:mlen]
                data = data[align4(mlen):]
                if mseq != seq:
                    continue
                yield mtype, mflags, body
                if mtype in (NLMSG_ERROR, NLMSG_DONE):
                    return

    def resolve(self, name):
        payload = attr(CTRL_ATTR_FAMILY_NAME, name.encode() + b"\0")
        seq = self.send(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, payload,
                        NLM_F_REQUEST)
        for mtype, _, body in self.recv_all(seq):
            if mtype == NLMSG_ERROR:
                err = -struct.unpack("=i", body[:4])[0]
                if err:
                    raise OSError(err, "family %s: %s" %
                                  (name, os.strerror(err)))
                continue
            attrs = parse_attrs(body[4:])
            return struct.unpack("=H", attrs[CTRL_ATTR_FAMILY_ID][:2])[0]
        raise OSError(errno.ENOENT, "family not found")

    @staticmethod
    def _error(body):
        err = -struct.unpack("=i", body[:4])[0]
        msg = ""
        # with CAP_ACK the original message is not echoed: TLVs follow
        if len(body) > 20:
            tlv = parse_attrs(body[20:])
            if NLMSGERR_ATTR_MSG in tlv:
                msg = tlv[NLMSGERR_ATTR_MSG].rstrip(b"\0").decode()
        return err, msg

    @staticmethod
    def _where(body, payload):
        """The attribute an error's extack points at, or names missing."""
        where = ""
        if len(body) <= 20:
            return where
        tlv = parse_attrs(body[20:])
        if NLMSGERR_ATTR_OFFS in tlv:
            off = struct.unpack("=I", tlv[NLMSGERR_ATTR_OFFS][:4])[0]
            path = attr_path(payload, off - 20)
            where = " [at %s]" % (path or "offset %d" % off)
        if NLMSGERR_ATTR_MISS_TYPE in tlv:
            miss = struct.unpack("=I", tlv[NLMSGERR_ATTR_MISS_TYPE][:4])[0]
            nest = "top level"
            if NLMSGERR_ATTR_MISS_NEST in tlv:
                o = struct.unpack("=I", tlv[NLMSGERR_ATTR_MISS_NEST][:4])[0]
                nest = attr_path(payload, o - 20) or "offset %d" % o
            where += " [missing %d in %s]" % (miss, nest)
        return where

    def request(self, cmd, payload, flags=0, dump=False):
        """Returns (errno, extack message, [reply payloads])."""
        if isinstance(cmd, str):
            cmd = COMMANDS.index(cmd)
        fl = NLM_F_REQUEST | NLM_F_ACK | flags
        if dump:
            fl |= NLM_F_DUMP
        seq = self.send(self.family, cmd, payload, fl)
        self.where = ""
        replies = []
        for mtype, _, body in self.recv_all(seq):
            if mtype == NLMSG_ERROR:
                err, msg = self._error(body)
                self.where = self._where(body, payload)
                return err, msg, replies
            if mtype == NLMSG_DONE:
                err = -struct.unpack("=i", body[:4])[0] if body else 0
                msg = ""
                if err and len(body) > 4:
                    tlv = parse_attrs(body[4:])
                    if NLMSGERR_ATTR_MSG in tlv:
                        msg = tlv[NLMSGERR_ATTR_MSG].rstrip(b"\0").decode()
                return err, msg, replies
            replies.append(body[4:])
        return 0, "", replies


def attr_path(payload, off):
    """The types, outermost first, of the attribute starting at byte @off
    of @payload, joined by dots; "" if none starts there."""
    pos = 0
    while pos + 4 <= len(payload):
        alen, atype = struct.unpack("=HH", payload[pos:pos + 4])
        if alen < 4:
            return ""
        t = atype & 0x3fff
        if pos == off:
            return str(t)
        if pos < off < pos + alen:
            inner = attr_path(payload[pos + 4:pos + alen], off - pos - 4)
            return "%d.%s" % (t, inner) if inner else ""
        pos += align4(alen)
    return ""


def parse_args(words):
    flags = 0
    dump = False
    args = []
    for a in words:
        if a == "--replace":
            flags |= NLM_F_REPLACE
        elif a == "--dump":
            dump = True
        else:
            args.append(a)
    if len(args) != 2:
        raise ValueError("want CMD ATTRS_JSON")
    cmd = int(args[0]) if args[0].isdigit() else COMMANDS.index(args[0])
    spec = json.loads(args[1])
    if spec and spec[0] == "payload":
        payload = bytes.fromhex(spec[1])
    else:
        payload = encode(spec)
    return cmd, payload, flags, dump


def run_one(g, cmd, payload, flags, dump):
    err, msg, replies = g.request(cmd, payload, flags, dump)
    if err:
        print("error %d: %s%s%s" % (err, errno.errorcode.get(err, "?"),
                                    (": " + msg) if msg else "", g.where),
              flush=True)
        return 1
    print("ok" + (" %d replies" % len(replies) if dump else ""), flush=True)
    return 0


def main(argv):
    batch = "--batch" in argv[1:]
    try:
        g = Genl()
    except OSError as e:
        print("error %d: %s" % (e.errno, e.strerror))
        return 1
    if not batch:
        try:
            req = parse_args(argv[1:])
        except ValueError:
            sys.stderr.write(__doc__)
            return 2
        return run_one(g, *req)
    rc = 0
    for line in sys.stdin:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        words = line.split(None, 1)
        opts = []
        while words and words[0].startswith("--"):
            opts.append(words[0])
            words = words[1].split(None, 1)
        cmd_words = opts + [words[0]] + [words[1] if len(words) > 1 else "[]"]
        rc |= run_one(g, *parse_args(cmd_words))
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv))
