#!/bin/bash
# runc-checkpoint.sh SRC [REGEX]: runc's own checkpoint.bats (the tests
# whose names match REGEX, default all), from the runc source
# tree SRC that ../shared/runc-suite extracts (its tests/integration with
# the images and helpers prepared), once against rt and once against runc
# (see RUNC_BIN below), in the CRIU guest of `make test-checkpoint-runc`. Prints
# both TAP streams and a side-by-side summary; exits non-zero when rt
# fails a test that runc passes.
set -u
repo=$(cd "$(dirname "$0")/.." && pwd)
src=${1:?usage: runc-checkpoint.sh RUNC-SOURCE-DIR [REGEX]}
filter=${2:-.}
RT_BIN=${RT_BIN:-$repo/rt}
# The oracle: the suite's own runc where it was built (`go build` in SRC,
# as ../shared/runc-suite does for its upstream-runc mode), since the
# guest's runc 1.1 predates much of this checkpoint.bats; else the guest's.
RUNC_BIN=${RUNC_BIN:-}
if [ -z "$RUNC_BIN" ]; then
	RUNC_BIN=$(command -v runc)
	[ -x "$src/runc" ] && RUNC_BIN=$src/runc
fi
cd "$src/tests/integration" || exit 2
# get-images.sh asks go for the arch only (the images are there), and the
# images are .tar.xz: busybox has an xz applet where xz is missing.
shim=$(mktemp -d)
printf '#!/bin/sh\ncase "$1 $2" in "env GOARCH") echo amd64 ;; "env GOARM") ;; *) exit 1 ;; esac\n' >"$shim/go"
chmod +x "$shim/go"
command -v xz >/dev/null || ln -s "$(command -v busybox)" "$shim/xz"
export PATH=$PATH:$shim
out=$(mktemp -d)
for r in rt runc; do
	bin=$RT_BIN
	[ $r = runc ] && bin=$RUNC_BIN
	echo "== checkpoint.bats with $r ($bin)"
	# BATS_TEST_TIMEOUT fails a slow test; one that leaves a process holding
	# bats' output (the lazy-pages test's dump, waiting for a client that
	# never comes) still hangs bats until the outer timeout.
	RUNC=$bin BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-600} timeout 3600 bats -T -f "$filter" checkpoint.bats 2>&1 | tee "$out/$r.tap"
done
# One line a test: rt's verdict, runc's, the name.
verdict() { sed -n -E 's/^(ok|not ok) [0-9]+ (.*) in [0-9]+ms( # skip.*)?$/\1\3\t\2/p' "$1" |
	sed -E 's/^ok # skip[^\t]*/skip/; s/^not ok/FAIL/; s/^ok/PASS/'; }
echo "== summary (rt, runc, test)"
status=0
while IFS=$'\t' read -r v name; do
	u=$(verdict "$out/runc.tap" | awk -F'\t' -v n="$name" '$2 == n {print $1}')
	printf '%s\t%s\t%s\n' "$v" "${u:--}" "$name"
	[ "$u" = PASS ] && [ "$v" != PASS ] && status=1
done < <(verdict "$out/rt.tap")
rm -rf "$shim" "$out"
exit $status
