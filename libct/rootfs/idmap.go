package rootfs

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// IsIDMapped reports whether mnt asks for an idmapped mount.
func IsIDMapped(mnt specs.Mount) bool {
	return len(mnt.UIDMappings) > 0 || len(mnt.GIDMappings) > 0 ||
		slices.Contains(mnt.Options, "idmap") || slices.Contains(mnt.Options, "ridmap")
}

// OpenBindSource opens the source of a bind mount (O_PATH) for the init.
// Run by the runtime in the container's mount namespace, where the source
// is what the init would have found.
func OpenBindSource(mnt specs.Mount, source string) (*os.File, error) {
	f, err := openPath(source, 0)
	if err != nil {
		return nil, fmt.Errorf("open bind source %s for %s: %w", source, mnt.Destination, err)
	}
	return f, nil
}

// DetachedIDMapped makes the mount mnt asks for as a detached mount (in no
// mount namespace yet) with the id mapping of the user namespace usernsFd,
// for the container's init to move into place. source is mnt.Source made
// absolute. It must run with the host's privileges, which an idmapping of
// a host filesystem requires, in the container's mount namespace, where
// the earlier mounts of the container can be a bind source.
//
// A bind mount is cloned with open_tree (with its submounts for rbind);
// any other filesystem is made with fsopen/fsmount, which the kernel allows
// to be idmapped when the filesystem supports it (tmpfs does since 6.3).
// "ridmap" maps the submounts too, "idmap" only the top mount.
func DetachedIDMapped(mnt specs.Mount, source string, usernsFd int) (*os.File, error) {
	o := parseMountOptions(mnt.Options)
	name := "mount " + mnt.Destination
	var fd int
	var err error
	if mnt.Type == "bind" || o.isBind() {
		flags := uint(unix.OPEN_TREE_CLONE | unix.OPEN_TREE_CLOEXEC)
		if o.flags&unix.MS_REC != 0 {
			flags |= unix.AT_RECURSIVE
		}
		if fd, err = unix.OpenTree(unix.AT_FDCWD, source, flags); err != nil {
			return nil, fmt.Errorf("%s: open_tree %s: %w", name, source, err)
		}
	} else if fd, err = newFsMount(mnt.Type, mnt.Source, o.data); err != nil {
		return nil, fmt.Errorf("%s: create %s: %w", name, mnt.Type, err)
	}
	tree := os.NewFile(uintptr(fd), source)
	attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_IDMAP, Userns_fd: uint64(usernsFd)}
	setFlags := uint(unix.AT_EMPTY_PATH)
	if slices.Contains(mnt.Options, "ridmap") {
		setFlags |= unix.AT_RECURSIVE
	}
	if err := unix.MountSetattr(fd, "", setFlags, &attr); err != nil {
		tree.Close()
		hint := ""
		if errors.Is(err, unix.EINVAL) {
			hint = " (the filesystem or kernel does not support idmapped mounts)"
		}
		return nil, fmt.Errorf("%s: idmap %s: mount_setattr: %w%s", name, source, err, hint)
	}
	return tree, nil
}

// newFsMount makes a detached mount of a new fsType instance; data are
// the filesystem's options, "key=value" or bare flags as mount(8) takes.
func newFsMount(fsType, source string, data []string) (int, error) {
	fs, err := unix.Fsopen(fsType, unix.FSOPEN_CLOEXEC)
	if err != nil {
		return -1, fmt.Errorf("fsopen: %w", err)
	}
	defer unix.Close(fs)
	if source != "" {
		if err := unix.FsconfigSetString(fs, "source", source); err != nil {
			return -1, fmt.Errorf("source %q: %w", source, err)
		}
	}
	for _, d := range data {
		k, v, hasValue := strings.Cut(d, "=")
		if hasValue {
			err = unix.FsconfigSetString(fs, k, v)
		} else {
			err = unix.FsconfigSetFlag(fs, k)
		}
		if err != nil {
			return -1, fmt.Errorf("option %q: %w", d, err)
		}
	}
	if err := unix.FsconfigCreate(fs); err != nil {
		return -1, fmt.Errorf("fsconfig create: %w", err)
	}
	fd, err := unix.Fsmount(fs, unix.FSMOUNT_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("fsmount: %w", err)
	}
	return fd, nil
}
