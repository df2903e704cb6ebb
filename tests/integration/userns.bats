#!/usr/bin/env bats
# Joining a user namespace that exists (another container's, or any
# process's) together with new pid, mount and other namespaces: the new
# ones belong to it, the mappings are its own, and the init forked into the
# new pid namespace is a normal container init for every command.

load helpers

setup() {
	setup_rt
	userns_bundle 200000
	NSFILES=()
	HELPER=""
}
teardown() {
	[ -z "$HELPER" ] || { kill -9 "$HELPER"; wait "$HELPER" 2>/dev/null || true; }
	local f
	for f in "${NSFILES[@]}"; do umount "$f" 2>/dev/null || true; done
	teardown_rt
}

# join_user PATH: the config joins the user namespace at PATH, with no
# mappings of its own, and a cgroup apart from the first container's.
join_user() {
	update_config ".linux.cgroupsPath = \"$CG_PARENT/ct-b\"
		| del(.linux.uidMappings, .linux.gidMappings)
		| (.linux.namespaces[] | select(.type == \"user\")) .path = \"$1\""
}

start_target() {
	set_cmd sleep 1000
	rt run -d -b "$BUNDLE" ct-a
	TPID=$(rt state ct-a | jq -r .pid)
}

@test "join another container's user namespace with new pid, mount, uts namespaces" {
	start_target
	join_user "/proc/$TPID/ns/user"
	update_config '.hostname = "joiner"'
	set_cmd sh -c 'echo $$; hostname; cat /proc/self/uid_map /proc/self/gid_map; id -u; touch /tmp/x; exit 3'
	run rt run -b "$BUNDLE" ct-b
	# The exit status passes through the forked init.
	[ "$status" -eq 3 ]
	[ "${lines[0]}" = 1 ]
	[ "${lines[1]}" = joiner ]
	[ "$(echo ${lines[2]})" = "0 100000 65536" ]
	[ "$(echo ${lines[3]})" = "0 200000 65536" ]
	[ "${lines[4]}" = 0 ]
	[ "$(readlink /proc/$TPID/ns/user)" != "$(readlink /proc/self/ns/user)" ]
	rt delete -f ct-a
	expect_no_leftovers ct-b
}

@test "a joined-userns container lives through create, exec, kill and delete" {
	start_target
	join_user "/proc/$TPID/ns/user"
	set_cmd sleep 1000
	rt create -b "$BUNDLE" ct-b
	pid=$(rt state ct-b | jq -r .pid)
	[ "$(readlink /proc/$pid/ns/user)" = "$(readlink /proc/$TPID/ns/user)" ]
	[ "$(readlink /proc/$pid/ns/pid)" != "$(readlink /proc/$TPID/ns/pid)" ]
	# The init is pid 1 of its own pid namespace.
	grep -q "^NSpid:.*[[:space:]]1$" /proc/$pid/status
	rt start ct-b
	run rt exec ct-b sh -c 'cat /proc/1/cmdline; echo; cat /proc/self/uid_map'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = sleep1000 ]
	[ "$(echo ${lines[1]})" = "0 100000 65536" ]
	rt kill ct-b KILL
	wait_status ct-b stopped
	rt delete ct-b
	rt delete -f ct-a
	expect_no_leftovers ct-b
}

@test "join a user namespace through a bind-mounted nsfs file" {
	start_target
	f="$BATS_TEST_TMPDIR/userns"
	touch "$f"
	mount --bind "/proc/$TPID/ns/user" "$f"
	NSFILES+=("$f")
	# The namespace outlives the container that made it.
	rt delete -f ct-a
	join_user "$f"
	set_cmd cat /proc/self/uid_map
	run rt run -b "$BUNDLE" ct-b
	[ "$status" -eq 0 ]
	[ "$(echo $output)" = "0 100000 65536" ]
	umount "$f"
	expect_no_leftovers ct-b
}

@test "join the user namespace of a process that is not a container" {
	unshare -U sleep 1000 &
	HELPER=$!
	while [ "$(readlink /proc/$HELPER/ns/user)" = "$(readlink /proc/self/ns/user)" ]; do :; done
	echo "0 100000 65536" >/proc/$HELPER/uid_map
	echo deny >/proc/$HELPER/setgroups
	echo "0 200000 65536" >/proc/$HELPER/gid_map
	join_user "/proc/$HELPER/ns/user"
	set_cmd sh -c 'cat /proc/self/uid_map; echo $$'
	run rt run -b "$BUNDLE" ct-b
	[ "$status" -eq 0 ]
	[ "$(echo ${lines[0]})" = "0 100000 65536" ]
	[ "${lines[1]}" = 1 ]
	expect_no_leftovers ct-b
}

@test "a joined network namespace the joined user namespace does not own" {
	start_target
	f="$BATS_TEST_TMPDIR/netns"
	touch "$f"
	unshare -n mount --bind /proc/self/ns/net "$f"
	NSFILES+=("$f")
	join_user "/proc/$TPID/ns/user"
	update_config "(.linux.namespaces[] | select(.type == \"network\")) .path = \"$f\"
		| .mounts |= map(if .type == \"sysfs\" then {source: \"/sys\", destination: .destination, type: \"bind\", options: [\"rbind\"]} else . end)"
	set_cmd sh -c 'readlink /proc/self/ns/net; readlink /proc/self/ns/user'
	run rt run -b "$BUNDLE" ct-b
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "net:[$(stat -c %i "$f")]" ]
	[ "${lines[1]}" = "$(readlink /proc/$TPID/ns/user)" ]
	rt delete -f ct-a
	umount "$f"
	expect_no_leftovers ct-b
}

@test "mappings given with a joined user namespace must be the namespace's" {
	start_target
	join_user "/proc/$TPID/ns/user"
	# containerd and CRI-O pass both: equal ones are fine ...
	update_config '.linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]'
	set_cmd true
	rt run -b "$BUNDLE" ct-b
	# ... others are not.
	update_config '.linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
	run rt run -b "$BUNDLE" ct-b
	[ "$status" -ne 0 ]
	[[ "$output" == *"both namespace path and non-matching mapping specified"* ]]
	rt delete -f ct-a
	expect_no_leftovers ct-b
}

@test "bind sources the container's root cannot reach are opened by rt" {
	mkdir -p "$BATS_TEST_TMPDIR/private/a" "$BUNDLE/priv"
	chmod 700 "$BATS_TEST_TMPDIR/private" "$BUNDLE/priv"
	echo hi >"$BATS_TEST_TMPDIR/private/a/f"
	mkdir "$BUNDLE/priv/b"
	touch "$BUNDLE/priv/b/g"
	update_config ".mounts += [{source: \"$BATS_TEST_TMPDIR/private/a\", destination: \"/a\", type: \"bind\", options: [\"bind\"]},
		{source: \"priv/b\", destination: \"/b\", options: [\"rbind\"]}]"
	set_cmd sh -c 'cat /a/f; ls /b'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'hi\ng')" ]
	expect_no_leftovers ct1
}
