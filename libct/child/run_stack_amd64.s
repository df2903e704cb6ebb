#include "textflag.h"

// func runOnStack(p *Program, top uintptr)
//
// The child's first and only switch of stacks: it moves SP to top, the
// end of the stack the parent mapped for it (with a guard page below), and
// calls childMain(p), which never returns. Nothing of the Go runtime runs
// in the child, so no one else looks at SP.
TEXT ·runOnStack(SB),NOSPLIT|NOFRAME,$0-16
	MOVQ	p+0(FP), AX
	MOVQ	top+8(FP), SP
	SUBQ	$16, SP
	MOVQ	AX, 0(SP)
	CALL	·childMain(SB)
	INT	$3

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
