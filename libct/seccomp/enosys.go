package seccomp

import (
	"fmt"
	"sort"

	"golang.org/x/sys/unix"
)

// Why a stub: a deny-by-default profile written before a syscall existed
// would answer that syscall with the default errno (usually EPERM), and
// libc treats EPERM as "forbidden" rather than "not implemented", so it
// never falls back (clone3 -> clone is the classic case). Like runc, we
// prepend a check that answers ENOSYS for any syscall numbered above the
// largest one the profile mentions on that architecture.

const (
	x32SyscallBit = 0x40000000
	offNr         = 0 // offsetof(struct seccomp_data, nr)
	offArch       = 4 // offsetof(struct seccomp_data, arch)

	opLdAbsW = unix.BPF_LD | unix.BPF_W | unix.BPF_ABS
	opJeq    = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K
	opJgt    = unix.BPF_JMP | unix.BPF_JGT | unix.BPF_K
	opJset   = unix.BPF_JMP | unix.BPF_JSET | unix.BPF_K
	opJa     = unix.BPF_JMP | unix.BPF_JA
	opRetK   = unix.BPF_RET | unix.BPF_K
)

// archMax holds the largest syscall numbers a profile names on one
// AUDIT_ARCH. x86_64 and x32 share an AUDIT_ARCH and are told apart by
// bit 30 of the syscall number, hence two slots.
type archMax struct {
	max, x32       uint32
	hasMax, hasX32 bool
}

// label names a position in the stub; the empty label means "next".
type label string

const (
	lblEnosys label = "enosys"
	lblOrig   label = "orig" // first instruction of the libseccomp program
)

type stubInsn struct {
	code   uint16
	k      uint32
	jt, jf label // targets of conditional jumps
	ja     label // target of BPF_JA
}

type stubAsm struct {
	insns  []stubInsn
	labels map[label]int
}

func (a *stubAsm) mark(l label)     { a.labels[l] = len(a.insns) }
func (a *stubAsm) emit(in stubInsn) { a.insns = append(a.insns, in) }

// resolve turns labels into the forward offsets cBPF jumps use.
func (a *stubAsm) resolve() ([]unix.SockFilter, error) {
	out := make([]unix.SockFilter, len(a.insns))
	off := func(i int, l label) (uint32, error) {
		if l == "" {
			return 0, nil
		}
		pos, ok := a.labels[l]
		if !ok || pos <= i {
			return 0, fmt.Errorf("enosys stub: bad jump from %d to %q", i, l)
		}
		return uint32(pos - i - 1), nil
	}
	for i, in := range a.insns {
		f := unix.SockFilter{Code: in.code, K: in.k}
		if in.ja != "" {
			k, err := off(i, in.ja)
			if err != nil {
				return nil, err
			}
			f.K = k
		}
		jt, err := off(i, in.jt)
		if err != nil {
			return nil, err
		}
		jf, err := off(i, in.jf)
		if err != nil {
			return nil, err
		}
		if jt > 255 || jf > 255 {
			return nil, fmt.Errorf("enosys stub: conditional jump at %d too long", i)
		}
		f.Jt, f.Jf = uint8(jt), uint8(jf)
		out[i] = f
	}
	return out, nil
}

// enosysStub builds the stub for the given per-AUDIT_ARCH maxima. It falls
// through to the instruction right after itself, where the libseccomp
// program must be placed. An empty map yields no stub.
func enosysStub(last map[uint32]archMax) ([]unix.SockFilter, error) {
	auditArches := make([]uint32, 0, len(last))
	for a, m := range last {
		if m.hasMax || m.hasX32 {
			auditArches = append(auditArches, a)
		}
	}
	if len(auditArches) == 0 {
		return nil, nil
	}
	sort.Slice(auditArches, func(i, j int) bool { return auditArches[i] < auditArches[j] })

	a := &stubAsm{labels: map[label]int{}}
	a.emit(stubInsn{code: opLdAbsW, k: offArch})
	for _, arch := range auditArches {
		a.emit(stubInsn{code: opJeq, k: arch, jt: archLabel(arch)})
	}
	a.emit(stubInsn{code: opJa, ja: lblOrig})
	for _, arch := range auditArches {
		a.mark(archLabel(arch))
		a.emit(stubInsn{code: opLdAbsW, k: offNr})
		emitArchCheck(a, arch, last[arch])
	}
	a.mark(lblEnosys)
	a.emit(stubInsn{code: opRetK, k: unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)})
	a.mark(lblOrig)
	return a.resolve()
}

func archLabel(arch uint32) label { return label(fmt.Sprintf("arch-%#x", arch)) }

// emitArchCheck emits the comparison of the syscall number (already in A)
// against the maxima of one architecture.
func emitArchCheck(a *stubAsm, arch uint32, m archMax) {
	if arch != unix.AUDIT_ARCH_X86_64 {
		a.emit(stubInsn{code: opJgt, k: m.max, jt: lblEnosys, jf: lblOrig})
		return
	}
	x32Label := label("x32")
	if !m.hasX32 {
		// x32 calls are libseccomp's business (bad-arch action).
		x32Label = lblOrig
	}
	a.emit(stubInsn{code: opJset, k: x32SyscallBit, jt: x32Label})
	if m.hasMax {
		a.emit(stubInsn{code: opJgt, k: m.max, jt: lblEnosys, jf: lblOrig})
	} else {
		a.emit(stubInsn{code: opJa, ja: lblOrig})
	}
	if m.hasX32 {
		a.mark(x32Label)
		a.emit(stubInsn{code: opJgt, k: m.x32, jt: lblEnosys, jf: lblOrig})
	}
}
