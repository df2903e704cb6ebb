#!/usr/bin/env bats
# linux.seccomp with real containers: errno, kill and notify actions, argument
# filters, flags, no_new_privs or not, exec, the compiled-filter cache and
# Podman's default profile.

load helpers

PODMAN_PROFILE=/usr/share/containers/seccomp.json

setup_file() {
	# The Makefile's tools target builds the agent; build it here if not.
	AGENT="$REPO/tests/integration/tools/bin/seccompagent"
	if [ ! -x "$AGENT" ]; then
		AGENT="$BATS_FILE_TMPDIR/seccompagent"
		(cd "$REPO" && go build -o "$AGENT" ./tests/integration/tools/seccompagent)
	fi
	export AGENT
}

setup() { setup_rt; }

teardown() {
	if [ -n "${AGENT_PID:-}" ]; then
		kill "$AGENT_PID" 2>/dev/null || true
		wait "$AGENT_PID" 2>/dev/null || true
	fi
	teardown_rt
}

# seccomp JSON: sets linux.seccomp.
seccomp() {
	update_config ".linux.seccomp = $1"
}

# deny_mkdir ACTION-JSON-FIELDS: allow everything but mkdir/mkdirat.
deny_mkdir() {
	seccomp "{\"defaultAction\": \"SCMP_ACT_ALLOW\",
		\"syscalls\": [{\"names\": [\"mkdir\", \"mkdirat\"], $1}]}"
}

# start_agent [ARGS]: runs the test agent on $AGENT_SOCK, logging to $AGENT_LOG.
start_agent() {
	AGENT_SOCK="$BATS_TEST_TMPDIR/agent.sock"
	AGENT_LOG="$BATS_TEST_TMPDIR/agent.log"
	"$AGENT" -socket "$AGENT_SOCK" -log "$AGENT_LOG" "$@" >/dev/null 2>&1 3>&- &
	AGENT_PID=$!
	local i
	for i in $(seq 50); do
		grep -q '^listening' "$AGENT_LOG" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "seccomp agent did not start" >&2
	return 1
}

# has TEXT WORDS: TEXT contains WORDS, ignoring case (glibc says "Invalid
# cross-device link", musl "Cross-device link").
has() {
	grep -qiF -- "$2" <<<"$1"
}

# agent_states: the process states the agent received, one JSON per line.
agent_states() {
	sed -n 's/^state //p' "$AGENT_LOG"
}

# wait_agent_states N: waits up to 5 s for the agent to have logged N
# states (rt's send returns before the agent reads it).
wait_agent_states() {
	local i
	for i in $(seq 50); do
		[ "$(agent_states | wc -l)" -ge "$1" ] && break
		sleep 0.1
	done
	[ "$(agent_states | wc -l)" -eq "$1" ]
}

