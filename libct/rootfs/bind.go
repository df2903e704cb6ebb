package rootfs

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// mountSource is what a bind mount attaches: an O_PATH handle on the
// source, whose mount is copied onto the destination, or a detached mount
// tree (open_tree(OPEN_TREE_CLONE), set up beforehand, e.g. idmapped),
// which is moved into place as it is.
type mountSource struct {
	f        *os.File
	name     string // the spec's source, for messages
	detached bool
}

func (s *mountSource) close() { s.f.Close() }

// openSource opens the bind source of spec.Mounts[i] now, in mount order,
// so a source inside the rootfs shows the mounts made before it. In a user
// namespace the init may not be allowed to reach a host path the spec
// names (a directory only the host's root can search): the runtime
// outside, which still has the host's credentials, opens it then.
func (m *mounter) openSource(i int, source, dest string) (*mountSource, error) {
	f, err := openPath(source, 0)
	if (errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM)) && m.opts.UserNS && m.opts.MountFd != nil {
		f, err = m.opts.MountFd(i)
	}
	if err != nil {
		return nil, fmt.Errorf("open bind source %s for %s: %w", source, dest, err)
	}
	return &mountSource{f: f, name: source}, nil
}

// bindMount binds the host path source onto dest inside the rootfs.
func (m *mounter) bindMount(source, dest string, o mountOptions) error {
	f, err := openPath(source, 0)
	if err != nil {
		return fmt.Errorf("open bind source %s for %s: %w", source, dest, err)
	}
	src := &mountSource{f: f, name: source}
	defer src.close()
	return m.bindSource(src, dest, o)
}

// bindSource attaches src on dest and then applies the flags a plain
// MS_BIND ignores. The mount goes through src's handle, so what was
// checked is what gets mounted.
func (m *mounter) bindSource(src *mountSource, dest string, o mountOptions) error {
	st, err := src.f.Stat()
	if err != nil {
		return fmt.Errorf("stat bind source %s: %w", src.name, err)
	}
	dst, err := openOrCreate(m.root, m.rootPath, dest, st.IsDir())
	if err != nil {
		return fmt.Errorf("create mount point for %s: %w", src.name, err)
	}
	defer dst.Close()
	if err := m.checkProcDest(dst, dest, isProcfs(src.f)); err != nil {
		return err
	}
	mounted, err := mountOnto(m.root, m.rootPath, dst, dest, func(target string) error {
		var err error
		if src.detached {
			err = unix.MoveMount(int(src.f.Fd()), "", int(dst.Fd()), "", unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH)
		} else {
			err = unix.Mount(fdPath(src.f), target, "", o.flags&(unix.MS_BIND|unix.MS_REC), "")
		}
		if err != nil {
			return fmt.Errorf("bind %s on %s: %w", src.name, dest, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer mounted.Close()
	if o.needsRemount() {
		if err := remountBind(mounted, dest, o.flags, o.cleared); err != nil {
			return err
		}
	}
	return m.finishMount(mounted, dest, o)
}

// remountBind gives the bind mount whose root is f the per-mount flags
// the spec asks for, and only those: a flag of the source that the spec
// does not name is dropped, as with mount --bind -o (but also when the
// spec only clears flags). In a user namespace the kernel refuses to drop
// the flags it locked when the mount namespace was copied; then the
// mount keeps those, unless the spec explicitly asks to clear one, which
// is an error.
func remountBind(f *os.File, dest string, want, cleared uintptr) error {
	want &^= unix.MS_BIND | unix.MS_REC | unix.MS_REMOUNT
	target := fdPath(f)
	err := unix.Mount("", target, "", unix.MS_BIND|unix.MS_REMOUNT|want, "")
	if err == nil {
		return nil
	}
	var st unix.Statfs_t
	if serr := unix.Fstatfs(int(f.Fd()), &st); serr != nil {
		return fmt.Errorf("statfs %s: %w", dest, serr)
	}
	retry, ferr := lockedRemountFlags(statfsMountFlags(st.Flags), want, cleared)
	if ferr != nil {
		return fmt.Errorf("remount %s: %w: %w", dest, ferr, err)
	}
	if err := unix.Mount("", target, "", unix.MS_BIND|unix.MS_REMOUNT|retry, ""); err != nil {
		return fmt.Errorf("remount %s with its locked flags %s kept: %w", dest, mountFlagNames(retry&mntLockFlags), err)
	}
	return nil
}

// finishMount applies propagation and recursive (mount_setattr) options.
func (m *mounter) finishMount(mounted *os.File, dest string, o mountOptions) error {
	for _, p := range o.propagation {
		if err := unix.Mount("", fdPath(mounted), "", p, ""); err != nil {
			return fmt.Errorf("make %s %s: %w", dest, propagationName(p), err)
		}
	}
	if !o.recursive {
		return nil
	}
	attr := o.attr
	if err := unix.MountSetattr(int(mounted.Fd()), "", unix.AT_EMPTY_PATH|unix.AT_RECURSIVE, &attr); err != nil {
		return fmt.Errorf("mount_setattr %s: %w", dest, err)
	}
	return nil
}
