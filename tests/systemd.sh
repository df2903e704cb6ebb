#!/bin/bash
# systemd.sh: rt's systemd cgroup driver (--systemd-cgroup) against a real
# systemd on cgroup v2: the container gets a delegated scope unit that
# systemd reports active, its limits land both in systemd's properties and
# in the scope's cgroup files (Docker's zeros leave them alone), exec joins
# it, update (all or nothing) and pause work, and delete stops the unit.
# Meant for the systemd guest (`make test-systemd` boots it); refuses to
# run where systemd is not PID 1 on cgroup v2.
# Prints one PASS/FAIL line per check and exits non-zero on any failure.
set -u
repo=$(cd "$(dirname "$0")/.." && pwd)
RT_BIN=${RT_BIN:-$repo/rt}
[ -d /run/systemd/system ] && [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] ||
	{ echo "systemd.sh: needs systemd on cgroup v2" >&2; exit 2; }

work=/var/tmp/rt-systemd.$$
root=$work/root
bundle=$work/bundle
unit=rt-test-c1.scope
dir=/sys/fs/cgroup/system.slice/$unit

rt() { "$RT_BIN" --root "$root" --systemd-cgroup "$@"; }

. "$repo/tests/guest-lib.sh"

prop() { # UNIT PROPERTY WANT: systemctl show reports WANT
	local got
	got=$(systemctl show -P "$2" "$1" 2>&1)
	[ "$got" = "$3" ] || { echo "  $1 $2: got '$got', want '$3'" >&2; return 1; }
}

gone() { # UNIT: systemd no longer lists the unit. It unloads stopped units
	# in the background, so give it a moment; list-units (unlike show) does
	# not load the unit it asks about.
	local i
	for i in $(seq 50); do
		[ -z "$(systemctl list-units --all --plain --no-legend "$1")" ] && return 0
		systemctl is-active -q "$1" && break
		sleep 0.1
	done
	echo "  $1: $(systemctl list-units --all --plain --no-legend "$1")" >&2
	return 1
}

cfg() { # JQ-EXPR: edit the bundle's config.json
	jq "$@" "$bundle/config.json" >"$bundle/c.json" && mv "$bundle/c.json" "$bundle/config.json"
}

cleanup() {
	local id u
	for id in ct ct2 ct3 ct4; do rt delete -f "$id" >/dev/null 2>&1; done
	for u in $unit rt-ct2.scope rt-ct3.scope rttest-pod.slice rttest.slice; do
		systemctl stop "$u" >/dev/null 2>&1
		systemctl reset-failed "$u" >/dev/null 2>&1
	done
	rm -rf "$work"
}
trap cleanup EXIT

# A private copy: the shared ./rt may be rebuilt while this runs.
mkdir -p "$work" && cp "$RT_BIN" "$work/rt" && RT_BIN=$work/rt || exit 1
# The rootfs goes on the guest's disk: 9p cannot hold device nodes.
"$repo/scripts/mkbundle.sh" "$bundle" 'sleep 1000' >/dev/null || exit 1
cfg '.linux.cgroupsPath = "system.slice:rt-test:c1"
	| .linux.resources = {"memory": {"limit": 67108864, "swap": 100663296}, "pids": {"limit": 33},
		"cpu": {"shares": 512, "quota": 50000, "period": 100000}}
	| .linux.devices = [{"path": "/dev/fake", "type": "c", "major": 240, "minor": 0, "fileMode": 438}]'

