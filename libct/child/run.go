package child

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// This file and the other run*.go files are the child's side: code that
// runs in the clone of rt between clone3 and execve. See doc.go for the
// rules every function here follows (//go:nosplit, no allocation, no
// pointer writes, no calls out of these files but raw system calls).

// msghdr is struct msghdr with integer fields only.
type msghdr struct {
	name       uintptr
	namelen    uint32
	_          uint32
	iov        uintptr
	iovlen     uint64
	control    uintptr
	controllen uint64
	flags      int32
	_          int32
}

// iovec is struct iovec with integer fields only.
type iovec struct {
	base uintptr
	len  uint64
}

// sys is a raw system call: no scheduler, no stack checks.
//
//go:nosplit
//go:norace
func sys(trap, a1, a2, a3, a4, a5, a6 uintptr) (uintptr, syscall.Errno) {
	r, _, e := syscall.RawSyscall6(trap, a1, a2, a3, a4, a5, a6)
	return r, e
}

// exit ends the child. A seccomp filter loaded by then may deny
// exit_group (a profile whose default action is an errno allows only what
// it lists), and every other system call with it: a fault then ends the
// child (SIGSEGV is at its default action here), where trying again would
// spin forever and hold rt up with it.
//
//go:nosplit
//go:norace
func exit(code int) {
	sys(unix.SYS_EXIT_GROUP, uintptr(code), 0, 0, 0, 0, 0)
	for {
		*faultPtr = 0
	}
}

// faultPtr is nil: a store through it faults.
var faultPtr *uintptr

// ptr is the address of an arena string (0 for none).
//
//go:nosplit
//go:norace
func (p *Program) ptr(s str) uintptr {
	if s.off < 0 {
		return 0
	}
	return p.base + uintptr(s.off)
}

// bytes is an arena string as a slice (no copy).
//
//go:nosplit
//go:norace
func (p *Program) bytes(s str) []byte {
	if s.off < 0 {
		return nil
	}
	return p.arena[s.off : s.off+s.n]
}

// run is the child's main: it puts its fds in place, makes sure it dies
// with rt until told otherwise, runs the steps and ends in execve or exit.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) run() {
	if e := p.arrangeFds(); e != 0 {
		// No sync socket to speak on yet: the parent reports the exit.
		exit(3)
	}
	if _, e := sys(unix.SYS_PRCTL, unix.PR_SET_PDEATHSIG, uintptr(unix.SIGKILL), 0, 0, 0, 0); e != 0 {
		p.fail(-1, e)
	}
	p.catchSignals()
	p.exitIfOrphan()
	// Rather than rt's: `ps` tells it from the user's process, and so
	// does rt (a created container's init until its execve).
	sys(unix.SYS_PRCTL, unix.PR_SET_NAME, cstr(initName), 0, 0, 0, 0)
	for i := range p.steps {
		p.st.errMode = errModeNone
		if e := p.do(i); e != 0 {
			p.fail(i, e)
		}
	}
	exit(0)
}

// exitIfOrphan ends a child whose parent died before the parent-death
// signal was armed: the parent's end of the sync socket is closed then.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) exitIfOrphan() {
	if p.syncFd < 0 {
		return
	}
	pfd := unix.PollFd{Fd: p.syncFd, Events: unix.POLLRDHUP}
	n, _ := sys(unix.SYS_PPOLL, uintptr(unsafe.Pointer(&pfd)), 1, uintptr(unsafe.Pointer(&zeroTimespec)), 0, 0, 0)
	if n > 0 && pfd.Revents&(unix.POLLHUP|unix.POLLRDHUP) != 0 {
		exit(1)
	}
}

var zeroTimespec unix.Timespec

// initName is the child's name until its execve (InitName).
var initName = []byte("rt:[init]\x00")

// arrangeFds makes the parent's fds fdSrc the child's 0..n-1 and closes
// every other fd the clone inherited. First every source that sits on a
// target number not its own moves above all of them, then each is
// duplicated onto its number.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) arrangeFds() syscall.Errno {
	n := int32(len(p.fdSrc))
	next := p.fdNext
	for i := int32(0); i < n; i++ {
		src := p.fdSrc[i]
		if src >= 0 && src < n && src != i {
			if _, e := sys(unix.SYS_DUP3, uintptr(src), uintptr(next), unix.O_CLOEXEC, 0, 0, 0); e != 0 {
				return e
			}
			p.fdSrc[i] = next
			next++
		}
	}
	for i := int32(0); i < n; i++ {
		src := p.fdSrc[i]
		var e syscall.Errno
		switch {
		case src < 0:
			sys(unix.SYS_CLOSE, uintptr(i), 0, 0, 0, 0, 0)
		case src == i:
			flag := uintptr(0)
			if p.fdCloexec[i] {
				flag = unix.FD_CLOEXEC
			}
			_, e = sys(unix.SYS_FCNTL, uintptr(i), unix.F_SETFD, flag, 0, 0, 0)
		default:
			flag := uintptr(0)
			if p.fdCloexec[i] {
				flag = unix.O_CLOEXEC
			}
			_, e = sys(unix.SYS_DUP3, uintptr(src), uintptr(i), flag, 0, 0, 0)
		}
		if e != 0 {
			return e
		}
	}
	return closeFrom(n)
}

// closeFrom closes every fd from first on.
//
//go:noinline
//go:nosplit
//go:norace
func closeFrom(first int32) syscall.Errno {
	_, e := sys(unix.SYS_CLOSE_RANGE, uintptr(first), uintptr(^uint32(0)), 0, 0, 0, 0)
	return e
}

