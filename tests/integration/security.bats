#!/usr/bin/env bats
# Known container-runtime escapes, replayed against rt. Each test mounts the
# attack the way it was published for runc (a hostile image, a hostile
# volume layout or a hostile process in the container) and checks that it
# has no effect: the host file stays as it was, the masked path stays
# masked, rt refuses. Each was checked to fail against an rt built with
# the protection it covers taken out (oomScoreAdj's excepted: rt writes
# that from the host, there is nothing to take out).

load helpers

setup_file() {
	# The in-container attacker: static, so it runs in the busybox rootfs.
	export ATTACK="$BATS_FILE_TMPDIR/attack"
	(cd "$REPO" && CGO_ENABLED=0 go build -o "$ATTACK" ./tests/integration/tools/attack)
}

setup() { setup_rt; }
teardown() {
	# An rt stopped at a crash point: its child dies with it.
	[ -z "${STOPPED_RT:-}" ] || kill -9 "$STOPPED_RT" 2>/dev/null || true
	teardown_rt
}

# wait_file FILE: polls for up to 30 s.
wait_file() {
	local i
	for i in $(seq 300); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	echo "$1 never appeared" >&2
	return 1
}

# drop_mount DEST: removes the spec's mount on DEST.
drop_mount() {
	update_config "del(.mounts[] | select(.destination == \"$1\"))"
}

# add_mount JSON: appends a mount to the spec.
add_mount() {
	update_config ".mounts += [$1]"
}

# all_caps_but NAME...: every capability of the host's bounding set except
# the named ones, as a JSON array.
all_caps_but() {
	local drop
	drop=$(printf ' -e %s' "$@")
	capsh --print | sed -n 's/^Bounding set =//p' | tr ',' '\n' | tr a-z A-Z |
		grep -v -x $drop | jq -R . | jq -s -c .
}

@test "CVE-2019-5736: a container cannot make rt's binary run in it, nor overwrite it" {
	# The image's /evil runs /proc/self/exe in the container (the exploit
	# put this line in /bin/sh and waited for `docker exec sh`): resolved
	# at the exec'd process's execve, that is what the process runs then.
	# rt's child runs rt's binary until that execve, so it never makes it
	# itself: its exec trampoline (a sealed memfd) does, and /evil gets the
	# trampoline as its interpreter, which cannot exec "--log=/tmp/fifo".
	# The attacker watches for a runtime with that argument, to reopen its
	# exe for writing once it is gone.
	printf '#!/proc/self/exe --log=/tmp/fifo\n' >"$BUNDLE/rootfs/evil"
	chmod 755 "$BUNDLE/rootfs/evil"
	cp "$ATTACK" "$BUNDLE/rootfs/bin/attack"
	mkdir "$BATS_TEST_TMPDIR/out"
	add_mount "{\"destination\": \"/out\", \"type\": \"bind\", \"source\": \"$BATS_TEST_TMPDIR/out\", \"options\": [\"rbind\"]}"
	set_cmd /bin/attack exe-overwrite /tmp/fifo /out/result 3s
	before=$(sha256sum <"$RT_BIN")

	rt run -d -b "$BUNDLE" ct1
	wait_file "$BATS_TEST_TMPDIR/out/result.ready"
	run rt exec ct1 /evil
	echo "exec /evil: status $status: $output"
	[ "$status" -eq 255 ]
	[[ "$output" == *"no such file or directory"* ]]
	wait_file "$BATS_TEST_TMPDIR/out/result"
	result=$(cat "$BATS_TEST_TMPDIR/out/result")
	echo "attacker: $result"
	# Whatever it caught of the trampoline, it could not write.
	[[ "$result" == refused:* || "$result" == "error: no process"* ]]
	[[ "$result" != *overwrote* ]]
	[ "$(sha256sum <"$RT_BIN")" = "$before" ]
	rt delete -f ct1
}

