package child

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// childStart is the child's first Go function, on its own stack: the
// signal handlers Go installed go back to their defaults and the signal
// mask to what it was before runtimeBeforeFork blocked every signal, as
// package syscall does in a vfork'd child (which shares the parent's
// memory, as this one does).
//
//lint:ignore U1000 called by cloneVM (run_stack_*.s), which no Go code shows
//go:nosplit
//go:norace
func childStart(p *Program) {
	runtimeAfterForkInChild()
	childMain(p)
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
