package seccomp

import (
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func uptr(v uint) *uint { return &v }

func TestValidate(t *testing.T) {
	ok := func(mod func(*specs.LinuxSeccomp)) *specs.LinuxSeccomp {
		cfg := &specs.LinuxSeccomp{
			DefaultAction: specs.ActErrno,
			Architectures: []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32},
			Flags:         []specs.LinuxSeccompFlag{flagTsync, specs.LinuxSeccompFlagLog},
			Syscalls: []specs.LinuxSyscall{
				{Names: []string{"read", "no_such_syscall_xyz"}, Action: specs.ActAllow},
				{Names: []string{"mkdirat"}, Action: specs.ActErrno, ErrnoRet: uptr(18),
					Args: []specs.LinuxSeccompArg{{Index: 2, Value: 0o700, Op: specs.OpEqualTo}}},
			},
		}
		if mod != nil {
			mod(cfg)
		}
		return cfg
	}
	tests := []struct {
		name    string
		cfg     *specs.LinuxSeccomp
		wantErr string // substring; empty means valid
	}{
		{"nil", nil, ""},
		{"empty means disabled", &specs.LinuxSeccomp{}, ""},
		{"good", ok(nil), ""},
		{"all actions", ok(func(c *specs.LinuxSeccomp) {
			for a := range actions {
				if a != specs.ActNotify {
					c.Syscalls = append(c.Syscalls, specs.LinuxSyscall{Names: []string{"getpid"}, Action: a})
				}
			}
		}), ""},
		{"all operators", ok(func(c *specs.LinuxSeccomp) {
			for op := range operators {
				c.Syscalls[1].Args = append(c.Syscalls[1].Args, specs.LinuxSeccompArg{Index: 5, Op: op})
			}
		}), ""},
		{"all flags", ok(func(c *specs.LinuxSeccomp) {
			c.Flags = []specs.LinuxSeccompFlag{flagTsync, specs.LinuxSeccompFlagLog,
				specs.LinuxSeccompFlagSpecAllow, specs.LinuxSeccompFlagWaitKillableRecv}
		}), ""},
		{"trace with errno", ok(func(c *specs.LinuxSeccomp) {
			c.DefaultAction, c.DefaultErrnoRet = specs.ActTrace, uptr(38)
		}), ""},
		{"notify with listener", ok(func(c *specs.LinuxSeccomp) {
			c.ListenerPath, c.ListenerMetadata = "/run/agent.sock", "meta"
			c.Syscalls[1].Action, c.Syscalls[1].ErrnoRet = specs.ActNotify, nil
		}), ""},
		{"syscalls without default action", &specs.LinuxSeccomp{
			Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActAllow}},
		}, "defaultAction is empty"},
		{"unknown default action", ok(func(c *specs.LinuxSeccomp) { c.DefaultAction = "SCMP_ACT_NOPE" }), `"SCMP_ACT_NOPE"`},
		{"lowercase action", ok(func(c *specs.LinuxSeccomp) { c.DefaultAction = "scmp_act_allow" }), `"scmp_act_allow"`},
		{"notify default", ok(func(c *specs.LinuxSeccomp) {
			c.DefaultAction, c.DefaultErrnoRet, c.ListenerPath = specs.ActNotify, nil, "/x"
		}), "defaultAction SCMP_ACT_NOTIFY"},
		{"default errno on allow", ok(func(c *specs.LinuxSeccomp) {
			c.DefaultAction, c.DefaultErrnoRet = specs.ActAllow, uptr(1)
		}), `action "SCMP_ACT_ALLOW", which takes none`},
		{"errno too big", ok(func(c *specs.LinuxSeccomp) { c.DefaultErrnoRet = uptr(70000) }), "70000"},
		{"unknown arch", ok(func(c *specs.LinuxSeccomp) { c.Architectures = append(c.Architectures, "SCMP_ARCH_VAX") }), `"SCMP_ARCH_VAX"`},
		{"short arch name", ok(func(c *specs.LinuxSeccomp) { c.Architectures = []specs.Arch{"amd64"} }), `"amd64"`},
		{"unknown flag", ok(func(c *specs.LinuxSeccomp) { c.Flags = append(c.Flags, "SECCOMP_FILTER_FLAG_NEW_LISTENER") }), `"SECCOMP_FILTER_FLAG_NEW_LISTENER"`},
		{"metadata without listener", ok(func(c *specs.LinuxSeccomp) { c.ListenerMetadata = "m" }), "listenerMetadata"},
		{"empty names", ok(func(c *specs.LinuxSeccomp) { c.Syscalls[0].Names = nil }), "syscalls[0]: names is empty"},
		{"empty name", ok(func(c *specs.LinuxSeccomp) { c.Syscalls[0].Names = []string{""} }), "syscalls[0]: empty syscall name"},
		{"unknown rule action", ok(func(c *specs.LinuxSeccomp) { c.Syscalls[1].Action = "SCMP_ACT_FOO" }), `syscalls[1].action: unknown action "SCMP_ACT_FOO"`},
		{"errno on kill", ok(func(c *specs.LinuxSeccomp) { c.Syscalls[1].Action = specs.ActKill }), "which takes none"},
		{"unknown operator", ok(func(c *specs.LinuxSeccomp) { c.Syscalls[1].Args[0].Op = "SCMP_CMP_BETWEEN" }), `syscalls[1].args[0]: unknown operator "SCMP_CMP_BETWEEN"`},
		{"arg index", ok(func(c *specs.LinuxSeccomp) { c.Syscalls[1].Args[0].Index = 6 }), "index 6 out of range"},
		{"notify without listener", ok(func(c *specs.LinuxSeccomp) {
			c.Syscalls[1].Action, c.Syscalls[1].ErrnoRet = specs.ActNotify, nil
		}), "listenerPath is not set"},
		{"notify write", ok(func(c *specs.LinuxSeccomp) {
			c.ListenerPath = "/x"
			c.Syscalls = append(c.Syscalls, specs.LinuxSyscall{Names: []string{"read", "write"}, Action: specs.ActNotify})
		}), "SCMP_ACT_NOTIFY cannot be used for the write syscall"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Validate(tc.cfg)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate: unexpected error %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Validate error = %v, want it to contain %q", err, tc.wantErr)
			}
		})
	}
}
