package child

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// do runs step i.
//
//go:nosplit
//go:norace
func (p *Program) do(i int) syscall.Errno {
	s := &p.steps[i]
	var e syscall.Errno
	switch s.op {
	case opMount:
		_, e = sys(unix.SYS_MOUNT, p.ptr(s.s[0]), p.ptr(s.s[1]), p.ptr(s.s[2]), uintptr(s.n[0]), p.ptr(s.s[3]), 0)
	case opMkdir:
		_, e = sys(unix.SYS_MKDIRAT, atFdcwd, p.ptr(s.s[0]), uintptr(s.n[0]), 0, 0, 0)
		if e == unix.EEXIST {
			e = 0
		}
	case opChdir:
		_, e = sys(unix.SYS_CHDIR, p.ptr(s.s[0]), 0, 0, 0, 0, 0)
	case opPivotRoot:
		_, e = sys(unix.SYS_PIVOT_ROOT, p.ptr(s.s[0]), p.ptr(s.s[1]), 0, 0, 0, 0)
	case opUmount:
		_, e = sys(unix.SYS_UMOUNT2, p.ptr(s.s[0]), uintptr(s.n[0]), 0, 0, 0, 0)
	case opSethostname:
		_, e = sys(unix.SYS_SETHOSTNAME, p.ptr(s.s[0]), uintptr(s.s[0].n), 0, 0, 0, 0)
	case opMknod:
		_, e = sys(unix.SYS_MKNODAT, atFdcwd, p.ptr(s.s[0]), uintptr(s.n[0]), uintptr(s.n[1]), 0, 0)
		if e == unix.EEXIST {
			e = 0
		}
	case opSymlink:
		_, e = sys(unix.SYS_SYMLINKAT, p.ptr(s.s[0]), atFdcwd, p.ptr(s.s[1]), 0, 0, 0)
		if e == unix.EEXIST {
			e = 0
		}
	case opSend:
		e = p.sendMsg(Kind(s.n[0]), int32(i), 0, 0, nil, -1)
	case opExpect:
		e = p.expect(Kind(s.n[0]))
	case opPrctl:
		_, e = sys(unix.SYS_PRCTL, uintptr(s.n[0]), uintptr(s.n[1]), 0, 0, 0, 0)
	case opExec:
		envp := p.wordsAt(int32(s.n[0]))
		_, e = sys(unix.SYS_EXECVE, p.ptr(s.s[0]), p.wordsAt(s.v.off), envp, 0, 0, 0)
	}
	return e
}

// wordsAt is the address of words[off].
//
//go:nosplit
//go:norace
func (p *Program) wordsAt(off int32) uintptr {
	return uintptr(unsafe.Pointer(&p.words[off]))
}

const atFdcwd = ^uintptr(99) // AT_FDCWD (-100)
