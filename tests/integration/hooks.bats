#!/usr/bin/env bats
# The OCI lifecycle hooks: when each kind runs, what it gets (state on
# stdin, args, env), in which namespaces, and what a failing or slow hook
# does to the container.

load helpers

setup() {
	setup_rt
	OUT="$BATS_TEST_TMPDIR/out"
	LOG="$OUT/log"
	mkdir -p "$OUT" "$BUNDLE/rootfs/out"
	# /out in the container is $OUT: hooks inside and outside share $LOG
	update_config ".mounts += [{destination: \"/out\", type: \"bind\", source: \"$OUT\", options: [\"rbind\", \"rw\"]}]"
	# A host-side hook: logs its name, argc, HOOKENV, what it sees of the
	# system and the state it got, and fails or sleeps when asked to.
	cat >"$BATS_TEST_TMPDIR/hook" <<-EOF
		#!/bin/bash
		state=\$(cat)
		echo "\$1 argc=\$# env=\$HOOKENV path=\$PATH mnt=\$(readlink /proc/self/ns/mnt) uts=\$(readlink /proc/self/ns/uts) \$(echo "\$state" | jq -c '{id, pid, status, bundle}')" >>"$LOG"
		case "\$2" in
		fail) echo "hook \$1 says no" >&2; exit 7 ;;
		sleep) sleep 30 ;;
		esac
		exit 0
	EOF
	chmod +x "$BATS_TEST_TMPDIR/hook"
	# The same for startContainer, which runs inside the container: a
	# busybox script that keeps the raw state.
	cat >"$BUNDLE/rootfs/bin/hook" <<-'EOF'
		#!/bin/sh
		cat >/out/$1.json
		echo "$1 argc=$# env=$HOOKENV mnt=$(readlink /proc/self/ns/mnt) uts=$(readlink /proc/self/ns/uts) ran=$(cat /tmp/ran 2>/dev/null)" >>/out/log
		[ "$2" != fail ] || { echo "hook $1 says no" >&2; exit 7; }
	EOF
	chmod +x "$BUNDLE/rootfs/bin/hook"
}
teardown() { teardown_rt; }

