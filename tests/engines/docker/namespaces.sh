# Docker suite: pid, ipc, uts, cgroup and network namespaces, user
# networks with name resolution and published ports (docker.sh sources
# this).

t_hosts_dns() {
	local out
	out=$(dr --rm --add-host extra.test:10.1.2.3 --dns 10.9.9.9 --hostname myhost $IMG sh -c 'hostname; grep extra.test /etc/hosts; grep nameserver /etc/resolv.conf') || return 1
	echo "$out"
	[ "$(echo "$out" | sed -n 1p)" = myhost ] || fail "hostname" || return 1
	echo "$out" | grep -q '^10.1.2.3[[:space:]]*extra.test' || fail "no --add-host entry" || return 1
	echo "$out" | grep -qx 'nameserver 10.9.9.9' || fail "no --dns nameserver"
}

t_pid_host() {
	local out
	out=$(dr --rm --pid host $IMG sh -c 'readlink /proc/self/ns/pid; cat /proc/1/comm') || return 1
	echo "$out"
	[ "$(echo "$out" | sed -n 1p)" = "$(host_ns pid)" ] || fail "not in the engine's pid namespace" || return 1
	[ "$(echo "$out" | sed -n 2p)" = "$(cat /proc/1/comm)" ] || fail "pid 1 is not the engine's"
}

t_pid_container() {
	local out
	out=$(dr --rm --pid "container:$(cname ex)" $IMG sh -c 'readlink /proc/self/ns/pid; cat /proc/1/comm') || return 1
	echo "$out"
	[ "$(echo "$out" | sed -n 1p)" = "$(readlink "/proc/$(pid_of "$(cname ex)")/ns/pid")" ] || fail "not in the other container's pid namespace" || return 1
	[ "$(echo "$out" | sed -n 2p)" = sh ] || fail "pid 1 is not the other container's sh"
}

# --ipc shareable and container:NAME share /dev/shm and the namespace;
# --ipc host is the engine's.
t_ipc() {
	local n out ns
	n=$(cname ipc)
	start "$n" --ipc shareable || return 1
	d exec "$n" sh -c 'echo shared >/dev/shm/f' || return 1
	ns=$(d exec "$n" readlink /proc/self/ns/ipc)
	out=$(dr --rm --ipc "container:$n" $IMG sh -c 'readlink /proc/self/ns/ipc; cat /dev/shm/f') || return 1
	echo "$out"
	[ "$(echo "$out" | sed -n 1p)" = "$ns" ] || fail "not in the other container's ipc namespace" || return 1
	[ "$(echo "$out" | sed -n 2p)" = shared ] || fail "/dev/shm not shared" || return 1
	[ "$ns" != "$(host_ns ipc)" ] || fail "shareable ipc is the engine's" || return 1
	out=$(dr --rm --ipc host $IMG readlink /proc/self/ns/ipc) || return 1
	[ "$out" = "$(host_ns ipc)" ] || fail "--ipc host: $out, engine's $(host_ns ipc)" || return 1
	rmf "$n"
}

t_uts() {
	local out id n
	n=$(cname uts)
	start "$n" || return 1
	id=$(insp "$n" '{{.Id}}')
	out=$(d exec "$n" hostname) || return 1
	[ "$out" = "${id:0:12}" ] || fail "hostname $out, want ${id:0:12}" || return 1
	rmf "$n"
	out=$(dr --rm --uts host $IMG sh -c 'readlink /proc/self/ns/uts; hostname') || return 1
	echo "$out"
	[ "$(echo "$out" | sed -n 1p)" = "$(host_ns uts)" ] || fail "--uts host: not the engine's namespace" || return 1
	[ "$(echo "$out" | sed -n 2p)" = "$(hostname)" ] || fail "--uts host: hostname"
}

