#!/usr/bin/env bats
# process.terminal: the pty handed over --console-socket (recvtty plays
# conmon), rt's own foreground terminal forwarding, and exec -t.

load helpers

setup_file() {
	# The Makefile's tools target builds recvtty; build it here if not.
	RECVTTY="$REPO/tests/integration/tools/bin/recvtty"
	if [ ! -x "$RECVTTY" ]; then
		RECVTTY="$BATS_FILE_TMPDIR/recvtty"
		(cd "$REPO" && CGO_ENABLED=0 go build -o "$RECVTTY" ./tests/integration/tools/recvtty)
	fi
	export RECVTTY
}

setup() {
	setup_rt
	SOCK="$BATS_TEST_TMPDIR/console.sock"
	update_config '.process.terminal = true'
}
teardown() {
	[ -z "${RECV_PID:-}" ] || kill "$RECV_PID" 2>/dev/null || true
	teardown_rt
}

# start_recvtty OUT [ARGS...]: recvtty on $SOCK in the background, its
# output in OUT; returns once the socket is there.
start_recvtty() {
	local out=$1
	shift
	rm -f "$SOCK"
	"$RECVTTY" "$@" "$SOCK" >"$out" 2>&1 &
	RECV_PID=$!
	local i
	for i in $(seq 100); do
		[ -S "$SOCK" ] && return 0
		sleep 0.05
	done
	echo "recvtty never listened" >&2
	return 1
}

# wait_recvtty: recvtty ends when the last slave fd closes.
wait_recvtty() {
	wait "$RECV_PID"
	RECV_PID=
}

@test "the console socket gets the pty master: tty, /dev/console, stdio, size and input" {
	update_config '.process.consoleSize = {height: 31, width: 97}'
	set_cmd sh -c 'tty; stat -c %t:%T /dev/console $(tty); for f in 0 1 2; do readlink /proc/self/fd/$f; done; stty size; sed "s/.*) //" /proc/self/stat | cut -d" " -f2,4,5; read x; echo "got=$x"'
	start_recvtty "$BATS_TEST_TMPDIR/tty.out" -input $'hello there\n' -name "$BATS_TEST_TMPDIR/name"
	rt create -b "$BUNDLE" --console-socket "$SOCK" ct1
	rt start ct1
	wait_recvtty
	out=$(tr -d '\r' <"$BATS_TEST_TMPDIR/tty.out")
	echo "$out"
	# the typed line echoes back: the pty is in cooked mode (where among
	# the output depends on when recvtty got to type it)
	grep -qx "hello there" <<<"$out"
	mapfile -t l < <(grep -vx "hello there" <<<"$out")
	[ "${l[0]}" = /dev/pts/0 ]
	# /dev/console is the same device as the process's tty
	[ "${l[1]}" = "${l[2]}" ] && [ "${l[1]}" = 88:0 ]
	[ "${l[3]}" = /dev/pts/0 ] && [ "${l[4]}" = /dev/pts/0 ] && [ "${l[5]}" = /dev/pts/0 ]
	[ "${l[6]}" = "31 97" ]
	# pid 1 leads its session, and pts/0 (136:0) is its controlling tty
	[ "${l[7]}" = "1 1 34816" ]
	[ "${l[8]}" = "got=hello there" ]
	grep -q ptmx "$BATS_TEST_TMPDIR/name"
	# the last slave fd closes in the process's exit, before it is a
	# zombie: recvtty can end while the container still reads running
	wait_status ct1 stopped
	rt delete ct1
	expect_no_leftovers ct1
}

@test "run -d with --console-socket: the output reaches the socket's owner" {
	set_cmd sh -c 'echo on the tty; exit 5'
	start_recvtty "$BATS_TEST_TMPDIR/tty.out"
	rt run -d -b "$BUNDLE" --console-socket "$SOCK" ct1
	wait_recvtty
	grep -q 'on the tty' "$BATS_TEST_TMPDIR/tty.out"
	wait_status ct1 stopped
	rt delete ct1
}

@test "run in the foreground forwards rt's own stdio to the pty" {
	set_cmd sh -c 'tty; echo out; echo err >&2; exit 4'
	run rt run -b "$BUNDLE" ct1 </dev/null
	[ "$status" -eq 4 ]
	out=$(echo "$output" | tr -d '\r')
	[ "$out" = "$(printf '/dev/pts/0\nout\nerr')" ]
	expect_no_leftovers ct1
}

