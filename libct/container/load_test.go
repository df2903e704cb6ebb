package container

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// delete --force and run's cleanup treat ErrNotExist as "nothing to do":
// an unknown ID must be it, a bad ID or another runtime's directory not.
func TestLoadErrNotExist(t *testing.T) {
	root := t.TempDir()
	for name, load := range map[string]func(string, string) (*Container, error){"Load": Load, "LoadLocked": LoadLocked} {
		_, err := load(root, "nosuch")
		if !errors.Is(err, ErrNotExist) || err.Error() != `container "nosuch" does not exist` {
			t.Errorf("%s of an unknown ID: %v, want ErrNotExist naming it", name, err)
		}
		if _, err := load(root, "../x"); err == nil || errors.Is(err, ErrNotExist) {
			t.Errorf("%s of a bad ID: %v, want a refusal that is not ErrNotExist", name, err)
		}
	}
	if err := os.MkdirAll(filepath.Join(root, "crun", "status"), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadLocked(root, "crun"); err == nil || errors.Is(err, ErrNotExist) {
		t.Errorf("LoadLocked of another runtime's directory: %v, want an error that is not ErrNotExist", err)
	}
}
