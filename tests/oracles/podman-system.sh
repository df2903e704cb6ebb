#!/bin/bash
# Podman's own system tests (the bats files in test/system of the Podman
# release Debian ships, 4.3.1) against rt and Debian's runc side by side, on
# this host (cgroup v1, cgroupfs, no systemd), as root.
#
#   PODMAN_MIRROR=<git dir of containers/podman> tests/oracles/podman-system.sh [RT]
#   tests/oracles/podman-system.sh --report    # the last runs' report again
#
# As root, with Debian's podman, bats, docker-registry, runc, busybox-static,
# jq, curl, ncat and socat installed, and Go at /usr/local/go.
#
#   PODMAN_SYSTEM_WORK    WORK (default /var/tmp/rt-podman-system)
#   PODMAN_SYSTEM_FILES   the bats files (names less .bats; default below)
#   PODMAN_SYSTEM_FILTER  a bats --filter (a regular expression on test names)
#   PODMAN_SYSTEM_RUNTIMES  "rt runc" (default) or either alone (the report
#       then takes the other's results from its last run), or "none" (only
#       the runs again on rt and the report)
#   PODMAN_SYSTEM_RETRY     how many times rt runs again the tests it failed
#       and runc passed, while it fails them (default 3; 0: none)
#   PODMAN_SYSTEM_TIMEOUT   seconds a file may take (default 600)
#   PODMAN_SYSTEM_PRISTINE=1  keep the release's cgroup v1 skips (see below)
#   PODMAN_SYSTEM_EXEC='CMD'  runs CMD (bash, in the tests' directory, with
#       $PODMAN and the image as the tests have them) instead of the tests,
#       e.g. 'bats --filter "device-cgroup-rule" 030-run.bats' or
#       '$PODMAN run --rm $IMAGE id' (after '. helpers.bash')
#
# RT is copied to WORK/rt (WORK is /var/tmp/rt-podman-system) and Podman
# runs the copy through a symlink named "runc": Podman picks its error
# parsing (--log-format=json) by the runtime's base name, and the tests take
# their runc branches for it, so that rt is held to what runc does.
#
# The tests' image, quay.io/libpod/testimage:20220615 (test/system/
# build-testimage: Alpine with busybox-extras, /home/podman/{testimage-id,
# pause}, labels), is built here from the host's busybox-static with what
# the selected files use: Alpine's layout, users and groups, busybox-extras,
# printenv, adduser, and busybox's full nc (a Go stand-in, built with
# /usr/local/go). Debian's docker-registry on loopback serves it with
# testimage:00000004 (a plain busybox) and k8s.gcr.io/pause:3.5
# (catatonit), a registries.conf putting it in place of quay.io, docker.io
# and k8s.gcr.io. Host programs the tests run: ncat (as nc), socat, curl,
# jq, buildah (their "external" containers, in Podman's storage).
#
# The release's tests skip their user-namespace checks on cgroup v1 (a
# rootless failure, "#15025"); as root they run here, unless
# PODMAN_SYSTEM_PRISTINE=1 (the tests are copied to WORK/system-<tag> with
# those skips removed). The default files are those that drive the runtime;
# left out: systemd, remote, rootless-only, build, image, checkpoint (no
# CRIU on this kernel) and --cgroup-manager systemd ones.
#
# Each runtime runs in namespaces of its own (lib.bash's, plus a PID
# namespace: whatever Podman leaves running dies with it, and a new network
# namespace per runtime, so that the second run starts without the first's
# bridge and firewall rules), with tmpfs on /run, /tmp, /dev/shm (Podman's
# locks), /var/lib/containers (its blob cache) and /var/tmp (the tests'
# stray files; WORK is bound back in). Podman's storage and run root are
# WORK/run-<runtime>/, removed after the run, and so are the cgroups
# Podman's cgroupfs manager makes (/sys/fs/cgroup/*/libpod_parent).
#
# The report lists each test passed, failed or skipped for each runtime and
# fails when rt fails a test runc passes, every time: such tests run again
# on rt (PODMAN_SYSTEM_RETRY), and one that passes then is reported as flaky
# (some of Podman's tests fail now and then whatever the runtime). TAP (with
# each failure's output) in WORK/out/<runtime>/<file>.tap (the runs again in
# WORK/out/rt-retry<N>), the list in WORK/out/both.results.
set -euo pipefail
export LC_ALL=C
trap 'echo "podman-system.sh: line $LINENO: exit status $?" >&2' ERR

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.bash"
work=${PODMAN_SYSTEM_WORK:-/var/tmp/rt-podman-system}
tag=${PODMAN_TAG:-v4.3.1}
files=${PODMAN_SYSTEM_FILES:-030-run 032-sig-proxy 035-logs 040-ps 045-start 050-stop 055-rm 060-mount 065-cp 075-exec 080-pause 090-events 130-kill 160-volumes 170-run-userns 180-blkio 190-run-ipcns 200-pod 220-healthcheck 280-update 300-cli-parsing 400-unprivileged-access 450-interactive 500-networking 700-play}
runtimes=${PODMAN_SYSTEM_RUNTIMES:-rt runc}
[ "$runtimes" != none ] || runtimes=
src=$work/src-$tag/test/system
tests=$work/system-$tag
reg=127.0.0.1:5000

