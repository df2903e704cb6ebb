#!/bin/bash
# bench.sh: compares rt with runc and crun on the same host and bundles.
#
#   ./bench/bench.sh            the full bench (about 5 minutes on 2 cores)
#   BENCH_RUNS=5 BENCH_WARMUP=1 ./bench/bench.sh    a quick look
#
# Every runtime runs inside one private mount namespace whose
# /sys/fs/cgroup/unified is hidden under a tmpfs: crun 1.8 refuses the
# hybrid layout, so all three see plain cgroup v1. State roots and bundles
# live on a tmpfs there, as /run does on most hosts. Each measurement is a
# fresh bench/out/measure process that is a child subreaper, so the CPU
# time and peak RSS cover the runtime's whole process tree, container init
# included. The scenarios run interleaved (rt runc crun rt runc crun ...).
# The report goes to bench/out/report.md; raw numbers to bench/out/raw.tsv.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT=$REPO/bench/out
MEASURE=$OUT/measure
RUNS=${BENCH_RUNS:-20}
WARMUP=${BENCH_WARMUP:-2}
SEQ=${BENCH_SEQ:-50}
PAR_N=${BENCH_PAR_N:-100}
PAR_J=${BENCH_PAR_J:-10}
PAR_ROUNDS=${BENCH_PAR_ROUNDS:-5}
LIST_NS=${BENCH_LIST_NS:-"100 500 1000"}
LIST_REPS=${BENCH_LIST_REPS:-10}
RUNTIMES="rt runc crun"
SCENARIOS="run rundel lifecycle seq exec"

# ---- outside the namespace: build, install, re-enter ----
if [ -z "${BENCH_INNER:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "bench: must run as root" >&2; exit 1; }
	need=""
	for p in runc crun busybox-static jq; do
		dpkg -s "$p" >/dev/null 2>&1 || need="$need $p"
	done
	if [ -n "$need" ]; then
		echo "bench: installing$need" >&2
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
	fi
	make -C "$REPO" rt >/dev/null
	mkdir -p "$OUT"
	(cd "$REPO" && go build -o "$MEASURE" ./bench/measure)
	export BENCH_INNER=1 BENCH_CGP="/rt-bench-$$"
	# measure -stdio: a subreaper for the whole bench, so detached
	# containers' inits are reaped at once rather than late by PID 1.
	rc=0
	unshare -m --propagation private "$MEASURE" -stdio -timeout 60m -- "$0" "$@" >/dev/null || rc=$?
	# The namespace is gone with its mounts; the cgroups are not.
	left=$(find /sys/fs/cgroup/*/"${BENCH_CGP#/}" -maxdepth 0 -type d 2>/dev/null || true)
	if [ -n "$left" ]; then
		echo "bench: LEAK: cgroups left: $left" >&2
		find $left -depth -type d -exec rmdir {} + 2>/dev/null || true
		rc=1
	fi
	[ "$rc" = 0 ] && cat "$OUT/report.md"
	exit "$rc"
fi

# ---- inside the private mount namespace ----
CGP=$BENCH_CGP
LOG=$OUT/runtimes.log
RAW=$OUT/raw.tsv
REPORT=$OUT/report.md
: >"$LOG"
: >"$RAW"
exec 3>&2 # progress goes to the caller's stderr

say() { echo "bench: $*" >&3; }

if [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ] &&
	[ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ]; then
	mount -t tmpfs -o size=64m,mode=0755 bench-hide-unified /sys/fs/cgroup/unified
fi
# The real cgroup hierarchies (not the tmpfs hiding unified, where crun
# still makes directories: they vanish with the namespace).
CG_MOUNTS=""
for d in /sys/fs/cgroup/*/; do
	case $(stat -f -c %T "$d") in cgroupfs | cgroup2fs) CG_MOUNTS="$CG_MOUNTS ${d%/}" ;; esac
done
# cg_dirs SUBPATH: the directories of a cgroup path that exist.
cg_dirs() {
	local d
	for d in $CG_MOUNTS; do [ -d "$d/$1" ] && echo "$d/$1"; done
	return 0
}
WORK=$(mktemp -d /tmp/rt-bench.XXXXXX)
mount -t tmpfs -o size=512m,mode=0700 bench-work "$WORK"
MOUNTS_BEFORE=$(wc -l </proc/self/mountinfo)

# Others may rebuild ./rt while the bench runs: measure a copy. It sits
# beside the repository, on the disk runc and crun are installed on, not
# on the tmpfs: the binary's pages are faulted in from the page cache on
# every start, and a tmpfs file's cost more to map here (`rt run` 5.96
# against 5.68-5.84 ms of task-clock, the same 520 faults).
cp "$REPO/rt" "$OUT/rt.bench"
# Written back now: a fresh copy's page-cache pages are dirty for half a
# minute, and smaps then counts the binary as private dirty memory.
sync "$OUT/rt.bench"
bin() {
	case $1 in
	rt) echo "$OUT/rt.bench" ;;
	*) command -v "$1" ;;
	esac
}
declare -A BIN
for r in $RUNTIMES; do BIN[$r]=$(bin "$r"); done

