#!/bin/bash
# profile.sh: where does the time of one `rt run` go? Collects, into
# bench/out/profile/ (and a summary on stdout):
#   - process start floors: `--version` of rt, runc and crun (perf stat)
#   - GODEBUG=inittrace=1 of rt (Go runtime + package init)
#   - perf stat of `run` for the three runtimes (task-clock, switches, faults)
#   - strace -c -f and strace -f -tt -T of one `rt run`
#   - the phases of `rt run` from scheduler and syscall tracepoints
#     (perf record; no ptrace, so the timeline is not stretched), split
#     by bench/phases.awk
#   - perf record -g of repeated `rt run`: CPU by symbol
# Same setting as bench.sh: private mount namespace, cgroup2 hidden, state
# on a tmpfs, cgroups under a bench parent that is removed at the end.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT=$REPO/bench/out/profile
N=${PROFILE_RUNS:-15}

if [ -z "${PROFILE_INNER:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "profile: must run as root" >&2; exit 1; }
	for t in perf strace runc crun jq; do
		command -v "$t" >/dev/null || { echo "profile: $t is missing (apt-get install linux-perf strace runc crun jq)" >&2; exit 1; }
	done
	make -C "$REPO" rt >/dev/null
	mkdir -p "$OUT"
	export PROFILE_INNER=1 PROFILE_CGP="/rt-bench-prof-$$"
	rc=0
	unshare -m --propagation private "$0" "$@" || rc=$?
	for d in /sys/fs/cgroup/*/"${PROFILE_CGP#/}"; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	exit "$rc"
fi

CGP=$PROFILE_CGP
if [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ] &&
	[ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ]; then
	mount -t tmpfs -o size=64m,mode=0755 bench-hide-unified /sys/fs/cgroup/unified
fi
WORK=$(mktemp -d /tmp/rt-prof.XXXXXX)
mount -t tmpfs -o size=256m,mode=0700 prof-work "$WORK"
trap 'cd /; umount "$WORK"; rmdir "$WORK"' EXIT
cd "$WORK"
"$REPO/scripts/mkbundle.sh" tmpl true >/dev/null
# rt as `make rt` builds it (same tags, static) but with its symbol table,
# so perf can name functions; stripping does not change the code.
tags=$(sed -n 's/^GO_TAGS ?= //p' "$REPO/Makefile")
ldflags=$(sed -n 's/^GO_LDFLAGS ?= //p' "$REPO/Makefile" | sed 's/-s -w//')
# The Makefile's RT_GOEXPERIMENT: Go 1.26's Green Tea collector off where
# the toolchain knows the experiment.
goexp=$(GOEXPERIMENT=nogreenteagc go env GOEXPERIMENT 2>/dev/null || true)
mkdir -p "$OUT/sym"
make -C "$REPO" seccomp-helper >/dev/null
(cd "$REPO" && GOEXPERIMENT="$goexp" CGO_ENABLED=0 go build -trimpath -tags "$tags" -ldflags "$ldflags" -o "$OUT/sym/rt" .)
# Written back now, or smaps counts the fresh binary's pages as dirty.
sync "$OUT/sym/rt"
(cd "$REPO" && go build -o "$OUT/measure" ./bench/measure)
declare -A BIN=([rt]=$OUT/sym/rt [runc]=$(command -v runc) [crun]=$(command -v crun))
for r in rt runc crun; do
	mkdir -p "b-$r"
	jq --arg root "$WORK/tmpl/rootfs" --arg cg "$CGP/$r" \
		'.root.path = $root | .linux.cgroupsPath = $cg | .process.args = ["/bin/true"]' \
		tmpl/config.json >"b-$r/config.json"
	# Warm the page cache and the runtime's own caches.
	for i in 1 2 3; do "${BIN[$r]}" --root "st-$r" run -b "b-$r" c >/dev/null; done
done
RT=("${BIN[rt]}" --root st-rt run -b b-rt c)

echo "== process start floor: --version (perf stat -r 50)"
for r in rt runc crun; do
	perf stat -r 50 -x, -e task-clock "${BIN[$r]}" --version 2>"$OUT/version-$r.csv" >/dev/null
	awk -F, -v r="$r" '$3 == "task-clock" { printf "%-5s task-clock %.2f ms\n", r, $1 }' "$OUT/version-$r.csv"
done

echo "== Go runtime + package init of rt (GODEBUG=inittrace=1)"
GODEBUG=inittrace=1 "${RT[@]}" 2>"$OUT/inittrace.txt" >/dev/null
awk '/^init / { n++; clk += $5; last = $3 } END { printf "%d packages, %.2f ms of init work, main starts at @%s ms\n", n, clk, substr(last, 2) }' "$OUT/inittrace.txt"
awk '/^init / && $5 + 0 >= 0.05 { printf "  %-50s %s ms\n", $2, $5 }' "$OUT/inittrace.txt"

echo "== perf stat of run /bin/true (-r $N)"
for r in rt runc crun; do
	perf stat -r "$N" -o "$OUT/stat-run-$r.txt" "${BIN[$r]}" --root "st-$r" run -b "b-$r" c >/dev/null
	awk -v r="$r" '/task-clock/ { tc = $1 } /context-switches/ { cs = $1 } /page-faults/ { pf = $1 }
		/seconds time elapsed/ { el = $1 * 1000 }
		END { printf "%-5s wall %.1f ms, task-clock %s ms, %s context switches, %s page faults\n", r, el, tc, cs, pf }' "$OUT/stat-run-$r.txt"
done

echo "== CPU of each command's own process, container init excluded (measure -own, median of $N, ms)"
# An absolute --root: crun's init finds its exec.fifo through it after it
# has changed directory.
for r in rt runc crun; do
	for i in $(seq "$N"); do
		for step in create start state delete; do
			args=("$step" "k$i")
			[ "$step" = create ] && args=(create -b "b-$r" "k$i")
			echo "$step $("$OUT/measure" -own -- "${BIN[$r]}" --root "$WORK/own-$r" "${args[@]}" | cut -d' ' -f2)"
		done
		# Nothing may outlive a failed step.
		"${BIN[$r]}" --root "$WORK/own-$r" delete -f "k$i" >/dev/null 2>&1 || true
	done >"$OUT/own-$r.txt"
	line=$r
	for step in create start state delete; do
		line="$line  $step $(awk -v s="$step" '$1 == s { print $2 }' "$OUT/own-$r.txt" | sort -n |
			awk '{ a[NR] = $1 } END { printf "%.2f", a[int((NR + 1) / 2)] / 1000 }')"
	done
	echo "$line"
done

echo "== memory of the runtime at the end of run /bin/true (a poststop hook reads /proc/\$PPID/smaps_rollup, KiB)"
# RSS splits into the binary's (and libraries') clean file pages, shared
# with every other process that maps them, and private memory (anonymous
# pages: heap, stacks), which is what a process really costs.
for r in rt runc crun; do
	if m=$("$REPO/bench/memrun.sh" "${BIN[$r]}" "$WORK/st-$r" "b-$r" "$WORK/m-$r"); then
		read -r rss pd pc sc <<<"$m"
		printf '%-5s RSS %d, private dirty (anonymous) %d, private clean %d, shared clean %d\n' "$r" "$rss" "$pd" "$pc" "$sc"
	else
		echo "$r: no smaps read"
	fi
done

echo "== strace -c -f of one rt run (top 12 by calls)"
strace -c -f -S calls -o "$OUT/strace-c.txt" "${RT[@]}" >/dev/null
sed -n '3,14p' "$OUT/strace-c.txt" || true
tail -1 "$OUT/strace-c.txt"
strace -f -tt -T -o "$OUT/strace-tt.txt" "${RT[@]}" >/dev/null
echo "(full timeline: $OUT/strace-tt.txt)"

echo "== phases of rt run ($N runs; perf record of sched and syscall tracepoints)"
EV=sched:sched_process_exec,sched:sched_process_fork,sched:sched_process_exit
for s in mkdirat mount pivot_root accept4 connect renameat unlinkat openat write clone clone3 waitid unshare exit_group; do
	EV=$EV,syscalls:sys_enter_$s
done
EV=$EV,syscalls:sys_exit_accept4,syscalls:sys_exit_waitid
perf record -q -e "$EV" -o "$OUT/phases.data" -- sh -c "for i in \$(seq $N); do ${RT[*]} >/dev/null; done" 2>/dev/null
perf script -i "$OUT/phases.data" -F comm,pid,tid,time,event,trace 2>/dev/null >"$OUT/phases.txt"
awk -f "$REPO/bench/phases.awk" "$OUT/phases.txt" | tee "$OUT/phases-summary.txt"

echo "== CPU by symbol, $N runs of rt run (perf record -g, all processes of the tree)"
perf record -q -F 10000 -g -o "$OUT/cpu.data" -- sh -c "for i in \$(seq $N); do ${RT[*]} >/dev/null; done" 2>/dev/null
perf report -i "$OUT/cpu.data" --no-children --sort comm,dso -g none --stdio 2>/dev/null |
	grep -v '^#' | grep -v '^$' | head -12 | tee "$OUT/cpu-dso.txt" || true
echo "-- top symbols of the rt parent (comm rt)"
perf report -i "$OUT/cpu.data" --no-children --comm rt --sort dso,sym -g none --stdio 2>/dev/null |
	grep -v '^#' | grep -v '^$' | head -25 | tee "$OUT/cpu-top-parent.txt" || true
# Inclusive shares (a function and what it calls), resolved against the
# binary with its symbols.
echo "-- rt parent, inclusive, user-space frames (share of the parent's samples)"
"$REPO/bench/inclusive.sh" "$OUT/cpu.data" "$OUT/sym/rt" rt | head -30 | tee "$OUT/cpu-incl-parent.txt" || true
# The init (a clone of rt, libct/child) names itself rt:[init] first
# thing; only its first instants carry rt's name.
echo "-- rt init (comm rt:[init]), inclusive (share of the init's samples, until it execs)"
"$REPO/bench/inclusive.sh" "$OUT/cpu.data" "$OUT/sym/rt" "rt:[init]" | head -30 | tee "$OUT/cpu-incl-init.txt" || true
