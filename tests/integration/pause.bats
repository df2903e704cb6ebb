#!/usr/bin/env bats
# pause and resume freeze and thaw the container's cgroup; state, list,
# exec, kill and delete respect a paused container.

load helpers

setup() {
	setup_rt
	set_cmd sleep 1000
}

teardown() { teardown_rt; }

freezer_state() {
	cat "/sys/fs/cgroup/freezer$CG_PARENT/ct/freezer.state"
}

@test "pause freezes every process, resume thaws them; state and list follow" {
	rt run -d -b "$BUNDLE" ct
	rt exec -d ct sleep 1000
	rt pause ct
	[ "$(freezer_state)" = FROZEN ]
	[ "$(status ct)" = paused ]
	[ "$(rt list -f json | jq -r '.[0].status')" = paused ]
	rt list | grep -q ' paused '
	rt resume ct
	[ "$(freezer_state)" = THAWED ]
	[ "$(status ct)" = running ]
	# the processes run again: a new exec completes
	run rt exec ct echo alive
	[ "$output" = alive ]
	rt delete -f ct
	expect_no_leftovers ct
}

@test "pause and resume refuse the wrong states" {
	rt run -d -b "$BUNDLE" ct
	run rt resume ct
	[ "$status" -ne 0 ]
	[[ "$output" == *"not paused"* ]]
	rt pause ct
	run rt pause ct
	[ "$status" -ne 0 ]
	[[ "$output" == *"already paused"* ]]
	run rt pause nosuch
	[ "$status" -ne 0 ]
	[[ "$output" == *"does not exist"* ]]
	rt resume ct
	rt kill ct KILL
	wait_status ct stopped
	run rt pause ct
	[ "$status" -ne 0 ]
	[[ "$output" == *stopped* ]]
	rt delete ct
}

@test "exec into a paused container is an error and runs nothing" {
	rt run -d -b "$BUNDLE" ct
	rt pause ct
	run rt exec ct touch /tmp/ran
	[ "$status" -ne 0 ]
	[[ "$output" == *paused* ]]
	rt resume ct
	run rt exec ct ls /tmp/ran
	[ "$status" -ne 0 ]
	rt delete -f ct
}

@test "kill KILL stops a paused container" {
	rt run -d -b "$BUNDLE" ct
	rt exec -d ct sleep 1000
	rt pause ct
	rt kill ct KILL
	wait_status ct stopped
	rt delete ct
	expect_no_leftovers ct
}

@test "kill --all KILL stops a paused container" {
	rt run -d -b "$BUNDLE" ct
	rt pause ct
	rt kill --all ct KILL
	wait_status ct stopped
	rt delete ct
	expect_no_leftovers ct
}

@test "delete --force removes a paused container" {
	rt run -d -b "$BUNDLE" ct
	rt exec -d ct sleep 1000
	pid=$(rt state ct | jq -r .pid)
	rt pause ct
	run rt delete ct
	[ "$status" -ne 0 ]
	[[ "$output" == *paused* ]]
	rt delete --force ct
	expect_no_leftovers ct
	! kill -0 "$pid" 2>/dev/null || grep -q '^State:.*Z' /proc/$pid/status
}

@test "a created container can be paused: start waits for resume" {
	rt create -b "$BUNDLE" ct
	rt pause ct
	[ "$(status ct)" = paused ]
	run rt start ct
	[ "$status" -ne 0 ]
	[[ "$output" == *paused* ]]
	rt resume ct
	[ "$(status ct)" = created ]
	rt start ct
	[ "$(status ct)" = running ]
	rt delete -f ct
	expect_no_leftovers ct
}
