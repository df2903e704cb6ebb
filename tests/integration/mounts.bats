#!/usr/bin/env bats
# root and mounts of config.json: where the rootfs comes from and how it is
# made read-only, what each kind of mount and mount option really does, and
# the masked/readonly paths and sysctls applied on top.
# Propagation between the host and the container: propagation.bats.

load helpers

setup() {
	setup_rt
	update_config '.root.readonly = false'
	SRC="$BATS_TEST_TMPDIR/src"
	mkdir -p "$SRC"
	echo host-data >"$SRC/file"
}
teardown() { teardown_rt; }

# add_mount JSON: appends one entry to .mounts.
add_mount() {
	update_config ".mounts += [$1]"
}

# mnt_opts PATH: the per-mount options of the mount at PATH, as the
# container's own /proc/self/mountinfo lists it (the last such mount).
mnt_opts_cmd='awk -v p="$1" '"'"'$5 == p { o = $6 } END { print o }'"'"' /proc/self/mountinfo'

# in_private_ns SCRIPT: runs SCRIPT with sh in a private mount namespace of
# its own, so mounts it makes for the test never reach the host. RT, ROOT,
# BUNDLE and SRC are exported to it.
in_private_ns() {
	RT="$RT_BIN" ROOT="$ROOT" BUNDLE="$BUNDLE" SRC="$SRC" \
		unshare -m --propagation "${PROPAGATION:-private}" sh -ec "$1"
}

@test "root.path relative to the bundle, not to the working directory" {
	mv "$BUNDLE/rootfs" "$BUNDLE/myroot"
	echo relative >"$BUNDLE/myroot/which"
	update_config '.root.path = "myroot"'
	set_cmd cat /which
	cd /
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "$output" = relative ]
}

@test "root.path absolute, outside the bundle" {
	mv "$BUNDLE/rootfs" "$BATS_TEST_TMPDIR/elsewhere"
	echo absolute >"$BATS_TEST_TMPDIR/elsewhere/which"
	update_config ".root.path = \"$BATS_TEST_TMPDIR/elsewhere\""
	set_cmd cat /which
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "$output" = absolute ]
}

@test "a missing root.path is an error and leaves nothing" {
	update_config '.root.path = "nonexistent"'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -ne 0 ]
	[[ "$output" == *nonexistent* ]]
	expect_no_leftovers ct1
}

@test "root.readonly: / is EROFS, the tmpfs on /tmp still writable" {
	update_config '.root.readonly = true'
	set_cmd sh -c 'touch /tmp/ok && echo tmp-ok; touch /newfile'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -ne 0 ]
	[ "${lines[0]}" = tmp-ok ]
	[[ "$output" == *"Read-only file system"* ]]
	[ ! -e "$BUNDLE/rootfs/newfile" ]
	# and without it, / is writable and the write lands in the rootfs
	update_config '.root.readonly = false'
	set_cmd touch /newfile
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ -e "$BUNDLE/rootfs/newfile" ]
}

@test "bind mount: host content visible and writes land on the host" {
	add_mount "{\"destination\": \"/mnt/data\", \"type\": \"bind\", \"source\": \"$SRC\", \"options\": [\"bind\"]}"
	set_cmd sh -c 'cat /mnt/data/file; echo from-ct >/mnt/data/new'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "$output" = host-data ]
	[ "$(cat "$SRC/new")" = from-ct ]
}

@test "a relative bind source is relative to the bundle, not to the working directory" {
	mkdir -p "$BUNDLE/vol"
	echo in-bundle >"$BUNDLE/vol/file"
	add_mount '{"destination": "/data", "type": "bind", "source": "vol", "options": ["rbind"]}'
	set_cmd cat /data/file
	cd /
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "$output" = in-bundle ]
}

@test "bind shows a submount of the source only with rbind" {
	mkdir -p "$SRC/sub"
	add_mount "{\"destination\": \"/bind\", \"source\": \"$SRC\", \"options\": [\"bind\"]}"
	add_mount "{\"destination\": \"/rbind\", \"source\": \"$SRC\", \"options\": [\"rbind\"]}"
	set_cmd sh -c 'ls /bind/sub; echo --; ls /rbind/sub'
	run in_private_ns 'mount -t tmpfs sub "$SRC/sub"; echo x >"$SRC/sub/in-submount"
		"$RT" --root "$ROOT" run -b "$BUNDLE" ct1'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = -- ]
	[ "${lines[1]}" = in-submount ]
}

