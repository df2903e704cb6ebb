#!/bin/bash
# docker.sh: Docker 20.10 (Debian's docker.io, on its containerd 1.6 and the
# runc shim v2) over RUNTIME. It starts a dockerd of its own, with its
# data-root, exec-root, pidfile and socket in one directory under
# DOCKER_TEST_DIR (default /var/tmp), and a daemon.json that registers
# RUNTIME as RUNTIME_NAME; every container is run with --runtime
# RUNTIME_NAME. runc is Docker's built-in runtime name, so for runc the
# built-in one is used (it must be RUNTIME). The image is a busybox rootfs
# made from the busybox-static package and brought in with `docker import`:
# nothing is pulled.
#
# The cgroup driver is systemd where PID 1 is systemd (the guest of
# make test-engines), else cgroupfs with a cgroup parent of the suite's own,
# /rt-docker-test/RUNTIME_NAME, removed at the end (tests/engines/host-docker.sh
# runs the suite that way on a cgroup v1 host, in a network namespace).
# The checks are in docker/*.sh; see lib.sh for the output contract.
: "${CHECK_TIMEOUT:=300}"
. "$(dirname "$0")/lib.sh"

DOCKER=${DOCKER:-/usr/bin/docker}
testdir=${DOCKER_TEST_DIR:-/var/tmp}
mkdir -p "$testdir"
base=$(mktemp -d "$testdir/docker-$RUNTIME_NAME.XXXXXX")
sock=$base/docker.sock
rroot=$base/exec/runtime-runc/moby
IMG=rt-test/busybox:1
# Docker keeps runc's name for its own runc; another runtime is ours.
DRT=$RUNTIME_NAME
if [ "$RUNTIME_NAME" = runc ]; then
	if [ "$(command -v runc)" != "$RUNTIME" ]; then
		DRT=runc-under-test
	fi
fi
if [ "$(cat /proc/1/comm)" = systemd ]; then
	CGDRIVER=systemd
	CGPARENT=
else
	CGDRIVER=cgroupfs
	CGPARENT=/rt-docker-test/$RUNTIME_NAME
fi
CGV=1
[ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] && CGV=2
export DOCKER base sock rroot IMG DRT CGDRIVER CGPARENT CGV RUNTIME RUNTIME_NAME
export DOCKER_CONFIG=$base/client

runtimes='{}'
[ "$DRT" = runc ] || runtimes=$(jq -n --arg n "$DRT" --arg p "$RUNTIME" '{($n): {path: $p}}')
jq -n --arg b "$base" --arg drv "$CGDRIVER" --arg parent "$CGPARENT" --argjson rts "$runtimes" '{
	"data-root": ($b + "/data"), "exec-root": ($b + "/exec"), "pidfile": ($b + "/docker.pid"),
	hosts: ["unix://" + $b + "/docker.sock"], runtimes: $rts,
	"exec-opts": ["native.cgroupdriver=" + $drv],
	"storage-driver": "overlay2", "log-driver": "json-file"
} + (if $parent == "" then {} else {"cgroup-parent": $parent} end)' >"$base/daemon.json"

dockerd --config-file "$base/daemon.json" >"$base/dockerd.log" 2>&1 &
dockerd_pid=$!
export dockerd_pid

for f in helpers lifecycle resources security namespaces; do
	. "$ENGINES_DIR/docker/$f.sh"
done