# ---- report ----
# results OUT: "file:test STATUS" per test (ok, fail, skip), a file that
# timed out or failed before its tests as "file:(file) fail".
results() {
	local t f
	for t in "$1"/*.tap; do
		f=$(basename "$t" .tap)
		awk -v f="$f" '
			/^ok [0-9]+ / || /^not ok [0-9]+ / {
				st = /^not ok/ ? "fail" : "ok"
				name = $0; sub(/^(not )?ok [0-9]+ /, "", name)
				if (name ~ / # [sS][kK][iI][pP]/) { st = "skip"; sub(/ # [sS][kK][iI][pP].*$/, "", name) }
				sub(/ in [0-9]+ms$/, "", name)
				print f ":" name "\t" st; n++
			}
			/^rc=/ { rc = $1 }
			END { if (rc != "rc=0" && rc != "rc=1") print f ":(file " rc ")\tfail" }' "$t"
	done | sort -t "$(printf '\t')" -k1,1
}
# report: the counts and the differences; 1 when rt fails a test runc
# passes.
report() {
	local fail=0 out=$work/out r flaky
	[ ! -f "$work/rt.version" ] || echo "rt: $(sed -n '1p; s/^commit: //p' "$work/rt.version" | paste -sd ' ')"
	printf '%-8s %6s %6s %6s\n' runtime passed failed skipped
	for r in rt runc; do
		[ -d "$out/$r" ] || continue
		results "$out/$r" >"$out/$r.results"
		printf '%-8s %6s %6s %6s\n' "$r" "$(grep -c '	ok$' "$out/$r.results")" \
			"$(grep -c '	fail$' "$out/$r.results")" "$(grep -c '	skip$' "$out/$r.results")"
	done
	if [ -f "$out/rt.results" ] && [ -f "$out/runc.results" ]; then
		join -t "$(printf '\t')" -a1 -a2 -e - -o 0,1.2,2.2 "$out/rt.results" "$out/runc.results" >"$out/both.results"
		echo
		# A test rt passed on one of its runs again (rt-retry*) is flaky,
		# not failed.
		cat "$out"/rt-retry*.results >"$out/retried.results" 2>/dev/null || :
		echo "rt fails where runc passes:"
		if awk -F '\t' 'FILENAME != ARGV[2] { if ($2 == "ok") again[$1] = 1; next }
			$2 != "ok" && $2 != "skip" && $3 == "ok" && !again[$1] { print "  " $1; n++ } END { exit n == 0 }' \
			"$out/retried.results" "$out/both.results"; then
			fail=1
		else
			echo "  (none)"
		fi
		flaky=$(awk -F '\t' 'FILENAME != ARGV[2] { if ($2 == "ok") again[$1] = 1; next }
			$2 != "ok" && $3 == "ok" && again[$1] { print "  " $1 }' "$out/retried.results" "$out/both.results")
		[ -z "$flaky" ] || printf 'flaky (rt failed where runc passed, then passed on a run again):\n%s\n' "$flaky"
		echo "runc fails where rt passes:"
		awk -F '\t' '$2 == "ok" && $3 != "ok" && $3 != "skip" { print "  " $1; n++ } END { if (!n) print "  (none)" }' "$out/both.results"
		echo "both fail: $(awk -F '\t' '$2 == "fail" && $3 == "fail"' "$out/both.results" | wc -l)" \
			"(list: awk -F'\\t' '\$2 == \"fail\" && \$3 == \"fail\"' $out/both.results)"
	fi
	echo "(TAP in $out/<runtime>/<file>.tap)"
	return $fail
}

# --report: the report of the last runs' TAP, without running anything.
if [ "${1:-}" = --report ]; then
	report || exit 1
	exit 0
fi

# ---- one runtime's run, in namespaces of its own ----
if [ "${1:-}" = --in-runtime-ns ]; then
	r=$2
	d=$work/run-$r
	# Podman's state and the netns mounts go to /run, its SHM locks to
	# /dev/shm, the tests' own files to /tmp and /var/tmp.
	mount -t tmpfs -o mode=755 rt-podman-run /run
	mount -t tmpfs -o mode=1777 rt-podman-shm /dev/shm
	mount -t tmpfs -o mode=1777 rt-podman-tmp /tmp
	mkdir /run/work && mount --bind "$work" /run/work
	mount -t tmpfs -o mode=1777 rt-podman-vartmp /var/tmp
	mkdir -p "$work" && mount --move /run/work "$work"
	# Podman keeps its blob info cache there, whatever its --root.
	mount -t tmpfs -o mode=700 rt-podman-varlib /var/lib/containers
	ip link set lo up
	# aardvark-dns prints to stdout (the tests read Podman's) that it has no
	# syslog, unless it finds one: /var/run/syslog is the first on this
	# namespace's /run.
	socat -u UNIX-RECV:/run/syslog,mode=666 OPEN:"$d/syslog.log",creat,append &
	syslog_pid=$!

	printf 'version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n' \
		"$work/registry" "$reg" >"$work/registry.yml"
	docker-registry serve "$work/registry.yml" >"$d/registry.log" 2>&1 &
	reg_pid=$!
	for i in $(seq 1 100); do
		curl -sf "http://$reg/v2/" >/dev/null && break
		sleep 0.1
	done
	CRI_IMAGES_WORK=$work/images
	. "$here/../engines/cri-images.sh"
	cri_images_push "$reg"

	# Podman with the runtime, its storage under d and no systemd; on PATH
	# as "podman" too (220-healthcheck calls it so).
	rm -rf "$d/storage" "$d/runroot" "$d/networks"
	mkdir -p "$d/bin" "$d/networks"
	runtime=/usr/sbin/runc
	[ "$r" = rt ] && runtime=$work/rt-bin/runc
	cat >"$d/bin/podman" <<-EOF
	#!/bin/sh
	exec /usr/bin/podman --runtime $runtime --root $d/storage --runroot $d/runroot \\
		--cgroup-manager cgroupfs --events-backend file --storage-driver overlay \\
		--network-backend netavark --network-config-dir $d/networks "\$@"
	EOF
	chmod 755 "$d/bin/podman"
	# Buildah (the tests' "external" containers) reads the storage from
	# there; nc is nmap's ncat, as in Podman's CI.
	printf '[storage]\ndriver = "overlay"\ngraphroot = "%s"\nrunroot = "%s"\n' "$d/storage" "$d/runroot" >"$d/storage.conf"
	export CONTAINERS_STORAGE_CONF=$d/storage.conf
	ln -sf /usr/bin/ncat "$d/bin/nc"
	export PODMAN=$d/bin/podman PATH=$d/bin:$PATH
	export CONTAINERS_REGISTRIES_CONF=$work/registries.conf
	unset container CONTAINERS_CONF CONTAINER_HOST
	# (sed reads it all: head would leave podman a SIGPIPE, pipefail an exit)
	$PODMAN info --format '{{.Host.OCIRuntime.Path}} {{.Host.OCIRuntime.Version}}' | sed -n 1p >"$d/runtime"

	if [ -n "${PODMAN_SYSTEM_EXEC:-}" ]; then
		(cd "$tests" && bash -c "$PODMAN_SYSTEM_EXEC") </dev/null || echo "rc=$?"
		files=
	else
		out=$work/out/${PODMAN_SYSTEM_OUT:-$r}
		rm -rf "$out" && mkdir -p "$out"
	fi
	for f in $files; do
		t0=$(date +%s)
		rc=0
		# -T: each test's time; the file's own timeout leaves room for
		# bats' teardown of a hung test.
		(cd "$tests" && timeout -k 30 "${PODMAN_SYSTEM_TIMEOUT:-600}" \
			bats --tap -T ${PODMAN_SYSTEM_FILTER:+--filter "$PODMAN_SYSTEM_FILTER"} "$f.bats") \
			>"$out/$f.tap" 2>&1 </dev/null || rc=$?
		echo "rc=$rc seconds=$(($(date +%s) - t0))" >>"$out/$f.tap"
		echo "$r $f: rc=$rc, $(($(date +%s) - t0)) s"
	done

	# What the tests left: containers, pods, mounts, processes (all of
	# them in this PID namespace, ours), storage.
	$PODMAN pod rm -a -f -t 0 >/dev/null 2>&1 || true
	$PODMAN rm -a -f -t 0 >/dev/null 2>&1 || true
	kill "$reg_pid" "$syslog_pid" && wait "$reg_pid" "$syslog_pid" 2>/dev/null || true
	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		[ "$p" = 1 ] || [ "$p" = $$ ] || [ "$p" = "$BASHPID" ] || kill -9 "$p" 2>/dev/null || true
	done
	sleep 1
	awk -v d="$d/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null || true; done
	rm -rf "$d/storage" "$d/runroot" "$d/networks"
	exit 0
fi

command -v podman >/dev/null || { echo "podman-system.sh: needs Debian's podman (apt-get install podman)" >&2; exit 1; }
# ncat and socat: the tests run them on the host.
for c in bats docker-registry runc busybox jq curl ncat socat buildah catatonit; do
	command -v $c >/dev/null || { echo "podman-system.sh: needs $c" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "podman-system.sh: run as root" >&2; exit 1; }
rt=$(realpath "${1:-$here/../../rt}")
in_own_namespaces "$0" "$@"

mkdir -p "$work"
# ---- the tests, from the release ----
if [ ! -f "$src/helpers.bash" ]; then
	mirror=${PODMAN_MIRROR:?set PODMAN_MIRROR to a git dir of containers/podman}
	rm -rf "$work/src-$tag" && mkdir -p "$work/src-$tag"
	git -C "$mirror" archive "$tag" test/system | tar -x -C "$work/src-$tag"
fi

# The tests the run takes: the release's, less (unless
# PODMAN_SYSTEM_PRISTINE=1) the skips of the user-namespace tests on cgroup
# v1 ("FIXME: #15025: run --uidmap fails on cgroups v1", a rootless
# failure): they run here as root, and user namespaces are the runtime's.
rm -rf "$tests" && cp -r "$src" "$tests"
if [ "${PODMAN_SYSTEM_PRISTINE:-}" != 1 ]; then
	sed -i '/skip_if_cgroupsv1 "FIXME: #15025: run --uidmap fails on cgroups v1"/d' "$tests"/*.bats
fi

# ---- rt, copied: a rebuild of RT during the run does not reach it (nor
# its runs again with PODMAN_SYSTEM_RUNTIMES=none) ----
if [[ " $runtimes " == *" rt "* ]]; then
	cp "$rt" "$work/rt.new" && mv "$work/rt.new" "$work/rt"
	{ echo "$rt"; "$work/rt" --version; } >"$work/rt.version"
fi
mkdir -p "$work/rt-bin"
ln -sfn ../rt "$work/rt-bin/runc"

# ---- the image ----
CRI_IMAGES_WORK=$work/images
. "$here/../engines/cri-images.sh"
. "$here/podman-testimage.sh"
tim_images
cat >"$work/registries.conf" <<EOF
unqualified-search-registries = ["quay.io"]
short-name-mode = "permissive"

[[registry]]
prefix = "quay.io"
location = "$reg"
insecure = true

[[registry]]
prefix = "docker.io"
location = "$reg"
insecure = true

[[registry]]
prefix = "k8s.gcr.io"
location = "$reg"
insecure = true
EOF
mkdir -p "$work/registry"

# ---- the runs ----
# A mount point for the tmpfs the runs put on /var/lib/containers, removed
# at the end if made here.
made_vlc=
if [ ! -e /var/lib/containers ]; then
	mkdir /var/lib/containers
	made_vlc=1
fi
cleanup() {
	# (find fails on the directories removed under it) And the cgroup of
	# one buildah container a run leaves, with either runtime (under rt's
	# default /rt parent, or at the top for runc's default), empty.
	rmdir_cgroups "*/libpod_parent/*" "*/libpod_parent" "*/buildah-buildah*" "*/rt/buildah-buildah*" || true
}
trap 'cleanup; [ -z "$made_vlc" ] || rmdir /var/lib/containers' EXIT
# run_runtime R: the tests (PODMAN_SYSTEM_FILES, _FILTER) on runtime R.
run_runtime() {
	local r=$1 t0
	mkdir -p "$work/run-$r"
	t0=$(date +%s)
	unshare -m -u -i -n -p -f --propagation private --mount-proc \
		"$0" --in-runtime-ns "$r" 2>&1 | tee "$work/run-$r/run.log"
	echo "$r: $(($(date +%s) - t0)) s, $(cat "$work/run-$r/runtime" 2>/dev/null)" | tee "$work/run-$r/time"
	cleanup
}
rm -rf "$work"/out/rt-retry*
for r in $runtimes; do
	run_runtime "$r"
