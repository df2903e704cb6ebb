package child

// op is a step's operation; run_steps.go's do is the interpreter.
type op uint8

const (
	opNone op = iota
	opMount
	opOpenRoot
	opChdir
	opChroot
	opMountEntry
	opDevice
	opUmask
	opDevSymlinks
	opPivot
	opMoveRoot
	opNewConsole
	opAttachTerminal
	opSetupConsole
	opReadonly
	opMask
	opFinishRO
	opProcWrite
	opKeyring
	opSend
	opExpect
	opAsk
	opPrctl
	opUnshare
	opSethostname
	opSetdomainname
	opJoinNs
	opWaitIDMap
	opTimeOffsets
	opForkInit
	opCloseFd
	opWaitStart
	opSetsid
	opPersonality
	opMempolicy
	opAffinity
	opSched
	opIoprio
	opCwd
	opCheckCwd
	opRlimit
	opCheckRlimit
	opCloexec
	opSeccomp
	opUser
	opLookPath
	opHome
	opListenPid
	opHooks
	opExec
	opProcClose
)
