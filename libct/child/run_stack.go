package child

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// childStart is the child's first Go function, on its own stack.
//
//lint:ignore U1000 called by cloneVM (run_stack_*.s), which no Go code shows
//go:nosplit
//go:norace
func childStart(p *Program) {
	p.resetSignals()
	childMain(p)
}

// resetSignals does for the child what the runtime's AfterForkInChild
// does for a vfork'd one (see fork.go for why not that): every signal Go
// handles goes back to its default, an ignored one stays ignored (as an
// execve would leave them), and the mask goes back to the forking
// thread's before runtimeBeforeFork blocked every signal. The handlers are
// the child's own copy (no CLONE_SIGHAND); its one read of rt's memory is
// the mask fork recorded in the Program. One system call a signal, as the
// runtime's: each is set to its default, and an ignored one (one the caller
// ignored that Go left so: a few, measured) is set back; every signal is
// blocked meanwhile.
//
//go:nosplit
//go:norace
func (p *Program) resetSignals() {
	st := &p.st
	st.sigact = sigaction{}
	for sig := uintptr(1); sig <= 64; sig++ {
		if sig == uintptr(unix.SIGKILL) || sig == uintptr(unix.SIGSTOP) {
			continue
		}
		_, e := sys(unix.SYS_RT_SIGACTION, sig, uintptr(unsafe.Pointer(&st.sigact)), uintptr(unsafe.Pointer(&st.sigold)), 8, 0, 0)
		if e == 0 && st.sigold.handler == 1 { // SIG_IGN
			sys(unix.SYS_RT_SIGACTION, sig, uintptr(unsafe.Pointer(&st.sigold)), 0, 8, 0, 0)
		}
	}
	sys(unix.SYS_RT_SIGPROCMASK, unix.SIG_SETMASK, uintptr(unsafe.Pointer(&st.sigmask)), 0, 8, 0, 0)
}

// childMain runs the program and exits if it returns.
//
//go:nosplit
//go:norace
func childMain(p *Program) {
	p.run()
	exit(2)
}

// sigExit is a signal handler that exits (run_stack_*.s); sigExitAddr is
// its address.
//
//lint:ignore U1000 its address is taken by sigExitAddr (run_stack_*.s)
func sigExit()
func sigExitAddr() uintptr

// sigaction is the kernel's struct sigaction of rt_sigaction(2).
type sigaction struct {
	handler, flags, restorer, mask uint64
}

// catchSignals makes the signals that end a Go program end the child
// too. Their default action would do that, except for the init of a pid
// namespace, which the kernel only lets a signal reach when it handles
// it: a created container's init must die of `rt kill` (and of a TERM
// through a pidfd) as a Go init would. execve resets them to default.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) catchSignals() {
	act := &p.st.sigact
	act.handler = uint64(sigExitAddr())
	act.restorer = act.handler
	act.flags = 0x04000000 // SA_RESTORER: x86 wants one; the handler never returns
	act.mask = ^uint64(0)
	for i := 0; i < len(exitSignals); i++ {
		sys(unix.SYS_RT_SIGACTION, uintptr(exitSignals[i]), uintptr(unsafe.Pointer(act)), 0, 8, 0, 0)
	}
}

var exitSignals = [...]unix.Signal{unix.SIGHUP, unix.SIGINT, unix.SIGTERM, unix.SIGQUIT, unix.SIGUSR1, unix.SIGUSR2, unix.SIGALRM, unix.SIGPIPE}
