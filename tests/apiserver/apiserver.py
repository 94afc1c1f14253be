#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A fake Kubernetes API server for svcsyncd's tests, the demo and the benchmark.

Serves Services, EndpointSlices, Nodes, Namespaces and ServiceCIDRs in the real
wire format: LIST (pagination, selectors), WATCH (chunked, bookmarks, 410 from a
bounded history), discovery for kubectl, POST/PUT/PATCH/DELETE, and faults on
demand through /_fake/.  Standard library only.  See README.md.
"""

import argparse
import base64
import datetime
import ipaddress
import json
import os
import random
import re
import select
import socket
import ssl
import string
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TRIGGER = 'endpoints.kubernetes.io/last-change-trigger-time'
SENT_AT = 'svcvip.test/sent-at'
INITIAL_END = 'k8s.io/initial-events-end'
VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']


class Resource:
    def __init__(self, name, group, kind, namespaced, short=()):
        self.name = name
        self.group = group
        self.version = 'v1'
        self.kind = kind
        self.namespaced = namespaced
        self.short = list(short)
        self.api_version = (group + '/v1') if group else 'v1'


RESOURCES = {r.name: r for r in [
    Resource('services', '', 'Service', True, ['svc']),
    Resource('namespaces', '', 'Namespace', False, ['ns']),
    Resource('nodes', '', 'Node', False, ['no']),
    Resource('endpointslices', 'discovery.k8s.io', 'EndpointSlice', True),
    Resource('servicecidrs', 'networking.k8s.io', 'ServiceCIDR', False),
]}
BY_KIND = {r.kind: r for r in RESOURCES.values()}


class ApiError(Exception):
    """An error answered as a metav1.Status body."""

    def __init__(self, code, reason, message, details=None, headers=None):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.headers = headers or {}

    def status(self):
        st = {'kind': 'Status', 'apiVersion': 'v1', 'metadata': {},
              'status': 'Failure', 'message': self.message,
              'reason': self.reason, 'code': self.code}
        if self.details is not None:
            st['details'] = self.details
        return st


def not_found(res, name):
    return ApiError(404, 'NotFound', '%s "%s" not found' % (res.name + groupsuffix(res), name),
                    {'name': name, 'group': res.group, 'kind': res.name})


def groupsuffix(res):
    return '.' + res.group if res.group else ''


def now_rfc3339(frac=False):
    t = datetime.datetime.now(datetime.timezone.utc)
    if frac:
        return t.strftime('%Y-%m-%dT%H:%M:%S.%fZ')
    return t.strftime('%Y-%m-%dT%H:%M:%SZ')


def qbool(q, name):
    # the real server parses query booleans like Go's strconv.ParseBool
    return q.get(name) in ('1', 't', 'T', 'true', 'TRUE', 'True')


ENCODER = json.JSONEncoder(separators=(',', ':'), check_circular=False, ensure_ascii=True)


def dumps(obj):
    return ENCODER.encode(obj).encode()


def jcopy(o):
    """Deep copy of a JSON tree (much cheaper than copy.deepcopy)."""
    if isinstance(o, dict):
        return {k: jcopy(v) for k, v in o.items()}
    if isinstance(o, list):
        return [jcopy(v) for v in o]
    return o


# ---- selectors ----

def split_terms(sel):
    """Split on commas that are not inside parentheses (set-based terms)."""
    terms, depth, cur = [], 0, ''
    for ch in sel:
        if ch == '(':
            depth += 1
        elif ch == ')':
            depth -= 1
        if ch == ',' and depth == 0:
            terms.append(cur)
            cur = ''
        else:
            cur += ch
    terms.append(cur)
    return [t.strip() for t in terms if t.strip()]


LABEL_KEY = re.compile(r'^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?'
                       r'[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$')
LABEL_VALUE = re.compile(r'^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$')


def parse_label_selector(sel):
    """Return a predicate over a labels dict; raise ApiError(400) when invalid."""
    preds = []
    for t in split_terms(sel or ''):
        m = re.match(r'^(\S+)\s+(in|notin)\s*\((.*)\)$', t)
        if m:
            key, op = m.group(1), m.group(2)
            vals = {v.strip() for v in m.group(3).split(',')}
        elif '!=' in t:
            key, v = [x.strip() for x in t.split('!=', 1)]
            op, vals = '!=', {v}
        elif '=' in t:
            key, v = [x.strip() for x in (t.split('==', 1) if '==' in t else t.split('=', 1))]
            op, vals = '=', {v}
        elif t.startswith('!'):
            key, op, vals = t[1:].strip(), '!', set()
        else:
            key, op, vals = t, 'exists', set()
        if not LABEL_KEY.match(key) or not all(LABEL_VALUE.match(v) for v in vals):
            raise bad_selector(sel)
        if op in ('in', '='):
            preds.append(lambda L, k=key, v=vals: k in L and L[k] in v)
        elif op in ('notin', '!='):
            preds.append(lambda L, k=key, v=vals: k not in L or L[k] not in v)
        elif op == '!':
            preds.append(lambda L, k=key: k not in L)
        else:
            preds.append(lambda L, k=key: k in L)
    return lambda labels: all(p(labels) for p in preds)


def bad_selector(sel):
    return ApiError(400, 'BadRequest', 'unable to parse requirement: invalid label selector "%s"'
                    % sel)


def parse_field_selector(sel):
    preds = []
    for t in split_terms(sel or ''):
        neg = '!=' in t
        if neg:
            k, v = t.split('!=', 1)
        elif '==' in t:
            k, v = t.split('==', 1)
        elif '=' in t:
            k, v = t.split('=', 1)
        else:
            raise ApiError(400, 'BadRequest', 'invalid selector: \'%s\'; can\'t understand \'%s\''
                           % (sel, t))
        k = k.strip()
        if k not in ('metadata.name', 'metadata.namespace'):
            raise ApiError(400, 'BadRequest', '"%s" is not a known field selector: only '
                           '"metadata.name", "metadata.namespace"' % k)
        f = k.split('.')[1]
        preds.append(lambda m, f=f, v=v, n=neg: (m.get(f, '') == v) != n)
    return lambda meta: all(p(meta) for p in preds)


# ---- the store: one global resourceVersion, a bounded history ----

class Event:
    __slots__ = ('rv', 'type', 'res', 'key', 'obj', 'enc', 'old')

    def __init__(self, rv, typ, res, key, obj, enc, old):
        self.rv, self.type, self.res, self.key = rv, typ, res, key
        self.obj, self.enc, self.old = obj, enc, old


class Faults:
    def __init__(self):
        self.reset()

    def reset(self):
        self.status = None      # dict(code, count, verb, resource)
        self.slow_ms = 0
        self.silent = False

    def describe(self):
        return {'status': self.status, 'slow_ms': self.slow_ms, 'silent': self.silent}


class Store:
    def __init__(self, history, service_cidr, rv_base=0):
        self.cond = threading.Condition()
        self.rv = rv_base
        self.objs = {r: {} for r in RESOURCES}     # res -> key -> (obj, enc)
        self.hist = []                             # events rv compacted+1 ... rv
        self.compacted = rv_base                   # history holds every event > this rv
        self.max_hist = history
        self.snapshots = {}                        # (res, rv) -> sorted [(key, entry)]
        self.faults = Faults()
        self.drop_gen = 0
        self.expire_gen = 0
        self.malformed_gen = 0
        self.watchers = 0
        self.default_cidr = service_cidr

    # -- writes (all under self.cond) --
    def _commit(self, typ, res, key, obj, old):
        self.rv += 1
        obj['metadata']['resourceVersion'] = str(self.rv)
        enc = dumps(obj)
        if typ == 'DELETED':
            del self.objs[res][key]
        else:
            self.objs[res][key] = (obj, enc)
        self.hist.append(Event(self.rv, typ, res, key, obj, enc, old))
        if len(self.hist) > 2 * self.max_hist:
            drop = len(self.hist) - self.max_hist
            self.compacted = self.hist[drop - 1].rv
            del self.hist[:drop]
            self._drop_old_snapshots()
        self.cond.notify_all()

    def compact(self):
        with self.cond:
            self.compacted = self.rv
            self.hist = []
            self.snapshots = {}
            self.cond.notify_all()

    def _drop_old_snapshots(self):
        for k in [k for k in self.snapshots if k[1] < self.compacted]:
            del self.snapshots[k]

    def _ensure_namespace(self, ns):
        if ns is None or ns in self.objs['namespaces']:
            return
        obj = {'kind': 'Namespace', 'apiVersion': 'v1',
               'metadata': {'name': ns, 'labels': {'kubernetes.io/metadata.name': ns}},
               'spec': {'finalizers': ['kubernetes']}, 'status': {'phase': 'Active'}}
        self._set_create_meta(RESOURCES['namespaces'], obj)
        self._commit('ADDED', 'namespaces', ns, obj, None)

    @staticmethod
    def key(ns, name):
        return '%s/%s' % (ns, name) if ns is not None else name

    def _set_create_meta(self, res, obj):
        m = obj['metadata']
        m['uid'] = str(uuid.uuid4())
        m['creationTimestamp'] = now_rfc3339()
        if res.name == 'endpointslices':
            m['generation'] = 1
        else:
            m.pop('generation', None)
        for f in ('deletionTimestamp', 'selfLink', 'managedFields'):
            m.pop(f, None)

    def create(self, res, ns, obj, dry_run=False, owned=False):
        obj = self._normalise(res, ns, obj, owned)
        with self.cond:
            m = obj['metadata']
            if not m.get('name'):
                if m.get('generateName'):
                    m['name'] = m['generateName'] + ''.join(
                        random.choice(string.ascii_lowercase + string.digits) for _ in range(5))
                else:
                    raise ApiError(422, 'Invalid', '%s "" is invalid: metadata.name: Required '
                                   'value: name or generateName is required' % res.kind,
                                   {'kind': res.kind, 'group': res.group})
            key = self.key(ns, m['name'])
            if key in self.objs[res.name]:
                raise ApiError(409, 'AlreadyExists', '%s "%s" already exists'
                               % (res.name + groupsuffix(res), m['name']),
                               {'name': m['name'], 'group': res.group, 'kind': res.name})
            self._set_create_meta(res, obj)
            self._defaults(res, obj, None)
            self._stamp_trigger(res, obj, None)
            if dry_run:
                obj['metadata']['resourceVersion'] = ''
                return obj
            self._ensure_namespace(ns)
            self._commit('ADDED', res.name, key, obj, None)
            return obj

    def replace(self, res, ns, name, obj, force=False, dry_run=False, owned=False):
        obj = self._normalise(res, ns, obj, owned)
        with self.cond:
            key = self.key(ns, name)
            if obj['metadata'].get('name', name) != name:
                raise ApiError(400, 'BadRequest', 'the name of the object (%s) does not match '
                               'the name on the URL (%s)' % (obj['metadata']['name'], name))
            obj['metadata']['name'] = name
            cur = self.objs[res.name].get(key)
            if cur is None:
                raise not_found(res, name)
            old = cur[0]
            rv = obj['metadata'].get('resourceVersion')
            if rv and not force and rv != old['metadata']['resourceVersion']:
                raise ApiError(409, 'Conflict', 'Operation cannot be fulfilled on %s "%s": the '
                               'object has been modified; please apply your changes to the '
                               'latest version and try again'
                               % (res.name + groupsuffix(res), name),
                               {'name': name, 'group': res.group, 'kind': res.name})
            m, om = obj['metadata'], old['metadata']
            for f in ('uid', 'creationTimestamp', 'generation'):
                if f in om:
                    m[f] = om[f]
                else:
                    m.pop(f, None)
            self._defaults(res, obj, old)
            if same_object(obj, old):
                return old
            if res.name == 'endpointslices' and spec_of(obj) != spec_of(old):
                m['generation'] = om.get('generation', 1) + 1
            self._stamp_trigger(res, obj, old)
            if dry_run:
                return obj
            self._commit('MODIFIED', res.name, key, obj, old)
            return obj

    def delete(self, res, ns, name, dry_run=False):
        with self.cond:
            key = self.key(ns, name)
            cur = self.objs[res.name].get(key)
            if cur is None:
                raise not_found(res, name)
            if dry_run:
                return cur[0]
            obj = jcopy(cur[0])
            self._commit('DELETED', res.name, key, obj, cur[0])
            return obj

    def get(self, res, ns, name):
        with self.cond:
            cur = self.objs[res.name].get(self.key(ns, name))
            if cur is None:
                raise not_found(res, name)
            return cur

    def apply(self, obj):
        """Create or replace (no resourceVersion check): the control API's apply.
        obj becomes the store's (the caller parsed it and lets it go)."""
        res = kind_resource(obj)
        ns = obj.get('metadata', {}).get('namespace', 'default') if res.namespaced else None
        name = obj.get('metadata', {}).get('name')
        with self.cond:
            if name and self.key(ns, name) in self.objs[res.name]:
                return 'MODIFIED', self.replace(res, ns, name, obj, force=True, owned=True)
            return 'ADDED', self.create(res, ns, obj, owned=True)

    def load(self, objs):
        """Make the store hold exactly objs (namespaces aside): deletes what is not listed."""
        with self.cond:
            want = set()
            for o in objs:
                res = kind_resource(o)
                m = o.get('metadata', {})
                ns = m.get('namespace', 'default') if res.namespaced else None
                want.add((res.name, self.key(ns, m.get('name'))))
            for rname, objs_r in self.objs.items():
                if rname == 'namespaces':
                    continue
                for key in [k for k in objs_r if (rname, k) not in want]:
                    obj = jcopy(objs_r[key][0])
                    self._commit('DELETED', rname, key, obj, objs_r[key][0])
            for o in objs:
                self.apply(o)

    # -- object shaping --
    def _normalise(self, res, ns, obj, owned):
        if not isinstance(obj, dict):
            raise ApiError(400, 'BadRequest', 'the body of the request is not a JSON object')
        if not owned:
            obj = jcopy(obj)
        kind, av = obj.get('kind'), obj.get('apiVersion')
        if (kind and kind != res.kind) or (av and av != res.api_version):
            raise ApiError(400, 'BadRequest', 'the API version in the data (%s) does not match '
                           'the expected API version (%s) or kind %s' % (av, res.api_version, kind))
        obj['kind'], obj['apiVersion'] = res.kind, res.api_version
        m = obj.setdefault('metadata', {})
        if not isinstance(m, dict):
            raise ApiError(400, 'BadRequest', 'metadata is not an object')
        if res.namespaced:
            if m.get('namespace', ns) != ns:
                raise ApiError(400, 'BadRequest', 'the namespace of the provided object does '
                               'not match the namespace sent on the request')
            m['namespace'] = ns
        else:
            m.pop('namespace', None)
        if res.name == 'endpointslices':
            if not obj.get('addressType'):
                raise ApiError(422, 'Invalid', 'EndpointSlice.discovery.k8s.io "%s" is invalid: '
                               'addressType: Required value' % m.get('name', ''))
            if obj.get('endpoints') is None:
                obj['endpoints'] = []   # the python client refuses a null list
            for p in obj.get('ports') or []:
                p.setdefault('protocol', 'TCP')
        return obj

    def _defaults(self, res, obj, old):
        if res.name != 'services':
            return
        spec = obj.setdefault('spec', {})
        obj.setdefault('status', {}).setdefault('loadBalancer', {})
        typ = spec.setdefault('type', 'ClusterIP')
        spec.setdefault('sessionAffinity', 'None')
        for p in spec.get('ports') or []:
            p.setdefault('protocol', 'TCP')
            if 'port' in p:
                p.setdefault('targetPort', p['port'])
        if typ == 'ExternalName':
            return
        ospec = (old or {}).get('spec', {})
        for f in ('clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy'):
            if f not in spec and f in ospec:
                spec[f] = ospec[f]
        if 'clusterIP' not in spec and 'clusterIPs' in spec:
            spec['clusterIP'] = spec['clusterIPs'][0]
        if 'clusterIP' not in spec:
            spec['clusterIP'] = self._alloc_cluster_ip()
        cip = spec['clusterIP']
        if cip != 'None':
            spec.setdefault('clusterIPs', [cip])
            spec.setdefault('ipFamilies', [
                'IPv6' if ':' in a else 'IPv4' for a in spec['clusterIPs']])
        else:
            spec.setdefault('clusterIPs', ['None'])
            spec.setdefault('ipFamilies', ['IPv4'])
        spec.setdefault('ipFamilyPolicy', 'SingleStack' if len(spec['ipFamilies']) == 1
                        else 'RequireDualStack')
        spec.setdefault('internalTrafficPolicy', 'Cluster')
        if typ in ('NodePort', 'LoadBalancer'):
            spec.setdefault('externalTrafficPolicy', 'Cluster')
            oldnp = {(p.get('port'), p.get('protocol', 'TCP')): p.get('nodePort')
                     for p in ospec.get('ports') or []}
            for p in spec.get('ports') or []:
                if not p.get('nodePort'):
                    p['nodePort'] = oldnp.get((p.get('port'), p['protocol'])) or \
                        self._alloc_node_port()
            if typ == 'LoadBalancer' and spec['externalTrafficPolicy'] == 'Local' \
                    and not spec.get('healthCheckNodePort'):
                spec['healthCheckNodePort'] = ospec.get('healthCheckNodePort') or \
                    self._alloc_node_port()

    def _used_cluster_ips(self):
        used = set()
        for o, _ in self.objs['services'].values():
            used.update(o.get('spec', {}).get('clusterIPs') or [])
        return used

    def _alloc_cluster_ip(self):
        cidrs = [c for o, _ in self.objs['servicecidrs'].values()
                 for c in o.get('spec', {}).get('cidrs', [])] or [self.default_cidr]
        net = ipaddress.ip_network([c for c in cidrs if ':' not in c][0] if any(
            ':' not in c for c in cidrs) else cidrs[0], strict=False)
        used = self._used_cluster_ips()
        for i, a in enumerate(net.hosts()):
            if i > 0 and str(a) not in used:    # .1 is the kubernetes service
                return str(a)
        raise ApiError(500, 'InternalError', 'Internal error occurred: range is full')

    def _alloc_node_port(self):
        used = set()
        for o, _ in self.objs['services'].values():
            s = o.get('spec', {})
            used.update(p.get('nodePort') for p in s.get('ports') or [])
            used.add(s.get('healthCheckNodePort'))
        for p in range(30000, 32768):
            if p not in used:
                return p
        raise ApiError(500, 'InternalError', 'Internal error occurred: range is full')

    @staticmethod
    def _stamp_trigger(res, obj, old):
        if res.name != 'endpointslices':
            return
        ann = obj['metadata'].setdefault('annotations', {})
        oldv = ((old or {}).get('metadata', {}).get('annotations') or {}).get(TRIGGER)
        if not ann.get(TRIGGER) or ann.get(TRIGGER) == oldv:
            ann[TRIGGER] = now_rfc3339(frac=True)

    # -- reads --
    def snapshot(self, res, rv):
        """Objects of res as they were at rv, sorted by key (history undone)."""
        k = (res.name, rv)
        snap = self.snapshots.get(k)
        if snap is not None:
            return snap
        if rv < self.compacted:
            return None
        cur = dict(self.objs[res.name])
        if rv < self.rv:
            for ev in reversed(self.hist[rv - self.compacted:]):
                if ev.res != res.name:
                    continue
                if ev.old is None:
                    cur.pop(ev.key, None)
                else:
                    cur[ev.key] = (ev.old, dumps(ev.old))
        snap = sorted(cur.items())
        if len(self.snapshots) >= 16:
            del self.snapshots[next(iter(self.snapshots))]
        self.snapshots[k] = snap
        return snap


