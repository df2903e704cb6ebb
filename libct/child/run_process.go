package child

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The user's process: what turns the child into it, up to the execve
// (see process.go).

// strAt is a vec of strs.
//
//go:nosplit
//go:norace
func (p *Program) strAt(v vec, i int) str { return p.strList[int(v.off)+i] }

// setUser drops the bounding set, sets the groups, the owner of stdio and
// the ids, then the capability sets and the ambient ones.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) setUser(u *userSpec) syscall.Errno {
	drop := p.ints(u.drop)
	for i := 0; i < len(drop); i++ {
		if _, e := sys(unix.SYS_PRCTL, unix.PR_CAPBSET_DROP, uintptr(drop[i]), 0, 0, 0, 0); e != 0 {
			p.errReplace("drop bounding capabilities: drop ")
			p.errAppStr(p.capNames[drop[i]])
			p.errApps(" from the bounding set")
			return e
		}
	}
	if _, e := sys(unix.SYS_PRCTL, unix.PR_SET_KEEPCAPS, 1, 0, 0, 0, 0); e != 0 {
		p.errReplace("set keepcaps")
		return e
	}
	groups := p.gids[u.groups.off : u.groups.off+u.groups.n]
	var gp uintptr
	if len(groups) > 0 {
		gp = uintptr(unsafe.Pointer(&groups[0]))
	}
	if _, e := sys(unix.SYS_SETGROUPS, uintptr(len(groups)), gp, 0, 0, 0, 0); e != 0 && !u.noGroupsOK {
		p.errReplace("setgroups ")
		p.errAppStr(u.groupsText)
		return e
	}
	if e := p.chownStdio(u.uid); e != 0 {
		return e
	}
	// Only this thread's credentials change: it is the only thread.
	if _, e := sys(unix.SYS_SETRESGID, uintptr(u.gid), uintptr(u.gid), uintptr(u.gid), 0, 0, 0); e != 0 {
		p.errReplace("setgid ")
		p.errAppInt(int64(u.gid))
		return e
	}
	if _, e := sys(unix.SYS_SETRESUID, uintptr(u.uid), uintptr(u.uid), uintptr(u.uid), 0, 0, 0); e != 0 {
		p.errReplace("setuid ")
		p.errAppInt(int64(u.uid))
		return e
	}
	hdr := &p.st.capHdr
	hdr.Version = unix.LINUX_CAPABILITY_VERSION_3
	hdr.Pid = 0
	data := &p.st.capData
	for i := 0; i < 2; i++ {
		sh := 32 * uint(i)
		data[i].Effective = uint32(u.effective >> sh)
		data[i].Permitted = uint32(u.permitted >> sh)
		data[i].Inheritable = uint32(u.inheritable >> sh)
	}
	if _, e := sys(unix.SYS_CAPSET, uintptr(unsafe.Pointer(hdr)), uintptr(unsafe.Pointer(&data[0])), 0, 0, 0, 0); e != 0 {
		p.errReplace("apply capabilities: capset")
		return e
	}
	if _, e := sys(unix.SYS_PRCTL, unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0, 0); e != 0 {
		p.errReplace("apply capabilities: clear ambient capabilities")
		return e
	}
	amb := p.ints(u.ambient)
	for i := 0; i < len(amb); i++ {
		if _, e := sys(unix.SYS_PRCTL, unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_RAISE, uintptr(amb[i]), 0, 0, 0); e != 0 {
			p.errReplace("apply capabilities: raise ambient ")
			p.errAppStr(p.capNames[amb[i]])
			p.errApps(" (it must be permitted and inheritable)")
			return e
		}
	}
	return 0
}

