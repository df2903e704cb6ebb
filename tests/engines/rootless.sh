#!/bin/bash
# Rootless containers in the systemd + cgroup v2 guest: an ordinary user
# with /etc/subuid and /etc/subgid ranges and its own systemd (lingering),
# running the runtime by hand (cgroupfs: no cgroup; --systemd-cgroup: a
# scope under user@UID.service with the limits in its files) and through
# rootless Podman (--runtime, the systemd cgroup manager over the user's
# bus). See lib.sh for the output contract.
. "$(dirname "$0")/lib.sh"

RL_USER=rtrootless
id "$RL_USER" >/dev/null 2>&1 || useradd -m -s /bin/bash "$RL_USER"
RL_UID=$(id -u "$RL_USER")
RL_GID=$(id -g "$RL_USER")
grep -q "^$RL_USER:" /etc/subuid || echo "$RL_USER:300000:65536" >>/etc/subuid
grep -q "^$RL_USER:" /etc/subgid || echo "$RL_USER:300000:65536" >>/etc/subgid
XDG=/run/user/$RL_UID
# The user's systemd (and its D-Bus) start with lingering; the guest is slow.
loginctl enable-linger "$RL_USER"
for _ in $(seq 600); do
	[ -S "$XDG/bus" ] && break
	sleep 0.5
done

W=$(mktemp -d /var/tmp/rootless.XXXXXX)
chmod 755 "$W"
cp "$RUNTIME" "$W/$RUNTIME_NAME"
chmod 755 "$W/$RUNTIME_NAME"
R=$W/$RUNTIME_NAME
mkdir "$W/bundle"
busybox_rootfs "$W/bundle/rootfs"
chown -R "$RL_UID:$RL_GID" "$W/bundle"
# Where the runtime keeps state by default: $XDG_RUNTIME_DIR/<its name>.
STATE=$XDG/$RUNTIME_NAME
export RL_USER RL_UID RL_GID XDG W R STATE RUNTIME_NAME

