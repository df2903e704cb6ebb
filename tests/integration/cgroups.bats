#!/usr/bin/env bats
# linux.resources land in the cgroup files and are enforced; cgroupsPath
# forms; exec --cgroup; a pure cgroup v1 view; --systemd-cgroup.

load helpers

setup() {
	setup_rt
	set_cmd sleep 1000
	DEFAULT_ID="rt-dflt-$$-$BATS_TEST_NUMBER"
}

teardown() {
	local leak=""
	# /rt/<id> (empty cgroupsPath) is outside $CG_PARENT: check it here.
	for d in /sys/fs/cgroup/*/rt/"$DEFAULT_ID"; do
		[ -d "$d" ] && leak="$leak $d" && rmdir "$d"
	done
	teardown_rt
	[ -z "$leak" ] || { echo "leaked:$leak" >&2; return 1; }
}

# state_paths ID: the container's cgroup directories from its state.json.
state_paths() {
	jq -r '.cgroupPaths | to_entries[] | .value' "$ROOT/$1/state.json" | sort -u
}

@test "memory limit, reservation and swap land in the memory cgroup" {
	update_config '.linux.resources.memory = {"limit": 67108864, "reservation": 33554432, "swap": 100663296}'
	rt run -d -b "$BUNDLE" ct
	[ "$(cg_file memory memory.limit_in_bytes)" = 67108864 ]
	[ "$(cg_file memory memory.soft_limit_in_bytes)" = 33554432 ]
	if [ -e /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes ]; then
		[ "$(cg_file memory memory.memsw.limit_in_bytes)" = 100663296 ]
	fi
	# the init really is in that cgroup
	pid=$(rt state ct | jq -r .pid)
	grep -qx "[0-9]*:memory:$CG_PARENT/ct" /proc/$pid/cgroup
	rt delete -f ct
	expect_no_leftovers ct
}

@test "a memory limit is enforced: the process over it is OOM-killed" {
	update_config '.linux.resources.memory = {"limit": 33554432, "swap": 33554432}'
	rt run -d -b "$BUNDLE" ct
	# dd fills a 64 MiB buffer: twice the limit
	run rt exec ct dd if=/dev/zero of=/dev/null bs=64M count=1
	[ "$status" -eq 137 ]
	grep -qx 'oom_kill [1-9][0-9]*' /sys/fs/cgroup/memory$CG_PARENT/ct/memory.oom_control
	# a small allocation still works
	rt exec ct dd if=/dev/zero of=/dev/null bs=1M count=1
	rt delete -f ct
}

# docs/design.md "Resource accounting of rt itself": rt's set-up is not
# charged to the container as a second Go process would be (runc's init
# fails under 10 MiB and an exec with pids.max=1).
@test "rt's set-up fits in 384 KiB and one pid: run, and exec into such a container" {
	update_config '.linux.resources.memory = {"limit": 393216} | .linux.resources.pids = {"limit": 1}'
	set_cmd true
	rt run -b "$BUNDLE" ct1
	expect_no_leftovers ct1
	set_cmd sleep 1000
	rt run -d -b "$BUNDLE" ct
	[ "$(cg_file memory memory.limit_in_bytes)" = 393216 ]
	[ "$(cg_file pids pids.max)" = 1 ]
	run rt exec ct echo exec-ok
	[ "$status" -eq 0 ]
	[ "$output" = exec-ok ]
	rt delete -f ct
	expect_no_leftovers ct
}

@test "cpu shares, quota, period and cpuset land and the process sees the cpuset" {
	update_config '.linux.resources.cpu = {"shares": 512, "quota": 50000, "period": 200000, "cpus": "0", "mems": "0"}'
	rt run -d -b "$BUNDLE" ct
	[ "$(cg_file cpu cpu.shares)" = 512 ]
	[ "$(cg_file cpu cpu.cfs_quota_us)" = 50000 ]
	[ "$(cg_file cpu cpu.cfs_period_us)" = 200000 ]
	[ "$(cg_file cpuset cpuset.cpus)" = 0 ]
	[ "$(cg_file cpuset cpuset.mems)" = 0 ]
	run rt exec ct grep Cpus_allowed_list /proc/self/status
	[ "$status" -eq 0 ]
	[[ "$output" =~ Cpus_allowed_list:[[:space:]]+0$ ]]
	rt delete -f ct
	expect_no_leftovers ct
}

@test "pids limit lands and forks stop at it" {
	update_config '.linux.resources.pids = {"limit": 10}'
	rt run -d -b "$BUNDLE" ct
	[ "$(cg_file pids pids.max)" = 10 ]
	# 30 background sleeps: the fork beyond the limit fails
	run rt exec ct sh -c 'for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30; do sleep 1000 >/dev/null 2>&1 & done; echo all forked'
	[ "$status" -ne 0 ]
	[[ "$output" == *"can't fork"* ]]
	[[ "$output" != *"all forked"* ]]
	[ "$(cg_file pids pids.current)" -le 10 ]
	grep -qx 'max [1-9][0-9]*' /sys/fs/cgroup/pids$CG_PARENT/ct/pids.events
	rt delete -f ct
	expect_no_leftovers ct
}

@test "pids limit 0 means 1, as in runc" {
	update_config '.linux.resources.pids = {"limit": 0}'
	rt run -d -b "$BUNDLE" ct
	[ "$(cg_file pids pids.max)" = 1 ]
	# nothing more can be forked (an exec'd process is moved in, not forked)
	run rt exec ct sh -c 'sleep 1 & wait'
	[ "$status" -ne 0 ]
	[[ "$output" == *"can't fork"* ]]
	rt delete -f ct
	expect_no_leftovers ct
}

@test "blkio weight lands in the blkio cgroup" {
	# The weight files exist only with a proportional I/O scheduler (BFQ).
	[ -e /sys/fs/cgroup/blkio/blkio.weight ] || [ -e /sys/fs/cgroup/blkio/blkio.bfq.weight ] ||
		skip "no blkio weight on this host (no BFQ or CFQ I/O scheduler)"
	update_config '.linux.resources.blockIO = {"weight": 300}'
	rt run -d -b "$BUNDLE" ct
	d=/sys/fs/cgroup/blkio$CG_PARENT/ct
	f=$d/blkio.weight
	[ -e "$f" ] || f=$d/blkio.bfq.weight
	[ "$(cat "$f")" = 300 ] || [ "$(cat "$f")" = "default 300" ]
	rt delete -f ct
}

# Docker 20.10's linux.resources (daemon/oci_linux.go WithResources) for
# `docker run -m 64m --memory-swappiness 10 --pids-limit 50 --cpus 0.5`:
# the fields left alone are there too, as 0 or false.
DOCKER_RESOURCES='{"devices": [{"allow": false, "access": "rwm"},
	{"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"},
	{"allow": true, "type": "c", "major": 1, "minor": 5, "access": "rwm"},
	{"allow": true, "type": "c", "major": 136, "access": "rwm"}],
	"memory": {"limit": 67108864, "swap": 134217728, "swappiness": 10, "disableOOMKiller": false},
	"cpu": {"shares": 0, "quota": 50000, "period": 100000},
	"pids": {"limit": 50},
	"blockIO": {"weight": 0}}'

@test "Docker's resource block: the container runs, 0 and false are unset, the rest lands" {
	update_config ".linux.resources = $DOCKER_RESOURCES"
	rt run -d -b "$BUNDLE" ct
	rt exec ct true
	[ "$(cg_file memory memory.limit_in_bytes)" = 67108864 ]
	[ "$(cg_file memory memory.swappiness)" = 10 ]
	grep -qx 'oom_kill_disable 0' "/sys/fs/cgroup/memory$CG_PARENT/ct/memory.oom_control"
	[ "$(cg_file cpu cpu.cfs_quota_us)" = 50000 ]
	[ "$(cg_file cpu cpu.cfs_period_us)" = 100000 ]
	[ "$(cg_file pids pids.max)" = 50 ]
	# shares 0 left the kernel's default; weight 0 asked for no weight file
	[ "$(cg_file cpu cpu.shares)" = 1024 ]
	if [ -e "/sys/fs/cgroup/memory$CG_PARENT/ct/memory.memsw.limit_in_bytes" ]; then
		[ "$(cg_file memory memory.memsw.limit_in_bytes)" = 134217728 ]
	fi
	rt delete -f ct
	expect_no_leftovers ct
}

@test "Docker's block without flags, and every unset spelling of every field, leave the files alone" {
	# As Docker 20.10 writes it for a plain `docker run`.
	update_config '.linux.resources = {"devices": [{"allow": false, "access": "rwm"}],
		"memory": {"disableOOMKiller": false}, "cpu": {"shares": 0}, "blockIO": {"weight": 0}}'
	rt run -d -b "$BUNDLE" ct
	rt exec ct true
	[ "$(cg_file memory memory.limit_in_bytes)" = "$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)" ]
	[ "$(cg_file cpu cpu.shares)" = 1024 ]
	[ "$(cg_file pids pids.max)" = max ]
	rt delete -f ct
	# What runc reads as unset, everywhere at once. -1 swappiness is
	# 2^64-1 in the spec's uint64, which jq would round: sed writes it.
	update_config '.linux.resources = {"memory": {"limit": 0, "reservation": 0, "swap": 0, "kernel": 0, "kernelTCP": 0,
			"swappiness": "MINUS-ONE", "disableOOMKiller": false, "checkBeforeUpdate": false},
		"cpu": {"shares": 0, "quota": 0, "period": 0, "realtimeRuntime": 0, "realtimePeriod": 0, "cpus": "", "mems": ""},
		"blockIO": {"weight": 0, "leafWeight": 0, "weightDevice": [{"major": 8, "minor": 0, "weight": 0, "leafWeight": 0}]},
		"network": {"classID": 0}, "unified": {}}'
	sed -i 's/"MINUS-ONE"/18446744073709551615/' "$BUNDLE/config.json"
	grep -q '"swappiness": *18446744073709551615' "$BUNDLE/config.json"
	rt run -d -b "$BUNDLE" ct
	[ "$(cg_file memory memory.soft_limit_in_bytes)" = "$(cat /sys/fs/cgroup/memory/memory.soft_limit_in_bytes)" ]
	[ "$(cg_file memory memory.swappiness)" = "$(cat /sys/fs/cgroup/memory/memory.swappiness)" ]
	[ "$(cg_file cpu cpu.cfs_quota_us)" = -1 ]
	rt delete -f ct
	expect_no_leftovers ct
}

@test "negative pids limit and cpu quota are unlimited, as in runc" {
	update_config '.linux.resources = {"pids": {"limit": -2}, "cpu": {"quota": -5}}'
	rt run -d -b "$BUNDLE" ct
	[ "$(cg_file pids pids.max)" = max ]
	[ "$(cg_file cpu cpu.cfs_quota_us)" = -1 ]
	rt delete -f ct
}

@test "devices: the rules decide which device nodes can be opened" {
	# c 240:0 has no driver: an allowed open fails with ENXIO, a denied
	# one with EPERM from the device cgroup, before any driver is asked.
	update_config '.linux.devices = [{"path": "/dev/fake", "type": "c", "major": 240, "minor": 0, "fileMode": 438}]'
	set_cmd sh -c 'head -c1 /dev/fake; printf x >/dev/fake; head -c1 /dev/zero | wc -c'
	run rt run -b "$BUNDLE" ct
	[[ "${lines[0]}" == *"/dev/fake: Operation not permitted"* ]]
	[[ "${lines[1]}" == *"/dev/fake: Operation not permitted"* ]]
	# the runtime's default devices stay usable
	[ "${lines[2]}" = 1 ]
	# allow it, then deny writing: reading passes the cgroup, writing not
	update_config '.linux.resources.devices = [{"allow": false, "access": "rwm"},
		{"allow": true, "type": "c", "major": 240, "minor": 0, "access": "rwm"},
		{"allow": false, "type": "c", "major": 240, "minor": 0, "access": "w"}]'
	run rt run -b "$BUNDLE" ct
	[[ "${lines[0]}" == *"/dev/fake: No such device or address"* ]]
	[[ "${lines[1]}" == *"/dev/fake: Operation not permitted"* ]]
	expect_no_leftovers ct
}

@test "devices: access letters other than r, w and m are ignored, as in runc" {
	update_config '.linux.devices = [{"path": "/dev/fake", "type": "c", "major": 240, "minor": 0, "fileMode": 438}]'
	set_cmd sh -c 'head -c1 /dev/fake; printf x >/dev/fake'
	# "rwa" denies r and w; "ra" then allows reading only.
	update_config '.linux.resources.devices = [{"allow": true, "type": "c", "major": 240, "minor": 0, "access": "rwm"},
		{"allow": false, "type": "c", "major": 240, "minor": 0, "access": "rwa"},
		{"allow": true, "type": "c", "major": 240, "minor": 0, "access": "ra"},
		{"allow": true, "type": "c", "major": 240, "minor": 0, "access": "xyz"}]'
	run rt run -b "$BUNDLE" ct
	echo "$output"
	[[ "${lines[0]}" == *"/dev/fake: No such device or address"* ]]
	[[ "${lines[1]}" == *"/dev/fake: Operation not permitted"* ]]
	expect_no_leftovers ct
}

@test "hugetlb limit lands in the unified hierarchy" {
	[ -d /sys/kernel/mm/hugepages/hugepages-2048kB ] || skip "no 2MB huge pages"
	grep -qw hugetlb /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null || skip "hugetlb is not on the cgroup2 mount"
	update_config '.linux.resources.hugepageLimits = [{"pageSize": "2MB", "limit": 8388608}]'
	rt run -d -b "$BUNDLE" ct
	[ "$(cg_file unified hugetlb.2MB.max)" = 8388608 ]
	rt delete -f ct
	expect_no_leftovers ct
}

@test "an absolute cgroupsPath is used as is in every hierarchy" {
	rt run -d -b "$BUNDLE" ct
	pid=$(rt state ct | jq -r .pid)
	for c in memory cpu pids freezer devices blkio cpuset; do
		[ -d "/sys/fs/cgroup/$c$CG_PARENT/ct" ]
		grep -q ":$c:$CG_PARENT/ct\$" /proc/$pid/cgroup
	done
	# hybrid: the unified hierarchy holds the container too
	if [ -d /sys/fs/cgroup/unified ]; then
		grep -qx "0::$CG_PARENT/ct" /proc/$pid/cgroup
	fi
	rt delete ct -f
	expect_no_leftovers ct
}

# in_caller_cgroup CMD...: runs CMD in a shell moved to $CG_PARENT/caller
# in every hierarchy, so relative and default paths have a known caller.
in_caller_cgroup() {
	local d
	for d in /sys/fs/cgroup/*/; do
		mkdir -p "$d$CG_PARENT/caller"
	done
	# a v1 cpuset cgroup takes no task until it has cpus and mems
	local c=/sys/fs/cgroup/cpuset f
	if [ -e "$c/cpuset.cpus" ]; then
		for f in cpuset.cpus cpuset.mems; do
			cat "$c/$f" >"$c$CG_PARENT/$f"
			cat "$c/$f" >"$c$CG_PARENT/caller/$f"
		done
	fi
	bash -c 'for d in /sys/fs/cgroup/*/; do
		echo $$ >"$d'"$CG_PARENT"'/caller/cgroup.procs" || exit 1
	done; exec "$@"' bash "$@"
}

