#!/bin/bash
# cgroupv2.sh: rt's cgroup v2 (fs2) path on a pure unified host: limits
# land in memory.max, memory.swap.max, pids.max, cpu.weight and cpu.max,
# and Docker's zeros leave files alone; update (all or nothing), pause,
# events (stats and OOM), ps, exec --cgroup and the BPF device filter
# work; delete removes the cgroup. Meant for the cgroup v2
# guest (`make test-cgroupv2` boots it); refuses to run on other hosts.
# Prints one PASS/FAIL line per check and exits non-zero on any failure.
set -u
repo=$(cd "$(dirname "$0")/.." && pwd)
RT_BIN=${RT_BIN:-$repo/rt}
[ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] || { echo "cgroupv2.sh: /sys/fs/cgroup is not cgroup v2" >&2; exit 2; }

work=/var/tmp/rt-cgv2.$$
root=$work/root
bundle=$work/bundle
cg=/rt-cgv2-$$
dir=/sys/fs/cgroup$cg/ct

rt() { "$RT_BIN" --root "$root" "$@"; }

. "$repo/tests/guest-lib.sh"

cleanup() {
	rt delete -f ct >/dev/null 2>&1
	[ -d "/sys/fs/cgroup$cg" ] && find "/sys/fs/cgroup$cg" -depth -type d -exec rmdir {} + 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# A private copy: the shared ./rt may be rebuilt while this runs.
mkdir -p "$work" && cp "$RT_BIN" "$work/rt" && RT_BIN=$work/rt || exit 1
# The rootfs goes on the guest's disk: 9p cannot hold device nodes.
"$repo/scripts/mkbundle.sh" "$bundle" 'sleep 1000' >/dev/null || exit 1
jq --arg cg "$cg/ct" '.linux.cgroupsPath = $cg
	| .linux.resources = {"memory": {"limit": 67108864, "swap": 100663296}, "pids": {"limit": 33},
		"cpu": {"shares": 512, "quota": 50000, "period": 100000}}
	| .linux.devices = [{"path": "/dev/fake", "type": "c", "major": 240, "minor": 0, "fileMode": 438}]' \
	"$bundle/config.json" >"$bundle/c.json" && mv "$bundle/c.json" "$bundle/config.json"

check "run -d" rt run -d -b "$bundle" ct
check "memory.max" is memory.max 67108864
# v2 swap is swap only: memory+swap 96M minus memory 64M
check "memory.swap.max" is memory.swap.max 33554432
check "pids.max" is pids.max 33
# shares 512 -> weight ceil(10^((81+1125)/612 - 7/34)) = 59
check "cpu.weight from shares" is cpu.weight 59
check "cpu.max" is cpu.max "50000 100000"
check "init in the cgroup" grep -qx "0::$cg/ct" "/proc/$(rt state ct | jq -r .pid)/cgroup"

# memory+swap 96M is below 128M: the swap goes up with it
check "update refuses memory above memory+swap" eval '! rt update --memory 128m ct 2>/dev/null'
check "update" rt update --memory 128m --memory-swap 192m --pids-limit 44 --cpu-share 1024 ct
check "update: memory.max" is memory.max 134217728
check "update: pids.max" is pids.max 44
check "update: cpu.weight" is cpu.weight 100
check "update: memory.swap.max" is memory.swap.max 67108864
check "update keeps cpu.max" is cpu.max "50000 100000"
check "update: quota" rt update --cpu-quota 20000 ct
check "update: cpu.max" is cpu.max "20000 100000"
check "update keeps memory.max" is memory.max 134217728

# Docker 20.10's `docker update --pids-limit 55` (daemon/update_linux.go):
# 0 for every other limit, which leaves it as it is.
check "docker update" rt update -r - ct <<<'{"memory": {"limit": 0, "reservation": 0, "kernel": 0},
	"cpu": {"shares": 0, "quota": 0, "period": 0}, "blockIO": {"weight": 0}, "pids": {"limit": 55}}'
check "docker update: pids.max" is pids.max 55
check "docker update: memory.max kept" is memory.max 134217728
check "docker update: cpu.weight kept" is cpu.weight 100
check "docker update: cpu.max kept" is cpu.max "20000 100000"
check "docker update: io.weight untouched" eval '[ ! -e "$dir/io.weight" ] || is io.weight "default 100"'

# All or nothing: everything before the last field is written, the last
# one fails, and every file is as it was.
failed_update

check "pause" rt pause ct
check "pause: cgroup.freeze" is cgroup.freeze 1
check "pause: frozen in cgroup.events" grep -qx 'frozen 1' "$dir/cgroup.events"
check "pause: state" test "$(rt state ct | jq -r .status)" = paused
check "pause: exec refused" eval '! rt exec ct true 2>/dev/null'
check "resume" rt resume ct
check "resume: state" test "$(rt state ct | jq -r .status)" = running

check "devices: denied by default" eval "rt exec ct sh -c 'head -c1 /dev/fake' 2>&1 | grep -q 'Operation not permitted'"
check "devices: defaults allowed" test "$(rt exec ct sh -c 'head -c1 /dev/zero | wc -c')" = 1

