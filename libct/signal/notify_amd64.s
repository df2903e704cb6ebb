#include "textflag.h"

// handler: the kernel calls it with the C ABI, the signal's number in DI,
// on the thread's alternate signal stack, every other signal blocked. In
// rt's own process (getpid is ownerPID) it writes that number as one byte
// to the pipe at writeFD; in a child that inherited the handler it does
// nothing, as writeFD may by then be another of that child's files. It
// returns to the restorer. The kernel restores every register at
// rt_sigreturn, so nothing here needs saving; nothing touches Go's runtime.
TEXT ·handler(SB),NOSPLIT|NOFRAME,$0
	SUBQ	$16, SP
	MOVB	DI, 0(SP)
	MOVL	$39, AX	// getpid
	SYSCALL
	CMPL	AX, ·ownerPID(SB)
	JNE	done
	MOVLQSX	·writeFD(SB), DI
	MOVQ	SP, SI
	MOVL	$1, DX
	MOVL	$1, AX	// write
	SYSCALL
done:
	ADDQ	$16, SP
	RET

// restorer is where the handler returns to (x86-64 wants SA_RESTORER).
TEXT ·restorer(SB),NOSPLIT|NOFRAME,$0
	MOVL	$15, AX	// rt_sigreturn
	SYSCALL
	INT	$3

// func handlerAddr() uintptr
TEXT ·handlerAddr(SB),NOSPLIT|NOFRAME,$0-8
	LEAQ	·handler(SB), AX
	MOVQ	AX, ret+0(FP)
	RET

// func restorerAddr() uintptr
TEXT ·restorerAddr(SB),NOSPLIT|NOFRAME,$0-8
	LEAQ	·restorer(SB), AX
	MOVQ	AX, ret+0(FP)
	RET
