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