done
[ -z "${PODMAN_SYSTEM_EXEC:-}" ] || exit 0

# The tests rt fails and runc passes, again on rt, up to
# PODMAN_SYSTEM_RETRY (3) times while it fails them: some of Podman's tests
# fail now and then whatever the runtime (a user-namespace container's shm
# "device or resource busy" at rm, for one, half the time on runc too). The
# report tells a failure that passes on one of those runs as flaky.
if [ -d "$work/out/rt" ] && [ -d "$work/out/runc" ]; then
	results "$work/out/rt" >"$work/out/rt.results"
	results "$work/out/runc" >"$work/out/runc.results"
	retry=$(join -t "$(printf '\t')" "$work/out/rt.results" "$work/out/runc.results" |
		awk -F '\t' '$2 == "fail" && $3 == "ok" { print $1 }' | grep -v ':(file ' || true)
	i=0
	while [ -n "$retry" ] && [ "$i" -lt "${PODMAN_SYSTEM_RETRY:-3}" ]; do
		i=$((i + 1))
		echo "again on rt ($i): $(echo "$retry" | wc -l) test(s)"
		PODMAN_SYSTEM_FILES=$(echo "$retry" | cut -d: -f1 | sort -u | tr '\n' ' ') \
			PODMAN_SYSTEM_FILTER=$(echo "$retry" | cut -d: -f2- | sed 's/[][\.*^$()+?{}|/]/\\&/g; s/^/^/; s/$/$/' | paste -sd '|') \
			PODMAN_SYSTEM_OUT=rt-retry$i run_runtime rt
		results "$work/out/rt-retry$i" >"$work/out/rt-retry$i.results"
		retry=$(echo "$retry" | grep -vxF -f <(awk -F '\t' '$2 == "ok" { print $1 }' "$work/out/rt-retry$i.results"; echo '#none') || true)
	done
fi

report || exit 1
