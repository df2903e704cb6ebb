#!/bin/bash
# containerd.sh: containerd 1.6 with the runc shim v2 (io.containerd.runc.v2)
# and the systemd cgroup driver, over RUNTIME, driven with ctr. It starts a
# containerd of its own (config, root, state, socket and the runtime's state
# root under one directory in /var/tmp), runs the checks, then stops it and
# removes everything.
#
# ctr does not read the CRI plugin's runtime options (those are for CRI
# clients); a container made by ctr carries its own: --runc-binary and
# --runc-systemd-cgroup put BinaryName and SystemdCgroup into the options
# the shim gets, and with SystemdCgroup ctr needs --cgroup
# "slice:prefix:name". The config still carries the CRI options, so the
# same file serves a kubelet. Every container's checks verify that the
# shim really ran RUNTIME (its state is in the runtime root we gave) and
# that the cgroup is a systemd scope.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

base=$(mktemp -d /var/tmp/ctrd.XXXXXX)
sock=$base/containerd.sock
ns=rtengines
rroot=$base/runtime-root
slice=system.slice
prefix=rtengines-$RUNTIME_NAME
rootfs=$base/rootfs
busybox_rootfs "$rootfs"
mkdir -p "$base/root" "$base/state" "$rroot"

cat >"$base/config.toml" <<EOF
version = 2
root = "$base/root"
state = "$base/state"
[grpc]
  address = "$sock"
[ttrpc]
  address = "$sock.ttrpc"
[plugins."io.containerd.grpc.v1.cri".containerd]
  default_runtime_name = "runc"
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
  BinaryName = "$RUNTIME"
  SystemdCgroup = true
  Root = "$rroot"
EOF

containerd --config "$base/config.toml" >"$base/containerd.log" 2>&1 &
ctrd_pid=$!

cleanup() {
	local id
	for id in $(ctr -a "$sock" -n $ns task ls -q 2>/dev/null); do
		ctr -a "$sock" -n $ns task kill -s KILL "$id" >/dev/null 2>&1
		timeout 30 ctr -a "$sock" -n $ns task delete -f "$id" >/dev/null 2>&1
	done
	for id in $(ctr -a "$sock" -n $ns container ls -q 2>/dev/null); do
		ctr -a "$sock" -n $ns container delete "$id" >/dev/null 2>&1
	done
	kill "$ctrd_pid" 2>/dev/null
	wait "$ctrd_pid" 2>/dev/null
	# A shim outlives containerd only when a task was left; the runtime
	# root tells its containers.
	for id in $(ls "$rroot" 2>/dev/null); do
		"$RUNTIME" --root "$rroot" delete -f "$id" >/dev/null 2>&1
	done
	echo "containerd log (tail):" >&2
	tail -n 30 "$base/containerd.log" | sed 's/^/  [containerd] /' >&2
	rm -rf "$base" "$check_log"
}
trap cleanup EXIT

c() { ctr -a "$sock" -n $ns "$@"; }

# cgopt ID: ctr's flags that make the container's options carry RUNTIME and
# the systemd driver, and its state go under our runtime root. Without an
# image ctr's spec has no environment at all, and runc looks the command
# up in the process's PATH.
cgopt() {
	echo --runc-binary "$RUNTIME" --runc-systemd-cgroup --runc-root "$rroot" \
		--cgroup "$slice:$prefix:$1" --env PATH=/bin
}

# run_ctr ID [FLAGS...] -- CMD...: ctr run of the busybox rootfs as ID with
# our flags.
run_ctr() {
	local id=$1 flags=()
	shift
	while [ "$1" != -- ]; do flags+=("$1"); shift; done
	shift
	# shellcheck disable=SC2046
	c run $(cgopt "$id") "${flags[@]}" --rootfs "$rootfs" "$id" "$@"
}

task_pid() { c task ls | awk -v id="$1" '$1 == id { print $2 }'; }
task_status() { c task ls | awk -v id="$1" '$1 == id { print $3 }'; }
scope_dir() { echo "/sys/fs/cgroup/$slice/$prefix-$1.scope"; }

