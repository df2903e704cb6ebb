#!/bin/bash
# run.sh: the engine suites (ENGINE_SUITES, default: every tests/engines/*.sh
# but run.sh, the sourced lib.sh and cri-images.sh, and the host-*.sh
# wrappers), each once with rt and once with the guest's runc, then
# RESULTS.md beside this script: every check with rt's and runc's result
# side by side. Meant for the systemd + cgroup v2 guest that `make
# test-engines` boots (ENGINES_RESULTS and ENGINES_WHERE name another file
# and place). Exits non-zero when rt does not pass a check that runc passes
# (or that only rt has), or a suite fails to run at all.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
RT_BIN=${RT_BIN:-$repo/rt}
RUNC_BIN=${RUNC_BIN:-$(command -v runc)}
out=$(mktemp -d /var/tmp/engines.XXXXXX)
suites=${ENGINE_SUITES:-$(cd "$here" && ls *.sh | grep -vx -e lib.sh -e run.sh -e cri-images.sh -e 'host-.*\.sh' | sed 's/\.sh$//')}

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

# RESULTS.md (or ENGINES_RESULTS): one section per suite, each with the
# run it comes from. The suites of this run replace their sections; the
# others are kept as they were.
results=${ENGINES_RESULTS:-$here/RESULTS.md}
where=${ENGINES_WHERE:-"Written by \`make test-engines\` (tests/engines/run.sh) in the systemd + cgroup v2
guest of ../shared/vm."}
cgroup_layout() {
	if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
		echo "cgroup v2"
	elif [ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
		echo "cgroup v1 (hybrid)"
	else
		echo "cgroup v1"
	fi
}
tool_versions() {
	local t
	case $1 in
	podman | rootless) set -- podman conmon ;;
	containerd) set -- containerd ;;
	docker) set -- dockerd containerd ;;
	cri) # cri.sh's: Debian's containerd with critest v1.29.0, the newest
		# containerd 2.x with the newest critest
		set -- "${CRI_DIR:-/var/tmp/rt-cri}"
		set -- containerd "$(ls "$1"/containerd-v2.*/bin/containerd 2>/dev/null | sort -V | tail -n 1)" \
			"$1/bin/critest-${CRI_CRITEST_16:-v1.29.0}" "$(ls "$1"/bin/critest-v* 2>/dev/null | sort -V | tail -n 1)" ;;
	*) set -- ;;
	esac
	for t in "$@"; do
		command -v "$t" >/dev/null && echo "- ${t##*/}: $("$t" --version 2>/dev/null | head -n 1)"
	done
}
# Sections of the previous file, split into $out/old.NAME, their order in
# $out/old.order; a section from before sections had their own run lines
# gets the file's old date and rt lines.
if [ -f "$results" ]; then
	awk -v dir="$out" '
		/^- date:/ && !sec { date = $3 }
		/^- guest:/ && !sec { guest = substr($0, 10) }
		/^- (rt|runc):/ && !sec { hdr = hdr $0 "\n" }
		/^## / { sec = $2; print sec > (dir "/old.order"); f = dir "/old." sec
			printf "%s\n", $0 > f; getline; printf "%s\n", $0 > f
			getline; if ($0 !~ /^- run:/) printf "- run: %s, %s\n%s\n", date, guest, hdr > f; printf "%s\n", $0 > f; next }
		sec { print > f }' "$results"