@test "ro bind: reads work, writes fail with EROFS" {
	add_mount "{\"destination\": \"/ro\", \"type\": \"bind\", \"source\": \"$SRC\", \"options\": [\"rbind\", \"ro\"]}"
	set_cmd sh -c 'cat /ro/file; echo x >/ro/file'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -ne 0 ]
	[ "${lines[0]}" = host-data ]
	[[ "$output" == *"Read-only file system"* ]]
	[ "$(cat "$SRC/file")" = host-data ]
}

@test "rro: a submount of an rbind source is read-only too; plain ro leaves it writable" {
	mkdir -p "$SRC/sub"
	add_mount "{\"destination\": \"/ro\", \"source\": \"$SRC\", \"options\": [\"rbind\", \"ro\"]}"
	add_mount "{\"destination\": \"/rro\", \"source\": \"$SRC\", \"options\": [\"rbind\", \"rro\"]}"
	set_cmd sh -c 'touch /ro/sub/a && echo ro-sub-writable; touch /rro/sub/b || echo rro-sub-readonly; touch /rro/c || echo rro-top-readonly'
	run in_private_ns 'mount -t tmpfs sub "$SRC/sub"
		"$RT" --root "$ROOT" run -b "$BUNDLE" ct1'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = ro-sub-writable ]
	[[ "${lines[1]}" == *"Read-only file system"* ]]
	[ "${lines[2]}" = rro-sub-readonly ]
	[[ "${lines[3]}" == *"Read-only file system"* ]]
	[ "${lines[4]}" = rro-top-readonly ]
}

@test "nosuid, nodev, noexec on a bind mount: listed, and noexec and nodev enforced" {
	mkdir "$SRC/bin"
	cp "$BUNDLE/rootfs/bin/busybox" "$SRC/bin/busybox"
	mknod "$SRC/null" c 1 3
	chmod 666 "$SRC/null"
	add_mount "{\"destination\": \"/plain\", \"source\": \"$SRC\", \"options\": [\"bind\"]}"
	add_mount "{\"destination\": \"/locked\", \"source\": \"$SRC\", \"options\": [\"bind\", \"nosuid\", \"nodev\", \"noexec\"]}"
	# (set_cmd takes one argument a line: the script stays on one)
	set_cmd sh -c 'set -- /locked; '"$mnt_opts_cmd"'; /plain/bin/busybox true && echo plain-exec; /locked/bin/busybox true || echo locked-noexec; echo x >/plain/null && echo plain-dev; echo x >/locked/null || echo locked-nodev'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	for o in nosuid nodev noexec; do
		[[ ",${lines[0]}," == *",$o,"* ]]
	done
	[ "${lines[1]}" = plain-exec ]
	[[ "${lines[2]}" == *"Permission denied"* ]]
	[ "${lines[3]}" = locked-noexec ]
	[ "${lines[4]}" = plain-dev ]
	[[ "${lines[5]}" == *"Permission denied"* ]]
	[ "${lines[6]}" = locked-nodev ]
}

@test "atime options land in mountinfo, on tmpfs and on bind mounts" {
	add_mount '{"destination": "/t-noatime", "type": "tmpfs", "source": "tmpfs", "options": ["noatime"]}'
	add_mount '{"destination": "/t-strict", "type": "tmpfs", "source": "tmpfs", "options": ["strictatime", "nodiratime"]}'
	add_mount '{"destination": "/t-relatime", "type": "tmpfs", "source": "tmpfs", "options": ["relatime"]}'
	add_mount "{\"destination\": \"/b-noatime\", \"source\": \"$SRC\", \"options\": [\"bind\", \"noatime\"]}"
	add_mount "{\"destination\": \"/b-strict\", \"source\": \"$SRC\", \"options\": [\"bind\", \"strictatime\"]}"
	set_cmd sh -c 'for m in /t-noatime /t-strict /t-relatime /b-noatime /b-strict; do set -- $m; '"$mnt_opts_cmd"'; done'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[[ ",${lines[0]}," == *,noatime,* ]]
	[[ ",${lines[1]}," == *,nodiratime,* && ",${lines[1]}," != *,relatime,* && ",${lines[1]}," != *,noatime,* ]]
	[[ ",${lines[2]}," == *,relatime,* ]]
	[[ ",${lines[3]}," == *,noatime,* ]]
	[[ ",${lines[4]}," != *,relatime,* && ",${lines[4]}," != *,noatime,* ]]
}

@test "propagation options on a mount: shared, private, unbindable" {
	add_mount '{"destination": "/p-shared", "type": "tmpfs", "source": "tmpfs", "options": ["shared"]}'
	add_mount '{"destination": "/p-private", "type": "tmpfs", "source": "tmpfs", "options": ["rprivate"]}'
	add_mount '{"destination": "/p-unbind", "type": "tmpfs", "source": "tmpfs", "options": ["unbindable"]}'
	set_cmd sh -c 'for m in /p-shared /p-private /p-unbind; do awk -v p=$m '"'"'$5 == p { t = "-"; for (i = 7; $i != "-"; i++) t = t " " $i; print t }'"'"' /proc/self/mountinfo; done'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *shared:* ]]
	[ "${lines[1]}" = - ]
	[[ "${lines[2]}" == *unbindable* ]]
}

