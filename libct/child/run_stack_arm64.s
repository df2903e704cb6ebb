#include "textflag.h"

// sigExit: see run_stack_amd64.s.
TEXT ·sigExit(SB),NOSPLIT|NOFRAME,$0
	MOVD	$2, R0
	MOVD	$94, R8	// exit_group
	SVC
	UNDEF

// func sigExitAddr() uintptr
TEXT ·sigExitAddr(SB),NOSPLIT|NOFRAME,$0-8
	MOVD	$·sigExit(SB), R0
	MOVD	R0, ret+0(FP)
	RET

// func cloneVM(args *cloneArgs, size uintptr, p *Program) (pid uintptr, errno uintptr)
//
// See run_stack_amd64.s; p reaches the child in R19, which a system call
// leaves as it was.
TEXT ·cloneVM(SB),NOSPLIT|NOFRAME,$0-40
	MOVD	args+0(FP), R0
	MOVD	size+8(FP), R1
	MOVD	p+16(FP), R19
	MOVD	$435, R8	// clone3
	SVC
	CBZ	R0, child
	CMN	$4095, R0
	BCS	fail
	MOVD	R0, pid+24(FP)
	MOVD	ZR, errno+32(FP)
	RET
fail:
	MOVD	ZR, pid+24(FP)
	NEG	R0, R0
	MOVD	R0, errno+32(FP)
	RET
child:
	SUB	$32, RSP
	MOVD	R19, 8(RSP)
	BL	·childStart(SB)
	UNDEF
