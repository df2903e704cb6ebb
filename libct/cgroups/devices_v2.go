package cgroups

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"
)

// cgroup v2 has no devices files: access is decided by
// BPF_PROG_TYPE_CGROUP_DEVICE programs attached to the cgroup. The program
// gets struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }
// where access_type is (access << 16) | type.
const (
	bpfDevBlock = 1 // BPF_DEVCG_DEV_BLOCK
	bpfDevChar  = 2 // BPF_DEVCG_DEV_CHAR

	bpfAccMknod = 1 // BPF_DEVCG_ACC_MKNOD
	bpfAccRead  = 2 // BPF_DEVCG_ACC_READ
	bpfAccWrite = 4 // BPF_DEVCG_ACC_WRITE
)

func accessBits(a string) int32 {
	var b int32
	for _, c := range a {
		switch c {
		case 'm':
			b |= bpfAccMknod
		case 'r':
			b |= bpfAccRead
		case 'w':
			b |= bpfAccWrite
		}
	}
	return b
}

// deviceFilter compiles rules into a program with v1's "last matching
// rule wins" semantics: rules are checked from the last to the first and
// the first match returns. A request matches a rule when all requested
// access bits are in the rule. No match denies.
func deviceFilter(rules []devRule) asm.Instructions {
	insns := asm.Instructions{
		asm.LoadMem(asm.R2, asm.R1, 0, asm.Word),
		asm.And.Imm32(asm.R2, 0xffff), // R2 = device type
		asm.LoadMem(asm.R3, asm.R1, 0, asm.Word),
		asm.RSh.Imm32(asm.R3, 16),                // R3 = requested access
		asm.LoadMem(asm.R4, asm.R1, 4, asm.Word), // R4 = major
		asm.LoadMem(asm.R5, asm.R1, 8, asm.Word), // R5 = minor
	}
	n := 0
	for i := len(rules) - 1; i >= 0; i-- {
		r := rules[i]
		next := "rule" + strconv.Itoa(n+1)
		var block asm.Instructions
		if r.typ != 'a' {
			t := int32(bpfDevChar)
			if r.typ == 'b' {
				t = bpfDevBlock
			}
			block = append(block, asm.JNE.Imm(asm.R2, t, next))
		}
		if acc := accessBits(r.access); acc != bpfAccMknod|bpfAccRead|bpfAccWrite {
			block = append(block,
				asm.Mov.Reg32(asm.R1, asm.R3),
				asm.And.Imm32(asm.R1, ^acc),
				asm.JNE.Imm(asm.R1, 0, next))
		}
		if r.major >= 0 {
			block = append(block, asm.JNE.Imm(asm.R4, int32(r.major), next))
		}
		if r.minor >= 0 {
			block = append(block, asm.JNE.Imm(asm.R5, int32(r.minor), next))
		}
		ret := int32(0)
		if r.allow {
			ret = 1
		}
		unconditional := len(block) == 0
		block = append(block, asm.Mov.Imm(asm.R0, ret), asm.Return())
		block[0] = block[0].WithSymbol("rule" + strconv.Itoa(n))
		insns = append(insns, block...)
		n++
		if unconditional {
			// Everything after it is unreachable, which the verifier
			// rejects.
			return insns
		}
	}
	insns = append(insns,
		asm.Mov.Imm(asm.R0, 0).WithSymbol("rule"+strconv.Itoa(n)),
		asm.Return())
	return insns
}

// setDevicesV2 attaches a filter for rules to the cgroup at dir and then
// detaches the filters that were there before, so an update never leaves
// the cgroup without a filter.
func setDevicesV2(dir string, rules []devRule) error {
	for _, r := range rules {
		if r.major > 0x7fffffff || r.minor > 0x7fffffff {
			return fieldError("devices", "device number in %q is out of range", r.String())
		}
	}
	prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Type:         ebpf.CGroupDevice,
		Instructions: deviceFilter(rules),
		License:      "Apache-2.0",
	})
	if err != nil {
		return fieldError("devices", "load device filter: %v", err)
	}
	defer prog.Close()

	fd, err := unix.Open(dir, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", dir, err)
	}
	defer unix.Close(fd)

	old, err := link.QueryPrograms(link.QueryOptions{Target: fd, Attach: ebpf.AttachCGroupDevice})
	if err != nil {
		return fieldError("devices", "query device filters of %s: %v", dir, err)
	}
	err = link.RawAttachProgram(link.RawAttachProgramOptions{
		Target:  fd,
		Program: prog,
		Attach:  ebpf.AttachCGroupDevice,
		Flags:   unix.BPF_F_ALLOW_MULTI,
	})
	if err != nil {
		return fieldError("devices", "attach device filter to %s: %v", dir, err)
	}
	var errs []error
	for _, ap := range old.Programs {
		if err := detachProgram(fd, ap.ID); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fieldError("devices", "detach old device filters of %s: %v", dir, err)
	}
	return nil
}

func detachProgram(fd int, id ebpf.ProgramID) error {
	p, err := ebpf.NewProgramFromID(id)
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open program %d: %w", id, err)
	}
	defer p.Close()
	err = link.RawDetachProgram(link.RawDetachProgramOptions{
		Target:  fd,
		Program: p,
		Attach:  ebpf.AttachCGroupDevice,
	})
	if err != nil {
		return fmt.Errorf("detach program %d: %w", id, err)
	}
	return nil
}
