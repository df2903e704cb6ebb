#!/usr/bin/env bats
# rt run by an ordinary user: `rt spec --rootless`, state under
# $XDG_RUNTIME_DIR/rt, a user namespace mapping the user (or a range from
# /etc/subuid through newuidmap), no cgroup where none is delegated, and
# runc's errors for what such a user cannot have.

load helpers

RL_USER=rt-rootless

setup() {
	setup_rt
	# The user stays between runs; its subordinate ids are only added.
	id "$RL_USER" >/dev/null 2>&1 || useradd -M -d /nonexistent -s /usr/sbin/nologin "$RL_USER"
	RL_UID=$(id -u "$RL_USER")
	RL_GID=$(id -g "$RL_USER")
	grep -q "^$RL_USER:" /etc/subuid || echo "$RL_USER:300000:65536" >>/etc/subuid
	grep -q "^$RL_USER:" /etc/subgid || echo "$RL_USER:300000:65536" >>/etc/subgid
	SUB_UID=$(awk -F: -v u="$RL_USER" '$1 == u {print $2; exit}' /etc/subuid)
	SUB_GID=$(awk -F: -v u="$RL_USER" '$1 == u {print $2; exit}' /etc/subgid)
	# bats' own directories are root's alone: the user works in one of its own.
	RL_DIR=$(mktemp -d /tmp/rt-rootless.XXXXXX)
	chmod 755 "$RL_DIR"
	mkdir -m 700 "$RL_DIR/xdg"
	cp "$RT_BIN" "$RL_DIR/rt"
	chmod 755 "$RL_DIR/rt"
	mkdir "$RL_DIR/bundle"
	cp -a "$BUNDLE/rootfs" "$RL_DIR/bundle/rootfs"
	chown -R "$RL_UID:$RL_GID" "$RL_DIR/xdg" "$RL_DIR/bundle"
	RB="$RL_DIR/bundle"
	urt spec --rootless -b "$RB"
	edit_rl '.process.terminal = false | .process.args = ["sleep", "1000"]'
}

teardown() {
	local c
	for c in $(ls "$RL_DIR/xdg/rt" 2>/dev/null); do
		urt delete -f "$c" >/dev/null 2>&1 || true
	done
	# Files the container made with subordinate ids are not the user's.
	rm -rf "$RL_DIR"
	teardown_rt
}

# urt ARGS: rt as the user, with its runtime dir, default --root and
# default cache dir.
urt() {
	runuser -u "$RL_USER" -- env -u RT_CACHE_DIR XDG_RUNTIME_DIR="$RL_DIR/xdg" HOME=/ "$RL_DIR/rt" "$@"
}

edit_rl() {
	jq "$1" "$RB/config.json" >"$RL_DIR/c.json" && chown "$RL_UID" "$RL_DIR/c.json" &&
		mv "$RL_DIR/c.json" "$RB/config.json"
}

# no_cgroup ID: nothing named ID in any cgroup hierarchy.
no_cgroup() {
	local found
	found=$(find /sys/fs/cgroup -mindepth 1 -maxdepth 4 -type d -name "$1" 2>/dev/null)
	[ -z "$found" ] || { echo "cgroup made: $found" >&2; return 1; }
}