@test "CVE-2019-5736: a created container's init is non-dumpable: exec'd processes cannot reach its exe, fds or root" {
	# The init still runs the host's rt binary until start. Give the
	# exec'd process every capability the init has (the init is made
	# without CAP_SYS_PTRACE, which would override dumpability), so that
	# only the init's dumpable flag stands in the way.
	cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/config.orig"
	caps=$(all_caps_but CAP_SYS_PTRACE CAP_SYS_RESOURCE)
	update_config ".process.capabilities = {bounding: $caps, effective: $caps, permitted: $caps}"
	set_cmd sleep 100
	capsh --drop=cap_sys_ptrace -- -c 'exec "$0" "$@"' "$RT_BIN" --root "$ROOT" create -b "$BUNDLE" ct1
	[ "$(status ct1)" = created ]
	# Same credentials on both sides: only dumpability decides.
	run rt exec ct1 sh -c 'grep CapPrm /proc/self/status /proc/1/status'
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | awk '{print $2}' | sort -u | wc -l)" -eq 1 ]
	for l in exe cwd root fd/0 fd/1 ns/mnt; do
		run rt exec ct1 readlink "/proc/1/$l"
		echo "/proc/1/$l: status $status: $output"
		[ "$status" -ne 0 ]
		[ -z "$output" ]
	done
	# The open that CVE-2019-5736 starts with, from the container's root.
	run rt exec ct1 sh -c 'exec 9</proc/1/exe && echo OPENED'
	[ "$status" -ne 0 ]
	[[ "$output" != *OPENED* ]]
	rt delete -f ct1

	# With the default capabilities the exec'd process lacks what the
	# init has, and environ is shut as well.
	cp "$BATS_TEST_TMPDIR/config.orig" "$BUNDLE/config.json"
	set_cmd sleep 100
	rt create -b "$BUNDLE" ct2
	run rt exec ct2 cat /proc/1/environ
	[ "$status" -ne 0 ]
	[[ "$output" != *_RT_* ]]
	run rt exec ct2 readlink /proc/1/exe
	[ "$status" -ne 0 ]
	[ -z "$output" ]
	rt delete -f ct2
}

@test "CVE-2019-5736: while rt exec sets a process up, the container cannot open its /proc/PID/exe" {
	# The process is a clone of rt, in the container's pid namespace and
	# running rt's binary until its execve. rt exec is stopped while the
	# process waits for it (crash point 2: the process is ready); the
	# container gets every capability rt has but CAP_SYS_PTRACE, which
	# would override dumpability, as an attacker in it would have.
	local points="$REPO/tests/integration/tools/bin/rt-crashtest"
	[ -x "$points" ] || { echo "run make tools first (rt-crashtest)" >&2; return 1; }
	caps=$(all_caps_but CAP_SYS_PTRACE CAP_SYS_RESOURCE)
	update_config ".process.capabilities = {bounding: $caps, effective: $caps, permitted: $caps}"
	set_cmd sleep 1000
	rt run -d -b "$BUNDLE" ct1
	RT_CRASH_AT=2 capsh --drop=cap_sys_ptrace -- -c 'exec "$0" "$@"' "$points" --root "$ROOT" exec ct1 true \
		</dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/stopped" &
	STOPPED_RT=$!
	for i in $(seq 100); do
		[ "$(awk '{ print $3 }' /proc/$STOPPED_RT/stat 2>/dev/null)" = T ] && break
		sleep 0.05
	done
	cat "$BATS_TEST_TMPDIR/stopped"
	grep -q "process ready" "$BATS_TEST_TMPDIR/stopped"
	# The process, as the container sees it.
	pid=$(rt exec ct1 sh -c 'for p in /proc/[0-9]*; do [ "$(cat $p/comm 2>/dev/null)" != "rt:[init]" ] || echo ${p#/proc/}; done')
	echo "the process is $pid in the container"
	[ -n "$pid" ]
	run rt exec ct1 sh -c "exec 3>/proc/$pid/exe && echo OPENED"
	echo "open for writing: status $status: $output"
	[ "$status" -ne 0 ]
	[[ "$output" != *OPENED* ]]
	run rt exec ct1 readlink "/proc/$pid/exe"
	[ "$status" -ne 0 ]
	[ -z "$output" ]
	# The process dies with the stopped exec (its parent-death signal).
	kill -9 "$STOPPED_RT"
	wait "$STOPPED_RT" || true
	STOPPED_RT=
	rt delete -f ct1
}

