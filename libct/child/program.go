package child

import (
	"fmt"
	"unsafe"
)

// str is a string of the program's arena: its bytes are followed by a NUL,
// so the child can pass it to a system call as it is. off < 0 is "none"
// (a NULL pointer).
type str struct{ off, n int32 }

var none = str{off: -1}

// vec is a NULL-terminated array of pointers (argv, envp) in words.
type vec struct{ off, n int32 }

// step is one instruction of the child: op says what, the operands are
// strings of the arena and integers, and what names the step in an error
// ("mount proc on /proc"), so that the parent can report the errno of a
// failed step with the step's own words.
type step struct {
	op   op
	what str
	s    [4]str
	n    [4]int64
	v    vec
}

// Program is a compiled child: the parent builds it from the config, then
// Start clones rt and the clone runs it. Once Seal has run it is read-only
// for the parent; the child changes only its state (integers and bytes).
type Program struct {
	arena []byte
	words []uintptr
	steps []step
	// fdSrc[i] is the parent's fd that becomes fd i of the child (-1:
	// closed); fdCloexec[i] marks the child's own fds, which the user's
	// process must not inherit.
	fdSrc     []int32
	fdCloexec []bool

	// syncFd is the child's fd of the sync socket (-1: none).
	syncFd int32

	sealed bool
	base   uintptr // &arena[0] once sealed
	fdNext int32   // above every fd of fdSrc: room for the shuffle
	clone  cloneArgs
	pidfd  int32

	st state
}

// state is everything the child writes: integers and the bytes of buffers
// the parent allocated, never a pointer (a pointer write would need the
// Go runtime's write barrier).
type state struct {
	regs  [16]int32
	out   []byte // message being sent
	in    []byte // message received
	path  []byte // scratch for building paths
	msg   msghdr
	iov   iovec
	cmsg  [cmsgSpaceFds]byte
	inFds [maxFds]int32
	nFds  int32
}

// NewProgram returns an empty program.
func NewProgram() *Program {
	p := &Program{syncFd: -1}
	p.arena = make([]byte, 0, 4096)
	return p
}

// str adds s to the arena.
func (p *Program) str(s string) str {
	p.mustOpen()
	off := len(p.arena)
	p.arena = append(p.arena, s...)
	p.arena = append(p.arena, 0)
	return str{off: int32(off), n: int32(len(s))}
}

// strs adds a NULL-terminated array of strings (argv, envp).
func (p *Program) strs(list []string) vec {
	p.mustOpen()
	offs := make([]str, len(list))
	for i, s := range list {
		offs[i] = p.str(s)
	}
	v := vec{off: int32(len(p.words)), n: int32(len(list))}
	// The pointers are filled in by Seal, when the arena stops moving.
	for _, s := range offs {
		p.words = append(p.words, uintptr(s.off))
	}
	p.words = append(p.words, ^uintptr(0))
	return v
}

func (p *Program) add(s step) int {
	p.mustOpen()
	p.steps = append(p.steps, s)
	return len(p.steps) - 1
}

func (p *Program) mustOpen() {
	if p.sealed {
		panic("child: program changed after Seal")
	}
}

// Fd makes the parent's fd src the child's fd n (n must be the next free
// number). Fds the user's process keeps (stdio, --preserve-fds) are
// inheritable; the child's own are close-on-exec.
func (p *Program) Fd(n int, src int, inherit bool) {
	p.mustOpen()
	if n != len(p.fdSrc) {
		panic(fmt.Sprintf("child: fd %d given out of order (next is %d)", n, len(p.fdSrc)))
	}
	p.fdSrc = append(p.fdSrc, int32(src))
	p.fdCloexec = append(p.fdCloexec, !inherit)
}

// Seal fixes the program: the arena's address is taken, the pointer arrays
// filled in and the child's buffers allocated. Nothing may be added after.
func (p *Program) Seal() {
	if p.sealed {
		return
	}
	if len(p.arena) == 0 {
		p.arena = append(p.arena, 0)
	}
	p.base = uintptr(unsafe.Pointer(&p.arena[0]))
	for i, w := range p.words {
		if w == ^uintptr(0) {
			p.words[i] = 0
		} else {
			p.words[i] = p.base + w
		}
	}
	next := int32(len(p.fdSrc))
	for _, fd := range p.fdSrc {
		if fd >= next {
			next = fd + 1
		}
	}
	p.fdNext = next
	p.st.out = make([]byte, maxMsg)
	p.st.in = make([]byte, maxMsg)
	p.st.path = make([]byte, 2*pathMax)
	p.sealed = true
}
