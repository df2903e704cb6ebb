package rootfs

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// copyUp must reproduce the tree (modes the umask would trim included)
// and must not follow the tree's symlinks.
func TestCopyUp(t *testing.T) {
	old := unix.Umask(0o077)
	defer unix.Umask(old)
	src, dst := t.TempDir(), t.TempDir()
	outside := filepath.Join(t.TempDir(), "outside")
	must(t, os.MkdirAll(filepath.Join(src, "d/e"), 0o700))
	must(t, os.Chmod(filepath.Join(src, "d"), 0o777))
	must(t, os.WriteFile(filepath.Join(src, "d/f"), []byte("data"), 0o600))
	must(t, unix.Chmod(filepath.Join(src, "d/f"), 0o4755))
	must(t, os.Symlink(outside, filepath.Join(src, "link")))
	must(t, unix.Mkfifo(filepath.Join(src, "fifo"), 0))
	must(t, unix.Chmod(filepath.Join(src, "fifo"), 0o640))

	s, err := os.Open(src)
	must(t, err)
	defer s.Close()
	d, err := openPath(dst, unix.O_DIRECTORY)
	must(t, err)
	defer d.Close()
	must(t, copyUp(s, d))

	for name, want := range map[string]os.FileMode{
		"d": os.ModeDir | 0o777, "d/e": os.ModeDir | 0o700, "d/f": os.ModeSetuid | 0o755,
		"link": os.ModeSymlink | 0o777, "fifo": os.ModeNamedPipe | 0o640,
	} {
		st, err := os.Lstat(filepath.Join(dst, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if st.Mode() != want {
			t.Errorf("%s: mode %v, want %v", name, st.Mode(), want)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dst, "d/f")); string(b) != "data" {
		t.Errorf("d/f: %q", b)
	}
	if l, _ := os.Readlink(filepath.Join(dst, "link")); l != outside {
		t.Errorf("link: %q", l)
	}
	if _, err := os.Lstat(outside); !os.IsNotExist(err) {
		t.Errorf("the symlink's target was created: %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
