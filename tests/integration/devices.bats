#!/usr/bin/env bats
# /dev inside the container: the default nodes and links every container
# gets, and linux.devices nodes with their type, numbers, mode and owner.

load helpers

setup() { setup_rt; }
teardown() { teardown_rt; }

# add_device JSON: appends one entry to linux.devices.
add_device() {
	update_config ".linux.devices += [$1]"
}

@test "default devices exist with the right type and major:minor" {
	set_cmd sh -c 'for d in null zero full random urandom tty; do stat -c "%n %F %t:%T %a" /dev/$d; done'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	# stat prints the numbers in hex; these are all single digits
	[ "${lines[0]}" = "/dev/null character special file 1:3 666" ]
	[ "${lines[1]}" = "/dev/zero character special file 1:5 666" ]
	[ "${lines[2]}" = "/dev/full character special file 1:7 666" ]
	[ "${lines[3]}" = "/dev/random character special file 1:8 666" ]
	[ "${lines[4]}" = "/dev/urandom character special file 1:9 666" ]
	[ "${lines[5]}" = "/dev/tty character special file 5:0 666" ]
	[ "${#lines[@]}" -eq 6 ]
}

@test "default devices work: null swallows, zero and urandom read, full is ENOSPC" {
	set_cmd sh -c 'echo x >/dev/null && echo null-ok; head -c 4 /dev/zero | wc -c; head -c 16 /dev/urandom | wc -c; echo x >/dev/full'
	run rt run -b "$BUNDLE" ct1
	[ "${lines[0]}" = null-ok ]
	[ "${lines[1]}" -eq 4 ]
	[ "${lines[2]}" -eq 16 ]
	[[ "${lines[3]}" == *"No space left on device"* ]]
}

@test "/dev/fd, /dev/stdin, stdout, stderr and /dev/ptmx links" {
	set_cmd sh -c 'for l in fd stdin stdout stderr ptmx; do echo "$l -> $(readlink /dev/$l)"; done; ls /dev/fd/ | grep -c .; echo to-stderr >/dev/stderr'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "fd -> /proc/self/fd" ]
	[ "${lines[1]}" = "stdin -> /proc/self/fd/0" ]
	[ "${lines[2]}" = "stdout -> /proc/self/fd/1" ]
	[ "${lines[3]}" = "stderr -> /proc/self/fd/2" ]
	[ "${lines[4]}" = "ptmx -> pts/ptmx" ]
	[ "${lines[5]}" -ge 3 ]
	[ "${lines[6]}" = to-stderr ]
}

@test "without a /dev mount or a devpts, the image's /dev/ptmx still becomes the pts/ptmx link (runc, crun)" {
	update_config '.mounts |= map(select(.destination | startswith("/dev") | not))'
	mkdir -p "$BUNDLE/rootfs/dev"
	echo image >"$BUNDLE/rootfs/dev/ptmx"
	set_cmd readlink /dev/ptmx
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "$output" = pts/ptmx ]
}

@test "/dev is a fresh tmpfs: host nodes do not leak in" {
	set_cmd sh -c 'ls /dev'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[[ "$output" != *vda* ]]
	[[ "$output" != *loop0* ]]
	[[ "$output" != *kmsg* ]]
}

@test "linux.devices: char, block and fifo nodes with their numbers, mode and owner" {
	add_device '{"path": "/dev/mychar", "type": "c", "major": 1, "minor": 5, "fileMode": 420, "uid": 1000, "gid": 1001}'
	add_device '{"path": "/dev/sub/myblock", "type": "b", "major": 7, "minor": 3, "fileMode": 384}'
	add_device '{"path": "/dev/myfifo", "type": "p", "fileMode": 420, "uid": 5, "gid": 6}'
	set_cmd sh -c 'for d in mychar sub/myblock myfifo; do stat -c "%n %F %t:%T %a %u:%g" /dev/$d; done; head -c 3 /dev/mychar | wc -c'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "/dev/mychar character special file 1:5 644 1000:1001" ]
	[ "${lines[1]}" = "/dev/sub/myblock block special file 7:3 600 0:0" ]
	[ "${lines[2]}" = "/dev/myfifo fifo 0:0 644 5:6" ]
	# 1:5 is zero, which the device cgroup allows by default
	[ "${lines[3]}" -eq 3 ]
}

