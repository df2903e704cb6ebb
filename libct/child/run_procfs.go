package child

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Writes to /proc (sysctl, LSM attributes) through a checked handle: the
// root must be a procfs root, a leading self
// or thread-self is resolved through that procfs's own link, and the walk
// may meet no symlink, no magic link and no other mount (CVE-2019-16884,
// CVE-2023-27561, CVE-2025-52881).

// procOpen opens /proc (once) and checks it.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) procOpen() syscall.Errno {
	st := &p.st
	if st.proc >= 0 {
		return 0
	}
	fd, e := sys(unix.SYS_OPENAT, atFdcwd, cstr(procPath), unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0, 0, 0)
	if e != 0 {
		p.errDetail("open /proc")
		return e
	}
	if e = p.checkProcfs(int32(fd)); e != 0 {
		closefd(int32(fd))
		return e
	}
	if e = p.fstat(int32(fd)); e != 0 {
		closefd(int32(fd))
		p.errDetail("stat /proc")
		return e
	}
	if st.stat.Ino != 1 {
		closefd(int32(fd))
		p.errDetail("open /proc: not the root of a procfs mount (inode ")
		p.errAppInt(int64(st.stat.Ino))
		p.errApps(")")
		return errCheck
	}
	id, e := p.mountID(int32(fd))
	if e != 0 {
		closefd(int32(fd))
		p.errDetail("statx /proc")
		return e
	}
	st.proc, st.procMnt = int32(fd), id
	return 0
}

// procClose forgets the /proc handle (it changes with pivot_root).
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) procClose() {
	closefd(p.st.proc)
	p.st.proc = -1
}

var procPath = []byte("/proc\x00")

//go:noinline
//go:nosplit
//go:norace
func (p *Program) checkProcfs(fd int32) syscall.Errno {
	sfs := &p.st.statfs
	if _, e := sys(unix.SYS_FSTATFS, uintptr(fd), uintptr(unsafe.Pointer(sfs)), 0, 0, 0, 0); e != 0 {
		p.errDetail("statfs")
		return e
	}
	if sfs.Type != unix.PROC_SUPER_MAGIC {
		p.errDetail("not on procfs (filesystem type ")
		p.errAppInt(int64(sfs.Type))
		p.errApps(")")
		return errCheck
	}
	return 0
}

// procWrite writes data to rel below /proc (NUL-terminated, e.g.
// "sys/net/ipv4/ip_forward") in one write.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) procWrite(rel []byte, data []byte) syscall.Errno {
	st := &p.st
	if e := p.procOpen(); e != 0 {
		return e
	}
	path := st.pb
	n, e := p.procResolve(rel, path)
	if e != 0 {
		p.errDetail("open /proc/")
		p.errApp(rel[:clen(rel)])
		p.errApps(": resolve self")
		return e
	}
	var fd int32
	for tries := 0; ; tries++ {
		fd, e = p.openat2(st.proc, cstr(path), unix.O_WRONLY|unix.O_NOFOLLOW|unix.O_NOCTTY,
			unix.RESOLVE_BENEATH|unix.RESOLVE_NO_SYMLINKS|unix.RESOLVE_NO_MAGICLINKS|unix.RESOLVE_NO_XDEV)
		if (e == unix.EAGAIN || e == unix.EINTR) && tries < 16 {
			continue
		}
		break
	}
	if e != 0 {
		p.errDetail("open /proc/")
		p.errApp(path[:n])
		if e == unix.EXDEV {
			p.errApps(": path crosses a mount point")
		} else if e == unix.ELOOP {
			p.errApps(": path contains a symlink")
		}
		return e
	}
	if e = p.checkProcfs(fd); e == 0 {
		var id uint64
		if id, e = p.mountID(fd); e == 0 && id != st.procMnt {
			p.errDetail("open /proc/")
			p.errApp(path[:n])
			p.errApps(": path crosses a mount point")
			e = errCheck
		}
	}
	if e != 0 {
		closefd(fd)
		return e
	}
	buf := cstr(empty) // a write of nothing clears a label
	if len(data) > 0 {
		buf = uintptr(unsafe.Pointer(&data[0]))
	}
	w, e := sys(unix.SYS_WRITE, uintptr(fd), buf, uintptr(len(data)), 0, 0, 0)
	closefd(fd)
	if e == 0 && int(w) != len(data) {
		p.errDetail("write /proc/")
		p.errApp(path[:n])
		p.errApps(": short write")
		return errCheck
	}
	if e != 0 {
		p.errDetail("write /proc/")
		p.errApp(path[:n])
	}
	return e
}

// procResolve copies rel to dst, a leading self or thread-self replaced
// by the numeric path that procfs's link names ("<tgid>",
// "<tgid>/task/<tid>"), checked to be nothing else.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) procResolve(rel, dst []byte) (int, syscall.Errno) {
	st := &p.st
	var link []byte
	switch {
	case hasPrefixStr(rel, "self/"):
		link = selfName
	case hasPrefixStr(rel, "thread-self/"):
		link = threadSelfName
	default:
		n := app(dst, 0, rel[:clen(rel)])
		return n, 0
	}
	l, e := sys(unix.SYS_READLINKAT, uintptr(st.proc), cstr(link), cstr(st.link), 64, 0, 0)
	if e != 0 {
		return 0, e
	}
	t := st.link[:l]
	// Digits, or digits "/task/" digits for thread-self.
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	ok := i > 0
	if len(link) == len(threadSelfName) {
		ok = ok && hasPrefixStr(t[i:], "/task/") && len(t) > i+6
		for j := i + 6; ok && j < len(t); j++ {
			ok = t[j] >= '0' && t[j] <= '9'
		}
	} else {
		ok = ok && i == len(t)
	}
	if !ok {
		return 0, errCheck
	}
	n := app(dst, 0, t)
	rest := rel[len(link)-1 : clen(rel)] // from the slash on
	n = app(dst, n, rest)
	return n, 0
}

var (
	selfName       = []byte("self\x00")
	threadSelfName = []byte("thread-self\x00")
)
