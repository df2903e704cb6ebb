#!/usr/bin/env bats
# Crash safety: whatever moment rt is killed at, `rt delete -f` removes
# everything it made. The full sweep (1 ms steps, 100 containers under
# load) is `make test-crash`; these are the short versions.

load helpers

# rt built with -tags crashtest (make tools): RT_CRASH_AT=N stops it at its
# Nth crash point.
RT_POINTS="$REPO/tests/integration/tools/bin/rt-crashtest"
CRASHSWEEP="$REPO/tests/integration/tools/bin/crashsweep"

setup() {
	setup_rt
	[ -x "$RT_POINTS" ] && [ -x "$CRASHSWEEP" ] || {
		echo "run make tools first (rt-crashtest, crashsweep)" >&2
		return 1
	}
	set_cmd sleep 1000
}
teardown() { teardown_rt; }

sweep() {
	"$CRASHSWEEP" -rt "$RT_BIN" -rootfs "$BUNDLE/rootfs" -config "$BUNDLE/config.json" \
		-work "$BATS_TEST_TMPDIR/sweep" -cgroup-parent "$CG_PARENT" "$@"
}

# stop_at N CMD...: runs the crashtest rt until it stops itself at crash
# point N; sets $pid.
stop_at() {
	local n=$1
	shift
	RT_CRASH_AT=$n "$RT_POINTS" --root "$ROOT" "$@" 2>"$BATS_TEST_TMPDIR/stopped" &
	pid=$!
	local i
	for i in $(seq 100); do
		[ "$(awk '{ print $3 }' /proc/$pid/stat 2>/dev/null)" = T ] && return 0
		sleep 0.05
	done
	echo "rt did not stop at crash point $n: $(cat "$BATS_TEST_TMPDIR/stopped")" >&2
	return 1
}

# stopped_at: what the last stop_at's rt said when it stopped.
stopped_at() {
	cat "$BATS_TEST_TMPDIR/stopped"
}

@test "create, run -d, exec -d and delete -f killed at any moment: delete -f removes everything" {
	run sweep -step "${CRASH_STEP:-8ms}" -rt-points "$RT_POINTS" sweep
	echo "$output"
	[ "$status" -eq 0 ]
	# every command was killed at each of its crash points, not just timed
	[[ "$output" == *"create: killed at each of"* ]]
	[[ "$output" == *"delete: killed at each of"* ]]
	[[ "$output" == *"crashsweep sweep: ok"* ]]
}

@test "containers created, started, killed and deleted in parallel while list and state loop" {
	run sweep -n 12 load
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"crashsweep load: ok"* ]]
}

@test "a create in progress is listed as creating, and as stopped once killed" {
	# stopped with its cgroup made and the init inside it
	# (on v2 the init is born in its cgroup, made at point 4)
	n=7 at="init in cgroup"
	[ -e /sys/fs/cgroup/pids ] || n=6 at="config saved"
	stop_at $n create -b "$BUNDLE" ct1
	[[ "$(stopped_at)" == *"$at"* ]]
	[ "$(status ct1)" = creating ]
	rt list | grep -q '^ct1 .* creating '
	procs=/sys/fs/cgroup/pids$CG_PARENT/ct/cgroup.procs
	[ -e "$procs" ] || procs=/sys/fs/cgroup$CG_PARENT/ct/cgroup.procs # v2
	[ -n "$(cat "$procs")" ]
	kill -9 "$pid"
	wait "$pid" || true
	[ "$(status ct1)" = stopped ]
	[ "$(rt state ct1 | jq -r .pid)" = 0 ]
	rt list | grep -q '^ct1 .* stopped '
	# its init died with it: nothing is left in the cgroup to kill
	rt delete ct1
	expect_no_leftovers ct1
}

@test "a create killed right after making its state dir leaves a container delete removes" {
	stop_at 1 create -b "$BUNDLE" ct1
	[[ "$(stopped_at)" == *"state dir made"* ]]
	kill -9 "$pid"
	wait "$pid" || true
	[ -d "$ROOT/ct1" ]
	[ "$(status ct1)" = stopped ]
	rt list -q | grep -qx ct1
	rt delete ct1
	expect_no_leftovers ct1
}

@test "the lock of a killed command does not block the next one" {
	stop_at 3 create -b "$BUNDLE" ct1
	[[ "$(stopped_at)" == *"recorded"* ]]
	# delete waits for the create that holds the lock ...
	rt delete -f ct1 &
	del=$!
	sleep 0.2
	kill -0 "$del"
	[ -d "$ROOT/ct1" ]
	# ... and finishes as soon as the create is killed
	kill -9 "$pid"
	wait "$pid" || true
	wait "$del"
	expect_no_leftovers ct1
}

@test "a delete killed halfway can be run again and finishes the job" {
	rt run -d -b "$BUNDLE" ct1
	# stopped after removing every file but state.json
	stop_at 3 delete -f ct1
	[[ "$(stopped_at)" == *"files removed"* ]]
	kill -9 "$pid"
	wait "$pid" || true
	[ "$(status ct1)" = stopped ]
	rt delete ct1
	expect_no_leftovers ct1
}

@test "a state root on a full filesystem: a clear error and nothing left" {
	fs="$BATS_TEST_TMPDIR/fs"
	mkdir "$fs"
	# A private mount namespace: the tmpfs goes away with it. First full,
	# then with room for state.json but not for config.json.
	run unshare -m --propagation private bash -c '
		mount -t tmpfs -o size=64k rt-full "$1" || exit 2
		for room in 0 1; do
			rm -rf "$1/root"; mkdir "$1/root"
			head -c 70000 /dev/zero >"$1/fill" 2>/dev/null
			[ "$room" = 1 ] && truncate -s -4096 "$1/fill"
			"$2" --root "$1/root" create -b "$3" ct1 && exit 3
			[ -z "$(ls "$1/root")" ] || { echo "left in the root: $(ls "$1/root")"; exit 4; }
		done
		exit 0' _ "$fs" "$RT_BIN" "$BUNDLE"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"no space left on device"* ]]
	# one line per failed create, saying what could not be written
	[ "$(grep -c '^rt: ' <<<"$output")" -eq 2 ]
	expect_no_leftovers ct1
}

@test "list: a missing --root is an error, an empty one lists nothing" {
	run "$RT_BIN" --root "$BATS_TEST_TMPDIR/missing" list
	[ "$status" -ne 0 ]
	[[ "$output" == *"no such file or directory"* ]]
	mkdir "$ROOT"
	run rt list -q
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}