@test "CVE-2024-21626: process.cwd /proc/self/fd/N is refused for every N" {
	# When the init chdirs it does hold a directory fd that is not below
	# the container's root (a private procfs instance pathrs-lite keeps),
	# so it is the check of the cwd after chdir that refuses here, not
	# only the lack of fds.
	for n in $(seq 3 15); do
		update_config ".process.cwd = \"/proc/self/fd/$n\""
		set_cmd sh -c 'echo RAN in $(pwd)'
		run rt run -b "$BUNDLE" ct1
		echo "fd $n: status $status: $output"
		[ "$status" -ne 0 ]
		[[ "$output" != *RAN* ]]
		expect_no_leftovers ct1
	done
}

@test "CVE-2024-21626: exec --cwd /proc/self/fd/N is refused for every N" {
	set_cmd sleep 100
	rt run -d -b "$BUNDLE" ct1
	for n in $(seq 3 15); do
		run rt exec --cwd "/proc/self/fd/$n" ct1 sh -c 'echo RAN in $(pwd)'
		echo "fd $n: status $status: $output"
		[ "$status" -ne 0 ]
		[[ "$output" != *RAN* ]]
	done
	rt delete -f ct1
}

@test "CVE-2024-21626: a host directory passed in as an fd cannot become the cwd" {
	# The fd runc leaked was a host directory; here one is handed in on
	# purpose with --preserve-fds. chdir through it works, so only the
	# check that the cwd is below the container's root can stop it.
	mkdir -p "$BATS_TEST_TMPDIR/hostdir/sub"
	update_config '.process.cwd = "/proc/self/fd/3"'
	set_cmd sh -c 'echo RAN in $(pwd); ls ..'
	run rt run --preserve-fds 1 -b "$BUNDLE" ct1 3<"$BATS_TEST_TMPDIR/hostdir"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" != *RAN* ]]
	[[ "$output" == *"outside the container root"* ]]
	expect_no_leftovers ct1

	set_cmd sleep 100
	update_config '.process.cwd = "/"'
	rt run -d -b "$BUNDLE" ct1
	run rt exec --preserve-fds 1 --cwd /proc/self/fd/3 ct1 sh -c 'echo RAN in $(pwd)' 3<"$BATS_TEST_TMPDIR/hostdir"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" != *RAN* ]]
	rt delete -f ct1
}

@test "CVE-2024-21626: no fd of rt's reaches the container's processes" {
	# Foreground and detached, the init sees stdio only.
	# "; true": sh must not exec ls, whose own directory fd would show.
	set_cmd sh -c 'ls /proc/$$/fd; true'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '0\n1\n2')" ]
	set_cmd sleep 100
	rt run -d -b "$BUNDLE" ct2
	run rt exec ct2 sh -c 'ls /proc/$$/fd; true'
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '0\n1\n2')" ]
	run rt exec ct2 ls /proc/1/fd
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '0\n1\n2')" ]
	rt delete -f ct2
	# A created init, waiting for start, holds stdio and its start
	# socket only: the exec trampoline is made when it is needed.
	rt create -b "$BUNDLE" ct3
	pid=$(rt state ct3 | jq .pid)
	run sh -c "cd /proc/$pid/fd && for f in *; do [ \$f -lt 3 ] || readlink \$f; done"
	echo "$output"
	[[ "$output" == "socket:["*"]" ]]
	rt delete -f ct3
}

@test "CVE-2019-16884: a fake /proc from the image cannot take rt's sysctl write" {
	# No procfs mount: /proc is the image's, with a plain file where
	# rt would write net.ipv4.ip_forward.
	drop_mount /proc
	mkdir -p "$BUNDLE/rootfs/proc/sys/net/ipv4"
	echo 0 >"$BUNDLE/rootfs/proc/sys/net/ipv4/ip_forward"
	update_config '.linux.sysctl = {"net.ipv4.ip_forward": "1"}'
	run rt run -b "$BUNDLE" ct1
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"procfs"* ]]
	[ "$(cat "$BUNDLE/rootfs/proc/sys/net/ipv4/ip_forward")" = 0 ]
	expect_no_leftovers ct1
}

