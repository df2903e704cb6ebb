package cgroups

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

func TestDefaultDir(t *testing.T) {
	for dir, want := range map[string]bool{
		"/rt/c1":          true,  // "/" is a mount's root
		"/proc/rt/c1":     true,  // so is /proc
		"/proc/sys/rt/c1": false, // /proc/sys is not
		"/proc/rtx/c1":    false,
		"/proc/c1":        false,
	} {
		if got := defaultDir(dir); got != want {
			t.Errorf("defaultDir(%s) = %v, want %v", dir, got, want)
		}
	}
}

// RemoveIfEmpty does what Destroy does for an empty cgroup, a default
// path's parent included, and leaves a busy one whole to the manager.
func TestRemoveIfEmpty(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs a tmpfs mount as a hierarchy's root")
	}
	root := t.TempDir()
	if err := unix.Mount("tmpfs", root, "tmpfs", 0, ""); err != nil {
		t.Skipf("mount tmpfs: %v", err)
	}
	defer unix.Unmount(root, unix.MNT_DETACH)
	mk := func(parts ...string) string {
		t.Helper()
		d := filepath.Join(append([]string{root}, parts...)...)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	gone := func(d string) bool { _, err := os.Stat(d); return os.IsNotExist(err) }

	// Default paths are <mount>/rt/<id>; the shared parent goes when
	// empty. One level deeper is not a default path.
	if deep := mk("memory", "rt", "c1"); defaultDir(deep) {
		t.Errorf("%s counted as a default path", deep)
	}
	mem, pids := mk("rt", "c1"), mk("rt", "c2")
	if !RemoveIfEmpty(map[string]string{"memory": mem}) || !gone(mem) {
		t.Errorf("empty default cgroup not removed")
	}
	if gone(filepath.Dir(mem)) {
		t.Errorf("the shared parent went while c2 is in it")
	}
	if !RemoveIfEmpty(map[string]string{"pids": pids, "": mk("u", "c2")}) || !gone(pids) {
		t.Errorf("empty cgroup with a unified dir not removed")
	}
	if !gone(filepath.Dir(pids)) {
		t.Errorf("the empty shared parent of a default path was left")
	}

	// Busy first directory: nothing removed, false.
	busy, other := mk("a", "c3"), mk("b", "c3")
	mk("a", "c3", "nested")
	if RemoveIfEmpty(map[string]string{"x": busy, "y": other}) {
		t.Errorf("a cgroup with a nested one reported removed")
	}
	if gone(busy) || gone(other) {
		t.Errorf("a busy cgroup was partly removed")
	}
	// Gone already (a delete killed halfway): fine.
	if !RemoveIfEmpty(map[string]string{"x": filepath.Join(root, "none")}) {
		t.Errorf("a missing directory is not removed")
	}
	// The systemd driver's unit is the manager's to stop.
	if RemoveIfEmpty(map[string]string{SystemdUnitKey: "c.scope", "": other}) || gone(other) {
		t.Errorf("a systemd cgroup was removed without its manager")
	}
}
