package cgroups

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The few eBPF instructions and bpf(2) commands the device filter needs,
// written out rather than taken from a general eBPF library: rt loads one
// kind of program, and a library that can load them all (BTF, ELF, kernel
// feature probes) is most of a megabyte of binary that every rt process
// maps and initialises.

// insn is struct bpf_insn; target is the index of the instruction a jump
// goes to (resolved into off by assemble).
type insn struct {
	code     uint8
	dst, src uint8
	off      int16
	imm      int32
	target   int
}

// Registers.
const (
	r0 = iota
	r1
	r2
	r3
	r4
	r5
)

// Opcodes (class | operation | source).
const (
	ldxMemW   = unix.BPF_LDX | unix.BPF_MEM | unix.BPF_W // dst = *(u32 *)(src + off)
	alu32AndK = unix.BPF_ALU | unix.BPF_AND | unix.BPF_K // dst = (u32)dst & imm
	alu32RshK = unix.BPF_ALU | unix.BPF_RSH | unix.BPF_K // dst = (u32)dst >> imm
	alu32MovX = unix.BPF_ALU | unix.BPF_MOV | unix.BPF_X // dst = (u32)src
	alu64MovK = unix.BPF_ALU64 | unix.BPF_MOV | unix.BPF_K
	jmpJneK   = unix.BPF_JMP | unix.BPF_JNE | unix.BPF_K // if dst != imm goto target
	jmpExit   = unix.BPF_JMP | unix.BPF_EXIT
)

func loadWord(dst, src uint8, off int16) insn {
	return insn{code: ldxMemW, dst: dst, src: src, off: off}
}
func and32(dst uint8, imm int32) insn  { return insn{code: alu32AndK, dst: dst, imm: imm} }
func rsh32(dst uint8, imm int32) insn  { return insn{code: alu32RshK, dst: dst, imm: imm} }
func mov32Reg(dst, src uint8) insn     { return insn{code: alu32MovX, dst: dst, src: src} }
func movImm(dst uint8, imm int32) insn { return insn{code: alu64MovK, dst: dst, imm: imm} }
func jneImm(dst uint8, imm int32, target int) insn {
	return insn{code: jmpJneK, dst: dst, imm: imm, target: target}
}
func exit() insn { return insn{code: jmpExit} }

// assemble encodes the program as the kernel reads it.
func assemble(prog []insn) ([]byte, error) {
	out := make([]byte, 0, 8*len(prog))
	for i, in := range prog {
		off := in.off
		if in.code == jmpJneK {
			rel := in.target - (i + 1)
			if in.target <= i || in.target > len(prog) || rel > 0x7fff {
				return nil, fmt.Errorf("instruction %d: jump to %d", i, in.target)
			}
			off = int16(rel)
		}
		out = append(out, in.code, in.src<<4|in.dst&0xf)
		out = binary.LittleEndian.AppendUint16(out, uint16(off))
		out = binary.LittleEndian.AppendUint32(out, uint32(in.imm))
	}
	return out, nil
}

// bpf is the bpf(2) system call with attr as its union bpf_attr.
func bpf[T any](cmd int, attr *T) (int, error) {
	r, _, e := unix.Syscall(unix.SYS_BPF, uintptr(cmd), uintptr(unsafe.Pointer(attr)), unsafe.Sizeof(*attr))
	if e != 0 {
		return int(r), e
	}
	return int(r), nil
}

// progLoadAttr is bpf_attr for BPF_PROG_LOAD (as far as it is used).
type progLoadAttr struct {
	progType    uint32
	insnCnt     uint32
	insns       uint64
	license     uint64
	logLevel    uint32
	logSize     uint32
	logBuf      uint64
	kernVersion uint32
	progFlags   uint32
}