t_cgroupns() {
	local out
	out=$(dr --rm --cgroupns private $IMG sh -c 'readlink /proc/self/ns/cgroup; cat /proc/self/cgroup') || return 1
	echo "$out"
	[ "$(echo "$out" | sed -n 1p)" != "$(host_ns cgroup)" ] || fail "--cgroupns private: the engine's namespace" || return 1
	if echo "$out" | sed 1d | grep -v ':/$'; then
		fail "--cgroupns private: a cgroup that is not /"
		return 1
	fi
	out=$(dr --rm --cgroupns host $IMG sh -c 'readlink /proc/self/ns/cgroup; cat /proc/self/cgroup') || return 1
	echo "$out"
	[ "$(echo "$out" | sed -n 1p)" = "$(host_ns cgroup)" ] || fail "--cgroupns host: not the engine's namespace" || return 1
	echo "$out" | sed 1d | grep -q ':/.' || fail "--cgroupns host: the container sees / as its cgroup"
}

t_net_none() {
	local out
	out=$(dr --rm --network none $IMG sh -c 'ls /sys/class/net; ip -o addr show lo') || return 1
	echo "$out"
	[ "$(echo "$out" | sed -n 1p)" = lo ] && [ "$(echo "$out" | grep -c .)" -ge 2 ] || fail "interfaces: $(echo $out)" || return 1
	echo "$out" | grep -q 'inet 127.0.0.1/8' || fail "lo has no 127.0.0.1"
}

t_net_host() {
	local out
	out=$(dr --rm --network host $IMG sh -c 'readlink /proc/self/ns/net; ls /sys/class/net') || return 1
	echo "$out"
	[ "$(echo "$out" | sed -n 1p)" = "$(host_ns net)" ] || fail "not in the engine's network namespace" || return 1
	echo "$out" | grep -qx docker0 || fail "no docker0"
}

t_net_bridge() {
	local out gw
	out=$(dr --rm $IMG sh -c 'readlink /proc/self/ns/net; ip -o -4 addr show eth0; gw=$(ip route | awk "/^default/ { print \$3 }"); ping -c 1 -W 5 $gw >/dev/null && echo gw-ok') || return 1
	echo "$out"
	[ "$(echo "$out" | sed -n 1p)" != "$(host_ns net)" ] || fail "in the engine's network namespace" || return 1
	echo "$out" | grep -q 'eth0.*inet 172\.' || fail "eth0 has no address on the bridge" || return 1
	echo "$out" | grep -qx gw-ok || fail "the gateway does not answer"
}

# A user-defined network: containers find each other by name (Docker's
# DNS at 127.0.0.11, which dockerd sets up in the container's namespace).
t_user_network() {
	local n out
	n=$(cname web)
	d network create rtnet >/dev/null || fail "network create failed" || return 1
	start "$n" --network rtnet || return 1
	d exec -d "$n" httpd -p 80 -h /www || fail "httpd failed" || return 1
	out=$(dr --rm --network rtnet $IMG sh -c "nslookup $n 127.0.0.11 >/dev/null && echo resolved; for i in 1 2 3 4 5 6 7 8 9 10; do printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 5 $n 80 | grep -x served-by-busybox && break; sleep 1; done" 2>&1)
	echo "$out"
	echo "$out" | grep -qx resolved || fail "$n not resolved" || return 1
	echo "$out" | grep -qx served-by-busybox || fail "no page from $n by name" || return 1
	rmf "$n"
	d network rm rtnet >/dev/null
}

# -p on loopback, reached from the engine's namespace.
t_publish() {
	local n out
	n=$(cname publish)
	dr -d --name "$n" -p 127.0.0.1:18080:80 $IMG httpd -f -p 80 -h /www >/dev/null || fail "run failed" || return 1
	verify_runtime "$n" || return 1
	[ "$(d port "$n" 80/tcp)" = 127.0.0.1:18080 ] || fail "docker port: $(d port "$n")" || return 1
	until_ok 60 bash -c "[ \"\$(http_get 127.0.0.1 18080)\" = served-by-busybox ]" || fail "no page on 127.0.0.1:18080: $(http_get 127.0.0.1 18080)" || return 1
	rmf "$n"
}