# podman_profile CAPS-JSON: Podman's default profile as an OCI LinuxSeccomp,
# converted the way Podman does it: the x86_64 entry of archMap with its
# sub-architectures, and only the rules whose includes/excludes (arches
# and capabilities) match this container.
podman_profile() {
	jq -c --argjson caps "$1" --arg arch amd64 '
		def has($list; $x): any($list[]; . == $x);
		{
			defaultAction, defaultErrnoRet,
			architectures: [.archMap[] | select(.architecture == "SCMP_ARCH_X86_64") | .architecture, .subArchitectures[]],
			syscalls: [.syscalls[]
				| select((.includes.arches // []) as $a | ($a | length) == 0 or has($a; $arch))
				| select((.excludes.arches // []) as $a | has($a; $arch) | not)
				| select((.includes.caps // []) | all(. as $c | has($caps; $c)))
				| select((.excludes.caps // []) | any(. as $c | has($caps; $c)) | not)
				| {names, action, args} + (if .errnoRet != null then {errnoRet} else {} end)]
		}' "$PODMAN_PROFILE"
}

@test "seccomp: a denied mkdir fails with EPERM, everything else works" {
	deny_mkdir '"action": "SCMP_ACT_ERRNO"'
	set_cmd sh -c 'mkdir /tmp/d; echo "mkdir=$?"; touch /tmp/f && echo touched; grep "^Seccomp:" /proc/self/status'
	run rt run -b "$BUNDLE" ct1
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *"Operation not permitted"* ]]
	[ "${lines[1]}" = "mkdir=1" ]
	[ "${lines[2]}" = touched ]
	[[ "${lines[3]}" == *$'\t'2 ]]
	expect_no_leftovers ct1
}

@test "seccomp: a custom errnoRet reaches the process" {
	deny_mkdir '"action": "SCMP_ACT_ERRNO", "errnoRet": 18'
	set_cmd mkdir /tmp/d
	run rt run -b "$BUNDLE" ct1
	echo "$output"
	[ "$status" -ne 0 ]
	has "$output" "cross-device link"
}

@test "seccomp: defaultErrnoRet answers every syscall not allowed" {
	[ -f "$PODMAN_PROFILE" ] || skip "$PODMAN_PROFILE is missing (apt-get install golang-github-containers-common)"
	# Everything a shell needs, from Podman's list, except mkdir.
	allow=$(jq -c '[.syscalls[] | select(.action == "SCMP_ACT_ALLOW" and (.args | length) == 0
		and (.includes | length) == 0) | .names[]] - ["mkdir", "mkdirat"] + ["arch_prctl"]' "$PODMAN_PROFILE")
	seccomp "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 28,
		\"syscalls\": [{\"names\": $allow, \"action\": \"SCMP_ACT_ALLOW\"}]}"
	set_cmd sh -c 'mkdir /tmp/d; echo ok'
	run rt run -b "$BUNDLE" ct1
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *"No space left on device"* ]]
	[ "${lines[1]}" = ok ]
}

@test "seccomp: a profile that denies the execve, and every call after it, fails run with the exec's error instead of hanging" {
	# The init can neither exec, nor report, nor exit: it ends on a fault,
	# and run reads what it could not send. runc fails too, crun segfaults.
	seccomp '{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1, "syscalls": [{"names": ["*"], "action": "SCMP_ACT_ALLOW"}]}'
	set_cmd /bin/true
	run timeout 60 "$RT_BIN" --root "$ROOT" run -b "$BUNDLE" ct1
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$output" = 'rt: start container "ct1": exec /bin/true: operation not permitted' ]
	expect_no_leftovers ct1
}

@test "seccomp: SCMP_ACT_KILL kills the process with SIGSYS" {
	deny_mkdir '"action": "SCMP_ACT_KILL"'
	set_cmd mkdir /tmp/d
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 159 ]
	expect_no_leftovers ct1
	# A shell sees its child die of the signal.
	set_cmd sh -c '/bin/mkdir /tmp/d; echo "status=$?"'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[[ "$output" == *"status=159"* ]]
}

@test "seccomp: SCMP_ACT_KILL_PROCESS and SCMP_ACT_TRAP end in SIGSYS too" {
	for act in SCMP_ACT_KILL_PROCESS SCMP_ACT_TRAP; do
		deny_mkdir "\"action\": \"$act\""
		set_cmd mkdir /tmp/d
		run rt run -b "$BUNDLE" ct1
		echo "$act: $status"
		[ "$status" -eq 159 ]
	done
}

@test "seccomp: argument filters deny one personality, not the others" {
	# linux32 calls personality(PER_LINUX32 = 8), linux64 personality(0).
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		{"names": ["personality"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]},
		{"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 18, "args": [{"index": 0, "value": 4294967295, "op": "SCMP_CMP_EQ"}]}]}'
	set_cmd sh -c 'linux64 echo linux64 ok; linux32 echo linux32 ran; echo done'
	run rt run -b "$BUNDLE" ct1
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "linux64 ok" ]
	[[ "${lines[1]}" == *"Operation not permitted"* ]]
	[ "${lines[2]}" = done ]
}

@test "seccomp: masked-equal argument filter" {
	# Deny any personality whose low byte is 8 (PER_LINUX32 with flags too).
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		{"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 18,
		 "args": [{"index": 0, "value": 255, "valueTwo": 8, "op": "SCMP_CMP_MASKED_EQ"}]}]}'
	set_cmd sh -c 'linux32 true; linux64 echo ok'
	run rt run -b "$BUNDLE" ct1
	echo "$output"
	has "${lines[0]}" "cross-device link"
	[ "${lines[1]}" = ok ]
}

