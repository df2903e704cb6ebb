package child

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Joining and making namespaces from the child, which is single-threaded:
// setns into a user or mount namespace needs that (see namespaces.go).

// joinNamespaces joins the namespace fds of s, listed by the parent as
// (fd, type) pairs. Those the host's root may join come first: a
// namespace not owned by the joined user namespace (a network namespace
// made by the host) cannot be joined from inside it. The user namespace
// is next, and then whatever needed its privileges (a rootless caller
// owns nothing on the host).
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) joinNamespaces(s *step) syscall.Errno {
	fds := p.ints(s.v)
	for pass := 0; pass < 3; pass++ {
		for i := 0; i+1 < len(fds); i += 2 {
			fd, typ := int32(fds[i]), fds[i+1]
			if fd < 0 {
				continue
			}
			user := typ == unix.CLONE_NEWUSER
			if user != (pass == 1) {
				continue
			}
			if _, e := sys(unix.SYS_SETNS, uintptr(fd), 0, 0, 0, 0, 0); e != 0 {
				if pass == 0 && e == unix.EPERM {
					continue
				}
				p.errReplace("join namespace (")
				p.errApps(nsName(typ))
				p.errApps(")")
				return e
			}
			closefd(fd)
			fds[i] = -1
			if user {
				if e := p.becomeRoot(); e != 0 {
					return e
				}
			}
		}
	}
	return 0
}

// ints is a vec of the arena's integer words.
//
//go:nosplit
//go:norace
func (p *Program) ints(v vec) []int64 {
	return p.nums[v.off : v.off+v.n]
}

//go:nosplit
//go:norace
func nsName(typ int64) string {
	switch typ {
	case unix.CLONE_NEWUSER:
		return "user"
	case unix.CLONE_NEWNS:
		return "mount"
	case unix.CLONE_NEWPID:
		return "pid"
	case unix.CLONE_NEWNET:
		return "network"
	case unix.CLONE_NEWIPC:
		return "ipc"
	case unix.CLONE_NEWUTS:
		return "uts"
	case unix.CLONE_NEWCGROUP:
		return "cgroup"
	case unix.CLONE_NEWTIME:
		return "time"
	}
	return "a"
}

// becomeRoot makes a process that joined a user namespace its root: its
// host uid is most likely unmapped there, and an unmapped fsuid cannot
// create a single file (EOVERFLOW) while the rootfs is set up.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) becomeRoot() syscall.Errno {
	// Refused when the namespace's setgroups is "deny"; then there are no
	// supplementary groups to drop anyway.
	sys(unix.SYS_SETGROUPS, 0, 0, 0, 0, 0, 0)
	if _, e := sys(unix.SYS_SETRESGID, 0, 0, 0, 0, 0, 0); e != 0 {
		p.errReplace("setresgid 0 in the user namespace")
		return e
	}
	if _, e := sys(unix.SYS_SETRESUID, 0, 0, 0, 0, 0, 0); e != 0 {
		p.errReplace("setresuid 0 in the user namespace")
		return e
	}
	return 0
}

// waitIDMap has the parent write the id maps of the user namespace the
// child was cloned into (or unshared), then becomes its root. An
// unprivileged parent may need newuidmap/newgidmap, which check that the
// target's /proc files are the caller's: the child is dumpable meanwhile
// (there is nothing in its namespaces yet that could look at it).
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) waitIDMap(s *step) syscall.Errno {
	if s.n[0] != 0 {
		if _, e := sys(unix.SYS_PRCTL, unix.PR_SET_DUMPABLE, 1, 0, 0, 0, 0); e != 0 {
			p.errReplace("prctl PR_SET_DUMPABLE")
			return e
		}
	}
	if e := p.sendMsg(KindIDMap, -1, 0, 0, nil, -1); e != 0 {
		return e
	}
	if _, e := p.expect(KindOK); e != 0 {
		return e
	}
	if s.n[0] != 0 {
		if _, e := sys(unix.SYS_PRCTL, unix.PR_SET_DUMPABLE, 0, 0, 0, 0, 0); e != 0 {
			p.errReplace("prctl PR_SET_DUMPABLE")
			return e
		}
	}
	return p.becomeRoot()
}