# rt ROOT-OWNER ARGS...: the runtime with its own state root.
R() {
	local r=$1
	shift
	"${BIN[$r]}" --root "$WORK/root-$r" "$@"
}

cleanup() {
	local r id
	for r in $RUNTIMES; do
		[ -d "$WORK/root-$r" ] || continue
		for id in $(ls "$WORK/root-$r" 2>/dev/null); do
			R "$r" delete -f "$id" >/dev/null 2>&1 || true
		done
	done
	local d
	for d in $(cg_dirs "$CGP"); do find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true; done
	umount "$WORK" 2>/dev/null || true
	rmdir "$WORK" 2>/dev/null || true
}
trap cleanup EXIT

# ---- bundles: one rootfs, one config.json per (runtime, scenario) ----
"$REPO/scripts/mkbundle.sh" "$WORK/tmpl" true >/dev/null
# bundle DIR CGROUP-PATH ARGS-JSON
bundle() {
	mkdir -p "$1"
	jq --arg root "$WORK/tmpl/rootfs" --arg cg "$2" --argjson args "$3" \
		'.root.path = $root | .linux.cgroupsPath = $cg | .process.args = $args' \
		"$WORK/tmpl/config.json" >"$1/config.json"
}
for r in $RUNTIMES; do
	bundle "$WORK/b/$r-true" "$CGP/$r/true" '["/bin/true"]'
	bundle "$WORK/b/$r-sleep" "$CGP/$r/sleep" '["/bin/sleep", "100000"]'
	bundle "$WORK/b/$r-exec" "$CGP/$r/exec" '["/bin/sleep", "100000"]'
done

# scenario_cmd SCENARIO RUNTIME: sets CMD to measure's step list.
scenario_cmd() {
	local s=$1 r=$2 b="$WORK/b/$2" x=("${BIN[$2]}" --root "$WORK/root-$2") i
	case $s in
	run) CMD=("${x[@]}" run -b "$b-true" c-run) ;;
	rundel) CMD=("${x[@]}" run -d -b "$b-sleep" c-rundel --- "${x[@]}" delete -f c-rundel) ;;
	lifecycle)
		# @reap: measure waits for the container's process (reparented
		# to it) to exit, with no polling of `state`.
		CMD=("${x[@]}" create -b "$b-true" c-life --- "${x[@]}" start c-life --- @reap
			--- "${x[@]}" delete c-life)
		;;
	seq)
		CMD=()
		for i in $(seq "$SEQ"); do CMD+=("${x[@]}" run -b "$b-true" "c-seq$i" ---); done
		;;
	exec) CMD=("${x[@]}" exec c-execbox /bin/true) ;;
	esac
}

# ---- the interleaved loop ----
for r in $RUNTIMES; do
	R "$r" run -d -b "$WORK/b/$r-exec" c-execbox </dev/null >>"$LOG" 2>&1
