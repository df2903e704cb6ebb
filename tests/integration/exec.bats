#!/usr/bin/env bats
# rt exec: a new process in a running container, in every one of its
# namespaces and its cgroup, with the command line's changes to the
# container's process.

load helpers

setup() {
	setup_rt
	set_cmd sleep 100
}
teardown() { teardown_rt; }

# ns_of PID: its namespaces, one "name inode" a line.
ns_of() {
	local n
	for n in /proc/$1/ns/*; do
		echo "${n##*/} $(readlink "$n")"
	done
}

# exec_d ARGS...: exec -d with a pid file; sets EPID.
exec_d() {
	rt exec -d --pid-file "$BATS_TEST_TMPDIR/epid" ct1 "$@"
	EPID=$(cat "$BATS_TEST_TMPDIR/epid")
}

@test "exec joins every namespace and the cgroup of the container" {
	update_config '.linux.namespaces += [{type: "time"}]'
	rt run -d -b "$BUNDLE" ct1
	pid=$(rt state ct1 | jq .pid)
	exec_d sleep 100
	grep -q sleep "/proc/$EPID/cmdline"
	[ "$(ns_of "$EPID")" = "$(ns_of "$pid")" ]
	# and they are not the host's
	for t in mnt pid net ipc uts cgroup time; do
		[ "$(readlink /proc/$EPID/ns/$t)" != "$(readlink /proc/self/ns/$t)" ]
	done
	diff "/proc/$pid/cgroup" "/proc/$EPID/cgroup"
	grep -q "$CG_PARENT/ct" "/proc/$EPID/cgroup"
	# pid 1 of the container is the init; the exec'd process has its own pid in there
	run rt exec ct1 sh -c 'cat /proc/1/cmdline; echo; hostname'
	[ "$output" = "$(printf 'sleep100\nrt-demo')" ]
	rt delete -f ct1
	! kill -0 "$EPID" 2>/dev/null || grep -q '^State:.*Z' /proc/$EPID/status
}

@test "the output, stdin and exit code pass through; a signal death is 128+n" {
	rt run -d -b "$BUNDLE" ct1
	run rt exec ct1 sh -c 'echo out; echo err >&2; exit 42'
	[ "$status" -eq 42 ]
	[ "$output" = "$(printf 'out\nerr')" ]
	run bash -c 'echo piped-in | "$0" --root "$1" exec ct1 cat' "$RT_BIN" "$ROOT"
	[ "$output" = piped-in ]
	run rt exec ct1 sh -c 'kill -9 $$'
	[ "$status" -eq 137 ]
	run rt exec ct1 -- sh -c 'echo after dashes'
	[ "$output" = "after dashes" ]
	rt delete -f ct1
}

@test "exec --cwd and --env change the container's process settings" {
	update_config '.process.env += ["FROM_CONFIG=1", "OVERRIDE=config"]'
	rt run -d -b "$BUNDLE" ct1
	run rt exec --cwd /tmp --env OVERRIDE=exec --env NEW=yes ct1 sh -c 'pwd; echo $FROM_CONFIG $OVERRIDE $NEW; env | grep -c ^OVERRIDE='
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '/tmp\n1 exec yes\n1')" ]
	# the defaults come from config.json
	run rt exec ct1 sh -c 'pwd; echo $OVERRIDE'
	[ "$output" = "$(printf '/\nconfig')" ]
	run rt exec --cwd /no/such ct1 true
	[ "$status" -ne 0 ]
	[[ "$output" == *"/no/such"* ]]
	rt delete -f ct1
}

@test "exec's repeatable flags mix their long and short forms (as runc and crun)" {
	rt run -d -b "$BUNDLE" ct1
	# The last of a name wins, whichever form set it.
	run rt exec --env A=1 -e B=2 --env C=3 -e C=4 --env B=5 ct1 sh -c 'echo $A $B $C'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "1 5 4" ]
	run rt exec -u 1000 --additional-gids 5 -g 6 --additional-gids 7 ct1 id
	echo "$output"
	[ "$output" = "uid=1000 gid=0(root) groups=5,6,7" ]
	# CAP_SYS_PTRACE is bit 19, CAP_SYS_ADMIN bit 21
	run rt exec --cap CAP_SYS_PTRACE -c CAP_SYS_ADMIN ct1 grep CapBnd /proc/self/status
	echo "$output"
	[ "$output" = $'CapBnd:\t0000000020280420' ]
	rt delete -f ct1
}

