#!/usr/bin/env bats
# checkpoint and restore on this host: the checks rt makes before CRIU
# runs, CRIU's own error where it cannot dump (CRIU 3.17 on kernel 6.18),
# and restores that fail leaving nothing behind. Dump and restore
# themselves are tested in a guest CRIU works in: `make test-checkpoint`.

load helpers

setup() {
	command -v criu >/dev/null || skip "criu is not installed"
	setup_rt
	set_cmd sleep 1000
	cd "$BATS_TEST_TMPDIR"
}

teardown() { teardown_rt; }

# criu_cannot_dump: true when CRIU fails to dump a plain process here;
# its errors are then in $BATS_TEST_TMPDIR/probe/dump.log.
criu_cannot_dump() {
	local d="$BATS_TEST_TMPDIR/probe" pid rc=0
	mkdir -p "$d"
	setsid sleep 1000 </dev/null >/dev/null 2>&1 &
	pid=$!
	criu dump -t "$pid" -D "$d" -o dump.log -v4 --leave-running >/dev/null 2>&1 || rc=$?
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	[ "$rc" -ne 0 ]
}

@test "checkpoint fails with CRIU's own error where CRIU cannot dump, and the container runs on" {
	criu_cannot_dump || skip "CRIU can dump on this kernel: make test-checkpoint covers checkpoint here"
	rt run -d -b "$BUNDLE" ct
	pid=$(rt state ct | jq -r .pid)
	run rt checkpoint --image-path img --work-path work ct
	echo "$output"
	[ "$status" -ne 0 ]
	# one line: rt's context, then CRIU's error lines and where its log is
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == 'rt: checkpoint container "ct": criu dump failed: Error ('* ]]
	[[ "$output" == *"(log: $BATS_TEST_TMPDIR/work/dump.log)" ]]
	grep -q Error work/dump.log
	# the message is CRIU's: an error of CRIU's own failed dump
	local found=
	while IFS= read -r l; do
		[[ "$output" == *"${l#*Error (}"* ]] && found=1
	done < <(grep -o 'Error (.*' probe/dump.log)
	[ -n "$found" ]
	# nothing happened to the container
	[ "$(status ct)" = running ]
	[ "$(rt state ct | jq -r .pid)" = "$pid" ]
	rt exec ct true
	rt delete -f ct
	expect_no_leftovers ct
}

@test "checkpoint --parent-path must be relative and name a directory" {
	rt run -d -b "$BUNDLE" ct
	run rt checkpoint --parent-path "$PWD/parent" --image-path img ct
	[ "$status" -ne 0 ]
	[[ "$output" == *"--parent-path must be relative"* ]]
	run rt checkpoint --parent-path ./parent --image-path img ct
	[ "$status" -ne 0 ]
	[[ "$output" == "rt: invalid --parent-path: stat $PWD/img/parent: no such file or directory" ]]
	touch img/file
	run rt checkpoint --parent-path file --image-path img ct
	[ "$status" -ne 0 ]
	[[ "$output" == *"invalid --parent-path"*"not a directory"* ]]
	# refused before CRIU ran: no log, the container untouched
	[ ! -e img/dump.log ]
	[ "$(status ct)" = running ]
	rt delete -f ct
}

@test "checkpoint refuses bad options, a created container and an unknown one" {
	rt run -d -b "$BUNDLE" ct
	run rt checkpoint --manage-cgroups-mode bogus --image-path img ct
	[ "$status" -ne 0 ]
	[[ "$output" == *'--manage-cgroups-mode "bogus"'* ]]
	run rt checkpoint --page-server nohost --image-path img ct
	[ "$status" -ne 0 ]
	[[ "$output" == *"--page-server"*"ADDRESS:PORT"* ]]
	run rt checkpoint --empty-ns ipc --image-path img ct
	[ "$status" -ne 0 ]
	[[ "$output" == *"--empty-ns"* ]]
	[ ! -e img/dump.log ]
	[ "$(status ct)" = running ]
	rt delete -f ct

	rt create -b "$BUNDLE" ct2
	run rt checkpoint --image-path img ct2
	[ "$status" -ne 0 ]
	[[ "$output" == *'checkpoint container "ct2": it is created: only a running container can be checkpointed'* ]]
	rt delete -f ct2

	run rt checkpoint nosuch
	[ "$status" -ne 0 ]
	[[ "$output" == *'container "nosuch" does not exist'* ]]
}

@test "a restore that fails leaves no state, cgroup or mount behind" {
	# no image directory
	run rt restore -d -b "$BUNDLE" --image-path missing ct
	[ "$status" -ne 0 ]
	[[ "$output" == *'restore container "ct": image path: open '*"no such file or directory"* ]]
	expect_no_leftovers ct
	# an image directory that no checkpoint wrote
	mkdir img
	run rt restore -d -b "$BUNDLE" --image-path img ct
	[ "$status" -ne 0 ]
	[[ "$output" == *"descriptors.json"* ]]
	expect_no_leftovers ct
	# CRIU itself fails: its error, and rt undoes the cgroup, the state
	# and the bind of the rootfs CRIU was given
	echo '["/dev/null","/dev/null","/dev/null"]' >img/descriptors.json
	run rt restore -d -b "$BUNDLE" --image-path img --work-path work ct
	echo "$output"
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == 'rt: restore container "ct": criu restore failed: Error ('*"(log: $BATS_TEST_TMPDIR/work/restore.log)" ]]
	expect_no_leftovers ct
	! grep -q criu-root /proc/self/mountinfo
}

@test "restore refuses an ID in use and leaves that container alone" {
	rt run -d -b "$BUNDLE" ct
	pid=$(rt state ct | jq -r .pid)
	mkdir img
	echo '[]' >img/descriptors.json
	run rt restore -d -b "$BUNDLE" --image-path img ct
	[ "$status" -ne 0 ]
	[[ "$output" == *'container "ct" already exists'* ]]
	[ "$(status ct)" = running ]
	[ "$(rt state ct | jq -r .pid)" = "$pid" ]
	rt delete -f ct
}

@test "features reports checkpoint support, as runc does, when criu is installed" {
	run rt features
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r '.annotations["org.opencontainers.runc.checkpoint.enabled"]')" = true ]
	# criu is found without PATH too (engines run rt with a bare environment).
	PATH=/nonexistent run "$RT_BIN" features
	[ "$(echo "$output" | jq -r '.annotations["org.opencontainers.runc.checkpoint.enabled"]')" = true ]
	# Where there is no criu, no claim: a /dev/null over it, in a mount
	# namespace of the test's own, is no program.
	local criu
	criu=$(command -v criu)
	run unshare -m sh -c "mount --bind /dev/null '$criu' && '$RT_BIN' features"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r '.annotations["org.opencontainers.runc.checkpoint.enabled"]')" = null ]
}