done
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
total=$((WARMUP + RUNS))
say "$RUNS counted runs (+$WARMUP warm-up) of: $SCENARIOS; runtimes: $RUNTIMES"
for i in $(seq "$total"); do
	for s in $SCENARIOS; do
		for r in $RUNTIMES; do
			scenario_cmd "$s" "$r"
			if ! m=$("$MEASURE" -log "$LOG" -- "${CMD[@]}"); then
				say "FAILED: $s with $r (iteration $i); see $LOG"
				exit 1
			fi
			if [ "$i" -gt "$WARMUP" ]; then
				printf '%s\t%s\t%s\t%s\n' "$s" "$r" "$i" "${m// /$'\t'}" >>"$RAW"
			fi
		done
	done
	if [ $((i % 5)) = 0 ]; then say "iteration $i/$total"; fi
done
for r in $RUNTIMES; do
	R "$r" delete -f c-execbox >>"$LOG" 2>&1
done

# check_clean WHAT RUNTIME: fails on state, cgroups or mounts left behind.
check_clean() {
	local what=$1 r=$2 bad=""
	local st
	st=$(ls "$WORK/root-$r" 2>/dev/null | grep -v '^\.' || true)
	[ -z "$st" ] || bad="$bad state:$(echo $st | wc -w)"
	local cg
	cg=$(for d in $(cg_dirs "$CGP/$r"); do find "$d" -mindepth 1 -type d; done | wc -l)
	[ "$cg" = 0 ] || bad="$bad cgroups:$cg"
	[ "$(wc -l </proc/self/mountinfo)" = "$MOUNTS_BEFORE" ] || bad="$bad mounts"
	if grep -ls "${CGP#/}/$r/" /proc/[0-9]*/cgroup >/dev/null 2>&1; then bad="$bad processes"; fi
	if [ -n "$bad" ]; then
		say "LEAK after $what with $r:$bad"
		LEAKS="$LEAKS $what/$r:$bad"
	fi
}
LEAKS=""
for r in $RUNTIMES; do check_clean "scenarios" "$r"; done

# stat3: median min max of the numbers on stdin.
stat3() {
	sort -n | awk '{ a[NR] = $1 }
		END { if (NR == 0) { print "0 0 0"; exit }
			m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
			print m, a[1], a[NR] }'
}
# col SCENARIO RUNTIME COLUMN DIVISOR: median min max of a raw.tsv column.
col() {
	awk -F'\t' -v s="$1" -v r="$2" -v c="$3" -v d="$4" '$1 == s && $2 == r { print $c / d }' "$RAW" | stat3
}
fmt3() { awk -v p="$2" '{ printf "%." p "f [%." p "f–%." p "f]", $1, $2, $3 }' <<<"$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
# paired SCENARIO OTHER: the median [quartiles] of rt's CPU over OTHER's,
# round by round.
paired() {
	awk -F'\t' -v s="$1" -v o="$2" '$1 == s && $2 == "rt" { rt[$3] = $5 } $1 == s && $2 == o { x[$3] = $5 }
		END { for (i in rt) if (x[i] > 0) print rt[i] / x[i] }' "$RAW" | sort -g |
		awk '{ r[NR] = $1 } END { if (NR == 0) { print "-"; exit }; q = int((NR + 3) / 4)
			printf "%.2f [%.2f–%.2f]", (NR % 2) ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2, r[q], r[NR + 1 - q] }'
}

