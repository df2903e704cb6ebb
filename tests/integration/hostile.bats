#!/usr/bin/env bats
# Malformed and hostile bundles and commands. Every case must fail with a
# non-zero status and exactly one line of error output that names the
# problem, and leave no state dir, cgroup, mount or process behind.

load helpers

setup() {
	setup_rt
	# rt's stdin in every case: each child rt starts inherits it, so a
	# process still holding it afterwards is one rt leaked.
	MARK="$BATS_TEST_TMPDIR/stdin-marker"
	: >"$MARK"
}

teardown() { teardown_rt; }

# no_marked_procs fails if any process still has the marker as its stdin.
no_marked_procs() {
	local left
	left=$(find /proc/[0-9]*/fd/0 -maxdepth 0 -lname "$MARK" 2>/dev/null || true)
	[ -z "$left" ] || { echo "processes left behind: $left" >&2; return 1; }
}

# must_fail ID KEYWORD RT-ARGS...: `rt RT-ARGS` must fail with one line
# that contains KEYWORD (case-insensitive), leaving nothing of ID behind
# (ID "-": a command on an existing container, whose state the caller
# checks).
must_fail() {
	local id=$1 kw=$2
	shift 2
	run rt "$@" <"$MARK"
	echo "rt $*: status $status: $output" >&2
	[ "$status" -ne 0 ]
	[ -n "$output" ]
	[[ "$output" != *$'\n'* ]] || { echo "more than one line of output" >&2; return 1; }
	grep -qiF -- "$kw" <<<"$output" || { echo "output does not name '$kw'" >&2; return 1; }
	[ "$id" = - ] || expect_no_leftovers "$id"
	no_marked_procs
}

# bad_run KEYWORD [JQ-EXPR]: config.json edited with JQ-EXPR must make
# `rt run` fail as must_fail wants.
bad_run() {
	[ -z "${2:-}" ] || update_config "$2"
	must_fail ct1 "$1" run -b "$BUNDLE" ct1
}

# bad_create KEYWORD [JQ-EXPR]: the same for `rt create`.
bad_create() {
	[ -z "${2:-}" ] || update_config "$2"
	must_fail ct1 "$1" create -b "$BUNDLE" ct1
}

# bad_json KEYWORD TEXT: config.json replaced by TEXT.
bad_json() {
	printf '%s' "$2" >"$BUNDLE/config.json"
	must_fail ct1 "$1" run -b "$BUNDLE" ct1
}

# --- the bundle and config.json as a whole --------------------------------

@test "hostile: missing config.json" {
	rm "$BUNDLE/config.json"
	must_fail ct1 "config.json" create -b "$BUNDLE" ct1
}

@test "hostile: config.json is a directory" {
	rm "$BUNDLE/config.json"
	mkdir "$BUNDLE/config.json"
	must_fail ct1 "config.json" create -b "$BUNDLE" ct1
}

@test "hostile: empty config.json" {
	bad_json "config.json" ""
}

@test "hostile: truncated JSON" {
	bad_json "config.json" '{"ociVersion": "1.0.2", "process": {"args": ["sh"'
}

@test "hostile: JSON that is an array" {
	bad_json "config.json" '[1, 2, 3]'
}

@test "hostile: trailing garbage after the JSON" {
	json=$(jq -c . "$BUNDLE/config.json")
	bad_json "config.json" "$json}}"
}

@test "hostile: bundle directory does not exist" {
	must_fail ct1 "config.json" run -b "$BATS_TEST_TMPDIR/no-such-bundle" ct1
}

@test "hostile: process.args is a string" {
	bad_run "process.args" '.process.args = "sh -c true"'
}

@test "hostile: linux.namespaces is an object" {
	bad_run "linux.namespaces" '.linux.namespaces = {"type": "pid"}'
}

@test "hostile: root is a string" {
	bad_run "root" '.root = "rootfs"'
}

@test "hostile: negative uid" {
	bad_run "process.user.uid" '.process.user.uid = -1'
}

@test "hostile: uid or gid 4294967295, which setresuid reads as unchanged: the process would stay root (runc refuses it)" {
	bad_run "would leave the process root" '.process.user.uid = 4294967295'
	bad_run "would leave the process root" '.process.user.uid = 0 | .process.user.gid = 4294967295'
	bad_run "additionalGids" '.process.user.gid = 0 | .process.user.additionalGids = [4294967295]'
}

