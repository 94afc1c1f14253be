#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Make a CA, a server certificate, a client certificate and kubeconfigs for apiserver.py.

Writes into --dir: ca.crt ca.key server.crt server.key client.crt client.key
kubeconfig (client certificate) kubeconfig-token (bearer token, when --token)
kubeconfig-insecure (no CA check, token or client cert). Uses the openssl CLI (ECDSA P-256).
"""

import argparse
import base64
import ipaddress
import os
import subprocess
import sys
import tempfile


def openssl(*args):
    r = subprocess.run(['openssl'] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit('certs.py: openssl %s: %s' % (' '.join(args), r.stderr.strip()))


def keygen(path):
    openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256',
            '-out', path)
    os.chmod(path, 0o600)


def sign(d, name, subj, ext, days):
    with tempfile.NamedTemporaryFile('w', suffix='.ext', dir=d, delete=False) as f:
        f.write(ext)
    try:
        keygen(os.path.join(d, name + '.key'))
        openssl('req', '-new', '-key', os.path.join(d, name + '.key'), '-subj', subj,
                '-out', os.path.join(d, name + '.csr'))
        openssl('x509', '-req', '-in', os.path.join(d, name + '.csr'),
                '-CA', os.path.join(d, 'ca.crt'), '-CAkey', os.path.join(d, 'ca.key'),
                '-CAcreateserial', '-days', str(days), '-sha256', '-extfile', f.name,
                '-out', os.path.join(d, name + '.crt'))
    finally:
        os.unlink(f.name)
        for junk in (name + '.csr', 'ca.srl'):
            try:
                os.unlink(os.path.join(d, junk))
            except FileNotFoundError:
                pass


def b64(path):
    with open(path, 'rb') as f:
        return base64.b64encode(f.read()).decode()


def kubeconfig(path, server, user, ca=None, insecure=False):
    cluster = '    server: %s\n' % server
    if insecure:
        cluster += '    insecure-skip-tls-verify: true\n'
    elif ca:
        cluster += '    certificate-authority-data: %s\n' % b64(ca)
    users = ''.join('    %s: %s\n' % kv for kv in user.items())
    text = ('apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n' + cluster +
            'users:\n- name: fake-user\n  user:\n' + users +
            'contexts:\n- name: fake\n  context:\n    cluster: fake\n    user: fake-user\n'
            'current-context: fake\npreferences: {}\n')
    with open(path, 'w') as f:
        f.write(text)
    os.chmod(path, 0o600)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--dir', required=True, help='output directory (created)')
    ap.add_argument('--server', default='https://127.0.0.1:6443',
                    help='URL written into the kubeconfigs; its host goes into the SANs')
    ap.add_argument('--ip', action='append', default=[], help='extra IP SAN (repeatable)')
    ap.add_argument('--dns', action='append', default=[], help='extra DNS SAN (repeatable)')
    ap.add_argument('--node', default='node1', help='client cert CN=system:node:NODE')
    ap.add_argument('--token', help='also write kubeconfig-token with this bearer token')
    ap.add_argument('--days', type=int, default=365)
    a = ap.parse_args()

    os.makedirs(a.dir, exist_ok=True)
    d = a.dir
    host = a.server.split('://', 1)[-1].rsplit(':', 1)[0].strip('[]')
    ips = ['127.0.0.1', '::1'] + a.ip
    dns = ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc',
           'kubernetes.default.svc.cluster.local'] + a.dns
    try:
        ipaddress.ip_address(host)
        ips.append(host)
    except ValueError:
        dns.append(host)
    sans = ['IP:%s' % i for i in dict.fromkeys(ips)] + ['DNS:%s' % n for n in dict.fromkeys(dns)]

    keygen(os.path.join(d, 'ca.key'))
    openssl('req', '-x509', '-new', '-key', os.path.join(d, 'ca.key'), '-sha256',
            '-days', str(a.days), '-subj', '/CN=fake-kubernetes-ca',
            '-addext', 'basicConstraints=critical,CA:TRUE',
            '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
            '-out', os.path.join(d, 'ca.crt'))
    sign(d, 'server', '/CN=kube-apiserver',
         'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,'
         'keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' % ','.join(sans),
         a.days)
    sign(d, 'client', '/O=system:nodes/CN=system:node:%s' % a.node,
         'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,'
         'keyEncipherment\nextendedKeyUsage=clientAuth\n', a.days)

    ca = os.path.join(d, 'ca.crt')
    cert = {'client-certificate-data': b64(os.path.join(d, 'client.crt')),
            'client-key-data': b64(os.path.join(d, 'client.key'))}
    kubeconfig(os.path.join(d, 'kubeconfig'), a.server, cert, ca=ca)
    if a.token:
        kubeconfig(os.path.join(d, 'kubeconfig-token'), a.server, {'token': a.token}, ca=ca)
    kubeconfig(os.path.join(d, 'kubeconfig-insecure'), a.server,
               {'token': a.token} if a.token else cert, insecure=True)
    print(d)


if __name__ == '__main__':
    main()
