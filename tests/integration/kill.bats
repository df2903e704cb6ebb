#!/usr/bin/env bats
# rt kill and delete: every process of a container without its own pid
# namespace is killed, also once its init is gone; runc's answers for
# finished and missing containers.

load helpers

setup() {
	setup_rt
	set_cmd sleep 1000
}

teardown() { teardown_rt; }

# host_pidns_ct: a running container in the host's pid namespace with
# five more sleeps; sets pids to the processes of its cgroup. (Not run in
# a command substitution: the sleeps would hold its pipe open.)
host_pidns_ct() {
	update_config '.linux.namespaces -= [{"type": "pid"}]'
	rt run -d -b "$BUNDLE" ct
	for _ in 1 2 3 4 5; do
		rt exec -d ct sleep 1001
	done
	mapfile -t pids <"/sys/fs/cgroup/pids$CG_PARENT/ct/cgroup.procs"
}

# gone PID...: every pid is gone or a zombie (PID 1 here reaps late).
gone() {
	local p s
	for p in "$@"; do
		s=$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null) || continue
		[ "$s" = Z ] || return 1
	done
}

@test "kill KILL without a pid namespace kills every process of the cgroup" {
	host_pidns_ct
	[ "${#pids[@]}" -eq 6 ]
	rt kill ct KILL
	retry=0
	until gone "${pids[@]}"; do
		retry=$((retry + 1))
		[ "$retry" -lt 50 ] || { echo "still alive: ${pids[*]}" >&2; return 1; }
		sleep 0.1
	done
	[ "$(status ct)" = stopped ]
	[ -z "$(cat "/sys/fs/cgroup/pids$CG_PARENT/ct/cgroup.procs")" ]
	rt delete ct
	expect_no_leftovers ct
}

@test "kill KILL without a pid namespace, init gone: the others are killed" {
	host_pidns_ct
	init=$(rt state ct | jq -r .pid)
	[ "$init" -gt 1 ]
	kill -9 "$init"
	until gone "$init"; do sleep 0.1; done
	[ "$(status ct)" = stopped ]
	# the rest still runs
	for p in "${pids[@]}"; do
		[ "$p" = "$init" ] || kill -0 "$p"
	done
	rt kill ct KILL
	retry=0
	until gone "${pids[@]}"; do
		retry=$((retry + 1))
		[ "$retry" -lt 50 ] || { echo "still alive: ${pids[*]}" >&2; return 1; }
		sleep 0.1
	done
	[ -z "$(cat "/sys/fs/cgroup/pids$CG_PARENT/ct/cgroup.procs")" ]
	rt delete ct
	expect_no_leftovers ct
}

@test "kill of a stopped container: container not running; with -a no error" {
	set_cmd true
	rt run -d -b "$BUNDLE" ct
	wait_status ct stopped
	run rt kill ct 0
	[ "$status" -ne 0 ]
	[[ "$output" == *"container not running"* ]]
	run rt kill ct KILL
	[ "$status" -ne 0 ]
	[[ "$output" == *"container not running"* ]]
	rt kill -a ct 0
	rt kill -a ct KILL
	rt delete ct
}

@test "kill 0 of a running container succeeds and changes nothing" {
	rt run -d -b "$BUNDLE" ct
	rt kill ct 0
	[ "$(status ct)" = running ]
	rt delete -f ct
}

@test "delete --force of a container that does not exist is not an error" {
	rt delete --force nosuch
	rt delete -f nosuch
	run rt delete nosuch
	[ "$status" -ne 0 ]
	[[ "$output" == *"does not exist"* ]]
	# a bad ID is still refused
	run rt delete --force ../x
	[ "$status" -ne 0 ]
}
