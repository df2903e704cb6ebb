#!/bin/bash
# crun's own test suite (containers/crun, tests/test_*.py, the list its
# Makefile.am runs) against rt, runc and crun side by side, on this host.
#
#   CRUN_MIRROR=<git dir of containers/crun> tests/oracles/crun-tests.sh [RT]
#
# ORACLE_PROGRAMS (a regular expression) picks programs; CRUN_TESTS_WORK
# may hold the suite from an earlier run (then CRUN_MIRROR is not needed).
# RUNC names the runc to compare with (default: the one on PATH; runc 1.1
# predates features the suite tests, so a build of a current runc tells
# more). The suite speaks crun's CLI: a wrapper drops what runc's has not
# (`--cgroup-manager cgroupfs`, `run --config config.json`) before rt or
# runc sees the command. The suite's seccomp-listener test is left out: it
# waits for a listener that neither runc nor rt sends without a notify rule.
# The runtimes run in namespaces of the script's own (lib.bash). Fails when
# rt fails a check runc passes.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.bash"
rt=$(realpath "${1:-$here/../../rt}")
runc=$(command -v "${RUNC:-runc}" || true)
work=${CRUN_TESTS_WORK:-/tmp/rt-crun-tests}
in_own_namespaces "$0" "$@"

src=$work/src
if [ ! -d "$src" ]; then
	git clone -q "${CRUN_MIRROR:?set CRUN_MIRROR to a git dir of containers/crun}" "$src"
	sed -i 's/^\( *\)"seccomp-listener": test_seccomp_listener,/\1# left out by rt: &/' "$src/tests/test_seccomp.py"
fi
# The container's /init: crun builds it with its own config.h.
if [ ! -x "$src/tests/init" ]; then
	printf '#define HAVE_LINUX_IOPRIO_H 1\n#define HAVE_SECCOMP 1\n#define HAVE_ERROR_H 1\n' >"$src/tests/config.h"
	gcc -static -O2 -I"$src/tests" -o "$src/tests/init" "$src/tests/init.c" -lseccomp
fi

cat >"$work/wrap" <<'EOF'
#!/bin/bash
# crun's CLI to runc's: drop --cgroup-manager (systemd: --systemd-cgroup)
# and `--config config.json`, which names the bundle's own config.
args=()
while [ $# -gt 0 ]; do
	case $1 in
	--cgroup-manager)
		[ "$2" = systemd ] && args+=(--systemd-cgroup)
		shift 2
		continue
		;;
	--config)
		[ "$2" = config.json ] || {
			echo "wrap: --config $2 is not the bundle's config.json" >&2
			exit 99
		}
		shift 2
		continue
		;;
	esac
	args+=("$1")
	shift
done
exec "$WRAP_RUNTIME" "${args[@]}"
EOF
chmod +x "$work/wrap"

# leftovers: the suite's containers that outlive it. Its delete tests leave
# them when the runtime refuses what only crun has (`delete --regex`) or
# will not delete a container whose init it cannot kill (test_simple_delete
# moves the init into a frozen freezer cgroup of its own, "frozen"; crun
# deletes the state and leaves that process behind). Their cgroups are named
# after the suite's ids, test-tmp*; every process in them is killed, the
# freezer thawed, and the cgroups removed once the processes are reaped.
leftovers() {
	local dirs d p i
	dirs=$(find /sys/fs/cgroup -mindepth 1 -maxdepth 3 -type d -name 'test-tmp*' 2>/dev/null)
	if [ -n "$dirs" ]; then
		for d in $dirs; do
			for p in $(cat "$d/cgroup.procs" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
		done
		[ -d /sys/fs/cgroup/freezer/frozen ] && echo THAWED >/sys/fs/cgroup/freezer/frozen/freezer.state
		for i in $(seq 60); do
			for d in $dirs; do rmdir "$d" 2>/dev/null || true; done
			dirs=$(for d in $dirs; do if [ -d "$d" ]; then echo "$d"; fi; done)
			[ -z "$dirs" ] && break
			sleep 1
		done
		rmdir /sys/fs/cgroup/freezer/frozen /sys/fs/cgroup/*/rt 2>/dev/null || true
		[ -z "$dirs" ] || echo "crun-tests: could not remove $dirs" >&2
	fi
	# The parents of the suite's own cgroupsPaths.
	rmdir_cgroups "*/test-v1-exec-cgroup-*" "test-v1-exec-cgroup-*" "test" "*/test" "*/test/deeply*"
}

cd "$src"
mapfile -t programs < <(sed -n '/^PYTHON_TESTS = /,/^$/p' Makefile.am | grep -o 'tests/test_[a-z_]*\.py')
select_programs
export INIT=$src/tests/init
runtimes=(rt)
run_programs "$work/out/rt" env WRAP_RUNTIME="$rt" OCI_RUNTIME="$work/wrap" python3
leftovers
if [ -n "$runc" ]; then
	runtimes+=(runc)
	run_programs "$work/out/runc" env WRAP_RUNTIME="$runc" OCI_RUNTIME="$work/wrap" python3
	leftovers
fi
if command -v crun >/dev/null; then
	runtimes+=(crun)
	hybrid_cgroups && export ORACLE_HIDE_UNIFIED=1
	run_programs "$work/out/crun" env OCI_RUNTIME="$(command -v crun)" python3
	unset ORACLE_HIDE_UNIFIED
	leftovers
fi
report "$work/out" "$here/crun-tests.accepted" "${runtimes[@]}"
