#!/usr/bin/env bats
# The command line as runc's callers see it: exit codes, --debug and
# --log output, help and version, list and kill corner cases.

load helpers

setup() { setup_rt; }
teardown() { teardown_rt; }

@test "cli: exec exits with the process's status, and 255 when it fails itself" {
	set_cmd sleep 100
	rt run -d -b "$BUNDLE" ct1
	run rt exec ct1 false
	[ "$status" -eq 1 ]
	run rt exec ct1 sh -c 'exit 42'
	[ "$status" -eq 42 ]
	run rt exec ct1 sh -c 'kill -9 $$'
	[ "$status" -eq 137 ]
	run rt exec --pid-file /non-existent/directory ct1 true
	echo "$output"
	[ "$status" -eq 255 ]
	[[ "$output" == "rt: "*"/non-existent/directory"* ]]
	run rt exec ct1 no-such-binary
	echo "$output"
	[ "$status" -eq 255 ]
	[[ "$output" == *"executable file not found"* ]]
	run rt exec no_such_container true
	[ "$status" -eq 255 ]
	# other commands still exit 1
	run rt start no_such_container
	[ "$status" -eq 1 ]
	rt delete -f ct1
	expect_no_leftovers ct1
}

@test "cli: --debug logs the init protocol in logfmt on stderr, errors stay plain" {
	set_cmd echo hello
	run rt --debug run -b "$BUNDLE" ct1
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *'level=debug msg="nsexec container setup'* ]]
	[[ "$output" == *'level=debug msg="child process in init()'* ]]
	[[ "$output" == *'level=debug msg="init: closing the pipe to signal completion'* ]]
	[[ "$output" == *hello* ]]
	# without --debug: nothing but the process's output
	run rt run -b "$BUNDLE" ct1
	[ "$output" = hello ]
	run rt --debug state no_such_container
	[ "$status" -eq 1 ]
	[[ "$output" == "rt: "*no_such_container* ]]
	expect_no_leftovers ct1
}

@test "cli: --debug --log writes debug lines to the log only, in text or json" {
	set_cmd echo hello
	for fmt in default text json; do
		local log="$BATS_TEST_TMPDIR/log.$fmt" args=()
		[ "$fmt" = default ] || args=(--log-format "$fmt")
		run rt --debug --log "$log" "${args[@]}" run -b "$BUNDLE" ct1
		echo "$fmt: $output"
		[ "$status" -eq 0 ]
		[ "$output" = hello ]
		cat "$log"
		if [ "$fmt" = json ]; then
			# every line is a JSON object with level, msg and time (containerd reads them)
			jq -e -s 'length > 2 and all(.[]; has("level") and has("msg") and has("time"))' "$log"
			jq -e -s 'any(.[]; .level == "debug" and (.msg | startswith("child process in init()")))' "$log"
		else
			grep -q 'level=debug msg="nsexec container setup' "$log"
			grep -q 'level=debug msg="init: closing the pipe to signal completion' "$log"
		fi
	done
	# an exec says where it is too
	set_cmd sleep 100
	rt run -d -b "$BUNDLE" ct1
	run rt --debug exec ct1 true
	[ "$status" -eq 0 ]
	[[ "$output" == *'msg="child process in init()'* ]]
	[[ "$output" == *'msg="setns_init: about to exec"'* ]]
	# and a failure goes to the log and to stderr
	run rt --log "$BATS_TEST_TMPDIR/log.err" --log-format json exec ct1 no-such-binary
	[ "$status" -eq 255 ]
	[[ "$output" == "rt: "*"executable file not found"* ]]
	jq -e -s 'any(.[]; .level == "error" and (.msg | contains("executable file not found")))' "$BATS_TEST_TMPDIR/log.err"
	rt delete -f ct1
	expect_no_leftovers ct1
}

@test "cli: every command has help" {
	# (checkpoint and restore come with the checkpoint work)
	for cmd in create delete events exec kill list pause ps resume run spec start state update features; do
		for arg in -h --help; do
			run "$RT_BIN" "$cmd" "$arg"
			[ "$status" -eq 0 ]
			[ "${lines[0]}" = "NAME:" ]
			[[ "${lines[1]}" == "   rt $cmd - "* ]]
		done
	done
	run "$RT_BIN" foo -h
	[ "$status" -ne 0 ]
	[[ "$output" == *"No help topic for 'foo'"* ]]
}

@test "cli: version names the commit, the runtime-spec and libseccomp" {
	run "$RT_BIN" --version
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^rt\ version\ [0-9]+\.[0-9]+\.[0-9]+ ]]
	[[ "${lines[1]}" =~ ^commit:\ [0-9a-f]+$ ]]
	[[ "${lines[2]}" =~ ^spec:\ [0-9]+\.[0-9]+\.[0-9]+ ]]
	[[ "${lines[4]}" =~ ^libseccomp:\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
	run "$RT_BIN" -v
	[[ "${lines[0]}" =~ ^rt\ version ]]
}

@test "cli: list fails for a --root that does not exist, not for an empty one" {
	run "$RT_BIN" --root "$BATS_TEST_TMPDIR/no-such-root" list
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"no-such-root"*"no such file or directory"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/no-such-root" ]
	mkdir -p "$ROOT"
	run rt list -q
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
}

@test "cli: kill with signal 0 checks the container is running" {
	set_cmd sleep 100
	rt run -d -b "$BUNDLE" ct1
	rt kill ct1 0
	[ "$(status ct1)" = running ]
	rt kill ct1 KILL
	wait_status ct1 stopped
	run rt kill ct1 0
	[ "$status" -ne 0 ]
	[[ "$output" == *"not running"* ]]
	# --all on a stopped container has nothing to do and is no error
	rt kill -a ct1 0
	rt kill --all ct1 KILL
	rt delete ct1
	expect_no_leftovers ct1
}

@test "cli: rt's runtime monitor thread (sysmon) sleeps with 1 ms of timer slack, its main thread with the default" {
	# A foreground run stays up while its container sleeps.
	set_cmd sleep 100
	"$RT_BIN" --root "$ROOT" run -b "$BUNDLE" ct1 </dev/null >/dev/null 2>&1 &
	local rtpid=$! tids
	wait_status ct1 running
	# The kernel lists the threads in creation order; the Go runtime
	# starts sysmon first.
	tids=($(ls -U /proc/$rtpid/task))
	[ "${tids[0]}" = "$rtpid" ]
	echo "threads: ${tids[*]}; sysmon $(cat /proc/${tids[1]}/timerslack_ns)"
	[ "$(cat /proc/${tids[1]}/timerslack_ns)" = 1000000 ]
	[ "$(cat /proc/$rtpid/timerslack_ns)" != 1000000 ]
	rt kill ct1 KILL
	# the foreground run deletes the container once its process is gone
	local rc=0
	wait "$rtpid" || rc=$?
	[ "$rc" -eq 137 ]
	run rt state ct1
	[ "$status" -ne 0 ]
}

@test "features: AppArmor and SELinux as built in, whatever the host has on (the spec's meaning, runc's answer); tmpcopyup among the mount options" {
	run rt features
	[ "$status" -eq 0 ]
	jq -e '.linux.apparmor.enabled and .linux.selinux.enabled and .linux.cgroup.systemdUser' <<<"$output"
	jq -e '.mountOptions | index("tmpcopyup") != null' <<<"$output"
	jq -e '.linux.intelRdt.enabled == false' <<<"$output"
	jq -e '.annotations["io.github.seccomp.libseccomp.version"] | test("^[0-9]+\\.[0-9]+")' <<<"$output"
}
