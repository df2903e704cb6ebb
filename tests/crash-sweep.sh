#!/bin/bash
# crash-sweep.sh [--systemd] [STEP]: rt's full crash-safety check
# (`make test-crash`). create, run -d, exec -d and delete -f are SIGKILLed
# after 0, STEP (default 1ms), 2*STEP ... up to their own duration, twice
# (the second round shifted by half a step), and at each of their crash
# points (the rt-crashtest build stops itself there); after each kill
# `delete -f` must leave no state dir, cgroup, mount or process. Then 100
# containers are created, started, killed and deleted in parallel on one
# root while list and state run in a loop, and the short tests of
# tests/integration/crash.bats run (the full-filesystem one among them)
# when bats is installed. --systemd does the same with --systemd-cgroup
# (needs systemd as PID 1: the guest of ../shared/vm, see the Makefile).
set -u
repo=$(cd "$(dirname "$0")/.." && pwd)
RT_BIN=${RT_BIN:-$repo/rt}
tools=$repo/tests/integration/tools/bin
systemd=()
if [ "${1:-}" = --systemd ]; then
	systemd=(-systemd)
	shift
	[ -d /run/systemd/system ] || { echo "crash-sweep.sh: --systemd needs systemd as PID 1" >&2; exit 2; }
fi
step=${1:-1ms}
for f in "$RT_BIN" "$tools/rt-crashtest" "$tools/crashsweep"; do
	[ -x "$f" ] || { echo "crash-sweep.sh: $f is missing (make rt tools)" >&2; exit 2; }
done

work=$(mktemp -d /var/tmp/rt-crash.XXXXXX)
trap 'rm -rf "$work"' EXIT
# Private copies: the shared binaries may be rebuilt while this runs.
cp "$RT_BIN" "$work/rt" && cp "$tools/rt-crashtest" "$work/rt-crashtest" || exit 1
"$repo/scripts/mkbundle.sh" "$work/template" 'sleep 1000' >/dev/null || exit 1

fails=0
sweep() {
	"$tools/crashsweep" -rt "$work/rt" -rootfs "$work/template/rootfs" \
		-config "$work/template/config.json" -work "$work/$1" "${systemd[@]}" "${@:2}" ||
		fails=$((fails + 1))
}
t0=$(date +%s)
sweep sweep -rt-points "$work/rt-crashtest" -step "$step" -rounds 2 -fail-fast=false sweep
sweep load -n "${LOAD_N:-100}" load
if [ ${#systemd[@]} -eq 0 ] && command -v bats >/dev/null; then
	RT_BIN=$work/rt bats "$repo/tests/integration/crash.bats" || fails=$((fails + 1))
fi
echo "crash-sweep: $fails failed parts, $(($(date +%s) - t0)) s"
[ "$fails" -eq 0 ]
