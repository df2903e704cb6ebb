#!/usr/bin/env bats
# Idmapped mounts (mounts[].uidMappings/gidMappings, options idmap and
# ridmap): what the container sees through them, with and without a user
# namespace of its own, for bind mounts and tmpfs, and the errors.

load helpers

setup() {
	setup_rt
	# The sources stay out of reach of the container's root (a userns
	# root is nobody here): rt must open them with the host's rights.
	mkdir -m 700 "$BATS_TEST_TMPDIR/private"
	SRC="$BATS_TEST_TMPDIR/private/src"
	mkdir -p "$SRC/sub"
	touch "$SRC/root-file" "$SRC/sub/f"
	chown 100:200 "$SRC/sub/f"
	HOSTMNT=""
}
teardown() {
	[ -z "$HOSTMNT" ] || umount "$HOSTMNT"
	teardown_rt
}

# idmap_mount SRC DEST OPTIONS [UIDMAP GIDMAP] (maps as c:h:n).
idmap_mount() {
	local maps=""
	if [ -n "${4:-}" ]; then
		IFS=: read -r uc uh un <<<"$4"
		IFS=: read -r gc gh gn <<<"$5"
		maps=", uidMappings: [{containerID: $uc, hostID: $uh, size: $un}], gidMappings: [{containerID: $gc, hostID: $gh, size: $gn}]"
	fi
	update_config ".mounts += [{source: \"$1\", destination: \"$2\", type: \"bind\", options: $3 $maps}]"
}

@test "idmap bind mount without a user namespace: files show the mapped host ids" {
	idmap_mount "$SRC" /mnt '["bind"]' 0:100000:65536 0:100000:65536
	set_cmd sh -c 'stat -c %u:%g /mnt/root-file /mnt/sub/f; touch /mnt/new'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -ne 0 ]
	[ "${lines[0]}" = "100000:100000" ]
	[ "${lines[1]}" = "100100:100200" ]
	# Root (uid 0) has no place in the mount's mapping: it cannot create.
	[[ "$output" == *"Value too large"* ]]
	[ ! -e "$SRC/new" ]
	expect_no_leftovers ct1
}

@test "idmap bind mount with the container's mapping: root owns and writes" {
	userns_bundle
	idmap_mount "$SRC" /mnt '["bind"]' 0:100000:65536 0:100000:65536
	set_cmd sh -c 'stat -c %u:%g /mnt/root-file /mnt/sub/f && touch /mnt/new'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "0:0" ]
	[ "${lines[1]}" = "100:200" ]
	# The file the container's root made belongs to the host's root.
	[ "$(stat -c %u:%g "$SRC/new")" = "0:0" ]
	expect_no_leftovers ct1
}

@test "idmap mounts of other mappings than the container's, one source twice" {
	userns_bundle
	idmap_mount "$SRC" /a '["bind"]' 0:101000:1000 0:102000:1000
	idmap_mount "$SRC" /b '["bind"]' 100:100100:1 200:100300:1
	set_cmd sh -c 'stat -c %u:%g /a/root-file /a/sub/f /b/sub/f /b/root-file'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "1000:2000" ]
	[ "${lines[1]}" = "1100:2200" ]
	[ "${lines[2]}" = "100:300" ]
	# Unmapped in /b: the overflow ids.
	[ "${lines[3]}" = "65534:65534" ]
	expect_no_leftovers ct1
}

@test "idmap maps the top mount only, ridmap the submounts too" {
	mkdir -p "$BATS_TEST_TMPDIR/other"
	touch "$BATS_TEST_TMPDIR/other/g"
	HOSTMNT="$SRC/sub"
	mount --bind "$BATS_TEST_TMPDIR/other" "$SRC/sub"
	idmap_mount "$SRC" /i '["rbind", "idmap"]' 0:100000:65536 0:100000:65536
	idmap_mount "$SRC" /r '["rbind", "ridmap"]' 0:100000:65536 0:100000:65536
	set_cmd sh -c 'stat -c %u /i/root-file /i/sub/g /r/root-file /r/sub/g'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '100000\n0\n100000\n100000')" ]
	umount "$HOSTMNT"
	HOSTMNT=""
	expect_no_leftovers ct1
}

