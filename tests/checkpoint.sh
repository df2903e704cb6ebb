#!/bin/bash
# checkpoint.sh: rt checkpoint and restore through CRIU. A container is
# dumped and restored (its memory, tmpfs, exec'd processes and pid go on
# where they were), dumped with --leave-running and restored under another
# name, dumped after a pre-dump, restored with new stdio pipes, with a new
# terminal sent to a console socket, in the foreground (the exit code
# passes through), with bind mounts whose mountpoints vanished, into its
# joined network namespace (also with a linux.netDevices device in it)
# and into another cgroup. Needs a kernel CRIU
# can dump on (the guest of `make test-checkpoint`, which adds criu to it).
# Prints one PASS/FAIL line per check and exits non-zero on any failure.
set -u
repo=$(cd "$(dirname "$0")/.." && pwd)
RT_BIN=${RT_BIN:-$repo/rt}
RECVTTY=${RECVTTY:-$repo/tests/integration/tools/bin/recvtty}
command -v criu >/dev/null || { echo "checkpoint.sh: needs criu" >&2; exit 2; }
[ -x "$RECVTTY" ] || { echo "checkpoint.sh: needs $RECVTTY (make tools)" >&2; exit 2; }

work=/var/tmp/rt-checkpoint.$$
root=$work/root
bundle=$work/bundle
cg=/sys/fs/cgroup/rt-ckpt

rt() { "$RT_BIN" --root "$root" "$@"; }

. "$repo/tests/guest-lib.sh"

cfg() { # JQ-EXPR: edit the bundle's config.json
	jq "$@" "$bundle/config.json" >"$bundle/c.json" && mv "$bundle/c.json" "$bundle/config.json"
}

status() { rt state "$1" 2>/dev/null | jq -r .status; }
is_status() { [ "$(status "$1")" = "$2" ]; }
gone() { ! rt state "$1" >/dev/null 2>&1 && [ ! -e "$root/$1" ]; }
count() { rt exec "$1" cat /tmp/count; }
count_above() { [ "$(count "$1")" -gt "$2" ]; }