@test "tmpfs size= and mode= are honoured: the mode shows and the size fills up" {
	add_mount '{"destination": "/small", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m", "mode=700"]}'
	set_cmd sh -c 'stat -c %a /small; dd if=/dev/zero of=/small/f bs=1024 count=512 2>/dev/null && echo half-fits; dd if=/dev/zero of=/small/g bs=1024 count=1024 2>&1 || echo full'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 700 ]
	[ "${lines[1]}" = half-fits ]
	[[ "$output" == *"No space left on device"* ]]
	[ "${lines[-1]}" = full ]
}

@test "file bind mount onto a path that does not exist creates a file, not a directory" {
	echo conf-line >"$BATS_TEST_TMPDIR/app.conf"
	add_mount "{\"destination\": \"/etc/app/app.conf\", \"source\": \"$BATS_TEST_TMPDIR/app.conf\", \"options\": [\"bind\", \"ro\"]}"
	set_cmd sh -c 'cat /etc/app/app.conf; [ -f /etc/app/app.conf ] && echo is-file'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = conf-line ]
	[ "${lines[1]}" = is-file ]
	[ -f "$BUNDLE/rootfs/etc/app/app.conf" ]
	[ ! -s "$BUNDLE/rootfs/etc/app/app.conf" ]
}

@test "a destination that does not exist is created inside the rootfs" {
	add_mount '{"destination": "/deep/er/dir", "type": "tmpfs", "source": "tmpfs"}'
	set_cmd sh -c 'touch /deep/er/dir/x && echo ok'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
	[ -d "$BUNDLE/rootfs/deep/er/dir" ]
	[ ! -e /deep ]
}

@test "a destination that is a symlink to an absolute host path lands in the rootfs" {
	host="$BATS_TEST_TMPDIR/hostdir"
	mkdir -p "$host"
	ln -s "$host" "$BUNDLE/rootfs/link"
	# and one that tries to climb out with ..
	ln -s ../../../../../../../../.. "$BUNDLE/rootfs/up"
	# no tmpfs on /tmp: the target is then created on the rootfs itself
	update_config 'del(.mounts[] | select(.destination == "/tmp"))'
	add_mount "{\"destination\": \"/link\", \"source\": \"$SRC\", \"options\": [\"bind\"]}"
	add_mount '{"destination": "/up/escaped", "type": "tmpfs", "source": "tmpfs"}'
	set_cmd sh -c 'cat /link/file; echo ct >/link/written; ls -d /escaped'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = host-data ]
	[ "${lines[1]}" = /escaped ]
	# the mount went on the target inside the rootfs
	[ -d "$BUNDLE/rootfs$host" ]
	[ -d "$BUNDLE/rootfs/escaped" ]
	# the host directory got nothing
	[ -z "$(ls -A "$host")" ]
	[ ! -e /escaped ]
	[ "$(cat "$SRC/written")" = ct ]
}

@test "maskedPaths: a file reads empty, a directory is empty" {
	mkdir -p "$BUNDLE/rootfs/secret-dir"
	echo s >"$BUNDLE/rootfs/secret-dir/inside"
	echo s >"$BUNDLE/rootfs/secret-file"
	update_config '.linux.maskedPaths += ["/secret-file", "/secret-dir", "/not-there"]'
	set_cmd sh -c 'wc -c </secret-file; ls -A /secret-dir | wc -l; wc -c </proc/timer_list; touch /secret-dir/x || echo dir-ro'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" -eq 0 ]
	[ "${lines[1]}" -eq 0 ]
	[ "${lines[2]}" -eq 0 ]
	[ "${lines[-1]}" = dir-ro ]
	[ "$(cat "$BUNDLE/rootfs/secret-file")" = s ]
}

@test "readonlyPaths: writes fail with EROFS, the rest stays writable" {
	mkdir -p "$BUNDLE/rootfs/rodir" "$BUNDLE/rootfs/rwdir"
	update_config '.linux.readonlyPaths += ["/rodir"]'
	set_cmd sh -c 'touch /rwdir/a && echo rw-ok; touch /rodir/a; echo 1 >/proc/sys/kernel/domainname'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -ne 0 ]
	[ "${lines[0]}" = rw-ok ]
	[[ "${lines[1]}" == *"Read-only file system"* ]]
	[[ "${lines[2]}" == *"Read-only file system"* ]]
}