// chownStdio gives the process's stdio to the user it is about to become,
// as runc does: the pty (or the fifos a shim passed) was opened by root
// outside, and a non-root process must be able to use its own terminal
// and reopen /dev/stdout. Only the owner changes. /dev/null is shared with
// the host and left alone, and an inode we may not chown (not mapped in a
// user namespace, on a read-only file system) is left as it is.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) chownStdio(uid uint32) syscall.Errno {
	st := &p.st.stat
	for fd := int32(0); fd < 3; fd++ {
		if e := p.fstat(fd); e != 0 {
			if e == unix.EBADF {
				continue
			}
			p.errReplace("stat fd ")
			p.errAppInt(int64(fd))
			return e
		}
		if st.Uid == uid || st.Mode&unix.S_IFMT == unix.S_IFCHR && st.Rdev == unix.Mkdev(1, 3) {
			continue
		}
		if _, e := sys(unix.SYS_FCHOWN, uintptr(fd), uintptr(uid), ^uintptr(0), 0, 0, 0); e != 0 {
			if e == unix.EPERM || e == unix.EROFS || e == unix.EINVAL {
				continue
			}
			p.errReplace("chown fd ")
			p.errAppInt(int64(fd))
			p.errApps(" to uid ")
			p.errAppInt(int64(uid))
			return e
		}
	}
	return 0
}

// chdirCwd enters cwd and checks that it really is inside the container's
// root: a leaked host directory fd must never become the cwd
// (CVE-2024-21626). The kernel answers getcwd with "(unreachable)/..."
// for a directory outside the root.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) chdirCwd(s *step) syscall.Errno {
	if _, e := sys(unix.SYS_CHDIR, p.ptr(s.s[0]), 0, 0, 0, 0, 0); e != 0 {
		p.errReplace("chdir to cwd ")
		p.errAppStr(s.s[1])
		return e
	}
	b := p.st.pb
	n, e := sys(unix.SYS_GETCWD, cstr(b), uintptr(len(b)), 0, 0, 0, 0)
	if e == unix.ENOENT || e == 0 && (n == 0 || b[0] != '/') {
		p.errReplace("cwd ")
		p.errAppStr(s.s[1])
		p.errApps(" is outside the container root")
		return errCheck
	}
	if e != 0 {
		p.errReplace("getcwd after chdir to ")
		p.errAppStr(s.s[1])
	}
	return e
}

// checkCwd fails create, as runc does, for a cwd that start would not
// find.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) checkCwd(s *step) syscall.Errno {
	_, e := sys(unix.SYS_NEWFSTATAT, atFdcwd, p.ptr(s.s[0]), uintptr(unsafe.Pointer(&p.st.stat)), 0, 0, 0)
	if e == 0 && p.st.stat.Mode&unix.S_IFMT != unix.S_IFDIR {
		e = unix.ENOTDIR
	}
	return e
}

// closeOnExec marks every fd from first on close-on-exec: nothing of the
// runtime's may reach the user's process or a startContainer hook
// (CVE-2024-21626). Where close_range is missing or filtered it walks
// /proc/self/fd.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) closeOnExec(first int32) syscall.Errno {
	_, e := sys(unix.SYS_CLOSE_RANGE, uintptr(first), uintptr(^uint32(0)), unix.CLOSE_RANGE_CLOEXEC, 0, 0, 0)
	if e == 0 || e != unix.ENOSYS && e != unix.EPERM && e != unix.EINVAL {
		return e
	}
	d, e := sys(unix.SYS_OPENAT, atFdcwd, cstr(selfFd), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0, 0, 0)
	if e != 0 {
		return e
	}
	for {
		n, e := sys(unix.SYS_GETDENTS64, d, uintptr(unsafe.Pointer(&p.st.dents[0])), uintptr(len(p.st.dents)), 0, 0, 0)
		if e != 0 || n == 0 {
			closefd(int32(d))
			return e
		}
		for pos := uintptr(0); pos < n; {
			b := p.st.dents[pos:]
			reclen := uintptr(*(*uint16)(unsafe.Pointer(&b[16])))
			name := b[19:reclen]
			pos += reclen
			fd := int64(0)
			ok := name[0] != 0
			for i := 0; i < len(name) && name[i] != 0; i++ {
				if name[i] < '0' || name[i] > '9' {
					ok = false
					break
				}
				fd = fd*10 + int64(name[i]-'0')
			}
			if !ok || fd < int64(first) || fd == int64(d) {
				continue
			}
			if _, e := sys(unix.SYS_FCNTL, uintptr(fd), unix.F_SETFD, unix.FD_CLOEXEC, 0, 0, 0); e != 0 && e != unix.EBADF {
				closefd(int32(d))
				return e
			}
		}
	}
}

var selfFd = []byte("/proc/self/fd\x00")

