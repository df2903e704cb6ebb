package child

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// do runs step i. Each operation's function is called through stepFuncs:
// an indirect call, which the linker's check of nosplit chains treats as a
// call of a splittable function. Each step is thus checked as a chain of
// its own (at most 792 bytes), and a step never calls do: the child's
// stack holds at most run's chain and one step's, on the 64 KiB stack the
// parent mapped for it (see Seal), whose guard page turns an overflow into
// a crash.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) do(i int) syscall.Errno {
	s := &p.steps[i]
	return stepFuncs[s.op](p, s)
}

var stepFuncs = [...]func(*Program, *step) syscall.Errno{
	opNone:           (*Program).sNone,
	opMount:          (*Program).sMount,
	opOpenRoot:       (*Program).sOpenRoot,
	opChdir:          (*Program).sChdir,
	opChroot:         (*Program).sChroot,
	opMountEntry:     (*Program).mountEntry,
	opDevice:         (*Program).createDevice,
	opUmask:          (*Program).sUmask,
	opSymlinks:       (*Program).symlinks,
	opPivot:          (*Program).pivotRoot,
	opMoveRoot:       (*Program).moveRoot,
	opNewConsole:     (*Program).newConsole,
	opAttachTerminal: (*Program).attachTerminal,
	opSetupConsole:   (*Program).setupConsole,
	opReadonly:       (*Program).readonlyPath,
	opMask:           (*Program).maskPath,
	opFinishRO:       (*Program).finishReadonly,
	opProcWrite:      (*Program).sProcWrite,
	opKeyring:        (*Program).sKeyring,
	opSend:           (*Program).sSend,
	opExpect:         (*Program).sExpect,
	opAsk:            (*Program).ask,
	opPrctl:          (*Program).sPrctl,
	opUnshare:        (*Program).sUnshare,
	opSethostname:    (*Program).sSethostname,
	opSetdomainname:  (*Program).sSetdomainname,
	opJoinNs:         (*Program).joinNamespaces,
	opWaitIDMap:      (*Program).waitIDMap,
	opTimeOffsets:    (*Program).writeTimeOffsets,
	opForkInit:       (*Program).forkIntoPidNS,
	opCloseFd:        (*Program).sCloseFd,
	opWaitStart:      (*Program).waitStart,
	opSetsid:         (*Program).sSetsid,
	opPersonality:    (*Program).sPersonality,
	opMempolicy:      (*Program).sMempolicy,
	opAffinity:       (*Program).sAffinity,
	opSched:          (*Program).sSched,
	opIoprio:         (*Program).sIoprio,
	opCwd:            (*Program).chdirCwd,
	opCheckCwd:       (*Program).checkCwd,
	opRlimit:         (*Program).sRlimit,
	opCloexec:        (*Program).sCloexec,
	opSeccomp:        (*Program).loadSeccomp,
	opUser:           (*Program).sUser,
	opLookPath:       (*Program).lookPath,
	opHome:           (*Program).setHome,
	opListenPid:      (*Program).setListenPid,
	opHooks:          (*Program).runHooks,
	opExec:           (*Program).execProcess,
	opProcClose:      (*Program).sProcClose,
	opMakeCwd:        (*Program).makeCwd,
	opLoopback:       (*Program).loopbackUp,
	opDropTrampoline: (*Program).dropTrampoline,
	opMountHolder:    (*Program).mountHolder,
}

//go:nosplit
//go:norace
func (p *Program) sNone(s *step) syscall.Errno { return 0 }

//go:nosplit
//go:norace
func (p *Program) sMount(s *step) syscall.Errno {
	_, e := sys(unix.SYS_MOUNT, p.ptr(s.s[0]), p.ptr(s.s[1]), p.ptr(s.s[2]), uintptr(s.n[0]), p.ptr(s.s[3]), 0)
	return e
}

