#!/usr/bin/env bats
# linux.namespaces: each new namespace really isolates what it should, the
# user and time namespaces carry their mappings and offsets, and a namespace
# given by path is joined rather than created.

load helpers

setup() { setup_rt; }
teardown() {
	# Namespace bind files a test made with unshare(1) live in the host
	# mount namespace: drop them before the leak check counts mounts.
	local f
	for f in "$BATS_TEST_TMPDIR"/ns-*; do
		[ -e "$f" ] && umount "$f" 2>/dev/null
	done
	[ -z "${IPC_ID:-}" ] || ipcrm -m "$IPC_ID" 2>/dev/null || true
	teardown_rt
}

# ns_of NS [PID]: the namespace identity (e.g. net:[4026531840]).
ns_of() {
	readlink "/proc/${2:-self}/ns/$1"
}

# del_ns TYPE: drops one namespace type from the config.
del_ns() {
	update_config "del(.linux.namespaces[] | select(.type == \"$1\"))"
}

@test "pid namespace: the process is pid 1 and sees no host process" {
	set_cmd sh -c 'echo $$; ls /proc | grep -c "^[0-9]"'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1 ]
	# sh, ls, grep: nothing of the host's processes
	[ "${lines[1]}" -le 3 ]
	expect_no_leftovers ct1
}

@test "without a pid namespace the process sees the host's pids" {
	del_ns pid
	set_cmd sh -c 'echo $$; cat /proc/1/comm'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" -gt 1 ]
	[ "${lines[1]}" = "$(cat /proc/1/comm)" ]
}

@test "network namespace: only lo, up, and loopback traffic works (runc, crun)" {
	set_cmd sh -c 'ls /sys/class/net; ip -o link; (nc -l -p 8080 -e echo served &); sleep 0.3; nc 127.0.0.1 8080 </dev/null'
	run rt run -b "$BUNDLE" ct1
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = lo ]
	[ "${#lines[@]}" -eq 3 ]
	[[ "${lines[1]}" == *"lo: <LOOPBACK,UP,LOWER_UP>"* ]]
	[ "${lines[2]}" = served ]
	expect_no_leftovers ct1
	[ "$(ls /sys/class/net | wc -l)" -gt 1 ] || skip "the host has only lo: nothing to tell apart"
}

@test "a network namespace joined by path keeps its lo as it was" {
	touch "$BATS_TEST_TMPDIR/ns-net"
	unshare --net="$BATS_TEST_TMPDIR/ns-net" true
	update_config "(.linux.namespaces[] | select(.type == \"network\")) .path = \"$BATS_TEST_TMPDIR/ns-net\""
	set_cmd ip -o link show lo
	run rt run -b "$BUNDLE" ct1
	umount "$BATS_TEST_TMPDIR/ns-net"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"lo: <LOOPBACK>"* ]]
}

@test "ipc namespace: a host SysV segment is invisible inside" {
	IPC_ID=$(ipcmk -M 4096 | grep -o '[0-9]*$')
	grep -qw "$IPC_ID" /proc/sysvipc/shm
	set_cmd sh -c 'wc -l < /proc/sysvipc/shm; readlink /proc/self/ns/ipc'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	# the header line only
	[ "${lines[0]}" -eq 1 ]
	[ "${lines[1]}" != "$(ns_of ipc)" ]
	# and without one, the segment is there
	del_ns ipc
	set_cmd sh -c 'cat /proc/sysvipc/shm'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[[ "$output" == *" $IPC_ID "* ]]
}

@test "uts namespace: hostname and domainname are the container's only" {
	update_config '.hostname = "ct-host" | .domainname = "ct.example"'
	set_cmd sh -c 'hostname; cat /proc/sys/kernel/domainname'
	host_before=$(hostname)
	dom_before=$(cat /proc/sys/kernel/domainname)
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = ct-host ]
	[ "${lines[1]}" = ct.example ]
	[ "$(hostname)" = "$host_before" ]
	[ "$(cat /proc/sys/kernel/domainname)" = "$dom_before" ]
}

