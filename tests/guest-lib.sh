# Shared by the guest check scripts (cgroupv2.sh, systemd.sh): PASS/FAIL
# lines and a failure count. The caller sets $dir, the cgroup under test.
fails=0

check() { # NAME COMMAND...: PASS when COMMAND succeeds; returns its verdict
	local name=$1
	shift
	if "$@"; then
		echo "PASS $name"
	else
		echo "FAIL $name"
		fails=$((fails + 1))
		return 1
	fi
}

is() { # FILE WANT: the cgroup file $dir/FILE holds WANT
	local got
	got=$(cat "$dir/$1" 2>&1)
	[ "$got" = "$2" ] || { echo "  $1: got '$got', want '$2'" >&2; return 1; }
}

# failed_update [SNAP]: all or nothing. An update whose last field fails
# (unified cpu.nosuch, after memory, cpu and pids) exits non-zero with one
# line naming that field, and leaves the cgroup files of container ct, its
# saved resources and what SNAP prints (systemd's unit properties) as they
# were. The caller sets $root too. An empty cpuset.cpus (the parent's CPUs)
# cannot come back while the cgroup has tasks: the same CPUs, named, do.
failed_update() {
	local extra=${1:-} before more='' saved out
	before=$(update_snap)
	[ -z "$extra" ] || more=$($extra)
	saved=$(jq -c .linux.resources "$root/ct/config.json")
	out=$(rt update -r - ct 2>&1 <<<'{"memory": {"limit": 268435456, "swap": 536870912, "reservation": 1048576},
	"cpu": {"shares": 300, "quota": 30000, "period": 50000, "cpus": "0"}, "pids": {"limit": 66},
	"unified": {"cpu.nosuch": "1"}}')
	check "failed update: non-zero exit" test $? -ne 0
	check "failed update: one line naming the field" eval '[ "$(echo "$out" | wc -l)" = 1 ] && [[ $out == *"unified[\"cpu.nosuch\"]"* ]] && [[ $out != *"failed too"* ]]' ||
		echo "  $out" >&2
	check "failed update: files as before" test "$(update_snap)" = "$before"
	[ -z "$extra" ] || check "failed update: properties as before" test "$($extra)" = "$more"
	check "failed update: saved resources as before" test "$(jq -c .linux.resources "$root/ct/config.json")" = "$saved"
	[ "$(update_snap)" = "$before" ] || diff <(echo "$before") <(update_snap) >&2
}

update_snap() { # the files failed_update watches
	(cd "$dir" && for f in memory.max memory.swap.max memory.low cpu.weight cpu.max pids.max cpuset.cpus.effective; do echo "$f=$(cat $f)"; done)
}
