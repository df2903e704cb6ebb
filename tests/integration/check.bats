#!/usr/bin/env bats
# rt check: whether this host can run a bundle, asked without making
# anything, one line per problem naming the config field. Each check has a
# bundle that fails it here, and create fails on that bundle with check's
# own line, leaving nothing behind. What a host lacks is often shown by a
# file of /proc put over, in a mount namespace of the test's own, with one
# that says the host lacks it: check and create read the same file. The
# guest scripts (tests/lsm/) show what this host cannot (AppArmor, SELinux,
# cgroup v2 delegation).

load helpers

setup() { setup_rt; }
teardown() { teardown_rt; }

# over FILE CONTENT CMD...: CMD where FILE reads CONTENT (a bind mount in
# a mount namespace of its own).
over() {
	local fake="$BATS_TEST_TMPDIR/fake.$RANDOM"
	printf '%s\n' "$2" >"$fake"
	unshare -m --propagation private sh -c 'mount --bind "$0" "$1" && shift && exec "$@"' "$fake" "$1" "${@:3}"
}

# check_says LINE [WRAPPER...]: rt check (run through WRAPPER, e.g. over)
# prints exactly LINE and fails; create, run the same way, fails with the
# same line and leaves nothing.
check_says() {
	local want=$1
	shift
	run "$@" "$RT_BIN" --root "$ROOT" check -b "$BUNDLE"
	echo "check: $output"
	[ "$status" -eq 1 ]
	[ "$output" = "$want" ]
	run "$@" "$RT_BIN" --root "$ROOT" create -b "$BUNDLE" ct1
	echo "create: $output"
	[ "$status" -ne 0 ]
	[ "$output" = "rt: $want" ]
	expect_no_leftovers ct1
}

ns_index() {
	jq -r --arg t "$1" '.linux.namespaces | map(.type) | index($t)' "$BUNDLE/config.json"
}

@test "check: a bundle this host can run passes, silently; json says ok" {
	run rt check -b "$BUNDLE"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run rt check --format json -b "$BUNDLE"
	[ "$status" -eq 0 ]
	[ "$(jq -r .ok <<<"$output")" = true ]
	[ "$(jq -r '.problems | length' <<<"$output")" = 0 ]
	[ "$(jq -r .bundle <<<"$output")" = "$BUNDLE" ]
	# It made nothing: no state, no cgroup.
	[ ! -e "$ROOT/check" ]
	expect_no_leftovers check
	# The bundle is the current directory by default, as for create.
	cd "$BUNDLE"
	run rt check
	[ "$status" -eq 0 ]
}

@test "check: config.json that create refuses is one line, create's own" {
	update_config '.process.args = []'
	run rt check -b "$BUNDLE"
	[ "$status" -eq 1 ]
	[ "$output" = "config.json: process.args must not be empty" ]
	run rt create -b "$BUNDLE" ct1
	[ "$output" = "rt: config.json: process.args must not be empty" ]
	run rt check --format json -b "$BUNDLE"
	[ "$status" -eq 1 ]
	[ "$(jq -c '.problems' <<<"$output")" = '[{"field":"config.json","problem":"process.args must not be empty"}]' ]
	run rt check --format yaml -b "$BUNDLE"
	[ "$status" -ne 0 ]
	[[ "$output" == *'unknown format "yaml"'* ]]
}

@test "check: every problem is a line, and json lists them by field" {
	set_cmd nope
	update_config '.linux.resources.unified = {"memory.max": "10M"} | .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getcwd"], "action": "SCMP_ACT_LOG"}]}'
	local aa=/proc/sys/kernel/seccomp/actions_avail
	run over $aa "kill_process kill_thread trap errno trace allow" "$RT_BIN" --root "$ROOT" check -b "$BUNDLE"
	echo "$output"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -ge 3 ]
	[[ "$output" == *'config.json: linux.seccomp.syscalls[0].action: the kernel does not know the action SCMP_ACT_LOG'* ]]
	[[ "$output" == *'config.json: process.args[0]: exec "nope": executable file not found in $PATH'* ]]
	run over $aa "kill_process kill_thread trap errno trace allow" "$RT_BIN" --root "$ROOT" check --format json -b "$BUNDLE"
	[ "$status" -eq 1 ]
	[ "$(jq -r .ok <<<"$output")" = false ]
	[ "$(jq -r '.problems[] | select(.field == "process.args[0]") | .problem' <<<"$output")" = 'exec "nope": executable file not found in $PATH' ]
	[ "$(jq -r '.problems[] | select(.field == "linux.seccomp.syscalls[0].action") | .field' <<<"$output")" = "linux.seccomp.syscalls[0].action" ]
	expect_no_leftovers check
}

