# host-lib.sh, sourced by host-docker.sh and host-cri.sh: the network
# namespace an engine suite runs in on this host, apart from the engines
# other engineers run here.

# host_netns_run NAME SCRIPT: "SCRIPT --inside" in a new network namespace
# NAME, in a private mount namespace of its own.
host_netns_run() {
	# The first `ip netns add` makes /run/netns a mount point of its own:
	# remember whether it was one, so host_netns_end leaves the host as found.
	mountpoint -q /run/netns && HOST_NETNS_WAS_MOUNTED=1
	ip netns add "$1" || return 1
	# nsenter, not ip netns exec: that remounts /sys, and a fresh sysfs has
	# no cgroup mounts under it.
	nsenter --net="/run/netns/$1" unshare --mount --propagation private -- "$2" --inside
}

# host_netns_end NAME: ends every process left in the network namespace
# NAME (only the run's own enter it) by PID, then deletes the namespace.
host_netns_end() {
	local p left
	ip netns list | grep -qw "^$1" || return 0
	for _ in 1 2 3; do
		left=$(ip netns pids "$1")
		[ -n "$left" ] || break
		for p in $left; do
			kill -KILL "$p" 2>/dev/null
		done
		sleep 1
	done
	ip netns del "$1"
	if [ -z "${HOST_NETNS_WAS_MOUNTED:-}" ] && mountpoint -q /run/netns && [ -z "$(ls -A /run/netns)" ]; then
		umount /run/netns
	fi
}