//go:nosplit
//go:norace
func (p *Program) sOpenRoot(s *step) syscall.Errno {
	return p.openRoot(p.ptr(s.s[0]), s.n[0] != 0)
}

//go:nosplit
//go:norace
func (p *Program) sChdir(s *step) syscall.Errno {
	_, e := sys(unix.SYS_CHDIR, p.ptr(s.s[0]), 0, 0, 0, 0, 0)
	if s.n[0] != 0 {
		return 0 // best effort
	}
	return e
}

//go:nosplit
//go:norace
func (p *Program) sChroot(s *step) syscall.Errno {
	_, e := sys(unix.SYS_CHROOT, p.ptr(s.s[0]), 0, 0, 0, 0, 0)
	if e == 0 {
		_, e = sys(unix.SYS_CHDIR, cstr(slash), 0, 0, 0, 0, 0)
	}
	return e
}

// sUmask sets the umask s.n[0], or with -1 the one it replaced.
//
//go:nosplit
//go:norace
func (p *Program) sUmask(s *step) syscall.Errno {
	if s.n[0] < 0 {
		sys(unix.SYS_UMASK, uintptr(p.st.oldUmask), 0, 0, 0, 0, 0)
		return 0
	}
	old, _ := sys(unix.SYS_UMASK, uintptr(s.n[0]), 0, 0, 0, 0, 0)
	p.st.oldUmask = int(old)
	return 0
}

// sProcWrite writes s.s[1] to /proc/s.s[0], or when that fails to
// /proc/s.s[2] (the legacy path of an LSM attribute).
//
//go:nosplit
//go:norace
func (p *Program) sProcWrite(s *step) syscall.Errno {
	st := &p.st
	e := segProcWrite(p, p.cbytes(s.s[0]), p.bytes(s.s[1]))
	if e != 0 && s.s[2].off >= 0 {
		mode, n := st.errMode, st.errLen
		st.errMode = errModeNone
		if segProcWrite(p, p.cbytes(s.s[2]), p.bytes(s.s[1])) == 0 {
			e = 0
		}
		st.errMode, st.errLen = mode, n
	}
	return e
}

//go:nosplit
//go:norace
func (p *Program) sProcClose(s *step) syscall.Errno {
	p.procClose()
	return 0
}

// keycreate is the procfs file that labels the keys a thread makes.
var keycreate = []byte("thread-self/attr/keycreate\x00")

// sKeyring joins a new session keyring of the given name, labelled with
// s.s[1] when there is one.
//
//go:nosplit
//go:norace
func (p *Program) sKeyring(s *step) syscall.Errno {
	labelled := s.s[1].off >= 0
	if labelled {
		if e := segProcWrite(p, keycreate, p.bytes(s.s[1])); e != 0 {
			p.errDetail("set session keyring label")
			return e
		}
	}
	ring, e := sys(unix.SYS_KEYCTL, unix.KEYCTL_JOIN_SESSION_KEYRING, p.ptr(s.s[0]), 0, 0, 0, 0)
	if labelled {
		// Best effort, as runc's: only keys this thread makes next
		// would carry the label.
		st := &p.st
		mode, n := st.errMode, st.errLen
		segProcWrite(p, keycreate, nil)
		st.errMode, st.errLen = mode, n
	}
	if e == unix.ENOSYS {
		return 0
	}
	if e != 0 {
		return e
	}
	// possessor: all; user: view, read, write, search, link, setattr.
	if _, e = sys(unix.SYS_KEYCTL, unix.KEYCTL_SETPERM, ring, 0x3f3f0000, 0, 0, 0); e != 0 {
		p.errDetail("set session keyring permissions")
	}
	return e
}

//go:nosplit
//go:norace
func (p *Program) sSend(s *step) syscall.Errno {
	return p.sendMsg(Kind(s.n[0]), -1, 0, 0, nil, -1)
}

