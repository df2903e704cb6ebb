package child

import (
	"fmt"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The Go runtime's own hooks around fork, as package syscall uses them in
// forkAndExecInChild: BeforeFork blocks signals and spoils the goroutine's
// stack guard (so that any stack check in the child fails loudly instead
// of growing a stack), AfterFork undoes that in the parent, and
// AfterForkInChild resets the signal handlers Go installed and restores
// the signal mask in the child. The runtime keeps these three linknames
// for outside users (go.dev/issue/67401).
//
//go:linkname runtimeBeforeFork syscall.runtime_BeforeFork
func runtimeBeforeFork()

//go:linkname runtimeAfterFork syscall.runtime_AfterFork
func runtimeAfterFork()

//go:linkname runtimeAfterForkInChild syscall.runtime_AfterForkInChild
func runtimeAfterForkInChild()

// cloneArgs is struct clone_args of clone3(2).
type cloneArgs struct {
	flags      uint64
	pidfd      uint64
	childTID   uint64
	parentTID  uint64
	exitSignal uint64
	stack      uint64
	stackSize  uint64
	tls        uint64
	setTID     uint64
	setTIDSize uint64
	cgroup     uint64
}

// fork clones this process without CLONE_VM: the child gets a copy of the
// address space, runs p.run on a copy of this goroutine's stack and never
// returns. Nothing in the child may call into the Go runtime: see doc.go.
//
//go:norace
//go:noinline
func (p *Program) fork() (pid int, err syscall.Errno) {
	runtimeBeforeFork()
	r1, _, e := syscall.RawSyscall6(unix.SYS_CLONE3, uintptr(unsafe.Pointer(&p.clone)), unsafe.Sizeof(p.clone), 0, 0, 0, 0)
	if e != 0 || r1 != 0 {
		runtimeAfterFork()
		return int(r1), e
	}
	runtimeAfterForkInChild()
	p.run()
	return 0, 0 // not reached: run ends in execve or exit
}

// Start clones rt into the child that runs p, with the clone flags given
// (CLONE_NEW* for new namespaces; CLONE_PIDFD is added) and, when
// cgroupFd >= 0, born in that cgroup (CLONE_INTO_CGROUP). It returns the
// child's pid and a pidfd of it.
//
// The child's parent-death signal fires when the thread that cloned it
// exits: the caller runs Start on a locked OS thread and keeps it until the
// child may outlive it.
func (p *Program) Start(flags uint64, cgroupFd int) (pid, pidfd int, err error) {
	p.Seal()
	p.pidfd = -1
	p.clone = cloneArgs{
		flags:      flags | unix.CLONE_PIDFD,
		pidfd:      uint64(uintptr(unsafe.Pointer(&p.pidfd))),
		exitSignal: uint64(unix.SIGCHLD),
	}
	if cgroupFd >= 0 {
		p.clone.flags |= unix.CLONE_INTO_CGROUP
		p.clone.cgroup = uint64(cgroupFd)
	}
	pid, e := p.fork()
	if e != 0 {
		return 0, -1, fmt.Errorf("clone3: %w", e)
	}
	return pid, int(p.pidfd), nil
}