@test "CVE-2019-16884: oomScoreAdj goes to the real procfs, not the image's fake /proc" {
	drop_mount /proc
	mkdir -p "$BUNDLE/rootfs/proc/self"
	echo 0 >"$BUNDLE/rootfs/proc/self/oom_score_adj"
	# Masks and readonly paths need a procfs in the container.
	update_config '.process.oomScoreAdj = 123 | .linux.maskedPaths = [] | .linux.readonlyPaths = []'
	set_cmd sleep 100
	rt run -d -b "$BUNDLE" ct1
	pid=$(rt state ct1 | jq .pid)
	[ "$(cat "/proc/$pid/oom_score_adj")" = 123 ]
	[ "$(cat "$BUNDLE/rootfs/proc/self/oom_score_adj")" = 0 ]
	rt delete -f ct1
}

@test "CVE-2019-16884: a tmpfs or a host directory mounted over /proc is refused" {
	fake="$BATS_TEST_TMPDIR/fakeproc"
	mkdir -p "$fake/sys/net/ipv4" "$fake/self/attr"
	echo 0 >"$fake/sys/net/ipv4/ip_forward"
	: >"$fake/self/attr/exec"
	update_config '.linux.sysctl = {"net.ipv4.ip_forward": "1"}'
	cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/config.orig"
	for m in '{"destination": "/proc", "type": "tmpfs", "source": "tmpfs"}' \
		"{\"destination\": \"/proc\", \"type\": \"bind\", \"source\": \"$fake\", \"options\": [\"rbind\"]}"; do
		cp "$BATS_TEST_TMPDIR/config.orig" "$BUNDLE/config.json"
		add_mount "$m"
		run rt run -b "$BUNDLE" ct1
		echo "$m: status $status: $output"
		[ "$status" -ne 0 ]
		[[ "$output" == *"/proc"* ]]
		expect_no_leftovers ct1
	done
	[ "$(cat "$fake/sys/net/ipv4/ip_forward")" = 0 ]
	[ ! -s "$fake/self/attr/exec" ]
}

@test "CVE-2019-19921: proc is not mounted through a symlink" {
	# The image's /proc points at a directory the attacker controls:
	# mounting proc there would leave /proc itself fake.
	rmdir "$BUNDLE/rootfs/proc"
	mkdir -p "$BUNDLE/rootfs/fake/sys/net/ipv4"
	echo 0 >"$BUNDLE/rootfs/fake/sys/net/ipv4/ip_forward"
	for target in /fake ../fake fake/../fake; do
		ln -sfn "$target" "$BUNDLE/rootfs/proc"
		set_cmd sh -c 'echo RAN; cat /proc/sys/net/ipv4/ip_forward'
		run rt run -b "$BUNDLE" ct1
		echo "$target: status $status: $output"
		[ "$status" -ne 0 ]
		[[ "$output" != *RAN* ]]
		[[ "$output" == *'"proc" must be mounted on ordinary directory'* ]]
		expect_no_leftovers ct1
	done
}

@test "CVE-2019-19921: a volume through a symlink into /proc cannot take the sysctl write" {
	# An innocent-looking volume on /data, and an image whose /data
	# points into /proc: the volume would cover the sysctl file rt is
	# about to write.
	vol="$BATS_TEST_TMPDIR/vol"
	mkdir "$vol"
	echo 0 >"$vol/ip_forward"
	ln -s /proc/sys/net/ipv4 "$BUNDLE/rootfs/data"
	add_mount "{\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"$vol\", \"options\": [\"rbind\"]}"
	update_config '.linux.sysctl = {"net.ipv4.ip_forward": "1"}'
	run rt run -b "$BUNDLE" ct1
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"/proc"* ]]
	[ "$(cat "$vol/ip_forward")" = 0 ]
	expect_no_leftovers ct1
}

@test "CVE-2019-19921 (--no-pivot): the host's /proc left under the moved root cannot license a fresh, unmasked /proc" {
	# With --no-pivot the host's root stays in the container's mount
	# namespace, under the moved rootfs. The kernel lets a user namespace
	# mount procfs when a whole procfs is visible in its mount namespace:
	# the host's would do, and the fresh /proc has none of the masked and
	# read-only paths (runc's no_pivot.bats).
	caps='.process.capabilities.bounding += ["CAP_SETFCAP"] | .process.capabilities.permitted += ["CAP_SETFCAP"]'
	update_config "$caps"
	set_cmd unshare -mrpf sh -c 'mount -t proc none /proc && echo MOUNTED'
	run rt run --no-pivot -b "$BUNDLE" ct1
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"mount: permission denied"* ]]
	[[ "$output" != *MOUNTED* ]]
	expect_no_leftovers ct1
	# The container's own /proc is still there, and the host's is not
	# touched by what rt hides in the container's namespace.
	set_cmd cat /proc/self/comm
	run rt run --no-pivot -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "$output" = cat ]
	[ -e /proc/sysrq-trigger ] && [ -e /sys/kernel ]
	expect_no_leftovers ct1
}

