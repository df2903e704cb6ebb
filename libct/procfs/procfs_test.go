package procfs

import (
	"io"
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// modes runs f with openat2 and with the O_NOFOLLOW walk fallback.
func modes(t *testing.T, f func(t *testing.T)) {
	for _, fallback := range []bool{false, true} {
		name := "openat2"
		if fallback {
			name = "walk"
		}
		t.Run(name, func(t *testing.T) {
			old := noOpenat2.Load()
			noOpenat2.Store(fallback)
			defer noOpenat2.Store(old)
			f(t)
		})
	}
}

func TestOpenRefusesNonProc(t *testing.T) {
	tests := []struct {
		path, want string
	}{
		{t.TempDir(), "not on procfs"},
		{"/proc/sys", "not the root of a procfs mount"},
		{"/proc/self", ""},   // a symlink
		{"/proc/mounts", ""}, // a symlink to a file
		{"/nonexistent", ""},
	}
	for _, tt := range tests {
		h, err := Open(tt.path)
		if err == nil {
			h.Close()
			t.Errorf("Open(%q) succeeded", tt.path)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.path) {
			t.Errorf("Open(%q) = %v, want an error naming it and containing %q", tt.path, err, tt.want)
		}
	}
}

func openProc(t *testing.T) *Handle {
	t.Helper()
	h, err := Open("/proc")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

func readAll(t *testing.T, h *Handle, rel string) string {
	t.Helper()
	f, err := h.OpenFile(rel, unix.O_RDONLY)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestOpenFileReads(t *testing.T) {
	modes(t, func(t *testing.T) {
		h := openProc(t)
		status := readAll(t, h, "self/status")
		if !strings.Contains(status, "\nPid:\t"+strconv.Itoa(os.Getpid())+"\n") {
			t.Errorf("self/status is not ours:\n%s", status)
		}
		if !strings.Contains(readAll(t, h, "thread-self/status"), "\nTgid:\t"+strconv.Itoa(os.Getpid())+"\n") {
			t.Error("thread-self/status is not one of our threads")
		}
		if got := readAll(t, h, "sys/kernel/ostype"); got != "Linux\n" {
			t.Errorf("sys/kernel/ostype = %q", got)
		}
	})
}

func TestOpenFileRefuses(t *testing.T) {
	tests := []struct {
		rel, why string
	}{
		{"self/cwd", "magic link"},
		{"self/root/etc/passwd", "magic link in the middle"},
		{"self/exe", "magic link"},
		{"self/fd/0", "magic link"},
		{"mounts", "symlink to self/mounts"},
		{"net/dev", "symlink to self/net"},
		{"../etc/passwd", "dotdot"},
		{"self/../1/status", "dotdot"},
		{"/etc/passwd", "absolute"},
		{"", "empty"},
		{"self//status", "empty component"},
		{"./self/status", "dot"},
		{"self/status\x00x", "NUL"},
	}
	modes(t, func(t *testing.T) {
		h := openProc(t)
		for _, tt := range tests {
			f, err := h.OpenFile(tt.rel, unix.O_RDONLY)
			if err == nil {
				f.Close()
				t.Errorf("OpenFile(%q) (%s) succeeded", tt.rel, tt.why)
			}
		}
		if _, err := h.OpenFile("self/newfile", unix.O_WRONLY|unix.O_CREAT); err == nil {
			t.Error("O_CREAT accepted")
		}
	})
}

func TestValidSelf(t *testing.T) {
	tests := []struct {
		link, target string
		ok           bool
	}{
		{"self", "1234", true},
		{"self", "1", true},
		{"self", "0", false},
		{"self", "01", false},
		{"self", "-1", false},
		{"self", "1234/task/1235", false},
		{"self", "../etc", false},
		{"self", "", false},
		{"thread-self", "1234/task/1235", true},
		{"thread-self", "1234", false},
		{"thread-self", "1234/task/", false},
		{"thread-self", "1234/task/1/x", false},
		{"thread-self", "a/task/1", false},
	}
	for _, tt := range tests {
		if got := validSelf(tt.link, tt.target); got != tt.ok {
			t.Errorf("validSelf(%q, %q) = %v", tt.link, tt.target, got)
		}
	}
}

func FuzzResolve(f *testing.F) {
	for _, s := range []string{"self/status", "sys/net/ipv4/ip_forward", "../x", "a//b", "thread-self/attr/current"} {
		f.Add(s)
	}
	h, err := Open("/proc")
	if err != nil {
		f.Fatal(err)
	}
	defer h.Close()
	f.Fuzz(func(t *testing.T, rel string) {
		got, err := h.resolve(rel)
		if err != nil {
			return
		}
		for _, p := range strings.Split(got, "/") {
			if p == "" || p == "." || p == ".." {
				t.Fatalf("resolve(%q) = %q", rel, got)
			}
		}
		first, _, _ := strings.Cut(got, "/")
		if first == "self" || first == "thread-self" {
			t.Fatalf("resolve(%q) = %q", rel, got)
		}
	})
}

// A refused write names the operation and the file once (issue 20:
// "write /proc/self/oom_score_adj: write /proc/self/oom_score_adj: ...").
func TestWriteFileError(t *testing.T) {
	h := openProc(t)
	err := h.WriteFile("self/oom_score_adj", []byte("not a number"))
	if want := "write /proc/self/oom_score_adj: invalid argument"; err == nil || err.Error() != want {
		t.Errorf("WriteFile = %v, want %q", err, want)
	}
}
