#!/usr/bin/env bats
# SELinux and AppArmor labels. On a host without SELinux a mount label is
# ignored (a debug message says so); a process label, or an AppArmor
# profile on a host without AppArmor, is an error, since the confinement
# asked for cannot be given.

load helpers

setup() { setup_rt; }
teardown() { teardown_rt; }

selinux_enabled() {
	[ -e /sys/fs/selinux/enforce ]
}

apparmor_enabled() {
	[ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ]
}

@test "labels: mountLabel is ignored without SELinux (crun); a process.selinuxLabel is refused (runc, crun)" {
	selinux_enabled && skip "SELinux is enabled on this host"
	update_config '.linux.mountLabel = "system_u:object_r:container_file_t:s0:c1,c2"'
	# tmpfs mounts would fail with a context= option the kernel cannot parse
	set_cmd sh -c 'grep -c " /dev/shm " /proc/self/mountinfo; grep " /tmp " /proc/self/mountinfo | grep -c context=; echo ran'
	run rt --debug run -b "$BUNDLE" ct1
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *'level=debug msg="config.json: linux.mountLabel: SELinux is disabled on this host'* ]]
	[[ "$output" == *$'\n1\n0\nran'* || "$output" == $'1\n0\nran'* ]]
	# without --debug nothing is said at all
	run rt run -b "$BUNDLE" ct1
	[ "$output" = $'1\n0\nran' ]
	# A process label is a confinement asked for: not given, it is an error.
	update_config '.process.selinuxLabel = "system_u:system_r:container_t:s0:c1,c2"'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -ne 0 ]
	[ "$output" = 'rt: config.json: process.selinuxLabel "system_u:system_r:container_t:s0:c1,c2" is set but SELinux is not enabled on this host' ]
	expect_no_leftovers ct1
}

@test "labels: exec --process-label is refused without SELinux (runc)" {
	selinux_enabled && skip "SELinux is enabled on this host"
	set_cmd sleep 100
	rt run -d -b "$BUNDLE" ct1
	run rt exec --process-label "system_u:system_r:container_t:s0" ct1 echo exec ran
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"SELinux is not enabled"* ]]
	[[ "$output" != *"exec ran"* ]]
	rt delete -f ct1
	run rt check -b "$BUNDLE"
	[ "$status" -eq 0 ]
	expect_no_leftovers ct1
}

@test "labels: apparmorProfile fails clearly without AppArmor" {
	apparmor_enabled && skip "AppArmor is enabled on this host"
	update_config '.process.apparmorProfile = "rt-test-profile"'
	for cmd in create run; do
		run rt "$cmd" -b "$BUNDLE" ct1
		echo "$output"
		[ "$status" -ne 0 ]
		[ "${#lines[@]}" -eq 1 ]
		[[ "$output" == *"apparmorProfile"* && "$output" == *"AppArmor is not enabled"* ]]
		expect_no_leftovers ct1
	done
}

@test "labels: exec --apparmor fails clearly without AppArmor" {
	apparmor_enabled && skip "AppArmor is enabled on this host"
	set_cmd sleep 100
	rt run -d -b "$BUNDLE" ct1
	run rt exec --apparmor rt-test-profile ct1 true
	echo "$output"
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"AppArmor is not enabled"* ]]
	# and through --process
	echo '{"args": ["true"], "cwd": "/", "apparmorProfile": "rt-test-profile"}' >"$BATS_TEST_TMPDIR/p.json"
	run rt exec --process "$BATS_TEST_TMPDIR/p.json" ct1
	echo "$output"
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"AppArmor is not enabled"* ]]
	[ "$(status ct1)" = running ]
	rt delete -f ct1
	expect_no_leftovers ct1
}

@test "labels: apparmorProfile is applied when AppArmor is enabled" {
	apparmor_enabled || skip "AppArmor is not enabled on this host"
	command -v apparmor_parser >/dev/null || skip "apparmor_parser is not installed"
	cat >"$BATS_TEST_TMPDIR/profile" <<-'EOF'
		profile rt-test-profile flags=(attach_disconnected,mediate_deleted) {
		  file,
		  capability,
		  network,
		  mount,
		  umount,
		  pivot_root,
		  signal,
		  ptrace,
		  deny /tmp/denied w,
		}
	EOF
	apparmor_parser -r "$BATS_TEST_TMPDIR/profile"
	update_config '.process.apparmorProfile = "rt-test-profile"'
	set_cmd sh -c 'cat /proc/self/attr/current; echo x >/tmp/denied || echo denied'
	run rt run -b "$BUNDLE" ct1
	echo "$output"
	[ "${lines[0]}" = "rt-test-profile (enforce)" ]
	[ "${lines[-1]}" = denied ]
	set_cmd sleep 100
	update_config 'del(.process.apparmorProfile)'
	rt run -d -b "$BUNDLE" ct1
	run rt exec --apparmor rt-test-profile ct1 cat /proc/self/attr/current
	[ "$output" = "rt-test-profile (enforce)" ]
	rt delete -f ct1
	apparmor_parser -R "$BATS_TEST_TMPDIR/profile"
	expect_no_leftovers ct1
}
