package child

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// After pivot_root: the console, readonly and masked paths, and the
// read-only mounts left writable until now (see paths.go).

// readonlyPath binds path onto itself and makes the result read-only,
// submounts included. A missing path is not an error.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) readonlyPath(s *step) syscall.Errno {
	m := &p.pathMount
	m.dest = s.s[0]
	f, e := p.openInRoot(p.st.root, p.cbytes(m.dest), 0)
	if e == unix.ENOENT {
		return 0
	}
	if e != 0 {
		p.errDetail("open readonly path ")
		p.errAppStr(m.dest)
		return e
	}
	mounted, e := segMountOnto(p, m, f, actTreeRec, f, -1)
	closefd(f)
	if e != 0 {
		if p.st.errMode == errModeNone {
			p.errDetail("bind readonly path ")
			p.errAppStr(m.dest)
		}
		return e
	}
	// Read-only through the fd (no remount of an fd name: /proc is the
	// container's by now), submounts included.
	e = p.setattr(mounted, unix.MOUNT_ATTR_RDONLY, unix.AT_RECURSIVE)
	closefd(mounted)
	if e != 0 {
		p.errDetail("make submounts of ")
		p.errAppStr(m.dest)
		p.errApps(" read-only")
	}
	return e
}

// setattr sets mount attributes on the mount fd is the root of.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) setattr(fd int32, set uint64, flags uintptr) syscall.Errno {
	attr := &p.st.attr
	*attr = unix.MountAttr{Attr_set: set}
	_, e := sys(unix.SYS_MOUNT_SETATTR, uintptr(fd), cstr(empty), unix.AT_EMPTY_PATH|flags, uintptr(unsafe.Pointer(attr)), unsafe.Sizeof(*attr), 0)
	return e
}

// maskPath hides path: a file gets /dev/null bound over it, a directory
// an empty read-only tmpfs, one for all of them (the first is bound onto
// the others). Missing paths are skipped.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) maskPath(s *step) syscall.Errno {
	st := &p.st
	m := &p.pathMount
	m.dest, m.data = s.s[0], s.s[1]
	f, e := p.openInRoot(st.root, p.cbytes(m.dest), 0)
	if e == unix.ENOENT {
		return 0
	}
	if e != 0 {
		p.errDetail("open masked path ")
		p.errAppStr(m.dest)
		return e
	}
	if e = p.fstat(f); e != 0 {
		closefd(f)
		p.errDetail("stat masked path ")
		p.errAppStr(m.dest)
		return e
	}
	dir := st.stat.Mode&unix.S_IFMT == unix.S_IFDIR
	if !dir && st.devNull < 0 {
		if e = p.openDevNull(); e != 0 {
			closefd(f)
			return e
		}
	}
	var mounted int32
	switch {
	case dir && st.maskDir >= 0:
		// The bind keeps the read-only flag of its source mount.
		mounted, e = segMountOnto(p, m, f, actTree, st.maskDir, -1)
	case dir:
		mounted, e = segMountOnto(p, m, f, actMask, -1, -1)
	default:
		// /dev/null has no such check as a target: bind it by fd.
		mounted, e = segMountOnto(p, m, f, actTree, st.devNull, -1)
	}
	closefd(f)
	if e != 0 {
		if st.errMode == errModeNone {
			p.errDetail("mask ")
			p.errAppStr(m.dest)
		}
		return e
	}
	if dir && st.maskDir < 0 {
		st.maskDir = mounted
	} else {
		closefd(mounted)
	}
	return 0
}

// openDevNull opens the container's /dev/null and checks it really is the
// 1:3 character device: binding whatever /dev/null points at would let an
// image mask paths with, say, a writable procfs file (CVE-2025-31133).
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) openDevNull() syscall.Errno {
	st := &p.st
	fd, e := p.openInRoot(st.root, devNullPath, 0)
	if e != 0 {
		p.errReplace("open /dev/null")
		return e
	}
	if e = p.fstat(fd); e != 0 {
		closefd(fd)
		p.errReplace("stat /dev/null")
		return e
	}
	if st.stat.Mode&unix.S_IFMT != unix.S_IFCHR || st.stat.Rdev != unix.Mkdev(1, 3) {
		closefd(fd)
		p.errReplace("/dev/null is not the 1:3 character device (mode ")
		p.errAppOct(uint64(st.stat.Mode))
		p.errApps(", rdev ")
		p.errAppInt(int64(unix.Major(st.stat.Rdev)))
		p.errApps(":")
		p.errAppInt(int64(unix.Minor(st.stat.Rdev)))
		p.errApps(")")
		return errCheck
	}
	st.devNull = fd
	return 0
}

