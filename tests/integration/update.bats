#!/usr/bin/env bats
# rt update: runc's flags and -r JSON change the cgroup files, and the
# merged resources persist for later updates, state and events.

load helpers

setup() {
	setup_rt
	set_cmd sleep 1000
	update_config '.linux.resources = {"memory": {"limit": 67108864}, "pids": {"limit": 20}, "cpu": {"shares": 1024}}'
}

teardown() { teardown_rt; }

# saved JQ-EXPR: reads the resources rt persisted for ct.
saved() {
	jq -r ".linux.resources$1" "$ROOT/ct/config.json"
}

@test "update flags change the files and later updates keep earlier values" {
	rt run -d -b "$BUNDLE" ct
	rt update --memory 128m ct
	[ "$(cg_file memory memory.limit_in_bytes)" = 134217728 ]
	[ "$(cg_file pids pids.max)" = 20 ]
	rt update --pids-limit 30 ct
	[ "$(cg_file pids pids.max)" = 30 ]
	# the swap update re-applies the merged memory: the limit must be the
	# persisted 128m, not the 64m of config.json
	if [ -e "/sys/fs/cgroup/memory$CG_PARENT/ct/memory.memsw.limit_in_bytes" ]; then
		rt update --memory-swap 256M ct
		[ "$(cg_file memory memory.memsw.limit_in_bytes)" = 268435456 ]
	else
		rt update --cpu-shares 1024 ct
	fi
	[ "$(cg_file memory memory.limit_in_bytes)" = 134217728 ]
	[ "$(saved .memory.limit)" = 134217728 ]
	[ "$(saved .pids.limit)" = 30 ]
	[ "$(saved .cpu.shares)" = 1024 ]
	# events --stats reports what is in force
	run rt events --stats ct
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq .data.memory.usage.limit)" = 134217728 ]
	[ "$(echo "$output" | jq .data.pids.limit)" = 30 ]
	rt delete -f ct
	expect_no_leftovers ct
}

