#!/usr/bin/env bats
# rt ps: host ps output filtered to the container's processes, or the
# pids as JSON.

load helpers

setup() {
	setup_rt
	set_cmd sleep 1000
}

teardown() { teardown_rt; }

@test "ps shows ps -ef's header and exactly the container's processes" {
	rt run -d -b "$BUNDLE" ct
	rt exec -d --pid-file "$BATS_TEST_TMPDIR/p" ct sleep 999
	init=$(rt state ct | jq -r .pid)
	exec_pid=$(cat "$BATS_TEST_TMPDIR/p")
	run rt ps ct
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == UID*PID*PPID*CMD ]]
	[ "${#lines[@]}" -eq 3 ]
	# the PID column (2nd of ps -ef) holds exactly the two pids
	pids=$(printf '%s\n' "${lines[@]:1}" | awk '{print $2}' | sort -n | tr '\n' ' ')
	[ "$pids" = "$(printf '%s\n' "$init" "$exec_pid" | sort -n | tr '\n' ' ')" ]
	[[ "$output" == *"sleep 999"* ]]
	rt delete -f ct
	expect_no_leftovers ct
}

@test "ps passes its options to ps and finds the PID column anywhere" {
	rt run -d -b "$BUNDLE" ct
	init=$(rt state ct | jq -r .pid)
	run rt ps ct -o comm,pid
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *COMMAND*PID* ]]
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[1]}" =~ ^sleep\ +$init$ ]]
	# without a PID column rt cannot filter
	run rt ps ct -o comm
	[ "$status" -ne 0 ]
	[[ "$output" == *PID* ]]
	rt delete -f ct
}

@test "ps --format json prints the pids of the cgroup" {
	rt run -d -b "$BUNDLE" ct
	rt exec -d ct sleep 999
	run rt ps --format json ct
	[ "$status" -eq 0 ]
	got=$(echo "$output" | jq -c 'sort')
	want=$(sort -n "/sys/fs/cgroup/pids$CG_PARENT/ct/cgroup.procs" | jq -s -c .)
	[ "$got" = "$want" ]
	[ "$(echo "$got" | jq length)" -eq 2 ]
	run rt ps -f yaml ct
	[ "$status" -ne 0 ]
	rt delete -f ct
}

@test "ps of a stopped container lists nothing; of an unknown one fails" {
	set_cmd true
	rt run -d -b "$BUNDLE" ct
	wait_status ct stopped
	# the exited init can stay a zombie for a while: wait for the cgroup
	for i in $(seq 100); do
		[ -z "$(cat /sys/fs/cgroup/pids$CG_PARENT/ct/cgroup.procs)" ] && break
		sleep 0.1
	done
	run rt ps -f json ct
	[ "$status" -eq 0 ]
	[ "$output" = "[]" ]
	run rt ps nosuch
	[ "$status" -ne 0 ]
	[[ "$output" == *"does not exist"* ]]
	rt delete ct
	expect_no_leftovers ct
}
