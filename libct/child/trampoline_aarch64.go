package child

import "encoding/binary"

// trampolineAArch64 is the trampoline's AArch64 code (see trampoline.go), and
// what fills in its literals: the errno table's and the newline's
// addresses and the table's size, which the code loads PC-relative from
// after itself. The encodings are those Go's own assembler gives the
// instructions in the comments (TestTrampolineAArch64 runs it under qemu-aarch64).
func trampolineAArch64() ([]byte, func(code []byte, table, nl uint64, n uint32)) {
	var w []uint32
	at := func(ins uint32) int { w = append(w, ins); return len(w) - 1 }
	at(0xf94003e9) // MOVD (RSP), R9           argc
	at(0x910003ea) // MOVD RSP, R10
	at(0x8b090d42) // ADD R9<<3, R10, R2
	at(0x91004042) // ADD $16, R2, R2          envp
	at(0xf9400be0) // MOVD 16(RSP), R0         argv[1]: path
	at(0x910063e1) // ADD $24, RSP, R1         &argv[2]
	at(0xd2801ba8) // MOVD $221, R8            execve
	at(0xd4000001) // SVC
	// It failed: R0 is -errno.
	at(0xcb0003e0)             // NEG R0, R0
	ldrCount := at(0x1800000a) // MOVWU count, R10 (LDR literal)
	at(0xeb0a001f)             // CMP R10, R0
	at(0x54000043)             // BLO 2(PC)
	at(0xaa1f03e0)             // MOVD ZR, R0 (an errno beyond the table: entry 0)
	at(0xd37ae400)             // LSL $6, R0, R0
	ldrTable := at(0x5800000b) // MOVD table, R11 (LDR literal)
	at(0x8b00016b)             // ADD R0, R11, R11
	at(0x3840156c)             // MOVBU.P 1(R11), R12    the length; R11: the words
	at(0xf94007ed)             // MOVD 8(RSP), R13       argv[0]: prefix
	at(0xaa1f03ee)             // MOVD ZR, R14
	at(0x386e69af)             // MOVBU (R13)(R14), R15
	at(0xb400006f)             // CBZ R15, 3(PC)
	at(0x910005ce)             // ADD $1, R14, R14
	at(0x17fffffd)             // JMP -3(PC)
	at(0xd100c3ff)             // SUB $48, RSP, RSP       three iovecs
	at(0xa9003bed)             // STP (R13, R14), (RSP)
	at(0xa90133eb)             // STP (R11, R12), 16(RSP)
	ldrNl := at(0x5800000f)    // MOVD nl, R15 (LDR literal)
	at(0xb24003f0)             // ORR $1, ZR, R16
	at(0xa90243ef)             // STP (R15, R16), 32(RSP)
	at(0xb27f03e0)             // ORR $2, ZR, R0
	at(0x910003e1)             // MOVD RSP, R1
	at(0xb24007e2)             // ORR $3, ZR, R2
	at(0xd2800848)             // MOVD $66, R8            writev
	at(0xd4000001)             // SVC
	at(0xb2401fe0)             // ORR $255, ZR, R0
	at(0xd2800bc8)             // MOVD $94, R8            exit_group
	at(0xd4000001)             // SVC
	// The literals, 8-aligned: table, newline, count.
	if len(w)%2 != 0 {
		at(0xd503201f) // NOP
	}
	lit := len(w) * 4
	code := make([]byte, lit+24)
	for i, ins := range w {
		binary.LittleEndian.PutUint32(code[4*i:], ins)
	}
	// LDR (literal): imm19, in words from the instruction, at bit 5.
	point := func(ins, off int) {
		v := binary.LittleEndian.Uint32(code[4*ins:])
		binary.LittleEndian.PutUint32(code[4*ins:], v|uint32((off-4*ins)/4)<<5)
	}
	point(ldrTable, lit)
	point(ldrNl, lit+8)
	point(ldrCount, lit+16)
	return code, func(code []byte, table, nl uint64, n uint32) {
		binary.LittleEndian.PutUint64(code[lit:], table)
		binary.LittleEndian.PutUint64(code[lit+8:], nl)
		binary.LittleEndian.PutUint32(code[lit+16:], n)
	}
}
