package seccomp

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// The parent logs, at debug, the flags the init will load the filter with,
// as runc words it: TSYNC ignored, SPEC_ALLOW when the profile has no flags
// at all, NEW_LISTENER added for a notifying profile. Also on a cache hit.
func TestCompileLogsFilterFlags(t *testing.T) {
	if !flagSupported(unix.SECCOMP_FILTER_FLAG_NEW_LISTENER|unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV) ||
		!flagSupported(unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW|unix.SECCOMP_FILTER_FLAG_LOG) {
		t.Skip("kernel older than 5.19")
	}
	var buf bytes.Buffer
	old := slog.Default()
	defer slog.SetDefault(old)
	flags := func(f ...specs.LinuxSeccompFlag) []specs.LinuxSeccompFlag { return f }
	notify := func(f []specs.LinuxSeccompFlag) *specs.LinuxSeccomp {
		c := denyMkdirat()
		c.ListenerPath = "/nonexistent/agent.sock"
		c.Syscalls[0].Action = specs.ActNotify
		c.Flags = f
		return c
	}
	plain := func(f []specs.LinuxSeccompFlag) *specs.LinuxSeccomp {
		c := denyMkdirat()
		c.Flags = f
		return c
	}
	cache := t.TempDir()
	for _, tc := range []struct {
		cfg  *specs.LinuxSeccomp
		want string
	}{
		{plain(nil), "seccomp filter flags: 4"},
		{plain([]specs.LinuxSeccompFlag{}), "seccomp filter flags: 0"}, // not cached as the nil one
		{plain(flags(flagTsync, specs.LinuxSeccompFlagLog)), "seccomp filter flags: 2"},
		{plain(flags(flagTsync, specs.LinuxSeccompFlagLog)), "seccomp filter flags: 2"}, // cached
		{plain(flags(specs.LinuxSeccompFlagWaitKillableRecv)), "seccomp filter flags: 0"},
		{notify(flags(specs.LinuxSeccompFlagWaitKillableRecv)), "seccomp filter flags: 40"},
	} {
		buf.Reset()
		slog.SetDefault(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
		mustCompile(t, tc.cfg, cache)
		if !strings.Contains(buf.String(), `msg="`+tc.want+`"`) {
			t.Errorf("flags %v notify %v: log %q lacks %q", tc.cfg.Flags, tc.cfg.ListenerPath != "", buf.String(), tc.want)
		}
	}
	// Not at the default level: the probe costs syscalls.
	buf.Reset()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	mustCompile(t, plain(nil), cache)
	if buf.Len() != 0 {
		t.Errorf("logged without debug: %q", buf.String())
	}
}
