#include "textflag.h"

// handler: see notify_amd64.s. The signal's number arrives in R0, and the
// kernel points the link register at the restorer.
TEXT ·handler(SB),NOSPLIT|NOFRAME,$0
	SUB	$16, RSP
	MOVB	R0, 0(RSP)
	MOVD	$172, R8	// getpid
	SVC
	MOVW	·ownerPID(SB), R1
	CMPW	R1, R0
	BNE	done
	MOVW	·writeFD(SB), R0
	MOVD	RSP, R1
	MOVD	$1, R2
	MOVD	$64, R8	// write
	SVC
done:
	ADD	$16, RSP
	RET

// restorer is where the handler returns to.
TEXT ·restorer(SB),NOSPLIT|NOFRAME,$0
	MOVD	$139, R8	// rt_sigreturn
	SVC
	UNDEF

// func handlerAddr() uintptr
TEXT ·handlerAddr(SB),NOSPLIT|NOFRAME,$0-8
	MOVD	$·handler(SB), R0
	MOVD	R0, ret+0(FP)
	RET

// func restorerAddr() uintptr
TEXT ·restorerAddr(SB),NOSPLIT|NOFRAME,$0-8
	MOVD	$·restorer(SB), R0
	MOVD	R0, ret+0(FP)
	RET