@test "seccomp: with and without noNewPrivileges" {
	deny_mkdir '"action": "SCMP_ACT_ERRNO"'
	set_cmd sh -c 'grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status | tr -d "\t"; mkdir /tmp/d'
	for nnp in true false; do
		update_config ".process.noNewPrivileges = $nnp"
		run rt run -b "$BUNDLE" ct1
		echo "nnp=$nnp: $output"
		[ "$status" -ne 0 ]
		if [ "$nnp" = true ]; then [ "${lines[0]}" = "NoNewPrivs:1" ]; else [ "${lines[0]}" = "NoNewPrivs:0" ]; fi
		[ "${lines[1]}" = "Seccomp:2" ]
		[[ "${lines[2]}" == *"Operation not permitted"* ]]
	done
	expect_no_leftovers ct1
}

@test "seccomp: without noNewPrivileges the filter is in at create (as runc and crun), with it only after start (as crun)" {
	deny_mkdir '"action": "SCMP_ACT_ERRNO"'
	set_cmd true
	for nnp in false true; do
		update_config ".process.noNewPrivileges = $nnp"
		rt create -b "$BUNDLE" ct1
		st=$(grep -E "^(NoNewPrivs|Seccomp):" "/proc/$(rt state ct1 | jq .pid)/status" | tr -d "\t" | tr "\n" " ")
		echo "nnp=$nnp: $st"
		if [ "$nnp" = false ]; then [ "$st" = "NoNewPrivs:0 Seccomp:2 " ]; else [ "$st" = "NoNewPrivs:1 Seccomp:0 " ]; fi
		rt start ct1
		wait_status ct1 stopped
		rt delete ct1
	done
	expect_no_leftovers ct1
}

# runtime_extras_denied: allow all but what runc's init never calls once
# a filter loaded without no_new_privs is in, and an init could: making
# a memfd (memfd_create, its seals), accepting a connection.
runtime_extras_denied() {
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		{"names": ["memfd_create", "accept", "accept4"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
		{"names": ["fcntl"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
		 "args": [{"index": 1, "value": 1033, "op": "SCMP_CMP_EQ"}]}]}'
}

@test "seccomp: a filter loaded at create need not allow memfd_create, seals or accept, which the init needs no more (as runc)" {
	runtime_extras_denied
	update_config '.process.noNewPrivileges = false'
	set_cmd sh -c 'grep ^Seccomp: /proc/self/status | tr -d "\t"'
	rt create -b "$BUNDLE" ct1 >"$BATS_TEST_TMPDIR/out"
	rt start ct1
	wait_status ct1 stopped
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = Seccomp:2 ]
	rt delete ct1
	run rt run -b "$BUNDLE" ct1
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = Seccomp:2 ]
	# with a startContainer hook too, which the init runs under the filter
	update_config '.hooks.startContainer = [{"path": "/bin/true", "args": ["true"]}]'
	run rt run -b "$BUNDLE" ct1
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = Seccomp:2 ]
	expect_no_leftovers ct1
	# runc, the oracle, runs the same bundle
	command -v runc >/dev/null || skip "no runc"
	update_config 'del(.hooks) | .linux.cgroupsPath = "'"$CG_PARENT"'/runc"'
	run runc --root "$BATS_TEST_TMPDIR/runc" run -b "$BUNDLE" ct-runc
	echo "runc: $output"
	[ "$status" -eq 0 ]
	[ "$output" = Seccomp:2 ]
}

