//go:build cgo

package seccomp

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
)

// syscallName is libseccomp's name for the native syscall nr.
func syscallName(_ *testing.T, nr int) (string, bool) {
	name, err := libseccomp.ScmpSyscall(nr).GetName()
	return name, err == nil
}

// checkDefaultActionMaps fails when a validated default action has no
// libseccomp action.
func checkDefaultActionMaps(t *testing.T, cfg *specs.LinuxSeccomp) {
	if _, err := scmpAction(cfg.DefaultAction, cfg.DefaultErrnoRet); err != nil {
		t.Fatalf("valid default action does not map: %v", err)
	}
}
