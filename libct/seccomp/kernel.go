package seccomp

import (
	"fmt"
	"os"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// ActionsAvailFile is where the kernel lists the filter return actions it
// knows (a variable for tests).
var ActionsAvailFile = "/proc/sys/kernel/seccomp/actions_avail"

// kernelActionNames are the kernel's names (actions_avail) of the spec's
// actions.
var kernelActionNames = map[specs.LinuxSeccompAction]string{
	specs.ActKill:        "kill_thread",
	specs.ActKillThread:  "kill_thread",
	specs.ActKillProcess: "kill_process",
	specs.ActTrap:        "trap",
	specs.ActErrno:       "errno",
	specs.ActTrace:       "trace",
	specs.ActAllow:       "allow",
	specs.ActLog:         "log",
	specs.ActNotify:      "user_notif",
}

// KernelLacks is what this kernel cannot do of cfg, which Validate has
// accepted: actions it does not know (the filter would fail to load) as
// problems, each with the profile's field; optional flags it does not
// know (Load leaves them out) as notes. An empty section asks for nothing.
func KernelLacks(cfg *specs.LinuxSeccomp) (problems, notes []FieldLack) {
	if isDisabled(cfg) {
		return nil, nil
	}
	b, err := os.ReadFile(ActionsAvailFile)
	if err != nil {
		return []FieldLack{{"", fmt.Sprintf("the kernel has no seccomp filters (%v)", err)}}, nil
	}
	avail := strings.Fields(string(b))
	seen := map[specs.LinuxSeccompAction]bool{}
	check := func(field string, act specs.LinuxSeccompAction) {
		name := kernelActionNames[act]
		if name == "" || seen[act] {
			return
		}
		seen[act] = true
		for _, a := range avail {
			if a == name {
				return
			}
		}
		problems = append(problems, FieldLack{field, fmt.Sprintf("the kernel does not know the action %s (%s is not in %s)", act, name, ActionsAvailFile)})
	}
	check("defaultAction", cfg.DefaultAction)
	for i, sc := range cfg.Syscalls {
		check(fmt.Sprintf("syscalls[%d].action", i), sc.Action)
	}
	if hasNotify(cfg) && !flagSupported(unix.SECCOMP_FILTER_FLAG_NEW_LISTENER) {
		problems = append(problems, FieldLack{"listenerPath", "the kernel does not support SCMP_ACT_NOTIFY listeners (need Linux >= 5.0)"})
	}
	for i, f := range cfg.Flags {
		bit := flagBits[f]
		if f == flagTsync || bit == 0 {
			continue // accepted and ignored, see kernelFlags
		}
		probe := bit
		if f == specs.LinuxSeccompFlagWaitKillableRecv {
			if !hasNotify(cfg) {
				continue
			}
			probe |= unix.SECCOMP_FILTER_FLAG_NEW_LISTENER
		}
		if !flagSupported(probe) {
			notes = append(notes, FieldLack{fmt.Sprintf("flags[%d]", i), fmt.Sprintf("the kernel does not know %s: it is left out", f)})
		}
	}
	return problems, notes
}

// FieldLack is a field of linux.seccomp ("" for the whole section) and
// what the kernel lacks for it.
type FieldLack struct {
	Field string
	Why   string
}
