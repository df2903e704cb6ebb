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
	done
done

# Merge: the check order is rt's; a check only runc reported still shows.
results=$here/RESULTS.md
{
	echo "# Engine checks: rt and runc side by side"
	echo
	echo "Written by \`make test-engines\` (tests/engines/run.sh) in the systemd + cgroup v2"
	echo "guest of ../shared/vm. Do not edit by hand."
	echo
	echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
	echo "- guest: $(. /etc/os-release; echo "$PRETTY_NAME"), kernel $(uname -r), $(stat -fc %T /sys/fs/cgroup), PID 1 $(cat /proc/1/comm)"
	echo "- rt: $("$RT_BIN" --version 2>/dev/null | head -n 2 | tr '\n' ' ')"
	echo "- runc: $("$RUNC_BIN" --version 2>/dev/null | head -n 1)"
	for t in podman conmon containerd; do
		command -v $t >/dev/null && echo "- $t: $($t --version 2>/dev/null | head -n 1)"
	done
	if [[ " $suites " == *" cri "* ]]; then
		for t in "${CRI_DIR:-/var/tmp/rt-cri}"/containerd-v2.*/bin/containerd "${CRI_DIR:-/var/tmp/rt-cri}"/bin/critest-v*; do
			[ -x "$t" ] && echo "- cri: $("$t" --version 2>&1 | head -n 1)"
		done
	fi
	for s in $suites; do
		echo
		echo "## $s"
		echo
		echo "| check | rt | runc | rt's failure |"
		echo "|---|---|---|---|"
		awk -F'\t' -v rtf="$out/$s.rt" -v runcf="$out/$s.runc" '
			BEGIN {
				while ((getline l < rtf) > 0) { split(l, a, "\t"); if (a[2] == "") continue
					if (!(a[2] in rt)) order[n++] = a[2]; rt[a[2]] = a[1]; why[a[2]] = a[3] }
				while ((getline l < runcf) > 0) { split(l, a, "\t"); if (a[2] == "") continue
					if (!(a[2] in rt) && !(a[2] in runc)) order[n++] = a[2]; runc[a[2]] = a[1] }
				for (i = 0; i < n; i++) { c = order[i]
					r = (c in rt) ? rt[c] : "-"; u = (c in runc) ? runc[c] : "-"
					w = why[c]; gsub(/\|/, "\\|", w)
					printf "| %s | %s | %s | %s |\n", c, r, u, w }
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
