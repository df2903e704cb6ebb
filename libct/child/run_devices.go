package child

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// Device nodes and the /dev symlinks (see devices.go).

// createDevice makes one device node: mknod, or in a user namespace (where
// mknod is never permitted) a bind of the host's node, checked first so a
// wrong or missing host device is an error instead of a silently different
// file in the container.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) createDevice(s *step) syscall.Errno {
	d := &p.devices[s.n[0]]
	root := p.st.root
	if d.bind {
		src, e := sys(unix.SYS_OPENAT, atFdcwd, p.ptr(d.path), unix.O_PATH|unix.O_CLOEXEC, 0, 0, 0)
		if e != 0 {
			p.errDetail("open host device")
			return e
		}
		if e = p.fstat(int32(src)); e != 0 {
			closefd(int32(src))
			p.errDetail("stat host device")
			return e
		}
		st := &p.st.stat
		if st.Mode&unix.S_IFMT != d.typ || d.typ != unix.S_IFIFO && st.Rdev != d.dev {
			closefd(int32(src))
			p.errDetail("host ")
			p.errAppStr(d.path)
			p.errApps(" is not device ")
			p.errAppStr(d.typName)
			p.errApps(" ")
			p.errAppInt(int64(unix.Major(d.dev)))
			p.errApps(":")
			p.errAppInt(int64(unix.Minor(d.dev)))
			return errCheck
		}
		m := &p.devMount
		m.dest, m.src = d.path, d.path
		e = segBindSource(p, m, int32(src), false)
		closefd(int32(src))
		return e
	}
	parent, e := segMkdirAllStrict(p, root, p.cbytes(d.dir))
	if e != 0 {
		p.errDetail("create parent directory")
		return e
	}
	_, e = sys(unix.SYS_MKNODAT, uintptr(parent), p.ptr(d.base), uintptr(d.typ|d.mode), uintptr(d.rdev), 0, 0)
	if e == unix.EEXIST {
		// Already provided by the rootfs image (no tmpfs on /dev).
		closefd(parent)
		return 0
	}
	if e != 0 {
		closefd(parent)
		p.errDetail("mknod")
		return e
	}
	_, e = sys(unix.SYS_FCHOWNAT, uintptr(parent), p.ptr(d.base), uintptr(d.uid), uintptr(d.gid), unix.AT_SYMLINK_NOFOLLOW, 0)
	closefd(parent)
	if e != 0 {
		p.errDetail("chown")
	}
	return e
}

// symlinks makes symlinks (target, name pairs) in a directory of the
// rootfs: /dev/fd, /dev/std{in,out,err} and /dev/core, pointing /dev/ptmx
// at the container's own devpts instance when it has one; or the links of
// a v1 cgroup mount's merged hierarchies (cpu -> cpu,cpuacct). One that
// exists is left as it is.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) symlinks(s *step) syscall.Errno {
	dir := p.cbytes(s.s[1])
	dirfd, e := segMkdirAllInRoot(p, p.st.root, dir)
	if e != 0 {
		p.errDetail("open ")
		p.errApp(dir)
		return e
	}
	links := p.bytes(s.s[0]) // "target\0name\0..." pairs
	for i := 0; i < len(links); {
		t := links[i:]
		tn := clen(t)
		name := t[tn+1:]
		nn := clen(name)
		_, e = sys(unix.SYS_SYMLINKAT, cstr(t), uintptr(dirfd), cstr(name), 0, 0, 0)
		if e != 0 && e != unix.EEXIST {
			closefd(dirfd)
			p.errDetail("symlink ")
			p.errApp(dir)
			p.errApps("/")
			p.errApp(name[:nn])
			p.errApps(" -> ")
			p.errApp(t[:tn])
			return e
		}
		i += tn + 1 + nn + 1
	}
	if s.n[0] != 0 {
		// The host's ptmx would allocate ptys in the host's devpts.
		if _, e = sys(unix.SYS_UNLINKAT, uintptr(dirfd), cstr(ptmxName), 0, 0, 0, 0); e != 0 && e != unix.ENOENT {
			closefd(dirfd)
			p.errDetail("remove /dev/ptmx")
			return e
		}
		if _, e = sys(unix.SYS_SYMLINKAT, cstr(ptsPtmx), uintptr(dirfd), cstr(ptmxName), 0, 0, 0); e != 0 {
			closefd(dirfd)
			p.errDetail("symlink /dev/ptmx -> pts/ptmx")
			return e
		}
	}
	closefd(dirfd)
	return 0
}

var (
	devDir   = []byte("/dev\x00")
	ptmxName = []byte("ptmx\x00")
	ptsPtmx  = []byte("pts/ptmx\x00")
)
