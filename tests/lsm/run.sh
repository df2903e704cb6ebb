#!/bin/bash
# run.sh GUEST SUITE...: in the guest GUEST (apparmor or selinux) of
# make test-lsm, each SUITE (apparmor, selinux, check; a .sh beside this
# file) with rt and with the guest's runc (with rt alone for a suite
# marked "# rt-only"), then out/GUEST.md beside this file: the guest's
# facts and every check's results side by side, the section host.sh puts
# in RESULTS.md. Exits non-zero when rt fails a check that runc passes (or
# that only rt runs), or a suite does not run to its end.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
guest=$1
shift
RT_BIN=${RT_BIN:-$repo/rt}
RUNC_BIN=${RUNC_BIN:-$(command -v runc)}
raw=$(mktemp -d /var/tmp/lsm-results.XXXXXX)
mkdir -p "$here/out"
section=$here/out/$guest.md
status=0

lsm_state() {
	if [ -e /sys/fs/selinux/enforce ]; then
		echo "SELinux $( [ "$(cat /sys/fs/selinux/enforce)" = 1 ] && echo enforcing || echo permissive), policy $(sed -n 's/^SELINUXTYPE=//p' /etc/selinux/config)"
	elif [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ]; then
		echo "AppArmor, $(grep -c . /sys/kernel/security/apparmor/profiles) profiles loaded"
	else
		echo "none"
	fi
}

{
	echo "## $guest guest"
	echo
	echo "- guest: $(. /etc/os-release; echo "$PRETTY_NAME"), kernel $(uname -r), $(stat -fc %T /sys/fs/cgroup), PID 1 $(cat /proc/1/comm)"
	words=$(tr ' ' '\n' </proc/cmdline | grep -E '^(security|selinux|enforcing|apparmor|lsm)=' | tr '\n' ' ')
	echo "- kernel command line: ${words:-none (the default modules of the kernel)}"
	echo "- security module: $(lsm_state)"
	echo "- rt: $("$RT_BIN" --version 2>/dev/null | head -n 2 | tr '\n' ' ')"
	echo "- runc: $("$RUNC_BIN" --version 2>/dev/null | head -n 1)"
	for t in podman docker; do
		command -v $t >/dev/null && echo "- $t: $($t --version 2>/dev/null | head -n 1)"
	done
} >"$section"

for s in "$@"; do
	runtimes="rt runc"
	grep -qx '# rt-only' "$here/$s.sh" && runtimes=rt
	for r in $runtimes; do
		bin=$RT_BIN
		[ $r = runc ] && bin=$RUNC_BIN
		echo "== $s with $r ($bin)"
		t0=$SECONDS
		if ! RUNTIME=$bin RUNTIME_NAME=$r "$here/$s.sh" >"$raw/$s.$r" 2>"$raw/$s.$r.log"; then
			echo "suite $s did not run to its end with $r; its log:"
			tail -n 40 "$raw/$s.$r.log"
			echo "- suite $s did not run to its end with $r: $(grep -v '^[[:space:]]*$' "$raw/$s.$r.log" | tail -n 1)" >>"$section"
			status=1
		fi
		cat "$raw/$s.$r"
		echo "($s with $r: $((SECONDS - t0)) s)"
		# The whole log, for whoever reads the guest's output.
		sed "s/^/  /" "$raw/$s.$r.log"
	done
	declare -A runc_of=()
	if [ -f "$raw/$s.runc" ]; then
		while IFS=$'\t' read -r st name _; do runc_of[$name]=$st; done <"$raw/$s.runc"
	fi
	{
		echo
		echo "### $s"
		echo
		echo "| check | rt | runc | rt's failure |"
		echo "|---|---|---|---|"
		while IFS=$'\t' read -r st name why; do
			echo "| $name | $st | ${runc_of[$name]:--} | ${why//|/\\|} |"
		done <"$raw/$s.rt"
	} >>"$section"
	bad=$(while IFS=$'\t' read -r st name why; do
		[ "$st" = PASS ] || [ "${runc_of[$name]:-}" = FAIL ] || echo "  $name: $why"
	done <"$raw/$s.rt")
	if [ -n "$bad" ]; then
		echo "rt fails in $s where runc passes:"
		echo "$bad"
		status=1
	fi
	echo "$s: rt passed $(grep -c '^PASS' "$raw/$s.rt") of $(grep -c . "$raw/$s.rt")$( [ -f "$raw/$s.runc" ] && echo ", runc passed $(grep -c '^PASS' "$raw/$s.runc") of $(grep -c . "$raw/$s.runc")")"
	unset runc_of
done
echo "section: $section"
rm -rf "$raw"
exit $status
