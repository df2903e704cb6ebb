# Shared setup for rt's integration tests. Every test gets its own state
# root, bundle and cgroup parent, and teardown checks that nothing (state,
# cgroup, mount, process) outlives it.

# `run !` asserts a command fails (a bare `! cmd` asserts nothing in bats).
bats_require_minimum_version 1.5.0

RT_BIN="${RT_BIN:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)/rt}"
REPO="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"

rt() {
	"$RT_BIN" --root "$ROOT" "$@"
}

# With RT_ERRORS_LOG set (make integration), every `run` appends the "rt: "
# lines of its output (rt's errors and warnings) to that log, as
# "FILE: TEST<TAB>LINE", for tests/integration/tools/errtext. It reads what
# run captured, so rt's stdio stay as the test gave them.
if [ -n "${RT_ERRORS_LOG:-}" ]; then
	eval "bats_run_unlogged() $(declare -f run | sed 1d)"
	# Builtins only: some tests run with PATH=/nonexistent.
	run() {
		local rc=0 l where
		bats_run_unlogged "$@" || rc=$?
		where="${BATS_TEST_FILENAME##*/}: $BATS_TEST_DESCRIPTION"
		while IFS= read -r l; do
			if [[ $l == "rt: "* ]]; then
				printf '%s\t%s\n' "$where" "$l"
			fi
		done <<<"$output${stderr:+$'\n'$stderr}" >>"$RT_ERRORS_LOG"
		return "$rc"
	}
fi

# rootfs_template builds the busybox rootfs once per bats run.
rootfs_template() {
	local t="$BATS_RUN_TMPDIR/template"
	if [ ! -d "$t/rootfs" ]; then
		"$REPO/scripts/mkbundle.sh" "$t.tmp.$$" >/dev/null
		mv "$t.tmp.$$" "$t" 2>/dev/null || rm -rf "$t.tmp.$$"
	fi
	echo "$t"
}

# setup_rt: a fresh root, bundle ($BUNDLE) and cgroup parent ($CG_PARENT).
setup_rt() {
	ROOT="$BATS_TEST_TMPDIR/root"
	BUNDLE="$BATS_TEST_TMPDIR/bundle"
	CG_PARENT="/rt-test-$$-$BATS_TEST_NUMBER"
	# The test's own cache, so that tests neither share nor fill /run/rt-cache.
	export RT_CACHE_DIR="$BATS_TEST_TMPDIR/cache"
	local t
	t=$(rootfs_template)
	mkdir -p "$BUNDLE"
	cp -a "$t/rootfs" "$BUNDLE/rootfs"
	cp "$t/config.json" "$BUNDLE/config.json"
	# Own cgroup parent, no terminal, a short-lived default command.
	update_config ".linux.cgroupsPath = \"$CG_PARENT/ct\""
	MOUNTS_BEFORE=$(mount_count)
	HOSTNAME_BEFORE=$(hostname)
}

# update_config JQ-EXPR: edits $BUNDLE/config.json in place.
update_config() {
	local tmp="$BUNDLE/config.json.tmp"
	jq "$1" "$BUNDLE/config.json" >"$tmp" && mv "$tmp" "$BUNDLE/config.json"
}

# set_cmd ARGS...: sets process.args.
set_cmd() {
	local json
	json=$(printf '%s\n' "$@" | jq -R . | jq -s .)
	update_config ".process.args = $json"
}

mount_count() {
	wc -l </proc/self/mountinfo
}

