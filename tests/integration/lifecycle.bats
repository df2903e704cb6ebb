#!/usr/bin/env bats
# create, start, state, kill, delete, run, list: the runtime-spec state machine.

load helpers

setup() { setup_rt; }
teardown() {
	# a failed test must not leave the --pidfd-socket peer holding bats' output
	[ -z "${PIDFD_PID:-}" ] || kill -9 "$PIDFD_PID" 2>/dev/null || true
	[ -z "${RUNC_ID:-}" ] || runc --root "$ROOT" delete -f "$RUNC_ID" 2>/dev/null || true
	teardown_rt
}

@test "run in the foreground passes output and exit code through" {
	set_cmd sh -c 'echo hello from rt; exit 3'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 3 ]
	[ "$output" = "hello from rt" ]
	expect_no_leftovers ct1
}

@test "run DIR uses the bundle's base name as the ID, and -- replaces the args" {
	cd "$BATS_TEST_TMPDIR"
	run rt run bundle -- echo replaced args
	[ "$status" -eq 0 ]
	[ "$output" = "replaced args" ]
	expect_no_leftovers bundle
}

@test "create, state, start, kill, delete follow the state machine" {
	set_cmd sleep 100
	rt create -b "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/pid" ct1
	[ "$(status ct1)" = created ]
	pid=$(cat "$BATS_TEST_TMPDIR/pid")
	[ "$(rt state ct1 | jq -r .pid)" = "$pid" ]
	run rt state ct1
	for k in ociVersion id pid status bundle rootfs created owner; do
		echo "$output" | jq -e "has(\"$k\")"
	done
	# the init waits: the user's process has not run yet
	grep -q 'rt' /proc/$pid/cmdline
	run rt start ct1
	[ "$status" -eq 0 ]
	[ "$(status ct1)" = running ]
	grep -q sleep /proc/$pid/cmdline
	run rt start ct1
	[ "$status" -ne 0 ]
	[[ "$output" == *"not created"* ]]
	run rt delete ct1
	[ "$status" -ne 0 ]
	[[ "$output" == *"running"* ]]
	rt kill ct1 KILL
	wait_status ct1 stopped
	[ "$(rt state ct1 | jq -r .pid)" = 0 ]
	rt delete ct1
	expect_no_leftovers ct1
	run rt state ct1
	[ "$status" -ne 0 ]
	[[ "$output" == *"does not exist"* ]]
}

@test "delete without --force removes a created container, its init and its poststop hooks run (runc, crun, containerd's shim)" {
	update_config '.hooks.poststop = [{"path": "/bin/sh", "args": ["sh", "-c", "cat >'"$BATS_TEST_TMPDIR"'/poststop"]}]'
	set_cmd sh -c 'echo ran >/tmp/ran; sleep 100'
	rt create -b "$BUNDLE" ct1
	pid=$(rt state ct1 | jq .pid)
	run rt delete ct1
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	expect_no_leftovers ct1
	# The init is gone (a zombie its reaper has not collected yet is gone too).
	! kill -0 "$pid" 2>/dev/null || [ "$(awk '{print $3}' /proc/"$pid"/stat)" = Z ]
	[ "$(jq -r .status "$BATS_TEST_TMPDIR/poststop")" = stopped ]
	[ ! -e "$BUNDLE/rootfs/tmp/ran" ]

	# A running one still needs --force, as in runc and crun.
	rt run -d -b "$BUNDLE" ct1
	run rt delete ct1
	[ "$status" -ne 0 ]
	[ "$output" = 'rt: container "ct1" is running: stop it first or use --force' ]
	rt delete -f ct1
	expect_no_leftovers ct1
}