@test "hostile: memory limit as a string" {
	bad_run "memory.limit" '.linux.resources.memory = {"limit": "1G"}'
}

@test "hostile: missing ociVersion" {
	bad_run "ociVersion" 'del(.ociVersion)'
}

@test "hostile: unsupported ociVersion" {
	bad_run "ociVersion" '.ociVersion = "2.0.0"'
}

@test "hostile: unsupported platform section" {
	bad_run "windows" '.windows = {"layerFolders": ["C:\\x"]}'
}

# --- root ------------------------------------------------------------------

@test "hostile: missing root" {
	bad_run "root.path" 'del(.root)'
}

@test "hostile: nonexistent root.path" {
	bad_run "root.path" '.root.path = "no-such-rootfs"'
}

@test "hostile: root.path outside the bundle that does not exist" {
	bad_run "root.path" '.root.path = "../../../no/such/rootfs"'
}

@test "hostile: root.path is a file" {
	bad_run "root.path" '.root.path = "config.json"'
}

@test "hostile: root.path is a dangling symlink" {
	ln -s /no/such/dir "$BUNDLE/dangling"
	bad_run "root.path" '.root.path = "dangling"'
}

# --- process ---------------------------------------------------------------

@test "hostile: missing process" {
	bad_run "process" 'del(.process)'
}

@test "hostile: empty process.args" {
	bad_run "process.args" '.process.args = []'
}

@test "hostile: empty argv[0]" {
	bad_run "process.args[0]" '.process.args = ["", "x"]'
}

@test "hostile: NUL byte in an argument" {
	bad_run "NUL" '.process.args = ["echo", "a\u0000b"]'
}

@test "hostile: relative cwd" {
	bad_run "process.cwd" '.process.cwd = "tmp"'
}

@test "hostile: cwd below a file" {
	bad_run "process.cwd" '.process.cwd = "/bin/sh/dir"'
}

@test "hostile: env entry without =" {
	bad_run "process.env" '.process.env += ["JUSTAKEY"]'
}

@test "hostile: executable not found" {
	bad_run "no-such-binary" '.process.args = ["no-such-binary"]'
}

# Not errors, as in runc (engines send such configs): one warning line
# each, and the container runs without them (process.bats checks the sets).
@test "hostile: unknown capability is one warning line" {
	update_config '.process.capabilities.bounding += ["CAP_FLY\nrt: forged"]'
	set_cmd true
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *'"CAP_FLY\nrt: forged"'* ]]
	expect_no_leftovers ct1
}

@test "hostile: ambient capability that is not inheritable is one warning line" {
	update_config '.process.capabilities.ambient = ["CAP_KILL"]'
	set_cmd true
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"can't raise ambient capability CAP_KILL"* ]]
	expect_no_leftovers ct1
}

@test "hostile: unknown rlimit" {
	bad_run "RLIMIT_FOO" '.process.rlimits += [{"type": "RLIMIT_FOO", "soft": 1, "hard": 1}]'
}

@test "hostile: rlimit soft above hard" {
	bad_run "soft" '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 2048, "hard": 1024}]'
}

@test "hostile: duplicate rlimit" {
	bad_run "duplicate" '.process.rlimits += [{"type": "RLIMIT_NOFILE", "soft": 10, "hard": 10}]'
}

@test "hostile: hard rlimit above what the host allows" {
	bad_run "RLIMIT_NOFILE" '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": 1073741816}]'
}

@test "hostile: oomScoreAdj out of range" {
	bad_run "oomScoreAdj" '.process.oomScoreAdj = 5000'
}

@test "hostile: umask out of range" {
	bad_run "umask" '.process.user.umask = 4096'
}

@test "hostile: unknown ioPriority class" {
	bad_run "ioPriority" '.process.ioPriority = {"class": "IOPRIO_CLASS_FAST", "priority": 1}'
}

@test "hostile: unknown scheduler policy" {
	bad_run "scheduler" '.process.scheduler = {"policy": "SCHED_TURBO"}'
}

@test "hostile: terminal without a console socket" {
	bad_create "console-socket" '.process.terminal = true'
}