//go:nosplit
//go:norace
func (p *Program) sExpect(s *step) syscall.Errno {
	_, e := p.expect(Kind(s.n[0]))
	return e
}

//go:nosplit
//go:norace
func (p *Program) sPrctl(s *step) syscall.Errno {
	_, e := sys(unix.SYS_PRCTL, uintptr(s.n[0]), uintptr(s.n[1]), 0, 0, 0, 0)
	return e
}

//go:nosplit
//go:norace
func (p *Program) sUnshare(s *step) syscall.Errno {
	_, e := sys(unix.SYS_UNSHARE, uintptr(s.n[0]), 0, 0, 0, 0, 0)
	return e
}

//go:nosplit
//go:norace
func (p *Program) sSethostname(s *step) syscall.Errno {
	_, e := sys(unix.SYS_SETHOSTNAME, p.ptr(s.s[0]), uintptr(s.s[0].n), 0, 0, 0, 0)
	return e
}

//go:nosplit
//go:norace
func (p *Program) sSetdomainname(s *step) syscall.Errno {
	_, e := sys(unix.SYS_SETDOMAINNAME, p.ptr(s.s[0]), uintptr(s.s[0].n), 0, 0, 0, 0)
	return e
}

// sCloseFd closes fd s.n[0] (the sync socket, once the init may outlive
// rt).
//
//go:nosplit
//go:norace
func (p *Program) sCloseFd(s *step) syscall.Errno {
	if int32(s.n[0]) == p.st.peer {
		p.st.peer = -1
	}
	closefd(int32(s.n[0]))
	return 0
}

//go:nosplit
//go:norace
func (p *Program) sSetsid(s *step) syscall.Errno {
	_, e := sys(unix.SYS_SETSID, 0, 0, 0, 0, 0, 0)
	return e
}

//go:nosplit
//go:norace
func (p *Program) sPersonality(s *step) syscall.Errno {
	_, e := sys(unix.SYS_PERSONALITY, uintptr(s.n[0]), 0, 0, 0, 0, 0)
	return e
}

//go:nosplit
//go:norace
func (p *Program) sMempolicy(s *step) syscall.Errno {
	nodes := p.ints(s.v)
	var np uintptr
	if len(nodes) > 0 {
		np = uintptr(unsafe.Pointer(&nodes[0]))
	}
	_, e := sys(unix.SYS_SET_MEMPOLICY, uintptr(s.n[0]), np, uintptr(s.n[1]), 0, 0, 0)
	return e
}

// sAffinity sets the CPU mask of s.v; best effort with s.n[0].
//
//go:nosplit
//go:norace
func (p *Program) sAffinity(s *step) syscall.Errno {
	mask := p.ints(s.v)
	_, e := sys(unix.SYS_SCHED_SETAFFINITY, 0, uintptr(len(mask)*8), uintptr(unsafe.Pointer(&mask[0])), 0, 0, 0)
	if s.n[0] != 0 {
		return 0
	}
	return e
}

//go:nosplit
//go:norace
func (p *Program) sSched(s *step) syscall.Errno {
	attr := &p.sched[s.n[0]]
	_, e := sys(unix.SYS_SCHED_SETATTR, 0, uintptr(unsafe.Pointer(attr)), 0, 0, 0, 0)
	if e == unix.EPERM && s.n[1] != 0 && p.affinityNarrowed() {
		// runc's words, which its users know; then why.
		p.errDetail("process scheduler can't be used together with AllowedCPUs " +
			"(the kernel wants the process allowed on every CPU, and the cpuset or CPU affinity leaves some out)")
	}
	return e
}

//go:nosplit
//go:norace
func (p *Program) sIoprio(s *step) syscall.Errno {
	_, e := sys(unix.SYS_IOPRIO_SET, 1, 0, uintptr(s.n[0]), 0, 0, 0)
	return e
}

