# Shared by the engine suites (podman.sh, containerd.sh, docker.sh,
# rootless.sh). A suite runs in the guest as root with RUNTIME (absolute
# path of the runtime binary under test) and RUNTIME_NAME (rt or runc) set,
# and prints one line per check:
#   PASS<TAB>name      or      FAIL<TAB>name<TAB>why (one line)
# (or SKIP<TAB>name<TAB>why, for a check the suite did not run here)
# run.sh runs every suite once per runtime and puts the two columns side by
# side in RESULTS.md. Check names must not depend on the runtime.
set -u
: "${RUNTIME:?RUNTIME must name the runtime binary}" "${RUNTIME_NAME:?}"
ENGINES_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$ENGINES_DIR/../.." && pwd)
CHECK_TIMEOUT=${CHECK_TIMEOUT:-180}
check_log=$(mktemp /var/tmp/engines-check.XXXXXX)

# check NAME COMMAND...: PASS when COMMAND (a program or a function of the
# suite) exits 0 within CHECK_TIMEOUT seconds. On failure the last
# non-empty line COMMAND printed (stdout and stderr) is the reason; a check
# function can echo its own reason last.
check() {
	local name=$1 rc
	shift
	if declare -F "$1" >/dev/null; then
		# A suite's function: timeout runs programs, so a bash that gets
		# the suite's functions runs it (its settings are exported).
		export -f $(compgen -A function)
		set -- bash -c '"$@"' bash "$@"
	fi
	local t0=$SECONDS
	timeout -k 5 "$CHECK_TIMEOUT" "$@" >"$check_log" 2>&1 </dev/null
	rc=$?
	echo "took $((SECONDS - t0)) s" >>"$check_log"
	if [ $rc -eq 0 ]; then
		printf 'PASS\t%s\n' "$name"
	else
		local why
		why=$(grep -v '^[[:space:]]*$' "$check_log" | sed '$d' | tail -n 1 | tr '\t' ' ' | cut -c1-200)
		[ $rc -eq 124 ] && why="timed out after ${CHECK_TIMEOUT}s; $why"
		printf 'FAIL\t%s\t%s\n' "$name" "${why:-exit $rc}"
	fi
	# The whole output of every check and its time, for whoever reads the
	# guest log.
	sed "s/^/  [$RUNTIME_NAME $name] /" "$check_log" >&2
}

# fail WHY...: WHY as the check's reason, and a failure.
fail() {
	echo "$*"
	return 1
}

# until_ok SECONDS CMD...: CMD until it succeeds, at most SECONDS.
until_ok() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.2
	done
}

# A busy process that exits on TERM: sh defers a trap while a foreground
# child runs, so it waits on a background sleep instead.
LOOP='trap "echo got-term; exit 0" TERM; trap "echo got-usr1" USR1; echo ready; while :; do sleep 1 & wait; done'
export LOOP

# busybox_rootfs DIR: a minimal rootfs from the guest's static busybox.
busybox_rootfs() {
	local d=$1 t
	mkdir -p "$d/bin" "$d/etc" "$d/tmp" "$d/proc" "$d/sys" "$d/dev" "$d/root" "$d/var"
	cp /bin/busybox "$d/bin/busybox"
	for t in $("$d/bin/busybox" --list); do
		[ -e "$d/bin/$t" ] || ln -s busybox "$d/bin/$t"
	done
	echo 'root:x:0:0:root:/root:/bin/sh' >"$d/etc/passwd"
	echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >>"$d/etc/passwd"
	echo 'root:x:0:' >"$d/etc/group"
	echo 'nogroup:x:65534:' >>"$d/etc/group"
	chmod 1777 "$d/tmp"
}