# --- mounts ----------------------------------------------------------------

@test "hostile: relative mount destination with .." {
	bad_run "destination" '.mounts += [{"destination": "../../etc", "type": "tmpfs", "source": "tmpfs"}]'
}

@test "hostile: empty mount destination" {
	bad_run "destination" '.mounts += [{"destination": "", "type": "tmpfs", "source": "tmpfs"}]'
}

@test "hostile: mount without a type" {
	bad_run "type" '.mounts += [{"destination": "/mnt", "source": "tmpfs"}]'
}

@test "hostile: bind mount without a source" {
	bad_run "source" '.mounts += [{"destination": "/mnt", "type": "bind", "options": ["rbind"]}]'
}

@test "hostile: bind mount of a nonexistent source" {
	bad_run "no-such-source" '.mounts += [{"destination": "/mnt", "type": "bind", "source": "/no-such-source", "options": ["rbind"]}]'
}

@test "hostile: unknown filesystem type" {
	bad_run "nosuchfs" '.mounts += [{"destination": "/mnt", "type": "nosuchfs", "source": "x"}]'
}

@test "hostile: no /proc mount: one line naming the step, without a NUL byte" {
	bad_run "/proc/thread-self" 'del(.mounts[] | select(.destination == "/proc"))'
	# (run drops NUL bytes: read the raw output)
	rt run -b "$BUNDLE" ct1 <"$MARK" >"$BATS_TEST_TMPDIR/err" 2>&1 || true
	[ "$(tr -d '\000' <"$BATS_TEST_TMPDIR/err" | wc -c)" -eq "$(wc -c <"$BATS_TEST_TMPDIR/err")" ]
}

@test "hostile: symlinked /proc in the rootfs" {
	rmdir "$BUNDLE/rootfs/proc"
	ln -s /etc "$BUNDLE/rootfs/proc"
	bad_run "proc on /proc"
}

@test "hostile: symlinked /sys in the rootfs" {
	rmdir "$BUNDLE/rootfs/sys"
	ln -s /tmp "$BUNDLE/rootfs/sys"
	bad_run "sysfs on /sys"
}

@test "hostile: symlinked /dev in the rootfs" {
	rmdir "$BUNDLE/rootfs/dev"
	ln -s /tmp "$BUNDLE/rootfs/dev"
	bad_run "tmpfs on /dev"
}

# --- namespaces and id mappings --------------------------------------------

@test "hostile: unknown namespace type" {
	bad_run "namespace" '.linux.namespaces += [{"type": "quantum"}]'
}

@test "hostile: duplicate namespace" {
	bad_run "duplicate" '.linux.namespaces += [{"type": "pid"}]'
}

@test "hostile: relative namespace path" {
	bad_run "path" '.linux.namespaces = [.linux.namespaces[] | if .type == "network" then .path = "proc/1/ns/net" else . end]'
}

@test "hostile: nonexistent namespace path" {
	bad_run "namespace" '.linux.namespaces = [.linux.namespaces[] | if .type == "network" then .path = "/no/such/ns" else . end]'
}

@test "hostile: namespace path that is not a namespace" {
	bad_run "net" '.linux.namespaces = [.linux.namespaces[] | if .type == "network" then .path = "/etc/hostname" else . end]'
}

@test "hostile: namespace path of another type" {
	bad_run "net" '.linux.namespaces = [.linux.namespaces[] | if .type == "network" then .path = "/proc/self/ns/uts" else . end]'
}

@test "hostile: joining the caller's own user namespace" {
	# setns(2) refuses it; the error comes from before Go starts in the child
	bad_run "join namespace" '.linux.namespaces = [.linux.namespaces[] | select(.type != "pid")] + [{"type": "user", "path": "/proc/self/ns/user"}]'
}

@test "hostile: hostname without a uts namespace" {
	bad_run "uts" '.linux.namespaces = [.linux.namespaces[] | select(.type != "uts")]'
}

@test "hostile: user namespace without mappings" {
	bad_run "uidMappings" '.linux.namespaces += [{"type": "user"}]'
}

@test "hostile: overlapping uid mappings" {
	bad_run "overlaps" '.linux.namespaces += [{"type": "user"}] |
		.linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 1000}, {"containerID": 500, "hostID": 200000, "size": 10}] |
		.linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 1000}]'
}