cgroup_dirs() {
	local d
	for d in /sys/fs/cgroup/*/; do
		[ -d "$d$CG_PARENT" ] && echo "$d$CG_PARENT"
	done
	return 0
}

# teardown_rt removes what a test left and fails if rt leaked anything.
teardown_rt() {
	local leaks=""
	if [ -d "$ROOT" ]; then
		for c in $(ls "$ROOT" 2>/dev/null); do
			leaks="$leaks state:$c"
			"$RT_BIN" --root "$ROOT" delete -f "$c" >/dev/null 2>&1 || true
		done
	fi
	local d
	for d in $(cgroup_dirs); do
		if [ -n "$(find "$d" -mindepth 1 -type d 2>/dev/null)" ]; then
			leaks="$leaks cgroup:$d"
			find "$d" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null || true
		fi
		rmdir "$d" 2>/dev/null || true
	done
	if [ "$(mount_count)" != "$MOUNTS_BEFORE" ]; then
		leaks="$leaks mounts:$(grep -c "$BATS_TEST_TMPDIR" /proc/self/mountinfo)"
	fi
	if [ "$(hostname)" != "$HOSTNAME_BEFORE" ]; then
		leaks="$leaks hostname:$(hostname)"
		hostname "$HOSTNAME_BEFORE"
	fi
	if pgrep -f "$BATS_TEST_TMPDIR" >/dev/null 2>&1; then
		leaks="$leaks processes"
	fi
	if [ -n "$leaks" ] && [ -z "${RT_ALLOW_LEAKS:-}" ]; then
		echo "leaked:$leaks" >&2
		return 1
	fi
}

# expect_no_leftovers ID: explicit check after a command that must clean up.
expect_no_leftovers() {
	[ ! -e "$ROOT/$1" ] || { echo "state dir $ROOT/$1 left" >&2; return 1; }
	local d
	for d in $(cgroup_dirs); do
		[ -z "$(find "$d" -mindepth 1 -type d)" ] || { echo "cgroup left under $d" >&2; return 1; }
	done
	[ "$(mount_count)" = "$MOUNTS_BEFORE" ] || { echo "mounts leaked" >&2; return 1; }
}

# status ID: the container's status from rt state.
status() {
	rt state "$1" | jq -r .status
}

# wait_status ID STATUS: polls for up to 5 s.
wait_status() {
	local i
	for i in $(seq 50); do
		[ "$(status "$1" 2>/dev/null)" = "$2" ] && return 0
		sleep 0.1
	done
	echo "container $1 never reached $2 (is $(status "$1" 2>&1))" >&2
	return 1
}

# wait_caught ID SIGNUM: waits up to 5 s until the container's init catches
# the signal (its trap is set). Pid 1 of a pid namespace drops the signals
# it does not catch, so a kill sent before the trap would be lost.
wait_caught() {
	local pid i cgt
	pid=$(rt state "$1" | jq -r .pid)
	for i in $(seq 50); do
		cgt=$(awk '$1 == "SigCgt:" { print $2 }' "/proc/$pid/status" 2>/dev/null)
		[ -n "$cgt" ] && (((0x$cgt >> ($2 - 1)) & 1)) && return 0
		sleep 0.1
	done
	echo "container $1 never caught signal $2" >&2
	return 1
}

# wait_line FILE TEXT: waits up to 5 s for a line TEXT in FILE.
wait_line() {
	local i
	for i in $(seq 50); do
		grep -qx "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "no line '$2' in $1: $(cat "$1")"
	return 1
}

# cg_file CONTROLLER FILE: reads a file of the test container's cgroup.
cg_file() {
	cat "/sys/fs/cgroup/$1$CG_PARENT/ct/$2"
}

# userns_bundle [GIDHOST]: a user namespace mapping container uids 0-65535
# to host 100000-165535 (gids to GIDHOST.., default 100000), the rootfs
# handed to the mapped root. The mapped root sets the rootfs up from inside
# the namespace, where the host's root is nobody, so every directory above
# the bundle must let it through.
userns_bundle() {
	local gid=${1:-100000}
	update_config ".linux.namespaces += [{\"type\": \"user\"}]
		| .linux.uidMappings = [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}]
		| .linux.gidMappings = [{\"containerID\": 0, \"hostID\": $gid, \"size\": 65536}]"
	chown -R "100000:$gid" "$BUNDLE/rootfs"
	local d="$BUNDLE"
	while [ "$d" != / ]; do
		chmod o+x "$d"
		d=$(dirname "$d")
	done
}