@test "update takes sizes with units like runc" {
	rt run -d -b "$BUNDLE" ct
	for v in 64m:67108864 96MB:100663296 0.5g:536870912 1GiB:1073741824 268435456:268435456 32768k:33554432; do
		flag=${v%%:*} want=${v#*:}
		rt update --memory "$flag" ct
		[ "$(cg_file memory memory.limit_in_bytes)" = "$want" ]
	done
	rt update --memory-reservation 32m ct
	[ "$(cg_file memory memory.soft_limit_in_bytes)" = 33554432 ]
	# -1 lifts the limit (and the swap limit with it)
	rt update --memory -1 ct
	[ "$(cg_file memory memory.limit_in_bytes)" -gt 1000000000000 ]
	[ "$(saved .memory.limit)" = -1 ]
	for bad in 12x abc -5m 1.2.3m ''; do
		run rt update --memory "$bad" ct
		[ -z "$bad" ] || [ "$status" -ne 0 ]
	done
	rt delete -f ct
}

@test "update cpu flags: shares, quota, period, cpuset, rt period" {
	rt run -d -b "$BUNDLE" ct
	rt update --cpu-share 256 --cpu-quota 20000 --cpu-period 50000 --cpuset-cpus 0 --cpuset-mems 0 ct
	[ "$(cg_file cpu cpu.shares)" = 256 ]
	[ "$(cg_file cpu cpu.cfs_quota_us)" = 20000 ]
	[ "$(cg_file cpu cpu.cfs_period_us)" = 50000 ]
	[ "$(cg_file cpuset cpuset.cpus)" = 0 ]
	# --cpu-shares is accepted too; -1 quota is unlimited
	rt update --cpu-shares 512 --cpu-quota -1 ct
	[ "$(cg_file cpu cpu.shares)" = 512 ]
	[ "$(cg_file cpu cpu.cfs_quota_us)" = -1 ]
	[ "$(cg_file cpu cpu.cfs_period_us)" = 50000 ]
	[ "$(saved .cpu.cpus)" = 0 ]
	if [ -e "/sys/fs/cgroup/cpu$CG_PARENT/ct/cpu.rt_period_us" ]; then
		rt update --cpu-rt-period 900000 ct
		[ "$(cg_file cpu cpu.rt_period_us)" = 900000 ]
	fi
	rt delete -f ct
}

@test "update --blkio-weight, --kernel-memory ignored, Intel RDT refused" {
	rt run -d -b "$BUNDLE" ct
	# The weight files exist only with a proportional I/O scheduler (BFQ).
	if [ -e /sys/fs/cgroup/blkio/blkio.weight ] || [ -e /sys/fs/cgroup/blkio/blkio.bfq.weight ]; then
		rt update --blkio-weight 200 ct
		d=/sys/fs/cgroup/blkio$CG_PARENT/ct
		f=$d/blkio.weight
		[ -e "$f" ] || f=$d/blkio.bfq.weight
		[ "$(cat "$f")" = 200 ] || [ "$(cat "$f")" = "default 200" ]
	fi
	run rt update --blkio-weight 5 ct
	[ "$status" -ne 0 ]
	# 0 is unset, as runc's flag has it: nothing to write, even without BFQ
	rt update --blkio-weight 0 ct
	run rt update --kernel-memory 10m ct
	[ "$status" -eq 0 ]
	[[ "$output" == *kernel-memory* ]]
	run rt update --l3-cache-schema 'L3:0=f' ct
	[ "$status" -ne 0 ]
	[[ "$output" == *"Intel RDT"* ]]
	run rt update --mem-bw-schema 'MB:0=70' ct
	[ "$status" -ne 0 ]
	rt delete -f ct
}

@test "update -r takes a LinuxResources JSON from a file or stdin" {
	rt run -d -b "$BUNDLE" ct
	echo '{"memory": {"limit": 100663296}, "cpu": {"quota": 30000, "period": 100000}, "pids": {"limit": 40}}' >"$BATS_TEST_TMPDIR/r.json"
	rt update -r "$BATS_TEST_TMPDIR/r.json" ct
	[ "$(cg_file memory memory.limit_in_bytes)" = 100663296 ]
	[ "$(cg_file cpu cpu.cfs_quota_us)" = 30000 ]
	[ "$(cg_file pids pids.max)" = 40 ]
	# as containerd sends it: on stdin, flags ignored
	echo '{"pids": {"limit": 50}}' | rt update -r - --pids-limit 7 ct
	[ "$(cg_file pids pids.max)" = 50 ]
	[ "$(cg_file memory memory.limit_in_bytes)" = 100663296 ]
	[ "$(saved .cpu.quota)" = 30000 ]
	run rt update -r - ct <<<'{"memory": '
	[ "$status" -ne 0 ]
	run rt update -r "$BATS_TEST_TMPDIR/nonexistent" ct
	[ "$status" -ne 0 ]
	rt delete -f ct
}

@test "docker update's zeros leave the other limits as they are" {
	update_config '.linux.resources = {"memory": {"limit": 67108864, "reservation": 33554432},
		"cpu": {"shares": 512, "quota": 50000, "period": 100000}, "pids": {"limit": 20}}'
	rt run -d -b "$BUNDLE" ct
	# Docker 20.10's `docker update --memory 128m` (daemon/update_linux.go):
	# every other limit it knows comes as 0.
	echo '{"memory": {"limit": 134217728, "reservation": 0, "kernel": 0},
		"cpu": {"shares": 0, "quota": 0, "period": 0}, "blockIO": {"weight": 0}}' | rt update -r - ct
	[ "$(cg_file memory memory.limit_in_bytes)" = 134217728 ]
	[ "$(cg_file memory memory.soft_limit_in_bytes)" = 33554432 ]
	[ "$(cg_file cpu cpu.shares)" = 512 ]
	[ "$(cg_file cpu cpu.cfs_quota_us)" = 50000 ]
	[ "$(cg_file pids pids.max)" = 20 ]
	# the saved spec still says what is in force
	[ "$(saved .memory.reservation)" = 33554432 ]
	[ "$(saved .cpu.shares)" = 512 ]
	[ "$(saved .cpu.quota)" = 50000 ]
	[ "$(saved .blockIO)" = null ]
	rt delete -f ct
}

