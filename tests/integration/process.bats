#!/usr/bin/env bats
# config.json's process: what the container's process actually gets (args,
# env, cwd, user, umask, capabilities, no_new_privs, rlimits, oom score, io
# priority, scheduler, personality, fds, keyring) and how a process that
# cannot start is reported.

load helpers

setup() { setup_rt; }
teardown() { teardown_rt; }

# cap_mask NAME...: the hex mask /proc/PID/status shows for these caps.
cap_mask() {
	local m=0 n
	for n in "$@"; do
		case $n in
		CAP_CHOWN) m=$((m | 1 << 0)) ;;
		CAP_KILL) m=$((m | 1 << 5)) ;;
		CAP_NET_BIND_SERVICE) m=$((m | 1 << 10)) ;;
		CAP_SYS_ADMIN) m=$((m | 1 << 21)) ;;
		CAP_AUDIT_WRITE) m=$((m | 1 << 29)) ;;
		*) echo "cap_mask: add $n" >&2; return 1 ;;
		esac
	done
	printf '%016x\n' "$m"
}

# status_field OUTPUT NAME: the value of NAME: in a /proc/PID/status dump.
status_field() {
	echo "$1" | awk -v k="$2:" '$1 == k { print $2 }'
}

@test "args, env and cwd reach the process; nothing of rt's environment does" {
	update_config '.process.env += ["FOO=bar baz"] | .process.cwd = "/tmp"'
	set_cmd sh -c 'echo "$0|$1|$FOO|$(pwd)|$HOME"; env' arg0 "one two"
	RT_TEST_CALLER_VAR=leaked run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "arg0|one two|bar baz|/tmp|/root" ]
	# exactly the config's variables: nothing of the caller's environment
	# or of rt's own (the init's switches, GOGC, ...)
	local out=$output
	run ! grep -E '^(RT_TEST_CALLER_VAR|_RT_|GOGC|GOMAXPROCS)' <<<"$out"
	run ! grep -vE '^(arg0[|]|PATH=|TERM=|HOME=|FOO=|PWD=|SHLVL=)' <<<"$out"
	expect_no_leftovers ct1
}

@test "HOME falls back to / for a user that is not in /etc/passwd; no PATH is added, yet names are found" {
	update_config '.process.user = {uid: 4242, gid: 4242} | .process.env = ["A=1"]'
	# env is found in the default search path, as execvp does without PATH
	set_cmd env
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "$output" = $'A=1\nHOME=/' ]
}

@test "env: the last entry of a name wins, once; an empty HOME is replaced from /etc/passwd" {
	update_config '.process.env = ["ONE=two", "B=1", "ONE=", "HOME=/override", "HOME=", "PATH=/bin"]'
	set_cmd env
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "$output" = $'B=1\nONE=\nPATH=/bin\nHOME=/root' ]
	update_config '.process.env = ["HOME=", "HOME=/override"]'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "$output" = "HOME=/override" ]
}

@test "exec --process: the env is process.json's alone, with HOME added and no PATH" {
	set_cmd sleep 100
	rt run -d -b "$BUNDLE" ct1
	cat >"$BATS_TEST_TMPDIR/p.json" <<JSON
{"args": ["/bin/env"], "cwd": "/", "user": {"uid": 0, "gid": 0}, "env": ["FOO=bar", "FOO=baz"]}
JSON
	run rt exec --process "$BATS_TEST_TMPDIR/p.json" ct1
	[ "$status" -eq 0 ]
	[ "$output" = $'FOO=baz\nHOME=/root' ]
	rt delete -f ct1
}

@test "user: uid, gid, additionalGids and umask" {
	update_config '.process.user = {uid: 1000, gid: 1001, additionalGids: [5, 6, 1001], umask: 63}'
	set_cmd sh -c 'id; grep -E "^(Uid|Gid|Groups):" /proc/self/status; umask; touch /tmp/f; stat -c %a/%u/%g /tmp/f'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "uid=1000 gid=1001 groups=5,6,1001" ]
	[[ "$output" == *$'Uid:\t1000\t1000\t1000\t1000'* ]]
	[[ "$output" == *$'Gid:\t1001\t1001\t1001\t1001'* ]]
	[[ "$output" == *$'Groups:\t5 6 1001'* ]]
	[[ "$output" == *$'\n0077\n600/1000/1001'* ]]
}

