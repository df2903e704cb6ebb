# Docker suite: limits in the cgroup files, OOM kills, docker update
# (docker.sh sources this).

t_oom() {
	local n rc oom
	n=$(cname oom)
	# tail keeps a line of /dev/zero, which has no newline, whole. The
	# shim watches for OOM kills once the task has started (on v1 with an
	# eventfd it registers then): a kill within the first moment can go
	# unseen, with runc as with rt, so the hog waits a little.
	dr --name "$n" --memory 16m --memory-swap 16m $IMG sh -c 'sleep 2; exec tail /dev/zero'
	rc=$?
	oom=$(insp "$n" '{{.State.OOMKilled}}')
	[ $rc = 137 ] || fail "exit code $rc, want 137" || return 1
	[ "$oom" = true ] || fail "OOMKilled: $oom" || return 1
	rmf "$n"
}

t_pids_limit() {
	local n out
	n=$(cname pids)
	out=$(dr --name "$n" --pids-limit 5 $IMG sh -c 'for i in 1 2 3 4 5 6 7 8; do sleep 3 & done; wait' 2>&1)
	echo "$out"
	echo "$out" | grep -Eq "can't fork|Resource temporarily" || fail "no fork failure beyond 5 pids" || return 1
	[ "$(insp "$n" '{{.HostConfig.PidsLimit}}')" = 5 ] || fail "inspect: PidsLimit $(insp "$n" '{{.HostConfig.PidsLimit}}')" || return 1
	rmf "$n"
}

# The limits of one container, as the cgroup files hold them.
t_limits() {
	local n v
	n=$(cname limits)
	start "$n" --memory 64m --memory-reservation 32m --pids-limit 50 --cpuset-cpus 0 || return 1
	v=$(cg_read "$n" memory memory.limit_in_bytes memory.max)
	[ "$v" = 67108864 ] || fail "memory limit $v, want 67108864" || return 1
	v=$(cg_read "$n" memory memory.soft_limit_in_bytes memory.low)
	[ "$v" = 33554432 ] || fail "memory reservation $v, want 33554432" || return 1
	v=$(cg_read "$n" pids pids.max pids.max)
	[ "$v" = 50 ] || fail "pids.max $v, want 50" || return 1
	v=$(cg_read "$n" cpuset cpuset.cpus cpuset.cpus)
	[ "$v" = 0 ] || fail "cpuset.cpus $v, want 0" || return 1
	rmf "$n"
}

t_cpus() {
	local n v
	n=$(cname cpus)
	start "$n" --cpus 1.5 || return 1
	if [ $CGV = 2 ]; then
		v=$(cg_read "$n" cpu - cpu.max)
		[ "$v" = "150000 100000" ] || fail "cpu.max '$v', want '150000 100000'" || return 1
	else
		v=$(cg_read "$n" cpu cpu.cfs_quota_us -)/$(cg_read "$n" cpu cpu.cfs_period_us -)
		[ "$v" = 150000/100000 ] || fail "cfs quota/period $v, want 150000/100000" || return 1
	fi
	rmf "$n"
}

# cpu.shares 512 as a v2 cpu.weight: 59 on the curve of current crun and
# runc, ceil(10^((l*l + 125*l)/612 - 7/34)) with l = log2(shares), which rt
# uses; 20 on the linear one of runc 1.1 (the guest's),
# 1 + (shares-2)*9999/262142.
t_cpu_shares() {
	local n v
	n=$(cname shares)
	start "$n" --cpu-shares 512 || return 1
	v=$(cg_read "$n" cpu cpu.shares cpu.weight)
	if [ $CGV = 2 ]; then
		case $v in 59 | 20) ;; *) fail "cpu.weight $v, want 59 (or runc 1.1's 20) for shares 512" || return 1 ;; esac
	else
		[ "$v" = 512 ] || fail "cpu.shares $v, want 512" || return 1
	fi
	rmf "$n"
}

# A weight lands where the kernel has one: blkio.weight or
# blkio.bfq.weight (v1), io.bfq.weight or io.weight (v2, 300 converted to
# 2930 the way runc does). Where the host has none, Docker says so and
# drops the weight, and the container must still run.
t_blkio_weight() {
	local n out dir f v
	n=$(cname blkio)
	out=$(dr -d --name "$n" --blkio-weight 300 $IMG sleep 600 2>&1) || fail "run failed: $out" || return 1
	echo "$out"
	verify_runtime "$n" || return 1
	dir=$(cg_dir "$n" blkio)
	if echo "$out" | grep -q 'does not support Block I/O weight'; then
		[ "$(insp "$n" '{{.HostConfig.BlkioWeight}}')" = 0 ] || fail "Docker kept the weight it dropped" || return 1
		rmf "$n"
		return 0
	fi
	for f in blkio.bfq.weight blkio.weight io.bfq.weight io.weight; do
		[ -e "$dir/$f" ] || continue
		v=$(cat "$dir/$f")
		echo "$f: $(echo $v)"
		case "$f=$(echo $v)" in
		blkio.*=300 | io.bfq.weight=*"default 300"* | io.weight=*"default 2930"*) rmf "$n"; return 0 ;;
		esac
	done
	fail "no weight 300 in $dir ($(ls "$dir" | grep -E 'weight' | tr '\n' ' '))"
}

# docker update: the cgroup file changes and docker inspect agrees.
t_update_memory() {
	local n v
	n=$(cname updmem)
	start "$n" --memory 128m --memory-swap 256m || return 1
	d update --memory 64m --memory-swap 128m "$n" >/dev/null || fail "update failed" || return 1
	v=$(cg_read "$n" memory memory.limit_in_bytes memory.max)
	[ "$v" = 67108864 ] || fail "memory limit after update $v, want 67108864" || return 1
	v=$(insp "$n" '{{.HostConfig.Memory}}')
	[ "$v" = 67108864 ] || fail "inspect: Memory $v" || return 1
	rmf "$n"
}

t_update_cpus() {
	local n v
	n=$(cname updcpu)
	start "$n" --cpus 1 || return 1
	d update --cpus 0.5 "$n" >/dev/null || fail "update failed" || return 1
	if [ $CGV = 2 ]; then
		v=$(cg_read "$n" cpu - cpu.max)
		[ "$v" = "50000 100000" ] || fail "cpu.max after update '$v', want '50000 100000'" || return 1
	else
		v=$(cg_read "$n" cpu cpu.cfs_quota_us -)
		[ "$v" = 50000 ] || fail "cfs quota after update $v, want 50000" || return 1
	fi
	v=$(insp "$n" '{{.HostConfig.NanoCpus}}')
	[ "$v" = 500000000 ] || fail "inspect: NanoCpus $v" || return 1
	rmf "$n"
}

t_update_pids() {
	local n v
	n=$(cname updpids)
	start "$n" --pids-limit 100 || return 1
	d update --pids-limit 20 "$n" >/dev/null || fail "update failed" || return 1
	v=$(cg_read "$n" pids pids.max pids.max)
	[ "$v" = 20 ] || fail "pids.max after update $v, want 20" || return 1
	v=$(insp "$n" '{{.HostConfig.PidsLimit}}')
	[ "$v" = 20 ] || fail "inspect: PidsLimit $v" || return 1
	rmf "$n"
}