remove_caller_cgroup() {
	local d
	for d in /sys/fs/cgroup/*/; do
		[ -d "$d$CG_PARENT/caller" ] && find "$d$CG_PARENT/caller" -depth -type d -exec rmdir {} +
	done
	return 0
}

@test "a relative cgroupsPath is below the caller's cgroup" {
	update_config '.linux.cgroupsPath = "rel/ct"'
	in_caller_cgroup "$RT_BIN" --root "$ROOT" run -d -b "$BUNDLE" ct
	pid=$(rt state ct | jq -r .pid)
	for c in memory cpu pids freezer; do
		grep -q ":$c:$CG_PARENT/caller/rel/ct\$" /proc/$pid/cgroup
	done
	rt delete -f ct
	for c in memory cpu pids freezer; do
		[ ! -e "/sys/fs/cgroup/$c$CG_PARENT/caller/rel/ct" ]
	done
	remove_caller_cgroup
	expect_no_leftovers ct
}

@test "an empty cgroupsPath gives /rt/<id>, never the caller's cgroup; delete removes it" {
	# The shared /rt parent goes too when delete empties it.
	local had_parent=""
	for c in memory cpu pids freezer; do
		[ -e "/sys/fs/cgroup/$c/rt" ] && had_parent=1
	done
	update_config 'del(.linux.cgroupsPath)'
	in_caller_cgroup "$RT_BIN" --root "$ROOT" run -d -b "$BUNDLE" "$DEFAULT_ID"
	pid=$(rt state "$DEFAULT_ID" | jq -r .pid)
	for c in memory cpu pids freezer; do
		grep -q ":$c:/rt/$DEFAULT_ID\$" /proc/$pid/cgroup
		[ -d "/sys/fs/cgroup/$c/rt/$DEFAULT_ID" ]
		[ ! -e "/sys/fs/cgroup/$c$CG_PARENT/caller/rt" ]
	done
	rt delete -f "$DEFAULT_ID"
	for c in memory cpu pids freezer; do
		[ ! -e "/sys/fs/cgroup/$c/rt/$DEFAULT_ID" ]
		[ -n "$had_parent" ] || [ ! -e "/sys/fs/cgroup/$c/rt" ]
	done
	remove_caller_cgroup
	expect_no_leftovers "$DEFAULT_ID"
}

@test "realtime time without a cgroupsPath: /rt gets its containers' shares (runc and crun sit in the caller's cgroup)" {
	[ -e /sys/fs/cgroup/cpu/cpu.rt_period_us ] || skip "no realtime group scheduling"
	[ ! -e /sys/fs/cgroup/cpu/rt ] || skip "other containers hold /rt"
	update_config 'del(.linux.cgroupsPath) | .linux.resources.cpu = {"realtimeRuntime": 1000, "realtimePeriod": 100000}'
	rt run -d -b "$BUNDLE" "$DEFAULT_ID"
	[ "$(cat "/sys/fs/cgroup/cpu/rt/$DEFAULT_ID/cpu.rt_runtime_us")" = 1000 ]
	# 1% of /rt's period (1 s)
	[ "$(cat /sys/fs/cgroup/cpu/rt/cpu.rt_period_us)" = 1000000 ]
	[ "$(cat /sys/fs/cgroup/cpu/rt/cpu.rt_runtime_us)" = 10000 ]
	# A second one adds its 2%.
	update_config '.linux.resources.cpu.realtimeRuntime = 1000 | .linux.resources.cpu.realtimePeriod = 50000'
	rt run -d -b "$BUNDLE" "$DEFAULT_ID-2"
	[ "$(cat "/sys/fs/cgroup/cpu/rt/$DEFAULT_ID-2/cpu.rt_runtime_us")" = 1000 ]
	[ "$(cat /sys/fs/cgroup/cpu/rt/cpu.rt_runtime_us)" = 30000 ]
	# More than the host has is still refused, and leaves nothing.
	update_config '.linux.resources.cpu.realtimeRuntime = 99000 | .linux.resources.cpu.realtimePeriod = 100000'
	run rt run -d -b "$BUNDLE" "$DEFAULT_ID-3"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"realtimeRuntime"*"invalid argument"* ]]
	[ "$(cat /sys/fs/cgroup/cpu/rt/cpu.rt_runtime_us)" = 30000 ]
	rt delete -f "$DEFAULT_ID"
	rt delete -f "$DEFAULT_ID-2"
	[ ! -e /sys/fs/cgroup/cpu/rt ]
	expect_no_leftovers "$DEFAULT_ID"
	expect_no_leftovers "$DEFAULT_ID-2"
	expect_no_leftovers "$DEFAULT_ID-3"
}

@test "a cgroupsPath with .. is refused and leaves nothing" {
	update_config ".linux.cgroupsPath = \"$CG_PARENT/../escape\""
	run rt run -d -b "$BUNDLE" ct
	[ "$status" -ne 0 ]
	[[ "$output" == *'".."'* ]]
	[ ! -e /sys/fs/cgroup/memory/escape ]
	expect_no_leftovers ct
}

@test "exec --cgroup joins an existing sub-cgroup, in every or one hierarchy" {
	rt run -d -b "$BUNDLE" ct
	for d in $(state_paths ct); do mkdir "$d/sub"; done
	rt exec -d --pid-file "$BATS_TEST_TMPDIR/p1" --cgroup sub ct sleep 1000
	p1=$(cat "$BATS_TEST_TMPDIR/p1")
	for c in memory cpu pids freezer; do
		grep -q ":$c:$CG_PARENT/ct/sub\$" /proc/$p1/cgroup
	done
	# only the named controllers; co-mounted or not, the rest stay put
	rt exec -d --pid-file "$BATS_TEST_TMPDIR/p2" --cgroup memory,pids:sub ct sleep 1000
	p2=$(cat "$BATS_TEST_TMPDIR/p2")
	grep -q ":memory:$CG_PARENT/ct/sub\$" /proc/$p2/cgroup
	grep -q ":pids:$CG_PARENT/ct/sub\$" /proc/$p2/cgroup
	grep -q ":cpu:$CG_PARENT/ct\$" /proc/$p2/cgroup
	# sub-cgroups count for the container: ps and delete see them
	rt ps -f json ct | jq -e "index($p1) != null and index($p2) != null"
	rt delete -f ct
	expect_no_leftovers ct
}

@test "exec --cgroup fails for a missing or escaping sub-cgroup" {
	rt run -d -b "$BUNDLE" ct
	# runc's words, which its tests match
	run rt exec --cgroup nosuch ct true
	[ "$status" -eq 255 ]
	[[ "$output" == *" adding pid "*"o such file or directory"* ]]
	run rt exec --cgroup memory:../.. ct true
	[ "$status" -ne 0 ]
	[[ "$output" == *"bad sub cgroup path"* ]]
	run rt exec --cgroup nosuchctrl:sub ct true
	[ "$status" -ne 0 ]
	[[ "$output" == *'unknown controller "nosuchctrl"'* ]]
	# "/" is the container's own cgroup: the same view as a plain exec's
	run rt exec ct cat /proc/self/cgroup
	[ "$status" -eq 0 ]
	own=$output
	run rt exec --cgroup / ct cat /proc/self/cgroup
	[ "$status" -eq 0 ]
	[ "$output" = "$own" ]
	run rt exec --cgroup a --cgroup memory:b ct true
	[ "$status" -ne 0 ]
	[ ! -e "/sys/fs/cgroup/memory$CG_PARENT/ct/nosuch" ]
	# nothing ran: the container holds only its init
	[ "$(rt ps -f json ct | jq length)" = 1 ]
	rt delete -f ct
}

@test "a pure cgroup v1 view (unified hierarchy hidden) still works and limits land" {
	[ -d /sys/fs/cgroup/unified ] || skip "no hybrid layout to hide"
	update_config '.linux.resources = {"memory": {"limit": 50331648}, "pids": {"limit": 33}, "cpu": {"shares": 300}}'
	run env RT_BIN="$RT_BIN" ROOT="$ROOT" BUNDLE="$BUNDLE" CG_PARENT="$CG_PARENT" \
		unshare -m --propagation private bash -c '
		set -e
		mount -t tmpfs rt-hide /sys/fs/cgroup/unified
		rt() { "$RT_BIN" --root "$ROOT" "$@"; }
		rt run -d -b "$BUNDLE" ct
		jq -e ".cgroupPaths | has(\"\") | not" "$ROOT/ct/state.json"
		cat /sys/fs/cgroup/memory$CG_PARENT/ct/memory.limit_in_bytes
		cat /sys/fs/cgroup/pids$CG_PARENT/ct/pids.max
		cat /sys/fs/cgroup/cpu$CG_PARENT/ct/cpu.shares
		rt exec ct true
		rt pause ct
		rt state ct | jq -r .status
		rt resume ct
		rt update --pids-limit 44 ct
		cat /sys/fs/cgroup/pids$CG_PARENT/ct/pids.max
		rt events --stats ct | jq -r .data.memory.usage.limit
		rt delete -f ct
		echo done'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = 50331648 ]
	[ "${lines[2]}" = 33 ]
	[ "${lines[3]}" = 300 ]
	[ "${lines[4]}" = paused ]
	[ "${lines[5]}" = 44 ]
	[ "${lines[6]}" = 50331648 ]
	[ "${lines[7]}" = done ]
	# the hidden hierarchy got no cgroup
	[ ! -e "/sys/fs/cgroup/unified$CG_PARENT/ct" ]
	expect_no_leftovers ct
}

@test "cgroup v1 mounts moved onto a newer tmpfs are found and used" {
	# As a private namespace that keeps only the v1 hierarchies builds it:
	# mountinfo then lists the cgroup mounts before the tmpfs they sit on.
	update_config '.linux.resources = {"pids": {"limit": 35}}'
	run env RT_BIN="$RT_BIN" ROOT="$ROOT" BUNDLE="$BUNDLE" CG_PARENT="$CG_PARENT" \
		unshare -m --propagation private bash -c '
		set -e
		new=$(mktemp -d)
		mount -t tmpfs -o mode=755 rt-newcg "$new"
		for m in $(findmnt -rn -t cgroup -o TARGET | grep "^/sys/fs/cgroup/"); do
			mkdir "$new/${m#/sys/fs/cgroup/}"
			mount --move "$m" "$new/${m#/sys/fs/cgroup/}"
		done
		mount --move "$new" /sys/fs/cgroup
		rmdir "$new"
		rt() { "$RT_BIN" --root "$ROOT" "$@"; }
		rt run -d -b "$BUNDLE" ct
		cat /sys/fs/cgroup/pids$CG_PARENT/ct/pids.max
		rt delete -f ct
		echo done'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 35 ]
	[ "${lines[1]}" = done ]
	expect_no_leftovers ct
}

@test "a cgroup mount on v1: a writable tmpfs with a read-only bind per hierarchy, named as on the host, no hybrid unified tree (runc, crun)" {
	[ "$(stat -f -c %T /sys/fs/cgroup)" = tmpfs ] || skip "not a cgroup v1 host"
	update_config '.mounts += [{"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}]'
	set_cmd sh -c 'awk "\$5 ~ \"^/sys/fs/cgroup\" { split(\$6, o, \",\"); for (i = 7; \$i != \"-\"; i++); print \$5, o[1], \$(i + 1) }" /proc/self/mountinfo; mkdir /sys/fs/cgroup/new && echo tmpfs-writable; echo 1 >/sys/fs/cgroup/pids/pids.max || echo pids-readonly'
	run rt run -b "$BUNDLE" ct
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"/sys/fs/cgroup rw tmpfs"* ]]
	[[ "$output" == *tmpfs-writable* ]]
	[[ "$output" == *pids-readonly* ]]
	[[ "$output" != */sys/fs/cgroup/unified* ]]
	# Every v1 hierarchy of the host, under its mountpoint's name, read-only.
	local m n=0
	for m in $(awk '{ for (i = 7; $i != "-"; i++); if ($(i + 1) == "cgroup" && $5 ~ "^/sys/fs/cgroup/") print $5 }' /proc/self/mountinfo); do
		[[ "$output" == *"$m ro cgroup"* ]]
		n=$((n + 1))
	done
	[ "$n" -gt 0 ]
	[ "$(grep -c ' cgroup$' <<<"$output")" -eq "$n" ]
	expect_no_leftovers ct
}

