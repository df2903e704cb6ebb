package seccomp

import (
	"os"
	"path/filepath"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestKernelLacks(t *testing.T) {
	f := filepath.Join(t.TempDir(), "actions_avail")
	if err := os.WriteFile(f, []byte("kill_process kill_thread trap errno trace allow\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := ActionsAvailFile
	ActionsAvailFile = f
	defer func() { ActionsAvailFile = old }()
	cfg := &specs.LinuxSeccomp{
		DefaultAction: specs.ActErrno,
		Syscalls: []specs.LinuxSyscall{
			{Names: []string{"getcwd"}, Action: specs.ActLog},
			{Names: []string{"chdir"}, Action: specs.ActLog},
			{Names: []string{"read"}, Action: specs.ActAllow},
		},
	}
	ps, _ := KernelLacks(cfg)
	if len(ps) != 1 || ps[0].Field != "syscalls[0].action" {
		t.Errorf("got %v", ps)
	}
	if ps, ns := KernelLacks(nil); ps != nil || ns != nil {
		t.Errorf("nil: %v %v", ps, ns)
	}
	ActionsAvailFile = filepath.Join(t.TempDir(), "none")
	if ps, _ := KernelLacks(cfg); len(ps) != 1 || ps[0].Field != "" {
		t.Errorf("no seccomp: %v", ps)
	}
}
