//go:build cgo

package seccomp

// The part of the compiler that calls libseccomp. `make` builds rt without
// cgo and reaches this code through the embedded helper (helper_client.go);
// a plain `go build` (cgo on) links it into rt itself.

import (
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

// build compiles with libseccomp and prepends the ENOSYS stub.
func build(cfg *specs.LinuxSeccomp) (*Program, error) {
	libseccompBuilds.Add(1)
	defAct, err := scmpAction(cfg.DefaultAction, cfg.DefaultErrnoRet)
	if err != nil {
		return nil, err
	}
	filter, err := libseccomp.NewFilter(defAct)
	if err != nil {
		return nil, fmt.Errorf("seccomp: create filter: %w", err)
	}
	defer filter.Release()

	for _, a := range cfg.Architectures {
		arch, err := libseccomp.GetArchFromString(arches[a].scmpName)
		if err != nil {
			return nil, fmt.Errorf("seccomp: architecture %q: %w", a, err)
		}
		if err := filter.AddArch(arch); err != nil {
			return nil, fmt.Errorf("seccomp: add architecture %q: %w", a, err)
		}
	}
	// Same threshold as runc: libseccomp <= 2.5.4 misbehaves with the
	// binary tree and no rules, and short lists gain nothing from it.
	if len(cfg.Syscalls) > 32 {
		if err := filter.SetOptimize(2); err != nil {
			slog.Debug("seccomp: binary tree optimization unavailable", "error", err)
		}
	}
	for i := range cfg.Syscalls {
		if err := addRules(filter, &cfg.Syscalls[i], defAct); err != nil {
			return nil, err
		}
	}
	prog, err := exportBPF(filter)
	if err != nil {
		return nil, err
	}
	if wantsEnosysStub(cfg) {
		last, err := lastSyscalls(cfg)
		if err != nil {
			return nil, err
		}
		stub, err := enosysStub(last)
		if err != nil {
			return nil, err
		}
		prog = append(stub, prog...)
	}
	if len(prog) > bpfMaxInsns {
		return nil, fmt.Errorf("seccomp: program has %d instructions, kernel limit is %d", len(prog), bpfMaxInsns)
	}
	return &Program{Filter: prog, Flags: profileFlags(cfg), Notify: hasNotify(cfg)}, nil
}

func scmpAction(act specs.LinuxSeccompAction, errnoRet *uint) (libseccomp.ScmpAction, error) {
	ret := int16(unix.EPERM)
	if errnoRet != nil {
		ret = int16(uint16(*errnoRet))
	}
	switch act {
	case specs.ActKill, specs.ActKillThread:
		return libseccomp.ActKillThread, nil
	case specs.ActKillProcess:
		return libseccomp.ActKillProcess, nil
	case specs.ActTrap:
		return libseccomp.ActTrap, nil
	case specs.ActErrno:
		return libseccomp.ActErrno.SetReturnCode(ret), nil
	case specs.ActTrace:
		return libseccomp.ActTrace.SetReturnCode(ret), nil
	case specs.ActAllow:
		return libseccomp.ActAllow, nil
	case specs.ActLog:
		return libseccomp.ActLog, nil
	case specs.ActNotify:
		return libseccomp.ActNotify, nil
	}
	return libseccomp.ActInvalid, fmt.Errorf("seccomp: unknown action %q", act)
}

func scmpOperator(op specs.LinuxSeccompOperator) (libseccomp.ScmpCompareOp, error) {
	switch op {
	case specs.OpNotEqual:
		return libseccomp.CompareNotEqual, nil
	case specs.OpLessThan:
		return libseccomp.CompareLess, nil
	case specs.OpLessEqual:
		return libseccomp.CompareLessOrEqual, nil
	case specs.OpEqualTo:
		return libseccomp.CompareEqual, nil
	case specs.OpGreaterEqual:
		return libseccomp.CompareGreaterEqual, nil
	case specs.OpGreaterThan:
		return libseccomp.CompareGreater, nil
	case specs.OpMaskedEqual:
		return libseccomp.CompareMaskedEqual, nil
	}
	return libseccomp.CompareInvalid, fmt.Errorf("seccomp: unknown operator %q", op)
}

// addRules adds one syscalls[] entry. Conditions on distinct arguments are
// ANDed in one rule. When two conditions test the same argument, libseccomp
// cannot AND them, so (as runc does) each condition becomes its own rule,
// which makes the entry match when any one condition holds.
func addRules(filter *libseccomp.ScmpFilter, sc *specs.LinuxSyscall, defAct libseccomp.ScmpAction) error {
	act, err := scmpAction(sc.Action, sc.ErrnoRet)
	if err != nil {
		return err
	}
	// libseccomp rejects rules that repeat the default action.
	if act == defAct {
		return nil
	}
	conds := make([]libseccomp.ScmpCondition, 0, len(sc.Args))
	var perIndex [maxArgs]int
	sameIndex := false
	for _, a := range sc.Args {
		op, err := scmpOperator(a.Op)
		if err != nil {
			return err
		}
		c, err := libseccomp.MakeCondition(a.Index, op, a.Value, a.ValueTwo)
		if err != nil {
			return fmt.Errorf("seccomp: condition on argument %d: %w", a.Index, err)
		}
		conds = append(conds, c)
		perIndex[a.Index]++
		sameIndex = sameIndex || perIndex[a.Index] > 1
	}
	for _, name := range sc.Names {
		nr, err := libseccomp.GetSyscallFromName(name)
		if err != nil {
			slog.Debug("seccomp: unknown syscall ignored", "name", name)
			continue
		}
		if err := addNamedRules(filter, nr, act, conds, sameIndex); err != nil {
			return fmt.Errorf("seccomp: add rule for %s: %w", name, err)
		}
	}
	return nil
}

func addNamedRules(filter *libseccomp.ScmpFilter, nr libseccomp.ScmpSyscall, act libseccomp.ScmpAction, conds []libseccomp.ScmpCondition, sameIndex bool) error {
	switch {
	case len(conds) == 0:
		return filter.AddRule(nr, act)
	case sameIndex:
		for _, c := range conds {
			if err := filter.AddRuleConditional(nr, act, []libseccomp.ScmpCondition{c}); err != nil {
				return err
			}
		}
		return nil
	default:
		return filter.AddRuleConditional(nr, act, conds)
	}
}

// exportBPF reads the raw program out of libseccomp. libseccomp 2.5 can
// only write it to an fd; a memfd avoids a reader goroutine.
func exportBPF(filter *libseccomp.ScmpFilter) ([]unix.SockFilter, error) {
	fd, err := unix.MemfdCreate("rt-seccomp-bpf", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("seccomp: memfd_create: %w", err)
	}
	f := os.NewFile(uintptr(fd), "rt-seccomp-bpf")
	defer f.Close()
	if err := filter.ExportBPF(f); err != nil {
		return nil, fmt.Errorf("seccomp: export BPF: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("seccomp: rewind exported BPF: %w", err)
	}
	raw, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("seccomp: read exported BPF: %w", err)
	}
	if len(raw) == 0 || len(raw)%insnLen != 0 {
		return nil, fmt.Errorf("seccomp: exported BPF has odd size %d", len(raw))
	}
	prog := make([]unix.SockFilter, len(raw)/insnLen)
	for i := range prog {
		o := i * insnLen
		// libseccomp writes struct sock_filter in host byte order.
		prog[i] = unix.SockFilter{
			Code: binary.NativeEndian.Uint16(raw[o:]),
			Jt:   raw[o+2],
			Jf:   raw[o+3],
			K:    binary.NativeEndian.Uint32(raw[o+4:]),
		}
	}
	return prog, nil
}

// lastSyscalls finds, per AUDIT_ARCH in the filter (the native one, which
// libseccomp always includes, plus the listed ones), the largest syscall
// number the profile names. Unlike runc, the native architecture counts
// even when architectures is empty.
func lastSyscalls(cfg *specs.LinuxSeccomp) (map[uint32]archMax, error) {
	names := append([]specs.Arch{nativeArch()}, cfg.Architectures...)
	last := map[uint32]archMax{}
	for _, a := range names {
		info, ok := arches[a]
		if !ok || info.auditArch == 0 {
			continue
		}
		arch, err := libseccomp.GetArchFromString(info.scmpName)
		if err != nil {
			return nil, fmt.Errorf("seccomp: architecture %q: %w", a, err)
		}
		m := last[info.auditArch]
		for _, sc := range cfg.Syscalls {
			for _, name := range sc.Names {
				nr, err := libseccomp.GetSyscallFromNameByArch(name, arch)
				if err != nil || nr < 0 {
					continue // unknown here, or a libseccomp pseudo-syscall
				}
				if info.x32 {
					m.x32, m.hasX32 = max(m.x32, uint32(nr)), true
				} else {
					m.max, m.hasMax = max(m.max, uint32(nr)), true
				}
			}
		}
		last[info.auditArch] = m
	}
	return last, nil
}

func libraryVersion() string {
	major, minor, micro := libseccomp.GetLibraryVersion()
	return fmt.Sprintf("%d.%d.%d", major, minor, micro)
}

// profileFlags maps the spec flags to kernel bits. A nil list (as opposed
// to an empty one) gets SPEC_ALLOW, which is runc's default: the SSB
// mitigation seccomp would otherwise force costs a lot and containers do
// not need it more than other processes.
func profileFlags(cfg *specs.LinuxSeccomp) uint {
	if cfg.Flags == nil {
		return unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW
	}
	var bits uint
	for _, f := range cfg.Flags {
		bits |= flagBits[f]
	}
	return bits
}

// wantsEnosysStub follows runc: permissive defaults (allow, log, trace)
// need no stub, nor does a default that already answers ENOSYS.
func wantsEnosysStub(cfg *specs.LinuxSeccomp) bool {
	switch cfg.DefaultAction {
	case specs.ActAllow, specs.ActLog, specs.ActTrace:
		return false
	case specs.ActErrno:
		return cfg.DefaultErrnoRet == nil || *cfg.DefaultErrnoRet != uint(unix.ENOSYS)
	}
	return true
}