@test "a hostname without a uts namespace is refused" {
	del_ns uts
	run rt run -b "$BUNDLE" ct1
	[ "$status" -ne 0 ]
	[[ "$output" == *hostname* ]]
	expect_no_leftovers ct1
}

@test "mount namespace: the container's mounts are its own" {
	set_cmd sh -c 'readlink /proc/self/ns/mnt; cut -d" " -f5 /proc/self/mountinfo'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" != "$(ns_of mnt)" ]
	# exactly one root mount, its own /proc, and no host mount point
	[ "$(printf '%s\n' "${lines[@]}" | grep -cx /)" -eq 1 ]
	printf '%s\n' "${lines[@]}" | grep -qx /proc
	run ! grep -q "^$BATS_TEST_TMPDIR" <<<"$output"
	# and the host never saw the container's mounts
	run ! grep -q "$BUNDLE/rootfs" /proc/self/mountinfo
}

@test "cgroup namespace: /proc/self/cgroup shows / and without one the real path" {
	set_cmd cat /proc/self/cgroup
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -gt 0 ]
	for l in "${lines[@]}"; do
		[ "${l##*:}" = / ]
	done
	del_ns cgroup
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	echo "$output" | grep -q ":pids:$CG_PARENT/ct\$"
}

@test "user namespace: root inside is the mapped id outside" {
	userns_bundle
	set_cmd sh -c 'id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map; touch /tmp/x && stat -c "%u %g" /tmp/x; cat /proc/self/status | grep ^Uid'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0 ]
	[ "${lines[1]}" = 0 ]
	read -r a b c <<<"${lines[2]}"
	[ "$a $b $c" = "0 100000 65536" ]
	read -r a b c <<<"${lines[3]}"
	[ "$a $b $c" = "0 100000 65536" ]
	[ "${lines[4]}" = "0 0" ]
	expect_no_leftovers ct1
}

@test "user namespace: seen from the host the process runs as the mapped uid" {
	userns_bundle
	set_cmd sleep 100
	rt run -d -b "$BUNDLE" ct1
	pid=$(rt state ct1 | jq -r .pid)
	awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$pid/status" >"$BATS_TEST_TMPDIR/uid"
	awk '/^Gid:/ { print $2 }' "/proc/$pid/status" >"$BATS_TEST_TMPDIR/gid"
	[ "$(ns_of user "$pid")" != "$(ns_of user)" ]
	rt delete -f ct1
	[ "$(cat "$BATS_TEST_TMPDIR/uid")" = "100000 100000 100000 100000" ]
	[ "$(cat "$BATS_TEST_TMPDIR/gid")" = 100000 ]
	expect_no_leftovers ct1
}

@test "user namespace: a file of an unmapped owner shows as nobody and is not writable" {
	userns_bundle
	update_config '.root.readonly = false'
	touch "$BUNDLE/rootfs/hostowned"
	chown 0:0 "$BUNDLE/rootfs/hostowned"
	chmod 644 "$BUNDLE/rootfs/hostowned"
	set_cmd sh -c 'stat -c "%u" /hostowned; echo x >/hostowned'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -ne 0 ]
	[ "${lines[0]}" = 65534 ]
	[[ "$output" == *"Permission denied"* ]]
}

@test "user namespace: /dev/mqueue is the container root's, who may chmod it (crun; runc: uid 0)" {
	userns_bundle
	set_cmd sh -c 'stat -c "%u %g" /dev/mqueue; chmod 1770 /dev/mqueue && echo chmod-ok'
	run rt run -b "$BUNDLE" ct
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "0 0" ]
	[ "${lines[1]}" = chmod-ok ]
	expect_no_leftovers ct
}

@test "user namespace without a mapping of container root is refused clearly" {
	update_config '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 1000, "hostID": 100000, "size": 10}]
		| .linux.gidMappings = [{"containerID": 1000, "hostID": 100000, "size": 10}]'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"map container id 0"* ]]
	expect_no_leftovers ct1
}