@test "root: the configured capability sets after execve; inheritable and ambient stay empty" {
	update_config '.process.capabilities = {
		bounding: ["CAP_KILL", "CAP_CHOWN", "CAP_AUDIT_WRITE"],
		effective: ["CAP_KILL"],
		permitted: ["CAP_KILL", "CAP_CHOWN"]}'
	set_cmd cat /proc/self/status
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "$(status_field "$output" CapBnd)" = "$(cap_mask CAP_KILL CAP_CHOWN CAP_AUDIT_WRITE)" ]
	# execve as root raises effective to permitted; no_new_privs (on in
	# the default config) keeps permitted from growing to the bounding set
	[ "$(status_field "$output" CapPrm)" = "$(cap_mask CAP_KILL CAP_CHOWN)" ]
	[ "$(status_field "$output" CapEff)" = "$(cap_mask CAP_KILL CAP_CHOWN)" ]
	[ "$(status_field "$output" CapInh)" = 0000000000000000 ]
	[ "$(status_field "$output" CapAmb)" = 0000000000000000 ]
	# without no_new_privs root gets the whole bounding set back, as with runc
	update_config '.process.noNewPrivileges = false'
	run rt run -b "$BUNDLE" ct1
	[ "$(status_field "$output" CapPrm)" = "$(cap_mask CAP_KILL CAP_CHOWN CAP_AUDIT_WRITE)" ]
	[ "$(status_field "$output" CapEff)" = "$(cap_mask CAP_KILL CAP_CHOWN CAP_AUDIT_WRITE)" ]
}

@test "a process without capabilities in the config has none, not rt's own (runc, crun)" {
	update_config 'del(.process.capabilities) | .process.noNewPrivileges = false'
	set_cmd cat /proc/self/status
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	local s
	for s in CapBnd CapPrm CapEff CapInh CapAmb; do
		[ "$(status_field "$output" "$s")" = 0000000000000000 ]
	done
	# and root without them is refused what a capability would allow
	set_cmd sh -c 'touch /tmp/f && chown 5 /tmp/f'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -ne 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
}

@test "without a capability root really is refused; with it the operation works" {
	update_config '.process.capabilities = {bounding: ["CAP_KILL"], effective: ["CAP_KILL"], permitted: ["CAP_KILL"]}'
	set_cmd sh -c 'touch /tmp/f && chown 5 /tmp/f'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -ne 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
	update_config '.process.capabilities |= with_entries(.value += ["CAP_CHOWN"])'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
}

@test "all five capability sets with a non-root user: ambient ones survive the exec and work" {
	update_config '.process.user = {uid: 1000, gid: 1000}
		| .process.capabilities = {
			bounding: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
			effective: ["CAP_CHOWN", "CAP_KILL"],
			permitted: ["CAP_CHOWN", "CAP_KILL"],
			inheritable: ["CAP_CHOWN", "CAP_NET_BIND_SERVICE"],
			ambient: ["CAP_CHOWN"]}'
	set_cmd sh -c 'cat /proc/self/status; touch /tmp/f; chown 5 /tmp/f && stat -c owner=%u /tmp/f'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "$(status_field "$output" CapBnd)" = "$(cap_mask CAP_CHOWN CAP_KILL CAP_NET_BIND_SERVICE)" ]
	[ "$(status_field "$output" CapInh)" = "$(cap_mask CAP_CHOWN CAP_NET_BIND_SERVICE)" ]
	[ "$(status_field "$output" CapAmb)" = "$(cap_mask CAP_CHOWN)" ]
	# after execve a non-root process keeps only what is ambient
	[ "$(status_field "$output" CapPrm)" = "$(cap_mask CAP_CHOWN)" ]
	[ "$(status_field "$output" CapEff)" = "$(cap_mask CAP_CHOWN)" ]
	[[ "$output" == *owner=5* ]]
}

@test "unknown capabilities and ambient ones not also permitted and inheritable are left out with a warning" {
	update_config '.process.capabilities.bounding += ["CAP_UNKNOWN", "UNKNOWN_CAP"]
		| .process.capabilities.inheritable = ["CAP_KILL"]
		| .process.capabilities.ambient = ["CAP_KILL", "CAP_CHOWN"]'
	set_cmd cat /proc/self/status
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[[ "$output" == *"rt: warn: process.capabilities: ignoring capabilities this kernel does not know: \"CAP_UNKNOWN\", \"UNKNOWN_CAP\""* ]]
	[[ "$output" == *"rt: warn: process.capabilities.ambient: can't raise ambient capability CAP_CHOWN: "* ]]
	[[ "$output" != *"ambient capability CAP_KILL"* ]]
	[ "$(status_field "$output" CapAmb)" = "$(cap_mask CAP_KILL)" ]
	[ "$(status_field "$output" CapBnd)" = "$(cap_mask CAP_AUDIT_WRITE CAP_KILL CAP_NET_BIND_SERVICE)" ]
	# and the warning reaches --log, as a json line at level warn
	run rt --log "$BATS_TEST_TMPDIR/log.json" --log-format json run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	jq -e 'select(.level == "warn" and (.msg | contains("ambient capability CAP_CHOWN")))' "$BATS_TEST_TMPDIR/log.json"
}