check "run -d" rt run -d -b "$bundle" ct
check "scope is active" systemctl is-active -q $unit
check "scope is in system.slice" prop $unit Slice system.slice
check "scope is delegated" prop $unit Delegate yes
pid=$(rt state ct | jq -r .pid)
check "init in the scope" grep -qx "0::/system.slice/$unit" "/proc/$pid/cgroup"
check "systemd: MemoryMax" prop $unit MemoryMax 67108864
check "systemd: TasksMax" prop $unit TasksMax 33
check "systemd: CPUWeight" prop $unit CPUWeight 59
check "memory.max" is memory.max 67108864
check "memory.swap.max" is memory.swap.max 33554432
check "pids.max" is pids.max 33
# shares 512 -> weight ceil(10^((81+1125)/612 - 7/34)) = 59
check "cpu.weight from shares" is cpu.weight 59
check "cpu.max" is cpu.max "50000 100000"
check "state keeps the unit name" test "$(jq -r '.cgroupPaths["systemd-unit"]' "$root/ct/state.json")" = $unit

# In its cgroup namespace, a process that joined the scope sees "/".
check "exec joins the scope" test "$(rt exec ct cat /proc/self/cgroup)" = "0::/"
check "events --stats: pids" test "$(rt events --stats ct | jq .data.pids.current)" = 1
check "exec -d" rt exec -d ct sleep 1000
check "exec'd process in the scope's cgroup.procs" test "$(wc -l <"$dir/cgroup.procs")" = 2
check "ps lists both" test "$(rt ps -f json ct | jq length)" = 2
for p in $(cat "$dir/cgroup.procs"); do [ "$p" = "$pid" ] || kill -9 "$p"; done
check "devices: denied by default" eval "rt exec ct sh -c 'head -c1 /dev/fake' 2>&1 | grep -q 'Operation not permitted'"
check "devices: defaults allowed" test "$(rt exec ct sh -c 'head -c1 /dev/zero | wc -c')" = 1

check "update" rt update --memory 128m --memory-swap 192m --pids-limit 44 --cpu-share 1024 ct
check "update: memory.max" is memory.max 134217728
check "update: pids.max" is pids.max 44
check "update: cpu.weight" is cpu.weight 100
check "update keeps cpu.max" is cpu.max "50000 100000"
check "update: systemd MemoryMax" prop $unit MemoryMax 134217728
check "update: systemd TasksMax" prop $unit TasksMax 44
check "update: systemd CPUWeight" prop $unit CPUWeight 100

# systemd keeps quotas in 10ms steps per second: 12345us per 100ms is
# 130ms/s to it, and the file says the same so neither changes the other.
check "odd quota" rt update --cpu-quota 12345 ct
check "odd quota: systemd CPUQuotaPerSecUSec" prop $unit CPUQuotaPerSecUSec 130ms
check "odd quota: cpu.max as systemd has it" is cpu.max "13000 100000"
check "quota back" rt update --cpu-quota 50000 ct

# Docker 20.10's `docker update --pids-limit 55`: 0 for every other limit.
check "docker update" rt update -r - ct <<<'{"memory": {"limit": 0, "reservation": 0, "kernel": 0},
	"cpu": {"shares": 0, "quota": 0, "period": 0}, "blockIO": {"weight": 0}, "pids": {"limit": 55}}'
check "docker update: pids.max" is pids.max 55
check "docker update: systemd TasksMax" prop $unit TasksMax 55
check "docker update: memory.max kept" is memory.max 134217728
check "docker update: systemd MemoryMax kept" prop $unit MemoryMax 134217728
check "docker update: cpu.weight kept" is cpu.weight 100

# All or nothing: the last field fails; files and properties as before.
sdsnap() { systemctl show -p MemoryMax -p MemoryLow -p MemorySwapMax -p TasksMax -p CPUWeight -p CPUQuotaPerSecUSec -p AllowedCPUs $unit; }
failed_update sdsnap

check "pause" rt pause ct
check "pause: cgroup.freeze" is cgroup.freeze 1
check "pause: state" test "$(rt state ct | jq -r .status)" = paused
check "resume" rt resume ct
check "resume: state" test "$(rt state ct | jq -r .status)" = running

check "delete -f" rt delete -f ct
check "delete stops the scope" gone $unit
check "delete removes the cgroup" test ! -e "$dir"

