package kfile

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// ReadRegularAt stops at a short read; the content must still be whole
// at every size around its buffer's growth steps.
func TestReadRegularAt(t *testing.T) {
	dir := t.TempDir()
	dfd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(dfd)
	for _, n := range []int{0, 1, 598, 1023, 1024, 1025, 2048, 4095, 70000} {
		want := bytes.Repeat([]byte{'x'}, n)
		if err := os.WriteFile(filepath.Join(dir, "f"), want, 0o600); err != nil {
			t.Fatal(err)
		}
		for _, read := range []func() ([]byte, error){
			func() ([]byte, error) { return ReadRegularAt(dfd, "f", "shown") },
			func() ([]byte, error) { return ReadAt(dfd, "f", "shown") },
			func() ([]byte, error) { return Read(filepath.Join(dir, "f")) },
		} {
			got, err := read()
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("size %d: got %d bytes, %v", n, len(got), err)
			}
		}
	}
	if _, err := ReadRegularAt(dfd, "missing", "shown/missing"); !os.IsNotExist(err) || !bytes.Contains([]byte(err.Error()), []byte("shown/missing")) {
		t.Fatalf("missing file: %v", err)
	}
}
