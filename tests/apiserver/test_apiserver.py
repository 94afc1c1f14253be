#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Check apiserver.py with clients no one here wrote (kubectl, the official Python
client) plus raw HTTP checks of the wire format. Runs on the host, no VM; TAP output.

Needs /usr/bin/python3 with python3-kubernetes, kubectl, openssl. Exit status 0 iff
every check passed. Usage: test_apiserver.py [-v]
"""

import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
VERBOSE = '-v' in sys.argv
TOKEN = 'test-token-1234'
NODE1_WATCH = '/api/v1/nodes?fieldSelector=metadata.name%3Dnode1&watch='
SEL = '!service.kubernetes.io/service-proxy-name,!service.kubernetes.io/headless'

n_tests = 0
n_failed = 0


def tap(ok, name, diag=None):
    global n_tests, n_failed
    n_tests += 1
    if not ok:
        n_failed += 1
    print('%s %d - %s' % ('ok' if ok else 'not ok', n_tests, name), flush=True)
    if diag and (not ok or VERBOSE):
        for line in str(diag).splitlines()[-15:]:
            print('# ' + line, flush=True)


def check(name):
    """Decorator: run a check, a failed assertion or exception is 'not ok'."""
    def deco(fn):
        def run(*a):
            t0 = time.monotonic()
            try:
                r = fn(*a)
                if VERBOSE:
                    r = '%s\n%.2f s' % (r or '', time.monotonic() - t0)
                tap(True, name, r)
            except Exception:
                tap(False, name, traceback.format_exc())
        run.__name__ = fn.__name__
        return run
    return deco


class Server:
    def __init__(self, tmp, name, *args):
        self.url_file = os.path.join(tmp, name + '.url')
        self.log = open(os.path.join(tmp, name + '.log'), 'w')
        self.proc = subprocess.Popen([sys.executable, os.path.join(HERE, 'apiserver.py'),
                                      '--listen', '127.0.0.1:0', '--url-file', self.url_file]
                                     + list(args), stdout=subprocess.DEVNULL, stderr=self.log)
        for _ in range(100):
            if os.path.exists(self.url_file):
                break
            if self.proc.poll() is not None:
                raise RuntimeError('apiserver.py %s exited' % name)
            time.sleep(0.05)
        self.url = open(self.url_file).read().strip()
        self.port = int(self.url.rsplit(':', 1)[1])

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()

    def conn(self, timeout=10):
        return http.client.HTTPConnection('127.0.0.1', self.port, timeout=timeout)

    def req(self, method, path, body=None, headers=None, ctype='application/json'):
        c = self.conn()
        h = dict(headers or {})
        if body is not None:
            h['Content-Type'] = ctype
            body = json.dumps(body)
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        c.close()
        try:
            return r.status, json.loads(data)
        except ValueError:
            return r.status, data

    def get(self, path):
        return self.req('GET', path)

    def ctl(self, *args):
        r = subprocess.run([sys.executable, os.path.join(HERE, 'ctl'), '--server', self.url,
                            '-q'] + list(args), capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, 'ctl %s: %s' % (args, r.stderr)
        return r.stdout


class Watch:
    """A raw watch: reads newline-delimited events from a chunked response."""

    def __init__(self, srv, path, timeout=10):
        self.c = srv.conn(timeout)
        self.c.request('GET', path)
        self.r = self.c.getresponse()
        self.status = self.r.status
        self.te = self.r.getheader('Transfer-Encoding')
        self.buf, self.ended = b'', False

    def next(self):
        """The next event (dict), a str for an unparsable line, None at a clean end (the
        terminating chunk); raises http.client.IncompleteRead when the connection was cut.
        Chunks are decoded here, not by http.client, which hides a cut connection."""
        while b'\n' not in self.buf:
            if self.ended:
                return None
            size = self.r.fp.readline()
            if not size:
                raise http.client.IncompleteRead(self.buf)
            n = int(size.split(b';')[0], 16)
            if n == 0:
                self.r.fp.readline()
                self.ended = True
                continue
            data = self.r.fp.read(n + 2)
            if len(data) < n + 2:
                raise http.client.IncompleteRead(data)
            self.buf += data[:n]
        line, self.buf = self.buf.split(b'\n', 1)
        try:
            return json.loads(line)
        except ValueError:
            return line.decode(errors='replace')

    def until(self, pred, limit=50):
        seen = []
        for _ in range(limit):
            ev = self.next()
            seen.append(ev)
            if ev is None or pred(ev):
                return ev, seen
        return None, seen

    def close(self):
        self.c.close()


def names(lst):
    return sorted('%s/%s' % (o['metadata'].get('namespace', ''), o['metadata']['name'])
                  for o in lst['items'])


def kubectl(kubeconfig, *args, timeout=30):
    return subprocess.run(['kubectl', '--kubeconfig', kubeconfig] + list(args),
                          capture_output=True, text=True, timeout=timeout)


def write_kubeconfig(path, server):
    with open(path, 'w') as f:
        f.write('apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n'
                '    server: %s\nusers:\n- name: u\n  user: {}\ncontexts:\n- name: c\n'
                '  context:\n    cluster: c\n    user: u\ncurrent-context: c\n' % server)


def on_alarm(signum, frame):
    raise TimeoutError('test_apiserver.py took more than 120 s')


def main():
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(120)
    tmp = tempfile.mkdtemp(prefix='apiserver-test.')
    servers = []
    try:
        run_all(tmp, servers)
    except Exception:
        tap(False, 'the test run itself', traceback.format_exc())
    finally:
        for s in servers:
            s.stop()
        if n_failed:
            print('# logs kept in ' + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print('1..%d' % n_tests)
    print('# %d passed, %d failed' % (n_tests - n_failed, n_failed))
    return 1 if n_failed else 0


def run_all(tmp, servers):
    start = time.monotonic()
    tls = os.path.join(tmp, 'tls')
    sample = os.path.join(tmp, 'sample.json')
    scale = os.path.join(tmp, 'scale.json')
    subprocess.run([sys.executable, os.path.join(HERE, 'gencluster.py'), 'sample', '-o', sample],
                   check=True)
    subprocess.run([sys.executable, os.path.join(HERE, 'gencluster.py'), 'scale', '--services',
                    '25', '--endpoints', '3', '-o', scale], check=True)
    # pick the TLS server's port first: the kubeconfig names it
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    tls_port = s.getsockname()[1]
    s.close()
    subprocess.run([sys.executable, os.path.join(HERE, 'certs.py'), '--dir', tls, '--server',
                    'https://127.0.0.1:%d' % tls_port, '--token', TOKEN, '--node', 'node1'],
                   check=True, stdout=subprocess.DEVNULL)

    plain = Server(tmp, 'plain', '--cluster', sample, '--bookmark-interval', '0.5', '-v',
                   '--no-table')
    servers.append(plain)
    tlss = Server(tmp, 'tls', '--cluster', sample, '--tls-dir', tls, '--token', TOKEN)
    servers.append(tlss)
    # the TLS server listens on port 0 too; rewrite the kubeconfigs for its real port
    for k in ('kubeconfig', 'kubeconfig-token'):
        p = os.path.join(tls, k)
        txt = open(p).read().replace('127.0.0.1:%d' % tls_port, '127.0.0.1:%d' % tlss.port)
        open(p, 'w').write(txt)
    req = Server(tmp, 'reqcert', '--cluster', sample, '--tls-dir', tls,
                 '--client-auth', 'required', '--no-servicecidrs')
    servers.append(req)
    big = Server(tmp, 'scale', '--cluster', scale, '--stamp-sent')
    servers.append(big)
    plain_kc = os.path.join(tmp, 'plain.kubeconfig')
    write_kubeconfig(plain_kc, plain.url)
    kc = os.path.join(tls, 'kubeconfig')
    kc_token = os.path.join(tls, 'kubeconfig-token')

    kubectl_checks(plain, tlss, kc, kc_token, plain_kc, tmp)
    python_client_checks(plain, tlss, kc, kc_token)
    raw_checks(plain, big)
    fault_checks(plain)
    restart_check(tmp, sample)
    tls_checks(tlss, req, tls)
    print('# took %.1f s' % (time.monotonic() - start))


# ---------------- kubectl ----------------

def kubectl_checks(plain, tlss, kc, kc_token, plain_kc, tmp):
    @check('kubectl is Google\'s dispatcher: it reads /version, then the matching kubectl '
           'talks to the server')
    def dispatcher():
        r = kubectl(plain_kc, 'get', 'nodes')
        assert r.returncode == 0, r.stderr
        log = open(os.path.join(tmp, 'plain.log')).read()
        assert '"GET /version?timeout=5s HTTP/1.1" 200 - kubectl-dispatcher/' in log, log
        assert '"GET /api/v1/nodes?limit=500 HTTP/1.1" 200 - kubectl/v1.32.' in log, log
    dispatcher()

    @check('kubectl get services -A (TLS, client certificate)')
    def get_svc():
        r = kubectl(kc, 'get', 'services', '-A')
        assert r.returncode == 0, r.stderr
        for n in ('kubernetes', 'web', 'web-np', 'web-lb', 'web-headless', 'web-dual'):
            assert any(line.split()[1:2] == [n] for line in r.stdout.splitlines()), r.stdout
        return r.stdout
    get_svc()

    @check('kubectl get services -A -o wide: server-side Table columns')
    def get_svc_wide():
        r = kubectl(kc, 'get', 'services', '-A', '-o', 'wide')
        assert r.returncode == 0, r.stderr
        head = r.stdout.splitlines()[0].split()
        assert head == ['NAMESPACE', 'NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)',
                        'AGE', 'SELECTOR'], head
        lb = [l.split() for l in r.stdout.splitlines() if l.split()[1:2] == ['web-lb']][0]
        assert lb[2:6] == ['LoadBalancer', '10.96.0.12', '192.0.2.10', '80:30081/TCP'], lb
        return r.stdout
    get_svc_wide()

    @check('kubectl get services -o json: the real List shape with typed fields')
    def get_svc_json():
        r = kubectl(kc, 'get', 'services', '-n', 'demo', 'web-lb', '-o', 'json')
        assert r.returncode == 0, r.stderr
        o = json.loads(r.stdout)
        assert o['spec']['externalTrafficPolicy'] == 'Local' and \
            o['spec']['healthCheckNodePort'] == 32000, r.stdout
        assert o['status']['loadBalancer']['ingress'][0]['ip'] == '192.0.2.10'
    get_svc_json()

    @check('kubectl get endpointslices -A --chunk-size=2 (bearer token, kubectl paginates)')
    def get_eps():
        r = kubectl(kc_token, 'get', 'endpointslices', '-A', '--chunk-size=2')
        assert r.returncode == 0, r.stderr
        rows = [l.split()[1] for l in r.stdout.splitlines()[1:]]
        assert sorted(rows) == sorted(set(rows)) and len(rows) == 7, r.stdout
        assert 'web-lb-klmno' in rows and 'web-dual-zabcd' in rows, r.stdout
        return r.stdout
    get_eps()

    @check('kubectl get nodes; get servicecidrs (plain HTTP, plain JSON lists: no Table)')
    def get_nodes():
        r = kubectl(plain_kc, 'get', 'nodes')
        assert r.returncode == 0 and 'node1' in r.stdout, r.stderr + r.stdout
        assert r.stdout.split()[:2] == ['NAME', 'AGE'], r.stdout
        r = kubectl(plain_kc, 'get', 'servicecidrs')
        assert r.returncode == 0 and 'kubernetes' in r.stdout, r.stderr + r.stdout
    get_nodes()

    @check('kubectl with a wrong token is refused (401)')
    def bad_token():
        bad = os.path.join(tmp, 'bad.kubeconfig')
        open(bad, 'w').write(open(kc_token).read().replace(TOKEN, 'wrong'))
        r = kubectl(bad, 'get', 'services', '-A')
        assert r.returncode != 0 and 'nauthorized' in r.stderr, r.stderr
    bad_token()

    @check('kubectl create/label/patch --subresource=status/delete (writes from kubectl)')
    def writes():
        f = os.path.join(tmp, 'k-svc.json')
        json.dump({'apiVersion': 'v1', 'kind': 'Service',
                   'metadata': {'name': 'k1', 'namespace': 'demo'},
                   'spec': {'type': 'LoadBalancer', 'ports': [{'port': 80}]}}, open(f, 'w'))
        for args in (['create', '--validate=false', '-f', f],
                     ['label', 'svc', '-n', 'demo', 'k1', 'x=y'],
                     ['patch', 'svc', '-n', 'demo', 'k1', '--subresource=status', '--type=merge',
                      '-p', '{"status":{"loadBalancer":{"ingress":[{"ip":"192.0.2.7"}]}}}']):
            r = kubectl(kc, *args)
            assert r.returncode == 0, (args, r.stderr)
        r = kubectl(kc, 'get', 'svc', '-n', 'demo', 'k1')
        assert r.stdout.splitlines()[1].split()[3] == '192.0.2.7', r.stdout
        r = kubectl(kc, 'delete', 'svc', '-n', 'demo', 'k1')
        assert r.returncode == 0, r.stderr
        r = kubectl(kc, 'get', 'svc', '-n', 'demo', 'k1')
        assert r.returncode != 0 and 'NotFound' in r.stderr, r.stderr
    writes()

    @check('kubectl get services -A -w: ADDED, then MODIFIED after a ctl change')
    def watch():
        p = subprocess.Popen(['kubectl', '--kubeconfig', kc, 'get', 'services', '-A', '-w',
                              '--output-watch-events'], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        lines = []
        try:
            t_end = time.monotonic() + 20
            while time.monotonic() < t_end:
                line = p.stdout.readline()
                if not line:
                    break
                lines.append(line.rstrip())
                w = line.split()
                if w[:3] == ['ADDED', 'demo', 'web-np']:
                    # a change through the real API verbs, driven by ctl
                    subprocess.run([sys.executable, os.path.join(HERE, 'ctl'), '--server',
                                    tlss.url, '--tls-dir', os.path.dirname(kc), '-q', 'patch',
                                    'svc', 'demo/web-np', '{"metadata":{"labels":{"v":"2"}}}'],
                                   check=True, timeout=20)
                if w[:3] == ['MODIFIED', 'demo', 'web-np']:
                    break
        finally:
            p.kill()
            p.wait()
        assert any(l.split()[:3] == ['ADDED', 'demo', 'web-np'] for l in lines), lines
        assert lines and lines[-1].split()[:3] == ['MODIFIED', 'demo', 'web-np'], lines
        return '\n'.join(lines)
    watch()


# ---------------- the official Python client ----------------

def python_client_checks(plain, tlss, kc, kc_token):
    import kubernetes
    from kubernetes import client, watch
    from kubernetes.client.rest import ApiException

    api = kubernetes.config.new_client_from_config(config_file=kc)
    core = client.CoreV1Api(api)

    @check('python client: list_service_for_all_namespaces (TLS, client certificate)')
    def list_svc():
        lst = core.list_service_for_all_namespaces(label_selector=SEL)
        got = {(s.metadata.namespace, s.metadata.name): s for s in lst.items}
        assert ('demo', 'web-lb') in got and ('demo', 'web-headless') in got, got.keys()
        lb = got[('demo', 'web-lb')]
        assert lb.spec.health_check_node_port == 32000 and \
            lb.status.load_balancer.ingress[0].ip == '192.0.2.10'
        dual = got[('demo', 'web-dual')]
        assert dual.spec.ip_families == ['IPv4', 'IPv6'], dual.spec
        assert int(lst.metadata.resource_version) > 0
    list_svc()

    @check('python client: DiscoveryV1Api list_endpoint_slice_for_all_namespaces (token)')
    def list_eps():
        api2 = kubernetes.config.new_client_from_config(config_file=kc_token)
        d2 = client.DiscoveryV1Api(api2)
        lst = d2.list_endpoint_slice_for_all_namespaces(label_selector=SEL)
        by = {s.metadata.name: s for s in lst.items}
        assert 'web-headless-pqrst' not in by, 'the headless label must filter'
        web = by['web-abcde']
        term = [e for e in web.endpoints if e.conditions.terminating]
        assert len(term) == 1 and term[0].conditions.serving and not term[0].conditions.ready
        assert web.endpoints[0].node_name == 'node1' and web.endpoints[0].zone == 'zone-a'
        assert by['web-dual-zabcd'].address_type == 'IPv6'
        assert web.metadata.annotations[
            'endpoints.kubernetes.io/last-change-trigger-time'].endswith('Z')
    list_eps()

    @check('python client: read_node by field selector metadata.name')
    def node():
        lst = core.list_node(field_selector='metadata.name=node1')
        assert [n.metadata.name for n in lst.items] == ['node1']
        assert lst.items[0].status.addresses[0].type == 'InternalIP'
        assert core.list_node(field_selector='metadata.name=nope').items == []
    node()

    @check('python client: watch.Watch().stream sees a change made with ctl')
    def stream():
        lst = core.list_namespaced_service('demo')
        rv = lst.metadata.resource_version
        w = watch.Watch()
        timer = threading.Timer(0.5, lambda: tlss.ctl(
            '--tls-dir', os.path.dirname(kc), 'patch', 'svc', 'demo/web',
            '{"spec":{"sessionAffinity":"ClientIP"}}'))
        timer.start()
        seen = []
        for ev in w.stream(core.list_namespaced_service, 'demo', resource_version=rv,
                           timeout_seconds=10, allow_watch_bookmarks=True):
            seen.append((ev['type'], ev['object'].metadata.name))
            if ev['type'] == 'MODIFIED' and ev['object'].metadata.name == 'web':
                assert ev['object'].spec.session_affinity == 'ClientIP'
                w.stop()
        timer.join()
        assert ('MODIFIED', 'web') in seen, seen
        return seen
    stream()

    @check('python client: a watch from a compacted resourceVersion raises 410, relist works')
    def gone():
        rv = core.list_namespaced_service('demo').metadata.resource_version
        tlss.ctl('--tls-dir', os.path.dirname(kc), 'patch', 'svc', 'demo/web',
                 '{"metadata":{"labels":{"n":"1"}}}')
        tlss.ctl('--tls-dir', os.path.dirname(kc), 'fault', 'compact')
        w = watch.Watch()
        try:
            for ev in w.stream(core.list_namespaced_service, 'demo', resource_version=rv,
                               timeout_seconds=5):
                raise AssertionError('event from a compacted rv: %s' % ev['type'])
            raise AssertionError('no 410')
        except ApiException as e:
            assert e.status == 410, e
        lst = core.list_namespaced_service('demo')
        assert int(lst.metadata.resource_version) > int(rv)
        return 'ApiException 410 then relist at rv %s' % lst.metadata.resource_version
    gone()


# ---------------- raw wire format ----------------

def raw_checks(plain, big):
    @check('LIST returns the List kind with metadata.resourceVersion; GET one object')
    def list_kind():
        for path, kind in (('/api/v1/services', 'ServiceList'),
                           ('/apis/discovery.k8s.io/v1/endpointslices', 'EndpointSliceList'),
                           ('/api/v1/nodes', 'NodeList'),
                           ('/apis/networking.k8s.io/v1/servicecidrs', 'ServiceCIDRList'),
                           ('/api/v1/namespaces', 'NamespaceList')):
            st, b = plain.get(path)
            assert st == 200 and b['kind'] == kind and int(b['metadata']['resourceVersion']), b
        st, b = plain.get('/api/v1/namespaces/demo/services/web')
        assert st == 200 and b['kind'] == 'Service' and b['metadata']['uid'] and \
            b['metadata']['creationTimestamp'], b
        st, b = plain.get('/apis/discovery.k8s.io/v1/namespaces/demo/endpointslices/web-abcde')
        assert st == 200 and b['metadata']['generation'] == 1
        st, b = plain.get('/api/v1/namespaces/demo/services/nope')
        assert st == 404 and b['kind'] == 'Status' and b['reason'] == 'NotFound'
    list_kind()

    @check('pagination: limit/continue returns each object once, remainingItemCount')
    def pages():
        seen, tok, n = [], '', 0
        first = None
        while True:
            st, b = big.get('/api/v1/services?limit=7' + ('&continue=' + tok if tok else ''))
            assert st == 200, b
            assert len(b['items']) <= 7
            first = first or b['metadata']['resourceVersion']
            assert b['metadata']['resourceVersion'] == first
            seen += names(b)
            n += 1
            tok = b['metadata'].get('continue')
            if n == 1:
                assert b['metadata']['remainingItemCount'] == 25 - 7, b['metadata']
            if not tok:
                break
        st, b = big.get('/api/v1/services')
        assert seen == names(b) and len(seen) == len(set(seen)) == 25, seen
        assert n == 4
        return '%d pages' % n
    pages()

    @check('pagination with a selector; namespaced; a consistent snapshot across a write')
    def pages_sel():
        st, b = big.get('/apis/discovery.k8s.io/v1/namespaces/ns3/endpointslices?limit=1')
        tok = b['metadata']['continue']
        assert names(b) == ['ns3/svc-00003-x0003'], names(b)
        big.ctl('delete', 'eps', 'ns3/svc-00013-x000d')
        st, b2 = big.get('/apis/discovery.k8s.io/v1/namespaces/ns3/endpointslices?limit=10'
                         '&continue=' + tok)
        assert names(b2) == ['ns3/svc-00013-x000d', 'ns3/svc-00023-x0017'], names(b2)
        st, b3 = big.get('/apis/discovery.k8s.io/v1/namespaces/ns3/endpointslices')
        assert names(b3) == ['ns3/svc-00003-x0003', 'ns3/svc-00023-x0017'], names(b3)
        # a paginated LIST at an older resourceVersion is served Exact, from the history
        st, b4 = big.get('/apis/discovery.k8s.io/v1/namespaces/ns3/endpointslices?limit=10'
                         '&resourceVersion=' + b['metadata']['resourceVersion'])
        assert st == 200 and len(b4['items']) == 3, b4
        got, tok = [], ''
        while True:
            st, b = big.get('/api/v1/services?limit=2&fieldSelector=metadata.namespace%3Dns1' +
                            ('&continue=' + tok if tok else ''))
            got += names(b)
            tok = b['metadata'].get('continue')
            if not tok:
                break
        assert got == ['ns1/svc-00001', 'ns1/svc-00011', 'ns1/svc-00021'], got
    pages_sel()

    @check('an expired continue token answers 410 Expired with a Status body')
    def expired():
        st, b = big.get('/api/v1/services?limit=5')
        tok = b['metadata']['continue']
        big.ctl('fault', 'compact')
        big.ctl('patch', 'svc', 'ns1/svc-00001', '{"metadata":{"labels":{"a":"b"}}}')
        big.ctl('fault', 'compact')
        st, b = big.get('/api/v1/services?limit=5&continue=' + tok)
        assert st == 410 and b['kind'] == 'Status' and b['reason'] == 'Expired' and \
            b['code'] == 410, b
        assert b['metadata'].get('continue'), 'the inconsistent-continue token'
        st, b = big.get('/api/v1/services?limit=5&continue=garbage')
        assert st == 400, b
    expired()

    @check('watch from a resourceVersion replays the events since it (its namespace), chunked')
    def replay():
        st, b = plain.get('/api/v1/namespaces/demo/services')
        rv = b['metadata']['resourceVersion']
        plain.ctl('patch', 'svc', 'default/kubernetes', '{"metadata":{"labels":{"r":"1"}}}')
        plain.ctl('patch', 'svc', 'demo/web', '{"metadata":{"labels":{"r":"1"}}}')
        plain.ctl('delete', 'svc', 'demo/web-np')
        w = Watch(plain, '/api/v1/namespaces/demo/services?watch=1&resourceVersion=' + rv)
        assert w.status == 200 and w.te == 'chunked'
        e1, e2 = w.next(), w.next()
        w.close()
        assert (e1['type'], e1['object']['metadata']['name']) == ('MODIFIED', 'web'), e1
        assert (e2['type'], e2['object']['metadata']['name']) == ('DELETED', 'web-np'), e2
        assert int(e2['object']['metadata']['resourceVersion']) > \
            int(e1['object']['metadata']['resourceVersion']) > int(rv)
    replay()

    @check('watch without resourceVersion: ADDED for every object, then live events')
    def initial():
        w = Watch(plain, NODE1_WATCH + 'true')
        e = w.next()
        assert e['type'] == 'ADDED' and e['object']['metadata']['name'] == 'node1', e
        plain.ctl('patch', 'node', 'node1', '{"metadata":{"labels":{"x":"1"}}}')
        e = w.next()
        w.close()
        assert e['type'] == 'MODIFIED' and e['object']['metadata']['labels']['x'] == '1', e
    initial()

    @check('watch from a resourceVersion older than the history: ERROR 410 Status')
    def too_old():
        st, b = plain.get('/api/v1/services')
        rv = b['metadata']['resourceVersion']
        plain.ctl('patch', 'svc', 'demo/web', '{"metadata":{"labels":{"r":"2"}}}')
        plain.ctl('fault', 'compact')
        w = Watch(plain, '/api/v1/services?watch=1&resourceVersion=' + rv)
        e = w.next()
        end = w.next()
        w.close()
        assert w.status == 200 and e['type'] == 'ERROR', e
        o = e['object']
        assert o['kind'] == 'Status' and o['code'] == 410 and o['reason'] == 'Expired' and \
            'too old resource version' in o['message'], o
        assert end is None
    too_old()

    @check('BOOKMARK events arrive with allowWatchBookmarks, carrying the current RV')
    def bookmarks():
        st, b = plain.get('/api/v1/services')
        rv = b['metadata']['resourceVersion']
        w = Watch(plain, '/api/v1/services?watch=1&allowWatchBookmarks=true&resourceVersion='
                  + rv)
        t0 = time.monotonic()
        e = w.next()
        assert e['type'] == 'BOOKMARK' and e['object']['kind'] == 'Service', e
        assert e['object']['metadata']['resourceVersion'] == rv, (e, rv)
        assert time.monotonic() - t0 < 3
        # a change to another resource moves the bookmarks' RV on
        plain.ctl('patch', 'node', 'node1', '{"metadata":{"labels":{"y":"1"}}}')
        e2, seen = w.until(lambda ev: int(ev['object']['metadata']['resourceVersion']) >
                           int(rv), limit=6)
        w.close()
        assert e2 and all(ev['type'] == 'BOOKMARK' for ev in seen), seen
        w = Watch(plain, '/api/v1/services?watch=1&resourceVersion=' + rv +
                  '&timeoutSeconds=1')
        e = w.next()
        w.close()
        assert e is None, 'bookmarks only when asked for: %s' % e
    bookmarks()

    @check('sendInitialEvents: ADDED then a BOOKMARK annotated initial-events-end')
    def initial_events():
        w = Watch(plain, NODE1_WATCH + '1&sendInitialEvents=true&allowWatchBookmarks=1'
                  '&resourceVersionMatch=NotOlderThan')
        e, b = w.next(), w.next()
        w.close()
        assert e['type'] == 'ADDED' and b['type'] == 'BOOKMARK' and \
            b['object']['metadata']['annotations']['k8s.io/initial-events-end'] == 'true', b
    initial_events()

    @check('label selectors: !key (svcsyncd\'s), key, key=value, key!=value, in')
    def labels():
        q = '/apis/discovery.k8s.io/v1/endpointslices?labelSelector='
        st, b = plain.get(q + SEL.replace('!', '%21').replace(',', '%2C'))
        ns = names(b)
        assert 'demo/web-headless-pqrst' not in ns and 'demo/web-abcde' in ns, ns
        st, b = plain.get(q + 'service.kubernetes.io/headless')
        assert names(b) == ['demo/web-headless-pqrst'], names(b)
        st, b = plain.get(q + 'kubernetes.io/service-name%3Dweb-dual')
        assert names(b) == ['demo/web-dual-uvwxy', 'demo/web-dual-zabcd'], names(b)
        st, b = plain.get(q + 'kubernetes.io/service-name!%3Dweb-dual,'
                          'kubernetes.io/service-name!%3Dkubernetes')
        assert names(b) == ['demo/web-abcde', 'demo/web-headless-pqrst', 'demo/web-lb-klmno',
                            'demo/web-np-fghij'], names(b)
        st, b = plain.get(q + 'kubernetes.io/service-name%20in%20(web,web-lb)')
        assert names(b) == ['demo/web-abcde', 'demo/web-lb-klmno'], names(b)
        st, b = plain.get(q + 'a%20b%20c')
        assert st == 400 and b['reason'] == 'BadRequest', b
    labels()

    @check('field selectors: metadata.name, metadata.namespace; others refused')
    def fields():
        st, b = plain.get('/api/v1/services?fieldSelector=metadata.namespace%3Ddefault')
        assert names(b) == ['default/kubernetes'], names(b)
        st, b = plain.get('/api/v1/services?fieldSelector=metadata.name%3Dweb-lb')
        assert names(b) == ['demo/web-lb'], names(b)
        st, b = plain.get('/api/v1/services?fieldSelector=spec.type%3DNodePort')
        assert st == 400, b
    fields()

    @check('a watch with a selector sees an object leave it as DELETED, enter as ADDED')
    def sel_watch():
        st, b = plain.get('/api/v1/services')
        rv = b['metadata']['resourceVersion']
        w = Watch(plain, '/api/v1/services?watch=1&labelSelector=%21hide&resourceVersion=' + rv)
        plain.ctl('patch', 'svc', 'demo/web-lb', '{"metadata":{"labels":{"hide":""}}}')
        plain.ctl('patch', 'svc', 'demo/web-lb', '{"metadata":{"labels":{"hide":null}}}')
        e1, e2 = w.next(), w.next()
        w.close()
        assert (e1['type'], e2['type']) == ('DELETED', 'ADDED'), (e1, e2)
    sel_watch()

    @check('writes: POST 201 + defaults, 409 AlreadyExists, PUT stale RV 409, '
           'JSON patch, status subresource, DELETE, no-op PUT keeps the RV')
    def writes():
        svc = {'apiVersion': 'v1', 'kind': 'Service', 'metadata': {'name': 'w1'},
               'spec': {'type': 'LoadBalancer', 'externalTrafficPolicy': 'Local',
                        'ports': [{'port': 80}]}}
        st, o = plain.req('POST', '/api/v1/namespaces/demo/services', svc)
        assert st == 201 and o['spec']['clusterIP'].startswith('10.96.') and \
            o['spec']['ports'][0]['nodePort'] >= 30000 and o['spec']['healthCheckNodePort'], o
        st, b = plain.req('POST', '/api/v1/namespaces/demo/services', svc)
        assert st == 409 and b['reason'] == 'AlreadyExists', b
        stale = dict(o, metadata=dict(o['metadata'], resourceVersion='1'))
        st, b = plain.req('PUT', '/api/v1/namespaces/demo/services/w1', stale)
        assert st == 409 and b['reason'] == 'Conflict', b
        st, same = plain.req('PUT', '/api/v1/namespaces/demo/services/w1', o)
        assert st == 200 and same['metadata']['resourceVersion'] == \
            o['metadata']['resourceVersion'], same
        st, p = plain.req('PATCH', '/api/v1/namespaces/demo/services/w1',
                          [{'op': 'replace', 'path': '/spec/ports/0/port', 'value': 81}],
                          ctype='application/json-patch+json')
        assert st == 200 and p['spec']['ports'][0]['port'] == 81, p
        assert p['spec']['clusterIP'] == o['spec']['clusterIP']
        st, b = plain.req('PATCH', '/api/v1/namespaces/demo/services/w1', {},
                          ctype='application/strategic-merge-patch+json')
        assert st == 415, b
        st, b = plain.req('PATCH', '/api/v1/namespaces/demo/services/w1/status',
                          {'status': {'loadBalancer': {'ingress': [{'ip': '192.0.2.99'}]}},
                           'spec': {'type': 'ClusterIP'}},
                          ctype='application/merge-patch+json')
        assert st == 200 and b['status']['loadBalancer']['ingress'][0]['ip'] == '192.0.2.99' \
            and b['spec']['type'] == 'LoadBalancer', b
        # DeleteOptions in the body, then a second request on the same connection
        c = plain.conn()
        c.request('DELETE', '/api/v1/namespaces/demo/services/w1',
                  body='{"propagationPolicy":"Background"}',
                  headers={'Content-Type': 'application/json'})
        r = c.getresponse()
        b = json.loads(r.read())
        assert r.status == 200 and b['status'] == 'Success', b
        c.request('GET', '/api/v1/namespaces/demo/services/w1')
        r = c.getresponse()
        b = json.loads(r.read())
        c.close()
        assert r.status == 404 and b['reason'] == 'NotFound', b
    writes()

    @check('keep-alive: 60 PATCHes on one connection in < 1.5 s (no Nagle/delayed-ACK stalls)')
    def keepalive():
        c = plain.conn()
        t0 = time.monotonic()
        for i in range(60):
            c.request('PATCH', '/api/v1/nodes/node1', body=json.dumps(
                {'metadata': {'labels': {'k': str(i)}}}),
                headers={'Content-Type': 'application/merge-patch+json'})
            r = c.getresponse()
            r.read()
            assert r.status == 200
        c.close()
        dt = time.monotonic() - t0
        assert dt < 1.5, dt     # 60 x 40 ms = 2.4 s with the stalls
        return '%.3f s' % dt
    keepalive()

    @check('EndpointSlice writes: trigger-time stamped (RFC 3339 µs), generation bumped')
    def trigger():
        st, o = plain.get('/apis/discovery.k8s.io/v1/namespaces/demo/endpointslices/web-np-fghij')
        t0 = o['metadata']['annotations']['endpoints.kubernetes.io/last-change-trigger-time']
        time.sleep(0.01)
        o['endpoints'] = o['endpoints'][:1]
        st, n = plain.req('PUT', '/apis/discovery.k8s.io/v1/namespaces/demo/endpointslices/'
                          'web-np-fghij', o)
        t1 = n['metadata']['annotations']['endpoints.kubernetes.io/last-change-trigger-time']
        assert st == 200 and t1 > t0 and len(t1) == len('2026-12-06T06:00:00.123456Z'), (t0, t1)
        assert n['metadata']['generation'] == 2, n['metadata']
        o2 = dict(n, metadata=dict(n['metadata']))
        o2['metadata']['annotations'] = {
            'endpoints.kubernetes.io/last-change-trigger-time': '2026-01-01T00:00:00.5Z'}
        o2['endpoints'] = []
        st, n2 = plain.req('PUT', '/apis/discovery.k8s.io/v1/namespaces/demo/endpointslices/'
                           'web-np-fghij', o2)
        assert n2['metadata']['annotations'][
            'endpoints.kubernetes.io/last-change-trigger-time'] == '2026-01-01T00:00:00.5Z'
    trigger()

    @check('--stamp-sent: svcvip.test/sent-at on each watch event\'s object')
    def stamp():
        st, b = big.get('/api/v1/services?limit=1')
        assert 'svcvip.test/sent-at' not in json.dumps(b)
        w = Watch(big, '/api/v1/services?watch=1&resourceVersion=' +
                  b['metadata']['resourceVersion'])
        t0 = time.time()
        big.ctl('patch', 'svc', 'ns2/svc-00002', '{"metadata":{"labels":{"s":"1"}}}')
        e = w.next()
        w.close()
        sent = float(e['object']['metadata']['annotations']['svcvip.test/sent-at'])
        assert t0 < sent < time.time(), (t0, sent)
    stamp()

    @check('discovery: /api, /apis, group versions, /version; aggregated-only Accept is 406')
    def discovery():
        st, b = plain.get('/api')
        assert b['kind'] == 'APIVersions' and b['versions'] == ['v1']
        st, b = plain.get('/apis')
        assert [g['name'] for g in b['groups']] == ['discovery.k8s.io', 'networking.k8s.io']
        st, b = plain.get('/apis/discovery.k8s.io/v1')
        assert b['resources'][0]['name'] == 'endpointslices' and b['resources'][0]['namespaced']
        st, b = plain.get('/version')
        assert b['gitVersion'] == 'v1.32.4'
        st, b = plain.req('GET', '/apis', headers={
            'Accept': 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList'})
        assert st == 406, st
    discovery()


# ---------------- faults ----------------

def fault_checks(plain):
    @check('fault status: the next request answers 500 InternalError, then 410, then OK')
    def status():
        plain.ctl('fault', 'status', 'code=500')
        st, b = plain.get('/api/v1/services')
        assert st == 500 and b['reason'] == 'InternalError', b
        st, b = plain.get('/api/v1/services')
        assert st == 200
        plain.ctl('fault', 'status', 'code=410', 'count=2', 'verb=watch')
        st, b = plain.get('/api/v1/services')
        assert st == 200
        st, b = plain.get('/api/v1/services?watch=1')
        assert st == 410 and b['reason'] == 'Expired', b
        plain.ctl('fault', 'off')
        w = Watch(plain, '/api/v1/services?watch=1&timeoutSeconds=1')
        assert w.status == 200
        w.close()
    status()

    @check('fault drop-watches: open watch connections are cut mid-stream')
    def drop():
        w = Watch(plain, NODE1_WATCH + '1')
        assert w.next()['type'] == 'ADDED'
        plain.ctl('fault', 'drop-watches')
        try:
            e = w.next()
            raise AssertionError('read %r after the drop' % e)
        except (http.client.IncompleteRead, ConnectionError):
            pass
        w.close()
    drop()

    @check('fault expire-watches: open watches get ERROR 410 and end')
    def expire():
        w = Watch(plain, NODE1_WATCH + '1')
        w.next()
        plain.ctl('fault', 'expire-watches')
        e = w.next()
        assert e['type'] == 'ERROR' and e['object']['code'] == 410, e
        assert w.next() is None
        w.close()
    expire()

    @check('fault malformed: an unparsable line in open watch streams, then events go on')
    def malformed():
        w = Watch(plain, NODE1_WATCH + '1')
        w.next()
        plain.ctl('fault', 'malformed')
        e = w.next()
        assert isinstance(e, str), e
        plain.ctl('patch', 'node', 'node1', '{"metadata":{"labels":{"m":"1"}}}')
        e = w.next()
        w.close()
        assert e['type'] == 'MODIFIED', e
    malformed()

    @check('fault silent: watches hold the connection and send nothing (no bookmarks)')
    def silent():
        w = Watch(plain, NODE1_WATCH + '1', timeout=1.2)
        assert w.next()['type'] == 'ADDED'
        plain.ctl('fault', 'silent', 'on=1')
        try:
            # an open watch: the change is held back
            plain.ctl('patch', 'node', 'node1', '{"metadata":{"labels":{"q":"1"}}}')
            try:
                e = w.next()
                raise AssertionError('silent watch sent %r' % e)
            except socket.timeout:
                pass
            w.close()
            # initial ADDED events and 0.5 s bookmarks would be due: nothing comes
            w = Watch(plain, NODE1_WATCH + '1&allowWatchBookmarks=true', timeout=1.2)
            try:
                e = w.next()
                raise AssertionError('silent watch sent %r' % e)
            except socket.timeout:
                pass
            w.close()
        finally:
            plain.ctl('fault', 'silent', 'on=0')
        w = Watch(plain, NODE1_WATCH + '1', timeout=1.2)
        assert w.next()['type'] == 'ADDED'
        w.close()
    silent()

    @check('fault slow: each chunk and response delayed by N ms')
    def slow():
        plain.ctl('fault', 'slow', 'ms=500')
        t0 = time.monotonic()
        plain.get('/api/v1/nodes')
        dt = time.monotonic() - t0
        plain.ctl('fault', 'off')
        t1 = time.monotonic()
        plain.get('/api/v1/nodes')
        assert dt >= 0.5 and time.monotonic() - t1 < 0.3, dt
    slow()

    @check('timeoutSeconds ends a watch cleanly (terminating chunk)')
    def timeout():
        t0 = time.monotonic()
        w = Watch(plain, NODE1_WATCH + '1&timeoutSeconds=1')
        assert w.next()['type'] == 'ADDED'
        assert w.next() is None
        assert 0.8 < time.monotonic() - t0 < 3
        w.close()
    timeout()


def restart_check(tmp, sample):
    @check('a restarted server never reuses resourceVersions: a watch from the old one gets 410')
    def restart():
        a = Server(tmp, 'before', '--cluster', sample)
        try:
            st, b = a.get('/api/v1/services')
            a.ctl('patch', 'svc', 'demo/web', '{"metadata":{"labels":{"z":"1"}}}')
            a.ctl('patch', 'svc', 'demo/web', '{"metadata":{"labels":{"z":"2"}}}')
            st, b2 = a.get('/api/v1/services')
        finally:
            a.stop()
        time.sleep(1.0)      # the default base is unix seconds x 10^6
        os.unlink(a.url_file)
        b_ = Server(tmp, 'after', '--cluster', sample)
        try:
            st, c = b_.get('/api/v1/services')
            assert int(c['metadata']['resourceVersion']) > int(b2['metadata']['resourceVersion'])
            w = Watch(b_, '/api/v1/services?watch=1&resourceVersion=' +
                      b['metadata']['resourceVersion'])
            e = w.next()
            w.close()
            assert e['type'] == 'ERROR' and e['object']['code'] == 410, e
        finally:
            b_.stop()
    restart()


# ---------------- TLS ----------------

def tls_checks(tlss, req, tls):
    def https(srv, cert=True, token=None):
        ctx = ssl.create_default_context(cafile=os.path.join(tls, 'ca.crt'))
        if cert:
            ctx.load_cert_chain(os.path.join(tls, 'client.crt'), os.path.join(tls, 'client.key'))
        c = http.client.HTTPSConnection('127.0.0.1', srv.port, context=ctx, timeout=10)
        c.request('GET', '/api/v1/nodes', headers={'Authorization': 'Bearer ' + token}
                  if token else {})
        r = c.getresponse()
        r.read()
        c.close()
        return r.status

    @check('TLS: client cert or token accepted, neither refused 401; server cert SANs')
    def auth():
        assert https(tlss) == 200
        assert https(tlss, cert=False, token=TOKEN) == 200
        assert https(tlss, cert=False) == 401
        assert https(tlss, cert=False, token='nope') == 401
        out = subprocess.run(['openssl', 'x509', '-in', os.path.join(tls, 'server.crt'),
                              '-noout', '-ext', 'subjectAltName'], capture_output=True,
                             text=True).stdout
        for san in ('127.0.0.1', '0:0:0:0:0:0:0:1', 'DNS:localhost',
                    'DNS:kubernetes.default.svc'):
            assert san in out, out
        out = subprocess.run(['openssl', 'x509', '-in', os.path.join(tls, 'client.crt'),
                              '-noout', '-subject'], capture_output=True, text=True).stdout
        assert 'O = system:nodes' in out and 'CN = system:node:node1' in out, out
    auth()

    @check('TLS --client-auth required: no client cert, no handshake; --no-servicecidrs')
    def required():
        assert https(req) == 200
        try:
            https(req, cert=False)
            raise AssertionError('handshake without a client certificate succeeded')
        except (ssl.SSLError, ConnectionError):
            pass
        ctx = ssl.create_default_context(cafile=os.path.join(tls, 'ca.crt'))
        ctx.load_cert_chain(os.path.join(tls, 'client.crt'), os.path.join(tls, 'client.key'))
        c = http.client.HTTPSConnection('127.0.0.1', req.port, context=ctx, timeout=10)
        c.request('GET', '/apis')
        groups = [g['name'] for g in json.loads(c.getresponse().read())['groups']]
        c.request('GET', '/apis/networking.k8s.io/v1/servicecidrs')
        r = c.getresponse()
        r.read()
        c.close()
        assert groups == ['discovery.k8s.io'] and r.status == 404, (groups, r.status)
    required()


if __name__ == '__main__':
    sys.exit(main())
