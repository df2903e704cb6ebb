#!/usr/bin/env bats
# linux.netDevices: a named interface of the runtime's network namespace is
# moved into the container's, renamed when asked, keeps its MTU, MAC and
# permanent global addresses (not the others) and is up there. Every test
# runs rt inside a network namespace of its own ($HOSTNS, standing for the
# host), with a veth pair made there, so the host's interfaces are never
# touched.

load helpers

# `ip netns add` makes /run/netns a mount point of its own the first time;
# the file undoes that if it was the one to do it.
setup_file() {
	if mountpoint -q /run/netns; then
		export NETNS_WAS_MOUNTED=1
	else
		export NETNS_WAS_MOUNTED=""
	fi
}

teardown_file() {
	[ -n "$NETNS_WAS_MOUNTED" ] || ! mountpoint -q /run/netns || umount /run/netns
}

setup() {
	HOSTNS="rtnd-$$-$BATS_TEST_NUMBER"
	CTNS=""
	# Before setup_rt: its mount count then includes the netns bind.
	ip netns add "$HOSTNS"
	hostns ip link add nd0 type veth peer name nd0peer
	setup_rt
	set_cmd ip -o link show nd0
}

teardown() {
	# The joined namespace's bind mount is counted in MOUNTS_BEFORE
	# (make_ctns), so it goes after rt's leak check.
	teardown_rt
	local rc=$?
	[ -z "$CTNS" ] || ip netns del "$CTNS"
	ip netns del "$HOSTNS"
	return $rc
}

# hostns CMD...: runs CMD in the namespace that stands for the host.
hostns() {
	nsenter --net="/run/netns/$HOSTNS" "$@"
}

# rtn ARGS...: rt, run in that namespace.
rtn() {
	hostns "$RT_BIN" --root "$ROOT" "$@"
}

# make_ctns: a namespace made beforehand, which the container joins.
make_ctns() {
	CTNS="rtnd-ct-$$-$BATS_TEST_NUMBER"
	ip netns add "$CTNS"
	MOUNTS_BEFORE=$(mount_count)
	update_config '(.linux.namespaces[] | select(.type == "network")) .path = "/run/netns/'"$CTNS"'"'
}

@test "netDevices: the device moves into the container's new network namespace, up" {
	update_config '.linux.netDevices = {"nd0": {}}'
	run rtn run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[[ "$output" == *" nd0@"*",UP"* ]]
	# Gone from the runtime's namespace.
	run hostns ip link show nd0
	[ "$status" -ne 0 ]
	expect_no_leftovers ct1
}

@test "netDevices: state up, MTU, MAC and global addresses kept, others dropped" {
	hostns ip link set nd0 mtu 1789 address 00:11:22:33:44:55
	hostns ip address add 169.254.169.77/32 dev nd0
	hostns ip address add 2001:db8::5/64 dev nd0
	hostns ip address add 127.0.0.33 dev nd0
	update_config '.linux.netDevices = {"nd0": {}} | .process.args = ["ip", "address", "show", "dev", "nd0"]'
	run rtn run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[[ "$output" == *",UP"* ]]
	[[ "$output" == *"mtu 1789 "* ]]
	[[ "$output" == *"ether 00:11:22:33:44:55 "* ]]
	[[ "$output" == *" 169.254.169.77/32 "* ]]
	[[ "$output" == *" 2001:db8::5/64 "* ]]
	# Host scope (127/8): not for the container.
	[[ "$output" != *"127.0.0.33"* ]]
}

@test "netDevices: renamed by name, the device stays in a joined namespace after delete" {
	make_ctns
	hostns ip address add 169.254.169.77/32 dev nd0
	update_config '.linux.netDevices = {"nd0": {"name": "ctr_nd0"}} | .process.args = ["sleep", "1000"]'
	# Not through `run`: the detached container would hold its pipe open.
	rtn run -d -b "$BUNDLE" ct1 </dev/null >/dev/null 2>&1
	run rtn exec ct1 ip address show dev ctr_nd0
	[ "$status" -eq 0 ]
	[[ "$output" == *" 169.254.169.77/32 "* ]]
	run rtn delete -f ct1
	[ "$status" -eq 0 ]
	# The namespace's owner decides its devices' fate, not the runtime.
	run ip netns exec "$CTNS" ip address show dev ctr_nd0
	[ "$status" -eq 0 ]
	[[ "$output" == *" 169.254.169.77/32 "* ]]
	run hostns ip link show nd0
	[ "$status" -ne 0 ]
}

@test "netDevices: a name template gets a number from the kernel" {
	update_config '.linux.netDevices = {"nd0": {"name": "ctr%d"}} | .process.args = ["ip", "-o", "link", "show", "ctr0"]'
	run rtn run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[[ "$output" == *"ctr0@"*"UP"* ]]
}

@test "netDevices: two devices swap names in a joined namespace" {
	hostns ip link add nd1 type veth peer name nd1peer
	hostns ip link set nd0 address 02:00:00:00:00:00
	hostns ip link set nd1 address 02:00:00:00:00:01
	make_ctns
	update_config '.linux.netDevices = {"nd0": {"name": "nd1"}, "nd1": {"name": "nd0"}}'
	set_cmd ip -o link show nd1
	run rtn run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[[ "$output" == *"ether 02:00:00:00:00:00 "* ]]
	run ip netns exec "$CTNS" ip -o link show nd0
	[[ "$output" == *"ether 02:00:00:00:00:01 "* ]]
}

@test "netDevices: a missing device fails create and leaves nothing" {
	update_config '.linux.netDevices = {"nd0": {}, "nope0": {}}'
	run rtn create -b "$BUNDLE" ct1
	[ "$status" -ne 0 ]
	[[ "$output" == "rt: linux.netDevices: move nope0 into the container's network namespace: find it on the host: "* ]]
	expect_no_leftovers ct1
}

@test "netDevices: a name already in the joined namespace fails create" {
	make_ctns
	ip netns exec "$CTNS" ip link add taken type veth peer name takenpeer
	update_config '.linux.netDevices = {"nd0": {"name": "taken"}}'
	run rtn create -b "$BUNDLE" ct1
	[ "$status" -ne 0 ]
	[[ "$output" == *"move nd0 into the container's network namespace: file exists"* ]]
	expect_no_leftovers ct1
	# Refused before it left.
	hostns ip link show nd0
}

@test "netDevices: refused without a network namespace" {
	update_config '.linux.netDevices = {"nd0": {}} | del(.linux.namespaces[] | select(.type == "network"))'
	run rtn create -b "$BUNDLE" ct1
	[ "$status" -ne 0 ]
	[ "$output" = "rt: config.json: linux.netDevices: unable to move network devices without a network namespace" ]
	expect_no_leftovers ct1
	hostns ip link show nd0
}

@test "netDevices: refused with a name the kernel would refuse" {
	update_config '.linux.netDevices = {"nd0": {"name": "a/b"}}'
	run rtn create -b "$BUNDLE" ct1
	[ "$status" -ne 0 ]
	[ "$output" = 'rt: config.json: linux.netDevices["nd0"]: invalid network device name "a/b"' ]
	expect_no_leftovers ct1
	hostns ip link show nd0
}

@test "features: netDevices enabled" {
	run rt features
	[ "$status" -eq 0 ]
	[ "$(jq -r .linux.netDevices.enabled <<<"$output")" = true ]
}
