package child

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// The last steps: the execve of the process through the exec trampoline
// (see trampoline.go), and the close of the createContainer hooks' one.

// execProcess is the execve of the user's process, through the
// trampoline (trampoline.go), which reports a failed execve of the program
// as the process's own failure, as runc: everything was checked, the
// process is as good as started, so one line on its stderr (where engines
// and users look for "exec /entrypoint.sh: exec format error") and exit
// status 255; the peer just sees the socket close.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) execProcess(s *step) syscall.Errno {
	st := &p.st
	argv := int32(s.n[0])
	p.words[argv] = p.ptr(p.strAt(s.v2, int(st.exe)))
	p.words[argv+1] = p.ptr(p.strAt(s.v, int(st.exe)))
	e := p.execTrampoline(st.tramp, p.wordsAt(argv), p.wordsAt(int32(s.n[1])))
	// Not even the trampoline ran: say so as it would have.
	b := st.pb
	name := app(b, 0, p.bytes(p.strAt(s.v2, int(st.exe))))
	n := apps(b, name, errnoText(e))
	n = apps(b, n, "\n")
	if writeAll(2, b[:n]) != 0 {
		// (a seccomp filter that denies the execve denies this too) The
		// prefix ends in ": " (lookPath's texts); Error adds its own.
		p.keepUnsent(-1, e, b[:name-2])
	}
	exit(255)
	return 0
}

// execTrampoline execs the trampoline (fd tramp) with argv and envp; it
// returns only on failure. Where execveat is filtered (a seccomp profile
// that knows only execve) the trampoline goes by its /proc/self/fd name.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) execTrampoline(tramp int32, argv, envp uintptr) syscall.Errno {
	var e syscall.Errno
	for {
		_, e = sys(unix.SYS_EXECVEAT, uintptr(tramp), cstr(empty), argv, envp, unix.AT_EMPTY_PATH, 0)
		if e != unix.EINTR {
			break
		}
	}
	name := p.st.fdp[:]
	appInt(name, apps(name, 0, "/proc/self/fd/"), int64(tramp))
	if _, e2 := sys(unix.SYS_EXECVE, cstr(name), argv, envp, 0, 0, 0); e2 != unix.ENOENT {
		e = e2
	}
	return e
}

// dropTrampoline closes the trampoline's memfd.
//
//go:nosplit
//go:norace
func (p *Program) dropTrampoline(*step) syscall.Errno {
	closefd(p.st.tramp)
	p.st.tramp = -1
	return 0
}
