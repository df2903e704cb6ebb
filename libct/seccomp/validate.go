// Package seccomp turns the linux.seccomp section of an OCI config into a
// cBPF program, caches it, loads it with seccomp(2) and hands notify
// listeners to a seccomp agent.
//
// Compilation (libseccomp, cgo) happens in the runtime; the container init
// only needs Program.Load, which is a raw syscall.
package seccomp

import (
	"errors"
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// flagTsync has no constant in specs-go although the spec lists it.
const flagTsync specs.LinuxSeccompFlag = "SECCOMP_FILTER_FLAG_TSYNC"

// maxArgs is the number of syscall arguments seccomp_data carries.
const maxArgs = 6

// maxRet is the widest value the 16-bit SECCOMP_RET_DATA field can carry.
const maxRet = 0xffff

// archInfo describes one SCMP_ARCH_* name: the name libseccomp-golang
// parses, and the AUDIT_ARCH_* value the kernel puts in seccomp_data.arch
// (0 when the ENOSYS stub cannot handle that architecture).
type archInfo struct {
	scmpName  string
	auditArch uint32
	x32       bool // x32 shares AUDIT_ARCH_X86_64 and marks syscalls with bit 30
}

var arches = map[specs.Arch]archInfo{
	specs.ArchX86:         {"x86", unix.AUDIT_ARCH_I386, false},
	specs.ArchX86_64:      {"amd64", unix.AUDIT_ARCH_X86_64, false},
	specs.ArchX32:         {"x32", unix.AUDIT_ARCH_X86_64, true},
	specs.ArchARM:         {"arm", unix.AUDIT_ARCH_ARM, false},
	specs.ArchAARCH64:     {"arm64", unix.AUDIT_ARCH_AARCH64, false},
	specs.ArchMIPS:        {"mips", unix.AUDIT_ARCH_MIPS, false},
	specs.ArchMIPS64:      {"mips64", unix.AUDIT_ARCH_MIPS64, false},
	specs.ArchMIPS64N32:   {"mips64n32", unix.AUDIT_ARCH_MIPS64N32, false},
	specs.ArchMIPSEL:      {"mipsel", unix.AUDIT_ARCH_MIPSEL, false},
	specs.ArchMIPSEL64:    {"mipsel64", unix.AUDIT_ARCH_MIPSEL64, false},
	specs.ArchMIPSEL64N32: {"mipsel64n32", unix.AUDIT_ARCH_MIPSEL64N32, false},
	specs.ArchPPC:         {"ppc", unix.AUDIT_ARCH_PPC, false},
	specs.ArchPPC64:       {"ppc64", unix.AUDIT_ARCH_PPC64, false},
	specs.ArchPPC64LE:     {"ppc64le", unix.AUDIT_ARCH_PPC64LE, false},
	// s390 multiplexes unknown syscalls through nr 0, which a "greater than
	// the last known syscall" stub cannot see, so it gets no stub.
	specs.ArchS390:        {"s390", 0, false},
	specs.ArchS390X:       {"s390x", 0, false},
	specs.ArchPARISC:      {"parisc", unix.AUDIT_ARCH_PARISC, false},
	specs.ArchPARISC64:    {"parisc64", unix.AUDIT_ARCH_PARISC64, false},
	specs.ArchRISCV64:     {"riscv64", unix.AUDIT_ARCH_RISCV64, false},
	specs.ArchLOONGARCH64: {"loong64", unix.AUDIT_ARCH_LOONGARCH64, false},
	specs.ArchM68K:        {"m68k", unix.AUDIT_ARCH_M68K, false},
	specs.ArchSH:          {"sh", 0, false},
	specs.ArchSHEB:        {"sheb", 0, false},
}

// flagBits maps the spec's flag names to SECCOMP_FILTER_FLAG_* bits.
var flagBits = map[specs.LinuxSeccompFlag]uint{
	flagTsync:                              unix.SECCOMP_FILTER_FLAG_TSYNC,
	specs.LinuxSeccompFlagLog:              unix.SECCOMP_FILTER_FLAG_LOG,
	specs.LinuxSeccompFlagSpecAllow:        unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW,
	specs.LinuxSeccompFlagWaitKillableRecv: unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
}

var actions = map[specs.LinuxSeccompAction]bool{
	specs.ActKill:        true,
	specs.ActKillProcess: true,
	specs.ActKillThread:  true,
	specs.ActTrap:        true,
	specs.ActErrno:       true,
	specs.ActTrace:       true,
	specs.ActAllow:       true,
	specs.ActLog:         true,
	specs.ActNotify:      true,
}

var operators = map[specs.LinuxSeccompOperator]bool{
	specs.OpNotEqual:     true,
	specs.OpLessThan:     true,
	specs.OpLessEqual:    true,
	specs.OpEqualTo:      true,
	specs.OpGreaterEqual: true,
	specs.OpGreaterThan:  true,
	specs.OpMaskedEqual:  true,
}

// isDisabled reports a section that asks for nothing; runc treats a
// profile with neither a default action nor rules as "no seccomp".
func isDisabled(cfg *specs.LinuxSeccomp) bool {
	return cfg == nil || (cfg.DefaultAction == "" && len(cfg.Syscalls) == 0)
}

// Validate checks cfg without libseccomp. Unknown syscall names are not an
// error: they are skipped at compile time because the profile may list
// syscalls this kernel or libseccomp does not know yet.
func Validate(cfg *specs.LinuxSeccomp) error {
	if isDisabled(cfg) {
		return nil
	}
	if err := validateAction("defaultAction", cfg.DefaultAction, cfg.DefaultErrnoRet); err != nil {
		return err
	}
	// The notified process would block on every syscall, including the
	// ones the runtime needs to hand the listener over.
	if cfg.DefaultAction == specs.ActNotify {
		return errors.New("seccomp: defaultAction SCMP_ACT_NOTIFY is not supported")
	}
	for _, a := range cfg.Architectures {
		if _, ok := arches[a]; !ok {
			return fmt.Errorf("seccomp: unknown architecture %q", a)
		}
	}
	for _, f := range cfg.Flags {
		if _, ok := flagBits[f]; !ok {
			return fmt.Errorf("seccomp: unknown flag %q", f)
		}
	}
	if cfg.ListenerMetadata != "" && cfg.ListenerPath == "" {
		return errors.New("seccomp: listenerMetadata is set without listenerPath")
	}
	for i := range cfg.Syscalls {
		if err := validateSyscall(i, &cfg.Syscalls[i]); err != nil {
			return err
		}
	}
	if hasNotify(cfg) && cfg.ListenerPath == "" {
		return errors.New("seccomp: SCMP_ACT_NOTIFY is used but listenerPath is not set")
	}
	return nil
}

func validateAction(what string, act specs.LinuxSeccompAction, errnoRet *uint) error {
	if act == "" {
		return fmt.Errorf("seccomp: %s is empty", what)
	}
	if !actions[act] {
		return fmt.Errorf("seccomp: %s: unknown action %q", what, act)
	}
	if errnoRet == nil {
		return nil
	}
	if act != specs.ActErrno && act != specs.ActTrace {
		return fmt.Errorf("seccomp: %s: errno return value set for action %q, which takes none", what, act)
	}
	if *errnoRet > maxRet {
		return fmt.Errorf("seccomp: %s: errno return value %d does not fit in 16 bits", what, *errnoRet)
	}
	return nil
}

func validateSyscall(i int, sc *specs.LinuxSyscall) error {
	what := fmt.Sprintf("syscalls[%d]", i)
	if len(sc.Names) == 0 {
		return fmt.Errorf("seccomp: %s: names is empty", what)
	}
	for _, n := range sc.Names {
		if n == "" {
			return fmt.Errorf("seccomp: %s: empty syscall name", what)
		}
		// Whatever hands the listener over after Load may need write(2)
		// (runc's init does); notifying it would hang the start, so runc
		// refuses it and so do we.
		if n == "write" && sc.Action == specs.ActNotify {
			return fmt.Errorf("seccomp: %s: SCMP_ACT_NOTIFY cannot be used for the write syscall", what)
		}
	}
	if err := validateAction(what+".action", sc.Action, sc.ErrnoRet); err != nil {
		return err
	}
	for j, a := range sc.Args {
		if a.Index >= maxArgs {
			return fmt.Errorf("seccomp: %s.args[%d]: index %d out of range (max %d)", what, j, a.Index, maxArgs-1)
		}
		if !operators[a.Op] {
			return fmt.Errorf("seccomp: %s.args[%d]: unknown operator %q", what, j, a.Op)
		}
	}
	return nil
}

func hasNotify(cfg *specs.LinuxSeccomp) bool {
	for _, sc := range cfg.Syscalls {
		if sc.Action == specs.ActNotify {
			return true
		}
	}
	return false
}