# add_hook KIND [MODE] [JQ-EXTRA]: appends a hook of KIND; MODE is passed as
# its second argument (fail, sleep or ok).
add_hook() {
	local kind=$1 mode=${2:-ok} extra=${3:-} path="$BATS_TEST_TMPDIR/hook"
	[ "$kind" = startContainer ] && path=/bin/hook
	update_config ".hooks.$kind += [{path: \"$path\", args: [\"hook\", \"$kind\", \"$mode\"],
		env: [\"HOOKENV=v-$kind\", \"PATH=/usr/bin:/bin\"]} $extra]"
}

log_line() { grep "^$1 " "$LOG"; }

@test "every kind runs once, in order, with args, env and the state on stdin" {
	for k in prestart createRuntime createContainer startContainer poststart poststop; do
		add_hook "$k"
	done
	# the process marks that it ran: startContainer must come before it
	set_cmd sh -c 'echo yes >/tmp/ran; sleep 100'
	rt create -b "$BUNDLE" ct1
	pid=$(rt state ct1 | jq .pid)
	cat "$LOG"
	[ "$(cut -d' ' -f1 "$LOG" | tr '\n' ' ')" = "prestart createRuntime createContainer " ]
	for k in prestart createRuntime createContainer; do
		log_line $k | grep -F "argc=2 env=v-$k path=/usr/bin:/bin "
		log_line $k | grep -F "{\"id\":\"ct1\",\"pid\":$pid,\"status\":\"creating\",\"bundle\":\"$BUNDLE\"}"
	done
	rt start ct1
	[ "$(cut -d' ' -f1 "$LOG" | tr '\n' ' ')" = "prestart createRuntime createContainer startContainer poststart " ]
	# startContainer ran in the container, before the process did
	log_line startContainer | grep -F "argc=2 env=v-startContainer "
	log_line startContainer | grep -E ' ran=$'
	jq -e ".id == \"ct1\" and .pid == $pid and .status == \"created\" and .bundle == \"$BUNDLE\"" "$OUT/startContainer.json"
	log_line poststart | grep -F "{\"id\":\"ct1\",\"pid\":$pid,\"status\":\"running\",\"bundle\":\"$BUNDLE\"}"
	rt kill ct1 KILL
	wait_status ct1 stopped
	[ "$(grep -c . "$LOG")" -eq 5 ]
	rt delete ct1
	log_line poststop | grep -F "\"id\":\"ct1\""
	log_line poststop | grep -F "\"status\":\"stopped\""
	[ "$(grep -c . "$LOG")" -eq 6 ]
}

@test "the hooks rt runs itself run in the bundle directory, whatever the caller's (runc, crun)" {
	local k
	for k in prestart createRuntime poststart poststop; do
		update_config ".hooks.$k += [{path: \"/bin/sh\", args: [\"sh\", \"-c\", \"echo $k \$(pwd) >>$LOG\"]}]"
	done
	set_cmd true
	# run, and create, start and delete each from another directory.
	(cd / && rt run -b "$BUNDLE" ct1)
	(cd "$BATS_TEST_TMPDIR" && rt create -b "$BUNDLE" ct2)
	(cd "$OUT" && rt start ct2)
	wait_status ct2 stopped
	(cd /tmp && rt delete ct2)
	cat "$LOG"
	[ "$(grep -c . "$LOG")" -eq 8 ]
	[ "$(grep -cv " $BUNDLE$" "$LOG")" -eq 0 ]
}

@test "startContainer hooks run with the process's user and capabilities, set at create (as runc)" {
	chmod 777 "$OUT"
	update_config '.process.user = {uid: 1000, gid: 1001}
		| .process.capabilities = {bounding: ["CAP_KILL", "CAP_CHOWN"], effective: ["CAP_KILL"], permitted: ["CAP_KILL"]}
		| .hooks.startContainer = [{path: "/bin/sh", args: ["sh", "-c",
			"{ id; grep -E \"^(CapBnd|NoNewPrivs):\" /proc/self/status; } >/out/creds"]}]'
	set_cmd true
	rt run -b "$BUNDLE" ct1
	cat "$OUT/creds"
	grep -q '^uid=1000 gid=1001' "$OUT/creds"
	grep -qx $'CapBnd:\t0000000000000021' "$OUT/creds"
	grep -qx $'NoNewPrivs:\t1' "$OUT/creds"
	expect_no_leftovers ct1
}

@test "createContainer and startContainer run in the container's namespaces, the others on the host" {
	for k in prestart createRuntime createContainer startContainer poststart poststop; do
		add_hook "$k"
	done
	set_cmd sleep 100
	rt run -d -b "$BUNDLE" ct1
	pid=$(rt state ct1 | jq .pid)
	ctmnt=$(readlink /proc/$pid/ns/mnt)
	ctuts=$(readlink /proc/$pid/ns/uts)
	hostmnt=$(readlink /proc/self/ns/mnt)
	hostuts=$(readlink /proc/self/ns/uts)
	[ "$ctmnt" != "$hostmnt" ] && [ "$ctuts" != "$hostuts" ]
	rt delete -f ct1
	cat "$LOG"
	for k in createContainer startContainer; do
		log_line $k | grep -F "mnt=$ctmnt uts=$ctuts "
	done
	for k in prestart createRuntime poststart poststop; do
		log_line $k | grep -F "mnt=$hostmnt uts=$hostuts "
	done
}

@test "createContainer paths resolve on the host, startContainer paths in the container" {
	# /bin/hook exists only in the container's rootfs
	update_config ".hooks.createContainer = [{path: \"/bin/hook\", args: [\"hook\", \"createContainer\"]}]"
	run rt create -b "$BUNDLE" ct1
	[ "$status" -ne 0 ]
	[[ "$output" == *createContainer*"/bin/hook"* ]]
	expect_no_leftovers ct1
	# and the host's hook does not exist in the container
	update_config "del(.hooks) | .hooks.startContainer = [{path: \"$BATS_TEST_TMPDIR/hook\", args: [\"hook\", \"startContainer\"]}]"
	set_cmd true
	rt create -b "$BUNDLE" ct1
	run rt start ct1
	[ "$status" -ne 0 ]
	[[ "$output" == *startContainer*"$BATS_TEST_TMPDIR/hook"* ]]
	rt delete -f ct1
}

@test "a failing createRuntime hook aborts create with its message and leaves nothing" {
	add_hook createRuntime fail
	add_hook createContainer
	run rt create -b "$BUNDLE" ct1
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *createRuntime*"exit status 7"*"hook createRuntime says no"* ]]
	expect_no_leftovers ct1
	# later hooks never ran
	[ "$(cut -d' ' -f1 "$LOG")" = createRuntime ]
}