// fail reports step i's failure on the sync socket and exits.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) fail(i int, e syscall.Errno) {
	st := &p.st
	b := st.pd
	n := 0
	if st.errMode != errModeReplace && i >= 0 {
		n = app(b, n, p.bytes(p.steps[i].what))
	}
	if st.errMode != errModeNone {
		if n > 0 && st.errLen > 0 {
			n = apps(b, n, ": ")
		}
		n = app(b, n, st.errText[:st.errLen])
	}
	if e == errCheck {
		e = 0
	}
	if st.peer < 0 || p.sendMsg(KindError, int32(i), e, 0, b[:n], -1) != 0 {
		p.keepUnsent(int32(i), e, b[:n])
	}
	exit(1)
}

// sendMsg sends one message on the sync socket (see proto.go).
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) sendMsg(k Kind, step int32, e syscall.Errno, arg int64, data []byte, fd int32) syscall.Errno {
	out := p.st.out
	st := &p.st
	st.iov.base = uintptr(unsafe.Pointer(&out[0]))
	st.iov.len = uint64(p.buildMsg(k, step, e, arg, data))
	st.msg = msghdr{}
	st.msg.iov = uintptr(unsafe.Pointer(&st.iov))
	st.msg.iovlen = 1
	if fd >= 0 {
		c := st.cmsg[:]
		*(*uint64)(unsafe.Pointer(&c[0])) = cmsgHdrLen + 4 // CMSG_LEN(4)
		*(*int32)(unsafe.Pointer(&c[8])) = unix.SOL_SOCKET
		*(*int32)(unsafe.Pointer(&c[12])) = unix.SCM_RIGHTS
		*(*int32)(unsafe.Pointer(&c[cmsgHdrLen])) = fd
		st.msg.control = uintptr(unsafe.Pointer(&c[0]))
		st.msg.controllen = cmsgSpace1
	}
	for {
		_, e := sys(unix.SYS_SENDMSG, uintptr(st.peer), uintptr(unsafe.Pointer(&st.msg)), unix.MSG_NOSIGNAL, 0, 0, 0)
		if e != unix.EINTR {
			return e
		}
	}
}

// buildMsg writes a message into st.out and returns its length.
//
//go:nosplit
//go:norace
func (p *Program) buildMsg(k Kind, step int32, e syscall.Errno, arg int64, data []byte) int {
	out := p.st.out
	n := copy(out[headerSize:], data)
	*(*uint32)(unsafe.Pointer(&out[offKind])) = uint32(k)
	*(*uint32)(unsafe.Pointer(&out[offErrno])) = uint32(e)
	*(*int32)(unsafe.Pointer(&out[offStep])) = step
	*(*uint32)(unsafe.Pointer(&out[offStep+4])) = 0
	*(*int64)(unsafe.Pointer(&out[offArg])) = arg
	return headerSize + n
}

// keepUnsent leaves an error no one could be told of in st.out, for the
// parent to read once the child is gone (state.unsentLen).
//
//go:nosplit
//go:norace
func (p *Program) keepUnsent(step int32, e syscall.Errno, text []byte) {
	p.st.unsentLen = p.buildMsg(KindError, step, e, 0, text)
}

// recvMsg reads one message into st.in and its fds into st.inFds. It
// returns the message's kind (0 on EOF) and the payload's length.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) recvMsg() (Kind, int, syscall.Errno) {
	st := &p.st
	in := st.in
	st.iov.base = uintptr(unsafe.Pointer(&in[0]))
	st.iov.len = uint64(len(in))
	st.msg = msghdr{}
	st.msg.iov = uintptr(unsafe.Pointer(&st.iov))
	st.msg.iovlen = 1
	st.msg.control = uintptr(unsafe.Pointer(&st.cmsg[0]))
	st.msg.controllen = uint64(len(st.cmsg))
	var n uintptr
	var e syscall.Errno
	for {
		n, e = sys(unix.SYS_RECVMSG, uintptr(st.peer), uintptr(unsafe.Pointer(&st.msg)), unix.MSG_CMSG_CLOEXEC, 0, 0, 0)
		if e != unix.EINTR {
			break
		}
	}
	if e != 0 {
		return 0, 0, e
	}
	st.nFds = 0
	if st.msg.controllen >= cmsgHdrLen+4 {
		c := st.cmsg[:]
		l := *(*uint64)(unsafe.Pointer(&c[0]))
		if *(*int32)(unsafe.Pointer(&c[8])) == unix.SOL_SOCKET && *(*int32)(unsafe.Pointer(&c[12])) == unix.SCM_RIGHTS {
			for off := uint64(cmsgHdrLen); off+4 <= l && st.nFds < maxFds; off += 4 {
				st.inFds[st.nFds] = *(*int32)(unsafe.Pointer(&c[off]))
				st.nFds++
			}
		}
	}
	if n < headerSize {
		return 0, 0, 0
	}
	return Kind(*(*uint32)(unsafe.Pointer(&in[offKind]))), int(n) - headerSize, 0
}

// expect waits for the parent's word: k, or an error the parent already
// reports itself (the child only exits). It returns the payload's length
// (the payload is st.in[headerSize:]).
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) expect(k Kind) (int, syscall.Errno) {
	got, n, e := p.recvMsg()
	if e != 0 {
		return 0, e
	}
	if got != k {
		exit(1)
	}
	return n, 0
}
