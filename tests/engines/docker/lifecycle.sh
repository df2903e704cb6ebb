# Docker suite: the image, run, exec, logs, pause, stop, kill, restart,
# rm, health checks, top, stats, cp and export (docker.sh sources this).

t_daemon() {
	until_ok 240 d version >/dev/null 2>&1 || fail "dockerd did not answer on $sock: $(tail -n 3 "$base/dockerd.log")" || return 1
	local info
	info=$(d info --format '{{json .}}')
	echo "$info" | jq -e --arg r "$DRT" '.Runtimes[$r]' >/dev/null || fail "runtime $DRT not registered: $(echo "$info" | jq -c .Runtimes)" || return 1
	[ "$(echo "$info" | jq -r .CgroupDriver)" = $CGDRIVER ] || fail "cgroup driver $(echo "$info" | jq -r .CgroupDriver), want $CGDRIVER"
}

# The image: the static busybox with a web page, env and a default command.
t_import() {
	local r=$base/rootfs
	busybox_rootfs "$r"
	mkdir -p "$r/www"
	echo served-by-busybox >"$r/www/index.html"
	tar -C "$r" --numeric-owner -c . | d import \
		--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
		--change 'ENV IMGVAR=from-image' --change 'CMD ["sh"]' - $IMG >/dev/null || return 1
	rm -rf "$r"
	d image inspect $IMG >/dev/null
}

t_run_output() {
	local out rc
	out=$(dr --rm $IMG sh -c 'echo to-stdout; echo to-stderr >&2; exit 3' 2>"$base/run.err")
	rc=$?
	[ "$out" = to-stdout ] || fail "stdout: '$out'" || return 1
	grep -qx to-stderr "$base/run.err" || fail "stderr: $(cat "$base/run.err")" || return 1
	[ $rc = 3 ] || fail "exit code $rc, want 3"
}

t_run_rm() {
	local n rc
	n=$(cname rm)
	dr --rm --name "$n" $IMG true || fail "run failed" || return 1
	[ -z "$(d ps -aq --filter "name=^$n\$")" ] || fail "container $n left after --rm"
}

# Docker makes 127 and 126 of the runtime's error messages ("no such file
# or directory", "executable file not found", "permission denied").
t_exit_127() {
	local out rc
	out=$(dr --rm $IMG /no/such/program 2>&1)
	rc=$?
	echo "$out"
	[ $rc = 127 ] || fail "exit code $rc, want 127"
}

t_exit_126() {
	local out rc
	out=$(dr --rm $IMG /etc/passwd 2>&1)
	rc=$?
	echo "$out"
	[ $rc = 126 ] || fail "exit code $rc, want 126"
}

t_run_stdin() {
	local out
	out=$(echo piped-in | dr --rm -i $IMG sh -c 'read l; echo got $l')
	[ "$out" = "got piped-in" ] || fail "output: '$out'"
}

t_run_it() { tty_check 4 run --runtime "$DRT" --rm -it $IMG; }

t_run_d_logs() {
	local n
	n=$(cname logs)
	dr -d --name "$n" $IMG sh -c 'echo line1; echo line2 >&2; exec sleep 600' >/dev/null || fail "run -d failed" || return 1
	until_ok 60 sh -c "$DOCKER -H unix://$sock logs $n 2>&1 | grep -q line2" || fail "logs: $(d logs "$n" 2>&1)" || return 1
	[ "$(d logs "$n" 2>/dev/null)" = line1 ] || fail "stdout log: $(d logs "$n" 2>/dev/null)" || return 1
	[ "$(insp "$n" '{{.State.Status}}')" = running ] || fail "not running: $(insp "$n" '{{.State.Status}}')" || return 1
	verify_runtime "$n" || return 1
	rmf "$n"
}

t_exec() {
	local out rc
	out=$(d exec "$(cname ex)" sh -c 'echo pid1=$(cat /proc/1/comm); test -t 0 || echo notty; exit 5')
	rc=$?
	out=$(echo $out)
	[ "$out" = "pid1=sh notty" ] || fail "output: $out" || return 1
	[ $rc = 5 ] || fail "exit code $rc, want 5"
}