@test "idmap without mappings takes the container's user namespace" {
	userns_bundle
	idmap_mount "$SRC" /mnt '["bind", "idmap"]'
	set_cmd stat -c %u:%g /mnt/root-file /mnt/sub/f
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '0:0\n100:200')" ]
	expect_no_leftovers ct1
}

@test "an idmap source can be what the container mounted before it" {
	update_config ".mounts += [{source: \"$SRC\", destination: \"/a\", type: \"bind\", options: [\"bind\"]}]"
	# The destination names the rootfs by its host path, as runc allows.
	idmap_mount "$BUNDLE/rootfs/a" "$BUNDLE/rootfs/b" '["rbind"]' 0:100000:65536 0:100000:65536
	set_cmd stat -c %u /a/root-file /b/root-file
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '0\n100000')" ]
	[ ! -e "$BUNDLE/rootfs/$BUNDLE" ]
	expect_no_leftovers ct1
}

@test "idmapped tmpfs: its root shows through the mount's mapping" {
	userns_bundle
	update_config '.mounts += [{source: "tmpfs", destination: "/t", type: "tmpfs", options: ["nosuid", "ridmap", "mode=755"],
		uidMappings: [{containerID: 0, hostID: 101000, size: 10}], gidMappings: [{containerID: 0, hostID: 102000, size: 10}]},
		{source: "tmpfs", destination: "/u", type: "tmpfs", options: ["idmap"]}]'
	set_cmd sh -c 'stat -c %u:%g /t /u; touch /u/x && stat -c %u /u/x; grep " /t " /proc/self/mounts'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "1000:2000" ]
	[ "${lines[1]}" = "0:0" ]
	[ "${lines[2]}" = "0" ]
	[[ "${lines[3]}" == *nosuid* ]]
	expect_no_leftovers ct1
}

@test "idmapped mounts leave no fd behind in the container" {
	userns_bundle
	for i in 1 2 3 4 5 6; do
		idmap_mount "$SRC" "/m$i" '["bind"]' 0:100000:65536 0:100000:65536
		idmap_mount "$SRC" "/n$i" '["bind"]' 0:200000:65536 0:200000:65536
	done
	set_cmd ls /proc/self/fd
	run rt run -b "$BUNDLE" ct1
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '0\n1\n2\n3')" ]
	expect_no_leftovers ct1
}

@test "idmap without mappings and without a user namespace is refused" {
	idmap_mount "$SRC" /mnt '["bind", "idmap"]'
	run rt run -b "$BUNDLE" ct1
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"mounts[$(jq '.mounts | length - 1' "$BUNDLE/config.json")]: idmap without uidMappings and gidMappings needs a user namespace"* ]]
	expect_no_leftovers ct1
}

@test "a filesystem that cannot be idmapped is an error naming the mount and errno" {
	idmap_mount /proc/sys /mnt '["rbind"]' 0:100000:65536 0:100000:65536
	run rt run -b "$BUNDLE" ct1
	[ "$status" -ne 0 ]
	[[ "$output" == *"mount /mnt: idmap /proc/sys: mount_setattr: invalid argument"* ]]
	expect_no_leftovers ct1
}

@test "a missing idmap source is an error naming it" {
	idmap_mount "$SRC/nonexistent" /mnt '["bind"]' 0:100000:65536 0:100000:65536
	run rt run -b "$BUNDLE" ct1
	[ "$status" -ne 0 ]
	[[ "$output" == *"open_tree $SRC/nonexistent: no such file or directory"* ]]
	expect_no_leftovers ct1
}

@test "features: idmap mounts are supported" {
	run "$RT_BIN" features
	[ "$status" -eq 0 ]
	[ "$(jq .linux.mountExtensions.idmap.enabled <<<"$output")" = true ]
	jq -e '.mountOptions | index("ridmap")' <<<"$output"
}