@test "exec --user uid:gid and --additional-gids; -u 1 means uid 1" {
	rt run -d -b "$BUNDLE" ct1
	run rt exec --user 1000:1001 -g 5 -g 6 ct1 id
	[ "$output" = "uid=1000 gid=1001 groups=5,6" ]
	# crun CVE-2026-30892 ran "-u 1" as root
	run rt exec -u 1 ct1 grep -E '^(Uid|Gid):' /proc/self/status
	[ "$output" = "$(printf 'Uid:\t1\t1\t1\t1\nGid:\t0\t0\t0\t0')" ]
	run rt exec -u 0:1 ct1 id -u
	[ "$output" = 0 ]
	run rt exec -u nobody:x ct1 id
	[ "$status" -ne 0 ]
	run rt exec -g notanumber ct1 id
	[ "$status" -ne 0 ]
	[[ "$output" == *notanumber* ]]
	rt delete -f ct1
}

@test "exec of a non-root user keeps no capabilities; --cap adds one" {
	rt run -d -b "$BUNDLE" ct1
	run rt exec -u 1000 ct1 grep CapEff /proc/self/status
	[ "$output" = $'CapEff:\t0000000000000000' ]
	run rt exec ct1 grep CapBnd /proc/self/status
	[ "$output" = $'CapBnd:\t0000000020000420' ]
	# CAP_SYS_ADMIN is bit 21
	run rt exec --cap CAP_SYS_ADMIN ct1 sh -c 'grep -E "^Cap(Bnd|Eff)" /proc/self/status; hostname changed && hostname'
	[ "$output" = "$(printf 'CapEff:\t0000000020200420\nCapBnd:\t0000000020200420\nchanged')" ]
	# without it the same call is refused
	run rt exec ct1 hostname again
	[ "$status" -ne 0 ]
	run rt exec --cap CAP_NOT_A_CAP ct1 true
	[ "$status" -ne 0 ]
	[[ "$output" == *CAP_NOT_A_CAP* ]]
	rt delete -f ct1
}

@test "exec --no-new-privs sets no_new_privs where the config does not" {
	update_config '.process.noNewPrivileges = false'
	rt run -d -b "$BUNDLE" ct1
	run rt exec ct1 grep NoNewPrivs /proc/self/status
	[ "$output" = $'NoNewPrivs:\t0' ]
	run rt exec --no-new-privs ct1 grep NoNewPrivs /proc/self/status
	[ "$output" = $'NoNewPrivs:\t1' ]
	rt delete -f ct1
}

@test "exec --process runs a runtime-spec Process from a file, ignoring the other flags" {
	rt run -d -b "$BUNDLE" ct1
	cat >"$BATS_TEST_TMPDIR/process.json" <<-'EOF'
		{
			"args": ["sh", "-c", "id; pwd; echo $ONLY; grep -E '^(NoNewPrivs|CapEff)' /proc/self/status; ulimit -n"],
			"env": ["ONLY=from-file", "PATH=/bin"],
			"cwd": "/dev",
			"user": {"uid": 7, "gid": 8, "additionalGids": [9]},
			"noNewPrivileges": true,
			"capabilities": {"bounding": ["CAP_KILL"], "effective": [], "permitted": []},
			"rlimits": [{"type": "RLIMIT_NOFILE", "soft": 77, "hard": 77}]
		}
	EOF
	run rt exec --process "$BATS_TEST_TMPDIR/process.json" --cwd /tmp ct1
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'uid=7 gid=8 groups=9\n/dev\nfrom-file\nCapEff:\t0000000000000000\nNoNewPrivs:\t1\n77')" ]
	echo '{"args": []}' >"$BATS_TEST_TMPDIR/empty.json"
	run rt exec --process "$BATS_TEST_TMPDIR/empty.json" ct1
	[ "$status" -ne 0 ]
	[[ "$output" == *args* ]]
	echo '{not json' >"$BATS_TEST_TMPDIR/bad.json"
	run rt exec --process "$BATS_TEST_TMPDIR/bad.json" ct1
	[ "$status" -ne 0 ]
	[[ "$output" == *bad.json* ]]
	rt delete -f ct1
}

@test "exec --process without capabilities gets the container's, never rt's own (runc, crun)" {
	rt run -d -b "$BUNDLE" ct1
	echo '{"args": ["/bin/grep", "-E", "^Cap(Prm|Eff|Bnd)", "/proc/self/status"], "cwd": "/"}' >"$BATS_TEST_TMPDIR/process.json"
	run rt exec --process "$BATS_TEST_TMPDIR/process.json" ct1
	echo "$output"
	[ "$status" -eq 0 ]
	pid=$(rt state ct1 | jq .pid)
	[ "$output" = "$(grep -E '^Cap(Prm|Eff|Bnd)' /proc/"$pid"/status)" ]
	# The container's are not everything: the check could not pass on a
	# process that kept rt's.
	[[ "$output" != *000001ff* ]]
	rt delete -f ct1
}