fi
stamp="$(date -u +%Y-%m-%dT%H:%MZ), rt $("$RT_BIN" --version 2>/dev/null | sed -n 's/^commit: //p'), $("$RUNC_BIN" --version 2>/dev/null | head -n 1)"
# A run of some of critest's specs says which.
stamp="$stamp${CRI_FOCUS:+, critest focus: $CRI_FOCUS}${CRI_SKIP:+, critest skip: $CRI_SKIP}"
for s in $suites; do
	{
		echo "## $s"
		echo
		echo "- run: $(date -u +%Y-%m-%dT%H:%MZ), $(. /etc/os-release; echo "$PRETTY_NAME"), kernel $(uname -r), $(cgroup_layout), PID 1 $(cat /proc/1/comm)"
		echo "- rt: $("$RT_BIN" --version 2>/dev/null | head -n 2 | tr '\n' ' ')"
		echo "- runc: $("$RUNC_BIN" --version 2>/dev/null | head -n 1)"
		tool_versions "$s"
		echo
		echo "| check | rt | runc | rt's failure |"
		echo "|---|---|---|---|"
		# The check order is rt's; a check only runc reported still shows.
		# Rows of the old section are kept for the groups of checks this
		# run did not report (a check named "GROUP: ..." is in GROUP, e.g.
		# one containerd of the cri suite, CRI_CONTAINERDS); a "run: GROUP"
		# row says when and with what each group ran.
		awk '/^\| / && !/^\| check \|/ && !/^\|---/ {
				line = substr($0, 3, length($0) - 4); gsub(/\\\|/, "\001", line)
				n = split(line, f, / \| /); for (i = 1; i <= n; i++) gsub("\001", "|", f[i])
				printf "%s\t%s\t%s\t%s\n", f[1], f[2], f[3], f[4] }' "$out/old.$s" >"$out/$s.oldrows" 2>/dev/null
		awk -F'\t' -v rtf="$out/$s.rt" -v runcf="$out/$s.runc" -v oldf="$out/$s.oldrows" -v stamp="$stamp" '
			function group(c) { return index(c, ": ") ? substr(c, 1, index(c, ": ") - 1) : "" }
			function redo(g) { if (!(g in redone)) { redone[g] = 1; groups[ng++] = g } }
			function row(c, r, u, w) { gsub(/\|/, "\\|", c); gsub(/\|/, "\\|", w); printf "| %s | %s | %s | %s |\n", c, r, u, w }
			BEGIN {
				while ((getline l < rtf) > 0) { split(l, a, "\t"); if (a[2] == "") continue
					if (!(a[2] in rt)) order[n++] = a[2]; rt[a[2]] = a[1]; why[a[2]] = a[3]; redo(group(a[2])) }
				while ((getline l < runcf) > 0) { split(l, a, "\t"); if (a[2] == "") continue
					if (!(a[2] in rt) && !(a[2] in runc)) order[n++] = a[2]; runc[a[2]] = a[1]; redo(group(a[2])) }
				while ((getline l < oldf) > 0) { split(l, a, "\t")
					if (a[1] ~ /^run: /) g = substr(a[1], 6); else g = group(a[1])
					if (a[1] == "run" || g in redone) continue
					row(a[1], a[2], a[3], a[4]) }
				if (!("" in redone)) for (i = 0; i < ng; i++) row("run: " groups[i], "-", "-", stamp)
				for (i = 0; i < n; i++) { c = order[i]
					row(c, (c in rt) ? rt[c] : "-", (c in runc) ? runc[c] : "-", why[c]) }
			}'
		echo
	} >"$out/new.$s"
done
{
	echo "# Engine checks: rt and runc side by side"
	echo
	echo "$where"
	echo "Do not edit by hand: a run of some suites (ENGINE_SUITES) replaces"
	echo "their sections and keeps the others."
	echo
	for s in $(cat "$out/old.order" 2>/dev/null) $suites; do
		[ -e "$out/done.$s" ] && continue
		touch "$out/done.$s"
		[ -e "$out/done" ] && echo
		touch "$out/done"
		f=$out/new.$s
		[ -f "$f" ] || f=$out/old.$s
		# without its trailing blank lines
		awk 'NF { for (; b > 0; b--) print ""; print; next } { b++ }' "$f"
	done
} >"$results.tmp" && mv "$results.tmp" "$results"

# rt must pass every check but those runc fails too (the guest's, not
# rt's) or skips too; a check only rt has must pass.
for s in $suites; do
	bad=$(awk -F'\t' -v runcf="$out/$s.runc" '
		BEGIN { while ((getline l < runcf) > 0) { split(l, a, "\t"); runc[a[2]] = a[1] } }
		$1 != "PASS" && runc[$2] != "FAIL" && runc[$2] != $1 { print "  " $2 ": " $3 }' "$out/$s.rt")
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
