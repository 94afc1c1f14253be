# SPDX-License-Identifier: GPL-2.0
#
# svcvip: make builds kmod/svcvip.ko and the userspace tools,
# make check runs every test, make demo shows it working in a VM.
# KDIR (the kernel build tree) is found by scripts/find-kdir unless given.

# (kbuild itself reads ./Kbuild and kmod/Kbuild, not this file.)

KDIR ?= $(shell scripts/find-kdir)
export KDIR

# The debug kernel (KASAN, lockdep, ...) lives next to the checkout when
# this machine has it; see make check-debug.
DEBUG_KERNEL_DIR ?= $(abspath ../shared/kernels/debug)

.PHONY: all module module-selftest tools testtools unit check check-debug check-debug-quick demo fuzz \
	lint clean help install install-module install-tools install-data install-dkms-source \
	check-packaging deb bench-smoke bench

all: module tools

module:
	@test -n "$(KDIR)" || { echo "no kernel build tree: scripts/install-deps" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) CONFIG_SVCVIP=m modules

# The same sources with CONFIG_SVCVIP_DEBUG=y: the in-kernel selftests
# linked in and run at load (the "selftest" VM test); never installed.
module-selftest:
	@test -n "$(KDIR)" || { echo "no kernel build tree: scripts/install-deps" >&2; exit 1; }
	scripts/build-selftest-module $(KDIR) build/selftest

tools:
	$(MAKE) -C userspace

# traffic generator/checker used inside the VM tests
testtools:
	$(MAKE) -C tests/vm/tools

unit:
	$(MAKE) -C userspace unit

# Unit tests under ASan/UBSan, the VM runner's own tests and the VM suite;
# ends with one "N passed, N failed" line.
check: all testtools module-selftest
	tests/check

# The same VM suite on the debug kernel (about 2 h; CI runs only the subset
# below, and only where the debug kernel is present).
check-debug: tools testtools
	tests/check-debug "$(DEBUG_KERNEL_DIR)"

# The debug-kernel subset CI runs when the machine has the debug kernel
# (about 40 min): the tests that reach the most kernel code per second
# and do not depend on timing, and the riskiest packet paths (UDP
# conntrack cleanup, both reject paths, masquerade, affinity, NodePort)
# with a 30 s churn under traffic.
# In this order: CI's time budget (.ci/run) cuts from the end.
DEBUG_QUICK_TESTS ?= selftest module-load module-cycles privilege limits \
	bad-input fuzz netns-lifecycle unload-traffic churn-traffic \
	conntrack-udp clusterip-reject external-reject external-masq \
	external-nodeport external-affinity
check-debug-quick: tools testtools
	SVCVIP_TESTS="$(DEBUG_QUICK_TESTS)" SVCVIP_CHURN_SECS=30 \
	SVCVIP_CHURN_MIN_CHANGES=50 tests/check-debug "$(DEBUG_KERNEL_DIR)"

# The benchmark's rule generators (bench/rulegen.py) at a tiny size, each
# mode's traffic checked to reach exactly the right backends (also in
# make check, as the VM test bench-smoke).
bench-smoke: all testtools
	tests/vm/run --mem 3072 -- tests/vm/suite bench-smoke

# svcvip against kube-proxy's iptables, nftables and IPVS in one guest
# (bench/run; hours under TCG at the default sizes, BENCH_* in
# bench/guest.sh): build/bench/results.csv, docs/benchmarks.md, docs/bench/
bench: all testtools module-selftest
	bench/run

demo: all testtools
	tests/vm/run -- tests/vm/demo

# The netlink fuzzer (tests/fuzz/nlfuzz.py) in a VM, FUZZ_COUNT messages in
# all; FUZZ_SEED=S repeats a run. make check runs a short round of it.
FUZZ_COUNT ?= 100000
fuzz: module
	@mkdir -p test-results
	SVCVIP_FUZZ_COUNT=$(FUZZ_COUNT) SVCVIP_FUZZ_SEED=$(FUZZ_SEED) \
	SVCVIP_FUZZ_LOG=$(CURDIR)/test-results/fuzz.log \
		tests/vm/run --timeout 7200 --mem 3072 --env T_TIMEOUT=7000 \
		--rw $(CURDIR)/test-results -- \
		tests/vm/suite --out $(CURDIR)/test-results/fuzz.tap fuzz
	@grep -E '^# (rej|acc|[0-9]+ valid|[0-9.]+ s,)' test-results/fuzz.log | cut -c1-400

# checkpatch + sparse over kmod/, both must be clean.
lint:
	scripts/lint

