package container

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// start, delete and exec read parts of the stored config.json instead of
// all of it: they must see those parts exactly as create stored them.
func TestStoredPartsMatchTheSpec(t *testing.T) {
	spec := &specs.Spec{
		Process: &specs.Process{Args: []string{"sh"}, Env: []string{"A=1"}, Cwd: "/"},
		Hooks:   &specs.Hooks{Poststart: []specs.Hook{{Path: "/bin/true"}}, Poststop: []specs.Hook{{Path: "/bin/false"}}},
		Linux: &specs.Linux{
			Namespaces:  []specs.LinuxNamespace{{Type: specs.PIDNamespace}, {Type: specs.NetworkNamespace, Path: "/proc/1/ns/net"}},
			Seccomp:     &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, ListenerPath: "/run/agent.sock"},
			Personality: &specs.LinuxPersonality{Domain: specs.PerLinux32},
			Resources:   &specs.LinuxResources{CPU: &specs.LinuxCPU{Cpus: "0"}},
		},
	}
	dir := t.TempDir()
	b, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, specFile), b, 0o600); err != nil {
		t.Fatal(err)
	}
	fromDisk := &Container{dir: dir, state: &State{ID: "x"}}
	inMemory := &Container{dir: dir, state: &State{ID: "x", Spec: spec}}
	for name, c := range map[string]*Container{"disk": fromDisk, "memory": inMemory} {
		if got := c.hooks(); !reflect.DeepEqual(got, spec.Hooks) {
			t.Errorf("%s: hooks %+v, want %+v", name, got, spec.Hooks)
		}
		p := c.stored()
		if !reflect.DeepEqual(p.Process, spec.Process) || !reflect.DeepEqual(p.Linux.Namespaces, spec.Linux.Namespaces) ||
			!reflect.DeepEqual(p.Linux.Seccomp, spec.Linux.Seccomp) || !reflect.DeepEqual(p.Linux.Personality, spec.Linux.Personality) {
			t.Errorf("%s: stored parts %+v differ from the spec", name, p)
		}
	}
}

// A record that says the config has no hooks spares start and delete its
// decode; one that does not say so (or an older one) reads the config.
func TestNoHooksSparesTheConfig(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, specFile), []byte(`{"ociVersion":"1.0.2","hooks":{"poststop":[{"path":"/bin/true"}]}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	c := &Container{dir: dir, state: &State{ID: "c1", NoHooks: true}}
	if h := c.hooks(); h != nil || c.state.Spec != nil {
		t.Errorf("noHooks: hooks %+v, spec read: %v", h, c.state.Spec != nil)
	}
	c = &Container{dir: dir, state: &State{ID: "c1"}}
	if h := c.hooks(); h == nil || len(h.Poststop) != 1 {
		t.Errorf("without noHooks: hooks %+v, want the config's poststop hook", h)
	}
	if !noHooks(nil) || !noHooks(&specs.Hooks{}) || noHooks(&specs.Hooks{StartContainer: []specs.Hook{{Path: "/x"}}}) {
		t.Errorf("noHooks disagrees")
	}
}