cleanup() {
	local ids
	if kill -0 "$dockerd_pid" 2>/dev/null; then
		ids=$(d ps -aq 2>/dev/null)
		[ -z "$ids" ] || d rm -f $ids >/dev/null 2>&1
		d network rm rtnet >/dev/null 2>&1
		kill "$dockerd_pid"
		for _ in $(seq 1 120); do
			kill -0 "$dockerd_pid" 2>/dev/null || break
			sleep 0.5
		done
		kill -KILL "$dockerd_pid" 2>/dev/null
		wait "$dockerd_pid" 2>/dev/null
	fi
	# Containers the daemon did not take down (it died first).
	for id in $("$RUNTIME" --root "$rroot" list -q 2>/dev/null); do
		"$RUNTIME" --root "$rroot" delete -f "$id" >/dev/null 2>&1
	done
	# dockerd stops its containerd; a shim or containerd left over is ours.
	local p
	for p in $(pgrep -f "$base/exec/containerd"); do
		kill -KILL "$p"
	done
	grep " $base/" /proc/self/mountinfo | awk '{ print $5 }' | sort -r | while read -r m; do
		umount -l "$m"
	done
	if [ -n "$CGPARENT" ]; then
		find /sys/fs/cgroup/*"$CGPARENT" -depth -type d -exec rmdir {} + 2>/dev/null
		rmdir /sys/fs/cgroup/*/"${CGPARENT%/*}" 2>/dev/null
	fi
	echo "dockerd log (tail):" >&2
	tail -n 40 "$base/dockerd.log" | sed 's/^/  [dockerd] /' >&2
	rm -rf --one-file-system "$base"
	rm -f "$check_log"
}
trap cleanup EXIT

check dockerd-starts t_daemon
check image-import t_import
check run-output-and-exit-code t_run_output
check run-rm t_run_rm
check run-missing-command-exit-127 t_exit_127
check run-not-executable-exit-126 t_exit_126
check run-stdin-pipe t_run_stdin
check run-it t_run_it
check run-d-logs t_run_d_logs
# One long-running container for the exec, top, stats, cp and export checks.
check run-d-for-exec start "$(cname ex)" -e RUNVAR=from-run
check exec t_exec
check exec-it t_exec_it
check exec-user t_exec_user
check exec-workdir t_exec_workdir
check exec-env t_exec_env
check exec-stdin t_exec_stdin
check top t_top
check stats-no-stream t_stats
check cp t_cp
check export t_export
check pid-container t_pid_container
rmf "$(cname ex)"
check pause-unpause t_pause
check stop-term-trapped t_stop_term
check stop-kill-after-timeout t_stop_kill
check kill-signal t_kill
check restart t_restart_cmd
check restart-always t_restart_always
check restart-on-failure t_restart_on_failure
check rm-force-cleans-up t_rm_force
check shared-runtime-root-with-runc t_shared_root
check oom-killed t_oom
check pids-limit t_pids_limit
check memory-pids-cpuset-in-cgroup t_limits
check cpus-in-cgroup t_cpus
check cpu-shares-in-cgroup t_cpu_shares
check blkio-weight t_blkio_weight
check update-memory t_update_memory
check update-cpus t_update_cpus
check update-pids t_update_pids
check seccomp-default-blocks-unshare t_seccomp_default
check seccomp-unconfined t_seccomp_unconfined
check seccomp-profile-errno t_seccomp_profile
check no-new-privileges t_no_new_privs
check caps-default t_caps_default
check cap-drop-all t_cap_drop
check cap-add-sys-admin t_cap_add
check privileged t_privileged
if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ]; then
	check apparmor-docker-default t_apparmor
fi
check read-only t_read_only
check tmpfs t_tmpfs
check volume-bind t_volume
check user t_user
check workdir-and-env t_workdir_env
check init t_init
check ulimit t_ulimit
check shm-size t_shm_size
check device t_device
check oom-score-adj t_oom_score_adj
check hosts-dns-hostname t_hosts_dns
check pid-host t_pid_host
check ipc-shareable-and-host t_ipc
check uts t_uts
check cgroupns t_cgroupns
check network-none t_net_none
check network-host t_net_host
check network-bridge t_net_bridge
check user-network-name-resolution t_user_network
check publish-port-loopback t_publish
check healthcheck t_health
check sysctl-own-namespaces t_sysctl_own
check sysctl-host-network-refused t_sysctl_host_net
check sysctl-host-ipc-refused t_sysctl_host_ipc
exit 0