@test "CVE-2025-52881: a bind over a /proc/sys file cannot take the sysctl write" {
	echo 0 >"$BATS_TEST_TMPDIR/ip_forward"
	add_mount "{\"destination\": \"/proc/sys/net/ipv4/ip_forward\", \"type\": \"bind\", \"source\": \"$BATS_TEST_TMPDIR/ip_forward\", \"options\": [\"bind\"]}"
	update_config '.linux.sysctl = {"net.ipv4.ip_forward": "1"}'
	run rt run -b "$BUNDLE" ct1
	echo "$output"
	[ "$status" -ne 0 ]
	[ "$(cat "$BATS_TEST_TMPDIR/ip_forward")" = 0 ]
	expect_no_leftovers ct1
}

@test "CVE-2025-52881: a mount over /proc/thread-self/fd cannot redirect rt's later mounts" {
	# After pivot_root rt is inside the container's /proc. Replace the
	# init's fd directory with symlinks that all name the masked file:
	# a bind made through those names binds the file onto itself and
	# the mask is gone; the read-only remount of / goes elsewhere too.
	fake="$BATS_TEST_TMPDIR/fakefd"
	mkdir "$fake"
	for n in $(seq 0 64); do ln -s /proc/timer_list "$fake/$n"; done
	update_config '.linux.maskedPaths = ["/proc/timer_list"] | .linux.readonlyPaths = []'
	set_cmd sh -c 'head -c 16 /proc/timer_list; echo; touch /written && echo ROOT-WRITABLE'
	cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/config.orig"
	ln -s /proc/thread-self/fd "$BUNDLE/rootfs/data"
	for dest in /proc/thread-self/fd /proc/1/task/1/fd /data; do
		cp "$BATS_TEST_TMPDIR/config.orig" "$BUNDLE/config.json"
		add_mount "{\"destination\": \"$dest\", \"type\": \"bind\", \"source\": \"$fake\", \"options\": [\"rbind\"]}"
		run rt run -b "$BUNDLE" ct1
		echo "$dest: status $status: $output"
		[[ "$output" != *Timer* ]]
		[[ "$output" != *ROOT-WRITABLE* ]]
		[ "$status" -ne 0 ]
		expect_no_leftovers ct1
	done
}

@test "CVE-2021-30465: a mount destination that is a symlink to a host path lands inside the rootfs" {
	# The race made runc mount onto the host path a swapped-in symlink
	# named; rt resolves destinations inside the rootfs and mounts on
	# the opened fd. The deterministic half: the symlink is there from
	# the start. Its target exists inside the rootfs too (not hidden by
	# the usual tmpfs on /tmp, where the test's directories are).
	drop_mount /tmp
	host="$BATS_TEST_TMPDIR/hostdir"
	mkdir -p "$host/sub" "$BATS_TEST_TMPDIR/src" "$BUNDLE/rootfs$host"
	echo host-file >"$host/sub/keep"
	echo from-volume >"$BATS_TEST_TMPDIR/src/marker"
	ln -s "$host" "$BUNDLE/rootfs/abs"
	ln -s ../../../../../../../../../../../.."$host" "$BUNDLE/rootfs/rel"
	add_mount "{\"destination\": \"/abs/sub\", \"type\": \"bind\", \"source\": \"$BATS_TEST_TMPDIR/src\", \"options\": [\"rbind\"]}"
	add_mount '{"destination": "/rel/sub2", "type": "tmpfs", "source": "tmpfs"}'
	set_cmd sh -c "cat /abs/sub/marker; grep -c ' $host/sub2 ' /proc/self/mountinfo"
	run rt run -b "$BUNDLE" ct1
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = from-volume ]
	[ "${lines[1]}" = 1 ]
	# On the host: the directory the symlinks name is untouched, the
	# mount points were made inside the rootfs.
	[ "$(ls "$host")" = sub ]
	[ "$(ls "$host/sub")" = keep ]
	[ -d "$BUNDLE/rootfs$host/sub" ] && [ -d "$BUNDLE/rootfs$host/sub2" ]
	! grep -q "$host" /proc/self/mountinfo
}