@test "sysctl: namespaced values show inside and leave the host alone" {
	update_config '.linux.sysctl = {"net.ipv4.ip_forward": "1", "kernel.shmmax": "12345678"}'
	host_fwd=$(cat /proc/sys/net/ipv4/ip_forward)
	host_shm=$(cat /proc/sys/kernel/shmmax)
	set_cmd sh -c 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1 ]
	[ "${lines[1]}" = 12345678 ]
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$host_fwd" ]
	[ "$(cat /proc/sys/kernel/shmmax)" = "$host_shm" ]
}

@test "sysctl of a namespace the container does not have is refused" {
	update_config 'del(.linux.namespaces[] | select(.type == "network")) | .linux.sysctl = {"net.ipv4.ip_forward": "1"}'
	host_fwd=$(cat /proc/sys/net/ipv4/ip_forward)
	run rt run -b "$BUNDLE" ct1
	[ "$status" -ne 0 ]
	[[ "$output" == *net.ipv4.ip_forward* ]]
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$host_fwd" ]
	expect_no_leftovers ct1
}

# ns_bind TYPE FILE: a bind of rt's own TYPE namespace (net, ipc) at FILE,
# as Docker passes the host's network namespace for --network host.
ns_bind_cmd='touch "$2"; mount --bind "/proc/self/ns/$1" "$2"'

# unchanged FILE VALUE: FILE (a host sysctl) still holds VALUE; a runtime
# that changed it gets it put back and the test fails.
unchanged() {
	[ "$(cat "$1")" = "$2" ] && return 0
	echo "$2" >"$1"
	echo "$1 was changed" >&2
	return 1
}

@test "sysctl: a namespace path to the host's own is the host's: net.* and ipc sysctls refused" {
	host_conn=$(cat /proc/sys/net/core/somaxconn)
	host_mni=$(cat /proc/sys/kernel/shmmni)
	update_config '.linux.namespaces |= map(select(.type != "network" and .type != "ipc"))
		| .linux.namespaces += [{"type": "network", "path": "'"$BATS_TEST_TMPDIR"'/hostnet"}, {"type": "ipc", "path": "'"$BATS_TEST_TMPDIR"'/hostipc"}]'
	cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/base.json"
	update_config ".linux.sysctl = {\"net.core.somaxconn\": \"$((host_conn + 1))\"}"
	run in_private_ns "set -- net $BATS_TEST_TMPDIR/hostnet; $ns_bind_cmd; set -- ipc $BATS_TEST_TMPDIR/hostipc; $ns_bind_cmd
		\$RT --root \$ROOT run -b \$BUNDLE ct1"
	echo "$output"
	unchanged /proc/sys/net/core/somaxconn "$host_conn"
	[ "$status" -ne 0 ]
	[ "$output" = 'rt: config.json: linux.sysctl "net.core.somaxconn" not allowed in host network namespace' ]
	expect_no_leftovers ct1

	cp "$BATS_TEST_TMPDIR/base.json" "$BUNDLE/config.json"
	update_config ".linux.sysctl = {\"kernel.shmmni\": \"$((host_mni - 1))\"}"
	run in_private_ns "set -- net $BATS_TEST_TMPDIR/hostnet; $ns_bind_cmd; set -- ipc $BATS_TEST_TMPDIR/hostipc; $ns_bind_cmd
		\$RT --root \$ROOT run -b \$BUNDLE ct1"
	echo "$output"
	unchanged /proc/sys/kernel/shmmni "$host_mni"
	[ "$status" -ne 0 ]
	[ "$output" = 'rt: config.json: linux.sysctl "kernel.shmmni" not allowed in host ipc namespace' ]
	expect_no_leftovers ct1

	# Without a sysctl the same config runs, in the host's network namespace.
	cp "$BATS_TEST_TMPDIR/base.json" "$BUNDLE/config.json"
	set_cmd readlink /proc/self/ns/net
	run in_private_ns "set -- net $BATS_TEST_TMPDIR/hostnet; $ns_bind_cmd; set -- ipc $BATS_TEST_TMPDIR/hostipc; $ns_bind_cmd
		\$RT --root \$ROOT run -b \$BUNDLE ct1"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "$(readlink /proc/self/ns/net)" ]
	expect_no_leftovers ct1
}