@test "failing prestart and createContainer hooks abort create and leave nothing" {
	for k in prestart createContainer; do
		update_config 'del(.hooks)'
		add_hook "$k" fail
		run rt create -b "$BUNDLE" ct1
		[ "$status" -ne 0 ]
		[[ "$output" == *"$k"*"hook $k says no"* ]]
		expect_no_leftovers ct1
	done
}

@test "a failing startContainer hook fails start and the process never runs" {
	add_hook startContainer fail
	set_cmd sh -c 'echo ran >/out/process'
	rt create -b "$BUNDLE" ct1
	run rt start ct1
	[ "$status" -ne 0 ]
	[[ "$output" == *startContainer*"hook startContainer says no"* ]]
	[ ! -e "$OUT/process" ]
	[ "$(status ct1)" = stopped ]
	rt delete ct1
	expect_no_leftovers ct1
}

@test "a hook that outlives its timeout is killed and create fails" {
	add_hook createRuntime sleep ' | .timeout = 1'
	run rt create -b "$BUNDLE" ct1
	[ "$status" -ne 0 ]
	[[ "$output" == *createRuntime*"timed out"* ]]
	expect_no_leftovers ct1
	# the hook's sleep died with it
	! pgrep -f "$BATS_TEST_TMPDIR/hook"
}

@test "a failing poststart hook fails start, stops and destroys the container, then poststop hooks run (runtime-spec 1.3)" {
	add_hook poststart fail
	add_hook poststart
	add_hook poststop
	set_cmd sleep 100
	rt create -b "$BUNDLE" ct1
	pid=$(rt state ct1 | jq .pid)
	run rt start ct1
	echo "$output"
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "rt: error running poststart hook #0: $BATS_TEST_TMPDIR/hook: exit status 7: hook poststart says no" ]]
	# Step 12 (destroyed) and 13 (poststop); the poststart after the
	# failing one never ran.
	run rt state ct1
	[ "$status" -ne 0 ]
	[[ "$output" == *"does not exist"* ]]
	expect_no_leftovers ct1
	[ "$(cut -d' ' -f1 "$LOG" | tr '\n' ' ')" = "poststart poststop " ]
	! kill -0 "$pid" 2>/dev/null || [ "$(awk '{print $3}' /proc/"$pid"/stat)" = Z ]
	# An engine's delete --force afterwards is not an error.
	rt delete -f ct1

	# rt run: the same, and the process's status is not taken for the error.
	: >"$LOG"
	set_cmd sh -c 'echo process ran; sleep 100'
	run rt run -b "$BUNDLE" ct1
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"rt: error running poststart hook #0: "* ]]
	expect_no_leftovers ct1
	[ "$(cut -d' ' -f1 "$LOG" | tr '\n' ' ')" = "poststart poststop " ]
}

@test "failing poststop hooks only warn, and the hooks after them still run" {
	add_hook poststop fail
	add_hook poststop
	set_cmd sleep 100
	rt run -d -b "$BUNDLE" ct1
	run rt delete -f ct1
	[ "$status" -eq 0 ]
	[[ "$output" == *poststop*"hook poststop says no"* ]]
	expect_no_leftovers ct1
	[ "$(cut -d' ' -f1 "$LOG" | tr '\n' ' ')" = "poststop poststop " ]
}

@test "run in the foreground runs every hook, poststop after the process exits" {
	for k in prestart createRuntime createContainer startContainer poststart poststop; do
		add_hook "$k"
	done
	set_cmd sh -c 'echo process >>/out/log'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	cat "$LOG"
	# poststart may race the short process; poststop is last
	[ "$(cut -d' ' -f1 "$LOG" | head -4 | tr '\n' ' ')" = "prestart createRuntime createContainer startContainer " ]
	[ "$(tail -1 "$LOG" | cut -d' ' -f1)" = poststop ]
	[ "$(grep -c . "$LOG")" -eq 7 ]
	expect_no_leftovers ct1
}

