package child

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The Go runtime's own hooks around fork, as package syscall uses them in
// forkAndExecInChild: BeforeFork blocks signals and spoils the goroutine's
// stack guard (so that any stack check in the child fails loudly instead
// of growing a stack), AfterFork undoes that in the parent. The runtime
// keeps these linknames for outside users (go.dev/issue/67401).
//
// Its third hook, AfterForkInChild, is not for this child: it finds the
// mask to restore through the goroutine the forking thread runs now
// (getg().m, from the thread's TLS, which the child shares), assuming, as
// a vfork'd child may, that the parent is stopped meanwhile. rt's parent
// runs on: its goroutine may park between the child's two reads, and the
// child then reads a nil m (a SIGSEGV seen under emulation, in one exec of
// a hundred). The child resets its signals itself (resetSignals), from
// the mask fork records here.
//
//go:linkname runtimeBeforeFork syscall.runtime_BeforeFork
func runtimeBeforeFork()

//go:linkname runtimeAfterFork syscall.runtime_AfterFork
func runtimeAfterFork()

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
	// The thread's mask before BeforeFork blocks every signal: the one the
	// child restores (the goroutine is locked to this thread).
	sys(unix.SYS_RT_SIGPROCMASK, unix.SIG_BLOCK, 0, uintptr(unsafe.Pointer(&p.st.sigmask)), 8, 0, 0)
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
