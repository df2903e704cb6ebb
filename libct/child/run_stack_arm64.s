#include "textflag.h"

// func runOnStack(p *Program, top uintptr)
//
// See run_stack_amd64.s.
TEXT ·runOnStack(SB),NOSPLIT|NOFRAME,$0-16
	MOVD	p+0(FP), R0
	MOVD	top+8(FP), R1
	MOVD	R1, RSP
	SUB	$32, RSP
	MOVD	R0, 8(RSP)
	BL	·childMain(SB)
	UNDEF

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