@test "a foreground run forwards signals to the container's process, real-time ones too" {
	set_cmd sh -c 'trap "echo got USR1" USR1; trap "echo got HUP" HUP; trap "echo got RTMIN+3" 37; trap "echo got 34" 34; trap "echo got 64" 64; trap "echo got TERM; exit 7" TERM; echo ready; while :; do sleep 0.05; done'
	out="$BATS_TEST_TMPDIR/out"
	"$RT_BIN" --root "$ROOT" run -b "$BUNDLE" ct1 >"$out" 2>&1 &
	pid=$!
	wait_line "$out" ready
	for s in USR1 HUP; do
		kill -s "$s" "$pid"
		wait_line "$out" "got $s"
	done
	# Every real-time signal, as runc and crun: SIGRTMIN+3 is systemd's
	# stop signal, SIGRTMIN and SIGRTMAX the ends.
	kill -s 37 "$pid"
	wait_line "$out" "got RTMIN+3"
	for s in 34 64; do
		kill -s "$s" "$pid"
		wait_line "$out" "got $s"
	done
	kill -s TERM "$pid"
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 7 ]
	wait_line "$out" "got TERM"
	expect_no_leftovers ct1
}

@test "a foreground run is the subreaper of a container without a PID namespace and reaps its orphans (runc, crun); --no-subreaper leaves them" {
	update_config '.linux.namespaces |= map(select(.type != "pid"))'
	# Two orphans: a sleep that outlives its shell, one that exits at once
	# (a zombie, were rt not reaping). The init then lists rt's children:
	# itself (reading its own stat: R) and the living orphan, no zombie.
	set_cmd sh -c 'sh -c "sleep 5 & sleep 0.1 &"; sleep 0.6; for f in /proc/[0-9]*/stat; do read -r pid comm st ppid rest <"$f" 2>/dev/null && [ "$ppid" = "$PPID" ] && echo "child $comm $st"; done; true'
	run rt run -b "$BUNDLE" ct1
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"child (sh) R"* ]]
	[[ "$output" == *"child (sleep) S"* ]]
	[[ "$output" != *"child (sleep) Z"* ]]
	# Without: the orphans go to an ancestor subreaper or the host's init.
	run rt run --no-subreaper -b "$BUNDLE" ct2
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"child (sh) R"* ]]
	[[ "$output" != *"child (sleep)"* ]]
	expect_no_leftovers ct1
}

@test "kill accepts names with and without SIG and numbers" {
	# pid 1 of a pid namespace only dies of signals it handles
	set_cmd sh -c 'trap "exit 0" TERM; sleep 100 & wait'
	for s in TERM SIGTERM 15; do
		rt run -d -b "$BUNDLE" ct1
		wait_caught ct1 15
		rt kill ct1 "$s"
		wait_status ct1 stopped
		rt delete ct1
	done
	rt run -d -b "$BUNDLE" ct1
	run rt kill ct1 NOTASIGNAL
	[ "$status" -ne 0 ]
	[[ "$output" == *NOTASIGNAL* ]]
	rt delete -f ct1
	expect_no_leftovers ct1
}

@test "delete --force kills a running container" {
	set_cmd sleep 100
	rt run -d -b "$BUNDLE" ct1
	pid=$(rt state ct1 | jq -r .pid)
	rt delete --force ct1
	expect_no_leftovers ct1
	! kill -0 "$pid" 2>/dev/null || grep -q '^State:.*Z' /proc/$pid/status
}

@test "delete --force of a created container" {
	rt create -b "$BUNDLE" ct1
	rt delete -f ct1
	expect_no_leftovers ct1
}

@test "a duplicate ID is refused and leaves the first container alone" {
	set_cmd sleep 100
	rt run -d -b "$BUNDLE" ct1
	run rt create -b "$BUNDLE" ct1
	[ "$status" -ne 0 ]
	[[ "$output" == *"already exists"* ]]
	[ "$(status ct1)" = running ]
	rt delete -f ct1
}

@test "bad IDs are refused without leaving anything" {
	for id in "a/b" ".." "." "a..b/../c" ""; do
		run rt create -b "$BUNDLE" "$id"
		[ "$status" -ne 0 ]
		[ "${#lines[@]}" -eq 1 ]
	done
	[ -z "$(ls "$ROOT" 2>/dev/null)" ]
}

