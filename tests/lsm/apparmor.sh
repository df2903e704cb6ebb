#!/bin/bash
# apparmor.sh: process.apparmorProfile and exec's profiles in force, and
# Podman's and Docker's default profiles confining their containers, over
# RUNTIME. Run by run.sh in the AppArmor guest (make test-lsm); see
# ../engines/lib.sh for the output contract.
. "$(dirname "$0")/lib.sh"

# The test profile allows everything but writes to /tmp/denied and
# CAP_CHOWN: what a container under it can do shows it is in force.
PROFILE=rt-lsm-test
export PROFILE
cat >"$LSM_WORK/profile" <<-EOP
	profile $PROFILE flags=(attach_disconnected,mediate_deleted) {
	  file,
	  capability,
	  network,
	  mount,
	  umount,
	  pivot_root,
	  signal,
	  ptrace,
	  unix,
	  dbus,
	  deny /tmp/denied w,
	  deny capability chown,
	}
EOP
apparmor_parser -r "$LSM_WORK/profile" || { echo "apparmor_parser cannot load the test profile" >&2; exit 1; }

# What a process reports of its confinement, its denied write and chown.
PROBE='cat /proc/self/attr/current; cat /proc/self/attr/apparmor/current; echo x >/tmp/ok && echo wrote-ok; echo x 2>/dev/null >/tmp/denied && echo wrote-denied; touch /tmp/f; chown 1:1 /tmp/f 2>/dev/null && echo chowned'
export PROBE
confined() { # OUTPUT: the probe's output under $PROFILE
	local want="$PROFILE (enforce)
$PROFILE (enforce)
wrote-ok"
	[ "$1" = "$want" ] || fail "probe said: $(echo "$1" | tr '\n' '|')"
}
unconfined() {
	local want="unconfined
unconfined
wrote-ok
wrote-denied
chowned"
	[ "$1" = "$want" ] || fail "probe said: $(echo "$1" | tr '\n' '|')"
}

t_config_profile() {
	local b out
	b=$(mkbundle cfg ".process.args = [\"sh\", \"-c\", \$ENV.PROBE] | .process.apparmorProfile = \"$PROFILE\"") || return 1
	out=$(ct run -b "$b" aa-cfg 2>&1)
	echo "$out"
	confined "$out"
}

t_no_profile() {
	local b out
	b=$(mkbundle none '.process.args = ["sh", "-c", $ENV.PROBE]') || return 1
	out=$(ct run -b "$b" aa-none 2>&1)
	echo "$out"
	unconfined "$out"
}

# A running container without a profile of its own, for exec.
start_plain() {
	local b
	b=$(mkbundle "$1" '.process.args = ["sleep", "1000"]') || return 1
	ct run -d -b "$b" "$1" >/dev/null 2>&1 </dev/null || fail "run -d failed"
}

t_exec_flag() {
	local out
	start_plain aa-flag || return 1
	out=$(ct exec --apparmor "$PROFILE" aa-flag sh -c "$PROBE" 2>&1)
	echo "$out"
	ct delete -f aa-flag
	confined "$out"
}

t_exec_process_json() {
	local out
	start_plain aa-pj || return 1
	jq -n '{args: ["sh", "-c", $ENV.PROBE], cwd: "/", env: ["PATH=/bin"], apparmorProfile: $ENV.PROFILE,
		capabilities: {bounding: ["CAP_CHOWN"], effective: ["CAP_CHOWN"], permitted: ["CAP_CHOWN"]}}' >"$LSM_WORK/p.json"
	out=$(ct exec --process "$LSM_WORK/p.json" aa-pj 2>&1)
	echo "$out"
	ct delete -f aa-pj
	confined "$out"
}

t_exec_inherits() {
	local b out
	b=$(mkbundle inh ".process.args = [\"sleep\", \"1000\"] | .process.apparmorProfile = \"$PROFILE\"") || return 1
	ct run -d -b "$b" aa-inh >/dev/null 2>&1 </dev/null || fail "run -d failed"
	out=$(ct exec aa-inh sh -c "$PROBE" 2>&1)
	echo "$out"
	ct delete -f aa-inh
	confined "$out"
}

t_not_loaded() {
	local b out rc
	b=$(mkbundle nl '.process.args = ["sh", "-c", "echo lsm-marker-aa-nl; sleep 1000"] | .process.apparmorProfile = "rt-lsm-not-loaded"') || return 1
	out=$(ct create -b "$b" aa-nl 2>&1 </dev/null)
	rc=$?
	echo "$out"
	ct delete -f aa-nl >/dev/null 2>&1
	[ $rc -ne 0 ] || fail "create succeeded"
	! left aa-nl || return 1
	one_line "$out" || fail "not one line: $out"
	[[ "$out" == *rt-lsm-not-loaded* ]] || fail "the error does not name the profile: $out"
}