t_exec_it() { tty_check 6 exec -it "$(cname ex)"; }

t_exec_user() {
	local out
	out=$(d exec -u 65534:65534 "$(cname ex)" sh -c 'echo $(id -u) $(id -g)') || return 1
	[ "$out" = "65534 65534" ] || fail "exec -u 65534:65534: $out" || return 1
	out=$(d exec -u nobody "$(cname ex)" id -u) || return 1
	[ "$out" = 65534 ] || fail "exec -u nobody: $out"
}

t_exec_workdir() {
	local out
	out=$(d exec -w /tmp "$(cname ex)" pwd) || return 1
	[ "$out" = /tmp ] || fail "exec -w /tmp: pwd is $out"
}

t_exec_env() {
	local out
	out=$(d exec -e EXECVAR=from-exec "$(cname ex)" sh -c 'echo $EXECVAR $RUNVAR $IMGVAR') || return 1
	[ "$out" = "from-exec from-run from-image" ] || fail "env: $out"
}

t_exec_stdin() {
	local out
	out=$(echo piped-in | d exec -i "$(cname ex)" sh -c 'read l; echo got $l')
	[ "$out" = "got piped-in" ] || fail "output: '$out'"
}

t_top() {
	local out
	out=$(d top "$(cname ex)") || return 1
	echo "$out"
	echo "$out" | grep -q 'sh -c trap' || fail "no sh in top" || return 1
	echo "$out" | grep -q 'sleep 1' || fail "no sleep in top"
}

t_stats() {
	local out
	out=$(d stats --no-stream --format '{{.MemUsage}}|{{.PIDs}}' "$(cname ex)") || return 1
	echo "$out"
	echo "$out" | grep -Eq '^[0-9.]+[kKMG]?i?B / [0-9.]+[kKMGT]?i?B\|[1-9]' || fail "stats: $out"
}

t_cp() {
	local n=$(cname ex) out
	echo to-ctr >"$base/cpin"
	d cp "$base/cpin" "$n:/tmp/cpin" || fail "cp into the container failed" || return 1
	out=$(d exec "$n" cat /tmp/cpin)
	[ "$out" = to-ctr ] || fail "file copied in: $out" || return 1
	d exec "$n" sh -c 'echo from-ctr >/tmp/cpout' || return 1
	d cp "$n:/tmp/cpout" "$base/cpout" || fail "cp out of the container failed" || return 1
	[ "$(cat "$base/cpout")" = from-ctr ] || fail "file copied out: $(cat "$base/cpout")"
}

t_export() {
	local n=$(cname ex)
	d exec "$n" sh -c 'echo exported >/tmp/exported' || return 1
	d export "$n" >"$base/export.tar" || fail "export failed" || return 1
	[ "$(tar -xOf "$base/export.tar" ./tmp/exported 2>/dev/null || tar -xOf "$base/export.tar" tmp/exported)" = exported ] || fail "no /tmp/exported in the export" || return 1
	tar -tf "$base/export.tar" | grep -q 'bin/busybox$' || fail "no busybox in the export"
}

t_pause() {
	local n cg pid c1 c2
	n=$(cname pause)
	dr -d --name "$n" $IMG sh -c 'i=0; while :; do i=$((i+1)); echo $i >/tmp/count; sleep 0.1; done' >/dev/null || fail "run failed" || return 1
	verify_runtime "$n" || return 1
	pid=$(pid_of "$n")
	cg=$(cg_dir "$n" freezer)
	until_ok 30 test -s "/proc/$pid/root/tmp/count" || fail "no count" || return 1
	d pause "$n" >/dev/null || fail "pause failed" || return 1
	[ "$(insp "$n" '{{.State.Status}}')" = paused ] || fail "state after pause: $(insp "$n" '{{.State.Status}}')" || return 1
	[ "$("$RUNTIME" --root "$rroot" state "$(insp "$n" '{{.Id}}')" | jq -r .status)" = paused ] || fail "the runtime does not say paused" || return 1
	if [ $CGV = 2 ]; then
		grep -qx 'frozen 1' "$cg/cgroup.events" || fail "$cg not frozen: $(cat "$cg/cgroup.events")" || return 1
	else
		[ "$(cat "$cg/freezer.state")" = FROZEN ] || fail "freezer.state: $(cat "$cg/freezer.state")" || return 1
	fi
	c1=$(cat "/proc/$pid/root/tmp/count")
	sleep 1
	c2=$(cat "/proc/$pid/root/tmp/count")
	[ "$c1" = "$c2" ] || fail "count moved while paused: $c1 -> $c2" || return 1
	d unpause "$n" >/dev/null || fail "unpause failed" || return 1
	[ "$(insp "$n" '{{.State.Status}}')" = running ] || fail "state after unpause: $(insp "$n" '{{.State.Status}}')" || return 1
	until_ok 30 sh -c "[ \"\$(cat /proc/$pid/root/tmp/count)\" != '$c2' ]" || fail "count does not move after unpause" || return 1
	rmf "$n"
}