# until_true CMD...: polls CMD for up to 20 s (the guest is emulated).
until_true() {
	local i
	for i in $(seq 200); do
		"$@" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# dump_log DIR: CRIU's errors, to see why a step failed.
dump_log() { grep -h Error "$1"/*.log 2>/dev/null | tail -5 >&2; }

cleanup() {
	local id
	for id in ct ct2 tty fg pipes nb ns cgm nd lz lz2; do rt delete -f "$id" >/dev/null 2>&1; done
	[ -z "${recv_pid:-}" ] || kill "$recv_pid" 2>/dev/null
	ip netns del rtckpt 2>/dev/null
	ip netns del rtckpt-nd 2>/dev/null
	ip link del rtckpt-d0 2>/dev/null
	rmdir "$cg"/* "$cg" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# A private copy: the shared ./rt may be rebuilt while this runs.
mkdir -p "$work" && cp "$RT_BIN" "$work/rt" && RT_BIN=$work/rt || exit 1
cd "$work" || exit 1
# The rootfs goes on the guest's disk: 9p cannot hold device nodes. The
# process counts in its memory and in /tmp (a tmpfs CRIU dumps). Its stdio
# is the container's /dev/null: CRIU cannot dump a file of a mount outside
# the container (pipes and terminals have their own tests below).
"$repo/scripts/mkbundle.sh" "$bundle" 'exec </dev/null >/dev/null 2>&1; n=0; while :; do n=$((n+1)); echo $n >/tmp/count; sleep 0.1; done' >/dev/null || exit 1
cfg '.linux.cgroupsPath = "/rt-ckpt/ct" | .linux.resources.pids = {"limit": 50}'

# --- dump, restore, twice; exec'd processes come back too
check "run -d" rt run -d -b "$bundle" ct
until_true count_above ct 2
# Backgrounded by an exec'd shell, so that it is orphaned inside the
# container and the init adopts it (an exec'd process itself has a parent
# outside the container, and is not in the tree CRIU dumps).
execed=$(rt exec ct sh -c 'sleep 1000 </dev/null >/dev/null 2>&1 & echo $!')
check "exec'd shell started a process" test -n "$execed"
for round in 1 2; do
	before=$(count ct)
	check "$round: checkpoint" rt checkpoint --image-path "$work/img$round" --work-path "$work/wrk$round" ct || dump_log "$work/wrk$round"
	check "$round: checkpoint: container gone" gone ct
	check "$round: checkpoint: cgroup gone" test ! -d "$cg/ct"
	check "$round: checkpoint: images and descriptors" test -s "$work/img$round/inventory.img" -a -s "$work/img$round/descriptors.json"
	check "$round: restore -d" rt restore -d -b "$bundle" --image-path "$work/img$round" --work-path "$work/wrk$round" --pid-file "$work/pid" ct || dump_log "$work/wrk$round"
	check "$round: restore: running" test "$(status ct)" = running
	pid=$(rt state ct | jq -r .pid)
	check "$round: restore: pid file" test "$(cat "$work/pid")" = "$pid"
	check "$round: restore: init in the new cgroup" grep -qx "0::/rt-ckpt/ct" "/proc/$pid/cgroup"
	check "$round: restore: limits set" test "$(cat "$cg/ct/pids.max")" = 50
	check "$round: restore: exec" test "$(rt exec ct echo ok)" = ok
	check "$round: restore: the count goes on from where it was" until_true count_above ct "$before"
	check "$round: restore: the exec'd process is back" rt exec ct test -d "/proc/$execed"
	check "$round: restore: list shows it" eval 'rt list -q | grep -qx ct'
done
check "restore: kill and delete" eval 'rt kill ct KILL && until_true is_status ct stopped && rt delete ct'
check "delete: cgroup gone" test ! -d "$cg/ct"

# --- --leave-running: the container keeps running; the image restores
# as another container once the first is gone
check "leave-running: run -d" rt run -d -b "$bundle" ct
until_true count_above ct 2
pid=$(rt state ct | jq -r .pid)
check "leave-running: checkpoint" rt checkpoint --leave-running --image-path "$work/lr" ct || dump_log "$work/lr"
check "leave-running: still running" test "$(status ct)" = running
check "leave-running: same init" test "$(rt state ct | jq -r .pid)" = "$pid"
check "leave-running: still counting" until_true count_above ct "$(count ct)"
rt delete -f ct
check "leave-running: restore as ct2" rt restore -d -b "$bundle" --image-path "$work/lr" ct2 || dump_log "$work/lr"
check "leave-running: restored running" test "$(status ct2)" = running
check "leave-running: restored counts on" until_true count_above ct2 0
rt delete -f ct2

# --- pre-dump, then a dump on top of it
check "pre-dump: run -d" rt run -d -b "$bundle" ct
mkdir -p "$work/pd/parent" "$work/pd/image"
check "pre-dump" rt checkpoint --pre-dump --image-path "$work/pd/parent" ct || dump_log "$work/pd/parent"
check "pre-dump: still running" test "$(status ct)" = running
check "pre-dump: dump with --parent-path" rt checkpoint --parent-path ../parent --image-path "$work/pd/image" ct || dump_log "$work/pd/image"
check "pre-dump: parent link" test -e "$work/pd/image/parent"
check "pre-dump: restore" rt restore -d -b "$bundle" --image-path "$work/pd/image" ct || dump_log "$work/pd/image"
check "pre-dump: running" test "$(status ct)" = running
rt delete -f ct

# --- stdio pipes: restore hands its own pipes to the restored process
cfg '.process.args = ["sh", "-c", "exec 2>/dev/null; while read x; do echo ponG $x; done"]'
pipe() { # R W: two fds on the ends of a new anonymous pipe
	local p
	exec {p}<> <(:)
	eval "exec {$1}</proc/self/fd/$p {$2}>/proc/self/fd/$p"
	exec {p}>&-
}
pipe in1r in1w; pipe out1r out1w; pipe in2r in2w; pipe out2r out2w
check "pipes: run -d" eval 'rt run -d -b "$bundle" pipes <&$in1r >&$out1w'
echo one >&$in1w
read -t 30 -r got <&$out1r
check "pipes: before" test "$got" = "ponG one"
check "pipes: checkpoint" rt checkpoint --image-path "$work/pipes" pipes || dump_log "$work/pipes"
check "pipes: restore -d with new pipes" eval 'rt restore -d -b "$bundle" --image-path "$work/pipes" pipes <&$in2r >&$out2w' || dump_log "$work/pipes"
echo two >&$in2w
read -t 30 -r got <&$out2r
check "pipes: after, on the new pipes" test "$got" = "ponG two"
rt delete -f pipes
exec {in1r}>&- {in1w}>&- {out1r}>&- {out1w}>&- {in2r}>&- {in2w}>&- {out2r}>&- {out2w}>&-

# --- a terminal: the restored one goes to the new console socket
cfg '.process.terminal = true | .process.args = ["sh", "-c", "while read x; do echo got-$x; done"]'
"$RECVTTY" -hold "$work/tty1.sock" &
recv_pid=$!
until_true test -S "$work/tty1.sock"
check "tty: run -d" rt run -d -b "$bundle" --console-socket "$work/tty1.sock" tty
check "tty: checkpoint" rt checkpoint --image-path "$work/tty" tty || dump_log "$work/tty"
kill "$recv_pid"
"$RECVTTY" -input $'hello\n' "$work/tty2.sock" >"$work/tty2.out" &
recv_pid=$!
until_true test -S "$work/tty2.sock"
check "tty: restore -d --console-socket" rt restore -d -b "$bundle" --image-path "$work/tty" --console-socket "$work/tty2.sock" tty || dump_log "$work/tty"
check "tty: the restored shell reads and writes the new terminal" until_true grep -q got-hello "$work/tty2.out"
rt delete -f tty
kill "$recv_pid" 2>/dev/null
recv_pid=

# --- in the foreground: the exit code passes through, then it is deleted
cfg '.process.terminal = false | .process.args = ["sh", "-c", "exec </dev/null >/dev/null 2>&1; while [ ! -e /tmp/stop ]; do sleep 0.1; done; exit 7"]'
check "foreground: run -d" rt run -d -b "$bundle" fg
check "foreground: checkpoint" rt checkpoint --image-path "$work/fg" fg || dump_log "$work/fg"
rt restore -b "$bundle" --image-path "$work/fg" fg </dev/null >/dev/null 2>"$work/fg.err" &
fg_pid=$!
until_true is_status fg running
check "foreground: exec" rt exec fg touch /tmp/stop
wait "$fg_pid"
check "foreground: exit code" test $? = 7
check "foreground: deleted" gone fg

# --- bind mounts, one nested in the other, whose mountpoint is gone by
# the time of the restore; a bind onto a symlink
mkdir -p "$work/b1" "$work/b2" "$bundle/rootfs/real/conf"
ln -sfn /real/conf "$bundle/rootfs/conf"
cfg --arg b1 "$work/b1" --arg b2 "$work/b2" '.process.args = ["sh", "-c", "exec sleep 1000 </dev/null >/dev/null 2>&1"] | .mounts += [
	{"type": "bind", "source": $b1, "destination": "/test", "options": ["rbind", "rw"]},
	{"type": "bind", "source": $b2, "destination": "/test/for/nested", "options": ["rbind", "rw"]},
	{"type": "bind", "source": ".", "destination": "/conf", "options": ["bind"]}]'
check "binds: run -d" rt run -d -b "$bundle" nb
check "binds: checkpoint" rt checkpoint --image-path "$work/nb" nb || dump_log "$work/nb"
rm -rf "${work:?}/b1/"*
check "binds: restore" rt restore -d -b "$bundle" --image-path "$work/nb" nb || dump_log "$work/nb"
check "binds: running" test "$(status nb)" = running
check "binds: nested bind is there" eval 'touch "$work/b2/x" && rt exec nb test -e /test/for/nested/x'
check "binds: symlinked bind is there" rt exec nb test -e /conf/config.json
rt delete -f nb
cfg 'del(.mounts[] | select(.type == "bind"))'
rm -f "$bundle/rootfs/conf"

# --- a joined network namespace: restored into the same one
ip netns add rtckpt
cfg '(.linux.namespaces[] | select(.type == "network")) .path = "/var/run/netns/rtckpt"'
ino=$(stat -Lc %i /var/run/netns/rtckpt)
check "netns: run -d" rt run -d -b "$bundle" ns
check "netns: checkpoint" rt checkpoint --image-path "$work/ns" ns || dump_log "$work/ns"
check "netns: restore" rt restore -d -b "$bundle" --image-path "$work/ns" ns || dump_log "$work/ns"
check "netns: same namespace" test "$(stat -Lc %i "/proc/$(rt state ns | jq -r .pid)/ns/net")" = "$ino"
rt delete -f ns
cfg '(.linux.namespaces[] | select(.type == "network")) |= del(.path)'

# --- --manage-cgroups-mode ignore: restored into another cgroup
check "cgroups ignore: run -d" rt run -d -b "$bundle" cgm
check "cgroups ignore: checkpoint" rt checkpoint --manage-cgroups-mode ignore --image-path "$work/cgm" cgm || dump_log "$work/cgm"
cfg '.linux.cgroupsPath = "/rt-ckpt/other"'
check "cgroups ignore: restore" rt restore -d -b "$bundle" --manage-cgroups-mode ignore --image-path "$work/cgm" cgm || dump_log "$work/cgm"
check "cgroups ignore: in the new cgroup" grep -qx "0::/rt-ckpt/other" "/proc/$(rt state cgm | jq -r .pid)/cgroup"
check "cgroups ignore: old cgroup gone" test ! -d "$cg/ct"
rt delete -f cgm
check "cgroups ignore: new cgroup gone after delete" test ! -d "$cg/other"

# --- linux.netDevices in a joined network namespace (runc's "checkpoint
# and restore with netdevice"): the device, with its MTU, MAC and address,
# is there after each restore; restore does not move it again (it never
# left the namespace, and the host no longer has it)
ip link add rtckpt-d0 address 00:11:22:33:44:55 mtu 1789 type dummy
ip address add 169.254.169.77/32 dev rtckpt-d0
ip netns add rtckpt-nd
cfg '(.linux.namespaces[] | select(.type == "network")) .path = "/var/run/netns/rtckpt-nd" | .linux.netDevices = {"rtckpt-d0": {}}'
nd_ok() {
	local out
	out=$(rt exec nd ip address show dev rtckpt-d0) &&
		[[ "$out" == *" 169.254.169.77/32 "* && "$out" == *"ether 00:11:22:33:44:55 "* && "$out" == *"mtu 1789 "* ]]
}
check "netdev: run -d" rt run -d -b "$bundle" nd
check "netdev: device in the container" nd_ok
for round in 1 2; do
	check "netdev $round: checkpoint" rt checkpoint --manage-cgroups-mode ignore --image-path "$work/nd$round" nd || dump_log "$work/nd$round"
	check "netdev $round: restore" rt restore -d -b "$bundle" --manage-cgroups-mode ignore --image-path "$work/nd$round" nd || dump_log "$work/nd$round"
	check "netdev $round: running" test "$(status nd)" = running
	check "netdev $round: device, MTU, MAC and address kept" nd_ok
done
rt delete -f nd
check "netdev: the device stays in the namespace" ip netns exec rtckpt-nd ip link show rtckpt-d0
ip netns del rtckpt-nd
cfg '(.linux.namespaces[] | select(.type == "network")) |= del(.path) | del(.linux.netDevices)'

# --- --lazy-pages (runc's "checkpoint --lazy-pages and restore"): the dump
# serves the memory from a page server, CRIU's lazy-pages daemon fetches
# it for the restored copy (another name: the first is only gone once the
# last page has moved), which answers on the first one's pipes.
cfg '.process.args = ["sh", "-c", "for i in `seq 10`; do read xxx || continue; echo ponG $xxx; done"] | .linux.cgroupsPath = "/rt-ckpt/lz"'
# Every stdio a pipe: CRIU can dump a pipe, but not a file (here the
# host's /dev/null) on a mount outside the container's (runc's test says
# the same of its stderr).
pipe lzin_r lzin_w; pipe lzout_r lzout_w; pipe lzerr_r lzerr_w; pipe st_r st_w
check "lazy: run -d" eval 'rt run -d -b "$bundle" lz <&$lzin_r >&$lzout_w 2>&$lzerr_w'
echo one >&$lzin_w
read -t 60 -r got <&$lzout_r
check "lazy: before" test "$got" = "ponG one"
mkdir -p "$work/lz/img" "$work/lz/wrk"
# The timeouts only keep a hang from stalling the guest until its end.
timeout 600 "$RT_BIN" --root "$root" checkpoint --lazy-pages --page-server 0.0.0.0:27277 --status-fd "$st_w" \
	--manage-cgroups-mode ignore --work-path "$work/lz/wrk" --image-path "$work/lz/img" lz 2>"$work/lz/ckpt.err" &
ckpt_pid=$!
exec {st_w}>&-
ready=$(timeout 600 dd if=/proc/self/fd/$st_r bs=1 count=1 2>/dev/null | od -An -c | tr -d ' ')
exec {st_r}>&-
check "lazy: the page server says it is ready (\\0 on --status-fd)" test "$ready" = '\0' ||
	{ cat "$work/lz/ckpt.err" >&2; dump_log "$work/lz/wrk"; }
check "lazy: inventory written" test -e "$work/lz/img/inventory.img"
cfg '.linux.cgroupsPath = "/rt-ckpt/lz2"'
timeout 600 criu lazy-pages --page-server --address 127.0.0.1 --port 27277 -D "$work/lz/img" -o lazy-pages.log &
lp_pid=$!
check "lazy: restore --lazy-pages as lz2" eval 'timeout 600 "$RT_BIN" --root "$root" restore -d --lazy-pages --manage-cgroups-mode ignore --work-path "$work/lz/img" --image-path "$work/lz/img" -b "$bundle" lz2 <&$lzin_r >&$lzout_w 2>&$lzerr_w' || dump_log "$work/lz/img"
wait "$ckpt_pid"
check "lazy: checkpoint ends once the pages have moved" test $? = 0 || { cat "$work/lz/ckpt.err" >&2; dump_log "$work/lz/wrk"; }
wait "$lp_pid"
check "lazy: lazy-pages daemon done" test $? = 0 || dump_log "$work/lz/img"
check "lazy: the first container is gone" gone lz
echo two >&$lzin_w
read -t 60 -r got <&$lzout_r
check "lazy: the restored copy answers on the same pipes" test "$got" = "ponG two"
rt delete -f lz2
exec {lzin_r}>&- {lzin_w}>&- {lzout_r}>&- {lzout_w}>&- {lzerr_r}>&- {lzerr_w}>&-
cfg '.linux.cgroupsPath = "/rt-ckpt/ct"'

echo "checkpoint: $fails failure(s)"
[ "$fails" -eq 0 ]
