#!/bin/bash
# containerd's own client suite (integration/client of a containerd v2
# release: containers and tasks, exec, IO and TTYs, kill and pause, update,
# checkpoint, OOM events, user namespaces, restarts) against rt and runc side
# by side, on this host, through containerd and its runc shim: the path
# `ctr` and every containerd client takes.
#
#   CONTAINERD_MIRROR=<git dir of containerd/containerd> \
#       tests/oracles/containerd-client.sh [RT]
#
# CTRD_RUN (a -test.run pattern) and CTRD_COUNT (-test.count) pick tests and
# repeat them.
#
# The release (CONTAINERD_TAG) is built from the mirror once: containerd,
# its shim and the suite's test binary. The suite starts its own containerd
# (root /var/lib/containerd-test, state under /run) twice, the runc shim
# finding "runc" on PATH: rt under that name, then Debian's runc (also
# for the suite's failpoint wrapper runc-fp and its shim). It pulls
# its images (busybox and three images made from it) from a registry of its
# own on loopback (lib.bash's namespaces: the network one is the script's),
# built here from the host's busybox-static (tests/engines/cri-images.sh).
# The suite's namespace "testing" becomes rt-ctrd-testing and its shim
# cgroups /containerd/* become /rt-ctrd/*, so that what it makes in the
# host's cgroup hierarchies has a parent of its own, removed at the end.
#
# The report lists each test (and subtest) passed or failed for each
# runtime; the script fails when rt fails a test runc passes that
# containerd-client.accepted does not list.
set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.bash"
rt=$(realpath "${1:-$here/../../rt}")
work=${CTRD_WORK:-/var/tmp/rt-ctrd-client}
tag=${CONTAINERD_TAG:-v2.3.4}
export PATH="/usr/local/go/bin:$PATH"
command -v docker-registry >/dev/null || { echo "containerd-client.sh: needs Debian's docker-registry" >&2; exit 1; }
in_own_namespaces "$0" "$@"

# The suite's containerd and shims write to fixed paths in /run.
mount -t tmpfs -o mode=755 rt-ctrd-run /run
ip link set lo up

