# rt: `make` builds ./rt, `make test` runs every test, `make bench` compares
# rt with runc and crun.
SHELL := /bin/bash
GO ?= go
BATS ?= bats

.PHONY: all rt deps test unit integration tools fuzz demo bench clean test-cgroupv2 test-systemd test-crash

all: rt

# Static, and without urfave/cli's man-page generator: every container
# start runs this binary twice, so dynamic loading and package init count.
GO_TAGS ?= urfave_cli_no_docs,netgo,osusergo
GO_LDFLAGS ?= -s -w -linkmode external -extldflags -static

rt:
	$(GO) build -trimpath -tags '$(GO_TAGS)' -ldflags '$(GO_LDFLAGS)' -o rt .

# Debian packages the build and the tests need (run as root).
deps:
	./scripts/install-deps.sh

unit:
	$(GO) vet ./...
	$(GO) test ./libct/...

# Short fuzz runs of the parsers and the config validator.
fuzz:
	./scripts/fuzz.sh 5s

# Helper programs of the integration tests (recvtty, ...), static, into
# tests/integration/tools/bin; and rt-crashtest, rt with the crash points
# the crash tests stop it at (RT_CRASH_AT, read only by this build).
tools:
	CGO_ENABLED=0 $(GO) build -o tests/integration/tools/bin/ ./tests/integration/tools/...
	$(GO) build -trimpath -tags '$(GO_TAGS),crashtest' -ldflags '$(GO_LDFLAGS)' -o tests/integration/tools/bin/rt-crashtest .

# TAP through, then one "N passed, N failed" line; bats' status decides.
integration: rt tools
	set -o pipefail; $(BATS) --timing tests/integration | awk '{ print } \
		/^ok .* # skip/ { s++; next } /^ok / { p++ } /^not ok / { f++ } \
		END { printf "integration: %d passed, %d failed, %d skipped\n", p, f, s }'

test: unit fuzz integration

# The cgroup v2 checks (tests/cgroupv2.sh) in the systemd + cgroup v2 guest
# of /work/shared/vm (about 1-2 min under TCG); run directly when already on
# a cgroup v2 host. Not part of `make test`.
VM ?= /work/shared/vm/vm.sh
test-cgroupv2: rt
	if [ "$$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then ./tests/cgroupv2.sh; \
	else bash $(VM) run --share "$(CURDIR)" --timeout 900 -- ./tests/cgroupv2.sh; fi

# The systemd cgroup driver (--systemd-cgroup, tests/systemd.sh) against the
# guest's systemd; needs systemd as PID 1, so always in the guest. Not part
# of `make test`.
test-systemd: rt
	bash $(VM) run --share "$(CURDIR)" --timeout 900 -- ./tests/systemd.sh

# The full crash-safety sweep (tests/crash-sweep.sh): create, run -d,
# exec -d and delete -f SIGKILLed every millisecond of their run and at
# each crash point, then 100 containers in parallel under list and state
# loops, and a state root on a full filesystem. Not part of `make test`,
# which runs the short version (tests/integration/crash.bats). SYSTEMD=1
# runs the sweep with --systemd-cgroup in the guest of /work/shared/vm.
test-crash: rt tools
	if [ -n "$(SYSTEMD)" ]; then bash $(VM) run --share "$(CURDIR)" --timeout 1800 -- ./tests/crash-sweep.sh --systemd; \
	else ./tests/crash-sweep.sh; fi

# Installs the dependencies, builds rt, makes a busybox bundle in ./demo
# and runs it.
demo:
	./scripts/demo.sh

bench: rt
	./bench/bench.sh

clean:
	rm -rf rt demo bench/out