@test "CVE-2024-45310: symlinks to host paths never make rt create host files or directories" {
	src="$BATS_TEST_TMPDIR/srcfile"
	echo file >"$src"
	# A host directory the rootfs has no copy of: the symlink dangles
	# inside the rootfs, and as with runc the missing parts are made
	# there, never on the host.
	only_host="$BATS_TEST_TMPDIR/onlyhost"
	mkdir "$only_host"
	ln -s "$only_host" "$BUNDLE/rootfs/escape"
	cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/config.orig"
	for m in '{"destination": "/escape/newdir/deeper", "type": "tmpfs", "source": "tmpfs"}' \
		"{\"destination\": \"/escape/newfile\", \"type\": \"bind\", \"source\": \"$src\", \"options\": [\"bind\"]}"; do
		cp "$BATS_TEST_TMPDIR/config.orig" "$BUNDLE/config.json"
		add_mount "$m"
		run rt run -b "$BUNDLE" ct1
		echo "$m: status $status: $output"
		[ "$status" -eq 0 ]
		expect_no_leftovers ct1
	done
	[ -z "$(ls -A "$only_host")" ]
	[ -d "$BUNDLE/rootfs$only_host/newdir/deeper" ] && [ -f "$BUNDLE/rootfs$only_host/newfile" ]

	# A host directory the rootfs has a copy of: the copy gets the new
	# entries, through absolute, relative and dangling symlinks. (No
	# tmpfs on /tmp, which would hide the copy.)
	cp "$BATS_TEST_TMPDIR/config.orig" "$BUNDLE/config.json"
	drop_mount /tmp
	host="$BATS_TEST_TMPDIR/hostdir"
	mkdir "$host" && mkdir -p "$BUNDLE/rootfs$host"
	ln -s "$host" "$BUNDLE/rootfs/abs"
	ln -s ../../../../../../../../../../../.."$host" "$BUNDLE/rootfs/rel"
	ln -s "$host/notyet" "$BUNDLE/rootfs/dangling"
	add_mount '{"destination": "/abs/newdir/deeper", "type": "tmpfs", "source": "tmpfs"}'
	add_mount "{\"destination\": \"/rel/newfile\", \"type\": \"bind\", \"source\": \"$src\", \"options\": [\"bind\"]}"
	add_mount '{"destination": "/dangling", "type": "tmpfs", "source": "tmpfs"}'
	add_mount "{\"destination\": \"/dangling/file\", \"type\": \"bind\", \"source\": \"$src\", \"options\": [\"bind\"]}"
	set_cmd sh -c 'cat /rel/newfile /dangling/file; test -d /abs/newdir/deeper && echo dir'
	run rt run -b "$BUNDLE" ct1
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'file\nfile\ndir')" ]
	[ -z "$(ls -A "$host")" ]
	[ -d "$BUNDLE/rootfs$host/newdir/deeper" ]
	[ -f "$BUNDLE/rootfs$host/newfile" ]
	[ -d "$BUNDLE/rootfs$host/notyet" ]
}