@test "--systemd-cgroup fails with one clear line and leaves nothing" {
	# With systemd as PID 1 the driver works: tests/systemd.sh covers it.
	[ ! -d /run/systemd/system ] || skip "systemd is running"
	update_config '.linux.cgroupsPath = "system.slice:rt-bats:ct"'
	run "$RT_BIN" --root "$ROOT" --systemd-cgroup run -d -b "$BUNDLE" ct
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"--systemd-cgroup: systemd is not running"* ]]
	# A cgroupsPath the driver cannot take is named first.
	update_config '.linux.cgroupsPath = "/not/systemd"'
	run "$RT_BIN" --root "$ROOT" --systemd-cgroup run -d -b "$BUNDLE" ct
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *linux.cgroupsPath* ]]
	expect_no_leftovers ct
	run "$RT_BIN" --root "$ROOT" list -q
	[ -z "$output" ]
}

@test "rt spec adds a cgroup namespace only on a pure cgroup v2 host, as runc" {
	d="$BATS_TEST_TMPDIR/spec"
	mkdir "$d"
	rt spec -b "$d"
	has=$(jq '[.linux.namespaces[].type] | index("cgroup") != null' "$d/config.json")
	if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
		[ "$has" = true ]
	else
		[ "$has" = false ]
	fi
}

