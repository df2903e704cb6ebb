#!/usr/bin/env bats
# linux.memoryPolicy: the NUMA memory policy the container's processes
# start with (set_mempolicy), checked before anything is built.

load helpers

setup() { setup_rt; }
teardown() { teardown_rt; }

# POLICY_CMD prints the policy of the process, as /proc/self/numa_maps shows it.
POLICY_CMD='head -n 1 /proc/self/numa_maps | cut -d " " -f 2'

mempolicy() {
	update_config ".linux.memoryPolicy = $1"
}

@test "memoryPolicy lands in the process, for run and exec" {
	set_cmd sh -c "$POLICY_CMD"
	mempolicy '{"mode": "MPOL_INTERLEAVE", "nodes": "0"}'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "$output" = "interleave:0" ]
	mempolicy '{"mode": "MPOL_BIND", "nodes": "0", "flags": ["MPOL_F_STATIC_NODES"]}'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "$output" = "bind=static:0" ]
	mempolicy '{"mode": "MPOL_DEFAULT"}'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "$output" = "default" ]
	mempolicy '{"mode": "MPOL_PREFERRED", "nodes": "0", "flags": ["MPOL_F_RELATIVE_NODES"]}'
	set_cmd sleep 100
	rt run -d -b "$BUNDLE" ct1
	grep -q "prefer=relative:0" "/proc/$(rt state ct1 | jq .pid)/numa_maps"
	run rt exec ct1 sh -c "$POLICY_CMD"
	[ "$status" -eq 0 ]
	[ "$output" = "prefer=relative:0" ]
	rt delete -f ct1
}

# fails_at_create WORDS...: rt run fails with one line holding every WORD,
# and leaves nothing behind.
fails_at_create() {
	run rt run -b "$BUNDLE" ct1
	echo "$output"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "rt: config.json: linux.memoryPolicy: "* ]]
	local w
	for w in "$@"; do
		[[ "$output" == *"$w"* ]]
	done
	expect_no_leftovers ct1
}

@test "a bad memoryPolicy is one line in runc's words, with nothing left" {
	mempolicy '{}'
	fails_at_create 'invalid memory policy mode ""'
	mempolicy '{"mode": "INTERLEAVE", "nodes": "0"}'
	fails_at_create 'invalid memory policy mode "INTERLEAVE"'
	mempolicy '{"mode": "MPOL_PREFERRED", "nodes": "0", "flags": ["MPOL_F_RELATIVE_NODES", "badflag"]}'
	fails_at_create 'invalid memory policy flag "badflag"'
	mempolicy '{"mode": "MPOL_DEFAULT", "nodes": "0-7"}'
	fails_at_create 'memory policy mode requires 0 nodes but got 8'
	mempolicy '{"mode": "MPOL_BIND", "nodes": ""}'
	fails_at_create 'requires at least one node but got 0'
	mempolicy '{"mode": "MPOL_BIND", "nodes": "0-9876543210"}'
	fails_at_create 'invalid memory policy nodes "0-9876543210"'
	mempolicy '{"mode": "MPOL_BIND", "nodes": "0", "flags": ["MPOL_F_STATIC_NODES", "MPOL_F_RELATIVE_NODES"]}'
	fails_at_create 'exclude each other'
	mempolicy '{"mode": "MPOL_INTERLEAVE", "nodes": "0", "flags": ["MPOL_F_NUMA_BALANCING"]}'
	fails_at_create 'MPOL_F_NUMA_BALANCING'
}

@test "memoryPolicy nodes are checked against the host's nodes with memory, unless relative" {
	local host last
	host=$(cat /sys/devices/system/node/has_memory)
	last=${host##*[-,]}
	set_cmd sh -c "$POLICY_CMD"
	mempolicy "{\"mode\": \"MPOL_BIND\", \"nodes\": \"$((last + 1))\"}"
	fails_at_create "none of them has memory on this host" "nodes with memory: $host"
	# the kernel keeps the nodes that exist
	mempolicy "{\"mode\": \"MPOL_BIND\", \"nodes\": \"$last-$((last + 1))\"}"
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "$output" = "bind:$last" ]
	# relative nodes are positions among the allowed ones, not node numbers
	mempolicy "{\"mode\": \"MPOL_BIND\", \"nodes\": \"$((last + 1))\", \"flags\": [\"MPOL_F_RELATIVE_NODES\"]}"
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[[ "$output" == "bind=relative:"* ]]
}

@test "rt features lists the memory policy modes and flags" {
	run rt features
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.linux.memoryPolicy.modes | index("MPOL_INTERLEAVE") and index("MPOL_WEIGHTED_INTERLEAVE") and length == 7'
	echo "$output" | jq -e '.linux.memoryPolicy.flags == ["MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES", "MPOL_F_STATIC_NODES"]'
}
