package seccomp

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

const (
	retAllow  = unix.SECCOMP_RET_ALLOW
	retEPERM  = unix.SECCOMP_RET_ERRNO | uint32(unix.EPERM)
	retEXDEV  = unix.SECCOMP_RET_ERRNO | uint32(unix.EXDEV)
	retENOSYS = unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)
)

func requireAmd64(t *testing.T) {
	t.Helper()
	if runtime.GOARCH != "amd64" {
		t.Skip("syscall numbers in this test are x86_64 ones")
	}
}

func mustCompile(t *testing.T, cfg *specs.LinuxSeccomp, dir string) *Program {
	t.Helper()
	p, err := Compile(cfg, dir)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return p
}

// eval runs p on a syscall made by a native x86_64 process.
func eval(t *testing.T, p *Program, nr int, args ...uint64) uint32 {
	t.Helper()
	return evalArch(t, p, unix.AUDIT_ARCH_X86_64, nr, args...)
}

func evalArch(t *testing.T, p *Program, arch uint32, nr int, args ...uint64) uint32 {
	t.Helper()
	d := seccompData{nr: int32(nr), arch: arch}
	copy(d.args[:], args)
	r, err := runBPF(p.Filter, d)
	if err != nil {
		t.Fatalf("run BPF: %v", err)
	}
	return r
}

func denyMkdirat() *specs.LinuxSeccomp {
	return &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Syscalls:      []specs.LinuxSyscall{{Names: []string{"mkdirat", "mkdir"}, Action: specs.ActErrno}},
	}
}

func TestCompileCacheHitSkipsLibseccomp(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "seccomp-cache")
	cfg := denyMkdirat()

	before := libseccompBuilds.Load()
	first := mustCompile(t, cfg, dir)
	if got := libseccompBuilds.Load() - before; got != 1 {
		t.Fatalf("first Compile built %d filters, want 1", got)
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 {
		t.Fatalf("cache dir should hold exactly one entry: %v %v", entries, err)
	}
	info, err := entries[0].Info()
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("cache file mode %v, want 0600", info.Mode().Perm())
	}

	second := mustCompile(t, cfg, dir)
	if got := libseccompBuilds.Load() - before; got != 1 {
		t.Fatalf("cache hit went through libseccomp (%d builds)", got)
	}
	if !reflect.DeepEqual(first, second) {
		t.Fatalf("cached program differs from the compiled one")
	}

	// A different profile must not hit the entry.
	other := denyMkdirat()
	other.Syscalls[0].Action = specs.ActLog
	mustCompile(t, other, dir)
	if got := libseccompBuilds.Load() - before; got != 2 {
		t.Fatalf("changed profile reused the cache (%d builds)", got)
	}
}

