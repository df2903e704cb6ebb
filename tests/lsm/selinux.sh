#!/bin/bash
# selinux.sh: process.selinuxLabel, linux.mountLabel, the session keyring's
# label and exec's labels in force, permissive and enforcing, and Podman's
# --security-opt label=..., over RUNTIME. Run by run.sh in the SELinux
# guest (make test-lsm); see ../engines/lib.sh for the output contract.
. "$(dirname "$0")/lib.sh"

# A container's process and file types at an MCS level of the test's own:
# the container module's where the policy has it (Fedora's, refpolicy's
# newer), else sVirt's (libvirt's confined guests, which the container
# types were made from): Debian 12's reference policy has only the latter.
# The rootfs carries the file type at that level.
valid() { printf '%s' "$1" >/sys/fs/selinux/context 2>/dev/null; }
for types in "container_t container_file_t" "svirt_t svirt_image_t"; do
	set -- $types
	PTYPE=$1 FTYPE=$2
	PROC_LABEL=system_u:system_r:$PTYPE:s0:c1,c2
	FILE_LABEL=system_u:object_r:$FTYPE:s0:c1,c2
	valid "$PROC_LABEL" && valid "$FILE_LABEL" && break
	PTYPE=
done
[ -n "$PTYPE" ] || {
	echo "the loaded policy has neither container_t nor svirt_t" >&2
	exit 1
}
export PROC_LABEL FILE_LABEL PTYPE FTYPE
chcon -R "$FILE_LABEL" "$LSM_WORK/rootfs"
cp "$REPO/tests/integration/tools/bin/keylabel" "$LSM_WORK/rootfs/bin/keylabel"
chcon "$FILE_LABEL" "$LSM_WORK/rootfs/bin/keylabel"

# mkbundle keeps the rootfs's labels (cp -a).
sebundle() { # NAME JQ
	mkbundle "$1" ".process.selinuxLabel = \$ENV.PROC_LABEL | .linux.mountLabel = \$ENV.FILE_LABEL | $2"
}

enforcing() { # CMD...: CMD with SELinux enforcing, then permissive again
	dmesg -C
	setenforce 1
	"$@"
	local rc=$?
	setenforce 0
	# What the policy denied meanwhile, for the log (no auditd: the kernel's).
	dmesg | grep -o 'avc:  denied .*' | sort | uniq -c | sort -rn | head -n 8 >&2
	return $rc
}

t_process_label() {
	local b out
	b=$(sebundle pl '.process.args = ["sh", "-c", "cat /proc/self/attr/current; echo; keylabel"]') || return 1
	out=$(ct run -b "$b" se-pl 2>&1)
	echo "$out"
	[ "$out" = "$(printf '%s\n%s' "$PROC_LABEL" "$PROC_LABEL")" ] || fail "got: $(echo "$out" | tr '\n' '|')"
}

# The mounts that take a context= option: tmpfs (/dev, /dev/shm) and devpts;
# mountinfo shows the option among the superblock's. mqueue refuses
# context= (runc and crun both label its root with setxattr instead), so
# for /dev/mqueue the label of the directory is what counts.
t_mount_label() {
	local b out m bad= pid got
	b=$(sebundle ml '.process.args = ["sleep", "1000"]') || return 1
	ct run -d -b "$b" se-ml >/dev/null 2>&1 </dev/null || { fail "run -d failed"; return; }
	pid=$(ct state se-ml | jq -r .pid)
	out=$(cat "/proc/$pid/mountinfo")
	echo "$out"
	for m in /dev /dev/shm /dev/pts; do
		echo "$out" | awk -v m=$m '$5 == m' | grep -qF "context=\"$FILE_LABEL\"" || bad="$bad $m"
	done
	got=$(stat -c %C "/proc/$pid/root/dev/mqueue")
	echo "/dev/mqueue: $got"
	[ "$got" = "$FILE_LABEL" ] || bad="$bad /dev/mqueue($got)"
	ct delete -f se-ml >/dev/null 2>&1
	[ -z "$bad" ] || fail "not labelled $FILE_LABEL:$bad"
}

start_se() { # ID: a running container with the labels
	local b
	b=$(sebundle "$1" '.process.args = ["sleep", "1000"]') || return 1
	ct run -d -b "$b" "$1" >/dev/null 2>&1 </dev/null || fail "run -d failed"
}

t_exec_label() {
	local out other=system_u:system_r:$PTYPE:s0:c3,c4
	start_se se-ex || return 1
	out=$(ct exec se-ex sh -c 'cat /proc/self/attr/current; echo; keylabel' 2>&1)
	echo "exec: $out"
	local out2
	out2=$(ct exec --process-label "$other" se-ex cat /proc/self/attr/current 2>&1)
	echo "exec --process-label: $out2"
	ct delete -f se-ex
	[ "$out" = "$(printf '%s\n%s' "$PROC_LABEL" "$PROC_LABEL")" ] || fail "exec: $(echo "$out" | tr '\n' '|')"
	[ "$out2" = "$other" ] || fail "exec --process-label: $out2"
}