{
	echo "## Run $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "- Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores," \
		"$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r)," \
		"cgroup v1 (unified hidden). Load average before the loop $LOAD0, after $(cut -d' ' -f1-3 /proc/loadavg)" \
		"(the host is shared: wall times are noisier than CPU times)."
	echo "- rt $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null)$(git -C "$REPO" diff --quiet 2>/dev/null || echo '+dirty')" \
		"($(go version | awk '{ print $3 }')); $(runc --version | head -1); $(crun --version | head -1)."
	echo "- $RUNS counted runs per cell after $WARMUP warm-up rounds, interleaved rt runc crun." \
		"Cells: median [min–max]. CPU = user+sys of the runtime's whole process tree" \
		"(container init and process included); RSS = largest single process of the tree."
	echo
	echo "| scenario | runtime | wall ms | CPU ms | peak RSS MiB |"
	echo "|---|---|---|---|---|"
	declare -A MED
	for s in $SCENARIOS; do
		d=1
		[ "$s" = seq ] && d=$SEQ
		for r in $RUNTIMES; do
			w=$(col "$s" "$r" 4 $((1000 * d)))
			c=$(col "$s" "$r" 5 $((1000 * d)))
			m=$(col "$s" "$r" 8 1024)
			MED[$s.$r.w]=${w%% *} MED[$s.$r.c]=${c%% *} MED[$s.$r.m]=${m%% *}
			label=$s
			case $s in
			run) label="run /bin/true" ;;
			rundel) label="run -d + delete -f" ;;
			lifecycle) label="create+start+wait+delete" ;;
			seq) label="$SEQ× run, per container" ;;
			exec) label="exec /bin/true" ;;
			esac
			echo "| $label | $r | $(fmt3 "$w" 1) | $(fmt3 "$c" 1) | $(fmt3 "$m" 1) |"
		done
	done
	echo
	echo "Ratios of medians (below 1: rt is cheaper):"
	echo
	echo "| scenario | wall rt/runc | wall rt/crun | CPU rt/runc | CPU rt/crun | RSS rt/runc | RSS rt/crun |"
	echo "|---|---|---|---|---|---|---|"
	for s in $SCENARIOS; do
		row="| $s"
		for k in w c m; do
			row="$row | $(ratio "${MED[$s.rt.$k]}" "${MED[$s.runc.$k]}") | $(ratio "${MED[$s.rt.$k]}" "${MED[$s.crun.$k]}")"
		done
		echo "$row |"
	done
	echo
	echo "Paired CPU ratios: each round runs rt, runc and crun back to back, so the ratio within a" \
		"round is less exposed to the host's drift than a ratio of medians. Median of the $RUNS" \
		"rounds' ratios [middle half of them]:"
	echo
	echo "| scenario | CPU rt/runc | CPU rt/crun |"
	echo "|---|---|---|"
	for s in $SCENARIOS; do
		echo "| $s | $(paired "$s" runc) | $(paired "$s" crun) |"
	done
	echo
} >"$REPORT"
say "scenarios done"

# ---- memory at the end of a run: RSS beside private memory ----
# Peak RSS counts the binary's clean file pages, which every process that
# runs the same binary shares; the private dirty (anonymous) pages are
# what each process costs on its own (bench/memrun.sh, as profile.sh).
{
	echo "### Memory of the runtime's process at the end of \`run /bin/true\`"
	echo
	echo "KiB, from /proc/PID/smaps_rollup read by a poststop hook (run by the runtime's own process)." \
		"Private dirty is anonymous memory (heap, stacks), what each process costs on its own;" \
		"clean pages are the binary's and the libraries', shared by every process that maps them."
	echo
	echo "| runtime | RSS | private dirty | private clean | shared clean |"
	echo "|---|---|---|---|---|"
} >>"$REPORT"
for r in $RUNTIMES; do
	if m=$("$REPO/bench/memrun.sh" "${BIN[$r]}" "$WORK/root-$r" "$WORK/b/$r-true" "$WORK/mem-$r"); then
		read -r rss pd pc sc <<<"$m"
		echo "| $r | $rss | $pd | $pc | $sc |" >>"$REPORT"
	else
		say "FAILED: memory run with $r"
		echo "| $r | (no smaps read) | | | |" >>"$REPORT"
	fi
done
echo >>"$REPORT"
for r in $RUNTIMES; do check_clean "memory" "$r"; done

