#!/bin/bash
# selinux-image.sh: the SELinux guest's image for make test-lsm, built by
# ../shared/vm/vm.sh with Debian's reference policy, then labelled: vm.sh
# copies the files into the image without security.selinux attributes,
# and a guest whose files carry no labels runs every process as kernel_t
# (its root disk is a snapshot, so relabelling at boot would be lost and
# redone at every boot). This loop-mounts the image once, labels every
# file with the policy's own setfiles (in a chroot: the host needs no
# SELinux), and sets the policy to load permissive (the suites switch to
# enforcing themselves). A stamp beside the image says it is done for
# that image. Run as root, under the shared VM lock (make test-lsm is).
set -euo pipefail
VM=${VM:-../shared/vm/vm.sh}
: "${RTVM_DIR:?}" "${RTVM_EXTRA_PKGS:?}"
export RTVM_DIR RTVM_EXTRA_PKGS
bash "$VM" build >&2
stamp=$RTVM_DIR/relabel.stamp
if [ -f "$stamp" ] && cmp -s "$stamp" "$RTVM_DIR/image.stamp"; then
	exit 0
fi
t0=$SECONDS
mnt=$(mktemp -d /var/tmp/rtvm-relabel.XXXXXX)
mount -o loop "$RTVM_DIR/rootfs.img" "$mnt"
trap 'umount -R "$mnt"; rmdir "$mnt"' EXIT
# setfiles labels through /proc/self/fd.
mount -t proc proc "$mnt/proc"
printf 'SELINUX=permissive\nSELINUXTYPE=default\n' >"$mnt/etc/selinux/config"
fc=/etc/selinux/default/contexts/files/file_contexts
chroot "$mnt" setfiles -F -q -e /proc "$fc" /
echo "labelled $(find "$mnt" -xdev | wc -l) files in $((SECONDS - t0)) s" >&2
cp "$RTVM_DIR/image.stamp" "$stamp"