var devNullPath = []byte("/dev/null\x00")

// setupConsole binds the pty slave onto /dev/console. The mount point is
// opened with O_NOFOLLOW and checked, so a symlink the image planted at
// /dev/console cannot redirect the bind (CVE-2025-52565).
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) setupConsole(_ *step) syscall.Errno {
	st := &p.st
	if e := p.fstat(st.tty); e != 0 {
		p.errReplace("stat console")
		return e
	}
	if st.stat.Mode&unix.S_IFMT != unix.S_IFCHR {
		p.errReplace("console is not a character device")
		return errCheck
	}
	dev, e := segMkdirAllInRoot(p, st.root, devDir)
	if e != 0 {
		p.errReplace("open /dev for console")
		return e
	}
	fd, e := sys(unix.SYS_OPENAT, uintptr(dev), cstr(consoleName), unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_WRONLY|unix.O_CLOEXEC, 0o600, 0, 0)
	if e == 0 {
		closefd(int32(fd))
	} else if e != unix.EEXIST {
		closefd(dev)
		p.errReplace("create /dev/console")
		return e
	}
	fd, e = sys(unix.SYS_OPENAT, uintptr(dev), cstr(consoleName), unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0, 0, 0)
	closefd(dev)
	if e != 0 {
		p.errReplace("open /dev/console")
		return e
	}
	target := int32(fd)
	if e = p.fstat(target); e != 0 {
		closefd(target)
		p.errReplace("stat /dev/console")
		return e
	}
	if t := st.stat.Mode & unix.S_IFMT; t != unix.S_IFREG && t != unix.S_IFCHR {
		closefd(target)
		p.errReplace("refusing to mount console over /dev/console: not a regular file or device (mode ")
		p.errAppOct(uint64(st.stat.Mode))
		p.errApps(")")
		return errCheck
	}
	m := &p.pathMount
	m.dest = p.consoleDest
	// By fd: the slave's fd name would resolve through the container's
	// /proc, which may point it at any file (CVE-2025-52565).
	mounted, e := segMountOnto(p, m, target, actTree, st.tty, -1)
	closefd(target)
	if e != 0 {
		if st.errMode == errModeNone {
			p.errReplace("bind the console on /dev/console")
		}
		return e
	}
	closefd(mounted)
	return 0
}

var consoleName = []byte("console\x00")

// finishReadonly makes the read-only tmpfs mounts (and /dev) left
// writable until now read-only, through the fds kept since their mount
// (no path lookup in a tree the container may have shaped), then the
// root when the spec asks.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) finishReadonly(s *step) syscall.Errno {
	st := &p.st
	for i := 0; i < int(st.nPend); i++ {
		if e := p.setattr(st.pend[i].fd, unix.MOUNT_ATTR_RDONLY, 0); e != 0 {
			p.errReplace("make ")
			p.errAppStr(st.pend[i].dest)
			p.errApps(" read-only")
			return e
		}
		closefd(st.pend[i].fd)
	}
	st.nPend = 0
	if s.n[0] != 0 {
		// mount_setattr on the fd, not a remount of a name: /proc is
		// the container's by now.
		if e := p.setattr(st.root, unix.MOUNT_ATTR_RDONLY, 0); e != 0 {
			p.errReplace("make root read-only")
			return e
		}
	}
	// The container is built: nothing of it stays open (a cwd of
	// /proc/self/fd/N must not find the root, CVE-2024-21626).
	closefd(st.maskDir)
	closefd(st.devNull)
	closefd(st.root)
	st.maskDir, st.devNull, st.root = -1, -1, -1
	return 0
}
