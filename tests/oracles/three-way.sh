#!/bin/bash
# One config at a time through rt, runc and crun, side by side: a busybox
# bundle runs three-way/probe.sh, which prints what the container sees (ids,
# capabilities, limits, mounts, /dev, cgroups, namespaces), once per case of
# three-way/cases (a jq edit of the config each). Where runc and crun agree
# and rt does not, the guide's rule says rt is wrong (unless the spec says
# otherwise): the script fails when the other two show a line rt does not,
# and prints those lines and rt's own in their place.
#
#   tests/oracles/three-way.sh [RT] [CASE-REGEX]
#
# As root, with Debian's runc and crun. crun 1.8.1 refuses a hybrid cgroup
# layout: each runtime runs in a mount namespace of its own with the cgroup2
# mount hidden. Outputs in THREE_WAY_WORK (default /var/tmp/rt-three-way).
set -uo pipefail
export LC_ALL=C
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.bash"
rt=$(realpath "${1:-$here/../../rt}")
filter=${2:-.}
work=${THREE_WAY_WORK:-/var/tmp/rt-three-way}
[ "$(id -u)" = 0 ] || { echo "three-way.sh: run as root" >&2; exit 1; }
for c in runc crun jq; do
	command -v $c >/dev/null || { echo "three-way.sh: needs $c" >&2; exit 1; }
done
in_own_namespaces "$0" "$@"

rm -rf "$work" && mkdir -p "$work"
"$here/../../scripts/mkbundle.sh" "$work/base" true >/dev/null
cp "$here/three-way/probe.sh" "$work/base/rootfs/probe.sh"

# outputs that differ for reasons of no interest: the probe's own pipes,
# crun's masking sources and its /dev/core link.
noise() {
	grep -v -e 'cannot read link' -e '^== hostname' "$1"
}

fails=0
while IFS=$'\t' read -r name q; do
	case $name in '' | '#'*) continue ;; esac
	[[ $name =~ $filter ]] || continue
	d=$work/$name
	mkdir -p "$d"
	cp -a "$work/base/rootfs" "$d/rootfs"
	for r in rt runc crun; do
		case $r in rt) bin=$rt ;; *) bin=$(command -v $r) ;; esac
		jq "$q | .process.args = [\"/probe.sh\"] | .linux.cgroupsPath = \"/rt-three-way/$r\"" \
			"$work/base/config.json" >"$d/config.json" || { echo "$name: bad jq" >&2; fails=$((fails + 1)); continue 2; }
		unshare -m --propagation private bash -c '
			! mountpoint -q /sys/fs/cgroup/unified || mount -t tmpfs rt-three-way /sys/fs/cgroup/unified
			timeout -k 5 30 "$1" --root "$2" run -b "$3" tw </dev/null
			echo "rc=$?"
			"$1" --root "$2" delete -f tw >/dev/null 2>&1' _ "$bin" "$work/root-$r" "$d" >"$d/out.$r" 2>&1
	done
	# Container ids and times, pids and pipe inodes.
	for r in rt runc crun; do
		noise "$d/out.$r" | sed -E 's/time="[^"]*"//; s/(pid|Pid|pipe):?[[ ]?[0-9]+/\1N/g' >"$d/norm.$r"
	done
	# Line by line: what runc and crun both show and rt does not is rt
	# alone differing (crun's quirks and the runtimes' error wording fall
	# outside the lines the other two share).
	for r in rt runc crun; do sort -u "$d/norm.$r" >"$d/lines.$r"; done
	comm -12 "$d/lines.runc" "$d/lines.crun" | comm -23 - "$d/lines.rt" >"$d/missing"
	comm -23 "$d/lines.rt" "$d/lines.runc" | comm -23 - "$d/lines.crun" >"$d/rt-only"
	if [ -s "$d/missing" ]; then
		echo "DIFFERS $name: runc and crun show what rt does not"
		sed 's/^/    both: /' "$d/missing"
		sed 's/^/    rt:   /' "$d/rt-only"
		fails=$((fails + 1))
	else
		echo "ok $name$([ -s "$d/rt-only" ] && echo " ($(wc -l <"$d/rt-only") line(s) rt alone shows: $d/rt-only)")"
	fi
done <"$here/three-way/cases"
rmdir_cgroups "*/rt-three-way/*" "*/rt-three-way"
echo "three-way: $fails case(s) where rt alone differs"
[ "$fails" -eq 0 ]