@test "exec --cap adds to bounding, effective and permitted, and to ambient when the config has an inheritable list" {
	set_cmd sleep 100
	update_config '.process.capabilities = {}'
	rt run -d -b "$BUNDLE" ct1
	run rt exec --cap CAP_KILL ct1 cat /proc/self/status
	[ "$status" -eq 0 ]
	[ "$(status_field "$output" CapPrm)" = "$(cap_mask CAP_KILL)" ]
	[ "$(status_field "$output" CapAmb)" = 0000000000000000 ]
	rt delete -f ct1
	update_config '.process.capabilities = {
			bounding: ["CAP_KILL", "CAP_CHOWN"], permitted: ["CAP_KILL"], effective: ["CAP_KILL"],
			inheritable: ["CAP_CHOWN"]}'
	rt run -d -b "$BUNDLE" ct1
	run rt exec --cap CAP_CHOWN ct1 cat /proc/self/status
	[ "$status" -eq 0 ]
	[ "$(status_field "$output" CapPrm)" = "$(cap_mask CAP_KILL CAP_CHOWN)" ]
	[ "$(status_field "$output" CapAmb)" = "$(cap_mask CAP_CHOWN)" ]
	# a non-root user keeps exactly the ambient one across its exec
	run rt exec --user 1000:1000 --cap CAP_CHOWN ct1 cat /proc/self/status
	[ "$status" -eq 0 ]
	[ "$(status_field "$output" CapEff)" = "$(cap_mask CAP_CHOWN)" ]
	rt delete -f ct1
}

@test "a file only its owner may execute runs as another user with CAP_DAC_OVERRIDE, and not without" {
	printf '#!/bin/sh\necho ran\n' >"$BUNDLE/rootfs/bin/owner-only"
	chown 0:0 "$BUNDLE/rootfs/bin/owner-only"
	chmod 0744 "$BUNDLE/rootfs/bin/owner-only"
	update_config '.process.user = {uid: 1000, gid: 100}'
	set_cmd /bin/owner-only
	run rt run -b "$BUNDLE" ct1
	[ "$status" -ne 0 ]
	[[ "$output" == *"permission denied"* ]]
	expect_no_leftovers ct1
	update_config '.process.capabilities |= with_entries(.value += ["CAP_DAC_OVERRIDE"])
		| .process.capabilities.inheritable = ["CAP_DAC_OVERRIDE"]
		| .process.capabilities.ambient = ["CAP_DAC_OVERRIDE"]'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "$output" = ran ]
}

@test "a failed execve is the process's own error: one line on its stderr and status 255, for run and exec" {
	printf '#!/no/such/interpreter\n' >"$BUNDLE/rootfs/bad.sh"
	chmod +x "$BUNDLE/rootfs/bad.sh"
	set_cmd /bad.sh
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 255 ]
	[ "$output" = "exec /bad.sh: no such file or directory" ]
	expect_no_leftovers ct1
	# start succeeded: the process had started, then failed
	rt create -b "$BUNDLE" ct1 </dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/err"
	rt start ct1
	wait_status ct1 stopped
	grep -qx "exec /bad.sh: no such file or directory" "$BATS_TEST_TMPDIR/err"
	rt delete ct1
	set_cmd sleep 100
	rt run -d -b "$BUNDLE" ct1
	run rt exec ct1 /bad.sh
	[ "$status" -eq 255 ]
	[ "$output" = "exec /bad.sh: no such file or directory" ]
	rt delete -f ct1
}

@test "exec: rt's own failures exit 255, the process's status passes through" {
	set_cmd sleep 100
	rt run -d -b "$BUNDLE" ct1
	run rt exec ct1 false
	[ "$status" -eq 1 ]
	run rt exec ct1 sh -c 'exit 42'
	[ "$status" -eq 42 ]
	run rt exec ct1 no-such-binary
	[ "$status" -eq 255 ]
	[[ "$output" == *'exec "no-such-binary": executable file not found in $PATH'* ]]
	run rt exec --pid-file /non-existent/dir/pid ct1 true
	[ "$status" -eq 255 ]
	run rt exec no-such-container true
	[ "$status" -eq 255 ]
	rt delete -f ct1
}

@test "a non-root user without ambient capabilities has none after exec" {
	update_config '.process.user = {uid: 1000, gid: 1000}'
	set_cmd sh -c 'cat /proc/self/status; touch /tmp/f; chown 5 /tmp/f'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -ne 0 ]
	[ "$(status_field "$output" CapEff)" = 0000000000000000 ]
	[ "$(status_field "$output" CapPrm)" = 0000000000000000 ]
	[[ "$output" == *"Operation not permitted"* ]]
}

@test "noNewPrivileges sets NoNewPrivs, and is off without it" {
	update_config '.process.noNewPrivileges = true'
	set_cmd grep NoNewPrivs /proc/self/status
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "$output" = $'NoNewPrivs:\t1' ]
	update_config '.process.noNewPrivileges = false'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "$output" = $'NoNewPrivs:\t0' ]
	update_config 'del(.process.noNewPrivileges)'
	run rt run -b "$BUNDLE" ct1
	[ "$output" = $'NoNewPrivs:\t0' ]
}

