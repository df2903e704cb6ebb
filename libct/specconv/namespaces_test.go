package specconv

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestNamespace(t *testing.T) {
	if HasNamespace(&specs.Spec{}, specs.MountNamespace) {
		t.Error("a spec without linux has a mount namespace")
	}
	s := &specs.Spec{Linux: &specs.Linux{Namespaces: []specs.LinuxNamespace{
		{Type: specs.PIDNamespace},
		{Type: specs.UserNamespace, Path: "/proc/1/ns/user"},
	}}}
	if !HasNamespace(s, specs.PIDNamespace) || HasNamespace(s, specs.NetworkNamespace) {
		t.Error("HasNamespace disagrees with the list")
	}
	if ns, ok := Namespace(s, specs.UserNamespace); !ok || ns.Path != "/proc/1/ns/user" {
		t.Errorf("Namespace(user) = %+v, %v", ns, ok)
	}
}