@test "time namespace: boottime and monotonic offsets shift the clocks" {
	[ -e /proc/self/ns/time ] || skip "no time namespaces"
	update_config '.linux.namespaces += [{"type": "time"}]
		| .linux.timeOffsets = {"boottime": {"secs": 864000, "nanosecs": 0}, "monotonic": {"secs": 172800, "nanosecs": 5}}'
	set_cmd sh -c 'cat /proc/self/timens_offsets; cut -d. -f1 /proc/uptime; readlink /proc/self/ns/time'
	host_up=$(cut -d. -f1 /proc/uptime)
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	echo "$output" | grep -Eq '^monotonic +172800 +5$'
	echo "$output" | grep -Eq '^boottime +864000 +0$'
	up=$(echo "$output" | sed -n 3p)
	# /proc/uptime follows CLOCK_BOOTTIME: ten days ahead of the host's
	[ "$up" -ge $((host_up + 864000)) ]
	[ "$up" -lt $((host_up + 864000 + 600)) ]
	[ "$(echo "$output" | sed -n 4p)" != "$(ns_of time)" ]
}

@test "exec enters the time namespace, before and after start" {
	[ -e /proc/self/ns/time ] || skip "no time namespaces"
	update_config '.linux.namespaces += [{"type": "time"}]
		| .linux.timeOffsets = {"boottime": {"secs": 864000, "nanosecs": 0}}'
	set_cmd sleep 100
	host_up=$(cut -d. -f1 /proc/uptime)
	rt create -b "$BUNDLE" ct1
	created=$(rt exec ct1 cut -d. -f1 /proc/uptime)
	rt start ct1
	running=$(rt exec ct1 cut -d. -f1 /proc/uptime)
	pid=$(rt state ct1 | jq -r .pid)
	init_ns=$(ns_of time "$pid")
	rt delete -f ct1
	[ "$created" -ge $((host_up + 864000)) ]
	[ "$running" -ge $((host_up + 864000)) ]
	[ "$init_ns" != "$(ns_of time)" ]
}

@test "user and time namespaces together: offsets are set by the namespace's root" {
	[ -e /proc/self/ns/time ] || skip "no time namespaces"
	userns_bundle
	update_config '.linux.namespaces += [{"type": "time"}]
		| .linux.timeOffsets = {"boottime": {"secs": 864000, "nanosecs": 0}}'
	set_cmd sh -c 'id -u; cut -d. -f1 /proc/uptime'
	host_up=$(cut -d. -f1 /proc/uptime)
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0 ]
	[ "${lines[1]}" -ge $((host_up + 864000)) ]
}

@test "time namespace without offsets: clocks match the host" {
	[ -e /proc/self/ns/time ] || skip "no time namespaces"
	update_config '.linux.namespaces += [{"type": "time"}]'
	set_cmd sh -c 'cut -d. -f1 /proc/uptime; readlink /proc/self/ns/time'
	host_up=$(cut -d. -f1 /proc/uptime)
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" -lt $((host_up + 600)) ]
	[ "${lines[1]}" != "$(ns_of time)" ]
}

@test "timeOffsets without a time namespace are refused" {
	update_config '.linux.timeOffsets = {"boottime": {"secs": 100}}'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -ne 0 ]
	[[ "$output" == *time* ]]
	expect_no_leftovers ct1
}

