package container

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// An exec'd process keeps what it was given and takes the container's
// capabilities, AppArmor profile and SELinux label where it has none.
func TestInheritSecurity(t *testing.T) {
	own := &specs.Process{
		Capabilities:    &specs.LinuxCapabilities{Bounding: []string{"CAP_KILL"}},
		ApparmorProfile: "ctr-profile", SelinuxLabel: "system_u:system_r:container_t:s0",
	}
	got := inheritSecurity(&specs.Process{Args: []string{"sh"}}, own)
	if got.Capabilities != own.Capabilities || got.ApparmorProfile != own.ApparmorProfile || got.SelinuxLabel != own.SelinuxLabel {
		t.Errorf("bare process: got %+v", got)
	}
	mine := &specs.Process{Capabilities: &specs.LinuxCapabilities{}, ApparmorProfile: "mine", SelinuxLabel: "mine"}
	if got := inheritSecurity(mine, own); got.Capabilities != mine.Capabilities || got.ApparmorProfile != "mine" || got.SelinuxLabel != "mine" {
		t.Errorf("a process's own settings were replaced: %+v", got)
	}
	if got := inheritSecurity(mine, nil); got != mine {
		t.Error("without the container's process the exec'd one changes")
	}
}