@test "exec refuses a paused container with 255; --ignore-paused runs once resumed" {
	rt run -d -b "$BUNDLE" ct
	rt pause ct
	run rt exec ct echo ok
	[ "$status" -eq 255 ]
	[[ "$output" == *"cannot exec in a paused container"* ]]
	out="$BATS_TEST_TMPDIR/exec.out"
	rt exec --ignore-paused ct echo ok >"$out" 2>&1 &
	bg=$!
	rt resume ct
	wait "$bg"
	[ "$(cat "$out")" = ok ]
	rt delete -f ct
}

@test "create refuses a cgroup that holds processes and leaves it alone" {
	rt run -d -b "$BUNDLE" ct
	# ct2 and ct3 get ct's cgroup
	run rt run -d -b "$BUNDLE" ct2
	[ "$status" -ne 0 ]
	[[ "$output" == *"container's cgroup is not empty: 1 process(es) found"* ]]
	run rt create -b "$BUNDLE" ct3
	[ "$status" -ne 0 ]
	[[ "$output" == *"container's cgroup is not empty"* ]]
	[ ! -e "$ROOT/ct2" ] && [ ! -e "$ROOT/ct3" ]
	# ct is untouched
	[ "$(status ct)" = running ]
	[ "$(wc -l <"/sys/fs/cgroup/pids$CG_PARENT/ct/cgroup.procs")" = 1 ]
	rt delete -f ct
	expect_no_leftovers ct
}

@test "create refuses a frozen cgroup instead of hanging, and leaves it" {
	d="/sys/fs/cgroup/freezer$CG_PARENT/ct"
	[ -d /sys/fs/cgroup/freezer ] || skip "no v1 freezer"
	mkdir -p "$d"
	echo FROZEN >"$d/freezer.state"
	run rt run -d -b "$BUNDLE" ct
	[ "$status" -eq 1 ]
	[[ "$output" == *"container's cgroup unexpectedly frozen"* ]]
	run rt create -b "$BUNDLE" ct
	[ "$status" -eq 1 ]
	[[ "$output" == *"container's cgroup unexpectedly frozen"* ]]
	[ -d "$d" ]
	[ ! -e "$ROOT/ct" ]
	rmdir "$d"
}

@test "linux.resources.unified on a v1 or hybrid host: invalid configuration" {
	[ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ] || skip "pure cgroup v2"
	update_config '.linux.resources.unified = {"memory.min": "131072"}'
	run rt run -d -b "$BUNDLE" ct
	[ "$status" -ne 0 ]
	[[ "$output" == *"invalid configuration"* ]]
	expect_no_leftovers ct
}