@test "join namespaces by path: bind files made with unshare(1)" {
	touch "$BATS_TEST_TMPDIR/ns-net" "$BATS_TEST_TMPDIR/ns-uts"
	unshare --net="$BATS_TEST_TMPDIR/ns-net" --uts="$BATS_TEST_TMPDIR/ns-uts" \
		sh -c 'hostname joined-uts; ip link set lo up; ip addr add 10.11.12.13/32 dev lo'
	update_config "(.linux.namespaces[] | select(.type == \"network\")) .path = \"$BATS_TEST_TMPDIR/ns-net\"
		| (.linux.namespaces[] | select(.type == \"uts\")) .path = \"$BATS_TEST_TMPDIR/ns-uts\"
		| del(.hostname)"
	set_cmd sh -c 'hostname; ip -o addr show dev lo; readlink /proc/self/ns/net'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = joined-uts ]
	[[ "$output" == *"10.11.12.13/32"* ]]
	# the very namespace the file names, not a copy
	[ "$(echo "$output" | tail -n1)" = "net:[$(stat -L -c %i "$BATS_TEST_TMPDIR/ns-net")]" ]
	umount "$BATS_TEST_TMPDIR/ns-net" "$BATS_TEST_TMPDIR/ns-uts"
}

@test "join another container's network and pid namespaces through /proc/PID/ns" {
	set_cmd sleep 100
	rt run -d -b "$BUNDLE" ct-a
	pid=$(rt state ct-a | jq -r .pid)
	update_config ".linux.cgroupsPath = \"$CG_PARENT/ct-b\"
		| (.linux.namespaces[] | select(.type == \"network\")) .path = \"/proc/$pid/ns/net\"
		| (.linux.namespaces[] | select(.type == \"pid\")) .path = \"/proc/$pid/ns/pid\""
	set_cmd sh -c 'readlink /proc/self/ns/net; readlink /proc/self/ns/pid; cat /proc/1/cmdline | tr "\0" " "; echo; echo $$'
	run rt run -b "$BUNDLE" ct-b
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(ns_of net "$pid")" ]
	[ "${lines[1]}" = "$(ns_of pid "$pid")" ]
	# B's own /proc is of A's pid namespace: A's init is its pid 1
	[ "${lines[2]}" = "sleep 100 " ]
	[ "${lines[3]}" -gt 1 ]
	rt delete -f ct-a
	expect_no_leftovers ct-a
	expect_no_leftovers ct-b
}

@test "join another container's user namespace: root inside, files writable" {
	userns_bundle
	set_cmd sleep 100
	rt run -d -b "$BUNDLE" ct-a
	pid=$(rt state ct-a | jq -r .pid)
	# B brings no mappings of its own: it gets A's
	update_config ".linux.cgroupsPath = \"$CG_PARENT/ct-b\"
		| del(.linux.uidMappings, .linux.gidMappings)
		| (.linux.namespaces[] | select(.type == \"user\")) .path = \"/proc/$pid/ns/user\"
		| (.linux.namespaces[] | select(.type == \"pid\")) .path = \"/proc/$pid/ns/pid\""
	set_cmd sh -c 'readlink /proc/self/ns/user; id -u; cat /proc/self/uid_map; touch /tmp/f && stat -c %u /tmp/f'
	run rt run -b "$BUNDLE" ct-b
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(ns_of user "$pid")" ]
	[ "${lines[1]}" = 0 ]
	read -r a b c <<<"${lines[2]}"
	[ "$a $b $c" = "0 100000 65536" ]
	[ "${lines[3]}" = 0 ]
	rt delete -f ct-a
	expect_no_leftovers ct-b
}

@test "a namespace path that does not exist is an error naming it" {
	update_config "(.linux.namespaces[] | select(.type == \"network\")) .path = \"$BATS_TEST_TMPDIR/nonexistent-ns\""
	run rt run -b "$BUNDLE" ct1
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"$BATS_TEST_TMPDIR/nonexistent-ns"* ]]
	expect_no_leftovers ct1
}

@test "a namespace path of the wrong type is refused" {
	set_cmd sleep 100
	rt run -d -b "$BUNDLE" ct-a
	pid=$(rt state ct-a | jq -r .pid)
	update_config ".linux.cgroupsPath = \"$CG_PARENT/ct-b\"
		| (.linux.namespaces[] | select(.type == \"network\")) .path = \"/proc/$pid/ns/ipc\""
	run rt run -b "$BUNDLE" ct-b
	[ "$status" -ne 0 ]
	[[ "$output" == *"/proc/$pid/ns/ipc is not a network namespace"* ]]
	rt delete -f ct-a
	expect_no_leftovers ct-b
}