# The process traps TERM: stop returns as soon as it exits, with its code.
t_stop_term() {
	local n t0 ms st
	n=$(cname stopterm)
	start "$n" || return 1
	t0=$(date +%s%N)
	d stop -t 60 "$n" >/dev/null || fail "stop failed" || return 1
	ms=$((($(date +%s%N) - t0) / 1000000))
	echo "stop took $ms ms"
	st=$(insp "$n" '{{.State.Status}} {{.State.ExitCode}}')
	[ "$st" = "exited 0" ] || fail "after stop: $st, want exited 0" || return 1
	d logs "$n" | grep -q got-term || fail "no got-term in the logs" || return 1
	[ $ms -lt 30000 ] || fail "stop took $ms ms: it waited for its timeout" || return 1
	rmf "$n"
}

# sleep as PID 1 has no TERM handler: TERM does nothing, KILL after 2 s.
t_stop_kill() {
	local n t0 ms st
	n=$(cname stopkill)
	dr -d --name "$n" $IMG sleep 600 >/dev/null || fail "run failed" || return 1
	verify_runtime "$n" || return 1
	t0=$(date +%s%N)
	d stop -t 2 "$n" >/dev/null || fail "stop failed" || return 1
	ms=$((($(date +%s%N) - t0) / 1000000))
	echo "stop took $ms ms"
	st=$(insp "$n" '{{.State.Status}} {{.State.ExitCode}}')
	[ "$st" = "exited 137" ] || fail "after stop: $st, want exited 137" || return 1
	[ $ms -ge 2000 ] || fail "killed after $ms ms, before the 2 s timeout" || return 1
	rmf "$n"
}

t_kill() {
	local n st
	n=$(cname kill)
	start "$n" || return 1
	d kill -s USR1 "$n" >/dev/null || fail "kill -s USR1 failed" || return 1
	until_ok 30 sh -c "$DOCKER -H unix://$sock logs $n | grep -q got-usr1" || fail "USR1 not seen" || return 1
	[ "$(insp "$n" '{{.State.Status}}')" = running ] || fail "state after USR1: $(insp "$n" '{{.State.Status}}')" || return 1
	d kill "$n" >/dev/null || fail "kill failed" || return 1
	until_ok 30 sh -c "[ \"\$($DOCKER -H unix://$sock inspect --format '{{.State.Status}}' $n)\" = exited ]" || fail "not exited after kill" || return 1
	st=$(insp "$n" '{{.State.ExitCode}}')
	[ "$st" = 137 ] || fail "exit code after kill: $st, want 137" || return 1
	rmf "$n"
}

# docker restart: the container is killed and started again (new process).
t_restart_cmd() {
	local n p1 p2
	n=$(cname restart)
	start "$n" || return 1
	p1=$(pid_of "$n")
	d restart -t 1 "$n" >/dev/null || fail "restart failed" || return 1
	p2=$(pid_of "$n")
	[ "$p2" != 0 ] && [ "$p2" != "$p1" ] || fail "pid before $p1, after $p2" || return 1
	verify_runtime "$n" || return 1
	rmf "$n"
}

