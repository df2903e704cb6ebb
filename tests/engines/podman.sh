#!/bin/bash
# podman.sh: Podman (as root, cgroup manager systemd, no network) over
# RUNTIME, one check per behaviour an engine user relies on. Run by run.sh
# in the systemd + cgroup v2 guest; see lib.sh for the output contract.
. "$(dirname "$0")/lib.sh"

export RUNTIME RUNTIME_NAME
work=$(mktemp -d /var/tmp/engines-podman.XXXXXX)
export work
# conmon leaves files (oom) in its working directory.
cd "$work" || exit 1
IMG=localhost/busybox
export IMG

# Every podman call names the runtime and the cgroup manager, so the
# checks do not depend on the guest's containers.conf.
pm() { podman --runtime "$RUNTIME" --cgroup-manager systemd "$@"; }
# run flags every container gets.
pmrun() { pm run --network none "$@"; }
cname() { echo "t-$RUNTIME_NAME-$1"; }
pid_of() { pm inspect --format '{{.State.Pid}}' "$1"; }
cg_of() {
	local pid
	pid=$(pid_of "$1") || return 1
	echo "/sys/fs/cgroup$(sed -n 's/^0:://p' "/proc/$pid/cgroup")"
}
# start NAME RUNFLAGS...: a detached LOOP container, up once it said ready.
start() {
	local n=$1
	shift
	pmrun -d --name "$n" "$@" $IMG sh -c "$LOOP" >/dev/null || return 1
	until_ok 60 bash -c "pm logs $n 2>&1 | grep -q ready" || fail "$n never said ready"
}
export -f pm pmrun fail until_ok cname pid_of cg_of start

t_run_rm() {
	local out rc
	out=$(pmrun --rm --name "$(cname runrm)" $IMG sh -c 'echo hello from $(cat /proc/1/comm); exit 7')
	rc=$?
	echo "$out"
	[ "$out" = "hello from sh" ] || fail "output: $out"
	[ $rc -eq 7 ] || fail "exit code $rc, want 7"
	! pm container exists "$(cname runrm)" || fail "container left"
}

t_run_d_logs_stop() {
	local n id st
	n=$(cname logs)
	id=$(pmrun -d --name "$n" $IMG sh -c 'echo line1; echo line2; exec sleep 600') || fail "run -d failed"
	until_ok 60 bash -c "pm logs $n | grep -q line2" || fail "logs: $(pm logs $n 2>&1)"
	[ "$(pm logs $n)" = "$(printf 'line1\nline2')" ] || fail "logs: $(pm logs $n)"
	[ "$(pm inspect --format '{{.State.Status}}' $n)" = running ] || fail "not running"
	pm stop -t 2 $n >/dev/null || fail "stop failed"
	st=$(pm inspect --format '{{.State.Status}} {{.State.ExitCode}}' $n)
	# sleep as pid 1 ignores TERM: podman kills it after 2 s.
	[ "$st" = "exited 137" ] || fail "after stop: $st"
	pm rm $n >/dev/null
}

t_stop_fast() {
	local n t0 t1 st
	n=$(cname stopfast)
	start $n || return 1
	t0=$(date +%s%N)
	pm stop -t 60 $n >/dev/null || fail "stop failed"
	t1=$(date +%s%N)
	echo "stop took $(((t1 - t0) / 1000000)) ms"
	st=$(pm inspect --format '{{.State.Status}} {{.State.ExitCode}}' $n)
	[ "$st" = "exited 0" ] || fail "after stop: $st (want exited 0: TERM trapped)"
	pm logs $n | grep -q got-term || fail "no got-term in logs"
	# Podman waits up to its timeout (60 s) for an exit it missed; under
	# TCG a podman command alone takes seconds, so the bound is loose but
	# far from the timeout.
	[ $(((t1 - t0) / 1000000)) -lt "${STOP_MAX_MS:-15000}" ] || fail "stop took $(((t1 - t0) / 1000000)) ms"
	pm rm $n >/dev/null
}

