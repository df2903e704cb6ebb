#!/bin/bash
# host-cri.sh: the CRI suite (cri.sh, through run.sh: critest with handler
# rt beside handler runc, under containerd 1.6 and 2.x) on this host as it
# is: cgroup v1 (or the hybrid layout), the cgroupfs driver, PID 1 not
# systemd. Writes the cri section of RESULTS-host.md beside this script.
# `make test-cri-host`; not part of `make test`. Needs Debian's containerd
# and containernetworking-plugins installed (containerd's service need not
# run) and what `make cri-tools` puts in CRI_DIR (critest, containerd 2.x,
# the .debs of the images and of docker-registry, which is used from
# there when it is not installed).
#
# Other engineers run their own engines here, so the suite's containerds,
# registry and pods live apart from them:
# - a network namespace of their own (ip netns add rt-cri-test): the
#   registry on 127.0.0.1, the pods' bridge and the portmap rules are that
#   namespace's (pods get namespaces of their own below it), never the
#   host's;
# - a mount namespace of their own, made rshared inside (Bidirectional
#   volumes need a shared source; its peer groups are the namespace's own,
#   so nothing propagates back to the host), with a tmpfs on /run, so what
#   containerd and the shims write to fixed paths there (/run/containerd/s,
#   /run/xtables.lock) goes with the namespace; containerd's root, state
#   and sockets are under cri.sh's own directory in /var/tmp.
# critest picks the pods' cgroup parent: /test.slice under containerd 1.6,
# none (containerd's /k8s.io) under 2.x with the cgroupfs driver. Those
# cgroups are removed at the end (rmdir, depth first: a cgroup still in use
# stays, and is reported). At the end (also on failure or interrupt) it
# ends every process left in the network namespace by PID and deletes it.
set -u
here=$(cd "$(dirname "$0")" && pwd)
name=rt-cri-test
CRI_DIR=${CRI_DIR:-/var/tmp/rt-cri}
export CRI_DIR

. "$here/host-lib.sh"

if [ "${1:-}" = --inside ]; then
	# In the network namespace, in a private mount namespace.
	mount -t tmpfs -o mode=755 rt-cri-test-run /run || exit 1
	mount --make-rshared / || exit 1
	ip link set lo up || exit 1
	if ! command -v docker-registry >/dev/null; then
		reg=$(mktemp -d /var/tmp/rt-cri-registry.XXXXXX)
		set -- "$CRI_DIR"/debs/docker-registry_*.deb
		[ -f "$1" ] || { echo "host-cri.sh: no docker-registry installed nor in $CRI_DIR/debs (make cri-tools)" >&2; exit 1; }
		dpkg-deb -x "$1" "$reg" || exit 1
		export PATH=$reg/usr/bin:$PATH
	fi
	# No systemd (cgroupfs); no CAP_SYS_RESOURCE, so containerd must not
	# lower oom_score_adj below its own.
	export CRI_CGROUP=cgroupfs CRI_RESTRICT_OOM=true
	export ENGINES_RESULTS=$here/RESULTS-host.md
	export ENGINES_WHERE="Written by \`make test-docker-host\` and \`make test-cri-host\` (tests/engines/host-docker.sh,
host-cri.sh, through run.sh) on the development host: cgroup v1 with the cgroupfs
driver, PID 1 not systemd, each engine in network and mount namespaces of its own."
	ENGINE_SUITES=cri "$here/run.sh"
	st=$?
	[ -n "${reg:-}" ] && rm -rf "$reg"
	exit $st
fi

[ "$(id -u)" = 0 ] || { echo "host-cri.sh: must run as root" >&2; exit 1; }
for p in containerd ctr containerd-shim-runc-v2 runc ip iptables curl jq dpkg-deb; do
	command -v $p >/dev/null || { echo "host-cri.sh: no $p (apt-get install containerd containernetworking-plugins iptables curl jq)" >&2; exit 1; }
done
for p in bridge host-local portmap loopback; do
	[ -x "${CNI_BIN_DIR:-/usr/lib/cni}/$p" ] || { echo "host-cri.sh: no CNI plugin $p in ${CNI_BIN_DIR:-/usr/lib/cni} (containernetworking-plugins)" >&2; exit 1; }
done

# One run at a time: the namespace is a fixed name.
exec 8>"/var/tmp/$name.lock"
flock -n 8 || { echo "host-cri.sh: another run holds /var/tmp/$name.lock" >&2; exit 1; }

cgroups() {
	ls -d /sys/fs/cgroup/*/test.slice /sys/fs/cgroup/*/k8s.io /sys/fs/cgroup/unified/test.slice /sys/fs/cgroup/unified/k8s.io 2>/dev/null
}
cleanup() {
	local p
	host_netns_end "$name"
	for p in $(cgroups); do
		find "$p" -depth -type d -exec rmdir {} + 2>/dev/null
		[ ! -e "$p" ] || echo "host-cri.sh: cgroup $p left" >&2
	done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cleanup
host_netns_run "$name" "$here/host-cri.sh"
