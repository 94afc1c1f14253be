# 50 load/unload cycles, each with a service configured (so the netfilter
# hooks are registered) when the module goes.
. "$SVCVIP_TOP/tests/vm/lib.sh"

module_deps
svc='[[2,"nest",[[1,"str","default/web:http"],[2,"u8",6],[8,"nest",[[0,"nest",[[1,"u8",1],[2,"u16",2],[3,"bin","0a60000a"],[4,"u16",80]]]]],[9,"nest",[[0,"nest",[[1,"u16",2],[2,"bin","0a00000b"],[3,"u16",8080]]]]]]]]'
ok=0
for i in $(seq 1 50); do
	insmod "$TOP/kmod/svcvip.ko" || break
	python3 "$NLRAW" NEW_SERVICE "$svc" >/dev/null || break
	rmmod svcvip || break
	ok=$i
done
expect_eq "50 load/unload cycles with a service" "$ok" 50
