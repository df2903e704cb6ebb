# Docker suite: seccomp, capabilities, --privileged, read-only and
# mounts, users, rlimits, devices and sysctls (docker.sh sources this).

# Docker's default profile refuses unshare(2) without CAP_SYS_ADMIN.
t_seccomp_default() {
	local out
	out=$(dr --rm $IMG sh -c 'grep ^Seccomp: /proc/self/status; unshare -U true 2>&1; echo rc=$?' 2>&1)
	echo "$out"
	echo "$out" | grep -Eq '^Seccomp:[[:space:]]+2$' || fail "no seccomp filter" || return 1
	echo "$out" | grep -q 'Operation not permitted' || fail "unshare was not refused" || return 1
	echo "$out" | grep -qx rc=1 || fail "unshare did not fail"
}

t_seccomp_unconfined() {
	local out
	out=$(dr --rm --security-opt seccomp=unconfined $IMG sh -c 'grep ^Seccomp: /proc/self/status; unshare -U true 2>&1; echo rc=$?' 2>&1)
	echo "$out"
	echo "$out" | grep -Eq '^Seccomp:[[:space:]]+0$' || fail "a seccomp filter with seccomp=unconfined" || return 1
	echo "$out" | grep -qx rc=0 || fail "unshare failed without a filter"
}

# A profile of our own: mkdir(at) fails with the errno it names (EACCES).
t_seccomp_profile() {
	local out
	jq -n '{defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 13}]}' >"$base/profile.json"
	out=$(dr --rm --security-opt seccomp="$base/profile.json" $IMG sh -c 'mkdir /tmp/d 2>&1; echo rc=$?; touch /tmp/f && echo touched' 2>&1)
	echo "$out"
	echo "$out" | grep -q 'Permission denied' || fail "mkdir did not fail with EACCES" || return 1
	echo "$out" | grep -qx touched || fail "other calls failed too"
}

t_no_new_privs() {
	local out
	out=$(dr --rm --security-opt no-new-privileges $IMG grep ^NoNewPrivs: /proc/self/status) || return 1
	echo "$out" | grep -Eq '^NoNewPrivs:[[:space:]]+1$' || fail "$out"
}

# Docker 20.10's default set: CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID
# SETUID SETPCAP NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP.
t_caps_default() {
	local out
	out=$(dr --rm $IMG grep -E '^Cap(Eff|Bnd):' /proc/self/status) || return 1
	echo "$out"
	[ "$(echo "$out" | awk '$1 == "CapEff:" { print $2 }')" = 00000000a80425fb ] || fail "CapEff is not Docker's default set" || return 1
	[ "$(echo "$out" | awk '$1 == "CapBnd:" { print $2 }')" = 00000000a80425fb ] || fail "CapBnd is not Docker's default set"
}

t_cap_drop() {
	local out
	out=$(dr --rm --cap-drop all $IMG sh -c 'grep -E "^Cap(Eff|Prm|Bnd):" /proc/self/status; chown 1 /tmp 2>&1' 2>&1)
	echo "$out"
	echo "$out" | grep -Eq '^CapEff:[[:space:]]+0+$' || fail "CapEff not 0" || return 1
	echo "$out" | grep -Eq '^CapBnd:[[:space:]]+0+$' || fail "CapBnd not 0" || return 1
	echo "$out" | grep -q 'Operation not permitted' || fail "chown without caps did not fail"
}

# sethostname(2) needs CAP_SYS_ADMIN, which --cap-add gives (and neither
# Docker's seccomp profile nor its AppArmor one refuses it).
t_cap_add() {
	local out
	out=$(dr --rm $IMG sh -c 'hostname other 2>&1; echo rc=$?' 2>&1)
	echo "$out"
	echo "$out" | grep -qx rc=1 || fail "hostname worked without CAP_SYS_ADMIN" || return 1
	out=$(dr --rm --cap-add SYS_ADMIN $IMG sh -c 'hostname other && hostname' 2>&1)
	echo "$out"
	[ "$out" = other ] || fail "hostname with SYS_ADMIN failed"
}

