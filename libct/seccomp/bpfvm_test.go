package seccomp

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"
)

// seccompData mirrors struct seccomp_data.
type seccompData struct {
	nr   int32
	arch uint32
	ip   uint64
	args [6]uint64
}

func (d seccompData) bytes() []byte {
	b := make([]byte, 64)
	binary.NativeEndian.PutUint32(b[0:], uint32(d.nr))
	binary.NativeEndian.PutUint32(b[4:], d.arch)
	binary.NativeEndian.PutUint64(b[8:], d.ip)
	for i, a := range d.args {
		binary.NativeEndian.PutUint64(b[16+8*i:], a)
	}
	return b
}

// runBPF is a small classic-BPF interpreter restricted to what seccomp
// accepts, so the generated programs can be checked without a kernel.
func runBPF(prog []unix.SockFilter, d seccompData) (uint32, error) {
	data := d.bytes()
	var a, x uint32
	var mem [16]uint32
	for pc := 0; pc < len(prog); pc++ {
		in := prog[pc]
		k := in.K
		switch in.Code & 0x07 {
		case unix.BPF_LD:
			switch in.Code {
			case unix.BPF_LD | unix.BPF_W | unix.BPF_ABS:
				if k%4 != 0 || int(k)+4 > len(data) {
					return 0, fmt.Errorf("pc %d: bad load offset %d", pc, k)
				}
				a = binary.NativeEndian.Uint32(data[k:])
			case unix.BPF_LD | unix.BPF_IMM:
				a = k
			case unix.BPF_LD | unix.BPF_MEM:
				a = mem[k&15]
			case unix.BPF_LD | unix.BPF_W | unix.BPF_LEN:
				a = uint32(len(data))
			default:
				return 0, fmt.Errorf("pc %d: unsupported load %#x", pc, in.Code)
			}
		case unix.BPF_LDX:
			switch in.Code {
			case unix.BPF_LDX | unix.BPF_IMM:
				x = k
			case unix.BPF_LDX | unix.BPF_MEM:
				x = mem[k&15]
			case unix.BPF_LDX | unix.BPF_W | unix.BPF_LEN:
				x = uint32(len(data))
			default:
				return 0, fmt.Errorf("pc %d: unsupported ldx %#x", pc, in.Code)
			}
		case unix.BPF_ST:
			mem[k&15] = a
		case unix.BPF_STX:
			mem[k&15] = x
		case unix.BPF_ALU:
			v := k
			if in.Code&unix.BPF_X != 0 {
				v = x
			}
			var err error
			a, err = alu(in.Code&0xf0, a, v)
			if err != nil {
				return 0, fmt.Errorf("pc %d: %w", pc, err)
			}
		case unix.BPF_JMP:
			if in.Code&0xf0 == unix.BPF_JA {
				pc += int(k)
				break
			}
			v := k
			if in.Code&unix.BPF_X != 0 {
				v = x
			}
			var taken bool
			switch in.Code & 0xf0 {
			case unix.BPF_JEQ:
				taken = a == v
			case unix.BPF_JGT:
				taken = a > v
			case unix.BPF_JGE:
				taken = a >= v
			case unix.BPF_JSET:
				taken = a&v != 0
			default:
				return 0, fmt.Errorf("pc %d: unsupported jump %#x", pc, in.Code)
			}
			if taken {
				pc += int(in.Jt)
			} else {
				pc += int(in.Jf)
			}
		case unix.BPF_RET:
			if in.Code&0x18 == unix.BPF_A {
				return a, nil
			}
			return k, nil
		case unix.BPF_MISC:
			if in.Code&0xf8 == unix.BPF_TAX {
				x = a
			} else {
				a = x
			}
		}
	}
	return 0, fmt.Errorf("program fell off its end")
}

func alu(op uint16, a, v uint32) (uint32, error) {
	switch op {
	case unix.BPF_ADD:
		return a + v, nil
	case unix.BPF_SUB:
		return a - v, nil
	case unix.BPF_MUL:
		return a * v, nil
	case unix.BPF_DIV:
		if v == 0 {
			return 0, fmt.Errorf("division by zero")
		}
		return a / v, nil
	case unix.BPF_MOD:
		if v == 0 {
			return 0, fmt.Errorf("division by zero")
		}
		return a % v, nil
	case unix.BPF_OR:
		return a | v, nil
	case unix.BPF_AND:
		return a & v, nil
	case unix.BPF_XOR:
		return a ^ v, nil
	case unix.BPF_LSH:
		return a << (v & 31), nil
	case unix.BPF_RSH:
		return a >> (v & 31), nil
	case unix.BPF_NEG:
		return -a, nil
	}
	return 0, fmt.Errorf("unsupported alu op %#x", op)
}
