#!/bin/bash
# The OCI's own runtime validation suite (opencontainers/runtime-tools,
# validation/*.t) against rt, runc and crun side by side, on this host.
#
#   RUNTIME_TOOLS_MIRROR=<git dir of opencontainers/runtime-tools> \
#       tests/runtime-tools.sh [RT]
#
# Each validation program builds its own bundle from the suite's rootfs
# tarball and drives the runtime through the CLI (RUNTIME=...), printing TAP.
# The table lists ok/not ok/exit status a program and runtime; the script
# fails when rt fails a check runc passes. Every runtime runs in a mount
# namespace of the script's own (the suite's configs can leave out the mount
# namespace), and its cgroup tests use /rt-rtools/cgrouptest instead of the
# suite's /cgrouptest at the root of the host's hierarchies.
#
# Debian's crun 1.8.1 predates runtime-spec 1.3.0, which the suite writes, and
# refuses a hybrid cgroup layout: it sees the configs as 1.0.2 and runs with
# the cgroup2 mount at /sys/fs/cgroup/unified hidden.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
rt=$(realpath "${1:-$repo/rt}")
work=${RTOOLS_WORK:-/tmp/rt-runtime-tools}
mirror=${RUNTIME_TOOLS_MIRROR:?set RUNTIME_TOOLS_MIRROR to a git dir of opencontainers/runtime-tools}
export PATH="/usr/local/go/bin:$PATH"

if [ "${RTOOLS_IN_NS:-}" != 1 ]; then
	RTOOLS_IN_NS=1 exec unshare -m --propagation private "$0" "$@"
fi

src=$work/src
if [ ! -d "$src" ]; then
	git clone -q "$mirror" "$src"
	sed -i 's|AbsCgroupPath = "/cgrouptest"|AbsCgroupPath = "/rt-rtools/cgrouptest"|' "$src/cgroups/cgroups.go"
	grep -q '"/rt-rtools/cgrouptest"' "$src/cgroups/cgroups.go"
fi
(cd "$src" && make -s runtimetest validation-executables >/dev/null)

# The crun wrapper: present the config as 1.0.2 (see above).
cat >"$work/crun" <<'EOF'
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
EOF
chmod +x "$work/crun"

runtimes=(rt)
command -v runc >/dev/null && runtimes+=(runc)
command -v crun >/dev/null && runtimes+=(crun)

# run_all NAME RUNTIME: every validation program, TAP in $work/out/NAME.
run_all() {
	local out=$work/out/$1 t
	rm -rf "$out" && mkdir -p "$out"
	for t in "$src"/validation/*/*.t; do
		(cd "$src" && RUNTIME=$2 timeout 120 "$t" >"$out/$(basename "$t" .t).tap" 2>&1) &&
			echo "rc=0" >>"$out/$(basename "$t" .t).tap" ||
			echo "rc=$?" >>"$out/$(basename "$t" .t).tap"
	done
}

for r in "${runtimes[@]}"; do
	case $r in
	rt) run_all rt "$rt" ;;
	runc) run_all runc "$(command -v runc)" ;;
	crun)
		if [ "$(stat -f -c %T /sys/fs/cgroup)" = tmpfs ] && [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
			unshare -m --propagation private bash -c "mount -t tmpfs none /sys/fs/cgroup/unified && $(declare -f run_all); work=$work src=$src; run_all crun $work/crun"
		else
			run_all crun "$work/crun"
		fi
		;;
	esac
done
for d in /sys/fs/cgroup/*/rt-rtools /sys/fs/cgroup/rt-rtools; do
	[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
done

# The table: ok, not ok, error diagnostics (the programs without checks of
# their own report their failures so) and exit status of each program; and
# rt's failures where runc passes.
fail=0
# checks FILE STATUS: the checks with that status ("ok" or "not ok"), each
# with its occurrence (a program may make the same check more than once).
checks() {
	awk -v want="$2" 'match($0, /^(not )?ok [0-9]+ /) {
		st = substr($0, 1, RLENGTH); sub(/ [0-9]+ $/, "", st)
		name = substr($0, RLENGTH + 1); key = name " #" ++seen[name]
		if (st == want) print key }' "$1" | sort
}
errs() { sed -n 's/^ *"error": "\(..*\)",\{0,1\}$/\1/p' "$1" | sed 's/[0-9]\{4,\}/N/g' | sort -u; }
printf '%-36s' program
for r in "${runtimes[@]}"; do printf '%-16s' "$r"; done
echo
for f in "$work"/out/rt/*.tap; do
	n=$(basename "$f" .tap)
	printf '%-36s' "$n"
	for r in "${runtimes[@]}"; do
		t=$work/out/$r/$n.tap
		printf '%-16s' "$(grep -c '^ok' "$t")/$(grep -c '^not ok' "$t")/$(grep -c '"error": "[^"]' "$t")/$(sed -n 's/^rc=//p' "$t")"
	done
	echo
	c=$work/out/runc/$n.tap
	[ -f "$c" ] || continue
	extra=$(comm -12 <(checks "$f" "not ok") <(checks "$c" ok); comm -23 <(errs "$f") <(errs "$c"))
	if grep -q '^rc=0' "$c" && ! grep -q '^rc=0' "$f"; then
		extra+=" exit status $(sed -n 's/^rc=//p' "$f")"
	fi
	if [ -n "$extra" ]; then
		echo "  rt fails where runc passes: $extra"
		fail=1
	fi
done
echo "(ok/not ok/errors/exit status; TAP in $work/out)"
exit $fail