// writeTimeOffsets writes a new time namespace's offsets: it takes them
// only while no process is in it, which is now, before the user's process
// enters it at execve.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) writeTimeOffsets(s *step) syscall.Errno {
	// The file is its owner's to write, and the owner of a non-dumpable
	// process's /proc files is the root of its memory's user namespace:
	// the host's, for a clone of rt, which a new user namespace does not
	// map. Dumpable for the open, the file is the child's own. Nothing
	// else is in its namespaces yet.
	sys(unix.SYS_PRCTL, unix.PR_SET_DUMPABLE, 1, 0, 0, 0, 0)
	fd, e := sys(unix.SYS_OPENAT, atFdcwd, cstr(timensOffsets), unix.O_WRONLY|unix.O_CLOEXEC, 0, 0, 0)
	sys(unix.SYS_PRCTL, unix.PR_SET_DUMPABLE, 0, 0, 0, 0, 0)
	if e != 0 {
		p.errReplace("open /proc/self/timens_offsets")
		return e
	}
	e = writeAll(int32(fd), p.bytes(s.s[0]))
	closefd(int32(fd))
	if e != 0 {
		p.errReplace("write time namespace offsets")
	}
	return e
}

var timensOffsets = []byte("/proc/self/timens_offsets\x00")

// forkInit makes the container's init a child of rt in the pid namespace
// just made or joined (only a child of the process that made or joined
// it can be in it): a clone with CLONE_PARENT, so rt is its parent and
// its parent-death signal works as for any child. This process sends rt
// the new init's pid and pidfd and exits; the init goes on with the next
// step, once this process is gone (rt then no longer sees two children).
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) forkIntoPidNS(_ *step) syscall.Errno {
	st := &p.st
	var gone [2]int32
	if _, e := sys(unix.SYS_PIPE2, uintptr(unsafe.Pointer(&gone[0])), unix.O_CLOEXEC, 0, 0, 0, 0); e != 0 {
		p.errReplace("pipe")
		return e
	}
	st.forkPidfd = -1
	st.clone = cloneArgs{flags: unix.CLONE_PARENT | unix.CLONE_PIDFD, pidfd: uint64(uintptr(unsafe.Pointer(&st.forkPidfd)))}
	pid, e := sys(unix.SYS_CLONE3, uintptr(unsafe.Pointer(&st.clone)), unsafe.Sizeof(st.clone), 0, 0, 0, 0)
	if e != 0 {
		closefd(gone[0])
		closefd(gone[1])
		p.errReplace("fork into the new pid namespace")
		return e
	}
	if pid == 0 {
		closefd(gone[1])
		var c [1]byte
		for {
			_, e := sys(unix.SYS_READ, uintptr(gone[0]), uintptr(unsafe.Pointer(&c[0])), 1, 0, 0, 0)
			if e != unix.EINTR {
				break
			}
		}
		closefd(gone[0])
		// The parent-death signal is per process: arm it again.
		if _, e := sys(unix.SYS_PRCTL, unix.PR_SET_PDEATHSIG, uintptr(unix.SIGKILL), 0, 0, 0, 0); e != 0 {
			p.errReplace("prctl PR_SET_PDEATHSIG")
			return e
		}
		p.exitIfOrphan()
		return 0
	}
	closefd(gone[0])
	if e := p.sendMsg(KindPid, -1, 0, int64(pid), nil, st.forkPidfd); e != 0 {
		sys(unix.SYS_KILL, pid, uintptr(unix.SIGKILL), 0, 0, 0, 0)
		exit(1)
	}
	exit(0)
	return 0
}