@test "list shows containers as a table, quietly and as JSON" {
	set_cmd sleep 100
	rt run -d -b "$BUNDLE" ct1
	update_config ".linux.cgroupsPath = \"$CG_PARENT/ct2\""
	rt create -b "$BUNDLE" ct2
	run rt list
	[[ "${lines[0]}" == ID* ]]
	[[ "$output" == *"ct1"*running* ]]
	[[ "$output" == *"ct2"*created* ]]
	run rt list -q
	[ "$output" = "$(printf 'ct1\nct2')" ]
	run rt list --format json
	[ "$(echo "$output" | jq length)" -eq 2 ]
	[ "$(echo "$output" | jq -r '.[1].status')" = created ]
	rt delete -f ct1
	rt delete -f ct2
}

@test "a dead init is stopped, and a recycled PID does not fool rt" {
	set_cmd sleep 100
	rt run -d -b "$BUNDLE" ct1
	# Rewrite the stored start time as if the PID now named another process.
	jq '.initStartTime = 1' "$ROOT/ct1/state.json" > "$BATS_TEST_TMPDIR/s" && cp "$BATS_TEST_TMPDIR/s" "$ROOT/ct1/state.json"
	[ "$(status ct1)" = stopped ]
	run rt kill ct1 KILL
	[ "$status" -ne 0 ]
	# Put it back so delete -f can clean up.
	pid=$(jq .pid "$ROOT/ct1/state.json")
	start=$(awk '{ sub(/.*\) /, ""); print $20 }' /proc/$pid/stat)
	jq ".initStartTime = $start" "$ROOT/ct1/state.json" > "$BATS_TEST_TMPDIR/s" && cp "$BATS_TEST_TMPDIR/s" "$ROOT/ct1/state.json"
	rt delete -f ct1
	expect_no_leftovers ct1
}

@test "spec writes a default config that rt accepts" {
	d="$BATS_TEST_TMPDIR/specdir"
	mkdir -p "$d"
	rt spec -b "$d"
	jq -e '.process.args == ["sh"]' "$d/config.json"
	run rt spec -b "$d"
	[ "$status" -ne 0 ]
	d2="$BATS_TEST_TMPDIR/rootless"; mkdir -p "$d2"; rt spec --rootless -b "$d2"; jq -e 'any(.linux.namespaces[]; .type == "user")' "$d2/config.json"
}

@test "concurrent starts of one container: exactly one wins" {
	set_cmd sleep 100
	rt create -b "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/pid" ct1
	rt start ct1 2>"$BATS_TEST_TMPDIR/a" & a=$!
	rt start ct1 2>"$BATS_TEST_TMPDIR/b" & b=$!
	ra=0; rb=0
	wait $a || ra=$?
	wait $b || rb=$?
	[ $((ra == 0 ? 1 : 0)) -ne $((rb == 0 ? 1 : 0)) ]
	# the loser says why in one line; the winner says nothing
	if [ $ra -eq 0 ]; then win=a lose=b; else win=b lose=a; fi
	[ ! -s "$BATS_TEST_TMPDIR/$win" ]
	[ "$(wc -l <"$BATS_TEST_TMPDIR/$lose")" -eq 1 ]
	grep -qi "running" "$BATS_TEST_TMPDIR/$lose"
	# the process started once and is the container's init
	[ "$(status ct1)" = running ]
	pid=$(cat "$BATS_TEST_TMPDIR/pid")
	[ "$(rt state ct1 | jq .pid)" = "$pid" ]
	[ "$(cat /proc/$pid/cmdline | tr '\0' ' ')" = "sleep 100 " ]
	[ "$(pgrep -c -P "$pid")" -eq 0 ]
	rt delete -f ct1
	expect_no_leftovers ct1
}