@test "sysctl: a namespace path to a namespace of the container's own takes net.* and ipc sysctls" {
	host_conn=$(cat /proc/sys/net/core/somaxconn)
	host_mni=$(cat /proc/sys/kernel/shmmni)
	update_config '.linux.namespaces |= map(select(.type != "network" and .type != "ipc"))
		| .linux.namespaces += [{"type": "network", "path": "'"$BATS_TEST_TMPDIR"'/net"}, {"type": "ipc", "path": "'"$BATS_TEST_TMPDIR"'/ipc"}]
		| .linux.sysctl = {"net.core.somaxconn": "'$((host_conn + 1))'", "kernel.shmmni": "'$((host_mni - 1))'"}'
	set_cmd sh -c 'cat /proc/sys/net/core/somaxconn /proc/sys/kernel/shmmni'
	run in_private_ns "touch $BATS_TEST_TMPDIR/net $BATS_TEST_TMPDIR/ipc
		unshare --net=$BATS_TEST_TMPDIR/net --ipc=$BATS_TEST_TMPDIR/ipc true
		\$RT --root \$ROOT run -b \$BUNDLE ct1"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = $((host_conn + 1)) ]
	unchanged /proc/sys/net/core/somaxconn "$host_conn"
	unchanged /proc/sys/kernel/shmmni "$host_mni"
	[ "${lines[1]}" = $((host_mni - 1)) ]
	expect_no_leftovers ct1
}

@test "sysctl: kernel.hostname is refused (hostname sets it); kernel.domainname unless it contradicts domainname" {
	update_config '.linux.sysctl = {"kernel.hostname": "other"}'
	run rt run -b "$BUNDLE" ct1
	echo "$output"
	[ "$status" -ne 0 ]
	[ "$output" = 'rt: config.json: linux.sysctl "kernel.hostname" is not allowed as it conflicts with the OCI "hostname" field' ]
	expect_no_leftovers ct1

	update_config '.linux.sysctl = {"kernel.domainname": "dom.example"} | .domainname = "other.example"'
	run rt run -b "$BUNDLE" ct1
	echo "$output"
	[ "$status" -ne 0 ]
	[ "$output" = 'rt: config.json: linux.sysctl "kernel.domainname" is not allowed as it conflicts with the OCI "domainname" field' ]
	expect_no_leftovers ct1

	# A UTS namespace of its own takes the domain name (runc, crun).
	update_config 'del(.domainname)'
	set_cmd cat /proc/sys/kernel/domainname
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "$output" = dom.example ]
	[ "$(cat /proc/sys/kernel/domainname)" != dom.example ]
	expect_no_leftovers ct1
}

@test "a bind mount on / becomes the root: the mounts after it, /dev and the process land on it (runc)" {
	cp -a "$BUNDLE/rootfs" "$BATS_TEST_TMPDIR/other"
	echo other-root >"$BATS_TEST_TMPDIR/other/which"
	echo bundle-root >"$BUNDLE/rootfs/which"
	update_config '.mounts = [{"destination": "/", "type": "bind", "source": "'"$BATS_TEST_TMPDIR/other"'", "options": ["rbind", "rw"]}] + .mounts'
	set_cmd sh -c 'cat /which; test -e /proc/self/status && echo proc-ok; echo x >/dev/null && echo dev-ok; touch /made && echo rw-ok'
	run rt run -b "$BUNDLE" ct1
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "other-root
proc-ok
dev-ok
rw-ok" ]
	[ -e "$BATS_TEST_TMPDIR/other/made" ]
	[ ! -e "$BUNDLE/rootfs/made" ]
	expect_no_leftovers ct1

	# root.readonly applies to it.
	rm "$BATS_TEST_TMPDIR/other/made"
	update_config '.root.readonly = true'
	run rt run -b "$BUNDLE" ct1
	echo "$output"
	[ "$status" -ne 0 ]
	[ "${lines[0]}" = other-root ]
	[[ "${lines[3]}" == *"Read-only file system"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/other/made" ]
	expect_no_leftovers ct1
}

@test "--no-pivot runs the container, chrooted into its moved rootfs" {
	echo no-pivot >"$BUNDLE/rootfs/which"
	update_config '.root.readonly = true'
	set_cmd sh -c 'cat /which; awk '"'"'$5 == "/" { n++ } END { print n }'"'"' /proc/self/mountinfo; touch /x'
	run rt run --no-pivot -b "$BUNDLE" ct1
	[ "$status" -ne 0 ]
	[ "${lines[0]}" = no-pivot ]
	[ "${lines[1]}" -ge 1 ]
	[[ "$output" == *"Read-only file system"* ]]
	expect_no_leftovers ct1
}

@test "without a mount namespace the mounts go to the caller's namespace, not the host's" {
	update_config 'del(.linux.namespaces[] | select(.type == "mount"))'
	add_mount "{\"destination\": \"/data\", \"source\": \"$SRC\", \"options\": [\"bind\"]}"
	set_cmd sh -c 'cat /data/file; echo $$; ls /proc/1 >/dev/null && echo proc-ok'
	run in_private_ns '"$RT" --root "$ROOT" run -b "$BUNDLE" ct1
		grep -c " $BUNDLE/rootfs/data " /proc/self/mountinfo'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = host-data ]
	[ "${lines[1]}" = 1 ]
	[ "${lines[2]}" = proc-ok ]
	# the caller's namespace got the mounts; the host none of them
	[ "${lines[3]}" -ge 1 ]
	run ! grep -q "$BUNDLE/rootfs" /proc/self/mountinfo
	expect_no_leftovers ct1
}

@test "a bind source that does not exist: one line naming the mount and path, nothing left" {
	add_mount "{\"destination\": \"/data\", \"source\": \"$BATS_TEST_TMPDIR/no-such-src\", \"options\": [\"bind\"]}"
	set_cmd echo should-not-run
	run rt run -b "$BUNDLE" ct1
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"$BATS_TEST_TMPDIR/no-such-src"* ]]
	[[ "$output" == *"/data"* ]]
	[[ "$output" != *should-not-run* ]]
	expect_no_leftovers ct1
	[ ! -e "$BUNDLE/rootfs/data" ] || [ -d "$BUNDLE/rootfs/data" ]
}