t_exec_not_loaded() {
	local out rc
	start_plain aa-enl || return 1
	out=$(ct exec --apparmor rt-lsm-not-loaded aa-enl true 2>&1)
	rc=$?
	echo "$out"
	local st
	st=$(ct state aa-enl | jq -r .status)
	ct delete -f aa-enl
	[ $rc -ne 0 ] || fail "exec succeeded"
	[ "$st" = running ] || fail "container is $st after the failed exec"
	[[ "$out" == *rt-lsm-not-loaded* ]] || fail "the error does not name the profile: $out"
}

# Engines: their own default profile.
MOUNT='mkdir -p /mnt; mount -t tmpfs none /mnt 2>/dev/null && echo mounted; cat /proc/self/attr/current'
export MOUNT


t_podman_default() {
	local out
	out=$(pm run --rm --network none --cap-add sys_admin $IMG sh -c "$MOUNT" 2>&1)
	echo "$out"
	# containers-default-<version>: Podman names it after its library.
	[[ "$out" =~ ^containers-default-[0-9.]+\ \(enforce\)$ ]] || fail "not confined: $(echo "$out" | tr '\n' '|')"
}

t_podman_unconfined() {
	local out
	out=$(pm run --rm --network none --cap-add sys_admin --security-opt apparmor=unconfined $IMG sh -c "$MOUNT" 2>&1)
	echo "$out"
	[ "$out" = "$(printf 'mounted\nunconfined')" ] || fail "probe said: $(echo "$out" | tr '\n' '|')"
}

t_podman_exec() {
	local n=aa-pm-exec out
	pm run -d --network none --name $n $IMG sleep 1000 >/dev/null || fail "run -d failed"
	out=$(pm exec $n cat /proc/self/attr/current 2>&1)
	echo "$out"
	pm rm -f -t 0 $n >/dev/null
	[[ "$out" =~ ^containers-default-[0-9.]+\ \(enforce\)$ ]] || fail "exec not confined: $out"
}

dk() { docker "$@"; }
t_docker_default() {
	local out
	out=$(dk run --rm --runtime "$RUNTIME_NAME" --network none --cap-add sys_admin $IMG sh -c "$MOUNT" 2>&1)
	echo "$out"
	[ "$out" = "docker-default (enforce)" ] || fail "not confined: $(echo "$out" | tr '\n' '|')"
}

t_docker_unconfined() {
	local out
	out=$(dk run --rm --runtime "$RUNTIME_NAME" --network none --cap-add sys_admin --security-opt apparmor=unconfined $IMG sh -c "$MOUNT" 2>&1)
	echo "$out"
	[ "$out" = "$(printf 'mounted\nunconfined')" ] || fail "probe said: $(echo "$out" | tr '\n' '|')"
}

t_docker_exec() {
	local n=aa-dk-exec out
	dk run -d --runtime "$RUNTIME_NAME" --network none --name $n $IMG sleep 1000 >/dev/null || fail "run -d failed"
	out=$(dk exec $n cat /proc/self/attr/current 2>&1)
	echo "$out"
	dk rm -f $n >/dev/null
	[ "$out" = "docker-default (enforce)" ] || fail "exec not confined: $out"
}

check "config profile: in attr/current, its denials in force" t_config_profile
check "no profile: unconfined, nothing denied" t_no_profile
check "exec --apparmor: the profile in force" t_exec_flag
check "exec --process with apparmorProfile: the profile in force" t_exec_process_json
check "exec: the config's profile in force" t_exec_inherits
check "profile not loaded: create fails in one line naming it, nothing left" t_not_loaded
check "profile not loaded: exec fails naming it, the container runs on" t_exec_not_loaded

if command -v podman >/dev/null; then
	podman_image
	check "podman: containers-default confines (mount denied)" t_podman_default
	check "podman: apparmor=unconfined lifts it" t_podman_unconfined
	check "podman: exec confined" t_podman_exec
fi
if command -v dockerd >/dev/null; then
	# No network in the guest: no bridge, no iptables; rt as a runtime.
	jq -n --arg rt "$REPO/rt" '{bridge: "none", iptables: false, "ip-masq": false, runtimes: {rt: {path: $rt}}}' >"$LSM_WORK/daemon.json"
	if ! cmp -s "$LSM_WORK/daemon.json" /etc/docker/daemon.json; then
		mkdir -p /etc/docker
		cp "$LSM_WORK/daemon.json" /etc/docker/daemon.json
		systemctl restart docker || journalctl -u docker --no-pager | tail -n 20 >&2
	fi
fi
if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
	docker image inspect $IMG >/dev/null 2>&1 || docker import "$LSM_WORK/busybox.tar" $IMG >/dev/null
	check "docker: docker-default confines (mount denied)" t_docker_default
	check "docker: apparmor=unconfined lifts it" t_docker_unconfined
	check "docker: exec confined" t_docker_exec
fi
rm -rf "$LSM_WORK"