def kind_resource(obj):
    if not isinstance(obj, dict) or obj.get('kind') not in BY_KIND:
        raise ApiError(400, 'BadRequest', 'unsupported kind %r' % (
            obj.get('kind') if isinstance(obj, dict) else obj))
    return BY_KIND[obj['kind']]


def spec_of(obj):
    return {k: v for k, v in obj.items() if k not in ('metadata', 'status', 'kind', 'apiVersion')}


def same_object(a, b):
    """Equal apart from resourceVersion and the trigger-time stamp: a no-op update."""
    def strip(o):
        o = dict(o)
        m = dict(o['metadata'])
        m.pop('resourceVersion', None)
        ann = dict(m.get('annotations') or {})
        ann.pop(TRIGGER, None)
        m['annotations'] = ann
        o['metadata'] = m
        return o
    return strip(a) == strip(b)


def continue_token(rv, start):
    raw = json.dumps({'v': 'meta.k8s.io/v1', 'rv': rv, 'start': start}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip('=')


def parse_continue(tok):
    try:
        raw = base64.urlsafe_b64decode(tok + '=' * (-len(tok) % 4))
        d = json.loads(raw)
        if d.get('v') != 'meta.k8s.io/v1' or not isinstance(d.get('rv'), int):
            raise ValueError
        return d['rv'], d['start']
    except (ValueError, TypeError, KeyError):
        raise ApiError(400, 'BadRequest', 'continue key is not valid: incorrect encoded start '
                       'resourceVersion (version meta.k8s.io/v1)')


def merge_patch(target, patch):
    if not isinstance(patch, dict):
        return patch
    if not isinstance(target, dict):
        target = {}
    out = dict(target)
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


def json_patch(doc, ops):
    doc = jcopy(doc)

    def walk(path):
        parts = [p.replace('~1', '/').replace('~0', '~') for p in path.split('/')[1:]]
        parent = doc
        for p in parts[:-1]:
            parent = parent[int(p)] if isinstance(parent, list) else parent[p]
        return parent, parts[-1]

    for op in ops:
        parent, last = walk(op['path'])
        o = op['op']
        if isinstance(parent, list):
            idx = len(parent) if last == '-' else int(last)
        else:
            idx = last
        if o == 'add':
            if isinstance(parent, list):
                parent.insert(idx, op['value'])
            else:
                parent[idx] = op['value']
        elif o == 'replace':
            parent[idx]  # must exist
            parent[idx] = op['value']
        elif o == 'remove':
            del parent[idx]
        elif o == 'test':
            if parent[idx] != op['value']:
                raise ApiError(422, 'Invalid', 'the server rejected our request due to an error '
                               'in our request: test failed at %s' % op['path'])
        else:
            raise ApiError(400, 'BadRequest', 'unsupported JSON patch op %s' % o)
    return doc


# ---- server-side printing (kubectl asks for as=Table) ----

def human_age(ts):
    """k8s.io/apimachinery duration.HumanDuration of the time since ts."""
    if not ts:
        return '<unknown>'
    try:
        t = datetime.datetime.strptime(ts, '%Y-%m-%dT%H:%M:%SZ').replace(
            tzinfo=datetime.timezone.utc)
    except ValueError:
        return '<unknown>'
    d = (datetime.datetime.now(datetime.timezone.utc) - t).total_seconds()
    sec = int(d)
    if d < -1:
        return '<invalid>'
    if sec < 0:
        return '0s'
    if sec < 120:
        return '%ds' % sec
    m, h, dd = sec // 60, sec // 3600, sec // 86400
    if m < 10:
        return '%dm%ds' % (m, sec % 60) if sec % 60 else '%dm' % m
    if h < 3:
        return '%dm' % m
    if h < 8:
        return '%dh%dm' % (h, m % 60) if m % 60 else '%dh' % h
    if h < 48:
        return '%dh' % h
    if h < 192:
        return '%dd%dh' % (dd, h % 24) if h % 24 else '%dd' % dd
    if dd < 365 * 2:
        return '%dd' % dd
    return '%dy' % (dd // 365)


def col(name, priority=0, fmt=''):
    return {'name': name, 'type': 'string', 'format': fmt, 'description': name,
            'priority': priority}


def svc_row(o):
    sp, stt = o.get('spec', {}), o.get('status', {})
    typ = sp.get('type', 'ClusterIP')
    ext = list(sp.get('externalIPs') or [])
    if typ == 'LoadBalancer':
        lb = [i.get('ip') or i.get('hostname') for i in
              (stt.get('loadBalancer') or {}).get('ingress') or []]
        ext = (lb + ext) or ['<pending>']
    elif typ == 'ExternalName':
        ext = [sp.get('externalName', '')]
    ports = ['%s%s/%s' % (p.get('port'), ':%s' % p['nodePort'] if p.get('nodePort') else '',
                          p.get('protocol', 'TCP')) for p in sp.get('ports') or []]
    sel = ','.join('%s=%s' % kv for kv in sorted((sp.get('selector') or {}).items()))
    return [typ, sp.get('clusterIP') or '<none>', ','.join(ext) or '<none>',
            ','.join(ports) or '<none>', human_age(o['metadata'].get('creationTimestamp')),
            sel or '<none>']


def eps_row(o):
    ports = ','.join(str(p.get('port')) for p in o.get('ports') or []) or '<unset>'
    addrs = [a for e in o.get('endpoints') or [] for a in e.get('addresses') or []]
    shown = ','.join(addrs[:3]) + (' + %d more...' % (len(addrs) - 3) if len(addrs) > 3 else '')
    return [o.get('addressType', ''), ports, shown or '<unset>',
            human_age(o['metadata'].get('creationTimestamp'))]


def node_row(o):
    stt = o.get('status', {})
    ready = [c for c in stt.get('conditions') or [] if c.get('type') == 'Ready']
    status = 'Ready' if ready and ready[0].get('status') == 'True' else 'NotReady'
    roles = sorted(k.split('/', 1)[1] for k in o['metadata'].get('labels') or {}
                   if k.startswith('node-role.kubernetes.io/'))
    addr = {a.get('type'): a.get('address') for a in reversed(stt.get('addresses') or [])}
    info = stt.get('nodeInfo') or {}
    return [status, ','.join(roles) or '<none>',
            human_age(o['metadata'].get('creationTimestamp')), info.get('kubeletVersion', ''),
            addr.get('InternalIP', '<none>'), addr.get('ExternalIP', '<none>'),
            info.get('osImage', '<unknown>'), info.get('kernelVersion', '<unknown>'),
            info.get('containerRuntimeVersion', '<unknown>')]


TABLES = {
    'services': ([col('Type'), col('Cluster-IP'), col('External-IP'), col('Port(s)'),
                  col('Age'), col('Selector', 1)], svc_row),
    'endpointslices': ([col('AddressType'), col('Ports'), col('Endpoints'), col('Age')],
                       eps_row),
    'nodes': ([col('Status'), col('Roles'), col('Age'), col('Version'), col('Internal-IP', 1),
               col('External-IP', 1), col('OS-Image', 1), col('Kernel-Version', 1),
               col('Container-Runtime', 1)], node_row),
    'namespaces': ([col('Status'), col('Age')], lambda o: [
        (o.get('status') or {}).get('phase', 'Active'),
        human_age(o['metadata'].get('creationTimestamp'))]),
    'servicecidrs': ([col('CIDRs'), col('Age')], lambda o: [
        ','.join((o.get('spec') or {}).get('cidrs') or []),
        human_age(o['metadata'].get('creationTimestamp'))]),
}


def wants_table(handler):
    if handler.server.opts.no_table:
        return False
    return any('as=Table' in a and 'g=meta.k8s.io' in a
               for a in (handler.headers.get('Accept') or '').split(','))


def table(res, objs, meta, include):
    cols, row = TABLES[res.name]
    rows = []
    for o in objs:
        r = {'cells': [o['metadata']['name']] + row(o)}
        if include == 'Object':
            r['object'] = o
        elif include != 'None':
            r['object'] = {'kind': 'PartialObjectMetadata', 'apiVersion': 'meta.k8s.io/v1',
                           'metadata': o['metadata']}
        rows.append(r)
    return {'kind': 'Table', 'apiVersion': 'meta.k8s.io/v1', 'metadata': meta,
            'columnDefinitions': [col('Name', 0, 'name')] + cols, 'rows': rows}


# ---- HTTP ----

class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'fake-kube-apiserver'
    sys_version = ''
    table = None        # (resource, includeObject) when a watch answers as=Table

    def log_message(self, fmt, *args):
        if self.server.opts.verbose:
            ua = self.headers.get('User-Agent', '') if getattr(self, 'headers', None) else ''
            sys.stderr.write('apiserver: %s %s %s\n' % (self.address_string(), fmt % args, ua))

    def do_GET(self):
        self.dispatch('GET')

    def do_POST(self):
        self.dispatch('POST')

    def do_PUT(self):
        self.dispatch('PUT')

    def do_PATCH(self):
        self.dispatch('PATCH')

    def do_DELETE(self):
        self.dispatch('DELETE')

    @property
    def store(self):
        return self.server.store

    # -- responses --
    def send_body(self, code, body, ctype='application/json', headers=None):
        if isinstance(body, (dict, list)):
            body = dumps(body)
        self.send_response(code)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(body)))
        self.send_header('Cache-Control', 'no-cache, private')
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(body)

    def send_error_status(self, e):
        self.send_body(e.code, e.status(), headers=e.headers)

    def read_body(self):
        if 'chunked' in (self.headers.get('Transfer-Encoding') or ''):
            raw = b''
            while True:
                n = int(self.rfile.readline().split(b';')[0], 16)
                if n == 0:      # then optional trailers up to an empty line
                    while self.rfile.readline() not in (b'\r\n', b'\n', b''):
                        pass
                    break
                raw += self.rfile.read(n + 2)[:n]
        else:
            n = int(self.headers.get('Content-Length') or 0)
            raw = self.rfile.read(n) if n else b''
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError as e:
            raise ApiError(400, 'BadRequest', 'error decoding request body: %s' % e)

    def authenticated(self):
        opts = self.server.opts
        auth = self.headers.get('Authorization', '')
        if opts.token and auth == 'Bearer ' + opts.token:
            return True
        if auth.startswith('Bearer ') and opts.token:
            return False
        conn = self.connection
        if isinstance(conn, ssl.SSLSocket) and conn.getpeercert():
            return True
        return not (opts.token or opts.client_auth == 'required')

    def dispatch(self, method):
        try:
            url = urllib.parse.urlsplit(self.path)
            q = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query,
                                                             keep_blank_values=True).items()}
            path = url.path.rstrip('/') or '/'
            body = self.read_body()     # always: a DELETE carries DeleteOptions
            public = path in ('/healthz', '/livez', '/readyz', '/version')
            if not public and not self.authenticated():
                raise ApiError(401, 'Unauthorized', 'Unauthorized')
            if path.startswith('/_fake/'):
                return self.control(method, path[len('/_fake/'):], body)
            self.inject_faults(path, q)
            self.route(method, path, q, body)
        except ApiError as e:
            self.send_error_status(e)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, socket.timeout):
            self.close_connection = True
        except Exception as e:   # a bug here must not look like a dropped connection
            import traceback
            traceback.print_exc()
            try:
                self.send_error_status(ApiError(500, 'InternalError',
                                                'Internal error occurred: %r' % e))
            except OSError:
                self.close_connection = True

    def inject_faults(self, path, q):
        st = self.store
        with st.cond:
            slow = st.faults.slow_ms
            f = st.faults.status
            hit = None
            if f and f['count'] != 0:
                verb = 'watch' if qbool(q, 'watch') else 'other'
                if (not f.get('verb') or f['verb'] == verb) and \
                        (not f.get('resource') or ('/' + f['resource']) in path) and \
                        (path.startswith('/api/v1/') or path.startswith('/apis/')):
                    hit = f['code']
                    if f['count'] > 0:
                        f['count'] -= 1
        if slow and not qbool(q, 'watch'):
            time.sleep(slow / 1000.0)
        if hit is None:
            return
        reasons = {410: ('Expired', 'The resourceVersion for the provided list is too old.'),
                   429: ('TooManyRequests', 'Too many requests, please try again later.'),
                   500: ('InternalError', 'Internal error occurred: injected fault'),
                   503: ('ServiceUnavailable', 'The server is currently unable to handle the '
                         'request'),
                   504: ('Timeout', 'The server was unable to return a response in the time '
                         'allotted, but may still be processing the request')}
        reason, msg = reasons.get(hit, ('InternalError', 'injected fault %d' % hit))
        raise ApiError(hit, reason, msg, headers={'Retry-After': '1'} if hit == 429 else None)

    # -- routing --
    def route(self, method, path, q, body):
        parts = path.strip('/').split('/') if path != '/' else []
        if method == 'GET':
            disc = self.discovery(parts)
            if disc is not None:
                return self.send_discovery(disc)
        if len(parts) >= 2 and parts[0] == 'api' and parts[1] == 'v1':
            group, rest = '', parts[2:]
        elif len(parts) >= 3 and parts[0] == 'apis' and parts[2] == 'v1':
            group, rest = parts[1], parts[3:]
        else:
            raise ApiError(404, 'NotFound', 'the server could not find the requested resource')
        ns = None
        if len(rest) >= 3 and rest[0] == 'namespaces':
            ns, rest = rest[1], rest[2:]
        status = len(rest) == 3 and rest[2] == 'status' and \
            rest[0] in ('services', 'nodes', 'servicecidrs', 'namespaces')
        if not rest or (len(rest) > 2 and not status):
            raise ApiError(404, 'NotFound', 'the server could not find the requested resource')
        res = RESOURCES.get(rest[0])
        if res is None or res.group != group or not self.served(res) or \
                (ns is not None and not res.namespaced):
            raise ApiError(404, 'NotFound', 'the server could not find the requested resource')
        name = rest[1] if len(rest) >= 2 else None
        if status:
            return self.serve_status(method, res, ns, name, q, body)
        self.serve_resource(method, res, ns, name, q, body)

    def serve_status(self, method, res, ns, name, q, body):
        """The status subresource: GET, PUT, merge/JSON PATCH of .status only."""
        st = self.store
        with st.cond:
            cur, enc = st.get(res, ns, name)
            if method == 'GET':
                return self.send_body(200, enc)
            if method == 'PUT':
                new_status = (body or {}).get('status', {})
                rv = ((body or {}).get('metadata') or {}).get('resourceVersion')
            elif method == 'PATCH':
                new_status = self.patched(cur, body).get('status', {})
                rv = None
            else:
                raise ApiError(405, 'MethodNotAllowed', 'the server does not allow this method '
                               'on the requested resource')
            new = jcopy(cur)
            new['status'] = new_status
            if rv:
                new['metadata']['resourceVersion'] = rv
            obj = st.replace(res, ns, name, new, dry_run=q.get('dryRun') == 'All', owned=True)
        return self.send_body(200, obj)

    def patched(self, cur, body):
        ctype = (self.headers.get('Content-Type') or '').split(';')[0].strip()
        if ctype == 'application/merge-patch+json':
            return merge_patch(cur, body)
        if ctype == 'application/json-patch+json':
            try:
                return json_patch(cur, body or [])
            except (KeyError, IndexError, ValueError, TypeError) as e:
                raise ApiError(422, 'Invalid', 'the server rejected our request due to an error '
                               'in our request: %r' % e)
        raise ApiError(415, 'UnsupportedMediaType', 'the body of the request was in an unknown '
                       'format - accepted media types include: application/json-patch+json, '
                       'application/merge-patch+json')

    def served(self, res):
        return not (res.name == 'servicecidrs' and self.server.opts.no_servicecidrs)

    def serve_resource(self, method, res, ns, name, q, body):
        st = self.store
        dry = q.get('dryRun') == 'All' or (method == 'DELETE' and isinstance(body, dict) and
                                           body.get('dryRun') == ['All'])
        if res.namespaced and ns is None and name is not None:
            raise ApiError(404, 'NotFound', 'the server could not find the requested resource')
        if method == 'GET' and name is None:
            if qbool(q, 'watch'):
                return self.watch(res, ns, q)
            return self.list(res, ns, q)
        if method == 'GET':
            obj, enc = st.get(res, ns, name)
            if wants_table(self):
                return self.send_body(200, table(res, [obj], {'resourceVersion': obj[
                    'metadata']['resourceVersion']}, q.get('includeObject')))
            return self.send_body(200, enc)
        if method == 'POST' and name is None:
            if res.namespaced and ns is None:
                raise ApiError(404, 'NotFound', 'the server could not find the requested '
                               'resource')
            obj = st.create(res, ns, body, dry_run=dry, owned=True)
            return self.send_body(201, obj)
        if method == 'PUT' and name is not None:
            obj = st.replace(res, ns, name, body, dry_run=dry, owned=True)
            return self.send_body(200, obj)
        if method == 'PATCH' and name is not None:
            with st.cond:
                cur, _ = st.get(res, ns, name)
                new = self.patched(cur, body)
                obj = st.replace(res, ns, name, new, dry_run=dry)
            return self.send_body(200, obj)
        if method == 'DELETE' and name is not None:
            obj = st.delete(res, ns, name, dry_run=dry)
            return self.send_body(200, {
                'kind': 'Status', 'apiVersion': 'v1', 'metadata': {}, 'status': 'Success',
                'details': {'name': name, 'group': res.group, 'kind': res.name,
                            'uid': obj['metadata'].get('uid')}})
        raise ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the '
                       'requested resource')

    def filters(self, res, ns, q):
        lsel = parse_label_selector(q.get('labelSelector', ''))
        fsel = parse_field_selector(q.get('fieldSelector', ''))

        def match(obj):
            m = obj['metadata']
            if ns is not None and m.get('namespace') != ns:
                return False
            return lsel(m.get('labels') or {}) and fsel(m)
        return match

    def list(self, res, ns, q):
        st = self.store
        match = self.filters(res, ns, q)
        limit = int(q.get('limit') or 0)
        if limit < 0:
            limit = 0
        cont = q.get('continue')
        prefix = ns + '/' if ns is not None else ''
        with st.cond:
            if cont:
                rv, start = parse_continue(cont)
                if rv == -1:   # the inconsistent token of an expired list: current state
                    rv = st.rv
                snap = st.snapshot(res, rv) if rv >= st.compacted else None
                if snap is None:
                    tok = continue_token(-1, start)
                    e = ApiError(410, 'Expired', 'The provided continue parameter is too old to '
                                 'display a consistent list result. You can start a new list '
                                 'without the continue parameter, or use the continue token in '
                                 'this response to retrieve the remainder of the results. '
                                 'Continuing with the provided token results in an inconsistent '
                                 'list - objects that were created, modified, or deleted between '
                                 'the time the first chunk was returned and now may show up in '
                                 'the list.')
                    st_body = e.status()
                    st_body['metadata'] = {'continue': tok}
                    return self.send_body(410, st_body)
            else:
                rv, start = st.rv, prefix
                want = q.get('resourceVersion', '')
                if want not in ('', '0'):
                    try:
                        w = int(want)
                    except ValueError:
                        raise ApiError(400, 'BadRequest', 'invalid resource version')
                    if w > st.rv:
                        raise ApiError(504, 'Timeout', 'Too large resource version: %d, current:'
                                       ' %d' % (w, st.rv), {'causes': [{
                                           'reason': 'ResourceVersionTooLarge',
                                           'message': 'Too large resource version'}],
                                           'retryAfterSeconds': 1})
                    # a paginated LIST at a resourceVersion without a match rule is Exact
                    if q.get('resourceVersionMatch') == 'Exact' or \
                            (limit and not q.get('resourceVersionMatch')):
                        rv = w
                        if rv < st.compacted:
                            raise ApiError(410, 'Expired', 'too old resource version: %d (%d)'
                                           % (w, st.compacted))
                if limit or rv != st.rv:
                    snap = st.snapshot(res, rv)
                else:
                    snap = sorted(st.objs[res.name].items())
        items, nxt, i = [], None, 0
        import bisect
        i = bisect.bisect_left(snap, (start,))
        remaining = 0
        while i < len(snap):
            key, (obj, enc) = snap[i]
            if not key.startswith(prefix):
                break
            i += 1
            if not match(obj):
                continue
            if limit and len(items) == limit:
                i -= 1
                break
            items.append((obj, enc))
        if limit and i < len(snap) and snap[i][0].startswith(prefix) and len(items) == limit:
            nxt = continue_token(rv, snap[i - 1][0] + '\x00')
            if not q.get('labelSelector') and not q.get('fieldSelector'):
                remaining = sum(1 for k, _ in snap[i:] if k.startswith(prefix))
        meta = {'resourceVersion': str(rv)}
        if nxt:
            meta['continue'] = nxt
            if remaining:
                meta['remainingItemCount'] = remaining
        if wants_table(self):
            return self.send_body(200, table(res, [o for o, _ in items], meta,
                                             q.get('includeObject')))
        head = dumps({'kind': res.kind + 'List', 'apiVersion': res.api_version,
                      'metadata': meta})[:-1]
        body = head + b',"items":[' + b','.join(e for _, e in items) + b']}'
        self.send_body(200, body)

    # -- watch --
    def watch(self, res, ns, q):
        st, opts = self.store, self.server.opts
        match = self.filters(res, ns, q)
        self.table = (res, q.get('includeObject')) if wants_table(self) else None
        bookmarks = qbool(q, 'allowWatchBookmarks')
        timeout = float(q.get('timeoutSeconds') or opts.watch_timeout)
        deadline = time.monotonic() + timeout
        want = q.get('resourceVersion', '')
        initial = qbool(q, 'sendInitialEvents')
        if initial and (q.get('resourceVersionMatch') != 'NotOlderThan' or not bookmarks):
            raise ApiError(422, 'Invalid', 'sendInitialEvents requires setting '
                           'resourceVersionMatch to NotOlderThan and allowWatchBookmarks')
        try:
            from_rv = int(want) if want not in ('', '0') else None
        except ValueError:
            raise ApiError(400, 'BadRequest', 'invalid resource version %r' % want)
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Transfer-Encoding', 'chunked')
        self.send_header('Cache-Control', 'no-cache, private')
        self.end_headers()
        pending = []
        with st.cond:
            st.watchers += 1
            gens = (st.drop_gen, st.expire_gen, st.malformed_gen)
            if from_rv is None or initial:
                for key, (obj, enc) in sorted(st.objs[res.name].items()):
                    if match(obj):
                        pending.append(('ADDED', obj, enc))
                last = st.rv
            else:
                last = from_rv
            too_old = from_rv is not None and not initial and from_rv < st.compacted
            compacted = st.compacted
        try:
            with st.cond:       # a silent server sends not even the initial events
                while st.faults.silent:
                    if self.client_gone():
                        return self.drop()
                    st.cond.wait(0.5)
            if too_old:
                self.send_event_error(410, 'Expired', 'too old resource version: %d (%d)'
                                      % (from_rv, compacted))
                return self.end_chunks()
            for typ, obj, enc in pending:
                self.send_event(typ, obj, enc)
            last_bm = time.monotonic()
            if initial:
                self.send_bookmark(res, last, initial_end=True)
            while True:
                with st.cond:
                    while True:
                        now = time.monotonic()
                        g = (st.drop_gen, st.expire_gen, st.malformed_gen)
                        if g != gens:
                            break
                        if st.faults.silent:
                            if self.client_gone():
                                return self.drop()
                            st.cond.wait(0.5)
                            continue
                        if now >= deadline or st.rv > last:
                            break
                        if bookmarks and now - last_bm >= opts.bookmark_interval:
                            break
                        if self.client_gone():
                            return self.drop()
                        wait = min(deadline - now, 1.0)
                        if bookmarks:
                            wait = min(wait, opts.bookmark_interval - (now - last_bm))
                        st.cond.wait(max(wait, 0.01))
                    evs, expired_behind = [], False
                    if g != gens:
                        pass
                    elif last < st.compacted:
                        expired_behind = True
                    elif st.rv > last:
                        evs = st.hist[last - st.compacted:]
                        last = st.rv
                    compacted = st.compacted
                if g[0] != gens[0]:
                    return self.drop()
                if g[1] != gens[1]:
                    self.send_event_error(410, 'Expired', 'too old resource version: %d (%d)'
                                          % (last, st.rv))
                    return self.end_chunks()
                if g[2] != gens[2]:
                    gens = (gens[0], gens[1], g[2])
                    self.send_chunk(b'{"type":"MODIFIED","object":{"kind":"' +
                                    res.kind.encode() + b'","metadata":{"name":\n')
                    continue
                if expired_behind:
                    self.send_event_error(410, 'Expired', 'too old resource version: %d (%d)'
                                          % (last, compacted))
                    return self.end_chunks()
                for ev in evs:
                    if ev.res != res.name:
                        continue
                    new_ok = match(ev.obj)
                    old_ok = ev.old is not None and match(ev.old)
                    if ev.type == 'DELETED':
                        if old_ok:
                            self.send_event('DELETED', ev.obj, ev.enc)
                    elif new_ok:
                        self.send_event('MODIFIED' if old_ok else 'ADDED', ev.obj, ev.enc)
                    elif old_ok:
                        self.send_event('DELETED', ev.obj, ev.enc)
                if time.monotonic() >= deadline:
                    return self.end_chunks()
                if bookmarks and time.monotonic() - last_bm >= opts.bookmark_interval:
                    self.send_bookmark(res, last)
                    last_bm = time.monotonic()
        finally:
            with st.cond:
                st.watchers -= 1

    def client_gone(self):
        # an HTTP/1.1 client sends nothing while it reads a watch: readable means closed
        try:
            r, _, _ = select.select([self.connection], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(r)

    def send_chunk(self, data):
        slow = self.store.faults.slow_ms
        if slow:
            time.sleep(slow / 1000.0)
        self.wfile.write(b'%x\r\n%s\r\n' % (len(data), data))

    def end_chunks(self):
        self.wfile.write(b'0\r\n\r\n')

    def drop(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def send_event(self, typ, obj, enc):
        if self.server.opts.stamp_sent:
            obj = dict(obj)
            m = obj['metadata'] = dict(obj['metadata'])
            m['annotations'] = dict(m.get('annotations') or {})
            m['annotations'][SENT_AT] = '%.6f' % time.time()
            enc = dumps(obj)
        if self.table is not None:
            enc = dumps(table(self.table[0], [obj], {'resourceVersion': obj['metadata'][
                'resourceVersion']}, self.table[1]))
        self.send_chunk(b'{"type":"' + typ.encode() + b'","object":' + enc + b'}\n')

    def send_event_error(self, code, reason, message):
        st = ApiError(code, reason, message).status()
        self.send_chunk(dumps({'type': 'ERROR', 'object': st}) + b'\n')

    def send_bookmark(self, res, rv, initial_end=False):
        obj = {'kind': res.kind, 'apiVersion': res.api_version,
               'metadata': {'resourceVersion': str(rv), 'creationTimestamp': None}}
        if initial_end:
            obj['metadata']['annotations'] = {INITIAL_END: 'true'}
        # the real server encodes an empty object of the type: its non-omitempty fields
        if res.kind == 'EndpointSlice':
            obj.update({'addressType': '', 'endpoints': None})
        elif res.kind in ('Service', 'Node', 'Namespace', 'ServiceCIDR'):
            obj.update({'spec': {}, 'status': {'loadBalancer': {}}
                        if res.kind == 'Service' else {}})
        self.send_chunk(dumps({'type': 'BOOKMARK', 'object': obj}) + b'\n')

    # -- discovery --
    def discovery(self, parts):
        opts = self.server.opts
        groups = [g for g in ('discovery.k8s.io', 'networking.k8s.io')
                  if not (g == 'networking.k8s.io' and opts.no_servicecidrs)]
        p = '/'.join(parts)
        if p in ('healthz', 'livez', 'readyz'):
            return b'ok'
        if p == 'version':
            v = opts.version.lstrip('v').split('.')
            return {'major': v[0], 'minor': v[1], 'gitVersion': opts.version,
                    'gitCommit': '0' * 40, 'gitTreeState': 'clean',
                    'buildDate': '2026-01-01T00:00:00Z', 'goVersion': 'go1.23.0',
                    'compiler': 'gc', 'platform': 'linux/amd64'}
        if p == 'api':
            return {'kind': 'APIVersions', 'versions': ['v1'], 'serverAddressByClientCIDRs': [
                {'clientCIDR': '0.0.0.0/0', 'serverAddress': self.server.addr_str}]}
        if p == 'apis':
            return {'kind': 'APIGroupList', 'apiVersion': 'v1',
                    'groups': [self.group_obj(g) for g in groups]}
        if len(parts) == 2 and parts[0] == 'apis' and parts[1] in groups:
            return dict(self.group_obj(parts[1]), kind='APIGroup', apiVersion='v1')
        if p == 'api/v1':
            return self.resource_list('')
        if len(parts) == 3 and parts[0] == 'apis' and parts[1] in groups and parts[2] == 'v1':
            return self.resource_list(parts[1])
        return None

    @staticmethod
    def group_obj(g):
        gv = {'groupVersion': g + '/v1', 'version': 'v1'}
        return {'name': g, 'versions': [gv], 'preferredVersion': gv}

    def resource_list(self, group):
        rs = []
        for r in RESOURCES.values():
            if r.group != group or not self.served(r):
                continue
            d = {'name': r.name, 'singularName': r.kind.lower(), 'namespaced': r.namespaced,
                 'kind': r.kind, 'verbs': VERBS}
            if r.short:
                d['shortNames'] = r.short
            rs.append(d)
        return {'kind': 'APIResourceList', 'apiVersion': 'v1',
                'groupVersion': (group + '/v1') if group else 'v1', 'resources': rs}

    def send_discovery(self, disc):
        if isinstance(disc, bytes):
            return self.send_body(200, disc, 'text/plain; charset=utf-8')
        # aggregated discovery (apidiscovery.k8s.io) and protobuf are not served: plain
        # JSON if the client accepts it, else 406 so it falls back
        accept = self.headers.get('Accept', '') or '*/*'
        ok = any(a.split(';')[0].strip() in ('application/json', '*/*', 'application/*')
                 and 'g=apidiscovery.k8s.io' not in a for a in accept.split(','))
        if not ok:
            raise ApiError(406, 'NotAcceptable', 'only the following media types are '
                           'accepted: application/json')
        self.send_body(200, disc)

    # -- control API --
    def control(self, method, what, body):
        st = self.store
        if method == 'GET' and what == 'state':
            with st.cond:
                return self.send_body(200, {
                    'resourceVersion': st.rv, 'compactedResourceVersion': st.compacted,
                    'objects': {r: len(o) for r, o in st.objs.items()},
                    'watches': st.watchers, 'faults': st.faults.describe()})
        if method != 'POST':
            raise ApiError(405, 'MethodNotAllowed', 'POST /_fake/' + what)
        if what in ('apply', 'load'):
            objs = cluster_items(body)
            if what == 'load':
                st.load(objs)
                return self.send_body(200, {'resourceVersion': st.rv, 'loaded': len(objs)})
            out = []
            for o in objs:
                typ, obj = st.apply(o)
                out.append({'type': typ, 'kind': obj['kind'],
                            'namespace': obj['metadata'].get('namespace'),
                            'name': obj['metadata']['name'],
                            'resourceVersion': obj['metadata']['resourceVersion']})
            return self.send_body(200, {'results': out})
        if what == 'delete':
            res = kind_resource(body or {})
            ns = body.get('namespace', 'default') if res.namespaced else None
            st.delete(res, ns, body.get('name'))
            return self.send_body(200, {'resourceVersion': st.rv})
        if what == 'compact':
            st.compact()
            return self.send_body(200, {'compactedResourceVersion': st.compacted})
        if what == 'fault':
            return self.send_body(200, set_fault(st, body or {}))
        raise ApiError(404, 'NotFound', 'unknown control endpoint /_fake/' + what)


def set_fault(st, f):
    name = f.get('fault')
    with st.cond:
        if name == 'off':
            st.faults.reset()
        elif name == 'drop-watches':
            st.drop_gen += 1
        elif name == 'expire-watches':
            st.expire_gen += 1
        elif name == 'malformed':
            st.malformed_gen += 1
        elif name == 'status':
            code = int(f.get('code', 500))
            if code == 0:
                st.faults.status = None
            else:
                st.faults.status = {'code': code, 'count': int(f.get('count', 1)),
                                    'verb': f.get('verb'), 'resource': f.get('resource')}
        elif name == 'slow':
            st.faults.slow_ms = int(f.get('ms', 0))
        elif name == 'silent':
            st.faults.silent = bool(f.get('on', True))
        elif name == 'compact':
            pass
        else:
            raise ApiError(400, 'BadRequest', 'unknown fault %r (off, drop-watches, '
                           'expire-watches, malformed, status, slow, silent, compact)' % name)
        st.cond.notify_all()
    if name == 'compact':
        st.compact()
    return {'faults': st.faults.describe(), 'resourceVersion': st.rv}


def cluster_items(body):
    if isinstance(body, dict) and 'items' in body:
        body = body['items']
    elif isinstance(body, dict):
        body = [body]
    if not isinstance(body, list):
        raise ApiError(400, 'BadRequest', 'a cluster description is a list or {"items": [...]}')
    return body


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, addr, family, opts, store, tls_ctx):
        self.address_family = family
        self.opts = opts
        self.store = store
        self.tls_ctx = tls_ctx
        super().__init__(addr, Handler)

    def server_bind(self):
        if self.address_family == socket.AF_INET6:
            self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()
        host, port = self.socket.getsockname()[:2]
        self.addr_str = ('[%s]:%d' if ':' in host else '%s:%d') % (host, port)

    def finish_request(self, request, client_address):
        # the TLS handshake runs in the connection's own thread, never in accept()
        request.settimeout(self.opts.idle_timeout)
        # headers and body are separate writes: without this, Nagle + delayed ACK add 40 ms
        request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.tls_ctx is None:
            return self.RequestHandlerClass(request, client_address, self)
        try:
            tls_sock = self.tls_ctx.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as e:
            if self.opts.verbose:
                sys.stderr.write('apiserver: TLS handshake from %s: %s\n'
                                 % (client_address[0], e))
            return
        try:
            self.RequestHandlerClass(tls_sock, client_address, self)
        finally:
            self.shutdown_request(tls_sock)

    def shutdown_request(self, request):
        try:
            request.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        request.close()


def parse_listen(s):
    if s.startswith('['):
        host, _, port = s[1:].partition(']:')
        return host, int(port), socket.AF_INET6
    host, _, port = s.rpartition(':')
    return host, int(port), socket.AF_INET6 if ':' in host else socket.AF_INET


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--listen', default='127.0.0.1:6443', help='ADDR:PORT or [V6]:PORT '
                    '(port 0: any; the URL is printed on stdout)')
    ap.add_argument('--cluster', help='JSON cluster description loaded at start')
    ap.add_argument('--tls-dir', help='serve HTTPS with DIR/server.crt, server.key, ca.crt '
                    '(made by certs.py)')
    ap.add_argument('--client-auth', choices=['none', 'optional', 'required'],
                    default='optional', help='client certificates (signed by DIR/ca.crt)')
    ap.add_argument('--token', help='accept Authorization: Bearer TOKEN (and then require '
                    'it or a client certificate)')
    ap.add_argument('--no-servicecidrs', action='store_true',
                    help='do not serve networking.k8s.io/v1 (an older cluster)')
    ap.add_argument('--no-table', action='store_true',
                    help='never answer as=Table (plain JSON lists, like a server without it)')
    ap.add_argument('--history', type=int, default=100000,
                    help='watch events kept for replay (older resourceVersions get 410)')
    ap.add_argument('--rv-base', type=int, help='first resourceVersion - 1 (default: unix time '
                    'x 10^6, so a restarted server never reuses one; 0: small numbers)')
    ap.add_argument('--bookmark-interval', type=float, default=60.0, help='seconds')
    ap.add_argument('--watch-timeout', type=float, default=1800.0,
                    help='server-side watch timeout without timeoutSeconds')
    ap.add_argument('--idle-timeout', type=float, default=3600.0,
                    help='socket timeout of a connection (seconds)')
    ap.add_argument('--stamp-sent', action='store_true',
                    help='annotate each watch event\'s object with ' + SENT_AT)
    ap.add_argument('--service-cidr', default='10.96.0.0/16',
                    help='cluster IP range when no ServiceCIDR object exists')
    ap.add_argument('--version', default='v1.32.4', help='gitVersion served on /version')
    ap.add_argument('--url-file', help='write the server URL to this file when ready')
    ap.add_argument('-v', '--verbose', action='store_true', help='log every request')
    opts = ap.parse_args()

    if opts.rv_base is None:
        # a restarted server must not reuse the resourceVersions it gave out before:
        # clients watching from those get 410 and relist, as after an etcd compaction
        opts.rv_base = int(time.time()) * 1000000
    store = Store(opts.history, opts.service_cidr, opts.rv_base)
    if opts.cluster:
        with open(opts.cluster) as f:
            objs = cluster_items(json.load(f))
        try:
            store.load(objs)
        except ApiError as e:
            sys.exit('apiserver: %s: %s' % (opts.cluster, e.message))
    for ns in ('default', 'kube-system'):
        with store.cond:
            store._ensure_namespace(ns)

    tls = None
    if opts.tls_dir:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(os.path.join(opts.tls_dir, 'server.crt'),
                            os.path.join(opts.tls_dir, 'server.key'))
        if opts.client_auth != 'none':
            tls.load_verify_locations(os.path.join(opts.tls_dir, 'ca.crt'))
            tls.verify_mode = ssl.CERT_REQUIRED if opts.client_auth == 'required' \
                else ssl.CERT_OPTIONAL
        tls.set_alpn_protocols(['http/1.1'])
    host, port, fam = parse_listen(opts.listen)
    srv = Server((host, port), fam, opts, store, tls)
    url = '%s://%s' % ('https' if tls else 'http', srv.addr_str)
    if opts.url_file:
        tmp = opts.url_file + '.tmp'
        with open(tmp, 'w') as f:
            f.write(url + '\n')
        os.rename(tmp, opts.url_file)
    print(url, flush=True)
    try:
        srv.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass


if __name__ == '__main__':
    main()
