package initproc

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestLookPathUsesTheContainersPath(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "tool")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "sub", "tool"), []byte("x"), 0o644) // not executable
	os.Mkdir(filepath.Join(dir, "sub2"), 0o755)
	os.Mkdir(filepath.Join(dir, "sub2", "tool"), 0o755) // a directory
	got, err := lookPath("tool", []string{"PATH=" + filepath.Join(dir, "sub") + ":" + filepath.Join(dir, "sub2") + ":" + dir})
	if err != nil || got != exe {
		t.Fatalf("lookPath = %q, %v; want %q", got, err, exe)
	}
	if _, err := lookPath("tool", []string{"PATH=/nonexistent"}); err == nil {
		t.Error("found a tool outside the container's PATH")
	}
	if _, err := lookPath(filepath.Join(dir, "missing"), nil); err == nil {
		t.Error("a missing absolute path was accepted")
	}
	// Without PATH, the default search path, as execvp(3).
	if got, err := lookPath("sh", []string{"A=1"}); err != nil || !strings.HasSuffix(got, "/sh") {
		t.Errorf("lookPath(sh) without PATH = %q, %v", got, err)
	}
	if _, err := lookPath(filepath.Join(dir, "sub", "tool"), nil); err == nil && os.Geteuid() != 0 {
		t.Error("a file without x bits was accepted")
	}
}

// Root runs a file with an x bit for its owner only: the check is made
// with the effective credentials, as execve makes it, not access(2)'s
// real ones.
func TestExecutableNoXBitsForOthers(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	dir := t.TempDir()
	own := filepath.Join(dir, "own")
	none := filepath.Join(dir, "none")
	os.WriteFile(own, []byte("#!/bin/sh\n"), 0o744)
	os.WriteFile(none, []byte("#!/bin/sh\n"), 0o644)
	if err := executable(own); err != nil {
		t.Errorf("executable(0744) as root = %v", err)
	}
	if err := executable(none); err == nil {
		t.Error("executable(0644) as root succeeded; execve would refuse it")
	}
	if err := executable(dir); err == nil {
		t.Error("a directory is executable")
	}
}

func TestProcessEnv(t *testing.T) {
	cfg := &Config{ListenFds: 2}
	p := &specs.Process{Env: []string{"A=1"}, User: specs.User{UID: 12345}}
	env := processEnv(cfg, p)
	want := []string{"A=1", "LISTEN_FDS=2", "LISTEN_PID=" + strconv.Itoa(os.Getpid()), "HOME=/"}
	if !slices.Equal(env, want) {
		t.Errorf("env = %q, want %q (and no PATH added)", env, want)
	}
	tests := []struct {
		in, want []string
	}{
		{[]string{"HOME=/home/x", "PATH=/bin"}, []string{"HOME=/home/x", "PATH=/bin"}},
		// The last of a name wins, in the place of its last occurrence.
		{[]string{"ONE=two", "B=1", "ONE=", "PATH=/bin"}, []string{"B=1", "ONE=", "PATH=/bin", "HOME=/"}},
		// An empty HOME is no HOME, even after a non-empty one.
		{[]string{"HOME="}, []string{"HOME=/"}},
		{[]string{"HOME=/override", "HOME="}, []string{"HOME=/"}},
		{[]string{"HOME=", "HOME=/override"}, []string{"HOME=/override"}},
		{nil, []string{"HOME=/"}},
	}
	for _, tt := range tests {
		p.Env = tt.in
		if got := processEnv(&Config{}, p); !slices.Equal(got, tt.want) {
			t.Errorf("processEnv(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// The LISTEN_* variables must not land in the config's own array.
	base := make([]string, 1, 4)
	base[0] = "A=1"
	p.Env = base
	processEnv(cfg, p)
	if spare := base[:2]; spare[1] != "" {
		t.Errorf("processEnv wrote into its input's spare capacity: %q", spare)
	}
}

func TestQuoteIfOdd(t *testing.T) {
	for in, want := range map[string]string{
		"/run.sh":  "/run.sh",
		"/a b":     `"/a b"`,
		"/x\nFAKE": `"/x\nFAKE"`,
		`/q"`:      `"/q\""`,
	} {
		if got := QuoteIfOdd(in); got != want {
			t.Errorf("QuoteIfOdd(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestChdirRefusesMissingDirs(t *testing.T) {
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	if err := chdir("/nonexistent-dir-for-rt"); err == nil {
		t.Error("chdir to a missing dir succeeded")
	}
	if err := chdir(t.TempDir()); err != nil {
		t.Error(err)
	}
}

func TestCPUListCount(t *testing.T) {
	for in, want := range map[string]int{"0": 1, "0-1": 2, "0-3,7": 5, "0,2-3,8-15": 11} {
		if got, err := cpuListCount(in); err != nil || got != want {
			t.Errorf("cpuListCount(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "x", "3-1", "1-"} {
		if _, err := cpuListCount(bad); err == nil {
			t.Errorf("cpuListCount(%q) succeeded", bad)
		}
	}
}
