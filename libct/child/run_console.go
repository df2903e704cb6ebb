package child

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The container's terminal (see console.go).

// newConsole makes the container's pty through its own /dev/ptmx (in the
// container, after pivot_root, that is its devpts), sets the size the
// config asks for, hands the master to the console socket and keeps the
// slave in st.tty.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) newConsole(s *step) syscall.Errno {
	st := &p.st
	m, e := sys(unix.SYS_OPENAT, atFdcwd, cstr(ptmxPath), unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0, 0, 0)
	if e != 0 {
		p.errReplace("open pty: open /dev/ptmx")
		return e
	}
	master := int32(m)
	var unlock int32
	if _, e = sys(unix.SYS_IOCTL, uintptr(master), unix.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock)), 0, 0, 0); e != 0 {
		closefd(master)
		p.errReplace("open pty: unlockpt")
		return e
	}
	var n uint32
	if _, e = sys(unix.SYS_IOCTL, uintptr(master), unix.TIOCGPTN, uintptr(unsafe.Pointer(&n)), 0, 0, 0); e != 0 {
		closefd(master)
		p.errReplace("open pty: ptsname")
		return e
	}
	b := st.pb
	l := apps(b, 0, "/dev/pts/")
	l = appInt(b, l, int64(n))
	sl, e := sys(unix.SYS_OPENAT, atFdcwd, cstr(b), unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0, 0, 0)
	if e != 0 {
		closefd(master)
		p.errReplace("open pty slave ")
		p.errApp(b[:l])
		return e
	}
	// process.consoleSize is the size the terminal starts with, before
	// the console socket's owner resizes it.
	if s.n[0] > 0 && s.n[1] > 0 {
		ws := unix.Winsize{Row: uint16(s.n[0]), Col: uint16(s.n[1])}
		if _, e = sys(unix.SYS_IOCTL, uintptr(master), unix.TIOCSWINSZ, uintptr(unsafe.Pointer(&ws)), 0, 0, 0); e != 0 {
			closefd(master)
			closefd(int32(sl))
			p.errReplace("set console size ")
			p.errAppInt(s.n[1])
			p.errApps("x")
			p.errAppInt(s.n[0])
			return e
		}
	}
	// As runc's --console-socket protocol: one SCM_RIGHTS fd, its name as
	// the payload.
	e = p.sendTo(st.consoleSock, ptmxPath[:len(ptmxPath)-1], master)
	closefd(master)
	closefd(st.consoleSock)
	st.consoleSock = -1
	if e != 0 {
		closefd(int32(sl))
		p.errReplace("send pty master to console socket")
		return e
	}
	st.tty = int32(sl)
	return 0
}

var ptmxPath = []byte("/dev/ptmx\x00")

// sendTo sends data and one fd on the socket sock.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) sendTo(sock int32, data []byte, fd int32) syscall.Errno {
	st := &p.st
	st.iov.base = uintptr(unsafe.Pointer(&data[0]))
	st.iov.len = uint64(len(data))
	st.msg = msghdr{}
	st.msg.iov = uintptr(unsafe.Pointer(&st.iov))
	st.msg.iovlen = 1
	c := st.cmsg[:]
	*(*uint64)(unsafe.Pointer(&c[0])) = 16 + 4
	*(*int32)(unsafe.Pointer(&c[8])) = unix.SOL_SOCKET
	*(*int32)(unsafe.Pointer(&c[12])) = unix.SCM_RIGHTS
	*(*int32)(unsafe.Pointer(&c[16])) = fd
	st.msg.control = uintptr(unsafe.Pointer(&c[0]))
	st.msg.controllen = 24
	for {
		_, e := sys(unix.SYS_SENDMSG, uintptr(sock), uintptr(unsafe.Pointer(&st.msg)), unix.MSG_NOSIGNAL, 0, 0, 0)
		if e != unix.EINTR {
			return e
		}
	}
}

// attachTerminal makes the pty slave this process's controlling terminal
// and its stdio, as a session leader, and closes the slave's own fd.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) attachTerminal(_ *step) syscall.Errno {
	st := &p.st
	tty := st.tty
	if _, e := sys(unix.SYS_SETSID, 0, 0, 0, 0, 0, 0); e != 0 {
		p.errReplace("setsid")
		return e
	}
	if _, e := sys(unix.SYS_IOCTL, uintptr(tty), unix.TIOCSCTTY, 0, 0, 0, 0); e != 0 {
		p.errReplace("set controlling terminal")
		return e
	}
	for fd := 0; fd < 3; fd++ {
		if _, e := sys(unix.SYS_DUP3, uintptr(tty), uintptr(fd), 0, 0, 0, 0); e != 0 {
			p.errReplace("dup terminal to fd ")
			p.errAppInt(int64(fd))
			return e
		}
	}
	closefd(tty)
	st.tty = -1
	return 0
}
