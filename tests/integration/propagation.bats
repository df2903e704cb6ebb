#!/usr/bin/env bats
# Mount propagation between the host and a container, seen from both sides:
# linux.rootfsPropagation and a mount's own propagation option, for a
# volume (a bind mount of a shared host mount) and for the root. Each case
# mounts a tmpfs on the host side and looks for it in the container, and
# mounts one in the container and looks for it on the host. Kubernetes
# asks for these through containerd: Bidirectional is rootfsPropagation
# rshared with an rshared volume, HostToContainer rslave with rslave, None
# neither.
#
# Every case runs in a mount namespace of its own with two shared mount
# points it makes there, standing for the host's shared mounts: the volume
# source (a tmpfs) and the bundle (bound onto itself). Both are unmounted
# at its end, with whatever propagated into them; the namespace is private,
# so nothing reaches the machine's mounts even if a case fails halfway.

load helpers

setup() {
	setup_rt
	update_config '.root.readonly = false
		| .process.capabilities.bounding += ["CAP_SYS_ADMIN"]
		| .process.capabilities.effective += ["CAP_SYS_ADMIN"]
		| .process.capabilities.permitted += ["CAP_SYS_ADMIN"]'
	VOL="$BATS_TEST_TMPDIR/vol"
	mkdir -p "$VOL" "$BUNDLE/rootfs/vol" "$BUNDLE/rootfs/fromhost" "$BUNDLE/rootfs/fromct"
	set_cmd sleep 1000
}
teardown() { teardown_rt; }

# volume OPTIONS...: the volume $VOL on /vol, with OPTIONS (JSON strings).
volume() {
	local opts
	opts=$(printf '"%s",' "$@")
	update_config ".mounts += [{\"destination\": \"/vol\", \"type\": \"bind\", \"source\": \"$VOL\", \"options\": [${opts%,}]}]"
}

# exchange: runs in the case's own mount namespace (see propagate). Starts
# the container, mounts a tmpfs under the volume source and under the
# rootfs on the host side and one under /vol and / in the container, then
# prints what each side saw of the other's, one line each:
#   vol host->ct yes|no
#   vol ct->host yes|no
#   root host->ct yes|no
#   root ct->host yes|no
#   vol group host|own|none   (the container's /vol: in the host's peer
#                              group, a peer group of its own, or none)
exchange() {
	set -e
	cleanup() {
		"$RT" --root "$ROOT" delete -f ct1 >/dev/null 2>&1 || true
		umount -R "$VOL" 2>/dev/null || true
		umount -R "$BUNDLE" 2>/dev/null || true
	}
	trap cleanup EXIT
	mount -t tmpfs vol "$VOL"
	mkdir "$VOL/fromhost" "$VOL/fromct"
	mount --make-shared "$VOL"
	mount --bind "$BUNDLE" "$BUNDLE"
	mount --make-shared "$BUNDLE"
	"$RT" --root "$ROOT" run -d -b "$BUNDLE" ct1
	mount -t tmpfs h1 "$VOL/fromhost"
	mount -t tmpfs h2 "$BUNDLE/rootfs/fromhost"
	touch "$VOL/fromhost/mark" "$BUNDLE/rootfs/fromhost/mark"
	"$RT" --root "$ROOT" exec ct1 sh -ec '
		mount -t tmpfs c1 /vol/fromct; touch /vol/fromct/mark
		mount -t tmpfs c2 /fromct; touch /fromct/mark'
	seen() { if "$@"; then echo yes; else echo no; fi; }
	in_ct() { "$RT" --root "$ROOT" exec ct1 "$@"; }
	echo "vol host->ct $(seen in_ct test -e /vol/fromhost/mark)"
	echo "vol ct->host $(seen test -e "$VOL/fromct/mark")"
	echo "root host->ct $(seen in_ct test -e /fromhost/mark)"
	echo "root ct->host $(seen test -e "$BUNDLE/rootfs/fromct/mark")"
	# The optional fields of mountinfo (7 on, up to "-"): shared:N names
	# the peer group; the host's volume source is in exactly one.
	local tags='{ t = ""; for (i = 7; $i != "-"; i++) t = t " " $i; print t }'
	local host ct
	host=$(awk -v p="$VOL" '$5 == p '"$tags" /proc/self/mountinfo | grep -o 'shared:[0-9]*')
	ct=$(in_ct awk '$5 == "/vol" '"$tags" /proc/self/mountinfo | grep -o 'shared:[0-9]*' || true)
	if [ "$ct" = "$host" ]; then
		echo "vol group host"
	elif [ -n "$ct" ]; then
		echo "vol group own"
	else
		echo "vol group none"
	fi
}

