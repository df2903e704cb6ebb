package cgroups

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A unified key naming a file the cgroup lacks fails with ENOENT's words,
// as in runc and crun (callers match them), and makes no file.
func TestSetUnifiedMissingFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "cgroup.controllers"), []byte("memory pids\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	u := &unifiedDir{dir: dir, mount: dir}
	err := setUnified(nil, u, map[string]string{"memory.nosuch": "1"})
	want := `unified["memory.nosuch"]: write "1" to ` + filepath.Join(dir, "memory.nosuch") + ": no such file or directory"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("setUnified = %v, want an error with %q", err, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "memory.nosuch")); !os.IsNotExist(err) {
		t.Fatalf("memory.nosuch was made: %v", err)
	}
}