// loadSeccomp installs the compiled filter; a notify listener goes to the
// parent (which hands it to the agent) before the process goes on.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) loadSeccomp(s *step) syscall.Errno {
	prog := &p.st.fprog
	prog.len = uint16(s.n[1])
	prog.filter = p.ptr(s.s[0])
	fd, e := sys(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, uintptr(s.n[0]), uintptr(unsafe.Pointer(prog)), 0, 0, 0)
	if e != 0 {
		return e
	}
	if s.n[0]&unix.SECCOMP_FILTER_FLAG_NEW_LISTENER == 0 {
		return 0
	}
	e = p.sendMsg(KindSeccomp, -1, 0, 0, nil, int32(fd))
	closefd(int32(fd))
	if e != 0 {
		return e
	}
	_, e = p.expect(KindOK)
	return e
}

// lookPath finds the executable among the candidates the parent derived
// from argv[0] and the process's PATH, checking each the way execve will:
// a non-directory the effective credentials may execute (access(2) would
// judge by the real ids). The one found is st.exe.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) lookPath(s *step) syscall.Errno {
	var first syscall.Errno
	for i := 0; i < int(s.v.n); i++ {
		e := p.executable(p.strAt(s.v, i))
		if e == 0 {
			p.st.exe = int32(i)
			return 0
		}
		if i == 0 {
			first = e
		}
	}
	if s.n[0] != 0 {
		// A name with a slash: its own errno.
		return first
	}
	return errCheck
}

//go:noinline
//go:nosplit
//go:norace
func (p *Program) executable(path str) syscall.Errno {
	if _, e := sys(unix.SYS_NEWFSTATAT, atFdcwd, p.ptr(path), uintptr(unsafe.Pointer(&p.st.stat)), 0, 0, 0); e != 0 {
		return e
	}
	if p.st.stat.Mode&unix.S_IFMT == unix.S_IFDIR {
		return unix.EACCES
	}
	_, e := sys(unix.SYS_FACCESSAT2, atFdcwd, p.ptr(path), unix.X_OK, unix.AT_EACCESS, 0, 0)
	if e == unix.ENOSYS || e == unix.EPERM {
		// No faccessat2, or a seccomp profile older than it answers EPERM
		// (runc, through Go's LookPath, reads EPERM so too): a file no one
		// may execute is refused here, the rest execve judges.
		if p.st.stat.Mode&0o111 == 0 {
			return unix.EACCES
		}
		return 0
	}
	return e
}

// setHome fills the environment's HOME slot from the container's
// /etc/passwd (the first entry for the uid, as getpwuid), "/" when there
// is none.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) setHome(s *step) syscall.Errno {
	st := &p.st
	n := apps(st.home, 0, "HOME=")
	// NUL-terminated; the length is not needed.
	if h := p.passwdHome(uint32(s.n[1])); h != nil {
		app(st.home, n, h)
	} else {
		apps(st.home, n, "/")
	}
	p.words[s.n[0]] = uintptr(unsafe.Pointer(&st.home[0]))
	return 0
}

// passwdHome returns the home field of uid's line of /etc/passwd (in
// st.passwd), or nil.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) passwdHome(uid uint32) []byte {
	st := &p.st
	fd, e := sys(unix.SYS_OPENAT, atFdcwd, cstr(passwdPath), unix.O_RDONLY|unix.O_CLOEXEC, 0, 0, 0)
	if e != 0 {
		return nil
	}
	defer0 := int32(fd)
	buf := st.passwd
	have := 0
	eof := false
	for {
		if !eof && have < len(buf) {
			n, e := sys(unix.SYS_READ, fd, uintptr(unsafe.Pointer(&buf[have])), uintptr(len(buf)-have), 0, 0, 0)
			if e == unix.EINTR {
				continue
			}
			if e != 0 {
				closefd(defer0)
				return nil
			}
			if n == 0 {
				eof = true
			}
			have += int(n)
		}
		// Whole lines in buf[:have].
		start := 0
		for i := 0; i < have; i++ {
			if buf[i] != '\n' {
				continue
			}
			if h := homeOf(buf[start:i], uid); h != nil {
				closefd(defer0)
				return h
			}
			start = i + 1
		}
		if eof {
			closefd(defer0)
			if start < have {
				return homeOf(buf[start:have], uid)
			}
			return nil
		}
		if start == 0 {
			// A line longer than the buffer is no passwd entry: skip it.
			have = 0
			continue
		}
		have = copy(buf, buf[start:have])
	}
}