@test "seccomp: a notify listener loaded at create reaches the agent with the creating state" {
	start_agent
	seccomp "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"$AGENT_SOCK\",
		\"syscalls\": [{\"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}"
	update_config '.process.noNewPrivileges = false'
	set_cmd sh -c 'mkdir /tmp/d && echo made'
	rt create -b "$BUNDLE" ct1 >"$BATS_TEST_TMPDIR/out"
	pid=$(rt state ct1 | jq .pid)
	wait_agent_states 1
	st=$(agent_states)
	[ "$(jq -r .state.status <<<"$st")" = creating ]
	[ "$(jq -r .state.pid <<<"$st")" = "$pid" ]
	rt start ct1
	wait_status ct1 stopped
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = made ]
	rt delete ct1
	expect_no_leftovers ct1
}

@test "seccomp: filter flags are accepted and the filter still applies" {
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW",
		"flags": ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_TSYNC"],
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}'
	set_cmd sh -c 'grep "^Seccomp_filters:" /proc/self/status | tr -d "\t"; mkdir /tmp/d'
	run rt run -b "$BUNDLE" ct1
	echo "$output"
	[ "${lines[0]}" = "Seccomp_filters:1" ]
	[[ "${lines[1]}" == *"Operation not permitted"* ]]
	# An empty list is valid too (no SPEC_ALLOW, unlike a missing one).
	update_config '.linux.seccomp.flags = []'
	run rt run -b "$BUNDLE" ct1
	[[ "${lines[1]}" == *"Operation not permitted"* ]]
}

@test "seccomp: syscall names this libseccomp does not know are skipped" {
	deny_mkdir '"action": "SCMP_ACT_ERRNO"'
	update_config '.linux.seccomp.syscalls[0].names += ["no_such_syscall_in_any_kernel"]'
	set_cmd sh -c 'mkdir /tmp/d; echo done'
	run rt run -b "$BUNDLE" ct1
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *"Operation not permitted"* ]]
	[ "${lines[1]}" = done ]
}

@test "seccomp: exec applies the container's filter" {
	deny_mkdir '"action": "SCMP_ACT_ERRNO", "errnoRet": 18'
	set_cmd sleep 100
	rt run -d -b "$BUNDLE" ct1
	run rt exec ct1 mkdir /tmp/d
	echo "$output"
	[ "$status" -ne 0 ]
	has "$output" "cross-device link"
	run rt exec ct1 sh -c 'grep "^Seccomp:" /proc/self/status | tr -d "\t"'
	[ "$output" = "Seccomp:2" ]
	# An exec with no_new_privs off still gets the filter.
	update_config '.process.noNewPrivileges = false'
	run rt exec ct1 sh -c 'mkdir /tmp/e'
	has "$output" "cross-device link"
	rt delete -f ct1
	expect_no_leftovers ct1
}

@test "seccomp: SCMP_ACT_NOTIFY hands the listener and metadata to the agent, which answers" {
	start_agent
	seccomp "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"$AGENT_SOCK\",
		\"listenerMetadata\": \"meta-42 for the agent\",
		\"syscalls\": [{\"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}"
	# The agent answers "success" without making the directory.
	set_cmd sh -c 'mkdir /tmp/d && echo made; test -d /tmp/d || echo absent'
	run rt run -b "$BUNDLE" ct1
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = made ]
	[ "${lines[1]}" = absent ]
	cat "$AGENT_LOG"
	[ "$(agent_states | wc -l)" -eq 1 ]
	st=$(agent_states)
	[ "$(jq -r .metadata <<<"$st")" = "meta-42 for the agent" ]
	[ "$(jq -c .fds <<<"$st")" = '["seccompFd"]' ]
	[ "$(jq -r .state.id <<<"$st")" = ct1 ]
	[ "$(jq -r .state.bundle <<<"$st")" = "$BUNDLE" ]
	[ "$(jq -r .pid <<<"$st")" -gt 0 ]
	grep -Eq '^notify nr=(83|258) ' "$AGENT_LOG"
	expect_no_leftovers ct1
}