@test "hostile: uid mapping of size 0" {
	bad_run "size" '.linux.namespaces += [{"type": "user"}] |
		.linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 0}] |
		.linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 1}]'
}

@test "hostile: uid mapping past the 32-bit range" {
	bad_run "overflows" '.linux.namespaces += [{"type": "user"}] |
		.linux.uidMappings = [{"containerID": 4294967295, "hostID": 100000, "size": 2}] |
		.linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 1}]'
}

@test "hostile: mappings without a user namespace are ignored with a warning, as runc and crun ignore them" {
	update_config '.linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 1}] | .linux.gidMappings = .linux.uidMappings'
	set_cmd sh -c 'id -u; cat /proc/self/uid_map'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "rt: warn: linux.uidMappings and linux.gidMappings are ignored: there is no user namespace" ]
	[ "${lines[1]}" = 0 ]
	[ "$(echo ${lines[2]})" = "0 0 4294967295" ]
	expect_no_leftovers ct1
}

@test "hostile: timeOffsets without a time namespace" {
	bad_run "timeOffsets" '.linux.timeOffsets = {"monotonic": {"secs": 10}}'
}

# --- linux -----------------------------------------------------------------

@test "hostile: sysctl that is not namespaced" {
	bad_run "kernel.panic" '.linux.sysctl = {"kernel.panic": "10"}'
}

@test "hostile: sysctl key walking out of /proc/sys" {
	bad_run "sysctl" '.linux.sysctl = {"net/../../../etc/passwd": "x"}'
}

@test "hostile: net sysctl without a network namespace" {
	bad_run "network" '.linux.namespaces = [.linux.namespaces[] | select(.type != "network")] | .linux.sysctl = {"net.ipv4.ip_forward": "1"}'
}

@test "hostile: unknown rootfsPropagation" {
	bad_run "rootfsPropagation" '.linux.rootfsPropagation = "sideways"'
}

@test "hostile: relative masked path" {
	bad_run "maskedPaths" '.linux.maskedPaths += ["proc/kcore"]'
}

@test "hostile: unknown personality domain" {
	bad_run "personality" '.linux.personality = {"domain": "LINUX64"}'
}

@test "hostile: cgroupsPath with .." {
	bad_run "cgroupsPath" '.linux.cgroupsPath = "/../../escape"'
}

@test "hostile: device with a relative path" {
	bad_run "linux.devices[0].path" '.linux.devices = [{"path": "etc/evil", "type": "c", "major": 1, "minor": 3}]'
}

@test "hostile: device through a symlink to a host directory" {
	mkdir "$BATS_TEST_TMPDIR/hostdir"
	ln -s "$BATS_TEST_TMPDIR/hostdir" "$BUNDLE/rootfs/evil"
	bad_run "/evil/null" '.linux.devices = [{"path": "/evil/null", "type": "c", "major": 1, "minor": 3}]'
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/hostdir")" ]
}

@test "hostile: unknown device type" {
	bad_run "type" '.linux.devices = [{"path": "/dev/evil", "type": "x", "major": 1, "minor": 3}]'
}

# --- resources -------------------------------------------------------------

@test "hostile: negative memory limit" {
	bad_run "memory.limit" '.linux.resources.memory = {"limit": -5}'
}

@test "hostile: memory limit too big for int64" {
	bad_run "memory.limit" '.linux.resources.memory = {"limit": 1e30}'
}

@test "hostile: memory limit too low to start the container" {
	bad_run "memory.limit" '.linux.resources.memory = {"limit": 4096}'
}

@test "hostile: swap below the memory limit" {
	bad_run "swap" '.linux.resources.memory = {"limit": 104857600, "swap": 1048576}'
}

@test "hostile: swappiness above 100" {
	bad_run "swappiness" '.linux.resources.memory = {"swappiness": 101}'
}

@test "hostile: huge cpu shares" {
	bad_run "cpu.shares" '.linux.resources.cpu = {"shares": 99999999999}'
}

@test "hostile: cpu period out of range" {
	bad_run "cpu.period" '.linux.resources.cpu = {"period": 10000000}'
}