mkdir "$dir/sub"
check "exec --cgroup" test "$(rt exec --cgroup sub ct cat /proc/self/cgroup)" = "0::/sub"
check "exec --cgroup missing" eval '! rt exec --cgroup nosuch ct true 2>/dev/null'
check "ps json" test "$(rt ps -f json ct | jq length)" = 1
out=$(rt update -r - ct 2>&1 <<<'{"unified": {"memory.nosuch": "1"}}')
check "update: a unified file the kernel lacks is ENOENT (as runc and crun)" eval '[[ $out == *"unified[\"memory.nosuch\"]: write \"1\" to $dir/memory.nosuch: no such file or directory"* ]]' ||
	echo "  $out" >&2

stats=$(rt events --stats ct)
check "events --stats: memory limit" test "$(echo "$stats" | jq .data.memory.usage.limit)" = 134217728
check "events --stats: pids" test "$(echo "$stats" | jq .data.pids.current)" = 1

rt update --memory 32m --memory-swap 32m ct
timeout 120 "$RT_BIN" --root "$root" events --interval 200ms ct >"$work/ev" &
ev=$!
for _ in $(seq 300); do [ -s "$work/ev" ] && break; sleep 0.2; done
rt exec ct dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null
check "OOM kill" test $? = 137
check "memory.events oom_kill" grep -qx 'oom_kill [1-9][0-9]*' "$dir/memory.events"
rt kill ct KILL
wait $ev
check "events ends with the container" test $? = 0
check "events reports the OOM" grep -qx '{"type":"oom","id":"ct"}' "$work/ev"

for _ in $(seq 100); do [ "$(rt state ct | jq -r .status)" = stopped ] && break; sleep 0.1; done
check "delete" rt delete ct
check "delete removes the cgroup" test ! -e "$dir"

# Without tight limits the init is born in its cgroup (CLONE_INTO_CGROUP):
# it is there from the start, and the container's processes are too.
jq '.linux.resources = {"memory": {"limit": 268435456}} | .process.args = ["sh", "-c", "cat /proc/self/cgroup"]
	| del(.linux.devices)' "$bundle/config.json" >"$bundle/c.json" && mv "$bundle/c.json" "$bundle/config.json"
check "into-cgroup: create" rt create -b "$bundle" ct
pid=$(rt state ct | jq .pid)
check "into-cgroup: init born in its cgroup" grep -qx "$pid" "$dir/cgroup.procs"
check "into-cgroup: memory.max" is memory.max 268435456
check "into-cgroup: delete" rt delete -f ct
check "into-cgroup: run sees its cgroup namespace root" test "$(rt run -b "$bundle" ct)" = "0::/"
check "into-cgroup: cgroup removed" test ! -e "$dir"

# Docker 20.10's linux.resources for `docker run -m 64m --pids-limit 50
# --cpus 0.5` (daemon/oci_linux.go): weight and shares 0, the OOM killer
# flag false. They are unset: the container runs and the rest lands.
jq '.process.args = ["sleep", "1000"] | .linux.resources = {"devices": [{"allow": false, "access": "rwm"}],
	"memory": {"limit": 67108864, "swap": 134217728, "disableOOMKiller": false},
	"cpu": {"shares": 0, "quota": 50000, "period": 100000}, "pids": {"limit": 50}, "blockIO": {"weight": 0}}' \
	"$bundle/config.json" >"$bundle/c.json" && mv "$bundle/c.json" "$bundle/config.json"
check "docker block: run -d" rt run -d -b "$bundle" ct
check "docker block: exec" rt exec ct true
check "docker block: memory.max" is memory.max 67108864
check "docker block: memory.swap.max" is memory.swap.max 67108864
check "docker block: pids.max" is pids.max 50
check "docker block: cpu.max" is cpu.max "50000 100000"
check "docker block: cpu.weight left at the default" is cpu.weight 100
check "docker block: delete" rt delete -f ct

# Podman's --device-cgroup-rule="a 240:0 rw": type a with numbers is that
# device of both types in the BPF filter (crun's reading), nothing more.
# Allowed, a node with no driver behind it opens to ENXIO; denied, EPERM.
jq '.process.args = ["sleep", "1000"] | .linux.resources = {"devices": [{"allow": false, "access": "rwm"},
		{"allow": true, "type": "a", "major": 240, "minor": 0, "access": "rw"}]}
	| .linux.devices = [{"path": "/dev/fake", "type": "c", "major": 240, "minor": 0, "fileMode": 438},
		{"path": "/dev/fakeblk", "type": "b", "major": 240, "minor": 0, "fileMode": 438},
		{"path": "/dev/other", "type": "c", "major": 241, "minor": 0, "fileMode": 438}]' \
	"$bundle/config.json" >"$bundle/c.json" && mv "$bundle/c.json" "$bundle/config.json"
check "a-rule: run -d" rt run -d -b "$bundle" ct
check "a-rule: char 240:0 allowed" eval "rt exec ct head -c1 /dev/fake 2>&1 | grep -q 'No such device or address'"
check "a-rule: block 240:0 allowed" eval "rt exec ct head -c1 /dev/fakeblk 2>&1 | grep -q 'No such device or address'"
check "a-rule: char 241:0 denied" eval "rt exec ct head -c1 /dev/other 2>&1 | grep -q 'Operation not permitted'"
check "a-rule: delete" rt delete -f ct

echo "cgroupv2: $fails failure(s)"
[ "$fails" -eq 0 ]