# ---- install -------------------------------------------------------------
# make install DESTDIR=... PREFIX=... puts everything in place: the module
# (kbuild modules_install: $(DESTDIR)/lib/modules/<release>/updates/kmod/),
# the tools, man pages, the uapi header, the systemd unit, the modules-load.d
# entry and bash completion. debian/rules uses the parts separately: the
# svcvip package is install-tools + install-data, svcvip-dkms is
# install-dkms-source (dkms builds the module on the target).
VERSION := $(shell sed -n 's/^\#define SVCVIP_VERSION "\(.*\)"/\1/p' kmod/version.h)
PREFIX ?= /usr/local
DESTDIR ?=
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
INCLUDEDIR ?= $(PREFIX)/include
# systemd, systemd-modules-load and bash-completion look under /usr/local too
UNITDIR ?= $(PREFIX)/lib/systemd/system
MODULESLOADDIR ?= $(PREFIX)/lib/modules-load.d
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
SRCDIR ?= $(PREFIX)/src
INSTALL ?= install

install: install-module install-tools install-data
	$(INSTALL) -D -m 0644 include/uapi/linux/svcvip.h $(DESTDIR)$(INCLUDEDIR)/linux/svcvip.h

# INSTALL_MOD_DIR: "updates" wins over an in-tree module of the same name
# (as dkms does); depmod runs against $(DESTDIR) only when it is empty.
install-module: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) CONFIG_SVCVIP=m INSTALL_MOD_DIR=updates \
		$(if $(DESTDIR),INSTALL_MOD_PATH=$(abspath $(DESTDIR)) DEPMOD=true) modules_install

install-tools: tools
	$(MAKE) -C userspace install DESTDIR=$(abspath $(DESTDIR)) SBINDIR=$(SBINDIR)

install-data:
	$(INSTALL) -D -m 0644 man/svcadm.8 $(DESTDIR)$(MANDIR)/man8/svcadm.8
	$(INSTALL) -D -m 0644 man/svcsyncd.8 $(DESTDIR)$(MANDIR)/man8/svcsyncd.8
	@mkdir -p build
	sed 's|/usr/sbin/svcsyncd|$(SBINDIR)/svcsyncd|' packaging/systemd/svcsyncd.service > build/svcsyncd.service
	$(INSTALL) -D -m 0644 build/svcsyncd.service $(DESTDIR)$(UNITDIR)/svcsyncd.service
	$(INSTALL) -D -m 0644 packaging/modules-load.d/svcvip.conf $(DESTDIR)$(MODULESLOADDIR)/svcvip.conf
	$(INSTALL) -D -m 0644 packaging/bash-completion/svcadm $(DESTDIR)$(COMPLETIONDIR)/svcadm

# The module's source as dkms builds it: the same layout as this checkout
# (Kbuild -> kmod/, which includes ../include), no build products.
DKMS_SRC = $(DESTDIR)$(SRCDIR)/svcvip-$(VERSION)
install-dkms-source:
	$(INSTALL) -D -m 0644 Kbuild $(DKMS_SRC)/Kbuild
	$(INSTALL) -D -m 0644 -t $(DKMS_SRC)/kmod kmod/Kbuild kmod/Kconfig \
		$(filter-out %.mod.c,$(wildcard kmod/*.c)) $(wildcard kmod/*.h)
	$(INSTALL) -D -m 0644 include/uapi/linux/svcvip.h $(DKMS_SRC)/include/uapi/linux/svcvip.h
	sed 's/#MODULE_VERSION#/$(VERSION)/' packaging/dkms.conf > $(DKMS_SRC)/dkms.conf

# The Debian packages, built in a copy under /tmp (dpkg-buildpackage
# writes into the parent directory): build/deb/*.deb
deb:
	scripts/build-deb build/deb

# install tree, .debs + lintian, systemd unit, deploy/ manifests, man
# pages, version, completion: host-side, TAP on stdout
check-packaging: all
	tests/packaging/run

clean:
	@if [ -n "$(KDIR)" ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
	$(MAKE) -C userspace clean
	$(MAKE) -C tests/vm/tools clean
	rm -rf test-results build

help:
	@echo "make              build kmod/svcvip.ko and userspace/svcadm"
	@echo "make module-selftest  build/selftest/kmod/svcvip.ko: selftests run at load"
	@echo "make check        unit + VM tests; last line: N passed, N failed"
	@echo "make demo         boot a VM and show svcvip serving a service"
	@echo "make bench-smoke  the benchmark rule generators, checked by traffic in a VM"
	@echo "make bench        svcvip vs kube-proxy's iptables/nftables/IPVS: docs/benchmarks.md"
	@echo "make lint         checkpatch.pl and sparse over kmod/"
	@echo "make check-debug  VM tests on the KASAN/lockdep debug kernel"
	@echo "make fuzz         netlink fuzzing in a VM (FUZZ_COUNT, FUZZ_SEED)"
	@echo "make install      DESTDIR=, PREFIX= (/usr/local): module, tools, man, unit, ..."
	@echo "make deb          build/deb/svcvip_*.deb and svcvip-dkms_*.deb"
	@echo "make check-packaging  install tree, .debs, lintian, unit, deploy/, man pages"
	@echo "make clean        remove everything built"
	@echo "variables: KDIR=<kernel build tree> (found: $(KDIR))"
