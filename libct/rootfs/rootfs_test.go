package rootfs

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The integration tests run every scenario in a re-executed copy of the
// test binary living in fresh mount and pid namespaces, so nothing they
// mount can reach the host's mount namespace.
const (
	childEnv  = "RT_ROOTFS_TEST_CHILD"
	configEnv = "RT_ROOTFS_TEST_CONFIG"
)

// childConfig is everything a scenario needs, passed as JSON.
type childConfig struct {
	Rootfs    string
	Spec      *specs.Spec
	Opts      Options
	HostDir   string // host directory an in-rootfs symlink points at
	HostGhost string // host path that must never be created
	WithTTY   bool
	WantErr   string // expected error text for the failure scenarios
	CgroupDir string // the test cgroup's name, "" when cgroups are not tested
}

var scenarios = map[string]func(cfg *childConfig) error{
	"full":            scenarioFull,
	"nopivot-userns":  scenarioNoPivotUserNS,
	"expect-prepare":  scenarioExpectPrepareError,
	"fake-devnull":    scenarioFakeDevNull,
	"console-symlink": scenarioConsoleSymlink,
	"cgroup2-bind":    scenarioCgroup2Bind,
}

func TestMain(m *testing.M) {
	if name := os.Getenv(childEnv); name != "" {
		os.Exit(runChild(name))
	}
	os.Exit(m.Run())
}

func runChild(name string) int {
	runtime.LockOSThread()
	var cfg childConfig
	if err := json.Unmarshal([]byte(os.Getenv(configEnv)), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, "decode config:", err)
		return 2
	}
	if err := scenarios[name](&cfg); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		return 1
	}
	return 0
}