@test "seccomp: SCMP_ACT_NOTIFY works for exec, and the agent's errno reaches the process" {
	start_agent -errno 18
	seccomp "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"$AGENT_SOCK\",
		\"listenerMetadata\": \"m\",
		\"syscalls\": [{\"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}"
	set_cmd sleep 100
	rt run -d -b "$BUNDLE" ct1
	pid=$(rt state ct1 | jq .pid)
	run rt exec ct1 mkdir /tmp/d
	echo "$output"
	[ "$status" -ne 0 ]
	has "$output" "cross-device link"
	cat "$AGENT_LOG"
	# one hand-over at start, one for the exec
	[ "$(agent_states | wc -l)" -eq 2 ]
	[ "$(agent_states | head -1 | jq .pid)" -eq "$pid" ]
	# The exec's own pid; state.pid stays the init's.
	[ "$(agent_states | tail -1 | jq .pid)" -ne "$pid" ]
	[ "$(agent_states | tail -1 | jq .state.pid)" -eq "$pid" ]
	rt delete -f ct1
	expect_no_leftovers ct1
}

@test "seccomp: the compiled filter is cached (in the cache dir, not the root) and the cache is used" {
	deny_mkdir '"action": "SCMP_ACT_ERRNO"'
	set_cmd sh -c 'mkdir /tmp/d'
	cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/eperm.json"
	run rt run -b "$BUNDLE" ct1
	[[ "$output" == *"Operation not permitted"* ]]
	eperm=$(ls "$RT_CACHE_DIR/seccomp"/*.bpf)
	[ "$(echo "$eperm" | wc -l)" -eq 1 ]
	# The same profile again: no new entry.
	run rt run -b "$BUNDLE" ct1
	[ "$(ls "$RT_CACHE_DIR/seccomp"/*.bpf | wc -l)" -eq 1 ]
	# Another profile gets its own entry.
	deny_mkdir '"action": "SCMP_ACT_ERRNO", "errnoRet": 18'
	run rt run -b "$BUNDLE" ct1
	has "$output" "cross-device link"
	exdev=$(ls "$RT_CACHE_DIR/seccomp"/*.bpf | grep -vxF "$eperm")
	[ -n "$exdev" ]
	# Swap the EXDEV program in under the EPERM profile's key: rt must run
	# what the cache holds rather than compile the profile again.
	cp "$exdev" "$eperm"
	cp "$BATS_TEST_TMPDIR/eperm.json" "$BUNDLE/config.json"
	run rt run -b "$BUNDLE" ct1
	echo "$output"
	has "$output" "cross-device link"
	# A damaged entry is rebuilt, not trusted.
	echo garbage >"$eperm"
	run rt run -b "$BUNDLE" ct1
	echo "$output"
	[[ "$output" == *"Operation not permitted"* ]]
	expect_no_leftovers ct1
}

@test "seccomp: the cache is the user's, beside the default root; --root holds containers only" {
	deny_mkdir '"action": "SCMP_ACT_ERRNO"'
	set_cmd sleep 100
	# The entry's name is the profile's key, wherever the cache is.
	rt run -d -b "$BUNDLE" ct1
	rt delete -f ct1
	entry=$(basename "$(ls "$RT_CACHE_DIR/seccomp"/*.bpf)")
	# rt's default for root: /run/rt-cache.
	env -u RT_CACHE_DIR "$RT_BIN" --root "$ROOT" run -d -b "$BUNDLE" ct1
	[ "$(ls -A "$ROOT")" = ct1 ]
	env -u RT_CACHE_DIR "$RT_BIN" --root "$ROOT" exec ct1 true
	[ "$(ls -A "$ROOT")" = ct1 ]
	[ "$(stat -c %a /run/rt-cache /run/rt-cache/seccomp)" = "700
700" ]
	[ -f "/run/rt-cache/seccomp/$entry" ]
	rt delete -f ct1
	[ -z "$(ls -A "$ROOT")" ]
}

@test "seccomp: Podman's default profile runs a normal shell and denies what it should" {
	[ -f "$PODMAN_PROFILE" ] || skip "$PODMAN_PROFILE is missing (apt-get install golang-github-containers-common)"
	caps=$(jq -c .process.capabilities.bounding "$BUNDLE/config.json")
	prof=$(podman_profile "$caps")
	# The conversion: native arches only, no includes/excludes left, and
	# the capability-gated rules as this container's capabilities select.
	[ "$(jq -c .architectures <<<"$prof")" = '["SCMP_ARCH_X86_64","SCMP_ARCH_X86","SCMP_ARCH_X32"]' ]
	jq -e '[.syscalls[] | select(has("includes") or has("excludes"))] | length == 0' <<<"$prof"
	jq -e 'any(.syscalls[]; .names == ["chroot"] and .action == "SCMP_ACT_ERRNO")' <<<"$prof"
	jq -e 'any(.syscalls[]; (.names | index("arch_prctl")) and .action == "SCMP_ACT_ALLOW")' <<<"$prof"
	seccomp "$prof"
	set_cmd sh -c 'echo hello | cat; ls / >/dev/null && echo ls ok; ps -o pid,comm | grep -c ps; date +%Y >/dev/null && echo date ok; hostname renamed; echo "hostname=$?"; chroot / true; echo "chroot=$?"'
	run rt run -b "$BUNDLE" ct1
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = hello ]
	[ "${lines[1]}" = "ls ok" ]
	[ "${lines[2]}" = 1 ]
	[ "${lines[3]}" = "date ok" ]
	[[ "${lines[4]}" == *"Operation not permitted"* ]]
	[ "${lines[5]}" = "hostname=1" ]
	[[ "$output" == *"chroot=1"* ]]
	expect_no_leftovers ct1
}

@test "seccomp: Podman's profile follows the container's capabilities" {
	[ -f "$PODMAN_PROFILE" ] || skip "$PODMAN_PROFILE is missing (apt-get install golang-github-containers-common)"
	# With CAP_SYS_ADMIN the profile allows sethostname; swapoff is
	# refused whatever the capabilities. Without the filter swapoff of a
	# missing file fails with ENOENT instead: the EPERM is the filter's.
	update_config '.process.capabilities.bounding += ["CAP_SYS_ADMIN"] |
		.process.capabilities.effective += ["CAP_SYS_ADMIN"] | .process.capabilities.permitted += ["CAP_SYS_ADMIN"]'
	set_cmd sh -c 'hostname renamed && hostname; swapoff /no-such-swap'
	run rt run -b "$BUNDLE" ct1
	echo "without seccomp: $output"
	[ "${lines[0]}" = renamed ]
	[[ "${lines[1]}" != *"Operation not permitted"* ]]
	caps=$(jq -c .process.capabilities.bounding "$BUNDLE/config.json")
	seccomp "$(podman_profile "$caps")"
	run rt run -b "$BUNDLE" ct1
	echo "with seccomp: $output"
	[ "${lines[0]}" = renamed ]
	[[ "${lines[1]}" == *"Operation not permitted"* ]]
	expect_no_leftovers ct1
}

@test "seccomp: a profile that denies close_range and the new mount API still starts" {
	# rt marks its fds close-on-exec before the filter goes in.
	for nnp in true false; do
		for errno in 1 38; do
			update_config ".process.noNewPrivileges = $nnp"
			seccomp "{\"defaultAction\": \"SCMP_ACT_ALLOW\",
				\"syscalls\": [{\"names\": [\"close_range\", \"fsopen\", \"fsconfig\", \"fspick\", \"openat2\",
				\"open_tree\", \"move_mount\", \"mount_setattr\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": $errno}]}"
			set_cmd sh -c 'ls /proc/self/fd | wc -l'
			run rt run -b "$BUNDLE" ct1
			echo "nnp=$nnp errno=$errno: $output"
			[ "$status" -eq 0 ]
			# stdio, and the fd of ls's listing: nothing of rt's
			[ "$output" = 4 ]
		done
	done
	expect_no_leftovers ct1
}

@test "seccomp: a profile older than faccessat2 still finds the process's binary (as runc)" {
	# Docker's and runtime-tools' older profiles answer faccessat2 with EPERM,
	# not ENOSYS; without no_new_privs the filter is in before the lookup.
	for nnp in true false; do
		for errno in 1 38; do
			update_config ".process.noNewPrivileges = $nnp"
			seccomp "{\"defaultAction\": \"SCMP_ACT_ALLOW\",
				\"syscalls\": [{\"names\": [\"faccessat2\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": $errno}]}"
			set_cmd sh -c 'echo started'
			run rt run -b "$BUNDLE" ct1
			echo "nnp=$nnp errno=$errno: $output"
			[ "$status" -eq 0 ]
			[ "$output" = started ]
			# No one may execute /etc/passwd: still refused before execve.
			set_cmd /etc/passwd
			run rt run -b "$BUNDLE" ct1
			echo "$output"
			[ "$status" -ne 0 ]
			[[ "$output" == *"exec /etc/passwd: permission denied"* ]]
		done
	done
	# And an exec'd process under the container's filter.
	update_config '.process.noNewPrivileges = false'
	set_cmd sleep 100
	rt run -d -b "$BUNDLE" ct1
	run rt exec ct1 sh -c 'echo exec started'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "exec started" ]
	rt delete -f ct1
	expect_no_leftovers ct1
}

@test "seccomp: startContainer hooks run under the container's filter with only stdio open" {
	update_config '.process.rlimits = [{"type": "RLIMIT_CORE", "soft": 0, "hard": 0}]'
	deny_mkdir '"action": "SCMP_ACT_KILL"'
	update_config '.hooks.startContainer = [{"path": "/bin/sh", "args": ["sh", "-c", "mkdir /tmp/hookdir"]}]'
	set_cmd sh -c 'echo process ran'
	run rt run -b "$BUNDLE" ct1
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"error running startContainer hook #0: /bin/sh: signal: bad system call"* ]]
	[[ "$output" != *"process ran"* ]]
	expect_no_leftovers ct1
	# with a notify listener made and handed over: the hook sees stdio only
	start_agent
	seccomp "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"$AGENT_SOCK\",
		\"syscalls\": [{\"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}"
	update_config '.hooks.startContainer = [{"path": "/bin/sh", "args": ["sh", "-c",
		"n=$(ls /proc/self/fd | wc -l); grep ^Seccomp: /proc/self/status | tr -d \"\\t\" >&2; [ $n -eq 4 ] || { echo fds=$n >&2; exit 1; }"]}]'
	set_cmd true
	run rt run -b "$BUNDLE" ct1
	echo "$output"
	[ "$status" -eq 0 ]
	expect_no_leftovers ct1
	# the hook really runs under the filter: make it fail to see its stderr
	update_config '.hooks.startContainer[0].args[2] += "; exit 3"'
	run rt run -b "$BUNDLE" ct1
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"exit status 3: Seccomp:2"* ]]
	expect_no_leftovers ct1
}

@test "seccomp: --debug logs the filter flags the init loads" {
	deny_mkdir '"action": "SCMP_ACT_ERRNO"'
	set_cmd true
	# no flags: SPEC_ALLOW (4); TSYNC is accepted and ignored
	run rt --debug run -b "$BUNDLE" ct1
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *'msg="seccomp filter flags: 4"'* ]]
	update_config '.linux.seccomp.flags = ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG"]'
	run rt --debug run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[[ "$output" == *'msg="seccomp filter flags: 2"'* ]]
	# and not without --debug
	run rt run -b "$BUNDLE" ct1
	[ "$output" = "" ]
	expect_no_leftovers ct1
}

@test "seccomp: errors name the agent and the write syscall as runc does" {
	seccomp "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"$BATS_TEST_TMPDIR/no-agent.sock\",
		\"syscalls\": [{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}"
	set_cmd true
	run rt run -b "$BUNDLE" ct1
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"failed to connect with seccomp agent $BATS_TEST_TMPDIR/no-agent.sock"* ]]
	expect_no_leftovers ct1
	update_config '.linux.seccomp.syscalls[0].names = ["write"]'
	run rt run -b "$BUNDLE" ct1
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"SCMP_ACT_NOTIFY cannot be used for the write syscall"* ]]
	expect_no_leftovers ct1
}