@test "CVE-2025-31133: maskedPaths refuse a /dev/null that is not the 1:3 device" {
	# /dev from the image (no tmpfs), so the image decides what
	# /dev/null is; a masked file would get that file bound over it,
	# read-write, readonlyPaths notwithstanding.
	drop_mount /dev
	drop_mount /dev/pts
	update_config '.linux.maskedPaths = ["/proc/timer_list"]'
	set_cmd sh -c 'echo RAN; cat /proc/timer_list'
	echo attacker-chosen >"$BUNDLE/rootfs/etc/target"
	echo attacker-chosen >"$BATS_TEST_TMPDIR/hostfile"
	cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/config.orig"
	for kind in symlink-file symlink-proc regular bind zero; do
		cp "$BATS_TEST_TMPDIR/config.orig" "$BUNDLE/config.json"
		rm -f "$BUNDLE/rootfs/dev/null"
		case $kind in
		symlink-file) ln -s /etc/target "$BUNDLE/rootfs/dev/null" ;;
		symlink-proc) ln -s /proc/sys/kernel/domainname "$BUNDLE/rootfs/dev/null" ;;
		regular) echo attacker-chosen >"$BUNDLE/rootfs/dev/null" ;;
		bind) add_mount "{\"destination\": \"/dev/null\", \"type\": \"bind\", \"source\": \"$BATS_TEST_TMPDIR/hostfile\", \"options\": [\"bind\"]}" ;;
		zero) mknod "$BUNDLE/rootfs/dev/null" c 1 5 ;;
		esac
		run rt run -b "$BUNDLE" ct1
		echo "$kind: status $status: $output"
		[ "$status" -ne 0 ]
		[[ "$output" != *RAN* ]]
		[[ "$output" == *"/dev/null"* ]]
		expect_no_leftovers ct1
	done
	# The real device in the image's /dev is fine, and masks.
	cp "$BATS_TEST_TMPDIR/config.orig" "$BUNDLE/config.json"
	rm -f "$BUNDLE/rootfs/dev/null"
	mknod -m 666 "$BUNDLE/rootfs/dev/null" c 1 3
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "$output" = RAN ]
}

@test "CVE-2025-52565: a /dev/console symlink in the image does not redirect the console bind" {
	drop_mount /dev
	echo not-a-console >"$BUNDLE/rootfs/etc/target"
	update_config '.process.terminal = true'
	# (No read of /etc/target: were the pty bound there, it would block.)
	set_cmd sh -c 'echo RAN; test -c /etc/target && echo HIJACKED'
	for target in /etc/target ../etc/target /proc/sys/kernel/domainname; do
		rm -f "$BUNDLE/rootfs/dev/console"
		ln -s "$target" "$BUNDLE/rootfs/dev/console"
		run rt run -b "$BUNDLE" ct1 </dev/null
		echo "$target: status $status: $output"
		[ "$status" -ne 0 ]
		[[ "$output" != *RAN* ]]
		[[ "$output" == *"/dev/console"* ]]
		expect_no_leftovers ct1
	done
	[ "$(cat "$BUNDLE/rootfs/etc/target")" = not-a-console ]
	# A plain file there is what the bind mount is for.
	rm -f "$BUNDLE/rootfs/dev/console"
	: >"$BUNDLE/rootfs/dev/console"
	set_cmd sh -c 'test -c /dev/console && echo console-is-a-tty'
	run rt run -b "$BUNDLE" ct1 </dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == *console-is-a-tty* ]]
}

@test "CVE-2026-41579: an image whose /dev is a symlink to a host directory cannot make rt delete or create files there" {
	# runc removed <dir>/ptmx and made its /dev symlinks in whatever host
	# directory the image's /dev pointed to. The directory also exists
	# inside the rootfs, where rt must do its work instead.
	host="$BATS_TEST_TMPDIR/hostdev"
	mkdir "$host"
	echo decoy >"$host/ptmx"
	mkdir -p "$BUNDLE/rootfs$host"
	rmdir "$BUNDLE/rootfs/dev"
	ln -s "$host" "$BUNDLE/rootfs/dev"
	set_cmd sh -c 'test -c /dev/null && test -L /dev/ptmx && echo dev-ok'
	drop_mount /tmp
	# With the usual tmpfs on /dev: rt may refuse the symlink, or mount
	# the tmpfs on the rootfs' copy; either way not on the host.
	run rt run -b "$BUNDLE" ct1
	echo "tmpfs on /dev: status $status: $output"
	[ "$status" -ne 0 ] || [ "$output" = dev-ok ]
	expect_no_leftovers ct1
	[ "$(ls -A "$host")" = ptmx ]
	[ "$(cat "$host/ptmx")" = decoy ]
	# Without one, devices and links go to the rootfs' copy of the
	# directory.
	drop_mount /dev
	run rt run -b "$BUNDLE" ct1
	echo "no tmpfs: status $status: $output"
	[ "$status" -eq 0 ]
	[ "$output" = dev-ok ]
	[ "$(ls -A "$host")" = ptmx ]
	[ "$(cat "$host/ptmx")" = decoy ]
	[ -c "$BUNDLE/rootfs$host/null" ] && [ -L "$BUNDLE/rootfs$host/ptmx" ]
}