@test "a failed update changes nothing" {
	rt run -d -b "$BUNDLE" ct
	before=$(jq -c .linux.resources "$ROOT/ct/config.json")
	[ "$(echo "$before" | jq .memory.limit)" = 67108864 ]
	if [ -e "/sys/fs/cgroup/memory$CG_PARENT/ct/memory.memsw.limit_in_bytes" ]; then
		# memory+swap below the memory limit
		run rt update --memory 128m --memory-swap 64m ct
	else
		run rt update --cpuset-cpus 999 ct
	fi
	[ "$status" -ne 0 ]
	# memory is written before cpuset fails: rt must put it back
	run rt update --memory 128m --pids-limit 99 --cpuset-cpus 999 ct
	[ "$status" -ne 0 ]
	[[ "$output" == *cpu* ]]
	[ "$(cg_file pids pids.max)" = 20 ]
	[ "$(jq -c .linux.resources "$ROOT/ct/config.json")" = "$before" ]
	[ "$(cg_file memory memory.limit_in_bytes)" = 67108864 ]
	[ "$(cg_file cpuset cpuset.cpus)" = "$(cat /sys/fs/cgroup/cpuset/cpuset.cpus)" ]
	rt delete -f ct
}

# v1 files an update writes, one "file=value" a line.
cg_snapshot() {
	local c f
	for c in memory cpu cpuset pids; do
		for f in /sys/fs/cgroup/$c$CG_PARENT/ct/{memory.limit_in_bytes,memory.memsw.limit_in_bytes,memory.soft_limit_in_bytes,memory.swappiness,cpu.shares,cpu.cfs_quota_us,cpu.cfs_period_us,cpuset.cpus,pids.max}; do
			[ -e "$f" ] && echo "${f##*/}=$(cat "$f")"
		done
	done | sort -u
}

@test "an update whose last field fails puts back every value it changed, with one line naming the field" {
	update_config '.linux.resources = {"memory": {"limit": 67108864, "reservation": 33554432, "swappiness": 30},
		"cpu": {"shares": 512, "quota": 50000, "period": 100000}, "pids": {"limit": 20}}'
	rt run -d -b "$BUNDLE" ct
	before=$(cg_snapshot)
	saved_before=$(jq -c .linux.resources "$ROOT/ct/config.json")
	# Everything before the last field is written, then it fails: a blkio
	# weight where the kernel has no weight file (no BFQ), else a huge page
	# size no kernel has.
	last='"blockIO": {"weight": 500}' field=blockIO.weight
	if [ -e /sys/fs/cgroup/blkio/blkio.weight ] || [ -e /sys/fs/cgroup/blkio/blkio.bfq.weight ]; then
		last='"hugepageLimits": [{"pageSize": "3MB", "limit": 0}]' field=hugepageLimits
	fi
	for up in '"memory": {"limit": 268435456, "swap": 536870912, "reservation": 134217728, "swappiness": 60},
			"cpu": {"shares": 300, "quota": 20000, "period": 200000, "cpus": "0"}, "pids": {"limit": 99}' \
		'"memory": {"limit": 16777216, "swap": 16777216, "reservation": 8388608, "swappiness": 1},
			"cpu": {"shares": 2, "quota": 1000, "period": 1000, "cpus": "0"}, "pids": {"limit": 1}'; do
		[ -e "/sys/fs/cgroup/memory$CG_PARENT/ct/memory.memsw.limit_in_bytes" ] || up=$(sed -E 's/"swap": [0-9]+, //' <<<"$up")
		run rt update -r - ct <<<"{$up, $last}"
		[ "$status" -ne 0 ]
		[ "${#lines[@]}" -eq 1 ]
		[[ "$output" == *"linux.resources.$field"* ]]
		[[ "$output" != *"failed too"* ]]
		[ "$(cg_snapshot)" = "$before" ]
		[ "$(jq -c .linux.resources "$ROOT/ct/config.json")" = "$saved_before" ]
	done
	# without the failing field the same update goes through
	rt update -r - ct <<<"{$up}"
	[ "$(cg_file pids pids.max)" = 1 ]
	[ "$(cg_file cpu cpu.shares)" = 2 ]
	rt delete -f ct
}

