package child

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Hooks the child runs itself, in the container's namespaces: the
// createContainer hooks (before pivot_root, in the rootfs) and the
// startContainer hooks (last, under the process's credentials and seccomp
// filter, as runc runs them). Each gets the state on stdin (hookStdin),
// stdout on /dev/null and stderr on a pipe whose first 64 KiB the child
// keeps; it runs in a process group of its own, which a timeout kills.
// A failure goes to the peer as KindHookError with the hook's wait status
// and stderr, and the peer, which has the hooks in its config too, words
// it (libct/hooks).

// runHooks runs the hooks of s one after another.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) runHooks(s *step) syscall.Errno {
	st := &p.st
	state := st.state[st.stateOff[2*s.n[1]]:st.stateOff[2*s.n[1]+1]]
	for i := 0; i < int(s.v.n); i++ {
		h := &p.hooks[int(s.v.off)+i]
		status, timedOut, e := segRunHook(p, h, state)
		if e != 0 {
			p.errReplace("error running hook #")
			p.errAppInt(int64(i))
			p.errApps(": ")
			p.errAppStr(h.path)
			return e
		}
		if status == 0 && !timedOut {
			continue
		}
		arg := int64(i)
		if timedOut {
			arg |= 1 << 32
		}
		p.sendMsg(KindHookError, int32(s.n[0]), syscall.Errno(status), arg, st.hookErr[:st.hookErrLen], -1)
		exit(1)
	}
	return 0
}

// runHook runs one hook and returns its wait status.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) runHook(h *hookSpec, state []byte) (uint32, bool, syscall.Errno) {
	st := &p.st
	st.hookErrLen = 0
	in, e := p.hookStdin(state)
	if e != 0 {
		return 0, false, e
	}
	var pipe [2]int32
	if _, e = sys(unix.SYS_PIPE2, uintptr(unsafe.Pointer(&pipe[0])), unix.O_CLOEXEC, 0, 0, 0, 0); e != 0 {
		closefd(in)
		return 0, false, e
	}
	null, e := sys(unix.SYS_OPENAT, atFdcwd, cstr(devNullPath), unix.O_WRONLY|unix.O_CLOEXEC, 0, 0, 0)
	if e != 0 {
		closefd(in)
		closefd(pipe[0])
		closefd(pipe[1])
		return 0, false, e
	}
	envp := h.envp
	if envp < 0 {
		// A startContainer hook without an env of its own gets the
		// process's, as runc has always given it (engines rely on it).
		envp = int32(p.envOff)
	}
	st.hookPidfd = -1
	st.clone = cloneArgs{flags: unix.CLONE_PIDFD, pidfd: uint64(uintptr(unsafe.Pointer(&st.hookPidfd))), exitSignal: uint64(unix.SIGCHLD)}
	pid, e := sys(unix.SYS_CLONE3, uintptr(unsafe.Pointer(&st.clone)), unsafe.Sizeof(st.clone), 0, 0, 0, 0)
	if e == 0 && pid == 0 {
		// The hook: a group of its own, so a timeout kills what it
		// started too.
		sys(unix.SYS_SETPGID, 0, 0, 0, 0, 0, 0)
		sys(unix.SYS_DUP3, uintptr(in), 0, 0, 0, 0, 0)
		sys(unix.SYS_DUP3, null, 1, 0, 0, 0, 0)
		sys(unix.SYS_DUP3, uintptr(pipe[1]), 2, 0, 0, 0, 0)
		e := p.execTrampoline(p.st.tramp, p.wordsAt(h.argv), p.wordsAt(envp))
		b := st.pb
		n := apps(b, 0, "exec: ") // after the hook's path (see process.go)
		n = apps(b, n, errnoText(e))
		writeAll(2, b[:n])
		exit(255)
	}
	closefd(in)
	closefd(int32(null))
	closefd(pipe[1])
	if e != 0 {
		closefd(pipe[0])
		return 0, false, e
	}
	status, timedOut, e := p.waitHook(int32(pid), st.hookPidfd, pipe[0], h.timeout)
	closefd(pipe[0])
	closefd(st.hookPidfd)
	return status, timedOut, e
}