@test "an unknown filesystem type fails cleanly" {
	add_mount '{"destination": "/x", "type": "no-such-fs", "source": "none"}'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *no-such-fs* ]]
	expect_no_leftovers ct1
}

@test "tmpcopyup: the tmpfs starts with what it covers, modes, owners and links kept, the image untouched" {
	mkdir -p "$BUNDLE/rootfs/seed/sub/deeper"
	echo seed-data >"$BUNDLE/rootfs/seed/sub/file"
	chmod 777 "$BUNDLE/rootfs/seed/sub"
	chmod 4755 "$BUNDLE/rootfs/seed/sub/file"
	chown 1000:1001 "$BUNDLE/rootfs/seed/sub/deeper"
	ln -s /etc/passwd "$BUNDLE/rootfs/seed/link"
	add_mount '{"destination": "/seed", "type": "tmpfs", "source": "tmpfs", "options": ["tmpcopyup", "nodev"]}'
	set_cmd sh -c 'cat /seed/sub/file; stat -c "%a %u:%g" /seed/sub /seed/sub/file /seed/sub/deeper; readlink /seed/link; awk '"'"'$2 == "/seed" { print $3 }'"'"' /proc/self/mounts; echo new >/seed/sub/added && echo writable'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = seed-data ]
	[ "${lines[1]}" = "777 0:0" ]
	[ "${lines[2]}" = "4755 0:0" ]
	[ "${lines[3]}" = "755 1000:1001" ]
	[ "${lines[4]}" = /etc/passwd ]
	[ "${lines[5]}" = tmpfs ]
	[ "${lines[6]}" = writable ]
	# the copy was written to the tmpfs, not to the image
	[ ! -e "$BUNDLE/rootfs/seed/sub/added" ]
}

@test "tmpfs mode: taken from the directory it covers, tmpfs's 1777 on a new one, mode= wins" {
	mkdir "$BUNDLE/rootfs/inherit" "$BUNDLE/rootfs/explicit"
	chmod 0710 "$BUNDLE/rootfs/inherit" "$BUNDLE/rootfs/explicit"
	add_mount '{"destination": "/inherit", "type": "tmpfs", "source": "tmpfs", "options": ["nodev"]}'
	add_mount '{"destination": "/explicit", "type": "tmpfs", "source": "tmpfs", "options": ["mode=1500"]}'
	add_mount '{"destination": "/new/dir", "type": "tmpfs", "source": "tmpfs"}'
	set_cmd stat -c %a /inherit /explicit /new/dir
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 710 ]
	[ "${lines[1]}" = 1500 ]
	[ "${lines[2]}" = 1777 ]
	# the directories underneath keep their own modes
	[ "$(stat -c %a "$BUNDLE/rootfs/explicit")" = 710 ]
	[ "$(stat -c %a "$BUNDLE/rootfs/new/dir")" = 755 ]
}

@test "tmpcopyup keeps the tmpfs root's mode: mode= wins, the covered directory's otherwise (podman --tmpfs)" {
	mkdir -p "$BUNDLE/rootfs/covered/sub"
	chmod 0710 "$BUNDLE/rootfs/covered"
	chown 1000:1000 "$BUNDLE/rootfs/covered"
	add_mount '{"destination": "/scratch", "type": "tmpfs", "source": "tmpfs", "options": ["rw", "nosuid", "nodev", "size=1m", "mode=1777", "tmpcopyup"]}'
	add_mount '{"destination": "/covered", "type": "tmpfs", "source": "tmpfs", "options": ["tmpcopyup"]}'
	set_cmd stat -c '%a %u' /scratch /covered /covered/sub
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "1777 0" ]
	[ "${lines[1]}" = "710 0" ]
	[ "${lines[2]}" = "755 0" ]
}

