#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Generate cluster descriptions for apiserver.py (--cluster) and `ctl apply/load`.

  gencluster.py sample [options]   the demo cluster: ClusterIP, NodePort, LoadBalancer
                                   (ETP Local, healthCheckNodePort, ingress), headless,
                                   dual-stack, ready/serving/terminating endpoints
  gencluster.py scale --services N --endpoints M [options]
Output: {"kind": "List", "apiVersion": "v1", "items": [...]} on stdout or -o FILE.
"""

import argparse
import ipaddress
import json
import sys

MANAGED = {'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io'}


def meta(name, ns=None, labels=None, annotations=None):
    m = {'name': name}
    if ns is not None:
        m['namespace'] = ns
    if labels:
        m['labels'] = labels
    if annotations:
        m['annotations'] = annotations
    return m


def service(ns, name, ports, cluster_ips, typ='ClusterIP', **spec):
    s = {'type': typ, 'ports': ports, 'sessionAffinity': 'None',
         'internalTrafficPolicy': 'Cluster'}
    if cluster_ips == ['None']:
        s.update(clusterIP='None', clusterIPs=['None'], ipFamilies=['IPv4'],
                 ipFamilyPolicy='SingleStack')
    else:
        fams = ['IPv6' if ':' in a else 'IPv4' for a in cluster_ips]
        s.update(clusterIP=cluster_ips[0], clusterIPs=cluster_ips, ipFamilies=fams,
                 ipFamilyPolicy='RequireDualStack' if len(fams) > 1 else 'SingleStack')
    if typ in ('NodePort', 'LoadBalancer'):
        s['externalTrafficPolicy'] = 'Cluster'
    status = spec.pop('_status', None) or {'loadBalancer': {}}
    s.update(spec)
    return {'kind': 'Service', 'apiVersion': 'v1',
            'metadata': meta(name, ns, {'app': name}),
            'spec': s, 'status': status}


def sport(name, port, target, proto='TCP', node_port=None):
    p = {'name': name, 'protocol': proto, 'port': port, 'targetPort': target}
    if node_port:
        p['nodePort'] = node_port
    return p


def endpoint(ip, node, zone, ready=True, serving=True, terminating=False, pod=None):
    e = {'addresses': [ip],
         'conditions': {'ready': ready, 'serving': serving, 'terminating': terminating},
         'nodeName': node, 'zone': zone}
    if pod:
        e['targetRef'] = {'kind': 'Pod', 'namespace': pod[0], 'name': pod[1]}
    return e


def slice_(ns, svc, suffix, family, ports, endpoints, headless=False):
    labels = {'kubernetes.io/service-name': svc}
    labels.update(MANAGED)
    if headless:
        labels['service.kubernetes.io/headless'] = ''
    return {'kind': 'EndpointSlice', 'apiVersion': 'discovery.k8s.io/v1',
            'metadata': meta('%s-%s' % (svc, suffix), ns, labels),
            'addressType': family,
            'endpoints': endpoints,
            'ports': [{'name': n, 'protocol': pr, 'port': p} for n, pr, p in ports]}


def node(name, ips, zone, pod_cidr):
    addrs = [{'type': 'InternalIP', 'address': ip} for ip in ips]
    addrs.append({'type': 'Hostname', 'address': name})
    return {'kind': 'Node', 'apiVersion': 'v1',
            'metadata': meta(name, labels={
                'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux',
                'topology.kubernetes.io/zone': zone}),
            'spec': {'podCIDR': pod_cidr, 'podCIDRs': [pod_cidr]},
            'status': {'addresses': addrs,
                       'conditions': [{'type': 'Ready', 'status': 'True',
                                       'reason': 'KubeletReady'}]}}


def service_cidr(cidrs):
    return {'kind': 'ServiceCIDR', 'apiVersion': 'networking.k8s.io/v1',
            'metadata': meta('kubernetes'), 'spec': {'cidrs': cidrs}}


def nth(cidr, n):
    net = ipaddress.ip_network(cidr, strict=False)
    if n >= net.num_addresses - 1:
        sys.exit('gencluster.py: %s has no address #%d' % (cidr, n))
    return str(net.network_address + n)


def sample(a):
    ns, node1, node2 = a.namespace, a.node, a.other_node
    zone1, zone2 = a.zone, a.other_zone
    pods = a.pods.split(',')
    pods6 = a.pods6.split(',')
    if len(pods) < 3 or len(pods6) < 2:
        sys.exit('gencluster.py: --pods needs 3 addresses, --pods6 2')
    cip = lambda n: nth(a.service_cidr, n)      # noqa: E731
    cip6 = lambda n: nth(a.service_cidr6, n)    # noqa: E731
    # pods[0]: ready on this node, pods[1]: ready on the other node,
    # pods[2]: terminating (serving) on this node
    eps = [endpoint(pods[0], node1, zone1, pod=(ns, 'web-0')),
           endpoint(pods[1], node2, zone2, pod=(ns, 'web-1')),
           endpoint(pods[2], node1, zone1, ready=False, serving=True, terminating=True,
                    pod=(ns, 'web-2'))]
    http = [('http', 'TCP', a.target_port)]
    items = [service_cidr([a.service_cidr, a.service_cidr6]),
             node(node1, [a.node_ip] + ([a.node_ip6] if a.node_ip6 else []), zone1,
                  a.pod_cidr),
             node(node2, [a.other_node_ip], zone2, a.other_pod_cidr),
             service('default', 'kubernetes', [sport('https', 443, 6443)], [cip(1)]),
             slice_('default', 'kubernetes', 'api', 'IPv4', [('https', 'TCP', 6443)],
                    [{'addresses': [a.apiserver_ip], 'conditions': {'ready': True}}])]
    items[-1]['metadata']['name'] = 'kubernetes'
    items[-1]['metadata']['labels'] = {'kubernetes.io/service-name': 'kubernetes'}
    # ClusterIP, TCP + UDP
    items.append(service(ns, 'web', [sport('http', 80, a.target_port),
                                     sport('dns', 53, 5353, 'UDP')], [cip(10)]))
    items.append(slice_(ns, 'web', 'abcde', 'IPv4',
                        http + [('dns', 'UDP', 5353)], eps))
    # NodePort
    items.append(service(ns, 'web-np', [sport('http', 80, a.target_port, node_port=30080)],
                         [cip(11)], 'NodePort'))
    items.append(slice_(ns, 'web-np', 'fghij', 'IPv4', http, eps))
    # LoadBalancer, ETP Local, health check node port, ingress IP
    items.append(service(ns, 'web-lb', [sport('http', 80, a.target_port, node_port=30081)],
                         [cip(12)], 'LoadBalancer', externalTrafficPolicy='Local',
                         healthCheckNodePort=32000, allocateLoadBalancerNodePorts=True,
                         _status={'loadBalancer': {'ingress': [
                             {'ip': a.lb_ip, 'ipMode': 'VIP'}]}}))
    items.append(slice_(ns, 'web-lb', 'klmno', 'IPv4', http, eps))
    # headless: no cluster IP; its slices carry the headless label
    items.append(service(ns, 'web-headless', [sport('http', 80, a.target_port)], ['None']))
    items.append(slice_(ns, 'web-headless', 'pqrst', 'IPv4', http, eps, headless=True))
    # dual-stack
    items.append(service(ns, 'web-dual', [sport('http', 80, a.target_port)],
                         [cip(13), cip6(13)]))
    items.append(slice_(ns, 'web-dual', 'uvwxy', 'IPv4', http, eps[:2]))
    items.append(slice_(ns, 'web-dual', 'zabcd', 'IPv6', http,
                        [endpoint(pods6[0], node1, zone1), endpoint(pods6[1], node2, zone2)]))
    if a.extras:
        items += extras(a, ns, eps, http, cip)
    return items


def extras(a, ns, eps, http, cip):
    """More rows of the semantics doc, each its own service on the same endpoints."""
    out = []

    def add(name, n, slice_eps, typ='ClusterIP', **spec):
        ports = [sport('http', 80, a.target_port, node_port=spec.pop('_np', None))]
        out.append(service(ns, name, ports, [cip(n)], typ, **spec))
        out.append(slice_(ns, name, 'e%04d' % n, 'IPv4', http, slice_eps))
    add('affinity', 20, eps, sessionAffinity='ClientIP',
        sessionAffinityConfig={'clientIP': {'timeoutSeconds': 60}})
    add('external-ip', 21, eps, externalIPs=[a.external_ip])
    add('itp-local', 22, eps, internalTrafficPolicy='Local')
    add('source-ranges', 23, eps, 'LoadBalancer', _np=30082,
        loadBalancerSourceRanges=['203.0.113.0/24'],
        _status={'loadBalancer': {'ingress': [{'ip': a.lb_ip2, 'ipMode': 'VIP'}]}})
    add('no-endpoints', 24, [])
    add('terminating-only', 25, [eps[2]])
    add('remote-only-local', 26, [eps[1]], 'NodePort', _np=30083,
        externalTrafficPolicy='Local')
    out.append({'kind': 'Service', 'apiVersion': 'v1', 'metadata': meta('external-name', ns),
                'spec': {'type': 'ExternalName', 'externalName': 'example.com'},
                'status': {'loadBalancer': {}}})
    hidden = service(ns, 'other-proxy', [sport('http', 80, a.target_port)], [cip(27)])
    hidden['metadata']['labels']['service.kubernetes.io/service-proxy-name'] = 'other'
    out.append(hidden)
    return out


def scale(a):
    items = [service_cidr([a.service_cidr]),
             node(a.node, [a.node_ip], a.zone, a.pod_cidr)]
    svc_net = ipaddress.ip_network(a.service_cidr, strict=False)
    pod_net = ipaddress.ip_network(a.pod_cidr, strict=False)
    if a.services + 10 >= svc_net.num_addresses or \
            a.services * a.endpoints + 10 >= pod_net.num_addresses:
        sys.exit('gencluster.py: the CIDRs are too small for this many objects')
    nodes = ['%s' % a.node] + ['node%d' % i for i in range(2, a.nodes + 1)]
    pod = int(pod_net.network_address) + 10
    for i in range(a.services):
        ns = 'ns%d' % (i % a.namespaces)
        name = 'svc-%05d' % i
        ip = str(svc_net.network_address + 10 + i)
        items.append(service(ns, name, [sport('http', 80, a.target_port)], [ip]))
        eps = []
        for j in range(a.endpoints):
            nd = nodes[(i + j) % len(nodes)]
            eps.append(endpoint(str(ipaddress.ip_address(pod)), nd,
                                'zone-%d' % ((i + j) % len(nodes) % 3)))
            pod += 1
        items.append(slice_(ns, name, 'x%04x' % (i % 65536), 'IPv4',
                            [('http', 'TCP', a.target_port)], eps))
    return items


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    for name in ('sample', 'scale'):
        p = sub.add_parser(name)
        p.add_argument('-o', '--output', help='file (default stdout)')
        p.add_argument('--node', default='node1', help='this node\'s name')
        p.add_argument('--node-ip', default='192.168.122.10', help='its InternalIP')
        p.add_argument('--zone', default='zone-a')
        p.add_argument('--service-cidr', default='10.96.0.0/16')
        p.add_argument('--pod-cidr', default='10.244.1.0/24' if name == 'sample'
                       else '10.64.0.0/10')
        p.add_argument('--target-port', type=int, default=8080)
    s = sub.choices['sample']
    s.add_argument('--namespace', default='demo')
    s.add_argument('--node-ip6', help='the node\'s IPv6 InternalIP (optional)')
    s.add_argument('--other-node', default='node2')
    s.add_argument('--other-zone', default='zone-b')
    s.add_argument('--other-node-ip', default='192.168.122.11')
    s.add_argument('--other-pod-cidr', default='10.244.2.0/24')
    s.add_argument('--extras', action='store_true',
                   help='also: ClientIP affinity, externalIPs, ITP Local, LB source ranges, no '
                   'endpoints, terminating only, ETP Local without local endpoints, '
                   'ExternalName, another proxy\'s service')
    s.add_argument('--external-ip', default='192.0.2.20')
    s.add_argument('--lb-ip2', default='192.0.2.11')
    s.add_argument('--service-cidr6', default='fd00:10:96::/112')
    s.add_argument('--pods', default='10.244.1.10,10.244.2.10,10.244.1.11',
                   help='3 IPv4 endpoints: ready here, ready on --other-node, terminating here')
    s.add_argument('--pods6', default='fd00:10:244:1::10,fd00:10:244:2::10',
                   help='2 IPv6 endpoints: here, on --other-node')
    s.add_argument('--lb-ip', default='192.0.2.10', help='status.loadBalancer.ingress IP')
    s.add_argument('--apiserver-ip', default='192.168.122.1',
                   help='endpoint of default/kubernetes')
    c = sub.choices['scale']
    c.add_argument('--services', type=int, required=True)
    c.add_argument('--endpoints', type=int, default=10, help='per service')
    c.add_argument('--nodes', type=int, default=10, help='endpoints spread over N nodes')
    c.add_argument('--namespaces', type=int, default=10)
    a = ap.parse_args()
    items = sample(a) if a.cmd == 'sample' else scale(a)
    doc = {'kind': 'List', 'apiVersion': 'v1', 'items': items}
    out = open(a.output, 'w') if a.output else sys.stdout
    json.dump(doc, out, indent=1 if a.cmd == 'sample' else None,
              separators=None if a.cmd == 'sample' else (',', ':'))
    out.write('\n')
    if a.output:
        out.close()


if __name__ == '__main__':
    main()
