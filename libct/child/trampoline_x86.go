package child

import "encoding/binary"

// trampolineX86 is the trampoline's x86-64 code, and what fills in its
// absolute addresses (the errno table, the newline) and the table's size.
func trampolineX86() ([]byte, func(code []byte, table, nl uint64, n uint32)) {
	var c []byte
	at := func(b ...byte) int { c = append(c, b...); return len(c) }
	at(0x48, 0x8b, 0x0c, 0x24)       // mov rcx, [rsp]            argc
	at(0x48, 0x8d, 0x54, 0xcc, 0x10) // lea rdx, [rsp+rcx*8+16]   envp
	at(0x48, 0x8b, 0x7c, 0x24, 0x10) // mov rdi, [rsp+16]         argv[1]: path
	at(0x48, 0x8d, 0x74, 0x24, 0x18) // lea rsi, [rsp+24]         &argv[2]
	at(0xb8, 59, 0, 0, 0)            // mov eax, 59               execve
	at(0x0f, 0x05)                   // syscall
	// It failed: rax is -errno.
	at(0x48, 0xf7, 0xd8)                            // neg rax
	cmpN := at(0x48, 0x3d, 0, 0, 0, 0)              // cmp rax, n
	at(0x72, 0x02)                                  // jb +2
	at(0x31, 0xc0)                                  // xor eax, eax (an errno beyond the table: entry 0)
	at(0x48, 0xc1, 0xe0, 0x06)                      // shl rax, 6
	table := at(0x48, 0xbb, 0, 0, 0, 0, 0, 0, 0, 0) // movabs rbx, table
	at(0x48, 0x01, 0xc3)                            // add rbx, rax
	at(0x4c, 0x0f, 0xb6, 0x03)                      // movzx r8, byte [rbx]     the length
	at(0x48, 0xff, 0xc3)                            // inc rbx                  the words
	at(0x48, 0x8b, 0x74, 0x24, 0x08)                // mov rsi, [rsp+8]         argv[0]: prefix
	at(0x48, 0x31, 0xc9)                            // xor rcx, rcx
	loop := at(0x80, 0x3c, 0x0e, 0x00) - 4          // cmp byte [rsi+rcx], 0
	at(0x74, 0x05)                                  // je +5
	at(0x48, 0xff, 0xc1)                            // inc rcx
	back := at(0xeb, 0)                             // jmp loop
	c[back-1] = byte(int8(loop - back))
	at(0x48, 0x83, 0xec, 0x30)                   // sub rsp, 48              three iovecs
	at(0x48, 0x89, 0x34, 0x24)                   // mov [rsp], rsi
	at(0x48, 0x89, 0x4c, 0x24, 0x08)             // mov [rsp+8], rcx
	at(0x48, 0x89, 0x5c, 0x24, 0x10)             // mov [rsp+16], rbx
	at(0x4c, 0x89, 0x44, 0x24, 0x18)             // mov [rsp+24], r8
	nl := at(0x48, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0) // movabs rax, newline
	at(0x48, 0x89, 0x44, 0x24, 0x20)             // mov [rsp+32], rax
	at(0x48, 0xc7, 0x44, 0x24, 0x28, 1, 0, 0, 0) // mov qword [rsp+40], 1
	at(0xbf, 2, 0, 0, 0)                         // mov edi, 2
	at(0x48, 0x89, 0xe6)                         // mov rsi, rsp
	at(0xba, 3, 0, 0, 0)                         // mov edx, 3
	at(0xb8, 20, 0, 0, 0)                        // mov eax, 20               writev
	at(0x0f, 0x05)                               // syscall
	at(0xbf, 255, 0, 0, 0)                       // mov edi, 255
	at(0xb8, 231, 0, 0, 0)                       // mov eax, 231              exit_group
	at(0x0f, 0x05)                               // syscall
	return c, func(code []byte, tableAddr, nlAddr uint64, n uint32) {
		binary.LittleEndian.PutUint32(code[cmpN-4:], n)
		binary.LittleEndian.PutUint64(code[table-8:], tableAddr)
		binary.LittleEndian.PutUint64(code[nl-8:], nlAddr)
	}
}
