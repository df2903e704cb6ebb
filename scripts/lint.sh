#!/bin/bash
# `make lint`: gofmt, go vet, staticcheck and deadcode over the whole
# module, each of which must print nothing. `lint.sh install` puts the two
# linters, at the versions pinned here, into $LINT_BIN (scripts/install-deps.sh
# calls it; CI does so on a fresh clone).
#
# deadcode reports functions no main package of the module can reach. A
# function reached by a route it cannot see goes into scripts/deadcode.allow,
# one "package.Func reason" a line.
set -euo pipefail
cd "$(dirname "$0")/.."

STATICCHECK_VERSION=v0.8.2 # honnef.co/go/tools (staticcheck 2026.2.2)
XTOOLS_VERSION=v0.52.0     # golang.org/x/tools (cmd/deadcode)

GO=${GO:-go}
command -v "$GO" >/dev/null 2>&1 || GO=/usr/local/go/bin/go
# A directory of rt's own, not GOPATH/bin: other versions there stay as they are.
LINT_BIN=${LINT_BIN:-$("$GO" env GOPATH)/rt-lint}
# The build tags of `make rt`.
TAGS=${GO_TAGS:-urfave_cli_no_docs,netgo,osusergo}

# version BINARY: the module version BINARY was built from, or nothing.
version() {
	[ -x "$1" ] && "$GO" version -m "$1" 2>/dev/null | awk '$1 == "mod" { print $3; exit }'
}

install() {
	mkdir -p "$LINT_BIN"
	[ "$(version "$LINT_BIN/staticcheck")" = "$STATICCHECK_VERSION" ] ||
		GOBIN=$LINT_BIN "$GO" install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION"
	[ "$(version "$LINT_BIN/deadcode")" = "$XTOOLS_VERSION" ] ||
		GOBIN=$LINT_BIN "$GO" install "golang.org/x/tools/cmd/deadcode@$XTOOLS_VERSION"
}

if [ "${1:-}" = install ]; then
	install
	exit 0
fi

for t in staticcheck:$STATICCHECK_VERSION deadcode:$XTOOLS_VERSION; do
	have=$(version "$LINT_BIN/${t%%:*}")
	if [ "$have" != "${t#*:}" ]; then
		echo "lint: $LINT_BIN/${t%%:*} is ${have:-missing}, rt pins ${t#*:}: run scripts/install-deps.sh (or scripts/lint.sh install)" >&2
		exit 1
	fi
done

fail=0
# step NAME CMD...: runs CMD, which must succeed and print nothing.
step() {
	local name=$1 out
	shift
	if ! out=$("$@" 2>&1) || [ -n "$out" ]; then
		echo "lint: $name:" >&2
		printf '%s\n' "$out" >&2
		fail=1
	fi
}

step gofmt gofmt -l .
step "go vet" "$GO" vet -tags "$TAGS" ./...
step staticcheck "$LINT_BIN/staticcheck" -tags "$TAGS" ./...
# rt itself is built without cgo (make rt): the files only that build
# compiles (libct/seccomp/helper_client.go) get the same checks.
nocgo=$(grep -rl --include='*.go' '^//go:build !cgo' . | xargs -r -n1 dirname | sort -u)
if [ -n "$nocgo" ]; then
	step "go vet (no cgo)" env CGO_ENABLED=0 "$GO" vet -tags "$TAGS" . $nocgo
	step "staticcheck (no cgo)" env CGO_ENABLED=0 "$LINT_BIN/staticcheck" -tags "$TAGS" . $nocgo
fi
# The packages with files only the crashtest build (rt-crashtest) compiles.
crash=$(grep -rl --include='*.go' '^//go:build.*crashtest' . | xargs -r -n1 dirname | sort -u)
if [ -n "$crash" ]; then
	step "go vet -tags crashtest" "$GO" vet -tags "$TAGS,crashtest" $crash
	step "staticcheck -tags crashtest" "$LINT_BIN/staticcheck" -tags "$TAGS,crashtest" $crash
fi

# deadcode, less what the allow-list names.
module=$("$GO" list -m)
dead=$("$LINT_BIN/deadcode" -tags "$TAGS" \
	-f '{{range .Funcs}}{{$.Path}}.{{.Name}} {{.Position.File}}:{{.Position.Line}}{{"\n"}}{{end}}' ./... |
	sed "s|^$module/||") || { echo "lint: deadcode failed" >&2; exit 1; }
allowed=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' scripts/deadcode.allow | awk '{ print $1 }')
step deadcode awk -v allowed="$allowed" 'BEGIN { n = split(allowed, a, "\n"); for (i = 1; i <= n; i++) ok[a[i]] = 1 }
	$0 != "" && !($1 in ok) { print $2 ": unreachable func: " $1 }' <<<"$dead"
# An allowed function that is no longer dead is a stale entry.
step "deadcode.allow" awk -v dead="$dead" 'BEGIN { n = split(dead, d, "\n"); for (i = 1; i <= n; i++) { split(d[i], f, " "); is[f[1]] = 1 } }
	!/^[[:space:]]*(#|$)/ && !($1 in is) { print "scripts/deadcode.allow:" NR ": " $1 " is not reported (reachable now, or gone): remove the entry" }' scripts/deadcode.allow
exit $fail