@test "run in the foreground on a real terminal: input reaches the process, which sees that terminal's size" {
	set_cmd sh -c 'stty size; read x; echo "got=$x"'
	# script gives rt a terminal of its own, 40x120
	run bash -c 'printf "typed\n" | script -qec "stty rows 40 cols 120; \"$0\" --root \"$1\" run -b \"$2\" ct1" /dev/null' \
		"$RT_BIN" "$ROOT" "$BUNDLE"
	[ "$status" -eq 0 ]
	out=$(echo "$output" | tr -d '\r')
	echo "$out"
	[[ "$out" == *"40 120"* ]]
	[[ "$out" == *"got=typed"* ]]
	expect_no_leftovers ct1
}

@test "run in the foreground on a real terminal: a resize of that terminal reaches the process" {
	set_cmd sh -c 'stty size; i=0; while [ "$(stty size)" = "40 120" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done; stty size'
	# The resize makes the kernel send SIGWINCH to rt (in the terminal's
	# foreground process group), which sizes the container's pty anew.
	run bash -c 'script -qec "stty rows 40 cols 120; \"$0\" --root \"$1\" run -b \"$2\" ct1 </dev/tty & sleep 1; stty rows 50 cols 130; wait \$!" /dev/null </dev/null' \
		"$RT_BIN" "$ROOT" "$BUNDLE"
	[ "$status" -eq 0 ]
	out=$(echo "$output" | tr -d '\r')
	echo "$out"
	[[ "$out" == *"40 120"*"50 130"* ]]
	expect_no_leftovers ct1
}

@test "exec -t on a real terminal: the process starts with that terminal's size" {
	update_config '.process.terminal = false'
	set_cmd sleep 100
	rt run -d -b "$BUNDLE" ct1
	run bash -c 'script -qec "stty rows 33 cols 111; \"$0\" --root \"$1\" exec -t ct1 stty size" /dev/null </dev/null' \
		"$RT_BIN" "$ROOT"
	[ "$status" -eq 0 ]
	[[ "$(echo "$output" | tr -d '\r')" == *"33 111"* ]]
	rt delete -f ct1
}

@test "create with terminal and no console socket is a clear error, with nothing left" {
	run rt create -b "$BUNDLE" ct1
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *terminal*"--console-socket"* ]]
	expect_no_leftovers ct1
	run rt run -d -b "$BUNDLE" ct1
	[ "$status" -ne 0 ]
	[[ "$output" == *terminal*"--console-socket"* ]]
	expect_no_leftovers ct1
	run rt create -b "$BUNDLE" --console-socket "$BATS_TEST_TMPDIR/nobody-listens" ct1
	[ "$status" -ne 0 ]
	[[ "$output" == *"$BATS_TEST_TMPDIR/nobody-listens"* ]]
	expect_no_leftovers ct1
}

@test "exec -t in the foreground gets a pty of its own from the container's devpts" {
	update_config '.process.terminal = false'
	set_cmd sleep 100
	rt run -d -b "$BUNDLE" ct1
	run rt exec -t ct1 sh -c 'tty; stat -c %t /dev/pts/ptmx; exit 6' </dev/null
	[ "$status" -eq 6 ]
	out=$(echo "$output" | tr -d '\r')
	[ "$out" = "$(printf '/dev/pts/0\n5')" ]
	# without -t there is no tty
	run rt exec ct1 tty
	[ "$status" -ne 0 ]
	[[ "$output" == *"not a tty"* ]]
	rt delete -f ct1
}

@test "exec -t -d --console-socket hands the exec's pty over the socket" {
	set_cmd sleep 100
	start_recvtty "$BATS_TEST_TMPDIR/init.out" -hold
	rt run -d -b "$BUNDLE" --console-socket "$SOCK" ct1
	init_recv=$RECV_PID
	start_recvtty "$BATS_TEST_TMPDIR/exec.out" -input $'abc\n'
	rt exec -t -d --console-socket "$SOCK" --pid-file "$BATS_TEST_TMPDIR/pid" ct1 sh -c 'tty; read x; echo "x=$x"'
	wait_recvtty
	out=$(tr -d '\r' <"$BATS_TEST_TMPDIR/exec.out")
	[ "$out" = "$(printf 'abc\n/dev/pts/1\nx=abc')" ]
	run rt exec -t -d ct1 true
	[ "$status" -ne 0 ]
	[[ "$output" == *"--console-socket"* ]]
	rt delete -f ct1
	kill "$init_recv"
}

