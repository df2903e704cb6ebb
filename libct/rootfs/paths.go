package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/selinux/go-selinux/label"
	"golang.org/x/sys/unix"
)

// Finish runs after Enter: it binds the console, applies readonly and
// masked paths, makes the read-only tmpfs mounts Prepare left writable
// read-only and the root too, if the spec asks, and last gives the root the
// propagation rootfsPropagation wants it to end with.
func Finish(spec *specs.Spec, console *os.File, p *Pending) error {
	defer p.close()
	if spec == nil {
		return errors.New("finish rootfs: nil spec")
	}
	root, err := openPath("/", unix.O_DIRECTORY)
	if err != nil {
		return fmt.Errorf("open /: %w", err)
	}
	defer root.Close()
	if console != nil {
		if err := setupConsole(root, console); err != nil {
			return err
		}
	}
	if spec.Linux != nil {
		for _, p := range spec.Linux.ReadonlyPaths {
			if err := readonlyPath(root, p); err != nil {
				return err
			}
		}
		if err := maskPaths(root, spec.Linux.MaskedPaths, spec.Linux.MountLabel); err != nil {
			return err
		}
	}
	if p != nil {
		for _, r := range p.readonly {
			// Through the handle kept since the mount: no path lookup
			// in a tree the container may have shaped.
			attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}
			if err := unix.MountSetattr(int(r.f.Fd()), "", unix.AT_EMPTY_PATH, &attr); err != nil {
				return fmt.Errorf("make %s read-only: %w", r.dest, err)
			}
		}
	}
	if spec.Root != nil && spec.Root.Readonly {
		// mount_setattr on the fd, not a remount of an fdPath name: this
		// runs after pivot_root, where /proc is the container's.
		attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}
		if err := unix.MountSetattr(int(root.Fd()), "", unix.AT_EMPTY_PATH, &attr); err != nil {
			return fmt.Errorf("make root read-only: %w", err)
		}
	}
	// Last, after pivot_root (which refuses a shared root) and after the
	// console, readonly and masked paths, whose binds an unbindable
	// source would refuse.
	if p != nil && p.rootPropagation != 0 {
		if err := unix.Mount("", "/", "", p.rootPropagation, ""); err != nil {
			return fmt.Errorf("make / %s: %w", propagationName(p.rootPropagation), err)
		}
	}
	return nil
}

// readonlyPath bind-mounts p onto itself and makes the result read-only,
// submounts included. A missing path is not an error.
func readonlyPath(root *os.File, p string) error {
	p = filepath.Join("/", p)
	f, err := openInRoot(root, p, 0)
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open readonly path %s: %w", p, err)
	}
	defer f.Close()
	mounted, err := mountOnto(root, "/", f, p, func(string) error {
		if err := bindFd(f, f, true); err != nil {
			return fmt.Errorf("bind readonly path %s: %w", p, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer mounted.Close()
	// Read-only through the fd (no remount of an fdPath name: /proc is
	// the container's by now), submounts included.
	attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}
	if err := unix.MountSetattr(int(mounted.Fd()), "", unix.AT_EMPTY_PATH|unix.AT_RECURSIVE, &attr); err != nil {
		return fmt.Errorf("make submounts of %s read-only: %w", p, err)
	}
	return nil
}

// maskPaths hides each path: files get /dev/null bound over them,
// directories an empty read-only tmpfs, one for all of them (the first is
// bound onto the others). Missing and repeated paths are skipped.
func maskPaths(root *os.File, paths []string, mountLabel string) error {
	var null, shared *os.File
	defer func() {
		for _, f := range []*os.File{null, shared} {
			if f != nil {
				f.Close()
			}
		}
	}()
	done := make(map[string]bool, len(paths))
	for _, p := range paths {
		p = filepath.Join("/", p)
		if done[p] {
			continue
		}
		done[p] = true
		f, err := openInRoot(root, p, 0)
		if errors.Is(err, unix.ENOENT) {
			continue
		}
		if err != nil {
			return fmt.Errorf("open masked path %s: %w", p, err)
		}
		var st unix.Stat_t
		if err := unix.Fstat(int(f.Fd()), &st); err != nil {
			f.Close()
			return fmt.Errorf("stat masked path %s: %w", p, err)
		}
		dir := st.Mode&unix.S_IFMT == unix.S_IFDIR
		if !dir && null == nil {
			if null, err = openDevNull(root); err != nil {
				f.Close()
				return err
			}
		}
		var mounted *os.File
		mounted, err = maskPath(root, f, p, dir, null, shared, mountLabel)
		f.Close()
		if err != nil {
			return err
		}
		if dir && shared == nil {
			shared = mounted
		} else {
			mounted.Close()
		}
	}
	return nil
}

// maskPath mounts the mask on f and returns the root of the new mount.
// A directory gets shared, the first directory mask, when there is one.
func maskPath(root, f *os.File, p string, dir bool, null, shared *os.File, mountLabel string) (*os.File, error) {
	return mountOnto(root, "/", f, p, func(target string) error {
		var err error
		switch {
		case dir && shared != nil:
			// The bind keeps the read-only flag of its source mount.
			err = bindFd(shared, f, false)
		case dir:
			// A wrong target (an fdPath name redirected through the
			// container's /proc) fails mountOnto's mount ID check.
			err = unix.Mount("tmpfs", target, "tmpfs", unix.MS_RDONLY, label.FormatMountLabel("", mountLabel))
		default:
			// The source has no such check: bind by fd.
			err = bindFd(null, f, false)
		}
		if err != nil {
			return fmt.Errorf("mask %s: %w", p, err)
		}
		return nil
	})
}

// openDevNull opens the container's /dev/null and checks it really is the
// 1:3 character device: binding whatever /dev/null points at would let an
// image mask paths with, say, a writable procfs file (CVE-2025-31133).
func openDevNull(root *os.File) (*os.File, error) {
	f, err := openInRoot(root, "/dev/null", 0)
	if err != nil {
		return nil, fmt.Errorf("open /dev/null: %w", err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		f.Close()
		return nil, fmt.Errorf("stat /dev/null: %w", err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Rdev != unix.Mkdev(1, 3) {
		f.Close()
		return nil, fmt.Errorf("/dev/null is not the 1:3 character device (mode %#o, rdev %d:%d)",
			st.Mode, unix.Major(st.Rdev), unix.Minor(st.Rdev))
	}
	return f, nil
}