@test "check namespaces: none of a type may be made (max_*_namespaces is 0)" {
	local i
	i=$(ns_index network)
	check_says "config.json: linux.namespaces[$i]: the host allows no new network namespaces (/proc/sys/user/max_net_namespaces is 0)" \
		over /proc/sys/user/max_net_namespaces 0
	# A joined namespace is not a new one.
	update_config ".linux.namespaces[$i].path = \"/proc/self/ns/net\""
	run over /proc/sys/user/max_net_namespaces 0 "$RT_BIN" --root "$ROOT" check -b "$BUNDLE"
	[ "$status" -eq 0 ]
}

@test "check namespaces: user namespaces disabled (max_user_namespaces is 0)" {
	userns_bundle
	local i
	i=$(ns_index user)
	check_says "config.json: linux.namespaces[$i]: the host allows no new user namespaces (/proc/sys/user/max_user_namespaces is 0)" \
		over /proc/sys/user/max_user_namespaces 0
}

@test "check cgroups: a limit whose controller is not mounted" {
	grep -qw net_cls /proc/self/mountinfo && skip "net_cls is mounted here"
	update_config '.linux.resources.network = {"classID": 1048577}'
	check_says "config.json: linux.resources.network.classID: the net_cls controller is not mounted (cgroup hybrid)"
}

@test "check cgroups: linux.resources.unified on a v1 host" {
	[ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] && skip "cgroup v2 host"
	update_config '.linux.resources.unified = {"pids.max": "10"}'
	check_says 'config.json: linux.resources.unified["pids.max"]: invalid configuration: only supported on cgroup v2 (this host is hybrid)'
}

@test "check cgroups: --systemd-cgroup where systemd is not running" {
	[ -d /run/systemd/system ] && skip "systemd runs here"
	update_config '.linux.cgroupsPath = "system.slice:rt-check:ct1"'
	run rt --systemd-cgroup check -b "$BUNDLE"
	[ "$status" -eq 1 ]
	[ "$output" = "--systemd-cgroup: systemd is not running (no D-Bus system bus)" ]
	run rt --systemd-cgroup create -b "$BUNDLE" ct1
	[ "$output" = "rt: --systemd-cgroup: systemd is not running (no D-Bus system bus)" ]
	expect_no_leftovers ct1
}

@test "check seccomp: an action the kernel does not know" {
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_LOG"}'
	check_says "config.json: linux.seccomp.defaultAction: the kernel does not know the action SCMP_ACT_LOG (log is not in /proc/sys/kernel/seccomp/actions_avail)" \
		over /proc/sys/kernel/seccomp/actions_avail "kill_process kill_thread trap errno user_notif trace allow"
	# With the kernel's own list, it runs.
	run rt check -b "$BUNDLE"
	[ "$status" -eq 0 ]
}

@test "check idmapped mounts: a filesystem the kernel cannot idmap" {
	update_config '.mounts += [{source: "/sys/kernel/mm", destination: "/mnt", type: "bind", options: ["bind"],
		uidMappings: [{containerID: 0, hostID: 100000, size: 65536}], gidMappings: [{containerID: 0, hostID: 100000, size: 65536}]}]'
	local i
	i=$(jq '.mounts | length - 1' "$BUNDLE/config.json")
	check_says "config.json: mounts[$i]: mount /mnt: idmap /sys/kernel/mm: mount_setattr: invalid argument (the kernel cannot idmap sysfs mounts)"
	# One it can: a directory of the test's (ext4 or tmpfs) passes.
	mkdir "$BATS_TEST_TMPDIR/src"
	update_config ".mounts[$i].source = \"$BATS_TEST_TMPDIR/src\""
	run rt check -b "$BUNDLE"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "check rootfs: process.args[0] is not in the rootfs" {
	set_cmd no-such-program
	check_says 'config.json: process.args[0]: exec "no-such-program": executable file not found in $PATH'
	set_cmd /bin/no-such-program
	check_says 'config.json: process.args[0]: exec /bin/no-such-program: no such file or directory'
	# Not executable: the init's words, permission denied.
	touch "$BUNDLE/rootfs/not-exec"
	set_cmd /not-exec
	check_says 'config.json: process.args[0]: exec /not-exec: permission denied'
}

@test "check rootfs: process.args[0] from a mount or a hook is the init's to find" {
	# Below a mount's destination: only the init can tell.
	mkdir "$BATS_TEST_TMPDIR/bin"
	cp "$BUNDLE/rootfs/bin/busybox" "$BATS_TEST_TMPDIR/bin/true"
	update_config ".mounts += [{source: \"$BATS_TEST_TMPDIR/bin\", destination: \"/opt/bin\", type: \"bind\", options: [\"bind\"]}]"
	set_cmd /opt/bin/true
	run rt check -b "$BUNDLE"
	[ "$status" -eq 0 ]
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	# Through a symlink of the rootfs that leads below the mount.
	ln -s /opt/bin "$BUNDLE/rootfs/tools"
	set_cmd /tools/true
	run rt check -b "$BUNDLE"
	[ "$status" -eq 0 ]
	# A hook that runs before the process may put it there.
	set_cmd /made-by-hook
	update_config '.hooks.createRuntime = [{path: "/bin/true"}]'
	run rt check -b "$BUNDLE"
	[ "$status" -eq 0 ]
	expect_no_leftovers ct1
}