@test "rlimits land with their soft and hard values" {
	update_config '.process.rlimits = [
		{type: "RLIMIT_NOFILE", soft: 100, hard: 200},
		{type: "RLIMIT_NPROC", soft: 300, hard: 400},
		{type: "RLIMIT_CORE", soft: 0, hard: 4096},
		{type: "RLIMIT_MSGQUEUE", soft: 1000, hard: 2000}]'
	set_cmd cat /proc/self/limits
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	echo "$output" | grep -E '^Max open files +100 +200 +files'
	echo "$output" | grep -E '^Max processes +300 +400 +processes'
	echo "$output" | grep -E '^Max core file size +0 +4096 +bytes'
	echo "$output" | grep -E '^Max msgqueue size +1000 +2000 +bytes'
}

@test "a NOFILE soft limit below an unchanged hard limit is not undone at exec" {
	hard=$(ulimit -Hn)
	update_config ".process.rlimits = [{type: \"RLIMIT_NOFILE\", soft: 100, hard: $hard}]"
	set_cmd cat /proc/self/limits
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	echo "$output" | grep -E "^Max open files +100 +$hard +files"
}

@test "a tiny NOFILE limit lands without breaking rt's own setup, for run, a terminal and exec" {
	update_config '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 5, hard: 5}]'
	set_cmd sh -c 'ulimit -n'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "$output" = 5 ]
	update_config '.process.terminal = true'
	run rt run -b "$BUNDLE" ct1 </dev/null
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | tr -d '\r')" = 5 ]
	update_config '.process.terminal = false'
	set_cmd sleep 100
	rt run -d -b "$BUNDLE" ct1
	run rt exec ct1 sh -c 'ulimit -n'
	[ "$output" = 5 ]
	rt delete -f ct1
}

@test "oomScoreAdj, ioPriority and the scheduler apply to the process" {
	update_config '.process.oomScoreAdj = 123
		| .process.ioPriority = {class: "IOPRIO_CLASS_BE", priority: 6}
		| .process.scheduler = {policy: "SCHED_BATCH", nice: 5}'
	set_cmd sh -c 'cat /proc/self/oom_score_adj; ionice; grep ^policy /proc/self/sched; sed "s/.*) //" /proc/self/stat | cut -d" " -f17'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 123 ]
	[ "${lines[1]}" = "best-effort: prio 6" ]
	# SCHED_BATCH is policy 3
	[[ "${lines[2]}" =~ ^policy\ +:\ +3$ ]]
	[ "${lines[3]}" = 5 ]
	update_config '.process.ioPriority = {class: "IOPRIO_CLASS_IDLE", priority: 0} | del(.process.scheduler)'
	run rt run -b "$BUNDLE" ct1
	[ "${lines[1]}" = idle ]
	[[ "${lines[2]}" =~ ^policy\ +:\ +0$ ]]
}

@test "rt keeps its own oomScoreAdj: the child that shares its memory gets the process's, rt gets its own back once it has exec'd" {
	own=$(cat /proc/self/oom_score_adj)
	cat >"$BATS_TEST_TMPDIR/hook" <<-EOF2
		#!/bin/sh
		cat /proc/\$PPID/oom_score_adj >"$BATS_TEST_TMPDIR/rt-adj"
	EOF2
	chmod +x "$BATS_TEST_TMPDIR/hook"
	update_config '.process.oomScoreAdj = 123 | .hooks.poststart = [{path: "'"$BATS_TEST_TMPDIR/hook"'"}]'
	set_cmd cat /proc/self/oom_score_adj
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "$output" = 123 ]
	# rt run's own, read by its poststart hook once the process runs
	[ "$(cat "$BATS_TEST_TMPDIR/rt-adj")" = "$own" ]

	update_config '.process.oomScoreAdj = 0 | del(.hooks)'
	set_cmd sleep 100
	rt run -d -b "$BUNDLE" ct1
	jq '.process | .oomScoreAdj = 456 | .args = ["sleep", "100"]' "$BUNDLE/config.json" >"$BATS_TEST_TMPDIR/p.json"
	"$RT_BIN" --root "$ROOT" exec --process "$BATS_TEST_TMPDIR/p.json" ct1 &
	local rtpid=$! pid=
	for _ in $(seq 100); do
		for p in $(pgrep -f "^sleep 100$"); do
			[ "$(cat /proc/$p/oom_score_adj 2>/dev/null)" != 456 ] || pid=$p
		done
		[ -z "$pid" ] || break
		sleep 0.05
	done
	[ -n "$pid" ]
	[ "$(cat /proc/$rtpid/oom_score_adj)" = "$own" ]
	kill "$pid"
	wait "$rtpid" || true
	rt delete -f ct1
}