@test "hostile: huge cpuset" {
	bad_run "cpus" '.linux.resources.cpu = {"cpus": "0-99999999999"}'
}

@test "hostile: backwards cpuset range" {
	bad_run "cpus" '.linux.resources.cpu = {"cpus": "3-1"}'
}

@test "hostile: blockIO weight out of range" {
	bad_run "blockIO.weight" '.linux.resources.blockIO = {"weight": 5000}'
}

@test "hostile: bad hugepage size" {
	bad_run "pageSize" '.linux.resources.hugepageLimits = [{"pageSize": "3XB", "limit": 1}]'
}

@test "hostile: unified key walking out of the cgroup" {
	bad_run "unified" '.linux.resources.unified = {"../../cgroup.procs": "1"}'
}

@test "hostile: unified cgroup.procs" {
	bad_run "cgroup.procs" '.linux.resources.unified = {"cgroup.procs": "1"}'
}

@test "hostile: device rule with bad access type" {
	# Access letters other than r, w, m are ignored as runc does (see
	# cgroups.bats); a bad type is still refused.
	bad_run "type" '.linux.resources.devices += [{"allow": true, "type": "x", "access": "rwm"}]'
}

# --- hooks -----------------------------------------------------------------

@test "hostile: relative hook path" {
	bad_run "hooks.createRuntime[0].path" '.hooks.createRuntime = [{"path": "bin/true"}]'
}

@test "hostile: hook that does not exist" {
	bad_run "/no/such/hook" '.hooks.createRuntime = [{"path": "/no/such/hook"}]'
}

@test "hostile: hook that fails" {
	bad_run "createRuntime" '.hooks.createRuntime = [{"path": "/bin/false"}]'
}

@test "hostile: createContainer hook that fails" {
	bad_run "createContainer" '.hooks.createContainer = [{"path": "/bin/false"}]'
}

@test "hostile: hook timeout of zero" {
	bad_run "timeout" '.hooks.poststart = [{"path": "/bin/true", "timeout": 0}]'
}

# --- seccomp ---------------------------------------------------------------

@test "hostile: unknown seccomp action" {
	bad_run "SCMP_ACT_EXPLODE" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_EXPLODE"}]}'
}

@test "hostile: unknown seccomp default action" {
	bad_run "SCMP_ACT_MAYBE" '.linux.seccomp = {"defaultAction": "SCMP_ACT_MAYBE"}'
}

@test "hostile: unknown seccomp architecture" {
	bad_run "SCMP_ARCH_Z80" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_Z80"]}'
}

@test "hostile: unknown seccomp flag" {
	bad_run "SECCOMP_FILTER_FLAG_FAST" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_FAST"]}'
}

@test "hostile: seccomp argument index out of range" {
	bad_run "index" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["personality"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]}'
}

@test "hostile: unknown seccomp operator" {
	bad_run "SCMP_CMP_LIKE" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["personality"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_LIKE"}]}]}'
}

@test "hostile: seccomp notify without a listener path" {
	bad_run "listenerPath" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}'
}

@test "hostile: seccomp listener that nobody listens on" {
	bad_run "seccomp" ".linux.seccomp = {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"$BATS_TEST_TMPDIR/nobody.sock\", \"syscalls\": [{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}"
}

@test "hostile: errnoRet on an allow rule" {
	bad_run "errno" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ALLOW", "errnoRet": 1}]}'
}

@test "hostile: seccomp rule without names" {
	bad_run "names" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": [], "action": "SCMP_ACT_ERRNO"}]}'
}

# --- IDs and the command line ----------------------------------------------

@test "hostile: ID with a slash" {
	must_fail "../escape" "container id" create -b "$BUNDLE" "../escape"
	[ ! -e "$BATS_TEST_TMPDIR/escape" ]
}

@test "hostile: ID .." {
	must_fail ".." "container id" create -b "$BUNDLE" ".."
}

@test "hostile: empty ID" {
	must_fail "" "container id" create -b "$BUNDLE" ""
}

@test "hostile: ID with a newline" {
	must_fail "x" "container id" create -b "$BUNDLE" $'x\nrt: fake log line'
}

@test "hostile: 2000-byte ID" {
	id=$(printf 'a%.0s' $(seq 2000))
	must_fail "$id" "container id" create -b "$BUNDLE" "$id"
}