# An empty cgroupsPath is system.slice:rt:<id>.
cfg 'del(.linux.cgroupsPath) | del(.linux.devices) | .linux.resources = {"pids": {"limit": 100}}'
check "default path: run -d" rt run -d -b "$bundle" ct2
check "default path: rt-ct2.scope active" systemctl is-active -q rt-ct2.scope
check "default path: pids.max" test "$(cat /sys/fs/cgroup/system.slice/rt-ct2.scope/pids.max)" = 100
check "default path: kill" rt kill ct2 KILL
for _ in $(seq 100); do [ "$(rt state ct2 | jq -r .status)" = stopped ] && break; sleep 0.1; done
check "default path: delete" rt delete ct2
check "default path: scope gone" gone rt-ct2.scope
check "default path: cgroup gone" test ! -e /sys/fs/cgroup/system.slice/rt-ct2.scope

# In the foreground: the exit code passes through and nothing is left.
cfg '.process.args = ["sh", "-c", "exit 3"]'
rt run -b "$bundle" ct3
check "foreground run: exit code" test $? = 3
check "foreground run: scope gone" gone rt-ct3.scope
check "foreground run: no state" test ! -e "$root/ct3"

# A name ending in .slice makes a slice unit; its place follows its name.
cfg '.process.args = ["sleep", "1000"] | .linux.cgroupsPath = "system.slice:x:rttest-pod.slice"'
check "slice unit: run -d" rt run -d -b "$bundle" ct4
check "slice unit: active" systemctl is-active -q rttest-pod.slice
check "slice unit: init in it" grep -qx "0::/rttest.slice/rttest-pod.slice" "/proc/$(rt state ct4 | jq -r .pid)/cgroup"
check "slice unit: delete" rt delete -f ct4
check "slice unit: gone" gone rttest-pod.slice
# systemd made the parent rttest.slice for it and keeps it (as with runc).
systemctl stop rttest.slice

# Docker 20.10's linux.resources for `docker run -m 64m --pids-limit 50
# --cpus 0.5` with its systemd cgroup driver: weight and shares 0, the OOM
# killer flag false. They are unset: the scope starts and the rest lands.
cfg '.process.args = ["sleep", "1000"] | .linux.cgroupsPath = "system.slice:rt-test:c1"
	| .linux.resources = {"devices": [{"allow": false, "access": "rwm"}],
		"memory": {"limit": 67108864, "swap": 134217728, "disableOOMKiller": false},
		"cpu": {"shares": 0, "quota": 50000, "period": 100000}, "pids": {"limit": 50}, "blockIO": {"weight": 0}}'
check "docker block: run -d" rt run -d -b "$bundle" ct
check "docker block: exec" rt exec ct true
check "docker block: MemoryMax" prop $unit MemoryMax 67108864
check "docker block: TasksMax" prop $unit TasksMax 50
check "docker block: memory.swap.max" is memory.swap.max 67108864
check "docker block: cpu.max" is cpu.max "50000 100000"
check "docker block: cpu.weight left at the default" is cpu.weight 100
check "docker block: delete" rt delete -f ct
check "docker block: scope gone" gone $unit

# A limit that fails once the scope exists: create stops the unit again.
cfg '.linux.cgroupsPath = "system.slice:rt-test:c1" | .linux.resources = {"hugepageLimits": [{"pageSize": "3MB", "limit": 0}]}'
check "failed create: error names the limit" eval 'rt run -d -b "$bundle" ct 2>&1 | grep -q hugepageLimits'
check "failed create: scope gone" gone $unit
check "failed create: cgroup gone" test ! -e "$dir"
check "failed create: no state" test ! -e "$root/ct"

cfg '.linux.cgroupsPath = "/not/systemd"'
out=$(rt run -d -b "$bundle" bad 2>&1)
check "bad cgroupsPath: one line naming it" eval '[ "$(echo "$out" | wc -l)" = 1 ] && [[ $out == *linux.cgroupsPath* ]]'
check "bad cgroupsPath: no state" test ! -e "$root/bad"

echo "systemd: $fails failure(s)"
[ "$fails" -eq 0 ]
