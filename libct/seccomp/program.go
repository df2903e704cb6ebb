package seccomp

import (
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// Program is a compiled seccomp profile, ready to be loaded without
// libseccomp.
type Program struct {
	// Filter is the complete cBPF program (ENOSYS stub included).
	Filter []unix.SockFilter
	// Flags are the SECCOMP_FILTER_FLAG_* bits the profile asks for
	// (TSYNC, LOG, SPEC_ALLOW, WAIT_KILLABLE_RECV). Load ignores TSYNC,
	// drops the ones the kernel does not know and adds NEW_LISTENER itself.
	Flags uint
	// Notify is set when some rule uses SCMP_ACT_NOTIFY.
	Notify bool
}

// Serialized layout, little endian:
//
//	magic "rtsc" | version u8 | notify u8 | 2 reserved bytes | flags u32 |
//	count u32 | count * (code u16, jt u8, jf u8, k u32)
const (
	progMagic   = "rtsc"
	progVersion = 1
	headerLen   = 16
	insnLen     = 8
	// bpfMaxInsns is the kernel's BPF_MAXINSNS limit for cBPF programs.
	bpfMaxInsns = 4096
)

// knownFlags are the bits a Program may carry; anything else in a
// serialized program means it was not produced by this package.
const knownFlags = unix.SECCOMP_FILTER_FLAG_TSYNC | unix.SECCOMP_FILTER_FLAG_LOG |
	unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW | unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV

// Bytes serializes p for shipping to the container init (and for the cache).
// A nil Program serializes to nil.
func (p *Program) Bytes() []byte {
	if p == nil {
		return nil
	}
	b := make([]byte, headerLen, headerLen+insnLen*len(p.Filter))
	copy(b, progMagic)
	b[4] = progVersion
	if p.Notify {
		b[5] = 1
	}
	binary.LittleEndian.PutUint32(b[8:], uint32(p.Flags))
	binary.LittleEndian.PutUint32(b[12:], uint32(len(p.Filter)))
	for _, in := range p.Filter {
		b = binary.LittleEndian.AppendUint16(b, in.Code)
		b = append(b, in.Jt, in.Jf)
		b = binary.LittleEndian.AppendUint32(b, in.K)
	}
	return b
}

// FromBytes parses the output of Bytes. Empty input yields a nil Program
// (seccomp disabled), mirroring Bytes.
func FromBytes(b []byte) (*Program, error) {
	if len(b) == 0 {
		return nil, nil
	}
	if len(b) < headerLen || string(b[:4]) != progMagic {
		return nil, errors.New("seccomp program: bad header")
	}
	if b[4] != progVersion {
		return nil, fmt.Errorf("seccomp program: unsupported version %d", b[4])
	}
	if b[5] > 1 || b[6] != 0 || b[7] != 0 {
		return nil, errors.New("seccomp program: bad header")
	}
	flags := uint(binary.LittleEndian.Uint32(b[8:]))
	if flags&^knownFlags != 0 {
		return nil, fmt.Errorf("seccomp program: unknown flags %#x", flags&^knownFlags)
	}
	n := binary.LittleEndian.Uint32(b[12:])
	if n == 0 || n > bpfMaxInsns {
		return nil, fmt.Errorf("seccomp program: %d instructions (want 1..%d)", n, bpfMaxInsns)
	}
	if uint64(len(b)) != headerLen+uint64(n)*insnLen {
		return nil, fmt.Errorf("seccomp program: %d bytes for %d instructions", len(b), n)
	}
	p := &Program{Flags: flags, Notify: b[5] == 1, Filter: make([]unix.SockFilter, n)}
	for i := range p.Filter {
		o := headerLen + i*insnLen
		p.Filter[i] = unix.SockFilter{
			Code: binary.LittleEndian.Uint16(b[o:]),
			Jt:   b[o+2],
			Jf:   b[o+3],
			K:    binary.LittleEndian.Uint32(b[o+4:]),
		}
	}
	return p, nil
}
