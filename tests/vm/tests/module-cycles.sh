# 30 load/unload cycles (SVCVIP_MODULE_CYCLES; 25 on the debug kernel),
# each with services configured in a node's netns (so its netfilter hooks
# are registered) and answering a pod's TCP and UDP connections through
# them when the module goes.
. "$SVCVIP_TOP/tests/vm/lib.sh"

module_deps
cluster_basic
cycles=${SVCVIP_MODULE_CYCLES:-30}
ok=0 served=0
for i in $(seq 1 "$cycles"); do
	insmod "$SVCVIP_KO" || break
	in_ns node "$SVCADM" restore <<-END || break
	service add web proto tcp
	frontend add web clusterip 10.96.0.10:80
	backend add web 10.244.0.11:8080
	backend add web 10.244.0.12:8080
	service add dns proto udp
	frontend add dns clusterip 10.96.0.10:53
	backend add dns 10.244.0.13:8080
	END
	t=$(in_ns client "$VIPCHECK" connect --proto tcp --addr 10.96.0.10 \
		--port 80 --count 2 --timeout-ms 2000)
	u=$(in_ns client "$VIPCHECK" connect --proto udp --addr 10.96.0.10 \
		--port 53 --count 2 --timeout-ms 2000)
	[ "$(stat_of "$t" ok)$(stat_of "$u" ok)" = 22 ] && served=$((served + 1))
	rmmod svcvip || break
	ok=$i
done
expect_eq "$cycles load/unload cycles with services" "$ok" "$cycles"
expect_eq "every cycle's connections answered through the services" "$served" "$cycles"
