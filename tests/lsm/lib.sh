# Shared by the LSM suites (apparmor.sh, selinux.sh, check.sh): the engine
# suites' output contract and check() (../engines/lib.sh), plus bundles
# made from the guest's static busybox and the runtime under test run on
# them. A suite runs in its guest as root with RUNTIME and RUNTIME_NAME
# set; run.sh runs it once per runtime.
. "$(dirname "${BASH_SOURCE[0]}")/../engines/lib.sh"

export RUNTIME RUNTIME_NAME REPO
LSM_WORK=$(mktemp -d /var/tmp/lsm.XXXXXX)
export LSM_WORK
# Each runtime keeps its own state.
export LSM_STATE=/run/lsm-$RUNTIME_NAME
busybox_rootfs "$LSM_WORK/rootfs"
tar -C "$LSM_WORK/rootfs" -c . >"$LSM_WORK/busybox.tar"

fail() {
	echo "$*"
	return 1
}

# ct ARGS: the runtime under test with the suite's state root.
ct() { "$RUNTIME" --root "$LSM_STATE" "$@"; }

# mkbundle NAME JQ: $LSM_WORK/NAME, a bundle of `rt spec` with the busybox
# rootfs, no terminal, CAP_CHOWN (which probes use), and config.json
# edited by JQ. Prints its path.
mkbundle() {
	local d=$LSM_WORK/$1
	rm -rf "$d"
	mkdir -p "$d"
	cp -a "$LSM_WORK/rootfs" "$d/rootfs"
	"$REPO/rt" spec -b "$d" || return 1
	jq ".process.terminal = false | .root.readonly = false | .process.capabilities |= with_entries(if .key == \"ambient\" or .key == \"inheritable\" then . else .value += [\"CAP_CHOWN\"] end) | $2" "$d/config.json" >"$d/c.json" && mv "$d/c.json" "$d/config.json"
	echo "$d"
}

# left ID: says what a failed create left behind (state, a process), if any.
left() {
	local out
	out=$(ct state "$1" 2>/dev/null) && { echo "state of $1 left: $out"; return 0; }
	pgrep -f "lsm-marker-$1" >/dev/null && { echo "process of $1 left"; return 0; }
	return 1
}

# one_line TEXT: TEXT is a single non-empty line.
one_line() {
	[ -n "$1" ] && [ "$(printf '%s\n' "$1" | wc -l)" -eq 1 ]
}

# Podman over the runtime under test, and its image: the busybox rootfs,
# imported (nothing is pulled; the guest has no network).
IMG=localhost/lsm-busybox
export IMG
pm() { podman --runtime "$RUNTIME" --cgroup-manager systemd "$@"; }
podman_image() {
	podman image exists $IMG || podman import "$LSM_WORK/busybox.tar" $IMG >/dev/null
}