@test "a created container keeps the caller's stdio, with --preserve-fds, and none of its other fds" {
	set_cmd sh -c 'for f in 0 1 2 3 8 9; do echo "$f $(readlink /proc/$$/fd/$f)"; done'
	out="$BATS_TEST_TMPDIR/out"
	: >"$BATS_TEST_TMPDIR/pass"
	rt create -b "$BUNDLE" --preserve-fds 1 --pid-file "$BATS_TEST_TMPDIR/pid" ct1 \
		</dev/null >"$out" 2>"$BATS_TEST_TMPDIR/err" 3<"$BATS_TEST_TMPDIR/pass" \
		8>"$BATS_TEST_TMPDIR/leak8" 9<"$BATS_TEST_TMPDIR/pass"
	pid=$(cat "$BATS_TEST_TMPDIR/pid")
	ls -l /proc/$pid/fd
	# stdio as given (what shims pass as fifos), fd 3 as preserved
	[ "$(readlink /proc/$pid/fd/0)" = /dev/null ]
	[ "$(readlink /proc/$pid/fd/1)" = "$out" ]
	[ "$(readlink /proc/$pid/fd/2)" = "$BATS_TEST_TMPDIR/err" ]
	[ "$(readlink /proc/$pid/fd/3)" = "$BATS_TEST_TMPDIR/pass" ]
	# the caller's other fds (bats' own among them) are not held
	for fd in /proc/$pid/fd/*; do
		t=$(readlink "$fd")
		[ "$t" != "$BATS_TEST_TMPDIR/leak8" ]
		[[ "$t" != "$BATS_TEST_TMPDIR/pass" || "${fd##*/}" = 3 ]]
		[[ "$t" != pipe:* ]]
	done
	rt start ct1
	wait_status ct1 stopped
	cat "$out"
	grep -qx "1 $out" "$out"
	grep -qx "3 $BATS_TEST_TMPDIR/pass" "$out"
	grep -qx "8 " "$out"
	grep -qx "9 " "$out"
	rt delete ct1
}

# start_pidfdrecv SOCK OUT [ARGS...]: the --pidfd-socket peer in the
# background (PIDFD_PID), its output in OUT; returns once it listens.
start_pidfdrecv() {
	local bin="$REPO/tests/integration/tools/bin/pidfdrecv" sock=$1 out=$2 i
	shift 2
	if [ ! -x "$bin" ]; then
		bin="$BATS_TEST_TMPDIR/pidfdrecv"
		(cd "$REPO" && CGO_ENABLED=0 go build -o "$bin" ./tests/integration/tools/pidfdrecv)
	fi
	"$bin" "$@" "$sock" >"$out" 2>&1 &
	PIDFD_PID=$!
	for i in $(seq 100); do
		[ -S "$sock" ] && return 0
		sleep 0.05
	done
	return 1
}

# pidfd_report OUT: what the peer printed of the fd it got. rt returns once
# sendmsg has queued the fd; the peer prints it a moment later.
pidfd_report() {
	local i
	for i in $(seq 100); do
		[ -s "$1" ] && break
		sleep 0.05
	done
	cat "$1"
}

