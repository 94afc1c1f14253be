# Terminating fallback, per set, as kube-proxy's CategorizeEndpoints:
# the cluster set is the ready backends, or the serving+terminating ones
# when none is ready; the local set the same among local backends.
# - only terminating backends: they are used (cluster IP from a pod);
# - a ready backend appears: only it is used;
# - external-policy local from outside, with a ready remote backend and
#   only a terminating local one: the local terminating one is used
#   (KEP-1669: no drops during rollouts), source preserved;
# - a ready local backend appears: only it is used.
. "$SVCVIP_TOP/tests/vm/lib.sh"
. "$SVCVIP_TOP/tests/vm/lib_cluster.sh"

module_load
cluster_two_nodes
cluster_apply <<'END'
service add term proto tcp
frontend add term clusterip 10.96.6.1:80
backend add term 10.244.1.11:8080 terminating @n1a
backend add term 10.244.2.11:8080 terminating @n2a
service add terml proto tcp external-policy local
frontend add terml nodeport 30600
backend add terml 10.244.1.11:8080 terminating @n1a
backend add terml 10.244.2.11:8080 @n2a
END
MANY="--count 8 --parallel 4 --timeout-ms 8000"

expect_vc "only terminating backends: used (cluster IP from c1)" ok "n1a n2a" \
	"n1a=10.244.1.100 n2a=10.244.1.100" c1 --proto tcp --addr 10.96.6.1 --port 80 $MANY
expect_lookup -x "only terminating backends: lookup says dnat" \
	'verdict dnat' tcp 10.96.6.1:80 from 10.244.1.100
cluster_apply <<'END'
backend add term 10.244.2.12:8080 @n2b
END
expect_vc "a ready backend appears: only it is used" ok n2b - c1 --proto tcp \
	--addr 10.96.6.1 --port 80 $MANY

expect_vc "policy local from ext, only a terminating local backend: it is used, source preserved" \
	ok n1a "n1a=192.168.0.100" ext --proto tcp --addr 192.168.0.1 --port 30600 $MANY
expect_vc "policy local from c1 (pod): cluster set = the ready remote backend only" \
	ok n2a "n2a=10.244.1.100" c1 --proto tcp --addr 192.168.0.1 --port 30600 $MANY
cluster_apply <<'END'
backend add terml 10.244.1.12:8080 @n1b
END
expect_vc "policy local: a ready local backend appears: only it is used" ok n1b \
	"n1b=192.168.0.100" ext --proto tcp --addr 192.168.0.1 --port 30600 $MANY
# the terminating local backend becomes ready again: both local ones
on_nodes backend set terml 10.244.1.11:8080 >/dev/null
in_ns node1 "$SVCADM" backend set terml 10.244.1.11:8080 local ||
	fail "backend set local" "refused"
expect_vc "policy local: terminating flag cleared: both local backends" ok "n1a n1b" \
	"n1a=192.168.0.100 n1b=192.168.0.100" ext --proto tcp --addr 192.168.0.1 \
	--port 30600 --count 12 --parallel 4 --timeout-ms 8000
vc_names
expect_eq "policy local: terminating flag cleared: both local backends answered" \
	"$VC_NAMES" "n1a n1b"
