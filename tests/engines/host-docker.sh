#!/bin/bash
# host-docker.sh: the Docker suite (docker.sh, through run.sh: rt beside
# runc) on this host as it is: cgroup v1 (or the hybrid layout), the
# cgroupfs driver, PID 1 not systemd. Writes RESULTS-host.md beside this
# script. `make test-docker-host`; not part of `make test`.
#
# Other engineers run their own engines here, so the suite's dockerd and
# its containerd live apart from them:
# - a network namespace of their own (ip netns add rt-docker-test):
#   docker0, the veths, the iptables rules and the sysctls Docker sets are
#   that namespace's, never the host's;
# - a mount namespace of their own with a tmpfs on /run and on /etc/docker,
#   so what dockerd, containerd and the shims write to fixed paths there
#   (/run/containerd/s, /etc/docker/key.json, /run/xtables.lock) goes with
#   the namespace; data-root, exec-root, pidfile and socket are in
#   /var/tmp/rt-docker-test (docker.sh's DOCKER_TEST_DIR);
# - every container's cgroups under /rt-docker-test/<runtime> in each
#   hierarchy (docker.sh's cgroup-parent).
# At the end (also on failure or interrupt) it ends every process left in
# the namespace by PID, deletes the namespace, and removes the cgroups and
# the directory.
set -u
here=$(cd "$(dirname "$0")" && pwd)
name=rt-docker-test
dir=/var/tmp/$name

. "$here/host-lib.sh"

if [ "${1:-}" = --inside ]; then
	# In the network namespace, in a private mount namespace.
	mount -t tmpfs -o mode=755 rt-docker-test-run /run || exit 1
	mount -t tmpfs -o mode=755 rt-docker-test-etc /etc/docker || exit 1
	ip link set lo up || exit 1
	export DOCKER_TEST_DIR=$dir
	export ENGINES_RESULTS=$here/RESULTS-host.md
	export ENGINES_WHERE="Written by \`make test-docker-host\` and \`make test-cri-host\` (tests/engines/host-docker.sh,
host-cri.sh, through run.sh) on the development host: cgroup v1 with the cgroupfs
driver, PID 1 not systemd, each engine in network and mount namespaces of its own."
	ENGINE_SUITES=docker exec "$here/run.sh"
fi

[ "$(id -u)" = 0 ] || { echo "host-docker.sh: must run as root" >&2; exit 1; }
for p in dockerd containerd containerd-shim-runc-v2 docker-proxy ip iptables script jq; do
	command -v $p >/dev/null || { echo "host-docker.sh: no $p (apt-get install docker.io iptables; on a systemd host mask docker.service first)" >&2; exit 1; }
done
[ -x /usr/bin/docker ] || { echo "host-docker.sh: no /usr/bin/docker (Debian's docker.io)" >&2; exit 1; }
[ -d /etc/docker ] || { echo "host-docker.sh: no /etc/docker to hide (docker.io makes it)" >&2; exit 1; }

# One run at a time: the namespace and the directory are fixed names.
exec 8>"/var/tmp/$name.lock"
flock -n 8 || { echo "host-docker.sh: another run holds /var/tmp/$name.lock" >&2; exit 1; }

cleanup() {
	local p
	host_netns_end "$name"
	find /sys/fs/cgroup/*/"$name" -depth -type d -exec rmdir {} + 2>/dev/null
	for p in /sys/fs/cgroup/*/"$name"; do
		[ ! -e "$p" ] || echo "host-docker.sh: cgroup $p left" >&2
	done
	if grep -q " $dir" /proc/self/mountinfo; then
		echo "host-docker.sh: mounts left under $dir:" >&2
		grep " $dir" /proc/self/mountinfo >&2
	else
		rm -rf --one-file-system "$dir"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cleanup
mkdir -p "$dir"
host_netns_run "$name" "$here/host-docker.sh"