# ---- the release: containerd, the runc shim and the suite ----
bin=$work/bin-$tag
if [ ! -x "$bin/client.test" ]; then
	mirror=${CONTAINERD_MIRROR:?set CONTAINERD_MIRROR to a git dir of containerd/containerd}
	src=$work/src-$tag
	rm -rf "$src" "$bin" && mkdir -p "$src" "$bin"
	git -C "$mirror" archive "$tag" | tar -x -C "$src"
	c=$src/integration/client
	sed -i 's/testNamespace = "testing"/testNamespace = "rt-ctrd-testing"/' "$c/client.go"
	sed -i 's|"/containerd/shim"|"/rt-ctrd/shim"|; s|"/containerd/oomshim"|"/rt-ctrd/oomshim"|' "$c/container_linux_test.go"
	grep -q '"rt-ctrd-testing"' "$c/client.go"
	[ "$(grep -c '"/rt-ctrd/' "$c/container_linux_test.go")" = 2 ]
	# Its containerd gets 4 s to answer, too few in an emulated guest.
	sed -i 's/waitCtx, waitCancel := context.WithTimeout(ctx, 4\*time.Second)/waitCtx, waitCancel := context.WithTimeout(ctx, 60*time.Second)/' "$c/client_test.go"
	grep -q 'WithTimeout(ctx, 60\*time.Second)' "$c/client_test.go"
	# The suite reads its image names before its flags (-image-list):
	# the defaults name the local registry instead.
	sed -i 's|"ghcr.io/containerd/|"localhost:5000/containerd/|; s|"registry.k8s.io/pause:|"localhost:5000/pause:|' "$src/integration/images/image_list.go"
	[ "$(grep -c '"localhost:5000/' "$src/integration/images/image_list.go")" -ge 6 ]
	(cd "$src" && CGO_ENABLED=1 go build -mod=vendor -tags no_btrfs -o "$bin/" ./cmd/containerd ./cmd/containerd-shim-runc-v2 \
		./integration/failpoint/cmd/runc-fp ./integration/failpoint/cmd/containerd-shim-runc-fp-v1 &&
		go test -mod=vendor -tags no_btrfs -c -o "$bin/client.test" ./integration/client)
	rm -rf "$src"
fi

# ---- images, in a registry on loopback ----
export CRI_IMAGES_WORK=$work/images
REPO=$here/../..
. "$here/../engines/cri-images.sh"

# ctrd_layer DIR: as img_layer, keeping the files' owners (volume-ownership).
ctrd_layer() {
	local t=$CRI_IMAGES_WORK/layer.tmp diff size
	tar --sort=name --mtime=@0 --numeric-owner -C "$1" -cf "$t.tar" .
	diff=sha256:$(sha256sum "$t.tar" | cut -d' ' -f1)
	gzip -n -1 <"$t.tar" >"$t" && rm -f "$t.tar"
	size=$(stat -c %s "$t")
	echo "$(img_blob "$t") $diff $size"
}

if [ ! -s "$CRI_IMAGES_WORK/images.done" ]; then
	w=$CRI_IMAGES_WORK
	rm -rf "$w" && mkdir -p "$w/blobs" "$w/src"
	img_busybox "$w/src/busybox" "" 2>/dev/null # ldd: busybox-static is static
	# Upstream's busybox nc catches SIGTERM; Debian's does not, and as a
	# container's PID 1 it then ignores the SIGTERM the low-port tests end it
	# with, whatever the runtime. A shell that traps it runs nc instead.
	rm "$w/src/busybox/bin/nc"
	printf '#!/bin/sh\ntrap "exit 143" TERM\nbusybox nc "$@" &\nwait $!\n' >"$w/src/busybox/bin/nc"
	chmod 755 "$w/src/busybox/bin/nc"
	bb=$(img_layer "$w/src/busybox")
	img_make containerd/busybox:1.36 '{"Cmd": ["sh"]}' "$bb"
	img_make pause:3.10.2 '{"Cmd": ["sh"]}' "$bb"
	# volume-copy-up: three volumes with a file each, one layer apiece.
	set --
	for d in test_dir/test_file C:/weird_test_dir/weird_test_file :colon_prefixed/colon_prefixed_file; do
		mkdir -p "$w/src/cu$#/$(dirname "$d")"
		echo test_content >"$w/src/cu$#/$d"
		set -- "$@" "$(img_layer "$w/src/cu$#")"
	done
	img_make containerd/volume-copy-up:2.2 \
		'{"Cmd": ["sh"], "Volumes": {"/test_dir": {}, "C:/weird_test_dir": {}, "/:colon_prefixed": {}}}' "$bb" "$@"
	# volume-ownership (upstream's is Ubuntu's): /test_dir owned by
	# nobody:nogroup, the backup user (34) the user-namespace tests run as,
	# bash, a set-uid /usr/bin/passwd, and /run, which a read-only rootfs
	# cannot have made for containerd's tmpfs on it.
	mkdir -p "$w/src/vo/test_dir" "$w/src/vo/etc" "$w/src/vo/run" "$w/src/vo/usr/bin"
	chown 65534:65534 "$w/src/vo/test_dir"
	img_binary "$w/src/vo" /bin/bash
	printf '#!/bin/sh\n' >"$w/src/vo/usr/bin/passwd"
	chmod 4755 "$w/src/vo/usr/bin/passwd"
	cp "$w/src/busybox/etc/passwd" "$w/src/busybox/etc/group" "$w/src/vo/etc/"
	echo 'backup:x:34:34:backup:/var/backups:/bin/false' >>"$w/src/vo/etc/passwd"
	echo 'backup:x:34:' >>"$w/src/vo/etc/group"
	img_make containerd/volume-ownership:2.1 '{"Cmd": ["sh"], "Volumes": {"/test_dir": {}}}' "$bb" "$(ctrd_layer "$w/src/vo")"
	# whiteout-test: a file and a directory, deleted in the next layer.
	mkdir -p "$w/src/wo1/dir-to-delete" "$w/src/wo2"
	echo x >"$w/src/wo1/file-to-delete"
	echo x >"$w/src/wo1/dir-to-delete/f"
	: >"$w/src/wo2/.wh.file-to-delete"
	: >"$w/src/wo2/.wh.dir-to-delete"
	img_make containerd/whiteout-test:1.0 '{"Cmd": ["sh"]}' "$bb" "$(img_layer "$w/src/wo1")" "$(img_layer "$w/src/wo2")"
	rm -rf "$w/src"
	mv "$w/images" "$w/images.done"
fi

reg=127.0.0.1:5000
mkdir -p "$work/registry"
printf 'version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n' \
	"$work/registry" "$reg" >"$work/registry.yml"
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
reg_pid=$!
# cleanup: the registry, then what a failed test leaves behind its own
# containerd: shims (this build's, by PID), the processes in the suite's
# cgroups (/rt-ctrd-testing/<id>, /rt-ctrd-testing-<id>, /rt-ctrd/*) and
# the cgroups, with TestShimSockLength's.
cleanup() {
	local pids
	kill "$reg_pid" 2>/dev/null || true
	pids=$(pgrep -f "^$bin/containerd-shim" || true)
	pids+=" $(find /sys/fs/cgroup -maxdepth 4 -path '*/rt-ctrd*' -name cgroup.procs -exec cat {} + 2>/dev/null || true)"
	for p in $pids; do kill -9 "$p" 2>/dev/null || true; done
	sleep 1
	# TestShimSockLength's namespace is 76 n's: its cgroup parent too.
	nn=$(printf '%76s' '' | tr ' ' n)
	rmdir_cgroups "rt-ctrd*" "*/rt-ctrd*" "$nn" "$nn/*" "*/$nn" "*/$nn/*" # v2 and v1; a * takes slashes too
	left=$(find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -type d -name 'rt-ctrd*' 2>/dev/null || true)
	[ -z "$left" ] || echo "containerd-client.sh: cgroups left: $left" >&2
}
trap cleanup EXIT
for i in $(seq 1 100); do
	curl -sf "http://$reg/v2/" >/dev/null && break
	sleep 0.1
done
cri_images_push "$reg"

# ---- the suite, once per runtime ----
# TestDaemonCustomCgroup moves a containerd of its own into a cgroup at the
# root of the host's hierarchies; it does not reach the runtime.
skip='^TestDaemonCustomCgroup$'
# The checkpoint tests need a CRIU that works on this kernel (`make
# test-checkpoint` covers rt's checkpoint and restore in the guest).
nocriu=
criu check >/dev/null 2>&1 || nocriu=-no-criu
mkdir -p "$work/path-rt"
ln -sf "$rt" "$work/path-rt/runc"
out=$work/out
rm -rf "$out" && mkdir -p "$out"
for r in rt runc; do
	p=$bin:$PATH
	[ "$r" = rt ] && p=$work/path-rt:$p
	(cd "$bin" && PATH=$p timeout -k 30 "${CTRD_TIMEOUT:-2400}" ./client.test -test.root -test.v -test.timeout 40m $nocriu \
		-test.skip "$skip" ${CTRD_RUN:+-test.run "$CTRD_RUN"} ${CTRD_COUNT:+-test.count "$CTRD_COUNT"} \
		>"$out/$r.log" 2>&1) || echo "rc=$?" >>"$out/$r.log"
	{ grep -E '^ *--- (PASS|FAIL|SKIP): ' "$out/$r.log" || true; } |
		sed -E 's/^ *--- (PASS|FAIL|SKIP): ([^ ]+).*/\2 \1/' | sort >"$out/$r.results"
done

# ---- report ----
fail=0
printf '%-8s %s\n' runtime "passed failed skipped"
for r in rt runc; do
	[ -s "$out/$r.results" ] || { echo "no results from $r: $(tail -n 3 "$out/$r.log")"; fail=1; }
	printf '%-8s %s %s %s\n' "$r" "$(grep -c ' PASS$' "$out/$r.results")" \
		"$(grep -c ' FAIL$' "$out/$r.results")" "$(grep -c ' SKIP$' "$out/$r.results")"
done
ok=$here/containerd-client.accepted
extra=$(join <(grep ' FAIL$' "$out/rt.results" | cut -d' ' -f1) <(grep ' PASS$' "$out/runc.results" | cut -d' ' -f1) |
	grep -vxF -f <(sed -e 's/ *#.*$//' "$ok" 2>/dev/null | grep .; echo '#none') || true)
missing=$(join -v2 <(cut -d' ' -f1 "$out/rt.results") <(grep ' PASS$' "$out/runc.results" | cut -d' ' -f1) || true)
if [ -n "$extra$missing" ]; then
	echo "rt fails where runc passes:"
	printf '  %s\n' $extra
	[ -z "$missing" ] || printf '  %s (no result from rt)\n' $missing
	fail=1
fi
join <(grep ' PASS$' "$out/rt.results" | cut -d' ' -f1) <(grep ' FAIL$' "$out/runc.results" | cut -d' ' -f1) |
	sed 's/^/rt passes where runc fails: /' || true
echo "(logs in $out)"
exit $fail
