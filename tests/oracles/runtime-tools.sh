#!/bin/bash
# The OCI's own runtime validation suite (opencontainers/runtime-tools,
# validation/*.t) against rt, runc and crun side by side, on this host.
#
#   RUNTIME_TOOLS_MIRROR=<git dir of opencontainers/runtime-tools> \
#       tests/oracles/runtime-tools.sh [RT]
#
# Each validation program builds its own bundle from the suite's rootfs
# tarball and drives the runtime through the CLI (RUNTIME=...), printing TAP.
# The table (lib.bash) lists checks ok/not ok, error diagnostics and exit
# status a program and runtime; the script fails when rt fails a check runc
# passes. The runtimes run in namespaces of the script's own (lib.bash), and the
# suite's cgroup tests use /rt-rtools/cgrouptest instead of its /cgrouptest
# at the root of the host's hierarchies.
#
# Debian's crun 1.8.1 predates runtime-spec 1.3.0, which the suite writes, and
# refuses a hybrid cgroup layout: it sees the configs as 1.0.2 and runs with
# the cgroup2 mount at /sys/fs/cgroup/unified hidden.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.bash"
rt=$(realpath "${1:-$here/../../rt}")
work=${RTOOLS_WORK:-/tmp/rt-runtime-tools}
mirror=${RUNTIME_TOOLS_MIRROR:?set RUNTIME_TOOLS_MIRROR to a git dir of opencontainers/runtime-tools}
export PATH="/usr/local/go/bin:$PATH"
in_own_namespaces "$0" "$@"

src=$work/src
if [ ! -d "$src" ]; then
	git clone -q "$mirror" "$src"
	sed -i 's|AbsCgroupPath = "/cgrouptest"|AbsCgroupPath = "/rt-rtools/cgrouptest"|' "$src/cgroups/cgroups.go"
	grep -q '"/rt-rtools/cgrouptest"' "$src/cgroups/cgroups.go"
fi
(cd "$src" && make -s runtimetest validation-executables >/dev/null)

# The crun wrapper: present the config as 1.0.2 (see above).
cat >"$work/crun" <<'EOF2'
#!/bin/bash
b=.
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
	case ${args[i]} in
	--bundle | -b) b=${args[i + 1]} ;;
	--bundle=*) b=${args[i]#--bundle=} ;;
	esac
done
case $1 in create | run) sed -i 's/"ociVersion": *"1\.3\.0"/"ociVersion": "1.0.2"/' "$b/config.json" ;; esac
exec crun "$@"
EOF2
chmod +x "$work/crun"

# The programs find the suite's rootfs and runtimetest in the directory
# they run from.
cd "$src"
programs=("$src"/validation/*/*.t)
select_programs
runtimes=(rt)
run_programs "$work/out/rt" env RUNTIME="$rt"
if command -v runc >/dev/null; then
	runtimes+=(runc)
	run_programs "$work/out/runc" env RUNTIME="$(command -v runc)"
fi
if command -v crun >/dev/null; then
	runtimes+=(crun)
	hybrid_cgroups && export ORACLE_HIDE_UNIFIED=1
	run_programs "$work/out/crun" env RUNTIME="$work/crun"
	unset ORACLE_HIDE_UNIFIED
fi
# /rt-rtools, and the suite's relative path below the caller's cgroup.
rmdir_cgroups "rt-rtools*" "*/rt-rtools*" "testdir*" "*/testdir*"
report "$work/out" "$here/runtime-tools.accepted" "${runtimes[@]}"
