#include "textflag.h"

// sigExit is the child's handler of the signals that end it (see
// catchSignals): the kernel calls it with the C ABI, and it exits.
TEXT ·sigExit(SB),NOSPLIT|NOFRAME,$0
	MOVL	$2, DI
	MOVL	$231, AX	// exit_group
	SYSCALL
	INT	$3

// func sigExitAddr() uintptr
TEXT ·sigExitAddr(SB),NOSPLIT|NOFRAME,$0-8
	LEAQ	·sigExit(SB), AX
	MOVQ	AX, ret+0(FP)
	RET

// func cloneVM(args *cloneArgs, size uintptr, p *Program) (pid uintptr, errno uintptr)
//
// clone3 with CLONE_VM: the child shares rt's memory and starts on the
// stack args names (SP at its top), never on the stack of the goroutine
// that called this, which the parent goes on using. The child calls
// childStart(p), which never returns; p reaches it in R12, which a
// system call leaves as it was (in the child too).
TEXT ·cloneVM(SB),NOSPLIT|NOFRAME,$0-40
	MOVQ	args+0(FP), DI
	MOVQ	size+8(FP), SI
	MOVQ	p+16(FP), R12
	MOVL	$435, AX	// clone3
	SYSCALL
	TESTQ	AX, AX
	JEQ	child
	CMPQ	AX, $0xfffffffffffff001
	JLS	ok
	MOVQ	$0, pid+24(FP)
	NEGQ	AX
	MOVQ	AX, errno+32(FP)
	RET
ok:
	MOVQ	AX, pid+24(FP)
	MOVQ	$0, errno+32(FP)
	RET
child:
	SUBQ	$16, SP
	MOVQ	R12, 0(SP)
	CALL	·childStart(SB)
	INT	$3
