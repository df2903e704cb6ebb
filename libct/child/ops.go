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
	opSymlinks
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
	opCloexec
	opSeccomp
	opUser
	opLookPath
	opHome
	opListenPid
	opHooks
	opExec
	opProcClose
	opMakeCwd
	opLoopback
	opDropTrampoline
	opMountHolder
)

var opNames = [...]string{
	opNone:           "none",
	opMount:          "mount",
	opOpenRoot:       "openroot",
	opChdir:          "chdir",
	opChroot:         "chroot",
	opMountEntry:     "mountentry",
	opDevice:         "device",
	opUmask:          "umask",
	opSymlinks:       "symlinks",
	opPivot:          "pivot",
	opMoveRoot:       "moveroot",
	opNewConsole:     "newconsole",
	opAttachTerminal: "attachterminal",
	opSetupConsole:   "setupconsole",
	opReadonly:       "readonly",
	opMask:           "mask",
	opFinishRO:       "finishro",
	opProcWrite:      "procwrite",
	opKeyring:        "keyring",
	opSend:           "send",
	opExpect:         "expect",
	opAsk:            "ask",
	opPrctl:          "prctl",
	opUnshare:        "unshare",
	opSethostname:    "sethostname",
	opSetdomainname:  "setdomainname",
	opJoinNs:         "joinns",
	opWaitIDMap:      "waitidmap",
	opTimeOffsets:    "timeoffsets",
	opForkInit:       "forkinit",
	opCloseFd:        "closefd",
	opWaitStart:      "waitstart",
	opSetsid:         "setsid",
	opPersonality:    "personality",
	opMempolicy:      "mempolicy",
	opAffinity:       "affinity",
	opSched:          "sched",
	opIoprio:         "ioprio",
	opCwd:            "cwd",
	opCheckCwd:       "checkcwd",
	opRlimit:         "rlimit",
	opCloexec:        "cloexec",
	opSeccomp:        "seccomp",
	opUser:           "user",
	opLookPath:       "lookpath",
	opHome:           "home",
	opListenPid:      "listenpid",
	opHooks:          "hooks",
	opExec:           "exec",
	opProcClose:      "procclose",
	opMakeCwd:        "makecwd",
	opLoopback:       "loopback",
	opDropTrampoline: "droptrampoline",
	opMountHolder:    "mountholder",
}

func (o op) String() string {
	if int(o) < len(opNames) {
		return opNames[o]
	}
	return "op?"
}