# verify_runtime ID: the container's task runs through the shim with RUNTIME
# (RUNTIME's own state for it is in our runtime root) under the systemd
# driver (its cgroup is the scope <prefix>-ID.scope in $slice, and
# systemd has that unit active).
verify_runtime() {
	local id=$1 st pid cg unit=$prefix-$1.scope
	st=$("$RUNTIME" --root "$rroot/$ns" state "$id") || { echo "$RUNTIME has no state for $id under $rroot/$ns"; return 1; }
	pid=$(task_pid "$id")
	[ -n "$pid" ] && [ "$pid" != 0 ] || { echo "no task pid for $id"; return 1; }
	[ "$(echo "$st" | jq -r .pid)" = "$pid" ] || { echo "$RUNTIME's state has another pid than $pid: $st"; return 1; }
	cg=$(cat /proc/"$pid"/cgroup)
	[ "$cg" = "0::/$slice/$unit" ] || { echo "cgroup of $pid is '$cg', not 0::/$slice/$unit"; return 1; }
	[ "$(systemctl is-active "$unit")" = active ] || { echo "systemd unit $unit is not active"; return 1; }
}

# wait_status ID STATUS: wait (bounded by the check's timeout) for the task
# to reach STATUS in ctr task ls.
wait_status() {
	while [ "$(c task ls | awk -v id="$1" '$1 == id { print $3 }')" != "$2" ]; do
		sleep 0.5
	done
}

# start_detached ID [FLAGS...] -- CMD...
start_detached() {
	run_ctr "$1" -d "${@:2}" || { echo "ctr run -d $1 failed"; return 1; }
	verify_runtime "$1"
}

remove() {
	c task kill -s KILL "$1" >/dev/null 2>&1
	c task delete -f "$1" >/dev/null 2>&1 || c task delete "$1" >/dev/null 2>&1
	c container delete "$1" >/dev/null 2>&1
	true
}

# ---- the checks ----

daemon_up() {
	local i
	for i in $(seq 1 240); do
		c version >/dev/null 2>&1 && return 0
		kill -0 "$ctrd_pid" 2>/dev/null || { tail -n 5 "$base/containerd.log"; return 1; }
		sleep 0.5
	done
	echo "containerd did not answer on $sock"
	return 1
}

# The process's output and exit code come back; the container goes.
run_rm() {
	local out rc
	out=$(run_ctr rm1 --rm -- sh -c 'echo hello; echo to-stderr >&2; exit 3' 2>"$base/rm1.err")
	rc=$?
	[ "$rc" = 3 ] || { echo "exit code $rc, want 3 (output: $(echo $out))"; return 1; }
	[ "$out" = hello ] || { echo "output '$out'"; return 1; }
	grep -qx to-stderr "$base/rm1.err" || { echo "stderr: $(cat "$base/rm1.err")"; return 1; }
	if c container ls -q | grep -qx rm1; then echo "container rm1 left after --rm"; return 1; fi
	[ ! -e "$(scope_dir rm1)" ] || { echo "scope cgroup of rm1 left"; return 1; }
}

# From inside: the container's cgroup is the systemd scope (the default spec
# of containerd 1.6 has no cgroup namespace; with one it would read 0::/).
run_rm_cgroup() {
	local out rc
	out=$(run_ctr rm2 --rm -- cat /proc/self/cgroup)
	rc=$?
	[ "$rc" = 0 ] || { echo "exit code $rc ($out)"; return 1; }
	case "$out" in
	"0::/" | "0::/$slice/$prefix-rm2.scope") ;;
	*) echo "cgroup inside: '$out'"; return 1 ;;
	esac
}

# ctr run -t under a pty (script): the process has a terminal as stdin and
# stdout, and its exit code comes back; timeout keeps a hang from blocking.
# ctr writes a NUL to the terminal's input as it attaches (with runc too),
# which the pty echoes as "^@": it is not the container's output.
run_tty() {
	local out rc
	out=$(timeout -k 5 90 script -qec "ctr -a $sock -n $ns run $(cgopt tty1) -t --rm --rootfs $rootfs tty1 sh -c 'tty; test -t 0 && echo stdin-is-tty; exit 4'" /dev/null)
	rc=$?
	out=$(printf '%s' "$out" | tr -d '\r\000' | sed 's/\^@//g')
	echo "output: $(printf '%s' "$out" | cat -v | tr '\n' '|')"
	[ "$rc" = 4 ] || { echo "exit code $rc, want 4 (output: $(echo $out))"; return 1; }
	echo "$out" | grep -qx '/dev/pts/[0-9]*' || { echo "tty says: $(echo $out)"; return 1; }
	echo "$out" | grep -qx stdin-is-tty || { echo "stdin is not a tty: $(echo $out)"; return 1; }
}