@test "personality LINUX32 makes uname -m report i686" {
	update_config '.linux.personality = {domain: "LINUX32"}'
	set_cmd uname -m
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "$output" = i686 ]
	update_config '.linux.personality = {domain: "LINUX"}'
	run rt run -b "$BUNDLE" ct1
	[ "$output" = "$(uname -m)" ]
}

@test "only stdio reaches the process, however many fds rt had open" {
	# "; true" keeps sh (pid 1) from exec'ing ls, so /proc/1/fd is sh's
	set_cmd sh -c 'ls /proc/1/fd; true'
	run rt run -b "$BUNDLE" ct1 3</etc/hostname 4</etc/hostname 9</etc/hostname
	[ "$status" -eq 0 ]
	[ "$(echo $output)" = "0 1 2" ]
}

@test "--preserve-fds passes fds after stdio, readable inside" {
	echo preserved-data >"$BATS_TEST_TMPDIR/in"
	echo second >"$BATS_TEST_TMPDIR/in2"
	set_cmd sh -c 'ls /proc/1/fd; cat <&3; cat <&4; true'
	run rt run --preserve-fds 2 -b "$BUNDLE" ct1 3<"$BATS_TEST_TMPDIR/in" 4<"$BATS_TEST_TMPDIR/in2" 5</etc/hostname
	[ "$status" -eq 0 ]
	[ "$(echo $output)" = "0 1 2 3 4 preserved-data second" ]
}

@test "LISTEN_FDS/LISTEN_PID meant for rt are passed on with the container's own pid" {
	echo activated >"$BATS_TEST_TMPDIR/sock"
	set_cmd sh -c 'echo "$LISTEN_FDS $LISTEN_PID $$"; ls /proc/1/fd; cat <&3; true'
	# exec keeps the pid, so LISTEN_PID names rt itself
	run bash -c 'exec env LISTEN_FDS=1 LISTEN_PID=$$ "$0" --root "$1" run -b "$2" ct1' \
		"$RT_BIN" "$ROOT" "$BUNDLE" 3<"$BATS_TEST_TMPDIR/sock"
	[ "$status" -eq 0 ]
	[ "$(echo $output)" = "1 1 1 0 1 2 3 activated" ]
	# LISTEN_* meant for another process are not rt's: nothing is passed
	set_cmd sh -c 'echo "fds=$LISTEN_FDS pid=$LISTEN_PID"; ls /proc/1/fd; true'
	run bash -c 'exec env LISTEN_FDS=1 LISTEN_PID=1 "$0" --root "$1" run -b "$2" ct1' \
		"$RT_BIN" "$ROOT" "$BUNDLE" 3<"$BATS_TEST_TMPDIR/sock"
	[ "$status" -eq 0 ]
	[ "$(echo $output)" = "fds= pid= 0 1 2" ]
}

@test "the container gets a session keyring of its own unless --no-new-keyring" {
	update_config '.linux.maskedPaths -= ["/proc/keys"]'
	set_cmd cat /proc/keys
	# keyrings outlive their container for a while: the ID must be new
	id="kr$$x$RANDOM"
	run rt run -b "$BUNDLE" "$id"
	[ "$status" -eq 0 ]
	[[ "$output" == *"keyring   _ses.$id:"* ]]
	id2="kr$$y$RANDOM"
	run rt run --no-new-keyring -b "$BUNDLE" "$id2"
	[ "$status" -eq 0 ]
	[[ "$output" != *"_ses.$id2"* ]]
}

@test "exec joins the container's session keyring, unless the container has none of its own" {
	cp "$REPO/tests/integration/tools/bin/keylabel" "$BUNDLE/rootfs/bin/keylabel"
	set_cmd sleep 100
	id="kr$$z$RANDOM"
	rt run -d -b "$BUNDLE" "$id"
	run rt exec "$id" keylabel -describe
	[ "$status" -eq 0 ]
	[[ "$output" == *";_ses.$id" ]]
	rt delete -f "$id"
	id2="kr$$w$RANDOM"
	rt run -d --no-new-keyring -b "$BUNDLE" "$id2"
	run rt exec "$id2" keylabel -describe
	[ "$status" -eq 0 ]
	[[ "$output" != *"_ses.$id2"* ]]
	rt delete -f "$id2"
}

@test "the process of a non-root user is dumpable: its /proc files are its own" {
	update_config '.process.user = {uid: 1000, gid: 1000}'
	set_cmd sh -c 'stat -c %u /proc/1/status; tr "\0" "\n" </proc/1/environ | grep ^HOME='
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '1000\nHOME=/')" ]
}

# run_fails: rt run must fail with a single line holding every pattern, and
# leave nothing behind.
run_fails() {
	run rt run -b "$BUNDLE" ct1
	echo "$output"
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	local p
	for p in "$@"; do
		[[ "$output" == *"$p"* ]]
	done
	expect_no_leftovers ct1
}