// runInChild runs scenario in new namespaces and checks the host's mount
// table is unchanged afterwards.
func runInChild(t *testing.T, scenario string, cfg *childConfig) string {
	t.Helper()
	before := hostMountinfo(t)
	data, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), childEnv+"="+scenario, configEnv+"="+string(data))
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:   syscall.CLONE_NEWNS | syscall.CLONE_NEWPID,
		Unshareflags: syscall.CLONE_NEWNS,
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("scenario %s: %v\n%s", scenario, err, out)
	}
	if after := hostMountinfo(t); after != before {
		t.Errorf("host mount table changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	return string(out)
}

func hostMountinfo(t *testing.T) string {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func requireRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	if _, err := os.Stat("/bin/busybox"); err != nil {
		t.Skip("needs /bin/busybox (apt-get install busybox-static)")
	}
}

// buildRootfs creates a minimal busybox rootfs plus the fixtures the
// checks rely on.
func buildRootfs(t *testing.T, dir string) string {
	t.Helper()
	rootfs := filepath.Join(dir, "rootfs")
	for _, d := range []string{"bin", "etc", "proc", "sys", "dev", "tmp", "rodir", "secretdir"} {
		mustDo(t, os.MkdirAll(filepath.Join(rootfs, d), 0o755))
	}
	bb, err := os.ReadFile("/bin/busybox")
	mustDo(t, err)
	mustDo(t, os.WriteFile(filepath.Join(rootfs, "bin/busybox"), bb, 0o755))
	for _, l := range []string{"sh", "ls", "cat", "echo", "mount", "stat"} {
		mustDo(t, os.Symlink("busybox", filepath.Join(rootfs, "bin", l)))
	}
	mustDo(t, os.WriteFile(filepath.Join(rootfs, "secret"), []byte("top secret"), 0o644))
	mustDo(t, os.WriteFile(filepath.Join(rootfs, "secretdir/file"), []byte("hidden"), 0o644))
	return rootfs
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// defaultSpec resembles the config `runc spec` generates, plus binds,
// devices and paths to exercise the rest of the package.
func defaultSpec(hostRO, hostFile string) *specs.Spec {
	mode := os.FileMode(0o640)
	uid, gid := uint32(1000), uint32(1001)
	return &specs.Spec{
		Root: &specs.Root{Path: "rootfs", Readonly: true},
		Mounts: []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc"},
			{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
			{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
			{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
			{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
			{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}},
			{Destination: "/mnt/ro", Type: "bind", Source: hostRO, Options: []string{"rbind", "ro", "nosuid"}},
			{Destination: "/etc/hostfile", Type: "bind", Source: hostFile, Options: []string{"bind", "ro"}},
			{Destination: "/mnt/rec", Type: "tmpfs", Source: "tmpfs", Options: []string{"rnoexec", "rnoatime"}},
		},
		Linux: &specs.Linux{
			Namespaces: []specs.LinuxNamespace{{Type: specs.MountNamespace}, {Type: specs.PIDNamespace}},
			Devices: []specs.LinuxDevice{
				{Path: "/dev/mydev", Type: "c", Major: 1, Minor: 7, FileMode: &mode, UID: &uid, GID: &gid},
				{Path: "/dev/sub/myfifo", Type: "p", FileMode: &mode},
			},
			MaskedPaths: []string{"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/acpi",
				"/sys/firmware", "/secret", "/secretdir", "/does/not/exist"},
			ReadonlyPaths: []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", "/rodir", "/missing"},
		},
	}
}

// fixture is the host-side state shared by the scenarios.
type fixture struct {
	cfg    *childConfig
	hostRO string
}

func newFixture(t *testing.T) *fixture {
	requireRoot(t)
	dir := t.TempDir()
	rootfs := buildRootfs(t, dir)
	hostRO := filepath.Join(dir, "hostro")
	mustDo(t, os.MkdirAll(filepath.Join(hostRO, "sub"), 0o755))
	mustDo(t, os.WriteFile(filepath.Join(hostRO, "data"), []byte("ro data"), 0o644))
	hostFile := filepath.Join(dir, "hostfile")
	mustDo(t, os.WriteFile(hostFile, []byte("host file"), 0o644))
	hostDir := filepath.Join(dir, "hostdir")
	mustDo(t, os.MkdirAll(hostDir, 0o755))
	mustDo(t, os.WriteFile(filepath.Join(hostDir, "marker"), []byte("host"), 0o644))
	ghost := filepath.Join(dir, "ghost")
	// The attack: destinations that are symlinks to absolute host paths.
	mustDo(t, os.Symlink(hostDir, filepath.Join(rootfs, "etc/evil")))
	mustDo(t, os.Symlink(ghost, filepath.Join(rootfs, "etc/evil2")))
	spec := defaultSpec(hostRO, hostFile)
	spec.Mounts = append(spec.Mounts,
		specs.Mount{Destination: "/etc/evil", Type: "tmpfs", Source: "tmpfs"},
		specs.Mount{Destination: "/etc/evil2", Type: "bind", Source: hostRO, Options: []string{"bind"}})
	return &fixture{
		cfg:    &childConfig{Rootfs: rootfs, Spec: spec, HostDir: hostDir, HostGhost: ghost},
		hostRO: hostRO,
	}
}

// checkHostUntouched verifies the symlink attacks did not write to the host.
func (f *fixture) checkHostUntouched(t *testing.T) {
	t.Helper()
	entries, err := os.ReadDir(f.cfg.HostDir)
	mustDo(t, err)
	if len(entries) != 1 || entries[0].Name() != "marker" {
		t.Errorf("host dir %s was modified: %v", f.cfg.HostDir, entries)
	}
	if _, err := os.Lstat(f.cfg.HostGhost); !os.IsNotExist(err) {
		t.Errorf("host path %s was created through a symlink (err=%v)", f.cfg.HostGhost, err)
	}
	if _, err := os.Stat(filepath.Join(f.cfg.Rootfs, f.cfg.HostGhost)); err != nil {
		t.Errorf("dangling-symlink destination not created inside the rootfs: %v", err)
	}
}

func TestPrepareEnterFinish(t *testing.T) {
	f := newFixture(t)
	f.cfg.CgroupDir = setupTestCgroups(t, f.cfg)
	f.cfg.WithTTY = true
	runInChild(t, "full", f.cfg)
	f.checkHostUntouched(t)
}

func TestNoPivotUserNSDevices(t *testing.T) {
	f := newFixture(t)
	f.cfg.Spec.Root.Readonly = false
	f.cfg.Spec.Linux.RootfsPropagation = "private"
	// /dev/mydev (1:7) and the fifo have no host node at that path; use
	// host devices that exist for the bind-mount path.
	f.cfg.Spec.Linux.Devices = nil
	f.cfg.Opts = Options{NoPivot: true, UserNS: true}
	runInChild(t, "nopivot-userns", f.cfg)
	f.checkHostUntouched(t)
}

func TestPrepareRejects(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, cfg *childConfig)
		want  string
	}{
		{"proc through symlink", func(t *testing.T, cfg *childConfig) {
			mustDo(t, os.Remove(filepath.Join(cfg.Rootfs, "proc")))
			mustDo(t, os.Symlink("/tmp", filepath.Join(cfg.Rootfs, "proc")))
		}, "must be mounted on ordinary directory"},
		{"idmap", func(t *testing.T, cfg *childConfig) {
			cfg.Spec.Mounts[6].Options = append(cfg.Spec.Mounts[6].Options, "idmap")
		}, "idmapped mounts need the runtime's help"},
		{"missing bind source", func(t *testing.T, cfg *childConfig) {
			cfg.Spec.Mounts[6].Source = "/nonexistent-rt-test"
		}, "open bind source /nonexistent-rt-test for /mnt/ro: no such file or directory"},
		{"bad fs type", func(t *testing.T, cfg *childConfig) {
			cfg.Spec.Mounts[8].Type = "nosuchfs"
		}, "mount nosuchfs on /mnt/rec: no such device"},
		{"not procfs on /proc", func(t *testing.T, cfg *childConfig) {
			cfg.Spec.Mounts[0].Type = "tmpfs"
		}, "mount on /proc: only a procfs may be mounted on /proc"},
		{"bind inside /proc", func(t *testing.T, cfg *childConfig) {
			cfg.Spec.Mounts[7].Destination = "/proc/sys/kernel/hostname"
		}, "/proc/sys/kernel/hostname is inside /proc"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			tc.setup(t, f.cfg)
			f.cfg.WantErr = tc.want
			runInChild(t, "expect-prepare", f.cfg)
		})
	}
}

func TestMaskRefusesFakeDevNull(t *testing.T) {
	f := newFixture(t)
	// No tmpfs on /dev: the image's own /dev/null is used, and it is a
	// symlink to a file the mask would otherwise expose.
	f.cfg.Spec.Mounts = f.cfg.Spec.Mounts[:1]
	mustDo(t, os.WriteFile(filepath.Join(f.cfg.Rootfs, "etc/target"), []byte("x"), 0o644))
	mustDo(t, os.Symlink("/etc/target", filepath.Join(f.cfg.Rootfs, "dev/null")))
	runInChild(t, "fake-devnull", f.cfg)
}

func TestConsoleRefusesSymlink(t *testing.T) {
	f := newFixture(t)
	f.cfg.Spec.Root.Readonly = false
	runInChild(t, "console-symlink", f.cfg)
}

// TestCgroup2Bind uses the hybrid host's cgroup2 tree to exercise the v2
// path without a cgroup namespace: the container's unified dir is bound.
func TestCgroup2Bind(t *testing.T) {
	f := newFixture(t)
	name := fmt.Sprintf("rt-test-rootfs2-%d", os.Getpid())
	p := filepath.Join("/sys/fs/cgroup/unified", name)
	if err := os.Mkdir(p, 0o755); err != nil {
		t.Skipf("no cgroup2 tree to test with: %v", err)
	}
	t.Cleanup(func() { removeCgroup(t, p) })
	f.cfg.CgroupDir = name
	f.cfg.Opts = Options{CgroupV2: true, CgroupPaths: map[string]string{"": p}}
	f.cfg.Spec.Mounts = append(f.cfg.Spec.Mounts[:1], specs.Mount{
		Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup",
		Options: []string{"nosuid", "noexec", "nodev", "ro"},
	})
	runInChild(t, "cgroup2-bind", f.cfg)
}

// setupTestCgroups creates a cgroup under a test-owned parent in a few v1
// hierarchies (and the hybrid unified one) and mounts them in the spec.
func setupTestCgroups(t *testing.T, cfg *childConfig) string {
	name := fmt.Sprintf("rt-test-rootfs-%d", os.Getpid())
	paths := map[string]string{}
	for ctrl, dir := range map[string]string{"memory": "memory", "pids": "pids", "name=systemd": "systemd", "": "unified"} {
		p := filepath.Join("/sys/fs/cgroup", dir, name)
		if err := os.Mkdir(p, 0o755); err != nil {
			continue
		}
		t.Cleanup(func() { removeCgroup(t, p) })
		paths[ctrl] = p
	}
	if _, ok := paths["memory"]; !ok {
		t.Log("cannot create a v1 memory cgroup; cgroup mounts not tested")
		return ""
	}
	cfg.Opts.CgroupPaths = paths
	cfg.Spec.Mounts = append(cfg.Spec.Mounts, specs.Mount{
		Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup",
		Options: []string{"nosuid", "noexec", "nodev", "relatime", "ro"},
	})
	return name
}

// removeCgroup retries because the child's mount namespace, which still
// references the directory, is torn down asynchronously.
func removeCgroup(t *testing.T, p string) {
	var err error
	for range 50 {
		if err = os.Remove(p); err == nil || os.IsNotExist(err) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Errorf("remove test cgroup %s: %v", p, err)
}