t_exec_it() {
	local n out
	n=$(cname execit)
	start $n || return 1
	out=$(script -qec "podman --runtime $RUNTIME --cgroup-manager systemd exec -it $n sh -c 'tty; [ -t 0 ] && echo stdin-tty; exit 3'" /dev/null | tr -d '\r')
	local rc=$?
	echo "$out"
	echo "$out" | grep -q '^/dev/pts/[0-9]' || fail "no pty: $out"
	echo "$out" | grep -qx stdin-tty || fail "stdin not a tty: $out"
	out=$(script -qec "podman --runtime $RUNTIME --cgroup-manager systemd exec -it $n sh -c 'exit 3'" /dev/null)
	rc=$?
	[ $rc -eq 3 ] || fail "exec -it exit code $rc, want 3"
	pm rm -f -t 0 $n >/dev/null
}

t_run_it() {
	local out rc
	out=$(script -qec "podman --runtime $RUNTIME --cgroup-manager systemd run --network none --rm -it $IMG sh -c 'tty; [ -t 0 ] && echo stdin-tty; stty size; exit 4'" /dev/null | tr -d '\r')
	echo "$out"
	echo "$out" | grep -q '^/dev/pts/0$' || fail "no pty: $out"
	echo "$out" | grep -qx stdin-tty || fail "stdin not a tty: $out"
	script -qec "podman --runtime $RUNTIME --cgroup-manager systemd run --network none --rm -it $IMG sh -c 'exit 4'" /dev/null
	rc=$?
	[ $rc -eq 4 ] || fail "run -it exit code $rc, want 4"
}

t_pause() {
	local n cg st
	n=$(cname pause)
	# The container counts; frozen, the count stops.
	pmrun -d --name $n $IMG sh -c 'i=0; while :; do i=$((i+1)); echo $i >/tmp/count; sleep 0.1; done' >/dev/null || fail "run failed"
	cg=$(cg_of $n) || fail "no cgroup"
	pm pause $n >/dev/null || fail "pause failed"
	st=$(pm inspect --format '{{.State.Status}}' $n)
	[ "$st" = paused ] || fail "state after pause: $st"
	grep -qx 'frozen 1' "$cg/cgroup.events" || fail "$cg not frozen: $(cat $cg/cgroup.events)"
	local pid c1 c2
	pid=$(pid_of $n)
	c1=$(cat /proc/$pid/root/tmp/count)
	sleep 1
	c2=$(cat /proc/$pid/root/tmp/count)
	[ "$c1" = "$c2" ] || fail "count moved while paused: $c1 -> $c2"
	pm unpause $n >/dev/null || fail "unpause failed"
	st=$(pm inspect --format '{{.State.Status}}' $n)
	[ "$st" = running ] || fail "state after unpause: $st"
	grep -qx 'frozen 0' "$cg/cgroup.events" || fail "$cg still frozen"
	until_ok 30 bash -c "[ \"\$(cat /proc/$pid/root/tmp/count)\" != '$c2' ]" || fail "count does not move after unpause"
	pm rm -f -t 0 $n >/dev/null
}

t_top() {
	local n out
	n=$(cname top)
	start $n || return 1
	out=$(pm top $n pid user comm)
	echo "$out"
	echo "$out" | grep -Eq '^1 +root +sh$' || fail "no 'sh' as pid 1 in top"
	echo "$out" | grep -Eq ' sleep$' || fail "no sleep in top"
	pm rm -f -t 0 $n >/dev/null
}

t_stats() {
	local n out
	n=$(cname stats)
	start $n || return 1
	out=$(pm stats --no-stream --format '{{.MemUsage}}|{{.PIDs}}' $n)
	echo "$out"
	echo "$out" | grep -Eq '^[0-9.]+[kMG]?B / [0-9.]+[kMGT]?B\|[1-9]' || fail "stats: $out"
	pm rm -f -t 0 $n >/dev/null
}

t_update_memory() {
	local n cg v
	n=$(cname update)
	start $n --memory 128m || return 1
	cg=$(cg_of $n) || fail "no cgroup"
	v=$(cat "$cg/memory.max")
	[ "$v" = 134217728 ] || fail "memory.max before update: $v"
	pm update --memory 64m $n || fail "update failed"
	v=$(cat "$cg/memory.max")
	[ "$v" = 67108864 ] || fail "memory.max after update: $v, want 67108864"
	pm rm -f -t 0 $n >/dev/null
}

t_oom() {
	local n rc oom ev
	n=$(cname oom)
	# tail keeps a line of /dev/zero, which has no newline, whole.
	pmrun --name $n --memory 16m --memory-swap 16m $IMG tail /dev/zero
	rc=$?
	[ $rc -eq 137 ] || fail "exit code $rc, want 137"
	oom=$(pm inspect --format '{{.State.OOMKilled}}' $n)
	[ "$oom" = true ] || fail "OOMKilled: $oom"
	ev=$(pm events --stream=false --filter container=$n --format '{{.Status}}')
	echo "events: $ev"
	echo "$ev" | grep -qi oom || fail "no oom event: $(echo $ev)"
	pm rm $n >/dev/null
}

