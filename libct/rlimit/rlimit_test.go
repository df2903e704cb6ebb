package rlimit

import (
	"testing"

	"golang.org/x/sys/unix"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"RLIMIT_NOFILE", unix.RLIMIT_NOFILE, true},
		{"RLIMIT_NPROC", unix.RLIMIT_NPROC, true},
		{"RLIMIT_CORE", unix.RLIMIT_CORE, true},
		{"RLIMIT_AS", unix.RLIMIT_AS, true},
		{"RLIMIT_RTTIME", unix.RLIMIT_RTTIME, true},
		{"RLIMIT_STACK", unix.RLIMIT_STACK, true},
		{"rlimit_nofile", 0, false},
		{"NOFILE", 0, false},
		{"RLIMIT_NOFILE ", 0, false},
		{"RLIMIT_FOO", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("Parse(%q) = %d, %v; want %d ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestAllDistinct(t *testing.T) {
	seen := map[int]string{}
	for name, n := range byName {
		if other, dup := seen[n]; dup {
			t.Errorf("%s and %s both map to %d", name, other, n)
		}
		seen[n] = name
	}
	// RLIMIT_NLIMITS is 16 on Linux: every resource must have a name.
	if len(seen) != 16 {
		t.Errorf("have %d rlimits, want 16", len(seen))
	}
}

func FuzzParse(f *testing.F) {
	f.Add("RLIMIT_NOFILE")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err == nil && (n < 0 || n > 15) {
			t.Fatalf("Parse(%q) = %d", s, n)
		}
	})
}
