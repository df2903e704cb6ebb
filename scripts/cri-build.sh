#!/bin/bash
# cri-build.sh CRI_TOOLS_GIT [CRI_DIR]: builds what tests/engines/cri.sh
# runs in the guest, outside the repository, into CRI_DIR (default
# /var/tmp/rt-cri):
#   bin/critest-v1.28.0, -v1.29.0 (for containerd 1.6, see cri.sh) and
#       bin/critest-$CRITEST_NEWEST, from the tags of
#       CRI_TOOLS_GIT, a clone (bare or not) of kubernetes-sigs/cri-tools;
#       cri-tools vendors its dependencies, so this needs no network
#   containerd-$CONTAINERD2/bin/{containerd,containerd-shim-runc-v2,ctr},
#       containerd 2.x from its module source (github.com/containerd/
#       containerd/v2 and its dependencies, through the Go module proxy)
#   debs/: the Debian packages cri-images.sh builds images of, which the
#       guest does not install, and docker-registry, for a host without it
#       (tests/engines/host-cri.sh) (apt-get download; after apt-get update)
# Static Go binaries, so that the guest runs them as they are. What is
# already there is kept; remove it to rebuild.
set -eu
src=${1:?usage: cri-build.sh CRI_TOOLS_GIT [CRI_DIR]}
out=${2:-/var/tmp/rt-cri}
gitdir=$(git -C "$src" rev-parse --absolute-git-dir 2>/dev/null || echo "$src")
# The newest release tag (vX.Y.Z) of the clone.
CRITEST_NEWEST=${CRITEST_NEWEST:-$(git --git-dir="$gitdir" tag -l | grep -Ex 'v[0-9]+\.[0-9]+\.[0-9]+' | sort -V | tail -n 1)}
CONTAINERD2=${CONTAINERD2:-v2.4.2}
GO=${GO:-go}
mkdir -p "$out/bin" "$out/src"

# critest TAG: cri-tools at TAG, extracted from the clone, built as its
# Makefile does (critest is a compiled ginkgo test binary).
critest() {
	local tag=$1 dir=$out/src/cri-tools-$1 mod
	[ -x "$out/bin/critest-$tag" ] && return 0
	rm -rf "$dir"
	mkdir -p "$dir"
	git --git-dir="$gitdir" archive "$tag" | tar -x -C "$dir"
	mod=$(sed -n 's/^module //p' "$dir/go.mod")
	(cd "$dir" && CGO_ENABLED=0 GOFLAGS=-mod=vendor GOPROXY=off $GO test -c -trimpath \
		-ldflags "-s -w -X $mod/pkg/version.Version=$tag" -o "$out/bin/critest-$tag" ./cmd/critest)
	rm -rf "$dir"
	echo "built $out/bin/critest-$tag"
}

# containerd2: the module from the proxy, built with the tags of a static
# build; btrfs, devmapper and zfs snapshotters left out (cgo libraries).
containerd2() {
	local bin=$out/containerd-$CONTAINERD2/bin dir
	[ -x "$bin/containerd" ] && [ -x "$bin/containerd-shim-runc-v2" ] && [ -x "$bin/ctr" ] && return 0
	dir=$($GO mod download -json "github.com/containerd/containerd/v2@$CONTAINERD2" | jq -r .Dir)
	mkdir -p "$bin"
	(cd "$dir" && CGO_ENABLED=0 GOFLAGS=-mod=mod $GO build -trimpath \
		-tags "no_btrfs no_devmapper no_zfs osusergo netgo static_build urfave_cli_no_docs" \
		-ldflags "-s -w -X github.com/containerd/containerd/v2/version.Version=$CONTAINERD2" \
		-o "$bin/" ./cmd/containerd ./cmd/containerd-shim-runc-v2 ./cmd/ctr)
	echo "built $bin"
}

debs() {
	local p missing=
	for p in busybox nginx nginx-common catatonit docker-registry; do
		ls "$out/debs/${p}_"*.deb >/dev/null 2>&1 || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	mkdir -p "$out/debs"
	(cd "$out/debs" && apt-get download $missing)
}

critest v1.28.0
critest v1.29.0
critest "$CRITEST_NEWEST"
containerd2
debs