# create_fails: rt create must fail the same way.
create_fails() {
	# to a file, not a pipe: an init that wrongly survives would hold it
	local rc=0
	rt create -b "$BUNDLE" ct1 >"$BATS_TEST_TMPDIR/out" 2>&1 </dev/null || rc=$?
	output=$(cat "$BATS_TEST_TMPDIR/out")
	lines=()
	[ -z "$output" ] || mapfile -t lines <<<"$output"
	echo "$output"
	[ "$rc" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	local p
	for p in "$@"; do
		[[ "$output" == *"$p"* ]]
	done
	expect_no_leftovers ct1
}

@test "a missing executable is one line naming it, at create, with nothing left" {
	set_cmd /no/such/binary
	create_fails '/no/such/binary' 'no such file or directory'
	set_cmd nosuchcmd
	create_fails 'nosuchcmd' 'not found in $PATH'
	run_fails 'nosuchcmd' 'not found in $PATH'
	set_cmd /etc/passwd
	run_fails '/etc/passwd' 'permission denied'
}

@test "a bad cwd is one line naming it, at create, with nothing left" {
	update_config '.process.cwd = "/etc/passwd/dir"'
	create_fails 'process.cwd "/etc/passwd/dir": not a directory'
	run_fails 'process.cwd "/etc/passwd/dir": not a directory'
	# A dangling symlink is not followed to create its target (runc and
	# crun refuse it too), here one to a directory of the host's.
	mkdir "$BATS_TEST_TMPDIR/hostdir"
	ln -s "$BATS_TEST_TMPDIR/hostdir" "$BUNDLE/rootfs/escape"
	update_config '.process.cwd = "/escape/sub"'
	run_fails 'process.cwd "/escape/sub"'
	[ ! -e "$BATS_TEST_TMPDIR/hostdir/sub" ]
	[ ! -e "$BUNDLE/rootfs$BATS_TEST_TMPDIR/hostdir" ]
	update_config '.process.cwd = "relative"'
	run_fails 'cwd' 'relative'
}

@test "low NOFILE and FSIZE limits, set at create, do not break the init between create and start (runc, crun)" {
	# The init has its rlimits from create on: what it does after (the
	# wait for start, the exec) must fit in 5 fds and write no file.
	update_config '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 5, hard: 5},
		{type: "RLIMIT_FSIZE", soft: 1024, hard: 1024}]'
	set_cmd sh -c 'ulimit -n; grep "^Max file size" /proc/self/limits'
	rt create -b "$BUNDLE" ct1 >"$BATS_TEST_TMPDIR/out"
	pid=$(rt state ct1 | jq .pid)
	grep -E '^Max open files +5 +5 ' "/proc/$pid/limits"
	grep -E '^Max file size +1024 +1024 ' "/proc/$pid/limits"
	rt start ct1
	wait_status ct1 stopped
	cat "$BATS_TEST_TMPDIR/out"
	[ "$(sed -n 1p "$BATS_TEST_TMPDIR/out")" = 5 ]
	sed -n 2p "$BATS_TEST_TMPDIR/out" | grep -E '^Max file size +1024 +1024 '
	rt delete ct1
	# and a soft limit of 5 under a higher hard one, for run
	update_config '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 5, hard: 1024}]'
	set_cmd sh -c 'ulimit -n'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "$output" = 5 ]
	expect_no_leftovers ct1
}

@test "a missing cwd is made inside the rootfs before it turns read-only, through symlinks that stay inside (runc, crun)" {
	update_config '.root.readonly = true | .process.cwd = "/no/such/dir" | .process.user = {"uid": 1000, "gid": 1000}'
	set_cmd sh -c 'pwd; stat -c "%u %a" /no /no/such/dir; touch /x'
	run rt run -b "$BUNDLE" ct1
	echo "$output"
	[ "$status" -ne 0 ]
	[ "${lines[0]}" = /no/such/dir ]
	# root's, 0755, as runc and crun make it, whoever the process is
	[ "${lines[1]}" = "0 755" ]
	[ "${lines[2]}" = "0 755" ]
	[[ "${lines[3]}" == *"Read-only file system"* ]]
	[ -d "$BUNDLE/rootfs/no/such/dir" ]
	expect_no_leftovers ct1

	# A relative symlink climbing past / stays in the rootfs, as the
	# kernel resolves it in there.
	ln -s ../../../../../root "$BUNDLE/rootfs/up"
	update_config '.process.cwd = "/up/made"'
	set_cmd pwd
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "$output" = /root/made ]
	[ -d "$BUNDLE/rootfs/root/made" ]
	expect_no_leftovers ct1
}

