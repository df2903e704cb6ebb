# phases.awk: splits `perf script -F comm,pid,tid,time,event,trace` output
# of repeated `rt run` (recorded with the tracepoints profile.sh lists)
# into the phases of one container's life, and prints the median and
# min–max of each in ms.
#
# P is the `rt run` process, C the container init (rt's clone, which
# execs the trampoline and then the user's /bin/true). The phase ends are
# syscall entries, so a phase includes the CPU work and the waits up to
# that call.

function flush(   i) {
	if (!ok) return
	# Each phase: name, start mark, end mark.
	add("1 Go runtime start, CLI, load+validate config.json", "exec", "statedir")
	add("2 lock, cgroup layout, sockets, compile the child's program", "statedir", "clone")
	add("3 clone into new namespaces; parent: cgroup mkdir, limits, move", "clone", "firstmount")
	add("4 init: mounts before pivot_root (rootfs, /proc, /dev, ...)", "firstmount", "pivot")
	add("5 init: pivot_root, masked+readonly paths, keyring", "pivot", "acceptenter")
	add("6 init waits in accept4 until start connects (state.json written)", "acceptenter", "acceptexit")
	add("7 init: rlimits, caps, user, trampoline until the execve", "acceptexit", "userexec")
	add("8 user process /bin/true runs", "userexec", "userexit")
	add("9 exit -> reaped (kernel ns teardown) -> delete reads state, pids", "userexit", "rmdir")
	add("10 parent: rmdir cgroups, remove state dir, exit", "rmdir", "pexit")
	add("total", "exec", "pexit")
	runs++
}

function add(name, a, b) {
	if (!(a in t) || !(b in t)) return
	if (!(name in seen)) { seen[name] = 1; order[++nnames] = name }
	val[name, ++cnt[name]] = (t[b] - t[a]) * 1000
}

# hex: mawk has no strtonum.
function hex(s,   i, v) {
	s = tolower(s); sub(/^0x/, "", s)
	v = 0
	for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
	return v
}

function reset() {
	delete t
	delete forkt
	P = ""; C = ""; ok = 0
}

BEGIN { reset() }

{
	# comm may not contain spaces here (rt, 11, true); fields: comm pid/tid time: event: rest
	split($2, pt, "/")
	pid = pt[1]
	tm = $3; sub(":", "", tm); tm += 0
	ev = $4; sub(":$", "", ev)
}

ev == "sched:sched_process_exec" && $0 ~ /filename=[^ ]*\/rt / {
	flush(); reset()
	P = pid; t["exec"] = tm; next
}
P == "" { next }

pid == P && ev == "syscalls:sys_enter_mkdirat" && !("statedir" in t) { t["statedir"] = tm; next }
# Forks of P (its threads too); the init is the one that mounts.
pid == P && ev == "sched:sched_process_fork" {
	c = $0; sub(/.*child_pid=/, "", c); sub(/[^0-9].*/, "", c)
	forkt[c] = tm; next
}
pid != P && C == "" && (ev == "syscalls:sys_enter_mount" || ev == "syscalls:sys_enter_unshare") && (pid in forkt) {
	C = pid; t["clone"] = forkt[pid]
}
pid == C && (ev == "syscalls:sys_enter_mount" || ev == "syscalls:sys_enter_unshare") && !("firstmount" in t) { t["firstmount"] = tm; next }
pid == C && ev == "syscalls:sys_enter_pivot_root" { t["pivot"] = tm; next }
pid == C && ev == "syscalls:sys_enter_accept4" { t["acceptenter"] = tm; next }
pid == C && ev == "syscalls:sys_exit_accept4" { t["acceptexit"] = tm; next }
pid == C && ev == "sched:sched_process_exec" && $0 ~ /filename=\/bin\/true/ { t["userexec"] = tm; next }
pid == C && ev == "sched:sched_process_exit" && $0 ~ /group_dead=true/ { t["userexit"] = tm; next }
pid == P && ev == "syscalls:sys_enter_unlinkat" && $0 ~ /flag: 0x00000200/ && !("rmdir" in t) { t["rmdir"] = tm; next }
pid == P && ev == "sched:sched_process_exit" && $0 ~ /group_dead=true/ { t["pexit"] = tm; ok = 1; next }

END {
	flush()
	printf "%-70s %8s %18s\n", "phase (" runs " runs of rt run)", "median", "min-max ms"
	for (i = 1; i <= nnames; i++) {
		name = order[i]
		n = cnt[name]
		for (j = 1; j <= n; j++) v[j] = val[name, j]
		# insertion sort: n is small
		for (j = 2; j <= n; j++) { x = v[j]; k = j - 1; while (k >= 1 && v[k] > x) { v[k + 1] = v[k]; k-- } v[k + 1] = x }
		med = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
		printf "%-70s %8.2f %8.2f-%-8.2f\n", name, med, v[1], v[n]
	}
}