exec_notty() {
	start_detached ex1 -- sleep 1000 || return 1
	local out rc
	out=$(c task exec --exec-id e1 ex1 sh -c 'echo pid1=$(cat /proc/1/comm); test -t 0 || echo notty; exit 5')
	rc=$?
	out=$(echo $out)
	[ "$rc" = 5 ] || { echo "exit code $rc, want 5 ($out)"; return 1; }
	# The process is in the container's pid namespace.
	[ "$out" = "pid1=sleep notty" ] || { echo "output: $out"; return 1; }
}

exec_stdin() {
	local out
	out=$(echo piped-in | c task exec --exec-id e2 ex1 sh -c 'read l; echo got $l')
	[ "$out" = "got piped-in" ] || { echo "output: '$out'"; return 1; }
}

exec_tty() {
	local out rc
	out=$(timeout -k 5 90 script -qec "ctr -a $sock -n $ns task exec -t --exec-id t1 ex1 sh -c 'tty; test -t 0 && echo stdin-is-tty; exit 6'" /dev/null)
	rc=$?
	out=$(printf '%s' "$out" | tr -d '\r\000' | sed 's/\^@//g')
	echo "output: $(printf '%s' "$out" | cat -v | tr '\n' '|')"
	[ "$rc" = 6 ] || { echo "exit code $rc, want 6 ($out)"; return 1; }
	echo "$out" | grep -qx '/dev/pts/[0-9]*' || { echo "tty says: $(echo $out)"; return 1; }
	echo "$out" | grep -qx stdin-is-tty || { echo "stdin is not a tty: $(echo $out)"; return 1; }
}

# ctr and the runtime both say paused, the scope's cgroup is frozen and the
# process's counter stands still; after resume it moves again.
pause_resume() {
	start_detached pr1 -- sh -c 'i=0; while :; do i=$((i+1)); echo $i >/tmp/pr1; sleep 0.2; done' || return 1
	local pid st a b ev
	pid=$(task_pid pr1)
	ev=$(scope_dir pr1)/cgroup.events
	while [ ! -s /proc/$pid/root/tmp/pr1 ]; do sleep 0.2; done
	c task pause pr1 || return 1
	[ "$(task_status pr1)" = PAUSED ] || { echo "ctr status after pause: $(task_status pr1)"; return 1; }
	st=$("$RUNTIME" --root "$rroot/$ns" state pr1 | jq -r .status)
	[ "$st" = paused ] || { echo "runtime state after pause: $st"; return 1; }
	grep -qx 'frozen 1' "$ev" || { echo "cgroup.events after pause: $(tr '\n' ' ' <"$ev")"; return 1; }
	a=$(cat /proc/$pid/root/tmp/pr1)
	sleep 1
	b=$(cat /proc/$pid/root/tmp/pr1)
	[ "$a" = "$b" ] || { echo "counter moved while paused: $a -> $b"; return 1; }
	c task resume pr1 || return 1
	[ "$(task_status pr1)" = RUNNING ] || { echo "ctr status after resume: $(task_status pr1)"; return 1; }
	grep -qx 'frozen 0' "$ev" || { echo "cgroup.events after resume: $(tr '\n' ' ' <"$ev")"; return 1; }
	while [ "$(cat /proc/$pid/root/tmp/pr1)" = "$b" ]; do sleep 0.2; done
}

