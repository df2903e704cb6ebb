#!/bin/bash
# rt-only
# check.sh: `rt check` where this host cannot show it: an AppArmor profile
# that is not loaded, an SELinux label the policy does not know, cgroup v2
# controllers an ancestor does not pass on, the systemd driver. Each
# problem check reports makes create fail with the same line and leave
# nothing. rt has no runc counterpart here: run.sh runs it for rt only.
. "$(dirname "$0")/lib.sh"

# same_line BUNDLE WANT [GLOBAL FLAGS]: check prints WANT alone and fails;
# create fails with "rt: WANT" and leaves no state.
same_line() {
	local b=$1 want=$2 out rc
	shift 2
	out=$(ct "$@" check -b "$b" 2>&1)
	rc=$?
	echo "check: $out"
	[ $rc -eq 1 ] || fail "check exited $rc"
	[ "$out" = "$want" ] || fail "check said: $out"
	out=$(ct "$@" create -b "$b" ck 2>&1 </dev/null)
	rc=$?
	echo "create: $out"
	ct delete -f ck >/dev/null 2>&1
	[ $rc -ne 0 ] || fail "create succeeded"
	[ "$out" = "rt: $want" ] || fail "create said: $out"
	! left ck
}

passes() { # BUNDLE [GLOBAL FLAGS]
	local b=$1 out
	shift
	out=$(ct "$@" check -b "$b" 2>&1) || fail "check failed: $out"
	echo "$out"
}

t_apparmor_not_loaded() {
	local b
	b=$(mkbundle ck-aa '.process.apparmorProfile = "rt-lsm-not-loaded"') || return 1
	same_line "$b" 'config.json: process.apparmorProfile: AppArmor profile "rt-lsm-not-loaded" is not loaded (load it with apparmor_parser)'
}

t_apparmor_loaded() {
	local b p
	# Any loaded profile will do.
	p=$(sed -n '1s/ (.*//p' /sys/kernel/security/apparmor/profiles)
	[ -n "$p" ] || fail "no profile is loaded"
	b=$(mkbundle ck-aa-ok ".process.apparmorProfile = \"$p\"") || return 1
	passes "$b"
}

t_selinux_invalid() {
	local b
	b=$(mkbundle ck-se '.process.selinuxLabel = "system_u:system_r:no_such_type_t:s0"') || return 1
	same_line "$b" 'config.json: process.selinuxLabel: SELinux label "system_u:system_r:no_such_type_t:s0" is not valid in the loaded policy'
	b=$(mkbundle ck-se-mnt '.linux.mountLabel = "system_u:object_r:no_such_file_t:s0"') || return 1
	same_line "$b" 'config.json: linux.mountLabel: SELinux label "system_u:object_r:no_such_file_t:s0" is not valid in the loaded policy'
}

t_selinux_valid() {
	local b
	b=$(mkbundle ck-se-ok ".process.selinuxLabel = \"$(id -Z)\"") || return 1
	passes "$b"
}

# A cgroup holding a process cannot enable a controller for children (the
# "no internal processes" rule): a memory limit below it cannot be had.
t_v2_not_delegated() {
	local busy=/sys/fs/cgroup/lsm-busy b pid
	mkdir -p $busy
	sleep 1000 &
	pid=$!
	echo $pid >$busy/cgroup.procs
	b=$(mkbundle ck-v2 '.linux.cgroupsPath = "/lsm-busy/ct" | .linux.resources.memory = {limit: 67108864}') || return 1
	same_line "$b" "config.json: linux.resources.memory: the memory controller is not delegated: $busy holds processes, so it cannot enable the controller for its children"
	local rc=$?
	[ -d $busy/ct ] && { echo "cgroup $busy/ct left"; rc=1; }
	kill $pid
	wait $pid 2>/dev/null
	rmdir $busy
	return $rc
}

t_v2_no_net_cls() {
	local b
	b=$(mkbundle ck-netcls '.linux.resources.network = {classID: 1048577}') || return 1
	same_line "$b" 'config.json: linux.resources.network.classID: cgroup v2 has no net_cls controller'
}

t_systemd_ok() {
	local b
	b=$(mkbundle ck-sd '.linux.cgroupsPath = "system.slice:lsm:ck" | .linux.resources.memory = {limit: 67108864} | .linux.resources.pids = {limit: 50}') || return 1
	passes "$b" --systemd-cgroup || return 1
	# Nothing was made: no unit, no cgroup.
	! systemctl is-active -q lsm-ck.scope || fail "lsm-ck.scope exists"
	[ ! -d /sys/fs/cgroup/system.slice/lsm-ck.scope ] || fail "cgroup made"
}

t_systemd_no_net_cls() {
	local b
	b=$(mkbundle ck-sd-net '.linux.cgroupsPath = "system.slice:lsm:ck" | .linux.resources.network = {classID: 1048577}') || return 1
	same_line "$b" 'config.json: linux.resources.network.classID: cgroup v2 has no net_cls controller' --systemd-cgroup
}

if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ]; then
	check "check: AppArmor profile not loaded, create says the same" t_apparmor_not_loaded
	check "check: a loaded AppArmor profile passes" t_apparmor_loaded
fi
if [ -e /sys/fs/selinux/enforce ]; then
	check "check: SELinux labels the policy lacks, create says the same" t_selinux_invalid
	check "check: a valid SELinux label passes" t_selinux_valid
fi
if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
	check "check: v2 controller an ancestor cannot pass on, create says the same" t_v2_not_delegated
	check "check: v2 has no net_cls, create says the same" t_v2_no_net_cls
fi
if [ -d /run/systemd/system ]; then
	check "check: --systemd-cgroup with limits passes, making nothing" t_systemd_ok
	check "check: --systemd-cgroup without net_cls, create says the same" t_systemd_no_net_cls
fi
rm -rf "$LSM_WORK"