# as CMD...: CMD as the user, in its session's environment.
as() {
	(cd "$W" && runuser -u "$RL_USER" -- env XDG_RUNTIME_DIR="$XDG" \
		DBUS_SESSION_BUS_ADDRESS="unix:path=$XDG/bus" HOME="/home/$RL_USER" \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@")
}

edit() {
	as sh -c "jq '$1' '$2/config.json' >'$2/c.json' && mv '$2/c.json' '$2/config.json'"
}

# wait_stopped ID [GLOBAL FLAGS]
wait_stopped() {
	local id=$1
	shift
	for _ in $(seq 100); do
		[ "$(as "$R" "$@" state "$id" | jq -r .status)" = stopped ] && return 0
		sleep 0.2
	done
	echo "$id is $(as "$R" "$@" state "$id" | jq -r .status), not stopped"
	return 1
}

# --- the runtime by hand, cgroupfs driver ---------------------------------

spec_rootless() {
	as "$R" spec --rootless -b "$W/bundle" &&
		edit '.process.terminal = false | .process.args = ["sleep", "1000"]' "$W/bundle" &&
		[ "$(jq -r '.linux.uidMappings[0].hostID' "$W/bundle/config.json")" = "$RL_UID" ]
}
check "rootless spec --rootless maps the user" spec_rootless

run_cgroupfs() {
	as "$R" run -d -b "$W/bundle" rl-fs || return 1
	local pid
	pid=$(as "$R" state rl-fs | jq -r .pid)
	[ "$(stat -c %u "/proc/$pid")" = "$RL_UID" ] || { echo "init not the user's"; return 1; }
	if grep rl-fs "/proc/$pid/cgroup"; then
		echo "a cgroup was made: $(cat "/proc/$pid/cgroup")"
		return 1
	fi
}
check "rootless run (cgroupfs): no cgroup" run_cgroupfs
check "rootless state under XDG_RUNTIME_DIR" test -f "$STATE/rl-fs/state.json"
check "rootless list" sh -c "[ \"\$(runuser -u $RL_USER -- env XDG_RUNTIME_DIR=$XDG $R list -q)\" = rl-fs ]"

exec_fs() {
	local out
	out=$(as "$R" exec rl-fs sh -c 'id -u; cat /proc/self/uid_map') || return 1
	echo "$out"
	[ "$(echo "$out" | head -n 1)" = 0 ] &&
		[ "$(echo "$out" | sed -n 2p | awk '{print $1, $2, $3}')" = "0 $RL_UID 1" ]
}
check "rootless exec" exec_fs
check "rootless kill" sh -c "runuser -u $RL_USER -- env XDG_RUNTIME_DIR=$XDG $R kill rl-fs KILL"
check "rootless stopped after kill" wait_stopped rl-fs
delete_fs() {
	as "$R" delete rl-fs && [ ! -e "$STATE/rl-fs" ]
}
check "rootless delete" delete_fs

# --- the runtime by hand, systemd driver (the user's systemd) ---------------

run_systemd() {
	mkdir -p "$W/sd" && cp "$W/bundle/config.json" "$W/sd/" && chown -R "$RL_UID:$RL_GID" "$W/sd" || return 1
	edit ".root.path = \"$W/bundle/rootfs\" | .linux.resources = {memory: {limit: 67108864}, pids: {limit: 99}}" "$W/sd" || return 1
	as "$R" --systemd-cgroup run -d -b "$W/sd" rl-sd || return 1
	local pid cg
	pid=$(as "$R" --systemd-cgroup state rl-sd | jq -r .pid)
	cg=$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
	echo "cgroup: $cg"
	case $cg in
	*/user@$RL_UID.service/*.scope) ;;
	*) echo "not a scope of user@$RL_UID.service: $cg"; return 1 ;;
	esac
	echo "$cg" >"$W/sd.cg"
}
check "rootless run (systemd): scope under user@UID.service" run_systemd

limits_systemd() {
	local cg
	cg=$(cat "$W/sd.cg") || return 1
	local mem pids
	mem=$(cat "/sys/fs/cgroup$cg/memory.max")
	pids=$(cat "/sys/fs/cgroup$cg/pids.max")
	echo "memory.max=$mem pids.max=$pids"
	[ "$mem" = 67108864 ] && [ "$pids" = 99 ]
}
check "rootless systemd scope has the memory and pids limits" limits_systemd
check "rootless systemd exec" sh -c "runuser -u $RL_USER -- env XDG_RUNTIME_DIR=$XDG DBUS_SESSION_BUS_ADDRESS=unix:path=$XDG/bus $R --systemd-cgroup exec rl-sd true"
delete_systemd() {
	local cg
	cg=$(cat "$W/sd.cg") || return 1
	as "$R" --systemd-cgroup delete -f rl-sd || return 1
	[ ! -e "$STATE/rl-sd" ] || { echo "state left"; return 1; }
	[ ! -d "/sys/fs/cgroup$cg" ] || { echo "scope's cgroup left: $cg"; return 1; }
}
check "rootless systemd delete -f removes the scope" delete_systemd

# --- rootless Podman with the runtime ----------------------------------------

pod() { as podman --runtime "$R" --cgroup-manager systemd "$@"; }
tar -C "$W/bundle/rootfs" -cf "$W/rootfs.tar" .
chmod 644 "$W/rootfs.tar"
check "rootless podman import" as podman import "$W/rootfs.tar" localhost/rt-rootless-bb

podman_run_rm() {
	local out
	out=$(pod run --rm --network none localhost/rt-rootless-bb sh -c 'echo hi-from-rootless; id -u') || return 1
	echo "$out"
	[ "$(echo "$out" | head -n 1)" = hi-from-rootless ] && [ "$(echo "$out" | sed -n 2p)" = 0 ]
}
check "rootless podman run --rm" podman_run_rm
check "rootless podman run -d" pod run -d --name rl-pod --network none localhost/rt-rootless-bb sleep 1000
podman_exec() {
	local out
	out=$(pod exec rl-pod sh -c 'echo in; id -u') || return 1
	echo "$out"
	[ "$out" = "in
0" ]
}
check "rootless podman exec" podman_exec
podman_stop() {
	pod stop -t 2 rl-pod || return 1
	[ "$(as podman inspect -f '{{.State.Status}}' rl-pod)" = exited ]
}
check "rootless podman stop" podman_stop
podman_rm() {
	pod rm rl-pod || return 1
	! as podman container exists rl-pod
}
check "rootless podman rm" podman_rm

# Leave no containers, image or linger behind (the guest is thrown away,
# but a rerun in the same guest must start clean).
as podman rm -f rl-pod >/dev/null 2>&1
as podman rmi -f localhost/rt-rootless-bb >/dev/null 2>&1
as "$R" delete -f rl-fs >/dev/null 2>&1
as "$R" --systemd-cgroup delete -f rl-sd >/dev/null 2>&1
rm -rf "$W"
exit 0
