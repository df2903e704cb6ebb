//go:build !cgo

package seccomp

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Without cgo the package's other tests compile every profile through the
// embedded helper; these test what only that path has.

func syscallName(t *testing.T, _ int) (string, bool) {
	t.Skip("syscall names come from libseccomp, which only the cgo build links")
	return "", false
}

// checkDefaultActionMaps has nothing to check here: the helper maps the
// actions, and the tests that compile through it see what it does.
func checkDefaultActionMaps(*testing.T, *specs.LinuxSeccomp) {}

func TestHelperKeepsNilAndEmptyFlagsApart(t *testing.T) {
	base := specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Syscalls:      []specs.LinuxSyscall{{Names: []string{"mkdir"}, Action: specs.ActErrno}},
	}
	nilFlags := base
	p, err := build(&nilFlags)
	if err != nil {
		t.Fatal(err)
	}
	if p.Flags != unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW {
		t.Errorf("nil flags: got %#x, want SPEC_ALLOW", p.Flags)
	}
	empty := base
	empty.Flags = []specs.LinuxSeccompFlag{}
	if p, err = build(&empty); err != nil {
		t.Fatal(err)
	}
	if p.Flags != 0 {
		t.Errorf("empty flags: got %#x, want 0", p.Flags)
	}
}

func TestHelperErrorIsTheCompilersOwn(t *testing.T) {
	// build is called without Validate here: the helper validates too.
	cfg := &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Architectures: []specs.Arch{"SCMP_ARCH_NOSUCH"},
		Syscalls:      []specs.LinuxSyscall{{Names: []string{"mkdir"}, Action: specs.ActErrno}},
	}
	_, err := build(cfg)
	if err == nil || err.Error() != `seccomp: unknown architecture "SCMP_ARCH_NOSUCH"` {
		t.Fatalf("want the compiler's error as it said it, got %v", err)
	}
}

func TestRelayHelperLog(t *testing.T) {
	var logged bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug})))
	defer slog.SetDefault(old)

	in := `{"time":"x","level":"DEBUG","msg":"seccomp: unknown syscall ignored","name":"nosuch"}` + "\n" +
		`{"error":"seccomp: add rule for mkdir: bad"}` + "\n"
	if got := relayHelperLog(strings.NewReader(in)); got != "seccomp: add rule for mkdir: bad" {
		t.Errorf("failure: got %q", got)
	}
	if s := logged.String(); !strings.Contains(s, `msg="seccomp: unknown syscall ignored" name=nosuch`) || strings.Contains(s, "time=x") {
		t.Errorf("relayed record: %q", s)
	}
	if got := relayHelperLog(strings.NewReader("fatal error: out of memory\n")); got != "seccomp helper: fatal error: out of memory" {
		t.Errorf("runtime's words: got %q", got)
	}
	if got := relayHelperLog(strings.NewReader("")); got != "" {
		t.Errorf("quiet helper: got %q", got)
	}
}