@test "a startContainer hook without env gets the process's, one with env keeps its own" {
	cat >"$BUNDLE/rootfs/bin/envhook" <<-'EOF2'
		#!/bin/sh
		echo "$1 ONE=${ONE:-unset} HOME=${HOME:-unset} PATH=${PATH:-unset} HOOKENV=${HOOKENV:-unset}" >>/out/log
	EOF2
	chmod +x "$BUNDLE/rootfs/bin/envhook"
	update_config '.process.env = ["ONE=two", "PATH=/bin:/usr/bin"] |
		.hooks.startContainer = [{path: "/bin/envhook", args: ["envhook", "inherit"]},
			{path: "/bin/envhook", args: ["envhook", "own"], env: ["HOOKENV=mine"]}]'
	set_cmd true
	rt run -b "$BUNDLE" ct1
	cat "$LOG"
	# HOME comes from the container's /etc/passwd, as for the process
	log_line inherit | grep -Fx "inherit ONE=two HOME=/root PATH=/bin:/usr/bin HOOKENV=unset"
	# (busybox sh makes up a PATH of its own when it has none)
	log_line own | grep -E "^own ONE=unset HOME=unset PATH=[^ ]+ HOOKENV=mine$"
	run ! grep -F "PATH=/bin:/usr/bin " <<<"$(log_line own)"
	expect_no_leftovers ct1
}

@test "runtime-side hooks without env get the environment of the rt command that runs them (runc, crun)" {
	cat >"$BATS_TEST_TMPDIR/envhook" <<-EOF2
		#!/bin/sh
		echo "\$1 CALLER=\${CALLER:-unset} PATH=\${PATH:-unset} ONE=\${ONE:-unset} _RT_INIT=\${_RT_INIT:-unset}" >>"$LOG"
	EOF2
	chmod +x "$BATS_TEST_TMPDIR/envhook"
	local k jq='.process.env = ["ONE=two"]'
	for k in prestart createRuntime createContainer poststart poststop; do
		jq="$jq | .hooks.$k = [{path: \"$BATS_TEST_TMPDIR/envhook\", args: [\"envhook\", \"$k\"]}]"
	done
	update_config "$jq"
	set_cmd sleep 100
	# Each command's own: create's for the create-time hooks, start's for
	# poststart, delete's for poststop.
	CALLER=create rt create -b "$BUNDLE" ct1
	CALLER=start rt start ct1
	CALLER=delete rt delete -f ct1
	cat "$LOG"
	for k in prestart createRuntime createContainer; do
		log_line $k | grep -Fx "$k CALLER=create PATH=$PATH ONE=unset _RT_INIT=unset"
	done
	log_line poststart | grep -Fx "poststart CALLER=start PATH=$PATH ONE=unset _RT_INIT=unset"
	log_line poststop | grep -Fx "poststop CALLER=delete PATH=$PATH ONE=unset _RT_INIT=unset"
	expect_no_leftovers ct1
}

@test "createContainer hooks run in the rootfs, startContainer hooks in the process's cwd" {
	update_config ".hooks.createContainer = [{path: \"/bin/sh\", args: [\"sh\", \"-c\", \"echo createContainer cwd=\$(pwd) >>$LOG\"]}] |
		.hooks.startContainer = [{path: \"/bin/sh\", args: [\"sh\", \"-c\", \"echo startContainer cwd=\$(pwd) >>/out/log\"]}] |
		.process.cwd = \"/tmp\""
	set_cmd true
	rt run -b "$BUNDLE" ct1
	cat "$LOG"
	log_line createContainer | grep -Fx "createContainer cwd=$BUNDLE/rootfs"
	log_line startContainer | grep -Fx "startContainer cwd=/tmp"
	expect_no_leftovers ct1
}

@test "hook failures read as runc's: error running KIND hook #N" {
	for k in prestart createRuntime createContainer startContainer; do
		update_config "del(.hooks) | .hooks.$k = [{path: \"/bin/true\"}, {path: \"/bin/false\"}]"
		set_cmd echo process ran
		run rt run -b "$BUNDLE" ct1
		echo "$output"
		[ "$status" -ne 0 ]
		[[ "$output" == *"error running $k hook #1: /bin/false: exit status 1"* ]]
		[[ "$output" != *"process ran"* ]]
		expect_no_leftovers ct1
	done
}