@test "an impossible rlimit is one line naming it, at create, with nothing left" {
	# raising a hard limit needs CAP_SYS_RESOURCE, which nobody has here
	over=$(($(ulimit -Hn) + 1))
	update_config ".process.rlimits = [{type: \"RLIMIT_NOFILE\", soft: 10, hard: $over}]"
	create_fails 'RLIMIT_NOFILE' "$over" 'operation not permitted'
	run_fails 'RLIMIT_NOFILE' "$over" 'operation not permitted'
	update_config '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 20, hard: 10}]'
	run_fails 'RLIMIT_NOFILE'
	update_config '.process.rlimits = [{type: "RLIMIT_BOGUS", soft: 1, hard: 1}]'
	run_fails 'RLIMIT_BOGUS'
}

@test "capabilities the host cannot give fail create, in one line naming the step, with nothing left (as runc)" {
	# CAP_SYS_RESOURCE (24) is not in this host's bounding set
	(( (0x$(status_field "$(cat /proc/self/status)" CapBnd) >> 24) & 1 )) && skip "CAP_SYS_RESOURCE is in the bounding set"
	update_config '.process.capabilities |= with_entries(.value += ["CAP_SYS_RESOURCE"])'
	create_fails 'apply capabilities: capset' 'operation not permitted'
	run_fails 'apply capabilities: capset' 'operation not permitted'
	# a bounding set only drops: asking for it there alone is no error
	update_config '.process.capabilities = {bounding: ["CAP_KILL", "CAP_SYS_RESOURCE"], effective: ["CAP_KILL"], permitted: ["CAP_KILL"]}'
	set_cmd true
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	expect_no_leftovers ct1
}

@test "a created container's init already runs as its user, with its groups, capabilities and no_new_privs" {
	update_config '.process.user = {uid: 1000, gid: 1001, additionalGids: [5, 6]}
		| .process.noNewPrivileges = true
		| .process.capabilities = {bounding: ["CAP_KILL", "CAP_CHOWN"], effective: ["CAP_KILL"],
			permitted: ["CAP_KILL", "CAP_CHOWN"], inheritable: ["CAP_CHOWN"]}'
	set_cmd sh -c 'id'
	rt create -b "$BUNDLE" ct1 >"$BATS_TEST_TMPDIR/out"
	pid=$(rt state ct1 | jq .pid)
	st=$(cat "/proc/$pid/status")
	echo "$st"
	[[ "$st" == *$'Uid:\t1000\t1000\t1000\t1000'* ]]
	[[ "$st" == *$'Gid:\t1001\t1001\t1001\t1001'* ]]
	[[ "$st" == *$'Groups:\t5 6'* ]]
	[ "$(status_field "$st" CapBnd)" = "$(cap_mask CAP_KILL CAP_CHOWN)" ]
	[ "$(status_field "$st" CapPrm)" = "$(cap_mask CAP_KILL CAP_CHOWN)" ]
	[ "$(status_field "$st" CapEff)" = "$(cap_mask CAP_KILL)" ]
	[ "$(status_field "$st" CapInh)" = "$(cap_mask CAP_CHOWN)" ]
	[ "$(status_field "$st" NoNewPrivs)" = 1 ]
	# and still waits for start, still dies with a kill, as before
	[ "$(status ct1)" = created ]
	rt start ct1
	wait_status ct1 stopped
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = "uid=1000 gid=1001 groups=5,6" ]
	rt delete ct1
	expect_no_leftovers ct1
}

@test "process.execCPUAffinity: the final set is the process's affinity, for run and exec" {
	update_config '.process.execCPUAffinity = {"initial": "0-1", "final": "1"}'
	set_cmd sh -c 'grep Cpus_allowed_list /proc/self/status'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[[ "$output" == *"Cpus_allowed_list:"*"1" ]]
	[[ "$output" != *"0-1"* ]]
	update_config '.process.execCPUAffinity = null'
	set_cmd sleep 100
	rt run -d -b "$BUNDLE" ct1
	cat >"$BATS_TEST_TMPDIR/p.json" <<JSON
{"args": ["sh", "-c", "grep Cpus_allowed_list /proc/self/status"], "cwd": "/", "user": {"uid": 0, "gid": 0},
 "env": ["PATH=/bin"], "execCPUAffinity": {"final": "0"}}
JSON
	run rt exec --process "$BATS_TEST_TMPDIR/p.json" ct1
	[ "$status" -eq 0 ]
	[[ "$output" == *"Cpus_allowed_list:"*"0" ]]
	run rt exec ct1 grep Cpus_allowed_list /proc/self/status
	[[ "$output" == *"0-1" ]]
	rt delete -f ct1
}

# online_cpus: the host's online CPUs as the kernel lists them.
online_cpus() {
	cat /sys/devices/system/cpu/online
}

