#!/usr/bin/env bats
# rt events: one stats snapshot, a stats stream that ends with the
# container, and OOM kills reported from the memory cgroup.

load helpers

setup() {
	setup_rt
	set_cmd sleep 1000
	update_config '.linux.resources = {"memory": {"limit": 33554432, "swap": 33554432}, "pids": {"limit": 50}}'
}

teardown() { teardown_rt; }

@test "events --stats prints one stats event with the cgroup's numbers" {
	rt run -d -b "$BUNDLE" ct
	rt exec -d ct sleep 1000
	run rt events --stats ct
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	e=$output
	[ "$(echo "$e" | jq -r .type)" = stats ]
	[ "$(echo "$e" | jq -r .id)" = ct ]
	[ "$(echo "$e" | jq .data.memory.usage.limit)" = 33554432 ]
	[ "$(echo "$e" | jq .data.memory.usage.usage)" -gt 0 ]
	[ "$(echo "$e" | jq .data.pids.current)" = 2 ]
	[ "$(echo "$e" | jq .data.pids.limit)" = 50 ]
	echo "$e" | jq -e '.data.cpu.usage.total > 0'
	rt delete -f ct
	expect_no_leftovers ct
}

@test "events streams stats every --interval and ends when the container stops" {
	rt run -d -b "$BUNDLE" ct
	timeout 60 "$RT_BIN" --root "$ROOT" events --interval 100ms ct >"$BATS_TEST_TMPDIR/ev" &
	ev=$!
	# wait for a few samples
	for i in $(seq 100); do
		[ "$(grep -c '"type":"stats"' "$BATS_TEST_TMPDIR/ev")" -ge 3 ] && break
		sleep 0.1
	done
	rt kill ct KILL
	# the stream ends by itself (timeout would exit 124)
	rc=0
	wait $ev || rc=$?
	cat "$BATS_TEST_TMPDIR/ev"
	echo "events exit status $rc"
	[ "$rc" -eq 0 ]
	[ "$(grep -c '"type":"stats"' "$BATS_TEST_TMPDIR/ev")" -ge 3 ]
	jq -e 'select(.type == "stats") | .id == "ct"' "$BATS_TEST_TMPDIR/ev" >/dev/null
	rt delete ct
	expect_no_leftovers ct
}

@test "events reports an OOM kill in the container" {
	rt run -d -b "$BUNDLE" ct
	timeout 60 "$RT_BIN" --root "$ROOT" events --interval 100ms ct >"$BATS_TEST_TMPDIR/ev" &
	ev=$!
	# the first stats line means the OOM watch is registered
	for i in $(seq 100); do
		[ -s "$BATS_TEST_TMPDIR/ev" ] && break
		sleep 0.1
	done
	[ -s "$BATS_TEST_TMPDIR/ev" ]
	run ! grep -q '"type":"oom"' "$BATS_TEST_TMPDIR/ev"
	# 64 MiB into a 32 MiB cgroup
	run rt exec ct dd if=/dev/zero of=/dev/null bs=64M count=1
	[ "$status" -eq 137 ]
	rt kill ct KILL
	rc=0
	wait $ev || rc=$?
	cat "$BATS_TEST_TMPDIR/ev"
	echo "events exit status $rc"
	[ "$rc" -eq 0 ]
	grep -qx '{"type":"oom","id":"ct"}' "$BATS_TEST_TMPDIR/ev"
	rt delete ct
	expect_no_leftovers ct
}

@test "events refuses a stopped container and a bad interval" {
	set_cmd true
	rt run -d -b "$BUNDLE" ct
	wait_status ct stopped
	run rt events --stats ct
	[ "$status" -ne 0 ]
	[[ "$output" == *"not running"* ]]
	run rt events ct
	[ "$status" -ne 0 ]
	[[ "$output" == *"not running"* ]]
	rt delete ct
	set_cmd sleep 1000
	rt run -d -b "$BUNDLE" ct
	run rt events --interval 0s ct
	[ "$status" -ne 0 ]
	[[ "$output" == *interval* ]]
	run rt events --stats nosuch
	[ "$status" -ne 0 ]
	rt delete -f ct
	expect_no_leftovers ct
}