@test "update needs a live container" {
	set_cmd true
	rt run -d -b "$BUNDLE" ct
	wait_status ct stopped
	run rt update --memory 128m ct
	[ "$status" -ne 0 ]
	[[ "$output" == *"not running"* ]]
	run rt update --memory 128m nosuch
	[ "$status" -ne 0 ]
	[[ "$output" == *"does not exist"* ]]
	rt delete ct
	expect_no_leftovers ct
}

@test "update works on a paused and on a created container" {
	rt create -b "$BUNDLE" ct
	rt update --pids-limit 11 ct
	[ "$(cg_file pids pids.max)" = 11 ]
	rt start ct
	rt pause ct
	rt update --pids-limit 12 ct
	[ "$(cg_file pids pids.max)" = 12 ]
	[ "$(status ct)" = paused ]
	rt resume ct
	rt delete -f ct
}

@test "update --pids-limit 0 means 1, as in runc; -1 is unlimited" {
	rt run -d -b "$BUNDLE" ct
	rt update --pids-limit 0 ct
	[ "$(cg_file pids pids.max)" = 1 ]
	rt update --pids-limit -1 ct
	[ "$(cg_file pids pids.max)" = max ]
	echo '{"pids": {"limit": 0}}' | rt update -r - ct
	[ "$(cg_file pids pids.max)" = 1 ]
	rt delete -f ct
}

@test "update cpu.idle to 1 and back to 0 with cpu shares set" {
	[ -e /sys/fs/cgroup/cpu/cpu.idle ] || skip "no cpu.idle"
	rt run -d -b "$BUNDLE" ct
	for v in 1 0 1 0; do
		rt update --cpu-idle $v ct
		[ "$(cg_file cpu cpu.idle)" = $v ]
	done
	# shares can change while idle; they land once the group leaves idle
	rt update --cpu-idle 1 ct
	rt update --cpu-share 300 ct
	[ "$(cg_file cpu cpu.idle)" = 1 ]
	echo '{"cpu": {"idle": 0}}' | rt update -r - ct
	[ "$(cg_file cpu cpu.idle)" = 0 ]
	[ "$(cg_file cpu cpu.shares)" = 300 ]
	# the kernel takes only 0 and 1
	run rt update --cpu-idle 2 ct
	[ "$status" -ne 0 ]
	[ "$(cg_file cpu cpu.idle)" = 0 ]
	rt delete -f ct
}

@test "update lowers the rt period below the current rt runtime" {
	[ -e /sys/fs/cgroup/cpu/cpu.rt_period_us ] || skip "no realtime group scheduling"
	# The parent needs realtime time to hand out to the container.
	mkdir -p "/sys/fs/cgroup/cpu$CG_PARENT"
	echo 1000000 >"/sys/fs/cgroup/cpu$CG_PARENT/cpu.rt_period_us"
	echo 900000 >"/sys/fs/cgroup/cpu$CG_PARENT/cpu.rt_runtime_us"
	rt run -d -b "$BUNDLE" ct
	rt update --cpu-rt-period 900001 --cpu-rt-runtime 600001 ct
	[ "$(cg_file cpu cpu.rt_period_us)" = 900001 ]
	[ "$(cg_file cpu cpu.rt_runtime_us)" = 600001 ]
	# 10000 < 600001: the runtime has to go first
	rt update --cpu-rt-period 10000 --cpu-rt-runtime 3000 ct
	[ "$(cg_file cpu cpu.rt_period_us)" = 10000 ]
	[ "$(cg_file cpu cpu.rt_runtime_us)" = 3000 ]
	rt update --cpu-rt-period 100000 --cpu-rt-runtime 20000 ct
	[ "$(cg_file cpu cpu.rt_period_us)" = 100000 ]
	[ "$(cg_file cpu cpu.rt_runtime_us)" = 20000 ]
	rt delete -f ct
}
