#!/bin/bash
# host.sh: make test-lsm. Boots the AppArmor guest and the SELinux guest of
# ../shared/vm (each image in a directory of its own, so neither rebuilds
# the other), runs the LSM suites there with rt and runc side by side
# (tests/lsm/run.sh), and writes RESULTS.md beside this file from the
# sections the guests wrote. LSM_GUESTS="apparmor" runs one guest; the
# other's section stays as its last run left it in out/. Exits non-zero
# when rt fails a check that runc passes, or a guest run fails. Every
# vm.sh use must hold /var/tmp/rtvm.lock: run it as
# `flock /var/tmp/rtvm.lock make test-lsm`.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
VM=${VM:-$repo/../shared/vm/vm.sh}
guests=${LSM_GUESTS:-apparmor selinux}
AA_PKGS="apparmor podman conmon catatonit containernetworking-plugins docker.io"
SE_PKGS="selinux-policy-default selinux-utils policycoreutils podman conmon catatonit containernetworking-plugins"
mkdir -p "$here/out"
status=0
for g in $guests; do
	t0=$SECONDS
	case $g in
	apparmor)
		# Debian's kernel enables AppArmor by default: no command-line words.
		RTVM_DIR=${LSM_AA_RTVM_DIR:-/var/tmp/rtvm-lsm-apparmor} RTVM_EXTRA_PKGS=$AA_PKGS \
			bash "$VM" run --share "$repo" --mem 3072 --timeout 3000 -- ./tests/lsm/run.sh apparmor apparmor check
		;;
	selinux)
		export RTVM_DIR=${LSM_SE_RTVM_DIR:-/var/tmp/rtvm-lsm-selinux} RTVM_EXTRA_PKGS=$SE_PKGS
		VM=$VM "$here/selinux-image.sh" &&
			RTVM_APPEND="security=selinux selinux=1" bash "$VM" run --share "$repo" --mem 3072 --timeout 3000 -- ./tests/lsm/run.sh selinux selinux check
		;;
	*)
		echo "unknown guest $g (apparmor or selinux)" >&2
		false
		;;
	esac
	rc=$?
	echo "$g guest: exit $rc after $((SECONDS - t0)) s (boot included; TCG)" | tee "$here/out/$g.time"
	[ $rc -eq 0 ] || status=1
done

# A guest not run here and not in out/ (a fresh checkout) keeps the section
# and the time line the committed RESULTS.md has for it.
for g in apparmor selinux; do
	[ -f "$here/out/$g.md" ] || [ ! -f "$here/RESULTS.md" ] && continue
	awk -v h="## $g guest" '/^## / { on = ($0 == h) } on' "$here/RESULTS.md" | awk 'NF { for (; n > 0; n--) print ""; print; next } { n++ }' >"$here/out/$g.md"
	[ -s "$here/out/$g.md" ] || rm -f "$here/out/$g.md"
	grep -m1 "^- $g guest: " "$here/RESULTS.md" | sed 's/^- //' >"$here/out/$g.time"
	[ -s "$here/out/$g.time" ] || rm -f "$here/out/$g.time"
done

{
	echo "# LSM checks: rt and runc side by side"
	echo
	echo "Written by \`make test-lsm\` (tests/lsm/host.sh) from the sections that"
	echo "tests/lsm/run.sh wrote in the AppArmor and SELinux guests of ../shared/vm."
	echo "Do not edit by hand. \"-\": not run for that runtime (rt check has no runc"
	echo "counterpart)."
	echo
	echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
	for g in apparmor selinux; do
		[ -f "$here/out/$g.time" ] && echo "- $(cat "$here/out/$g.time")"
	done
	for g in apparmor selinux; do
		if [ -f "$here/out/$g.md" ]; then
			echo
			cat "$here/out/$g.md"
		fi
	done
} >"$here/RESULTS.md"
echo "results: $here/RESULTS.md"
exit $status
