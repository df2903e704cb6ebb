package child

import (
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
	runOnStack(p, p.stackTop)
	return 0, 0 // not reached: the child ends in execve or exit
}