t_exec_process_json() {
	local out other=system_u:system_r:$PTYPE:s0:c5,c6
	start_se se-pj || return 1
	jq -n --arg l "$other" '{args: ["cat", "/proc/self/attr/current"], cwd: "/", env: ["PATH=/bin"], selinuxLabel: $l}' >"$LSM_WORK/p.json"
	out=$(ct exec --process "$LSM_WORK/p.json" se-pj 2>&1)
	echo "$out"
	ct delete -f se-pj
	[ "$out" = "$other" ] || fail "got: $out"
}

# Enforcing: the container runs confined, reads its own files and is
# denied a host file of another type bound into it.
t_enforcing() {
	local b out secret=$LSM_WORK/secret
	echo secret >"$secret"
	chcon -t shadow_t "$secret"
	b=$(sebundle enf ".mounts += [{source: \"$secret\", destination: \"/secret\", type: \"bind\", options: [\"bind\", \"ro\"]}]
		| .process.args = [\"sh\", \"-c\", \"cat /proc/self/attr/current; echo; cat /etc/passwd >/dev/null && echo own-ok; cat /secret 2>&1 || echo secret-denied\"]") || return 1
	out=$(enforcing ct run -b "$b" se-enf 2>&1)
	echo "$out"
	[ "$out" = "$(printf '%s\nown-ok\n%s\nsecret-denied' "$PROC_LABEL" "cat: can't open '/secret': Permission denied")" ] || fail "got: $(echo "$out" | tr '\n' '|')"
}

# The same file in permissive mode: only logged, so readable.
t_permissive_control() {
	local b out secret=$LSM_WORK/secret2
	echo secret >"$secret"
	chcon -t shadow_t "$secret"
	b=$(sebundle perm ".mounts += [{source: \"$secret\", destination: \"/secret\", type: \"bind\", options: [\"bind\", \"ro\"]}]
		| .process.args = [\"cat\", \"/secret\"]") || return 1
	out=$(ct run -b "$b" se-perm 2>&1)
	echo "$out"
	[ "$out" = secret ] || fail "got: $out"
}

t_enforcing_exec() {
	local out
	start_se se-enx || return 1
	out=$(enforcing ct exec se-enx sh -c 'cat /proc/self/attr/current; echo; echo x >/tmp/x && echo wrote' 2>&1)
	echo "$out"
	ct delete -f se-enx
	[ "$out" = "$(printf '%s\nwrote' "$PROC_LABEL")" ] || fail "got: $(echo "$out" | tr '\n' '|')"
}


# Podman's default labels come from the policy's lxc_contexts, which name
# container_t even where the policy lacks it: name the types in use.
pm_types() { echo "--security-opt label=type:$PTYPE --security-opt label=filetype:$FTYPE"; }

t_podman_level() {
	local out
	out=$(pm run --rm --network none $(pm_types) --security-opt label=level:s0:c7,c8 $IMG sh -c 'cat /proc/self/attr/current; echo; grep " /dev/shm " /proc/self/mountinfo' 2>&1)
	echo "$out"
	local first
	first=$(echo "$out" | head -n 1)
	[[ "$first" == *:s0:c7,c8 ]] || fail "process label: $first"
	echo "$out" | grep -q 'context="[^"]*:s0:c7,c8"' || fail "no /dev/shm context at s0:c7,c8"
}

t_podman_type() {
	local out
	out=$(pm run --rm --network none $(pm_types) --security-opt label=level:s0:c9,c10 $IMG cat /proc/self/attr/current 2>&1)
	echo "$out"
	[[ "$out" == *:$PTYPE:s0:c9,c10 ]] || fail "got: $out"
}

t_podman_enforcing() {
	local out
	out=$(enforcing pm run --rm --network none $(pm_types) $IMG sh -c 'cat /proc/self/attr/current; echo; echo x >/tmp/x && echo wrote' 2>&1)
	echo "$out"
	echo "$out" | tail -n 1 | grep -qx wrote || fail "got: $(echo "$out" | tr '\n' '|')"
}

echo "suite runs as $(id -Z), SELinux $(getenforce)" >&2
check "selinuxLabel ($PTYPE): attr/current and the session keyring carry it" t_process_label
check "mountLabel ($FTYPE): context= on /dev, /dev/shm, /dev/pts; /dev/mqueue labelled" t_mount_label
check "exec (and its session keyring), exec --process-label: the labels in force" t_exec_label
check "exec --process with selinuxLabel: the label in force" t_exec_process_json
check "permissive: a host file of another type is only logged" t_permissive_control
check "enforcing: a $PTYPE container runs, a host file of another type is denied" t_enforcing
check "enforcing: exec runs confined" t_enforcing_exec
if command -v podman >/dev/null; then
	podman_image
	check "podman: label=level in the process and /dev/shm labels" t_podman_level
	check "podman: label=type:$PTYPE and level" t_podman_type
	check "podman: enforcing, $PTYPE runs and writes its own files" t_podman_enforcing
fi
rm -rf "$LSM_WORK"
