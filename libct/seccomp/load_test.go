package seccomp

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func TestLoadDenyMkdir(t *testing.T) {
	requireAmd64(t)
	ops := []string{"mkdir:0755", "mkdirat:lo:0755"}

	// Control: without a filter the same ops succeed.
	plain := runChild(t, nil, ops)
	plain.expectExit0(t)
	plain.expect(t, map[string]unix.Errno{"mkdir:0755": 0, "mkdirat:lo:0755": 0})

	// Default errno (EPERM), filter on the calling thread only.
	cfg := denyMkdirat()
	cfg.Flags = []specs.LinuxSeccompFlag{}
	r := runChild(t, mustCompile(t, cfg, ""), ops)
	r.expectExit0(t)
	r.expect(t, map[string]unix.Errno{"mkdir:0755": unix.EPERM, "mkdirat:lo:0755": unix.EPERM})

	// Custom errno, with TSYNC (accepted, ignored) and LOG.
	cfg = denyMkdirat()
	cfg.Syscalls[0].ErrnoRet = uptr(uint(unix.EXDEV))
	cfg.Flags = []specs.LinuxSeccompFlag{flagTsync, specs.LinuxSeccompFlagLog}
	r = runChild(t, mustCompile(t, cfg, t.TempDir()), ops)
	r.expectExit0(t)
	r.expect(t, map[string]unix.Errno{"mkdir:0755": unix.EXDEV, "mkdirat:lo:0755": unix.EXDEV})
}

func TestLoadArgFilters(t *testing.T) {
	requireAmd64(t)
	cfg := &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Syscalls: []specs.LinuxSyscall{
			// Same index twice: either value matches.
			{Names: []string{"mkdirat"}, Action: specs.ActErrno, Args: []specs.LinuxSeccompArg{
				{Index: 2, Op: specs.OpEqualTo, Value: 0o700},
				{Index: 2, Op: specs.OpEqualTo, Value: 0o711},
			}},
			// Distinct indexes: both must match.
			{Names: []string{"mkdirat"}, Action: specs.ActErrno, ErrnoRet: uptr(uint(unix.EXDEV)), Args: []specs.LinuxSeccompArg{
				{Index: 0, Op: specs.OpGreaterThan, Value: 1000},
				{Index: 2, Op: specs.OpEqualTo, Value: 0o750},
			}},
			// Any mode with all "other" bits set.
			{Names: []string{"mkdir"}, Action: specs.ActErrno, ErrnoRet: uptr(uint(unix.EDOM)), Args: []specs.LinuxSeccompArg{
				{Index: 1, Op: specs.OpMaskedEqual, Value: 0o007, ValueTwo: 0o007},
			}},
		},
	}
	r := runChild(t, mustCompile(t, cfg, ""), []string{
		"mkdirat:lo:0700", "mkdirat:lo:0711", "mkdirat:lo:0755",
		"mkdirat:hi:0750", "mkdirat:lo:0750", "mkdirat:hi:0755",
		"mkdir:0757", "mkdir:0755",
	})
	r.expectExit0(t)
	r.expect(t, map[string]unix.Errno{
		"mkdirat:lo:0700": unix.EPERM, "mkdirat:lo:0711": unix.EPERM, "mkdirat:lo:0755": 0,
		"mkdirat:hi:0750": unix.EXDEV, "mkdirat:lo:0750": 0, "mkdirat:hi:0755": 0,
		"mkdir:0757": unix.EDOM, "mkdir:0755": 0,
	})
}

func TestLoadKillProcess(t *testing.T) {
	cfg := denyMkdirat()
	cfg.Syscalls[0].Action = specs.ActKillProcess
	r := runChild(t, mustCompile(t, cfg, ""), []string{"mkdirat:lo:0755"})
	r.expectSignal(t, syscall.SIGSYS)
	if _, ok := r.errnos["mkdirat:lo:0755"]; ok {
		t.Fatal("child survived the killing syscall")
	}
}

// SCMP_ACT_KILL kills only the offending thread, which in a Go process
// would just hang it; a single-threaded exec'd mkdir dies as a whole.
func TestLoadKillThreadAcrossExec(t *testing.T) {
	mkdir, err := exec.LookPath("mkdir")
	if err != nil {
		t.Skip("no mkdir binary")
	}
	cfg := denyMkdirat()
	cfg.Syscalls[0].Action = specs.ActKill
	target := filepath.Join(t.TempDir(), "must-not-exist")
	r := runChild(t, mustCompile(t, cfg, ""), nil, mkdir, target)
	r.expectSignal(t, syscall.SIGSYS)
	if _, err := os.Stat(target); !os.IsNotExist(err) {
		t.Fatalf("mkdir ran despite the filter: %v", err)
	}
}

// TestLoadEnosysStub checks the stub in a real kernel with a deny-by-default
// profile that allows every x86_64 syscall up to rseq except mkdir(at).
func TestLoadEnosysStub(t *testing.T) {
	requireAmd64(t)
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh binary")
	}
	var names []string
	for nr := 0; nr <= unix.SYS_RSEQ; nr++ {
		if nr == unix.SYS_MKDIR || nr == unix.SYS_MKDIRAT {
			continue
		}
		if name, ok := syscallName(t, nr); ok {
			names = append(names, name)
		}
	}
	cfg := &specs.LinuxSeccomp{
		DefaultAction: specs.ActErrno,
		Syscalls:      []specs.LinuxSyscall{{Names: names, Action: specs.ActAllow}},
	}
	r := runChild(t, mustCompile(t, cfg, ""), []string{"mkdirat:lo:0755", "nr:435", "nr:1000"},
		sh, "-c", "/bin/true && /bin/true")
	r.expectExit0(t)
	r.expect(t, map[string]unix.Errno{
		"mkdirat:lo:0755": unix.EPERM,  // known to the profile's era: default errno
		"nr:435":          unix.ENOSYS, // clone3, newer than the profile
		"nr:1000":         unix.ENOSYS,
	})
}

func TestKernelFlags(t *testing.T) {
	if !flagSupported(unix.SECCOMP_FILTER_FLAG_NEW_LISTENER | unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV) {
		t.Skip("kernel older than 5.19")
	}
	if flagSupported(1 << 30) {
		t.Fatal("probe reports an undefined flag as supported")
	}
	const (
		tsync  = unix.SECCOMP_FILTER_FLAG_TSYNC
		listen = unix.SECCOMP_FILTER_FLAG_NEW_LISTENER
		wait   = unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
		spec   = unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW
		log    = unix.SECCOMP_FILTER_FLAG_LOG
	)
	for _, tc := range []struct {
		flags  uint
		notify bool
		want   uint
	}{
		{0, false, 0},
		{spec | log, false, spec | log},
		// TSYNC is ignored (see kernelFlags); without a listener
		// WAIT_KILLABLE_RECV would be EINVAL.
		{tsync | wait, false, 0},
		{tsync | log, false, log},
		{0, true, listen},
		{tsync | wait, true, listen | wait},
	} {
		got, err := (&Program{Flags: tc.flags, Notify: tc.notify}).kernelFlags()
		if err != nil || got != tc.want {
			t.Errorf("flags %#x notify %v -> %#x, %v; want %#x", tc.flags, tc.notify, got, err, tc.want)
		}
	}
}
