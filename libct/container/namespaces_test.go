package container

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/initproc"
)

func nsSpec(nss ...specs.LinuxNamespace) *specs.Spec {
	return &specs.Spec{Linux: &specs.Linux{Namespaces: nss}}
}

func TestNamespaceOptsNewNamespacesAreCloneFlags(t *testing.T) {
	s := nsSpec(
		specs.LinuxNamespace{Type: specs.PIDNamespace},
		specs.LinuxNamespace{Type: specs.MountNamespace},
		specs.LinuxNamespace{Type: specs.NetworkNamespace},
		specs.LinuxNamespace{Type: specs.UserNamespace},
		specs.LinuxNamespace{Type: specs.CgroupNamespace},
	)
	s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 10}}
	s.Linux.GIDMappings = s.Linux.UIDMappings
	var co childOpts
	var cfg initproc.Config
	if err := namespaceOpts(s, &co, &cfg); err != nil {
		t.Fatal(err)
	}
	want := uintptr(unix.CLONE_NEWPID | unix.CLONE_NEWNS | unix.CLONE_NEWNET | unix.CLONE_NEWUSER)
	if co.cloneFlag != want {
		t.Errorf("clone flags %#x, want %#x", co.cloneFlag, want)
	}
	if co.cloneFlag&unix.CLONE_NEWCGROUP != 0 || !cfg.NewCgroupNS {
		t.Errorf("the cgroup namespace must be left to the init (after it is in its cgroup)")
	}
	if !cfg.UserNS || len(co.uidMaps) != 1 || co.uidMaps[0].HostID != 1000 || co.uidMaps[0].Size != 10 {
		t.Errorf("user namespace maps not carried: %+v", co.uidMaps)
	}
	if len(co.setns) != 0 || co.unshare != 0 {
		t.Errorf("nothing to join, got setns %v unshare %#x", co.setns, co.unshare)
	}
}

func TestNamespaceOptsJoinedUserNamespaceUnsharesAfterJoining(t *testing.T) {
	s := nsSpec(
		specs.LinuxNamespace{Type: specs.MountNamespace},
		specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: "/proc/self/ns/net"},
		specs.LinuxNamespace{Type: specs.UserNamespace, Path: "/proc/self/ns/user"},
	)
	var co childOpts
	var cfg initproc.Config
	if err := namespaceOpts(s, &co, &cfg); err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, fd := range co.setns {
			unix.Close(fd)
		}
	}()
	if co.cloneFlag != 0 || co.unshare != unix.CLONE_NEWNS {
		t.Errorf("new namespaces must be unshared after joining the user namespace: clone %#x unshare %#x", co.cloneFlag, co.unshare)
	}
	if len(co.setns) != 2 {
		t.Fatalf("want 2 fds to join, got %d", len(co.setns))
	}
	// The user namespace is joined first.
	link, _ := os.Readlink("/proc/self/fd/" + itoa(co.setns[0]))
	if !strings.HasPrefix(link, "user:") {
		t.Errorf("first namespace joined is %q, want the user namespace", link)
	}
}

func TestNamespaceOptsNewPidInJoinedUserForksTheInit(t *testing.T) {
	// Only a child of the process that unshares a pid namespace is in it.
	s := nsSpec(specs.LinuxNamespace{Type: specs.PIDNamespace},
		specs.LinuxNamespace{Type: specs.UserNamespace, Path: "/proc/self/ns/user"})
	var co childOpts
	var cfg initproc.Config
	if err := namespaceOpts(s, &co, &cfg); err != nil {
		t.Fatal(err)
	}
	for _, fd := range co.setns {
		unix.Close(fd)
	}
	if co.unshare&unix.CLONE_NEWPID == 0 || !co.forkInit || co.cloneFlag != 0 {
		t.Errorf("unshare %#x forkInit %v clone %#x: want CLONE_NEWPID unshared by the constructor, which forks", co.unshare, co.forkInit, co.cloneFlag)
	}
}

func TestNamespaceOptsRejects(t *testing.T) {
	for name, s := range map[string]*specs.Spec{
		"unknown type":         nsSpec(specs.LinuxNamespace{Type: "bogus"}),
		"missing path":         nsSpec(specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: "/nonexistent/ns"}),
		"path of another type": nsSpec(specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: "/proc/self/ns/ipc"}),
		"new user without root": func() *specs.Spec {
			s := nsSpec(specs.LinuxNamespace{Type: specs.UserNamespace})
			s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 1, HostID: 1000, Size: 10}}
			s.Linux.GIDMappings = s.Linux.UIDMappings
			return s
		}(),
	} {
		var co childOpts
		var cfg initproc.Config
		if err := namespaceOpts(s, &co, &cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
		if len(co.setns) != 0 {
			t.Errorf("%s: fds left open on error", name)
		}
	}
}

func TestNamespaceOptsNewTimeNamespaceIsUnsharedByTheConstructor(t *testing.T) {
	// clone(2) cannot make a time namespace, and its offsets must be
	// written before any process enters it.
	s := nsSpec(specs.LinuxNamespace{Type: specs.TimeNamespace})
	s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"boottime": {Secs: 10}}
	var co childOpts
	var cfg initproc.Config
	if err := namespaceOpts(s, &co, &cfg); err != nil {
		t.Fatal(err)
	}
	if co.cloneFlag&unix.CLONE_NEWTIME != 0 || co.unshare != unix.CLONE_NEWTIME || co.timeOffsets != "boottime 10 0\n" {
		t.Errorf("clone %#x unshare %#x offsets %q", co.cloneFlag, co.unshare, co.timeOffsets)
	}
}

func TestTimeOffsets(t *testing.T) {
	got := timeOffsets(map[string]specs.LinuxTimeOffset{"monotonic": {Secs: 86400, Nanosecs: 5}})
	if got != "monotonic 86400 5\n" {
		t.Errorf("got %q", got)
	}
}

func TestProcStatOfSelf(t *testing.T) {
	st, start, err := procStat(os.Getpid())
	if err != nil || st != 'R' && st != 'S' || start == 0 {
		t.Fatalf("procStat(self) = %c %d %v", st, start, err)
	}
	if !alive(os.Getpid(), start) {
		t.Error("alive(self) is false")
	}
	if alive(os.Getpid(), start+1) {
		t.Error("a different start time must not be taken for the same process")
	}
	if alive(0, 0) || alive(1<<30, 0) {
		t.Error("nonexistent pids are not alive")
	}
}

func TestWriteFileAtomicLeavesNoTempFiles(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "state.json")
	for _, content := range []string{"one", "two"} {
		if err := writeFileAtomic(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(p)
		if string(b) != content {
			t.Errorf("got %q want %q", b, content)
		}
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("temp files left: %v", ents)
	}
	if err := writeFileAtomic(filepath.Join(dir, "missing", "x"), nil, 0o600); err == nil {
		t.Error("write into a missing dir succeeded")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