t_pids_limit() {
	local out
	out=$(pmrun --rm --pids-limit 5 $IMG sh -c 'cat /sys/fs/cgroup/pids.max; for i in 1 2 3 4 5 6 7 8; do sleep 3 & done; wait' 2>&1)
	echo "$out"
	[ "$(echo "$out" | head -n 1)" = 5 ] || fail "pids.max: $(echo "$out" | head -n 1)"
	echo "$out" | grep -Eq "can't fork|Resource temporarily" || fail "no fork failure beyond 5 pids"
}

t_read_only() {
	local out
	out=$(pmrun --rm --read-only $IMG sh -c 'touch /etc/x 2>&1; echo rc=$?; grep " / " /proc/mounts' 2>&1)
	echo "$out"
	echo "$out" | grep -q 'Read-only file system' || fail "write to / did not fail EROFS"
	echo "$out" | grep -qx 'rc=1' || fail "touch did not fail"
	echo "$out" | grep -Eq ' / [^ ]+ ro[, ]' || fail "/ not mounted ro"
}

t_tmpfs() {
	local out
	out=$(pmrun --rm --tmpfs /scratch:size=1m,mode=1777 $IMG sh -c 'grep " /scratch " /proc/mounts; echo hi >/scratch/f && cat /scratch/f; stat -c %a /scratch' 2>&1)
	echo "$out"
	echo "$out" | grep -Eq '^tmpfs /scratch tmpfs rw,.*size=1024k' || fail "no 1m tmpfs on /scratch"
	echo "$out" | grep -qx hi || fail "cannot write to the tmpfs"
	echo "$out" | grep -qx 1777 || fail "mode not 1777"
}

t_cap_drop() {
	local out
	out=$(pmrun --rm --cap-drop all $IMG sh -c 'grep -E "^Cap(Eff|Prm|Bnd):" /proc/self/status; chown 1 /tmp 2>&1' 2>&1)
	echo "$out"
	echo "$out" | grep -Eq '^CapEff:[[:space:]]+0+$' || fail "CapEff not 0"
	echo "$out" | grep -Eq '^CapBnd:[[:space:]]+0+$' || fail "CapBnd not 0"
	echo "$out" | grep -q 'Operation not permitted' || fail "chown as root without caps did not fail"
}

t_user() {
	local out
	out=$(pmrun --rm --user 65534:65534 $IMG sh -c 'id -u; id -g; touch /root/x 2>&1' 2>&1)
	echo "$out"
	[ "$(echo "$out" | sed -n 1p)" = 65534 ] || fail "uid not 65534"
	[ "$(echo "$out" | sed -n 2p)" = 65534 ] || fail "gid not 65534"
	echo "$out" | grep -q 'Permission denied' || fail "nobody could write to /root"
}

t_volume() {
	local d out
	d=$work/vol
	mkdir -p $d && echo from-host >$d/in
	out=$(pmrun --rm -v $d:/data $IMG sh -c 'cat /data/in; echo from-ctr >/data/out' 2>&1)
	echo "$out"
	[ "$out" = from-host ] || fail "read in container: $out"
	[ "$(cat $d/out 2>&1)" = from-ctr ] || fail "written in container: $(cat $d/out 2>&1)"
	out=$(pmrun --rm -v $d:/data:ro $IMG sh -c 'echo x >/data/out2' 2>&1)
	echo "$out" | grep -q 'Read-only file system' || fail ":ro volume writable: $out"
}

t_init() {
	local out
	out=$(pmrun --rm --init $IMG sh -c 'cat /proc/1/comm; echo $$' 2>&1)
	echo "$out"
	echo "$out" | sed -n 1p | grep -Eq 'catatonit|init' || fail "pid 1 is $(echo "$out" | sed -n 1p)"
	[ "$(echo "$out" | sed -n 2p)" != 1 ] || fail "sh is pid 1"
}