@test "rootless: spec --rootless + run as a user, state under XDG_RUNTIME_DIR/rt, no cgroup" {
	[ "$(jq -r '.linux.uidMappings[0].hostID' "$RB/config.json")" = "$RL_UID" ]
	# Not under bats' run: the detached init would hold its pipe.
	urt run -d -b "$RB" rlct </dev/null >/dev/null 2>&1
	[ -f "$RL_DIR/xdg/rt/rlct/state.json" ]
	[ "$(stat -c %u "$RL_DIR/xdg/rt/rlct")" = "$RL_UID" ]
	no_cgroup rlct

	run urt list -q
	[ "$status" -eq 0 ] && [ "$output" = rlct ]
	run urt state rlct
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<<"$output")" = running ]
	[ "$(jq -r .owner <<<"$output")" = "$RL_USER" ]
	pid=$(jq -r .pid <<<"$output")
	[ "$(stat -c %u /proc/"$pid")" = "$RL_UID" ]

	# spec --rootless keeps the cgroup mount (runc, crun); without a cgroup
	# of its own, it shows the caller's, read-only.
	if [ "$(stat -f -c %T /sys/fs/cgroup)" = tmpfs ]; then
		run urt exec rlct sh -c 'grep -c " /sys/fs/cgroup/pids ro,.* - cgroup " /proc/self/mountinfo'
		[ "$status" -eq 0 ]
		[ "$output" = 1 ]
	fi

	run urt exec rlct sh -c 'id -u; cat /proc/self/uid_map'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0 ]
	read -r a b c <<<"${lines[1]}"
	[ "$a $b $c" = "0 $RL_UID 1" ]
	# Devices are the host's, bind-mounted: a user cannot mknod.
	run urt exec rlct sh -c 'echo x >/dev/null && grep -c " /dev/null " /proc/self/mountinfo && cat /proc/self/setgroups'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1 ]
	[ "${lines[1]}" = deny ]

	# What needs a cgroup says there is none, not a cgroup driver's error.
	for c in "ps rlct" "pause rlct" "update --pids-limit 10 rlct" "events --stats rlct"; do
		run urt $c
		[ "$status" -ne 0 ]
		[[ "$output" == *"the container has no cgroup (rootless, and no cgroup is delegated to the user)"* ]]
	done
	[ "$(urt state rlct | jq -r .status)" = running ]

	run urt kill rlct KILL
	[ "$status" -eq 0 ]
	for _ in $(seq 50); do
		[ "$(urt state rlct | jq -r .status)" = stopped ] && break
		sleep 0.1
	done
	[ "$(urt state rlct | jq -r .status)" = stopped ]
	run urt delete rlct
	[ "$status" -eq 0 ]
	[ ! -e "$RL_DIR/xdg/rt/rlct" ]
	# As root the default root stays /run/rt, whatever XDG_RUNTIME_DIR says.
	XDG_RUNTIME_DIR="$RL_DIR/xdg" "$RT_BIN" list -q
	[ ! -e "$RL_DIR/xdg/rt/rlct" ]
}

@test "rootless: run in the foreground passes the exit status" {
	edit_rl '.process.args = ["sh", "-c", "exit 7"]'
	run urt run -b "$RB" rlfg
	[ "$status" -eq 7 ]
	[ ! -e "$RL_DIR/xdg/rt/rlfg" ]
}

