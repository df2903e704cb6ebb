package hostbin

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestFindWithoutPATH(t *testing.T) {
	t.Setenv("PATH", "")
	p, err := Find("sh")
	if err != nil {
		t.Fatalf("Find(sh) with an empty PATH: %v", err)
	}
	if !filepath.IsAbs(p) {
		t.Fatalf("Find(sh) = %q, want an absolute path", p)
	}
}

func TestFindPrefersPATH(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PATH", dir+":/usr/bin:/bin")
	p, err := Find("sh")
	if err != nil || filepath.Dir(p) == dir {
		t.Fatalf("Find(sh) = %q, %v", p, err)
	}
}

func TestFindMissing(t *testing.T) {
	t.Setenv("PATH", "")
	p, err := Find("rt-no-such-program")
	if err == nil {
		t.Fatalf("Find of a missing program = %q, want an error", p)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Fatalf("Find's error spans lines: %q", err)
	}
}