@test "a read-only /dev and tmpfs are read-only once set up: devices, mounts below and console made first" {
	update_config '(.mounts[] | select(.destination == "/dev") | .options) += ["ro"]'
	add_mount '{"destination": "/ro", "type": "tmpfs", "source": "tmpfs", "options": ["ro"]}'
	add_mount '{"destination": "/ro/below", "type": "tmpfs", "source": "tmpfs"}'
	set_cmd sh -c 'for p in /dev /ro; do awk -v p=$p '"'"'$5 == p { split($6, o, ","); print p, o[1] }'"'"' /proc/self/mountinfo; done; test -c /dev/null && echo devices; touch /ro/below/x && echo below-rw; touch /dev/x 2>&1 || true'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "/dev ro" ]
	[ "${lines[1]}" = "/ro ro" ]
	[ "${lines[2]}" = devices ]
	[ "${lines[3]}" = below-rw ]
	[[ "${lines[4]}" == *"Read-only file system"* ]]
}

@test "mount order: a bind source inside the rootfs shows the mounts made before it, destinations as host paths" {
	mkdir -p "$BATS_TEST_TMPDIR/a/x" "$BATS_TEST_TMPDIR/b"
	echo from-a >"$BATS_TEST_TMPDIR/a/x/file"
	echo from-b >"$BATS_TEST_TMPDIR/b/file"
	rootfs="$BUNDLE/rootfs"
	add_mount "{\"destination\": \"/mnt\", \"source\": \"$BATS_TEST_TMPDIR/a\", \"options\": [\"rbind\"]}"
	add_mount "{\"destination\": \"/mnt/x/b\", \"source\": \"$BATS_TEST_TMPDIR/b\", \"options\": [\"rbind\"]}"
	# Both ends name places in the container through the host's path of
	# the rootfs, as engines write them; the source must be the tree as
	# mounted so far.
	add_mount "{\"destination\": \"$rootfs/final\", \"source\": \"$rootfs/mnt\", \"options\": [\"rbind\"]}"
	set_cmd cat /final/x/file /final/x/b/file
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = from-a ]
	[ "${lines[1]}" = from-b ]
	[ -d "$rootfs/final" ]
	[ ! -e "$rootfs$rootfs" ]
}

@test "a bind destination through dangling symlinks is created where they point, inside the rootfs" {
	rm -f "$BUNDLE/rootfs/etc/hosts"
	ln -s /tmp/foo/bar "$BUNDLE/rootfs/jump"
	ln -s /jump/baz/hosts "$BUNDLE/rootfs/etc/hosts"
	drop_tmp='del(.mounts[] | select(.destination == "/tmp"))'
	update_config "$drop_tmp"
	add_mount "{\"destination\": \"/etc/hosts\", \"source\": \"$SRC/file\", \"options\": [\"bind\"]}"
	set_cmd sh -c 'cat /tmp/foo/bar/baz/hosts; awk '"'"'$5 == "/tmp/foo/bar/baz/hosts" { print "mounted" }'"'"' /proc/self/mountinfo'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = host-data ]
	[ "${lines[1]}" = mounted ]
	[ -f "$BUNDLE/rootfs/tmp/foo/bar/baz/hosts" ]
	[ ! -e /jump ]
}

@test "proc on a symlinked /proc is refused with runc's words, and nothing is created where it points" {
	rmdir "$BUNDLE/rootfs/proc"
	ln -s /elsewhere "$BUNDLE/rootfs/proc"
	run rt run -b "$BUNDLE" ct1
	[ "$status" -ne 0 ]
	[[ "$output" == *'filesystem "proc" must be mounted on ordinary directory'* ]]
	[ ! -e "$BUNDLE/rootfs/elsewhere" ]
	expect_no_leftovers ct1
}

@test "maskedPaths: a path given twice is masked once, directories share one read-only tmpfs" {
	mkdir -p "$BUNDLE/rootfs/m1" "$BUNDLE/rootfs/m2" "$BUNDLE/rootfs/m3"
	echo s >"$BUNDLE/rootfs/m1/inside"
	echo s >"$BUNDLE/rootfs/mf"
	update_config '.linux.maskedPaths += ["/m1", "/mf", "/m2", "/m1", "/mf/", "/m3"]'
	set_cmd sh -c 'for p in /m1 /mf; do awk -v p=$p '"'"'$5 == p { n++ } END { print n }'"'"' /proc/self/mountinfo; done; stat -c %d /m1 /m2 /m3 | sort -u | wc -l; ls -A /m1 | wc -l; touch /m2/x 2>&1 || true'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1 ]
	[ "${lines[1]}" = 1 ]
	[ "${lines[2]}" = 1 ]
	[ "${lines[3]}" = 0 ]
	[[ "${lines[4]}" == *"Read-only file system"* ]]
}