# propagate: exchange in a private mount namespace of its own.
propagate() {
	RT="$RT_BIN" ROOT="$ROOT" BUNDLE="$BUNDLE" VOL="$VOL" \
		unshare -m --propagation private bash -c "$(declare -f exchange); exchange"
}

# expect VOL_IN VOL_OUT ROOT_IN ROOT_OUT GROUP: what exchange must print.
expect() {
	local want
	want=$(printf 'vol host->ct %s\nvol ct->host %s\nroot host->ct %s\nroot ct->host %s\nvol group %s' "$@")
	run propagate
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "$want" ]
}

@test "rshared root and an rshared volume (Bidirectional): the volume stays in the host's peer group, the root in none of the host's" {
	update_config '.linux.rootfsPropagation = "rshared"'
	volume rbind rshared
	expect yes yes no no host
}

@test "rslave root and an rslave volume (HostToContainer): host mounts reach the container, none goes back" {
	update_config '.linux.rootfsPropagation = "rslave"'
	volume rbind rslave
	expect yes no yes no none
}

@test "rprivate root and an rprivate volume (None): nothing crosses either way" {
	update_config '.linux.rootfsPropagation = "rprivate"'
	volume rbind rprivate
	expect no no no no none
}

@test "no rootfsPropagation: the volume is the host's slave, the root private (as runc)" {
	volume rbind
	expect yes no no no none
}

# The root's rshared comes last and recursively (as in runc and crun), so
# such a volume ends shared too, but in a peer group of the container's
# own: what is mounted in it never reaches the host.
@test "a volume's own rslave or rprivate under an rshared root: host mounts arrive only with rslave, none goes back" {
	update_config '.linux.rootfsPropagation = "rshared"'
	volume rbind rslave
	expect yes no no no own
	update_config '.mounts[-1].options = ["rbind", "rprivate"]'
	expect no no no no own
}

@test "a volume's own rshared under an rprivate root: shared in a group of its own, not with the host" {
	update_config '.linux.rootfsPropagation = "rprivate"'
	volume rbind rshared
	expect no no no no own
}

@test "non-recursive shared, slave and private change / alone: a volume from another shared mount stays in the host's group" {
	volume rbind
	update_config '.linux.rootfsPropagation = "shared"'
	expect yes yes no no host
	update_config '.linux.rootfsPropagation = "slave"'
	expect yes yes yes no host
	update_config '.linux.rootfsPropagation = "private"'
	expect yes yes no no host
}

@test "unbindable and runbindable: volumes are still bound, the root ends unbindable" {
	volume rbind
	set_cmd sh -c 'awk '"'"'$5 == "/" || $5 == "/vol" { t = $5; for (i = 7; $i != "-"; i++) t = t " " $i; print t }'"'"' /proc/self/mountinfo'
	for p in unbindable runbindable; do
		update_config ".linux.rootfsPropagation = \"$p\""
		run rt run -b "$BUNDLE" ct1
		echo "$p: $output"
		[ "$status" -eq 0 ]
		[ "${lines[0]}" = "/ unbindable" ]
	done
	# runbindable reaches the volume too, unbindable only the root.
	[ "${lines[1]}" = "/vol unbindable" ]
}

@test "the root's propagation, seen from inside: shared, slave or private as asked" {
	set_cmd sh -c 'awk '"'"'$5 == "/" { t = "-"; for (i = 7; $i != "-"; i++) t = t " " $i; print t }'"'"' /proc/self/mountinfo'
	root_tags() {
		RT="$RT_BIN" ROOT="$ROOT" BUNDLE="$BUNDLE" unshare -m --propagation private sh -ec '
			trap "umount \"\$BUNDLE\"" EXIT
			mount --bind "$BUNDLE" "$BUNDLE"; mount --make-shared "$BUNDLE"
			"$RT" --root "$ROOT" run -b "$BUNDLE" ct1'
	}
	# value:what the root's tags must show
	for p in shared:shared rshared:shared slave:slave rslave:slave private:none rprivate:none :none; do
		update_config ".linux.rootfsPropagation = \"${p%%:*}\""
		run root_tags
		echo "${p%%:*}: $output"
		[ "$status" -eq 0 ]
		case ${p#*:} in
		shared) [[ "$output" == "- shared:"* && "$output" != *master:* ]] ;;
		slave) [[ "$output" == "- master:"* && "$output" != *shared:* ]] ;;
		none) [ "$output" = - ] ;;
		esac
	done
}