@test "hostile: create with two IDs" {
	must_fail ct1 "container ID" create -b "$BUNDLE" ct1 ct2
}

@test "hostile: run without an ID" {
	must_fail ct1 "run" run
}

@test "hostile: unknown command" {
	must_fail ct1 "frobnicate" frobnicate ct1
}

@test "hostile: unknown flag" {
	must_fail ct1 "no-such-flag" run --no-such-flag -b "$BUNDLE" ct1
}

@test "hostile: unknown log format" {
	must_fail ct1 "log-format" --log-format yaml state ct1
}

@test "hostile: pid file in a directory that does not exist" {
	must_fail ct1 "pid" create -b "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/no/such/dir/pid" ct1
}

@test "hostile: negative --preserve-fds" {
	must_fail ct1 "preserve-fds" run --preserve-fds -1 -b "$BUNDLE" ct1
}

@test "hostile: --preserve-fds claiming fds that were not passed" {
	# rt's own fds (lock, binary, sockets) sit at those numbers: none may leak
	must_fail ct1 "was not passed" run --preserve-fds 40 -b "$BUNDLE" ct1
	set_cmd sleep 100
	rt run -d -b "$BUNDLE" ct1
	must_fail - "was not passed" exec --preserve-fds 40 ct1 true
	rt delete -f ct1
	expect_no_leftovers ct1
}

@test "hostile: console socket that does not exist" {
	update_config '.process.terminal = true'
	must_fail ct1 "console" create -b "$BUNDLE" --console-socket "$BATS_TEST_TMPDIR/no.sock" ct1
}

@test "hostile: commands on a container that does not exist" {
	must_fail ghost "does not exist" state ghost
	must_fail ghost "does not exist" start ghost
	must_fail ghost "does not exist" kill ghost KILL
	must_fail ghost "does not exist" delete ghost
	must_fail ghost "does not exist" exec ghost true
}

# --- commands in the wrong state -------------------------------------------

@test "hostile: wrong-state commands on a created container" {
	set_cmd sleep 100
	rt create -b "$BUNDLE" ct1
	must_fail - "already exists" create -b "$BUNDLE" ct1
	must_fail - "not paused" resume ct1
	must_fail - "SIGFOO" kill ct1 SIGFOO
	must_fail - "999" kill ct1 999
	must_fail - "signal" kill ct1 ''
	[ "$(status ct1)" = created ]
	rt delete -f ct1
	expect_no_leftovers ct1
}

@test "hostile: wrong-state commands on a running container" {
	set_cmd sleep 100
	rt run -d -b "$BUNDLE" ct1
	must_fail - "not created" start ct1
	must_fail - "running" delete ct1
	must_fail - "not paused" resume ct1
	must_fail - "exec" exec ct1
	must_fail - "no-such-binary" exec ct1 no-such-binary
	must_fail - "CAP_FLY" exec --cap CAP_FLY ct1 true
	must_fail - "additional-gids" exec -g notanumber ct1 true
	must_fail - "no-such.json" exec --process "$BATS_TEST_TMPDIR/no-such.json" ct1
	echo '{"args": [' >"$BATS_TEST_TMPDIR/bad.json"
	must_fail - "bad.json" exec --process "$BATS_TEST_TMPDIR/bad.json" ct1
	echo '{"args": [], "cwd": "/"}' >"$BATS_TEST_TMPDIR/empty.json"
	must_fail - "process.args" exec --process "$BATS_TEST_TMPDIR/empty.json" ct1
	# An unknown capability in a process file is a warning, as in runc's
	# config: the process runs without it.
	echo '{"args": ["true"], "cwd": "/", "capabilities": {"bounding": ["CAP_FLY"]}}' >"$BATS_TEST_TMPDIR/caps.json"
	run rt exec --process "$BATS_TEST_TMPDIR/caps.json" ct1
	[ "$status" -eq 0 ]
	[[ "$output" == *CAP_FLY* ]]
	echo '{"args": ["true"], "cwd": "/", "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 20, "hard": 10}]}' >"$BATS_TEST_TMPDIR/rl.json"
	must_fail - "soft" exec --process "$BATS_TEST_TMPDIR/rl.json" ct1
	must_fail - "cwd" exec --cwd relative/dir ct1 true
	must_fail - "cwd" exec --cwd /no/such/dir ct1 true
	must_fail - "user" exec --user nobody:x ct1 true
	[ "$(status ct1)" = running ]
	rt delete -f ct1
	expect_no_leftovers ct1
}

