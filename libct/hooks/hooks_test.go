package hooks

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

var testState = &specs.State{
	Version:     specs.Version,
	ID:          "c1",
	Status:      specs.StateCreating,
	Pid:         4242,
	Bundle:      "/bundle",
	Annotations: map[string]string{"a": "b"},
}

func sh(script string, extra ...string) specs.Hook {
	return specs.Hook{Path: "/bin/sh", Args: append([]string{"sh", "-c", script, "hook-argv0"}, extra...)}
}

func ptr(i int) *int { return &i }

func TestStdinIsState(t *testing.T) {
	out := filepath.Join(t.TempDir(), "state")
	if err := Run("createRuntime", []specs.Hook{sh(`cat > "$1"`, out)}, testState); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var got specs.State
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("stdin is not JSON: %v: %q", err, b)
	}
	if got.ID != "c1" || got.Pid != 4242 || got.Status != specs.StateCreating || got.Bundle != "/bundle" || got.Annotations["a"] != "b" {
		t.Errorf("state = %+v", got)
	}
}

func TestArgsAndEnv(t *testing.T) {
	t.Setenv("RT_HOOK_TEST_LEAK", "leaked")
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	h := sh(`echo "$0 $1" > "$2"; env >> "$2"`, "first", out)
	h.Env = []string{"FOO=bar", "PATH=/usr/bin:/bin"}
	if err := Run("poststart", []specs.Hook{h}, testState); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	got := string(b)
	if !strings.HasPrefix(got, "hook-argv0 first\n") {
		t.Errorf("argv not passed as given: %q", got)
	}
	if !strings.Contains(got, "FOO=bar") {
		t.Errorf("env not passed: %q", got)
	}
	if strings.Contains(got, "RT_HOOK_TEST_LEAK") {
		t.Errorf("runtime environment leaked into hook: %q", got)
	}

	// No Env (or an empty one) is the runtime's, as with runc and crun.
	for _, env := range [][]string{nil, {}} {
		h = sh(`env > "$1"`, out)
		h.Env = env
		if err := Run("poststart", []specs.Hook{h}, testState); err != nil {
			t.Fatal(err)
		}
		b, _ = os.ReadFile(out)
		if !strings.Contains(string(b), "RT_HOOK_TEST_LEAK=leaked\n") {
			t.Errorf("Env %#v: the runtime's environment did not reach the hook: %q", env, b)
		}
	}
}

func TestArgsDefaultToPath(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "hook")
	out := filepath.Join(dir, "out")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho \"$0\" > "+out+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Run("prestart", []specs.Hook{{Path: script}}, testState); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	if strings.TrimSpace(string(b)) != script {
		t.Errorf("argv[0] = %q, want %q", b, script)
	}
}

func TestFailure(t *testing.T) {
	err := Run("createContainer", []specs.Hook{
		sh("exit 0"),
		sh(`printf '\n  first \033[31mline\n second line\n' >&2; exit 3`),
	}, testState)
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, want := range []string{"error running createContainer hook #1: /bin/sh: ", "exit status 3", "first  [31mline"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not contain %q", msg, want)
		}
	}
	if strings.Contains(msg, "second") || strings.ContainsAny(msg, "\n\033") {
		t.Errorf("error %q is not a clean single line", msg)
	}
}

func TestStopsAtFirstFailure(t *testing.T) {
	out := filepath.Join(t.TempDir(), "log")
	err := Run("poststop", []specs.Hook{
		sh(`echo 1 >> "$1"`, out),
		sh("exit 1"),
		sh(`echo 3 >> "$1"`, out),
	}, testState)
	if err == nil {
		t.Fatal("no error")
	}
	b, _ := os.ReadFile(out)
	if string(b) != "1\n" {
		t.Errorf("hooks ran: %q, want only the first", b)
	}
}

func TestTimeoutKillsGroup(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	h := sh(`sleep 60 & echo $! > "$1"; wait`, pidFile)
	h.Timeout = ptr(1)
	start := time.Now()
	err := Run("createRuntime", []specs.Hook{h}, testState)
	if err == nil || !strings.Contains(err.Error(), "timed out after 1s") {
		t.Fatalf("err = %v, want a timeout", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %s", d)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	// The background sleep must be dead too (gone, or a zombie awaiting reaping).
	deadline := time.Now().Add(5 * time.Second)
	for {
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil || strings.Contains(string(stat), ") Z ") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("grandchild %d survived the timeout: %s", pid, stat)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestDaemonisingHookDoesNotFail(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	// The background sleep keeps stderr open after the hook has exited 0.
	h := sh(`sleep 5 & echo $! > "$1"`, pidFile)
	if err := Run("poststart", []specs.Hook{h}, testState); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(pidFile); err == nil {
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

func TestBadInput(t *testing.T) {
	if err := Run("x", nil, nil); err != nil {
		t.Errorf("no hooks: %v", err)
	}
	if err := Run("x", []specs.Hook{sh("true")}, nil); err == nil {
		t.Error("nil state accepted")
	}
	if err := Run("x", []specs.Hook{{Path: "sh"}}, testState); err == nil || !strings.Contains(err.Error(), "absolute") {
		t.Errorf("relative path: %v", err)
	}
	h := sh("true")
	h.Timeout = ptr(0)
	if err := Run("x", []specs.Hook{h}, testState); err == nil || !strings.Contains(err.Error(), "timeout") {
		t.Errorf("zero timeout: %v", err)
	}
	// The path once: exec's error names it already.
	want := "error running x hook #0: fork/exec /nonexistent/hook: no such file or directory"
	if err := Run("x", []specs.Hook{{Path: "/nonexistent/hook"}}, testState); err == nil || err.Error() != want {
		t.Errorf("missing binary: %v, want %q", err, want)
	}
}

func TestCapped(t *testing.T) {
	c := &capped{max: 5}
	for _, s := range []string{"abc", "defg", "hij"} {
		if n, err := c.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	if c.String() != "abcde" {
		t.Errorf("kept %q", c.String())
	}
}

func TestFirstLine(t *testing.T) {
	tests := map[string]string{
		"":                       "",
		"\n\n  \n":               "",
		"a\nb":                   "a",
		"  a b \r\n":             "a b",
		"\x1b[2Jx":               "[2Jx",
		strings.Repeat("x", 600): strings.Repeat("x", 512) + "...",
	}
	for in, want := range tests {
		if got := firstLine(in); got != want {
			t.Errorf("firstLine(%q) = %q, want %q", in, got, want)
		}
	}
}

// Hooks run in the bundle directory (runc and crun chdir there), and still
// run where rt does once the bundle is gone.
func TestWorkingDirectoryIsTheBundle(t *testing.T) {
	bundle := t.TempDir()
	out := filepath.Join(t.TempDir(), "pwd")
	st := *testState
	st.Bundle = bundle
	if err := RunAll("poststop", []specs.Hook{sh(`pwd > "$1"`, out)}, &st); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(out); strings.TrimSpace(string(b)) != bundle {
		t.Errorf("pwd = %q, want the bundle %q", b, bundle)
	}
	st.Bundle = filepath.Join(bundle, "gone")
	if err := Run("prestart", []specs.Hook{sh(`pwd > "$1"`, out)}, &st); err != nil {
		t.Fatalf("a hook of a bundle that is gone: %v", err)
	}
	wd, _ := os.Getwd()
	if b, _ := os.ReadFile(out); strings.TrimSpace(string(b)) != wd {
		t.Errorf("pwd = %q, want rt's %q", b, wd)
	}
}
