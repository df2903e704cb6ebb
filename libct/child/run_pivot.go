package child

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// The switch to the container's root (see pivot.go).

// openRoot makes p.st.root an O_PATH fd of the rootfs (before the switch)
// or of "/" (after it).
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) openRoot(path uintptr, pivoted bool) syscall.Errno {
	fd, e := sys(unix.SYS_OPENAT, atFdcwd, path, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0, 0, 0)
	if e != 0 {
		return e
	}
	closefd(p.st.root)
	p.st.root = int32(fd)
	p.st.pivoted = pivoted
	return 0
}

// pivotRoot uses pivot_root(".", "."): the old root ends up stacked on top
// of the new one, so it can be detached without needing a directory for it
// inside the rootfs.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) pivotRoot(s *step) syscall.Errno {
	oldRoot, e := sys(unix.SYS_OPENAT, atFdcwd, cstr(slash), unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0, 0, 0)
	if e != 0 {
		p.errReplace("open old root")
		return e
	}
	defer0 := int32(oldRoot)
	newRoot, e := sys(unix.SYS_OPENAT, atFdcwd, p.ptr(s.s[0]), unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0, 0, 0)
	if e != 0 {
		closefd(defer0)
		p.errReplace("open new root ")
		p.errAppStr(s.s[0])
		return e
	}
	e = p.pivotFds(s, defer0, int32(newRoot))
	closefd(defer0)
	closefd(int32(newRoot))
	return e
}

//go:noinline
//go:nosplit
//go:norace
func (p *Program) pivotFds(s *step, oldRoot, newRoot int32) syscall.Errno {
	if _, e := sys(unix.SYS_FCHDIR, uintptr(newRoot), 0, 0, 0, 0, 0); e != 0 {
		p.errReplace("chdir to ")
		p.errAppStr(s.s[0])
		return e
	}
	if _, e := sys(unix.SYS_PIVOT_ROOT, cstr(dot), cstr(dot), 0, 0, 0, 0); e != 0 {
		p.errReplace("pivot_root ")
		p.errAppStr(s.s[0])
		return e
	}
	if _, e := sys(unix.SYS_FCHDIR, uintptr(oldRoot), 0, 0, 0, 0, 0); e != 0 {
		p.errReplace("chdir to old root")
		return e
	}
	// Slave first so the detach below cannot propagate to the host's
	// mounts should the old root still be shared with them.
	if _, e := sys(unix.SYS_MOUNT, 0, cstr(dot), 0, unix.MS_SLAVE|unix.MS_REC, 0, 0); e != 0 {
		p.errReplace("make old root rslave")
		return e
	}
	if _, e := sys(unix.SYS_UMOUNT2, cstr(dot), unix.MNT_DETACH, 0, 0, 0, 0); e != 0 {
		p.errReplace("detach old root")
		return e
	}
	if _, e := sys(unix.SYS_CHDIR, cstr(slash), 0, 0, 0, 0, 0); e != 0 {
		p.errReplace("chdir to /")
		return e
	}
	return 0
}

// moveRoot is the --no-pivot path (a ramfs root, where pivot_root is not
// allowed): the rootfs mount is moved over "/" and chrooted into. First
// the host's whole procfs and sysfs mounts that would stay under the new
// root go (the parent lists them): left there, a user namespace could
// mount a fresh procfs without the masked and read-only paths, because
// one is fully visible. What cannot be unmounted is covered with an
// empty tmpfs, which makes it not fully visible either.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) moveRoot(s *step) syscall.Errno {
	if e := p.sendMsg(KindMounts, -1, 0, 0, nil, -1); e != 0 {
		return e
	}
	n, e := p.expect(KindOK)
	if e != 0 {
		return e
	}
	list := p.st.in[headerSize : headerSize+n]
	for i := 0; i < len(list); {
		mp := list[i:]
		l := clen(mp)
		if l == 0 {
			break
		}
		if e := p.hideMount(mp[:l+1]); e != 0 {
			return e
		}
		i += l + 1
	}
	root := p.ptr(s.s[0])
	if _, e := sys(unix.SYS_CHDIR, root, 0, 0, 0, 0, 0); e != 0 {
		p.errReplace("chdir to ")
		p.errAppStr(s.s[0])
		return e
	}
	// A mount moved onto a shared mount propagates to its peers: with a
	// shared rootfsPropagation, "/" may be a peer of the host's own root.
	if _, e := sys(unix.SYS_MOUNT, 0, cstr(slash), 0, unix.MS_SLAVE, 0, 0); e != 0 {
		p.errReplace("make / slave")
		return e
	}
	if _, e := sys(unix.SYS_MOUNT, root, cstr(slash), 0, unix.MS_MOVE, 0, 0); e != 0 {
		p.errReplace("move ")
		p.errAppStr(s.s[0])
		p.errApps(" to /")
		return e
	}
	if _, e := sys(unix.SYS_CHROOT, cstr(dot), 0, 0, 0, 0, 0); e != 0 {
		p.errReplace("chroot ")
		p.errAppStr(s.s[0])
		return e
	}
	if _, e := sys(unix.SYS_CHDIR, cstr(slash), 0, 0, 0, 0, 0); e != 0 {
		p.errReplace("chdir to /")
		return e
	}
	return 0
}

// mountHolder gives the propagation s.n[0] to the mount point holding the
// rootfs: the first of the directories in s.v (the rootfs, then each of
// its parents) that is a mount point (EINVAL: it is not one).
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) mountHolder(s *step) syscall.Errno {
	var e syscall.Errno
	for i := 0; i < int(s.v.n); i++ {
		d := p.strAt(s.v, i)
		if _, e = sys(unix.SYS_MOUNT, 0, p.ptr(d), 0, uintptr(s.n[0]), 0, 0); e != unix.EINVAL {
			if e != 0 {
				p.errReplace("make ")
				p.errAppStr(d)
				p.errApps(" (the mount holding the rootfs) ")
				p.errAppStr(s.s[0])
			}
			return e
		}
	}
	return e
}

// hideMount unmounts the mount at mp (NUL-terminated), or covers it.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) hideMount(mp []byte) syscall.Errno {
	// Slave first so the unmount cannot propagate to the host.
	if _, e := sys(unix.SYS_MOUNT, 0, cstr(mp), 0, unix.MS_SLAVE|unix.MS_REC, 0, 0); e != 0 {
		if e == unix.ENOENT || e == unix.EINVAL {
			return 0 // gone with a parent detached before it
		}
		p.errReplace("make ")
		p.errApp(mp[:len(mp)-1])
		p.errApps(" rslave")
		return e
	}
	_, e := sys(unix.SYS_UMOUNT2, cstr(mp), unix.MNT_DETACH, 0, 0, 0, 0)
	if e == unix.EINVAL || e == unix.EPERM {
		_, e = sys(unix.SYS_MOUNT, cstr(tmpfsName), cstr(mp), cstr(tmpfsName), unix.MS_RDONLY, 0, 0)
	}
	if e != 0 {
		p.errReplace("hide host kernel filesystem on ")
		p.errApp(mp[:len(mp)-1])
		return e
	}
	return 0
}