t_restart_always() {
	local n c
	n=$(cname always)
	dr -d --restart always --name "$n" $IMG sh -c 'sleep 1; exit 1' >/dev/null || fail "run failed" || return 1
	until_ok 120 sh -c "[ \"\$($DOCKER -H unix://$sock inspect --format '{{.RestartCount}}' $n)\" -ge 2 ]" || fail "RestartCount $(insp "$n" '{{.RestartCount}}')" || return 1
	c=$(insp "$n" '{{.State.Status}}')
	case $c in running | restarting) ;; *) fail "status $c" || return 1 ;; esac
	rmf "$n"
}

t_restart_on_failure() {
	local n st
	n=$(cname onfail)
	dr -d --restart on-failure:2 --name "$n" $IMG sh -c 'exit 3' >/dev/null || fail "run failed" || return 1
	until_ok 120 sh -c "[ \"\$($DOCKER -H unix://$sock inspect --format '{{.State.Status}} {{.RestartCount}}' $n)\" = 'exited 2' ]" ||
		fail "after 2 restarts: $(insp "$n" '{{.State.Status}} {{.RestartCount}}')" || return 1
	st=$(insp "$n" '{{.State.ExitCode}}')
	[ "$st" = 3 ] || fail "exit code $st, want 3" || return 1
	rmf "$n"
}

# rm -f of a running container: nothing of it is left with the runtime or
# in the cgroup tree.
t_rm_force() {
	local n id cg
	n=$(cname rmf)
	start "$n" || return 1
	id=$(insp "$n" '{{.Id}}')
	cg=$(cg_dir "$n" pids)
	d rm -f "$n" >/dev/null || fail "rm -f failed" || return 1
	! "$RUNTIME" --root "$rroot" state "$id" >/dev/null 2>&1 || fail "the runtime still has $id" || return 1
	until_ok 30 test ! -e "$cg" || fail "cgroup $cg left"
}

t_health() {
	local n
	n=$(cname health)
	start "$n" --health-cmd 'test -e /tmp/healthy' --health-interval 1s --health-retries 1 || return 1
	until_ok 120 sh -c "[ \"\$($DOCKER -H unix://$sock inspect --format '{{.State.Health.Status}}' $n)\" = unhealthy ]" ||
		fail "not unhealthy: $(insp "$n" '{{.State.Health.Status}}')" || return 1
	d exec "$n" touch /tmp/healthy || fail "exec failed" || return 1
	until_ok 120 sh -c "[ \"\$($DOCKER -H unix://$sock inspect --format '{{.State.Health.Status}}' $n)\" = healthy ]" ||
		fail "never healthy: $(insp "$n" '{{json .State.Health}}' | cut -c1-150)" || return 1
	rmf "$n"
}

# Docker gives every runc-compatible runtime the same --root
# (<exec-root>/runtime-runc/moby). With a container of Docker's own runc
# beside one of RUNTIME there, each runtime's list works and neither
# takes the other's container for one of its own that stopped.
t_shared_root() {
	local a b ida idb out
	a=$(cname shared)
	b=$(cname shared-runc)
	start "$a" || return 1
	d run -d --runtime runc --name "$b" $IMG sleep 600 >/dev/null || fail "run with Docker's runc failed" || return 1
	ida=$(insp "$a" '{{.Id}}')
	idb=$(insp "$b" '{{.Id}}')
	out=$(runc --root "$rroot" list 2>&1) || fail "runc list: $out" || return 1
	echo "runc list: $out"
	echo "$out" | grep -Eq "^$idb +[0-9]+ +running " || fail "runc list does not show its container as running" || return 1
	out=$("$RUNTIME" --root "$rroot" list 2>&1) || fail "$RUNTIME_NAME list: $out" || return 1
	echo "$RUNTIME_NAME list: $out"
	echo "$out" | grep -Eq "^$ida +[0-9]+ +running " || fail "$RUNTIME_NAME list does not show its container as running" || return 1
	if echo "$out" | grep -E "^$idb " | grep -vq ' running '; then
		fail "$RUNTIME_NAME list shows runc's container as not running"
		return 1
	fi
	rmf "$a" "$b"
}
