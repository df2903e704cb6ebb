package container

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Reload keeps the config c decoded only while the state is that of the
// same container: one deleted and created again under the ID meanwhile
// has its own config, read from its own directory.
func TestReloadKeepsTheSpecOfTheSameContainerOnly(t *testing.T) {
	root := t.TempDir()
	created := time.Date(2026, 12, 6, 16, 0, 0, 0, time.UTC)
	save := func(pid int, start uint64, at time.Time, hostname string) *Container {
		t.Helper()
		dir := filepath.Join(root, "c1")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		spec := &specs.Spec{Version: "1.0.2", Hostname: hostname}
		st := &State{OCIVersion: "1.0.2", ID: "c1", Pid: pid, Status: Created, Created: at, InitStartTime: start, Spec: spec}
		c := &Container{root: root, dir: dir, state: st}
		if err := os.WriteFile(filepath.Join(dir, specFile), []byte(`{"ociVersion":"1.0.2","hostname":"`+hostname+`"}`), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := c.saveStatus(); err != nil {
			t.Fatal(err)
		}
		return c
	}

	ran := save(4242, 77, created, "ran")
	// The file says otherwise: only a kept spec answers "ran".
	if err := os.WriteFile(filepath.Join(ran.dir, specFile), []byte(`{"ociVersion":"1.0.2","hostname":"file"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	again, err := ran.Reload()
	if err != nil {
		t.Fatal(err)
	}
	if h := again.Spec().Hostname; h != "ran" {
		t.Errorf("same container: hostname %q, want the kept spec's %q", h, "ran")
	}
	again.Unlock()

	// Deleted and created again: another init, another creation time.
	save(4343, 88, created.Add(time.Second), "new")
	again, err = ran.Reload()
	if err != nil {
		t.Fatal(err)
	}
	if h := again.Spec().Hostname; h != "new" {
		t.Errorf("recreated container: hostname %q, want its own config's %q", h, "new")
	}
	again.Unlock()

	if err := os.RemoveAll(filepath.Join(root, "c1")); err != nil {
		t.Fatal(err)
	}
	if _, err := ran.Reload(); !errors.Is(err, ErrNotExist) {
		t.Errorf("deleted container: %v, want ErrNotExist", err)
	}
}