var passwdPath = []byte("/etc/passwd\x00")

// homeOf returns the home of a passwd line "name:pw:uid:gid:gecos:home:shell"
// when its uid is uid.
//
//go:nosplit
//go:norace
func homeOf(line []byte, uid uint32) []byte {
	// glibc's files backend skips comment lines too.
	if len(line) > 0 && line[0] == '#' {
		return nil
	}
	field, start := 0, 0
	var id uint64
	idOK := false
	for i := 0; i <= len(line); i++ {
		if i < len(line) && line[i] != ':' {
			continue
		}
		f := line[start:i]
		switch field {
		case 2:
			idOK = len(f) > 0 && len(f) <= 10
			for j := 0; idOK && j < len(f); j++ {
				idOK = f[j] >= '0' && f[j] <= '9'
				id = id*10 + uint64(f[j]-'0')
			}
			if !idOK || id != uint64(uid) {
				return nil
			}
		case 5:
			if len(f) == 0 {
				return nil
			}
			return f
		}
		field++
		start = i + 1
	}
	return nil
}

// setListenPid fills the LISTEN_PID slot with this process's pid as its
// pid namespace sees it.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) setListenPid(s *step) syscall.Errno {
	st := &p.st
	pid, _ := sys(unix.SYS_GETPID, 0, 0, 0, 0, 0, 0)
	n := apps(st.listenPid, 0, "LISTEN_PID=")
	appInt(st.listenPid, n, int64(pid))
	p.words[s.n[0]] = uintptr(unsafe.Pointer(&st.listenPid[0]))
	return 0
}

// errnoText is what syscall.Errno's Error says (see errnoTexts).
//
//go:nosplit
//go:norace
func errnoText(e syscall.Errno) string {
	if int(e) < len(errnoTexts) && errnoTexts[e] != "" {
		return errnoTexts[e]
	}
	return "unknown error"
}

// makeCwd makes process.cwd when it is missing, as runc and crun do, once
// the child is inside its root and before the root may turn read-only:
// through mkdirAllStrict, from "/". One that exists is checkCwd's to
// judge.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) makeCwd(s *step) syscall.Errno {
	if _, e := sys(unix.SYS_NEWFSTATAT, atFdcwd, p.ptr(s.s[0]), uintptr(unsafe.Pointer(&p.st.stat)), 0, 0, 0); e != unix.ENOENT {
		return 0
	}
	root, e := sys(unix.SYS_OPENAT, atFdcwd, cstr(slash), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0, 0, 0)
	if e != 0 {
		return e
	}
	fd, e := segMkdirAllStrict(p, int32(root), p.cbytes(s.s[0]))
	closefd(int32(root))
	if e == 0 {
		closefd(fd)
	}
	return e
}

// loopbackUp brings lo up in a network namespace the container got new,
// as runc and crun do: the kernel makes it down, and 127.0.0.1 would not
// answer. Interface ioctls, not netlink: one socket and two calls.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) loopbackUp(s *step) syscall.Errno {
	fd, e := sys(unix.SYS_SOCKET, unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0, 0, 0, 0)
	if e != 0 {
		p.errDetail("socket")
		return e
	}
	var ifr [unix.IFNAMSIZ + 24]byte // struct ifreq: the name, then ifr_flags
	ifr[0], ifr[1] = 'l', 'o'
	if _, e = sys(unix.SYS_IOCTL, fd, unix.SIOCGIFFLAGS, uintptr(unsafe.Pointer(&ifr)), 0, 0, 0); e != 0 {
		p.errDetail("get flags")
	} else {
		flags := uint16(ifr[unix.IFNAMSIZ]) | uint16(ifr[unix.IFNAMSIZ+1])<<8 | unix.IFF_UP
		ifr[unix.IFNAMSIZ], ifr[unix.IFNAMSIZ+1] = byte(flags), byte(flags>>8)
		if _, e = sys(unix.SYS_IOCTL, fd, unix.SIOCSIFFLAGS, uintptr(unsafe.Pointer(&ifr)), 0, 0, 0); e != 0 {
			p.errDetail("set flags")
		}
	}
	closefd(int32(fd))
	return e
}
