#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""svcsyncd benchmark driver: single-endpoint changes through the fake API
server, paced, and their event-to-kernel latency.

  syncd-scale.py --cluster FILE --tls-dir DIR --latency-log FILE
                 [--server URL] [--changes 1000] [--rate 20] [--senders 4] [--wait 60]

Each change is a merge patch of one EndpointSlice of a different Service
(gencluster.py scale's), marking its first endpoint not ready: one backend
leaves that Service. The fake API server stamps the slice's
endpoints.kubernetes.io/last-change-trigger-time when it stores the write,
before the watch event is sent; the PATCH answer carries it. svcsyncd's
--latency-log has one "KEY UNIXTIME MS" line per Service applied (UNIXTIME:
after the kernel answered; MS: from the event's arrival in svcsyncd). The
event-to-kernel latency of a change is UNIXTIME - trigger time (same clock:
both run in the guest). Prints "KEY VALUE" lines.
"""

import argparse
import calendar
import copy
import importlib.machinery
import importlib.util
import json
import os
import sys
import threading
import time

TRIGGER = 'endpoints.kubernetes.io/last-change-trigger-time'
HERE = os.path.dirname(os.path.abspath(__file__))


def load_ctl():
    path = os.path.join(HERE, '..', 'tests', 'apiserver', 'ctl')
    loader = importlib.machinery.SourceFileLoader('svcvip_ctl', path)
    spec = importlib.util.spec_from_loader('svcvip_ctl', loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


def rfc3339(s):
    base, _, frac = s.rstrip('Z').partition('.')
    t = calendar.timegm(time.strptime(base, '%Y-%m-%dT%H:%M:%S'))
    return t + (float('0.' + frac) if frac else 0.0)


def pct(v, p):
    """nearest-rank percentile of a sorted list"""
    if not v:
        return float('nan')
    k = max(0, min(len(v) - 1, int(-(-p * len(v) // 100)) - 1))
    return v[k]


def read_log(path, since):
    """key -> list of (unixtime, ms) applied at or after since"""
    out = {}
    try:
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) != 3:
                    continue
                t = float(parts[1])
                if t >= since:
                    out.setdefault(parts[0], []).append((t, float(parts[2])))
    except FileNotFoundError:
        pass
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--cluster', required=True)
    ap.add_argument('--tls-dir', required=True)
    ap.add_argument('--server', default=os.environ.get('APISERVER_URL',
                                                       'https://127.0.0.1:6443'))
    ap.add_argument('--latency-log', required=True)
    ap.add_argument('--changes', type=int, default=1000)
    ap.add_argument('--rate', type=float, default=20.0)
    ap.add_argument('--senders', type=int, default=4, help='concurrent PATCH connections')
    ap.add_argument('--wait', type=float, default=60.0,
                    help='seconds to wait for the last change to reach the kernel')
    a = ap.parse_args()

    ctl = load_ctl()
    doc = json.load(open(a.cluster))
    items = doc['items'] if isinstance(doc, dict) else doc
    slices = [o for o in items if o['kind'] == 'EndpointSlice' and o.get('endpoints')]
    if len(slices) < a.changes:
        sys.exit('syncd-scale: %d slices for %d changes' % (len(slices), a.changes))
    # spread over the whole table, each Service once
    step = len(slices) // a.changes
    picks = [slices[i * step] for i in range(a.changes)]
    # a PATCH takes longer than 1/rate under TCG: a few connections keep the pace
    sent = {}		# service key -> trigger time
    http_ms = []
    errors = []
    late = [0]
    lock = threading.Lock()
    start = time.time() + 0.5

    def worker(w):
        client = ctl.Client(a.server, a.tls_dir, None)
        for i in range(w, len(picks), a.senders):
            sl = picks[i]
            due = start + i / a.rate
            now = time.time()
            if due > now:
                time.sleep(due - now)
            elif now - due > 1.0 / a.rate:
                with lock:
                    late[0] += 1
            m = sl['metadata']
            eps = copy.deepcopy(sl['endpoints'])
            eps[0]['conditions'] = dict(eps[0].get('conditions') or {}, ready=False,
                                        serving=False)
            t0 = time.time()
            st, body = client.request(
                'PATCH', ctl.obj_path('EndpointSlice', m['namespace'], m['name']),
                {'endpoints': eps}, ctype='application/merge-patch+json')
            t1 = time.time()
            with lock:
                if st >= 300:
                    errors.append('PATCH %s/%s: %s %s' % (m['namespace'], m['name'], st, body))
                    continue
                http_ms.append((t1 - t0) * 1000)
                trig = rfc3339(body['metadata']['annotations'][TRIGGER])
                svc = m['labels']['kubernetes.io/service-name']
                sent['%s/%s' % (m['namespace'], svc)] = (trig, t0)

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(a.senders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        sys.exit('syncd-scale: %d errors, first: %s' % (len(errors), errors[0]))
    late = late[0]
    send_secs = time.time() - start if sent else 1

    deadline = time.time() + a.wait
    while True:
        applied = read_log(a.latency_log, start - 1)
        done = {k: [x for x in applied.get(k, []) if x[0] >= v[0]] for k, v in sent.items()}
        missing = [k for k, v in done.items() if not v]
        if not missing or time.time() > deadline:
            break
        time.sleep(0.2)
    e2k, daemon = [], []
    for k, v in done.items():
        if v:
            t, ms = min(v)		# the first apply after the write
            e2k.append((t - sent[k][0]) * 1000)
            daemon.append(ms)
    e2k.sort()
    daemon.sort()
    http_ms.sort()
    out = [
        ('changes', len(sent)), ('applied', len(e2k)), ('missing', len(missing)),
        ('rate_per_s', '%.1f' % (len(sent) / send_secs)), ('late_sends', late),
        ('e2k_p50_ms', '%.1f' % pct(e2k, 50)), ('e2k_p90_ms', '%.1f' % pct(e2k, 90)),
        ('e2k_p99_ms', '%.1f' % pct(e2k, 99)), ('e2k_max_ms', '%.1f' % (e2k[-1] if e2k else 0)),
        ('daemon_p50_ms', '%.1f' % pct(daemon, 50)), ('daemon_p99_ms', '%.1f' % pct(daemon, 99)),
        ('patch_http_p50_ms', '%.1f' % pct(http_ms, 50)),
        ('patch_http_p99_ms', '%.1f' % pct(http_ms, 99)),
    ]
    for k, v in out:
        print(k, v)
    if missing:
        print('missing_keys', ' '.join(missing[:10]))
    return 0


if __name__ == '__main__':
    sys.exit(main())