@test "linux.devices: a node anywhere in the container, not only under /dev (runc, crun), resolved inside the rootfs" {
	add_device '{"path": "/mydevs/zero", "type": "c", "major": 1, "minor": 5, "fileMode": 438}'
	add_device '{"path": "/dev/../etc/mynull", "type": "c", "major": 1, "minor": 3, "fileMode": 438}'
	# A symlink in the image leads inside the rootfs, wherever it points.
	ln -s /root "$BUNDLE/rootfs/rootlink"
	add_device '{"path": "/rootlink/myfifo", "type": "p", "fileMode": 420}'
	set_cmd sh -c 'stat -c "%n %F %t:%T %a" /mydevs/zero /etc/mynull /root/myfifo; head -c 3 /mydevs/zero | wc -c; echo x >/etc/mynull && echo null-ok'
	run rt run -b "$BUNDLE" ct1
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "/mydevs/zero character special file 1:5 666" ]
	[ "${lines[1]}" = "/etc/mynull character special file 1:3 666" ]
	[ "${lines[2]}" = "/root/myfifo fifo 0:0 644" ]
	[ "${lines[3]}" -eq 3 ]
	[ "${lines[4]}" = null-ok ]
	[ ! -e /root/myfifo ]
	# runc and crun, too, fail where no node can be made.
	update_config '.linux.devices = [{"path": "/proc/mynull", "type": "c", "major": 1, "minor": 3}]'
	run rt run -b "$BUNDLE" ct1
	echo "$output"
	[ "$status" -ne 0 ]
	[ "$output" = "rt: create device /proc/mynull: mknod: no such file or directory" ]
	expect_no_leftovers ct1
}

@test "linux.devices replaces a default device of the same path" {
	add_device '{"path": "/dev/null", "type": "c", "major": 1, "minor": 3, "fileMode": 384, "uid": 7, "gid": 8}'
	set_cmd stat -c "%t:%T %a %u:%g" /dev/null
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "$output" = "1:3 600 7:8" ]
}

@test "a linux.devices node is usable only when the device cgroup allows it" {
	add_device '{"path": "/dev/loop-control", "type": "c", "major": 10, "minor": 237, "fileMode": 384}'
	set_cmd cat /dev/loop-control
	run rt run -b "$BUNDLE" ct1
	[ "$status" -ne 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
	# allowed: the open succeeds and the driver itself refuses the read
	update_config '.linux.resources.devices += [{"allow": true, "type": "c", "major": 10, "minor": 237, "access": "r"}]'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -ne 0 ]
	[[ "$output" == *"Invalid argument"* ]]
}

@test "a device rule of type a with numbers allows that device of both types (podman --device-cgroup-rule=\"a 10:237 r\")" {
	# runc and the v1 kernel read "a" alone (every device); crun's v2
	# filter, any type with those numbers; rt grants only what was named.
	add_device '{"path": "/dev/loop-control", "type": "c", "major": 10, "minor": 237, "fileMode": 384}'
	update_config '.linux.resources.devices += [{"allow": true, "type": "a", "major": 10, "minor": 237, "access": "r"}]'
	set_cmd cat /dev/loop-control
	run rt run -b "$BUNDLE" ct1
	[ "$status" -ne 0 ]
	# allowed: the open succeeds and the driver itself refuses the read
	[[ "$output" == *"Invalid argument"* ]]
	# not every device: one the rule did not name stays refused
	add_device '{"path": "/dev/loop0x", "type": "b", "major": 7, "minor": 0, "fileMode": 384}'
	set_cmd sh -c 'cat /dev/loop0x'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -ne 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
}

@test "a bad device type is refused without leftovers" {
	add_device '{"path": "/dev/bad", "type": "x", "major": 1, "minor": 3}'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	expect_no_leftovers ct1
}

@test "a bind-mounted /dev gets no nodes created in it" {
	mkdir -p "$BATS_TEST_TMPDIR/devsrc"
	mknod "$BATS_TEST_TMPDIR/devsrc/null" c 1 3
	chmod 666 "$BATS_TEST_TMPDIR/devsrc/null"
	update_config "del(.mounts[] | select(.destination | startswith(\"/dev\")))
		| .mounts += [{\"destination\": \"/dev\", \"source\": \"$BATS_TEST_TMPDIR/devsrc\", \"options\": [\"rbind\"]}]"
	set_cmd sh -c 'ls /dev; echo x >/dev/null && echo null-ok'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = null ]
	[ "${lines[1]}" = null-ok ]
	[ "$(ls "$BATS_TEST_TMPDIR/devsrc")" = null ]
}

@test "in a user namespace the default devices are bind mounts of the host's" {
	userns_bundle
	set_cmd sh -c 'stat -c "%t:%T" /dev/null /dev/zero; awk '"'"'$5 == "/dev/null" { print "bound" }'"'"' /proc/self/mountinfo; echo x >/dev/null && echo null-ok'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1:3 ]
	[ "${lines[1]}" = 1:5 ]
	[ "${lines[2]}" = bound ]
	[ "${lines[3]}" = null-ok ]
}
