# rt: `make` builds ./rt, `make test` runs every test, `make bench` compares
# rt with runc and crun.
SHELL := /bin/bash
GO ?= go
BATS ?= bats

.PHONY: all rt seccomp-helper deps lint test unit integration errtext tools fuzz demo bench clean test-cgroupv2 test-systemd test-checkpoint test-checkpoint-runc test-crash test-engines test-lsm test-docker-host test-cri-host cri-tools test-runtime-tools test-crun-tests test-containerd-client test-podman-system test-three-way

all: rt

# Static, without cgo and without urfave/cli's man-page generator: every
# rt command is a fresh process, so dynamic loading, cgo's start-up and
# package init count in each. libseccomp is linked into a static helper
# (libct/seccomp/helper, built with cgo) that rt embeds and runs only to
# compile a profile its cache does not hold.
GO_TAGS ?= urfave_cli_no_docs,netgo,osusergo
GO_LDFLAGS ?= -s -w
SECCOMP_HELPER = libct/seccomp/helper/rt-seccomp

# `rt --version` names the commit it was built from.
GIT_COMMIT ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null)

# Go 1.26's default collector, Green Tea, writes mark bits into each span
# of small objects when the span is first used. An rt command ends long
# before its first collection, so that is start-up cost only: 0.2 ms (25
# page faults) of a 5.9 ms `rt run`, measured. The opt-out exists in Go
# 1.26 only; a toolchain that refuses it builds with its own default.
RT_GOEXPERIMENT ?= $(shell GOEXPERIMENT=nogreenteagc $(GO) env GOEXPERIMENT 2>/dev/null)

rt: seccomp-helper
	GOEXPERIMENT='$(RT_GOEXPERIMENT)' CGO_ENABLED=0 $(GO) build -trimpath -tags '$(GO_TAGS)' -ldflags '$(GO_LDFLAGS) -X main.gitCommit=$(GIT_COMMIT)' -o rt .

# The helper and the libseccomp version it reports, both embedded in rt.
seccomp-helper:
	CGO_ENABLED=1 $(GO) build -trimpath -tags '$(GO_TAGS)' -ldflags '-s -w -linkmode external -extldflags -static' -o $(SECCOMP_HELPER) ./libct/seccomp/helper
	$(SECCOMP_HELPER) --version >$(SECCOMP_HELPER).version.tmp
	mv $(SECCOMP_HELPER).version.tmp $(dir $(SECCOMP_HELPER))libseccomp.version

# Debian packages the build and the tests need (run as root).
deps:
	./scripts/install-deps.sh

# gofmt, go vet, staticcheck and deadcode, each silent (scripts/lint.sh;
# scripts/install-deps.sh installs the pinned linters).
lint: seccomp-helper
	GO=$(GO) GO_TAGS='$(GO_TAGS)' ./scripts/lint.sh

# The Go tests of every package: libct's, the CLI's (the root package) and
# the test tools'.
unit: seccomp-helper
	$(GO) test ./...
	CGO_ENABLED=0 $(GO) test ./libct/seccomp

# Short fuzz runs of the parsers and the config validator.
fuzz:
	./scripts/fuzz.sh 5s

# Helper programs of the integration tests (recvtty, ...), static, into
# tests/integration/tools/bin; and rt-crashtest, rt with the crash points
# the crash tests stop it at (RT_CRASH_AT, read only by this build).
tools: seccomp-helper
	CGO_ENABLED=0 $(GO) build -o tests/integration/tools/bin/ ./tests/integration/tools/...
	GOEXPERIMENT='$(RT_GOEXPERIMENT)' CGO_ENABLED=0 $(GO) build -trimpath -tags '$(GO_TAGS),crashtest' -ldflags '$(GO_LDFLAGS)' -o tests/integration/tools/bin/rt-crashtest .