# ---- 100 containers created in parallel, listed, deleted ----
for r in $RUNTIMES; do
	for i in $(seq "$PAR_N"); do
		bundle "$WORK/b/$r-par$i" "$CGP/$r/par$i" '["/bin/true"]'
	done
done
{
	echo "### $PAR_N containers created $PAR_J at a time, then deleted ($PAR_J at a time)"
	echo
	echo "Medians of $PAR_ROUNDS interleaved rounds (one round is a single measurement and moves with the host by 10% and more), creates/s with the rounds' range. CPU: the whole tree of both phases (runtime processes, container inits); \`list\`: median of $LIST_REPS with the $PAR_N created containers, in a round of its own."
	echo
	echo "| runtime | create wall s | creates/s | delete wall s | deletes/s | CPU s (both) | peak RSS MiB | list ms | leftovers |"
	echo "|---|---|---|---|---|---|---|---|---|"
} >>"$REPORT"
declare -A PCW PDW PCPU PRSS PLEAK
for k in $(seq "$PAR_ROUNDS"); do
	for r in $RUNTIMES; do
		x="${BIN[$r]} --root $WORK/root-$r"
		# One measure for both phases: the created inits are reparented to
		# it, so their CPU is counted when delete kills them.
		m=$("$MEASURE" -steps -log "$LOG" -- sh -c "seq $PAR_N | xargs -P $PAR_J -I{} $x create -b $WORK/b/$r-par{} p{}" \
			--- sh -c "seq $PAR_N | xargs -P $PAR_J -I{} $x delete -f p{}") || { say "FAILED: parallel with $r"; exit 1; }
		before=$LEAKS
		check_clean "parallel" "$r"
		[ "$before" = "$LEAKS" ] || PLEAK[$r]=LEAK
		read -r _ cpu _ _ rss <<<"$(head -1 <<<"$m")"
		read -r cw dw <<<"$(tail -1 <<<"$m")"
		PCW[$r]="${PCW[$r]:-} $cw" PDW[$r]="${PDW[$r]:-} $dw" PCPU[$r]="${PCPU[$r]:-} $cpu" PRSS[$r]="${PRSS[$r]:-} $rss"
	done
done
# med3 LIST: median min max of the numbers in LIST.
med3() { tr ' ' '\n' <<<"$1" | grep . | stat3; }
for r in $RUNTIMES; do
	# A round of its own, unmeasured, for list with real created containers.
	seq "$PAR_N" | xargs -P "$PAR_J" -I{} ${BIN[$r]} --root "$WORK/root-$r" create -b "$WORK/b/$r-par{}" p{} >>"$LOG" 2>&1
	n=$(R "$r" list -q | grep -c '^p' || true)
	[ "$n" = "$PAR_N" ] || { say "$r: $n of $PAR_N containers listed after parallel create"; LEAKS="$LEAKS par/$r:count=$n"; }
	lt=$(for k in $(seq "$LIST_REPS"); do "$MEASURE" -- "${BIN[$r]}" --root "$WORK/root-$r" list; done | awk '{ print $1 / 1000 }' | stat3)
	seq "$PAR_N" | xargs -P "$PAR_J" -I{} ${BIN[$r]} --root "$WORK/root-$r" delete -f p{} >>"$LOG" 2>&1
	before=$LEAKS
	check_clean "parallel (list round)" "$r"
	[ "$before" = "$LEAKS" ] || PLEAK[$r]=LEAK
	read -r cw cwmin cwmax <<<"$(med3 "${PCW[$r]}")"
	read -r dw _ _ <<<"$(med3 "${PDW[$r]}")"
	read -r cpu _ _ <<<"$(med3 "${PCPU[$r]}")"
	read -r _ _ rss <<<"$(med3 "${PRSS[$r]}")"
	awk -v r="$r" -v n="$PAR_N" -v cw="$cw" -v cwmin="$cwmin" -v cwmax="$cwmax" -v dw="$dw" -v cpu="$cpu" -v rss="$rss" -v lt="${lt%% *}" \
		-v ok="${PLEAK[$r]:-none}" \
		'BEGIN { printf "| %s | %.2f | %.0f [%.0f–%.0f] | %.2f | %.0f | %.2f | %.1f | %.1f | %s |\n", r, cw / 1e6, n / (cw / 1e6), n / (cwmax / 1e6), n / (cwmin / 1e6), dw / 1e6, n / (dw / 1e6), cpu / 1e6, rss / 1024, lt, ok }' >>"$REPORT"