func TestCompileDamagedCacheIsRebuilt(t *testing.T) {
	dir := t.TempDir()
	cfg := denyMkdirat()
	want := mustCompile(t, cfg, dir)
	key, err := cacheKey(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := cachePath(dir, key)
	if err := os.WriteFile(path, []byte("rtsc garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	before := libseccompBuilds.Load()
	got := mustCompile(t, cfg, dir)
	if libseccompBuilds.Load() == before {
		t.Fatal("damaged cache entry was not rebuilt")
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatal("rebuilt program differs")
	}
	b, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(b, want.Bytes()) {
		t.Fatalf("damaged entry not overwritten: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
}

func TestFlagsNilVersusEmpty(t *testing.T) {
	nilFlags := denyMkdirat()
	empty := denyMkdirat()
	empty.Flags = []specs.LinuxSeccompFlag{}
	k1, _ := cacheKey(nilFlags)
	k2, _ := cacheKey(empty)
	if k1 == k2 {
		t.Fatal("nil and empty flags share a cache key but compile differently")
	}
	if f := mustCompile(t, nilFlags, "").Flags; f != unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW {
		t.Fatalf("nil flags -> %#x, want SPEC_ALLOW (runc default)", f)
	}
	if f := mustCompile(t, empty, "").Flags; f != 0 {
		t.Fatalf("empty flags -> %#x, want 0", f)
	}
	all := denyMkdirat()
	all.Flags = []specs.LinuxSeccompFlag{flagTsync, specs.LinuxSeccompFlagLog, specs.LinuxSeccompFlagWaitKillableRecv}
	want := uint(unix.SECCOMP_FILTER_FLAG_TSYNC | unix.SECCOMP_FILTER_FLAG_LOG | unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
	if f := mustCompile(t, all, "").Flags; f != want {
		t.Fatalf("flags %#x, want %#x", f, want)
	}
}

func TestCompileDisabled(t *testing.T) {
	for _, cfg := range []*specs.LinuxSeccomp{nil, {}} {
		p, err := Compile(cfg, t.TempDir())
		if err != nil || p != nil {
			t.Fatalf("Compile(%v) = %v, %v; want nil, nil", cfg, p, err)
		}
		if fd, err := p.Load(); fd != -1 || err != nil {
			t.Fatalf("nil Program Load = %d, %v", fd, err)
		}
		if b := p.Bytes(); b != nil {
			t.Fatalf("nil Program Bytes = %v", b)
		}
	}
}

func TestCompileRejectsInvalid(t *testing.T) {
	cfg := denyMkdirat()
	cfg.Syscalls[0].Action = "SCMP_ACT_BOGUS"
	before := libseccompBuilds.Load()
	if _, err := Compile(cfg, ""); err == nil {
		t.Fatal("invalid profile compiled")
	}
	if libseccompBuilds.Load() != before {
		t.Fatal("invalid profile reached libseccomp")
	}
}

func TestActions(t *testing.T) {
	requireAmd64(t)
	tests := []struct {
		act      specs.LinuxSeccompAction
		errnoRet *uint
		want     uint32
	}{
		{specs.ActKill, nil, unix.SECCOMP_RET_KILL_THREAD},
		{specs.ActKillThread, nil, unix.SECCOMP_RET_KILL_THREAD},
		{specs.ActKillProcess, nil, unix.SECCOMP_RET_KILL_PROCESS},
		{specs.ActTrap, nil, unix.SECCOMP_RET_TRAP},
		{specs.ActErrno, nil, retEPERM},
		{specs.ActErrno, uptr(uint(unix.EXDEV)), retEXDEV},
		{specs.ActTrace, nil, unix.SECCOMP_RET_TRACE | uint32(unix.EPERM)},
		{specs.ActTrace, uptr(7), unix.SECCOMP_RET_TRACE | 7},
		{specs.ActLog, nil, unix.SECCOMP_RET_LOG},
		{specs.ActNotify, nil, unix.SECCOMP_RET_USER_NOTIF},
	}
	for _, tc := range tests {
		cfg := &specs.LinuxSeccomp{
			DefaultAction: specs.ActAllow,
			ListenerPath:  "/agent.sock",
			Syscalls:      []specs.LinuxSyscall{{Names: []string{"mkdirat"}, Action: tc.act, ErrnoRet: tc.errnoRet}},
		}
		p := mustCompile(t, cfg, "")
		if got := eval(t, p, unix.SYS_MKDIRAT); got != tc.want {
			t.Errorf("%s: mkdirat -> %#x, want %#x", tc.act, got, tc.want)
		}
		if got := eval(t, p, unix.SYS_GETPID); got != retAllow {
			t.Errorf("%s: getpid -> %#x, want allow", tc.act, got)
		}
		if p.Notify != (tc.act == specs.ActNotify) {
			t.Errorf("%s: Notify = %v", tc.act, p.Notify)
		}
	}
}

func TestRuleEqualToDefaultIsSkipped(t *testing.T) {
	requireAmd64(t)
	cfg := &specs.LinuxSeccomp{
		DefaultAction: specs.ActErrno,
		Syscalls: []specs.LinuxSyscall{
			{Names: []string{"getpid"}, Action: specs.ActAllow},
			{Names: []string{"mkdirat"}, Action: specs.ActErrno},                                 // == default
			{Names: []string{"mkdir"}, Action: specs.ActErrno, ErrnoRet: uptr(1)},                // EPERM == default
			{Names: []string{"rmdir"}, Action: specs.ActErrno, ErrnoRet: uptr(uint(unix.EXDEV))}, // differs
			{Names: []string{"not_a_syscall_at_all"}, Action: specs.ActAllow},
		},
	}
	p := mustCompile(t, cfg, "")
	for nr, want := range map[int]uint32{
		unix.SYS_GETPID: retAllow, unix.SYS_MKDIRAT: retEPERM, unix.SYS_MKDIR: retEPERM,
		unix.SYS_RMDIR: retEXDEV, unix.SYS_CHDIR: retEPERM,
	} {
		if got := eval(t, p, nr); got != want {
			t.Errorf("syscall %d -> %#x, want %#x", nr, got, want)
		}
	}
}

func TestOperators(t *testing.T) {
	requireAmd64(t)
	const big = 0x1_0000_0005 // exercises the high word
	tests := []struct {
		op       specs.LinuxSeccompOperator
		val, two uint64
		match    []uint64
		noMatch  []uint64
	}{
		{specs.OpEqualTo, 5, 0, []uint64{5}, []uint64{4, 6, big}},
		{specs.OpNotEqual, 5, 0, []uint64{4, 6, big}, []uint64{5}},
		{specs.OpLessThan, 5, 0, []uint64{0, 4}, []uint64{5, 6, big}},
		{specs.OpLessEqual, 5, 0, []uint64{0, 5}, []uint64{6, big}},
		{specs.OpGreaterThan, 5, 0, []uint64{6, big}, []uint64{0, 5}},
		{specs.OpGreaterEqual, 5, 0, []uint64{5, big}, []uint64{0, 4}},
		{specs.OpEqualTo, big, 0, []uint64{big}, []uint64{5}},
		// value is the mask, valueTwo the expected masked value.
		{specs.OpMaskedEqual, 0o070, 0o050, []uint64{0o050, 0o757, 0o7050}, []uint64{0o070, 0o040, 0}},
	}
	for _, tc := range tests {
		cfg := &specs.LinuxSeccomp{
			DefaultAction: specs.ActAllow,
			Syscalls: []specs.LinuxSyscall{{
				Names: []string{"mkdirat"}, Action: specs.ActErrno,
				Args: []specs.LinuxSeccompArg{{Index: 2, Op: tc.op, Value: tc.val, ValueTwo: tc.two}},
			}},
		}
		p := mustCompile(t, cfg, "")
		for _, v := range tc.match {
			if got := eval(t, p, unix.SYS_MKDIRAT, 0, 0, v); got != retEPERM {
				t.Errorf("%s %#x/%#x: arg %#x -> %#x, want EPERM", tc.op, tc.val, tc.two, v, got)
			}
		}
		for _, v := range tc.noMatch {
			if got := eval(t, p, unix.SYS_MKDIRAT, 0, 0, v); got != retAllow {
				t.Errorf("%s %#x/%#x: arg %#x -> %#x, want allow", tc.op, tc.val, tc.two, v, got)
			}
		}
	}
}

func TestArgsSameIndexOrDistinctIndexAnd(t *testing.T) {
	requireAmd64(t)
	cfg := &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Syscalls: []specs.LinuxSyscall{
			{Names: []string{"mkdirat"}, Action: specs.ActErrno, Args: []specs.LinuxSeccompArg{
				{Index: 2, Op: specs.OpEqualTo, Value: 0o700},
				{Index: 2, Op: specs.OpEqualTo, Value: 0o711},
			}},
			{Names: []string{"fchmodat"}, Action: specs.ActErrno, Args: []specs.LinuxSeccompArg{
				{Index: 0, Op: specs.OpGreaterThan, Value: 1000},
				{Index: 2, Op: specs.OpEqualTo, Value: 0o750},
			}},
		},
	}
	p := mustCompile(t, cfg, "")
	cases := []struct {
		nr   int
		args []uint64
		want uint32
	}{
		{unix.SYS_MKDIRAT, []uint64{3, 0, 0o700}, retEPERM},
		{unix.SYS_MKDIRAT, []uint64{3, 0, 0o711}, retEPERM},
		{unix.SYS_MKDIRAT, []uint64{3, 0, 0o755}, retAllow},
		{unix.SYS_FCHMODAT, []uint64{1500, 0, 0o750}, retEPERM},
		{unix.SYS_FCHMODAT, []uint64{3, 0, 0o750}, retAllow},
		{unix.SYS_FCHMODAT, []uint64{1500, 0, 0o755}, retAllow},
	}
	for _, c := range cases {
		if got := eval(t, p, c.nr, c.args...); got != c.want {
			t.Errorf("syscall %d %o -> %#x, want %#x", c.nr, c.args, got, c.want)
		}
	}
}

func TestEnosysStub(t *testing.T) {
	requireAmd64(t)
	cfg := &specs.LinuxSeccomp{
		DefaultAction: specs.ActErrno,
		Architectures: []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32},
		Syscalls: []specs.LinuxSyscall{
			{Names: []string{"read", "write", "mkdirat"}, Action: specs.ActAllow},
		},
	}
	p := mustCompile(t, cfg, "")
	const (
		x86Mkdirat = 296 // i386 numbers
		x86Read    = 3
	)
	cases := []struct {
		arch uint32
		nr   int
		want uint32
	}{
		{unix.AUDIT_ARCH_X86_64, unix.SYS_READ, retAllow},
		{unix.AUDIT_ARCH_X86_64, unix.SYS_MKDIRAT, retAllow},
		{unix.AUDIT_ARCH_X86_64, unix.SYS_GETPID, retEPERM},       // known, below the last listed
		{unix.AUDIT_ARCH_X86_64, unix.SYS_MKDIRAT + 1, retENOSYS}, // newer than the profile
		{unix.AUDIT_ARCH_X86_64, 435 /* clone3 */, retENOSYS},
		{unix.AUDIT_ARCH_I386, x86Read, retAllow},
		{unix.AUDIT_ARCH_I386, x86Mkdirat, retAllow},
		{unix.AUDIT_ARCH_I386, x86Mkdirat - 1, retEPERM},
		{unix.AUDIT_ARCH_I386, x86Mkdirat + 1, retENOSYS},
		{unix.AUDIT_ARCH_X86_64, x32SyscallBit | unix.SYS_READ, retAllow},
		{unix.AUDIT_ARCH_X86_64, x32SyscallBit | unix.SYS_GETPID, retEPERM},
		{unix.AUDIT_ARCH_X86_64, x32SyscallBit | (unix.SYS_MKDIRAT + 1), retENOSYS},
		{unix.AUDIT_ARCH_AARCH64, 1, unix.SECCOMP_RET_KILL_THREAD}, // bad arch: libseccomp's action
	}
	for _, c := range cases {
		if got := evalArch(t, p, c.arch, c.nr); got != c.want {
			t.Errorf("arch %#x nr %#x -> %#x, want %#x", c.arch, c.nr, got, c.want)
		}
	}
}

func TestEnosysStubSkipped(t *testing.T) {
	requireAmd64(t)
	rules := []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActKillProcess}}
	// Permissive defaults keep answering syscalls newer than the profile
	// with the default action.
	for act, want := range map[specs.LinuxSeccompAction]uint32{
		specs.ActAllow: retAllow,
		specs.ActLog:   unix.SECCOMP_RET_LOG,
		specs.ActTrace: unix.SECCOMP_RET_TRACE | uint32(unix.EPERM),
	} {
		p := mustCompile(t, &specs.LinuxSeccomp{DefaultAction: act, Syscalls: rules}, "")
		if got := eval(t, p, 435); got != want {
			t.Errorf("default %s: new syscall -> %#x, want %#x", act, got, want)
		}
	}
	// A default of ERRNO(ENOSYS) already does the job: libseccomp's
	// default return must be the only ENOSYS return in the program.
	p := mustCompile(t, &specs.LinuxSeccomp{DefaultAction: specs.ActErrno,
		DefaultErrnoRet: uptr(uint(unix.ENOSYS)), Syscalls: rules}, "")
	n := 0
	for _, in := range p.Filter {
		if in.Code == opRetK && in.K == retENOSYS {
			n++
		}
	}
	if n != 1 {
		t.Errorf("default ERRNO(ENOSYS): %d ENOSYS returns, want 1 (no stub)", n)
	}
	kill := mustCompile(t, &specs.LinuxSeccomp{DefaultAction: specs.ActKillProcess, Syscalls: []specs.LinuxSyscall{
		{Names: []string{"read"}, Action: specs.ActAllow},
	}}, "")
	if got := eval(t, kill, 435); got != retENOSYS {
		t.Errorf("kill default: new syscall -> %#x, want ENOSYS", got)
	}
	if got := eval(t, kill, unix.SYS_READ); got != retAllow {
		t.Errorf("kill default: read -> %#x, want allow", got)
	}
}

func TestEnosysStubLayout(t *testing.T) {
	stub, err := enosysStub(map[uint32]archMax{
		unix.AUDIT_ARCH_X86_64: {max: 10, hasMax: true},
		unix.AUDIT_ARCH_I386:   {max: 20, hasMax: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	// Follow the stub with "allow" so falling through is observable.
	p := &Program{Filter: append(stub, unix.SockFilter{Code: opRetK, K: retAllow})}
	for _, c := range []struct {
		arch uint32
		nr   int
		want uint32
	}{
		{unix.AUDIT_ARCH_X86_64, 10, retAllow},
		{unix.AUDIT_ARCH_X86_64, 11, retENOSYS},
		{unix.AUDIT_ARCH_X86_64, x32SyscallBit | 99, retAllow}, // no x32 in the filter
		{unix.AUDIT_ARCH_I386, 20, retAllow},
		{unix.AUDIT_ARCH_I386, 21, retENOSYS},
		{unix.AUDIT_ARCH_ARM, 1000, retAllow},
	} {
		if got := evalArch(t, p, c.arch, c.nr); got != c.want {
			t.Errorf("arch %#x nr %#x -> %#x, want %#x", c.arch, c.nr, got, c.want)
		}
	}
	if stub, err := enosysStub(nil); err != nil || stub != nil {
		t.Errorf("empty map: stub %v err %v", stub, err)
	}
}

func TestCompileIgnoresACacheOthersCanWrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "c")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o770); err != nil {
		t.Fatal(err)
	}
	cfg := denyMkdirat()
	mustCompile(t, cfg, dir)
	// Planted by someone who can write the dir: it must not be run.
	key, err := cacheKey(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("wrote into a group-writable cache dir: %v", ents)
	}
	allowAll := mustCompile(t, &specs.LinuxSeccomp{DefaultAction: specs.ActLog}, "")
	if err := os.WriteFile(cachePath(dir, key), allowAll.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	before := libseccompBuilds.Load()
	mustCompile(t, cfg, dir)
	if libseccompBuilds.Load() == before {
		t.Fatal("used an entry from a group-writable cache dir")
	}
}

func TestCacheIsBounded(t *testing.T) {
	dir := t.TempDir()
	p := mustCompile(t, denyMkdirat(), "")
	old := time.Now().Add(-time.Hour)
	for i := range maxCacheEntries {
		name := cachePath(dir, fmt.Sprintf("k%03d", i))
		if err := os.WriteFile(name, p.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		// k000 is the oldest.
		mt := old.Add(time.Duration(i) * time.Second)
		if err := os.Chtimes(name, mt, mt); err != nil {
			t.Fatal(err)
		}
	}
	if err := writeCache(dir, "new", p); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil || len(ents) != maxCacheEntries {
		t.Fatalf("cache holds %d entries (%v), want %d", len(ents), err, maxCacheEntries)
	}
	if _, err := os.Stat(cachePath(dir, "k000")); !os.IsNotExist(err) {
		t.Fatalf("the oldest entry survived: %v", err)
	}
	if _, err := os.Stat(cachePath(dir, "new")); err != nil {
		t.Fatal(err)
	}
}