# TAP through, then one "N passed, N failed" line; bats' status decides.
# Every "rt: " line (rt's errors and warnings) in the output of the suite's
# `run`s goes to ERRORS_LOG (helpers.bash), and errtext then fails on any
# that says a phrase twice.
ERRORS_LOG ?= $(CURDIR)/tests/integration/rt-errors.log
integration: rt tools
	rm -f $(ERRORS_LOG)
	set -o pipefail; RT_ERRORS_LOG=$(ERRORS_LOG) $(BATS) --timing tests/integration | awk '{ print } \
		/^ok .* # skip/ { s++; next } /^ok / { p++ } /^not ok / { f++ } \
		END { printf "integration: %d passed, %d failed, %d skipped\n", p, f, s }'
	$(MAKE) --no-print-directory errtext

# The error-text check over the lines of the last integration run.
errtext:
	$(GO) run ./tests/integration/tools/errtext $(ERRORS_LOG)

test: lint unit fuzz integration

# The cgroup v2 checks (tests/cgroupv2.sh) in the systemd + cgroup v2 guest
# of ../shared/vm (about 1-2 min under TCG); run directly when already on
# a cgroup v2 host. Not part of `make test`.
VM ?= ../shared/vm/vm.sh
test-cgroupv2: rt
	if [ "$$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then ./tests/cgroupv2.sh; \
	else bash $(VM) run --share "$(CURDIR)" --timeout 900 -- ./tests/cgroupv2.sh; fi

# The systemd cgroup driver (--systemd-cgroup, tests/systemd.sh) against the
# guest's systemd; needs systemd as PID 1, so always in the guest. Not part
# of `make test`.
test-systemd: rt
	bash $(VM) run --share "$(CURDIR)" --timeout 900 -- ./tests/systemd.sh

# Checkpoint and restore through CRIU (tests/checkpoint.sh) in the same
# guest with criu added (and iptables, which CRIU runs to lock the
# container's network while it dumps): CRIU 3.17 cannot dump on every
# kernel (on 6.18: "Unexpected rt vDSO area bounds"), the guest runs
# Debian's own. The image has a directory of its own so that it and the
# plain one do not rebuild each other (the stamp covers the package
# list). Not part of `make test`.
CKPT_RTVM_DIR ?= /var/tmp/rtvm-criu
test-checkpoint: rt tools
	RTVM_DIR=$(CKPT_RTVM_DIR) RTVM_EXTRA_PKGS="criu iptables" bash $(VM) run --share "$(CURDIR)" --timeout 1200 -- ./tests/checkpoint.sh

# runc's own checkpoint.bats in the same guest, against rt and the suite's
# own runc (built from its source: the guest's runc 1.1 predates the
# suite) side by side (tests/runc-checkpoint.sh). It needs the upstream suite
# extracted and prepared by ../shared/runc-suite/run-suite.sh --setup-only
# (in RUNC_SUITE_WORK) and fails when rt fails a test that runc passes.
# CKPT_RUNC_FILTER selects tests by a regex of their names. By default every test but
# "checkpoint --lazy-pages and restore": it gives CRIU's page server 2 s to
# be ready, which takes 10 s under the guest's emulation for rt and runc
# alike, and then hangs on the dump left waiting (tests/checkpoint.sh runs
# the same steps with time to spare).
RUNC_SUITE_WORK ?= /tmp/runc-suite
CKPT_RUNC_FILTER ?= ^checkpoint( and | --pre-dump | then |/restore)
test-checkpoint-runc: rt
	@test -d $(RUNC_SUITE_WORK)/src/tests/integration || { echo "no runc suite in $(RUNC_SUITE_WORK): run ../shared/runc-suite/run-suite.sh --setup-only"; exit 1; }
	test -x $(RUNC_SUITE_WORK)/src/runc || (cd $(RUNC_SUITE_WORK)/src && CGO_ENABLED=1 go build -mod=vendor -tags seccomp -o runc .)
	RTVM_DIR=$(CKPT_RTVM_DIR) RTVM_EXTRA_PKGS="criu iptables" bash $(VM) run --share "$(CURDIR)" --share $(RUNC_SUITE_WORK) \
		--timeout 5400 -- ./tests/runc-checkpoint.sh $(RUNC_SUITE_WORK)/src "$(CKPT_RUNC_FILTER)"

# The full crash-safety sweep (tests/crash-sweep.sh): create, run -d,
# exec -d and delete -f SIGKILLed every millisecond of their run and at
# each crash point, then 100 containers in parallel under list and state
# loops, and a state root on a full filesystem. Not part of `make test`,
# which runs the short version (tests/integration/crash.bats). SYSTEMD=1
# runs the sweep with --systemd-cgroup in the guest of ../shared/vm. STEP
# is the sweep's step: 1ms on the host; in the guest, where TCG makes every
# command 20-35x slower, 50ms kills at about the same points of the
# command's own progress (and 1ms would take hours).
test-crash: rt tools
	if [ -n "$(SYSTEMD)" ]; then bash $(VM) run --share "$(CURDIR)" --timeout 3000 -- ./tests/crash-sweep.sh --systemd $(or $(STEP),50ms); \
	else ./tests/crash-sweep.sh $(or $(STEP),1ms); fi

# Podman, containerd, Docker, containerd's CRI (critest) and rootless rt
# over rt and over the guest's runc, side by side (tests/engines/run.sh,
# which writes tests/engines/RESULTS.md), in the systemd + cgroup v2 guest
# with the engines added (docker.io wants apparmor: the guest's kernel has
# AppArmor on, and dockerd refuses to run containers when it cannot load
# its profile; critest loads its AppArmor profiles with `sudo
# apparmor_parser`, so sudo too). Under TCG this takes a while, so it is
# not part of `make test`. ENGINE_SUITES="docker" runs one suite and
# replaces only its section. The cri suite needs `make cri-tools` first (critest and
# containerd 2.x, built into CRI_DIR, which the guest gets as a share);
# CRI_CONTAINERDS="1.6" or "2" runs it with one containerd (and replaces
# only that containerd's rows), CRI_FOCUS / CRI_SKIP pick critest's specs
# by a regular expression; it takes hours under TCG (critest's own list,
# both runtimes: about 2.5 h for containerd 2).
ENGINES_RTVM_DIR ?= /var/tmp/rtvm-engines
ENGINES_PKGS = podman conmon containerd catatonit slirp4netns fuse-overlayfs dbus-user-session libpam-systemd containernetworking-plugins \
	docker.io apparmor docker-registry curl iptables procps sudo
# Seconds: two hours, four for the cri suite alone, five for every suite.
ENGINES_TIMEOUT ?= $(if $(ENGINE_SUITES),$(if $(filter cri,$(ENGINE_SUITES)),14400,7200),18000)
CRI_DIR ?= /var/tmp/rt-cri
test-engines: rt tools
	RTVM_DIR=$(ENGINES_RTVM_DIR) RTVM_EXTRA_PKGS="$(ENGINES_PKGS)" bash $(VM) run --share "$(CURDIR)" \
		$(if $(wildcard $(CRI_DIR)),--share $(CRI_DIR)) --env CRI_DIR=$(CRI_DIR) \
		--env CRI_CONTAINERDS="$(or $(CRI_CONTAINERDS),1.6 2)" --env CRI_FOCUS="$(CRI_FOCUS)" --env CRI_SKIP="$(CRI_SKIP)" \
		--env ENGINE_SUITES="$(ENGINE_SUITES)" --mem 3072 --timeout $(ENGINES_TIMEOUT) -- ./tests/engines/run.sh

# The Docker suite (tests/engines/docker.sh) on this host as it is: cgroup
# v1, the cgroupfs driver, PID 1 not systemd. rt beside runc into
# tests/engines/RESULTS-host.md. tests/engines/host-docker.sh keeps dockerd
# and its containerd in network and mount namespaces of their own, with
# their own directories and cgroup parent, and removes them after. Needs
# Debian's docker.io installed (its service need not run); about 2 min.
# Not part of `make test`.
test-docker-host: rt
	./tests/engines/host-docker.sh

# The CRI suite (tests/engines/cri.sh: critest, handler rt beside handler
# runc, under containerd 1.6 and 2.x) on this host as it is: cgroup v1,
# the cgroupfs driver, PID 1 not systemd, into the cri section of
# tests/engines/RESULTS-host.md. tests/engines/host-cri.sh keeps the
# containerds, the registry and the pods in network and mount namespaces
# of their own and removes them after. Needs `make cri-tools` and Debian's
# containerd and containernetworking-plugins; about 15 min. Not part of
# `make test`.
test-cri-host: rt tools
	CRI_DIR=$(CRI_DIR) ./tests/engines/host-cri.sh

# Other runtimes' suites against rt, runc and crun on this host, side by
# side (tests/oracles/, results in tests/oracles/RESULTS.md); each fails
# when rt fails a check runc passes. test-runtime-tools: the OCI's runtime
# validation suite (opencontainers/runtime-tools' validation/*.t) from the
# git dir RUNTIME_TOOLS_MIRROR names, about 4 min. test-crun-tests: crun's
# own Python suite from the git dir CRUN_MIRROR names, beside the runc that
# RUNC names (a current build tells more than Debian's 1.1), about 3 min.
# The search tool's fetch of github:opencontainers/runtime-tools or
# github:containers/crun gives such a git dir. Not part of `make test`.
test-runtime-tools: rt
	./tests/oracles/runtime-tools.sh ./rt

test-crun-tests: rt
	./tests/oracles/crun-tests.sh ./rt

# containerd's own client suite (integration/client of CONTAINERD_TAG,
# v2.3.4 by default, built with containerd and its runc shim from the git
# dir CONTAINERD_MIRROR names), rt and then Debian's runc as the shim's
# "runc", images from a registry of its own on loopback; needs Debian's
# docker-registry. About 3 min after a first build of about 3.
test-containerd-client: rt
	./tests/oracles/containerd-client.sh ./rt

# Podman's own system tests (test/system of PODMAN_TAG, v4.3.1, the release
# Debian ships, from the git dir PODMAN_MIRROR names) through Debian's
# podman, rt and then Debian's runc as its runtime, the test image built
# here and served on loopback; needs podman, buildah, bats, docker-registry,
# ncat, socat. About 22 min.
test-podman-system: rt
	./tests/oracles/podman-system.sh ./rt

# One config at a time through rt, runc and crun with a probe of what the
# container sees (tests/oracles/three-way/cases); fails where runc and crun
# agree on something rt does not show. Seconds.
test-three-way: rt
	./tests/oracles/three-way.sh ./rt

# critest v1.28.0, v1.29.0 and the newest critest, from a clone of
# kubernetes-sigs/cri-tools (CRI_TOOLS_GIT), and containerd 2.x from its
# module source, into CRI_DIR, outside the repository
# (scripts/cri-build.sh).
cri-tools:
	@test -n "$(CRI_TOOLS_GIT)" || { echo "CRI_TOOLS_GIT must name a clone of kubernetes-sigs/cri-tools"; exit 1; }
	./scripts/cri-build.sh "$(CRI_TOOLS_GIT)" "$(CRI_DIR)"

# Installs the dependencies, builds rt, makes a busybox bundle in ./demo
# and runs it.
demo:
	./scripts/demo.sh

bench: rt
	./bench/bench.sh

clean:
	rm -rf rt demo bench/out

# AppArmor and SELinux in force (tests/lsm/host.sh): the AppArmor guest
# (Podman, Docker) and the SELinux guest (Debian's reference policy, the
# image labelled by tests/lsm/selinux-image.sh) of ../shared/vm, each
# suite with rt and runc side by side, and rt check where this host cannot
# show it; writes tests/lsm/RESULTS.md and fails when rt fails where runc
# passes. LSM_GUESTS="apparmor" runs one guest. Under TCG each guest takes
# minutes, so it is not part of `make test`. Run it under the VM lock:
# `flock /var/tmp/rtvm.lock make test-lsm`.
test-lsm: rt tools
	VM=$(VM) LSM_GUESTS="$(or $(LSM_GUESTS),apparmor selinux)" ./tests/lsm/host.sh
