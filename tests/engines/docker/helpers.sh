# Helpers of the Docker suite (docker.sh sources them): the docker CLI on
# the suite's daemon, waiting, cgroup files, and the check that RUNTIME
# really runs a container.

d() { "$DOCKER" -H "unix://$sock" "$@"; }

dr() { d run --runtime "$DRT" "$@"; }

cname() { echo "t-$RUNTIME_NAME-$1"; }

insp() { d inspect --format "$2" "$1"; }

pid_of() { insp "$1" '{{.State.Pid}}'; }

# cg_dir NAME CONTROLLER: the container's cgroup directory for CONTROLLER
# (v1), or its one directory (v2), from the cgroup of its process.
cg_dir() {
	local pid p mnt
	pid=$(pid_of "$1") || return 1
	if [ $CGV = 2 ]; then
		echo "/sys/fs/cgroup$(sed -n 's/^0:://p' "/proc/$pid/cgroup")"
		return
	fi
	p=$(awk -F: -v c="$2" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' "/proc/$pid/cgroup")
	mnt=$(awk -v c="$2" '$0 ~ / - cgroup / { n = split($NF, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) { print $5; exit } }' /proc/self/mountinfo)
	echo "$mnt$p"
}

# cg_read NAME V1CONTROLLER V1FILE V2FILE
cg_read() {
	local dir
	dir=$(cg_dir "$1" "$2") || return 1
	if [ $CGV = 2 ]; then cat "$dir/$4"; else cat "$dir/$3"; fi
}

# verify_runtime NAME: RUNTIME runs the container (its state, in the root
# Docker gives every runc-compatible runtime, has the container's pid) and
# the container's cgroup is where the driver puts it.
verify_runtime() {
	local id pid st cg
	id=$(insp "$1" '{{.Id}}') || return 1
	pid=$(pid_of "$1")
	st=$("$RUNTIME" --root "$rroot" state "$id") || fail "$RUNTIME has no state for $1 under $rroot" || return 1
	[ "$(echo "$st" | jq -r .pid)" = "$pid" ] || fail "$RUNTIME's state has another pid than $pid: $st" || return 1
	if [ $CGDRIVER = systemd ]; then
		cg=$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
		[ "$cg" = "/system.slice/docker-$id.scope" ] || fail "cgroup of $1 is $cg, not /system.slice/docker-$id.scope"
	else
		cg=$(awk -F: '$2 == "pids" { print $3 }' "/proc/$pid/cgroup")
		[ "$cg" = "$CGPARENT/$id" ] || fail "pids cgroup of $1 is $cg, not $CGPARENT/$id"
	fi
}

# start NAME RUNFLAGS...: a detached LOOP container, up once it said ready,
# and run by RUNTIME.
start() {
	local n=$1
	shift
	dr -d --name "$n" "$@" $IMG sh -c "$LOOP" >/dev/null || return 1
	until_ok 90 sh -c "$DOCKER -H unix://$sock logs $n 2>&1 | grep -q ready" || fail "$n never said ready: $(d logs "$n" 2>&1 | tail -n 3)" || return 1
	verify_runtime "$n"
}

rmf() { d rm -f "$@" >/dev/null 2>&1; true; }

# in_tty CMD: CMD (a shell string) with a terminal, script's pty; prints
# its output and returns its exit code. The docker CLI writes a NUL to
# the terminal as it attaches, which the pty echoes as "^@": that and the
# CRs are not the container's output.
in_tty() {
	local out rc
	out=$(timeout -k 5 120 script -qec "$1" /dev/null)
	rc=$?
	printf '%s\n' "$out" | tr -d '\r\000' | sed 's/\^@//g'
	return $rc
}

# tty_check RC DOCKER-ARGS...: `docker DOCKER-ARGS sh -c ...` under a
# terminal: the process has a pty as stdin and stdout, and its exit code
# (RC) comes back.
tty_check() {
	local want=$1 out rc
	shift
	out=$(in_tty "$DOCKER -H unix://$sock $* sh -c 'tty; [ -t 0 ] && echo stdin-tty; exit $want'")
	rc=$?
	echo "$out"
	echo "$out" | grep -q '^/dev/pts/[0-9]' || fail "no pty: $(echo $out)" || return 1
	echo "$out" | grep -qx stdin-tty || fail "stdin not a tty: $(echo $out)" || return 1
	[ $rc = "$want" ] || fail "exit code $rc, want $want"
}

# http_get HOST PORT: the body of / (busybox's wget crashes when static).
http_get() {
	printf 'GET / HTTP/1.0\r\n\r\n' | busybox nc -w 5 "$1" "$2" | tail -n 1
}

# The engine's own namespaces, for the namespace checks.
host_ns() { readlink "/proc/$$/ns/$1"; }