# Every capability Docker 20.10 knows (0-37: 0x3fffffffff), no filter,
# the host's devices, /sys writable. Where the engine's bounding set lacks
# one of them (CAP_SYS_RESOURCE on the development host), capset fails:
# the check fails with runc too.
t_privileged() {
	local out eff bnd dev
	dev=$(ls /sys/block | grep -v -e '^loop' -e '^ram' | head -n 1)
	out=$(dr --rm --privileged $IMG sh -c "grep -E '^(CapEff|CapBnd|Seccomp):' /proc/self/status; test -b /dev/$dev && echo has-$dev; grep ' /sys ' /proc/mounts" 2>&1) ||
		fail "run failed: $(echo "$out" | grep -m 1 'Error response')" || return 1
	echo "$out"
	eff=$(echo "$out" | awk '$1 == "CapEff:" { print $2 }')
	bnd=$(echo "$out" | awk '$1 == "CapBnd:" { print $2 }')
	[ -n "$eff" ] || fail "no CapEff" || return 1
	[ $((0x$eff & 0x3fffffffff)) = $((0x3fffffffff)) ] || fail "CapEff $eff lacks some of 0x3fffffffff" || return 1
	[ "$eff" = "$bnd" ] || fail "CapEff $eff, CapBnd $bnd" || return 1
	echo "$out" | grep -Eq '^Seccomp:[[:space:]]+0$' || fail "a seccomp filter in a privileged container" || return 1
	[ -z "$dev" ] || echo "$out" | grep -qx "has-$dev" || fail "no /dev/$dev" || return 1
	echo "$out" | grep -Eq ' /sys sysfs rw[, ]' || fail "/sys not writable"
}

t_read_only() {
	local out
	out=$(dr --rm --read-only $IMG sh -c 'touch /etc/x 2>&1; echo rc=$?; grep " / " /proc/mounts' 2>&1)
	echo "$out"
	echo "$out" | grep -q 'Read-only file system' || fail "write to / did not fail EROFS" || return 1
	echo "$out" | grep -Eq ' / [^ ]+ ro[, ]' || fail "/ not mounted ro"
}

t_tmpfs() {
	local out
	out=$(dr --rm --read-only --tmpfs /scratch:size=1m,mode=1777 $IMG sh -c 'grep " /scratch " /proc/mounts; echo hi >/scratch/f && cat /scratch/f; stat -c %a /scratch' 2>&1)
	echo "$out"
	echo "$out" | grep -Eq '^tmpfs /scratch tmpfs rw,.*size=1024k' || fail "no 1m tmpfs on /scratch" || return 1
	echo "$out" | grep -qx hi || fail "cannot write to the tmpfs" || return 1
	echo "$out" | grep -qx 1777 || fail "mode not 1777"
}

t_volume() {
	local v=$base/vol out
	mkdir -p "$v" && echo from-host >"$v/in"
	out=$(dr --rm -v "$v:/data" $IMG sh -c 'cat /data/in; echo from-ctr >/data/out' 2>&1)
	[ "$out" = from-host ] || fail "read in the container: $out" || return 1
	[ "$(cat "$v/out" 2>&1)" = from-ctr ] || fail "written in the container: $(cat "$v/out" 2>&1)" || return 1
	out=$(dr --rm -v "$v:/data:ro" $IMG sh -c 'echo x >/data/out2' 2>&1)
	echo "$out" | grep -q 'Read-only file system' || fail ":ro volume writable: $out"
}

t_user() {
	local out
	out=$(dr --rm --user 65534:65534 $IMG sh -c 'id -u; id -g; touch /root/x 2>&1' 2>&1)
	echo "$out"
	[ "$(echo "$out" | sed -n 1p)" = 65534 ] || fail "uid not 65534" || return 1
	[ "$(echo "$out" | sed -n 2p)" = 65534 ] || fail "gid not 65534" || return 1
	echo "$out" | grep -q 'Permission denied' || fail "nobody could write to /root"
}

t_workdir_env() {
	local out
	out=$(dr --rm -w /made/by/docker -e RUNVAR=from-run $IMG sh -c 'pwd; echo $RUNVAR $IMGVAR; echo $PATH') || return 1
	echo "$out"
	[ "$(echo "$out" | sed -n 1p)" = /made/by/docker ] || fail "cwd" || return 1
	[ "$(echo "$out" | sed -n 2p)" = "from-run from-image" ] || fail "env" || return 1
	[ "$(echo "$out" | sed -n 3p)" = /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin ] || fail "PATH"
}

t_init() {
	local out
	out=$(dr --rm --init $IMG sh -c 'cat /proc/1/comm; echo $$' 2>&1)
	echo "$out"
	echo "$out" | sed -n 1p | grep -Eq 'docker-init|tini' || fail "pid 1 is $(echo "$out" | sed -n 1p)" || return 1
	[ "$(echo "$out" | sed -n 2p)" != 1 ] || fail "sh is pid 1"
}

