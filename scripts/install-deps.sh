#!/bin/sh
# Installs the Debian packages rt needs to build and test. Idempotent.
set -e
need=""
# golang-github-containers-common ships Podman's default seccomp profile,
# which tests/integration/seccomp.bats runs containers under; libcap2-bin
# has capsh, which tests/integration/security.bats runs rt under; uidmap has
# newuidmap/newgidmap, which tests/integration/rootless.bats maps a range with;
# runc is the other runtime in the root lifecycle.bats shares with it;
# qemu-user-static runs rt's arm64 machine code (the exec trampoline, the
# signal handler) in the unit tests of an amd64 host.
for p in gcc make libseccomp-dev busybox-static bats jq iproute2 util-linux uidmap \
	golang-github-containers-common libcap2-bin runc qemu-user-static; do
	dpkg -s "$p" >/dev/null 2>&1 || need="$need $p"
done
if [ -n "$need" ]; then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
fi
if ! command -v go >/dev/null 2>&1 && [ ! -x /usr/local/go/bin/go ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go >/dev/null
fi
# The linters `make lint` runs (staticcheck, deadcode), at the versions
# scripts/lint.sh pins, built with Go from the module proxy.
"$(dirname "$0")/lint.sh" install