@test "hostile: wrong-state commands on a paused container" {
	set_cmd sleep 100
	rt run -d -b "$BUNDLE" ct1
	rt pause ct1
	must_fail - "already paused" pause ct1
	must_fail - "paused" start ct1
	must_fail - "paused" delete ct1
	[ "$(status ct1)" = paused ]
	rt resume ct1
	rt delete -f ct1
	expect_no_leftovers ct1
}

@test "hostile: wrong-state commands on a stopped container" {
	set_cmd true
	rt create -b "$BUNDLE" ct1
	rt start ct1
	wait_status ct1 stopped
	must_fail - "stopped" start ct1
	must_fail - "stopped" exec ct1 true
	must_fail - "not running" kill ct1 TERM
	must_fail - "stopped" pause ct1
	must_fail - "not paused" resume ct1
	[ "$(status ct1)" = stopped ]
	rt delete ct1
	expect_no_leftovers ct1
}

@test "hostile: a damaged state.json is an error, not a crash" {
	set_cmd sleep 100
	rt create -b "$BUNDLE" ct1
	cp "$ROOT/ct1/state.json" "$BATS_TEST_TMPDIR/state.json"
	for bad in 'garbage' '{}' 'null' '{"id": "other", "pid": 1}'; do
		echo "$bad" >"$ROOT/ct1/state.json"
		must_fail - "state.json" state ct1
		must_fail - "state.json" start ct1
		must_fail - "state.json" kill ct1 KILL
		must_fail - "state.json" delete -f ct1
		must_fail - "state.json" exec ct1 true
	done
	# A pid without its start time is not taken for the container's init.
	echo '{"ociVersion": "1.0.2", "id": "ct1", "pid": 1, "status": "running"}' >"$ROOT/ct1/state.json"
	[ "$(status ct1)" = stopped ]
	must_fail - "not running" kill ct1 KILL
	cp "$BATS_TEST_TMPDIR/state.json" "$ROOT/ct1/state.json"
	[ "$(status ct1)" = created ]
	rt delete -f ct1
	expect_no_leftovers ct1
}

# --- mounts that try to land outside the rootfs ----------------------------

@test "hostile: mount destinations through symlinks to host paths stay inside the rootfs" {
	host="$BATS_TEST_TMPDIR/hostdir"
	mkdir -p "$host" "$BATS_TEST_TMPDIR/src"
	echo secret >"$BATS_TEST_TMPDIR/src/file"
	# An absolute link, a relative one climbing past the root, and a link
	# in the middle of the destination.
	ln -s "$host" "$BUNDLE/rootfs/abs"
	ln -s "../../../../../../../../..$host" "$BUNDLE/rootfs/rel"
	mkdir -p "$BUNDLE/rootfs/mid"
	ln -s "$host" "$BUNDLE/rootfs/mid/link"
	update_config ".mounts += [
		{\"destination\": \"/abs\", \"type\": \"tmpfs\", \"source\": \"tmpfs\"},
		{\"destination\": \"/rel/sub\", \"type\": \"tmpfs\", \"source\": \"tmpfs\"},
		{\"destination\": \"/mid/link/bound\", \"type\": \"bind\", \"source\": \"$BATS_TEST_TMPDIR/src\", \"options\": [\"rbind\"]}]"
	set_cmd sh -c 'touch /abs/a /rel/sub/b 2>/dev/null; cat /mid/link/bound/file 2>/dev/null; true'
	run rt run -b "$BUNDLE" ct1 <"$MARK"
	echo "$output"
	# Either refused in one line, or contained: the bind is seen through
	# the link inside the container...
	if [ "$status" -eq 0 ]; then
		[ "$output" = secret ]
	else
		[ "${#lines[@]}" -eq 1 ]
	fi
	# ...and no mount point was made on the host.
	[ -z "$(ls -A "$host")" ]
	expect_no_leftovers ct1
	no_marked_procs
}