# bind_configs OPTS...: writes $BUNDLE/config-N.json, one per OPTS (a
# comma-separated option list), each binding $SRC on /mnt and printing the
# per-mount options of /mnt.
bind_configs() {
	local n=0 opts
	for opts in "$@"; do
		n=$((n + 1))
		jq --arg src "$SRC" --arg opts "$opts" '.mounts += [{destination: "/mnt", source: $src, type: "bind", options: ($opts | split(","))}]
			| .process.args = ["awk", "$5 == \"/mnt\" { print $6 }", "/proc/self/mountinfo"]' \
			"$BUNDLE/config.json" >"$BUNDLE/config-$n.json"
	done
	cp "$BUNDLE/config.json" "$BUNDLE/config-orig.json"
}

# run_bind_configs HOST-FLAGS: in a private mount namespace, mounts a
# tmpfs on $SRC with per-mount flags HOST-FLAGS and runs each config-N.json.
run_bind_configs() {
	export HOST_FLAGS="$1"
	run in_private_ns '
		mount -t tmpfs -o rw,suid,dev,exec tmpfs "$SRC"
		mount --bind -o "remount,$HOST_FLAGS" "$SRC"
		for c in "$BUNDLE"/config-[0-9]*.json; do
			cp "$c" "$BUNDLE/config.json"
			"$RT" --root "$ROOT" run -b "$BUNDLE" ct1 2>&1 || echo "status $?"
		done'
	cp "$BUNDLE/config-orig.json" "$BUNDLE/config.json"
	echo "$output"
}

@test "bind flags: exactly those asked for; the source's ro is not kept unless asked" {
	bind_configs bind bind,nosuid bind,ro,exec
	run_bind_configs ro,noexec
	[ "$status" -eq 0 ]
	# plain bind: the source's flags as they are
	[[ "${lines[0]}" == ro,*noexec* ]]
	# nosuid asked: ro and noexec dropped
	[[ "${lines[1]}" == rw,nosuid* ]]
	[[ "${lines[1]}" != *noexec* ]]
	# ro,exec asked
	[[ "${lines[2]}" == ro,* ]]
	[[ "${lines[2]}" != *noexec* ]]
	[[ "${lines[2]}" != *nosuid* ]]
}

@test "bind flags in a user namespace: locked flags kept unless cleared, then an error naming them" {
	userns_bundle
	bind_configs bind,nosuid bind,rw bind,ro,nosymfollow
	run_bind_configs nodev,nosymfollow
	[ "$status" -eq 0 ]
	# nosuid added; the locked nodev stays, nosymfollow (not lockable) goes
	[[ "${lines[0]}" == rw,nosuid,nodev* ]]
	[[ "${lines[0]}" != *nosymfollow* ]]
	# rw clears nothing locked here
	[[ "${lines[1]}" == rw,nodev* ]]
	[[ "${lines[2]}" == ro,nodev*nosymfollow* ]]
	run_bind_configs ro,nodev
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == ro,nosuid,nodev* ]]
	# rw would clear the locked ro: refused
	[[ "${lines[1]}" == *"cannot clear locked flags ro"*"operation not permitted"* ]]
	[ "${lines[2]}" = "status 1" ]
}

@test "user namespace: a bind source only the host's root can reach is opened by rt for the init" {
	userns_bundle
	mkdir -p "$BATS_TEST_TMPDIR/locked/one" "$BATS_TEST_TMPDIR/locked/two"
	echo one >"$BATS_TEST_TMPDIR/locked/one/f"
	echo two >"$BATS_TEST_TMPDIR/locked/two/f"
	chmod 700 "$BATS_TEST_TMPDIR/locked"
	add_mount "{\"destination\": \"/one\", \"source\": \"$BATS_TEST_TMPDIR/locked/one\", \"options\": [\"bind\"]}"
	add_mount "{\"destination\": \"/two\", \"source\": \"$BATS_TEST_TMPDIR/locked/two\", \"options\": [\"bind\", \"ro\"]}"
	set_cmd cat /one/f /two/f
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = one ]
	[ "${lines[1]}" = two ]
	# a source that does not exist is still one clear error
	add_mount "{\"destination\": \"/three\", \"source\": \"$BATS_TEST_TMPDIR/locked/three\", \"options\": [\"bind\"]}"
	run rt run -b "$BUNDLE" ct1
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"locked/three"*"no such file or directory"* ]]
	expect_no_leftovers ct1
}