t_kill_signal() {
	local n st
	n=$(cname kill)
	start $n || return 1
	pm kill -s USR1 $n >/dev/null || fail "kill -s USR1 failed"
	until_ok 30 bash -c "pm logs $n | grep -q got-usr1" || fail "USR1 not seen: $(pm logs $n | tail -n 1)"
	st=$(pm inspect --format '{{.State.Status}}' $n)
	[ "$st" = running ] || fail "state after USR1: $st"
	pm kill -s KILL $n >/dev/null || fail "kill -s KILL failed"
	until_ok 30 bash -c "[ \"\$(pm inspect --format '{{.State.Status}}' $n)\" = exited ]" || fail "not exited after KILL"
	st=$(pm inspect --format '{{.State.ExitCode}}' $n)
	[ "$st" = 137 ] || fail "exit code after KILL: $st"
	pm rm $n >/dev/null
}

t_cp() {
	local n out
	n=$(cname cp)
	start $n || return 1
	echo to-ctr >$work/cpin
	pm cp $work/cpin $n:/tmp/cpin || fail "cp into container failed"
	out=$(pm exec $n cat /tmp/cpin)
	[ "$out" = to-ctr ] || fail "file copied in: $out"
	pm exec $n sh -c 'echo from-ctr >/tmp/cpout' || fail "exec failed"
	pm cp $n:/tmp/cpout $work/cpout || fail "cp out of container failed"
	[ "$(cat $work/cpout)" = from-ctr ] || fail "file copied out: $(cat $work/cpout)"
	pm rm -f -t 0 $n >/dev/null
}

health_of() {
	pm inspect "$1" | jq -r '.[0].State.Health.Status // .[0].State.Healthcheck.Status // empty'
}
export -f health_of

t_healthcheck() {
	local n st
	n=$(cname health)
	start $n --health-cmd 'test -e /tmp/healthy' --health-interval 2s --health-retries 1 || return 1
	st=$(health_of $n)
	echo "before: $st"
	[ "$st" != healthy ] || fail "healthy before the check can pass"
	pm exec $n touch /tmp/healthy || fail "exec failed"
	# Only the systemd timer podman made runs the check from here on.
	until_ok 90 bash -c "[ \"\$(health_of $n)\" = healthy ]" || fail "never healthy: $(health_of $n)"
	pm rm -f -t 0 $n >/dev/null
}

t_systemd_scope() {
	local n id pid cg
	n=$(cname scope)
	start $n || return 1
	id=$(pm inspect --format '{{.Id}}' $n)
	pid=$(pid_of $n)
	cg=$(sed -n 's/^0:://p' /proc/$pid/cgroup)
	echo "cgroup: $cg"
	[ "$cg" = "/machine.slice/libpod-$id.scope" ] || fail "cgroup $cg, want /machine.slice/libpod-$id.scope"
	[ "$(systemctl show -p ActiveState --value libpod-$id.scope)" = active ] || fail "scope not active"
	[ "$(systemctl show -p Slice --value libpod-$id.scope)" = machine.slice ] || fail "scope not in machine.slice"
	pm rm -f -t 0 $n >/dev/null
	until_ok 30 bash -c "! systemctl is-active -q libpod-$id.scope" || fail "scope left after rm"
}

cleanup() {
	pm rm -f -t 0 $(pm ps -aq --filter "name=^t-$RUNTIME_NAME-") >/dev/null 2>&1
	rm -rf "$work"
	rm -f "$check_log"
}
trap cleanup EXIT

# The image: the guest's static busybox, imported once.
if ! podman image exists $IMG; then
	busybox_rootfs "$work/rootfs"
	tar -C "$work/rootfs" -c . | podman import - $IMG >/dev/null || {
		echo "cannot import $IMG" >&2
		exit 1
	}
fi
pm rm -f -t 0 $(pm ps -aq --filter "name=^t-$RUNTIME_NAME-") >/dev/null 2>&1

check run-rm t_run_rm
check run-d-logs-stop t_run_d_logs_stop
check stop-term-trap-fast t_stop_fast
check exec-it t_exec_it
check run-it t_run_it
check pause-unpause t_pause
check top t_top
check stats t_stats
check update-memory t_update_memory
check memory-oom t_oom
check pids-limit t_pids_limit
check read-only t_read_only
check tmpfs t_tmpfs
check cap-drop-all t_cap_drop
check user t_user
check volume t_volume
check init t_init
check kill-signal t_kill_signal
check cp t_cp
check healthcheck t_healthcheck
check systemd-scope t_systemd_scope
exit 0