@test "exec -d returns at once and --pid-file names the running process" {
	rt run -d -b "$BUNDLE" ct1
	exec_d sh -c 'echo started >/tmp/marker; exec sleep 100'
	[ "$(tr '\0' ' ' </proc/$EPID/cmdline)" = "sleep 100 " ]
	# the pid is the host's view of it; inside it has another
	grep -E "^NSpid:\s+$EPID\s+[0-9]+$" /proc/$EPID/status
	run rt exec ct1 sh -c 'while [ ! -e /tmp/marker ]; do sleep 0.1; done; cat /tmp/marker'
	[ "$output" = started ]
	rt delete -f ct1
	! kill -0 "$EPID" 2>/dev/null || grep -q '^State:.*Z' /proc/$EPID/status
}

@test "exec works in a created container and fails in a stopped one" {
	rt create -b "$BUNDLE" ct1
	run rt exec ct1 echo in created
	[ "$status" -eq 0 ]
	[ "$output" = "in created" ]
	rt start ct1
	rt kill ct1 KILL
	wait_status ct1 stopped
	run rt exec ct1 echo never
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *stopped* ]]
	rt delete ct1
	run rt exec ct1 echo never
	[ "$status" -ne 0 ]
	[[ "$output" == *"does not exist"* ]]
	run rt exec ct1
	[ "$status" -ne 0 ]
}

@test "a failing exec is one line and leaves the container running" {
	rt run -d -b "$BUNDLE" ct1
	run rt exec ct1 /no/such/binary
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"/no/such/binary"*"no such file or directory"* ]]
	[ "$(status ct1)" = running ]
	# nothing but the init is left in the cgroup
	[ "$(wc -l <"/sys/fs/cgroup/pids$CG_PARENT/ct/cgroup.procs")" -eq 1 ]
	rt delete -f ct1
}

@test "exec into a container with a user namespace" {
	update_config '.linux.namespaces += [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .mounts |= map(select(.destination != "/sys"))'
	# the mapped root must reach its rootfs
	local d="$BUNDLE"
	while [ "$d" != / ]; do
		chmod o+x "$d"
		d=$(dirname "$d")
	done
	rt run -d -b "$BUNDLE" ct1
	pid=$(rt state ct1 | jq .pid)
	run rt exec ct1 sh -c 'id; cat /proc/self/uid_map'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "uid=0(root) gid=0(root)" ]
	[[ "${lines[1]}" =~ ^\ +0\ +100000\ +65536$ ]]
	rt exec -d -u 1000 --pid-file "$BATS_TEST_TMPDIR/epid" ct1 sleep 100
	EPID=$(cat "$BATS_TEST_TMPDIR/epid")
	[ "$(ns_of "$EPID")" = "$(ns_of "$pid")" ]
	# seen from the host the exec'd process runs as the mapped ids
	grep -E '^Uid:\s+101000\s' /proc/$EPID/status
	grep -E '^Gid:\s+100000\s' /proc/$EPID/status
	rt delete -f ct1
}

@test "exec, kill and delete work on a container in rt run's foreground" {
	set_cmd sh -c 'trap "exit 0" TERM; sleep 100 & wait'
	rt run -b "$BUNDLE" ct1 >"$BATS_TEST_TMPDIR/run.out" 2>&1 &
	run_pid=$!
	wait_status ct1 running
	# timeout only guards against a hang on the container's lock
	run timeout 10 "$RT_BIN" --root "$ROOT" exec ct1 echo in
	[ "$output" = in ]
	wait_caught ct1 15
	run timeout 10 "$RT_BIN" --root "$ROOT" kill ct1 TERM
	[ "$status" -eq 0 ]
	wait "$run_pid"
	expect_no_leftovers ct1
	# delete -f from elsewhere: run reports the kill and finds nothing to delete
	rt run -b "$BUNDLE" ct1 >"$BATS_TEST_TMPDIR/run.out" 2>&1 &
	run_pid=$!
	wait_status ct1 running
	run timeout 10 "$RT_BIN" --root "$ROOT" delete -f ct1
	[ "$status" -eq 0 ]
	rc=0
	wait "$run_pid" || rc=$?
	[ "$rc" -eq 137 ]
	[ ! -s "$BATS_TEST_TMPDIR/run.out" ]
	expect_no_leftovers ct1
}

@test "a foreground exec forwards signals to its process" {
	rt run -d -b "$BUNDLE" ct1
	out="$BATS_TEST_TMPDIR/out"
	"$RT_BIN" --root "$ROOT" exec ct1 sh -c 'trap "echo got USR1" USR1; trap "echo got TERM; exit 7" TERM; echo ready; while :; do sleep 0.05; done' >"$out" 2>&1 &
	pid=$!
	wait_line "$out" ready
	kill -s USR1 "$pid"
	wait_line "$out" "got USR1"
	kill -s TERM "$pid"
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 7 ]
	wait_line "$out" "got TERM"
	rt delete -f ct1
	expect_no_leftovers ct1
}
