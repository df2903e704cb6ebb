package container

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// writeFileAtomic replaces the file whole, sets the mode whatever the
// umask, steps over a temp file a crashed process of the same pid left,
// and leaves no temp file of its own.
func TestWriteFileAtomic(t *testing.T) {
	defer unix.Umask(unix.Umask(0o077))
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	// The name the next write would try first, as a crash would leave it.
	stale := filepath.Join(dir, ".state.json.tmp"+strconv.Itoa(os.Getpid())+"-"+strconv.FormatUint(uint64(tmpSeq.Load()+1), 10))
	if err := os.WriteFile(stale, []byte("stale"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := writeFileAtomic(path, []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := writeFileAtomic(path, []byte("two"), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil || string(b) != "two" {
		t.Fatalf("read %q, %v", b, err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o644 {
		t.Fatalf("mode %v, %v", fi.Mode(), err)
	}
	names, _ := filepath.Glob(filepath.Join(dir, ".state.json.tmp*"))
	if len(names) != 1 || names[0] != stale {
		t.Errorf("temp files: %v (want only the stale one)", names)
	}
	if err := writeFileAtomic(filepath.Join(dir, "nodir", "x"), []byte("x"), 0o600); err == nil {
		t.Error("a write into a missing directory succeeded")
	}
}
