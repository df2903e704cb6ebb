#!/bin/bash
# run.sh: the engine suites (ENGINE_SUITES, default: every tests/engines/*.sh
# but run.sh and the sourced lib.sh and cri-images.sh), each once with rt
# and once with the guest's runc, then RESULTS.md beside this script: every
# check with rt's and runc's result side by side. Meant for the systemd +
# cgroup v2 guest that `make test-engines` boots. Exits non-zero when rt
# does not pass a check that runc passes (or that only rt has), or a
# suite fails to run at all.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
RT_BIN=${RT_BIN:-$repo/rt}
RUNC_BIN=${RUNC_BIN:-$(command -v runc)}
out=$(mktemp -d /var/tmp/engines.XXXXXX)
suites=${ENGINE_SUITES:-$(cd "$here" && ls *.sh | grep -vx -e lib.sh -e run.sh -e cri-images.sh | sed 's/\.sh$//')}

status=0
for s in $suites; do
	for r in rt runc; do
		bin=$RT_BIN
		[ $r = runc ] && bin=$RUNC_BIN
		echo "== $s with $r ($bin)"
		if ! RUNTIME=$bin RUNTIME_NAME=$r "$here/$s.sh" >"$out/$s.$r" 2>"$out/$s.$r.log"; then
			echo "suite $s did not run to its end with $r; its log:"
			tail -n 40 "$out/$s.$r.log"
			status=1
		fi
		cat "$out/$s.$r"
		# The whole log, for whoever reads the results (the repository is
		# the guest's share; logs/ is not committed).
		mkdir -p "$here/logs"
		cp "$out/$s.$r.log" "$here/logs/$s.$r.log"
	done
done

# Merge: the check order is rt's; a check only runc reported still shows.
# RESULTS.md keeps what this run did not redo: the sections of suites not
# run, and within a suite run, the groups of checks it did not report (a
# check named "GROUP: ..." is in GROUP, e.g. one containerd of the cri
# suite, CRI_CONTAINERDS). Each group says when and with what it ran.
results=$here/RESULTS.md
old=$out/RESULTS.old
[ -f "$results" ] && cp "$results" "$old"
touch "$old"
stamp="$(date -u +%Y-%m-%dT%H:%MZ), rt $("$RT_BIN" --version 2>/dev/null | sed -n 's/^commit: //p'), $("$RUNC_BIN" --version 2>/dev/null | head -n 1)"
# A RESULTS.md from before the "run" rows said when in its header.
oldstamp="$(sed -n 's/^- date: //p' "$old"), rt $(sed -n 's/^- rt: .*commit: \([0-9a-f]*\).*/\1/p' "$old"), $(sed -n 's/^- runc: //p' "$old")"
{
	echo "# Engine checks: rt and runc side by side"
	echo
	echo "Written by \`make test-engines\` (tests/engines/run.sh) in the systemd + cgroup v2"
	echo "guest of ../shared/vm. Do not edit by hand."
	echo
	echo "- guest: $(. /etc/os-release; echo "$PRETTY_NAME"), kernel $(uname -r), $(stat -fc %T /sys/fs/cgroup), PID 1 $(cat /proc/1/comm)"
	for t in podman conmon containerd; do
		command -v $t >/dev/null && echo "- $t: $($t --version 2>/dev/null | head -n 1)"
	done
	if [[ " $suites " == *" cri "* ]]; then
		for t in "${CRI_DIR:-/var/tmp/rt-cri}"/containerd-v2.*/bin/containerd "${CRI_DIR:-/var/tmp/rt-cri}"/bin/critest-v*; do
			[ -x "$t" ] && echo "- cri: $("$t" --version 2>/dev/null | head -n 1)"
		done
	fi
	all=$( (echo "$suites" | tr ' ' '\n'; sed -n 's/^## //p' "$old") | grep . | sort -u)
	for s in $all; do
		echo
		echo "## $s"
		echo
		echo "| check | rt | runc | rt's failure |"
		echo "|---|---|---|---|"
		ran=
		[[ " $(echo $suites) " == *" $s "* ]] && ran=1
		# Old rows of this section: "check<TAB>rt<TAB>runc<TAB>why".
		awk -v s="## $s" '/^## / { in_s = ($0 == s); next }
			in_s && /^\| / && !/^\| check \|/ && !/^\|---/ {
				line = substr($0, 3, length($0) - 4); gsub(/\\\|/, "\001", line)
				n = split(line, f, / \| /); for (i = 1; i <= n; i++) gsub("\001", "|", f[i])
				printf "%s\t%s\t%s\t%s\n", f[1], f[2], f[3], f[4] }' "$old" >"$out/$s.oldrows"
		awk -F'\t' -v rtf="$out/$s.rt" -v runcf="$out/$s.runc" -v oldf="$out/$s.oldrows" -v ran="$ran" -v stamp="$stamp" -v oldstamp="$oldstamp" '
			function group(c) { return index(c, ": ") ? substr(c, 1, index(c, ": ") - 1) : "" }
			function row(c, r, u, w) { gsub(/\|/, "\\|", c); gsub(/\|/, "\\|", w); printf "| %s | %s | %s | %s |\n", c, r, u, w }
			BEGIN {
				if (ran) {
					while ((getline l < rtf) > 0) { split(l, a, "\t"); if (a[2] == "") continue
						if (!(a[2] in rt)) order[n++] = a[2]; rt[a[2]] = a[1]; why[a[2]] = a[3]; redone[group(a[2])] = 1 }
					while ((getline l < runcf) > 0) { split(l, a, "\t"); if (a[2] == "") continue
						if (!(a[2] in rt) && !(a[2] in runc)) order[n++] = a[2]; runc[a[2]] = a[1]; redone[group(a[2])] = 1 }
				}
				# Old rows first, but only of groups this run did not redo;
				# a "run:" row records when each group ran.
				if (!ran && (getline l < oldf) > 0 && l !~ /^run( |:|\t)/) row("run", "-", "-", oldstamp)
				close(oldf)
				while ((getline l < oldf) > 0) { split(l, a, "\t")
					g = (a[1] ~ /^run( |:)/) ? a[1] : group(a[1])
					if (a[1] ~ /^run( |:)/) { sub(/^run:? ?/, "", g); if (!(g in redone)) row(a[1], a[2], a[3], a[4]); continue }
					if (!(g in redone)) row(a[1], a[2], a[3], a[4]) }
				for (g in redone) row(g == "" ? "run" : "run: " g, "-", "-", stamp)
				for (i = 0; i < n; i++) { c = order[i]
					row(c, (c in rt) ? rt[c] : "-", (c in runc) ? runc[c] : "-", why[c]) }
			}'
	done
} >"$results"

# rt must pass every check but those runc fails (or skips) too: the
# guest's, not rt's; a check only rt has must pass.
for s in $suites; do
	bad=$(awk -F'\t' -v runcf="$out/$s.runc" '
		BEGIN { while ((getline l < runcf) > 0) { split(l, a, "\t"); runc[a[2]] = a[1] } }
		$1 != "PASS" && runc[$2] != $1 { print "  " $2 ": " $3 }' "$out/$s.rt")
	if [ -n "$bad" ]; then
		echo "rt fails in $s where runc passes:"
		echo "$bad"
		status=1
	fi
	n_rt=$(grep -c '^PASS' "$out/$s.rt")
	n_runc=$(grep -c '^PASS' "$out/$s.runc")
	echo "$s: rt passed $n_rt of $(grep -c . "$out/$s.rt"), runc passed $n_runc of $(grep -c . "$out/$s.runc")"
done
echo "results: $results"
rm -rf "$out"
exit $status
