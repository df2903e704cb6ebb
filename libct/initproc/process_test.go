package initproc

import (
	"os"
	"path/filepath"
	"slices"
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
	got, err := lookPath("tool", []string{"PATH=" + filepath.Join(dir, "sub") + ":" + dir})
	if err != nil || got != exe {
		t.Fatalf("lookPath = %q, %v; want %q", got, err, exe)
	}
	if _, err := lookPath("tool", []string{"PATH=/nonexistent"}); err == nil {
		t.Error("found a tool outside the container's PATH")
	}
	if _, err := lookPath(filepath.Join(dir, "missing"), nil); err == nil {
		t.Error("a missing absolute path was accepted")
	}
}

func TestProcessEnvDefaults(t *testing.T) {
	cfg := &Config{ListenFds: 2}
	p := &specs.Process{Env: []string{"A=1"}, User: specs.User{UID: 12345}}
	env := processEnv(cfg, p)
	for _, want := range []string{"A=1", "HOME=/", "LISTEN_FDS=2"} {
		if !slices.Contains(env, want) {
			t.Errorf("env %v lacks %q", env, want)
		}
	}
	hasPath := false
	for _, kv := range env {
		hasPath = hasPath || len(kv) > 5 && kv[:5] == "PATH="
	}
	if !hasPath {
		t.Errorf("no default PATH in %v", env)
	}
	p.Env = []string{"HOME=/home/x", "PATH=/bin"}
	env = processEnv(&Config{}, p)
	if !slices.Equal(env, []string{"HOME=/home/x", "PATH=/bin"}) {
		t.Errorf("explicit HOME/PATH changed: %v", env)
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
