# 50 load/unload cycles, each with a service configured (so the netfilter
# hooks are registered) when the module goes.
. "$SVCVIP_TOP/tests/vm/lib.sh"

module_deps
ok=0
for i in $(seq 1 50); do
	insmod "$SVCVIP_KO" || break
	svcadm service add web proto tcp >/dev/null || break
	svcadm frontend add web clusterip 10.96.0.10:80 || break
	svcadm backend add web 10.0.0.11:8080 || break
	rmmod svcvip || break
	ok=$i
done
expect_eq "50 load/unload cycles with a service" "$ok" 50