// loadDeviceProgram loads prog as a BPF_PROG_TYPE_CGROUP_DEVICE program
// and returns its fd. A program the verifier refuses is reported with
// the verifier's log.
func loadDeviceProgram(prog []insn) (int, error) {
	code, err := assemble(prog)
	if err != nil {
		return -1, err
	}
	license := []byte("Apache-2.0\x00")
	attr := progLoadAttr{
		progType: unix.BPF_PROG_TYPE_CGROUP_DEVICE,
		insnCnt:  uint32(len(prog)),
		insns:    uint64(uintptr(unsafe.Pointer(&code[0]))),
		license:  uint64(uintptr(unsafe.Pointer(&license[0]))),
	}
	fd, err := bpf(unix.BPF_PROG_LOAD, &attr)
	if err == nil {
		return fd, nil
	}
	if !errors.Is(err, unix.EACCES) && !errors.Is(err, unix.EINVAL) {
		return -1, err
	}
	// Again with the verifier's log, to say why.
	log := make([]byte, 64<<10)
	attr.logLevel, attr.logSize = 1, uint32(len(log))
	attr.logBuf = uint64(uintptr(unsafe.Pointer(&log[0])))
	fd, err2 := bpf(unix.BPF_PROG_LOAD, &attr)
	if err2 == nil {
		return fd, nil
	}
	if n := clen(log); n > 0 {
		return -1, fmt.Errorf("%w: %s", err, log[:n])
	}
	return -1, err
}

func clen(b []byte) int {
	for i, c := range b {
		if c == 0 {
			return i
		}
	}
	return len(b)
}

// progAttachAttr is bpf_attr for BPF_PROG_ATTACH and BPF_PROG_DETACH.
type progAttachAttr struct {
	targetFd     uint32
	attachBpfFd  uint32
	attachType   uint32
	attachFlags  uint32
	replaceBpfFd uint32
}

func attachDeviceProgram(cgroupFd, progFd int) error {
	attr := progAttachAttr{
		targetFd: uint32(cgroupFd), attachBpfFd: uint32(progFd),
		attachType: unix.BPF_CGROUP_DEVICE, attachFlags: unix.BPF_F_ALLOW_MULTI,
	}
	_, err := bpf(unix.BPF_PROG_ATTACH, &attr)
	return err
}

func detachDeviceProgram(cgroupFd, progFd int) error {
	attr := progAttachAttr{targetFd: uint32(cgroupFd), attachBpfFd: uint32(progFd), attachType: unix.BPF_CGROUP_DEVICE}
	_, err := bpf(unix.BPF_PROG_DETACH, &attr)
	return err
}

// progQueryAttr is bpf_attr for BPF_PROG_QUERY.
type progQueryAttr struct {
	targetFd    uint32
	attachType  uint32
	queryFlags  uint32
	attachFlags uint32
	progIDs     uint64
	progCnt     uint32
	_           uint32
}

// attachedDevicePrograms returns the ids of the device programs attached
// to the cgroup itself.
func attachedDevicePrograms(cgroupFd int) ([]uint32, error) {
	ids := make([]uint32, 16)
	for {
		attr := progQueryAttr{
			targetFd: uint32(cgroupFd), attachType: unix.BPF_CGROUP_DEVICE,
			progIDs: uint64(uintptr(unsafe.Pointer(&ids[0]))), progCnt: uint32(len(ids)),
		}
		_, err := bpf(unix.BPF_PROG_QUERY, &attr)
		if errors.Is(err, unix.ENOSPC) && int(attr.progCnt) > len(ids) {
			ids = make([]uint32, attr.progCnt)
			continue
		}
		if err != nil {
			return nil, err
		}
		return ids[:attr.progCnt], nil
	}
}

// progGetFdAttr is bpf_attr for BPF_PROG_GET_FD_BY_ID.
type progGetFdAttr struct {
	id        uint32
	nextID    uint32
	openFlags uint32
}

func programByID(id uint32) (int, error) {
	attr := progGetFdAttr{id: id}
	// Like every fd bpf(2) returns, close-on-exec.
	return bpf(unix.BPF_PROG_GET_FD_BY_ID, &attr)
}