// hookStdin returns the hook's stdin, holding the state: a pipe, as runc
// and crun give a hook (and what a startContainer hook, run under the
// process's seccomp filter, needs no more than they do), or where the
// state does not fit in one (a user over its pipe quota gets a single
// page) a memfd.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) hookStdin(state []byte) (int32, syscall.Errno) {
	var pipe [2]int32
	if _, e := sys(unix.SYS_PIPE2, uintptr(unsafe.Pointer(&pipe[0])), unix.O_CLOEXEC, 0, 0, 0, 0); e != 0 {
		return -1, e
	}
	size, e := sys(unix.SYS_FCNTL, uintptr(pipe[1]), unix.F_GETPIPE_SZ, 0, 0, 0, 0)
	if e == 0 && uintptr(len(state)) <= size {
		// Into the empty pipe whole: no write blocks.
		e = writeAll(pipe[1], state)
		closefd(pipe[1])
		if e != 0 {
			closefd(pipe[0])
			return -1, e
		}
		return pipe[0], 0
	}
	closefd(pipe[0])
	closefd(pipe[1])
	mfd, e := sys(unix.SYS_MEMFD_CREATE, cstr(hookStateName), unix.MFD_CLOEXEC, 0, 0, 0, 0)
	if e != 0 {
		return -1, e
	}
	in := int32(mfd)
	e = writeAll(in, state)
	if e == 0 {
		_, e = sys(unix.SYS_LSEEK, uintptr(in), 0, 0, 0, 0, 0)
	}
	if e != 0 {
		closefd(in)
		return -1, e
	}
	return in, 0
}

var hookStateName = []byte("rt-hook-state\x00")

// waitHook collects the hook's stderr until it exits (or its timeout has
// passed, then its group is killed), and for at most two seconds more for
// a daemon it left holding stderr.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) waitHook(pid, pidfd, errFd int32, timeout int64) (uint32, bool, syscall.Errno) {
	var ts unix.Timespec
	sys(unix.SYS_CLOCK_GETTIME, unix.CLOCK_MONOTONIC, uintptr(unsafe.Pointer(&ts)), 0, 0, 0, 0)
	start := ts.Nano()
	deadline := int64(-1)
	if timeout > 0 {
		deadline = start + timeout*1e9
	}
	exited, timedOut := false, false
	var status uint32
	var fds [2]unix.PollFd
	for {
		fds[0] = unix.PollFd{Fd: errFd, Events: unix.POLLIN}
		fds[1] = unix.PollFd{Fd: pidfd, Events: unix.POLLIN}
		nfds := uintptr(2)
		if exited {
			nfds = 1
		}
		sys(unix.SYS_CLOCK_GETTIME, unix.CLOCK_MONOTONIC, uintptr(unsafe.Pointer(&ts)), 0, 0, 0, 0)
		now := ts.Nano()
		wait := int64(-1)
		switch {
		case exited:
			wait = start + 2e9 - now
		case deadline >= 0:
			wait = deadline - now
		}
		if wait == 0 {
			wait = -2 // a deadline just reached counts as passed
		}
		var tp uintptr
		if wait != -1 {
			if wait < 0 {
				wait = 0
			}
			ts = unix.NsecToTimespec(wait)
			tp = uintptr(unsafe.Pointer(&ts))
		}
		n, e := sys(unix.SYS_PPOLL, uintptr(unsafe.Pointer(&fds[0])), nfds, tp, 0, 0, 0)
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return 0, false, e
		}
		if n == 0 {
			if exited {
				return status, timedOut, 0
			}
			// The timeout: kill the group, then reap.
			sys(unix.SYS_KILL, uintptr(-pid), uintptr(unix.SIGKILL), 0, 0, 0, 0)
			timedOut = true
			fds[1].Revents = unix.POLLIN
		}
		if fds[0].Revents != 0 {
			if !p.readHookErr(errFd) && exited {
				return status, timedOut, 0
			}
		}
		if !exited && fds[1].Revents != 0 {
			s, e := p.reap(pidfd)
			if e != 0 {
				return 0, false, e
			}
			status, exited = s, true
			sys(unix.SYS_CLOCK_GETTIME, unix.CLOCK_MONOTONIC, uintptr(unsafe.Pointer(&ts)), 0, 0, 0, 0)
			start = ts.Nano()
		}
	}
}

// readHookErr reads what stderr has, keeping the first 64 KiB; false at
// EOF.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) readHookErr(fd int32) bool {
	st := &p.st
	buf := st.hookErr
	if st.hookErrLen >= len(buf) {
		buf = st.dents2 // the rest is read and dropped
	} else {
		buf = buf[st.hookErrLen:]
	}
	n, e := sys(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)), 0, 0, 0)
	if e == unix.EINTR || e == unix.EAGAIN {
		return true
	}
	if e != 0 || n == 0 {
		return false
	}
	if st.hookErrLen < len(st.hookErr) {
		st.hookErrLen += int(n)
	}
	return true
}

// reap waits for the exited child pidfd and returns its wait status.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) reap(pidfd int32) (uint32, syscall.Errno) {
	info := &p.st.siginfo
	for {
		_, e := sys(unix.SYS_WAITID, unix.P_PIDFD, uintptr(pidfd), uintptr(unsafe.Pointer(&info[0])), unix.WEXITED, 0, 0)
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return 0, e
		}
		break
	}
	code := *(*int32)(unsafe.Pointer(&info[8]))
	status := uint32(*(*int32)(unsafe.Pointer(&info[24])))
	switch code {
	case 1: // CLD_EXITED
		return status << 8, 0
	case 3: // CLD_DUMPED
		return status | 0x80, 0
	}
	return status, 0
}