@test "create with a terminal returns to a caller reading its output; the init holds the pty and nothing of the caller's" {
	set_cmd sleep 100
	start_recvtty "$BATS_TEST_TMPDIR/tty.out" -hold
	# `timeout` only guards against the hang this test is about
	run timeout 60 bash -c '"$0" --root "$1" create -b "$2" --console-socket "$3" --pid-file "$4" ct1 8>"$5" 9<"$5" | cat' \
		"$RT_BIN" "$ROOT" "$BUNDLE" "$SOCK" "$BATS_TEST_TMPDIR/pid" "$BATS_TEST_TMPDIR/leak"
	[ "$status" -eq 0 ]
	pid=$(cat "$BATS_TEST_TMPDIR/pid")
	ls -l /proc/$pid/fd
	for fd in 0 1 2; do
		[ "$(readlink /proc/$pid/fd/$fd)" = /dev/pts/0 ]
	done
	# besides the pty: the start socket and the exec trampoline (a sealed memfd)
	for fd in /proc/$pid/fd/*; do
		t=$(readlink "$fd")
		if [ "$t" = / ]; then
			# the root of a mount of the container's own, never the
			# host's root (and closed at the exec, see process.bats)
			[ "$(stat -L -c %d:%i "$fd")" != "$(stat -c %d:%i /)" ]
			continue
		fi
		[[ "$t" == /dev/pts/0 || "$t" == socket:* || "$t" == anon_inode:* || "$t" == */cpu.cfs_*_us || "$t" == "/memfd:rt-exec (deleted)" ]]
	done
	rt start ct1
	[ "$(status ct1)" = running ]
	rt delete -f ct1
}

@test "a non-root process owns its terminal (run, exec -t), and its other stdio" {
	# devpts as runc's default config mounts it: new ptys get group 5
	update_config '.process.user = {uid: 1000, gid: 100}
		| (.mounts[] | select(.type == "devpts") | .options) += ["gid=5"]'
	set_cmd sh -c 'stat -c %u:%g $(tty)'
	run rt run -b "$BUNDLE" ct1 </dev/null
	[ "$status" -eq 0 ]
	# only the owner changes, as with runc: the group is devpts' choice
	[ "$output" = 1000:5 ]
	update_config '.process.terminal = false'
	set_cmd sleep 100
	rt run -d -b "$BUNDLE" ct1 </dev/null >/dev/null 2>&1
	run rt exec -t ct1 sh -c 'stat -c %u:%g $(tty)' </dev/null
	[ "$status" -eq 0 ]
	[ "$output" = 1000:5 ]
	# a file given as stdout is handed over too: the process can reopen it
	out="$BATS_TEST_TMPDIR/out"
	: >"$out"
	chmod 644 "$out"
	rt exec ct1 sh -c 'echo reopened >/proc/self/fd/1' >"$out" </dev/null
	[ "$(cat "$out")" = reopened ]
	[ "$(stat -c %u "$out")" = 1000 ]
	rt delete -f ct1
}

@test "run and exec -t in the foreground pass the output on byte for byte (no \\r added)" {
	set_cmd sh -c 'echo a; echo b'
	rt run -b "$BUNDLE" ct1 </dev/null >"$BATS_TEST_TMPDIR/run.out"
	[ "$(od -An -c "$BATS_TEST_TMPDIR/run.out" | tr -d ' ')" = 'a\nb\n' ]
	update_config '.process.terminal = false'
	set_cmd sleep 100
	rt run -d -b "$BUNDLE" ct1 </dev/null >/dev/null 2>&1
	rt exec -t ct1 sh -c 'echo c; echo d' </dev/null >"$BATS_TEST_TMPDIR/exec.out"
	[ "$(od -An -c "$BATS_TEST_TMPDIR/exec.out" | tr -d ' ')" = 'c\nd\n' ]
	rt delete -f ct1
}
