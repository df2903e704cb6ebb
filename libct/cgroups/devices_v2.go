package cgroups

import (
	"errors"
	"fmt"

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
func deviceFilter(rules []devRule) []insn {
	prog := []insn{
		loadWord(r2, r1, 0),
		and32(r2, 0xffff), // R2 = device type
		loadWord(r3, r1, 0),
		rsh32(r3, 16),       // R3 = requested access
		loadWord(r4, r1, 4), // R4 = major
		loadWord(r5, r1, 8), // R5 = minor
	}
	for i := len(rules) - 1; i >= 0; i-- {
		r := rules[i]
		// The block's jumps go to the next block: its start is known
		// once the block is complete.
		start := len(prog)
		if r.typ != 'a' {
			t := int32(bpfDevChar)
			if r.typ == 'b' {
				t = bpfDevBlock
			}
			prog = append(prog, jneImm(r2, t, -1))
		}
		if acc := accessBits(r.access); acc != bpfAccMknod|bpfAccRead|bpfAccWrite {
			prog = append(prog, mov32Reg(r1, r3), and32(r1, ^acc), jneImm(r1, 0, -1))
		}
		if r.major >= 0 {
			prog = append(prog, jneImm(r4, int32(r.major), -1))
		}
		if r.minor >= 0 {
			prog = append(prog, jneImm(r5, int32(r.minor), -1))
		}
		unconditional := len(prog) == start
		ret := int32(0)
		if r.allow {
			ret = 1
		}
		prog = append(prog, movImm(r0, ret), exit())
		for j := start; j < len(prog); j++ {
			if prog[j].target == -1 {
				prog[j].target = len(prog)
			}
		}
		if unconditional {
			// Everything after it is unreachable, which the verifier
			// rejects.
			return prog
		}
	}
	return append(prog, movImm(r0, 0), exit())
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
	prog, err := loadDeviceProgram(deviceFilter(rules))
	if err != nil {
		return fieldError("devices", "load device filter: %v", err)
	}
	defer unix.Close(prog)

	fd, err := unix.Open(dir, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", dir, err)
	}
	defer unix.Close(fd)

	old, err := attachedDevicePrograms(fd)
	if err != nil {
		return fieldError("devices", "query device filters of %s: %v", dir, err)
	}
	if err := attachDeviceProgram(fd, prog); err != nil {
		return fieldError("devices", "attach device filter to %s: %v", dir, err)
	}
	var errs []error
	for _, id := range old {
		if err := detachProgram(fd, id); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fieldError("devices", "detach old device filters of %s: %v", dir, err)
	}
	return nil
}

func detachProgram(fd int, id uint32) error {
	p, err := programByID(id)
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open program %d: %w", id, err)
	}
	defer unix.Close(p)
	if err := detachDeviceProgram(fd, p); err != nil {
		return fmt.Errorf("detach program %d: %w", id, err)
	}
	return nil
}
