package child

import (
	"fmt"
	"os"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// str is a string of the program's arena: its bytes are followed by a NUL,
// so the child can pass it to a system call as it is. off < 0 is "none"
// (a NULL pointer).
type str struct{ off, n int32 }

var none = str{off: -1}

// vec is a slice of one of the program's tables (words, nums, strList,
// hooks ...): off and n count elements.
type vec struct{ off, n int32 }

// step is one instruction of the child: op says what, the operands are
// arena strings, integers and table slices, and what names the step in an
// error ("mount proc on /proc"), so that a failed step is reported with
// its own words, its errno and, when the child adds one, a detail.
type step struct {
	op   op
	what str
	s    [4]str
	n    [4]int64
	v    vec
	v2   vec
}

// mountSpec is one mount of the rootfs, decided by the parent (mounts.go).
type mountSpec struct {
	kind    uint8
	index   int32 // the config's mount, for KindMountFd; -1 none
	dest    str   // in the container
	src     str
	fstype  str
	data    str
	flags   uint64 // MS_*
	cleared uint64 // MS_* the config turned off explicitly
	// Propagation changes after the mount, and their names.
	prop     [4]uint64
	propName [4]str
	nprop    int32
	// mount_setattr(AT_RECURSIVE) attributes.
	recursive                  bool
	attrSet, attrClr, attrProp uint64
	exact                      bool // proc, sysfs, /dev: no symlink on the way
	isProc                     bool // a procfs may go on /proc
	tmpfsMode                  bool // a tmpfs takes the covered directory's mode
	copyup                     bool // tmpcopyup
	deferRO                    bool // read-only only at finishReadonly
	remount                    bool // a bind needs MS_REMOUNT for its flags
	askParent                  bool // a bind source the child may not reach: the parent opens it
	label                      str  // SELinux label of an mqueue mount
	fallback                   str  // cgroup2: bind this host path on EPERM/EBUSY
	onRoot                     bool // the destination is "/": the mount becomes the root
}

// Mount kinds.
const (
	mkFs = iota
	mkBind
	mkIdmap
)

// deviceSpec is a device node of /dev.
type deviceSpec struct {
	path, dir, base, typName str
	typ, mode                uint32
	rdev                     uint64 // for mknod (0 for a fifo)
	dev                      uint64 // the host node a bind must be
	uid, gid                 uint32
	bind                     bool // bind the host's node (user namespaces)
}

// userSpec is the process's credentials.
type userSpec struct {
	uid, gid                          uint32
	groups                            vec // in gids
	groupsText                        str
	noGroupsOK                        bool // a user namespace that denies setgroups, no groups wanted
	drop                              vec  // nums: capabilities to drop from the bounding set
	effective, permitted, inheritable uint64
	ambient                           vec // nums: capabilities to raise
}

// hookSpec is a hook the child runs.
type hookSpec struct {
	path    str
	argv    int32 // words
	envp    int32 // words
	timeout int64 // seconds, 0 for none
}

// pending is a mount made read-only only at the end.
type pending struct {
	fd   int32
	dest str
}

// copyLevel is one directory of a tmpcopyup walk.
type copyLevel struct {
	src, dst       int32
	off            int64
	mode, uid, gid uint32
	top            bool
}

// sockFprog is struct sock_fprog with an integer filter address.
type sockFprog struct {
	len    uint16
	_      [6]byte
	filter uintptr
}

// Program is a compiled child: the parent builds it from the config, then
// Start clones rt and the clone runs it. Once sealed it is read-only for
// the parent; the child changes only its state and the few words (argv
// and envp slots) the steps fill in.
type Program struct {
	arena    []byte
	words    []uintptr
	nums     []int64
	strList  []str
	gids     []uint32
	capNames []str
	steps    []step
	mounts   []mountSpec
	devices  []deviceSpec
	users    []userSpec
	sched    []unix.SchedAttr
	hooks    []hookSpec

	rootPath    str // the rootfs as a canonical host path
	cpus        int // CPUs online (for a SCHED_DEADLINE refusal's words)
	consoleDest str
	envOff      int // words of the process's envp
	devMount    mountSpec
	pathMount   mountSpec

	// fdSrc[i] is the parent's fd that becomes fd i of the child (-1:
	// closed); fdCloexec[i] marks the child's own fds, which the user's
	// process must not inherit.
	fdSrc     []int32
	fdCloexec []bool
	syncFd    int32
	extraFds  int

	// What the parent does around the clone (Start).
	mode       Mode
	cloneFlags uint64
	threadNS   int    // a pid namespace the spawning thread joins (-1 none)
	forkInit   bool   // the child forks the init into a pid namespace
	idmap      *IDMap // maps to write once the child is in its user namespace
	ownFds     []int  // fds the program holds until Close
	parentSock int
	childSock  int
	null       *os.File

	sealed bool
	// started: a child runs on p (see running).
	started bool
	// ownMM: the child gets a copy of rt's memory (see fork).
	ownMM  bool
	base   uintptr // &arena[0] once sealed
	fdNext int32   // above every fd of fdSrc: room for the shuffle
	clone  cloneArgs
	pidfd  int32
	// stack is the child's own stack, with a guard page at its low end:
	// mapped by Seal, unmapped by Close before a child runs on it, else
	// once the child is reaped (release).
	stack    []byte
	stackTop uintptr

	st state
}

// state is everything the child writes: integers and the bytes of buffers
// the parent allocated, never a pointer (a pointer write would need the
// Go runtime's write barrier).
type state struct {
	peer        int32 // the socket messages go to: sync, then start
	root        int32
	pivoted     bool
	proc        int32
	procMnt     uint64
	tty         int32
	consoleSock int32
	devNull     int32
	maskDir     int32
	startL      int32
	pend        []pending
	nPend       int32
	exe         int32
	oldUmask    int
	forkPidfd   int32
	hookPidfd   int32
	tramp       int32
	stateOff    [4]int // hook states in state: creating [0:1], created [2:3]

	errText []byte
	errLen  int
	errMode int
	// unsentLen: fail could not send its error (a seccomp filter that
	// denies sendmsg): the message is out[:unsentLen], for the parent to
	// read once the child is gone (Program.unsentError).
	unsentLen int

	clone   cloneArgs
	how     unix.OpenHow
	stat    unix.Stat_t
	statfs  unix.Statfs_t
	statx   unix.Statx_t
	attr    unix.MountAttr
	capHdr  unix.CapUserHeader
	capData [2]unix.CapUserData
	rlim    unix.Rlimit
	sigact  sigaction
	sigold  sigaction
	sigmask uint64 // the forking thread's signal mask, restored by resetSignals
	fprog   sockFprog
	siginfo [128]byte

	copy      []copyLevel
	copyDepth int

	out, in       []byte
	pb, pc, pd    []byte
	link, data    []byte
	rem           [2][]byte
	fdp, fdp2     [64]byte
	dents, dents2 []byte
	home          []byte
	listenPid     []byte
	passwd        []byte
	hookErr       []byte
	hookErrLen    int
	state         []byte

	msg   msghdr
	iov   iovec
	cmsg  [cmsgSpaceFds]byte
	inFds [maxFds]int32
	nFds  int32
}

// NewProgram returns an empty program.
func NewProgram() *Program {
	p := &Program{syncFd: -1, threadNS: -1, parentSock: -1, childSock: -1}
	p.arena = make([]byte, 0, 8192)
	p.devMount = mountSpec{kind: mkBind, index: -1, flags: unix.MS_BIND, src: none, fstype: none, data: none, label: none, fallback: none}
	p.pathMount = mountSpec{kind: mkBind, index: -1, src: none, fstype: none, data: none, label: none, fallback: none}
	p.consoleDest = p.str("/dev/console")
	p.rootPath = p.str("/")
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

// opt is str, or none for "".
func (p *Program) opt(v string) str {
	if v == "" {
		return none
	}
	return p.str(v)
}

// raw adds b to the arena, 8-byte aligned (a BPF program).
func (p *Program) raw(b []byte) str {
	p.mustOpen()
	for len(p.arena)%8 != 0 {
		p.arena = append(p.arena, 0)
	}
	off := len(p.arena)
	p.arena = append(p.arena, b...)
	p.arena = append(p.arena, 0)
	return str{off: int32(off), n: int32(len(b))}
}

// strv adds a NULL-terminated array of strings (argv, envp) to words and
// returns its offset there. An entry that starts with a NUL is a slot the
// child fills in (HOME, LISTEN_PID: see processEnv); slots holds where
// they went.
func (p *Program) strv(list []string) (off int, slots []int) {
	p.mustOpen()
	off = len(p.words)
	for _, s := range list {
		if len(s) > 0 && s[0] == 0 {
			slots = append(slots, len(p.words))
			p.words = append(p.words, 0)
			continue
		}
		// The pointers are made absolute by Seal, when the arena stops
		// moving; until then a word holds offset+1.
		p.words = append(p.words, uintptr(p.str(s).off)+1)
	}
	p.words = append(p.words, 0)
	return off, slots
}

// numv adds integers to nums.
func (p *Program) numv(list ...int64) vec {
	v := vec{off: int32(len(p.nums)), n: int32(len(list))}
	p.nums = append(p.nums, list...)
	return v
}

// strs adds strings to strList.
func (p *Program) strs(list []string) vec {
	v := vec{off: int32(len(p.strList)), n: int32(len(list))}
	for _, s := range list {
		p.strList = append(p.strList, p.str(s))
	}
	return v
}

func (p *Program) add(s step) int {
	p.mustOpen()
	p.steps = append(p.steps, s)
	return len(p.steps) - 1
}

// addOp adds a step of op with its words, and returns it for operands.
func (p *Program) addOp(o op, what string) *step {
	p.add(step{op: o, what: p.str(what)})
	return &p.steps[len(p.steps)-1]
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

// NextFd is the number the next Fd gets.
func (p *Program) NextFd() int { return len(p.fdSrc) }

// childStack is the size of the child's stack: run's chain and one step's
// take at most twice the linker's nosplit limit (see do), a fraction of
// it.
const childStack = 64 << 10

// Seal fixes the program: the arena's address is taken, the pointer arrays
// filled in, the child's stack mapped and its buffers allocated. Nothing
// may be added after.
func (p *Program) Seal() error {
	if p.sealed {
		return nil
	}
	guard := os.Getpagesize()
	stack, err := unix.Mmap(-1, 0, guard+childStack, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_STACK)
	if err != nil {
		return fmt.Errorf("map the child's stack: %w", err)
	}
	if err := unix.Mprotect(stack[:guard], unix.PROT_NONE); err != nil {
		unix.Munmap(stack)
		return fmt.Errorf("map the child's stack: guard page: %w", err)
	}
	p.stack = stack
	p.stackTop = uintptr(unsafe.Pointer(&stack[len(stack)-1])) + 1
	p.base = uintptr(unsafe.Pointer(&p.arena[0]))
	for i, w := range p.words {
		if w != 0 {
			p.words[i] = p.base + w - 1
		}
	}
	next := int32(len(p.fdSrc))
	for _, fd := range p.fdSrc {
		if fd >= next {
			next = fd + 1
		}
	}
	p.fdNext = next
	st := &p.st
	st.peer = p.syncFd
	st.root, st.proc, st.tty, st.devNull, st.maskDir, st.forkPidfd, st.hookPidfd = -1, -1, -1, -1, -1, -1, -1
	if st.tramp == 0 {
		st.tramp = -1
	}
	if st.consoleSock == 0 {
		st.consoleSock = -1
	}
	if st.startL == 0 {
		st.startL = -1
	}
	st.pend = make([]pending, len(p.mounts)+1)
	st.copy = make([]copyLevel, 128)
	// One allocation for the buffers the child writes.
	sizes := []int{maxMsg, maxMsg, pathMax, pathMax, pathMax, pathMax, 2 * pathMax, pathMax, pathMax, pathMax,
		32 << 10, 32 << 10, pathMax + 8, 32, 64 << 10, 64 << 10, maxMsg}
	total := 0
	for _, n := range sizes {
		total += n
	}
	mem := make([]byte, total)
	take := func(n int) []byte {
		b := mem[:n:n]
		mem = mem[n:]
		return b
	}
	st.out, st.in = take(maxMsg), take(maxMsg)
	st.pb, st.pc, st.pd, st.link, st.data = take(pathMax), take(pathMax), take(pathMax), take(pathMax), take(2*pathMax)
	st.rem[0], st.rem[1], st.errText = take(pathMax), take(pathMax), take(pathMax)
	st.dents, st.dents2 = take(32<<10), take(32<<10)
	st.home, st.listenPid = take(pathMax+8), take(32)
	st.passwd, st.hookErr, st.state = take(64<<10), take(64<<10), take(maxMsg)
	errnoTextsOnce.Do(fillErrnoTexts)
	p.sealed = true
	return nil
}

// errnoTexts are syscall.Errno's words, read by the child (which cannot
// call Error); filled once, before the first clone.
var (
	errnoTexts     [134]string
	errnoTextsOnce sync.Once
)

func fillErrnoTexts() {
	for i := range errnoTexts {
		errnoTexts[i] = syscall.Errno(i).Error()
	}
}

// Close releases what the program holds for the parent: the fds it
// opened (namespaces, the child's end of the sync socket) and, when no
// Conn took it, the parent's end.
func (p *Program) Close() {
	for _, fd := range p.ownFds {
		unix.Close(fd)
	}
	p.ownFds = nil
	if p.childSock >= 0 {
		unix.Close(p.childSock)
		p.childSock = -1
	}
	if p.parentSock >= 0 {
		unix.Close(p.parentSock)
		p.parentSock = -1
	}
	if p.null != nil {
		p.null.Close()
		p.null = nil
	}
	if p.stack != nil && !p.started {
		unix.Munmap(p.stack)
		p.stack = nil
	}
}

// running holds the programs of children that may still run: a child
// shares rt's memory (see fork) and reads its program, buffers and stack
// until its execve or exit, so the garbage collector must not hand any of
// it to something else, nor Close unmap the stack, meanwhile.
var running sync.Map // *Program -> struct{}

// release lets p go once its child is gone (reaped).
func (p *Program) release() {
	if _, ok := running.LoadAndDelete(p); !ok {
		return
	}
	if p.stack != nil {
		unix.Munmap(p.stack)
		p.stack = nil
	}
}
