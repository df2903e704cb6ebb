#!/bin/sh
# fuzz.sh [TIME]: runs every `func Fuzz*` target of the repository for TIME
# (a -fuzztime value, default 5s) each, one target at a time as `go test
# -fuzz` requires, and prints one line per target. A failing target's
# output goes to stderr (a crasher is saved under the package's
# testdata/fuzz/ by go test); the exit status is non-zero if any failed.
set -u
fuzztime=${1:-5s}
GO=${GO:-go}
cd "$(dirname "$0")/.." || exit 1

log=$(mktemp)
trap 'rm -f "$log"' EXIT

# "dir name" pairs, sorted, from every _test.go outside vendor/.
targets=$(grep -rE --include='*_test.go' --exclude-dir=vendor --exclude-dir=.git \
	'^func Fuzz[A-Za-z0-9_]*\(' . |
	sed -E 's|^(.*)/[^/]*_test\.go:func (Fuzz[A-Za-z0-9_]*)\(.*|\1 \2|' | sort -u)
if [ -z "$targets" ]; then
	echo "fuzz: no Fuzz targets found" >&2
	exit 1
fi

# deadline_flake: the log is Go's own end-of-fuzztime race (go.dev/issue/
# 75804, fixed in Go 1.27): "context deadline exceeded" and no crasher. A
# real finding always says "Failing input written to".
deadline_flake() {
	grep -q 'context deadline exceeded' "$log" && ! grep -q 'Failing input written to' "$log"
}

failed=0
total=0
echo "$targets" | {
	while read -r dir name; do
		total=$((total + 1))
		start=$(date +%s)
		status=ok
		for try in 1 2; do
			if "$GO" test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "$dir" >"$log" 2>&1; then
				status=ok
				break
			fi
			if deadline_flake; then
				status=flake
				continue
			fi
			status=FAIL
			break
		done
		case $status in
		ok) printf 'ok    %-24s %-22s %ss\n' "$name" "$dir" "$(($(date +%s) - start))" ;;
		flake)
			# Twice the coordinator's race and never an input: not a
			# finding, but say so.
			printf 'ok    %-24s %-22s %ss (Go fuzz deadline race twice, no crasher)\n' "$name" "$dir" "$(($(date +%s) - start))"
			;;
		*)
			failed=$((failed + 1))
			printf 'FAIL  %-24s %-22s %ss\n' "$name" "$dir" "$(($(date +%s) - start))"
			sed 's/^/    /' "$log" >&2
			;;
		esac
	done
	echo "fuzz: $total targets, $failed failed ($fuzztime each)"
	[ "$failed" -eq 0 ]
}