@test "--pidfd-socket hands a pidfd of the init (create, run) and of an exec'd process" {
	set_cmd sleep 100
	sock="$BATS_TEST_TMPDIR/pidfd.sock"
	out="$BATS_TEST_TMPDIR/pidfd.out"
	start_pidfdrecv "$sock" "$out" -signal 15
	rt create -b "$BUNDLE" --pidfd-socket "$sock" ct1
	# sent during create
	[ "$(pidfd_report "$out")" = "standard anon_inode:[pidfd] $(rt state ct1 | jq .pid)" ]
	# the peer signals the created init through it (with TERM, as the
	# upstream test does: rt's waiting init dies of it)
	kill "$PIDFD_PID"
	wait "$PIDFD_PID"
	PIDFD_PID=
	wait_status ct1 stopped
	rt delete ct1

	rm -f "$sock"
	start_pidfdrecv "$sock" "$out"
	rt run -d -b "$BUNDLE" --pidfd-socket "$sock" ct1
	[ "$(pidfd_report "$out")" = "standard anon_inode:[pidfd] $(rt state ct1 | jq .pid)" ]
	kill "$PIDFD_PID"
	wait "$PIDFD_PID"
	PIDFD_PID=
	wait_status ct1 stopped
	rt delete ct1

	rt run -d -b "$BUNDLE" ct1
	rm -f "$sock"
	start_pidfdrecv "$sock" "$BATS_TEST_TMPDIR/exec.out"
	rt exec -d --pid-file "$BATS_TEST_TMPDIR/exec.pid" --pidfd-socket "$sock" ct1 sleep 100
	epid=$(cat "$BATS_TEST_TMPDIR/exec.pid")
	[ "$(pidfd_report "$BATS_TEST_TMPDIR/exec.out")" = "setns anon_inode:[pidfd] $epid" ]
	kill "$PIDFD_PID"
	wait "$PIDFD_PID"
	PIDFD_PID=
	# the exec'd process is gone (KILL), the container still runs
	while [ -d /proc/$epid ] && ! grep -q '^State:.*Z' /proc/$epid/status; do sleep 0.05; done
	[ "$(status ct1)" = running ]
	rt delete -f ct1

	# nobody listening: an error and nothing left behind
	run rt run -d -b "$BUNDLE" --pidfd-socket "$BATS_TEST_TMPDIR/nobody" ct1
	[ "$status" -ne 0 ]
	[[ "$output" == *"pidfd socket"*"$BATS_TEST_TMPDIR/nobody"* ]]
	expect_no_leftovers ct1
}

@test "a root shared with runc (Docker's): rt lists, states, kills and deletes its own containers only" {
	set_cmd sleep 100
	rt run -d -b "$BUNDLE" ct1
	cp -a "$BUNDLE" "$BATS_TEST_TMPDIR/runc-bundle"
	jq ".linux.cgroupsPath = \"$CG_PARENT/runc\"" "$BUNDLE/config.json" >"$BATS_TEST_TMPDIR/runc-bundle/config.json"
	RUNC_ID=runcct
	runc --root "$ROOT" run -d -b "$BATS_TEST_TMPDIR/runc-bundle" runcct </dev/null >/dev/null 2>&1
	runc_pid=$(runc --root "$ROOT" state runcct | jq .pid)
	before=$(cd "$ROOT/runcct" && ls -A && md5sum state.json)

	run rt list -q
	[ "$status" -eq 0 ]
	[ "$output" = ct1 ]
	run rt list -f json
	[ "$(jq length <<<"$output")" -eq 1 ]
	for cmd in "state runcct" "kill runcct KILL" "delete runcct" "delete -f runcct" "pause runcct" "exec runcct true"; do
		run rt $cmd
		echo "rt $cmd: $output"
		[ "$status" -ne 0 ]
		[ "$output" = "rt: container \"runcct\": not an rt container ($ROOT/runcct/state.json is another runtime's, or damaged)" ]
	done
	[ "$(cd "$ROOT/runcct" && ls -A && md5sum state.json)" = "$before" ]
	[ "$(runc --root "$ROOT" state runcct | jq -r .status)" = running ]
	kill -0 "$runc_pid"
	run rt create -b "$BUNDLE" runcct
	[ "$status" -ne 0 ]
	[[ "$output" == *'container "runcct" already exists'* ]]

	# runc skips rt's containers (one line on stderr each) and lists its own.
	run runc --root "$ROOT" list -q
	[ "$status" -eq 0 ]
	[[ "$output" == *runcct* ]]
	runc --root "$ROOT" delete -f runcct
	RUNC_ID=
	[ "$(rt state ct1 | jq -r .status)" = running ]
	rt delete -f ct1
	expect_no_leftovers ct1
}