done
say "parallel done"

# ---- list with fabricated roots: copies of a stopped container's state ----
{
	echo
	echo "### \`list\` of N stopped containers (state dirs copied from one real stopped container)"
	echo
	echo "Wall ms, min (median) of $LIST_REPS. Marginal cost = slope of the minima between consecutive N; linear when the slopes agree within 1.5×."
	echo
	echo "| runtime | $(for n in $LIST_NS; do printf 'N=%s ms | ' "$n"; done)marginal µs per container | linear? |"
	echo "|---|$(for n in $LIST_NS; do printf -- '---|'; done)---|---|"
} >>"$REPORT"
for r in $RUNTIMES; do
	# A real container that ran and exited: its dir is the template.
	R "$r" create -b "$WORK/b/$r-true" tmpl </dev/null >>"$LOG" 2>&1
	R "$r" start tmpl >>"$LOG" 2>&1
	for k in $(seq 100); do
		[ "$(R "$r" state tmpl 2>/dev/null | jq -r .status)" = stopped ] && break
		sleep 0.05
	done
	cp -a "$WORK/root-$r/tmpl" "$WORK/stopped-$r"
	R "$r" delete -f tmpl >>"$LOG" 2>&1
	rm -f "$WORK/stopped-$r"/*.sock "$WORK/stopped-$r/exec.fifo"
	pts=""
	for n in $LIST_NS; do
		lr=$WORK/list-$r-$n
		mkdir -p "$lr"
		for k in $(seq -w "$n"); do
			cp -a "$WORK/stopped-$r" "$lr/f$k"
			# Own IDs in the state, as a real root would have (crun's
			# status file holds none).
			f=$lr/f$k/state.json
			if [ -f "$f" ]; then sed -i "s/\"id\":\"tmpl\"/\"id\":\"f$k\"/" "$f"; fi
		done
		got=$("${BIN[$r]}" --root "$lr" list -q | wc -l)
		[ "$got" = "$n" ] || say "$r list of $n fabricated containers printed $got"
		t=$(for k in $(seq "$LIST_REPS"); do "$MEASURE" -- "${BIN[$r]}" --root "$lr" list; done | awk '{ print $1 / 1000 }' | stat3)
		# Slopes from the minimum: the least disturbed of the runs.
		read -r tmed tmin _ <<<"$t"
		pts="$pts $n:$tmin:$tmed"
		rm -rf "$lr"
	done
	# Slopes between consecutive points; linear if within a factor 1.5.
	awk -v r="$r" -v pts="$pts" 'BEGIN {
		k = split(pts, p, " ")
		row = "| " r
		for (i = 1; i <= k; i++) { split(p[i], q, ":"); n[i] = q[1]; t[i] = q[2]; row = row sprintf(" | %.1f (%.1f)", t[i], q[3]) }
		lin = "yes"; sl = ""
		for (i = 2; i <= k; i++) {
			s[i] = (t[i] - t[i - 1]) * 1000 / (n[i] - n[i - 1])
			sl = sl (i > 2 ? ", " : "") sprintf("%.0f", s[i])
			if (i > 2 && (s[i] > 1.5 * s[i - 1] || s[i] < s[i - 1] / 1.5)) lin = "no"
		}
		print row " | " sl " | " lin " |"
	}' >>"$REPORT"
done
{
	echo
	echo "Leftover check (state dirs, cgroups under $CGP, mounts, processes): ${LEAKS:-none}."
} >>"$REPORT"
say "done; report in $REPORT"
[ -z "$LEAKS" ]