@test "check labels: a process's SELinux label where SELinux is off is a problem; a mount label a note" {
	[ -e /sys/fs/selinux/enforce ] && skip "SELinux is enabled here"
	update_config '.linux.mountLabel = "system_u:object_r:container_file_t:s0:c1,c2"'
	run rt check -b "$BUNDLE"
	[ "$status" -eq 0 ]
	[ "$output" = "note: config.json: linux.mountLabel: SELinux is disabled on this host: the label is ignored" ]
	run rt check --format json -b "$BUNDLE"
	[ "$(jq -r '.ok, .notes[0].field' <<<"$output")" = $'true\nlinux.mountLabel' ]
	update_config 'del(.linux.mountLabel) | .process.selinuxLabel = "system_u:system_r:container_t:s0:c1,c2"'
	check_says 'config.json: process.selinuxLabel "system_u:system_r:container_t:s0:c1,c2" is set but SELinux is not enabled on this host'
}

@test "check labels: an AppArmor profile where AppArmor is off" {
	[ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ] && skip "AppArmor is enabled here (the guest shows a profile that is not loaded)"
	update_config '.process.apparmorProfile = "rt-check"'
	check_says 'config.json: process.apparmorProfile "rt-check" is set but AppArmor is not enabled on this host'
}

@test "check rootless: a range mapping without newuidmap" {
	local u=rt-rootless dir
	id "$u" >/dev/null 2>&1 || useradd -M -d /nonexistent -s /usr/sbin/nologin "$u"
	local uid gid
	uid=$(id -u "$u")
	gid=$(id -g "$u")
	dir=$(mktemp -d /tmp/rt-check.XXXXXX)
	chmod 755 "$dir"
	cp "$RT_BIN" "$dir/rt"
	mkdir -m 700 "$dir/xdg"
	cp -a "$BUNDLE" "$dir/bundle"
	jq --argjson u "$uid" --argjson g "$gid" '.linux.namespaces += [{type: "user"}] | del(.linux.cgroupsPath)
		| .linux.uidMappings = [{containerID: 0, hostID: $u, size: 1}, {containerID: 1, hostID: 300000, size: 1000}]
		| .linux.gidMappings = [{containerID: 0, hostID: $g, size: 1}]' "$BUNDLE/config.json" >"$dir/bundle/config.json"
	chown -R "$uid:$gid" "$dir/xdg" "$dir/bundle"
	local newuidmap
	newuidmap=$(command -v newuidmap || echo /usr/bin/newuidmap)
	# As the user, with newuidmap hidden under /dev/null (not executable).
	local as_user=(unshare -m --propagation private sh -c "mount --bind /dev/null $newuidmap && exec runuser -u $u -- env XDG_RUNTIME_DIR=$dir/xdg HOME=/ $dir/rt \"\$@\"" sh)
	run "${as_user[@]}" check -b "$dir/bundle"
	echo "$output"
	[ "$status" -eq 1 ]
	local want="config.json: linux.uidMappings: mapping more than the caller's own id needs newuidmap (from shadow-utils, Debian's uidmap), which is not installed"
	[ "$output" = "$want" ]
	run "${as_user[@]}" create -b "$dir/bundle" ct1
	echo "$output"
	[ "$output" = "rt: $want" ]
	[ -z "$(ls "$dir/xdg/rt" 2>/dev/null)" ]
	rm -rf "$dir"
}

@test "check --checkpoint: criu not installed; checkpoint says the same" {
	local criu
	criu=$(command -v criu) || skip "criu is not installed"
	run rt check --checkpoint -b "$BUNDLE"
	[ "$status" -eq 0 ]
	run unshare -m --propagation private sh -c "mount --bind /dev/null '$criu' && exec '$RT_BIN' --root '$ROOT' check --checkpoint -b '$BUNDLE'"
	[ "$status" -eq 1 ]
	local want="--checkpoint: criu is not installed (not found in PATH or the system directories): checkpoint and restore need it"
	[ "$output" = "$want" ]
	# Without --checkpoint, no one asks.
	run unshare -m --propagation private sh -c "mount --bind /dev/null '$criu' && exec '$RT_BIN' --root '$ROOT' check -b '$BUNDLE'"
	[ "$status" -eq 0 ]
	set_cmd sleep 100
	rt run -d -b "$BUNDLE" ct1
	run unshare -m --propagation private sh -c "mount --bind /dev/null '$criu' && exec '$RT_BIN' --root '$ROOT' checkpoint --image-path '$BATS_TEST_TMPDIR/img' ct1"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"${want#--checkpoint: }"* ]]
	[ "$(status ct1)" = running ]
	rt delete -f ct1
	expect_no_leftovers ct1
}