//go:nosplit
//go:norace
func (p *Program) sRlimit(s *step) syscall.Errno {
	lim := &p.st.rlim
	lim.Cur, lim.Max = uint64(s.n[1]), uint64(s.n[2])
	_, e := sys(unix.SYS_PRLIMIT64, 0, uintptr(s.n[0]), uintptr(unsafe.Pointer(lim)), 0, 0, 0)
	return e
}

//go:nosplit
//go:norace
func (p *Program) sCloexec(s *step) syscall.Errno { return p.closeOnExec(int32(s.n[0])) }

//go:nosplit
//go:norace
func (p *Program) sUser(s *step) syscall.Errno { return p.setUser(&p.users[s.n[0]]) }

// ask sends s.n[0] and waits for OK; with s.n[1] set the answer's payload
// is the hooks' states (creating, then created, NUL-separated), kept.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) ask(s *step) syscall.Errno {
	if e := p.sendMsg(Kind(s.n[0]), -1, 0, 0, nil, -1); e != 0 {
		return e
	}
	n, e := p.expect(KindOK)
	if e != 0 {
		return e
	}
	if s.n[1] != 0 {
		st := &p.st
		c := copy(st.state, st.in[headerSize:headerSize+n])
		a := clen(st.state[:c])
		st.stateOff[0], st.stateOff[1] = 0, a
		st.stateOff[2], st.stateOff[3] = c, c
		if a < c {
			st.stateOff[2] = a + 1
		}
	}
	return 0
}

// waitStart blocks until `rt start` asks (SendStart): a datagram on the
// start socket with the connection errors go to from then on; the start
// socket is closed before the exec trampoline comes on that connection,
// so that the two need no more than one free fd. Nothing is made or
// opened here: a filter loaded at create is in force.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) waitStart(s *step) syscall.Errno {
	st := &p.st
	st.peer = int32(s.n[0])
	if _, e := p.expect(KindStart); e != 0 {
		return e
	}
	if st.nFds != 1 {
		// No one to tell: `rt start` sees its connection close.
		exit(1)
	}
	closefd(st.peer)
	st.peer = st.inFds[0]
	if _, e := p.expect(KindOK); e != 0 {
		return e
	}
	if st.nFds != 1 {
		// Cut by the kernel: no fd below RLIMIT_NOFILE was free.
		p.errDetail("receive the exec trampoline")
		return unix.EMFILE
	}
	st.tramp = st.inFds[0]
	return 0
}

// affinityNarrowed reports whether this thread may run on fewer CPUs than
// exist; false when that cannot be told.
//
//go:noinline
//go:nosplit
//go:norace
func (p *Program) affinityNarrowed() bool {
	mask := p.st.dents[:128]
	n, e := sys(unix.SYS_SCHED_GETAFFINITY, 0, uintptr(len(mask)), uintptr(unsafe.Pointer(&mask[0])), 0, 0, 0)
	if e != 0 {
		return false
	}
	set := 0
	for i := 0; i < int(n); i++ {
		for b := mask[i]; b != 0; b &= b - 1 {
			set++
		}
	}
	return set < p.cpus
}

// Segments: the larger subroutines steps share are called through these
// variables, for the same reason do calls steps through stepFuncs: each
// is then a chain of its own for the linker's nosplit check. How deep
// they nest is bounded by TestChildCodeNeverEntersTheRuntime, and all of
// it is a fraction of the child's stack.
var (
	segOpenOrCreate   = (*Program).openOrCreate
	segMkdirAllInRoot = (*Program).mkdirAllInRoot
	segMkdirAllStrict = (*Program).mkdirAllStrict
	segSecureJoin     = (*Program).secureJoin
	segMountOnto      = (*Program).mountOnto
	segBindSource     = (*Program).bindSource
	segCopyUp         = (*Program).copyUp
	segProcWrite      = (*Program).procWrite
	segRunHook        = (*Program).runHook
	segCheckProcDest  = (*Program).checkProcDest
)