t_ulimit() {
	local out
	out=$(dr --rm --ulimit nofile=1024:2048 $IMG sh -c 'ulimit -n; ulimit -Hn') || return 1
	[ "$(echo $out)" = "1024 2048" ] || fail "nofile soft/hard: $(echo $out)"
}

t_shm_size() {
	local out
	out=$(dr --rm --shm-size 8m $IMG grep ' /dev/shm ' /proc/mounts) || return 1
	echo "$out"
	echo "$out" | grep -q 'size=8192k' || fail "no 8m /dev/shm"
}

t_device() {
	local out
	out=$(dr --rm --device /dev/zero:/dev/myzero $IMG sh -c 'head -c 4 /dev/myzero | od -An -tx1; stat -c %t:%T /dev/myzero' 2>&1)
	echo "$out"
	[ "$(echo $out)" = "00 00 00 00 1:5" ] || fail "device: $(echo $out)"
}

t_oom_score_adj() {
	local out
	out=$(dr --rm --oom-score-adj 500 $IMG cat /proc/self/oom_score_adj) || return 1
	[ "$out" = 500 ] || fail "oom_score_adj $out"
}

# A network sysctl in a network namespace of the container's own, an ipc
# one in its own ipc namespace: set inside, the engine's unchanged.
t_sysctl_own() {
	local fwd msg out
	fwd=$(cat /proc/sys/net/ipv4/ip_forward)
	msg=$(cat /proc/sys/kernel/msgmax)
	out=$(dr --rm --sysctl net.ipv4.ip_forward=$((1 - fwd)) --sysctl kernel.msgmax=$((msg + 1)) $IMG cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/msgmax) || return 1
	echo "$out"
	[ "$(echo $out)" = "$((1 - fwd)) $((msg + 1))" ] || fail "inside: $(echo $out), want $((1 - fwd)) $((msg + 1))" || return 1
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$fwd" ] || fail "the engine's ip_forward changed" || return 1
	[ "$(cat /proc/sys/kernel/msgmax)" = "$msg" ] || fail "the engine's msgmax changed"
}

# Security: with the engine's network (or ipc) namespace, a namespaced
# sysctl would change the engine's own. The runtime must refuse (runc:
# 'sysctl "net.ipv4.ip_forward" not allowed in host network namespace').
# Should it not, the value is put back.
t_sysctl_host_net() {
	local before after out rc
	before=$(cat /proc/sys/net/ipv4/ip_forward)
	out=$(dr --rm --network host --sysctl net.ipv4.ip_forward=$((1 - before)) $IMG cat /proc/sys/net/ipv4/ip_forward 2>&1)
	rc=$?
	after=$(cat /proc/sys/net/ipv4/ip_forward)
	[ "$after" = "$before" ] || echo "$before" >/proc/sys/net/ipv4/ip_forward
	echo "$out"
	[ "$after" = "$before" ] || fail "SECURITY: the engine's ip_forward went from $before to $after" || return 1
	[ $rc != 0 ] || fail "run succeeded (exit 0)" || return 1
	echo "$out" | grep -qi 'network namespace' || fail "refused, but not for the namespace: $(echo "$out" | tail -n 1)"
}

t_sysctl_host_ipc() {
	local before after out rc
	before=$(cat /proc/sys/kernel/msgmax)
	out=$(dr --rm --ipc host --sysctl kernel.msgmax=$((before + 1)) $IMG cat /proc/sys/kernel/msgmax 2>&1)
	rc=$?
	after=$(cat /proc/sys/kernel/msgmax)
	[ "$after" = "$before" ] || echo "$before" >/proc/sys/kernel/msgmax
	echo "$out"
	[ "$after" = "$before" ] || fail "SECURITY: the engine's msgmax went from $before to $after" || return 1
	[ $rc != 0 ] || fail "run succeeded (exit 0)" || return 1
	echo "$out" | grep -qi 'ipc namespace' || fail "refused, but not for the namespace: $(echo "$out" | tail -n 1)"
}

# Where AppArmor is on, Docker loads its docker-default profile and asks
# for it in every container that is not privileged or unconfined.
t_apparmor() {
	local out
	out=$(dr --rm $IMG cat /proc/self/attr/current) || return 1
	[ "$out" = "docker-default (enforce)" ] || fail "profile: $out" || return 1
	out=$(dr --rm --security-opt apparmor=unconfined $IMG cat /proc/self/attr/current) || return 1
	[ "$out" = unconfined ] || fail "apparmor=unconfined: profile $out" || return 1
	out=$(dr --rm --privileged $IMG cat /proc/self/attr/current) || return 1
	[ "$out" = unconfined ] || fail "--privileged: profile $out"
}