# The signal reaches the process (its trap writes a file and exits 9) and
# the task ends up stopped with that exit status.
kill_signal() {
	start_detached k1 -- sh -c 'trap "echo got-usr1 >/tmp/k1-sig; exit 9" USR1; echo ready >/tmp/k1-ready; while :; do sleep 0.2; done' || return 1
	local pid
	pid=$(task_pid k1)
	rm -f "$rootfs/tmp/k1-sig"
	while [ ! -s /proc/$pid/root/tmp/k1-ready ]; do sleep 0.2; done
	c task kill -s SIGUSR1 k1 || return 1
	wait_status k1 STOPPED
	[ "$(cat "$rootfs/tmp/k1-sig" 2>/dev/null)" = got-usr1 ] || { echo "the process did not see SIGUSR1"; return 1; }
	local out
	out=$(c task delete k1 2>&1)
	echo "$out" | grep -q 'exit code 9' || { echo "task delete says: '$out' (want exit code 9)"; return 1; }
}

# ctr task kill's default signal is SIGTERM. The process is its pid
# namespace's init, which the kernel only lets a signal with a handler reach.
kill_term() {
	start_detached k2 -- sh -c 'trap "echo got-term >/tmp/k2-sig; exit 0" TERM; echo ready >/tmp/k2-ready; while :; do sleep 0.2; done' || return 1
	local pid
	pid=$(task_pid k2)
	rm -f "$rootfs/tmp/k2-sig"
	while [ ! -s /proc/$pid/root/tmp/k2-ready ]; do sleep 0.2; done
	c task kill k2 || return 1
	wait_status k2 STOPPED
	[ "$(cat "$rootfs/tmp/k2-sig" 2>/dev/null)" = got-term ] || { echo "the process did not see SIGTERM"; return 1; }
}

metrics() {
	start_detached m1 -- sleep 1000 || return 1
	local out
	out=$(c task metrics --format json m1) || return 1
	echo "$out" | jq -e '.pids.current >= 1' >/dev/null || { echo "no pids.current: $out"; return 1; }
	echo "$out" | jq -e '.memory.usage > 0' >/dev/null || { echo "no memory.usage: $out"; return 1; }
}

# ctr run (attached) waits while the process sleeps, and returns its code.
wait_exit() {
	local rc
	run_ctr w1 -- sh -c 'sleep 2; exit 42'
	rc=$?
	[ "$rc" = 42 ] || { echo "ctr run returned $rc, want 42"; return 1; }
}

detach_list_delete() {
	start_detached d1 -- sleep 1000 || return 1
	[ "$(task_status d1)" = RUNNING ] || { echo "task ls: $(c task ls)"; return 1; }
	c task kill -s KILL d1 || return 1
	wait_status d1 STOPPED
	c task delete d1 || return 1
	if c task ls -q | grep -qx d1; then echo "task d1 still listed"; return 1; fi
	if "$RUNTIME" --root "$rroot/$ns" state d1 >/dev/null 2>&1; then echo "the runtime still has d1"; return 1; fi
	[ ! -e "$(scope_dir d1)" ] || { echo "scope cgroup of d1 left"; return 1; }
	c container delete d1 || return 1
}

memory_limit() {
	start_detached ml1 --memory-limit 67108864 -- sleep 1000 || return 1
	local v
	v=$(cat "$(scope_dir ml1)/memory.max")
	[ "$v" = 67108864 ] || { echo "memory.max is $v"; return 1; }
	v=$(systemctl show -p MemoryMax --value "$prefix-ml1.scope")
	[ "$v" = 67108864 ] || { echo "systemd's MemoryMax is $v"; return 1; }
}

# The checks run in a bash of their own (lib.sh's check): the settings
# go to it through the environment.
export base sock ns rroot slice prefix rootfs ctrd_pid

check containerd-starts daemon_up
check run-rm-output-and-exit-code run_rm
check run-rm-cgroup-is-systemd-scope run_rm_cgroup
check run-tty run_tty
check exec-without-tty exec_notty
check exec-stdin-pipe exec_stdin
check exec-with-tty exec_tty
remove ex1
check pause-resume pause_resume
remove pr1
check kill-signal-reaches-process kill_signal
remove k1
check kill-default-term-stops-task kill_term
remove k2
check metrics-memory-pids metrics
remove m1
check run-returns-exit-code-after-wait wait_exit
remove w1
check run-detached-list-delete detach_list_delete
remove d1
check memory-limit-in-memory-max memory_limit
remove ml1
