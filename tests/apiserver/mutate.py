#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Show that each check of test_apiserver.py can fail: break apiserver.py one way at a time
(in a copy under /tmp), run the checks, print which failed. A mutation no check notices is a
missing check. Not part of `make check` (about 10 s per mutation).

Usage: mutate.py [INDEX...]
"""

import os
import shutil
import subprocess
import sys
import tempfile

SRC = os.path.dirname(os.path.abspath(__file__))
M = [
    ('pagination: token restarts at the last key (duplicate)',
     "continue_token(rv, snap[i - 1][0] + '\\x00')",
     'continue_token(rv, snap[i - 1][0])'),
    ('expired continue served from current state',
     'snap = st.snapshot(res, rv) if rv >= st.compacted else None',
     'snap = st.snapshot(res, max(rv, st.compacted))'),
    ('watch from too-old RV not refused',
     ['too_old = from_rv is not None and not initial and from_rv < st.compacted',
      '                    elif last < st.compacted:\n'],
     ['too_old = False',
      '                    elif False:\n']),
    ('no bookmarks',
     "        self.send_chunk(dumps({'type': 'BOOKMARK', 'object': obj}) + b'\\n')",
     '        pass'),
    ('!key treated as key',
     '            preds.append(lambda L, k=key: k not in L)',
     '            preds.append(lambda L, k=key: k in L)'),
    ('field selector ignored',
     '    return lambda meta: all(p(meta) for p in preds)',
     '    return lambda meta: True'),
    ('watch replay starts at current',
     '            else:\n                last = from_rv\n',
     '            else:\n                last = st.rv\n'),
    ('MODIFIED reported as ADDED',
     "self.send_event('MODIFIED' if old_ok else 'ADDED', ev.obj, ev.enc)",
     "self.send_event('ADDED', ev.obj, ev.enc)"),
    ('drop-watches ends cleanly',
     '                if g[0] != gens[0]:\n                    return self.drop()',
     '                if g[0] != gens[0]:\n                    return self.end_chunks()'),
    ('any bearer token accepted',
     "        if auth.startswith('Bearer ') and opts.token:\n            return False",
     "        if auth.startswith('Bearer ') and opts.token:\n            return True"),
    ('no trigger-time stamp',
     '        if not ann.get(TRIGGER) or ann.get(TRIGGER) == oldv:',
     '        if False:'),
    ('no sent-at stamp',
     '        if self.server.opts.stamp_sent:',
     '        if False:'),
    ('aggregated-only Accept answered',
     '        if not ok:\n            raise ApiError(406',
     '        if False:\n            raise ApiError(406'),
    ('malformed line is valid JSON',
     'b\'","metadata":{"name":\\n\'',
     'b\'"}}\\n\''),
    ('silent ignored',
     ('                        if st.faults.silent:\n                            if self.client'
      '_gone'),
     '                        if False:\n                            if self.client_gone'),
    ('slow ignored',
     "        if slow and not qbool(q, 'watch'):",
     '        if False:'),
    ('timeoutSeconds ignored',
     "        timeout = float(q.get('timeoutSeconds') or opts.watch_timeout)",
     '        timeout = opts.watch_timeout'),
    ('status fault ignored',
     '        if hit is None:\n            return',
     '        if True:\n            return'),
    ('selector exit sent as MODIFIED',
     ("                    elif old_ok:\n                        self.send_event('DELETED', ev."
      'obj, ev.enc)'),
     ("                    elif old_ok:\n                        self.send_event('MODIFIED', ev"
      '.obj, ev.enc)')),
    ('no-op PUT bumps RV',
     '            if same_object(obj, old):\n                return old',
     '            if False:\n                return old'),
    ('no initial-events-end',
     "            obj['metadata']['annotations'] = {INITIAL_END: 'true'}",
     '            pass'),
    ('client-auth required ignored',
     ("            tls.verify_mode = ssl.CERT_REQUIRED if opts.client_auth == 'required' \\\n  "
      '              else ssl.CERT_OPTIONAL'),
     '            tls.verify_mode = ssl.CERT_OPTIONAL'),
    ('List kind wrong',
     "head = dumps({'kind': res.kind + 'List'",
     "head = dumps({'kind': 'List'"),
    ('expire-watches ignored',
     '            st.expire_gen += 1',
     '            pass'),
    ('headless slices lose their label filter (python client list)',
     "        return lsel(m.get('labels') or {}) and fsel(m)",
     '        return fsel(m)'),
    ('watch flag parsed as only 1/true',
     "    return q.get(name) in ('1', 't', 'T', 'true', 'TRUE', 'True')",
     "    return q.get(name) in ('1', 'true')"),
    ('namespaced watch leaks other namespaces',
     "            if ns is not None and m.get('namespace') != ns:\n                return False",
     '            if False:\n                return False'),
    ('no Table',
     '    if handler.server.opts.no_table:\n        return False',
     '    if True:\n        return False'),
    ('DELETE body not read',
     '            body = self.read_body()     # always: a DELETE carries DeleteOptions',
     "            body = self.read_body() if method in ('POST', 'PUT', 'PATCH') else None"),
    ('status subresource takes the whole patched object',
     "            new = jcopy(cur)\n            new['status'] = new_status",
     ("            new = self.patched(cur, body) if method == 'PATCH' else jcopy(cur)\n        "
      "    new['status'] = new_status")),
    ('silent watch sends initial events',
     '                while st.faults.silent:\n                    if self.client_gone():',
     '                while False:\n                    if self.client_gone():'),
    ('no TCP_NODELAY',
     '        request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)',
     '        pass'),
    ('restart reuses resourceVersions',
     '        opts.rv_base = int(time.time()) * 1000000',
     '        opts.rv_base = 0'),
]


def main():
    which = sys.argv[1:]
    missed = 0
    for i, (name, old, new) in enumerate(M):
        if which and str(i) not in which:
            continue
        d = tempfile.mkdtemp(prefix='apiserver-mutant.')
        try:
            for f in ('apiserver.py', 'certs.py', 'gencluster.py', 'ctl', 'test_apiserver.py'):
                shutil.copy2(os.path.join(SRC, f), d)
            p = os.path.join(d, 'apiserver.py')
            s = open(p).read()
            olds, news = (old, new) if isinstance(old, list) else ([old], [new])
            if any(s.count(o) != 1 for o in olds):
                print('MUTATION %d %s: pattern not found once' % (i, name), flush=True)
                missed += 1
                continue
            for o, n in zip(olds, news):
                s = s.replace(o, n)
            open(p, 'w').write(s)
            r = subprocess.run([os.path.join(d, 'test_apiserver.py')], capture_output=True,
                               text=True, timeout=200)
            fails = [ln.split(' - ', 1)[1] for ln in r.stdout.splitlines()
                     if ln.startswith('not ok')]
            missed += not fails
            print('MUTATION %d %s: %s' % (i, name, '; '.join(f[:50] for f in fails) if fails
                                          else 'NOT NOTICED'), flush=True)
        finally:
            shutil.rmtree(d, ignore_errors=True)
    return 1 if missed else 0


if __name__ == '__main__':
    sys.exit(main())
