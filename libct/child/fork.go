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

// fork clones this process with CLONE_VM: the child shares rt's memory
// (no copy of the page tables, no copy-on-write faults in rt afterwards,
// nothing to tear down at the child's execve) and runs p.run on the stack
// Seal mapped for it, never returning. Nothing in the child may call into
// the Go runtime nor write anything but p's own buffers: see doc.go.
//
// A child that joins a time namespace gets a copy of rt's memory instead,
// as with fork(2): setns refuses one that shares its memory (EUSERS), for
// the vDSO's clock data it switches is the memory's. The copy costs what
// CLONE_VM saves; the child runs the same way.
//
//go:norace
//go:noinline
func (p *Program) fork() (pid int, err syscall.Errno) {
	if !p.ownMM {
		p.clone.flags |= unix.CLONE_VM
	}
	p.clone.stack = uint64(p.stackTop) - childStack
	p.clone.stackSize = childStack
	runtimeBeforeFork()
	r1, e := cloneVM(&p.clone, unsafe.Sizeof(p.clone), p)
	runtimeAfterFork()
	return int(r1), syscall.Errno(e)
}

// cloneVM is clone3 for fork (run_stack_*.s): the child starts in
// childStart(p) on the stack args give it.
//
//go:noescape
func cloneVM(args *cloneArgs, size uintptr, p *Program) (pid uintptr, errno uintptr)