@test "the caller's CPU affinity is not inherited: every CPU, or the cpuset's, for run and exec" {
	[ "$(online_cpus)" = 0-1 ] || skip "needs exactly CPUs 0-1 online"
	set_cmd grep Cpus_allowed_list: /proc/self/status
	run taskset -c 0 "$RT_BIN" --root "$ROOT" run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "$output" = $'Cpus_allowed_list:\t0-1' ]
	update_config '.linux.resources.cpu = {cpus: "1", mems: "0"}'
	run taskset -c 0 "$RT_BIN" --root "$ROOT" run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "$output" = $'Cpus_allowed_list:\t1' ]
	update_config '.linux.resources.cpu = {cpus: "0-1", mems: "0"}'
	set_cmd sleep 100
	taskset -c 0 "$RT_BIN" --root "$ROOT" run -d -b "$BUNDLE" ct1
	grep -q $'Cpus_allowed_list:\t0-1' "/proc/$(rt state ct1 | jq .pid)/status"
	run taskset -c 1 "$RT_BIN" --root "$ROOT" exec ct1 grep Cpus_allowed_list: /proc/self/status
	[ "$status" -eq 0 ]
	[ "$output" = $'Cpus_allowed_list:\t0-1' ]
	# an initial affinity alone is kept
	cat >"$BATS_TEST_TMPDIR/p.json" <<JSON
{"args": ["grep", "Cpus_allowed_list:", "/proc/self/status"], "cwd": "/", "env": ["PATH=/bin"], "execCPUAffinity": {"initial": "1"}}
JSON
	run rt exec --process "$BATS_TEST_TMPDIR/p.json" ct1
	[ "$status" -eq 0 ]
	[ "$output" = $'Cpus_allowed_list:\t1' ]
	# The initial affinity holds before the cgroup join (CPU 1: mask 0x2),
	# as --debug reports in runc's words.
	run rt --debug exec --process "$BATS_TEST_TMPDIR/p.json" ct1
	[ "$status" -eq 0 ]
	[[ "$output" == *"nsexec: affinity: 0x2"* ]]
	rt delete -f ct1
}

@test "SCHED_DEADLINE with a cpuset that leaves out CPUs is refused in runc's words, with nothing left" {
	[ "$(online_cpus)" = 0-1 ] || skip "needs exactly CPUs 0-1 online"
	update_config '.linux.resources.cpu = {cpus: "0", mems: "0"}
		| .process.scheduler = {policy: "SCHED_DEADLINE", nice: 19, runtime: 42000, deadline: 1000000, period: 1000000}'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"set scheduler SCHED_DEADLINE: process scheduler can't be used together with AllowedCPUs"*"operation not permitted" ]]
	expect_no_leftovers ct1
	# with every CPU it is allowed, also under a narrowed caller
	update_config '.linux.resources.cpu = {cpus: "0-1", mems: "0"}'
	set_cmd sh -c 'grep -E "^policy" /proc/self/sched'
	run taskset -c 0 "$RT_BIN" --root "$ROOT" run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[[ "$output" == *" 6" ]]
}

@test "the process starts with no signal caught, the caller's mask, and the signals rt handles at their default (run, create+start, exec)" {
	# The child resets the handlers rt's Go runtime installed and restores
	# the mask that Go's fork hook blocked (libct/child resetSignals): a
	# process left with signals blocked would never see a TERM. The mask is
	# the caller's, as a Go program's child gets it (as runc); the signals
	# Go always handles go back to their default even if the caller
	# ignored them (as runc). HUP and INT are left out: Go keeps a
	# caller's SIG_IGN of those where rt does not catch them.
	local ign=--ignore-signal=HUP,INT,QUIT,USR1,PIPE,TERM,WINCH f out blk
	blk=$(status_field "$(env "$ign" grep -E '^Sig' /proc/self/status)" SigBlk)
	# check_sigs OUTPUT: SigCgt none, SigBlk the caller's, none of QUIT,
	# USR1, PIPE, TERM, WINCH (3 10 13 15 28) in SigIgn.
	check_sigs() {
		echo "$1"
		[ "$(status_field "$1" SigCgt)" = 0000000000000000 ]
		[ "$(status_field "$1" SigBlk)" = "$blk" ]
		local i
		i=0x$(status_field "$1" SigIgn)
		[ $((i & (1 << 2 | 1 << 9 | 1 << 12 | 1 << 14 | 1 << 27))) -eq 0 ]
	}
	set_cmd grep -E '^Sig(Blk|Ign|Cgt)' /proc/self/status
	run env "$ign" "$RT_BIN" --root "$ROOT" run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	check_sigs "$output"

	env "$ign" "$RT_BIN" --root "$ROOT" create -b "$BUNDLE" ct2 </dev/null >"$BATS_TEST_TMPDIR/out"
	rt start ct2
	wait_status ct2 stopped
	rt delete ct2
	check_sigs "$(cat "$BATS_TEST_TMPDIR/out")"

	set_cmd sleep 100
	rt run -d -b "$BUNDLE" ct3 </dev/null >/dev/null
	run env "$ign" "$RT_BIN" --root "$ROOT" exec ct3 grep -E '^Sig(Blk|Ign|Cgt)' /proc/self/status
	[ "$status" -eq 0 ]
	check_sigs "$output"
	rt delete -f ct3
}