@test "rootless: a range from /etc/subuid and /etc/subgid through newuidmap/newgidmap" {
	edit_rl ".root.readonly = false
		| .linux.uidMappings = [{containerID: 0, hostID: $RL_UID, size: 1}, {containerID: 1, hostID: $SUB_UID, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: $RL_GID, size: 1}, {containerID: 1, hostID: $SUB_GID, size: 65536}]
		| .process.capabilities.bounding += [\"CAP_CHOWN\"] | .process.capabilities.effective += [\"CAP_CHOWN\"]
		| .process.capabilities.permitted += [\"CAP_CHOWN\"]
		| .process.args = [\"sh\", \"-c\", \"wc -l </proc/self/uid_map; wc -l </proc/self/gid_map; touch /tmp/f && chown 1000:1000 /tmp/f\"]"
	# With XDG_RUNTIME_DIR alone in the environment, as rootless Podman
	# calls the runtime: newuidmap is found without PATH.
	run runuser -u "$RL_USER" -- env -i XDG_RUNTIME_DIR="$RL_DIR/xdg" "$RL_DIR/rt" run -b "$RB" rlmulti
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "${lines[0]}" = 2 ] && [ "${lines[1]}" = 2 ]
	# Container id 1000 is subordinate id SUB+999 on the host.
	[ "$(stat -c %u:%g "$RB/rootfs/tmp/f")" = "$((SUB_UID + 999)):$((SUB_GID + 999))" ]

	# exec as a container user of the range.
	edit_rl '.process.args = ["sleep", "1000"]'
	urt run -d -b "$RB" rlmulti </dev/null >/dev/null 2>&1
	run urt exec --user 1000:1000 rlmulti id -u
	[ "$status" -eq 0 ] && [ "$output" = 1000 ]
	urt delete -f rlmulti
	no_cgroup rlmulti
}

@test "rootless: a limit without a cgroup is runc's error, and nothing is left" {
	edit_rl '.linux.resources = {pids: {limit: 10}}'
	run urt run -d -b "$RB" rllim
	[ "$status" -ne 0 ]
	[[ "$output" == *"cannot set pids limit: container could not join or create cgroup"* ]] || { echo "$output"; false; }
	[ ! -e "$RL_DIR/xdg/rt/rllim" ]
	no_cgroup rllim
	# Device rules alone are no limit: they are ignored.
	edit_rl '.linux.resources = {devices: [{allow: false, access: "rwm"}]}'
	run urt run -b "$RB" -- rllim true
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "rootless: a cgroupsPath the user may not write is a permission error" {
	edit_rl ".linux.cgroupsPath = \"$CG_PARENT/rl\""
	run urt run -d -b "$RB" rlcgp
	[ "$status" -ne 0 ]
	[[ "$output" == *"unable to apply cgroup configuration"*"permission denied"* ]] || { echo "$output"; false; }
	[ ! -e "$RL_DIR/xdg/rt/rlcgp" ]
}

@test "rootless: the seccomp cache is the user's, in XDG_RUNTIME_DIR/rt-cache, not in its root" {
	edit_rl '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}
		| .process.args = ["mkdir", "/tmp/d"]'
	run urt run -b "$RB" rlsc
	[ "$status" -ne 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
	[ -z "$(ls -A "$RL_DIR/xdg/rt")" ]
	[ "$(find "$RL_DIR/xdg/rt-cache/seccomp" -name '*.bpf' -user "$RL_USER" | wc -l)" -eq 1 ]
	[ "$(stat -c %a "$RL_DIR/xdg/rt-cache/seccomp")" = 700 ]
}

@test "rootless: what a user cannot have is runc's error" {
	edit_rl '.process.user.additionalGids = [5]'
	run urt run -b "$RB" rlgrp
	[ "$status" -ne 0 ]
	[[ "$output" == *"cannot set any additional groups in a rootless container"* ]]
	# Lowering the OOM score takes CAP_SYS_RESOURCE on the host.
	edit_rl 'del(.process.user.additionalGids) | .process.oomScoreAdj = -100'
	run urt run -b "$RB" rloom
	[ "$status" -ne 0 ]
	[[ "$output" == *"oom_score_adj"*"permission denied"* ]]
	# A namespaced sysctl is the user namespace's to set.
	edit_rl 'del(.process.oomScoreAdj) | .linux.sysctl = {"kernel.shmmax": "100000"} | .process.args = ["cat", "/proc/sys/kernel/shmmax"]'
	run urt run -b "$RB" rlsys
	[ "$status" -eq 0 ] && [ "$output" = 100000 ]
	[ ! -e "$RL_DIR/xdg/rt/rlsys" ]
}

@test "rootless: --rootless takes runc's grammar" {
	run "$RT_BIN" --rootless maybe list
	[ "$status" -ne 0 ]
	[[ "$output" == *"--rootless"* ]]
	mkdir -p "$ROOT"
	for v in auto AUTO true false 1 0; do
		"$RT_BIN" --root "$ROOT" --rootless "$v" list -q
	done
	# As root with --rootless true, a cgroup the caller can make is made.
	cp "$RB/config.json" "$BUNDLE/config.json"
	update_config ".linux.cgroupsPath = \"$CG_PARENT/ct\" | .process.args = [\"true\"]
		| .linux.uidMappings[0].hostID = 0 | .linux.gidMappings[0].hostID = 0 | .root.path = \"rootfs\""
	rt --rootless true run -d -b "$BUNDLE" rlroot </dev/null >/dev/null 2>&1
	[ -d "/sys/fs/cgroup/pids$CG_PARENT/ct" ]
	rt delete -f rlroot
}
